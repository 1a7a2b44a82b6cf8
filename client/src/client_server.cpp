// client/src/client_server.cpp — the Client's side of whom it talks to and
// with what token (client.hpp): tokens issued outside the library, the app's
// token source, the server profile and its apikey. The token source runs
// under refresh_mutex_ (one call at a time, on whichever thread needs a
// token: the worker, the event stream, or a caller of sync_now), so
// replacing it under that mutex means the old one is never called again.
#include "client.hpp"

#include "server_profile.hpp"

namespace shopsync::client {

namespace {
class OfflineTransport : public Transport {
  public:
    HttpResponse Send(const HttpRequest &) override { return {0, "", -1, "no server is set"}; }
    int Stream(const std::string &, const std::string &, const std::function<void(const std::string &)> &,
               const std::atomic<bool> &) override {
        return 0;
    }
};
} // namespace

std::unique_ptr<Transport> MakeOfflineTransport() {
    return std::make_unique<OfflineTransport>();
}

void Client::SetTokens(const std::string &access, const std::string &refresh, double expires_at) {
    {
        std::lock_guard<std::mutex> lock(api_mutex_);
        auto offline = MakeOfflineTransport(); // SetTokens sends nothing: no server needed yet
        Session(store_, *offline, refresh_mutex_, &token_hook_).SetTokens(access, refresh, expires_at);
    }
    Kick(false);
}

void Client::SetTokenSource(TokenFn fn) {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    has_token_source_ = (bool)fn;
    token_hook_.fn = std::move(fn);
    if (has_token_source_)
        Kick(false);
}

bool Client::InTokenSource() const {
    return TokenSourceMark::Inside(this);
}

bool Client::SignedInLocked() {
    return has_token_source_ || !store_.Get("refresh_token").empty() || !store_.Get("access_token").empty();
}

void Client::SetProfile(const std::string &profile, const char *rpc_prefix) {
    ServerProfile p = MakeProfile(profile, rpc_prefix);
    std::lock_guard<std::mutex> lock(api_mutex_);
    SaveProfile(store_, p);
}

void Client::SetApiKey(const std::string &apikey) {
    if (!apikey.empty())
        CheckApiKey(apikey);
    std::lock_guard<std::mutex> lock(api_mutex_);
    store_.Put("apikey", apikey);
}

} // namespace shopsync::client
