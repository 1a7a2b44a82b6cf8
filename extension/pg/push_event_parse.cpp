// extension/pg/push_event_parse.cpp — the structure of one pushed event.
//   {"idempotency_key": uuid, "entity": text, "entity_id": uuid,
//    "op": "create"|"update"|"delete", "base_version": int >= 0,
//    "payload": object, "override": bool, "group_id": uuid}
// Anything else is rejected as invalid_event, with a message naming the field.
#include "shopsync.hpp"
#include "json_util.hpp"
#include "push_event.hpp"

namespace shopsync {

const char *OutcomeStatusName(OutcomeStatus status) {
    switch (status) {
    case OutcomeStatus::Accepted:
        return "accepted";
    case OutcomeStatus::Conflict:
        return "conflict";
    case OutcomeStatus::Rejected:
        return "rejected";
    case OutcomeStatus::Pending:
        break;
    }
    return "pending";
}

void StartEntry(PushEvent *event, OutcomeStatus status) {
    event->status = status;
    event->entry = makeStringInfo();
    AppendJsonKey(event->entry, "idempotency_key", true);
    AppendJsonString(event->entry, event->key_valid ? event->key_text : nullptr);
    AppendJsonKey(event->entry, "entity", false);
    AppendJsonString(event->entry, event->entity);
    AppendJsonKey(event->entry, "entity_id", false);
    AppendJsonString(event->entry, event->id_valid ? event->entity_id_text : nullptr);
}

void SetRejected(PushEvent *event, const char *reason, const char *message) {
    StartEntry(event, OutcomeStatus::Rejected);
    event->reason = reason;
    AppendJsonKey(event->entry, "reason", false);
    AppendJsonString(event->entry, reason);
    AppendJsonKey(event->entry, "message", false);
    AppendJsonString(event->entry, message);
}

void SetGroupFailed(PushEvent *event, const PushEvent *culprit) {
    const char *cause = culprit->status == OutcomeStatus::Conflict ? "conflict" : culprit->reason;
    SetRejected(event, "group_failed",
                psprintf("another event of this write group was %s; nothing of the group was applied",
                         culprit->status == OutcomeStatus::Conflict ? "a conflict" : "rejected"));
    appendStringInfoString(event->entry, ",\"cause\":{\"idempotency_key\":");
    AppendJsonString(event->entry, culprit->key_valid ? culprit->key_text : nullptr);
    appendStringInfoString(event->entry, ",\"reason\":");
    AppendJsonString(event->entry, cause);
    appendStringInfoChar(event->entry, '}');
}

bool SameGroup(const PushEvent &a, const PushEvent &b) {
    return a.has_group && b.has_group && UuidEquals(a.group_id, b.group_id);
}

static bool IsKnownEventField(const char *key, int len) {
    static const char *const kFields[] = {"idempotency_key", "entity",  "entity_id", "op",
                                          "base_version",    "payload", "override",  "group_id"};
    for (const char *field : kFields)
        if ((int)strlen(field) == len && memcmp(field, key, len) == 0)
            return true;
    return false;
}

// An integer 0 ≤ n < 10^18 given as a JSON number without fraction or exponent.
static bool ParseBaseVersion_Unsafe(const JsonbValue &value, int64 *out) {
    int64 n;
    if (!JsonbNumberToInt64(value, &n) || n < 0)
        return false;
    *out = n;
    return true;
}

void ParseEvent_Unsafe(const JsonbValue &element, PushEvent *event) {
    memset(event, 0, sizeof(PushEvent));
    event->same_key_as = -1;
    event->status = OutcomeStatus::Pending;
    if (!JsonbValueIsObject(element)) {
        SetRejected(event, "invalid_event", "each event must be a JSON object");
        return;
    }
    JsonbContainer *object = element.val.binary.data;

    JsonbValue v;
    if (JsonbGetKey(object, "idempotency_key", &v))
        event->key_text = JsonbValueCString(v);
    event->key_valid = ParseUuid(event->key_text, &event->key);
    if (JsonbGetKey(object, "entity", &v))
        event->entity = JsonbValueCString(v);
    if (JsonbGetKey(object, "entity_id", &v))
        event->entity_id_text = JsonbValueCString(v);
    event->id_valid = ParseUuid(event->entity_id_text, &event->entity_id);
    if (JsonbGetKey(object, "op", &v))
        event->op_text = JsonbValueCString(v);
    event->op = ParseEventOp(event->op_text);

    // The canonical text of the whole event (jsonb orders keys), for replays.
    Jsonb *canonical = JsonbFromValue(element);
    char *text = JsonbToCString(nullptr, &canonical->root, VARSIZE(canonical));
    event->hash = Sha256Hex_Unsafe(text, strlen(text));

    // The group is read first, so that even a malformed member fails its group.
    if (JsonbGetKey(object, "group_id", &v)) {
        char *group = JsonbValueCString(v);
        event->has_group = ParseUuid(group, &event->group_id);
        if (!event->has_group) {
            SetRejected(event, "invalid_event", "group_id must be a uuid string");
            return;
        }
    }
    if (!event->key_valid) {
        SetRejected(event, "invalid_event", "idempotency_key must be a uuid string");
        return;
    }
    JsonbIterator *it = JsonbIteratorInit(object);
    JsonbIteratorToken token;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token == WJB_KEY && !IsKnownEventField(v.val.string.val, v.val.string.len)) {
            SetRejected(
                event, "invalid_event",
                psprintf("unknown event field \"%s\"", ClipText(v.val.string.val, v.val.string.len, 64)));
            return;
        }
    }
    if (event->entity == nullptr) {
        SetRejected(event, "invalid_event", "entity must be a string");
        return;
    }
    if (!event->id_valid) {
        SetRejected(event, "invalid_id", "entity_id must be a uuid string");
        return;
    }
    if (event->op == EventOp::Invalid) {
        SetRejected(event, "invalid_event", "op must be \"create\", \"update\" or \"delete\"");
        return;
    }
    if (!JsonbGetKey(object, "base_version", &v) || !ParseBaseVersion_Unsafe(v, &event->base_version)) {
        SetRejected(event, "invalid_event", "base_version must be a non-negative integer");
        return;
    }
    if (event->op == EventOp::Create && event->base_version != 0) {
        SetRejected(event, "invalid_event", "a create must have base_version 0");
        return;
    }
    if (event->op != EventOp::Create && event->base_version == 0) {
        SetRejected(event, "invalid_event", "an update or delete needs the base_version it edits");
        return;
    }
    if (JsonbGetKey(object, "override", &v)) {
        if (v.type != jbvBool) {
            SetRejected(event, "invalid_event", "override must be a boolean");
            return;
        }
        event->override_status = v.val.boolean;
    }
    if (JsonbGetKey(object, "payload", &v)) {
        if (!JsonbValueIsObject(v)) {
            SetRejected(event, "invalid_event", "payload must be a JSON object");
            return;
        }
        event->has_payload = true;
        event->payload = v;
    }
    if (event->op != EventOp::Delete && !event->has_payload) {
        SetRejected(event, "invalid_event", "a create or update needs a payload object");
        return;
    }
}

} // namespace shopsync
