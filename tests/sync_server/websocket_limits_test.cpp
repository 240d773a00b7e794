// The server's edges, on real sockets: oversized frames, foreign origins,
// the health endpoint.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include "fixtures.hpp"

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
  return {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)))};
}
}  // namespace

TEST_CASE("a frame over the limit is closed with 1009, and other sessions carry on", "[server][limits]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  net::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  ws.next_layer().connect(endpoint_of(server));
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
  websocket::stream<tcp::socket> ws(ioc);
  ws.next_layer().connect(endpoint_of(server));
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
  for (const auto& [target, status] : {std::pair<std::string, http::status>{"/healthz", http::status::ok},
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
