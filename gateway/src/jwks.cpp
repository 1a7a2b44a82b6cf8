// gateway/src/jwks.cpp — JWK → EVP_PKEY with OpenSSL 3's fromdata API, and
// JWS signature checks (ES256 signatures are raw r||s; OpenSSL wants DER).
#include "jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <stdexcept>

namespace gateway {

Jwks::~Jwks() {
    for (auto &k : keys_)
        EVP_PKEY_free(k.pkey);
}

static std::string Field(const nlohmann::json &key, const char *name) {
    if (!key.contains(name) || !key[name].is_string())
        throw std::runtime_error(std::string("JWK without ") + name);
    auto bytes = Base64UrlDecode(key[name].get<std::string>());
    if (!bytes)
        throw std::runtime_error(std::string("JWK field ") + name + " is not base64url");
    return *bytes;
}

static EVP_PKEY *FromParams(const char *type, OSSL_PARAM_BLD *bld) {
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY *pkey = nullptr;
    if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = nullptr;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

static EVP_PKEY *RsaKey(const nlohmann::json &jwk) {
    std::string n = Field(jwk, "n"), e = Field(jwk, "e");
    BIGNUM *bn_n = BN_bin2bn((const unsigned char *)n.data(), (int)n.size(), nullptr);
    BIGNUM *bn_e = BN_bin2bn((const unsigned char *)e.data(), (int)e.size(), nullptr);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    EVP_PKEY *pkey = FromParams("RSA", bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pkey;
}

static EVP_PKEY *EcKey(const nlohmann::json &jwk) {
    if (jwk.value("crv", "") != "P-256")
        throw std::runtime_error("only EC keys on curve P-256 (ES256) are supported");
    std::string point = "\x04" + Field(jwk, "x") + Field(jwk, "y");
    if (point.size() != 65)
        throw std::runtime_error("EC key coordinates must be 32 bytes each");
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    return FromParams("EC", bld);
}

Jwks Jwks::Parse(const std::string &json_text) {
    nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, false);
    if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
        throw std::runtime_error("a JWKS is an object with a \"keys\" array");
    Jwks jwks;
    for (const auto &jwk : doc["keys"]) {
        std::string kty = jwk.value("kty", "");
        Key key{jwk.value("kid", ""), kty == "EC" ? "ES256" : kty == "RSA" ? "RS256" : "", nullptr};
        if (key.alg.empty())
            throw std::runtime_error("unsupported key type \"" + kty + "\" (EC P-256 or RSA only)");
        if (jwk.contains("alg") && jwk["alg"] != key.alg)
            throw std::runtime_error("key " + key.kid + " declares alg " + jwk["alg"].dump() + ", not " +
                                     key.alg);
        key.pkey = kty == "EC" ? EcKey(jwk) : RsaKey(jwk);
        if (key.pkey == nullptr)
            throw std::runtime_error("key " + key.kid + " could not be loaded");
        jwks.keys_.push_back(key);
    }
    return jwks;
}

// ES256: JWS carries r||s (64 bytes); OpenSSL verifies a DER ECDSA-Sig-Value.
static bool RawToDer(const std::string &raw, std::string *der) {
    if (raw.size() != 64)
        return false;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn((const unsigned char *)raw.data(), 32, nullptr);
    BIGNUM *s = BN_bin2bn((const unsigned char *)raw.data() + 32, 32, nullptr);
    ECDSA_SIG_set0(sig, r, s);
    unsigned char *out = nullptr;
    int length = i2d_ECDSA_SIG(sig, &out);
    ECDSA_SIG_free(sig);
    if (length <= 0)
        return false;
    der->assign((const char *)out, length);
    OPENSSL_free(out);
    return true;
}

static bool VerifySignature(EVP_PKEY *pkey, const std::string &alg, const std::string &input,
                            std::string signature) {
    if (alg == "ES256" && !RawToDer(signature, &signature))
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
              EVP_DigestVerify(ctx, (const unsigned char *)signature.data(), signature.size(),
                               (const unsigned char *)input.data(), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

JwtResult Jwks::Verify(const std::string &token, const std::string &audience, long now, long leeway) const {
    JwtResult refused;
    size_t first = token.find('.');
    size_t second = first == std::string::npos ? first : token.find('.', first + 1);
    if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
        refused.error = "malformed token";
        return refused;
    }
    auto header_text = Base64UrlDecode(token.substr(0, first));
    auto payload_text = Base64UrlDecode(token.substr(first + 1, second - first - 1));
    auto signature = Base64UrlDecode(token.substr(second + 1));
    nlohmann::json header =
        header_text ? nlohmann::json::parse(*header_text, nullptr, false) : nlohmann::json();
    nlohmann::json claims =
        payload_text ? nlohmann::json::parse(*payload_text, nullptr, false) : nlohmann::json();
    if (!header.is_object() || !claims.is_object() || !signature) {
        refused.error = "malformed token";
        return refused;
    }
    std::string alg = header.value("alg", ""), kid = header.value("kid", "");
    for (const auto &key : keys_) {
        if (key.alg != alg || (!kid.empty() && key.kid != kid))
            continue;
        if (VerifySignature(key.pkey, alg, token.substr(0, second), *signature))
            return CheckClaims(claims, audience, now, leeway);
    }
    refused.error = (alg == "ES256" || alg == "RS256") ? "invalid signature" : "unsupported algorithm";
    return refused;
}

} // namespace gateway
