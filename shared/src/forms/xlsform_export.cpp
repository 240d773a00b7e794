// XLSForm export (see xlsform_export.hpp). The form is first laid out as
// tables of named columns (survey, choices, external_choices, settings, and
// one per list written as a file); each table is then written as a sheet
// with Debian's libxlsxwriter, or as a CSV or XML file beside the workbook.
// Only the columns some row fills are written, in XLSForm's usual order.
#include "equitas/forms/xlsform_export.hpp"

#include <xlsxwriter.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "equitas/crypto/keys.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form_json.hpp"
#include "xlsform_export_check.hpp"

namespace equitas::forms {
namespace {

// ---------------------------------------------------------------------------
// Tables: rows of named cells.

struct Cell {
  std::string text;
  std::optional<double> number;  // written as a number cell
};

class Table {
 public:
  // `columns`: the order columns are written in; others follow in the order
  // they were first filled.
  explicit Table(std::vector<std::string> columns) : order_(std::move(columns)) {}

  void row() { rows_.emplace_back(); }
  // Sets a cell of the last row; an empty text leaves it blank.
  void set(const std::string& column, std::string text) {
    if (text.empty()) return;
    add(column);
    rows_.back()[column] = Cell{std::move(text), std::nullopt};
  }
  void set_number(const std::string& column, double value) {
    add(column);
    rows_.back()[column] = Cell{number_text(value), value};
  }
  // A column written even when every row leaves it blank.
  void keep(const std::string& column) {
    add(column);
    kept_.insert(column);
  }
  std::vector<std::string> columns() const {
    std::vector<std::string> out;
    for (const auto& c : order_) {
      const bool used =
          kept_.count(c) ||
          std::any_of(rows_.begin(), rows_.end(), [&](const auto& r) { return r.count(c) != 0; });
      if (used) out.push_back(c);
    }
    return out;
  }
  const std::vector<std::map<std::string, Cell>>& rows() const { return rows_; }

  // The shortest text that reads back as the same number (1, not 1.0).
  static std::string number_text(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  }

 private:
  void add(const std::string& column) {
    if (std::find(order_.begin(), order_.end(), column) == order_.end()) order_.push_back(column);
  }
  std::vector<std::string> order_;
  std::set<std::string> kept_;
  std::vector<std::map<std::string, Cell>> rows_;
};

// ---------------------------------------------------------------------------
// Languages: a `label::English (en)` column per language, as pyxform reads them.

constexpr std::pair<std::string_view, std::string_view> kLanguageNames[] = {
    {"en", "English"},    {"fr", "French"}, {"es", "Spanish"}, {"ru", "Russian"}, {"ar", "Arabic"},
    {"pt", "Portuguese"}, {"de", "German"}, {"zh", "Chinese"}, {"sw", "Swahili"}, {"tet", "Tetun"},
};

std::string language_label(const std::string& code) {
  for (const auto& [c, name] : kLanguageNames) {
    if (c == code) return std::string(name) + " (" + code + ")";
  }
  return code + " (" + code + ")";
}

// The form's languages, then any other a text of the survey or a list has.
std::vector<std::string> text_languages(const Form& form) {
  std::vector<std::string> out = form.languages;
  std::set<std::string> extra;
  const auto add = [&](const LangText& t) {
    for (const auto& [lang, text] : t.all()) {
      if (std::find(out.begin(), out.end(), lang) == out.end()) extra.insert(lang);
    }
  };
  form.walk([&](const Item& it, const std::vector<const Item*>&) {
    for (const LangText* t : {&it.label, &it.hint, &it.required_message, &it.constraint_message})
      add(*t);
    return true;
  });
  for (const auto& [name, list] : form.lists) {
    for (const auto& c : list.choices) add(c.label);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// The `column::Language (code)` columns of a translatable column, in order.
std::vector<std::string> text_columns(const std::string& column,
                                      const std::vector<std::string>& langs) {
  std::vector<std::string> out;
  for (const auto& l : langs) out.push_back(column + "::" + language_label(l));
  return out;
}

void set_text(Table& t, const std::string& column, const LangText& text) {
  for (const auto& [lang, s] : text.all()) t.set(column + "::" + language_label(lang), s);
}

std::string yes(bool b) { return b ? "yes" : ""; }

// ---------------------------------------------------------------------------
// Where each list goes.

enum class Place { kChoices, kExternal, kFile };

struct ListPlace {
  Place place = Place::kChoices;
  std::string sheet_name;  // its list_name on the external_choices sheet
};

class Layout {
 public:
  Layout(const Form& form, std::vector<std::string>& notes) {
    std::map<std::string, std::string> external_owner;  // sheet list name -> form list
    for (const auto& [name, list] : form.lists) {
      ListPlace p;
      const std::string& src = list.source;
      if (src == "external_choices" || src.starts_with("external_choices:")) {
        p.place = Place::kExternal;
        p.sheet_name = src == "external_choices"
                           ? name
                           : src.substr(std::string_view("external_choices:").size());
        if (auto [at, fresh] = external_owner.emplace(p.sheet_name, name); !fresh) {
          notes.push_back("list '" + name + "' is written on the choices sheet: list '" +
                          at->second + "' already took the name '" + p.sheet_name +
                          "' on the external_choices sheet");
          p = ListPlace{};
        }
      } else if (!src.empty()) {
        // A file beside the workbook, named by the list: never a path.
        if (valid_item_name(name)) {
          p.place = Place::kFile;
        } else {
          notes.push_back("list '" + name +
                          "' is written on the choices sheet: its name cannot be a file name");
        }
      }
      places_[name] = p;
    }
  }

  const ListPlace& of(const std::string& list) const { return places_.at(list); }

 private:
  std::map<std::string, ListPlace> places_;
};

// ---------------------------------------------------------------------------
// The survey sheet.

std::vector<std::string> survey_columns(const std::vector<std::string>& langs) {
  std::vector<std::string> c = {"type", "name"};
  for (const char* t : {"label", "hint"}) {
    for (auto& col : text_columns(t, langs)) c.push_back(std::move(col));
  }
  c.emplace_back("required");
  for (auto& col : text_columns("required_message", langs)) c.push_back(std::move(col));
  for (const char* x : {"relevant", "constraint"}) c.emplace_back(x);
  for (auto& col : text_columns("constraint_message", langs)) c.push_back(std::move(col));
  for (const char* x :
       {"calculation", "default", "read_only", "appearance", "choice_filter", "repeat_count",
        "parameters", "body::accept", "equitas_likert", "equitas_list", "equitas_breakdown",
        "equitas_per_site", "equitas_indicator", "equitas_score_principle", "equitas_score_element",
        "equitas_score_indicator", "equitas_max_bytes", "equitas_max_pixels",
        "equitas_max_files"}) {
    c.emplace_back(x);
  }
  return c;
}

class SurveyWriter {
 public:
  SurveyWriter(const Form& form, const Layout& layout, Table& t, std::vector<std::string>& notes)
      : form_(form), layout_(layout), t_(t), notes_(notes) {}

  void items(const std::vector<Item>& items) {
    for (const Item& it : items) {
      if (it.type == QuestionType::kGroup || it.type == QuestionType::kRepeat) {
        group(it);
      } else {
        question(it);
      }
    }
  }

 private:
  void group(const Item& it) {
    const std::string kind = it.type == QuestionType::kGroup ? "group" : "repeat";
    t_.row();
    t_.set("type", "begin " + kind);
    t_.set("name", it.name);
    set_text(t_, "label", it.label);
    set_text(t_, "hint", it.hint);
    t_.set("relevant", it.relevant.source);
    t_.set("appearance", it.appearance);
    // The importer reads repeat_count as this constraint, with the row's
    // constraint_message.
    const std::string count = repeat_count(it);
    if (!count.empty()) {
      t_.set("repeat_count", count);
      set_text(t_, "constraint_message", it.constraint_message);
    }
    std::vector<std::string> lost;
    if (it.required_always || it.required_if.present()) lost.emplace_back("required");
    if (!it.required_message.empty()) lost.emplace_back("required_message");
    if (it.constraint.present() && count.empty()) lost.emplace_back("constraint");
    if (!it.constraint_message.empty() && count.empty()) lost.emplace_back("constraint_message");
    if (it.calculation.present()) lost.emplace_back("calculation");
    if (!it.default_value.empty()) lost.emplace_back("default");
    if (it.read_only) lost.emplace_back("read_only");
    if (!it.list.empty()) lost.emplace_back("list");
    if (it.choice_filter.present()) lost.emplace_back("choice_filter");
    if (it.or_other) lost.emplace_back("or_other");
    if (it.breakdown) lost.emplace_back("breakdown");
    if (it.indicator) lost.emplace_back("indicator");
    if (it.score) lost.emplace_back("score");
    if (!lost.empty()) {
      std::string what;
      for (const auto& l : lost) what += (what.empty() ? "" : ", ") + l;
      notes_.push_back(kind + " '" + it.name + "': " + what + " not written: a 'begin " + kind +
                       "' row takes a label, hint, relevant and appearance" +
                       (kind == "repeat"
                            ? ", and a repeat_count (a constraint count(${" + it.name + "}) = (N))"
                            : ""));
    }
    items(it.items);
    t_.row();
    t_.set("type", "end " + kind);
  }

  // N when the repeat's constraint is exactly count(${NAME}) = (N), else "".
  static std::string repeat_count(const Item& it) {
    if (it.type != QuestionType::kRepeat || !it.constraint.present()) return "";
    const std::string& s = it.constraint.source;
    const std::string head = "count(${" + it.name + "}) = (";
    if (!s.starts_with(head) || !s.ends_with(")") || s.size() <= head.size() + 1) return "";
    const std::string n = s.substr(head.size(), s.size() - head.size() - 1);
    const bool trimmed =
        n.find_first_not_of(" \t\r\n") == 0 && n.find_last_not_of(" \t\r\n") == n.size() - 1;
    return trimmed ? n : "";
  }

  std::string type_cell(const Item& it) {
    switch (it.type) {
      case QuestionType::kSelectOne:
      case QuestionType::kSelectMultiple:
      case QuestionType::kLikert:
        return select_type(it);
      case QuestionType::kDateTime:
        return "dateTime";  // XLSForm's spelling
      default:
        return std::string(question_type_name(it.type));
    }
  }

  std::string select_type(const Item& it) {
    const std::string base =
        it.type == QuestionType::kSelectMultiple ? "select_multiple" : "select_one";
    const ListPlace& p = layout_.of(it.list);
    if (it.rank && p.place == Place::kChoices && !it.or_other) return "rank " + it.list;
    if (it.rank) {
      notes_.push_back("'" + it.name +
                       "': written as a select_multiple: XLSForm's rank takes only a list of the "
                       "choices sheet, without or_other");
    }
    if (p.place == Place::kChoices) return base + " " + it.list + (it.or_other ? " or_other" : "");
    if (it.or_other) {
      notes_.push_back("'" + it.name + "': or_other is not written: XLSForm's " + base +
                       (p.place == Place::kExternal ? "_external" : "_from_file") + " takes none");
    }
    if (p.place == Place::kExternal) return base + "_external " + p.sheet_name;
    return base + "_from_file " + form_.lists.at(it.list).source;
  }

  void question(const Item& it) {
    t_.row();
    t_.set("type", type_cell(it));
    t_.set("name", it.name);
    set_text(t_, "label", it.label);
    set_text(t_, "hint", it.hint);
    if (it.required_always) t_.set("required", "yes");
    if (it.required_if.present()) t_.set("required", it.required_if.source);
    set_text(t_, "required_message", it.required_message);
    t_.set("relevant", it.relevant.source);
    t_.set("constraint", it.constraint.source);
    set_text(t_, "constraint_message", it.constraint_message);
    t_.set("calculation", it.calculation.source);
    t_.set("default", it.default_value);
    t_.set("read_only", yes(it.read_only));
    t_.set("appearance", it.appearance);
    t_.set("choice_filter", it.choice_filter.source);
    if (it.choice_filter.present() && !it.is_select()) {
      notes_.push_back("'" + it.name +
                       "': its choice_filter is written, but is ignored on import: the question "
                       "has no choices");
    }
    t_.set("equitas_likert", yes(it.type == QuestionType::kLikert));
    if (!it.is_select()) t_.set("equitas_list", it.list);
    t_.set("equitas_breakdown", yes(it.breakdown));
    t_.set("equitas_per_site", yes(it.per_site));
    t_.set("equitas_indicator", yes(it.indicator));
    if (it.score) {
      t_.set("equitas_score_principle", it.score->principle);
      t_.set("equitas_score_element", it.score->element);
      t_.set("equitas_score_indicator", it.score->indicator);
    }
    if (is_file_question(it)) file_limits(it);
    if (it.accuracy_threshold > 0)
      t_.set("parameters", "capture-accuracy=" + format_number(it.accuracy_threshold));
    if (it.randomize) select_order(it);
  }

  void select_order(const Item& it) {
    std::string params = "randomize=true";
    const std::string& seed = it.seed.source;
    if (seed.find_first_of(" \t,;") == std::string::npos) {
      if (it.seed.present()) params += " seed=" + seed;
    } else {
      notes_.push_back(
          "'" + it.name + "': its seed " + seed +
          " is not written: XLSForm's seed parameter takes a "
          "number or ${question}; a calculate holding the expression can be that question");
    }
    t_.set("parameters", params);
  }

  void file_limits(const Item& it) {
    const FileSpec& f = it.file;
    std::string accept;
    for (const auto& a : f.accept) accept += (accept.empty() ? "" : " ") + a;
    t_.set("body::accept", accept);
    if (f.max_bytes != 0) t_.set_number("equitas_max_bytes", static_cast<double>(f.max_bytes));
    if (f.max_files != 1) t_.set_number("equitas_max_files", f.max_files);
    if (f.max_pixels != 0) {
      // pyxform's parameter for an image; other file questions that take
      // images have no XLSForm column for it.
      if (it.type == QuestionType::kImage && f.max_pixels > 0) {
        t_.set("parameters", "max-pixels=" + std::to_string(f.max_pixels));
      } else {
        t_.set_number("equitas_max_pixels", f.max_pixels);
      }
    }
  }

  const Form& form_;
  const Layout& layout_;
  Table& t_;
  std::vector<std::string>& notes_;
};

// ---------------------------------------------------------------------------
// Choices: the choices and external_choices sheets, and the list files.

// A filter column the importer would read as something else.
bool reserved_filter(const std::string& key) {
  std::string base = key.substr(0, key.find(':'));
  std::transform(base.begin(), base.end(), base.begin(), [](unsigned char c) {
    return c == ' ' ? '_' : static_cast<char>(std::tolower(c));
  });
  static const std::set<std::string> kTaken = {"list_name", "name",  "value",     "label",
                                               "caption",   "image", "big-image", "audio",
                                               "video",     "media"};
  const bool padded = key.empty() || key.front() == ' ' || key.back() == ' ';
  return padded || kTaken.count(base) != 0 || base.starts_with("equitas_");
}

std::vector<std::string> choice_columns(bool with_list_name,
                                        const std::vector<std::string>& label_columns) {
  std::vector<std::string> c;
  if (with_list_name) c.emplace_back("list_name");
  c.emplace_back("name");
  c.insert(c.end(), label_columns.begin(), label_columns.end());
  for (const char* x : {"equitas_polarity", "equitas_exclude", "equitas_points"}) c.emplace_back(x);
  return c;
}

const char* polarity_name(Polarity p) {
  switch (p) {
    case Polarity::kPositive:
      return "positive";
    case Polarity::kNeutral:
      return "neutral";
    case Polarity::kNegative:
      return "negative";
    case Polarity::kNone:
      break;
  }
  return "";
}

// `list_name` "" for a list file; `xml`: label columns are `label::CODE`,
// element names in an XML file.
void choice_rows(Table& t, const ChoiceList& list, const std::string& list_name, bool xml,
                 std::vector<std::string>& notes) {
  std::set<std::string> skipped;
  for (const Choice& c : list.choices) {
    t.row();
    if (!list_name.empty()) t.set("list_name", list_name);
    t.set("name", c.name);
    for (const auto& [lang, s] : c.label.all())
      t.set("label::" + (xml ? lang : language_label(lang)), s);
    t.set("equitas_polarity", polarity_name(c.polarity));
    t.set("equitas_exclude", yes(c.exclude));
    if (c.points) t.set_number("equitas_points", *c.points);
    for (const auto& [key, value] : c.filters) {
      if (reserved_filter(key)) {
        if (skipped.insert(key).second) {
          notes.push_back("list '" + list.name + "': filter column '" + key +
                          "' is not written: the importer "
                          "reads a column of that name as something else");
        }
        continue;
      }
      t.set(key, value);
    }
  }
}

// ---------------------------------------------------------------------------
// Settings.

Table settings_table(const Form& form) {
  Table t({"form_title", "form_id", "version", "default_language", "anonymous", "response_codes",
           "revisable", "allow_choice_duplicates", "equitas_suppression_threshold",
           "equitas_languages"});
  t.row();
  t.set("form_title", form.title.get(form.default_language, form.default_language));
  t.set("form_id", form.id);
  t.set("version", form.version);
  t.set("default_language", language_label(form.default_language));
  t.set("anonymous", form.anonymous ? "yes" : "no");
  t.set("response_codes", yes(form.response_codes));
  t.set("revisable", yes(form.revisable));
  t.set("allow_choice_duplicates", yes(form.allow_choice_duplicates));
  t.set_number("equitas_suppression_threshold", form.suppression_threshold);
  std::string langs;
  for (const auto& l : form.languages) langs += (langs.empty() ? "" : " ") + l;
  t.keep("equitas_languages");  // blank: the form promises no language
  t.set("equitas_languages", langs);
  set_text(t, "equitas_title", form.title);
  set_text(t, "equitas_description", form.description);
  return t;
}

// ---------------------------------------------------------------------------
// Writing: a sheet, a CSV file, an XML file.

struct WorkbookFree {
  void operator()(lxw_workbook* wb) const { lxw_workbook_free(wb); }
};

Status lxw_status(lxw_error e, const std::string& sheet, std::size_t row) {
  if (e == LXW_NO_ERROR) return Status::ok();
  if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
    return Status::invalid_argument("sheet '" + sheet + "' row " + std::to_string(row + 1) +
                                    ": a text is longer than the 32,767 characters a cell holds");
  }
  return Status::io_error("writing sheet '" + sheet + "' failed: " + std::string(lxw_strerror(e)));
}

Status write_sheet(lxw_workbook* wb, const std::string& name, const Table& t, lxw_format* bold) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  if (ws == nullptr)
    return Status::internal("libxlsxwriter could not add the sheet '" + name + "'");
  const auto cols = t.columns();
  worksheet_freeze_panes(ws, 1, 0);
  for (std::size_t c = 0; c < cols.size(); ++c) {
    std::size_t width = cols[c].size();
    for (const auto& r : t.rows()) {
      if (auto it = r.find(cols[c]); it != r.end()) width = std::max(width, it->second.text.size());
    }
    const auto col = static_cast<lxw_col_t>(c);
    worksheet_set_column(ws, col, col, static_cast<double>(std::min<std::size_t>(width, 48) + 2),
                         nullptr);
    EQ_RETURN_IF_ERROR(
        lxw_status(worksheet_write_string(ws, 0, col, cols[c].c_str(), bold), name, 0));
  }
  for (std::size_t r = 0; r < t.rows().size(); ++r) {
    const auto row = static_cast<lxw_row_t>(r + 1);
    for (std::size_t c = 0; c < cols.size(); ++c) {
      auto it = t.rows()[r].find(cols[c]);
      if (it == t.rows()[r].end()) continue;
      const auto col = static_cast<lxw_col_t>(c);
      const Cell& cell = it->second;
      const lxw_error e = cell.number
                              ? worksheet_write_number(ws, row, col, *cell.number, nullptr)
                              : worksheet_write_string(ws, row, col, cell.text.c_str(), nullptr);
      EQ_RETURN_IF_ERROR(lxw_status(e, name, r + 1));
    }
  }
  return Status::ok();
}

// RFC 4180, as the importer reads it.
std::string csv_text(const Table& t) {
  const auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  const auto cols = t.columns();
  std::string out;
  for (std::size_t c = 0; c < cols.size(); ++c) out += (c ? "," : "") + field(cols[c]);
  out += "\r\n";
  for (const auto& r : t.rows()) {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      auto it = r.find(cols[c]);
      out += (c ? "," : "") + (it == r.end() ? std::string() : field(it->second.text));
    }
    out += "\r\n";
  }
  return out;
}

// An element name pugixml reads back whole.
bool xml_name(const std::string& s) {
  const auto start = [](unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; };
  return !s.empty() && start(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [&](unsigned char c) {
           return start(c) || std::isdigit(c) || c == '-' || c == '.' || c == ':';
         });
}

// <root><item><name/><label::en/>...</item></root>, as the importer reads it.
std::string xml_text(const Table& t, const std::string& file, std::vector<std::string>& notes) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("root");
  std::set<std::string> bad;
  for (const auto& r : t.rows()) {
    pugi::xml_node item = root.append_child("item");
    for (const auto& col : t.columns()) {
      auto it = r.find(col);
      if (it == r.end()) continue;
      if (!xml_name(col)) {
        if (bad.insert(col).second)
          notes.push_back(file + ": column '" + col + "' cannot be an XML element; not written");
        continue;
      }
      item.append_child(col.c_str()).text().set(it->second.text.c_str());
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace

Result<XlsformExport> export_xlsform_file(const Form& form, const std::filesystem::path& path) {
  XlsformExport result;
  const std::vector<std::string> langs = text_languages(form);
  const Layout layout(form, result.notes);

  Table survey(survey_columns(langs));
  SurveyWriter(form, layout, survey, result.notes).items(form.items);
  Table choices(choice_columns(true, text_columns("label", langs)));
  Table external(choice_columns(true, text_columns("label", langs)));
  std::vector<std::pair<std::string, std::string>> files;  // file name -> contents
  for (const auto& [name, list] : form.lists) {
    const ListPlace& p = layout.of(name);
    if (p.place == Place::kChoices) {
      choice_rows(choices, list, name, false, result.notes);
    } else if (p.place == Place::kExternal) {
      choice_rows(external, list, p.sheet_name, false, result.notes);
    } else {
      const bool xml = list.source.ends_with(".xml");
      std::vector<std::string> labels;
      for (const auto& l : langs) labels.push_back("label::" + (xml ? l : language_label(l)));
      Table file(choice_columns(false, labels));
      choice_rows(file, list, "", xml, result.notes);
      files.emplace_back(list.source,
                         xml ? xml_text(file, list.source, result.notes) : csv_text(file));
    }
  }

  std::unique_ptr<lxw_workbook, WorkbookFree> wb(workbook_new(path.c_str()));
  if (!wb) return Status::io_error("cannot create the workbook " + path.string());
  lxw_format* bold = workbook_add_format(wb.get());
  if (bold == nullptr) return Status::internal("libxlsxwriter could not add a format");
  format_set_bold(bold);
  EQ_RETURN_IF_ERROR(write_sheet(wb.get(), "survey", survey, bold));
  EQ_RETURN_IF_ERROR(write_sheet(wb.get(), "choices", choices, bold));
  if (!external.rows().empty())
    EQ_RETURN_IF_ERROR(write_sheet(wb.get(), "external_choices", external, bold));
  EQ_RETURN_IF_ERROR(write_sheet(wb.get(), "settings", settings_table(form), bold));
  // workbook_close writes the file and frees the workbook in every case.
  if (const lxw_error e = workbook_close(wb.release()); e != LXW_NO_ERROR) {
    return Status::io_error("cannot write the workbook " + path.string() + ": " + lxw_strerror(e));
  }
  result.files.push_back(path);
  for (const auto& [name, text] : files) {
    const std::filesystem::path file = path.parent_path() / name;
    EQ_RETURN_IF_ERROR(write_file_atomically(file, as_bytes(text), 0644));
    result.files.push_back(file);
  }
  note_unread_lists(form, result.notes);
  EQ_RETURN_IF_ERROR(compare_reimport(form, path, result.notes));
  return result;
}

}  // namespace equitas::forms
