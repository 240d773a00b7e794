#include "team_fixtures.hpp"

#include <catch2/catch.hpp>

#include "fixtures.hpp"

namespace equitas::test {

std::string create_assessment(const std::string& data) {
  auto added = server_cli(
      {"administration", "add", "--data-dir", data, "--id", "TL", "--name", "Testland Customs"});
  INFO(added.err);
  REQUIRE(added.code == 0);
  auto made = server_cli({"assessment", "create", "--data-dir", data, "--form", "geoat-2023",
                          "--round", "2026-baseline", "--administration", "TL"});
  INFO(made.err);
  REQUIRE(made.code == 0);
  std::string id = made.out.substr(0, made.out.find('\n'));
  REQUIRE(id.rfind("asm-", 0) == 0);
  return id;
}

}  // namespace equitas::test
