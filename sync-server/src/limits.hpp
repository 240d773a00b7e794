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
// socket and a little memory; past this, new connections are closed at once.
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
// From TCP accept to a complete HTTP request.
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
// Total open connections; past this, new ones are closed at accept.
inline constexpr std::size_t kMaxConnections = 20000;
// After accept fails for lack of file descriptors, wait this long before
// trying again rather than spinning.
inline constexpr auto kAcceptBackoff = 100ms;

}  // namespace equitas::server
