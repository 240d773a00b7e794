#include "equitas/web/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cassert>

namespace equitas::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

asio::ip::address peer_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? asio::ip::address() : endpoint.address();
}

// What ends a connection in the normal course of things: the peer closed
// it or went away (or its link did), a deadline passed, we cancelled, or
// the peer sent something that is not HTTP (Beast's http::error, bar the
// limits).
bool expected(const beast::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::timed_out ||
         ec == asio::error::broken_pipe || ec == asio::error::not_connected ||
         ec.category() == beast::http::make_error_code(http::error::end_of_stream).category();
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, const SessionLimits& limits,
                         const ResponseHeaders& headers)
    : stream_(std::move(socket)),
      peer_(peer_of(stream_.socket())),
      limits_(limits),
      headers_(headers) {
  assert(limits.header_limit > 0 && limits.body_limit > 0 && "every limit is set on purpose");
  assert(limits.header_timeout.count() > 0 && limits.request_timeout.count() > 0 &&
         limits.write_timeout.count() > 0);
}

HttpSession::~HttpSession() = default;

void HttpSession::run() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

std::size_t HttpSession::body_limit_for(const Request&) const { return limits_.body_limit; }

http::response<http::string_body> HttpSession::too_large(unsigned version) const {
  return ResponseBuilder(headers_, http::status::payload_too_large, version, false)
      .type("application/json")
      .text(R"({"error":"request too large"})");
}

void HttpSession::on_failure(beast::error_code, std::string_view) {}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(limits_.header_limit);
  // Beast would refuse a Content-Length over the body limit as soon as the
  // headers end, before body_limit_for() could raise it for the target:
  // the limit is set, and checked, once the headers are in.
  parser_->body_limit(boost::none);
  request_started_ = std::chrono::steady_clock::now();
  stream_.expires_after(std::min(limits_.header_timeout, limits_.request_timeout));
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code ec, std::size_t) {
  if (ec) return fail(ec, "reading a request's headers");
  if (parser_->is_done()) return on_read(ec, 0);  // no body
  const std::size_t limit = body_limit_for(parser_->get());
  if (parser_->content_length().value_or(0) > limit)
    return fail(http::error::body_limit, "reading a request's headers");
  parser_->body_limit(limit);  // a chunked body is counted as it comes
  const auto spent = std::chrono::steady_clock::now() - request_started_;
  stream_.expires_after(
      std::chrono::duration_cast<std::chrono::milliseconds>(limits_.request_timeout - spent));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) return fail(ec, "reading a request");
  on_request(parser_->release());
}

void HttpSession::send(http::response<http::string_body>&& res) {
  write(std::make_shared<http::response<http::string_body>>(std::move(res)));
}

void HttpSession::send(http::response<http::file_body>&& res) {
  write(std::make_shared<http::response<http::file_body>>(std::move(res)));
}

template <class Response>
void HttpSession::write(std::shared_ptr<Response> res) {
  if (handed_over_) return;
  response_ = res;
  using Serializer =
      http::serializer<false, typename Response::body_type, typename Response::fields_type>;
  write_some(std::make_shared<Serializer>(*res), res->keep_alive());
}

// A piece at a time, each within write_timeout: a large download (an
// export with its files) over a slow satellite link goes on as long as the
// peer keeps reading, and a peer that stops reading is cut off.
template <class Serializer>
void HttpSession::write_some(std::shared_ptr<Serializer> sr, bool keep_alive) {
  stream_.expires_after(limits_.write_timeout);
  http::async_write_some(
      stream_, *sr,
      [self = shared_from_this(), sr, keep_alive](beast::error_code ec, std::size_t bytes) {
        if (!ec && !sr->is_done()) return self->write_some(sr, keep_alive);
        self->on_write(keep_alive, ec, bytes);
      });
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return fail(ec, "writing a response");
  if (!keep_alive) return close();
  do_read();
}

void HttpSession::fail(beast::error_code ec, std::string_view where) {
  if (ec == http::error::header_limit || ec == http::error::body_limit) {
    const unsigned version =
        parser_ && parser_->get().version() != 0 ? parser_->get().version() : 11;
    return send(too_large(version));
  }
  if (!expected(ec)) on_failure(ec, where);
  close();
}

void HttpSession::close() {
  if (handed_over_) return;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

void HttpSession::drop() {
  if (!handed_over_) stream_.close();
}

beast::tcp_stream HttpSession::take_stream() {
  handed_over_ = true;
  return std::move(stream_);
}

}  // namespace equitas::web
