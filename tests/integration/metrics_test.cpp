// GET /metrics on a running server, read over real HTTP after real sync
// sessions, and parsed as Prometheus parses its text format (0.0.4): every
// sample belongs to a family declared by # TYPE, histograms are cumulative
// and end at +Inf with their _count. Then the figures are checked against
// what the test did. And the JSON log lines of `serve --log-format json`.
#include <sodium.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "equitas/forms/file_answer.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "fixtures.hpp"
#include "process.hpp"
#include "server_log.hpp"

using namespace equitas;
using namespace equitas::test;
namespace http = boost::beast::http;
namespace net = boost::asio;
namespace json = boost::json;

namespace {

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram
  std::map<std::string, double> samples;     // `name{labels}` as written -> value
  double at(const std::string& series) const {
    const auto it = samples.find(series);
    INFO("series " << series);
    REQUIRE(it != samples.end());
    return it->second;
  }
};

// The family a sample belongs to: its name, less a histogram's suffix.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (auto it = types.find(base); it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

// Parses the text format strictly enough that a malformed line fails.
Exposition parse_exposition(const std::string& text) {
  Exposition e;
  REQUIRE_FALSE(text.empty());
  REQUIRE(text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  std::set<std::string> helped;
  while (std::getline(in, line)) {
    INFO("line: " << line);
    REQUIRE_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      CHECK(helped.insert(name).second);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      CHECK((type == "counter" || type == "gauge" || type == "histogram"));
      CHECK(helped.count(name) == 1);  // HELP first, as the exposition writes it
      CHECK(e.types.emplace(name, type).second);
      continue;
    }
    REQUIRE(line[0] != '#');
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    const std::string name = line.substr(0, std::min(brace, space));
    for (char c : name)
      CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'));
    if (brace != std::string::npos) {
      REQUIRE(brace < space);
      REQUIRE(line[space - 1] == '}');
      // label="value" pairs, comma-separated, values quoted.
      const std::string labels = line.substr(brace + 1, space - 1 - brace - 1);
      std::size_t i = 0;
      while (i < labels.size()) {
        const auto eq = labels.find('=', i);
        REQUIRE(eq != std::string::npos);
        REQUIRE(labels[eq + 1] == '"');
        const auto close = labels.find('"', eq + 2);
        REQUIRE(close != std::string::npos);
        i = close + 1;
        if (i < labels.size()) REQUIRE(labels[i++] == ',');
      }
    }
    const std::string family = family_of(name, e.types);
    CHECK(e.types.count(family) == 1);
    std::size_t used = 0;
    const double value = std::stod(line.substr(space + 1), &used);
    CHECK(used == line.size() - space - 1);
    CHECK(value >= 0);
    CHECK(e.samples.emplace(line.substr(0, space), value).second);
  }
  // Each histogram series: buckets cumulative, +Inf last and equal to _count.
  for (const auto& [family, type] : e.types) {
    if (type != "histogram") continue;
    std::map<std::string, std::vector<std::pair<std::string, double>>> by_labels;
    for (const auto& [series, value] : e.samples) {
      if (series.rfind(family + "_bucket{", 0) != 0) continue;
      const auto le = series.find("le=\"");
      REQUIRE(le != std::string::npos);
      const std::string rest = series.substr(family.size() + 8, le - family.size() - 8);
      const std::string bound = series.substr(le + 4, series.find('"', le + 4) - le - 4);
      by_labels[rest].emplace_back(bound, value);
    }
    REQUIRE_FALSE(by_labels.empty());
    for (auto& [labels, buckets] : by_labels) {
      std::sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) {
        const double x = a.first == "+Inf" ? 1e300 : std::stod(a.first);
        const double y = b.first == "+Inf" ? 1e300 : std::stod(b.first);
        return x < y;
      });
      for (std::size_t i = 1; i < buckets.size(); ++i)
        CHECK(buckets[i].second >= buckets[i - 1].second);
      REQUIRE(buckets.back().first == "+Inf");
      std::string plain = labels;
      if (!plain.empty() && plain.back() == ',') plain.pop_back();
      const std::string count = family + "_count" + (plain.empty() ? "" : "{" + plain + "}");
      CHECK(e.at(count) == buckets.back().second);
    }
  }
  return e;
}

struct Reply {
  http::status status;
  std::string type;
  std::string body;
};

Reply get(unsigned short port, const std::string& target,
          const std::map<std::string, std::string>& headers = {}) {
  net::io_context ioc;
  net::ip::tcp::socket sock(ioc);
  sock.connect({net::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  http::write(sock, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  return {res.result(), std::string(res[http::field::content_type]), res.body()};
}

}  // namespace

TEST_CASE("/metrics counts what the server did, in Prometheus' text format", "[server][metrics]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Namanga"));
  submit_many(c, 30);
  auto first = c.sync({});
  INFO(first.status().to_string());
  REQUIRE(first.is_ok());
  REQUIRE(first->accepted == 30);
  // As if the acks had been lost: all 30 again, as duplicates.
  REQUIRE(c.store().db().exec("UPDATE outbox SET state = 'pending'").is_ok());
  auto again = c.sync({});
  REQUIRE(again.is_ok());
  REQUIRE(again->duplicate == 30);

  // A page of some web site tries to open a sync session: refused.
  {
    net::io_context ioc;
    net::ip::tcp::socket sock(ioc);
    sock.connect({net::ip::make_address("127.0.0.1"), server.port()});
    http::request<http::string_body> req{http::verb::get, "/sync", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::origin, "https://evil.example");
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    REQUIRE(res.result() == http::status::forbidden);
  }
  // A second collector, revoked before it ever connects: its session is refused.
  auto revoked = make_collector(tmp / "revoked", server.enroll("Kasumbalesa"));
  {
    auto store = server.open_store();
    auto devices = store.list_devices();
    REQUIRE(devices.is_ok());
    std::string id;
    for (const auto& d : *devices) {
      if (d.site == "Kasumbalesa") id = d.id.to_string();
    }
    REQUIRE_FALSE(id.empty());
    REQUIRE(server_cli({"device", "revoke", "--data-dir", server.dir().root.string(), id}).code ==
            0);
  }
  submit_many(revoked, 1);
  CHECK_FALSE(revoked.sync({}).is_ok());

  // An export through the admin API, timed.
  auto store = server.open_store();
  auto token = store.create_admin_token("prometheus", server::Role::kViewer, unix_now());
  REQUIRE(token.is_ok());
  auto analyst = store.create_admin_token("analyst", server::Role::kAnalyst, unix_now());
  REQUIRE(analyst.is_ok());
  REQUIRE(get(server.port(), "/api/v1/exports/staff-climate?format=csv",
              {{"Authorization", "Bearer " + *analyst}})
              .status == http::status::ok);
  REQUIRE(
      get(server.port(), "/api/v1/reports/staff-climate", {{"Authorization", "Bearer " + *analyst}})
          .status == http::status::ok);

  const Reply local = get(server.port(), "/metrics");
  REQUIRE(local.status == http::status::ok);
  CHECK(local.type == "text/plain; version=0.0.4; charset=utf-8");
  const Exposition m = parse_exposition(local.body);
  CHECK(m.types.at("equitas_submissions_total") == "counter");
  CHECK(m.types.at("equitas_ingest_seconds") == "histogram");
  CHECK(m.types.at("equitas_connections") == "gauge");
  CHECK(m.at(R"(equitas_submissions_total{outcome="accepted"})") == 30);
  CHECK(m.at(R"(equitas_submissions_total{outcome="duplicate"})") == 30);
  CHECK(m.at(R"(equitas_submissions_total{outcome="rejected",reason="invalid_answers"})") == 0);
  CHECK(m.at(R"(equitas_refused_sessions_total{reason="cross_origin"})") == 1);
  CHECK(m.at(R"(equitas_refused_sessions_total{reason="revoked"})") == 1);
  CHECK(m.at(R"(equitas_refused_sessions_total{reason="capacity"})") == 0);
  // One batch in each sync (30 envelopes fit in one).
  CHECK(m.at("equitas_ingest_seconds_count") == 2);
  CHECK(m.at("equitas_ingest_seconds_sum") > 0);
  CHECK(m.at(R"(equitas_admin_seconds_count{kind="export"})") == 1);
  CHECK(m.at(R"(equitas_admin_seconds_count{kind="report"})") == 1);
  CHECK(m.at("equitas_sync_received_bytes_total") > 30 * 200);  // 30 sealed responses, twice
  CHECK(m.at("equitas_sync_sent_bytes_total") > 0);
  CHECK(m.at("equitas_writer_queue_jobs") == 0);
  CHECK(m.at(R"(equitas_connections{state="sync"})") == 0);  // every collector has hung up
  // This request, at least (earlier ones may not have been noticed closing yet).
  CHECK(m.at(R"(equitas_connections{state="unauthenticated"})") +
            m.at(R"(equitas_connections{state="other"})") >=
        1);
  // Nothing in it names a site, a device or a form.
  for (const char* word : {"Namanga", "Kasumbalesa", "staff-climate"})
    CHECK(local.body.find(word) == std::string::npos);

  // Through a proxy on this host (nginx), a client is not local: a token is needed.
  CHECK(get(server.port(), "/metrics", {{"X-Forwarded-For", "203.0.113.9"}}).status ==
        http::status::unauthorized);
  CHECK(get(server.port(), "/metrics", {{"Forwarded", "for=203.0.113.9"}}).status ==
        http::status::unauthorized);
  CHECK(get(server.port(), "/metrics",
            {{"X-Forwarded-For", "203.0.113.9"}, {"Authorization", "Bearer wrong"}})
            .status == http::status::unauthorized);
  const Reply proxied =
      get(server.port(), "/metrics",
          {{"X-Forwarded-For", "203.0.113.9"}, {"Authorization", "Bearer " + *token}});
  REQUIRE(proxied.status == http::status::ok);
  CHECK(proxied.type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(parse_exposition(proxied.body).at(R"(equitas_submissions_total{outcome="accepted"})") ==
        30);
}

TEST_CASE("/metrics gauges the files held and their bytes at scrape time: each content once",
          "[server][metrics][files]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  {
    std::ofstream(tmp / "form.json")
        << R"({"id": "post-evidence", "version": "1", "title": {"en": "Post evidence"},
      "languages": ["en"], "items": [{"type": "text", "name": "room", "label": {"en": "Which room?"}},
        {"type": "file", "name": "evidence", "label": {"en": "Evidence"},
         "file": {"accept": ["image/*", "application/pdf"], "max_files": 3}}]})";
    REQUIRE(server_cli({"forms", "publish", "--data-dir", server.dir().root.string(),
                        (tmp / "form.json").string()})
                .code == 0);
  }
  auto c = make_collector(tmp / "post", server.enroll("Land post"));
  REQUIRE(c.sync({}).is_ok());
  // Nothing held yet: the gauges read 0, not absent.
  const Exposition before = parse_exposition(get(server.port(), "/metrics").body);
  CHECK(before.types.at("equitas_files_held") == "gauge");
  CHECK(before.types.at("equitas_files_held_bytes") == "gauge");
  CHECK(before.at("equitas_files_held") == 0);
  CHECK(before.at("equitas_files_held_bytes") == 0);

  auto lib = c.library();
  REQUIRE(lib.is_ok());
  const auto form = (*lib)->current("post-evidence");
  REQUIRE(form != nullptr);
  Bytes photo(150 * 1024);  // 3 chunks
  randombytes_buf(photo.data(), photo.size());
  photo[0] = 0xFF, photo[1] = 0xD8, photo[2] = 0xFF, photo[3] = 0xE0;
  photo[photo.size() - 2] = 0xFF, photo[photo.size() - 1] = 0xD9;
  const std::string pdf_text = "%PDF-1.7\nopening hours\n%%EOF\n";
  const ByteView pdf(reinterpret_cast<const std::uint8_t*>(pdf_text.data()), pdf_text.size());
  const auto submit = [&](bool with_photo) {
    std::vector<forms::FileRef> refs;
    if (with_photo) refs.push_back(*c.capture_file(*form, "evidence", photo, "room.jpg"));
    refs.push_back(*c.capture_file(*form, "evidence", pdf, "hours.pdf"));
    std::string answers = R"({"room": "lactation room", "evidence": )" +
                          json::serialize(forms::file_answer_json(refs, true)) + "}";
    REQUIRE(c.submit("post-evidence", "", answers).is_ok());
  };
  submit(true);
  auto first = c.sync({});
  REQUIRE(first.is_ok());
  REQUIRE(first->files_sent == 2);
  // The same PDF in a second response: held once, and counted once.
  submit(false);
  auto second = c.sync({});
  REQUIRE(second.is_ok());
  REQUIRE(second->files_already_held == 1);

  const Exposition m = parse_exposition(get(server.port(), "/metrics").body);
  CHECK(m.at("equitas_files_held") == 2);
  CHECK(m.at("equitas_files_held_bytes") == static_cast<double>(photo.size() + pdf.size()));
  CHECK(m.at(R"(equitas_file_chunks_total{result="completed"})") == 2);
  CHECK(m.at(R"(equitas_file_chunks_total{result="stored"})") ==
        2);  // the photo's first two chunks
  CHECK(m.at(R"(equitas_file_chunks_total{result="refused"})") == 0);
  CHECK(m.at("equitas_file_received_bytes_total") ==
        static_cast<double>(sealed_file_size(photo.size()) + sealed_file_size(pdf.size())));
}

TEST_CASE("log lines in JSON are one valid object each, with the fixed keys first",
          "[server][log]") {
  server::log::set_format(server::log::Format::kJson);
  // A message quoting bytes a peer sent: not UTF-8, with quotes and a newline.
  const std::string odd = std::string("bad \"name\"\n\xff\xfe end");
  const std::string line = server::log::line(server::log::Level::kWarning, "session.failed", odd,
                                             {{"device", "ab12"}, {"event", "forged"}});
  server::log::set_format(server::log::Format::kText);
  REQUIRE(line.back() == '\n');
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  const json::object o = json::parse(line).as_object();
  CHECK(o.at("level") == "warning");
  CHECK(o.at("event") == "session.failed");  // a field cannot overwrite it
  CHECK(o.at("device") == "ab12");
  CHECK(o.at("message") == "bad \"name\"\n?? end");
  CHECK(o.at("time").as_string().size() == 24);  // 2026-12-02T11:40:03.512Z
  CHECK(o.at("time").as_string().back() == 'Z');
  CHECK(server::log::line(server::log::Level::kInfo, "x", "plain words") ==
        "sync-server: plain words\n");
}

TEST_CASE(
    "serve --log-format json prints its progress as JSON events: --trusted-proxy throttles the "
    "client, not the proxy",
    "[server][log][cli]") {
  TempDir tmp;
  const auto dir = (tmp / "server").string();
  REQUIRE(server_cli({"init", "--data-dir", dir}).code == 0);
  CHECK(server_cli({"serve", "--data-dir", dir, "--log-format", "yaml"})
            .err.find("--log-format takes text or json") != std::string::npos);
  auto made = server_cli({"admin-token", "create", "--data-dir", dir, "--label", "prometheus"});
  REQUIRE(made.code == 0);
  const std::string token = made.out.substr(0, made.out.find('\n'));
  CHECK(server_cli({"serve", "--data-dir", dir, "--trusted-proxy", "nginx"})
            .err.find("--trusted-proxy takes IP") != std::string::npos);
  ChildProcess serve({bin_path("sync-server"), "serve", "--data-dir", dir, "--listen",
                      "127.0.0.1:0", "--log-format", "json", "--trusted-proxy", "127.0.0.1"});
  std::vector<json::object> events;
  while (auto l = serve.read_line(std::chrono::seconds(20))) {
    INFO("line: " << *l);
    events.push_back(json::parse(*l).as_object());
    if (events.back().at("event") == "serve.open_files") break;
  }
  REQUIRE(events.size() == 3);
  CHECK(events[0].at("event") == "serve.listening");
  const std::string url(events[0].at("sync_url").as_string());
  CHECK(url.rfind("ws://127.0.0.1:", 0) == 0);
  // The server it names answers /metrics.
  const auto port = static_cast<unsigned short>(std::stoi(url.substr(15, url.rfind('/') - 15)));
  CHECK(get(port, "/metrics").status == http::status::ok);
  // Behind the trusted proxy, one client's wrong tokens throttle that client
  // (the address the proxy appended last), not everyone behind the proxy.
  const auto as_client = [&](const std::string& forwarded, const std::string& bearer) {
    return get(port, "/metrics",
               {{"X-Forwarded-For", forwarded}, {"Authorization", "Bearer " + bearer}})
        .status;
  };
  for (int i = 0; i < 12; ++i)
    as_client("10.9.9.9, 203.0.113.9", "wrong");  // the first entry is the client's own claim
  CHECK(as_client("203.0.113.9", token) == http::status::too_many_requests);
  CHECK(as_client("198.51.100.7", token) == http::status::ok);
  CHECK(as_client("10.9.9.9", token) == http::status::ok);
  serve.kill(SIGTERM);
  while (auto l = serve.read_line(std::chrono::seconds(20)))
    events.push_back(json::parse(*l).as_object());
  CHECK(serve.wait() == 0);
  CHECK(events.back().at("event") == "serve.stopped");
  for (const auto& e : events) CHECK(e.at("level") == "info");
}
