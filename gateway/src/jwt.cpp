// gateway/src/jwt.cpp — HS256 with OpenSSL's HMAC and a constant-time compare.
#include "jwt.hpp"
#include "text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gateway {

std::string Base64UrlEncode(const std::string &bytes) {
    static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v =
            (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned v = (unsigned char)bytes[i] << 16;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
    } else if (i + 2 == bytes.size()) {
        unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
    }
    return out;
}

std::string HmacSha256(const std::string &key, const std::string &data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), (int)key.size(), (const unsigned char *)data.data(), data.size(), digest,
         &length);
    return std::string((const char *)digest, length);
}

std::string JwtAlgorithm(const std::string &token) {
    auto header = Base64UrlDecode(token.substr(0, token.find('.')));
    nlohmann::json h = header ? nlohmann::json::parse(*header, nullptr, false) : nlohmann::json();
    return h.is_object() && h.contains("alg") && h["alg"].is_string() ? h["alg"].get<std::string>() : "";
}

std::string SignJwt(const nlohmann::json &claims, const std::string &secret) {
    std::string signing_input =
        Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64UrlEncode(SafeDump(claims));
    return signing_input + "." + Base64UrlEncode(HmacSha256(secret, signing_input));
}

static JwtResult Refuse(const std::string &why) {
    JwtResult r;
    r.error = why;
    return r;
}

JwtResult VerifyJwt(const std::string &token, const std::string &secret, const std::string &audience,
                    long now, long leeway) {
    size_t first = token.find('.');
    size_t second = first == std::string::npos ? first : token.find('.', first + 1);
    if (first == std::string::npos || second == std::string::npos ||
        token.find('.', second + 1) != std::string::npos)
        return Refuse("malformed token");
    auto header_text = Base64UrlDecode(token.substr(0, first));
    auto payload_text = Base64UrlDecode(token.substr(first + 1, second - first - 1));
    auto signature = Base64UrlDecode(token.substr(second + 1));
    if (!header_text || !payload_text || !signature)
        return Refuse("malformed token");
    nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, false);
    nlohmann::json claims = nlohmann::json::parse(*payload_text, nullptr, false);
    if (!header.is_object() || !claims.is_object())
        return Refuse("malformed token");
    if (!header.contains("alg") || header["alg"] != "HS256")
        return Refuse("unsupported algorithm");
    std::string expected = HmacSha256(secret, token.substr(0, second));
    if (signature->size() != expected.size() ||
        CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
        return Refuse("invalid signature");
    return CheckClaims(claims, audience, now, leeway);
}

JwtResult CheckClaims(const nlohmann::json &claims, const std::string &audience, long now, long leeway) {
    if (!claims.contains("exp") || !claims["exp"].is_number())
        return Refuse("token has no expiry");
    if (claims["exp"].get<double>() + leeway < (double)now)
        return Refuse("token expired");
    bool audience_ok = audience.empty(); // "": the caller checks the audience itself
    if (!audience_ok && claims.contains("aud")) {
        const auto &aud = claims["aud"];
        if (aud.is_string())
            audience_ok = aud == audience;
        else if (aud.is_array())
            for (const auto &a : aud)
                audience_ok = audience_ok || a == audience;
    }
    if (!audience_ok)
        return Refuse("wrong audience");
    if (claims.contains("nbf")) {
        if (!claims["nbf"].is_number())
            return Refuse("nbf is not a number");
        if (claims["nbf"].get<double>() - leeway > (double)now)
            return Refuse("token not valid yet");
    }
    JwtResult r;
    r.ok = true;
    r.claims = claims;
    return r;
}

} // namespace gateway
