#include "web/serve_command.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include <boost/asio/signal_set.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "collector_app.hpp"
#include "equitas/crypto/secret.hpp"
#include "web/admin_auth.hpp"
#include "web/web_server.hpp"

namespace equitas::collector {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Addresses on this machine's networks, for the phones' link.
std::vector<std::string> lan_addresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    const net::ip::address_v4 ip(ntohl(sin->sin_addr.s_addr));
    if (!ip.is_loopback()) out.push_back(ip.to_string());
  }
  freeifaddrs(list);
  return out;
}

std::string post_token() {
  // Short enough to type from a screen if the camera fails; 60 bits.
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
  std::string t;
  for (int i = 0; i < 12; ++i) t += kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];
  return t;
}

Result<tcp::endpoint> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return Status::invalid_argument("--listen wants HOST:PORT, e.g. 127.0.0.1:8080");
  boost::system::error_code ec;
  auto addr = net::ip::make_address(text.substr(0, colon), ec);
  if (ec)
    return Status::invalid_argument("--listen: '" + text.substr(0, colon) +
                                    "' is not an IP address");
  int port = 0;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return Status::invalid_argument("--listen: bad port in '" + text + "'");
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

}  // namespace

Result<std::string> read_pin(const CliArgs& a, std::string_view file_flag, std::istream& in) {
  std::string pin;
  if (auto f = a.get(std::string(file_flag))) {
    EQ_ASSIGN_OR_RETURN(Bytes b, read_file(*f, 4096));
    pin.assign(b.begin(), b.end());
    wipe(b);
  } else if (const char* env = std::getenv("EQUITAS_ADMIN_PIN")) {
    pin = env;
  } else {
    std::getline(in, pin);
  }
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

int serve(const ServeSettings& settings, std::ostream& out, std::ostream& err) {
  // Answers pass through this process's memory: no core dump may keep them.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  auto endpoint = parse_listen(settings.listen);
  if (!endpoint.is_ok()) {
    err << "collector: " << endpoint.status().message() << "\n";
    return 2;
  }
  auto collector = Collector::open(settings.dir, {.unlocker = settings.unlocker});
  if (!collector.is_ok()) {
    err << "collector: " << collector.status().message() << "\n";
    return 1;
  }
  WebOptions options;
  options.dir = settings.dir;
  options.mode = settings.mode;
  options.anonymous_idle = settings.idle_timeout;
  options.idle_countdown = settings.idle_countdown;
  options.resumable_expiry = settings.draft_expiry;
  options.lan = !endpoint->address().is_loopback();
  if (options.lan) options.post_token = post_token();
  SyncRunner sync(settings.dir, settings.sync_every, {}, {.unlocker = settings.unlocker});
  net::io_context ioc(1);
  WebApi api(*collector, sync, options);
  WebServer server(ioc, api);
  if (Status s = server.listen(*endpoint); !s.is_ok()) {
    err << "collector: " << s.message() << "\n";
    return 1;
  }
  const auto local = server.local_endpoint();
  const std::string port = std::to_string(local.port());
  std::vector<std::string> hosts{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port};
  std::vector<std::string> lan_urls;
  if (options.lan) {
    const auto ips = endpoint->address().is_unspecified()
                         ? lan_addresses()
                         : std::vector<std::string>{endpoint->address().to_string()};
    for (const auto& ip : ips) {
      hosts.push_back(ip + ":" + port);
      lan_urls.push_back("http://" + ip + ":" + port);
    }
  }
  api.set_addresses(hosts, lan_urls);
  const std::string host =
      endpoint->address().is_unspecified() ? "127.0.0.1" : endpoint->address().to_string();
  out << "Serving the survey on http://" << host << ":" << local.port()
      << "/  (admin page: /admin)\n";
  out << (settings.mode == DeviceMode::kKiosk ? "Kiosk mode: a shared device; an unfinished "
                                                "response is never shown to the next person.\n"
                                              : "Personal mode: respondents' own phones; an "
                                                "unfinished response waits for its respondent.\n");
  if (options.lan) {
    for (const auto& u : lan_urls)
      out << "Phones on this network: " << u << "/?t=" << options.post_token << "\n";
    out << "Or scan the QR code on the admin page.\n";
  }
  auto pin_set = admin_pin_is_set(collector->store());
  if (pin_set.is_ok() && !*pin_set) {
    out << "No admin PIN is set: the admin page stays locked until you run\n"
        << "  collector admin-pin --data-dir " << settings.dir.root.string() << "\n";
  }
  if (settings.sync_every.count() > 0) {
    out << "Syncing in the background every " << settings.sync_every.count() << " s.\n";
  }
  out << "Stop with Ctrl-C.\n" << std::flush;

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    server.stop();
    ioc.stop();
  });
  ioc.run();
  sync.stop();
  out << "Stopped.\n";
  return 0;
}

}  // namespace equitas::collector
