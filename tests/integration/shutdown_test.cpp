// The real sync-server binary under pressure: SIGTERM while collectors are
// mid-sync, and running out of file descriptors.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "fixtures.hpp"
#include "process.hpp"
#include "sealed_envelopes.hpp"

using namespace equitas;
using namespace equitas::test;
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::string url_of(ChildProcess& server) {
  auto line = server.read_line(std::chrono::seconds(10));
  REQUIRE(line.has_value());
  std::smatch m;
  REQUIRE(std::regex_search(*line, m, std::regex("(ws://[0-9.]+:[0-9]+)/sync")));
  return m[1];
}

unsigned short port_of(const std::string& url) {
  return static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
}

std::string enroll(const std::string& data, const std::string& url, const std::string& site) {
  auto r = run_command({bin_path("sync-server"), "device", "enroll", "--data-dir", data, "--site",
                        site, "--url", url});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// `n` sealed responses queued in `c`'s outbox, in one transaction.
void queue(collector::Collector& c, int n) {
  Transaction tx(c.store().db());
  REQUIRE(tx.status().is_ok());
  for (int i = 0; i < n; ++i) {
    const SubmissionId id = SubmissionId::random();
    REQUIRE(
        c.store()
            .add_to_outbox(id, 1, "staff-climate", "2026.1", sealed_response(c, id, i), unix_now())
            .is_ok());
  }
  REQUIRE(tx.commit().is_ok());
}

std::set<std::string> ids(Database& db, const std::string& sql) {
  std::set<std::string> out;
  auto st = db.prepare(sql);
  REQUIRE(st.is_ok());
  while (*st->step()) out.insert(st->column_text(0));
  return out;
}

// Is the health endpoint served at `port` right now?
bool healthy(unsigned short port) {
  net::io_context ioc;
  boost::beast::tcp_stream s(ioc);
  s.expires_after(std::chrono::milliseconds(500));
  boost::system::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return false;
  http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req, ec);
  if (ec) return false;
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  // Synchronous reads ignore the stream's timer: wait for readability first.
  bool done = false;
  http::async_read(s, buf, res, [&](boost::system::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  ioc.run();
  return done && !ec && res.result() == http::status::ok;
}

std::size_t open_fds(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++n;
  return n;
}

// User + system CPU time of `pid`, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

TEST_CASE(
    "SIGTERM with batches in flight acknowledges only committed work and exits 0, and a resync is "
    "exact",
    "[integration][shutdown]") {
  constexpr int kCollectors = 4;
  constexpr int kEach = 1500;
  TempDir tmp;
  const std::string data = (tmp / "server").string();
  REQUIRE(run_command({bin_path("sync-server"), "init", "--data-dir", data}).exit_code == 0);
  auto server = std::make_unique<ChildProcess>(std::vector<std::string>{
      bin_path("sync-server"), "serve", "--data-dir", data, "--listen", "127.0.0.1:0"});
  const std::string url = url_of(*server);

  std::vector<std::filesystem::path> dirs;
  for (int i = 0; i < kCollectors; ++i) {
    dirs.push_back(tmp / ("c" + std::to_string(i)));
    auto c = make_collector(dirs.back(), enroll(data, url, "Post " + std::to_string(i)));
    queue(c, kEach);
  }
  std::vector<std::unique_ptr<ChildProcess>> syncs;
  for (const auto& d : dirs) {
    syncs.push_back(std::make_unique<ChildProcess>(std::vector<std::string>{
        bin_path("collector"), "sync", "--data-dir", d.string(), "--json"}));
  }
  // Once a first batch is acknowledged, every session is in its push loop.
  bool progressing = false;
  for (int i = 0; i < 100 && !progressing; ++i) {
    auto line = syncs[0]->read_line(std::chrono::seconds(10));
    REQUIRE(line.has_value());
    progressing = line->find("\"event\":\"progress\"") != std::string::npos;
  }
  REQUIRE(progressing);
  server->kill(SIGTERM);
  const auto t0 = SteadyClock::now();
  CHECK(server->wait() == 0);
  const double stop_secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  INFO("the server stopped " << stop_secs << " s after SIGTERM");
  CHECK(stop_secs < 10);
  for (auto& s : syncs) s->wait();  // each fails (or finished first): either way, nothing lost

  // Acknowledged means stored: every row a collector marked synced is on
  // the server.
  auto server_db = Database::open(tmp / "server" / "server.db");
  REQUIRE(server_db.is_ok());
  const auto stored = ids(*server_db, "SELECT lower(hex(submission_id)) FROM submissions");
  std::int64_t acked_before = 0;
  for (const auto& d : dirs) {
    auto db = Database::open(d / "collector.db");
    REQUIRE(db.is_ok());
    for (const auto& id :
         ids(*db, "SELECT lower(hex(submission_id)) FROM outbox WHERE state = 'synced'")) {
      INFO("collector " << d.filename().string() << " has " << id << " as synced");
      CHECK(stored.count(id) == 1);
      ++acked_before;
    }
  }
  INFO(acked_before << " acknowledged and " << stored.size() << " stored before the restart");
  CHECK(acked_before > 0);
  CHECK(static_cast<std::int64_t>(stored.size()) < kCollectors * kEach);  // the shutdown did cut in

  // Restart on the same port; each collector finishes with exact counts.
  server = std::make_unique<ChildProcess>(
      std::vector<std::string>{bin_path("sync-server"), "serve", "--data-dir", data, "--listen",
                               url.substr(std::string("ws://").size())});
  REQUIRE(url_of(*server) == url);
  for (const auto& d : dirs) {
    auto c = collector::Collector::open(collector::DataDir{d});
    REQUIRE(c.is_ok());
    const std::int64_t pending = c->status()->counts.pending;
    auto r = c->sync({});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    CHECK(r->sent == pending);
    CHECK(r->accepted + r->duplicate == pending);
    CHECK(r->duplicate <=
          static_cast<std::int64_t>(server::kMaxBatchItems));  // at most the batch in flight
    CHECK(r->pending_after == 0);
    CHECK(c->status()->counts.synced == kEach);
  }
  server->kill(SIGTERM);
  CHECK(server->wait() == 0);
  auto db = Database::open(tmp / "server" / "server.db");
  REQUIRE(db.is_ok());
  CHECK(ids(*db, "SELECT lower(hex(submission_id)) FROM submissions").size() ==
        static_cast<std::size_t>(kCollectors * kEach));
  auto st = db->prepare("SELECT COUNT(*) FROM submissions");
  REQUIRE(*st->step());
  CHECK(st->column_int64(0) == kCollectors * kEach);
  CHECK(*db->integrity_check() == "ok");
}

TEST_CASE("out of file descriptors, the accept loop backs off, then accepts again within a second",
          "[integration][emfile]") {
  TempDir tmp;
  const std::string data = (tmp / "server").string();
  REQUIRE(run_command({bin_path("sync-server"), "init", "--data-dir", data}).exit_code == 0);
  ChildProcess server({bin_path("sync-server"), "serve", "--data-dir", data, "--listen",
                       "127.0.0.1:0", "--threads", "2"});
  const std::string url = url_of(server);
  const unsigned short port = port_of(url);
  auto c = make_collector(tmp / "c", enroll(data, url, "Post"));
  submit_many(c, 2);
  REQUIRE(c.sync({}).is_ok());  // registered; the server's files are all open now

  // Leave the server 8 descriptors to spare, then take them all.
  const std::size_t base = open_fds(server.pid());
  const rlim_t cap = base + 8;
  const rlimit lim{cap, cap};
  REQUIRE(::prlimit(server.pid(), RLIMIT_NOFILE, &lim, nullptr) == 0);
  net::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> flood;
  for (int i = 0; i < 40; ++i) {
    flood.push_back(std::make_unique<tcp::socket>(ioc));
    flood.back()->connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port));  // the kernel's backlog takes it
  }
  for (int i = 0; i < 50 && open_fds(server.pid()) < cap; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(open_fds(server.pid()) >= cap);
  CHECK_FALSE(healthy(port));

  // Exhausted, it must not spin: a busy accept loop burns a whole core.
  const double cpu0 = cpu_seconds(server.pid());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double cpu = cpu_seconds(server.pid()) - cpu0;
  INFO("CPU while out of descriptors: " << cpu << " s in 1 s");
  CHECK(cpu < 0.3);

  flood.clear();
  const auto freed = SteadyClock::now();
  bool back = false;
  while (!back && SteadyClock::now() - freed < std::chrono::seconds(5)) back = healthy(port);
  const double secs = std::chrono::duration<double>(SteadyClock::now() - freed).count();
  INFO("accepting again " << secs << " s after the descriptors were freed");
  REQUIRE(back);
  CHECK(secs < 1.0);

  submit_many(c, 3);
  auto r = c.sync({});
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  CHECK(r->accepted == 3);
  server.kill(SIGTERM);
  CHECK(server.wait() == 0);
}
