// Team assessments for the tests (docs/assessments.md): the administration
// and the assessment headquarters creates before the posts sync.
#pragma once

#include <string>

#include "fixtures.hpp"

namespace equitas::test {

// Adds the administration "TL" (Testland Customs) to the server in `data`
// and creates its geoat-2023 assessment for round 2026-baseline; its id.
std::string create_assessment(const std::string& data);

// A server with that assessment, started: what most team tests begin with.
// Take its parts by name: `auto& [tmp, server, data, id] = team;`.
struct TeamServer {
  TempDir tmp;
  TestServer server{tmp / "server"};
  std::string data = server.dir().root.string();
  std::string id = create_assessment(data);
  TeamServer() { server.start(); }
};

}  // namespace equitas::test
