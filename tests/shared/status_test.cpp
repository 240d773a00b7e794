#include "equitas/status/status.hpp"

#include <catch2/catch.hpp>

using namespace equitas;

namespace {
Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid_argument("must be positive");
  return v;
}
Result<int> doubled(int v) {
  EQ_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return x * 2;
}
Status check(int v) {
  EQ_RETURN_IF_ERROR(parse_positive(v).status());
  return Status::ok();
}
}  // namespace

TEST_CASE("Status carries a code and a message", "[status]") {
  CHECK(Status::ok().is_ok());
  const Status s = Status::not_found("no form staff-climate");
  CHECK_FALSE(s.is_ok());
  CHECK(s.code() == StatusCode::kNotFound);
  CHECK(s.to_string() == "not found: no form staff-climate");
  CHECK(s.with_context("export").message() == "export: no form staff-climate");
  CHECK(Status::ok().with_context("x").is_ok());
}

TEST_CASE("Result propagates values and errors through the macros", "[status]") {
  CHECK(*doubled(4) == 8);
  auto bad = doubled(-1);
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(check(3).is_ok());
  CHECK(check(0).code() == StatusCode::kInvalidArgument);
}
