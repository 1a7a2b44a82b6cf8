// gateway/src/event_stream.cpp — see event_stream.hpp. Every member runs on
// the stream's strand; Poke and Close only post to it.
#include "event_stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <chrono>

namespace gateway {

namespace net = boost::asio;
namespace beast = boost::beast;

EventStream::EventStream(Context &ctx, beast::tcp_stream stream, std::string user, std::string shop,
                         double exp)
    : ctx_(ctx), stream_(std::move(stream)), user_(std::move(user)), shop_(std::move(shop)), exp_(exp),
      keepalive_(stream_.get_executor()), expiry_(stream_.get_executor()) {
    ctx_.metrics.sse_streams++;
}

EventStream::~EventStream() {
    ctx_.pokes.Unsubscribe(shop_, this);
    ctx_.streams.Remove(user_, this);
    ctx_.metrics.sse_streams--;
}

void EventStream::Start() {
    ctx_.pokes.Subscribe(shop_, this, weak_from_this());
    pending_ = "HTTP/1.1 200 OK\r\nServer: shopsync-gateway\r\nContent-Type: text/event-stream\r\n"
               "Cache-Control: no-cache\r\nConnection: close\r\nX-Accel-Buffering: no\r\n" +
               header_lines_ + "\r\n: connected\n\n";
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (exp_ > 0) {
        expiry_.expires_after(std::chrono::milliseconds((long)std::max(0.0, (exp_ - now) * 1000)));
        expiry_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec)
                self->Close("token expired");
        });
    }
    ArmKeepalive();
    WatchPeer();
    Flush();
}

void EventStream::Poke() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        if (self->closing_)
            return;
        if (self->pending_.find("event: poke\n") == std::string::npos) { // pokes coalesce
            self->pending_ += "event: poke\ndata: changed\n\n";
            self->ctx_.metrics.pokes_sent++;
        }
        self->Flush();
    });
}

void EventStream::Close(const std::string &reason) {
    net::post(stream_.get_executor(), [self = shared_from_this(), reason] {
        if (self->closing_)
            return;
        self->closing_ = true;
        self->pending_ += "event: closed\ndata: " + reason + "\n\n";
        self->keepalive_.cancel();
        self->expiry_.cancel();
        self->Flush();
    });
}

void EventStream::ArmKeepalive() {
    keepalive_.expires_after(std::chrono::seconds(ctx_.config.keepalive_seconds));
    keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->closing_)
            return;
        if (self->pending_.empty())
            self->pending_ = ": keepalive\n\n";
        self->Flush();
        self->ArmKeepalive();
    });
}

// The client sends nothing on an event stream: a read that completes means
// it closed (or misbehaves); either way the stream ends.
void EventStream::WatchPeer() {
    stream_.socket().async_read_some(net::buffer(peer_byte_),
                                     [self = shared_from_this()](beast::error_code ec, size_t) {
                                         if (ec) {
                                             self->Shutdown();
                                             return;
                                         }
                                         self->WatchPeer();
                                     });
}

void EventStream::Flush() {
    if (writing_ || closed_)
        return;
    if (pending_.empty()) {
        if (closing_)
            Shutdown();
        return;
    }
    out_.swap(pending_);
    pending_.clear();
    // Fast path: a poke is a few bytes and the socket buffer nearly always has
    // room, so try a non-blocking send first; no timer, no queued operation.
    // That keeps a fan-out to 10,000 streams a tight loop.
    beast::error_code ec;
    stream_.socket().non_blocking(true, ec);
    size_t sent = ec ? 0 : stream_.socket().write_some(net::buffer(out_), ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) {
        Shutdown();
        return;
    }
    out_.erase(0, sent);
    if (out_.empty()) {
        if (closing_)
            Shutdown();
        return;
    }
    writing_ = true;
    // A client that stops reading is dropped once its socket buffer is full
    // for longer than the write deadline.
    stream_.expires_after(std::chrono::seconds(ctx_.config.body_timeout_seconds));
    net::async_write(stream_, net::buffer(out_),
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWritten(ec); });
}

void EventStream::OnWritten(beast::error_code ec) {
    writing_ = false;
    if (ec) {
        Shutdown();
        return;
    }
    Flush();
}

void EventStream::Shutdown() {
    if (closed_)
        return;
    closed_ = true;
    closing_ = true;
    keepalive_.cancel();
    expiry_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
}

} // namespace gateway
