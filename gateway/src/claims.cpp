// gateway/src/claims.cpp — see claims.hpp.
#include "claims.hpp"

namespace gateway {

// A string claim that may be absent; false when present with another type.
static bool StringClaim(const nlohmann::json &object, const char *name, std::string *out) {
    auto it = object.find(name);
    if (it == object.end())
        return true;
    if (!it->is_string())
        return false;
    *out = it->get<std::string>();
    return true;
}

bool ReadClaims(const nlohmann::json &claims, Identity *identity, std::string *error) {
    if (!claims.is_object()) {
        *error = "claims are not an object";
        return false;
    }
    Identity id;
    id.role = "authenticated";
    for (const char *name : {"sub", "role", "shop_id"}) {
        std::string *target = name[0] == 's' && name[1] == 'u' ? &id.sub
                              : name[0] == 'r'                 ? &id.role
                                                               : &id.shop_id;
        if (!StringClaim(claims, name, target)) {
            *error = std::string("claim '") + name + "' must be a string";
            return false;
        }
    }
    auto meta = claims.find("app_metadata");
    if (meta != claims.end() && !meta->is_null()) {
        if (!meta->is_object()) {
            *error = "claim 'app_metadata' must be an object";
            return false;
        }
        std::string from_meta;
        if (!StringClaim(*meta, "shop_id", &from_meta)) {
            *error = "claim 'app_metadata.shop_id' must be a string";
            return false;
        }
        if (id.shop_id.empty())
            id.shop_id = from_meta;
    }
    auto exp = claims.find("exp");
    if (exp != claims.end() && exp->is_number())
        id.exp = exp->get<double>();
    *identity = std::move(id);
    return true;
}

} // namespace gateway
