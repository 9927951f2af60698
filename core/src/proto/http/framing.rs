//! The `framing` module deals with where an HTTP/1.x message body ends
//! (RFC 9112 §6.3): choosing the framing from the header block and the
//! request it answers, and removing chunked transfer coding.
//!
//! The chunked decoder is a byte-level state machine: it keeps no buffer
//! (chunk-size lines, extensions and trailers are read and dropped as they go
//! by), so it accepts the input cut anywhere, even between CR and LF, and its
//! memory is constant whatever the peer sends. Chunk sizes are parsed with
//! checked arithmetic, so a 40-digit hex size is an error, not an overflow.

use super::wire;

/// How the body of one message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body: requests without length, HEAD responses, 1xx, 204, 304.
    None,
    /// Exactly this many bytes (`Content-Length`, greater than zero).
    Length(u64),
    /// Chunked transfer coding, ended by the zero-size chunk and trailers.
    Chunked,
    /// A response body that runs until the server closes the connection.
    UntilClose,
    /// The connection stops being HTTP after this message (a 2xx answer to
    /// CONNECT, 101 Switching Protocols): the rest of both sides is ignored.
    Tunnel,
}

/// Why a header block gives no usable framing. The message is refused and
/// that side resynchronises at a later message start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramingError {
    /// `Content-Length` values that differ, or one that is not a decimal number.
    BadContentLength,
    /// A request whose `Transfer-Encoding` does not end with `chunked`
    /// (its length cannot be known, RFC 9112 §6.3 item 4).
    BadTransferEncoding,
}

/// Whether the last transfer coding of `block` is `chunked`. `None` when the
/// message has no `Transfer-Encoding` field.
fn transfer_chunked(block: &[u8]) -> Option<bool> {
    let mut last: Option<&[u8]> = None;
    let mut present = false;
    for h in wire::find_all(block, "transfer-encoding") {
        present = true;
        if let Some(l) = wire::list(h.value).last() {
            last = Some(l);
        }
    }
    present.then(|| last.is_some_and(|l| l.eq_ignore_ascii_case(b"chunked")))
}

/// The `Content-Length` of `block`: `Ok(None)` when absent, an error when the
/// values differ or do not parse (several equal values are accepted).
pub fn content_length(block: &[u8]) -> Result<Option<u64>, FramingError> {
    let mut found: Option<u64> = None;
    for h in wire::find_all(block, "content-length") {
        for elem in wire::list(h.value) {
            let v = wire::parse_decimal(elem).ok_or(FramingError::BadContentLength)?;
            match found {
                Some(prev) if prev != v => return Err(FramingError::BadContentLength),
                _ => found = Some(v),
            }
        }
    }
    Ok(found)
}

/// Body framing of a request (RFC 9112 §6.3 items 3, 4, 5, 7): chunked if the
/// last transfer coding is chunked (Transfer-Encoding overrides
/// Content-Length), else Content-Length, else no body.
pub fn request_framing(block: &[u8]) -> Result<Framing, FramingError> {
    match transfer_chunked(block) {
        Some(true) => return Ok(Framing::Chunked),
        Some(false) => return Err(FramingError::BadTransferEncoding),
        None => {}
    }
    Ok(match content_length(block)? {
        Some(0) | None => Framing::None,
        Some(n) => Framing::Length(n),
    })
}

/// Body framing of a final or interim response with `status`, answering a
/// request whose method is `method` (`None` when the request was not seen).
pub fn response_framing(
    block: &[u8],
    status: u16,
    method: Option<&str>,
) -> Result<Framing, FramingError> {
    let method = method.unwrap_or("");
    if status == 101 {
        return Ok(Framing::Tunnel);
    }
    if method.eq_ignore_ascii_case("CONNECT") && (200..300).contains(&status) {
        return Ok(Framing::Tunnel);
    }
    if method.eq_ignore_ascii_case("HEAD")
        || (100..200).contains(&status)
        || status == 204
        || status == 304
    {
        return Ok(Framing::None);
    }
    match transfer_chunked(block) {
        Some(true) => return Ok(Framing::Chunked),
        // A response may use another final coding: it then runs to the close.
        Some(false) => return Ok(Framing::UntilClose),
        None => {}
    }
    Ok(match content_length(block)? {
        Some(0) => Framing::None,
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    })
}

/// Why a chunked body could not be decoded further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkError {
    /// A chunk-size line without hex digits or with garbage after them.
    BadSizeLine,
    /// A chunk size that does not fit 64 bits.
    SizeOverflow,
    /// Chunk data not followed by CRLF.
    MissingDataEnd,
}

/// Where the chunked decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex digits of a chunk size (`digits` seen so far).
    Size { value: u64, digits: u32 },
    /// After the size: whitespace, extensions, CR, up to the LF.
    SizeRest { value: u64 },
    /// Inside chunk data, `left` bytes to go (never 0).
    Data { left: u64 },
    /// After chunk data, expecting CR LF (or bare LF); `cr` once CR was seen.
    DataEnd { cr: bool },
    /// At the start of a trailer line (or of the final blank line).
    TrailerStart,
    /// After a CR at the start of a trailer line.
    TrailerCr,
    /// Inside a trailer field line, skipping to its LF.
    TrailerLine,
    /// The last chunk and the trailers were read.
    Done,
}

/// Removes chunked transfer coding, a few bytes at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dechunker {
    state: State,
}

impl Default for Dechunker {
    fn default() -> Self {
        Dechunker::new()
    }
}

impl Dechunker {
    /// A decoder at the start of the first chunk-size line.
    pub fn new() -> Dechunker {
        Dechunker {
            state: State::Size {
                value: 0,
                digits: 0,
            },
        }
    }

    /// Whether the last chunk and trailers were read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Reads `input`, passing each run of chunk data to `sink` (borrowed
    /// from `input`, never copied). Returns how many bytes of `input` belong
    /// to the body: all of them unless the body ended inside `input`
    /// ([`Dechunker::is_done`] is then true and the rest is the next message).
    pub fn feed<'a>(
        &mut self,
        input: &'a [u8],
        sink: &mut dyn FnMut(&'a [u8]),
    ) -> Result<usize, ChunkError> {
        let mut i = 0;
        while i < input.len() {
            let Some(&b) = input.get(i) else { break };
            match self.state {
                State::Size { value, digits } => {
                    if let Some(d) = hex(b) {
                        let value = value
                            .checked_mul(16)
                            .and_then(|v| v.checked_add(u64::from(d)))
                            .ok_or(ChunkError::SizeOverflow)?;
                        self.state = State::Size {
                            value,
                            digits: digits.saturating_add(1),
                        };
                    } else if digits == 0 {
                        return Err(ChunkError::BadSizeLine);
                    } else if matches!(b, b' ' | b'\t' | b';' | b'\r') {
                        self.state = State::SizeRest { value };
                    } else if b == b'\n' {
                        self.state = after_size(value);
                    } else {
                        return Err(ChunkError::BadSizeLine);
                    }
                    i += 1;
                }
                State::SizeRest { value } => {
                    // Extensions are skipped without being stored.
                    match input
                        .get(i..)
                        .and_then(|r| r.iter().position(|&c| c == b'\n'))
                    {
                        Some(off) => {
                            i += off + 1;
                            self.state = after_size(value);
                        }
                        None => i = input.len(),
                    }
                }
                State::Data { left } => {
                    let avail = input.len() - i;
                    let take = usize::try_from(left).map_or(avail, |l| l.min(avail));
                    if let Some(run) = input.get(i..i + take) {
                        sink(run);
                    }
                    i += take;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd { cr: false }
                    } else {
                        State::Data { left }
                    };
                }
                State::DataEnd { cr } => {
                    match (cr, b) {
                        (false, b'\r') => self.state = State::DataEnd { cr: true },
                        (_, b'\n') => {
                            self.state = State::Size {
                                value: 0,
                                digits: 0,
                            }
                        }
                        _ => return Err(ChunkError::MissingDataEnd),
                    }
                    i += 1;
                }
                State::TrailerStart => {
                    self.state = match b {
                        b'\r' => State::TrailerCr,
                        b'\n' => State::Done,
                        _ => State::TrailerLine,
                    };
                    i += 1;
                }
                State::TrailerCr => {
                    self.state = if b == b'\n' {
                        State::Done
                    } else {
                        State::TrailerLine
                    };
                    i += 1;
                }
                State::TrailerLine => {
                    match input
                        .get(i..)
                        .and_then(|r| r.iter().position(|&c| c == b'\n'))
                    {
                        Some(off) => {
                            i += off + 1;
                            self.state = State::TrailerStart;
                        }
                        None => i = input.len(),
                    }
                }
                State::Done => return Ok(i),
            }
        }
        Ok(i)
    }
}

/// The state after a complete chunk-size line.
fn after_size(value: u64) -> State {
    if value == 0 {
        State::TrailerStart
    } else {
        State::Data { left: value }
    }
}

/// The value of a hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes; returns the data, the bytes
    /// consumed in total and the outcome.
    fn dechunk(input: &[u8], step: usize) -> (Vec<u8>, usize, Result<bool, ChunkError>) {
        let mut d = Dechunker::new();
        let mut out = Vec::new();
        let mut used = 0;
        for piece in input.chunks(step) {
            match d.feed(piece, &mut |s| out.extend_from_slice(s)) {
                Ok(n) => {
                    used += n;
                    if d.is_done() {
                        return (out, used, Ok(true));
                    }
                }
                Err(e) => return (out, used, Err(e)),
            }
        }
        (out, used, Ok(d.is_done()))
    }

    #[test]
    fn chunked_with_extensions_and_trailers_any_split() {
        let body = b"4;name=value\r\nWiki\r\n5 ; x=\"y\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\nNEXT";
        for step in 1..body.len() {
            let (out, used, r) = dechunk(body, step);
            assert_eq!(r, Ok(true), "step {step}");
            assert_eq!(out, b"Wikipedia in\r\n\r\nchunks.");
            assert_eq!(&body[used..], b"NEXT", "step {step}");
        }
    }

    #[test]
    fn bare_lf_and_no_trailers() {
        let (out, used, r) = dechunk(b"3\nabc\n0\n\n", 100);
        assert_eq!((out.as_slice(), used, r), (&b"abc"[..], 9, Ok(true)));
    }

    #[test]
    fn errors() {
        assert_eq!(dechunk(b"zz\r\n", 10).2, Err(ChunkError::BadSizeLine));
        assert_eq!(dechunk(b"\r\n", 10).2, Err(ChunkError::BadSizeLine));
        assert_eq!(dechunk(b"3x\r\n", 10).2, Err(ChunkError::BadSizeLine));
        assert_eq!(
            dechunk(b"FFFFFFFFFFFFFFFFFFFFFFFF\r\n", 10).2,
            Err(ChunkError::SizeOverflow)
        );
        assert_eq!(dechunk(b"1\r\nabc", 10).2, Err(ChunkError::MissingDataEnd));
        // A huge declared chunk is fine until the data runs out.
        assert_eq!(dechunk(b"FFFFFFFFFFFFFFFF\r\nabc", 10).2, Ok(false));
    }

    #[test]
    fn framing_rules() {
        let b =
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        assert_eq!(response_framing(b, 200, Some("GET")), Ok(Framing::Chunked));
        assert_eq!(response_framing(b, 200, Some("HEAD")), Ok(Framing::None));
        assert_eq!(response_framing(b, 304, Some("GET")), Ok(Framing::None));
        assert_eq!(response_framing(b, 204, None), Ok(Framing::None));
        assert_eq!(response_framing(b, 100, None), Ok(Framing::None));
        assert_eq!(response_framing(b, 101, None), Ok(Framing::Tunnel));
        assert_eq!(
            response_framing(b, 200, Some("CONNECT")),
            Ok(Framing::Tunnel)
        );
        let cl = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\ncontent-length: 10, 10\r\n\r\n";
        assert_eq!(response_framing(cl, 200, None), Ok(Framing::Length(10)));
        let bad = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 11\r\n\r\n";
        assert_eq!(
            response_framing(bad, 200, None),
            Err(FramingError::BadContentLength)
        );
        let close = b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n";
        assert_eq!(
            response_framing(close, 200, Some("GET")),
            Ok(Framing::UntilClose)
        );
        let te = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n";
        assert_eq!(response_framing(te, 200, None), Ok(Framing::UntilClose));
        assert_eq!(
            request_framing(b"GET / HTTP/1.1\r\n\r\n"),
            Ok(Framing::None)
        );
        assert_eq!(
            request_framing(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"),
            Ok(Framing::Length(3))
        );
        assert_eq!(
            request_framing(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Err(FramingError::BadTransferEncoding)
        );
        assert_eq!(
            request_framing(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            Err(FramingError::BadContentLength)
        );
    }
}
