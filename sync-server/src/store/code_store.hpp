// Response codes on the server (issue 14; wire/response_codes.hpp for the
// codes and batches; docs/security.md, "Response codes").
//
// `issue` makes a batch: random codes (returned once, to be printed, and
// stored nowhere), their digests signed for the collectors. `spend` decides,
// at ingest and in the transaction that stores the response, whether a
// response counts: its code must be in a batch for its form and round and
// not have unlocked a response before. What it records of a used code is a
// keyed hash without the response, the time or an order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "equitas/crypto/keys.hpp"
#include "equitas/db/database.hpp"
#include "equitas/wire/response_codes.hpp"
#include "equitas/wire/sync_messages.hpp"

namespace equitas::server {

// submissions.code_flag: why a response of a form that requires codes is
// kept but left out of reports and exports.
enum class CodeFlag : std::uint8_t { kCounted = 0, kUsedBefore = 1, kNotIssued = 2, kMissing = 3 };

struct IssuedBatch {
  CodeBatch batch;
  std::vector<std::string> codes;  // canonical, in random order; print, then forget
};

struct CodeRoundUsage {
  std::string form_id, round;
  std::int64_t issued = 0;       // codes in its batches
  std::int64_t used = 0;         // distinct codes that unlocked a counted response
  std::int64_t used_before = 0;  // responses kept but not counted, by flag
  std::int64_t not_issued = 0;
  std::int64_t missing = 0;
};

class CodeStore {
 public:
  explicit CodeStore(Database& db) : db_(db) {}

  // `count` new codes (1 to kMaxCodesPerBatch) for a form and round, their
  // batch signed with the server's key and stored. Run in a transaction.
  Result<IssuedBatch> issue(std::string_view form_id, std::string_view round, int count,
                            const SigningKey& server, std::int64_t now);
  Result<std::vector<CodeRoundUsage>> usage();
  // The code flag its first revision was stored with (a later revision
  // spends no code of its own), or nullopt when none is stored.
  Result<std::optional<int>> first_revision_flag(ByteView submission_id);
  // Encoded batches not among `known`, oldest first, up to `max_bytes` in
  // all (at least one); `more` when some were left for the next request.
  Result<std::vector<Bytes>> missing(const std::vector<CodeBatchId>& known, std::size_t max_bytes,
                                     bool& more);

  // The verdict on a response's code (empty: none given), recording a
  // genuine code as used. Call in the transaction that stores the response.
  Result<CodeFlag> spend(std::string_view form_id, std::string_view round,
                         std::string_view typed_code);

 private:
  Result<SecretBytes<32>> mac_key(bool create);
  Database& db_;
};

}  // namespace equitas::server
