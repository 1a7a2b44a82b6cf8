//! bindings/rust/src/client.rs — `Client`, the safe face of one device handle
//! (shopsync.h): strings in as &str, owned Strings out (freed with
//! shopsync_free at once), every failure an `Error` with the code and
//! shopsync_errmsg's text read on the calling thread, as the header asks.
use crate::changes::{trampoline, Change, ChangeSlot, Handler};
use crate::error::{Code, Error, Result};
use crate::ffi;
use crate::tokens::{token_trampoline, Profile, Token, TokenReason, TokenSlot};
use crate::write_group::WriteGroup;
use crate::Json;
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::{mpsc, Arc};

/// One device: a local SQLite database synced with the shop's server.
///
/// `Client` is `Send` and `Sync`: the header lets a handle be used from several
/// threads at once (calls are serialised inside), so share it as `Arc<Client>`
/// or `&Client` (Tauri's managed state). Dropping it stops the worker and closes
/// the database.
pub struct Client {
    raw: NonNull<ffi::shopsync_client>,
    /// The change callback's context; freed after shopsync_close in Drop.
    changes: *mut ChangeSlot,
    /// The token source's context; freed after shopsync_close in Drop.
    tokens: *mut TokenSlot,
}

// SAFETY: shopsync.h — "a handle may be used from several threads at once;
// calls are serialised inside", and shopsync_errmsg is per calling thread.
// ChangeSlot and TokenSlot are themselves Send + Sync (a Mutex and an atomic).
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

/// Flags for `Client::update_flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteFlags(i32);

impl WriteFlags {
    pub const NONE: WriteFlags = WriteFlags(0);
    /// SHOPSYNC_WRITE_OVERRIDE: an owner asks the server to allow what its rules
    /// would refuse (e.g. an order status moving backwards); audited.
    pub const OVERRIDE: WriteFlags = WriteFlags(ffi::SHOPSYNC_WRITE_OVERRIDE);

    pub fn bits(self) -> i32 {
        self.0
    }
}

/// A sync round that did not finish cleanly: the error, and the round's report
/// (JSON) when the library gave one — it does also for failed rounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFailed {
    pub error: Error,
    pub report: Option<String>,
}

impl From<SyncFailed> for Error {
    fn from(failed: SyncFailed) -> Error {
        failed.error
    }
}

impl fmt::Display for SyncFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for SyncFailed {}

/// A &str as a C string; a NUL byte inside is `Code::Invalid` (no C call made).
fn c_string(value: &str, what: &str) -> Result<CString> {
    CString::new(value).map_err(|_| Error::new(Code::Invalid, format!("{what} contains a NUL byte")))
}

/// Takes ownership of a string the library returned, copies it and frees it.
/// SAFETY: `p` is NULL or a caller-owned string from this library.
unsafe fn take_string(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let text = CStr::from_ptr(p).to_string_lossy().into_owned();
    ffi::shopsync_free(p as *mut c_void);
    Some(text)
}

#[cfg(unix)]
fn path_string(path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| Error::new(Code::Invalid, "path contains a NUL byte"))
}

#[cfg(not(unix))]
fn path_string(path: &Path) -> Result<CString> {
    let text = path.to_str().ok_or_else(|| Error::new(Code::Invalid, "path is not UTF-8"))?;
    c_string(text, "path")
}

/// The library's version, e.g. "0.2.0".
pub fn libversion() -> &'static str {
    // SAFETY: a static NUL-terminated string.
    unsafe { CStr::from_ptr(ffi::shopsync_libversion()) }.to_str().unwrap_or("?")
}

impl Client {
    /// Opens (creating and migrating if needed) the local database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Client> {
        let path = path_string(path.as_ref())?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid C string and out pointer.
        let rc = unsafe { ffi::shopsync_open(path.as_ptr(), &mut raw) };
        let Some(handle) = NonNull::new(raw) else {
            return Err(Error::new(Code::from_raw(rc), "could not allocate a handle"));
        };
        if rc != ffi::SHOPSYNC_OK {
            // SAFETY: the handle is valid until closed; errmsg is read on this thread first.
            let error = unsafe { Error::new(Code::from_raw(rc), CStr::from_ptr(ffi::shopsync_errmsg(raw)).to_string_lossy()) };
            unsafe { ffi::shopsync_close(raw) };
            return Err(error);
        }
        Ok(Client { raw: handle, changes: Box::into_raw(Box::default()), tokens: Box::into_raw(Box::default()) })
    }

    /// The raw handle, for C calls this crate does not wrap. It stays owned by
    /// the `Client`: never close it.
    pub fn as_ptr(&self) -> *mut ffi::shopsync_client {
        self.raw.as_ptr()
    }

    /// Turns a C result into Ok or an Error with this thread's errmsg.
    fn check(&self, rc: c_int) -> Result<()> {
        if rc == ffi::SHOPSYNC_OK {
            return Ok(());
        }
        // SAFETY: errmsg belongs to the handle and is valid until this thread's next call.
        let message = unsafe { CStr::from_ptr(ffi::shopsync_errmsg(self.as_ptr())) }.to_string_lossy().into_owned();
        Err(Error::new(Code::from_raw(rc), message))
    }

    /// Runs a call with a `char **` out parameter and returns the owned string.
    fn out_string(&self, call: impl FnOnce(*mut *mut c_char) -> c_int) -> Result<String> {
        let mut out = ptr::null_mut();
        let rc = call(&mut out);
        // SAFETY: out is NULL or caller-owned (the header's ownership rule).
        let text = unsafe { take_string(out) };
        self.check(rc)?;
        text.ok_or_else(|| Error::new(Code::Error, "the library returned no text"))
    }

    // ---- settings ---------------------------------------------------------------------------

    /// The server's base URL, e.g. "https://sync.example.com" (stored).
    pub fn set_server(&self, url: &str) -> Result<()> {
        let url = c_string(url, "url")?;
        self.check(unsafe { ffi::shopsync_set_server(self.as_ptr(), url.as_ptr()) })
    }

    /// An option (not stored): verify_tls, ca_file, interval_min, interval_max,
    /// backoff_base, backoff_cap, write_delay_ms, timeout — see shopsync.h.
    pub fn set_option(&self, name: &str, value: &str) -> Result<()> {
        let (name, value) = (c_string(name, "option name")?, c_string(value, "option value")?);
        self.check(unsafe { ffi::shopsync_set_option(self.as_ptr(), name.as_ptr(), value.as_ptr()) })
    }

    /// The device's id (generated at first open, stored).
    pub fn device_id(&self) -> Result<String> {
        self.out_string(|out| unsafe { ffi::shopsync_device_id(self.as_ptr(), out) })
    }

    /// Replaces the device id (1–100 of A–Z a–z 0–9 . _ -), e.g. with the app's installation id.
    pub fn set_device_id(&self, device_id: &str) -> Result<()> {
        let id = c_string(device_id, "device id")?;
        self.check(unsafe { ffi::shopsync_set_device_id(self.as_ptr(), id.as_ptr()) })
    }

    // ---- session ----------------------------------------------------------------------------

    /// Signs in; tokens are stored, the password is not. `shop_id` None: the user's first shop.
    pub fn login(&self, email: &str, password: &str, shop_id: Option<&str>) -> Result<()> {
        let (email, password) = (c_string(email, "email")?, c_string(password, "password")?);
        let shop = shop_id.map(|s| c_string(s, "shop id")).transpose()?;
        let shop_ptr = shop.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        self.check(unsafe { ffi::shopsync_login(self.as_ptr(), email.as_ptr(), password.as_ptr(), shop_ptr) })
    }

    /// Revokes the refresh token (best effort) and forgets both tokens.
    pub fn logout(&self) -> Result<()> {
        self.check(unsafe { ffi::shopsync_logout(self.as_ptr()) })
    }

    // ---- tokens issued elsewhere, and the server profile ----------------------------------------

    /// Signs in with tokens issued outside the library (the app's own sign-in,
    /// Supabase Auth): `access_token` is a JWT whose claims name the user and the
    /// shop; with a `refresh_token` the library renews it itself. `expires_at`
    /// (unix seconds) None: the token's exp. `Code::Invalid` for a token that is
    /// not a JWT, has no expiry, or has expired with nothing to renew it.
    pub fn set_tokens(&self, access_token: &str, refresh_token: Option<&str>, expires_at: Option<i64>) -> Result<()> {
        let access = c_string(access_token, "access token")?;
        let refresh = refresh_token.map(|r| c_string(r, "refresh token")).transpose()?;
        let refresh_ptr = refresh.as_ref().map_or(ptr::null(), |r| r.as_ptr());
        self.check(unsafe { ffi::shopsync_set_tokens(self.as_ptr(), access.as_ptr(), refresh_ptr, expires_at.unwrap_or(0)) })
    }

    /// The app's token source: asked for an access token when the device has
    /// none or it is about to expire (`TokenReason::Needed`), and once after the
    /// server refused one (`TokenReason::Refused`); None means "no token" (the
    /// round ends with `Code::Auth`, writes stay queued). It runs on the thread
    /// that needs the token, one call at a time, and must not call this
    /// `Client`. A panic in it is caught and counted (`token_source_panics`).
    /// Replaces any earlier source; once this returns the old one is never called.
    pub fn set_token_source<F>(&self, source: F) -> Result<()>
    where
        F: Fn(TokenReason) -> Option<Token> + Send + Sync + 'static,
    {
        self.token_slot().set(Some(Arc::new(source)));
        self.check(unsafe {
            ffi::shopsync_set_token_source(self.as_ptr(), Some(token_trampoline as ffi::shopsync_token_fn), self.tokens as *mut c_void)
        })
    }

    /// Unregisters the token source.
    pub fn clear_token_source(&self) -> Result<()> {
        let rc = unsafe { ffi::shopsync_set_token_source(self.as_ptr(), None, ptr::null_mut()) };
        self.token_slot().set(None);
        self.check(rc)
    }

    /// How many times the token source panicked (each panic was caught: no token).
    pub fn token_source_panics(&self) -> u64 {
        self.token_slot().panics()
    }

    fn token_slot(&self) -> &TokenSlot {
        // SAFETY: allocated in open, freed only in Drop.
        unsafe { &*self.tokens }
    }

    /// How the device talks to its server (stored): `Profile::Gateway`, or
    /// `Profile::Postgrest` for PostgREST / Supabase. `rpc_prefix` None: the
    /// profile's default ("" for the gateway, "/rest/v1" for postgrest; give
    /// Some("") for PostgREST itself).
    pub fn set_profile(&self, profile: Profile, rpc_prefix: Option<&str>) -> Result<()> {
        let name = c_string(profile.name(), "profile")?;
        let prefix = rpc_prefix.map(|p| c_string(p, "rpc prefix")).transpose()?;
        let prefix_ptr = prefix.as_ref().map_or(ptr::null(), |p| p.as_ptr());
        self.check(unsafe { ffi::shopsync_set_profile(self.as_ptr(), name.as_ptr(), prefix_ptr) })
    }

    /// The apikey header sent with every request (Supabase's anon key); None sends none.
    pub fn set_apikey(&self, apikey: Option<&str>) -> Result<()> {
        let key = apikey.map(|k| c_string(k, "apikey")).transpose()?;
        self.check(unsafe { ffi::shopsync_set_apikey(self.as_ptr(), key.as_ref().map_or(ptr::null(), |k| k.as_ptr())) })
    }

    // ---- local writes (offline; each wakes the worker) ----------------------------------------

    /// Creates a row from a JSON object of the entity's columns; returns its id.
    pub fn create(&self, entity: &str, json: &str) -> Result<String> {
        let (entity, json) = (c_string(entity, "entity")?, c_string(json, "json")?);
        self.out_string(|out| unsafe { ffi::shopsync_create(self.as_ptr(), entity.as_ptr(), json.as_ptr(), out) })
    }

    /// Changes the given columns of a row.
    pub fn update(&self, entity: &str, id: &str, json: &str) -> Result<()> {
        let (entity, id, json) = (c_string(entity, "entity")?, c_string(id, "id")?, c_string(json, "json")?);
        self.check(unsafe { ffi::shopsync_update(self.as_ptr(), entity.as_ptr(), id.as_ptr(), json.as_ptr()) })
    }

    /// `update` with flags, e.g. `WriteFlags::OVERRIDE` (owners only).
    pub fn update_flags(&self, entity: &str, id: &str, json: &str, flags: WriteFlags) -> Result<()> {
        let (entity, id, json) = (c_string(entity, "entity")?, c_string(id, "id")?, c_string(json, "json")?);
        self.check(unsafe {
            ffi::shopsync_update_flags(self.as_ptr(), entity.as_ptr(), id.as_ptr(), json.as_ptr(), flags.bits())
        })
    }

    /// Deletes a row (a tombstone once synced).
    pub fn delete(&self, entity: &str, id: &str) -> Result<()> {
        let (entity, id) = (c_string(entity, "entity")?, c_string(id, "id")?);
        self.check(unsafe { ffi::shopsync_delete(self.as_ptr(), entity.as_ptr(), id.as_ptr()) })
    }

    /// Commits several writes locally as one (all or nothing), sent in one batch
    /// and applied by the server all or nothing; returns the rows' ids in order.
    pub fn write_group(&self, group: &WriteGroup) -> Result<Vec<String>> {
        let ids = self.write_group_json(&group.to_json())?;
        let ids = Json::parse(&ids).map_err(|e| Error::new(Code::Error, format!("write group ids: {e}")))?;
        Ok(ids.as_array().iter().map(|id| id.as_str().unwrap_or_default().to_string()).collect())
    }

    /// `write_group` with the header's JSON array of writes; returns the ids as a JSON array.
    pub fn write_group_json(&self, writes_json: &str) -> Result<String> {
        let writes = c_string(writes_json, "writes")?;
        self.out_string(|out| unsafe { ffi::shopsync_write_group(self.as_ptr(), writes.as_ptr(), out) })
    }

    /// Keeps an entity the server syncs on this device before the server lists it.
    pub fn add_entity(&self, entity: &str) -> Result<()> {
        let entity = c_string(entity, "entity")?;
        self.check(unsafe { ffi::shopsync_add_entity(self.as_ptr(), entity.as_ptr()) })
    }

    /// Imports the app's former local-only shop database; returns the report (JSON).
    pub fn migrate_legacy(&self, legacy_path: impl AsRef<Path>) -> Result<String> {
        let path = path_string(legacy_path.as_ref())?;
        self.out_string(|out| unsafe { ffi::shopsync_migrate_legacy(self.as_ptr(), path.as_ptr(), out) })
    }

    /// The dual-run check: the former shop database against the server's rows (JSON report).
    pub fn parity_legacy(&self, legacy_path: impl AsRef<Path>) -> Result<String> {
        let path = path_string(legacy_path.as_ref())?;
        self.out_string(|out| unsafe { ffi::shopsync_parity_legacy(self.as_ptr(), path.as_ptr(), out) })
    }

    /// An owner's export of the shop from the server, "json" or "csv" (the server's JSON answer).
    pub fn export(&self, format: &str) -> Result<String> {
        let format = c_string(format, "format")?;
        self.out_string(|out| unsafe { ffi::shopsync_export(self.as_ptr(), format.as_ptr(), out) })
    }

    // ---- reads --------------------------------------------------------------------------------

    /// One row as JSON (tombstones too); `Code::NotFound` if none.
    pub fn get(&self, entity: &str, id: &str) -> Result<String> {
        let (entity, id) = (c_string(entity, "entity")?, c_string(id, "id")?);
        self.out_string(|out| unsafe { ffi::shopsync_get(self.as_ptr(), entity.as_ptr(), id.as_ptr(), out) })
    }

    /// A JSON array of rows. `filter`: None or
    /// `{"where": {...}, "include_deleted": false, "order_by": "column", "limit": 1000, "offset": 0}`.
    pub fn query(&self, entity: &str, filter: Option<&str>) -> Result<String> {
        let entity = c_string(entity, "entity")?;
        let filter = filter.map(|f| c_string(f, "filter")).transpose()?;
        let filter_ptr = filter.as_ref().map_or(ptr::null(), |f| f.as_ptr());
        self.out_string(|out| unsafe { ffi::shopsync_query(self.as_ptr(), entity.as_ptr(), filter_ptr, out) })
    }

    // ---- sync -----------------------------------------------------------------------------------

    /// One full sync on this thread (push, then pull). Ok: the report,
    /// {"pushed","accepted","conflicts","rejected","pulled","rebuilt","ok","error","seconds"}.
    /// Failed: the error and, when given, the report of the failed round.
    pub fn sync_now(&self) -> Result<String, SyncFailed> {
        let mut out = ptr::null_mut();
        let rc = unsafe { ffi::shopsync_sync_now(self.as_ptr(), &mut out) };
        let report = unsafe { take_string(out) };
        match self.check(rc) {
            Ok(()) => report.ok_or_else(|| SyncFailed { error: Error::new(Code::Error, "no sync report"), report: None }),
            Err(error) => Err(SyncFailed { error, report }),
        }
    }

    /// Starts the background worker (idempotent).
    pub fn start(&self) -> Result<()> {
        self.check(unsafe { ffi::shopsync_start(self.as_ptr()) })
    }

    /// Stops the worker and waits for its thread. `Code::Misuse` from inside this
    /// client's change callback (the worker would wait for itself).
    pub fn stop(&self) -> Result<()> {
        if self.slot().running_here() {
            return Err(Error::new(Code::Misuse, "stop cannot be called from the change callback"));
        }
        self.check(unsafe { ffi::shopsync_stop(self.as_ptr()) })
    }

    /// {"device_id","server","user","shop_id","signed_in","pending","failed",
    /// "conflicts","cursor","last_success_at","last_error","worker_running","next_retry_at"}.
    pub fn status(&self) -> Result<String> {
        self.out_string(|out| unsafe { ffi::shopsync_status(self.as_ptr(), out) })
    }

    /// Conflict records for the UI's banner, newest first (JSON array).
    pub fn conflicts(&self) -> Result<String> {
        self.out_string(|out| unsafe { ffi::shopsync_conflicts(self.as_ptr(), out) })
    }

    /// Hides a conflict record from `conflicts`.
    pub fn dismiss_conflict(&self, conflict_id: i64) -> Result<()> {
        self.check(unsafe { ffi::shopsync_dismiss_conflict(self.as_ptr(), conflict_id) })
    }

    // ---- refused writes ------------------------------------------------------------------------

    /// Writes the server refused, oldest first (JSON array of {"id","entity","entity_id","op",
    /// "reason","message","cause","group_id","attempt","local_row","server_row","failed_at"}).
    pub fn failed_writes(&self) -> Result<String> {
        self.out_string(|out| unsafe { ffi::shopsync_failed_writes(self.as_ptr(), out) })
    }

    /// Queues a refused write again against the server's current version; `changes`
    /// (an object of columns) is merged in first. `Code::NotFound` if it is not open.
    pub fn retry_failed(&self, failure_id: i64, changes: Option<&str>, flags: WriteFlags) -> Result<()> {
        let changes = changes.map(|c| c_string(c, "changes")).transpose()?;
        let changes_ptr = changes.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        self.check(unsafe { ffi::shopsync_retry_failed(self.as_ptr(), failure_id, changes_ptr, flags.bits()) })
    }

    /// Drops a refused write: the row becomes the server's again, or goes if the server never had it.
    pub fn discard_failed(&self, failure_id: i64) -> Result<()> {
        self.check(unsafe { ffi::shopsync_discard_failed(self.as_ptr(), failure_id) })
    }

    /// Move-out: forgets the shop this device holds (rows, queued and refused
    /// writes, conflict records, cursor) and signs out. Meant for after the
    /// server said the user is no longer a member (status "access_lost");
    /// export unsent writes first (`query`, `failed_writes`).
    pub fn forget_shop(&self) -> Result<()> {
        self.check(unsafe { ffi::shopsync_forget_shop(self.as_ptr()) })
    }

    // ---- change notifications ---------------------------------------------------------------------

    fn slot(&self) -> &ChangeSlot {
        // SAFETY: allocated in open, freed only in Drop.
        unsafe { &*self.changes }
    }

    /// Calls `handler` after rows change, on the worker's thread (or the thread
    /// of `sync_now` / a local write). It replaces any earlier handler or channel.
    /// A panic in it is caught (see `callback_panics`). It may call this client,
    /// except `stop`; it must not own the `Client` (keep the Arc elsewhere).
    pub fn on_change<F>(&self, handler: F) -> Result<()>
    where
        F: Fn(&Change) + Send + Sync + 'static,
    {
        self.set_handler(Some(Arc::new(handler)))
    }

    /// The changes as a channel: a receiver to read on any thread (e.g. a
    /// forwarder to the webview). Replaces any earlier handler or channel.
    pub fn changes(&self) -> Result<mpsc::Receiver<Change>> {
        let (sender, receiver) = mpsc::channel();
        let sender = std::sync::Mutex::new(sender);
        self.set_handler(Some(Arc::new(move |change: &Change| {
            let _ = sender.lock().map(|s| s.send(change.clone())); // a dropped receiver just stops listening
        })))?;
        Ok(receiver)
    }

    /// Stops change notifications.
    pub fn clear_on_change(&self) -> Result<()> {
        self.set_handler(None)
    }

    /// How many times the change handler panicked (each panic was caught).
    pub fn callback_panics(&self) -> u64 {
        self.slot().panics()
    }

    fn set_handler(&self, handler: Option<Handler>) -> Result<()> {
        let registering = handler.is_some();
        self.slot().set(handler);
        let (fn_, context) = if registering {
            (Some(trampoline as ffi::shopsync_change_fn), self.changes as *mut c_void)
        } else {
            (None, ptr::null_mut())
        };
        self.check(unsafe { ffi::shopsync_on_change(self.as_ptr(), fn_, context) })
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.slot().running_here() {
            // Dropped by its own change callback: closing would make the worker
            // wait for itself. Leak the handle rather than deadlock.
            eprintln!("shopsync: a Client was dropped inside its own change callback; its handle is leaked");
            return;
        }
        // SAFETY: no other reference exists (&mut self); close stops the worker,
        // after which no callback can use the slot.
        unsafe {
            ffi::shopsync_close(self.as_ptr());
            drop(Box::from_raw(self.changes));
            drop(Box::from_raw(self.tokens));
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("handle", &self.raw).finish()
    }
}
