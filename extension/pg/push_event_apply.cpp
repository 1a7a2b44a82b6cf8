// extension/pg/push_event_apply.cpp — deciding and applying the events of a
// batch (DESIGN §4).
//
//  * Rows are locked per entity with one query (FOR UPDATE) and their version,
//    tombstone flag and status (for an entity with a lifecycle) kept in
//    memory as the batch goes.
//  * Each event is decided against that state: payload columns must exist,
//    be the client's, carry the right JSON type and fit max_field_bytes;
//    base_version decides (equal → apply, else conflict with the server's
//    record — no clock is consulted); roles, restores, the status lifecycle
//    and the live-parent rule are checked, all read from the entity's rules
//    (entity_registry.hpp): this engine names no entity.
//  * Events to write are gathered in a "run" of the same entity, op and
//    columns on distinct rows, written with one statement inside a
//    subtransaction. If that statement fails, the run is retried one event
//    per subtransaction, so a constraint error rejects only its own event.
//  * Deletes are tombstones; a parent's tombstone cascades to its children;
//    deletes, restores and status overrides are written to audit_log.
//  * A write group applies in one subtransaction, parents before children,
//    one event at a time; the first refused or conflicting event rolls the
//    group back, and every other event of it reports group_failed.
#include "json_util.hpp"
#include "plan_cache.hpp"
#include "push_event.hpp"
#include "shopsync.hpp"
#include "subxact.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/resowner.h"
}

namespace shopsync {

// ---- the payload ------------------------------------------------------------

struct PayloadPlan {
    int ncolumns;
    const char **columns; // payload keys, in jsonb (sorted) order
    char *signature;      // columns joined by ',' — events sharing it share a statement
    bool restore;         // "deleted_at": null
    char *new_status;     // the status the payload sets (entities with a lifecycle)
};

static const char *KindName(JsonKind kind) {
    switch (kind) {
    case JsonKind::Number:
        return "number";
    case JsonKind::Boolean:
        return "boolean";
    case JsonKind::Array:
        return "array";
    case JsonKind::String:
        return "string";
    case JsonKind::Any:
        break;
    }
    return "value";
}

static bool ValueFitsKind(const JsonbValue &v, JsonKind kind) {
    switch (kind) {
    case JsonKind::Any:
        return true;
    case JsonKind::Number:
        return v.type == jbvNumeric;
    case JsonKind::Boolean:
        return v.type == jbvBool;
    case JsonKind::Array:
        return JsonbValueIsArray(v);
    case JsonKind::String:
        return v.type == jbvString;
    }
    return false;
}

static bool PlanPayload_Unsafe(const EntityInfo *entity, PushEvent *event, PayloadPlan *plan) {
    memset(plan, 0, sizeof(PayloadPlan));
    plan->signature = (char *)"";
    if (!event->has_payload || event->op == EventOp::Delete)
        return true; // a delete's payload is ignored
    plan->columns = (const char **)palloc(sizeof(char *) * (JsonbValueSize(event->payload) + 1));
    StringInfoData signature;
    initStringInfo(&signature);
    JsonbIterator *it = JsonbIteratorInit(event->payload.val.binary.data);
    JsonbValue v;
    JsonbIteratorToken token;
    char *key = nullptr;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token == WJB_KEY) {
            key = ClipText(v.val.string.val, v.val.string.len, 200);
            continue;
        }
        if (token != WJB_VALUE)
            continue;
        const ColumnInfo *col = FindColumn(entity, key);
        if (col == nullptr) {
            SetRejected(event, "unknown_column", psprintf("%s has no column \"%s\"", entity->name, key));
            return false;
        }
        if (col->server_owned || col->generated) {
            bool is_restore =
                strcmp(col->name, "deleted_at") == 0 && v.type == jbvNull && event->op == EventOp::Update;
            if (!is_restore) {
                SetRejected(event, "server_owned_column",
                            psprintf("column \"%s\" is set by the server, not by clients", key));
                return false;
            }
            plan->restore = true;
        } else if (v.type == jbvNull) {
            if (col->not_null) {
                SetRejected(event, "invalid_value", psprintf("column \"%s\" cannot be null", key));
                return false;
            }
        } else if (!ValueFitsKind(v, col->kind)) {
            SetRejected(event, "invalid_type",
                        psprintf("column \"%s\" takes a JSON %s", key, KindName(col->kind)));
            return false;
        } else if (v.type == jbvString && v.val.string.len > guc_max_field_bytes) {
            SetRejected(event, "value_too_long",
                        psprintf("column \"%s\" is longer than %d bytes", key, guc_max_field_bytes));
            return false;
        }
        if (entity->status_column != nullptr && strcmp(col->name, entity->status_column) == 0)
            plan->new_status = v.type == jbvString ? JsonbValueCString(v) : nullptr;
        if (plan->ncolumns > 0)
            appendStringInfoChar(&signature, ',');
        appendStringInfoString(&signature, col->name);
        plan->columns[plan->ncolumns++] = col->name;
    }
    if (event->op == EventOp::Update && plan->ncolumns == 0) {
        SetRejected(event, "invalid_event", "an update needs at least one column in its payload");
        return false;
    }
    plan->signature = signature.data;
    return true;
}

// ---- row state --------------------------------------------------------------

struct RowState {
    pg_uuid_t id;
    bool found;
    int64 version;
    bool deleted;
    char *status; // entities with a lifecycle
};

struct EntityRows {
    const EntityInfo *entity;
    RowState *rows;
    int nrows;
    EntityRows *next;
};

// ---- row locks ------------------------------------------------------------------
//
// Every push takes its row locks in one global order: entity by entity,
// parents before children (depth, then name), and within an entity by id,
// in one statement. Besides the rows its events name, a push locks at their
// entity's turn the parents its events will check (the live-parent rule) and
// the live children a delete of theirs cascades to, so no lock is taken out
// of that order later: two pushes of one shop never wait for each other in
// a cycle (40P01).
//
// Modes: a written row FOR NO KEY UPDATE, the lock an UPDATE that keeps the
// keys takes (no push changes id or shop_id), so the foreign-key checks of
// other writers (FOR KEY SHARE) never wait for a push; a checked parent
// FOR SHARE, which waits for a push writing that parent (its tombstone must
// be seen) but not for another push checking it.

struct LockId {
    Datum id;
    bool share; // a checked parent only
};

// A delete of a parent cascades to this entity's rows whose column holds one of parents.
struct CascadeLock {
    const char *column;
    Datum parents; // uuid[]
};

// Child rows whose current link (column) names a parent to share lock.
struct LinkSource {
    const EntityInfo *child;
    const char *column;
    Datum child_ids; // uuid[]
};

struct LockTarget {
    const EntityInfo *entity;
    int depth;
    LockId *ids;
    int nids, capacity;
    CascadeLock *cascades;
    int ncascades;
    LinkSource *sources;
    int nsources, sources_capacity;
};

struct LockPlan {
    LockTarget *targets;
    int n, capacity;
};

static LockTarget *TargetFor_Unsafe(PushContext *ctx, LockPlan *plan, const EntityInfo *entity) {
    for (int t = 0; t < plan->n; t++)
        if (plan->targets[t].entity == entity)
            return &plan->targets[t];
    if (plan->n == plan->capacity) {
        plan->capacity *= 2;
        plan->targets = (LockTarget *)repalloc(plan->targets, sizeof(LockTarget) * plan->capacity);
    }
    LockTarget *target = &plan->targets[plan->n++];
    memset(target, 0, sizeof(LockTarget));
    target->entity = entity;
    target->depth = EntityDepth_Unsafe(&ctx->entities, entity);
    target->capacity = 8;
    target->ids = (LockId *)palloc(sizeof(LockId) * target->capacity);
    target->cascades = (CascadeLock *)palloc(sizeof(CascadeLock) * Max(entity->nparents, 1));
    return target;
}

static void AddLockId(LockTarget *target, const pg_uuid_t &id, bool share) {
    if (target->nids == target->capacity) {
        target->capacity *= 2;
        target->ids = (LockId *)repalloc(target->ids, sizeof(LockId) * target->capacity);
    }
    target->ids[target->nids++] = {UuidGetDatumCopy(id), share};
}

// Parents before children: no lock of a push waits on a row of an entity
// that comes before one it holds.
static int CompareTargets(const void *a, const void *b) {
    const LockTarget *ta = (const LockTarget *)a, *tb = (const LockTarget *)b;
    if (ta->depth != tb->depth)
        return ta->depth < tb->depth ? -1 : 1;
    return strcmp(ta->entity->name, tb->entity->name);
}

static Datum UuidArrayDatum(Datum *ids, int n) {
    return PointerGetDatum(construct_array(ids, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

// The parents the live-parent rule will check for the entity's creates and
// updates (ParentsLive_Unsafe): the payload's link, or the row's current one,
// read without a lock by the parent's lock statement (a link another push
// changes meanwhile is checked there all the same, only locked out of order).
static void PlanParentLocks_Unsafe(PushContext *ctx, LockPlan *plan, const EntityInfo *entity,
                                   PushEvent **events, int n) {
    for (int l = 0; l < entity->nparents; l++) {
        const ParentLink &link = entity->parents[l];
        const EntityInfo *parent = LookupEntity_Unsafe(&ctx->entities, link.entity);
        if (parent == nullptr)
            continue;
        LockTarget *target = TargetFor_Unsafe(ctx, plan, parent);
        Datum *unread = (Datum *)palloc(sizeof(Datum) * Max(n, 1));
        int nunread = 0;
        for (int i = 0; i < n; i++) {
            PushEvent *event = events[i];
            if (event->op == EventOp::Delete || strcmp(event->entity, entity->name) != 0)
                continue;
            JsonbValue v;
            pg_uuid_t given;
            if (!event->has_payload || !JsonbGetKey(event->payload.val.binary.data, link.column, &v))
                unread[nunread++] = UuidGetDatumCopy(event->entity_id);
            else if (v.type == jbvString && ParseUuid(JsonbValueCString(v), &given))
                AddLockId(target, given, true);
        }
        if (nunread == 0)
            continue;
        if (target->nsources == target->sources_capacity) {
            target->sources_capacity = Max(4, target->sources_capacity * 2);
            target->sources =
                target->sources == nullptr
                    ? (LinkSource *)palloc(sizeof(LinkSource) * target->sources_capacity)
                    : (LinkSource *)repalloc(target->sources, sizeof(LinkSource) * target->sources_capacity);
        }
        target->sources[target->nsources++] = {entity, link.column, UuidArrayDatum(unread, nunread)};
    }
}

// The children the entity's deletes cascade to (ExecuteRun_Unsafe), found
// and locked at the child entity's turn, after the parents.
static void PlanCascadeLocks_Unsafe(PushContext *ctx, LockPlan *plan, const EntityInfo *entity,
                                    PushEvent **events, int n) {
    Datum *deleted = (Datum *)palloc(sizeof(Datum) * Max(n, 1));
    int ndeleted = 0;
    for (int i = 0; i < n; i++)
        if (events[i]->op == EventOp::Delete && strcmp(events[i]->entity, entity->name) == 0)
            deleted[ndeleted++] = UuidGetDatumCopy(events[i]->entity_id);
    if (ndeleted == 0)
        return;
    for (int c = 0; c < entity->nchildren; c++) {
        const EntityInfo *child = LookupEntity_Unsafe(&ctx->entities, entity->children[c].entity);
        if (child == nullptr)
            continue;
        LockTarget *target = TargetFor_Unsafe(ctx, plan, child);
        if (target->ncascades < Max(child->nparents, 1))
            target->cascades[target->ncascades++] = {entity->children[c].column,
                                                     UuidArrayDatum(deleted, ndeleted)};
    }
}

// Locks the target's rows in id order, one primary-key probe per id (the
// subqueries are not flattened, OFFSET 0, so no plan scans the whole shop),
// and reads the state of the rows the events name.
static EntityRows *LockRows_Unsafe(const PushContext *ctx, LockTarget *target, PushEvent **events, int n) {
    const EntityInfo *entity = target->entity;
    EntityRows *set = (EntityRows *)palloc0(sizeof(EntityRows));
    set->entity = entity;
    set->rows = (RowState *)palloc0(sizeof(RowState) * Max(n, 1));
    for (int i = 0; i < n; i++) {
        if (strcmp(events[i]->entity, entity->name) != 0)
            continue;
        bool seen = false;
        for (int r = 0; r < set->nrows && !seen; r++)
            seen = UuidEquals(set->rows[r].id, events[i]->entity_id);
        if (seen)
            continue;
        set->rows[set->nrows++].id = events[i]->entity_id;
        AddLockId(target, events[i]->entity_id, false);
    }
    Oid argtypes[3] = {UUIDOID, UUIDARRAYOID, BOOLARRAYOID};
    Datum shop = UuidGetDatumCopy(ctx->shop_id);
    for (int c = 0; c < target->ncascades; c++) {
        // the parents are locked already: no child joins them before this push ends
        char *sql = psprintf("SELECT id FROM %s WHERE shop_id = $1 AND %s = ANY($2) AND deleted_at IS NULL",
                             entity->qualified, quote_identifier(target->cascades[c].column));
        Datum values[2] = {shop, target->cascades[c].parents};
        uint64 found = ExecReplannedPlan_Unsafe(sql, 2, argtypes, values, nullptr, true, 0);
        for (uint64 r = 0; r < found; r++) {
            bool isnull;
            AddLockId(target,
                      *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)),
                      false);
        }
    }
    if (target->nids == 0 && target->nsources == 0)
        return set;
    Datum *ids = (Datum *)palloc(sizeof(Datum) * Max(target->nids, 1));
    Datum *shares = (Datum *)palloc(sizeof(Datum) * Max(target->nids, 1));
    for (int i = 0; i < target->nids; i++) {
        ids[i] = target->ids[i].id;
        shares[i] = BoolGetDatum(target->ids[i].share);
    }
    // The ids to lock: those given ($2, $3) and the parents the child rows
    // of the sources name now ($4 …), each once (a write lock wins), in id order.
    int nargs = 3 + target->nsources;
    Oid *types = (Oid *)palloc(sizeof(Oid) * nargs);
    Datum *values = (Datum *)palloc(sizeof(Datum) * nargs);
    types[0] = UUIDOID, types[1] = UUIDARRAYOID, types[2] = BOOLARRAYOID;
    values[0] = shop;
    values[1] = UuidArrayDatum(ids, target->nids);
    values[2] = PointerGetDatum(construct_array(shares, target->nids, BOOLOID, 1, true, TYPALIGN_CHAR));
    StringInfoData wanted;
    initStringInfo(&wanted);
    appendStringInfoString(&wanted, "SELECT * FROM unnest($2, $3)");
    for (int s = 0; s < target->nsources; s++) {
        const LinkSource &source = target->sources[s];
        types[3 + s] = UUIDARRAYOID;
        values[3 + s] = source.child_ids;
        appendStringInfo(
            &wanted, " UNION ALL SELECT c.%s::uuid, true FROM %s c WHERE c.shop_id = $1 AND c.id = ANY($%d)",
            quote_identifier(source.column), source.child->qualified, 4 + s);
    }
    char *sql = psprintf(
        "SELECT t.id, t.version, t.deleted_at IS NOT NULL, %s"
        " FROM (SELECT w.id, bool_and(w.share) AS share FROM (%s) AS w(id, share) WHERE w.id IS NOT NULL"
        "       GROUP BY w.id ORDER BY w.id OFFSET 0) u"
        " LEFT JOIN LATERAL (SELECT * FROM %s x WHERE x.shop_id = $1 AND x.id = u.id AND NOT u.share"
        " OFFSET 0 FOR NO KEY UPDATE) t ON true"
        " LEFT JOIN LATERAL (SELECT 1 FROM %s x WHERE x.shop_id = $1 AND x.id = u.id AND u.share"
        " OFFSET 0 FOR SHARE) p ON true",
        entity->status_column ? psprintf("t.%s::text", quote_identifier(entity->status_column))
                              : "NULL::text",
        wanted.data, entity->qualified, entity->qualified);
    // Generic plan: one primary-key probe per id whatever the statistics, no planning per push.
    uint64 found = ExecGenericPlan_Unsafe(sql, nargs, types, values, nullptr, false, 0);
    for (uint64 i = 0; i < found; i++) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc desc = SPI_tuptable->tupdesc;
        bool isnull;
        Datum id_datum = SPI_getbinval(tuple, desc, 1, &isnull);
        if (isnull)
            continue; // a checked parent, or no such row
        pg_uuid_t *id = DatumGetUUIDP(id_datum);
        for (int r = 0; r < set->nrows; r++) {
            if (!UuidEquals(set->rows[r].id, *id))
                continue;
            set->rows[r].found = true;
            set->rows[r].version = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
            set->rows[r].deleted = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
            set->rows[r].status = SPI_getvalue(tuple, desc, 4);
        }
    }
    return set;
}

static RowState *FindRow(EntityRows *sets, const char *entity, const pg_uuid_t &id) {
    for (EntityRows *set = sets; set != nullptr; set = set->next)
        if (strcmp(set->entity->name, entity) == 0)
            for (int r = 0; r < set->nrows; r++)
                if (UuidEquals(set->rows[r].id, id))
                    return &set->rows[r];
    return nullptr;
}

// ---- outcomes ------------------------------------------------------------------

static void SetConflict_Unsafe(const PushContext *ctx, const EntityInfo *entity, PushEvent *event) {
    char *sql = psprintf("SELECT version::text, to_jsonb(t)::text FROM %s t WHERE id = $1 AND shop_id = $2",
                         entity->qualified);
    Oid argtypes[2] = {UUIDOID, UUIDOID};
    Datum values[2] = {UuidGetDatumCopy(event->entity_id), UuidGetDatumCopy(ctx->shop_id)};
    ExecCachedPlan_Unsafe(sql, 2, argtypes, values, nullptr, false, 1);
    StartEntry(event, OutcomeStatus::Conflict);
    AppendJsonKey(event->entry, "server_version", false);
    appendStringInfoString(event->entry, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
    AppendJsonKey(event->entry, "server_record", false);
    appendStringInfoString(event->entry, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
}

static void SetAccepted(PushEvent *event, int64 version) {
    StartEntry(event, OutcomeStatus::Accepted);
    AppendJsonKey(event->entry, "op", false);
    AppendJsonString(event->entry, event->op_text);
    appendStringInfo(event->entry, ",\"version\":" INT64_FORMAT, version);
}

static void Audit_Unsafe(const PushContext *ctx, const PushEvent *event, const char *action,
                         const char *detail_json) {
    Oid argtypes[7] = {UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID, JSONBOID};
    Datum values[7] = {UuidGetDatumCopy(ctx->shop_id),        UuidGetDatumCopy(ctx->user_id),
                       CStringGetTextDatum(ctx->device_id),   CStringGetTextDatum(action),
                       CStringGetTextDatum(event->entity),    UuidGetDatumCopy(event->entity_id),
                       JsonbDatumFromText_Unsafe(detail_json)};
    ExecCachedPlan_Unsafe("INSERT INTO shopsync.audit_log"
                          " (shop_id, user_id, device_id, action, entity, entity_id, detail)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          7, argtypes, values, nullptr, false, 0);
}

// ---- deciding one event ----------------------------------------------------------

// The live-parent rule: a child row is written (created, updated, restored)
// only under parents that exist in this shop and are not tombstones, so no
// live child hangs under a deleted parent. The parent's id is the payload's
// value, or the row's current one; the parent row is share locked (mostly
// at the parent entity's turn already, PlanParentLocks_Unsafe), so no push
// tombstones it before this transaction ends.
static bool ParentsLive_Unsafe(const PushContext *ctx, const EntityInfo *entity, PushEvent *event) {
    EntityCache *cache = (EntityCache *)&ctx->entities;
    for (int i = 0; i < entity->nparents; i++) {
        const ParentLink &link = entity->parents[i];
        const EntityInfo *parent = LookupEntity_Unsafe(cache, link.entity);
        if (parent == nullptr)
            continue;
        JsonbValue v;
        bool in_payload = event->has_payload && JsonbGetKey(event->payload.val.binary.data, link.column, &v);
        pg_uuid_t given;
        if (in_payload &&
            (v.type == jbvNull || v.type != jbvString || !ParseUuid(JsonbValueCString(v), &given)))
            continue; // no parent, or a value the write itself refuses
        char *sql =
            psprintf("SELECT p.deleted_at IS NULL FROM %s p WHERE p.shop_id = $1 AND p.id = %s"
                     " FOR SHARE OF p",
                     parent->qualified,
                     in_payload ? "$2"
                                : psprintf("(SELECT c.%s FROM %s c WHERE c.shop_id = $1 AND c.id = $3)",
                                           quote_identifier(link.column), entity->qualified));
        Oid argtypes[3] = {UUIDOID, UUIDOID, UUIDOID};
        Datum values[3] = {UuidGetDatumCopy(ctx->shop_id), in_payload ? UuidGetDatumCopy(given) : (Datum)0,
                           UuidGetDatumCopy(event->entity_id)};
        char nulls[4] = "   ";
        if (!in_payload)
            nulls[1] = 'n';
        bool found = ExecCachedPlan_Unsafe(sql, 3, argtypes, values, nulls, false, 1) > 0;
        if (!found && !in_payload) {
            // the current row names no parent (a nullable link left empty)
            continue;
        }
        if (!found) {
            SetRejected(event, "parent_not_found",
                        psprintf("%s: the %s row it belongs to does not exist in this shop", entity->name,
                                 parent->name));
            return false;
        }
        bool isnull;
        if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))) {
            SetRejected(event, "parent_deleted",
                        psprintf("%s: the %s row it belongs to is deleted", entity->name, parent->name));
            return false;
        }
    }
    return true;
}

// What a decided event will write, and what to record once it is written.
struct PlannedWrite {
    PushEvent *event;
    const EntityInfo *entity;
    PayloadPlan plan;
    RowState *row;
    bool restore;
    bool override_used;
    char *old_status;
};

// Decides an event against the current row state. Returns true when it must
// be written (filling *write); otherwise its outcome is set.
static bool DecideEvent_Unsafe(PushContext *ctx, EntityRows *rows, PushEvent *event, PlannedWrite *write) {
    memset(write, 0, sizeof(PlannedWrite));
    const EntityInfo *entity = LookupEntity_Unsafe(&ctx->entities, event->entity);
    if (entity == nullptr) {
        SetRejected(event, "unknown_entity",
                    psprintf("no synced entity is called \"%s\"", ClipText(event->entity, -1, 64)));
        return false;
    }
    write->event = event;
    write->entity = entity;
    if (!PlanPayload_Unsafe(entity, event, &write->plan))
        return false;
    RowState *row = FindRow(rows, entity->name, event->entity_id);
    write->row = row;

    if (event->op == EventOp::Create) {
        if (row->found) {
            SetConflict_Unsafe(ctx, entity, event);
            return false;
        }
    } else {
        if (!row->found) {
            SetRejected(event, "not_found",
                        psprintf("%s has no row %s in this shop", entity->name, event->entity_id_text));
            return false;
        }
        if (row->version != event->base_version) {
            SetConflict_Unsafe(ctx, entity, event);
            return false;
        }
    }
    if (event->op == EventOp::Update) {
        write->restore = write->plan.restore && row->deleted;
        if (row->deleted && !write->restore) {
            SetRejected(event, "deleted",
                        "the row is deleted; restore it (\"deleted_at\": null) before editing it");
            return false;
        }
        if (write->plan.new_status != nullptr &&
            !StatusMoveAllowed(entity->status, row->status, write->plan.new_status)) {
            if (!event->override_status || !IsKnownStatus(entity->status, write->plan.new_status)) {
                SetRejected(event, "invalid_transition",
                            psprintf("%s: the status cannot move from \"%s\" to \"%s\"", entity->name,
                                     row->status ? ClipText(row->status, -1, 40) : "?",
                                     ClipText(write->plan.new_status, -1, 40)));
                return false;
            }
            write->override_used = true;
            write->old_status = row->status;
        }
    }
    if (event->op == EventOp::Delete && row->deleted) {
        SetAccepted(event, row->version); // already a tombstone: nothing to write
        return false;
    }
    if (event->op == EventOp::Create && write->plan.new_status != nullptr &&
        !IsKnownStatus(entity->status, write->plan.new_status)) {
        SetRejected(
            event, "invalid_transition",
            psprintf("%s: \"%s\" is not a status", entity->name, ClipText(write->plan.new_status, -1, 40)));
        return false;
    }
    const char *why =
        ForbiddenReason(ctx->role, entity->rules, event->op, write->restore, write->override_used);
    if (why != nullptr) {
        SetRejected(event, "forbidden", why);
        return false;
    }
    if (event->op != EventOp::Delete && !ParentsLive_Unsafe(ctx, entity, event))
        return false;
    return true;
}

// ---- writing a run ------------------------------------------------------------------

static char *ColumnList(const PayloadPlan &plan, const char *prefix, bool assign) {
    StringInfoData out;
    initStringInfo(&out);
    for (int i = 0; i < plan.ncolumns; i++) {
        const char *col = quote_identifier(plan.columns[i]);
        appendStringInfoString(&out, ", ");
        if (assign)
            appendStringInfo(&out, "%s = %s%s", col, prefix, col);
        else
            appendStringInfo(&out, "%s%s", prefix, col);
    }
    return out.data;
}

// The rows of a longer run, s(p, tid): each id found by its own primary-key
// probe (OFFSET 0 keeps the subquery apart), then written through its ctid.
// No plan of this can read the shop's other rows: the one alternative to a
// TID scan per row is a scan of the whole table, which only a small table
// makes cheaper, and plan_cache.cpp plans again once the table has doubled.
// (t.id = ANY($1) AND t.shop_id = $3, planned while the shop was small,
// kept reading every row of the shop by shop_id as it grew.)
static char *RunRows(const char *table) {
    return psprintf("(SELECT u.p, x.tid FROM unnest($1, $2) AS u(id, p) CROSS JOIN LATERAL"
                    " (SELECT ctid AS tid FROM %s x WHERE x.shop_id = $3 AND x.id = u.id OFFSET 0) x) s",
                    table);
}

// One statement writing every event of the run; RETURNING id, version.
// Parameters: $1 uuid[] ids, $2 jsonb[] payloads, $3 the shop. A run of one
// row uses scalar forms (id = ($1)[1]) whose cached plan always takes the
// primary key; longer runs probe it once per id (RunRows).
static const char *RunStatement(const PlannedWrite &first, bool single) {
    const char *table = first.entity->qualified;
    const PayloadPlan &plan = first.plan;
    switch (first.event->op) {
    case EventOp::Create:
        return psprintf(
            "INSERT INTO %s (id, shop_id%s) SELECT u.id, $3%s"
            " FROM unnest($1, $2) AS u(id, p) CROSS JOIN LATERAL jsonb_populate_record(NULL::%s, u.p) r"
            " RETURNING id, version",
            table, ColumnList(plan, "", false), ColumnList(plan, "r.", false), table);
    case EventOp::Update:
        if (single)
            return psprintf("UPDATE %s t SET %s FROM jsonb_populate_record(NULL::%s, ($2)[1]) r"
                            " WHERE t.id = ($1)[1] AND t.shop_id = $3 RETURNING t.id, t.version",
                            table, ColumnList(plan, "r.", true) + 2, table);
        return psprintf("UPDATE %s t SET %s FROM %s CROSS JOIN LATERAL jsonb_populate_record(NULL::%s, s.p) r"
                        " WHERE t.ctid = s.tid RETURNING t.id, t.version",
                        table, ColumnList(plan, "r.", true) + 2, RunRows(table), table);
    case EventOp::Delete:
        if (single)
            return psprintf("UPDATE %s SET deleted_at = now() WHERE shop_id = $3 AND id = ($1)[1]"
                            " AND $2 IS NOT NULL RETURNING id, version",
                            table);
        return psprintf("UPDATE %s t SET deleted_at = now() FROM %s WHERE t.ctid = s.tid AND $2 IS NOT NULL"
                        " RETURNING t.id, t.version",
                        table, RunRows(table));
    case EventOp::Invalid:
        break;
    }
    return nullptr;
}

struct RunWrite {
    PlannedWrite *writes;
    int n;
    const pg_uuid_t *shop_id;
    uint64 written;
    SPITupleTable *returned;
};

static int CompareEventIds(const void *a, const void *b) {
    return memcmp((*(PushEvent *const *)a)->entity_id.data, (*(PushEvent *const *)b)->entity_id.data,
                  UUID_LEN);
}

static void ExecuteRun_Unsafe(void *arg) {
    RunWrite *run = (RunWrite *)arg;
    // The statement writes the rows in id order: new rows take their keys in
    // the global lock order too, so two pushes creating the same rows in
    // different array orders wait for each other without a cycle. (The
    // outcomes map back by id; the seqs of distinct rows of one run follow no
    // promised order, docs/protocol.md.)
    PushEvent **sorted = (PushEvent **)palloc(sizeof(PushEvent *) * run->n);
    for (int i = 0; i < run->n; i++)
        sorted[i] = run->writes[i].event;
    qsort(sorted, run->n, sizeof(PushEvent *), CompareEventIds);
    Datum *ids = (Datum *)palloc(sizeof(Datum) * run->n);
    Datum *payloads = (Datum *)palloc(sizeof(Datum) * run->n);
    for (int i = 0; i < run->n; i++) {
        PushEvent *event = sorted[i];
        ids[i] = UuidGetDatumCopy(event->entity_id);
        payloads[i] = event->has_payload ? JsonbPGetDatum(JsonbFromValue(event->payload))
                                         : JsonbDatumFromText_Unsafe("{}");
    }
    Oid argtypes[3] = {UUIDARRAYOID, JSONBARRAYOID, UUIDOID};
    Datum values[3] = {PointerGetDatum(construct_array(ids, run->n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR)),
                       PointerGetDatum(construct_array(payloads, run->n, JSONBOID, -1, false, TYPALIGN_INT)),
                       UuidGetDatumCopy(*run->shop_id)};
    bool single = run->n == 1;
    const char *sql = RunStatement(run->writes[0], single);
    // Generic plans: a custom plan sees a young shop's statistics (a row or
    // two) and scans the whole shop by shop_id, filtering ids, every time.
    run->written = ExecGenericPlan_Unsafe(sql, 3, argtypes, values, nullptr, false, 0);
    run->returned = SPI_tuptable;
    // A parent's tombstone cascades to its children, so no device keeps live
    // children of a deleted parent, and the purge later removes both.
    const EntityInfo *entity = run->writes[0].entity;
    if (run->writes[0].event->op == EventOp::Delete)
        for (int c = 0; c < entity->nchildren; c++)
            ExecReplannedPlan_Unsafe(
                psprintf("UPDATE %s SET deleted_at = now() WHERE shop_id = $3 AND %s = ANY($1)"
                         " AND deleted_at IS NULL AND $2 IS NOT NULL",
                         entity->children[c].qualified, quote_identifier(entity->children[c].column)),
                3, argtypes, values, nullptr, false, 0);
}

static void RecordWritten_Unsafe(const PushContext *ctx, PlannedWrite *write, int64 version) {
    PushEvent *event = write->event;
    SetAccepted(event, version);
    RowState *row = write->row;
    row->found = true;
    row->version = version;
    if (event->op == EventOp::Delete)
        row->deleted = true;
    if (write->restore)
        row->deleted = false;
    if (write->plan.new_status != nullptr)
        row->status = write->plan.new_status;

    char *detail = psprintf("{\"version\": " INT64_FORMAT "}", version);
    if (event->op == EventOp::Delete)
        Audit_Unsafe(ctx, event, "delete", detail);
    if (write->restore)
        Audit_Unsafe(ctx, event, "restore", detail);
    if (write->override_used) {
        StringInfoData from_to;
        initStringInfo(&from_to);
        appendStringInfoString(&from_to, "{\"from\":");
        AppendJsonString(&from_to, write->old_status);
        appendStringInfoString(&from_to, ",\"to\":");
        AppendJsonString(&from_to, write->plan.new_status);
        appendStringInfoChar(&from_to, '}');
        Audit_Unsafe(ctx, event, "status_override", from_to.data);
    }
}

// Maps a written run's RETURNING (id, version) back to its events (ids are
// distinct in a run) and records them.
static void RecordRun_Unsafe(const PushContext *ctx, const RunWrite &run) {
    int64 *versions = (int64 *)palloc0(sizeof(int64) * run.n);
    for (uint64 r = 0; r < run.written; r++) {
        bool isnull;
        pg_uuid_t *id =
            DatumGetUUIDP(SPI_getbinval(run.returned->vals[r], run.returned->tupdesc, 1, &isnull));
        int64 version =
            DatumGetInt64(SPI_getbinval(run.returned->vals[r], run.returned->tupdesc, 2, &isnull));
        for (int i = 0; i < run.n; i++)
            if (UuidEquals(run.writes[i].event->entity_id, *id))
                versions[i] = version;
    }
    for (int i = 0; i < run.n; i++) {
        if (versions[i] == 0)
            elog(ERROR, "event %s was not written by its run", run.writes[i].event->key_text);
        RecordWritten_Unsafe(ctx, &run.writes[i], versions[i]);
    }
}

// Writes a run in one subtransaction; if it fails, one event at a time.
static void WriteRun_Unsafe(const PushContext *ctx, PlannedWrite *writes, int n) {
    if (n == 0)
        return;
    RunWrite run = {writes, n, &ctx->shop_id, 0, nullptr};
    SubxactError error;
    if (!RunInSubtransaction_Unsafe(ExecuteRun_Unsafe, &run, &error)) {
        if (n == 1) {
            const char *reason = ReasonForSqlState(error.sqlstate, error.constraint_name);
            const char *message = ClientMessageForReason(reason, error.sqlstate);
            SetRejected(writes[0].event, reason, message ? message : ClipText(error.message, -1, 200));
            return;
        }
        for (int i = 0; i < n; i++)
            WriteRun_Unsafe(ctx, &writes[i], 1);
        return;
    }
    RecordRun_Unsafe(ctx, run);
}

struct RunWrites {
    RunWrite *runs;
    int n;
};

static void ExecuteRuns_Unsafe(void *arg) {
    RunWrites *all = (RunWrites *)arg;
    for (int r = 0; r < all->n; r++)
        ExecuteRun_Unsafe(&all->runs[r]);
}

// Writes several runs in one subtransaction (each one costs a subtransaction
// id); if that fails, run by run, each in its own (and then event by event).
static void WriteRuns_Unsafe(const PushContext *ctx, RunWrite *runs, int n) {
    if (n == 1) {
        WriteRun_Unsafe(ctx, runs[0].writes, runs[0].n);
        return;
    }
    RunWrites all = {runs, n};
    SubxactError error;
    if (!RunInSubtransaction_Unsafe(ExecuteRuns_Unsafe, &all, &error)) {
        for (int r = 0; r < n; r++)
            WriteRun_Unsafe(ctx, runs[r].writes, runs[r].n);
        return;
    }
    for (int r = 0; r < n; r++)
        RecordRun_Unsafe(ctx, runs[r]);
}

// The runs opened and not yet written: writes in arrival order, each with
// the run it joined; runs are written in the order they were opened.
struct PendingRuns {
    PlannedWrite *writes;
    int *run_of;
    PlannedWrite *batch; // the writes gathered run by run, for WriteRuns_Unsafe
    int nwrites, nruns;

    explicit PendingRuns(int n)
        : writes((PlannedWrite *)palloc(sizeof(PlannedWrite) * Max(n, 1))),
          run_of((int *)palloc(sizeof(int) * Max(n, 1))),
          batch((PlannedWrite *)palloc(sizeof(PlannedWrite) * Max(n, 1))), nwrites(0), nruns(0) {}

    bool Writes(const char *entity, const pg_uuid_t &id) const {
        for (int i = 0; i < nwrites; i++)
            if (UuidEquals(writes[i].event->entity_id, id) && strcmp(writes[i].event->entity, entity) == 0)
                return true;
        return false;
    }

    bool AnyOtherEntity(const EntityInfo *entity) const {
        for (int i = 0; i < nwrites; i++)
            if (writes[i].entity != entity)
                return true;
        return false;
    }

    // Same entity, op and columns: one statement. (Rows are distinct: a
    // second event on a pending row flushes first.)
    void Add(const PlannedWrite &write) {
        int run = nruns;
        for (int i = 0; i < nwrites && run == nruns; i++)
            if (writes[i].entity == write.entity && writes[i].event->op == write.event->op &&
                strcmp(writes[i].plan.signature, write.plan.signature) == 0)
                run = run_of[i];
        if (run == nruns)
            nruns++;
        run_of[nwrites] = run;
        writes[nwrites++] = write;
    }

    void FlushAll_Unsafe(const PushContext *ctx) {
        if (nruns == 0)
            return;
        RunWrite *runs = (RunWrite *)palloc0(sizeof(RunWrite) * nruns);
        int m = 0;
        for (int r = 0; r < nruns; r++) {
            runs[r].writes = &batch[m];
            runs[r].shop_id = &ctx->shop_id;
            for (int i = 0; i < nwrites; i++)
                if (run_of[i] == r)
                    batch[m++] = writes[i];
            runs[r].n = (int)(&batch[m] - runs[r].writes);
        }
        WriteRuns_Unsafe(ctx, runs, nruns);
        nwrites = nruns = 0;
    }
};

// ---- write groups -------------------------------------------------------------------

// Applies the events of one write group in one subtransaction, parents
// before children (stable by entity depth), one event at a time. The first
// event refused or in conflict is the culprit: the subtransaction rolls back
// (rows, log entries, audit), the row states return to what they were, and
// every other event of the group becomes group_failed with the culprit as cause.
static void ApplyGroup_Unsafe(PushContext *ctx, EntityRows *rows, PushEvent **members, int m) {
    int *depth = (int *)palloc0(sizeof(int) * m);
    for (int i = 0; i < m; i++) {
        const EntityInfo *entity = LookupEntity_Unsafe(&ctx->entities, members[i]->entity);
        depth[i] = entity ? EntityDepth_Unsafe(&ctx->entities, entity) : 0;
    }
    for (int i = 1; i < m; i++) // insertion sort: stable, groups are small
        for (int j = i; j > 0 && depth[j - 1] > depth[j]; j--) {
            int d = depth[j];
            depth[j] = depth[j - 1];
            depth[j - 1] = d;
            PushEvent *e = members[j];
            members[j] = members[j - 1];
            members[j - 1] = e;
        }
    // row states to restore if the group rolls back
    int nsaved = 0;
    for (EntityRows *set = rows; set != nullptr; set = set->next)
        nsaved += set->nrows;
    RowState *saved = (RowState *)palloc(sizeof(RowState) * Max(nsaved, 1));
    int k = 0;
    for (EntityRows *set = rows; set != nullptr; set = set->next)
        for (int r = 0; r < set->nrows; r++)
            saved[k++] = set->rows[r];

    MemoryContext caller_context = CurrentMemoryContext;
    ResourceOwner caller_owner = CurrentResourceOwner;
    BeginInternalSubTransaction(NULL);
    MemoryContextSwitchTo(caller_context);
    PushEvent *culprit = nullptr;
    PG_TRY();
    {
        for (int i = 0; i < m && culprit == nullptr; i++) {
            PlannedWrite write;
            if (DecideEvent_Unsafe(ctx, rows, members[i], &write))
                WriteRun_Unsafe(ctx, &write, 1);
            if (members[i]->status != OutcomeStatus::Accepted)
                culprit = members[i];
        }
        if (culprit == nullptr)
            ReleaseCurrentSubTransaction();
        else
            RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
        PG_RE_THROW();
    }
    PG_END_TRY();
    if (culprit == nullptr)
        return;
    k = 0;
    for (EntityRows *set = rows; set != nullptr; set = set->next)
        for (int r = 0; r < set->nrows; r++)
            set->rows[r] = saved[k++];
    for (int i = 0; i < m; i++)
        if (members[i] != culprit)
            SetGroupFailed(members[i], culprit);
}

void ApplyEvents_Unsafe(PushContext *ctx, PushEvent **events, int n) {
    // Lock every row the batch will write or check, in the global order (row locks, above).
    LockPlan plan = {(LockTarget *)palloc(sizeof(LockTarget) * 4), 0, 4};
    const EntityInfo **named = (const EntityInfo **)palloc(sizeof(EntityInfo *) * Max(n, 1));
    int nnamed = 0;
    for (int i = 0; i < n; i++) {
        const EntityInfo *entity = LookupEntity_Unsafe(&ctx->entities, events[i]->entity);
        bool seen = entity == nullptr;
        for (int e = 0; e < nnamed && !seen; e++)
            seen = named[e] == entity;
        if (seen)
            continue;
        named[nnamed++] = entity;
        TargetFor_Unsafe(ctx, &plan, entity);
        PlanParentLocks_Unsafe(ctx, &plan, entity, events, n);
        PlanCascadeLocks_Unsafe(ctx, &plan, entity, events, n);
    }
    if (plan.n > 1)
        qsort(plan.targets, plan.n, sizeof(LockTarget), CompareTargets);
    EntityRows *rows = nullptr;
    for (int t = 0; t < plan.n; t++) {
        EntityRows *set = LockRows_Unsafe(ctx, &plan.targets[t], events, n);
        set->next = rows;
        rows = set;
    }

    // Pending runs, one per (entity, op, columns), written in the order they
    // were opened: events that alternate creates and updates of distinct rows
    // make two statements, not one per event.
    PendingRuns pending(n);
    PushEvent **members = (PushEvent **)palloc(sizeof(PushEvent *) * Max(n, 1));
    bool *done = (bool *)palloc0(sizeof(bool) * Max(n, 1));
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        if (events[i]->has_group) {
            // the whole group, where its first event stands
            pending.FlushAll_Unsafe(ctx);
            int m = 0;
            for (int j = i; j < n; j++)
                if (!done[j] && SameGroup(*events[i], *events[j])) {
                    members[m++] = events[j];
                    done[j] = true;
                }
            ApplyGroup_Unsafe(ctx, rows, members, m);
            continue;
        }
        // An event on a row a pending run writes must see that write first,
        // and a child's parent check must see its parents written.
        const EntityInfo *entity = LookupEntity_Unsafe(&ctx->entities, events[i]->entity);
        if ((entity != nullptr && entity->nparents > 0 && pending.AnyOtherEntity(entity)) ||
            pending.Writes(events[i]->entity, events[i]->entity_id))
            pending.FlushAll_Unsafe(ctx);
        PlannedWrite write;
        if (!DecideEvent_Unsafe(ctx, rows, events[i], &write))
            continue;
        pending.Add(write);
    }
    pending.FlushAll_Unsafe(ctx);
}

} // namespace shopsync
