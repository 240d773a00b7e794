// Satellite-link benchmark (issue 18): one border post's day synced over an
// emulated satellite link (64 kbit/s each way, 300 ms one way, cut every
// 30 s for 5 s), and in the same run an ODK-shaped transport (one HTTP
// request per submission, each photo in a multipart POST that starts again
// from zero after a cut) over an identical link.
//
// The link is a TCP proxy on 127.0.0.1 written for this benchmark (netem is
// not available): per direction a transmitter at the link rate, a delay line
// and, on a schedule, a cut that drops every connection and refuses new ones.
// A time scale (default 10) runs the link faster (rate x scale, delays and
// cut schedule / scale); every figure is reported in link time.
//
//   build/bin/link_bench [--scale 10] [--photos 20] [--responses 300] [--retry 2]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "bench_args.hpp"
#include "collector_app.hpp"
#include "equitas/crypto/secret.hpp"
#include "equitas/forms/file_answer.hpp"
#include "equitas/forms/form.hpp"
#include "equitas/wire/file_transfer.hpp"
#include "server.hpp"
#include "server_cli.hpp"

using namespace equitas;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Options {
  double scale = 10;
  int photos = 20;
  int responses = 300;
  double retry = 2;  // link seconds between a failed sync and the next attempt
};

// ---------------------------------------------------------------------------
// The emulated link.

// In link time. `shaped` false: bytes pass at loopback speed (enrolment and
// the registration sync, before the day's link comes up).
struct LinkSpec {
  bool shaped = false;
  double rate_bps = 64000;  // each direction
  double one_way_s = 0.3;
  double cut_every_s = 30;  // a cut begins at 30 s, 60 s, ... (0: never)
  double cut_for_s = 5;

  bool up_at(double t) const {
    if (!shaped || cut_every_s <= 0 || t < cut_every_s) return true;
    return std::fmod(t, cut_every_s) >= cut_for_s;
  }
  // Seconds the link was up in [0, t].
  double up_time(double t) const {
    if (!shaped || cut_every_s <= 0) return t;
    double down = 0;
    for (double c = cut_every_s; c < t; c += cut_every_s) down += std::min(cut_for_s, t - c);
    return t - down;
  }
  // The least time that carries `bytes` at the link rate, losing only the
  // outages: what a transport that wasted nothing would need.
  double time_to_carry(double bytes) const {
    const double Bps = rate_bps / 8;
    double t = bytes / Bps;
    for (int i = 0; i < 100 && up_time(t) * Bps < bytes - 0.5; ++i) t += bytes / Bps - up_time(t);
    return t;
  }
  // Cuts begun in [0, t].
  int cuts_before(double t) const {
    return shaped && cut_every_s > 0 ? static_cast<int>(std::floor(t / cut_every_s)) : 0;
  }
};

struct LinkCounters {
  std::int64_t up = 0;    // bytes put on the link client -> server, those lost to cuts included
  std::int64_t down = 0;  // server -> client
  std::int64_t cuts = 0;
  std::int64_t connections = 0;  // accepted while the link was up
  std::int64_t refused = 0;      // connection attempts during a cut
};

// Bytes a terminal buffers per connection and direction before it stops
// reading from the sender (then the sender's socket buffer fills).
constexpr std::size_t kTerminalQueue = 16 * 1024;
// The transmitter puts bytes on the link in slices this big (32 ms of link
// time at 64 kbit/s): a cut loses what was sent up to it, to within a slice.
constexpr std::size_t kSlice = 256;
// Backlog the transmitter may catch up on when the poll loop wakes late (real
// seconds): a busy link stays busy, an idle one starts at the wake-up.
constexpr double kWakeSlack = 0.003;

void reset_close(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A TCP proxy on 127.0.0.1 that behaves as a satellite link in front of
// `upstream`. One thread; the link (its rate and cut schedule) is shared by
// all connections through it, as one terminal's would be. A new connection
// carries data only after one round trip (the TCP handshake). Not modelled:
// TCP/IP headers and ACKs, slow start, loss other than the cuts.
class LinkEmulator {
 public:
  LinkEmulator(unsigned short upstream, double scale) : upstream_(upstream), scale_(scale) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("link emulator: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
    epoch_ = SteadyClock::now();
    thread_ = std::thread([this] { run(); });
  }
  ~LinkEmulator() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  LinkEmulator(const LinkEmulator&) = delete;
  LinkEmulator& operator=(const LinkEmulator&) = delete;

  unsigned short port() const { return port_; }
  // From now on the link follows `spec`; its clock restarts at 0, the
  // counters at zero, and open connections are dropped.
  void reset(const LinkSpec& spec) {
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(mu_);
      spec_ = spec;
      epoch_ = SteadyClock::now();
      generation = ++generation_;
      counters_ = {};
    }
    // Until the link thread has dropped the old connections, a connection
    // made now could be dropped with them.
    while (applied_.load() < generation)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  // Link seconds since the last reset.
  double now() const {
    std::lock_guard lock(mu_);
    return std::chrono::duration<double>(SteadyClock::now() - epoch_).count() * scale_;
  }
  LinkCounters counters() const {
    std::lock_guard lock(mu_);
    return counters_;
  }

 private:
  struct Segment {
    double arrive;  // link time its last byte reaches the far end
    std::string bytes;
  };
  struct Pipe {
    std::string queued;          // read from the sender, not yet on the link
    std::deque<Segment> flight;  // on the link
    std::string due;             // arrived, not yet written to the receiver
    bool eof = false;            // the sender has closed its side
    bool shut = false;           // and that was passed on
  };
  struct Conn {
    int client = -1;
    int server = -1;
    double open_at = 0;  // link time from which data moves (after the handshake)
    Pipe pipe[2];        // 0: up (client -> server), 1: down
    bool broken = false;
  };

  void drop(std::vector<Conn>& conns) {
    for (auto& c : conns) {
      reset_close(c.client);
      reset_close(c.server);
    }
    conns.clear();
  }

  int connect_upstream() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(upstream_);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    set_nodelay(fd);
    return fd;
  }

  // Reads, transmits, delivers and forwards the end of one direction.
  void pump(Conn& c, int dir, const LinkSpec& spec, double t, double free_at[2],
            std::int64_t& sent) {
    Pipe& p = c.pipe[dir];
    const int from = dir == 0 ? c.client : c.server;
    const int to = dir == 0 ? c.server : c.client;
    char buf[16384];
    while (!p.eof && p.queued.size() < kTerminalQueue) {
      const ssize_t n =
          ::recv(from, buf, std::min(sizeof buf, kTerminalQueue - p.queued.size()), MSG_DONTWAIT);
      if (n > 0) {
        p.queued.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0) {
        p.eof = true;
      } else {
        if (errno != EAGAIN && errno != EWOULDBLOCK) c.broken = true;
        break;
      }
    }
    if (!spec.shaped) {
      sent += static_cast<std::int64_t>(p.queued.size());
      p.due += p.queued;
      p.queued.clear();
    } else {
      const double slack = kWakeSlack * scale_;
      while (!p.queued.empty() && t >= c.open_at) {
        const double start = free_at[dir] >= t - slack ? free_at[dir] : t;
        if (start > t) break;
        const std::size_t n = std::min(kSlice, p.queued.size());
        const double finish = start + static_cast<double>(n) * 8.0 / spec.rate_bps;
        p.flight.push_back({finish + spec.one_way_s, p.queued.substr(0, n)});
        p.queued.erase(0, n);
        free_at[dir] = finish;
        sent += static_cast<std::int64_t>(n);
      }
      while (!p.flight.empty() && p.flight.front().arrive <= t) {
        p.due += p.flight.front().bytes;
        p.flight.pop_front();
      }
    }
    if (!p.due.empty()) {
      const ssize_t n = ::send(to, p.due.data(), p.due.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        p.due.erase(0, static_cast<std::size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        c.broken = true;
      }
    }
    if (p.eof && !p.shut && p.queued.empty() && p.flight.empty() && p.due.empty()) {
      ::shutdown(to, SHUT_WR);
      p.shut = true;
    }
  }

  // The next moment (link time) something is due, for the poll timeout.
  static double next_event(const std::vector<Conn>& conns, const double free_at[2], double t) {
    double next = t + 1e9;
    for (const auto& c : conns) {
      for (int d = 0; d < 2; ++d) {
        const Pipe& p = c.pipe[d];
        if (!p.flight.empty()) next = std::min(next, p.flight.front().arrive);
        if (!p.queued.empty()) next = std::min(next, std::max(c.open_at, free_at[d]));
      }
    }
    return next;
  }

  void run() {
    std::vector<Conn> conns;
    std::uint64_t seen_generation = 0;
    bool was_up = true;
    double free_at[2] = {0, 0};
    std::vector<pollfd> fds;
    while (!stop_) {
      LinkSpec spec;
      SteadyClock::time_point epoch;
      std::uint64_t generation;
      {
        std::lock_guard lock(mu_);
        spec = spec_;
        epoch = epoch_;
        generation = generation_;
      }
      auto link_time = [&] {
        return std::chrono::duration<double>(SteadyClock::now() - epoch).count() * scale_;
      };
      if (generation != seen_generation) {
        drop(conns);
        free_at[0] = free_at[1] = 0;
        was_up = true;
        seen_generation = generation;
        applied_.store(generation);
      }

      fds.assign(1, pollfd{listen_fd_, POLLIN, 0});
      for (const auto& c : conns) {
        const short up_in = !c.pipe[0].eof && c.pipe[0].queued.size() < kTerminalQueue ? POLLIN : 0;
        const short down_in =
            !c.pipe[1].eof && c.pipe[1].queued.size() < kTerminalQueue ? POLLIN : 0;
        fds.push_back(
            {c.client, static_cast<short>(up_in | (c.pipe[1].due.empty() ? 0 : POLLOUT)), 0});
        fds.push_back(
            {c.server, static_cast<short>(down_in | (c.pipe[0].due.empty() ? 0 : POLLOUT)), 0});
      }
      double t = link_time();
      const double wait_real = std::clamp((next_event(conns, free_at, t) - t) / scale_, 0.0, 0.002);
      timespec ts{0, static_cast<long>(wait_real * 1e9)};
      ::ppoll(fds.data(), fds.size(), &ts, nullptr);

      t = link_time();
      const bool up = spec.up_at(t);
      std::int64_t accepted = 0, refused = 0, cuts = 0, sent[2] = {0, 0};
      if (was_up && !up) {
        ++cuts;
        drop(conns);
      }
      was_up = up;
      for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        const int server = up ? connect_upstream() : -1;
        if (server < 0) {
          reset_close(fd);
          ++refused;
          continue;
        }
        set_nodelay(fd);
        Conn c;
        c.client = fd;
        c.server = server;
        c.open_at = spec.shaped ? t + 2 * spec.one_way_s : t;
        conns.push_back(std::move(c));
        ++accepted;
      }
      for (auto& c : conns) {
        for (int d = 0; d < 2; ++d) pump(c, d, spec, t, free_at, sent[d]);
      }
      for (auto it = conns.begin(); it != conns.end();) {
        if (it->broken) {
          reset_close(it->client);
          reset_close(it->server);
          it = conns.erase(it);
        } else if (it->pipe[0].shut && it->pipe[1].shut) {
          ::close(it->client);
          ::close(it->server);
          it = conns.erase(it);
        } else {
          ++it;
        }
      }
      std::lock_guard lock(mu_);
      if (generation_ == generation) {
        counters_.up += sent[0];
        counters_.down += sent[1];
        counters_.cuts += cuts;
        counters_.connections += accepted;
        counters_.refused += refused;
      }
    }
    drop(conns);
  }

  unsigned short upstream_;
  double scale_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  LinkSpec spec_;                          // guarded by mu_
  SteadyClock::time_point epoch_;          // guarded by mu_
  std::uint64_t generation_ = 0;           // guarded by mu_
  std::atomic<std::uint64_t> applied_{0};  // the last generation the link thread has taken up
  LinkCounters counters_;                  // guarded by mu_
  std::thread thread_;
};

void sleep_link(double link_seconds, double scale) {
  std::this_thread::sleep_for(std::chrono::duration<double>(link_seconds / scale));
}

// ---------------------------------------------------------------------------
// The post's day.

// A stand-in for a team assessment with photos: the bundled GEOAT has no
// file question yet. Not anonymous, one image question for up to 20 photos.
constexpr const char* kAssessmentForm = R"json({"id": "post-assessment", "version": "1",
  "title": {"en": "Post assessment with photos (link benchmark stand-in)"}, "languages": ["en"],
  "lists": {"yn": [{"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}]},
  "items": [
    {"type": "select_one", "name": "separate_facilities", "list": "yn", "required": true,
     "label": {"en": "Separate facilities for women and men at the post?"}},
    {"type": "select_one", "name": "lactation_room", "list": "yn", "label": {"en": "A lactation room?"}},
    {"type": "text", "name": "notes", "label": {"en": "Notes"}},
    {"type": "image", "name": "evidence_photos", "label": {"en": "Photos of the premises"},
     "file": {"max_files": 20, "max_bytes": 1048576}}
  ]})json";

// A JPEG-shaped file: a camera's start and end markers around random bytes
// (incompressible, as a JPEG is).
std::string fake_jpeg(std::size_t size) {
  std::string b(size, '\0');
  randombytes_buf(b.data(), b.size());
  b[0] = '\xFF', b[1] = '\xD8', b[2] = '\xFF', b[3] = '\xE0';
  b[size - 2] = '\xFF', b[size - 1] = '\xD9';
  return b;
}

// About 150 KB each: 135,000 to 165,000 bytes, the same sizes every run.
std::size_t photo_size(int i) {
  return 135000 + static_cast<std::size_t>((i * 7) % 20) * 30000 / 19;
}

// A full staff-climate response as an officer gives it: every demographic
// and rated item (a few skipped), the harassment items (mostly "never"), a
// comment from one in eight. Questions behind skip logic are left out.
boost::json::object staff_answers(const forms::Form& form, std::mt19937& rng) {
  static const char* kComments[] = {
      "The night shift at the crossing has no separate rest room for women.",
      "Training places go to the same officers every year.",
      "Our supervisor listens, but decisions are made at the regional office.",
  };
  boost::json::object a;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  form.walk([&](const forms::Item& it, const std::vector<const forms::Item*>& parents) {
    for (const auto* p : parents) {
      if (p->relevant.present()) return true;
    }
    if (it.relevant.present()) return true;
    const forms::ChoiceList* list = form.list_for(it);
    switch (it.type) {
      case forms::QuestionType::kAcknowledge:
        a[it.name] = true;
        break;
      case forms::QuestionType::kLikert:
        if (list && !list->choices.empty() && u(rng) > 0.03) {
          a[it.name] = list->choices[std::uniform_int_distribution<std::size_t>(
                                         0, list->choices.size() - 1)(rng)]
                           .name;
        }
        break;
      case forms::QuestionType::kSelectOne:
        if (list && !list->choices.empty() && u(rng) > 0.02) {
          // Earlier choices are commoner: bands, and "never" for harassment.
          std::geometric_distribution<std::size_t> g(it.name.rfind("h_", 0) == 0 ? 0.8 : 0.45);
          a[it.name] = list->choices[std::min(g(rng), list->choices.size() - 1)].name;
        }
        break;
      case forms::QuestionType::kText:
        if (u(rng) < 0.125) a[it.name] = kComments[std::uniform_int_distribution<int>(0, 2)(rng)];
        break;
      default:
        break;
    }
    return true;
  });
  return a;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  Bytes b(bytes);
  randombytes_buf(b.data(), b.size());
  return to_hex(ByteView(b));
}

std::string uuid() {
  const std::string h = random_hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
         "-" + h.substr(20, 12);
}

// The instance ODK Collect would write for the same answers: every field of
// the form as an element, answered or not (XForms instances hold the whole
// model), nested in its groups, with the usual start/end and meta fields. A
// file question becomes a repeat with one file name per row (ODK has no
// multi-file question).
void odk_fields(const std::vector<forms::Item>& items, const boost::json::object& a,
                std::string& out) {
  for (const auto& it : items) {
    if (it.type == forms::QuestionType::kGroup) {
      out += "<" + it.name + ">";
      odk_fields(it.items, a, out);
      out += "</" + it.name + ">";
      continue;
    }
    const auto* v = a.if_contains(it.name);
    if (v && v->is_array() && forms::is_file_question(it)) {
      for (const auto& f : v->as_array()) {
        out += "<" + it.name + "_repeat><" + it.name + ">" +
               std::string(f.as_object().at("name").as_string()) + "</" + it.name + "></" +
               it.name + "_repeat>";
      }
      continue;
    }
    std::string text;
    if (v && v->is_string())
      text = std::string(v->as_string());
    else if (v && v->is_bool())
      text = "OK";
    else if (v && !v->is_null())
      text = boost::json::serialize(*v);
    out += text.empty() ? "<" + it.name + "/>"
                        : "<" + it.name + ">" + xml_escape(text) + "</" + it.name + ">";
  }
}

std::string odk_instance(const forms::Form& form, const boost::json::object& answers) {
  std::string out =
      "<?xml version='1.0' ?><data id=\"" + form.id + "\" version=\"" + form.version +
      "\" xmlns:h=\"http://www.w3.org/1999/xhtml\" xmlns:jr=\"http://openrosa.org/javarosa\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
      "xmlns:ev=\"http://www.w3.org/2001/xml-events\" "
      "xmlns:orx=\"http://openrosa.org/xforms\" xmlns:odk=\"http://www.opendatakit.org/xforms\">"
      "<start>2026-12-03T08:41:12.345+01:00</start><end>2026-12-03T08:52:40.118+01:00</end>";
  odk_fields(form.items, answers, out);
  out += "<meta><instanceID>uuid:" + uuid() + "</instanceID></meta></data>";
  return out;
}

struct Day {
  std::int64_t envelopes = 0;
  std::int64_t envelope_bytes = 0;  // sealed, as they cross the link
  std::int64_t file_bytes = 0;      // sealed files
  std::int64_t photo_bytes = 0;     // the photos themselves
  std::vector<std::size_t> photo_sizes;
  std::vector<std::string> photo_names;
  std::vector<std::string> staff_xml;  // the same responses as ODK instances
  std::string assessment_xml;
};

// Captures the day on `c`: the team assessment first (in the morning), then
// the staff-climate responses. With `odk`, also the ODK instances of the
// same answers.
Status capture_day(collector::Collector& c, const Options& opt, bool odk, Day& day) {
  c.reload_library();
  EQ_ASSIGN_OR_RETURN(const forms::FormLibrary* lib, c.library());
  const auto assessment = lib->current("post-assessment");
  const auto staff = lib->current("staff-climate");
  if (!assessment || !staff)
    return Status::not_found("the post-assessment or staff-climate form is missing");

  std::vector<forms::FileRef> refs;
  for (int i = 0; i < opt.photos; ++i) {
    const std::string photo = fake_jpeg(photo_size(i));
    const std::string name =
        std::to_string(1764748360118LL + i * 41000LL) + ".jpg";  // as Collect names photos
    EQ_ASSIGN_OR_RETURN(
        forms::FileRef ref,
        c.capture_file(*assessment, "evidence_photos",
                       ByteView(reinterpret_cast<const std::uint8_t*>(photo.data()), photo.size()),
                       name));
    refs.push_back(ref);
    day.photo_sizes.push_back(photo.size());
    day.photo_names.push_back(name);
    day.photo_bytes += static_cast<std::int64_t>(photo.size());
  }
  boost::json::object a{
      {"separate_facilities", "no"},
      {"lactation_room", "no"},
      {"notes", "Shared washroom; the women's rest area is a converted storeroom."}};
  if (!refs.empty()) a["evidence_photos"] = forms::file_answer_json(refs, true);
  if (odk) day.assessment_xml = odk_instance(*assessment, a);
  std::string text = boost::json::serialize(a);
  EQ_RETURN_IF_ERROR(c.submit("post-assessment", "", text).status());

  std::mt19937 rng(20261203);
  for (int i = 0; i < opt.responses; ++i) {
    const boost::json::object answers = staff_answers(*staff, rng);
    if (odk) day.staff_xml.push_back(odk_instance(*staff, answers));
    std::string json = boost::json::serialize(answers);
    EQ_RETURN_IF_ERROR(
        c.submit("staff-climate", "", json).status().with_context("staff-climate response"));
  }
  EQ_ASSIGN_OR_RETURN(collector::OutboxCounts counts, c.store().counts());
  EQ_ASSIGN_OR_RETURN(collector::CollectorStore::FileVolume files, c.store().files_held());
  day.envelopes = counts.pending;
  day.envelope_bytes = counts.pending_bytes;
  day.file_bytes = files.bytes;
  return Status::ok();
}

// ---------------------------------------------------------------------------
// Equitas: an in-process sync-server behind its own link, one collector.

struct Post {
  std::filesystem::path root;
  std::unique_ptr<server::Server> server;
  std::unique_ptr<LinkEmulator> link;
  std::unique_ptr<collector::Collector> c;
  ~Post() {
    c.reset();
    link.reset();
    if (server) server->stop();
  }
};

Result<std::string> server_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  if (server::run_cli(args, out, err) != 0) return Status::internal(err.str());
  return out.str();
}

// A server with the stand-in form published, a link in front of it (not
// shaped yet) and a collector enrolled through the link and registered.
Status make_post(const std::filesystem::path& root, double scale, Post& post) {
  post.root = root;
  const std::string data = (root / "server").string();
  EQ_RETURN_IF_ERROR(server_cli({"init", "--data-dir", data}).status());
  { std::ofstream(root / "post-assessment.json") << kAssessmentForm; }
  EQ_RETURN_IF_ERROR(
      server_cli({"forms", "publish", "--data-dir", data, (root / "post-assessment.json").string()})
          .status());
  server::ServeOptions so;
  so.listen = "127.0.0.1:0";
  so.io_threads = 1;
  so.dashboard = false;
  EQ_ASSIGN_OR_RETURN(post.server, server::Server::start(server::DataDir{data}, so));
  post.link = std::make_unique<LinkEmulator>(post.server->endpoint().port(), scale);
  EQ_ASSIGN_OR_RETURN(std::string code,
                      server_cli({"device", "enroll", "--data-dir", data, "--site", "Border post",
                                  "--url", "ws://127.0.0.1:" + std::to_string(post.link->port())}));
  while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
  const collector::DataDir cdir{root / "collector"};
  EQ_RETURN_IF_ERROR(collector::Collector::init(cdir));
  EQ_ASSIGN_OR_RETURN(collector::Collector c, collector::Collector::open(cdir));
  EQ_RETURN_IF_ERROR(c.enroll(code).status());
  EQ_RETURN_IF_ERROR(c.sync({}).status().with_context("registration sync"));
  post.c = std::make_unique<collector::Collector>(std::move(c));
  return Status::ok();
}

struct EquitasRun {
  bool finished = false;
  double done_at = -1;         // every envelope acknowledged and every file stored
  double responses_at = -1;    // every envelope acknowledged
  double first_photo_at = -1;  // the first file stored
  int sessions = 0;
  int failed = 0;
  std::map<std::string, int> failures;  // why sessions failed
  LinkCounters link;
};

// Syncs as a post's collector would, again after `retry` link seconds while
// anything is left, until every envelope is acknowledged and every file
// stored (or the link has run `give_up` seconds).
EquitasRun sync_until_done(collector::Collector& c, LinkEmulator& link, const LinkSpec& spec,
                           std::int64_t photos, double retry, double scale, double give_up) {
  EquitasRun run;
  auto check = [&] {
    const double t = link.now();
    auto counts = c.store().counts();
    auto held = c.store().files_held();
    if (!counts.is_ok() || !held.is_ok()) return false;
    if (counts->pending == 0 && run.responses_at < 0) run.responses_at = t;
    if (held->files < photos && run.first_photo_at < 0) run.first_photo_at = t;
    if (counts->pending == 0 && held->files == 0 && run.done_at < 0) run.done_at = t;
    return run.done_at >= 0;
  };
  collector::SyncOptions so;
  so.on_progress = [&](const collector::SyncProgress&) { check(); };
  link.reset(spec);
  while (link.now() < give_up) {
    auto r = c.sync(so);
    ++run.sessions;
    if (!r.is_ok()) {
      ++run.failed;
      std::string why = r.status().message();
      if (const auto at = why.find(';'); at != std::string::npos)
        why.resize(at);  // drop "N kept, will retry"
      why = std::regex_replace(why, std::regex(" at ws://[^ ]*:[0-9]+"), "");
      ++run.failures[why];
    }
    if (check()) {
      run.finished = true;
      break;
    }
    sleep_link(retry, scale);
  }
  run.link = link.counters();
  return run;
}

// ---------------------------------------------------------------------------
// The ODK-shaped baseline: OpenRosa form submission over HTTP/1.1.

// HQ's answer to HEAD: the largest POST it takes. ODK Collect puts a
// submission's files into as few POSTs as fit under this (10 MB when a
// server says nothing), each POST with the submission XML again and
// "*isIncomplete*: yes" but the last. 200,000 bytes makes Collect send one
// photo per POST: the most a server can do to help it over a link that
// drops (the 3 MB of photos in one POST would need 6+ minutes unbroken).
constexpr const char* kAcceptContentLength = "200000";
constexpr std::string_view kOpenRosaOk =
    "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\" items=\"0\">"
    "<message nature=\"success\">full submission upload was "
    "successful!</message></OpenRosaResponse>";

// A minimal OpenRosa submission endpoint: answers HEAD with 204 and the
// accepted length, and any POST with 201 once its whole body is in.
class OdkSink {
 public:
  OdkSink() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~OdkSink() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
    for (auto& s : sessions_) s.join();
  }
  OdkSink(const OdkSink&) = delete;
  OdkSink& operator=(const OdkSink&) = delete;
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  void accept_loop() {
    while (!stop_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) continue;
      sessions_.emplace_back([this, sock = std::move(s)]() mutable { serve(sock); });
    }
  }
  static void serve(tcp::socket& sock) {
    beast::flat_buffer buf;
    for (;;) {
      boost::system::error_code ec;
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      http::read(sock, buf, parser, ec);
      if (ec) return;
      http::response<http::string_body> res;
      res.version(11);
      res.keep_alive(true);
      res.set(http::field::server, "nginx");
      res.set(http::field::date, "Thu, 03 Dec 2026 08:52:41 GMT");
      res.set("X-OpenRosa-Version", "1.0");
      if (parser.get().method() == http::verb::head) {
        res.result(http::status::no_content);
        res.set("X-OpenRosa-Accept-Content-Length", kAcceptContentLength);
      } else {
        res.result(http::status::created);
        res.set(http::field::content_type, "text/xml; charset=utf-8");
        res.body() = std::string(kOpenRosaOk);
        res.prepare_payload();
      }
      http::write(sock, res, ec);
      if (ec) return;
    }
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> sessions_;  // touched by the accept thread only, until it has joined
};

// Headers as ODK Collect (OkHttp) sends them to ODK Central with an app
// user's token in the path. Plain HTTP: Central requires TLS, whose
// handshake (2 round trips and some 4 KB of certificates per connection) the
// baseline is spared.
const std::string kSubmissionPath = "/v1/key/" + std::string(64, 'k') +
                                    "/projects/1/submission?deviceID=collect%3AV7qPk2RmXw9sLtYb";

std::string odk_head_request() {
  return "HEAD " + kSubmissionPath +
         " HTTP/1.1\r\nX-OpenRosa-Version: 1.0\r\nDate: Thu, 03 Dec 2026 08:52:41 GMT+01:00\r\n"
         "User-Agent: Dalvik/2.1.0 (Linux; U; Android 13; SM-T225 Build/TP1A.220624.014) "
         "org.odk.collect.android/v2024.3.5\r\nHost: odk.customs.example.org\r\nConnection: "
         "Keep-Alive\r\n"
         "Accept-Encoding: gzip\r\n\r\n";
}

// One submission POST: the XML, optionally one photo, and the
// "*isIncomplete*" part when more POSTs of the same submission follow.
std::string odk_post(const std::string& xml, const std::string& xml_name, const std::string* photo,
                     const std::string& photo_name, bool incomplete) {
  const std::string boundary = uuid();
  std::string body =
      "--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"" + xml_name +
      "\"\r\nContent-Type: text/xml\r\nContent-Length: " + std::to_string(xml.size()) + "\r\n\r\n" +
      xml + "\r\n";
  if (photo) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + photo_name +
            "\"; filename=\"" + photo_name +
            "\"\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(photo->size()) +
            "\r\n\r\n" + *photo + "\r\n";
  }
  if (incomplete) {
    body += "--" + boundary +
            "\r\nContent-Disposition: form-data; name=\"*isIncomplete*\"\r\nContent-Length: "
            "3\r\n\r\nyes\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return "POST " + kSubmissionPath +
         " HTTP/1.1\r\nX-OpenRosa-Version: 1.0\r\nDate: Thu, 03 Dec 2026 08:52:41 GMT+01:00\r\n"
         "User-Agent: Dalvik/2.1.0 (Linux; U; Android 13; SM-T225 Build/TP1A.220624.014) "
         "org.odk.collect.android/v2024.3.5\r\nContent-Type: multipart/form-data; boundary=" +
         boundary + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nHost: odk.customs.example.org\r\nConnection: Keep-Alive\r\nAccept-Encoding: "
         "gzip\r\n\r\n" +
         body;
}

struct OdkRun {
  bool finished = false;
  double done_at = -1, responses_at = -1, first_photo_at = -1;
  int uploads = 0;                 // upload runs (connections), each starting with HEAD
  int failed = 0;                  // runs a cut ended
  std::int64_t useful = 0;         // instance XML (each once) and photo bytes
  std::int64_t xml_bytes = 0;      // the staff-climate instances
  std::int64_t request_bytes = 0;  // the staff-climate POSTs, headers included
  LinkCounters link;
};

// Uploads the day as Collect would: the staff-climate submissions first (one
// POST each; kinder to the baseline than the capture order, which would put
// the photos first), then the assessment's photo POSTs; after a cut, again
// from the request that failed, from its first byte.
OdkRun odk_upload(const Day& day, const LinkSpec& spec, double retry, double scale,
                  double give_up) {
  OdkRun run;
  OdkSink sink;
  LinkEmulator link(sink.port(), scale);
  std::vector<std::string> requests;
  for (const auto& xml : day.staff_xml) {
    requests.push_back(odk_post(xml, "staff-climate_2026-12-03_08-52-40.xml", nullptr, "", false));
    run.xml_bytes += static_cast<std::int64_t>(xml.size());
    run.request_bytes += static_cast<std::int64_t>(requests.back().size());
    run.useful += static_cast<std::int64_t>(xml.size());
  }
  const std::size_t small = requests.size();
  run.useful += static_cast<std::int64_t>(day.assessment_xml.size());
  if (day.photo_sizes.empty()) {
    requests.push_back(odk_post(day.assessment_xml, "post-assessment_2026-12-03_07-30-02.xml",
                                nullptr, "", false));
  }
  for (std::size_t i = 0; i < day.photo_sizes.size(); ++i) {
    const std::string photo = fake_jpeg(day.photo_sizes[i]);
    requests.push_back(odk_post(day.assessment_xml, "post-assessment_2026-12-03_07-30-02.xml",
                                &photo, day.photo_names[i], i + 1 < day.photo_sizes.size()));
    run.useful += static_cast<std::int64_t>(photo.size());
  }
  const std::string head = odk_head_request();

  net::io_context ioc;
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), link.port());
  std::size_t next = 0;
  link.reset(spec);
  while (next < requests.size() && link.now() < give_up) {
    tcp::socket sock(ioc);
    boost::system::error_code ec;
    sock.connect(ep, ec);
    if (!ec) sock.set_option(tcp::no_delay(true), ec);
    ++run.uploads;
    beast::flat_buffer buf;
    // Collect asks HEAD once per upload run, then POSTs on the same connection.
    if (!ec) net::write(sock, net::buffer(head), ec);
    if (!ec) {
      http::response_parser<http::empty_body> p;
      p.skip(true);
      http::read(sock, buf, p, ec);
    }
    while (!ec && next < requests.size()) {
      net::write(sock, net::buffer(requests[next]), ec);
      if (ec) break;
      http::response<http::string_body> res;
      http::read(sock, buf, res, ec);
      if (ec) break;
      if (res.result() != http::status::created)
        throw std::runtime_error("the ODK sink did not answer 201");
      ++next;
      const double t = link.now();
      if (next == small) run.responses_at = t;
      if (next == small + 1 && !day.photo_sizes.empty()) run.first_photo_at = t;
    }
    if (next == requests.size()) {
      run.done_at = link.now();
      run.finished = true;
      sock.close(ec);
      break;
    }
    ++run.failed;
    sock.close(ec);
    sleep_link(retry, scale);
  }
  run.link = link.counters();
  return run;
}

// ---------------------------------------------------------------------------
// Output.

std::string fixed(double v, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}

std::string thousands(std::int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > (v < 0 ? 1 : 0); i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string verdict(bool met) { return met ? "MET" : "NOT MET"; }

}  // namespace

int bench_main(int argc, char** argv);

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "link_bench: " << e.what() << "\n";
    return 1;
  }
}

constexpr const char* kUsage =
    R"(link_bench: one border post's day (staff-climate responses and a team
assessment with photos) synced over an emulated satellite link (64 kbit/s, 300 ms one way, cut every
30 s for 5 s), against an ODK-shaped transport over the same link, in the same run. Every time is in
link time: the emulator runs the link --scale times faster and the measured times are multiplied back.

Usage: link_bench [--scale 10] [--photos 20] [--responses 300] [--retry 2]
  --scale N       time scale: rate x N, delays and cut schedule / N (1: real time, about 18 minutes)
  --photos N      photos in the team assessment, about 150 KB each (at most 20)
  --responses N   staff-climate responses
  --retry S       link seconds between a failed sync (or upload) and the next attempt
)";

int bench_main(int argc, char** argv) {
  Options opt;
  std::map<std::string, std::string> args;
  if (const int code = bench::parse_bench_args(
          argc, argv, kUsage, {"--scale", "--photos", "--responses", "--retry"}, args);
      code >= 0) {
    return code;
  }
  for (const auto& [k, text] : args) {
    const double v = std::atof(text.c_str());
    if (k == "--scale")
      opt.scale = v;
    else if (k == "--photos")
      opt.photos = static_cast<int>(v);
    else if (k == "--responses")
      opt.responses = static_cast<int>(v);
    else if (k == "--retry")
      opt.retry = v;
  }
  if (opt.scale < 1 || opt.photos < 0 || opt.photos > forms::kMaxFilesPerQuestion ||
      opt.responses < 1 || opt.retry <= 0) {
    std::cerr << "link_bench: --scale must be at least 1, --photos 0 to 20, --responses at least "
                 "1, --retry above 0\n\n"
              << kUsage;
    return 2;
  }
  if (!crypto_startup()) return 1;
  ::signal(SIGPIPE, SIG_IGN);

  LinkSpec sat;
  sat.shaped = true;
  const double give_up = 4 * 3600;  // link seconds
  const std::filesystem::path root = "/tmp/equitas-link-bench-" + std::to_string(::getpid());
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(p, ec);
    }
  } cleanup{root};

  std::cout << "Satellite link (issue 18): one post's day over an emulated link\n"
            << "  link: " << sat.rate_bps / 1000 << " kbit/s each way, " << sat.one_way_s * 1000
            << " ms one way, cut every " << sat.cut_every_s << " s for " << sat.cut_for_s
            << " s (every connection dropped, new ones refused); a new connection carries data "
               "after one round trip\n"
            << "  time scale " << opt.scale << ": the link runs " << opt.scale << "x faster ("
            << fixed(sat.rate_bps * opt.scale / 1000, 0) << " kbit/s, "
            << fixed(sat.one_way_s * 1000 / opt.scale, 1) << " ms, cut every "
            << fixed(sat.cut_every_s / opt.scale, 1) << " s for "
            << fixed(sat.cut_for_s / opt.scale, 2)
            << " s) and every time below is in link time (measured x " << opt.scale
            << "); --scale 1 runs in real time\n"
            << "  after a failed sync or upload, the next attempt " << opt.retry
            << " s later (--retry; collector serve waits 30 s, doubling, and collector sync "
               "--watch 2 s, doubling)\n";

  // Two posts with the same day: one syncs over the satellite link, the
  // other over the same link without cuts (what the transport costs by
  // itself, and the bytes one uncut transfer puts on the link). The
  // ODK-shaped uploads of the same day run likewise, each transfer over a
  // link of its own, all four at once.
  LinkSpec calm = sat;
  calm.cut_every_s = 0;
  Post post, calm_post;
  Day day, calm_day;
  for (auto [p, d, name, odk] :
       {std::tuple{&post, &day, "post", true}, std::tuple{&calm_post, &calm_day, "calm", false}}) {
    std::filesystem::create_directories(root / name);
    if (Status s = make_post(root / name, opt.scale, *p); !s.is_ok())
      throw std::runtime_error(s.to_string());
    if (Status s = capture_day(*p->c, opt, odk, *d); !s.is_ok())
      throw std::runtime_error(s.to_string());
  }
  const std::int64_t data_up = day.envelope_bytes + day.file_bytes;
  std::cout << "  the day: " << opt.responses
            << " staff-climate responses (every question answered but those behind "
            << "skip logic; mean sealed envelope "
            << day.envelope_bytes / std::max<std::int64_t>(1, day.envelopes)
            << " B) and one team assessment with " << opt.photos << " photos (mean "
            << day.photo_bytes / std::max(1, opt.photos) / 1000
            << " KB) on post-assessment, a stand-in form of this "
            << "benchmark (the bundled GEOAT has no file question yet); captured before the link "
               "comes up\n"
            << "  data to carry up: " << thousands(data_up) << " B (sealed envelopes "
            << thousands(day.envelope_bytes) << ", sealed files " << thousands(day.file_bytes)
            << ")\n"
            << "  running Equitas and the ODK-shaped baseline, each with and without cuts, four "
               "links at once...\n"
            << std::flush;

  EquitasRun eq, eq_calm;
  OdkRun odk, odk_calm;
  std::vector<std::string> errors;
  std::mutex errors_mu;
  auto guarded = [&](auto f) {
    return [&, f] {
      try {
        f();
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mu);
        errors.push_back(e.what());
      }
    };
  };
  std::vector<std::thread> others;
  others.emplace_back(guarded([&] {
    eq_calm = sync_until_done(*calm_post.c, *calm_post.link, calm, opt.photos, opt.retry, opt.scale,
                              give_up);
  }));
  others.emplace_back(guarded([&] { odk = odk_upload(day, sat, opt.retry, opt.scale, give_up); }));
  others.emplace_back(
      guarded([&] { odk_calm = odk_upload(day, calm, opt.retry, opt.scale, give_up); }));
  guarded([&] {
    eq = sync_until_done(*post.c, *post.link, sat, opt.photos, opt.retry, opt.scale, give_up);
  })();
  for (auto& t : others) t.join();
  for (const auto& e : errors) std::cerr << "link_bench: " << e << "\n";
  if (!errors.empty()) return 1;
  if (!eq.finished || !eq_calm.finished || !odk.finished || !odk_calm.finished) {
    std::cerr << "link_bench: a transfer did not finish within " << give_up << " s of link time\n";
    return 1;
  }
  // What one session costs when there is nothing to send, in bytes and, over
  // the uncut link, in time.
  calm_post.link->reset(calm);
  if (auto noop = calm_post.c->sync({}); !noop.is_ok()) {
    throw std::runtime_error("the no-op sync failed: " + noop.status().to_string());
  }
  const double setup_time = calm_post.link->now();
  const std::int64_t setup_up = calm_post.link->counters().up;

  const double rate_Bps = sat.rate_bps / 8;
  const double chunk = static_cast<double>(kFileChunkBytes + kFileChunkOverhead);
  const double T = eq.done_at, To = odk.done_at;
  const int cuts = sat.cuts_before(T), odk_cuts = sat.cuts_before(To);
  const double good_up = static_cast<double>(data_up) / (sat.up_time(T) * rate_Bps);
  const double odk_good_up = static_cast<double>(odk.useful) / (sat.up_time(To) * rate_Bps);
  const std::int64_t extra = eq.link.up - eq_calm.link.up;
  const std::int64_t odk_extra = odk.link.up - odk_calm.link.up;
  // Sessions beyond the first that reached the server each cost a set-up;
  // those refused during a cut put nothing on the link.
  const std::int64_t more_sessions = eq.sessions - 1 - eq.link.refused;
  const std::int64_t extra_setup = more_sessions * setup_up;
  const double per_cut = cuts ? static_cast<double>(extra) / cuts : 0;

  auto row = [](const std::string& label, const std::string& a, const std::string& b) {
    std::cout << "  " << std::left << std::setw(50) << label << std::right << std::setw(16) << a
              << std::setw(16) << b << "\n";
  };
  auto secs = [](double s) { return s < 0 ? std::string("-") : fixed(s, s < 100 ? 1 : 0) + " s"; };
  auto pct = [](double f) { return fixed(100 * f, 1) + " %"; };
  std::cout << "\nResults, in link time:\n";
  row("", "Equitas", "ODK-shaped");
  row("time to sync everything", secs(T), secs(To));
  row("  the same link without cuts", secs(eq_calm.done_at), secs(odk_calm.done_at));
  row("  carrying its bytes alone (uncut bytes / rate)",
      secs(static_cast<double>(eq_calm.link.up) / rate_Bps),
      secs(static_cast<double>(odk_calm.link.up) / rate_Bps));
  row("  ideal: its data at the link rate, outages only",
      secs(sat.time_to_carry(static_cast<double>(data_up))),
      secs(sat.time_to_carry(static_cast<double>(odk.useful))));
  row("all responses acknowledged", secs(eq.responses_at), secs(odk.responses_at));
  row("first photo stored", secs(eq.first_photo_at), secs(odk.first_photo_at));
  row("goodput, share of the link rate outside cuts", pct(good_up), pct(odk_good_up));
  row("  overall", pct(static_cast<double>(data_up) / (T * rate_Bps)),
      pct(static_cast<double>(odk.useful) / (To * rate_Bps)));
  row("  without cuts", pct(static_cast<double>(data_up) / (eq_calm.done_at * rate_Bps)),
      pct(static_cast<double>(odk.useful) / (odk_calm.done_at * rate_Bps)));
  row("cuts during the transfer", std::to_string(cuts), std::to_string(odk_cuts));
  row("  link time each cut cost (5 s of it the outage)",
      secs(cuts ? (T - eq_calm.done_at) / cuts : 0),
      secs(odk_cuts ? (To - odk_calm.done_at) / odk_cuts : 0));
  row("bytes up, with cuts", thousands(eq.link.up), thousands(odk.link.up));
  row("bytes up, without cuts", thousands(eq_calm.link.up), thousands(odk_calm.link.up));
  row("sent again because of cuts, per cut", thousands(cuts ? extra / cuts : 0),
      thousands(odk_cuts ? odk_extra / odk_cuts : 0));
  row("  in 64 KiB chunks", fixed(per_cut / chunk, 2),
      fixed(odk_cuts ? static_cast<double>(odk_extra) / odk_cuts / chunk : 0, 2));
  row("sessions / upload runs", std::to_string(eq.sessions), std::to_string(odk.uploads));
  row("  cut short", std::to_string(eq.failed - eq.link.refused),
      std::to_string(odk.failed - odk.link.refused));
  row("  refused during a cut", std::to_string(eq.link.refused), std::to_string(odk.link.refused));
  std::cout << "\n  Equitas: data is the sealed envelopes and files (" << thousands(data_up)
            << " B); a session with nothing to send takes " << secs(setup_time) << " and puts "
            << thousands(setup_up) << " B up, so of the " << thousands(extra) << " B sent again, "
            << thousands(extra_setup) << " are the set-ups of " << more_sessions
            << " more session(s) and " << thousands(extra - extra_setup) << " chunk bytes ("
            << fixed(cuts ? static_cast<double>(extra - extra_setup) / cuts / chunk : 0, 2)
            << " chunk per cut)\n";
  for (const auto& [why, n] : eq.failures) std::cout << "    failed " << n << " x: " << why << "\n";
  std::cout << "  ODK-shaped: data is the instance XML (once each) and the photos ("
            << thousands(odk.useful) << " B). A staff-climate instance is "
            << odk.xml_bytes / std::max(1, opt.responses)
            << " B (the same answers as XForms writes them: every field of the form, in its "
               "groups, with start, end "
               "and instanceID), its POST "
            << odk.request_bytes / std::max(1, opt.responses)
            << " B with the multipart and HTTP headers Collect sends; plain HTTP (Central requires "
               "TLS: its "
               "handshake is not counted); HEAD once per upload run, as Collect does; responses "
               "first, then the "
               "photos (Collect would go in capture order, photos first). The sink advertises an "
               "accepted length "
               "of "
            << kAcceptContentLength
            << " B, so Collect's own splitting sends one photo per POST, and a failed POST is "
               "taken up again by "
               "itself; Collect starts a failed submission again from its first POST, and by "
               "default puts all the "
               "photos in one POST: either way, all "
            << thousands(day.photo_bytes) << " B of photos must cross between two cuts\n";

  const double ratio = To / T;
  const double chunks_per_cut = per_cut / chunk;
  std::cout << "\nTargets (issue 18):\n"
            << "  goodput >= 80 % of the link rate outside the cuts: " << pct(good_up) << "  "
            << verdict(good_up >= 0.8) << "\n"
            << "  <= one chunk sent again per cut (every extra byte up, set-ups included): "
            << fixed(chunks_per_cut, 2) << "  " << verdict(chunks_per_cut <= 1.0) << "\n"
            << "  every response acknowledged before the first photo is stored: "
            << secs(eq.responses_at) << " < " << secs(eq.first_photo_at) << "  "
            << verdict(opt.photos == 0 ||
                       (eq.responses_at >= 0 && eq.responses_at < eq.first_photo_at))
            << "\n"
            << "  at least 3x faster than the ODK-shaped baseline: " << secs(To) << " / " << secs(T)
            << " = " << fixed(ratio, 2) << "x  " << verdict(ratio >= 3)
            << " (a transport that lost only the outages would "
            << "reach " << fixed(To / sat.time_to_carry(static_cast<double>(data_up)), 2)
            << "x on this day)\n";
  return 0;
}
