//! bindings/rust/src/error.rs — the C API's result codes as `Code`, and
//! `Error` {code, message}: every failed call, with shopsync_errmsg's text.
use crate::ffi;
use std::fmt;
use std::os::raw::c_int;

/// A result code other than SHOPSYNC_OK (shopsync.h, "Result codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// SHOPSYNC_ERROR: internal error.
    Error,
    /// SHOPSYNC_MISUSE: NULL handle or argument, call out of order.
    Misuse,
    /// SHOPSYNC_INVALID: bad input (JSON, entity, column, value, a NUL byte in a string).
    Invalid,
    /// SHOPSYNC_NOTFOUND: no such row or conflict record.
    NotFound,
    /// SHOPSYNC_STORE: the local database failed (disk, corruption, newer schema).
    Store,
    /// SHOPSYNC_NETWORK: the server could not be reached; writes stay queued.
    Network,
    /// SHOPSYNC_AUTH: not signed in, bad credentials, session revoked.
    Auth,
    /// SHOPSYNC_FORBIDDEN: signed in, but the shop refused the call.
    Forbidden,
    /// SHOPSYNC_SERVER: the server answered with an error (5xx, 429, unexpected).
    Server,
    /// SHOPSYNC_NOT_CONFIGURED: no server URL set.
    NotConfigured,
    /// SHOPSYNC_UNSENT: refused, the device holds unsent or failed writes of its current shop.
    Unsent,
    /// SHOPSYNC_UPDATE_REQUIRED: the server no longer serves this client's protocol.
    UpdateRequired,
    /// A code this crate does not know (a newer library).
    Unknown(i32),
}

/// Every known code with its C value: one table read both ways.
const CODES: [(Code, c_int, &str); 12] = [
    (Code::Error, ffi::SHOPSYNC_ERROR, "error"),
    (Code::Misuse, ffi::SHOPSYNC_MISUSE, "misuse"),
    (Code::Invalid, ffi::SHOPSYNC_INVALID, "invalid"),
    (Code::NotFound, ffi::SHOPSYNC_NOTFOUND, "not_found"),
    (Code::Store, ffi::SHOPSYNC_STORE, "store"),
    (Code::Network, ffi::SHOPSYNC_NETWORK, "network"),
    (Code::Auth, ffi::SHOPSYNC_AUTH, "auth"),
    (Code::Forbidden, ffi::SHOPSYNC_FORBIDDEN, "forbidden"),
    (Code::Server, ffi::SHOPSYNC_SERVER, "server"),
    (Code::NotConfigured, ffi::SHOPSYNC_NOT_CONFIGURED, "not_configured"),
    (Code::Unsent, ffi::SHOPSYNC_UNSENT, "unsent"),
    (Code::UpdateRequired, ffi::SHOPSYNC_UPDATE_REQUIRED, "update_required"),
];

impl Code {
    /// The code for a C result (not SHOPSYNC_OK).
    pub fn from_raw(rc: i32) -> Code {
        CODES.iter().find(|(_, raw, _)| *raw == rc).map_or(Code::Unknown(rc), |(code, _, _)| *code)
    }

    /// The C value, e.g. 6 for `Code::Network`.
    pub fn raw(self) -> i32 {
        match self {
            Code::Unknown(rc) => rc,
            known => CODES.iter().find(|(code, _, _)| *code == known).expect("every code is in CODES").1,
        }
    }

    /// A stable lower-case name for UIs and logs, e.g. "network".
    pub fn name(self) -> &'static str {
        CODES.iter().find(|(code, _, _)| *code == self).map_or("unknown", |(_, _, name)| *name)
    }

    /// True when the write is kept and a later sync may succeed without the user
    /// doing anything (network down, server busy).
    pub fn is_transient(self) -> bool {
        matches!(self, Code::Network | Code::Server)
    }
}

/// A failed call: the C result code and shopsync_errmsg's text at that moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "shopsync: {} ({})", self.code.name(), self.code.raw())
        } else {
            write!(f, "shopsync: {} ({}): {}", self.code.name(), self.code.raw(), self.message)
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_c_code_maps_both_ways_and_names_are_unique() {
        let expected = [
            (1, Code::Error),
            (2, Code::Misuse),
            (3, Code::Invalid),
            (4, Code::NotFound),
            (5, Code::Store),
            (6, Code::Network),
            (7, Code::Auth),
            (8, Code::Forbidden),
            (9, Code::Server),
            (10, Code::NotConfigured),
            (11, Code::Unsent),
            (12, Code::UpdateRequired),
        ];
        for (raw, code) in expected {
            assert_eq!(Code::from_raw(raw), code);
            assert_eq!(code.raw(), raw);
        }
        for raw in [0, 13, -1, 99] {
            assert_eq!(Code::from_raw(raw), Code::Unknown(raw));
            assert_eq!(Code::from_raw(raw).raw(), raw);
            assert_eq!(Code::from_raw(raw).name(), "unknown");
        }
        let mut names: Vec<_> = CODES.iter().map(|(_, _, n)| *n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CODES.len());
    }

    #[test]
    fn only_network_and_server_are_transient() {
        let transient: Vec<_> = CODES.iter().map(|(c, _, _)| *c).filter(|c| c.is_transient()).collect();
        assert_eq!(transient, vec![Code::Network, Code::Server]);
    }

    #[test]
    fn display_carries_code_and_message() {
        let e = Error::new(Code::NotFound, "no customers row abc");
        assert_eq!(e.to_string(), "shopsync: not_found (4): no customers row abc");
        assert_eq!(Error::new(Code::Auth, "").to_string(), "shopsync: auth (7)");
    }
}
