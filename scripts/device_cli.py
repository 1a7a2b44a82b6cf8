"""scripts/device_cli.py — drives shopsync-device (the real device client) for
make demo, the end-to-end tests and the client benchmarks, and sets up a shop
through the gateway's HTTP API.
"""
import json
import os
import subprocess
import urllib.error
import urllib.request

ENTITIES = ("customers", "orders", "order_items")


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body.get('message', body)}")
        self.status, self.body = status, body


def http(base_url, method, path, body=None, token=None):
    """One request to the gateway; returns the JSON answer or raises HttpError."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        raise HttpError(e.code, json.loads(e.read().decode() or "{}")) from None


def create_shop(base_url, owner, others, password_of):
    """Signs up `owner` and every (email, role) in `others`; the owner creates a
    shop and adds the others. Returns the shop id."""
    for email in [owner] + [email for email, _ in others]:
        http(base_url, "POST", "/auth/signup", {"email": email, "password": password_of(email)})
    login = {"email": owner, "password": password_of(owner)}
    token = http(base_url, "POST", "/auth/login", login)["access_token"]
    shop = http(base_url, "POST", "/rpc/create_shop", {"name": "Corner Shop"}, token)["shop_id"]
    token = http(base_url, "POST", "/auth/login", login)["access_token"]  # now with the shop's claim
    for email, role in others:
        http(base_url, "POST", "/rpc/add_member", {"email": email, "role": role}, token)
    return shop


class CliError(Exception):
    def __init__(self, args, code, message):
        super().__init__(f"shopsync-device {' '.join(args)}: {message}")
        self.code, self.message = code, message


class DeviceCli:
    """One device: its own SQLite file, driven through shopsync-device --json."""

    def __init__(self, binary, name, db_path, server, options=None):
        self.binary, self.name, self.db = binary, name, db_path
        self.options = options or {}
        self.server = server
        self.run("init", "--server", server, "--device-id", name)

    def run(self, *args, password=None, check=True):
        cmd = [self.binary, "--db", self.db, "--json"]
        for key, value in self.options.items():
            cmd += ["--option", f"{key}={value}"]
        env = dict(os.environ)
        if password is not None:
            env["SHOPSYNC_PASSWORD"] = password
        done = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=120)
        lines = done.stdout.strip().splitlines()
        answer = json.loads(lines[-1]) if lines else None
        if done.returncode != 0 and check:
            info = answer if isinstance(answer, dict) else {}
            raise CliError(args, info.get("code"), info.get("error") or done.stderr.strip())
        return answer

    def login(self, email, password):
        return self.run("login", email, password=password)

    def add(self, entity, **fields):
        return self.run("add", entity, *fields_args(fields))["id"]

    def edit(self, entity, ref, override=False, **fields):
        return self.run("edit", entity, ref, *fields_args(fields), *(["--override"] if override else []))

    def delete(self, entity, ref):
        return self.run("delete", entity, ref)

    def sync(self, check=True):
        return self.run("sync", check=check)

    def status(self):
        return self.run("status")

    def rows(self, entity, include_deleted=True):
        return self.run("list", entity, *(["--all"] if include_deleted else []))

    def conflicts(self):
        return self.run("conflicts")


def fields_args(fields):
    """key=value pairs as shopsync-device arguments: strings with =, the rest as raw JSON with :=."""
    return [f"{k}={v}" if isinstance(v, str) else f"{k}:={json.dumps(v)}" for k, v in fields.items()]


# The columns a device and the server must agree on (server-side only:
# shop_id and updated_at are compared too, since the device stores the server's image).
def comparable(row):
    skip = {"sync_state", "last_error"}
    return {k: v for k, v in row.items() if k not in skip}


def server_rows(admin, entity, shop_id):
    """The server's rows of one entity and shop, tombstones included, as {id: row}."""
    table = admin("SELECT relid::text FROM shopsync.synced_tables WHERE entity = %s", entity)[0][0]
    rows = admin(f"SELECT to_jsonb(t) FROM {table} t WHERE shop_id = %s", shop_id)
    return {row["id"]: row for (row,) in rows}


def _same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def differences(device, admin, shop_id, entities=ENTITIES):
    """What differs between a device's rows and the server's: every row, every column."""
    found = []
    for entity in entities:
        server = server_rows(admin, entity, shop_id)
        local = {row["id"]: row for row in device.rows(entity)}
        for missing in sorted(server.keys() - local.keys()):
            found.append(f"{device.name}: {entity} {missing[:8]} is on the server only")
        for extra in sorted(local.keys() - server.keys()):
            found.append(f"{device.name}: {entity} {extra[:8]} is on the device only ({local[extra]['sync_state']})")
        for row_id in sorted(server.keys() & local.keys()):
            s, d = server[row_id], local[row_id]
            if d["sync_state"] != "synced":
                found.append(f"{device.name}: {entity} {row_id[:8]} is {d['sync_state']}")
            for column, value in s.items():
                if not _same(value, d.get(column)):
                    found.append(f"{device.name}: {entity} {row_id[:8]}.{column}: server {value!r}, device {d.get(column)!r}")
    return found
