#include "assessment_store.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace equitas::server {
namespace {

std::optional<AssessmentState> parse_state(std::string_view s) {
  if (s == "draft") return AssessmentState::kDraft;
  if (s == "under_review") return AssessmentState::kUnderReview;
  if (s == "validated") return AssessmentState::kValidated;
  return std::nullopt;
}

constexpr const char* kAssessmentColumns =
    "SELECT a.id, a.form_id, a.round, a.administration_id, d.name, a.state, a.version, a.revision, "
    "a.created_at, a.merged FROM assessments a JOIN administrations d ON d.id = "
    "a.administration_id";

AssessmentRecord read_assessment(const Statement& st) {
  AssessmentRecord a;
  a.id = st.column_text(0);
  a.form_id = st.column_text(1);
  a.round = st.column_text(2);
  a.administration_id = st.column_text(3);
  a.administration_name = st.column_text(4);
  a.state = parse_state(st.column_text(5)).value_or(AssessmentState::kDraft);
  a.version = st.column_int64(6);
  a.revision = st.column_int64(7);
  a.created_at = st.column_int64(8);
  a.merged = st.column_text(9);
  return a;
}

std::string fields_text(const std::map<std::string, std::string>& fields) {
  std::string out = "{";
  for (const auto& [name, value] : fields) {
    if (out.size() > 1) out += ",";
    out += boost::json::serialize(boost::json::value(name)) + ":" + value;
  }
  return out + "}";
}

Status read_fields(const std::string& text, std::map<std::string, std::string>& out) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object())
    return Status::corruption("an assessment event's fields are not a JSON object");
  for (const auto& kv : v.get_object())
    out[std::string(kv.key())] = boost::json::serialize(kv.value());
  return Status::ok();
}

}  // namespace

std::string_view assessment_state_name(AssessmentState s) {
  switch (s) {
    case AssessmentState::kDraft:
      return "draft";
    case AssessmentState::kUnderReview:
      return "under_review";
    case AssessmentState::kValidated:
      return "validated";
  }
  return "draft";
}

Status AssessmentStore::add_administration(const Administration& a) {
  EQ_ASSIGN_OR_RETURN(auto known, find_administration(a.id));
  if (known)
    return Status::already_exists("administration " + a.id + " exists already (" + known->name +
                                  ")");
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO administrations (id, name, created_at) VALUES (?1, ?2, ?3)"));
  return st.bind(1, a.id).bind(2, a.name).bind(3, a.created_at).run();
}

Result<std::vector<Administration>> AssessmentStore::administrations() {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT id, name, created_at FROM administrations ORDER BY id"));
  std::vector<Administration> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(Administration{st.column_text(0), st.column_text(1), st.column_int64(2)});
  }
  return out;
}

Result<std::optional<Administration>> AssessmentStore::find_administration(std::string_view id) {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare("SELECT id, name, created_at FROM administrations WHERE id = ?1"));
  st.bind(1, id);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<Administration>();
  return std::optional<Administration>(
      Administration{st.column_text(0), st.column_text(1), st.column_int64(2)});
}

Status AssessmentStore::add_assessment(const AssessmentRecord& a) {
  EQ_ASSIGN_OR_RETURN(Statement same,
                      db_.prepare("SELECT id FROM assessments WHERE form_id = ?1 AND round = ?2 "
                                  "AND administration_id = ?3"));
  same.bind(1, a.form_id).bind(2, a.round).bind(3, a.administration_id);
  EQ_ASSIGN_OR_RETURN(bool exists, same.step());
  if (exists) {
    return Status::already_exists("administration " + a.administration_id +
                                  " has an assessment of " + a.form_id + " for round " + a.round +
                                  " already: " + same.column_text(0));
  }
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("INSERT INTO assessments (id, form_id, round, administration_id, "
                                  "created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
  return st.bind(1, a.id)
      .bind(2, a.form_id)
      .bind(3, a.round)
      .bind(4, a.administration_id)
      .bind(5, a.created_at)
      .run();
}

Result<std::vector<AssessmentRecord>> AssessmentStore::assessments() {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare(std::string(kAssessmentColumns) + " ORDER BY a.created_at, a.id"));
  std::vector<AssessmentRecord> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(read_assessment(st));
  }
  return out;
}

Result<std::optional<AssessmentRecord>> AssessmentStore::find_assessment(std::string_view id) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare(std::string(kAssessmentColumns) + " WHERE a.id = ?1"));
  st.bind(1, id);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<AssessmentRecord>();
  return std::optional<AssessmentRecord>(read_assessment(st));
}

Result<std::vector<StoredEvent>> AssessmentStore::events(std::string_view assessment_id) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare(
          "SELECT seq, kind, submission_id, device, site, author, base, at, fields, comment, "
          "flagged FROM assessment_events WHERE assessment_id = ?1 ORDER BY seq"));
  st.bind(1, assessment_id);
  std::vector<StoredEvent> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    StoredEvent s;
    forms::AssessmentEvent& e = s.event;
    e.seq = st.column_int64(0);
    e.kind = st.column_text(1) == "resolution" ? forms::AssessmentEvent::Kind::kResolution
                                               : forms::AssessmentEvent::Kind::kContribution;
    if (st.column_is_null(2)) {
      e.id = "resolution-" + std::to_string(e.seq);
    } else {
      const Bytes blob = st.column_blob(2);
      SubmissionId sid;
      if (blob.size() != sid.bytes.size())
        return Status::corruption("an assessment event's submission id is damaged");
      std::copy(blob.begin(), blob.end(), sid.bytes.begin());
      e.id = sid.to_string();
    }
    e.device = st.column_text(3);
    e.site = st.column_text(4);
    e.author = st.column_text(5);
    e.base = st.column_int64(6);
    e.at = st.column_text(7);
    EQ_RETURN_IF_ERROR(read_fields(st.column_text(8), e.fields));
    e.comment = st.column_text(9);
    if (!st.column_is_null(10)) s.flagged = st.column_text(10);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<ReviewStep>> AssessmentStore::reviews(std::string_view assessment_id) {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare("SELECT from_state, to_state, comment, actor, at, action_mark FROM "
                                "assessment_reviews WHERE assessment_id = ?1 ORDER BY id"));
  st.bind(1, assessment_id);
  std::vector<ReviewStep> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(ReviewStep{st.column_text(0), st.column_text(1), st.column_text(2),
                             st.column_text(3), st.column_int64(4), st.column_int64(5)});
  }
  return out;
}

Result<std::int64_t> AssessmentStore::apply_event(const AssessmentRecord& a,
                                                  forms::AssessmentEvent event,
                                                  const std::optional<std::string>& flagged) {
  EQ_ASSIGN_OR_RETURN(
      Statement last,
      db_.prepare("SELECT COALESCE(MAX(seq), 0) FROM assessment_events WHERE assessment_id = ?1"));
  last.bind(1, a.id);
  EQ_ASSIGN_OR_RETURN(bool row, last.step());
  event.seq = (row ? last.column_int64(0) : 0) + 1;
  // A base can only name a version that existed: a collector claiming more
  // has seen no more than everything.
  event.base = std::min(event.base, a.version);
  const bool resolution = event.kind == forms::AssessmentEvent::Kind::kResolution;
  EQ_ASSIGN_OR_RETURN(
      Statement ins,
      db_.prepare(
          "INSERT INTO assessment_events (assessment_id, seq, kind, submission_id, device, "
          "site, author, base, at, fields, comment, flagged) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
          "?7, ?8, ?9, ?10, ?11, ?12)"));
  ins.bind(1, a.id).bind(2, event.seq).bind(3, resolution ? "resolution" : "contribution");
  if (resolution) {
    ins.bind_null(4);
  } else {
    EQ_ASSIGN_OR_RETURN(SubmissionId id, SubmissionId::parse(event.id));
    ins.bind(4, ByteView(id.bytes));
  }
  ins.bind(5, event.device)
      .bind(6, event.site)
      .bind(7, event.author)
      .bind(8, event.base)
      .bind(9, event.at);
  ins.bind(10, fields_text(event.fields)).bind(11, event.comment);
  if (flagged) {
    ins.bind(12, *flagged);
  } else {
    ins.bind_null(12);
  }
  EQ_RETURN_IF_ERROR(ins.run());

  std::int64_t version = a.version;
  std::string merged = a.merged;
  if (!flagged) {
    EQ_ASSIGN_OR_RETURN(auto stored, events(a.id));
    std::vector<forms::AssessmentEvent> merging;
    for (auto& s : stored) {
      if (!s.flagged) merging.push_back(std::move(s.event));
    }
    const forms::MergedAssessment state = forms::merge_assessment(merging);
    version = state.version;
    merged = boost::json::serialize(forms::merged_to_json(state));
  }
  EQ_ASSIGN_OR_RETURN(Statement up, db_.prepare("UPDATE assessments SET version = ?2, merged = ?3, "
                                                "revision = revision + 1 WHERE id = ?1"));
  EQ_RETURN_IF_ERROR(up.bind(1, a.id).bind(2, version).bind(3, merged).run());
  return event.seq;
}

Status AssessmentStore::set_state(const AssessmentRecord& a, AssessmentState to,
                                  const ReviewStep& step) {
  EQ_ASSIGN_OR_RETURN(
      Statement up,
      db_.prepare("UPDATE assessments SET state = ?2, revision = revision + 1 WHERE id = ?1"));
  EQ_RETURN_IF_ERROR(up.bind(1, a.id).bind(2, assessment_state_name(to)).run());
  EQ_ASSIGN_OR_RETURN(
      Statement ins,
      db_.prepare(
          "INSERT INTO assessment_reviews (assessment_id, from_state, "
          "to_state, comment, actor, at, action_mark) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  return ins.bind(1, a.id)
      .bind(2, step.from)
      .bind(3, step.to)
      .bind(4, step.comment)
      .bind(5, step.actor)
      .bind(6, step.at)
      .bind(7, step.action_mark)
      .run();
}

Result<bool> AssessmentStore::is_contribution(ByteView submission_id) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT 1 FROM assessment_events WHERE submission_id = ?1"));
  st.bind(1, submission_id);
  return st.step();
}

forms::AssessmentEvent contribution_event(const SubmissionId& id, const DeviceId& device,
                                          std::string_view site, const ResponsePayload& payload,
                                          const forms::Form* form) {
  forms::AssessmentEvent e;
  e.kind = forms::AssessmentEvent::Kind::kContribution;
  e.id = id.to_string();
  e.device = device.to_string();
  e.site = std::string(site);
  e.at = payload.submitted_at;
  std::string_view about;  // the site its per-site answers are about
  if (payload.contribution) {
    e.author = payload.contribution->role;
    e.base = payload.contribution->base;
    about = payload.contribution->site;
  }
  for (const auto& kv : payload.answers)
    e.fields[forms::contribution_key(form, kv.key(), about)] = boost::json::serialize(kv.value());
  return e;
}

}  // namespace equitas::server
