// Truthful consent (issue 14): what the consent text of every anonymous
// bundled form promises, checked against what the form asks and what an
// export of it contains. The promises, in each form's own words:
//   - it does not ask for a name, a staff number, a company or the post:
//     every question is a banded choice or a scale, and the only free text
//     is the closing comment;
//   - results are shown only for groups of at least N respondents: N, in
//     every language, is the threshold exports and reports apply;
//   - comments are never shown for smaller groups: they leave only in a file
//     of their own, only from units of N or more;
// and what no consent text may leave out: an export carries no device, site,
// time or submission id.
#include <catch2/catch.hpp>

#include "equitas/forms/form_library.hpp"
#include "export_test_util.hpp"
#include "published_counts.hpp"
#include "report_test_util.hpp"

using namespace equitas;
using namespace equitas::test;

TEST_CASE("the consent text of every anonymous form says what an export of it contains",
          "[anonymity][consent]") {
  auto lib = forms::FormLibrary::with_bundled();
  REQUIRE(lib.is_ok());
  std::vector<std::string> anonymous;
  for (const auto& e : lib->entries()) {
    if (e.form->anonymous && !e.superseded && e.form == lib->current(e.form->id))
      anonymous.push_back(e.form->id);
  }
  std::sort(anonymous.begin(), anonymous.end());
  CHECK(anonymous == std::vector<std::string>{"integrity-perception",
                                              "integrity-perception-private", "staff-climate"});

  for (const auto& id : anonymous) {
    INFO(id);
    const auto form = lib->current(id);
    const std::int64_t k = server::anonymous_threshold(*lib, id);
    CHECK(k >= 10);
    // The threshold the text promises is the one applied, in every language.
    const forms::Item* note = form->find("consent_note");
    REQUIRE(note != nullptr);
    for (const auto& lang : form->languages) {
      INFO(lang);
      CHECK_THAT(note->label.get(lang, lang), Catch::Contains(std::to_string(k)));
    }
    // Nothing asked can name a person, a company or a post: banded choices,
    // scales, and one closing comment.
    std::vector<std::string> free_text;
    form->walk([&](const forms::Item& it, const std::vector<const forms::Item*>&) {
      using forms::QuestionType;
      switch (it.type) {
        case QuestionType::kSelectOne:
        case QuestionType::kSelectMultiple:
        case QuestionType::kLikert:
        case QuestionType::kAcknowledge:
        case QuestionType::kNote:
        case QuestionType::kGroup:
          break;
        case QuestionType::kCalculate:
          CHECK(it.indicator);  // computed from banded answers, and reported as such
          break;
        case QuestionType::kText:
          free_text.push_back(it.name);
          CHECK_FALSE(it.or_other);
          break;
        default:
          FAIL("question " << it.name << " of type " << forms::question_type_name(it.type)
                           << " is not something the consent text allows for");
      }
      CHECK_FALSE(it.or_other);  // an "other, please say" box is free text too
      return true;
    });
    CHECK(free_text == std::vector<std::string>{"comment"});

    // An export: one unit of k responses, one of k-1; each with a comment.
    TempDir tmp;
    TestServer server(tmp / "server");
    {
      auto store = server.open_store();
      const DeviceId big = add_device(store, "Large post"), small = add_device(store, "Small post");
      for (int i = 0; i < 2 * k - 1; ++i) {
        add_submission(store, i < k ? big : small, id, form->version,
                       R"({"consent_ack":true,"comment":"words )" + std::to_string(i) +
                           (i < k ? " big" : " small") + R"("})");
      }
    }
    const auto out = tmp / "x.csv";
    const auto run = server_cli(
        {"export", "--data-dir", server.dir().root.string(), "--form", id, "--out", out.string()});
    INFO(run.err);
    REQUIRE(run.code == 0);
    const CsvTable table = parse_csv(read_text(out));
    REQUIRE(table.size() == static_cast<std::size_t>(2 * k));
    const auto& h = table[0];
    CHECK(std::vector<std::string>(h.begin(), h.begin() + 5) ==
          std::vector<std::string>{"row", "unit", "unit_miss", "form_version", "round"});
    for (const auto& name : h) {
      INFO(name);
      for (const char* gone :
           {"device", "site", "submitted", "received", "submission", "revision"}) {
        CHECK(name.find(gone) == std::string::npos);
      }
      CHECK(name != "comment");
    }
    CHECK(read_text(out).find("Small post") == std::string::npos);
    // The comments: only the large unit's, and no column but the answer.
    const CsvTable comments = parse_csv(read_text(tmp / "x.comments.csv"));
    CHECK(comments[0] == std::vector<std::string>{"question", "answer"});
    REQUIRE(comments.size() == static_cast<std::size_t>(k + 1));
    for (std::size_t r = 1; r < comments.size(); ++r) {
      CHECK(comments[r].size() == 2);
      CHECK_THAT(comments[r][1], Catch::EndsWith(" big"));
    }
  }
}
