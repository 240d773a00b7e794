// The XLSForm importer's survey sheet (see xlsform_importer.hpp): each row
// handed to what its type names; groups, repeats and loops opened and
// closed; metadata rows; and, once the choices are read, loops expanded
// and names repeated across groups renamed.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cell_text.hpp"
#include "xlsform_importer.hpp"

namespace equitas::forms::xlsform_detail {
namespace {

// The metadata types: values of the device or the clock, not answers.
constexpr std::string_view kMetadataTypes[] = {"start",
                                               "end",
                                               "today",
                                               "deviceid",
                                               "username",
                                               "audit",
                                               "phonenumber",
                                               "simserial",
                                               "subscriberid",
                                               "imei",
                                               "uri:deviceid",
                                               "uri:username",
                                               "uri:email",
                                               "email",
                                               "uri:phonenumber",
                                               "uri:subscriberid",
                                               "uri:simserial",
                                               "start-geopoint",
                                               "background-audio",
                                               "background-geopoint"};

// What a row that opens or closes a group, a repeat or a loop does: "begin
// group", "end repeat", "begin loop"..., from a type cell in lower case
// words `lw` ("begin group", "begin_group"); "begin foo" too, which is
// reported as an unknown type. "" for any other row.
std::string group_op(const std::vector<std::string>& lw) {
  if ((lw[0] == "begin" || lw[0] == "end") && lw.size() >= 2) return lw[0] + " " + lw[1];
  if (one_of(lw[0], {"begin_group", "end_group", "begin_repeat", "end_repeat", "begin_loop",
                     "end_loop"})) {
    std::string op = lw[0];
    op[op.find('_')] = ' ';
    return op;
  }
  return "";
}

}  // namespace

std::vector<Item>& Importer::container() {
  return open_.empty() ? form_.items : open_.back().item.items;
}

void Importer::read_survey(const Table& t) {
  if (t.headers.empty()) {
    msg_.error("survey", 0, "the survey sheet is empty");
    return;
  }
  bool have_type = false;
  for (const auto& [col, c] : survey_cols_) have_type = have_type || c.kind == Col::kType;
  if (!have_type) {
    msg_.error("survey", t.header_row, "the survey sheet has no 'type' column");
    return;
  }
  for (const SheetRow* r : t.rows) survey_row(*r);
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    msg_.error("survey", it->row,
               "'begin " + std::string(question_type_name(it->item.type)) + "' " +
                   quote(it->item.name) + " has no matching 'end " +
                   std::string(question_type_name(it->item.type)) + "'");
  }
  // Keep what was read so later checks see it; the errors already refuse the form.
  while (!open_.empty()) close_container();
}

// Skips a row without a type, or a disabled one; hands any other to the
// handler for what its type names.
void Importer::survey_row(const SheetRow& r) {
  const RowValues v = row_values(r, survey_cols_);
  if (v.empty) return;
  SurveyRow s{v, r.num, v.get(Col::kType), v.get(Col::kName), {}, {}};
  if (s.type_cell.empty()) {
    if (!s.name.empty() || !v.texts.empty() || !v.plain.empty()) {
      msg_.warn("survey", s.row, "row has no type and is skipped");
    }
    return;
  }
  if (yes(v.get(Col::kDisabled))) {
    msg_.warn("survey", s.row, "row is disabled and is skipped");
    return;
  }
  s.words = split_words(s.type_cell);
  for (const auto& w : s.words) s.lw.push_back(ascii_lower(w));
  const std::string& t0 = s.lw[0];
  if (const std::string op = group_op(s.lw); !op.empty()) {
    group_row(s, op);
  } else if ((t0 == "today" || t0 == "deviceid") && s.lw.size() == 1 && !s.name.empty()) {
    response_metadata_row(s);
  } else if (one_of(t0, kMetadataTypes) && s.lw.size() == 1) {
    skipped_metadata_row(s);
  } else {
    question_row(s);
  }
}

// "begin group", "end repeat", "begin loop"...: `op` (see group_op).
void Importer::group_row(const SurveyRow& s, const std::string& op) {
  if (op == "begin loop") {
    begin_loop(s);
    return;
  }
  if (op == "end loop") {
    if (!open_.empty()) close_container();
    return;
  }
  const std::string what = op.substr(op.find(' ') + 1);
  if (what != "group" && what != "repeat") {
    msg_.error("survey", s.row, "unknown type " + quote(s.type_cell));
    return;
  }
  const QuestionType qt = what == "group" ? QuestionType::kGroup : QuestionType::kRepeat;
  if (op.starts_with("begin")) {
    begin_group(s, qt, what);
  } else {
    end_group(s, qt, op, what);
  }
}

// "begin loop over LIST": a group, expanded once the choices are read into
// a group per choice (see expand_loops).
void Importer::begin_loop(const SurveyRow& s) {
  const std::size_t over = s.lw.size() >= 4 && s.lw[2] == "over" ? 3 : 2;
  if (over >= s.lw.size()) {
    msg_.error(
        "survey", s.row,
        "type " + quote(s.type_cell) + " names no choice list: write 'begin loop over LIST'");
    refused_.emplace(s.name, s.row);
  } else {
    loops_[s.name] = {s.words[over], s.row};
    select_rows_[s.words[over]].push_back(s.row);
  }
  open_container(s, QuestionType::kGroup);
}

// "begin group" or "begin repeat" (`what`); a repeat's repeat_count is a
// constraint on its number of rows.
void Importer::begin_group(const SurveyRow& s, QuestionType qt, const std::string& what) {
  Item& group = open_container(s, qt);
  if (std::any_of(s.v.single.begin(), s.v.single.end(),
                  [](const auto& cell) { return survey_extension(cell.first); })) {
    msg_.warn("survey", s.row, "the equitas_ columns of a 'begin " + what + "' row are ignored");
  }
  const std::string count = s.v.get(Col::kRepeatCount);
  if (count.empty()) return;
  if (qt != QuestionType::kRepeat) {
    msg_.warn("survey", s.row, "repeat_count on a group is ignored");
    return;
  }
  // The number of rows must be the count: a constraint on the repeat.
  const std::string rule = "count(${" + group.name + "}) = (" + count + ")";
  group.constraint = expr(rule, group.name, "repeat_count", "survey", s.row);
  group.constraint_message = s.v.text(Col::kConstraintMessage, default_lang_);
  msg_.warn("survey", s.row,
            "repeat_count " + quote(count) +
                " is a constraint: the repeat must have that many rows (respondents add "
                "them; the form does not add them itself yet)");
}

// "end group" or "end repeat" (`op`, closing a `what`).
void Importer::end_group(const SurveyRow& s, QuestionType qt, const std::string& op,
                         const std::string& what) {
  if (open_.empty()) {
    msg_.error("survey", s.row, "'" + op + "' without a matching 'begin " + what + "'");
    return;
  }
  if (open_.back().item.type != qt) {
    msg_.error("survey", s.row,
               "'" + op + "' closes 'begin " +
                   std::string(question_type_name(open_.back().item.type)) + "' " +
                   quote(open_.back().item.name) + " from row " + std::to_string(open_.back().row));
  }
  close_container();
}

// Opens a group or repeat of row `s`; the rows up to its end go inside it.
Item& Importer::open_container(const SurveyRow& s, QuestionType qt) {
  Open o{Item{}, s.row};
  o.item.type = qt;
  fill_common(o.item, s.v, s.row, s.name);
  open_.push_back(std::move(o));
  return open_.back().item;
}

// Puts the innermost open group or repeat in the one around it, or in the form.
void Importer::close_container() {
  Item done = std::move(open_.back().item);
  open_.pop_back();
  container().push_back(std::move(done));
}

// today and deviceid with a name: metadata that is a value of the
// response, not of the device or the clock, computed as a calculation.
void Importer::response_metadata_row(const SurveyRow& s) {
  const bool today = s.lw[0] == "today";
  Item meta;
  meta.type = QuestionType::kCalculate;
  fill_common(meta, s.v, s.row, s.name);
  // once(): computed when the response starts, kept after (also when
  // the server checks the submission again).
  const std::string source = today ? "once(today())" : "once(uuid())";
  meta.calculation = expr(source, meta.name, "calculation", "survey", s.row);
  msg_.warn("survey", s.row,
            today ? "today " + quote(s.name) + " is imported as a calculate: " + source
                  : "deviceid " + quote(s.name) + " is a random value per response (" + source +
                        "), never the device's identity");
  container().push_back(std::move(meta));
}

// Other metadata is not collected: Equitas records submission time itself.
void Importer::skipped_metadata_row(const SurveyRow& s) {
  const std::string shown = s.name.empty() || s.name == s.type_cell
                                ? quote(s.type_cell)
                                : quote(s.name) + " (" + s.type_cell + ")";
  msg_.warn(
      "survey", s.row,
      "metadata field " + shown + " is not collected: Equitas records submission time itself");
  metadata_names_.insert(s.name);
}

// Each loop over a list becomes a group holding a group per choice, named
// after the choice, with a copy of the loop's questions named
// NAME_CHOICE. In labels and hints %(label)s is the choice's label, and
// ${x} of a question in the loop reads the same choice's copy (as pyxform
// writes it).
void Importer::expand_loops(std::vector<Item>& items) {
  for (Item& it : items) {
    expand_loops(it.items);
    auto loop = loops_.find(it.name);
    if (loop == loops_.end() || it.type != QuestionType::kGroup) continue;
    const auto list = form_.lists.find(loop->second.first);
    if (list == form_.lists.end()) continue;  // named as an unknown list by the select checks
    std::set<std::string> inner;
    collect_names(it.items, inner);
    std::vector<Item> groups;
    for (const Choice& c : list->second.choices) {
      Item g;
      g.type = QuestionType::kGroup;
      g.name = it.name + "_" + c.name;
      g.label = c.label;
      g.items = it.items;
      for (Item& copy : g.items) loop_copy(copy, c, inner, loop->second.second);
      groups.push_back(std::move(g));
    }
    it.items = std::move(groups);
    loops_.erase(loop);
  }
}

void Importer::collect_names(const std::vector<Item>& items, std::set<std::string>& out) {
  for (const Item& it : items) {
    out.insert(it.name);
    collect_names(it.items, out);
  }
}

void Importer::loop_copy(Item& it, const Choice& c, const std::set<std::string>& inner, int row) {
  it.name += "_" + c.name;
  for (LangText* t : {&it.label, &it.hint}) {
    LangText out;
    for (const auto& [lang, text] : t->all()) {
      std::string s = text;
      const std::string choice_label = c.label.get(lang, form_.default_language);
      for (auto at = s.find("%(label)s"); at != std::string::npos;
           at = s.find("%(label)s", at + choice_label.size())) {
        s.replace(at, 9, choice_label);
      }
      out.set(lang, std::move(s));
    }
    *t = std::move(out);
  }
  for (ExprField* e : it.expressions()) {
    if (!e->present()) continue;
    std::string src = e->source;
    for (const auto& n : inner) {
      const std::string from = "${" + n + "}", to = "${" + n + "_" + c.name + "}";
      for (auto at = src.find(from); at != std::string::npos; at = src.find(from, at + to.size())) {
        src.replace(at, from.size(), to);
      }
    }
    *e = expr(src, it.name, "loop", "survey", row);
  }
  for (Item& child : it.items) loop_copy(child, c, inner, row);
}

// XLSForm allows one name in different groups (the XForms paths differ);
// Equitas keys answers by name alone, so a later one is renamed
// GROUP_NAME. ${name} keeps reading the first (pyxform refuses a ${name}
// that is ambiguous, so a form that references it names the first).
void Importer::rename_group_duplicates(std::vector<Item>& items, const std::string& group,
                                       std::map<std::string, std::string>& seen) {
  for (Item& it : items) {
    if (!it.name.empty() && bad_names_.count(it.name) == 0) {
      auto [at, fresh] = seen.emplace(it.name, group);
      if (!fresh && at->second != group) {
        std::string renamed = (group.empty() ? "top" : group) + "_" + it.name;
        while (seen.count(renamed) || name_rows_.count(renamed)) renamed += "_";
        const auto rows = name_rows_.find(it.name);
        const int row =
            rows != name_rows_.end() && rows->second.size() > 1 ? rows->second.back() : 0;
        if (rows != name_rows_.end() && rows->second.size() > 1) rows->second.pop_back();
        msg_.warn("survey", row,
                  "name " + quote(it.name) + " is also used in another group; this one (in " +
                      (group.empty() ? std::string("no group") : "group " + quote(group)) +
                      ") is named " + quote(renamed) + ", and ${" + it.name + "} reads the first");
        name_rows_[renamed].push_back(row);
        it.name = renamed;
        seen.emplace(renamed, group);
      }
    }
    if (it.type == QuestionType::kGroup || it.type == QuestionType::kRepeat) {
      rename_group_duplicates(it.items, it.name, seen);
    }
  }
}

}  // namespace equitas::forms::xlsform_detail
