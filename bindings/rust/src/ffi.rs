//! bindings/rust/src/ffi.rs — the raw declarations of
//! `client/include/shopsync/shopsync.h`, one line per C function or constant.
//!
//! `tests/ffi_matches_header.rs` reads this file and the header and fails on
//! any difference (name, value, arity, parameter or return type) and on any
//! header function not declared here, so a new C call cannot be forgotten.
//! Everything here is unsafe to call; `crate::Client` is the safe face.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_void};

/// The opaque device handle (`shopsync_client` in C).
#[repr(C)]
pub struct shopsync_client {
    _private: [u8; 0],
    _not_send_sync: std::marker::PhantomData<(*mut u8, std::marker::PhantomPinned)>,
}

/// The token source's answer slot (`shopsync_token_reply`), valid during the callback only.
#[repr(C)]
pub struct shopsync_token_reply {
    _private: [u8; 0],
    _not_send_sync: std::marker::PhantomData<(*mut u8, std::marker::PhantomPinned)>,
}

/// `typedef int (*shopsync_token_fn)(void *context, int reason, shopsync_token_reply *reply);`
pub type shopsync_token_fn = unsafe extern "C" fn(context: *mut c_void, reason: c_int, reply: *mut shopsync_token_reply) -> c_int;

/// `typedef void (*shopsync_change_fn)(void *context, const char *source, const char *entity);`
pub type shopsync_change_fn = unsafe extern "C" fn(context: *mut c_void, source: *const c_char, entity: *const c_char);

pub const SHOPSYNC_OK: c_int = 0;
pub const SHOPSYNC_ERROR: c_int = 1;
pub const SHOPSYNC_MISUSE: c_int = 2;
pub const SHOPSYNC_INVALID: c_int = 3;
pub const SHOPSYNC_NOTFOUND: c_int = 4;
pub const SHOPSYNC_STORE: c_int = 5;
pub const SHOPSYNC_NETWORK: c_int = 6;
pub const SHOPSYNC_AUTH: c_int = 7;
pub const SHOPSYNC_FORBIDDEN: c_int = 8;
pub const SHOPSYNC_SERVER: c_int = 9;
pub const SHOPSYNC_NOT_CONFIGURED: c_int = 10;
pub const SHOPSYNC_UNSENT: c_int = 11;
pub const SHOPSYNC_UPDATE_REQUIRED: c_int = 12;
pub const SHOPSYNC_WRITE_OVERRIDE: c_int = 1;
pub const SHOPSYNC_TOKEN_NEEDED: c_int = 1;
pub const SHOPSYNC_TOKEN_REFUSED: c_int = 2;

extern "C" {
    pub fn shopsync_libversion() -> *const c_char;
    pub fn shopsync_open(path: *const c_char, out: *mut *mut shopsync_client) -> c_int;
    pub fn shopsync_close(h: *mut shopsync_client) -> c_int;
    pub fn shopsync_errmsg(h: *mut shopsync_client) -> *const c_char;
    pub fn shopsync_set_server(h: *mut shopsync_client, url: *const c_char) -> c_int;
    pub fn shopsync_set_option(h: *mut shopsync_client, name: *const c_char, value: *const c_char) -> c_int;
    pub fn shopsync_device_id(h: *mut shopsync_client, out: *mut *mut c_char) -> c_int;
    pub fn shopsync_set_device_id(h: *mut shopsync_client, device_id: *const c_char) -> c_int;
    pub fn shopsync_login(h: *mut shopsync_client, email: *const c_char, password: *const c_char, shop_id: *const c_char) -> c_int;
    pub fn shopsync_logout(h: *mut shopsync_client) -> c_int;
    pub fn shopsync_set_profile(h: *mut shopsync_client, profile: *const c_char, rpc_prefix: *const c_char) -> c_int;
    pub fn shopsync_set_apikey(h: *mut shopsync_client, apikey: *const c_char) -> c_int;
    pub fn shopsync_set_tokens(h: *mut shopsync_client, access_token: *const c_char, refresh_token: *const c_char, expires_at: i64) -> c_int;
    pub fn shopsync_set_token_source(h: *mut shopsync_client, fn_: Option<shopsync_token_fn>, context: *mut c_void) -> c_int;
    pub fn shopsync_token_reply_set(reply: *mut shopsync_token_reply, access_token: *const c_char, expires_at: i64) -> c_int;
    pub fn shopsync_create(h: *mut shopsync_client, entity: *const c_char, json: *const c_char, out_id: *mut *mut c_char) -> c_int;
    pub fn shopsync_update(h: *mut shopsync_client, entity: *const c_char, id: *const c_char, json: *const c_char) -> c_int;
    pub fn shopsync_delete(h: *mut shopsync_client, entity: *const c_char, id: *const c_char) -> c_int;
    pub fn shopsync_update_flags(h: *mut shopsync_client, entity: *const c_char, id: *const c_char, json: *const c_char, flags: c_int) -> c_int;
    pub fn shopsync_write_group(h: *mut shopsync_client, writes_json: *const c_char, out_ids: *mut *mut c_char) -> c_int;
    pub fn shopsync_add_entity(h: *mut shopsync_client, entity: *const c_char) -> c_int;
    pub fn shopsync_get(h: *mut shopsync_client, entity: *const c_char, id: *const c_char, out_json: *mut *mut c_char) -> c_int;
    pub fn shopsync_query(h: *mut shopsync_client, entity: *const c_char, filter_json: *const c_char, out_json: *mut *mut c_char) -> c_int;
    pub fn shopsync_sync_now(h: *mut shopsync_client, out_report: *mut *mut c_char) -> c_int;
    pub fn shopsync_start(h: *mut shopsync_client) -> c_int;
    pub fn shopsync_stop(h: *mut shopsync_client) -> c_int;
    pub fn shopsync_status(h: *mut shopsync_client, out_json: *mut *mut c_char) -> c_int;
    pub fn shopsync_conflicts(h: *mut shopsync_client, out_json: *mut *mut c_char) -> c_int;
    pub fn shopsync_dismiss_conflict(h: *mut shopsync_client, conflict_id: i64) -> c_int;
    pub fn shopsync_failed_writes(h: *mut shopsync_client, out_json: *mut *mut c_char) -> c_int;
    pub fn shopsync_retry_failed(h: *mut shopsync_client, failure_id: i64, changes_json: *const c_char, flags: c_int) -> c_int;
    pub fn shopsync_discard_failed(h: *mut shopsync_client, failure_id: i64) -> c_int;
    pub fn shopsync_forget_shop(h: *mut shopsync_client) -> c_int;
    pub fn shopsync_on_change(h: *mut shopsync_client, fn_: Option<shopsync_change_fn>, context: *mut c_void) -> c_int;
    pub fn shopsync_migrate_legacy(h: *mut shopsync_client, legacy_path: *const c_char, out_report: *mut *mut c_char) -> c_int;
    pub fn shopsync_parity_legacy(h: *mut shopsync_client, legacy_path: *const c_char, out_report: *mut *mut c_char) -> c_int;
    pub fn shopsync_export(h: *mut shopsync_client, format: *const c_char, out_json: *mut *mut c_char) -> c_int;
    pub fn shopsync_free(p: *mut c_void);
}
