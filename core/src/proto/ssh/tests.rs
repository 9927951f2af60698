//! Tests of the SSH session: literal bytes, properties, and real captures
//! against the tshark oracle.

use super::*;
use crate::proto::oracle_support::{tshark, unhex};
use proptest::prelude::*;

const T: Timestamp = Timestamp::from_secs(5);

/// A name-list as on the wire.
fn nl(s: &str) -> Vec<u8> {
    let mut v = (s.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(s.as_bytes());
    v
}

/// A binary packet around `payload`, with `pad` bytes of padding.
fn packet(payload: &[u8], pad: u8) -> Vec<u8> {
    let len = (payload.len() + 1 + usize::from(pad)) as u32;
    let mut v = len.to_be_bytes().to_vec();
    v.push(pad);
    v.extend_from_slice(payload);
    v.extend(std::iter::repeat_n(0u8, usize::from(pad)));
    v
}

fn kexinit_payload(lists: [&str; 10]) -> Vec<u8> {
    let mut p = vec![MSG_KEXINIT];
    p.extend_from_slice(&[7u8; 16]);
    for l in lists {
        p.extend(nl(l));
    }
    p.push(0);
    p.extend_from_slice(&[0, 0, 0, 0]);
    p
}

const LISTS: [&str; 10] = [
    "curve25519-sha256,diffie-hellman-group14-sha1",
    "ssh-ed25519,rsa-sha2-512",
    "aes128-ctr,aes256-gcm@openssh.com",
    "aes256-ctr",
    "hmac-sha2-256",
    "hmac-sha1",
    "none,zlib@openssh.com",
    "none",
    "",
    "",
];

fn client_stream() -> Vec<u8> {
    let mut v = b"SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.3\r\n".to_vec();
    v.extend(packet(&kexinit_payload(LISTS), 6));
    v.extend(packet(&[30, 1, 2, 3], 4)); // KEXDH_INIT
    v.extend(packet(&[MSG_NEWKEYS], 10));
    v.extend_from_slice(&[0xAB; 100]); // encrypted
    v
}

fn server_stream() -> Vec<u8> {
    let mut v = b"Welcome\r\nsecond line\nSSH-1.99-OpenSSH_3.1p1\n".to_vec();
    v.extend(packet(&kexinit_payload(LISTS), 4));
    v.extend(packet(&[MSG_NEWKEYS], 10));
    v.extend_from_slice(&[0xCD; 50]);
    v
}

fn run(client: &[u8], server: &[u8], piece: usize) -> (Vec<SshEvent>, SshStats) {
    let mut s = SshSession::new(SshConfig::default());
    let mut ev = Vec::new();
    for (side, b) in [(Side::Client, client), (Side::Server, server)] {
        for c in b.chunks(piece.max(1)) {
            s.data(side, T, c, &mut ev);
        }
    }
    s.end(Side::Client, T, &mut ev);
    s.end(Side::Server, T, &mut ev);
    (ev, s.stats().clone())
}

fn md5_hex(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

#[test]
fn version_fields() {
    let v = parse_version(Side::Client, T, b"SSH-2.0-OpenSSH_6.7p1 Debian-3").unwrap();
    assert_eq!(v.text, "SSH-2.0-OpenSSH_6.7p1 Debian-3");
    assert_eq!(v.proto_version, "2.0");
    assert_eq!(v.software, "OpenSSH_6.7p1");
    assert_eq!(v.comments.as_deref(), Some("Debian-3"));
    let v = parse_version(Side::Server, T, b"SSH-1.99-Cisco-1.25").unwrap();
    assert_eq!(
        (v.proto_version.as_str(), v.software.as_str()),
        ("1.99", "Cisco-1.25")
    );
    assert_eq!(v.comments, None);
    assert_eq!(
        parse_version(Side::Client, T, b"SSH-2.0"),
        Err(SshError::BadVersion)
    );
    assert_eq!(
        parse_version(Side::Client, T, b"SSH--x"),
        Err(SshError::BadVersion)
    );
    assert_eq!(
        parse_version(Side::Client, T, b"HTTP/1.1"),
        Err(SshError::BadVersion)
    );
}

#[test]
fn detection() {
    assert_eq!(looks_like_ssh(b"SSH-2.0-x"), Detection::Yes);
    assert_eq!(looks_like_ssh(b"SS"), Detection::NeedMore);
    assert_eq!(looks_like_ssh(b""), Detection::NeedMore);
    assert_eq!(looks_like_ssh(b"GET /"), Detection::No);
}

#[test]
fn whole_exchange_and_hassh() {
    let (ev, st) = run(&client_stream(), &server_stream(), usize::MAX);
    assert_eq!(ev.len(), 4, "{ev:?}");
    let SshEvent::KexInit(c) = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(c.side, Side::Client);
    assert_eq!(c.kex, LISTS[0]);
    assert_eq!(c.host_key, LISTS[1]);
    assert_eq!(c.compression_s2c, "none");
    assert_eq!(c.cookie, [7; 16]);
    let want = format!("{};{};{};{}", LISTS[0], LISTS[2], LISTS[4], LISTS[6]);
    assert_eq!(c.hassh_algorithms, want);
    assert_eq!(c.hassh, md5_hex(&want));
    let SshEvent::Version(v) = &ev[2] else {
        panic!("{ev:?}")
    };
    assert_eq!((v.side, v.proto_version.as_str()), (Side::Server, "1.99"));
    let SshEvent::KexInit(s) = &ev[3] else {
        panic!("{ev:?}")
    };
    let want = format!("{};{};{};{}", LISTS[0], LISTS[3], LISTS[5], LISTS[7]);
    assert_eq!(
        (s.hassh_algorithms.as_str(), s.hassh.clone()),
        (want.as_str(), md5_hex(&want))
    );
    assert_eq!(st.versions, 2);
    assert_eq!(st.kexinits, 2);
    assert_eq!(st.packets, 5);
    assert_eq!(st.preamble_lines, 2);
    assert_eq!(st.encrypted_bytes, 150);
    assert_eq!(st.skipped_bytes, 0);
    // Byte by byte: the same.
    assert_eq!(run(&client_stream(), &server_stream(), 1), (ev, st));
}

#[test]
fn known_hassh_vector() {
    // tshark's ssh.kex.hasshserver for gre-tunnel stream 0, from its
    // ssh.kex.hasshserver_algorithms.
    let alg = "diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1;aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,arcfour,aes192-cbc,aes256-cbc;hmac-md5,hmac-sha1,hmac-ripemd160,hmac-ripemd160@openssh.com,hmac-sha1-96,hmac-md5-96;none,zlib";
    assert_eq!(md5_hex(alg), "6e3242d64766f4154c11858bbd654415");
}

#[test]
fn lf_only_ssh1_and_errors() {
    // SSH-1.5: another packet format, counted as encrypted.
    let (ev, st) = run(b"SSH-1.5-x\n\0\0\0\x10abc", b"", 3);
    assert_eq!(ev.len(), 1);
    assert_eq!(st.encrypted_bytes, 7);
    // An identification line longer than 255 bytes.
    let mut long = b"SSH-2.0-".to_vec();
    long.extend(std::iter::repeat_n(b'a', 300));
    long.extend_from_slice(b"\r\n");
    let (ev, st) = run(&long, b"", 7);
    assert!(ev.is_empty());
    assert_eq!(st.bad_version, 1);
    assert_eq!(st.skipped_bytes, (long.len() - 255) as u64);
    // A long preamble line is skipped, the banner after it read.
    let mut pre = vec![b'x'; 1000];
    pre.extend_from_slice(b"\nSSH-2.0-y\r\n");
    let (ev, st) = run(b"", &pre, 13);
    assert_eq!(ev.len(), 1);
    assert_eq!(st.preamble_lines, 1);
    // An endless preamble: lost at max_preamble.
    let (ev, st) = run(b"", &vec![b'z'; 10_000], 999);
    assert!(ev.is_empty());
    assert_eq!((st.bad_version, st.skipped_bytes), (1, 10_000 - 8 * 1024));
    // A packet too large, and an impossible padding length.
    let (ev, st) = run(
        b"SSH-2.0-x\n\x7f\0\0\0zzzz",
        b"SSH-2.0-y\n\0\0\0\x05\x09abcd",
        2,
    );
    assert_eq!(ev.len(), 2);
    assert_eq!((st.packet_too_large, st.bad_packet), (1, 1));
    assert_eq!(st.skipped_bytes, 8 + 9);
    // A truncated KEXINIT inside a well-framed packet: counted, framing kept.
    let mut c = b"SSH-2.0-x\n".to_vec();
    c.extend(packet(&[MSG_KEXINIT, 1, 2, 3], 4));
    c.extend(packet(&kexinit_payload(LISTS), 4));
    let (ev, st) = run(&c, b"", 5);
    assert_eq!(ev.len(), 2);
    assert_eq!((st.bad_packet, st.kexinits), (1, 1));
}

#[test]
fn gap_loses_the_side() {
    let c = client_stream();
    let mut s = SshSession::new(SshConfig::default());
    let mut ev = Vec::new();
    s.data(Side::Client, T, &c[..45], &mut ev);
    s.gap(Side::Client, 10, &mut ev);
    assert!(!s.parsing(Side::Client));
    s.data(Side::Client, T, &c[55..], &mut ev);
    assert_eq!(ev.len(), 1);
    let st = s.stats();
    assert_eq!(st.skipped_bytes, (45 - 41) + 10 + (c.len() - 55) as u64);
    assert_eq!(s.buffered_bytes(Side::Client), 0);
    // A gap after NEWKEYS costs nothing.
    let mut s = SshSession::new(SshConfig::default());
    s.data(Side::Client, T, &c[..c.len() - 100], &mut ev);
    s.gap(Side::Client, 1000, &mut ev);
    assert_eq!(s.stats().encrypted_bytes, 1000);
}

#[test]
fn kexinit_truncations_are_errors() {
    let p = kexinit_payload(LISTS);
    for n in 0..p.len() - 4 {
        assert!(parse_kexinit(Side::Client, T, &p[..n]).is_err(), "{n}");
    }
    assert!(parse_kexinit(Side::Client, T, &p).is_ok());
    assert_eq!(
        parse_kexinit(Side::Client, T, &[21]),
        Err(SshError::NotKexInit)
    );
}

fn cfg_small() -> SshConfig {
    SshConfig {
        max_line: 40,
        max_preamble: 200,
        max_packet: 300,
    }
}

fn feed_pieces(cfg: &SshConfig, bytes: &[(bool, Vec<u8>)]) -> (Vec<SshEvent>, SshStats) {
    let mut s = SshSession::new(cfg.clone());
    let mut ev = Vec::new();
    for (client, b) in bytes {
        let side = if *client { Side::Client } else { Side::Server };
        s.data(side, T, b, &mut ev);
        assert!(s.buffered_bytes(side) <= cfg.max_packet.max(cfg.max_line));
    }
    s.end(Side::Client, T, &mut ev);
    s.end(Side::Server, T, &mut ev);
    (ev, s.stats().clone())
}

/// Bytes that look like SSH often enough to reach the packet parser.
fn sshish() -> impl Strategy<Value = Vec<u8>> {
    let part = prop_oneof![
        Just(b"SSH-2.0-a b\r\n".to_vec()),
        Just(b"hello\n".to_vec()),
        Just(packet(&kexinit_payload(LISTS), 4)),
        Just(packet(&[MSG_NEWKEYS], 4)),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    proptest::collection::vec(part, 0..6).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn never_panics_and_split_invariant(
        client in sshish(),
        server in sshish(),
        cuts in proptest::collection::vec(1usize..50, 1..20),
    ) {
        for cfg in [cfg_small(), SshConfig::default()] {
            let whole = feed_pieces(&cfg, &[(true, client.clone()), (false, server.clone())]);
            let mut pieces = Vec::new();
            for (is_client, b) in [(true, &client), (false, &server)] {
                let mut rest = &b[..];
                let mut i = 0;
                while !rest.is_empty() {
                    let n = cuts[i % cuts.len()].min(rest.len());
                    pieces.push((is_client, rest[..n].to_vec()));
                    rest = &rest[n..];
                    i += 1;
                }
            }
            let split = feed_pieces(&cfg, &pieces);
            prop_assert_eq!(&whole, &split);
            // Every byte is accounted for once the sides have ended.
            let st = &whole.1;
            prop_assert!(st.encrypted_bytes + st.skipped_bytes <= (client.len() + server.len()) as u64);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), gap in any::<u16>()) {
        let mut s = SshSession::new(cfg_small());
        let mut ev = Vec::new();
        let mut b = b"SSH-2.0-x\n".to_vec();
        b.extend_from_slice(&bytes);
        s.data(Side::Server, T, &b, &mut ev);
        s.gap(Side::Server, u64::from(gap), &mut ev);
        s.data(Side::Client, T, &bytes, &mut ev);
        s.end(Side::Client, T, &mut ev);
        let _ = parse_kexinit(Side::Client, T, &bytes);
        let _ = parse_version(Side::Client, T, &bytes);
    }
}

// ---------------------------------------------------------------------------
// Real captures against the tshark oracle. A missing capture, oracle or
// tshark fails the test.

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared");

/// The segments of TCP stream `stream`, in capture order, from
/// `tshark -z follow,tcp,raw` (node 1, the server, indented). The oracle's
/// client is the node that sent `ssh.direction` 0; every capture here has
/// the connecting side as node 0, which the test checks against ssh.tsv's
/// client address below.
fn follow(pcap: &str, stream: u32) -> (String, Vec<(Side, Vec<u8>)>) {
    let text = tshark(&[
        "-n",
        "-r",
        pcap,
        "-q",
        "-z",
        &format!("follow,tcp,raw,{stream}"),
    ]);
    let mut node0 = String::new();
    let mut segs = Vec::new();
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("Node 0: ") {
            node0 = n.to_string();
        }
        let (side, hex) = match line.strip_prefix('\t') {
            Some(h) => (Side::Server, h),
            None => (Side::Client, line),
        };
        if hex.is_empty() || hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        segs.push((side, unhex(hex)));
    }
    assert!(!segs.is_empty(), "no payload in stream {stream} of {pcap}");
    (node0, segs)
}

/// Per stream: (client HASSH, server HASSHServer) as tshark computes them.
fn tshark_hassh(pcap: &str) -> std::collections::BTreeMap<u32, (String, String)> {
    let text = tshark(&[
        "-n",
        "-r",
        pcap,
        "-Y",
        "ssh.kex.hassh || ssh.kex.hasshserver",
        "-T",
        "fields",
        "-e",
        "tcp.stream",
        "-e",
        "ssh.kex.hassh",
        "-e",
        "ssh.kex.hasshserver",
    ]);
    let mut m = std::collections::BTreeMap::<u32, (String, String)>::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let e = m.entry(f[0].parse().unwrap()).or_default();
        if let Some(h) = f.get(1).filter(|h| !h.is_empty()) {
            e.0 = h.to_string();
        }
        if let Some(h) = f.get(2).filter(|h| !h.is_empty()) {
            e.1 = h.to_string();
        }
    }
    m
}

/// Checks every ssh.tsv row of every capture; returns the rows checked.
#[test]
fn real_captures_match_tshark() {
    let oracle = format!("{SHARED}/pcaps/oracle");
    let mut checked = 0;
    let mut captures = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&oracle)
        .expect("oracle directory must exist")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let tsv = std::fs::read_to_string(dir.join("ssh.tsv")).expect("every capture has ssh.tsv");
        let rows: Vec<&str> = tsv.lines().skip(1).filter(|l| !l.is_empty()).collect();
        if rows.is_empty() {
            continue;
        }
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let pcap = ["pcap", "pcapng"]
            .iter()
            .map(|e| format!("{SHARED}/pcaps/{name}.{e}"))
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or_else(|| panic!("missing capture for {name}"));
        captures += 1;
        let hassh = tshark_hassh(&pcap);
        for row in rows {
            let f: Vec<&str> = row.split('\t').collect();
            let stream: u32 = f[0].parse().unwrap();
            let (node0, segs) = follow(&pcap, stream);
            assert_eq!(
                node0,
                format!("{}:{}", f[1], f[2]),
                "{name} stream {stream}: node 0 is the client"
            );
            let mut s = SshSession::new(SshConfig::default());
            let mut ev = Vec::new();
            for (side, b) in &segs {
                s.data(*side, T, b, &mut ev);
            }
            s.end(Side::Client, T, &mut ev);
            s.end(Side::Server, T, &mut ev);
            // Byte by byte, the same events and counters.
            let mut b = SshSession::new(SshConfig::default());
            let mut bev = Vec::new();
            for (side, seg) in &segs {
                for byte in seg.chunks(1) {
                    b.data(*side, T, byte, &mut bev);
                }
            }
            b.end(Side::Client, T, &mut bev);
            b.end(Side::Server, T, &mut bev);
            assert_eq!(
                (&bev, b.stats()),
                (&ev, s.stats()),
                "{name} stream {stream} byte by byte"
            );
            let version = |side| {
                ev.iter().find_map(|e| match e {
                    SshEvent::Version(v) if v.side == side => Some(v.text.clone()),
                    _ => None,
                })
            };
            let kex = |side| {
                ev.iter().find_map(|e| match e {
                    SshEvent::KexInit(k) if k.side == side => Some(k.hassh.clone()),
                    _ => None,
                })
            };
            assert_eq!(
                version(Side::Client).unwrap_or_default(),
                f[6],
                "{name} stream {stream}"
            );
            assert_eq!(
                version(Side::Server).unwrap_or_default(),
                f[8],
                "{name} stream {stream}"
            );
            let (th, ths) = hassh.get(&stream).cloned().unwrap_or_default();
            assert!(
                !th.is_empty() && !ths.is_empty(),
                "{name} stream {stream}: tshark has both HASSHes"
            );
            assert_eq!(
                kex(Side::Client).unwrap_or_default(),
                th,
                "{name} stream {stream} HASSH"
            );
            assert_eq!(
                kex(Side::Server).unwrap_or_default(),
                ths,
                "{name} stream {stream} HASSHServer"
            );
            assert_eq!(
                s.stats().bad_packet + s.stats().bad_version + s.stats().packet_too_large,
                0
            );
            checked += 1;
        }
    }
    assert_eq!(captures, 3, "gre-tunnel, icmp-ping-ssh, ssh-guess");
    assert_eq!(checked, 13, "every ssh.tsv row");
}
