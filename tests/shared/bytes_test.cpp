#include "equitas/util/bytes.hpp"

#include <catch2/catch.hpp>

#include "equitas/util/cli_args.hpp"

using namespace equitas;

TEST_CASE("varints round-trip and have exactly one encoding", "[bytes]") {
  for (std::uint64_t v :
       std::vector<std::uint64_t>{0, 1, 127, 128, 300, 16383, 16384, 0xffffffffu, UINT64_MAX}) {
    ByteWriter w;
    w.varint(v);
    ByteReader r(w.bytes());
    std::uint64_t out = 0;
    REQUIRE(r.varint(out));
    CHECK(out == v);
    CHECK(r.at_end());
  }
  // 0x80 0x00 is an over-long encoding of zero.
  const Bytes overlong = {0x80, 0x00};
  ByteReader r(overlong);
  std::uint64_t out = 0;
  CHECK_FALSE(r.varint(out));
  // Eleven continuation bytes overflow.
  const Bytes overflow(11, 0xff);
  ByteReader r2(overflow);
  CHECK_FALSE(r2.varint(out));
}

TEST_CASE("the reader never reads past its input", "[bytes]") {
  ByteWriter w;
  w.lp(std::string_view("hello"));
  Bytes b = w.take();
  for (std::size_t n = 0; n < b.size(); ++n) {
    ByteReader r(ByteView(b).subspan(0, n));
    std::string s;
    CHECK_FALSE(r.lp_string(s, 100));
  }
  ByteReader ok(b);
  std::string s;
  CHECK_FALSE(ByteReader(b).lp_string(s, 4));  // over the caller's limit
  REQUIRE(ok.lp_string(s, 5));
  CHECK(s == "hello");
}

TEST_CASE("hex and base64url round-trip and reject junk", "[bytes]") {
  const Bytes data = {0x00, 0x01, 0xfe, 0xff, 0x10};
  CHECK(to_hex(data) == "0001feff10");
  CHECK(*from_hex("0001FEFF10") == data);
  CHECK_FALSE(from_hex("abc").is_ok());
  CHECK_FALSE(from_hex("zz").is_ok());
  // Found by fuzz_collector_http: libsodium must never get the null data()
  // of an empty vector.
  REQUIRE(from_hex("").is_ok());
  CHECK(from_hex("")->empty());
  CHECK(*from_base64url(to_base64url(data)) == data);
  CHECK_FALSE(from_base64url("a+b/").is_ok());  // standard alphabet is refused
}

TEST_CASE("command-line parsing refuses unknown options", "[cli]") {
  std::vector<std::string> words = {"--data-dir", "/tmp/x", "--json", "--site=Post 4", "CODE"};
  auto a = CliArgs::parse(words, {"--data-dir", "--site"}, {"--json"});
  REQUIRE(a.is_ok());
  CHECK(*a->get("--data-dir") == "/tmp/x");
  CHECK(*a->get("--site") == "Post 4");
  CHECK(a->has("--json"));
  CHECK(a->positional() == std::vector<std::string>{"CODE"});
  std::vector<std::string> typo = {"--data-dri", "/tmp"};
  auto bad = CliArgs::parse(typo, {"--data-dir"}, {});
  REQUIRE_FALSE(bad.is_ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("unknown option --data-dri"));
  std::vector<std::string> missing = {"--data-dir"};
  CHECK_FALSE(CliArgs::parse(missing, {"--data-dir"}, {}).is_ok());
}

TEST_CASE("durations accept days, hours, minutes and seconds", "[cli]") {
  CHECK(*parse_duration_seconds("14d") == 14 * 86400);
  CHECK(*parse_duration_seconds("36h") == 36 * 3600);
  CHECK(*parse_duration_seconds("90m") == 90 * 60);
  CHECK(*parse_duration_seconds("45") == 45);
  CHECK_FALSE(parse_duration_seconds("-3d").is_ok());
  CHECK_FALSE(parse_duration_seconds("3w").is_ok());
  CHECK_FALSE(parse_duration_seconds("").is_ok());
}

TEST_CASE("valid_utf8 accepts well-formed text and refuses every malformed kind", "[bytes]") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ASCII"));
  CHECK(valid_utf8("Égalité · равенство · المساواة · 平等 · 😀"));
  CHECK_FALSE(valid_utf8("\xC3"));              // cut in the middle of a character
  CHECK_FALSE(valid_utf8("\xC3\x28"));          // a bad continuation byte
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong, three bytes
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // a lone surrogate (U+D800)
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\xFF"));
  CHECK_FALSE(valid_utf8("\x80"));
}
