// extension/pg/push_event.hpp — one event of a sync_push batch: its parsed
// form, its outcome, and the two steps that handle it (parse, then apply).
#pragma once

#include "entity_registry.hpp"
#include "pg_headers.hpp"
#include "rules.hpp"

namespace shopsync {

enum class OutcomeStatus { Pending, Accepted, Conflict, Rejected };

struct PushEvent {
    // As sent (texts may be null when absent or of the wrong JSON type).
    char *key_text;
    char *entity;
    char *entity_id_text;
    char *op_text;
    // Parsed.
    bool key_valid;
    pg_uuid_t key;
    bool id_valid;
    pg_uuid_t entity_id;
    EventOp op;
    int64 base_version;
    bool has_payload;
    JsonbValue payload; // object container when has_payload
    bool override_status;
    bool has_group; // "group_id": the events of a group apply all or nothing
    pg_uuid_t group_id;
    char *hash; // SHA-256 of the event's canonical jsonb text
    // Idempotency: index of the earlier event in this batch with the same key, or -1.
    int same_key_as;
    bool claimed;
    // Outcome: status plus the entry's fields as JSON text without braces.
    OutcomeStatus status;
    const char *reason; // a rejection's reason (static text)
    StringInfo entry;
    bool replayed;
};

// Who is pushing, and what the batch has looked up so far.
struct PushContext {
    pg_uuid_t shop_id;
    pg_uuid_t user_id;
    ShopRole role;
    const char *device_id;
    EntityCache entities;
};

// Reads one element of "events". Structural problems make the event
// rejected (reason invalid_event / invalid_id) without raising.
void ParseEvent_Unsafe(const JsonbValue &element, PushEvent *event);

// Validates and applies the given parsed, claimed events, in order; sets
// each one's outcome. The events of a write group apply together, all or
// nothing, where the group's first event stands, parents before children.
void ApplyEvents_Unsafe(PushContext *ctx, PushEvent **events, int n);

// Outcome helpers. StartEntry sets the status and writes the fields every
// entry has (idempotency_key, entity, entity_id); callers append the rest.
void StartEntry(PushEvent *event, OutcomeStatus status);
void SetRejected(PushEvent *event, const char *reason, const char *message);
// Rejects an event of a write group that failed because of another event
// (culprit): reason group_failed, with the culprit's key and reason as cause.
void SetGroupFailed(PushEvent *event, const PushEvent *culprit);
bool SameGroup(const PushEvent &a, const PushEvent &b);
const char *OutcomeStatusName(OutcomeStatus status);

} // namespace shopsync
