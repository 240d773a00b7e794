#include "cell_key.hpp"

#include <sodium.h>

#include <cmath>
#include <string_view>

namespace equitas::server {
namespace {

constexpr std::string_view kSecretKey = "cell_key_secret";
constexpr std::string_view kRecordContext = "equitas/cell-key/record/v1";
constexpr std::string_view kNoiseContext = "equitas/cell-key/noise/v1";

// Ratio of the two-sided geometric distribution the noise follows, cut at
// kMaxNoise: P(0) 0.43, P(+-1) 0.17 each, P(+-5) 0.0044 each; variance 1.96.
// Close to the ABS's published p-tables (maximum 5, variance about 2),
// and small next to the groups of 10 or more that a report shows.
constexpr double kRatio = 0.4;

void put_le(std::uint8_t* out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

template <std::size_t N>
void derive(const std::uint8_t* secret, std::string_view context, SecretBytes<N>& out) {
  crypto_generichash(out.data(), N, reinterpret_cast<const unsigned char*>(context.data()),
                     context.size(), secret, 32);
}

}  // namespace

const std::array<double, 2 * CellKeys::kMaxNoise + 1>& CellKeys::distribution() {
  static const auto table = [] {
    std::array<double, 2 * kMaxNoise + 1> p{};
    double sum = 0;
    for (int e = -kMaxNoise; e <= kMaxNoise; ++e) {
      p[static_cast<std::size_t>(e + kMaxNoise)] = std::pow(kRatio, std::abs(e));
      sum += p[static_cast<std::size_t>(e + kMaxNoise)];
    }
    for (double& x : p) x /= sum;
    return p;
  }();
  return table;
}

Status CellKeys::ensure_secret(Database& db) {
  {
    // Look first: a store opened while serve writes should not even ask for
    // the write lock when the secret is there, as it is after the first open.
    EQ_ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT 1 FROM server_meta WHERE key = ?1"));
    st.bind(1, kSecretKey);
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (row) return Status::ok();
  }
  SecretBytes<32> fresh;
  randombytes_buf(fresh.data(), fresh.size());
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db.prepare("INSERT OR IGNORE INTO server_meta (key, value) VALUES (?1, ?2)"));
  st.bind(1, kSecretKey).bind(2, ByteView(fresh.data(), fresh.size()));
  return st.run();
}

Result<CellKeys> CellKeys::load(Database& db) {
  EQ_ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT value FROM server_meta WHERE key = ?1"));
  st.bind(1, kSecretKey);
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row)
    return Status::not_found(
        "the server has no cell key secret yet (open the data folder with sync-server once)");
  Bytes secret = st.column_blob(0);
  if (secret.size() != 32) {
    return Status::corruption(
        "the cell key secret in server_meta is damaged (it must be 32 bytes)");
  }
  CellKeys keys(std::span<const std::uint8_t, 32>(secret.data(), 32));
  sodium_memzero(secret.data(), secret.size());
  return keys;
}

CellKeys::CellKeys(std::span<const std::uint8_t, 32> secret) {
  derive(secret.data(), kRecordContext, record_);
  derive(secret.data(), kNoiseContext, noise_);
}

std::uint32_t CellKeys::record_key(std::int64_t record) const {
  std::uint8_t in[8], out[crypto_shorthash_BYTES];
  put_le(in, static_cast<std::uint64_t>(record), 8);
  crypto_shorthash(out, in, sizeof in, record_.data());
  return static_cast<std::uint32_t>(out[0]) | static_cast<std::uint32_t>(out[1]) << 8 |
         static_cast<std::uint32_t>(out[2]) << 16 | static_cast<std::uint32_t>(out[3]) << 24;
}

int CellKeys::noise(std::uint32_t cell_key, std::int64_t count) const {
  if (count <= 0) return 0;
  std::uint8_t in[12], out[8];
  put_le(in, cell_key, 4);
  put_le(in + 4, static_cast<std::uint64_t>(count), 8);
  crypto_generichash(out, sizeof out, in, sizeof in, noise_.data(), noise_.size());
  std::uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = u << 8 | out[i];
  // u / 2^64 is uniform on [0, 1): find it in the cumulative distribution.
  const double x = std::ldexp(static_cast<double>(u >> 11), -53);
  double cumulative = 0;
  const auto& p = distribution();
  for (std::size_t i = 0; i < p.size(); ++i) {
    cumulative += p[i];
    if (x < cumulative) return static_cast<int>(i) - kMaxNoise;
  }
  return kMaxNoise;  // rounding left a sliver at the top
}

std::int64_t CellKeys::perturb(std::int64_t count, std::uint32_t cell_key) const {
  if (count <= 0) return 0;
  const std::int64_t v = count + noise(cell_key, count);
  return v < 0 ? 0 : v;
}

}  // namespace equitas::server
