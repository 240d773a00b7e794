#include "export_variables.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <set>

#include "equitas/forms/form_engine.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "equitas/wire/payload.hpp"

namespace equitas::server {
namespace {

constexpr std::size_t kMaxName = 32;  // Stata's limit; SPSS allows 64, R any

// Words no variable may be named, lower case: SPSS's reserved keywords,
// Stata's reserved names and R's reserved words.
const std::set<std::string, std::less<>>& reserved_words() {
  static const std::set<std::string, std::less<>> kWords = {
      // SPSS
      "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with",
      // Stata
      "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
      "_pi", "_pred", "_rc", "_skip", "strl", "using",
      // R
      "else", "repeat", "while", "function", "for", "next", "break", "true", "false", "null", "inf",
      "nan", "na", "na_integer_", "na_real_", "na_character_"};
  return kWords;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string reason_label(Missing why) {
  switch (why) {
    case Missing::kSkipped:
      return "Skipped (not asked)";
    case Missing::kUnanswered:
      return "Unanswered";
    case Missing::kNotReleased:
      return "No answer (skipped or unanswered: not told apart)";
    case Missing::kWithheld:
      return "Withheld (disclosure control)";
    case Missing::kExcluded:
    case Missing::kNone:
      break;
  }
  return "";
}

MissingCode common_reason(Missing why, std::string code, double spss, char stata) {
  return MissingCode{why, std::move(code), reason_label(why), spss, stata};
}

}  // namespace

std::string variable_name(std::string_view path) {
  std::string out;
  bool replaced = false;  // the last '_' stands for other bytes
  for (char c : path) {
    const bool ok = is_letter(c) || (c >= '0' && c <= '9') || c == '_';
    if (ok && !(c == '_' && replaced)) {
      out += c;
      replaced = false;
    } else if (!ok && (out.empty() || out.back() != '_')) {
      out += '_';  // "a/b" -> "a_b"; a run of other bytes (UTF-8) -> one '_'
      replaced = true;
    }
  }
  if (out.empty() || !is_letter(out[0])) out.insert(0, "v");
  out.resize(std::min(out.size(), kMaxName));
  if (reserved_words().count(lower(out)) != 0) out = out.substr(0, kMaxName - 1) + "_";
  return out;
}

ExportLayout::ExportLayout(const ExportSource& source, LayoutOptions options)
    : source_(source), plan_(source.plan()), options_(std::move(options)), at_(source.now()) {
  lang_ = options_.lang.empty() ? plan_.default_language() : options_.lang;
  today_ = iso8601_utc(source.now()).substr(0, 10);
  common_[Missing::kSkipped] = common_reason(Missing::kSkipped, "skipped", -99, 's');
  common_[Missing::kUnanswered] = common_reason(Missing::kUnanswered, "unanswered", -98, 'u');
  common_[Missing::kNotReleased] = common_reason(Missing::kNotReleased, "not released", -97, 'x');
  common_[Missing::kWithheld] = common_reason(Missing::kWithheld, "withheld", -96, 'w');
  add_meta();
  const auto& columns = source_.columns();
  for (std::size_t i = 0; i < columns.size(); ++i) add_answer(i, columns[i]);
}

std::string ExportLayout::unique_name(std::string_view path, std::string_view suffix) {
  std::string base = variable_name(path);
  if (!suffix.empty()) base = base.substr(0, kMaxName - suffix.size()) + std::string(suffix);
  std::string name = base;
  for (int n = 2; std::find(taken_.begin(), taken_.end(), lower(name)) != taken_.end(); ++n) {
    const std::string tail = "_" + std::to_string(n);
    name = base.substr(0, kMaxName - tail.size()) + tail;
  }
  taken_.push_back(lower(name));
  return name;
}

void ExportLayout::add_meta() {
  const auto& meta = meta_columns(source_.anonymous());
  for (std::size_t i = 0; i < meta.size(); ++i) {
    ExportVariable v;
    v.path = meta[i].name;
    v.name = unique_name(v.path);
    v.label = meta[i].note;
    v.meta = true;
    v.index = i;
    const std::string_view n = meta[i].name;
    v.numeric = n == "row" || n == "revision" || n == "conflict";
    // The wire's limits: a site takes up to 128 bytes, a version or a round
    // 64; ids and times are shorter.
    v.width = n == "site" || n == "unit" ? kMaxSiteLength : 64;
    if (n == "unit") {
      v.reasons.push_back(common_.at(Missing::kWithheld));
      v.has_companion = true;
    }
    variables_.push_back(std::move(v));
    if (variables_.back().has_companion) add_companion(variables_.back().path);
  }
}

void ExportLayout::add_companion(std::string of) {
  const ExportVariable& main = variables_.back();
  ExportVariable c;
  c.path = of + "_miss";
  c.name = unique_name(of, "_miss");
  c.label = "why " + of + " is blank";
  c.is_companion = true;
  c.meta = main.meta;
  c.index = main.index;
  for (const auto& r : main.reasons) c.width = std::max(c.width, r.code.size());
  variables_.push_back(std::move(c));
}

void ExportLayout::add_reasons(const std::string& set, const std::vector<MissingCode>& reasons) {
  auto& known = value_sets_[set].reasons;
  for (const auto& r : reasons) {
    const bool seen = std::any_of(known.begin(), known.end(),
                                  [&](const MissingCode& k) { return k.spss == r.spss; });
    if (!seen) known.push_back(r);
  }
}

void ExportLayout::add_answer(std::size_t column_index, const ExportColumn& column) {
  const ExportQuestion& q = plan_.questions()[column.question];
  ExportVariable v;
  v.path = column.header;
  v.name = unique_name(v.path);
  v.index = column_index;
  v.label = q.label.get(lang_, plan_.default_language());
  if (v.label.empty()) v.label = q.name;

  std::vector<MissingCode> excluded;
  if (!column.choice.empty()) {  // one choice of a select_multiple: 0/1
    v.numeric = true;
    if (const forms::Choice* c = q.find_choice(column.choice)) {
      v.label +=
          ": " + (c->label.empty() ? c->name : c->label.get(lang_, plan_.default_language()));
    }
    if (!q.ranked) {  // a ranking's positions need no labels
      v.value_set = "chosen";
      value_sets_["chosen"].values = {{0, "Not chosen"}, {1, "Chosen"}};
    }
  } else if (q.select && !options_.labels) {
    std::vector<const forms::Choice*> real;
    for (const auto& c : q.choices) {
      if (!c.exclude) real.push_back(&c);
    }
    const bool numeric_codes = std::all_of(
        real.begin(), real.end(), [](const forms::Choice* c) { return is_numeric_code(c->name); });
    if (numeric_codes || options_.code_selects) {
      v.numeric = true;
      double next = 1;
      for (const forms::Choice* c : real)
        v.codes[c->name] = numeric_codes ? std::stod(c->name) : next++;
      // Excluded choices are blanks with a reason: -95 onwards, and a
      // letter (their code's initial where free).
      std::string used = "suxw";
      double spss = -95;
      for (const auto& c : q.choices) {
        if (!c.exclude || spss > -91) continue;
        char tag = c.name.empty() ? 0 : static_cast<char>(lower(c.name.substr(0, 1))[0]);
        if (tag < 'a' || tag > 'z' || used.find(tag) != std::string::npos) {
          tag = 'a';
          while (used.find(tag) != std::string::npos) ++tag;
        }
        used += tag;
        excluded.push_back({Missing::kExcluded, c.name,
                            c.label.empty() ? c.name : c.label.get(lang_, plan_.default_language()),
                            spss++, tag});
      }
      v.value_set = variable_name("l_" + (q.list.empty() ? q.name : q.list));
      auto& set = value_sets_[v.value_set];
      if (set.values.empty()) {
        for (const forms::Choice* c : real) {
          if (!c->label.empty())
            set.values.push_back({v.codes[c->name], c->label.get(lang_, plan_.default_language())});
        }
      }
    }
  } else if (q.type == "acknowledge" || (!q.select && q.only_numbers && q.type != "text" &&
                                         q.type != "date" && q.type != "repeat")) {
    v.numeric = true;
  }
  v.declare_range = !q.near_missing_codes;

  v.reasons = excluded;
  if (q.gated) v.reasons.push_back(common_.at(Missing::kSkipped));
  v.reasons.push_back(common_.at(Missing::kUnanswered));
  if (q.gated && source_.anonymous()) v.reasons.push_back(common_.at(Missing::kNotReleased));
  const auto& qis = source_.quasi_identifiers();
  if (source_.anonymous() && std::find(qis.begin(), qis.end(), q.name) != qis.end()) {
    v.reasons.push_back(common_.at(Missing::kWithheld));
  }
  if (v.numeric) {
    if (v.value_set.empty()) v.value_set = "reasons";
    add_reasons(v.value_set, v.reasons);
  }
  // A blank that can only mean "unanswered" needs no companion, and the
  // choices of a select_multiple share one, after the last of them.
  const bool telling = v.reasons.size() > 1;
  const auto& columns = source_.columns();
  const bool last_of_question = column.choice.empty() || column_index + 1 == columns.size() ||
                                columns[column_index + 1].question != column.question;
  v.has_companion = telling && last_of_question && (!v.numeric || !options_.in_band_reasons);

  if (!v.numeric) {
    v.width = std::max<std::size_t>(1, q.max_bytes);
    for (const auto& c : q.choices) {
      const std::string shown = options_.labels && !c.label.empty()
                                    ? c.label.get(lang_, plan_.default_language())
                                    : c.name;
      v.width = std::max(v.width, shown.size());
    }
  }
  variables_.push_back(std::move(v));
  if (variables_.back().has_companion)
    add_companion(column.choice.empty() ? variables_.back().path : q.name);
}

const ExportLayout::Gate& ExportLayout::gate(const forms::Form& form, const ExportQuestion& q,
                                             std::size_t question) const {
  auto& table = gates_[&form];
  if (table.empty()) table.resize(plan_.questions().size());
  Gate& g = table[question];
  if (g.known) return g;
  g.known = true;
  form.walk([&](const forms::Item& item, const std::vector<const forms::Item*>& parents) {
    if (item.name != q.name) return true;
    if (item.relevant.present()) g.conditions.push_back(item.relevant.expr.get());
    for (const forms::Item* p : parents) {
      if (p->relevant.present()) g.conditions.push_back(p->relevant.expr.get());
    }
    return false;
  });
  for (const forms::Expr* e : g.conditions) {
    for (auto& r : e->references()) g.reads.push_back(std::move(r));
  }
  // Through calculations: a condition on harass_any reads the h_* answers.
  for (std::size_t i = 0; i < g.reads.size() && i < 1000; ++i) {
    const forms::Item* ref = form.find(g.reads[i]);
    if (ref == nullptr || !ref->calculation.present()) continue;
    g.calculations.push_back(ref->name);
    for (auto& r : ref->calculation.expr->references()) {
      if (std::find(g.reads.begin(), g.reads.end(), r) == g.reads.end())
        g.reads.push_back(std::move(r));
    }
  }
  return g;
}

Missing ExportLayout::why_blank(const ExportQuestion& q, std::size_t question,
                                const ExportRow& row) const {
  if (std::find(row.withheld.begin(), row.withheld.end(), q.name) != row.withheld.end())
    return Missing::kWithheld;
  if (!q.gated) return Missing::kUnanswered;
  const forms::Form* form = plan_.form(row.form_version);
  if (form == nullptr) return source_.anonymous() ? Missing::kNotReleased : Missing::kUnanswered;
  const Gate& g = gate(*form, q, question);
  if (source_.anonymous()) {
    for (const auto& r : g.reads) {
      if (std::find(row.withheld.begin(), row.withheld.end(), r) != row.withheld.end())
        return Missing::kNotReleased;
    }
  }
  // The stored answers hold the calculations the collector made, so the
  // conditions read them as they were when the respondent answered. A row
  // without them has them run here, once.
  const bool calculated =
      std::all_of(g.calculations.begin(), g.calculations.end(),
                  [&](const std::string& c) { return row.answers.contains(c); });
  if (!calculated && !computed_ready_) {
    computed_ = row.answers;
    forms::EvalOptions options;
    options.strict = false;
    options.record_states = false;
    options.today = today_;
    options.clock = &at_;
    (void)forms::evaluate(*form, computed_,
                          options);  // for its calculations only; errors are not ours to judge
    computed_ready_ = true;
  }
  const boost::json::object& answers = calculated ? row.answers : computed_;
  return forms::conditions_hold(g.conditions, answers, today_, at_) ? Missing::kUnanswered
                                                                    : Missing::kSkipped;
}

ExportValue ExportLayout::blank(const ExportVariable& v, std::size_t question,
                                const ExportRow& row) const {
  ExportValue out;
  Missing& why = row_why_[question];  // once per row, not once per choice column
  if (why == Missing::kNone) why = why_blank(plan_.questions()[question], question, row);
  for (const auto& r : v.reasons) {
    if (r.why == why) out.reason = &r;
  }
  return out;
}

void ExportLayout::values(const ExportRow& row, std::vector<ExportValue>& out) const {
  out.assign(variables_.size(), ExportValue{});
  row_why_.assign(plan_.questions().size(), Missing::kNone);
  computed_ready_ = false;
  // Every key of the row is a question of the plan: it was built from these
  // rows, or from the definitions (observe() adds what only the data has).
  row_answers_.assign(plan_.questions().size(), nullptr);
  for (const auto& kv : row.answers) {
    if (const auto q = plan_.question_index(kv.key())) row_answers_[*q] = &kv.value();
  }
  std::vector<ExportCell> meta;
  for (std::size_t i = 0; i < variables_.size(); ++i) {
    const ExportVariable& v = variables_[i];
    ExportValue& cell = out[i];
    if (v.is_companion) {
      const ExportValue& main = out[i - 1];
      if (main.kind == ExportValue::Kind::kBlank && main.reason != nullptr) {
        cell.kind = ExportValue::Kind::kText;
        cell.text = main.reason->code;
      }
      continue;
    }
    if (v.meta) {
      if (meta.empty()) meta = meta_cells(row, source_.anonymous());
      const ExportCell& m = meta[v.index];
      if (m.kind == ExportCell::Kind::kEmpty) {
        if (!v.reasons.empty()) cell.reason = &v.reasons.front();  // the unit, withheld
      } else if (v.numeric) {
        cell = {ExportValue::Kind::kNumber, m.number, m.text, nullptr};
      } else {
        cell = {ExportValue::Kind::kText, 0, m.text, nullptr};
      }
      continue;
    }
    const ExportColumn& column = source_.columns()[v.index];
    const ExportQuestion& q = plan_.questions()[column.question];
    const boost::json::value* a = row_answers_[column.question];
    if (a == nullptr || a->is_null() || (a->is_string() && a->get_string().empty()) ||
        (a->is_array() && a->get_array().empty() && !q.multiple)) {
      cell = blank(v, column.question, row);
      continue;
    }
    if (q.select && v.numeric && column.choice.empty() && a->is_string()) {
      const std::string_view code = a->get_string();
      if (auto c = v.codes.find(code); c != v.codes.end()) {
        cell.kind = ExportValue::Kind::kNumber;
        cell.number = c->second;
        cell.text = is_numeric_code(code) ? std::string(code)
                                          : boost::json::serialize(boost::json::value(c->second));
        continue;
      }
      for (const auto& r : v.reasons) {
        if (r.why == Missing::kExcluded && r.code == code) cell.reason = &r;
      }
      if (cell.reason != nullptr) continue;
      // A code no version's list has (seen only in the data): the number
      // it spells, or else no number, with the code in the companion.
      if (is_numeric_code(code)) {
        cell = {ExportValue::Kind::kNumber, code_number(code), std::string(code), nullptr};
      }
      continue;
    }
    ExportCell c = plan_.cell(column, a, options_.labels, options_.lang);
    switch (c.kind) {
      case ExportCell::Kind::kEmpty:
        cell = blank(v, column.question, row);
        break;
      case ExportCell::Kind::kBool:
        if (v.numeric) {
          cell = {ExportValue::Kind::kNumber, c.text == "true" ? 1.0 : 0.0,
                  c.text == "true" ? "1" : "0", nullptr};
        } else {
          cell = {ExportValue::Kind::kText, 0, std::move(c.text), nullptr};
        }
        break;
      case ExportCell::Kind::kNumber:
        if (v.numeric) {
          cell = {ExportValue::Kind::kNumber, c.number, std::move(c.text), nullptr};
        } else {
          cell = {ExportValue::Kind::kText, 0, std::move(c.text), nullptr};
        }
        break;
      case ExportCell::Kind::kText:
        if (v.numeric && is_numeric_code(c.text)) {
          cell = {ExportValue::Kind::kNumber, code_number(c.text), std::move(c.text), nullptr};
        } else if (v.numeric && c.text == "OK") {  // an acknowledgement's other spelling
          cell = {ExportValue::Kind::kNumber, 1, "1", nullptr};
        } else {
          cell = {ExportValue::Kind::kText, 0, std::move(c.text), nullptr};
        }
        break;
    }
    if (v.numeric && cell.kind == ExportValue::Kind::kText) {
      // Never text in a numeric column: the value goes as unanswered.
      cell = blank(v, column.question, row);
    }
  }
}

}  // namespace equitas::server
