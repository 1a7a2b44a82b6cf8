"""test/chaos/checker.py — DESIGN.md §8's invariants after a chaos run has healed.

check(...) returns a list of (invariant, detail) findings; empty means the run
passed. Invariants:
  seq          per shop, change_log seq runs 1, 2, 3, … with no gap, and a seq
               once seen never changes (the log as captured before each purge)
  converge     every device equals the server column by column, for the shops
               its user still belongs to; nothing stays pending after healing
  isolation    no row of another shop on any device
  duplicate    no row created twice: one create per id in the log, and every
               server row was written by some device of the run
  fate         every write the generator made is on the server (a log entry of
               that device carrying its values), or visibly refused (failed row
               with a reason, a conflict record, refused at once), or replaced
               by a later write of the same device
  session      a device whose user is still a member stays signed in
"""
from device_cli import comparable

ENTITIES = ("customers", "orders", "order_items")
IGNORED_COLUMNS = {"sync_state", "last_error"}


def _same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    try:
        if isinstance(a, (int, float, str)) and isinstance(b, (int, float, str)) and \
                not (isinstance(a, str) and isinstance(b, str)):
            return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False
    return a == b


def check_seq(log, rewrites, purge_own=()):
    found = [("seq", r) for r in rewrites]
    by_shop = {}
    for (shop, seq) in set(log) | set(purge_own):
        by_shop.setdefault(shop, []).append(seq)
    for shop, seqs in by_shop.items():
        seqs.sort()
        expected = list(range(1, len(seqs) + 1))
        if seqs != expected:
            missing = sorted(set(range(1, seqs[-1] + 1)) - set(seqs))[:5]
            found.append(("seq", f"shop {shop[:8]}: seq not gapless from 1 (max {seqs[-1]}, {len(seqs)} entries;"
                                  f" missing {missing})"))
    return found


def check_converge(name, obs, server, shop_id, purged):
    found = []
    status = obs["status"]
    if status.get("pending"):
        found.append(("converge", f"{name}: {status['pending']} write(s) still pending after healing"
                                  f" (last_error {status.get('last_error')!r})"))
    for entity in ENTITIES:
        srv = server[entity]
        local = {r["id"]: r for r in obs["rows"][entity]}
        for row_id in sorted(srv.keys() - local.keys()):
            found.append(("converge", f"{name}: {entity} {row_id[:8]} is on the server only"))
        for row_id in sorted(local.keys() - srv.keys()):
            row = local[row_id]
            if row_id in purged and row.get("deleted_at"):
                continue  # a tombstone the server has purged since; harmless
            if row["sync_state"] in ("failed",):
                continue  # a refused create, kept for the user (the fate check wants its reason)
            found.append(("converge", f"{name}: {entity} {row_id[:8]} is on the device only ({row['sync_state']})"))
        for row_id in sorted(srv.keys() & local.keys()):
            s, d = srv[row_id], local[row_id]
            if d["sync_state"] == "failed":
                continue  # holds the user's refused attempt; the fate check looks at it
            if d["sync_state"] != "synced":
                found.append(("converge", f"{name}: {entity} {row_id[:8]} is {d['sync_state']}"))
            for column, value in comparable(s).items():
                if column in IGNORED_COLUMNS:
                    continue
                if not _same(value, d.get(column)):
                    found.append(("converge", f"{name}: {entity} {row_id[:8]}.{column}: server {value!r},"
                                              f" device {d.get(column)!r}"))
    return found


def check_isolation(name, obs, shop_id, other_ids):
    found = []
    for entity in ENTITIES:
        for row in obs["rows"][entity]:
            if row["id"] in other_ids:
                found.append(("isolation", f"{name}: {entity} {row['id'][:8]} belongs to another shop"))
            elif row.get("shop_id") not in (None, shop_id):
                found.append(("isolation", f"{name}: {entity} {row['id'][:8]} has shop_id {row['shop_id'][:8]},"
                                           f" the device is in shop {shop_id[:8]}"))
    return found


def check_duplicates(log, server_ids, created_ids):
    found = []
    creates = {}
    for (shop, seq), (entity, entity_id, op, *_rest) in log.items():
        if op == "create":
            creates.setdefault(entity_id, []).append(seq)
    for entity_id, seqs in creates.items():
        if len(seqs) > 1:
            found.append(("duplicate", f"{entity_id[:8]} created {len(seqs)} times (seq {seqs})"))
    for entity_id in sorted(server_ids - created_ids):
        found.append(("duplicate", f"server row {entity_id[:8]} was created by no device write of the run"))
    return found


def _carried(write, entries):
    """Whether some log entry of the writing device carries the write."""
    for entity, entity_id, op, version, payload, device in entries:
        if device != write["device"]:
            continue
        if write["op"] == "delete":
            if op == "delete" or (payload or {}).get("deleted_at"):
                return True
            continue
        if all(_same((payload or {}).get(k), v) for k, v in write["fields"].items()):
            return True
    return False


def _visible(write, obs):
    """Whether the device shows the write as refused: a failed write with its reason, a failed row with a
    reason, or a conflict record."""
    if obs is None:
        return False
    for f in obs["status"].get("failed", []):
        if f.get("id") == write["id"] and f.get("last_error"):
            return True
    for row in obs["rows"].get(write["entity"], []):
        if row["id"] == write["id"] and row["sync_state"] != "synced" and row.get("last_error"):
            return True
    for f in obs.get("failed", []):
        if f.get("entity_id") == write["id"] and (f.get("reason") or f.get("message")):
            return True
    for c in obs["conflicts"]:
        if c.get("entity_id") == write["id"]:
            return True
    return False


def check_fates(writes, log, observations, shops, server_deleted):
    found = []
    by_id = {}
    for entry in log.values():
        by_id.setdefault(entry[1], []).append(entry)
    for i, w in enumerate(writes):
        if w["outcome"] != "ok":
            continue  # refused at once, with its reason shown to the user
        later = [x for x in writes[i + 1:] if x["device"] == w["device"] and x.get("id") == w["id"]
                 and x["outcome"] == "ok"]
        if any(x["op"] == "delete" for x in later):
            continue  # deleted afterwards on the same device
        covered = set()
        for x in later:
            covered |= set(x["fields"])
        if w["op"] != "delete" and w["fields"] and set(w["fields"]) <= covered:
            continue  # every value was replaced by a later write of the same device
        if _carried(dict(w, fields={k: v for k, v in w["fields"].items() if k not in covered}),
                    by_id.get(w["id"], [])):
            continue
        if w["op"] == "delete" and (w["id"] in server_deleted or not by_id.get(w["id"])):
            continue  # deleted on the server (by this write or another device's), or never reached it
        if _visible(w, observations.get((w["device"], w["shop"]))):
            continue
        found.append(("fate", f"step #{w['step']} {w['device']}@{w['shop']} {w['op']} {w['entity']}"
                              f" {w['id'][:8]} {w['fields']}: neither on the server nor visibly refused"))
    return found


def check(run, observations):
    world = run.world
    found = check_seq(world.log, world.log_rewrites, world.purge_own)
    shop_ids = run.shops
    server = {}
    all_ids = {}
    for letter, shop_id in shop_ids.items():
        server[letter] = {}
        for entity in ENTITIES:
            rows = world.admin(f"SELECT to_jsonb(t) FROM shopsync.{entity} t WHERE shop_id = %s", shop_id)
            server[letter][entity] = {r["id"]: r for (r,) in rows}
            all_ids.update({i: letter for i in server[letter][entity]})
    members = {("o", "A"), ("s", "A"), ("s", "B"), ("v", "A"), ("p", "B")}
    if run.member.get("t"):
        members.add(("t", "A"))
    for (name, letter), obs in observations.items():
        d = world.devices[name]
        shop_id = shop_ids[letter]
        others = {i for i, s in all_ids.items() if s != letter}
        found += check_isolation(name, obs, shop_id, others)
        if (d.user, letter) in members:
            found += check_converge(f"{name}@{letter}", obs, server[letter], shop_id, world.purged_ids)
            if not obs["status"].get("signed_in") and name not in run.signed_out_by_us:
                found.append(("session", f"{name}@{letter}: signed out although {d.user} is still a member"))
    created = {w["id"] for w in run.writes if w["op"] == "create" and w.get("id")} | set(run.ids.values())
    found += check_duplicates(world.log, set(all_ids), created)
    deleted = {i for s in server.values() for rows in s.values() for i, r in rows.items() if r.get("deleted_at")}
    found += check_fates(run.writes, world.log, observations, shop_ids, deleted | world.purged_ids)
    return found
