// The survey part of a report: items, sections (Arusha factors).
#include <algorithm>
#include <cmath>
#include <map>

#include "report_internal.hpp"

namespace equitas::server::report_detail {
namespace {

// How a code of a select column counts.
enum class Class { kNone, kPositive, kNeutral, kNegative, kExcluded, kOther };

std::vector<Class> classes(const Context& ctx, const ReportItem& it, int position) {
  std::vector<Class> out{Class::kNone};
  if (position < 0) return out;
  const auto& values = ctx.dict.columns[static_cast<std::size_t>(position)].values;
  for (std::size_t code = 1; code < values.size(); ++code) {
    const forms::Choice* ch = it.list ? it.list->find(values[code]) : nullptr;
    Class k = Class::kOther;
    if (ch && ch->exclude)
      k = Class::kExcluded;
    else if (ch && ch->polarity == forms::Polarity::kPositive)
      k = Class::kPositive;
    else if (ch && ch->polarity == forms::Polarity::kNeutral)
      k = Class::kNeutral;
    else if (ch && ch->polarity == forms::Polarity::kNegative)
      k = Class::kNegative;
    out.push_back(k);
  }
  return out;
}

// The codes of a column (indexes into `values`, 0 is "no answer") in the
// order the form lists its choices: the dictionary numbers codes in the order
// they first arrived, which puts "25–34" before "Under 25". A code the newest
// list no longer has (an older version's choice) follows, in arrival order.
std::vector<std::size_t> in_form_order(const ReportItem& it,
                                       const std::vector<std::string>& values) {
  std::vector<std::size_t> out;
  std::vector<bool> taken(values.size(), false);
  if (it.list) {
    for (const auto& ch : it.list->choices) {
      for (std::size_t code = 1; code < values.size(); ++code) {
        if (!taken[code] && values[code] == ch.name) {
          out.push_back(code);
          taken[code] = true;
        }
      }
    }
  }
  for (std::size_t code = 1; code < values.size(); ++code) {
    if (!taken[code]) out.push_back(code);
  }
  return out;
}

bool is_likert(const ReportItem& it) {
  if (it.item->type == forms::QuestionType::kLikert) return true;
  if (it.list == nullptr || it.item->type != forms::QuestionType::kSelectOne) return false;
  for (const auto& ch : it.list->choices) {
    if (ch.polarity != forms::Polarity::kNone) return true;
  }
  return false;
}

// A reverse-worded statement: its list puts the positive end first (agreeing
// is negative), so "% positive" is the share who disagree. Read from the
// choices' polarity in the list's order, whatever the list is called.
bool is_reversed(const ReportItem& it) {
  if (it.list == nullptr) return false;
  const forms::Choice* first = nullptr;
  const forms::Choice* last = nullptr;
  for (const auto& ch : it.list->choices) {
    if (ch.polarity != forms::Polarity::kPositive && ch.polarity != forms::Polarity::kNegative)
      continue;
    if (first == nullptr) first = &ch;
    last = &ch;
  }
  return first != nullptr && first->polarity == forms::Polarity::kPositive &&
         last->polarity == forms::Polarity::kNegative;
}

// Per-item results a section index is built from: percent positive per grid
// cell, and whether the cell is hidden.
struct LikertResult {
  std::vector<bool> hidden;
  std::vector<double> positive;
};

// Every hidden group looks the same, whatever the reason it is hidden: a
// mark that told a secondary suppression from a primary one would say the
// former holds at least `threshold` people, which can narrow the latter.
boost::json::object suppressed(const Context& ctx, const Shown& s) {
  return {
      {"group", s.group}, {"suppressed", true}, {"display", "n<" + std::to_string(ctx.threshold)}};
}

// An entry for each group shown: suppressed where `t` hides its cell, else
// what `entry(s, g)` makes of it (g: the cell's index in `t`).
template <typename Entry>
boost::json::array groups_of(const Context& ctx, const SuppressedTable& t, Entry&& entry) {
  boost::json::array groups;
  for (const Shown& s : shown_cells(ctx)) {
    const auto g = static_cast<std::size_t>(s.r * t.width() + s.c);
    groups.push_back(t.hidden[g] ? suppressed(ctx, s) : entry(s, g));
  }
  return groups;
}

// The n a shown group gives: its published count, which for a perturbed
// count is never under the threshold (a shown group has k people or more,
// and noise must not make it look otherwise).
std::int64_t shown_n(const Context& ctx, const Measure& m, std::size_t g) {
  const std::int64_t v = published(ctx, m, g);
  return ctx.cell_keys ? std::max(v, ctx.threshold) : v;
}

// The interior (rows x cols) part of a grid, which suppression takes.
std::vector<std::int64_t> inner(const Context& ctx, const std::vector<std::int64_t>& grid) {
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(ctx.rows * ctx.cols));
  for (int r = 0; r < ctx.rows; ++r) {
    for (int c = 0; c < ctx.cols; ++c)
      out.push_back(grid[static_cast<std::size_t>(r * (ctx.cols + 1) + c)]);
  }
  return out;
}

Measure combined(const Measure& a, const Measure& b) {
  Measure out = a;
  for (std::size_t i = 0; i < out.count.size(); ++i) {
    out.count[i] += b.count[i];
    out.key[i] += b.key[i];
  }
  return out;
}

boost::json::object likert_item(const Context& ctx, const ReportItem& it, const Counts& k, int pos,
                                LikertResult& lr) {
  const auto cls = classes(ctx, it, pos);
  auto count = [&](Class want) {
    return measure(ctx, k, pos, [&](int code) {
      return static_cast<std::size_t>(code) < cls.size() &&
             cls[static_cast<std::size_t>(code)] == want;
    });
  };
  const Measure pos_n = count(Class::kPositive), neu_n = count(Class::kNeutral),
                neg_n = count(Class::kNegative), exc_n = count(Class::kExcluded);
  const Measure n = combined(combined(pos_n, neu_n), neg_n);
  const SuppressedTable t = suppress_table(inner(ctx, n.count), ctx.rows, ctx.cols, ctx.threshold);
  lr.hidden = t.hidden;
  lr.positive.assign(t.values.size(), 0.0);
  auto groups = groups_of(ctx, t, [&](const Shown& s, std::size_t g) {
    // Percentages of the published count itself, before it is raised to
    // the threshold: a group where everyone agreed shows 100 %.
    const std::int64_t base = published(ctx, n, g);
    lr.positive[g] = percent(published(ctx, pos_n, g), base);
    return boost::json::object{{"group", s.group},
                               {"n", shown_n(ctx, n, g)},
                               {"positive", lr.positive[g]},
                               {"neutral", percent(published(ctx, neu_n, g), base)},
                               {"negative", percent(published(ctx, neg_n, g), base)},
                               {"excluded", published(ctx, exc_n, g)}};
  });
  return {{"groups", std::move(groups)}};
}

boost::json::object select_item(const Context& ctx, const ReportItem& it, const Counts& k,
                                int pos) {
  const auto cls = classes(ctx, it, pos);
  const Measure n_in = measure(ctx, k, pos, [&](int code) {
    return code > 0 && static_cast<std::size_t>(code) < cls.size() &&
           cls[static_cast<std::size_t>(code)] != Class::kExcluded;
  });
  const Measure exc = measure(ctx, k, pos, [&](int code) {
    return static_cast<std::size_t>(code) < cls.size() &&
           cls[static_cast<std::size_t>(code)] == Class::kExcluded;
  });
  const SuppressedTable t =
      suppress_table(inner(ctx, n_in.count), ctx.rows, ctx.cols, ctx.threshold);
  std::vector<std::pair<std::string, Measure>> per_choice;
  if (pos >= 0) {
    const auto& values = ctx.dict.columns[static_cast<std::size_t>(pos)].values;
    for (const std::size_t code : in_form_order(it, values)) {
      if (cls[code] == Class::kExcluded) continue;
      per_choice.emplace_back(
          values[code], measure(ctx, k, pos, [&](int c) { return c == static_cast<int>(code); }));
    }
  }
  auto groups = groups_of(ctx, t, [&](const Shown& s, std::size_t g) {
    const std::int64_t base = published(ctx, n_in, g);
    boost::json::object choices;
    for (const auto& [code, counts] : per_choice)
      choices[code] = percent(published(ctx, counts, g), base);
    return boost::json::object{{"group", s.group},
                               {"n", shown_n(ctx, n_in, g)},
                               {"excluded", published(ctx, exc, g)},
                               {"percent", std::move(choices)}};
  });
  return {{"groups", std::move(groups)}};
}

// select_multiple: n answered the question; the percent of them who chose each choice.
boost::json::object multi_item(const Context& ctx, const ReportItem& it, const Counts& k) {
  std::vector<std::pair<std::string, int>> cols;
  if (it.list) {
    for (const auto& ch : it.list->choices) {
      if (int p = ctx.dict.position(it.item->name, ch.name); p >= 0) cols.emplace_back(ch.name, p);
    }
  }
  const Measure n =
      measure(ctx, k, cols.empty() ? -1 : cols.front().second, [](int code) { return code != 0; });
  const SuppressedTable t = suppress_table(inner(ctx, n.count), ctx.rows, ctx.cols, ctx.threshold);
  std::vector<Measure> chosen;
  for (const auto& c : cols)
    chosen.push_back(measure(ctx, k, c.second, [](int code) { return code == 1; }));
  auto groups = groups_of(ctx, t, [&](const Shown& s, std::size_t g) {
    const std::int64_t base = published(ctx, n, g);
    boost::json::object choices;
    for (std::size_t i = 0; i < cols.size(); ++i)
      choices[cols[i].first] = percent(published(ctx, chosen[i], g), base);
    return boost::json::object{
        {"group", s.group}, {"n", shown_n(ctx, n, g)}, {"percent", std::move(choices)}};
  });
  return {{"groups", std::move(groups)}};
}

// Any other question: how many answered it. Free text itself is never
// copied into the analysis store, so no report can show it.
// How many answered; a column coded by value ('one': a calculate's) counts
// every code, an 'answered' column its 1.
boost::json::object answered_item(const Context& ctx, const Counts& k, int pos) {
  const bool by_value =
      pos >= 0 && ctx.dict.columns[static_cast<std::size_t>(pos)].kind == ColumnKind::kOne;
  const Measure n = measure(ctx, k, pos, [&](int code) { return by_value ? code > 0 : code == 1; });
  const SuppressedTable t = suppress_table(inner(ctx, n.count), ctx.rows, ctx.cols, ctx.threshold);
  auto groups = groups_of(ctx, t, [&](const Shown& s, std::size_t g) {
    return boost::json::object{{"group", s.group}, {"answered", shown_n(ctx, n, g)}};
  });
  return {{"groups", std::move(groups)}};
}

}  // namespace

Result<boost::json::object> survey_period(const Context& ctx, const Counts& k) {
  boost::json::object out;
  {
    const SuppressedTable t = suppress_table(k.respondents, ctx.rows, ctx.cols, ctx.threshold);
    const Measure n{with_totals(ctx, k.respondents),
                    k.respondent_keys.empty() ? std::vector<std::int64_t>(t.values.size(), 0)
                                              : with_totals(ctx, k.respondent_keys)};
    out["responses"] = groups_of(ctx, t, [&](const Shown& s, std::size_t g) {
      return boost::json::object{{"group", s.group}, {"n", shown_n(ctx, n, g)}};
    });
  }
  boost::json::array items, sections;
  std::map<std::string, std::vector<LikertResult>> by_section;
  std::vector<std::string> section_order;
  std::map<std::string, std::string> section_labels;
  // A GEOAT form is reported by its scores; its other questions (evidence,
  // comments, priorities) are material for the team, not statistics.
  const bool geoat = has_scores(ctx);
  for (const ReportItem& it : ctx.items) {
    if (geoat) break;
    const int pos = ctx.dict.position(it.item->name);
    boost::json::object o;
    std::string kind;
    if (is_likert(it)) {
      LikertResult lr;
      o = likert_item(ctx, it, k, pos, lr);
      kind = "likert";
      if (is_reversed(it)) o["reversed"] = true;
      if (!by_section.count(it.section)) section_order.push_back(it.section);
      by_section[it.section].push_back(std::move(lr));
      section_labels[it.section] = it.section_label;
    } else if (it.item->rank) {
      // A ranking lists every choice, so its choice columns tell only that
      // it was answered; the positions are in the exports.
      const bool listed = it.list != nullptr && !it.list->choices.empty();
      o = answered_item(
          ctx, k, listed ? ctx.dict.position(it.item->name, it.list->choices.front().name) : -1);
      kind = "rank";
    } else if (it.item->type == forms::QuestionType::kSelectMultiple) {
      o = multi_item(ctx, it, k);
      kind = "select_multiple";
    } else if (it.item->is_select()) {
      o = select_item(ctx, it, k, pos);
      kind = "select_one";
    } else if (it.item->indicator && it.list != nullptr) {
      // A computed indicator (a prevalence): the share of each of its
      // values, like a select_one's choices, suppressed the same way.
      o = select_item(ctx, it, k, pos);
      kind = "indicator";
    } else {
      o = answered_item(ctx, k, pos);
      kind = it.item->type == forms::QuestionType::kText
                 ? "text"
                 : std::string(forms::question_type_name(it.item->type));
    }
    o["name"] = it.item->name;
    o["label"] = ctx.text(it.item->label);
    o["section"] = it.section;
    // The group's label in the report's language: a page heads its section
    // with this, never with the internal name.
    o["section_label"] = it.section_label;
    o["kind"] = kind;
    if (it.item->breakdown) o["breakdown"] = true;
    if (it.list != nullptr && kind != "likert") {
      // The codes' labels, so a chart need not show bare codes.
      boost::json::array choices;
      for (const auto& c : it.list->choices)
        choices.push_back(boost::json::object{{"code", c.name}, {"label", ctx.text(c.label)}});
      o["choices"] = std::move(choices);
    }
    items.push_back(std::move(o));
  }
  for (const std::string& name : section_order) {
    const auto& results = by_section[name];
    boost::json::array groups;
    for (const Shown& s : shown_cells(ctx)) {
      const auto g = static_cast<std::size_t>(s.r * (ctx.cols + 1) + s.c);
      // The mean over the items shown for this group only: an index that
      // took in a hidden item would let its value be worked out from the
      // others. With none shown, the index is hidden too.
      int used = 0;
      double sum = 0;
      for (const auto& lr : results) {
        if (lr.hidden[g]) continue;
        sum += lr.positive[g];
        ++used;
      }
      if (used == 0) {
        groups.push_back(suppressed(ctx, s));
      } else {
        groups.push_back(boost::json::object{
            {"group", s.group}, {"index", std::round(10.0 * sum / used) / 10.0}, {"items", used}});
      }
    }
    boost::json::object sec{{"name", name},
                            {"label", section_labels[name]},
                            {"items", results.size()},
                            {"groups", std::move(groups)}};
    // Sections named f01_... to f10_... are the Revised Arusha Declaration's factors.
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (name.size() > 3 && name[0] == 'f' && digit(name[1]) && digit(name[2]) && name[3] == '_') {
      sec["arusha_factor"] = (name[1] - '0') * 10 + (name[2] - '0');
    }
    sections.push_back(std::move(sec));
  }
  out["items"] = std::move(items);
  out["sections"] = std::move(sections);
  return out;
}

}  // namespace equitas::server::report_detail
