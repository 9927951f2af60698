//! Tests of the DNS parser: hand-built messages per record type, names and
//! their bounds, cut messages, Trisul's texts with the samples' patterns,
//! TCP framing, detection, properties, and the real captures against the
//! tshark oracle.

use super::message::{class_name, type_name};
use super::tcp::TcpFramer;
use super::wire::{self, rtype, ErrorKind, Flags, Message, Part, RData as View, Section};
use super::*;
use crate::proto::oracle_support::{oracle, pcap_path, tshark, unhex};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Building messages by hand.

/// The wire form of a dotted name, uncompressed; "" and "." are the root.
fn enc_name(n: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for label in n.split('.').filter(|l| !l.is_empty()) {
        v.push(label.len() as u8);
        v.extend_from_slice(label.as_bytes());
    }
    v.push(0);
    v
}

struct B(Vec<u8>);

impl B {
    fn new(id: u16, flags: u16, counts: [u16; 4]) -> B {
        let mut v = Vec::new();
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&flags.to_be_bytes());
        for c in counts {
            v.extend_from_slice(&c.to_be_bytes());
        }
        B(v)
    }
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    fn u16(&mut self, x: u16) -> &mut Self {
        self.raw(&x.to_be_bytes())
    }
    fn question(&mut self, name: &str, qtype: u16, qclass: u16) -> &mut Self {
        self.raw(&enc_name(name)).u16(qtype).u16(qclass)
    }
    /// A record whose owner name is given in wire form.
    fn rr_raw(&mut self, owner: &[u8], t: u16, class: u16, ttl: u32, rdata: &[u8]) -> &mut Self {
        self.raw(owner)
            .u16(t)
            .u16(class)
            .raw(&ttl.to_be_bytes())
            .u16(rdata.len() as u16)
            .raw(rdata)
    }
    fn rr(&mut self, owner: &str, t: u16, ttl: u32, rdata: &[u8]) -> &mut Self {
        self.rr_raw(&enc_name(owner), t, 1, ttl, rdata)
    }
    fn done(&self) -> Vec<u8> {
        self.0.clone()
    }
}

/// A response with one question `q` (type `t`) and one answer of type `t`
/// whose owner is a pointer to the question name.
fn one_answer(q: &str, t: u16, rdata: &[u8]) -> Vec<u8> {
    B::new(7, 0x8180, [1, 1, 0, 0])
        .question(q, t, 1)
        .rr_raw(&[0xC0, 12], t, 1, 300, rdata)
        .done()
}

fn parse(b: &[u8]) -> DnsMessage {
    DnsMessage::parse(b).expect("header")
}

fn text_of(b: &[u8]) -> String {
    let m = parse(b);
    assert_eq!(m.malformed, None, "{m:?}");
    m.answers[0].data.text().into_owned()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

// ---------------------------------------------------------------------------
// Header and record types.

#[test]
fn header_flags_and_counts() {
    let b = B::new(0xBEEF, 0x85B3, [0, 0, 0, 0]).done();
    let m = Message::new_checked(&b).unwrap();
    assert_eq!(m.id(), 0xBEEF);
    let f = m.flags();
    assert!(f.qr() && f.aa() && f.rd() && f.ra() && f.ad() && f.cd());
    assert!(!f.tc() && !f.z());
    assert_eq!((f.opcode(), f.rcode()), (0, 3));
    let q = B::new(1, 0x2A00 | 0x0200 | 0x0040, [0, 0, 0, 0]).done();
    let f = Message::new_checked(&q).unwrap().flags();
    assert!(!f.qr() && f.tc() && f.z());
    assert_eq!(f.opcode(), 5);
    let d = parse(&b);
    assert!(d.is_response);
    assert_eq!((d.rcode, d.opcode, d.id), (3, 0, 0xBEEF));
    for n in 0..12 {
        let e = DnsMessage::parse(&b[..n]).unwrap_err();
        assert_eq!((e.part, e.kind), (Part::Header, ErrorKind::Truncated));
        assert_eq!(e.to_string(), "header: truncated");
    }
}

#[test]
fn a_and_aaaa() {
    let m = parse(&one_answer(
        "www.google.com",
        rtype::A,
        &[173, 194, 112, 19],
    ));
    assert_eq!(m.questions[0].name, "www.google.com");
    assert_eq!((m.questions[0].qtype, m.questions[0].qclass), (1, 1));
    let r = &m.answers[0];
    assert_eq!(
        (r.name.as_str(), r.rtype, r.class, r.ttl),
        ("www.google.com", 1, 1, 300)
    );
    assert_eq!(r.data, RData::A([173, 194, 112, 19].into()));
    assert_eq!(r.data.ip(), Some([173, 194, 112, 19].into()));
    let mut six = [0u8; 16];
    six[0] = 0x20;
    six[1] = 0x01;
    six[15] = 1;
    let m = parse(&one_answer("v6.example", rtype::AAAA, &six));
    assert_eq!(m.answers[0].data.text(), "2001::1");
    assert!(matches!(m.answers[0].data, RData::Aaaa(_)));
    // Wrong lengths: kept raw, reported, parsing goes on.
    let b = B::new(7, 0x8180, [0, 2, 0, 0])
        .rr("a.b", rtype::A, 5, &[1, 2, 3])
        .rr("a.b", rtype::A, 5, &[1, 2, 3, 4])
        .done();
    let m = parse(&b);
    assert_eq!(m.answers.len(), 2);
    assert_eq!(m.answers[0].data.text(), "\\# 3 010203");
    assert_eq!(m.answers[1].data.text(), "1.2.3.4");
    let e = m.malformed.unwrap();
    assert_eq!(e.part, Part::Record(Section::Answer, 0));
    assert_eq!(e.kind, ErrorKind::BadRdata);
    assert_eq!(e.to_string(), "answer record 0: bad rdata");
}

#[test]
fn names_in_rdata_cname_ns_ptr_dname() {
    for t in [rtype::CNAME, rtype::NS, rtype::PTR, rtype::DNAME] {
        // Target "cdn." + pointer to "example.com" in the question (offset 12+4).
        let b = one_answer("www.example.com", t, &[3, b'c', b'd', b'n', 0xC0, 16]);
        assert_eq!(text_of(&b), "cdn.example.com", "type {t}");
        let m = Message::new_checked(&b).unwrap();
        let r = m.records().next().unwrap().unwrap();
        assert!(matches!(r.data().unwrap(), View::Name(n) if n.to_text() == "cdn.example.com"));
    }
    // A name running past the rdata: past the message too, or into the
    // bytes after it.
    let b = one_answer("x.y", rtype::CNAME, &[2, b'c', b'd']);
    assert_eq!(parse(&b).malformed.unwrap().kind, ErrorKind::Truncated);
    let b = cat(&[&b, &[0]]);
    let e = parse(&b).malformed.unwrap();
    assert_eq!(
        (e.part, e.kind),
        (Part::Record(Section::Answer, 0), ErrorKind::BadRdata)
    );
}

#[test]
fn mx_txt_soa_srv() {
    let b = one_answer(
        "example.com",
        rtype::MX,
        &cat(&[&[0, 10], &enc_name("mx.example.com")]),
    );
    assert_eq!(text_of(&b), "10 mx.example.com");
    let b = one_answer(
        "example.com",
        rtype::TXT,
        b"\x05v=spf\x00\x04a\"b\\\x02\t\n",
    );
    assert_eq!(text_of(&b), r#""v=spf" "" "a\"b\\" "\009\010""#);
    let m = Message::new_checked(&b).unwrap();
    let r = m.records().next().unwrap().unwrap();
    let View::Txt(t) = r.data().unwrap() else {
        panic!()
    };
    assert_eq!(
        t.strings().collect::<Vec<_>>(),
        [&b"v=spf"[..], b"", b"a\"b\\", b"\t\n"]
    );
    // A string longer than the rest.
    let b = one_answer("example.com", rtype::TXT, b"\x05abc");
    assert_eq!(parse(&b).malformed.unwrap().kind, ErrorKind::BadRdata);
    let soa = cat(&[
        &enc_name("ns1.weberdns.de"),
        &[0xC0, 12],
        &2016051801u32.to_be_bytes(),
        &14400u32.to_be_bytes(),
        &1800u32.to_be_bytes(),
        &604800u32.to_be_bytes(),
        &180u32.to_be_bytes(),
    ]);
    let b = one_answer("weberdns.de", rtype::SOA, &soa);
    assert_eq!(
        text_of(&b),
        "ns1.weberdns.de weberdns.de 2016051801 14400 1800 604800 180"
    );
    // SOA with a field missing, and with a byte too many.
    let short = one_answer("weberdns.de", rtype::SOA, &soa[..soa.len() - 1]);
    assert_eq!(parse(&short).malformed.unwrap().kind, ErrorKind::BadRdata);
    let long = one_answer("weberdns.de", rtype::SOA, &cat(&[&soa, &[0]]));
    assert_eq!(parse(&long).malformed.unwrap().kind, ErrorKind::BadRdata);
    let srv = cat(&[&[0, 1, 0, 5, 0x13, 0xC4], &enc_name("sip.example.com")]);
    let b = one_answer("_sip._udp.example.com", rtype::SRV, &srv);
    assert_eq!(text_of(&b), "1 5 5060 sip.example.com");
}

#[test]
fn caa_svcb_https_naptr_unknown() {
    let b = one_answer("example.com", rtype::CAA, b"\x80\x05issueletsencrypt.org");
    assert_eq!(text_of(&b), "128 issue \"letsencrypt.org\"");
    let m = Message::new_checked(&b).unwrap();
    let r = m.records().next().unwrap().unwrap();
    assert!(matches!(
        r.data().unwrap(),
        View::Caa {
            flags: 0x80,
            tag: b"issue",
            value: b"letsencrypt.org"
        }
    ));
    // HTTPS: priority 1, target ".", alpn h2,h3, port 443, ipv4hint, ipv6hint, key 7.
    let mut params = Vec::new();
    params.extend_from_slice(&[0, 1, 0, 6, 2, b'h', b'2', 2, b'h', b'3']);
    params.extend_from_slice(&[0, 3, 0, 2, 1, 0xBB]);
    params.extend_from_slice(&[0, 4, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    params.extend_from_slice(&[0, 6, 0, 16]);
    params.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    params.extend_from_slice(&[0, 7, 0, 1, 0xAB]);
    let https = cat(&[&[0, 1, 0], &params]);
    let b = one_answer("example.com", rtype::HTTPS, &https);
    assert_eq!(
        text_of(&b),
        "1 . alpn=h2,h3 port=443 ipv4hint=1.2.3.4,5.6.7.8 ipv6hint=2001:db8::1 key7=ab"
    );
    let svcb = cat(&[&[0, 0], &enc_name("svc.example.net")]);
    let b = one_answer("_dns.example.com", rtype::SVCB, &svcb);
    assert_eq!(text_of(&b), "0 svc.example.net");
    let m = Message::new_checked(&b).unwrap();
    let r = m.records().next().unwrap().unwrap();
    assert!(
        matches!(r.data().unwrap(), View::Svcb { priority: 0, target, .. } if target.to_text() == "svc.example.net")
    );
    let naptr = cat(&[
        &[0, 100, 0, 10, 1, b'U', 7],
        b"E2U+sip",
        &[4],
        b"!^!!",
        &[0],
    ]);
    let b = one_answer("4.3.2.1.e164.arpa", rtype::NAPTR, &naptr);
    assert_eq!(text_of(&b), r#"100 10 "U" "E2U+sip" "!^!!" ."#);
    let b = one_answer("example.com", 4242, &[0xDE, 0xAD]);
    assert_eq!(text_of(&b), "\\# 2 dead");
    let b = one_answer("example.com", 4242, &[]);
    assert_eq!(text_of(&b), "\\# 0");
    assert_eq!(type_name(4242), "TYPE4242");
    assert_eq!(class_name(0x8001), "IN");
    assert_eq!(class_name(42), "CLASS42");
}

#[test]
fn opt_edns_and_client_subnet() {
    // OPT: UDP 4096, extended rcode 1 (BADVERS = 16 with rcode 0), version
    // 0, DO set; options: ECS 192.0.2.0/24 scope 0, cookie.
    let mut opts = vec![0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2];
    opts.extend_from_slice(&[0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    let b = B::new(9, 0x8180, [1, 0, 0, 1])
        .question("example.com", 1, 1)
        .rr_raw(&[0], rtype::OPT, 4096, 0x0100_8000, &opts)
        .done();
    let m = parse(&b);
    assert_eq!(m.malformed, None);
    assert_eq!(m.rcode, 16);
    let e = m.edns.clone().unwrap();
    assert_eq!((e.udp_size, e.version, e.dnssec_ok), (4096, 0, true));
    assert_eq!(e.client_subnet, Some(([192, 0, 2, 0].into(), 24, 0)));
    let r = &m.additional[0];
    assert_eq!((r.name.as_str(), r.rtype), (".", rtype::OPT));
    assert_eq!(
        r.data.text(),
        "udp=4096 ver=0 do=1 ecs=192.0.2.0/24/0 opt10=0102030405060708"
    );
    let w = Message::new_checked(&b).unwrap();
    let rec = w.records().next().unwrap().unwrap();
    let View::Opt(o) = rec.data().unwrap() else {
        panic!()
    };
    assert_eq!((o.ext_rcode, o.version, o.udp_size), (1, 0, 4096));
    let all: Vec<_> = o.options().collect();
    assert_eq!(all.len(), 2);
    let cs = all[0].client_subnet().unwrap();
    assert_eq!((cs.family, cs.source_prefix, cs.scope_prefix), (1, 24, 0));
    assert_eq!(cs.address, [192, 0, 2]);
    assert!(all[1].client_subnet().is_none());
    // IPv6 ECS, and a bad family.
    let v6 = wire::ClientSubnet {
        family: 2,
        source_prefix: 56,
        scope_prefix: 0,
        address: &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x12],
    };
    assert_eq!(v6.ip().unwrap().to_string(), "2001:db8:0:1200::");
    assert_eq!(wire::ClientSubnet { family: 9, ..v6 }.ip(), None);
    assert_eq!(wire::ClientSubnet { family: 1, ..v6 }.ip(), None);
}

// ---------------------------------------------------------------------------
// Names: compression, loops and bounds.

#[test]
fn compression_backward_and_forward() {
    // Backward: the answer's owner points to the question's name, the
    // question's second label to... itself is plain. Forward: the question
    // name is a pointer to a name stored after it, in the answer's rdata.
    let mut b = B::new(1, 0x8180, [1, 1, 0, 0]);
    b.raw(&[0xC0, 0]).u16(1).u16(1); // question at 12: pointer patched below
    let owner_at = b.0.len();
    b.rr_raw(&[0xC0, 12], rtype::CNAME, 1, 60, &enc_name("fwd.example"));
    let mut v = b.done();
    let target = (owner_at + 12) as u16; // rdata starts after name(2)+10
    v[12] = 0xC0 | (target >> 8) as u8;
    v[13] = target as u8;
    let m = parse(&v);
    assert_eq!(m.malformed, None, "{m:?}");
    assert_eq!(m.questions[0].name, "fwd.example");
    assert_eq!(m.answers[0].name, "fwd.example");
    assert_eq!(m.answers[0].data.text(), "fwd.example");
    // Labels, and offsets.
    let w = Message::new_checked(&v).unwrap();
    let q = w.questions().next().unwrap().unwrap();
    assert_eq!(
        q.name.labels().collect::<Vec<_>>(),
        [&b"fwd"[..], b"example"]
    );
    assert_eq!(q.name.offset(), 12);
    assert!(!q.name.is_root());
}

#[test]
fn pointer_loops_are_errors() {
    // Self loop.
    let b = B::new(1, 0, [1, 0, 0, 0])
        .raw(&[0xC0, 12, 0, 1, 0, 1])
        .done();
    let e = parse(&b).malformed.unwrap();
    assert_eq!((e.part, e.kind), (Part::Question(0), ErrorKind::NameLoop));
    assert_eq!(e.to_string(), "question 0: name loop");
    // Two pointers to each other, and a loop through a label.
    let b = B::new(1, 0, [1, 0, 0, 0]).raw(&[0xC0, 14, 0xC0, 12]).done();
    assert_eq!(parse(&b).malformed.unwrap().kind, ErrorKind::NameLoop);
    let b = B::new(1, 0, [1, 0, 0, 0]).raw(&[1, b'a', 0xC0, 12]).done();
    assert_eq!(parse(&b).malformed.unwrap().kind, ErrorKind::NameLoop);
    // A chain of distinct pointers longer than the bound; one within it.
    let chain = |n: usize| {
        let mut v = B::new(1, 0, [1, 0, 0, 0]).done();
        for i in 0..n {
            let next = (12 + 2 * (i + 1)) as u16;
            v.extend_from_slice(&(0xC000 | next).to_be_bytes());
        }
        v.extend_from_slice(&[1, b'z', 0, 0, 1, 0, 1]);
        v
    };
    let e = parse(&chain(wire::MAX_POINTERS + 1)).malformed.unwrap();
    assert_eq!(e.kind, ErrorKind::TooManyPointers);
    let ok = parse(&chain(wire::MAX_POINTERS));
    assert_eq!(ok.malformed, None);
    assert_eq!(ok.questions[0].name, "z");
    // A loop inside a record's name leaves the question parsed.
    let b = B::new(1, 0x8180, [1, 2, 0, 0])
        .question("ok.example", 1, 1)
        .rr("ok.example", 1, 1, &[1, 1, 1, 1])
        .rr_raw(&[0xC0, 0x40], 1, 1, 1, &[])
        .done();
    let mut v = b;
    let at = v.len() - 12;
    v[at + 1] = at as u8;
    let m = parse(&v);
    assert_eq!(m.questions.len(), 1);
    assert_eq!(m.answers.len(), 1);
    let e = m.malformed.unwrap();
    assert_eq!(
        (e.part, e.kind),
        (Part::Record(Section::Answer, 1), ErrorKind::NameLoop)
    );
}

#[test]
fn name_bounds_and_label_types() {
    // 255 bytes is the most: four 62-byte labels (4 * 63) + "a" (2) + root (1).
    let label = "x".repeat(62);
    let ok = format!("{label}.{label}.{label}.{label}.a"); // 4*63 + 2 + 1 = 255
    assert_eq!(enc_name(&ok).len(), 255);
    let b = B::new(1, 0, [1, 0, 0, 0]).question(&ok, 1, 1).done();
    assert_eq!(parse(&b).questions[0].name, ok);
    let long = format!("{ok}b");
    let b = B::new(1, 0, [1, 0, 0, 0]).question(&long, 1, 1).done();
    assert_eq!(parse(&b).malformed.unwrap().kind, ErrorKind::NameTooLong);
    // Too long through pointers: a 192-byte name is fine, but prefixing it
    // with two 60-byte labels through a pointer is not.
    let suffix = format!(
        "{}.{}.{}",
        "s".repeat(63),
        "t".repeat(63),
        "u".repeat(70 - 8)
    );
    let pre = "p".repeat(60);
    let b = B::new(1, 0, [2, 0, 0, 0])
        .question(&suffix, 1, 1)
        .raw(&[60])
        .raw(pre.as_bytes())
        .raw(&[60])
        .raw(pre.as_bytes())
        .raw(&[0xC0, 12])
        .u16(1)
        .u16(1)
        .done();
    let m = parse(&b);
    assert_eq!(m.questions.len(), 1);
    assert_eq!(m.malformed.unwrap().kind, ErrorKind::NameTooLong);
    // Reserved label types 01 and 10.
    for first in [0x40u8, 0x80] {
        let b = B::new(1, 0, [1, 0, 0, 0])
            .raw(&[first, 0, 0, 1, 0, 1])
            .done();
        assert_eq!(parse(&b).malformed.unwrap().kind, ErrorKind::BadLabelType);
    }
    // Escaping: dot, backslash, space, non-ASCII.
    let b = B::new(1, 0, [1, 0, 0, 0])
        .raw(&[4, b'a', b'.', b'\\', b' ', 1, 0xE9, 3, 0xC3, 0xA9, 0x07, 0])
        .u16(1)
        .u16(1)
        .done();
    assert_eq!(
        parse(&b).questions[0].name,
        "a\\.\\\\\\032.\\233.\u{e9}\\007"
    );
    // The root.
    let b = B::new(1, 0, [1, 0, 0, 0]).question(".", 2, 1).done();
    assert_eq!(parse(&b).questions[0].name, ".");
}

#[test]
fn every_cut_of_a_message_is_reported() {
    let mut opts = vec![0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2];
    opts.extend_from_slice(&[0, 12, 0, 0]);
    let b = B::new(0x1234, 0x8180, [1, 2, 1, 1])
        .question("www.example.com", 1, 1)
        .rr_raw(
            &[0xC0, 12],
            rtype::CNAME,
            1,
            60,
            &[3, b'c', b'd', b'n', 0xC0, 16],
        )
        .rr_raw(&[0xC0, 45], rtype::A, 1, 60, &[10, 0, 0, 1])
        .rr("example.com", rtype::NS, 60, &enc_name("ns.example.com"))
        .rr_raw(&[0], rtype::OPT, 1232, 0, &opts)
        .done();
    let full = parse(&b);
    assert_eq!(full.malformed, None, "{full:?}");
    assert_eq!(full.answers[1].name, "cdn.example.com");
    let n_full = full.answers.len() + full.authority.len() + full.additional.len();
    let mut last = 0;
    for cut in 12..b.len() {
        let m = parse(&b[..cut]);
        let e = m
            .malformed
            .unwrap_or_else(|| panic!("cut {cut} not reported"));
        assert_eq!(e.kind, ErrorKind::Truncated, "cut {cut}");
        let n = m.answers.len() + m.authority.len() + m.additional.len();
        assert!(n >= last && n < n_full, "cut {cut}");
        last = n;
        // What was parsed is a prefix of the full parse.
        assert_eq!(m.answers[..], full.answers[..m.answers.len()]);
        if m.questions.is_empty() {
            assert_eq!(e.part, Part::Question(0));
        }
    }
}

// ---------------------------------------------------------------------------
// Trisul's texts, with the samples' Lua patterns translated to regex-lite.

/// Lua's `%s` (C `isspace`).
const LUA_S: &str = r"[ \t\n\r\x0B\x0C]";

/// `pattern` with Lua classes replaced: `%s`, `%d`, `%x`, `%w`, `%S`, `%.`, `%-`.
fn lua(pattern: &str) -> regex_lite::Regex {
    let p = pattern
        .replace("%s", LUA_S)
        .replace("%S", r"[^ \t\n\r\x0B\x0C]")
        .replace("%d", "0-9")
        .replace("%x", "0-9a-fA-F")
        .replace("%w", "0-9A-Za-z")
        .replace("%.", r"\.")
        .replace("%-", r"\-");
    regex_lite::Regex::new(&p).unwrap()
}

/// Every first capture of `pattern` in `text` (Lua's `gmatch`).
fn gmatch(pattern: &str, text: &str) -> Vec<String> {
    lua(pattern)
        .captures_iter(text)
        .map(|c| c[1].to_owned())
        .collect()
}

fn google() -> DnsMessage {
    let mut six = [0u8; 16];
    six[..4].copy_from_slice(&[0x2a, 0x00, 0x14, 0x50]);
    six[15] = 0x12;
    let b = B::new(33157, 0x8180, [1, 4, 1, 1])
        .question("www.google.com", 1, 1)
        .rr_raw(
            &[0xC0, 12],
            rtype::CNAME,
            1,
            60,
            &enc_name("www.l.google.com"),
        )
        .rr("www.l.google.com", rtype::A, 112, &[173, 194, 112, 19])
        .rr("www.l.google.com", rtype::A, 112, &[173, 194, 112, 18])
        .rr("www.l.google.com", rtype::AAAA, 300, &six)
        .rr("google.com", rtype::NS, 9, &enc_name("ns1.google.com"))
        .rr("ns1.google.com", rtype::A, 9, &[216, 239, 32, 10])
        .done();
    parse(&b)
}

#[test]
fn label_layout_and_sample_patterns() {
    let m = google();
    let l = text::label(&m);
    assert_eq!(
        l,
        "www.google.com 60 IN CNAME www.l.google.com\n\
         www.l.google.com 112 IN A 173.194.112.19\n\
         www.l.google.com 112 IN A 173.194.112.18\n\
         www.l.google.com 300 IN AAAA 2a00:1450::12\n"
    );
    // The samples' patterns find exactly the answers (not the glue A).
    assert_eq!(
        gmatch("%sA%s+([%d%.]+)", &l),
        ["173.194.112.19", "173.194.112.18"]
    );
    assert_eq!(gmatch("%sAAAA%s+([%x:]+)", &l), ["2a00:1450::12"]);
    assert_eq!(gmatch("CNAME%s+(%S+)", &l), ["www.l.google.com"]);
    // No answer, no line.
    let q = parse(&B::new(1, 0x0100, [1, 0, 0, 0]).question("a.b", 1, 1).done());
    assert_eq!(text::label(&q), "");
}

#[test]
fn fts_layout_and_sample_patterns() {
    let m = google();
    let d = text::fts_dump(&m);
    assert_eq!(
        d,
        "RESPONSE\tID: 33157\tFlags:0x8180\tQDCount:1\tANCount:4\tNSCount:1\tARCount:1\tOpcode:0\tRcode:0\n\
         Questions\n\
         .www.google.com\t\tA\tIN\n\
         Answers\n\
         .www.google.com\t60\tCNAME\tIN\twww.l.google.com\n\
         .www.l.google.com\t112\tA\tIN\t173.194.112.19\n\
         .www.l.google.com\t112\tA\tIN\t173.194.112.18\n\
         .www.l.google.com\t300\tAAAA\tIN\t2a00:1450::12\n\
         Authority\n\
         .google.com\t9\tNS\tIN\tns1.google.com\n\
         Additional\n\
         .ns1.google.com\t9\tA\tIN\t216.239.32.10\n"
    );
    assert_eq!(
        gmatch("Questions%s*%.([%.%w%-]*)%s*A%s*IN", &d),
        ["www.google.com"]
    );
    // The A pattern: every A record (glue included), plus the documented
    // quirk: the tail of "AAAA\tIN\t2a00:..." gives "2a00"'s digits "2".
    assert_eq!(
        gmatch("A%s*IN%s*([%d%.]+)", &d),
        ["173.194.112.19", "173.194.112.18", "2", "216.239.32.10"]
    );
    // A query, the example of the reference.
    let q = parse(
        &B::new(39219, 0x0100, [1, 0, 0, 0])
            .question("toolbar.google.com", 1, 1)
            .done(),
    );
    let d = text::fts_dump(&q);
    assert!(
        d.starts_with("QUERY\tID: 39219\tFlags:0x0100\tQDCount:1\t"),
        "{d}"
    );
    assert!(
        d.ends_with("Questions\n.toolbar.google.com\t\tA\tIN\n"),
        "{d}"
    );
    assert_eq!(
        gmatch("Questions%s*%.([%.%w%-]*)%s*A%s*IN", &d),
        ["toolbar.google.com"]
    );
    assert!(gmatch("A%s*IN%s*([%d%.]+)", &d).is_empty());
    // OPT, root names and a malformed tail.
    let mut b = B::new(5, 0x8183, [1, 0, 0, 1])
        .question(".", 2, 1)
        .rr_raw(&[0], rtype::OPT, 512, 0, &[])
        .done();
    b.extend_from_slice(&[0xC0]);
    let mut m = parse(&b);
    assert_eq!(m.malformed, None);
    m.malformed = parse(&b[..b.len() - 3]).malformed;
    assert_eq!(
        text::fts_dump(&m),
        "RESPONSE\tID: 5\tFlags:0x8183\tQDCount:1\tANCount:0\tNSCount:0\tARCount:1\tOpcode:0\tRcode:3\n\
         Questions\n.\t\tNS\tIN\nAdditional\n.\t0\tOPT\t-\tudp=512 ver=0 do=0\n\
         Malformed\tadditional record 0: truncated\n"
    );
}

// ---------------------------------------------------------------------------
// TCP framing.

fn frames(msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut v = Vec::new();
    for m in msgs {
        v.extend_from_slice(&(m.len() as u16).to_be_bytes());
        v.extend_from_slice(m);
    }
    v
}

fn feed(stream: &[u8], cuts: &[usize]) -> (Vec<Vec<u8>>, TcpFramer) {
    let mut f = TcpFramer::new();
    let mut out = Vec::new();
    let mut at = 0;
    for &c in cuts {
        let end = (at + c).min(stream.len());
        f.data(&stream[at..end], |m| out.push(m.to_vec()));
        at = end;
    }
    f.data(&stream[at..], |m| out.push(m.to_vec()));
    (out, f)
}

#[test]
fn tcp_framing_any_split() {
    let msgs = vec![
        one_answer("a.example", 1, &[1, 2, 3, 4]),
        vec![],
        one_answer("b.example", 1, &[5, 6, 7, 8]),
        vec![0xAB; 65535],
    ];
    let stream = frames(&msgs);
    let want: Vec<Vec<u8>> = msgs.iter().filter(|m| !m.is_empty()).cloned().collect();
    for cuts in [
        vec![],
        vec![1],
        vec![1, 1, 1],
        vec![2, 1],
        vec![3, 40, 2, 2, 9],
    ] {
        let (got, f) = feed(&stream, &cuts);
        assert_eq!(got, want, "{cuts:?}");
        assert_eq!((f.messages(), f.empty_frames(), f.pending()), (3, 1, 0));
    }
    // Byte by byte.
    let (got, _) = feed(&stream, &vec![1; stream.len()]);
    assert_eq!(got, want);
    // Cut short: the rest is pending; a gap loses the place until reset.
    let (got, mut f) = feed(&stream[..stream.len() - 5], &[7]);
    assert_eq!(got.len(), 2);
    assert!(f.pending() > 0);
    f.gap(10);
    assert!(f.is_lost());
    let mut n = 0;
    f.data(&stream, |_| n += 1);
    assert_eq!(n, 0);
    f.reset();
    f.data(&stream, |_| n += 1);
    assert_eq!(n, 3);
}

// ---------------------------------------------------------------------------
// Detection.

#[test]
fn detection() {
    let q = B::new(1, 0x0100, [1, 0, 0, 0])
        .question("a.example", 1, 1)
        .done();
    assert!(looks_like_dns(&q, 53));
    assert!(looks_like_dns(&q, 40000));
    let r = one_answer("a.example", 1, &[1, 2, 3, 4]);
    assert!(looks_like_dns(&r, 12345));
    // mDNS announcement: no question, answers only, on 5353.
    let ann = B::new(0, 0x8400, [0, 1, 0, 0])
        .rr_raw(&enc_name("host.local"), 1, 0x8001, 120, &[10, 0, 0, 2])
        .done();
    assert!(looks_like_dns(&ann, 5353));
    assert!(!looks_like_dns(&ann, 40000));
    // mDNS question asking for a unicast answer (top class bit).
    let uq = B::new(0, 0, [1, 0, 0, 0])
        .question("_http._tcp.local", 12, 0x8001)
        .done();
    assert!(looks_like_dns(&uq, 5353));
    assert!(!looks_like_dns(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 53));
    assert!(!looks_like_dns(&q[..11], 53));
    // Counts beyond the payload, a bad opcode, a bad class.
    let mut big = q.clone();
    big[7] = 200;
    assert!(!looks_like_dns(&big, 53));
    let mut op = q.clone();
    op[2] |= 0x78;
    assert!(!looks_like_dns(&op, 53));
    let bad_class = B::new(1, 0x0100, [1, 0, 0, 0])
        .question("a.example", 1, 77)
        .done();
    assert!(!looks_like_dns(&bad_class, 53));
    assert!(is_mdns(5353) && !is_mdns(53));
    assert!(is_llmnr(5355) && !is_llmnr(5353));
}

// ---------------------------------------------------------------------------
// Properties.

/// Everything public run over `bytes`: must not panic.
fn exercise(bytes: &[u8]) {
    let _ = looks_like_dns(bytes, 53);
    let _ = looks_like_dns(bytes, 5353);
    if let Ok(m) = DnsMessage::parse(bytes) {
        let _ = text::label(&m);
        let _ = text::fts_dump(&m);
    }
    if let Ok(w) = Message::new_checked(bytes) {
        for q in w.questions().flatten() {
            let _ = q.name.to_text();
        }
        for r in w.records().flatten() {
            let _ = r.data();
        }
    }
    let mut f = TcpFramer::new();
    let mut n = 0usize;
    f.data(bytes, |m| {
        n += DnsMessage::parse(m).map_or(0, |d| d.answers.len())
    });
    let _ = n;
}

#[derive(Debug, Clone)]
enum GenData {
    A([u8; 4]),
    Aaaa([u8; 16]),
    Cname(String),
    Mx(u16, String),
    Txt(Vec<String>),
    Srv(u16, u16, u16, String),
    Other(u16, Vec<u8>),
}

fn gen_name() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-z0-9][a-z0-9-]{0,11}", 1..5).prop_map(|l| l.join("."))
}

fn gen_data() -> impl Strategy<Value = GenData> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(GenData::A),
        any::<[u8; 16]>().prop_map(GenData::Aaaa),
        gen_name().prop_map(GenData::Cname),
        (any::<u16>(), gen_name()).prop_map(|(p, n)| GenData::Mx(p, n)),
        proptest::collection::vec("[ -~&&[^\"\\\\]]{0,20}", 1..4).prop_map(GenData::Txt),
        (any::<u16>(), any::<u16>(), any::<u16>(), gen_name())
            .prop_map(|(a, b, c, n)| GenData::Srv(a, b, c, n)),
        (1000u16..2000, proptest::collection::vec(any::<u8>(), 0..30))
            .prop_map(|(t, b)| GenData::Other(t, b)),
    ]
}

fn encode_data(d: &GenData) -> (u16, Vec<u8>, RData) {
    match d {
        GenData::A(a) => (rtype::A, a.to_vec(), RData::A((*a).into())),
        GenData::Aaaa(a) => (rtype::AAAA, a.to_vec(), RData::Aaaa((*a).into())),
        GenData::Cname(n) => (rtype::CNAME, enc_name(n), RData::Text(n.clone())),
        GenData::Mx(p, n) => (
            rtype::MX,
            cat(&[&p.to_be_bytes(), &enc_name(n)]),
            RData::Text(format!("{p} {n}")),
        ),
        GenData::Txt(parts) => {
            let mut b = Vec::new();
            for p in parts {
                b.push(p.len() as u8);
                b.extend_from_slice(p.as_bytes());
            }
            let t: Vec<String> = parts.iter().map(|p| format!("\"{p}\"")).collect();
            (rtype::TXT, b, RData::Text(t.join(" ")))
        }
        GenData::Srv(a, b, c, n) => (
            rtype::SRV,
            cat(&[
                &a.to_be_bytes(),
                &b.to_be_bytes(),
                &c.to_be_bytes(),
                &enc_name(n),
            ]),
            RData::Text(format!("{a} {b} {c} {n}")),
        ),
        GenData::Other(t, b) => {
            let mut s = format!("\\# {}", b.len());
            if !b.is_empty() {
                s.push(' ');
                for x in b {
                    s.push_str(&format!("{x:02x}"));
                }
            }
            (*t, b.clone(), RData::Text(s))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        exercise(&bytes);
    }

    #[test]
    fn never_panics_on_mutated_messages(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut b = google_bytes();
        for (at, x) in flips {
            let n = b.len();
            b[at % n] = x;
        }
        let cut = cut % (b.len() + 1);
        exercise(&b[..cut]);
        exercise(&b);
    }

    /// A message built from random names and records parses back to the
    /// same values; owner names equal to the question's are compressed
    /// when `compress` is set.
    #[test]
    fn round_trip(
        id in any::<u16>(),
        flags in any::<u16>(),
        qname in gen_name(),
        qtype in any::<u16>(),
        records in proptest::collection::vec(
            (gen_name(), any::<bool>(), any::<u32>(), gen_data()), 0..12),
        sections in any::<[u8; 2]>(),
    ) {
        let n = records.len();
        let an = usize::from(sections[0]) % (n + 1);
        let ns = usize::from(sections[1]) % (n - an + 1);
        let counts = [1, an as u16, ns as u16, (n - an - ns) as u16];
        let mut b = B::new(id, flags, counts);
        b.question(&qname, qtype, 1);
        let mut want = Vec::new();
        for (owner, compress, ttl, data) in &records {
            let (t, rdata, rd) = encode_data(data);
            if *compress {
                b.rr_raw(&[0xC0, 12], t, 1, *ttl, &rdata);
                want.push(Record { name: qname.clone(), rtype: t, class: 1, ttl: *ttl, data: rd });
            } else {
                b.rr_raw(&enc_name(owner), t, 1, *ttl, &rdata);
                want.push(Record { name: owner.clone(), rtype: t, class: 1, ttl: *ttl, data: rd });
            }
        }
        let bytes = b.done();
        let m = parse(&bytes);
        prop_assert_eq!(m.malformed, None);
        prop_assert_eq!(m.id, id);
        prop_assert_eq!(m.flags.0, flags);
        prop_assert_eq!(m.rcode, u16::from(Flags(flags).rcode()));
        prop_assert_eq!(&m.questions, &vec![Question { name: qname.clone(), qtype, qclass: 1 }]);
        prop_assert_eq!(&m.answers[..], &want[..an]);
        prop_assert_eq!(&m.authority[..], &want[an..an + ns]);
        prop_assert_eq!(&m.additional[..], &want[an + ns..]);
        // And over TCP, split anywhere.
        let stream = frames(&[bytes.clone(), bytes.clone()]);
        let (got, _) = feed(&stream, &[bytes.len() / 3 + 1, 3]);
        prop_assert_eq!(got, vec![bytes.clone(), bytes]);
    }
}

fn google_bytes() -> Vec<u8> {
    let mut six = [0u8; 16];
    six[0] = 0x2a;
    B::new(33157, 0x8180, [1, 3, 1, 1])
        .question("www.google.com", 1, 1)
        .rr_raw(
            &[0xC0, 12],
            rtype::CNAME,
            1,
            60,
            &[3, b'w', b'w', b'x', 0xC0, 16],
        )
        .rr_raw(&[0xC0, 44], rtype::A, 1, 112, &[173, 194, 112, 19])
        .rr_raw(&[0xC0, 12], rtype::AAAA, 1, 300, &six)
        .rr_raw(
            &[0xC0, 16],
            rtype::SOA,
            1,
            9,
            &cat(&[&[0xC0, 16, 0xC0, 12], &[0; 20]]),
        )
        .rr_raw(
            &[0],
            rtype::OPT,
            4096,
            0,
            &[0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2],
        )
        .done()
}

#[test]
fn google_bytes_is_valid() {
    let m = parse(&google_bytes());
    assert_eq!(m.malformed, None, "{m:?}");
    assert_eq!(m.answers[1].name, "wwx.google.com");
}

// ---------------------------------------------------------------------------
// Real captures against the tshark oracle (`shared/pcaps/oracle/*/dns.tsv`,
// `dns_rr.tsv`). A missing capture, oracle or tshark fails the test.

/// Every DNS message of a capture as (frame, bytes), in capture order: UDP
/// payloads tshark dissects as DNS/mDNS/LLMNR (the innermost UDP layer:
/// tunnels, ICMP errors), and the messages of every TCP connection on port
/// 53, framed by [`TcpFramer`] from the segments in sequence order and
/// given the frame that completed them.
fn capture_messages(capture: &str) -> Vec<(u32, Vec<u8>)> {
    let path = pcap_path(capture);
    let mut out = Vec::new();
    let udp = tshark(&[
        "-n",
        "-r",
        &path,
        "-Y",
        "(dns || mdns || llmnr) && udp",
        "-T",
        "fields",
        "-E",
        "occurrence=l",
        "-e",
        "frame.number",
        "-e",
        "udp.payload",
    ]);
    for line in udp.lines() {
        let (frame, hex) = line.split_once('\t').unwrap();
        out.push((frame.parse().unwrap(), unhex(hex)));
    }
    let tcp = tshark(&[
        "-n",
        "-r",
        &path,
        "-Y",
        "tcp.port == 53 && tcp.len > 0",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "tcp.stream",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.seq",
        "-e",
        "tcp.payload",
    ]);
    use std::collections::HashMap;
    let mut sides: HashMap<(String, String), (TcpFramer, u64)> = HashMap::new();
    for line in tcp.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let frame: u32 = f[0].parse().unwrap();
        let seq: u64 = f[3].parse().unwrap();
        let payload = unhex(f[4]);
        let (framer, next) = sides
            .entry((f[1].to_owned(), f[2].to_owned()))
            .or_insert_with(|| (TcpFramer::new(), seq));
        // Retransmitted bytes are skipped; no capture here loses segments.
        let skip = usize::try_from(next.saturating_sub(seq)).unwrap();
        assert!(
            seq <= *next,
            "{capture}: segment missing before frame {frame}"
        );
        if let Some(new) = payload.get(skip..) {
            framer.data(new, |m| out.push((frame, m.to_vec())));
            *next = seq + payload.len() as u64;
        }
    }
    out.sort_by_key(|(frame, _)| *frame);
    out
}

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

/// tshark's name: the root is `<Root>`.
fn ts_name(n: &str) -> &str {
    if n == "." {
        "<Root>"
    } else {
        n
    }
}

/// Compares every `dns.tsv` and `dns_rr.tsv` row of `capture` with the
/// parse of the same message; returns (messages, records) compared.
fn check_capture(capture: &str) -> (usize, usize) {
    let msgs = capture_messages(capture);
    let rows = oracle(capture, "dns.tsv");
    let rr_rows = oracle(capture, "dns_rr.tsv");
    assert_eq!(
        msgs.iter().map(|m| m.0).collect::<Vec<_>>(),
        rows.iter()
            .map(|r| r["frame"].parse::<u32>().unwrap())
            .collect::<Vec<_>>(),
        "{capture}: frames with DNS"
    );
    let mut rr_seen = 0;
    let mut prev = (0, 0);
    for ((frame, bytes), row) in msgs.iter().zip(&rows) {
        let index = if prev.0 == *frame { prev.1 + 1 } else { 0 };
        prev = (*frame, index);
        let at = format!("{capture} frame {frame} message {index}");
        let m = DnsMessage::parse(bytes).unwrap_or_else(|e| panic!("{at}: {e}"));
        let f = m.flags;
        assert_eq!(m.id.to_string(), row["id"], "{at}");
        assert_eq!(flag(m.is_response), row["qr"], "{at}");
        assert_eq!(m.opcode.to_string(), row["opcode"], "{at}");
        for (name, v) in [
            ("tc", f.tc()),
            ("rd", f.rd()),
            ("aa", f.aa()),
            ("ra", f.ra()),
        ] {
            if !row[name].is_empty() {
                assert_eq!(flag(v), row[name], "{at}: {name}");
            }
        }
        if !row["rcode"].is_empty() {
            assert_eq!(m.rcode.to_string(), row["rcode"], "{at}: rcode");
        }
        for (i, c) in ["qdcount", "ancount", "nscount", "arcount"]
            .iter()
            .enumerate()
        {
            assert_eq!(m.counts[i].to_string(), row[*c], "{at}: {c}");
        }
        // The port helpers agree with tshark's choice of dissector.
        if let (Ok(sp), Ok(dp)) = (row["sport"].parse::<u16>(), row["dport"].parse::<u16>()) {
            let proto = match () {
                _ if is_mdns(sp) || is_mdns(dp) => "mdns",
                _ if is_llmnr(sp) || is_llmnr(dp) => "llmnr",
                _ => "dns",
            };
            assert_eq!(proto, row["proto"], "{at}");
        }
        let qname: Vec<&str> = m.questions.iter().map(|q| ts_name(&q.name)).collect();
        let qtype: Vec<String> = m.questions.iter().map(|q| q.qtype.to_string()).collect();
        assert_eq!(qname.join("|"), row["qname"], "{at}: qname");
        assert_eq!(qtype.join("|"), row["qtype"], "{at}: qtype");
        // The records.
        let want: Vec<_> = rr_rows
            .iter()
            .filter(|r| r["frame"] == frame.to_string() && r["msg_index"] == index.to_string())
            .collect();
        let got: Vec<_> = m.records().collect();
        assert_eq!(got.len(), want.len(), "{at}: records ({:?})", m.malformed);
        for ((section, r), w) in got.iter().zip(&want) {
            let at = format!("{at} {} {}", w["section"], w["rr_name"]);
            assert_eq!(section.name(), w["section"], "{at}");
            assert_eq!(ts_name(&r.name), w["rr_name"], "{at}");
            assert_eq!(r.rtype.to_string(), w["rr_type"], "{at}");
            assert_eq!(type_name(r.rtype), w["rr_type_name"], "{at}");
            if r.rtype != rtype::OPT {
                assert_eq!(r.ttl.to_string(), w["ttl"], "{at}");
            }
            let rdata = &w["rdata"];
            match r.rtype {
                rtype::A
                | rtype::AAAA
                | rtype::CNAME
                | rtype::PTR
                | rtype::NS
                | rtype::MX
                | rtype::SOA
                | rtype::SRV => assert_eq!(r.data.text(), *rdata, "{at}"),
                rtype::TXT => {
                    panic!("{at}: TXT rdata comparison not written (no TXT in the captures)")
                }
                _ => assert!(rdata.is_empty(), "{at}: {rdata}"),
            }
            rr_seen += 1;
        }
        // Both renderers run on every real message.
        let d = text::fts_dump(&m);
        assert!(d.starts_with(if m.is_response {
            "RESPONSE\t"
        } else {
            "QUERY\t"
        }));
        let l = text::label(&m);
        assert_eq!(l.lines().count(), m.answers.len());
        let a: Vec<String> = m
            .answers
            .iter()
            .filter(|r| r.rtype == rtype::A)
            .map(|r| r.data.text().into_owned())
            .collect();
        assert_eq!(gmatch("%sA%s+([%d%.]+)", &l), a, "{at}");
        assert!(
            looks_like_dns(bytes, 53) || m.malformed.is_some() || m.questions.is_empty(),
            "{at}"
        );
    }
    assert_eq!(rr_seen, rr_rows.len(), "{capture}: rr rows");
    (msgs.len(), rr_seen)
}

#[test]
fn oracle_dns_mixed() {
    assert_eq!(check_capture("dns-mixed"), (464, 1091));
}

#[test]
fn oracle_dns_edns_v4v6() {
    assert_eq!(check_capture("dns-edns-v4v6"), (85, 605));
}

#[test]
fn oracle_dns_ddns_query() {
    assert_eq!(check_capture("dns-ddns-query"), (1, 0));
    let m = DnsMessage::parse(&capture_messages("dns-ddns-query")[0].1).unwrap();
    assert_eq!(m.questions[0].name, "donghakacademy.ddns.net");
}

#[test]
fn oracle_other_captures() {
    for (capture, msgs, rrs) in [
        ("web-browse-2013", 138, 191),
        ("alexa-app-mixed", 62, 77),
        ("home-lan-mixed", 109, 18),
        ("sll-cooked-mixed", 22, 26),
        ("gre-tunnel", 4, 0),
        ("icmp6-types", 1, 6),
    ] {
        assert_eq!(check_capture(capture), (msgs, rrs), "{capture}");
    }
}

/// The EDNS values of every message with an OPT record, against tshark's
/// fields (UDP size, extended rcode, version, DO, client subnet).
#[test]
fn oracle_edns_fields() {
    for (capture, opts, subnets) in [("dns-edns-v4v6", 85, 10), ("dns-mixed", 23, 0)] {
        let path = pcap_path(capture);
        let text = tshark(&[
            "-n",
            "-r",
            &path,
            "-Y",
            "dns.resp.type == 41",
            "-T",
            "fields",
            "-E",
            "occurrence=f",
            "-e",
            "frame.number",
            "-e",
            "dns.rr.udp_payload_size",
            "-e",
            "dns.resp.ext_rcode",
            "-e",
            "dns.resp.edns0_version",
            "-e",
            "dns.resp.z.do",
            "-e",
            "dns.opt.client.netmask",
            "-e",
            "dns.opt.client.scope",
            "-e",
            "dns.opt.client.addr4",
            "-e",
            "dns.opt.client.addr6",
        ]);
        let msgs = capture_messages(capture);
        let (mut n, mut ecs) = (0, 0);
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let frame: u32 = f[0].parse().unwrap();
            let (_, bytes) = msgs.iter().find(|m| m.0 == frame).unwrap();
            let m = DnsMessage::parse(bytes).unwrap();
            let e = m
                .edns
                .clone()
                .unwrap_or_else(|| panic!("{capture} {frame}"));
            let at = format!("{capture} frame {frame}");
            // tshark prints the mDNS dissector's size in hex (0x05a0).
            let size = match f[1].strip_prefix("0x") {
                Some(hex) => u16::from_str_radix(hex, 16).unwrap(),
                None => f[1].parse().unwrap(),
            };
            assert_eq!(e.udp_size, size, "{at}");
            let ext = u16::from_str_radix(f[2].trim_start_matches("0x"), 16).unwrap();
            assert_eq!(m.rcode >> 4, ext, "{at}");
            assert_eq!(e.version.to_string(), f[3], "{at}");
            assert_eq!(flag(e.dnssec_ok), f[4], "{at}");
            if f[5].is_empty() {
                assert_eq!(e.client_subnet, None, "{at}");
            } else {
                let addr = if f[7].is_empty() { f[8] } else { f[7] };
                let want = (
                    addr.parse().unwrap(),
                    f[5].parse().unwrap(),
                    f[6].parse().unwrap(),
                );
                assert_eq!(e.client_subnet, Some(want), "{at}");
                ecs += 1;
            }
            n += 1;
        }
        assert_eq!((n, ecs), (opts, subnets), "{capture}");
    }
}

#[test]
fn dns_over_tcp_detection_by_header() {
    use crate::proto::dns::looks_like_dns_tcp;
    use crate::proto::http::Detection;
    let q = B::new(7, 0x0100, [1, 0, 0, 0])
        .question("example.com", 1, 1)
        .done();
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    assert_eq!(looks_like_dns_tcp(&framed), Detection::Yes);
    // Needs the prefix and the header.
    for cut in 0..14 {
        assert_eq!(
            looks_like_dns_tcp(&framed[..cut]),
            Detection::NeedMore,
            "{cut}"
        );
    }
    // A length shorter than a header, counts that do not fit it, an
    // unknown opcode, no question and no record: no.
    assert_eq!(looks_like_dns_tcp(&[0, 11, 0, 0]), Detection::No);
    let mut big = framed.clone();
    big[1] = 20;
    big[9] = 3; // ANCOUNT 3: 12 + 5 + 33 > 20
    assert_eq!(looks_like_dns_tcp(&big), Detection::No);
    let mut op = framed.clone();
    op[4] = 0x18; // opcode 3
    assert_eq!(looks_like_dns_tcp(&op), Detection::No);
    let none = B::new(7, 0x0100, [0, 0, 0, 0]).done();
    let mut f = (none.len() as u16).to_be_bytes().to_vec();
    f.extend_from_slice(&none);
    assert_eq!(looks_like_dns_tcp(&f), Detection::No);
    // HTTP on port 53 is not DNS.
    assert_eq!(looks_like_dns_tcp(b"GET / HTTP/1.1\r\n"), Detection::No);
}
