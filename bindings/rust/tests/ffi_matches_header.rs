//! bindings/rust/tests/ffi_matches_header.rs — src/ffi.rs against
//! client/include/shopsync/shopsync.h: every function (name, arity, parameter
//! and return types), the callback typedef and every constant must match, and
//! every header function must be declared in ffi.rs and called by the safe API
//! (src/*.rs outside ffi.rs). The checker's own tests plant each kind of drift.
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

/// A C declaration reduced to comparable types: ("int", ["shopsync_client*", "const char*"]).
#[derive(Debug, Clone, PartialEq)]
struct Signature {
    ret: String,
    params: Vec<String>,
}

#[derive(Debug, Default)]
struct Api {
    functions: BTreeMap<String, Signature>,
    callbacks: BTreeMap<String, Signature>,
    constants: BTreeMap<String, i64>,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's header, or SHOPSYNC_HEADER's (to check against another checkout).
fn header_text() -> String {
    let path = std::env::var_os("SHOPSYNC_HEADER")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../client/include/shopsync/shopsync.h"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ffi_text() -> String {
    fs::read_to_string(manifest_dir().join("src/ffi.rs")).expect("src/ffi.rs")
}

/// The safe API's sources: every src/*.rs except ffi.rs.
fn safe_api_text() -> String {
    let mut text = String::new();
    for entry in fs::read_dir(manifest_dir().join("src")).expect("src/").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") && path.file_name().unwrap() != "ffi.rs" {
            text += &fs::read_to_string(&path).unwrap();
        }
    }
    text
}

fn strip_c_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (Some(b), l) if l.map_or(true, |l| b < l) => {
                out += &rest[..b];
                rest = rest[b..].find("*/").map_or("", |end| &rest[b + end + 2..]);
            }
            (_, Some(l)) => {
                out += &rest[..l];
                rest = rest[l..].find('\n').map_or("", |end| &rest[l + end..]);
            }
            _ => {
                out += rest;
                return out;
            }
        }
    }
}

/// "const char *source" -> "const char*"; "shopsync_client **" -> "shopsync_client**".
fn c_type(decl: &str, drop_name: bool) -> String {
    let spaced = decl.replace('*', " * ");
    let mut tokens: Vec<&str> = spaced.split_whitespace().collect();
    let words = tokens.iter().filter(|t| **t != "*").count();
    if drop_name && words >= 2 && tokens.last().is_some_and(|t| *t != "*") {
        tokens.pop();
    }
    let stars = tokens.iter().filter(|t| **t == "*").count();
    let base: Vec<&str> = tokens.into_iter().filter(|t| *t != "*").collect();
    format!("{}{}", base.join(" "), "*".repeat(stars))
}

fn c_params(list: &str) -> Vec<String> {
    let list = list.trim();
    if list.is_empty() || list == "void" {
        return Vec::new();
    }
    list.split(',').map(|p| c_type(p, true)).collect()
}

fn parse_header(text: &str) -> Api {
    let mut api = Api::default();
    let text = strip_c_comments(text);
    let mut body = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(define) = line.strip_prefix("#define ") {
            let mut parts = define.split_whitespace();
            if let (Some(name), Some(value)) = (parts.next(), parts.next()) {
                if let Ok(value) = value.parse::<i64>() {
                    api.constants.insert(name.to_string(), value);
                }
            }
        } else if !line.starts_with('#') {
            body += line;
            body.push(' ');
        }
    }
    for statement in body.split(';') {
        let statement = statement.trim().trim_start_matches('}').trim();
        if let Some(typedef) = statement.strip_prefix("typedef ") {
            // typedef RET (*NAME)(PARAMS)
            if let (Some(open), Some(close)) = (typedef.find("(*"), typedef.find(")(")) {
                let name = typedef[open + 2..close].trim().to_string();
                let params = typedef[close + 2..].trim_end().trim_end_matches(')');
                let ret = c_type(&typedef[..open], false);
                api.callbacks.insert(name, Signature { ret, params: c_params(params) });
            }
            continue;
        }
        let Some(open) = statement.find('(') else { continue };
        let head = &statement[..open];
        let spaced = head.replace('*', " * ");
        let name = spaced.split_whitespace().last().unwrap_or("");
        if !name.starts_with("shopsync_") || !statement.ends_with(')') {
            continue;
        }
        let ret = c_type(&head[..head.rfind(name).unwrap()], false);
        let params = c_params(&statement[open + 1..statement.len() - 1]);
        api.functions.insert(name.to_string(), Signature { ret, params });
    }
    api
}

/// A Rust FFI type as the C type it stands for.
fn rust_type(t: &str) -> String {
    let t = t.trim();
    if let Some(rest) = t.strip_prefix("*mut ") {
        return rust_type(rest) + "*";
    }
    if let Some(rest) = t.strip_prefix("*const ") {
        return format!("const {}*", rust_type(rest));
    }
    if let Some(inner) = t.strip_prefix("Option<").and_then(|r| r.strip_suffix('>')) {
        return rust_type(inner); // a nullable function pointer
    }
    match t {
        "c_int" => "int",
        "c_char" => "char",
        "c_void" | "" | "()" => "void",
        "i64" => "int64_t",
        "u64" => "uint64_t",
        "i32" => "int32_t",
        "usize" => "size_t",
        other => other,
    }
    .to_string()
}

fn rust_signature(params: &str, ret: &str) -> Signature {
    let params = params
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| rust_type(p.split_once(':').map_or(p, |(_, t)| t)))
        .collect();
    Signature { ret: rust_type(ret), params }
}

fn parse_ffi(text: &str) -> Api {
    let mut api = Api::default();
    let mut code = String::new();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        code += line;
        code.push(' ');
    }
    for statement in code.split(';') {
        // A declaration starts at the statement's last `pub ` (what precedes it
        // is the end of a struct, an attribute or an `extern "C" {`).
        let Some(start) = statement.rfind("pub ") else { continue };
        let statement = statement[start..].trim();
        if let Some(rest) = statement.strip_prefix("pub const ") {
            let (name, value) = rest.split_once(':').expect("pub const NAME: T = V");
            let value = value.split_once('=').expect("= value").1.trim();
            api.constants.insert(name.trim().to_string(), value.parse().expect("integer constant"));
        } else if let Some(rest) = statement.strip_prefix("pub type ") {
            let (name, fn_type) = rest.split_once('=').expect("pub type NAME = ...");
            let fn_type = fn_type.trim();
            if let Some(open) = fn_type.find("fn(") {
                let close = fn_type.rfind(')').unwrap();
                let ret = fn_type[close + 1..].trim().trim_start_matches("->");
                let sig = rust_signature(&fn_type[open + 3..close], ret);
                api.callbacks.insert(name.trim().to_string(), sig);
            }
        } else if let Some(rest) = statement.strip_prefix("pub fn ") {
            let open = rest.find('(').expect("pub fn name(");
            let close = rest.rfind(')').expect("pub fn name(...)");
            let ret = rest[close + 1..].trim().trim_start_matches("->");
            api.functions.insert(rest[..open].trim().to_string(), rust_signature(&rest[open + 1..close], ret));
        }
    }
    api
}

/// Every difference between the header, ffi.rs and the safe API, one line each.
fn differences(header: &str, ffi: &str, safe_api: &str) -> Vec<String> {
    let (c, rust) = (parse_header(header), parse_ffi(ffi));
    let mut found = Vec::new();
    for (name, sig) in &c.functions {
        match rust.functions.get(name) {
            None => found.push(format!("{name}: in the header, not declared in src/ffi.rs")),
            Some(r) if r != sig => found.push(format!("{name}: header {sig:?}, ffi.rs {r:?}")),
            Some(_) if !safe_api.contains(&format!("ffi::{name}(")) => {
                found.push(format!("{name}: declared but no safe wrapper calls it"))
            }
            Some(_) => {}
        }
    }
    for name in rust.functions.keys().filter(|n| !c.functions.contains_key(*n)) {
        found.push(format!("{name}: declared in src/ffi.rs, not in the header"));
    }
    for (name, sig) in &c.callbacks {
        match rust.callbacks.get(name) {
            None => found.push(format!("{name}: callback type not declared in src/ffi.rs")),
            Some(r) if r != sig => found.push(format!("{name}: header {sig:?}, ffi.rs {r:?}")),
            Some(_) => {}
        }
    }
    for name in rust.callbacks.keys().filter(|n| !c.callbacks.contains_key(*n)) {
        found.push(format!("{name}: callback type in src/ffi.rs, not in the header"));
    }
    for (name, value) in c.constants.iter().filter(|(n, _)| n.starts_with("SHOPSYNC_") && *n != "SHOPSYNC_H") {
        match rust.constants.get(name) {
            None => found.push(format!("{name}: constant not declared in src/ffi.rs")),
            Some(r) if r != value => found.push(format!("{name}: header {value}, ffi.rs {r}")),
            Some(_) => {}
        }
    }
    for name in rust.constants.keys().filter(|n| !c.constants.contains_key(*n)) {
        found.push(format!("{name}: constant in src/ffi.rs, not in the header"));
    }
    found
}

#[test]
fn ffi_rs_matches_the_header_and_binds_every_call() {
    let found = differences(&header_text(), &ffi_text(), &safe_api_text());
    assert!(found.is_empty(), "src/ffi.rs and shopsync.h differ:\n  {}", found.join("\n  "));
}

#[test]
fn the_parsers_see_the_whole_header() {
    let (c, rust) = (parse_header(&header_text()), parse_ffi(&ffi_text()));
    // Counted from the header by hand when this test was written; more is fine.
    assert!(c.functions.len() >= 26, "header functions: {:?}", c.functions.keys());
    assert!(c.constants.len() >= 12, "header constants: {:?}", c.constants);
    assert_eq!(c.callbacks.len(), 2); // shopsync_change_fn, shopsync_token_fn
    assert_eq!(
        c.functions["shopsync_open"],
        Signature { ret: "int".into(), params: vec!["const char*".into(), "shopsync_client**".into()] }
    );
    assert_eq!(c.functions["shopsync_libversion"], Signature { ret: "const char*".into(), params: vec![] });
    assert_eq!(c.functions["shopsync_free"], Signature { ret: "void".into(), params: vec!["void*".into()] });
    assert_eq!(c.functions["shopsync_dismiss_conflict"].params[1], "int64_t");
    assert_eq!(c.constants["SHOPSYNC_NOT_CONFIGURED"], 10);
    assert_eq!(rust.functions.len(), c.functions.len());
}

// ---- the checker catches each kind of drift -------------------------------------------------

fn planted(from: &str, to: &str, in_header: bool) -> Vec<String> {
    let (mut header, mut ffi) = (header_text(), ffi_text());
    let target = if in_header { &mut header } else { &mut ffi };
    assert!(target.contains(from), "the plant site {from:?} is gone; update this test");
    *target = target.replacen(from, to, 1);
    differences(&header, &ffi, &safe_api_text())
}

#[test]
fn a_new_header_function_not_bound_fails() {
    let found = planted("void shopsync_free(void *p);", "void shopsync_free(void *p);\nint shopsync_planted_call(shopsync_client *h, const char *name);", true);
    assert_eq!(found, vec!["shopsync_planted_call: in the header, not declared in src/ffi.rs".to_string()]);
}

#[test]
fn a_declared_function_without_safe_wrapper_fails() {
    let (header, ffi) = (header_text(), ffi_text());
    let safe = safe_api_text().replace("ffi::shopsync_add_entity(", "ffi::removed(");
    assert_eq!(differences(&header, &ffi, &safe), vec!["shopsync_add_entity: declared but no safe wrapper calls it".to_string()]);
}

#[test]
fn a_wrong_parameter_type_fails() {
    let found = planted("conflict_id: i64", "conflict_id: c_int", false);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("shopsync_dismiss_conflict: header"), "{found:?}");
}

#[test]
fn a_wrong_arity_fails() {
    let found = planted("json: *const c_char, flags: c_int)", "json: *const c_char)", false);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("shopsync_update_flags: header"), "{found:?}");
}

#[test]
fn a_wrong_return_type_or_pointer_depth_fails() {
    assert_eq!(planted("pub fn shopsync_libversion() -> *const c_char", "pub fn shopsync_libversion() -> c_int", false).len(), 1);
    assert_eq!(planted("out: *mut *mut shopsync_client", "out: *mut shopsync_client", false).len(), 1);
    assert_eq!(planted("pub fn shopsync_free(p: *mut c_void)", "pub fn shopsync_free(p: *mut c_void) -> c_int", false).len(), 1);
}

#[test]
fn a_wrong_or_missing_constant_fails() {
    assert_eq!(planted("SHOPSYNC_SERVER: c_int = 9", "SHOPSYNC_SERVER: c_int = 90", false), vec!["SHOPSYNC_SERVER: header 9, ffi.rs 90".to_string()]);
    assert_eq!(
        planted("#define SHOPSYNC_NOT_CONFIGURED 10", "#define SHOPSYNC_NOT_CONFIGURED 10\n#define SHOPSYNC_CONFLICT 11", true),
        vec!["SHOPSYNC_CONFLICT: constant not declared in src/ffi.rs".to_string()]
    );
}

#[test]
fn a_changed_callback_type_fails() {
    let found = planted("const char *source, const char *entity);", "const char *source, const char *entity, int64_t n);", true);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("shopsync_change_fn: header"), "{found:?}");
}

#[test]
fn a_function_the_header_dropped_fails() {
    let found = planted("int shopsync_logout(shopsync_client *h);", "", true);
    assert_eq!(found, vec!["shopsync_logout: declared in src/ffi.rs, not in the header".to_string()]);
}
