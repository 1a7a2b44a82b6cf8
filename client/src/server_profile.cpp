// client/src/server_profile.cpp — see server_profile.hpp.
#include "server_profile.hpp"

namespace shopsync::client {

using json = nlohmann::json;

std::string DefaultRpcPrefix(ServerProfile::Kind kind) {
    return kind == ServerProfile::Kind::Postgrest ? "/rest/v1" : "";
}

// Header values must not carry CR, LF or other controls (a header injection),
// nor be longer than any real key or token.
static bool HeaderSafe(const std::string &value, size_t max) {
    if (value.size() > max)
        return false;
    for (unsigned char c : value)
        if (c < 0x21 || c > 0x7e)
            return false;
    return true;
}

ServerProfile MakeProfile(const std::string &name, const char *rpc_prefix) {
    ServerProfile p;
    if (name == "gateway")
        p.kind = ServerProfile::Kind::Gateway;
    else if (name == "postgrest")
        p.kind = ServerProfile::Kind::Postgrest;
    else
        throw ClientError("the profile is \"gateway\" or \"postgrest\"", SHOPSYNC_INVALID);
    p.rpc_prefix = rpc_prefix ? rpc_prefix : DefaultRpcPrefix(p.kind);
    while (!p.rpc_prefix.empty() && p.rpc_prefix.back() == '/')
        p.rpc_prefix.pop_back();
    bool ok = p.rpc_prefix.empty() || (p.rpc_prefix[0] == '/' && HeaderSafe(p.rpc_prefix, 200));
    for (char c : p.rpc_prefix)
        ok = ok && c != '?' && c != '#' && c != '%';
    if (!ok)
        throw ClientError("the rpc prefix is a URL path such as /rest/v1, or empty", SHOPSYNC_INVALID);
    return p;
}

void CheckApiKey(const std::string &apikey) {
    if (!HeaderSafe(apikey, 4096)) // the message never repeats the key
        throw ClientError("an apikey is up to 4096 printable ASCII characters without spaces",
                          SHOPSYNC_INVALID);
}

ServerProfile LoadProfile(LocalStore &store) {
    std::string name = store.Get("server_profile", "gateway");
    ServerProfile p;
    p.kind = name == "postgrest" ? ServerProfile::Kind::Postgrest : ServerProfile::Kind::Gateway;
    p.rpc_prefix = store.Get("rpc_prefix", DefaultRpcPrefix(p.kind));
    p.apikey = store.Get("apikey");
    return p;
}

void SaveProfile(LocalStore &store, const ServerProfile &profile) {
    Transaction tx(store);
    store.Put("server_profile", profile.name());
    store.Put("rpc_prefix", profile.rpc_prefix);
    tx.Commit();
}

void SaveApiKey(LocalStore &store, const std::string &apikey) {
    CheckApiKey(apikey);
    store.Put("apikey", apikey);
}

static HttpRequest WithHeaders(const ServerProfile &p, HttpRequest r) {
    if (!p.apikey.empty())
        r.headers.emplace_back("apikey", p.apikey);
    if (p.postgrest() && r.path.find("/rpc/") != std::string::npos) // the functions live in schema api
        r.headers.emplace_back("Content-Profile", "api");
    return r;
}

HttpRequest RpcRequest(const ServerProfile &p, const std::string &fn, const json &args) {
    return WithHeaders(p, {"POST", p.rpc_prefix + "/rpc/" + fn, args.dump(), ""});
}

HttpRequest PushRequest(const ServerProfile &p, const json &envelope) {
    if (p.postgrest()) // api.sync_push(body jsonb): the envelope is the named argument "body"
        return RpcRequest(p, "sync_push", {{"body", envelope}});
    return WithHeaders(p, {"POST", "/sync/push", envelope.dump(), ""});
}

HttpRequest PullRequest(const ServerProfile &p, long long cursor, int limit, int protocol) {
    if (p.postgrest())
        return RpcRequest(p, "sync_pull", {{"cursor", cursor}, {"lim", limit}, {"protocol", protocol}});
    return WithHeaders(p, {"GET",
                           "/sync/pull?cursor=" + std::to_string(cursor) + "&limit=" + std::to_string(limit) +
                               "&protocol=" + std::to_string(protocol),
                           "", ""});
}

HttpRequest LoginRequest(const ServerProfile &p, const std::string &email, const std::string &password,
                         const std::string &shop_id) {
    json body{{"email", email}, {"password", password}};
    if (p.postgrest()) // GoTrue chooses the shop in its access-token hook
        return WithHeaders(p, {"POST", "/auth/v1/token?grant_type=password", body.dump(), ""});
    if (!shop_id.empty())
        body["shop_id"] = shop_id;
    return WithHeaders(p, {"POST", "/auth/login", body.dump(), ""});
}

HttpRequest RefreshRequest(const ServerProfile &p, const std::string &refresh_token,
                           const std::string &shop_id) {
    json body{{"refresh_token", refresh_token}};
    if (p.postgrest())
        return WithHeaders(p, {"POST", "/auth/v1/token?grant_type=refresh_token", body.dump(), ""});
    if (!shop_id.empty())
        body["shop_id"] = shop_id;
    return WithHeaders(p, {"POST", "/auth/refresh", body.dump(), ""});
}

HttpRequest LogoutRequest(const ServerProfile &p, const std::string &refresh_token,
                          const std::string &access_token) {
    if (p.postgrest()) // GoTrue revokes the session of the bearer
        return WithHeaders(p, {"POST", "/auth/v1/logout", "{}", access_token});
    return WithHeaders(p, {"POST", "/auth/logout", json{{"refresh_token", refresh_token}}.dump(), ""});
}

} // namespace shopsync::client
