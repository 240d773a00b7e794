#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "equitas/wire/payload.hpp"
#include "published_counts.hpp"
#include "report_internal.hpp"
#include "report_reads.hpp"
#include "server_store.hpp"

namespace equitas::server {
namespace report_detail {

double percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return 0.0;
  // Of perturbed counts, the part can exceed the whole by the noise.
  return std::min(
      100.0, std::round(1000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 10.0);
}

std::int64_t published(const Context& ctx, const Measure& m, std::size_t i) {
  if (!ctx.cell_keys) return m.count[i];
  return ctx.cell_keys->perturb(m.count[i], static_cast<std::uint32_t>(m.key[i]));
}

std::vector<Shown> shown_cells(const Context& ctx) {
  std::vector<Shown> out;
  auto key = [&](int r, int c) {
    boost::json::object g;
    if (!ctx.dims.empty() && r < ctx.rows)
      g[ctx.dims[0].name] = ctx.dims[0].categories[static_cast<std::size_t>(r)].code;
    if (ctx.dims.size() > 1 && c < ctx.cols)
      g[ctx.dims[1].name] = ctx.dims[1].categories[static_cast<std::size_t>(c)].code;
    return g;
  };
  if (ctx.dims.empty()) {
    out.push_back({ctx.rows, 0, {}});
  } else if (ctx.dims.size() == 1) {
    for (int r = 0; r <= ctx.rows; ++r) out.push_back({r, 0, key(r, 0)});
  } else {
    for (int r = 0; r <= ctx.rows; ++r) {
      for (int c = 0; c <= ctx.cols; ++c) out.push_back({r, c, key(r, c)});
    }
  }
  return out;
}

std::vector<std::int64_t> with_totals(const Context& ctx,
                                      const std::vector<std::int64_t>& interior) {
  const int w = ctx.cols + 1;
  std::vector<std::int64_t> g(static_cast<std::size_t>((ctx.rows + 1) * w), 0);
  for (int r = 0; r < ctx.rows; ++r) {
    for (int c = 0; c < ctx.cols; ++c) {
      const std::int64_t v = interior[static_cast<std::size_t>(r * ctx.cols + c)];
      g[static_cast<std::size_t>(r * w + c)] += v;
      g[static_cast<std::size_t>(r * w + ctx.cols)] += v;
      g[static_cast<std::size_t>(ctx.rows * w + c)] += v;
      g[static_cast<std::size_t>(ctx.rows * w + ctx.cols)] += v;
    }
  }
  return g;
}

namespace {

// Every version of the form, newest (the one collectors capture) first.
std::vector<std::shared_ptr<const forms::Form>> versions_of(const forms::FormLibrary& lib,
                                                            const std::string& id) {
  std::vector<std::shared_ptr<const forms::Form>> out;
  if (auto cur = lib.current(id)) out.push_back(cur);
  const auto& entries = lib.entries();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->form->id != id) continue;
    if (std::find(out.begin(), out.end(), it->form) == out.end()) out.push_back(it->form);
  }
  return out;
}

void merge_items(Context& ctx) {
  std::set<std::string> seen;
  for (const auto& form : ctx.versions) {
    form->walk([&](const forms::Item& it, const std::vector<const forms::Item*>& parents) {
      for (const auto* p : parents) {
        if (p->type == forms::QuestionType::kRepeat) return true;
      }
      if (!it.takes_answer() || !seen.insert(it.name).second) return true;
      ReportItem r;
      r.item = &it;
      r.list = form->list_for(it);
      if (!parents.empty()) {
        r.section = parents.front()->name;
        r.section_label = ctx.text(parents.front()->label);
        if (r.section_label.empty())
          r.section_label = r.section;  // an unlabelled group: its name is all there is
        r.element_label = ctx.text(parents.back()->label);
        r.principle_label = ctx.text(parents.front()->label);
      }
      ctx.items.push_back(r);
      return true;
    });
  }
}

Status resolve_dimensions(Context& ctx) {
  if (ctx.options.by.size() > 2) {
    return Status::invalid_argument(
        "--by takes at most two dimensions: combinations of more identify people");
  }
  std::vector<std::string> allowed;
  for (const auto& it : ctx.items) {
    if (it.item->breakdown) allowed.push_back(it.item->name);
  }
  std::string names;
  for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
  for (const std::string& want : ctx.options.by) {
    const ReportItem* found = nullptr;
    for (const auto& it : ctx.items) {
      if (it.item->breakdown && (it.item->name == want || it.item->name == "dem_" + want))
        found = &it;
    }
    if (found == nullptr) {
      return Status::invalid_argument(
          "'" + want + "' is not a breakdown dimension of " + ctx.options.form_id +
          (names.empty() ? " (it has none)" : " (use one of: " + names + ")"));
    }
    for (const auto& d : ctx.dims) {
      if (d.name == found->item->name)
        return Status::invalid_argument("--by names " + d.name + " twice");
    }
    Dimension d;
    d.name = found->item->name;
    d.label = ctx.text(found->item->label);
    d.position = ctx.dict.position(d.name);
    if (found->list) {
      for (const auto& ch : found->list->choices)
        d.categories.push_back({ch.name, ctx.text(ch.label)});
    }
    const std::vector<std::string> none{""};
    const auto& values =
        d.position >= 0 ? ctx.dict.columns[static_cast<std::size_t>(d.position)].values : none;
    for (std::size_t code = 1; code < values.size(); ++code) {
      bool listed = false;
      for (const auto& c : d.categories) listed = listed || c.code == values[code];
      if (!listed) d.categories.push_back({values[code], values[code]});
    }
    d.categories.push_back({"", "(no answer)"});
    d.category_of_code.assign(std::max<std::size_t>(values.size(), 1),
                              static_cast<int>(d.categories.size()) - 1);
    for (std::size_t code = 1; code < values.size(); ++code) {
      for (std::size_t i = 0; i < d.categories.size(); ++i) {
        if (d.categories[i].code == values[code]) d.category_of_code[code] = static_cast<int>(i);
      }
    }
    ctx.dims.push_back(std::move(d));
  }
  ctx.rows = ctx.dims.empty() ? 1 : static_cast<int>(ctx.dims[0].categories.size());
  ctx.cols = ctx.dims.size() < 2 ? 1 : static_cast<int>(ctx.dims[1].categories.size());
  return Status::ok();
}

Result<Context> make_context(Database& db, const forms::FormLibrary& lib,
                             const ReportOptions& options) {
  Context ctx;
  ctx.db = &db;
  ctx.options = options;
  ctx.versions = versions_of(lib, options.form_id);
  if (ctx.versions.empty())
    return Status::not_found("no form '" + options.form_id + "' on this server (see: forms list)");
  EQ_ASSIGN_OR_RETURN(auto dict, load_analysis_dictionary(db, options.form_id));
  if (dict) {
    ctx.dict = std::move(*dict);
  } else {
    ctx.dict.form_ref = -1;  // nothing stored yet: an empty report
  }
  merge_items(ctx);
  // Anonymous if any version was: a response keeps the protection it was
  // collected under.
  bool anonymous = false;
  for (const auto& v : ctx.versions) anonymous = anonymous || v->anonymous;
  if (anonymous) {
    EQ_ASSIGN_OR_RETURN(CellKeys keys, CellKeys::load(db));
    ctx.cell_keys = std::make_shared<const CellKeys>(std::move(keys));
  }
  ctx.threshold = std::max(1, ctx.form().suppression_threshold);
  // As for exports: the highest threshold any version had, never below the
  // product's floor, so a new version cannot lower it retroactively.
  if (anonymous) ctx.threshold = std::max(ctx.threshold, anonymous_threshold(lib, options.form_id));
  if (options.min_cell) {
    if (*options.min_cell < ctx.threshold) {
      return Status::invalid_argument("--min-cell can only raise the threshold of " +
                                      options.form_id + " (" + std::to_string(ctx.threshold) +
                                      "), not lower it");
    }
    ctx.threshold = *options.min_cell;
  }
  if (options.compare && !options.round)
    return Status::invalid_argument("--compare needs --round (the round to compare with)");
  EQ_RETURN_IF_ERROR(resolve_dimensions(ctx));
  EQ_ASSIGN_OR_RETURN(ctx.rates, load_rate_plan(ctx));
  return ctx;
}

// When the form's first team assessment of `round` was created; nullopt
// when the round has none.
Result<std::optional<std::int64_t>> assessment_created(const Context& ctx,
                                                       const std::string& round) {
  return first_assessment_created(*ctx.db, ctx.options.form_id, round);
}

Result<std::vector<std::int64_t>> round_refs(const Context& ctx,
                                             const std::optional<std::string>& round) {
  std::vector<std::int64_t> refs;
  if (!round) {
    for (const auto& [name, ref] : ctx.dict.rounds) refs.push_back(ref);
    return refs;
  }
  auto it = ctx.dict.rounds.find(*round);
  if (it == ctx.dict.rounds.end()) {
    // A round of team assessments only: their contributions are not pooled
    // as responses, and the round is there all the same.
    EQ_ASSIGN_OR_RETURN(auto created, assessment_created(ctx, *round));
    if (created) return refs;
    std::string known;
    for (const auto& [name, ref] : ctx.dict.rounds)
      known += (known.empty() ? "" : ", ") + (name.empty() ? "\"\"" : name);
    return Status::not_found("no responses to " + ctx.options.form_id + " in round '" + *round +
                             "'" +
                             (known.empty() ? "" : " (rounds with responses: " + known + ")"));
  }
  refs.push_back(it->second);
  return refs;
}

Result<boost::json::object> period(Context& ctx, const std::optional<std::string>& round,
                                   Counts* keep) {
  EQ_ASSIGN_OR_RETURN(auto refs, round_refs(ctx, round));
  const bool geoat = has_scores(ctx);
  EQ_ASSIGN_OR_RETURN(Counts k, scan(ctx, refs, geoat));
  boost::json::object p;
  p["round"] = round ? boost::json::value(*round) : nullptr;
  EQ_ASSIGN_OR_RETURN(p["survey"], survey_period(ctx, k));
  if (geoat) {
    EQ_ASSIGN_OR_RETURN(p["geoat"], geoat_period(ctx, k));
  }
  // A rate is of one round's respondents: rounds pooled would count a
  // person once per round. A team assessment has no respondents to rate.
  const std::optional<std::string> only_round =
      round                         ? round
      : ctx.dict.rounds.size() == 1 ? std::optional<std::string>(ctx.dict.rounds.begin()->first)
                                    : std::nullopt;
  if (ctx.rates && only_round && !geoat) {
    EQ_ASSIGN_OR_RETURN(p["response_rates"], response_rates(ctx, k, *only_round));
  }
  if (keep) *keep = std::move(k);
  return p;
}

// The first day a period has a response on; nullopt when it has none.
std::optional<std::int32_t> first_day(const Counts& k) {
  std::optional<std::int32_t> out;
  for (const DeviceDays& dd : k.device_days) {
    for (std::size_t i = 0; i < dd.counts.size(); ++i) {
      if (dd.counts[i] == 0) continue;
      const std::int32_t day = dd.first_day + static_cast<std::int32_t>(i);
      if (!out || day < *out) out = day;
      break;
    }
  }
  return out;
}

// The order in which a round was first published for the form (form_rounds
// ids only grow); nullopt for a round never published (a bundled form's
// responses, or one carried in from elsewhere).
Result<std::optional<std::int64_t>> publication_order(const Context& ctx,
                                                      const std::string& round) {
  return round_publication_order(*ctx.db, ctx.options.form_id, round);
}

struct RoundOrder {
  bool first_is_newer = false;
  std::string basis;  // how it was decided: "published", "first_response" or "name"
};

// Which of two rounds is the newer one, whichever the user named first: a
// change is always newer minus older (issue 15: "Round" and "Compare with"
// were taken as newer and older, and a user who picked them the other way
// round read every improvement as a fall). A round is published before it is
// collected, so publication order decides; where either round was never
// published, the day of its first response; and the name last, so the answer
// never depends on the order of the arguments.
Result<RoundOrder> order_rounds(const Context& ctx, const std::string& first,
                                const Counts& first_counts, const std::string& second,
                                const Counts& second_counts) {
  EQ_ASSIGN_OR_RETURN(auto pub_first, publication_order(ctx, first));
  EQ_ASSIGN_OR_RETURN(auto pub_second, publication_order(ctx, second));
  if (pub_first && pub_second && *pub_first != *pub_second)
    return RoundOrder{*pub_first > *pub_second, "published"};
  const auto day_first = first_day(first_counts), day_second = first_day(second_counts);
  if (day_first && day_second && *day_first != *day_second) {
    return RoundOrder{*day_first > *day_second, "first_response"};
  }
  EQ_ASSIGN_OR_RETURN(auto made_first, assessment_created(ctx, first));
  EQ_ASSIGN_OR_RETURN(auto made_second, assessment_created(ctx, second));
  if (made_first && made_second && *made_first != *made_second) {
    return RoundOrder{*made_first > *made_second, "assessment_created"};
  }
  return RoundOrder{first > second, "name"};
}

struct DeviceRow {
  std::string id, site, state;
  std::optional<std::int64_t> last_seen;
};

Result<boost::json::object> operations(const Context& ctx, const Counts& k, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(auto summaries, device_summaries(*ctx.db));
  std::map<std::int64_t, DeviceRow> devices;
  std::vector<std::int64_t> order;
  for (auto& summary : summaries) {
    order.push_back(summary.rowid);
    devices.emplace(summary.rowid, DeviceRow{to_hex(summary.id), std::move(summary.site),
                                             std::move(summary.status), summary.last_seen_at});
  }
  // Per site and day: the count and the sum of its records' keys.
  struct Tally {
    std::int64_t n = 0, key = 0;
  };
  std::map<std::string, std::map<std::int32_t, Tally>> per_site;
  std::map<std::int64_t, std::pair<std::int32_t, Tally>> per_device;  // last day, responses
  for (std::size_t ref = 0; ref < k.device_days.size(); ++ref) {
    const DeviceDays& dd = k.device_days[ref];
    auto it = devices.find(static_cast<std::int64_t>(ref));
    for (std::size_t i = 0; i < dd.counts.size(); ++i) {
      if (dd.counts[i] == 0) continue;
      const std::int32_t day = dd.first_day + static_cast<std::int32_t>(i);
      auto& t = per_site[it == devices.end() ? "(unknown device)" : it->second.site][day];
      t.n += dd.counts[i];
      t.key += dd.keys[i];
      auto& pd = per_device[static_cast<std::int64_t>(ref)];
      pd.first = std::max(pd.first, day);
      pd.second.n += dd.counts[i];
      pd.second.key += dd.keys[i];
    }
  }
  // An anonymous form's counts per site, day and device are groups like
  // any other: under the threshold they are hidden, and shown ones carry
  // their cells' noise, so that no site's or day's small count can be
  // worked out from the others or from the total.
  auto count = [&](const Tally& t) -> boost::json::value {
    if (!ctx.cell_keys) return t.n;
    if (t.n < ctx.threshold)
      return boost::json::object{{"suppressed", true},
                                 {"display", "n<" + std::to_string(ctx.threshold)}};
    return std::max(ctx.cell_keys->perturb(t.n, static_cast<std::uint32_t>(t.key)), ctx.threshold);
  };
  boost::json::array sites;
  for (const auto& [site, days] : per_site) {
    boost::json::array by_day;
    Tally total;
    for (const auto& [day, t] : days) {
      by_day.push_back(boost::json::object{{"day", day_text(day)}, {"responses", count(t)}});
      total.n += t.n;
      total.key += t.key;
    }
    sites.push_back(boost::json::object{
        {"site", site}, {"responses", count(total)}, {"days", std::move(by_day)}});
  }
  boost::json::array devs, stale;
  for (std::int64_t ref : order) {
    const DeviceRow& d = devices.at(ref);
    boost::json::object o{{"device_id", d.id}, {"site", d.site}, {"state", d.state}};
    o["last_seen_at"] = d.last_seen ? boost::json::value(iso8601_utc(*d.last_seen)) : nullptr;
    auto pd = per_device.find(ref);
    o["responses"] = pd == per_device.end() ? boost::json::value(0) : count(pd->second.second);
    // The day of a device's last response would date an anonymous answer
    // at a small post: withheld (last_seen_at still tells whether it syncs).
    o["last_response_day"] = pd == per_device.end() || ctx.cell_keys
                                 ? boost::json::value(nullptr)
                                 : boost::json::value(day_text(pd->second.first));
    // Only devices that are supposed to sync can be late.
    const bool late = device_is_stale(
        d.state == "active" ? DeviceState::kActive : DeviceState::kPending, d.last_seen, now);
    o["stale"] = late;
    if (late) stale.push_back(o);
    devs.push_back(std::move(o));
  }
  return boost::json::object{{"sites", std::move(sites)},
                             {"devices", std::move(devs)},
                             {"not_seen_14_days", std::move(stale)}};
}

}  // namespace
}  // namespace report_detail

Result<boost::json::object> build_report(Database& db, const forms::FormLibrary& forms,
                                         const ReportOptions& options) {
  using namespace report_detail;
  // One read transaction: the dictionary, the rows and the devices are all
  // from the same moment, whatever the writer commits meanwhile.
  // The scan reads the file through a memory map (store/report_reads.hpp).
  EQ_RETURN_IF_ERROR(map_for_scans(db));
  Transaction snapshot(db, Transaction::Mode::kDeferred);
  EQ_RETURN_IF_ERROR(snapshot.status());
  EQ_ASSIGN_OR_RETURN(Context ctx, make_context(db, forms, options));
  const std::int64_t now = options.clock->now();

  boost::json::object r;
  r["report_version"] = kReportVersion;
  r["generated_at"] = iso8601_utc(now);
  boost::json::array versions;
  for (const auto& v : ctx.versions) versions.push_back(boost::json::value(v->version));
  r["form"] = boost::json::object{{"id", ctx.form().id},
                                  {"title", ctx.text(ctx.form().title)},
                                  {"versions", std::move(versions)},
                                  {"anonymous", ctx.form().anonymous},
                                  {"suppression_threshold", ctx.threshold}};
  if (ctx.cell_keys) {
    // Said in the report itself, so that no reader takes a count for exact.
    r["form"].as_object()["perturbed"] =
        boost::json::object{{"method", "cell key"}, {"max_noise", CellKeys::kMaxNoise}};
  }
  boost::json::array rounds;
  for (const auto& [name, ref] : ctx.dict.rounds) rounds.push_back(boost::json::value(name));
  r["rounds_with_responses"] = std::move(rounds);
  boost::json::array dims;
  for (const auto& d : ctx.dims) {
    boost::json::array cats;
    for (const auto& c : d.categories)
      cats.push_back(boost::json::object{{"code", c.code}, {"label", c.label}});
    dims.push_back(
        boost::json::object{{"name", d.name}, {"label", d.label}, {"categories", std::move(cats)}});
  }
  r["breakdown"] = std::move(dims);

  Counts main;
  boost::json::array periods;
  EQ_ASSIGN_OR_RETURN(boost::json::object first, period(ctx, options.round, &main));
  if (!options.round && has_scores(ctx) && !ctx.dict.rounds.empty()) {
    // GEOAT scores belong to an administration in a round: without --round,
    // one period per round rather than rounds pooled.
    for (const auto& [name, ref] : ctx.dict.rounds) {
      EQ_ASSIGN_OR_RETURN(boost::json::object p, period(ctx, name, nullptr));
      periods.push_back(std::move(p));
    }
  } else {
    periods.push_back(first);
  }
  if (options.compare) {
    Counts compared;
    EQ_ASSIGN_OR_RETURN(boost::json::object second, period(ctx, options.compare, &compared));
    periods.push_back(second);
    EQ_ASSIGN_OR_RETURN(RoundOrder order,
                        order_rounds(ctx, *options.round, main, *options.compare, compared));
    const boost::json::object& newer = order.first_is_newer ? first : second;
    const boost::json::object& older = order.first_is_newer ? second : first;
    boost::json::object change{{"from", older.at("round")},
                               {"to", newer.at("round")},
                               {"older", older.at("round")},
                               {"newer", newer.at("round")},
                               {"order_by", order.basis}};
    change["survey"] =
        compare_survey(older.at("survey").as_object(), newer.at("survey").as_object());
    if (first.contains("geoat")) {
      change["geoat"] = compare_geoat(older.at("geoat").as_object(), newer.at("geoat").as_object());
      EQ_ASSIGN_OR_RETURN(change["geoat"].as_object()["actions"],
                          compare_actions(ctx, std::string(older.at("round").as_string()),
                                          std::string(newer.at("round").as_string())));
    }
    r["comparison"] = std::move(change);
  }
  r["periods"] = std::move(periods);
  if (has_scores(ctx)) {
    EQ_ASSIGN_OR_RETURN(r["assessments"], assessments_section(ctx, options.round));
  }
  EQ_ASSIGN_OR_RETURN(r["operations"], operations(ctx, main, now));
  return r;
}

}  // namespace equitas::server
