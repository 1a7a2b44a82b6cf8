// client/src/apply.cpp — see apply.hpp.
#include "apply.hpp"

#include "sqlite_statement.hpp"

#include "failed_writes.hpp"
#include "outbox.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

namespace shopsync::client {

using json = nlohmann::json;

static double Now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void RequeueStranded(LocalStore &store) {
    store.Exec("UPDATE sync_outbox SET in_flight = 0 WHERE in_flight <> 0");
}

json TakeBatch(LocalStore &store, int limit, double now) {
    Transaction tx(store);
    // Oldest first, and strictly in order: when the oldest waits out a backoff,
    // everything behind it waits too (an update must not overtake its create).
    // A write group is never split: one cut by the limit waits for the next
    // batch, unless it comes first (then it goes whole; groups hold at most
    // kMaxGroupSize events). Rows past the limit are read to see the cut.
    Statement st(
        store, "SELECT id, entity_type, entity_id, op, payload_json, base_version, idempotency_key,"
               " next_retry_at, override, group_id FROM sync_outbox WHERE in_flight = 0 ORDER BY id LIMIT ?");
    st.Bind(1, (long long)limit + kMaxGroupSize);
    json events = json::array();
    std::vector<long long> ids;
    std::vector<std::string> groups;
    while (st.Step()) {
        std::string group = st.IsNull(9) ? "" : st.Text(9);
        bool due = st.IsNull(7) || st.Real(7) <= now;
        bool continues_group = !group.empty() && !groups.empty() && groups.back() == group;
        if ((int)ids.size() >= limit && !continues_group)
            break;
        if (!due && !continues_group) // a group's later events ride with its first
            break;
        ids.push_back(st.Int(0));
        groups.push_back(group);
        json e{{"idempotency_key", st.Text(6)},
               {"entity", st.Text(1)},
               {"entity_id", st.Text(2)},
               {"op", st.Text(3)},
               {"base_version", st.Int(5)}};
        if (e["op"] != "delete")
            e["payload"] = json::parse(st.Text(4));
        if (st.Int(8) != 0)
            e["override"] = true;
        if (!group.empty())
            e["group_id"] = group;
        events.push_back(e);
    }
    if ((int)ids.size() > limit) { // the last group was cut by the limit: it waits, unless it is all there is
        std::string cut = groups.back();
        size_t keep = ids.size();
        while (keep > 0 && groups[keep - 1] == cut)
            keep--;
        if (keep > 0) {
            ids.resize(keep);
            events.erase(events.begin() + (long)keep, events.end());
        }
    }
    Statement mark(store, "UPDATE sync_outbox SET in_flight = ?, sent = 1 WHERE id = ?");
    for (long long id : ids) {
        mark.Reset();
        mark.Bind(1, now).Bind(2, id);
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

// Removes an answered event; returns what it was.
static OutboxEvent TakeAnswered(LocalStore &store, const std::string &key) {
    Statement st(store, "SELECT entity_type, entity_id, payload_json, op, base_version, override, group_id"
                        " FROM sync_outbox WHERE idempotency_key = ?");
    st.Bind(1, key);
    OutboxEvent e;
    if (st.Step()) {
        e = {true,      st.Text(0),     st.Text(1), st.Text(2), st.Text(3),
             st.Int(4), st.Int(5) != 0, st.Text(6), key};
        Statement del(store, "DELETE FROM sync_outbox WHERE idempotency_key = ?");
        del.Bind(1, key);
        del.Step();
    }
    return e;
}

// A change of an entity the device does not keep yet: the server syncs it, so
// keep it from now on (a name SQLite cannot take is skipped).
static bool Keep(LocalStore &store, const std::string &entity) {
    if (store.HasEntity(entity))
        return true;
    try {
        store.AddEntity(entity);
        return true;
    } catch (const ClientError &) {
        return false;
    }
}

// Server records written as synced local rows, with one prepared statement per
// entity reused across a page (a snapshot writes 100,000 rows).
class RecordWriter {
  public:
    explicit RecordWriter(LocalStore &store) : store_(store), queued_(store, kQueued) {}

    void Write(const std::string &entity, const json &record) {
        std::string text = record.dump(), deleted_at;
        bool deleted = record.contains("deleted_at") && record["deleted_at"].is_string();
        if (deleted)
            deleted_at = record["deleted_at"].get<std::string>();
        Write(entity, Text(record, "id"), Text(record, "shop_id"), record.value("version", 0LL),
              Text(record, "updated_at"), deleted ? &deleted_at : nullptr, text);
    }
    // A snapshot row as the server sent it: its text becomes `data` unchanged.
    void Write(const std::string &entity, const SnapshotPage &page, const SnapshotRow &row) {
        Write(entity, row.id, row.shop_id, row.version, row.updated_at,
              row.deleted ? &row.deleted_at : nullptr, page.Text(row));
    }

    void Write(const std::string &entity, const std::string &id, const std::string &shop_id,
               long long version, const std::string &updated_at, const std::string *deleted_at,
               std::string_view data) {
        auto &st = upserts_[entity];
        if (!st) {
            std::string sql =
                "INSERT INTO " + entity +
                " (id, shop_id, version, updated_at, deleted_at, data, sync_state) VALUES (?, ?, ?, ?, ?, ?,"
                " 'synced') ON CONFLICT (id) DO UPDATE SET shop_id = excluded.shop_id,"
                " version = excluded.version, updated_at = excluded.updated_at,"
                " deleted_at = excluded.deleted_at, data = excluded.data, sync_state = 'synced',"
                " last_error = NULL, server_data = NULL";
            st = std::make_unique<Statement>(store_, sql.c_str());
        }
        st->Reset();
        st->BindStatic(1, id).BindStatic(2, shop_id).Bind(3, version);
        st->BindStatic(4, updated_at);
        if (deleted_at != nullptr)
            st->BindStatic(5, *deleted_at);
        else
            st->BindNull(5);
        st->BindStatic(6, data);
        st->Step();
    }

    // The local version and whether a local edit waits for the row.
    struct Local {
        bool found = false, pending = false, failed = false;
        long long version = 0;
    };
    Local Read(const std::string &entity, const std::string &id) {
        auto &st = reads_[entity];
        if (!st) {
            std::string sql = "SELECT version, sync_state FROM " + entity + " WHERE id = ?";
            st = std::make_unique<Statement>(store_, sql.c_str());
        }
        st->Reset();
        st->Bind(1, id);
        Local local;
        if (st->Step()) {
            local.found = true;
            local.version = st->Int(0);
            local.pending = st->Text(1).rfind("pending_", 0) == 0;
            local.failed = st->Text(1) == "failed";
        }
        if (!local.pending) {
            queued_.Reset();
            queued_.Bind(1, entity).Bind(2, id);
            local.pending = queued_.Step();
        }
        return local;
    }

    // A row whose own write is still on its way keeps the user's data; the
    // server's image is kept beside it, so that when the write's answer comes
    // (perhaps a replayed one, after the pull or snapshot already passed the
    // row's change) the row can take the server's canonical post-image.
    void WritePendingImage(const std::string &entity, const json &record) {
        WritePendingImage(entity, Text(record, "id"), record.dump());
    }
    void WritePendingImage(const std::string &entity, const std::string &id, std::string_view image) {
        auto &st = pending_images_[entity];
        if (!st) {
            std::string sql = "UPDATE " + entity + " SET server_data = ? WHERE id = ?";
            st = std::make_unique<Statement>(store_, sql.c_str());
        }
        st->Reset();
        st->BindStatic(1, image).BindStatic(2, id);
        st->Step();
    }

    // A row with a refused write keeps the user's attempt; only its server
    // image moves on (shown beside the failure, and what a discard restores).
    void WriteServerImage(const std::string &entity, const json &record) {
        WriteServerImage(entity, Text(record, "id"), record.value("version", 0LL), record.dump());
    }
    void WriteServerImage(const std::string &entity, const std::string &id, long long version,
                          std::string_view image) {
        auto &st = images_[entity];
        if (!st) {
            std::string sql = "UPDATE " + entity + " SET server_data = ?, version = ? WHERE id = ?";
            st = std::make_unique<Statement>(store_, sql.c_str());
        }
        st->Reset();
        st->BindStatic(1, image).Bind(2, version).BindStatic(3, id);
        st->Step();
    }

  private:
    static constexpr const char *kQueued =
        "SELECT 1 FROM sync_outbox WHERE entity_type = ? AND entity_id = ? LIMIT 1";
    static std::string Text(const json &record, const char *key) {
        auto it = record.find(key);
        return it != record.end() && it->is_string() ? it->get<std::string>() : "";
    }
    LocalStore &store_;
    Statement queued_;
    std::map<std::string, std::unique_ptr<Statement>> upserts_, reads_, images_, pending_images_;
};

static bool HasQueuedEvent(LocalStore &store, const std::string &entity, const std::string &id) {
    Statement st(store, "SELECT 1 FROM sync_outbox WHERE entity_type = ? AND entity_id = ? LIMIT 1");
    st.Bind(1, entity).Bind(2, id);
    return st.Step();
}

// The server image kept beside a local row (server_data), or null.
static json ServerImageOf(LocalStore &store, const std::string &entity, const std::string &id) {
    std::string sql = "SELECT server_data FROM " + entity + " WHERE id = ?";
    Statement st(store, sql.c_str());
    st.Bind(1, id);
    if (!st.Step() || st.IsNull(0))
        return nullptr;
    json image = json::parse(st.Text(0), nullptr, false);
    return image.is_discarded() ? json() : image;
}

// One answered event of a push response.
struct Outcome {
    long long outbox_id;
    std::string kind; // accepted | conflicts | rejected
    const json *item;
};

void ApplyPushResponse(LocalStore &store, const json &response) {
    Transaction tx(store);
    RecordWriter writer(store);
    // In outbox order, so a row's events are settled in the order they were made
    // (a refusal first, then what was queued behind it joins the failure).
    std::vector<Outcome> outcomes;
    Statement find(store, "SELECT id FROM sync_outbox WHERE idempotency_key = ?");
    for (const char *kind : {"accepted", "conflicts", "rejected"}) {
        auto list = response.find(kind);
        if (list == response.end() || !list->is_array())
            continue;
        for (const auto &item : *list) {
            find.Reset();
            find.Bind(1, item.value("idempotency_key", ""));
            if (find.Step())
                outcomes.push_back({find.Int(0), kind, &item});
        }
    }
    std::sort(outcomes.begin(), outcomes.end(),
              [](const Outcome &a, const Outcome &b) { return a.outbox_id < b.outbox_id; });
    for (const auto &o : outcomes) {
        const json &item = *o.item;
        OutboxEvent e = TakeAnswered(store, item.value("idempotency_key", ""));
        if (!e.found)
            continue;
        bool failed_row = HasFailure(store, e.entity, e.entity_id);
        if (o.kind == "accepted") {
            // Synced only when nothing newer waits for the row and no refusal is
            // open on it; the pull brings the server's image.
            bool keep = failed_row || HasQueuedEvent(store, e.entity, e.entity_id);
            long long version = item.value("version", 0LL);
            json image = keep ? json() : ServerImageOf(store, e.entity, e.entity_id);
            if (image.is_object() && image.value("version", -1LL) == version) {
                writer.Write(e.entity, image); // the server's post-image of this very write
                continue;
            }
            std::string sql = "UPDATE " + e.entity + " SET version = ?" +
                              (keep ? "" : ", sync_state = 'synced', last_error = NULL, server_data = NULL") +
                              " WHERE id = ?";
            Statement st(store, sql.c_str());
            st.Bind(1, version).Bind(2, e.entity_id);
            st.Step();
        } else if (o.kind == "conflicts") {
            json record = item.value("server_record", json::object());
            if (failed_row) // the open refusal stays; the server's row moves on beside it
                writer.WriteServerImage(e.entity, record);
            else
                writer.Write(e.entity, record); // server wins
            Statement st(store,
                         "INSERT INTO sync_conflicts (entity_type, entity_id, local_payload, server_record,"
                         " created_at) VALUES (?, ?, ?, ?, ?)");
            st.Bind(1, e.entity)
                .Bind(2, e.entity_id)
                .Bind(3, e.payload)
                .Bind(4, record.dump())
                .Bind(5, Now());
            st.Step();
        } else {
            RecordFailure(store, e, item.value("reason", "rejected"), item.value("message", ""),
                          item.contains("cause") ? item["cause"] : json());
        }
    }
    tx.Commit();
}

int ApplyPullPage(LocalStore &store, const json &page) {
    Transaction tx(store);
    RecordWriter writer(store);
    int applied = 0;
    for (const auto &change : page.value("changes", json::array())) {
        std::string entity = change.value("entity", "");
        if (!Keep(store, entity))
            continue; // an entity this client cannot keep
        RecordWriter::Local local = writer.Read(entity, change.value("entity_id", ""));
        auto payload = change.find("payload");
        if (local.pending && local.found && !local.failed && payload != change.end() && payload->is_object())
            writer.WritePendingImage(entity, *payload);
        if (local.pending || (local.found && local.version > change.value("version", 0LL)))
            continue; // the push decides; or we already hold something newer
        if (local.failed)
            writer.WriteServerImage(entity, change["payload"]);
        else
            writer.Write(entity, change["payload"]);
        applied++;
    }
    store.Put("cursor", std::to_string(page.value("cursor", 0LL)));
    tx.Commit();
    return applied;
}

bool IsFreshEntity(LocalStore &store, const std::string &entity) {
    Statement queued(store, "SELECT 1 FROM sync_outbox WHERE entity_type = ? LIMIT 1");
    queued.Bind(1, entity);
    if (queued.Step())
        return false;
    if (!store.HasEntity(entity))
        return true;
    std::string sql = "SELECT 1 FROM " + entity + " LIMIT 1";
    Statement any(store, sql.c_str());
    return !any.Step();
}

int ApplySnapshotPage(LocalStore &store, const std::string &entity, const json &rows,
                      std::unordered_set<std::string> &seen, bool fresh) {
    return ApplySnapshotPage(store, entity, SnapshotPageOf(rows), fresh ? nullptr : &seen);
}

int ApplySnapshotPage(LocalStore &store, const std::string &entity, const SnapshotPage &page,
                      std::unordered_set<std::string> *seen) {
    Transaction tx(store);
    store.AddEntity(entity);
    RecordWriter writer(store);
    int applied = 0;
    for (const auto &row : page.rows) {
        if (seen == nullptr) { // fresh: nothing local to weigh the row against
            writer.Write(entity, page, row);
            applied++;
            continue;
        }
        seen->insert(row.id);
        RecordWriter::Local local = writer.Read(entity, row.id);
        if (local.pending && local.found && !local.failed)
            writer.WritePendingImage(entity, row.id, page.Text(row));
        if (local.pending || (local.found && local.version > row.version))
            continue;
        if (local.failed)
            writer.WriteServerImage(entity, row.id, row.version, page.Text(row));
        else
            writer.Write(entity, page, row);
        applied++;
    }
    tx.Commit();
    return applied;
}

int FinishRebuild(LocalStore &store, const std::string &entity, const std::unordered_set<std::string> &seen) {
    std::string sql = "SELECT id FROM " + entity + " WHERE sync_state = 'synced'";
    Statement st(store, sql.c_str());
    std::vector<std::string> gone;
    while (st.Step())
        if (!seen.count(st.Text(0)))
            gone.push_back(st.Text(0));
    std::string del_sql = "DELETE FROM " + entity + " WHERE id = ? AND sync_state = 'synced'";
    Statement del(store, del_sql.c_str());
    for (const auto &id : gone) {
        del.Reset();
        del.Bind(1, id);
        del.Step();
    }
    return (int)gone.size();
}

void WriteServerRecord(LocalStore &store, const std::string &entity, const json &record) {
    RecordWriter(store).Write(entity, record);
}

void ReturnBatch(LocalStore &store, const json &events) {
    Transaction tx(store);
    Statement st(store, "UPDATE sync_outbox SET in_flight = 0 WHERE idempotency_key = ?");
    for (const auto &e : events) {
        st.Reset();
        st.Bind(1, e["idempotency_key"].get<std::string>());
        st.Step();
    }
    tx.Commit();
}

void RejectBatch(LocalStore &store, const json &events, const std::string &reason,
                 const std::string &message) {
    json response{{"accepted", json::array()}, {"conflicts", json::array()}, {"rejected", json::array()}};
    for (const auto &e : events)
        response["rejected"].push_back(
            {{"idempotency_key", e["idempotency_key"]}, {"reason", reason}, {"message", message}});
    ApplyPushResponse(store, response);
}

} // namespace shopsync::client

namespace shopsync::client {

int RejectAllQueued(LocalStore &store, const std::string &reason, const std::string &message) {
    json response{{"accepted", json::array()}, {"conflicts", json::array()}, {"rejected", json::array()}};
    {
        Statement st(store, "SELECT idempotency_key FROM sync_outbox ORDER BY id");
        while (st.Step())
            response["rejected"].push_back(
                {{"idempotency_key", st.Text(0)}, {"reason", reason}, {"message", message}});
    }
    if (!response["rejected"].empty())
        ApplyPushResponse(store, response);
    return (int)response["rejected"].size();
}

} // namespace shopsync::client
