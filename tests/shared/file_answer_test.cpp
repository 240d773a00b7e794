// Image, audio, video and file questions: the answer contract
// (forms/file_answer.hpp), the form definition's limits and the engine.
// XLSForm import of these types is in xlsform_test.cpp (tag [file]).
#include "equitas/forms/file_answer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"

using namespace equitas;
using namespace equitas::forms;
namespace json = boost::json;

namespace {

const std::string kId1(32, 'a');
const std::string kId2(32, 'b');
const std::string kHash(64, 'c');
const std::string kKey(64, 'd');

// One file reference, as a JSON object; `extra` is appended inside it.
std::string file_ref(const std::string& id, std::int64_t size = 1000,
                     const std::string& type = "image/jpeg", const std::string& name = "room.jpg",
                     bool with_key = true, const std::string& extra = "") {
  std::string s = R"({"id": ")" + id + R"(", "sha256": ")" + kHash + R"(", "size": )" +
                  std::to_string(size) + R"(, "type": ")" + type + R"(", "name": ")" + name + "\"";
  if (with_key) s += R"(, "key": ")" + kKey + "\"";
  return s + extra + "}";
}

Item image(int max_files = 1) {
  Item it;
  it.type = QuestionType::kImage;
  it.name = "photo";
  it.file.max_files = max_files;
  return it;
}

// The problem parse_file_answer names, or "" when it accepts the answer.
std::string problem(const std::string& answer, const Item& item, bool key_required = true) {
  auto r = parse_file_answer(json::parse(answer), item, key_required);
  return r.is_ok() ? "" : r.status().message();
}

const char* kForm = R"json({
  "id": "files", "version": "1", "default_language": "en", "languages": ["en"], "title": {"en": "Files"},
  "items": [
    {"type": "image", "name": "photo", "required": true,
     "file": {"max_bytes": 1048576, "max_pixels": 1600, "max_files": 2}},
    {"type": "file", "name": "doc", "file": {"accept": ["application/pdf"]}},
    {"type": "audio", "name": "voice"},
    {"type": "text", "name": "why", "relevant": "${photo} != ''"},
    {"type": "calculate", "name": "photo_names", "calculation": "${photo}"},
    {"type": "repeat", "name": "rows", "items": [{"type": "text", "name": "name"}]},
    {"type": "calculate", "name": "row_names", "calculation": "join(',', ${name})"}
  ]
})json";

Form load(const std::string& text = kForm) {
  auto f = load_form_json(text);
  INFO(f.status().to_string());
  REQUIRE(f.is_ok());
  return std::move(f).value();
}

// The problems check_form finds in kForm with `item` (a JSON item) added.
std::string problems_with(const std::string& item, bool anonymous = false) {
  std::string text = kForm;
  text.replace(text.find("\"items\": [") + 10, 0, item + ",");
  if (anonymous) text.replace(text.find('{') + 1, 0, "\"anonymous\": true,");
  auto f = load_form_json(text);
  return f.is_ok() ? "" : f.status().message();
}

Evaluation evaluate_text(const Form& f, const std::string& answers, json::object* out = nullptr,
                         const std::string& lang = "en") {
  json::object a = json::parse(answers).as_object();
  EvalOptions o;
  o.language = lang;
  o.today = "2026-12-03";
  Evaluation e = evaluate(f, a, o);
  if (out != nullptr) *out = a;
  return e;
}

std::string error_at(const Evaluation& e, const std::string& path) {
  for (const auto& err : e.errors) {
    if (err.path == path) return err.message;
  }
  return "";
}

}  // namespace

TEST_CASE("a file answer is parsed and written back unchanged", "[file]") {
  const Item two = image(2);
  const std::string answer =
      "[" + file_ref(kId1) + ", " + file_ref(kId2, 2000, "image/png", "été 2026.png") + "]";
  auto r = parse_file_answer(json::parse(answer), two, true);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0] == FileRef{kId1, kHash, 1000, "image/jpeg", "room.jpg", kKey});
  CHECK((*r)[1].name == "été 2026.png");
  CHECK(file_answer_json(*r, true) == json::parse(answer));
  // Stored on the server: no key, and valid without one.
  const json::value stored = file_answer_json(*r, false);
  CHECK(stored.as_array()[0].as_object().if_contains("key") == nullptr);
  auto again = parse_file_answer(stored, two, false);
  REQUIRE(again.is_ok());
  CHECK((*again)[0].key.empty());
  CHECK(problem(json::serialize(stored), two, true).find("has no key") != std::string::npos);
  // The limit itself is allowed; an empty name is.
  CHECK(
      problem("[" + file_ref(kId1, kDefaultMaxFileBytes, "image/jpeg", "") + "]", image()).empty());
}

TEST_CASE("each kind of bad file answer is refused with its reason", "[file]") {
  const Item photo = image();
  const auto refused = [&](const std::string& answer, const std::string& reason, const Item& item) {
    const std::string p = problem(answer, item);
    INFO(answer << " -> " << p);
    CHECK(p.find(reason) != std::string::npos);
  };
  SECTION("hex fields") {
    refused("[" + file_ref(std::string(32, 'A')) + "]", "id must be 32 lowercase hex digits",
            photo);
    refused("[" + file_ref(std::string(31, 'a')) + "]", "id must be 32 lowercase hex digits",
            photo);
    refused("[" + file_ref(std::string(31, 'a') + "g") + "]", "id must be 32 lowercase hex digits",
            photo);
    std::string bad_hash = file_ref(kId1);
    bad_hash.replace(bad_hash.find(kHash), 64, std::string(63, 'c') + "X");
    refused("[" + bad_hash + "]", "sha256 must be 64 lowercase hex digits", photo);
    std::string bad_key = file_ref(kId1);
    bad_key.replace(bad_key.find(kKey), 64, std::string(62, 'd'));
    refused("[" + bad_key + "]", "key must be 64 lowercase hex digits", photo);
  }
  SECTION("sizes") {
    refused("[" + file_ref(kId1, kDefaultMaxFileBytes + 1) + "]",
            "over the question's limit of 10485760 bytes", photo);
    Item small = photo;
    small.file.max_bytes = 500;
    refused("[" + file_ref(kId1, 501) + "]", "over the question's limit of 500 bytes", small);
    refused("[" + file_ref(kId1, 0) + "]", "size must be at least 1 byte", photo);
    refused("[" + file_ref(kId1, -5) + "]", "size must be at least 1 byte", photo);
    std::string fraction = file_ref(kId1, 1000);
    fraction.replace(fraction.find("1000"), 4, "1000.5");
    refused("[" + fraction + "]", "size must be a whole number of bytes", photo);
    std::string huge = file_ref(kId1, 1000);
    huge.replace(huge.find("1000"), 4, "18446744073709551615");
    refused("[" + huge + "]", "over the question's limit", photo);
  }
  SECTION("types") {
    refused("[" + file_ref(kId1, 1000, "application/pdf") + "]",
            "type application/pdf is not accepted by the question", photo);
    refused("[" + file_ref(kId1, 1000, "image/*") + "]",
            "type must be a media type such as image/jpeg", photo);
    refused("[" + file_ref(kId1, 1000, "") + "]", "type must be a media type", photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg; q=1") + "]", "type must be a media type",
            photo);
    Item pdf_only;
    pdf_only.type = QuestionType::kFile;
    pdf_only.name = "doc";
    pdf_only.file.accept = {"application/pdf"};
    refused("[" + file_ref(kId1, 1000, "image/jpeg") + "]", "type image/jpeg is not accepted",
            pdf_only);
    CHECK(problem("[" + file_ref(kId1, 1000, "Application/PDF") + "]", pdf_only).empty());
  }
  SECTION("how many") {
    refused("[" + file_ref(kId1) + ", " + file_ref(kId2) + "]",
            "'photo' takes at most 1 file, not 2", photo);
    refused("[" + file_ref(kId1) + ", " + file_ref(kId1) + "]",
            "the id " + kId1 + " is given twice", image(2));
    refused("[]", "must be answered by a list of files", photo);
    refused(file_ref(kId1), "must be answered by a list of files", photo);
    refused("[\"room.jpg\"]", "'photo' file 1: must be an object", photo);
  }
  SECTION("members") {
    refused(
        "[" + file_ref(kId1, 1000, "image/jpeg", "room.jpg", true, R"(, "path": "/tmp/x")") + "]",
        "'photo' file 1: unknown member 'path'", photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg", "room.jpg", false) + "]",
            "'photo' file 1: has no key", photo);
    CHECK(problem("[" + file_ref(kId1, 1000, "image/jpeg", "room.jpg", false) + "]", photo, false)
              .empty());
    std::string no_name = file_ref(kId1);
    no_name.replace(no_name.find(R"(, "name": "room.jpg")"), 20, "");
    refused("[" + no_name + "]", "name must be text", photo);
  }
  SECTION("names") {
    refused("[" + file_ref(kId1, 1000, "image/jpeg", "../room.jpg") + "]", "name holds '/' or '\\'",
            photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg", "c:\\\\room.jpg") + "]",
            "name holds '/' or '\\'", photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg", "room\\u0000.jpg") + "]",
            "name holds a control character", photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg", "room\\u0085.jpg") + "]",
            "name holds a control character", photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg", "gpj\\u202e.exe") + "]",
            "bidirectional control character", photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg", "..") + "]", "name is not a file name", photo);
    refused("[" + file_ref(kId1, 1000, "image/jpeg", std::string(201, 'x')) + "]",
            "longer than 200 bytes", photo);
    CHECK(problem("[" + file_ref(kId1, 1000, "image/jpeg", std::string(200, 'x')) + "]", photo)
              .empty());
  }
  SECTION("a question that takes no file") {
    Item text;
    text.name = "comment";
    refused("[" + file_ref(kId1) + "]", "'comment' is not an image, audio, video or file question",
            text);
  }
}

TEST_CASE("a question's accepted types default by its type and match wildcards", "[file]") {
  Item it;
  it.type = QuestionType::kImage;
  CHECK(accepted_types(it) == std::vector<std::string>{"image/*"});
  it.type = QuestionType::kAudio;
  CHECK(accepted_types(it) == std::vector<std::string>{"audio/*"});
  it.type = QuestionType::kVideo;
  CHECK(accepted_types(it) == std::vector<std::string>{"video/*"});
  it.type = QuestionType::kFile;
  CHECK(accepted_types(it).empty());
  it.file.accept = {"application/pdf", "image/*"};
  CHECK(accepted_types(it) == it.file.accept);
  CHECK(is_file_question(it));
  it.type = QuestionType::kText;
  CHECK_FALSE(is_file_question(it));

  CHECK(type_accepted("anything/else", {}));
  CHECK(type_accepted("IMAGE/JPEG", {"image/*"}));
  CHECK(type_accepted("application/pdf", {"image/*", "application/pdf"}));
  CHECK_FALSE(type_accepted("image/", {"image/*"}));
  CHECK_FALSE(type_accepted("imagex/png", {"image/*"}));
  CHECK_FALSE(type_accepted("application/pdfx", {"application/pdf"}));

  CHECK(max_file_bytes(it) == kDefaultMaxFileBytes);
  it.file.max_bytes = 2048;
  CHECK(max_file_bytes(it) == 2048);
}

TEST_CASE("a file question's limits round-trip through JSON and are written only when set",
          "[file]") {
  const Form f = load();
  const Item* photo = f.find("photo");
  REQUIRE(photo != nullptr);
  CHECK(photo->type == QuestionType::kImage);
  CHECK(photo->file == FileSpec{{}, 1048576, 1600, 2});
  CHECK(f.find("doc")->file.accept == std::vector<std::string>{"application/pdf"});

  const std::string saved = save_form_json(f);
  auto again = load_form_json(saved);
  REQUIRE(again.is_ok());
  CHECK(*again == f);
  CHECK(again->find("photo")->file == photo->file);
  const json::value v = json::parse(saved);
  const json::array& items = v.at("items").as_array();
  CHECK(items[0].at("type").as_string() == "image");
  CHECK(items[0].at("file") ==
        json::parse(R"({"max_bytes": 1048576, "max_pixels": 1600, "max_files": 2})"));
  CHECK(items[1].at("type").as_string() == "file");
  CHECK(items[1].at("file") == json::parse(R"({"accept": ["application/pdf"]})"));
  CHECK(items[2].at("type").as_string() == "audio");
  CHECK(items[2].as_object().if_contains("file") == nullptr);  // the defaults are not written
  for (const char* type : {"image", "audio", "video", "file"}) {
    CHECK(question_type_name(*parse_question_type(type)) == type);
  }
}

TEST_CASE("a form's file limits are checked when it loads", "[file]") {
  const auto refused = [](const std::string& item, const std::string& reason) {
    const std::string p = problems_with(item);
    INFO(item << " -> " << p);
    CHECK(p.find(reason) != std::string::npos);
  };
  refused(R"({"type": "image", "name": "x", "file": {"max_bytes": 0}})",
          "file max_bytes: must be from 1 to 67108864");
  refused(R"({"type": "image", "name": "x", "file": {"max_bytes": 67108865}})",
          "item 'x': file max_bytes must be from 1 to 67108864");
  refused(R"({"type": "image", "name": "x", "file": {"max_bytes": "10 MB"}})",
          "max_bytes: must be a whole number");
  refused(R"({"type": "image", "name": "x", "file": {"max_files": 0}})",
          "file max_files must be from 1 to 20");
  refused(R"({"type": "image", "name": "x", "file": {"max_files": 21}})",
          "file max_files must be from 1 to 20");
  refused(R"({"type": "image", "name": "x", "file": {"max_pixels": -1}})",
          "file max_pixels must be 0");
  refused(R"({"type": "audio", "name": "x", "file": {"max_pixels": 800}})",
          "max_pixels is only for questions that take images");
  refused(
      R"({"type": "file", "name": "x", "file": {"accept": ["application/pdf"], "max_pixels": 800}})",
      "max_pixels is only for questions that take images");
  refused(R"({"type": "file", "name": "x", "file": {"accept": ["pdf"]}})",
          "file accept 'pdf' is not a media type such as application/pdf or image/*");
  refused(R"({"type": "file", "name": "x", "file": {"accept": ["*/*"]}})",
          "file accept '*/*' is not a media type");
  refused(R"({"type": "file", "name": "x", "file": {"accept": "application/pdf"}})",
          "accept: must be an array of media types");
  refused(R"({"type": "file", "name": "x", "file": {"size": 5}})",
          "item 'x' file: unknown key 'size'");
  refused(R"({"type": "text", "name": "x", "file": {}})",
          "item 'x': only image, audio, video and file questions take \"file\"");
  refused(R"({"type": "image", "name": "x", "default": "a.jpg"})",
          "item 'x': a file question cannot have a calculation or a default");
  refused(R"({"type": "image", "name": "x", "calculation": "'a.jpg'"})",
          "item 'x': a file question cannot have a calculation or a default");
  CHECK(
      problems_with(
          R"({"type": "video", "name": "x", "file": {"accept": ["video/mp4", "Video/*"], "max_bytes": 67108864,
                                                                 "max_files": 20}})")
          .empty());

  // The model's own check, for forms built in code (the XLSForm importer's).
  Form f = load();
  Item text;
  text.name = "plain";
  text.file.max_files = 3;
  f.items.push_back(text);
  const auto problems = check_form(f);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "item 'plain': only image, audio, video and file questions take file limits");
}

TEST_CASE("an anonymous form cannot ask for files", "[file]") {
  for (const char* type : {"image", "audio", "video", "file"}) {
    const std::string p =
        problems_with(std::string(R"({"type": ")") + type + R"(", "name": "upload"})", true);
    INFO(p);
    CHECK(p.find("item 'upload': an anonymous form cannot ask for files: a photo, a voice or a "
                 "document can identify "
                 "the respondent") != std::string::npos);
  }
  // Every file question is named (kForm has three).
  std::string text = kForm;
  text.replace(text.find('{') + 1, 0, "\"anonymous\": true,");
  auto f = load_form_json(text);
  REQUIRE_FALSE(f.is_ok());
  CHECK_THAT(f.status().message(), Catch::Contains("has 3 problem(s)"));
  CHECK(problems_with(R"({"type": "text", "name": "plain"})", true).find("item 'plain'") ==
        std::string::npos);
}

TEST_CASE("a file question inside a repeat is a file per row except in a team assessment",
          "[file]") {
  const std::string repeat =
      R"({"type": "repeat", "name": "visits", "items": [{"type": "group", "name": "g", "items": [
           {"type": "image", "name": "visit_photo"}]}]})";
  CHECK(problems_with(repeat) == "");
  // A scored item makes it a team assessment, whose files are merged field
  // by field: refused there, and said why.
  const std::string p = problems_with(
      repeat +
      R"(, {"type": "text", "name": "ind", "score": {"principle": "P1", "element": "E1", "indicator": "I1"}})");
  INFO(p);
  CHECK(p.find("item 'visit_photo': a team assessment cannot ask for files inside a repeat (it is "
               "in repeat 'visits')") != std::string::npos);
}

namespace {

const char* kTreeForm = R"json({
  "id": "plots", "version": "1", "default_language": "en", "languages": ["en"], "title": {"en": "Plots"},
  "items": [
    {"type": "image", "name": "plot_photo"},
    {"type": "repeat", "name": "plots", "items": [
      {"type": "text", "name": "plot_name"},
      {"type": "repeat", "name": "trees", "items": [
        {"type": "group", "name": "g", "items": [{"type": "image", "name": "tree_photo", "required": true}]}]}]},
    {"type": "repeat", "name": "items", "items": [{"type": "file", "name": "item_doc"}]}
  ]
})json";

}  // namespace

TEST_CASE("for_each_file_answer finds file answers in rows and nested rows", "[file]") {
  const Form f = load(kTreeForm);
  const std::string photo = "[" + file_ref(kId1) + "]";
  const std::string doc = "[" + file_ref(kId2, 10, "application/pdf", "a.pdf") + "]";
  json::object a = json::parse(R"({"plot_photo": )" + photo + R"(, "plots": [
      {"plot_name": "A", "trees": [{"tree_photo": )" +
                               photo + R"(}, {}, {"tree_photo": )" + photo + R"(}]},
      "not a row",
      {"trees": [{"tree_photo": )" +
                               photo + R"(}]}],
    "items": [{"item_doc": )" + doc +
                               "}]}")
                       .as_object();
  std::vector<std::string> paths;
  const json::object& ca = a;
  for_each_file_answer(f, ca, [&](const Item& it, const std::string& path, const json::value& v) {
    paths.push_back(path);
    CHECK(parse_file_answer(v, it, true).is_ok());
  });
  CHECK(paths == std::vector<std::string>{"plot_photo", "plots[0].trees[0].tree_photo",
                                          "plots[0].trees[2].tree_photo",
                                          "plots[2].trees[0].tree_photo", "items[0].item_doc"});

  strip_file_keys(f, a);
  int keys = 0;
  for_each_file_answer(f, ca, [&](const Item&, const std::string&, const json::value& v) {
    for (const auto& r : v.get_array()) keys += r.get_object().contains("key") ? 1 : 0;
    CHECK(v.get_array().at(0).get_object().contains("sha256"));
  });
  CHECK(keys == 0);
  CHECK(a.at("plots").get_array().at(1) == json::value("not a row"));
}

TEST_CASE("the engine checks a file answer in each row", "[file]") {
  const Form f = load(kTreeForm);
  const std::string ok = "[" + file_ref(kId1) + "]";
  const std::string wrong = "[" + file_ref(kId2, 10, "application/pdf", "a.pdf") + "]";
  const Evaluation e = evaluate_text(f, R"({"plots": [{"trees": [{"tree_photo": )" + ok +
                                            R"(}, {"tree_photo": )" + wrong + R"(}, {}]}]})");
  INFO(format_errors(e.errors));
  CHECK(error_at(e, "plots[0].trees[0].tree_photo") == "");
  CHECK(error_at(e, "plots[0].trees[1].tree_photo") != "");
  CHECK(error_at(e, "plots[0].trees[2].tree_photo") != "");  // required in every row
}

TEST_CASE("the engine checks file answers and explains refusals in the respondent's language",
          "[file]") {
  const Form f = load();
  const std::string doc = "[" + file_ref(kId2, 5000, "application/pdf", "report.pdf", false) + "]";
  SECTION("valid answers, stored (no key) or in transit (with keys)") {
    const Evaluation stored =
        evaluate_text(f, R"({"photo": [)" + file_ref(kId1, 1000, "image/jpeg", "room.jpg", false) +
                             R"(], "doc": )" + doc + "}");
    INFO(format_errors(stored.errors));
    CHECK(stored.ok());
    const Evaluation transit =
        evaluate_text(f, R"({"photo": [)" + file_ref(kId1) + ", " +
                             file_ref(kId2, 20, "image/png", "b.png") + "]}");
    INFO(format_errors(transit.errors));
    CHECK(transit.ok());
  }
  SECTION("required") {
    CHECK(error_at(evaluate_text(f, "{}"), "photo") == "This question is required.");
    CHECK(error_at(evaluate_text(f, R"({"photo": []})"), "photo") == "This question is required.");
  }
  SECTION("too large, in megabytes") {
    const std::string big = R"({"photo": [)" + file_ref(kId1, 1048577) + "]}";
    CHECK(error_at(evaluate_text(f, big), "photo") == "The file is too large: at most 1 MB.");
    CHECK(error_at(evaluate_text(f, big, nullptr, "fr"), "photo") ==
          "Le fichier est trop volumineux : 1 Mo au plus.");
    Form half = f;
    for (Item& it : half.items) {
      if (it.name == "photo") it.file.max_bytes = 524288;
    }
    CHECK(error_at(evaluate_text(half, big, nullptr, "fr"), "photo") ==
          "Le fichier est trop volumineux : 0,5 Mo au plus.");
    CHECK(error_at(evaluate_text(half, big), "photo") == "The file is too large: at most 0.5 MB.");
  }
  SECTION("a type the question does not take") {
    const std::string word = R"({"photo": [)" + file_ref(kId1) + R"(], "doc": [)" +
                             file_ref(kId2, 10, "application/msword", "a.doc") + "]}";
    CHECK(error_at(evaluate_text(f, word), "doc") ==
          "This kind of file is not accepted here. Accepted: application/pdf.");
    CHECK(error_at(evaluate_text(f, R"({"photo": [)" + file_ref(kId1, 10, "video/mp4") + "]}",
                                 nullptr, "es"),
                   "photo") == "Este tipo de archivo no se acepta aquí. Aceptados: image/*.");
  }
  SECTION("too many files") {
    const std::string three = R"({"photo": [)" + file_ref(kId1) + ", " + file_ref(kId2) + ", " +
                              file_ref(std::string(32, 'e')) + "]}";
    CHECK(error_at(evaluate_text(f, three), "photo") == "Too many files: at most 2.");
    CHECK(error_at(evaluate_text(f, three, nullptr, "ru"), "photo") ==
          "Слишком много файлов: не более 2.");
  }
  SECTION("a damaged answer") {
    CHECK(error_at(evaluate_text(f, R"({"photo": [)" + file_ref("nothex") + "]}"), "photo") ==
          "The attachment is not valid. Please attach the file again.");
    CHECK(error_at(evaluate_text(f, R"({"photo": "room.jpg"})", nullptr, "pt"), "photo") ==
          "O anexo não é válido. Anexe o ficheiro novamente.");
    CHECK(
        error_at(evaluate_text(f, R"({"photo": [)" + file_ref(kId1) + ", " + file_ref(kId1) + "]}"),
                 "photo") == "The attachment is not valid. Please attach the file again.");
  }
}

TEST_CASE("expressions read a file question as its file names and never its key", "[file]") {
  const Form f = load();
  json::object out;
  const std::string answers =
      R"({"photo": [)" + file_ref(kId1) + ", " + file_ref(kId2, 20, "image/png", "") +
      R"(], "why": "broken window", "rows": [{"name": "a"}, {"name": "b"}]})";
  const Evaluation e = evaluate_text(f, answers, &out);
  INFO(format_errors(e.errors));
  CHECK(e.ok());  // ${photo} != '' holds, so "why" may be answered
  CHECK(e.items.at("why").relevant);
  // Like ODK's file name; a file without a name reads as its id.
  CHECK(out.at("photo_names").as_string() == "room.jpg " + kId2);
  CHECK(json::serialize(out.at("photo_names")).find(kKey) == std::string::npos);
  // The files are not rows: ${name} read from outside the repeat is the rows' answers only.
  CHECK(out.at("row_names").as_string() == "a,b");

  const Evaluation unanswered = evaluate_text(f, R"({"why": "x"})");
  CHECK_FALSE(unanswered.items.at("why").relevant);
  CHECK(error_at(unanswered, "why") ==
        "This question does not apply given the other answers, so it must be left empty.");
}

TEST_CASE("the engine's file messages exist in every language", "[file]") {
  for (const char* key : {"not_files", "file_too_large", "file_type", "too_many_files"}) {
    CHECK(builtin_message(key, "en") != key);
    for (const char* lang : {"fr", "es", "ru", "ar", "pt"}) {
      INFO(key << " " << lang);
      CHECK(builtin_message(key, lang) != builtin_message(key, "en"));
    }
  }
}
