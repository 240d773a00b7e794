#include "equitas/util/http_util.hpp"

#include <sodium.h>

#include <array>

#include "equitas/util/bytes.hpp"

namespace equitas::http_util {

std::string cookie_value(const Request& req, std::string_view name) {
  for (auto it = req.find(http::field::cookie);
       it != req.end() && it->name() == http::field::cookie; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      auto semi = v.find(';');
      std::string_view part = v.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      if (part.size() > name.size() && part.substr(0, name.size()) == name &&
          part[name.size()] == '=') {
        return std::string(part.substr(name.size() + 1));
      }
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return {};
}

std::string set_cookie(std::string_view name, std::string_view value, bool clear,
                       std::string_view path, long max_age_seconds) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=" + std::string(path) +
                  "; HttpOnly; SameSite=Strict";
  if (clear) {
    c += "; Max-Age=0";
  } else if (max_age_seconds > 0) {
    c += "; Max-Age=" + std::to_string(max_age_seconds);
  }
  return c;
}

std::string random_token() {
  std::array<std::uint8_t, 24> b{};
  randombytes_buf(b.data(), b.size());
  std::string t = to_base64url(ByteView(b.data(), b.size()));
  sodium_memzero(b.data(), b.size());
  return t;
}

bool tokens_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "+" is a space in a query; "%zz" that is not hex stays as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string query_param(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    auto eq = kv.find('=');
    if (kv.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string() : percent_decode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view mime_for(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace equitas::http_util
