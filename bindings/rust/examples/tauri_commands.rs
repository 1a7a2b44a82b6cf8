//! bindings/rust/examples/tauri_commands.rs — the sync module a Tauri 2 app
//! registers (`src-tauri/src/sync/`), written without Tauri so it builds here:
//! plain functions with Tauri-command signatures (JSON strings in and out,
//! errors as JSON strings {"code","name","message"}), the background worker,
//! and a forwarder that turns change callbacks into webview events. In the app
//! each command is one line (see the crate README):
//!
//! ```ignore
//! #[tauri::command]
//! fn create_customer(state: tauri::State<'_, SyncState>, customer: String) -> Result<String, String> {
//!     sync::create_customer(&state, customer)
//! }
//! ```
//!
//! Run as a program it signs in, writes a customer and an order with items, syncs
//! and prints the status:
//!     cargo run --example tauri_commands -- DB_PATH SERVER_URL EMAIL PASSWORD
#![allow(dead_code)] // the e2e test includes this file and uses the commands, not main

use shopsync::{Client, Code, Error, Json, SyncFailed, WriteFlags, WriteGroup};
use std::sync::Arc;
use std::thread::JoinHandle;

/// The sync module's managed state: `tauri::Builder::default().manage(state)`.
/// `Client` is Send + Sync, so commands on Tauri's thread pool share it.
pub struct SyncState {
    pub client: Arc<Client>,
}

/// What a command returns to the front end: Ok(JSON text) or Err(JSON text).
pub type CommandResult = Result<String, String>;

/// The webview event carrying {"source","entity"} after rows change.
pub const CHANGE_EVENT: &str = "shopsync://changed";

/// An error as the front end reads it: {"code": 6, "name": "network", "message": "..."}.
fn to_command_error(error: &Error) -> String {
    Json::object([
        ("code", Json::from(error.code.raw() as i64)),
        ("name", Json::from(error.code.name())),
        ("message", Json::from(error.message.as_str())),
    ])
    .to_string()
}

fn command_error(error: Error) -> String {
    to_command_error(&error)
}

/// A front-end argument that must be a JSON object.
fn parse_object(text: &str, what: &str) -> Result<Json, String> {
    match Json::parse(text) {
        Ok(value @ Json::Object(_)) => Ok(value),
        Ok(_) => Err(command_error(Error::new(Code::Invalid, format!("{what} is a JSON object")))),
        Err(e) => Err(command_error(Error::new(Code::Invalid, format!("{what}: {e}")))),
    }
}

impl SyncState {
    /// Opens the device database, sets the server (from the app's settings), an
    /// optional device id (the app's installation id) and options.
    pub fn open(db_path: &str, server_url: &str, device_id: Option<&str>, options: &[(&str, &str)]) -> Result<SyncState, String> {
        let client = Client::open(db_path).map_err(command_error)?;
        client.set_server(server_url).map_err(command_error)?;
        if let Some(id) = device_id {
            client.set_device_id(id).map_err(command_error)?;
        }
        for (name, value) in options {
            client.set_option(name, value).map_err(command_error)?;
        }
        Ok(SyncState { client: Arc::new(client) })
    }
}

// ---- commands (#[tauri::command] in the app) -------------------------------------------------

/// Signs in; `shop_id` None: the user's first shop.
pub fn sign_in(state: &SyncState, email: String, password: String, shop_id: Option<String>) -> CommandResult {
    state.client.login(&email, &password, shop_id.as_deref()).map_err(command_error)?;
    sync_status(state)
}

/// `customer`: {"customer_code", "name", "phone"?, "email"?, ...} → {"id"}.
pub fn create_customer(state: &SyncState, customer: String) -> CommandResult {
    parse_object(&customer, "customer")?;
    let id = state.client.create("customers", &customer).map_err(command_error)?;
    Ok(Json::object([("id", Json::from(id))]).to_string())
}

/// `input`: {"order": {...columns}, "items": [{...columns}, ...]} → {"order_id", "item_ids"}.
/// One write group: committed locally as one and applied by the server all or
/// nothing, so an order never reaches the server without its items.
pub fn create_order_with_items(state: &SyncState, input: String) -> CommandResult {
    let input = parse_object(&input, "input")?;
    let order = input.get("order");
    if !matches!(order, Json::Object(_)) {
        return Err(command_error(Error::new(Code::Invalid, "input.order is a JSON object")));
    }
    let mut group = WriteGroup::new();
    let order_id = group.create("orders", order.clone());
    let mut item_ids = Vec::new();
    for item in input.get("items").as_array() {
        let mut item = item.clone();
        item.set("order_id", Json::from(order_id.as_str()));
        item_ids.push(Json::from(group.create("order_items", item)));
    }
    state.client.write_group(&group).map_err(command_error)?;
    Ok(Json::object([("order_id", Json::from(order_id)), ("item_ids", Json::Array(item_ids))]).to_string())
}

/// `input`: {"order": {...columns to change}, "items": [{...new item}, ...]} →
/// {"item_ids"}: an order edited and items added to it as one write group, so
/// the new total never reaches the server without its items (nor the reverse).
pub fn edit_order_with_items(state: &SyncState, order_id: String, input: String) -> CommandResult {
    let input = parse_object(&input, "input")?;
    let mut group = WriteGroup::new();
    if let changes @ Json::Object(_) = input.get("order") {
        group.update("orders", &order_id, changes.clone());
    }
    let mut item_ids = Vec::new();
    for item in input.get("items").as_array() {
        let mut item = item.clone();
        item.set("order_id", Json::from(order_id.as_str()));
        item_ids.push(Json::from(group.create("order_items", item)));
    }
    state.client.write_group(&group).map_err(command_error)?;
    Ok(Json::object([("item_ids", Json::Array(item_ids))]).to_string())
}

/// `changes`: an object of the order's columns to change, e.g. {"status":"confirmed"}.
pub fn update_order(state: &SyncState, order_id: String, changes: String) -> CommandResult {
    parse_object(&changes, "changes")?;
    state.client.update("orders", &order_id, &changes).map_err(command_error)?;
    state.client.get("orders", &order_id).map_err(command_error)
}

/// Any entity's rows from the local database, `filter` as shopsync_query's
/// (the `@shopsync/client/tauri` adapter reads every entity through this one).
pub fn list_rows(state: &SyncState, entity: String, filter: Option<String>) -> CommandResult {
    state.client.query(&entity, filter.as_deref()).map_err(command_error)
}

/// Orders (newest code last) each with its "items"; `filter` as shopsync_query's.
pub fn list_orders(state: &SyncState, filter: Option<String>) -> CommandResult {
    let client = &state.client;
    let filter = filter.unwrap_or_else(|| r#"{"order_by":"order_code"}"#.to_string());
    let orders = Json::parse(&client.query("orders", Some(&filter)).map_err(command_error)?).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for mut order in orders.as_array().iter().cloned() {
        let id = order.get("id").as_str().unwrap_or_default().to_string();
        let where_order = Json::object([("where", Json::object([("order_id", Json::from(id))]))]).to_string();
        let items = client.query("order_items", Some(&where_order)).map_err(command_error)?;
        order.set("items", Json::parse(&items).map_err(|e| e.to_string())?);
        out.push(order);
    }
    Ok(Json::Array(out).to_string())
}

/// One sync round now. Err carries the error and the round's "report".
pub fn sync_now(state: &SyncState) -> CommandResult {
    state.client.sync_now().map_err(|SyncFailed { error, report }| {
        let mut value = Json::parse(&to_command_error(&error)).expect("own JSON");
        value.set("report", report.and_then(|r| Json::parse(&r).ok()).unwrap_or(Json::Null));
        value.to_string()
    })
}

/// The banner's data: pending, failed (with reasons), conflicts, signed_in, worker_running, ...
pub fn sync_status(state: &SyncState) -> CommandResult {
    state.client.status().map_err(command_error)
}

pub fn list_conflicts(state: &SyncState) -> CommandResult {
    state.client.conflicts().map_err(command_error)
}

pub fn dismiss_conflict(state: &SyncState, conflict_id: i64) -> CommandResult {
    state.client.dismiss_conflict(conflict_id).map_err(command_error)?;
    list_conflicts(state)
}

/// Writes the server refused, for the "needs attention" list: each with its
/// "reason", "message", what was sent ("attempt") and the server's row.
pub fn list_failed_writes(state: &SyncState) -> CommandResult {
    state.client.failed_writes().map_err(command_error)
}

/// Sends a refused write again, with `changes` (an object of columns) merged in
/// first if given; `override_rules` asks the server to allow it (owners only).
pub fn retry_failed(state: &SyncState, failure_id: i64, changes: Option<String>, override_rules: bool) -> CommandResult {
    if let Some(changes) = &changes {
        parse_object(changes, "changes")?;
    }
    let flags = if override_rules { WriteFlags::OVERRIDE } else { WriteFlags::NONE };
    state.client.retry_failed(failure_id, changes.as_deref(), flags).map_err(command_error)?;
    list_failed_writes(state)
}

/// Gives up a refused write: the row becomes the server's again (or goes).
pub fn discard_failed(state: &SyncState, failure_id: i64) -> CommandResult {
    state.client.discard_failed(failure_id).map_err(command_error)?;
    list_failed_writes(state)
}

/// After the server said the user lost access to the shop (sync_status's
/// "access_lost"): forgets the shop on this device and signs out.
pub fn forget_shop(state: &SyncState) -> CommandResult {
    state.client.forget_shop().map_err(command_error)?;
    sync_status(state)
}

// ---- background work (in the app's setup hook) ---------------------------------------------------

/// Starts the background worker: syncs now, every 15–30 s, after writes and on server pokes.
pub fn start_sync_worker(state: &SyncState) -> Result<(), String> {
    state.client.start().map_err(command_error)
}

/// Forwards every change to the webview as CHANGE_EVENT with {"source","entity"}:
/// `emit` is `move |event, payload| { let _ = app_handle.emit(event, payload); }`.
/// The callback only queues; the forwarder's thread calls `emit`, so the
/// worker never waits for the webview. The thread ends when the client is dropped.
pub fn forward_changes<E>(state: &SyncState, emit: E) -> Result<JoinHandle<()>, String>
where
    E: Fn(&str, String) + Send + 'static,
{
    let changes = state.client.changes().map_err(command_error)?;
    Ok(std::thread::Builder::new()
        .name("shopsync-changes".into())
        .spawn(move || {
            for change in changes {
                let payload = Json::object([("source", Json::from(change.source.name())), ("entity", Json::from(change.entity))]);
                emit(CHANGE_EVENT, payload.to_string());
            }
        })
        .expect("spawn the change forwarder"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, server, email, password] = args.as_slice() else {
        eprintln!("usage: tauri_commands DB_PATH SERVER_URL EMAIL PASSWORD");
        std::process::exit(2);
    };
    let run = || -> Result<(), String> {
        let state = SyncState::open(db, server, None, &[])?;
        let _forwarder = forward_changes(&state, |event, payload| println!("{event} {payload}"))?;
        sign_in(&state, email.clone(), password.clone(), None)?;
        let customer = Json::parse(&create_customer(&state, r#"{"customer_code":"EX-1","name":"Example customer"}"#.into())?).unwrap();
        let order = Json::object([
            ("order", Json::object([("order_code", Json::from("EX-O-1")), ("customer_id", customer.get("id").clone())])),
            ("items", Json::Array(vec![Json::object([("product_name", Json::from("Tea")), ("quantity", Json::from(2i64))])])),
        ]);
        println!("created {}", create_order_with_items(&state, order.to_string())?);
        println!("sync: {}", sync_now(&state)?);
        println!("status: {}", sync_status(&state)?);
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
