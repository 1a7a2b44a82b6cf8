"""scripts/demo_device.py — a stand-in device for `make demo`.

Each device keeps a local SQLite cache (one table per entity, with version,
deleted_at, sync_state and last_error), an outbox written in the same SQLite
transaction as the local edit, and a pull cursor that moves in the same
transaction as the rows it covers (DESIGN §7). It talks to the server through
the gateway over HTTP (docs/protocol.md) with the access token its user got
from /auth/login. Conflicts resolve server-wins; nothing decides by clock.
"""
import json
import sqlite3
import time
import uuid

import urllib.error
import urllib.request

ENTITIES = ("customers", "orders", "order_items", "shop_settings")


class PushRefused(Exception):
    """The server refused the whole push (an envelope error, e.g. a viewer)."""


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


class Device:
    def __init__(self, name, token, base_url, path):
        self.name, self.token, self.base_url = name, token, base_url
        self.online = True
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        for entity in ENTITIES:
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {entity} (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                " deleted_at TEXT, data TEXT NOT NULL, sync_state TEXT NOT NULL, last_error TEXT)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS sync_outbox (id INTEGER PRIMARY KEY, entity_type TEXT NOT NULL,"
            " entity_id TEXT NOT NULL, op TEXT NOT NULL, payload_json TEXT NOT NULL, base_version INTEGER NOT NULL,"
            " idempotency_key TEXT NOT NULL, created_at REAL NOT NULL, retry_count INTEGER NOT NULL DEFAULT 0,"
            " next_retry_at REAL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS sync_conflicts (entity TEXT, entity_id TEXT, detail TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT)")
        self.db.execute("INSERT OR IGNORE INTO kv VALUES ('cursor', '0'), ('device_id', ?)", (name,))

    # ---- the server, through the gateway ---------------------------------------------
    def request(self, method, path, body=None):
        return http(self.base_url, method, path, body, self.token)

    # ---- local writes: row and outbox event in one SQLite transaction -----------------
    def write(self, entity, op, entity_id=None, **fields):
        entity_id = entity_id or str(uuid.uuid4())
        self.db.execute("BEGIN IMMEDIATE")
        row = self.db.execute(f"SELECT version, data, sync_state FROM {entity} WHERE id = ?",
                              (entity_id,)).fetchone()
        data = json.loads(row[1]) if row else {"id": entity_id}
        data.update(fields)
        state = "pending_create" if op == "create" else ("pending_delete" if op == "delete" else "pending_update")
        if row and row[2] == "pending_create":
            state = "pending_create"
        deleted = time.strftime("%Y-%m-%dT%H:%M:%S") if op == "delete" else None
        self.db.execute(
            f"INSERT INTO {entity} (id, version, deleted_at, data, sync_state) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET data = excluded.data, sync_state = excluded.sync_state,"
            " deleted_at = coalesce(excluded.deleted_at, deleted_at)",
            (entity_id, row[0] if row else 0, deleted, json.dumps(data), state))
        # Several edits of a row before a push fold into its pending event, which
        # keeps the base_version the server knows (the chain stays right).
        pending = self.db.execute(
            "SELECT id, payload_json FROM sync_outbox WHERE entity_type = ? AND entity_id = ? AND op <> 'delete'"
            " ORDER BY id DESC LIMIT 1", (entity, entity_id)).fetchone()
        if pending and op == "update":
            merged = json.loads(pending[1])
            merged.update(fields)
            self.db.execute("UPDATE sync_outbox SET payload_json = ?, idempotency_key = ? WHERE id = ?",
                            (json.dumps(merged), str(uuid.uuid4()), pending[0]))
        else:
            self.db.execute(
                "INSERT INTO sync_outbox (entity_type, entity_id, op, payload_json, base_version,"
                " idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entity, entity_id, op, json.dumps(fields), row[0] if row else 0, str(uuid.uuid4()), time.time()))
        self.db.execute("COMMIT")
        return entity_id

    def pending(self):
        return self.db.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]

    # ---- push: oldest first, batches of up to 100 ---------------------------------------
    def push(self, lose_response=False):
        """Returns (accepted, conflicts, rejected, replayed) counts."""
        if not self.online:
            return None
        rows = self.db.execute(
            "SELECT id, entity_type, entity_id, op, payload_json, base_version, idempotency_key"
            " FROM sync_outbox ORDER BY id LIMIT 100").fetchall()
        if not rows:
            return (0, 0, 0, 0)
        events = [{"idempotency_key": r[6], "entity": r[1], "entity_id": r[2], "op": r[3],
                   "base_version": r[5], **({"payload": json.loads(r[4])} if r[3] != "delete" else {})}
                  for r in rows]
        try:
            response = self.request("POST", "/sync/push", {"device_id": self.name, "events": events})
        except HttpError as e:
            if e.status >= 500 or e.status == 429:
                raise  # network trouble: the outbox keeps the events for a retry
            message = e.body.get("message", str(e))
            self.db.execute("BEGIN")
            for r in rows:  # never silently dropped: visible as failed
                self.db.execute(f"UPDATE {r[1]} SET sync_state = 'failed', last_error = ? WHERE id = ?",
                                (message, r[2]))
                self.db.execute("DELETE FROM sync_outbox WHERE id = ?", (r[0],))
            self.db.execute("COMMIT")
            raise PushRefused(message)
        if lose_response:  # the connection died after the server committed
            return None
        by_key = {r[6]: r for r in rows}
        self.db.execute("BEGIN")
        for a in response["accepted"]:
            r = by_key[a["idempotency_key"]]
            self.db.execute(f"UPDATE {r[1]} SET version = ?, sync_state = 'synced', last_error = NULL WHERE id = ?",
                            (a["version"], r[2]))
            self.db.execute("DELETE FROM sync_outbox WHERE id = ?", (r[0],))
        for c in response["conflicts"]:
            r = by_key[c["idempotency_key"]]
            self._store(r[1], c["server_record"], "synced")  # server wins
            self.db.execute("INSERT INTO sync_conflicts VALUES (?, ?, ?)",
                            (r[1], r[2], json.dumps({"mine": json.loads(r[4]), "server": c["server_record"]})))
            self.db.execute("DELETE FROM sync_outbox WHERE id = ?", (r[0],))
        for x in response["rejected"]:
            r = by_key[x["idempotency_key"]]
            self.db.execute(f"UPDATE {r[1]} SET sync_state = 'failed', last_error = ? WHERE id = ?",
                            (f"{x['reason']}: {x.get('message', '')}", r[2]))
            self.db.execute("DELETE FROM sync_outbox WHERE id = ?", (r[0],))
        self.db.execute("COMMIT")
        replayed = sum(1 for k in ("accepted", "conflicts", "rejected") for e in response[k] if e.get("replayed"))
        return (len(response["accepted"]), len(response["conflicts"]), len(response["rejected"]), replayed)

    # ---- pull: until has_more is false; apply only newer, never over a pending edit ------
    def pull(self):
        if not self.online:
            return None
        applied = 0
        while True:
            cursor = int(self.db.execute("SELECT value FROM kv WHERE key = 'cursor'").fetchone()[0])
            page = self.request("GET", f"/sync/pull?cursor={cursor}&limit=100")
            self.db.execute("BEGIN")
            for change in page["changes"]:
                entity, record = change["entity"], change["payload"]
                local = self.db.execute(f"SELECT version, sync_state FROM {entity} WHERE id = ?",
                                        (change["entity_id"],)).fetchone()
                if local and local[1] != "synced" and local[1] != "failed":
                    continue  # a pending local edit: the push decides
                if local and local[0] > change["version"]:
                    continue  # equal versions are the same row: taking the server's image is harmless
                self._store(entity, record, "synced")
                applied += 1
            self.db.execute("UPDATE kv SET value = ? WHERE key = 'cursor'", (str(page["cursor"]),))
            self.db.execute("COMMIT")
            if not page["has_more"]:
                return applied

    def _store(self, entity, record, state):
        self.db.execute(
            f"INSERT INTO {entity} (id, version, deleted_at, data, sync_state) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET version = excluded.version, deleted_at = excluded.deleted_at,"
            " data = excluded.data, sync_state = excluded.sync_state, last_error = NULL",
            (record["id"], record["version"], record.get("deleted_at"), json.dumps(record), state))

    def sync(self):
        result = self.push()
        self.pull()
        return result

    # ---- reading ---------------------------------------------------------------------------
    def rows(self, entity):
        return {r[0]: (r[1], json.loads(r[2])) for r in
                self.db.execute(f"SELECT id, version, data FROM {entity}")}

    def live(self, entity):
        return [json.loads(r[0]) for r in
                self.db.execute(f"SELECT data FROM {entity} WHERE deleted_at IS NULL ORDER BY data")]

    def conflicts(self):
        return self.db.execute("SELECT entity, entity_id, detail FROM sync_conflicts").fetchall()
