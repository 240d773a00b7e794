#include "equitas/wire/payload.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "equitas/forms/form_library.hpp"
#include "equitas/forms/payload_layout.hpp"

using namespace equitas;

namespace {

PayloadLayout staff_climate_layout() {
  auto lib = forms::FormLibrary::with_bundled();
  REQUIRE(lib.is_ok());
  auto form = lib->find("staff-climate", "2026.1");
  REQUIRE(form != nullptr);
  return forms::payload_layout(*form);
}

ResponsePayload nineteen_answers() {
  ResponsePayload p;
  p.answers =
      boost::json::parse(
          R"({"consent_ack":true,"dem_sex":"female","dem_age":"25_34","dem_grade":"officer",)"
          R"("dem_role":"frontline","dem_service":"2_5","dem_station":"hq","dem_disability":"no",)"
          R"("eng_proud":"4","eng_recommend":"5","eng_accomplishment":"dk","eng_motivated":"1",)"
          R"("eng_stay":"2","inc_respect":"3","inc_belong":"4","inc_equal_treatment":"5",)"
          R"("inc_differences":"dk","inc_speak_up":"1","car_promotion_fair":"2","car_merit":"3"})")
          .as_object();
  p.submitted_at = "2026-11-23";
  return p;
}

void check_same(const ResponsePayload& a, const ResponsePayload& b) {
  CHECK(boost::json::serialize(a.answers) == boost::json::serialize(b.answers));
  CHECK(a.submitted_at == b.submitted_at);
  CHECK(a.round == b.round);
}

}  // namespace

TEST_CASE("payload v1 (JSON) still round-trips and needs no layout", "[wire][payload]") {
  ResponsePayload p = nineteen_answers();
  p.round = "2026-baseline";
  const Bytes bytes = encode_payload(p);
  REQUIRE(bytes.front() == '{');
  CHECK_FALSE(is_payload_v2(bytes));
  auto back = decode_payload(bytes);
  REQUIRE(back.is_ok());
  check_same(p, *back);
  CHECK_FALSE(decode_payload(as_bytes(R"({"v":2,"answers":{},"submitted_at":"x"})")).is_ok());
}

TEST_CASE("payload v2 is compact and gives back exactly the v1 content", "[wire][payload]") {
  const PayloadLayout layout = staff_climate_layout();
  ResponsePayload p = nineteen_answers();
  const Bytes v1 = encode_payload(p);
  const Bytes v2 = encode_payload(p, layout);
  REQUIRE(is_payload_v2(v2));
  // 1 version + 3 day + 1 round + 1 count + 20 x (1 key + 1 value).
  CHECK(v2.size() == 46);
  CHECK(v1.size() > 8 * v2.size());
  CHECK_FALSE(decode_payload(v2).is_ok());  // no layout
  CHECK(decode_payload(v2).status().code() == StatusCode::kFailedPrecondition);
  auto back = decode_payload(v2, &layout);
  REQUIRE(back.is_ok());
  check_same(p, *back);
}

TEST_CASE("payload v2 carries any JSON answer losslessly", "[wire][payload]") {
  const PayloadLayout layout = staff_climate_layout();
  ResponsePayload p;
  p.answers =
      boost::json::parse(
          R"({"dem_sex":"not-a-choice","eng_proud":null,"comment_free":"été \u0000 ok",)"
          R"("n":-5,"big":18446744073709551615,"x":1.25,"neg":-9223372036854775808,)"
          R"("many":["a",1,false,{"k":[null,"v"]}],"consent_ack":false,"nested":{"a":{"b":{}}}})")
          .as_object();
  p.round = "pilot round";
  for (const std::string at :
       {"2026-11-23T09:41:07Z", "2026-11-23", "yesterday", "", "1969-12-31"}) {
    p.submitted_at = at;
    auto back = decode_payload(encode_payload(p, layout), &layout);
    REQUIRE(back.is_ok());
    check_same(p, *back);
  }
}

TEST_CASE("payload v2 decoding is strict", "[wire][payload]") {
  const PayloadLayout layout = staff_climate_layout();
  const Bytes good = encode_payload(nineteen_answers(), layout);
  // Every truncation fails, and so does a trailing byte.
  for (std::size_t n = 1; n < good.size(); ++n) {
    CHECK_FALSE(decode_payload(ByteView(good).subspan(0, n), &layout).is_ok());
  }
  Bytes longer = good;
  longer.push_back(0);
  CHECK_FALSE(decode_payload(longer, &layout).is_ok());
  // A choice code past the end of the question's list.
  Bytes bad_choice = good;
  bad_choice.back() = 0xff;
  CHECK_FALSE(decode_payload(bad_choice, &layout).is_ok());
  // A key past the end of the layout.
  const Bytes bad_key = {kPayloadV2, 0, 0, 0, 1, 0x7f, 0x02};
  CHECK_FALSE(decode_payload(bad_key, &layout).is_ok());
  // The same answer twice.
  const Bytes twice = {kPayloadV2, 0, 0, 0, 2, 1, 0x02, 1, 0x02};
  CHECK_FALSE(decode_payload(twice, &layout).is_ok());
  // A choice code where there is no list (a named, unknown key).
  const Bytes no_list = {kPayloadV2, 0, 0, 0, 1, 0, 1, 'q', 0x10};
  CHECK_FALSE(decode_payload(no_list, &layout).is_ok());
  // Unknown value tag; unknown time form.
  const Bytes bad_tag = {kPayloadV2, 0, 0, 0, 1, 1, 0x09};
  CHECK_FALSE(decode_payload(bad_tag, &layout).is_ok());
  const Bytes bad_time = {kPayloadV2, 3, 0, 0};
  CHECK_FALSE(decode_payload(bad_time, &layout).is_ok());
  // The smallest valid payload: text time "", no round, no answers.
  const Bytes empty = {kPayloadV2, 0, 0, 0, 0};
  auto e = decode_payload(empty, &layout);
  REQUIRE(e.is_ok());
  CHECK(e->answers.empty());
}

TEST_CASE("payload v2 refuses a number JSON cannot hold (NaN, infinity)", "[wire][payload]") {
  // Found by fuzz_payload: a NaN decoded, and the answers could then not be
  // stored as JSON nor compared. (Corpus: fuzz/corpus/fuzz_payload/regression-*.)
  const PayloadLayout layout = staff_climate_layout();
  ResponsePayload p;
  p.answers["comment"] = 1.5;
  p.submitted_at = "2026-11-23";
  const Bytes good = encode_payload(p, layout);
  REQUIRE(decode_payload(good, &layout).is_ok());
  std::uint64_t bits = 0;
  const double one_and_half = 1.5;
  std::memcpy(&bits, &one_and_half, sizeof bits);
  Bytes big_endian(8);
  for (int i = 0; i < 8; ++i)
    big_endian[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  const auto at = std::search(good.begin(), good.end(), big_endian.begin(), big_endian.end());
  REQUIRE(at != good.end());
  for (const double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    std::memcpy(&bits, &bad, sizeof bits);
    Bytes patched = good;
    for (int i = 0; i < 8; ++i) {
      patched[static_cast<std::size_t>(at - good.begin()) + static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(bits >> (56 - 8 * i));
    }
    auto r = decode_payload(patched, &layout);
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Catch::Contains("not finite"));
  }
}

TEST_CASE("payload v1 nests no deeper than v2 can carry", "[wire][payload]") {
  // Found by fuzz_payload: a v1 payload nested deeper than v2's limit
  // decoded, and could then not be written as v2.
  const PayloadLayout layout = staff_climate_layout();
  auto nested = [](int containers) {
    std::string v = "0";
    for (int i = 0; i < containers; ++i) v = "[" + v + "]";
    return R"({"v":1,"answers":{"comment":)" + v + R"(},"submitted_at":"2026-11-23"})";
  };
  for (int n = 1; n <= 20; ++n) {
    const std::string text = nested(n);
    auto v1 = decode_payload(as_bytes(text), &layout);
    if (!v1.is_ok()) {
      CHECK(n > 16);
      continue;
    }
    CHECK(n <= 16);
    auto v2 = decode_payload(encode_payload(*v1, layout), &layout);
    INFO(n);
    CHECK(v2.is_ok());
  }
}

TEST_CASE("parse_iso8601_utc reads a day or a second in UTC, and nothing that does not print back",
          "[wire][payload]") {
  CHECK(parse_iso8601_utc("2026-11-23") == 1'795'392'000);
  CHECK(parse_iso8601_utc("2026-11-23T09:30:05Z") == 1'795'392'000 + 9 * 3600 + 30 * 60 + 5);
  for (const char* bad : {"2026-13-01", "2026-02-30", "2026-11-23T25:00:00Z", "2026-11-23 09:30:05",
                          "23/11/2026", "", "2026-11-23T09:30:05+01"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601_utc(bad).has_value());
  }
}
