// extension/pg/push.cpp — api.sync_push(body jsonb): one batch of device
// events, applied in one transaction (DESIGN §4).
//
// Order of work, and why:
//  1. claims and membership: strangers are refused outright;
//  2. the envelope: device_id, events (at most shopsync.max_batch) and the
//     client's protocol (absent = 1; too old → 0A000); viewers are refused;
//  3. the batch's idempotency keys are looked up, one probe each: a key seen
//     before replays its stored outcome (or is idempotency_key_reused);
//  4. the other events are applied together (push_event_apply.cpp), rows
//     locked entity by entity in one order for every push;
//  5. their keys are stored, each written once with its outcome (a key that
//     another push stored meanwhile refuses the whole push: PT409), and the
//     device with its sync figures is recorded (device_stats.cpp);
//  6. last, the changes are logged: the seqs are drawn under the shop's cursor
//     row lock, held until commit, so pushes of one shop run side by side
//     until this short end (seq order = commit order, DESIGN §3); the response
//     lists accepted / conflicts / rejected with server_seq.
#include "api_common.hpp"
#include "call_state.hpp"
#include "change_buffer.hpp"
#include "device_stats.hpp"
#include "guard.hpp"
#include "json_util.hpp"
#include "plan_cache.hpp"
#include "push_event.hpp"
#include "restore_epoch.hpp"
#include "shopsync.hpp"

extern "C" {
#include "utils/array.h"
}

namespace shopsync {

[[noreturn]] static void EnvelopeError(const char *message) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message),
                    errhint("A push body is {\"device_id\": text, \"events\": [ … ]}.")));
}

// ---- idempotency ----------------------------------------------------------------

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

static int CompareKeys(const void *a, const void *b) {
    return memcmp((*(PushEvent *const *)a)->key.data, (*(PushEvent *const *)b)->key.data, UUID_LEN);
}

// The batch's own keys (the first event of each), in key order: looked up
// by FindStoredKeys_Unsafe, then stored by StoreKeys_Unsafe.
struct BatchKeys {
    PushEvent **owners;
    int count;
};

static BatchKeys KeyOwners(PushEvent *events, int n) {
    BatchKeys keys = {(PushEvent **)palloc(sizeof(PushEvent *) * Max(n, 1)), 0};
    for (int i = 0; i < n; i++)
        if (OwnsKey(events[i]))
            keys.owners[keys.count++] = &events[i];
    qsort(keys.owners, keys.count, sizeof(PushEvent *), CompareKeys);
    return keys;
}

static Datum KeyArray(PushEvent **owners, int count) {
    Datum *keys = (Datum *)palloc(sizeof(Datum) * Max(count, 1));
    for (int i = 0; i < count; i++)
        keys[i] = UuidGetDatumCopy(owners[i]->key);
    return PointerGetDatum(construct_array(keys, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

// A key stored before replays its stored outcome or, for a different event,
// is refused as idempotency_key_reused; the others are claimed, to be applied
// and stored once, with their outcomes, by StoreKeys_Unsafe. One primary-key
// probe per key (OFFSET 0 keeps the subquery apart, so no plan can scan the
// shop's every key instead).
static void FindStoredKeys_Unsafe(const pg_uuid_t &shop, PushEvent *events, int n, const BatchKeys &keys) {
    PushEvent **owners = keys.owners;
    int count = keys.count;
    if (count == 0)
        return;
    for (int i = 0; i < count; i++)
        owners[i]->claimed = true;
    Oid argtypes[2] = {UUIDOID, UUIDARRAYOID};
    Datum values[2] = {UuidGetDatumCopy(shop), KeyArray(owners, count)};
    uint64 stored = ExecCachedPlan_Unsafe(
        "SELECT k.key, k.request_hash, k.outcome->>'status', (k.outcome - 'status')::text"
        " FROM unnest($2) AS u(key) CROSS JOIN LATERAL (SELECT * FROM shopsync.idempotency_keys x"
        " WHERE x.shop_id = $1 AND x.key = u.key OFFSET 0) k",
        2, argtypes, values, nullptr, true, 0);
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
        if (status == nullptr || entry == nullptr) // a claim of 0.1.0, still being applied
            ereport(ERROR,
                    (errcode(SHOPSYNC_ERRCODE_IN_PROGRESS),
                     errmsg("idempotency key %s has no stored outcome", owner->key_text),
                     errhint("Another push with this key is still being applied; send it again later.")));
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

// Stores the keys this push claimed, each written once with its outcome, in
// key order (two pushes sharing keys take them in one order: no deadlock). A
// key another push stored since FindStoredKeys_Unsafe looked (the insert
// waits for that push's end) means this batch was sent twice at once: the
// whole push is refused with PT409 and changes nothing; sent again, it
// replays the stored outcomes. The arbiter probes the primary key per key, a
// plan no statistics can turn into a scan of the shop's every key.
static void StoreKeys_Unsafe(const pg_uuid_t &shop, const BatchKeys &keys) {
    PushEvent **owners = (PushEvent **)palloc(sizeof(PushEvent *) * Max(keys.count, 1));
    int claimed = 0;
    for (int i = 0; i < keys.count; i++)
        if (keys.owners[i]->claimed)
            owners[claimed++] = keys.owners[i];
    if (claimed == 0)
        return;
    const char **hashes = (const char **)palloc(sizeof(char *) * claimed);
    const char **outcomes = (const char **)palloc(sizeof(char *) * claimed);
    for (int i = 0; i < claimed; i++) {
        hashes[i] = owners[i]->hash;
        outcomes[i] =
            psprintf("{\"status\":\"%s\",%s}", OutcomeStatusName(owners[i]->status), owners[i]->entry->data);
    }
    Oid argtypes[4] = {UUIDOID, UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
    Datum values[4] = {UuidGetDatumCopy(shop), KeyArray(owners, claimed), TextArray(hashes, claimed),
                       TextArray(outcomes, claimed)};
    uint64 inserted = ExecGenericPlan_Unsafe(
        // In a CTE: on Citus an INSERT … SELECT whose ON CONFLICT skips rows returns
        // fewer rows than it reports, and SPI refuses the mismatch.
        "WITH stored AS (INSERT INTO shopsync.idempotency_keys (shop_id, key, request_hash, outcome)"
        " SELECT $1, u.key, u.hash, u.outcome::jsonb FROM unnest($2, $3, $4) AS u(key, hash, outcome)"
        " ON CONFLICT (shop_id, key) DO NOTHING RETURNING key) SELECT key FROM stored",
        4, argtypes, values, nullptr, false, 0);
    if (inserted == (uint64)claimed)
        return;
    const char *taken = owners[0]->key_text;
    for (int i = 0; i < claimed; i++) {
        bool mine = false;
        for (uint64 r = 0; r < inserted && !mine; r++) {
            bool isnull;
            mine = UuidEquals(
                *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)),
                owners[i]->key);
        }
        if (!mine) {
            taken = owners[i]->key_text;
            break;
        }
    }
    ereport(ERROR, (errcode(SHOPSYNC_ERRCODE_IN_PROGRESS),
                    errmsg("idempotency key %s was applied by another push at the same time", taken),
                    errdetail("Nothing of this push was applied."),
                    errhint("Send the batch again under the same keys: it replays the stored outcomes.")));
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
    OutboxReport outbox; // the device's account of its queue (device_stats.hpp)
    TimestampTz started;
    char *restore_epoch; // the epoch the device made the events for, or NULL (not named)
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
                     (v.val.string.len == 8 && memcmp(v.val.string.val, "protocol", 8) == 0) ||
                     (v.val.string.len == 6 && memcmp(v.val.string.val, "outbox", 6) == 0) ||
                     (v.val.string.len == 13 && memcmp(v.val.string.val, "restore_epoch", 13) == 0);
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
    OutboxReportInit(&env->outbox);
    if (JsonbGetKey(&body->root, "outbox", &v) && !ParseOutboxReport(v, &env->outbox))
        EnvelopeError(
            "outbox must be an object of non-negative integers: pending, failed, oldest_age_ms, retry_depth");
    if (JsonbGetKey(&body->root, "restore_epoch", &v)) {
        if (v.type != jbvString || v.val.string.len < 1 || v.val.string.len > 64)
            EnvelopeError("restore_epoch must be the restore_epoch of an earlier answer (a string)");
        env->restore_epoch = JsonbValueCString(v);
    }
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
    // Events made for another epoch: the server was restored since, and may
    // lack the versions they are based on. Nothing is applied and no key is
    // spent; the device recovers first (client/src/restore_recovery.hpp) and
    // sends them again under the same keys.
    char *epoch = RestoreEpoch_Unsafe();
    bool stale = env->restore_epoch != nullptr && pg_strcasecmp(env->restore_epoch, epoch) != 0;
    if (stale)
        n = 0;
    PushEvent *events = (PushEvent *)palloc0(sizeof(PushEvent) * Max(n, 1));
    for (int i = 0; i < n; i++) {
        JsonbValue *element = getIthJsonbValueFromContainer(env->events, i);
        ParseEvent_Unsafe(*element, &events[i]);
    }
    MarkSameKeys(events, n);
    BatchKeys keys = KeyOwners(events, n);
    FindStoredKeys_Unsafe(ctx.shop_id, events, n, keys);
    FailGroupsWithRefusedMembers(events, n);

    PushEvent **to_apply = (PushEvent **)palloc(sizeof(PushEvent *) * Max(n, 1));
    int napply = 0;
    for (int i = 0; i < n; i++)
        if (events[i].same_key_as < 0 && events[i].claimed && events[i].status == OutcomeStatus::Pending)
            to_apply[napply++] = &events[i];
    ApplyEvents_Unsafe(&ctx, to_apply, napply);
    for (int i = 0; i < n; i++)
        if (events[i].same_key_as >= 0)
            ResolveSameKey(events, i);
    StoreKeys_Unsafe(ctx.shop_id, keys);
    if (!stale)
        RecordDevicePush_Unsafe(ctx, env->outbox, env->started, events, n);
    // The response, all but server_seq, before the seqs are drawn: the
    // shop's cursor lock covers as little as possible.
    StringInfoData out;
    initStringInfo(&out);
    appendStringInfoChar(&out, '{');
    AppendOutcomeList(&out, "accepted", events, n, OutcomeStatus::Accepted, true);
    AppendOutcomeList(&out, "conflicts", events, n, OutcomeStatus::Conflict, false);
    AppendOutcomeList(&out, "rejected", events, n, OutcomeStatus::Rejected, false);
    appendStringInfoString(&out, ",\"restore_epoch\":");
    AppendJsonString(&out, epoch);
    // Last: the seqs are drawn under the shop's cursor row lock, held until
    // commit; nothing else is written after it, so pushes of one shop queue
    // only for this (DESIGN §3).
    int64 server_seq = FlushShopChanges_Unsafe(ctx.shop_id);
    if (server_seq < 0) // nothing logged: the shop's seq as it stands
        server_seq = ShopLastSeq_Unsafe(ctx.shop_id);
    appendStringInfo(&out, ",\"server_seq\":" INT64_FORMAT "}", server_seq);
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
    env.started = GetCurrentTimestamp();
    ReadEnvelope_Unsafe(body, &env);
    // one change_log write for the whole batch, at its end
    CallState call = {CallKind::Push, env.ctx.device_id, true};
    Datum result = RunAsCall_Unsafe(call, PushBatch_Unsafe, &env);
    // The result was built in SPI's context; copy it out before SPI_finish frees it.
    result = PointerGetDatum(SPI_datumTransfer(result, false, -1));
    SPI_finish();
    PG_RETURN_DATUM(result);
}
