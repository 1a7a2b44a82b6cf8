-- 0.1.0 → 0.2.0: Supabase Auth users are first-class (issue 13): members
-- resolve from auth.users when it exists; a user's active shop names the shop
-- of new tokens (sql/src/60_auth.sql). The functions repeat sql/src/60_auth.sql.

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

-- The user's memberships, so the gateway can pick the shop for a token:
-- the active shop first (a sign-in that names none gets it), then by age.
CREATE OR REPLACE FUNCTION shopsync.auth_memberships(user_id uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('shop_id', m.shop_id, 'role', m.role)
                              ORDER BY m.shop_id IS NOT DISTINCT FROM shopsync.active_shop(auth_memberships.user_id) DESC,
                                       m.created_at), '[]')
      FROM shopsync.shop_members m WHERE m.user_id = auth_memberships.user_id
$$;

CREATE OR REPLACE FUNCTION api.add_member(email text, role text) RETURNS jsonb
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

CREATE OR REPLACE FUNCTION api.list_members() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', m.user_id, 'email', shopsync.user_email(m.user_id),
                                                 'role', m.role) ORDER BY m.created_at), '[]')
      FROM shopsync.shop_members m
     WHERE m.shop_id = shopsync.require_owner()
$$;
