//! TCP reassembly (`weir_core::stream`) against real data: every TCP
//! segment of the shared `http-zip-download.pcap`, and of scrambled copies
//! of it (`synth::segments::scramble_tcp`: pieces, swaps, retransmissions,
//! overlaps), goes through two `Direction`s, one per direction, each told
//! the other's ACK numbers. The bytes delivered must be tshark's
//! `follow,tcp,raw` streams of the original capture, with no gap, and every
//! payload byte must be accounted for.
//!
//! The capture lives outside the repository, in `<repo>/../shared/pcaps`; a
//! missing capture or a missing tshark fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use weir_capture::synth::segments::scramble_tcp;
use weir_capture::{FileSource, PacketSource, SourceItem, Timestamp};
use weir_core::decode::{decode, tcp, tcp_flags, IpVersion};
use weir_core::source::LinkType;
use weir_core::stream::{Chunk, Direction, MemoryBudget, StreamConfig, StreamStats};

fn shared_pcap(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/pcaps")
        .join(name);
    assert!(path.is_file(), "shared capture missing: {}", path.display());
    path
}

fn read(path: &Path) -> Vec<(Timestamp, Vec<u8>)> {
    let mut source = FileSource::open(&[path]).unwrap();
    let mut out = Vec::new();
    while let Some(item) = source.next_item().unwrap() {
        if let SourceItem::Packet(p) = item {
            assert_eq!(p.link, LinkType::Ethernet);
            out.push((p.ts, p.data.to_vec()));
        }
    }
    out
}

/// tshark's two streams of TCP stream 0: node 0 (the client) and node 1.
fn tshark_follow(path: &Path) -> (Vec<u8>, Vec<u8>) {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-q", "-z", "follow,tcp,raw,0"])
        .output()
        .expect("tshark must be installed for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let body = text.split("Node 1:").nth(1).expect("follow output");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for line in body.lines().skip(1) {
        if line.starts_with('=') {
            break;
        }
        let (to, hex) = match line.strip_prefix('\t') {
            Some(hex) => (&mut b, hex),
            None => (&mut a, line),
        };
        let hex = hex.trim().as_bytes();
        for pair in hex.chunks(2) {
            to.push(u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap());
        }
    }
    (a, b)
}

/// One direction with what it delivered.
struct Side {
    key: ([u8; 16], u16),
    dir: Direction,
    /// Data bytes delivered, gaps left out.
    bytes: Vec<u8>,
    /// Gap bytes delivered.
    gaps: u64,
    /// (stream offset, length) of each data chunk delivered.
    runs: Vec<(u64, usize)>,
}

impl Side {
    fn take(&mut self, c: Chunk<'_>) {
        let offset = self.bytes.len() as u64 + self.gaps;
        match c {
            Chunk::Data(x) => {
                self.runs.push((offset, x.len()));
                self.bytes.extend_from_slice(x);
            }
            Chunk::Gap(n) => self.gaps += n,
        }
    }
}

/// Reassembles the single TCP connection of `frames` with `cfg` and an
/// engine budget of `budget` bytes: (first sender's side, the other's,
/// stats).
fn reassemble(
    frames: &[(Timestamp, Vec<u8>)],
    cfg: StreamConfig,
    budget: usize,
) -> (Side, Side, StreamStats) {
    let budget = MemoryBudget::new(budget);
    let mut stats = StreamStats::default();
    let mut sides: Vec<Side> = Vec::new();
    for (_, frame) in frames {
        let Ok(Some(d)) = decode(LinkType::Ethernet, frame) else {
            continue;
        };
        if d.proto != 6 {
            continue;
        }
        // The TCP header: after the link header, tags and IP header.
        let l3 = 14 + 4 * usize::from(d.vlan_count);
        let ip_len = match d.ip_version {
            IpVersion::V4 => usize::from(frame[l3] & 0x0f) * 4,
            IpVersion::V6 => 40,
        };
        let seg = tcp::Packet::new_checked(&frame[l3 + ip_len..]).unwrap();
        let start = d.payload_offset as usize;
        let payload = &frame[start..start + d.payload_len as usize];
        assert_eq!(seg.payload().get(..payload.len()), Some(payload));
        let key = (d.src_ip, d.src_port);
        if !sides.iter().any(|s| s.key == key) {
            sides.push(Side {
                key,
                dir: Direction::new(),
                bytes: Vec::new(),
                gaps: 0,
                runs: Vec::new(),
            });
        }
        assert!(sides.len() <= 2, "one connection");
        let side = sides.iter_mut().find(|s| s.key == key).unwrap();
        // The direction is taken out so that the sink may borrow the side.
        let mut dir = std::mem::take(&mut side.dir);
        let (seq, flags) = (seg.seq_number(), seg.flags());
        dir.segment(seq, flags, payload, &cfg, &budget, &mut stats, &mut |c| {
            side.take(c)
        });
        side.dir = dir;
        if seg.flags() & tcp_flags::ACK != 0 {
            if let Some(other) = sides.iter_mut().find(|s| s.key != key) {
                let mut dir = std::mem::take(&mut other.dir);
                dir.acked(seg.ack_number(), &cfg, &budget, &mut stats, &mut |c| {
                    other.take(c)
                });
                other.dir = dir;
            }
        }
    }
    for side in &mut sides {
        let mut dir = std::mem::take(&mut side.dir);
        dir.finish(&cfg, &budget, &mut stats, &mut |c| side.take(c));
        side.dir = dir;
    }
    assert_eq!(budget.used(), 0);
    assert_eq!(stats.accounted_bytes(), stats.payload_bytes, "{stats:?}");
    let mut it = sides.into_iter();
    let (a, b) = (it.next().unwrap(), it.next().unwrap());
    (a, b, stats)
}

fn write(path: &Path, frames: &[(Timestamp, Vec<u8>)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = weir_capture::write::PcapWriter::new(
        file,
        weir_capture::write::LINKTYPE_ETHERNET,
        false,
        false,
    )
    .unwrap();
    weir_capture::synth::write_frames(&mut w, frames).unwrap();
    w.flush().unwrap();
}

#[test]
fn download_reassembles_as_tshark_follows_it() {
    let path = shared_pcap("http-zip-download.pcap");
    let (client, server) = tshark_follow(&path);
    assert!(server.len() > 100_000);
    let frames = read(&path);
    let (a, b, stats) = reassemble(&frames, StreamConfig::default(), 64 << 20);
    assert_eq!((a.gaps, b.gaps), (0, 0));
    assert!(a.bytes == client, "client stream differs");
    assert!(b.bytes == server, "server stream differs");
    assert_eq!(stats.syn_starts, 2);
    assert_eq!(stats.fin_closes, 2);
    assert_eq!(stats.delivered_bytes, (client.len() + server.len()) as u64);
}

#[test]
fn scrambled_download_reassembles_as_the_original() {
    let path = shared_pcap("http-zip-download.pcap");
    let (client, server) = tshark_follow(&path);
    let frames = read(&path);
    let dir = tempfile::tempdir().unwrap();
    for seed in [1u64, 7, 1234] {
        let scrambled = scramble_tcp(&frames, seed);
        assert!(scrambled.len() > frames.len());
        // tshark agrees on the scrambled capture too.
        let out = dir.path().join(format!("scrambled-{seed}.pcap"));
        write(&out, &scrambled);
        assert!(tshark_follow(&out) == (client.clone(), server.clone()));
        let (a, b, stats) = reassemble(&scrambled, StreamConfig::default(), 64 << 20);
        assert_eq!((a.gaps, b.gaps), (0, 0), "seed {seed}: {stats:?}");
        assert!(a.bytes == client, "seed {seed}: client stream differs");
        assert!(b.bytes == server, "seed {seed}: server stream differs");
        assert!(stats.retransmitted_bytes > 0, "seed {seed}: {stats:?}");
        assert!(stats.held_segments > 0, "seed {seed}: {stats:?}");
        assert_eq!(stats.overlap_conflict_bytes, 0);
    }
}

/// Each data run of `side` must be the bytes of `stream` at its offset,
/// and data plus gaps must cover the stream exactly.
fn check_runs(side: &Side, stream: &[u8]) {
    let mut at = 0;
    for &(offset, len) in &side.runs {
        let got = &side.bytes[at..at + len];
        let want = stream.get(offset as usize..offset as usize + len);
        assert!(want == Some(got), "data at offset {offset} differs");
        at += len;
    }
    assert_eq!(side.bytes.len() as u64 + side.gaps, stream.len() as u64);
}

/// With tight caps the scrambled download loses bytes, but only as gaps of
/// the right length at the right place: every byte delivered is the
/// original byte at its offset, and data and gaps add up to the stream.
#[test]
fn scrambled_download_under_tight_caps_has_exact_gaps() {
    let path = shared_pcap("http-zip-download.pcap");
    let (client, server) = tshark_follow(&path);
    let frames = read(&path);
    for (seed, max_held, budget) in [(1u64, 400, 1 << 20), (7, 1 << 20, 500), (9, 0, 1 << 20)] {
        let cfg = StreamConfig {
            depth: 0,
            max_held_per_direction: max_held,
        };
        let (a, b, stats) = reassemble(&scramble_tcp(&frames, seed), cfg, budget);
        assert!(b.gaps > 0, "seed {seed}: nothing refused: {stats:?}");
        assert!(stats.held_limit_bytes + stats.memory_bytes > 0);
        check_runs(&a, &client);
        check_runs(&b, &server);
    }
}

/// Depth cuts the server stream at exactly `depth` bytes.
#[test]
fn depth_cuts_the_download() {
    let path = shared_pcap("http-zip-download.pcap");
    let (_, server) = tshark_follow(&path);
    let cfg = StreamConfig {
        depth: 10_000,
        ..StreamConfig::default()
    };
    let frames = scramble_tcp(&read(&path), 3);
    let (_, b, stats) = reassemble(&frames, cfg, 64 << 20);
    assert_eq!(b.gaps, 0);
    assert!(b.bytes == server[..10_000]);
    assert!(stats.depth_exceeded_bytes >= (server.len() - 10_000) as u64);
}
