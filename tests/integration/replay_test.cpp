// Replays, reordering and one device's envelope on another device's session,
// over real WebSocket connections, with a bare client that sends exactly the
// bytes a test asks for. Nothing may be stored twice, and nothing forged may
// be stored at all.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "raw_sync_client.hpp"
#include "sealed_envelopes.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

std::int64_t stored_rows(const TestServer& server) {
  auto store = server.open_store();
  auto st = store.db().prepare("SELECT COUNT(*) FROM submissions");
  REQUIRE(st.is_ok());
  REQUIRE(*st->step());
  return st->column_int64(0);
}

collector::Collector registered(TestServer& server, const std::filesystem::path& dir,
                                const std::string& site) {
  auto c = make_collector(dir, server.enroll(site));
  REQUIRE(c.sync({}).is_ok());
  return c;
}

// A session for `c`'s device.
std::unique_ptr<RawSyncClient> session_of(TestServer& server, collector::Collector& c) {
  auto raw = std::make_unique<RawSyncClient>(server.port());
  const auto e = c.enrollment();
  REQUIRE(e.is_ok());
  auto w = raw->authenticate((*e)->server, (*e)->device_id, c.device_key());
  INFO(w.status().to_string());
  REQUIRE(w.is_ok());
  return raw;
}

std::vector<Bytes> responses(collector::Collector& c, int n, int first_serial) {
  std::vector<Bytes> out;
  for (int i = 0; i < n; ++i)
    out.push_back(sealed_response(c, SubmissionId::random(), first_serial + i));
  return out;
}

std::size_t count_status(const Ack& ack, ItemStatus s) {
  return static_cast<std::size_t>(std::count_if(
      ack.items.begin(), ack.items.end(), [s](const ItemResult& r) { return r.status == s; }));
}

// The server answered a bad channel message with Error(Protocol) and then
// closed the WebSocket with 1008.
void check_session_refused(RawSyncClient& raw) {
  auto reply = raw.read_sealed();
  REQUIRE(reply.is_ok());
  const auto* err = std::get_if<ErrorMsg>(&*reply);
  REQUIRE(err != nullptr);
  CHECK(err->code == SessionError::kProtocol);
  CHECK_FALSE(raw.read().is_ok());
  CHECK(raw.close_reason().code == 1008);
}

}  // namespace

TEST_CASE(
    "a batch replayed on the same session and on a new one comes back Duplicate, never a second "
    "row",
    "[integration][replay]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = registered(server, tmp / "c", "Post");
  const auto batch = responses(c, 10, 0);

  auto s1 = session_of(server, c);
  auto first = s1->push(1, batch);
  REQUIRE(first.is_ok());
  CHECK(count_status(*first, ItemStatus::kAccepted) == 10);
  // The same envelopes again, as a new batch of the same session.
  auto again = s1->push(2, batch);
  REQUIRE(again.is_ok());
  CHECK(count_status(*again, ItemStatus::kDuplicate) == 10);
  // The same batch number again (a client that lost count).
  auto same_seq = s1->push(2, batch);
  REQUIRE(same_seq.is_ok());
  CHECK(count_status(*same_seq, ItemStatus::kDuplicate) == 10);
  CHECK(stored_rows(server) == 10);

  // A later session replays them too.
  auto s2 = session_of(server, c);  // displaces s1
  auto later = s2->push(1, batch);
  REQUIRE(later.is_ok());
  CHECK(count_status(*later, ItemStatus::kDuplicate) == 10);
  CHECK(stored_rows(server) == 10);
}

TEST_CASE(
    "a channel message replayed, on its own session or on another, ends that session and stores "
    "nothing",
    "[integration][replay]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto a = registered(server, tmp / "a", "Post A");
  auto b = registered(server, tmp / "b", "Post B");

  auto s1 = session_of(server, a);
  const Bytes sealed = s1->seal(encode(Push{1, responses(a, 5, 0), {}}));
  REQUIRE(s1->write(sealed).is_ok());
  auto ack = s1->read_sealed();
  REQUIRE(ack.is_ok());
  REQUIRE(std::holds_alternative<Ack>(*ack));
  // The very same ciphertext again: the secretstream refuses it.
  REQUIRE(s1->write(sealed).is_ok());
  check_session_refused(*s1);

  // The ciphertext captured from A's session, injected into B's session.
  auto s2 = session_of(server, b);
  REQUIRE(s2->write(sealed).is_ok());
  check_session_refused(*s2);
  CHECK(stored_rows(server) == 5);
}

TEST_CASE(
    "reordered channel messages end the session, and reordered batches and items are stored "
    "exactly once",
    "[integration][replay]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = registered(server, tmp / "c", "Post");
  const auto early = responses(c, 5, 0);
  const auto late = responses(c, 5, 5);

  auto s1 = session_of(server, c);
  const Bytes m1 = s1->seal(encode(Push{1, early, {}}));
  const Bytes m2 = s1->seal(encode(Push{2, late, {}}));
  (void)m1;
  REQUIRE(s1->write(m2).is_ok());  // the second message first
  check_session_refused(*s1);
  CHECK(stored_rows(server) == 0);

  // At the application level order does not matter: batches out of sequence
  // and items in reverse are each stored once.
  auto s2 = session_of(server, c);
  std::vector<Bytes> late_reversed(late.rbegin(), late.rend());
  auto a7 = s2->push(7, late_reversed);
  REQUIRE(a7.is_ok());
  CHECK(a7->batch_seq == 7);
  CHECK(count_status(*a7, ItemStatus::kAccepted) == 5);
  auto a3 = s2->push(3, early);
  REQUIRE(a3.is_ok());
  CHECK(a3->batch_seq == 3);
  CHECK(count_status(*a3, ItemStatus::kAccepted) == 5);
  // A mixed batch: old and new together.
  std::vector<Bytes> mixed{late[0], early[4], sealed_response(c, SubmissionId::random(), 99)};
  auto a4 = s2->push(4, mixed);
  REQUIRE(a4.is_ok());
  CHECK(a4->items[0].status == ItemStatus::kDuplicate);
  CHECK(a4->items[1].status == ItemStatus::kDuplicate);
  CHECK(a4->items[2].status == ItemStatus::kAccepted);
  CHECK(stored_rows(server) == 11);
}

TEST_CASE(
    "one device's submission sent on another device's session is refused unless it is a faithful "
    "relay",
    "[integration][replay]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto a = registered(server, tmp / "a", "Post A");
  auto b = registered(server, tmp / "b", "Post B");
  const DeviceId a_id = (*a.enrollment())->device_id;
  const DeviceId b_id = (*b.enrollment())->device_id;

  const SubmissionId taken = SubmissionId::random();
  auto sa = session_of(server, a);
  auto own = sa->push(1, {sealed_response(a, taken, 1)});
  REQUIRE(own.is_ok());
  REQUIRE(own->items.at(0).status == ItemStatus::kAccepted);

  auto sb = session_of(server, b);
  // B claims A's submission id for an envelope of its own.
  auto shadow = sb->push(1, {sealed_response(b, taken, 2)});
  REQUIRE(shadow.is_ok());
  CHECK(shadow->items.at(0).status == ItemStatus::kRejected);
  CHECK(shadow->items.at(0).reason == RejectReason::kForeignSubmission);
  // B signs an envelope that names A as its device.
  auto forged = sb->push(2, {sealed_response(b, SubmissionId::random(), 3, a_id)});
  REQUIRE(forged.is_ok());
  CHECK(forged->items.at(0).status == ItemStatus::kRejected);
  CHECK(forged->items.at(0).reason == RejectReason::kBadSignature);
  // B takes one of A's envelopes and writes its own device id over A's.
  Bytes relabelled = sealed_response(a, SubmissionId::random(), 4);
  std::copy(b_id.bytes.begin(), b_id.bytes.end(), relabelled.begin() + 1);
  auto stolen = sb->push(3, {relabelled});
  REQUIRE(stolen.is_ok());
  CHECK(stolen->items.at(0).status == ItemStatus::kRejected);
  CHECK(stolen->items.at(0).reason == RejectReason::kBadSignature);
  CHECK(stored_rows(server) == 1);

  // An envelope of A's, unaltered, is a relay (protocol.md, section 9): the
  // server checks A's signature and stores it once, noting B as the carrier;
  // A's own copy then comes back Duplicate.
  const Bytes relayed = sealed_response(a, SubmissionId::random(), 5);
  auto carried = sb->push(4, {relayed});
  REQUIRE(carried.is_ok());
  CHECK(carried->items.at(0).status == ItemStatus::kAccepted);
  auto resent = sa->push(2, {relayed});
  REQUIRE(resent.is_ok());
  CHECK(resent->items.at(0).status == ItemStatus::kDuplicate);
  CHECK(stored_rows(server) == 2);
}
