#include "server_app.hpp"

#include <filesystem>
#include <map>

#include "assessment_view.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/util/data_folder.hpp"
#include "equitas/wire/file_transfer.hpp"
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

Result<Initialised> ServerApp::init(const DataDir& dir, const ServerAppOptions& options) {
  // collector_store.hpp names the collector's files.
  EQ_RETURN_IF_ERROR(
      claim_data_folder(dir.root, {.program = "sync-server",
                                   .other_program = "collector",
                                   .other_files = {"collector.db", "device.key"},
                                   .own_files = {dir.keys(), dir.db()},
                                   .held = "a server; refusing to overwrite its keys"}));
  ServerKeys keys{SigningKey::generate(), BoxKey::generate()};
  EQ_RETURN_IF_ERROR(save_server_keys(dir.keys(), keys, options.unlocker));
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::create(dir));
  ServerApp app(dir, std::move(keys), std::move(store), options);
  const std::int64_t now = app.clock_->now();
  std::string token;
  EQ_RETURN_IF_ERROR(app.write([&](ServerStore& store) -> Status {
    EQ_ASSIGN_OR_RETURN(token, store.create_admin_token("created by init", Role::kAdmin, now));
    return audit(store, "cli", "server.init", "", now);
  }));
  return Initialised{std::move(app), std::move(token)};
}

Status ServerApp::write(const StoreChange& change) {
  if (write_path_) return write_path_(change);
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  EQ_RETURN_IF_ERROR(change(store_));
  return tx.commit();
}

Status ServerApp::audit(ServerStore& store, const Actor& actor, std::string_view action,
                        std::string detail, std::int64_t now) {
  if (!actor.peer.empty()) detail += (detail.empty() ? "peer=" : " peer=") + actor.peer;
  return store.audit(actor.name, action, detail, now);
}

Status ServerApp::record(const Actor& actor, std::string_view action, std::string_view detail) {
  const std::int64_t now = clock_->now();
  return write(
      [&](ServerStore& store) { return audit(store, actor, action, std::string(detail), now); });
}

Result<std::vector<ServerStore::AuditEntry>> ServerApp::read_audit_log(const Actor& actor,
                                                                       std::int64_t before,
                                                                       std::int64_t limit) {
  const std::int64_t now = clock_->now();
  std::vector<ServerStore::AuditEntry> entries;
  EQ_RETURN_IF_ERROR(write([&](ServerStore& store) -> Status {
    EQ_RETURN_IF_ERROR(audit(store, actor, "audit.view", "", now));
    EQ_ASSIGN_OR_RETURN(entries, store.audit_entries(before, limit));
    return Status::ok();
  }));
  return entries;
}

Result<Overview> ServerApp::overview() {
  const std::int64_t now = clock_->now();
  Transaction snapshot(store_.db(), Transaction::Mode::kDeferred);  // rolled back: it only reads
  EQ_RETURN_IF_ERROR(snapshot.status());
  EQ_ASSIGN_OR_RETURN(auto buckets, store_.activity());
  EQ_ASSIGN_OR_RETURN(auto devices, store_.list_devices());
  Overview o;
  std::map<std::string, Overview::Site> sites;
  std::map<DeviceId, std::string> site_of;
  for (const auto& d : devices) {
    (d.state == DeviceState::kActive    ? o.active
     : d.state == DeviceState::kPending ? o.pending
                                        : o.revoked)++;
    if (device_is_stale(d, now)) ++o.stale;
    auto& site = sites[d.site];
    site.name = d.site;
    ++site.devices;
    if (d.last_seen_at && (!site.last_seen_at || *site.last_seen_at < *d.last_seen_at)) {
      site.last_seen_at = d.last_seen_at;
    }
    site_of[d.id] = d.site;
  }
  std::map<std::pair<std::string, std::string>, Overview::Round> rounds;
  for (const auto& b : buckets) {
    o.responses += b.responses;
    auto& r = rounds[{b.form_id, b.round}];
    r.form_id = b.form_id;
    r.round = b.round;
    r.responses += b.responses;
    r.last_day = std::max(r.last_day, b.last_day);
    if (b.device) {
      if (auto it = site_of.find(*b.device); it != site_of.end())
        sites[it->second].responses += b.responses;
    }
  }
  for (auto& [name, site] : sites) o.sites.push_back(std::move(site));
  for (auto& [key, r] : rounds) o.rounds.push_back(std::move(r));
  return o;
}

Result<ServerApp> ServerApp::open(const DataDir& dir, const ServerAppOptions& options) {
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::open(dir));
  return ServerApp(dir, std::nullopt, std::move(store), options);
}

Result<const ServerKeys*> ServerApp::keys() {
  if (!keys_) {
    EQ_ASSIGN_OR_RETURN(ServerKeys loaded, load_server_keys(dir_.keys(), unlocker_));
    keys_.emplace(std::move(loaded));
  }
  return &*keys_;
}

Result<IssuedCode> ServerApp::issue_code(const DeviceId& id, std::string_view site,
                                         std::string_view url, std::int64_t valid_for, bool reissue,
                                         const Actor& actor) {
  EQ_RETURN_IF_ERROR(check_collector_url(url));
  if (site.empty() || site.size() > kMaxSiteLength) {
    return Status::invalid_argument("the site name takes 1 to " + std::to_string(kMaxSiteLength) +
                                    " bytes");
  }
  if (valid_for <= 0) return Status::invalid_argument("a code must be valid for some time");
  const std::int64_t now = clock_->now();
  EnrollmentCode code;
  code.url = std::string(url);
  EQ_ASSIGN_OR_RETURN(const ServerKeys* keys, keys());
  code.server = keys->public_keys();
  code.device_id = id;
  random_fill(code.secret.span());
  code.expires_at = now + valid_for;
  code.site = std::string(site);
  const auto hash = enrollment_secret_hash(code.secret.span());

  EQ_RETURN_IF_ERROR(write([&](ServerStore& store) -> Status {
    if (reissue) {
      EQ_RETURN_IF_ERROR(store.replace_enrollment_secret(id, hash, code.expires_at));
    } else {
      EQ_RETURN_IF_ERROR(store.add_pending_device(id, code.site, hash, code.expires_at, now));
    }
    return audit(store, actor, reissue ? "device.reissue" : "device.enroll",
                 "device=" + id.to_string() + " site=" + code.site +
                     " expires=" + iso8601_utc(code.expires_at),
                 now);
  }));
  return IssuedCode{format_enrollment_code(code), id, code.site, code.expires_at};
}

Result<IssuedCode> ServerApp::enroll_device(std::string_view site, std::string_view url,
                                            std::int64_t valid_for, const Actor& actor) {
  return issue_code(DeviceId::random(), site, url, valid_for, false, actor);
}

Result<IssuedCode> ServerApp::reissue_device(const DeviceId& id, std::string_view url,
                                             std::int64_t valid_for, const Actor& actor) {
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

Status ServerApp::revoke_device(const DeviceId& id, const Actor& actor) {
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& store) -> Status {
    EQ_RETURN_IF_ERROR(store.revoke_device(id, now));
    return audit(store, actor, "device.revoke", "device=" + id.to_string(), now);
  });
}

Status ServerApp::publish_form(const FormToPublish& request, const Actor& actor) {
  const forms::Form& form = request.form;
  if (request.round.size() > kMaxRoundLength) {
    return Status::invalid_argument("the round name is longer than " +
                                    std::to_string(kMaxRoundLength) + " characters");
  }
  FormPublication pub;
  pub.form_id = form.id;
  pub.version = form.version;
  pub.round = request.round;
  pub.definition = forms::save_form_json(form);
  if (pub.definition.size() > kMaxFormDefinitionBytes) {
    return Status::invalid_argument("the definition is " +
                                    std::to_string(pub.definition.size() / 1024) +
                                    " KiB; collectors accept at most " +
                                    std::to_string(kMaxFormDefinitionBytes / 1024) + " KiB");
  }
  // A bundled form may be published (for a round) only as it is.
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  if (auto bundled = registry->library().find(pub.form_id, pub.version);
      bundled && !(*bundled == form)) {
    for (const auto& e : registry->library().entries()) {
      if (e.bundled && e.form == bundled) {
        return Status::already_exists(
            "version " + pub.version + " of " + pub.form_id +
            " is a bundled form with a different definition; give your changed "
            "form a new version");
      }
    }
  }
  EQ_ASSIGN_OR_RETURN(const ServerKeys* keys, keys());
  pub.signature = keys->sign.sign(form_publication_signing_input(pub, keys->sign.public_key()));
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& store) -> Status {
    EQ_RETURN_IF_ERROR(store.save_publication(pub, request.source, now));
    return audit(store, actor, "form.publish",
                 "form=" + pub.form_id + " version=" + pub.version + " round=" + pub.round, now);
  });
}

Result<std::string> ServerApp::create_admin_token(std::string_view label, Role role,
                                                  const Actor& actor) {
  if (label.empty() || label.size() > 64)
    return Status::invalid_argument("a token's label takes 1 to 64 characters");
  const std::int64_t now = clock_->now();
  std::string token;
  EQ_RETURN_IF_ERROR(write([&](ServerStore& store) -> Status {
    EQ_ASSIGN_OR_RETURN(token, store.create_admin_token(label, role, now));
    return audit(store, actor, "admin-token.create",
                 "label=" + std::string(label) + " role=" + std::string(role_name(role)), now);
  }));
  return token;
}

Status ServerApp::revoke_admin_token(std::int64_t id, const Actor& actor) {
  const std::int64_t now = clock_->now();
  return write([&](ServerStore& store) -> Status {
    EQ_RETURN_IF_ERROR(store.revoke_admin_token(id, now));
    return audit(store, actor, "admin-token.revoke", "id=" + std::to_string(id), now);
  });
}

Result<ExportSummary> ServerApp::export_responses(const ExportOptions& options,
                                                  const std::optional<std::filesystem::path>& path,
                                                  std::ostream& out,
                                                  const ExportProgress& progress) {
  ExportOptions timed = options;
  timed.clock = clock_;
  return run_export(store_, timed, path, out, progress);
}

Result<std::int64_t> ServerApp::check_copy(const std::filesystem::path& database) {
  EQ_ASSIGN_OR_RETURN(Database copy, Database::open(database));
  EQ_ASSIGN_OR_RETURN(std::string problems, copy.integrity_check());
  if (problems != "ok") {
    return Status::corruption(database.string() + " fails SQLite's integrity check: " + problems);
  }
  return submission_count(copy);
}

Result<ServerApp::FilesCopied> ServerApp::copy_held_files(const std::filesystem::path& database,
                                                          const std::filesystem::path& from,
                                                          const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  FilesCopied out;
  const fs::path target = to / "files", partial = to / "files.partial";
  std::error_code ec;
  if (fs::exists(target, ec)) return Status::already_exists(target.string() + " exists already");
  fs::remove_all(partial, ec);  // a crashed copy's leftover
  auto give_up = [&](Status s) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    return s;
  };
  fs::create_directory(partial, ec);
  if (!ec) fs::permissions(partial, fs::perms::owner_all, ec);
  if (ec)
    return give_up(Status::io_error("cannot create " + partial.string() + ": " + ec.message()));
  {
    EQ_ASSIGN_OR_RETURN(Database db, Database::open(database));
    auto blobs = held_blobs(db);
    if (!blobs.is_ok()) return give_up(blobs.status());
    for (const HeldBlob& blob : *blobs) {
      const std::string& hex = blob.sha256_hex;
      const auto size = blob.size;
      const fs::path name = fs::path(hex.substr(0, 2)) / hex;
      const fs::path src = from / "files" / name;
      const auto expected = sealed_file_size(static_cast<std::uint64_t>(size));
      const auto actual = fs::file_size(src, ec);
      if (ec || actual != expected) {
        return give_up(
            Status::corruption((ec ? src.string() + " is missing (" + ec.message() + ")"
                                   : src.string() + " is " + std::to_string(actual) + " bytes; " +
                                         std::to_string(expected) + " were expected") +
                               ", though the database holds it as a file of a response"));
      }
      fs::create_directory(partial / hex.substr(0, 2), ec);
      if (!ec) fs::copy_file(src, partial / name, ec);
      if (!ec) fs::permissions(partial / name, fs::perms::owner_read | fs::perms::owner_write, ec);
      if (ec) return give_up(Status::io_error("cannot copy " + src.string() + ": " + ec.message()));
      ++out.files;
      out.bytes += static_cast<std::int64_t>(actual);
    }
  }
  fs::rename(partial, target, ec);
  if (ec)
    return give_up(
        Status::io_error("cannot name the copy " + target.string() + ": " + ec.message()));
  return out;
}

Result<ServerApp::BackupResult> ServerApp::backup(const std::filesystem::path& folder,
                                                  const Actor& actor) {
  namespace fs = std::filesystem;
  BackupResult out;
  out.database = folder / "server.db";
  out.keys = folder / "server.key";
  out.files = folder / "files";
  std::error_code ec;
  if (fs::exists(out.database, ec) || fs::exists(out.keys, ec) || fs::exists(out.files, ec)) {
    return Status::already_exists(folder.string() +
                                  " holds a backup already: give a new folder (one per day, say)");
  }
  fs::create_directories(folder, ec);
  if (ec) return Status::io_error("cannot create " + folder.string() + ": " + ec.message());
  fs::permissions(folder, fs::perms::owner_all,
                  ec);  // the copy opens every answer, with the passphrase
  if (ec) return Status::io_error("cannot restrict " + folder.string() + ": " + ec.message());

  const fs::path partial = folder / "server.db.partial";
  fs::remove(partial, ec);  // a crashed backup's leftover
  auto give_up = [&](Status s) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    return s.with_context("no backup was written");
  };
  {
    // Its own connection: one read transaction, so the copy holds exactly
    // what was committed (and so acknowledged) when it began.
    EQ_ASSIGN_OR_RETURN(Database db, Database::open(dir_.db()));
    if (Status s = copy_database(db, partial); !s.is_ok()) return give_up(s);
  }
  auto checked = check_copy(partial);
  if (!checked.is_ok()) return give_up(checked.status());
  out.submissions = *checked;
  fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::copy_file(dir_.keys(), out.keys, ec);
  if (!ec) fs::permissions(out.keys, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(out.keys, ignored);
    return give_up(Status::io_error("cannot copy " + dir_.keys().string() + ": " + ec.message()));
  }
  // The files after the database: every file its copy names was in place
  // before the commit that recorded it, so before the copy began.
  auto files = copy_held_files(partial, dir_.root, folder);
  if (!files.is_ok()) {
    std::error_code ignored;
    fs::remove(out.keys, ignored);
    return give_up(files.status());
  }
  out.file_count = files->files;
  out.file_bytes = files->bytes;
  fs::rename(partial, out.database, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(out.keys, ignored);
    fs::remove_all(out.files, ignored);
    return give_up(
        Status::io_error("cannot name the copy " + out.database.string() + ": " + ec.message()));
  }
  if (Status s = record(actor, "backup",
                        "to=" + fs::absolute(folder, ec).string() +
                            " submissions=" + std::to_string(out.submissions) +
                            " files=" + std::to_string(out.file_count));
      !s.is_ok()) {
    // No copy of every answer leaves without a trace.
    std::error_code ignored;
    fs::remove(out.database, ignored);
    fs::remove(out.keys, ignored);
    fs::remove_all(out.files, ignored);
    return s.with_context("the backup could not be recorded in the audit log, so it was removed");
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ServerApp::forms_naming_file(
    const FileHash& sha256) {
  return forms_naming(store_.db(), sha256);
}

Result<FileStore::Held> ServerApp::read_held_file(const FileHash& sha256) {
  const FileStore files(dir_.root / "files");
  return files.read(store_.db(), sha256);
}

Result<boost::json::object> ServerApp::report(const ReportOptions& options) {
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store_));
  ReportOptions timed = options;
  timed.clock = clock_;
  return build_report(store_.db(), registry->library(), timed);
}

Result<std::unique_ptr<FormRegistry>> ServerApp::forms() { return FormRegistry::load(store_); }

Result<ImportReport> ServerApp::import_bundles(const std::vector<std::filesystem::path>& files,
                                               const ImportOptions& options) {
  EQ_ASSIGN_OR_RETURN(auto forms, FormRegistry::load(store_));
  ImportReport report;
  EQ_ASSIGN_OR_RETURN(const ServerKeys* keys, keys());
  report.receipt.server = keys->sign.public_key();
  report.receipt.created_at = clock_->now();
  FileStore held(dir_.root / "files");
  for (const auto& file : files) {
    EQ_ASSIGN_OR_RETURN(BundleOutcome outcome,
                        import_bundle_file(store_, *keys, *forms, held, file, options,
                                           clock_->now(), report.receipt));
    if (outcome.refused) {
      ++report.refused_files;
    } else {
      report.totals.add(outcome.counts);
    }
    report.bundles.push_back(std::move(outcome));
  }
  return report;
}

Result<Bytes> ServerApp::sign_receipt(const Receipt& receipt) {
  EQ_ASSIGN_OR_RETURN(const ServerKeys* keys, keys());
  return encode_receipt(receipt, keys->sign);
}

}  // namespace equitas::server
