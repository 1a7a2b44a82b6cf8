-- 0.1.0 → 0.2.0: a refresh token presented again within 30 s of its use gets
-- the same successor instead of revoking its family (sql/src/60_auth.sql).
-- Rotates a refresh token: marks it used and returns its user, shop and
-- family. A token used before is a theft signal: its family is revoked and
-- the call fails (PT401), as is an expired or revoked token. One exception,
-- for an answer lost on the way (issue 10): the same token again within 30 s
-- of its use, while the successor the family issued right after it is still
-- unused, returns {"retry": true, …, "successor_hash"} so the gateway can hand
-- out that same successor (it derives it from the token; only hashes are stored).
CREATE OR REPLACE FUNCTION shopsync.auth_rotate_refresh(token_hash text) RETURNS jsonb
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
        UPDATE shopsync.refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = t.family_id;
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

