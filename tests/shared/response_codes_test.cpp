// Response codes (wire/response_codes.hpp): what a person types is read
// leniently, a mistyped character is caught before any lookup, a digest
// is bound to its form and round, and a batch is refused if anything in it
// changed after the server signed it.
#include "equitas/wire/response_codes.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "equitas/crypto/keys.hpp"
#include "equitas/wire/sync_messages.hpp"

using namespace equitas;

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

CodeBatch signed_batch(const SigningKey& server, const std::vector<std::string>& codes) {
  CodeBatch b;
  b.id.fill(7);
  b.salt.fill(9);
  b.form_id = "staff-climate";
  b.round = "2026-baseline";
  std::set<CodeDigest> sorted;
  for (const auto& c : codes) sorted.insert(code_digest(b.salt, b.form_id, b.round, c));
  b.digests.assign(sorted.begin(), sorted.end());
  b.signature = server.sign(code_batch_signing_input(b, server.public_key()));
  return b;
}

}  // namespace

TEST_CASE("a response code reads back however it is typed", "[codes]") {
  for (int i = 0; i < 200; ++i) {
    const std::string code = generate_response_code();
    REQUIRE(code.size() == kResponseCodeChars);
    for (char c : code) REQUIRE(kAlphabet.find(c) != std::string_view::npos);
    CHECK(normalize_response_code(code).canonical == code);
    std::string typed = format_response_code(code);
    CHECK(typed.size() == 19);
    for (auto& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(normalize_response_code(" " + typed + " ").canonical == code);
  }
  // I and L read as 1, O as 0 (Crockford): what a person copies from print.
  std::string with_one;
  for (int i = 0; i < 1000 && with_one.empty(); ++i) {
    const std::string code = generate_response_code();
    if (code.find('1') != std::string::npos && code.find('0') != std::string::npos) with_one = code;
  }
  REQUIRE_FALSE(with_one.empty());
  std::string sloppy = with_one;
  sloppy[sloppy.find('1')] = 'l';
  sloppy[sloppy.find('0')] = 'O';
  CHECK(normalize_response_code(sloppy).canonical == with_one);
}

TEST_CASE("every single mistyped character and most swapped neighbours are caught", "[codes]") {
  int swaps = 0, swaps_caught = 0;
  for (int i = 0; i < 50; ++i) {
    const std::string code = generate_response_code();
    for (std::size_t pos = 0; pos < code.size(); ++pos) {
      for (char c : kAlphabet) {
        if (c == code[pos]) continue;
        std::string typo = code;
        typo[pos] = c;
        INFO(code << " -> " << typo);
        REQUIRE(normalize_response_code(typo).typo == CodeTypo::kCheck);
      }
      if (pos + 1 < code.size() && code[pos] != code[pos + 1]) {
        std::string swapped = code;
        std::swap(swapped[pos], swapped[pos + 1]);
        ++swaps;
        swaps_caught += normalize_response_code(swapped).typo == CodeTypo::kCheck ? 1 : 0;
      }
    }
  }
  // Luhn mod 32 misses 2 of the 992 ordered pairs of different characters
  // (as Luhn's mod 10 misses 09 and 90).
  CHECK(swaps_caught >= swaps * 98 / 100);
  CHECK(normalize_response_code("ABCD-EFGH").typo == CodeTypo::kLength);
  CHECK(normalize_response_code(std::string(40, 'A')).typo == CodeTypo::kLength);
  CHECK(normalize_response_code("ABCD-EFGH-JKMN-PQRU").typo ==
        CodeTypo::kCharacter);  // U is not in the alphabet
  CHECK(normalize_response_code("").typo == CodeTypo::kLength);
}

TEST_CASE("a code's digest is bound to its form, round and batch", "[codes]") {
  const std::string code = generate_response_code();
  CodeSalt salt{};
  salt.fill(1);
  const auto d = code_digest(salt, "staff-climate", "r1", code);
  CHECK(d != code_digest(salt, "staff-climate", "r2", code));
  CHECK(d != code_digest(salt, "integrity", "r1", code));
  CodeSalt other = salt;
  other[0] = 2;
  CHECK(d != code_digest(other, "staff-climate", "r1", code));
  // Length-prefixed: "ab"+"c" is not "a"+"bc".
  CHECK(code_digest(salt, "ab", "c", code) != code_digest(salt, "a", "bc", code));
}

TEST_CASE("a signed batch round-trips, and any change to it is refused", "[codes]") {
  auto server = SigningKey::generate();
  std::vector<std::string> codes;
  for (int i = 0; i < 50; ++i) codes.push_back(generate_response_code());
  const CodeBatch b = signed_batch(server, codes);
  const Bytes encoded = encode_code_batch(b);
  auto back = decode_code_batch(encoded);
  REQUIRE(back.is_ok());
  CHECK(verify_code_batch(*back, server.public_key()).is_ok());
  for (const auto& c : codes)
    CHECK(back->contains(code_digest(back->salt, back->form_id, back->round, c)));
  CHECK_FALSE(back->contains(
      code_digest(back->salt, back->form_id, back->round, generate_response_code())));

  // Another server's key, a changed round, a flipped digest bit: refused.
  CHECK_FALSE(verify_code_batch(*back, SigningKey::generate().public_key()).is_ok());
  CodeBatch moved = *back;
  moved.round = "2027";
  CHECK_FALSE(verify_code_batch(moved, server.public_key()).is_ok());
  for (std::size_t at : {std::size_t{0}, encoded.size() / 2, encoded.size() - 1}) {
    Bytes flipped = encoded;
    flipped[at] ^= 0x01;
    auto d = decode_code_batch(flipped);
    CHECK((!d.is_ok() || !verify_code_batch(*d, server.public_key()).is_ok()));
  }
  // Truncated, or digests out of order (a batch must not keep the print order).
  CHECK_FALSE(decode_code_batch(ByteView(encoded.data(), encoded.size() - 1)).is_ok());
  CodeBatch unsorted = b;
  std::swap(unsorted.digests.front(), unsorted.digests.back());
  CHECK_FALSE(decode_code_batch(encode_code_batch(unsorted)).is_ok());
}

TEST_CASE("codes request and update messages round-trip and refuse junk", "[codes]") {
  CodesRequest req;
  req.known.resize(3);
  req.known[1].fill(0xab);
  auto r = decode_sync_message(encode(req));
  REQUIRE(r.is_ok());
  REQUIRE(std::get_if<CodesRequest>(&*r) != nullptr);
  CHECK(std::get<CodesRequest>(*r).known == req.known);

  CodesUpdate up;
  up.batches = {Bytes{1, 2, 3}, Bytes(500, 7)};
  up.more = true;
  auto u = decode_sync_message(encode(up));
  REQUIRE(u.is_ok());
  const auto& back = std::get<CodesUpdate>(*u);
  CHECK(back.more);
  CHECK(back.batches == up.batches);

  Bytes cut = encode(up);
  cut.pop_back();
  CHECK_FALSE(decode_sync_message(cut).is_ok());
  Bytes extra = encode(req);
  extra.push_back(0);
  CHECK_FALSE(decode_sync_message(extra).is_ok());
}
