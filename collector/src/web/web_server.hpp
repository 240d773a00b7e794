// `collector serve`: the UI and API over HTTP, on one I/O thread.
//
// A listener accepts connections (at most kMaxConnections at once); each
// WebSession reads one request at a time with a deadline for the whole
// request and a body limit, hands it to WebApi, and writes the answer. The
// API is synchronous and quick (a form evaluation, a SQLite write); sync runs
// on the SyncRunner's own thread, so a slow link never stalls a respondent.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "web/web_api.hpp"

namespace equitas::collector {

namespace web_limits {
// Answers to the whole GEOAT with long evidence texts stay well under this.
inline constexpr std::size_t kBodyLimit = 1024 * 1024;
inline constexpr std::size_t kHeaderLimit = 16 * 1024;
// For the whole request, so a client dripping bytes is cut off too.
inline constexpr std::chrono::seconds kRequestTimeout{30};
// A post has one laptop and a few dozen phones at most.
inline constexpr std::size_t kMaxConnections = 256;
inline constexpr std::chrono::seconds kTickEvery{5};
}  // namespace web_limits

class WebServer {
 public:
  WebServer(boost::asio::io_context& ioc, WebApi& api);
  ~WebServer();
  // Binds and starts accepting; the actual port is in local_endpoint().
  Status listen(const boost::asio::ip::tcp::endpoint& at);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void stop();

 private:
  class Listener;
  boost::asio::io_context& ioc_;
  WebApi& api_;
  std::shared_ptr<Listener> listener_;
  boost::asio::steady_timer tick_;
  void schedule_tick();
};

}  // namespace equitas::collector
