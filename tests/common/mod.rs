//! Helpers shared by the end-to-end tests: where the real captures and the
//! built plugins are, running the `weir` binary, reading its outputs and the
//! tshark oracle tables.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
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

/// `tshark -n -r SRC [-Y FILTER] -T fields -E occurrence=f -e F...`: one
/// tab-separated line per (matching) frame, first occurrence of each field.
pub fn tshark_fields(src: &Path, filter: Option<&str>, fields: &[&str]) -> String {
    let mut args: Vec<std::ffi::OsString> = vec!["-n".into(), "-r".into(), src.into()];
    if let Some(f) = filter {
        args.extend(["-Y".into(), f.into()]);
    }
    args.extend([
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "occurrence=f".into(),
    ]);
    for f in fields {
        args.extend(["-e".into(), (*f).into()]);
    }
    tool("tshark", &args)
}

/// Runs an external tool (`tshark`, `editcap`, `capinfos`, `mergecap`) with `TZ=UTC` and
/// returns its stdout. Fails the test, naming the tool, when it is not
/// installed or exits with an error: a test that needs a tool never skips.
pub fn tool<S: AsRef<std::ffi::OsStr>>(program: &str, args: &[S]) -> String {
    let out = Command::new(program)
        .args(args)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{program}` ({e}): install Wireshark's command line tools (tshark, editcap, capinfos, mergecap)")
        });
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    assert!(
        out.status.success(),
        "`{program} {}` failed ({:?}):\n{}",
        shown.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What `capinfos` says about a capture.
#[derive(Debug, Clone)]
pub struct CapInfo {
    /// `File type` (pcap, nsecpcap, pcapng, ...).
    pub file_type: String,
    /// `File encapsulation` (ether, linux-sll, rawip, ...).
    pub encapsulation: String,
    /// Number of packets.
    pub packets: u64,
    /// Data size: sum of the frames' lengths on the wire.
    pub data_bytes: u64,
    /// Earliest packet time, epoch seconds as capinfos prints them (6 or 9 decimals).
    pub first: String,
    /// Latest packet time, same format.
    pub last: String,
    /// Whether packet times never decrease.
    pub strict_order: bool,
}

/// Runs `capinfos -M -t -E -c -d -a -e -S -o` on `path`.
pub fn capinfos(path: &Path) -> CapInfo {
    let text = tool(
        "capinfos",
        &[
            std::ffi::OsStr::new("-M"),
            "-t".as_ref(),
            "-E".as_ref(),
            "-c".as_ref(),
            "-d".as_ref(),
            "-a".as_ref(),
            "-e".as_ref(),
            "-S".as_ref(),
            "-o".as_ref(),
            path.as_os_str(),
        ],
    );
    let field = |name: &str| -> String {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("capinfos gave no `{name}` for {}:\n{text}", path.display()))
    };
    let number = |name: &str| -> u64 {
        let v = field(name);
        v.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("capinfos `{name}` is not a number: {v}"))
    };
    CapInfo {
        file_type: field("File type"),
        encapsulation: field("File encapsulation"),
        packets: number("Number of packets"),
        data_bytes: number("Data size"),
        first: field("First packet time"),
        last: field("Last packet time"),
        strict_order: field("Strict time order") == "True",
    }
}

/// Splits epoch seconds printed with a decimal fraction (`"12.345678901"`)
/// into whole seconds and nanoseconds.
pub fn epoch_nanos(text: &str) -> (u64, u32) {
    let (secs, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    assert!(frac.len() <= 9, "more than 9 decimals in {text}");
    let secs = secs
        .parse()
        .unwrap_or_else(|_| panic!("bad epoch time {text}"));
    let nanos = format!("{frac:0<9}")
        .parse()
        .unwrap_or_else(|_| panic!("bad epoch time {text}"));
    (secs, nanos)
}

/// An epoch time as weir prints it: seconds, a dot, six decimals
/// (nanoseconds are truncated, not rounded).
pub fn as_weir_ts(text: &str) -> String {
    let (secs, nanos) = epoch_nanos(text);
    format!("{secs}.{:06}", nanos / 1000)
}

/// Every packet time of a capture, in file order, from
/// `tshark -r F -T fields -e frame.time_epoch`, as (seconds, nanoseconds).
pub fn packet_times(path: &Path) -> Vec<(u64, u32)> {
    let text = tool(
        "tshark",
        &[
            std::ffi::OsStr::new("-n"),
            "-r".as_ref(),
            path.as_os_str(),
            "-T".as_ref(),
            "fields".as_ref(),
            "-e".as_ref(),
            "frame.time_epoch".as_ref(),
        ],
    );
    text.lines().map(epoch_nanos).collect()
}

/// The lines of an NDJSON output, sorted (compare outputs as multisets of records).
pub fn sorted_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// One end of a conversation: address as tshark prints it, port.
pub type End = (String, u16);

/// Per 5-tuple sums: (proto, lower end, higher end) ->
/// [packets lower->higher, bytes lower->higher, packets higher->lower, bytes higher->lower].
pub type ConvTable = BTreeMap<(u8, End, End), [u64; 4]>;

fn conv_add(t: &mut ConvTable, proto: u8, a: End, b: End, ab: (u64, u64), ba: (u64, u64)) {
    let (lo, hi, f, r) = if a <= b {
        (a, b, ab, ba)
    } else {
        (b, a, ba, ab)
    };
    let e = t.entry((proto, lo, hi)).or_default();
    e[0] += f.0;
    e[1] += f.1;
    e[2] += r.0;
    e[3] += r.1;
}

/// tshark's TCP and UDP conversations of the captures `stems`, summed per 5-tuple.
pub fn oracle_conv_table(stems: &[&str]) -> ConvTable {
    let mut t = ConvTable::new();
    for stem in stems {
        for (file, proto) in [("conv_tcp.tsv", 6u8), ("conv_udp.tsv", 17u8)] {
            for row in tsv(&oracle(stem).join(file)) {
                let n = |k: &str| row[k].parse::<u64>().unwrap();
                let a = (row["a_addr"].clone(), row["a_port"].parse().unwrap());
                let b = (row["b_addr"].clone(), row["b_port"].parse().unwrap());
                conv_add(
                    &mut t,
                    proto,
                    a,
                    b,
                    (n("frames_a_to_b"), n("bytes_a_to_b")),
                    (n("frames_b_to_a"), n("bytes_b_to_a")),
                );
            }
        }
    }
    t
}

/// weir's final TCP and UDP flow records, summed per 5-tuple. Interim
/// (`active`) records are skipped: they are cumulative, the final record of
/// the same flow already counts everything.
pub fn weir_conv_table<'a>(flows: impl IntoIterator<Item = &'a Value>) -> ConvTable {
    let mut t = ConvTable::new();
    for f in flows {
        let proto = f["proto"].as_u64().unwrap() as u8;
        if (proto != 6 && proto != 17) || f["end_reason"] == "active" {
            continue;
        }
        let u = |k: &str| f[k].as_u64().unwrap();
        let a = (f["a_ip"].as_str().unwrap().to_string(), u("a_port") as u16);
        let z = (f["z_ip"].as_str().unwrap().to_string(), u("z_port") as u16);
        conv_add(
            &mut t,
            proto,
            a,
            z,
            (u("az_packets"), u("az_bytes")),
            (u("za_packets"), u("za_bytes")),
        );
    }
    t
}

/// Runs ssh-guess with `plugin_args` into `out`, which must be refused before
/// any packet is read: exit 1, exactly one line on stderr (returned), no
/// flows.ndjson.
pub fn refusal(plugin_args: &[String], out: &Path) -> String {
    let run = run_on(&[pcap("ssh-guess.pcap")], out, plugin_args);
    expect_code(&run, 1);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, got:\n{stderr}");
    assert!(
        !out.join("flows.ndjson").exists(),
        "no packet may be read after a refusal"
    );
    lines[0].to_string()
}

/// `--plugin PATH[:CONFIG]` for the built plugin `plugin_name`.
pub fn plugin_arg(plugin_name: &str, config: &str) -> Vec<String> {
    let p = plugin(plugin_name).display().to_string();
    let spec = if config.is_empty() {
        p
    } else {
        format!("{p}:{config}")
    };
    vec!["--plugin".into(), spec]
}

/// A JSON string's text (panics on anything else).
pub fn js(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Lua's `os.date('%c', secs)` in the C locale and UTC, from `date(1)`.
pub fn ctime(secs: u64) -> String {
    tool(
        "date",
        &[
            "-u".to_string(),
            "-d".to_string(),
            format!("@{secs}"),
            "+%a %b %e %H:%M:%S %Y".to_string(),
        ],
    )
    .trim_end()
    .to_string()
}

/// A stored resource's flow as the sample plugins print it (Trisul's
/// `to_s()`: protocol from the flow id, then source and destination).
pub fn resource_flow_line(r: &Value) -> String {
    let flow_id = js(&r["flow_id"]);
    let proto = match &flow_id[..2] {
        "06" => "TCP",
        "11" => "UDP",
        other => panic!("unexpected protocol {other} in {flow_id}"),
    };
    format!(
        "{:<5} {:<15} {:<6} {:<15} {:<6}",
        proto,
        js(&r["source_ip"]),
        r["source_port"].as_u64().unwrap(),
        js(&r["dest_ip"]),
        r["dest_port"].as_u64().unwrap()
    )
}
