// The body of a file-backed HTTP response (the admin API's exports and
// downloads), read back whole for the tests.
#pragma once

#include <boost/beast/http/file_body.hpp>
#include <catch2/catch.hpp>
#include <string>

namespace equitas::test {

inline std::string read_body(boost::beast::http::file_body::value_type& file) {
  std::string out(static_cast<std::size_t>(file.size()), '\0');
  boost::system::error_code ec;
  file.file().seek(0, ec);
  REQUIRE_FALSE(ec);
  const auto n = file.file().read(out.data(), out.size(), ec);
  REQUIRE_FALSE(ec);
  out.resize(n);
  return out;
}

}  // namespace equitas::test
