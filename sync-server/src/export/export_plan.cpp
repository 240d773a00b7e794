#include "export_plan.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "equitas/forms/file_answer.hpp"

namespace equitas::server {
namespace {

// Calls visit(code) for each code a select answer holds, in order, until it
// returns false. Arrays are the format; a string (a version that asked it
// as select_one, or XLSForm's space-separated style) is read as
// space-separated codes. Nothing is copied: this runs for every select
// answer of every row.
template <typename Visit>
void for_each_code(const boost::json::value& v, Visit visit) {
  if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      if (e.is_string() && !visit(std::string_view(e.get_string()))) return;
    }
  } else if (v.is_string()) {
    std::string_view s = v.get_string();
    while (!s.empty()) {
      const auto space = s.find(' ');
      if (space != 0 && !visit(s.substr(0, space))) return;
      if (space == std::string_view::npos) break;
      s.remove_prefix(space + 1);
    }
  }
}

ExportCell text_cell(std::string text) { return {ExportCell::Kind::kText, std::move(text), 0}; }

// Any JSON value, for columns whose question does not say more.
ExportCell generic_cell(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return {};
    case boost::json::kind::string:
      return text_cell(std::string(v.get_string()));
    case boost::json::kind::bool_:
      return {ExportCell::Kind::kBool, v.get_bool() ? "true" : "false", 0};
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return {ExportCell::Kind::kNumber, boost::json::serialize(v), v.to_number<double>()};
    case boost::json::kind::array: {
      // Lists of codes read best space-separated, as XLSForm users expect;
      // anything richer (a repeat's rows) stays JSON.
      std::string out;
      for (const auto& e : v.get_array()) {
        if (e.is_object() || e.is_array()) return text_cell(boost::json::serialize(v));
        if (!out.empty()) out += ' ';
        out += e.is_string() ? std::string(e.get_string()) : boost::json::serialize(e);
      }
      return text_cell(std::move(out));
    }
    case boost::json::kind::object:
      return text_cell(boost::json::serialize(v));
  }
  return {};
}

std::string join_path(const std::vector<const forms::Item*>& parents) {
  std::string out;
  for (const forms::Item* p : parents) out += (out.empty() ? "" : "/") + p->name;
  return out;
}

}  // namespace

bool is_numeric_code(std::string_view code) {
  std::string_view s = code;
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  // Fifteen digits stay exact in a double.
  if (whole.empty() || whole.size() > 15 || (whole.size() > 1 && whole[0] == '0')) return false;
  if (!std::all_of(whole.begin(), whole.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  if (dot == std::string_view::npos) return true;
  const std::string_view frac = s.substr(dot + 1);
  return !frac.empty() && frac.size() <= 6 && frac.back() != '0' &&
         std::all_of(frac.begin(), frac.end(), [](char c) { return c >= '0' && c <= '9'; });
}

double code_number(std::string_view code) {
  // from_chars rounds as strtod does, without a copy or the locale.
  double d = 0;
  std::from_chars(code.data(), code.data() + code.size(), d);
  return d;
}

std::optional<std::size_t> ExportPlan::question_index(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

const forms::Form* ExportPlan::form(std::string_view version) const {
  auto it = forms_.find(version);
  return it == forms_.end() ? nullptr : it->second.get();
}

void ExportPlan::note_value(ExportQuestion& q, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return;
    case boost::json::kind::bool_:
      q.max_bytes = std::max<std::size_t>(q.max_bytes, 1);
      return;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: {
      const double d = v.to_number<double>();
      q.near_missing_codes = q.near_missing_codes || (d >= -99 && d <= -91);
      // Room for the number as text (a text column of numbers and words),
      // without printing every one: 20 digits and a sign, or a double's 24.
      q.max_bytes = std::max<std::size_t>(q.max_bytes, v.is_double() ? 24 : 21);
      return;
    }
    case boost::json::kind::string: {
      const std::string_view s = v.get_string();
      q.max_bytes = std::max(q.max_bytes, s.size());
      if (!q.only_numbers) return;
      if (!is_numeric_code(s)) {
        // A select's codes are judged against its list, not here.
        if (!q.select) q.only_numbers = false;
        return;
      }
      const double d = code_number(s);
      q.near_missing_codes = q.near_missing_codes || (d >= -99 && d <= -91);
      return;
    }
    case boost::json::kind::array:
    case boost::json::kind::object:
      if (!q.select) q.only_numbers = false;
      if (!q.multiple) q.max_bytes = std::max(q.max_bytes, boost::json::serialize(v).size());
      return;
  }
}

const forms::Choice* ExportQuestion::find_choice(std::string_view code) const {
  for (const auto& c : choices) {
    if (c.name == code) return &c;
  }
  return nullptr;
}

ExportQuestion& ExportPlan::add_question(const std::string& name) {
  if (auto it = by_name_.find(name); it != by_name_.end()) return questions_[it->second];
  by_name_.emplace(name, questions_.size());
  questions_.push_back(ExportQuestion{});
  questions_.back().name = name;
  return questions_.back();
}

void ExportPlan::add_item(const forms::Form& form, const forms::Item& item,
                          const std::vector<const forms::Item*>& parents, const Version& version) {
  if (!item.takes_answer()) return;
  const bool existed = by_name_.count(item.name) != 0;
  ExportQuestion& q = add_question(item.name);
  const std::size_t index = by_name_.at(item.name);
  if (!existed) {  // the newest definition describes it
    q.type = std::string(forms::question_type_name(item.type));
    q.multiple = item.type == forms::QuestionType::kSelectMultiple;
    q.ranked = item.rank;
    q.select = item.is_select();
    q.group = join_path(parents);
    for (auto p = parents.rbegin(); p != parents.rend(); ++p) {
      if ((*p)->type == forms::QuestionType::kRepeat) {
        q.repeat = (*p)->name;
        break;
      }
    }
    q.list = item.list;
    q.label = item.label;
    // Times, dateTimes, points, lines and shapes are text in the XForms form.
    q.only_numbers =
        item.type != forms::QuestionType::kText && item.type != forms::QuestionType::kDate &&
        item.type != forms::QuestionType::kTime && item.type != forms::QuestionType::kDateTime &&
        !item.is_location() && item.type != forms::QuestionType::kBarcode &&
        item.type != forms::QuestionType::kRepeat && !forms::is_file_question(item);
    if (!q.repeat.empty()) {
      q.note = "inside the rows of " + q.repeat;
    } else if (q.ranked) {
      q.note = "a ranking: one column per choice, " + q.name +
               "/CODE: its position, 1 the most preferred, "
               "empty when not asked";
    } else if (q.multiple) {
      q.note = "one column per choice, " + q.name +
               "/CODE: 1 chosen, 0 not chosen, empty when not asked";
    } else if (item.type == forms::QuestionType::kRepeat) {
      q.note = "a JSON array, one object per row";
    } else if (item.type == forms::QuestionType::kCalculate) {
      q.note = "computed by the form: " + item.calculation.source;
    } else if (forms::is_file_question(item)) {
      q.note =
          "files, by stable name (files/SHA256.EXT; several separated by spaces): export "
          "--with-files";
    }
  }
  q.gated = q.gated || item.relevant.present() ||
            std::any_of(parents.begin(), parents.end(),
                        [](const forms::Item* p) { return p->relevant.present(); });
  q.versions.insert(q.versions.begin(), form.version);  // versions arrive newest first
  q.rounds.insert(version.rounds.begin(), version.rounds.end());
  if (const forms::ChoiceList* list = form.list_for(item)) {
    for (const auto& c : list->choices) {
      if (q.find_choice(c.name) == nullptr) q.choices.push_back(c);
    }
  }
  // or_other accepts the code "other" whether or not the list has it.
  if (item.or_other && q.find_choice("other") == nullptr) {
    forms::Choice other;
    other.name = "other";
    q.choices.push_back(std::move(other));
  }
  by_version_[form.version].insert(index);
  if (item.or_other && q.repeat.empty()) {
    ExportQuestion& other = add_question(item.name + "_other");
    if (other.type.empty()) {
      other.type = "text";
      other.group = join_path(parents);
      other.label = item.label;
      other.note = "free text when 'other' is chosen in " + item.name;
    }
    other.versions.insert(other.versions.begin(), form.version);
    other.rounds.insert(version.rounds.begin(), version.rounds.end());
    by_version_[form.version].insert(by_name_.at(item.name + "_other"));
  }
}

ExportPlan ExportPlan::from_forms(const std::vector<Version>& versions) {
  ExportPlan plan;
  for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
    const forms::Form& form = *v->form;
    if (v == versions.rbegin()) {
      plan.default_language_ = form.default_language;
      plan.languages_.push_back(form.default_language);
      plan.anonymous_ = form.anonymous;
    }
    // An older anonymous version makes the whole dataset sensitive.
    plan.anonymous_ = plan.anonymous_ || form.anonymous;
    plan.forms_.emplace(form.version, v->form);
    for (const auto& l : form.languages) {
      if (std::find(plan.languages_.begin(), plan.languages_.end(), l) == plan.languages_.end()) {
        plan.languages_.push_back(l);
      }
    }
    form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>& parents) {
      plan.add_item(form, item, parents, *v);
      return true;
    });
  }
  if (plan.languages_.empty()) plan.languages_.push_back(plan.default_language_);
  return plan;
}

void ExportPlan::observe(std::string_view version, std::string_view round,
                         const boost::json::object& answers) {
  seen_rounds_.emplace(std::string(version), std::string(round));
  // The versions and rounds of what only the data explains (a key no
  // definition has, or a whole version none describes) come from the rows.
  const bool known_version = forms_.count(version) != 0;
  std::set<std::size_t>* asked = nullptr;
  for (const auto& kv : answers) {
    auto it = by_name_.find(kv.key());
    if (it == by_name_.end()) {
      ExportQuestion& q = add_question(std::string(kv.key()));
      q.type = "unknown";
      q.known = false;
      q.note = "in no version of the form; seen in the data";
      it = by_name_.find(kv.key());
    }
    if (!known_version || !questions_[it->second].known) {
      if (asked == nullptr) asked = &by_version_[std::string(version)];
      if (asked->insert(it->second).second) questions_[it->second].versions.emplace_back(version);
    }
    ExportQuestion& q = questions_[it->second];
    note_value(q, kv.value());
    if (!q.select) continue;
    for_each_code(kv.value(), [&q](std::string_view code) {
      if (q.find_choice(code) == nullptr) {
        forms::Choice seen;
        seen.name = std::string(code);
        q.choices.push_back(std::move(seen));
      }
      return q.multiple;  // a select_one's answer is its first code
    });
  }
}

void ExportPlan::finish() {
  for (const auto& [version, round] : seen_rounds_) {
    auto it = by_version_.find(version);
    if (it == by_version_.end()) continue;
    for (std::size_t i : it->second) questions_[i].rounds.insert(round);
  }
  columns_.clear();
  for (std::size_t i = 0; i < questions_.size(); ++i) {
    const ExportQuestion& q = questions_[i];
    if (!q.repeat.empty()) continue;  // its answers sit in the repeat's cell
    if (!q.multiple) {
      columns_.push_back({q.name, i, {}});
      continue;
    }
    for (const auto& c : q.choices) columns_.push_back({q.name + "/" + c.name, i, c.name});
  }
}

std::vector<ExportColumn> ExportPlan::repeat_columns(std::size_t repeat) const {
  std::vector<ExportColumn> out;
  for (std::size_t i = 0; i < questions_.size(); ++i) {
    const ExportQuestion& inner = questions_[i];
    if (inner.repeat != questions_[repeat].name || inner.type == "repeat") continue;
    if (!inner.multiple) {
      out.push_back({inner.name, i, {}});
    } else {
      for (const auto& ch : inner.choices) out.push_back({inner.name + "/" + ch.name, i, ch.name});
    }
  }
  return out;
}

std::string ExportPlan::label_of(const ExportQuestion& q, std::string_view code,
                                 const std::string& lang) const {
  const forms::Choice* c = q.find_choice(code);
  if (c == nullptr || c->label.empty()) return std::string(code);
  return c->label.get(lang.empty() ? default_language_ : lang, default_language_);
}

ExportCell ExportPlan::cell(const ExportColumn& column, const boost::json::object& answers,
                            bool labels, const std::string& lang) const {
  return cell(column, answers.if_contains(questions_[column.question].name), labels, lang);
}

ExportCell ExportPlan::cell(const ExportColumn& column, const boost::json::value* v, bool labels,
                            const std::string& lang) const {
  const ExportQuestion& q = questions_[column.question];
  if (v == nullptr || v->is_null()) return {};
  if (!column.choice.empty()) {
    bool chosen = false;
    double position = 0;
    for_each_code(*v, [&](std::string_view code) {
      ++position;
      chosen = code == column.choice;
      return !chosen;
    });
    if (q.ranked && !chosen) return {};
    if (q.ranked)
      return {ExportCell::Kind::kNumber, std::to_string(static_cast<int>(position)), position};
    return {ExportCell::Kind::kNumber, chosen ? "1" : "0", chosen ? 1.0 : 0.0};
  }
  if (q.select && v->is_string()) {
    const std::string_view code = v->get_string();
    if (labels) return text_cell(label_of(q, code, lang));
    if (is_numeric_code(code))
      return {ExportCell::Kind::kNumber, std::string(code), code_number(code)};
    return text_cell(std::string(code));
  }
  return generic_cell(*v);
}

boost::json::object ExportPlan::labelled(const boost::json::object& answers,
                                         const std::string& lang) const {
  boost::json::object out(answers,
                          boost::json::storage_ptr());  // on the heap, whatever holds `answers`
  for (auto& kv : out) {
    auto it = by_name_.find(kv.key());
    if (it == by_name_.end() || !questions_[it->second].select) continue;
    const ExportQuestion& q = questions_[it->second];
    if (kv.value().is_string()) {
      kv.value() = label_of(q, kv.value().get_string(), lang);
    } else if (kv.value().is_array()) {
      for (auto& e : kv.value().get_array()) {
        if (e.is_string()) e = label_of(q, e.get_string(), lang);
      }
    }
  }
  return out;
}

}  // namespace equitas::server
