#include "collector_cli.hpp"

#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "collector_app.hpp"
#include "equitas/forms/form_listing.hpp"
#include "equitas/util/cli_args.hpp"
#include "equitas/wire/payload.hpp"

namespace equitas::collector {
namespace {

constexpr const char* kUsage = R"(collector: captures survey answers at a post, seals them, and syncs them to the server.

Usage:
  collector init    --data-dir DIR
  collector enroll  --data-dir DIR CODE
  collector submit  --data-dir DIR --form ID [--form-version V] [--lang L] FILE|-
  collector bundle export --data-dir DIR --out FILE
  collector bundle import --data-dir DIR RECEIPT|BUNDLE
  collector forms list --data-dir DIR [--json]
  collector forms show --data-dir DIR FORM_ID [--version V] [--lang L] [--json]
  collector status  --data-dir DIR [--json]
  collector sync    --data-dir DIR [--json]

Run "collector COMMAND --help" for the details of a command.
)";

constexpr std::size_t kMaxAnswerFile = 1024 * 1024;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
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

Result<Collector> open_collector(const CliArgs& a) {
  EQ_ASSIGN_OR_RETURN(DataDir dir, data_dir(a));
  return Collector::open(dir);
}

int cmd_init(const CliArgs& a, Io& io) {
  auto dir = data_dir(a);
  if (!dir.is_ok()) return fail(io, dir.status());
  if (Status s = Collector::init(*dir); !s.is_ok()) return fail(io, s);
  io.out << "Initialised collector data folder " << dir->root.string() << "\n"
         << "Next: collector enroll --data-dir " << dir->root.string()
         << " CODE   (the code comes from: sync-server device enroll)\n";
  return 0;
}

int cmd_enroll(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1) return fail(io, Status::invalid_argument("give the enrollment CODE"));
  auto c = open_collector(a);
  if (!c.is_ok()) return fail(io, c.status());
  auto e = c->enroll(a.positional()[0]);
  if (!e.is_ok()) return fail(io, e.status());
  io.out << "Enrolled as device " << e->device_id.to_string() << " for site '" << e->site << "'.\n"
         << "Server: " << e->url << " (keys pinned; no other server will be trusted)\n"
         << "The first sync completes the registration";
  if (e->code_expires_at < unix_now()) {
    io.out << ". Warning: by this machine's clock the code expired on " << iso8601_utc(e->code_expires_at)
           << "; the server will refuse it unless this clock is wrong";
  } else {
    io.out << "; it must happen before " << iso8601_utc(e->code_expires_at);
  }
  io.out << ".\n";
  return 0;
}

int cmd_submit(const CliArgs& a, Io& io) {
  auto form = a.require("--form");
  if (!form.is_ok()) return fail(io, form.status());
  if (a.positional().size() != 1) {
    return fail(io, Status::invalid_argument("give one answers FILE (a JSON object), or - for standard input"));
  }
  auto c = open_collector(a);
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
  auto id = c->submit(*form, a.get_or("--form-version", ""), text, a.get_or("--lang", "en"));
  wipe(text);
  if (!id.is_ok()) return fail(io, id.status().with_context("nothing was stored"));
  io.out << id->to_string() << "\n";
  return 0;
}

int cmd_status(const CliArgs& a, Io& io) {
  auto c = open_collector(a);
  if (!c.is_ok()) return fail(io, c.status());
  auto s = c->status();
  if (!s.is_ok()) return fail(io, s.status());
  if (a.has("--json")) {
    boost::json::object o;
    o["enrolled"] = s->enrollment.has_value();
    o["device_id"] = s->enrollment ? boost::json::value(s->enrollment->device_id.to_string()) : nullptr;
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
    io.out << "Device:    " << s->enrollment->device_id.to_string() << " (site '" << s->enrollment->site
           << "')\nServer:    " << s->enrollment->url
           << (s->enrollment->registered ? "" : " (registration completes at the first sync)") << "\n";
  } else {
    io.out << "Device:    not enrolled (collector enroll --data-dir DIR CODE)\n";
  }
  io.out << "Pending:   " << s->counts.pending << " (" << s->counts.pending_bytes << " bytes)\n"
         << "Synced:    " << s->counts.synced << "\n";
  if (s->counts.rejected > 0) io.out << "Rejected:  " << s->counts.rejected << " (kept; see the server's reasons)\n";
  if (s->last_sync) {
    io.out << "Last sync: " << iso8601_utc(s->last_sync->started_at) << ", " << s->last_sync->result << " ("
           << s->last_sync->detail << ")\n";
  } else {
    io.out << "Last sync: never\n";
  }
  return 0;
}

int cmd_sync(const CliArgs& a, Io& io) {
  auto c = open_collector(a);
  if (!c.is_ok()) return fail(io, c.status());
  SyncOptions opts;
  const bool json = a.has("--json");
  const bool tty = !json && &io.err == &std::cerr && ::isatty(STDERR_FILENO);
  if (tty) {
    opts.on_progress = [&io](const SyncProgress& p) {
      io.err << "\r  " << p.acknowledged << "/" << p.total << " submissions acknowledged, "
             << p.bytes_up << " bytes up, " << p.bytes_down << " down" << std::flush;
    };
  }
  auto r = c->sync(opts);
  if (tty) io.err << "\n";
  if (!r.is_ok()) return fail(io, r.status());
  if (json) {
    boost::json::object o;
    o["registered_now"] = r->registered_now;
    o["sent"] = r->sent;
    o["accepted"] = r->accepted;
    o["duplicate"] = r->duplicate;
    o["conflict"] = r->conflict;
    o["rejected"] = r->rejected;
    boost::json::array rej;
    for (const auto& x : r->rejections) rej.emplace_back(x);
    o["rejections"] = std::move(rej);
    o["bytes_up"] = r->bytes_up;
    o["bytes_down"] = r->bytes_down;
    o["pending"] = r->pending_after;
    io.out << boost::json::serialize(o) << "\n";
  } else {
    if (r->registered_now) io.out << "Registration completed with the server.\n";
    for (const auto& f : r->forms_received) io.out << "Received form " << f << "\n";
    for (const auto& f : r->forms_refused) io.out << "Refused a form from the server: " << f << "\n";
    io.out << "Synced: " << r->sent << " sent, " << r->accepted << " accepted, " << r->duplicate
           << " already on the server, " << r->conflict << " conflicts (kept and flagged), " << r->rejected
           << " rejected. " << r->pending_after << " pending.\n";
    for (const auto& x : r->rejections) io.out << "  rejected " << x << "\n";
  }
  if (r->rejected > 0) {
    io.err << "collector: the server rejected " << r->rejected
           << " submission(s); they are kept here as 'rejected' with the reason\n";
    return 3;
  }
  return r->pending_after == 0 ? 0 : 1;
}

int cmd_forms_list(const CliArgs& a, Io& io) {
  auto c = open_collector(a);
  if (!c.is_ok()) return fail(io, c.status());
  auto lib = c->library();
  if (!lib.is_ok()) return fail(io, lib.status());
  forms::print_form_list(**lib, a.has("--json"), io.out);
  return 0;
}

int cmd_forms_show(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1) return fail(io, Status::invalid_argument("give one FORM_ID (see: collector forms list)"));
  auto c = open_collector(a);
  if (!c.is_ok()) return fail(io, c.status());
  auto lib = c->library();
  if (!lib.is_ok()) return fail(io, lib.status());
  const Status s = forms::print_form(**lib, a.positional()[0], a.get_or("--version", ""), a.has("--json"),
                                     a.get_or("--lang", "en"), io.out);
  return s.is_ok() ? 0 : fail(io, s);
}

int cmd_bundle_export(const CliArgs& a, Io& io) {
  auto out = a.require("--out");
  if (!out.is_ok()) return fail(io, out.status());
  auto c = open_collector(a);
  if (!c.is_ok()) return fail(io, c.status());
  auto n = c->export_bundle(*out);
  if (!n.is_ok()) return fail(io, n.status());
  io.out << "Wrote " << *n << " sealed submission" << (*n == 1 ? "" : "s") << " to " << *out
         << ". They stay pending here until the server's receipt is imported:\n"
         << "  at headquarters: sync-server import --data-dir DIR " << *out << " --receipt receipt.eqr\n"
         << "  back here:       collector bundle import --data-dir DIR receipt.eqr\n";
  return 0;
}

int cmd_bundle_import(const CliArgs& a, Io& io) {
  if (a.positional().size() != 1) return fail(io, Status::invalid_argument("give one RECEIPT or BUNDLE file"));
  auto c = open_collector(a);
  if (!c.is_ok()) return fail(io, c.status());
  auto r = c->import_bundle_or_receipt(a.positional()[0]);
  if (!r.is_ok()) return fail(io, r.status().with_context("nothing was changed"));
  if (r->was_receipt) {
    io.out << "Receipt applied: " << r->marked << " submission(s) confirmed by the server";
    if (r->unmatched > 0) io.out << "; " << r->unmatched << " were not pending here (already synced, or another post's)";
    io.out << ".\n";
  } else {
    io.out << "Queued " << r->queued << " submission(s) from device " << r->from.to_string()
           << " for upload at the next sync" << (r->already > 0 ? " (" + std::to_string(r->already) + " already here)" : "")
           << ".\n";
  }
  return 0;
}

const Command kCommands[] = {
    {"init", "collector init --data-dir DIR\n  Creates the data folder, its database and this device's signing key.\n",
     {"--data-dir"}, {}, cmd_init},
    {"enroll",
     "collector enroll --data-dir DIR CODE\n"
     "  Pins the server named in CODE (from sync-server device enroll). Works offline;\n"
     "  the first sync completes the registration.\n",
     {"--data-dir"}, {}, cmd_enroll},
    {"submit",
     "collector submit --data-dir DIR --form ID [--form-version V] [--lang L] FILE|-\n"
     "  Stores one finished response: FILE holds the answers as a JSON object (- reads stdin),\n"
     "  keyed by question name. The form engine checks them first: if anything is invalid, every\n"
     "  error is listed (in language L) and nothing is stored. Valid answers are sealed to the\n"
     "  server and signed at once; prints the submission id.\n",
     {"--data-dir", "--form", "--form-version", "--lang"}, {}, cmd_submit},
    {"bundle export",
     "collector bundle export --data-dir DIR --out FILE\n"
     "  For posts with no link: writes every pending submission (sealed and signed) into FILE, under a\n"
     "  manifest signed by this device, to carry to headquarters on a USB stick.\n",
     {"--data-dir", "--out"}, {}, cmd_bundle_export},
    {"bundle import",
     "collector bundle import --data-dir DIR RECEIPT|BUNDLE\n"
     "  A RECEIPT from sync-server import marks the delivered submissions as synced. Another post's\n"
     "  BUNDLE is queued and relayed to the server at this collector's next sync.\n",
     {"--data-dir"}, {}, cmd_bundle_import},
    {"forms list", "collector forms list --data-dir DIR [--json]\n  The forms this collector can capture: bundled, and received from the server.\n",
     {"--data-dir"}, {"--json"}, cmd_forms_list},
    {"forms show",
     "collector forms show --data-dir DIR FORM_ID [--version V] [--lang L] [--json]\n"
     "  A form's questions; --json prints its definition.\n",
     {"--data-dir", "--version", "--lang"}, {"--json"}, cmd_forms_show},
    {"status", "collector status --data-dir DIR [--json]\n  Pending and synced counts, last sync, device id and server.\n",
     {"--data-dir"}, {"--json"}, cmd_status},
    {"sync",
     "collector sync --data-dir DIR [--json]\n"
     "  Sends every pending submission to the server. Exit 0 only when all are acknowledged;\n"
     "  3 when the server rejected some (they are kept); 1 when the sync failed (nothing is lost).\n",
     {"--data-dir"}, {"--json"}, cmd_sync},
};

}  // namespace

int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  Io io{in, out, err};
  return dispatch_cli("collector", kUsage, "collector 0.1.0", kCommands, args, out, err,
                      [&io](const Command& c, const CliArgs& a) { return c.run(a, io); });
}

}  // namespace equitas::collector
