//! bindings/rust/src/lib.rs — `shopsync`: the device side of ShopSync for Rust
//! and Tauri apps. A `Client` keeps the shop's rows in a local SQLite file,
//! works offline, and syncs with the shop's PostgreSQL through the ShopSync
//! gateway, or through PostgREST / Supabase (`Profile::Postgrest`, with tokens
//! from Supabase Auth via `set_tokens` or `set_token_source`); it wraps the C API of `client/include/shopsync/shopsync.h`
//! (raw declarations in `ffi`). Rows, filters and reports are JSON text;
//! `Json` reads and builds them without a dependency.
//!
//! ```no_run
//! let client = shopsync::Client::open("shop.db")?;
//! client.set_server("https://sync.example.com")?;
//! client.login("olivia@example.com", "secret", None)?;
//! let id = client.create("customers", r#"{"customer_code":"C-1","name":"Ann"}"#)?;
//! client.start()?; // background sync
//! let rows = shopsync::Json::parse(&client.query("customers", None)?).unwrap();
//! # Ok::<(), shopsync::Error>(())
//! ```
pub mod ffi;

mod changes;
mod client;
mod error;
mod ids;
mod json;
mod tokens;
mod write_group;

pub use changes::{Change, Source};
pub use client::{libversion, Client, SyncFailed, WriteFlags};
pub use error::{Code, Error, Result};
pub use ids::new_id;
pub use json::Json;
pub use tokens::{Profile, Token, TokenReason};
pub use write_group::WriteGroup;

/// The README's Rust examples, compiled by `cargo test` so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
