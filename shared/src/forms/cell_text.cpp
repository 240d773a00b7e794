#include "cell_text.hpp"

#include <cctype>

namespace equitas::forms {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  // Also strips UTF-8 no-break spaces (C2 A0) at either end.
  for (;;) {
    if (b < e && is_space(s[b])) {
      ++b;
    } else if (b + 1 < e && static_cast<unsigned char>(s[b]) == 0xC2 &&
               static_cast<unsigned char>(s[b + 1]) == 0xA0) {
      b += 2;
    } else {
      break;
    }
  }
  for (;;) {
    if (e > b && is_space(s[e - 1])) {
      --e;
    } else if (e >= b + 2 && static_cast<unsigned char>(s[e - 2]) == 0xC2 &&
               static_cast<unsigned char>(s[e - 1]) == 0xA0) {
      e -= 2;
    } else {
      break;
    }
  }
  return std::string(s.substr(b, e - b));
}

}  // namespace equitas::forms
