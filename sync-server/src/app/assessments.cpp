// ServerApp's team-assessment use cases: administrations, assessments, the
// team's resolutions and the review workflow. Each change is one
// transaction with its audit line. Contributions arrive through intake
// (merged on ingest, on the Ingestor thread or in `import`).
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "action_store.hpp"
#include "assessment_report.hpp"
#include "assessment_view.hpp"
#include "form_registry.hpp"
#include "server_app.hpp"
#include "units_store.hpp"

namespace equitas::server {
namespace {

bool valid_administration_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

Status unknown_assessment(std::string_view id) {
  return Status::not_found("no assessment " + std::string(id) +
                           " on this server (see: sync-server assessment list)");
}

// What a value from the command line may mean, most likely first: the text
// itself (a choice code such as 3 is text), then the JSON it spells (a
// number, a list of choices).
std::vector<std::string> value_readings(std::string_view value) {
  std::vector<std::string> out{boost::json::serialize(boost::json::value(std::string(value)))};
  boost::system::error_code ec;
  auto v = boost::json::parse(value, ec);
  if (!ec && !v.is_string()) out.push_back(boost::json::serialize(v));
  if (!ec && v.is_string()) out.front() = boost::json::serialize(v);  // "\"3\"" given quoted
  return out;
}

}  // namespace

Status ServerApp::add_administration(std::string_view id, std::string_view name,
                                     const Actor& actor) {
  if (!valid_administration_id(id)) {
    return Status::invalid_argument(
        "an administration id takes 1 to 64 letters, digits, '-' or '_' (e.g. TL-customs)");
  }
  if (name.empty() || name.size() > 200)
    return Status::invalid_argument("a display name takes 1 to 200 bytes");
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& store) -> Status {
    EQ_RETURN_IF_ERROR(
        AssessmentStore(store.db()).add_administration({std::string(id), std::string(name), now}));
    return audit(store, actor, "administration.add",
                 "id=" + std::string(id) + " name=" + std::string(name), now);
  });
}

Result<std::vector<Administration>> ServerApp::administrations() {
  return AssessmentStore(store_.db()).administrations();
}

Result<std::string> ServerApp::create_assessment(std::string_view form_id, std::string_view round,
                                                 std::string_view admin_id, const Actor& actor) {
  AssessmentStore assessments(store_.db());
  EQ_ASSIGN_OR_RETURN(auto admin, assessments.find_administration(admin_id));
  if (!admin) {
    EQ_ASSIGN_OR_RETURN(auto known, assessments.administrations());
    std::string list;
    for (const auto& a : known) list += (list.empty() ? "" : ", ") + a.id + " (" + a.name + ")";
    return Status::not_found(
        "no administration '" + std::string(admin_id) + "'; known: " +
        (list.empty() ? "none yet (add one: sync-server administration add)" : list));
  }
  if (round.empty() || round.size() > kMaxRoundLength) {
    return Status::invalid_argument("a round takes 1 to " + std::to_string(kMaxRoundLength) +
                                    " characters");
  }
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  auto form = registry->library().current(form_id);
  if (!form)
    return Status::not_found("no form '" + std::string(form_id) +
                             "' on this server (see: sync-server forms list)");
  AssessmentRecord a;
  std::array<std::uint8_t, 5> random{};
  random_fill(random);
  a.id = "asm-" + to_hex(random);
  a.form_id = std::string(form_id);
  a.round = std::string(round);
  a.administration_id = std::string(admin_id);
  a.created_at = clock_->now();
  EQ_RETURN_IF_ERROR(write([&](ServerStore& store) -> Status {
    EQ_RETURN_IF_ERROR(AssessmentStore(store.db()).add_assessment(a));
    return audit(store, actor, "assessment.create",
                 "id=" + a.id + " form=" + a.form_id + " round=" + a.round +
                     " administration=" + a.administration_id,
                 a.created_at);
  }));
  return a.id;
}

Result<std::vector<AssessmentRecord>> ServerApp::assessments() {
  return AssessmentStore(store_.db()).assessments();
}

Result<std::vector<ServerStore::RoundSummary>> ServerApp::rounds(std::string_view form_id) {
  EQ_ASSIGN_OR_RETURN(auto out, store_.rounds(form_id));
  if (form_id.empty()) return out;
  EQ_ASSIGN_OR_RETURN(auto all, AssessmentStore(store_.db()).assessments());  // oldest first
  for (const AssessmentRecord& a : all) {
    if (a.form_id != form_id) continue;
    auto listed =
        std::find_if(out.begin(), out.end(), [&](const auto& r) { return r.round == a.round; });
    if (listed == out.end()) {
      // A round only the team assessed: its members' contributions are
      // not responses, so it counts its assessments instead.
      out.push_back({a.form_id, a.round, 0, a.created_at / 86400, a.created_at / 86400, 1});
    } else {
      ++listed->assessments;
    }
  }
  return out;
}

Result<boost::json::object> ServerApp::show_assessment(std::string_view id,
                                                       const std::string& lang) {
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  Transaction snapshot(store_.db(), Transaction::Mode::kDeferred);  // rolled back: it only reads
  EQ_RETURN_IF_ERROR(snapshot.status());
  EQ_ASSIGN_OR_RETURN(auto view, load_assessment_view(store_.db(), registry->library(), id, lang));
  if (!view) return unknown_assessment(id);
  return std::move(*view);
}

Result<std::string> ServerApp::assessment_report(std::string_view id, const std::string& lang,
                                                 const ReportEvidence* evidence) {
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  Transaction snapshot(store_.db(), Transaction::Mode::kDeferred);  // rolled back: it only reads
  EQ_RETURN_IF_ERROR(snapshot.status());
  EQ_ASSIGN_OR_RETURN(auto view, load_assessment_view(store_.db(), registry->library(), id, lang));
  if (!view) return unknown_assessment(id);
  const std::string form_id(view->at("form_id").as_string());
  auto form = registry->library().current(form_id);
  if (!form)
    return Status::not_found("the form " + form_id + " of assessment " + std::string(id) +
                             " is not on this server");
  return assessment_report_html(*view, *form, assessment_report_language(lang) ? lang : "en",
                                clock_->now(), evidence);
}

Result<boost::json::array> ServerApp::assessment_evidence(std::string_view id,
                                                          const std::string& lang) {
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  Transaction snapshot(store_.db(), Transaction::Mode::kDeferred);  // rolled back: it only reads
  EQ_RETURN_IF_ERROR(snapshot.status());
  EQ_ASSIGN_OR_RETURN(auto found, AssessmentStore(store_.db()).find_assessment(id));
  if (!found) return Status::not_found("no assessment " + std::string(id) + " on this server");
  auto form = registry->library().current(found->form_id);
  if (!form) return boost::json::array();
  return evidence_files(store_.db(), *form, merged_fields(*found), /*merged=*/true, lang);
}

Status ServerApp::change_assessment(
    std::string_view id,
    const std::function<Status(ServerStore&, AssessmentStore&, const AssessmentRecord&,
                               std::int64_t)>& change) {
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& store) -> Status {
    AssessmentStore assessments(store.db());
    EQ_ASSIGN_OR_RETURN(auto a, assessments.find_assessment(id));
    if (!a) return unknown_assessment(id);
    return change(store, assessments, *a, now);
  });
}

Status ServerApp::resolve_field(std::string_view id, std::string_view field, std::string_view value,
                                std::string_view comment, const Actor& actor) {
  if (comment.empty())
    return Status::invalid_argument("say why with --comment: it stays in the field's history");
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  return change_assessment(
      id,
      [&](ServerStore& store, AssessmentStore& assessments, const AssessmentRecord& a,
          std::int64_t now) -> Status {
        if (a.state == AssessmentState::kValidated) {
          return Status::failed_precondition("assessment " + a.id +
                                             " is validated; its values no longer change");
        }
        forms::AssessmentEvent e;
        e.kind = forms::AssessmentEvent::Kind::kResolution;
        e.base = a.version;  // it has seen everything merged so far
        e.author = actor.name;
        e.site = "headquarters";
        e.at = iso8601_utc(now);
        e.comment = std::string(comment);
        const std::vector<std::string> readings = value_readings(value);
        std::string text = readings.front();
        // A site's finding ("p3_c_1@Kigoma") is checked as its question.
        const auto [question, site] = forms::split_site_key(field);
        if (!site.empty()) {
          EQ_ASSIGN_OR_RETURN(auto sites, UnitsStore(store.db()).sites());
          if (std::find(sites.begin(), sites.end(), site) == sites.end())
            return Status::not_found("no site '" + std::string(site) + "' on this server");
        }
        if (auto form = registry->library().current(a.form_id)) {
          const forms::Item* item = form->find(question);
          if (!site.empty() && (item == nullptr || !item->per_site)) {
            return Status::invalid_argument(std::string(question) +
                                            " is not given per site in form " + a.form_id);
          }
          // The same engine as a contribution: the field must exist, and its
          // value fit; the first reading that fits is the one meant.
          Status first;
          bool fits = false;
          for (const std::string& reading : readings) {
            boost::json::object answer{{std::string(question), boost::json::parse(reading)}};
            const Status s = registry->library().validate_partial(form->id, form->version, answer);
            if (s.is_ok()) {
              text = reading;
              fits = true;
              break;
            }
            if (first.is_ok()) first = s;
          }
          if (!fits) return first.with_context("the resolution was not recorded");
        }
        e.fields[std::string(field)] = text;
        EQ_ASSIGN_OR_RETURN(std::int64_t seq, assessments.apply_event(a, e, std::nullopt));
        return audit(store, actor, "assessment.resolve",
                     "id=" + a.id + " field=" + std::string(field) + " value=" + text +
                         " seq=" + std::to_string(seq),
                     now);
      });
}

Status ServerApp::advance_assessment(std::string_view id, AssessmentState from, AssessmentState to,
                                     std::string_view comment, const Actor& actor) {
  if (comment.empty())
    return Status::invalid_argument("a reviewer's --comment is required on each step");
  return change_assessment(
      id,
      [&](ServerStore& store, AssessmentStore& assessments, const AssessmentRecord& a,
          std::int64_t now) -> Status {
        if (a.state != from) {
          return Status::failed_precondition(
              "assessment " + a.id + " is " + std::string(assessment_state_name(a.state)) +
              "; this step goes from " + std::string(assessment_state_name(from)) + " to " +
              std::string(assessment_state_name(to)));
        }
        if (to == AssessmentState::kValidated) {
          boost::system::error_code ec;
          auto merged = boost::json::parse(a.merged, ec);
          const auto* n =
              !ec && merged.is_object() ? merged.as_object().if_contains("disagreements") : nullptr;
          const std::int64_t open = n && n->is_int64() ? n->as_int64() : 0;
          if (open > 0) {
            return Status::failed_precondition(
                std::to_string(open) + " disagreement(s) remain in assessment " + a.id +
                "; resolve each first (sync-server assessment show " + a.id + ")");
          }
        }
        ReviewStep step{std::string(assessment_state_name(from)),
                        std::string(assessment_state_name(to)), std::string(comment), actor.name,
                        now};
        if (to == AssessmentState::kValidated) {
          // The validated action plan becomes the administration's, to follow
          // until the next round (app/actions.cpp); the step marks where the
          // plan stood, for the next round's comparison.
          EQ_ASSIGN_OR_RETURN(auto form, current_form(store, a.form_id));
          EQ_ASSIGN_OR_RETURN(int adopted, adopt_action_plan(store, a, *form, now, actor));
          (void)adopted;
          EQ_ASSIGN_OR_RETURN(step.action_mark, ActionStore(store.db()).last_update_id());
        }
        EQ_RETURN_IF_ERROR(assessments.set_state(a, to, step));
        return audit(
            store, actor,
            to == AssessmentState::kValidated ? "assessment.validate" : "assessment.review",
            "id=" + a.id + " comment=" + std::string(comment), now);
      });
}

Status ServerApp::review_assessment(std::string_view id, std::string_view comment,
                                    const Actor& actor) {
  return advance_assessment(id, AssessmentState::kDraft, AssessmentState::kUnderReview, comment,
                            actor);
}

Status ServerApp::validate_assessment(std::string_view id, std::string_view comment,
                                      const Actor& actor) {
  return advance_assessment(id, AssessmentState::kUnderReview, AssessmentState::kValidated, comment,
                            actor);
}

}  // namespace equitas::server
