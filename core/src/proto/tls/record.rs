//! The `record` module deals with the TLS record layer (RFC 8446 §5.1, RFC
//! 5246 §6.2): a zero-copy view of the 5-byte record header, and a
//! per-direction [`Reassembler`] that frames records out of in-order bytes
//! however they are split into data calls, and joins handshake messages
//! split across records (or splits several out of one record).
//!
//! **Contract.** [`RecordHeader::new_checked`] checks only the length; once
//! it returns `Ok` no accessor panics. [`Reassembler::push`] accepts any
//! bytes and never panics; what it holds is bounded by [`MAX_RECORD`] (never
//! buffered: record payloads are streamed) and by the `max_handshake`
//! argument of [`Reassembler::new`] (the one copy, for a handshake message
//! that arrives in several pieces).

use super::{Malformed, Result};

/// Length of a record header: type (1), version (2), length (2).
pub const HEADER_LEN: usize = 5;

/// Largest record length accepted: 2^14 + 2048, the TLSCiphertext bound of
/// RFC 5246 §6.2.3 (RFC 8446 allows only 2^14 + 256). A larger length means
/// the bytes are not TLS (or the stream is desynchronised).
pub const MAX_RECORD: usize = (1 << 14) + 2048;

/// Length of a handshake message header: type (1), length (3).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

mod field {
    use core::ops::Range;
    pub const TYPE: usize = 0;
    pub const VERSION: Range<usize> = 1..3;
    pub const LENGTH: Range<usize> = 3..5;
}

/// TLS record content types (RFC 8446 §5.1; heartbeat: RFC 6520).
pub mod content_type {
    /// change_cipher_spec.
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// alert.
    pub const ALERT: u8 = 21;
    /// handshake.
    pub const HANDSHAKE: u8 = 22;
    /// application_data (and every TLS 1.3 encrypted record).
    pub const APPLICATION_DATA: u8 = 23;
    /// heartbeat.
    pub const HEARTBEAT: u8 = 24;
}

/// A read-only view of a record header.
#[derive(Debug, Clone, Copy)]
pub struct RecordHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RecordHeader<T> {
    /// Wraps `buffer` without checking its length.
    pub fn new_unchecked(buffer: T) -> RecordHeader<T> {
        RecordHeader { buffer }
    }

    /// Wraps `buffer`, failing when it is shorter than [`HEADER_LEN`].
    pub fn new_checked(buffer: T) -> Result<RecordHeader<T>> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(Malformed("record header"));
        }
        Ok(RecordHeader { buffer })
    }

    /// The content type (see [`content_type`]).
    pub fn content_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// The legacy record version (0x0301 for most, whatever the real version).
    pub fn version(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::VERSION];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The payload length.
    pub fn length(&self) -> usize {
        let b = &self.buffer.as_ref()[field::LENGTH];
        usize::from(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Whether the header is plausible: a known content type, major version
    /// 3 (SSL 3.0 to TLS 1.3) and a length of at most [`MAX_RECORD`].
    pub fn is_plausible(&self) -> bool {
        (content_type::CHANGE_CIPHER_SPEC..=content_type::HEARTBEAT).contains(&self.content_type())
            && self.version() >> 8 == 3
            && self.length() <= MAX_RECORD
    }
}

/// What [`Reassembler::push`] reports to its callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// A record header was read (`encrypted`: the side had stopped parsing
    /// before it, so its payload is only counted).
    Record {
        /// Content type.
        content_type: u8,
        /// Legacy record version.
        version: u16,
        /// Payload length.
        length: usize,
        /// Whether the payload is skipped as encrypted.
        encrypted: bool,
    },
    /// A complete handshake message in clear: type and body (without the
    /// 4-byte header).
    Handshake {
        /// Handshake type (1 ClientHello, 2 ServerHello, 11 Certificate...).
        msg_type: u8,
        /// The message body.
        body: &'a [u8],
    },
    /// The side is lost (bytes that are not TLS records, a handshake
    /// message over the bound, a gap in clear data): the rest of its bytes
    /// are skipped until a data call starts with a plausible record header.
    Lost(Malformed),
}

/// What the callback of [`Reassembler::push`] asks next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Keep parsing.
    Continue,
    /// Everything after this item is encrypted: frame records, count their
    /// payloads, parse nothing.
    Encrypt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a record header (`hdr_len` bytes of it are in `hdr`).
    Header,
    /// Inside the payload of a record: `remaining` bytes to go.
    Payload { content_type: u8, remaining: usize },
    /// Not framed any more (until a resynchronisation).
    Lost,
}

/// Byte counters of one [`Reassembler`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Record headers read.
    pub records: u64,
    /// Payload bytes of records skipped as encrypted (and gaps inside them).
    pub encrypted_bytes: u64,
    /// Bytes (and gap lengths) skipped while lost.
    pub lost_bytes: u64,
}

/// Frames the records of one direction and reassembles handshake messages.
///
/// Feed in-order bytes with [`push`](Self::push), missing bytes with
/// [`gap`](Self::gap). Events do not depend on how the bytes are split into
/// calls, except for where a lost side resynchronises.
#[derive(Debug, Clone)]
pub struct Reassembler {
    state: State,
    hdr: [u8; HEADER_LEN],
    hdr_len: usize,
    encrypted: bool,
    /// The partial handshake message (header included), when it was not
    /// complete within one record payload slice.
    hs: Vec<u8>,
    max_handshake: usize,
    counts: Counts,
}

impl Reassembler {
    /// A reassembler refusing handshake messages whose body exceeds
    /// `max_handshake` bytes (the only buffer it grows).
    pub fn new(max_handshake: usize) -> Reassembler {
        Reassembler {
            state: State::Header,
            hdr: [0; HEADER_LEN],
            hdr_len: 0,
            encrypted: false,
            hs: Vec::new(),
            max_handshake,
            counts: Counts::default(),
        }
    }

    /// The counters so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Whether the side stopped parsing (everything now is encrypted).
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// Whether the side is lost (see [`Item::Lost`]).
    pub fn is_lost(&self) -> bool {
        self.state == State::Lost
    }

    /// Bytes held: a partial record header and a partial handshake message.
    pub fn buffered_bytes(&self) -> usize {
        self.hdr_len + self.hs.len()
    }

    /// Stops parsing: from now on record payloads are only counted.
    pub fn encrypt(&mut self) {
        self.encrypted = true;
        self.hs = Vec::new();
    }

    /// Feeds the next bytes of the direction; `f` gets every item in order
    /// and may stop the parsing (see [`Next`]).
    pub fn push(&mut self, mut bytes: &[u8], f: &mut dyn FnMut(Item<'_>) -> Next) {
        if self.state == State::Lost {
            let plausible = RecordHeader::new_checked(bytes).is_ok_and(|h| h.is_plausible());
            if !plausible {
                self.counts.lost_bytes += bytes.len() as u64;
                return;
            }
            self.state = State::Header;
            self.hdr_len = 0;
            self.hs.clear();
        }
        while !bytes.is_empty() {
            match self.state {
                State::Lost => {
                    self.counts.lost_bytes += bytes.len() as u64;
                    return;
                }
                State::Header => {
                    let take = (HEADER_LEN - self.hdr_len).min(bytes.len());
                    self.hdr[self.hdr_len..self.hdr_len + take].copy_from_slice(&bytes[..take]);
                    self.hdr_len += take;
                    bytes = &bytes[take..];
                    if self.hdr_len < HEADER_LEN {
                        return;
                    }
                    self.hdr_len = 0;
                    let h = RecordHeader::new_unchecked(self.hdr);
                    if !h.is_plausible() {
                        self.lose(Malformed("record header"), f);
                        continue;
                    }
                    self.counts.records += 1;
                    let (content_type, length) = (h.content_type(), h.length());
                    let next = f(Item::Record {
                        content_type,
                        version: h.version(),
                        length,
                        encrypted: self.encrypted,
                    });
                    if next == Next::Encrypt {
                        self.encrypt();
                    }
                    self.state = if length == 0 {
                        State::Header
                    } else {
                        State::Payload {
                            content_type,
                            remaining: length,
                        }
                    };
                }
                State::Payload {
                    content_type,
                    remaining,
                } => {
                    let take = remaining.min(bytes.len());
                    let (chunk, rest) = bytes.split_at(take);
                    bytes = rest;
                    self.state = if take == remaining {
                        State::Header
                    } else {
                        State::Payload {
                            content_type,
                            remaining: remaining - take,
                        }
                    };
                    if self.encrypted {
                        self.counts.encrypted_bytes += take as u64;
                    } else if content_type == content_type::HANDSHAKE {
                        self.handshake_bytes(chunk, f);
                    }
                }
            }
        }
    }

    /// `len` bytes of the direction are missing. Inside an encrypted record
    /// payload framing goes on; anywhere else the side is lost.
    pub fn gap(&mut self, len: u64, f: &mut dyn FnMut(Item<'_>) -> Next) {
        if len == 0 {
            return;
        }
        match self.state {
            State::Payload {
                content_type,
                remaining,
            } if self.encrypted || content_type != content_type::HANDSHAKE => {
                if len < remaining as u64 {
                    self.counts.encrypted_bytes += len;
                    self.state = State::Payload {
                        content_type,
                        remaining: remaining - len as usize,
                    };
                } else if len == remaining as u64 {
                    self.counts.encrypted_bytes += len;
                    self.state = State::Header;
                } else {
                    self.counts.encrypted_bytes += remaining as u64;
                    self.counts.lost_bytes += len - remaining as u64;
                    self.lose(Malformed("gap"), f);
                }
            }
            State::Lost => self.counts.lost_bytes += len,
            _ => {
                self.counts.lost_bytes += len;
                self.lose(Malformed("gap"), f);
            }
        }
    }

    fn lose(&mut self, why: Malformed, f: &mut dyn FnMut(Item<'_>) -> Next) {
        self.state = State::Lost;
        self.hdr_len = 0;
        self.hs = Vec::new();
        f(Item::Lost(why));
    }

    /// Handshake-record payload bytes, in order. Whole messages inside
    /// `chunk` are reported straight from it; only a message cut by the end
    /// of the chunk is copied.
    fn handshake_bytes(&mut self, mut chunk: &[u8], f: &mut dyn FnMut(Item<'_>) -> Next) {
        if !self.hs.is_empty() {
            // Complete the held header first, then the held body.
            if self.hs.len() < HANDSHAKE_HEADER_LEN {
                let take = (HANDSHAKE_HEADER_LEN - self.hs.len()).min(chunk.len());
                self.hs.extend_from_slice(&chunk[..take]);
                chunk = &chunk[take..];
                if self.hs.len() < HANDSHAKE_HEADER_LEN {
                    return;
                }
                if body_len(&self.hs) > self.max_handshake {
                    self.lose(Malformed("handshake message too large"), f);
                    return;
                }
            }
            let want = HANDSHAKE_HEADER_LEN + body_len(&self.hs);
            let take = (want - self.hs.len()).min(chunk.len());
            self.hs.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.hs.len() < want {
                return;
            }
            let msg = std::mem::take(&mut self.hs);
            let next = f(Item::Handshake {
                msg_type: msg[0],
                body: &msg[HANDSHAKE_HEADER_LEN..],
            });
            // Keep the allocation for the next message.
            self.hs = msg;
            self.hs.clear();
            if next == Next::Encrypt {
                self.encrypt();
                self.counts.encrypted_bytes += chunk.len() as u64;
                return;
            }
        }
        while !chunk.is_empty() {
            if chunk.len() < HANDSHAKE_HEADER_LEN {
                self.hs.extend_from_slice(chunk);
                return;
            }
            let body = body_len(chunk);
            if body > self.max_handshake {
                self.lose(Malformed("handshake message too large"), f);
                return;
            }
            if chunk.len() < HANDSHAKE_HEADER_LEN + body {
                self.hs.reserve(HANDSHAKE_HEADER_LEN + body);
                self.hs.extend_from_slice(chunk);
                return;
            }
            let (msg, rest) = chunk.split_at(HANDSHAKE_HEADER_LEN + body);
            chunk = rest;
            let next = f(Item::Handshake {
                msg_type: msg[0],
                body: &msg[HANDSHAKE_HEADER_LEN..],
            });
            if next == Next::Encrypt {
                self.encrypt();
                self.counts.encrypted_bytes += chunk.len() as u64;
                return;
            }
        }
    }
}

/// The body length of the handshake header at the start of `b` (at least
/// [`HANDSHAKE_HEADER_LEN`] bytes).
fn body_len(b: &[u8]) -> usize {
    usize::from(b[1]) << 16 | usize::from(b[2]) << 8 | usize::from(b[3])
}

#[cfg(test)]
mod test {
    use super::*;

    fn record(ct: u8, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![ct, 3, 1];
        r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        r.extend_from_slice(payload);
        r
    }

    fn hs(t: u8, body: &[u8]) -> Vec<u8> {
        let n = body.len();
        let mut m = vec![t, (n >> 16) as u8, (n >> 8) as u8, n as u8];
        m.extend_from_slice(body);
        m
    }

    fn run(r: &mut Reassembler, parts: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        for p in parts {
            r.push(p, &mut |i| {
                out.push(match i {
                    Item::Record {
                        content_type,
                        length,
                        encrypted,
                        ..
                    } => format!("rec {content_type} {length} {encrypted}"),
                    Item::Handshake { msg_type, body } => format!("hs {msg_type} {body:?}"),
                    Item::Lost(m) => format!("lost {}", m.0),
                });
                Next::Continue
            });
        }
        out
    }

    #[test]
    fn header_view() {
        let h = RecordHeader::new_checked([22u8, 3, 3, 0x01, 0x02]).unwrap();
        assert_eq!(
            (h.content_type(), h.version(), h.length()),
            (22, 0x0303, 258)
        );
        assert!(h.is_plausible());
        assert!(RecordHeader::new_checked(&[22u8, 3][..]).is_err());
        assert!(!RecordHeader::new_unchecked([25u8, 3, 3, 0, 1]).is_plausible());
        assert!(!RecordHeader::new_unchecked([22u8, 2, 0, 0, 1]).is_plausible());
        assert!(!RecordHeader::new_unchecked([22u8, 3, 1, 0x48, 1]).is_plausible());
    }

    #[test]
    fn several_messages_in_one_record_and_one_across_three() {
        let mut stream = record(22, &[hs(1, b"ab"), hs(2, b""), hs(14, b"xyz")].concat());
        let big = hs(11, &[7u8; 10]);
        for part in big.chunks(5) {
            stream.extend(record(22, part));
        }
        let whole = run(&mut Reassembler::new(100), &[&stream]);
        assert_eq!(whole.iter().filter(|l| l.starts_with("hs")).count(), 4);
        assert!(whole.contains(&format!("hs 11 {:?}", [7u8; 10])));
        for cut in 0..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(run(&mut Reassembler::new(100), &[a, b]), whole, "cut {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(run(&mut Reassembler::new(100), &bytes), whole);
    }

    #[test]
    fn bounds_gaps_and_resync() {
        let mut r = Reassembler::new(4);
        let out = run(&mut r, &[&record(22, &hs(11, &[0; 5]))]);
        assert_eq!(out.last().unwrap(), "lost handshake message too large");
        assert!(r.is_lost());
        // Not a record header: still lost; a plausible one: framed again.
        run(&mut r, &[b"garbage"]);
        assert_eq!(r.counts().lost_bytes, 7);
        let out = run(&mut r, &[&record(21, &[2, 40])]);
        assert_eq!(out, ["rec 21 2 false"]);
        // A gap inside an encrypted record keeps framing.
        r.encrypt();
        run(&mut r, &[&record(23, &[1; 10])[..7]]);
        r.gap(8, &mut |_| Next::Continue);
        assert!(!r.is_lost());
        assert_eq!(run(&mut r, &[&record(23, &[1])]), ["rec 23 1 true"]);
        assert_eq!(r.counts().encrypted_bytes, 11);
        r.gap(1, &mut |_| Next::Continue);
        assert!(r.is_lost());
    }

    #[test]
    fn encrypt_mid_record() {
        let stream = record(22, &[hs(2, b"sh"), hs(8, b"encrypted")].concat());
        let mut r = Reassembler::new(100);
        let mut seen = Vec::new();
        r.push(&stream, &mut |i| {
            seen.push(format!("{i:?}"));
            if matches!(i, Item::Handshake { .. }) {
                Next::Encrypt
            } else {
                Next::Continue
            }
        });
        assert_eq!(seen.len(), 2);
        assert_eq!(r.counts().encrypted_bytes, 13);
    }
}
