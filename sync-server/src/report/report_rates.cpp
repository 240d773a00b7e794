// Response rates: respondents per reporting unit and sex over the
// headcounts HQ entered (sync-server headcounts set), the denominator every
// staff survey reports (PSES, FEVS).
//
// The respondents are counted in the report's one scan (report_scan.cpp,
// count_rate), so a rate costs no second pass. They are published like any
// other count: under the threshold hidden, and for an anonymous form with
// their cells' noise; a rate is only computed from a published count.
#include <algorithm>
#include <cmath>
#include <map>

#include "report_internal.hpp"
#include "units_store.hpp"

namespace equitas::server::report_detail {
namespace {

// The form's sex question: the breakdown question on the list named "sex"
// (staff climate's dem_sex, the integrity survey's sex).
const ReportItem* sex_item(const Context& ctx) {
  for (const auto& it : ctx.items) {
    if (it.item->breakdown && it.list != nullptr && it.list->name == "sex") return &it;
  }
  return nullptr;
}

struct Tally {
  std::int64_t n = 0;
  std::uint32_t key = 0;
  void add(std::int64_t more, std::uint32_t more_key) {
    n += more;
    key += more_key;
  }
};

// A respondent count as the report shows it, and the number behind it
// (nullopt when hidden).
struct Shown {
  boost::json::value json;
  std::optional<std::int64_t> value;
};

Shown shown(const Context& ctx, const Tally& t) {
  if (t.n < ctx.threshold) {
    return {boost::json::object{{"suppressed", true},
                                {"display", "n<" + std::to_string(ctx.threshold)}},
            std::nullopt};
  }
  const std::int64_t v =
      ctx.cell_keys ? std::max(ctx.cell_keys->perturb(t.n, t.key), ctx.threshold) : t.n;
  return {boost::json::value(v), v};
}

// {"headcount", "responses", "rate"[, "above_headcount"]} for one cell;
// `headcount` is -1 where HQ gave none.
boost::json::object rate_cell(const Context& ctx, const Tally& t, std::int64_t headcount) {
  Shown s = shown(ctx, t);
  boost::json::object o;
  o["headcount"] = headcount >= 0 ? boost::json::value(headcount) : nullptr;
  o["responses"] = std::move(s.json);
  if (s.value && headcount > 0) {
    o["rate"] =
        std::round(1000.0 * static_cast<double>(*s.value) / static_cast<double>(headcount)) / 10.0;
    // More respondents than staff: the headcount is out of date or for
    // another unit. Shown as it is, and said, rather than capped at 100.
    if (*s.value > headcount) o["above_headcount"] = true;
  } else {
    o["rate"] = nullptr;
  }
  return o;
}

// `cell` after a first member naming it ({"unit": ...} or {"sex": ...}).
boost::json::object named(std::string_view key, std::string_view name, boost::json::object cell) {
  boost::json::object o{{key, name}};
  for (auto& kv : cell) o[kv.key()] = std::move(kv.value());
  return o;
}

}  // namespace

Result<std::shared_ptr<const RatePlan>> load_rate_plan(Context& ctx) {
  EQ_ASSIGN_OR_RETURN(bool any, UnitsStore(*ctx.db).has_headcounts());
  if (!any) return std::shared_ptr<const RatePlan>();
  auto plan = std::make_shared<RatePlan>();
  EQ_ASSIGN_OR_RETURN(auto devices, UnitsStore(*ctx.db).unit_of_devices());
  for (const auto& [rowid, unit] : devices) plan->units.push_back(unit);
  std::sort(plan->units.begin(), plan->units.end());
  plan->units.erase(std::unique(plan->units.begin(), plan->units.end()), plan->units.end());
  for (const auto& [rowid, unit] : devices) {
    if (rowid < 0 || rowid > (1 << 30))
      continue;  // rowids are small; a larger one would make a huge table
    if (static_cast<std::size_t>(rowid) >= plan->unit_of_device.size()) {
      plan->unit_of_device.resize(static_cast<std::size_t>(rowid) + 1, -1);
    }
    plan->unit_of_device[static_cast<std::size_t>(rowid)] = static_cast<int>(
        std::lower_bound(plan->units.begin(), plan->units.end(), unit) - plan->units.begin());
  }
  if (const ReportItem* sex = sex_item(ctx)) {
    plan->sex_position = ctx.dict.position(sex->item->name);
    for (const auto& c : sex->list->choices) plan->sexes.push_back({c.name, ctx.text(c.label)});
    if (plan->sex_position >= 0) {
      const auto& values = ctx.dict.columns[static_cast<std::size_t>(plan->sex_position)].values;
      plan->sex_of_code.assign(values.size(), static_cast<int>(plan->sexes.size()));
      for (std::size_t code = 1; code < values.size(); ++code) {
        for (std::size_t i = 0; i < plan->sexes.size(); ++i) {
          if (plan->sexes[i].code == values[code]) plan->sex_of_code[code] = static_cast<int>(i);
        }
      }
    }
  }
  return std::shared_ptr<const RatePlan>(std::move(plan));
}

Result<boost::json::object> response_rates(const Context& ctx, const Counts& k,
                                           const std::string& round) {
  const RatePlan& plan = *ctx.rates;
  UnitsStore store(*ctx.db);
  EQ_ASSIGN_OR_RETURN(auto counts, store.headcounts_for(round));
  // unit -> sex ("" for the total) -> headcount
  std::map<std::string, std::map<std::string, std::int64_t>> heads;
  for (const auto& h : counts) heads[h.unit][h.sex] = h.headcount;
  auto headcount_of = [&](const std::string& unit,
                          const std::string& sex) -> std::optional<std::int64_t> {
    auto u = heads.find(unit);
    if (u == heads.end()) return std::nullopt;
    if (auto s = u->second.find(sex); s != u->second.end()) return s->second;
    if (!sex.empty()) return std::nullopt;
    // No total given: the sum of its sexes, when every listed sex has one.
    std::int64_t sum = 0;
    for (const auto& c : plan.sexes) {
      auto s = u->second.find(c.code);
      if (s == u->second.end()) return std::nullopt;
      sum += s->second;
    }
    return plan.sexes.empty() ? std::nullopt : std::optional<std::int64_t>(sum);
  };

  const std::size_t w = plan.width();
  auto tally = [&](std::size_t unit, std::size_t sex) {
    const std::size_t i = unit * w + sex;
    return Tally{k.rate_counts[i], k.rate_keys.empty() ? 0u : k.rate_keys[i]};
  };
  boost::json::array units, without;
  // The total is over the units with a headcount, so that its rate has
  // the same people above and below the line.
  Tally all;
  std::int64_t all_heads = 0;
  std::vector<Tally> all_by_sex(plan.sexes.size());
  std::vector<std::int64_t> all_heads_by_sex(plan.sexes.size(), 0);
  for (std::size_t u = 0; u < plan.units.size(); ++u) {
    const std::string& name = plan.units[u];
    Tally total;
    for (std::size_t s = 0; s < w; ++s) {
      const Tally t = tally(u, s);
      total.add(t.n, t.key);
    }
    const auto heads_total = headcount_of(name, "");
    // A unit with neither staff numbers nor respondents has nothing to say.
    if (!heads_total && heads.count(name) == 0 && total.n == 0) continue;
    boost::json::object o = named("unit", name, rate_cell(ctx, total, heads_total.value_or(-1)));
    boost::json::array by_sex;
    for (std::size_t s = 0; s < plan.sexes.size(); ++s) {
      const Tally t = tally(u, s);
      const auto h = headcount_of(name, plan.sexes[s].code);
      by_sex.push_back(named("sex", plan.sexes[s].code, rate_cell(ctx, t, h.value_or(-1))));
      if (h) {
        all_by_sex[s].add(t.n, t.key);
        all_heads_by_sex[s] += *h;
      }
    }
    o["by_sex"] = std::move(by_sex);
    units.push_back(std::move(o));
    if (heads_total) {
      all.add(total.n, total.key);
      all_heads += *heads_total;
    } else {
      without.push_back(boost::json::value(name));
    }
  }
  boost::json::object total = rate_cell(ctx, all, all_heads > 0 ? all_heads : -1);
  boost::json::array by_sex;
  for (std::size_t s = 0; s < plan.sexes.size(); ++s) {
    const std::int64_t h = all_heads_by_sex[s] > 0 ? all_heads_by_sex[s] : -1;
    by_sex.push_back(named("sex", plan.sexes[s].code, rate_cell(ctx, all_by_sex[s], h)));
  }
  total["by_sex"] = std::move(by_sex);
  boost::json::array sexes;
  for (const auto& c : plan.sexes)
    sexes.push_back(boost::json::object{{"code", c.code}, {"label", c.label}});
  return boost::json::object{{"round", round},
                             {"sexes", std::move(sexes)},
                             {"units", std::move(units)},
                             {"total", std::move(total)},
                             {"units_without_headcount", std::move(without)}};
}

}  // namespace equitas::server::report_detail
