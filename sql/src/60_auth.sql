-- sql/src/60_auth.sql — users, refresh tokens and shop membership management
-- for the bundled gateway (on Supabase, GoTrue plays this part).
-- Passwords are hashed by the gateway (argon2id) and only the hash is stored;
-- refresh tokens are stored as SHA-256 hashes, rotate on every use, and a
-- reused (already rotated) token revokes its whole family.

CREATE TABLE shopsync.users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text NOT NULL UNIQUE CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'
                                               AND length(email) <= 320),
    password_hash  text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shopsync.refresh_tokens (
    token_hash  text PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES shopsync.users (id) ON DELETE CASCADE,
    shop_id     uuid REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON shopsync.refresh_tokens (family_id);

-- Nobody reads these tables directly: RLS on, no policy.
ALTER TABLE shopsync.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.users FORCE ROW LEVEL SECURITY;
ALTER TABLE shopsync.refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.refresh_tokens FORCE ROW LEVEL SECURITY;
REVOKE ALL ON shopsync.users, shopsync.refresh_tokens FROM PUBLIC;

-- ---- who users are: Supabase Auth's auth.users when it exists, else shopsync.users ----
-- (looked up dynamically, so installing Supabase Auth later needs no change here)

CREATE FUNCTION shopsync.user_id_by_email(email text) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found uuid;
BEGIN
    IF to_regclass('auth.users') IS NOT NULL THEN
        EXECUTE 'SELECT id FROM auth.users WHERE lower(email) = lower($1) ORDER BY created_at LIMIT 1'
            INTO found USING email;
    ELSE
        SELECT u.id INTO found FROM shopsync.users u WHERE u.email = lower(user_id_by_email.email);
    END IF;
    RETURN found;
END
$$;

CREATE FUNCTION shopsync.user_email(user_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found text;
BEGIN
    IF to_regclass('auth.users') IS NOT NULL THEN
        EXECUTE 'SELECT email::text FROM auth.users WHERE id = $1' INTO found USING user_id;
    ELSE
        SELECT u.email INTO found FROM shopsync.users u WHERE u.id = user_email.user_id;
    END IF;
    RETURN found;
END
$$;

-- The shop a user chose to work in (api.set_active_shop): new tokens name it
-- (the gateway's sign-in, and Supabase's access-token hook). Keyed by user,
-- like refresh_tokens: shop_id is nullable, so it is not a per-shop table.
CREATE TABLE shopsync.active_shops (
    user_id    uuid PRIMARY KEY,
    shop_id    uuid REFERENCES shopsync.shops (id) ON DELETE CASCADE,
    chosen_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE shopsync.active_shops ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopsync.active_shops FORCE ROW LEVEL SECURITY;
REVOKE ALL ON shopsync.active_shops FROM PUBLIC;

-- The user's active shop while they are still a member of it, else NULL.
CREATE FUNCTION shopsync.active_shop(user_id uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.shop_id FROM shopsync.active_shops a
      JOIN shopsync.shop_members m ON m.shop_id = a.shop_id AND m.user_id = a.user_id
     WHERE a.user_id = active_shop.user_id
$$;
REVOKE ALL ON FUNCTION shopsync.user_id_by_email(text), shopsync.user_email(uuid), shopsync.active_shop(uuid) FROM PUBLIC;

-- ---- called by the gateway's login role only -------------------------------------

CREATE FUNCTION shopsync.auth_signup(email text, password_hash text) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO shopsync.users (email, password_hash) VALUES (lower(email), password_hash) RETURNING id
$$;

CREATE FUNCTION shopsync.auth_password_hash(email text) RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT id, password_hash FROM shopsync.users WHERE users.email = lower(auth_password_hash.email)
$$;

-- The user's memberships, so the gateway can pick the shop for a token:
-- the active shop first (a sign-in that names none gets it), then by age.
CREATE FUNCTION shopsync.auth_memberships(user_id uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('shop_id', m.shop_id, 'role', m.role)
                              ORDER BY m.shop_id IS NOT DISTINCT FROM shopsync.active_shop(auth_memberships.user_id) DESC,
                                       m.created_at), '[]')
      FROM shopsync.shop_members m WHERE m.user_id = auth_memberships.user_id
$$;

CREATE FUNCTION shopsync.auth_issue_refresh(user_id uuid, shop_id uuid, token_hash text, family_id uuid,
                                            ttl interval) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO shopsync.refresh_tokens (token_hash, family_id, user_id, shop_id, expires_at)
    VALUES (token_hash, family_id, user_id, shop_id, now() + ttl)
$$;

-- Rotates a refresh token: marks it used and returns its user, shop and
-- family. A token used before is a theft signal: its family is revoked and
-- the call fails (PT401), as is an expired or revoked token. One exception,
-- for an answer lost on the way (issue 10): the same token again within 30 s
-- of its use, while the successor the family issued right after it is still
-- unused, returns {"retry": true, …, "successor_hash"} so the gateway can hand
-- out that same successor (it derives it from the token; only hashes are stored).
CREATE FUNCTION shopsync.auth_rotate_refresh(token_hash text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t shopsync.refresh_tokens;
    successor shopsync.refresh_tokens;
BEGIN
    SELECT * INTO t FROM shopsync.refresh_tokens r WHERE r.token_hash = auth_rotate_refresh.token_hash FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invalid refresh token' USING ERRCODE = 'PT401';
    END IF;
    IF t.used_at IS NOT NULL THEN
        IF t.revoked_at IS NULL AND t.used_at > now() - interval '30 seconds' THEN
            SELECT * INTO successor FROM shopsync.refresh_tokens r
             WHERE r.family_id = t.family_id AND r.issued_at >= t.used_at AND r.token_hash <> t.token_hash
             ORDER BY r.issued_at LIMIT 1;
            IF FOUND AND successor.used_at IS NULL AND successor.revoked_at IS NULL AND successor.expires_at > now() THEN
                RETURN jsonb_build_object('retry', true, 'user_id', t.user_id, 'shop_id', successor.shop_id,
                                          'family_id', t.family_id, 'successor_hash', successor.token_hash,
                                          'email', (SELECT email FROM shopsync.users WHERE id = t.user_id));
            END IF;
        END IF;
        -- (revoked_at IS NULL, not coalesce(revoked_at, now()): Citus refuses the latter)
        UPDATE shopsync.refresh_tokens SET revoked_at = now() WHERE family_id = t.family_id AND revoked_at IS NULL;
        -- The revocation must survive this call's failure, so it is returned, not raised.
        RETURN jsonb_build_object('reused', true);
    END IF;
    IF t.revoked_at IS NOT NULL OR t.expires_at <= now() THEN
        RAISE EXCEPTION 'refresh token expired or revoked' USING ERRCODE = 'PT401';
    END IF;
    UPDATE shopsync.refresh_tokens r SET used_at = now() WHERE r.token_hash = t.token_hash;
    RETURN jsonb_build_object('user_id', t.user_id, 'shop_id', t.shop_id, 'family_id', t.family_id,
                              'email', (SELECT email FROM shopsync.users WHERE id = t.user_id));
END
$$;

-- PL/pgSQL, not SQL: Citus plans no parameter of an SQL function's statement.
CREATE FUNCTION shopsync.auth_revoke_family(token_hash text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    family uuid := (SELECT family_id FROM shopsync.refresh_tokens r WHERE r.token_hash = auth_revoke_family.token_hash);
BEGIN
    UPDATE shopsync.refresh_tokens SET revoked_at = now() WHERE family_id = family AND revoked_at IS NULL;
END
$$;

REVOKE ALL ON FUNCTION shopsync.auth_signup(text, text), shopsync.auth_password_hash(text),
    shopsync.auth_memberships(uuid), shopsync.auth_issue_refresh(uuid, uuid, text, uuid, interval),
    shopsync.auth_rotate_refresh(text), shopsync.auth_revoke_family(text) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopsync_gateway') THEN
        GRANT USAGE ON SCHEMA shopsync TO shopsync_gateway;
        GRANT EXECUTE ON FUNCTION shopsync.auth_signup(text, text), shopsync.auth_password_hash(text),
            shopsync.auth_memberships(uuid), shopsync.auth_issue_refresh(uuid, uuid, text, uuid, interval),
            shopsync.auth_rotate_refresh(text), shopsync.auth_revoke_family(text) TO shopsync_gateway;
    END IF;
END
$do$;

-- ---- shops and members, for signed-in users (schema api) ----------------------------

-- Creates a shop; the caller becomes its owner. Needs a user claim only.
CREATE FUNCTION api.create_shop(name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller uuid := shopsync.current_user_id();
    shop uuid;
BEGIN
    IF caller IS NULL THEN
        RAISE EXCEPTION 'sign in to create a shop' USING ERRCODE = '42501';
    END IF;
    INSERT INTO shopsync.shops (name) VALUES (name) RETURNING id INTO shop;
    INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES (shop, caller, 'owner');
    RETURN jsonb_build_object('shop_id', shop, 'role', 'owner');
END
$$;

-- The caller must own the shop named by their claims.
CREATE FUNCTION shopsync.require_owner() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.current_shop_id();
BEGIN
    IF shop IS NULL OR NOT EXISTS (SELECT 1 FROM shopsync.shop_members m WHERE m.shop_id = shop
                                      AND m.user_id = shopsync.current_user_id() AND m.role = 'owner') THEN
        RAISE EXCEPTION 'only an owner of this shop can manage its members' USING ERRCODE = '42501';
    END IF;
    RETURN shop;
END
$$;

-- Refuses (PT409) a change that would leave the shop without an owner other
-- than `leaving`; locks the shop's memberships first so two owners cannot
-- demote each other at once.
CREATE FUNCTION shopsync.require_other_owner(shop uuid, leaving uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM 1 FROM shopsync.shop_members m WHERE m.shop_id = shop FOR UPDATE;
    IF NOT EXISTS (SELECT 1 FROM shopsync.shop_members m WHERE m.shop_id = shop AND m.role = 'owner'
                      AND m.user_id <> leaving) THEN
        RAISE EXCEPTION 'a shop keeps at least one owner' USING ERRCODE = 'PT409';
    END IF;
END
$$;

CREATE FUNCTION api.add_member(email text, role text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_owner();
    member uuid;
BEGIN
    IF role NOT IN ('owner', 'staff', 'viewer') THEN
        RAISE EXCEPTION 'role must be owner, staff or viewer' USING ERRCODE = '22023';
    END IF;
    member := shopsync.user_id_by_email(add_member.email);
    IF member IS NULL THEN
        RAISE EXCEPTION 'no user signed up with that email' USING ERRCODE = 'PT404';
    END IF;
    INSERT INTO shopsync.shop_members (shop_id, user_id, role) VALUES (shop, member, role)
    ON CONFLICT (shop_id, user_id) DO UPDATE SET role = excluded.role;
    INSERT INTO shopsync.audit_log (shop_id, user_id, action, detail)
    VALUES (shop, shopsync.current_user_id(), 'add_member', jsonb_build_object('member', member, 'role', role));
    RETURN jsonb_build_object('user_id', member, 'role', role);
END
$$;

CREATE FUNCTION api.set_member_role(user_id uuid, role text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_owner();
BEGIN
    IF role NOT IN ('owner', 'staff', 'viewer') THEN
        RAISE EXCEPTION 'role must be owner, staff or viewer' USING ERRCODE = '22023';
    END IF;
    IF role <> 'owner' THEN
        PERFORM shopsync.require_other_owner(shop, set_member_role.user_id);
    END IF;
    UPDATE shopsync.shop_members m SET role = set_member_role.role
     WHERE m.shop_id = shop AND m.user_id = set_member_role.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such member' USING ERRCODE = 'PT404';
    END IF;
    INSERT INTO shopsync.audit_log (shop_id, user_id, action, detail)
    VALUES (shop, shopsync.current_user_id(), 'set_member_role', jsonb_build_object('member', user_id, 'role', role));
    RETURN jsonb_build_object('user_id', user_id, 'role', role);
END
$$;

CREATE FUNCTION api.remove_member(user_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_owner();
BEGIN
    PERFORM shopsync.require_other_owner(shop, remove_member.user_id);
    DELETE FROM shopsync.shop_members m WHERE m.shop_id = shop AND m.user_id = remove_member.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such member' USING ERRCODE = 'PT404';
    END IF;
    INSERT INTO shopsync.audit_log (shop_id, user_id, action, detail)
    VALUES (shop, shopsync.current_user_id(), 'remove_member', jsonb_build_object('member', user_id));
    RETURN jsonb_build_object('removed', user_id);
END
$$;

CREATE FUNCTION api.list_members() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', m.user_id, 'email', shopsync.user_email(m.user_id),
                                                 'role', m.role) ORDER BY m.created_at), '[]')
      FROM shopsync.shop_members m
     WHERE m.shop_id = shopsync.require_owner()
$$;

REVOKE ALL ON FUNCTION api.create_shop(text), shopsync.require_owner(), shopsync.require_other_owner(uuid, uuid), api.add_member(text, text),
    api.set_member_role(uuid, text), api.remove_member(uuid), api.list_members() FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.create_shop(text), api.add_member(text, text),
            api.set_member_role(uuid, text), api.remove_member(uuid), api.list_members() TO authenticated;
    END IF;
END
$do$;
