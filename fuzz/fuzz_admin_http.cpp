// Fuzz target: the sync server's dashboard and admin API (AdminApi::handle),
// which answers anyone who can reach the server's port.
//
// One AdminApi is built at start-up on a real server data folder (made with
// the `sync-server` CLI), with an admin token and a signed-in session, so
// inputs reach the paths behind both.
//
// Input: u8 method | u8 flags | target "\n" header lines "\n" ... "\n\n" body
//   flags bit 0: Authorization: Bearer with the good token
//         bit 1: Authorization: Bearer with a wrong one
//         bit 2: send the session cookie
//         bit 3: Origin: this server        bit 4: Origin: a foreign site
//         bit 5: omit Content-Type: application/json
// The request is written out as HTTP/1.1 and parsed by Beast with the
// server's own limits, so the handler sees only what the server would give it.
//
// AdminApi::handle catches std exceptions itself, so nothing is caught here.
#include <sodium.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "admin_api.hpp"
#include "equitas/crypto/secret.hpp"
#include "limits.hpp"
#include "parse_request.hpp"
#include "server_cli.hpp"

namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
constexpr std::string_view kHost = "127.0.0.1:8443";

[[noreturn]] void die(std::string_view what) {
  std::cerr << "fuzz_admin_http: setup failed: " << what << "\n";
  std::abort();
}

struct Harness {
  fs::path root;
  std::unique_ptr<equitas::server::AdminApi> api;
  std::string token;
  std::string cookie;  // "name=value"

  Harness() {
    std::string tmpl = (fs::temp_directory_path() / "equitas-fuzz-admin-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
    root = tmpl;
    std::ostringstream out, err;
    if (equitas::server::run_cli({"init", "--data-dir", (root / "s").string()}, out, err) != 0)
      die(err.str());
    std::ostringstream tok;
    if (equitas::server::run_cli(
            {"admin-token", "create", "--data-dir", (root / "s").string(), "--label", "fuzz"}, tok,
            err) != 0) {
      die(err.str());
    }
    token = tok.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    equitas::server::AdminApiOptions opts;
    opts.max_failures = 1 << 30;  // never throttle: the fuzzer guesses on purpose
    auto a = equitas::server::AdminApi::open(equitas::server::DataDir{root / "s"}, opts);
    if (!a.is_ok()) die(a.status().to_string());
    api = std::move(*a);
    equitas::server::AdminRequest login{http::verb::post, "/api/v1/session", 11};
    login.set(http::field::host, kHost);
    login.set(http::field::content_type, "application/json");
    login.body() = "{\"token\":\"" + token + "\"}";
    login.prepare_payload();
    const auto res = api->handle(login, "127.0.0.1");
    const std::string c(res.text[http::field::set_cookie]);
    cookie = c.substr(0, c.find(';'));
    if (cookie.empty()) die("sign-in");
  }
  ~Harness() {
    std::error_code ec;
    fs::remove_all(root, ec);
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
std::string raw_request(const Harness& h, std::string_view input) {
  const auto in = equitas::fuzz::split_fuzz_input(input);
  if (!in) return "";
  const std::uint8_t flags = in->flags;
  std::string raw =
      std::string(http::to_string(in->method)) + " " + std::string(in->target) + " HTTP/1.1\r\n";
  raw += "Host: " + std::string(kHost) + "\r\n";
  for (const auto line : in->headers) raw += std::string(line) + "\r\n";
  if (flags & 1) raw += "Authorization: Bearer " + h.token + "\r\n";
  if (flags & 2) raw += "Authorization: Bearer eqa_wrong\r\n";
  if (flags & 4) raw += "Cookie: " + h.cookie + "\r\n";
  if (flags & 8) raw += "Origin: http://" + std::string(kHost) + "\r\n";
  if (flags & 16) raw += "Origin: https://evil.example\r\n";
  if (!(flags & 32)) raw += "Content-Type: application/json\r\n";
  raw += "Content-Length: " + std::to_string(in->body.size()) + "\r\n\r\n";
  raw += in->body;
  return raw;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Harness& h = harness();
  const std::string raw =
      raw_request(h, std::string_view(reinterpret_cast<const char*>(data), size));
  if (raw.empty()) return 0;
  auto parsed = equitas::fuzz::parse_request(raw, equitas::server::kHttpHeaderLimit,
                                             equitas::server::kHttpBodyLimit);
  if (!parsed) return 0;
  const auto& req = *parsed;
  if (!equitas::server::AdminApi::serves(req.target()))
    return 0;  // http_session answers those itself
  const auto res = h.api->handle(req, "10.0.0.1");
  (void)res;
  return 0;
}
