// The report as text tables for a terminal. Reads only the JSON, so the text
// can never show something the JSON withholds.
#include <boost/json/serialize.hpp>
#include <functional>
#include <iomanip>
#include <sstream>

#include "report.hpp"

namespace equitas::server {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

std::string str(const value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "-";
  if (v.is_double()) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << v.get_double();
    return s.str();
  }
  return boost::json::serialize(v);
}

// "female / officer", "female / All", "All / officer", "All".
std::string group_name(const object& report, const object& g) {
  const auto& dims = report.at("breakdown").as_array();
  if (dims.empty()) return "All";
  std::string out;
  for (const auto& d : dims) {
    if (!out.empty()) out += " / ";
    const auto* v = g.if_contains(d.at("name").as_string());
    out += v == nullptr              ? std::string("All")
           : v->get_string().empty() ? std::string("(no answer)")
                                     : str(*v);
  }
  return out;
}

std::string small(const object& report) {
  return "n<" + str(report.at("form").at("suppression_threshold"));
}

void groups_table(const object& report, const array& groups, std::ostream& out,
                  const std::function<void(const object& g, std::ostream& out)>& row) {
  for (const auto& gv : groups) {
    const auto& g = gv.as_object();
    out << "    " << std::left << std::setw(34) << group_name(report, g.at("group").as_object())
        << std::right;
    if (g.contains("suppressed")) {
      out << std::setw(8) << small(report) << "\n";
    } else {
      row(g, out);
      out << "\n";
    }
  }
}

void likert_row(const object& g, std::ostream& out) {
  out << std::setw(8) << str(g.at("n")) << std::setw(8) << str(g.at("positive")) << std::setw(8)
      << str(g.at("neutral")) << std::setw(8) << str(g.at("negative")) << std::setw(8)
      << str(g.at("excluded"));
}

// Each choice by its label (the code where the form has none), in the
// report's order, which is the form's.
void percent_row(const object& item, const object& g, std::ostream& out) {
  out << std::setw(8) << str(g.at("n")) << "  ";
  if (const auto* ex = g.if_contains("excluded"); ex && ex->as_int64() > 0)
    out << "excluded " << str(*ex) << "  ";
  const array* choices = item.contains("choices") ? &item.at("choices").as_array() : nullptr;
  for (const auto& [code, p] : g.at("percent").as_object()) {
    std::string label(code);
    for (std::size_t i = 0; choices && i < choices->size(); ++i) {
      if (choices->at(i).at("code") == code) label = str(choices->at(i).at("label"));
    }
    out << label << " " << str(p) << "%  ";
  }
}

void answered_row(const object& g, std::ostream& out) {
  out << std::setw(8) << str(g.at("answered"));
}
void n_row(const object& g, std::ostream& out) { out << std::setw(8) << str(g.at("n")); }
void index_row(const object& g, std::ostream& out) {
  out << std::setw(8) << str(g.at("index")) << "  (" << str(g.at("items")) << " items shown)";
}

void print_survey(const object& report, const object& s, std::ostream& out) {
  out << "\nRESPONSES\n";
  groups_table(report, s.at("responses").as_array(), out, n_row);
  out << "\nITEMS: n, percent positive / neutral / negative; \"don't know\" and \"not applicable\" "
         "are counted\n"
         "apart (EXCL) and left out of the percentages. Free text is counted, never shown.\n";
  boost::json::string section;
  for (const auto& iv : s.at("items").as_array()) {
    const auto& it = iv.as_object();
    const std::string kind = str(it.at("kind"));
    if (it.at("section").as_string() != section) {
      section = it.at("section").as_string();
      out << "\n  == " << str(it.at("section_label")) << " ==\n";
    }
    out << "\n  " << str(it.at("name")) << "  " << str(it.at("label"));
    if (it.contains("reversed")) out << "  [reverse-worded: % positive = % who disagree]";
    out << "\n";
    if (kind == "likert") {
      out << "    " << std::left << std::setw(34) << "GROUP" << std::right << std::setw(8) << "N"
          << std::setw(8) << "POS%" << std::setw(8) << "NEU%" << std::setw(8) << "NEG%"
          << std::setw(8) << "EXCL"
          << "\n";
      groups_table(report, it.at("groups").as_array(), out, likert_row);
    } else if (kind == "select_one" || kind == "select_multiple" || kind == "indicator") {
      groups_table(report, it.at("groups").as_array(), out,
                   [&](const object& g, std::ostream& o) { percent_row(it, g, o); });
    } else {
      groups_table(report, it.at("groups").as_array(), out, answered_row);
    }
  }
  const auto& sections = s.at("sections").as_array();
  if (sections.empty()) return;
  out << "\nSECTION INDEXES: the mean percent positive of the section's items shown for the group"
      << " (a section of the Revised Arusha Declaration's factors is marked)\n";
  for (const auto& sv : sections) {
    const auto& sec = sv.as_object();
    out << "\n  " << str(sec.at("label"));
    if (const auto* f = sec.if_contains("arusha_factor"))
      out << "  [Arusha factor " << str(*f) << "]";
    out << "  (" << str(sec.at("items")) << " items)\n";
    groups_table(report, sec.at("groups").as_array(), out, index_row);
  }
}

void stats_line(const object& o, std::ostream& out) {
  out << std::setw(8) << (o.at("percent").is_null() ? std::string("-") : str(o.at("percent")) + "%")
      << std::setw(10) << (str(o.at("score")) + "/" + str(o.at("max"))) << "  applicable "
      << str(o.at("applicable"));
  for (const auto& [k, v] : o.at("excluded").as_object()) out << ", " << k << " " << str(v);
  if (o.at("unanswered").as_int64() > 0) out << ", unanswered " << str(o.at("unanswered"));
}

// Each assessment of an administration that has more than one in the round:
// nothing is scored until the team keeps one.
void print_conflict(const object& a, std::ostream& out) {
  out << "    CONFLICT: " << str(a.at("assessments"))
      << " assessments of this administration in one round. Scores are not averaged: keep one.\n";
  for (const auto& sv : a.at("submissions").as_array()) {
    out << "      submission " << str(sv.at("submission_id")) << "  submitted "
        << str(sv.at("submitted_at")) << "  overall " << str(sv.at("overall")) << "%\n";
  }
}

void print_scores(const object& a, std::ostream& out) {
  out << "    Overall  ";
  stats_line(a.at("overall").as_object(), out);
  out << "\n    Key elements, weakest first:\n";
  for (const auto& ev : a.at("elements").as_array()) {
    out << "      " << std::left << std::setw(6) << str(ev.at("id")) << std::right;
    stats_line(ev.as_object(), out);
    out << "  " << str(ev.at("label")) << "\n";
  }
  out << "    Principles:\n";
  for (const auto& pv : a.at("principles").as_array()) {
    out << "      " << std::left << std::setw(6) << str(pv.at("id")) << std::right;
    stats_line(pv.as_object(), out);
    out << "  " << str(pv.at("label")) << "\n";
  }
}

void print_geoat(const object& g, std::ostream& out) {
  out << "\nGEOAT: percent of the maximum score over applicable indicators (N/A and don't know "
         "left out)\n";
  for (const auto& av : g.at("administrations").as_array()) {
    const auto& a = av.as_object();
    out << "\n  " << str(a.at("administration")) << " (" << str(a.at("assessments"))
        << " submission(s), provisional: not a validated team assessment)\n";
    if (a.contains("conflict")) {
      print_conflict(a, out);
    } else {
      print_scores(a, out);
    }
    const auto& plan = a.at("action_plan").as_array();
    out << "    Action plan (" << plan.size()
        << " rows): OWNER | DEADLINE | STATUS | OBJECTIVE | ACTIVITY\n";
    for (const auto& rv : plan) {
      const auto& r = rv.as_object();
      out << "      " << str(r.at("owner")) << " | " << str(r.at("deadline")) << " | "
          << str(r.at("status_label")) << " | " << str(r.at("objective")) << " | "
          << str(r.at("activity")) << "\n";
    }
  }
}

// A change with its sign: a rise reads "+14.2", never a bare number that
// could be taken for a level.
std::string signed_change(const value& v) {
  return v.is_number() && v.to_number<double>() > 0 ? "+" + str(v) : str(v);
}

void change_rows(const object& report, const array& rows, std::ostream& out, const char* id_key) {
  for (const auto& rv : rows) {
    const auto& r = rv.as_object();
    out << "      " << std::left << std::setw(34)
        << (id_key ? str(r.at(id_key)) : group_name(report, r.at("group").as_object()))
        << std::right << std::setw(8) << str(r.at("from")) << std::setw(8) << str(r.at("to"))
        << std::setw(8) << signed_change(r.at("change"));
    if (const auto* noise = r.if_contains("beyond_noise");
        noise && noise->is_bool() && noise->get_bool())
      out << " *";
    out << "\n";
  }
}

std::string round_name(const value& round) {
  return round.is_null()              ? std::string("all rounds")
         : round.get_string().empty() ? std::string("(none)")
                                      : str(round);
}

// How the report decided which round is the newer (report.cpp, order_rounds).
std::string order_basis(const object& c) {
  const std::string basis = str(c.at("order_by"));
  if (basis == "published") return "published later";
  if (basis == "first_response") return "its first response is later";
  if (basis == "assessment_created") return "its team assessment was created later";
  return "the two cannot be told apart by publication or first response, so by name";
}

// The action plan between the two rounds: each item's status as the older
// round stood and as the newer stands, and the indicators it was meant to
// move (status points, older -> newer).
void print_action_changes(const boost::json::array& admins, std::ostream& out) {
  for (const auto& av : admins) {
    const auto& a = av.as_object();
    out << "\n    ACTION PLAN of " << str(a.at("administration").at("name")) << " ("
        << str(a.at("administration").at("id")) << ")\n";
    if (a.at("items").as_array().empty()) out << "      no action items\n";
    for (const auto& iv : a.at("items").as_array()) {
      const auto& i = iv.as_object();
      const auto& st = i.at("status").as_object();
      out << "      " << str(i.at("id")) << "  " << str(i.at("activity")) << "\n        status: "
          << (st.at("from").is_null() ? "(adopted later)" : str(st.at("from_label"))) << " -> "
          << str(st.at("to_label")) << (st.at("changed").as_bool() ? "  CHANGED" : "") << ", "
          << str(i.at("updates_between")) << " update(s) between the rounds\n";
      for (const auto& mv : i.at("indicators").as_array()) {
        const auto& m = mv.as_object();
        out << "        " << str(m.at("id")) << ": "
            << (m.at("from").is_null() ? "-" : str(m.at("from_label"))) << " -> "
            << (m.at("to").is_null() ? "-" : str(m.at("to_label")));
        if (!m.at("change").is_null()) out << " (" << signed_change(m.at("change")) << " points)";
        out << "\n";
      }
    }
  }
}

void print_comparison(const object& report, const object& c, std::ostream& out) {
  out << "\nCOMPARISON: " << round_name(c.at("older")) << " -> " << round_name(c.at("newer"))
      << "\n  Change = newer minus older, in points, whichever round was asked first. Newer: "
      << round_name(c.at("newer")) << " (" << order_basis(c) << ").\n"
      << "  FROM (older) and TO (newer): percent positive, section index, or percent of maximum; - "
         "where not shown.\n";
  if (const auto* test = c.at("survey").as_object().if_contains("noise_test")) {
    out << "  * marks a change larger than sampling noise: " << str(*test) << ".\n";
  }
  out << "      " << std::left << std::setw(34) << "" << std::right << std::setw(8) << "FROM"
      << std::setw(8) << "TO" << std::setw(8) << "CHANGE"
      << "\n";
  for (const char* part : {"sections", "items"}) {
    for (const auto& ev : c.at("survey").at(part).as_array()) {
      out << "\n    " << str(ev.at("name")) << "  " << str(ev.at("label")) << "\n";
      change_rows(report, ev.at("groups").as_array(), out, nullptr);
    }
  }
  if (const auto* g = c.if_contains("geoat")) {
    for (const auto& av : g->at("administrations").as_array()) {
      out << "\n    " << str(av.at("administration")) << ": overall "
          << str(av.at("overall").at("from")) << " -> " << str(av.at("overall").at("to")) << " ("
          << signed_change(av.at("overall").at("change")) << ")\n";
      change_rows(report, av.at("principles").as_array(), out, "id");
      change_rows(report, av.at("elements").as_array(), out, "id");
    }
    if (const auto* actions = g->as_object().if_contains("actions"))
      print_action_changes(actions->as_array(), out);
  }
}

// A count, or how a hidden one is shown ("n<10").
std::string count_text(const value& v) {
  if (v.is_object() && v.as_object().contains("display")) return str(v.at("display"));
  return str(v);
}

// Team assessments: official once validated, provisional before; every
// score beside its coverage (rated / applicable), incomplete under 80 %.
void print_team_assessments(const boost::json::array& list, std::ostream& out) {
  out << "\nTEAM ASSESSMENTS: percent of the maximum over rated indicators, with coverage "
         "(rated/applicable)\n";
  if (list.empty()) out << "  none\n";
  for (const auto& av : list) {
    const auto& a = av.as_object();
    const auto& scores = a.at("scores").as_object();
    out << "\n  " << str(a.at("id")) << "  " << str(a.at("administration").at("name")) << ", round "
        << str(a.at("round")) << ": " << str(a.at("state")) << ", scores "
        << str(scores.at("status")) << "\n";
    auto line = [&](const boost::json::value& v, const std::string& name) {
      out << "    " << std::left << std::setw(40) << name << std::right << std::setw(7)
          << str(v.at("percent")) << " %  " << str(v.at("rated")) << "/" << str(v.at("applicable"))
          << (v.at("incomplete").as_bool() ? "  incomplete" : "") << "\n";
    };
    line(scores.at("overall"), "overall");
    for (const auto& p : scores.at("principles").as_array())
      line(p, str(p.at("id")) + " " + str(p.at("label")));
    for (const auto& e : scores.at("elements").as_array())
      line(e, "  " + str(e.at("id")) + " " + str(e.at("label")));
  }
}

// Respondents over headcounts, per unit and sex.
void print_rates(const object& rates, std::ostream& out) {
  out << "\nRESPONSE RATES (round " << str(rates.at("round")) << "): respondents / headcount\n";
  const auto& sexes = rates.at("sexes").as_array();
  auto cell = [&](const value& v) {
    std::string text = count_text(v.at("responses")) + "/" + str(v.at("headcount"));
    if (!v.at("rate").is_null()) text += " " + str(v.at("rate")) + " %";
    if (v.as_object().contains("above_headcount")) text += " (above the headcount)";
    return text;
  };
  out << "  " << std::left << std::setw(30) << "UNIT" << std::setw(26) << "ALL";
  for (const auto& sv : sexes) out << std::setw(26) << str(sv.at("label"));
  out << "\n";
  auto line = [&](const std::string& name, const value& v) {
    out << "  " << std::setw(30) << name << std::setw(26) << cell(v);
    for (const auto& c : v.at("by_sex").as_array()) out << std::setw(26) << cell(c);
    out << "\n";
  };
  for (const auto& uv : rates.at("units").as_array()) line(str(uv.at("unit")), uv);
  line("Total", rates.at("total"));
  out << std::right;
  const auto& without = rates.at("units_without_headcount").as_array();
  if (!without.empty()) {
    out << "  Not in the total (no headcount):";
    for (const auto& u : without) out << " " << str(u);
    out << "\n";
  }
}

void print_operations(const object& ops, std::ostream& out) {
  out << "\nOPERATIONS: responses per site per day\n";
  for (const auto& sv : ops.at("sites").as_array()) {
    out << "  " << str(sv.at("site")) << ": " << count_text(sv.at("responses"))
        << " responses\n    ";
    int on_line = 0;
    for (const auto& dv : sv.at("days").as_array()) {
      out << str(dv.at("day")) << " " << std::setw(5) << count_text(dv.at("responses")) << "   ";
      if (++on_line % 5 == 0) out << "\n    ";
    }
    out << "\n";
  }
  out << "\n  " << std::left << std::setw(34) << "DEVICE" << std::setw(24) << "SITE" << std::setw(9)
      << "STATE" << std::setw(22) << "LAST SEEN"
      << "RESPONSES\n";
  for (const auto& dv : ops.at("devices").as_array()) {
    out << "  " << std::setw(34) << str(dv.at("device_id")) << std::setw(24) << str(dv.at("site"))
        << std::setw(9) << str(dv.at("state")) << std::setw(22) << str(dv.at("last_seen_at"))
        << count_text(dv.at("responses")) << "\n";
  }
  out << std::right;
  const auto& stale = ops.at("not_seen_14_days").as_array();
  out << "\n  Not seen for 14 days: " << (stale.empty() ? "none" : "") << "\n";
  for (const auto& dv : stale) {
    out << "    " << str(dv.at("device_id")) << "  " << str(dv.at("site")) << "  last seen "
        << str(dv.at("last_seen_at")) << "\n";
  }
}

}  // namespace

void print_report(const object& report, std::ostream& out) {
  const auto& form = report.at("form").as_object();
  out << "Report: " << str(form.at("title")) << " (" << str(form.at("id")) << ")  generated "
      << str(report.at("generated_at")) << "\n";
  out << "Groups under " << str(form.at("suppression_threshold")) << " are not shown: \""
      << small(report)
      << "\" marks a group with fewer answers, or one hidden so that such a group cannot be worked "
         "out from totals.\n";
  if (const auto* p = form.if_contains("perturbed")) {
    out << "Counts are changed slightly (by at most " << str(p->at("max_noise"))
        << ", the same way every time) so that no small group can be worked out by subtracting one "
           "figure from another.\n";
  }
  for (const auto& dv : report.at("breakdown").as_array()) {
    out << "Breakdown by " << str(dv.at("name")) << " (" << str(dv.at("label")) << ")\n";
  }
  // The change between rounds first: it is what a comparison is asked for.
  if (const auto* c = report.if_contains("comparison"))
    print_comparison(report, c->as_object(), out);
  for (const auto& pv : report.at("periods").as_array()) {
    const auto& p = pv.as_object();
    const auto& round = p.at("round");
    out << "\n=== Round: " << round_name(round) << " ===\n";
    // A GEOAT form is read by its scores (assessments are counted there).
    if (const auto* g = p.if_contains("geoat")) {
      print_geoat(g->as_object(), out);
    } else {
      print_survey(report, p.at("survey").as_object(), out);
    }
    if (const auto* rates = p.if_contains("response_rates")) print_rates(rates->as_object(), out);
  }
  if (const auto* list = report.if_contains("assessments"))
    print_team_assessments(list->as_array(), out);
  print_operations(report.at("operations").as_object(), out);
}

}  // namespace equitas::server
