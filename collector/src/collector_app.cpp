#include "collector_app.hpp"

#include <sys/statvfs.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>

#include "equitas/forms/assessment_merge.hpp"
#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/forms/payload_layout.hpp"
#include "equitas/util/data_folder.hpp"
#include "equitas/util/json_text.hpp"
#include "equitas/util/media_type.hpp"
#include "equitas/wire/bundle.hpp"
#include "equitas/wire/device_list.hpp"
#include "equitas/wire/envelope.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "equitas/wire/payload.hpp"
#include "equitas/wire/registration.hpp"
#include "sync_client.hpp"

namespace equitas::collector {
namespace {

using namespace meta_key;

template <std::size_t N>
Result<std::array<std::uint8_t, N>> fixed_meta(CollectorStore& s, std::string_view key) {
  EQ_ASSIGN_OR_RETURN(auto v, s.get_meta(key));
  if (!v || v->size() != N)
    return Status::corruption("collector setting " + std::string(key) + " is damaged");
  std::array<std::uint8_t, N> out{};
  std::copy(v->begin(), v->end(), out.begin());
  return out;
}

}  // namespace

Status Collector::init(const DataDir& dir, const CollectorOptions& options) {
  // The sync-server's DataDir names its files.
  EQ_RETURN_IF_ERROR(claim_data_folder(dir.root, {.program = "collector",
                                                  .other_program = "sync-server",
                                                  .other_files = {"server.db", "server.key"},
                                                  .own_files = {dir.key(), dir.db()},
                                                  .held = "a collector"}));
  EQ_RETURN_IF_ERROR(save_device_key(dir.key(), SigningKey::generate(), options.unlocker));
  EQ_ASSIGN_OR_RETURN(CollectorStore store, CollectorStore::create(dir));
  // A disk too full for the reserve now gets it at a later open or serve tick.
  (void)DiskReserve(dir.reserve()).ensure();
  return Status::ok();
}

Result<Collector> Collector::open(const DataDir& dir, const CollectorOptions& options) {
  EQ_ASSIGN_OR_RETURN(CollectorStore store, CollectorStore::open(dir));
  EQ_ASSIGN_OR_RETURN(SigningKey key, load_device_key(dir.key(), options.unlocker));
  Collector c(dir, std::move(store), std::move(key), options);
  (void)c.restore_disk_reserve();  // best effort: opening must work on a full disk
  return c;
}

Status Collector::write_with_reserve(const std::function<Status()>& write) {
  Status s = write();
  if (s.code() != StatusCode::kResourceExhausted || !reserve_.release()) return s;
  // The transaction was rolled back whole; with the reserve's space free,
  // SQLite can append to its WAL again.
  return write();
}

Result<std::optional<Enrollment>> Collector::enrollment() {
  EQ_ASSIGN_OR_RETURN(auto url, store_.get_meta_text(kUrl));
  if (!url) return std::optional<Enrollment>();
  Enrollment e;
  e.url = *url;
  EQ_ASSIGN_OR_RETURN(e.server.sign, fixed_meta<32>(store_, kSignPk));
  EQ_ASSIGN_OR_RETURN(e.server.box, fixed_meta<32>(store_, kBoxPk));
  EQ_ASSIGN_OR_RETURN(e.device_id.bytes, fixed_meta<16>(store_, kDeviceId));
  EQ_ASSIGN_OR_RETURN(auto site, store_.get_meta_text(kSite));
  EQ_ASSIGN_OR_RETURN(auto expires, store_.get_meta_text(kExpires));
  EQ_ASSIGN_OR_RETURN(auto registered, store_.get_meta_text(kRegistered));
  e.site = site.value_or("");
  e.code_expires_at = expires ? std::atoll(expires->c_str()) : 0;
  e.registered = registered && *registered == "1";
  return std::optional<Enrollment>(std::move(e));
}

namespace {

Status refuse_if_expired(const EnrollmentCode& code, std::int64_t now) {
  if (code.expires_at >= now) return Status::ok();
  return Status::failed_precondition(
      "this code expired on " + iso8601_utc(code.expires_at) + " (by this machine's clock, now " +
      iso8601_utc(now) + "). Ask the administrator for a new one: `sync-server device reissue " +
      code.device_id.to_string() +
      "` for this device. If this machine's clock is wrong, set it right first.");
}

}  // namespace

Result<Enrollment> Collector::enroll(std::string_view code_text) {
  EQ_ASSIGN_OR_RETURN(EnrollmentCode code, parse_enrollment_code(code_text));
  EQ_ASSIGN_OR_RETURN(auto existing, enrollment());
  if (existing) {
    const bool same =
        existing->server.sign == code.server.sign && existing->device_id == code.device_id;
    return Status::already_exists(
        "this collector is already enrolled as device " + existing->device_id.to_string() +
        " with " + existing->url +
        (same ? "; to take a reissued code for it, run: collector enroll --renew CODE"
              : "; use a fresh data folder for another server or device"));
  }
  EQ_RETURN_IF_ERROR(refuse_if_expired(code, now()));
  EQ_RETURN_IF_ERROR(save_enrollment(code));
  return Enrollment{code.url, code.server, code.device_id, code.site, code.expires_at, false};
}

Result<Enrollment> Collector::renew(std::string_view code_text) {
  EQ_ASSIGN_OR_RETURN(EnrollmentCode code, parse_enrollment_code(code_text));
  EQ_ASSIGN_OR_RETURN(auto existing, enrollment());
  if (!existing) {
    return Status::failed_precondition(
        "this collector is not enrolled yet: nothing to renew; run collector enroll "
        "CODE");
  }
  if (existing->server.sign != code.server.sign || existing->server.box != code.server.box) {
    return Status::invalid_argument(
        "this code is from another server than the one this collector is enrolled "
        "with (" +
        existing->url + "); a collector keeps one server for life");
  }
  if (existing->device_id != code.device_id) {
    return Status::invalid_argument(
        "this code is for device " + code.device_id.to_string() +
        ", but this collector is device " + existing->device_id.to_string() +
        "; ask for `sync-server device reissue " + existing->device_id.to_string() + "`");
  }
  if (existing->registered) {
    return Status::failed_precondition(
        "device " + existing->device_id.to_string() +
        " has registered with its server already and needs no new code");
  }
  EQ_RETURN_IF_ERROR(refuse_if_expired(code, now()));
  EQ_RETURN_IF_ERROR(save_enrollment(code));
  return Enrollment{code.url, code.server, code.device_id, code.site, code.expires_at, false};
}

Status Collector::save_enrollment(const EnrollmentCode& code) {
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  EQ_RETURN_IF_ERROR(store_.set_meta(kUrl, code.url));
  EQ_RETURN_IF_ERROR(store_.set_meta(kSignPk, ByteView(code.server.sign)));
  EQ_RETURN_IF_ERROR(store_.set_meta(kBoxPk, ByteView(code.server.box)));
  EQ_RETURN_IF_ERROR(store_.set_meta(kDeviceId, ByteView(code.device_id.bytes)));
  EQ_RETURN_IF_ERROR(store_.set_meta(kSite, code.site));
  EQ_RETURN_IF_ERROR(store_.set_meta(kExpires, std::to_string(code.expires_at)));
  EQ_RETURN_IF_ERROR(store_.set_meta(kRegistered, "0"));
  EQ_RETURN_IF_ERROR(
      store_.set_meta(kEnrollSecretKey, ByteView(code.secret.data(), kEnrollSecretBytes)));
  return tx.commit();
}

Status Collector::mark_registered() {
  EQ_RETURN_IF_ERROR(store_.set_meta(kRegistered, "1"));
  return store_.delete_meta(kEnrollSecretKey);
}

Result<const forms::FormLibrary*> Collector::library() {
  if (library_) return static_cast<const forms::FormLibrary*>(library_.get());
  EQ_ASSIGN_OR_RETURN(auto lib, forms::FormLibrary::with_bundled());
  EQ_ASSIGN_OR_RETURN(auto enrolled, enrollment());
  if (enrolled) {
    EQ_ASSIGN_OR_RETURN(auto pubs, store_.load_form_publications());
    std::int64_t order = 1;
    for (const auto& p : pubs) {
      // Verified on every load: a definition altered on disk is ignored.
      if (!verify_signature(enrolled->server.sign,
                            form_publication_signing_input(p, enrolled->server.sign),
                            p.signature)) {
        continue;
      }
      EQ_RETURN_IF_ERROR(lib.add_publication(p, order++));
    }
  }
  library_ = std::make_unique<forms::FormLibrary>(std::move(lib));
  return static_cast<const forms::FormLibrary*>(library_.get());
}

Result<SubmissionId> Collector::submit(std::string_view form_id, std::string_view form_version,
                                       std::string& answers_json, const std::string& lang,
                                       const std::function<Status()>& in_transaction,
                                       std::string_view response_code, const Revises* revises) {
  EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, library());
  auto form = form_version.empty() ? lib->current(form_id) : lib->find(form_id, form_version);
  if (!form) {
    wipe(answers_json);
    std::string known;
    for (const auto& e : lib->entries())
      known += (known.empty() ? "" : ", ") + e.form->id + " " + e.form->version;
    return Status::not_found(
        "no form '" + std::string(form_id) + "'" +
        (form_version.empty() ? "" : " version '" + std::string(form_version) + "'") +
        " on this collector (known: " + known + ")");
  }
  return seal_and_store(form.get(), form->id, form->version, answers_json, lang, nullptr, nullptr,
                        in_transaction, response_code, revises);
}

std::string_view Collector::code_verdict_text(CodeVerdict v) {
  switch (v) {
    case CodeVerdict::kOk:
      return "the response code can be used";
    case CodeVerdict::kRequired:
      return "this survey asks for a response code, and none was given";
    case CodeVerdict::kTypo:
      return "the response code has a typing mistake";
    case CodeVerdict::kNotReceived:
      return "this collector has not received the response codes of this survey's round yet: sync "
             "first";
    case CodeVerdict::kUnknown:
      return "the response code was not issued for this survey and round";
    case CodeVerdict::kUsed:
      return "the response code has already been used";
  }
  return "the response code cannot be used";
}

Result<CodeBatch> Collector::import_code_batch(const std::filesystem::path& in) {
  EQ_ASSIGN_OR_RETURN(auto enrolled, enrollment());
  if (!enrolled)
    return Status::failed_precondition(
        "this collector is not enrolled; run collector enroll first");
  EQ_ASSIGN_OR_RETURN(Bytes bytes, read_file(in, kMaxCodeBatchBytes));
  auto batch = open_code_batch(bytes, enrolled->server.sign);
  if (!batch.is_ok()) return batch.status().with_context(in.string());
  EQ_RETURN_IF_ERROR(store_.save_code_batch(*batch, bytes));
  return batch;
}

std::string publication_problem(const FormPublication& p, const SignPublicKey& server) {
  if (!verify_signature(server, form_publication_signing_input(p, server), p.signature))
    return "bad signature";
  auto f = forms::load_form_json(p.definition);
  if (!f.is_ok()) return f.status().message();
  if (f->id != p.form_id || f->version != p.version)
    return "the definition is of another form or version";
  return "";
}

Result<Collector::FormsImport> Collector::import_forms(const std::filesystem::path& in) {
  EQ_ASSIGN_OR_RETURN(auto enrolled, enrollment());
  if (!enrolled)
    return Status::failed_precondition(
        "this collector is not enrolled; run collector enroll first");
  EQ_ASSIGN_OR_RETURN(Bytes bytes,
                      read_file(in, kMaxFormsPerUpdate * (kMaxFormDefinitionBytes + 1024)));
  auto message = decode_sync_message(bytes);
  const auto* update = message.is_ok() ? std::get_if<FormsUpdate>(&*message) : nullptr;
  if (update == nullptr)
    return Status::corruption(in.string() + " is not a forms file from sync-server forms export");
  FormsImport out;
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  for (const auto& p : update->forms) {
    const std::string name =
        p.form_id + " " + p.version + (p.round.empty() ? "" : " (" + p.round + ")");
    if (const std::string why = publication_problem(p, enrolled->server.sign); !why.empty()) {
      out.refused.push_back(name + ": " + why);
      continue;
    }
    EQ_RETURN_IF_ERROR(store_.save_form_publication(p, now()));
    out.received.push_back(name);
  }
  EQ_RETURN_IF_ERROR(tx.commit());
  reload_library();
  return out;
}

Result<Collector::CodeCheck> Collector::check_response_code(const forms::Form& form,
                                                            std::string_view typed) {
  CodeCheck c;
  bool blank = true;
  for (char ch : typed) blank = blank && (ch == ' ' || ch == '-' || ch == '\t');
  if (blank) return c;  // kRequired
  const NormalizedCode code = normalize_response_code(typed);
  if (code.typo != CodeTypo::kNone) {
    c.verdict = CodeVerdict::kTypo;
    return c;
  }
  c.canonical = code.canonical;
  EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, library());
  const std::string round = lib->round_of(form.id, form.version);
  EQ_ASSIGN_OR_RETURN(auto batches, store_.code_batches(form.id, round));
  if (batches.empty()) {
    c.verdict = CodeVerdict::kNotReceived;
    return c;
  }
  c.verdict = CodeVerdict::kUnknown;
  for (const auto& b : batches) {
    const CodeDigest d = code_digest(b.salt, form.id, round, code.canonical);
    if (!b.contains(d)) continue;
    c.batch = b.id;
    c.digest = d;
    EQ_ASSIGN_OR_RETURN(bool used, store_.code_used(b.id, d));
    c.verdict = used ? CodeVerdict::kUsed : CodeVerdict::kOk;
    break;
  }
  return c;
}

namespace {

// A contribution's site, checked before anything is sealed: the form must
// give some answers per site, and the site must be one the server knows
// (the assessment's view lists them) or this collector's own.
Status check_finding_site(const forms::Form& form, const CollectorStore::HeldAssessment& held,
                          const std::string& own, std::string_view site) {
  if (!forms::has_per_site_questions(form)) {
    return Status::invalid_argument("form " + form.id +
                                    " gives no answers per site; leave out --site");
  }
  std::vector<std::string> known;
  if (!own.empty()) known.push_back(own);
  boost::system::error_code ec;
  const boost::json::value view = boost::json::parse(held.view, ec);
  const auto* sites = !ec && view.is_object() ? view.as_object().if_contains("sites") : nullptr;
  if (sites != nullptr && sites->is_array()) {
    for (const auto& s : sites->get_array()) {
      if (s.is_string() && s.get_string() != own) known.emplace_back(s.get_string());
    }
  }
  if (std::find(known.begin(), known.end(), site) != known.end()) return Status::ok();
  std::string names;
  for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
  return Status::invalid_argument("no site '" + std::string(site) +
                                  "' known to this assessment (known: " + names + ")");
}

}  // namespace

Result<Collector::Contributed> Collector::contribute(
    std::string_view form_id, std::string_view assessment_id, std::string_view role,
    std::string& answers_json, const std::string& lang, std::string_view site) {
  auto refuse = [&](Status s) {
    wipe(answers_json);
    return s;
  };
  EQ_ASSIGN_OR_RETURN(auto held, store_.assessments());
  const CollectorStore::HeldAssessment* target = nullptr;
  std::string known;
  for (const auto& a : held) {
    if (a.id == assessment_id) target = &a;
    known += (known.empty() ? "" : ", ") + a.id;
  }
  if (target == nullptr) {
    return refuse(Status::not_found(
        "no assessment " + std::string(assessment_id) +
        " on this collector; it arrives at a sync once headquarters has created it "
        "(known here: " +
        (known.empty() ? "none" : known) + ")"));
  }
  if (target->form_id != form_id) {
    return refuse(Status::invalid_argument("assessment " + target->id + " is of form " +
                                           target->form_id + ", not " + std::string(form_id)));
  }
  EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, library());
  auto form = lib->current(form_id);
  if (!form)
    return refuse(Status::not_found("no form '" + std::string(form_id) + "' on this collector"));
  const forms::ChoiceList* roles = nullptr;
  if (auto it = form->lists.find("team_role"); it != form->lists.end()) roles = &it->second;
  if (role.empty() || (roles != nullptr && roles->find(role) == nullptr)) {
    std::string names;
    if (roles != nullptr) {
      for (const auto& c : roles->choices) names += (names.empty() ? "" : ", ") + c.name;
    }
    return refuse(
        Status::invalid_argument("give your role in the team with --role" +
                                 (names.empty() ? std::string() : " (one of: " + names + ")")));
  }
  if (!site.empty()) {
    EQ_ASSIGN_OR_RETURN(auto own, store_.get_meta_text(kSite));
    if (Status s = check_finding_site(*form, *target, own.value_or(""), site); !s.is_ok())
      return refuse(s);
  }
  const ContributionMeta meta{target->id, std::string(role), target->version, std::string(site)};
  Contributed out;
  if (target->state == "validated") {
    out.notice = "assessment " + target->id +
                 " is validated already: the server will keep this contribution, flagged for the "
                 "team, but will "
                 "not merge it or change the official scores";
  }
  EQ_ASSIGN_OR_RETURN(out.id, seal_and_store(form.get(), form->id, form->version, answers_json,
                                             lang, nullptr, &meta));
  return out;
}

Result<SubmissionId> Collector::submit(std::string_view form_id, std::string_view form_version,
                                       std::string& answers_json,
                                       const AnswerValidator& validator) {
  return seal_and_store(nullptr, form_id, form_version, answers_json, "en", &validator, nullptr);
}

namespace {

std::string megabytes(std::int64_t bytes) {
  const double mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
  char buf[32];
  std::snprintf(buf, sizeof buf, mb < 10 ? "%.1f MB" : "%.0f MB", mb);
  return buf;
}

// The name a file had, without its folders and without control characters:
// display only, and never a path on the server.
std::string display_name(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) out += c;
  }
  out = std::string(truncate_utf8(out, forms::kMaxFileNameBytes));
  return out.empty() ? "file" : out;
}

// The ids of the files `answers` captured here (in repeat rows too),
// checked with their keys. A team contribution also lists, without keys,
// the files of the merged record it keeps (the server checks it holds
// them).
Result<std::vector<FileId>> named_files(const forms::Form& form, const boost::json::object& answers,
                                        bool contribution) {
  std::vector<FileId> ids;
  Status bad = Status::ok();
  forms::for_each_file_answer(
      form, answers,
      [&](const forms::Item& it, const std::string& path, const boost::json::value& v) {
        if (!bad.is_ok() || v.is_null() || (v.is_array() && v.get_array().empty())) return;
        auto refs = forms::parse_file_answer(v, it, /*key_required=*/!contribution);
        if (!refs.is_ok()) {
          bad = Status::invalid_argument(path + ": " + refs.status().message());
          return;
        }
        for (const auto& r : *refs) {
          if (r.key.empty()) continue;
          FileId id{};
          if (!from_hex_into(r.id, id)) {
            bad = Status::invalid_argument(path + ": a file id is not hexadecimal");
            return;
          }
          ids.push_back(id);
        }
      });
  if (!bad.is_ok()) return bad;
  return ids;
}

}  // namespace

Result<std::int64_t> Collector::file_quota() {
  EQ_ASSIGN_OR_RETURN(auto v, store_.get_meta_text(meta_key::kFileQuota));
  if (!v) return kDefaultFileQuota;
  try {
    return std::stoll(*v);
  } catch (const std::exception&) {
    return kDefaultFileQuota;
  }
}

Status Collector::set_file_quota(std::int64_t bytes) {
  if (bytes < 1024 * 1024)
    return Status::invalid_argument("a file quota under 1 MB leaves no room for a photo");
  return store_.set_meta(meta_key::kFileQuota, std::to_string(bytes));
}

Result<forms::FileRef> Collector::capture_file(const forms::Form& form, std::string_view question,
                                               ByteView bytes, std::string_view name) {
  const forms::Item* q = form.find(question);
  if (q == nullptr || !forms::is_file_question(*q)) {
    return Status::invalid_argument("'" + std::string(question) + "' is not a file question of " +
                                    form.id);
  }
  const std::string shown = display_name(name);
  if (bytes.empty()) return Status::invalid_argument(shown + " is empty");
  const std::int64_t limit = forms::max_file_bytes(*q);
  if (static_cast<std::int64_t>(bytes.size()) > limit) {
    return Status::invalid_argument(shown + " is " +
                                    megabytes(static_cast<std::int64_t>(bytes.size())) + "; '" +
                                    q->name + "' takes files of at most " + megabytes(limit));
  }
  const std::string type = sniff_media_type(bytes, name);
  const std::vector<std::string> accepted = forms::accepted_types(*q);
  if (!forms::type_accepted(type, accepted)) {
    std::string list;
    for (const auto& a : accepted) list += (list.empty() ? "" : ", ") + a;
    return Status::invalid_argument(shown + " is " + type + "; '" + q->name + "' accepts " + list);
  }
  if (const std::string why = truncation_problem(bytes, type); !why.empty()) {
    return Status::invalid_argument(shown + ": " + why);
  }
  // Room: the quota of unsent files, then the disk itself, so that a full
  // card is announced here and not discovered by the next submit.
  const std::int64_t sealed = static_cast<std::int64_t>(sealed_file_size(bytes.size()));
  EQ_ASSIGN_OR_RETURN(CollectorStore::FileVolume held, store_.files_held());
  EQ_ASSIGN_OR_RETURN(std::int64_t quota, file_quota());
  if (held.bytes + sealed > quota) {
    return Status::resource_exhausted(
        "this collector holds " + megabytes(held.bytes) + " of files not yet sent (" +
        std::to_string(held.files) + " files) and its quota is " + megabytes(quota) +
        ": sync before attaching more, or raise it with collector files --quota");
  }
  struct statvfs fs {};
  if (::statvfs(dir_.root.c_str(), &fs) == 0) {
    const auto free_bytes =
        static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
    constexpr std::int64_t kMargin = 64 * 1024 * 1024;
    if (free_bytes < 2 * sealed + kMargin) {
      return Status::resource_exhausted(
          "the disk has " + megabytes(free_bytes) + " free, too little to keep " + shown + " (" +
          megabytes(sealed) + ") safely: free some space or sync first");
    }
  }
  EQ_ASSIGN_OR_RETURN(SealedFile f, seal_file(bytes));
  {
    Transaction tx(store_.db());
    EQ_RETURN_IF_ERROR(tx.status());
    EQ_RETURN_IF_ERROR(store_.stage_file(f, now()));
    EQ_RETURN_IF_ERROR(tx.commit());
  }
  forms::FileRef ref;
  ref.id = to_hex(ByteView(f.id));
  ref.sha256 = to_hex(ByteView(f.sha256));
  ref.size = static_cast<std::int64_t>(f.size);
  ref.type = type;
  ref.name = shown;
  ref.key = to_hex(ByteView(f.key.data(), f.key.size()));
  return ref;
}

Status Collector::discard_staged(const std::vector<forms::FileRef>& refs) {
  std::vector<FileId> ids;
  for (const auto& r : refs) {
    FileId id{};
    if (from_hex_into(r.id, id)) ids.push_back(id);
  }
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  EQ_RETURN_IF_ERROR(store_.discard_staged(ids));
  return tx.commit();
}

Result<std::int64_t> Collector::expire_staged(std::int64_t before) {
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  EQ_ASSIGN_OR_RETURN(std::int64_t n, store_.expire_staged(before));
  EQ_RETURN_IF_ERROR(tx.commit());
  return n;
}

Result<Bytes> Collector::held_file(const forms::FileRef& ref) {
  FileId id{};
  FileHash sha{};
  FileKey key;
  if (!from_hex_into(ref.id, id) || !from_hex_into(ref.sha256, sha) ||
      ref.key.size() != 2 * kFileKeyBytes) {
    return Status::invalid_argument("not a file reference of this collector");
  }
  {
    auto k = from_hex(ref.key);
    if (!k.is_ok() || k->size() != kFileKeyBytes)
      return Status::invalid_argument("not a file reference of this collector");
    std::copy(k->begin(), k->end(), key.data());
    wipe(*k);
  }
  const auto size = static_cast<std::uint64_t>(ref.size);
  Bytes sealed;
  sealed.reserve(static_cast<std::size_t>(sealed_file_size(size)));
  for (std::uint32_t i = 0; i < file_chunk_count(size); ++i) {
    EQ_ASSIGN_OR_RETURN(Bytes chunk, store_.file_chunk(id, i));
    sealed.insert(sealed.end(), chunk.begin(), chunk.end());
  }
  return open_sealed_file(sealed, key, sha, size);
}

Result<SubmissionId> Collector::seal_and_store(
    const forms::Form* form, std::string_view form_id, std::string_view form_version,
    std::string& answers_json, const std::string& lang, const AnswerValidator* validator,
    const ContributionMeta* contribution, const std::function<Status()>& in_transaction,
    std::string_view response_code, const Revises* revises) {
  EQ_ASSIGN_OR_RETURN(auto enrolled, enrollment());
  // A chosen id or a revision links responses: never for an anonymous form.
  if (revises != nullptr && (form == nullptr || form->anonymous)) {
    wipe(answers_json);
    return Status::invalid_argument("only a response to a form that is not anonymous is revised");
  }
  if (revises != nullptr && revises->revision > 1 && !form->revisable) {
    wipe(answers_json);
    return Status::invalid_argument("form " + form->id + " is not revisable");
  }
  if (!enrolled) {
    wipe(answers_json);
    return Status::failed_precondition(
        "this collector is not enrolled yet, so there is no server key to seal answers to; run "
        "collector enroll first");
  }
  ResponsePayload payload;
  {
    auto v = parse_json_text(answers_json, "the answers are not valid JSON");
    wipe(answers_json);
    if (!v.is_ok()) return v.status();
    if (!v->is_object()) return Status::invalid_argument("the answers must be a JSON object");
    payload.answers = std::move(v->as_object());
  }
  const std::int64_t now = this->now();
  CodeCheck code;
  if (form != nullptr) {
    forms::EvalOptions opts;
    opts.language = lang;
    opts.partial = contribution != nullptr;
    opts.clock = clock_;
    const forms::Evaluation e = forms::evaluate(*form, payload.answers, opts);
    if (!e.ok()) {
      return Status::invalid_argument(std::to_string(e.errors.size()) + " invalid answer(s):\n" +
                                      forms::format_errors(e.errors));
    }
    EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, library());
    payload.round = lib->round_of(form->id, form->version);
    // Anonymous forms keep the day only: a timestamp can identify a respondent.
    payload.submitted_at = form->anonymous ? iso8601_utc(now).substr(0, 10) : iso8601_utc(now);
    // A correction answers with the code its first revision spent.
    const bool correction = revises != nullptr && revises->revision > 1;
    if (form->response_codes && contribution == nullptr && !correction) {
      EQ_ASSIGN_OR_RETURN(code, check_response_code(*form, response_code));
      if (code.verdict != CodeVerdict::kOk) {
        const std::string why(code_verdict_text(code.verdict));
        return code.verdict == CodeVerdict::kUsed          ? Status::already_exists(why)
               : code.verdict == CodeVerdict::kNotReceived ? Status::failed_precondition(why)
                                                           : Status::invalid_argument(why);
      }
      payload.response_code = code.canonical;
    }
  } else {
    EQ_RETURN_IF_ERROR(validator->validate(form_id, form_version, payload.answers));
    payload.submitted_at = iso8601_utc(now);
  }

  // Files the answers name: captured here (staged), tied to this response
  // in the transaction that stores it.
  std::vector<FileId> files;
  if (form != nullptr) {
    EQ_ASSIGN_OR_RETURN(files, named_files(*form, payload.answers, contribution != nullptr));
  }

  // With the form at hand, the compact binary payload (v2: answers by
  // position); a caller that only has a validator gets JSON (v1), and so
  // does a contribution, whose metadata only v1 carries.
  if (contribution != nullptr) payload.contribution = *contribution;
  // A response code, too, travels in v1 only.
  Bytes plain = form != nullptr && contribution == nullptr && payload.response_code.empty()
                    ? encode_payload(payload, forms::payload_layout(*form))
                    : encode_payload(payload);
  EnvelopeFields fields{
      enrolled->device_id, revises != nullptr ? revises->id : SubmissionId::random(),
      revises != nullptr ? revises->revision : 1, std::string(form_id), std::string(form_version)};
  auto envelope = seal_envelope(fields, plain, enrolled->server, key_);
  wipe(plain);
  if (!envelope.is_ok()) return envelope.status();
  const Bytes bytes = encode_envelope(*envelope);
  // A sealed response must be storable on a full disk: the respondent has
  // finished, and the draft it replaces is deleted in the same transaction.
  EQ_RETURN_IF_ERROR(write_with_reserve([&]() -> Status {
    Transaction tx(store_.db());
    EQ_RETURN_IF_ERROR(tx.status());
    EQ_RETURN_IF_ERROR(store_.add_to_outbox(fields.submission_id, fields.revision, fields.form_id,
                                            fields.form_version, bytes, now));
    if (!files.empty())
      EQ_RETURN_IF_ERROR(store_.attach_files(files, fields.submission_id, fields.revision));
    if (!payload.response_code.empty()) {
      // Spent with the response, or not at all; a second page that checked
      // the same code a moment ago loses here.
      EQ_ASSIGN_OR_RETURN(bool fresh, store_.use_code(code.batch, code.digest));
      if (!fresh) return Status::already_exists(std::string(code_verdict_text(CodeVerdict::kUsed)));
    }
    if (contribution != nullptr) {
      // The member's own entries, readable here until the server merges
      // them: files by reference only, as the server keeps them (a file's
      // key goes only into the sealed envelope).
      std::vector<CollectorStore::AssessmentEntry> entries;
      boost::json::object kept = payload.answers;
      if (form != nullptr) forms::strip_file_keys(*form, kept);
      for (const auto& kv : kept) {
        // Keyed as the server will merge it: a site's finding by its site.
        entries.push_back({forms::contribution_key(form, kv.key(), contribution->site),
                           boost::json::serialize(kv.value()), contribution->role, now});
      }
      EQ_RETURN_IF_ERROR(
          store_.add_assessment_entries(fields.submission_id, contribution->assessment, entries));
    }
    if (in_transaction) EQ_RETURN_IF_ERROR(in_transaction());
    return tx.commit();
  }));
  return fields.submission_id;
}

Result<Collector::BundleExport> Collector::export_bundle(const std::filesystem::path& out) {
  EQ_ASSIGN_OR_RETURN(auto enrolled, enrollment());
  if (!enrolled)
    return Status::failed_precondition(
        "this collector is not enrolled; run collector enroll first");
  EQ_ASSIGN_OR_RETURN(auto items, store_.next_pending(kMaxBundleEnvelopes, SIZE_MAX));
  Bundle b;
  b.device_id = enrolled->device_id;
  b.server = enrolled->server.sign;
  b.created_at = now();
  std::uint64_t envelope_bytes = 0;
  for (auto& it : items) {
    envelope_bytes += it.envelope.size() + 8;
    b.envelopes.push_back(std::move(it.envelope));
  }
  BundleExport result;
  // What does not fit under the readers' cap waits for the next bundle;
  // 1 MiB is left for the headers, the registration and the lengths.
  const std::uint64_t room =
      kMaxBundleBytes - std::min<std::uint64_t>(kMaxBundleBytes, envelope_bytes + (1u << 20));
  EQ_ASSIGN_OR_RETURN(b.files, store_.files_for_bundle(room, result.files_left));
  result.envelopes = static_cast<std::int64_t>(b.envelopes.size());
  result.files = static_cast<std::int64_t>(b.files.size());
  for (const auto& f : b.files) result.file_bytes += static_cast<std::int64_t>(f.sealed_bytes());
  if (envelope_bytes + static_cast<std::uint64_t>(result.file_bytes) + (1u << 20) >
      kMaxBundleBytes) {
    return Status::resource_exhausted(
        "the pending responses and the first file do not fit in one bundle (" +
        std::to_string(kMaxBundleBytes >> 20) + " MiB); sync instead");
  }
  if (!enrolled->registered) {
    // The server has never seen this device: the bundle carries what it
    // needs to complete the registration (the secret sealed to the server).
    EQ_ASSIGN_OR_RETURN(auto stored, store_.get_meta(kEnrollSecretKey));
    if (stored && stored->size() == kEnrollSecretBytes) {
      SecretBytes<kEnrollSecretBytes> secret;
      std::memcpy(secret.data(), stored->data(), kEnrollSecretBytes);
      wipe(*stored);
      b.registration = make_registration(enrolled->device_id, key_, enrolled->server, secret);
    }
  }
  EQ_RETURN_IF_ERROR(write_file_atomically(out, encode_bundle(b, key_), 0600));
  return result;
}

Result<Collector::BundleImport> Collector::import_bundle_or_receipt(
    const std::filesystem::path& in) {
  EQ_ASSIGN_OR_RETURN(auto enrolled, enrollment());
  if (!enrolled)
    return Status::failed_precondition(
        "this collector is not enrolled; run collector enroll first");
  EQ_ASSIGN_OR_RETURN(Bytes bytes, read_file(in, 1024ull * 1024 * 1024));
  BundleImport result;
  const std::int64_t now = this->now();
  if (looks_like_receipt(bytes)) {
    EQ_ASSIGN_OR_RETURN(Receipt receipt, decode_receipt(bytes, enrolled->server.sign));
    result.was_receipt = true;
    Transaction tx(store_.db());
    EQ_RETURN_IF_ERROR(tx.status());
    bool server_has_our_key = false;
    for (const auto& it : receipt.items) {
      EQ_ASSIGN_OR_RETURN(ReceiptMatch m, store_.record_receipt(it, now));
      switch (m) {
        case ReceiptMatch::kApplied:
          ++result.marked;
          break;
        case ReceiptMatch::kKeptCarrierRefused:
          ++result.kept;
          break;
        case ReceiptMatch::kOtherCopy:
          ++result.other_copy;
          break;
        case ReceiptMatch::kNotPending:
          ++result.unmatched;
          break;
      }
      // The server stored an envelope signed by this device: it knows our key.
      server_has_our_key =
          server_has_our_key || (it.origin == enrolled->device_id && m == ReceiptMatch::kApplied &&
                                 it.result.status != ItemStatus::kRejected);
    }
    if (server_has_our_key && !enrolled->registered) {
      EQ_RETURN_IF_ERROR(mark_registered());
      result.registered_now = true;
    }
    for (const auto& f : receipt.files) {
      if (f.held) {
        EQ_ASSIGN_OR_RETURN(bool marked, store_.mark_file_sent(f.id, now));
        if (marked) ++result.files_marked;
      } else {
        EQ_RETURN_IF_ERROR(store_.file_note(f.id, f.detail));
        result.file_problems.push_back(to_hex(ByteView(f.id)) + ": " + f.detail);
      }
    }
    EQ_RETURN_IF_ERROR(tx.commit());
    return result;
  }
  EQ_ASSIGN_OR_RETURN(DecodedBundle decoded, decode_bundle(bytes));
  if (decoded.bundle.server != enrolled->server.sign) {
    return Status::invalid_argument(
        "this bundle was made for another server; it cannot be relayed from here");
  }
  result.from = decoded.bundle.device_id;
  std::optional<Registration> registration;
  if (decoded.bundle.registration) {
    // Checked as far as a relay can: signed by the device it names, for our
    // server. The secret inside is sealed to the server.
    auto reg = decode_registration(*decoded.bundle.registration);
    if (!reg.is_ok()) return reg.status().with_context("the bundle's registration was refused");
    if (reg->device_id != decoded.bundle.device_id || reg->server != enrolled->server.sign) {
      return Status::invalid_argument("the bundle's registration is for another device or server");
    }
    registration = std::move(reg).value();
  }
  EQ_RETURN_IF_ERROR(check_relayable(
      decoded, *enrolled,
      registration ? std::optional<SignPublicKey>(registration->device_key) : std::nullopt));
  Transaction tx(store_.db());
  EQ_RETURN_IF_ERROR(tx.status());
  if (registration) {
    EQ_RETURN_IF_ERROR(store_.save_relayed_registration(decoded.bundle.device_id,
                                                        *decoded.bundle.registration, now));
    result.relays_registration = true;
  }
  for (const auto& bytes_of : decoded.bundle.envelopes) {
    // Each envelope keeps its own device's signature; the server checks it.
    auto env = decode_envelope(bytes_of);
    if (!env.is_ok()) return env.status().with_context("the bundle holds a damaged envelope");
    EQ_ASSIGN_OR_RETURN(
        bool added, store_.add_relayed(decoded.bundle.device_id, env->submission_id, env->revision,
                                       env->form_id, env->form_version, bytes_of, now));
    ++(added ? result.queued : result.already);
  }
  for (const BundleFile& f : decoded.bundle.files) {
    // Sealed to the server under a key in the origin's response: carried
    // here as bytes this collector cannot read or check.
    EQ_ASSIGN_OR_RETURN(bool added, store_.add_relayed_file(f, now));
    if (added) ++result.files_queued;
  }
  EQ_RETURN_IF_ERROR(tx.commit());
  return result;
}

Status Collector::check_relayable(const DecodedBundle& decoded, const Enrollment& enrolled,
                                  const std::optional<SignPublicKey>& registered_key) {
  const Bundle& b = decoded.bundle;
  EQ_ASSIGN_OR_RETURN(auto held, store_.get_meta(kDeviceList));
  if (!held) {
    return Status::failed_precondition(
        "this collector has not received the server's list of devices yet (it comes with every "
        "sync), and "
        "relays only bundles it can check against it. Sync once, or take the bundle to "
        "headquarters by hand");
  }
  EQ_ASSIGN_OR_RETURN(DeviceList list, decode_device_list(*held, enrolled.server.sign));
  const std::string as_of = " (by the server's list of " +
                            iso8601_utc(list.issued_at).substr(0, 10) +
                            "; a sync brings a newer one)";
  // The exporter's key: active on the server, or pending and registering
  // itself with this very bundle.
  const DeviceListEntry* exporter = list.find(b.device_id);
  std::optional<SignPublicKey> exporter_key;
  if (exporter != nullptr && exporter->active) exporter_key = exporter->key;
  if (exporter != nullptr && !exporter->active && registered_key) exporter_key = *registered_key;
  if (!exporter_key) {
    return Status::permission_denied("device " + b.device_id.to_string() +
                                     " is not an active device of this collector's server" + as_of +
                                     "; its bundle is not relayed");
  }
  EQ_RETURN_IF_ERROR(verify_bundle(decoded, *exporter_key));
  std::int64_t bytes = 0;
  for (std::size_t i = 0; i < b.envelopes.size(); ++i) {
    auto env = decode_envelope(b.envelopes[i]);
    if (!env.is_ok()) return env.status().with_context("the bundle holds a damaged envelope");
    const DeviceListEntry* signer = list.find(env->device_id);
    const std::optional<SignPublicKey> key = env->device_id == b.device_id ? exporter_key
                                             : signer != nullptr && signer->active
                                                 ? std::optional<SignPublicKey>(signer->key)
                                                 : std::nullopt;
    if (!key || !verify_envelope(*env, *key, enrolled.server).is_ok()) {
      return Status::permission_denied("envelope " + std::to_string(i + 1) +
                                       " of the bundle is not signed by an "
                                       "active device of the server" +
                                       as_of + "; the bundle is not relayed");
    }
    bytes += static_cast<std::int64_t>(b.envelopes[i].size());
  }
  EQ_ASSIGN_OR_RETURN(auto origin, store_.relayed_pending(&b.device_id));
  EQ_ASSIGN_OR_RETURN(auto total, store_.relayed_pending(nullptr));
  const auto n = static_cast<std::int64_t>(b.envelopes.size());
  if (origin.envelopes + n > relay_limits_.max_envelopes_per_origin ||
      origin.bytes + bytes > relay_limits_.max_bytes_per_origin ||
      total.bytes + bytes > relay_limits_.max_bytes_total) {
    return Status::failed_precondition(
        "relaying this bundle would exceed what this collector carries for other posts (" +
        std::to_string(relay_limits_.max_envelopes_per_origin) + " responses or " +
        std::to_string(relay_limits_.max_bytes_per_origin >> 20) + " MiB per post, " +
        std::to_string(relay_limits_.max_bytes_total >> 20) +
        " MiB in all, pending at once); sync first, or take the bundle to headquarters by hand");
  }
  std::int64_t file_bytes = 0;
  for (const BundleFile& f : b.files) file_bytes += static_cast<std::int64_t>(f.sealed_bytes());
  if (file_bytes > 0) {
    EQ_ASSIGN_OR_RETURN(auto origin_files, store_.relayed_files_pending(&b.device_id));
    EQ_ASSIGN_OR_RETURN(auto all_files, store_.relayed_files_pending(nullptr));
    if (origin_files.bytes + file_bytes > relay_limits_.max_file_bytes_per_origin ||
        all_files.bytes + file_bytes > relay_limits_.max_file_bytes_total) {
      return Status::failed_precondition(
          "relaying this bundle's files would exceed what this collector carries for other posts "
          "(" +
          std::to_string(relay_limits_.max_file_bytes_per_origin >> 20) +
          " MiB of files per post, " + std::to_string(relay_limits_.max_file_bytes_total >> 20) +
          " MiB in all, pending at once); sync first, or take the bundle to headquarters by hand");
    }
  }
  return Status::ok();
}

Result<CollectorStatus> Collector::status() {
  CollectorStatus s;
  EQ_ASSIGN_OR_RETURN(s.enrollment, enrollment());
  EQ_ASSIGN_OR_RETURN(s.counts, store_.counts());
  EQ_ASSIGN_OR_RETURN(s.last_sync, store_.last_sync());
  return s;
}

Result<SyncReport> Collector::sync(const SyncOptions& options) {
  EQ_ASSIGN_OR_RETURN(auto enrolled, enrollment());
  if (!enrolled) {
    return Status::failed_precondition(
        "this collector is not enrolled; run collector enroll first");
  }
  auto report = run_sync(store_, key_, *enrolled, options, *clock_);
  library_.reset();  // new publications may have arrived
  return report;
}

}  // namespace equitas::collector
