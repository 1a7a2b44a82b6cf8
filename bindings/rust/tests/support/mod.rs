//! bindings/rust/tests/support/mod.rs — helpers of the end-to-end test: a
//! minimal HTTP/1.1 client for setting up shops through the gateway, the
//! server's rows read with psql (PG* from test/lib/pgcluster.sh), and the
//! row-by-row comparison of a device with the server.
#![allow(dead_code)]
use shopsync::{Client, Json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// POSTs JSON to the gateway (plain HTTP on loopback); returns (status, body).
pub fn http_post(base_url: &str, path: &str, body: &Json, token: Option<&str>) -> (u16, Json) {
    let authority = base_url.strip_prefix("http://").expect("an http:// gateway URL").trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).unwrap_or_else(|e| panic!("connect {authority}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.to_string();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP head in {text:?}"));
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status code");
    let chunked = head.lines().any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked"));
    let payload = if chunked { unchunk(rest) } else { rest.to_string() };
    let json = if payload.trim().is_empty() { Json::Null } else { Json::parse(&payload).unwrap_or_else(|e| panic!("{e}: {payload}")) };
    (status, json)
}

fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out += &after[..size];
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

pub fn password_of(email: &str) -> String {
    format!("pw {email}")
}

fn ok(base: &str, path: &str, body: Json, token: Option<&str>) -> Json {
    let (status, answer) = http_post(base, path, &body, token);
    assert!((200..300).contains(&status), "{path}: HTTP {status} {answer}");
    answer
}

/// Signs up the owner and every (email, role); the owner creates a shop and adds them. Returns the shop id.
pub fn create_shop(base: &str, owner: &str, others: &[(&str, &str)]) -> String {
    for email in std::iter::once(owner).chain(others.iter().map(|(e, _)| *e)) {
        let body = Json::object([("email", Json::from(email)), ("password", Json::from(password_of(email)))]);
        ok(base, "/auth/signup", body, None);
    }
    let login = || Json::object([("email", Json::from(owner)), ("password", Json::from(password_of(owner)))]);
    let token = ok(base, "/auth/login", login(), None).get("access_token").as_str().unwrap().to_string();
    let shop = ok(base, "/rpc/create_shop", Json::object([("name", Json::from("Corner Shop"))]), Some(&token));
    let shop = shop.get("shop_id").as_str().expect("shop_id").to_string();
    let token = ok(base, "/auth/login", login(), None).get("access_token").as_str().unwrap().to_string();
    for (email, role) in others {
        ok(base, "/rpc/add_member", Json::object([("email", Json::from(*email)), ("role", Json::from(*role))]), Some(&token));
    }
    shop
}

/// One SQL query through psql as the superuser; its single value as text.
pub fn psql(sql: &str) -> String {
    let out = Command::new("psql").args(["-X", "-q", "-At", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql]).output().expect("psql");
    assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The server's rows of an entity in a shop, tombstones included.
pub fn server_rows(entity: &str, shop_id: &str) -> Vec<Json> {
    let table = psql(&format!("SELECT relid::text FROM shopsync.synced_tables WHERE entity = {}", sql_literal(entity)));
    let text = psql(&format!("SELECT coalesce(json_agg(to_jsonb(t)), '[]') FROM {table} t WHERE shop_id = {}", sql_literal(shop_id)));
    Json::parse(&text).unwrap().as_array().to_vec()
}

fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(_), Json::Number(_)) => (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9,
        _ => a == b,
    }
}

/// Every difference between a device and the server: rows on one side only,
/// rows not synced, and every server column the device holds differently.
pub fn differences(name: &str, client: &Client, shop_id: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entity in ["customers", "orders", "order_items"] {
        let server = server_rows(entity, shop_id);
        let local = Json::parse(&client.query(entity, Some(r#"{"include_deleted":true,"limit":100000}"#)).unwrap()).unwrap();
        let local = local.as_array();
        let id = |row: &Json| row.get("id").as_str().unwrap_or_default().to_string();
        for s in &server {
            match local.iter().find(|d| id(d) == id(s)) {
                None => found.push(format!("{name}: {entity} {} is on the server only", id(s))),
                Some(d) => {
                    if d.get("sync_state").as_str() != Some("synced") {
                        found.push(format!("{name}: {entity} {} is {}", id(s), d.get("sync_state")));
                    }
                    if let Json::Object(columns) = s {
                        for (column, value) in columns {
                            if !same(value, d.get(column)) {
                                found.push(format!("{name}: {entity} {}.{column}: server {value}, device {}", id(s), d.get(column)));
                            }
                        }
                    }
                }
            }
        }
        for d in local.iter().filter(|d| !server.iter().any(|s| id(s) == id(d))) {
            found.push(format!("{name}: {entity} {} is on the device only ({})", id(d), d.get("sync_state")));
        }
    }
    found
}

/// The owner sets a member's role through the gateway (list_members, then set_member_role).
pub fn set_role(base: &str, owner: &str, member: &str, role: &str) {
    let (token, user_id) = member_id(base, owner, member);
    ok(base, "/rpc/set_member_role", Json::object([("user_id", user_id), ("role", Json::from(role))]), Some(&token));
}

/// The owner removes a member from the shop through the gateway.
pub fn remove_member(base: &str, owner: &str, member: &str) {
    let (token, user_id) = member_id(base, owner, member);
    ok(base, "/rpc/remove_member", Json::object([("user_id", user_id)]), Some(&token));
}

/// The owner's token and a member's user id.
fn member_id(base: &str, owner: &str, member: &str) -> (String, Json) {
    let login = Json::object([("email", Json::from(owner)), ("password", Json::from(password_of(owner)))]);
    let token = ok(base, "/auth/login", login, None).get("access_token").as_str().unwrap().to_string();
    let members = ok(base, "/rpc/list_members", Json::object::<&str>([]), Some(&token));
    let user_id = members
        .as_array()
        .iter()
        .find(|m| m.get("email").as_str() == Some(member))
        .unwrap_or_else(|| panic!("{member} is not in {members}"))
        .get("user_id")
        .clone();
    (token, user_id)
}
