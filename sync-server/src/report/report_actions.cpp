// The action plan in a round comparison (issue 16): for each administration
// with a team assessment in both rounds, each item of its plan with its
// status as the older round stood and as the newer one stands, and the
// indicators it was meant to move, from one round's merged values to the
// other's. A round stands as its assessment's validation saw the plan, or as
// the plan is now while it is not validated.
#include <cstdint>
#include <map>

#include "action_store.hpp"
#include "assessment_store.hpp"
#include "assessment_view.hpp"
#include "report_internal.hpp"

namespace equitas::server::report_detail {
namespace {

// Where a round stood: the last action update its validation saw, or every
// update while it is not validated.
Result<std::int64_t> mark_of(AssessmentStore& store, const AssessmentRecord& a) {
  if (a.state != AssessmentState::kValidated) return INT64_MAX;
  EQ_ASSIGN_OR_RETURN(auto steps, store.reviews(a.id));
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (it->to == "validated") return it->action_mark;
  }
  return INT64_MAX;
}

const ActionUpdate* status_at(const ActionItem& item, std::int64_t mark) {
  const ActionUpdate* out = nullptr;
  for (const auto& u : item.updates) {
    if (u.id <= mark) out = &u;
  }
  return out;
}

std::string value_of(const boost::json::object& fields, const std::string& name) {
  const auto* f = fields.if_contains(name);
  const auto* v = f && f->is_object() ? f->as_object().if_contains("value") : nullptr;
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

Result<boost::json::array> compare_actions(Context& ctx, const std::string& older,
                                           const std::string& newer) {
  AssessmentStore assessments(*ctx.db);
  EQ_ASSIGN_OR_RETURN(auto all, assessments.assessments());
  std::map<std::string, const AssessmentRecord*> before, after;
  for (const auto& a : all) {
    if (a.form_id != ctx.options.form_id) continue;
    if (a.round == older) before[a.administration_id] = &a;
    if (a.round == newer) after[a.administration_id] = &a;
  }
  const forms::Form& form = ctx.form();
  const auto indicators = scored_indicators(form);
  const auto label = [&](const std::string& list, const std::string& code) -> boost::json::value {
    if (code.empty()) return nullptr;
    return boost::json::value(choice_label(form, list, code, ctx.options.lang));
  };
  const auto points = [&](const std::string& list, const std::string& code) -> boost::json::value {
    auto it = form.lists.find(list);
    const forms::Choice* c = it == form.lists.end() ? nullptr : it->second.find(code);
    return c && c->points && !c->exclude ? boost::json::value(*c->points)
                                         : boost::json::value(nullptr);
  };

  boost::json::array out;
  for (const auto& [admin, a] : before) {
    auto b = after.find(admin);
    if (b == after.end()) continue;
    EQ_ASSIGN_OR_RETURN(std::int64_t t_a, mark_of(assessments, *a));
    EQ_ASSIGN_OR_RETURN(std::int64_t t_b, mark_of(assessments, *b->second));
    const auto fields_a = merged_fields(*a, form), fields_b = merged_fields(*b->second, form);
    EQ_ASSIGN_OR_RETURN(auto items, ActionStore(*ctx.db).items(admin));
    boost::json::array rows;
    for (const ActionItem& item : items) {
      if (item.updates.empty() || item.updates.front().id > t_b)
        continue;  // adopted after the newer round stood
      const ActionUpdate* from = status_at(item, t_a);
      const ActionUpdate* to = status_at(item, t_b);
      std::int64_t between = 0;
      for (const auto& u : item.updates) between += u.id > t_a && u.id <= t_b ? 1 : 0;
      const std::string sf = from ? from->status : "", st = to ? to->status : "";
      boost::json::object status{{"from", from ? boost::json::value(sf) : nullptr},
                                 {"to", to ? boost::json::value(st) : nullptr},
                                 {"from_label", label("ap_status", sf)},
                                 {"to_label", label("ap_status", st)},
                                 {"changed", from != nullptr && to != nullptr && sf != st}};
      boost::json::array moved;
      for (const auto& id : item.indicators) {
        auto it = indicators.find(id);
        if (it == indicators.end()) continue;
        const forms::Item& ind = *it->second;
        const std::string va = value_of(fields_a, ind.name), vb = value_of(fields_b, ind.name);
        const auto pa = points(ind.list, va), pb = points(ind.list, vb);
        boost::json::object m{
            {"id", id},
            {"label", ctx.text(ind.label)},
            {"from", va.empty() ? boost::json::value(nullptr) : boost::json::value(va)},
            {"to", vb.empty() ? boost::json::value(nullptr) : boost::json::value(vb)},
            {"from_label", label(ind.list, va)},
            {"to_label", label(ind.list, vb)},
            {"from_points", pa},
            {"to_points", pb}};
        m["change"] = pa.is_number() && pb.is_number()
                          ? boost::json::value(pb.to_number<double>() - pa.to_number<double>())
                          : boost::json::value(nullptr);
        moved.push_back(std::move(m));
      }
      rows.push_back(boost::json::object{{"id", item.id},
                                         {"activity", item.activity},
                                         {"objective", item.objective},
                                         {"adopted_in", item.round},
                                         {"status", std::move(status)},
                                         {"updates_between", between},
                                         {"indicators", std::move(moved)}});
    }
    out.push_back(boost::json::object{
        {"administration", boost::json::object{{"id", admin}, {"name", a->administration_name}}},
        {"older_assessment", a->id},
        {"newer_assessment", b->second->id},
        {"items", std::move(rows)}});
  }
  return out;
}

}  // namespace equitas::server::report_detail
