//! bindings/rust/src/tokens.rs — tokens issued outside the library and the
//! server profile, for Rust: `Client::set_tokens`, `Client::set_token_source`
//! (a closure the library asks for an access token, through one trampoline per
//! handle that catches panics and never unwinds into C), `Client::set_profile`
//! and `Client::set_apikey`. The closure runs on whichever thread needs a
//! token (the worker, or a caller of `sync_now`), one call at a time; it must
//! not call the `Client` (the library refuses such calls with `Code::Misuse`).
use crate::ffi;
use std::ffi::CString;
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Why the library asks the token source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenReason {
    /// The device has no access token, or it expires within a minute.
    Needed,
    /// The server refused the current one (401); the request is sent again once.
    Refused,
    /// A reason this crate does not know (a newer library).
    Other(i32),
}

impl TokenReason {
    pub fn from_raw(raw: i32) -> TokenReason {
        match raw {
            ffi::SHOPSYNC_TOKEN_NEEDED => TokenReason::Needed,
            ffi::SHOPSYNC_TOKEN_REFUSED => TokenReason::Refused,
            other => TokenReason::Other(other),
        }
    }
}

/// An access token (a JWT) and when it expires (unix seconds; None: its exp claim).
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub access_token: String,
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for Token {
    // Never prints the token itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("access_token", &"…").field("expires_at", &self.expires_at).finish()
    }
}

/// The server the device talks to (see shopsync_set_profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The bundled shopsync-gateway (default): /sync/push, /sync/pull, pokes.
    Gateway,
    /// PostgREST or Supabase: POST <server><rpc_prefix>/rpc/<fn>, apikey, polling.
    Postgrest,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Gateway => "gateway",
            Profile::Postgrest => "postgrest",
        }
    }
}

pub(crate) type Source = Arc<dyn Fn(TokenReason) -> Option<Token> + Send + Sync + 'static>;

/// The trampoline's context: one per handle, freed only after shopsync_close.
#[derive(Default)]
pub(crate) struct TokenSlot {
    source: Mutex<Option<Source>>,
    panics: AtomicU64,
}

impl TokenSlot {
    pub(crate) fn set(&self, source: Option<Source>) {
        *self.source.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = source;
    }

    pub(crate) fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }
}

/// The `shopsync_token_fn` given to C; `context` is a `*const TokenSlot`.
pub(crate) unsafe extern "C" fn token_trampoline(context: *mut c_void, reason: c_int, reply: *mut ffi::shopsync_token_reply) -> c_int {
    if context.is_null() {
        return ffi::SHOPSYNC_MISUSE;
    }
    let slot = &*(context as *const TokenSlot);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let source = slot.source.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        source.and_then(|source| source(TokenReason::from_raw(reason)))
    }));
    let token = match outcome {
        Ok(token) => token,
        Err(_) => {
            slot.panics.fetch_add(1, Ordering::Relaxed);
            None
        }
    };
    let Some(token) = token else { return ffi::SHOPSYNC_AUTH };
    let Ok(text) = CString::new(token.access_token) else { return ffi::SHOPSYNC_INVALID };
    ffi::shopsync_token_reply_set(reply, text.as_ptr(), token.expires_at.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_map_from_the_header_constants() {
        assert_eq!(TokenReason::from_raw(ffi::SHOPSYNC_TOKEN_NEEDED), TokenReason::Needed);
        assert_eq!(TokenReason::from_raw(ffi::SHOPSYNC_TOKEN_REFUSED), TokenReason::Refused);
        assert_eq!(TokenReason::from_raw(9), TokenReason::Other(9));
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let token = Token { access_token: "secret.jwt.value".into(), expires_at: Some(5) };
        assert!(!format!("{token:?}").contains("secret"));
    }

    #[test]
    fn the_trampoline_answers_auth_without_a_source_or_after_a_panic() {
        let slot = TokenSlot::default();
        let context = &slot as *const TokenSlot as *mut c_void;
        // No source: no token, and the reply is never touched (NULL is fine).
        assert_eq!(unsafe { token_trampoline(context, 1, std::ptr::null_mut()) }, ffi::SHOPSYNC_AUTH);
        slot.set(Some(Arc::new(|_| panic!("a source panics"))));
        assert_eq!(unsafe { token_trampoline(context, 1, std::ptr::null_mut()) }, ffi::SHOPSYNC_AUTH);
        assert_eq!(slot.panics(), 1);
        assert_eq!(unsafe { token_trampoline(std::ptr::null_mut(), 1, std::ptr::null_mut()) }, ffi::SHOPSYNC_MISUSE);
    }
}
