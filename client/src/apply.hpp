// client/src/apply.hpp — what the server's answers do to the local database
// (DESIGN §7). Each function runs in one SQLite transaction.
//
//  push outcomes: accepted → the row is synced at the server's version;
//                 conflict → server wins: the row takes the server record and a
//                 conflict record is kept for the banner;
//                 rejected → the row is failed with last_error and a failure
//                 record (failed_writes.hpp), kept until the user acts on it;
//                 events of the row queued behind it join the failure.
//  pull pages:    a change applies only when newer than the local row and the
//                 row has no pending local edit; on a failed row it only
//                 refreshes the server image; the cursor moves in the same
//                 transaction as the rows it covers.
#pragma once

#include "backoff.hpp"
#include "local_store.hpp"
#include "snapshot_page.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_set>

namespace shopsync::client {

// At the start of a round (the caller holds the round lock, RoundLock): events
// still in flight were taken by a round that died; they are queued again, at
// once, with their keys and places.
void RequeueStranded(LocalStore &store);

// Up to `limit` due events, oldest first, marked in flight and sent, as push events.
nlohmann::json TakeBatch(LocalStore &store, int limit, double now);

// The push of a batch failed as a whole (network, 5xx, 429): the events stay
// queued with the same idempotency keys and wait their backoff.
void ReleaseBatch(LocalStore &store, const nlohmann::json &events, const BackoffPolicy &policy,
                  double retry_after, double now, std::mt19937_64 &rng);

// Applies a sync_push response for the given batch.
void ApplyPushResponse(LocalStore &store, const nlohmann::json &response);

// Applies one sync_pull page; returns how many changes were applied.
int ApplyPullPage(LocalStore &store, const nlohmann::json &page);

// Rebuild from the snapshot (a cursor behind the server's retention, or a new
// device): each page's rows are stored by the same rules as pulled changes
// (never over a pending edit, never older), their ids noted in `seen`.
// fresh: the entity had no local row and no queued event when the rebuild
// began (IsFreshEntity), so its rows are written without reading each first.
// A fresh entity's rows are not noted (seen == nullptr): FinishRebuild has
// nothing to purge there, every synced row came from this snapshot.
int ApplySnapshotPage(LocalStore &store, const std::string &entity, const SnapshotPage &page,
                      std::unordered_set<std::string> *seen);
int ApplySnapshotPage(LocalStore &store, const std::string &entity, const nlohmann::json &rows,
                      std::unordered_set<std::string> &seen, bool fresh = false);
bool IsFreshEntity(LocalStore &store, const std::string &entity);
// After the last page of an entity: synced rows the snapshot did not hold were
// purged on the server, so they go; rows with pending edits stay. Runs in the
// caller's transaction; returns how many rows went.
int FinishRebuild(LocalStore &store, const std::string &entity, const std::unordered_set<std::string> &seen);

// A batch that was not sent (a 401 to be retried after sign-in, a 413 to be
// split): back in the queue, no backoff, same keys.
void ReturnBatch(LocalStore &store, const nlohmann::json &events);

// The server refused the whole batch (403: a viewer, or no longer a member;
// 400): every event ends as a rejection, its row failed with the reason.
void RejectBatch(LocalStore &store, const nlohmann::json &events, const std::string &reason,
                 const std::string &message);

// Every queued event ends refused with `reason` (move-out: the user lost access
// to the shop). Returns how many.
int RejectAllQueued(LocalStore &store, const std::string &reason, const std::string &message);

// Stores a server record as a synced row (a discarded failure's server image).
void WriteServerRecord(LocalStore &store, const std::string &entity, const nlohmann::json &record);

} // namespace shopsync::client
