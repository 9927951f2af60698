//! The `dns` module deals with DNS messages (RFC 1035 and its extensions),
//! including mDNS (RFC 6762) and LLMNR (RFC 4795), which share the format:
//! it parses one message from a UDP payload or from a DNS-over-TCP stream
//! and renders the texts Trisul attaches to DNS resources and documents.
//!
//! Brief overview:
//! - [`wire`]: zero-copy views: [`wire::Message`] (header and flags),
//!   questions and records iterators, names with compression pointers
//!   (bounded: length, pointer count, loops), typed record data.
//! - [`DnsMessage`]: the owned summary the engine keeps (names and data as
//!   text, addresses typed), with where it was malformed if it was.
//! - [`text`]: [`text::label`] and [`text::fts_dump`], Trisul's layouts.
//! - [`tcp::TcpFramer`]: the 2-byte length framing of DNS over TCP.
//! - [`looks_like_dns`], [`is_mdns`], [`is_llmnr`]: detection.
//!
//! Nothing here does I/O, reads a clock or panics, whatever the bytes; only
//! [`DnsMessage`] and the renderers allocate, in proportion to the input.
//!
//! ```
//! use weir_core::proto::dns::{text, DnsMessage, RData};
//!
//! // A response for example.com: one A record, the name compressed.
//! let bytes = b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\
//!     \x07example\x03com\x00\x00\x01\x00\x01\
//!     \xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x5d\xb8\xd8\x22";
//! let m = DnsMessage::parse(bytes).unwrap();
//! assert_eq!(m.questions[0].name, "example.com");
//! assert_eq!(m.answers[0].data, RData::A([93, 184, 216, 34].into()));
//! assert_eq!(text::label(&m), "example.com 3600 IN A 93.184.216.34\n");
//! ```

pub mod message;
pub mod tcp;
pub mod text;
pub mod wire;

#[cfg(test)]
mod tests;

pub use message::{DnsMessage, Edns, Question, RData, Record};
pub use wire::{DnsError, ErrorKind, Part, Section};

/// The DNS port.
pub const DNS_PORT: u16 = 53;
/// The mDNS port.
pub const MDNS_PORT: u16 = 5353;
/// The LLMNR port.
pub const LLMNR_PORT: u16 = 5355;

/// Whether `port` is mDNS's (5353).
pub fn is_mdns(port: u16) -> bool {
    port == MDNS_PORT
}

/// Whether `port` is LLMNR's (5355).
pub fn is_llmnr(port: u16) -> bool {
    port == LLMNR_PORT
}

/// Whether `port` is the DNS, mDNS or LLMNR port.
pub fn is_dns_port(port: u16) -> bool {
    matches!(port, DNS_PORT | MDNS_PORT | LLMNR_PORT)
}

/// Whether a TCP stream starts like DNS over TCP, from its first bytes
/// (`head`: the 2-byte length prefix, then the message): a length of at
/// least a header and the header's fields sane (known opcode, Z clear, at
/// most 16 questions, at least one question or record, counts that fit
/// the length). Needs the prefix and the whole header (14 bytes) to say
/// yes. Meant for flows on a DNS port ([`is_dns_port`]), where a header
/// check is evidence enough; the question is not parsed, since it may lie
/// past what is held while detecting.
pub fn looks_like_dns_tcp(head: &[u8]) -> crate::proto::http::Detection {
    use crate::proto::http::Detection;
    let (Some(&hi), Some(&lo)) = (head.first(), head.get(1)) else {
        return Detection::NeedMore;
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    if len < wire::HEADER_LEN {
        return Detection::No;
    }
    let Ok(m) = wire::Message::new_checked(&head[2..]) else {
        return Detection::NeedMore;
    };
    let f = m.flags();
    let qd = usize::from(m.qdcount());
    let rr = usize::from(m.ancount()) + usize::from(m.nscount()) + usize::from(m.arcount());
    let sane = matches!(f.opcode(), 0..=2 | 4 | 5)
        && !f.z()
        && qd <= 16
        && qd + rr > 0
        && wire::HEADER_LEN + 5 * qd + 11 * rr <= len;
    if sane {
        Detection::Yes
    } else {
        Detection::No
    }
}

/// Whether a UDP payload looks like a DNS message, by content: a whole
/// header with a known opcode, the Z bit clear, counts small enough for the
/// payload (at least 5 bytes a question, 11 a record), and the first
/// question parsing with a known class. A message without a question
/// passes only on the DNS, mDNS or LLMNR port (`port` is either port of
/// the datagram), as a response whose first record parses (mDNS
/// announcements, some updates).
pub fn looks_like_dns(payload: &[u8], port: u16) -> bool {
    let Ok(m) = wire::Message::new_checked(payload) else {
        return false;
    };
    let f = m.flags();
    if !matches!(f.opcode(), 0..=2 | 4 | 5) || f.z() && port != MDNS_PORT {
        return false;
    }
    let (qd, an, ns, ar) = (
        usize::from(m.qdcount()),
        usize::from(m.ancount()),
        usize::from(m.nscount()),
        usize::from(m.arcount()),
    );
    if wire::HEADER_LEN + 5 * qd + 11 * (an + ns + ar) > payload.len() || qd > 16 {
        return false;
    }
    let known_port = is_dns_port(port);
    match m.questions().next() {
        Some(Ok(q)) => matches!(q.qclass & 0x7FFF, 1 | 3 | 4 | 254 | 255),
        Some(Err(_)) => false,
        None => known_port && f.qr() && matches!(m.records().next(), Some(Ok(_))),
    }
}
