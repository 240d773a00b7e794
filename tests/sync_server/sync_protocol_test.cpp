// The server's session state machine, driven without sockets.
#include "sync_protocol.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace equitas;
using namespace equitas::server;

namespace {

struct Harness {
  ServerKeys keys{SigningKey::generate(), BoxKey::generate()};
  SigningKey device = SigningKey::generate();
  DeviceId device_id = DeviceId::random();
  ManualClock clock{1'800'000'000};
  SyncProtocol protocol{keys, clock};
  ClientHandshake client{keys.public_keys()};
  SecureChannel channel;

  // Runs the handshake up to the point where the server wants a decision.
  ClientAuth authenticate() {
    auto step = protocol.on_message(client.hello());
    auto* reply = std::get_if<SyncProtocol::Reply>(&step);
    REQUIRE(reply != nullptr);
    REQUIRE(reply->messages.size() == 1);
    auto m3 = client.on_server_hello(reply->messages[0], device_id, device, nullptr);
    REQUIRE(m3.is_ok());
    channel = client.take_channel();
    auto step2 = protocol.on_message(*m3);
    auto* need = std::get_if<SyncProtocol::NeedAuth>(&step2);
    REQUIRE(need != nullptr);
    return std::move(need->auth);
  }

  SyncMessage open(const Bytes& m) {
    auto plain = channel.open(m);
    REQUIRE(plain.is_ok());
    auto msg = decode_sync_message(*plain);
    REQUIRE(msg.is_ok());
    return std::move(msg).value();
  }

  void admit() {
    (void)authenticate();
    AuthDecision d;
    d.ok = true;
    d.site = "Post";
    auto reply = protocol.on_auth_decided(d);
    REQUIRE_FALSE(reply.close);
    REQUIRE(std::holds_alternative<Welcome>(open(reply.messages.at(0))));
    REQUIRE(protocol.authenticated());
  }
};

}  // namespace

TEST_CASE("a full session: hello, auth, welcome, push, ack", "[protocol]") {
  Harness h;
  ClientAuth auth = h.authenticate();
  CHECK(auth.device_id == h.device_id);
  CHECK_FALSE(h.protocol.authenticated());
  AuthDecision d;
  d.ok = true;
  d.site = "Land post";
  d.registered_now = true;
  auto welcome_reply = h.protocol.on_auth_decided(d);
  auto welcome = std::get<Welcome>(h.open(welcome_reply.messages.at(0)));
  CHECK(welcome.site == "Land post");
  CHECK(welcome.registered_now);
  CHECK(welcome.server_time == 1'800'000'000);  // the session's clock
  CHECK(welcome.max_batch_items > 0);

  auto step = h.protocol.on_message(h.channel.seal(encode(Push{7, {Bytes{1}, Bytes{2}}, {}})));
  auto* ingest = std::get_if<SyncProtocol::NeedIngest>(&step);
  REQUIRE(ingest != nullptr);
  CHECK(ingest->batch_seq == 7);
  CHECK(ingest->envelopes.size() == 2);
  std::vector<ItemResult> results = {{ItemStatus::kAccepted, {}, {}},
                                     {ItemStatus::kDuplicate, {}, {}}};
  auto ack_reply = h.protocol.on_ingested(7, Status::ok(), results);
  auto ack = std::get<Ack>(h.open(ack_reply.messages.at(0)));
  CHECK(ack.batch_seq == 7);
  CHECK(ack.items.size() == 2);
}

TEST_CASE("a refused device gets the reason, then the connection closes", "[protocol]") {
  Harness h;
  (void)h.authenticate();
  AuthDecision d;
  d.ok = false;
  d.error = SessionError::kRevoked;
  d.message = "device was revoked";
  auto reply = h.protocol.on_auth_decided(d);
  CHECK(reply.close);
  CHECK(reply.close_code == kClosePolicy);
  auto err = std::get<ErrorMsg>(h.open(reply.messages.at(0)));
  CHECK(err.code == SessionError::kRevoked);
  CHECK(err.message == "device was revoked");
  CHECK_FALSE(h.protocol.authenticated());
}

TEST_CASE("a failed commit is reported and nothing is acknowledged", "[protocol]") {
  Harness h;
  h.admit();
  auto step = h.protocol.on_message(h.channel.seal(encode(Push{1, {Bytes{1}}, {}})));
  REQUIRE(std::holds_alternative<SyncProtocol::NeedIngest>(step));
  auto reply = h.protocol.on_ingested(1, Status::io_error("disk full"), {});
  CHECK(reply.close);
  CHECK(reply.close_code == kCloseTryAgainLater);
  auto err = std::get<ErrorMsg>(h.open(reply.messages.at(0)));
  CHECK(err.code == SessionError::kUnavailable);
  CHECK_THAT(err.message, Catch::Contains("could not store this batch; try again later"));
  CHECK_THAT(err.message, !Catch::Contains("disk full"));  // internals stay in the server's log
}

TEST_CASE("a stopping server tells a session between requests what a push would hear",
          "[protocol]") {
  Harness h;
  h.admit();
  auto reply = h.protocol.on_stopping();
  CHECK(reply.close);
  CHECK(reply.close_code == kCloseTryAgainLater);
  auto err = std::get<ErrorMsg>(h.open(reply.messages.at(0)));
  CHECK(err.code == SessionError::kUnavailable);
  CHECK_THAT(err.message, Catch::Contains("try again later"));
  CHECK_FALSE(h.protocol.authenticated());
  // A push already on its way is not taken.
  auto step = h.protocol.on_message(h.channel.seal(encode(Push{1, {Bytes{1}}, {}})));
  CHECK(std::holds_alternative<SyncProtocol::Reply>(step));
}

TEST_CASE("out-of-order and unexpected messages end the session", "[protocol]") {
  SECTION("garbage instead of a hello") {
    Harness h;
    auto step = h.protocol.on_message(Bytes{1, 2, 3});
    auto& r = std::get<SyncProtocol::Reply>(step);
    CHECK(r.close);
    CHECK(r.close_code == kCloseProtocolError);
  }
  SECTION("a second hello instead of the authentication") {
    Harness h;
    (void)h.protocol.on_message(h.client.hello());
    ClientHandshake other(h.keys.public_keys());
    auto step = h.protocol.on_message(other.hello());
    CHECK(std::get<SyncProtocol::Reply>(step).close);
  }
  SECTION("an ack from the client") {
    Harness h;
    h.admit();
    auto step = h.protocol.on_message(h.channel.seal(encode(Ack{1, {}})));
    CHECK(std::get<SyncProtocol::Reply>(step).close);
  }
  SECTION("a message that does not decrypt") {
    Harness h;
    h.admit();
    Bytes forged = h.channel.seal(encode(Push{1, {}, {}}));
    forged[3] ^= 1;
    CHECK(std::get<SyncProtocol::Reply>(h.protocol.on_message(forged)).close);
  }
  SECTION("a push while the previous one is being stored") {
    Harness h;
    h.admit();
    REQUIRE(std::holds_alternative<SyncProtocol::NeedIngest>(
        h.protocol.on_message(h.channel.seal(encode(Push{1, {}, {}})))));
    CHECK(std::get<SyncProtocol::Reply>(
              h.protocol.on_message(h.channel.seal(encode(Push{2, {}, {}}))))
              .close);
  }
}

TEST_CASE("a form definition larger than v1 and v2 collectors read goes only to v3 collectors",
          "[protocol]") {
  const auto publication = [](const std::string& id, std::size_t bytes) {
    FormPublication p;
    p.form_id = id;
    p.version = "1";
    p.definition = std::string(bytes, 'x');
    return p;
  };
  const std::vector<FormPublication> missing = {publication("small", 1000),
                                                publication("large", kMaxFormDefinitionBytesV2 + 1),
                                                publication("also-small", 2000)};
  for (const bool v3 : {false, true}) {
    INFO("subprotocol v3: " << v3);
    Harness h;
    h.protocol.set_large_forms(v3);
    h.admit();
    std::vector<std::string> received;
    // The collector asks again while the server says there is more.
    for (int round = 0; round < 4; ++round) {
      auto step = h.protocol.on_message(h.channel.seal(encode(FormsRequest{})));
      REQUIRE(std::holds_alternative<SyncProtocol::NeedForms>(step));
      std::vector<FormPublication> left;
      for (const auto& p : missing) {
        if (std::find(received.begin(), received.end(), p.form_id) == received.end())
          left.push_back(p);
      }
      auto reply = h.protocol.on_forms(Status::ok(), left);
      auto update = std::get<FormsUpdate>(h.open(reply.messages.at(0)));
      for (const auto& f : update.forms) received.push_back(f.form_id);
      // What a v1 or v2 collector decodes: never more than it can read.
      if (!v3) {
        for (const auto& f : update.forms) CHECK(f.definition.size() <= kMaxFormDefinitionBytesV2);
      }
      if (!update.more) break;
    }
    std::sort(received.begin(), received.end());
    CHECK(received == (v3 ? std::vector<std::string>{"also-small", "large", "small"}
                          : std::vector<std::string>{"also-small", "small"}));
  }
}
