//! The `segments` module deals with rewriting the TCP segments of a
//! capture, so that tests can turn any Ethernet capture into one that a TCP
//! reassembler finds hard: segments cut into pieces, neighbouring pieces
//! swapped, retransmitted, and re-sent overlapping their neighbours (with
//! the same bytes, so the stream a receiver reads is unchanged); or TCP
//! moved to another port.
//!
//! Frames are Ethernet, untagged or with 802.1Q/802.1ad tags, carrying
//! IPv4 (not fragmented) or IPv6 with TCP right after the fixed header.
//! Anything else comes back unchanged. A rewritten frame gets its IP length,
//! its IPv4 header checksum and its TCP checksum recomputed (see
//! [`super::checksum`]); Ethernet padding after the IP packet is dropped.
//!
//! Only frames that are next to each other in the capture are swapped, and
//! copies go after their originals: no ACK of the other direction ever
//! comes between a piece and the place it moves to, so an ACK never
//! acknowledges bytes the capture has not shown yet.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use weir_core::source::Timestamp;

use super::checksum::{internet_checksum, transport_checksum};
use super::frame::{ETHERTYPE_IPV4, ETHERTYPE_IPV6, FIN, PROTO_TCP, PSH, RST, SYN};

/// EtherType of an 802.1ad (QinQ) service tag.
const ETHERTYPE_QINQ: u16 = 0x88a8;
/// EtherType of an 802.1Q tag.
const ETHERTYPE_DOT1Q: u16 = 0x8100;

/// A flow direction: (source, source port, destination, destination port).
type FlowDirection = (IpAddr, u16, IpAddr, u16);

/// A TCP frame taken apart: everything needed to build it again with
/// another sequence number, other ports or another payload.
#[derive(Debug, Clone)]
struct TcpFrame {
    /// Ethernet header and tags, as they were.
    link: Vec<u8>,
    /// The IP header (IPv4 with its options, or IPv6's 40 bytes).
    ip: Vec<u8>,
    /// The TCP header with its options.
    tcp: Vec<u8>,
    payload: Vec<u8>,
    v4: bool,
}

impl TcpFrame {
    /// Takes `frame` apart; `None` when it is not a TCP frame this module
    /// rewrites.
    fn parse(frame: &[u8]) -> Option<TcpFrame> {
        let mut at = 12;
        let mut ethertype = u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]);
        while matches!(ethertype, ETHERTYPE_DOT1Q | ETHERTYPE_QINQ) {
            at += 4;
            ethertype = u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]);
        }
        let l3 = at + 2;
        let ip = frame.get(l3..)?;
        let (v4, ip_len, end) = match ethertype {
            ETHERTYPE_IPV4 => {
                let ihl = usize::from(ip.first()? & 0x0f) * 4;
                let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
                let frag = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]);
                // Only whole datagrams: MF clear and offset 0.
                if ip[0] >> 4 != 4 || ihl < 20 || *ip.get(9)? != PROTO_TCP || frag & 0x3fff != 0 {
                    return None;
                }
                (true, ihl, total)
            }
            ETHERTYPE_IPV6 => {
                if *ip.get(6)? != PROTO_TCP || ip[0] >> 4 != 6 {
                    return None;
                }
                let plen = usize::from(u16::from_be_bytes([*ip.get(4)?, *ip.get(5)?]));
                (false, 40, 40 + plen)
            }
            _ => return None,
        };
        let packet = ip.get(..end)?;
        let segment = packet.get(ip_len..)?;
        let tcp_len = usize::from(segment.get(12)? >> 4) * 4;
        if tcp_len < 20 || tcp_len > segment.len() {
            return None;
        }
        Some(TcpFrame {
            link: frame[..l3].to_vec(),
            ip: packet[..ip_len].to_vec(),
            tcp: segment[..tcp_len].to_vec(),
            payload: segment[tcp_len..].to_vec(),
            v4,
        })
    }

    fn seq(&self) -> u32 {
        u32::from_be_bytes([self.tcp[4], self.tcp[5], self.tcp[6], self.tcp[7]])
    }

    fn flags(&self) -> u8 {
        self.tcp[13]
    }

    fn ports(&self) -> (u16, u16) {
        (
            u16::from_be_bytes([self.tcp[0], self.tcp[1]]),
            u16::from_be_bytes([self.tcp[2], self.tcp[3]]),
        )
    }

    fn addrs(&self) -> (IpAddr, IpAddr) {
        let ip = &self.ip;
        if self.v4 {
            let a = |at: usize| Ipv4Addr::new(ip[at], ip[at + 1], ip[at + 2], ip[at + 3]);
            (IpAddr::V4(a(12)), IpAddr::V4(a(16)))
        } else {
            let a = |at: usize| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&ip[at..at + 16]);
                IpAddr::V6(Ipv6Addr::from(b))
            };
            (a(8), a(24))
        }
    }

    /// The flow direction of the segment.
    fn direction(&self) -> FlowDirection {
        let ((s, d), (sp, dp)) = (self.addrs(), self.ports());
        (s, sp, d, dp)
    }

    /// A data segment this module may cut, swap and copy: payload, and no
    /// SYN, FIN or RST (their sequence numbers and meaning stay put).
    fn is_plain_data(&self) -> bool {
        !self.payload.is_empty() && self.flags() & (SYN | FIN | RST) == 0
    }

    /// The frame with sequence number `seq`, flags `flags` and `payload`.
    fn build(&self, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
        let mut tcp = self.tcp.clone();
        tcp[4..8].copy_from_slice(&seq.to_be_bytes());
        tcp[13] = flags;
        tcp[16..18].copy_from_slice(&[0, 0]);
        tcp.extend_from_slice(payload);
        let (src, dst) = self.addrs();
        let sum = transport_checksum(src, dst, PROTO_TCP, &tcp);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());
        let mut ip = self.ip.clone();
        // Segments of a capture fit the 16-bit length fields.
        if self.v4 {
            let total = (ip.len() + tcp.len()) as u16;
            ip[2..4].copy_from_slice(&total.to_be_bytes());
            ip[10..12].copy_from_slice(&[0, 0]);
            let sum = internet_checksum(&ip);
            ip[10..12].copy_from_slice(&sum.to_be_bytes());
        } else {
            ip[4..6].copy_from_slice(&(tcp.len() as u16).to_be_bytes());
        }
        let mut out = self.link.clone();
        out.extend_from_slice(&ip);
        out.extend_from_slice(&tcp);
        out
    }

    /// The frame with its own fields (checksums recomputed).
    fn rebuild(&self) -> Vec<u8> {
        self.build(self.seq(), self.flags(), &self.payload)
    }
}

/// A tiny deterministic generator (splitmix64): the same seed gives the
/// same rewrite, with no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    /// A number in `lo..hi` (`lo < hi`).
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo) as u64) as usize
    }
}

/// One output frame being planned.
struct Item {
    ts: Timestamp,
    frame: Vec<u8>,
    /// Set for a plain data piece that may be swapped with a neighbour.
    direction: Option<FlowDirection>,
}

/// `frames` with their TCP data scrambled, deterministically for `seed`:
/// about one data segment in three cut into 2 or 3 pieces, one in six
/// copied (a retransmission, right after the next frame), one in five
/// re-sent as an overlap of the second half of the previous segment of its
/// direction and the first half of its own (before or after it), and
/// neighbouring data frames of one direction swapped one time in four.
///
/// Non-TCP frames and segments without data or with SYN, FIN or RST pass
/// through unchanged. Every frame keeps the timestamp of the slot it lands
/// in, so timestamps stay non-decreasing if they were.
pub fn scramble_tcp(frames: &[(Timestamp, Vec<u8>)], seed: u64) -> Vec<(Timestamp, Vec<u8>)> {
    let mut rng = SplitMix(seed);
    let mut items: Vec<Item> = Vec::with_capacity(frames.len() * 2);
    // The last plain data segment per direction: (seq, payload).
    let mut last: Vec<(FlowDirection, u32, Vec<u8>)> = Vec::new();
    // Copies wait for one more frame before they go out.
    let mut pending: Vec<Vec<u8>> = Vec::new();
    for (ts, frame) in frames {
        let parsed = TcpFrame::parse(frame).filter(TcpFrame::is_plain_data);
        let Some(t) = parsed else {
            items.push(Item {
                ts: *ts,
                frame: frame.clone(),
                direction: None,
            });
            flush_pending(&mut items, &mut pending, *ts);
            continue;
        };
        let dir = t.direction();
        let (seq, flags) = (t.seq(), t.flags());
        // An overlap of the previous segment's tail and this one's head.
        let prev = last.iter().position(|(d, _, _)| *d == dir);
        let mut overlap = None;
        if let Some(i) = prev {
            let (_, pseq, ref pdata) = last[i];
            if pseq.wrapping_add(pdata.len() as u32) == seq && rng.one_in(5) {
                let from = pdata.len() / 2;
                let mut bytes = pdata[from..].to_vec();
                bytes.extend_from_slice(&t.payload[..t.payload.len().div_ceil(2)]);
                let frame = t.build(pseq.wrapping_add(from as u32), flags & !PSH, &bytes);
                overlap = Some((frame, rng.one_in(2)));
            }
        }
        if let Some((frame, true)) = &overlap {
            // Before this segment: its head comes first in the copy.
            items.push(Item {
                ts: *ts,
                frame: frame.clone(),
                direction: None,
            });
        }
        // Cut into pieces.
        let n = t.payload.len();
        let cuts: Vec<usize> = if n >= 3 && rng.one_in(3) {
            let pieces = if n >= 6 && rng.one_in(2) { 3 } else { 2 };
            let mut c: Vec<usize> = (1..pieces).map(|_| rng.range(1, n)).collect();
            c.sort_unstable();
            c.dedup();
            c
        } else {
            Vec::new()
        };
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(n);
        for w in bounds.windows(2) {
            let (a, b) = (w[0], w[1]);
            // PSH marks the end of what the sender pushed: the last piece.
            let f = if b == n { flags } else { flags & !PSH };
            items.push(Item {
                ts: *ts,
                frame: t.build(seq.wrapping_add(a as u32), f, &t.payload[a..b]),
                direction: Some(dir),
            });
        }
        flush_pending(&mut items, &mut pending, *ts);
        if let Some((frame, false)) = overlap {
            pending.push(frame);
        }
        if rng.one_in(6) {
            pending.push(t.rebuild());
        }
        match prev {
            Some(i) => last[i] = (dir, seq, t.payload),
            None => last.push((dir, seq, t.payload)),
        }
    }
    if let Some(ts) = items.last().map(|i| i.ts) {
        flush_pending(&mut items, &mut pending, ts);
    }
    // Swap neighbouring data pieces of one direction; the times stay with
    // the slots.
    let mut i = 0;
    while i + 1 < items.len() {
        let same = items[i].direction.is_some() && items[i].direction == items[i + 1].direction;
        if same && rng.one_in(4) {
            let (a, b) = items.split_at_mut(i + 1);
            std::mem::swap(&mut a[i].frame, &mut b[0].frame);
            i += 2;
        } else {
            i += 1;
        }
    }
    items.into_iter().map(|i| (i.ts, i.frame)).collect()
}

/// Sends the copies waiting in `pending`, at time `ts`.
fn flush_pending(items: &mut Vec<Item>, pending: &mut Vec<Vec<u8>>, ts: Timestamp) {
    for frame in pending.drain(..) {
        items.push(Item {
            ts,
            frame,
            direction: None,
        });
    }
}

/// `frames` with TCP port `from` changed to `to`, as source or destination
/// (so both directions of a conversation move); checksums are recomputed
/// in the frames changed, the others come back as they were.
pub fn move_port(frames: &[(Timestamp, Vec<u8>)], from: u16, to: u16) -> Vec<(Timestamp, Vec<u8>)> {
    frames
        .iter()
        .map(|(ts, frame)| {
            let Some(mut t) = TcpFrame::parse(frame) else {
                return (*ts, frame.clone());
            };
            let (sp, dp) = t.ports();
            if sp != from && dp != from {
                return (*ts, frame.clone());
            }
            let (sp, dp) = (
                if sp == from { to } else { sp },
                if dp == from { to } else { dp },
            );
            t.tcp[0..2].copy_from_slice(&sp.to_be_bytes());
            t.tcp[2..4].copy_from_slice(&dp.to_be_bytes());
            (*ts, t.rebuild())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{write_frames, Conversation};
    use crate::write::{PcapWriter, LINKTYPE_ETHERNET};
    use crate::{FileSource, PacketSource, SourceItem};
    use std::path::{Path, PathBuf};
    use std::process::Command;

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
                assert_eq!(p.data.len() as u32, p.wire_len, "whole frames");
                out.push((p.ts, p.data.to_vec()));
            }
        }
        out
    }

    fn write(path: &Path, frames: &[(Timestamp, Vec<u8>)]) {
        let file = std::fs::File::create(path).unwrap();
        let mut w = PcapWriter::new(file, LINKTYPE_ETHERNET, false, false).unwrap();
        write_frames(&mut w, frames).unwrap();
        w.flush().unwrap();
    }

    /// Runs tshark on `path` with `args`; its standard output. A missing
    /// tshark fails the test.
    fn tshark(path: &Path, args: &[&str]) -> String {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(path)
            .args(args)
            .output()
            .expect("tshark must be installed for this test");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "tshark failed: {stderr}");
        for bad in ["appears to be damaged", "cut short", "rror"] {
            assert!(!stderr.contains(bad), "tshark: {stderr}");
        }
        String::from_utf8(out.stdout).unwrap()
    }

    /// Frames tshark finds malformed or with a bad IPv4 or TCP checksum.
    /// HTTP is not dissected: what is checked is the frames up to TCP, and
    /// the HTTP dissector calls a repeated piece of a body "malformed".
    fn bad_frames(path: &Path) -> String {
        tshark(
            path,
            &[
                "--disable-protocol",
                "http",
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.check_checksum:TRUE",
                "-Y",
                "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 \
                 || _ws.expert.severity == error",
            ],
        )
    }

    /// The two byte streams of TCP stream 0 as tshark reassembles them
    /// (`follow,tcp,raw`): node 0's, then node 1's.
    fn follow(path: &Path) -> (Vec<u8>, Vec<u8>) {
        let text = tshark(path, &["-q", "-z", "follow,tcp,raw,0"]);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let body = text.split("Node 1:").nth(1).expect("follow output");
        for line in body.lines().skip(1) {
            if line.starts_with('=') {
                break;
            }
            let (to, hex) = match line.strip_prefix('\t') {
                Some(hex) => (&mut b, hex),
                None => (&mut a, line),
            };
            let hex = hex.trim().as_bytes();
            assert!(hex.len() % 2 == 0, "odd hex line {line:?}");
            for pair in hex.chunks(2) {
                let s = std::str::from_utf8(pair).unwrap();
                to.push(u8::from_str_radix(s, 16).unwrap());
            }
        }
        (a, b)
    }

    /// Scrambles `frames` with `seed`, writes both, and checks tshark reads
    /// the rewrite cleanly and reassembles the same streams from it.
    fn check_scramble(frames: &[(Timestamp, Vec<u8>)], seed: u64) -> usize {
        let out = scramble_tcp(frames, seed);
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
        let dir = tempfile::tempdir().unwrap();
        let (orig, scr) = (dir.path().join("orig.pcap"), dir.path().join("scr.pcap"));
        write(&orig, frames);
        write(&scr, &out);
        assert_eq!(bad_frames(&scr), "", "bad frames in the rewrite");
        let (a, b) = follow(&orig);
        assert!(!a.is_empty() && !b.is_empty());
        assert_eq!(follow(&scr), (a, b), "tshark's streams differ");
        assert_eq!(scramble_tcp(frames, seed), out, "deterministic");
        out.len()
    }

    #[test]
    fn scrambled_download_reassembles_the_same() {
        let frames = read(&shared_pcap("http-zip-download.pcap"));
        for seed in [1, 2, 3] {
            let n = check_scramble(&frames, seed);
            assert!(n > frames.len() + 20, "{n} frames from {}", frames.len());
        }
    }

    #[test]
    fn scrambled_vlan_and_ipv6_sessions_reassemble_the_same() {
        let start = Timestamp {
            secs: 1_700_000_000,
            usecs: 0,
        };
        let body: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (c, s, vlans) in [
            ("10.0.0.1:40000", "10.0.0.2:80", &[100u16, 200][..]),
            ("[2001:db8::1]:40001", "[2001:db8::2]:80", &[7][..]),
            ("[2001:db8::1]:40002", "[2001:db8::2]:80", &[][..]),
        ] {
            let frames = Conversation::new(c.parse().unwrap(), s.parse().unwrap(), start)
                .vlans(vlans)
                .handshake()
                .client_sends(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
                .server_sends(&body)
                .close()
                .into_frames();
            let n = check_scramble(&frames, 42);
            assert!(n > frames.len());
        }
    }

    #[test]
    fn other_frames_pass_unchanged() {
        let frames = read(&shared_pcap("dns-mixed.pcap"));
        assert_eq!(scramble_tcp(&frames, 9), frames);
        assert_eq!(move_port(&frames, 80, 8080), frames);
    }

    #[test]
    fn moved_port_is_found_by_tshark() {
        let frames = read(&shared_pcap("http-zip-download.pcap"));
        let moved = move_port(&frames, 80, 8080);
        assert_eq!(moved.len(), frames.len());
        let dir = tempfile::tempdir().unwrap();
        let (orig, out) = (dir.path().join("orig.pcap"), dir.path().join("moved.pcap"));
        write(&orig, &frames);
        write(&out, &moved);
        assert_eq!(bad_frames(&out), "", "bad frames in the rewrite");
        let numbers = |path: &Path, filter: &str| {
            tshark(path, &["-Y", filter, "-T", "fields", "-e", "frame.number"])
        };
        let on_80 = numbers(&orig, "tcp.port == 80");
        assert!(on_80.lines().count() > 100);
        assert_eq!(numbers(&out, "tcp.port == 8080"), on_80);
        assert_eq!(numbers(&out, "tcp.port == 80"), "");
        assert_eq!(follow(&out), follow(&orig));
    }
}
