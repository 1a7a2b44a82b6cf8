// client/src/failed_writes.cpp — see failed_writes.hpp.
#include "failed_writes.hpp"

#include "apply.hpp"
#include "outbox.hpp"
#include "permission_check.hpp"
#include "sqlite_statement.hpp"

#include <chrono>

namespace shopsync::client {

using json = nlohmann::json;

static double Now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

long long FailureOf(LocalStore &store, const std::string &entity, const std::string &entity_id) {
    Statement st(store, "SELECT id FROM sync_failed WHERE entity_type = ? AND entity_id = ?");
    st.Bind(1, entity).Bind(2, entity_id);
    return st.Step() ? st.Int(0) : 0;
}

std::string FailureEntity(LocalStore &store, long long failure_id) {
    Statement st(store, "SELECT entity_type FROM sync_failed WHERE id = ?");
    st.Bind(1, failure_id);
    return st.Step() ? st.Text(0) : "";
}

bool HasFailure(LocalStore &store, const std::string &entity, const std::string &entity_id) {
    return FailureOf(store, entity, entity_id) != 0;
}

static json ParseOr(const std::string &text, json fallback) {
    json v = json::parse(text, nullptr, false);
    return v.is_discarded() ? fallback : v;
}

// A later write of the row joins its open failure: its changes merge into the
// attempt; a delete makes the attempt a delete.
static void JoinFailure(LocalStore &store, long long failure_id, const std::string &op, const json &payload) {
    Statement read(store, "SELECT op, payload_json FROM sync_failed WHERE id = ?");
    read.Bind(1, failure_id);
    if (!read.Step())
        return;
    std::string joined_op = read.Text(0);
    json merged = ParseOr(read.Text(1), json::object());
    if (op == "delete")
        joined_op = "delete";
    else if (payload.is_object())
        merged.update(payload);
    Statement up(store, "UPDATE sync_failed SET op = ?, payload_json = ? WHERE id = ?");
    up.Bind(1, joined_op).Bind(2, merged.dump()).Bind(3, failure_id);
    up.Step();
}

// A row the write references (any text value of its payload) whose own create
// the server refused: {"entity","entity_id","reason"}, or null. A child refused
// for a missing parent is then reported as parent_failed, naming that cause,
// instead of the server's bare foreign-key reason.
static json RefusedParentOf(LocalStore &store, const OutboxEvent &e) {
    json payload = ParseOr(e.payload, json::object());
    if (!payload.is_object())
        return nullptr;
    Statement st(store, "SELECT entity_type, reason FROM sync_failed WHERE entity_id = ? AND op = 'create'"
                        " AND entity_id <> ?");
    for (const auto &[column, value] : payload.items()) {
        if (!value.is_string())
            continue;
        st.Reset();
        st.Bind(1, value.get<std::string>()).Bind(2, e.entity_id);
        if (st.Step())
            return {{"entity", st.Text(0)}, {"entity_id", value}, {"column", column}, {"reason", st.Text(1)}};
    }
    return nullptr;
}

void RecordFailure(LocalStore &store, const OutboxEvent &e, const std::string &server_reason,
                   const std::string &server_message, const json &server_cause) {
    std::string reason = server_reason, message = server_message;
    json cause = server_cause;
    if (reason == "foreign_key_violation" || reason == "parent_not_found") {
        json parent = RefusedParentOf(store, e);
        if (!parent.is_null()) {
            reason = "parent_failed";
            message = "its " + parent["column"].get<std::string>() + " names " +
                      parent["entity"].get<std::string>() + " " + parent["entity_id"].get<std::string>() +
                      ", whose create was refused (" + parent["reason"].get<std::string>() +
                      "); the server said: " + server_message;
            cause = parent;
        }
    }
    long long failure = FailureOf(store, e.entity, e.entity_id);
    if (failure != 0) { // the first refusal names the reason; this one was made on top of it
        JoinFailure(store, failure, e.op, ParseOr(e.payload, json::object()));
    } else {
        Statement ins(store,
                      "INSERT INTO sync_failed (entity_type, entity_id, op, payload_json, base_version,"
                      " override, reason, message, cause, group_id, idempotency_key, failed_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        ins.Bind(1, e.entity).Bind(2, e.entity_id).Bind(3, e.op).Bind(4, e.payload).Bind(5, e.base_version);
        ins.Bind(6, (long long)e.override).Bind(7, reason).Bind(8, message);
        if (cause.is_null())
            ins.BindNull(9);
        else
            ins.Bind(9, cause.dump());
        if (e.group_id.empty())
            ins.BindNull(10);
        else
            ins.Bind(10, e.group_id);
        ins.Bind(11, e.idempotency_key).Bind(12, Now());
        ins.Step();
        failure = sqlite3_last_insert_rowid(store.db());
    }
    // Queued events of the row that were not sent with this batch depend on it.
    std::vector<std::pair<std::string, std::string>> behind;
    {
        Statement st(store, "SELECT op, payload_json FROM sync_outbox WHERE entity_type = ? AND entity_id = ?"
                            " AND in_flight = 0 ORDER BY id");
        st.Bind(1, e.entity).Bind(2, e.entity_id);
        while (st.Step())
            behind.emplace_back(st.Text(0), st.Text(1));
    }
    for (const auto &[op, payload] : behind)
        JoinFailure(store, failure, op, ParseOr(payload, json::object()));
    Statement drop(store,
                   "DELETE FROM sync_outbox WHERE entity_type = ? AND entity_id = ? AND in_flight = 0");
    drop.Bind(1, e.entity).Bind(2, e.entity_id);
    drop.Step();
    std::string sql = "UPDATE " + e.entity + " SET sync_state = 'failed', last_error = ? WHERE id = ?";
    Statement row(store, sql.c_str());
    Statement reason_of(store, "SELECT reason, message FROM sync_failed WHERE id = ?");
    reason_of.Bind(1, failure);
    reason_of.Step();
    row.Bind(1, reason_of.Text(0) + ": " + reason_of.Text(1)).Bind(2, e.entity_id);
    row.Step();
}

json ListFailed(LocalStore &store) {
    Statement st(store,
                 "SELECT id, entity_type, entity_id, op, payload_json, reason, message, cause, group_id,"
                 " failed_at FROM sync_failed ORDER BY id");
    json out = json::array();
    while (st.Step()) {
        std::string entity = st.Text(1), id = st.Text(2);
        json local_row, server_row;
        if (store.HasEntity(entity)) {
            std::string sql =
                "SELECT data, server_data, sync_state, version FROM " + entity + " WHERE id = ?";
            Statement row(store, sql.c_str());
            row.Bind(1, id);
            if (row.Step()) {
                local_row = ParseOr(row.Text(0), json());
                if (!row.IsNull(1))
                    server_row = ParseOr(row.Text(1), json());
            }
        }
        out.push_back({{"id", st.Int(0)},
                       {"entity", entity},
                       {"entity_id", id},
                       {"op", st.Text(3)},
                       {"attempt", ParseOr(st.Text(4), json::object())},
                       {"reason", st.Text(5)},
                       {"message", st.Text(6)},
                       {"cause", st.IsNull(7) ? json() : ParseOr(st.Text(7), json())},
                       {"group_id", st.IsNull(8) ? json() : json(st.Text(8))},
                       {"local_row", local_row},
                       {"server_row", server_row},
                       {"failed_at", st.Real(9)}});
    }
    return out;
}

struct Failure {
    std::string entity, entity_id, op;
    json payload;
    bool override = false;
};

static Failure ReadFailure(LocalStore &store, long long failure_id) {
    Statement st(store,
                 "SELECT entity_type, entity_id, op, payload_json, override FROM sync_failed WHERE id = ?");
    st.Bind(1, failure_id);
    if (!st.Step())
        throw ClientError("no failed write " + std::to_string(failure_id), SHOPSYNC_NOTFOUND);
    return {st.Text(0), st.Text(1), st.Text(2), ParseOr(st.Text(3), json::object()), st.Int(4) != 0};
}

static void DropFailure(LocalStore &store, long long failure_id) {
    Statement st(store, "DELETE FROM sync_failed WHERE id = ?");
    st.Bind(1, failure_id);
    st.Step();
}

static void RequeueOne(LocalStore &store, long long failure_id, const json &changes, bool override,
                       const std::string &group_id) {
    Failure f = ReadFailure(store, failure_id);
    if (!changes.is_null() && !changes.is_object())
        throw ClientError("changes are a JSON object of columns", SHOPSYNC_INVALID);
    if (f.op == "delete" && !changes.is_null() && !changes.empty())
        throw ClientError("a failed delete is retried or discarded, not edited", SHOPSYNC_INVALID);
    for (const char *owned : {"id", "shop_id", "version", "updated_at", "deleted_at"})
        if (changes.is_object() && changes.contains(owned))
            throw ClientError(std::string("column \"") + owned + "\" is set by the server", SHOPSYNC_INVALID);
    std::string select = "SELECT data, version FROM " + f.entity + " WHERE id = ?";
    Statement row(store, select.c_str());
    row.Bind(1, f.entity_id);
    if (!row.Step())
        throw ClientError(f.entity + " has no row " + f.entity_id, SHOPSYNC_NOTFOUND);
    json data = ParseOr(row.Text(0), json::object());
    long long server_version = row.Int(1); // pulls keep it at the server's
    { // what the server would refuse again is refused here at once (its current row decides)
        std::string image_sql = "SELECT server_data FROM " + f.entity + " WHERE id = ?";
        Statement image(store, image_sql.c_str());
        image.Bind(1, f.entity_id);
        json server_row = image.Step() && !image.IsNull(0) ? ParseOr(image.Text(0), json()) : json();
        json attempt = f.payload;
        if (changes.is_object())
            attempt.update(changes);
        CheckAllowed(store, f.entity, f.op, f.op == "create" ? json() : server_row, attempt,
                     override || f.override);
    }
    if (changes.is_object()) {
        f.payload.update(changes);
        data.update(changes);
    }
    std::string state = f.op == "create"   ? "pending_create"
                        : f.op == "delete" ? "pending_delete"
                                           : "pending_update";
    std::string sql = "UPDATE " + f.entity + " SET data = ?, sync_state = ?, last_error = NULL WHERE id = ?";
    Statement up(store, sql.c_str());
    up.Bind(1, data.dump()).Bind(2, state).Bind(3, f.entity_id);
    up.Step();
    QueueEvent(store, f.entity, f.entity_id, f.op, f.op == "delete" ? json::object() : f.payload,
               f.op == "create" ? 0 : server_version, override || f.override, group_id);
    DropFailure(store, failure_id);
}

void RetryFailed(LocalStore &store, long long failure_id, const json &changes, bool override) {
    std::string group;
    {
        Statement st(store, "SELECT group_id FROM sync_failed WHERE id = ?");
        st.Bind(1, failure_id);
        if (!st.Step())
            throw ClientError("no failed write " + std::to_string(failure_id), SHOPSYNC_NOTFOUND);
        group = st.IsNull(0) ? "" : st.Text(0);
    }
    if (group.empty()) {
        RequeueOne(store, failure_id, changes, override, "");
        return;
    }
    // A write group is retried whole, as a new group: the changes go to the
    // named write, the override to every one (it is the owner's decision).
    std::vector<long long> members;
    {
        Statement st(store, "SELECT id FROM sync_failed WHERE group_id = ? ORDER BY id");
        st.Bind(1, group);
        while (st.Step())
            members.push_back(st.Int(0));
    }
    std::string retried = NewUuid();
    for (long long member : members)
        RequeueOne(store, member, member == failure_id ? changes : json(), override, retried);
}

void DiscardFailed(LocalStore &store, long long failure_id) {
    Failure f = ReadFailure(store, failure_id);
    std::string select = "SELECT server_data, version FROM " + f.entity + " WHERE id = ?";
    Statement row(store, select.c_str());
    row.Bind(1, f.entity_id);
    bool found = row.Step();
    json image = found && !row.IsNull(0) ? ParseOr(row.Text(0), json()) : json();
    long long version = found ? row.Int(1) : 0;
    if (image.is_object()) {
        WriteServerRecord(store, f.entity, image);
    } else {
        std::string sql = "DELETE FROM " + f.entity + " WHERE id = ?";
        Statement del(store, sql.c_str());
        del.Bind(1, f.entity_id);
        del.Step();
        if (version > 0) // the server has the row but this device never kept its image: fetch it again
            store.Put("bootstrapped", "0");
    }
    DropFailure(store, failure_id);
}

} // namespace shopsync::client
