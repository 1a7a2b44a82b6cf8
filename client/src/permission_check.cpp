// client/src/permission_check.cpp — see permission_check.hpp. Mirrors the
// extension's ForbiddenReason and StatusMoveAllowed (extension/core/rules.cpp).
#include "permission_check.hpp"

#include <set>

namespace shopsync::client {

using json = nlohmann::json;

static bool Has(const json &roles, const std::string &role) {
    if (!roles.is_array())
        return true; // not stated: the server decides
    for (const auto &r : roles)
        if (r == role)
            return true;
    return false;
}

[[noreturn]] static void Refuse(const std::string &reason, const std::string &message) {
    throw ClientError(reason + ": " + message + " (refused on this device, as the server would)",
                      SHOPSYNC_FORBIDDEN);
}

void CheckAllowed(LocalStore &store, const std::string &entity, const std::string &op, const json &current,
                  const json &payload, bool override) {
    std::string role = store.Get("shop_role");
    if (role.empty())
        return;
    if (role == "viewer")
        Refuse("forbidden", "viewers cannot change data");
    json all = json::parse(store.Get("rules", "{}"), nullptr, false);
    if (!all.is_object() || !all.contains(entity) || !all[entity].is_object())
        return;
    const json &rules = all[entity];
    if (op == "delete") {
        if (!Has(rules.value("delete_roles", json()), role))
            Refuse("forbidden", "the caller's role may not delete rows of this entity");
        return;
    }
    if (!Has(rules.value("write_roles", json()), role))
        Refuse("forbidden", "the caller's role may not change rows of this entity");
    const json status = rules.value("status", json());
    if (!status.is_object() || !status.contains("column") || !status["column"].is_string())
        return;
    std::string column = status["column"];
    if (!payload.contains(column) || !payload[column].is_string())
        return;
    std::string to = payload[column];
    const json transitions = status.value("transitions", json::object());
    std::set<std::string> known;
    for (auto it = transitions.begin(); it != transitions.end(); ++it) {
        known.insert(it.key());
        for (const auto &t : it.value())
            if (t.is_string())
                known.insert(t.get<std::string>());
    }
    if (op == "create") {
        if (!known.count(to))
            Refuse("invalid_transition", entity + ": \"" + to + "\" is not a status");
        return;
    }
    if (!current.is_object() || !current.contains(column) || !current[column].is_string())
        return;
    std::string from = current[column];
    bool allowed = known.count(from) && known.count(to);
    if (allowed && from != to) {
        allowed = false;
        for (const auto &t : transitions.value(from, json::array()))
            allowed = allowed || t == to;
    }
    if (allowed)
        return;
    if (!override || !known.count(to))
        Refuse("invalid_transition",
               entity + ": the status cannot move from \"" + from + "\" to \"" + to + "\"");
    if (!Has(status.value("override_roles", json()), role))
        Refuse("forbidden", "the caller's role may not override this entity's status transitions");
}

} // namespace shopsync::client
