// client/src/session.hpp — the signed-in user's tokens: sign-in (the gateway's
// /auth/login, or GoTrue's password grant for the postgrest profile), tokens
// handed in by the app (SetTokens), the access token renewed shortly before it
// expires and once on a 401 — by the app's token source when it registered
// one, else with the refresh token — and sign-out. Tokens live in the
// device's sync_kv, never the password.
#pragma once

#include "local_store.hpp"
#include "server_profile.hpp"
#include "token_source.hpp"
#include "transport.hpp"

#include <nlohmann/json.hpp>

#include <mutex>
#include <string>

namespace shopsync::client {

// The server says the user is not a member of the shop (removed, or the shop
// deleted): 403 with SQLSTATE 42501 "… not a member …". The device moves out.
class AccessLost : public ClientError {
  public:
    explicit AccessLost(const std::string &message) : ClientError(message, SHOPSYNC_FORBIDDEN) {}
};

bool NotAMember(const HttpResponse &response);

// The app's token source and the client it belongs to (for TokenSourceMark).
// Read and replaced only under the refresh mutex.
struct TokenHook {
    TokenFn fn;
    const void *owner = nullptr;
};

class Session {
  public:
    // `refresh_mutex` is shared by every Session of one database: a refresh
    // token is single-use, so two threads must never spend it at once; it also
    // guards `hook`, so the token source is called by one thread at a time.
    Session(LocalStore &store, Transport &transport, std::mutex &refresh_mutex,
            const TokenHook *hook = nullptr)
        : store_(store), transport_(transport), refresh_mutex_(refresh_mutex), hook_(hook),
          profile_(LoadProfile(store)) {}

    const ServerProfile &profile() const { return profile_; }

    // Signing in to another shop than the one the device holds is a complete
    // switch: refused (SHOPSYNC_UNSENT, nothing changed) while the current
    // shop has queued or refused writes, else that shop's data is forgotten.
    void Login(const std::string &email, const std::string &password, const std::string &shop_id);
    // Tokens issued elsewhere (the app's sign-in, Supabase Auth). The shop is
    // the token's shop_id claim and switches as Login does. expires_at 0: the
    // token's exp. ClientError(SHOPSYNC_INVALID) for a token that is not a
    // JWT, has no expiry, or has expired with nothing to renew it.
    void SetTokens(const std::string &access, const std::string &refresh, double expires_at);
    void Logout();
    bool SignedIn();

    // Sends a request with the access token: renewed first when it expires
    // within a minute, and once more after a 401. Throws ClientError with
    // SHOPSYNC_AUTH when there is no session left, AccessLost when the server
    // refuses the refresh because the user is no longer a member.
    HttpResponse Send(HttpRequest request);

    // Sends with request.bearer as given: no token work, no local database
    // access, so it may run on another thread during a local transaction.
    HttpResponse SendAsIs(const HttpRequest &request) { return transport_.Send(request); }

    // A valid access token (renewing if needed), for the event stream.
    std::string AccessToken();
    // The server refused `used`: renew unless another thread already did.
    void RefreshAfterRefusal(const std::string &used);

  private:
    void Store(const nlohmann::json &reply);
    void SwitchShop(const std::string &next,
                    const std::string &refresh_to_revoke); // caller holds refresh_mutex_
    void Renew(TokenReason reason);                        // caller holds refresh_mutex_
    void AskTokenSource(TokenReason reason);
    void Refresh();
    LocalStore &store_;
    Transport &transport_;
    std::mutex &refresh_mutex_;
    const TokenHook *hook_;
    ServerProfile profile_;
};

// The server's error body ({"code","message",…}) as "message (code)".
std::string ErrorText(const HttpResponse &response);

// The C API's result code for a failed HTTP exchange.
int ResultCodeFor(const HttpResponse &response);

double UnixNow();

} // namespace shopsync::client
