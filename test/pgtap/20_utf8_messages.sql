-- 20_utf8_messages.sql — user text quoted in a rejection is cut on a
-- character boundary, so no invalid UTF-8 reaches clients, stored outcomes
-- or a dump: COPY TO then COPY FROM of idempotency_keys round-trips.
BEGIN;
SELECT plan(6);
\ir fixtures.sql

SELECT pg_temp.act_as('staff_a');
-- 'a' then 2-byte characters: a cut at 64 or 200 bytes by bytes lands mid-character
CREATE TEMP TABLE r AS SELECT pg_temp.push(
    pg_temp.ev(1, 'a' || repeat('é', 40), pg_temp.uid('c', 1), 'create', 0, '{"name": "x"}'),
    pg_temp.ev(2, 'customers', pg_temp.uid('c', 2), 'create', 0, jsonb_build_object('a' || repeat('é', 150), 1)),
    pg_temp.ev(3, 'customers', pg_temp.uid('c', 3), 'create', 0, '{"name": "x"}') || jsonb_build_object('a' || repeat('é', 40), 1))
    AS body;
SELECT is((SELECT count(*) FROM r, jsonb_array_elements(body->'rejected') e), 3::bigint, 'three rejections quote multibyte text');
SELECT ok((SELECT bool_and(convert_from(convert_to(e->>'message', 'UTF8'), 'UTF8') IS NOT NULL
                           AND octet_length(e->>'message') < 300)
             FROM r, jsonb_array_elements(body->'rejected') e), 'their messages are valid UTF-8 and short');
SELECT pg_temp.act_as_admin();
SELECT ok((SELECT bool_and(right(e->>'message', 2) IN ('é"', 'é…')) FROM r, jsonb_array_elements(body->'rejected') e
            WHERE e->>'reason' IN ('unknown_entity', 'invalid_event')),
    'the quoted text ends on a whole character');

-- a dump of the stored outcomes restores
SELECT lives_ok(format($$COPY (SELECT * FROM shopsync.idempotency_keys) TO '%s/shopsync-keys.copy'$$, current_setting('data_directory')),
    'COPY TO of idempotency_keys');
CREATE TEMP TABLE keys_back (LIKE shopsync.idempotency_keys);
SELECT lives_ok(format($$COPY keys_back FROM '%s/shopsync-keys.copy'$$, current_setting('data_directory')),
    'COPY FROM of what it wrote (encoding checked on input)');
SELECT is((SELECT count(*) FROM keys_back), (SELECT count(*) FROM shopsync.idempotency_keys), 'every stored outcome came back');

SELECT * FROM finish();
ROLLBACK;
