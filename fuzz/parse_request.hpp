// Shared by the HTTP fuzz targets: a raw request parsed by Beast with the
// limits of the server that will answer it, as its socket would deliver it.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>

namespace equitas::fuzz {

// nullopt when the server would answer 400 and close instead.
inline std::optional<boost::beast::http::request<boost::beast::http::string_body>> parse_request(
    const std::string& raw, std::size_t header_limit, std::size_t body_limit) {
  boost::beast::http::request_parser<boost::beast::http::string_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!ec && !parser.is_done() && used < raw.size()) {
    const std::size_t n = parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
    if (n == 0) break;
    used += n;
  }
  if (ec || !parser.is_done()) return std::nullopt;
  return parser.release();
}

}  // namespace equitas::fuzz
