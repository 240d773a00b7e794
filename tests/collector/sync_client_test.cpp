// parse_ws_url (sync_client.hpp): the server URL an enrollment code
// carries, taken apart before a sync dials it.
#include "sync_client.hpp"

#include <catch2/catch.hpp>

using namespace equitas;
using namespace equitas::collector;

namespace {

ParsedUrl parsed(std::string_view url) {
  auto p = parse_ws_url(url);
  INFO(url);
  REQUIRE(p.is_ok());
  return std::move(p).value();
}

Status refused(std::string_view url) {
  auto p = parse_ws_url(url);
  INFO(url);
  REQUIRE_FALSE(p.is_ok());
  CHECK(p.status().code() == StatusCode::kInvalidArgument);
  return p.status();
}

}  // namespace

TEST_CASE("parse_ws_url: host, port and path of a ws:// URL", "[sync][url]") {
  SECTION("a host and a port") {
    const ParsedUrl p = parsed("ws://sync.example.org:8443");
    CHECK(p.host == "sync.example.org");
    CHECK(p.port == "8443");
    CHECK(p.target == "/sync");
  }
  SECTION("no port: the default for ws://, 80") {
    const ParsedUrl p = parsed("ws://10.0.0.5");
    CHECK(p.host == "10.0.0.5");
    CHECK(p.port == "80");
    CHECK(p.target == "/sync");
  }
  SECTION("a path is the target; a bare / means the default one") {
    CHECK(parsed("ws://h:9000/equitas/sync").target == "/equitas/sync");
    CHECK(parsed("ws://h:9000/").target == "/sync");
    CHECK(parsed("ws://h/relay").port == "80");
  }
  SECTION("an IPv6 literal in brackets, with and without a port") {
    const ParsedUrl p = parsed("ws://[2001:db8::7]:8443/sync");
    CHECK(p.host == "2001:db8::7");
    CHECK(p.port == "8443");
    CHECK(p.target == "/sync");
    const ParsedUrl loopback = parsed("ws://[::1]");
    CHECK(loopback.host == "::1");
    CHECK(loopback.port == "80");
  }
  SECTION("the highest port") { CHECK(parsed("ws://h:65535").port == "65535"); }
}

TEST_CASE("parse_ws_url: bad server URLs are refused with a reason", "[sync][url]") {
  SECTION("wss:// (the session layer encrypts; TLS is not spoken)") {
    CHECK_THAT(refused("wss://sync.example.org:443").message(),
               Catch::Contains("wss:// is not supported"));
  }
  SECTION("no scheme") {
    CHECK(refused("sync.example.org:8443").message() == "server URL must start with ws://");
  }
  SECTION("http://") {
    CHECK(refused("http://sync.example.org:8443").message() == "server URL must start with ws://");
  }
  SECTION("an empty URL") { CHECK(refused("").message() == "server URL must start with ws://"); }
  SECTION("no host") {
    CHECK(refused("ws://").message() == "server URL has no host or port");
    CHECK(refused("ws://:8443").message() == "server URL has no host or port");
    CHECK(refused("ws:///sync").message() == "server URL has no host or port");
    CHECK(refused("ws://[]:8443").message() == "server URL has no host or port");
  }
  SECTION("a colon and no port") {
    CHECK(refused("ws://h:").message() == "server URL has no host or port");
  }
  SECTION("a port that is not a number") {
    CHECK(refused("ws://h:http").message() ==
          "server URL has a bad port \"http\": it must be a number from 1 to 65535");
    CHECK_THAT(refused("ws://h:80a/sync").message(), Catch::Contains("bad port \"80a\""));
    CHECK_THAT(refused("ws://h:-1").message(), Catch::Contains("bad port"));
  }
  SECTION("a port out of range") {
    CHECK_THAT(refused("ws://h:65536").message(), Catch::Contains("bad port \"65536\""));
    CHECK_THAT(refused("ws://h:0").message(), Catch::Contains("bad port \"0\""));
    CHECK_THAT(refused("ws://h:99999999999999999999").message(), Catch::Contains("bad port"));
  }
  SECTION("a broken IPv6 literal") {
    CHECK(refused("ws://[::1:8443").message() == "bad IPv6 address in URL");
    CHECK(refused("ws://[::1]8443").message() == "bad IPv6 address in URL");
  }
}
