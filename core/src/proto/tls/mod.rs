//! The `tls` module deals with the clear-text part of TLS (and SSL 3.0)
//! over one TCP connection: it frames the records of both reassembled byte
//! streams, reassembles the handshake messages and turns them into
//! [`TlsEvent`]s — ClientHello (SNI, ALPN, versions, ciphers, JA3, JA4),
//! ServerHello (selected version and cipher, ALPN, JA3S) and the DER certificates
//! of TLS ≤ 1.2 Certificate messages.
//!
//! Brief overview:
//! - [`TlsSession`]: one per TCP connection, fed with [`TlsSession::data`],
//!   [`TlsSession::gap`] and [`TlsSession::end`] per [`Side`], exactly like
//!   [`http::HttpSession`](super::http::HttpSession).
//! - [`looks_like_tls`]: content detection, to attach a session whatever
//!   the port.
//! - [`record`]: the record header view and the per-direction reassembler;
//!   [`handshake`]: ClientHello, ServerHello and Certificate views with
//!   extension decoders; [`fingerprint`]: JA3 and JA4.
//!
//! **Where parsing stops.** Only what is sent in clear is parsed. A side
//! stops at its first application_data record (every TLS 1.3 encrypted
//! record is one), at its ChangeCipherSpec unless the ServerHello selected
//! TLS 1.3 (there it is a middlebox-compatibility dummy, RFC 8446 §D.4), and
//! the server side right after a TLS 1.3 ServerHello (everything after it is
//! encrypted). A HelloRetryRequest stops nothing: the second ClientHello is
//! in clear. After the stop, records are still framed and counted, their
//! payloads counted in [`TlsStats::encrypted_bytes`].
//!
//! **Not parsed.** SSL 2.0-format ClientHellos (a 2-byte record header with
//! the top bit set) are not records here: the side is lost. DTLS and QUIC
//! are other transports.
//!
//! **What is copied.** Data calls borrow their bytes for the call only. A
//! handshake message that arrives whole within one call is parsed in place;
//! one split across calls or records is copied into a per-side buffer of at
//! most [`TlsConfig::max_handshake_bytes`]. Events own their values.
//!
//! **Resynchronisation.** Bytes that are not records, a handshake message
//! over the bound, or a gap anywhere but inside an encrypted record payload
//! make the side *lost*: its bytes are skipped (counted) until a data call
//! that starts with a plausible record header. This is the one behaviour
//! that depends on where data calls begin.
//!
//! ```
//! use weir_core::proto::tls::{looks_like_tls, Detection, Side, TlsConfig, TlsSession};
//! use weir_core::source::Timestamp;
//!
//! let mut s = TlsSession::new(TlsConfig::default());
//! let mut ev = Vec::new();
//! // An SSL 3.0-style ClientHello without extensions: one cipher, 0x002f.
//! let mut hello = vec![3, 0];
//! hello.extend_from_slice(&[0; 32]);
//! hello.extend_from_slice(&[0, 0, 2, 0, 0x2f, 1, 0]);
//! let mut rec = vec![22, 3, 0, 0, 4 + hello.len() as u8, 1, 0, 0, hello.len() as u8];
//! rec.extend_from_slice(&hello);
//! assert_eq!(looks_like_tls(&rec), Detection::Yes);
//! s.data(Side::Client, Timestamp::from_secs(1), &rec, &mut ev);
//! let weir_core::proto::tls::TlsEvent::ClientHello(ch) = &ev[0] else { panic!() };
//! assert_eq!(ch.ja3, "768,47,,,");
//! ```

pub mod fingerprint;
pub mod handshake;
pub mod record;
mod session;

#[cfg(test)]
mod tests;

pub use super::http::{Detection, Side};
pub use session::TlsSession;

use crate::source::Timestamp;

/// Malformed or unsupported bytes; the string names the field that did not
/// fit (`"cipher_suites"`, `"record header"`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// The result of a parse in this module.
pub type Result<T> = core::result::Result<T, Malformed>;

/// Limits of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// Largest handshake message body accepted, in bytes, per side. The
    /// largest messages in clear are Certificate messages, which carry the
    /// whole chain: 256 KiB holds chains far longer than seen in practice
    /// (a few KiB per certificate). A larger message makes the side lost and
    /// is counted in [`TlsStats::handshake_too_large`]. Bounds the one
    /// per-side copy. Default 256 KiB.
    pub max_handshake_bytes: usize,
    /// Copy the DER certificates into [`TlsEvent::Certificates`]. Default true.
    pub certificates: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            max_handshake_bytes: 256 * 1024,
            certificates: true,
        }
    }
}

/// What [`TlsSession`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsEvent {
    /// A ClientHello was read (boxed: it is the large variant).
    ClientHello(Box<ClientHelloEvent>),
    /// A ServerHello (or HelloRetryRequest) was read.
    ServerHello(ServerHelloEvent),
    /// A TLS ≤ 1.2 Certificate message was read.
    Certificates(CertificatesEvent),
}

/// A ClientHello. Lists keep wire order and GREASE values, except where
/// named.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientHelloEvent {
    /// Time of the data call that completed the message.
    pub ts: Timestamp,
    /// The side that sent it (normally [`Side::Client`]).
    pub side: Side,
    /// legacy_version.
    pub legacy_version: u16,
    /// server_name (host_name), lossily UTF-8.
    pub sni: Option<String>,
    /// ALPN protocol names, lossily UTF-8.
    pub alpn: Vec<String>,
    /// supported_versions.
    pub versions: Vec<u16>,
    /// Cipher suites.
    pub ciphers: Vec<u16>,
    /// Extension types.
    pub extensions: Vec<u16>,
    /// supported_groups.
    pub groups: Vec<u16>,
    /// ec_point_formats.
    pub point_formats: Vec<u8>,
    /// signature_algorithms.
    pub signature_algorithms: Vec<u16>,
    /// The JA3 string (see [`fingerprint`]).
    pub ja3: String,
    /// MD5 of `ja3`, 32 lower-case hex digits.
    pub ja3_md5: String,
    /// The JA4 fingerprint `a_b_c`.
    pub ja4: String,
}

/// A ServerHello.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerHelloEvent {
    /// Time of the data call that completed the message.
    pub ts: Timestamp,
    /// The side that sent it (normally [`Side::Server`]).
    pub side: Side,
    /// legacy_version.
    pub legacy_version: u16,
    /// The negotiated version: supported_versions if present (0x0304 for
    /// TLS 1.3), else legacy_version.
    pub version: u16,
    /// The selected cipher suite.
    pub cipher: u16,
    /// The selected ALPN protocol, lossily UTF-8.
    pub alpn: Option<String>,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// Whether this is a HelloRetryRequest (TLS 1.3).
    pub hello_retry: bool,
    /// The JA3S string (see [`fingerprint::ja3s_string`]).
    pub ja3s: String,
    /// MD5 of `ja3s`, 32 lower-case hex digits.
    pub ja3s_md5: String,
}

/// The certificates of one Certificate message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificatesEvent {
    /// Time of the data call that completed the message.
    pub ts: Timestamp,
    /// The side that sent them (the server, or a client authenticating).
    pub side: Side,
    /// DER certificates, leaf first (empty with [`TlsConfig::certificates`]
    /// off; `count` still says how many).
    pub certs: Vec<Vec<u8>>,
    /// Number of certificates in the message.
    pub count: usize,
}

/// Counters of one session (or, summed with [`TlsStats::add`], of many).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct TlsStats {
    /// Record headers read (both sides).
    pub records: u64,
    /// Handshake messages read in clear.
    pub handshake_messages: u64,
    /// Record payload bytes skipped as encrypted, gaps inside them included.
    pub encrypted_bytes: u64,
    /// Bytes and gap lengths skipped while a side was lost.
    pub lost_bytes: u64,
    /// Times a side got lost on bytes that are not a record header.
    pub bad_record_header: u64,
    /// Times a side got lost on a gap outside an encrypted record.
    pub gap_lost: u64,
    /// Handshake messages over [`TlsConfig::max_handshake_bytes`].
    pub handshake_too_large: u64,
    /// ClientHellos that did not parse (no event).
    pub bad_client_hello: u64,
    /// ServerHellos that did not parse (no event).
    pub bad_server_hello: u64,
    /// Certificate messages that did not parse (no event).
    pub bad_certificate: u64,
    /// Known extensions whose data did not parse (taken as absent).
    pub bad_extension: u64,
}

impl TlsStats {
    /// Adds every counter of `other` to `self` (saturating).
    pub fn add(&mut self, other: &TlsStats) {
        let TlsStats {
            records,
            handshake_messages,
            encrypted_bytes,
            lost_bytes,
            bad_record_header,
            gap_lost,
            handshake_too_large,
            bad_client_hello,
            bad_server_hello,
            bad_certificate,
            bad_extension,
        } = other;
        for (a, b) in [
            (&mut self.records, records),
            (&mut self.handshake_messages, handshake_messages),
            (&mut self.encrypted_bytes, encrypted_bytes),
            (&mut self.lost_bytes, lost_bytes),
            (&mut self.bad_record_header, bad_record_header),
            (&mut self.gap_lost, gap_lost),
            (&mut self.handshake_too_large, handshake_too_large),
            (&mut self.bad_client_hello, bad_client_hello),
            (&mut self.bad_server_hello, bad_server_hello),
            (&mut self.bad_certificate, bad_certificate),
            (&mut self.bad_extension, bad_extension),
        ] {
            *a = a.saturating_add(*b);
        }
    }
}

/// Whether a stream starts like TLS: a handshake record (type 22) of
/// version 0x0300 to 0x0304 with a length of 1 to 2^14 + 2048, whose first
/// handshake message is a ClientHello (1) or ServerHello (2). Needs 6 bytes
/// to say yes.
pub fn looks_like_tls(first: &[u8]) -> Detection {
    let get = |i: usize| first.get(i).copied();
    let ok = [
        get(0).map(|t| t == record::content_type::HANDSHAKE),
        get(1).map(|major| major == 3),
        get(2).map(|minor| minor <= 4),
        match (get(3), get(4)) {
            (Some(hi), Some(lo)) => {
                let len = usize::from(u16::from_be_bytes([hi, lo]));
                Some(len > 0 && len <= record::MAX_RECORD)
            }
            _ => None,
        },
        get(5).map(|m| {
            matches!(
                m,
                handshake::msg_type::CLIENT_HELLO | handshake::msg_type::SERVER_HELLO
            )
        }),
    ];
    for o in ok {
        match o {
            None => return Detection::NeedMore,
            Some(false) => return Detection::No,
            Some(true) => {}
        }
    }
    Detection::Yes
}
