//! Tests of the reassembler: fragments built here from one IPv4/UDP and one
//! IPv6/TCP datagram, in every order, duplicated, overlapping, cut short,
//! too many, too old, over the memory cap.

use super::*;
use crate::decode::{decode, Fragment};
use crate::source::LinkType;

const TS: Timestamp = Timestamp {
    secs: 100,
    usecs: 0,
};

/// A UDP datagram 10.0.0.1:5000 -> 10.0.0.2:53 with `n` payload bytes.
fn udp_datagram(n: usize) -> Vec<u8> {
    let mut udp = vec![0x13, 0x88, 0x00, 0x35];
    udp.extend_from_slice(&((8 + n) as u16).to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend((0..n).map(|i| (i * 7 % 251) as u8));
    udp
}

/// IPv4 fragments (Ethernet frames) of `payload`, `size` bytes each
/// (a multiple of 8), identification `id`.
fn v4_fragments(payload: &[u8], size: usize, id: u16) -> Vec<Vec<u8>> {
    payload
        .chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = i * size;
            let more = offset + chunk.len() < payload.len();
            let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0];
            f.extend_from_slice(&((20 + chunk.len()) as u16).to_be_bytes());
            f.extend_from_slice(&id.to_be_bytes());
            let flags = (u16::from(more) << 13) | (offset / 8) as u16;
            f.extend_from_slice(&flags.to_be_bytes());
            f.extend_from_slice(&[64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
            f.extend_from_slice(chunk);
            f
        })
        .collect()
}

/// IPv6 fragments of a TCP segment 2001:db8::1:40000 -> 2001:db8::2:443.
fn v6_fragments(n: usize, size: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut tcp = vec![
        0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
    ];
    tcp.extend((0..n).map(|i| (i % 13) as u8));
    let frames = tcp
        .chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = i * size;
            let more = offset + chunk.len() < tcp.len();
            let mut f = vec![
                2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd, 0x60, 0, 0, 0,
            ];
            f.extend_from_slice(&((8 + chunk.len()) as u16).to_be_bytes());
            f.extend_from_slice(&[44, 64]);
            f.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
            f.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
            f.extend_from_slice(&[6, 0]);
            f.extend_from_slice(&(((offset as u16) & 0xFFF8) | u16::from(more)).to_be_bytes());
            f.extend_from_slice(&0xdead_beef_u32.to_be_bytes());
            f.extend_from_slice(chunk);
            f
        })
        .collect();
    (tcp, frames)
}

fn summary(frame: &[u8]) -> Decoded {
    let d = decode(LinkType::Ethernet, frame).unwrap().unwrap();
    assert_ne!(d.fragment, Fragment::None);
    d
}

fn push(r: &mut Reassembler, frame: &[u8], sec: u64) -> Verdict {
    let d = summary(frame);
    r.push(frame, &d, frame.len() as u32, TS, sec)
}

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn in_order_and_every_rotation_and_reversal() {
    let payload = udp_datagram(3000);
    let frames = v4_fragments(&payload, 1480, 7);
    assert_eq!(frames.len(), 3);
    let orders: Vec<Vec<usize>> = vec![vec![0, 1, 2], vec![2, 1, 0], vec![1, 2, 0], vec![1, 0, 2]];
    for order in orders {
        let mut r = Reassembler::new(limits());
        let mut done = None;
        for (n, &i) in order.iter().enumerate() {
            match push(&mut r, &frames[i], 100) {
                Verdict::Held => assert!(n < 2, "{order:?}"),
                Verdict::Complete(c) => done = Some(c),
                Verdict::Replay(v) => panic!("{order:?}: replay {}", v.len()),
            }
        }
        let c = done.expect("complete");
        assert_eq!(
            (c.decoded.src_port, c.decoded.dst_port, c.decoded.proto),
            (5000, 53, 17)
        );
        assert_eq!(c.decoded.fragment, Fragment::None);
        assert_eq!(c.frames, 3);
        assert_eq!(c.bytes, frames.iter().map(|f| f.len() as u64).sum::<u64>());
        assert_eq!(&r.datagram()[20..], &payload[..], "{order:?}");
        assert_eq!(c.decoded.payload_len, 3000);
        assert_eq!(r.pending(), 0);
    }
}

#[test]
fn identical_duplicates_count_as_frames() {
    let payload = udp_datagram(2000);
    let frames = v4_fragments(&payload, 1480, 9);
    let mut r = Reassembler::new(limits());
    assert!(matches!(push(&mut r, &frames[0], 100), Verdict::Held));
    assert!(matches!(push(&mut r, &frames[0], 100), Verdict::Held));
    let Verdict::Complete(c) = push(&mut r, &frames[1], 100) else {
        panic!("not complete")
    };
    assert_eq!(c.frames, 3);
    assert_eq!(r.stats().datagrams, 1);
    assert_eq!(r.stats().fragments, 3);
}

#[test]
fn differing_overlap_drops_the_datagram_and_hands_back_every_fragment() {
    let payload = udp_datagram(2000);
    let frames = v4_fragments(&payload, 1480, 9);
    let mut evil = frames[0].clone();
    let last = evil.len() - 1;
    evil[last] ^= 0xff;
    let mut r = Reassembler::new(limits());
    assert!(matches!(push(&mut r, &frames[0], 100), Verdict::Held));
    let Verdict::Replay(back) = push(&mut r, &evil, 100) else {
        panic!("overlap not refused")
    };
    assert_eq!(back.len(), 2);
    assert_eq!(
        back[0].decoded.dst_port, 53,
        "the first fragment keeps its ports"
    );
    assert_eq!(r.stats().dropped["overlap"], 1);
    // The last fragment starts a new datagram, which never completes.
    assert!(matches!(push(&mut r, &frames[1], 100), Verdict::Held));
    let back = r.drain();
    assert_eq!((back.len(), back[0].decoded.fragment), (1, Fragment::Later));
    assert_eq!(r.stats().dropped["incomplete"], 1);
}

#[test]
fn timeout_in_stream_time() {
    let frames = v4_fragments(&udp_datagram(2000), 1480, 3);
    let mut r = Reassembler::new(limits());
    assert!(matches!(push(&mut r, &frames[0], 100), Verdict::Held));
    assert!(r.expire(129).is_empty());
    let back = r.expire(130);
    assert_eq!(back.len(), 1);
    assert_eq!(r.stats().dropped["timeout"], 1);
    assert_eq!(r.pending(), 0);
}

#[test]
fn memory_cap_drops_the_oldest_first() {
    let mut r = Reassembler::new(Limits {
        max_bytes: 4000,
        ..limits()
    });
    let a = v4_fragments(&udp_datagram(3000), 1480, 1);
    let b = v4_fragments(&udp_datagram(3000), 1480, 2);
    assert!(matches!(push(&mut r, &a[0], 100), Verdict::Held));
    assert!(matches!(push(&mut r, &a[1], 100), Verdict::Held));
    // b's first fragment passes the cap: a gives way.
    let Verdict::Replay(back) = push(&mut r, &b[0], 101) else {
        panic!("cap not enforced")
    };
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|h| h.decoded.frag.id == 1));
    assert_eq!(r.stats().dropped["memory"], 1);
    assert!(matches!(push(&mut r, &b[1], 101), Verdict::Held));
    assert!(matches!(push(&mut r, &b[2], 101), Verdict::Complete(_)));
}

#[test]
fn too_many_fragments_too_big_truncated_and_inconsistent() {
    let mut r = Reassembler::new(Limits {
        max_fragments: 3,
        ..limits()
    });
    let frames = v4_fragments(&udp_datagram(3000), 1480, 4);
    for _ in 0..3 {
        assert!(matches!(push(&mut r, &frames[0], 100), Verdict::Held));
    }
    assert!(matches!(push(&mut r, &frames[0], 100), Verdict::Replay(v) if v.len() == 4));
    assert_eq!(r.stats().dropped["too_many_fragments"], 1);

    // A fragment whose data would end past 65,535 bytes.
    let mut r = Reassembler::new(limits());
    let mut far = frames[1].clone();
    far[20..22].copy_from_slice(&((1 << 13) | 8190u16).to_be_bytes());
    assert!(matches!(push(&mut r, &far, 100), Verdict::Replay(v) if v.len() == 1));
    assert_eq!(r.stats().dropped["too_big"], 1);

    // Cut short by a snap length.
    let short = &frames[0][..frames[0].len() - 100];
    assert!(matches!(push(&mut r, short, 100), Verdict::Replay(_)));
    assert_eq!(r.stats().dropped["truncated"], 1);

    // Two last fragments that end in different places.
    let last = &frames[2];
    assert!(matches!(push(&mut r, last, 100), Verdict::Held));
    let mut other_end = last[..last.len() - 8].to_vec();
    other_end[16..18].copy_from_slice(&((20 + last.len() - 34 - 8) as u16).to_be_bytes());
    assert!(matches!(push(&mut r, &other_end, 100), Verdict::Replay(v) if v.len() == 2));
    assert_eq!(r.stats().dropped["inconsistent"], 1);
}

#[test]
fn ipv6_datagram() {
    let (tcp, frames) = v6_fragments(5000, 1448);
    let mut r = Reassembler::new(limits());
    let mut got = None;
    for f in frames.iter().rev() {
        if let Verdict::Complete(c) = push(&mut r, f, 100) {
            got = Some(c);
        }
    }
    let c = got.expect("complete");
    assert_eq!((c.decoded.ip_version, c.decoded.proto), (IpVersion::V6, 6));
    assert_eq!((c.decoded.src_port, c.decoded.dst_port), (40000, 443));
    assert_eq!(c.decoded.payload_len, 5000);
    assert_eq!(&r.datagram()[40..], &tcp[..]);
    assert_eq!(c.frames as usize, frames.len());
}

#[test]
fn ranges_merge() {
    let mut v = Vec::new();
    insert_range(&mut v, 10, 20);
    insert_range(&mut v, 30, 40);
    insert_range(&mut v, 0, 5);
    assert_eq!(v, [(0, 5), (10, 20), (30, 40)]);
    insert_range(&mut v, 5, 10);
    assert_eq!(v, [(0, 20), (30, 40)]);
    insert_range(&mut v, 15, 35);
    assert_eq!(v, [(0, 40)]);
}
