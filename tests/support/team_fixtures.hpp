// Team assessments for the tests (docs/assessments.md): the administration
// and the assessment headquarters creates before the posts sync.
#pragma once

#include <string>

namespace equitas::test {

// Adds the administration "TL" (Testland Customs) to the server in `data`
// and creates its geoat-2023 assessment for round 2026-baseline; its id.
std::string create_assessment(const std::string& data);

}  // namespace equitas::test
