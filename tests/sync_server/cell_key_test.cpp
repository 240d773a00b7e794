// The cell key method on known inputs (cell_key.hpp): the same cell always
// gets the same noise, in one process, after reopening, and from the real
// program; the noise is bounded and follows the published distribution; a
// total's noise is independent of its parts'.
#include "cell_key.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "process.hpp"
#include "report_test_util.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

std::array<std::uint8_t, 32> known_secret() {
  std::array<std::uint8_t, 32> s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(i);
  return s;
}

CellKeys known_keys() {
  const auto s = known_secret();
  return CellKeys(std::span<const std::uint8_t, 32>(s.data(), 32));
}

// The cell key of records first..last (row ids), as a report sums them.
std::uint32_t cell_key(const CellKeys& keys, std::int64_t first, std::int64_t last) {
  std::uint32_t k = 0;
  for (std::int64_t r = first; r <= last; ++r) k += keys.record_key(r);
  return k;
}

}  // namespace

TEST_CASE("cell keys: known inputs give the same record keys and noise in every build",
          "[cell_key]") {
  // Pinned: a change here changes every figure already published, which
  // lets anyone who kept the old ones average the two. Change the method's
  // version in its contexts (cell_key.cpp) only on purpose.
  // The values were computed apart from this code: BLAKE2b from Python's
  // hashlib and SipHash-2-4 written from its reference description, with
  // the secret 00 01 02 .. 1f.
  const CellKeys keys = known_keys();
  CHECK(keys.record_key(1) == 3311591423u);
  CHECK(keys.record_key(2) == 3778977825u);
  CHECK(keys.record_key(1000000) == 1364901780u);
  // The noise of the cell of records 1..n, holding n records.
  const int expected[] = {0, 0, 0, 0,  0,  0, -3, 1,  -1, -3, 0,  0, -1, 0, 0,
                          1, 0, 0, -2, -1, 3, 0,  -5, 0,  0,  -1, 0, 0,  0, 2};
  for (int n = 1; n <= 30; ++n) {
    INFO("records 1.." << n);
    CHECK(keys.noise(cell_key(keys, 1, n), n) == expected[n - 1]);
    CHECK(keys.perturb(n, cell_key(keys, 1, n)) == n + expected[n - 1]);
  }
  CHECK(keys.perturb(0, 12345) == 0);
  CHECK(keys.noise(12345, 0) == 0);
  // Another holder of the same secret: the same numbers.
  const CellKeys again = known_keys();
  for (std::int64_t n = 1; n < 200; ++n) {
    CHECK(again.record_key(n) == keys.record_key(n));
    CHECK(again.perturb(n, cell_key(again, 1, n)) == keys.perturb(n, cell_key(keys, 1, n)));
  }
  // A different secret: different keys.
  auto other_secret = known_secret();
  other_secret[0] ^= 1;
  const CellKeys other(std::span<const std::uint8_t, 32>(other_secret.data(), 32));
  int same = 0;
  for (std::int64_t n = 1; n <= 100; ++n) same += other.record_key(n) == keys.record_key(n) ? 1 : 0;
  CHECK(same == 0);
}

TEST_CASE("cell keys: the noise is bounded and follows the published distribution", "[cell_key]") {
  const CellKeys keys = known_keys();
  const auto& p = CellKeys::distribution();
  double total = 0;
  for (double x : p) total += x;
  CHECK(total == Approx(1.0));
  CHECK(p[CellKeys::kMaxNoise] ==
        Approx(1.0 / (1.0 + 2.0 * (0.4 + 0.16 + 0.064 + 0.0256 + 0.01024))));
  std::map<int, int> seen;
  constexpr int kCells = 200000;
  std::uint32_t key = 0;
  for (int i = 0; i < kCells; ++i) {
    key += keys.record_key(i);  // a cell key as a report makes them
    const std::int64_t count = 10 + i % 90;
    const int e = keys.noise(key, count);
    REQUIRE(std::abs(e) <= CellKeys::kMaxNoise);
    ++seen[e];
    const std::int64_t shown = keys.perturb(count, key);
    REQUIRE(shown == count + e);
    // Small counts are never published below zero.
    REQUIRE(keys.perturb(1 + i % 3, key) >= 0);
  }
  // Every value occurs, each within 1 % of its probability plus 4 standard
  // errors (the draws are fixed: this is a check of the mapping, not luck).
  for (int e = -CellKeys::kMaxNoise; e <= CellKeys::kMaxNoise; ++e) {
    const double want = p[static_cast<std::size_t>(e + CellKeys::kMaxNoise)];
    const double got = static_cast<double>(seen[e]) / kCells;
    INFO("noise " << e << ": " << got << " wanted " << want);
    CHECK(std::abs(got - want) < 0.01 * want + 4 * std::sqrt(want * (1 - want) / kCells));
  }
}

TEST_CASE("cell keys: a total's noise is independent of its parts' noise", "[cell_key]") {
  // A total of n records and the same total without its last record (the
  // "total minus one" attack): if the noises were tied, the difference of
  // the published figures would give the missing record's count exactly.
  const CellKeys keys = known_keys();
  constexpr int kTrials = 50000;
  int exact = 0, equal_noise = 0;
  std::map<int, int> difference;
  for (int t = 0; t < kTrials; ++t) {
    const std::int64_t first = 1 + static_cast<std::int64_t>(t) * 7, n = 20 + t % 50;
    const std::uint32_t part = cell_key(keys, first, first + n - 2),
                        whole = part + keys.record_key(first + n - 1);
    const std::int64_t d = keys.perturb(n, whole) - keys.perturb(n - 1, part);
    exact += d == 1 ? 1 : 0;
    equal_noise += keys.noise(whole, n) == keys.noise(part, n - 1) ? 1 : 0;
    ++difference[static_cast<int>(d)];
  }
  // For independent noises, P(equal) is the sum of the squared
  // probabilities (0.25); tied noises would give 1.
  double same = 0;
  for (double x : CellKeys::distribution()) same += x * x;
  const double equal = static_cast<double>(equal_noise) / kTrials;
  CHECK(equal == Approx(same).margin(0.01));
  CHECK(static_cast<double>(exact) / kTrials == Approx(same).margin(0.01));
  // The difference spreads over 1 - 10 .. 1 + 10.
  CHECK(difference.begin()->first <= -6);
  CHECK(difference.rbegin()->first >= 8);
}

TEST_CASE(
    "cell keys: the server keeps one secret, and reports from another connection or process agree",
    "[cell_key]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  std::string first_json;
  {
    auto store = server.open_store();
    const DeviceId dev = add_device(store, "North post");
    for (int i = 0; i < 40; ++i) {
      add_response(store, dev, "staff-climate", "2026.1",
                   std::string(R"({"dem_sex":")") + (i % 3 == 0 ? "female" : "male") +
                       R"(","eng_proud":")" + std::to_string(1 + i % 5) + R"("})");
    }
    const ManualClock clock(1800000000);
    auto o = options("staff-climate");
    o.by = {"sex"};
    o.clock = &clock;
    first_json = boost::json::serialize(report_of(store, o).at("periods"));
    // Twice in one process: the same figures.
    CHECK(boost::json::serialize(report_of(store, o).at("periods")) == first_json);
  }
  {
    // A new connection loads the same secret: the same figures.
    auto store = server.open_store();
    auto o = options("staff-climate");
    o.by = {"sex"};
    CHECK(boost::json::serialize(report_of(store, o).at("periods")) == first_json);
    CHECK(CellKeys::ensure_secret(store.db()).is_ok());  // never replaces it
    CHECK(boost::json::serialize(report_of(store, o).at("periods")) == first_json);
  }
  // Another process, the real program: the same figures.
  const RunResult r =
      run_command({bin_path("sync-server"), "report", "--data-dir", server.dir().root.string(),
                   "--form", "staff-climate", "--by", "sex", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(boost::json::serialize(boost::json::parse(r.out).at("periods")) == first_json);

  // Another server: another secret, other noise (somewhere in 40 cells).
  TestServer second(tmp / "second");
  auto a = server.open_store();
  auto b = second.open_store();
  auto ka = CellKeys::load(a.db()), kb = CellKeys::load(b.db());
  REQUIRE(ka.is_ok());
  REQUIRE(kb.is_ok());
  int differ = 0;
  for (std::int64_t n = 1; n <= 40; ++n)
    differ += ka->noise(cell_key(*ka, 1, n), n) != kb->noise(cell_key(*kb, 1, n), n);
  CHECK(differ > 10);
}
