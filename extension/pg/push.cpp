// extension/pg/push.cpp — api.sync_push(body jsonb): one batch of device
// events, applied in one transaction (DESIGN §4).
//
// Order of work, and why:
//  1. claims and membership: strangers are refused outright;
//  2. the envelope: device_id, events (at most shopsync.max_batch) and the
//     client's protocol (absent = 1; too old → 0A000); viewers are refused;
//  3. the shop's cursor row is locked first, so concurrent pushers of a shop
//     queue here instead of deadlocking on rows and the cursor later;
//  4. idempotency keys of the whole batch are looked up in one statement; a
//     key seen before replays its stored outcome (or is idempotency_key_reused);
//  5. the claimed events are applied together (push_event_apply.cpp);
//  6. outcomes are stored under their keys, the device is recorded, and the
//     response lists accepted / conflicts / rejected with server_seq.
#include "api_common.hpp"
#include "call_state.hpp"
#include "change_buffer.hpp"
#include "guard.hpp"
#include "json_util.hpp"
#include "plan_cache.hpp"
#include "push_event.hpp"
#include "shopsync.hpp"

extern "C" {
#include "utils/array.h"
}

namespace shopsync {

[[noreturn]] static void EnvelopeError(const char *message) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message),
                    errhint("A push body is {\"device_id\": text, \"events\": [ … ]}.")));
}

static void LockShopCursor_Unsafe(const pg_uuid_t &shop) {
    Oid argtypes[1] = {UUIDOID};
    Datum values[1] = {UuidGetDatumCopy(shop)};
    if (ExecCachedPlan_Unsafe("SELECT 1 FROM shopsync.shop_cursors WHERE shop_id = $1 FOR UPDATE", 1,
                              argtypes, values, nullptr, false, 1) > 0)
        return;
    ExecCachedPlan_Unsafe("INSERT INTO shopsync.shop_cursors (shop_id) VALUES ($1)"
                          " ON CONFLICT (shop_id) DO NOTHING",
                          1, argtypes, values, nullptr, false, 0);
    ExecCachedPlan_Unsafe("SELECT 1 FROM shopsync.shop_cursors WHERE shop_id = $1 FOR UPDATE", 1, argtypes,
                          values, nullptr, false, 1);
}

// ---- idempotency ----------------------------------------------------------------

static Datum UuidArray(PushEvent *events, int n, bool (*want)(const PushEvent &)) {
    Datum *items = (Datum *)palloc(sizeof(Datum) * Max(n, 1));
    int count = 0;
    for (int i = 0; i < n; i++)
        if (want(events[i]))
            items[count++] = UuidGetDatumCopy(events[i].key);
    return PointerGetDatum(construct_array(items, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

static Datum TextArray(const char **texts, int count) {
    Datum *items = (Datum *)palloc(sizeof(Datum) * Max(count, 1));
    for (int i = 0; i < count; i++)
        items[i] = CStringGetTextDatum(texts[i]);
    return PointerGetDatum(construct_array(items, count, TEXTOID, -1, false, TYPALIGN_INT));
}

static bool OwnsKey(const PushEvent &e) {
    return e.key_valid && e.same_key_as < 0;
}

static void MarkSameKeys(PushEvent *events, int n) {
    for (int i = 0; i < n; i++) {
        if (!events[i].key_valid)
            continue;
        for (int j = 0; j < i; j++)
            if (events[j].key_valid && events[j].same_key_as < 0 &&
                UuidEquals(events[i].key, events[j].key)) {
                events[i].same_key_as = j;
                break;
            }
    }
}

static PushEvent *FindKeyOwner(PushEvent *events, int n, const pg_uuid_t &key) {
    for (int i = 0; i < n; i++)
        if (OwnsKey(events[i]) && UuidEquals(events[i].key, key))
            return &events[i];
    return nullptr;
}

// Looks up the batch's keys. The shop's cursor row is locked already, so no
// other push of this shop runs until we commit: a key not stored yet is ours
// to apply, and it is stored with its outcome in StoreOutcomes_Unsafe.
// Keys stored by an earlier push replay their outcome, or, for a different
// event, are refused as idempotency_key_reused.
static void ClaimKeys_Unsafe(const pg_uuid_t &shop, PushEvent *events, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (OwnsKey(events[i])) {
            events[i].claimed = true;
            count++;
        }
    if (count == 0)
        return;
    Oid argtypes[2] = {UUIDOID, UUIDARRAYOID};
    Datum values[2] = {UuidGetDatumCopy(shop), UuidArray(events, n, OwnsKey)};
    uint64 stored = ExecReplannedPlan_Unsafe(
        "SELECT k.key, k.request_hash, k.outcome->>'status', (k.outcome - 'status')::text"
        " FROM shopsync.idempotency_keys k WHERE k.shop_id = $1 AND k.key = ANY($2)",
        2, argtypes, values, nullptr, false, 0);
    for (uint64 r = 0; r < stored; r++) {
        HeapTuple tuple = SPI_tuptable->vals[r];
        TupleDesc desc = SPI_tuptable->tupdesc;
        bool isnull;
        PushEvent *owner = FindKeyOwner(events, n, *DatumGetUUIDP(SPI_getbinval(tuple, desc, 1, &isnull)));
        if (owner == nullptr)
            continue;
        owner->claimed = false;
        char *stored_hash = SPI_getvalue(tuple, desc, 2);
        char *status = SPI_getvalue(tuple, desc, 3);
        char *entry = SPI_getvalue(tuple, desc, 4);
        if (strcmp(stored_hash, owner->hash) != 0) {
            SetRejected(owner, "idempotency_key_reused",
                        "this idempotency_key was already used for a different event");
            owner->hash = stored_hash; // later copies compare with the key's real event
            continue;
        }
        if (status == nullptr || entry == nullptr)
            ereport(ERROR, (errcode(SHOPSYNC_ERRCODE_IN_PROGRESS),
                            errmsg("idempotency key %s has no stored outcome", owner->key_text)));
        owner->status = strcmp(status, "accepted") == 0   ? OutcomeStatus::Accepted
                        : strcmp(status, "conflict") == 0 ? OutcomeStatus::Conflict
                                                          : OutcomeStatus::Rejected;
        // jsonb text "{…}" → the fields inside the braces
        size_t len = strlen(entry);
        owner->entry = makeStringInfo();
        if (len > 2)
            appendBinaryStringInfo(owner->entry, entry + 1, (int)len - 2);
        owner->replayed = true;
    }
}

static bool IsClaimedOwner(const PushEvent &e) {
    return OwnsKey(e) && e.claimed;
}

static void StoreOutcomes_Unsafe(const pg_uuid_t &shop, PushEvent *events, int n) {
    const char **hashes = (const char **)palloc(sizeof(char *) * Max(n, 1));
    const char **outcomes = (const char **)palloc(sizeof(char *) * Max(n, 1));
    int count = 0;
    for (int i = 0; i < n; i++)
        if (IsClaimedOwner(events[i])) {
            hashes[count] = events[i].hash;
            outcomes[count++] = psprintf("{\"status\":\"%s\",%s}", OutcomeStatusName(events[i].status),
                                         events[i].entry->data);
        }
    if (count == 0)
        return;
    Oid argtypes[4] = {UUIDOID, UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
    Datum values[4] = {UuidGetDatumCopy(shop), UuidArray(events, n, IsClaimedOwner), TextArray(hashes, count),
                       TextArray(outcomes, count)};
    ExecCachedPlan_Unsafe("INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome)"
                          " SELECT $1, u.key, u.hash, u.outcome::jsonb"
                          " FROM unnest($2, $3, $4) AS u(key, hash, outcome)",
                          4, argtypes, values, nullptr, false, 0);
}

// A later event of the batch with an earlier event's key.
static void ResolveSameKey(PushEvent *events, int i) {
    PushEvent *event = &events[i];
    PushEvent *owner = &events[event->same_key_as];
    bool same_event = strcmp(event->hash, owner->hash) == 0 && (owner->claimed || owner->replayed);
    if (!same_event) {
        SetRejected(event, "idempotency_key_reused",
                    "this idempotency_key was already used for a different event");
        return;
    }
    event->status = owner->status;
    event->entry = makeStringInfo();
    appendStringInfoString(event->entry, owner->entry->data);
    event->replayed = true;
}

// ---- device and response ---------------------------------------------------------

static void RecordDevice_Unsafe(const PushContext &ctx, int events, int rejected) {
    Oid argtypes[5] = {UUIDOID, TEXTOID, UUIDOID, INT8OID, INT8OID};
    Datum values[5] = {UuidGetDatumCopy(ctx.shop_id), CStringGetTextDatum(ctx.device_id),
                       UuidGetDatumCopy(ctx.user_id), Int64GetDatum(events), Int64GetDatum(rejected)};
    ExecCachedPlan_Unsafe(
        "INSERT INTO shopsync.devices AS d"
        " (shop_id, device_id, user_id, last_push_at, push_count, event_count, rejected_count)"
        " VALUES ($1, $2, $3, now(), 1, $4, $5)"
        " ON CONFLICT (shop_id, device_id) DO UPDATE SET user_id = excluded.user_id,"
        " last_seen_at = now(), last_push_at = now(), push_count = d.push_count + 1,"
        " event_count = d.event_count + excluded.event_count,"
        " rejected_count = d.rejected_count + excluded.rejected_count",
        5, argtypes, values, nullptr, false, 0);
}

static void AppendOutcomeList(StringInfo out, const char *name, PushEvent *events, int n,
                              OutcomeStatus status, bool first) {
    AppendJsonKey(out, name, first);
    appendStringInfoChar(out, '[');
    bool first_item = true;
    for (int i = 0; i < n; i++) {
        if (events[i].status != status)
            continue;
        if (!first_item)
            appendStringInfoChar(out, ',');
        first_item = false;
        appendStringInfo(out, "{%s,\"replayed\":%s}", events[i].entry->data,
                         events[i].replayed ? "true" : "false");
    }
    appendStringInfoChar(out, ']');
}

// ---- write groups -----------------------------------------------------------------

// A group with a member refused before anything applies (malformed, key
// reused) fails whole: its other new members are group_failed with that
// member as cause, and are not applied.
static void FailGroupsWithRefusedMembers(PushEvent *events, int n) {
    for (int i = 0; i < n; i++) {
        PushEvent *culprit = &events[i];
        if (!culprit->has_group || culprit->status != OutcomeStatus::Rejected || culprit->replayed)
            continue;
        for (int j = 0; j < n; j++)
            if (j != i && SameGroup(events[j], *culprit) && events[j].status == OutcomeStatus::Pending)
                SetGroupFailed(&events[j], culprit);
    }
}

// ---- the batch ----------------------------------------------------------------

// The envelope, read before the call begins.
struct PushEnvelope {
    PushContext ctx;
    JsonbContainer *events;
    int nevents;
};

static void ReadEnvelope_Unsafe(Jsonb *body, PushEnvelope *env) {
    PushContext &ctx = env->ctx;
    RequireMember_Unsafe(&ctx.shop_id, &ctx.user_id, &ctx.role);
    if (!JB_ROOT_IS_OBJECT(body))
        EnvelopeError("push body must be a JSON object");
    JsonbIterator *it = JsonbIteratorInit(&body->root);
    JsonbValue v;
    JsonbIteratorToken token;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token != WJB_KEY)
            continue;
        bool known = (v.val.string.len == 9 && memcmp(v.val.string.val, "device_id", 9) == 0) ||
                     (v.val.string.len == 6 && memcmp(v.val.string.val, "events", 6) == 0) ||
                     (v.val.string.len == 8 && memcmp(v.val.string.val, "protocol", 8) == 0);
        if (!known)
            EnvelopeError(psprintf("unknown field \"%s\" in push body",
                                   ClipText(v.val.string.val, v.val.string.len, 64)));
    }
    // The handshake first: a client too old is told to update, whatever else it sent.
    int64 protocol = 1;
    if (JsonbGetKey(&body->root, "protocol", &v)) {
        if (!JsonbNumberToInt64(v, &protocol) || protocol < 1)
            EnvelopeError("protocol must be a positive integer");
    }
    CheckClientProtocol_Unsafe(protocol);
    if (ctx.role == ShopRole::Viewer)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("viewers cannot push changes"),
                        errdetail("The caller's role in this shop is viewer.")));
    if (!JsonbGetKey(&body->root, "device_id", &v) || v.type != jbvString ||
        !IsValidDeviceId(v.val.string.val, v.val.string.len))
        EnvelopeError("device_id must be a string of 1 to 200 printable characters without spaces");
    ctx.device_id = JsonbValueCString(v);
    if (!JsonbGetKey(&body->root, "events", &v) || !JsonbValueIsArray(v))
        EnvelopeError("events must be a JSON array");
    env->events = v.val.binary.data;
    env->nevents = JsonbValueSize(v);
    if (env->nevents > guc_max_batch)
        ereport(ERROR, (errcode(SHOPSYNC_ERRCODE_TOO_LARGE),
                        errmsg("too many events in one push: %d, at most %d", env->nevents, guc_max_batch),
                        errhint("Send the events in batches of at most %d.", guc_max_batch)));
}

// The batch, run as a Push call (call_state.hpp): changes are logged for the
// device, and once, at the end.
static Datum PushBatch_Unsafe(void *arg) {
    PushEnvelope *env = (PushEnvelope *)arg;
    PushContext &ctx = env->ctx;
    int n = env->nevents;
    PushEvent *events = (PushEvent *)palloc0(sizeof(PushEvent) * Max(n, 1));
    for (int i = 0; i < n; i++) {
        JsonbValue *element = getIthJsonbValueFromContainer(env->events, i);
        ParseEvent_Unsafe(*element, &events[i]);
    }
    MarkSameKeys(events, n);
    if (n > 0)
        LockShopCursor_Unsafe(ctx.shop_id);
    ClaimKeys_Unsafe(ctx.shop_id, events, n);
    FailGroupsWithRefusedMembers(events, n);

    PushEvent **to_apply = (PushEvent **)palloc(sizeof(PushEvent *) * Max(n, 1));
    int napply = 0;
    for (int i = 0; i < n; i++)
        if (events[i].same_key_as < 0 && events[i].claimed && events[i].status == OutcomeStatus::Pending)
            to_apply[napply++] = &events[i];
    ApplyEvents_Unsafe(&ctx, to_apply, napply);
    int rejected = 0;
    for (int i = 0; i < n; i++) {
        if (events[i].same_key_as >= 0)
            ResolveSameKey(events, i);
        if (events[i].status == OutcomeStatus::Rejected)
            rejected++;
    }
    FlushChanges_Unsafe();
    StoreOutcomes_Unsafe(ctx.shop_id, events, n);
    RecordDevice_Unsafe(ctx, n, rejected);

    StringInfoData out;
    initStringInfo(&out);
    appendStringInfoChar(&out, '{');
    AppendOutcomeList(&out, "accepted", events, n, OutcomeStatus::Accepted, true);
    AppendOutcomeList(&out, "conflicts", events, n, OutcomeStatus::Conflict, false);
    AppendOutcomeList(&out, "rejected", events, n, OutcomeStatus::Rejected, false);
    appendStringInfo(&out, ",\"server_seq\":" INT64_FORMAT "}", ShopLastSeq_Unsafe(ctx.shop_id));
    return JsonbDatumFromText_Unsafe(out.data);
}

} // namespace shopsync

using namespace shopsync;

// api.sync_push(body jsonb) returns jsonb
SHOPSYNC_FUNCTION(sync_push) {
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("push body is required")));
    Jsonb *body = PG_GETARG_JSONB_P(0);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    PushEnvelope env;
    memset(&env, 0, sizeof(env));
    ReadEnvelope_Unsafe(body, &env);
    // one change_log write for the whole batch, at its end
    CallState call = {CallKind::Push, env.ctx.device_id, true};
    Datum result = RunAsCall_Unsafe(call, PushBatch_Unsafe, &env);
    // The result was built in SPI's context; copy it out before SPI_finish frees it.
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}
