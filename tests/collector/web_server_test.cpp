// `collector serve` on real sockets: half-sent requests (slowloris) from one
// address must not keep the page from loading for anyone else, and are
// closed at the header deadline; a file for a file question may be larger
// than other requests.
#include "web/web_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "fixtures.hpp"
#include "raw_sync_client.hpp"

using namespace equitas;
using namespace equitas::collector;
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

constexpr int kHalfSent = 300;

// A real collector behind a real WebServer on 127.0.0.1:0, its I/O thread
// running for the test's lifetime.
struct Served {
  test::TempDir tmp;
  test::TestServer server{tmp.path() / "server"};
  Collector collector;
  SyncRunner sync;
  WebApi api;
  net::io_context ioc{1};
  WebServer web;
  std::thread io;
  unsigned short port = 0;

  explicit Served(const WebLimits& limits)
      : collector(
            test::make_collector(tmp.path() / "c", server.enroll("Post A", "ws://127.0.0.1:9"))),
        sync(DataDir{tmp.path() / "c"}, std::chrono::seconds(0)),
        api(collector, sync, options(tmp.path() / "c")),
        web(ioc, api, limits) {
    REQUIRE(web.listen(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)).is_ok());
    port = web.local_endpoint().port();
    api.set_addresses({"127.0.0.1:" + std::to_string(port)}, {});
    io = std::thread([this] { ioc.run(); });
  }
  ~Served() {
    net::post(ioc, [this] {
      web.stop();
      ioc.stop();
    });
    io.join();
  }
  static WebOptions options(const std::filesystem::path& dir) {
    WebOptions o;
    o.dir = DataDir{dir};
    return o;
  }

  std::unique_ptr<tcp::socket> connect_from(net::io_context& client_ioc,
                                            const std::string& source) const {
    auto s = std::make_unique<tcp::socket>(client_ioc);
    s->open(tcp::v4());
    s->bind(tcp::endpoint(net::ip::make_address(source), 0));
    s->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    return s;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port); }
};

// Opens kHalfSent connections from `source`, each with a request whose
// headers never end. Writes to connections the server already closed fail,
// which is expected.
std::vector<std::unique_ptr<tcp::socket>> half_sent_flood(const Served& s, net::io_context& ioc,
                                                          const std::string& source) {
  std::vector<std::unique_ptr<tcp::socket>> held;
  const std::string partial = "GET / HTTP/1.1\r\nHost: " + s.host() + "\r\nUser-Agent: slow";
  for (int i = 0; i < kHalfSent; ++i) {
    held.push_back(s.connect_from(ioc, source));
    boost::system::error_code ignored;
    net::write(*held.back(), net::buffer(partial), ignored);
  }
  return held;
}

// How many of `held` the server closes, each within `within`.
int closed_within(std::vector<std::unique_ptr<tcp::socket>>& held,
                  std::chrono::milliseconds within) {
  int closed = 0;
  for (auto& h : held) closed += test::closed_by_peer(*h, within) ? 1 : 0;
  return closed;
}

// Sends `request` from `source` and reads the answer: its status, or 0 when
// the connection was refused or closed first.
unsigned answer_status(const Served& s, net::io_context& ioc, const std::string& source,
                       const std::string& request) {
  auto sock = s.connect_from(ioc, source);
  boost::system::error_code ec;
  net::write(*sock, net::buffer(request), ec);
  if (ec) return 0;
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(*sock, buf, res, ec);
  return ec ? 0u : res.result_int();
}

// GET / from `source`; the status, or 0 when the connection was refused.
unsigned get_page(const Served& s, net::io_context& ioc, const std::string& source) {
  return answer_status(s, ioc, source,
                       "GET / HTTP/1.1\r\nHost: " + s.host() + "\r\nConnection: close\r\n\r\n");
}

// `head` (a request line and headers, without the blank line) with
// Content-Length `length`, then `body`, from 127.0.0.1; the status.
unsigned raw_post(const Served& s, net::io_context& ioc, const std::string& head,
                  std::size_t length, const std::string& body) {
  return answer_status(s, ioc, "127.0.0.1",
                       head + "Host: " + s.host() + "\r\nContent-Length: " +
                           std::to_string(length) + "\r\nConnection: close\r\n\r\n" + body);
}

}  // namespace

TEST_CASE("300 half-sent requests from one address do not stop the page loading from another",
          "[collector][web][slowloris]") {
  // A header deadline far beyond the test: only the per-address cap can
  // let the second address in.
  WebLimits limits;
  limits.header_timeout = std::chrono::minutes(5);
  Served s(limits);
  net::io_context ioc;
  auto held = half_sent_flood(s, ioc, "127.0.0.1");
  // 127.0.0.2 is loopback too on Linux: the laptop's browser while another
  // address floods.
  CHECK(get_page(s, ioc, "127.0.0.2") == 200);
  // Beyond the per-address cap the flood was closed at accept.
  CHECK(closed_within(held, std::chrono::milliseconds(20)) >=
        kHalfSent - static_cast<int>(web_limits::kMaxConnectionsPerAddress));
}

TEST_CASE("half-sent requests are closed at the header deadline, and the page loads meanwhile",
          "[collector][web][slowloris][deadline]") {
  WebLimits limits;
  limits.header_timeout = std::chrono::seconds(1);
  Served s(limits);
  net::io_context ioc;
  auto held = half_sent_flood(s, ioc, "127.0.0.1");
  CHECK(get_page(s, ioc, "127.0.0.2") == 200);
  // Every one of them is closed: the ones over the cap at once, the others
  // at the deadline. (Generous: this is a bound on a hang, not a timing.)
  CHECK(closed_within(held, std::chrono::seconds(20)) == kHalfSent);
  // The flooding address is served again once its half-sent requests are gone.
  CHECK(get_page(s, ioc, "127.0.0.1") == 200);
}

TEST_CASE("a file for a file question may be larger than any other request, up to its own limit",
          "[collector][web][limits]") {
  Served s(WebLimits{});
  net::io_context ioc;
  const std::string upload =
      "POST /api/v1/draft/files?question=photo&name=a.jpg HTTP/1.1\r\n"
      "Content-Type: application/octet-stream\r\n";
  // Over the limit of other requests, under a file's: read, and answered by
  // the API (no draft here), not refused as too large.
  const unsigned two_mib =
      raw_post(s, ioc, upload, 2 * 1024 * 1024, std::string(2 * 1024 * 1024, 'x'));
  CHECK(two_mib != 0);
  CHECK(two_mib != 413);
  // Refused on its headers alone.
  CHECK(raw_post(s, ioc, upload, web_limits::kFileBodyLimit + 1, "") == 413);
  CHECK(raw_post(s, ioc, "POST /api/v1/draft HTTP/1.1\r\nContent-Type: application/json\r\n",
                 web_limits::kBodyLimit + 1, "") == 413);
}
