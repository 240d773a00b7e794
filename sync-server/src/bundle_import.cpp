#include "bundle_import.hpp"

#include "form_registry.hpp"
#include "intake.hpp"

namespace equitas::server {
namespace {

constexpr std::size_t kMaxBundleFile = 1024ull * 1024 * 1024;
// Envelopes per transaction: bounds the work lost to a crash mid-import
// (the rest is simply imported again, as duplicates).
constexpr std::size_t kImportChunk = 256;

Status import_one(ServerStore& store, const ServerKeys& keys, FormRegistry& forms, const DecodedBundle& decoded,
                  ImportReport& report, ImportCounts& counts) {
  const Bundle& b = decoded.bundle;
  for (std::size_t start = 0; start < b.envelopes.size(); start += kImportChunk) {
    const std::size_t end = std::min(b.envelopes.size(), start + kImportChunk);
    const std::vector<Bytes> chunk(b.envelopes.begin() + static_cast<long>(start),
                                   b.envelopes.begin() + static_cast<long>(end));
    Transaction tx(store.db());
    EQ_RETURN_IF_ERROR(tx.status());
    const auto snapshot = forms.snapshot();
    EQ_ASSIGN_OR_RETURN(auto results,
                        ingest_batch(store, keys, *snapshot, chunk, b.device_id, unix_now(), snapshot.get()));
    EQ_RETURN_IF_ERROR(tx.commit());
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      counts.add(results[i].status);
      auto env = decode_envelope(chunk[i]);
      if (!env.is_ok()) continue;  // no id to put in a receipt
      report.receipt.items.push_back({env->submission_id, env->revision, results[i]});
    }
  }
  return Status::ok();
}

}  // namespace

void ImportCounts::add(ItemStatus s) {
  switch (s) {
    case ItemStatus::kAccepted: ++accepted; break;
    case ItemStatus::kDuplicate: ++duplicate; break;
    case ItemStatus::kConflict: ++conflict; break;
    case ItemStatus::kRejected: ++rejected; break;
  }
}

Result<ImportReport> import_bundles(const DataDir& dir, const std::vector<std::filesystem::path>& files,
                                   std::ostream& out) {
  EQ_ASSIGN_OR_RETURN(ServerKeys keys, load_server_keys(dir.keys()));
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::open(dir));
  EQ_ASSIGN_OR_RETURN(auto forms, FormRegistry::load(store));
  ImportReport report;
  report.receipt.server = keys.sign.public_key();
  report.receipt.created_at = unix_now();
  for (const auto& path : files) {
    auto bytes = read_file(path, kMaxBundleFile);
    if (!bytes.is_ok()) {
      out << path.string() << ": refused: " << bytes.status().message() << "\n";
      continue;
    }
    auto decoded = decode_bundle(*bytes);
    if (!decoded.is_ok()) {
      out << path.string() << ": refused: " << decoded.status().message() << "\n";
      continue;
    }
    const Bundle& b = decoded->bundle;
    if (b.server != keys.sign.public_key()) {
      out << path.string() << ": refused: the bundle was made for another server\n";
      continue;
    }
    EQ_ASSIGN_OR_RETURN(auto device, store.find_device(b.device_id));
    if (!device || !device->public_key) {
      out << path.string() << ": refused: device " << b.device_id.to_string() << " is not registered here\n";
      continue;
    }
    if (Status s = verify_bundle(*decoded, *device->public_key); !s.is_ok()) {
      out << path.string() << ": refused: " << s.message() << "\n";
      continue;
    }
    ImportCounts counts;
    EQ_RETURN_IF_ERROR(import_one(store, keys, *forms, *decoded, report, counts));
    (void)store.audit("cli", "bundle.import",
                      "device=" + b.device_id.to_string() + " envelopes=" + std::to_string(b.envelopes.size()),
                      unix_now());
    out << path.string() << ": device " << b.device_id.to_string() << " (" << device->site << "), "
        << b.envelopes.size() << " envelopes: " << counts.accepted << " accepted, " << counts.duplicate
        << " duplicate, " << counts.conflict << " conflict, " << counts.rejected << " rejected\n";
    report.totals.accepted += counts.accepted;
    report.totals.duplicate += counts.duplicate;
    report.totals.conflict += counts.conflict;
    report.totals.rejected += counts.rejected;
  }
  return report;
}

}  // namespace equitas::server
