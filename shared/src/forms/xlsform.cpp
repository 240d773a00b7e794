// XLSForm import (see xlsform.hpp): the entry points, which read the sheets
// with WorkbookReader, and the Importer's run (xlsform_importer.hpp) with the
// settings sheet, each sheet's columns and the checks on the finished form.
// Any error leaves the result without a form.
#include "equitas/forms/xlsform.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "attachment_sheets.hpp"
#include "cell_text.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/forms/workbook_reader.hpp"
#include "xlsform_importer.hpp"

namespace equitas::forms {

std::string ImportMessage::to_string() const {
  std::string out = severity == Severity::kError ? "error: " : "warning: ";
  if (!sheet.empty()) {
    out += sheet;
    if (row > 0) out += " row " + std::to_string(row);
    out += ": ";
  } else if (row > 0) {
    out += "row " + std::to_string(row) + ": ";
  }
  return out + text;
}

bool ImportResult::has_errors() const {
  return std::any_of(messages.begin(), messages.end(), [](const ImportMessage& m) {
    return m.severity == ImportMessage::Severity::kError;
  });
}

}  // namespace equitas::forms

namespace equitas::forms::xlsform_detail {
namespace {

// Sanitises a form id to [a-z0-9][a-z0-9_-]*, at most 128 bytes.
std::string sanitise_id(std::string_view raw) {
  std::string out;
  for (char ch : ascii_lower(trim(raw))) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    const char put = ok ? ch : '_';
    if (put == '_' && !out.empty() && out.back() == '_') continue;
    out += put;
  }
  while (!out.empty() && !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= '0' && out[0] <= '9'))) {
    out.erase(out.begin());
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.size() > 128) out.resize(128);
  return out;
}

}  // namespace

ImportResult Importer::run(const std::vector<Sheet>& sheets) {
  const Sheet* survey = nullptr;
  const Sheet* choices = nullptr;
  const Sheet* settings = nullptr;
  const Sheet* external = nullptr;
  for (const Sheet& s : sheets) {
    const std::string n = ascii_lower(trim(s.name));
    const Sheet** slot = n == "survey"             ? &survey
                         : n == "choices"          ? &choices
                         : n == "settings"         ? &settings
                         : n == "external_choices" ? &external
                                                   : nullptr;
    if (slot == nullptr) continue;
    if (*slot != nullptr) {
      msg_.warn("", 0, "a second sheet named '" + s.name + "' is ignored");
      continue;
    }
    *slot = &s;
  }
  if (survey == nullptr) {
    msg_.error("", 0, "the workbook has no 'survey' sheet");
    return finish();
  }
  Table survey_t = make_table(*survey);
  Table choices_t = choices ? make_table(*choices) : Table{};
  Table external_t = external ? make_table(*external) : Table{};
  read_settings(settings);
  survey_cols_ = columns(survey_t, "survey", false);
  choices_cols_ = choices ? columns(choices_t, "choices", true) : std::map<int, Column>{};
  const auto external_cols =
      external ? columns(external_t, "external_choices", true) : std::map<int, Column>{};
  settle_languages();
  read_survey(survey_t);
  if (choices) read_choice_rows(choices_t, choices_cols_, "choices", form_.lists, "");
  have_external_ = external != nullptr;
  if (external)
    read_choice_rows(external_t, external_cols, "external_choices", external_lists_, "");
  resolve_lists(form_.items);
  read_instance_files();
  finalise();
  return finish();
}

// settings: one header row and one row of values.
void Importer::read_settings(const Sheet* settings) {
  if (settings == nullptr) {
    msg_.warn("", 0, "the workbook has no 'settings' sheet");
  } else {
    Table t = make_table(*settings);
    const SheetRow* values = t.rows.empty() ? nullptr : t.rows.front();
    settings_row_ = values ? values->num : t.header_row;
    for (const auto& [col, header] : t.headers) {
      std::string v;
      if (values) {
        if (auto it = values->cells.find(col); it != values->cells.end()) v = trim(it->second);
      }
      std::string key = ascii_lower(header);
      for (char& ch : key) {
        if (ch == ' ') ch = '_';
      }
      if (key == "form_title" || key == "title") {
        if (title_raw_.empty()) title_raw_ = v;
      } else if (key == "form_id" || key == "id_string") {
        if (id_raw_.empty()) id_raw_ = v;
      } else if (key == "version") {
        version_raw_ = v;
      } else if (key == "allow_choice_duplicates") {
        form_.allow_choice_duplicates = yes(v);
      } else if (key == "revisable") {
        // Equitas's own: a post's admin may correct a submitted response.
        form_.revisable = yes(v);
      } else if (key == "response_codes") {
        // Equitas's own setting: one response per person (sync-server codes issue).
        form_.response_codes = yes(v);
      } else if (key == "anonymous") {
        // Equitas's own setting, as in the JSON form. A value that is
        // neither yes nor no is not taken for "no": that would publish a
        // form its author meant to be anonymous.
        form_.anonymous = yes(v);
        if (!yes(v) && !no(v)) {
          msg_.error("settings", settings_row_,
                     "setting 'anonymous' must be yes or no, not " + quote(v));
        }
      } else if (key == "default_language") {
        if (!v.empty()) {
          default_lang_ = language_code(v);
          default_lang_given_ = true;
        }
      } else if (key.starts_with(kExtensionPrefix)) {
        read_extension_setting(key, header, v);
      } else if (!v.empty()) {
        msg_.warn("settings", settings_row_,
                  "setting '" + header + "' (" + quote(v) + ") is ignored");
      }
    }
  }
}

// Equitas's own settings, which its XLSForm export writes: the form's
// title and description in every language, its languages (a blank value
// says it promises none) and its suppression threshold.
void Importer::read_extension_setting(const std::string& key, const std::string& header,
                                      const std::string& v) {
  LangText* texts = key.starts_with("equitas_title::")         ? &title_texts_
                    : key.starts_with("equitas_description::") ? &description_texts_
                                                               : nullptr;
  if (texts != nullptr) {
    const std::string lang = language_code(header.substr(header.find("::") + 2));
    if (!v.empty() && !lang.empty()) texts->set(lang, v);
  } else if (key == "equitas_languages") {
    languages_given_ = true;
    given_languages_ = split_words(v);
  } else if (key == "equitas_suppression_threshold") {
    int n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty()) return;
    if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > 1000) {
      msg_.error("settings", settings_row_,
                 "setting 'equitas_suppression_threshold' must be a whole number from 1 "
                 "to 1000, not " +
                     quote(v));
      return;
    }
    form_.suppression_threshold = n;
  } else if (!v.empty()) {
    msg_.warn("settings", settings_row_,
              "setting '" + header + "' (" + quote(v) +
                  ") is ignored: it is not one "
                  "of the equitas_ settings (schema/README.md, XLSForm export)");
  }
}

std::map<int, Column> Importer::columns(const Table& t, const std::string& sheet,
                                        bool choices_sheet) {
  std::map<int, Column> out;
  for (const auto& [col, header] : t.headers) {
    Column c = classify(header, choices_sheet);
    if (choices_sheet) {
      // Any other choices column is a filter column for choice_filter.
      if (survey_extension(c.kind)) {
        c.kind = Col::kReserved;
      } else if (c.kind != Col::kListName && c.kind != Col::kName && c.kind != Col::kLabel &&
                 c.kind != Col::kMedia && c.kind != Col::kReserved && !choice_extension(c.kind)) {
        c.kind = Col::kUnknown;
      }
    } else if (c.kind == Col::kListName) {
      c.kind = Col::kUnknown;
    } else if (choice_extension(c.kind)) {
      c.kind = Col::kReserved;
    }
    if (c.kind == Col::kReserved) {
      msg_.warn(sheet, t.header_row,
                "column '" + header +
                    "' is ignored: it is not one of the equitas_ columns "
                    "of this sheet (schema/README.md, XLSForm export)");
    } else if (c.kind == Col::kMedia) {
      msg_.warn(sheet, t.header_row,
                "column '" + header + "' is ignored: Equitas forms carry no media");
    } else if (c.kind == Col::kUnknown && !choices_sheet) {
      msg_.warn(sheet, t.header_row, "unknown column '" + header + "' is ignored");
    }
    if (c.kind == Col::kLabel) {
      if (c.has_lang) {
        label_langs_.push_back(c.lang);
      } else {
        plain_label_ = true;
      }
    }
    out.emplace(col, std::move(c));
  }
  std::set<int> blank;
  if (any_value_in_blank_columns(t, blank)) {
    for (int col : blank) {
      msg_.warn(sheet, t.header_row,
                "column " + column_letters(col) + " has values but no header; ignored");
    }
  }
  return out;
}

void Importer::settle_languages() {
  if (!default_lang_given_ && !plain_label_ && !label_langs_.empty() &&
      std::find(label_langs_.begin(), label_langs_.end(), "en") == label_langs_.end()) {
    default_lang_ = label_langs_.front();
    msg_.warn("settings", 0,
              "no default_language; using '" + default_lang_ + "', the first label language");
  }
  std::vector<std::string> langs = label_langs_;
  if (plain_label_) langs.insert(langs.begin(), default_lang_);
  for (const auto& l : langs) {
    if (std::find(form_.languages.begin(), form_.languages.end(), l) == form_.languages.end()) {
      form_.languages.push_back(l);
    }
  }
  form_.default_language = default_lang_;
  if (languages_given_) form_.languages = given_languages_;
}

void Importer::finalise() {
  expand_loops(form_.items);
  std::map<std::string, std::string> seen_names;
  rename_group_duplicates(form_.items, "", seen_names);
  // Settings that need the survey read first.
  settle_form_id();
  settle_title_and_version();
  check_other_names();
  check_filter_columns();
  check_metadata_references();
  report_form_checks();
  if (!msg_has_errors()) {
    const auto missing = missing_translations(form_);
    if (!missing.empty()) {
      msg_.warn("", 0,
                std::to_string(missing.size()) +
                    " text(s) lack a translation into every language of the form"
                    " (first: " +
                    missing.front() + ")");
    }
  }
}

// The form id: form_id as written when it is already valid, else made
// valid; without one, from the file name, as pyxform does.
void Importer::settle_form_id() {
  if (!id_raw_.empty() && sanitise_id(id_raw_) != id_raw_ && valid_form_id(id_raw_)) {
    form_.id = id_raw_;  // already a valid id ("a__b", "form-"): kept as written
  } else if (!id_raw_.empty()) {
    form_.id = sanitise_id(id_raw_);
    if (form_.id.empty()) {
      form_.id = "imported-form";
      msg_.warn(
          "settings", settings_row_,
          "form_id " + quote(id_raw_) + " has no usable characters; using '" + form_.id + "'");
    } else if (form_.id != id_raw_) {
      msg_.warn("settings", settings_row_,
                "form_id " + quote(id_raw_) + " became '" + form_.id + "'");
    }
  } else {
    // As pyxform: the workbook's file name, so that two workbooks with the
    // same title (or none) do not publish over each other.
    std::string source = "the file name";
    form_.id = sanitise_id(file_stem_);
    if (form_.id.empty()) {
      source = "the form_title";
      form_.id = sanitise_id(title_raw_);
    }
    if (form_.id.empty()) {
      source = "nothing usable in the file name or title";
      form_.id = "imported-form";
    }
    msg_.warn("settings", settings_row_,
              "no form_id; using '" + form_.id + "' (from " + source + ")");
  }
}

void Importer::settle_title_and_version() {
  form_.description = description_texts_;
  if (!title_texts_.empty()) {
    form_.title = title_texts_;
  } else if (!title_raw_.empty()) {
    form_.title.set(default_lang_, title_raw_);
  } else {
    form_.title.set(default_lang_, form_.id);
    msg_.warn("settings", settings_row_, "no form_title; using the form id as the title");
  }
  if (!version_raw_.empty()) {
    form_.version = version_raw_;
  } else {
    form_.version = "1";
    msg_.warn("settings", settings_row_, "no version; using '1'");
  }
}

// or_other keeps its free text in NAME_other, which must not be taken.
void Importer::check_other_names() {
  for (const auto& [name, row] : other_rows_) {
    if (name_rows_.count(name + "_other")) {
      msg_.error("survey", row,
                 "or_other needs the name '" + name + "_other' for the free text, but " +
                     "another question already uses it");
    }
  }
}

// A choice_filter reading a column the choices sheet does not have reads
// "" for every choice; XLSForm behaves the same, but it is rarely meant.
void Importer::check_filter_columns() {
  form_.walk([&](const Item& it, const std::vector<const Item*>&) {
    if (!it.choice_filter.present()) return true;
    std::set<std::string> warned;
    for (const auto& n : it.choice_filter.expr->bare_names()) {
      if (n == "name" || filter_columns_.count(n) || !warned.insert(n).second) continue;
      msg_.warn(
          "survey", first_row(it.name),
          "choice_filter " + quote(it.choice_filter.source) + " reads '" + n +
              "', which is not a column of the choices sheet, so it is empty for every choice");
    }
    return true;
  });
}

// References to skipped metadata fields are errors check_form will name;
// say why here.
void Importer::check_metadata_references() {
  form_.walk([&](const Item& it, const std::vector<const Item*>&) {
    for (const ExprField* e : it.expressions()) {
      if (!e->present()) continue;
      for (const auto& ref : e->expr->references()) {
        if (metadata_names_.count(ref)) {
          msg_.error(
              "survey", first_row(it.name),
              quote(it.name) + " refers to metadata field ${" + ref + "}, which is not collected");
        }
      }
    }
    return true;
  });
}

// The shared structural checks (unique names, known lists, references),
// each on the row it is about, unless it was reported already.
void Importer::report_form_checks() {
  std::map<std::string, std::size_t> twice;  // name -> duplicates reported so far
  for (std::string p : check_form(form_)) {
    if (already_reported(p)) continue;
    int row = 0;
    std::string sheet;
    if (p.rfind("item '", 0) == 0) {
      const auto close = p.find('\'', 6);
      if (close != std::string::npos) {
        const std::string n = p.substr(6, close - 6);
        if (auto it = name_rows_.find(n); it != name_rows_.end() && !it->second.empty()) {
          sheet = "survey";
          row = it->second[0];
          if (p.ends_with(": the name is used twice")) {
            const std::size_t k = ++twice[n];
            if (k < it->second.size()) row = it->second[k];
          }
        }
      }
    }
    msg_.error(sheet, row, explain_refused_reference(std::move(p)));
  }
}

// A reference to a row that was refused: says so rather than "does not exist".
std::string Importer::explain_refused_reference(std::string p) const {
  for (const auto& [name, refused_row] : refused_) {
    const std::string tail = "refers to ${" + name + "}, which does not exist";
    if (!name.empty() && p.ends_with(tail)) {
      return p.substr(0, p.size() - tail.size()) + "refers to ${" + name +
             "}, which was not imported (survey row " + std::to_string(refused_row) + ")";
    }
  }
  return p;
}

int Importer::first_row(const std::string& name) const {
  auto it = name_rows_.find(name);
  return it == name_rows_.end() || it->second.empty() ? 0 : it->second.front();
}

bool Importer::already_reported(const std::string& p) const {
  for (const auto& n : bad_names_) {
    if (p == "item '" + n + "': not a valid name") return true;
    if (n.empty() && p == "item '': the name is used twice") return true;
  }
  // An expression that did not parse has been reported with its row.
  for (const auto& [field, tail] :
       {std::pair<std::string, std::string>{"calculation", ": a calculate needs a calculation"}}) {
    if (p.rfind("item '", 0) == 0 && p.ends_with(tail)) {
      const std::string n = p.substr(6, p.size() - tail.size() - 7);
      if (failed_.count(n + "/" + field)) return true;
    }
  }
  // A list that could not be read was explained where it was named.
  for (const auto& l : unresolved_) {
    if (p.ends_with(": unknown choice list '" + l + "'")) return true;
    if (p.ends_with("but the form has no choice list '" + l + "'")) return true;
  }
  // A metadata reference was explained above.
  for (const auto& n : metadata_names_) {
    if (p.find("refers to ${" + n + "}, which does not exist") != std::string::npos) return true;
  }
  return false;
}

bool Importer::msg_has_errors() {
  return std::any_of(msg_.list().begin(), msg_.list().end(),
                     [](const ImportMessage& m) { return m.severity == Severity::kError; });
}

ImportResult Importer::finish() {
  ImportResult r;
  r.messages = std::move(msg_.list());
  if (!r.has_errors()) r.form = std::move(form_);
  return r;
}

}  // namespace equitas::forms::xlsform_detail

namespace equitas::forms {
namespace {

using xlsform_detail::Importer;
using xlsform_detail::kMaxAttachmentBytes;
using xlsform_detail::Severity;

// The workbook: the reader's bounds (workbook_reader.hpp), which any real
// XLSForm is far within, with what the importer expects instead.
WorkbookLimits xlsform_limits() {
  WorkbookLimits limits;
  limits.size_note = "an XLSForm is far smaller";
  limits.parts_note = "an XLSForm has a few dozen";
  limits.sheets_note = "an XLSForm has three";
  return limits;
}

Result<ImportResult> import_impl(ByteView bytes, std::string_view file_name,
                                 const AttachmentReader* files) {
  EQ_ASSIGN_OR_RETURN(WorkbookReader wb, WorkbookReader::open(bytes, xlsform_limits()));
  std::set<std::string> read_names;
  std::vector<Sheet> sheets;
  for (std::size_t i = 0; i < wb.sheet_names().size(); ++i) {
    const std::string n = ascii_lower(trim(wb.sheet_names()[i]));
    if (n != "survey" && n != "choices" && n != "settings" && n != "external_choices") {
      continue;  // helper sheets are not read
    }
    if (!read_names.insert(n).second) {
      // Excel refuses two sheets of one name; only a crafted archive has them.
      return Status::invalid_argument("refused: the workbook lists more than one sheet named '" +
                                      n + "'");
    }
    EQ_ASSIGN_OR_RETURN(Sheet s, wb.read_sheet(i));
    sheets.push_back(std::move(s));
  }
  ImportResult result =
      Importer(std::filesystem::path(file_name).stem().string(), files).run(sheets);
  // Sheets we deliberately do not read, but whose absence changes the form.
  for (const std::string& name : wb.sheet_names()) {
    if (ascii_lower(trim(name)) == "entities") {
      result.messages.push_back(
          {Severity::kWarning, "", 0, "sheet '" + name + "' is not supported and is ignored"});
    }
  }
  return result;
}

}  // namespace

Result<ImportResult> import_xlsform(ByteView xlsx_bytes, std::string_view file_name,
                                    const AttachmentReader& files) {
  try {
    return import_impl(xlsx_bytes, file_name, files ? &files : nullptr);
  } catch (const std::bad_alloc&) {
    return Status::invalid_argument("the workbook is too large to import");
  } catch (const std::exception& e) {
    return Status::invalid_argument(std::string("the workbook cannot be read: ") + e.what());
  } catch (...) {
    return Status::invalid_argument("the workbook cannot be read");
  }
}

namespace {

Result<std::optional<Bytes>> read_attachment(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::optional<Bytes>();
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::io_error("cannot read '" + path.string() + "': " + ec.message());
  if (size > kMaxAttachmentBytes) {
    return Status::invalid_argument("'" + path.string() + "' is larger than " +
                                    std::to_string(kMaxAttachmentBytes >> 20) +
                                    " MiB, the most a form may carry");
  }
  std::ifstream in(path, std::ios::binary);
  Bytes bytes(static_cast<std::size_t>(size));
  if (!in || (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()),
                                   static_cast<std::streamsize>(size)))) {
    return Status::io_error("cannot read '" + path.string() + "'");
  }
  return std::optional<Bytes>(std::move(bytes));
}

}  // namespace

Result<ImportResult> import_xlsform_file(const std::filesystem::path& path,
                                         const std::vector<std::filesystem::path>& attach) {
  // A file the workbook names is looked for among `attach` (files, or
  // folders holding it), then beside the workbook; never by a path the
  // workbook writes, so a form cannot read /etc/passwd into its choices.
  const AttachmentReader files = [&](const std::string& name) -> Result<std::optional<Bytes>> {
    if (name.empty() || name.find_first_of("/\\") != std::string::npos || name == "." ||
        name == "..") {
      return Status::invalid_argument("a file published with a form is named without a folder");
    }
    for (const auto& a : attach) {
      std::error_code ec;
      if (std::filesystem::is_directory(a, ec)) {
        EQ_ASSIGN_OR_RETURN(auto found, read_attachment(a / name));
        if (found) return found;
      } else if (a.filename() == name) {
        EQ_ASSIGN_OR_RETURN(auto found, read_attachment(a));
        if (!found) return Status::not_found("cannot read '" + a.string() + "'");
        return found;
      }
    }
    return read_attachment(path.parent_path() / name);
  };
  try {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return Status::not_found("cannot read '" + path.string() + "': " + ec.message());
    // The file itself may be as large as one of its parts.
    if (const std::uint64_t most = xlsform_limits().part_bytes; size > most) {
      return Status::invalid_argument("refused: '" + path.string() + "' is larger than " +
                                      std::to_string(most >> 20) + " MB");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::io_error("cannot open '" + path.string() + "'");
    Bytes bytes(static_cast<std::size_t>(size));
    if (size > 0 &&
        !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
      return Status::io_error("cannot read '" + path.string() + "'");
    }
    auto r = import_xlsform(bytes, path.filename().string(), files);
    if (!r.is_ok()) return r.status().with_context(path.filename().string());
    return r;
  } catch (const std::exception& e) {
    return Status::io_error("cannot read '" + path.string() + "': " + e.what());
  }
}

}  // namespace equitas::forms
