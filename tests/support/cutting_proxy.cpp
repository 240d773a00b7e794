#include "cutting_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace equitas::test {
namespace {

sockaddr_in loopback(unsigned short port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Splits the server's side of a WebSocket connection into the HTTP upgrade
// and whole frames, and drops the frames of data messages from the Nth on.
class DownFilter {
 public:
  explicit DownFilter(std::int64_t swallow_from) : swallow_from_(swallow_from) {}
  // Takes bytes as they arrive; returns those to forward.
  std::string feed(const char* p, std::size_t n) {
    pending_.append(p, n);
    std::string out;
    if (!upgraded_) {
      const auto end = pending_.find("\r\n\r\n");
      if (end == std::string::npos) return out;
      out = pending_.substr(0, end + 4);
      pending_.erase(0, end + 4);
      upgraded_ = true;
    }
    while (const std::size_t size = frame_size()) {
      const auto b0 = static_cast<unsigned char>(pending_[0]);
      const unsigned opcode = b0 & 0x0f;
      bool drop = false;
      if (opcode == 1 || opcode == 2) {  // a data message starts
        ++messages_;
        in_swallowed_ = messages_ >= swallow_from_;
        drop = in_swallowed_;
      } else if (opcode == 0) {  // its continuation
        drop = in_swallowed_;
      }
      if (!drop) out.append(pending_, 0, size);
      pending_.erase(0, size);
    }
    return out;
  }
  std::int64_t messages() const { return messages_; }

 private:
  // The size of the complete frame at the front of pending_, or 0.
  std::size_t frame_size() const {
    if (pending_.size() < 2) return 0;
    const auto b1 = static_cast<unsigned char>(pending_[1]);
    std::size_t header = 2;
    std::uint64_t len = b1 & 0x7f;
    const std::size_t ext = len == 126 ? 2 : len == 127 ? 8 : 0;
    if (pending_.size() < header + ext) return 0;
    if (ext > 0) {
      len = 0;
      for (std::size_t i = 0; i < ext; ++i)
        len = (len << 8) | static_cast<unsigned char>(pending_[header + i]);
    }
    header += ext + ((b1 & 0x80) != 0 ? 4 : 0);
    return pending_.size() < header + len ? 0 : header + static_cast<std::size_t>(len);
  }

  const std::int64_t swallow_from_;
  std::string pending_;
  bool upgraded_ = false;
  std::int64_t messages_ = 0;
  bool in_swallowed_ = false;
};

}  // namespace

CuttingProxy::CuttingProxy(unsigned short upstream_port) : upstream_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("proxy cannot listen");
  }
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { run(); });
}

CuttingProxy::~CuttingProxy() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  if (thread_.joinable()) thread_.join();
}

void CuttingProxy::set_plan(const Plan& p) {
  direction_ = p.direction == Direction::kUp ? 0 : 1;
  cut_after_ = p.cut_after;
  delay_ms_ = static_cast<long>(p.delay.count());
  one_byte_ = p.one_byte_at_a_time;
  swallow_from_ = p.swallow_down_from;
}

void CuttingProxy::run() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    serve(client);
  }
}

void CuttingProxy::serve(int client) {
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(upstream_);
  if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(server);
    ::close(client);
    return;
  }
  const int one = 1;
  ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::int64_t moved[2] = {0, 0};  // up, down
  const int cut_dir = direction_;
  const std::int64_t cut_after = cut_after_;
  bool open = true;
  std::optional<DownFilter> filter;
  if (swallow_from_ >= 1) filter.emplace(swallow_from_);
  char buf[16384];
  while (open && !stop_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(fds, 2, 200) <= 0) continue;
    for (int d = 0; d < 2 && open; ++d) {
      if ((fds[d].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const int from = d == 0 ? client : server;
      const int to = d == 0 ? server : client;
      std::size_t want = sizeof buf;
      if (d == cut_dir && cut_after >= 0) {
        const std::int64_t left = cut_after - moved[d];
        if (left <= 0) {
          open = false;
          break;
        }
        want = std::min<std::size_t>(want, static_cast<std::size_t>(left));
      }
      if (one_byte_) want = 1;
      const ssize_t n = ::recv(from, buf, want, 0);
      if (n <= 0) {
        open = false;
        break;
      }
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
      if (d == 1 && filter) {
        const std::string pass = filter->feed(buf, static_cast<std::size_t>(n));
        if (!write_all(to, pass.data(), pass.size())) open = false;
      } else if (!write_all(to, buf, static_cast<std::size_t>(n))) {
        open = false;
      }
      moved[d] += n;
      if (d == cut_dir && cut_after >= 0 && moved[d] >= cut_after) open = false;
    }
  }
  last_up_ = moved[0];
  last_down_ = moved[1];
  last_down_messages_ = filter ? filter->messages() : 0;
  ++finished_;
  // An abrupt cut: RST rather than an orderly close, like a dropped link.
  const linger hard{1, 0};
  ::setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::setsockopt(server, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(client);
  ::close(server);
}

void CuttingProxy::wait_finished(std::int64_t before) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (finished_ <= before && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace equitas::test
