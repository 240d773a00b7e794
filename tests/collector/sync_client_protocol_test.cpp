// The collector's session state machine (sync_client_protocol.hpp), driven
// without sockets or a store: the server's side is the shared handshake and
// channel, fed by hand, and the outbox is a vector.
#include "sync_client_protocol.hpp"

#include <catch2/catch.hpp>

using namespace equitas;
using namespace equitas::collector;

namespace {

using Protocol = SyncClientProtocol;

// The server's end of the link: its handshake and channel, and whatever a
// test makes it answer.
struct FakeServer {
  ServerKeys keys{SigningKey::generate(), BoxKey::generate()};
  std::optional<ServerHandshake> handshake;
  SecureChannel channel;

  // A new connection: a fresh handshake, as a server gives each session.
  void reconnect() { handshake.emplace(keys); }
  Bytes server_hello(const Bytes& client_hello) {
    reconnect();
    auto reply = handshake->on_client_hello(client_hello);
    REQUIRE(reply.is_ok());
    return std::move(reply).value();
  }
  ClientAuth client_auth(const Bytes& msg) {
    auto auth = handshake->on_client_auth(msg);
    REQUIRE(auth.is_ok());
    channel = handshake->take_channel();
    return std::move(auth).value();
  }
  template <typename Message>
  Bytes seal(const Message& m) {
    return channel.seal(encode(m));
  }
  SyncMessage open(const Bytes& msg) {
    auto plain = channel.open(msg);
    REQUIRE(plain.is_ok());
    auto decoded = decode_sync_message(*plain);
    REQUIRE(decoded.is_ok());
    return std::move(decoded).value();
  }
  Bytes welcome(std::uint32_t max_items, bool registered_now = false) {
    Welcome w;
    w.registered_now = registered_now;
    w.site = "Kano-Border";
    w.max_batch_items = max_items;
    w.max_batch_bytes = 256 * 1024;
    return seal(w);
  }
  // Acknowledges a Push: every item with `status`.
  Bytes ack(const Push& push, ItemStatus status = ItemStatus::kAccepted) {
    Ack a;
    a.batch_seq = push.batch_seq;
    a.items.assign(push.envelopes.size(), ItemResult{status, {}, {}});
    return seal(a);
  }
};

// A collector enrolled with `server`: its device key and what it pinned.
struct Device {
  SigningKey key = SigningKey::generate();
  Enrollment enrollment;
  SecretBytes<kEnrollSecretBytes> secret;
  explicit Device(const FakeServer& server, bool registered = true) {
    enrollment.url = "ws://127.0.0.1:8443";
    enrollment.server = server.keys.public_keys();
    enrollment.device_id = DeviceId::random();
    enrollment.registered = registered;
    for (std::size_t i = 0; i < secret.size(); ++i) secret.data()[i] = static_cast<std::uint8_t>(i);
  }
};

// The one message a step says to send.
Bytes sent(const Protocol::Step& step) {
  const auto* send = std::get_if<Protocol::Send>(&step);
  REQUIRE(send != nullptr);
  REQUIRE(send->messages.size() == 1);
  return send->messages.front();
}

Status failure(const Protocol::Step& step) {
  const auto* failed = std::get_if<Protocol::Failed>(&step);
  REQUIRE(failed != nullptr);
  return failed->status;
}

// Hello, ServerHello, ClientAuth (with the secret when the device is not
// registered): up to the Welcome. Returns what the server learnt.
ClientAuth authenticate(Protocol& protocol, FakeServer& server, Device& device) {
  const Bytes hello = sent(protocol.start());
  auto step = protocol.on_message(server.server_hello(hello));
  if (!device.enrollment.registered) {
    REQUIRE(std::holds_alternative<Protocol::NeedSecret>(step));
    step = protocol.on_secret(&device.secret);
  }
  return server.client_auth(sent(step));
}

void admit(Protocol& protocol, FakeServer& server, Device& device, std::uint32_t max_items = 256) {
  (void)authenticate(protocol, server, device);
  auto step = protocol.on_message(server.welcome(max_items));
  REQUIRE(std::holds_alternative<Protocol::Welcomed>(step));
}

// The outbox: envelopes pending until an Ack for them is recorded.
struct Outbox {
  std::vector<Bytes> pending;
  std::vector<ItemResult> recorded;
  explicit Outbox(int n) {
    for (int i = 0; i < n; ++i) pending.push_back(Bytes(40, static_cast<std::uint8_t>(i + 1)));
  }
  std::vector<Bytes> next(std::size_t max) const {
    return {pending.begin(),
            pending.begin() + static_cast<std::ptrdiff_t>(std::min(max, pending.size()))};
  }
  // What Session::apply_ack does, in one go.
  void record(const Protocol::Acked& ack) {
    pending.erase(pending.begin(),
                  pending.begin() + static_cast<std::ptrdiff_t>(ack.results.size()));
    recorded.insert(recorded.end(), ack.results.begin(), ack.results.end());
  }
};

}  // namespace

TEST_CASE("client protocol: the handshake proves both sides and the Welcome sets the batch limits",
          "[sync][client-protocol]") {
  FakeServer server;
  Device device(server, /*registered=*/false);
  Protocol protocol(device.enrollment, device.key, 0);
  ClientAuth auth = authenticate(protocol, server, device);
  CHECK(auth.device_id == device.enrollment.device_id);
  CHECK(auth.device_key == device.key.public_key());
  REQUIRE(auth.enroll_secret.has_value());
  CHECK(auth.enroll_secret->equals(device.secret.span()));

  auto step = protocol.on_message(server.welcome(/*max_items=*/100, /*registered_now=*/true));
  const auto* welcomed = std::get_if<Protocol::Welcomed>(&step);
  REQUIRE(welcomed != nullptr);
  CHECK(welcomed->record_registration);
  CHECK(welcomed->registered_now);
  CHECK(protocol.max_batch_items() == 100);
  CHECK(protocol.max_batch_bytes() == 256 * 1024);
}

TEST_CASE("client protocol: a registered collector sends no secret", "[sync][client-protocol]") {
  FakeServer server;
  Device device(server, /*registered=*/true);
  Protocol protocol(device.enrollment, device.key, 0);
  ClientAuth auth = authenticate(protocol, server, device);  // no NeedSecret on the way
  CHECK_FALSE(auth.enroll_secret.has_value());
  auto step = protocol.on_message(server.welcome(256));
  REQUIRE(std::holds_alternative<Protocol::Welcomed>(step));
  CHECK_FALSE(std::get<Protocol::Welcomed>(step).record_registration);
}

TEST_CASE("client protocol: the collector's batch setting and caps bound what the server allows",
          "[sync][client-protocol]") {
  FakeServer server;
  Device device(server);
  SECTION("the setting is lower") {
    Protocol protocol(device.enrollment, device.key, 3);
    admit(protocol, server, device, 100);
    CHECK(protocol.max_batch_items() == 3);
  }
  SECTION("the server allows more than the collector's cap") {
    Protocol protocol(device.enrollment, device.key, 0);
    admit(protocol, server, device, 5000);
    CHECK(protocol.max_batch_items() == kClientMaxBatchItems);
  }
  SECTION("a server that advertises 0 still gets one item at a time") {
    Protocol protocol(device.enrollment, device.key, 0);
    admit(protocol, server, device, 0);
    CHECK(protocol.max_batch_items() == 1);
  }
}

TEST_CASE(
    "client protocol: N submissions go in numbered batches, each acknowledged before the next",
    "[sync][client-protocol]") {
  FakeServer server;
  Device device(server);
  Protocol protocol(device.enrollment, device.key, 0);
  admit(protocol, server, device, /*max_items=*/2);
  Outbox outbox(5);
  const std::vector<Bytes> all = outbox.pending;

  std::vector<Bytes> received;
  std::uint64_t expected_seq = 0;
  for (;;) {
    auto step = protocol.push(outbox.next(protocol.max_batch_items()), {});
    if (std::holds_alternative<Protocol::Done>(step)) break;
    auto push = std::get<Push>(server.open(sent(step)));
    CHECK(push.batch_seq == ++expected_seq);
    CHECK(push.envelopes.size() <= 2);
    CHECK(push.registrations.empty());
    received.insert(received.end(), push.envelopes.begin(), push.envelopes.end());

    auto acked = protocol.on_message(server.ack(push));
    const auto* ack = std::get_if<Protocol::Acked>(&acked);
    REQUIRE(ack != nullptr);
    CHECK(ack->batch_seq == push.batch_seq);
    CHECK(ack->results.size() == push.envelopes.size());
    CHECK_FALSE(ack->registrations_delivered);
    outbox.record(*ack);
  }
  CHECK(expected_seq == 3);  // 2 + 2 + 1
  CHECK(received == all);
  CHECK(outbox.pending.empty());
  CHECK(outbox.recorded.size() == 5);
  CHECK_FALSE(protocol.failed());
}

TEST_CASE("client protocol: relayed registrations go with the first push only",
          "[sync][client-protocol]") {
  FakeServer server;
  Device device(server);
  Protocol protocol(device.enrollment, device.key, 0);
  admit(protocol, server, device, 1);
  const std::vector<Bytes> registrations = {Bytes(200, 7)};

  SECTION("with the first batch of envelopes") {
    auto push = std::get<Push>(server.open(sent(protocol.push({Bytes(40, 1)}, registrations))));
    CHECK(push.registrations == registrations);
    auto ack = protocol.on_message(server.ack(push));
    CHECK(std::get<Protocol::Acked>(ack).registrations_delivered);

    // Offered again, they stay behind: the server has decided on them.
    auto second = std::get<Push>(server.open(sent(protocol.push({Bytes(40, 2)}, registrations))));
    CHECK(second.batch_seq == 2);
    CHECK(second.registrations.empty());
    auto ack2 = protocol.on_message(server.ack(second));
    CHECK_FALSE(std::get<Protocol::Acked>(ack2).registrations_delivered);
  }
  SECTION("alone, when no envelope is pending") {
    auto push = std::get<Push>(server.open(sent(protocol.push({}, registrations))));
    CHECK(push.envelopes.empty());
    CHECK(push.registrations == registrations);
    auto ack = protocol.on_message(server.ack(push));
    CHECK(std::get<Protocol::Acked>(ack).registrations_delivered);
    CHECK(std::holds_alternative<Protocol::Done>(protocol.push({}, registrations)));
  }
}

TEST_CASE("client protocol: the server's refusal ends the session with its reason",
          "[sync][client-protocol]") {
  FakeServer server;
  Device device(server);
  Protocol protocol(device.enrollment, device.key, 0);

  SECTION("instead of the Welcome") {
    (void)authenticate(protocol, server, device);
    const Status s = failure(protocol.on_message(
        server.seal(ErrorMsg{SessionError::kRevoked, "device was revoked on 2026-01-02"})));
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("revoked") && Catch::Contains("2026-01-02"));
  }
  SECTION("instead of an Ack: nothing of the batch is recorded") {
    admit(protocol, server, device);
    Outbox outbox(3);
    (void)sent(protocol.push(outbox.next(protocol.max_batch_items()), {}));
    const Status s = failure(protocol.on_message(
        server.seal(ErrorMsg{SessionError::kUnavailable, "the server is busy; try again later"})));
    CHECK(s.code() == StatusCode::kUnavailable);
    CHECK_THAT(s.message(), Catch::Contains("try again later"));
    CHECK(outbox.pending.size() == 3);
  }
  CHECK(protocol.failed());
  // And nothing more goes out.
  CHECK(std::holds_alternative<Protocol::Failed>(protocol.push({Bytes(40, 1)}, {})));
}

TEST_CASE(
    "client protocol: a link cut mid-push resends the unacknowledged batch in the next session",
    "[sync][client-protocol]") {
  FakeServer server;
  Device device(server);
  Outbox outbox(5);
  std::vector<Bytes> stored;  // what the server committed
  {
    Protocol first(device.enrollment, device.key, 0);
    admit(first, server, device, /*max_items=*/2);
    auto push1 =
        std::get<Push>(server.open(sent(first.push(outbox.next(first.max_batch_items()), {}))));
    stored.insert(stored.end(), push1.envelopes.begin(), push1.envelopes.end());
    outbox.record(std::get<Protocol::Acked>(first.on_message(server.ack(push1))));
    // Batch 2 reaches the server and is committed, but the link is cut
    // before its Ack arrives: the session ends with the batch unrecorded.
    auto push2 =
        std::get<Push>(server.open(sent(first.push(outbox.next(first.max_batch_items()), {}))));
    CHECK(push2.batch_seq == 2);
    stored.insert(stored.end(), push2.envelopes.begin(), push2.envelopes.end());
  }
  REQUIRE(outbox.pending.size() == 3);

  Protocol second(device.enrollment, device.key, 0);
  admit(second, server, device, 2);
  auto resent =
      std::get<Push>(server.open(sent(second.push(outbox.next(second.max_batch_items()), {}))));
  CHECK(resent.batch_seq == 1);  // numbered anew in each session
  // The same stored bytes: the server knows them and says Duplicate.
  CHECK(resent.envelopes == std::vector<Bytes>(stored.begin() + 2, stored.end()));
  auto acked = second.on_message(server.ack(resent, ItemStatus::kDuplicate));
  outbox.record(std::get<Protocol::Acked>(acked));
  auto last =
      std::get<Push>(server.open(sent(second.push(outbox.next(second.max_batch_items()), {}))));
  CHECK(last.batch_seq == 2);
  outbox.record(std::get<Protocol::Acked>(second.on_message(server.ack(last))));
  CHECK(std::holds_alternative<Protocol::Done>(second.push(outbox.next(2), {})));

  CHECK(outbox.pending.empty());
  REQUIRE(outbox.recorded.size() == 5);
  CHECK(outbox.recorded[2].status == ItemStatus::kDuplicate);
  CHECK(outbox.recorded[3].status == ItemStatus::kDuplicate);
  CHECK(outbox.recorded[4].status == ItemStatus::kAccepted);
}

TEST_CASE("client protocol: malformed or unexpected messages end the session with a clear error",
          "[sync][client-protocol]") {
  FakeServer server;
  Device device(server);
  Protocol protocol(device.enrollment, device.key, 0);

  SECTION("garbage instead of the ServerHello") {
    (void)sent(protocol.start());
    const Status s = failure(protocol.on_message(Bytes{2, 3, 4}));
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains("handshake reply is malformed"));
  }
  SECTION("a ServerHello signed by another server") {
    FakeServer impostor;
    const Bytes hello = sent(protocol.start());
    const Status s = failure(protocol.on_message(impostor.server_hello(hello)));
    CHECK(s.code() == StatusCode::kUnauthenticated);
    CHECK_THAT(s.message(), Catch::Contains("pinned at enrollment"));
  }
  SECTION("an Ack instead of the Welcome") {
    (void)authenticate(protocol, server, device);
    const Status s = failure(protocol.on_message(server.seal(Ack{1, {}})));
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK(s.message() == "the server did not send a welcome");
  }
  SECTION("bytes that were not sealed on this channel") {
    (void)authenticate(protocol, server, device);
    const Status s = failure(protocol.on_message(encode(Welcome{})));
    CHECK(s.code() == StatusCode::kCorruption);
  }
  SECTION("a sealed message that does not decode") {
    admit(protocol, server, device);
    (void)sent(protocol.push({Bytes(40, 1)}, {}));
    const Status s = failure(protocol.on_message(server.channel.seal(Bytes{0x7f, 0x00})));
    CHECK_FALSE(s.is_ok());
    CHECK_FALSE(s.message().empty());
  }
  SECTION("a reply that is not an Ack") {
    admit(protocol, server, device);
    (void)sent(protocol.push({Bytes(40, 1)}, {}));
    const Status s = failure(protocol.on_message(server.seal(FormsUpdate{})));
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK(s.message() == "the server's reply does not acknowledge batch 1");
  }
  SECTION("an Ack of another batch") {
    admit(protocol, server, device);
    (void)sent(protocol.push({Bytes(40, 1)}, {}));
    Ack stale{7, {ItemResult{}}};
    const Status s = failure(protocol.on_message(server.seal(stale)));
    CHECK(s.message() == "the server's reply does not acknowledge batch 1");
  }
  SECTION("an Ack with fewer results than the batch had items") {
    admit(protocol, server, device);
    (void)sent(protocol.push({Bytes(40, 1), Bytes(40, 2)}, {}));
    Ack short_ack{1, {ItemResult{}}};
    const Status s = failure(protocol.on_message(server.seal(short_ack)));
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK(s.message() == "the server acknowledged 1 items of a batch of 2");
  }
  SECTION("a message before the session asked for one") {
    const Status s = failure(protocol.on_message(Bytes{1}));
    CHECK(s.code() == StatusCode::kInternal);
  }
  SECTION("a push before the Welcome") {
    (void)authenticate(protocol, server, device);
    const Status s = failure(protocol.push({Bytes(40, 1)}, {}));
    CHECK(s.code() == StatusCode::kInternal);
  }
  CHECK(protocol.failed());
  // A failed session stays failed.
  CHECK(std::holds_alternative<Protocol::Failed>(protocol.on_message(Bytes{1})));
}

TEST_CASE("client protocol: replies to the session's other requests come back as they are",
          "[sync][client-protocol]") {
  FakeServer server;
  Device device(server);
  Protocol protocol(device.enrollment, device.key, 0);
  (void)authenticate(protocol, server, device);
  // A request sealed before the Welcome reaches the server after the
  // ClientAuth, in order.
  const Bytes request = protocol.seal(FormsRequest{});
  REQUIRE(std::holds_alternative<Protocol::Welcomed>(protocol.on_message(server.welcome(256))));
  CHECK(std::holds_alternative<FormsRequest>(server.open(request)));

  FormsUpdate update;
  update.more = true;
  auto step = protocol.on_message(server.seal(update));
  const auto* received = std::get_if<Protocol::Received>(&step);
  REQUIRE(received != nullptr);
  REQUIRE(std::holds_alternative<FormsUpdate>(received->message));
  CHECK(std::get<FormsUpdate>(received->message).more);

  // An Error is handed back too: what it means depends on the request.
  auto err = protocol.on_message(server.seal(ErrorMsg{SessionError::kProtocol, "unknown message"}));
  REQUIRE(std::holds_alternative<Protocol::Received>(err));
  CHECK(std::holds_alternative<ErrorMsg>(std::get<Protocol::Received>(err).message));
  CHECK(refusal_status(ErrorMsg{SessionError::kProtocol, "x"}).code() == StatusCode::kInternal);
}
