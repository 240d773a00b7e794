// Sync throughput benchmark (issue 5): many simulated collectors push
// pre-sealed 19-answer staff-climate envelopes (v2 payloads, as `collector
// submit` writes them) over loopback WebSocket to a real sync-server process;
// in the same run, the in-process limit is measured on the same data: the
// server's own pipeline with no network (verify, open and validate on every
// core, then the writer commits one transaction per batch).
//
//   build/bin/sync_bench [--collectors 8] [--per-collector 10000] [--batch 12] [--idle 10000]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "bench_args.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/forms/form_library.hpp"
#include "equitas/forms/payload_layout.hpp"
#include "equitas/wire/enrollment_code.hpp"
#include "equitas/wire/envelope.hpp"
#include "equitas/wire/payload.hpp"
#include "equitas/wire/secure_channel.hpp"
#include "form_registry.hpp"
#include "intake.hpp"
#include "process.hpp"
#include "server_cli.hpp"
#include "server_store.hpp"

using namespace equitas;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Options {
  int collectors = 8;
  // 80,000 submissions: long enough (about 7 s) that a p99 is not one hiccup.
  int per_collector = 10000;
  // 8 collectors x 12 = 96 submissions in flight, 12 times ODK's 8 at
  // concurrency 8. By Little's law latency is in-flight / throughput, so at
  // 10,000/s a p99 under 20 ms needs well under 200 in flight; batches of 64
  // (512 in flight) raise throughput by a third and latency sixfold
  // (docs/benchmarks.md has the whole sweep).
  int batch = 12;
  int idle = 10000;
};

struct SimCollector {
  DeviceId id;
  std::unique_ptr<SigningKey> key;
  std::optional<SecretBytes<kEnrollSecretBytes>> secret;  // until registered
  std::vector<Bytes> envelopes;
};

struct Totals {
  std::atomic<std::int64_t> acked{0};
  std::atomic<std::int64_t> bytes_up{0};
  std::atomic<std::int64_t> bytes_down{0};
  std::mutex mu;
  std::vector<double> batch_ms;  // guarded by mu
  std::vector<double> item_ms;   // guarded by mu: each item's ack latency
};

std::string run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  if (server::run_cli(args, out, err) != 0) throw std::runtime_error(err.str());
  return out.str();
}

// A realistic staff-climate response: 7 banded demographics and 12 Likert items.
std::string answers(int i) {
  static const char* sex[] = {"female", "male", "pns"};
  static const char* age[] = {"u25", "25_34", "35_44", "45_54", "55p"};
  static const char* grade[] = {"officer", "supervisor", "senior_manager"};
  static const char* role[] = {"frontline", "enforcement", "clearance_revenue", "support"};
  static const char* svc[] = {"lt2", "2_5", "6_10", "11_20", "gt20"};
  static const char* st[] = {"hq", "regional", "land_border", "seaport", "airport"};
  static const char* lik[] = {"1", "2", "3", "4", "5", "dk"};
  std::ostringstream o;
  o << R"({"consent_ack":true,"dem_sex":")" << sex[i % 3] << R"(","dem_age":")" << age[i % 5]
    << R"(","dem_grade":")" << grade[i % 3] << R"(","dem_role":")" << role[i % 4]
    << R"(","dem_service":")" << svc[i % 5] << R"(","dem_station":")" << st[i % 5]
    << R"(","dem_disability":"no")";
  const char* items[] = {
      "eng_proud",       "eng_recommend", "eng_accomplishment", "eng_motivated",
      "eng_stay",        "inc_respect",   "inc_belong",         "inc_equal_treatment",
      "inc_differences", "inc_speak_up",  "car_promotion_fair", "car_merit"};
  for (int k = 0; k < 12; ++k) o << R"(,")" << items[k] << R"(":")" << lik[(i + k) % 6] << '"';
  o << "}";
  return o.str();
}

// CPU seconds (user + system) a process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::int64_t rss_kb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atoll(line.c_str() + std::strlen(field));
  }
  return 0;
}

using Ws = websocket::stream<beast::tcp_stream>;

// Connects and authenticates one simulated collector.
net::awaitable<void> open_session(Ws& ws, SecureChannel& channel, SimCollector& sim,
                                  const ServerPublicKeys& server, tcp::endpoint ep,
                                  Totals& totals) {
  co_await beast::get_lowest_layer(ws).async_connect(ep, net::use_awaitable);
  // Beast sends a client's masked frame in 4 KiB writes; without this, Nagle
  // holds the last one until the server's delayed ACK (40 ms a batch). The
  // server sets it on every connection; collector/src/sync_client.cpp does
  // not yet (docs/benchmarks.md).
  beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
  ws.binary(true);
  ws.read_message_max(1 << 20);
  co_await ws.async_handshake("127.0.0.1", "/sync", net::use_awaitable);
  ClientHandshake hs(server);
  Bytes hello = hs.hello();
  totals.bytes_up += static_cast<std::int64_t>(hello.size());
  co_await ws.async_write(net::buffer(hello), net::use_awaitable);
  beast::flat_buffer buf;
  co_await ws.async_read(buf, net::use_awaitable);
  totals.bytes_down += static_cast<std::int64_t>(buf.size());
  const auto* p = static_cast<const std::uint8_t*>(buf.cdata().data());
  auto auth = hs.on_server_hello(ByteView(p, buf.size()), sim.id, *sim.key,
                                 sim.secret ? &*sim.secret : nullptr);
  if (!auth.is_ok()) throw std::runtime_error(auth.status().to_string());
  totals.bytes_up += static_cast<std::int64_t>(auth->size());
  co_await ws.async_write(net::buffer(*auth), net::use_awaitable);
  channel = hs.take_channel();
  buf.clear();
  co_await ws.async_read(buf, net::use_awaitable);
  totals.bytes_down += static_cast<std::int64_t>(buf.size());
  auto welcome =
      channel.open(ByteView(static_cast<const std::uint8_t*>(buf.cdata().data()), buf.size()));
  if (!welcome.is_ok()) throw std::runtime_error("no welcome");
  auto msg = decode_sync_message(*welcome);
  if (!msg.is_ok() || !std::holds_alternative<Welcome>(*msg)) {
    throw std::runtime_error("refused: " + (msg.is_ok() && std::holds_alternative<ErrorMsg>(*msg)
                                                ? std::get<ErrorMsg>(*msg).message
                                                : ""));
  }
  sim.secret.reset();
}

net::awaitable<void> push_all(SimCollector& sim, const ServerPublicKeys& server, tcp::endpoint ep,
                              int batch_size, Totals& totals) {
  Ws ws(co_await net::this_coro::executor);
  SecureChannel channel;
  co_await open_session(ws, channel, sim, server, ep, totals);
  std::uint64_t seq = 0;
  beast::flat_buffer buf;
  for (std::size_t i = 0; i < sim.envelopes.size(); i += static_cast<std::size_t>(batch_size)) {
    Push push;
    push.batch_seq = ++seq;
    const std::size_t end =
        std::min(sim.envelopes.size(), i + static_cast<std::size_t>(batch_size));
    push.envelopes.assign(sim.envelopes.begin() + static_cast<long>(i),
                          sim.envelopes.begin() + static_cast<long>(end));
    const Bytes msg = channel.seal(encode(push));
    const auto t0 = SteadyClock::now();
    co_await ws.async_write(net::buffer(msg), net::use_awaitable);
    buf.clear();
    co_await ws.async_read(buf, net::use_awaitable);
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
    auto plain =
        channel.open(ByteView(static_cast<const std::uint8_t*>(buf.cdata().data()), buf.size()));
    auto ack = plain.is_ok() ? decode_sync_message(*plain) : Result<SyncMessage>(plain.status());
    if (!ack.is_ok() || !std::holds_alternative<Ack>(*ack)) throw std::runtime_error("bad ack");
    for (const auto& it : std::get<Ack>(*ack).items) {
      if (it.status == ItemStatus::kRejected) throw std::runtime_error("rejected: " + it.detail);
    }
    totals.acked += static_cast<std::int64_t>(end - i);
    totals.bytes_up += static_cast<std::int64_t>(msg.size());
    totals.bytes_down += static_cast<std::int64_t>(buf.size());
    std::lock_guard lock(totals.mu);
    totals.batch_ms.push_back(ms);
    totals.item_ms.insert(totals.item_ms.end(), end - i, ms);
  }
  co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
}

}  // namespace

int bench_main(int argc, char** argv);

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "sync_bench: " << e.what() << "\n";
    return 1;
  }
}

constexpr const char* kUsage =
    R"(sync_bench: simulated collectors push pre-sealed staff-climate envelopes over
loopback WebSocket to a real sync-server process; the server's own pipeline without the network
is measured in the same run, on the same data.

Usage: sync_bench [--collectors 8] [--per-collector 10000] [--batch 12] [--idle 10000]
  --collectors N      collectors syncing at once
  --per-collector N   submissions each of them sends
  --batch N           submissions per batch (in flight per collector)
  --idle N            authenticated collectors then held idle (memory per connection)
)";

int bench_main(int argc, char** argv) {
  Options opt;
  std::map<std::string, std::string> args;
  if (const int code = bench::parse_bench_args(
          argc, argv, kUsage, {"--collectors", "--per-collector", "--batch", "--idle"}, args);
      code >= 0) {
    return code;
  }
  for (const auto& [k, text] : args) {
    const int v = std::atoi(text.c_str());
    if (k == "--collectors")
      opt.collectors = v;
    else if (k == "--per-collector")
      opt.per_collector = v;
    else if (k == "--batch")
      opt.batch = v;
    else if (k == "--idle")
      opt.idle = v;
  }
  if (!crypto_startup()) return 1;
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  const std::string root = "/tmp/equitas-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(root);
  const std::string data = root + "/server";
  run({"init", "--data-dir", data});
  auto keys = load_server_keys(std::filesystem::path(data) / "server.key", nullptr);
  const ServerPublicKeys server = keys->public_keys();

  std::cout << "Preparing " << opt.collectors << " collectors x " << opt.per_collector
            << " sealed staff-climate envelopes (19 answers each)...\n";
  auto library = forms::FormLibrary::with_bundled();
  const auto form = library->find("staff-climate", "2026.1");
  if (!form) throw std::runtime_error("no bundled staff-climate 2026.1");
  const PayloadLayout layout = forms::payload_layout(*form);
  std::vector<SimCollector> sims(static_cast<std::size_t>(opt.collectors));
  std::size_t envelope_bytes = 0, payload_bytes = 0, count = 0;
  int serial = 0;
  for (auto& s : sims) {
    auto code = parse_enrollment_code(
        run({"device", "enroll", "--data-dir", data, "--site", "Bench post"}));
    s.id = code->device_id;
    s.key = std::make_unique<SigningKey>(SigningKey::generate());
    s.secret.emplace();
    std::memcpy(s.secret->data(), code->secret.data(), kEnrollSecretBytes);
    for (int i = 0; i < opt.per_collector; ++i) {
      ResponsePayload p;
      p.answers = boost::json::parse(answers(serial++)).as_object();
      p.submitted_at = "2026-11-23";
      const Bytes plain = encode_payload(p, layout);
      auto e = seal_envelope({s.id, SubmissionId::random(), 1, "staff-climate", "2026.1"}, plain,
                             server, *s.key);
      s.envelopes.push_back(encode_envelope(*e));
      envelope_bytes += s.envelopes.back().size();
      payload_bytes += plain.size();
      ++count;
    }
  }
  std::cout << "  mean payload " << payload_bytes / count << " B, mean envelope "
            << envelope_bytes / count << " B\n";

  // --- In-process limit: the same work with no network, on a copy of the data folder.
  double inproc_rate = 0;
  {
    const std::string copy = root + "/inproc";
    std::filesystem::copy(data, copy, std::filesystem::copy_options::recursive);
    auto store = server::ServerStore::open(server::DataDir{copy});
    auto forms = server::FormRegistry::load(*store);
    // Register the devices as the first sync would.
    for (auto& s : sims) {
      (void)store->activate_device(s.id, s.key->public_key(), unix_now());
    }
    // The batches in the order the writer takes them; every core prepares
    // (as the server's I/O threads do) while this thread commits.
    struct Job {
      SimCollector* sim;
      std::vector<Bytes> chunk;
      std::vector<server::PreparedEnvelope> prepared;
      std::atomic<bool> ready{false};
    };
    std::vector<std::unique_ptr<Job>> jobs;
    for (auto& s : sims) {
      for (std::size_t i = 0; i < s.envelopes.size(); i += static_cast<std::size_t>(opt.batch)) {
        const std::size_t end =
            std::min(s.envelopes.size(), i + static_cast<std::size_t>(opt.batch));
        auto j = std::make_unique<Job>();
        j->sim = &s;
        j->chunk.assign(s.envelopes.begin() + static_cast<long>(i),
                        s.envelopes.begin() + static_cast<long>(end));
        jobs.push_back(std::move(j));
      }
    }
    const auto snapshot = (*forms)->snapshot();
    const double cpu0 = cpu_seconds(::getpid());
    std::atomic<std::size_t> next{0};
    std::mutex ready_mu;
    std::condition_variable ready_cv;
    const auto t0 = SteadyClock::now();
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < std::max(1u, std::thread::hardware_concurrency()); ++w) {
      workers.emplace_back([&] {
        for (std::size_t k; (k = next++) < jobs.size();) {
          Job& j = *jobs[k];
          for (const Bytes& e : j.chunk) {
            j.prepared.push_back(server::prepare_envelope(*keys, *snapshot, *snapshot, e, j.sim->id,
                                                          j.sim->key->public_key()));
          }
          std::lock_guard lock(ready_mu);
          j.ready = true;
          ready_cv.notify_all();
        }
      });
    }
    std::size_t done = 0;
    for (auto& jp : jobs) {
      Job& j = *jp;
      {
        std::unique_lock lock(ready_mu);
        ready_cv.wait(lock, [&] { return j.ready.load(); });
      }
      Transaction tx(store->db());
      auto r = server::ingest_batch(*store, *keys, *snapshot, j.chunk, j.sim->id, unix_now(),
                                    snapshot.get(), &j.prepared);
      if (!r.is_ok() || (*r)[0].status != ItemStatus::kAccepted) {
        std::cerr << "in-process ingest failed: "
                  << (r.is_ok() ? (*r)[0].detail : r.status().to_string()) << "\n";
        for (auto& w : workers) w.join();
        return 1;
      }
      (void)tx.commit();
      done += j.chunk.size();
      std::vector<server::PreparedEnvelope>().swap(j.prepared);
    }
    for (auto& w : workers) w.join();
    const double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    inproc_rate = static_cast<double>(done) / secs;
    const double cpu_us = (cpu_seconds(::getpid()) - cpu0) * 1e6 / static_cast<double>(done);
    std::cout << "In-process limit (verify, open, validate on every core, then commit; batches of "
              << opt.batch << ", one commit each): " << std::fixed << std::setprecision(0)
              << inproc_rate << " submissions/s (" << cpu_us << " us of CPU each)\n";
  }

  // --- Over the network, against the real binary.
  test::ChildProcess proc(
      {test::bin_path("sync-server"), "serve", "--data-dir", data, "--listen", "127.0.0.1:0"});
  auto line = proc.read_line(std::chrono::seconds(10));
  std::smatch m;
  if (!line || !std::regex_search(*line, m, std::regex(":([0-9]+)/sync"))) {
    std::cerr << "server did not start\n";
    return 1;
  }
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"),
                         static_cast<unsigned short>(std::stoi(m[1])));
  const std::int64_t rss_idle = rss_kb(proc.pid(), "VmRSS:");

  Totals totals;
  {
    const double server_cpu0 = cpu_seconds(proc.pid());
    const double bench_cpu0 = cpu_seconds(::getpid());
    net::io_context ioc;
    for (auto& s : sims) {
      net::co_spawn(ioc, push_all(s, server, ep, opt.batch, totals), [](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            std::cerr << "collector failed: " << x.what() << "\n";
          }
        }
      });
    }
    const auto t0 = SteadyClock::now();
    ioc.run();
    const double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    const double rate = static_cast<double>(totals.acked.load()) / secs;
    const std::int64_t n = std::max<std::int64_t>(1, totals.acked.load());
    const double server_cpu = cpu_seconds(proc.pid()) - server_cpu0;
    const double bench_cpu = cpu_seconds(::getpid()) - bench_cpu0;
    std::cout << std::fixed << std::setprecision(1);
    std::cout << "Sustained over WebSocket (" << opt.collectors
              << " concurrent collectors, batches of " << opt.batch << "): " << std::setprecision(0)
              << rate << " submissions/s (" << totals.acked.load() << " in " << std::setprecision(2)
              << secs << " s)\n";
    std::cout << "  ratio to the in-process limit: " << std::setprecision(2) << rate / inproc_rate
              << "\n";
    std::cout << "  ack latency per submission: p50 " << percentile(totals.item_ms, 0.50)
              << " ms, p99 " << percentile(totals.item_ms, 0.99) << " ms (batch round trip)\n";
    std::cout << "  bytes per submission: up " << std::setprecision(0)
              << static_cast<double>(totals.bytes_up) / static_cast<double>(n) << " B, down "
              << std::setprecision(1)
              << static_cast<double>(totals.bytes_down) / static_cast<double>(n)
              << " B (WebSocket payloads, handshakes included)\n";
    std::cout << "  server RSS: " << rss_idle / 1024 << " MB at start, peak "
              << rss_kb(proc.pid(), "VmHWM:") / 1024 << " MB\n";
    // What the machine gave the two processes: with other work on the same
    // cores, CPU per submission is the figure that does not move.
    std::cout << std::setprecision(0) << "  CPU per submission: server "
              << server_cpu * 1e6 / static_cast<double>(n) << " us, these collectors "
              << bench_cpu * 1e6 / static_cast<double>(n) << " us; the server used "
              << std::setprecision(2) << server_cpu / secs << " of "
              << std::thread::hardware_concurrency() << " cores\n";
    if (totals.acked.load() != static_cast<std::int64_t>(count)) {
      std::cerr << "only " << totals.acked.load() << " of " << count
                << " submissions were acknowledged\n";
      return 1;
    }
  }

  // --- A no-op sync: a new `collector sync` process with nothing pending.
  {
    const std::string cdir = root + "/noop-collector";
    const std::string url = "ws://127.0.0.1:" + std::to_string(ep.port());
    const std::string code =
        run({"device", "enroll", "--data-dir", data, "--site", "No-op post", "--url", url});
    const std::string c = test::bin_path("collector");
    if (test::run_command({c, "init", "--data-dir", cdir}).exit_code != 0 ||
        test::run_command({c, "enroll", "--data-dir", cdir, code.substr(0, code.find('\n'))})
                .exit_code != 0 ||
        test::run_command({c, "sync", "--data-dir", cdir}).exit_code != 0) {
      std::cerr << "no-op collector setup failed\n";
      return 1;
    }
    std::vector<double> ms;
    for (int i = 0; i < 21; ++i) {
      const auto t0 = SteadyClock::now();
      const int rc = test::run_command({c, "sync", "--data-dir", cdir}).exit_code;
      ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
      if (rc != 0) std::cerr << "no-op sync exited " << rc << "\n";
    }
    std::cout << std::setprecision(1)
              << "No-op sync (new collector process, nothing pending, 21 runs): median "
              << percentile(ms, 0.5) << " ms, worst " << percentile(ms, 1.0) << " ms\n";
  }

  // --- Idle authenticated collectors.
  if (opt.idle > 0) {
    std::vector<SimCollector> idle(static_cast<std::size_t>(opt.idle));
    std::cout << "Enrolling " << opt.idle << " idle collectors...\n";
    for (auto& s : idle) {
      auto code = parse_enrollment_code(
          run({"device", "enroll", "--data-dir", data, "--site", "Idle post"}));
      s.id = code->device_id;
      s.secret.emplace();
      std::memcpy(s.secret->data(), code->secret.data(), kEnrollSecretBytes);
    }
    net::io_context ioc;
    std::vector<std::unique_ptr<Ws>> sockets;
    std::vector<std::unique_ptr<SecureChannel>> channels;
    std::atomic<int> open{0}, failed{0};
    Totals t;
    const auto t0 = SteadyClock::now();
    // In waves of 1,000, well under the server's cap on connections that
    // have not authenticated yet (kMaxUnauthenticated), as a fleet that
    // connects over hours would be.
    for (std::size_t wave = 0; wave < idle.size(); wave += 1000) {
      const std::size_t wave_end = std::min(idle.size(), wave + 1000);
      for (std::size_t i = wave; i < wave_end; ++i) {
        // Keys live in sodium's guarded memory (several mappings each): make
        // them for this wave only, so the benchmark's own process stays within
        // the kernel's mapping limit.
        idle[i].key = std::make_unique<SigningKey>(SigningKey::generate());
        sockets.push_back(std::make_unique<Ws>(ioc));
        channels.push_back(std::make_unique<SecureChannel>());
        // Spread source addresses over 127.0.0.x so ephemeral ports never run short.
        auto& sock = beast::get_lowest_layer(*sockets.back()).socket();
        boost::system::error_code ec;
        sock.open(tcp::v4(), ec);
        if (!ec)
          sock.bind(
              tcp::endpoint(net::ip::make_address("127.0.0." + std::to_string(2 + i % 200)), 0),
              ec);
        if (ec) {
          std::cerr << "socket " << i << ": " << ec.message() << "\n";
          ++failed;
          continue;
        }
        net::co_spawn(ioc, open_session(*sockets.back(), *channels.back(), idle[i], server, ep, t),
                      [&](std::exception_ptr e) { (e ? failed : open)++; });
      }
      ioc.restart();
      ioc.run();
      for (std::size_t i = wave; i < wave_end; ++i) idle[i].key.reset();
    }
    std::cout << "Idle authenticated collectors: " << open.load() << " connected (" << failed.load()
              << " failed) in " << std::setprecision(1)
              << std::chrono::duration<double>(SteadyClock::now() - t0).count()
              << " s; server RSS now " << rss_kb(proc.pid(), "VmRSS:") / 1024 << " MB\n";
    if (failed.load() != 0) return 1;
  }
  proc.kill(SIGTERM);
  proc.wait();
  std::filesystem::remove_all(root);
  return 0;
}
