// web::HttpSession on real loopback sockets, behind a web::Listener: the
// limits answer 413 and close, the deadlines close, and none of that is
// reported as a failure.
#include "equitas/web/http_session.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "equitas/web/listener.hpp"
#include "raw_sync_client.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace web = equitas::web;
using equitas::test::closed_by_peer;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr web::ResponseHeaders kHeaders{"equitas-test", "default-src 'none'"};

// Answers every request with the size of its body; POST /big may carry
// four times the body limit.
class EchoSession : public web::HttpSession {
 public:
  EchoSession(tcp::socket&& socket, web::ConnectionLease lease, const web::SessionLimits& limits,
              std::atomic<int>& failures)
      : HttpSession(std::move(socket), limits, kHeaders),
        lease_(std::move(lease)),
        failures_(failures) {}

 private:
  void on_request(Request req) override {
    // GET /large/N: N bytes, for the write deadline.
    const std::string_view target = req.target();
    const std::string body = target.rfind("/large/", 0) == 0
                                 ? std::string(std::stoul(std::string(target.substr(7))), 'z')
                                 : std::to_string(req.body().size());
    send(web::ResponseBuilder(headers(), http::status::ok, req.version(), req.keep_alive())
             .type("text/plain")
             .text(body));
  }
  std::size_t body_limit_for(const Request& req) const override {
    return req.target() == "/big" ? 4 * limits().body_limit : limits().body_limit;
  }
  void on_failure(boost::system::error_code, std::string_view) override { ++failures_; }

  web::ConnectionLease lease_;
  std::atomic<int>& failures_;
};

struct Served {
  asio::io_context ioc;
  std::shared_ptr<web::Listener> listener;
  std::atomic<int> failures{0};
  std::thread io;

  explicit Served(const web::SessionLimits& limits) {
    auto l = web::Listener::open(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
                                 {.max_connections = 16, .max_per_address = 16});
    REQUIRE(l.is_ok());
    listener = *l;
    listener->run([this, limits](tcp::socket socket, web::ConnectionLease lease) {
      std::make_shared<EchoSession>(std::move(socket), std::move(lease), limits, failures)->run();
    });
    io = std::thread([this] { ioc.run(); });
  }
  ~Served() {
    listener->stop();
    ioc.stop();
    io.join();
  }
  tcp::socket connect(asio::io_context& client) const {
    tcp::socket s(client);
    s.connect(listener->local_endpoint());
    return s;
  }
};

web::SessionLimits limits() {
  web::SessionLimits l;
  l.header_limit = 1024;
  l.body_limit = 1024;
  l.header_timeout = std::chrono::seconds(5);
  l.request_timeout = std::chrono::seconds(10);
  l.write_timeout = std::chrono::seconds(5);
  return l;
}

http::response<http::string_body> post(tcp::socket& s, const std::string& target,
                                       std::size_t body_bytes, bool keep_alive = true) {
  http::request<http::string_body> req(http::verb::post, target, 11);
  req.set(http::field::host, "127.0.0.1");
  req.body() = std::string(body_bytes, 'x');
  req.keep_alive(keep_alive);
  req.prepare_payload();
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return res;
}

// Seconds from now until the server closes `s`; -1 if it stays open for 10 s.
double seconds_until_closed(tcp::socket& s) {
  const auto start = Clock::now();
  if (!closed_by_peer(s, std::chrono::seconds(10))) return -1;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("a body over the limit gets 413 and the connection closes, and one within it is answered",
          "[web][session][limits]") {
  Served s(limits());
  asio::io_context client;
  auto sock = s.connect(client);
  auto small = post(sock, "/echo", 100);
  CHECK(small.result() == http::status::ok);
  CHECK(small.body() == "100");
  CHECK(small.keep_alive());
  auto again = post(sock, "/echo", 1024);  // the same connection, kept alive
  CHECK(again.body() == "1024");

  auto big = post(sock, "/echo", 2000);
  CHECK(big.result() == http::status::payload_too_large);
  CHECK(big.body() == R"({"error":"request too large"})");
  CHECK(big[http::field::cache_control] == "no-store");
  CHECK(big["X-Content-Type-Options"] == "nosniff");
  CHECK_FALSE(big.keep_alive());
  CHECK(closed_by_peer(sock, std::chrono::seconds(5)));

  // A target the session allows more for.
  auto other = s.connect(client);
  CHECK(post(other, "/big", 2000).body() == "2000");
  CHECK(s.failures == 0);
}

TEST_CASE("headers over the limit get 413 and the connection closes", "[web][session][limits]") {
  Served s(limits());
  asio::io_context client;
  auto sock = s.connect(client);
  const std::string req =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " + std::string(2000, 'y') + "\r\n\r\n";
  asio::write(sock, asio::buffer(req));
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  CHECK(res.result() == http::status::payload_too_large);
  CHECK(closed_by_peer(sock, std::chrono::seconds(5)));
  CHECK(s.failures == 0);
}

TEST_CASE(
    "headers that never end are closed at the header deadline, a dripped body at the request "
    "deadline",
    "[web][session][deadline]") {
  web::SessionLimits l = limits();
  l.header_timeout = std::chrono::milliseconds(300);
  l.request_timeout = std::chrono::milliseconds(1500);
  Served s(l);
  asio::io_context client;

  auto half_sent = s.connect(client);
  asio::write(half_sent,
              asio::buffer(std::string("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow")));
  const double header_cut = seconds_until_closed(half_sent);
  INFO("headers cut after " << header_cut << " s");
  CHECK(header_cut >= 0.2);
  CHECK(header_cut < 1.2);

  // A kept-alive connection waits for its next request as long as for headers.
  auto idle = s.connect(client);
  CHECK(post(idle, "/echo", 1).result() == http::status::ok);
  const double idle_cut = seconds_until_closed(idle);
  INFO("idle connection cut after " << idle_cut << " s");
  CHECK(idle_cut >= 0.2);
  CHECK(idle_cut < 1.2);

  // Headers in time, then a byte of body every 100 ms: the whole request
  // has 1.5 s.
  auto dripping = s.connect(client);
  const auto start = Clock::now();
  asio::write(dripping, asio::buffer(std::string(
                            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n")));
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    boost::system::error_code ec;
    asio::write(dripping, asio::buffer("x", 1), ec);
    closed = ec || closed_by_peer(dripping, std::chrono::milliseconds(100));
  }
  REQUIRE(closed);
  const double body_cut = std::chrono::duration<double>(Clock::now() - start).count();
  INFO("dripped body cut after " << body_cut << " s");
  CHECK(body_cut >= 1.3);
  CHECK(body_cut < 3.0);

  // Garbage is the peer's doing too: closed, not reported.
  auto garbage = s.connect(client);
  asio::write(garbage, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  CHECK(closed_by_peer(garbage, std::chrono::seconds(5)));
  CHECK(s.failures == 0);
}

TEST_CASE(
    "a large response to a slow reader completes however long it takes, and a reader that stops "
    "is cut off",
    "[web][session][deadline]") {
  web::SessionLimits l = limits();
  l.write_timeout = std::chrono::milliseconds(400);
  Served s(l);
  asio::io_context client;

  // 48 MB read 256 KB at a time, 10 ms apart: the server's write takes a
  // few times its deadline (the kernel holds ten-odd MB of it at most), yet
  // never waits long for the reader.
  constexpr std::size_t kSlow = 48 * 1024 * 1024;
  auto slow = s.connect(client);
  const std::string get = "GET /large/" + std::to_string(kSlow) +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  asio::write(slow, asio::buffer(get));
  std::size_t received = 0;
  std::vector<char> chunk(256 * 1024);
  const auto t0 = Clock::now();
  boost::system::error_code ended;
  while (!ended) {
    received += slow.read_some(asio::buffer(chunk), ended);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO("the slow read ended after " << std::chrono::duration<double>(Clock::now() - t0).count()
                                    << " s: " << ended.message());
  CHECK(received > kSlow);  // the whole body, and its headers
  CHECK(s.failures == 0);

  // A reader that asks for 64 MB and then reads nothing: more than the
  // sockets' buffers hold, so the server's write stalls and is cut off.
  constexpr std::size_t kStalled = 64 * 1024 * 1024;
  auto stalled = s.connect(client);
  asio::write(stalled, asio::buffer("GET /large/" + std::to_string(kStalled) +
                                    " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::size_t got = 0;
  for (;;) {
    boost::system::error_code ec;
    got += stalled.read_some(asio::buffer(chunk), ec);
    if (ec) break;
  }
  INFO("a stalled reader got " << got << " bytes of " << kStalled);
  CHECK(got < kStalled);
}
