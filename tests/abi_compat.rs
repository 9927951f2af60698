//! Plugin API compatibility (issue "Plugin API 1.0", `docs/ABI.md`), end to
//! end through the CLI:
//!
//! - the 1.0 fixture built against the frozen 1.0 API (`abi/frozen/v1_0`)
//!   runs in this weir and produces exactly what the same source built
//!   against the current API produces;
//! - a plugin built against a newer minor loads, sees the newer host call as
//!   unsupported, and has its unknown monitor kind ignored; declaring that
//!   minor as a requirement gets it refused;
//! - every refusal (requirement too new, other major, layout skew of a
//!   frozen block, truncated file, non-weir library, pre-1.0 plugin, other
//!   machine, empty file, directory) is one line naming the file and the
//!   reason, before any packet is read;
//! - `weir plugin info` describes a plugin without reading packets.
//!
//! The fixtures are standalone packages with committed lock files, built
//! here into one shared target directory (`target/abi-fixtures`).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use common::*;
use serde_json::Value;

/// Builds the fixture package `abi/fixtures/<dir>` with `features` into the
/// shared fixture target directory and copies its library to `<name>.so`
/// there. One build at a time: every variant lands on the same output path.
fn fixture(dir: &str, features: &[&str], name: &str) -> PathBuf {
    static BUILDS: Mutex<()> = Mutex::new(());
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let _one_at_a_time = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let built = BUILT.get_or_init(Default::default);
    if let Some(p) = built.lock().unwrap().get(name) {
        return p.clone();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("abi/fixtures").join(dir).join("Cargo.toml");
    let target = target_dir().parent().unwrap().join("abi-fixtures");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    let status = cmd.status().expect("cannot run cargo");
    assert!(
        status.success(),
        "building fixture {dir} with {features:?} failed"
    );
    let lib = match dir {
        "v1_0" => "libweir_plugin_abi_v1_0.so",
        "v1_1" => "libweir_plugin_abi_v1_1.so",
        "v1_2" => "libweir_plugin_abi_v1_2.so",
        "v1_3" => "libweir_plugin_abi_v1_3.so",
        "next" => "libweir_plugin_abi_next.so",
        other => panic!("unknown fixture {other}"),
    };
    let from = target.join("debug").join(lib);
    let to = target.join(format!("{name}.so"));
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    built.lock().unwrap().insert(name.to_string(), to.clone());
    to
}

fn plugin_arg(path: &Path, config: &str) -> Vec<String> {
    let p = path.display().to_string();
    vec![
        "--plugin".into(),
        if config.is_empty() {
            p
        } else {
            format!("{p}:{config}")
        },
    ]
}

fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

/// `flows.ndjson` without the `tags` field, whose timing is not deterministic
/// (a tag reaches a flow at the owning worker's next marker).
fn flows_without_tags(out: &Path) -> Vec<Value> {
    ndjson(&out.join("flows.ndjson"))
        .into_iter()
        .map(|mut f| {
            f.as_object_mut().unwrap().remove("tags");
            f
        })
        .collect()
}

/// Asserts two line lists are equal, naming the first line that differs.
fn same_lines(a: &[String], b: &[String], what: &str) {
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        panic!(
            "{what}: line {} differs:\n frozen:  {:?}\n current: {:?}",
            i + 1,
            a.get(i),
            b.get(i)
        );
    }
}

struct FixtureRun {
    record: Vec<String>,
    log: Vec<String>,
    out: PathBuf,
}

/// Runs the 1.0 fixture `lib` over ssh-guess and dns-mixed with a TOML
/// configuration: alerts on port 22, drop votes on port 53, a tag.
fn run_v1_0(lib: &Path, base: &Path) -> FixtureRun {
    std::fs::create_dir_all(base).unwrap();
    let config = base.join("fixture.toml");
    std::fs::write(
        &config,
        format!(
            "dir = {:?}\nalert_port = 22\ndrop_port = 53\ntag = \"abi\"\nverbose = true\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let out = base.join("out");
    let mut extra = plugin_arg(lib, &format!("@{}", config.display()));
    extra.extend(["--interval".to_string(), "10".to_string()]);
    let run = run_on(
        &[pcap("ssh-guess.pcap"), pcap("dns-mixed.pcap")],
        &out,
        &extra,
    );
    expect_code(&run, 0);
    let log = String::from_utf8_lossy(&run.stderr)
        .lines()
        .filter(|l| l.starts_with("[abi_v1_0#0]"))
        .map(str::to_string)
        .collect();
    FixtureRun {
        record: lines_of(&base.join("abi_v1_0.0.txt")),
        log,
        out,
    }
}

#[test]
fn the_frozen_1_0_fixture_runs_exactly_like_its_source_built_against_the_current_api() {
    let frozen = fixture("v1_0", &[], "frozen-v1_0");
    let current = plugin("abi_v1_0");
    let dir = tempdir();
    let a = run_v1_0(&frozen, &dir.path().join("frozen"));
    let b = run_v1_0(&current, &dir.path().join("current"));

    same_lines(
        &a.record,
        &b.record,
        "the fixture's own record of every callback and host call",
    );
    same_lines(&a.log, &b.log, "the fixture's log lines");
    assert_eq!(
        std::fs::read_to_string(a.out.join("alerts.ndjson")).unwrap(),
        std::fs::read_to_string(b.out.join("alerts.ndjson")).unwrap()
    );
    assert_eq!(flows_without_tags(&a.out), flows_without_tags(&b.out));

    // What the outputs must hold, from independent counts: every flow was
    // seen, every record the vote kept was flushed to the plugin, and the
    // host calls answered as the 1.0 API says.
    let s = summary(&a.out);
    let count = |prefix: &str| a.record.iter().filter(|l| l.starts_with(prefix)).count() as u64;
    assert_eq!(count("new "), s["flows"].as_u64().unwrap());
    assert_eq!(count("terminate "), s["flows"].as_u64().unwrap());
    assert_eq!(
        count("flush "),
        ndjson(&a.out.join("flows.ndjson")).len() as u64
    );
    assert!(
        s["flow_records_dropped"].as_u64().unwrap() > 0,
        "the port-53 drop vote took effect"
    );
    assert_eq!(count("engine_begin "), s["flushes"].as_u64().unwrap());
    assert_eq!(
        a.record[0],
        format!(
            "start instance=0 keys=[\"alert_port\", \"dir\", \"drop_port\", \"tag\", \"verbose\"] register=Ok(()) again=Ok(()) conflict=Err(GroupConflict) host_api={}",
            weir_plugin_api::API_VERSION
        )
    );
    let tags: Vec<&String> = a.record.iter().filter(|l| l.starts_with("tag ")).collect();
    assert_eq!(tags.len() as u64, s["flows"].as_u64().unwrap());
    assert!(tags.iter().all(|l| l.ends_with("-> delivered")), "{tags:?}");
    // ssh-guess has 11 port-22 conversations (tshark); each flushed record of
    // one raises three alerts and has a fourth refused (priority 9).
    let ssh = tsv(&oracle("ssh-guess").join("conv_tcp.tsv"));
    assert_eq!(
        ssh.iter()
            .filter(|r| r["b_port"] == "22" || r["a_port"] == "22")
            .count(),
        11
    );
    let alert_lines: Vec<&String> = a
        .record
        .iter()
        .filter(|l| l.starts_with("alerts "))
        .collect();
    assert!(alert_lines.len() >= 11);
    for l in &alert_lines {
        assert_eq!(
            l.as_str(),
            "alerts Ok(()) Ok(()) Ok(()) bad=Err(InvalidArgument)"
        );
    }
    let alerts = ndjson(&a.out.join("alerts.ndjson"));
    assert_eq!(alerts.len(), 3 * alert_lines.len());
    // Refused: the conflicting registration, each out-of-range alert, and
    // tags that came after their flow's last flush.
    assert!(s["plugins"][0]["refused_calls"].as_u64().unwrap() > alert_lines.len() as u64);
    assert!(alerts
        .iter()
        .any(|x| x["group"] == "ABI Fixture" && x["priority"] == 2));
    assert!(alerts
        .iter()
        .any(|x| x["extra_message"] == "extra detail" && x["status"] == "ALARM"));
    assert_eq!(
        a.log.len(),
        2 + s["flows"].as_u64().unwrap() as usize,
        "{:?}",
        a.log
    );
    assert_eq!(a.log[1], "[abi_v1_0#0] warn: a warning line");
    // Tags, whenever they arrived, are the fixture's.
    for f in ndjson(&a.out.join("flows.ndjson")) {
        let tags = f["tags"].as_array().map(|t| t.len()).unwrap_or(0);
        assert!(tags <= 1, "{f}");
    }
}

#[test]
fn plugin_info_reads_the_frozen_fixture_without_reading_packets() {
    let frozen = fixture("v1_0", &[], "frozen-v1_0");
    let out = run_weir(&[
        "plugin".into(),
        "info".into(),
        "--json".into(),
        frozen.display().to_string(),
    ]);
    expect_code(&out, 0);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["name"], "abi_v1_0");
    assert_eq!(info["version"], "1.0.0");
    assert_eq!(info["api"], "1.0");
    assert_eq!(info["requires"], "1.0");
    assert_eq!(info["monitors"], serde_json::json!(["engine", "flow"]));
    let flow = &info["subscriptions"]["flow"];
    assert_eq!(
        flow["events"],
        serde_json::json!(["new_flow", "update", "terminate", "flush", "metronome"])
    );
    assert_eq!(flow["flush_filter"], true);
    assert_eq!(
        flow["session_group"],
        "IP Flows {99A78737-4B41-4387-8F31-8077DB917336}"
    );
    assert_eq!(
        info["subscriptions"]["engine"],
        serde_json::json!({"flush": true, "metronome": true})
    );

    let text = run_weir(&["plugin".into(), "info".into(), frozen.display().to_string()]);
    expect_code(&text, 0);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("built against  plugin API 1.0"), "{text}");
    assert!(text.contains("monitors       engine, flow"), "{text}");
}

#[test]
fn a_plugin_built_against_a_newer_minor_runs_and_sees_newer_calls_as_unsupported() {
    let lib = fixture("next", &[], "next");
    let dir = tempdir();
    let out = run_on(&[pcap("ssh-guess.pcap")], dir.path(), &plugin_arg(&lib, ""));
    expect_code(&out, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let next = weir_plugin_api::ApiVersion::new(1, weir_plugin_api::API_MINOR + 1);
    let host = weir_plugin_api::API_VERSION;
    assert!(
        stderr.contains(&format!("[abi_next#0] info: host API {host}; has API {next}: false; future_echo -> Err(Unsupported)")),
        "{stderr}"
    );
    let ignored: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("unknown to this weir"))
        .collect();
    assert_eq!(ignored.len(), 1, "{stderr}");
    assert!(
        ignored[0].starts_with(&format!("weir: {}: plugin abi_next#0 (built against plugin API {next}) returned a kind 63 monitor, unknown to this weir's plugin API {host}: it will not run", lib.display())),
        "{}",
        ignored[0]
    );
    let s = summary(dir.path());
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("[abi_next#0] info: new flows "))
            .collect::<Vec<_>>(),
        [format!(
            "[abi_next#0] info: new flows {}, future events 0",
            s["flows"]
        )]
    );
    assert_eq!(
        s["plugins"][0]["ignored_monitors"],
        serde_json::json!(["kind 63"])
    );
    assert!(!stderr.contains("extension blocks"), "{stderr}");
}

fn libz() -> PathBuf {
    let candidates = [
        "/usr/lib/x86_64-linux-gnu/libz.so.1",
        "/lib/x86_64-linux-gnu/libz.so.1",
        "/usr/lib/aarch64-linux-gnu/libz.so.1",
        "/usr/lib/libz.so.1",
    ];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no libz.so.1 in {candidates:?} (install zlib1g)"))
}

/// A shared library that exports abi_stable's root-module symbol, as every
/// weir plugin built before plugin API 1.0 did, made with the C compiler.
fn pre_1_0_library(dir: &Path) -> PathBuf {
    let src = dir.join("pre.c");
    std::fs::write(&src, "int _1as_0lib_1header_0root_bmodule_bloader = 1;\n").unwrap();
    let lib = dir.join("libpre_1_0.so");
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .expect("cannot run cc (the C compiler): install gcc");
    assert!(status.success());
    lib
}

#[test]
fn plugins_weir_cannot_serve_are_refused_in_one_line_before_any_packet() {
    let dir = tempdir();
    let d = dir.path();
    let host = weir_plugin_api::API_VERSION;
    let next = weir_plugin_api::ApiVersion::new(1, weir_plugin_api::API_MINOR + 1);
    let sg3 = plugin("sg3");
    let sg3_len = std::fs::metadata(&sg3).unwrap().len() as usize;
    let sg3_bytes = std::fs::read(&sg3).unwrap();

    let mut cases: Vec<(PathBuf, String)> = vec![
        (
            fixture("next", &["requires-next"], "next-requires"),
            format!("requires plugin API {next} or later (built against {next}), this weir has plugin API {host}: upgrade weir"),
        ),
        (
            fixture("next", &["other-major"], "other-major"),
            format!("built against plugin API 2.{}, this weir has plugin API {host}: a different major version", weir_plugin_api::API_MINOR + 1),
        ),
        (libz(), "not a weir plugin: no weir plugin header (symbol weir_plugin_header)".into()),
        (pre_1_0_library(d), "not a weir plugin: built before plugin API 1.0".into()),
        (d.to_path_buf(), "is a directory, not a plugin library".into()),
    ];
    let empty = d.join("empty.so");
    std::fs::write(&empty, b"").unwrap();
    cases.push((empty, "empty file, not a shared library".into()));
    let text = d.join("text.so");
    std::fs::write(&text, b"not an ELF file").unwrap();
    cases.push((text, "not a shared library (no ELF header)".into()));
    let mut arm = sg3_bytes.clone();
    arm[18..20].copy_from_slice(
        &if cfg!(target_arch = "aarch64") {
            62u16
        } else {
            183u16
        }
        .to_le_bytes(),
    );
    let arm_path = d.join("other-machine.so");
    std::fs::write(&arm_path, arm).unwrap();
    cases.push((arm_path, "built for another machine".into()));
    for cut in [1024usize, 3000, 65_536, 500_000] {
        assert!(cut < sg3_len, "sg3 is {sg3_len} bytes");
        let path = d.join(format!("cut-{cut}.so"));
        std::fs::write(&path, &sg3_bytes[..cut]).unwrap();
        cases.push((path, "truncated file: loadable segment".into()));
    }

    for (i, (lib, reason)) in cases.iter().enumerate() {
        let line = refusal(&plugin_arg(lib, ""), &d.join(format!("out-{i}")));
        assert!(
            line.starts_with(&format!("weir: {}: ", lib.display())),
            "{line}"
        );
        assert!(
            line.contains(reason.as_str()),
            "wanted {reason:?} in:\n{line}"
        );
        // The same check answers `weir plugin info`.
        let info = run_weir(&["plugin".into(), "info".into(), lib.display().to_string()]);
        expect_code(&info, 1);
        assert_eq!(String::from_utf8_lossy(&info.stderr).trim_end(), line);
    }
}

#[test]
fn a_frozen_block_with_a_skewed_layout_is_refused_with_the_field_named() {
    let lib = fixture("v1_0", &["layout-skew"], "frozen-v1_0-skewed");
    let dir = tempdir();
    let line = refusal(&plugin_arg(&lib, ""), dir.path());
    let report = dir.path().join("plugin-abi-frozen-v1_0-skewed.so.log");
    assert_eq!(
        line,
        format!(
            "weir: {}: plugin ABI block FlowRecord differs from this weir's: FlowRecord.az_payload: u32 (4 bytes) in the plugin, u64 (8 bytes) in this weir; full report in {}",
            lib.display(),
            report.display()
        )
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.lines().count() > 5,
        "the full report is in the file:\n{text}"
    );
    assert!(text.contains("FlowRecord"), "the report names the type");
}

/// The 1.1 fixture (`abi/fixtures/v1_1`, a frozen copy of the `cgkit` test
/// plugin) built against the frozen 1.1 API runs exactly like its source
/// built against the current API: the same counter rows (its own group, a
/// key voted out, a meter overridden), toppers, and the lines its
/// counter-group monitor wrote. What those must hold is checked against the
/// flows in `tests/counter_plugins.rs`.
#[test]
fn the_frozen_1_1_fixture_runs_exactly_like_its_source_built_against_the_current_api() {
    let frozen = fixture("v1_1", &[], "frozen-v1_1");
    let current = plugin("abi_v1_1");
    let dir = tempdir();
    let run = |lib: &Path, name: &str| {
        let out = dir.path().join(name);
        let r = run_on(
            &[pcap("home-lan-mixed.pcap")],
            &out,
            &plugin_arg(lib, "override_key=port-80,drop_key=port-53"),
        );
        expect_code(&r, 0);
        out
    };
    let a = run(&frozen, "frozen");
    let b = run(&current, "current");
    let group_lines = |out: &Path, file: &str| -> Vec<String> {
        std::fs::read_to_string(out.join(file))
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"Test Ports\""))
            .map(String::from)
            .collect()
    };
    let rows = group_lines(&a, "counters.ndjson");
    assert!(
        rows.len() > 10,
        "the fixture's group has rows: {}",
        rows.len()
    );
    assert!(!rows.iter().any(|l| l.contains("\"port-53\"")), "voted out");
    assert!(rows
        .iter()
        .filter(|l| l.contains("\"port-80\""))
        .all(|l| l.ends_with(",7]}")));
    assert_eq!(rows, group_lines(&b, "counters.ndjson"));
    assert_eq!(
        group_lines(&a, "toppers.ndjson"),
        group_lines(&b, "toppers.ndjson")
    );
    let log_a = lines_of(&a.join("abi_v1_1.0.log"));
    assert!(log_a.len() > rows.len(), "flush and topper lines");
    assert_eq!(log_a, lines_of(&b.join("abi_v1_1.0.log")));
    let out = run_weir(&["plugin", "info", &frozen.display().to_string(), "--json"]);
    expect_code(&out, 0);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["api"], "1.1");
    assert_eq!(info["requires"], "1.1");
}

/// The 1.2 fixture (`abi/fixtures/v1_2`): a flow monitor that writes every
/// flushed flow's frames and tunnel (what API 1.2 appends to flow records),
/// built against the frozen 1.2 API, produces exactly what its source built
/// against the current API produces, on `gre-tunnel`; and what it reads is
/// what `flows.ndjson` says.
#[test]
fn the_frozen_1_2_fixture_runs_exactly_like_its_source_built_against_the_current_api() {
    let frozen = fixture("v1_2", &[], "frozen-v1_2");
    let current = plugin("abi_v1_2");
    let dir = tempdir();
    let run = |lib: &Path, name: &str| {
        let out = dir.path().join(name);
        let r = run_on(&[pcap("gre-tunnel.pcap")], &out, &plugin_arg(lib, ""));
        expect_code(&r, 0);
        out
    };
    let a = run(&frozen, "frozen");
    let b = run(&current, "current");
    let log = lines_of(&a.join("abi_v1_2.0.log"));
    assert_eq!(log, lines_of(&b.join("abi_v1_2.0.log")));
    let flows = ndjson(&a.join("flows.ndjson"));
    assert_eq!(log.len(), flows.len(), "one line per flushed flow");
    let mut want: Vec<String> = flows
        .iter()
        .map(|f| {
            let u = |k: &str| f[k].as_u64().unwrap();
            let t = &f["tunnel"];
            let tunnel = if t.is_null() {
                "-".to_string()
            } else {
                format!(
                    "{} {} {} {}",
                    t["kind"].as_str().unwrap(),
                    t["id"],
                    t["outer_a"].as_str().unwrap(),
                    t["outer_z"].as_str().unwrap()
                )
            };
            format!(
                "{} {} {} {} frames {} {} tunnel {tunnel}",
                f["flow_id"].as_str().unwrap(),
                f["end_reason"].as_str().unwrap(),
                u("az_packets"),
                u("za_packets"),
                u("az_packets"),
                u("za_packets"),
            )
        })
        .collect();
    let mut got = log.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let tunnelled = log.iter().filter(|l| l.contains(" tunnel gre 0 ")).count();
    assert!(
        tunnelled >= 5,
        "inner flows seen by the plugin: {tunnelled}"
    );
    let out = run_weir(&["plugin", "info", &frozen.display().to_string(), "--json"]);
    expect_code(&out, 0);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["api"], "1.2");
    assert_eq!(info["requires"], "1.2");
}

/// The 1.3 fixture (`abi/fixtures/v1_3`): a resource monitor (a flush
/// filter dropping URL resources whose status is not 200, `on_flush` lines,
/// `add_resource` of each body's `SHA256:`) and an FTS monitor, built
/// against the frozen 1.3 API, produces exactly what its source built
/// against the current API produces, on `http-bro-org`; what it saw is what
/// `resources.ndjson` and `fts.ndjson` hold, and its own resources never
/// came back to it.
#[test]
fn the_frozen_1_3_fixture_runs_exactly_like_its_source_built_against_the_current_api() {
    let frozen = fixture("v1_3", &[], "frozen-v1_3");
    let current = plugin("abi_v1_3");
    let dir = tempdir();
    let run = |lib: &Path, name: &str| {
        let out = dir.path().join(name);
        let r = run_on(&[pcap("http-bro-org.pcap")], &out, &plugin_arg(lib, ""));
        expect_code(&r, 0);
        out
    };
    let a = run(&frozen, "frozen");
    let b = run(&current, "current");
    let log = lines_of(&a.join("abi_v1_3.0.log"));
    same_lines(&log, &lines_of(&b.join("abi_v1_3.0.log")), "abi_v1_3.0.log");
    same_lines(
        &lines_of(&a.join("resources.ndjson")),
        &lines_of(&b.join("resources.ndjson")),
        "resources.ndjson",
    );
    assert!(
        !log.iter().any(|l| l.starts_with("LOOPED")),
        "own resources came back"
    );
    // What it flushed is what was stored, in order, minus its own.
    let stored = ndjson(&a.join("resources.ndjson"));
    let want: Vec<String> = stored
        .iter()
        .filter(|r| !r["uri"].as_str().unwrap().starts_with("SHA256:"))
        .map(|r| {
            let detail = if r["group"] == "File Hashes" {
                format!("{} {}", r["size"], r["md5"].as_str().unwrap())
            } else {
                format!("{} -", r["status"])
            };
            format!(
                "flush {} {} {detail}",
                r["group"].as_str().unwrap(),
                r["uri"].as_str().unwrap()
            )
        })
        .collect();
    let got: Vec<String> = log
        .iter()
        .filter(|l| l.starts_with("flush "))
        .cloned()
        .collect();
    assert_eq!(got.len(), want.len());
    let (mut g, mut w) = (got.clone(), want.clone());
    g.sort();
    w.sort();
    assert_eq!(g, w);
    // Its Drop votes held: no URL resource with another status is stored,
    // and the oracle has a request answered otherwise (here: one tshark
    // saw no response to), so the filter had work to do.
    assert!(stored
        .iter()
        .filter(|r| r["group"] == "URL Resources (HTTP)")
        .all(|r| r["status"] == 200));
    let oracle = tsv(&common::oracle("http-bro-org").join("http.tsv"));
    assert!(oracle
        .iter()
        .any(|r| !r["method"].is_empty() && r["status"] != "200"));
    // Its added resources are stored: one SHA256 line per body.
    let bodies = stored
        .iter()
        .filter(|r| r["group"] == "File Hashes" && r["md5"].is_string())
        .count();
    let added = stored
        .iter()
        .filter(|r| r["uri"].as_str().unwrap().starts_with("SHA256:"))
        .count();
    assert_eq!(added, bodies);
    // Every header document, with its CODE.
    let docs = ndjson(&a.join("fts.ndjson"));
    let seen = log.iter().filter(|l| l.starts_with("doc ")).count();
    assert_eq!(seen, docs.len());
    let out = run_weir(&["plugin", "info", &frozen.display().to_string(), "--json"]);
    expect_code(&out, 0);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["api"], "1.3");
    assert_eq!(info["requires"], "1.3");
}
