// `collector serve`: the UI and API over HTTP, on one I/O thread.
//
// A web::Listener (equitas/web/listener.hpp) accepts connections, at most
// kMaxConnections at once and at most kMaxConnectionsPerAddress from one
// address, counted at accept before any byte is read; each WebSession (a
// web::HttpSession) reads one request at a time with a deadline for its
// headers, another for the whole request and a body limit, hands it to
// WebApi, and writes the answer. The API is synchronous and quick (a form
// evaluation, a SQLite write); sync runs on the SyncRunner's own thread, so
// a slow link never stalls a respondent.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "equitas/web/listener.hpp"
#include "web/web_api.hpp"

namespace equitas::collector {

namespace web_limits {
// Answers to the whole GEOAT with long evidence texts stay well under this.
inline constexpr std::size_t kBodyLimit = 1024 * 1024;
// POST /api/v1/draft/files, and .../assessments/ID/files on the admin
// page: one file for a file question. The bundled GEOAT allows 10 MB per
// file; a phone's photo is scaled down before it comes.
inline constexpr std::size_t kFileBodyLimit = 16 * 1024 * 1024;
// Whether a POST to `target` (query and all) carries a file.
inline bool takes_file_body(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  constexpr std::string_view kTeam = "/api/v1/admin/assessments/";
  return path == "/api/v1/draft/files" ||
         (path.starts_with(kTeam) && path.ends_with("/files") && path.size() > kTeam.size() + 6);
}
inline constexpr std::size_t kHeaderLimit = 16 * 1024;
// For the whole request, so a client dripping bytes is cut off too.
inline constexpr std::chrono::seconds kRequestTimeout{30};
// From the start of a request (or of a kept-alive connection's wait for the
// next one) to its last header line. Headers are a few hundred bytes, sent
// at once by any browser on any LAN; a client still sending them after this
// is holding a connection slot, not loading a page (slowloris).
inline constexpr std::chrono::seconds kHeaderTimeout{5};
// Writing one answer. The largest is a backup bundle, to the laptop's own
// browser.
inline constexpr std::chrono::seconds kWriteTimeout{30};
// A post has one laptop and a few dozen phones at most.
inline constexpr std::size_t kMaxConnections = 256;
// Connections from one address, at accept, before any token check: a browser
// opens about 6 per host, so this is ample for a phone or the laptop, and
// one address (the laptop's own 127.0.0.1 included: no address is exempt)
// cannot take more than an eighth of kMaxConnections. Any other address,
// the laptop's browser while a phone floods, still gets in.
inline constexpr std::size_t kMaxConnectionsPerAddress = 32;
static_assert(kMaxConnectionsPerAddress * 4 <= kMaxConnections,
              "one address must not take the server");
inline constexpr std::chrono::seconds kTickEvery{5};
}  // namespace web_limits

// The limits one server applies: always web_limits' in production; tests
// shorten the deadlines so that a deadline test takes seconds.
struct WebLimits {
  std::chrono::milliseconds header_timeout = web_limits::kHeaderTimeout;
  std::chrono::milliseconds request_timeout = web_limits::kRequestTimeout;
  std::size_t max_connections = web_limits::kMaxConnections;
  std::size_t max_per_address = web_limits::kMaxConnectionsPerAddress;
};

class WebServer {
 public:
  WebServer(boost::asio::io_context& ioc, WebApi& api, WebLimits limits = {});
  ~WebServer();
  // Binds and starts accepting; the actual port is in local_endpoint().
  Status listen(const boost::asio::ip::tcp::endpoint& at);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void stop();

 private:
  boost::asio::io_context& ioc_;
  WebApi& api_;
  const WebLimits limits_;
  std::shared_ptr<web::Listener> listener_;
  boost::asio::steady_timer tick_;
  void schedule_tick();
};

}  // namespace equitas::collector
