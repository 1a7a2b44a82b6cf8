// client/src/outbox.hpp — local writes: the row and its outbox event commit in
// one SQLite transaction (DESIGN §7).
//
// The base_version chain, when a row is edited several times before a push:
//  * an edit of a row whose event has not been sent yet folds into that
//    event (payloads merge; base_version and op stay; a fresh idempotency
//    key, since the event changed) — one event per row and push;
//  * deleting a row created offline and never sent removes both: the server
//    never hears of it;
//  * an edit of a row whose event may have reached the server (taken by a
//    push, whatever came back, however long ago) is a new event with
//    base_version + 1, the version that one will get: it is never folded into;
//  * an edit of a row whose write was refused retries it (failed_writes.hpp):
//    the attempt plus the edit, queued again against the server's version.
#pragma once

#include "local_store.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace shopsync::client {

enum class WriteOp { Create, Update, Delete };

// Applies a local write and queues it. For Create, an empty id gets a new
// uuid. Returns the row's id. Throws ClientError (unknown entity, unknown row,
// bad payload); then nothing was written. `override` (an owner's update,
// e.g. an order status moved back) asks the server to allow what it would refuse.
std::string LocalWrite(LocalStore &store, const std::string &entity, WriteOp op, std::string id,
                       const nlohmann::json &payload, bool override = false);

// The same, inside a transaction the caller holds (several writes that must
// land together, e.g. a migration).
std::string LocalWriteInTransaction(LocalStore &store, const std::string &entity, WriteOp op, std::string id,
                                    const nlohmann::json &payload, bool override = false,
                                    const std::string &group_id = "");

// A write group (an order and its items, or any writes): committed locally in
// one transaction, every event tagged with one new group_id; the outbox never
// splits a group across batches and the server applies it all or nothing.
// Its events never fold with others. Returns the rows' ids in order; on any
// error nothing was written.
constexpr int kMaxGroupSize = 100; // the server's default batch size
struct GroupWrite {
    WriteOp op;
    std::string entity, id;
    nlohmann::json payload;
    bool override = false;
};
std::vector<std::string> LocalWriteGroup(LocalStore &store, const std::vector<GroupWrite> &writes);

// Appends an event to the outbox (a fresh idempotency key). Caller's transaction.
void QueueEvent(LocalStore &store, const std::string &entity, const std::string &id, const std::string &op,
                const nlohmann::json &payload, long long base_version, bool override = false,
                const std::string &group_id = "");

// Events waiting to be pushed, oldest first.
int PendingCount(LocalStore &store);

// The outbox as the push envelope reports it to the server's dashboards
// (protocol 3, docs/protocol.md): {"pending", "failed", "oldest_age_ms",
// "retry_depth" = the attempts of the oldest waiting event}.
nlohmann::json OutboxReport(LocalStore &store, double now);

std::string NewUuid();

} // namespace shopsync::client
