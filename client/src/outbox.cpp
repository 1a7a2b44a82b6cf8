// client/src/outbox.cpp — see outbox.hpp for the rules.
#include "outbox.hpp"

#include "failed_writes.hpp"
#include "permission_check.hpp"
#include "sqlite_statement.hpp"

#include <algorithm>
#include <chrono>
#include <random>

namespace shopsync::client {

using json = nlohmann::json;

std::string NewUuid() {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    uint64_t a = rng(), b = rng();
    char out[37];
    snprintf(out, sizeof(out), "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)((b >> 48) & 0x3fff) | 0x8000,
             (unsigned long long)(b & 0xffffffffffffULL));
    return out;
}

static double Now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct LocalRow {
    bool found = false;
    bool deleted = false;
    long long version = 0;
    json data;
    std::string state;
};

static LocalRow ReadRow(LocalStore &store, const std::string &entity, const std::string &id) {
    std::string sql =
        "SELECT version, data, sync_state, deleted_at IS NOT NULL FROM " + entity + " WHERE id = ?";
    Statement st(store, sql.c_str());
    st.Bind(1, id);
    LocalRow row;
    if (st.Step()) {
        row.found = true;
        row.version = st.Int(0);
        row.data = json::parse(st.Text(1));
        row.state = st.Text(2);
        row.deleted = st.Int(3) != 0;
    }
    return row;
}

struct PendingEvent {
    bool found = false;
    long long id = 0;
    std::string op;
    json payload;
    long long base_version = 0;
    bool may_have_reached = false; // taken by a push (now or ever): never folded into
    bool grouped = false;          // part of a write group: never folded into either
};

// The newest event queued for this row.
static PendingEvent NewestEvent(LocalStore &store, const std::string &entity, const std::string &id) {
    Statement st(store, "SELECT id, op, payload_json, base_version, in_flight <> 0 OR sent <> 0, group_id"
                        " FROM sync_outbox"
                        " WHERE entity_type = ? AND entity_id = ? ORDER BY id DESC LIMIT 1");
    st.Bind(1, entity).Bind(2, id);
    PendingEvent e;
    if (st.Step()) {
        e.found = true;
        e.id = st.Int(0);
        e.op = st.Text(1);
        e.payload = json::parse(st.Text(2));
        e.base_version = st.Int(3);
        e.may_have_reached = st.Int(4) != 0;
        e.grouped = !st.IsNull(5);
    }
    return e;
}

void QueueEvent(LocalStore &store, const std::string &entity, const std::string &id, const std::string &op,
                const json &payload, long long base_version, bool override, const std::string &group_id) {
    Statement st(store,
                 "INSERT INTO sync_outbox (entity_type, entity_id, op, payload_json, base_version,"
                 " idempotency_key, created_at, override, group_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.Bind(1, entity)
        .Bind(2, id)
        .Bind(3, op)
        .Bind(4, payload.dump())
        .Bind(5, base_version)
        .Bind(6, NewUuid())
        .Bind(7, Now())
        .Bind(8, (long long) override);
    if (group_id.empty())
        st.BindNull(9);
    else
        st.Bind(9, group_id);
    st.Step();
}

static void SaveRow(LocalStore &store, const std::string &entity, const std::string &id, long long version,
                    const json &data, const std::string &state, bool deleted) {
    std::string sql =
        "INSERT INTO " + entity +
        " (id, version, data, sync_state, deleted_at) VALUES (?, ?, ?, ?, CASE WHEN ? THEN"
        " strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END)"
        " ON CONFLICT (id) DO UPDATE SET data = excluded.data, sync_state = excluded.sync_state,"
        " deleted_at = coalesce(excluded.deleted_at, deleted_at), last_error = NULL,"
        // the server's image, kept from the moment the user first changes a synced row
        " server_data = CASE WHEN sync_state = 'synced' THEN json_set(data, '$.id', id, '$.version', version,"
        " '$.shop_id', shop_id, '$.updated_at', updated_at, '$.deleted_at', deleted_at) ELSE server_data END";
    Statement st(store, sql.c_str());
    st.Bind(1, id).Bind(2, version).Bind(3, data.dump()).Bind(4, state).Bind(5, (long long)deleted);
    st.Step();
}

std::string LocalWrite(LocalStore &store, const std::string &entity, WriteOp op, std::string id,
                       const json &payload, bool override) {
    Transaction tx(store);
    id = LocalWriteInTransaction(store, entity, op, std::move(id), payload, override);
    tx.Commit();
    return id;
}

std::vector<std::string> LocalWriteGroup(LocalStore &store, const std::vector<GroupWrite> &writes) {
    if (writes.empty() || writes.size() > (size_t)kMaxGroupSize)
        throw ClientError("a write group holds 1 to " + std::to_string(kMaxGroupSize) + " writes",
                          SHOPSYNC_INVALID);
    std::string group_id = NewUuid();
    std::vector<std::string> ids;
    Transaction tx(store);
    for (const auto &w : writes)
        ids.push_back(LocalWriteInTransaction(store, w.entity, w.op, w.id, w.payload, w.override, group_id));
    tx.Commit();
    return ids;
}

std::string LocalWriteInTransaction(LocalStore &store, const std::string &entity, WriteOp op, std::string id,
                                    const json &payload, bool override, const std::string &group_id) {
    if (!store.HasEntity(entity))
        throw ClientError("unknown entity \"" + entity + "\"", SHOPSYNC_INVALID);
    if (!payload.is_object())
        throw ClientError("a payload is a JSON object of columns", SHOPSYNC_INVALID);
    for (const char *owned : {"id", "shop_id", "version", "updated_at", "deleted_at"})
        if (payload.contains(owned))
            throw ClientError(std::string("column \"") + owned + "\" is set by the server", SHOPSYNC_INVALID);
    if (op == WriteOp::Create && id.empty())
        id = NewUuid();
    LocalRow row = ReadRow(store, entity, id);
    PendingEvent pending = NewestEvent(store, entity, id);
    CheckAllowed(store, entity,
                 op == WriteOp::Create   ? "create"
                 : op == WriteOp::Update ? "update"
                                         : "delete",
                 row.found ? row.data : json(), payload, override);

    if (op == WriteOp::Create) {
        if (row.found)
            throw ClientError(entity + " " + id + " exists already", SHOPSYNC_INVALID);
        json data = payload;
        data["id"] = id;
        SaveRow(store, entity, id, 0, data, "pending_create", false);
        QueueEvent(store, entity, id, "create", payload, 0, false, group_id);
        return id;
    }
    if (!row.found)
        throw ClientError(entity + " has no row " + id, SHOPSYNC_NOTFOUND);
    bool grouped = !group_id.empty();
    if (grouped && HasFailure(store, entity, id))
        throw ClientError(entity + " " + id +
                              " has a refused write: retry or discard it before grouping writes of it",
                          SHOPSYNC_INVALID);
    if (long long failure = FailureOf(store, entity, id)) { // a refused write: this edit retries it
        if (op == WriteOp::Update) {
            RetryFailed(store, failure, payload, override);
            return id;
        }
        if (row.version == 0) { // a refused create deleted: the server never had it
            DiscardFailed(store, failure);
            return id;
        }
        RetryFailed(store, failure, json(), false); // then the delete below follows it
        row = ReadRow(store, entity, id);
        pending = NewestEvent(store, entity, id);
    }
    if (row.deleted || row.state == "pending_delete")
        throw ClientError(entity + " " + id + " is deleted", SHOPSYNC_INVALID);

    // A group's events stand alone (the group travels and applies as one), so
    // they never fold and are never folded into: they chain on base_version.
    bool foldable =
        pending.found && !pending.may_have_reached && !pending.grouped && !grouped && pending.op != "delete";
    long long base = pending.found && !foldable ? pending.base_version + 1 : row.version;
    if (op == WriteOp::Update) {
        json data = row.data;
        data.update(payload);
        std::string state = row.state == "pending_create" ? "pending_create" : "pending_update";
        SaveRow(store, entity, id, row.version, data, state, false);
        if (foldable) {
            json merged = pending.payload;
            merged.update(payload);
            Statement st(store, "UPDATE sync_outbox SET payload_json = ?, idempotency_key = ?,"
                                " override = override OR ? WHERE id = ?");
            st.Bind(1, merged.dump()).Bind(2, NewUuid()).Bind(3, (long long) override).Bind(4, pending.id);
            st.Step();
        } else {
            QueueEvent(store, entity, id, "update", payload, base, override, group_id);
        }
        return id;
    }
    // Delete
    if (foldable && pending.op == "create") { // never reached the server: forget it
        Statement del_event(store, "DELETE FROM sync_outbox WHERE id = ?");
        del_event.Bind(1, pending.id);
        del_event.Step();
        std::string sql = "DELETE FROM " + entity + " WHERE id = ?";
        Statement del_row(store, sql.c_str());
        del_row.Bind(1, id);
        del_row.Step();
        return id;
    }
    if (foldable) { // an unsent update is replaced by the delete
        Statement st(store, "DELETE FROM sync_outbox WHERE id = ?");
        st.Bind(1, pending.id);
        st.Step();
        base = pending.base_version;
    }
    SaveRow(store, entity, id, row.version, row.data, "pending_delete", true);
    QueueEvent(store, entity, id, "delete", json::object(), base, false, group_id);
    return id;
}

int PendingCount(LocalStore &store) {
    Statement st(store, "SELECT count(*) FROM sync_outbox");
    st.Step();
    return (int)st.Int(0);
}

nlohmann::json OutboxReport(LocalStore &store, double now) {
    Statement oldest(store, "SELECT created_at, retry_count FROM sync_outbox ORDER BY id LIMIT 1");
    long long age_ms = 0, depth = 0;
    if (oldest.Step()) {
        age_ms = std::max(0LL, (long long)((now - oldest.Real(0)) * 1000));
        depth = oldest.Int(1);
    }
    Statement failed(store, "SELECT count(*) FROM sync_failed");
    failed.Step();
    return {{"pending", PendingCount(store)},
            {"failed", failed.Int(0)},
            {"oldest_age_ms", age_ms},
            {"retry_depth", depth}};
}

} // namespace shopsync::client
