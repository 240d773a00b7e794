// The collector on an old field laptop: binary size, time from start to the
// first page, memory when idle and after a GEOAT session, and the cost of one
// answer's round trip through the form engine. Baselines measured in the same
// run: the start of `collector --version` (process start-up alone), and the
// RSS of that same short-lived process.
//
//   ./dev bench collector [--runs 20]
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "bench_args.hpp"
#include "process.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using equitas::test::bin_path;
using equitas::test::ChildProcess;
using equitas::test::run_command;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

long rss_kib(pid_t pid, const char* field = "VmRSS:") {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return -1;
}

struct Http {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  std::string cookie;
  std::string host;       // "127.0.0.1:PORT": the collector answers only its own names
  std::string draft_key;  // the page's half of the draft key, sent as the page does
  bool connect(unsigned short port) {
    host = "127.0.0.1:" + std::to_string(port);
    beast::error_code ec;
    stream.socket().close(ec);
    stream.socket().connect({net::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
  }
  http::response<http::string_body> call(http::verb verb, const std::string& target,
                                         const std::string& body = "") {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host);
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    if (!draft_key.empty()) req.set("X-Draft-Key", draft_key);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    for (auto it = res.find(http::field::set_cookie);
         it != res.end() && it->name() == http::field::set_cookie; ++it) {
      std::string c(it->value());
      cookie = c.substr(0, c.find(';'));
    }
    return res;
  }
};

unsigned short wait_port(ChildProcess& p) {
  static const std::regex re(R"(http://127\.0\.0\.1:(\d+)/)");
  while (auto line = p.read_line(std::chrono::seconds(10))) {
    std::smatch m;
    if (std::regex_search(*line, m, re)) return static_cast<unsigned short>(std::stoi(m[1]));
  }
  return 0;
}

}  // namespace

constexpr const char* kUsage =
    R"(collector_bench: the collector on an old field laptop: binary size, time from
start to the first page, idle memory, and one answer's round trip through the form engine.

Usage: collector_bench [--runs 20]
  --runs N   starts of the collector to time (the median is reported)
)";

int main(int argc, char** argv) {
  int runs = 20;
  std::map<std::string, std::string> args;
  if (const int code = equitas::bench::parse_bench_args(argc, argv, kUsage, {"--runs"}, args);
      code >= 0)
    return code;
  if (args.count("--runs")) runs = std::stoi(args["--runs"]);
  const auto root = std::filesystem::temp_directory_path() /
                    ("equitas-collector-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(root);
  const std::string server = (root / "server").string(), dir = (root / "c").string();
  run_command({bin_path("sync-server"), "init", "--data-dir", server});
  auto code = run_command({bin_path("sync-server"), "device", "enroll", "--data-dir", server,
                           "--site", "Bench post", "--url", "ws://127.0.0.1:9"});
  std::string code_line = code.out.substr(0, code.out.find_last_not_of("\n") + 1);
  code_line = code_line.substr(code_line.find_last_of('\n') + 1);
  // The GEOAT is a team form: the bench starts it from the admin page, as
  // the team does, behind the post's PIN.
  const std::string pin_file = (std::filesystem::path(dir).parent_path() / "bench.pin").string();
  std::ofstream(pin_file) << "bench-pin-2026\n";
  run_command({bin_path("collector"), "init", "--data-dir", dir, "--admin-pin-file", pin_file});
  run_command({bin_path("collector"), "enroll", "--data-dir", dir, code_line});
  // A cascade as select_one_from_file brings it: 6,000 places in 60
  // districts, in two languages, carried to the collector on a USB file.
  {
    std::string places;
    for (int i = 0; i < 6000; ++i) {
      const std::string n = std::to_string(i);
      places += std::string(i ? "," : "") + R"({"name":"p)" + n + R"(","label":{"en":"Place )" + n +
                R"(","ar":"مكان )" + n + R"("},"filters":{"district":"d)" + std::to_string(i % 60) +
                R"("}})";
    }
    std::string districts;
    for (int i = 0; i < 60; ++i) {
      districts += std::string(i ? "," : "") + R"({"name":"d)" + std::to_string(i) +
                   R"(","label":{"en":"District )" + std::to_string(i) + R"("}})";
    }
    const auto form = root / "cascade.json";
    std::ofstream(form)
        << R"({"id":"bench-cascade","version":"1","title":{"en":"Cascade"},"languages":["en","ar"],)"
        << R"("lists":{"districts":[)" << districts << R"(],"places":[)" << places << "]},"
        << R"("items":[{"type":"select_one","name":"district","list":"districts"},)"
        << R"({"type":"select_one","name":"place","list":"places","choice_filter":"district = ${district}"}]})";
    run_command({bin_path("sync-server"), "forms", "publish", "--data-dir", server, form.string()});
    const auto carried = (root / "forms.bin").string();
    run_command(
        {bin_path("sync-server"), "forms", "export", "--data-dir", server, "--out", carried});
    run_command({bin_path("collector"), "forms", "import", "--data-dir", dir, carried});
  }

  // Size: the binary as shipped (stripped).
  const auto stripped = root / "collector.stripped";
  run_command({"/usr/bin/strip", "-o", stripped.string(), bin_path("collector")});
  const double mb = static_cast<double>(std::filesystem::file_size(stripped)) / (1024.0 * 1024.0);

  // Baseline: process start-up alone.
  std::vector<double> version_ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    run_command({bin_path("collector"), "--version"});
    version_ms.push_back(ms_since(t0));
  }
  // Start to first page, a fresh process each time.
  std::vector<double> first_page_ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    ChildProcess p({bin_path("collector"), "serve", "--data-dir", dir, "--listen", "127.0.0.1:0"});
    const unsigned short port = wait_port(p);
    Http h;
    while (!h.connect(port)) std::this_thread::sleep_for(std::chrono::microseconds(200));
    auto res = h.call(http::verb::get, "/");
    if (res.result() != http::status::ok) {
      return std::fprintf(stderr, "GET / failed: HTTP %u\n",
                          static_cast<unsigned>(res.result_int())),
             1;
    }
    first_page_ms.push_back(ms_since(t0));
    p.kill(SIGTERM);
    p.wait();
  }

  // Memory: idle after start, then after a whole GEOAT session.
  ChildProcess p({bin_path("collector"), "serve", "--data-dir", dir, "--listen", "127.0.0.1:0"});
  const unsigned short port = wait_port(p);
  Http h;
  while (!h.connect(port)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::size_t page_bytes = 0;
  for (const char* a : {"/", "/app.js", "/app.css"})
    page_bytes += h.call(http::verb::get, a).body().size();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long idle_kib = rss_kib(p.pid());

  h.call(http::verb::get, "/api/v1/forms/geoat-2023?lang=fr");
  const auto login = h.call(http::verb::post, "/api/v1/admin/login", R"({"pin":"bench-pin-2026"})");
  if (login.result() != http::status::ok)
    return std::fprintf(stderr, "admin login failed: %s\n", login.body().c_str()), 1;
  const auto draft =
      h.call(http::verb::post, "/api/v1/admin/team-draft", R"({"form":"geoat-2023","lang":"fr"})");
  if (draft.result() != http::status::ok)
    return std::fprintf(stderr, "POST draft failed: %s\n", draft.body().c_str()), 1;
  h.draft_key = std::string(json::parse(draft.body()).at("key").as_string());
  // Answer every GEOAT indicator with evidence: the largest draft a team makes.
  json::object answers{{"admin_name", "Bench customs"},
                       {"assessment_start", "2026-01-05"},
                       {"assessment_date", "2026-01-15"}};
  auto form =
      json::parse(h.call(http::verb::get, "/api/v1/forms/geoat-2023?lang=fr").body()).as_object();
  std::vector<std::string> indicators;
  std::function<void(const json::array&)> walk = [&](const json::array& items) {
    for (const auto& it : items) {
      const auto& o = it.as_object();
      if (o.contains("indicator")) indicators.push_back(std::string(o.at("name").as_string()));
      if (o.contains("items")) walk(o.at("items").as_array());
    }
  };
  for (const auto& page : form["pages"].as_array()) walk(page.as_object().at("items").as_array());
  std::vector<double> put_ms;
  for (std::size_t i = 0; i < indicators.size(); ++i) {
    answers[indicators[i]] = std::to_string(i % 5);
    answers[indicators[i] + "_evidence"] =
        "Evidence for " + indicators[i] + ": documents, data, interviews.";
    const std::string body = R"({"answers":)" + json::serialize(answers) + "}";
    const auto t0 = Clock::now();
    auto res = h.call(http::verb::put, "/api/v1/draft", body);
    put_ms.push_back(ms_since(t0));
    if (res.result() != http::status::ok)
      return std::fprintf(stderr, "PUT failed: %s\n", res.body().c_str()), 1;
  }
  const long geoat_peak_kib = rss_kib(p.pid(), "VmHWM:");
  // The cascade: each answer is checked against the 6,000 places' filter.
  const std::size_t cascade_view =
      h.call(http::verb::get, "/api/v1/forms/bench-cascade?lang=ar").body().size();
  const auto cascade =
      h.call(http::verb::post, "/api/v1/draft", R"({"form":"bench-cascade","lang":"ar"})");
  if (cascade.result() != http::status::ok) {
    return std::fprintf(stderr, "POST cascade draft failed: %s\n", cascade.body().c_str()), 1;
  }
  h.draft_key = std::string(json::parse(cascade.body()).at("key").as_string());
  std::vector<double> cascade_ms;
  // 40: with the GEOAT's 60, within the page's burst of 120 saves.
  for (int i = 0; i < 40; ++i) {
    const std::string d = std::to_string(i), p = std::to_string(i + 60 * (i % 7));
    const auto t0 = Clock::now();
    auto res = h.call(http::verb::put, "/api/v1/draft",
                      R"({"answers":{"district":"d)" + d + R"(","place":"p)" + p + R"("}})");
    cascade_ms.push_back(ms_since(t0));
    if (res.result() != http::status::ok)
      return std::fprintf(stderr, "PUT failed: %s\n", res.body().c_str()), 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long busy_kib = rss_kib(p.pid());
  const long peak_kib = rss_kib(p.pid(), "VmHWM:");
  p.kill(SIGTERM);
  p.wait();

  const double v = median(version_ms), f = median(first_page_ms);
  std::printf("collector binary (stripped)        %.1f MB            (target < 10 MB)\n", mb);
  std::printf("first page over the wire           %.1f KB            (target <= 100 KB)\n",
              page_bytes / 1024.0);
  std::printf("start to first page, median of %d   %.1f ms            (target < 100 ms)\n", runs,
              f);
  std::printf("  baseline: collector --version     %.1f ms            ratio %.2f\n", v, f / v);
  std::printf("RSS idle after start               %.1f MB            (target < 16 MB)\n",
              idle_kib / 1024.0);
  std::printf("RSS after a full GEOAT session     peak %.1f MB\n", geoat_peak_kib / 1024.0);
  std::printf("RSS after the cascade too          %.1f MB, peak %.1f MB\n", busy_kib / 1024.0,
              peak_kib / 1024.0);
  std::printf("GEOAT answer round trip (%zu PUTs)  median %.2f ms, max %.2f ms\n", put_ms.size(),
              median(put_ms), *std::max_element(put_ms.begin(), put_ms.end()));
  std::printf(
      "cascade of 6,000 places: form view %.0f KB; answer round trip median %.2f ms, ratio %.2f to "
      "a "
      "GEOAT answer\n",
      static_cast<double>(cascade_view) / 1024.0, median(cascade_ms),
      median(cascade_ms) / median(put_ms));
  std::filesystem::remove_all(root);
  return 0;
}
