#include "equitas/forms/answer_text.hpp"

#include <sstream>

namespace equitas::forms {

std::string answer_text(const boost::json::value& v, std::string_view separator) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return std::string(v.get_string());
    case boost::json::kind::int64:
      return std::to_string(v.get_int64());
    case boost::json::kind::uint64:
      return std::to_string(v.get_uint64());
    case boost::json::kind::double_: {
      std::ostringstream s;
      s << v.get_double();
      return s.str();
    }
    case boost::json::kind::array: {
      std::string out;
      for (const auto& e : v.get_array()) {
        if (!e.is_string()) continue;
        if (!out.empty()) out += separator;
        out += e.get_string();
      }
      return out;
    }
    default:
      return "";
  }
}

std::string answer_text(const boost::json::object& answers, std::string_view name,
                        std::string_view separator) {
  const auto* v = answers.if_contains(name);
  return v == nullptr ? "" : answer_text(*v, separator);
}

}  // namespace equitas::forms
