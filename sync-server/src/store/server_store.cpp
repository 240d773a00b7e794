#include "server_store.hpp"

#include <sodium.h>

#include <boost/json/serialize.hpp>
#include <cstring>

#include "cell_key.hpp"
#include "equitas/crypto/hash.hpp"
#include "equitas/db/migrations.hpp"
#include "equitas/util/embedded.hpp"

namespace equitas::server {
namespace {

constexpr std::string_view kTokenHashContext{"equitas/admin-token/v1\0", 23};

std::array<std::uint8_t, 32> token_hash(std::string_view token) {
  return context_hash(kTokenHashContext, {as_bytes(token)});
}

DeviceState parse_state(const std::string& s) {
  if (s == "active") return DeviceState::kActive;
  if (s == "revoked") return DeviceState::kRevoked;
  return DeviceState::kPending;
}

std::optional<std::int64_t> opt_int(const Statement& st, int col) {
  if (st.column_is_null(col)) return std::nullopt;
  return st.column_int64(col);
}

constexpr std::string_view kDeviceColumns =
    "device_id, site, status, public_key, enroll_secret_hash, enroll_expires_at, created_at, "
    "registered_at, revoked_at, last_seen_at";

DeviceRecord read_device(const Statement& st) {
  DeviceRecord d;
  const Bytes id = st.column_blob(0);
  std::copy_n(id.begin(), std::min<std::size_t>(id.size(), 16), d.id.bytes.begin());
  d.site = st.column_text(1);
  d.state = parse_state(st.column_text(2));
  if (!st.column_is_null(3)) {
    const Bytes pk = st.column_blob(3);
    SignPublicKey key{};
    std::copy_n(pk.begin(), std::min(pk.size(), key.size()), key.begin());
    d.public_key = key;
  }
  if (!st.column_is_null(4)) {
    const Bytes h = st.column_blob(4);
    std::array<std::uint8_t, 32> hash{};
    std::copy_n(h.begin(), std::min(h.size(), hash.size()), hash.begin());
    d.secret_hash = hash;
  }
  d.enroll_expires_at = st.column_int64(5);
  d.created_at = st.column_int64(6);
  d.registered_at = opt_int(st, 7);
  d.revoked_at = opt_int(st, 8);
  d.last_seen_at = opt_int(st, 9);
  return d;
}

}  // namespace

std::string_view device_state_name(DeviceState s) {
  switch (s) {
    case DeviceState::kPending:
      return "pending";
    case DeviceState::kActive:
      return "active";
    case DeviceState::kRevoked:
      return "revoked";
  }
  return "unknown";
}

Result<ServerStore> ServerStore::from_database(Database db) {
  const auto migrations = migrations_from(embedded::server_sql());
  EQ_RETURN_IF_ERROR(db.migrate(migrations));
  // Reports perturb an anonymous form's counts with this secret (cell_key.hpp).
  EQ_RETURN_IF_ERROR(CellKeys::ensure_secret(db));
  ServerStore store(std::move(db));
  // A database from before the analysis store (or from an older coding) is
  // decoded now, once; afterwards this finds nothing to do.
  EQ_RETURN_IF_ERROR(store.analysis().catch_up(store.db_).status());
  return store;
}

Result<ServerStore> ServerStore::open(const DataDir& dir) {
  if (!std::filesystem::exists(dir.db())) {
    return Status::not_found(dir.root.string() +
                             " is not an initialised server data folder (run: sync-server init "
                             "--data-dir " +
                             dir.root.string() + ")");
  }
  Database::Options opts;
  opts.create = false;
  EQ_ASSIGN_OR_RETURN(Database db, Database::open(dir.db(), opts));
  return from_database(std::move(db));
}

Result<ServerStore> ServerStore::create(const DataDir& dir) {
  if (std::filesystem::exists(dir.db())) {
    return Status::already_exists(dir.db().string() + " already exists; refusing to overwrite it");
  }
  EQ_ASSIGN_OR_RETURN(Database db, Database::open(dir.db()));
  std::filesystem::permissions(
      dir.db(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return from_database(std::move(db));
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kViewer:
      return "viewer";
    case Role::kAnalyst:
      return "analyst";
    case Role::kSteward:
      return "steward";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kAnalyst, Role::kSteward, Role::kAdmin}) {
    if (role_name(r) == name) return r;
  }
  return std::nullopt;
}

Result<std::string> ServerStore::create_admin_token(std::string_view label, Role role,
                                                    std::int64_t now) {
  const auto raw = random_array<24>();
  std::string token = "eqa_" + to_base64url(raw);
  const auto h = token_hash(token);
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("INSERT INTO admin_tokens (token_hash, label, created_at, role) "
                                  "VALUES (?1, ?2, ?3, ?4)"));
  EQ_RETURN_IF_ERROR(
      st.bind(1, ByteView(h)).bind(2, label).bind(3, now).bind(4, role_name(role)).run());
  return token;
}

Result<std::optional<ServerStore::AdminToken>> ServerStore::find_admin_token(
    std::string_view token) {
  // Looked up by hash: the database never holds a usable token, and the
  // lookup is an index probe on a value the caller cannot steer.
  const auto h = token_hash(token);
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT id, label, created_at, role FROM admin_tokens "
                                  "WHERE token_hash = ?1 AND revoked_at IS NULL"));
  st.bind(1, ByteView(h));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<AdminToken>();
  return std::optional<AdminToken>(AdminToken{st.column_int64(0), st.column_text(1),
                                              parse_role(st.column_text(3)).value_or(Role::kViewer),
                                              st.column_int64(2), std::nullopt});
}

Result<std::vector<ServerStore::AdminToken>> ServerStore::list_admin_tokens() {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT id, label, created_at, revoked_at, role FROM admin_tokens ORDER BY id"));
  std::vector<AdminToken> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    AdminToken t{st.column_int64(0), st.column_text(1),
                 parse_role(st.column_text(4)).value_or(Role::kViewer), st.column_int64(2),
                 std::nullopt};
    if (!st.column_is_null(3)) t.revoked_at = st.column_int64(3);
    out.push_back(std::move(t));
  }
  return out;
}

Status ServerStore::revoke_admin_token(std::int64_t id, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("UPDATE admin_tokens SET revoked_at = coalesce(revoked_at, ?2) "
                                  "WHERE id = ?1"));
  EQ_RETURN_IF_ERROR(st.bind(1, id).bind(2, now).run());
  if (db_.changes() == 0) return Status::not_found("no admin token " + std::to_string(id));
  return Status::ok();
}

Status ServerStore::add_pending_device(const DeviceId& id, std::string_view site,
                                       const std::array<std::uint8_t, 32>& secret_hash,
                                       std::int64_t expires_at, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("INSERT INTO devices (device_id, site, status, enroll_secret_hash, "
                  "enroll_expires_at, created_at) VALUES (?1, ?2, 'pending', ?3, ?4, ?5)"));
  return st.bind(1, ByteView(id.bytes))
      .bind(2, site)
      .bind(3, ByteView(secret_hash))
      .bind(4, expires_at)
      .bind(5, now)
      .run();
}

Status ServerStore::replace_enrollment_secret(const DeviceId& id,
                                              const std::array<std::uint8_t, 32>& secret_hash,
                                              std::int64_t expires_at) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("UPDATE devices SET enroll_secret_hash = ?2, enroll_expires_at = ?3 "
                  "WHERE device_id = ?1 AND status = 'pending'"));
  EQ_RETURN_IF_ERROR(
      st.bind(1, ByteView(id.bytes)).bind(2, ByteView(secret_hash)).bind(3, expires_at).run());
  if (db_.changes() != 1)
    return Status::failed_precondition("device " + id.to_string() + " is not pending");
  return Status::ok();
}

Result<std::optional<DeviceRecord>> ServerStore::find_device(const DeviceId& id) {
  static const std::string kSql =
      "SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE device_id = ?1";
  EQ_ASSIGN_OR_RETURN(CachedStatement st, db_.cached(kSql));
  st->bind(1, ByteView(id.bytes));
  EQ_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return std::optional<DeviceRecord>();
  return std::optional<DeviceRecord>(read_device(*st));
}

Result<std::vector<DeviceRecord>> ServerStore::list_devices() {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("SELECT " + std::string(kDeviceColumns) +
                                                " FROM devices ORDER BY created_at, site"));
  std::vector<DeviceRecord> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(read_device(st));
  }
  return out;
}

Status ServerStore::revoke_device(const DeviceId& id, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("UPDATE devices SET status = 'revoked', "
                                  "revoked_at = COALESCE(revoked_at, ?2) WHERE device_id = ?1"));
  EQ_RETURN_IF_ERROR(st.bind(1, ByteView(id.bytes)).bind(2, now).run());
  if (db_.changes() == 0)
    return Status::not_found("no device " + id.to_string() + " on this server");
  return Status::ok();
}

Status ServerStore::activate_device(const DeviceId& id, const SignPublicKey& key,
                                    std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("UPDATE devices SET status = 'active', public_key = ?2, "
                                  "registered_at = ?3, last_seen_at = ?3 "
                                  "WHERE device_id = ?1 AND status = 'pending'"));
  EQ_RETURN_IF_ERROR(st.bind(1, ByteView(id.bytes)).bind(2, ByteView(key)).bind(3, now).run());
  if (db_.changes() != 1) return Status::failed_precondition("device is no longer pending");
  return Status::ok();
}

Status ServerStore::touch_device(const DeviceId& id, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(CachedStatement st,
                      db_.cached("UPDATE devices SET last_seen_at = ?2 WHERE device_id = ?1"));
  return st->bind(1, ByteView(id.bytes)).bind(2, now).run();
}

Result<ServerStore::SubmissionLookup> ServerStore::lookup_submission(const Envelope& e,
                                                                     ByteView bytes) {
  SubmissionLookup out;
  {
    EQ_ASSIGN_OR_RETURN(
        CachedStatement st,
        db_.cached(
            "SELECT id, device_id, revision, envelope FROM submissions WHERE submission_id = ?1"));
    st->bind(1, ByteView(e.submission_id.bytes));
    for (;;) {
      EQ_ASSIGN_OR_RETURN(bool row, st->step());
      if (!row) break;
      if (!out.owner) {
        DeviceId d;
        const Bytes b = st->column_blob(1);
        std::copy_n(b.begin(), std::min<std::size_t>(16, b.size()), d.bytes.begin());
        out.owner = d;
      }
      if (st->column_int64(2) != static_cast<std::int64_t>(e.revision)) continue;
      const Bytes stored = st->column_blob(3);
      if (stored.size() == bytes.size() &&
          std::memcmp(stored.data(), bytes.data(), bytes.size()) == 0) {
        out.known = ItemStatus::kDuplicate;
      } else {
        out.original = st->column_int64(0);
      }
    }
  }
  if (out.original) {
    // Is it a conflicting copy we have already recorded? Then the answer is
    // the same as the first time: conflict (and nothing new is written).
    EQ_ASSIGN_OR_RETURN(
        CachedStatement c,
        db_.cached("SELECT 1 FROM submission_conflicts WHERE submission_id = ?1 AND "
                   "revision = ?2 AND envelope_hash = ?3"));
    const auto h = envelope_hash(bytes);
    c->bind(1, ByteView(e.submission_id.bytes))
        .bind(2, static_cast<std::int64_t>(e.revision))
        .bind(3, ByteView(h));
    EQ_ASSIGN_OR_RETURN(bool known_conflict, c->step());
    if (known_conflict) out.known = ItemStatus::kConflict;
  }
  return out;
}

Result<ItemStatus> ServerStore::store_submission(const Envelope& e, ByteView bytes,
                                                 const ResponsePayload& payload,
                                                 const std::optional<DeviceId>& relayed_by,
                                                 std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(SubmissionLookup seen, lookup_submission(e, bytes));
  return store_submission(e, bytes, payload, relayed_by, now, seen);
}

Result<ItemStatus> ServerStore::store_submission(const Envelope& e, ByteView bytes,
                                                 const ResponsePayload& payload,
                                                 const std::optional<DeviceId>& relayed_by,
                                                 std::int64_t now, const SubmissionLookup& seen,
                                                 int code_flag) {
  if (seen.known) return *seen.known;
  const std::string answers = boost::json::serialize(payload.answers);
  if (seen.original) {
    const std::int64_t original = *seen.original;
    const auto h = envelope_hash(bytes);
    EQ_ASSIGN_OR_RETURN(
        Statement ins,
        db_.prepare(
            "INSERT INTO submission_conflicts (submission_id, revision, device_id, "
            "envelope_hash, envelope, answers, received_at) VALUES (?1,?2,?3,?4,?5,?6,?7)"));
    EQ_RETURN_IF_ERROR(ins.bind(1, ByteView(e.submission_id.bytes))
                           .bind(2, static_cast<std::int64_t>(e.revision))
                           .bind(3, ByteView(e.device_id.bytes))
                           .bind(4, ByteView(h))
                           .bind(5, bytes)
                           .bind(6, answers)
                           .bind(7, now)
                           .run());
    EQ_ASSIGN_OR_RETURN(Statement flag,
                        db_.prepare("UPDATE submissions SET conflict = 1 WHERE id = ?1"));
    EQ_RETURN_IF_ERROR(flag.bind(1, original).run());
    return ItemStatus::kConflict;
  }

  EQ_ASSIGN_OR_RETURN(
      CachedStatement ins,
      db_.cached("INSERT INTO submissions (submission_id, revision, device_id, form_id, "
                 "form_version, envelope, answers, submitted_at, received_at, relayed_by, round, "
                 "code_flag) "
                 "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"));
  ins->bind(1, ByteView(e.submission_id.bytes))
      .bind(2, static_cast<std::int64_t>(e.revision))
      .bind(3, ByteView(e.device_id.bytes))
      .bind(4, e.form_id)
      .bind(5, e.form_version)
      .bind(6, bytes)
      .bind(7, answers)
      .bind(8, payload.submitted_at)
      .bind(9, now)
      .bind(11, payload.round)
      .bind(12, std::int64_t{code_flag});
  if (relayed_by && *relayed_by != e.device_id) {
    ins->bind(10, ByteView(relayed_by->bytes));
  } else {
    ins->bind_null(10);
  }
  EQ_RETURN_IF_ERROR(ins->run());
  // Decoded for reports in this same transaction: the analysis store holds
  // exactly what was acknowledged.
  StoredSubmission s;
  s.rowid = db_.last_insert_rowid();
  s.submission_id = e.submission_id.bytes;
  s.revision = static_cast<std::int64_t>(e.revision);
  s.device_id = e.device_id.bytes;
  s.form_id = e.form_id;
  s.form_version = e.form_version;
  s.round = payload.round;
  s.submitted_at = payload.submitted_at;
  s.received_at = now;
  // A response its code does not count is kept out of the analysis store,
  // so out of every report.
  s.answers = code_flag == 0 ? &payload.answers : nullptr;
  EQ_RETURN_IF_ERROR(analysis_->add(db_, s));
  return ItemStatus::kAccepted;
}

Status ServerStore::save_publication(const FormPublication& pub, std::string_view source,
                                     std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(
      Statement existing,
      db_.prepare("SELECT definition FROM forms WHERE form_id = ?1 AND version = ?2"));
  existing.bind(1, pub.form_id).bind(2, pub.version);
  EQ_ASSIGN_OR_RETURN(bool has, existing.step());
  if (has && existing.column_text(0) != pub.definition) {
    return Status::already_exists(
        "version " + pub.version + " of form " + pub.form_id +
        " is already published with a different definition; give the changed "
        "form a new version");
  }
  if (!has) {
    EQ_ASSIGN_OR_RETURN(Statement ins,
                        db_.prepare("INSERT INTO forms (form_id, version, definition, source, "
                                    "published_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    EQ_RETURN_IF_ERROR(ins.bind(1, pub.form_id)
                           .bind(2, pub.version)
                           .bind(3, pub.definition)
                           .bind(4, source)
                           .bind(5, now)
                           .run());
  }
  EQ_ASSIGN_OR_RETURN(
      Statement round,
      db_.prepare("INSERT INTO form_rounds (form_id, version, round, signature, published_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING"));
  return round.bind(1, pub.form_id)
      .bind(2, pub.version)
      .bind(3, pub.round)
      .bind(4, ByteView(pub.signature))
      .bind(5, now)
      .run();
}

Result<std::vector<ServerStore::StoredPublication>> ServerStore::load_publications() {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT r.form_id, r.version, r.round, f.definition, r.signature, r.published_at "
                  "FROM form_rounds r JOIN forms f ON f.form_id = r.form_id AND "
                  "f.version = r.version ORDER BY r.id"));
  std::vector<StoredPublication> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    StoredPublication p;
    p.pub.form_id = st.column_text(0);
    p.pub.version = st.column_text(1);
    p.pub.round = st.column_text(2);
    p.pub.definition = st.column_text(3);
    const Bytes sig = st.column_blob(4);
    std::copy_n(sig.begin(), std::min(sig.size(), p.pub.signature.size()), p.pub.signature.begin());
    p.published_at = st.column_int64(5);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::int64_t> ServerStore::publications_version() {
  EQ_ASSIGN_OR_RETURN(CachedStatement st,
                      db_.cached("SELECT COALESCE(MAX(id), 0) FROM form_rounds"));
  EQ_ASSIGN_OR_RETURN(bool row, st->step());
  return row ? st->column_int64(0) : 0;
}

Status ServerStore::audit(std::string_view actor, std::string_view action, std::string_view detail,
                          std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("INSERT INTO audit_log (at, actor, action, detail) "
                                                "VALUES (?1, ?2, ?3, ?4)"));
  return st.bind(1, now).bind(2, actor).bind(3, action).bind(4, detail).run();
}

Result<bool> ServerStore::admin_token_live(std::int64_t id) {
  EQ_ASSIGN_OR_RETURN(
      CachedStatement st,
      db_.cached("SELECT 1 FROM admin_tokens WHERE id = ?1 AND revoked_at IS NULL"));
  st->bind(1, id);
  return st->step();
}

Result<std::vector<ServerStore::ActivityBucket>> ServerStore::activity() {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare(
          "SELECT f.form_id, r.round, d.device_id, count(*), max(a.day) FROM analysis_rows a "
          "JOIN analysis_forms f ON f.form_ref = a.form_ref JOIN analysis_rounds r ON r.round_ref "
          "= a.round_ref "
          "LEFT JOIN devices d ON d.rowid = a.device_ref "
          "GROUP BY a.form_ref, a.round_ref, a.device_ref"));
  std::vector<ActivityBucket> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    ActivityBucket b{st.column_text(0), st.column_text(1), std::nullopt, st.column_int64(3),
                     st.column_int64(4)};
    if (!st.column_is_null(2)) {
      const Bytes id = st.column_blob(2);
      DeviceId d;
      std::copy_n(id.begin(), std::min<std::size_t>(d.bytes.size(), id.size()), d.bytes.begin());
      b.device = d;
    }
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::vector<ServerStore::RoundSummary>> ServerStore::rounds(std::string_view form_id) {
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare(
          "SELECT f.form_id, r.round, count(*), min(a.day), max(a.day) FROM analysis_rows a "
          "JOIN analysis_forms f ON f.form_ref = a.form_ref JOIN analysis_rounds r ON r.round_ref "
          "= a.round_ref "
          "WHERE ?1 = '' OR f.form_id = ?1 GROUP BY a.form_ref, a.round_ref ORDER BY f.form_id, "
          "min(a.day)"));
  st.bind(1, form_id);
  std::vector<RoundSummary> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back({st.column_text(0), st.column_text(1), st.column_int64(2), st.column_int64(3),
                   st.column_int64(4)});
  }
  return out;
}

Result<std::vector<ServerStore::AuditEntry>> ServerStore::audit_entries(std::int64_t before,
                                                                        std::int64_t limit) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT id, at, actor, action, detail FROM audit_log "
                                  "WHERE id < ?1 ORDER BY id DESC LIMIT ?2"));
  st.bind(1, before).bind(2, limit);
  std::vector<AuditEntry> out;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back({st.column_int64(0), st.column_int64(1), st.column_text(2), st.column_text(3),
                   st.column_text(4)});
  }
  return out;
}

Result<std::int64_t> submission_count(Database& db) {
  EQ_ASSIGN_OR_RETURN(Statement count, db.prepare("SELECT COUNT(*) FROM submissions"));
  EQ_ASSIGN_OR_RETURN(bool counted, count.step());
  return counted ? count.column_int64(0) : 0;
}

Status copy_database(Database& db, const std::filesystem::path& to) {
  EQ_ASSIGN_OR_RETURN(Statement vacuum, db.prepare("VACUUM INTO ?1"));
  return vacuum.bind(1, to.string()).run();
}

}  // namespace equitas::server
