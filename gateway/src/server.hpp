// gateway/src/server.hpp — the event-driven HTTP server: a fixed number of
// I/O threads run Boost.Asio (accept, read, write, timers, event streams);
// database calls run on a bounded worker pool of pool-size threads. Thread
// count does not grow with connections or streams. Parts:
//   http_session  one connection: deadlines, reading, writing
//   routes        the route table (runs on workers when it needs the database)
//   bearer        token verification; claims via claims.hpp
//   event_stream  Server-Sent Events as asynchronous writers
//   sign_in       /auth/*
#pragma once

#include "context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace gateway {

class Server {
  public:
    explicit Server(Config config);
    ~Server();
    // Listens and serves until Shutdown(); returns the exit status.
    int Run();
    // Stops accepting, closes event streams, lets in-flight requests finish
    // (up to 10 s). Safe from any thread.
    void Shutdown();
    unsigned short bound_port() const { return bound_port_; }

  private:
    void Accept();
    void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    void ScheduleMembershipCheck();
    void CheckMemberships();
    std::unique_ptr<Context> ctx_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::unique_ptr<boost::asio::steady_timer> recheck_, accept_retry_;
    std::atomic<unsigned short> bound_port_{0};
    std::mutex mutex_;
    std::condition_variable stop_requested_;
    bool stop_ = false;
};

} // namespace gateway
