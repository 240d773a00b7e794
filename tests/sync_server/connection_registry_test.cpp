// Address budgets for unauthenticated connections: IPv4 per address, IPv6
// per /64, IPv4-mapped IPv6 as IPv4; eviction when the pool is full; and
// the open-file limit raised at start.
#include "connection_registry.hpp"

#include <sys/resource.h>

#include <catch2/catch.hpp>

#include "server.hpp"

using equitas::server::ConnectionRegistry;
namespace ip = boost::asio::ip;

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
  r.remove_unauthenticated(*t);
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
  r.remove_unauthenticated(*t);
  CHECK(r.try_add_unauthenticated(mapped, 2));
}

TEST_CASE("a full pool evicts the oldest connection of the heaviest address, once each",
          "[server][caps]") {
  ConnectionRegistry r;
  std::vector<std::string> evicted;
  auto add = [&](const char* addr, const std::string& name) {
    auto t = r.try_add_unauthenticated(ip::make_address(addr), 10);
    REQUIRE(t);
    r.set_evictor(*t, [&evicted, name] { evicted.push_back(name); });
    return *t;
  };
  add("198.51.100.1", "collector");
  add("203.0.113.9", "flood-1");
  add("203.0.113.9", "flood-2");
  add("203.0.113.9", "flood-3");
  CHECK(r.evict_one());
  CHECK(r.evict_one());
  REQUIRE(evicted == std::vector<std::string>{"flood-1", "flood-2"});
  // Evicted connections stay counted until their sessions end.
  CHECK(r.unauthenticated_from(ip::make_address("203.0.113.9")) == 3);
  CHECK(r.evict_one());
  // Only the collector is left to evict: the last resort, not the first.
  CHECK(r.evict_one());
  CHECK(evicted.back() == "collector");
  CHECK_FALSE(r.evict_one());
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
