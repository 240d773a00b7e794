// Fuzz target: the collector's HTTP API (WebApi::handle), which answers
// anyone on the post's Wi-Fi in LAN mode.
//
// One WebApi is built at start-up on a real, initialised and enrolled
// collector in a temporary folder (enrolled offline against a server folder
// made with the `sync-server` CLI code, as tests/support/fixtures.cpp does).
// It also signs in as the admin and opens a draft, so inputs can reach the
// paths behind those cookies.
//
// Input: u8 method | u8 flags | target "\n" header lines "\n" ... "\n\n" body
//   flags bit 0: the peer is not on loopback (LAN mode applies)
//         bits 1-2: Host, one of three allowed names or a foreign one
//         bit 3: send the post token cookie      bit 4: send the admin cookie
//         bit 5: send the draft cookie and key   bit 6: send a same-host Origin
//         bit 7: omit Content-Type: application/json
// The request is written out as HTTP/1.1 and parsed by Beast with the web
// server's own limits, so the handler sees only what the server would give it.
//
// WebApi::handle is documented to catch std exceptions itself, so nothing is
// caught here. State (drafts, submissions, sessions) persists between inputs,
// as it does in a real server; an input that signs out or discards the draft
// leaves later inputs without those cookies.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "collector_app.hpp"
#include "equitas/crypto/secret.hpp"
#include "parse_request.hpp"
#include "server_cli.hpp"
#include "web/admin_auth.hpp"
#include "web/sync_runner.hpp"
#include "web/web_api.hpp"
#include "web/web_server.hpp"

namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using equitas::collector::HttpRequest;
using equitas::collector::HttpResponse;

constexpr std::string_view kPin = "fuzz-pin-5309";
constexpr std::string_view kPostToken = "fuzz-post-token-4c1d9e";
const char* const kHosts[] = {"127.0.0.1:8080", "localhost:8080", "192.168.1.20:8080",
                              "evil.example:8080"};

[[noreturn]] void die(std::string_view what) {
  std::cerr << "fuzz_collector_http: setup failed: " << what << "\n";
  std::abort();
}

// Removes the temporary folder when the process exits normally.
struct TempRoot {
  fs::path path;
  TempRoot() {
    std::string tmpl = (fs::temp_directory_path() / "equitas-fuzz-http-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
    path = tmpl;
  }
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string enrollment_code(const fs::path& server_dir) {
  std::ostringstream out, err;
  if (equitas::server::run_cli({"init", "--data-dir", server_dir.string()}, out, err) != 0)
    die(err.str());
  std::ostringstream code;
  if (equitas::server::run_cli({"device", "enroll", "--data-dir", server_dir.string(), "--site",
                                "Fuzz post", "--url", "ws://127.0.0.1:9"},
                               code, err) != 0) {
    die(err.str());
  }
  std::string c = code.str();
  while (!c.empty() && (c.back() == '\n' || c.back() == '\r')) c.pop_back();
  return c;
}

equitas::collector::Collector make_collector(const fs::path& dir, const std::string& code) {
  const equitas::collector::DataDir d{dir};
  if (!equitas::collector::Collector::init(d).is_ok()) die("collector init");
  auto c = equitas::collector::Collector::open(d);
  if (!c.is_ok()) die(c.status().to_string());
  if (auto e = c->enroll(code); !e.is_ok()) die(e.status().to_string());
  if (!equitas::collector::set_admin_pin(c->store(), kPin, std::nullopt).is_ok()) die("admin pin");
  return std::move(c).value();
}

equitas::collector::WebOptions web_options(const fs::path& dir) {
  equitas::collector::WebOptions o;
  o.dir = equitas::collector::DataDir{dir};
  o.lan = true;
  o.post_token = std::string(kPostToken);
  o.lan_urls = {"http://192.168.1.20:8080"};
  // No tick() runs here; keep the admin session for the whole run anyway.
  o.admin_idle = std::chrono::hours(24);
  return o;
}

struct Harness {
  TempRoot root;
  equitas::collector::Collector collector;
  equitas::collector::SyncRunner sync;
  equitas::collector::WebApi api;
  std::string admin_cookie;  // "name=value"
  std::string draft_cookie;
  std::string draft_key;

  Harness()
      : collector(make_collector(root.path / "c", enrollment_code(root.path / "server"))),
        sync(equitas::collector::DataDir{root.path / "c"}, std::chrono::seconds(0)),
        api(collector, sync, web_options(root.path / "c")) {
    api.set_addresses({kHosts[0], kHosts[1], kHosts[2]}, {"http://192.168.1.20:8080"});
    admin_cookie =
        first_cookie(post("/api/v1/admin/login", R"({"pin":")" + std::string(kPin) + R"("})"));
    const HttpResponse draft = post("/api/v1/draft", R"({"form":"staff-climate","lang":"en"})");
    draft_cookie = first_cookie(draft);
    const auto v = boost::json::parse(draft.body());
    draft_key = v.as_object().at("key").as_string().c_str();
    if (admin_cookie.empty() || draft_cookie.empty() || draft_key.empty())
      die("admin login or draft");
  }

  HttpResponse post(const std::string& target, const std::string& body) {
    HttpRequest req{http::verb::post, target, 11};
    req.set(http::field::host, kHosts[0]);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    return api.handle(req, true);
  }

  static std::string first_cookie(const HttpResponse& res) {
    auto it = res.find(http::field::set_cookie);
    if (it == res.end()) return "";
    const std::string c(it->value());
    return c.substr(0, c.find(';'));
  }
};

Harness& harness() {
  static Harness* h = [] {
    if (!equitas::crypto_startup()) die("sodium_init");
    static Harness instance;
    return &instance;
  }();
  return *h;
}

// The request as it would arrive on the socket, or "" when the input has no
// target line.
std::string raw_request(Harness& h, std::string_view input) {
  const auto in = equitas::fuzz::split_fuzz_input(input);
  if (!in) return "";
  const std::uint8_t flags = in->flags;
  const http::verb method = in->method;
  const std::string_view target = in->target;
  const std::string_view body = in->body;

  const char* host = kHosts[(flags >> 1) & 3];
  std::string raw =
      std::string(http::to_string(method)) + " " + std::string(target) + " HTTP/1.1\r\n";
  raw += "Host: " + std::string(host) + "\r\n";
  std::string cookies;
  const auto add_cookie = [&](const std::string& c) {
    cookies += (cookies.empty() ? "" : "; ") + c;
  };
  if (flags & 8) add_cookie("eq_post=" + std::string(kPostToken));
  if (flags & 16) add_cookie(h.admin_cookie);
  if (flags & 32) {
    add_cookie(h.draft_cookie);
    raw += "X-Draft-Key: " + h.draft_key + "\r\n";
  }
  if (!cookies.empty()) raw += "Cookie: " + cookies + "\r\n";
  if (flags & 64) raw += "Origin: http://" + std::string(host) + "\r\n";
  if (!(flags & 128)) raw += "Content-Type: application/json\r\n";
  for (const auto line : in->headers) raw += std::string(line) + "\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  raw += body;
  return raw;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Harness& h = harness();
  const std::string raw =
      raw_request(h, std::string_view(reinterpret_cast<const char*>(data), size));
  if (raw.empty()) return 0;

  auto parsed = equitas::fuzz::parse_request(raw, equitas::collector::web_limits::kHeaderLimit,
                                             equitas::collector::web_limits::kBodyLimit);
  if (!parsed) return 0;  // the server would answer 400 and close
  const HttpRequest& req = *parsed;
  const HttpResponse res = h.api.handle(req, !(data[1] & 1));
  (void)res;
  return 0;
}
