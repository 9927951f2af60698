//! Tests of tunnel decapsulation: frames built layer by layer here (every
//! length field consistent), decoded outer then inner, with truncations and
//! mutations that must never panic. The end-to-end tests (tshark's view of
//! the same captures) are in `tests/tunnels.rs`.

use super::tunnel::{carried, InnerStart, MAX_DEPTH};
use super::*;

const SRC: [u8; 4] = [10, 0, 0, 1];
const DST: [u8; 4] = [10, 0, 0, 2];
const OUTER_SRC: [u8; 4] = [192, 0, 2, 1];
const OUTER_DST: [u8; 4] = [198, 51, 100, 7];

fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut b = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0];
    b[2..4].copy_from_slice(&total.to_be_bytes());
    b.extend_from_slice(&src);
    b.extend_from_slice(&dst);
    b.extend_from_slice(payload);
    b
}

fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0x60, 0, 0, 0];
    b.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    b.extend_from_slice(&[next, 64]);
    b.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    b.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    b.extend_from_slice(payload);
    b
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    b.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(payload);
    b
}

fn tcp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    b.extend_from_slice(payload);
    b
}

fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![2, 0, 0, 0, 0, 0xaa, 2, 0, 0, 0, 0, 0xbb];
    b.extend_from_slice(&ethertype.to_be_bytes());
    b.extend_from_slice(payload);
    b
}

/// The inner packet every test carries: 10.0.0.1:40000 -> 10.0.0.2:80, "hi".
fn inner_ipv4() -> Vec<u8> {
    ipv4(ip_proto::TCP, SRC, DST, &tcp(40000, 80, b"hi"))
}

fn outer_ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    ethernet(0x0800, &ipv4(proto, OUTER_SRC, OUTER_DST, payload))
}

fn gre(flags: u16, protocol: u16, fields: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut b = flags.to_be_bytes().to_vec();
    b.extend_from_slice(&protocol.to_be_bytes());
    for f in fields {
        b.extend_from_slice(&f.to_be_bytes());
    }
    b.extend_from_slice(payload);
    b
}

fn vxlan(vni: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![flags, 0, 0, 0];
    b.extend_from_slice(&(vni << 8).to_be_bytes());
    b.extend_from_slice(payload);
    b
}

fn geneve(vni: u32, protocol: u16, options: &[u8], payload: &[u8]) -> Vec<u8> {
    assert_eq!(options.len() % 4, 0);
    let mut b = vec![(options.len() / 4) as u8, 0];
    b.extend_from_slice(&protocol.to_be_bytes());
    b.extend_from_slice(&(vni << 8).to_be_bytes());
    b.extend_from_slice(options);
    b.extend_from_slice(payload);
    b
}

fn mpls_entry(label: u32, bottom: bool) -> [u8; 4] {
    ((label << 12) | (u32::from(bottom) << 8) | 64).to_be_bytes()
}

fn outer(frame: &[u8]) -> Decoded {
    let d = decode(LinkType::Ethernet, frame)
        .expect("outer decodes")
        .expect("outer is IP");
    check(frame, &d);
    d
}

fn inner(frame: &[u8], outer: &Decoded) -> Decoded {
    let d = decode_carried(frame, outer)
        .expect("a tunnel")
        .expect("inner decodes")
        .expect("inner is IP");
    check(frame, &d);
    d
}

/// What must hold for every layer: payload in bounds.
fn check(frame: &[u8], d: &Decoded) {
    let end = d.payload_offset as usize + d.payload_len as usize;
    assert!(
        end <= frame.len(),
        "payload ends at {end} past {}",
        frame.len()
    );
}

/// The inner packet is the one every test carries, and came through `encap`
/// inside the outer addresses.
fn assert_inner(frame: &[u8], d: &Decoded, encap: Encap) {
    assert_eq!(&d.src_ip[..4], &SRC);
    assert_eq!(&d.dst_ip[..4], &DST);
    assert_eq!((d.proto, d.src_port, d.dst_port), (6, 40000, 80));
    assert_eq!(d.encap, encap);
    let start = d.payload_offset as usize;
    assert_eq!(&frame[start..start + d.payload_len as usize], b"hi");
    let o = d.outer.expect("outer addresses");
    assert_eq!(
        (o.version, &o.src[..4], &o.dst[..4]),
        (IpVersion::V4, &OUTER_SRC[..], &OUTER_DST[..])
    );
}

fn gre_encap(kind: TunnelKind, id: u32) -> Encap {
    Encap { kind, id }
}

#[test]
fn test_gre_plain_keyed_and_sequenced() {
    // No optional fields; key only; checksum+key+sequence.
    for (flags, fields, key) in [
        (0x0000, vec![], 0),
        (0x2000, vec![0xdead_beef], 0xdead_beef),
        (0xB000, vec![0x1234_0000, 7, 42], 7),
    ] {
        let f = outer_ipv4(ip_proto::GRE, &gre(flags, 0x0800, &fields, &inner_ipv4()));
        let o = outer(&f);
        assert_eq!((o.proto, o.encap), (ip_proto::GRE, Encap::NONE));
        assert!(o.outer.is_none());
        let i = inner(&f, &o);
        assert_inner(&f, &i, gre_encap(TunnelKind::Gre, key));
        // The GRE header itself.
        let g = gre::Packet::new_checked(&f[34..]).unwrap();
        assert_eq!(g.key(), (key != 0).then_some(key));
        assert_eq!(g.sequence(), (flags == 0xB000).then_some(42));
    }
}

#[test]
fn test_gre_ethernet_ipv6_and_mpls_payloads() {
    let bridged = outer_ipv4(
        ip_proto::GRE,
        &gre(0x2000, 0x6558, &[9], &ethernet(0x0800, &inner_ipv4())),
    );
    let i = inner(&bridged, &outer(&bridged));
    assert_inner(&bridged, &i, gre_encap(TunnelKind::Gre, 9));

    let v6 = outer_ipv4(
        ip_proto::GRE,
        &gre(0, 0x86DD, &[], &ipv6(17, &udp(5000, 53, b"q"))),
    );
    let i = inner(&v6, &outer(&v6));
    assert_eq!((i.ip_version, i.proto, i.dst_port), (IpVersion::V6, 17, 53));

    // MPLS in GRE: the GRE tunnel names the inner flow.
    let mut stack = mpls_entry(16, false).to_vec();
    stack.extend_from_slice(&mpls_entry(2001, true));
    stack.extend_from_slice(&inner_ipv4());
    let f = outer_ipv4(ip_proto::GRE, &gre(0, 0x8847, &[], &stack));
    let i = inner(&f, &outer(&f));
    assert_inner(&f, &i, gre_encap(TunnelKind::Gre, 0));
}

#[test]
fn test_pptp_enhanced_gre() {
    // Version 1, key present (payload length 0x0016, call id 0x4242), sequence.
    let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
    ppp.extend_from_slice(&inner_ipv4());
    let f = outer_ipv4(ip_proto::GRE, &gre(0x3001, 0x880B, &[0x0016_4242, 5], &ppp));
    let i = inner(&f, &outer(&f));
    assert_inner(&f, &i, gre_encap(TunnelKind::Pptp, 0x4242));
    // An LCP frame in the tunnel carries no IP.
    let lcp = outer_ipv4(
        ip_proto::GRE,
        &gre(0x3001, 0x880B, &[0x0004_4242, 6], &[0xff, 0x03, 0xc0, 0x21]),
    );
    assert_eq!(decode_carried(&lcp, &outer(&lcp)), Some(Ok(None)));
}

#[test]
fn test_gre_not_opened() {
    // Routing present (deprecated), version 2, unknown protocol: the outer
    // GRE packet is all there is.
    for (flags, protocol) in [(0x4000, 0x0800), (0x0002, 0x0800), (0x0000, 0x1234)] {
        let f = outer_ipv4(ip_proto::GRE, &gre(flags, protocol, &[0], &inner_ipv4()));
        assert_eq!(decode_carried(&f, &outer(&f)), None, "flags {flags:#x}");
    }
    // The key announced, not there.
    let f = outer_ipv4(ip_proto::GRE, &[0x20, 0x00, 0x08, 0x00, 0x00]);
    assert_eq!(
        decode_carried(&f, &outer(&f)),
        Some(Err(DecodeError::GreTruncated))
    );
}

#[test]
fn test_ip_in_ip() {
    let f = outer_ipv4(ip_proto::IPV4_IN_IP, &inner_ipv4());
    let i = inner(&f, &outer(&f));
    assert_inner(&f, &i, gre_encap(TunnelKind::IpInIp, 0));

    let f = outer_ipv4(ip_proto::IPV6_IN_IP, &ipv6(6, &tcp(40000, 80, b"hi")));
    let i = inner(&f, &outer(&f));
    assert_eq!(
        (i.ip_version, i.encap.kind),
        (IpVersion::V6, TunnelKind::IpInIp)
    );

    // IPv4 in IPv6.
    let f = ethernet(0x86DD, &ipv6(ip_proto::IPV4_IN_IP, &inner_ipv4()));
    let o = outer(&f);
    let i = inner(&f, &o);
    assert_eq!(&i.src_ip[..4], &SRC);
    assert_eq!(i.outer.unwrap().version, IpVersion::V6);
}

#[test]
fn test_vxlan() {
    let payload = vxlan(0x00AB_CDEF, 0x08, &ethernet(0x0800, &inner_ipv4()));
    let f = outer_ipv4(ip_proto::UDP, &udp(51234, vxlan::UDP_PORT, &payload));
    let o = outer(&f);
    assert_eq!(o.dst_port, 4789);
    let i = inner(&f, &o);
    assert_inner(&f, &i, gre_encap(TunnelKind::Vxlan, 0x00AB_CDEF));

    // Without the I flag it is not VXLAN: plain UDP.
    let payload = vxlan(5, 0x00, &ethernet(0x0800, &inner_ipv4()));
    let f = outer_ipv4(ip_proto::UDP, &udp(51234, vxlan::UDP_PORT, &payload));
    assert_eq!(decode_carried(&f, &outer(&f)), None);

    // ARP inside VXLAN: a tunnel without IP inside.
    let payload = vxlan(5, 0x08, &ethernet(0x0806, &[0; 28]));
    let f = outer_ipv4(ip_proto::UDP, &udp(51234, vxlan::UDP_PORT, &payload));
    assert_eq!(decode_carried(&f, &outer(&f)), Some(Ok(None)));

    // Cut inside the VXLAN header.
    let f = outer_ipv4(ip_proto::UDP, &udp(51234, vxlan::UDP_PORT, &[0x08, 0, 0]));
    assert_eq!(
        decode_carried(&f, &outer(&f)),
        Some(Err(DecodeError::VxlanTruncated))
    );
}

#[test]
fn test_geneve_with_options() {
    let opts = [0x01, 0x02, 0x03, 0x01, 0xaa, 0xbb, 0xcc, 0xdd];
    let payload = geneve(77, 0x6558, &opts, &ethernet(0x0800, &inner_ipv4()));
    let f = outer_ipv4(ip_proto::UDP, &udp(40001, geneve::UDP_PORT, &payload));
    let i = inner(&f, &outer(&f));
    assert_inner(&f, &i, gre_encap(TunnelKind::Geneve, 77));

    // IPv4 straight in Geneve.
    let payload = geneve(78, 0x0800, &[], &inner_ipv4());
    let f = outer_ipv4(ip_proto::UDP, &udp(40001, geneve::UDP_PORT, &payload));
    assert_inner(
        &f,
        &inner(&f, &outer(&f)),
        gre_encap(TunnelKind::Geneve, 78),
    );

    // Options announced, not there.
    let mut short = geneve(78, 0x0800, &opts, &[]);
    short.truncate(12);
    let f = outer_ipv4(ip_proto::UDP, &udp(40001, geneve::UDP_PORT, &short));
    assert_eq!(
        decode_carried(&f, &outer(&f)),
        Some(Err(DecodeError::GeneveTruncated))
    );
}

#[test]
fn test_mpls_on_the_link() {
    let mut stack = mpls_entry(100, false).to_vec();
    stack.extend_from_slice(&mpls_entry(3000, true));
    stack.extend_from_slice(&inner_ipv4());
    let f = ethernet(0x8847, &stack);
    let (facts, d) = decode_frame(LinkType::Ethernet, &f);
    let d = d.unwrap().unwrap();
    assert_eq!(facts.ethertype, 0x8847);
    assert_eq!(d.encap, gre_encap(TunnelKind::Mpls, 3000));
    assert!(d.outer.is_none());
    assert_eq!(&f[d.payload_offset as usize..], b"hi");

    // Ethernet over MPLS: control word, then a frame with a VLAN tag.
    let mut pw = mpls_entry(55, true).to_vec();
    pw.extend_from_slice(&[0, 0, 0, 0]);
    let mut tagged = vec![0x00, 0x07, 0x08, 0x00];
    tagged.extend_from_slice(&inner_ipv4());
    pw.extend_from_slice(&ethernet(0x8100, &tagged));
    let f = ethernet(0x8847, &pw);
    let d = decode(LinkType::Ethernet, &f).unwrap().unwrap();
    assert_eq!((d.encap.id, d.src_port), (55, 40000));

    // A stack cut short; something not IP after the stack.
    assert_eq!(
        decode(LinkType::Ethernet, &ethernet(0x8847, &mpls_entry(1, false))),
        Err(DecodeError::MplsTruncated)
    );
    let mut other = mpls_entry(1, true).to_vec();
    other.push(0x11);
    assert_eq!(
        decode(LinkType::Ethernet, &ethernet(0x8847, &other)),
        Ok(None)
    );
}

#[test]
fn test_pppoe_session() {
    let mut ppp = vec![0x00, 0x21];
    ppp.extend_from_slice(&inner_ipv4());
    let mut session = vec![0x11, 0x00, 0x12, 0x34];
    session.extend_from_slice(&(ppp.len() as u16).to_be_bytes());
    session.extend_from_slice(&ppp);
    // Ethernet padding after the session is left out.
    session.extend_from_slice(&[0; 6]);
    let f = ethernet(0x8864, &session);
    let d = decode(LinkType::Ethernet, &f).unwrap().unwrap();
    assert_eq!(d.encap, gre_encap(TunnelKind::Pppoe, 0x1234));
    let start = d.payload_offset as usize;
    assert_eq!(&f[start..start + d.payload_len as usize], b"hi");
    // LCP in the session is not IP; a bad version is named.
    let lcp = ethernet(0x8864, &[0x11, 0, 0x12, 0x34, 0, 2, 0xc0, 0x21]);
    assert_eq!(decode(LinkType::Ethernet, &lcp), Ok(None));
    let bad = ethernet(0x8864, &[0x22, 0, 0x12, 0x34, 0, 2, 0x00, 0x21]);
    assert_eq!(
        decode(LinkType::Ethernet, &bad),
        Err(DecodeError::PppoeBadHeader)
    );
}

#[test]
fn test_nested_and_fragmented() {
    // VXLAN inside GRE: two layers, each its own flow.
    let vx = vxlan(9, 0x08, &ethernet(0x0800, &inner_ipv4()));
    let middle = ipv4(
        ip_proto::UDP,
        [172, 16, 0, 1],
        [172, 16, 0, 2],
        &udp(1000, 4789, &vx),
    );
    let f = outer_ipv4(ip_proto::GRE, &gre(0, 0x0800, &[], &middle));
    let o = outer(&f);
    let m = inner(&f, &o);
    assert_eq!(
        (m.proto, m.dst_port, m.encap.kind),
        (17, 4789, TunnelKind::Gre)
    );
    let i = inner(&f, &m);
    assert_eq!(i.encap, gre_encap(TunnelKind::Vxlan, 9));
    assert_eq!(&i.outer.unwrap().src[..4], &[172, 16, 0, 1]);
    assert_eq!(&i.src_ip[..4], &SRC);
    const { assert!(MAX_DEPTH >= 2) };

    // A fragmented outer packet is not opened: its payload is incomplete.
    let mut frag = outer_ipv4(ip_proto::IPV4_IN_IP, &inner_ipv4());
    frag[14 + 6] = 0x20; // more fragments
    let o = outer(&frag);
    assert_eq!(o.fragment, Fragment::First);
    assert!(carried(&frag, &o).is_none());
}

#[test]
fn test_inner_errors_are_named() {
    // IP in IP whose inner header is cut short.
    let f = outer_ipv4(ip_proto::IPV4_IN_IP, &inner_ipv4()[..12]);
    assert_eq!(
        decode_carried(&f, &outer(&f)),
        Some(Err(DecodeError::Ipv4Truncated))
    );
    let c = carried(&f, &outer(&f)).unwrap().unwrap();
    assert_eq!((c.start, c.offset), (InnerStart::Ipv4, 34));
}

/// Every truncation and single-byte mutation of every tunnel frame above:
/// no panic, every layer's payload in bounds, at most [`MAX_DEPTH`] layers.
#[test]
fn test_tunnel_mutations_never_panic() {
    let mut stack = mpls_entry(16, true).to_vec();
    stack.extend_from_slice(&inner_ipv4());
    let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
    ppp.extend_from_slice(&inner_ipv4());
    let frames = [
        outer_ipv4(
            ip_proto::GRE,
            &gre(0xB000, 0x0800, &[1, 2, 3], &inner_ipv4()),
        ),
        outer_ipv4(ip_proto::GRE, &gre(0x3001, 0x880B, &[0x0016_4242, 5], &ppp)),
        outer_ipv4(ip_proto::GRE, &gre(0, 0x8847, &[], &stack)),
        outer_ipv4(
            ip_proto::UDP,
            &udp(1, 4789, &vxlan(5, 8, &ethernet(0x0800, &inner_ipv4()))),
        ),
        outer_ipv4(
            ip_proto::UDP,
            &udp(
                1,
                6081,
                &geneve(5, 0x0800, &[1, 2, 3, 1, 0, 0, 0, 0], &inner_ipv4()),
            ),
        ),
        outer_ipv4(
            ip_proto::IPV4_IN_IP,
            &outer_ipv4(ip_proto::IPV4_IN_IP, &inner_ipv4())[14..],
        ),
        ethernet(0x8847, &stack),
        ethernet(
            0x8864,
            &[&[0x11, 0, 0, 1, 0, 0x2a, 0, 0x21][..], &inner_ipv4()].concat(),
        ),
    ];
    let walk = |f: &[u8]| {
        let Ok(Some(mut d)) = decode(LinkType::Ethernet, f) else {
            return;
        };
        check(f, &d);
        for _ in 0..MAX_DEPTH {
            match decode_carried(f, &d) {
                Some(Ok(Some(next))) => {
                    check(f, &next);
                    d = next;
                }
                _ => break,
            }
        }
    };
    for frame in &frames {
        for len in 0..=frame.len() {
            walk(&frame[..len]);
        }
        let mut buf = frame.clone();
        for i in 0..frame.len() {
            for value in [0x00, 0x01, 0x08, 0x11, 0x20, 0x45, 0x60, 0x7f, 0x80, 0xff] {
                buf[i] = value;
                walk(&buf);
            }
            buf[i] = frame[i];
        }
    }
}
