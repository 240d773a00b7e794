// Every single-bit corruption of a whole serialized envelope is rejected,
// crashes nothing and writes nothing: through intake on a real database (as
// the writer runs it, in group transactions that commit), and through the
// running server over a real WebSocket session.
#include <catch2/catch.hpp>

#include "equitas/wire/envelope.hpp"
#include "fixtures.hpp"
#include "form_registry.hpp"
#include "intake.hpp"
#include "raw_sync_client.hpp"
#include "sealed_envelopes.hpp"

using namespace equitas;
using namespace equitas::test;

namespace {

// Rows in every table of the server database: a rejected envelope must not
// change any of them (audit rows and conflict records included).
std::map<std::string, std::int64_t> row_counts(server::ServerStore& store) {
  std::vector<std::string> tables;
  auto list =
      store.db().prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  REQUIRE(list.is_ok());
  while (*list->step()) tables.push_back(list->column_text(0));
  std::map<std::string, std::int64_t> counts;
  for (const auto& t : tables) {
    // Table names come from sqlite_master itself, not from input.
    auto st = store.db().prepare("SELECT COUNT(*) FROM \"" + t + "\"");
    REQUIRE(st.is_ok());
    REQUIRE(*st->step());
    counts[t] = st->column_int64(0);
  }
  return counts;
}

std::vector<Bytes> every_bit_flipped(const Bytes& original) {
  std::vector<Bytes> out;
  out.reserve(original.size() * 8);
  for (std::size_t i = 0; i < original.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes b = original;
      b[i] ^= static_cast<std::uint8_t>(1u << bit);
      out.push_back(std::move(b));
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "every bit flip of a whole envelope is rejected, through intake and over the socket, writing "
    "nothing",
    "[integration][bitflip]") {
  TempDir tmp;
  TestServer server(tmp / "server");
  server.start();
  auto c = make_collector(tmp / "c", server.enroll("Post"));
  submit_many(c, 3);
  REQUIRE(c.sync({}).is_ok());  // registered, with a few rows stored
  const Bytes original = sealed_response(c, SubmissionId::random(), 7);
  const auto flipped = every_bit_flipped(original);
  INFO("envelope of " << original.size() << " bytes, " << flipped.size() << " flips");

  SECTION("over a WebSocket session to the running server") {
    const auto before = [&] {
      auto store = server.open_store();
      return row_counts(store);
    }();
    RawSyncClient raw(server.port());
    const auto e = c.enrollment();
    REQUIRE(raw.authenticate((*e)->server, (*e)->device_id, c.device_key()).is_ok());
    std::uint64_t seq = 0;
    std::size_t rejected = 0;
    for (std::size_t i = 0; i < flipped.size(); i += server::kMaxBatchItems) {
      const std::size_t end = std::min(flipped.size(), i + server::kMaxBatchItems);
      auto ack =
          raw.push(++seq, std::vector<Bytes>(flipped.begin() + static_cast<std::ptrdiff_t>(i),
                                             flipped.begin() + static_cast<std::ptrdiff_t>(end)));
      INFO("batch " << seq << ": " << ack.status().to_string());
      REQUIRE(ack.is_ok());
      REQUIRE(ack->items.size() == end - i);
      for (std::size_t k = 0; k < ack->items.size(); ++k) {
        INFO("flip " << i + k << ": bit " << (i + k) % 8 << " of byte " << (i + k) / 8);
        CHECK(ack->items[k].status == ItemStatus::kRejected);
        rejected += ack->items[k].status == ItemStatus::kRejected;
      }
    }
    CHECK(rejected == flipped.size());
    {
      auto store = server.open_store();
      CHECK(row_counts(store) == before);
    }
    // The same session still works, and the original is taken.
    auto ok = raw.push(++seq, {original});
    REQUIRE(ok.is_ok());
    CHECK(ok->items.at(0).status == ItemStatus::kAccepted);
  }

  SECTION("through intake on the server's database, committed as the writer would") {
    server.stop();
    auto store = server.open_store();
    auto keys = load_server_keys(server.dir().keys(), nullptr);
    REQUIRE(keys.is_ok());
    auto forms = server::FormRegistry::load(store);
    REQUIRE(forms.is_ok());
    const auto before = row_counts(store);
    const DeviceId device = (*c.enrollment())->device_id;
    std::map<RejectReason, std::size_t> reasons;
    for (std::size_t i = 0; i < flipped.size(); i += server::kMaxBatchItems) {
      const std::size_t end = std::min(flipped.size(), i + server::kMaxBatchItems);
      Transaction tx(store.db());
      REQUIRE(tx.status().is_ok());
      auto results = server::ingest_batch(
          store, *keys, **forms,
          std::vector<Bytes>(flipped.begin() + static_cast<std::ptrdiff_t>(i),
                             flipped.begin() + static_cast<std::ptrdiff_t>(end)),
          device, unix_now());
      REQUIRE(results.is_ok());
      for (std::size_t k = 0; k < results->size(); ++k) {
        INFO("flip " << i + k);
        CHECK((*results)[k].status == ItemStatus::kRejected);
        ++reasons[(*results)[k].reason];
      }
      REQUIRE(tx.commit().is_ok());
      CHECK(row_counts(store) == before);
    }
    // Every flip lands on some check: structure, device, or signature.
    std::size_t total = 0;
    for (const auto& [reason, n] : reasons) total += n;
    CHECK(total == flipped.size());
    CHECK(reasons[RejectReason::kBadSignature] > 0);
    CHECK(reasons[RejectReason::kMalformed] > 0);
    CHECK(*store.db().integrity_check() == "ok");

    // And the untouched envelope goes in.
    Transaction tx(store.db());
    auto good = server::ingest_batch(store, *keys, **forms, {original}, device, unix_now());
    REQUIRE(good.is_ok());
    CHECK(good->at(0).status == ItemStatus::kAccepted);
    REQUIRE(tx.commit().is_ok());
  }
}
