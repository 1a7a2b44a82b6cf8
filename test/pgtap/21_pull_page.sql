-- 21_pull_page.sql — api.sync_pull builds its page in C++, embedding each
-- stored payload as it is (extension/pg/jsonb_tree.cpp). The page must equal,
-- value for value and byte for byte of its text, the page the SQL
-- jsonb_build_object / jsonb_agg would build; more than 32 changes (jsonb's
-- offset stride), a compressed payload, escapes and numbers included.
BEGIN;
SELECT plan(7);
\ir fixtures.sql

INSERT INTO shopsync.customers (id, shop_id, name, notes)
SELECT pg_temp.uid('c', i), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Customer "' || i || E'" é\n\\',
       CASE WHEN i = 40 THEN repeat('long note ', 390) END
FROM generate_series(1, 70) i;
INSERT INTO shopsync.orders (id, shop_id, order_code, total)
SELECT pg_temp.uid('d', i), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'O-' || i, i * 1.25 FROM generate_series(1, 3) i;
DELETE FROM shopsync.customers WHERE id = pg_temp.uid('c', 7);

-- The reference: the page as SQL builds it, for a few (cursor, lim) pairs.
CREATE TEMP TABLE expected AS
SELECT v.c, v.l, (WITH page AS (
        SELECT seq, entity, entity_id, op, version, changed_at, payload FROM shopsync.change_log
        WHERE shop_id = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' AND seq > v.c ORDER BY seq LIMIT v.l + 1),
    served AS (SELECT * FROM page ORDER BY seq LIMIT v.l)
    SELECT jsonb_build_object(
        'changes', coalesce((SELECT jsonb_agg(jsonb_build_object('seq', seq, 'entity', entity, 'entity_id', entity_id,
                             'op', op, 'version', version, 'changed_at', changed_at, 'payload', payload) ORDER BY seq)
                             FROM served), '[]'::jsonb),
        'cursor', coalesce((SELECT max(seq) FROM served), v.c),
        'has_more', (SELECT count(*) FROM page) > v.l,
        'restore_epoch', shopsync.restore_epoch()::text)) AS page
FROM (VALUES (0, 1000), (0, 1), (0, 33), (5, 64), (70, 10), (74, 10)) v(c, l);
GRANT SELECT ON expected TO authenticated;

SELECT pg_temp.act_as('viewer_a');
CREATE TEMP TABLE got AS SELECT e.c, e.l, api.sync_pull(e.c, e.l) AS page FROM expected e;

SELECT is((SELECT count(*) FROM got g JOIN expected e USING (c, l) WHERE g.page = e.page), 6::bigint,
          'every page equals the page SQL builds');
SELECT is((SELECT count(*) FROM got g JOIN expected e USING (c, l) WHERE g.page::text = e.page::text), 6::bigint,
          'and prints the same text');
SELECT is((SELECT count(*) FROM got g WHERE (g.page::text)::jsonb = g.page), 6::bigint,
          'every page reads back from its text unchanged');
SELECT is((SELECT g.page->'changes'->65->'payload' FROM got g WHERE c = 0 AND l = 1000),
          (SELECT e.page->'changes'->65->'payload' FROM expected e WHERE c = 0 AND l = 1000),
          'a change past the offset stride is found by index');
SELECT is((SELECT length(g.page->'changes'->39->'payload'->>'notes') FROM got g WHERE c = 0 AND l = 1000), 3900,
          'a compressed payload comes whole');
SELECT is((SELECT g.page #> '{changes,71,payload,total}' FROM got g WHERE c = 0 AND l = 1000), '2.50'::jsonb,
          'numbers inside payloads keep their value');
SELECT is((SELECT g.page->'changes' FROM got g WHERE c = 74), '[]'::jsonb, 'a page at the head is empty');

SELECT * FROM finish();
ROLLBACK;
