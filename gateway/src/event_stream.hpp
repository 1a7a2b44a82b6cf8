// gateway/src/event_stream.hpp — one Server-Sent Events stream as an
// asynchronous writer on its connection's strand: "poke" when the shop
// changes, a keep-alive comment every few seconds, closed when the token
// expires, the member loses access, the client goes or the gateway stops.
// Holds no thread; thousands cost a socket and a few hundred bytes each.
// A poke is written straight from the I/O thread that delivers it (one
// send, no handler queued) when nothing else is being written; the write
// state is under a mutex for that, everything else runs on the strand.
#pragma once

#include "context.hpp"
#include "pokes.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace gateway {

class EventStream : public Subscriber, public std::enable_shared_from_this<EventStream> {
  public:
    EventStream(Context &ctx, boost::beast::tcp_stream stream, std::string user, std::string shop,
                double exp);
    ~EventStream() override;
    // Sends the response header and starts; call once, after registering.
    void Start();
    // Extra "Name: value\r\n" lines for the response header (CORS); before Start.
    void AddHeaderLines(const std::string &lines) { header_lines_ += lines; }
    bool Poke() override;                           // an I/O thread
    void Close(const std::string &reason) override; // any thread
    const std::string &user() const { return user_; }
    const std::string &shop() const { return shop_; }

  private:
    void Flush();
    void OnWritten(boost::beast::error_code ec);
    void WatchPeer();
    void ArmKeepalive();
    void Shutdown();
    Context &ctx_;
    boost::beast::tcp_stream stream_;
    std::string user_, shop_;
    double exp_;
    boost::asio::steady_timer keepalive_, expiry_;
    std::mutex mutex_;          // the write state below: Poke runs off the strand
    std::string out_;           // being written
    std::string pending_;       // to write next
    bool poke_pending_ = false; // pending_ holds a poke: more coalesce into it
    std::string header_lines_;
    bool writing_ = false, closing_ = false, closed_ = false;
    char peer_byte_[512];
};

} // namespace gateway
