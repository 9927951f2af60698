//! Helpers shared by the end-to-end tests: where the real captures and the
//! built plugins are, running the `weir` binary, reading its outputs and the
//! tshark oracle tables.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `../shared` beside the checkout (or `$WEIR_SHARED`). Panics, failing the
/// test, when it is missing: a test whose input is missing must fail.
pub fn shared() -> PathBuf {
    let dir = std::env::var_os("WEIR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.join("pcaps/MANIFEST.tsv").is_file(),
        "real captures not found at {} (set WEIR_SHARED to the shared/ directory)",
        dir.display()
    );
    dir
}

/// Path of a capture in `shared/pcaps`.
pub fn pcap(name: &str) -> PathBuf {
    let p = shared().join("pcaps").join(name);
    assert!(p.is_file(), "missing capture {}", p.display());
    p
}

/// The oracle directory of a capture (name without extension).
pub fn oracle(stem: &str) -> PathBuf {
    shared().join("pcaps/oracle").join(stem)
}

/// Capture file names from MANIFEST.tsv.
pub fn manifest_captures() -> Vec<String> {
    let text = std::fs::read_to_string(shared().join("pcaps/MANIFEST.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(str::to_string)
        .collect()
}

/// The weir binary under test.
pub fn weir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_weir"))
}

/// The target profile directory (where `cargo build --workspace` puts the plugin `.so` files).
pub fn target_dir() -> PathBuf {
    weir().parent().unwrap().to_path_buf()
}

/// Path of a built plugin library, e.g. `plugin("sg2")` -> `.../libweir_plugin_sg2.so`.
/// Fails the test with the command to run when it has not been built.
pub fn plugin(name: &str) -> PathBuf {
    let p = target_dir().join(format!("libweir_plugin_{name}.so"));
    assert!(
        p.is_file(),
        "plugin {} not built: run `cargo build --workspace` before the tests",
        p.display()
    );
    p
}

/// Runs `weir` with `args`.
pub fn run_weir<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(weir())
        .args(args)
        .output()
        .expect("cannot start weir")
}

/// `weir run --pcap P... --out OUT` plus `extra`.
pub fn run_on(pcaps: &[PathBuf], out: &Path, extra: &[String]) -> Output {
    let mut args: Vec<String> = vec!["run".into()];
    for p in pcaps {
        args.push("--pcap".into());
        args.push(p.display().to_string());
    }
    args.push("--out".into());
    args.push(out.display().to_string());
    args.extend(extra.iter().cloned());
    run_weir(&args)
}

/// Asserts the exit code, printing stderr on mismatch.
pub fn expect_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "weir exited {:?}, wanted {code}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Reads an NDJSON file.
pub fn ndjson(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
        .collect()
}

/// Reads `summary.json`.
pub fn summary(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Reads an oracle TSV as rows of column -> value.
pub fn tsv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t'))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
