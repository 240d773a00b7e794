// JSON that a person typed or edited (answers, form definitions, request
// bodies): a syntax error is reported with the line and column where the
// parser stopped, as a text editor counts them, so that it can be found.
#pragma once

#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "equitas/status/status.hpp"

namespace equitas {

struct TextPosition {
  std::size_t line = 1;    // from 1
  std::size_t column = 1;  // from 1, in UTF-8 characters (not bytes)
};

// Where byte `offset` of `text` is (an offset past the end counts as the end).
TextPosition text_position(std::string_view text, std::size_t offset);

// Parses `text` as exactly one JSON value. On failure, invalid_argument with
// `what` first: "the answers are not valid JSON: syntax error at line 3,
// column 14". The message never quotes the text itself (it may hold answers).
Result<boost::json::value> parse_json_text(std::string_view text, std::string_view what,
                                           const boost::json::parse_options& options = {});

}  // namespace equitas
