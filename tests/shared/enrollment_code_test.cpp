#include "equitas/wire/enrollment_code.hpp"

#include <catch2/catch.hpp>

using namespace equitas;

namespace {
EnrollmentCode sample() {
  EnrollmentCode c;
  c.url = "ws://10.0.0.5:8443";
  ServerKeys k{SigningKey::generate(), BoxKey::generate()};
  c.server = k.public_keys();
  c.device_id = DeviceId::random();
  random_fill(c.secret.span());
  c.expires_at = 1'800'000'000;
  c.site = "Poste frontière Nord — الحدود";
  return c;
}
}  // namespace

TEST_CASE("an enrollment code round-trips on one line", "[enrollment]") {
  const EnrollmentCode c = sample();
  const std::string text = format_enrollment_code(c);
  CHECK(text.rfind("EQ1-", 0) == 0);
  CHECK(text.find('\n') == std::string::npos);
  auto p = parse_enrollment_code(text);
  REQUIRE(p.is_ok());
  CHECK(p->url == c.url);
  CHECK(p->server == c.server);
  CHECK(p->device_id == c.device_id);
  CHECK(p->secret.equals(c.secret.span()));
  CHECK(p->expires_at == c.expires_at);
  CHECK(p->site == c.site);
}

TEST_CASE("white space pasted into a code is ignored", "[enrollment]") {
  const EnrollmentCode c = sample();
  std::string text = format_enrollment_code(c);
  text.insert(20, "\n  ");
  text = "  " + text + "\r\n";
  CHECK(parse_enrollment_code(text).is_ok());
}

TEST_CASE("a mistyped code is caught by its checksum", "[enrollment]") {
  const std::string text = format_enrollment_code(sample());
  for (std::size_t i = 4; i + 1 < text.size(); i += 7) {
    std::string t = text;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    auto p = parse_enrollment_code(t);
    REQUIRE_FALSE(p.is_ok());
    CHECK_THAT(p.status().message(), Catch::Contains("damaged"));
  }
  CHECK_THAT(parse_enrollment_code("hello").status().message(),
             Catch::Contains("not an Equitas enrollment code"));
  CHECK_FALSE(parse_enrollment_code("EQ1-").is_ok());
}
