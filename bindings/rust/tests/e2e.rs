//! bindings/rust/tests/e2e.rs — the crate against a private cluster and the
//! gateway (test/rust/run.sh starts both and sets GATEWAY_URL and PG*): two
//! `Client`s in this process (desk: owner, tablet: staff) and an app driven
//! only through examples/tauri_commands.rs (owner), plus Kim's app (staff, then
//! made a viewer). Offline writes queue and sync; every device equals the
//! server row by row; a concurrent edit leaves the app a conflict record it can
//! dismiss while the rest of its write group is refused (group_failed) and
//! discarded; a write the server refuses (Kim's, after her demotion) stays
//! failed, is listed with its reason, retried and discarded, and her next write
//! is refused on the device (offline pre-check); removed from the
//! shop, Kim's app sees access_lost and forgets the shop; the background worker
//! and the change forwarder bring another device's write to the app on their own.
//! Ignored by a plain `cargo test`: it needs the servers.
#[path = "../examples/tauri_commands.rs"]
mod tauri_commands;
mod support;

use shopsync::{Client, Code, Json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{create_shop, differences, password_of, psql, remove_member, set_role};
use tauri_commands as app_cmd;

const OWNER: &str = "olivia@rust.example";
const STAFF: &str = "sam@rust.example";
const KIM: &str = "kim@rust.example";

fn parse(text: &str) -> Json {
    Json::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn device(work: &Path, gateway: &str, name: &str, email: &str) -> Client {
    let client = Client::open(work.join(format!("{name}.db"))).unwrap();
    client.set_server(gateway).unwrap();
    client.set_device_id(name).unwrap();
    client.login(email, &password_of(email), None).unwrap();
    client
}

fn status(client: &Client) -> Json {
    parse(&client.status().unwrap())
}

fn assert_converged(devices: &[(&str, &Client)], shop: &str, when: &str) {
    let found: Vec<String> = devices.iter().flat_map(|(name, c)| differences(name, c, shop)).collect();
    assert!(found.is_empty(), "{when}: devices differ from the server:\n  {}", found.join("\n  "));
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "waited 60 s for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs a cluster and the gateway: run test/rust/run.sh"]
fn devices_and_tauri_commands_converge_through_the_gateway() {
    let gateway = std::env::var("GATEWAY_URL").expect("GATEWAY_URL (test/rust/run.sh sets it)");
    let work = std::env::temp_dir().join(format!("shopsync-rust-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    struct Cleanup(PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(work.clone());

    let shop = create_shop(&gateway, OWNER, &[(STAFF, "staff"), (KIM, "staff")]);
    let desk = device(&work, &gateway, "desk", OWNER);
    let tablet = device(&work, &gateway, "tablet", STAFF);
    let app_db = work.join("app.db");
    let app = app_cmd::SyncState::open(
        app_db.to_str().unwrap(),
        &gateway,
        Some("app"),
        &[("interval_min", "1"), ("interval_max", "2"), ("write_delay_ms", "50")],
    )
    .unwrap();
    let signed_in = parse(&app_cmd::sign_in(&app, OWNER.into(), password_of(OWNER), None).unwrap());
    assert_eq!(signed_in.get("signed_in").as_bool(), Some(true), "sign_in answers the status");
    let events: Arc<Mutex<Vec<Json>>> = Arc::default();
    let sink = events.clone();
    let forwarder = app_cmd::forward_changes(&app, move |event, payload| {
        assert_eq!(event, app_cmd::CHANGE_EVENT);
        sink.lock().unwrap().push(Json::parse(&payload).unwrap());
    })
    .unwrap();
    let forwarded = |source: &str, entity: &str| {
        events.lock().unwrap().iter().any(|e| e.get("source").as_str() == Some(source) && e.get("entity").as_str() == Some(entity))
    };

    // ---- offline writes: the desk cannot reach the server, its writes stay queued ----------
    desk.set_server("http://127.0.0.1:9").unwrap();
    desk.set_option("timeout", "2").unwrap();
    let c1 = desk.create("customers", r#"{"customer_code":"C-1","name":"Ann Lee","phone":"555-0101"}"#).unwrap();
    let o1 = desk.create("orders", &format!(r#"{{"order_code":"O-1","customer_id":"{c1}","total":42.5}}"#)).unwrap();
    desk.create("order_items", &format!(r#"{{"order_id":"{o1}","product_name":"Tea","quantity":2,"unit_price":4.25}}"#)).unwrap();
    let offline = desk.sync_now().unwrap_err();
    assert_eq!(offline.error.code, Code::Network, "offline round: {}", offline.error);
    assert_eq!(status(&desk).get("pending").as_i64(), Some(3), "offline: the desk keeps its writes queued");
    desk.set_server(&gateway).unwrap();

    let c2 = tablet.create("customers", r#"{"customer_code":"C-2","name":"Bo Chen"}"#).unwrap();
    tablet.update("customers", &c2, r#"{"email":"bo@example.com"}"#).unwrap();

    let c3 = parse(&app_cmd::create_customer(&app, r#"{"customer_code":"C-3","name":"Zoë Müller"}"#.into()).unwrap());
    let c3 = c3.get("id").as_str().unwrap().to_string();
    let order_input = format!(
        r#"{{"order":{{"order_code":"O-3","customer_id":"{c3}","total":12}},"items":[{{"product_name":"Tea","quantity":1,"unit_price":4}},{{"product_name":"Cake","quantity":2,"unit_price":4}}]}}"#
    );
    let created = parse(&app_cmd::create_order_with_items(&app, order_input).unwrap());
    let o3 = created.get("order_id").as_str().unwrap().to_string();
    assert_eq!(created.get("item_ids").as_array().len(), 2);
    let bad = r#"{"order":{"order_code":"O-BAD"},"items":[{"product_name":"ok"},{"product_name":"bad","version":7}]}"#;
    let refused = parse(&app_cmd::create_order_with_items(&app, bad.into()).unwrap_err());
    assert_eq!(refused.get("name").as_str(), Some("invalid"), "{refused}");
    assert_eq!(refused.get("code").as_i64(), Some(3));
    let orders = parse(&app_cmd::list_orders(&app, None).unwrap());
    let codes: Vec<_> = orders.as_array().iter().map(|o| o.get("order_code").as_str().unwrap().to_string()).collect();
    assert_eq!(codes, vec!["O-3"], "a failed order with items leaves nothing behind");
    assert_eq!(orders.as_array()[0].get("items").as_array().len(), 2, "list_orders carries each order's items");
    assert_eq!(orders.as_array()[0].get("sync_state").as_str(), Some("pending_create"));
    let items = parse(&app_cmd::list_rows(&app, "order_items".into(), Some(format!(r#"{{"where":{{"order_id":"{o3}"}}}}"#))).unwrap());
    assert_eq!(items.as_array().len(), 2, "list_rows (the TypeScript adapter's command) reads any entity");
    wait_until("the forwarder's local change events", || forwarded("local", "orders") && forwarded("local", "order_items"));

    // ---- sync: every device equals the server ---------------------------------------------------
    for _ in 0..2 {
        desk.sync_now().unwrap();
        tablet.sync_now().unwrap();
        let report = parse(&app_cmd::sync_now(&app).unwrap());
        assert_eq!(report.get("ok").as_bool(), Some(true), "{report}");
    }
    assert_converged(&[("desk", &desk), ("tablet", &tablet), ("app", &app.client)], &shop, "after offline writes");
    assert_eq!(psql(&format!("SELECT count(*) FROM shopsync.customers WHERE shop_id = '{shop}'")), "3");
    assert_eq!(psql(&format!("SELECT count(*) FROM shopsync.order_items WHERE order_id = '{o3}'")), "2");
    assert!(!psql("SELECT count(*) FROM shopsync.orders WHERE order_code = 'O-BAD'").starts_with('1'));
    // The app's first round rebuilt from the snapshot (a new device), later ones pull.
    wait_until("synced rows forwarded to the webview", || forwarded("rebuild", "customers") || forwarded("pull", "customers"));

    // ---- a conflict in a write group: the desk's edit wins, the app keeps a record, the group's
    //      other write is refused (group_failed, naming the culprit) and discarded
    desk.update("orders", &o3, r#"{"notes":"from the desk"}"#).unwrap();
    desk.sync_now().unwrap();
    let edit = r#"{"order":{"notes":"from the app","total":20},"items":[{"product_name":"Jam","quantity":1,"unit_price":8}]}"#;
    let added = parse(&app_cmd::edit_order_with_items(&app, o3.clone(), edit.into()).unwrap());
    let jam = added.get("item_ids").as_array()[0].as_str().unwrap().to_string();
    let report = parse(&app_cmd::sync_now(&app).unwrap());
    assert_eq!(report.get("conflicts").as_i64(), Some(1), "{report}");
    let orders = parse(&app_cmd::list_orders(&app, Some(format!(r#"{{"where":{{"id":"{o3}"}}}}"#))).unwrap());
    assert_eq!(orders.as_array()[0].get("notes").as_str(), Some("from the desk"), "server wins");
    assert_eq!(psql(&format!("SELECT count(*) FROM shopsync.order_items WHERE id = '{jam}'")), "0", "nothing of the group applied");
    let conflicts = parse(&app_cmd::list_conflicts(&app).unwrap());
    assert_eq!(conflicts.as_array().len(), 1, "{conflicts}");
    let record = &conflicts.as_array()[0];
    assert_eq!((record.get("entity").as_str(), record.get("entity_id").as_str()), (Some("orders"), Some(o3.as_str())));
    assert_eq!(record.get("local_payload").get("notes").as_str(), Some("from the app"), "the lost change is kept for the banner");
    let sync_state = parse(&app_cmd::sync_status(&app).unwrap());
    assert_eq!(sync_state.get("conflicts").as_i64(), Some(1), "sync_status counts the banner's records: {sync_state}");
    let failures = parse(&app_cmd::list_failed_writes(&app).unwrap());
    assert_eq!(failures.as_array().len(), 1, "{failures}");
    let failure = &failures.as_array()[0];
    assert_eq!((failure.get("entity_id").as_str(), failure.get("reason").as_str()), (Some(jam.as_str()), Some("group_failed")), "{failure}");
    assert!(!failure.get("cause").get("idempotency_key").is_null(), "the culprit is named: {failure}");
    assert_eq!(app_cmd::discard_failed(&app, failure.get("id").as_i64().unwrap()).unwrap(), "[]");
    assert!(app.client.get("order_items", &jam).is_err(), "a discarded create goes");
    let left = app_cmd::dismiss_conflict(&app, record.get("id").as_i64().unwrap()).unwrap();
    assert_eq!(left, "[]");
    let missing = parse(&app_cmd::dismiss_conflict(&app, 999_999).unwrap_err());
    assert_eq!(missing.get("name").as_str(), Some("not_found"));

    // ---- a write the server refuses is kept as failed: Kim writes as staff, is made a viewer, syncs
    let kim_db = work.join("kim.db");
    let kim = app_cmd::SyncState::open(kim_db.to_str().unwrap(), &gateway, Some("staff-laptop"), &[]).unwrap();
    app_cmd::sign_in(&kim, KIM.into(), password_of(KIM), None).unwrap();
    app_cmd::create_customer(&kim, r#"{"customer_code":"C-K","name":"Kim's try"}"#.into()).unwrap();
    set_role(&gateway, OWNER, KIM, "viewer");
    let refused = parse(&app_cmd::sync_now(&kim).unwrap_err());
    assert_eq!(refused.get("name").as_str(), Some("forbidden"), "{refused}");
    assert!(refused.get("report").get("ok").as_bool() == Some(false), "the failed round's report travels with the error: {refused}");
    let kim_status = parse(&app_cmd::sync_status(&kim).unwrap());
    let failed = kim_status.get("failed").as_array();
    assert_eq!(kim_status.get("pending").as_i64(), Some(0), "{kim_status}");
    assert_eq!(failed.len(), 1, "{kim_status}");
    assert!(failed[0].get("last_error").as_str().unwrap_or("").contains("forbidden"), "{kim_status}");
    assert_eq!(psql("SELECT count(*) FROM shopsync.customers WHERE customer_code = 'C-K'"), "0", "never reaches the server");
    let failures = parse(&app_cmd::list_failed_writes(&kim).unwrap());
    assert_eq!(failures.as_array().len(), 1, "{failures}");
    let failure = &failures.as_array()[0];
    assert_eq!((failure.get("entity").as_str(), failure.get("op").as_str()), (Some("customers"), Some("create")), "{failure}");
    assert_eq!(failure.get("attempt").get("customer_code").as_str(), Some("C-K"), "what was sent: {failure}");
    assert!(!failure.get("reason").as_str().unwrap_or("").is_empty(), "a machine-readable reason: {failure}");
    // Retried as is, it is refused again — on the device itself once it knows
    // the new role from the server (sync_health), else by the server — and
    // listed again; discarded, it leaves the device.
    match app_cmd::retry_failed(&kim, failure.get("id").as_i64().unwrap(), None, false) {
        Ok(_) => assert_eq!(parse(&app_cmd::sync_now(&kim).unwrap_err()).get("name").as_str(), Some("forbidden")),
        Err(e) => assert_eq!(parse(&e).get("name").as_str(), Some("forbidden"), "refused on the device: {e}"),
    }
    let failures = parse(&app_cmd::list_failed_writes(&kim).unwrap());
    assert_eq!(failures.as_array().len(), 1, "refused again: {failures}");
    assert_eq!(app_cmd::discard_failed(&kim, failures.as_array()[0].get("id").as_i64().unwrap()).unwrap(), "[]");
    let kim_status = parse(&app_cmd::sync_status(&kim).unwrap());
    assert!(kim_status.get("failed").as_array().is_empty(), "{kim_status}");
    assert_eq!(kim.client.query("customers", Some(r#"{"where":{"customer_code":"C-K"}}"#)).unwrap(), "[]", "a discarded create goes");
    let missing = parse(&app_cmd::retry_failed(&kim, 999_999, None, false).unwrap_err());
    assert_eq!(missing.get("name").as_str(), Some("not_found"));

    // ---- move-out: Kim is removed from the shop; her app learns it and forgets the shop ----------
    // Now a viewer on the device too, Kim's next write is refused offline, before any round.
    let kim_status = parse(&app_cmd::sync_status(&kim).unwrap());
    assert_eq!(kim_status.get("role").as_str(), Some("viewer"), "{kim_status}");
    let refused = parse(&app_cmd::create_customer(&kim, r#"{"customer_code":"C-K2","name":"viewer's try"}"#.into()).unwrap_err());
    assert_eq!(refused.get("name").as_str(), Some("forbidden"), "{refused}");
    assert_eq!(parse(&app_cmd::sync_status(&kim).unwrap()).get("pending").as_i64(), Some(0), "nothing queued");
    remove_member(&gateway, OWNER, KIM);
    let lost = parse(&app_cmd::sync_now(&kim).unwrap_err());
    assert!(matches!(lost.get("name").as_str(), Some("forbidden") | Some("auth")), "{lost}");
    let kim_status = parse(&app_cmd::sync_status(&kim).unwrap());
    assert!(!kim_status.get("access_lost").is_null(), "the status says access is lost: {kim_status}");
    let after = parse(&app_cmd::forget_shop(&kim).unwrap());
    assert_eq!(after.get("signed_in").as_bool(), Some(false), "{after}");
    assert_eq!(after.get("pending").as_i64(), Some(0), "{after}");
    assert!(after.get("failed").as_array().is_empty(), "{after}");
    assert_eq!(kim.client.query("customers", Some(r#"{"include_deleted":true}"#)).unwrap(), "[]", "the shop's rows are gone");

    // ---- the worker and the forwarder bring the desk's next write to the app on their own ---------
    app_cmd::start_sync_worker(&app).unwrap();
    assert_eq!(parse(&app_cmd::sync_status(&app).unwrap()).get("worker_running").as_bool(), Some(true));
    events.lock().unwrap().clear();
    let c4 = desk.create("customers", r#"{"customer_code":"C-4","name":"Dee"}"#).unwrap();
    desk.sync_now().unwrap();
    wait_until("the app's worker to pull the desk's customer", || app.client.get("customers", &c4).is_ok());
    wait_until("the pull forwarded as an event", || forwarded("pull", "customers"));
    app.client.stop().unwrap();

    tablet.sync_now().unwrap();
    app_cmd::sync_now(&app).unwrap();
    assert_converged(&[("desk", &desk), ("tablet", &tablet), ("app", &app.client)], &shop, "at the end");
    assert_eq!(psql(&format!("SELECT notes FROM shopsync.orders WHERE id = '{o3}'")), "from the desk");

    // ---- a client dropped by its own callback on the worker's thread: leaked, no deadlock ---------
    let holder: Arc<Mutex<Option<Arc<Client>>>> = Arc::default();
    let doomed = Arc::new(device(&work, &gateway, "doomed", OWNER));
    let taken = holder.clone();
    doomed.on_change(move |_| drop(taken.lock().unwrap().take())).unwrap();
    *holder.lock().unwrap() = Some(doomed.clone());
    let weak = Arc::downgrade(&doomed);
    drop(doomed);
    holder.lock().unwrap().as_ref().unwrap().start().unwrap(); // its first round rebuilds: a change
    wait_until("the callback to drop its own client", || holder.lock().unwrap().is_none());
    assert!(weak.upgrade().is_none(), "the last reference went inside the callback");
    desk.sync_now().unwrap(); // and the process goes on

    // ---- dropping the app's client ends the forwarder ---------------------------------------------
    drop(app);
    forwarder.join().unwrap();
}

#[test]
#[ignore = "needs a cluster and the gateway: run test/rust/run.sh"]
fn tokens_from_elsewhere_drive_devices_over_the_postgrest_profile() {
    use shopsync::{Profile, Token, TokenReason};
    let gateway = std::env::var("GATEWAY_URL").expect("GATEWAY_URL (test/rust/run.sh sets it)");
    let work = std::env::temp_dir().join(format!("shopsync-rust-rest-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let (owner, staff) = ("pia@rust-rest.example", "ray@rust-rest.example");
    let shop = create_shop(&gateway, owner, &[(staff, "staff")]);
    let login = |email: &str| {
        let body = Json::object([("email", Json::from(email)), ("password", Json::from(password_of(email)))]);
        let (status, answer) = support::http_post(&gateway, "/auth/login", &body, None);
        assert_eq!(status, 200, "{answer}");
        answer
    };
    let rest_device = |name: &str| {
        let client = Client::open(work.join(format!("{name}.db"))).unwrap();
        client.set_server(&gateway).unwrap();
        client.set_profile(Profile::Postgrest, Some("")).unwrap(); // the gateway serves POST /rpc/<fn>
        client.set_device_id(name).unwrap();
        client
    };

    // The app signs in on its own; the library asks it for tokens.
    let desk = rest_device("rest-desk");
    let asked: Arc<Mutex<Vec<TokenReason>>> = Arc::default();
    let (asked_in, gateway_in) = (asked.clone(), gateway.clone());
    desk.set_token_source(move |reason| {
        asked_in.lock().unwrap().push(reason);
        let body = Json::object([("email", Json::from(owner)), ("password", Json::from(password_of(owner)))]);
        let (status, answer) = support::http_post(&gateway_in, "/auth/login", &body, None);
        (status == 200).then(|| Token { access_token: answer.get("access_token").as_str().unwrap().to_string(), expires_at: None })
    })
    .unwrap();
    let c1 = desk.create("customers", r#"{"customer_code":"RR-1","name":"From a token source"}"#).unwrap();
    desk.sync_now().unwrap();
    assert_eq!(*asked.lock().unwrap(), vec![TokenReason::Needed], "asked once, for the first token");
    assert_eq!(status(&desk).get("shop_id").as_str(), Some(shop.as_str()));

    // Tokens handed in once, with a refresh token the library spends itself.
    let tablet = rest_device("rest-tablet");
    let tokens = login(staff);
    tablet.set_tokens(tokens.get("access_token").as_str().unwrap(), tokens.get("refresh_token").as_str(), None).unwrap();
    tablet.sync_now().unwrap();
    let rows = parse(&tablet.query("customers", None).unwrap());
    assert!(rows.as_array().iter().any(|r| r.get("id").as_str() == Some(c1.as_str())), "the tablet pulled the desk's row");
    tablet.update("customers", &c1, r#"{"phone":"555-0142"}"#).unwrap();
    tablet.sync_now().unwrap();
    desk.sync_now().unwrap();
    assert_converged(&[("desk", &desk), ("tablet", &tablet)], &shop, "over the postgrest profile");
    drop((desk, tablet));
    let _ = std::fs::remove_dir_all(&work);
}
