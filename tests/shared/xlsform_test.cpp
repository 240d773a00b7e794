#include "equitas/forms/xlsform.hpp"

#include <zip.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/util/html.hpp"
#include "temp_dir.hpp"

namespace {

using equitas::Bytes;
using equitas::forms::Form;
using equitas::forms::ImportMessage;
using equitas::forms::ImportResult;
using equitas::forms::Item;
using equitas::forms::QuestionType;

// ---------------------------------------------------------------------------
// A tiny .xlsx writer, enough for the importer's tests.
//
// A cell is a string; "" leaves the cell out (so columns can be skipped).
// Prefixes choose the cell kind: "#n:12" a number cell, "#b:1" a boolean,
// "#r:Hel|lo" a shared string written as rich-text runs "Hel" and "lo".
// Other cells are shared strings, or inline strings when the sheet asks.

struct SheetSpec {
  std::string name;
  std::vector<std::vector<std::string>> rows;
  bool inline_strings = false;
  std::string part;  // e.g. "worksheets/custom.xml"; default sheetN.xml
};

// Markup-escaped text for the workbook's XML: the HTML escape is valid XML.
std::string xml_escape(const std::string& s) { return equitas::html_escape(s); }

std::string col_letters(int col) {  // 1-based
  std::string s;
  while (col > 0) {
    s.insert(s.begin(), static_cast<char>('A' + (col - 1) % 26));
    col = (col - 1) / 26;
  }
  return s;
}

Bytes zip_files(const std::vector<std::pair<std::string, std::string>>& files) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  REQUIRE(src != nullptr);
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  REQUIRE(za != nullptr);
  zip_source_keep(src);
  for (const auto& [name, data] : files) {
    zip_source_t* fs = zip_source_buffer(za, data.data(), data.size(), 0);
    REQUIRE(fs != nullptr);
    REQUIRE(zip_file_add(za, name.c_str(), fs, ZIP_FL_ENC_UTF_8) >= 0);
  }
  REQUIRE(zip_close(za) == 0);
  REQUIRE(zip_source_open(src) == 0);
  REQUIRE(zip_source_seek(src, 0, SEEK_END) == 0);
  const zip_int64_t size = zip_source_tell(src);
  REQUIRE(zip_source_seek(src, 0, SEEK_SET) == 0);
  Bytes out(static_cast<std::size_t>(size));
  REQUIRE(zip_source_read(src, out.data(), out.size()) == size);
  zip_source_close(src);
  zip_source_free(src);
  zip_error_fini(&err);
  return out;
}

using Files = std::vector<std::pair<std::string, std::string>>;

Files make_xlsx_files(const std::vector<SheetSpec>& sheets) {
  Files files;
  std::vector<std::string> sst;
  std::string workbook =
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      R"(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" )"
      R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>)";
  std::string rels =
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)";
  std::string types =
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
      R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
      R"(<Default Extension="xml" ContentType="application/xml"/>)"
      R"(<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>)";
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    const SheetSpec& s = sheets[i];
    const std::string rid = "rId" + std::to_string(i + 10);
    // A target starting with '/' is absolute in the package; others are relative to xl/.
    const std::string target =
        s.part.empty() ? "worksheets/sheet" + std::to_string(i + 1) + ".xml" : s.part;
    const std::string file = target[0] == '/' ? target.substr(1) : "xl/" + target;
    workbook += "<sheet name=\"" + xml_escape(s.name) + "\" sheetId=\"" + std::to_string(i + 1) +
                "\" r:id=\"" + rid + "\"/>";
    rels +=
        "<Relationship Id=\"" + rid +
        "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
        "Target=\"" +
        target + "\"/>";
    types += "<Override PartName=\"/" + file +
             "\" "
             "ContentType=\"application/"
             "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>";
    std::string xml =
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)";
    for (std::size_t r = 0; r < s.rows.size(); ++r) {
      const std::string rn = std::to_string(r + 1);
      xml += "<row r=\"" + rn + "\">";
      for (std::size_t c = 0; c < s.rows[r].size(); ++c) {
        const std::string& v = s.rows[r][c];
        if (v.empty()) continue;
        const std::string ref = col_letters(static_cast<int>(c + 1)) + rn;
        if (v.rfind("#n:", 0) == 0) {
          xml += "<c r=\"" + ref + "\"><v>" + v.substr(3) + "</v></c>";
        } else if (v.rfind("#b:", 0) == 0) {
          xml += "<c r=\"" + ref + "\" t=\"b\"><v>" + v.substr(3) + "</v></c>";
        } else if (v.rfind("#r:", 0) == 0) {
          std::string si = "<si>";
          std::string rest = v.substr(3);
          std::size_t start = 0;
          for (;;) {
            const std::size_t bar = rest.find('|', start);
            si += "<r><rPr><b/></rPr><t xml:space=\"preserve\">" +
                  xml_escape(rest.substr(
                      start, bar == std::string::npos ? std::string::npos : bar - start)) +
                  "</t></r>";
            if (bar == std::string::npos) break;
            start = bar + 1;
          }
          si += "</si>";
          sst.push_back(si);
          xml += "<c r=\"" + ref + "\" t=\"s\"><v>" + std::to_string(sst.size() - 1) + "</v></c>";
        } else if (s.inline_strings) {
          xml += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + xml_escape(v) + "</t></is></c>";
        } else {
          sst.push_back("<si><t xml:space=\"preserve\">" + xml_escape(v) + "</t></si>");
          xml += "<c r=\"" + ref + "\" t=\"s\"><v>" + std::to_string(sst.size() - 1) + "</v></c>";
        }
      }
      xml += "</row>";
    }
    xml += "</sheetData></worksheet>";
    files.emplace_back(file, std::move(xml));
  }
  workbook += "</sheets></workbook>";
  if (!sst.empty()) {
    std::string x =
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        R"(<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count=")" +
        std::to_string(sst.size()) + "\" uniqueCount=\"" + std::to_string(sst.size()) + "\">";
    for (const auto& si : sst) x += si;
    x += "</sst>";
    files.emplace_back("xl/sharedStrings.xml", std::move(x));
    rels +=
        R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>)";
    types +=
        R"(<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>)";
  }
  rels += "</Relationships>";
  types += "</Types>";
  files.emplace_back("[Content_Types].xml", types);
  files.emplace_back(
      "_rels/.rels",
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>)"
      R"(</Relationships>)");
  files.emplace_back("xl/workbook.xml", workbook);
  files.emplace_back("xl/_rels/workbook.xml.rels", rels);
  return files;
}

Bytes make_xlsx(const std::vector<SheetSpec>& sheets) { return zip_files(make_xlsx_files(sheets)); }

ImportResult import_ok(const Bytes& bytes) {
  auto r = equitas::forms::import_xlsform(bytes);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

std::string all_messages(const ImportResult& r) {
  std::string s;
  for (const auto& m : r.messages) s += m.to_string() + "\n";
  return s;
}

const ImportMessage* find_message(const ImportResult& r, const std::string& needle,
                                  ImportMessage::Severity sev) {
  for (const auto& m : r.messages) {
    if (m.severity == sev && m.to_string().find(needle) != std::string::npos) return &m;
  }
  return nullptr;
}
const ImportMessage* find_error(const ImportResult& r, const std::string& needle) {
  return find_message(r, needle, ImportMessage::Severity::kError);
}
const ImportMessage* find_warning(const ImportResult& r, const std::string& needle) {
  return find_message(r, needle, ImportMessage::Severity::kWarning);
}

boost::json::object answers(const std::string& json) {
  return boost::json::parse(json).as_object();
}

bool has_error_at(const equitas::forms::Evaluation& e, const std::string& path) {
  return std::any_of(e.errors.begin(), e.errors.end(),
                     [&](const equitas::forms::FieldError& f) { return f.path == path; });
}

// A complete small form used by several tests.
std::vector<SheetSpec> sample_sheets() {
  SheetSpec survey{"survey", {}, false, ""};
  survey.rows = {
      {"type", "name", "label::English (en)", "label::Français (fr)", "hint::English (en)",
       "required", "relevant", "constraint", "constraint_message::English (en)", "calculation",
       "choice_filter", "appearance"},
      {"begin group", "about", "About you", "À propos de vous", "", "", "", "", "", "", "",
       "field-list"},
      {"integer", "age", "Age", "Âge", "In years", "yes", "", ". >= 16 and . <= 99", "16 to 99", "",
       "", ""},
      {"select_one region", "region", "Region", "Région", "", "#b:1", "", "", "", "", "",
       "minimal"},
      {"select_one town", "town", "Town", "Ville", "", "", "", "", "", "", "region = ${region}",
       ""},
      {"select_multiple channel or_other", "channels", "Channels", "Canaux", "", "", "${age} >= 18",
       "", "", "", "", ""},
      {"end group"},
      {"calculate", "age_next", "", "", "", "", "", "", "", "${age} + 1", "", ""},
      {"text", "comment", "#r:Any|thing else?", "Autre chose ?", "", "false()", "", "", "", "", "",
       "multiline"},
      {},
      {"begin repeat", "children", "Children", "Enfants"},
      {"text", "child_name", "Name", "Nom", "", "true"},
      {"integer", "child_age", "Age", "Âge", "", "", "", ". < ${age}"},
      {"end repeat"},
      {"note", "thanks", "Thank you", "Merci"},
  };
  SheetSpec choices{"choices", {}, true, ""};
  choices.rows = {
      {"list_name", "name", "label::English (en)", "label::Français (fr)", "region"},
      {"region", "north", "North", "Nord"},
      {"region", "south", "South", "Sud"},
      {"town", "#n:1", "Northtown", "Villenord", "north"},
      {"town", "#n:2", "Southtown", "Villesud", "south"},
      {"channel", "hotline", "Hotline", "Ligne directe"},
      {"channel", "email", "Email", "Courriel"},
  };
  SheetSpec settings{"settings", {}, false, ""};
  settings.rows = {{"form_title", "form_id", "version", "default_language"},
                   {"Staff survey", "staff_survey", "#n:3", "English (en)"}};
  return {survey, choices, settings};
}

}  // namespace

TEST_CASE("XLSForm: a complete small form imports and validates answers", "[xlsform]") {
  const ImportResult r = import_ok(make_xlsx(sample_sheets()));
  INFO(all_messages(r));
  REQUIRE_FALSE(r.has_errors());
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  CHECK(f.id == "staff_survey");
  CHECK(f.version == "3");
  CHECK(f.title.get("en", "en") == "Staff survey");
  CHECK(f.default_language == "en");
  CHECK(f.languages == std::vector<std::string>{"en", "fr"});

  REQUIRE(f.items.size() == 5);
  const Item& about = f.items[0];
  CHECK(about.type == QuestionType::kGroup);
  CHECK(about.appearance == "field-list");
  CHECK(about.label.get("fr", "en") == "À propos de vous");
  REQUIRE(about.items.size() == 4);
  const Item& age = about.items[0];
  CHECK(age.type == QuestionType::kInteger);
  CHECK(age.required_always);
  CHECK(age.hint.get("en", "en") == "In years");
  CHECK(age.constraint.source == ". >= 16 and . <= 99");
  CHECK(age.constraint_message.get("en", "en") == "16 to 99");
  CHECK(about.items[1].required_always);  // a boolean TRUE cell
  CHECK(about.items[1].list == "region");
  CHECK(about.items[2].choice_filter.source == "region = ${region}");
  const Item& channels = about.items[3];
  CHECK(channels.type == QuestionType::kSelectMultiple);
  CHECK(channels.or_other);
  CHECK(channels.list == "channel");
  CHECK(channels.relevant.present());

  CHECK(f.items[1].type == QuestionType::kCalculate);
  CHECK(f.items[1].calculation.source == "${age} + 1");
  CHECK(f.items[2].label.get("en", "en") == "Anything else?");  // rich-text runs joined
  CHECK_FALSE(f.items[2].required_always);
  CHECK_FALSE(f.items[2].required_if.present());
  CHECK(f.items[2].appearance == "multiline");
  const Item& children = f.items[3];
  CHECK(children.type == QuestionType::kRepeat);
  REQUIRE(children.items.size() == 2);
  CHECK(children.items[0].required_always);
  CHECK(f.items[4].type == QuestionType::kNote);

  REQUIRE(f.lists.count("town"));
  const auto& towns = f.lists.at("town").choices;
  REQUIRE(towns.size() == 2);
  CHECK(towns[0].name == "1");  // a number cell reads as "1", not "1.0"
  CHECK(towns[0].filters.at("region") == "north");
  CHECK(f.lists.at("region").choices[0].label.get("fr", "en") == "Nord");

  // The imported form drives the engine.
  equitas::forms::EvalOptions opts;
  opts.today = "2024-06-01";
  {
    auto a = answers(R"({"age": 30, "region": "north", "town": "1", "channels": ["email", "other"],
                        "channels_other": "radio", "comment": "ok",
                        "children": [{"child_name": "A", "child_age": 3}]})");
    const auto e = equitas::forms::evaluate(f, a, opts);
    INFO(equitas::forms::format_errors(e.errors));
    CHECK(e.ok());
    CHECK(a.at("age_next").as_string() == "31");
  }
  {
    auto a = answers(R"({"age": 12, "region": "north", "town": "2",
                        "children": [{"child_name": "A", "child_age": 40}, {"child_age": 1}]})");
    const auto e = equitas::forms::evaluate(f, a, opts);
    CHECK(has_error_at(e, "age"));                     // constraint
    CHECK(e.items.at("age").error == "16 to 99");      // its message
    CHECK(has_error_at(e, "town"));                    // filtered out by region
    CHECK(has_error_at(e, "children[0].child_age"));   // . < ${age}
    CHECK(has_error_at(e, "children[1].child_name"));  // required in a repeat
  }
  {
    auto a = answers(R"({"age": 17, "region": "south", "channels": ["email"]})");
    const auto e = equitas::forms::evaluate(f, a, opts);
    CHECK(has_error_at(e, "channels"));  // not relevant under 18
  }
}

TEST_CASE("XLSForm: sheet order, file names and header case do not matter", "[xlsform]") {
  SheetSpec notes{"Notes", {{"anything"}, {"at all"}}, false, ""};
  SheetSpec choices{" Choices ",
                    {{"LIST NAME", "VALUE", "Label"}, {"yn", "yes", "Yes"}, {"yn", "no", "No"}},
                    false,
                    "worksheets/zz_choices.xml"};
  SheetSpec settings{
      "SETTINGS",
      {{"FORM_ID", "Form_Title", "DEFAULT_LANGUAGE"}, {"My Form!", "Mine", "Français"}},
      true,
      "worksheets/a.xml"};
  // The survey comes last, its table starts in column B, and row 3 is empty.
  SheetSpec survey{"Survey",
                   {{"", " TYPE ", "Name", "LABEL", "Label::English (en)", "REQUIRED"},
                    {"", "select_one yn", "agree", "D'accord ?", "Agree?", "TRUE()"},
                    {},
                    {"", "text", "why", "Pourquoi ?", "Why?", "selected(${agree}, 'no')"}},
                   true,
                   "/xl/worksheets/survey_part.xml"};
  const ImportResult r = import_ok(make_xlsx({notes, choices, settings, survey}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  CHECK(f.id == "my_form");
  CHECK(find_warning(r, "form_id 'My Form!' became 'my_form'"));
  CHECK(find_warning(r, "no version"));
  CHECK(f.version == "1");
  CHECK(f.default_language == "fr");
  CHECK(f.languages == std::vector<std::string>{"fr", "en"});
  REQUIRE(f.items.size() == 2);
  CHECK(f.items[0].label.get("fr", "fr") == "D'accord ?");
  CHECK(f.items[0].label.get("en", "fr") == "Agree?");
  CHECK(f.items[0].required_always);
  CHECK(f.items[1].required_if.source == "selected(${agree}, 'no')");
  CHECK(f.lists.at("yn").choices.size() == 2);
  CHECK(f.lists.at("yn").choices[1].label.get("fr", "fr") == "No");

  equitas::forms::EvalOptions opts;
  opts.today = "2024-06-01";
  auto a = answers(R"({"agree": "no"})");
  const auto e = equitas::forms::evaluate(f, a, opts);
  CHECK(has_error_at(e, "why"));  // required when agree = no
}

TEST_CASE("XLSForm: unsupported types, metadata and legacy forms", "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label", "calculation", "parameters"},
                    {"start", "start"},
                    {"text", "q1", "Q1"},
                    {"signature", "where", "Where?"},
                    {"range", "score", "Score", "", "start=0;end=10"},
                    {"hidden", "h1", "", "1 + 1"},
                    {"select_one_from_file towns.csv", "town", "Town"},
                    {"select one from yn", "legacy", "Legacy"},
                    {"select all that apply from yn or specify other", "legacy2", "Legacy 2"}},
                   false,
                   ""};
  SheetSpec choices{"choices",
                    {{"list name", "name", "label"}, {"yn", "#n:1", "Yes"}, {"yn", "#n:0", "No"}},
                    false,
                    ""};
  const ImportResult r = import_ok(make_xlsx({survey, choices}));
  INFO(all_messages(r));
  CHECK(r.has_errors());
  CHECK_FALSE(r.form.has_value());
  const ImportMessage* geo = find_error(r, "unsupported type 'signature'");
  REQUIRE(geo != nullptr);
  CHECK(geo->sheet == "survey");
  CHECK(geo->row == 4);
  CHECK(geo->to_string().rfind("error: survey row 4: ", 0) == 0);
  const ImportMessage* file = find_error(r, "'towns.csv' was not given with the workbook");
  REQUIRE(file != nullptr);
  CHECK(file->row == 7);
  CHECK(find_warning(r,
                     "survey row 2: metadata field 'start' is not collected: Equitas records "
                     "submission time itself"));
  CHECK(find_warning(r, "survey row 5: range 'score' is imported as a decimal"));
  CHECK(find_warning(r, "survey row 6: hidden 'h1' is imported as a calculate"));
  CHECK(find_warning(r, "no 'settings' sheet"));
  // The legacy selects themselves are fine.
  CHECK_FALSE(find_error(r, "row 8"));
  CHECK_FALSE(find_error(r, "row 9"));

  // Without the bad rows, the same workbook converts.
  survey.rows.erase(survey.rows.begin() + 6);  // select_one_from_file
  survey.rows.erase(survey.rows.begin() + 3);  // signature
  const ImportResult ok = import_ok(make_xlsx({survey, choices}));
  INFO(all_messages(ok));
  REQUIRE(ok.form.has_value());
  const Form& f = *ok.form;
  REQUIRE(f.items.size() == 5);
  CHECK(f.items[1].type == QuestionType::kDecimal);
  CHECK(f.items[2].type == QuestionType::kCalculate);
  CHECK(f.items[3].type == QuestionType::kSelectOne);
  CHECK(f.items[4].type == QuestionType::kSelectMultiple);
  CHECK(f.items[4].or_other);
  CHECK(f.id == "imported-form");
}

TEST_CASE("XLSForm: without a form_id, the id comes from the file name, as in pyxform",
          "[xlsform]") {
  // The same workbook, no form_id and the same title, saved under two names.
  std::vector<SheetSpec> sheets = sample_sheets();
  sheets[2].rows = {{"form_title", "version", "default_language"},
                    {"Staff survey, North", "#n:3", "English (en)"}};
  const Bytes workbook = make_xlsx(sheets);
  equitas::test::TempDir tmp;
  std::vector<std::string> ids;
  for (const char* name : {"Post survey (North) 2026.xlsx", "post-survey-south.xlsx"}) {
    std::ofstream(tmp / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(workbook.data()),
               static_cast<std::streamsize>(workbook.size()));
    auto r = equitas::forms::import_xlsform_file(tmp / name);
    REQUIRE(r.is_ok());
    INFO(all_messages(*r));
    REQUIRE(r->form.has_value());
    ids.push_back(r->form->id);
    CHECK(r->form->title.get("en", "en") == "Staff survey, North");
  }
  CHECK(ids == std::vector<std::string>{"post_survey_north_2026", "post-survey-south"});
  // The form is valid under that id, and the warning says where it came from.
  auto r = equitas::forms::import_xlsform(workbook, "post-survey-south.xlsx");
  REQUIRE(r.is_ok());
  CHECK(find_warning(*r, "no form_id; using 'post-survey-south' (from the file name)"));
  CHECK(equitas::forms::load_form_json(equitas::forms::save_form_json(*r->form)).is_ok());

  // Without a file name (bytes alone) the title is used, then a fixed id.
  auto bytes_only = import_ok(workbook);
  REQUIRE(bytes_only.form.has_value());
  CHECK(bytes_only.form->id == "staff_survey_north");
  CHECK(find_warning(bytes_only, "no form_id; using 'staff_survey_north' (from the form_title)"));
  auto unusable = equitas::forms::import_xlsform(workbook, "???.xlsx");
  REQUIRE(unusable.is_ok());
  REQUIRE(unusable->form.has_value());
  CHECK(unusable->form->id == "staff_survey_north");
  // A form_id in the settings still wins over the file name.
  auto with_id = equitas::forms::import_xlsform(make_xlsx(sample_sheets()), "other-name.xlsx");
  REQUIRE(with_id.is_ok());
  REQUIRE(with_id->form.has_value());
  CHECK(with_id->form->id == "staff_survey");
}

TEST_CASE("XLSForm: an unparsable expression names the row, column and position", "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label", "relevant", "constraint", "calculation"},
                    {"integer", "a", "A"},
                    {"integer", "b", "B", "/data > 1"},
                    {"integer", "c", "C", "", ". > pulldata('x', 'y')"},
                    {"calculate", "d", "", "", "", "${a} + "},
                    {"text", "e", "E", "selected(${a}, \xE2\x80\x98yes\xE2\x80\x99)"}},
                   false,
                   ""};
  const ImportResult r = import_ok(make_xlsx({survey}));
  INFO(all_messages(r));
  REQUIRE(r.has_errors());
  CHECK_FALSE(r.form.has_value());
  const ImportMessage* b = find_error(r, "survey row 3: column 'relevant'");
  REQUIRE(b != nullptr);
  CHECK(b->text.find("at position 0") != std::string::npos);
  const ImportMessage* c = find_error(r, "survey row 4: column 'constraint'");
  REQUIRE(c != nullptr);
  CHECK(c->text.find("pulldata") != std::string::npos);
  CHECK(c->text.find("at position 4") != std::string::npos);
  const ImportMessage* d = find_error(r, "survey row 5: column 'calculation'");
  REQUIRE(d != nullptr);
  CHECK(d->text.find("position") != std::string::npos);
  // Typographic quotes are straightened, with a warning, not an error.
  CHECK_FALSE(find_error(r, "row 6"));
  CHECK(find_warning(r, "survey row 6: column 'relevant': typographic quotes"));
}

TEST_CASE("XLSForm: unknown and ignored columns are warnings, once per column", "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label", "colour", "media::image", "begin repeat"},
                    {"text", "a", "A", "red", "a.png"},
                    {"text", "b", "B", "blue"},
                    {"begin repeat", "r", "R"},
                    {"text", "c", "C"},
                    {"end repeat"}},
                   false,
                   ""};
  survey.rows[0][5] = "repeat_count";
  survey.rows[3].resize(6);
  survey.rows[3][5] = "#n:3";
  const ImportResult r = import_ok(make_xlsx({survey}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  int colour = 0;
  for (const auto& m : r.messages) colour += m.text.find("'colour'") != std::string::npos ? 1 : 0;
  CHECK(colour == 1);
  CHECK(find_warning(r, "survey row 1: unknown column 'colour' is ignored"));
  CHECK(find_warning(r, "'media::image' is ignored"));
  // repeat_count: the repeat must have that many rows (issue #19).
  CHECK(find_warning(r, "survey row 4: repeat_count '3' is a constraint"));
  const Form& f = *r.form;
  CHECK(f.find("r")->constraint.source == "count(${r}) = (3)");
  auto three = answers(R"({"a": "x", "b": "y", "r": [{"c": "1"}, {"c": "2"}, {"c": "3"}]})");
  CHECK(equitas::forms::evaluate(f, three, {}).ok());
  auto two = answers(R"({"a": "x", "b": "y", "r": [{"c": "1"}, {"c": "2"}]})");
  CHECK(has_error_at(equitas::forms::evaluate(f, two, {}), "r"));
  auto none = answers(R"({"a": "x", "b": "y"})");
  CHECK(has_error_at(equitas::forms::evaluate(f, none, {}), "r"));
}

TEST_CASE("XLSForm: choice filters read choices-sheet columns", "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label", "choice_filter"},
                    {"select_one colors or_other", "fav", "Favourite"},
                    {"select_one colors", "pastel", "Pastel", "pastel=yes"},
                    {"select_one colors", "pastel2", "Pastel", "pastel='yes' and name != 'mauve'"}},
                   false,
                   ""};
  SheetSpec choices{"choices",
                    {{"list name", "name", "label", "pastel"},
                     {"colors", "red", "Red", "no"},
                     {"colors", "mauve", "Mauve", "yes"},
                     {"colors", "apricot", "Apricot", "yes"}},
                    false,
                    ""};
  const ImportResult r = import_ok(make_xlsx({survey, choices}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  // `yes` unquoted is a (missing) column, as in XPath: imported faithfully, with a warning.
  CHECK(find_warning(r, "survey row 3: choice_filter 'pastel=yes' reads 'yes'"));
  CHECK_FALSE(find_warning(r, "survey row 4: choice_filter"));
  equitas::forms::EvalOptions opts;
  opts.today = "2024-06-01";
  auto a = answers(R"({"fav": "other", "fav_other": "teal", "pastel2": "apricot"})");
  auto e = equitas::forms::evaluate(*r.form, a, opts);
  INFO(equitas::forms::format_errors(e.errors));
  CHECK(e.ok());
  CHECK(e.choices.at("pastel2") == std::vector<std::string>{"apricot"});
  auto b = answers(R"({"pastel2": "mauve"})");
  e = equitas::forms::evaluate(*r.form, b, opts);
  CHECK(has_error_at(e, "pastel2"));
}

TEST_CASE("XLSForm: unbalanced groups and repeats are errors", "[xlsform]") {
  SheetSpec open{"survey",
                 {{"type", "name", "label"}, {"begin group", "g", "G"}, {"text", "a", "A"}},
                 false,
                 ""};
  const ImportResult r1 = import_ok(make_xlsx({open}));
  CHECK_FALSE(r1.form.has_value());
  CHECK(find_error(r1, "survey row 2: 'begin group' 'g' has no matching 'end group'"));

  SheetSpec extra{
      "survey", {{"type", "name", "label"}, {"text", "a", "A"}, {"end group"}}, false, ""};
  const ImportResult r2 = import_ok(make_xlsx({extra}));
  CHECK_FALSE(r2.form.has_value());
  CHECK(find_error(r2, "survey row 3: 'end group' without a matching 'begin group'"));

  SheetSpec crossed{
      "survey",
      {{"type", "name", "label"}, {"begin repeat", "r", "R"}, {"text", "a", "A"}, {"end_group"}},
      false,
      ""};
  const ImportResult r3 = import_ok(make_xlsx({crossed}));
  CHECK_FALSE(r3.form.has_value());
  CHECK(find_error(r3, "survey row 4: 'end group' closes 'begin repeat' 'r' from row 2"));
}

TEST_CASE("XLSForm: duplicate names and choices, unknown lists are errors", "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label"},
                    {"select_one yn", "a", "A"},
                    {"text", "a", "Again"},
                    {"select_one missing", "m", "M"},
                    {"text", "1bad", "Bad name"}},
                   false,
                   ""};
  SheetSpec choices{"choices",
                    {{"list_name", "name", "label"}, {"yn", "y", "Yes"}, {"yn", "y", "Yes again"}},
                    false,
                    ""};
  const ImportResult r = import_ok(make_xlsx({survey, choices}));
  INFO(all_messages(r));
  CHECK_FALSE(r.form.has_value());
  CHECK(find_error(r, "choices row 3: choice 'y' appears twice in list 'yn'"));
  CHECK(find_error(r, "item 'a': the name is used twice"));
  CHECK(find_error(r, "unknown choice list 'missing'"));
  CHECK(find_error(r, "survey row 5: name '1bad' is not valid"));
  // check_form's own message for the bad name is not repeated.
  CHECK_FALSE(find_error(r, "item '1bad': not a valid name"));
}

TEST_CASE("XLSForm: bytes that are not a workbook give a Status", "[xlsform]") {
  const std::string junk = "this is not a zip file at all";
  auto r = equitas::forms::import_xlsform(equitas::as_bytes(junk));
  CHECK_FALSE(r.is_ok());
  CHECK(r.status().message().find("not an .xlsx workbook") != std::string::npos);

  auto empty = equitas::forms::import_xlsform(equitas::ByteView{});
  CHECK_FALSE(empty.is_ok());

  // A zip, but not a spreadsheet.
  auto zip_only = equitas::forms::import_xlsform(zip_files({{"readme.txt", "hello"}}));
  CHECK_FALSE(zip_only.is_ok());

  // A workbook part that is not XML.
  auto bad_xml =
      equitas::forms::import_xlsform(zip_files({{"xl/workbook.xml", "<workbook><sheets"}}));
  CHECK_FALSE(bad_xml.is_ok());

  auto missing = equitas::forms::import_xlsform_file("/nonexistent/form.xlsx");
  CHECK_FALSE(missing.is_ok());
}

TEST_CASE("XLSForm: oversized workbooks are refused", "[xlsform]") {
  SECTION("more than 100,000 rows") {
    std::string xml =
        R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)";
    for (int i = 1; i <= 100001; ++i) xml += "<row r=\"" + std::to_string(i) + "\"/>";
    xml += "</sheetData></worksheet>";
    const Bytes b = zip_files(
        {{"xl/workbook.xml",
          R"(<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>)"
          R"(<sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>)"},
         {"xl/_rels/workbook.xml.rels",
          R"(<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)"},
         {"xl/worksheets/sheet1.xml", xml}});
    auto r = equitas::forms::import_xlsform(b);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("100000 rows") != std::string::npos);
  }
  SECTION("a part over 50 MB") {
    std::string xml = R"(<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>)";
    xml += std::string(51u * 1024 * 1024, 'x');
    xml += "</t></is></c></row></sheetData></worksheet>";
    const Bytes b = zip_files(
        {{"xl/workbook.xml",
          R"(<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>)"
          R"(<sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>)"},
         {"xl/_rels/workbook.xml.rels",
          R"(<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>)"},
         {"xl/worksheets/sheet1.xml", xml}});
    CHECK(b.size() < 1024 * 1024);
    auto r = equitas::forms::import_xlsform(b);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("50 MB") != std::string::npos);
  }
}

// The two hostile workbooks of issue #19, small on disk and huge once read.
// Each must be refused after reading a bounded amount (a few tens of MB),
// never after expanding everything it names.
std::string hostile_workbook_xml(const std::string& sheets) {
  return R"(<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>)" +
         sheets + "</sheets></workbook>";
}

// One shared string of `chars` characters, referenced from `cells` cells of the survey sheet.
Bytes shared_string_bomb(std::size_t chars, int cells) {
  std::string sheet = R"(<worksheet><sheetData>)";
  for (int r = 0; r < cells / 128; ++r) {
    sheet += "<row r=\"" + std::to_string(r + 1) + "\">";
    for (int c = 0; c < 128; ++c) sheet += "<c t=\"s\"><v>0</v></c>";
    sheet += "</row>";
  }
  sheet += "</sheetData></worksheet>";
  return zip_files(
      {{"xl/workbook.xml",
        hostile_workbook_xml(R"(<sheet name="survey" sheetId="1" r:id="rId1"/>)")},
       {"xl/_rels/workbook.xml.rels",
        R"(<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)"},
       {"xl/sharedStrings.xml", "<sst><si><t>" + std::string(chars, 'x') + "</t></si></sst>"},
       {"xl/worksheets/sheet1.xml", sheet}});
}

// `entries` sheet entries, named by `name(i)`, all pointing at one part of `mib` MiB.
Bytes one_part_many_sheets(int entries, int mib, const std::function<std::string(int)>& name) {
  std::string sheets;
  for (int i = 0; i < entries; ++i) {
    sheets +=
        "<sheet name=\"" + name(i) + "\" sheetId=\"" + std::to_string(i + 1) + "\" r:id=\"rId1\"/>";
  }
  std::string part = "<worksheet><sheetData>";
  part += std::string(static_cast<std::size_t>(mib) * 1024 * 1024, ' ');
  part += "</sheetData></worksheet>";
  return zip_files(
      {{"xl/workbook.xml", hostile_workbook_xml(sheets)},
       {"xl/_rels/workbook.xml.rels",
        R"(<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/big.xml"/></Relationships>)"},
       {"xl/worksheets/big.xml", part}});
}

std::string refusal(const Bytes& b) {
  auto r = equitas::forms::import_xlsform(b);
  REQUIRE_FALSE(r.is_ok());
  return r.status().message();
}

TEST_CASE("XLSForm: hostile workbooks are refused within bounds (issue #19)", "[xlsform]") {
  SECTION("one 8 MB shared string referenced in 16,384 cells") {
    const Bytes b = shared_string_bomb(8u * 1024 * 1024, 16384);
    CHECK(b.size() < 200 * 1024);
    const std::string m = refusal(b);
    INFO(m);
    CHECK(m.find("sheet 'survey'") != std::string::npos);
    CHECK(m.find("more than 32767 characters") != std::string::npos);
  }
  SECTION("a shared string at Excel's cell limit, in 16,384 cells: the total text is bounded") {
    const Bytes b = shared_string_bomb(32767, 16384);  // 512 MB once expanded
    const std::string m = refusal(b);
    INFO(m);
    CHECK(m.find("cells comes to more than 16 MB") != std::string::npos);
  }
  SECTION("3,000 sheet entries named survey, pointing at one 40 MiB part") {
    const Bytes b = one_part_many_sheets(3000, 40, [](int) { return std::string("survey"); });
    CHECK(b.size() < 200 * 1024);
    const std::string m = refusal(b);
    INFO(m);
    CHECK(m.find("more than 1000 sheets") != std::string::npos);
  }
  SECTION("two sheet entries named survey, pointing at one 40 MiB part: read once") {
    const Bytes b = one_part_many_sheets(2, 40, [](int) { return std::string("survey"); });
    const std::string m = refusal(b);
    INFO(m);
    CHECK(m.find("more than one sheet named 'survey'") != std::string::npos);
  }
  SECTION(
      "survey, choices and settings pointing at one 40 MiB part: the parts read are bounded "
      "together") {
    const Bytes b = one_part_many_sheets(3, 40, [](int i) {
      return std::string(i == 0 ? "survey" : i == 1 ? "choices" : "settings");
    });
    const std::string m = refusal(b);
    INFO(m);
    CHECK(m.find("more than 64 MB in all") != std::string::npos);
  }
  SECTION("the same workbooks in the fuzz corpus are refused") {
    const std::filesystem::path dir =
        std::filesystem::path(EQUITAS_SOURCE_DIR) / "fuzz/corpus/fuzz_xlsform";
    for (const char* name :
         {"regression-hostile-shared-string", "regression-hostile-sheet-entries"}) {
      INFO(name);
      auto r = equitas::forms::import_xlsform_file(dir / name);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().message().find("refused") != std::string::npos);
    }
  }
}

TEST_CASE("XLSForm: an imported form round-trips through JSON", "[xlsform]") {
  const ImportResult r = import_ok(make_xlsx(sample_sheets()));
  REQUIRE(r.form.has_value());
  const std::string json = equitas::forms::save_form_json(*r.form);
  auto back = equitas::forms::load_form_json(json);
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(*back == *r.form);
}

TEST_CASE("XLSForm: corrupted workbooks never crash the importer", "[xlsform]") {
  const Bytes original = make_xlsx(sample_sheets());
  std::mt19937 rng(20240601);
  int statuses = 0;
  int results = 0;
  for (int i = 0; i < 300; ++i) {
    Bytes b = original;
    std::uniform_int_distribution<std::size_t> pos(0, b.size() - 1);
    switch (i % 3) {
      case 0: {  // flip a few bytes
        for (int k = 0; k < 1 + i % 5; ++k)
          b[pos(rng)] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        break;
      }
      case 1:  // truncate
        b.resize(pos(rng));
        break;
      default: {  // overwrite a run
        const std::size_t at = pos(rng);
        for (std::size_t k = at; k < std::min(b.size(), at + 16); ++k)
          b[k] = static_cast<std::uint8_t>(rng());
        break;
      }
    }
    auto r = equitas::forms::import_xlsform(b);
    if (r.is_ok()) {
      ++results;
      if (r->form) CHECK_FALSE(r->has_errors());
    } else {
      ++statuses;
      CHECK_FALSE(r.status().message().empty());
    }
  }
  CHECK(statuses + results == 300);
  CHECK(statuses > 0);

  // Damage inside the zip mostly fails its CRC check, so also damage the XML
  // parts themselves before zipping: that reaches the XML reader and the
  // form mapping.
  const Files files = make_xlsx_files(sample_sheets());
  int forms = 0;
  for (int i = 0; i < 300; ++i) {
    Files f = files;
    auto& [name, data] = f[rng() % f.size()];
    std::uniform_int_distribution<std::size_t> pos(0, data.size() - 1);
    if (i % 4 == 3) {
      data.resize(pos(rng));
    } else {
      for (int k = 0; k < 1 + i % 3; ++k) {
        data[pos(rng)] = "<>&\"'/=x0 :\xC3\xFF"[rng() % 14];
      }
    }
    INFO(name);
    auto r = equitas::forms::import_xlsform(zip_files(f));
    if (r.is_ok() && r->form) {
      ++forms;
      CHECK_FALSE(r->has_errors());
      CHECK(equitas::forms::check_form(*r->form).empty());
    }
  }
  CHECK(forms > 0);
}

namespace {

// The real workbooks (../shared/interop/xlsform beside the checkout, or
// $EQUITAS_INTEROP_DIR).
std::string interop_dir() {
  if (const char* env = std::getenv("EQUITAS_INTEROP_DIR")) return env;
  return std::string(EQUITAS_SOURCE_DIR) + "/../shared/interop/xlsform";
}

}  // namespace

TEST_CASE("XLSForm: the real workbooks in the interop folder", "[xlsform]") {
  const std::string dir = interop_dir();
  if (!std::filesystem::is_directory(dir)) {
    WARN("no interop folder at " << dir << "; skipped");
    return;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".xlsx") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  // What each workbook gives today: "" for converted, else a phrase of the
  // first error. Every refusal is a feature Equitas does not have (choices
  // from attached files, files inside a repeat), which the importer must
  // refuse rather than drop.
  const std::map<std::string, std::string> expected = {
      {"correlaid_mitwirken_umfrage.xlsx", ""},
      {"correlaid_testB.xlsx", ""},
      {"onadata_form_with_unicode_in_relevant_column.xlsx", ""},
      {"onadata_grains.xlsx", ""},
      {"onadata_nested_repeats.xlsx", ""},
      {"onadata_select_one_choices_test.xlsx", ""},
      {"onadata_subdistrict_profiling_tool.xlsx", ""},
      {"onadata_tutorial_arabic_labels.xlsx", ""},
      {"opengisch_service_rating.xlsx", "unknown type 'country'"},
      // Its five CSV files are not in the source repository; the test below
      // publishes it with files of that shape.
      {"pyxform_UCL_Biomass_Plot_Form.xlsx", "'UCL_regions.csv' was not given with the workbook"},
      {"pyxform_case_insensitivity.xlsx", ""},
      {"pyxform_choice_filter_test.xlsx", ""},
      {"pyxform_loop.xlsx", ""},
      {"pyxform_or_other.xlsx", ""},
      {"pyxform_xlsform_spec_test.xlsx", ""},
  };
  int converted = 0;
  for (const auto& path : files) {
    auto r = equitas::forms::import_xlsform_file(path);
    INFO(path.filename().string() << ": " << r.status().to_string());
    REQUIRE(r.is_ok());
    const ImportResult& res = *r;
    std::string line = path.filename().string() + ": ";
    if (res.form) {
      ++converted;
      const auto warnings = res.messages.size();
      line += warnings == 0 ? "converted"
                            : "converted with " + std::to_string(warnings) + " warning(s)";
      const std::string json = equitas::forms::save_form_json(*res.form);
      auto back = equitas::forms::load_form_json(json);
      INFO(back.status().to_string());
      CHECK(back.is_ok());
      if (back.is_ok()) CHECK(*back == *res.form);
    } else {
      CHECK(res.has_errors());
      int errors = 0;
      std::string first;
      for (const auto& m : res.messages) {
        if (m.severity != ImportMessage::Severity::kError) continue;
        if (errors++ == 0) first = m.to_string();
      }
      line += "refused (" + std::to_string(errors) + " error(s)); first: " + first;
    }
    if (auto it = expected.find(path.filename().string()); it != expected.end()) {
      INFO(line);
      if (it->second.empty()) {
        CHECK(res.form.has_value());
      } else {
        CHECK(line.find(it->second) != std::string::npos);
      }
    }
    std::cout << line << "\n";
    if (std::getenv("EQUITAS_XLSFORM_VERBOSE")) {
      for (const auto& m : res.messages) std::cout << "    " << m.to_string() << "\n";
    }
  }
  std::cout << converted << " of " << files.size() << " workbooks converted\n";
  CHECK(files.size() == 15);
  // 11 of 15 convert (8 before image, audio, video and file questions,
  // issue #18). The other 4 each use choices from an attached file
  // (select_one_external, select_one_from_file) or a type that is not
  // XLSForm's ('country'): see `expected`.
  CHECK(converted >= 11);
}

TEST_CASE("XLSForm: a label that is not valid UTF-8 is refused, naming its cell", "[xlsform]") {
  // Found by fuzz_xlsform: such a form was accepted, and its JSON then failed
  // to load anywhere downstream. (Corpus: fuzz/corpus/fuzz_xlsform/regression-*.)
  auto sheets = sample_sheets();
  sheets[0].rows[2][2] = "Age \xC3\x28";
  auto r = equitas::forms::import_xlsform(make_xlsx(sheets));
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.status().message(), Catch::Contains("sheet 'survey', cell C3"));
  CHECK_THAT(r.status().message(), Catch::Contains("not valid UTF-8"));
}

TEST_CASE("XLSForm: loops, repeated names in groups and duplicate choices (issue #19)",
          "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label", "relevant"},
                    {"begin loop over toilet", "loop", "Toilets"},
                    {"integer", "number", "How many %(label)s?"},
                    {"text", "where", "Where are the %(label)s?", "${number} > 0"},
                    {"end loop"},
                    {"begin group", "home", "Home"},
                    {"text", "name", "Name"},
                    {"end group"},
                    {"begin group", "work", "Work"},
                    {"text", "name", "Name"},
                    {"end group"},
                    {"select_one county", "county", "County"}},
                   false,
                   ""};
  SheetSpec choices{"choices",
                    {{"list_name", "name", "label", "state"},
                     {"toilet", "pit", "pit latrines"},
                     {"toilet", "flush", "flush toilets"},
                     {"county", "king", "King", "wa"},
                     {"county", "king", "King", "tx"}},
                    false,
                    ""};
  SheetSpec settings{
      "settings", {{"form_id", "allow_choice_duplicates"}, {"loops", "yes"}}, false, ""};
  const ImportResult r = import_ok(make_xlsx({survey, choices, settings}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  // The loop: a group per choice, the questions renamed, %(label)s filled,
  // and ${number} reading the same choice's copy.
  const Item* loop = f.find("loop");
  REQUIRE(loop != nullptr);
  REQUIRE(loop->items.size() == 2);
  CHECK(loop->items[0].name == "loop_pit");
  CHECK(loop->items[0].label.get("en", "en") == "pit latrines");
  const Item* where = f.find("where_flush");
  REQUIRE(where != nullptr);
  CHECK(where->label.get("en", "en") == "Where are the flush toilets?");
  CHECK(where->relevant.source == "${number_flush} > 0");
  // The second 'name' is renamed after its group, with a warning.
  CHECK(f.find("name") != nullptr);
  CHECK(f.find("work_name") != nullptr);
  CHECK(find_warning(r,
                     "name 'name' is also used in another group; this one (in group 'work') is "
                     "named 'work_name'"));
  // Duplicate choices are kept under allow_choice_duplicates.
  CHECK(f.allow_choice_duplicates);
  CHECK(f.lists.at("county").choices.size() == 2);
  CHECK(find_warning(r, "choice 'king' appears twice in list 'county'"));
  auto a = answers(
      R"({"number_pit": 2, "where_pit": "yard", "number_flush": 0, "name": "A", "work_name": "B",
                       "county": "king"})");
  const auto e = equitas::forms::evaluate(f, a, {});
  INFO(equitas::forms::format_errors(e.errors));
  CHECK(e.ok());
  // The form round-trips through JSON, the flag included.
  auto back = equitas::forms::load_form_json(equitas::forms::save_form_json(f));
  REQUIRE(back.is_ok());
  CHECK(*back == f);
}

TEST_CASE(
    "XLSForm: time and location types (geotrace and geoshape too), rank, range, trigger and "
    "per-response metadata (issue #19)",
    "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label", "parameters"},
                    {"time", "t", "Time"},
                    {"dateTime", "dt", "When"},
                    {"geopoint", "gp", "Where", "capture-accuracy=20 warning-accuracy=50"},
                    {"geotrace", "gt", "Route", "capture-accuracy=5"},
                    {"geoshape", "gs", "Area"},
                    {"barcode", "bc", "Code"},
                    {"rank rk", "rank", "Rank"},
                    {"range", "score", "Score", "start=0 end=10 step=2"},
                    {"trigger", "ok", "OK?"},
                    {"today", "day"},
                    {"deviceid", "device"},
                    {"audit", "audit"}},
                   false,
                   ""};
  SheetSpec choices{
      "choices", {{"list_name", "name", "label"}, {"rk", "a", "A"}, {"rk", "b", "B"}}, false, ""};
  const ImportResult r = import_ok(make_xlsx({survey, choices}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  // time, dateTime and geopoint are types of their own, with pickers; a
  // geopoint's capture-accuracy is the page's accuracy_threshold.
  CHECK(f.find("t")->type == QuestionType::kTime);
  CHECK(f.find("dt")->type == QuestionType::kDateTime);
  CHECK(f.find("gp")->type == QuestionType::kGeopoint);
  CHECK(f.find("gp")->accuracy_threshold == 20);
  // geotrace and geoshape too, with a point list on the page; their
  // capture-accuracy is kept as a geopoint's.
  CHECK(f.find("gt")->type == QuestionType::kGeotrace);
  CHECK(f.find("gt")->accuracy_threshold == 5);
  CHECK(f.find("gs")->type == QuestionType::kGeoshape);
  CHECK_FALSE(f.find("gs")->constraint.present());
  CHECK_FALSE(find_warning(r, "is imported as text in the XForms form"));
  CHECK_FALSE(find_warning(r, "parameters 'capture-accuracy=5' are ignored"));
  CHECK(find_warning(r, "parameter 'warning-accuracy=50' is ignored"));
  CHECK(f.find("bc")->type == QuestionType::kBarcode);
  CHECK_FALSE(find_warning(r, "barcode"));
  CHECK(f.find("rank")->type == QuestionType::kSelectMultiple);
  CHECK(f.find("rank")->rank);
  CHECK_FALSE(f.find("rank")->constraint.present());
  CHECK(f.find("ok")->type == QuestionType::kAcknowledge);
  CHECK(f.find("day")->calculation.source == "once(today())");
  CHECK(f.find("device")->calculation.source == "once(uuid())");
  CHECK(find_warning(r,
                     "deviceid 'device' is a random value per response (once(uuid())), never the "
                     "device's identity"));
  CHECK(find_warning(r, "metadata field 'audit' is not collected"));

  const auto check = [&](const std::string& json) {
    auto a = answers(json);
    equitas::forms::EvalOptions o;
    o.today = "2026-11-23";
    return equitas::forms::evaluate(f, a, o);
  };
  const auto good =
      check(R"({"t": "08:30:00", "dt": "2026-11-23T08:30:00.000+01:00", "gp": "-1.28 36.82 1700 5",
      "gt": "1 2; 3 4", "gs": "0 0; 0 1; 1 1; 0 0", "bc": "978-3", "rank": ["b", "a"], "score": 4, "ok": "OK"})");
  INFO(equitas::forms::format_errors(good.errors));
  CHECK(good.ok());
  CHECK(good.calculated.at("day") == "2026-11-23");
  CHECK(good.calculated.at("device").size() == 36);
  const auto bad =
      check(R"({"t": "8h30", "dt": "2026-11-23", "gp": "Nairobi", "gt": "1 2", "gs": "0 0; 1 1",
      "rank": ["a"], "score": 5})");
  for (const char* path : {"t", "dt", "gp", "gt", "gs", "rank", "score"}) {
    INFO(path);
    CHECK(has_error_at(bad, path));
  }
  // The device id is a value of the response: a second response draws another.
  CHECK(check("{}").calculated.at("device") != check("{}").calculated.at("device"));
}

TEST_CASE("revisable: the settings sheet's and the JSON form's, never with anonymous",
          "[xlsform]") {
  SheetSpec survey{"survey", {{"type", "name", "label"}, {"text", "q", "Q"}}, false, ""};
  SheetSpec settings{"settings", {{"form_id", "revisable"}, {"inspection", "yes"}}, false, ""};
  const ImportResult r = import_ok(make_xlsx({survey, settings}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  CHECK(r.form->revisable);
  auto again = equitas::forms::load_form_json(equitas::forms::save_form_json(*r.form));
  REQUIRE(again.is_ok());
  CHECK(again->revisable);
  // An anonymous form keeps no copy of a response: it cannot be revisable.
  auto both = equitas::forms::load_form_json(
      R"({"id":"x","version":"1","title":{"en":"X"},"anonymous":true,"revisable":true,)"
      R"("items":[{"type":"text","name":"q","label":{"en":"Q"}}]})");
  REQUIRE_FALSE(both.is_ok());
  CHECK_THAT(both.status().message(), Catch::Contains("cannot be revisable"));
}

TEST_CASE("the settings sheet's response_codes makes a form ask for single-use codes",
          "[xlsform]") {
  SheetSpec survey{"survey", {{"type", "name", "label"}, {"text", "q", "Q"}}, false, ""};
  SheetSpec settings{"settings", {{"form_id", "response_codes"}, {"coded", "yes"}}, false, ""};
  const ImportResult r = import_ok(make_xlsx({survey, settings}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  CHECK(r.form->response_codes);
  CHECK_FALSE(find_warning(r, "setting 'response_codes'"));
  auto again = equitas::forms::load_form_json(equitas::forms::save_form_json(*r.form));
  REQUIRE(again.is_ok());
  CHECK(again->response_codes);
}

TEST_CASE("XLSForm: image with max-pixels and body::accept then audio and video and file questions",
          "[xlsform][file]") {
  SheetSpec survey{
      "survey",
      {{"type", "name", "label", "parameters", "body::accept", "required"},
       {"image", "photo", "A photo of the room", "max-pixels=1024", "image/jpeg, .PNG", "yes"},
       {"audio", "voice", "Say it", "quality=voice-only"},
       {"video", "clip", "A clip"},
       {"file", "doc", "The report", "", ".pdf .docx application/vnd.oasis.opendocument.text"},
       {"text", "why", "Why?", "", "image/*"}},
      false,
      ""};
  SheetSpec settings{"settings", {{"form_id", "version"}, {"rooms", "#n:2"}}, false, ""};
  const ImportResult r = import_ok(make_xlsx({survey, settings}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  const Item* photo = f.find("photo");
  REQUIRE(photo != nullptr);
  CHECK(photo->type == QuestionType::kImage);
  CHECK(photo->required_always);
  CHECK(photo->file.max_pixels == 1024);
  CHECK(photo->file.accept == std::vector<std::string>{"image/jpeg", "image/png"});
  CHECK(f.find("voice")->type == QuestionType::kAudio);
  CHECK(f.find("voice")->file == equitas::forms::FileSpec{});
  CHECK(f.find("clip")->type == QuestionType::kVideo);
  const Item* doc = f.find("doc");
  CHECK(doc->type == QuestionType::kFile);
  CHECK(doc->file.accept ==
        std::vector<std::string>{
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.oasis.opendocument.text"});
  // What differs from XLSForm is said, row by row.
  CHECK(find_warning(r, "survey row 2: body::accept '.png' is read as the media type image/png"));
  CHECK(find_warning(
      r, "survey row 5: body::accept '.pdf' is read as the media type application/pdf"));
  CHECK(find_warning(r, "survey row 3: parameter 'quality=voice-only' is ignored"));
  CHECK(find_warning(r, "survey row 6: body::accept 'image/*' is ignored: 'why' takes no file"));
  CHECK_FALSE(find_warning(r, "max-pixels"));
  CHECK_FALSE(find_warning(r, "unknown column"));
  CHECK_FALSE(find_message(r, "unsupported type", ImportMessage::Severity::kError));
  auto again = equitas::forms::load_form_json(equitas::forms::save_form_json(f));
  INFO(again.status().to_string());
  REQUIRE(again.is_ok());
  CHECK(*again == f);
}

TEST_CASE("XLSForm: file questions that cannot be imported are refused on their row",
          "[xlsform][file]") {
  const auto import_rows = [](std::vector<std::vector<std::string>> rows, bool anonymous = false) {
    rows.insert(rows.begin(), {"type", "name", "label", "parameters", "body::accept"});
    SheetSpec survey{"survey", rows, false, ""};
    SheetSpec settings{
        "settings", {{"form_id", "anonymous"}, {"files", anonymous ? "yes" : "no"}}, false, ""};
    return import_ok(make_xlsx({survey, settings}));
  };
  SECTION("an anonymous form asking for a photo") {
    const ImportResult r = import_rows({{"text", "q", "Q"}, {"image", "photo", "A photo"}}, true);
    INFO(all_messages(r));
    CHECK_FALSE(r.form.has_value());
    const ImportMessage* m =
        find_error(r,
                   "an anonymous form cannot ask for files: a photo, a voice or a document "
                   "can identify the respondent");
    REQUIRE(m != nullptr);
    CHECK(m->row == 3);
    // The setting is read: without files, the form is anonymous.
    const ImportResult plain = import_rows({{"text", "q", "Q"}}, true);
    REQUIRE(plain.form.has_value());
    CHECK(plain.form->anonymous);
    CHECK_FALSE(find_warning(plain, "setting 'anonymous'"));
    SheetSpec survey{"survey", {{"type", "name"}, {"text", "q"}}, false, ""};
    SheetSpec unclear{"settings", {{"form_id", "anonymous"}, {"files", "oui"}}, false, ""};
    const ImportResult r2 = import_ok(make_xlsx({survey, unclear}));
    CHECK(find_error(r2, "settings row 2: setting 'anonymous' must be yes or no, not 'oui'"));
  }
  SECTION("a photo in a repeat is a photo per row") {
    const ImportResult r = import_rows(
        {{"begin repeat", "visits", "Visits"}, {"image", "photo", "A photo"}, {"end repeat"}});
    INFO(all_messages(r));
    REQUIRE(r.form);
    CHECK(r.form->find("photo")->type == QuestionType::kImage);
  }
  SECTION("an extension Equitas cannot map, and a bad max-pixels") {
    const ImportResult r = import_rows(
        {{"file", "doc", "Doc", "", ".xyz"}, {"image", "photo", "Photo", "max-pixels=big"}});
    INFO(all_messages(r));
    CHECK_FALSE(r.form.has_value());
    const ImportMessage* ext =
        find_error(r, "body::accept '.xyz': Equitas checks a file's media type, not its name");
    REQUIRE(ext != nullptr);
    CHECK(ext->row == 2);
    const ImportMessage* px =
        find_error(r, "parameter max-pixels must be a whole number of pixels above 0, not 'big'");
    REQUIRE(px != nullptr);
    CHECK(px->row == 3);
  }
  SECTION("a media type that is not one") {
    const ImportResult r = import_rows({{"file", "doc", "Doc", "", "pdf"}});
    const ImportMessage* m = find_error(r, "file accept 'pdf' is not a media type");
    REQUIRE(m != nullptr);
    CHECK(m->row == 2);
  }
  SECTION("max-pixels on audio is ignored with a warning") {
    const ImportResult r = import_rows({{"audio", "voice", "Voice", "max-pixels=800"}});
    INFO(all_messages(r));
    REQUIRE(r.form.has_value());
    CHECK(find_warning(r, "survey row 2: parameter 'max-pixels=800' is ignored"));
    CHECK(r.form->find("voice")->file.max_pixels == 0);
  }
}

namespace {

using Attachments = std::map<std::string, std::string>;

equitas::forms::AttachmentReader reader_of(const Attachments& files) {
  return [&files](const std::string& name) -> equitas::Result<std::optional<Bytes>> {
    auto it = files.find(name);
    if (it == files.end()) return std::optional<Bytes>();
    return std::optional<Bytes>(Bytes(it->second.begin(), it->second.end()));
  };
}

ImportResult import_with(const std::vector<SheetSpec>& sheets, const Attachments& files) {
  auto r = equitas::forms::import_xlsform(make_xlsx(sheets), "sites.xlsx", reader_of(files));
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

std::vector<SheetSpec> file_sheets() {
  SheetSpec survey{
      "survey",
      {{"type", "name", "label::English (en)", "label::Français (fr)", "choice_filter",
        "calculation"},
       {"select_one_from_file regions.csv", "region", "Region", "Région"},
       {"select_one_from_file posts.csv", "post", "Post", "Poste", "region=${region}"},
       {"select_multiple_from_file lanes.xml", "lanes", "Lanes", "Voies"},
       {"calculate", "post_phone", "", "", "", "pulldata('posts', 'phone', 'name', ${post})"},
       {"calculate", "tariff", "", "", "", "pulldata('tariffs', 'rate', 'code', 'HS01')"},
       {"calculate", "post_count", "", "", "",
        "count(instance('posts')/root/item[region = ${region}])"}},
      false,
      ""};
  SheetSpec settings{"settings", {{"form_id", "version"}, {"sites", "1"}}, false, ""};
  return {survey, settings};
}

Attachments site_files() {
  return {
      // Excel writes a BOM; a quoted field holds a comma and a doubled quote.
      {"regions.csv",
       "\xEF\xBB\xBFname,label::English (en),label::Français (fr)\r\n"
       "north,\"North, upper \"\"N\"\"\",Nord\r\nsouth,South,Sud\r\n"},
      {"posts.csv",
       "name,label,region,phone\nn1,Post N1,north,+100\nn2,Post N2,north,+101\ns1,Post "
       "S1,south,+200\n"},
      {"lanes.xml",
       "<?xml version=\"1.0\"?><root><item><name>green</name><label>Green lane</label></item>"
       "<item><name>red</name><label>Red lane</label><kind>inspect</kind></item></root>"},
      {"tariffs.csv", "code,rate\nHS01,5\nHS02,12\n"},
  };
}

}  // namespace

TEST_CASE(
    "XLSForm: select_one_from_file and pulldata read CSV and XML files published with the form",
    "[xlsform][attachments]") {
  const Attachments files = site_files();
  const ImportResult r = import_with(file_sheets(), files);
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  // Each file is a list named as the file without its extension, its source
  // recorded, its rows inside the (signed) definition.
  REQUIRE(f.lists.count("regions"));
  REQUIRE(f.lists.count("posts"));
  REQUIRE(f.lists.count("lanes"));
  REQUIRE(f.lists.count("tariffs"));  // read only by pulldata
  CHECK(f.lists.at("regions").source == "regions.csv");
  CHECK(f.lists.at("lanes").source == "lanes.xml");
  CHECK(f.lists.at("tariffs").source == "tariffs.csv");
  const auto& north = f.lists.at("regions").choices.at(0);
  CHECK(north.name == "north");
  CHECK(north.label.get("en", "en") == "North, upper \"N\"");
  CHECK(north.label.get("fr", "en") == "Nord");
  CHECK(f.lists.at("posts").choices.at(2).filters.at("region") == "south");
  CHECK(f.lists.at("lanes").choices.at(1).filters.at("kind") == "inspect");
  const Item* region = f.find("region");
  REQUIRE(region != nullptr);
  CHECK(region->type == QuestionType::kSelectOne);
  CHECK(region->list == "regions");
  CHECK(f.find("lanes")->type == QuestionType::kSelectMultiple);

  // The cascade, pulldata and instance() over the files, evaluated as the
  // collector and the server evaluate them.
  equitas::forms::EvalOptions opts;
  opts.today = "2026-12-03";
  auto a = answers(R"({"region": "north", "post": "n2", "lanes": ["red"]})");
  auto e = equitas::forms::evaluate(f, a, opts);
  INFO(equitas::forms::format_errors(e.errors));
  CHECK(e.ok());
  CHECK(e.choices.at("post") == std::vector<std::string>{"n1", "n2"});
  CHECK(a.at("post_phone").as_string() == "+101");
  CHECK(a.at("tariff").as_string() == "5");
  CHECK(a.at("post_count").as_string() == "2");
  auto wrong = answers(R"({"region": "north", "post": "s1"})");
  e = equitas::forms::evaluate(f, wrong, opts);
  CHECK(has_error_at(e, "post"));

  // The definition keeps where each list came from.
  const std::string json = equitas::forms::save_form_json(f);
  CHECK(json.find("\"list_sources\"") != std::string::npos);
  auto back = equitas::forms::load_form_json(json);
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(*back == f);
}

TEST_CASE(
    "XLSForm: files a workbook names that are missing, malformed or too large are refused on their "
    "row",
    "[xlsform][attachments]") {
  const auto sheets = file_sheets();
  SECTION("a missing file names itself and how to give it") {
    Attachments files = site_files();
    files.erase("posts.csv");
    const ImportResult r = import_with(sheets, files);
    CHECK_FALSE(r.form.has_value());
    const ImportMessage* m = find_error(r, "'posts.csv' was not given with the workbook");
    REQUIRE(m != nullptr);
    CHECK(m->row == 3);
    CHECK(m->to_string().find("--attach") != std::string::npos);
    // Said once: not again as an unknown list or instance.
    CHECK_FALSE(find_error(r, "unknown choice list"));
    CHECK_FALSE(find_error(r, "has no choice list 'posts'"));
  }
  SECTION("pulldata of a file nobody gave") {
    Attachments files = site_files();
    files.erase("tariffs.csv");
    const ImportResult r = import_with(sheets, files);
    CHECK_FALSE(r.form.has_value());
    CHECK(find_error(r, "reads instance('tariffs'), but the form has no choice list 'tariffs'"));
  }
  SECTION("an unclosed quote, stray quotes and bad UTF-8") {
    for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
             {"name,label\nn1,\"Post\n",
              "posts.csv: a quoted field is not closed before the end of the file"},
             {"name,label\nn1,Po\"st\n", "posts.csv line 2: a quote inside a field"},
             {"name,label\nn1,\"Post\"x\n", "posts.csv line 2: text after a closing quote"},
             {"name,label\nn1,\xC3(\n", "posts.csv: the file is not UTF-8 text"},
             {"label\nPost\n", "the file needs a 'name' column"},
             {"name,label\n", "'posts.csv' has no rows"}}) {
      Attachments files = site_files();
      files["posts.csv"] = text;
      const ImportResult r = import_with(sheets, files);
      INFO(text << "\n" << all_messages(r));
      CHECK_FALSE(r.form.has_value());
      CHECK(find_error(r, why));
    }
  }
  SECTION("an XML file that is not a list of items") {
    Attachments files = site_files();
    files["lanes.xml"] = "<root><item><name>a</name></item><row/></root>";
    CHECK(find_error(import_with(sheets, files),
                     "lanes.xml: <root> holds <item> elements, not <row>"));
    files["lanes.xml"] = "<root><item>";
    CHECK(find_error(import_with(sheets, files), "lanes.xml: not well-formed XML"));
  }
  SECTION("a file larger than a form may carry, and too many rows") {
    Attachments files = site_files();
    files["posts.csv"] = "name,label\n" + std::string(9u << 20, 'x') + ",y\n";
    CHECK(find_error(import_with(sheets, files),
                     "'posts.csv': the files published with a form may hold at most 8 MiB"));
    std::string many = "name,label\n";
    for (int i = 0; i < 100001; ++i) many += "p" + std::to_string(i) + ",P\n";
    files["posts.csv"] = many;
    CHECK(find_error(import_with(sheets, files), "posts.csv: more than 100000 rows"));
  }
  SECTION("a name that is not a plain file name") {
    auto bad = sheets;
    bad[0].rows[1][0] = "select_one_from_file ../secrets.csv";
    const ImportResult r = import_with(bad, site_files());
    CHECK(find_error(r, "'../secrets.csv': a file's name must be letters"));
    bad[0].rows[1][0] = "select_one_from_file regions.txt";
    CHECK(find_error(import_with(bad, site_files()), "must name one .csv or .xml file"));
    bad[0].rows[1][0] = "select_one_from_file regions.csv";
    bad[0].rows[1].resize(7);
    bad[0].rows[0].push_back("parameters");
    bad[0].rows[1][6] = "value=code";
    CHECK(find_error(import_with(bad, site_files()), "parameters 'value=code'"));
  }
}

TEST_CASE("XLSForm: import_xlsform_file finds the files beside the workbook or in --attach folders",
          "[xlsform][attachments]") {
  equitas::test::TempDir dir;
  const auto book = dir.path() / "sites.xlsx";
  {
    const Bytes b = make_xlsx(file_sheets());
    std::ofstream(book, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  const auto write = [](const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  };
  const Attachments files = site_files();
  for (const auto& [name, text] : files) {
    if (name != "posts.csv") write(dir.path() / name, text);
  }
  auto r = equitas::forms::import_xlsform_file(book);
  REQUIRE(r.is_ok());
  CHECK(find_error(*r, "'posts.csv' was not given"));
  write(dir.path() / "lists" / "posts.csv", files.at("posts.csv"));
  r = equitas::forms::import_xlsform_file(book, {dir.path() / "lists"});
  REQUIRE(r.is_ok());
  INFO(all_messages(*r));
  REQUIRE(r->form.has_value());
  CHECK(r->form->lists.at("posts").choices.size() == 3);
  // A file named directly wins over the one beside the workbook.
  write(dir.path() / "other" / "regions.csv", "name,label\neast,East\n");
  r = equitas::forms::import_xlsform_file(
      book, {dir.path() / "other" / "regions.csv", dir.path() / "lists"});
  REQUIRE(r.is_ok());
  REQUIRE(r->form.has_value());
  CHECK(r->form->lists.at("regions").choices.at(0).name == "east");
}

TEST_CASE(
    "XLSForm: select_one_external reads the external_choices sheet, and osm is a file question",
    "[xlsform][attachments]") {
  SheetSpec survey{"SURVEY",
                   {{"TYPE", "NAME", "LABEL", "CHOICE_FILTER"},
                    {"select_one c1", "q1", "Good?"},
                    {"select_one_external c1", "q2", "Where?", "yes_no=${q1}"},
                    {"select_multiple_external places", "q3", "Places"},
                    {"osm c1", "q4", "Where exactly?"}},
                   false,
                   ""};
  SheetSpec choices{"choices",
                    {{"list_name", "name", "label"}, {"c1", "yes", "Yes"}, {"c1", "no", "No"}},
                    false,
                    ""};
  SheetSpec external{"EXTERNAL_CHOICES",
                     {{"list_name", "name", "label", "yes_no"},
                      {"c1", "here", "Here", "yes"},
                      {"c1", "there", "There", "no"},
                      {"places", "a", "A"},
                      {"places", "b", "B"}},
                     false,
                     ""};
  const ImportResult r = import_ok(make_xlsx({survey, choices, external}));
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  // The two sheets keep their lists apart, as XLSForm does.
  CHECK(f.find("q1")->list == "c1");
  CHECK(f.find("q2")->list == "c1_external");
  CHECK(f.lists.at("c1_external").source == "external_choices:c1");
  CHECK(f.lists.at("c1_external").choices.at(0).name == "here");
  CHECK(f.lists.at("places").source == "external_choices");
  CHECK(f.find("q3")->type == QuestionType::kSelectMultiple);
  CHECK(find_warning(r, "list 'c1' is in both the choices and the external_choices sheets"));
  CHECK(f.find("q4")->type == QuestionType::kFile);
  CHECK(find_warning(r, "osm 'q4' is imported as a file question"));
  equitas::forms::EvalOptions opts;
  opts.today = "2026-12-03";
  auto a = answers(R"({"q1": "yes", "q2": "here"})");
  auto e = equitas::forms::evaluate(f, a, opts);
  INFO(equitas::forms::format_errors(e.errors));
  CHECK(e.ok());
  CHECK(e.choices.at("q2") == std::vector<std::string>{"here"});

  // Without the sheet, the question says what it needs.
  const ImportResult missing = import_ok(make_xlsx({survey, choices}));
  CHECK(find_error(missing, "select_one_external needs an external_choices sheet with list 'c1'"));
}

TEST_CASE("XLSForm: the UCL forestry form publishes with its five CSV files",
          "[xlsform][attachments]") {
  const std::filesystem::path book =
      std::filesystem::path(interop_dir()) / "pyxform_UCL_Biomass_Plot_Form.xlsx";
  if (!std::filesystem::exists(book)) {
    WARN("no " << book << "; skipped");
    return;
  }
  // Files of the shape the form reads (its cascade columns region_id,
  // district_id, village and plant_phase); the originals were never
  // published with the workbook.
  equitas::test::TempDir files;
  const std::map<std::string, std::string> csv = {
      {"UCL_regions.csv",
       "name,label::English (en),label::Swahili (sw)\nr1,Region one,Mkoa moja\nr2,Region two,Mkoa "
       "mbili\n"},
      {"UCL_districts.csv", "name,label,region_id\nd1,District 1,r1\nd2,District 2,r2\n"},
      {"UCL_villages.csv", "name,label,district_id\nv1,Village 1,d1\nv2,Village 2,d2\n"},
      {"ULC_Biomass_Plots.csv", "name,label,village,plant_phase\np1,Plot 1,v1,1\np2,Plot 2,v2,2\n"},
      {"species_names.csv", "name,label\nacacia,Acacia nilotica\nother,Other\n"},
  };
  for (const auto& [name, text] : csv) std::ofstream(files.path() / name, std::ios::binary) << text;
  auto r = equitas::forms::import_xlsform_file(book, {files.path()});
  REQUIRE(r.is_ok());
  INFO(all_messages(*r));
  // Every file is read, and the photos inside its repeats (one per tree)
  // are photos per row: the form publishes.
  CHECK_FALSE(r->has_errors());
  REQUIRE(r->form);
  int photos_in_rows = 0;
  r->form->walk([&](const equitas::forms::Item& it,
                    const std::vector<const equitas::forms::Item*>& parents) {
    const bool in_repeat =
        std::any_of(parents.begin(), parents.end(),
                    [](const equitas::forms::Item* p) { return p->type == QuestionType::kRepeat; });
    if (in_repeat && equitas::forms::is_file_question(it)) ++photos_in_rows;
    return true;
  });
  CHECK(photos_in_rows == 2);
}

TEST_CASE(
    "XLSForm: randomize=true and seed order a select's choices as pyxform reads them (issue #19)",
    "[xlsform]") {
  SheetSpec survey{"survey",
                   {{"type", "name", "label", "parameters", "calculation"},
                    {"calculate", "s", "", "", "once(int(random() * 1000000))"},
                    {"select_one l", "seeded", "Seeded", "randomize=true seed=${s}"},
                    {"select_multiple l", "plain", "Plain", "randomize=True"},
                    {"select_one l", "fixed", "Fixed", "randomize=false"},
                    {"select_one l", "number", "Number", "randomize=true;seed=42"},
                    {"select_one_from_file sites.csv", "site", "Site", "randomize=true"}},
                   false,
                   ""};
  SheetSpec choices{
      "choices", {{"list_name", "name", "label"}, {"l", "a", "A"}, {"l", "b", "B"}}, false, ""};
  const ImportResult r = import_with({survey, choices}, {{"sites.csv", "name,label\nx,X\ny,Y\n"}});
  INFO(all_messages(r));
  REQUIRE(r.form.has_value());
  const Form& f = *r.form;
  CHECK(f.find("seeded")->randomize);
  CHECK(f.find("seeded")->seed.source == "${s}");
  CHECK(f.find("plain")->randomize);
  CHECK_FALSE(f.find("plain")->seed.present());
  CHECK_FALSE(f.find("fixed")->randomize);
  CHECK(f.find("number")->seed.source == "42");
  CHECK(f.find("site")->randomize);
  CHECK_FALSE(find_message(r, "parameter", ImportMessage::Severity::kWarning));

  // A seed without randomize, a seed that is neither a number nor a
  // question, and a randomize that is not true or false are refused on
  // their row; another parameter on a select is a warning.
  SheetSpec bad{"survey",
                {{"type", "name", "label", "parameters"},
                 {"select_one l", "q1", "Q1", "seed=5"},
                 {"select_one l", "q2", "Q2", "randomize=true seed=now()"},
                 {"select_one l", "q3", "Q3", "randomize=maybe"},
                 {"select_one l", "q4", "Q4", "randomize=true columns=2"},
                 {"select_one_from_file sites.csv", "q5", "Q5", "value=code"}},
                false,
                ""};
  const ImportResult b = import_with({bad, choices}, {{"sites.csv", "name,label\nx,X\n"}});
  INFO(all_messages(b));
  CHECK_FALSE(b.form.has_value());
  CHECK(find_error(b, "survey row 2: parameter seed orders a randomized list: add randomize=true"));
  CHECK(find_error(
      b, "survey row 3: parameter seed must be a number or a question (seed=${x}), not 'now()'"));
  CHECK(find_error(b, "survey row 4: parameter randomize must be true or false, not 'maybe'"));
  CHECK(find_warning(b, "survey row 5: parameter 'columns=2' is ignored"));
  CHECK(find_error(b,
                   "survey row 6: parameters 'value=code' of 'select_one_from_file sites.csv' are "
                   "not supported"));
}
