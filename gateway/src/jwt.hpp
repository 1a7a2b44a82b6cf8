// gateway/src/jwt.hpp — HS256 JSON Web Tokens: verification (signature,
// algorithm, expiry, audience) and signing.
#pragma once

#include "base64url.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace gateway {

struct JwtResult {
    bool ok = false;
    std::string error;     // why a token was refused (for the 401 body)
    nlohmann::json claims; // when ok
};

// Verifies a compact JWS. Only HS256 is accepted: "none" and every other
// algorithm (RS256 with an HMAC key, algorithm confusion) are refused.
// exp must be in the future and nbf (if any) in the past (with `leeway`
// seconds), and aud must contain `audience` (not checked when `audience` is "").
JwtResult VerifyJwt(const std::string &token, const std::string &secret, const std::string &audience,
                    long now, long leeway = 5);

// The "alg" of a token's header, or "" when it cannot be read.
std::string JwtAlgorithm(const std::string &token);

// Checks exp, nbf (with leeway) and aud of claims whose signature is verified.
JwtResult CheckClaims(const nlohmann::json &claims, const std::string &audience, long now, long leeway);

// Signs claims with HS256 (used by tests and the auth endpoints).
std::string SignJwt(const nlohmann::json &claims, const std::string &secret);

std::string Base64UrlEncode(const std::string &bytes);
// Raw HMAC-SHA256 of data under key.
std::string HmacSha256(const std::string &key, const std::string &data);
// Strict base64url (common/base64url.hpp): the URL alphabet, no padding.
using shopsync::Base64UrlDecode;

} // namespace gateway
