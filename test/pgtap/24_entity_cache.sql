-- 24_entity_cache.sql — the push keeps each entity's rules and columns for the
-- backend's life (entity_registry.cpp), yet the very next push of the same
-- session obeys every change: rules registered again, a rollback of that, a
-- registration removed, another entity's parent link, a column added, retyped
-- or dropped, the table renamed. Each push below follows one that warmed the
-- cache with the old facts. (Changes committed by another session:
-- entity_cache.sh.)
BEGIN;
SELECT plan(17);
\ir fixtures.sql

CREATE TABLE public.gadgets (
  id uuid NOT NULL DEFAULT gen_random_uuid(), shop_id uuid NOT NULL REFERENCES shopsync.shops,
  name text NOT NULL DEFAULT '', version bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz, PRIMARY KEY (shop_id, id));
SELECT is(shopsync.enable_sync('public.gadgets'), 'gadgets', 'gadgets registers, owners and staff write');
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(1, 'gadgets', pg_temp.uid('b', 1), 'create', 0, '{"name": "A"}')))->>'status',
    'accepted', 'staff create a gadget (the cache now holds its rules)');

-- rules registered again in the same transaction
SELECT pg_temp.act_as_admin();
SELECT shopsync.enable_sync('public.gadgets', rules => '{"write_roles": ["owner"]}');
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(2, 'gadgets', pg_temp.uid('b', 2), 'create', 0, '{"name": "B"}')))->>'reason',
    'forbidden', 'the next push obeys write_roles changed earlier in the transaction');

-- a change rolled back
SAVEPOINT open_again;
SELECT pg_temp.act_as_admin();
SELECT shopsync.enable_sync('public.gadgets', rules => '{"write_roles": ["owner", "staff"]}');
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(3, 'gadgets', pg_temp.uid('b', 3), 'create', 0, '{"name": "C"}')))->>'status',
    'accepted', 'staff write again once write_roles name them');
ROLLBACK TO SAVEPOINT open_again;
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(4, 'gadgets', pg_temp.uid('b', 4), 'create', 0, '{"name": "D"}')))->>'reason',
    'forbidden', 'and are refused again once that change is rolled back');

-- the registry edited directly (no DDL on the table, so no relcache invalidation)
SELECT pg_temp.act_as_admin();
UPDATE shopsync.synced_tables SET write_roles = '{owner,staff}' WHERE entity = 'gadgets';
SELECT pg_temp.act_as('staff_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(20, 'gadgets', pg_temp.uid('b', 6), 'create', 0, '{"name": "F"}')))->>'status',
    'accepted', 'the next push obeys write_roles updated in the registry itself');

-- another entity's row: a child registered after the parent was cached
SELECT pg_temp.act_as_admin();
CREATE TABLE public.gadget_parts (
  id uuid NOT NULL DEFAULT gen_random_uuid(), shop_id uuid NOT NULL REFERENCES shopsync.shops,
  gadget_id uuid NOT NULL, version bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz, PRIMARY KEY (shop_id, id));
SELECT shopsync.enable_sync('public.gadget_parts', rules => '{"parents": [{"entity": "gadgets", "column": "gadget_id"}]}');
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(5, 'gadget_parts', pg_temp.uid('c', 1), 'create', 0,
        jsonb_build_object('gadget_id', pg_temp.uid('b', 1)))))->>'status', 'accepted', 'a part is created under gadget A');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(6, 'gadgets', pg_temp.uid('b', 1), 'delete', 1)))->>'status',
    'accepted', 'the owner deletes gadget A');
SELECT is((SELECT deleted_at IS NOT NULL FROM public.gadget_parts WHERE id = pg_temp.uid('c', 1)), true,
    'and its part, registered after gadgets was cached, became a tombstone with it');

-- columns
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(7, 'gadgets', pg_temp.uid('b', 5), 'create', 0, '{"colour": "red"}')))->>'reason',
    'unknown_column', 'a column the table lacks is refused');
SELECT pg_temp.act_as_admin();
ALTER TABLE public.gadgets ADD COLUMN colour text;
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(8, 'gadgets', pg_temp.uid('b', 5), 'create', 0, '{"colour": "red"}')))->>'status',
    'accepted', 'the next push after ADD COLUMN accepts the new column');
SELECT is((SELECT colour FROM public.gadgets WHERE id = pg_temp.uid('b', 5)), 'red', 'and stores it');
SELECT pg_temp.act_as_admin();
ALTER TABLE public.gadgets ALTER COLUMN colour TYPE int USING NULL;
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(9, 'gadgets', pg_temp.uid('b', 5), 'update', 1, '{"colour": "red"}')))->>'reason',
    'invalid_type', 'after a type change, a string for the now numeric column is refused');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(10, 'gadgets', pg_temp.uid('b', 5), 'update', 1, '{"colour": 7}')))->>'status',
    'accepted', 'and a number is accepted');
SELECT pg_temp.act_as_admin();
ALTER TABLE public.gadgets DROP COLUMN colour;
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(11, 'gadgets', pg_temp.uid('b', 5), 'update', 2, '{"colour": 8}')))->>'reason',
    'unknown_column', 'after DROP COLUMN the column is refused again');

-- the table renamed: the push writes the table under its new name
SELECT pg_temp.act_as_admin();
ALTER TABLE public.gadgets RENAME TO gizmos;
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(12, 'gadgets', pg_temp.uid('b', 5), 'update', 2, '{"name": "E"}')))->>'status',
    'accepted', 'after a rename the push writes the renamed table');

-- the registration removed
SELECT pg_temp.act_as_admin();
DELETE FROM shopsync.synced_tables WHERE entity = 'gadget_parts';
SELECT pg_temp.act_as('owner_a');
SELECT is(pg_temp.outcome(pg_temp.push(pg_temp.ev(13, 'gadget_parts', pg_temp.uid('c', 2), 'create', 0,
        jsonb_build_object('gadget_id', pg_temp.uid('b', 5)))))->>'reason', 'unknown_entity',
    'an entity whose registration was removed is unknown to the next push');
SELECT pg_temp.act_as_admin();

SELECT * FROM finish();
ROLLBACK;
