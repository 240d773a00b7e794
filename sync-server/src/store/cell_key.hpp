// The cell key method: consistent, bounded noise on every count a report
// shows of an anonymous form, so that no table, nor any difference of
// tables, gives the exact count of a small group.
//
// The method is the one the Australian Bureau of Statistics built for
// TableBuilder (Thompson, Broadfoot and Elazar, "Methodology for the
// automatic confidentialisation of statistical outputs from remote servers
// at the ABS", UNECE 2013; generalised by Giessing and Tent, UNECE 2019, and
// in sdcTools' cellKey package) and the ONS used for the 2021 Census:
//   - every record gets a record key, a pseudo-random number that never
//     changes (here a keyed SipHash of the submission's row id);
//   - a cell's key is the sum of its records' keys, modulo 2^32: it depends
//     only on which records are in the cell, so the same records give the
//     same key in any table, round, breakdown or request, and a total's key
//     comes from its own records, not from its parts' noise;
//   - the noise is drawn from a fixed, public distribution by a keyed hash
//     (BLAKE2b) of the cell key and the count. The same cell always gets the
//     same noise (asking again teaches nothing), and two different cells,
//     such as a total and the total without one person, get independent
//     noise, so their difference is the small group's count plus noise.
// Unlike the ABS, the noise goes through a keyed hash rather than a lookup
// of the cell key itself: cell keys are sums, and hashing them keeps the
// noises of a total and its parts independent even to someone who learned
// some of them (for example from an export's exact counts).
//
// The secret that seeds both hashes is 32 random bytes kept in the
// database's server_meta table ("cell_key_secret"), made on first open: a
// backup carries it, so noise is the same after a restore. It protects
// nothing that the database does not already hold in clear (the analysis
// store): it only has to be unknown to readers of reports.
#pragma once

#include <array>
#include <cstdint>

#include "equitas/crypto/secret.hpp"
#include "equitas/db/database.hpp"
#include "equitas/status/status.hpp"

namespace equitas::server {

class CellKeys {
 public:
  // The largest change the noise makes to a count; public, like the whole
  // distribution (an attacker is assumed to know the method, not the secret).
  static constexpr int kMaxNoise = 5;

  // Puts a fresh secret in server_meta unless one is there. Idempotent;
  // safe when two processes open the store at once.
  [[nodiscard]] static Status ensure_secret(Database& db);
  // The server's keys, from server_meta. not_found: no secret yet (the
  // store was never opened through ServerStore).
  [[nodiscard]] static Result<CellKeys> load(Database& db);
  // From a secret given directly (tests, tools).
  explicit CellKeys(std::span<const std::uint8_t, 32> secret);

  CellKeys(CellKeys&&) noexcept = default;
  CellKeys& operator=(CellKeys&&) noexcept = default;
  CellKeys(const CellKeys&) = delete;
  CellKeys& operator=(const CellKeys&) = delete;

  // The record key of a submission (its submissions.id).
  std::uint32_t record_key(std::int64_t record) const;

  // The noise for a cell of `count` records whose keys sum to `cell_key`
  // (mod 2^32): in [-kMaxNoise, kMaxNoise]. 0 for an empty cell.
  int noise(std::uint32_t cell_key, std::int64_t count) const;

  // The count as published: count + noise, never below 0. An empty cell
  // stays 0 (there is nobody in it to protect, as in the ABS method).
  std::int64_t perturb(std::int64_t count, std::uint32_t cell_key) const;

  // The public distribution: the probability of each noise value
  // (kMaxNoise + noise indexes it), proportional to 0.4^|noise|.
  static const std::array<double, 2 * kMaxNoise + 1>& distribution();

 private:
  SecretBytes<16> record_;  // SipHash-2-4 key of record keys
  SecretBytes<32> noise_;   // BLAKE2b key of noise
};

}  // namespace equitas::server
