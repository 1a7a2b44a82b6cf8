-- sql/roles.sql — the Supabase-style roles, for a bare (self-hosted) PostgreSQL.
-- Run once per cluster, as a superuser, before CREATE EXTENSION shopsync.
-- Supabase projects already have these roles; skip this file there.
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        CREATE ROLE anon NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
    END IF;
END
$do$;

-- The gateway's login role, like PostgREST's "authenticator": it owns nothing
-- and has no table rights; it can only become anon or authenticated per request.
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopsync_gateway') THEN
        CREATE ROLE shopsync_gateway LOGIN NOINHERIT;
    END IF;
END
$do$;
GRANT anon, authenticated TO shopsync_gateway;
