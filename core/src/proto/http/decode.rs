//! The `decode` module deals with content codings (RFC 9110 §8.4): it turns
//! the body as sent (after de-chunking) into the representation the hashes
//! are taken over.
//!
//! * `identity` (or no `Content-Encoding`): the borrowed input slices are
//!   passed on as they are, nothing is copied.
//! * `gzip` / `x-gzip`: the gzip member header (RFC 1952) is parsed by a
//!   byte-level state machine that stores nothing but a 10-byte fixed header,
//!   then the deflate data is inflated into one fixed output buffer
//!   ([`OUT_BUF`] bytes) whose contents are passed on and overwritten.
//!   Concatenated members are decoded in turn; bytes after a member that do
//!   not start another one are ignored (counted by the caller).
//! * `deflate`: zlib-wrapped (RFC 1950) or raw (RFC 1951), told apart by the
//!   first two bytes, since servers send both.
//! * anything else (`br`, `zstd`, `compress`, a list of several codings): the
//!   body is passed on as sent and the decoder says so
//!   ([`DecodeFailure::UnknownEncoding`]).
//!
//! Decompressed output is capped (`max_decoded` bytes per body) so a
//! decompression bomb costs bounded CPU: at the cap decoding stops and the
//! body is incomplete.

use flate2::{Decompress, FlushDecompress, Status};

use super::wire;

/// Size of the decompressor's output buffer in bytes (the only copy of body
/// bytes a compressed body makes).
pub const OUT_BUF: usize = 16 * 1024;

/// The content coding of a message, from its `Content-Encoding` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// No coding: the body is the representation.
    Identity,
    /// `gzip` or `x-gzip`.
    Gzip,
    /// `deflate` (zlib-wrapped or raw).
    Deflate,
    /// A coding this module cannot decode, or several codings.
    Unknown,
}

impl Coding {
    /// The coding named by a `Content-Encoding` value (`None`: no field).
    /// `identity` elements are ignored; case does not matter.
    pub fn from_header(value: Option<&[u8]>) -> Coding {
        let Some(value) = value else {
            return Coding::Identity;
        };
        let mut codings = wire::list(value).filter(|c| !c.eq_ignore_ascii_case(b"identity"));
        let (Some(first), None) = (codings.next(), codings.next()) else {
            // Either none (identity) or several stacked codings.
            return if wire::list(value).any(|c| !c.eq_ignore_ascii_case(b"identity")) {
                Coding::Unknown
            } else {
                Coding::Identity
            };
        };
        if first.eq_ignore_ascii_case(b"gzip") || first.eq_ignore_ascii_case(b"x-gzip") {
            Coding::Gzip
        } else if first.eq_ignore_ascii_case(b"deflate") {
            Coding::Deflate
        } else {
            Coding::Unknown
        }
    }
}

/// Why the decoded bytes are not the whole representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeFailure {
    /// The coding is not supported: the bytes passed on are the body as sent.
    UnknownEncoding,
    /// The compressed data is corrupt (bad gzip header, bad deflate data).
    Corrupt,
    /// The compressed data stops before its end.
    Truncated,
    /// Decoded output reached `max_decoded`; the rest was not decoded.
    SizeCap,
}

impl DecodeFailure {
    /// A short fixed text for events and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            DecodeFailure::UnknownEncoding => "unknown encoding, hashed as sent",
            DecodeFailure::Corrupt => "decode error",
            DecodeFailure::Truncated => "compressed data truncated",
            DecodeFailure::SizeCap => "decoded size cap",
        }
    }
}

/// Where the gzip decoder is inside a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gz {
    /// Collecting the 10-byte fixed header (`n` bytes so far).
    Fixed { n: u8 },
    /// Reading the 2-byte FEXTRA length (`n` bytes so far, `len` little-endian).
    ExtraLen { n: u8, len: u16 },
    /// Skipping `left` bytes of FEXTRA.
    Extra { left: u16 },
    /// Skipping the zero-terminated FNAME.
    Name,
    /// Skipping the zero-terminated FCOMMENT.
    Comment,
    /// Skipping `left` bytes of FHCRC.
    Hcrc { left: u8 },
    /// Inflating the deflate data.
    Data,
    /// Skipping `left` bytes of the CRC32/ISIZE trailer.
    Trailer { left: u8 },
    /// After the last member: the rest is ignored.
    Ignore,
}

/// gzip header flag bits (RFC 1952 §2.3.1).
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

/// The decoder state of one coding.
enum Kind {
    Identity,
    Unknown,
    Gzip {
        state: Gz,
        fixed: [u8; 10],
        z: Decompress,
        members: u32,
    },
    Deflate {
        sniff: [u8; 2],
        sniffed: usize,
        z: Option<Decompress>,
        ended: bool,
    },
}

/// Decodes one body, slice by slice.
pub struct ContentDecoder {
    kind: Kind,
    /// Output buffer of the inflater (empty for identity/unknown).
    out: Box<[u8]>,
    /// Decoded bytes passed on so far.
    decoded: u64,
    /// Cap on decoded bytes of compressed bodies.
    max_decoded: u64,
    /// Set once decoding stopped for good.
    failure: Option<DecodeFailure>,
    /// Input bytes seen.
    input: u64,
    /// Bytes ignored after the last gzip member.
    trailing: u64,
}

impl std::fmt::Debug for ContentDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentDecoder")
            .field("decoded", &self.decoded)
            .field("failure", &self.failure)
            .finish()
    }
}

impl ContentDecoder {
    /// A decoder for `coding`; compressed output is capped at `max_decoded`
    /// bytes.
    pub fn new(coding: Coding, max_decoded: u64) -> ContentDecoder {
        let (kind, out) = match coding {
            Coding::Identity => (Kind::Identity, Box::default()),
            Coding::Unknown => (Kind::Unknown, Box::default()),
            Coding::Gzip => (
                Kind::Gzip {
                    state: Gz::Fixed { n: 0 },
                    fixed: [0; 10],
                    z: Decompress::new(false),
                    members: 0,
                },
                vec![0; OUT_BUF].into_boxed_slice(),
            ),
            Coding::Deflate => (
                Kind::Deflate {
                    sniff: [0; 2],
                    sniffed: 0,
                    z: None,
                    ended: false,
                },
                vec![0; OUT_BUF].into_boxed_slice(),
            ),
        };
        ContentDecoder {
            kind,
            out,
            decoded: 0,
            max_decoded,
            failure: if coding == Coding::Unknown {
                Some(DecodeFailure::UnknownEncoding)
            } else {
                None
            },
            input: 0,
            trailing: 0,
        }
    }

    /// Decoded bytes passed on so far.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }

    /// Bytes ignored after the end of the last gzip member (garbage).
    pub fn trailing_garbage(&self) -> u64 {
        self.trailing
    }

    /// Why decoding stopped, if it did (without the end-of-body check of
    /// [`ContentDecoder::finish`]).
    pub fn failure(&self) -> Option<DecodeFailure> {
        self.failure
    }

    /// Decodes `input`, passing decoded bytes to `sink`.
    pub fn feed(&mut self, input: &[u8], sink: &mut dyn FnMut(&[u8])) {
        self.input = self.input.saturating_add(input.len() as u64);
        if matches!(self.kind, Kind::Identity | Kind::Unknown) {
            // Passed through: the cap is for decompression only.
            self.decoded = self.decoded.saturating_add(input.len() as u64);
            sink(input);
            return;
        }
        if self.failure.is_some() {
            return;
        }
        let mut budget = Budget {
            decoded: &mut self.decoded,
            max: self.max_decoded,
            capped: false,
        };
        let result = match &mut self.kind {
            Kind::Gzip {
                state,
                fixed,
                z,
                members,
            } => gzip_feed(
                state,
                fixed,
                z,
                members,
                &mut self.out,
                input,
                &mut budget,
                sink,
                &mut self.trailing,
            ),
            Kind::Deflate {
                sniff,
                sniffed,
                z,
                ended,
            } => deflate_feed(
                sniff,
                sniffed,
                z,
                ended,
                &mut self.out,
                input,
                &mut budget,
                sink,
            ),
            Kind::Identity | Kind::Unknown => Ok(()),
        };
        if budget.capped {
            self.failure = Some(DecodeFailure::SizeCap);
        } else if result.is_err() {
            self.failure = Some(DecodeFailure::Corrupt);
        }
    }

    /// The body ended: flushes what is left and says whether the decoded
    /// bytes are the whole representation (`None`) or why not.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&[u8])) -> Option<DecodeFailure> {
        if self.failure.is_some() || self.input == 0 {
            return self.failure;
        }
        let mut budget = Budget {
            decoded: &mut self.decoded,
            max: self.max_decoded,
            capped: false,
        };
        let complete = match &mut self.kind {
            Kind::Identity | Kind::Unknown => true,
            Kind::Gzip { state, members, .. } => {
                *members > 0 || matches!(state, Gz::Trailer { .. } | Gz::Ignore)
            }
            Kind::Deflate {
                sniff,
                sniffed,
                z,
                ended,
            } => {
                if z.is_none() {
                    // One byte only: never enough to be a stream, try it raw.
                    let mut d = Decompress::new(false);
                    let first = sniff.get(..*sniffed).unwrap_or_default();
                    let _ = inflate(&mut d, &mut self.out, first, &mut budget, sink);
                }
                *ended
            }
        };
        if budget.capped {
            self.failure = Some(DecodeFailure::SizeCap);
        } else if !complete {
            self.failure = Some(DecodeFailure::Truncated);
        }
        self.failure
    }
}

/// How many decoded bytes may still be passed on.
struct Budget<'a> {
    decoded: &'a mut u64,
    max: u64,
    capped: bool,
}

impl Budget<'_> {
    /// Passes on what fits under the cap; false once the cap is reached.
    fn emit(&mut self, bytes: &[u8], sink: &mut dyn FnMut(&[u8])) -> bool {
        let room = self.max.saturating_sub(*self.decoded);
        let fits = usize::try_from(room).map_or(bytes.len(), |r| r.min(bytes.len()));
        if let Some(part) = bytes.get(..fits) {
            if !part.is_empty() {
                sink(part);
            }
        }
        *self.decoded = self.decoded.saturating_add(fits as u64);
        if fits < bytes.len() {
            self.capped = true;
            return false;
        }
        true
    }
}

/// Inflates `input`; returns how much of it was used and whether the
/// deflate stream ended. Stops early at the cap.
fn inflate(
    z: &mut Decompress,
    out: &mut [u8],
    mut input: &[u8],
    budget: &mut Budget<'_>,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(usize, bool), ()> {
    let mut used_total = 0usize;
    loop {
        let (in0, out0) = (z.total_in(), z.total_out());
        let status = z
            .decompress(input, out, FlushDecompress::None)
            .map_err(|_| ())?;
        let used = usize::try_from(z.total_in().saturating_sub(in0)).unwrap_or(0);
        let made = usize::try_from(z.total_out().saturating_sub(out0)).unwrap_or(0);
        let used = used.min(input.len());
        input = input.get(used..).unwrap_or_default();
        used_total += used;
        if let Some(produced) = out.get(..made) {
            if !budget.emit(produced, sink) {
                return Ok((used_total, false));
            }
        }
        match status {
            Status::StreamEnd => return Ok((used_total, true)),
            Status::BufError => return Ok((used_total, false)),
            Status::Ok => {
                // Go on while output may be pending (buffer filled) or input
                // remains; stop when neither moved.
                if (input.is_empty() && made < out.len()) || (used == 0 && made == 0) {
                    return Ok((used_total, false));
                }
            }
        }
    }
}

/// Feeds a gzip body.
#[allow(clippy::too_many_arguments)]
fn gzip_feed(
    state: &mut Gz,
    fixed: &mut [u8; 10],
    z: &mut Decompress,
    members: &mut u32,
    out: &mut [u8],
    mut input: &[u8],
    budget: &mut Budget<'_>,
    sink: &mut dyn FnMut(&[u8]),
    trailing: &mut u64,
) -> Result<(), ()> {
    while let Some((&b, rest)) = input.split_first() {
        match *state {
            Gz::Fixed { n } => {
                if let Some(slot) = fixed.get_mut(usize::from(n)) {
                    *slot = b;
                }
                // Check the magic and method as soon as they arrive, so
                // garbage after a member is recognised at its first bytes.
                let ok = match n {
                    0 => b == 0x1f,
                    1 => b == 0x8b,
                    2 => b == 8,
                    _ => true,
                };
                if !ok {
                    if *members > 0 {
                        *state = Gz::Ignore;
                        continue;
                    }
                    return Err(());
                }
                input = rest;
                *state = if n == 9 {
                    next_gz_field(fixed[3], Gz::Fixed { n })
                } else {
                    Gz::Fixed { n: n + 1 }
                };
            }
            Gz::ExtraLen { n, len } => {
                input = rest;
                let len = len | (u16::from(b) << (8 * n));
                *state = if n == 1 {
                    if len == 0 {
                        next_gz_field(fixed[3], Gz::Extra { left: 0 })
                    } else {
                        Gz::Extra { left: len }
                    }
                } else {
                    Gz::ExtraLen { n: 1, len }
                };
            }
            Gz::Extra { left } => {
                let take = usize::from(left).min(input.len());
                input = input.get(take..).unwrap_or_default();
                let left = left - take as u16;
                *state = if left == 0 {
                    next_gz_field(fixed[3], Gz::Extra { left: 0 })
                } else {
                    Gz::Extra { left }
                };
            }
            Gz::Name | Gz::Comment => match input.iter().position(|&c| c == 0) {
                Some(nul) => {
                    input = input.get(nul + 1..).unwrap_or_default();
                    *state = next_gz_field(fixed[3], *state);
                }
                None => input = &[],
            },
            Gz::Hcrc { left } => {
                input = rest;
                *state = if left <= 1 {
                    Gz::Data
                } else {
                    Gz::Hcrc { left: left - 1 }
                };
            }
            Gz::Data => {
                let (used, ended) = inflate(z, out, input, budget, sink)?;
                if budget.capped {
                    return Ok(());
                }
                input = input.get(used..).unwrap_or_default();
                if ended {
                    *members = members.saturating_add(1);
                    z.reset(false);
                    *state = Gz::Trailer { left: 8 };
                } else if used == 0 {
                    // The inflater wants more input than there is.
                    input = &[];
                }
            }
            Gz::Trailer { left } => {
                input = rest;
                *state = if left <= 1 {
                    Gz::Fixed { n: 0 }
                } else {
                    Gz::Trailer { left: left - 1 }
                };
            }
            Gz::Ignore => {
                *trailing = trailing.saturating_add(input.len() as u64);
                input = &[];
            }
        }
    }
    Ok(())
}

/// The gzip header part after `done`, given the flag byte.
fn next_gz_field(flags: u8, done: Gz) -> Gz {
    // Optional fields come in this order: FEXTRA, FNAME, FCOMMENT, FHCRC.
    let order = [
        (FEXTRA, Gz::ExtraLen { n: 0, len: 0 }),
        (FNAME, Gz::Name),
        (FCOMMENT, Gz::Comment),
        (FHCRC, Gz::Hcrc { left: 2 }),
    ];
    let after = match done {
        Gz::Fixed { .. } => 0,
        Gz::Extra { .. } => 1,
        Gz::Name => 2,
        Gz::Comment => 3,
        _ => 4,
    };
    order
        .iter()
        .skip(after)
        .find(|(bit, _)| flags & bit != 0)
        .map_or(Gz::Data, |&(_, s)| s)
}

/// Whether two bytes start a zlib stream (RFC 1950 §2.2: method 8, window
/// at most 32 KiB, header check multiple of 31).
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

/// Feeds a deflate body.
#[allow(clippy::too_many_arguments)]
fn deflate_feed(
    sniff: &mut [u8; 2],
    sniffed: &mut usize,
    z: &mut Option<Decompress>,
    ended: &mut bool,
    out: &mut [u8],
    mut input: &[u8],
    budget: &mut Budget<'_>,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(), ()> {
    if *ended {
        return Ok(());
    }
    if z.is_none() {
        while *sniffed < 2 {
            let Some((&b, rest)) = input.split_first() else {
                return Ok(());
            };
            if let Some(slot) = sniff.get_mut(*sniffed) {
                *slot = b;
            }
            *sniffed += 1;
            input = rest;
        }
        let mut d = Decompress::new(is_zlib_header(sniff[0], sniff[1]));
        let (_, end) = inflate(&mut d, out, &sniff[..], budget, sink)?;
        *ended = end;
        *z = Some(d);
        if end || budget.capped {
            return Ok(());
        }
    }
    if let Some(d) = z {
        let (_, end) = inflate(d, out, input, budget, sink)?;
        *ended = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::Write;

    fn plain() -> Vec<u8> {
        (0..100_000u32)
            .flat_map(|i| format!("line {i} of text\n").into_bytes())
            .collect()
    }

    fn decode_in(
        coding: Coding,
        data: &[u8],
        step: usize,
        max: u64,
    ) -> (Vec<u8>, Option<DecodeFailure>) {
        let mut d = ContentDecoder::new(coding, max);
        let mut out = Vec::new();
        for piece in data.chunks(step.max(1)) {
            d.feed(piece, &mut |s| out.extend_from_slice(s));
        }
        let f = d.finish(&mut |s| out.extend_from_slice(s));
        (out, f)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn coding_names() {
        assert_eq!(Coding::from_header(None), Coding::Identity);
        assert_eq!(Coding::from_header(Some(b"GZIP")), Coding::Gzip);
        assert_eq!(Coding::from_header(Some(b"x-gzip")), Coding::Gzip);
        assert_eq!(
            Coding::from_header(Some(b"identity, deflate")),
            Coding::Deflate
        );
        assert_eq!(Coding::from_header(Some(b"identity")), Coding::Identity);
        assert_eq!(Coding::from_header(Some(b"br")), Coding::Unknown);
        assert_eq!(Coding::from_header(Some(b"deflate, gzip")), Coding::Unknown);
    }

    #[test]
    fn gzip_any_split() {
        let p = plain();
        let z = gzip(&p);
        for step in [1, 7, 1000, z.len()] {
            let (out, f) = decode_in(Coding::Gzip, &z, step, u64::MAX);
            assert_eq!(f, None);
            assert!(out == p, "step {step}");
        }
    }

    #[test]
    fn gzip_header_fields_and_members_and_garbage() {
        let p = b"hello gzip world".to_vec();
        let mut e = flate2::GzBuilder::new()
            .filename("name.txt")
            .comment("a comment")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), Compression::best());
        e.write_all(&p).unwrap();
        let mut z = e.finish().unwrap();
        z.extend(gzip(b" second member"));
        z.extend_from_slice(b"GARBAGE");
        for step in [1, 3, z.len()] {
            let (out, f) = decode_in(Coding::Gzip, &z, step, u64::MAX);
            assert_eq!(f, None);
            assert_eq!(out, b"hello gzip world second member");
        }
    }

    #[test]
    fn deflate_zlib_and_raw() {
        let p = plain();
        let mut zl = ZlibEncoder::new(Vec::new(), Compression::default());
        zl.write_all(&p).unwrap();
        let zl = zl.finish().unwrap();
        let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(&p).unwrap();
        let raw = raw.finish().unwrap();
        for data in [&zl, &raw] {
            for step in [1, 2, 3, 4096] {
                let (out, f) = decode_in(Coding::Deflate, data, step, u64::MAX);
                assert_eq!(f, None);
                assert!(out == p);
            }
        }
    }

    #[test]
    fn failures() {
        let p = plain();
        let z = gzip(&p);
        let (out, f) = decode_in(Coding::Gzip, &z[..z.len() / 2], 100, u64::MAX);
        assert_eq!(f, Some(DecodeFailure::Truncated));
        assert!(!out.is_empty() && p.starts_with(&out));
        let (out, f) = decode_in(Coding::Gzip, &z, 100, 1000);
        assert_eq!((out.len(), f), (1000, Some(DecodeFailure::SizeCap)));
        let (_, f) = decode_in(Coding::Gzip, b"not gzip at all", 3, u64::MAX);
        assert_eq!(f, Some(DecodeFailure::Corrupt));
        let (out, f) = decode_in(Coding::Unknown, b"as sent", 3, u64::MAX);
        assert_eq!(
            (out.as_slice(), f),
            (&b"as sent"[..], Some(DecodeFailure::UnknownEncoding))
        );
        let (out, f) = decode_in(Coding::Gzip, b"", 3, u64::MAX);
        assert_eq!((out.len(), f), (0, None));
    }
}
