// gateway/src/http_session.cpp — see http_session.hpp. Every member runs on
// the connection's strand; database work goes to ctx.workers and its answer
// comes back to the strand.
#include "http_session.hpp"

#include "cors.hpp"
#include "event_stream.hpp"
#include "routes.hpp"
#include "rpc.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <iostream>

namespace gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

HttpSession::HttpSession(Context &ctx, tcp::socket socket) : ctx_(ctx), stream_(std::move(socket)) {
    ctx_.connections++;
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "unknown" : peer.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
}

HttpSession::~HttpSession() {
    ctx_.connections--;
}

void HttpSession::Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
}

// Idle until the first byte of a request (bytes already buffered count).
void HttpSession::WaitForRequest() {
    if (ctx_.stopping) {
        Close();
        return;
    }
    if (buffer_.size() > 0) {
        ReadHeader();
        return;
    }
    stream_.expires_after(std::chrono::seconds(ctx_.config.idle_timeout_seconds));
    stream_.async_read_some(buffer_.prepare(8192),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                                if (ec) {
                                    self->Close();
                                    return;
                                }
                                self->buffer_.commit(n);
                                self->ReadHeader();
                            });
}

void HttpSession::ReadHeader() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(ctx_.config.max_body_bytes);
    stream_.expires_after(std::chrono::seconds(ctx_.config.header_timeout_seconds));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

static Request Bare() {
    Request req;
    req.version(11);
    req.keep_alive(false);
    return req;
}

void HttpSession::OnHeader(beast::error_code ec) {
    if (ec == http::error::body_limit) {
        Write(Reply(Bare(), 413,
                    ErrorJson("PGRST413", "the request body is larger than " +
                                              std::to_string(ctx_.config.max_body_bytes) + " bytes")),
              false);
        ctx_.metrics.Request("other", 413, 0);
        return;
    }
    if (ec == http::error::header_limit) {
        Write(Reply(Bare(), 431, ErrorJson("PGRST431", "request header fields too large")), false);
        return;
    }
    if (ec) { // timeout (slow or idle sender), a reset, or bytes that are not HTTP
        if (ec != beast::error::timeout && ec != http::error::end_of_stream && ec != net::error::eof &&
            ec != net::error::connection_reset && ec != net::error::operation_aborted) {
            Write(Reply(Bare(), 400, ErrorJson("PGRST400", "malformed HTTP request")), false);
            return;
        }
        Close();
        return;
    }
    stream_.expires_after(std::chrono::seconds(ctx_.config.body_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void HttpSession::OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) {
        OnHeader(ec);
        return;
    }
    if (ec) {
        Close();
        return;
    }
    stream_.expires_never(); // no deadline while the answer is being made
    Dispatch(parser_->release());
}

void HttpSession::Dispatch(Request req) {
    bool head = req.method() == http::verb::head;
    cors_request_.emplace();
    if (auto origin = req.find(http::field::origin); origin != req.end())
        cors_request_->set(http::field::origin, origin->value());
    switch (Classify(req)) {
    case RouteKind::Inline: {
        std::string route;
        Write(HandleRequest(ctx_, req, remote_, &route), head);
        return;
    }
    case RouteKind::EventStream:
        StartEventStream(std::move(req));
        return;
    case RouteKind::Database:
        break;
    }
    auto shared = std::make_shared<Request>(std::move(req));
    auto queued = std::chrono::steady_clock::now();
    ctx_.active_requests++;
    bool taken = ctx_.Offload([self = shared_from_this(), shared, queued, head] {
        Response res;
        if (std::chrono::steady_clock::now() - queued >
            std::chrono::milliseconds(self->ctx_.config.acquire_timeout_ms)) {
            res = TryLater(*shared, 503, 1, "timed out waiting for a free database connection");
            self->ctx_.metrics.Request("other", 503, 0);
        } else {
            std::string route;
            res = HandleRequest(self->ctx_, *shared, self->remote_, &route);
        }
        net::post(self->stream_.get_executor(), [self, res = std::move(res), head]() mutable {
            self->ctx_.active_requests--;
            self->Write(std::move(res), head);
        });
    });
    if (!taken) {
        ctx_.active_requests--;
        ctx_.metrics.Request("other", 503, 0);
        Write(TryLater(*shared, 503, 1, "the gateway is at capacity"), head);
    }
}

void HttpSession::StartEventStream(Request req) {
    auto shared = std::make_shared<Request>(std::move(req));
    if (ctx_.streams.total() >= ctx_.config.max_streams) {
        ctx_.metrics.Request("/sync/events", 503, 0);
        Write(TryLater(*shared, 503, 5, "too many event streams on this gateway"), false);
        return;
    }
    bool taken = ctx_.Offload([self = shared_from_this(), shared] {
        auto bearer = std::make_shared<Bearer>();
        auto refusal = std::make_shared<Response>();
        bool admitted = false;
        try {
            admitted = AdmitEventStream(self->ctx_, *shared, bearer.get(), refusal.get());
        } catch (const std::exception &e) {
            *refusal = Reply(*shared, 500, ErrorJson("PGRST500", "internal error"));
        }
        net::post(self->stream_.get_executor(), [self, shared, bearer, refusal, admitted] {
            if (!admitted) {
                refusal->keep_alive(false);
                self->ctx_.metrics.Request("/sync/events", refusal->result_int(), 0);
                self->Write(std::move(*refusal), false);
                return;
            }
            const Identity &id = bearer->identity;
            int refused = self->ctx_.streams.Reserve(id.sub, self->ctx_.config.max_streams_per_user,
                                                     self->ctx_.config.max_streams);
            if (refused != 0) {
                self->ctx_.metrics.Request("/sync/events", refused, 0);
                Response res =
                    refused == 429
                        ? TryLater(*shared, 429, 30,
                                   "this user has " + std::to_string(self->ctx_.config.max_streams_per_user) +
                                       " event streams open already")
                        : TryLater(*shared, 503, 5, "too many event streams on this gateway");
                res.keep_alive(false);
                self->Write(std::move(res), false);
                return;
            }
            // The socket now belongs to the stream; the stream releases the reservation.
            auto stream = std::make_shared<EventStream>(self->ctx_, std::move(self->stream_), id.sub,
                                                        id.shop_id, id.exp);
            self->closed_ = true;
            stream->AddHeaderLines(CorsHeaderLines(self->ctx_.config.cors_origins, *shared));
            self->ctx_.streams.Attach(id.sub, stream);
            self->ctx_.metrics.Request("/sync/events", 200, 0);
            stream->Start();
        });
    });
    if (!taken) {
        ctx_.metrics.Request("/sync/events", 503, 0);
        Write(TryLater(*shared, 503, 1, "the gateway is at capacity"), false);
    }
}

void HttpSession::Write(Response res, bool head_only) {
    if (closed_)
        return;
    if (cors_request_) // answers made here (capacity, stream refusals) carry CORS headers too
        AddCorsHeaders(ctx_.config.cors_origins, *cors_request_, res);
    bool keep = res.keep_alive() && !ctx_.stopping;
    res.keep_alive(keep);
    stream_.expires_after(std::chrono::seconds(ctx_.config.body_timeout_seconds));
    auto done = [self = shared_from_this(), keep](beast::error_code ec, size_t) {
        self->answer_.reset();
        if (ec || !keep) {
            self->Close();
            return;
        }
        self->WaitForRequest();
    };
    if (head_only) {
        // HEAD: the header of the GET answer (its Content-Length too), no body.
        auto head = std::make_shared<http::response<http::empty_body>>(res.base());
        answer_ = head;
        http::async_write(stream_, *head, std::move(done));
    } else {
        auto full = std::make_shared<Response>(std::move(res));
        answer_ = full;
        http::async_write(stream_, *full, std::move(done));
    }
}

void HttpSession::Close() {
    if (closed_)
        return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
}

} // namespace gateway
