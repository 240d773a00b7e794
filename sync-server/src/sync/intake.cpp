#include "intake.hpp"

#include <sodium.h>

#include <algorithm>
#include <variant>

#include "action_store.hpp"
#include "assessment_store.hpp"
#include "code_store.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/forms/answer_text.hpp"
#include "equitas/wire/device_list.hpp"
#include "equitas/wire/envelope.hpp"
#include "equitas/wire/payload.hpp"
#include "equitas/wire/registration.hpp"
#include "file_store.hpp"
#include "form_registry.hpp"
#include "units_store.hpp"

namespace equitas::server {
namespace {

AuthDecision refuse(SessionError e, std::string message) {
  AuthDecision d;
  d.error = e;
  d.message = std::move(message);
  return d;
}

ItemResult reject(RejectReason reason, std::string detail) {
  ItemResult r;
  r.status = ItemStatus::kRejected;
  r.reason = reason;
  r.detail = std::move(detail);
  return r;
}

std::string date_of(std::int64_t t) { return iso8601_utc(t).substr(0, 10); }

std::string expired_message(const DeviceRecord& d) {
  const std::string id = d.id.to_string();
  return "the enrollment code for device " + id + " expired on " + date_of(d.enroll_expires_at) +
         "; nothing is lost: ask the administrator to run `sync-server device reissue " + id +
         "`, then at the post run `collector enroll --renew NEW_CODE`";
}

}  // namespace

Result<AuthDecision> decide_auth(ServerStore& store, const ClientAuth& auth, std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(auto found, store.find_device(auth.device_id));
  const std::string id = auth.device_id.to_string();
  if (!found) {
    return refuse(SessionError::kUnknownDevice,
                  "device " + id +
                      " is not enrolled on this server; ask the administrator for "
                      "a new enrollment code");
  }
  const DeviceRecord& d = *found;
  // What the peer has proven: the registered key, or the enrollment secret.
  // Details (dates, states) go only to a peer that proved one of them.
  const bool key_matches =
      d.public_key &&
      sodium_memcmp(d.public_key->data(), auth.device_key.data(), auth.device_key.size()) == 0;
  bool secret_matches = false;
  if (auth.enroll_secret && d.secret_hash) {
    const auto presented = enrollment_secret_hash(
        std::span<const std::uint8_t>(auth.enroll_secret->data(), kEnrollSecretBytes));
    secret_matches = sodium_memcmp(presented.data(), d.secret_hash->data(), presented.size()) == 0;
  }
  const AuthDecision generic = refuse(SessionError::kAuthenticationFailed,
                                      "this collector could not be authenticated as device " + id);

  if (d.state == DeviceState::kRevoked) {
    if (!key_matches && !secret_matches) return generic;
    return refuse(SessionError::kRevoked,
                  "device " + id + " was revoked by the server administrator" +
                      (d.revoked_at ? " on " + date_of(*d.revoked_at) : std::string()) +
                      "; its submissions stay on the collector. Contact the administrator.");
  }
  if (d.state == DeviceState::kActive) {
    if (!key_matches) {
      if (!secret_matches) return generic;
      return refuse(SessionError::kEnrollmentUsed,
                    "this enrollment code was already used by another collector" +
                        (d.registered_at ? " on " + date_of(*d.registered_at) : std::string()) +
                        "; ask the administrator for a new code");
    }
    EQ_RETURN_IF_ERROR(store.touch_device(auth.device_id, now));
    AuthDecision ok;
    ok.ok = true;
    ok.site = d.site;
    return ok;
  }
  // Pending: this is the first sync, which must present the secret.
  if (!secret_matches) return generic;
  if (now > d.enroll_expires_at)
    return refuse(SessionError::kEnrollmentExpired, expired_message(d));
  EQ_RETURN_IF_ERROR(store.activate_device(auth.device_id, auth.device_key, now));
  EQ_RETURN_IF_ERROR(store.audit("device:" + id, "device.registered", "site=" + d.site, now));
  AuthDecision ok;
  ok.ok = true;
  ok.registered_now = true;
  ok.site = d.site;
  return ok;
}

Result<AuthDecision> register_offline(ServerStore& store, const ServerKeys& keys, ByteView document,
                                      std::int64_t now, const OfflineRegistrationOptions& options) {
  auto reg = decode_registration(document);
  if (!reg.is_ok()) return refuse(SessionError::kAuthenticationFailed, reg.status().message());
  const std::string id = reg->device_id.to_string();
  if (options.expected_device && *options.expected_device != reg->device_id) {
    return refuse(SessionError::kAuthenticationFailed,
                  "the bundle of device " + options.expected_device->to_string() +
                      " carries another device's registration");
  }
  if (reg->server != keys.sign.public_key()) {
    return refuse(SessionError::kAuthenticationFailed,
                  "the registration of device " + id + " was made for another server");
  }
  EQ_ASSIGN_OR_RETURN(auto found, store.find_device(reg->device_id));
  if (!found) {
    return refuse(SessionError::kUnknownDevice, "device " + id + " is not enrolled on this server");
  }
  const DeviceRecord& d = *found;
  auto secret = open_registration(*reg, keys.box);
  if (!secret.is_ok())
    return refuse(SessionError::kAuthenticationFailed, secret.status().message());
  const auto presented = enrollment_secret_hash(secret->span());
  const bool secret_matches =
      d.secret_hash &&
      sodium_memcmp(presented.data(), d.secret_hash->data(), presented.size()) == 0;
  if (!secret_matches) {
    return refuse(
        SessionError::kAuthenticationFailed,
        "the registration of device " + id +
            " does not carry its current enrollment code (a code replaced by `device reissue`?)");
  }
  const bool same_key = d.public_key && sodium_memcmp(d.public_key->data(), reg->device_key.data(),
                                                      reg->device_key.size()) == 0;
  AuthDecision ok;
  ok.ok = true;
  ok.site = d.site;
  switch (d.state) {
    case DeviceState::kRevoked:
      return refuse(SessionError::kRevoked,
                    "device " + id + " was revoked" +
                        (d.revoked_at ? " on " + date_of(*d.revoked_at) : std::string()));
    case DeviceState::kActive:
      // Registered already (an earlier bundle, or a sync): the same document
      // again changes nothing; another key with the same code is refused.
      if (same_key) return ok;
      return refuse(SessionError::kEnrollmentUsed, "the enrollment code of device " + id +
                                                       " was already used by another collector");
    case DeviceState::kPending:
      break;
  }
  if (now > d.enroll_expires_at && !options.accept_expired_code) {
    return refuse(SessionError::kEnrollmentExpired,
                  expired_message(d) +
                      " (or, having checked where this bundle came from, import it with "
                      "--accept-expired-code)");
  }
  EQ_RETURN_IF_ERROR(store.activate_device(reg->device_id, reg->device_key, now));
  EQ_RETURN_IF_ERROR(store.audit(options.actor, "device.registered",
                                 "device=" + id + " site=" + d.site + " via=" + options.via +
                                     (now > d.enroll_expires_at ? " expired-code-accepted" : ""),
                                 now));
  ok.registered_now = true;
  return ok;
}

Result<DevicesUpdate> relay_device_list(ServerStore& store, const ServerKeys& keys,
                                        const std::optional<std::array<std::uint8_t, 32>>& known,
                                        std::int64_t now) {
  EQ_ASSIGN_OR_RETURN(auto devices, store.list_devices());
  DeviceList list;
  list.server = keys.sign.public_key();
  list.issued_at = now;
  for (const auto& d : devices) {
    if (d.state == DeviceState::kRevoked) continue;
    if (d.state == DeviceState::kActive && !d.public_key) continue;
    DeviceListEntry e;
    e.id = d.id;
    e.active = d.state == DeviceState::kActive;
    if (e.active) e.key = *d.public_key;
    list.devices.push_back(e);
  }
  // A server with more devices than one list carries needs a new list
  // version; until then the relays of the devices left out refuse their
  // bundles, and those posts deliver by USB or their own link.
  if (list.devices.size() > kMaxDeviceListEntries) list.devices.resize(kMaxDeviceListEntries);
  list.sort();
  DevicesUpdate update;
  if (known && *known == device_list_digest(list)) {
    update.unchanged = true;
    return update;
  }
  update.list = encode_device_list(std::move(list), keys.sign);
  return update;
}

namespace {

const FormSnapshot* layouts_of(const AnswerValidator& validator, const FormSnapshot* forms,
                               std::shared_ptr<const FormSnapshot>& keep) {
  if (forms != nullptr) return forms;
  if (const auto* snap = dynamic_cast<const FormSnapshot*>(&validator)) return snap;
  if (const auto* registry = dynamic_cast<const FormRegistry*>(&validator)) {
    keep = registry->snapshot();
    return keep.get();
  }
  return nullptr;
}

// The assessment a contribution names, if it can take it: an unknown
// assessment or another form is rejected (the collector keeps the envelope,
// with the reason); a validated one takes it flagged (see ingest_envelope).
std::variant<AssessmentRecord, ItemResult, Status> contribution_target(ServerStore& store,
                                                                       const Envelope& e,
                                                                       const ContributionMeta& meta,
                                                                       const forms::Form* form) {
  auto found = AssessmentStore(store.db()).find_assessment(meta.assessment);
  if (!found.is_ok()) return found.status();
  if (!*found) {
    return reject(
        RejectReason::kInvalidAnswers,
        "no assessment " + meta.assessment + " on this server (see: sync-server assessment list)");
  }
  if ((*found)->form_id != e.form_id) {
    return reject(RejectReason::kInvalidAnswers, "assessment " + meta.assessment + " is of form " +
                                                     (*found)->form_id + ", not " + e.form_id);
  }
  // Per-site answers are about a site this server knows (a device's), so
  // that "Kigoma" and "Kigoma post" cannot become two sites.
  if (!meta.site.empty()) {
    if (form == nullptr || !forms::has_per_site_questions(*form)) {
      return reject(RejectReason::kInvalidAnswers,
                    "form " + e.form_id + " " + e.form_version +
                        " has no per-site questions; send the contribution without a site");
    }
    auto sites = UnitsStore(store.db()).sites();
    if (!sites.is_ok()) return sites.status();
    if (std::find(sites->begin(), sites->end(), meta.site) == sites->end()) {
      std::string known;
      for (const auto& s : *sites) known += (known.empty() ? "" : ", ") + s;
      return reject(RejectReason::kInvalidAnswers,
                    "no site '" + meta.site + "' on this server (known: " + known + ")");
    }
  }
  return std::move(**found);
}

// A team member's progress update to an adopted action
// (forms::kActionUpdateForm): the action it names, if this server has it.
// An unknown action, or a note longer than the dashboard takes, is
// rejected: the collector keeps the envelope, with the reason.
std::variant<ActionItem, ItemResult, Status> action_target(ServerStore& store,
                                                           const ResponsePayload& payload) {
  const std::string id = forms::answer_text(payload.answers, "action_id");
  auto found = ActionStore(store.db()).find(id);
  if (!found.is_ok()) return found.status();
  if (!*found) {
    return reject(RejectReason::kInvalidAnswers,
                  "no action " + id + " on this server (see: sync-server action list)");
  }
  if (forms::answer_text(payload.answers, "ap_progress").size() > ActionStore::kMaxNote) {
    return reject(
        RejectReason::kInvalidAnswers,
        "a progress note takes at most " + std::to_string(ActionStore::kMaxNote) + " bytes");
  }
  return std::move(**found);
}

// The update as the action's history records it: who is the unit the
// member chose, at the device's site; when is when the member saved it on
// the device, so that a post that syncs late (a USB bundle a week later)
// does not overwrite a newer status with an older one. A device clock
// ahead of the server's counts as now; one before the action existed, as
// the action's adoption.
ActionUpdate action_update(const ResponsePayload& payload, const Envelope& e,
                           const std::string& site, const ActionItem& item, std::int64_t now) {
  const std::string role = forms::answer_text(payload.answers, "au_role");
  ActionUpdate u;
  u.at = std::clamp(parse_iso8601_utc(payload.submitted_at).value_or(now), item.created_at, now);
  u.status = forms::answer_text(payload.answers, "ap_status");
  u.note = forms::answer_text(payload.answers, "ap_progress");
  u.actor = (role.empty() ? std::string() : role + ", ") + site + " (device " +
            e.device_id.to_string().substr(0, 8) + ")";
  return u;
}

// Opens, decodes and validates the payload: the ingest steps after dedup.
std::variant<ResponsePayload, ItemResult> open_payload(const ServerKeys& keys,
                                                       const FormSnapshot* forms,
                                                       const AnswerValidator& validator,
                                                       const Envelope& e) {
  auto opened = open_envelope_payload(e, keys.box);
  if (!opened.is_ok()) {
    return reject(opened.status().code() == StatusCode::kPermissionDenied
                      ? RejectReason::kForeignSubmission
                      : RejectReason::kUndecryptable,
                  opened.status().message());
  }
  std::optional<Bytes> plain(std::move(opened->plain));
  const PayloadLayout* layout = nullptr;
  if (is_payload_v2(*plain)) {
    layout = forms != nullptr ? forms->layout(e.form_id, e.form_version) : nullptr;
    if (layout == nullptr) {
      wipe(plain.value());
      return reject(RejectReason::kUnknownForm,
                    "form '" + e.form_id + "' version '" + e.form_version + "' is not known here");
    }
  }
  auto payload = decode_payload(*plain, layout);
  wipe(plain.value());
  if (!payload.is_ok()) return reject(RejectReason::kMalformed, payload.status().message());
  // A contribution to a team assessment is partial by design.
  const Status s = payload->contribution
                       ? validator.validate_partial(e.form_id, e.form_version, payload->answers)
                       : validator.validate(e.form_id, e.form_version, payload->answers);
  if (!s.is_ok()) {
    return reject(s.code() == StatusCode::kNotFound ? RejectReason::kUnknownForm
                                                    : RejectReason::kInvalidAnswers,
                  s.message());
  }
  return std::move(payload).value();
}

// One response per person (code_store.hpp): whether this response counts,
// decided in the transaction that stores it. A form that requires codes, or
// a payload that carries one, spends the code; a later revision of a
// submission keeps the verdict its first one had (the code was spent then);
// a conflicting copy stores no row and spends nothing.
Result<int> code_verdict(ServerStore& store, const AnswerValidator& validator,
                         const FormSnapshot* forms, const Envelope& e,
                         const ResponsePayload& payload,
                         const ServerStore::SubmissionLookup& seen) {
  if (seen.original) return 0;
  std::shared_ptr<const FormSnapshot> keep;
  const FormSnapshot* snapshot = layouts_of(validator, forms, keep);
  const auto form =
      snapshot != nullptr ? snapshot->library().find(e.form_id, e.form_version) : nullptr;
  const bool required = form != nullptr && form->response_codes;
  if (!required && payload.response_code.empty()) return 0;
  if (e.revision > 1) {
    EQ_ASSIGN_OR_RETURN(auto first,
                        CodeStore(store.db()).first_revision_flag(ByteView(e.submission_id.bytes)));
    if (first) return *first;
  }
  EQ_ASSIGN_OR_RETURN(CodeFlag flag,
                      CodeStore(store.db()).spend(e.form_id, payload.round, payload.response_code));
  return static_cast<int>(flag);
}

// The files a response names (file_store.hpp), checked with their keys, and
// its answers as they are stored: without the keys. Nothing for a form
// without file questions, which is nearly every envelope.
struct ResponseFiles {
  std::vector<AnsweredFile> files;
  std::optional<ResponsePayload> stored;  // when the answers lost keys
};
std::variant<ResponseFiles, ItemResult, Status> response_files(ServerStore& store,
                                                               const AnswerValidator& validator,
                                                               const FormSnapshot* forms,
                                                               const Envelope& e,
                                                               const ResponsePayload& payload) {
  ResponseFiles out;
  std::shared_ptr<const FormSnapshot> keep;
  const FormSnapshot* snapshot = layouts_of(validator, forms, keep);
  const auto form =
      snapshot != nullptr ? snapshot->library().find(e.form_id, e.form_version) : nullptr;
  if (form == nullptr || !has_file_questions(*form)) return out;
  // A team contribution lists the merged record's files along with its
  // own; those came with an earlier contribution, and their keys are here.
  const bool contribution = payload.contribution.has_value();
  auto files = answered_files(*form, payload.answers, contribution);
  if (!files.is_ok()) return reject(RejectReason::kInvalidAnswers, files.status().message());
  out.files = std::move(files).value();
  if (contribution) {
    auto missing = known_files_missing(store.db(), out.files);
    if (!missing.is_ok()) return missing.status();
    if (!missing->empty()) {
      return reject(
          RejectReason::kInvalidAnswers,
          *missing + ": this file is named without its key, and no earlier response brought it");
    }
  }
  if (!out.files.empty()) {
    out.stored = payload;
    out.stored->answers = without_file_keys(*form, payload.answers);
  }
  return out;
}

}  // namespace

PreparedEnvelope prepare_envelope(const ServerKeys& keys, const FormSnapshot& forms,
                                  const AnswerValidator& validator, ByteView bytes,
                                  const DeviceId& device, const SignPublicKey& device_key) {
  PreparedEnvelope p;
  auto decoded = decode_envelope(bytes);
  if (!decoded.is_ok() || decoded->device_id != device) return p;
  if (!verify_envelope(*decoded, device_key, keys.public_keys()).is_ok()) return p;
  auto opened = open_payload(keys, &forms, validator, *decoded);
  auto* payload = std::get_if<ResponsePayload>(&opened);
  if (payload == nullptr) return p;
  p.envelope = std::move(decoded).value();
  p.payload = std::move(*payload);
  p.verified_with = device_key;
  p.ready = true;
  return p;
}

Result<ItemResult> ingest_envelope(ServerStore& store, const ServerKeys& keys,
                                   const AnswerValidator& validator, ByteView bytes,
                                   const std::optional<DeviceId>& delivered_by, std::int64_t now,
                                   const FormSnapshot* forms, PreparedEnvelope* prepared) {
  if (prepared != nullptr && !prepared->ready) prepared = nullptr;
  std::optional<Envelope> decoded_here;
  if (prepared == nullptr) {
    auto decoded = decode_envelope(bytes);
    if (!decoded.is_ok()) return reject(RejectReason::kMalformed, decoded.status().message());
    decoded_here.emplace(std::move(decoded).value());
  }
  const Envelope& e = prepared != nullptr ? prepared->envelope : *decoded_here;

  EQ_ASSIGN_OR_RETURN(auto device, store.find_device(e.device_id));
  if (device && device->state == DeviceState::kRevoked) {
    return reject(RejectReason::kRevokedDevice,
                  "device " + e.device_id.to_string() + " has been revoked");
  }
  if (!device || device->state == DeviceState::kPending || !device->public_key) {
    return reject(RejectReason::kUnknownDevice,
                  "device " + e.device_id.to_string() + " is not registered on this server");
  }

  // Nothing about an envelope is believed, not even that it is a resend,
  // before its signature verifies (here, or beforehand with this very key).
  const bool verified = prepared != nullptr &&
                        sodium_memcmp(prepared->verified_with.data(), device->public_key->data(),
                                      device->public_key->size()) == 0;
  if (!verified) {
    if (Status s = verify_envelope(e, *device->public_key, keys.public_keys()); !s.is_ok()) {
      return reject(RejectReason::kBadSignature, s.message());
    }
  }
  // A submission id belongs to the device that first sent it: another device
  // cannot shadow it with a higher revision or a conflicting copy.
  EQ_ASSIGN_OR_RETURN(ServerStore::SubmissionLookup seen, store.lookup_submission(e, bytes));
  if (seen.owner && *seen.owner != e.device_id) {
    return reject(RejectReason::kForeignSubmission,
                  "submission " + e.submission_id.to_string() + " belongs to another device");
  }
  if (seen.known) {
    ItemResult r;
    r.status = *seen.known;
    return r;
  }

  std::optional<ResponsePayload> opened_here;
  if (!verified) {
    std::shared_ptr<const FormSnapshot> keep;
    auto opened = open_payload(keys, layouts_of(validator, forms, keep), validator, e);
    if (auto* rejected = std::get_if<ItemResult>(&opened)) return std::move(*rejected);
    opened_here.emplace(std::move(std::get<ResponsePayload>(opened)));
  }
  const ResponsePayload& payload = verified ? prepared->payload : *opened_here;
  std::optional<AssessmentRecord> assessment;
  std::shared_ptr<const forms::Form> form;  // a contribution's, for its per-site questions
  if (payload.contribution) {
    std::shared_ptr<const FormSnapshot> keep;
    if (const FormSnapshot* snapshot = layouts_of(validator, forms, keep))
      form = snapshot->library().find(e.form_id, e.form_version);
    auto checked = contribution_target(store, e, *payload.contribution, form.get());
    if (auto* rejected = std::get_if<ItemResult>(&checked)) return std::move(*rejected);
    if (auto* status = std::get_if<Status>(&checked)) return *status;
    assessment = std::move(std::get<AssessmentRecord>(checked));
  }
  std::optional<ActionItem> action;
  if (e.form_id == forms::kActionUpdateForm) {
    auto checked = action_target(store, payload);
    if (auto* rejected = std::get_if<ItemResult>(&checked)) return std::move(*rejected);
    if (auto* status = std::get_if<Status>(&checked)) return *status;
    action = std::move(std::get<ActionItem>(checked));
  }
  auto with_files = response_files(store, validator, forms, e, payload);
  if (auto* rejected = std::get_if<ItemResult>(&with_files)) return std::move(*rejected);
  if (auto* status = std::get_if<Status>(&with_files)) return *status;
  const ResponseFiles& files = std::get<ResponseFiles>(with_files);
  const ResponsePayload& kept = files.stored ? *files.stored : payload;
  EQ_ASSIGN_OR_RETURN(const int code_flag, code_verdict(store, validator, forms, e, payload, seen));
  EQ_ASSIGN_OR_RETURN(ItemStatus stored,
                      store.store_submission(e, bytes, kept, delivered_by, now, seen, code_flag));
  // The keys of its files, in the transaction that stores the response.
  if (stored == ItemStatus::kAccepted)
    EQ_RETURN_IF_ERROR(record_files(store.db(), e, files.files, now));
  if (assessment && stored == ItemStatus::kAccepted) {
    // Merged in the transaction that stores the envelope: a crash leaves
    // both or neither.
    std::optional<std::string> flagged;
    if (assessment->state == AssessmentState::kValidated) {
      flagged = "arrived after the assessment was validated; kept, not merged";
    }
    EQ_RETURN_IF_ERROR(AssessmentStore(store.db())
                           .apply_event(*assessment,
                                        contribution_event(e.submission_id, e.device_id,
                                                           device->site, kept, form.get()),
                                        flagged)
                           .status());
  }
  if (action && stored == ItemStatus::kAccepted) {
    // Applied in the transaction that stores the envelope: a crash leaves
    // both or neither, and a resend (a known submission) applies nothing.
    EQ_RETURN_IF_ERROR(
        ActionStore(store.db())
            .add_update(action->id, action_update(kept, e, device->site, *action, now)));
  }
  ItemResult r;
  r.status = stored;
  return r;
}

}  // namespace equitas::server

namespace equitas::server {

Result<std::vector<ItemResult>> ingest_batch(ServerStore& store, const ServerKeys& keys,
                                             const AnswerValidator& validator,
                                             const std::vector<Bytes>& envelopes,
                                             const std::optional<DeviceId>& delivered_by,
                                             std::int64_t now, const FormSnapshot* forms,
                                             std::vector<PreparedEnvelope>* prepared) {
  std::vector<ItemResult> results;
  results.reserve(envelopes.size());
  // The delivering device may have been revoked since its session began.
  if (delivered_by) {
    EQ_ASSIGN_OR_RETURN(auto carrier, store.find_device(*delivered_by));
    if (!carrier || carrier->state != DeviceState::kActive) {
      // About the carrier, not the envelopes: an origin that reads this in
      // a receipt keeps its copy. Only the carrier's own envelopes are
      // refused as such.
      const std::string why =
          "the delivering device " + delivered_by->to_string() +
          (carrier && carrier->state == DeviceState::kRevoked ? " has been revoked"
                                                              : " is not registered");
      for (const auto& bytes : envelopes) {
        auto e = decode_envelope(bytes);
        const bool own = e.is_ok() && e->device_id == *delivered_by;
        results.push_back(
            reject(own ? RejectReason::kRevokedDevice : RejectReason::kCarrierRefused, why));
      }
      return results;
    }
  }
  const bool use_prepared = prepared != nullptr && prepared->size() == envelopes.size();
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    EQ_ASSIGN_OR_RETURN(ItemResult r,
                        ingest_envelope(store, keys, validator, envelopes[i], delivered_by, now,
                                        forms, use_prepared ? &(*prepared)[i] : nullptr));
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace equitas::server
