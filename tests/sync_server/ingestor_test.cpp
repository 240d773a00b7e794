// The single writer (sync/ingestor.hpp) on a real server database: a group
// with a failing job hears the failure, every job of it, and keeps none of
// its writes; past kMaxQueuedJobs a job is refused at once, and nothing
// queued is lost; stop() commits what is queued before it returns.
//
// The writer takes every job waiting as one group. A gate job holds the
// writer inside its own group until the test opens it, so the jobs
// submitted meanwhile are all waiting, and are taken together.
#include "ingestor.hpp"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "fixtures.hpp"
#include "limits.hpp"

using namespace equitas;
using namespace equitas::server;
using namespace equitas::test;

namespace {

constexpr auto kDeadline = std::chrono::seconds(60);

class Gate {
 public:
  // Runs on the writer: says it has started, then waits for open().
  Ingestor::Work job() {
    return [this](ServerStore&) {
      started_.set_value();
      opened_.wait();
      return Status::ok();
    };
  }
  void wait_started() { started_future_.wait(); }
  void open() { open_.set_value(); }

 private:
  std::promise<void> started_;
  std::future<void> started_future_ = started_.get_future();
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
};

// What each job's completion heard, by the job's name.
class Outcomes {
 public:
  Ingestor::Done done(const std::string& name) {
    return [this, name](const Status& committed) {
      std::lock_guard lock(mu_);
      heard_.emplace(name, committed);
      cv_.notify_all();
    };
  }
  // True once `n` completions have run.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return heard_.size() >= n; });
  }
  Status of(const std::string& name) {
    std::lock_guard lock(mu_);
    const auto it = heard_.find(name);
    return it == heard_.end() ? Status::not_found("no completion for " + name) : it->second;
  }
  std::size_t ok_count() {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& [name, status] : heard_) n += status.is_ok() ? 1 : 0;
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Status> heard_;
};

// Labels of the admin tokens the jobs here create (init creates one too).
constexpr std::string_view kJob = "job: ";

// A job that stores something real: an admin token labelled `name`.
Ingestor::Work create_token(const std::string& name) {
  return [name](ServerStore& store) {
    return store.create_admin_token(std::string(kJob) + name, Role::kViewer, 1).status();
  };
}

// The names of the tokens the jobs stored, read on a connection of its own.
std::multiset<std::string> stored(const TestServer& server) {
  auto store = server.open_store();
  auto tokens = store.list_admin_tokens();
  REQUIRE(tokens.is_ok());
  std::multiset<std::string> names;
  for (const auto& t : *tokens) {
    if (t.label.rfind(kJob, 0) == 0) names.insert(t.label.substr(kJob.size()));
  }
  return names;
}

}  // namespace

TEST_CASE(
    "one failing job fails its whole group: each job in it hears so and none of its writes is kept",
    "[server][ingestor]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  Outcomes outcomes;
  Ingestor::Work failing;
  SECTION("the job returns an error") {
    failing = [](ServerStore& store) -> Status {
      EQ_RETURN_IF_ERROR(
          store.create_admin_token(std::string(kJob) + "failing", Role::kViewer, 1).status());
      return Status::invalid_argument("this job fails");
    };
  }
  SECTION("the job throws") {
    failing = [](ServerStore& store) -> Status {
      EQ_RETURN_IF_ERROR(
          store.create_admin_token(std::string(kJob) + "failing", Role::kViewer, 1).status());
      throw std::runtime_error("this job fails");
    };
  }
  {
    Ingestor ingestor(server.open_store());
    ingestor.submit(create_token("first group"), outcomes.done("first group"));
    REQUIRE(outcomes.wait_for(1));
    Gate gate;
    ingestor.submit(gate.job(), outcomes.done("gate"));
    gate.wait_started();
    // One group of three, the failing job in the middle.
    ingestor.submit(create_token("before the failure"), outcomes.done("before"));
    ingestor.submit(failing, outcomes.done("failing"));
    ingestor.submit(create_token("after the failure"), outcomes.done("after"));
    CHECK(ingestor.queue_depth() == 3);
    gate.open();
    REQUIRE(outcomes.wait_for(5));
    // The writer carries on: the next group commits.
    ingestor.submit(create_token("next group"), outcomes.done("next group"));
    REQUIRE(outcomes.wait_for(6));
  }
  CHECK(outcomes.of("first group").is_ok());
  CHECK(outcomes.of("gate").is_ok());
  for (const char* name : {"before", "failing", "after"}) {
    INFO(name);
    const Status heard = outcomes.of(name);
    CHECK_FALSE(heard.is_ok());
    CHECK(heard.code() != StatusCode::kNotFound);
    CHECK(heard.message().find("this job fails") != std::string::npos);
  }
  CHECK(outcomes.of("next group").is_ok());
  // Nothing was acknowledged that is not stored, and nothing of the failed
  // group is stored: the job before the failure was rolled back with it.
  CHECK(stored(server) == std::multiset<std::string>{"first group", "next group"});
}

TEST_CASE("past kMaxQueuedJobs a job is refused at once as busy and every job queued still commits",
          "[server][ingestor]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  Outcomes outcomes;
  std::optional<Status> refused;
  bool refused_ran = false;
  {
    Ingestor ingestor(server.open_store());
    Gate gate;
    ingestor.submit(gate.job(), outcomes.done("gate"));
    gate.wait_started();
    for (std::size_t i = 0; i < kMaxQueuedJobs; ++i) {
      const std::string name = "queued " + std::to_string(i);
      ingestor.submit(create_token(name), outcomes.done(name));
    }
    CHECK(ingestor.queue_depth() == kMaxQueuedJobs);
    ingestor.submit(
        [&refused_ran](ServerStore&) {
          refused_ran = true;
          return Status::ok();
        },
        [&refused](const Status& s) { refused = s; });
    // Told before submit() returns, on the caller's thread: the session
    // answers "try again later" at once (Error 7, close 1013).
    REQUIRE(refused.has_value());
    CHECK(refused->code() == StatusCode::kUnavailable);
    CHECK(refused->message() == "the server is busy");
    // Nothing queued was dropped to make room.
    CHECK(ingestor.queue_depth() == kMaxQueuedJobs);
    gate.open();
    REQUIRE(outcomes.wait_for(kMaxQueuedJobs + 1));
  }
  CHECK(outcomes.ok_count() == kMaxQueuedJobs + 1);
  CHECK_FALSE(refused_ran);
  CHECK(stored(server).size() == kMaxQueuedJobs);
}

TEST_CASE(
    "stop() commits every queued job before it returns and a job after it is refused as shutting "
    "down",
    "[server][ingestor]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  Outcomes outcomes;
  Ingestor ingestor(server.open_store());
  Gate gate;
  ingestor.submit(gate.job(), outcomes.done("gate"));
  gate.wait_started();
  for (int i = 0; i < 10; ++i) {
    const std::string name = "queued " + std::to_string(i);
    ingestor.submit(create_token(name), outcomes.done(name));
  }
  gate.open();
  ingestor.stop();
  // No waiting: stop() returned only after every completion ran.
  CHECK(outcomes.ok_count() == 11);
  CHECK(stored(server).size() == 10);
  std::optional<Status> late;
  ingestor.submit(create_token("late"), [&late](const Status& s) { late = s; });
  REQUIRE(late.has_value());
  CHECK(late->code() == StatusCode::kUnavailable);
  CHECK(late->message() == "the server is shutting down");
  CHECK(stored(server).count("late") == 0);
}

TEST_CASE(
    "a change run alone is a group of its own: it fails alone, and the jobs queued around it "
    "commit",
    "[server][ingestor]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  Outcomes outcomes;
  Ingestor ingestor(server.open_store());
  Gate gate;
  ingestor.submit(gate.job(), outcomes.done("gate"));
  gate.wait_started();
  ingestor.submit(create_token("batch before"), outcomes.done("before"));
  // An administrator's change that fails after writing (an audit line the
  // log refused, say), from the admin API's thread, which waits for it.
  auto admin = std::async(std::launch::async, [&ingestor] {
    return ingestor.run_alone([](ServerStore& store) -> Status {
      EQ_RETURN_IF_ERROR(
          store.create_admin_token(std::string(kJob) + "admin", Role::kViewer, 1).status());
      return Status::internal("the audit line could not be written");
    });
  });
  while (ingestor.queue_depth() < 2) std::this_thread::yield();  // it is queued behind "before"
  ingestor.submit(create_token("batch after"), outcomes.done("after"));
  CHECK(ingestor.queue_depth() == 3);
  gate.open();
  const Status heard = admin.get();
  CHECK(heard.code() == StatusCode::kInternal);
  CHECK(heard.message() == "the audit line could not be written");
  REQUIRE(outcomes.wait_for(3));
  CHECK(outcomes.of("before").is_ok());
  CHECK(outcomes.of("after").is_ok());
  // An administrator's change that succeeds is committed when run_alone returns.
  CHECK(ingestor.run_alone(create_token("admin, again")).is_ok());
  CHECK(stored(server) ==
        std::multiset<std::string>{"batch before", "batch after", "admin, again"});
  ingestor.stop();
  const Status late = ingestor.run_alone(create_token("late"));
  CHECK(late.code() == StatusCode::kUnavailable);
}
