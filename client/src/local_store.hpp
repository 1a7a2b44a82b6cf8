// client/src/local_store.hpp — the device's SQLite database: entity tables with
// sync columns, the sync_outbox, a key-value table (cursor, device id, tokens),
// conflict records for the UI's banner; versioned migrations; WAL.
#pragma once

#include "client_error.hpp"
#include "shopsync/shopsync.h"

#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace shopsync::client {

// sync_outbox.in_flight holds when the running sync round took the event
// (unix seconds; 0 when queued). Rounds of one database never overlap (a lock
// held by the live process: RoundLock), so an event still in flight when a
// round starts was left by a round that died: it is queued again at once, with
// its key (a resend is safe). sync_outbox.sent stays 1 once an event may have
// reached the server: it is then never folded into or dropped locally.

// The server's built-in entities, which every local database starts with.
// Others (any table the server syncs with shopsync.enable_sync) are added
// when the server lists them or a change of one arrives: LocalStore::AddEntity.
const std::vector<std::string> &BuiltInEntities();

class LocalStore {
  public:
    // Opens (creating if needed) and migrates to the newest schema version.
    explicit LocalStore(const std::string &path);
    ~LocalStore();
    LocalStore(const LocalStore &) = delete;
    LocalStore &operator=(const LocalStore &) = delete;

    int schema_version();
    sqlite3 *db() { return db_; }

    // Runs SQL without results; throws ClientError with SQLite's message.
    void Exec(const std::string &sql);
    std::string Get(const std::string &key, const std::string &fallback = "");
    void Put(const std::string &key, const std::string &value);

    // The entities this device keeps, and adding one (its table with the sync
    // columns; idempotent). A name must be a plain lower-case identifier not
    // starting with "sync_" or "sqlite_", else ClientError(SHOPSYNC_INVALID).
    std::vector<std::string> Entities();
    bool HasEntity(const std::string &name);
    void AddEntity(const std::string &name);

  private:
    void Migrate();
    sqlite3 *db_ = nullptr;
};

// RAII transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK if not committed).
class Transaction {
  public:
    explicit Transaction(LocalStore &store);
    ~Transaction();
    void Commit();

  private:
    LocalStore &store_;
    bool done_ = false;
};

} // namespace shopsync::client
