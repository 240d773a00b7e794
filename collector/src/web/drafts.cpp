#include "web/drafts.hpp"

#include <sodium.h>

#include <cstring>

namespace equitas::collector {
namespace {

constexpr std::string_view kDraftContext{"equitas/draft/v1\0", 17};
constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

// context || id || form_id || 0 || form_version: a ciphertext only opens in
// the row, and for the form, it was written for.
Bytes associated_data(const DraftId& id, std::string_view form_id, std::string_view form_version) {
  // Sized up front: GCC 12 warns falsely on growing inserts here.
  Bytes ad(kDraftContext.size() + id.bytes.size() + form_id.size() + 1 + form_version.size());
  std::uint8_t* p = ad.data();
  std::memcpy(p, kDraftContext.data(), kDraftContext.size());
  p += kDraftContext.size();
  std::memcpy(p, id.bytes.data(), id.bytes.size());
  p += id.bytes.size();
  if (!form_id.empty()) std::memcpy(p, form_id.data(), form_id.size());
  p += form_id.size();
  *p++ = 0;
  if (!form_version.empty()) std::memcpy(p, form_version.data(), form_version.size());
  return ad;
}

Bytes encrypt(const DraftKey& key, ByteView ad, std::string_view plain) {
  Bytes out(kNonce + plain.size() + kTag);
  randombytes_buf(out.data(), kNonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + kNonce, &clen, reinterpret_cast<const unsigned char*>(plain.data()),
      plain.size(), ad.data(), ad.size(), nullptr, out.data(), key.data());
  out.resize(kNonce + clen);
  return out;
}

Result<std::string> decrypt(const DraftKey& key, ByteView ad, ByteView sealed) {
  if (sealed.size() < kNonce + kTag) return Status::corruption("the draft is damaged (too short)");
  std::string plain(sealed.size() - kNonce - kTag, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr, sealed.data() + kNonce,
          sealed.size() - kNonce, ad.data(), ad.size(), sealed.data(), key.data()) != 0) {
    return Status::permission_denied("this draft key does not open the draft");
  }
  plain.resize(plen);
  return plain;
}

DraftInfo info_from_row(const Statement& s) {
  DraftInfo d;
  auto blob = s.column_blob(0);
  if (blob.size() == d.id.bytes.size()) std::memcpy(d.id.bytes.data(), blob.data(), blob.size());
  d.form_id = s.column_text(1);
  d.form_version = s.column_text(2);
  d.anonymous = s.column_int64(3) != 0;
  d.lang = s.column_text(4);
  d.created_at = s.column_int64(5);
  d.updated_at = s.column_int64(6);
  d.answered = s.column_int64(7);
  d.admin_can_open = !s.column_is_null(8);
  if (!s.column_is_null(9)) {
    const auto sub = s.column_blob(9);
    SubmissionId id;
    if (sub.size() == id.bytes.size()) {
      std::memcpy(id.bytes.data(), sub.data(), sub.size());
      d.submission = id;
    }
  }
  d.revision = static_cast<std::uint32_t>(s.column_int64(10));
  d.submitted_at = s.column_is_null(11) ? 0 : s.column_int64(11);
  return d;
}

constexpr std::string_view kTooLargeMessage =
    "this draft is too large for the collector (at most 512 KiB of answers)";
constexpr std::string_view kTooManyMessage = "the collector holds as many open drafts as it allows";
constexpr std::string_view kTooMuchMessage =
    "the collector's drafts take all the space it allows them";

constexpr std::string_view kInfoColumns =
    "id, form_id, form_version, anonymous, lang, created_at, updated_at, answered, admin_key, "
    "submission_id, revision, submitted_at";

}  // namespace

DraftId DraftId::random() {
  DraftId id;
  randombytes_buf(id.bytes.data(), id.bytes.size());
  return id;
}

std::optional<DraftId> DraftId::from_hex(std::string_view hex) {
  auto b = equitas::from_hex(hex);
  if (!b.is_ok() || b->size() != 16) return std::nullopt;
  DraftId id;
  std::memcpy(id.bytes.data(), b->data(), 16);
  return id;
}

std::string DraftId::hex() const { return to_hex(ByteView(bytes.data(), bytes.size())); }

std::string draft_token(const DraftId& id, const DraftKey& key) {
  return id.hex() + "." + to_base64url(ByteView(key.data(), key.size()));
}

std::optional<ParsedToken> parse_draft_token(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto id = DraftId::from_hex(token.substr(0, dot));
  auto key = from_base64url(token.substr(dot + 1));
  if (!id || !key.is_ok() || key->size() != DraftKey::size()) return std::nullopt;
  ParsedToken t{*id, DraftKey()};
  std::memcpy(t.key.data(), key->data(), DraftKey::size());
  wipe(*key);
  return t;
}

std::optional<DraftRefusal> DraftStore::refusal_of(const Status& s) {
  if (s.code() != StatusCode::kResourceExhausted) return std::nullopt;
  if (s.message() == kTooLargeMessage) return DraftRefusal::kTooLarge;
  if (s.message() == kTooManyMessage) return DraftRefusal::kTooManyDrafts;
  if (s.message() == kTooMuchMessage) return DraftRefusal::kTooMuchData;
  return std::nullopt;
}

Status DraftStore::check_room(std::size_t bytes, const std::optional<DraftId>& replacing) {
  using namespace draft_limits;
  if (bytes > kMaxDraftBytes + kNonce + kTag)
    return Status::resource_exhausted(std::string(kTooLargeMessage));
  // length() of a blob reads its size from the record header, not its pages.
  EQ_ASSIGN_OR_RETURN(auto st,
                      db_.prepare("SELECT count(*), coalesce(sum(length(ciphertext)), 0), "
                                  "coalesce(sum(CASE WHEN id = ? THEN length(ciphertext) END), 0) "
                                  "FROM drafts WHERE submission_id IS NULL"));
  if (replacing) {
    st.bind(1, ByteView(replacing->bytes.data(), replacing->bytes.size()));
  } else {
    st.bind_null(1);
  }
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  const std::int64_t open = row ? st.column_int64(0) : 0;
  const std::int64_t total = row ? st.column_int64(1) - st.column_int64(2) : 0;
  if (!replacing && open >= kMaxOpenDrafts)
    return Status::resource_exhausted(std::string(kTooManyMessage));
  if (total + static_cast<std::int64_t>(bytes) > kMaxTotalBytes) {
    return Status::resource_exhausted(std::string(kTooMuchMessage));
  }
  return Status::ok();
}

Result<DraftId> DraftStore::create(const std::string& form_id, const std::string& form_version,
                                   bool anonymous, const std::string& lang,
                                   const std::optional<BoxPublicKey>& admin, const DraftKey& key,
                                   std::int64_t now) {
  const DraftId id = DraftId::random();
  const Bytes sealed = encrypt(key, associated_data(id, form_id, form_version), "{}");
  EQ_RETURN_IF_ERROR(check_room(sealed.size(), std::nullopt));
  EQ_ASSIGN_OR_RETURN(auto st,
                      db_.prepare("INSERT INTO drafts (id, form_id, form_version, anonymous, lang, "
                                  "created_at, updated_at, ciphertext, admin_key) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.bind(1, ByteView(id.bytes.data(), id.bytes.size()))
      .bind(2, form_id)
      .bind(3, form_version)
      .bind(4, std::int64_t{anonymous ? 1 : 0})
      .bind(5, lang)
      .bind(6, now)
      .bind(7, now)
      .bind(8, ByteView(sealed));
  if (admin && !anonymous) {
    st.bind(9, ByteView(seal_to(*admin, ByteView(key.data(), key.size()))));
  } else {
    st.bind_null(9);
  }
  EQ_RETURN_IF_ERROR(st.run());
  return id;
}

Status DraftStore::save(const DraftId& id, const DraftKey& key, std::string_view answers_json,
                        std::int64_t answered, const std::string& lang, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(auto found, info(id));
  if (!found)
    return Status::not_found("this draft no longer exists (submitted, discarded or timed out)");
  const ByteView id_view(id.bytes.data(), id.bytes.size());
  if (answers_json.size() > draft_limits::kMaxDraftBytes) {
    return Status::resource_exhausted(std::string(kTooLargeMessage));
  }
  // Only the holder of the key may overwrite: check it opens the current text.
  EQ_ASSIGN_OR_RETURN(std::string old, load(id, key));
  wipe(old);
  const Bytes sealed =
      encrypt(key, associated_data(id, found->form_id, found->form_version), answers_json);
  EQ_RETURN_IF_ERROR(check_room(sealed.size(), id));
  EQ_ASSIGN_OR_RETURN(
      auto st,
      // A record's edit is later than its submission even
      // within the same second: the admin's list says so.
      db_.prepare("UPDATE drafts SET ciphertext = ?, answered = ?, lang = ?, "
                  "updated_at = max(?, coalesce(submitted_at + 1, 0)) WHERE id = ?"));
  st.bind(1, ByteView(sealed)).bind(2, answered).bind(3, lang).bind(4, now).bind(5, id_view);
  return st.run();
}

Result<std::string> DraftStore::load(const DraftId& id, const DraftKey& key) {
  EQ_ASSIGN_OR_RETURN(
      auto st, db_.prepare("SELECT form_id, form_version, ciphertext FROM drafts WHERE id = ?"));
  st.bind(1, ByteView(id.bytes.data(), id.bytes.size()));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row)
    return Status::not_found("this draft no longer exists (submitted, discarded or timed out)");
  const auto blob = st.column_blob(2);
  return decrypt(key, associated_data(id, st.column_text(0), st.column_text(1)), ByteView(blob));
}

Result<std::optional<DraftInfo>> DraftStore::info(const DraftId& id) {
  EQ_ASSIGN_OR_RETURN(
      auto st, db_.prepare("SELECT " + std::string(kInfoColumns) + " FROM drafts WHERE id = ?"));
  st.bind(1, ByteView(id.bytes.data(), id.bytes.size()));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<DraftInfo>();
  return std::optional<DraftInfo>(info_from_row(st));
}

Result<DraftKey> DraftStore::admin_key(const DraftId& id, const BoxKey& admin) {
  EQ_ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT admin_key FROM drafts WHERE id = ?"));
  st.bind(1, ByteView(id.bytes.data(), id.bytes.size()));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return Status::not_found("this draft no longer exists");
  if (st.column_is_null(0)) {
    return Status::permission_denied(
        "drafts of anonymous forms can only be opened by the respondent's browser");
  }
  const auto wrapped = st.column_blob(0);
  EQ_ASSIGN_OR_RETURN(Bytes plain, open_sealed(admin, ByteView(wrapped)));
  if (plain.size() != DraftKey::size()) {
    wipe(plain);
    return Status::corruption("the draft's admin key is damaged");
  }
  DraftKey key;
  std::memcpy(key.data(), plain.data(), DraftKey::size());
  wipe(plain);
  return key;
}

Result<std::vector<DraftInfo>> DraftStore::list() {
  EQ_ASSIGN_OR_RETURN(auto st, db_.prepare("SELECT " + std::string(kInfoColumns) +
                                           " FROM drafts ORDER BY updated_at DESC"));
  std::vector<DraftInfo> out;
  while (true) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(info_from_row(st));
  }
  return out;
}

Result<std::int64_t> DraftStore::count() {
  EQ_ASSIGN_OR_RETURN(auto st,
                      db_.prepare("SELECT count(*) FROM drafts WHERE submission_id IS NULL"));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.column_int64(0) : 0;
}

Status DraftStore::remove(const DraftId& id) {
  EQ_ASSIGN_OR_RETURN(auto st, db_.prepare("DELETE FROM drafts WHERE id = ?"));
  st.bind(1, ByteView(id.bytes.data(), id.bytes.size()));
  return st.run();
}

Status DraftStore::mark_submitted(const DraftId& id, const SubmissionId& submission,
                                  std::uint32_t revision, std::string_view answers_json,
                                  const BoxPublicKey& admin, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(auto found, info(id));
  if (!found || found->anonymous || !found->admin_can_open)
    return Status::failed_precondition("only a resumable draft is kept");
  // A fresh key: the one the respondent's browser held opens nothing now.
  DraftKey key;
  randombytes_buf(key.data(), key.size());
  const Bytes sealed =
      encrypt(key, associated_data(id, found->form_id, found->form_version), answers_json);
  const Bytes wrapped = seal_to(admin, ByteView(key.data(), key.size()));
  EQ_ASSIGN_OR_RETURN(auto st, db_.prepare("UPDATE drafts SET ciphertext = ?, admin_key = ?, "
                                           "submission_id = ?, revision = ?, submitted_at = ?, "
                                           "updated_at = ? WHERE id = ?"));
  st.bind(1, ByteView(sealed))
      .bind(2, ByteView(wrapped))
      .bind(3, ByteView(submission.bytes))
      .bind(4, static_cast<std::int64_t>(revision))
      .bind(5, now)
      .bind(6, now)
      .bind(7, ByteView(id.bytes.data(), id.bytes.size()));
  EQ_RETURN_IF_ERROR(st.run());
  // The newest records first; past the count or the bytes, the rest go.
  EQ_ASSIGN_OR_RETURN(
      auto old,
      db_.prepare("DELETE FROM drafts WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER "
                  "w AS n, sum(length(ciphertext)) OVER w AS bytes FROM drafts WHERE "
                  "submission_id IS NOT NULL WINDOW w AS (ORDER BY submitted_at DESC, id)) "
                  "WHERE n > ?1 OR bytes > ?2)"));
  return old.bind(1, draft_limits::kMaxRecords).bind(2, draft_limits::kMaxRecordBytes).run();
}

Result<std::int64_t> DraftStore::expire(std::int64_t anonymous_before,
                                        std::int64_t resumable_before,
                                        std::int64_t records_before) {
  EQ_ASSIGN_OR_RETURN(auto st,
                      db_.prepare("DELETE FROM drafts WHERE (anonymous = 1 AND updated_at < ?) OR "
                                  "(anonymous = 0 AND submission_id IS NULL AND updated_at < ?) OR "
                                  "(submission_id IS NOT NULL AND updated_at < ?)"));
  st.bind(1, anonymous_before).bind(2, resumable_before).bind(3, records_before);
  EQ_RETURN_IF_ERROR(st.run());
  return static_cast<std::int64_t>(db_.changes());
}

}  // namespace equitas::collector
