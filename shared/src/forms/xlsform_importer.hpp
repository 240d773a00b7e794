// The XLSForm importer (internal to shared/src/forms): one Importer maps a
// workbook's sheets to a Form, with its messages. Its members are in four
// files by topic: xlsform.cpp (the run, settings, headers and the finished
// form's checks), xlsform_survey.cpp, xlsform_questions.cpp, xlsform_choices.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "equitas/forms/form.hpp"
#include "equitas/forms/workbook_reader.hpp"
#include "equitas/forms/xlsform.hpp"
#include "xlsform_columns.hpp"

namespace equitas::forms::xlsform_detail {

using Severity = ImportMessage::Severity;

class Messages {
 public:
  void warn(const std::string& sheet, int row, std::string text) {
    list_.push_back({Severity::kWarning, sheet, row, std::move(text)});
  }
  void error(const std::string& sheet, int row, std::string text) {
    list_.push_back({Severity::kError, sheet, row, std::move(text)});
  }
  std::vector<ImportMessage>& list() { return list_; }
  const std::vector<ImportMessage>& list() const { return list_; }

 private:
  std::vector<ImportMessage> list_;
};

// While the survey is read, a select whose list is not in the choices sheet
// names it with one of these marks; resolve_lists() reads the list and puts
// its real name in place. \x1f cannot appear in a cell (XML 1.0 refuses it).
inline constexpr std::string_view kExternalMark =
    "\x1f"
    "external\x1f";
inline constexpr std::string_view kFileMark =
    "\x1f"
    "file\x1f";

class Importer {
 public:
  // `file_stem`: the workbook's file name without ".xlsx", or "".
  // `files`: the files published with the form, or null when there are none.
  Importer(std::string file_stem, const AttachmentReader* files)
      : file_stem_(std::move(file_stem)), files_(files) {}

  ImportResult run(const std::vector<Sheet>& sheets);

 private:
  struct Open {
    Item item;
    int row;
  };

  // One survey row as its handler reads it: the cells, and the type cell
  // split into words.
  struct SurveyRow {
    const RowValues& v;
    int row = 0;
    std::string type_cell;           // as written (trimmed)
    std::string name;                // the name cell
    std::vector<std::string> words;  // the type cell's words
    std::vector<std::string> lw;     // the same in lower case: lw[0] says what the row is
  };

  // xlsform.cpp: the settings sheet, the headers, and the form once every
  // sheet is read.
  void read_settings(const Sheet* settings);
  void read_extension_setting(const std::string& key, const std::string& header,
                              const std::string& v);
  std::map<int, Column> columns(const Table& t, const std::string& sheet, bool choices_sheet);
  void settle_languages();
  void finalise();
  void settle_form_id();
  void settle_title_and_version();
  void check_other_names();
  void check_filter_columns();
  void check_metadata_references();
  void report_form_checks();
  std::string explain_refused_reference(std::string p) const;
  int first_row(const std::string& name) const;
  bool already_reported(const std::string& p) const;
  bool msg_has_errors();
  ImportResult finish();

  // xlsform_survey.cpp: the survey sheet row by row, its groups, repeats
  // and loops, and the names a loop or a group makes.
  std::vector<Item>& container();
  void read_survey(const Table& t);
  void survey_row(const SheetRow& r);
  void group_row(const SurveyRow& s, const std::string& op);
  void begin_loop(const SurveyRow& s);
  void begin_group(const SurveyRow& s, QuestionType qt, const std::string& what);
  void end_group(const SurveyRow& s, QuestionType qt, const std::string& op,
                 const std::string& what);
  Item& open_container(const SurveyRow& s, QuestionType qt);
  void close_container();
  void response_metadata_row(const SurveyRow& s);
  void skipped_metadata_row(const SurveyRow& s);
  void expand_loops(std::vector<Item>& items);
  static void collect_names(const std::vector<Item>& items, std::set<std::string>& out);
  void loop_copy(Item& it, const Choice& c, const std::set<std::string>& inner, int row);
  void rename_group_duplicates(std::vector<Item>& items, const std::string& group,
                               std::map<std::string, std::string>& seen);

  // xlsform_questions.cpp: one question's row, from its type cell to its
  // equitas_ columns.
  void question_row(const SurveyRow& s);
  bool question_type(const SurveyRow& s, Item& it);
  bool hidden_type(const SurveyRow& s, Item& it);
  bool file_select_type(const SurveyRow& s, Item& it);
  bool external_select_type(const SurveyRow& s, Item& it);
  bool select_type(const SurveyRow& s, Item& it);
  void osm_type(const SurveyRow& s, Item& it);
  std::string question_name(const SurveyRow& s, const Item& it);
  void kind_columns(Item& it, const RowValues& v, int row);
  void location_accuracy(Item& it, const RowValues& v, int row);
  void select_order(Item& it, const RowValues& v, int row);
  void file_limits(Item& it, const RowValues& v, int row);
  std::string range_constraint(const std::string& params, int row);
  void check_name(std::string& name, int row);
  void fill_common(Item& it, const RowValues& v, int row, const std::string& raw_name);
  void fill_question(Item& it, const RowValues& v, int row);
  ExprField expr(const std::string& source, const std::string& item, std::string_view column,
                 const std::string& sheet, int row);
  bool flag(const RowValues& v, Col c, std::string_view column, const std::string& sheet, int row);
  std::optional<std::int64_t> whole(const RowValues& v, Col c, std::string_view column, int row);
  void read_extensions(Item& it, const RowValues& v, int row);

  // xlsform_choices.cpp: the choices and external_choices sheets, and the
  // files published with the form.
  void read_choice_extensions(Choice& c, const RowValues& v, const std::string& sheet, int row);
  void read_choice_rows(const Table& t, const std::map<int, Column>& cols, const std::string& sheet,
                        std::map<std::string, ChoiceList>& into, const std::string& fixed_list,
                        bool names_optional = false);
  void resolve_lists(std::vector<Item>& items);
  std::string external_list(const std::string& list, int row);
  std::string file_list(const std::string& file, int row);
  std::optional<Bytes> fetch_file(const std::string& file, const std::string& stem, int row);
  bool load_file(const std::string& file, const std::string& stem, const Bytes& data, int row,
                 bool names_optional = false);
  void read_instance_files();
  std::size_t error_count() const;

  Messages msg_;
  Form form_;
  std::string file_stem_;
  std::string title_raw_, id_raw_, version_raw_;
  std::string default_lang_ = "en";
  bool default_lang_given_ = false;
  LangText title_texts_, description_texts_;  // equitas_title::L, equitas_description::L
  bool languages_given_ = false;              // equitas_languages
  std::vector<std::string> given_languages_;
  int settings_row_ = 0;
  std::map<int, Column> survey_cols_, choices_cols_;
  std::vector<std::string> label_langs_;
  bool plain_label_ = false;
  std::vector<Open> open_;
  std::map<std::string, std::vector<int>> name_rows_;
  std::set<std::string> bad_names_;
  std::set<std::string> metadata_names_;
  std::map<std::string, int> refused_;  // name -> row of a question that was not imported
  std::set<std::string> failed_;        // "name/column" of expressions that did not parse
  std::map<std::string, std::pair<std::string, int>> loops_;  // loop group -> (list, row)
  std::set<std::string> filter_columns_;  // choices-sheet columns a choice_filter can read
  std::map<std::string, std::vector<int>> select_rows_;
  std::vector<std::pair<std::string, int>> other_rows_;
  const AttachmentReader* files_ = nullptr;
  bool have_external_ = false;
  std::map<std::string, ChoiceList> external_lists_;   // the external_choices sheet's lists
  std::map<std::string, std::string> external_names_;  // external list -> its name in the form
  std::map<std::string, std::string> file_names_;      // file -> its list's name
  std::set<std::string> unresolved_;                   // lists reported as unreadable
  std::size_t attachment_bytes_ = 0;
  std::size_t attachment_rows_ = 0;
};

}  // namespace equitas::forms::xlsform_detail
