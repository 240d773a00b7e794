// Text into HTML that the server writes itself (code slips, the printable
// assessment report): every character that could open markup is escaped,
// in text and in quoted attribute values alike.
#pragma once

#include <string>
#include <string_view>

namespace equitas {

inline std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace equitas
