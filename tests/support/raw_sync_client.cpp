#include "raw_sync_client.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace equitas::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {
// No single step of a test conversation should take longer than this.
constexpr auto kStepDeadline = std::chrono::seconds(15);
}  // namespace

template <class Start>
beast::error_code RawSyncClient::run(Start&& start) {
  beast::error_code result = net::error::would_block;
  beast::get_lowest_layer(ws_).expires_after(kStepDeadline);
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  return result;
}

RawSyncClient::RawSyncClient(unsigned short port, const std::string& source) : ws_(ioc_) {
  auto& sock = socket();
  sock.open(tcp::v4());
  if (!source.empty()) sock.bind(tcp::endpoint(net::ip::make_address(source), 0));
  const tcp::endpoint server(net::ip::make_address("127.0.0.1"), port);
  if (auto ec =
          run([&](auto handler) { beast::get_lowest_layer(ws_).async_connect(server, handler); })) {
    throw std::runtime_error("connect: " + ec.message());
  }
  ws_.binary(true);
  ws_.read_message_max(4 * 1024 * 1024);
  ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::sec_websocket_protocol, "equitas-sync.v1");
  }));
  if (auto ec = run([&](auto handler) { ws_.async_handshake("127.0.0.1", "/sync", handler); })) {
    throw std::runtime_error("upgrade: " + ec.message());
  }
}

Status RawSyncClient::write(const Bytes& message) {
  if (auto ec = run([&](auto handler) { ws_.async_write(net::buffer(message), handler); })) {
    return Status::unavailable("write: " + ec.message());
  }
  return Status::ok();
}

Result<Bytes> RawSyncClient::read() {
  buffer_.clear();
  if (auto ec = run([&](auto handler) { ws_.async_read(buffer_, handler); })) {
    return Status::unavailable("read: " + ec.message() + " (close " +
                               std::to_string(ws_.reason().code) + " " +
                               std::string(ws_.reason().reason.c_str()) + ")");
  }
  const auto d = buffer_.cdata();
  const auto* p = static_cast<const std::uint8_t*>(d.data());
  return Bytes(p, p + d.size());
}

Result<SyncMessage> RawSyncClient::read_sealed() {
  EQ_ASSIGN_OR_RETURN(Bytes msg, read());
  EQ_ASSIGN_OR_RETURN(Bytes plain, channel_.open(msg));
  return decode_sync_message(plain);
}

Result<Welcome> RawSyncClient::authenticate(const ServerPublicKeys& server, const DeviceId& device,
                                            const SigningKey& key) {
  ClientHandshake hs(server);
  EQ_RETURN_IF_ERROR(write(hs.hello()));
  EQ_ASSIGN_OR_RETURN(Bytes server_hello, read());
  EQ_ASSIGN_OR_RETURN(Bytes auth, hs.on_server_hello(server_hello, device, key, nullptr));
  EQ_RETURN_IF_ERROR(write(auth));
  channel_ = hs.take_channel();
  EQ_ASSIGN_OR_RETURN(SyncMessage first, read_sealed());
  if (const auto* err = std::get_if<ErrorMsg>(&first)) {
    return Status::permission_denied(std::string(session_error_name(err->code)) + ": " +
                                     err->message);
  }
  if (const auto* w = std::get_if<Welcome>(&first)) return *w;
  return Status::corruption("the server did not send a Welcome");
}

Result<Ack> RawSyncClient::push(std::uint64_t batch_seq, const std::vector<Bytes>& envelopes) {
  EQ_RETURN_IF_ERROR(write(seal(encode(Push{batch_seq, envelopes, {}}))));
  EQ_ASSIGN_OR_RETURN(SyncMessage reply, read_sealed());
  if (const auto* err = std::get_if<ErrorMsg>(&reply)) {
    return Status::unavailable(std::string(session_error_name(err->code)) + ": " + err->message);
  }
  if (const auto* ack = std::get_if<Ack>(&reply)) return *ack;
  return Status::corruption("the server did not acknowledge the push");
}

bool closed_by_peer(tcp::socket& socket, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  const int fd = socket.native_handle();
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  }
}

}  // namespace equitas::test
