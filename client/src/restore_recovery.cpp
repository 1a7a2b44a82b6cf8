// client/src/restore_recovery.cpp — see restore_recovery.hpp for the rules.
#include "restore_recovery.hpp"

#include "failed_writes.hpp"
#include "sqlite_statement.hpp"

#include <chrono>
#include <cstdio>

namespace shopsync::client {

using json = nlohmann::json;

std::string AnswerRestoreEpoch(const json &answer) {
    return answer.is_object() && answer.contains("restore_epoch") && answer["restore_epoch"].is_string()
               ? answer["restore_epoch"].get<std::string>()
               : "";
}

bool NoteRestoreEpoch(LocalStore &store, const json &answer) {
    std::string epoch = AnswerRestoreEpoch(answer);
    if (epoch.empty())
        return false;
    std::string adopted = store.Get("restore_epoch");
    if (adopted.empty()) { // the first server this device met: nothing to give back
        store.Put("restore_epoch", epoch);
        return false;
    }
    if (epoch == adopted || epoch == store.Get("restore_target"))
        return false;
    store.Put("restore_target", epoch);
    return true;
}

std::string RecoveryTarget(LocalStore &store) {
    return store.Get("restore_target");
}

// 64-bit FNV-1a, finished with splitmix64's mixer (the two halves of a key).
static uint64_t Hash64(const std::string &text, uint64_t seed) {
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

std::string RecoveryKey(const std::string &shop, const std::string &entity, const std::string &id,
                        long long version, const std::string &op) {
    std::string text =
        "shopsync restore/" + shop + "/" + entity + "/" + id + "/" + std::to_string(version) + "/" + op;
    uint64_t a = Hash64(text, 0), b = Hash64(text, 0x9e3779b97f4a7c15ULL);
    char out[37];
    snprintf(out, sizeof(out), "%08x-%04x-5%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)((b >> 48) & 0x3fff) | 0x8000,
             (unsigned long long)(b & 0xffffffffffffULL));
    return out;
}

// The columns a client may send: the row without what the server owns.
static json ClientColumns(const json &row) {
    json out = row.is_object() ? row : json::object();
    for (const char *owned : {"id", "shop_id", "version", "updated_at", "deleted_at"})
        out.erase(owned);
    return out;
}

// Every column the device holds has the server's value (numbers compared as numbers).
static bool SameColumns(const json &local, const json &server) {
    for (auto it = local.begin(); it != local.end(); ++it) {
        if (!server.contains(it.key()))
            return false;
        const json &s = server[it.key()];
        if (it->is_number() && s.is_number()) {
            if (it->get<double>() != s.get<double>())
                return false;
        } else if (*it != s) {
            return false;
        }
    }
    return true;
}

struct LocalRecord {
    std::string id;
    long long version = 0;
    bool deleted = false;
    std::string state;
    json data;
};

static std::vector<LocalRecord> LocalRows(LocalStore &store, const std::string &entity) {
    std::string sql = "SELECT id, version, deleted_at IS NOT NULL, sync_state, data FROM " + entity +
                      " WHERE sync_state <> 'failed' ORDER BY id";
    Statement st(store, sql.c_str());
    std::vector<LocalRecord> rows;
    while (st.Step())
        rows.push_back({st.Text(0), st.Int(1), st.Int(2) != 0, st.Text(3), json::parse(st.Text(4))});
    return rows;
}

struct NewEvent {
    std::string entity, id, op;
    json payload;
    long long base_version;
    std::string key;
};

static double Now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Moves a row's queued events onto the server's version when the first is
// based on one the server lacks. The server cannot have applied them (the
// restored server's history is a prefix of the one they were based on), so
// their keys stay. A create is left alone: if the server has it, its key replays.
static bool RebaseQueued(LocalStore &store, const std::string &shop, const std::string &entity,
                         const LocalRecord &row, const ServerRow *server) {
    Statement st(store, "SELECT id, op, base_version FROM sync_outbox WHERE entity_type = ? AND entity_id = ?"
                        " ORDER BY id");
    st.Bind(1, entity).Bind(2, row.id);
    struct Queued {
        long long id;
        std::string op;
        long long base;
    };
    std::vector<Queued> events;
    while (st.Step())
        events.push_back({st.Int(0), st.Text(1), st.Int(2)});
    if (events.empty() || events[0].op == "create" || (server && events[0].base <= server->version))
        return false;
    // The first event carries the row's columns: the acknowledged state the
    // server lost, with this device's edits on top; the rest chain after it.
    const Queued &first = events[0];
    std::string op = !server ? "create" : first.op;
    long long base = server ? server->version : 0;
    Statement up(store, "UPDATE sync_outbox SET op = ?, base_version = ?, payload_json = ? WHERE id = ?");
    up.Bind(1, op).Bind(2, base).Bind(3, (op == "delete" ? json::object() : ClientColumns(row.data)).dump());
    up.Bind(4, first.id);
    up.Step();
    long long next = base + 1;
    if (!server && first.op == "delete") { // a delete of a row the server lacks: create, then delete
        Statement del(store,
                      "INSERT INTO sync_outbox (entity_type, entity_id, op, payload_json, base_version,"
                      " idempotency_key, created_at) VALUES (?, ?, 'delete', '{}', 1, ?, ?)");
        del.Bind(1, entity).Bind(2, row.id).Bind(3, RecoveryKey(shop, entity, row.id, row.version, "delete"));
        del.Bind(4, Now());
        del.Step();
        next = 2;
    }
    for (size_t i = 1; i < events.size(); i++) {
        Statement chain(store, "UPDATE sync_outbox SET base_version = ? WHERE id = ?");
        chain.Bind(1, next++).Bind(2, events[i].id);
        chain.Step();
    }
    std::string sql = "UPDATE " + entity + " SET version = ?, sync_state = ? WHERE id = ?";
    Statement ver(store, sql.c_str());
    ver.Bind(1, base).Bind(2, std::string(!server ? "pending_create" : row.state)).Bind(3, row.id);
    ver.Step();
    return true;
}

RecoveryCounts QueueRecovery(LocalStore &store, const std::vector<std::string> &entities,
                             const ServerRows &server) {
    RecoveryCounts counts;
    std::string shop = store.Get("shop_id");
    std::vector<NewEvent> writes, deletes; // deletes go last, children first
    Transaction tx(store);
    for (const auto &entity : entities) {
        auto by_entity = server.find(entity);
        for (const auto &row : LocalRows(store, entity)) {
            const ServerRow *s = nullptr;
            if (by_entity != server.end()) {
                auto found = by_entity->second.find(row.id);
                if (found != by_entity->second.end())
                    s = &found->second;
            }
            if (row.state != "synced") {
                if (RebaseQueued(store, shop, entity, row, s))
                    counts.rebased++;
                continue;
            }
            json columns = ClientColumns(row.data);
            if (s && (s->version >= row.version || s->deleted ||
                      (SameColumns(columns, ClientColumns(s->row)) && s->deleted == row.deleted))) {
                counts.kept++;
                continue;
            }
            if (!s && row.deleted) {
                writes.push_back({entity, row.id, "create", columns, 0,
                                  RecoveryKey(shop, entity, row.id, row.version, "create")});
                deletes.push_back({entity, row.id, "delete", json::object(), 1,
                                   RecoveryKey(shop, entity, row.id, row.version, "delete")});
            } else if (!s) {
                writes.push_back({entity, row.id, "create", columns, 0,
                                  RecoveryKey(shop, entity, row.id, row.version, "create")});
            } else if (row.deleted) {
                deletes.push_back({entity, row.id, "delete", json::object(), s->version,
                                   RecoveryKey(shop, entity, row.id, row.version, "delete")});
            } else {
                writes.push_back({entity, row.id, "update", columns, s->version,
                                  RecoveryKey(shop, entity, row.id, row.version, "update")});
            }
            counts.reuploaded++;
            // Pending until the server answers: a rebuild keeps it, an edit chains on it.
            std::string sql = "UPDATE " + entity + " SET sync_state = ?, version = ? WHERE id = ?";
            Statement st(store, sql.c_str());
            st.Bind(1, std::string(!s            ? "pending_create"
                                   : row.deleted ? "pending_delete"
                                                 : "pending_update"))
                .Bind(2, s ? s->version : 0LL)
                .Bind(3, row.id);
            st.Step();
        }
    }
    writes.insert(writes.end(), deletes.rbegin(), deletes.rend());
    json given_back = json::parse(store.Get("restore_keys", "[]"), nullptr, false);
    if (!given_back.is_array())
        given_back = json::array();
    for (const auto &e : writes)
        given_back.push_back({{"entity", e.entity}, {"id", e.id}, {"key", e.key}});
    store.Put("restore_keys", given_back.dump());
    if (!writes.empty()) {
        // In front of the outbox: an event queued offline may name a row given back here.
        long long n = (long long)writes.size();
        Statement first(store, "SELECT coalesce(min(id), 1) FROM sync_outbox");
        first.Step();
        long long start = first.Int(0);
        store.Exec("UPDATE sync_outbox SET id = -id");
        Statement shift(store, "UPDATE sync_outbox SET id = -id + ?");
        shift.Bind(1, n);
        shift.Step();
        Statement ins(store,
                      "INSERT INTO sync_outbox (id, entity_type, entity_id, op, payload_json, base_version,"
                      " idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        for (long long i = 0; i < n; i++) {
            const NewEvent &e = writes[(size_t)i];
            ins.Bind(1, start + i)
                .Bind(2, e.entity)
                .Bind(3, e.id)
                .Bind(4, e.op)
                .Bind(5, e.payload.dump())
                .Bind(6, e.base_version)
                .Bind(7, e.key)
                .Bind(8, Now());
            ins.Step();
            ins.Reset();
        }
    }
    tx.Commit();
    return counts;
}

void SettleRecovery(LocalStore &store) {
    json given_back = json::parse(store.Get("restore_keys", "[]"), nullptr, false);
    if (!given_back.is_array())
        return;
    Transaction tx(store);
    for (const auto &g : given_back) {
        std::string entity = g.value("entity", ""), id = g.value("id", ""), key = g.value("key", "");
        // Another device gave the same version back first, with its own copy
        // of the columns: the server has it.
        Statement failed(store, "SELECT id FROM sync_failed WHERE idempotency_key = ?"
                                " AND reason = 'idempotency_key_reused'");
        failed.Bind(1, key);
        if (failed.Step()) {
            long long failure = failed.Int(0);
            DiscardFailed(store, failure);
        }
        // A conflict whose server record already holds this device's columns is no conflict.
        Statement conflicts(store, "SELECT id, local_payload, server_record FROM sync_conflicts"
                                   " WHERE entity_type = ? AND entity_id = ? AND dismissed = 0");
        conflicts.Bind(1, entity).Bind(2, id);
        std::vector<long long> settled;
        while (conflicts.Step()) {
            json local = json::parse(conflicts.Text(1), nullptr, false);
            json server = json::parse(conflicts.Text(2), nullptr, false);
            if (local.is_object() && server.is_object() &&
                SameColumns(ClientColumns(local), ClientColumns(server)))
                settled.push_back(conflicts.Int(0));
        }
        for (long long c : settled) {
            Statement del(store, "DELETE FROM sync_conflicts WHERE id = ?");
            del.Bind(1, c);
            del.Step();
        }
    }
    tx.Commit();
}

void FinishRecovery(LocalStore &store, const std::string &epoch, const RecoveryCounts &counts) {
    Transaction tx(store);
    store.Put("restore_epoch", epoch);
    store.Put("restore_target", "");
    store.Put("restore_keys", "[]");
    store.Put("last_restore_recovery", json{{"epoch", epoch},
                                            {"reuploaded", counts.reuploaded},
                                            {"rebased", counts.rebased},
                                            {"kept", counts.kept},
                                            {"at", Now()}}
                                           .dump());
    tx.Commit();
}

} // namespace shopsync::client
