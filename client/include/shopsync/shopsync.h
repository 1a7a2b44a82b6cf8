/*
 * shopsync.h — the device side of ShopSync as a plain C API.
 *
 * A device keeps a local SQLite database (entity rows with sync columns, an
 * outbox of local writes, the pull cursor, its tokens) and syncs it with the
 * shop's PostgreSQL through the ShopSync gateway or PostgREST. Bindings for
 * Rust (Tauri), Swift, Kotlin or JavaScript wrap this header.
 *
 * Conventions (as in sqlite3.h):
 *  - Every function returns an int result code; SHOPSYNC_OK is 0.
 *  - After a failure, shopsync_errmsg(h) describes it. The text belongs to the
 *    handle and stays valid until the next call on that handle from the same
 *    thread.
 *  - Strings returned through `char **out` are UTF-8, NUL-terminated, owned by
 *    the caller and released with shopsync_free(). On failure *out is NULL.
 *  - Rows and reports are JSON text. Rows carry the server's columns plus
 *    "sync_state" (pending_create | pending_update | pending_delete | synced |
 *    failed) and "last_error".
 *
 * Threads: a handle may be used from several threads at once; calls are
 * serialised inside. The background worker runs on its own thread with its
 * own SQLite connection. The change callback runs on the worker's thread (or
 * the caller's, for shopsync_sync_now and local writes); it may call back into
 * the handle, except shopsync_close and shopsync_stop, which return
 * SHOPSYNC_MISUSE there and change nothing. The token source (see
 * shopsync_set_token_source) may not call into the handle at all.
 */
#ifndef SHOPSYNC_H
#define SHOPSYNC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shopsync_client shopsync_client; /* opaque; C++ code has namespace shopsync */

/* Result codes. */
#define SHOPSYNC_OK 0
#define SHOPSYNC_ERROR 1            /* internal error */
#define SHOPSYNC_MISUSE 2           /* NULL handle or argument, call out of order */
#define SHOPSYNC_INVALID 3          /* bad input: JSON, entity, column, value */
#define SHOPSYNC_NOTFOUND 4         /* no such row or conflict record */
#define SHOPSYNC_STORE 5            /* the local database failed (disk, corruption, newer schema) */
#define SHOPSYNC_NETWORK 6          /* the server could not be reached; writes stay queued */
#define SHOPSYNC_AUTH 7             /* not signed in, bad credentials, session revoked */
#define SHOPSYNC_FORBIDDEN 8        /* signed in, but the shop refused the call */
#define SHOPSYNC_SERVER 9           /* the server answered with an error (5xx, 429, unexpected) */
#define SHOPSYNC_NOT_CONFIGURED 10  /* no server URL set */
#define SHOPSYNC_UNSENT 11          /* refused: this shop still has unsent, failed or conflicted writes */
#define SHOPSYNC_UPDATE_REQUIRED 12 /* the server no longer serves this client's protocol: update the app */

/* The library's version, e.g. "0.1.0". */
const char *shopsync_libversion(void);

/* Opens (creating and migrating if needed) the local database at `path`.
 * *out receives a handle even on most failures, so that shopsync_errmsg can
 * say why; close it with shopsync_close either way. */
int shopsync_open(const char *path, shopsync_client **out);

/* Stops the worker, closes the database and frees the handle. NULL is a no-op. */
int shopsync_close(shopsync_client *h);

const char *shopsync_errmsg(shopsync_client *h);

/* Server base URL, e.g. "https://sync.example.com" (stored in the database). */
int shopsync_set_server(shopsync_client *h, const char *url);

/* Options (not stored):
 *   "verify_tls"     "1" (default) or "0" — never turn it off in production
 *   "ca_file"        path of a CA bundle for the server's certificate
 *   "interval_min"   seconds between background syncs, lower bound (default 15)
 *   "interval_max"   upper bound (default 30)
 *   "poll_min"       the same while no event stream is open — always under the
 *                    postgrest profile (default 5)
 *   "poll_max"       upper bound (default 10)
 *   "backoff_base"   first retry delay in seconds (default 5)
 *   "backoff_cap"    longest retry delay in seconds (default 300)
 *   "write_delay_ms" how soon after a local write the worker syncs (default 200)
 *   "timeout"        HTTP timeout in seconds (default 30) */
int shopsync_set_option(shopsync_client *h, const char *name, const char *value);

/* The device's id (generated at first open, stored). *out is caller-owned.
 * shopsync_set_device_id replaces it (1–100 of A–Z a–z 0–9 . _ -), e.g. with
 * the app's installation id; the server tracks devices by it. */
int shopsync_device_id(shopsync_client *h, char **out);
int shopsync_set_device_id(shopsync_client *h, const char *device_id);

/* Signs in: tokens are stored in the database, the password is not.
 * `shop_id` may be NULL (the user's first shop). Signing in to another shop
 * than the one the device holds switches completely: SHOPSYNC_UNSENT (and
 * nothing changes) while that shop has queued or refused writes or
 * undismissed conflict records; otherwise its rows, cursor and records are
 * forgotten and the next sync starts from the new shop's snapshot. */
int shopsync_login(shopsync_client *h, const char *email, const char *password, const char *shop_id);

/* Revokes the refresh token (best effort) and forgets both tokens. It does not
 * unregister a token source (shopsync_set_token_source with NULL does). */
int shopsync_logout(shopsync_client *h);

/* Where the device syncs, beside shopsync_set_server (stored):
 *   profile "gateway" (default): the bundled shopsync-gateway — /sync/push,
 *     /sync/pull, /auth/login and the others, pokes from /sync/events.
 *   profile "postgrest": PostgREST or Supabase — every call is
 *     POST <server><rpc_prefix>/rpc/sync_push|sync_pull|sync_snapshot|sync_health
 *     with PostgREST's named arguments and Content-Profile: api; shopsync_login
 *     and refresh tokens use GoTrue (<server>/auth/v1/token); there is no event
 *     stream, so the worker polls every poll_min–poll_max seconds (jittered).
 * `rpc_prefix` NULL is the profile's default: "" for the gateway (and
 * self-hosted PostgREST, which serves /rpc/<fn>), "/rest/v1" for postgrest
 * (Supabase). Errors answered the PostgREST way ({code, message, details,
 * hint}; 401, 403 42501, 0A000, PT409, PT410, PT413, PGRST202 …) lead to the
 * same device behaviour under both profiles. SHOPSYNC_INVALID for an unknown
 * profile or a prefix that is not a URL path. */
int shopsync_set_profile(shopsync_client *h, const char *profile, const char *rpc_prefix);

/* The apikey header sent with every request (Supabase's anon key; stored, as
 * it is public). NULL or "" sends none. SHOPSYNC_INVALID unless printable
 * ASCII without spaces, up to 4096 characters. */
int shopsync_set_apikey(shopsync_client *h, const char *apikey);

/* Tokens issued outside the library — the app's own sign-in, Supabase Auth —
 * instead of shopsync_login. `access_token` is a JWT; its claims give the user
 * (sub, email) and the shop (shop_id, or app_metadata.shop_id). A token of
 * another shop than the device holds switches shops as shopsync_login does
 * (SHOPSYNC_UNSENT while this shop has unsent writes). `refresh_token` may be
 * NULL; with one, the library renews the access token itself (the gateway's
 * /auth/refresh, or GoTrue's refresh grant under the postgrest profile).
 * `expires_at` is unix seconds, or 0 for the token's exp claim.
 * SHOPSYNC_INVALID (nothing stored) for a token that is not a JWT, has no
 * expiry, or has expired with no refresh token or token source to renew it.
 * Tokens are stored in the database like shopsync_login's; no message ever
 * contains one. */
int shopsync_set_tokens(shopsync_client *h, const char *access_token, const char *refresh_token,
                        int64_t expires_at);

/* The app's token source: a callback asked for an access token when the
 * device has none or it expires within a minute (SHOPSYNC_TOKEN_NEEDED), and
 * once after the server refused the current one with 401
 * (SHOPSYNC_TOKEN_REFUSED); then the request is sent again, once. It answers
 * with shopsync_token_reply_set(reply, token, expires_at) and returns
 * SHOPSYNC_OK, or returns any other code when it has no token (the round
 * ends with SHOPSYNC_AUTH; writes stay queued). A token source replaces
 * refresh tokens: while one is registered the library never refreshes itself.
 * Threads: it runs on the thread that needs the token (the worker's, the
 * event stream's, or a caller's in shopsync_sync_now), one call at a time per
 * handle. It must not call into the handle: every call on `h` from inside it
 * returns SHOPSYNC_MISUSE. Once shopsync_set_token_source returns, the
 * previous callback is not running and is never called again, so its context
 * may be freed. NULL unregisters. */
typedef struct shopsync_token_reply shopsync_token_reply; /* valid only during the callback */
#define SHOPSYNC_TOKEN_NEEDED 1
#define SHOPSYNC_TOKEN_REFUSED 2
typedef int (*shopsync_token_fn)(void *context, int reason, shopsync_token_reply *reply);
int shopsync_set_token_source(shopsync_client *h, shopsync_token_fn fn, void *context);

/* Gives the token source's answer: the library copies the token. `expires_at`
 * as for shopsync_set_tokens. SHOPSYNC_MISUSE for a NULL reply or token,
 * SHOPSYNC_INVALID for a token that is not printable ASCII. */
int shopsync_token_reply_set(shopsync_token_reply *reply, const char *access_token, int64_t expires_at);

/* Local writes. Each commits the row and its outbox event in one SQLite
 * transaction, works offline, and wakes the worker. A write the server would
 * refuse, judged by the role and rules the device cached from the server, is
 * refused at once with SHOPSYNC_FORBIDDEN and the server's reason code first
 * in the message ("forbidden: viewers cannot change data", "invalid_transition:
 * …"); nothing is written. `json` is an object of
 * the entity's columns (id, shop_id, version, updated_at and deleted_at are
 * the server's). Entities: customers, orders, order_items, shop_settings. */
int shopsync_create(shopsync_client *h, const char *entity, const char *json, char **out_id);
int shopsync_update(shopsync_client *h, const char *entity, const char *id, const char *json);
int shopsync_delete(shopsync_client *h, const char *entity, const char *id);

/* shopsync_update with flags. SHOPSYNC_WRITE_OVERRIDE (owners only) asks the
 * server to allow what its rules would refuse, such as an order status moving
 * backwards; the server audits it and refuses it from anyone else. */
#define SHOPSYNC_WRITE_OVERRIDE 1
int shopsync_update_flags(shopsync_client *h, const char *entity, const char *id, const char *json,
                          int flags);

/* A write group: several writes committed locally as one (one SQLite
 * transaction; all or nothing), sent in one batch, applied by the server all
 * or nothing (servers speaking protocol 2). `writes_json` is an array of 1–100
 *   {"op": "create" | "update" | "delete", "entity": "orders",
 *    "id": "…" (update and delete; optional for create),
 *    "row": {…columns…} (create and update), "override": true (update, owners)}
 * *out_ids (caller-owned JSON array of the rows' ids in order; may be NULL)
 * is NULL on failure, and then nothing was written. If the server refuses or
 * conflicts one write of a group, none applies: that one reports its own
 * reason, every other one "group_failed" with a "cause" naming it (see
 * shopsync_failed_writes). Example: an order and its items. */
int shopsync_write_group(shopsync_client *h, const char *writes_json, char **out_ids);

/* Keeps an entity (a table the server syncs with shopsync.enable_sync) on this
 * device before the server has been asked: sync rounds add every entity the
 * server lists on their own, at most a minute after it appears. */
int shopsync_add_entity(shopsync_client *h, const char *entity);

/* Reads. shopsync_get returns one row (tombstones too); SHOPSYNC_NOTFOUND if none.
 * shopsync_query returns a JSON array; `filter_json` may be NULL or an object:
 *   {"where": {"column": value, …}, "include_deleted": false,
 *    "order_by": "column", "limit": 1000, "offset": 0} */
int shopsync_get(shopsync_client *h, const char *entity, const char *id, char **out_json);
int shopsync_query(shopsync_client *h, const char *entity, const char *filter_json, char **out_json);

/* One full sync on the calling thread: push every due event (oldest first,
 * batches of up to 100), then pull until nothing is left. *out_report (may be
 * NULL) receives {"pushed","accepted","conflicts","rejected","pulled",
 * "rebuilt","recovered","reuploaded","ok","error","seconds"} ("recovered":
 * the server was restored and this device gave back the "reuploaded" rows it
 * lacked) — also when the round fails, unlike other
 * out parameters. Returns SHOPSYNC_OK when the round finished without an
 * error; otherwise the error's code: SHOPSYNC_NETWORK, SHOPSYNC_SERVER
 * or SHOPSYNC_AUTH (writes that were not sent stay queued with backoff), or
 * SHOPSYNC_FORBIDDEN when the shop refused a whole push (a viewer's: those
 * rows are failed with the reason) or the pull, or the user is no longer a
 * member (move-out: every unsent write ends failed "not_a_member", rounds
 * stop until a new sign-in or shopsync_forget_shop); SHOPSYNC_UPDATE_REQUIRED
 * when the server no longer serves this client's protocol (writes stay
 * queued; the message says to update the app). */
int shopsync_sync_now(shopsync_client *h, char **out_report);

/* The background worker: syncs at start, every 15–30 s, shortly after local
 * writes, on a poke from the server's event stream, and when woken by
 * shopsync_sync_now. Start is idempotent; stop waits for the thread. */
int shopsync_start(shopsync_client *h);
int shopsync_stop(shopsync_client *h);

/* {"device_id","server","profile","user","shop_id","role","signed_in","pending","failed",
 *  "conflicts","cursor","last_success_at","last_error","worker_running",
 *  "next_retry_in","access_lost"} — failed lists every failed row with its
 *  last_error (and its failure's "failure_id" and "reason", see
 *  shopsync_failed_writes); access_lost is null, or why this device may no
 *  longer sync its shop. *out_json is caller-owned. */
int shopsync_status(shopsync_client *h, char **out_json);

/* Conflict records kept for the UI's banner: a JSON array of {"id","entity",
 * "entity_id","local_payload","server_record","created_at"}, newest first.
 * Dismissed records are not listed. */
int shopsync_conflicts(shopsync_client *h, char **out_json);
int shopsync_dismiss_conflict(shopsync_client *h, int64_t conflict_id);

/* Refused writes: a write the server refused (a viewer's edit, a status moved
 * backwards, a delete staff may not make, …) stays, its row "failed", until
 * the user acts on it; a pull refreshes the server's row beside it but never
 * erases it. Writes of the row made after it join it.
 *
 * shopsync_failed_writes: *out_json (caller-owned; NULL on failure) is a JSON
 * array, oldest first, of {"id","entity","entity_id","op","reason","message",
 * "cause","group_id","attempt","local_row","server_row","failed_at"}:
 * "attempt" holds the columns the device sent, "local_row" the row as the
 * device shows it, "server_row" the server's current row (null when the
 * server has none), "cause" (a write group's) {"idempotency_key","reason"}.
 *
 * shopsync_retry_failed queues the write again against the server's current
 * version. `changes_json` may be NULL (retry as is) or an object of columns
 * merged in first (edit and retry). `flags` may hold SHOPSYNC_WRITE_OVERRIDE
 * (owners: allow what the rules refuse). A write of a failed write group is
 * retried with its whole group, as a new group (the changes go to the named
 * write). shopsync_discard_failed drops it (that write only):
 * the row becomes the server's again, or goes if the server never had it.
 * Editing a failed row with shopsync_update retries it the same way.
 * Both return SHOPSYNC_NOTFOUND for an id that is not open. */
int shopsync_failed_writes(shopsync_client *h, char **out_json);
int shopsync_retry_failed(shopsync_client *h, int64_t failure_id, const char *changes_json, int flags);
int shopsync_discard_failed(shopsync_client *h, int64_t failure_id);

/* Move-out: forgets the shop this device holds — its rows, queued and refused
 * writes, conflict records and cursor — and signs out, so that the user can
 * sign in to another shop. Meant for after the server said the user is no
 * longer a member (shopsync_status's "access_lost"); until then unsent writes
 * stay readable (shopsync_query, shopsync_failed_writes: export them first). */
int shopsync_forget_shop(shopsync_client *h);

/* Called after rows change: `source` is "local", "push", "pull" or "rebuild";
 * `entity` is the entity whose rows changed. NULL unregisters. */
typedef void (*shopsync_change_fn)(void *context, const char *source, const char *entity);
int shopsync_on_change(shopsync_client *h, shopsync_change_fn fn, void *context);

/* Imports the app's former local-only shop database (integer keys) and
 * queues every row for its first upload. The legacy file is never modified. */
int shopsync_migrate_legacy(shopsync_client *h, const char *legacy_path, char **out_report);

/* The dual-run check: compares the former local-only shop database with the
 * server's live rows, row by row by display code (customers, orders, items,
 * totals). *out_report (JSON, caller frees): {"equal", "counts", "totals",
 * "missing", "extra", "different", "warnings"}; SHOPSYNC_OK also when rows
 * differ (see "equal"). Needs a signed-in session; reads nothing local. */
int shopsync_parity_legacy(shopsync_client *h, const char *legacy_path, char **out_report);

/* An owner's export of the shop from the server (api.export_shop), audited
 * with the user and this device. format: "json" (rows per entity) or "csv"
 * ("files": one CSV text per entity). *out_json: the server's answer, caller frees. */
int shopsync_export(shopsync_client *h, const char *format, char **out_json);

void shopsync_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* SHOPSYNC_H */
