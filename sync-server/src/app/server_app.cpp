#include "app/server_app.hpp"

#include "form_registry.hpp"

namespace equitas::server {

Status check_collector_url(std::string_view url) {
  // Collectors speak ws:// only: the session is encrypted and authenticated
  // end to end, whatever carries it.
  if (url.rfind("ws://", 0) != 0 || url.size() <= 5) {
    return Status::invalid_argument("the URL must look like ws://HOST:PORT");
  }
  if (url.size() > kMaxUrlLength) {
    return Status::invalid_argument("the URL is longer than " + std::to_string(kMaxUrlLength) +
                                    " characters");
  }
  return Status::ok();
}

Result<ServerApp> ServerApp::open(const DataDir& dir, Clock clock) {
  EQ_ASSIGN_OR_RETURN(ServerKeys keys, load_server_keys(dir.keys()));
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::open(dir));
  if (!clock) clock = [] { return unix_now(); };
  return ServerApp(std::move(keys), std::move(store), std::move(clock));
}

Result<IssuedCode> ServerApp::issue_code(const DeviceId& id, std::string_view site,
                                         std::string_view url, std::int64_t valid_for, bool reissue,
                                         std::string_view actor) {
  EQ_RETURN_IF_ERROR(check_collector_url(url));
  if (site.empty() || site.size() > kMaxSiteLength) {
    return Status::invalid_argument("the site name takes 1 to " + std::to_string(kMaxSiteLength) +
                                    " bytes");
  }
  if (valid_for <= 0) return Status::invalid_argument("a code must be valid for some time");
  const std::int64_t now = clock_();
  EnrollmentCode code;
  code.url = std::string(url);
  code.server = keys_.public_keys();
  code.device_id = id;
  random_fill(code.secret.span());
  code.expires_at = now + valid_for;
  code.site = std::string(site);
  const auto hash = enrollment_secret_hash(code.secret.span());

  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  if (reissue) {
    EQ_RETURN_IF_ERROR(store_.replace_enrollment_secret(id, hash, code.expires_at));
  } else {
    EQ_RETURN_IF_ERROR(store_.add_pending_device(id, code.site, hash, code.expires_at));
  }
  EQ_RETURN_IF_ERROR(store_.audit(actor, reissue ? "device.reissue" : "device.enroll",
                                  "device=" + id.to_string() + " site=" + code.site +
                                      " expires=" + iso8601_utc(code.expires_at),
                                  now));
  EQ_RETURN_IF_ERROR(tx.commit());
  return IssuedCode{format_enrollment_code(code), id, code.site, code.expires_at};
}

Result<IssuedCode> ServerApp::enroll_device(std::string_view site, std::string_view url,
                                            std::int64_t valid_for, std::string_view actor) {
  return issue_code(DeviceId::random(), site, url, valid_for, false, actor);
}

Result<IssuedCode> ServerApp::reissue_device(const DeviceId& id, std::string_view url,
                                             std::int64_t valid_for, std::string_view actor) {
  EQ_ASSIGN_OR_RETURN(auto device, store_.find_device(id));
  if (!device)
    return Status::not_found("no device " + id.to_string() +
                             " on this server (see: sync-server device list)");
  switch (device->state) {
    case DeviceState::kActive:
      return Status::failed_precondition("device " + id.to_string() + " registered on " +
                                         iso8601_utc(device->registered_at.value_or(0)) +
                                         " and needs no code; for a replacement laptop, enroll a "
                                         "new device (sync-server device enroll --site '" +
                                         device->site + "')");
    case DeviceState::kRevoked:
      return Status::failed_precondition("device " + id.to_string() +
                                         " is revoked; enroll a new device for the post instead");
    case DeviceState::kPending:
      break;
  }
  return issue_code(id, device->site, url, valid_for, true, actor);
}

Status ServerApp::revoke_device(const DeviceId& id, std::string_view actor) {
  const std::int64_t now = clock_();
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  EQ_RETURN_IF_ERROR(store_.revoke_device(id, now));
  EQ_RETURN_IF_ERROR(store_.audit(actor, "device.revoke", "device=" + id.to_string(), now));
  return tx.commit();
}

Result<ImportReport> ServerApp::import_bundles(const std::vector<std::filesystem::path>& files,
                                               const ImportOptions& options) {
  EQ_ASSIGN_OR_RETURN(auto forms, FormRegistry::load(store_));
  ImportReport report;
  report.receipt.server = keys_.sign.public_key();
  report.receipt.created_at = clock_();
  for (const auto& file : files) {
    EQ_ASSIGN_OR_RETURN(
        BundleOutcome outcome,
        import_bundle_file(store_, keys_, *forms, file, options, clock_(), report.receipt));
    if (outcome.refused) {
      ++report.refused_files;
    } else {
      report.totals.add(outcome.counts);
    }
    report.bundles.push_back(std::move(outcome));
  }
  return report;
}

Bytes ServerApp::sign_receipt(const Receipt& receipt) const {
  return encode_receipt(receipt, keys_.sign);
}

}  // namespace equitas::server
