#include "equitas/util/json_text.hpp"

#include <catch2/catch.hpp>

using equitas::parse_json_text;
using equitas::text_position;

namespace {

std::string error_of(std::string_view text) {
  auto r = parse_json_text(text, "the answers are not valid JSON");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == equitas::StatusCode::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("text_position counts lines and UTF-8 characters from 1", "[json_text]") {
  CHECK(text_position("", 0).line == 1);
  CHECK(text_position("", 0).column == 1);
  CHECK(text_position("abc", 2).column == 3);
  const auto p = text_position("ab\ncd\nef", 7);
  CHECK(p.line == 3);
  CHECK(p.column == 2);
  CHECK(text_position("\"é\"x", 4).column == 4);  // é is two bytes, one character
  CHECK(text_position("ab", 99).column == 3);     // past the end: the end
}

TEST_CASE("parse_json_text says on which line and column JSON breaks", "[json_text]") {
  auto ok = parse_json_text(R"({"a": [1, 2]})", "x");
  REQUIRE(ok.is_ok());
  CHECK(ok->as_object().at("a").as_array().size() == 2);

  CHECK(error_of("{\"age\": 30,\n \"sex\": male}") ==
        "the answers are not valid JSON: syntax error at line 2, column 9");
  CHECK(error_of("[1, 2,]") == "the answers are not valid JSON: syntax error at line 1, column 7");
  CHECK_THAT(error_of("{\"a\": 1"), Catch::Contains("line 1, column 8"));  // ends too soon
  CHECK_THAT(error_of("{\"a\": 1} x"),
             Catch::Contains("line 1, column 10"));  // something after the value
  CHECK_THAT(error_of(""), Catch::Contains("line 1, column 1"));
  CHECK_THAT(error_of("{\"q\": \"café\",\n\n  \"r\": tru}"), Catch::Contains("line 3, column 8"));
}

TEST_CASE("parse_json_text keeps the parse options", "[json_text]") {
  boost::json::parse_options shallow;
  shallow.max_depth = 2;
  CHECK(parse_json_text("[[1]]", "x", shallow).is_ok());
  CHECK_FALSE(parse_json_text("[[[1]]]", "x", shallow).is_ok());
}
