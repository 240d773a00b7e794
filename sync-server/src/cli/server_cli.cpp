#include "server_cli.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "assessment_cli.hpp"
#include "bundle_import.hpp"
#include "cli_support.hpp"
#include "codes_cli.hpp"
#include "equitas/forms/form_json.hpp"
#include "equitas/forms/form_listing.hpp"
#include "equitas/forms/xlsform.hpp"
#include "equitas/forms/xlsform_export.hpp"
#include "equitas/util/cli_args.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "exporter.hpp"
#include "form_registry.hpp"
#include "report.hpp"
#include "server.hpp"
#include "server_app.hpp"
#include "server_log.hpp"
#include "server_store.hpp"
#include "units_cli.hpp"

namespace equitas::server {
namespace {

constexpr const char* kUsage =
    R"(sync-server: receives, verifies and merges survey submissions from collectors.

Usage:
  sync-server init    --data-dir DIR
  sync-server serve   --data-dir DIR [--listen 127.0.0.1:8443] [--threads N] [--public-origin URL]
  sync-server admin-token create --data-dir DIR --label LABEL [--role viewer|analyst|steward|admin]
  sync-server admin-token list   --data-dir DIR
  sync-server admin-token revoke --data-dir DIR ID
  sync-server device enroll --data-dir DIR --site NAME [--url ws://HOST:PORT] [--expires 14d]
  sync-server device list   --data-dir DIR [--json]
  sync-server device reissue --data-dir DIR DEVICE_ID [--url ws://HOST:PORT] [--expires 14d]
  sync-server device revoke --data-dir DIR DEVICE_ID
  sync-server export  --data-dir DIR --form ID [--format csv|jsonl|xlsx|sav|dta] [--round R]
                      [--labels] [--lang L] [--bom] [--out FILE] [--with-files] [--all-revisions]
  sync-server backup  --data-dir DIR --out FOLDER
  sync-server restore --from FOLDER --data-dir NEWDIR
  sync-server report  --data-dir DIR --form ID [--round R] [--compare R2] [--by DIM[,DIM]]
                      [--min-cell N] [--json]
  sync-server import  --data-dir DIR BUNDLE... [--receipt OUT] [--accept-expired-code]
  sync-server forms publish --data-dir DIR FILE.json|FILE.xlsx [--round NAME] [--attach PATH[,PATH]]
  sync-server forms list    --data-dir DIR [--json]
  sync-server forms show    --data-dir DIR FORM_ID [--version V] [--lang L] [--json]
  sync-server forms export  --data-dir DIR --out FILE
  sync-server forms export  --data-dir DIR --format xlsx --out FILE.xlsx FORM_ID [--version V]
  sync-server key passphrase --data-dir DIR [--new-passphrase-file FILE | --remove]
  sync-server units set       --data-dir DIR --file UNITS.csv
  sync-server units list      --data-dir DIR
  sync-server headcounts set  --data-dir DIR --file HEADCOUNTS.csv [--round R]
  sync-server headcounts list --data-dir DIR
  sync-server codes issue     --data-dir DIR --form FORM [--round R] --count N --out FOLDER
  sync-server codes list      --data-dir DIR
  sync-server administration add  --data-dir DIR --id ID --name NAME
  sync-server administration list --data-dir DIR
  sync-server assessment create   --data-dir DIR --form FORM --round R --administration ID
  sync-server assessment list     --data-dir DIR
  sync-server assessment show     --data-dir DIR ID [--lang L] [--json]
  sync-server assessment report   --data-dir DIR ID [--lang L] [--out FILE]
  sync-server assessment resolve  --data-dir DIR ID FIELD --value V --comment TEXT
  sync-server assessment review   --data-dir DIR ID --comment TEXT
  sync-server assessment validate --data-dir DIR ID --comment TEXT
  sync-server action list         --data-dir DIR [--administration ID] [--lang L] [--json]
  sync-server action update       --data-dir DIR ID [--status S] [--note TEXT] [--indicators LIST]
                                  [--owner NAME] [--deadline YYYY-MM-DD]

Passphrase-protected server keys open with --passphrase-file FILE (any command) or
$EQUITAS_KEY_PASSPHRASE (for services); init with either protects the new keys.
Run "sync-server COMMAND --help" for the details of a command.
)";

// A command's entry point. The commands that open the server keys take the
// KeyUnlocker made from --passphrase-file or $EQUITAS_KEY_PASSPHRASE; the
// others are never given it.
struct CommandRun {
  using Plain = int (*)(const CliArgs&, std::ostream&, std::ostream&);
  using Keyed = int (*)(const CliArgs&, const KeyUnlocker&, std::ostream&, std::ostream&);
  CommandRun(Plain f) : plain(f) {}  // NOLINT: the command table reads best with bare names
  CommandRun(Keyed f) : keyed(f) {}  // NOLINT
  int operator()(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
                 std::ostream& err) const {
    return keyed != nullptr ? keyed(a, unlocker, out, err) : plain(a, out, err);
  }
  Plain plain = nullptr;
  Keyed keyed = nullptr;
};
using Command = CliCommand<CommandRun>;

int fail(std::ostream& err, const Status& s) {
  err << "sync-server: " << s.message() << "\n";
  return 1;
}

Result<DataDir> data_dir(const CliArgs& a) {
  EQ_ASSIGN_OR_RETURN(std::string dir, a.require("--data-dir"));
  return DataDir{std::filesystem::path(dir)};
}

std::string b64(ByteView b) { return to_base64url(b); }

std::string date_or_dash(const std::optional<std::int64_t>& t) {
  return t ? iso8601_utc(*t) : std::string("-");
}

int cmd_init(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto made = ServerApp::init(*dir, {.unlocker = unlocker});
  if (!made.is_ok()) return fail(err, made.status());
  auto opened = made->app.keys();
  if (!opened.is_ok()) return fail(err, opened.status());
  const ServerKeys& keys = **opened;
  out << "Initialised server data folder " << dir->root.string() << "\n"
      << "  signing key: " << b64(keys.sign.public_key()) << "\n"
      << "  sealing key: " << b64(keys.box.public_key()) << "\n"
      << "Admin token (shown only now; store it somewhere safe):\n"
      << "  " << made->admin_token << "\n"
      << "Next: sync-server serve --data-dir " << dir->root.string() << "\n";
  return 0;
}

int cmd_serve(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  const auto log_format = log::parse_format(a.get_or("--log-format", "text"));
  if (!log_format) return fail(err, Status::invalid_argument("--log-format takes text or json"));
  log::set_format(*log_format);
  ServeOptions opts;
  opts.unlocker = unlocker;
  opts.listen = a.get_or("--listen", "127.0.0.1:8443");
  if (auto t = a.get("--threads"))
    opts.io_threads = static_cast<unsigned>(std::max(0, std::atoi(t->c_str())));
  if (auto o = a.get("--public-origin")) {
    for (std::string origin : comma_list(*o)) {
      while (!origin.empty() && origin.back() == '/') origin.pop_back();
      if (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0) {
        return fail(err, Status::invalid_argument(
                             "--public-origin takes https://NAME[:PORT] (or http://)"));
      }
      opts.public_origins.push_back(origin);
    }
  }
  if (auto proxies = a.get("--trusted-proxy")) {
    for (const std::string& text : comma_list(*proxies)) {
      boost::system::error_code ec;
      const auto address = boost::asio::ip::make_address(text, ec);
      if (ec)
        return fail(err, Status::invalid_argument("--trusted-proxy takes IP addresses; '" + text +
                                                  "' is not one"));
      opts.trusted_proxies.push_back(address);
    }
  }
  // Block the stop signals before any thread starts, so that only sigwait
  // below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Before the first accept; said after the address (scripts read that
  // first). Not fatal: the server still runs, with fewer connections to spare.
  const auto files = raise_open_file_limit();
  auto server = Server::start(*dir, opts);
  if (!server.is_ok()) return fail(err, server.status());
  // Scripts and tests read these lines from stdout; in JSON they are events
  // like the rest, the first with the sync URL as a field.
  const bool json = *log_format == log::Format::kJson;
  const auto say = [&](std::string_view event, const std::string& text,
                       std::initializer_list<log::Field> fields = {}) {
    if (json) {
      log::write_to(out, log::Level::kInfo, event, text, fields);
    } else {
      out << text << std::endl;
    }
  };
  const std::string sync_url = (*server)->url() + "/sync";
  auto http_url = (*server)->url();
  http_url.replace(0, 2, "http");  // ws://HOST:PORT -> http://HOST:PORT
  say("serve.listening", "sync-server listening on " + sync_url,
      {{"sync_url", sync_url}, {"http_url", http_url + "/"}});
  say("serve.dashboard",
      "Dashboard and admin API on " + http_url + "/ (sign in with an admin token)");
  if (files.is_ok()) {
    say("serve.open_files",
        "Open-file limit: " + std::to_string(*files) + " (each connection takes one)");
  } else {
    log::write_to(err, log::Level::kWarning, "serve.open_files",
                  "warning: " + files.status().message());
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  say("serve.stopping", std::string("sync-server: ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                            " received; finishing batches in flight");
  (*server)->stop();
  say("serve.stopped", "sync-server stopped");
  return 0;
}

Result<DeviceId> device_id_arg(const CliArgs& a) {
  if (a.positional().size() != 1) {
    return Status::invalid_argument("give exactly one DEVICE_ID (see: sync-server device list)");
  }
  return DeviceId::parse(a.positional()[0]);
}

Result<std::int64_t> code_validity(const CliArgs& a) {
  return parse_duration_seconds(a.get_or("--expires", "14d"));
}

// Prints a fresh code on stdout (alone, for scripts) and what to do with it on stderr.
int print_code(IssuedCode& code, bool reissued, std::ostream& out, std::ostream& err) {
  out << code.text << "\n";
  wipe(code.text);
  err << "Device " << code.device_id.to_string() << (reissued ? " has a new code" : " reserved")
      << " for site '" << code.site << "'. The code is single-use and expires "
      << iso8601_utc(code.expires_at) << ".\n"
      << (reissued ? "The previous code no longer works. On the collector (pending responses are "
                     "kept):\n"
                     "  collector enroll --data-dir DIR --renew CODE\n"
                   : "On the collector: collector enroll --data-dir DIR CODE\n");
  return 0;
}

int cmd_device_enroll(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
                      std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto site = a.require("--site");
  if (!site.is_ok()) return fail(err, site.status());
  auto valid_for = code_validity(a);
  if (!valid_for.is_ok()) return fail(err, valid_for.status());
  auto app = ServerApp::open(*dir, {.unlocker = unlocker});
  if (!app.is_ok()) return fail(err, app.status());
  auto code =
      app->enroll_device(*site, a.get_or("--url", "ws://127.0.0.1:8443"), *valid_for, "cli");
  if (!code.is_ok()) return fail(err, code.status());
  return print_code(*code, false, out, err);
}

int cmd_device_reissue(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
                       std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto id = device_id_arg(a);
  if (!id.is_ok()) return fail(err, id.status());
  auto valid_for = code_validity(a);
  if (!valid_for.is_ok()) return fail(err, valid_for.status());
  auto app = ServerApp::open(*dir, {.unlocker = unlocker});
  if (!app.is_ok()) return fail(err, app.status());
  auto code = app->reissue_device(*id, a.get_or("--url", "ws://127.0.0.1:8443"), *valid_for, "cli");
  if (!code.is_ok()) return fail(err, code.status().with_context("no new code was made"));
  return print_code(*code, true, out, err);
}

int cmd_device_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto app = ServerApp::open(*dir);
  if (!app.is_ok()) return fail(err, app.status());
  auto devices = app->devices();
  if (!devices.is_ok()) return fail(err, devices.status());
  if (a.has("--json")) {
    boost::json::array arr;
    for (const auto& d : *devices) {
      boost::json::object o;
      o["device_id"] = d.id.to_string();
      o["site"] = d.site;
      o["state"] = std::string(device_state_name(d.state));
      o["public_key"] = d.public_key ? b64(*d.public_key) : "";
      o["created_at"] = iso8601_utc(d.created_at);
      o["enroll_expires_at"] = iso8601_utc(d.enroll_expires_at);
      o["registered_at"] =
          d.registered_at ? boost::json::value(iso8601_utc(*d.registered_at)) : nullptr;
      o["revoked_at"] = d.revoked_at ? boost::json::value(iso8601_utc(*d.revoked_at)) : nullptr;
      o["last_seen_at"] =
          d.last_seen_at ? boost::json::value(iso8601_utc(*d.last_seen_at)) : nullptr;
      arr.push_back(std::move(o));
    }
    out << boost::json::serialize(arr) << "\n";
    return 0;
  }
  out << std::left << std::setw(34) << "DEVICE" << std::setw(22) << "SITE" << std::setw(9)
      << "STATE" << std::setw(22) << "LAST SEEN"
      << "CODE EXPIRES\n";
  for (const auto& d : *devices) {
    out << std::setw(34) << d.id.to_string() << std::setw(22) << d.site << std::setw(9)
        << device_state_name(d.state) << std::setw(22) << date_or_dash(d.last_seen_at)
        << (d.state == DeviceState::kPending ? iso8601_utc(d.enroll_expires_at) : "-") << "\n";
  }
  if (devices->empty()) out << "(no devices yet: sync-server device enroll --site NAME)\n";
  return 0;
}

int cmd_admin_token_create(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto label = a.require("--label");
  if (!label.is_ok()) return fail(err, label.status());
  auto app = ServerApp::open(*dir);
  if (!app.is_ok()) return fail(err, app.status());
  const auto role = parse_role(a.get_or("--role", "viewer"));
  if (!role) {
    return fail(err, Status::invalid_argument(
                         "--role is one of: viewer (reports), analyst (+ anonymous forms' "
                         "protected microdata), steward (+ other forms' microdata), admin"));
  }
  auto token = app->create_admin_token(*label, *role, "cli");
  if (!token.is_ok()) return fail(err, token.status());
  out << *token << "\n";
  err << "Admin token for '" << *label << "', role " << role_name(*role)
      << " (shown only now; store it somewhere safe).\n";
  return 0;
}

int cmd_admin_token_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto app = ServerApp::open(*dir);
  if (!app.is_ok()) return fail(err, app.status());
  auto tokens = app->admin_tokens();
  if (!tokens.is_ok()) return fail(err, tokens.status());
  out << "id  label                             role     created               revoked\n";
  for (const auto& t : *tokens) {
    std::string label = t.label;
    label.resize(std::max<std::size_t>(label.size(), 32), ' ');
    std::string role(role_name(t.role));
    role.resize(7, ' ');
    out << std::to_string(t.id) << std::string(t.id < 10 ? 3 : 2, ' ') << label << "  " << role
        << "  " << iso8601_utc(t.created_at) << "  " << date_or_dash(t.revoked_at) << "\n";
  }
  return 0;
}

int cmd_admin_token_revoke(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  if (a.positional().size() != 1)
    return fail(err, Status::invalid_argument(
                         "give exactly one token ID (see: sync-server admin-token list)"));
  std::int64_t id = 0;
  const std::string& text = a.positional()[0];
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return fail(err, Status::invalid_argument("'" + text + "' is not a token ID"));
  auto app = ServerApp::open(*dir);
  if (!app.is_ok()) return fail(err, app.status());
  if (Status s = app->revoke_admin_token(id, "cli"); !s.is_ok()) return fail(err, s);
  out << "Admin token " << id << " is revoked.\n";
  return 0;
}

int cmd_device_revoke(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto id = device_id_arg(a);
  if (!id.is_ok()) return fail(err, id.status());
  auto app = ServerApp::open(*dir);
  if (!app.is_ok()) return fail(err, app.status());
  if (Status s = app->revoke_device(*id, "cli"); !s.is_ok())
    return fail(err, s.with_context("nothing was changed"));
  out << "Device " << id->to_string()
      << " is revoked: its sessions and submissions are refused from now on.\n";
  return 0;
}

int cmd_backup(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto folder = a.require("--out");
  if (!folder.is_ok()) return fail(err, folder.status());
  auto app = ServerApp::open(*dir);
  if (!app.is_ok()) return fail(err, app.status());
  auto done = app->backup(*folder, "cli");
  if (!done.is_ok()) return fail(err, done.status());
  out << "Backed up " << done->submissions << " submissions to " << done->database.string()
      << ", and the keys "
      << "(still under their passphrase) to " << done->keys.string() << ".\n"
      << "Keep the passphrase apart from this copy: together they open every answer.\n";
  return 0;
}

// Into a new data folder only: restoring over a live one would mix two
// servers' states, and over a stopped one would destroy what it holds.
int cmd_restore(const CliArgs& a, std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  auto from = a.require("--from");
  if (!from.is_ok()) return fail(err, from.status());
  auto to = a.require("--data-dir");
  if (!to.is_ok()) return fail(err, to.status());
  const DataDir source{*from}, target{*to};
  std::error_code ec;
  if (fs::exists(target.db(), ec) || fs::exists(target.keys(), ec)) {
    return fail(err, Status::already_exists(
                         target.root.string() +
                         " holds a server already; restore into a new "
                         "folder, then move the old one aside and this one in its place"));
  }
  for (const auto& f : {source.db(), source.keys()}) {
    if (!fs::exists(f, ec))
      return fail(err,
                  Status::not_found(f.string() +
                                    " is missing: give a folder that sync-server backup wrote"));
  }
  if (auto checked = ServerApp::check_copy(source.db()); !checked.is_ok()) {
    return fail(err, checked.status().with_context("nothing was restored"));
  }
  fs::create_directories(target.root, ec);
  if (!ec) fs::permissions(target.root, fs::perms::owner_all, ec);
  if (!ec) fs::copy_file(source.keys(), target.keys(), ec);
  if (!ec) fs::copy_file(source.db(), target.db(), ec);
  for (const auto& f : {target.keys(), target.db()}) {
    if (!ec) fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write, ec);
  }
  if (ec) {
    std::error_code ignored;
    fs::remove(target.db(), ignored);
    fs::remove(target.keys(), ignored);
    return fail(
        err, Status::io_error("cannot restore into " + target.root.string() + ": " + ec.message()));
  }
  // The files its responses name (photos, documents), as backup copied them.
  auto files = ServerApp::copy_held_files(source.db(), source.root, target.root);
  if (!files.is_ok()) {
    std::error_code ignored;
    fs::remove(target.db(), ignored);
    fs::remove(target.keys(), ignored);
    fs::remove_all(target.root / "files", ignored);
    return fail(err, files.status().with_context("nothing was restored"));
  }
  auto app = ServerApp::open(target);
  if (!app.is_ok()) return fail(err, app.status().with_context("the restored copy does not open"));
  if (Status s = app->record("cli", "restore", "from=" + fs::absolute(source.root, ec).string());
      !s.is_ok()) {
    return fail(err, s.with_context("restored, but the audit line could not be written"));
  }
  if (files->files > 0)
    out << "Restored " << files->files << " file(s), " << files->bytes << " bytes.\n";
  out << "Restored into " << target.root.string()
      << ". Point serve at it (--data-dir). Collectors send again\n"
      << "what the server had not acknowledged when the backup was taken.\n";
  return 0;
}

// One line on the terminal that rewrites itself, for exports big enough to
// take a while.
ExportProgress terminal_progress(std::ostream& err) {
  return [&err, last = -1](std::size_t done, std::size_t total) mutable {
    if (total < 20000) return;  // steps: two passes over 10,000 rows
    const int percent = static_cast<int>(done * 100 / total);
    if (percent == last) return;
    last = percent;
    err << "\rexporting: " << percent << "%" << (done >= total ? "\n" : "") << std::flush;
  };
}

int cmd_export(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  ExportOptions opts;
  auto form = a.require("--form");
  if (!form.is_ok()) return fail(err, form.status());
  opts.form_id = *form;
  const auto format = parse_export_format(a.get_or("--format", "csv"));
  if (!format)
    return fail(err, Status::invalid_argument("--format must be csv, jsonl, xlsx, sav or dta"));
  opts.format = *format;
  opts.round = a.get("--round");
  opts.labels = a.has("--labels");
  opts.lang = a.get_or("--lang", "");
  const bool stat = opts.format == ExportFormat::kSav || opts.format == ExportFormat::kDta;
  if (!opts.lang.empty() && !opts.labels && !stat) {
    return fail(err,
                Status::invalid_argument("--lang chooses the language of --labels; add --labels "
                                         "(codes are the same in every language)"));
  }
  opts.excel_bom = a.has("--bom");
  opts.every_revision = a.has("--all-revisions");
  if (opts.excel_bom && opts.format != ExportFormat::kCsv) {
    return fail(err, Status::invalid_argument("--bom applies to --format csv only"));
  }
  auto app = ServerApp::open(*dir);
  if (!app.is_ok()) return fail(err, app.status());
  std::optional<std::filesystem::path> path;
  if (auto p = a.get("--out")) path = *p;
  // Progress only for a person watching: not in a pipe or a log, and not
  // when the caller gave its own stream (tests, an embedding program).
  ExportProgress progress;
  if (&err == &std::cerr && ::isatty(STDERR_FILENO) != 0) progress = terminal_progress(err);
  if (a.has("--with-files")) {
    if (!path || path->extension() != ".zip") {
      return fail(err,
                  Status::invalid_argument("--with-files writes one zip: give --out FILE.zip"));
    }
    auto zipped = app->export_with_files(opts, *path, progress);
    if (!zipped.is_ok()) return fail(err, zipped.status().with_context("no zip was written"));
    err << "exported " << zipped->summary.rows << " submissions of form " << opts.form_id << " and "
        << zipped->files << " file(s) (" << zipped->bytes << " bytes) to " << path->string()
        << "\n";
    if (!zipped->missing.empty()) {
      err << "  " << zipped->missing.size()
          << " file(s) named by responses have not reached the server yet: "
          << "listed in files-missing.txt; export again after the posts' next sync\n";
    }
    return 0;
  }
  auto done = app->export_responses(opts, path, out, progress);
  if (!done.is_ok()) return fail(err, done.status());
  err << "exported " << done->rows << " submissions of form " << opts.form_id
      << (path ? " to " + path->string() : std::string()) << "\n";
  for (const auto& r : done->repeat_files) err << "  rows of a repeat in " << r.string() << "\n";
  if (done->anonymous) {
    err << "  " << opts.form_id
        << " is anonymous: no device, time or submission id; rows in random order; "
        << done->withheld
        << " value(s) withheld so that every combination of unit and breakdown answers "
        << "occurs at least " << done->k << " times (see the codebook)\n";
    if (done->comments > 0) {
      err << "  " << done->comments << " free-text answer(s), apart and shuffled, in "
          << done->comments_file.string() << "\n";
    } else if (done->comments_withheld > 0) {
      err << "  " << done->comments_withheld
          << " free-text answer(s) not included: export to a file (--out FILE) "
          << "to get them in a file of their own\n";
    }
  }
  return 0;
}

Result<std::unique_ptr<FormRegistry>> open_registry(const CliArgs& a) {
  EQ_ASSIGN_OR_RETURN(DataDir dir, data_dir(a));
  EQ_ASSIGN_OR_RETURN(ServerApp app, ServerApp::open(dir));
  return app.forms();
}

// Reads a definition from .json or .xlsx, printing the importer's messages.
// `attach`: the files an XLSForm names (select_one_from_file, pulldata), or
// folders holding them; the workbook's own folder is looked in last.
Result<forms::Form> read_definition(const std::string& path,
                                    const std::vector<std::filesystem::path>& attach,
                                    std::ostream& err) {
  const bool xlsx = path.size() > 5 && path.substr(path.size() - 5) == ".xlsx";
  if (!xlsx) {
    EQ_ASSIGN_OR_RETURN(Bytes bytes, read_file(path, 16 * 1024 * 1024));
    if (!attach.empty())
      return Status::invalid_argument("--attach is for an XLSForm workbook (.xlsx)");
    return forms::load_form_json(as_chars(bytes));
  }
  EQ_ASSIGN_OR_RETURN(auto imported, forms::import_xlsform_file(path, attach));
  for (const auto& m : imported.messages) err << "  " << m.to_string() << "\n";
  if (imported.has_errors() || !imported.form) {
    return Status::invalid_argument(path + " cannot be published as it is (errors above)");
  }
  return std::move(*imported.form);
}

int cmd_forms_publish(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
                      std::ostream& err) {
  if (a.positional().size() != 1)
    return fail(err, Status::invalid_argument("give one FILE (.json or .xlsx)"));
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto app = ServerApp::open(*dir, {.unlocker = unlocker});
  if (!app.is_ok()) return fail(err, app.status());
  std::vector<std::filesystem::path> attach;
  for (const auto& p : comma_list(a.get_or("--attach", ""))) {
    if (!p.empty()) attach.emplace_back(p);
  }
  auto form = read_definition(a.positional()[0], attach, err);
  if (!form.is_ok()) return fail(err, form.status());
  FormToPublish request{std::move(*form), a.positional()[0].ends_with(".xlsx") ? "xlsform" : "json",
                        a.get_or("--round", "")};
  if (Status s = app->publish_form(request, "cli"); !s.is_ok()) return fail(err, s);
  out << "Published " << request.form.id << " version " << request.form.version
      << (request.round.empty() ? std::string() : " for round " + request.round)
      << ". Collectors receive it at their next sync.\n";
  if (const std::size_t bytes = forms::save_form_json(request.form).size();
      bytes > kMaxFormDefinitionBytesV2) {
    out << "Its definition is " << bytes / 1024
        << " KiB, with its choice lists: collectors older than sync "
        << "subprotocol v3 read at most " << kMaxFormDefinitionBytesV2 / 1024
        << " KiB and keep the forms they have; update them to receive it.\n";
  }
  return 0;
}

int cmd_forms_list(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto registry = open_registry(a);
  if (!registry.is_ok()) return fail(err, registry.status());
  forms::print_form_list((*registry)->library(), a.has("--json"), out);
  return 0;
}

// --format xlsx: one form as an XLSForm workbook (forms/xlsform_export.hpp).
int cmd_forms_export_xlsform(const CliArgs& a, const std::string& path, std::ostream& out,
                             std::ostream& err) {
  if (a.positional().size() != 1)
    return fail(err, Status::invalid_argument("give one FORM_ID (see: forms list)"));
  auto registry = open_registry(a);
  if (!registry.is_ok()) return fail(err, registry.status());
  return forms::run_xlsform_export((*registry)->library(), a.positional()[0],
                                   a.get_or("--version", ""), path, "sync-server", out, err);
}

int cmd_forms_export(const CliArgs& a, std::ostream& out, std::ostream& err) {
  auto path = a.require("--out");
  if (!path.is_ok()) return fail(err, path.status());
  if (auto format = a.get("--format")) {
    if (*format != "xlsx") {
      return fail(err, Status::invalid_argument(
                           "--format is xlsx (an XLSForm workbook of one form), not '" + *format +
                           "'; without it, every publication, signed"));
    }
    return cmd_forms_export_xlsform(a, *path, out, err);
  }
  if (!a.positional().empty() || a.has("--version")) {
    return fail(err, Status::invalid_argument(
                         "FORM_ID and --version go with --format xlsx; without it, every "
                         "published form is written"));
  }
  auto app = open_app(a);
  if (!app.is_ok()) return fail(err, app.status());
  auto stored = app->store().load_publications();
  if (!stored.is_ok()) return fail(err, stored.status());
  FormsUpdate file;
  for (auto& s : *stored) file.forms.push_back(std::move(s.pub));
  if (file.forms.empty())
    return fail(err, Status::not_found("no form has been published (sync-server forms publish)"));
  if (file.forms.size() > kMaxFormsPerUpdate) {
    return fail(err, Status::resource_exhausted(
                         "more than " + std::to_string(kMaxFormsPerUpdate) +
                         " publications: collectors that sync receive them; a file holds "
                         "at most that many"));
  }
  // The message a sync sends, signed publication by publication: nothing in
  // it is secret, and the collector checks it as it checks a sync.
  if (Status s = write_file_atomically(*path, encode(file), 0644); !s.is_ok()) return fail(err, s);
  out << "Wrote " << file.forms.size() << " form publication(s) to " << *path
      << ". At a post that never connects: collector forms import --data-dir DIR FILE\n";
  return 0;
}

int cmd_forms_show(const CliArgs& a, std::ostream& out, std::ostream& err) {
  if (a.positional().size() != 1)
    return fail(err, Status::invalid_argument("give one FORM_ID (see: forms list)"));
  auto registry = open_registry(a);
  if (!registry.is_ok()) return fail(err, registry.status());
  const Status s =
      forms::print_form((*registry)->library(), a.positional()[0], a.get_or("--version", ""),
                        a.has("--json"), a.get_or("--lang", "en"), out);
  return s.is_ok() ? 0 : fail(err, s);
}

void print_bundle_outcome(const BundleOutcome& b, std::ostream& out) {
  out << b.file.string() << ": ";
  if (b.refused) {
    out << "refused: " << b.reason << "\n";
    return;
  }
  out << "device " << b.device.to_string() << " (" << b.site << ")"
      << (b.registered_now ? ", registration completed from the bundle" : "") << ", " << b.envelopes
      << " envelopes: " << b.counts.accepted << " accepted, " << b.counts.duplicate
      << " duplicate, " << b.counts.conflict << " conflict, " << b.counts.rejected << " rejected";
  if (b.files > 0) out << "; " << b.files << " files: " << b.files_held << " held";
  out << "\n";
  for (const auto& p : b.file_problems) out << "  not stored: " << p << "\n";
}

// Exit 0 only when every file was imported and every envelope stored; 3
// when something was refused or rejected (the receipt still tells the post
// which); 1 when nothing could be imported at all.
int cmd_import(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
               std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  if (a.positional().empty())
    return fail(err, Status::invalid_argument("give one or more BUNDLE files"));
  std::vector<std::filesystem::path> files(a.positional().begin(), a.positional().end());
  auto app = ServerApp::open(*dir, {.unlocker = unlocker});
  if (!app.is_ok()) return fail(err, app.status());
  ImportOptions options;
  options.accept_expired_code = a.has("--accept-expired-code");
  auto report = app->import_bundles(files, options);
  if (!report.is_ok())
    return fail(err, report.status().with_context(
                         "the import stopped; run it again (what was stored stays, once)"));
  for (const auto& b : report->bundles) print_bundle_outcome(b, out);
  const auto& t = report->totals;
  std::size_t files_not_held = 0;
  for (const auto& b : report->bundles) files_not_held += b.file_problems.size();
  out << "Total: " << t.accepted << " accepted, " << t.duplicate << " duplicate, " << t.conflict
      << " conflict, " << t.rejected << " rejected";
  if (report->refused_files > 0) out << "; " << report->refused_files << " file(s) refused";
  out << "\n";
  if (auto path = a.get("--receipt")) {
    if (report->receipt.items.empty()) {
      err << "sync-server: no receipt written: no envelope was imported\n";
    } else if (auto signed_receipt = app->sign_receipt(report->receipt); !signed_receipt.is_ok()) {
      return fail(err, signed_receipt.status());
    } else if (Status s = write_file_atomically(*path, *signed_receipt, 0644); !s.is_ok()) {
      return fail(
          err, s.with_context(
                   "the bundles were imported but the receipt was not written; import them again "
                   "with --receipt (nothing is stored twice)"));
    } else {
      out << "Receipt for " << report->receipt.items.size() << " envelopes written to " << *path
          << ": take it back to the post and run: collector bundle import --data-dir DIR " << *path
          << "\n";
    }
  }
  if (report->refused_files == files.size()) {
    err << "sync-server: nothing was imported: every file was refused\n";
    return 1;
  }
  if (report->refused_files > 0 || t.rejected > 0 || files_not_held > 0) {
    err << "sync-server: the import was partial: " << report->refused_files << " file(s) refused, "
        << t.rejected << " envelope(s) rejected, " << files_not_held
        << " attachment(s) not stored\n";
    return 3;
  }
  return 0;
}

int cmd_key_passphrase(const CliArgs& a, const KeyUnlocker& unlocker, std::ostream& out,
                       std::ostream& err) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(err, dir.status());
  auto locked = rekey_key_file(dir->keys(), unlocker.passphrase(), a.get("--new-passphrase-file"),
                               a.has("--remove"));
  if (!locked.is_ok()) return fail(err, locked.status());
  out << "The server keys " << dir->keys().string()
      << (*locked ? " are now protected by the new passphrase.\n"
                  : " are now stored without a passphrase (mode 0600).\n");
  return 0;
}

const Command kCommands[] = {
    {"init",
     "sync-server init --data-dir DIR\n  Creates the database and the server keys (files 0600) and "
     "prints an admin token once.\n",
     {"--data-dir"},
     {},
     cmd_init},
    {"serve",
     "sync-server serve --data-dir DIR [--listen 127.0.0.1:8443] [--threads N] [--public-origin "
     "URL[,URL]]\n"
     "                  [--log-format text|json] [--trusted-proxy ADDR[,ADDR]]\n"
     "  Accepts collector sync sessions on ws://LISTEN/sync until SIGINT or SIGTERM, and serves "
     "the\n"
     "  dashboard at http://LISTEN/ and the admin API under /api/v1/ (docs/api.md).\n"
     "  Use --listen 0.0.0.0:8443 to accept connections from other machines. The dashboard "
     "answers\n"
     "  to IP addresses and localhost; behind a TLS proxy, name the address browsers use with\n"
     "  --public-origin https://results.example (other host names get 421).\n"
     "  GET /metrics answers in Prometheus' text format: to this host without a token (unless a\n"
     "  proxy forwarded the request), to others with an admin token of any role.\n"
     "  --log-format json writes each log line as one JSON object (time, level, event, message "
     "and\n"
     "  ids), for log shippers; the default is plain text.\n"
     "  --trusted-proxy 127.0.0.1: behind nginx on this host, the dashboard's failed-sign-in "
     "limits\n"
     "  and its audit lines use the client address the proxy forwards (X-Forwarded-For).\n",
     {"--data-dir", "--listen", "--threads", "--public-origin", "--log-format", "--trusted-proxy"},
     {},
     cmd_serve},
    {"admin-token create",
     "sync-server admin-token create --data-dir DIR --label LABEL [--role ROLE]\n"
     "  Prints a new admin token once, for the dashboard and the API. LABEL names its holder in\n"
     "  the audit log (\"hq-analyst\"); only a hash of the token is stored. ROLE (default "
     "viewer):\n"
     "    viewer   reports and the dashboard, small groups suppressed\n"
     "    analyst  + exports of anonymous forms, under disclosure control\n"
     "    steward  + exports of forms that are not anonymous (the GEOAT)\n"
     "    admin    + devices and the audit log (the token init prints is admin)\n",
     {"--data-dir", "--label", "--role"},
     {},
     cmd_admin_token_create},
    {"admin-token list",
     "sync-server admin-token list --data-dir DIR\n  Admin tokens: id, label, role, created, "
     "revoked.\n",
     {"--data-dir"},
     {},
     cmd_admin_token_list},
    {"admin-token revoke",
     "sync-server admin-token revoke --data-dir DIR ID\n  The token stops working at once, and so "
     "do dashboard sessions opened with it.\n",
     {"--data-dir"},
     {},
     cmd_admin_token_revoke},
    {"device enroll",
     "sync-server device enroll --data-dir DIR --site NAME [--url ws://HOST:PORT] [--expires 14d]\n"
     "  Reserves a device for SITE and prints its one-line, single-use enrollment code.\n"
     "  --url is the address collectors will reach this server at (default ws://127.0.0.1:8443).\n",
     {"--data-dir", "--site", "--url", "--expires"},
     {},
     cmd_device_enroll},
    {"device reissue",
     "sync-server device reissue --data-dir DIR DEVICE_ID [--url ws://HOST:PORT] [--expires 14d]\n"
     "  A new one-time code for a device that has not registered yet (its code expired before the "
     "post\n"
     "  could sync, or was lost). Same device and site; the old code stops working. At the post:\n"
     "  collector enroll --data-dir DIR --renew CODE keeps every response captured so far.\n",
     {"--data-dir", "--url", "--expires"},
     {},
     cmd_device_reissue},
    {"device list",
     "sync-server device list --data-dir DIR [--json]\n  Lists devices: pending, active and "
     "revoked.\n",
     {"--data-dir"},
     {"--json"},
     cmd_device_list},
    {"device revoke",
     "sync-server device revoke --data-dir DIR DEVICE_ID\n  Refuses the device's sessions and "
     "submissions from now on.\n",
     {"--data-dir"},
     {},
     cmd_device_revoke},
    {"export",
     "sync-server export --data-dir DIR --form ID [--format csv|jsonl|xlsx|sav|dta] [--round R]\n"
     "                   [--labels] [--lang L] [--bom] [--out FILE] [--with-files]\n"
     "                   [--all-revisions]\n"
     "  Writes one row per submission (latest revision), every version of the form merged into "
     "one\n"
     "  set of columns, with its round. Safe while serve is running.\n"
     "  Column names are valid in SPSS, Stata and R (at most 32 characters): "
     "harass_channel/manager\n"
     "  becomes harass_channel_manager. A select_multiple question is one 0/1 column per choice.\n"
     "  Numeric columns hold numbers only. A blank's reason (skipped, unanswered, withheld, or a\n"
     "  \"don't know\" choice) is in the column NAME_miss beside it; in SAV and DTA files it is a\n"
     "  labelled missing value (-99..-91; .s .u .w .x and a letter per \"don't know\" choice).\n"
     "  Answers are codes; --labels writes choice labels instead, in --lang L (default: the "
     "form's).\n"
     "  A repeat's rows (the GEOAT action plan) go to FILE.REPEAT.csv beside a CSV file, and to a\n"
     "  sheet of their own in a workbook, linked to their submission by the first column.\n"
     "  --format xlsx writes a workbook with a data sheet and a codebook sheet (needs --out).\n"
     "  --format sav (SPSS) and dta (Stata 14+) carry variable and value labels in --lang L (needs "
     "--out).\n"
     "  --round R keeps only submissions of round R.\n"
     "  --all-revisions writes every revision of a corrected response, each with its revision\n"
     "  number, instead of the latest only (a form that is not anonymous).\n"
     "  --bom adds a UTF-8 byte-order mark so that Excel opens accents and Arabic correctly.\n"
     "  --out FILE is written with mode 0600, atomically. Every export is recorded in the audit "
     "log.\n"
     "  A file question (image, audio, video, file) holds each file's stable name, "
     "files/SHA256.EXT,\n"
     "  several separated by spaces. --with-files --out FILE.zip writes one zip with the data file "
     "and\n"
     "  those files, decrypted and checked against the hash each response signed; files still on "
     "their\n"
     "  way from a post are listed in files-missing.txt.\n",
     {"--data-dir", "--form", "--format", "--out", "--round", "--lang"},
     {"--bom", "--labels", "--with-files", "--all-revisions"},
     cmd_export},
    {"backup",
     "sync-server backup --data-dir DIR --out FOLDER\n"
     "  A consistent copy of the server, safe while serve is running: FOLDER/server.db (SQLite's\n"
     "  VACUUM INTO, checked with integrity_check) and FOLDER/server.key (the keys, still under "
     "their\n"
     "  passphrase). FOLDER is created with mode 0700 and must not hold a backup already.\n"
     "  To restore: sync-server restore --from FOLDER --data-dir NEWDIR. Recorded in the audit "
     "log.\n",
     {"--data-dir", "--out"},
     {},
     cmd_backup},
    {"restore",
     "sync-server restore --from FOLDER --data-dir NEWDIR\n"
     "  Makes NEWDIR a server again from a folder that sync-server backup wrote, after checking "
     "the\n"
     "  copy with integrity_check. NEWDIR must not hold a server: restore into a new folder, then\n"
     "  stop the old server, move its folder aside and this one in its place. Recorded in the\n"
     "  restored server's audit log.\n",
     {"--from", "--data-dir"},
     {},
     cmd_restore},
    {"report",
     kReportHelp,
     {"--data-dir", "--form", "--round", "--compare", "--by", "--min-cell"},
     {"--json"},
     run_report_command},
    {"import",
     "sync-server import --data-dir DIR BUNDLE... [--receipt OUT] [--accept-expired-code]\n"
     "  Imports USB bundles written by `collector bundle export`, with the same checks as a sync.\n"
     "  Importing a bundle twice adds nothing. --receipt writes a receipt signed by this server "
     "that\n"
     "  the collector imports to mark those submissions as delivered.\n"
     "  A bundle from a post that never connected carries its registration and completes it here.\n"
     "  If its code expired while the bundle travelled, the import refuses it; having checked "
     "where it\n"
     "  came from, --accept-expired-code accepts it (audited).\n"
     "  Exit 0 when everything was stored; 3 when a file was refused or an envelope rejected (the\n"
     "  receipt still tells the post which); 1 when nothing could be imported.\n",
     {"--data-dir", "--receipt"},
     {"--accept-expired-code"},
     cmd_import},
    {"forms publish",
     "sync-server forms publish --data-dir DIR FILE.json|FILE.xlsx [--round NAME] [--attach "
     "PATH[,PATH]]\n"
     "  Signs a form definition (our JSON, or an XLSForm workbook) and offers it to every "
     "collector\n"
     "  at its next sync. --round names the survey round (e.g. 2026-baseline) submissions will "
     "carry.\n"
     "  An XLSForm is refused, row by row, if anything in it cannot be represented exactly.\n"
     "  The .csv and .xml files a workbook names (select_one_from_file, pulldata) are read from\n"
     "  --attach (files, or folders holding them), then from the workbook's folder; their rows "
     "are\n"
     "  signed into the definition, so collectors need nothing else.\n",
     {"--data-dir", "--round", "--attach"},
     {},
     cmd_forms_publish},
    {"forms list",
     "sync-server forms list --data-dir DIR [--json]\n  Bundled and published forms, with their "
     "rounds.\n",
     {"--data-dir"},
     {"--json"},
     cmd_forms_list},
    {"forms export",
     "sync-server forms export --data-dir DIR --out FILE\n"
     "sync-server forms export --data-dir DIR --format xlsx --out FILE.xlsx FORM_ID [--version V]\n"
     "  Without --format: every published form, signed as a sync sends it, in one FILE to carry to "
     "a\n"
     "  post that never connects (collector forms import there).\n"
     "  --format xlsx: one form (bundled or published; the current version unless --version) as "
     "an\n"
     "  XLSForm workbook, to edit in a spreadsheet and publish again. What XLSForm lacks "
     "(polarity,\n"
     "  scores, breakdowns, file limits, languages...) is in equitas_ columns (schema/README.md). "
     "A\n"
     "  list from a .csv or .xml file is written as that file beside FILE.xlsx. The workbook is\n"
     "  imported again and compared: exit 0 when it gives the same definition, 3 when something\n"
     "  cannot be carried (listed), 1 when nothing was written.\n",
     {"--data-dir", "--out", "--format", "--version"},
     {},
     cmd_forms_export},
    {"forms show",
     "sync-server forms show --data-dir DIR FORM_ID [--version V] [--lang L] [--json]\n"
     "  A form's questions; --json prints the definition itself (to edit and publish again).\n",
     {"--data-dir", "--version", "--lang"},
     {"--json"},
     cmd_forms_show},
    {"key passphrase",
     "sync-server key passphrase --data-dir DIR [--passphrase-file CURRENT] [--new-passphrase-file "
     "FILE | --remove]\n"
     "  Protects the server keys with a passphrase (Argon2id, then XChaCha20-Poly1305), changes "
     "it, or\n"
     "  with --remove stores them unprotected again. The current passphrase comes from "
     "--passphrase-file\n"
     "  or $EQUITAS_KEY_PASSPHRASE, the new one from --new-passphrase-file or "
     "$EQUITAS_NEW_KEY_PASSPHRASE\n"
     "  (at least 8 characters). Every later command that opens the keys (serve, device enroll and "
     "reissue,\n"
     "  import, forms publish) then needs --passphrase-file FILE or $EQUITAS_KEY_PASSPHRASE; the "
     "others never do.\n",
     {"--data-dir", "--new-passphrase-file"},
     {"--remove"},
     cmd_key_passphrase},
    {"units set", kUnitsSetHelp, {"--data-dir", "--file"}, {}, cmd_units_set},
    {"units list", kUnitsListHelp, {"--data-dir"}, {}, cmd_units_list},
    {"headcounts set",
     kHeadcountsSetHelp,
     {"--data-dir", "--file", "--round"},
     {},
     cmd_headcounts_set},
    {"headcounts list", kHeadcountsListHelp, {"--data-dir"}, {}, cmd_headcounts_list},
    {"codes issue",
     kCodesIssueHelp,
     {"--data-dir", "--form", "--round", "--count", "--out"},
     {},
     cmd_codes_issue},
    {"codes list", kCodesListHelp, {"--data-dir"}, {}, cmd_codes_list},
    {"administration add",
     kAdministrationAddHelp,
     {"--data-dir", "--id", "--name"},
     {},
     cmd_administration_add},
    {"administration list", kAdministrationListHelp, {"--data-dir"}, {}, cmd_administration_list},
    {"assessment create",
     kAssessmentCreateHelp,
     {"--data-dir", "--form", "--round", "--administration"},
     {},
     cmd_assessment_create},
    {"assessment list", kAssessmentListHelp, {"--data-dir"}, {}, cmd_assessment_list},
    {"assessment show",
     kAssessmentShowHelp,
     {"--data-dir", "--lang"},
     {"--json"},
     cmd_assessment_show},
    {"assessment report",
     kAssessmentReportHelp,
     {"--data-dir", "--lang", "--out"},
     {},
     cmd_assessment_report},
    {"assessment resolve",
     kAssessmentResolveHelp,
     {"--data-dir", "--value", "--comment"},
     {},
     cmd_assessment_resolve},
    {"assessment review",
     kAssessmentReviewHelp,
     {"--data-dir", "--comment"},
     {},
     cmd_assessment_review},
    {"assessment validate",
     kAssessmentValidateHelp,
     {"--data-dir", "--comment"},
     {},
     cmd_assessment_validate},
    {"action list",
     kActionListHelp,
     {"--data-dir", "--administration", "--lang"},
     {"--json"},
     cmd_action_list},
    {"action update",
     kActionUpdateHelp,
     {"--data-dir", "--status", "--note", "--indicators", "--owner", "--deadline"},
     {},
     cmd_action_update},
};

}  // namespace

std::vector<std::string> command_names() { return cli_command_names(kCommands); }

int run_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  // Every command takes --passphrase-file; those that open the server keys
  // are handed it (CommandRun).
  std::vector<std::string> args = argv;
  auto passphrase = take_key_passphrase_arg(args);
  if (!passphrase.is_ok()) return fail(err, passphrase.status());
  const KeyUnlocker unlocker(std::move(*passphrase));
  return dispatch_cli(
      "sync-server", kUsage, "sync-server " EQUITAS_VERSION, kCommands, args, out, err,
      [&](const Command& c, const CliArgs& a) { return c.run(a, unlocker, out, err); });
}

}  // namespace equitas::server
