#include "equitas/wire/sync_messages.hpp"

#include <catch2/catch.hpp>

#include "equitas/wire/registration.hpp"

using namespace equitas;

TEST_CASE("sync messages round-trip", "[messages]") {
  Push push{42, {Bytes{1, 2, 3}, Bytes{}, Bytes(1000, 7)}, {}};
  auto p = decode_sync_message(encode(push));
  REQUIRE(p.is_ok());
  const auto& got = std::get<Push>(*p);
  CHECK(got.batch_seq == 42);
  CHECK(got.envelopes == push.envelopes);
  CHECK(got.registrations.empty());
  // Without registrations a push is byte for byte what older servers read.
  CHECK(encode(push) == encode(Push{42, push.envelopes, {}}));
  Push relaying{43, {Bytes{9}}, {Bytes(300, 1), Bytes(200, 2)}};
  auto r = decode_sync_message(encode(relaying));
  REQUIRE(r.is_ok());
  CHECK(std::get<Push>(*r).registrations == relaying.registrations);
  // An empty list is never sent, so it is not accepted either; nor an oversized document.
  Bytes empty_list = encode(Push{44, {}, {}});
  empty_list.push_back(0);
  CHECK_FALSE(decode_sync_message(empty_list).is_ok());
  CHECK_FALSE(
      decode_sync_message(encode(Push{45, {}, {Bytes(kMaxRegistrationBytes + 1, 3)}})).is_ok());

  Ack ack{42,
          {{ItemStatus::kAccepted, {}, {}},
           {ItemStatus::kDuplicate, {}, {}},
           {ItemStatus::kConflict, {}, {}},
           {ItemStatus::kRejected, RejectReason::kBadSignature, "signature does not verify"}}};
  auto a = decode_sync_message(encode(ack));
  REQUIRE(a.is_ok());
  const auto& ga = std::get<Ack>(*a);
  REQUIRE(ga.items.size() == 4);
  CHECK(ga.items[1].status == ItemStatus::kDuplicate);
  CHECK(ga.items[3].reason == RejectReason::kBadSignature);
  CHECK(ga.items[3].detail == "signature does not verify");

  Welcome w{true, 1'800'000'000, "Airport", 256, 262144};
  auto wd = decode_sync_message(encode(w));
  REQUIRE(wd.is_ok());
  CHECK(std::get<Welcome>(*wd).site == "Airport");
  CHECK(std::get<Welcome>(*wd).registered_now);

  auto e = decode_sync_message(encode(ErrorMsg{SessionError::kRevoked, "device revoked"}));
  REQUIRE(e.is_ok());
  CHECK(std::get<ErrorMsg>(*e).code == SessionError::kRevoked);
}

TEST_CASE("an ack costs about one byte per accepted item", "[messages]") {
  Ack ack;
  ack.batch_seq = 3;
  ack.items.resize(256);
  CHECK(encode(ack).size() <= 256 + 4);
}

TEST_CASE("malformed sync messages are refused", "[messages]") {
  CHECK_FALSE(decode_sync_message(Bytes{}).is_ok());
  CHECK_FALSE(decode_sync_message(Bytes{0x7f}).is_ok());
  Bytes push = encode(Push{1, {Bytes{1, 2, 3}}, {}});
  for (std::size_t n = 1; n < push.size(); ++n) {
    CHECK_FALSE(decode_sync_message(ByteView(push).subspan(0, n)).is_ok());
  }
  push.push_back(0);
  CHECK_FALSE(decode_sync_message(push).is_ok());
  // A count above the batch cap is refused before anything is allocated.
  ByteWriter w;
  w.u8(kMsgPush);
  w.varint(1);
  w.varint(kMaxBatchItems + 1);
  CHECK_FALSE(decode_sync_message(w.bytes()).is_ok());
  // Unknown item status in an ack.
  CHECK_FALSE(decode_sync_message(Bytes{kMsgAck, 1, 1, 9}).is_ok());
}

TEST_CASE("assessment messages round-trip, and a malformed one is refused", "[messages]") {
  AssessmentsRequest req{{{"asm-0a1b2c3d4e", 7}, {"asm-ffeeddccbb", 0}}};
  auto r = decode_sync_message(encode(req));
  REQUIRE(r.is_ok());
  CHECK(std::get<AssessmentsRequest>(*r).known == req.known);
  AssessmentsUpdate up{{R"({"id":"asm-0a1b2c3d4e"})", "{}"}, true};
  auto u = decode_sync_message(encode(up));
  REQUIRE(u.is_ok());
  CHECK(std::get<AssessmentsUpdate>(*u).assessments == up.assessments);
  CHECK(std::get<AssessmentsUpdate>(*u).more);
  Bytes bad = encode(up);
  bad[1] = 2;  // more is 0 or 1
  CHECK_FALSE(decode_sync_message(bad).is_ok());
  Bytes trailing = encode(req);
  trailing.push_back(0);
  CHECK_FALSE(decode_sync_message(trailing).is_ok());
  CHECK_FALSE(decode_sync_message(encode(AssessmentsRequest{{{std::string(65, 'a'), 1}}})).is_ok());
}
