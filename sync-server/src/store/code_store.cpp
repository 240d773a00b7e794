#include "code_store.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace equitas::server {
namespace {

constexpr std::string_view kMacKeyName = "response_code_key";
constexpr std::string_view kMacContext{"equitas/used-code/v1\0", 21};

}  // namespace

Result<SecretBytes<32>> CodeStore::mac_key(bool create) {
  SecretBytes<32> key;
  {
    EQ_ASSIGN_OR_RETURN(Statement st, db_.prepare("SELECT value FROM server_meta WHERE key = ?1"));
    st.bind(1, kMacKeyName);
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (row) {
      Bytes v = st.column_blob(0);
      if (v.size() != key.size())
        return Status::corruption("the response code key in server_meta is damaged");
      std::memcpy(key.data(), v.data(), key.size());
      sodium_memzero(v.data(), v.size());
      return key;
    }
  }
  if (!create) return Status::not_found("no response codes were issued on this server");
  randombytes_buf(key.data(), key.size());
  EQ_ASSIGN_OR_RETURN(Statement ins,
                      db_.prepare("INSERT INTO server_meta (key, value) VALUES (?1, ?2)"));
  EQ_RETURN_IF_ERROR(ins.bind(1, kMacKeyName).bind(2, ByteView(key.data(), key.size())).run());
  return key;
}

Result<IssuedBatch> CodeStore::issue(std::string_view form_id, std::string_view round, int count,
                                     const SigningKey& server, std::int64_t now) {
  if (count < 1 || static_cast<std::size_t>(count) > kMaxCodesPerBatch) {
    return Status::invalid_argument("issue 1 to " + std::to_string(kMaxCodesPerBatch) +
                                    " codes at a time (run the command again for more)");
  }
  EQ_RETURN_IF_ERROR(mac_key(true).status());  // made now, so that spend never has to
  IssuedBatch out;
  CodeBatch& b = out.batch;
  randombytes_buf(b.id.data(), b.id.size());
  randombytes_buf(b.salt.data(), b.salt.size());
  b.form_id = std::string(form_id);
  b.round = std::string(round);
  std::set<CodeDigest> digests;
  while (out.codes.size() < static_cast<std::size_t>(count)) {
    std::string code = generate_response_code();
    // 75 random bits: a repeat is all but impossible, and harmless to skip.
    if (digests.insert(code_digest(b.salt, form_id, round, code)).second)
      out.codes.push_back(std::move(code));
  }
  b.digests.assign(digests.begin(), digests.end());
  b.signature = server.sign(code_batch_signing_input(b, server.public_key()));
  EQ_ASSIGN_OR_RETURN(
      Statement ins,
      db_.prepare("INSERT INTO code_batches (batch_id, form_id, round, count, encoded, "
                  "issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  EQ_RETURN_IF_ERROR(ins.bind(1, ByteView(b.id))
                         .bind(2, form_id)
                         .bind(3, round)
                         .bind(4, static_cast<std::int64_t>(count))
                         .bind(5, ByteView(encode_code_batch(b)))
                         .bind(6, now)
                         .run());
  return out;
}

Result<std::vector<CodeRoundUsage>> CodeStore::usage() {
  std::map<std::pair<std::string, std::string>, CodeRoundUsage> by;
  auto at = [&](std::string form, std::string round) -> CodeRoundUsage& {
    auto& u = by[{form, round}];
    u.form_id = std::move(form);
    u.round = std::move(round);
    return u;
  };
  {
    EQ_ASSIGN_OR_RETURN(
        Statement st,
        db_.prepare("SELECT form_id, round, SUM(count) FROM code_batches GROUP BY 1, 2"));
    for (;;) {
      EQ_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      at(st.column_text(0), st.column_text(1)).issued = st.column_int64(2);
    }
  }
  {
    EQ_ASSIGN_OR_RETURN(
        Statement st, db_.prepare("SELECT form_id, round, COUNT(*) FROM used_codes GROUP BY 1, 2"));
    for (;;) {
      EQ_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      at(st.column_text(0), st.column_text(1)).used = st.column_int64(2);
    }
  }
  {
    EQ_ASSIGN_OR_RETURN(Statement st,
                        db_.prepare("SELECT form_id, round, code_flag, COUNT(*) FROM submissions "
                                    "WHERE code_flag != 0 GROUP BY 1, 2, 3"));
    for (;;) {
      EQ_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      auto& u = at(st.column_text(0), st.column_text(1));
      const auto n = st.column_int64(3);
      switch (static_cast<CodeFlag>(st.column_int64(2))) {
        case CodeFlag::kUsedBefore:
          u.used_before += n;
          break;
        case CodeFlag::kNotIssued:
          u.not_issued += n;
          break;
        default:
          u.missing += n;
          break;
      }
    }
  }
  std::vector<CodeRoundUsage> out;
  for (auto& [key, u] : by) out.push_back(std::move(u));
  return out;
}

Result<std::vector<Bytes>> CodeStore::missing(const std::vector<CodeBatchId>& known,
                                              std::size_t max_bytes, bool& more) {
  more = false;
  const std::set<CodeBatchId> held(known.begin(), known.end());
  EQ_ASSIGN_OR_RETURN(
      Statement st,
      db_.prepare("SELECT batch_id, encoded FROM code_batches ORDER BY issued_at, batch_id"));
  std::vector<Bytes> out;
  std::size_t total = 0;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    const Bytes id = st.column_blob(0);
    CodeBatchId key{};
    std::copy_n(id.begin(), std::min(id.size(), key.size()), key.begin());
    if (held.count(key) != 0) continue;
    Bytes encoded = st.column_blob(1);
    if (!out.empty() &&
        (total + encoded.size() > max_bytes || out.size() >= kMaxCodeBatchesPerUpdate)) {
      more = true;
      break;
    }
    total += encoded.size();
    out.push_back(std::move(encoded));
  }
  return out;
}

Result<CodeFlag> CodeStore::spend(std::string_view form_id, std::string_view round,
                                  std::string_view typed_code) {
  if (typed_code.empty()) return CodeFlag::kMissing;
  const NormalizedCode code = normalize_response_code(typed_code);
  if (code.typo != CodeTypo::kNone) return CodeFlag::kNotIssued;
  bool genuine = false;
  {
    EQ_ASSIGN_OR_RETURN(
        Statement st,
        db_.prepare("SELECT encoded FROM code_batches WHERE form_id = ?1 AND round = ?2"));
    st.bind(1, form_id).bind(2, round);
    while (!genuine) {
      EQ_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      auto batch = decode_code_batch(st.column_blob(0));
      if (!batch.is_ok())
        return batch.status().with_context("a stored response code batch is damaged");
      genuine = batch->contains(code_digest(batch->salt, form_id, round, code.canonical));
    }
  }
  if (!genuine) return CodeFlag::kNotIssued;
  EQ_ASSIGN_OR_RETURN(SecretBytes<32> key, mac_key(false));
  ByteWriter w;
  w.raw(kMacContext);
  w.lp(form_id);
  w.lp(round);
  w.raw(code.canonical);
  std::array<std::uint8_t, 16> mac{};
  crypto_generichash(mac.data(), mac.size(), w.bytes().data(), w.bytes().size(), key.data(),
                     key.size());
  EQ_ASSIGN_OR_RETURN(
      Statement ins,
      db_.prepare("INSERT OR IGNORE INTO used_codes (form_id, round, mac) VALUES (?1, ?2, ?3)"));
  EQ_RETURN_IF_ERROR(ins.bind(1, form_id).bind(2, round).bind(3, ByteView(mac)).run());
  return db_.changes() == 1 ? CodeFlag::kCounted : CodeFlag::kUsedBefore;
}

Result<std::optional<int>> CodeStore::first_revision_flag(ByteView submission_id) {
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db_.prepare("SELECT code_flag FROM submissions WHERE submission_id = ?1 "
                                  "ORDER BY revision LIMIT 1"));
  st.bind(1, submission_id);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<int>();
  return std::optional<int>(static_cast<int>(st.column_int64(0)));
}

}  // namespace equitas::server
