// gateway/src/jwks.hpp — public keys from a JWKS file (ES256 / RS256), as
// Supabase projects with asymmetric signing keys publish them.
#pragma once

#include "jwt.hpp"

#include <memory>
#include <string>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace gateway {

class Jwks {
  public:
    // Parses {"keys": [{kty, crv?, x?, y?, n?, e?, kid?, alg?}, …]}; throws
    // std::runtime_error naming the bad key.
    static Jwks Parse(const std::string &json_text);
    Jwks() = default;
    Jwks(Jwks &&) = default;
    ~Jwks();
    bool empty() const { return keys_.empty(); }
    size_t size() const { return keys_.size(); }

    // Verifies a token signed with one of the keys: the header's alg must be
    // ES256 or RS256 and match the key's type (no HMAC with a public key, no
    // "none"); kid picks the key when present. Same claim checks as VerifyJwt.
    JwtResult Verify(const std::string &token, const std::string &audience, long now, long leeway = 5) const;

  private:
    struct Key {
        std::string kid, alg; // alg: "ES256" or "RS256"
        EVP_PKEY *pkey;
    };
    std::vector<Key> keys_;
};

} // namespace gateway
