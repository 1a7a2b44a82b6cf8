// client/src/apply.cpp — see apply.hpp.
#include "apply.hpp"

#include "sqlite_statement.hpp"

#include <chrono>

namespace shopsync::client {

using json = nlohmann::json;

static double Now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json TakeBatch(LocalStore &store, int limit, double now) {
    Transaction tx(store);
    Statement st(store,
                 "SELECT id, entity_type, entity_id, op, payload_json, base_version, idempotency_key"
                 " FROM sync_outbox WHERE in_flight = 0 AND (next_retry_at IS NULL OR next_retry_at <= ?)"
                 " ORDER BY id LIMIT ?");
    st.Bind(1, now).Bind(2, (long long)limit);
    json events = json::array();
    std::vector<long long> ids;
    while (st.Step()) {
        ids.push_back(st.Int(0));
        json e{{"idempotency_key", st.Text(6)},
               {"entity", st.Text(1)},
               {"entity_id", st.Text(2)},
               {"op", st.Text(3)},
               {"base_version", st.Int(5)}};
        if (e["op"] != "delete")
            e["payload"] = json::parse(st.Text(4));
        events.push_back(e);
    }
    for (long long id : ids) {
        Statement mark(store, "UPDATE sync_outbox SET in_flight = 1 WHERE id = ?");
        mark.Bind(1, id);
        mark.Step();
    }
    tx.Commit();
    return events;
}

void ReleaseBatch(LocalStore &store, const json &events, const BackoffPolicy &policy, double retry_after,
                  double now, std::mt19937_64 &rng) {
    Transaction tx(store);
    for (const auto &e : events) {
        Statement st(store, "SELECT retry_count FROM sync_outbox WHERE idempotency_key = ?");
        st.Bind(1, e["idempotency_key"].get<std::string>());
        if (!st.Step())
            continue;
        long long attempts = st.Int(0) + 1;
        Statement up(store, "UPDATE sync_outbox SET in_flight = 0, retry_count = ?, next_retry_at = ?"
                            " WHERE idempotency_key = ?");
        up.Bind(1, attempts)
            .Bind(2, now + BackoffDelay(policy, (int)attempts, retry_after, rng))
            .Bind(3, e["idempotency_key"].get<std::string>());
        up.Step();
    }
    tx.Commit();
}

struct OutboxEvent {
    bool found = false;
    std::string entity, entity_id, payload;
};

// Removes an answered event; returns what it was.
static OutboxEvent TakeAnswered(LocalStore &store, const std::string &key) {
    Statement st(store,
                 "SELECT entity_type, entity_id, payload_json FROM sync_outbox WHERE idempotency_key = ?");
    st.Bind(1, key);
    OutboxEvent e;
    if (st.Step()) {
        e = {true, st.Text(0), st.Text(1), st.Text(2)};
        Statement del(store, "DELETE FROM sync_outbox WHERE idempotency_key = ?");
        del.Bind(1, key);
        del.Step();
    }
    return e;
}

static bool HasQueuedEvent(LocalStore &store, const std::string &entity, const std::string &id) {
    Statement st(store, "SELECT 1 FROM sync_outbox WHERE entity_type = ? AND entity_id = ? LIMIT 1");
    st.Bind(1, entity).Bind(2, id);
    return st.Step();
}

// Stores a server record as the synced local row.
static void StoreServerRecord(LocalStore &store, const std::string &entity, const json &record) {
    std::string sql =
        "INSERT INTO " + entity +
        " (id, shop_id, version, updated_at, deleted_at, data, sync_state) VALUES (?, ?, ?, ?, ?, ?,"
        " 'synced') ON CONFLICT (id) DO UPDATE SET shop_id = excluded.shop_id,"
        " version = excluded.version, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at,"
        " data = excluded.data, sync_state = 'synced', last_error = NULL";
    Statement st(store, sql.c_str());
    auto text = [&](const char *k) {
        return record.contains(k) && record[k].is_string() ? record[k].get<std::string>() : "";
    };
    st.Bind(1, text("id"))
        .Bind(2, text("shop_id"))
        .Bind(3, record.value("version", 0LL))
        .Bind(4, text("updated_at"));
    if (record.contains("deleted_at") && record["deleted_at"].is_string())
        st.Bind(5, record["deleted_at"].get<std::string>());
    else
        st.BindNull(5);
    st.Bind(6, record.dump());
    st.Step();
}

void ApplyPushResponse(LocalStore &store, const json &response) {
    Transaction tx(store);
    for (const auto &a : response.value("accepted", json::array())) {
        OutboxEvent e = TakeAnswered(store, a.value("idempotency_key", ""));
        if (!e.found)
            continue;
        // Synced only when nothing newer waits for the row; the pull brings the server's image.
        std::string state = HasQueuedEvent(store, e.entity, e.entity_id) ? "sync_state" : "'synced'";
        std::string sql = "UPDATE " + e.entity + " SET version = ?, sync_state = " + state +
                          ", last_error = NULL WHERE id = ?";
        Statement st(store, sql.c_str());
        st.Bind(1, a.value("version", 0LL)).Bind(2, e.entity_id);
        st.Step();
    }
    for (const auto &c : response.value("conflicts", json::array())) {
        OutboxEvent e = TakeAnswered(store, c.value("idempotency_key", ""));
        if (!e.found)
            continue;
        StoreServerRecord(store, e.entity, c["server_record"]); // server wins
        Statement st(store,
                     "INSERT INTO sync_conflicts (entity_type, entity_id, local_payload, server_record,"
                     " created_at) VALUES (?, ?, ?, ?, ?)");
        st.Bind(1, e.entity)
            .Bind(2, e.entity_id)
            .Bind(3, e.payload)
            .Bind(4, c["server_record"].dump())
            .Bind(5, Now());
        st.Step();
    }
    for (const auto &r : response.value("rejected", json::array())) {
        OutboxEvent e = TakeAnswered(store, r.value("idempotency_key", ""));
        if (!e.found)
            continue;
        std::string sql = "UPDATE " + e.entity + " SET sync_state = 'failed', last_error = ? WHERE id = ?";
        Statement st(store, sql.c_str());
        st.Bind(1, r.value("reason", "rejected") + ": " + r.value("message", "")).Bind(2, e.entity_id);
        st.Step();
    }
    tx.Commit();
}

int ApplyPullPage(LocalStore &store, const json &page) {
    Transaction tx(store);
    int applied = 0;
    for (const auto &change : page.value("changes", json::array())) {
        std::string entity = change.value("entity", "");
        bool known = false;
        for (const auto &e : LocalEntities())
            known = known || e == entity;
        if (!known)
            continue; // an entity this client does not keep
        std::string id = change.value("entity_id", "");
        std::string sql = "SELECT version, sync_state FROM " + entity + " WHERE id = ?";
        Statement st(store, sql.c_str());
        st.Bind(1, id);
        if (st.Step()) {
            std::string state = st.Text(1);
            bool pending = state.rfind("pending_", 0) == 0 || HasQueuedEvent(store, entity, id);
            if (pending || st.Int(0) > change.value("version", 0LL))
                continue; // the push decides; or we already hold something newer
        }
        StoreServerRecord(store, entity, change["payload"]);
        applied++;
    }
    store.Put("cursor", std::to_string(page.value("cursor", 0LL)));
    tx.Commit();
    return applied;
}

} // namespace shopsync::client
