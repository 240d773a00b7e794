#include "bundle_import.hpp"

#include <variant>

#include "form_registry.hpp"
#include "intake.hpp"

namespace equitas::server {
namespace {

constexpr std::size_t kMaxBundleFile = 1024ull * 1024 * 1024;
// Envelopes per transaction: bounds the work lost to a crash mid-import
// (the rest is simply imported again, as duplicates).
constexpr std::size_t kImportChunk = 256;

BundleOutcome refused(const std::filesystem::path& file, std::string reason) {
  BundleOutcome o;
  o.file = file;
  o.refused = true;
  o.reason = std::move(reason);
  return o;
}

// The device's key: registered already, or learnt from the bundle's own
// registration (which completes the enrollment, audited, in its own
// transaction). A string when the bundle must be refused.
Result<std::variant<SignPublicKey, std::string>> device_key_for(
    ServerStore& store, const ServerKeys& keys, const Bundle& b, const ImportOptions& options,
    std::int64_t now, BundleOutcome& outcome) {
  using Out = std::variant<SignPublicKey, std::string>;
  EQ_ASSIGN_OR_RETURN(auto device, store.find_device(b.device_id));
  if (!device) return Out("device " + b.device_id.to_string() + " is not enrolled on this server");
  outcome.site = device->site;
  if (device->state == DeviceState::kPending && b.registration) {
    Transaction tx(store.db());
    EQ_RETURN_IF_ERROR(tx.status());
    OfflineRegistrationOptions reg;
    reg.actor = options.actor;
    reg.via = "bundle";
    reg.accept_expired_code = options.accept_expired_code;
    reg.expected_device = b.device_id;
    EQ_ASSIGN_OR_RETURN(AuthDecision decision,
                        register_offline(store, keys, *b.registration, now, reg));
    if (!decision.ok) return Out(decision.message);
    EQ_RETURN_IF_ERROR(tx.commit());
    outcome.registered_now = decision.registered_now;
    EQ_ASSIGN_OR_RETURN(device, store.find_device(b.device_id));
  }
  if (!device || !device->public_key) {
    return Out(
        "device " + b.device_id.to_string() +
        " has not registered yet and this bundle carries no registration (exported by an older "
        "collector? export it again after upgrading the collector)");
  }
  return Out(*device->public_key);
}

Status ingest_chunks(ServerStore& store, const ServerKeys& keys, FormRegistry& forms,
                     const Bundle& b, const ImportOptions& options, std::int64_t now,
                     BundleOutcome& outcome, Receipt& receipt) {
  // At least one pass, so that an empty bundle still leaves its audit line.
  for (std::size_t start = 0; start == 0 || start < b.envelopes.size(); start += kImportChunk) {
    const std::size_t end = std::min(b.envelopes.size(), start + kImportChunk);
    const std::vector<Bytes> chunk(b.envelopes.begin() + static_cast<long>(start),
                                   b.envelopes.begin() + static_cast<long>(end));
    Transaction tx(store.db());
    EQ_RETURN_IF_ERROR(tx.status());
    const auto snapshot = forms.snapshot();
    EQ_ASSIGN_OR_RETURN(auto results, ingest_batch(store, keys, *snapshot, chunk, b.device_id, now,
                                                   snapshot.get()));
    if (end == b.envelopes.size()) {
      EQ_RETURN_IF_ERROR(store.audit(options.actor, "bundle.import",
                                     "device=" + b.device_id.to_string() +
                                         " envelopes=" + std::to_string(b.envelopes.size()) +
                                         " files=" + std::to_string(b.files.size()),
                                     now));
    }
    EQ_RETURN_IF_ERROR(tx.commit());
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      outcome.counts.add(results[i].status);
      auto env = decode_envelope(chunk[i]);
      if (!env.is_ok()) continue;  // no id to put in a receipt
      receipt.items.push_back(
          {env->submission_id, env->revision, env->device_id, envelope_hash(chunk[i]), results[i]});
    }
    if (end == b.envelopes.size()) break;
  }
  return Status::ok();
}

// One file, in a transaction of its own: the store says where it stands
// (held, unknown, or from which chunk), then takes the chunks from there. A
// file cut short by a crash is taken up at its first missing chunk by the
// next import of the same bundle, as a cut transfer is by the next sync.
Result<ReceiptFile> import_file(Database& db, FileStore& files, const BundleFile& f,
                                std::int64_t now) {
  ReceiptFile out;
  out.id = f.id;
  Transaction tx(db);
  EQ_RETURN_IF_ERROR(tx.status());
  FilesOffer offer;
  offer.files.push_back({f.id, f.sha256, f.size});
  EQ_ASSIGN_OR_RETURN(FilesWanted wanted, files.wanted(db, offer, now));
  const FileWantItem& want = wanted.files.at(0);
  if (want.want == FileWant::kHave) {
    out.held = true;
  } else if (want.want == FileWant::kUnknown) {
    out.detail = want.detail;
  } else {
    for (std::uint32_t i = want.next_chunk; i < f.chunks.size() && !out.held && out.detail.empty();
         ++i) {
      EQ_ASSIGN_OR_RETURN(FileAck ack, files.receive(db, FileChunk{f.id, i, f.chunks[i]}, now));
      if (ack.state == FileAckState::kComplete) {
        out.held = true;
      } else if (ack.state != FileAckState::kContinue || ack.next_chunk != i + 1) {
        out.detail = ack.detail.empty()
                         ? "the server wanted chunk " + std::to_string(ack.next_chunk) + " next"
                         : ack.detail;
      }
    }
    if (!out.held && out.detail.empty()) out.detail = "the file ended before its last chunk";
  }
  EQ_RETURN_IF_ERROR(tx.commit());
  return out;
}

Status import_files(ServerStore& store, FileStore& files, const Bundle& b, std::int64_t now,
                    BundleOutcome& outcome, Receipt& receipt) {
  outcome.files = b.files.size();
  for (const BundleFile& f : b.files) {
    EQ_ASSIGN_OR_RETURN(ReceiptFile r, import_file(store.db(), files, f, now));
    if (r.held) {
      ++outcome.files_held;
    } else {
      outcome.file_problems.push_back("file " + to_hex(ByteView(f.id)) + " (" +
                                      std::to_string(f.size) + " bytes): " + r.detail);
    }
    receipt.files.push_back(std::move(r));
  }
  return Status::ok();
}

}  // namespace

void ImportCounts::add(ItemStatus s) {
  switch (s) {
    case ItemStatus::kAccepted:
      ++accepted;
      break;
    case ItemStatus::kDuplicate:
      ++duplicate;
      break;
    case ItemStatus::kConflict:
      ++conflict;
      break;
    case ItemStatus::kRejected:
      ++rejected;
      break;
  }
}

void ImportCounts::add(const ImportCounts& o) {
  accepted += o.accepted;
  duplicate += o.duplicate;
  conflict += o.conflict;
  rejected += o.rejected;
}

Result<BundleOutcome> import_bundle_file(ServerStore& store, const ServerKeys& keys,
                                         FormRegistry& forms, FileStore& files,
                                         const std::filesystem::path& file,
                                         const ImportOptions& options, std::int64_t now,
                                         Receipt& receipt) {
  auto bytes = read_file(file, kMaxBundleFile);
  if (!bytes.is_ok()) return refused(file, bytes.status().message());
  auto decoded = decode_bundle(*bytes);
  if (!decoded.is_ok()) return refused(file, decoded.status().message());
  const Bundle& b = decoded->bundle;
  if (b.server != keys.sign.public_key())
    return refused(file, "the bundle was made for another server");
  BundleOutcome outcome;
  outcome.file = file;
  outcome.device = b.device_id;
  outcome.envelopes = b.envelopes.size();
  EQ_ASSIGN_OR_RETURN(auto key, device_key_for(store, keys, b, options, now, outcome));
  if (auto* why = std::get_if<std::string>(&key)) return refused(file, *why);
  if (Status s = verify_bundle(*decoded, std::get<SignPublicKey>(key)); !s.is_ok())
    return refused(file, s.message());
  EQ_RETURN_IF_ERROR(ingest_chunks(store, keys, forms, b, options, now, outcome, receipt));
  EQ_RETURN_IF_ERROR(import_files(store, files, b, now, outcome, receipt));
  return outcome;
}

}  // namespace equitas::server
