// gateway/src/event_stream.cpp — see event_stream.hpp. Every member runs on
// the stream's strand except Poke (on whichever I/O thread delivers it) and
// Close (posts to the strand); the write state is shared under mutex_.
#include "event_stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <chrono>

#include <sys/socket.h>

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

static constexpr char kPoke[] = "event: poke\ndata: changed\n\n";

void EventStream::Start() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ = "HTTP/1.1 200 OK\r\nServer: shopsync-gateway\r\nContent-Type: text/event-stream\r\n"
                   "Cache-Control: no-cache\r\nConnection: close\r\nX-Accel-Buffering: no\r\n" +
                   header_lines_ + "\r\n: connected\n\n";
    }
    ctx_.pokes.Subscribe(shop_, this, weak_from_this());
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

// Sends what fits now, without blocking; -1 when the connection is broken.
static ssize_t SendSome(int fd, const char *data, size_t size) {
    ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent >= 0)
        return sent;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
}

// The fan-out's inner loop: 10,000 streams are 10,000 calls of this on the
// I/O threads. When the stream is idle (nearly always) the poke is one
// send() of a constant frame; otherwise it joins what waits to be written
// (or coalesces with a poke already waiting) and the strand writes it.
bool EventStream::Poke() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_ || poke_pending_)
        return false;
    ctx_.metrics.pokes_sent++;
    size_t size = sizeof kPoke - 1;
    if (!writing_ && pending_.empty()) {
        ssize_t sent = SendSome(stream_.socket().native_handle(), kPoke, size);
        if (sent == (ssize_t)size)
            return true;
        if (sent < 0) {
            closing_ = true; // the strand shuts it down
        } else {
            pending_.assign(kPoke + sent, size - sent); // the rest, by the strand
        }
    } else {
        pending_.append(kPoke, size);
        poke_pending_ = true;
    }
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Flush(); });
    return true;
}

void EventStream::Close(const std::string &reason) {
    net::post(stream_.get_executor(), [self = shared_from_this(), reason] {
        {
            std::lock_guard<std::mutex> lock(self->mutex_);
            if (self->closing_)
                return;
            self->closing_ = true;
            self->pending_ += "event: closed\ndata: " + reason + "\n\n";
        }
        self->keepalive_.cancel();
        self->expiry_.cancel();
        self->Flush();
    });
}

void EventStream::ArmKeepalive() {
    keepalive_.expires_after(std::chrono::seconds(ctx_.config.keepalive_seconds));
    keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec)
            return;
        {
            std::lock_guard<std::mutex> lock(self->mutex_);
            if (self->closing_)
                return;
            if (self->pending_.empty())
                self->pending_ = ": keepalive\n\n";
        }
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

// On the strand: writes what is pending, without blocking when the socket
// has room (the usual case), else as an asynchronous write.
void EventStream::Flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (writing_ || closed_)
        return;
    if (pending_.empty()) {
        if (closing_) {
            lock.unlock();
            Shutdown();
        }
        return;
    }
    out_.swap(pending_);
    pending_.clear();
    poke_pending_ = false;
    ssize_t sent = SendSome(stream_.socket().native_handle(), out_.data(), out_.size());
    if (sent < 0) {
        lock.unlock();
        Shutdown();
        return;
    }
    out_.erase(0, sent);
    if (out_.empty()) {
        if (closing_) {
            lock.unlock();
            Shutdown();
        }
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
    {
        std::lock_guard<std::mutex> lock(mutex_);
        writing_ = false;
        out_.clear();
    }
    if (ec) {
        Shutdown();
        return;
    }
    Flush();
}

void EventStream::Shutdown() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_)
            return;
        closed_ = true;
        closing_ = true;
    }
    keepalive_.cancel();
    expiry_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    // Under the lock: a Poke on another thread must not send on a closed
    // (and perhaps reused) descriptor.
    std::lock_guard<std::mutex> lock(mutex_);
    stream_.socket().close(ec);
}

} // namespace gateway
