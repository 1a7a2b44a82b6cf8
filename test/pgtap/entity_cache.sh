#!/usr/bin/env bash
# test/pgtap/entity_cache.sh — a backend keeps each entity's rules and columns
# for its life (entity_registry.cpp); a change another session commits (rules
# registered again, the registry row updated, a column added) is obeyed by
# this backend's very next push.
# Needs two sessions, one kept open across the other's commits, which a pgTAP
# file cannot do. Prints TAP; expects test/pgtap/run.sh's cluster.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"
SHOP=cacecace-cace-cace-cace-cacecacecace
OWNER=cacecace-0000-0000-0000-000000000001
STAFF=cacecace-0000-0000-0000-000000000002
echo "1..5"
q <<SQL >/dev/null
INSERT INTO shopsync.shops (id, name) VALUES ('$SHOP', 'Cache shop') ON CONFLICT DO NOTHING;
INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES ('$SHOP', '$OWNER', 'owner'), ('$SHOP', '$STAFF', 'staff')
  ON CONFLICT DO NOTHING;
CREATE TABLE public.widgets (
  id uuid NOT NULL DEFAULT gen_random_uuid(), shop_id uuid NOT NULL REFERENCES shopsync.shops,
  name text NOT NULL DEFAULT '', version bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz, PRIMARY KEY (shop_id, id));
SELECT shopsync.enable_sync('public.widgets');
SQL

# The long-lived session: one psql, fed a statement at a time; __done__ marks each answer's end.
coproc PUSHER { psql -X -q -At 2>&1; }
pusher() {
    printf '%s\n\\echo __done__\n' "$1" >&"${PUSHER[1]}"
    local line out=""
    while IFS= read -r -t 20 line <&"${PUSHER[0]}"; do
        [ "$line" = __done__ ] && break
        out+="$line"
    done
    printf '%s' "$out"
}
# One event as a user of the shop; prints the outcome's reason or status.
push_as() { # user key id payload
    pusher "SET request.jwt.claims TO '{\"sub\":\"$1\",\"shop_id\":\"$SHOP\",\"role\":\"authenticated\"}';
SET ROLE authenticated;
SELECT coalesce(r->'rejected'->0->>'reason', CASE WHEN jsonb_array_length(r->'accepted') = 1 THEN 'accepted' END, r::text)
  FROM api.sync_push(jsonb_build_object('device_id', 'cache-device', 'events', jsonb_build_array(jsonb_build_object(
       'idempotency_key', gen_random_uuid(), 'entity', 'widgets', 'entity_id', '$3', 'op', 'create',
       'base_version', 0, 'payload', '$4'::jsonb)))) r;
RESET ROLE;"
}

out=$(push_as "$STAFF" 1 cacecace-0000-0000-0001-000000000001 '{"name": "a"}')
[ "$out" = accepted ]
ok $? "staff create a widget in the long-lived session (got $out)"
q -c "SELECT shopsync.enable_sync('public.widgets', rules => '{\"write_roles\": [\"owner\"]}')" >/dev/null
out=$(push_as "$STAFF" 2 cacecace-0000-0000-0001-000000000002 '{"name": "b"}')
[ "$out" = forbidden ]
ok $? "after another session makes widgets owners-only, the session's next push refuses staff (got $out)"
q -c "UPDATE shopsync.synced_tables SET write_roles = '{owner,staff}' WHERE entity = 'widgets'" >/dev/null
out=$(push_as "$STAFF" 5 cacecace-0000-0000-0001-000000000005 '{"name": "c"}')
[ "$out" = accepted ]
ok $? "after another session updates the registry row itself (no DDL), the next push lets staff write (got $out)"
out=$(push_as "$OWNER" 3 cacecace-0000-0000-0001-000000000003 '{"colour": "red"}')
[ "$out" = unknown_column ]
ok $? "a column widgets lacks is refused (got $out)"
q -c "ALTER TABLE public.widgets ADD COLUMN colour text" >/dev/null
out=$(push_as "$OWNER" 4 cacecace-0000-0000-0001-000000000004 '{"colour": "red"}')
[ "$out" = accepted ]
ok $? "after another session adds the column, the session's next push accepts it (got $out)"

pusher_pid=$PUSHER_PID
eval "exec ${PUSHER[1]}>&-"
wait "$pusher_pid" 2>/dev/null
q <<SQL >/dev/null
DELETE FROM shopsync.synced_tables WHERE entity = 'widgets';
DROP TABLE public.widgets;
SQL
exit $fail
