// bindings/rust/build.rs — finds or builds libshopsync-client.a and links it
// with what the C++ core needs: SQLite, libcurl and libstdc++.
//
// SHOPSYNC_CLIENT_LIB_DIR names a directory holding a prebuilt
// libshopsync-client.a (an app that vendors the library). Otherwise the crate
// sits in the ShopSync repository and runs `make -C client` for the archive,
// which lands in the repository's build/.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const ARCHIVE: &str = "libshopsync-client.a";

fn main() {
    println!("cargo:rerun-if-env-changed=SHOPSYNC_CLIENT_LIB_DIR");
    let lib_dir = match env::var_os("SHOPSYNC_CLIENT_LIB_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if !dir.join(ARCHIVE).is_file() {
                panic!("SHOPSYNC_CLIENT_LIB_DIR={} holds no {ARCHIVE}", dir.display());
            }
            println!("cargo:rerun-if-changed={}", dir.join(ARCHIVE).display());
            dir
        }
        None => build_in_repository(),
    };
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=static=shopsync-client");
    for lib in ["sqlite3", "curl", "stdc++"] {
        println!("cargo:rustc-link-lib=dylib={lib}");
    }
}

/// Runs `make -C <repo>/client` for the archive and returns <repo>/build.
fn build_in_repository() -> PathBuf {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let repo = manifest.join("../..");
    let client = repo.join("client");
    if !client.join("Makefile").is_file() {
        panic!(
            "no ShopSync repository around {} (client/Makefile missing): set SHOPSYNC_CLIENT_LIB_DIR \
             to the directory of a prebuilt {ARCHIVE}",
            manifest.display()
        );
    }
    for watched in ["Makefile", "include", "src"] {
        rerun_if_changed(&client.join(watched));
    }
    rerun_if_changed(&repo.join("common"));
    rerun_if_changed(&repo.join("Makefile")); // the version string
    let status = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(&client)
        .arg(format!("../build/{ARCHIVE}"))
        .status()
        .unwrap_or_else(|e| panic!("could not run make: {e}"));
    if !status.success() {
        panic!("make -C {} ../build/{ARCHIVE} failed ({status})", client.display());
    }
    repo.join("build").canonicalize().expect("make created build/")
}

fn rerun_if_changed(path: &Path) {
    if path.is_dir() {
        for entry in path.read_dir().expect("readable directory").flatten() {
            rerun_if_changed(&entry.path());
        }
    } else {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
