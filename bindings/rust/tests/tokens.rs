//! bindings/rust/tests/tokens.rs — tokens issued elsewhere and the server
//! profile through the safe API, without a server: bad tokens, profiles and
//! apikeys are `Code::Invalid`; a token source is asked (with the reason) when a
//! round needs a token, its panics are caught and counted, and clearing it
//! leaves the device without a token (`Code::Auth`).
use shopsync::{Client, Code, Json, Profile, Token, TokenReason};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

// {"alg":"HS256"} . {"sub":"u","exp":4102444800,"app_metadata":{"shop_id":"11111111-…"}} . sig
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1IiwiZXhwIjo0MTAyNDQ0ODAwLCJhcHBfbWV0YWRhdGEiOnsic2hvcF9pZCI6IjExMTExMTExLTExMTEtNDExMS04MTExLTExMTExMTExMTExMSJ9fQ.c2ln";
const SHOP: &str = "11111111-1111-4111-8111-111111111111";

fn open(name: &str) -> (std::path::PathBuf, Client) {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("shopsync-rust-tokens-{}-{}-{name}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&dir).unwrap();
    let client = Client::open(dir.join("device.db")).unwrap();
    (dir, client)
}

fn status(client: &Client) -> Json {
    Json::parse(&client.status().unwrap()).unwrap()
}

#[test]
fn set_tokens_profile_and_apikey_check_their_input() {
    let (dir, client) = open("input");
    assert_eq!(client.set_tokens("not-a-jwt", None, None).unwrap_err().code, Code::Invalid);
    assert_eq!(client.set_tokens("a\0b", None, None).unwrap_err().code, Code::Invalid);
    assert_eq!(status(&client).get("signed_in").as_bool(), Some(false));
    client.set_tokens(TOKEN, Some("refresh-1"), None).unwrap();
    let s = status(&client);
    assert_eq!(s.get("signed_in").as_bool(), Some(true));
    assert_eq!(s.get("shop_id").as_str(), Some(SHOP));
    assert!(!client.status().unwrap().contains(TOKEN), "status never shows the token");
    assert_eq!(client.set_profile(Profile::Postgrest, Some("no-slash")).unwrap_err().code, Code::Invalid);
    client.set_profile(Profile::Postgrest, Some("")).unwrap();
    assert_eq!(status(&client).get("profile").as_str(), Some("postgrest"));
    assert_eq!(client.set_apikey(Some("two words")).unwrap_err().code, Code::Invalid);
    client.set_apikey(Some("anon-key")).unwrap();
    client.set_apikey(None).unwrap();
    drop(client);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_token_source_is_asked_when_a_round_needs_a_token_and_its_panics_are_caught() {
    let (dir, client) = open("source");
    client.set_server("http://127.0.0.1:9").unwrap(); // nothing listens there
    client.set_profile(Profile::Postgrest, Some("")).unwrap();
    let reasons = Arc::new(Mutex::new(Vec::new()));
    let seen = reasons.clone();
    client
        .set_token_source(move |reason| {
            seen.lock().unwrap().push(reason);
            Some(Token { access_token: TOKEN.to_string(), expires_at: None })
        })
        .unwrap();
    assert_eq!(status(&client).get("signed_in").as_bool(), Some(true));
    let failed = client.sync_now().unwrap_err();
    assert_eq!(failed.error.code, Code::Network, "it got a token, then could not reach the server");
    assert_eq!(*reasons.lock().unwrap(), vec![TokenReason::Needed]);
    assert_eq!(status(&client).get("shop_id").as_str(), Some(SHOP), "the shop comes from the token");

    client.logout().unwrap(); // forgets the token; the next round asks again
    client.set_token_source(|_| panic!("a source panics")).unwrap();
    assert_eq!(client.sync_now().unwrap_err().error.code, Code::Auth);
    assert_eq!(client.token_source_panics(), 1);

    client.set_token_source(|_| None).unwrap();
    assert_eq!(client.sync_now().unwrap_err().error.code, Code::Auth);
    client.clear_token_source().unwrap();
    assert_eq!(status(&client).get("signed_in").as_bool(), Some(false));
    drop(client);
    let _ = std::fs::remove_dir_all(dir);
}
