#pragma once
// An answer as text, for the places that show or parse one answer (a GEOAT
// action plan's row, a report's line) rather than export the whole set.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace equitas::forms {

// A string as it is; a number as its decimal text; a select_multiple's array
// of codes joined by `separator` (XLSForm's own text for one is
// space-separated); anything else, and a missing answer, "".
std::string answer_text(const boost::json::value& v, std::string_view separator = " ");
std::string answer_text(const boost::json::object& answers, std::string_view name,
                        std::string_view separator = " ");

}  // namespace equitas::forms
