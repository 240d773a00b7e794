#include "collector_app.hpp"

#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {
// A code for a server that need not be running: enrollment works offline.
std::string offline_code(TempDir& tmp) {
  TestServer server(tmp / "server");
  const auto r = server_cli({"device", "enroll", "--data-dir", server.dir().root.string(), "--site",
                             "Post", "--url", "ws://127.0.0.1:9"});
  REQUIRE(r.code == 0);
  return r.out;
}
}  // namespace

TEST_CASE("init refuses to overwrite an existing collector", "[collector]") {
  TempDir tmp;
  collector::DataDir dir{tmp / "c"};
  REQUIRE(collector::Collector::init(dir).is_ok());
  const Status again = collector::Collector::init(dir);
  CHECK(again.code() == StatusCode::kAlreadyExists);
  CHECK(collector::Collector::open(collector::DataDir{tmp / "missing"}).status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("enrollment works offline and only once", "[collector]") {
  TempDir tmp;
  const std::string code = offline_code(tmp);
  auto c = make_collector(tmp / "c", code);
  auto e = c.enrollment();
  REQUIRE(e.is_ok());
  REQUIRE(e->has_value());
  CHECK((*e)->site == "Post");
  CHECK_FALSE((*e)->registered);
  CHECK(c.enroll(code).status().code() == StatusCode::kAlreadyExists);
}

TEST_CASE("submit refuses what it cannot store and stores nothing then", "[collector]") {
  TempDir tmp;
  collector::DataDir dir{tmp / "c"};
  REQUIRE(collector::Collector::init(dir).is_ok());
  auto c = collector::Collector::open(dir);
  AcceptAnyAnswers any;
  std::string answers = R"({"q":1})";
  CHECK(c->submit("f", "1", answers, any).status().code() == StatusCode::kFailedPrecondition);

  REQUIRE(c->enroll(offline_code(tmp)).is_ok());
  for (std::string bad : {std::string("not json"), std::string("[1,2]"), std::string("{\"a\":")}) {
    CHECK(c->submit("f", "1", bad, any).status().code() == StatusCode::kInvalidArgument);
  }
  std::string empty_form = "{}";
  CHECK_FALSE(c->submit("", "1", empty_form, any).is_ok());

  struct RejectAll final : AnswerValidator {
    Status validate(std::string_view, std::string_view, boost::json::object&) const override {
      return Status::invalid_argument("q1: this question is required");
    }
  } reject_all;
  std::string fine = R"({"q":1})";
  auto r = c->submit("f", "1", fine, reject_all);
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("q1"));
  CHECK(c->status()->counts.pending == 0);
}

TEST_CASE("pending batches respect the item and byte limits and keep capture order",
          "[collector]") {
  TempDir tmp;
  auto c = make_collector(tmp / "c", offline_code(tmp));
  submit_many(c, 10);
  auto all = c.store().next_pending(100, 1 << 20);
  REQUIRE(all.is_ok());
  REQUIRE(all->size() == 10);
  for (std::size_t i = 1; i < all->size(); ++i) CHECK((*all)[i - 1].seq < (*all)[i].seq);
  CHECK(c.store().next_pending(3, 1 << 20)->size() == 3);
  const std::size_t one = (*all)[0].envelope.size();
  CHECK(c.store().next_pending(100, one * 2 + one / 2)->size() == 2);
  // A byte limit below one envelope still moves that envelope.
  CHECK(c.store().next_pending(100, 1)->size() == 1);
}

TEST_CASE(
    "a team member's own entries show until a merged state received after their acknowledgement",
    "[collector][assessment]") {
  TempDir tmp;
  collector::DataDir dir{tmp / "c"};
  REQUIRE(collector::Collector::init(dir).is_ok());
  auto c = collector::Collector::open(dir);
  REQUIRE(c.is_ok());
  auto& store = c->store();
  const collector::CollectorStore::HeldAssessment held{"asm-1", "geoat-2023", "draft", 1, 0, "{}"};
  REQUIRE(store.save_assessment(held, 100).is_ok());

  const SubmissionId first = SubmissionId::random(), second = SubmissionId::random();
  REQUIRE(store.add_to_outbox(first, 1, "geoat-2023", "2023.2", Bytes{1, 2, 3}, 110).is_ok());
  REQUIRE(store
              .add_assessment_entries(
                  first, "asm-1",
                  {{"x_a_1", "\"4\"", "hr", 110}, {"x_a_1_comment", "\"policy\"", "hr", 110}})
              .is_ok());
  REQUIRE(store.add_to_outbox(second, 1, "geoat-2023", "2023.2", Bytes{4, 5, 6}, 120).is_ok());
  REQUIRE(store.add_assessment_entries(second, "asm-1", {{"x_a_1", "\"3\"", "hr", 120}}).is_ok());

  // Waiting to sync: both fields, the later word on x_a_1.
  auto mine = store.unmerged_entries("asm-1");
  REQUIRE(mine.is_ok());
  REQUIRE(mine->size() == 2);
  CHECK(mine->at(0).field == "x_a_1_comment");
  CHECK(mine->at(1).field == "x_a_1");
  CHECK(mine->at(1).value == "\"3\"");
  CHECK(store.unmerged_entries("asm-other")->empty());

  // Acknowledged after the copy held here arrived: still not in it.
  auto pending = store.next_pending(10, 1 << 20);
  REQUIRE(pending.is_ok());
  REQUIRE(pending->size() == 2);
  for (const auto& item : *pending) REQUIRE(store.record_ack(item.seq, ItemResult{}, 130).is_ok());
  CHECK(store.unmerged_entries("asm-1")->size() == 2);

  // A merged state received after the acknowledgements holds them.
  REQUIRE(store.save_assessment(held, 140).is_ok());
  CHECK(store.unmerged_entries("asm-1")->empty());
}
