-- 11_drop.sql — DROP EXTENSION removes everything it created, and it can be
-- created again.
BEGIN;
SELECT plan(7);

DROP EXTENSION shopsync;
SELECT hasnt_schema('shopsync', 'DROP EXTENSION removes schema shopsync');
SELECT hasnt_schema('api', 'DROP EXTENSION removes schema api');
SELECT is((SELECT count(*) FROM pg_proc WHERE probin LIKE '%shopsync%'), 0::bigint, 'no function of the library is left');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'zz_shopsync%'), 0::bigint, 'no trigger is left');

CREATE EXTENSION shopsync;
SELECT has_schema('shopsync', 'CREATE EXTENSION works again after a drop');
SELECT is((SELECT count(*) FROM shopsync.synced_tables), 4::bigint, 'with the built-in entities registered');
SELECT throws_ok($$DROP SCHEMA shopsync$$, '2BP01', NULL, 'the schema cannot be dropped from under the extension');

SELECT * FROM finish();
ROLLBACK;
