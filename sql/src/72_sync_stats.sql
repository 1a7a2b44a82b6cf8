-- sql/src/72_sync_stats.sql — sync dashboards: per-device and per-shop sync
-- figures, readable by the shop's owners (issue 16).
-- Domain words: outbox report (what a device says of its queue in each push:
-- pending and failed events, the age of its oldest event, the attempts of that
-- event = retry depth), issue (a conflict or a refusal the server answered).
-- sync_push keeps the figures with its one device upsert
-- (extension/pg/device_stats.cpp); nothing here runs per event.

-- Appended to shopsync.devices (an upgraded database gets the same columns in
-- the same order). The outbox_* and retry_depth columns are the device's last
-- report, NULL until a client that reports (protocol 3) pushed.
ALTER TABLE shopsync.devices
    ADD COLUMN conflict_count   bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_push_ms     double precision,
    ADD COLUMN push_ms_total    double precision NOT NULL DEFAULT 0,
    ADD COLUMN retry_depth      integer,
    ADD COLUMN outbox_pending   integer,
    ADD COLUMN outbox_failed    integer,
    ADD COLUMN outbox_age_ms    bigint,
    -- the device's latest conflicts and refusals, newest first, at most 20
    ADD COLUMN recent_issues    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(recent_issues) = 'array');

-- One row per device. security_invoker: a reader other than the extension's
-- owner sees only what RLS on devices lets it see (its own shop, as a member).
CREATE VIEW shopsync.sync_stats WITH (security_invoker = true) AS
SELECT d.shop_id, d.device_id, d.user_id, d.first_seen_at, d.last_seen_at, d.last_push_at,
       d.push_count, d.event_count, d.conflict_count, d.rejected_count,
       CASE WHEN d.event_count > 0 THEN d.conflict_count::float8 / d.event_count ELSE 0 END AS conflict_rate,
       CASE WHEN d.event_count > 0 THEN d.rejected_count::float8 / d.event_count ELSE 0 END AS rejection_rate,
       d.last_push_ms,
       CASE WHEN d.push_count > 0 THEN d.push_ms_total / d.push_count END AS avg_push_ms,
       d.retry_depth,
       d.outbox_pending AS pending_count,
       d.outbox_failed AS failed_count,
       d.outbox_age_ms / 1000.0 AS oldest_pending_age_s,
       d.recent_issues
  FROM shopsync.devices d;
COMMENT ON VIEW shopsync.sync_stats IS
    'Per device: last seen, push latency, conflict and rejection rates, and the device''s last outbox report (retry depth, pending, failed, oldest pending age).';

-- One row per shop with devices: the devices' figures added up (rates over
-- all the shop's events; depth and age are the worst device's).
CREATE VIEW shopsync.shop_sync_stats WITH (security_invoker = true) AS
SELECT s.shop_id, count(*) AS devices, max(s.last_seen_at) AS last_seen_at, max(s.last_push_at) AS last_push_at,
       sum(s.push_count)::bigint AS push_count, sum(s.event_count)::bigint AS event_count,
       sum(s.conflict_count)::bigint AS conflict_count, sum(s.rejected_count)::bigint AS rejected_count,
       CASE WHEN sum(s.event_count) > 0 THEN sum(s.conflict_count)::float8 / sum(s.event_count) ELSE 0 END
           AS conflict_rate,
       CASE WHEN sum(s.event_count) > 0 THEN sum(s.rejected_count)::float8 / sum(s.event_count) ELSE 0 END
           AS rejection_rate,
       CASE WHEN sum(s.push_count) > 0 THEN sum(d.push_ms_total) / sum(s.push_count) END AS avg_push_ms,
       max(s.retry_depth) AS retry_depth,
       sum(s.pending_count)::bigint AS pending_count, sum(s.failed_count)::bigint AS failed_count,
       max(s.oldest_pending_age_s) AS oldest_pending_age_s
  FROM shopsync.sync_stats s
  JOIN shopsync.devices d ON d.shop_id = s.shop_id AND d.device_id = s.device_id
 GROUP BY s.shop_id;
COMMENT ON VIEW shopsync.shop_sync_stats IS
    'Per shop: the devices'' sync figures added up (rates over all events; retry depth and pending age of the worst device).';

-- The caller must own the shop named by their claims; `action` names what
-- was asked in the error, so a clerk learns what was refused and why.
CREATE FUNCTION shopsync.require_shop_owner(action text) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.current_shop_id();
    caller_role text;
BEGIN
    SELECT m.role INTO caller_role FROM shopsync.shop_members m
     WHERE m.shop_id = shop AND m.user_id = shopsync.current_user_id();
    IF caller_role IS NULL THEN
        RAISE EXCEPTION 'the caller is not a member of this shop' USING ERRCODE = '42501';
    END IF;
    IF caller_role <> 'owner' THEN
        RAISE EXCEPTION 'only an owner of this shop can %', action USING ERRCODE = '42501',
            DETAIL = format('The caller''s role in this shop is %s.', caller_role);
    END IF;
    RETURN shop;
END
$$;

-- The latest conflicts and refusals of the caller's shop, newest first:
-- [{at, device_id, kind: conflict|rejected, entity, entity_id, op, reason}].
CREATE FUNCTION api.recent_refusals(lim integer DEFAULT 20) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_shop_owner('read its sync figures');
BEGIN
    IF lim IS NULL OR lim < 1 OR lim > 200 THEN
        RAISE EXCEPTION 'lim must be between 1 and 200' USING ERRCODE = '22023';
    END IF;
    -- a device's issues are newest first: its array order breaks ties of one push
    RETURN (SELECT coalesce(jsonb_agg(i ORDER BY (i->>'at')::timestamptz DESC, i->>'device_id', n), '[]')
              FROM (SELECT e.i, e.n FROM shopsync.devices d,
                           jsonb_array_elements(d.recent_issues) WITH ORDINALITY AS e(i, n)
                     WHERE d.shop_id = shop
                     ORDER BY (e.i->>'at')::timestamptz DESC, e.i->>'device_id', e.n LIMIT lim) s);
END
$$;
COMMENT ON FUNCTION api.recent_refusals(integer) IS
    'Owners: the shop''s latest conflicts and refused events (at most lim, 1 to 200), newest first.';

-- The dashboard in one call: {"shop": {…}, "devices": [{…}], "recent": […]}.
CREATE FUNCTION api.sync_stats() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shop uuid := shopsync.require_shop_owner('read its sync figures');
BEGIN
    RETURN jsonb_build_object(
        'shop', coalesce((SELECT to_jsonb(t) - 'shop_id' FROM shopsync.shop_sync_stats t WHERE t.shop_id = shop),
                         jsonb_build_object('devices', 0, 'push_count', 0, 'event_count', 0,
                                            'conflict_count', 0, 'rejected_count', 0,
                                            'conflict_rate', 0, 'rejection_rate', 0)),
        'devices', (SELECT coalesce(jsonb_agg(to_jsonb(t) - 'shop_id' - 'recent_issues'
                                              ORDER BY t.last_seen_at DESC, t.device_id), '[]')
                      FROM shopsync.sync_stats t WHERE t.shop_id = shop),
        'recent', api.recent_refusals(20));
END
$$;
COMMENT ON FUNCTION api.sync_stats() IS
    'Owners: the shop''s sync figures, per shop and per device, with the latest conflicts and refusals.';

REVOKE ALL ON shopsync.sync_stats, shopsync.shop_sync_stats FROM PUBLIC;
REVOKE ALL ON FUNCTION shopsync.require_shop_owner(text), api.recent_refusals(integer), api.sync_stats() FROM PUBLIC;
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT EXECUTE ON FUNCTION api.recent_refusals(integer), api.sync_stats() TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON shopsync.sync_stats, shopsync.shop_sync_stats TO service_role;
    END IF;
END
$do$;
