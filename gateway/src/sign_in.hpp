// gateway/src/sign_in.hpp — sign-in: the /auth endpoints: signup, login, refresh, logout.
//
// Passwords: argon2id (libargon2, OWASP parameters: 19 MiB, 2 passes), salted,
// verified in constant time; an unknown email still costs one verification.
// Access tokens: HS256, 15 minutes by default, claims as docs/protocol.md.
// Refresh tokens: 32 random bytes at login, stored as SHA-256, rotated on
// every use into HMAC(secret, token); presenting a used one revokes its whole
// family (theft detection), except the same token again within 30 s of its
// use (a lost answer), which gets the same successor again.
// Failed logins slow down per account and per client address (LoginThrottle).
// New passwords: 8 to 1024 characters, not only whitespace.
#pragma once

#include "login_throttle.hpp"
#include "rpc.hpp"

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <string>

namespace gateway {

struct AuthConfig {
    std::string jwt_secret;
    std::string audience = "authenticated";
    int access_ttl_seconds = 900;
    int refresh_ttl_days = 30;
};

struct AuthReply {
    int status;
    std::string body;
    int retry_after = 0; // seconds, for a 429
};

// Failed-login throttles to consult and feed (either may be null).
struct LoginGuard {
    LoginThrottle *by_account = nullptr;
    LoginThrottle *by_address = nullptr;
    std::string address;
};

// route is "signup", "login", "refresh" or "logout"; body is the parsed JSON.
AuthReply HandleAuth(PGconn *conn, const AuthConfig &config, const std::string &route,
                     const nlohmann::json &body, const LoginGuard &guard = {});

// A new password's rules (8 to 1024 characters, not only whitespace).
bool AcceptablePassword(const std::string &password, std::string *why);

std::string HashPassword(const std::string &password);
bool VerifyPassword(const std::string &encoded, const std::string &password);

} // namespace gateway
