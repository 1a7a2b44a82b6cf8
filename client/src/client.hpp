// client/src/client.hpp — one device: its local database, its session, the
// sync on demand and the background worker (periodic, after local writes, on
// pokes from the server's event stream). The C API (capi.cpp) wraps this.
#pragma once

#include "local_store.hpp"
#include "session.hpp"
#include "sync_engine.hpp"
#include "transport.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace shopsync::client {

// Seconds until the oldest queued event may be retried (0 if now, -1 if none waits).
double NextRetryIn(LocalStore &store);

class Client {
  public:
    explicit Client(const std::string &path);
    ~Client();

    void SetServer(const std::string &url);
    void SetOption(const std::string &name, const std::string &value);
    std::string DeviceId();
    void SetDeviceId(const std::string &device_id);

    void Login(const std::string &email, const std::string &password, const std::string &shop_id);
    void Logout();
    // client_server.cpp: tokens issued elsewhere, the app's token source, the server's profile.
    void SetTokens(const std::string &access, const std::string &refresh, double expires_at);
    void SetTokenSource(TokenFn fn); // after it returns, the old source is never called again
    bool InTokenSource() const;      // this thread runs this client's token source
    void SetProfile(const std::string &profile, const char *rpc_prefix);
    void SetApiKey(const std::string &apikey);

    std::string Create(const std::string &entity, const std::string &json);
    void Update(const std::string &entity, const std::string &id, const std::string &json,
                bool override = false);
    void Delete(const std::string &entity, const std::string &id);
    nlohmann::json WriteGroup(const std::string &writes_json);
    void AddEntity(const std::string &entity);
    nlohmann::json Get(const std::string &entity, const std::string &id);
    nlohmann::json Query(const std::string &entity, const std::string &filter_json);

    SyncReport SyncNow();
    void Start();
    void Stop(); // ClientError MISUSE when called from the change callback
    // True on a thread that is inside this client's change callback (the
    // worker's, or a caller's during its own write): it must not stop or close.
    bool InChangeCallback() const;

    nlohmann::json Status();
    nlohmann::json FailedWrites();
    void RetryFailed(long long failure_id, const std::string &changes_json, bool override);
    void DiscardFailed(long long failure_id);
    void ForgetShop();
    nlohmann::json Conflicts();
    void DismissConflict(long long id);
    nlohmann::json MigrateLegacy(const std::string &legacy_path);
    // The server's live rows against the legacy file (legacy_parity.hpp).
    nlohmann::json ParityLegacy(const std::string &legacy_path);
    // api.export_shop through the session, naming this device.
    nlohmann::json ExportShop(const std::string &format);

    using ChangeFn = std::function<void(const std::string &source, const std::string &entity)>;
    void OnChange(ChangeFn fn);

  private:
    struct Settings {
        TransportOptions transport;
        EngineOptions engine;
        double interval_min = 15, interval_max = 30;
        double poll_min = 5, poll_max = 10; // instead, while no event stream is open (postgrest)
        int write_delay_ms = 200;
    };
    Settings CurrentSettings();
    std::unique_ptr<Transport> NewTransport(const std::string &server, const Settings &settings);
    SyncReport RunSync(LocalStore &store, const Settings &settings, std::mt19937_64 &rng);
    // One call of an api function through a signed-in session; its JSON answer.
    nlohmann::json CallServer(const std::string &function, const nlohmann::json &args, const char *what);
    void LocalChange(const std::string &entity);
    void Notify(const std::string &source, const std::set<std::string> &entities);
    void Kick(bool after_write);
    bool SleepUnlessStopped(double seconds); // false when stopping
    void WorkerLoop();
    void EventLoop();

    std::string path_;
    std::mutex api_mutex_; // guards store_ (the API's connection) and settings_
    LocalStore store_;
    Settings settings_;
    std::mutex refresh_mutex_; // one token refresh at a time (single-use refresh tokens); guards token_hook_
    TokenHook token_hook_;
    std::atomic<bool> has_token_source_{false}; // token_hook_.fn is set (read without refresh_mutex_)
    bool SignedInLocked();                      // caller holds api_mutex_
    std::atomic<bool> stream_open_{false};      // the event stream is up: pokes come, polling may slow down
    std::mutex sync_mutex_;                     // one sync round at a time per device

    std::mutex worker_mutex_;
    std::condition_variable wake_;
    bool kicked_ = false, write_kick_ = false, stopping_ = false, running_ = false;
    std::atomic<bool> stop_stream_{false};
    std::thread worker_, events_;

    std::mutex callback_mutex_;
    ChangeFn on_change_;
};

} // namespace shopsync::client
