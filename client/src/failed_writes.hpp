// client/src/failed_writes.hpp — refused writes (DESIGN §7, issue 10): a write
// the server refused stays visible — its reason, the user's attempt and the
// server's current row — until the user retries it (owners: with override),
// edits and retries it, or discards it (the server's row comes back).
//
// Words: a *failure* is one open record in sync_failed per row (entity,
// entity_id): the refused event's op, payload, base_version and override, the
// server's reason and message (and, for a write group, the culprit: cause).
// Events of the row queued behind a refused one join its failure (they were
// made on top of it). The row itself shows the attempt with sync_state
// 'failed'; its server_data column holds the server's image, which pulls keep
// fresh and never replace the attempt with.
#pragma once

#include "local_store.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace shopsync::client {

// An outbox event as it left the queue.
struct OutboxEvent {
    bool found = false;
    std::string entity, entity_id, payload, op;
    long long base_version = 0;
    bool override = false;
    std::string group_id, idempotency_key;
};

bool HasFailure(LocalStore &store, const std::string &entity, const std::string &entity_id);

// The server refused `event`: opens (or joins) the row's failure, fails the
// row with "reason: message", and folds the row's queued events into it.
// A child refused for a missing parent (foreign_key_violation,
// parent_not_found) whose payload names a row whose create was refused is
// recorded as "parent_failed", with that row as its cause.
// Runs in the caller's transaction.
void RecordFailure(LocalStore &store, const OutboxEvent &event, const std::string &reason,
                   const std::string &message, const nlohmann::json &cause);

// Every open failure, oldest first: {"id","entity","entity_id","op","reason",
// "message","cause","group_id","attempt" (the changes sent),"local_row" (the
// row as the device shows it),"server_row" (the server's image, or null when
// the server has no such row),"failed_at"}.
nlohmann::json ListFailed(LocalStore &store);

// Queues the failed write again (a fresh key, the server's current version as
// base), `changes` (may be null) merged into it first; `override` asks the
// server to allow what its rules refuse (owners). SHOPSYNC_NOTFOUND if no
// such failure. A failed write group is retried whole, as a new group (the
// changes go to the named write). Runs in the caller's transaction.
void RetryFailed(LocalStore &store, long long failure_id, const nlohmann::json &changes, bool override);

// Drops the failed write: the row becomes the server's again (or goes, if the
// server never had it). SHOPSYNC_NOTFOUND if no such failure. Caller's transaction.
void DiscardFailed(LocalStore &store, long long failure_id);

// The entity of open failure `failure_id`, or "" if there is none.
std::string FailureEntity(LocalStore &store, long long failure_id);

// The open failure of a row, or 0.
long long FailureOf(LocalStore &store, const std::string &entity, const std::string &entity_id);

} // namespace shopsync::client
