#include "equitas/util/spelling.hpp"

#include <catch2/catch.hpp>

using equitas::closest_names;
using equitas::edit_distance;
using Names = std::vector<std::string>;

TEST_CASE("edit_distance counts inserts, deletes, substitutions and swaps", "[spelling]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("dem_sex", "dem_sx") == 1);
  CHECK(edit_distance("dem_sex", "dme_sex") == 1);  // neighbours swapped: one edit
  CHECK(edit_distance("Dem_Sex", "dem_sex") == 0);  // case is not an edit
  CHECK(edit_distance("abc", "xyz") == 3);
}

TEST_CASE("closest_names suggests plausible typos only", "[spelling]") {
  const Names names{"dem_sex", "dem_age", "dem_grade", "q1", "q2", "comment"};
  CHECK(closest_names("dem_sx", names) == Names{"dem_sex"});
  CHECK(closest_names("dem_gae", names) == Names{"dem_age"});
  CHECK(closest_names("DEM_SEX", names) == Names{"dem_sex"});
  // Ties are all given, in the candidates' order.
  CHECK(closest_names("q3", names) == Names{"q1", "q2"});
  CHECK(closest_names("q3", names, 1) == Names{"q1"});
  // Too far to be a typo, or no typo at all.
  CHECK(closest_names("shoe_size", names).empty());
  CHECK(closest_names("xyz", names).empty());
  CHECK(closest_names("comment", names).empty());
  CHECK(closest_names("anything", {}).empty());
}
