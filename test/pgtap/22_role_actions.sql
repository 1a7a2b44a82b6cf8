-- 22_role_actions.sql — who may do what (DESIGN §4, §6), exhaustively: every
-- api function × {owner, staff, viewer, stranger}, each either served or
-- refused with 42501. Every function of schema api must be in the matrix, so
-- a new action cannot ship without its row here.
BEGIN;
SELECT plan(3);
\ir fixtures.sql

INSERT INTO shopsync.users (id, email, password_hash) VALUES
    ('d0d0d0d0-0000-0000-0000-000000000000', 'new@example.com', '$argon2id$v=19$x');

-- action → the call, and the shop roles it serves (a stranger is never served,
-- except by create_shop and my_shops, which need a signed-in user only).
CREATE TEMP TABLE role_actions (action text PRIMARY KEY, call text NOT NULL, allowed text[] NOT NULL);
INSERT INTO role_actions VALUES
    ('sync_push', $$SELECT api.sync_push('{"device_id": "d", "events": []}')$$, '{owner,staff}'),
    ('sync_pull', $$SELECT api.sync_pull(0)$$, '{owner,staff,viewer}'),
    ('sync_snapshot', $$SELECT api.sync_snapshot('customers')$$, '{owner,staff,viewer}'),
    ('sync_health', $$SELECT api.sync_health()$$, '{owner,staff,viewer}'),
    ('create_shop', $$SELECT api.create_shop('New shop')$$, '{owner,staff,viewer,stranger}'),
    ('list_members', $$SELECT api.list_members()$$, '{owner}'),
    ('add_member', $$SELECT api.add_member('new@example.com', 'staff')$$, '{owner}'),
    ('set_member_role', $$SELECT api.set_member_role('a3a3a3a3-0000-0000-0000-000000000003', 'staff')$$, '{owner}'),
    ('remove_member', $$SELECT api.remove_member('a3a3a3a3-0000-0000-0000-000000000003')$$, '{owner}'),
    ('set_active_shop', $$SELECT api.set_active_shop('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')$$, '{owner,staff,viewer}'),
    ('my_shops', $$SELECT api.my_shops()$$, '{owner,staff,viewer,stranger}'),
    ('sync_stats', $$SELECT api.sync_stats()$$, '{owner}'),
    ('recent_refusals', $$SELECT api.recent_refusals(10)$$, '{owner}'),
    ('export_shop', $$SELECT api.export_shop('json', 'desk-1')$$, '{owner}');
GRANT SELECT ON role_actions TO PUBLIC;

-- 'ok' or the SQLSTATE; a served call is rolled back (raised past its own
-- block) so one row's effect never changes the next row's outcome.
CREATE FUNCTION pg_temp.try_call(call text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        EXECUTE call;
        RAISE EXCEPTION USING ERRCODE = 'SSOK0';
    EXCEPTION WHEN OTHERS THEN
        RETURN CASE SQLSTATE WHEN 'SSOK0' THEN 'ok' ELSE SQLSTATE END;
    END;
END
$fn$;

CREATE TEMP TABLE outcomes (action text, who text, got text, want text);
GRANT ALL ON outcomes TO PUBLIC;
DO $do$
DECLARE
    a record;
    who text;
BEGIN
    FOREACH who IN ARRAY ARRAY['owner', 'staff', 'viewer', 'stranger'] LOOP
        PERFORM pg_temp.act_as(CASE who WHEN 'stranger' THEN 'outsider' ELSE who || '_a' END);
        FOR a IN SELECT * FROM role_actions ORDER BY action LOOP
            INSERT INTO outcomes VALUES (a.action, who, pg_temp.try_call(a.call),
                                         CASE WHEN who = ANY (a.allowed) THEN 'ok' ELSE '42501' END);
        END LOOP;
    END LOOP;
    PERFORM pg_temp.act_as_admin();
END
$do$;

SELECT is((SELECT count(*) FROM outcomes), (SELECT 4 * count(*) FROM role_actions), 'every role tried every action');
SELECT is((SELECT array_agg(format('%s by %s: got %s, want %s', action, who, got, want) ORDER BY action, who)
             FROM outcomes WHERE got IS DISTINCT FROM want),
          NULL, 'each action serves exactly its roles and refuses the others with 42501');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'api'::regnamespace
              AND p.proname NOT IN (SELECT action FROM role_actions)),
          NULL, 'every api function is in the role × action matrix');

SELECT * FROM finish();
ROLLBACK;
