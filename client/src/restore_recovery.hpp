// client/src/restore_recovery.hpp — after the server was restored from a
// backup, what this device gives back (DESIGN §8.10).
//
// Every answer of a 0.2.0 server carries its restore epoch, new after every
// restore (sql/src/70_restore_epoch.sql). A device remembers the first one it
// sees; when an answer brings another, the server may have lost writes this
// device holds as synced. Before anything of the restored server is applied,
// the device compares its rows with the server's (a snapshot) and queues, in
// front of its outbox:
//   * a synced row the server lacks            → create (a tombstone: create, then delete);
//   * a synced row the server has, older       → update from the server's version (the
//                                                 device's columns), or delete for a tombstone;
//   * equal columns, or the server as new or newer (version), or the server's tombstone
//                                              → nothing (a recovery never undoes a delete);
//   * queued events based on a version the server lacks → rebased on the server's version,
//     the first carrying the row's columns; their idempotency keys stay.
// A re-upload's key is derived from (shop, entity, id, acknowledged version):
// every device holding that version sends the same event under the same key,
// so the row is written once however many devices give it back. Then the
// round pushes and rebuilds from the snapshot, and the new epoch is adopted.
// Nothing reaches the restored server before that: a push names the epoch it
// was made for (a server of another applies none of it), and a rebuild meets
// a pending new epoch by recovering first (sync_engine.cpp).
#pragma once

#include "local_store.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace shopsync::client {

// The restore epoch an answer carries, or "" (an older server).
std::string AnswerRestoreEpoch(const nlohmann::json &answer);

// True when the answer carries an epoch this device has neither adopted nor
// already started recovering to; that epoch becomes the recovery's target.
// The first epoch a device ever sees is adopted, not recovered from.
bool NoteRestoreEpoch(LocalStore &store, const nlohmann::json &answer);

// The epoch a recovery must still reach, or "".
std::string RecoveryTarget(LocalStore &store);

struct ServerRow {
    long long version = 0;
    bool deleted = false;
    nlohmann::json row;
};
// entity → id → the restored server's row
using ServerRows = std::map<std::string, std::unordered_map<std::string, ServerRow>>;

struct RecoveryCounts {
    int reuploaded = 0; // synced rows given back (events queued)
    int rebased = 0;    // queued events moved onto the server's version
    int kept = 0;       // synced rows the server already had (or newer)
};

// Queues what the restored server lacks, in front of the outbox, in one
// transaction. `entities` in parent-first order. Running it again after a
// partial push queues nothing twice.
RecoveryCounts QueueRecovery(LocalStore &store, const std::vector<std::string> &entities,
                             const ServerRows &server);

// After the push of a recovery: a re-upload refused as idempotency_key_reused
// (another device gave the same version back first, its columns spelled
// differently) is dropped, the server's row coming back; a conflict whose
// server record already holds this device's columns is dropped too.
void SettleRecovery(LocalStore &store);

// Before the recovery's rebuild: the server's rows replace every synced row
// (the restored server numbers versions anew, so "only when newer" must not
// keep a row the server holds otherwise); pending rows stay, as in any rebuild.
void ForgetSyncedVersions(LocalStore &store, const std::vector<std::string> &entities);

// The recovery is complete (pushed and rebuilt): the epoch is adopted.
void FinishRecovery(LocalStore &store, const std::string &epoch, const RecoveryCounts &counts);

// The key of a re-upload: a version-5-style uuid of its parts, the same on every device.
std::string RecoveryKey(const std::string &shop, const std::string &entity, const std::string &id,
                        long long version, const std::string &op);

} // namespace shopsync::client
