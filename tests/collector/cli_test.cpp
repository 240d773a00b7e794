#include <catch2/catch.hpp>
#include <set>

#include "collector_cli.hpp"
#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

TEST_CASE("collector commands explain themselves and reject bad usage", "[collector][cli]") {
  CHECK(collector_cli({}).code == 2);
  auto help = collector_cli({"--help"});
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Catch::Contains("collector sync"));
  for (const char* cmd : {"init", "enroll", "submit", "status", "sync"}) {
    auto h = collector_cli({cmd, "--help"});
    CHECK(h.code == 0);
    CHECK_THAT(h.out, Catch::Contains(std::string("collector ") + cmd));
  }
  auto unknown = collector_cli({"synk"});
  CHECK(unknown.code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("unknown command 'synk' (did you mean 'sync'?)"));
  CHECK_THAT(collector_cli({"forms", "lst"}).err,
             Catch::Contains("unknown command 'forms lst' (did you mean 'forms list'?)"));
  CHECK_THAT(collector_cli({"frobnicate"}).err, Catch::Contains("unknown command 'frobnicate'\n"));
  auto missing = collector_cli({"status"});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("--data-dir is required"));
  auto typo = collector_cli({"status", "--data-dri", "x"});
  CHECK(typo.code == 2);
  auto mode = collector_cli({"serve", "--data-dir", "x", "--mode", "shared"});
  CHECK(mode.code == 1);
  CHECK_THAT(mode.err, Catch::Contains("--mode is kiosk or personal, not 'shared'"));
  CHECK_THAT(collector_cli({"serve", "--help"}).out, Catch::Contains("--mode kiosk|personal"));
}

// Derived from the program itself, so a command added later is walked too.
TEST_CASE("every collector command and group answers --help, and the usage names them all",
          "[collector][cli]") {
  const std::string usage = collector_cli({"--help"}).out;
  std::set<std::string> groups;
  for (const std::string& name : collector::command_names()) {
    INFO(name);
    CHECK_THAT(usage, Catch::Contains("collector " + name + " "));
    const std::vector<std::string> words = command_words(name);
    if (words.size() > 1) groups.insert(words[0]);
    for (const char* flag : {"--help", "-h"}) {
      std::vector<std::string> args = words;
      args.push_back(flag);
      auto h = collector_cli(args);
      CHECK(h.code == 0);
      CHECK_THAT(h.out, Catch::StartsWith("collector " + name));
      CHECK(h.err.empty());
    }
  }
  CHECK(groups == std::set<std::string>{"assessment", "bundle", "codes", "forms", "key"});
  for (const std::string& group : groups) {
    INFO(group);
    auto h = collector_cli({group, "--help"});
    CHECK(h.code == 0);
    CHECK_THAT(h.out, Catch::Contains("collector " + group + " "));
    CHECK(h.err.empty());
    // The group word alone is a usage error that still says what to type.
    auto alone = collector_cli({group});
    CHECK(alone.code == 2);
    CHECK(alone.out.empty());
    CHECK_THAT(alone.err, Catch::Contains("collector " + group + " "));
  }
  CHECK(collector_cli({"bundle", "--help"}).out.find("collector bundle import") !=
        std::string::npos);
  CHECK(collector_cli({"bundle", "burn"}).code == 2);
}

TEST_CASE("the collector CLI runs init, enroll, submit, status and sync", "[collector][cli]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  const std::string dir = (tmp / "c").string();
  REQUIRE(collector_cli({"init", "--data-dir", dir}).code == 0);
  CHECK(collector_cli({"init", "--data-dir", dir}).code == 1);
  auto enroll = collector_cli({"enroll", "--data-dir", dir, server.enroll("Post 12")});
  INFO(enroll.err);
  REQUIRE(enroll.code == 0);
  CHECK_THAT(enroll.out, Catch::Contains("Post 12"));

  auto submit = collector_cli({"submit", "--data-dir", dir, "--form", "staff-climate", "-"},
                              R"({"consent_ack":true,"eng_proud":"4"})");
  REQUIRE(submit.code == 0);
  CHECK(SubmissionId::parse(submit.out.substr(0, 36)).is_ok());
  auto bad = collector_cli({"submit", "--data-dir", dir, "--form", "staff-climate", "-"}, "{oops");
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains("nothing was stored"));
  CHECK_THAT(bad.err,
             Catch::Contains("the answers are not valid JSON: syntax error at line 1, column 2"));
  // 4 typed for the code "4": the error names the codes and says to quote it.
  auto number = collector_cli({"submit", "--data-dir", dir, "--form", "staff-climate", "-"},
                              R"({"consent_ack":true,"eng_proud":4})");
  CHECK(number.code == 1);
  CHECK_THAT(
      number.err,
      Catch::Contains(
          "eng_proud: The answer must be one of the choices offered. Valid codes: 1, 2, 3, 4, 5"));
  CHECK_THAT(number.err, Catch::Contains("Codes are text: write \"4\", in quotes."));
  // A misspelt question name: the nearest names are suggested.
  auto typo = collector_cli({"submit", "--data-dir", dir, "--form", "staff-climate", "-"},
                            R"({"consent_ack":true,"eng_prod":"4"})");
  CHECK(typo.code == 1);
  CHECK_THAT(
      typo.err,
      Catch::Contains("eng_prod: There is no such question in this form. Did you mean eng_proud?"));
  auto nofile = collector_cli(
      {"submit", "--data-dir", dir, "--form", "staff-climate", (tmp / "nope.json").string()});
  CHECK(nofile.code == 1);

  auto status = collector_cli({"status", "--data-dir", dir, "--json"});
  REQUIRE(status.code == 0);
  CHECK_THAT(status.out, Catch::Contains("\"pending\":1"));
  CHECK_THAT(status.out, Catch::Contains("\"registered\":false"));

  auto sync = collector_cli({"sync", "--data-dir", dir, "--json"});
  INFO(sync.err);
  REQUIRE(sync.code == 0);
  CHECK_THAT(sync.out, Catch::Contains("\"accepted\":1"));
  auto after = collector_cli({"status", "--data-dir", dir});
  CHECK_THAT(after.out, Catch::Contains("Pending:   0"));
  CHECK_THAT(after.out, Catch::Contains("Last sync: "));

  server.stop();
  REQUIRE(collector_cli({"submit", "--data-dir", dir, "--form", "staff-climate", "-"},
                        R"({"consent_ack":true})")
              .code == 0);
  auto down = collector_cli({"sync", "--data-dir", dir});
  CHECK(down.code == 1);
  CHECK_THAT(down.err, Catch::Contains("1 submission kept on this collector, will retry"));
}
