// The server's edges, on real sockets: oversized frames, foreign origins,
// the health endpoint, deadlines, caps, and how stop ends each session.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "fixtures.hpp"
#include "raw_sync_client.hpp"

using namespace equitas;
using namespace equitas::test;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {
tcp::endpoint endpoint_of(const TestServer& s) {
  const std::string url = s.url();
  return {net::ip::make_address("127.0.0.1"),
          static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)))};
}

// A WebSocket stream to `server`, connected, before its handshake.
websocket::stream<tcp::socket> connected_ws(net::io_context& ioc, const TestServer& server) {
  websocket::stream<tcp::socket> ws(ioc);
  ws.next_layer().connect(endpoint_of(server));
  return ws;
}

// A connection to `server` from `source` (127.0.0.x: loopback on Linux).
std::unique_ptr<tcp::socket> connect_from(net::io_context& ioc, const TestServer& server,
                                          const std::string& source) {
  auto s = std::make_unique<tcp::socket>(ioc);
  s->open(tcp::v4());
  s->bind(tcp::endpoint(net::ip::make_address(source), 0));
  s->connect(endpoint_of(server));
  return s;
}

// True when the health endpoint answers on `s`; false when the server
// closed it without a word.
bool healthz(tcp::socket& s) {
  const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::system::error_code ec;
  net::write(s, net::buffer(req), ec);
  if (ec) return false;
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res, ec);
  return !ec && res.result() == http::status::ok;
}
}  // namespace

TEST_CASE("a frame over the limit is closed with 1009, and other sessions carry on",
          "[server][limits]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  net::io_context ioc;
  auto ws = connected_ws(ioc, server);
  ws.handshake("127.0.0.1", "/sync");
  ws.binary(true);
  // Before authentication the limit is handshake-sized (1 KiB).
  const std::string big(4096, 'x');
  beast::error_code ec;
  ws.write(net::buffer(big), ec);
  beast::flat_buffer buf;
  ws.read(buf, ec);
  // The server's close frame arrives; answering it may then find the
  // socket already gone (EPIPE): either way the session is over, with 1009.
  CHECK(ec);
  CHECK(ws.reason().code == websocket::close_code::too_big);

  // The server still serves a real collector.
  auto c = make_collector(tmp / "c", server.enroll("Post"));
  submit_many(c, 2);
  CHECK(c.sync({})->accepted == 2);
}

TEST_CASE("a WebSocket upgrade from a browser page (with Origin) gets 403", "[server][limits]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  net::io_context ioc;
  auto ws = connected_ws(ioc, server);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(http::field::origin, "http://evil.example"); }));
  websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, "127.0.0.1", "/sync", ec);
  CHECK(ec == websocket::error::upgrade_declined);
  CHECK(res.result() == http::status::forbidden);
}

TEST_CASE("the health endpoint answers, and unknown paths are 404", "[server][limits]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(endpoint_of(server));
  for (const auto& [target, status] :
       {std::pair<std::string, http::status>{"/healthz", http::status::ok},
        {"/nope", http::status::not_found}}) {
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    CHECK(res.result() == status);
    CHECK(res[http::field::cache_control] == "no-store");
  }
}

namespace {

using Clock = std::chrono::steady_clock;

// Writes `bytes` on `sock` one byte every `pace` until the peer closes the
// connection; returns how long that took, or nullopt if it never did.
std::optional<Clock::duration> drip_until_closed(tcp::socket& sock, const std::string& bytes,
                                                 std::chrono::milliseconds pace) {
  const auto start = Clock::now();
  for (char ch : bytes) {
    boost::system::error_code ec;
    net::write(sock, net::buffer(&ch, 1), ec);
    if (ec || closed_by_peer(sock, pace)) return Clock::now() - start;
  }
  return std::nullopt;
}

// A 2 s deadline closed the dripping connection: about 2 s after the
// drip began, with a second's slack for a loaded machine.
void check_cut_at_2s(const std::optional<Clock::duration>& cut) {
  REQUIRE(cut.has_value());
  const double secs = std::chrono::duration<double>(*cut).count();
  INFO("the dripping connection was closed after " << secs << " s");
  CHECK(secs >= 1.5);
  CHECK(secs <= 2.0 + 1.0);
}

// A masked binary WebSocket frame header announcing `n` payload bytes,
// followed by those bytes (masked with a zero key, so as written).
std::string masked_frame(std::size_t n) {
  std::string f;
  f.push_back(static_cast<char>(0x82));        // FIN, binary
  f.push_back(static_cast<char>(0x80 | 126));  // masked, 16-bit length
  f.push_back(static_cast<char>((n >> 8) & 0xff));
  f.push_back(static_cast<char>(n & 0xff));
  f.append(4, '\0');  // masking key
  f.append(n, 'x');
  return f;
}

collector::Collector registered_collector(TestServer& server, const std::filesystem::path& dir) {
  auto c = make_collector(dir, server.enroll("Post"));
  auto first = c.sync({});
  INFO(first.status().to_string());
  REQUIRE(first.is_ok());
  return c;
}

// A bare session of `c`'s device, admitted.
std::unique_ptr<RawSyncClient> admitted_as(const TestServer& server, collector::Collector& c) {
  const auto e = c.enrollment();
  REQUIRE(e.is_ok());
  auto client = std::make_unique<RawSyncClient>(server.port());
  REQUIRE(client->authenticate((*e)->server, (*e)->device_id, c.device_key()).is_ok());
  return client;
}

}  // namespace

TEST_CASE(
    "a client dripping one message is cut off at the message deadline, while a collector syncs",
    "[server][limits][deadline]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server::SessionLimits limits;
  limits.message_deadline = std::chrono::seconds(2);
  server.start_with_limits(limits);
  auto dripper = registered_collector(server, tmp / "dripper");
  auto honest = registered_collector(server, tmp / "honest");
  submit_many(honest, 20);

  RawSyncClient raw(server.port());
  const auto e = dripper.enrollment();
  REQUIRE(e.is_ok());
  REQUIRE(raw.authenticate((*e)->server, (*e)->device_id, dripper.device_key()).is_ok());
  // From here the server is reading the next message. A byte every 100 ms
  // keeps Beast's idle timer happy for ever; the message deadline must not.
  std::optional<std::chrono::steady_clock::duration> cut;
  std::thread drip([&] {
    cut = drip_until_closed(raw.socket(), masked_frame(1000), std::chrono::milliseconds(100));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = honest.sync({});
  drip.join();
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 20);
  check_cut_at_2s(cut);
}

TEST_CASE("an HTTP upgrade request dripped one byte at a time is cut off at the request deadline",
          "[server][limits][deadline]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server::SessionLimits limits;
  limits.http_request_timeout = std::chrono::seconds(2);
  server.start_with_limits(limits);
  net::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(endpoint_of(server));
  const std::string request =
      "GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  check_cut_at_2s(drip_until_closed(sock, request, std::chrono::milliseconds(100)));
}

TEST_CASE("unauthenticated connections are capped per IP address, not for other addresses",
          "[server][limits][caps]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  net::io_context ioc;
  const auto connect = [&](const std::string& source) { return connect_from(ioc, server, source); };
  std::vector<std::unique_ptr<tcp::socket>> held;
  for (std::size_t i = 0; i < server::kMaxUnauthenticatedPerIp; ++i)
    held.push_back(connect("127.0.0.1"));
  // The listener counts a connection when it accepts it; let it catch up.
  auto over = connect("127.0.0.1");
  CHECK(closed_by_peer(*over, std::chrono::seconds(5)));
  auto other = connect("127.0.0.2");
  CHECK(healthz(*other));

  // One slot frees up when one held connection goes away.
  held.pop_back();
  bool again = false;
  for (int i = 0; i < 50 && !again; ++i) {
    auto s = connect("127.0.0.1");
    again = healthz(*s);
    if (!again) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(again);
  held.clear();
  // A collector (from 127.0.0.1) syncs once the flood is gone.
  auto c = make_collector(tmp / "c", server.enroll("Post"));
  submit_many(c, 2);
  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 2);
}

TEST_CASE("a device's second session displaces its first, which is dropped at once",
          "[server][limits][caps]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = registered_collector(server, tmp / "c");
  auto first = admitted_as(server, c);
  auto second = admitted_as(server, c);
  // The first connection is closed by the server (no close frame); the
  // second one works.
  CHECK(closed_by_peer(first->socket(), std::chrono::seconds(2)));
  auto ack = second->push(1, {});
  INFO(ack.status().to_string());
  REQUIRE(ack.is_ok());
  CHECK(ack->batch_seq == 1);
  // The real collector, in turn, displaces the second and syncs.
  submit_many(c, 3);
  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 3);
  CHECK(closed_by_peer(second->socket(), std::chrono::seconds(2)));
}

TEST_CASE(
    "a full unauthenticated pool still lets health checks and collectors in: authenticated ones "
    "carry on",
    "[server][limits][caps]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server::SessionLimits limits;
  limits.max_unauthenticated_per_ip = 3;
  limits.max_unauthenticated = 6;
  server.start_with_limits(limits);
  auto c = registered_collector(server, tmp / "c");
  auto early = registered_collector(server, tmp / "early");
  // A session that authenticated before the flood.
  RawSyncClient authenticated(server.port());
  const auto e = early.enrollment();
  REQUIRE(e.is_ok());
  REQUIRE(authenticated.authenticate((*e)->server, (*e)->device_id, early.device_key()).is_ok());

  net::io_context ioc;
  const auto connect = [&](const std::string& source) { return connect_from(ioc, server, source); };
  // The flood: two addresses, each at its own cap, fill the pool (the
  // listener counts each at accept: a health check per address shows it
  // has caught up, since its own budget is then full and it is refused).
  std::vector<std::unique_ptr<tcp::socket>> flood;
  for (const std::string source : {"127.0.0.2", "127.0.0.3"}) {
    for (int i = 0; i < 3; ++i) flood.push_back(connect(source));
    auto over = connect(source);
    CHECK(closed_by_peer(*over, std::chrono::seconds(5)));
  }
  // A newcomer from another address is served, and the flood pays for it:
  // its oldest connection is closed, long before any deadline.
  auto probe = connect("127.0.0.4");
  CHECK(healthz(*probe));
  CHECK(closed_by_peer(*flood.front(), std::chrono::seconds(5)));
  // A collector connecting now authenticates and syncs.
  submit_many(c, 2);
  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 2);
  // The session authenticated before the flood was never at risk.
  auto ack = authenticated.push(1, {});
  INFO(ack.status().to_string());
  REQUIRE(ack.is_ok());
  CHECK(ack->batch_seq == 1);
}

TEST_CASE("stop: an admitted session hears 'try again later' after its ack, the others are dropped",
          "[server][stop]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = registered_collector(server, tmp / "c");
  auto admitted = admitted_as(server, c);
  auto ack = admitted->push(1, {});
  INFO(ack.status().to_string());
  REQUIRE(ack.is_ok());
  // A connection that never says anything, and a WebSocket that has not
  // authenticated: neither is admitted, so both are dropped without a word.
  net::io_context ioc;
  tcp::socket silent(ioc);
  silent.connect(endpoint_of(server));
  RawSyncClient unadmitted(server.port());

  // Stop waits for the sessions to end, and the admitted one ends once its
  // close is answered: this thread reads it while another stops.
  std::thread stopping([&server] { server.stop(); });
  // What a Push would be told now: Error 7, then close 1013.
  auto told = admitted->read_sealed();
  INFO(told.status().to_string());
  REQUIRE(told.is_ok());
  const auto* error = std::get_if<ErrorMsg>(&*told);
  REQUIRE(error != nullptr);
  CHECK(error->code == SessionError::kUnavailable);
  CHECK_FALSE(admitted->read().is_ok());
  CHECK(admitted->close_reason().code == websocket::close_code::try_again_later);
  CHECK_FALSE(unadmitted.read().is_ok());
  CHECK(unadmitted.close_reason().code == websocket::close_code::none);
  CHECK(closed_by_peer(silent, std::chrono::seconds(10)));
  stopping.join();
}
