// Every limit the sync server enforces, in one place, each with its reason.
// A limit that is not here is a bug: Beast's defaults are tuned for general
// web servers (16 MB messages, no timeouts), not for a server that faces
// satellite links and the open internet.
#pragma once

#include <chrono>
#include <cstddef>

#include "equitas/wire/sync_messages.hpp"

namespace equitas::server {

using namespace std::chrono_literals;

// The WebSocket subprotocol name of this protocol version.
inline constexpr const char* kSubprotocol = "equitas-sync.v1";

// Largest WebSocket message accepted. One push batch is the largest message a
// client sends; collectors size batches to kMaxBatchBytes, well under this.
// Bigger frames are refused with close code 1009 (message too big).
inline constexpr std::size_t kReadMessageMax = 512 * 1024;
// What the server tells collectors to put in one batch: small enough that a
// batch lost to a dropped link costs little to resend, big enough to amortise
// one commit (fsync) over many submissions.
inline constexpr std::uint32_t kMaxBatchBytes = 256 * 1024;
inline constexpr std::uint32_t kMaxBatchItems = 256;
static_assert(kMaxBatchBytes + 4096 < kReadMessageMax, "a full batch must fit in one message");
static_assert(kMaxBatchItems <= equitas::kMaxBatchItems, "batch item cap exceeds the wire cap");

// Until a session is authenticated, messages are handshake-sized: the
// largest is ClientAuth, under 300 bytes. A stranger cannot make the server
// buffer half a megabyte.
inline constexpr std::size_t kPreAuthMessageMax = 1024;
// Sessions that have not authenticated yet, across all peers. Each costs a
// socket and a little memory. Past this, each new connection makes room by
// evicting the oldest unauthenticated connection of the address (budget)
// holding the most of them (ConnectionRegistry::evict_one): a flood from
// many addresses then churns its own connections, while a collector that
// connects gets its place long enough to authenticate, and a health check
// is answered. Authenticated sessions are never evicted.
inline constexpr std::size_t kMaxUnauthenticated = 4096;
// Jobs waiting for the writer. Past this the server answers "try again
// later" instead of queueing without bound.
inline constexpr std::size_t kMaxQueuedJobs = 4096;

// Form definitions per FormsUpdate message (a collector asks again for the
// rest); keeps each message under the collector's 1 MiB read limit.
inline constexpr std::size_t kMaxFormsUpdateBytes = 800 * 1024;

// An HTTP request (the upgrade, health checks) has no business being large.
inline constexpr std::size_t kHttpHeaderLimit = 8 * 1024;
inline constexpr std::size_t kHttpBodyLimit = 16 * 1024;
// From TCP accept to a complete HTTP request (the WebSocket upgrade
// included). An absolute deadline for the whole request, not an idle
// timer: a client dripping its headers one byte at a time is cut off too.
inline constexpr auto kHttpRequestTimeout = 10s;
// The WebSocket opening handshake.
inline constexpr auto kWebSocketHandshakeTimeout = 10s;
// From the upgrade to a verified ClientAuth. Unauthenticated connections are
// the cheapest to open, so they get the shortest leash.
inline constexpr auto kAuthDeadline = 15s;
// A quiet connection is pinged after half of this and closed after all of it.
// A satellite link can stall for tens of seconds, so not shorter.
inline constexpr auto kIdleTimeout = 60s;
// Writer thread: how many queued jobs one commit may group together.
inline constexpr std::size_t kMaxJobsPerCommit = 64;
// Envelopes of a Push checked as one task before the writer (signature,
// sealed box, form: about 0.1 ms each). Small enough that one collector's
// batch spreads over every I/O thread and a task never holds a thread for
// long; large enough that posting it costs nothing in comparison.
inline constexpr std::size_t kPrepareChunk = 16;
// Total open connections; past this, new ones are closed at accept.
inline constexpr std::size_t kMaxConnections = 20000;
// Unauthenticated connections from one IP address (one IPv6 /64, which a
// single host can fill with addresses at will; ConnectionRegistry::budget_key).
// A border post's phones
// may all sit behind one NAT address and sync together after a link comes
// back, so not tiny; but one host must not take the whole
// kMaxUnauthenticated budget and lock every other post out. Past this, new
// connections from that address are closed at accept.
inline constexpr std::size_t kMaxUnauthenticatedPerIp = 64;
// Live sessions per device: one. A second session for the same device is
// almost always the same collector coming back after its link dropped,
// while the server still holds the old, half-open TCP connection (it would
// only notice at the idle timeout). So the NEW session wins and the old one
// is dropped at once: refusing the new one would lock a post out for a
// minute after every drop. This is safe: whatever the old session had in
// flight either committed (its resend is a Duplicate) or did not (it is
// resent); nothing is acknowledged twice or lost. Two live collectors with
// one key (a copied data folder) keep displacing each other, which shows
// up as failed syncs rather than as silent interleaving.
inline constexpr std::size_t kMaxSessionsPerDevice = 1;
// From the start of a read to the whole WebSocket message. Beast's idle
// timeout only needs *some* byte (or a pong) per period, so a client
// dripping one byte every few seconds would hold a session, its buffers
// and its slot forever; this deadline bounds each message, whatever the
// pace. A collector never idles inside a session (it pushes, reads the ack,
// pushes again, then closes), so the clock running while the server waits
// for the next message costs honest collectors nothing. Sized for a full
// 256 KiB batch over a 32 kbit/s link (about 64 s), with margin.
inline constexpr auto kMessageDeadline = 120s;
// Messages one WebSocket session may hold behind the write in flight. A
// reply is at most two messages, and a session reads the next request only
// once its replies are out, so a peer cannot make this grow by reading
// slowly (TCP holds it back instead); a session whose queue would pass this
// is closed rather than left to grow.
inline constexpr std::size_t kMaxOutboxMessages = 16;
// Server::stop: once every queued job has committed, how long the sessions
// have to write their last replies and close. A collector answers the close
// frame at once; whatever is still open then is cut off.
inline constexpr auto kStopDeadline = 5s;
// After accept fails for lack of file descriptors, wait this long before
// trying again rather than spinning.
inline constexpr auto kAcceptBackoff = 100ms;

// The limits one running server applies, where they are tunable at all:
// always the constants above in production; tests shorten the deadlines so
// that a deadline test takes seconds, not minutes.
struct SessionLimits {
  std::chrono::milliseconds message_deadline = kMessageDeadline;
  std::chrono::milliseconds http_request_timeout = kHttpRequestTimeout;
  std::size_t max_unauthenticated_per_ip = kMaxUnauthenticatedPerIp;
  std::size_t max_unauthenticated = kMaxUnauthenticated;
};

}  // namespace equitas::server
