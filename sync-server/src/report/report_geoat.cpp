// The GEOAT part of a report: percent of the maximum score over applicable
// indicators, per key element, principle and overall, per administration;
// and the action plan.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <cmath>
#include <map>

#include "assessment_report.hpp"
#include "assessment_store.hpp"
#include "assessment_view.hpp"
#include "equitas/forms/answer_text.hpp"
#include "report_internal.hpp"
#include "report_reads.hpp"

namespace equitas::server::report_detail {
namespace {

struct Tally {
  double score = 0;
  std::int64_t applicable = 0;
  std::int64_t unanswered = 0;
  std::map<std::string, std::int64_t> excluded;  // "na", "dk", ...
  void add(const Tally& o) {
    score += o.score;
    applicable += o.applicable;
    unanswered += o.unanswered;
    for (const auto& [k, v] : o.excluded) excluded[k] += v;
  }
};

struct Indicator {
  const ReportItem* item = nullptr;
  int position = -1;
  double max_points = 0;
};

// One stored assessment, named so that a conflict can be resolved.
struct Assessment {
  std::string submission_id, submitted_at;
  Tally overall;
};

struct Administration {
  std::int64_t assessments = 0;
  std::vector<Tally> by_indicator;
  std::vector<Assessment> each;
  boost::json::array action_plan;
  // The files its submissions name beside indicators (issue 18): microdata,
  // which the admin API passes on only to the roles that may download the
  // form's data (admin_api.cpp drops every "evidence_files").
  boost::json::array evidence_files;
};

boost::json::object stats(const Tally& t, double max_points) {
  const double max = static_cast<double>(t.applicable) * max_points;
  boost::json::object ex;
  for (const auto& [k, v] : t.excluded) ex[k] = v;
  boost::json::object o{{"score", t.score},
                        {"max", max},
                        {"applicable", t.applicable},
                        {"excluded", std::move(ex)},
                        {"unanswered", t.unanswered}};
  o["percent"] = max > 0 ? boost::json::value(std::round(1000.0 * t.score / max) / 10.0)
                         : boost::json::value(nullptr);
  return o;
}

// The administration's name and action plan are free text, which the
// analysis store does not copy: read from the stored answers (a GEOAT round
// has a handful of submissions), with what identifies the submission.
// A contribution to a team assessment is part of that assessment, never an
// assessment of its own: `contribution` says so, and nothing else is read.
Status read_answers(Context& ctx, std::int64_t rowid, boost::json::object& answers,
                    Assessment& assessment, bool& contribution) {
  EQ_ASSIGN_OR_RETURN(auto stored, stored_answers(*ctx.db, rowid));
  if (!stored) return Status::ok();
  EQ_ASSIGN_OR_RETURN(contribution,
                      AssessmentStore(*ctx.db).is_contribution(stored->submission_id));
  if (contribution) return Status::ok();
  boost::system::error_code ec;
  auto v = boost::json::parse(stored->answers, ec);
  if (!ec && v.is_object()) answers = std::move(v.get_object());
  assessment.submission_id = to_hex(stored->submission_id);
  assessment.submitted_at = std::move(stored->submitted_at);
  return Status::ok();
}

// Two assessments of one administration in one round are a conflict for
// the team to resolve, never an average: an average of two self-assessments
// is neither's score. Every percent and score is withheld, and each
// assessment is listed with its own overall score.
void withhold_scores(boost::json::object& admin, const std::vector<Assessment>& each,
                     double max_points) {
  auto blank = [](boost::json::object& o) {
    o["percent"] = nullptr;
    o["score"] = nullptr;
    o["max"] = nullptr;
  };
  blank(admin["overall"].as_object());
  for (const char* part : {"principles", "elements"}) {
    for (auto& v : admin[part].as_array()) blank(v.as_object());
  }
  boost::json::array list;
  for (const Assessment& a : each) {
    list.push_back(boost::json::object{{"submission_id", a.submission_id},
                                       {"submitted_at", a.submitted_at},
                                       {"overall", stats(a.overall, max_points).at("percent")}});
  }
  admin["conflict"] = true;
  admin["submissions"] = std::move(list);
}

// The label of a select answer inside the action plan (its status), in the
// report's language; the code itself when the form has no such choice.
std::string choice_label(const Context& ctx, std::string_view question, const std::string& code) {
  const forms::Item* item = ctx.form().find(question);
  const forms::ChoiceList* list = item ? ctx.form().list_for(*item) : nullptr;
  const forms::Choice* choice = list ? list->find(code) : nullptr;
  return choice ? ctx.text(choice->label) : code;
}

}  // namespace

bool has_scores(const Context& ctx) {
  return std::any_of(ctx.items.begin(), ctx.items.end(),
                     [](const ReportItem& it) { return it.item->score.has_value(); });
}

Result<boost::json::object> geoat_period(Context& ctx, const Counts& k) {
  std::vector<Indicator> indicators;
  for (const ReportItem& it : ctx.items) {
    if (!it.item->score) continue;
    Indicator ind{&it, ctx.dict.position(it.item->name), 0};
    if (it.list) {
      for (const auto& ch : it.list->choices)
        ind.max_points = std::max(ind.max_points, ch.points.value_or(0));
    }
    indicators.push_back(ind);
  }
  std::map<std::string, Administration> admins;
  for (std::size_t row = 0; row < k.rowids.size(); ++row) {
    boost::json::object answers;
    Assessment assessment;
    bool contribution = false;
    EQ_RETURN_IF_ERROR(read_answers(ctx, k.rowids[row], answers, assessment, contribution));
    if (contribution) continue;
    std::string name = forms::answer_text(answers, "admin_name");
    if (name.empty()) name = "(administration not named)";
    Administration& a = admins[name];
    a.by_indicator.resize(indicators.size());
    ++a.assessments;
    Tally mine;
    const Bytes& codes = k.codes[row];
    for (std::size_t i = 0; i < indicators.size(); ++i) {
      const Indicator& ind = indicators[i];
      const int code = ind.position >= 0 && static_cast<std::size_t>(ind.position) < codes.size()
                           ? codes[static_cast<std::size_t>(ind.position)]
                           : 0;
      Tally t;
      if (code == 0) {
        ++t.unanswered;
      } else {
        const std::string& value = ctx.dict.columns[static_cast<std::size_t>(ind.position)]
                                       .values[static_cast<std::size_t>(code)];
        const forms::Choice* ch = ind.item->list ? ind.item->list->find(value) : nullptr;
        if (ch == nullptr || ch->exclude || !ch->points) {
          ++t.excluded[value];  // not applicable, don't know: out of the maximum too
        } else {
          t.score += *ch->points;
          ++t.applicable;
        }
      }
      a.by_indicator[i].add(t);
      mine.add(t);
    }
    assessment.overall = mine;
    EQ_ASSIGN_OR_RETURN(boost::json::array files,
                        evidence_files(*ctx.db, ctx.form(), answers, false, ctx.options.lang));
    for (auto& f : files) {
      f.as_object()["submission_id"] = assessment.submission_id;
      a.evidence_files.push_back(std::move(f));
    }
    a.each.push_back(std::move(assessment));
    if (const auto* plan = answers.if_contains("action_plan"); plan && plan->is_array()) {
      for (const auto& r : plan->get_array()) {
        if (!r.is_object()) continue;
        const auto& o = r.get_object();
        a.action_plan.push_back(boost::json::object{
            {"objective", forms::answer_text(o, "ap_objective")},
            {"activity", forms::answer_text(o, "ap_activity")},
            {"indicators", forms::answer_text(o, "ap_indicators", ", ")},
            {"target", forms::answer_text(o, "ap_target")},
            {"owner", forms::answer_text(o, "ap_owner")},
            {"deadline", forms::answer_text(o, "ap_deadline")},
            {"budget", forms::answer_text(o, "ap_budget")},
            {"status", forms::answer_text(o, "ap_status")},
            {"status_label", choice_label(ctx, "ap_status", forms::answer_text(o, "ap_status"))}});
      }
    }
  }
  const double max_points = indicators.empty() ? 0 : indicators.front().max_points;
  boost::json::array out;
  for (auto& [name, a] : admins) {
    std::vector<std::string> element_order, principle_order;
    std::map<std::string, Tally> elements, principles;
    std::map<std::string, std::string> labels, element_principle;
    Tally overall;
    for (std::size_t i = 0; i < indicators.size(); ++i) {
      const auto& ref = *indicators[i].item->item->score;
      if (!elements.count(ref.element)) element_order.push_back(ref.element);
      if (!principles.count(ref.principle)) principle_order.push_back(ref.principle);
      elements[ref.element].add(a.by_indicator[i]);
      principles[ref.principle].add(a.by_indicator[i]);
      overall.add(a.by_indicator[i]);
      labels[ref.element] = indicators[i].item->element_label;
      labels[ref.principle] = indicators[i].item->principle_label;
      element_principle[ref.element] = ref.principle;
    }
    boost::json::array ps, es;
    for (const auto& p : principle_order) {
      auto o = stats(principles[p], max_points);
      o["id"] = p;
      o["label"] = labels[p];
      ps.push_back(std::move(o));
    }
    for (const auto& e : element_order) {
      auto o = stats(elements[e], max_points);
      o["id"] = e;
      o["principle"] = element_principle[e];
      o["label"] = labels[e];
      es.push_back(std::move(o));
    }
    // Weakest first: where the action plan starts. No applicable indicator
    // (no percent) goes last; ties keep the form's order. A conflict keeps
    // the form's order: sorted by the pooled scores, it would give them away.
    if (a.assessments == 1) {
      std::stable_sort(es.begin(), es.end(),
                       [](const boost::json::value& x, const boost::json::value& y) {
                         const auto& px = x.as_object().at("percent");
                         const auto& py = y.as_object().at("percent");
                         if (px.is_null() || py.is_null()) return !px.is_null() && py.is_null();
                         return px.as_double() < py.as_double();
                       });
    }
    // A submission on its own is nobody's validated assessment: its scores
    // are never official (only a validated team assessment's are; see
    // assessments_section).
    auto o = boost::json::object{
        {"administration", name}, {"assessments", a.assessments}, {"status", "provisional"}};
    o["overall"] = stats(overall, max_points);
    o["principles"] = std::move(ps);
    o["elements"] = std::move(es);
    o["action_plan"] = std::move(a.action_plan);
    o["evidence_files"] = std::move(a.evidence_files);
    if (a.assessments > 1) withhold_scores(o, a.each, max_points);
    out.push_back(std::move(o));
  }
  return boost::json::object{{"administrations", std::move(out)}};
}

Result<boost::json::array> assessments_section(Context& ctx,
                                               const std::optional<std::string>& round) {
  EQ_ASSIGN_OR_RETURN(auto all, AssessmentStore(*ctx.db).assessments());
  boost::json::array out;
  for (const AssessmentRecord& a : all) {
    if (a.form_id != ctx.options.form_id || (round && a.round != *round)) continue;
    const bool validated = a.state == AssessmentState::kValidated;
    out.push_back(boost::json::object{
        {"id", a.id},
        {"administration",
         boost::json::object{{"id", a.administration_id}, {"name", a.administration_name}}},
        {"round", a.round},
        {"state", assessment_state_name(a.state)},
        {"scores", assessment_scores(ctx.form(), merged_fields(a, ctx.form()), validated,
                                     ctx.options.lang)}});
  }
  return out;
}

}  // namespace equitas::server::report_detail
