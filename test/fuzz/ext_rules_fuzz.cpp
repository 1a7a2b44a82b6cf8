// test/fuzz/ext_rules_fuzz.cpp — libFuzzer target for the extension's pure
// C++ rules (extension/core/rules.cpp), which see untrusted text straight from
// a push: the device id, the op, role names, status values of a payload, and
// the SQLSTATE / constraint name of a failed write. The push envelope itself is
// read with PostgreSQL's jsonb (no C++ parser of ours to fuzz), so this target
// covers what the C++ side decides from client text, and checks its promises:
// no crash, no allocation needed, and the documented invariants.
#include "rules.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace shopsync;

static void Check(bool ok) {
    if (!ok)
        abort();
}

// The input is split at NUL bytes into fields: strings a client could send.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::vector<std::string> fields(1);
    for (size_t i = 0; i < size; i++) {
        if (data[i] == 0)
            fields.emplace_back();
        else
            fields.back().push_back(static_cast<char>(data[i]));
    }
    while (fields.size() < 4)
        fields.emplace_back();
    const std::string &a = fields[0], &b = fields[1], &c = fields[2];

    // device ids: valid exactly when 1..200 printable ASCII without spaces
    bool valid = IsValidDeviceId(a.c_str(), static_cast<int>(a.size()));
    bool expected = !a.empty() && a.size() <= 200;
    for (unsigned char ch : a)
        expected = expected && ch > 0x20 && ch < 0x7f;
    Check(valid == expected);
    Check(!IsValidDeviceId(a.c_str(), -1));

    // names: only the exact words parse
    ShopRole role = ParseShopRole(a.c_str());
    Check(role == ShopRole::None || ShopRoleName(role) == a);
    EventOp op = ParseEventOp(b.c_str());
    Check(op == EventOp::Invalid || b == "create" || b == "update" || b == "delete");

    // a lifecycle made of the fields themselves: statuses are the fields,
    // moves pair each field with the next
    std::vector<const char *> statuses;
    std::vector<StatusMove> moves;
    for (const std::string &f : fields)
        statuses.push_back(f.c_str());
    for (size_t i = 0; i + 1 < fields.size(); i++)
        moves.push_back({fields[i].c_str(), fields[i + 1].c_str()});
    StatusRules rules = {static_cast<int>(statuses.size()), statuses.data(), static_cast<int>(moves.size()),
                         moves.data()};
    Check(StatusMoveAllowed(rules, a.c_str(), a.c_str()) == IsKnownStatus(rules, a.c_str()));
    Check(StatusMoveAllowed(rules, a.c_str(), b.c_str()));
    Check(!StatusMoveAllowed(rules, nullptr, b.c_str()));
    StatusRules empty = {0, nullptr, 0, nullptr};
    Check(!StatusMoveAllowed(empty, a.c_str(), b.c_str()));

    // roles from the input's bits; viewers and strangers never write
    RoleSet bits = size > 0 ? data[0] : 0;
    EntityRules entity = {bits, bits >> 1, bits >> 2};
    for (EventOp each : {EventOp::Create, EventOp::Update, EventOp::Delete}) {
        Check(ForbiddenReason(ShopRole::Viewer, entity, each, size & 1, size & 2) != nullptr);
        Check(ForbiddenReason(ShopRole::None, entity, each, size & 1, size & 2) != nullptr);
        ForbiddenReason(ShopRole::Staff, entity, each, size & 1, size & 2);
    }

    // write errors: a reason only for a 5-character SQLSTATE, and a client
    // message that never quotes the constraint's name. Messages are fixed
    // sentences: an object's name (customers_pkey, …) has an underscore, a
    // message none. (Testing "c is not a substring" was wrong: a constraint
    // named "code" is a word of a fixed sentence — corpus/ext_rules/regress-code.)
    const char *reason = ReasonForSqlState(b.c_str(), c.c_str());
    Check(reason == nullptr || b.size() == 5);
    const char *message = ClientMessageForReason(reason, b.c_str());
    Check(message == nullptr || std::strchr(message, '_') == nullptr);
    Check(message == nullptr || c.find('_') == std::string::npos ||
          std::strstr(message, c.c_str()) == nullptr);
    return 0;
}
