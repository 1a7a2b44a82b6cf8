/work/wt/rust/bindings/rust/target/debug/deps/shopsync-c39fb3affe00a83f.d: src/lib.rs src/ffi.rs src/changes.rs src/client.rs src/error.rs src/json.rs

/work/wt/rust/bindings/rust/target/debug/deps/libshopsync-c39fb3affe00a83f.rlib: src/lib.rs src/ffi.rs src/changes.rs src/client.rs src/error.rs src/json.rs

/work/wt/rust/bindings/rust/target/debug/deps/libshopsync-c39fb3affe00a83f.rmeta: src/lib.rs src/ffi.rs src/changes.rs src/client.rs src/error.rs src/json.rs

src/lib.rs:
src/ffi.rs:
src/changes.rs:
src/client.rs:
src/error.rs:
src/json.rs:
