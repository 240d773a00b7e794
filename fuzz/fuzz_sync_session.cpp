// Fuzz target: the server's sync state machine (SyncProtocol), fed a whole
// sequence of messages, and its message handler after authentication.
//
// Input: a first byte choosing the mode, then messages, each as a 2-byte
// big-endian length and that many bytes.
// - mode even: the messages go to a fresh session as they are, from the
//   first ClientHello on: the handshake parser, the phases, and whatever an
//   unauthenticated peer can reach. When the machine asks for an admission
//   decision, bit 1 of the mode byte says yes or no.
// - mode odd: a real client handshake runs first (fixed keys, fresh
//   nonces), the device is admitted, and each message is sealed on the
//   session's channel before it is fed in: the decoder of every sync message
//   and the handling of Push, FormsRequest and the rest behind a valid
//   channel. Ingest and forms lookups complete at once, as the writer thread
//   would, with every item accepted, or the commit failing when bit 2 of the
//   mode byte is set.
//
// SyncProtocol is not documented to throw: nothing is caught.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <variant>

#include "equitas/crypto/keys.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/util/clock.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "sync_protocol.hpp"

namespace {

using equitas::Bytes;
using equitas::ByteView;
using equitas::server::SyncProtocol;

struct Fixture {
  equitas::ServerKeys server{equitas::SigningKey::generate(), equitas::BoxKey::generate()};
  equitas::SigningKey device_key = equitas::SigningKey::generate();
  equitas::DeviceId device{};
  equitas::ManualClock clock{1'800'000'000};  // the same Welcome for the same input
};

const Fixture& fixture() {
  static const std::unique_ptr<Fixture> f = [] {
    if (!equitas::crypto_startup()) std::abort();
    return std::make_unique<Fixture>();
  }();
  return *f;
}

// Runs one step to completion, answering what the machine asks for. False
// once the machine has closed the session.
bool drive(SyncProtocol& p, SyncProtocol::Step step, std::uint8_t mode) {
  for (;;) {
    if (auto* reply = std::get_if<SyncProtocol::Reply>(&step)) return !reply->close;
    if (auto* auth = std::get_if<SyncProtocol::NeedAuth>(&step)) {
      (void)auth;
      equitas::server::AuthDecision d;
      d.ok = (mode & 2) != 0;
      d.error = equitas::SessionError::kRevoked;
      d.message = "fuzz";
      step = p.on_auth_decided(d);
      continue;
    }
    if (auto* ingest = std::get_if<SyncProtocol::NeedIngest>(&step)) {
      const equitas::Status committed =
          (mode & 4) != 0 ? equitas::Status::io_error("fuzz: disk full") : equitas::Status::ok();
      std::vector<equitas::ItemResult> results(ingest->envelopes.size());
      step = p.on_ingested(ingest->batch_seq, committed, results);
      continue;
    }
    if (std::get_if<SyncProtocol::NeedForms>(&step)) {
      step = p.on_forms(equitas::Status::ok(), {});
      continue;
    }
    if (std::get_if<SyncProtocol::NeedAssessments>(&step)) {
      step = p.on_assessments(equitas::Status::ok(), {R"({"id":"asm-fuzz"})"});
      continue;
    }
    if (std::get_if<SyncProtocol::NeedCodes>(&step)) {
      step = p.on_codes(equitas::Status::ok(), {equitas::Bytes(40, 0x5a)}, (mode & 4) != 0);
      continue;
    }
    return false;
  }
}

// The next length-prefixed message of the input, or false at its end.
bool next_message(ByteView& in, ByteView& msg) {
  if (in.size() < 2) return false;
  const std::size_t n = (static_cast<std::size_t>(in[0]) << 8) | in[1];
  const std::size_t take = std::min(n, in.size() - 2);
  msg = in.subspan(2, take);
  in = in.subspan(2 + take);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Fixture& f = fixture();
  const std::uint8_t mode = data[0];
  ByteView in(data + 1, size - 1);
  SyncProtocol p(f.server, f.clock);
  ByteView msg;

  if ((mode & 1) == 0) {
    while (next_message(in, msg)) {
      if (!drive(p, p.on_message(msg), mode)) return 0;
    }
    return 0;
  }

  // A real handshake first.
  equitas::ClientHandshake client(f.server.public_keys());
  auto step = p.on_message(client.hello());
  auto* hello = std::get_if<SyncProtocol::Reply>(&step);
  if (hello == nullptr || hello->messages.size() != 1) __builtin_trap();
  auto auth = client.on_server_hello(hello->messages.front(), f.device, f.device_key, nullptr);
  if (!auth.is_ok()) __builtin_trap();
  if (!drive(p, p.on_message(*auth), mode | 2)) __builtin_trap();
  if (!p.authenticated()) __builtin_trap();
  equitas::SecureChannel channel = client.take_channel();
  while (next_message(in, msg)) {
    if (!drive(p, p.on_message(channel.seal(msg)), mode)) return 0;
  }
  return 0;
}
