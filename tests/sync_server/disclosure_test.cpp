// Local suppression to k-anonymity (disclosure.hpp), on known inputs.
#include "disclosure.hpp"

#include <catch2/catch.hpp>

using namespace equitas::server;

namespace {

// n records with the same (unit, sex, grade).
void add(std::vector<QuasiRecord>& t, int n, const char* unit, const char* sex, const char* grade) {
  for (int i = 0; i < n; ++i)
    t.push_back({std::string(unit), std::string(sex), std::string(grade)});
}

std::size_t count_of(const std::vector<QuasiRecord>& t, const QuasiRecord& r) {
  std::size_t n = 0;
  for (const auto& x : t) n += x == r ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a table that is already k-anonymous comes back unchanged", "[server][disclosure]") {
  std::vector<QuasiRecord> t;
  add(t, 10, "North", "female", "officer");
  add(t, 12, "North", "male", "officer");
  add(t, 10, "South", "male", "manager");
  const auto before = t;
  const auto report = make_k_anonymous(t, 10);
  CHECK(t == before);
  CHECK(report.cells_suppressed == 0);
  CHECK(report.records_changed == 0);
  CHECK(smallest_combination(t) == 10);
}

TEST_CASE("one record unique on (unit, sex, grade) loses its rarest value, and only it changes",
          "[server][disclosure]") {
  std::vector<QuasiRecord> t;
  add(t, 15, "North", "male", "officer");
  add(t, 10, "North", "female", "officer");
  add(t, 9, "North", "male", "senior");
  add(t, 1, "North", "female", "senior");  // the only woman senior manager
  auto safe = t;
  const auto report = make_k_anonymous(safe, 10);
  // k-anonymous afterwards...
  const std::size_t smallest = smallest_combination(safe);
  CHECK((smallest == 0 || smallest >= 10));
  // ...and her record no longer shows both "female" and "senior".
  const QuasiRecord her{std::string("North"), std::string("female"), std::string("senior")};
  CHECK(count_of(safe, her) == 0);
  // The 25 records in groups of 10 or more are untouched.
  for (std::size_t i = 0; i < 25; ++i) CHECK(safe[i] == t[i]);
  CHECK(report.cells_suppressed >= 1);
  CHECK(report.suppressed_by_column.size() == 3);
}

TEST_CASE("two overlapping rare combinations are both resolved, the unit withheld last",
          "[server][disclosure]") {
  std::vector<QuasiRecord> t;
  add(t, 20, "North", "male", "officer");
  add(t, 20, "South", "male", "officer");
  add(t, 3, "South", "female", "officer");  // rare on sex at South
  add(t, 2, "South", "female", "senior");   // rarer still, and overlaps on (South, female)
  add(t, 10, "North", "female", "officer");
  auto safe = t;
  const auto report = make_k_anonymous(safe, 10);
  const std::size_t smallest = smallest_combination(safe);
  CHECK((smallest == 0 || smallest >= 10));
  // No released record shows South with female, the combination 5 people share.
  for (const auto& r : safe) {
    CHECK_FALSE((r[0] == std::optional<std::string>("South") &&
                 r[1] == std::optional<std::string>("female")));
  }
  // The unit is the most common value in its column, so it is kept where
  // withholding sex or grade suffices.
  CHECK(report.suppressed_by_column[0] <=
        report.suppressed_by_column[1] + report.suppressed_by_column[2]);
  // Deterministic.
  auto again = t;
  make_k_anonymous(again, 10);
  CHECK(again == safe);
}

TEST_CASE("a table smaller than k ends with every value withheld, and k of 1 changes nothing",
          "[server][disclosure]") {
  std::vector<QuasiRecord> t;
  add(t, 3, "Island", "female", "officer");
  auto one = t;
  CHECK(make_k_anonymous(one, 1).cells_suppressed == 0);
  CHECK(one == t);
  const auto report = make_k_anonymous(t, 10);
  CHECK(report.cells_suppressed == 9);
  for (const auto& r : t) {
    for (const auto& v : r) CHECK_FALSE(v.has_value());
  }
  CHECK(smallest_combination(t) == 0);
}
