// The differencing attacker (issue 14, "Reports resist differencing").
//
// A real server store holds 90 staff-climate responses: three posts, one of
// them ("Northern land post", 6 responses) with a single woman senior
// manager; three officers who preferred not to give their sex; and a
// follow-up round of 4 people. The attacker asks for every report the API
// allows (all rounds and each round; no breakdown, each of the 7 breakdown
// questions, and every ordered pair of them; both round comparisons) and
// collects every figure they show: group sizes, each item's n, its
// positive, neutral and negative counts (percent x n, which the percentages
// give back whole), its "don't know" count, and the operations block's
// responses per site.
//
// It then solves for every hidden group it can reach by subtraction:
//   - a total minus its visible parts, over any breakdown question (or the
//     sites), in any round or all rounds: what remains is the sum of the
//     hidden parts, which is a target (a single woman senior manager, the
//     "prefer not to say" group, a small post);
//   - all rounds minus the visible rounds, for any group: what remains is
//     the hidden round (the follow-up of 4).
// Each figure is the true count plus noise of at most kMaxNoise (5), which
// the attacker knows, as the whole method; shown group sizes are at least k
// (10). So each derivation bounds the target's true count to an interval,
// and the attacker intersects every interval for the same target (the
// same set of people), and with [0, k-1], since the target is a group
// under k.
//
// "Recovered" means: that intersection holds a single value, so the
// attacker knows the small group's count with certainty. The test asserts
// that no target under k is recovered, under three different server
// secrets. It also checks that each derivation is valid (on the true
// counts it gives the target exactly: without the noise, every one of
// these attacks succeeds, as they did before) and that the truth is always
// inside the attacker's interval (the noise bound holds), and that every
// figure for the same people is the same in every report (no averaging).
//
// What this attacker does not do: combine derivations into larger linear
// systems beyond these (for example an integer program over all figures);
// docs/security.md says what that leaves.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "cell_key.hpp"
#include "form_registry.hpp"
#include "report_test_util.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

constexpr std::int64_t kK = 10;
constexpr std::int64_t kD = CellKeys::kMaxNoise;
const std::vector<std::string> kItems = {"eng_proud", "eng_recommend"};

struct Response {
  std::string site, round;
  std::map<std::string, std::string> answers;  // only those given
};

// A set of people: rounds (empty: all), and per dimension the codes allowed
// ("" is "no answer"; "site" is the post).
struct Group {
  std::set<std::string> rounds;
  std::map<std::string, std::set<std::string>> dims;
  std::string measure;

  std::string key() const {
    std::ostringstream s;
    s << "[";
    for (const auto& r : rounds) s << r << ";";
    s << "] ";
    for (const auto& [d, codes] : dims) {
      s << d << "=";
      for (const auto& c : codes) s << (c.empty() ? "(none)" : c) << "|";
      s << " ";
    }
    s << measure;
    return s.str();
  }
};

bool counts_in(const Response& r, const std::string& measure) {
  if (measure == "responses") return true;
  const auto dot = measure.find('.');
  const std::string item = measure.substr(0, dot), part = measure.substr(dot + 1);
  const auto it = r.answers.find(item);
  const std::string a = it == r.answers.end() ? "" : it->second;
  if (part == "n") return a >= "1" && a <= "5" && a.size() == 1;
  if (part == "positive") return a == "4" || a == "5";
  if (part == "neutral") return a == "3";
  if (part == "negative") return a == "1" || a == "2";
  if (part == "excluded") return a == "dk";
  FAIL("unknown measure " << measure);
  return false;
}

std::int64_t truth(const std::vector<Response>& data, const Group& g) {
  std::int64_t n = 0;
  for (const auto& r : data) {
    if (!g.rounds.empty() && !g.rounds.count(r.round)) continue;
    bool in = true;
    for (const auto& [d, codes] : g.dims) {
      std::string v;
      if (d == "site") {
        v = r.site;
      } else if (auto it = r.answers.find(d); it != r.answers.end()) {
        v = it->second;
      }
      in = in && codes.count(v);
    }
    if (in && counts_in(r, g.measure)) ++n;
  }
  return n;
}

// What the attacker knows of a shown figure: the true count lies in
// [lo, hi].
struct Figure {
  std::int64_t shown = 0, lo = 0, hi = 0;
};

struct Attacker {
  std::map<std::string, Figure> figures;
  std::map<std::string, Group> groups;                         // by key
  std::map<std::string, std::vector<std::string>> categories;  // per dimension, from the reports
  std::set<std::string> rounds;
  std::int64_t reports = 0;

  void add(const Group& g, std::int64_t shown, bool is_group_size) {
    add(g, Figure{shown, std::max<std::int64_t>(shown - kD, is_group_size ? kK : 0), shown + kD});
  }

  void add(const Group& g, const Figure& f) {
    const std::string k = g.key();
    const std::int64_t shown = f.shown;
    auto [it, fresh] = figures.emplace(k, f);
    INFO(k);
    // The same people always get the same figure, whatever report shows it.
    REQUIRE(it->second.shown == shown);
    if (fresh) groups.emplace(k, g);
  }

  void read(const boost::json::object& report) {
    ++reports;
    for (const auto& dv : report.at("breakdown").as_array()) {
      auto& cats = categories[std::string(dv.at("name").as_string())];
      if (!cats.empty()) continue;
      for (const auto& c : dv.at("categories").as_array())
        cats.emplace_back(c.at("code").as_string());
    }
    for (const auto& pv : report.at("periods").as_array()) {
      Group base;
      if (!pv.at("round").is_null()) base.rounds = {std::string(pv.at("round").as_string())};
      const auto& survey = pv.at("survey").as_object();
      auto group_of = [&](const boost::json::value& gv, const std::string& measure) {
        Group g = base;
        for (const auto& [d, code] : gv.as_object())
          g.dims[std::string(d)] = {std::string(code.as_string())};
        g.measure = measure;
        return g;
      };
      for (const auto& gv : survey.at("responses").as_array()) {
        if (!gv.as_object().contains("suppressed"))
          add(group_of(gv.at("group"), "responses"), gv.at("n").as_int64(), true);
      }
      for (const std::string& name : kItems) {
        for (const auto& gv : item(survey, name).at("groups").as_array()) {
          const auto& g = gv.as_object();
          if (g.contains("suppressed")) continue;
          const std::int64_t n = g.at("n").as_int64();
          add(group_of(g.at("group"), name + ".n"), n, true);
          // A percentage is of the noisy n before it is raised to k: it
          // gives the noisy count back, exactly when n is over k, else
          // within what an n in [k - 5, k] allows.
          for (const char* part : {"positive", "neutral", "negative"}) {
            const double pct = g.at(part).to_number<double>();
            std::int64_t low = std::llround(pct * static_cast<double>(n) / 100.0), high = low;
            if (n == kK) {
              low =
                  static_cast<std::int64_t>(std::floor(pct * static_cast<double>(kK - kD) / 100.0));
              high = static_cast<std::int64_t>(std::ceil(pct * static_cast<double>(kK) / 100.0));
            }
            add(group_of(g.at("group"), name + "." + part),
                Figure{std::llround(pct * 10.0), std::max<std::int64_t>(low - kD, 0), high + kD});
          }
          add(group_of(g.at("group"), name + ".excluded"), g.at("excluded").as_int64(), false);
        }
      }
    }
    // The operations block: responses per post, for the report's own round.
    Group base;
    if (!report.at("periods").at(0).at("round").is_null()) {
      base.rounds = {std::string(report.at("periods").at(0).at("round").as_string())};
    }
    auto& sites = categories["site"];
    for (const auto& sv : report.at("operations").at("sites").as_array()) {
      const std::string site(sv.at("site").as_string());
      if (std::find(sites.begin(), sites.end(), site) == sites.end()) sites.push_back(site);
      if (!sv.at("responses").is_int64()) continue;
      Group g = base;
      g.dims["site"] = {site};
      g.measure = "responses";
      add(g, sv.at("responses").as_int64(), true);
    }
  }
};

struct Derivation {
  std::int64_t lo, hi, on_truth;
};

struct Outcome {
  std::map<std::string, Group> targets;
  std::map<std::string, std::vector<Derivation>> derivations;
};

// Every "total minus visible parts" the figures allow.
Outcome solve(const Attacker& a, const std::vector<Response>& data) {
  Outcome out;
  auto derive = [&](const std::string& parent, const std::vector<Group>& parts) {
    std::vector<const Group*> hidden;
    std::vector<std::pair<const Group*, const Figure*>> shown;
    for (const Group& g : parts) {
      const auto it = a.figures.find(g.key());
      if (it == a.figures.end()) {
        hidden.push_back(&g);
      } else {
        shown.emplace_back(&g, &it->second);
      }
    }
    if (hidden.empty()) return;
    const Figure& p = a.figures.at(parent);
    Derivation d{p.lo, p.hi, truth(data, a.groups.at(parent))};
    for (const auto& [g, f] : shown) {
      d.lo -= f->hi;
      d.hi -= f->lo;
      d.on_truth -= truth(data, *g);
    }
    // The target: the union of the hidden parts (they differ in one place).
    Group target = *hidden.front();
    for (const Group* h : hidden) {
      for (const auto& [dim, codes] : h->dims) target.dims[dim].insert(codes.begin(), codes.end());
      target.rounds.insert(h->rounds.begin(), h->rounds.end());
    }
    if (target.rounds == a.rounds) target.rounds.clear();
    out.targets.emplace(target.key(), target);
    out.derivations[target.key()].push_back(d);
  };
  for (const auto& [key, g] : a.groups) {
    // A total over a breakdown question (or the posts) it does not fix.
    for (const auto& [dim, cats] : a.categories) {
      if (g.dims.count(dim)) continue;
      if (dim == "site" && (g.measure != "responses" || !g.dims.empty())) continue;
      std::vector<Group> parts;
      for (const auto& c : cats) {
        Group part = g;
        part.dims[dim] = {c};
        parts.push_back(part);
      }
      derive(key, parts);
    }
    // All rounds minus the rounds shown.
    if (g.rounds.empty()) {
      std::vector<Group> parts;
      for (const auto& r : a.rounds) {
        Group part = g;
        part.rounds = {r};
        parts.push_back(part);
      }
      derive(key, parts);
    }
  }
  return out;
}

std::vector<Response> make_data() {
  std::vector<Response> data;
  std::uint32_t lcg = 12345;
  auto next = [&](int n) {
    lcg = lcg * 1103515245u + 12345u;
    return static_cast<int>((lcg >> 16) % static_cast<std::uint32_t>(n));
  };
  const char* ages[] = {"25_34", "35_44", "45_54"};
  const char* likert[] = {"1", "2", "3", "4", "5", "4", "5", "dk"};
  auto add = [&](const std::string& site, const std::string& round, const std::string& sex,
                 const std::string& grade, int count) {
    for (int i = 0; i < count; ++i) {
      Response r{site, round, {}};
      if (!sex.empty()) r.answers["dem_sex"] = sex;
      r.answers["dem_grade"] = grade;
      r.answers["dem_age"] = ages[next(3)];
      r.answers["eng_proud"] = likert[next(8)];
      r.answers["eng_recommend"] = likert[next(8)];
      data.push_back(std::move(r));
    }
  };
  struct Block {
    const char* site;
    const char* round;
    const char* sex;
    const char* grade;
    int count;
  };
  const Block blocks[] = {
      {"Namanga", "2026-baseline", "female", "officer", 8},
      {"Namanga", "2026-baseline", "female", "supervisor", 6},
      {"Namanga", "2026-baseline", "male", "officer", 14},
      {"Namanga", "2026-baseline", "male", "supervisor", 6},
      {"Namanga", "2026-baseline", "male", "senior_manager", 4},
      {"Namanga", "2026-baseline", "pns", "officer", 2},
      {"Busia", "2026-baseline", "female", "officer", 7},
      {"Busia", "2026-baseline", "female", "supervisor", 5},
      {"Busia", "2026-baseline", "male", "officer", 12},
      {"Busia", "2026-baseline", "male", "supervisor", 8},
      {"Busia", "2026-baseline", "male", "senior_manager", 7},
      {"Busia", "2026-baseline", "pns", "supervisor", 1},
      {"Northern land post", "2026-baseline", "male", "officer", 5},
      // The follow-up round: 4 people.
      {"Namanga", "2026-followup", "female", "officer", 1},
      {"Namanga", "2026-followup", "male", "officer", 2},
      {"Namanga", "2026-followup", "male", "supervisor", 1},
  };
  for (const Block& b : blocks) add(b.site, b.round, b.sex, b.grade, b.count);
  // The only woman senior manager, at the small post; she disagrees.
  data.push_back(Response{"Northern land post",
                          "2026-baseline",
                          {{"dem_sex", "female"},
                           {"dem_grade", "senior_manager"},
                           {"dem_age", "45_54"},
                           {"eng_proud", "1"},
                           {"eng_recommend", "2"}}});
  return data;
}

std::string json_of(const Response& r) {
  boost::json::object o;
  for (const auto& [k, v] : r.answers) o[k] = v;
  return boost::json::serialize(o);
}

}  // namespace

TEST_CASE("no group under k is recovered by differencing every report the API allows",
          "[report][differencing]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const auto data = make_data();
  std::map<std::string, DeviceId> devices;
  for (const auto& r : data) {
    if (!devices.count(r.site)) devices.emplace(r.site, add_device(store, r.site));
    add_response(store, devices.at(r.site), "staff-climate", "2026.1", json_of(r), r.round,
                 std::nullopt, 1, r.round == "2026-baseline" ? "2026-10-01" : "2026-11-20");
  }
  auto registry = FormRegistry::load(store);
  REQUIRE(registry.is_ok());
  const std::vector<std::string> dims = {"dem_sex",     "dem_age",     "dem_grade",     "dem_role",
                                         "dem_service", "dem_station", "dem_disability"};
  std::vector<std::vector<std::string>> breakdowns{{}};
  for (const auto& d : dims) breakdowns.push_back({d});
  for (const auto& d1 : dims) {
    for (const auto& d2 : dims) {
      if (d1 != d2) breakdowns.push_back({d1, d2});
    }
  }
  const std::vector<std::optional<std::string>> rounds = {std::nullopt, "2026-baseline",
                                                          "2026-followup"};

  // Three secrets; one under AddressSanitizer, which checks memory, not
  // the method, and makes each pass ten times dearer (CI's budget).
#ifdef __SANITIZE_ADDRESS__
  constexpr int kSecrets = 1;
#else
  constexpr int kSecrets = 3;
#endif
  for (int seed = 1; seed <= kSecrets; ++seed) {
    use_secret(store, static_cast<std::uint8_t>(seed));
    Attacker attacker;
    attacker.rounds = {"2026-baseline", "2026-followup"};
    auto ask = [&](const ReportOptions& o) {
      auto r = build_report(store.db(), (*registry)->library(), o);
      INFO(r.status().to_string());
      REQUIRE(r.is_ok());
      attacker.read(*r);
    };
    const ManualClock clock(1800000000);
    for (const auto& by : breakdowns) {
      for (const auto& round : rounds) {
        auto o = options("staff-climate");
        o.by = by;
        o.round = round;
        o.clock = &clock;
        ask(o);
        if (round) {
          o.compare = *round == "2026-baseline" ? "2026-followup" : "2026-baseline";
          ask(o);
        }
      }
    }
    CHECK(attacker.reports == static_cast<std::int64_t>(breakdowns.size() * 5));

    const Outcome outcome = solve(attacker, data);
    int small = 0, naive_exact = 0;
    std::set<std::string> attacked;
    for (const auto& [key, target] : outcome.targets) {
      const std::int64_t t = truth(data, target);
      std::int64_t lo = 0, hi = std::numeric_limits<std::int64_t>::max();
      for (const Derivation& d : outcome.derivations.at(key)) {
        INFO(key << " true " << t << " derivation [" << d.lo << ", " << d.hi << "]");
        // Valid: on the true counts it gives the target exactly.
        REQUIRE(d.on_truth == t);
        // The noise bound holds: the truth is inside.
        REQUIRE(d.lo <= t);
        REQUIRE(t <= d.hi);
        lo = std::max(lo, d.lo);
        hi = std::min(hi, d.hi);
        naive_exact += (d.lo + d.hi) / 2 == t ? 1 : 0;
      }
      if (t >= kK) continue;
      ++small;
      attacked.insert(key);
      const std::int64_t candidates = std::min(hi, kK - 1) - std::max<std::int64_t>(lo, 0) + 1;
      INFO("secret " << seed << ": " << key << " true " << t << ", consistent with every figure: ["
                     << lo << ", " << hi << "] and [0, " << kK - 1 << "]");
      CHECK(candidates >= 2);
    }
    INFO("secret " << seed << ": " << small << " groups under " << kK << " attacked, "
                   << naive_exact
                   << " derivations whose point estimate happened to be right (the attacker cannot "
                      "tell which)");
    // The attacks of issue 14 were all tried.
    CHECK(attacked.count("[2026-followup;] responses"));
    CHECK(attacked.count("[] dem_sex=(none)|pns| responses"));
    CHECK(attacked.count("[] site=Northern land post| responses"));
    // Her, alone or with a hidden partner, in some measure.
    bool her = false;
    for (const auto& key : attacked) {
      const Group& g = outcome.targets.at(key);
      const auto sex = g.dims.find("dem_sex"), grade = g.dims.find("dem_grade");
      her = her || (sex != g.dims.end() && grade != g.dims.end() && sex->second.count("female") &&
                    !sex->second.count("male") && grade->second.count("senior_manager"));
    }
    CHECK(her);
    CHECK(small > 100);
  }
}

TEST_CASE("a non-anonymous form keeps exact figures", "[report][differencing]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  auto store = server.open_store();
  const DeviceId dev = add_device(store, "North post");
  // A form that is not anonymous: the GEOAT. Its report says nothing of
  // perturbation, and counts an assessment exactly.
  add_response(store, dev, "geoat-2023", "2023.1", R"({"admin_name":"Customs A","x_a_1":"4"})",
               "2026-review");
  const auto r = report_of(store, options("geoat-2023"));
  CHECK_FALSE(r.at("form").as_object().contains("perturbed"));
  CHECK(r.at("operations").at("sites").at(0).at("responses") == 1);
  CHECK(r.at("operations").at("devices").at(0).at("responses") == 1);
}
