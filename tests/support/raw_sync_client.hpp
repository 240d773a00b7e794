// A bare sync client for socket-level tests: it speaks the protocol message
// by message, so a test can replay, reorder, forge or drip what a real
// collector never would. Everything runs on a private io_context with a
// deadline per operation; nothing is retried. Not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas::test {

class RawSyncClient {
 public:
  // Connects to 127.0.0.1:`port` (from `source`, a 127.0.0.x address, when
  // given) and upgrades to a WebSocket on /sync.
  explicit RawSyncClient(unsigned short port, const std::string& source = "");
  RawSyncClient(const RawSyncClient&) = delete;
  RawSyncClient& operator=(const RawSyncClient&) = delete;

  // The three handshake messages as `device`, then the Welcome.
  Result<Welcome> authenticate(const ServerPublicKeys& server, const DeviceId& device,
                               const SigningKey& key);

  // The next message on this session's channel, sealed but not sent.
  Bytes seal(const Bytes& plaintext) { return channel_.seal(plaintext); }
  // One WebSocket binary message, as is.
  Status write(const Bytes& message);
  // The next WebSocket message; an error once the session is closed.
  Result<Bytes> read();
  Result<SyncMessage> read_sealed();
  // Push + its Ack (or the Error / close that came instead, as a Status).
  Result<Ack> push(std::uint64_t batch_seq, const std::vector<Bytes>& envelopes);

  // The server's close frame, once read() has failed on it.
  const boost::beast::websocket::close_reason& close_reason() const { return ws_.reason(); }
  // Raw TCP below the WebSocket layer, for dripping bytes.
  boost::asio::ip::tcp::socket& socket() { return boost::beast::get_lowest_layer(ws_).socket(); }

 private:
  template <class Start>
  boost::beast::error_code run(Start&& start);

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  SecureChannel channel_;
};

// True when the peer closes `socket` (EOF or reset) within `within`; data
// that arrives meanwhile is read and ignored.
bool closed_by_peer(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds within);

}  // namespace equitas::test
