// gateway/src/sign_in.cpp — see sign_in.hpp.
#include "sign_in.hpp"

#include "jwt.hpp"
#include "text.hpp"

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <memory>
#include <algorithm>
#include <regex>
#include <stdexcept>

namespace gateway {

static const uint32_t kArgonPasses = 2, kArgonMemoryKiB = 19456, kArgonLanes = 1, kArgonHashBytes = 32;

static std::string RandomBytes(size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes((unsigned char *)out.data(), (int)n) != 1)
        throw std::runtime_error("no randomness");
    return out;
}

std::string HashPassword(const std::string &password) {
    std::string salt = RandomBytes(16);
    size_t length = argon2_encodedlen(kArgonPasses, kArgonMemoryKiB, kArgonLanes, (uint32_t)salt.size(),
                                      kArgonHashBytes, Argon2_id);
    std::string encoded(length, '\0');
    int rc =
        argon2id_hash_encoded(kArgonPasses, kArgonMemoryKiB, kArgonLanes, password.data(), password.size(),
                              salt.data(), salt.size(), kArgonHashBytes, encoded.data(), length);
    if (rc != ARGON2_OK)
        throw std::runtime_error(argon2_error_message(rc));
    encoded.resize(strlen(encoded.c_str()));
    return encoded;
}

bool VerifyPassword(const std::string &encoded, const std::string &password) {
    return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

static std::string Sha256Hex(const std::string &text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    static const char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned i = 0; i < length; i++) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 15];
    }
    return hex;
}

using Result = PgResult;

static AuthReply Error(int status, const std::string &code, const std::string &message) {
    return {status, ErrorJson(code, message)};
}

static AuthReply DatabaseError(PGconn *conn, PGresult *res) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    if (state == nullptr)
        return Error(503, "08006",
                     std::string("the database is not reachable right now: ") + PQerrorMessage(conn));
    const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    return {StatusForSqlState(state, false), ErrorJson(state, message ? message : "")};
}

static long Now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Picks the shop for a token among the user's memberships: the one asked for
// (which must be one of them), else the first. No membership: no shop.
static bool ChooseShop(const nlohmann::json &memberships, const nlohmann::json &wanted,
                       nlohmann::json *choice) {
    if (wanted.is_string()) {
        for (const auto &m : memberships)
            if (m["shop_id"] == wanted) {
                *choice = m;
                return true;
            }
        return false;
    }
    *choice = memberships.empty() ? nlohmann::json() : memberships[0];
    return true;
}

// Issues an access token and a refresh token (in family, or a new family).
// `refresh` is the refresh token to hand out (a new random one when empty);
// `store` false re-issues one stored before (a refresh retried in the grace window).
static AuthReply IssueTokens(PGconn *conn, const AuthConfig &config, const std::string &user_id,
                             const std::string &email, const nlohmann::json &wanted_shop,
                             const std::string &family, std::string refresh = "", bool store = true) {
    Result memberships = ExecParams(conn, "SELECT shopsync.auth_memberships($1)::text", {user_id});
    if (PQresultStatus(memberships.get()) != PGRES_TUPLES_OK)
        return DatabaseError(conn, memberships.get());
    nlohmann::json shop;
    if (!ChooseShop(nlohmann::json::parse(PQgetvalue(memberships.get(), 0, 0)), wanted_shop, &shop))
        return Error(403, "42501", "not a member of that shop");
    long now = Now();
    nlohmann::json claims{
        {"sub", user_id},         {"email", email}, {"role", "authenticated"},
        {"aud", config.audience}, {"iat", now},     {"exp", now + config.access_ttl_seconds}};
    if (shop.is_object()) {
        claims["shop_id"] = shop["shop_id"];
        claims["shop_role"] = shop["role"];
    }
    // As Supabase Auth's tokens: the shop also in app_metadata (where its
    // access-token hook puts it), and the session (refresh family) it belongs to.
    claims["app_metadata"] = {{"provider", "email"}, {"providers", {"email"}}};
    if (shop.is_object()) {
        claims["app_metadata"]["shop_id"] = shop["shop_id"];
        claims["app_metadata"]["shop_role"] = shop["role"];
    }
    claims["user_metadata"] = nlohmann::json::object();
    if (refresh.empty())
        refresh = Base64UrlEncode(RandomBytes(32));
    std::string family_id = family;
    if (family_id.empty()) {
        std::string r = RandomBytes(16);
        r[6] = (char)((r[6] & 0x0f) | 0x40);
        r[8] = (char)((r[8] & 0x3f) | 0x80);
        static const char kHex[] = "0123456789abcdef";
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                family_id += '-';
            family_id += kHex[(unsigned char)r[i] >> 4];
            family_id += kHex[r[i] & 15];
        }
    }
    claims["session_id"] = family_id;
    if (store) {
        Result stored = ExecParams(
            conn, "SELECT shopsync.auth_issue_refresh($1, $2, $3, $4, $5::interval)",
            {user_id,
             shop.is_object() ? std::optional<std::string>(shop["shop_id"].get<std::string>()) : std::nullopt,
             Sha256Hex(refresh), family_id, std::to_string(config.refresh_ttl_days) + " days"});
        if (PQresultStatus(stored.get()) != PGRES_TUPLES_OK)
            return DatabaseError(conn, stored.get());
    }
    nlohmann::json out{{"access_token", SignJwt(claims, config.jwt_secret)},
                       {"token_type", "bearer"},
                       {"expires_in", config.access_ttl_seconds},
                       {"expires_at", now + config.access_ttl_seconds},
                       {"refresh_token", refresh},
                       {"user", {{"id", user_id}, {"email", email}}},
                       {"shop_id", shop.is_object() ? shop["shop_id"] : nlohmann::json()},
                       {"shop_role", shop.is_object() ? shop["role"] : nlohmann::json()}};
    return {200, SafeDump(out)};
}

// A new password: 8 to 1024 characters (not bytes), not only whitespace.
bool AcceptablePassword(const std::string &password, std::string *why) {
    size_t characters = 0;
    bool only_space = true;
    for (unsigned char c : password) {
        if ((c & 0xC0) != 0x80)
            characters++;
        if (!isspace(c))
            only_space = false;
    }
    if (characters < 8 || password.size() > 1024) {
        *why = "a password has 8 to 1024 characters";
        return false;
    }
    if (only_space) {
        *why = "a password cannot be only spaces";
        return false;
    }
    return true;
}

static bool ValidCredentials(const nlohmann::json &body, std::string *email, std::string *password,
                             AuthReply *error) {
    static const std::regex kEmail("^[^@\\s]{1,64}@[^@\\s]{1,255}$");
    if (!body.is_object() || !body.contains("email") || !body["email"].is_string() ||
        !body.contains("password") || !body["password"].is_string()) {
        *error = Error(400, "22023", "email and password are required strings");
        return false;
    }
    *email = body["email"];
    std::transform(email->begin(), email->end(), email->begin(), ::tolower);
    *password = body["password"];
    if (!std::regex_match(*email, kEmail)) {
        *error = Error(400, "22023", "email is not an email address");
        return false;
    }
    if (password->size() < 8 || password->size() > 1024) {
        *error = Error(400, "22023", "a password has 8 to 1024 characters");
        return false;
    }
    return true;
}

// The successor of a refresh token: HMAC(secret, token). Derived, so a retry
// of the same refresh gets the same successor without raw tokens stored.
static std::string Successor(const AuthConfig &config, const std::string &token) {
    return Base64UrlEncode(HmacSha256(config.jwt_secret, "shopsync refresh successor\n" + token));
}

static bool Exec(PGconn *conn, const char *sql) {
    Result res(PQexec(conn, sql), PQclear);
    return PQresultStatus(res.get()) == PGRES_COMMAND_OK;
}

// /auth/refresh in one transaction: a refusal for the shop asked for rolls
// back, so the token is not spent; a detected reuse commits its revocation.
static AuthReply Refresh(PGconn *conn, const AuthConfig &config, const nlohmann::json &body) {
    const std::string token = body["refresh_token"];
    if (!Exec(conn, "BEGIN"))
        return Error(503, "08006",
                     std::string("the database is not reachable right now: ") + PQerrorMessage(conn));
    Result res = ExecParams(conn, "SELECT shopsync.auth_rotate_refresh($1)::text", {Sha256Hex(token)});
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
        AuthReply failure = state && std::string(state) == "PT401"
                                ? Error(401, "PT401", "refresh token expired, revoked or unknown")
                                : DatabaseError(conn, res.get());
        Exec(conn, "ROLLBACK");
        return failure;
    }
    nlohmann::json t = nlohmann::json::parse(PQgetvalue(res.get(), 0, 0), nullptr, false);
    if (!t.is_object() || t.value("reused", false)) {
        Exec(conn, "COMMIT");
        return Error(401, "PT401", "refresh token already used: every session of this login is revoked");
    }
    std::string successor = Successor(config, token);
    AuthReply reply{500, ""};
    if (t.value("retry", false)) {
        // The same token again within the grace window (a lost answer): the
        // same successor, if it is the one this family issued next.
        if (!t["successor_hash"].is_string() || t["successor_hash"] != Sha256Hex(successor)) {
            Exec(conn, "ROLLBACK");
            return Error(401, "PT401", "refresh token already used");
        }
        reply = IssueTokens(conn, config, t["user_id"], t["email"], t["shop_id"], t["family_id"], successor,
                            false);
    } else {
        // The shop asked for; else, for a /auth/v1 refresh, the user's active
        // shop (api.set_active_shop); else the token's.
        nlohmann::json wanted = body.contains("shop_id") ? body["shop_id"] : t["shop_id"];
        if (!body.contains("shop_id") && body.value("follow_active_shop", false)) {
            Result active =
                ExecParams(conn, "SELECT shopsync.active_shop($1)::text", {t["user_id"].get<std::string>()});
            if (PQresultStatus(active.get()) != PGRES_TUPLES_OK) {
                AuthReply failure = DatabaseError(conn, active.get());
                Exec(conn, "ROLLBACK");
                return failure;
            }
            if (!PQgetisnull(active.get(), 0, 0))
                wanted = PQgetvalue(active.get(), 0, 0);
        }
        reply = IssueTokens(conn, config, t["user_id"], t["email"], wanted, t["family_id"], successor);
    }
    if (reply.status != 200) {
        Exec(conn, "ROLLBACK");
        return reply;
    }
    if (!Exec(conn, "COMMIT"))
        return Error(503, "08006",
                     std::string("the database is not reachable right now: ") + PQerrorMessage(conn));
    return reply;
}

AuthReply HandleAuth(PGconn *conn, const AuthConfig &config, const std::string &route,
                     const nlohmann::json &body, const LoginGuard &guard) {
    std::string email, password;
    AuthReply error{0, ""};
    if (route == "signup") {
        if (!ValidCredentials(body, &email, &password, &error))
            return error;
        std::string why;
        if (!AcceptablePassword(password, &why))
            return Error(400, "22023", why);
        Result res =
            ExecParams(conn, "SELECT shopsync.auth_signup($1, $2)::text", {email, HashPassword(password)});
        if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
            const char *state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
            if (state && std::string(state) == "23505")
                return Error(409, "23505", "that email is already signed up");
            return DatabaseError(conn, res.get());
        }
        return {201, SafeDump(nlohmann::json{{"user_id", PQgetvalue(res.get(), 0, 0)}, {"email", email}})};
    }
    if (route == "login") {
        if (!ValidCredentials(body, &email, &password, &error))
            return error;
        // Throttled before the (costly) verification: per account and per address.
        int wait = std::max(guard.by_account ? guard.by_account->RetryAfter(email) : 0,
                            guard.by_address ? guard.by_address->RetryAfter(guard.address) : 0);
        if (wait > 0) {
            AuthReply refusal = Error(429, "PGRST429", "too many failed sign-ins: wait before trying again");
            refusal.retry_after = wait;
            return refusal;
        }
        Result res = ExecParams(
            conn, "SELECT user_id::text, password_hash FROM shopsync.auth_password_hash($1)", {email});
        if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
            return DatabaseError(conn, res.get());
        // An unknown email costs the same as a wrong password.
        static const std::string kDummy = HashPassword("not-a-password-of-anyone");
        bool known = PQntuples(res.get()) == 1;
        bool good = VerifyPassword(known ? PQgetvalue(res.get(), 0, 1) : kDummy, password) && known;
        if (!good) {
            if (guard.by_account)
                guard.by_account->Failed(email);
            if (guard.by_address)
                guard.by_address->Failed(guard.address);
            return Error(401, "PGRST301", "invalid email or password");
        }
        if (guard.by_account)
            guard.by_account->Succeeded(email);
        return IssueTokens(conn, config, PQgetvalue(res.get(), 0, 0), email,
                           body.value("shop_id", nlohmann::json()), "");
    }
    if (route == "refresh" || route == "logout") {
        if (!body.is_object() || !body.contains("refresh_token") || !body["refresh_token"].is_string())
            return Error(400, "22023", "refresh_token is required");
        std::string hash = Sha256Hex(body["refresh_token"]);
        if (route == "logout") {
            Result res = ExecParams(conn, "SELECT shopsync.auth_revoke_family($1)", {hash});
            if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
                return DatabaseError(conn, res.get());
            return {204, ""};
        }
        return Refresh(conn, config, body);
    }
    return Error(404, "PGRST125", "no such auth route");
}

} // namespace gateway
