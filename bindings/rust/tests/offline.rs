//! bindings/rust/tests/offline.rs — the safe API without a server: ownership
//! and JSON round trips, every error a `shopsync::Error` with the C code and
//! message, NUL bytes refused before C, writes queued while offline, the change
//! callback (closure, channel, panics caught, `stop` refused inside it), worker
//! start/stop, a handle shared by threads with per-thread error messages,
//! write groups all or nothing, refused-write calls and forget_shop.
use shopsync::{Change, Client, Code, Json, Source, WriteFlags, WriteGroup};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("shopsync-rust-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn db(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open() -> (TempDir, Client) {
    let dir = TempDir::new();
    let client = Client::open(dir.db("device.db")).expect("open");
    (dir, client)
}

fn json(text: &str) -> Json {
    Json::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn client_is_send_and_sync_as_the_header_allows() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Client>();
    shareable::<shopsync::Error>();
}

#[test]
fn libversion_is_the_makefiles_extversion() {
    let makefile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Makefile")).unwrap();
    let version = makefile.lines().find_map(|l| l.strip_prefix("EXTVERSION")).unwrap().trim_start_matches([' ', '=']).trim();
    assert_eq!(shopsync::libversion(), version);
}

#[test]
fn open_failure_is_an_error_with_code_and_message() {
    let err = Client::open("/nonexistent-dir/deeper/device.db").unwrap_err();
    assert_eq!(err.code, Code::Store, "{err}");
    assert!(!err.message.is_empty());
    assert_eq!(Client::open("a\0b").unwrap_err().code, Code::Invalid);
}

#[test]
fn writes_and_reads_round_trip_as_owned_json() {
    let (_dir, client) = open();
    let id = client.create("customers", r#"{"customer_code":"C-1","name":"Zoë Müller","phone":"555"}"#).unwrap();
    let row = json(&client.get("customers", &id).unwrap());
    assert_eq!(row.get("name").as_str(), Some("Zoë Müller"));
    assert_eq!(row.get("sync_state").as_str(), Some("pending_create"));

    client.update("customers", &id, r#"{"email":"zoe@example.com"}"#).unwrap();
    let order = client.create("orders", &format!(r#"{{"order_code":"O-1","customer_id":"{id}","total":9.5}}"#)).unwrap();
    client.update_flags("orders", &order, r#"{"status":"confirmed"}"#, WriteFlags::OVERRIDE).unwrap();
    assert_eq!(json(&client.get("orders", &order).unwrap()).get("status").as_str(), Some("confirmed"));

    let rows = json(&client.query("customers", Some(r#"{"where":{"customer_code":"C-1"}}"#)).unwrap());
    assert_eq!(rows.as_array().len(), 1);
    assert_eq!(rows.as_array()[0].get("email").as_str(), Some("zoe@example.com"));

    client.delete("orders", &order).unwrap();
    assert!(json(&client.query("orders", None).unwrap()).as_array().is_empty());
    let all = json(&client.query("orders", Some(r#"{"include_deleted":true}"#)).unwrap());
    assert!(all.as_array().is_empty(), "a create deleted before its push leaves nothing to send");
    let status = json(&client.status().unwrap());
    assert!(status.get("pending").as_i64().unwrap() >= 1);
    assert_eq!(status.get("signed_in").as_bool(), Some(false));
}

#[test]
fn bad_input_is_invalid_or_notfound_with_the_libraries_message() {
    let (_dir, client) = open();
    let missing = client.get("customers", "no-such-id").unwrap_err();
    assert_eq!(missing.code, Code::NotFound);
    assert!(!missing.message.is_empty());
    for (entity, body) in [("customers", "{not json"), ("no_such_entity", "{}"), ("customers", r#"{"version":5}"#), ("customers", "[1]")] {
        let err = client.create(entity, body).unwrap_err();
        assert_eq!(err.code, Code::Invalid, "{entity} {body}: {err}");
        assert!(!err.message.is_empty());
    }
    assert_eq!(client.update("customers", "no-such-id", r#"{"name":"x"}"#).unwrap_err().code, Code::NotFound);
    assert_eq!(client.dismiss_conflict(987654).unwrap_err().code, Code::NotFound);
    assert_eq!(client.query("customers", Some("[1]")).unwrap_err().code, Code::Invalid);
    // A NUL byte never reaches C: refused here, nothing written.
    let err = client.create("customers", "{\"name\":\"a\0b\"}").unwrap_err();
    assert_eq!((err.code, err.message.as_str()), (Code::Invalid, "json contains a NUL byte"));
    assert!(json(&client.query("customers", None).unwrap()).as_array().is_empty());
}

#[test]
fn device_id_is_stored_and_validated() {
    let dir = TempDir::new();
    let generated = Client::open(dir.db("d.db")).unwrap().device_id().unwrap();
    assert!(!generated.is_empty());
    let client = Client::open(dir.db("d.db")).unwrap();
    assert_eq!(client.device_id().unwrap(), generated, "stable across opens");
    assert_eq!(client.set_device_id("has space").unwrap_err().code, Code::Invalid);
    client.set_device_id("desk-1").unwrap();
    assert_eq!(client.device_id().unwrap(), "desk-1");
}

#[test]
fn sync_without_server_or_network_keeps_writes_queued() {
    let (_dir, client) = open();
    let id = client.create("customers", r#"{"customer_code":"C-9","name":"Queued"}"#).unwrap();
    let failed = client.sync_now().unwrap_err();
    assert_eq!(failed.error.code, Code::NotConfigured, "{failed}");

    client.set_server("http://127.0.0.1:9").unwrap(); // nothing listens on the discard port
    client.set_option("timeout", "2").unwrap();
    client.login("nobody@example.com", "pw", None).map(|_| panic!("signed in without a server")).unwrap_or_else(|e| {
        assert_eq!(e.code, Code::Network, "{e}");
    });
    let failed = client.sync_now().unwrap_err();
    assert!(matches!(failed.error.code, Code::Network | Code::Auth), "{failed}");
    let status = json(&client.status().unwrap());
    assert_eq!(status.get("pending").as_i64(), Some(1));
    assert_eq!(json(&client.get("customers", &id).unwrap()).get("sync_state").as_str(), Some("pending_create"));
    let error: shopsync::Error = failed.into(); // `?` works in functions returning shopsync::Result
    assert!(!error.message.is_empty());
    assert_eq!(client.set_option("no_such_option", "1").unwrap_err().code, Code::Invalid);
}

#[test]
fn change_callback_closure_channel_and_caught_panics() {
    let (_dir, client) = open();
    let seen = Arc::new(Mutex::new(Vec::<Change>::new()));
    let sink = seen.clone();
    client.on_change(move |change| sink.lock().unwrap().push(change.clone())).unwrap();
    client.create("customers", r#"{"customer_code":"C-1","name":"A"}"#).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![Change { source: Source::Local, entity: "customers".into() }]);

    client.on_change(|change| panic!("handler fails on {}", change.entity)).unwrap();
    client.create("customers", r#"{"customer_code":"C-2","name":"B"}"#).unwrap();
    client.create("orders", r#"{"order_code":"O-2"}"#).unwrap();
    assert_eq!(client.callback_panics(), 2, "each panic caught at the boundary");

    let changes = client.changes().unwrap();
    client.create("orders", r#"{"order_code":"O-3"}"#).unwrap();
    assert_eq!(changes.recv_timeout(Duration::from_secs(5)).unwrap(), Change { source: Source::Local, entity: "orders".into() });

    client.clear_on_change().unwrap();
    client.create("orders", r#"{"order_code":"O-4"}"#).unwrap();
    assert!(changes.try_recv().is_err(), "no change after clear_on_change");
    assert_eq!(seen.lock().unwrap().len(), 1, "a replaced closure is not called");
}

#[test]
fn inside_the_callback_reads_work_and_stop_is_refused() {
    let dir = TempDir::new(); // declared first, so removed after the client closes
    let client = Arc::new(Client::open(dir.db("device.db")).unwrap());
    let results = Arc::new(Mutex::new(Vec::new()));
    let (weak, sink) = (Arc::downgrade(&client), results.clone());
    client
        .on_change(move |change| {
            let Some(client) = weak.upgrade() else { return };
            let rows = client.query(&change.entity, None).map(|r| Json::parse(&r).unwrap().as_array().len());
            sink.lock().unwrap().push((rows, client.stop().map_err(|e| e.code)));
        })
        .unwrap();
    client.create("customers", r#"{"customer_code":"C-1","name":"A"}"#).unwrap();
    assert_eq!(*results.lock().unwrap(), vec![(Ok(1), Err(Code::Misuse))]);
    client.stop().unwrap(); // outside the callback it is fine
}

#[test]
fn worker_starts_and_stops() {
    let (_dir, client) = open();
    client.set_server("http://127.0.0.1:9").unwrap();
    client.start().unwrap();
    client.start().unwrap(); // idempotent
    assert_eq!(json(&client.status().unwrap()).get("worker_running").as_bool(), Some(true));
    client.stop().unwrap();
    assert_eq!(json(&client.status().unwrap()).get("worker_running").as_bool(), Some(false));
    client.start().unwrap(); // dropped while running: Drop stops it
}

#[test]
fn one_handle_shared_by_threads_keeps_each_threads_error() {
    let (_dir, client) = open();
    let client = Arc::new(client);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    client.create("customers", &format!(r#"{{"customer_code":"T{t}-{i}","name":"n"}}"#)).unwrap();
                    let err = client.get("customers", &format!("missing-{t}-{i}")).unwrap_err();
                    assert_eq!(err.code, Code::NotFound);
                    assert!(err.message.contains(&format!("missing-{t}-{i}")), "thread {t} read another thread's message: {}", err.message);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(json(&client.query("customers", Some(r#"{"limit":1000}"#)).unwrap()).as_array().len(), 100);
}

#[test]
fn session_calls_and_entities_and_legacy_import() {
    let (dir, client) = open();
    client.logout().unwrap(); // not signed in: nothing to revoke
    client.add_entity("customers").unwrap();
    let err = client.migrate_legacy(dir.db("no-such-shop.db")).unwrap_err();
    assert_ne!(err.code, Code::Error, "{err}");
    assert!(!err.message.is_empty());
}

#[test]
fn a_write_group_commits_all_or_nothing_locally() {
    let (_dir, client) = open();
    let mut group = WriteGroup::new();
    let order = group.create("orders", json(r#"{"order_code":"O-1"}"#));
    let item = group.create("order_items", Json::object([("order_id", Json::from(order.as_str())), ("product_name", Json::from("Tea"))]));
    assert_eq!(client.write_group(&group).unwrap(), vec![order.clone(), item.clone()], "the ids, in order");
    assert_eq!(json(&client.get("order_items", &item).unwrap()).get("order_id").as_str(), Some(order.as_str()));
    assert_eq!(json(&client.get("orders", &order).unwrap()).get("sync_state").as_str(), Some("pending_create"));

    let mut bad = WriteGroup::new();
    bad.create("orders", json(r#"{"order_code":"O-2"}"#));
    bad.update("orders", "no-such-id", json(r#"{"notes":"x"}"#));
    let err = client.write_group(&bad).unwrap_err();
    assert!(matches!(err.code, Code::NotFound | Code::Invalid), "{err}");
    let codes = json(&client.query("orders", None).unwrap());
    assert_eq!(codes.as_array().len(), 1, "nothing of a failed group is written: {codes}");
    assert_eq!(client.write_group(&WriteGroup::new()).unwrap_err().code, Code::Invalid, "a group holds 1-100 writes");
    assert_eq!(client.write_group_json("{}").unwrap_err().code, Code::Invalid);
    assert_eq!(client.write_group_json("[{\"op\":\"x\0\"}]").unwrap_err().code, Code::Invalid);
}

#[test]
fn refused_writes_start_empty_and_unknown_ids_are_not_found() {
    let (_dir, client) = open();
    assert_eq!(json(&client.failed_writes().unwrap()), Json::Array(vec![]));
    assert_eq!(client.retry_failed(42, None, WriteFlags::NONE).unwrap_err().code, Code::NotFound);
    assert_eq!(client.retry_failed(42, Some(r#"{"name":"x"}"#), WriteFlags::OVERRIDE).unwrap_err().code, Code::NotFound);
    assert_eq!(client.discard_failed(42).unwrap_err().code, Code::NotFound);
    assert_eq!(client.retry_failed(42, Some("{\"a\":\"\0\"}"), WriteFlags::NONE).unwrap_err().code, Code::Invalid);
}

#[test]
fn forget_shop_drops_the_local_shop_and_signs_out() {
    let (_dir, client) = open();
    client.create("customers", r#"{"customer_code":"C-1","name":"A"}"#).unwrap();
    client.forget_shop().unwrap();
    assert!(json(&client.query("customers", Some(r#"{"include_deleted":true}"#)).unwrap()).as_array().is_empty());
    let status = json(&client.status().unwrap());
    assert_eq!((status.get("pending").as_i64(), status.get("signed_in").as_bool()), (Some(0), Some(false)), "{status}");
}
