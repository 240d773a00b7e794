// Shared by the HTTP fuzz targets: their input format, and a raw request
// parsed by Beast with the limits of the server that will answer it, as its
// socket would deliver it.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace equitas::fuzz {

// The input of an HTTP target: u8 method | u8 flags | target "\n" header
// lines "\n" ... "\n\n" body. Each target gives the flags its own meaning.
struct FuzzRequest {
  boost::beast::http::verb method;
  std::uint8_t flags;
  std::string_view target;
  std::vector<std::string_view> headers;
  std::string_view body;
};

// nullopt when the input is too short or has no target line.
inline std::optional<FuzzRequest> split_fuzz_input(std::string_view in) {
  namespace http = boost::beast::http;
  constexpr http::verb kMethods[] = {http::verb::get,  http::verb::head,    http::verb::post,
                                     http::verb::put,  http::verb::delete_, http::verb::options,
                                     http::verb::patch};
  if (in.size() < 2) return std::nullopt;
  FuzzRequest r{kMethods[static_cast<std::uint8_t>(in[0]) % std::size(kMethods)],
                static_cast<std::uint8_t>(in[1]),
                {},
                {},
                {}};
  in.remove_prefix(2);
  const auto eol = in.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  r.target = in.substr(0, eol);
  in.remove_prefix(eol + 1);
  // Header lines up to the first empty line; the rest is the body.
  while (!in.empty()) {
    const auto end = in.find('\n');
    const std::string_view line = in.substr(0, end);
    in = end == std::string_view::npos ? std::string_view() : in.substr(end + 1);
    if (line.empty()) break;
    r.headers.push_back(line);
  }
  r.body = in;
  return r;
}

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
