// client/src/local_store.cpp — schema and migrations.
//
// Migrations are numbered and applied in order inside one transaction each;
// PRAGMA user_version records the newest applied. Never edit a released one:
// add the next.
#include "local_store.hpp"

namespace shopsync::client {

const std::vector<std::string> &BuiltInEntities() {
    static const std::vector<std::string> kEntities = {"customers", "orders", "order_items", "shop_settings"};
    return kEntities;
}

// Each entity table keeps the server's row as JSON (`data`) beside the sync
// columns, so a column the server adds later reaches the device unchanged.
// From schema v5 on, `server_data` keeps the server's image of a row the user
// changed locally (NULL while the row is synced: then `data` is the server's),
// so a refused write can show, and fall back to, what the server holds.
static std::string EntityTable(const std::string &entity, bool with_server_image = true) {
    return "CREATE TABLE " + entity +
           " (id TEXT PRIMARY KEY, shop_id TEXT, version INTEGER NOT NULL DEFAULT 0,"
           " updated_at TEXT, deleted_at TEXT, data TEXT NOT NULL,"
           " sync_state TEXT NOT NULL CHECK (sync_state IN"
           " ('pending_create', 'pending_update', 'pending_delete', 'synced', 'failed')),"
           " last_error TEXT" +
           std::string(with_server_image ? ", server_data TEXT" : "") + ");";
}

// v5 for one entity table: the server image column, and a failure record for
// a row a former version left failed (its attempt is the row's data).
static std::string ServerImageMigration(const std::string &entity) {
    return "ALTER TABLE " + entity +
           " ADD COLUMN server_data TEXT;"
           "INSERT OR IGNORE INTO sync_failed (entity_type, entity_id, op, payload_json, base_version, "
           "reason,"
           " message, failed_at) SELECT '" +
           entity +
           "', id, CASE WHEN version = 0 THEN 'create' ELSE 'update' END,"
           " json_remove(data, '$.id', '$.shop_id', '$.version', '$.updated_at', '$.deleted_at'), version,"
           " 'rejected', coalesce(last_error, ''), strftime('%s', 'now') FROM " +
           entity + " WHERE sync_state = 'failed';";
}

static const std::vector<std::string> &Migrations() {
    static const std::vector<std::string> kMigrations = [] {
        std::string v1;
        for (const auto &e : BuiltInEntities())
            v1 += EntityTable(e, false);
        v1 += "CREATE TABLE sync_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT NOT NULL,"
              " entity_id TEXT NOT NULL, op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),"
              " payload_json TEXT NOT NULL, base_version INTEGER NOT NULL, idempotency_key TEXT NOT NULL "
              "UNIQUE,"
              " created_at REAL NOT NULL, retry_count INTEGER NOT NULL DEFAULT 0, next_retry_at REAL,"
              " in_flight INTEGER NOT NULL DEFAULT 0);"
              "CREATE INDEX sync_outbox_entity ON sync_outbox (entity_type, entity_id);"
              "CREATE TABLE sync_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
              "CREATE TABLE sync_conflicts (id INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT NOT NULL,"
              " entity_id TEXT NOT NULL, local_payload TEXT NOT NULL, server_record TEXT NOT NULL,"
              " created_at REAL NOT NULL, dismissed INTEGER NOT NULL DEFAULT 0);"
              "INSERT INTO sync_kv VALUES ('cursor', '0');";
        // v2: an owner's explicit override (e.g. an order status moved back) rides on its event.
        std::string v2 = "ALTER TABLE sync_outbox ADD COLUMN override INTEGER NOT NULL DEFAULT 0;";
        // v3: rows waiting or failed are few; status and the pull find them without a scan.
        std::string v3;
        for (const auto &e : BuiltInEntities())
            v3 += "CREATE INDEX " + e + "_unsynced ON " + e + " (sync_state) WHERE sync_state <> 'synced';";
        // v4: the entities this device keeps, so any table the server syncs can be added.
        std::string v4 = "CREATE TABLE sync_entities (name TEXT PRIMARY KEY);";
        for (const auto &e : BuiltInEntities())
            v4 += "INSERT INTO sync_entities VALUES ('" + e + "');";
        // v5 (issue 10): an event that may have reached the server is never folded
        // (`sent`); write groups; refused writes kept apart from the rows
        // (sync_failed: one open failure per row, until retried or discarded);
        // server images on the entity tables (added per entity in Migrate).
        std::string v5 = "ALTER TABLE sync_outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;"
                         "UPDATE sync_outbox SET sent = 1 WHERE in_flight <> 0;"
                         "ALTER TABLE sync_outbox ADD COLUMN group_id TEXT;"
                         "CREATE TABLE sync_failed (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                         " entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,"
                         " op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),"
                         " payload_json TEXT NOT NULL, base_version INTEGER NOT NULL,"
                         " override INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL, message TEXT NOT NULL,"
                         " cause TEXT, group_id TEXT, idempotency_key TEXT, failed_at REAL NOT NULL,"
                         " UNIQUE (entity_type, entity_id));";
        return std::vector<std::string>{v1, v2, v3, v4, v5};
    }();
    return kMigrations;
}

LocalStore::LocalStore(const std::string &path) {
    if (path.empty())
        throw ClientError("a database path is required");
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw ClientError("cannot open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
    Exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
    Migrate();
}

LocalStore::~LocalStore() {
    if (db_ != nullptr)
        sqlite3_close(db_);
}

void LocalStore::Exec(const std::string &sql) {
    char *error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        throw ClientError(message);
    }
}

int LocalStore::schema_version() {
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr);
    int version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return version;
}

void LocalStore::Migrate() {
    const auto &migrations = Migrations();
    int current = schema_version();
    if (current > (int)migrations.size())
        throw ClientError("this database was written by a newer client (schema " + std::to_string(current) +
                          ")");
    for (int v = current; v < (int)migrations.size(); v++) {
        Transaction tx(*this);
        Exec(migrations[v]);
        if (v + 1 == 5) // every entity table, the ones added at run time too
            for (const auto &entity : Entities())
                Exec(ServerImageMigration(entity));
        Exec("PRAGMA user_version = " + std::to_string(v + 1));
        tx.Commit();
    }
}

std::string LocalStore::Get(const std::string &key, const std::string &fallback) {
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT value FROM sync_kv WHERE key = ?", -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    std::string value = fallback;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = (const char *)sqlite3_column_text(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

void LocalStore::Put(const std::string &key, const std::string &value) {
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db_,
                       "INSERT INTO sync_kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value "
                       "= excluded.value",
                       -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, value.c_str(), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        throw ClientError(sqlite3_errmsg(db_));
}

static bool PlainName(const std::string &name) {
    if (name.empty() || name.size() > 63 || !islower((unsigned char)name[0]) || name.rfind("sync_", 0) == 0 ||
        name.rfind("sqlite_", 0) == 0)
        return false;
    for (char c : name)
        if (!islower((unsigned char)c) && !isdigit((unsigned char)c) && c != '_')
            return false;
    return true;
}

std::vector<std::string> LocalStore::Entities() {
    std::vector<std::string> names;
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT name FROM sync_entities ORDER BY rowid", -1, &stmt, nullptr);
    while (sqlite3_step(stmt) == SQLITE_ROW)
        names.emplace_back((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return names;
}

bool LocalStore::HasEntity(const std::string &name) {
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT 1 FROM sync_entities WHERE name = ?", -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
}

void LocalStore::AddEntity(const std::string &name) {
    if (!PlainName(name))
        throw ClientError("\"" + name + "\" cannot be a local entity name", SHOPSYNC_INVALID);
    if (HasEntity(name))
        return;
    // Savepoint: works inside the caller's transaction or alone.
    Exec("SAVEPOINT add_entity");
    try {
        Exec(EntityTable(name) + "CREATE INDEX " + name + "_unsynced ON " + name +
             " (sync_state) WHERE sync_state <> 'synced';INSERT INTO sync_entities VALUES ('" + name + "');");
        Exec("RELEASE add_entity");
    } catch (...) {
        Exec("ROLLBACK TO add_entity; RELEASE add_entity");
        throw;
    }
}

Transaction::Transaction(LocalStore &store) : store_(store) {
    store_.Exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!done_) {
        char *error = nullptr;
        sqlite3_exec(store_.db(), "ROLLBACK", nullptr, nullptr, &error);
        sqlite3_free(error);
    }
}

void Transaction::Commit() {
    store_.Exec("COMMIT");
    done_ = true;
}

} // namespace shopsync::client
