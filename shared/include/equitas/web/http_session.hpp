// One HTTP connection (Beast's `http_session`), as a base for each
// program's own: it reads one request at a time within the program's
// SessionLimits, hands each whole request to on_request(), writes the
// answer the program gives to send(), and reads the next request while the
// connection is kept alive.
//
// Reading a request: its headers on header_timeout (a kept-alive
// connection waits as long for the next request), then its body on what is
// left of request_timeout; header_limit and body_limit bytes at most (a
// program may raise the body limit for some targets: body_limit_for()).
//
// Errors: every on_* handler checks its error first and hands it to one
// fail(). Over a limit, the answer is too_large() (413) and the connection
// closes. A peer that went away, a deadline, a cancelled operation or a
// request the peer sent malformed close the connection without a word:
// there is nothing useful to say to anyone. Anything else closes it too,
// and is told to on_failure() first.
//
// Lifetime and threads: a session lives exactly as long as an operation
// is pending on it or a handler holds it (handlers are bound to
// shared_from_this()). Everything runs on the socket's strand; a program
// that prepares an answer elsewhere posts its send() back to the strand.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include "equitas/web/limits.hpp"
#include "equitas/web/response.hpp"

namespace equitas::web {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  using Request = http::request<http::string_body>;

  virtual ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Starts reading the first request.
  void run();

 protected:
  // `socket` is connected; its executor is the session's strand.
  HttpSession(boost::asio::ip::tcp::socket&& socket, const SessionLimits& limits,
              const ResponseHeaders& headers);

  // A whole request. Answer it with send(), now or later on the strand, or
  // take the connection over with take_stream().
  virtual void on_request(Request req) = 0;
  // The body limit for a request whose headers are `req`.
  virtual std::size_t body_limit_for(const Request& req) const;
  // The answer to a request over the header or body limit: 413 with a JSON
  // error, unless the program says otherwise. The connection then closes.
  virtual http::response<http::string_body> too_large(unsigned version) const;
  // An error nobody expected (neither the peer's doing nor a deadline), just
  // before the connection closes. Default: nothing.
  virtual void on_failure(boost::beast::error_code ec, std::string_view where);

  // Writes `res`, one response at a time, each piece within write_timeout
  // (a slow reader is fine, a stalled one is cut off); then reads
  // the next request if `res` keeps the connection alive, or closes it.
  void send(http::response<http::string_body>&& res);
  void send(http::response<http::file_body>&& res);
  // Sends what is left and shuts the connection down for writing; the peer
  // sees the end of the stream, and the session ends with its last handler.
  void close();
  // Closes the socket at once, cancelling whatever is pending (an
  // eviction). Must run on the strand.
  void drop();
  // The connection, for another protocol (a WebSocket upgrade): from now on
  // this session neither reads, writes nor closes it.
  boost::beast::tcp_stream take_stream();
  bool handed_over() const { return handed_over_; }

  boost::beast::tcp_stream& stream() { return stream_; }
  // The peer's address, as it was when the connection was accepted.
  const boost::asio::ip::address& peer() const { return peer_; }
  const SessionLimits& limits() const { return limits_; }
  const ResponseHeaders& headers() const { return headers_; }

  // shared_from_this() as the derived session.
  template <class Derived>
  std::shared_ptr<Derived> shared_as() {
    return std::static_pointer_cast<Derived>(shared_from_this());
  }

 private:
  void do_read();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  template <class Response>
  void write(std::shared_ptr<Response> res);
  template <class Serializer>
  void write_some(std::shared_ptr<Serializer> sr, bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void fail(boost::beast::error_code ec, std::string_view where);

  boost::beast::tcp_stream stream_;
  const boost::asio::ip::address peer_;
  const SessionLimits limits_;
  const ResponseHeaders headers_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::chrono::steady_clock::time_point request_started_;
  std::shared_ptr<void> response_;  // the one being written
  bool handed_over_ = false;
};

}  // namespace equitas::web
