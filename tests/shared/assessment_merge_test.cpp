#include "equitas/forms/assessment_merge.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <random>
#include <set>

using equitas::forms::AssessmentEvent;
using equitas::forms::merge_assessment;
using equitas::forms::merged_to_json;

namespace {

AssessmentEvent contribution(std::string id, std::int64_t seq, std::int64_t base,
                             std::string device, std::string author,
                             std::map<std::string, std::string> fields,
                             std::string at = "2026-12-01T10:00:00Z") {
  AssessmentEvent e;
  e.id = std::move(id);
  e.seq = seq;
  e.base = base;
  e.device = std::move(device);
  e.author = std::move(author);
  e.site = "site of " + e.device;
  e.at = std::move(at);
  e.fields = std::move(fields);
  return e;
}

// A random history as the server would number it: seq 1..n, each event's
// base some earlier version, a few devices and roles, overlapping fields,
// now and then a resolution that saw everything before it.
std::vector<AssessmentEvent> random_events(std::mt19937& rng) {
  const std::vector<std::string> fields{"x_a_1", "x_b_1", "p1_a_1", "p1_a_1_evidence", "p3_c_1"};
  const std::vector<std::string> values{"\"0\"", "\"1\"", "\"2\"", "\"3\"", "\"4\"", "\"dk\""};
  std::uniform_int_distribution<int> count(1, 14), pick(0, 1000);
  std::vector<AssessmentEvent> out;
  const int n = count(rng);
  for (int seq = 1; seq <= n; ++seq) {
    AssessmentEvent e;
    e.seq = seq;
    e.base = pick(rng) % seq;  // 0 .. seq-1
    e.at = "2026-12-0" + std::to_string(1 + pick(rng) % 5) + "T10:00:00Z";
    if (pick(rng) % 6 == 0) {
      e.kind = AssessmentEvent::Kind::kResolution;
      e.id = "resolution-" + std::to_string(seq);
      e.base = seq - 1;
      e.author = "reviewer";
      e.site = "hq";
      e.comment = "agreed at the team meeting";
      e.fields[fields[pick(rng) % fields.size()]] = values[pick(rng) % values.size()];
    } else {
      e.id = "sub-" + std::to_string(seq);
      e.device = "dev" + std::to_string(pick(rng) % 3);
      e.author = pick(rng) % 2 ? "hr" : "gender_unit";
      e.site = e.device == "dev2" ? "airport" : "land post";
      const int k = 1 + pick(rng) % 3;
      for (int i = 0; i < k; ++i)
        e.fields[fields[pick(rng) % fields.size()]] = values[pick(rng) % values.size()];
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string text(const std::vector<AssessmentEvent>& events) {
  return boost::json::serialize(merged_to_json(merge_assessment(events)));
}

}  // namespace

TEST_CASE("merge: two contributions from the same base that disagree are both kept and marked",
          "[merge]") {
  const auto a = contribution("a", 1, 0, "laptop", "hr", {{"x_a_1", "\"4\""}, {"x_b_1", "\"2\""}});
  const auto b =
      contribution("b", 2, 0, "phone", "gender_unit", {{"x_a_1", "\"0\""}, {"x_b_1", "\"2\""}});
  const auto merged = merge_assessment({a, b});
  REQUIRE(merged.version == 2);
  const auto& xa = merged.fields.at("x_a_1");
  CHECK(xa.disagreement());
  CHECK_FALSE(xa.value);
  REQUIRE(xa.competing.size() == 2);
  CHECK(xa.competing[0].value == "\"4\"");
  CHECK(xa.competing[0].author == "hr");
  CHECK(xa.competing[0].site == "site of laptop");
  CHECK(xa.competing[1].value == "\"0\"");
  // The same value from both is agreement, not a disagreement.
  CHECK(merged.fields.at("x_b_1").value == "\"2\"");
  CHECK(merged.disagreements() == 1);
}

TEST_CASE(
    "merge: a contribution that saw the other supersedes it: a resolution ends a disagreement",
    "[merge]") {
  const auto a = contribution("a", 1, 0, "laptop", "hr", {{"x_a_1", "\"4\""}});
  const auto b = contribution("b", 2, 1, "phone", "gender_unit", {{"x_a_1", "\"3\""}});  // saw a
  CHECK(merge_assessment({a, b}).fields.at("x_a_1").value == "\"3\"");

  const auto c = contribution("c", 2, 0, "phone", "gender_unit", {{"x_a_1", "\"0\""}});  // did not
  AssessmentEvent r;
  r.kind = AssessmentEvent::Kind::kResolution;
  r.id = "resolution-3";
  r.seq = 3;
  r.base = 2;
  r.author = "cli";
  r.site = "hq";
  r.comment = "the policy exists but is not monitored";
  r.fields["x_a_1"] = "\"3\"";
  const auto resolved = merge_assessment({a, c, r});
  const auto& f = resolved.fields.at("x_a_1");
  CHECK_FALSE(f.disagreement());
  CHECK(f.value == "\"3\"");
  REQUIRE(f.history.size() == 3);  // 4, 0 and the resolution: nothing dropped
  CHECK(f.history[2].comment == "the policy exists but is not monitored");

  // Someone offline, who never saw the resolution, rates it again: the
  // team must look once more.
  const auto late = contribution("d", 4, 1, "laptop2", "integrity", {{"x_a_1", "\"1\""}});
  CHECK(merge_assessment({a, c, r, late}).fields.at("x_a_1").disagreement());
}

TEST_CASE("merge: a member's own later answer on the same device replaces the earlier one",
          "[merge]") {
  const auto first =
      contribution("a", 1, 0, "laptop", "hr", {{"x_a_1", "\"1\""}}, "2026-12-01T09:00:00Z");
  const auto second =
      contribution("b", 2, 0, "laptop", "hr", {{"x_a_1", "\"2\""}}, "2026-12-01T11:00:00Z");
  const auto merged = merge_assessment({first, second});
  CHECK(merged.fields.at("x_a_1").value == "\"2\"");
  CHECK(merged.fields.at("x_a_1").history.size() == 2);
}

TEST_CASE("merge: evidence files attached concurrently are kept together, each content once",
          "[merge][files]") {
  const std::string lactation =
      R"({"id":"01","sha256":"aa","size":10,"type":"image/jpeg","name":"room.jpg"})";
  const std::string policy =
      R"({"id":"02","sha256":"bb","size":20,"type":"application/pdf","name":"policy.pdf"})";
  // The same policy PDF, captured again on the phone: another id, the same bytes.
  const std::string policy_again =
      R"({"id":"03","sha256":"bb","size":20,"type":"application/pdf","name":"p.pdf"})";
  const std::string cubicle =
      R"({"id":"04","sha256":"cc","size":30,"type":"image/jpeg","name":"cubicle.jpg"})";
  const auto a =
      contribution("a", 1, 0, "laptop", "hr",
                   {{"x_a_1_files", "[" + lactation + "," + policy + "]"}, {"x_a_1", "\"4\""}});
  const auto b =
      contribution("b", 2, 0, "phone", "gender_unit",
                   {{"x_a_1_files", "[" + policy_again + "," + cubicle + "]"}, {"x_a_1", "\"0\""}});
  const auto merged = merge_assessment({b, a});
  const auto& files = merged.fields.at("x_a_1_files");
  CHECK_FALSE(files.disagreement());
  REQUIRE(files.value);
  CHECK(*files.value == "[" + lactation + "," + policy + "," + cubicle + "]");
  CHECK(files.history.size() == 2);
  // The rating next to it still disagrees: only file lists are united.
  CHECK(merged.fields.at("x_a_1").disagreement());
  CHECK(merged.disagreements() == 1);

  // A member who saw both and removed the cubicle photo removes it.
  const auto c = contribution("c", 3, 2, "laptop", "hr",
                              {{"x_a_1_files", "[" + lactation + "," + policy + "]"}});
  CHECK(*merge_assessment({a, b, c}).fields.at("x_a_1_files").value ==
        "[" + lactation + "," + policy + "]");
  // A list that is not all file references is an ordinary disagreement.
  const auto d =
      contribution("d", 2, 0, "phone", "gender_unit", {{"x_a_1_files", "[\"not a file\"]"}});
  CHECK(merge_assessment({a, d}).fields.at("x_a_1_files").disagreement());
}

TEST_CASE(
    "merge properties over random contribution sets: order independence, idempotence, no lost "
    "value",
    "[merge][property]") {
  std::mt19937 rng(20261202);
  for (int round = 0; round < 500; ++round) {
    auto events = random_events(rng);
    const std::string expected = text(events);

    // Order independence: any order of the same set gives the same state.
    auto shuffled = events;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    REQUIRE(text(shuffled) == expected);

    // Idempotence: an event applied twice (a resend) changes nothing.
    auto doubled = shuffled;
    doubled.push_back(events[rng() % events.size()]);
    std::shuffle(doubled.begin(), doubled.end(), rng);
    REQUIRE(text(doubled) == expected);

    // No lost value: every value of every event is in its field's history,
    // and every field with a disagreement lists at least two values.
    const auto merged = merge_assessment(events);
    for (const auto& e : events) {
      for (const auto& [field, value] : e.fields) {
        const auto& history = merged.fields.at(field).history;
        const bool kept = std::any_of(history.begin(), history.end(), [&](const auto& h) {
          return h.event_id == e.id && h.value == value;
        });
        REQUIRE(kept);
      }
    }
    for (const auto& [name, state] : merged.fields) {
      REQUIRE(state.value.has_value() != state.disagreement());
      std::set<std::string> distinct;
      for (const auto& c : state.competing) distinct.insert(c.value);
      REQUIRE((state.competing.empty() || distinct.size() >= 2));
    }
  }
}

TEST_CASE("merge property: concurrent different values from two devices are never silently decided",
          "[merge][property]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const std::int64_t base = static_cast<std::int64_t>(rng() % 3);
    std::vector<AssessmentEvent> events;
    for (std::int64_t s = 1; s <= base; ++s) {
      events.push_back(
          contribution("old-" + std::to_string(s), s, s - 1, "dev0", "hr", {{"x_a_1", "\"1\""}}));
    }
    events.push_back(contribution("a", base + 1, base, "dev1", "hr", {{"x_a_1", "\"3\""}}));
    events.push_back(contribution("b", base + 2, base, "dev2", "integrity", {{"x_a_1", "\"0\""}}));
    std::shuffle(events.begin(), events.end(), rng);
    const auto merged = merge_assessment(events);
    const auto& f = merged.fields.at("x_a_1");
    REQUIRE(f.disagreement());
    REQUIRE(f.competing.size() == 2);
  }
}
