// web::Listener on real loopback sockets: its caps refuse at accept and let
// connections in again once others close, and out of descriptors it backs
// off instead of spinning.
#include "equitas/web/listener.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "raw_sync_client.hpp"

namespace asio = boost::asio;
namespace web = equitas::web;
using equitas::test::closed_by_peer;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// A listener on 127.0.0.1:0 whose "sessions" only hold their connection
// (socket and lease) until the test lets one go.
struct Held {
  asio::io_context ioc;
  std::shared_ptr<web::Listener> listener;
  std::mutex mu;
  std::vector<std::pair<tcp::socket, web::ConnectionLease>> open;  // guarded by mu
  std::atomic<int> refused{0};
  std::thread io;

  explicit Held(web::ListenerLimits limits) {
    auto l =
        web::Listener::open(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), limits);
    REQUIRE(l.is_ok());
    listener = *l;
    listener->run(
        [this](tcp::socket socket, web::ConnectionLease lease) {
          std::lock_guard lock(mu);
          open.emplace_back(std::move(socket), std::move(lease));
        },
        [this](const asio::ip::address&) { ++refused; });
    io = std::thread([this] { ioc.run(); });
  }
  ~Held() {
    listener->stop();
    ioc.stop();
    io.join();
  }
  std::size_t count() {
    std::lock_guard lock(mu);
    return open.size();
  }
  // Waits until `n` connections are held; false after `within`.
  bool wait_for(std::size_t n, std::chrono::milliseconds within) {
    const auto deadline = Clock::now() + within;
    while (count() < n) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  // Closes the first held connection from `peer`, as its session ending would.
  void let_go(const std::string& peer) {
    std::lock_guard lock(mu);
    for (auto it = open.begin(); it != open.end(); ++it) {
      if (it->second.peer().to_string() == peer) {
        open.erase(it);
        return;
      }
    }
    FAIL("no connection from " << peer);
  }
  // Connects from `source`: true when the listener closes it at once and
  // counts one more refusal.
  bool refuses(asio::io_context& client, const std::string& source) {
    const int before = refused;
    const auto s = connect_from(client, source);
    return closed_by_peer(*s, 5s) && refused == before + 1;
  }
  std::unique_ptr<tcp::socket> connect_from(asio::io_context& client,
                                            const std::string& source) const {
    auto s = std::make_unique<tcp::socket>(client);
    s->open(tcp::v4());
    s->bind(tcp::endpoint(asio::ip::make_address(source), 0));
    s->connect(listener->local_endpoint());
    return s;
  }
};

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Sets this process's soft RLIMIT_NOFILE for its lifetime.
class FileLimit {
 public:
  // No assertion runs while the limit is down: Catch2's and the sanitizers'
  // runtimes need descriptors of their own (UBSan misreports a vptr check
  // without one). lowered() is checked once restore() has run.
  explicit FileLimit(rlim_t soft) {
    if (getrlimit(RLIMIT_NOFILE, &saved_) != 0) return;
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    lowered_ = setrlimit(RLIMIT_NOFILE, &lowered) == 0;
    restored_ = !lowered_;
  }
  bool lowered() const { return lowered_; }
  ~FileLimit() { restore(); }
  void restore() {
    if (!restored_) setrlimit(RLIMIT_NOFILE, &saved_);
    restored_ = true;
  }

 private:
  rlimit saved_{};
  bool lowered_ = false;
  bool restored_ = false;
};

}  // namespace

TEST_CASE(
    "past its caps the listener closes new connections at accept, and lets them in once others "
    "close",
    "[web][listener][caps]") {
  Held s(web::ListenerLimits{.max_connections = 3, .max_per_address = 2});
  asio::io_context client;
  const auto a1 = s.connect_from(client, "127.0.0.1");
  const auto a2 = s.connect_from(client, "127.0.0.1");
  REQUIRE(s.wait_for(2, 5s));
  // A third from the same address: over its cap, closed before a byte is read.
  CHECK(s.refuses(client, "127.0.0.1"));
  // Another address still gets in, up to the cap on all connections.
  const auto b1 = s.connect_from(client, "127.0.0.2");
  REQUIRE(s.wait_for(3, 5s));
  CHECK(s.refuses(client, "127.0.0.3"));
  CHECK(s.listener->open_connections() == 3);
  // The ones let in were left alone.
  CHECK_FALSE(closed_by_peer(*a1, 50ms));
  CHECK_FALSE(closed_by_peer(*b1, 50ms));

  // One closes: its address and the total have room again, for one.
  s.let_go("127.0.0.1");
  CHECK(s.listener->open_connections() == 2);
  const auto a3 = s.connect_from(client, "127.0.0.1");
  REQUIRE(s.wait_for(3, 5s));
  CHECK(s.refuses(client, "127.0.0.3"));
  CHECK(s.listener->open_connections() == 3);
  CHECK(s.refused == 3);
}

TEST_CASE(
    "out of file descriptors the listener backs off instead of spinning, then takes the waiting "
    "connections",
    "[web][listener][emfile]") {
  Held s(web::ListenerLimits{.max_connections = 64});
  asio::io_context client;
  constexpr std::size_t kWaiting = 5;
  std::vector<std::unique_ptr<tcp::socket>> waiting;
  for (std::size_t i = 0; i < kWaiting; ++i) {
    waiting.push_back(std::make_unique<tcp::socket>(client));
    waiting.back()->open(tcp::v4());  // each client's descriptor, taken before the limit drops
  }
  // A new descriptor takes the lowest free number: with the limit there,
  // accept(2) has none left (EMFILE).
  const int lowest_free = ::dup(0);
  REQUIRE(lowest_free >= 0);
  ::close(lowest_free);
  FileLimit limit(static_cast<rlim_t>(lowest_free));
  for (auto& w : waiting)
    w->connect(s.listener->local_endpoint());  // the kernel's backlog takes them

  const double cpu0 = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double cpu = cpu_seconds() - cpu0;
  const auto accepted_while_out = s.count();
  limit.restore();
  REQUIRE(limit.lowered());
  INFO("CPU while out of descriptors: " << cpu << " s in 1 s");
  CHECK(cpu < 0.3);
  CHECK(accepted_while_out == 0);

  const auto freed = Clock::now();
  REQUIRE(s.wait_for(kWaiting, std::chrono::seconds(5)));
  const double secs = std::chrono::duration<double>(Clock::now() - freed).count();
  INFO("all accepted " << secs << " s after descriptors freed up");
  CHECK(secs < 1.0);
  for (auto& w : waiting) CHECK_FALSE(closed_by_peer(*w, std::chrono::milliseconds(10)));
}

TEST_CASE("a listener that cannot have its address says so", "[web][listener]") {
  asio::io_context ioc;
  auto first = web::Listener::open(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
                                   {.max_connections = 1});
  REQUIRE(first.is_ok());
  // Not SO_REUSEPORT: a second listener on the same port is refused.
  auto second = web::Listener::open(ioc, (*first)->local_endpoint(), {.max_connections = 1});
  REQUIRE_FALSE(second.is_ok());
  CHECK(second.status().code() == equitas::StatusCode::kUnavailable);
  CHECK_THAT(second.status().message(), Catch::Contains("cannot listen on 127.0.0.1:"));
}
