// Report benchmark (issue 6): synthetic staff-climate responses from 200
// sites decoded into a real analysis store (through AnalysisIndexer::add,
// the ingest hook, without the crypto), then `report --by sex,grade` with
// suppression, timed against a plain full scan of the same rows.
// Then exports (issue 15): the same kind of responses stored as submissions,
// exported as SPSS .sav, Stata .dta and CSV under disclosure control (the
// form is anonymous), against reading the stored rows alone.
//
//   build/bin/report_bench [--responses 1000000] [--sites 200] [--runs 5] [--dir PATH]
//                          [--export-responses 100000]
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include "bench_args.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/forms/form_engine.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/wire/payload.hpp"
#include "exporter.hpp"
#include "form_registry.hpp"
#include "report.hpp"
#include "server_store.hpp"

using namespace equitas;
using namespace equitas::server;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Options {
  long responses = 1000000;
  int sites = 200;
  int runs = 5;
  std::filesystem::path dir;
  long export_responses = 100000;
};

double ms_since(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

// A pick from `weights` (not normalised).
template <std::size_t N>
int weighted(std::mt19937& rng, const double (&weights)[N]) {
  std::discrete_distribution<int> d(std::begin(weights), std::end(weights));
  return d(rng);
}

// One respondent. Sites differ in climate (a site effect on every Likert
// item), women answer some sections less positively, everyone skips a few
// questions: enough structure that groups are uneven and some are small.
boost::json::object respondent(std::mt19937& rng, const forms::Form& form, double site_effect) {
  static const char* kSex[] = {"female", "male", "pns"};
  static const double kSexW[] = {34, 61, 4, 1};
  static const char* kGrade[] = {"officer", "supervisor", "senior_manager"};
  static const double kGradeW[] = {70, 22, 6, 2};
  boost::json::object a;
  a["consent_ack"] = true;
  const int sex = weighted(rng, kSexW), grade = weighted(rng, kGradeW);
  if (sex < 3) a["dem_sex"] = kSex[sex];
  if (grade < 3) a["dem_grade"] = kGrade[grade];
  std::normal_distribution<double> noise(0.0, 1.1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  form.walk([&](const forms::Item& it, const std::vector<const forms::Item*>&) {
    if (it.name == "dem_sex" || it.name == "dem_grade" || !it.takes_answer()) return true;
    if (u(rng) < 0.04) return true;  // skipped
    const forms::ChoiceList* list = form.list_for(it);
    if (it.type == forms::QuestionType::kLikert && list) {
      if (u(rng) < 0.05) {
        a[it.name] = "dk";
        return true;
      }
      const double gap = sex == 0 && it.name.rfind("car_", 0) == 0 ? -0.5 : 0.0;
      const int v =
          std::clamp(static_cast<int>(std::lround(3.4 + site_effect + gap + noise(rng))), 1, 5);
      a[it.name] = std::to_string(v);
    } else if (it.type == forms::QuestionType::kSelectOne && list && it.relevant.source.empty()) {
      const auto n = list->choices.size();
      // Demographic bands and frequencies: earlier choices are commoner.
      std::geometric_distribution<std::size_t> g(0.45);
      a[it.name] = list->choices[std::min(g(rng), n - 1)].name;
    } else if (it.type == forms::QuestionType::kText && u(rng) < 0.1) {
      a[it.name] = "a comment";
    }
    return true;
  });
  return a;
}

Status generate(const Options& o, std::int64_t& rows, double& add_us) {
  std::filesystem::create_directories(o.dir);
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::create(DataDir{o.dir}));
  EQ_ASSIGN_OR_RETURN(auto lib, forms::FormLibrary::with_bundled());
  const auto form = lib.current("staff-climate");
  std::mt19937 rng(20261123);
  // Site sizes: a few large (HQ, ports), many small border posts.
  std::vector<double> size_w;
  std::vector<double> effect;
  std::vector<DeviceId> devices;
  std::normal_distribution<double> site_noise(0.0, 0.35);
  for (int s = 0; s < o.sites; ++s) {
    size_w.push_back(1.0 / std::pow(1.0 + s, 0.8));
    effect.push_back(site_noise(rng));
    devices.push_back(DeviceId::random());
    EQ_RETURN_IF_ERROR(
        store.add_pending_device(devices.back(), "Site " + std::to_string(s + 1), {}, 0, 0));
  }
  std::discrete_distribution<int> site_of(size_w.begin(), size_w.end());
  std::uniform_int_distribution<int> day_of(0, 44);
  const int first_day = *day_number("2026-10-01");
  constexpr long kChunk = 20000;
  for (long done = 0; done < o.responses;) {
    Transaction tx(store.db());
    EQ_RETURN_IF_ERROR(tx.status());
    for (long i = 0; i < kChunk && done < o.responses; ++i, ++done) {
      const int site = site_of(rng);
      const auto answers = respondent(rng, *form, effect[static_cast<std::size_t>(site)]);
      const SubmissionId sid = SubmissionId::random();
      const std::string day = day_text(first_day + day_of(rng));
      StoredSubmission s;
      s.rowid = done + 1;
      s.submission_id = sid.bytes;
      s.device_id = devices[static_cast<std::size_t>(site)].bytes;
      s.form_id = "staff-climate";
      s.form_version = form->version;
      s.round = "2026-baseline";
      s.submitted_at = day;
      s.received_at = unix_now();
      s.answers = &answers;
      EQ_RETURN_IF_ERROR(store.analysis().add(store.db(), s));
    }
    EQ_RETURN_IF_ERROR(tx.commit());
    std::cerr << "\r  generated " << done << " / " << o.responses << std::flush;
  }
  std::cerr << "\n";
  rows = store.analysis().add_calls();
  add_us = static_cast<double>(store.analysis().add_nanoseconds()) / 1000.0 /
           static_cast<double>(std::max<std::int64_t>(1, rows));
  return Status::ok();
}

// The report as `sync-server report --by sex,grade` builds it, text included.
Result<double> time_report(const Options& o, std::size_t& text_bytes) {
  const auto t = SteadyClock::now();
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::open(DataDir{o.dir}));
  EQ_ASSIGN_OR_RETURN(auto registry, FormRegistry::load(store));
  ReportOptions ro;
  ro.form_id = "staff-climate";
  ro.by = {"sex", "grade"};
  EQ_ASSIGN_OR_RETURN(auto report, build_report(store.db(), registry->library(), ro));
  std::ostringstream text;
  print_report(report, text);
  text_bytes = text.str().size();
  return ms_since(t);
}

Result<double> time_scan(const Options& o, std::int64_t& count, std::int64_t& bytes) {
  const auto t = SteadyClock::now();
  EQ_ASSIGN_OR_RETURN(Database db, Database::open(DataDir{o.dir}.db()));
  EQ_ASSIGN_OR_RETURN(Statement st,
                      db.prepare("SELECT count(*), sum(length(codes)) FROM analysis_rows"));
  EQ_ASSIGN_OR_RETURN(bool row, st.step());
  if (row) {
    count = st.column_int64(0);
    bytes = st.column_int64(1);
  }
  return ms_since(t);
}

// Stores `o.export_responses` submissions of staff-climate in a second store,
// as the ingestor would after verification.
Status generate_submissions(const Options& o, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::create(DataDir{dir}));
  EQ_ASSIGN_OR_RETURN(auto lib, forms::FormLibrary::with_bundled());
  const auto form = lib.current("staff-climate");
  std::mt19937 rng(20261202);
  std::vector<DeviceId> devices;
  std::vector<double> effect;
  std::normal_distribution<double> site_noise(0.0, 0.35);
  for (int s = 0; s < o.sites; ++s) {
    devices.push_back(DeviceId::random());
    effect.push_back(site_noise(rng));
    EQ_RETURN_IF_ERROR(
        store.add_pending_device(devices.back(), "Site " + std::to_string(s + 1), {}, 0, 0));
  }
  std::uniform_int_distribution<int> site_of(0, o.sites - 1);
  constexpr long kChunk = 20000;
  for (long done = 0; done < o.export_responses;) {
    Transaction tx(store.db());
    EQ_RETURN_IF_ERROR(tx.status());
    for (long i = 0; i < kChunk && done < o.export_responses; ++i, ++done) {
      const int site = site_of(rng);
      Envelope e;
      e.device_id = devices[static_cast<std::size_t>(site)];
      e.submission_id = SubmissionId::random();
      e.form_id = "staff-climate";
      e.form_version = form->version;
      ResponsePayload p;
      p.answers = respondent(rng, *form, effect[static_cast<std::size_t>(site)]);
      // The collector runs the form's calculations before it seals a response.
      forms::EvalOptions eval;
      eval.strict = false;
      eval.record_states = false;
      (void)forms::evaluate(*form, p.answers, eval);
      p.submitted_at = "2026-11-23";
      p.round = "2026-baseline";
      const Bytes envelope(e.submission_id.bytes.begin(), e.submission_id.bytes.end());
      EQ_RETURN_IF_ERROR(store.store_submission(e, envelope, p, std::nullopt, unix_now()).status());
    }
    EQ_RETURN_IF_ERROR(tx.commit());
  }
  return Status::ok();
}

// `sync-server export --format F --out FILE` on staff-climate, as the CLI runs it.
Result<double> time_export(const std::filesystem::path& dir, ExportFormat format,
                           std::uintmax_t& bytes) {
  const auto t = SteadyClock::now();
  EQ_ASSIGN_OR_RETURN(ServerStore store, ServerStore::open(DataDir{dir}));
  ExportOptions eo;
  eo.form_id = "staff-climate";
  eo.format = format;
  const auto path = dir / ("bench." + std::string(export_format_name(format)));
  std::ostringstream unused;
  EQ_RETURN_IF_ERROR(run_export(store, eo, path, unused).status());
  const double ms = ms_since(t);
  bytes = std::filesystem::file_size(path);
  return ms;
}

// The baseline: the stored rows read and their answers parsed, nothing written.
Result<double> time_read(const std::filesystem::path& dir) {
  const auto t = SteadyClock::now();
  EQ_ASSIGN_OR_RETURN(Database db, Database::open(DataDir{dir}.db()));
  EQ_ASSIGN_OR_RETURN(
      Statement st, db.prepare("SELECT answers FROM submissions WHERE form_id = 'staff-climate'"));
  std::size_t keys = 0;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    keys += boost::json::parse(st.column_text(0)).as_object().size();
  }
  if (keys == 0) return Status::internal("no rows read");
  return ms_since(t);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

constexpr const char* kUsage =
    R"(report_bench: synthetic staff-climate responses in a real analysis store, then
`report --by sex,grade` with suppression, timed against a plain full scan of the same rows.

Usage: report_bench [--responses 1000000] [--sites 200] [--runs 5] [--dir PATH] [--export-responses N]
  --responses N   responses to generate
  --sites N       sites they come from
  --runs N        timed runs of each query (the median is reported)
  --dir PATH      where to build the store (default: a temporary folder, removed afterwards)
  --export-responses N   submissions to export as SAV, DTA and CSV (default 100000; 0 skips)
)";

int main(int argc, char** argv) {
  // Reports of anonymous forms use libsodium (cell keys, in locked memory).
  if (!crypto_startup()) return 1;
  Options o;
  std::map<std::string, std::string> args;
  if (const int code = bench::parse_bench_args(
          argc, argv, kUsage, {"--responses", "--sites", "--runs", "--dir", "--export-responses"},
          args);
      code >= 0) {
    return code;
  }
  for (const auto& [k, v] : args) {
    if (k == "--responses")
      o.responses = std::stol(v);
    else if (k == "--sites")
      o.sites = std::stoi(v);
    else if (k == "--runs")
      o.runs = std::max(1, std::stoi(v));
    else if (k == "--dir")
      o.dir = v;
    else if (k == "--export-responses")
      o.export_responses = std::stol(v);
  }
  const bool own_dir = o.dir.empty();
  if (own_dir)
    o.dir = std::filesystem::temp_directory_path() /
            ("equitas-report-bench-" + std::to_string(::getpid()));
  std::cout << "report benchmark: " << o.responses << " staff-climate responses, " << o.sites
            << " sites, in " << o.dir.string() << "\n";
  std::int64_t rows = 0;
  double add_us = 0;
  const auto g = SteadyClock::now();
  if (Status s = generate(o, rows, add_us); !s.is_ok()) {
    std::cerr << "report_bench: " << s.to_string() << "\n";
    return 1;
  }
  std::cout << "  generated in " << std::fixed << std::setprecision(1) << ms_since(g) / 1000.0
            << " s; writer cost " << std::setprecision(1) << add_us
            << " us per submission (AnalysisIndexer::add, no fsync)\n";
  std::cout << "  database " << std::filesystem::file_size(DataDir{o.dir}.db()) / (1024 * 1024)
            << " MiB\n";

  std::vector<double> reports, scans;
  std::size_t text_bytes = 0;
  std::int64_t count = 0, bytes = 0;
  for (int run = 0; run < o.runs; ++run) {
    auto r = time_report(o, text_bytes);
    auto s = time_scan(o, count, bytes);
    if (!r.is_ok() || !s.is_ok()) {
      std::cerr << "report_bench: " << (r.is_ok() ? s.status() : r.status()).to_string() << "\n";
      return 1;
    }
    reports.push_back(*r);
    scans.push_back(*s);
  }
  const double rm = median(reports), sm = median(scans);
  std::cout << std::setprecision(0) << "  report --by sex,grade (open, decode, suppress, text of "
            << text_bytes / 1024 << " KiB): median " << rm << " ms of " << o.runs << " runs (first "
            << reports.front() << " ms)\n"
            << "  plain full scan, SELECT count(*), sum(length(codes)) over " << count << " rows ("
            << bytes / (1024 * 1024) << " MiB of codes): median " << sm << " ms\n"
            << std::setprecision(2) << "  ratio report / scan: " << rm / sm << "\n";

  if (o.export_responses > 0) {
    const auto edir = o.dir / "exports";
    const auto eg = SteadyClock::now();
    if (Status s = generate_submissions(o, edir); !s.is_ok()) {
      std::cerr << "report_bench: " << s.to_string() << "\n";
      return 1;
    }
    std::cout << "exports: " << o.export_responses
              << " staff-climate submissions (anonymous: disclosure control "
              << "on), stored in " << std::setprecision(1) << ms_since(eg) / 1000.0 << " s\n";
    std::vector<double> reads;
    std::map<ExportFormat, std::vector<double>> times;
    std::map<ExportFormat, std::uintmax_t> sizes;
    for (int run = 0; run < o.runs; ++run) {
      auto r = time_read(edir);
      if (!r.is_ok()) {
        std::cerr << "report_bench: " << r.status().to_string() << "\n";
        return 1;
      }
      reads.push_back(*r);
      for (ExportFormat f : {ExportFormat::kSav, ExportFormat::kDta, ExportFormat::kCsv}) {
        auto t = time_export(edir, f, sizes[f]);
        if (!t.is_ok()) {
          std::cerr << "report_bench: export " << export_format_name(f) << ": "
                    << t.status().to_string() << "\n";
          return 1;
        }
        times[f].push_back(*t);
      }
    }
    const double read = median(reads);
    std::cout << std::setprecision(0) << "  read and parse every stored row (baseline): median "
              << read << " ms\n";
    for (ExportFormat f : {ExportFormat::kSav, ExportFormat::kDta, ExportFormat::kCsv}) {
      const double m = median(times[f]);
      std::cout << std::setprecision(0) << "  export --format " << export_format_name(f)
                << ": median " << m << " ms (" << sizes[f] / 1024 << " KiB)" << std::setprecision(2)
                << ", ratio to baseline " << m / read << "\n";
    }
  }
  if (own_dir) std::filesystem::remove_all(o.dir);
  return 0;
}
