// The session's fetches: the forms, the list of devices this collector may
// relay for, the team assessments and the response codes the server holds
// for it. Members of Session (sync_session.hpp); apart from the run's order
// (sync_client.cpp) because they only read what the server offers.
#include <boost/json/parse.hpp>

#include "equitas/forms/form_json.hpp"
#include "equitas/wire/device_list.hpp"
#include "sync_session.hpp"

namespace equitas::collector::sync_detail {
namespace {

constexpr LaterFetch kAssessmentsFetch{
    &SyncReport::assessments_note,
    "the server does not offer team assessments (it is older than this collector)",
    "the server did not answer the assessments request"};
constexpr LaterFetch kCodesFetch{
    &SyncReport::codes_note,
    "the server does not offer response codes (it is older than this collector)",
    "the server did not answer the codes request"};

}  // namespace

template <typename Answer>
net::awaitable<Result<Answer>> Session::read_answer(Ws& ws, const char* unanswered) {
  auto reply = co_await read_sealed(ws);
  if (!reply.is_ok()) co_return reply.status();
  if (const auto* err = std::get_if<ErrorMsg>(&*reply)) co_return refusal_status(*err);
  auto* answer = std::get_if<Answer>(&*reply);
  if (answer == nullptr) co_return Status::corruption(unanswered);
  co_return std::move(*answer);
}

// Asks for the form publications this collector lacks and keeps those whose
// signature verifies against the pinned server key.
FormsRequest Session::forms_request(const std::vector<FormRef>& turned_down, Status& status) {
  FormsRequest req;
  auto held = store_.load_form_publications();
  if (!held.is_ok()) {
    status = held.status();
    return req;
  }
  for (const auto& p : *held) req.known.push_back({p.form_id, p.version, p.round});
  req.known.insert(req.known.end(), turned_down.begin(), turned_down.end());
  return req;
}

net::awaitable<Status> Session::fetch_forms(Ws& ws, bool asked) {
  std::vector<FormRef>& turned_down = forms_turned_down_;
  for (int round_trip = 0; round_trip < 32; ++round_trip) {
    if (round_trip > 0 || !asked) {
      Status status = Status::ok();
      FormsRequest req = forms_request(turned_down, status);
      if (!status.is_ok()) co_return status;
      co_await write(ws, protocol_.seal(req));
    }
    auto update =
        co_await read_answer<FormsUpdate>(ws, "the server did not answer the forms request");
    if (!update.is_ok()) co_return update.status();
    for (const auto& p : update->forms) {
      if (const std::string why = publication_problem(p, enrollment_.server.sign); !why.empty()) {
        report_.forms_refused.push_back(p.form_id + " " + p.version + ": " + why);
        turned_down.push_back({p.form_id, p.version, p.round});
        continue;
      }
      if (Status s = store_.save_form_publication(p, clock_.now()); !s.is_ok()) co_return s;
      report_.forms_received.push_back(p.form_id + " " + p.version +
                                       (p.round.empty() ? "" : " (" + p.round + ")"));
    }
    if (!update->more || update->forms.empty()) co_return Status::ok();
    if (asked) {
      // The replies to the requests sent with this one come first.
      forms_more_ = true;
      co_return Status::ok();
    }
  }
  co_return Status::ok();
}

// Refreshes the server's list of devices this collector may relay for, when
// the server's has changed since the copy held here.
DevicesRequest Session::devices_request(Status& status) {
  DevicesRequest req;
  auto held = store_.get_meta(meta_key::kDeviceList);
  if (!held.is_ok()) {
    status = held.status();
    return req;
  }
  if (*held) {
    auto list = decode_device_list(**held, enrollment_.server.sign);
    if (list.is_ok()) req.known = device_list_digest(*list);
  }
  return req;
}

net::awaitable<Status> Session::fetch_devices(Ws& ws, bool asked) {
  if (!asked) {
    Status status = Status::ok();
    DevicesRequest req = devices_request(status);
    if (!status.is_ok()) co_return status;
    co_await write(ws, protocol_.seal(req));
  }
  auto update =
      co_await read_answer<DevicesUpdate>(ws, "the server did not answer the devices request");
  if (!update.is_ok()) co_return update.status();
  if (update->unchanged) co_return Status::ok();
  auto list = decode_device_list(update->list, enrollment_.server.sign);
  if (!list.is_ok()) co_return list.status().with_context("the server's device list was refused");
  co_return store_.set_meta(meta_key::kDeviceList, ByteView(update->list));
}

// Stores one assessment view the server sent, and notes what concerns this
// device: its contributions that arrived too late to be merged.
Status Session::keep_assessment(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* id = o ? o->if_contains("id") : nullptr;
  if (id == nullptr || !id->is_string())
    return Status::corruption("the server sent an assessment without an id");
  CollectorStore::HeldAssessment held;
  held.id = std::string(id->get_string());
  held.view = text;
  auto int_of = [&](const char* key) {
    const auto* x = o->if_contains(key);
    return x && x->is_int64() ? x->as_int64() : 0;
  };
  auto text_of = [&](const boost::json::object& from, const char* key) {
    const auto* x = from.if_contains(key);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  held.revision = int_of("revision");
  held.version = int_of("version");
  held.form_id = text_of(*o, "form_id");
  held.state = text_of(*o, "state");
  EQ_RETURN_IF_ERROR(store_.save_assessment(held, clock_.now()));
  std::string admin;
  if (const auto* a = o->if_contains("administration"); a && a->is_object())
    admin = text_of(a->get_object(), "name");
  const auto* disagreements = o->if_contains("disagreements");
  const std::size_t open =
      disagreements && disagreements->is_array() ? disagreements->get_array().size() : 0;
  report_.assessments_received.push_back(held.id + " " + admin + " (" + text_of(*o, "round") +
                                         "): " + held.state + ", " + std::to_string(open) +
                                         " disagreement(s)");
  if (const auto* flagged = o->if_contains("flagged"); flagged && flagged->is_array()) {
    for (const auto& f : flagged->get_array()) {
      if (!f.is_object() || text_of(f.get_object(), "device") != enrollment_.device_id.to_string())
        continue;
      report_.flagged_contributions.push_back(
          "your contribution " + text_of(f.get_object(), "event") + " to assessment " + held.id +
          " (" + admin + ") reached the server after the assessment was " + held.state +
          ": the server keeps it, flagged for the team, but did not merge it");
    }
  }
  return Status::ok();
}

template <typename Update, typename Keep>
net::awaitable<Result<std::optional<Update>>> Session::fetch_round(Ws& ws, const Bytes& request,
                                                                   const LaterFetch& fetch,
                                                                   Keep keep) {
  co_await write(ws, request);
  auto reply = co_await read_sealed(ws);
  if (!reply.is_ok()) co_return reply.status();
  if (const auto* err = std::get_if<ErrorMsg>(&*reply)) {
    if (err->code == SessionError::kProtocol) {
      report_.*fetch.note = fetch.older;
      co_return std::optional<Update>();
    }
    co_return refusal_status(*err);
  }
  auto* update = std::get_if<Update>(&*reply);
  if (update == nullptr) co_return Status::corruption(fetch.unanswered);
  Transaction tx(store_.db());
  if (!tx.status().is_ok()) co_return tx.status();
  if (Status s = keep(*update); !s.is_ok()) co_return s;
  if (Status s = tx.commit(); !s.is_ok()) co_return s;
  co_return std::optional<Update>(std::move(*update));
}

// Asks for the team assessments that changed since the copies held here.
// Last in the session: a server that predates assessments answers with a
// protocol error, which is noted, not a failed sync.
net::awaitable<Status> Session::fetch_assessments(Ws& ws) {
  for (int round_trip = 0; round_trip < 32; ++round_trip) {
    auto held = store_.assessments();
    if (!held.is_ok()) co_return held.status();
    AssessmentsRequest req;
    for (const auto& a : *held) req.known.push_back({a.id, static_cast<std::uint64_t>(a.revision)});
    auto update = co_await fetch_round<AssessmentsUpdate>(
        ws, protocol_.seal(req), kAssessmentsFetch, [&](const AssessmentsUpdate& u) {
          for (const auto& view : u.assessments) EQ_RETURN_IF_ERROR(keep_assessment(view));
          return Status::ok();
        });
    if (!update.is_ok()) co_return update.status();
    if (!*update || !(*update)->more || (*update)->assessments.empty()) co_return Status::ok();
  }
  co_return Status::ok();
}

// Asks for the response code batches this collector lacks and keeps those
// whose signature verifies against the pinned server key. Last in the
// session: a server that predates codes answers with a protocol error.
net::awaitable<Status> Session::fetch_codes(Ws& ws) {
  std::vector<CodeBatchId> turned_down;
  for (int round_trip = 0; round_trip < 32; ++round_trip) {
    auto held = store_.code_batch_ids();
    if (!held.is_ok()) co_return held.status();
    CodesRequest req;
    req.known = std::move(*held);
    req.known.insert(req.known.end(), turned_down.begin(), turned_down.end());
    if (req.known.size() > kMaxKnownCodeBatches)
      co_return Status::ok();  // far beyond any survey's use
    auto update = co_await fetch_round<CodesUpdate>(
        ws, protocol_.seal(req), kCodesFetch, [&](const CodesUpdate& u) {
          for (const auto& encoded : u.batches) {
            auto batch = open_code_batch(encoded, enrollment_.server.sign);
            if (!batch.is_ok()) {
              report_.codes_refused.push_back(batch.status().message());
              // Not asked for again this session (a malformed one has no id to name).
              if (auto id = decode_code_batch(encoded); id.is_ok()) turned_down.push_back(id->id);
              continue;
            }
            EQ_RETURN_IF_ERROR(store_.save_code_batch(*batch, encoded));
            report_.codes_received.push_back(
                std::to_string(batch->digests.size()) + " response codes for " + batch->form_id +
                (batch->round.empty() ? "" : " (" + batch->round + ")"));
          }
          return Status::ok();
        });
    if (!update.is_ok()) co_return update.status();
    if (!*update || !(*update)->more || (*update)->batches.empty()) co_return Status::ok();
  }
  co_return Status::ok();
}

}  // namespace equitas::collector::sync_detail
