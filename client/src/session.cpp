// client/src/session.cpp — see session.hpp.
#include "session.hpp"

#include "shop_data.hpp"

#include <chrono>

namespace shopsync::client {

using json = nlohmann::json;

static const double kRefreshMargin = 60; // seconds before expiry

double UnixNow() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string ErrorText(const HttpResponse &response) {
    if (response.status == 0)
        return "cannot reach the server: " + response.error;
    json body = json::parse(response.body, nullptr, false);
    std::string text = "HTTP " + std::to_string(response.status);
    if (body.is_object() && body.contains("message") && body["message"].is_string()) {
        text += ": " + body["message"].get<std::string>();
        if (body.contains("code") && body["code"].is_string())
            text += " (" + body["code"].get<std::string>() + ")";
    } else if (body.is_object()) { // GoTrue's errors: {"msg"}, or older {"error_description"}
        for (const char *key : {"msg", "error_description"})
            if (body.contains(key) && body[key].is_string()) {
                text += ": " + body[key].get<std::string>();
                break;
            }
    }
    return text;
}

bool NotAMember(const HttpResponse &response) {
    if (response.status != 403)
        return false;
    json body = json::parse(response.body, nullptr, false);
    return body.is_object() && body.value("code", json()) == "42501" && body.contains("message") &&
           body["message"].is_string() &&
           body["message"].get<std::string>().find("not a member") != std::string::npos;
}

int ResultCodeFor(const HttpResponse &response) {
    if (response.status == 0)
        return SHOPSYNC_NETWORK;
    if (response.status == 401)
        return SHOPSYNC_AUTH;
    if (response.status == 403)
        return SHOPSYNC_FORBIDDEN;
    if (response.status == 400 || response.status == 409 || response.status == 422)
        return SHOPSYNC_INVALID;
    return SHOPSYNC_SERVER;
}

static std::string Text(const json &object, const char *key) {
    return object.is_object() && object.contains(key) && object[key].is_string()
               ? object[key].get<std::string>()
               : "";
}

// The shop a sign-in answer is for: the gateway says it, GoTrue's token carries it.
static std::string ShopOf(const json &reply) {
    std::string shop = Text(reply, "shop_id");
    return shop.empty() ? ReadJwt(Text(reply, "access_token")).shop_id : shop;
}

void Session::Store(const json &reply) {
    if (Text(reply, "access_token").empty() || Text(reply, "refresh_token").empty())
        throw ClientError("the server's sign-in answer has no tokens", SHOPSYNC_SERVER);
    JwtInfo claims = ReadJwt(reply["access_token"]);
    std::string shop = ShopOf(reply), current = store_.Get("shop_id");
    if (!current.empty() && !shop.empty() && shop != current) // a renewal never switches shops
        throw ClientError("the renewed token is for shop " + shop + ", not this device's shop " + current +
                              "; sign in again to switch",
                          SHOPSYNC_AUTH);
    double expires = reply.contains("expires_at") && reply["expires_at"].is_number()
                         ? reply["expires_at"].get<double>()
                     : reply.contains("expires_in") && reply["expires_in"].is_number()
                         ? UnixNow() + reply["expires_in"].get<double>()
                     : claims.exp > 0 ? claims.exp
                                      : UnixNow() + 3600;
    Transaction tx(store_);
    store_.Put("access_token", reply["access_token"].get<std::string>());
    store_.Put("refresh_token", reply["refresh_token"].get<std::string>());
    store_.Put("access_expires_at", std::to_string(expires));
    const json user = reply.contains("user") ? reply["user"] : json();
    std::string user_id = Text(user, "id").empty() ? claims.sub : Text(user, "id");
    std::string email = Text(user, "email").empty() ? claims.email : Text(user, "email");
    if (!user_id.empty())
        store_.Put("user_id", user_id);
    if (!email.empty())
        store_.Put("user_email", email);
    if (!shop.empty())
        store_.Put("shop_id", shop);
    std::string role = Text(reply, "shop_role").empty() ? claims.shop_role : Text(reply, "shop_role");
    if (!role.empty())
        store_.Put("shop_role", role);
    tx.Commit();
}

void Session::SwitchShop(const std::string &next, const std::string &refresh_to_revoke) {
    std::string current = store_.Get("shop_id");
    if (current.empty() || next.empty() || next == current)
        return;
    int unsent = UnsentWrites(store_);
    if (unsent > 0) {
        if (!refresh_to_revoke.empty()) // not kept: revoke it
            transport_.Send(LogoutRequest(profile_, refresh_to_revoke, ""));
        throw ClientError("this device holds " + std::to_string(unsent) +
                              " unsent or refused write(s) or undismissed conflict(s) of shop " + current +
                              "; sync them, retry or discard the refused ones and dismiss the conflicts (or "
                              "forget-shop), before signing in to shop " +
                              next,
                          SHOPSYNC_UNSENT);
    }
    Transaction tx(store_);
    ForgetShopData(store_);
    store_.Put("shop_id", "");
    store_.Put("shop_role", "");
    tx.Commit();
}

void Session::Login(const std::string &email, const std::string &password, const std::string &shop_id) {
    HttpResponse response = transport_.Send(LoginRequest(profile_, email, password, shop_id));
    if (response.status != 200) // GoTrue answers bad credentials with 400 invalid_credentials
        throw ClientError("sign-in failed: " + ErrorText(response),
                          profile_.postgrest() && response.status == 400 ? SHOPSYNC_AUTH
                                                                         : ResultCodeFor(response));
    json reply = json::parse(response.body, nullptr, false);
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    std::string next = ShopOf(reply);
    if (profile_.postgrest() && !shop_id.empty() && next != shop_id) { // GoTrue's hook chose the shop
        if (!Text(reply, "refresh_token").empty())
            transport_.Send(LogoutRequest(profile_, "", Text(reply, "access_token")));
        throw ClientError("signed in, but the token is for shop " + (next.empty() ? "(none)" : next) +
                              ", not " + shop_id + ": choose the active shop in the access-token hook",
                          SHOPSYNC_FORBIDDEN);
    }
    SwitchShop(next, Text(reply, "refresh_token"));
    Store(reply);
    store_.Put("token_source", "");
    store_.Put("access_lost", "");
    if (store_.Get("shop_id").empty())
        throw ClientError("signed in, but " + email + " belongs to no shop yet", SHOPSYNC_FORBIDDEN);
}

void Session::SetTokens(const std::string &access, const std::string &refresh, double expires_at) {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    CheckTokenText(access, "the access token");
    if (!refresh.empty())
        CheckTokenText(refresh, "the refresh token");
    JwtInfo claims = ReadJwt(access);
    if (!claims.ok)
        throw ClientError(
            "the access token is not a JWT (header.payload.signature, base64url, a JSON payload)",
            SHOPSYNC_INVALID);
    if (expires_at < 0 || expires_at > 1e11)
        throw ClientError("expires_at is unix seconds (or 0 for the token's exp)", SHOPSYNC_INVALID);
    double expires = expires_at > 0 ? expires_at : claims.exp;
    if (expires <= 0)
        throw ClientError("the access token has no exp claim: pass expires_at", SHOPSYNC_INVALID);
    if (expires <= UnixNow() && refresh.empty() && !(hook_ && hook_->fn))
        throw ClientError(
            "the access token has expired and there is no refresh token or token source to renew it",
            SHOPSYNC_INVALID);
    SwitchShop(claims.shop_id, "");
    Transaction tx(store_);
    store_.Put("access_token", access);
    store_.Put("refresh_token", refresh);
    store_.Put("access_expires_at", std::to_string(expires));
    store_.Put("token_source", "external");
    store_.Put("user_id", claims.sub);
    store_.Put("user_email", claims.email);
    if (!claims.shop_id.empty())
        store_.Put("shop_id", claims.shop_id);
    if (!claims.shop_role.empty())
        store_.Put("shop_role", claims.shop_role);
    store_.Put("access_lost", "");
    tx.Commit();
}

void Session::Logout() {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    std::string refresh = store_.Get("refresh_token"), access = store_.Get("access_token");
    if (!refresh.empty()) // best effort: the token is forgotten here either way
        transport_.Send(LogoutRequest(profile_, refresh, access));
    Transaction tx(store_);
    for (const char *key : {"access_token", "refresh_token", "access_expires_at", "token_source"})
        store_.Put(key, "");
    tx.Commit();
}

bool Session::SignedIn() {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    return !store_.Get("refresh_token").empty() || !store_.Get("access_token").empty() ||
           (hook_ && hook_->fn);
}

void Session::AskTokenSource(TokenReason reason) {
    TokenReply reply;
    int rc;
    try {
        TokenSourceMark mark(hook_->owner);
        rc = hook_->fn(reason, reply);
    } catch (...) { // a binding's callback threw: no token
        rc = SHOPSYNC_ERROR;
    }
    if (rc != SHOPSYNC_OK || reply.access_token.empty())
        throw ClientError("the app's token source gave no access token (it returned " + std::to_string(rc) +
                              ")",
                          SHOPSYNC_AUTH);
    try { // it goes into a header: no controls, no spaces
        CheckTokenText(reply.access_token, "the token source's access token");
    } catch (const ClientError &e) {
        throw ClientError(e.what(), SHOPSYNC_AUTH);
    }
    JwtInfo claims = ReadJwt(reply.access_token);
    if (!claims.ok)
        throw ClientError("the app's token source gave a token that is not a JWT", SHOPSYNC_AUTH);
    double expires = reply.expires_at > 0 ? reply.expires_at : claims.exp > 0 ? claims.exp : UnixNow() + 300;
    if (expires <= UnixNow())
        throw ClientError("the app's token source gave an expired token", SHOPSYNC_AUTH);
    std::string current = store_.Get("shop_id");
    if (!current.empty() && !claims.shop_id.empty() && claims.shop_id != current)
        throw ClientError("the app's token source gave a token for shop " + claims.shop_id +
                              ", not this device's shop " + current +
                              "; switch shops with shopsync_set_tokens",
                          SHOPSYNC_AUTH);
    Transaction tx(store_);
    store_.Put("access_token", reply.access_token);
    store_.Put("access_expires_at", std::to_string(expires));
    if (current.empty() && !claims.shop_id.empty())
        store_.Put("shop_id", claims.shop_id);
    if (!claims.sub.empty())
        store_.Put("user_id", claims.sub);
    if (!claims.email.empty())
        store_.Put("user_email", claims.email);
    tx.Commit();
}

void Session::Refresh() {
    std::string refresh = store_.Get("refresh_token");
    if (refresh.empty())
        throw ClientError(
            store_.Get("token_source") == "external"
                ? "the access token has expired and nothing can renew it: give the library a new "
                  "one (shopsync_set_tokens) or a token source (shopsync_set_token_source)"
                : "not signed in",
            SHOPSYNC_AUTH);
    HttpResponse response = transport_.Send(RefreshRequest(profile_, refresh, store_.Get("shop_id")));
    if (response.status == 401 || response.status == 400) { // spent, revoked or expired: sign in again
        Transaction tx(store_);
        store_.Put("access_token", "");
        store_.Put("refresh_token", "");
        tx.Commit();
        throw ClientError("the session has ended; sign in again (" + ErrorText(response) + ")",
                          SHOPSYNC_AUTH);
    }
    if (NotAMember(response))
        throw AccessLost(ErrorText(response));
    if (response.status != 200)
        throw ClientError("cannot refresh the session: " + ErrorText(response), ResultCodeFor(response));
    Store(json::parse(response.body, nullptr, false));
}

// The app's token source, when it registered one, else the refresh token.
void Session::Renew(TokenReason reason) {
    if (hook_ && hook_->fn)
        AskTokenSource(reason);
    else if (reason == TokenReason::Refused && store_.Get("refresh_token").empty() &&
             store_.Get("token_source") == "external")
        throw ClientError("the server refused the access token and nothing can renew it: give the library a "
                          "new one (shopsync_set_tokens) or a token source (shopsync_set_token_source)",
                          SHOPSYNC_AUTH);
    else
        Refresh();
}

std::string Session::AccessToken() {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    std::string token = store_.Get("access_token");
    double expires = std::atof(store_.Get("access_expires_at", "0").c_str());
    double left = expires - UnixNow();
    if (token.empty() || left < kRefreshMargin) {
        // A token handed in without a way to renew it serves until it expires.
        bool renewable = (hook_ && hook_->fn) || !store_.Get("refresh_token").empty();
        if (!renewable && !token.empty() && left > 0)
            return token;
        Renew(TokenReason::Needed);
        token = store_.Get("access_token");
    }
    return token;
}

void Session::RefreshAfterRefusal(const std::string &used) {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    if (store_.Get("access_token") != used)
        return; // another thread renewed it meanwhile
    Renew(TokenReason::Refused);
}

HttpResponse Session::Send(HttpRequest request) {
    request.bearer = AccessToken();
    HttpResponse response = transport_.Send(request);
    if (response.status != 401)
        return response;
    try {
        RefreshAfterRefusal(request.bearer); // once
    } catch (const AccessLost &) {
        throw;
    } catch (const ClientError &e) { // say what the server said about the refused token
        if (e.code != SHOPSYNC_AUTH)
            throw;
        throw ClientError(std::string(e.what()) + " (" + ErrorText(response) + ")", e.code);
    }
    request.bearer = AccessToken();
    response = transport_.Send(request);
    if (response.status == 401)
        throw ClientError("the server refused the session: " + ErrorText(response), SHOPSYNC_AUTH);
    return response;
}

} // namespace shopsync::client
