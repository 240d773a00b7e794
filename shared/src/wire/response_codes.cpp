#include "equitas/wire/response_codes.hpp"

#include <sodium.h>

#include <algorithm>

#include "equitas/wire/sync_messages.hpp"  // kMaxRoundLength

namespace equitas {
namespace {

// Crockford's base32: the digits, then the letters without I, L, O and U.
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kRadix = 32;
constexpr std::string_view kDigestContext{"equitas/code/v1\0", 16};
constexpr std::size_t kMaxFormIdLength = 64;

int value_of(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'I' || c == 'L') c = '1';
  if (c == 'O') c = '0';
  const auto at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Luhn mod N over the values, from the right, doubling every second one
// starting with the rightmost (the check character is not yet there).
std::size_t luhn_sum(const std::vector<int>& values, bool with_check) {
  std::size_t sum = 0;
  bool twice = !with_check;
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    std::size_t addend = static_cast<std::size_t>(*it) * (twice ? 2 : 1);
    addend = addend / kRadix + addend % kRadix;
    sum += addend;
    twice = !twice;
  }
  return sum;
}

}  // namespace

std::string generate_response_code() {
  std::vector<int> values(kResponseCodeChars - 1);
  for (auto& v : values) v = static_cast<int>(randombytes_uniform(kRadix));
  const std::size_t check = (kRadix - luhn_sum(values, false) % kRadix) % kRadix;
  std::string out;
  for (int v : values) out.push_back(kAlphabet[static_cast<std::size_t>(v)]);
  out.push_back(kAlphabet[check]);
  return out;
}

std::string format_response_code(std::string_view canonical) {
  std::string out;
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(canonical[i]);
  }
  return out;
}

NormalizedCode normalize_response_code(std::string_view typed) {
  NormalizedCode r;
  std::vector<int> values;
  for (char c : typed) {
    if (c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n') continue;
    const int v = value_of(c);
    if (v < 0) {
      r.typo = CodeTypo::kCharacter;
      return r;
    }
    values.push_back(v);
    if (values.size() > kResponseCodeChars) break;
  }
  if (values.size() != kResponseCodeChars) {
    r.typo = CodeTypo::kLength;
    return r;
  }
  if (luhn_sum(values, true) % kRadix != 0) {
    r.typo = CodeTypo::kCheck;
    return r;
  }
  for (int v : values) r.canonical.push_back(kAlphabet[static_cast<std::size_t>(v)]);
  return r;
}

CodeDigest code_digest(const CodeSalt& salt, std::string_view form_id, std::string_view round,
                       std::string_view canonical) {
  ByteWriter w;
  w.raw(kDigestContext);
  w.lp(form_id);
  w.lp(round);
  w.raw(canonical);
  CodeDigest d{};
  crypto_generichash(d.data(), d.size(), w.bytes().data(), w.bytes().size(), salt.data(),
                     salt.size());
  return d;
}

bool CodeBatch::contains(const CodeDigest& d) const {
  return std::binary_search(digests.begin(), digests.end(), d);
}

namespace {

void write_body(ByteWriter& w, const CodeBatch& b) {
  w.raw(b.id);
  w.lp(b.form_id);
  w.lp(b.round);
  w.raw(b.salt);
  w.varint(b.digests.size());
  for (const auto& d : b.digests) w.raw(d);
}

}  // namespace

Bytes code_batch_signing_input(const CodeBatch& b, const SignPublicKey& server) {
  ByteWriter w(64 + b.digests.size() * kCodeDigestBytes);
  w.raw(kCodeBatchSignContext);
  w.raw(server);
  write_body(w, b);
  return w.take();
}

Bytes encode_code_batch(const CodeBatch& b) {
  ByteWriter w(128 + b.digests.size() * kCodeDigestBytes);
  write_body(w, b);
  w.raw(b.signature);
  return w.take();
}

Result<CodeBatch> decode_code_batch(ByteView bytes) {
  const auto bad = [] { return Status::corruption("malformed response code batch"); };
  ByteReader r(bytes);
  CodeBatch b;
  std::uint64_t count = 0;
  if (!r.fixed(b.id) || !r.lp_string(b.form_id, kMaxFormIdLength) ||
      !r.lp_string(b.round, kMaxRoundLength) || !r.fixed(b.salt) ||
      !r.varint(count, kMaxCodesPerBatch) || b.form_id.empty()) {
    return bad();
  }
  if (r.remaining() != count * kCodeDigestBytes + b.signature.size()) return bad();
  b.digests.resize(count);
  for (auto& d : b.digests) {
    if (!r.fixed(d)) return bad();
  }
  if (!r.fixed(b.signature) || !r.at_end()) return bad();
  // Sorted without repeats: membership is a binary search, and the order
  // keeps nothing of the order the codes were printed in.
  if (std::adjacent_find(b.digests.begin(), b.digests.end(), std::greater_equal<>()) !=
      b.digests.end())
    return bad();
  return b;
}

Status verify_code_batch(const CodeBatch& b, const SignPublicKey& server) {
  if (!verify_signature(server, code_batch_signing_input(b, server), b.signature)) {
    return Status::permission_denied("the response code batch is not signed by this server");
  }
  return Status::ok();
}

Result<CodeBatch> open_code_batch(ByteView bytes, const SignPublicKey& server) {
  EQ_ASSIGN_OR_RETURN(CodeBatch b, decode_code_batch(bytes));
  EQ_RETURN_IF_ERROR(verify_code_batch(b, server));
  return b;
}

}  // namespace equitas
