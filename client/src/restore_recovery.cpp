// client/src/restore_recovery.cpp — see restore_recovery.hpp for the rules.
#include "restore_recovery.hpp"

#include "failed_writes.hpp"
#include "permission_check.hpp"
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
    json image; // the server's row as this device last knew it (server_data), or null
};

static std::vector<LocalRecord> LocalRows(LocalStore &store, const std::string &entity) {
    std::string sql = "SELECT id, version, deleted_at IS NOT NULL, sync_state, data, server_data FROM " +
                      entity + " WHERE sync_state <> 'failed' ORDER BY id";
    Statement st(store, sql.c_str());
    std::vector<LocalRecord> rows;
    while (st.Step())
        rows.push_back({st.Text(0), st.Int(1), st.Int(2) != 0, st.Text(3), json::parse(st.Text(4)),
                        st.IsNull(5) ? json() : json::parse(st.Text(5), nullptr, false)});
    return rows;
}

static double Now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What a re-upload may send: the client's columns without those the server
// computes (sync_health's generated_columns).
static json UploadColumns(LocalStore &store, const std::string &entity, const json &row) {
    json out = ClientColumns(row);
    json generated = json::parse(store.Get("generated_columns", "{}"), nullptr, false);
    if (generated.is_object() && generated.contains(entity) && generated[entity].is_array())
        for (const auto &column : generated[entity])
            if (column.is_string())
                out.erase(column.get<std::string>());
    return out;
}

// Whether this device's role may make the write (the offline pre-check): a
// delete a staff device only pulled is given back by a device that may.
static bool Allowed(LocalStore &store, const std::string &entity, const std::string &op, const json &row) {
    try {
        CheckAllowed(store, entity, op, row, op == "delete" ? json::object() : ClientColumns(row), false);
        return true;
    } catch (const ClientError &) {
        return false;
    }
}

struct NewEvent {
    std::string entity, id, op;
    json payload;
    long long base_version;
    std::string key;
};

// Moves a row's queued events onto the server's version when the first is
// based on one the server lacks. The server cannot have applied them (the
// restored server's history is a prefix of the one they were based on), so
// their keys stay. The acknowledged state they were based on is given back
// first, as every device holding it gives it back (same key, same columns),
// and they chain after it. A create is left alone: if the server has it, its
// key replays.
static bool RebaseQueued(LocalStore &store, const std::string &shop, const std::string &entity,
                         const LocalRecord &row, const ServerRow *server, std::vector<NewEvent> *writes) {
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
    long long acknowledged = events[0].base;
    json image = row.image.is_object() ? row.image : row.data;
    bool image_deleted = image.contains("deleted_at") && !image["deleted_at"].is_null();
    long long next = server ? server->version : 0;
    if (!(server && server->deleted)) {
        if (!server) {
            writes->push_back({entity, row.id, "create", UploadColumns(store, entity, image), 0,
                               RecoveryKey(shop, entity, row.id, acknowledged, "create")});
            next = 1;
        } else {
            writes->push_back({entity, row.id, "update", UploadColumns(store, entity, image), server->version,
                               RecoveryKey(shop, entity, row.id, acknowledged, "update")});
            next = server->version + 1;
        }
        if (image_deleted && Allowed(store, entity, "delete", image)) {
            writes->push_back({entity, row.id, "delete", json::object(), next,
                               RecoveryKey(shop, entity, row.id, acknowledged, "delete")});
            next++;
        }
    }
    for (const auto &e : events) {
        Statement chain(store, "UPDATE sync_outbox SET base_version = ? WHERE id = ?");
        chain.Bind(1, next++).Bind(2, e.id);
        chain.Step();
    }
    std::string sql = "UPDATE " + entity + " SET version = ? WHERE id = ?";
    Statement ver(store, sql.c_str());
    ver.Bind(1, next - (long long)events.size()).Bind(2, row.id);
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
                if (RebaseQueued(store, shop, entity, row, s, &writes))
                    counts.rebased++;
                continue;
            }
            json columns = UploadColumns(store, entity, row.data);
            if (s && (s->version >= row.version || s->deleted ||
                      (SameColumns(columns, ClientColumns(s->row)) && s->deleted == row.deleted))) {
                counts.kept++;
                continue;
            }
            if (row.deleted && !Allowed(store, entity, "delete", row.data)) {
                // A device that may delete gives the delete back; this one takes
                // the server's row at the rebuild (a create alone would revive it).
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

void ForgetSyncedVersions(LocalStore &store, const std::vector<std::string> &entities) {
    Transaction tx(store);
    for (const auto &entity : entities)
        store.Exec("UPDATE " + entity + " SET version = 0 WHERE sync_state = 'synced'");
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
