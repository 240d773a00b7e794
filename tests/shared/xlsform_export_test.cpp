// XLSForm export (forms/xlsform_export.hpp): a workbook the importer reads
// back to the same definition, for every bundled form, for a form with
// every construct Equitas has, and for the real workbooks of the interop
// folder; what cannot be carried is named.
#include "equitas/forms/xlsform_export.hpp"

#include <xlsxwriter.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "equitas/forms/form_json.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/forms/xlsform.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace {

using equitas::forms::Form;
using equitas::forms::ImportResult;
using equitas::test::TempDir;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string messages(const ImportResult& r) {
  std::string out;
  for (const auto& m : r.messages) out += m.to_string() + "\n";
  return out;
}

// Exports `form` to `book` and imports the workbook back from its folder.
Form round_trip(const Form& form, const std::filesystem::path& book) {
  auto done = equitas::forms::export_xlsform_file(form, book);
  INFO(form.id << " " << form.version << ": " << done.status().to_string());
  REQUIRE(done.is_ok());
  INFO(joined(done->notes));
  CHECK(done->exact());
  auto back = equitas::forms::import_xlsform_file(book);
  REQUIRE(back.is_ok());
  INFO(messages(*back));
  REQUIRE(back->form.has_value());
  return *back->form;
}

Form load(const std::string& json) {
  auto f = equitas::forms::load_form_json(json);
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  return *f;
}

// Every construct the form model has: each item type, groups and a repeat
// (with a repeat_count), or_other, choice_filter, file limits, a likert
// scale, GEOAT points and score refs, an indicator, two languages, and lists
// from the external_choices sheet, a CSV file and an XML file.
constexpr const char* kEveryConstruct = R"json({
  "id": "every-construct", "version": "2026.1-x",
  "title": {"en": "Every construct", "fr": "Toutes les constructions"},
  "description": {"en": "A test form", "fr": "Un formulaire d'essai"},
  "default_language": "en", "languages": ["en", "fr"],
  "response_codes": true, "revisable": true, "suppression_threshold": 7,
  "lists": {
    "agree": [{"name": "1", "label": {"en": "Disagree", "fr": "Pas d'accord"}, "polarity": "negative"},
              {"name": "3", "label": {"en": "Neither", "fr": "Ni l'un ni l'autre"}, "polarity": "neutral"},
              {"name": "5", "label": {"en": "Agree", "fr": "D'accord"}, "polarity": "positive"},
              {"name": "dk", "label": {"en": "Don't know", "fr": "Ne sait pas"}, "exclude": true}],
    "status": [{"name": "0", "label": {"en": "None", "fr": "Aucun"}, "points": 0},
               {"name": "h", "label": {"en": "Half", "fr": "Moitié"}, "points": 2.5}],
    "yesno": [{"name": "yes", "label": {"en": "Yes", "fr": "Oui"}}, {"name": "no", "label": {"en": "No", "fr": "Non"}}],
    "cities": [{"name": "a", "label": {"en": "Alpha", "fr": "Alpha"}, "filters": {"region": "north", "size": "1"}},
               {"name": "b", "label": {"en": "Beta", "fr": "Bêta"}, "filters": {"region": "south"}}],
    "regions": [{"name": "north", "label": {"en": "North, upper", "fr": "Nord \"haut\""}},
                {"name": "south", "label": {"en": "South", "fr": "Sud"}, "polarity": "positive"}],
    "sites": [{"name": "s1", "label": {"en": "Site <one> & co", "fr": "Site un"}, "filters": {"region": "north"}},
              {"name": "s2", "label": {"en": "Site two", "fr": "Site deux"}, "filters": {"region": "south"}}],
    "ports": [{"name": "dili", "label": {"en": "Dili", "fr": "Dili"}, "filters": {"country": "tl"}},
              {"name": "suai", "label": {"en": "Suai", "fr": "Suai"}, "filters": {"country": "tl"}}],
    "yesno_external": [{"name": "y", "label": {"en": "Y", "fr": "O"}}, {"name": "n", "label": {"en": "N", "fr": "N"}}]
  },
  "list_sources": {"regions": "regions.csv", "sites": "sites.xml", "ports": "external_choices",
                   "yesno_external": "external_choices:yesno"},
  "items": [
    {"type": "note", "name": "intro", "label": {"en": "Hello\nthere", "fr": "Bonjour"}, "hint": {"en": "Read", "fr": "Lire"}},
    {"type": "acknowledge", "name": "consent", "label": {"en": "I agree", "fr": "J'accepte"}, "required": true,
     "required_message": {"en": "Needed", "fr": "Requis"}},
    {"type": "text", "name": "t", "label": {"en": "Text", "fr": "Texte"}, "per_site": true, "constraint": "string-length(.) < 50",
     "constraint_message": {"en": "Too long", "fr": "Trop long"}, "default": "none", "appearance": "multiline"},
    {"type": "integer", "name": "age", "label": {"en": "Age", "fr": "Âge"}, "required": "${t} != ''",
     "relevant": "${consent} = 'true'"},
    {"type": "decimal", "name": "dec", "label": {"en": "Decimal", "fr": "Décimal"}, "read_only": true,
     "constraint": "((. >= 0 and . <= 10) or (. <= 0 and . >= 10)) and (0.5 = 0 or round((. - 0) mod 0.5, 9) = 0)"},
    {"type": "date", "name": "d", "label": {"en": "Date", "fr": "Date"}},
    {"type": "time", "name": "tm", "label": {"en": "Time", "fr": "Heure"}},
    {"type": "datetime", "name": "dtm", "label": {"en": "When", "fr": "Quand"}},
    {"type": "geopoint", "name": "where", "label": {"en": "Where", "fr": "Où"}, "accuracy_threshold": 12.5},
    {"type": "geotrace", "name": "route", "label": {"en": "Route", "fr": "Trajet"}, "accuracy_threshold": 8},
    {"type": "geoshape", "name": "plot", "label": {"en": "Plot", "fr": "Parcelle"}},
    {"type": "barcode", "name": "seal", "label": {"en": "Seal", "fr": "Scellé"}},
    {"type": "select_multiple", "name": "priorities", "label": {"en": "Rank", "fr": "Classez"}, "list": "yesno",
     "rank": true},
    {"type": "select_one", "name": "sex", "label": {"en": "Sex", "fr": "Sexe"}, "list": "yesno", "or_other": true,
     "breakdown": true},
    {"type": "select_multiple", "name": "many", "label": {"en": "Cities", "fr": "Villes"}, "list": "cities",
     "choice_filter": "region = 'north'", "randomize": true, "seed": "${age}"},
    {"type": "select_one", "name": "shuffled", "label": {"en": "Any order", "fr": "Tout ordre"}, "list": "yesno",
     "randomize": true},
    {"type": "likert", "name": "lk", "label": {"en": "Proud", "fr": "Fier"}, "list": "agree"},
    {"type": "calculate", "name": "c", "label": {"en": "Agrees", "fr": "D'accord"}, "calculation": "if(${lk} = '5', 'yes', 'no')",
     "indicator": true, "list": "yesno"},
    {"type": "calculate", "name": "started", "calculation": "once(today())"},
    {"type": "group", "name": "g", "label": {"en": "Places", "fr": "Lieux"}, "relevant": "${t} != ''",
     "appearance": "field-list", "items": [
      {"type": "select_one", "name": "region", "label": {"en": "Region", "fr": "Région"}, "list": "regions"},
      {"type": "select_one", "name": "site", "label": {"en": "Site", "fr": "Site"}, "list": "sites",
       "choice_filter": "region = ${region}"},
      {"type": "select_multiple", "name": "port", "label": {"en": "Port", "fr": "Port"}, "list": "ports",
       "choice_filter": "country = 'tl'"},
      {"type": "select_one", "name": "yn2", "label": {"en": "Y/N", "fr": "O/N"}, "list": "yesno_external"},
      {"type": "select_one", "name": "x_a_1", "label": {"en": "Status", "fr": "Statut"}, "list": "status",
       "score": {"principle": "P1", "element": "P1.A", "indicator": "P1.A.1"}},
      {"type": "group", "name": "inner", "items": [{"type": "text", "name": "deep"}]}]},
    {"type": "repeat", "name": "plan", "label": {"en": "Plan", "fr": "Plan"}, "constraint": "count(${plan}) = (2)",
     "constraint_message": {"en": "Two rows", "fr": "Deux lignes"}, "items": [
      {"type": "text", "name": "objective", "label": {"en": "Objective", "fr": "Objectif"}}]},
    {"type": "image", "name": "photo", "label": {"en": "Photo", "fr": "Photo"},
     "file": {"accept": ["image/JPEG"], "max_pixels": 1024, "max_bytes": 2000000}},
    {"type": "audio", "name": "voice", "label": {"en": "Voice", "fr": "Voix"}},
    {"type": "video", "name": "clip", "label": {"en": "Clip", "fr": "Clip"}, "file": {"max_files": 2}},
    {"type": "file", "name": "evidence", "label": {"en": "Evidence", "fr": "Preuve"},
     "file": {"accept": ["application/pdf", "image/*"], "max_pixels": 800, "max_files": 3}}
  ]})json";

using Rows = std::vector<std::vector<std::string>>;

// A workbook of text cells, as a person would type it.
void write_book(const std::filesystem::path& path,
                const std::vector<std::pair<std::string, Rows>>& sheets) {
  lxw_workbook* wb = workbook_new(path.c_str());
  REQUIRE(wb != nullptr);
  for (const auto& [name, rows] : sheets) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        if (!rows[r][c].empty())
          worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
                                 rows[r][c].c_str(), nullptr);
      }
    }
  }
  REQUIRE(workbook_close(wb) == LXW_NO_ERROR);
}

}  // namespace

TEST_CASE(
    "XLSForm import: wrong equitas_ values are errors on their row and unknown equitas_ columns "
    "are ignored",
    "[xlsform][export]") {
  TempDir tmp;
  write_book(
      tmp / "book.xlsx",
      {{"survey",
        {{"type", "name", "label", "equitas_likert", "equitas_max_files", "equitas_polarity"},
         {"select_one yn", "q1", "Q1", "yes"},
         {"text", "q2", "Q2", "yes"},
         {"file", "f", "F", "", "many"},
         {"select_one yn", "q3", "Q3", "perhaps"}}},
       {"choices",
        {{"list_name", "name", "label", "equitas_polarity", "equitas_points", "equitas_breakdown",
          "equitas_colour"},
         {"yn", "y", "Yes", "good", "", "yes", "red"},
         {"yn", "n", "No", "negative", "two"}}},
       {"settings",
        {{"form_id", "equitas_suppression_threshold", "equitas_flavour"}, {"x", "0", "mint"}}}});
  auto r = equitas::forms::import_xlsform_file(tmp / "book.xlsx");
  REQUIRE(r.is_ok());
  const std::string m = messages(*r);
  INFO(m);
  CHECK_FALSE(r->form.has_value());
  CHECK_THAT(m, Catch::Contains(
                    "error: survey row 3: equitas_likert is for select_one questions, not 'q2'"));
  CHECK_THAT(m, Catch::Contains(
                    "error: survey row 4: equitas_max_files must be a whole number, not 'many'"));
  CHECK_THAT(
      m, Catch::Contains("error: survey row 5: equitas_likert must be yes or no, not 'perhaps'"));
  CHECK_THAT(m, Catch::Contains("warning: survey row 1: column 'equitas_polarity' is ignored"));
  CHECK_THAT(m, Catch::Contains("error: choices row 2: equitas_polarity must be positive, neutral "
                                "or negative, not 'good'"));
  CHECK_THAT(m,
             Catch::Contains("error: choices row 3: equitas_points must be a number, not 'two'"));
  CHECK_THAT(m, Catch::Contains("warning: choices row 1: column 'equitas_breakdown' is ignored"));
  CHECK_THAT(m, Catch::Contains("warning: choices row 1: column 'equitas_colour' is ignored"));
  CHECK_THAT(m, Catch::Contains("error: settings row 2: setting 'equitas_suppression_threshold' "
                                "must be a whole number from 1 to 1000"));
  CHECK_THAT(
      m, Catch::Contains("warning: settings row 2: setting 'equitas_flavour' ('mint') is ignored"));
}

TEST_CASE(
    "XLSForm export: every bundled form and previous edition imports back to an equal definition",
    "[xlsform][export]") {
  auto library = equitas::forms::FormLibrary::with_bundled();
  REQUIRE(library.is_ok());
  TempDir tmp;
  int forms = 0;
  for (const auto& e : library->entries()) {
    const Form& f = *e.form;
    const Form back = round_trip(f, tmp / (f.id + "-" + f.version + ".xlsx"));
    INFO(f.id << " " << f.version);
    CHECK(back == f);
    ++forms;
  }
  // staff-climate, geoat-2023 and the two integrity perception surveys at least.
  CHECK(forms >= 4);
}

TEST_CASE(
    "XLSForm export: a form with every construct round-trips with its list files beside the "
    "workbook",
    "[xlsform][export]") {
  const Form f = load(kEveryConstruct);
  TempDir tmp;
  auto done = equitas::forms::export_xlsform_file(f, tmp / "every.xlsx");
  REQUIRE(done.is_ok());
  INFO(joined(done->notes));
  CHECK(done->exact());
  CHECK(done->files == std::vector<std::filesystem::path>{tmp / "every.xlsx", tmp / "regions.csv",
                                                          tmp / "sites.xml"});
  // The files are what select_one_from_file reads: a CSV with a header row
  // (quoted where a label holds a comma or quotes), an XML list of items.
  const std::string csv = read_text(tmp / "regions.csv");
  CHECK(csv.rfind("name,label::English (en),label::French (fr),equitas_polarity\r\n", 0) == 0);
  CHECK_THAT(csv, Catch::Contains("north,\"North, upper\",\"Nord \"\"haut\"\"\",\r\n"));
  const std::string xml = read_text(tmp / "sites.xml");
  CHECK_THAT(xml, Catch::Contains("<label::en>Site &lt;one&gt; &amp; co</label::en>"));
  CHECK_THAT(xml, Catch::Contains("<region>north</region>"));

  // Imported from its folder, the workbook is the same definition; the
  // JSON of both says so too (every field the format writes).
  const Form back = round_trip(f, tmp / "every.xlsx");
  CHECK(back == f);
  CHECK(equitas::forms::save_form_json(back) == equitas::forms::save_form_json(f));
  CHECK(back.lists.at("yesno_external").source == "external_choices:yesno");
  CHECK(back.find("lk")->type == equitas::forms::QuestionType::kLikert);
  CHECK(back.find("route")->type == equitas::forms::QuestionType::kGeotrace);
  CHECK(back.find("route")->accuracy_threshold == 8);
  CHECK(back.find("plot")->type == equitas::forms::QuestionType::kGeoshape);
  CHECK(back.find("evidence")->file.max_pixels == 800);

  // Without the files beside it, the workbook says what it needs.
  std::filesystem::remove(tmp / "regions.csv");
  auto missing = equitas::forms::import_xlsform_file(tmp / "every.xlsx");
  REQUIRE(missing.is_ok());
  CHECK_FALSE(missing->form.has_value());
  CHECK_THAT(messages(*missing), Catch::Contains("'regions.csv' was not given with the workbook"));
}

TEST_CASE("XLSForm export: what a workbook cannot carry is named in the notes",
          "[xlsform][export]") {
  // A group's constraint and required, or_other on a list from the
  // external_choices sheet, a label with a space at its end and a list from
  // a file that no question selects from.
  const Form f = load(R"json({
    "id": "lossy", "version": "1", "title": {"en": "Lossy"},
    "lists": {"ext": [{"name": "a", "label": {"en": "A"}}],
              "unused": [{"name": "x", "label": {"en": "X"}}],
              "other": [{"name": "o", "label": {"en": "O"}}]},
    "list_sources": {"ext": "external_choices", "unused": "unused.csv"},
    "items": [
      {"type": "group", "name": "g", "required": true, "constraint": "${q} != 'a'", "items": [
        {"type": "select_one", "name": "q", "label": {"en": "Q "}, "list": "ext", "or_other": true}]},
      {"type": "text", "name": "t", "choice_filter": "true()"},
      {"type": "select_one", "name": "r", "list": "other", "randomize": true, "seed": "${t} + 1"}]})json");
  TempDir tmp;
  auto done = equitas::forms::export_xlsform_file(f, tmp / "lossy.xlsx");
  REQUIRE(done.is_ok());
  const std::string notes = joined(done->notes);
  INFO(notes);
  CHECK_FALSE(done->exact());
  CHECK_THAT(notes, Catch::Contains("group 'g': required, constraint not written"));
  CHECK_THAT(notes, Catch::Contains("'q': or_other is not written"));
  CHECK_THAT(notes, Catch::Contains("'t': its choice_filter is written, but is ignored on import"));
  CHECK_THAT(notes,
             Catch::Contains(
                 "list 'unused' (from unused.csv) is written, but no question selects from it"));
  CHECK_THAT(notes, Catch::Contains("'r': its seed ${t} + 1 is not written"));
  // The second import finds each difference, the trimmed label included.
  CHECK_THAT(notes, Catch::Contains("importing the workbook gives a different definition"));
  CHECK_THAT(notes,
             Catch::Contains("items['g'].constraint: \"${q} != 'a'\" written, absent read back"));
  CHECK_THAT(notes,
             Catch::Contains("items['g'].items['q'].label.en: \"Q \" written, \"Q\" read back"));
  // The workbook is still written, and imports.
  auto back = equitas::forms::import_xlsform_file(tmp / "lossy.xlsx");
  REQUIRE(back.is_ok());
  CHECK(back->form.has_value());
}

TEST_CASE("XLSForm export: the real workbooks of the interop folder import back unchanged",
          "[xlsform][export]") {
  const char* env = std::getenv("EQUITAS_INTEROP_DIR");
  const std::filesystem::path dir =
      env != nullptr ? std::filesystem::path(env)
                     : std::filesystem::path(EQUITAS_SOURCE_DIR) / "../shared/interop/xlsform";
  if (!std::filesystem::is_directory(dir)) {
    WARN("no interop folder at " << dir << "; skipped");
    return;
  }
  TempDir tmp;
  int exported = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".xlsx") continue;
    auto first = equitas::forms::import_xlsform_file(e.path());
    REQUIRE(first.is_ok());
    if (!first->form) continue;  // refused today (tests/shared/xlsform_test.cpp says why)
    INFO(e.path().filename().string());
    // Loops, ranges, ranks, metadata and renamed duplicates were rewritten
    // on the first import; the export writes what they became.
    const Form back = round_trip(*first->form, tmp / e.path().filename());
    CHECK(back == *first->form);
    ++exported;
  }
  CHECK(exported >= 11);
}

TEST_CASE("XLSForm export: LibreOffice reads an exported workbook", "[xlsform][export]") {
  if (!std::filesystem::exists("/usr/bin/soffice")) {
    WARN("libreoffice-calc is not installed: skipped");
    return;
  }
  auto library = equitas::forms::FormLibrary::with_bundled();
  REQUIRE(library.is_ok());
  const auto form = library->current("staff-climate");
  REQUIRE(form);
  TempDir tmp;
  auto done = equitas::forms::export_xlsform_file(*form, tmp / "staff-climate.xlsx");
  REQUIRE(done.is_ok());
  const std::string profile = "-env:UserInstallation=file://" + (tmp / "lo-profile").string();
  // The first sheet, survey, as LibreOffice reads it (UTF-8, comma-separated).
  const auto r =
      equitas::test::run_command({"/usr/bin/soffice", profile, "--headless", "--convert-to",
                                  "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir",
                                  (tmp / "lo").string(), (tmp / "staff-climate.xlsx").string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  // Quoted or not, as the LibreOffice version pleases.
  std::string survey = read_text(tmp / "lo" / "staff-climate.csv");
  survey.erase(std::remove(survey.begin(), survey.end(), '"'), survey.end());
  INFO(survey.substr(0, 300));
  CHECK(survey.rfind("type,name,label::English (en),", 0) == 0);
  CHECK_THAT(survey, Catch::Contains("begin group"));
  CHECK_THAT(survey, Catch::Contains(form->items.front().name));
}
