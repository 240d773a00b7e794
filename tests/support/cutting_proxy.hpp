// A TCP proxy on 127.0.0.1 for fault tests: it forwards one connection at a
// time to an upstream port, and can cut both sides after exactly N bytes in
// one direction, delay each chunk, deliver one byte at a time, or (a
// man-in-the-middle) swallow the server's WebSocket messages from the Nth on
// while still passing pings and pongs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace equitas::test {

class CuttingProxy {
 public:
  enum class Direction { kUp, kDown };  // up: client -> server
  struct Plan {
    Direction direction = Direction::kUp;
    std::int64_t cut_after = -1;  // bytes in `direction` before the cut; -1: never
    std::chrono::milliseconds delay{0};
    bool one_byte_at_a_time = false;
    // 1-based: the first WebSocket data message from the server (after the
    // HTTP upgrade) to swallow, with every later one; control frames (ping,
    // pong, close) still pass, so the connection looks alive. -1: none.
    std::int64_t swallow_down_from = -1;
  };

  explicit CuttingProxy(unsigned short upstream_port);
  ~CuttingProxy();
  CuttingProxy(const CuttingProxy&) = delete;
  CuttingProxy& operator=(const CuttingProxy&) = delete;

  unsigned short port() const { return port_; }
  // Applies to the next connection accepted.
  void set_plan(const Plan& p);
  // Bytes forwarded in each direction by the last finished connection.
  std::int64_t last_up() const { return last_up_; }
  std::int64_t last_down() const { return last_down_; }
  // WebSocket data messages from the server in the last finished connection
  // (counted only when swallow_down_from was set).
  std::int64_t last_down_messages() const { return last_down_messages_; }
  // Connections finished so far. A client may see its session end before
  // the proxy has finished with the connection: wait for this to move
  // before reading last_up() and the rest.
  std::int64_t finished() const { return finished_; }
  // Waits (up to 10 s) until finished() exceeds `before`.
  void wait_finished(std::int64_t before) const;

 private:
  void run();
  void serve(int client);

  unsigned short upstream_;
  unsigned short port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> direction_{0};
  std::atomic<std::int64_t> cut_after_{-1};
  std::atomic<long> delay_ms_{0};
  std::atomic<bool> one_byte_{false};
  std::atomic<std::int64_t> swallow_from_{-1};
  std::atomic<std::int64_t> last_down_messages_{0};
  std::atomic<std::int64_t> last_up_{0};
  std::atomic<std::int64_t> last_down_{0};
  std::atomic<std::int64_t> finished_{0};
  std::thread thread_;
};

}  // namespace equitas::test
