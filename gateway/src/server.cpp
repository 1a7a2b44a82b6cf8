// gateway/src/server.cpp — see server.hpp: listening, the I/O threads, the
// caps on connections, the periodic membership check of event streams, and
// graceful shutdown.
#include "server.hpp"

#include "event_stream.hpp"
#include "http_session.hpp"
#include "rpc.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <iostream>
#include <set>
#include <thread>
#include <vector>

namespace gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Server::Server(Config config) : ctx_(std::make_unique<Context>(std::move(config))) {}

Server::~Server() {
    ctx_->io.stop();
}

void Server::Accept() {
    acceptor_->async_accept(
        net::make_strand(ctx_->io),
        [this](boost::system::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void Server::OnAccept(boost::system::error_code ec, tcp::socket socket) {
    if (ctx_->stopping || !acceptor_->is_open())
        return;
    if (ec) {
        // Out of descriptors (EMFILE) or a transient error: pause, then go on.
        accept_retry_->expires_after(std::chrono::milliseconds(100));
        accept_retry_->async_wait([this](boost::system::error_code) { Accept(); });
        return;
    }
    if (ctx_->connections >= ctx_->config.max_connections) {
        // Over the cap: a short 503 written without waiting, then closed.
        static const std::string kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nServer: shopsync-gateway\r\nRetry-After: 5\r\n"
            "Content-Type: application/json; charset=utf-8\r\nConnection: close\r\nContent-Length: 98\r\n\r\n"
            "{\"code\":\"PGRST503\",\"message\":\"too many connections\",\"details\":null,\"hint\":\"Retry "
            "later.\"}   ";
        boost::system::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(net::buffer(kBusy), ignored);
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        ctx_->metrics.Request("other", 503, 0);
    } else {
        try {
            std::make_shared<HttpSession>(*ctx_, std::move(socket))->Start();
        } catch (const std::exception &e) {
            std::cerr << "shopsync-gateway: connection dropped: " << e.what() << std::endl;
        }
    }
    Accept();
}

void Server::ScheduleMembershipCheck() {
    recheck_->expires_after(std::chrono::seconds(ctx_->config.stream_recheck_seconds));
    recheck_->async_wait([this](boost::system::error_code ec) {
        if (ec || ctx_->stopping)
            return;
        // On a worker: it waits on the database. The next round is scheduled
        // when this one is done, so rounds never pile up.
        if (!ctx_->Offload([this] {
                CheckMemberships();
                net::post(ctx_->io, [this] { ScheduleMembershipCheck(); });
            }))
            ScheduleMembershipCheck();
    });
}

// Closes the streams of users no longer members of the stream's shop (one
// query per user with open streams).
void Server::CheckMemberships() {
    for (auto &[user, streams] : ctx_->streams.Snapshot()) {
        PooledConnection conn =
            ctx_->pool.Acquire(std::chrono::milliseconds(ctx_->config.acquire_timeout_ms));
        if (!conn)
            return; // the database is busy or away: next round
        PgResult res = ExecParams(conn.get(), "SELECT shopsync.auth_memberships($1)::text", {user});
        if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
            continue;
        nlohmann::json memberships = nlohmann::json::parse(PQgetvalue(res.get(), 0, 0), nullptr, false);
        if (!memberships.is_array())
            continue;
        std::set<std::string> shops;
        for (const auto &m : memberships)
            if (m.is_object() && m.contains("shop_id") && m["shop_id"].is_string())
                shops.insert(m["shop_id"].get<std::string>());
        for (auto &s : streams)
            if (!shops.count(s->shop()))
                s->Close("not a member of this shop");
    }
}

int Server::Run() {
    Context &ctx = *ctx_;
    boost::system::error_code ec;
    auto address = net::ip::make_address(ctx.config.host, ec);
    if (ec) {
        std::cerr << "shopsync-gateway: invalid listen address " << ctx.config.host << "\n";
        return 2;
    }
    acceptor_ = std::make_unique<tcp::acceptor>(ctx.io);
    tcp::endpoint endpoint(address, ctx.config.port);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec)
        acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor_->bind(endpoint, ec);
    if (!ec)
        acceptor_->listen(4096, ec);
    if (ec) {
        std::cerr << "shopsync-gateway: cannot listen on " << ctx.config.host << ":" << ctx.config.port
                  << ": " << ec.message() << "\n";
        return 2;
    }
    bound_port_ = acceptor_->local_endpoint().port();
    accept_retry_ = std::make_unique<net::steady_timer>(ctx.io);
    recheck_ = std::make_unique<net::steady_timer>(ctx.io);
    if (ctx.replica)
        ctx.replica->Start();
    ctx.pokes.Start(ctx.io);
    Accept();
    ScheduleMembershipCheck();

    int threads = ctx.config.io_threads > 0 ? ctx.config.io_threads
                                            : std::max(2, (int)std::thread::hardware_concurrency());
    std::vector<std::thread> io_threads;
    for (int i = 0; i < threads; i++)
        io_threads.emplace_back([&ctx] {
            // A handler that throws must not end the process: log, run on.
            for (;;) {
                try {
                    ctx.io.run();
                    return;
                } catch (const std::exception &e) {
                    std::cerr << "shopsync-gateway: handler failed: " << e.what() << std::endl;
                } catch (...) {
                    std::cerr << "shopsync-gateway: handler failed" << std::endl;
                }
            }
        });
    std::cerr << "shopsync-gateway: listening on " << ctx.config.host << ":" << bound_port_ << " (" << threads
              << " I/O threads, " << ctx.config.pool_size << " database workers)" << std::endl;

    {
        std::unique_lock<std::mutex> lock(mutex_);
        stop_requested_.wait(lock, [this] { return stop_; });
    }
    // Graceful: no new connections, event streams closed, in-flight requests
    // get up to 10 s to be answered.
    ctx.stopping = true;
    net::post(ctx.io, [this] {
        boost::system::error_code ignored;
        acceptor_->close(ignored);
        recheck_->cancel();
        accept_retry_->cancel();
    });
    ctx.pokes.Stop();
    if (ctx.replica)
        ctx.replica->Stop();
    for (int i = 0; i < 100 && ctx.active_requests > 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // last answers and close events go out
    ctx.io.stop();
    for (auto &t : io_threads)
        t.join();
    std::cerr << "shopsync-gateway: stopped" << std::endl;
    return 0;
}

void Server::Shutdown() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    stop_requested_.notify_all();
}

} // namespace gateway
