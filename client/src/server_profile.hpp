// client/src/server_profile.hpp — which server the device talks to, and the
// route of each call there. Two profiles: "gateway" (the bundled
// shopsync-gateway: /sync/push, /sync/pull, /auth/*, the /sync/events stream)
// and "postgrest" (PostgREST or Supabase: every call is POST
// <rpc_prefix>/rpc/<fn> with PostgREST's named arguments, the apikey header,
// GoTrue under /auth/v1 for passwords and refresh tokens, no event stream).
// The profile, prefix and apikey are stored in sync_kv beside the server URL.
#pragma once

#include "local_store.hpp"
#include "transport.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace shopsync::client {

struct ServerProfile {
    enum class Kind { Gateway, Postgrest };
    Kind kind = Kind::Gateway;
    std::string rpc_prefix; // before /rpc/<fn>: "" (gateway, self-hosted PostgREST) or "/rest/v1" (Supabase)
    std::string apikey;     // sent as the apikey header when set (Supabase's anon key)

    bool postgrest() const { return kind == Kind::Postgrest; }
    // Only the gateway relays pokes; elsewhere the worker polls.
    bool has_event_stream() const { return kind == Kind::Gateway; }
    const char *name() const { return postgrest() ? "postgrest" : "gateway"; }
};

// The default prefix of each profile: "" for the gateway, "/rest/v1" for postgrest.
std::string DefaultRpcPrefix(ServerProfile::Kind kind);

// Checks and normalises (no trailing '/'); ClientError SHOPSYNC_INVALID with a clear reason.
ServerProfile MakeProfile(const std::string &name, const char *rpc_prefix);
void CheckApiKey(const std::string &apikey);

ServerProfile LoadProfile(LocalStore &store);
void SaveProfile(LocalStore &store, const ServerProfile &profile);
void SaveApiKey(LocalStore &store, const std::string &apikey);

// The requests of one sync round. Each carries the profile's headers.
HttpRequest RpcRequest(const ServerProfile &p, const std::string &fn, const nlohmann::json &args);
HttpRequest PushRequest(const ServerProfile &p, const nlohmann::json &envelope);
HttpRequest PullRequest(const ServerProfile &p, long long cursor, int limit, int protocol);

// Sign-in: the gateway's /auth/login|refresh|logout, or GoTrue's
// /auth/v1/token?grant_type=password|refresh_token and /auth/v1/logout.
HttpRequest LoginRequest(const ServerProfile &p, const std::string &email, const std::string &password,
                         const std::string &shop_id);
HttpRequest RefreshRequest(const ServerProfile &p, const std::string &refresh_token,
                           const std::string &shop_id);
HttpRequest LogoutRequest(const ServerProfile &p, const std::string &refresh_token,
                          const std::string &access_token);

} // namespace shopsync::client
