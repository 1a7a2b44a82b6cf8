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

void Session::Store(const json &reply) {
    if (!reply.is_object() || !reply.contains("access_token") || !reply["access_token"].is_string() ||
        !reply.contains("refresh_token") || !reply["refresh_token"].is_string())
        throw ClientError("the server's sign-in answer has no tokens", SHOPSYNC_SERVER);
    Transaction tx(store_);
    store_.Put("access_token", reply["access_token"].get<std::string>());
    store_.Put("refresh_token", reply["refresh_token"].get<std::string>());
    store_.Put("access_expires_at", std::to_string(UnixNow() + reply.value("expires_in", 3600.0)));
    if (reply.contains("user") && reply["user"].is_object()) {
        store_.Put("user_id", reply["user"].value("id", ""));
        store_.Put("user_email", reply["user"].value("email", ""));
    }
    if (reply.contains("shop_id") && reply["shop_id"].is_string())
        store_.Put("shop_id", reply["shop_id"].get<std::string>());
    if (reply.contains("shop_role") && reply["shop_role"].is_string())
        store_.Put("shop_role", reply["shop_role"].get<std::string>());
    tx.Commit();
}

void Session::Login(const std::string &email, const std::string &password, const std::string &shop_id) {
    json body{{"email", email}, {"password", password}};
    if (!shop_id.empty())
        body["shop_id"] = shop_id;
    HttpResponse response = transport_.Send({"POST", "/auth/login", body.dump(), ""});
    if (response.status != 200)
        throw ClientError("sign-in failed: " + ErrorText(response), ResultCodeFor(response));
    json reply = json::parse(response.body, nullptr, false);
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    std::string current = store_.Get("shop_id");
    std::string next = reply.is_object() && reply.contains("shop_id") && reply["shop_id"].is_string()
                           ? reply["shop_id"].get<std::string>()
                           : "";
    if (!current.empty() && !next.empty() && next != current) {
        int unsent = UnsentWrites(store_);
        if (unsent > 0) {
            if (reply.contains("refresh_token") && reply["refresh_token"].is_string()) // not kept: revoke it
                transport_.Send(
                    {"POST", "/auth/logout", json{{"refresh_token", reply["refresh_token"]}}.dump(), ""});
            throw ClientError(
                "this device holds " + std::to_string(unsent) +
                    " unsent or refused write(s) or undismissed conflict(s) of shop " + current +
                    "; sync them, retry or discard the refused ones and dismiss the conflicts (or "
                    "forget-shop), before signing in to shop " +
                    next,
                SHOPSYNC_UNSENT);
        }
        Transaction tx(store_);
        ForgetShopData(store_);
        tx.Commit();
    }
    Store(reply);
    store_.Put("access_lost", "");
    if (store_.Get("shop_id").empty())
        throw ClientError("signed in, but " + email + " belongs to no shop yet", SHOPSYNC_FORBIDDEN);
}

void Session::Logout() {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    std::string refresh = store_.Get("refresh_token");
    if (!refresh.empty()) // best effort: the token is forgotten here either way
        transport_.Send({"POST", "/auth/logout", json{{"refresh_token", refresh}}.dump(), ""});
    Transaction tx(store_);
    for (const char *key : {"access_token", "refresh_token", "access_expires_at"})
        store_.Put(key, "");
    tx.Commit();
}

bool Session::SignedIn() {
    return !store_.Get("refresh_token").empty();
}

void Session::Refresh() {
    std::string refresh = store_.Get("refresh_token");
    if (refresh.empty())
        throw ClientError("not signed in", SHOPSYNC_AUTH);
    json body{{"refresh_token", refresh}};
    std::string shop = store_.Get("shop_id");
    if (!shop.empty())
        body["shop_id"] = shop;
    HttpResponse response = transport_.Send({"POST", "/auth/refresh", body.dump(), ""});
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

std::string Session::AccessToken() {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    std::string token = store_.Get("access_token");
    double expires = std::atof(store_.Get("access_expires_at", "0").c_str());
    if (token.empty() || expires - UnixNow() < kRefreshMargin) {
        Refresh();
        token = store_.Get("access_token");
    }
    return token;
}

void Session::RefreshAfterRefusal(const std::string &used) {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    if (store_.Get("access_token") != used)
        return; // another thread refreshed meanwhile
    Refresh();
}

HttpResponse Session::Send(HttpRequest request) {
    request.bearer = AccessToken();
    HttpResponse response = transport_.Send(request);
    if (response.status != 401)
        return response;
    RefreshAfterRefusal(request.bearer); // once
    request.bearer = AccessToken();
    response = transport_.Send(request);
    if (response.status == 401)
        throw ClientError("the server refused the session: " + ErrorText(response), SHOPSYNC_AUTH);
    return response;
}

} // namespace shopsync::client
