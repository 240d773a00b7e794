// Accepts TCP connections and starts an HttpSession on its own strand for
// each. When the process runs out of file descriptors it backs off instead of
// spinning, and accepts again as soon as descriptors free up.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <memory>

#include "server_state.hpp"

namespace equitas::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  static Result<std::shared_ptr<Listener>> create(net::io_context& ioc, tcp::endpoint endpoint,
                                                  std::shared_ptr<ServerState> state);
  void run();
  void stop();  // stops accepting; existing sessions continue
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  Listener(net::io_context& ioc, std::shared_ptr<ServerState> state);
  void do_accept();
  void on_accept(boost::beast::error_code ec, tcp::socket socket);

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_;
  std::shared_ptr<ServerState> state_;
};

}  // namespace equitas::server
