// gateway/src/sign_in.hpp — sign-in: the /auth endpoints: signup, login, refresh, logout.
//
// Passwords: argon2id (libargon2, OWASP parameters: 19 MiB, 2 passes), salted,
// verified in constant time; an unknown email still costs one verification.
// Access tokens: HS256, 15 minutes by default, claims as docs/protocol.md.
// Refresh tokens: 32 random bytes, stored as SHA-256, rotated on every use;
// presenting a used one revokes its whole family (theft detection).
#pragma once

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
};

// route is "signup", "login", "refresh" or "logout"; body is the parsed JSON.
AuthReply HandleAuth(PGconn *conn, const AuthConfig &config, const std::string &route,
                     const nlohmann::json &body);

std::string HashPassword(const std::string &password);
bool VerifyPassword(const std::string &encoded, const std::string &password);

} // namespace gateway
