#include "fault_workloads.hpp"

#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "form_registry.hpp"
#include "intake.hpp"
#include "sealed_envelopes.hpp"

namespace equitas::test {

namespace fs = std::filesystem;

void copy_dir(const fs::path& from, const fs::path& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

namespace {

std::int64_t count_rows(Database& db, const std::string& sql, ByteView id) {
  auto st = db.prepare(sql);
  REQUIRE(st.is_ok());
  st->bind(1, id);
  auto row = st->step();
  REQUIRE(row.is_ok());
  REQUIRE(*row);
  return st->column_int64(0);
}

}  // namespace

CollectorTemplate::CollectorTemplate() {
  TestServer server(tmp / "server");
  const std::string code = server.enroll("Fault post", "ws://127.0.0.1:9");
  dir = tmp / "collector-template";
  auto c = make_collector(dir, code);
}

Outcome collector_workload(const fs::path& dir, bool stop_at_first_error) {
  Outcome o;
  auto c = collector::Collector::open(collector::DataDir{dir});
  if (!c.is_ok()) return o;
  for (int i = 0; i < kSubmissions; ++i) {
    ++o.attempts;
    std::string answers =
        R"({"consent_ack":true,"dem_sex":"female","eng_proud":"4","comment":"fault )" +
        std::to_string(i) + R"("})";
    auto id = c->submit("staff-climate", "", answers);
    if (id.is_ok()) {
      o.acked.push_back(*id);
    } else if (stop_at_first_error) {
      break;
    }
  }
  return o;
}

void check_collector(const fs::path& dir, const Outcome& o, bool failures_may_persist) {
  auto db = Database::open(dir / "collector.db");
  REQUIRE(db.is_ok());
  auto check = db->integrity_check();
  REQUIRE(check.is_ok());
  CHECK(*check == "ok");
  for (const auto& id : o.acked) {
    CHECK(count_rows(*db, "SELECT count(*) FROM outbox WHERE submission_id = ?",
                     ByteView(id.bytes)) == 1);
  }
  auto total = db->prepare("SELECT count(*) FROM outbox");
  REQUIRE(total.is_ok());
  REQUIRE(*total->step());
  const std::int64_t rows = total->column_int64(0);
  CHECK(rows >= static_cast<std::int64_t>(o.acked.size()));
  if (!failures_may_persist) {
    CHECK(rows == static_cast<std::int64_t>(o.acked.size()));  // a failed commit left nothing
  } else {
    CHECK(rows <= o.attempts);
  }
}

ServerTemplate::ServerTemplate() {
  dir = tmp / "server-template";
  TestServer server(dir);
  server.start();
  auto c = make_collector(tmp / "collector", server.enroll("Fault post"));
  submit_many(c, 1);
  auto r = c.sync({});  // registers the device
  REQUIRE(r.is_ok());
  server.stop();
  device = (*c.enrollment())->device_id;
  for (int b = 0; b < 2; ++b) {
    batches.emplace_back();
    for (int i = 0; i < 3; ++i) {
      const SubmissionId id = SubmissionId::random();
      batches.back().emplace_back(id, sealed_response(c, id, b * 3 + i));
    }
  }
}

Outcome server_workload(const ServerTemplate& t, const fs::path& dir, bool stop_at_first_error) {
  Outcome o;
  const server::DataDir data{dir};
  auto keys = load_server_keys(data.keys(), nullptr);
  REQUIRE(keys.is_ok());
  auto store = server::ServerStore::open(data);
  if (!store.is_ok()) return o;
  auto forms = server::FormRegistry::load(*store);
  if (!forms.is_ok()) return o;
  for (const auto& batch : t.batches) {
    ++o.attempts;
    std::vector<Bytes> envelopes;
    for (const auto& [id, bytes] : batch) envelopes.push_back(bytes);
    bool ok = false;
    {
      Transaction tx(store->db());
      if (tx.status().is_ok()) {
        auto results =
            server::ingest_batch(*store, *keys, **forms, envelopes, t.device, unix_now());
        if (results.is_ok()) {
          for (const auto& r : *results) REQUIRE(r.status == ItemStatus::kAccepted);
          ok = tx.commit().is_ok();  // the acknowledgement leaves only after this
        }
      }
    }
    for (const auto& [id, bytes] : batch) (ok ? o.acked : o.failed).push_back(id);
    if (!ok && stop_at_first_error) break;
  }
  return o;
}

void check_server(const fs::path& dir, const Outcome& o, bool failures_may_persist) {
  auto db = Database::open(dir / "server.db");
  REQUIRE(db.is_ok());
  auto check = db->integrity_check();
  REQUIRE(check.is_ok());
  CHECK(*check == "ok");
  for (const auto& id : o.acked) {
    CHECK(count_rows(*db, "SELECT count(*) FROM submissions WHERE submission_id = ?",
                     ByteView(id.bytes)) == 1);
  }
  if (!failures_may_persist) {
    for (const auto& id : o.failed) {
      CHECK(count_rows(*db, "SELECT count(*) FROM submissions WHERE submission_id = ?",
                       ByteView(id.bytes)) == 0);
    }
  }
}

}  // namespace equitas::test
