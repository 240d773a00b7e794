#include "collector_store.hpp"

#include <sodium.h>

#include <algorithm>

#include "equitas/db/migrations.hpp"
#include "equitas/util/embedded.hpp"
#include "equitas/wire/envelope.hpp"

namespace equitas::collector {
namespace {

Database::Options collector_db_options(bool create) {
  Database::Options o;
  o.create = create;
  o.secure_delete = true;
  return o;
}

}  // namespace

Result<CollectorStore> CollectorStore::open(const DataDir& dir) {
  if (!std::filesystem::exists(dir.db())) {
    return Status::not_found(dir.root.string() +
                             " is not a collector data folder (run: collector init --data-dir " +
                             dir.root.string() + ")");
  }
  EQ_ASSIGN_OR_RETURN(Database db, Database::open(dir.db(), collector_db_options(false)));
  EQ_RETURN_IF_ERROR(db.migrate(migrations_from(embedded::collector_sql())));
  return CollectorStore(std::move(db));
}

Result<CollectorStore> CollectorStore::create(const DataDir& dir) {
  if (std::filesystem::exists(dir.db())) {
    return Status::already_exists(dir.db().string() + " already exists");
  }
  EQ_ASSIGN_OR_RETURN(Database db, Database::open(dir.db(), collector_db_options(true)));
  std::filesystem::permissions(
      dir.db(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EQ_RETURN_IF_ERROR(db.migrate(migrations_from(embedded::collector_sql())));
  return CollectorStore(std::move(db));
}

Result<std::optional<Bytes>> CollectorStore::get_meta(std::string_view key) {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("SELECT value FROM collector_meta WHERE key = ?1"));
  st.bind(1, key);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(st.column_blob(0));
}

Result<std::optional<std::string>> CollectorStore::get_meta_text(std::string_view key) {
  EQ_ASSIGN_OR_RETURN(auto v, get_meta(key));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(as_chars(*v)));
}

Status CollectorStore::set_meta(std::string_view key, ByteView value) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("INSERT INTO collector_meta (key, value) VALUES (?1, ?2) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  return st.bind(1, key).bind(2, value).run();
}

Status CollectorStore::delete_meta(std::string_view key) {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("DELETE FROM collector_meta WHERE key = ?1"));
  return st.bind(1, key).run();
}

Status CollectorStore::add_to_outbox(const SubmissionId& id, std::uint32_t revision,
                                     std::string_view form_id, std::string_view form_version,
                                     ByteView envelope, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare("INSERT INTO outbox (submission_id, revision, form_id, "
                                "form_version, envelope, created_at) VALUES (?1,?2,?3,?4,?5,?6)"));
  return st.bind(1, ByteView(id.bytes))
      .bind(2, static_cast<std::int64_t>(revision))
      .bind(3, form_id)
      .bind(4, form_version)
      .bind(5, envelope)
      .bind(6, now)
      .run();
}

Result<std::vector<OutboxItem>> CollectorStore::next_pending(std::size_t max_items,
                                                             std::size_t max_bytes) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT seq, submission_id, revision, form_id, envelope FROM outbox "
                  "WHERE state = 'pending' ORDER BY seq LIMIT ?1"));
  st.bind(1, static_cast<std::int64_t>(max_items));
  std::vector<OutboxItem> out;
  std::size_t bytes = 0;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    OutboxItem it;
    it.seq = st.column_int64(0);
    const Bytes sid = st.column_blob(1);
    std::copy_n(sid.begin(), std::min<std::size_t>(16, sid.size()), it.submission_id.bytes.begin());
    it.revision = static_cast<std::uint32_t>(st.column_int64(2));
    it.form_id = st.column_text(3);
    it.envelope = st.column_blob(4);
    // Always take at least one item, so a single large envelope still moves.
    if (!out.empty() && bytes + it.envelope.size() > max_bytes) break;
    bytes += it.envelope.size();
    out.push_back(std::move(it));
  }
  return out;
}

Status CollectorStore::record_ack(std::int64_t seq, const ItemResult& result, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("UPDATE outbox SET state = ?2, server_status = ?3, detail = ?4, "
                                  "acked_at = ?5 WHERE seq = ?1 AND state = 'pending'"));
  const bool rejected = result.status == ItemStatus::kRejected;
  st.bind(1, seq)
      .bind(2, rejected ? "rejected" : "synced")
      .bind(3, item_status_name(result.status));
  if (rejected) {
    st.bind(4, std::string(reject_reason_name(result.reason)) + ": " + result.detail);
  } else {
    st.bind_null(4);
  }
  return st.bind(5, now).run();
}

Result<ReceiptMatch> CollectorStore::record_receipt(const ReceiptItem& item, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT seq, envelope FROM outbox WHERE submission_id = ?1 AND "
                                  "revision = ?2 AND state = 'pending'"));
  st.bind(1, ByteView(item.submission_id.bytes)).bind(2, static_cast<std::int64_t>(item.revision));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return ReceiptMatch::kNotPending;
  const std::int64_t seq = st.column_int64(0);
  // The verdict must be about these very bytes: a relay that altered or
  // re-signed the envelope got a verdict about something else.
  const EnvelopeHash ours = envelope_hash(st.column_blob(1));
  if (sodium_memcmp(ours.data(), item.envelope_hash.data(), ours.size()) != 0)
    return ReceiptMatch::kOtherCopy;
  if (item.result.status == ItemStatus::kRejected &&
      item.result.reason == RejectReason::kCarrierRefused) {
    // The carrier was refused, not this envelope: keep it, and say why.
    EQ_ASSIGN_OR_RETURN(Statement note,
                        db_.prepare("UPDATE outbox SET detail = ?2 WHERE seq = ?1"));
    EQ_RETURN_IF_ERROR(note.bind(1, seq)
                           .bind(2, "kept: a receipt said " + item.result.detail +
                                        "; send it again by sync or bundle")
                           .run());
    return ReceiptMatch::kKeptCarrierRefused;
  }
  EQ_RETURN_IF_ERROR(record_ack(seq, item.result, now));
  return ReceiptMatch::kApplied;
}

Result<std::pair<std::int64_t, std::int64_t>> CollectorStore::relayed_volume(std::string_view sql,
                                                                             const DeviceId* from) {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare(sql));
  if (from != nullptr) {
    st.bind(1, ByteView(from->bytes));
  } else {
    st.bind_null(1);
  }
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::pair<std::int64_t, std::int64_t>{0, 0};
  return std::pair{st.column_int64(0), st.column_int64(1)};
}

Result<CollectorStore::Volume> CollectorStore::relayed_pending(const DeviceId* from) {
  EQ_ASSIGN_OR_RETURN(
      auto volume,
      relayed_volume(
          "SELECT COUNT(*), COALESCE(SUM(length(envelope)), 0) FROM outbox WHERE state = "
          "'pending' AND relayed_from IS NOT NULL AND (?1 IS NULL OR relayed_from = ?1)",
          from));
  return Volume{volume.first, volume.second};
}

Status CollectorStore::save_relayed_registration(const DeviceId& device, ByteView document,
                                                 std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO relayed_registrations (device_id, document, received_at) "
                  "VALUES (?1, ?2, ?3) ON CONFLICT (device_id) DO UPDATE SET "
                  "document = excluded.document, received_at = excluded.received_at"));
  return st.bind(1, ByteView(device.bytes)).bind(2, document).bind(3, now).run();
}

Result<std::vector<CollectorStore::RelayedRegistration>> CollectorStore::relayed_registrations(
    std::size_t max) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT device_id, document FROM relayed_registrations "
                                  "ORDER BY received_at LIMIT ?1"));
  st.bind(1, static_cast<std::int64_t>(max));
  std::vector<RelayedRegistration> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    RelayedRegistration r;
    const Bytes id = st.column_blob(0);
    std::copy_n(id.begin(), std::min<std::size_t>(id.size(), 16), r.device.bytes.begin());
    r.document = st.column_blob(1);
    out.push_back(std::move(r));
  }
  return out;
}

Status CollectorStore::drop_relayed_registration(const DeviceId& device, ByteView document) {
  // Only the copy that was sent: a newer one imported meanwhile stays.
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("DELETE FROM relayed_registrations WHERE device_id = ?1 AND document = ?2"));
  return st.bind(1, ByteView(device.bytes)).bind(2, document).run();
}

Result<bool> CollectorStore::add_relayed(const DeviceId& from, const SubmissionId& id,
                                         std::uint32_t revision, std::string_view form_id,
                                         std::string_view form_version, ByteView envelope,
                                         std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO outbox (submission_id, revision, form_id, form_version, envelope, "
                  "created_at, relayed_from) VALUES (?1,?2,?3,?4,?5,?6,?7) "
                  "ON CONFLICT (submission_id, revision) DO NOTHING"));
  EQ_RETURN_IF_ERROR(st.bind(1, ByteView(id.bytes))
                         .bind(2, static_cast<std::int64_t>(revision))
                         .bind(3, form_id)
                         .bind(4, form_version)
                         .bind(5, envelope)
                         .bind(6, now)
                         .bind(7, ByteView(from.bytes))
                         .run());
  return db_.changes() == 1;
}

Result<OutboxCounts> CollectorStore::counts() {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT state, COUNT(*), COALESCE(SUM(length(envelope)), 0) "
                                  "FROM outbox GROUP BY state"));
  OutboxCounts c;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const std::string state = st.column_text(0);
    if (state == "pending") {
      c.pending = st.column_int64(1);
      c.pending_bytes = st.column_int64(2);
    } else if (state == "synced") {
      c.synced = st.column_int64(1);
    } else {
      c.rejected = st.column_int64(1);
    }
  }
  return c;
}

Status CollectorStore::save_form_publication(const FormPublication& pub, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO forms (form_id, version, round, definition, signature, received_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (form_id, version, round) DO UPDATE "
                  "SET definition = excluded.definition, signature = excluded.signature"));
  return st.bind(1, pub.form_id)
      .bind(2, pub.version)
      .bind(3, pub.round)
      .bind(4, pub.definition)
      .bind(5, ByteView(pub.signature))
      .bind(6, now)
      .run();
}

Status CollectorStore::save_assessment(const HeldAssessment& a, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare(
          "INSERT INTO assessments (id, form_id, revision, version, state, view, received_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET "
          "form_id = excluded.form_id, revision = excluded.revision, version = "
          "excluded.version, state = excluded.state, view = excluded.view, received_at = "
          "excluded.received_at"));
  EQ_RETURN_IF_ERROR(st.bind(1, a.id)
                         .bind(2, a.form_id)
                         .bind(3, a.revision)
                         .bind(4, a.version)
                         .bind(5, a.state)
                         .bind(6, a.view)
                         .bind(7, now)
                         .run());
  // The sync pushes before it asks for assessments, so a copy received now
  // was merged after every acknowledgement so far.
  EQ_ASSIGN_OR_RETURN(
      Statement forget,
      db_.prepare("DELETE FROM assessment_entries WHERE assessment_id = ?1 AND submission_id IN "
                  "(SELECT submission_id FROM outbox WHERE state != 'pending')"));
  return forget.bind(1, a.id).run();
}

Status CollectorStore::add_assessment_entries(const SubmissionId& submission,
                                              std::string_view assessment_id,
                                              const std::vector<AssessmentEntry>& entries) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT OR REPLACE INTO assessment_entries (submission_id, assessment_id, field, "
                  "value, role, entered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  for (const auto& e : entries) {
    EQ_RETURN_IF_ERROR(st.bind(1, ByteView(submission.bytes))
                           .bind(2, assessment_id)
                           .bind(3, e.field)
                           .bind(4, e.value)
                           .bind(5, e.role)
                           .bind(6, e.entered_at)
                           .run());
    st.reset();
  }
  return Status::ok();
}

Result<std::vector<CollectorStore::AssessmentEntry>> CollectorStore::unmerged_entries(
    std::string_view assessment_id) {
  // An entry is merged once its envelope was acknowledged before the copy
  // of the assessment held here arrived.
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT e.field, e.value, e.role, e.entered_at FROM assessment_entries e "
                  "JOIN outbox o ON o.submission_id = e.submission_id "
                  "LEFT JOIN assessments a ON a.id = e.assessment_id "
                  "WHERE e.assessment_id = ?1 AND (o.state = 'pending' OR a.received_at IS NULL "
                  "OR o.acked_at > a.received_at) ORDER BY e.entered_at, o.seq"));
  st.bind(1, assessment_id);
  std::vector<AssessmentEntry> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    AssessmentEntry e{st.column_text(0), st.column_text(1), st.column_text(2), st.column_int64(3)};
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const AssessmentEntry& x) { return x.field == e.field; });
    if (same != out.end()) out.erase(same);
    out.push_back(std::move(e));
  }
  return out;
}

Status CollectorStore::save_code_batch(const CodeBatch& b, ByteView encoded) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT OR IGNORE INTO code_batches (batch_id, form_id, round, encoded) "
                  "VALUES (?1, ?2, ?3, ?4)"));
  return st.bind(1, ByteView(b.id)).bind(2, b.form_id).bind(3, b.round).bind(4, encoded).run();
}

Result<std::vector<CodeBatchId>> CollectorStore::code_batch_ids() {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT batch_id FROM code_batches ORDER BY batch_id"));
  std::vector<CodeBatchId> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const Bytes id = st.column_blob(0);
    CodeBatchId k{};
    std::copy_n(id.begin(), std::min(id.size(), k.size()), k.begin());
    out.push_back(k);
  }
  return out;
}

Result<std::vector<CodeBatch>> CollectorStore::code_batches(std::string_view form_id,
                                                            std::string_view round) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare(
          "SELECT encoded FROM code_batches WHERE form_id = ?1 AND round = ?2 ORDER BY batch_id"));
  st.bind(1, form_id).bind(2, round);
  std::vector<CodeBatch> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    EQ_ASSIGN_OR_RETURN(CodeBatch b, decode_code_batch(st.column_blob(0)));
    out.push_back(std::move(b));
  }
  return out;
}

Result<bool> CollectorStore::use_code(const CodeBatchId& batch, const CodeDigest& digest) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT OR IGNORE INTO used_codes (batch_id, digest) VALUES (?1, ?2)"));
  EQ_RETURN_IF_ERROR(st.bind(1, ByteView(batch)).bind(2, ByteView(digest)).run());
  return db_.changes() == 1;
}

Result<bool> CollectorStore::code_used(const CodeBatchId& batch, const CodeDigest& digest) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT 1 FROM used_codes WHERE batch_id = ?1 AND digest = ?2"));
  st.bind(1, ByteView(batch)).bind(2, ByteView(digest));
  return st.step();
}

Result<std::vector<CollectorStore::HeldAssessment>> CollectorStore::assessments() {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT id, form_id, state, revision, version, view FROM assessments "
                  "ORDER BY id"));
  std::vector<HeldAssessment> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(HeldAssessment{st.column_text(0), st.column_text(1), st.column_text(2),
                                 st.column_int64(3), st.column_int64(4), st.column_text(5)});
  }
  return out;
}

Result<std::vector<FormPublication>> CollectorStore::load_form_publications() {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare("SELECT form_id, version, round, definition, signature FROM forms "
                                "ORDER BY received_at, rowid"));
  std::vector<FormPublication> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    FormPublication p;
    p.form_id = st.column_text(0);
    p.version = st.column_text(1);
    p.round = st.column_text(2);
    p.definition = st.column_text(3);
    const Bytes sig = st.column_blob(4);
    std::copy_n(sig.begin(), std::min(sig.size(), p.signature.size()), p.signature.begin());
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::int64_t> CollectorStore::begin_sync_log(std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("INSERT INTO sync_log (started_at, result, detail) "
                                                "VALUES (?1, 'running', '')"));
  EQ_RETURN_IF_ERROR(st.bind(1, now).run());
  return db_.last_insert_rowid();
}

Status CollectorStore::finish_sync_log(std::int64_t id, std::string_view result,
                                       std::string_view detail, std::int64_t sent,
                                       std::int64_t acked, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("UPDATE sync_log SET finished_at = ?2, result = ?3, detail = ?4, "
                                  "sent = ?5, acked = ?6 WHERE id = ?1"));
  return st.bind(1, id)
      .bind(2, now)
      .bind(3, result)
      .bind(4, detail)
      .bind(5, sent)
      .bind(6, acked)
      .run();
}

Result<std::optional<SyncLogEntry>> CollectorStore::last_sync() {
  EQ_ASSIGN_OR_RETURN(
      Statement st, db_.prepare("SELECT started_at, COALESCE(finished_at, 0), result, detail FROM "
                                "sync_log ORDER BY id DESC LIMIT 1"));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<SyncLogEntry>();
  SyncLogEntry e{st.column_int64(0), st.column_int64(1), st.column_text(2), st.column_text(3)};
  return std::optional<SyncLogEntry>(std::move(e));
}

}  // namespace equitas::collector
