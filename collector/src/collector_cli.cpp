#include "collector_cli.hpp"

#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include "collector_app.hpp"
#include "equitas/forms/form_listing.hpp"
#include "equitas/forms/xlsform_export.hpp"
#include "equitas/util/cli_args.hpp"
#include "equitas/wire/payload.hpp"
#include "web/admin_auth.hpp"
#include "web/serve_command.hpp"

namespace equitas::collector {
namespace {

constexpr const char* kUsage =
    R"(collector: captures survey answers at a post, seals them, and syncs them to the server.

Usage:
  collector init    --data-dir DIR [--admin-pin-file FILE]
  collector serve   --data-dir DIR [--listen 127.0.0.1:8080] [--sync-every 5m] [--mode kiosk|personal]
                    [--idle-timeout 15m] [--idle-countdown 30s] [--draft-expiry 30d]
  collector admin-pin --data-dir DIR [--pin-file FILE]
  collector enroll  --data-dir DIR CODE | --renew CODE
  collector submit  --data-dir DIR --form ID [--form-version V] [--lang L] [--code CODE] FILE|-
  collector submit  --data-dir DIR --form ID --assessment ID --role ROLE [--site S] [--lang L] FILE|-
  collector assessment list --data-dir DIR [--json]
  collector assessment show --data-dir DIR ID [--json]
  collector bundle export --data-dir DIR --out FILE
  collector bundle import --data-dir DIR RECEIPT|BUNDLE
  collector forms list --data-dir DIR [--json]
  collector forms show --data-dir DIR FORM_ID [--version V] [--lang L] [--json]
  collector forms import --data-dir DIR FILE
  collector forms export --data-dir DIR --format xlsx --out FILE.xlsx FORM_ID [--version V]
  collector codes import --data-dir DIR FILE.batch
  collector files   --data-dir DIR [--quota SIZE] [--json]
  collector status  --data-dir DIR [--json]
  collector sync    --data-dir DIR [--json] [--watch [--every 60]]
  collector key passphrase --data-dir DIR [--new-passphrase-file FILE | --remove]

A passphrase-protected device key opens with --passphrase-file FILE (any command)
or $EQUITAS_KEY_PASSPHRASE; init with either protects the new key.
Run "collector COMMAND --help" for the details of a command.
)";

constexpr std::size_t kMaxAnswerFile = 1024 * 1024;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  // The passphrase of the device key, if the command was given one.
  KeyUnlocker unlocker;
};

using Command = CliCommand<int (*)(const CliArgs&, Io&)>;

int fail(Io& io, const Status& s) {
  io.err << "collector: " << s.message() << "\n";
  return 1;
}

Result<DataDir> data_dir(const CliArgs& a) {
  EQ_ASSIGN_OR_RETURN(std::string dir, a.require("--data-dir"));
  return DataDir{std::filesystem::path(dir)};
}

// Opens the device key before the collector: a missing or wrong passphrase
// is refused before the database is touched. The second open inside
// Collector::open reuses the derived key (see KeyUnlocker).
Status check_device_key(const DataDir& dir, const KeyUnlocker& unlocker) {
  return load_device_key(dir.key(), unlocker).status();
}

Result<Collector> open_collector(const CliArgs& a, const KeyUnlocker& unlocker) {
  EQ_ASSIGN_OR_RETURN(DataDir dir, data_dir(a));
  EQ_RETURN_IF_ERROR(check_device_key(dir, unlocker));
  return Collector::open(dir, {.unlocker = unlocker});
}

int cmd_init(const CliArgs& a, Io& io) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(io, dir.status());
  if (Status s = Collector::init(*dir, {.unlocker = io.unlocker}); !s.is_ok()) return fail(io, s);
  if (a.has("--admin-pin-file")) {
    auto pin = read_pin(a, "--admin-pin-file", io.in);
    if (!pin.is_ok()) return fail(io, pin.status());
    auto store = CollectorStore::open(*dir);
    if (!store.is_ok()) return fail(io, store.status());
    Status s = set_admin_pin(*store, *pin, std::nullopt);
    wipe(*pin);
    if (!s.is_ok())
      return fail(io, s.with_context("the folder was created but the PIN was not set"));
  }
  io.out << "Initialised collector data folder " << dir->root.string() << "\n"
         << "Next: collector enroll --data-dir " << dir->root.string()
         << " CODE   (the code comes from: sync-server device enroll)\n";
  return 0;
}

int cmd_enroll(const CliArgs& a, Io& io) {
  const bool renew = a.has("--renew");
  if (a.positional().size() != (renew ? 0u : 1u)) {
    return fail(
        io, Status::invalid_argument(renew ? "give the new code with --renew CODE, and nothing else"
                                           : "give the enrollment CODE"));
  }
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto e = renew ? c->renew(*a.get("--renew")) : c->enroll(a.positional()[0]);
  if (!e.is_ok())
    return fail(io, e.status().with_context(renew ? "the code was not renewed" : "not enrolled"));
  if (renew) {
    auto counts = c->store().counts();
    io.out << "Renewed the enrollment code of device " << e->device_id.to_string() << " (site '"
           << e->site << "'); every response captured so far is kept ("
           << (counts.is_ok() ? counts->pending : 0) << " pending).\n";
  } else {
    io.out << "Enrolled as device " << e->device_id.to_string() << " for site '" << e->site
           << "'.\n"
           << "Server: " << e->url << " (keys pinned; no other server will be trusted)\n";
  }
  io.out << "The first sync, or a USB bundle imported at headquarters, completes the registration; "
            "the code\n"
         << "expires " << iso8601_utc(e->code_expires_at) << ".\n";
  return 0;
}

// `collector submit` takes files as "@path" (or a list of them) for file
// questions: each is checked, encrypted and staged, and its reference, key
// included, takes the path's place in the answers. Paths are relative to
// the working folder. `captured` lists what was staged, for discarding when
// the response is not stored.
Status capture_path_files(Collector& c, std::string_view form_id, std::string_view form_version,
                          std::string& text, std::vector<forms::FileRef>& captured) {
  if (text.find("\"@") == std::string::npos) return Status::ok();  // no paths: nothing to parse
  EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, c.library());
  auto form = form_version.empty() ? lib->current(form_id) : lib->find(form_id, form_version);
  if (!form) return Status::ok();  // submit() names the problem
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return Status::ok();  // likewise
  bool changed = false;
  Status failed = Status::ok();
  // In a repeat's rows too: "trees": [{"tree_photo": "@tree1.jpg"}, ...].
  forms::for_each_file_answer(
      *form, v.as_object(),
      [&](const forms::Item& it, const std::string& where, boost::json::value& answer) {
        if (!failed.is_ok()) return;
        // "@path" strings are files to capture; anything else in the list (a
        // team member keeping the merged record's files) stays as it is.
        const auto path_of = [](const boost::json::value& x) -> std::optional<std::string> {
          if (x.is_string() && x.get_string().starts_with("@"))
            return std::string(x.get_string().subview(1));
          return std::nullopt;
        };
        const auto capture = [&](const std::string& path) -> Result<boost::json::value> {
          // Up to the largest any question allows: capture_file names the limit.
          EQ_ASSIGN_OR_RETURN(Bytes bytes,
                              read_file(path, static_cast<std::size_t>(forms::kMaxFileBytes) + 1));
          auto ref = c.capture_file(*form, it.name, bytes,
                                    std::filesystem::path(path).filename().string());
          wipe(bytes);
          if (!ref.is_ok()) return ref.status();
          captured.push_back(*ref);
          return forms::file_answer_json({*ref}, /*with_key=*/true).as_array().at(0);
        };
        if (auto path = path_of(answer)) {
          auto ref = capture(*path);
          if (!ref.is_ok()) {
            failed = ref.status().with_context(where);
            return;
          }
          answer = boost::json::array{std::move(ref).value()};
          changed = true;
        } else if (answer.is_array()) {
          for (auto& x : answer.get_array()) {
            auto p = path_of(x);
            if (!p) continue;
            auto ref = capture(*p);
            if (!ref.is_ok()) {
              failed = ref.status().with_context(where);
              return;
            }
            x = std::move(ref).value();
            changed = true;
          }
        }
      });
  EQ_RETURN_IF_ERROR(failed);
  if (changed) {
    wipe(text);
    text = boost::json::serialize(v);
  }
  return Status::ok();
}

int cmd_submit(const CliArgs& a, Io& io) {
  auto form = a.require("--form");
  if (!form.is_ok()) return fail(io, form.status());
  if (a.positional().size() != 1) {
    return fail(io, Status::invalid_argument(
                        "give one answers FILE (a JSON object), or - for standard input"));
  }
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  std::string text;
  const std::string& source = a.positional()[0];
  if (source == "-") {
    text.assign(std::istreambuf_iterator<char>(io.in), std::istreambuf_iterator<char>());
  } else {
    auto bytes = read_file(source, kMaxAnswerFile);
    if (!bytes.is_ok()) return fail(io, bytes.status());
    text.assign(bytes->begin(), bytes->end());
    wipe(*bytes);
  }
  std::vector<forms::FileRef> captured;
  if (Status s = capture_path_files(*c, *form, a.get_or("--form-version", ""), text, captured);
      !s.is_ok()) {
    wipe(text);
    (void)c->discard_staged(captured);
    return fail(io, s.with_context("nothing was stored"));
  }
  if (auto assessment = a.get("--assessment")) {
    if (a.has("--form-version")) {
      wipe(text);
      (void)c->discard_staged(captured);
      return fail(
          io, Status::invalid_argument(
                  "a contribution uses the assessment's form as it is now; drop --form-version"));
    }
    auto done = c->contribute(*form, *assessment, a.get_or("--role", ""), text,
                              a.get_or("--lang", "en"), a.get_or("--site", ""));
    wipe(text);
    if (!done.is_ok()) (void)c->discard_staged(captured);
    if (!done.is_ok()) return fail(io, done.status().with_context("nothing was stored"));
    if (!done->notice.empty()) io.err << "collector: note: " << done->notice << "\n";
    io.out << done->id.to_string() << "\n";
    return 0;
  }
  auto id = c->submit(*form, a.get_or("--form-version", ""), text, a.get_or("--lang", "en"), {},
                      a.get_or("--code", ""));
  wipe(text);
  if (!id.is_ok() && id.status().code() != StatusCode::kIoError &&
      id.status().code() != StatusCode::kInternal) {
    (void)c->discard_staged(captured);
  }
  if (!id.is_ok()) {
    // A refused answer stores nothing. A disk error is less certain: when the
    // failure hit the commit's fsync, SQLite may still find the whole
    // transaction at the next open (docs/security.md, "Storage under faults").
    const auto code = id.status().code();
    const bool disk = code == StatusCode::kIoError || code == StatusCode::kResourceExhausted ||
                      code == StatusCode::kInternal;
    return fail(
        io,
        id.status().with_context(
            disk ? "the disk failed while storing; the response may or may not be kept: check with "
                   "`collector status` before capturing it again"
                 : "nothing was stored"));
  }
  io.out << id->to_string() << "\n";
  return 0;
}

Result<std::int64_t> parse_size(std::string_view text) {
  std::int64_t mult = 1;
  std::string digits(text);
  if (!digits.empty()) {
    const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back())));
    if (unit == 'K' || unit == 'M' || unit == 'G') {
      mult = unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : std::int64_t{1} << 30;
      digits.pop_back();
    }
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
      digits.size() > 12) {
    return Status::invalid_argument(
        "a size is a whole number, optionally followed by K, M or G: not '" + std::string(text) +
        "'");
  }
  return std::stoll(digits) * mult;
}

int cmd_files(const CliArgs& a, Io& io) {
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  if (auto q = a.get("--quota")) {
    auto bytes = parse_size(*q);
    if (!bytes.is_ok()) return fail(io, bytes.status());
    if (Status s = c->set_file_quota(*bytes); !s.is_ok()) return fail(io, s);
  }
  auto held = c->store().files_held();
  auto quota = c->file_quota();
  if (!held.is_ok()) return fail(io, held.status());
  if (!quota.is_ok()) return fail(io, quota.status());
  auto notes = c->store().file_problems();
  if (a.has("--json")) {
    boost::json::object o{{"files", held->files}, {"bytes", held->bytes}, {"quota", *quota}};
    io.out << boost::json::serialize(o) << "\n";
    return 0;
  }
  io.out << held->files << " file(s) not yet sent in full, " << held->bytes
         << " bytes (encrypted); quota " << *quota << " bytes.\n";
  if (!notes.is_ok()) return fail(io, notes.status());
  for (const auto& n : *notes) io.out << "  " << n << "\n";
  return 0;
}

int cmd_assessment_list(const CliArgs& a, Io& io) {
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto held = c->assessments();
  if (!held.is_ok()) return fail(io, held.status());
  boost::json::array all;
  for (const auto& h : *held) {
    boost::system::error_code ec;
    auto v = boost::json::parse(h.view, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.get_object();
    if (a.has("--json")) {
      boost::json::object row{{"id", h.id},
                              {"form_id", h.form_id},
                              {"state", h.state},
                              {"version", h.version},
                              {"administration", o.at("administration")},
                              {"round", o.at("round")},
                              {"fields", o.at("fields").as_object().size()},
                              {"disagreements", o.at("disagreements").as_array().size()}};
      all.push_back(std::move(row));
      continue;
    }
    const auto& admin = o.at("administration").as_object();
    io.out << h.id << "\t" << boost::json::value_to<std::string>(admin.at("name")) << " ("
           << boost::json::value_to<std::string>(admin.at("id")) << ")\t" << h.form_id << " round "
           << boost::json::value_to<std::string>(o.at("round")) << "\t" << h.state << "\t"
           << o.at("fields").as_object().size() << " fields entered, "
           << o.at("disagreements").as_array().size() << " disagreement(s)\n";
  }
  if (a.has("--json")) io.out << boost::json::serialize(all) << "\n";
  return 0;
}

int cmd_assessment_show(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1) {
    return fail(
        io, Status::invalid_argument("give one assessment ID (see: collector assessment list)"));
  }
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto held = c->assessments();
  if (!held.is_ok()) return fail(io, held.status());
  for (const auto& h : *held) {
    if (h.id != a.positional()[0]) continue;
    if (a.has("--json")) {
      io.out << h.view << "\n";
      return 0;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(h.view, ec);
    if (ec || !v.is_object())
      return fail(io, Status::corruption("the stored copy of " + h.id + " is damaged; sync again"));
    for (const auto& f : v.get_object().at("fields").as_object()) {
      const auto& field = f.value().as_object();
      io.out << f.key() << ": ";
      if (const auto* value = field.if_contains("value")) {
        io.out << boost::json::serialize(*value) << "\n";
        continue;
      }
      io.out << "DISAGREEMENT";
      for (const auto& c2 : field.at("competing").as_array()) {
        const auto& e = c2.as_object();
        io.out << " " << boost::json::serialize(e.at("value")) << " ("
               << boost::json::value_to<std::string>(e.at("author")) << ", "
               << boost::json::value_to<std::string>(e.at("site")) << ", "
               << boost::json::value_to<std::string>(e.at("at")) << ")";
      }
      io.out << "\n";
    }
    return 0;
  }
  return fail(io, Status::not_found("no assessment " + a.positional()[0] +
                                    " on this collector (see: collector assessment list)"));
}

int cmd_status(const CliArgs& a, Io& io) {
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto s = c->status();
  if (!s.is_ok()) return fail(io, s.status());
  if (a.has("--json")) {
    boost::json::object o;
    o["enrolled"] = s->enrollment.has_value();
    o["device_id"] =
        s->enrollment ? boost::json::value(s->enrollment->device_id.to_string()) : nullptr;
    o["site"] = s->enrollment ? boost::json::value(s->enrollment->site) : nullptr;
    o["server"] = s->enrollment ? boost::json::value(s->enrollment->url) : nullptr;
    o["registered"] = s->enrollment && s->enrollment->registered;
    o["pending"] = s->counts.pending;
    o["pending_bytes"] = s->counts.pending_bytes;
    o["synced"] = s->counts.synced;
    o["rejected"] = s->counts.rejected;
    if (s->last_sync) {
      o["last_sync"] = {{"started_at", iso8601_utc(s->last_sync->started_at)},
                        {"result", s->last_sync->result},
                        {"detail", s->last_sync->detail}};
    } else {
      o["last_sync"] = nullptr;
    }
    io.out << boost::json::serialize(o) << "\n";
    return 0;
  }
  if (s->enrollment) {
    io.out << "Device:    " << s->enrollment->device_id.to_string() << " (site '"
           << s->enrollment->site << "')\nServer:    " << s->enrollment->url
           << (s->enrollment->registered ? "" : " (registration completes at the first sync)")
           << "\n";
  } else {
    io.out << "Device:    not enrolled (collector enroll --data-dir DIR CODE)\n";
  }
  io.out << "Pending:   " << s->counts.pending << " (" << s->counts.pending_bytes << " bytes)\n"
         << "Synced:    " << s->counts.synced << "\n";
  if (s->counts.rejected > 0)
    io.out << "Rejected:  " << s->counts.rejected << " (kept; see the server's reasons)\n";
  if (s->last_sync) {
    io.out << "Last sync: " << iso8601_utc(s->last_sync->started_at) << ", " << s->last_sync->result
           << " (" << s->last_sync->detail << ")\n";
  } else {
    io.out << "Last sync: never\n";
  }
  return 0;
}

// Set by SIGINT/SIGTERM while `sync --watch` runs.
std::atomic<bool> g_stop_watch{false};
extern "C" void on_stop_signal(int) { g_stop_watch = true; }

void print_report(const SyncReport& r, bool json, Io& io) {
  if (json) {
    boost::json::object o;
    o["event"] = "done";
    o["registered_now"] = r.registered_now;
    o["sent"] = r.sent;
    o["accepted"] = r.accepted;
    o["duplicate"] = r.duplicate;
    o["conflict"] = r.conflict;
    o["rejected"] = r.rejected;
    boost::json::array rej;
    for (const auto& x : r.rejections) rej.emplace_back(x);
    o["rejections"] = std::move(rej);
    o["bytes_up"] = r.bytes_up;
    o["bytes_down"] = r.bytes_down;
    o["pending"] = r.pending_after;
    boost::json::array received, flagged;
    for (const auto& x : r.assessments_received) received.emplace_back(x);
    for (const auto& x : r.flagged_contributions) flagged.emplace_back(x);
    o["assessments"] = std::move(received);
    o["flagged_contributions"] = std::move(flagged);
    o["files_sent"] = r.files_sent;
    o["files_already_held"] = r.files_already_held;
    o["files_resumed"] = r.files_resumed;
    o["file_chunks_sent"] = r.file_chunks_sent;
    o["file_bytes_sent"] = r.file_bytes_sent;
    boost::json::array file_notes;
    for (const auto& x : r.file_notes) file_notes.emplace_back(x);
    o["file_notes"] = std::move(file_notes);
    io.out << boost::json::serialize(o) << std::endl;
    return;
  }
  if (r.registered_now) io.out << "Registration completed with the server.\n";
  for (const auto& f : r.forms_received) io.out << "Received form " << f << "\n";
  for (const auto& f : r.forms_refused) io.out << "Refused a form from the server: " << f << "\n";
  for (const auto& x : r.assessments_received) io.out << "Assessment " << x << "\n";
  for (const auto& x : r.flagged_contributions) io.out << "Note: " << x << "\n";
  if (!r.assessments_note.empty()) io.out << "Note: " << r.assessments_note << "\n";
  for (const auto& x : r.codes_received) io.out << "Received " << x << "\n";
  for (const auto& x : r.codes_refused)
    io.out << "Refused response codes from the server: " << x << "\n";
  if (!r.codes_note.empty()) io.out << "Note: " << r.codes_note << "\n";
  if (r.files_sent + r.files_already_held > 0) {
    io.out << "Files: " << r.files_sent << " sent (" << r.file_bytes_sent << " bytes in "
           << r.file_chunks_sent << " chunks"
           << (r.files_resumed > 0 ? ", " + std::to_string(r.files_resumed) + " resumed" : "")
           << "), " << r.files_already_held << " already on the server.\n";
  }
  for (const auto& x : r.file_notes) io.out << "Note: " << x << "\n";
  io.out << "Synced: " << r.sent << " sent, " << r.accepted << " accepted, " << r.duplicate
         << " already on the server, " << r.conflict << " conflicts (kept and flagged), "
         << r.rejected << " rejected. " << r.pending_after << " pending.\n";
  for (const auto& x : r.rejections) io.out << "  rejected " << x << "\n";
  io.out << std::flush;
}

// One sync with progress: a bar on a terminal, JSON lines with --json.
// Returns the exit code and, through `failure`, whether it failed for want
// of a reachable server (worth retrying).
// `progressed`: the server stored something this session (a response, a
// file or a piece of one), even if a cut then ended it.
int sync_once(Collector& c, bool json, bool tty, Io& io, bool& retryable, bool& progressed) {
  SyncOptions opts;
  const auto start = std::chrono::steady_clock::now();
  if (json) {
    opts.on_progress = [&io](const SyncProgress& p) {
      boost::json::object o{{"event", "progress"},
                            {"acknowledged", p.acknowledged},
                            {"total", p.total},
                            {"bytes_up", p.bytes_up},
                            {"bytes_down", p.bytes_down}};
      io.out << boost::json::serialize(o) << std::endl;
    };
  } else if (tty) {
    opts.on_progress = [&io, start](const SyncProgress& p) {
      const double secs = std::max(
          0.001, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      const double rate = static_cast<double>(p.acknowledged) / secs;
      const int width = 24;
      const int filled = p.total > 0 ? static_cast<int>(width * p.acknowledged / p.total) : width;
      const double left = rate > 0 ? static_cast<double>(p.total - p.acknowledged) / rate : 0;
      io.err << "\r  [" << std::string(static_cast<std::size_t>(filled), '#')
             << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << p.acknowledged
             << "/" << p.total << ", " << p.bytes_up / 1024 << " KiB up, " << static_cast<int>(rate)
             << "/s, " << static_cast<int>(left) << " s left   " << std::flush;
    };
  }
  // Progress lines for responses and whole files; each stored piece only
  // marks the session as having moved forward.
  progressed = false;
  std::int64_t shown_ack = -1, shown_files = -1;
  opts.on_progress = [&, show = std::move(opts.on_progress)](const SyncProgress& p) {
    progressed = progressed || p.acknowledged > 0 || p.file_bytes_stored > 0;
    if (show && (p.acknowledged != shown_ack || p.files_stored != shown_files)) {
      shown_ack = p.acknowledged;
      shown_files = p.files_stored;
      show(p);
    }
  };
  auto r = c.sync(opts);
  if (tty) io.err << "\n";
  retryable = !r.is_ok() && (r.status().code() == StatusCode::kUnavailable ||
                             r.status().code() == StatusCode::kDeadlineExceeded);
  if (!r.is_ok()) {
    if (json) {
      boost::json::object o{
          {"event", "failed"}, {"error", r.status().message()}, {"retryable", retryable}};
      io.out << boost::json::serialize(o) << std::endl;
    }
    return fail(io, r.status());
  }
  print_report(*r, json, io);
  if (r->rejected > 0) {
    io.err << "collector: the server rejected " << r->rejected
           << " submission(s); they are kept here as 'rejected' with the reason\n";
    return 3;
  }
  return r->pending_after == 0 ? 0 : 1;
}

int cmd_sync(const CliArgs& a, Io& io) {
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  const bool json = a.has("--json");
  const bool tty = !json && &io.err == &std::cerr && ::isatty(STDERR_FILENO);
  bool retryable = false;
  bool progressed = false;
  if (!a.has("--watch")) return sync_once(*c, json, tty, io, retryable, progressed);

  // Watch: sync, and on an unreachable server retry with backoff (2 s,
  // doubling, at most 5 minutes, plus up to a quarter more at random so
  // that posts cut off together do not come back together); after a good
  // sync, wait --every seconds. A session that a cut ended after the server
  // stored something (a satellite link that drops every half minute) is
  // retried after 2 s again: the link is there, between its cuts.
  auto every = parse_duration_seconds(a.get_or("--every", "60"));
  if (!every.is_ok()) return fail(io, every.status());
  g_stop_watch = false;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::int64_t backoff = 2;
  int last = 0;
  while (!g_stop_watch) {
    last = sync_once(*c, json, tty, io, retryable, progressed);
    std::int64_t wait = *every;
    if (retryable) {
      if (progressed) backoff = 2;
      wait = backoff + static_cast<std::int64_t>(
                           randombytes_uniform(static_cast<std::uint32_t>(backoff / 4 + 1)));
      backoff = std::min<std::int64_t>(backoff * 2, 300);
      if (!json) io.err << "collector: retrying in " << wait << " s (Ctrl-C to stop)\n";
    } else {
      backoff = 2;
    }
    for (std::int64_t t = 0; t < wait * 10 && !g_stop_watch; ++t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return last;
}

int cmd_forms_list(const CliArgs& a, Io& io) {
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto lib = c->library();
  if (!lib.is_ok()) return fail(io, lib.status());
  forms::print_form_list(**lib, a.has("--json"), io.out);
  return 0;
}

int cmd_forms_show(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1)
    return fail(io, Status::invalid_argument("give one FORM_ID (see: collector forms list)"));
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto lib = c->library();
  if (!lib.is_ok()) return fail(io, lib.status());
  const Status s = forms::print_form(**lib, a.positional()[0], a.get_or("--version", ""),
                                     a.has("--json"), a.get_or("--lang", "en"), io.out);
  return s.is_ok() ? 0 : fail(io, s);
}

// The collector has no signed publications to hand on (only the server
// signs), so --format is required: xlsx, an XLSForm workbook of one form.
int cmd_forms_export(const CliArgs& a, Io& io) {
  auto path = a.require("--out");
  if (!path.is_ok()) return fail(io, path.status());
  const std::string format = a.get_or("--format", "");
  if (format != "xlsx") {
    return fail(io, Status::invalid_argument(
                        "--format xlsx is required: the one format is an XLSForm workbook" +
                        (format.empty() ? std::string() : ", not '" + format + "'")));
  }
  if (a.positional().size() != 1) {
    return fail(io, Status::invalid_argument("give one FORM_ID (see: collector forms list)"));
  }
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto lib = c->library();
  if (!lib.is_ok()) return fail(io, lib.status());
  return forms::run_xlsform_export(**lib, a.positional()[0], a.get_or("--version", ""), *path,
                                   "collector", io.out, io.err);
}

int cmd_bundle_export(const CliArgs& a, Io& io) {
  auto out = a.require("--out");
  if (!out.is_ok()) return fail(io, out.status());
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto n = c->export_bundle(*out);
  if (!n.is_ok()) return fail(io, n.status());
  io.out << "Wrote " << n->envelopes << " sealed submission" << (n->envelopes == 1 ? "" : "s");
  if (n->files > 0) {
    io.out << " and " << n->files << " file" << (n->files == 1 ? "" : "s") << " ("
           << (n->file_bytes + 1023) / 1024 << " KiB, encrypted)";
  }
  io.out << " to " << *out << ". They stay pending here until the server's receipt is imported:\n"
         << "  at headquarters: sync-server import --data-dir DIR " << *out
         << " --receipt receipt.eqr\n"
         << "  back here:       collector bundle import --data-dir DIR receipt.eqr\n";
  if (n->files_left > 0) {
    io.out << n->files_left
           << " more file(s) did not fit in one bundle; export another after the receipt is "
           << "imported.\n";
  }
  return 0;
}

int cmd_bundle_import(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1)
    return fail(io, Status::invalid_argument("give one RECEIPT or BUNDLE file"));
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto r = c->import_bundle_or_receipt(a.positional()[0]);
  if (!r.is_ok()) return fail(io, r.status().with_context("nothing was changed"));
  if (r->was_receipt) {
    io.out << "Receipt applied: " << r->marked << " submission(s) settled by the server";
    if (r->unmatched > 0)
      io.out << "; " << r->unmatched
             << " were not pending here (already synced, or another post's)";
    io.out << ".\n";
    if (r->registered_now)
      io.out << "Registration completed: the server holds this device's key.\n";
    if (r->files_marked > 0)
      io.out << r->files_marked << " file(s) held by the server, deleted here.\n";
    for (const auto& p : r->file_problems)
      io.out << "Not stored by the server, kept here: file " << p << "\n";
    if (r->kept > 0) {
      io.out << r->kept
             << " submission(s) stay pending: the receipt's verdict was about the device that "
                "delivered "
             << "them (a relay), not about them. Send them again by sync or bundle.\n";
    }
    if (r->other_copy > 0) {
      io.out << r->other_copy
             << " verdict(s) were about altered copies of submissions held here; ignored, and "
             << "the originals stay pending.\n";
    }
    return r->kept > 0 || r->other_copy > 0 ? 3 : 0;
  }
  io.out << "Queued " << r->queued << " submission(s) from device " << r->from.to_string()
         << " for upload at the next sync"
         << (r->already > 0 ? " (" + std::to_string(r->already) + " already here)" : "")
         << (r->relays_registration ? ", with its registration" : "")
         << (r->files_queued > 0 ? ", and " + std::to_string(r->files_queued) + " file(s)" : "")
         << ".\n";
  return 0;
}

int cmd_codes_import(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1)
    return fail(io, Status::invalid_argument("give one response code batch FILE"));
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto b = c->import_code_batch(a.positional()[0]);
  if (!b.is_ok()) return fail(io, b.status().with_context("nothing was changed"));
  io.out << "Imported " << b->digests.size() << " response codes for " << b->form_id
         << (b->round.empty() ? "" : " (" + b->round + ")") << ".\n";
  return 0;
}

int cmd_forms_import(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1) return fail(io, Status::invalid_argument("give one forms FILE"));
  auto c = open_collector(a, io.unlocker);
  if (!c.is_ok()) return fail(io, c.status());
  auto r = c->import_forms(a.positional()[0]);
  if (!r.is_ok()) return fail(io, r.status().with_context("nothing was changed"));
  for (const auto& f : r->received) io.out << "Imported form " << f << "\n";
  for (const auto& f : r->refused) io.out << "Refused " << f << "\n";
  return r->refused.empty() ? 0 : 3;
}

int cmd_serve(const CliArgs& a, Io& io) {
  ServeSettings settings;
  // Checked before anything is opened: a kiosk must not start as something
  // else because of a typo.
  if (auto m = a.get("--mode")) {
    auto mode = parse_device_mode(*m);
    if (!mode)
      return fail(io, Status::invalid_argument("--mode is kiosk or personal, not '" + *m + "'"));
    settings.mode = *mode;
  }
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(io, dir.status());
  if (Status s = check_device_key(*dir, io.unlocker); !s.is_ok()) return fail(io, s);
  settings.dir = *dir;
  settings.unlocker = io.unlocker;
  settings.listen = a.get_or("--listen", settings.listen);
  for (auto [flag, target] : {std::pair{"--sync-every", &settings.sync_every},
                              std::pair{"--idle-timeout", &settings.idle_timeout},
                              std::pair{"--idle-countdown", &settings.idle_countdown},
                              std::pair{"--draft-expiry", &settings.draft_expiry}}) {
    if (auto v = a.get(flag)) {
      auto secs = parse_duration_seconds(*v);
      if (!secs.is_ok()) return fail(io, secs.status().with_context(flag));
      *target = std::chrono::seconds(*secs);
    }
  }
  return serve(settings, io.out, io.err);
}

int cmd_admin_pin(const CliArgs& a, Io& io) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(io, dir.status());
  auto store = CollectorStore::open(*dir);
  if (!store.is_ok()) return fail(io, store.status());
  auto is_set = admin_pin_is_set(*store);
  if (!is_set.is_ok()) return fail(io, is_set.status());
  std::optional<std::string> old;
  if (*is_set) {
    const char* env = std::getenv("EQUITAS_OLD_ADMIN_PIN");
    if (env == nullptr) {
      return fail(
          io,
          Status::failed_precondition(
              "a PIN is already set; give the current one in EQUITAS_OLD_ADMIN_PIN to change it"));
    }
    old = env;
  }
  auto pin = read_pin(a, "--pin-file", io.in);
  if (!pin.is_ok()) return fail(io, pin.status());
  Status s =
      set_admin_pin(*store, *pin, old ? std::optional<std::string_view>(*old) : std::nullopt);
  wipe(*pin);
  if (old) wipe(*old);
  if (!s.is_ok()) return fail(io, s.with_context("the PIN was not changed"));
  io.out << "Admin PIN set. It opens the admin page of collector serve.\n";
  return 0;
}

int cmd_key_passphrase(const CliArgs& a, Io& io) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(io, dir.status());
  auto locked = rekey_key_file(dir->key(), io.unlocker.passphrase(), a.get("--new-passphrase-file"),
                               a.has("--remove"));
  if (!locked.is_ok()) return fail(io, locked.status());
  io.out << "The device key " << dir->key().string()
         << (*locked ? " is now protected by the new passphrase.\n"
                     : " is now stored without a passphrase (mode 0600).\n");
  return 0;
}

const Command kCommands[] = {
    {"init",
     "collector init --data-dir DIR [--admin-pin-file FILE]\n"
     "  Creates the data folder, its database and this device's signing key. With "
     "--admin-pin-file,\n"
     "  also sets the admin PIN (at least 6 characters) that opens the web UI's admin page.\n",
     {"--data-dir", "--admin-pin-file"},
     {},
     cmd_init},
    {"serve",
     "collector serve --data-dir DIR [--listen 127.0.0.1:8080] [--sync-every 5m] [--mode "
     "kiosk|personal]\n"
     "                [--idle-timeout 15m] [--idle-countdown 30s] [--draft-expiry 30d]\n"
     "  Serves the survey in a browser, from this binary alone (no internet needed). Officers "
     "answer\n"
     "  at http://127.0.0.1:8080/; the post's admin signs in at /admin with the admin PIN.\n"
     "  --listen 0.0.0.0:8080 lets phones on the post's Wi-Fi join: they need the link with the "
     "post\n"
     "  token printed here (also shown as a QR code on the admin page).\n"
     "  --sync-every syncs in the background (with backoff when the server is unreachable).\n"
     "  --mode says who holds the devices of this post (default kiosk):\n"
     "    kiosk: a shared laptop or tablet. An unfinished anonymous response is never shown to "
     "the\n"
     "      next person: reloading or opening the page erases it. After --idle-timeout untouched "
     "the\n"
     "      page asks \"Are you still there?\" and erases it --idle-countdown later.\n"
     "    personal: the respondents' own phones. An unfinished response survives a reload, a "
     "closed\n"
     "      tab and a phone call for 24 hours; coming back asks to continue or start again.\n"
     "  --draft-expiry: a draft the admin can resume (the GEOAT) is wiped after this long "
     "untouched,\n"
     "  in both modes.\n",
     {"--data-dir", "--listen", "--sync-every", "--mode", "--idle-timeout", "--idle-countdown",
      "--draft-expiry"},
     {},
     cmd_serve},
    {"admin-pin",
     "collector admin-pin --data-dir DIR [--pin-file FILE]\n"
     "  Sets the admin PIN (from FILE, else $EQUITAS_ADMIN_PIN, else one line of standard input).\n"
     "  To change it, give the current PIN in $EQUITAS_OLD_ADMIN_PIN.\n",
     {"--data-dir", "--pin-file"},
     {},
     cmd_admin_pin},
    {"enroll",
     "collector enroll --data-dir DIR CODE\n"
     "collector enroll --data-dir DIR --renew CODE\n"
     "  Pins the server named in CODE (from sync-server device enroll). Works offline; the first "
     "sync,\n"
     "  or the first USB bundle imported at headquarters, completes the registration. An expired "
     "code\n"
     "  is refused. --renew takes a new code for this same device (sync-server device reissue) "
     "when\n"
     "  the first expired before the post could sync; every response captured is kept.\n",
     {"--data-dir", "--renew"},
     {},
     cmd_enroll},
    {"submit",
     "collector submit --data-dir DIR --form ID [--form-version V] [--lang L] [--code CODE] "
     "FILE|-\n"
     "  Stores one finished response: FILE holds the answers as a JSON object (- reads stdin),\n"
     "  keyed by question name. The form engine checks them first: if anything is invalid, every\n"
     "  error is listed (in language L) and nothing is stored. Valid answers are sealed to the\n"
     "  server and signed at once; prints the submission id.\n"
     "  With --assessment ID (a team assessment received at sync: collector assessment list) the\n"
     "  answers are this member's partial contribution, for the fields of their area only; --role\n"
     "  names their role in the team. The server merges it with the others' field by field.\n"
     "  --site S gives the form's per-site answers (a facility's status) for site S: this\n"
     "  collector's own, or one the assessment lists; they sit beside the other sites'.\n"
     "  A form that asks for response codes needs --code: the respondent's single-use code from "
     "the\n"
     "  slip HQ printed (sync-server codes issue), checked here against the codes received at "
     "sync.\n"
     "  A file question (image, audio, video, file) takes \"@PATH\", or a list of them, relative "
     "to the\n"
     "  working folder: each file is checked (size, type, whole), encrypted under a key only the\n"
     "  server will learn, and sent after the response at the next sync.\n",
     {"--data-dir", "--form", "--form-version", "--lang", "--assessment", "--role", "--site",
      "--code"},
     {},
     cmd_submit},
    {"files",
     "collector files --data-dir DIR [--quota SIZE] [--json]\n"
     "  The files (photos, recordings, documents) held here and not yet sent in full: how many, "
     "how\n"
     "  much disk they take (encrypted), and why a transfer stopped. --quota sets how much unsent\n"
     "  files may take before a capture is refused (e.g. 500M, 2G; default 1G).\n",
     {"--data-dir", "--quota"},
     {"--json"},
     cmd_files},
    {"assessment list",
     "collector assessment list --data-dir DIR [--json]\n"
     "  The team assessments received at the last sync: id, administration, round, state, and how "
     "far\n"
     "  the team has got (fields entered, disagreements).\n",
     {"--data-dir"},
     {"--json"},
     cmd_assessment_list},
    {"assessment show",
     "collector assessment show --data-dir DIR ID [--json]\n"
     "  What the team has entered so far, as the server merged it at the last sync: each field's "
     "value,\n"
     "  the disagreements with who said what, where and when, and the scores (provisional until\n"
     "  validated) with their coverage.\n",
     {"--data-dir"},
     {"--json"},
     cmd_assessment_show},
    {"bundle export",
     "collector bundle export --data-dir DIR --out FILE\n"
     "  For posts with no link: writes every pending submission (sealed and signed) into FILE, "
     "under a\n"
     "  manifest signed by this device, to carry to headquarters on a USB stick.\n",
     {"--data-dir", "--out"},
     {},
     cmd_bundle_export},
    {"bundle import",
     "collector bundle import --data-dir DIR RECEIPT|BUNDLE\n"
     "  A RECEIPT from sync-server import marks the delivered submissions as synced (or rejected, "
     "with\n"
     "  the reason). It applies only to the exact copies this collector holds: a verdict about an\n"
     "  altered copy, or about a relay that was refused, leaves the submission pending (exit 3).\n"
     "  Another post's BUNDLE is queued and relayed to the server at this collector's next sync.\n",
     {"--data-dir"},
     {},
     cmd_bundle_import},
    {"codes import",
     "collector codes import --data-dir DIR FILE.batch\n"
     "  For a post that never connects: the response codes HQ issued (the .batch file that "
     "sync-server\n"
     "  codes issue writes beside the slips), checked against the server's key pinned at "
     "enrollment.\n"
     "  A collector that syncs receives them by itself.\n",
     {"--data-dir"},
     {},
     cmd_codes_import},
    {"forms import",
     "collector forms import --data-dir DIR FILE\n"
     "  For a post that never connects: the forms the server published (the FILE sync-server "
     "forms\n"
     "  export writes), each checked against the server's key pinned at enrollment, as at a sync.\n"
     "  Exit 3 when some were refused (listed).\n",
     {"--data-dir"},
     {},
     cmd_forms_import},
    {"forms export",
     "collector forms export --data-dir DIR --format xlsx --out FILE.xlsx FORM_ID [--version V]\n"
     "  A form this collector knows (bundled or received; the current version unless --version) as "
     "an\n"
     "  XLSForm workbook, to edit in a spreadsheet and publish at headquarters (sync-server forms\n"
     "  publish). What XLSForm lacks (polarity, scores, breakdowns, file limits, languages...) is "
     "in\n"
     "  equitas_ columns (schema/README.md). A list from a .csv or .xml file is written as that "
     "file\n"
     "  beside FILE.xlsx. The workbook is imported again and compared: exit 0 when it gives the "
     "same\n"
     "  definition, 3 when something cannot be carried (listed), 1 when nothing was written.\n",
     {"--data-dir", "--format", "--out", "--version"},
     {},
     cmd_forms_export},
    {"forms list",
     "collector forms list --data-dir DIR [--json]\n  The forms this collector can capture: "
     "bundled, and received from the server.\n",
     {"--data-dir"},
     {"--json"},
     cmd_forms_list},
    {"forms show",
     "collector forms show --data-dir DIR FORM_ID [--version V] [--lang L] [--json]\n"
     "  A form's questions; --json prints its definition.\n",
     {"--data-dir", "--version", "--lang"},
     {"--json"},
     cmd_forms_show},
    {"status",
     "collector status --data-dir DIR [--json]\n  Pending and synced counts, last sync, device id "
     "and server.\n",
     {"--data-dir"},
     {"--json"},
     cmd_status},
    {"sync",
     "collector sync --data-dir DIR [--json] [--watch [--every 60]]\n"
     "  Sends every pending submission to the server. Exit 0 only when all are acknowledged;\n"
     "  3 when the server rejected some (they are kept); 1 when the sync failed (nothing is "
     "lost).\n"
     "  A progress bar shows on a terminal; --json prints one JSON object per line instead\n"
     "  ({\"event\":\"progress\"|\"done\"|\"failed\", ...}).\n"
     "  --watch keeps going: it retries an unreachable server with backoff (2 s up to 5 min), and\n"
     "  after a good sync waits --every (seconds, or 10m, 1h) before the next, until Ctrl-C.\n",
     {"--data-dir", "--every"},
     {"--json", "--watch"},
     cmd_sync},
    {"key passphrase",
     "collector key passphrase --data-dir DIR [--passphrase-file CURRENT] [--new-passphrase-file "
     "FILE | --remove]\n"
     "  Protects the device key with a passphrase (Argon2id, then XChaCha20-Poly1305), changes it, "
     "or\n"
     "  with --remove stores the key unprotected again. The current passphrase comes from\n"
     "  --passphrase-file or $EQUITAS_KEY_PASSPHRASE, the new one from --new-passphrase-file or\n"
     "  $EQUITAS_NEW_KEY_PASSPHRASE (at least 8 characters). Every later command then needs\n"
     "  --passphrase-file FILE or $EQUITAS_KEY_PASSPHRASE.\n",
     {"--data-dir", "--new-passphrase-file"},
     {"--remove"},
     cmd_key_passphrase},
};

}  // namespace

std::vector<std::string> command_names() { return cli_command_names(kCommands); }

int run_cli(const std::vector<std::string>& argv, std::istream& in, std::ostream& out,
            std::ostream& err) {
  Io io{in, out, err, {}};
  // Any command may need the device key's passphrase: the commands hand
  // io.unlocker to what opens the key.
  std::vector<std::string> args = argv;
  auto passphrase = take_key_passphrase_arg(args);
  if (!passphrase.is_ok()) return fail(io, passphrase.status());
  io.unlocker = KeyUnlocker(std::move(*passphrase));
  return dispatch_cli("collector", kUsage, "collector " EQUITAS_VERSION, kCommands, args, out, err,
                      [&io](const Command& c, const CliArgs& a) { return c.run(a, io); });
}

}  // namespace equitas::collector
