"""test/chaos/workload.py — the seeded generator and its executor.

plan(seed, faults, steps) draws every step up front from random.Random(seed), so
a seed always replays the same steps (the timing of kills and threads aside).
A step names rows by the plan step that created them; Run executes the plan
against a World, records every write the generator made and what the device
said (its fate is checked at the end), and keeps a step log for replay.

Users: o owns shop A; s is staff in A and in B (the user in two shops); t is
staff in A (the one demoted or removed); v is a viewer in A; p owns shop B.
"""
import random
import subprocess
import threading
import time

from device_cli import CliError, create_shop, http
from world import password_of

# Every fault kind the generator knows. FAULTS picks a subset.
FAULT_KINDS = ("reset", "lost_answer", "offline", "refusals", "kill_device", "kill_gateway", "pg_restart", "demote", "remove",
               "purge", "token_expiry", "lost_refresh", "shop_switch")

USERS = {"o": "owner", "s": "staff", "t": "staff", "v": "viewer", "p": "owner"}
DEVICES = [("desk", "o", "A"), ("tablet", "s", "A"), ("phone", "t", "A"), ("bdesk", "p", "B"),
           ("laptop", "o", "A"), ("viewer", "v", "A")]
STATUSES = ("pending", "confirmed", "shipping", "delivered", "cancelled")
FORWARD = {"pending": ("confirmed", "cancelled"), "confirmed": ("shipping", "cancelled"),
           "shipping": ("delivered",), "delivered": (), "cancelled": ()}


def email(seed, user):
    return f"{user}{seed}@chaos.example"


def plan(seed, faults, steps):
    """The seed's steps: a list of dicts."""
    rng = random.Random(seed)
    devices = DEVICES[:4] + [DEVICES[4]] * (rng.random() < 0.6) + [DEVICES[5]] * ("refusals" in faults)
    names = [d[0] for d in devices]
    user_of = {d[0]: d[1] for d in devices}
    shop_of = {d[0]: d[2] for d in devices}
    lossy = set(rng.sample(names, 2)) if {"reset", "lost_answer"} & set(faults) else set()
    actions = [a for a, kind in (("reset", "reset"), ("drop", "lost_answer")) if kind in faults]
    out = [{"op": "setup", "devices": devices, "lossy": sorted(lossy)}]
    created = {"A": {"customers": [], "orders": [], "order_items": []},
               "B": {"customers": [], "orders": [], "order_items": []}}
    status_of = {}
    t_state = "staff"
    offline = set()
    n_code = 0
    fault_steps = [k for k in faults if k not in ("reset", "lost_answer", "refusals")]
    for i in range(1, steps + 1):
        roll = rng.random()
        if fault_steps and roll < 0.12:
            kind = rng.choice(fault_steps)
            step = {"op": kind}
            if kind == "kill_device":
                step.update(device=rng.choice(names), delay=round(rng.uniform(0.0, 0.25), 3))
            elif kind == "offline":
                d = rng.choice(names)
                step.update(op="go_online" if d in offline else "go_offline", device=d)
                (offline.discard if d in offline else offline.add)(d)
            elif kind == "demote":
                if t_state == "removed":
                    continue
                t_state = "viewer" if t_state == "staff" else "staff"
                step.update(op="set_role", role=t_state)
            elif kind == "remove":
                if t_state == "removed":
                    continue
                t_state = "removed"
            elif kind == "token_expiry":
                step.update(device=rng.choice(names), how=rng.choice(("stored", "mid_round")))
            elif kind == "lost_refresh":
                step.update(device=rng.choice(names))
            elif kind == "shop_switch":
                step.update(device="tablet", shop="B" if shop_of["tablet"] == "A" else "A")
                shop_of["tablet"] = step["shop"]
            out.append(step)
            continue
        if roll < 0.40:
            many = rng.random() < 0.25
            chosen = rng.sample(names, rng.randint(2, 3)) if many else [rng.choice(names)]
            step = {"op": "sync", "devices": chosen, "plans": {}}
            for d in chosen:
                if d in lossy and rng.random() < 0.5:
                    step["plans"][d] = [(rng.choice(("push", "pull", "any")), rng.choice(actions))]
            out.append(step)
            continue
        d = rng.choice(names)
        shop = shop_of[d]
        owner_device = user_of[d] in ("o", "p")
        if "refusals" not in faults and user_of[d] == "v":
            continue
        pool = created[shop]
        kinds = ["add_customer"] * 3 + ["edit_customer"] * 3 + ["add_order"] * 2 + ["edit_order"] * 2 + \
                ["status"] * 2 + ["add_item"] * 2 + ["edit_item"] + ["delete"]
        kind = rng.choice(kinds)
        step = {"op": "write", "device": d, "shop": shop}
        idx = len(out)  # rows are named by the plan step that creates them
        if kind == "add_customer" or (kind != "add_customer" and not pool["customers"]):
            n_code += 1
            step.update(kind="create", entity="customers",
                        fields={"customer_code": f"C-{n_code}", "name": f"Customer {n_code}",
                                "phone": f"555-{rng.randint(1000, 9999)}"})
            pool["customers"].append(idx)
        elif kind == "edit_customer":
            step.update(kind="update", entity="customers", ref=rng.choice(pool["customers"]),
                        fields=rng.choice(({"phone": f"555-{rng.randint(1000, 9999)}"},
                                           {"notes": f"note {i}"}, {"name": f"Renamed {i}"})))
        elif kind == "add_order" or (kind in ("edit_order", "status", "add_item") and not pool["orders"]):
            n_code += 1
            step.update(kind="create", entity="orders", parent=rng.choice(pool["customers"]),
                        fields={"order_code": f"O-{n_code}", "total": round(rng.uniform(1, 500), 2)})
            pool["orders"].append(idx)
            status_of[idx] = "pending"
        elif kind == "edit_order":
            step.update(kind="update", entity="orders", ref=rng.choice(pool["orders"]),
                        fields=rng.choice(({"notes": f"order note {i}"}, {"total": round(rng.uniform(1, 500), 2)})))
        elif kind == "status":
            ref = rng.choice(pool["orders"])
            current = status_of[ref]
            if "refusals" in faults:
                target = rng.choice([s for s in STATUSES if s != current])
                override = owner_device and rng.random() < 0.7 and target not in FORWARD[current]
            elif owner_device:
                target, override = rng.choice([s for s in STATUSES if s != current]), True
            elif FORWARD[current]:
                target, override = rng.choice(FORWARD[current]), False
            else:
                continue
            status_of[ref] = target
            step.update(kind="update", entity="orders", ref=ref, fields={"status": target}, override=override)
        elif kind == "add_item":
            step.update(kind="create", entity="order_items", parent=rng.choice(pool["orders"]),
                        fields={"product_name": f"Item {i}", "quantity": rng.randint(1, 9),
                                "unit_price": round(rng.uniform(0.5, 50), 2)})
            pool["order_items"].append(idx)
        elif kind == "edit_item" and pool["order_items"]:
            step.update(kind="update", entity="order_items", ref=rng.choice(pool["order_items"]),
                        fields={"quantity": rng.randint(1, 9)})
        else:
            entity = rng.choice(["order_items"] + ["customers", "orders"] * (owner_device or "refusals" in faults))
            if not pool[entity]:
                continue
            step.update(kind="delete", entity=entity, ref=rng.choice(pool[entity]), fields={})
        out.append(step)
    return out


class Run:
    """Executes a plan against a World; keeps the step log and every write's record."""

    def __init__(self, world, seed, faults, steps):
        self.world, self.seed, self.faults = world, seed, faults
        self.steps = plan(seed, faults, steps)
        self.lines = []
        self.writes = []          # every write the generator made, with what the device answered
        self.ids = {}             # plan step of a create -> the row's id
        self.shops = {}           # "A"/"B" -> shop id
        self.shop_of = {}         # device -> its shop ("A"/"B") as the device says
        self.visited = {}         # device -> shops it wrote in
        self.member = {"t": "staff"}
        self.signed_out_by_us = set()

    def note(self, text):
        self.lines.append(text)

    def execute(self):
        for n, step in enumerate(self.steps):
            getattr(self, "do_" + step["op"])(n, step)

    # ---- setup -------------------------------------------------------------------------------
    def do_setup(self, n, step):
        w, seed = self.world, self.seed
        url = w.url()
        self.shops["A"] = create_shop(url, email(seed, "o"), [(email(seed, u), USERS[u]) for u in "stv"],
                                      password_of)
        self.shops["B"] = create_shop(url, email(seed, "p"), [], password_of)
        http(url, "POST", "/rpc/add_member", {"email": email(seed, "s"), "role": "staff"},
             w.token(email(seed, "p")))
        for name, user, shop in step["devices"]:
            d = w.add_device(name, user)
            d.run("login", email(seed, user), "--shop", self.shops[shop], password=password_of(email(seed, user)))
            self.shop_of[name] = shop
        self.note(f"#0 setup: devices {', '.join(f'{n}({u}@{s})' for n, u, s in step['devices'])};"
                  f" lossy {step['lossy'] or 'none'}; shop A {self.shops['A'][:8]}, B {self.shops['B'][:8]}")

    # ---- writes ------------------------------------------------------------------------------
    def do_write(self, n, step):
        d = self.world.devices[step["device"]]
        shop = self.shop_of[d.name]
        fields = dict(step["fields"])
        record = {"step": n, "device": d.name, "user": d.user, "shop": shop, "entity": step["entity"],
                  "op": step["kind"], "fields": fields, "override": step.get("override", False)}
        if "parent" in step:
            parent = self.ids.get(step["parent"])
            if parent is None:
                self.note(f"#{n} {d.name}: {step['kind']} {step['entity']} skipped (its parent was never created)")
                return
            fields["customer_id" if step["entity"] == "orders" else "order_id"] = parent
        desc = f"#{n} {d.name}@{shop}: {step['kind']} {step['entity']}"
        try:
            if step["kind"] == "create":
                row_id = d.run("add", step["entity"], *_args(fields))["id"]
                self.ids[n] = row_id
                desc += f" {row_id[:8]} {fields}"
            else:
                row_id = self.ids.get(step["ref"])
                if row_id is None:
                    self.note(f"{desc} of step #{step['ref']}'s row skipped (never created)")
                    return
                desc += f" {row_id[:8]} (step #{step['ref']}) {fields}"
                if step["kind"] == "update":
                    d.run("edit", step["entity"], row_id, *_args(fields),
                          *(["--override"] if step.get("override") else []))
                else:
                    d.run("delete", step["entity"], row_id)
            record.update(id=row_id, outcome="ok")
            self.visited.setdefault(d.name, set()).add(shop)
            self.note(desc + (" --override" if step.get("override") else "") + " -> ok")
        except CliError as e:
            if e.code == 4:  # SHOPSYNC_NOTFOUND: the row has not reached this device (yet)
                self.note(f"{desc} -> not on this device")
                return
            record.update(id=self.ids.get(step.get("ref")), outcome="refused_local", reason=e.message)
            self.note(f"{desc} -> refused at once: {e.message}")
        self.writes.append(record)

    # ---- syncing -----------------------------------------------------------------------------
    def do_sync(self, n, step):
        results = {}

        def one(name):
            d = self.world.devices[name]
            for route, action in step["plans"].get(name, []):
                d.proxy.arm(route, action)
            try:
                results[name] = d.sync(check=False)
            except Exception as e:  # a crash or garbage output is a finding, not a harness error
                results[name] = {"ok": False, "error": f"device command failed: {e}"}
            d.proxy.disarm()

        threads = [threading.Thread(target=one, args=(name,)) for name in step["devices"]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name in step["devices"]:
            r = results[name] or {}
            plans = step["plans"].get(name)
            self.note(f"#{n} {name}: sync{' with ' + str(plans) if plans else ''} -> " + _sync_line(r))

    def do_go_offline(self, n, step):
        self.world.devices[step["device"]].proxy.offline = True
        self.note(f"#{n} {step['device']} goes offline")

    def do_go_online(self, n, step):
        self.world.devices[step["device"]].proxy.offline = False
        self.note(f"#{n} {step['device']} is back online")

    # ---- faults ------------------------------------------------------------------------------
    def do_kill_device(self, n, step):
        d = self.world.devices[step["device"]]
        proc = subprocess.Popen(d.command("sync"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(step["delay"])
        finished = proc.poll() is not None
        if not finished:
            proc.kill()
        proc.wait()
        self.note(f"#{n} {d.name}: sync killed -9 after {step['delay']}s" + (" (it had already finished)"
                                                                            if finished else ""))

    def do_kill_gateway(self, n, step):
        self.world.kill_gateway()
        self.world.start_gateway()
        self.note(f"#{n} gateway killed -9 and restarted on port {self.world.port}")

    def do_pg_restart(self, n, step):
        self.world.restart_postgres()
        self.note(f"#{n} PostgreSQL restarted (immediate)")

    def do_set_role(self, n, step):
        owner = self.world.token(email(self.seed, "o"), self.shops["A"])
        http(self.world.url(), "POST", "/rpc/set_member_role",
             {"user_id": self.world.user_id(email(self.seed, "t")), "role": step["role"]}, owner)
        self.member["t"] = step["role"]
        self.note(f"#{n} t is now {step['role']} in shop A")

    def do_remove(self, n, step):
        owner = self.world.token(email(self.seed, "o"), self.shops["A"])
        http(self.world.url(), "POST", "/rpc/remove_member", {"user_id": self.world.user_id(email(self.seed, "t"))},
             owner)
        self.member["t"] = None
        self.note(f"#{n} t is removed from shop A")

    def do_purge(self, n, step):
        self.world.purge()
        self.note(f"#{n} retention purge (tombstones and log up to now; devices behind must rebuild)")

    def do_token_expiry(self, n, step):
        d = self.world.devices[step["device"]]
        if step.get("how") == "mid_round":  # the push goes through; the pull after it carries an expired token
            d.proxy.arm("pull", "expire")
            result = d.sync(check=False) or {}
            left = d.proxy.disarm()
            self.note(f"#{n} {d.name}: its access token expires between push and pull"
                      f"{' (no pull was made)' if left else ''} -> sync {_sync_line(result)}")
            return
        token = self.world.expired_token(d)
        if token:
            d.kv("access_token", token)
            d.kv("access_expires_at", str(time.time() + 3600))  # the device believes it still valid
        self.note(f"#{n} {d.name}: its access token expires under it" + ("" if token else " (not signed in)"))

    def do_lost_refresh(self, n, step):
        d = self.world.devices[step["device"]]
        d.kv("access_expires_at", "0")
        d.proxy.arm("refresh", "drop")
        result = d.sync(check=False) or {}
        left = d.proxy.disarm()
        self.note(f"#{n} {d.name}: the answer to its token refresh is lost{' (no refresh was asked)' if left else ''}"
                  f" -> sync {_sync_line(result)}")

    def do_shop_switch(self, n, step):
        d = self.world.devices[step["device"]]
        try:
            d.run("login", email(self.seed, d.user), "--shop", self.shops[step["shop"]],
                  password=password_of(email(self.seed, d.user)))
            self.shop_of[d.name] = step["shop"]
            self.note(f"#{n} {d.name}: switches to shop {step['shop']}")
        except CliError as e:
            self.note(f"#{n} {d.name}: switch to shop {step['shop']} refused: {e.message}")

    # ---- healing -----------------------------------------------------------------------------
    def heal(self):
        """Faults stop; every device syncs until nothing is left to send; then each device is looked at in
        every shop it wrote in (its last shop last). Returns {(device, shop): observation}."""
        w = self.world
        if w.gateway.poll() is not None:
            w.start_gateway()
        for d in w.devices.values():
            d.proxy.offline = False
            d.proxy.disarm()
        self.note("-- heal: faults stop, every device syncs until quiet")
        for _ in range(6):
            busy = False
            for d in w.devices.values():
                r = d.sync(check=False) or {}
                if r.get("pushed", 0) or r.get("pulled", 0) or not r.get("ok"):
                    busy = True
            if not busy:
                break
        observations = {}
        for name, d in w.devices.items():
            final = self.shop_of[name]
            for shop in sorted(self.visited.get(name, set()) - {final}) + [final]:
                if shop != self.shop_of[name] and not self._switch(d, shop):
                    continue  # refused (e.g. unsent or refused writes in the current shop): seen where it is
                for _ in range(3):
                    d.sync(check=False)
                observations[(name, shop)] = self.observe(d, shop)
            if self.shop_of[name] != final:
                self._switch(d, final)
        for d in w.devices.values():  # everyone hears of the last pushes
            d.sync(check=False)
        for name, d in w.devices.items():
            observations[(name, self.shop_of[name])] = self.observe(d, self.shop_of[name])
        w.capture_log()
        return observations

    def _switch(self, d, shop):
        try:
            d.run("login", email(self.seed, d.user), "--shop", self.shops[shop],
                  password=password_of(email(self.seed, d.user)))
            self.shop_of[d.name] = shop
            self.note(f"-- heal: {d.name} visits shop {shop}")
            return True
        except CliError as e:
            self.note(f"-- heal: {d.name} cannot visit shop {shop}: {e.message}")
            return False

    def observe(self, d, shop):
        status = d.status()
        rows = {e: d.rows(e) for e in ("customers", "orders", "order_items")}
        try:
            failed = d.run("failed")  # the failed-write list (reason, attempt, server row)
        except CliError:
            failed = []
        return {"status": status, "rows": rows, "conflicts": d.conflicts(), "failed": failed or [], "shop": shop}


def _args(fields):
    import json
    return [f"{k}={v}" if isinstance(v, str) else f"{k}:={json.dumps(v)}" for k, v in fields.items()]


def _sync_line(r):
    keys = ("ok", "pushed", "accepted", "conflicts", "rejected", "pulled", "rebuilt", "error")
    return " ".join(f"{k}={r[k]}" for k in keys if k in r and r[k] not in (None, 0, False, "")) or str(r)
