// extension/pg/push_event_apply.cpp — validating a pushed event against its
// table and applying it (DESIGN §4):
//   payload columns must exist, be the client's to write, carry the right
//   JSON type and fit shopsync.max_field_bytes;
//   the row is locked, then base_version decides: equal → apply and bump,
//   different → conflict with the server's record (no clock is consulted);
//   roles, restores and the order status lifecycle are checked;
//   the write runs in a subtransaction so a constraint error rejects only
//   this event. Deletes are tombstones; deletes, restores and status
//   overrides are written to audit_log.
#include "json_util.hpp"
#include "plan_cache.hpp"
#include "push_event.hpp"
#include "shopsync.hpp"
#include "subxact.hpp"

namespace shopsync {

// What the payload asks for, once validated.
struct PayloadPlan {
    int ncolumns;
    const char **columns; // payload keys, in jsonb (sorted) order
    bool restore;         // "deleted_at": null
    char *new_status;     // orders only: the status the payload sets
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
    if (!event->has_payload || event->op == EventOp::Delete)
        return true; // a delete's payload is ignored
    plan->columns = (const char **)palloc(sizeof(char *) * (JsonbValueSize(event->payload) + 1));
    JsonbIterator *it = JsonbIteratorInit(event->payload.val.binary.data);
    JsonbValue v;
    JsonbIteratorToken token;
    char *key = nullptr;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token == WJB_KEY) {
            key = pnstrdup(v.val.string.val, Min(v.val.string.len, 200));
            continue;
        }
        if (token != WJB_VALUE)
            continue;
        const ColumnInfo *col = FindColumn(entity, key);
        if (col == nullptr) {
            SetRejected(event, "unknown_column",
                        psprintf("%s has no column \"%s\"", entity->name, key));
            return false;
        }
        if (col->server_owned || col->generated) {
            bool is_restore = strcmp(col->name, "deleted_at") == 0 && v.type == jbvNull &&
                              event->op == EventOp::Update;
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
        if (strcmp(entity->name, "orders") == 0 && strcmp(col->name, "status") == 0)
            plan->new_status = JsonbValueCString(v);
        plan->columns[plan->ncolumns++] = col->name;
    }
    if (event->op == EventOp::Update && plan->ncolumns == 0) {
        SetRejected(event, "invalid_event", "an update needs at least one column in its payload");
        return false;
    }
    return true;
}

// ---- reading the current row ----------------------------------------------

struct CurrentRow {
    bool found;
    int64 version;
    bool deleted;
};

static CurrentRow LockCurrentRow_Unsafe(const PushContext *ctx, const EntityInfo *entity,
                                        const PushEvent *event) {
    char *sql = psprintf("SELECT version, deleted_at IS NOT NULL FROM %s"
                         " WHERE id = $1 AND shop_id = $2 FOR UPDATE",
                         entity->qualified);
    Oid argtypes[2] = {UUIDOID, UUIDOID};
    Datum values[2] = {UuidGetDatumCopy(event->entity_id), UuidGetDatumCopy(ctx->shop_id)};
    CurrentRow row = {false, 0, false};
    if (ExecCachedPlan_Unsafe(sql, 2, argtypes, values, nullptr, false, 1) == 0)
        return row;
    bool isnull;
    row.found = true;
    row.version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    row.deleted = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    return row;
}

// One text column of the current row (e.g. an order's status).
static char *CurrentRowText_Unsafe(const PushContext *ctx, const EntityInfo *entity,
                                   const PushEvent *event, const char *column) {
    char *sql = psprintf("SELECT %s::text FROM %s WHERE id = $1 AND shop_id = $2",
                         quote_identifier(column), entity->qualified);
    Oid argtypes[2] = {UUIDOID, UUIDOID};
    Datum values[2] = {UuidGetDatumCopy(event->entity_id), UuidGetDatumCopy(ctx->shop_id)};
    if (ExecCachedPlan_Unsafe(sql, 2, argtypes, values, nullptr, false, 1) == 0)
        return nullptr;
    return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

static void SetConflict_Unsafe(const PushContext *ctx, const EntityInfo *entity, PushEvent *event) {
    char *sql = psprintf("SELECT version::text, to_jsonb(t)::text FROM %s t"
                         " WHERE id = $1 AND shop_id = $2",
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

// ---- writing ------------------------------------------------------------------

struct WriteStatement {
    const char *sql;
    int nargs;
    Oid argtypes[3];
    Datum values[3];
    const char *cascade_sql; // optional second statement (tombstones of children)
    int64 new_version;
};

static void RunWriteStatement_Unsafe(void *arg) {
    WriteStatement *w = (WriteStatement *)arg;
    ExecCachedPlan_Unsafe(w->sql, w->nargs, w->argtypes, w->values, nullptr, false, 0);
    bool isnull;
    w->new_version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    if (w->cascade_sql != nullptr) {
        Oid types[2] = {UUIDOID, UUIDOID};
        Datum values[2] = {w->values[2], w->values[1]}; // shop_id, id
        ExecCachedPlan_Unsafe(w->cascade_sql, 2, types, values, nullptr, false, 0);
    }
}

static char *ColumnList(const PayloadPlan &plan, const char *prefix, bool assign) {
    StringInfoData out;
    initStringInfo(&out);
    for (int i = 0; i < plan.ncolumns; i++) {
        const char *col = quote_identifier(plan.columns[i]);
        if (i > 0)
            appendStringInfoString(&out, ", ");
        if (assign)
            appendStringInfo(&out, "%s = %s%s", col, prefix, col);
        else
            appendStringInfo(&out, "%s%s", prefix, col);
    }
    return out.data;
}

static void BuildWrite_Unsafe(const PushContext *ctx, const EntityInfo *entity, const PushEvent *event,
                              const PayloadPlan &plan, WriteStatement *w) {
    memset(w, 0, sizeof(WriteStatement));
    w->nargs = 3;
    w->argtypes[0] = JSONBOID;
    w->argtypes[1] = UUIDOID;
    w->argtypes[2] = UUIDOID;
    w->values[0] = event->has_payload ? JsonbPGetDatum(JsonbFromValue(event->payload))
                                      : JsonbDatumFromText_Unsafe("{}");
    w->values[1] = UuidGetDatumCopy(event->entity_id);
    w->values[2] = UuidGetDatumCopy(ctx->shop_id);
    switch (event->op) {
    case EventOp::Create:
        w->sql = psprintf("INSERT INTO %s (id, shop_id%s%s)"
                          " SELECT $2, $3%s%s FROM jsonb_populate_record(NULL::%s, $1) r"
                          " RETURNING version",
                          entity->qualified, plan.ncolumns ? ", " : "", ColumnList(plan, "", false),
                          plan.ncolumns ? ", " : "", ColumnList(plan, "r.", false), entity->qualified);
        break;
    case EventOp::Update:
        w->sql = psprintf("UPDATE %s t SET %s FROM jsonb_populate_record(NULL::%s, $1) r"
                          " WHERE t.id = $2 AND t.shop_id = $3 RETURNING t.version",
                          entity->qualified, ColumnList(plan, "r.", true), entity->qualified);
        break;
    case EventOp::Delete:
        w->sql = psprintf("UPDATE %s SET deleted_at = now()"
                          " WHERE id = $2 AND shop_id = $3 AND $1 IS NOT NULL RETURNING version",
                          entity->qualified);
        // Deleting an order tombstones its line items too, so no device keeps
        // live items of a deleted order, and the purge later removes both.
        if (strcmp(entity->name, "orders") == 0)
            w->cascade_sql = "UPDATE shopsync.order_items SET deleted_at = now()"
                             " WHERE shop_id = $1 AND order_id = $2 AND deleted_at IS NULL";
        break;
    case EventOp::Invalid:
        break;
    }
}

static void Audit_Unsafe(const PushContext *ctx, const PushEvent *event, const char *action,
                         const char *detail_json) {
    Oid argtypes[7] = {UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID, JSONBOID};
    Datum values[7] = {UuidGetDatumCopy(ctx->shop_id),
                       UuidGetDatumCopy(ctx->user_id),
                       CStringGetTextDatum(ctx->device_id),
                       CStringGetTextDatum(action),
                       CStringGetTextDatum(event->entity),
                       UuidGetDatumCopy(event->entity_id),
                       JsonbDatumFromText_Unsafe(detail_json)};
    ExecCachedPlan_Unsafe("INSERT INTO shopsync.audit_log"
                          " (shop_id, user_id, device_id, action, entity, entity_id, detail)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          7, argtypes, values, nullptr, false, 0);
}

static bool CheckForbidden(const PushContext *ctx, PushEvent *event, bool restore, bool override_status) {
    const char *why = ForbiddenReason(ctx->role, event->entity, event->op, restore, override_status);
    if (why == nullptr)
        return true;
    SetRejected(event, "forbidden", why);
    return false;
}

void ApplyEvent_Unsafe(PushContext *ctx, PushEvent *event) {
    const EntityInfo *entity = LookupEntity_Unsafe(&ctx->entities, event->entity);
    if (entity == nullptr) {
        SetRejected(event, "unknown_entity",
                    psprintf("no synced entity is called \"%.64s\"", event->entity));
        return;
    }
    PayloadPlan plan;
    if (!PlanPayload_Unsafe(entity, event, &plan))
        return;
    CurrentRow row = LockCurrentRow_Unsafe(ctx, entity, event);

    bool restore = false;
    bool override_used = false;
    char *old_status = nullptr;
    if (event->op == EventOp::Create) {
        if (row.found) {
            SetConflict_Unsafe(ctx, entity, event);
            return;
        }
    } else {
        if (!row.found) {
            SetRejected(event, "not_found",
                        psprintf("%s has no row %s in this shop", entity->name, event->entity_id_text));
            return;
        }
        if (row.version != event->base_version) {
            SetConflict_Unsafe(ctx, entity, event);
            return;
        }
    }
    if (event->op == EventOp::Update) {
        restore = plan.restore && row.deleted;
        if (row.deleted && !restore) {
            SetRejected(event, "deleted",
                        "the row is deleted; restore it (\"deleted_at\": null) before editing it");
            return;
        }
        if (plan.new_status != nullptr) {
            old_status = CurrentRowText_Unsafe(ctx, entity, event, "status");
            if (!OrderStatusMoveAllowed(old_status, plan.new_status)) {
                if (!event->override_status || !IsKnownOrderStatus(plan.new_status)) {
                    SetRejected(event, "invalid_transition",
                                psprintf("an order's status cannot move from \"%s\" to \"%.40s\"",
                                         old_status ? old_status : "?", plan.new_status));
                    return;
                }
                override_used = true;
            }
        }
    }
    if (event->op == EventOp::Delete && row.deleted) {
        SetAccepted(event, row.version); // already a tombstone: nothing to do
        return;
    }
    if (!CheckForbidden(ctx, event, restore, override_used))
        return;

    WriteStatement write;
    BuildWrite_Unsafe(ctx, entity, event, plan, &write);
    SubxactError error;
    if (!RunInSubtransaction_Unsafe(RunWriteStatement_Unsafe, &write, &error)) {
        SetRejected(event, ReasonForSqlState(error.sqlstate, error.constraint_name), error.message);
        return;
    }
    SetAccepted(event, write.new_version);

    if (event->op == EventOp::Delete)
        Audit_Unsafe(ctx, event, "delete", psprintf("{\"version\": " INT64_FORMAT "}", write.new_version));
    if (restore)
        Audit_Unsafe(ctx, event, "restore", psprintf("{\"version\": " INT64_FORMAT "}", write.new_version));
    if (override_used) {
        StringInfoData detail;
        initStringInfo(&detail);
        appendStringInfoString(&detail, "{\"from\":");
        AppendJsonString(&detail, old_status);
        appendStringInfoString(&detail, ",\"to\":");
        AppendJsonString(&detail, plan.new_status);
        appendStringInfoChar(&detail, '}');
        Audit_Unsafe(ctx, event, "status_override", detail.data);
    }
}

} // namespace shopsync
