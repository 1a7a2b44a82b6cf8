// test/fuzz/jwt_fuzz.cpp — libFuzzer target: any string as a bearer token
// through the HS256 verifier and the claims reader; and any JSON payload,
// validly signed, through claim checking (what a claims hook could issue).
#include "claims.hpp"
#include "jwt.hpp"
#include "text.hpp"

#include <cstdint>
#include <cstdlib>

using namespace gateway;

static const std::string kSecret = "fuzz-secret-fuzz-secret-fuzz-secret-0001";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string input(reinterpret_cast<const char *>(data), size);
    const long now = 1700000000;
    // 1. The raw input as a compact token.
    JwtAlgorithm(input);
    JwtResult r = VerifyJwt(input, kSecret, "authenticated", now);
    Identity id;
    std::string error;
    if (r.ok)
        ReadClaims(r.claims, &id, &error);
    // 2. The input as a payload, signed with the right key: every claim shape
    //    a token issuer could produce.
    nlohmann::json claims;
    if (ParseJson(input, &claims)) {
        std::string token = SignJwt(claims, kSecret);
        JwtResult signed_result = VerifyJwt(token, kSecret, "authenticated", now);
        if (signed_result.ok) {
            ReadClaims(signed_result.claims, &id, &error);
            SafeDump(signed_result.claims);
        }
    }
    return 0;
}
