// The XLSForm importer's choice lists (see xlsform_importer.hpp): the
// choices and external_choices sheets, the lists select_one_external and
// select_one_from_file name, and the files instance() and pulldata() read.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "attachment_sheets.hpp"
#include "cell_text.hpp"
#include "equitas/forms/form_json.hpp"
#include "xlsform_importer.hpp"

namespace equitas::forms::xlsform_detail {

// A choice's equitas_ columns: how it counts in reports.
void Importer::read_choice_extensions(Choice& c, const RowValues& v, const std::string& sheet,
                                      int row) {
  const std::string polarity = ascii_lower(v.get(Col::kPolarity));
  if (polarity == "positive") {
    c.polarity = Polarity::kPositive;
  } else if (polarity == "neutral") {
    c.polarity = Polarity::kNeutral;
  } else if (polarity == "negative") {
    c.polarity = Polarity::kNegative;
  } else if (!polarity.empty()) {
    msg_.error(sheet, row,
               "equitas_polarity must be positive, neutral or negative, not " + quote(polarity));
  }
  c.exclude = flag(v, Col::kExclude, "equitas_exclude", sheet, row);
  if (const std::string points = v.get(Col::kPoints); !points.empty()) {
    double d = 0;
    const auto [end, ec] = std::from_chars(points.data(), points.data() + points.size(), d);
    if (ec != std::errc() || end != points.data() + points.size() || !std::isfinite(d)) {
      msg_.error(sheet, row, "equitas_points must be a number, not " + quote(points));
    } else {
      c.points = d;
    }
  }
}

// Choice rows into `into`: from a sheet with a list_name column (choices,
// external_choices), or from a file that is one list (`fixed_list`).
// `names_optional`: a file read only by pulldata() or instance() needs no
// name column; its rows are then named by their number.
void Importer::read_choice_rows(const Table& t, const std::map<int, Column>& cols,
                                const std::string& sheet, std::map<std::string, ChoiceList>& into,
                                const std::string& fixed_list, bool names_optional) {
  bool have_list = !fixed_list.empty();
  bool have_name = names_optional;
  for (const auto& [col, c] : cols) {
    have_list = have_list || c.kind == Col::kListName;
    have_name = have_name || c.kind == Col::kName;
  }
  if (!have_list || !have_name) {
    if (!t.rows.empty() || !t.headers.empty()) {
      msg_.error(sheet, t.header_row,
                 fixed_list.empty() ? "the " + sheet + " sheet needs 'list_name' and 'name' columns"
                                    : "the file needs a 'name' column");
    }
    return;
  }
  for (const auto& [col, c] : cols) {
    if (c.kind == Col::kUnknown) filter_columns_.insert(c.header);
  }
  std::map<std::string, std::set<std::string>> seen;
  for (const SheetRow* r : t.rows) {
    const RowValues v = row_values(*r, cols);
    if (v.empty) continue;
    const std::string list = fixed_list.empty() ? v.get(Col::kListName) : fixed_list;
    std::string name = v.get(Col::kName);
    if (name.empty() && names_optional) name = std::to_string(into[list].choices.size() + 1);
    if (list.empty()) {
      msg_.warn(sheet, r->num, "choice row has no list_name and is skipped");
      continue;
    }
    if (name.empty()) {
      msg_.error(sheet, r->num, "a choice in list " + quote(list) + " has no name");
      continue;
    }
    if (!seen[list].insert(name).second) {
      if (!form_.allow_choice_duplicates) {
        msg_.error(sheet, r->num,
                   "choice " + quote(name) + " appears twice in list " + quote(list) +
                       " (allow_choice_duplicates in the settings sheet allows it)");
        continue;
      }
      msg_.warn(sheet, r->num,
                "choice " + quote(name) + " appears twice in list " + quote(list) +
                    ": allowed by allow_choice_duplicates; answers cannot tell the two apart");
    }
    if (name.find_first_of(" \t\n") != std::string::npos) {
      msg_.warn(sheet, r->num,
                "choice name " + quote(name) + " in list " + quote(list) +
                    " contains a space: selected() cannot tell it apart from two choices");
    }
    Choice c;
    c.name = name;
    c.label = v.text(Col::kLabel, default_lang_);
    for (const auto& [header, value] : v.others) c.filters.emplace(header, value);
    read_choice_extensions(c, v, sheet, r->num);
    ChoiceList& cl = into[list];
    cl.name = list;
    cl.choices.push_back(std::move(c));
  }
}

// The lists select_one_external and select_one_from_file name: from the
// external_choices sheet and from the files published with the form.
void Importer::resolve_lists(std::vector<Item>& items) {
  for (Item& it : items) {
    resolve_lists(it.items);
    if (it.list.starts_with(kExternalMark)) {
      it.list = external_list(it.list.substr(kExternalMark.size()), first_row(it.name));
    } else if (it.list.starts_with(kFileMark)) {
      it.list = file_list(it.list.substr(kFileMark.size()), first_row(it.name));
    }
  }
}

std::string Importer::external_list(const std::string& list, int row) {
  if (auto done = external_names_.find(list); done != external_names_.end()) return done->second;
  external_names_[list] = list;
  auto src = external_lists_.find(list);
  if (src == external_lists_.end()) {
    msg_.error("survey", row,
               have_external_ ? "list " + quote(list) + " is not in the external_choices sheet"
                              : "select_one_external needs an external_choices sheet with list " +
                                    quote(list));
    unresolved_.insert(list);
    return list;
  }
  // XLSForm keeps the two sheets apart: a choices list may share the name.
  std::string name = list;
  std::string source = "external_choices";
  if (form_.lists.count(name)) {
    while (form_.lists.count(name) || external_lists_.count(name)) name += "_external";
    source += ":" + list;
    msg_.warn("external_choices", 0,
              "list " + quote(list) +
                  " is in both the choices and the external_choices "
                  "sheets; the external one is named " +
                  quote(name) + " in the form");
  }
  ChoiceList cl = std::move(src->second);
  cl.name = name;
  cl.source = source;
  form_.lists[name] = std::move(cl);
  external_names_[list] = name;
  return name;
}

std::string Importer::file_list(const std::string& file, int row) {
  if (auto done = file_names_.find(file); done != file_names_.end()) return done->second;
  const std::string stem = file.substr(0, file.rfind('.'));
  file_names_[file] = stem;
  if (form_.lists.count(stem)) {
    msg_.error("survey", row,
               "the choices sheet has a list named " + quote(stem) +
                   ", which is also the name of " + "the file " + quote(file) +
                   "; rename one of them");
    unresolved_.insert(stem);
    return stem;
  }
  std::optional<Bytes> bytes = fetch_file(file, stem, row);
  if (!bytes) {
    if (!unresolved_.count(stem)) {
      msg_.error("survey", row,
                 quote(file) +
                     " was not given with the workbook: put it in the workbook's folder, "
                     "or name it with --attach FILE, to publish it with the form");
    }
    unresolved_.insert(stem);
  } else if (!load_file(file, stem, *bytes, row)) {
    unresolved_.insert(stem);
  }
  return stem;
}

// The bytes of `file`, the source of list `stem`; nullopt when it was not
// given, or (reported, and `stem` marked unresolved) when it cannot be.
std::optional<Bytes> Importer::fetch_file(const std::string& file, const std::string& stem,
                                          int row) {
  if (!valid_item_name(stem)) {
    msg_.error("survey", row,
               quote(file) +
                   ": a file's name must be letters, digits, '_', '-' or '.', starting "
                   "with a letter or '_', and end .csv or .xml");
    unresolved_.insert(stem);
    return std::nullopt;
  }
  if (files_ == nullptr) return std::nullopt;
  Result<std::optional<Bytes>> bytes = (*files_)(file);
  if (!bytes.is_ok()) {
    msg_.error("survey", row, quote(file) + ": " + bytes.status().message());
    unresolved_.insert(stem);
    return std::nullopt;
  }
  return std::move(bytes).value();
}

// Reads the bytes of `file` into the list `stem`; false (with an error)
// when they are not a list of choices within the bounds.
bool Importer::load_file(const std::string& file, const std::string& stem, const Bytes& data,
                         int row, bool names_optional) {
  const std::string what = quote(file);
  attachment_bytes_ += data.size();
  if (data.size() > kMaxAttachmentBytes || attachment_bytes_ > kMaxAttachmentTotal) {
    msg_.error("survey", row,
               what + ": the files published with a form may hold at most " +
                   std::to_string(kMaxAttachmentBytes >> 20) + " MiB each and " +
                   std::to_string(kMaxAttachmentTotal >> 20) + " MiB together");
    return false;
  }
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  Result<Sheet> read = ends_with_ci(file, ".xml") ? xml_sheet(text, file) : csv_sheet(text, file);
  if (!read.is_ok()) {
    msg_.error("survey", row, read.status().message());
    return false;
  }
  attachment_rows_ += read->rows.size();
  if (attachment_rows_ > kMaxAttachmentRows) {
    msg_.error("survey", row,
               what + ": the files published with a form may hold at most " +
                   std::to_string(kMaxAttachmentRows) + " rows together");
    return false;
  }
  const Table t = make_table(*read);
  const auto cols = columns(t, file, true);
  std::map<std::string, ChoiceList> into;
  const std::size_t errors_before = error_count();
  read_choice_rows(t, cols, file, into, stem, names_optional);
  auto it = into.find(stem);
  if (error_count() != errors_before) return false;
  if (it == into.end() || it->second.choices.empty()) {
    msg_.error("survey", row, what + " has no rows");
    return false;
  }
  it->second.source = file;
  form_.lists[stem] = std::move(it->second);
  return true;
}

// instance('x') and pulldata('x', ...) read the list x: when neither sheet
// has it, the file x.csv published with the form.
void Importer::read_instance_files() {
  std::map<std::string, int> wanted;  // list -> the first row that reads it
  form_.walk([&](const Item& it, const std::vector<const Item*>&) {
    for (const ExprField* e : it.expressions()) {
      if (!e->present()) continue;
      for (const auto& list : e->expr->instances()) {
        if (!form_.lists.count(list) && !unresolved_.count(list))
          wanted.emplace(list, first_row(it.name));
      }
    }
    return true;
  });
  for (const auto& [list, row] : wanted) {
    if (!valid_item_name(list))
      continue;  // no file has that name: check_form names the missing list
    const std::string file = list + ".csv";
    std::optional<Bytes> bytes = fetch_file(file, list, row);
    if (!bytes) continue;  // not given: check_form names the missing list
    load_file(file, list, *bytes, row, true);
    unresolved_.insert(list);  // loaded or reported: check_form need not repeat it
  }
}

std::size_t Importer::error_count() const {
  return static_cast<std::size_t>(
      std::count_if(msg_.list().begin(), msg_.list().end(),
                    [](const ImportMessage& m) { return m.severity == Severity::kError; }));
}

}  // namespace equitas::forms::xlsform_detail
