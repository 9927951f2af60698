//! The capture readers, end to end through the CLI.
//!
//! Every fixture is made at test time, in a temporary directory, from the real
//! captures in `shared/pcaps`: with `editcap` (nanosecond pcap, pcapng, raw IP
//! with the Ethernet header chopped off: `editcap -T rawip` alone only relabels
//! the link type and leaves the Ethernet header in place, so `-C 14 -L` chops
//! it and shortens the frame lengths), with `mergecap` (one pcapng with two
//! interfaces) and with small rewriters written here (big-endian copies of
//! pcap and pcapng files, nanosecond times with sub-microsecond digits). Each
//! fixture is first checked with `capinfos`/`tshark`, so a wrong fixture fails
//! loudly instead of testing nothing; then weir reads it, and its packet count,
//! byte total and first/last times must equal what `capinfos` says about the
//! original capture (nanoseconds truncated to microseconds) and its flow
//! records must equal those of the original capture.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::*;

// ---------------------------------------------------------------------------
// A minimal little-endian pcap walker and rewriters, independent of weir.
// ---------------------------------------------------------------------------

const LE_MICROS: [u8; 4] = [0xd4, 0xc3, 0xb2, 0xa1];
const LE_NANOS: [u8; 4] = [0x4d, 0x3c, 0xb2, 0xa1];

fn le16(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(data[at..at + 2].try_into().unwrap())
}

fn le32(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().unwrap())
}

/// The records of a little-endian pcap file.
struct Walk {
    nanosecond: bool,
    /// Offset of every complete record (header and data inside the file).
    records: Vec<usize>,
    /// Where the last complete record ends.
    complete_end: usize,
}

fn walk_le_pcap(data: &[u8]) -> Walk {
    assert!(data.len() >= 24, "not a pcap file: {} bytes", data.len());
    let nanosecond = match <[u8; 4]>::try_from(&data[..4]).unwrap() {
        LE_MICROS => false,
        LE_NANOS => true,
        other => panic!("not a little-endian pcap file, magic {other:02x?}"),
    };
    let mut records = Vec::new();
    let mut off = 24;
    while data.len() - off >= 16 {
        let incl = le32(data, off + 8) as usize;
        if data.len() - off - 16 < incl {
            break;
        }
        records.push(off);
        off += 16 + incl;
    }
    Walk {
        nanosecond,
        records,
        complete_end: off,
    }
}

/// The same capture with every header integer written big-endian: the 24-byte
/// file header (magic a1b2c3d4 / a1b23c4d in file order) and each 16-byte
/// record header. Packet bytes are copied unchanged.
fn to_big_endian(data: &[u8]) -> Vec<u8> {
    let walk = walk_le_pcap(data);
    assert_eq!(
        walk.complete_end,
        data.len(),
        "trailing bytes in the source"
    );
    let mut out = Vec::with_capacity(data.len());
    out.extend(le32(data, 0).to_be_bytes());
    out.extend(le16(data, 4).to_be_bytes());
    out.extend(le16(data, 6).to_be_bytes());
    for at in [8, 12, 16, 20] {
        out.extend(le32(data, at).to_be_bytes());
    }
    for &off in &walk.records {
        for field in 0..4 {
            out.extend(le32(data, off + 4 * field).to_be_bytes());
        }
        let incl = le32(data, off + 8) as usize;
        out.extend_from_slice(&data[off + 16..off + 16 + incl]);
    }
    assert_eq!(out.len(), data.len());
    out
}

/// A nanosecond pcap whose every timestamp gains 999 ns: the sub-microsecond
/// digits weir must truncate (rounding would move the time by 1 µs).
fn add_999_nanos(data: &[u8]) -> Vec<u8> {
    let walk = walk_le_pcap(data);
    assert!(walk.nanosecond, "source is not a nanosecond pcap");
    let mut out = data.to_vec();
    for &off in &walk.records {
        let frac = le32(data, off + 4);
        assert!(
            frac.is_multiple_of(1000) && frac < 1_000_000_000,
            "unexpected fraction {frac}"
        );
        out[off + 4..off + 8].copy_from_slice(&(frac + 999).to_le_bytes());
    }
    out
}

/// Block types of pcapng.
const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const EPB: u32 = 6;

/// A little-endian pcapng file (one section of SHB, IDBs and EPBs, as editcap
/// and mergecap write them) with every integer rewritten big-endian. Anything
/// else (another block type, an option with a multi-byte integer value) fails
/// the test rather than giving a half-swapped file.
fn pcapng_to_big_endian(data: &[u8]) -> Vec<u8> {
    assert!(data.len() >= 28, "not a pcapng file");
    assert_eq!(le32(data, 0), SHB, "not a pcapng file");
    assert_eq!(
        data[8..12],
        [0x4d, 0x3c, 0x2b, 0x1a],
        "not a little-endian pcapng file"
    );
    let mut out = Vec::with_capacity(data.len());
    let mut off = 0;
    while off < data.len() {
        assert!(data.len() - off >= 12, "partial block at {off}");
        let btype = le32(data, off);
        let blen = le32(data, off + 4) as usize;
        assert!(
            blen >= 12 && blen.is_multiple_of(4) && off + blen <= data.len(),
            "bad block length {blen} at {off}"
        );
        assert_eq!(
            le32(data, off + blen - 4) as usize,
            blen,
            "trailing length at {off}"
        );
        let body = &data[off + 8..off + blen - 4];
        let mut swapped = Vec::with_capacity(body.len());
        let options_at = match btype {
            SHB => {
                swapped.extend(le32(body, 0).to_be_bytes());
                swapped.extend(le16(body, 4).to_be_bytes());
                swapped.extend(le16(body, 6).to_be_bytes());
                let section_len = u64::from_le_bytes(body[8..16].try_into().unwrap());
                swapped.extend(section_len.to_be_bytes());
                16
            }
            IDB => {
                swapped.extend(le16(body, 0).to_be_bytes());
                swapped.extend(le16(body, 2).to_be_bytes());
                swapped.extend(le32(body, 4).to_be_bytes());
                8
            }
            EPB => {
                for at in [0, 4, 8, 12, 16] {
                    swapped.extend(le32(body, at).to_be_bytes());
                }
                let padded = (le32(body, 12) as usize).div_ceil(4) * 4;
                swapped.extend_from_slice(&body[20..20 + padded]);
                20 + padded
            }
            other => {
                panic!("block type {other:#x} at {off}: not handled by the test's byte swapper")
            }
        };
        let opts = &body[options_at..];
        let mut p = 0;
        while p + 4 <= opts.len() {
            let code = le16(opts, p);
            let len = le16(opts, p + 2) as usize;
            // Values that read the same in both byte orders: text (comment,
            // shb_hardware/os/userappl, if_name/description/os) and single
            // bytes (if_tsresol, if_fcslen).
            let same_either_way = code == 0
                || code == 1
                || (btype == SHB && matches!(code, 2..=4))
                || (btype == IDB && matches!(code, 2 | 3 | 9 | 12 | 13));
            assert!(
                same_either_way,
                "option {code} of block {btype:#x} at {off}: not handled by the test's byte swapper"
            );
            swapped.extend(code.to_be_bytes());
            swapped.extend((len as u16).to_be_bytes());
            let end = p + 4 + len.div_ceil(4) * 4;
            swapped.extend_from_slice(&opts[p + 4..end]);
            p = end;
            if code == 0 {
                break;
            }
        }
        swapped.extend_from_slice(&opts[p..]);
        assert_eq!(swapped.len(), body.len());
        out.extend(btype.to_be_bytes());
        out.extend((blen as u32).to_be_bytes());
        out.extend(swapped);
        out.extend((blen as u32).to_be_bytes());
        off += blen;
    }
    out
}

// ---------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `editcap -F nsecpcap`.
    Nsec,
    /// `editcap -F nsecpcap`, then +999 ns on every record.
    NsecSubMicro,
    /// `editcap -F pcapng`.
    Pcapng,
    /// `editcap -F pcapng` of the `NsecSubMicro` fixture (if_tsresol 9).
    PcapngNsec,
    /// The `PcapngNsec` fixture rewritten big-endian.
    PcapngBigEndian,
    /// `editcap -F pcap`, then rewritten big-endian.
    BigEndian,
    /// The `NsecSubMicro` fixture rewritten big-endian.
    BigEndianNsec,
    /// `editcap -F pcap -C 14 -L -T rawip`: Ethernet header chopped, frame
    /// lengths reduced by 14, link type raw IP.
    RawIp,
}

struct Fixture {
    kind: Kind,
    path: PathBuf,
}

fn editcap(args: &[&str], input: &Path, output: &Path) {
    let mut all: Vec<std::ffi::OsString> = args.iter().map(|a| a.into()).collect();
    all.push(input.into());
    all.push(output.into());
    tool("editcap", &all);
    assert!(output.is_file(), "editcap wrote no {}", output.display());
}

/// Makes and checks (with capinfos/tshark) the fixtures of `src`.
fn make_fixtures(src: &Path, orig: &CapInfo, dir: &Path, rawip: bool) -> Vec<Fixture> {
    let mut out = Vec::new();
    let stem = src.file_stem().unwrap().to_string_lossy().into_owned();
    let p = |suffix: &str| dir.join(format!("{stem}.{suffix}"));

    let nsec = p("nsec.pcap");
    editcap(&["-F", "nsecpcap"], src, &nsec);
    out.push(Fixture {
        kind: Kind::Nsec,
        path: nsec.clone(),
    });

    let sub = p("nsec999.pcap");
    std::fs::write(&sub, add_999_nanos(&std::fs::read(&nsec).unwrap())).unwrap();
    out.push(Fixture {
        kind: Kind::NsecSubMicro,
        path: sub.clone(),
    });

    let ng = p("ng.pcapng");
    editcap(&["-F", "pcapng"], src, &ng);
    out.push(Fixture {
        kind: Kind::Pcapng,
        path: ng,
    });

    let ng_ns = p("ng-nsec999.pcapng");
    editcap(&["-F", "pcapng"], &sub, &ng_ns);
    out.push(Fixture {
        kind: Kind::PcapngNsec,
        path: ng_ns.clone(),
    });

    let ng_be = p("ng-be-nsec999.pcapng");
    std::fs::write(
        &ng_be,
        pcapng_to_big_endian(&std::fs::read(&ng_ns).unwrap()),
    )
    .unwrap();
    out.push(Fixture {
        kind: Kind::PcapngBigEndian,
        path: ng_be,
    });

    let le = p("le.pcap");
    editcap(&["-F", "pcap"], src, &le);
    let be = p("be.pcap");
    std::fs::write(&be, to_big_endian(&std::fs::read(&le).unwrap())).unwrap();
    out.push(Fixture {
        kind: Kind::BigEndian,
        path: be,
    });

    let be_ns = p("be-nsec999.pcap");
    std::fs::write(&be_ns, to_big_endian(&std::fs::read(&sub).unwrap())).unwrap();
    out.push(Fixture {
        kind: Kind::BigEndianNsec,
        path: be_ns,
    });

    if rawip {
        // Chopping 14 bytes leaves exactly the IP packet only when every frame
        // is untagged Ethernet carrying IPv4 or IPv6: check that first.
        assert_eq!(
            orig.encapsulation,
            "ether",
            "{}: not Ethernet",
            src.display()
        );
        let ip_frames = tshark_fields(
            src,
            Some("eth.type == 0x0800 || eth.type == 0x86dd"),
            &["frame.number"],
        )
        .lines()
        .count() as u64;
        assert_eq!(
            ip_frames,
            orig.packets,
            "{}: not every frame is untagged Ethernet + IP, cannot make a raw IP copy by chopping 14 bytes",
            src.display()
        );
        let raw = p("rawip.pcap");
        editcap(&["-F", "pcap", "-C", "14", "-L", "-T", "rawip"], src, &raw);
        out.push(Fixture {
            kind: Kind::RawIp,
            path: raw,
        });
    }

    for f in &out {
        check_fixture(f, orig);
    }
    out
}

/// Checks a fixture with the independent tools, so that the test cannot pass
/// on a broken fixture.
fn check_fixture(f: &Fixture, orig: &CapInfo) {
    let info = capinfos(&f.path);
    let what = format!("fixture {:?} {}", f.kind, f.path.display());
    assert_eq!(info.packets, orig.packets, "{what}: capinfos packet count");
    let want_type = match f.kind {
        Kind::Nsec | Kind::NsecSubMicro | Kind::BigEndianNsec => "nsecpcap",
        Kind::Pcapng | Kind::PcapngNsec | Kind::PcapngBigEndian => "pcapng",
        Kind::BigEndian | Kind::RawIp => "pcap",
    };
    assert_eq!(info.file_type, want_type, "{what}: capinfos file type");
    // Same times, to the microsecond.
    assert_eq!(as_weir_ts(&info.first), as_weir_ts(&orig.first), "{what}");
    assert_eq!(as_weir_ts(&info.last), as_weir_ts(&orig.last), "{what}");
    let bytes = std::fs::read(&f.path).unwrap();
    match f.kind {
        Kind::NsecSubMicro | Kind::BigEndianNsec | Kind::PcapngNsec | Kind::PcapngBigEndian => {
            assert_eq!(
                epoch_nanos(&info.first).1 % 1000,
                999,
                "{what}: {}",
                info.first
            );
            assert_eq!(
                epoch_nanos(&info.last).1 % 1000,
                999,
                "{what}: {}",
                info.last
            );
        }
        _ => {}
    }
    match f.kind {
        Kind::BigEndian => assert_eq!(bytes[..4], [0xa1, 0xb2, 0xc3, 0xd4], "{what}"),
        Kind::BigEndianNsec => assert_eq!(bytes[..4], [0xa1, 0xb2, 0x3c, 0x4d], "{what}"),
        Kind::PcapngBigEndian => assert_eq!(bytes[8..12], [0x1a, 0x2b, 0x3c, 0x4d], "{what}"),
        _ => {}
    }
    if f.kind == Kind::RawIp {
        assert_eq!(info.encapsulation, "rawip", "{what}");
        assert_eq!(
            info.data_bytes,
            orig.data_bytes - 14 * orig.packets,
            "{what}: frame lengths not reduced by 14"
        );
        let decoded_ip = tshark_fields(&f.path, Some("ip || ipv6"), &["frame.number"])
            .lines()
            .count() as u64;
        assert_eq!(
            decoded_ip, orig.packets,
            "{what}: tshark does not decode every frame as IP"
        );
    } else {
        assert_eq!(
            info.data_bytes, orig.data_bytes,
            "{what}: capinfos data size"
        );
    }
}

// ---------------------------------------------------------------------------
// Runs and comparisons.
// ---------------------------------------------------------------------------

/// Runs weir on `pcaps` into `out`; expects a clean exit.
fn run_clean(pcaps: &[PathBuf], out: &Path) -> Value {
    let o = run_on(pcaps, out, &["--quiet".to_string()]);
    expect_code(&o, 0);
    summary(out)
}

/// Checks summary.json of a run over one capture against `capinfos` of the
/// capture (`info`) and of the original (`orig`: the times).
fn check_summary(what: &str, s: &Value, info: &CapInfo, orig: &CapInfo) {
    assert!(
        orig.strict_order,
        "{what}: capture not in time order, first_ts is then not capinfos' earliest time"
    );
    assert_eq!(s["packets"].as_u64(), Some(info.packets), "{what}: packets");
    assert_eq!(s["bytes"].as_u64(), Some(info.data_bytes), "{what}: bytes");
    assert_eq!(
        s["first_ts"].as_str(),
        Some(as_weir_ts(&orig.first).as_str()),
        "{what}: first_ts (capinfos: {})",
        orig.first
    );
    assert_eq!(
        s["last_ts"].as_str(),
        Some(as_weir_ts(&orig.last).as_str()),
        "{what}: last_ts (capinfos: {})",
        orig.last
    );
    assert_eq!(s["warnings"], serde_json::json!([]), "{what}: warnings");
}

/// Asserts two sorted line lists are equal, showing the first difference.
fn assert_same_lines(what: &str, ours: &[String], want: &[String]) {
    if ours == want {
        return;
    }
    let only_ours: Vec<&String> = ours.iter().filter(|l| !want.contains(l)).take(3).collect();
    let only_want: Vec<&String> = want.iter().filter(|l| !ours.contains(l)).take(3).collect();
    panic!(
        "{what}: flow records differ ({} vs {} lines)\nonly in the fixture's run:\n{:#?}\nonly in the original's run:\n{:#?}",
        ours.len(),
        want.len(),
        only_ours,
        only_want
    );
}

/// Flow records of a raw IP run with the 14 chopped bytes per packet added
/// back, as sorted lines.
fn with_ethernet_bytes_added(path: &Path) -> Vec<String> {
    let mut lines: Vec<String> = ndjson(path)
        .into_iter()
        .map(|mut f| {
            for (bytes, packets) in [("az_bytes", "az_packets"), ("za_bytes", "za_packets")] {
                let b = f[bytes].as_u64().unwrap();
                let p = f[packets].as_u64().unwrap();
                f[bytes] = (b + 14 * p).into();
            }
            f.to_string()
        })
        .collect();
    lines.sort();
    lines
}

fn reparsed(lines: &[String]) -> Vec<String> {
    let mut v: Vec<String> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The whole check for one capture: the original and every fixture read by
/// weir give capinfos' count and times and the same flow records.
fn check_capture(name: &str, rawip: bool) {
    let src = pcap(name);
    let orig = capinfos(&src);
    let tmp = tempdir();

    let base_out = tmp.path().join("out-original");
    let s = run_clean(std::slice::from_ref(&src), &base_out);
    check_summary(&format!("{name} (original)"), &s, &orig, &orig);
    let base_flows = sorted_lines(&base_out.join("flows.ndjson"));
    assert!(!base_flows.is_empty(), "{name}: no flow records at all");

    let fixtures = make_fixtures(&src, &orig, tmp.path(), rawip);
    assert_eq!(fixtures.iter().any(|f| f.kind == Kind::RawIp), rawip);
    for f in &fixtures {
        let what = format!("{name} as {:?} ({})", f.kind, f.path.display());
        let out = tmp.path().join(format!("out-{:?}", f.kind));
        let s = run_clean(std::slice::from_ref(&f.path), &out);
        let info = capinfos(&f.path);
        check_summary(&what, &s, &info, &orig);
        let flows = out.join("flows.ndjson");
        if f.kind == Kind::RawIp {
            assert_same_lines(
                &what,
                &with_ethernet_bytes_added(&flows),
                &reparsed(&base_flows),
            );
        } else {
            assert_same_lines(&what, &sorted_lines(&flows), &base_flows);
        }
    }
}

#[test]
fn converted_copies_of_web_browse_2013_read_like_the_original() {
    check_capture("web-browse-2013.pcap", true);
}

#[test]
fn converted_copies_of_sll_cooked_mixed_read_like_the_original() {
    check_capture("sll-cooked-mixed.pcap", false);
}

/// No raw IP copy: the frames carry 802.1Q tags (chopping 14 bytes would not
/// leave an IP packet).
#[test]
fn converted_copies_of_vlan_qinq_http_read_like_the_original() {
    check_capture("vlan-qinq-http.pcap", false);
}

#[test]
fn converted_copies_of_icmp6_types_read_like_the_original() {
    check_capture("icmp6-types.pcap", true);
}

/// A pcapng original: its pcap, nanosecond pcap, big-endian and re-written
/// pcapng copies.
#[test]
fn converted_copies_of_alexa_app_mixed_read_like_the_original() {
    check_capture("alexa-app-mixed.pcapng", false);
}

// ---------------------------------------------------------------------------
// A capture cut short.
// ---------------------------------------------------------------------------

/// `Number of packets` in an oracle capinfos.txt.
fn oracle_packet_count(stem: &str) -> u64 {
    let path = oracle(stem).join("capinfos.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .find_map(|l| l.strip_prefix("Number of packets:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no packet count in {}", path.display()))
}

/// Packets of the final records plus non-IP and malformed packets of a run.
fn accounted_packets(s: &Value, finals: &[&Value]) -> u64 {
    let in_flows: u64 = finals
        .iter()
        .map(|f| f["az_packets"].as_u64().unwrap() + f["za_packets"].as_u64().unwrap())
        .sum();
    let malformed: u64 = s["decode_errors"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    in_flows + s["non_ip"].as_u64().unwrap() + malformed
}

#[test]
fn truncated_capture_warns_with_the_offset_and_flushes_every_flow() {
    let name = "truncated-http-mime.pcap";
    let src = pcap(name);
    let data = std::fs::read(&src).unwrap();
    let walk = walk_le_pcap(&data);
    let tail = data.len() - walk.complete_end;
    assert!(tail > 0, "{name} is not cut short");
    let oracle_packets = oracle_packet_count("truncated-http-mime");
    assert_eq!(
        walk.records.len() as u64,
        oracle_packets,
        "complete records vs oracle"
    );

    let tmp = tempdir();
    let out = tmp.path().join("out");
    let o = run_on(std::slice::from_ref(&src), &out, &[]);
    expect_code(&o, 3);
    let s = summary(&out);
    assert_eq!(s["packets"].as_u64(), Some(oracle_packets), "packets");

    // The warning names the file and the offset where the partial tail starts.
    let path_text = src.display().to_string();
    let warnings = s["warnings"].as_array().expect("warnings array");
    assert_eq!(warnings.len(), 1, "warnings: {warnings:?}");
    let w = warnings[0].as_str().unwrap();
    assert!(
        w.contains(&path_text),
        "warning does not name {path_text}: {w}"
    );
    let rest = w.replace(&path_text, "");
    let numbers: Vec<u64> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let expected_offset = (data.len() - tail) as u64;
    assert!(
        numbers.contains(&expected_offset),
        "warning does not give the offset {expected_offset} (file size {} minus the {tail}-byte partial tail): {w}",
        data.len()
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&path_text),
        "stderr does not name the file:\n{stderr}"
    );

    // Every flow flushed: final records account for every IP packet.
    let flows = ndjson(&out.join("flows.ndjson"));
    let finals: Vec<&Value> = flows
        .iter()
        .filter(|f| f["end_reason"] != "active")
        .collect();
    assert_eq!(
        accounted_packets(&s, &finals),
        oracle_packets,
        "packets in final flow records + non-IP + malformed"
    );

    // The TCP (and the absent UDP) conversations equal tshark's.
    let theirs = oracle_conv_table(&["truncated-http-mime"]);
    assert!(!theirs.is_empty(), "oracle has no conversation");
    let ours = weir_conv_table(finals.iter().copied());
    assert_eq!(ours, theirs, "weir's flows vs tshark's conversations");
}

// ---------------------------------------------------------------------------
// Files that are not captures.
// ---------------------------------------------------------------------------

/// 100 pseudo-random bytes (fixed seed) whose first four are no capture magic.
fn garbage() -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..100)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    let magic = u32::from_be_bytes(bytes[..4].try_into().unwrap());
    for known in [0xa1b2_c3d4u32, 0xa1b2_3c4d, 0x0a0d_0d0a] {
        assert!(
            magic != known && magic != known.swap_bytes(),
            "garbage starts with a capture magic"
        );
    }
    bytes
}

/// Whether `text` names the magic number (first four bytes, either byte order, in hex).
fn names_magic(text: &str, bytes: &[u8]) -> bool {
    let lower = text.to_ascii_lowercase();
    let be = format!("{:08x}", u32::from_be_bytes(bytes[..4].try_into().unwrap()));
    let le = format!("{:08x}", u32::from_le_bytes(bytes[..4].try_into().unwrap()));
    lower.contains(&be) || lower.contains(&le)
}

fn flow_lines_if_any(out: &Path) -> usize {
    match std::fs::read_to_string(out.join("flows.ndjson")) {
        Ok(text) => text.lines().filter(|l| !l.trim().is_empty()).count(),
        Err(_) => 0,
    }
}

#[test]
fn bad_magic_fails_the_run_before_any_packet_is_read() {
    let tmp = tempdir();
    let bad = tmp.path().join("random-bytes.pcap");
    let bytes = garbage();
    std::fs::write(&bad, &bytes).unwrap();
    let bad_text = bad.display().to_string();

    // Alone, then second after a good capture: nothing is processed either way.
    let good = pcap("ssh-guess.pcap");
    for (name, inputs) in [
        ("out-alone", vec![bad.clone()]),
        ("out-second", vec![good, bad.clone()]),
    ] {
        let out = tmp.path().join(name);
        let o = run_on(&inputs, &out, &[]);
        expect_code(&o, 1);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&bad_text),
            "{name}: stderr does not name {bad_text}:\n{stderr}"
        );
        assert!(
            names_magic(&stderr, &bytes),
            "{name}: stderr does not give the magic {:02x?}:\n{stderr}",
            &bytes[..4]
        );
        assert_eq!(
            flow_lines_if_any(&out),
            0,
            "{name}: flow records written although an input was bad"
        );
        if let Ok(text) = std::fs::read_to_string(out.join("summary.json")) {
            let s: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                s["packets"].as_u64(),
                Some(0),
                "packets read before the bad file was noticed"
            );
        }
    }
}

#[test]
fn format_is_decided_by_magic_not_by_file_name() {
    let tmp = tempdir();
    for (name, lie) in [
        ("alexa-app-mixed.pcapng", "x.pcap"),
        ("web-browse-2013.pcap", "y.pcapng"),
    ] {
        let src = pcap(name);
        let orig = capinfos(&src);
        let liar = tmp.path().join(lie);
        std::fs::copy(&src, &liar).unwrap();

        let base = tmp.path().join(format!("out-{name}"));
        let s = run_clean(std::slice::from_ref(&src), &base);
        check_summary(name, &s, &orig, &orig);
        let out = tmp.path().join(format!("out-{lie}"));
        let s = run_clean(std::slice::from_ref(&liar), &out);
        check_summary(&format!("{name} named {lie}"), &s, &orig, &orig);
        assert_same_lines(
            &format!("{name} named {lie}"),
            &sorted_lines(&out.join("flows.ndjson")),
            &sorted_lines(&base.join("flows.ndjson")),
        );
    }
}

/// One pcapng file with two interfaces of different link types (Ethernet,
/// Linux cooked) and time resolutions (nanoseconds, microseconds), made by
/// `mergecap`, in both byte orders: every packet is read with its own
/// interface's link type and resolution.
#[test]
fn pcapng_with_two_interfaces_of_different_link_types_and_resolutions() {
    let tmp = tempdir();
    let web = pcap("web-browse-2013.pcap");
    let sll = pcap("sll-cooked-mixed.pcap");
    let (web_info, sll_info) = (capinfos(&web), capinfos(&sll));
    let nsec = tmp.path().join("web.nsec.pcap");
    editcap(&["-F", "nsecpcap"], &web, &nsec);
    let web999 = tmp.path().join("web.nsec999.pcap");
    std::fs::write(&web999, add_999_nanos(&std::fs::read(&nsec).unwrap())).unwrap();
    let merged = tmp.path().join("merged.pcapng");
    tool(
        "mergecap",
        &[
            std::ffi::OsStr::new("-F"),
            "pcapng".as_ref(),
            "-w".as_ref(),
            merged.as_os_str(),
            web999.as_os_str(),
            sll.as_os_str(),
        ],
    );
    let merged_be = tmp.path().join("merged-be.pcapng");
    std::fs::write(
        &merged_be,
        pcapng_to_big_endian(&std::fs::read(&merged).unwrap()),
    )
    .unwrap();

    let info = capinfos(&merged);
    assert_eq!(info.packets, web_info.packets + sll_info.packets);
    assert_eq!(info.data_bytes, web_info.data_bytes + sll_info.data_bytes);
    let interfaces = tool(
        "capinfos",
        &[std::ffi::OsStr::new("-I"), merged.as_os_str()],
    );
    for want in [
        "Number of interfaces in file: 2",
        "(1 - ether)",
        "(25 - linux-sll)",
        "nanoseconds (9)",
        "microseconds (6)",
    ] {
        assert!(
            interfaces.contains(want),
            "merged fixture: no `{want}` in capinfos -I:\n{interfaces}"
        );
    }
    let expected = oracle_conv_table(&["web-browse-2013", "sll-cooked-mixed"]);

    for file in [&merged, &merged_be] {
        let what = file.display().to_string();
        let file_info = capinfos(file);
        assert_eq!(file_info.file_type, "pcapng", "{what}");
        assert_eq!(
            (file_info.packets, &file_info.first, &file_info.last),
            (info.packets, &info.first, &info.last),
            "{what}: capinfos"
        );
        let out = tmp.path().join(format!(
            "out-{}",
            file.file_stem().unwrap().to_string_lossy()
        ));
        let s = run_clean(&[file.to_path_buf()], &out);
        check_summary(&what, &s, &info, &info);
        let flows = ndjson(&out.join("flows.ndjson"));
        let finals: Vec<&Value> = flows
            .iter()
            .filter(|f| f["end_reason"] != "active")
            .collect();
        assert_eq!(
            weir_conv_table(finals.iter().copied()),
            expected,
            "{what}: flows vs tshark's conversations of both captures"
        );
        assert_eq!(
            accounted_packets(&s, &finals),
            info.packets,
            "{what}: packets in final records + non-IP + malformed"
        );
    }
}

/// A truncated file in the middle of a run: its packets count, a warning names
/// it, the next file is read, and the run ends with exit 3.
#[test]
fn reading_goes_on_with_the_next_file_after_a_truncated_one() {
    let dir = common::tempdir();
    let files = [
        common::pcap("truncated-http-mime.pcap"),
        common::pcap("ssh-guess.pcap"),
    ];
    let out = common::run_on(&files, dir.path(), &[]);
    common::expect_code(&out, 3);
    let s = common::summary(dir.path());
    assert_eq!(
        s["packets"].as_u64().unwrap(),
        2696 + 431,
        "capinfos: 2696 complete packets, then 431"
    );
    let warnings = s["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .contains("truncated-http-mime.pcap"));
    let flows = common::ndjson(&dir.path().join("flows.ndjson"));
    let theirs = common::oracle_conv_table(&["truncated-http-mime", "ssh-guess"]);
    assert_eq!(
        common::weir_conv_table(&flows),
        theirs,
        "both files' conversations, as tshark counts them"
    );
}
