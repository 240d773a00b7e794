// The limits of the HTTP kit (equitas/web/): what one listener and one
// session may cost, as the two programs pass them in. Each program keeps its
// own numbers, with their reasons, beside its other limits (the collector's
// web/web_server.hpp, the sync server's limits.hpp); only the kit's own
// constants are here. Beast's defaults are for general web servers (no
// deadlines, 8 MB bodies): every field below is set on purpose.
#pragma once

#include <chrono>
#include <cstddef>

namespace equitas::web {

using namespace std::chrono_literals;

// After accept fails for want of descriptors or memory (EMFILE, ENFILE,
// ENOBUFS, ENOMEM), or for a reason nobody expected: wait this long before
// trying again rather than spin. Connections that arrive meanwhile wait in
// the kernel's backlog.
inline constexpr auto kAcceptBackoff = 100ms;

// What a listener lets in (listener.hpp). Over a cap, a connection is closed
// at accept, before any of its bytes is read. max_connections must be set.
struct ListenerLimits {
  std::size_t max_connections = 0;  // open at once, in all
  // Open at once from one address (an IPv4-mapped IPv6 address counts as
  // the IPv4 one); 0: no cap per address.
  std::size_t max_per_address = 0;
  std::chrono::milliseconds accept_backoff = kAcceptBackoff;
};

// What one request may cost (http_session.hpp). Every field must be set:
// a zero limit lets nothing through, and a zero deadline has passed already.
struct SessionLimits {
  std::size_t header_limit = 0;  // bytes of the request line and headers
  std::size_t body_limit = 0;    // bytes of a body, unless the session raises it for a target
  // From the start of a request (or a kept-alive connection's wait for the
  // next one) to its last header line: a client still sending headers after
  // this holds a connection, it is not loading a page (slowloris).
  std::chrono::milliseconds header_timeout{0};
  // From the start of a request to its last body byte: an absolute deadline,
  // not an idle timer, so a client dripping a byte at a time is cut off too.
  std::chrono::milliseconds request_timeout{0};
  // Writing one response: the longest the peer may go without taking a
  // piece of it (an idle timer, re-armed at each piece), so that a large
  // download over a slow link completes and a stalled one does not hold
  // the connection.
  std::chrono::milliseconds write_timeout{0};
};

}  // namespace equitas::web
