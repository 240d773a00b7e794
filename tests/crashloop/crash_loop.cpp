// kill -9 loops against the real binaries (issue #5, "Crash safety, tested").
//
//   crash_loop N [--seed S] [--epoch LOOPS] [--keep]
//
// Each loop picks one victim and kills it with SIGKILL at a random moment:
//   capture  `collector submit` while it validates, seals and stores;
//   sync     `collector sync` while it pushes and records acks;
//   ingest   the sync-server while a collector pushes to it (then restarts it);
//   publish  `sync-server forms publish` of a new form version (issue 13).
// After every loop it checks, on the real files:
//   - no acknowledged submission is lost: every id a `collector submit`
//     printed is in the collector's outbox, and every outbox row the
//     collector marked synced (it had the server's ack) is on the server;
//   - no duplicates: the server holds each submission id once, and so does
//     the collector's outbox;
//   - PRAGMA integrity_check is "ok" on both databases;
//   - every published definition has its publication and its audit line
//     (all three or none), and publishing the same file again succeeds;
//   - every GEOAT contribution the server stored is an event of its team
//     assessment and the other way round, and the stored merged state
//     counts exactly the events merged (a kill during a merge leaves the
//     previous state and every contribution, or both new; issue 16).
// Every --epoch loops (and at the end) a clean sync must leave nothing pending
// and `sync-server export` must hold exactly one row per submission; then the
// epoch's folders are replaced by fresh ones, so that 10,000 loops cost
// 10,000 times one loop rather than growing with the database.
// Exit status 0 when every check held, 1 otherwise (the first failure is
// printed with its loop number and seed, to replay it).
#include <signal.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "collector_app.hpp"
#include "equitas/db/database.hpp"
#include "equitas/util/bytes.hpp"
#include "equitas/wire/payload.hpp"
#include "process.hpp"
#include "sealed_envelopes.hpp"

namespace equitas::crashloop {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

struct Failure {
  std::string what;
};

void expect(bool ok, const std::string& what) {
  if (!ok) throw Failure{what};
}

std::string run_ok(const std::vector<std::string>& argv, const std::string& input = "") {
  auto r = test::run_command(argv, input);
  expect(r.exit_code == 0,
         argv[1] + " " + argv[2] + " failed (" + std::to_string(r.exit_code) + "): " + r.err);
  return r.out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// "8-4-4-4-12" to the 32 hex digits SQLite's lower(hex()) gives.
std::string hex_of(const std::string& uuid) {
  std::string hex;
  for (char ch : uuid) {
    if (ch != '-') hex.push_back(ch);
  }
  return hex;
}

// Rows of a one-column query, as text.
std::vector<std::string> column_of(Database& db, const std::string& sql) {
  auto st = db.prepare(sql);
  expect(st.is_ok(), sql + ": " + st.status().to_string());
  std::vector<std::string> out;
  for (;;) {
    auto more = st->step();
    expect(more.is_ok(), sql + ": " + more.status().to_string());
    if (!*more) break;
    out.push_back(st->column_text(0));
  }
  return out;
}

std::vector<std::string> column(const fs::path& db_path, const std::string& sql) {
  auto db = Database::open(db_path);
  expect(db.is_ok(), "cannot open " + db_path.string() + ": " + db.status().to_string());
  return column_of(*db, sql);
}

// Each query's first column, all read from one snapshot of the database: a
// server still running beside the check cannot store between them.
std::vector<std::vector<std::string>> columns_at_once(const fs::path& db_path,
                                                      const std::vector<std::string>& sqls) {
  auto db = Database::open(db_path);
  expect(db.is_ok(), "cannot open " + db_path.string() + ": " + db.status().to_string());
  Transaction read(*db, Transaction::Mode::kDeferred);
  expect(read.status().is_ok(),
         "cannot begin a read of " + db_path.string() + ": " + read.status().to_string());
  std::vector<std::vector<std::string>> out;
  for (const auto& sql : sqls) out.push_back(column_of(*db, sql));
  return out;
}

void check_integrity(const fs::path& db_path) {
  auto db = Database::open(db_path);
  expect(db.is_ok(), "cannot open " + db_path.string() + ": " + db.status().to_string());
  auto check = db->integrity_check();
  expect(check.is_ok() && *check == "ok",
         "integrity_check of " + db_path.filename().string() + ": " +
             (check.is_ok() ? *check : check.status().to_string()));
}

// A server, one collector, and what the collector's user has been told.
class World {
 public:
  World(const fs::path& root, std::mt19937_64& rng) : root_(root), rng_(rng) {
    fs::create_directories(root_);
    run_ok({test::bin_path("sync-server"), "init", "--data-dir", server_dir()});
    start_server("127.0.0.1:0");
    const std::string code =
        trimmed(run_ok({test::bin_path("sync-server"), "device", "enroll", "--data-dir",
                        server_dir(), "--site", "Crash loop post", "--url", url_}));
    run_ok({test::bin_path("collector"), "init", "--data-dir", collector_dir()});
    run_ok({test::bin_path("collector"), "enroll", "--data-dir", collector_dir(), code});
    std::ofstream(answers_file())
        << R"({"consent_ack":true,"dem_sex":"female","eng_proud":"4","comment":"crash loop"})";
    run_ok({test::bin_path("sync-server"), "administration", "add", "--data-dir", server_dir(),
            "--id", "CL", "--name", "Crash loop customs"});
    assessment_ = trimmed(
        run_ok({test::bin_path("sync-server"), "assessment", "create", "--data-dir", server_dir(),
                "--form", "geoat-2023", "--round", "crash-loop", "--administration", "CL"}));
    run_ok({test::bin_path("collector"), "sync", "--data-dir",
            collector_dir()});  // receives the assessment
    // How long the victims live when nobody kills them: kills are drawn
    // uniformly over (a little more than) that.
    const auto t0 = Clock::now();
    capture_unharmed();
    capture_time_ = std::max(milliseconds(5), elapsed(t0));
    const auto t2 = Clock::now();
    publish_unharmed();
    publish_time_ = std::max(milliseconds(5), elapsed(t2));
    queue(100);
    const auto t1 = Clock::now();
    run_ok({test::bin_path("collector"), "sync", "--data-dir", collector_dir()});
    sync_time_ = std::max(milliseconds(10), elapsed(t1));
    check();
  }
  ~World() {
    if (server_) {
      server_->kill(SIGTERM);
      server_->wait();
    }
  }

  // Kills `collector submit` at a random moment. True when it was still
  // running (false: it had finished first).
  bool kill_capture() {
    test::ChildProcess p(submit_argv(), {}, true);
    std::this_thread::sleep_for(random_delay(capture_time_));
    p.kill(SIGKILL);
    const bool interrupted = p.wait() == 128 + SIGKILL;
    record_printed_ids(p);
    return interrupted;
  }

  // Kills `collector sync` at a random moment of a sync with work to do.
  bool kill_sync() {
    top_up();
    const std::int64_t synced_before = count("SELECT COUNT(*) FROM outbox WHERE state = 'synced'");
    test::ChildProcess p(
        {test::bin_path("collector"), "sync", "--data-dir", collector_dir(), "--json"}, {}, true);
    std::this_thread::sleep_for(random_delay(sync_time_));
    p.kill(SIGKILL);
    const bool interrupted = p.wait() == 128 + SIGKILL;
    check_reported_acks(p, synced_before);
    return interrupted;
  }

  // Kills the server at a random moment while a collector pushes to it,
  // then starts it again on the same port.
  bool kill_server() {
    top_up();
    const std::int64_t synced_before = count("SELECT COUNT(*) FROM outbox WHERE state = 'synced'");
    test::ChildProcess p(
        {test::bin_path("collector"), "sync", "--data-dir", collector_dir(), "--json"}, {}, true);
    std::this_thread::sleep_for(random_delay(sync_time_));
    server_->kill(SIGKILL);
    const int code = server_->wait();
    expect(code == 128 + SIGKILL || code == 0, "the server exited with " + std::to_string(code));
    // The sync was cut short by the kill when it did not end well.
    const bool interrupted = p.wait() != 0;
    check_reported_acks(p, synced_before);
    server_.reset();
    start_server(url_.substr(std::string("ws://").size()));
    return interrupted;
  }

  // Kills `sync-server forms publish` of a new version at a random moment,
  // beside the running server; then publishes the same file again, as the
  // administrator would, which must succeed whatever the kill left.
  bool kill_publish() {
    write_form(++form_version_);
    test::ChildProcess p(publish_argv(), {}, true);
    std::this_thread::sleep_for(random_delay(publish_time_));
    p.kill(SIGKILL);
    const bool interrupted = p.wait() == 128 + SIGKILL;
    check_publications();
    publish_unharmed();
    return interrupted;
  }

  // The checks that hold after every loop.
  void check() {
    check_integrity(collector_db());
    check_integrity(server_db());
    check_publications();
    const auto outbox = column(collector_db(), "SELECT lower(hex(submission_id)) FROM outbox");
    const std::set<std::string> outbox_set(outbox.begin(), outbox.end());
    expect(outbox_set.size() == outbox.size(), "the collector's outbox holds a submission twice");
    for (const auto& id : acked_)
      expect(outbox_set.count(id) == 1, "acknowledged capture " + id + " was lost");
    const auto stored = column(server_db(), "SELECT lower(hex(submission_id)) FROM submissions");
    const std::set<std::string> stored_set(stored.begin(), stored.end());
    expect(stored_set.size() == stored.size(), "the server holds a submission twice");
    const auto synced = column(
        collector_db(), "SELECT lower(hex(submission_id)) FROM outbox WHERE state = 'synced'");
    for (const auto& id : synced) {
      expect(stored_set.count(id) == 1,
             "submission " + id + " was acknowledged by the server but is not on it");
    }
    const auto rejected =
        column(collector_db(), "SELECT detail FROM outbox WHERE state = 'rejected'");
    expect(rejected.empty(),
           "the server rejected a submission: " + (rejected.empty() ? "" : rejected.front()));
    for (const auto& id : stored_set) {
      expect(outbox_set.count(id) == 1,
             "the server holds " + id + ", which this collector never captured");
    }
    synced_ = static_cast<std::int64_t>(synced.size());
    stored_ = static_cast<std::int64_t>(stored.size());
    check_assessment();
  }

  // End of an epoch: everything converges, and the export has one row per
  // submission.
  void converge() {
    run_ok({test::bin_path("collector"), "sync", "--data-dir", collector_dir()});
    check();
    const auto pending =
        column(collector_db(), "SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
    expect(pending.at(0) == "0", pending.at(0) + " submissions still pending after a clean sync");
    const auto all = column(collector_db(), "SELECT COUNT(*) FROM outbox");
    expect(std::to_string(stored_) == all.at(0),
           "server holds " + std::to_string(stored_) + ", collector " + all.at(0));
    const std::string jsonl =
        run_ok({test::bin_path("sync-server"), "export", "--data-dir", server_dir(), "--form",
                "staff-climate", "--format", "jsonl"});
    const auto lines = std::count(jsonl.begin(), jsonl.end(), '\n');
    const std::int64_t climate = std::stoll(
        column(server_db(), "SELECT COUNT(*) FROM submissions WHERE form_id = 'staff-climate'")
            .at(0));
    expect(lines == climate, "export has " + std::to_string(lines) + " rows for " +
                                 std::to_string(climate) + " submissions");
  }

  std::int64_t stored() const { return stored_; }
  std::size_t acked_captures() const { return acked_.size(); }

 private:
  std::string server_dir() const { return (root_ / "server").string(); }
  std::string collector_dir() const { return (root_ / "collector").string(); }
  fs::path server_db() const { return root_ / "server" / "server.db"; }
  fs::path collector_db() const { return root_ / "collector" / "collector.db"; }
  std::string answers_file() const { return (root_ / "answers.json").string(); }
  std::string contribution_file() const { return (root_ / "contribution.json").string(); }
  std::string form_file() const { return (root_ / "crash-check.json").string(); }
  std::vector<std::string> submit_argv() const {
    return {test::bin_path("collector"),
            "submit",
            "--data-dir",
            collector_dir(),
            "--form",
            "staff-climate",
            answers_file()};
  }
  static milliseconds elapsed(Clock::time_point since) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - since);
  }
  milliseconds random_delay(milliseconds typical) {
    // A little past the typical lifetime, so that some victims finish.
    std::uniform_int_distribution<long> d(0, typical.count() * 5 / 4);
    return milliseconds(d(rng_));
  }

  void start_server(const std::string& listen) {
    server_ = std::make_unique<test::ChildProcess>(
        std::vector<std::string>{test::bin_path("sync-server"), "serve", "--data-dir", server_dir(),
                                 "--listen", listen},
        std::map<std::string, std::string>{}, true);
    auto line = server_->read_line(std::chrono::seconds(20));
    expect(line.has_value(), "the server did not start");
    std::smatch m;
    expect(std::regex_search(*line, m, std::regex("(ws://[0-9.]+:[0-9]+)/sync")),
           "unexpected: " + *line);
    expect(url_.empty() || url_ == m[1],
           "the server came back on another address: " + std::string(m[1]));
    url_ = m[1];
  }

  void write_form(int version) {
    std::ofstream(form_file(), std::ios::trunc)
        << R"({"id": "crash-check", "version": ")" << version
        << R"(", "title": {"en": "Crash check"}, "languages": ["en"],
        "lists": {"yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}]},
        "items": [{"type": "select_one", "name": "ok_)"
        << version << R"(", "list": "yn", "required": true}]})";
  }
  std::vector<std::string> publish_argv() const {
    return {
        test::bin_path("sync-server"), "forms", "publish", "--data-dir", server_dir(), form_file()};
  }
  void publish_unharmed() {
    if (form_version_ == 0) write_form(++form_version_);
    run_ok(publish_argv());
    check_publications();
  }
  // A definition without its publication would be invisible yet block an
  // edited file; one without its audit line would be an unaudited change.
  void check_publications() {
    const auto orphans = column(
        server_db(),
        "SELECT form_id || ' ' || version FROM forms f WHERE NOT EXISTS "
        "(SELECT 1 FROM form_rounds r WHERE r.form_id = f.form_id AND r.version = f.version)");
    expect(orphans.empty(),
           "definition " + (orphans.empty() ? "" : orphans.front()) + " has no publication");
    const auto unaudited =
        column(server_db(),
               "SELECT form_id || ' ' || version FROM form_rounds r WHERE NOT EXISTS "
               "(SELECT 1 FROM audit_log a WHERE a.action = 'form.publish' AND a.detail = "
               "'form=' || r.form_id || ' version=' || r.version || ' round=' || r.round)");
    expect(unaudited.empty(),
           "publication " + (unaudited.empty() ? "" : unaudited.front()) + " is not audited");
  }

  void capture_unharmed() {
    test::ChildProcess p(submit_argv());
    expect(p.wait() == 0, "collector submit failed");
    record_printed_ids(p);
  }

  std::int64_t count(const std::string& sql) {
    return std::stoll(column(collector_db(), sql).at(0));
  }

  // What `sync --json` reported as acknowledged was recorded as synced.
  void check_reported_acks(test::ChildProcess& p, std::int64_t synced_before) {
    static const std::regex kAcked("\"acknowledged\":([0-9]+)");
    std::int64_t reported = 0;
    while (auto line = p.read_line(milliseconds(0))) {
      std::smatch m;
      if (std::regex_search(*line, m, kAcked))
        reported = std::max<std::int64_t>(reported, std::stoll(m[1]));
    }
    const std::int64_t synced = count("SELECT COUNT(*) FROM outbox WHERE state = 'synced'");
    expect(synced - synced_before >= reported, "sync reported " + std::to_string(reported) +
                                                   " acknowledged, the outbox recorded " +
                                                   std::to_string(synced - synced_before));
    reported_acks_ += reported;
  }

  // A capture is acknowledged to its user once its id is printed.
  void record_printed_ids(test::ChildProcess& p) {
    static const std::regex kId("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    while (auto line = p.read_line(milliseconds(0))) {
      if (std::regex_match(*line, kId)) acked_.insert(hex_of(*line));
    }
  }

  // Sealed responses queued straight into the outbox, so that every sync has
  // several batches' worth to push (captures one by one would take too long).
  void queue(int n) {
    auto c = collector::Collector::open(collector::DataDir{root_ / "collector"});
    expect(c.is_ok(), c.status().to_string());
    Transaction tx(c->store().db());
    expect(tx.status().is_ok(), tx.status().to_string());
    for (int i = 0; i < n; ++i) {
      const SubmissionId id = SubmissionId::random();
      const Status s = c->store().add_to_outbox(
          id, 1, "staff-climate", "2026.1", test::sealed_response(*c, id, serial_++), unix_now());
      expect(s.is_ok(), s.to_string());
      acked_.insert(hex_of(id.to_string()));
    }
    expect(tx.commit().is_ok(), "queueing failed");
  }

  void top_up() {
    const auto pending =
        column(collector_db(), "SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
    if (std::stoll(pending.at(0)) < 50) queue(100);
    contribute();
  }

  // Two contributions to the team assessment, so that syncs the loop kills
  // merge as well as store.
  void contribute() {
    for (int i = 0; i < 2; ++i) {
      std::ofstream(contribution_file(), std::ios::trunc)
          << R"({"x_a_1":")" << (rng_() % 5) << R"(","p1_a_1":")" << (rng_() % 5) << R"("})";
      test::ChildProcess p({test::bin_path("collector"), "submit", "--data-dir", collector_dir(),
                            "--form", "geoat-2023", "--assessment", assessment_, "--role",
                            i ? "hr" : "integrity", contribution_file()});
      expect(p.wait() == 0, "collector submit --assessment failed");
      record_printed_ids(p);
    }
  }

  // Read in one snapshot: the server may be ingesting beside the check.
  void check_assessment() {
    const auto read =
        columns_at_once(server_db(), {"SELECT lower(hex(submission_id)) FROM submissions WHERE "
                                      "form_id = 'geoat-2023' ORDER BY 1",
                                      "SELECT lower(hex(submission_id)) FROM assessment_events "
                                      "WHERE kind = 'contribution' ORDER BY 1",
                                      "SELECT coalesce(json_extract(merged, '$.contributions'), 0) "
                                      "|| ' ' || version FROM assessments",
                                      "SELECT COUNT(*) || ' ' || coalesce(max(seq), 0) FROM "
                                      "assessment_events WHERE flagged IS NULL"});
    const auto& stored = read[0];
    const auto& events = read[1];
    expect(stored == events, std::to_string(stored.size()) + " contributions stored, " +
                                 std::to_string(events.size()) + " in the assessment");
    const auto& merged = read[2];
    const auto& counted = read[3];
    expect(merged.size() == 1 && merged[0] == counted.at(0),
           "the merged state (" + (merged.empty() ? "" : merged[0]) +
               ") is not that of the events (" + counted.at(0) + ")");
  }

  fs::path root_;
  std::mt19937_64& rng_;
  std::unique_ptr<test::ChildProcess> server_;
  std::string url_;
  std::string assessment_;
  std::set<std::string> acked_;  // hex ids the user was told are stored
  milliseconds capture_time_{0};
  milliseconds sync_time_{0};
  milliseconds publish_time_{0};
  int form_version_ = 0;
  int serial_ = 0;
  std::int64_t reported_acks_ = 0;
  std::int64_t synced_ = 0;
  std::int64_t stored_ = 0;
};

int run(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: crash_loop N [--seed S] [--epoch LOOPS] [--keep]\n";
    return 2;
  }
  const long loops = std::stol(argv[1]);
  std::uint64_t seed = std::random_device{}();
  long epoch = 250;
  bool keep = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) {
      seed = std::stoull(argv[++i]);
    } else if (a == "--epoch" && i + 1 < argc) {
      epoch = std::max(1L, std::stol(argv[++i]));
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::cerr << "crash_loop: unknown option " << a << "\n";
      return 2;
    }
  }
  std::string tmpl = (fs::temp_directory_path() / "equitas-crash-loop-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "crash_loop: cannot create a temporary folder\n";
    return 1;
  }
  const fs::path root = tmpl;
  std::mt19937_64 rng(seed);
  std::cout << "crash_loop: " << loops << " loops, seed " << seed << ", in " << root.string()
            << std::endl;

  const auto start = Clock::now();
  long counts[4] = {0, 0, 0, 0};
  long mid_work[4] = {0, 0, 0, 0};  // kills that landed while the work was under way
  long loop = 0;
  int status = 0;
  try {
    std::unique_ptr<World> world;
    std::int64_t converged_rows = 0;
    int epochs = 0;
    for (loop = 0; loop < loops; ++loop) {
      if (!world)
        world = std::make_unique<World>(root / ("epoch-" + std::to_string(epochs++)), rng);
      const int victim = std::uniform_int_distribution<int>(0, 11)(rng);
      const int kind = victim < 4 ? 0 : victim < 7 ? 1 : victim < 10 ? 2 : 3;
      const bool interrupted = kind == 0   ? world->kill_capture()
                               : kind == 1 ? world->kill_sync()
                               : kind == 2 ? world->kill_server()
                                           : world->kill_publish();
      ++counts[kind];
      mid_work[kind] += interrupted;
      world->check();
      if ((loop + 1) % epoch == 0 || loop + 1 == loops) {
        world->converge();
        converged_rows += world->stored();
        world.reset();
        if (!keep) fs::remove_all(root / ("epoch-" + std::to_string(epochs - 1)));
      }
      if ((loop + 1) % 100 == 0) {
        std::cout << "  " << loop + 1 << " loops, "
                  << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()
                  << " s" << std::endl;
      }
    }
    std::cout << "crash_loop: " << loops << " loops passed: killed " << counts[0] << " captures ("
              << mid_work[0] << " mid-way), " << counts[1] << " syncs (" << mid_work[1]
              << " mid-way), " << counts[2] << " servers (" << mid_work[2] << " mid-sync), "
              << counts[3] << " publishes (" << mid_work[3] << " mid-way); " << converged_rows
              << " submissions converged, in "
              << std::chrono::duration<double>(Clock::now() - start).count() << " s" << std::endl;
  } catch (const Failure& f) {
    std::cerr << "crash_loop: loop " << loop << " (seed " << seed << "): " << f.what << "\n";
    status = 1;
    keep = true;
  } catch (const std::exception& e) {
    std::cerr << "crash_loop: loop " << loop << " (seed " << seed << "): " << e.what() << "\n";
    status = 1;
    keep = true;
  }
  if (keep) {
    std::cout << "crash_loop: files kept in " << root.string() << std::endl;
  } else {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return status;
}

}  // namespace
}  // namespace equitas::crashloop

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  return equitas::crashloop::run(argc, argv);
}
