// Address budgets for unauthenticated connections: IPv4 per address, IPv6
// per /64, IPv4-mapped IPv6 as IPv4; eviction when the pool is full, which
// never takes an authenticated connection; closing every connection when
// the server stops; each device's live session; and the open-file limit
// raised at start.
#include "connection_registry.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "server.hpp"

using equitas::server::ConnectionRegistry;
namespace ip = boost::asio::ip;

namespace {

// A registry whose connections note, by name, that their evictor ran.
struct Named {
  ConnectionRegistry r;
  std::vector<std::string> closed;
  // An unauthenticated connection from `addr` whose session has started.
  std::uint64_t add(const char* addr, const std::string& name) {
    auto t = r.try_add_unauthenticated(ip::make_address(addr), 10);
    REQUIRE(t);
    r.set_evictor(*t, [this, name] { closed.push_back(name); });
    return *t;
  }
};

}  // namespace

TEST_CASE("two IPv6 addresses in one /64 share a budget: another /64 has its own",
          "[server][caps]") {
  ConnectionRegistry r;
  const auto a = ip::make_address("2001:db8:1:2::1");
  const auto b = ip::make_address("2001:db8:1:2:ffff:eeee:dddd:cccc");
  const auto other = ip::make_address("2001:db8:1:3::1");
  CHECK(ConnectionRegistry::budget_key(a) == ip::make_address("2001:db8:1:2::"));
  CHECK(ConnectionRegistry::budget_key(a) == ConnectionRegistry::budget_key(b));
  REQUIRE(r.try_add_unauthenticated(a, 2));
  REQUIRE(r.try_add_unauthenticated(b, 2));
  CHECK_FALSE(r.try_add_unauthenticated(b, 2));
  CHECK_FALSE(r.try_add_unauthenticated(ip::make_address("2001:db8:1:2::99"), 2));
  CHECK(r.unauthenticated_from(a) == 2);
  auto t = r.try_add_unauthenticated(other, 2);
  REQUIRE(t);
  CHECK(r.unauthenticated_from(other) == 1);
  r.remove(*t);
  CHECK(r.unauthenticated_from(other) == 0);
}

TEST_CASE("IPv4 addresses have a budget each, and IPv4-mapped IPv6 spends the IPv4 one",
          "[server][caps]") {
  ConnectionRegistry r;
  const auto v4 = ip::make_address("192.0.2.7");
  const auto mapped = ip::make_address("::ffff:192.0.2.7");
  CHECK(ConnectionRegistry::budget_key(mapped) == v4);
  CHECK(ConnectionRegistry::budget_key(ip::make_address("192.0.2.8")) ==
        ip::make_address("192.0.2.8"));
  REQUIRE(r.try_add_unauthenticated(v4, 2));
  auto t = r.try_add_unauthenticated(mapped, 2);
  REQUIRE(t);
  CHECK_FALSE(r.try_add_unauthenticated(v4, 2));
  CHECK(r.try_add_unauthenticated(ip::make_address("192.0.2.8"),
                                  2));  // the neighbour is not affected
  r.remove(*t);
  CHECK(r.try_add_unauthenticated(mapped, 2));
}

TEST_CASE("a full pool evicts the oldest connection of the heaviest address, once each",
          "[server][caps]") {
  Named n;
  n.add("198.51.100.1", "collector");
  n.add("203.0.113.9", "flood-1");
  n.add("203.0.113.9", "flood-2");
  n.add("203.0.113.9", "flood-3");
  CHECK(n.r.evict_one());
  CHECK(n.r.evict_one());
  REQUIRE(n.closed == std::vector<std::string>{"flood-1", "flood-2"});
  // Evicted connections stay counted until their sessions end.
  CHECK(n.r.unauthenticated_from(ip::make_address("203.0.113.9")) == 3);
  CHECK(n.r.evict_one());
  // Only the collector is left to evict: the last resort, not the first.
  CHECK(n.r.evict_one());
  CHECK(n.closed.back() == "collector");
  CHECK_FALSE(n.r.evict_one());
}

TEST_CASE("a connection is registered until its session ends, and leaves its budget once admitted",
          "[server][caps]") {
  ConnectionRegistry r;
  const auto peer = ip::make_address("192.0.2.7");
  auto t = r.try_add_unauthenticated(peer, 1);
  REQUIRE(t);
  CHECK(r.size() == 1);
  CHECK(r.unauthenticated_from(peer) == 1);
  CHECK_FALSE(r.try_add_unauthenticated(peer, 1));
  r.mark_authenticated(*t);
  CHECK(r.size() == 1);
  CHECK(r.unauthenticated_from(peer) == 0);
  // Its place in the budget is free for the next connection.
  auto next = r.try_add_unauthenticated(peer, 1);
  REQUIRE(next);
  CHECK(r.size() == 2);
  r.remove(*t);
  r.remove(*next);
  r.remove(*next);  // twice, or unknown: ignored
  r.remove(12345);
  CHECK(r.size() == 0);
  CHECK(r.unauthenticated_from(peer) == 0);
}

TEST_CASE("authenticated connections are never evicted, even the oldest of the busiest address",
          "[server][caps]") {
  Named n;
  // The oldest connections of all, from the address with the most: two
  // collectors behind one NAT address, which authenticated.
  n.r.mark_authenticated(n.add("198.51.100.1", "collector-1"));
  n.r.mark_authenticated(n.add("198.51.100.1", "collector-2"));
  n.add("198.51.100.1", "stranger");
  n.add("203.0.113.9", "flood-1");
  n.add("203.0.113.9", "flood-2");
  while (n.r.evict_one()) {
  }
  CHECK(n.closed == std::vector<std::string>{"flood-1", "flood-2", "stranger"});
  CHECK(n.r.size() == 5);  // each stays registered until its session ends
}

TEST_CASE("close_all closes every connection, lets none in, and the wait ends with the last one",
          "[server][stop]") {
  Named n;
  const std::vector<std::uint64_t> tickets = {
      n.add("192.0.2.7", "unauthenticated"), n.add("192.0.2.7", "authenticated"),
      *n.r.try_add_unauthenticated(ip::make_address("192.0.2.7"), 10)};
  n.r.mark_authenticated(tickets[1]);
  // tickets[2] was accepted, but its session has not said how to close it yet.

  CHECK_FALSE(n.r.closing());
  n.r.close_all();
  CHECK(n.r.closing());
  std::sort(n.closed.begin(), n.closed.end());
  CHECK(n.closed == std::vector<std::string>{"authenticated", "unauthenticated"});
  CHECK_FALSE(n.r.try_add_unauthenticated(ip::make_address("192.0.2.8"), 10));
  // The session that starts now is closed as it registers how.
  n.r.set_evictor(tickets[2], [&n] { n.closed.push_back("starting"); });
  CHECK(n.closed.size() == 3);
  CHECK(n.closed.back() == "starting");

  // Sessions end on their own threads; stop waits for the last one.
  CHECK(n.r.size() == 3);
  CHECK_FALSE(n.r.wait_until_empty(std::chrono::steady_clock::now()));  // a deadline already past
  std::thread sessions([&] {
    for (const std::uint64_t t : tickets) n.r.remove(t);
  });
  CHECK(n.r.wait_until_empty(std::chrono::steady_clock::now() + std::chrono::seconds(60)));
  sessions.join();
  CHECK(n.r.size() == 0);
}

TEST_CASE("a device's live session is its newest, and a displaced one does not erase its successor",
          "[server][caps]") {
  ConnectionRegistry r;
  const equitas::DeviceId device = equitas::DeviceId::random();
  // No session objects here: the registry holds weak pointers, expired ones.
  CHECK(r.admit(device, 1, {}) == nullptr);
  CHECK(r.live_devices() == 1);
  CHECK(r.admit(device, 2, {}) == nullptr);  // the first one has already gone
  r.release(device, 1);                      // the displaced session ends
  CHECK(r.live_devices() == 1);
  r.release(device, 2);
  CHECK(r.live_devices() == 0);
}

TEST_CASE("serve raises the open-file soft limit to the hard limit", "[server][caps]") {
  rlimit before{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
  if (before.rlim_max < 64) {
    WARN("the hard open-file limit is too low to lower the soft one");
    return;
  }
  rlimit lowered = before;
  lowered.rlim_cur = std::min<rlim_t>(before.rlim_max / 2, 1024);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  auto raised = equitas::server::raise_open_file_limit();
  rlimit after{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &after) == 0);
  (void)setrlimit(RLIMIT_NOFILE, &before);
  REQUIRE(raised.is_ok());
  CHECK(*raised == static_cast<std::uint64_t>(before.rlim_max));
  CHECK(after.rlim_cur == before.rlim_max);
}
