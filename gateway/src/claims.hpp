// gateway/src/claims.hpp — the one reader of verified JWT claims, shared by
// request auth, rate limits and event streams. A claim of the wrong type
// (a custom claims hook can produce one) refuses the token; nothing throws.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace gateway {

struct Identity {
    std::string sub;     // user id ("" when absent)
    std::string role;    // "authenticated" when absent
    std::string shop_id; // shop_id, else app_metadata.shop_id, else ""
    double exp = 0;      // seconds since the epoch
};

// Reads claims whose signature is verified. false (and why) when sub, role,
// shop_id or app_metadata.shop_id is present but not a string, or
// app_metadata is not an object.
bool ReadClaims(const nlohmann::json &claims, Identity *identity, std::string *error);

} // namespace gateway
