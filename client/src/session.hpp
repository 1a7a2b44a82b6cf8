// client/src/session.hpp — the signed-in user's tokens: sign-in, the access
// token refreshed shortly before it expires and once on a 401, sign-out.
// Tokens live in the device's sync_kv, never the password.
#pragma once

#include "local_store.hpp"
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

class Session {
  public:
    // `refresh_mutex` is shared by every Session of one database: a refresh
    // token is single-use, so two threads must never spend it at once.
    Session(LocalStore &store, Transport &transport, std::mutex &refresh_mutex)
        : store_(store), transport_(transport), refresh_mutex_(refresh_mutex) {}

    // Signing in to another shop than the one the device holds is a complete
    // switch: refused (SHOPSYNC_UNSENT, nothing changed) while the current
    // shop has queued or refused writes, else that shop's data is forgotten.
    void Login(const std::string &email, const std::string &password, const std::string &shop_id);
    void Logout();
    bool SignedIn();

    // Sends a request with the access token: refreshed first when it expires
    // within a minute, and once more after a 401. Throws ClientError with
    // SHOPSYNC_AUTH when there is no session left, AccessLost when the server
    // refuses the refresh because the user is no longer a member.
    HttpResponse Send(HttpRequest request);

    // Sends with request.bearer as given: no token work, no local database
    // access, so it may run on another thread during a local transaction.
    HttpResponse SendAsIs(const HttpRequest &request) { return transport_.Send(request); }

    // A valid access token (refreshing if needed), for the event stream.
    std::string AccessToken();
    // The server refused `used`: refresh unless another thread already did.
    void RefreshAfterRefusal(const std::string &used);

  private:
    void Store(const nlohmann::json &reply);
    void Refresh(); // caller holds refresh_mutex_
    LocalStore &store_;
    Transport &transport_;
    std::mutex &refresh_mutex_;
};

// The server's error body ({"code","message",…}) as "message (code)".
std::string ErrorText(const HttpResponse &response);

// The C API's result code for a failed HTTP exchange.
int ResultCodeFor(const HttpResponse &response);

double UnixNow();

} // namespace shopsync::client
