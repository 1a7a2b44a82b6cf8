// client/src/client_worker.cpp — the device's background work (client.hpp):
// the worker thread, which syncs at start, every interval_min–interval_max
// seconds, shortly after local writes (gathering a burst), when kicked, and
// sooner while writes wait out a backoff; and the event-stream thread, which
// holds the server's /sync/events open and kicks the worker on each poke.
// Both use their own SQLite connection; Stop() wakes and joins them.
#include "client.hpp"

#include "session.hpp"

#include <algorithm>
#include <chrono>

namespace shopsync::client {

void Client::Kick(bool after_write) {
    std::lock_guard<std::mutex> lock(worker_mutex_);
    kicked_ = true;
    write_kick_ = write_kick_ || after_write;
    wake_.notify_all();
}

bool Client::SleepUnlessStopped(double seconds) {
    std::unique_lock<std::mutex> lock(worker_mutex_);
    wake_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return stopping_; });
    return !stopping_;
}

void Client::Start() {
    std::lock_guard<std::mutex> lock(worker_mutex_);
    if (running_)
        return;
    stopping_ = false;
    kicked_ = true; // sync at start
    stop_stream_ = false;
    running_ = true;
    worker_ = std::thread([this] { WorkerLoop(); });
    events_ = std::thread([this] { EventLoop(); });
}

void Client::Stop() {
    if (InChangeCallback()) // joining the worker from its own thread would abort the process
        throw ClientError("shopsync_stop and shopsync_close cannot be called from the change callback",
                          SHOPSYNC_MISUSE);
    {
        std::lock_guard<std::mutex> lock(worker_mutex_);
        if (!running_)
            return;
        stopping_ = true;
        stop_stream_ = true;
        wake_.notify_all();
    }
    worker_.join();
    events_.join();
    std::lock_guard<std::mutex> lock(worker_mutex_);
    running_ = false;
}

void Client::WorkerLoop() {
    std::mt19937_64 rng(std::random_device{}());
    std::unique_ptr<LocalStore> store;
    int failures = 0;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(worker_mutex_);
            if (stopping_)
                return;
            kicked_ = false;
        }
        double wait;
        Settings settings = CurrentSettings();
        try {
            if (!store)
                store = std::make_unique<LocalStore>(path_);
            SyncReport report = RunSync(*store, settings, rng);
            Notify(report.rebuilt ? "rebuild" : "pull", report.changed);
            failures = report.ok ? 0 : failures + 1;
            // Without the event stream (postgrest, or the stream is down) nothing pokes: poll.
            wait = stream_open_
                       ? std::uniform_real_distribution<double>(settings.interval_min,
                                                                settings.interval_max)(rng)
                       : std::uniform_real_distribution<double>(settings.poll_min, settings.poll_max)(rng);
            double retry = NextRetryIn(*store);
            if (report.ok && retry >= 0)
                wait = std::min(wait, std::max(retry, 0.05));
            if (!report.ok && report.code != SHOPSYNC_NOT_CONFIGURED && report.code != SHOPSYNC_AUTH)
                wait = std::min(
                    wait, std::max(retry >= 0 ? retry : 0.0,
                                   std::max(0.5, BackoffDelay(settings.engine.backoff, failures, -1, rng))));
        } catch (const std::exception &) { // the local database failed: try again later
            wait = settings.interval_max;
        }
        std::unique_lock<std::mutex> lock(worker_mutex_);
        wake_.wait_for(lock, std::chrono::duration<double>(wait), [&] { return stopping_ || kicked_; });
        if (stopping_)
            return;
        if (write_kick_) { // let a burst of local writes gather into one push
            write_kick_ = false;
            wake_.wait_for(lock, std::chrono::milliseconds(settings.write_delay_ms),
                           [&] { return stopping_; });
        }
    }
}

void Client::EventLoop() {
    std::unique_ptr<LocalStore> store;
    int failures = 0;
    while (!stop_stream_) {
        Settings settings = CurrentSettings();
        int status = 0;
        std::string token;
        try {
            if (!store)
                store = std::make_unique<LocalStore>(path_);
            std::string server = store->Get("server_url");
            auto transport = server.empty() ? nullptr : NewTransport(server, settings);
            std::unique_ptr<Session> session;
            if (transport)
                session = std::make_unique<Session>(*store, *transport, refresh_mutex_, &token_hook_);
            // Only the gateway streams pokes; with the postgrest profile the worker polls.
            if (!session || !session->profile().has_event_stream() || !session->SignedIn()) {
                if (!SleepUnlessStopped(1))
                    return;
                continue;
            }
            token = session->AccessToken();
            status = transport->Stream(
                "/sync/events", token,
                [&](const std::string &event) {
                    if (event == "open")
                        stream_open_ = true;
                    if (event == "poke" || event == "open") // open: pokes may have been missed while away
                        Kick(false);
                },
                stop_stream_);
            stream_open_ = false;
            if (status == 401)
                session->RefreshAfterRefusal(token);
        } catch (const std::exception &) {
            stream_open_ = false;
            status = 0;
        }
        failures = status == 200 ? 0 : std::min(failures + 1, 5);
        if (!SleepUnlessStopped(failures == 0 ? 0.5 : (double)(1 << failures)))
            return;
    }
}

} // namespace shopsync::client
