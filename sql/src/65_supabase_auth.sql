-- sql/src/65_supabase_auth.sql — Supabase Auth as an identity source: the
-- active shop a user works in, Supabase's custom access-token hook that puts
-- it into the token, and the sign-out of the gateway's GoTrue-style routes.
-- (Members resolve from auth.users when it exists: shopsync.user_id_by_email
-- and shopsync.user_email in 60_auth.sql.)

-- Chooses the shop the caller's next tokens name (the caller must be a
-- member): the hook reads it at every sign-in and refresh; the gateway at a
-- sign-in that names no shop and at a /auth/v1 refresh.
CREATE FUNCTION api.set_active_shop(shop_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller uuid := shopsync.current_user_id();
    member_role text;
BEGIN
    SELECT m.role INTO member_role FROM shopsync.shop_members m
     WHERE m.shop_id = set_active_shop.shop_id AND m.user_id = caller;
    IF caller IS NULL OR member_role IS NULL THEN
        RAISE EXCEPTION 'not a member of that shop' USING ERRCODE = '42501';
    END IF;
    -- (excluded.chosen_at, the column's default, not now(): Citus refuses
    -- functions that are not IMMUTABLE in DO UPDATE SET, and active_shops is
    -- a reference table there)
    INSERT INTO shopsync.active_shops (user_id, shop_id) VALUES (caller, set_active_shop.shop_id)
    ON CONFLICT (user_id) DO UPDATE SET shop_id = excluded.shop_id, chosen_at = excluded.chosen_at;
    RETURN jsonb_build_object('shop_id', set_active_shop.shop_id, 'role', member_role);
END
$$;

-- The caller's shops (any token with a user claim), the active one marked.
CREATE FUNCTION api.my_shops() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('shop_id', m.shop_id, 'name', s.name, 'role', m.role,
                                                 'active', m.shop_id IS NOT DISTINCT FROM shopsync.active_shop(m.user_id))
                              ORDER BY m.created_at), '[]')
      FROM shopsync.shop_members m JOIN shopsync.shops s ON s.id = m.shop_id
     WHERE m.user_id = shopsync.current_user_id()
$$;

-- Supabase Auth's custom access-token hook (event {user_id, claims, …} ->
-- {claims}): claims.app_metadata gets shop_id and shop_role of the user's
-- active shop, else of their oldest membership; without a membership they are
-- removed, so a stale shop never stays in a token. Enable it as
-- pg-functions://postgres/shopsync/custom_access_token_hook.
CREATE FUNCTION shopsync.custom_access_token_hook(event jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    uid uuid := (event->>'user_id')::uuid;
    claims jsonb := coalesce(event->'claims', '{}');
    meta jsonb := coalesce(claims->'app_metadata', '{}') - 'shop_id' - 'shop_role';
    chosen record;
BEGIN
    SELECT m.shop_id, m.role INTO chosen FROM shopsync.shop_members m
     WHERE m.user_id = uid
     ORDER BY m.shop_id IS NOT DISTINCT FROM shopsync.active_shop(uid) DESC, m.created_at
     LIMIT 1;
    IF FOUND THEN
        meta := meta || jsonb_build_object('shop_id', chosen.shop_id, 'shop_role', chosen.role);
    END IF;
    RETURN jsonb_build_object('claims', jsonb_set(claims, '{app_metadata}', meta));
END
$$;

-- Sign-out of the gateway's /auth/v1/logout: scope global (every session of
-- the user), local (this session: its refresh-token family) or others.
-- (PL/pgSQL and revoked_at IS NULL, not coalesce(): as auth_revoke_family, for Citus.)
CREATE FUNCTION shopsync.auth_revoke_sessions(user_id uuid, session uuid, scope text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE shopsync.refresh_tokens r SET revoked_at = now()
     WHERE r.user_id = auth_revoke_sessions.user_id AND r.revoked_at IS NULL
       AND CASE auth_revoke_sessions.scope
               WHEN 'local' THEN r.family_id = auth_revoke_sessions.session
               WHEN 'others' THEN r.family_id IS DISTINCT FROM auth_revoke_sessions.session
               ELSE true END;
END
$$;

REVOKE ALL ON FUNCTION api.set_active_shop(uuid), api.my_shops(), shopsync.custom_access_token_hook(jsonb),
    shopsync.auth_revoke_sessions(uuid, uuid, text) FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.set_active_shop(uuid), api.my_shops() TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopsync_gateway') THEN
        GRANT EXECUTE ON FUNCTION shopsync.auth_revoke_sessions(uuid, uuid, text), shopsync.active_shop(uuid)
            TO shopsync_gateway;
    END IF;
    -- Supabase runs access-token hooks as supabase_auth_admin.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_auth_admin') THEN
        GRANT USAGE ON SCHEMA shopsync TO supabase_auth_admin;
        GRANT EXECUTE ON FUNCTION shopsync.custom_access_token_hook(jsonb) TO supabase_auth_admin;
    END IF;
END
$do$;
