#include "export_test_util.hpp"

#include <zip.h>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <pugixml.hpp>
#include <sstream>

#include "equitas/forms/form_json.hpp"
#include "form_registry.hpp"

namespace equitas::test {

void publish_named_climate(server::ServerStore& store) {
  auto registry = server::FormRegistry::load(store);
  REQUIRE(registry.is_ok());
  auto bundled = (*registry)->library().current("staff-climate");
  REQUIRE(bundled);
  forms::Form named = *bundled;
  named.id = kNamedClimate;
  named.anonymous = false;
  FormPublication pub;
  pub.form_id = named.id;
  pub.version = named.version;
  pub.definition = forms::save_form_json(named);
  REQUIRE(store.save_publication(pub, "json", unix_now()).is_ok());
}

void publish_json(server::ServerStore& store, const std::string& text) {
  auto form = forms::load_form_json(text);
  INFO(form.status().to_string());
  REQUIRE(form.is_ok());
  FormPublication pub;
  pub.form_id = form->id;
  pub.version = form->version;
  pub.definition = forms::save_form_json(*form);
  REQUIRE(store.save_publication(pub, "json", unix_now()).is_ok());
}

void add_submission(server::ServerStore& store, const DeviceId& device, const std::string& form,
                    const std::string& version, const std::string& answers_json,
                    const std::string& round, const std::optional<SubmissionId>& id,
                    std::uint32_t revision) {
  if (form == kNamedClimate) publish_named_climate(store);
  Envelope e;
  e.device_id = device;
  e.submission_id = id.value_or(SubmissionId::random());
  e.revision = revision;
  e.form_id = form;
  e.form_version = version;
  ResponsePayload p;
  p.answers = boost::json::parse(answers_json).as_object();
  p.submitted_at = "2026-11-23";
  p.round = round;
  const Bytes fake_envelope(e.submission_id.bytes.begin(), e.submission_id.bytes.end());
  REQUIRE(store.store_submission(e, fake_envelope, p, std::nullopt, unix_now()).is_ok());
}

CsvTable parse_csv(const std::string& text) {
  CsvTable rows;
  std::size_t i = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field += c;
    }
  }
  REQUIRE_FALSE(quoted);
  if (any) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  INFO("column " << name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path write_text(const std::filesystem::path& dir, const std::string& name,
                                 const std::string& text) {
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string post_check_form(const std::string& version) {
  const std::string v1_only = R"(,{"type": "select_multiple", "name": "tools", "list": "tools"})";
  const std::string v2_only = R"(,{"type": "integer", "name": "team_size"})";
  return R"({"id": "post-check", "version": ")" + version +
         R"(", "title": {"en": "Post check", "fr": "Contrôle du poste"},
    "default_language": "en", "languages": ["en", "fr"],
    "lists": {"yn": [{"name": "yes", "label": {"en": "Yes", "fr": "Oui"}},
                     {"name": "no", "label": {"en": "No", "fr": "Non"}}],
              "tools": [{"name": "radio", "label": {"en": "Radio", "fr": "Radio"}},
                        {"name": "scanner", "label": {"en": "Scanner", "fr": "Scanner"}}]},
    "items": [{"type": "select_one", "name": "lights_ok", "list": "yn")" +
         (version == "1" ? "" : R"(, "or_other": true)") + R"(,
               "label": {"en": "Lights work?", "fr": "Les lumières fonctionnent ?"}})" +
         (version == "1" ? v1_only : v2_only) + "]}";
}

std::filesystem::path export_to_file(const TestServer& server, const std::string& format,
                                     const std::filesystem::path& path,
                                     std::vector<std::string> extra, const std::string& form) {
  std::vector<std::string> args = {"export", "--data-dir", server.dir().root.string(),
                                   "--form", form,         "--format",
                                   format,   "--out",      path.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = server_cli(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  return path;
}

std::map<std::string, boost::json::object> stored_answers(const TestServer& server,
                                                          const std::string& form) {
  auto store = server.open_store();
  auto st = store.db().prepare("SELECT submission_id, answers FROM submissions WHERE form_id = ?1");
  REQUIRE(st.is_ok());
  st->bind(1, form);
  std::map<std::string, boost::json::object> out;
  for (;;) {
    auto has = st->step();
    REQUIRE(has.is_ok());
    if (!*has) break;
    SubmissionId id;
    const Bytes blob = st->column_blob(0);
    std::copy_n(blob.begin(), id.bytes.size(), id.bytes.begin());
    out[id.to_string()] = boost::json::parse(st->column_text(1)).as_object();
  }
  return out;
}

namespace {

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};

std::string read_part(zip_t* zip, const std::string& name) {
  zip_file_t* f = zip_fopen(zip, name.c_str(), 0);
  INFO("part " << name);
  REQUIRE(f != nullptr);
  std::string out;
  char buf[65536];
  for (zip_int64_t n; (n = zip_fread(f, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  zip_fclose(f);
  return out;
}

pugi::xml_document parse_part(zip_t* zip, const std::string& name) {
  pugi::xml_document doc;
  const std::string text = read_part(zip, name);
  REQUIRE(doc.load_buffer(text.data(), text.size()));
  return doc;
}

// "AB12" -> 27 (zero-based column).
std::size_t column_of(std::string_view ref) {
  std::size_t col = 0;
  for (char c : ref) {
    if (c < 'A' || c > 'Z') break;
    col = col * 26 + static_cast<std::size_t>(c - 'A' + 1);
  }
  return col - 1;
}

// The text of a shared or inline string: every <t> below the node.
std::string string_text(const pugi::xml_node& n) {
  std::string out;
  for (const auto& t : n.select_nodes(".//*[local-name()='t']")) out += t.node().text().get();
  return out;
}

}  // namespace

std::string xlsx_part(const std::filesystem::path& path, const std::string& part) {
  int error = 0;
  std::unique_ptr<zip_t, ZipDiscard> zip(zip_open(path.c_str(), ZIP_RDONLY, &error));
  REQUIRE(zip != nullptr);
  return read_part(zip.get(), part);
}

std::map<std::string, XlsxSheet> read_xlsx(const std::filesystem::path& path) {
  int error = 0;
  std::unique_ptr<zip_t, ZipDiscard> zip(zip_open(path.c_str(), ZIP_RDONLY, &error));
  REQUIRE(zip != nullptr);
  std::vector<std::string> shared;
  if (zip_name_locate(zip.get(), "xl/sharedStrings.xml", 0) >= 0) {
    const auto sst = parse_part(zip.get(), "xl/sharedStrings.xml");
    for (const auto& si : sst.select_nodes("//*[local-name()='si']"))
      shared.push_back(string_text(si.node()));
  }
  std::map<std::string, std::string> targets;  // relationship id -> part
  const auto rels = parse_part(zip.get(), "xl/_rels/workbook.xml.rels");
  for (const auto& r : rels.select_nodes("//*[local-name()='Relationship']")) {
    targets[r.node().attribute("Id").value()] =
        std::string("xl/") + r.node().attribute("Target").value();
  }
  std::map<std::string, XlsxSheet> sheets;
  const auto workbook = parse_part(zip.get(), "xl/workbook.xml");
  for (const auto& s : workbook.select_nodes("//*[local-name()='sheet']")) {
    const std::string part = targets.at(s.node().attribute("r:id").value());
    XlsxSheet& sheet = sheets[s.node().attribute("name").value()];
    const auto doc = parse_part(zip.get(), part);
    for (const auto& row :
         doc.select_nodes("//*[local-name()='sheetData']/*[local-name()='row']")) {
      const std::size_t r = static_cast<std::size_t>(row.node().attribute("r").as_ullong()) - 1;
      if (sheet.size() <= r) sheet.resize(r + 1);
      for (const auto& c : row.node().children()) {
        const std::size_t col = column_of(c.attribute("r").value());
        auto& cells = sheet[r];
        if (cells.size() <= col) cells.resize(col + 1);
        const std::string t = c.attribute("t").value();
        const std::string v = c.child("v").text().get();
        if (t == "s") {
          cells[col] = {'s', shared.at(std::stoul(v))};
        } else if (t == "inlineStr" || t == "str") {
          cells[col] = {'s', t == "str" ? v : string_text(c.child("is"))};
        } else if (t == "b") {
          cells[col] = {'b', v};
        } else {
          cells[col] = {'n', v};
        }
      }
    }
  }
  return sheets;
}

}  // namespace equitas::test
