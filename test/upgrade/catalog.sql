-- test/upgrade/catalog.sql — the extension's catalog as sorted text: functions,
-- tables and columns, constraints, indexes, policies, triggers, grants.
-- Run in an updated and a fresh database; the outputs must be equal.
\set ON_ERROR_STOP 1
SELECT 'function', p.oid::regprocedure::text, pg_get_function_result(p.oid), p.prosecdef, p.provolatile,
       p.proconfig, l.lanname, CASE WHEN l.lanname = 'c' THEN p.prosrc ELSE md5(p.prosrc) END,
       p.proacl, obj_description(p.oid, 'pg_proc')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace IN ('shopsync'::regnamespace, 'api'::regnamespace) ORDER BY 2;
SELECT 'column', c.oid::regclass::text, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attgenerated
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'shopsync'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 2, 3;
SELECT 'table', c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity, c.relacl
  FROM pg_class c WHERE c.relnamespace = 'shopsync'::regnamespace AND c.relkind = 'r' ORDER BY 2;
SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'shopsync'::regnamespace ORDER BY 2, 3;
SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'shopsync'::regnamespace ORDER BY 2;
SELECT 'policy', schemaname, tablename, policyname, permissive, roles, cmd, qual, with_check
  FROM pg_policies WHERE schemaname IN ('shopsync', 'api') ORDER BY 2, 3, 4;
SELECT 'trigger', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled
  FROM pg_trigger WHERE NOT tgisinternal
   AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'shopsync'::regnamespace) ORDER BY 2, 3;
SELECT 'registry', to_jsonb(t) - 'enabled_at' - 'relid', t.relid::regclass::text FROM shopsync.synced_tables t ORDER BY 3;
SELECT 'schema', nspname, nspacl FROM pg_namespace WHERE nspname IN ('shopsync', 'api') ORDER BY 2;
