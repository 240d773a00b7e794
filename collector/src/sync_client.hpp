// The collector's side of a sync session: connect, run the handshake against
// the pinned server key, then push the outbox in bounded batches and record
// each acknowledgement as it arrives. What to send and record at each step
// of the handshake and the pushes is decided by SyncClientProtocol
// (sync_client_protocol.hpp), which has no sockets; the session here moves
// the bytes.
//
// An item leaves "pending" only when the server's ack for it is committed
// here; anything that goes wrong before that (a cut link, a crash, a server
// error) leaves it pending, and the next sync resends the same stored bytes.
#pragma once

#include "collector_app.hpp"

namespace equitas::collector {

// Runs one session. Errors are Statuses a person can act on, e.g.
// "server unreachable: ...; 37 submissions kept, will retry". What it
// records (acknowledgements, forms, files sent, the sync log) is timed by
// `clock`.
Result<SyncReport> run_sync(CollectorStore& store, const SigningKey& key,
                            const Enrollment& enrollment, const SyncOptions& options,
                            const Clock& clock);

// A server URL, ws://HOST[:PORT][/PATH], taken apart. HOST may be an IPv6
// literal in brackets (kept without them); PORT defaults to 80 and PATH to
// /sync. invalid_argument, saying what is wrong, for any other scheme
// (wss:// included: the session layer encrypts), no host, or a port that is
// not a number from 1 to 65535.
struct ParsedUrl {
  std::string host;
  std::string port;
  std::string target;  // "/sync" unless the URL names another path
};
Result<ParsedUrl> parse_ws_url(std::string_view url);

}  // namespace equitas::collector
