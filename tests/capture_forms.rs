//! Captures in every form (issue 7, points 6 and 7): pcapng files with
//! several sections and interfaces, each with its own link type,
//! `if_tsresol` and `if_tsoffset`; gzip and zstd; standard input and FIFOs;
//! and a file truncated by another process while weir reads it.
//!
//! Every capture here is built at test time from the shared captures: the
//! pcapng files block by block with the small writer below (independent of
//! weir's reader), compressed ones with the `gzip` and `zstd` commands.
//! `capinfos` checks each built file first (packets, interfaces and their
//! resolutions), so a wrong fixture fails instead of testing nothing; then
//! weir must give the same flows as on the pieces the file was made of.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use weir_capture::write::PcapWriter;
use weir_capture::FileSource;
use weir_core::source::{PacketSource, SourceItem};
use weir_plugin_api::Timestamp;

/// A packet taken from a shared capture: time, frame, length on the wire.
type Frame = (Timestamp, Vec<u8>, u32);

/// Every packet of a shared capture, read with weir's reader (the pieces
/// are written back as pcap and checked with capinfos against the
/// original, so a reader bug cannot hide here).
fn frames(name: &str) -> Vec<Frame> {
    let mut src = FileSource::open(&[pcap(name)]).unwrap();
    let mut out = Vec::new();
    while let Some(item) = src.next_item().unwrap() {
        if let SourceItem::Packet(p) = item {
            out.push((p.ts, p.data.to_vec(), p.wire_len));
        }
    }
    out
}

/// The IP packets of an Ethernet capture behind a 4-byte BSD loopback
/// header (address family in little-endian host order: 2 for IPv4, 30 for
/// IPv6), as `link_types.rs` builds them.
fn as_null(frames: &[Frame]) -> Vec<Frame> {
    frames
        .iter()
        .filter_map(|(ts, f, wire)| {
            let af: u32 = match u16::from_be_bytes([f[12], f[13]]) {
                0x0800 => 2,
                0x86DD => 30,
                _ => return None,
            };
            let mut out = af.to_le_bytes().to_vec();
            out.extend_from_slice(&f[14..]);
            Some((*ts, out, wire - 14 + 4))
        })
        .collect()
}

/// Writes `frames` as a classic pcap file of link type `linktype`.
fn write_pcap(path: &Path, linktype: u32, frames: &[Frame]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::new(std::io::BufWriter::new(file), linktype, false, false).unwrap();
    for (ts, data, wire) in frames {
        w.write_packet(*ts, data, *wire).unwrap();
    }
    w.flush().unwrap();
}

/// One interface of a section: link type, `if_tsresol` byte, `if_tsoffset`
/// seconds, and its packets.
struct Iface {
    linktype: u16,
    tsresol: u8,
    tsoffset: i64,
    frames: Vec<Frame>,
}

impl Iface {
    /// Units per second of `if_tsresol`.
    fn ticks_per_sec(&self) -> u128 {
        if self.tsresol & 0x80 == 0 {
            10u128.pow(u32::from(self.tsresol))
        } else {
            1u128 << (self.tsresol & 0x7f)
        }
    }

    /// The packet time in this interface's units, minus its offset, rounded
    /// up so that reading it back truncated to microseconds gives `ts`
    /// exactly (every resolution here is at least microseconds).
    fn ticks(&self, ts: Timestamp) -> u64 {
        let per = self.ticks_per_sec();
        let secs = (ts.secs as i64 - self.tsoffset) as u128;
        let frac = (u128::from(ts.usecs) * per).div_ceil(1_000_000);
        u64::try_from(secs * per + frac).unwrap()
    }
}

/// A pcapng writer, by the specification, in either byte order.
struct Pcapng {
    big: bool,
    out: Vec<u8>,
}

impl Pcapng {
    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn block(&mut self, block_type: u32, body: &[u8]) {
        let mut body = body.to_vec();
        body.resize(body.len().next_multiple_of(4), 0);
        let total = 12 + body.len() as u32;
        let (t, n) = (self.u32(block_type), self.u32(total));
        self.out.extend_from_slice(&t);
        self.out.extend_from_slice(&n);
        self.out.extend_from_slice(&body);
        self.out.extend_from_slice(&n);
    }

    fn option(&self, body: &mut Vec<u8>, code: u16, value: &[u8]) {
        body.extend_from_slice(&self.u16(code));
        body.extend_from_slice(&self.u16(value.len() as u16));
        body.extend_from_slice(value);
        body.resize(body.len().next_multiple_of(4), 0);
    }

    /// A section: SHB, one IDB per interface, then each interface's
    /// packets in turn as EPBs.
    fn section(&mut self, big: bool, ifaces: &[Iface]) {
        self.big = big;
        let mut shb = self.u32(0x1A2B_3C4D).to_vec();
        shb.extend_from_slice(&self.u16(1));
        shb.extend_from_slice(&self.u16(0));
        shb.extend_from_slice(&[0xff; 8]); // section length not given
        self.block(0x0A0D_0D0A, &shb);
        for iface in ifaces {
            let mut idb = self.u16(iface.linktype).to_vec();
            idb.extend_from_slice(&[0, 0]);
            idb.extend_from_slice(&self.u32(0)); // no snap length
            self.option(&mut idb, 9, &[iface.tsresol]);
            if iface.tsoffset != 0 {
                let v = if big {
                    iface.tsoffset.to_be_bytes()
                } else {
                    iface.tsoffset.to_le_bytes()
                };
                self.option(&mut idb, 14, &v);
            }
            idb.extend_from_slice(&[0; 4]); // opt_endofopt
            self.block(1, &idb);
        }
        for (i, iface) in ifaces.iter().enumerate() {
            for (ts, data, wire) in &iface.frames {
                let ticks = iface.ticks(*ts);
                let mut epb = self.u32(i as u32).to_vec();
                epb.extend_from_slice(&self.u32((ticks >> 32) as u32));
                epb.extend_from_slice(&self.u32(ticks as u32));
                epb.extend_from_slice(&self.u32(data.len() as u32));
                epb.extend_from_slice(&self.u32(*wire));
                epb.extend_from_slice(data);
                self.block(6, &epb);
            }
        }
    }
}

/// (`Time ticks per second`, `Encapsulation`, `Number of packets`) of every
/// interface `capinfos` lists.
fn capinfos_interfaces(path: &Path) -> Vec<(u128, String, u64)> {
    let text = tool("capinfos", &[path]);
    let mut out = Vec::new();
    let mut cur: Option<(u128, String, u64)> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("Interface #") {
            out.extend(cur.take());
            cur = Some((0, String::new(), 0));
        }
        let Some(c) = cur.as_mut() else { continue };
        if let Some(v) = line.strip_prefix("Time ticks per second = ") {
            c.0 = v.trim().parse().unwrap();
        } else if let Some(v) = line.strip_prefix("Encapsulation = ") {
            c.1 = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("Number of packets = ") {
            c.2 = v.trim().parse().unwrap();
        }
    }
    out.extend(cur);
    out
}

/// Runs weir on `inputs` into `out`, expecting exit code `code`; returns
/// the sorted flow lines and summary.json.
fn flows_of(inputs: &[PathBuf], out: &Path, code: i32) -> (Vec<String>, serde_json::Value) {
    let run = run_on(inputs, out, &["-q".to_string()]);
    expect_code(&run, code);
    (sorted_lines(&out.join("flows.ndjson")), summary(out))
}

/// The summary fields that must agree between two reads of the same packets.
fn volumes(s: &serde_json::Value) -> [serde_json::Value; 5] {
    [
        s["packets"].clone(),
        s["bytes"].clone(),
        s["flows"].clone(),
        s["first_ts"].clone(),
        s["last_ts"].clone(),
    ]
}

#[test]
fn multi_section_pcapng_gives_the_flows_of_its_parts_and_each_interface_its_resolution() {
    let dir = tempdir();
    let d = dir.path();
    // Five pieces, four link types, five resolutions, two offsets, two
    // byte orders over three sections.
    let sections: Vec<(bool, Vec<Iface>)> = vec![
        (
            false,
            vec![
                Iface {
                    linktype: 1,
                    tsresol: 6,
                    tsoffset: 0,
                    frames: frames("dns-mixed.pcap"),
                },
                Iface {
                    linktype: 0,
                    tsresol: 9,
                    tsoffset: 1_000_000_000,
                    frames: as_null(&frames("icmp-ping-ssh.pcap")),
                },
            ],
        ),
        (
            true,
            vec![
                Iface {
                    linktype: 113,
                    tsresol: 7,
                    tsoffset: 0,
                    frames: frames("sll-cooked-mixed.pcap"),
                },
                Iface {
                    linktype: 1,
                    tsresol: 8,
                    tsoffset: -3600,
                    frames: frames("ssh-guess.pcap"),
                },
            ],
        ),
        (
            false,
            vec![Iface {
                linktype: 1,
                tsresol: 0x80 | 20,
                tsoffset: 0,
                frames: frames("web-browse-2013.pcap"),
            }],
        ),
    ];
    let mut ng = Pcapng {
        big: false,
        out: Vec::new(),
    };
    let mut parts = Vec::new();
    let mut want_ifaces = Vec::new();
    for (big, ifaces) in &sections {
        ng.section(*big, ifaces);
        for iface in ifaces {
            let part = d.join(format!("part{}.pcap", parts.len()));
            write_pcap(&part, u32::from(iface.linktype), &iface.frames);
            parts.push(part);
            want_ifaces.push((iface.ticks_per_sec(), iface.frames.len() as u64));
        }
    }
    let combined = d.join("sections.pcapng");
    std::fs::write(&combined, &ng.out).unwrap();

    // capinfos: every interface with its own link type and resolution (it
    // lists the interfaces once per section: the first ones are the
    // file's), and the packets and bytes of all the parts together.
    let got_ifaces = capinfos_interfaces(&combined);
    let ticks: Vec<u128> = got_ifaces
        .iter()
        .take(want_ifaces.len())
        .map(|i| i.0)
        .collect();
    let want_ticks: Vec<u128> = want_ifaces.iter().map(|i| i.0).collect();
    assert_eq!(ticks, want_ticks, "capinfos interfaces: {got_ifaces:?}");
    let encaps: Vec<&str> = got_ifaces.iter().take(5).map(|i| i.1.as_str()).collect();
    assert_eq!(
        encaps,
        [
            "Ethernet (1 - ether)",
            "NULL/Loopback (15 - null)",
            "Linux cooked-mode capture v1 (25 - linux-sll)",
            "Ethernet (1 - ether)",
            "Ethernet (1 - ether)"
        ]
    );
    let info = capinfos(&combined);
    let part_infos: Vec<CapInfo> = parts.iter().map(|p| capinfos(p)).collect();
    assert_eq!(
        info.packets,
        part_infos.iter().map(|i| i.packets).sum::<u64>()
    );
    assert_eq!(
        info.data_bytes,
        part_infos.iter().map(|i| i.data_bytes).sum::<u64>()
    );
    // tshark: every packet's time, resolution and offset applied, is the
    // time of the same packet in its part.
    let mut part_times = Vec::new();
    for p in &parts {
        part_times.extend(packet_times(p).iter().map(|&(s, ns)| (s, ns / 1000)));
    }
    let times: Vec<(u64, u32)> = packet_times(&combined)
        .iter()
        .map(|&(s, ns)| (s, ns / 1000))
        .collect();
    assert_eq!(times.len(), part_times.len());
    assert!(
        times == part_times,
        "tshark: packet times differ from the parts'"
    );
    for (i, (part, pi)) in parts.iter().zip(&part_infos).enumerate() {
        let name = [
            "dns-mixed",
            "icmp-ping-ssh",
            "sll-cooked-mixed",
            "ssh-guess",
            "web-browse-2013",
        ][i];
        let orig = capinfos(&pcap(&format!("{name}.pcap")));
        // The loopback piece keeps only the IP packets.
        if i != 1 {
            assert_eq!(pi.packets, orig.packets, "{}", part.display());
            assert_eq!(
                as_weir_ts(&pi.first),
                as_weir_ts(&orig.first),
                "{name}: part times"
            );
        }
    }

    // weir: the same flows, packets, bytes and times as the parts read
    // one after the other.
    let (want, ws) = flows_of(&parts, &d.join("parts"), 0);
    let (got, gs) = flows_of(std::slice::from_ref(&combined), &d.join("combined"), 0);
    assert!(want.len() > 300, "{} flows", want.len());
    assert_eq!(got, want, "flow records");
    assert_eq!(volumes(&gs), volumes(&ws));
    assert_eq!(gs["packets"].as_u64(), Some(info.packets));
    assert_eq!(
        gs["skipped_blocks"],
        serde_json::json!({"unknown": 0, "damaged": 0})
    );
    // Reading it compressed and through a pipe changes nothing either.
    let gz = d.join("sections.pcapng.gz");
    compress("gzip", &combined, &gz);
    let (got, gs) = flows_of(&[gz], &d.join("gz"), 0);
    assert_eq!(got, want, "gzip flow records");
    assert_eq!(volumes(&gs), volumes(&ws));
}

#[test]
fn unknown_and_damaged_pcapng_blocks_are_skipped_and_counted() {
    let dir = tempdir();
    let d = dir.path();
    let frames = frames("dns-edns-v4v6.pcap");
    let plain = d.join("plain.pcap");
    write_pcap(&plain, 1, &frames);
    let mut ng = Pcapng {
        big: false,
        out: Vec::new(),
    };
    let iface = Iface {
        linktype: 1,
        tsresol: 6,
        tsoffset: 0,
        frames: frames.clone(),
    };
    ng.section(false, std::slice::from_ref(&iface));
    // Unknown block types (one from the local-use range), a custom block
    // (defined: not counted), then a packet block on interface 5, which
    // the section never declared.
    ng.block(0x0000_0077, &[1, 2, 3, 4, 5]);
    ng.block(0x8000_1234, &[]);
    ng.block(0x0000_0BAD, &[0, 0, 0x7e, 0x1e, 9, 9]);
    // tshark reads that file, every packet of it (and shows the custom
    // block as one more record, which is no Ethernet frame).
    let readable = d.join("unknown-blocks.pcapng");
    std::fs::write(&readable, &ng.out).unwrap();
    let tshark_frames = tshark_fields(&readable, Some("eth"), &["frame.number"])
        .lines()
        .count();
    assert_eq!(tshark_frames, frames.len());
    let mut epb = 5u32.to_le_bytes().to_vec();
    epb.extend_from_slice(&[0; 8]);
    epb.extend_from_slice(&2u32.to_le_bytes());
    epb.extend_from_slice(&2u32.to_le_bytes());
    epb.extend_from_slice(&[0xaa, 0xbb]);
    ng.block(6, &epb);
    let path = d.join("odd-blocks.pcapng");
    std::fs::write(&path, &ng.out).unwrap();
    // (tshark stops at that block: "interface index 5 is not less than
    // section interface count 1".)

    let (want, ws) = flows_of(&[plain], &d.join("plain"), 0);
    let (got, gs) = flows_of(&[path], &d.join("odd"), 3);
    assert_eq!(got, want);
    assert_eq!(volumes(&gs), volumes(&ws));
    assert_eq!(
        gs["skipped_blocks"],
        serde_json::json!({"unknown": 2, "damaged": 1})
    );
    let warnings = gs["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("packet on unknown interface 5 (section 0 declares 1)"),
        "{warnings:?}"
    );
}

/// `PROGRAM -c SRC > DST` (gzip, zstd).
fn compress(program: &str, src: &Path, dst: &Path) {
    let out = Command::new(program)
        .arg("-c")
        .arg(src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}): install it"));
    assert!(out.status.success(), "{program} failed");
    std::fs::write(dst, out.stdout).unwrap();
}

#[test]
fn compressed_piped_and_fifo_inputs_give_the_flows_of_the_plain_file() {
    let dir = tempdir();
    let d = dir.path();
    for name in ["web-browse-2013.pcap", "alexa-app-mixed.pcapng"] {
        let src = pcap(name);
        let (want, ws) = flows_of(
            std::slice::from_ref(&src),
            &d.join(format!("{name}.plain")),
            0,
        );
        assert!(!want.is_empty());
        let gz = d.join(format!("{name}.gz"));
        let zst = d.join(format!("{name}.zst"));
        compress("gzip", &src, &gz);
        compress("zstd", &src, &zst);
        // The compressed files are what gzip and zstd say they are.
        assert_eq!(
            tool("gzip", &[std::ffi::OsStr::new("-t"), gz.as_os_str()]),
            ""
        );
        tool("zstd", &[std::ffi::OsStr::new("-t"), zst.as_os_str()]);
        for (what, input) in [("gzip", &gz), ("zstd", &zst)] {
            let (got, gs) = flows_of(
                std::slice::from_ref(input),
                &d.join(format!("{name}.{what}")),
                0,
            );
            assert_eq!(got, want, "{name} {what}");
            assert_eq!(volumes(&gs), volumes(&ws), "{name} {what}");
        }
        // Standard input, plain and compressed, written by another thread
        // in small pieces.
        for (what, input) in [("stdin", &src), ("stdin-zstd", &zst)] {
            let out = d.join(format!("{name}.{what}"));
            let got = run_with_stdin(input, &out);
            assert_eq!(got.0, want, "{name} {what}");
            assert_eq!(volumes(&got.1), volumes(&ws), "{name} {what}");
        }
        // A FIFO, given second after a regular file: opened only when
        // reached (its writer is waiting), after the file was read.
        let fifo = d.join(format!("{name}.fifo"));
        let st = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("cannot run mkfifo");
        assert!(st.success());
        let writer = {
            let (fifo, src) = (fifo.clone(), src.clone());
            std::thread::spawn(move || {
                let bytes = std::fs::read(&src).unwrap();
                let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
                f.write_all(&bytes).unwrap();
            })
        };
        let small = pcap("dns-ddns-query.pcap");
        let (both, _) = flows_of(
            &[small.clone(), src.clone()],
            &d.join(format!("{name}.both")),
            0,
        );
        let (got, _) = flows_of(&[small, fifo], &d.join(format!("{name}.fifo-run")), 0);
        writer.join().unwrap();
        assert_eq!(got, both, "{name} through a FIFO");
    }
}

/// Runs weir with `--pcap -`, its standard input fed with `input` by a
/// thread in 1000-byte writes.
fn run_with_stdin(input: &Path, out: &Path) -> (Vec<String>, serde_json::Value) {
    let mut child = Command::new(weir())
        .args(["run", "-q", "--pcap", "-", "--out"])
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start weir");
    let mut stdin = child.stdin.take().unwrap();
    let bytes = std::fs::read(input).unwrap();
    let feeder = std::thread::spawn(move || {
        for chunk in bytes.chunks(1000) {
            stdin.write_all(chunk).unwrap();
        }
    });
    let done = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    expect_code(&done, 0);
    (sorted_lines(&out.join("flows.ndjson")), summary(out))
}

/// The read position of `pid`'s descriptor open on `path`, if it has one.
fn read_position(pid: u32, path: &Path) -> Option<u64> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    for fd in fds.flatten() {
        if std::fs::read_link(fd.path()).ok().as_deref() == Some(path) {
            let info = std::fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                fd.file_name().to_string_lossy()
            ))
            .ok()?;
            return info
                .lines()
                .find_map(|l| l.strip_prefix("pos:"))
                .and_then(|v| v.trim().parse().ok());
        }
    }
    None
}

#[test]
fn a_file_truncated_during_the_run_gives_a_warning_and_a_clean_end() {
    let dir = tempdir();
    let d = dir.path();
    // A large capture: the packets of one shared capture 60 times over,
    // each copy a little later (about 230 MB, a few seconds of reading).
    let base = frames("web-browse-2013.pcap");
    let span = base.last().unwrap().0.secs - base[0].0.secs + 1;
    let path = d.join("large.pcap");
    let mut record_ends = Vec::new();
    {
        let file = std::fs::File::create(&path).unwrap();
        let mut w = PcapWriter::new(std::io::BufWriter::new(file), 1, false, false).unwrap();
        let mut at = 24u64;
        for copy in 0..60u64 {
            for (ts, data, wire) in &base {
                let ts = Timestamp {
                    secs: ts.secs + copy * span,
                    usecs: ts.usecs,
                };
                w.write_packet(ts, data, *wire).unwrap();
                at += 16 + data.len() as u64;
                record_ends.push(at);
            }
        }
        w.flush().unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    let path = path.canonicalize().unwrap();
    let out = d.join("out");
    let child = Command::new(weir())
        .args(["run", "-q", "--pcap"])
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start weir");
    // Once weir is reading (past the first few MB), cut the file at the
    // first record boundary 40 MB past where it is.
    let deadline = Instant::now() + Duration::from_secs(60);
    let pos = loop {
        assert!(Instant::now() < deadline, "weir did not start reading");
        if let Some(pos) = read_position(child.id(), &path).filter(|&p| p > 4 << 20) {
            break pos;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let cut = *record_ends
        .iter()
        .find(|&&e| e > pos + (40 << 20))
        .expect("file large enough");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(cut)
        .unwrap();
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            done.status.signal(),
            None,
            "weir died of a signal: {stderr}"
        );
    }
    expect_code(&done, 3);
    // Everything up to the cut was read: capinfos of the file as it is now.
    let info = capinfos(&path);
    let s = summary(&out);
    assert_eq!(s["packets"].as_u64(), Some(info.packets), "{stderr}");
    assert_eq!(s["bytes"].as_u64(), Some(info.data_bytes));
    let warnings = s["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = warnings[0].as_str().unwrap();
    assert!(
        w.contains(&format!(
            "file cut short while being read: it had {size} bytes when opened, only {cut} could be read at byte offset {cut}"
        )),
        "{w}"
    );
    assert!(
        stderr.contains("file cut short while being read"),
        "{stderr}"
    );
    // The flows were all written, each line whole.
    let flows = ndjson(&out.join("flows.ndjson"));
    assert!(flows.len() > 100, "{} flows", flows.len());
}
