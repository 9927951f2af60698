//! The `http` module deals with HTTP/1.x over one TCP connection: it turns the
//! two reassembled byte streams into [`HttpEvent`]s — requests, responses
//! (with their latency) and bodies (with MD5 and SHA-256 of the decoded
//! representation).
//!
//! Brief overview:
//! - [`HttpSession`]: one per TCP connection, fed with [`HttpSession::data`],
//!   [`HttpSession::gap`] and [`HttpSession::end`] per [`Side`].
//! - [`looks_like_request`] / [`looks_like_response`]: content detection, to
//!   attach a session whatever the port.
//! - [`wire`]: zero-copy views of header blocks; [`framing`]: where a body
//!   ends (RFC 9112 §6.3) and de-chunking; [`decode`]: gzip/deflate;
//!   [`digest`]: the two hashes.
//!
//! **What is copied.** Data calls borrow their bytes for the call only. The
//! only copies are the header block of the message being parsed (bounded by
//! [`HttpConfig::max_header_bytes`], and kept in the event as
//! `header_block`), the inflater's fixed output buffer ([`decode::OUT_BUF`]
//! bytes, compressed bodies only) and a few bytes of gzip/zlib header state.
//! Bodies are hashed straight from the borrowed slices (identity) or from the
//! inflater's buffer, and never stored. Events own their strings (copied out
//! of the header block), and each request waiting for its response keeps
//! its method and the last segment of its path.
//!
//! **Pairing.** A response answers the oldest request still waiting (HTTP/1.1
//! pipelining is in order), so requests must be fed before the responses
//! that answer them, as capture order gives. A response whose request was
//! never seen (capture started mid-connection) is unmatched; a response
//! missing from the capture without a gap makes later responses pair one
//! request early, which no FIFO rule can detect.
//!
//! **Resynchronisation.** After a parse error or a gap that leaves a side
//! without a known message boundary, that side is *lost*: its bytes are
//! skipped (counted) until a data call that starts with a message start (a
//! known method and a space from the client, `HTTP/1.` from the server).
//! This is the one behaviour that depends on where data calls begin; for
//! well-formed streams the events do not depend on the split at all.
//!
//! **Bounds.** Per side: one header buffer of at most `max_header_bytes`; per
//! session: at most [`HttpConfig::max_pending`] requests awaiting a response.
//! Every refusal is counted in [`HttpStats`]; nothing panics on any input.
//!
//! ```
//! use weir_core::proto::http::{HttpConfig, HttpEvent, HttpSession, Side};
//! use weir_core::source::Timestamp;
//!
//! let mut s = HttpSession::new(HttpConfig::default());
//! let mut ev = Vec::new();
//! s.data(Side::Client, Timestamp::from_secs(1), b"GET /a.txt HTTP/1.1\r\nHost: h\r\n\r\n", &mut ev);
//! s.data(Side::Server, Timestamp::from_secs(2), b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", &mut ev);
//! assert!(matches!(&ev[2], HttpEvent::Body(b) if b.len == 2 && b.complete));
//! ```

pub mod decode;
pub mod digest;
pub mod extract;
pub mod framing;
mod session;
pub mod wire;

#[cfg(test)]
mod tests;

pub use session::HttpSession;

use crate::source::Timestamp;

/// One direction of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The side that sends requests (normally the one that opened the connection).
    Client,
    /// The side that sends responses.
    Server,
}

/// Limits and options of a session. Every limit bounds what one peer can
/// make the engine hold or compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Hash bodies (MD5 and SHA-256 of the decoded representation). When
    /// false bodies are neither decoded nor hashed: [`HttpBody::len`] is then
    /// the wire length and the hashes are `None`. Default true.
    pub hash_bodies: bool,
    /// Largest header block accepted, in bytes, from the first byte of the
    /// request or status line to the end of the blank line included. A larger
    /// block is dropped, counted in [`HttpStats::header_too_large`] and the
    /// side resynchronises. Bounds the per-side copy. Default 64 KiB.
    pub max_header_bytes: usize,
    /// Largest decompressed size of one gzip/deflate body, in bytes; output
    /// beyond it is not decoded and the body is incomplete (decompression
    /// bombs). Identity bodies are not capped. Default 256 MiB.
    pub max_decoded: u64,
    /// Most requests awaiting a response per session (pipelining depth). A
    /// request beyond it pushes out the oldest, which is then reported as
    /// [`HttpEvent::Unanswered`] and counted in
    /// [`HttpStats::pending_overflow`]. With 0 no request is kept and every
    /// response is unmatched. Default 256.
    pub max_pending: usize,
    /// Where bodies are written (`--extract-files`); `None`: nowhere.
    pub extract: Option<std::sync::Arc<extract::Extractor>>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            hash_bodies: true,
            max_header_bytes: 64 * 1024,
            max_decoded: 256 * 1024 * 1024,
            max_pending: 256,
            extract: None,
        }
    }
}

/// What [`HttpSession`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpEvent {
    /// A request header block was read.
    Request(HttpRequest),
    /// A response header block was read (interim 1xx responses included).
    Response(HttpResponse),
    /// A message body ended (only bodies with at least one decoded byte, or
    /// cut short: a complete empty body gives no event).
    Body(HttpBody),
    /// A request that will get no response: the server side ended first, or
    /// the request was pushed out of the pending queue.
    Unanswered {
        /// The request's transaction number.
        transaction: u64,
    },
}

/// A request header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Time of the data call that completed the header block.
    pub ts: Timestamp,
    /// Transaction number: 0, 1, 2... in request order within the session.
    pub transaction: u64,
    /// Method as sent (`GET`, `POST`...).
    pub method: String,
    /// Request-target as sent.
    pub target: String,
    /// Version as sent (`HTTP/1.1`).
    pub version: String,
    /// The `Host` field, else the authority of an absolute-form target.
    pub host: Option<String>,
    /// The target without its query (`?...`); for an absolute-form target
    /// its path part (`/` if empty); for authority form (CONNECT) the target.
    pub path: String,
    /// The `User-Agent` field.
    pub user_agent: Option<String>,
    /// The `Content-Type` field.
    pub content_type: Option<String>,
    /// The `Content-Length` value when it parses.
    pub content_length: Option<u64>,
    /// The request line and fields as on the wire, blank line included (lossy UTF-8).
    pub header_block: String,
}

/// A response header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Time of the data call that completed the header block.
    pub ts: Timestamp,
    /// The transaction answered: the oldest request without a final
    /// response; `None` when no request is waiting (capture started late).
    pub transaction: Option<u64>,
    /// An interim (1xx other than 101) response; the final one follows and
    /// answers the same transaction.
    pub interim: bool,
    /// Status code (100..=999).
    pub status: u16,
    /// Reason phrase as sent.
    pub reason: String,
    /// Version as sent (`HTTP/1.1`).
    pub version: String,
    /// The `Content-Type` field.
    pub content_type: Option<String>,
    /// The `Content-Length` value when it parses.
    pub content_length: Option<u64>,
    /// The `Content-Encoding` field.
    pub content_encoding: Option<String>,
    /// The `Transfer-Encoding` field.
    pub transfer_encoding: Option<String>,
    /// The `Server` field.
    pub server: Option<String>,
    /// The status line and fields as on the wire, blank line included (lossy UTF-8).
    pub header_block: String,
    /// Response header time minus request header time, in microseconds
    /// (0 if the clock went backwards); `None` when unmatched.
    pub latency_us: Option<u64>,
}

/// A message body, reported when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpBody {
    /// Which side sent it (client: request body, server: response body).
    pub side: Side,
    /// The transaction of the request (for request and response bodies);
    /// `None` for the body of an unmatched response.
    pub transaction: Option<u64>,
    /// Time of the call that ended the body.
    pub ts_end: Timestamp,
    /// Decoded bytes hashed (after de-chunking and content decoding).
    pub len: u64,
    /// Body bytes seen as sent, de-chunked but still content-coded.
    pub wire_len: u64,
    /// MD5 of the decoded bytes (`None` when hashing is off).
    pub md5: Option<[u8; 16]>,
    /// SHA-256 of the decoded bytes (`None` when hashing is off).
    pub sha256: Option<[u8; 32]>,
    /// The message's `Content-Type`.
    pub content_type: Option<String>,
    /// The message's `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Content-Disposition` file name, else the last segment of the request
    /// path; `None` if empty.
    pub file_name: Option<String>,
    /// Whether the hashes are those of the whole decoded body.
    pub complete: bool,
    /// Why not, when `complete` is false (a fixed text such as `"gap"`,
    /// `"cut by close"`, `"decode error"`, `"decoded size cap"`,
    /// `"unknown encoding, hashed as sent"`).
    pub incomplete_reason: Option<&'static str>,
    /// The file the body was written to (`--extract-files`), relative to
    /// the extraction directory: named by its SHA-256 (`body-N` with
    /// hashing off). `None` when not extracted.
    pub extracted: Option<String>,
}

/// Outcome of content detection on the first bytes of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// The bytes start like an HTTP/1.x message.
    Yes,
    /// They do not.
    No,
    /// Too few bytes to say; ask again with more.
    NeedMore,
}

/// Methods recognised by [`looks_like_request`]: RFC 9110, PATCH (RFC 5789)
/// and WebDAV (RFC 4918, 3253, 3648, 5323).
const METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"CONNECT",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"REPORT",
    b"CHECKOUT",
    b"CHECKIN",
    b"MERGE",
    b"MKACTIVITY",
    b"MKWORKSPACE",
    b"VERSION-CONTROL",
    b"UPDATE",
    b"LABEL",
    b"UNCHECKOUT",
    b"ORDERPATCH",
    b"SEARCH",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"ACL",
    b"MKCALENDAR",
    // UPnP's GENA (event subscriptions over HTTP/1.1, as tshark reads them).
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
    b"NOTIFY",
    // Cache invalidation (Varnish, Squid).
    b"PURGE",
];

/// Whether `first` (the first bytes of a stream) starts like an HTTP/1.x
/// request: a known method (see the list in the source: RFC 9110, PATCH,
/// WebDAV) followed by a space. `NeedMore` while `first` is a proper prefix
/// of such a start.
pub fn looks_like_request(first: &[u8]) -> Detection {
    let mut more = false;
    for m in METHODS {
        let n = m.len();
        match first.get(..=n) {
            Some(head) if head.get(..n) == Some(*m) && head.get(n) == Some(&b' ') => {
                return Detection::Yes
            }
            Some(_) => {}
            None => more |= m.starts_with(first),
        }
    }
    if more {
        Detection::NeedMore
    } else {
        Detection::No
    }
}

/// Whether `first` starts like an HTTP/1.x response (`HTTP/1.`).
/// `NeedMore` while `first` is a proper prefix of it.
pub fn looks_like_response(first: &[u8]) -> Detection {
    const START: &[u8] = b"HTTP/1.";
    if first.starts_with(START) {
        Detection::Yes
    } else if START.starts_with(first) {
        Detection::NeedMore
    } else {
        Detection::No
    }
}

/// Counters of one session (or, summed with [`HttpStats::add`], of many).
/// All counts are events or bytes as named.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct HttpStats {
    /// Request header blocks parsed.
    pub requests: u64,
    /// Final response header blocks parsed.
    pub responses: u64,
    /// Interim (1xx) responses parsed.
    pub interim_responses: u64,
    /// Responses with no request waiting.
    pub unmatched_responses: u64,
    /// Requests reported as [`HttpEvent::Unanswered`].
    pub unanswered_requests: u64,
    /// Requests pushed out of a full pending queue.
    pub pending_overflow: u64,
    /// Body events emitted.
    pub bodies: u64,
    /// Body events with `complete == false`.
    pub bodies_incomplete: u64,
    /// Body bytes as sent (de-chunked).
    pub body_wire_bytes: u64,
    /// Decoded body bytes hashed.
    pub body_decoded_bytes: u64,
    /// Header blocks over `max_header_bytes` (message skipped).
    pub header_too_large: u64,
    /// Header blocks cut by a gap or the end of the stream.
    pub header_truncated: u64,
    /// Client data that does not start a request line where one is due.
    pub bad_request_line: u64,
    /// Server data that does not start a status line where one is due.
    pub bad_status_line: u64,
    /// Content-Length values that differ or do not parse.
    pub bad_content_length: u64,
    /// Requests with a Transfer-Encoding not ending in chunked.
    pub bad_transfer_encoding: u64,
    /// Chunked bodies with a bad chunk-size line or data end.
    pub bad_chunk: u64,
    /// Compressed bodies whose data is corrupt or truncated.
    pub decode_errors: u64,
    /// Bodies with a coding that is not decoded (hashed as sent).
    pub unknown_encodings: u64,
    /// Bodies stopped at `max_decoded`.
    pub decoded_cap_hits: u64,
    /// Bytes after the end of a gzip body's last member, ignored.
    pub gzip_trailing_bytes: u64,
    /// Gaps reported.
    pub gaps: u64,
    /// Bytes lost in gaps.
    pub gap_bytes: u64,
    /// Bytes ignored while resynchronising (after an error or a gap).
    pub skipped_bytes: u64,
    /// Bytes ignored after a CONNECT tunnel or protocol upgrade began.
    pub tunnel_bytes: u64,
    /// Bytes received after the side ended, ignored.
    pub bytes_after_end: u64,
    /// Responses lost in a gap or unreadable bytes of the server side while
    /// a request waited for one: that request is reported unanswered, so
    /// the next response is paired with the request it answers.
    pub lost_responses: u64,
}

impl HttpStats {
    /// Adds every counter of `other` to `self` (saturating).
    pub fn add(&mut self, other: &HttpStats) {
        let HttpStats {
            requests,
            responses,
            interim_responses,
            unmatched_responses,
            unanswered_requests,
            pending_overflow,
            bodies,
            bodies_incomplete,
            body_wire_bytes,
            body_decoded_bytes,
            header_too_large,
            header_truncated,
            bad_request_line,
            bad_status_line,
            bad_content_length,
            bad_transfer_encoding,
            bad_chunk,
            decode_errors,
            unknown_encodings,
            decoded_cap_hits,
            gzip_trailing_bytes,
            gaps,
            gap_bytes,
            skipped_bytes,
            tunnel_bytes,
            bytes_after_end,
            lost_responses,
        } = other;
        let pairs = [
            (&mut self.requests, requests),
            (&mut self.responses, responses),
            (&mut self.interim_responses, interim_responses),
            (&mut self.unmatched_responses, unmatched_responses),
            (&mut self.unanswered_requests, unanswered_requests),
            (&mut self.pending_overflow, pending_overflow),
            (&mut self.bodies, bodies),
            (&mut self.bodies_incomplete, bodies_incomplete),
            (&mut self.body_wire_bytes, body_wire_bytes),
            (&mut self.body_decoded_bytes, body_decoded_bytes),
            (&mut self.header_too_large, header_too_large),
            (&mut self.header_truncated, header_truncated),
            (&mut self.bad_request_line, bad_request_line),
            (&mut self.bad_status_line, bad_status_line),
            (&mut self.bad_content_length, bad_content_length),
            (&mut self.bad_transfer_encoding, bad_transfer_encoding),
            (&mut self.bad_chunk, bad_chunk),
            (&mut self.decode_errors, decode_errors),
            (&mut self.unknown_encodings, unknown_encodings),
            (&mut self.decoded_cap_hits, decoded_cap_hits),
            (&mut self.gzip_trailing_bytes, gzip_trailing_bytes),
            (&mut self.gaps, gaps),
            (&mut self.gap_bytes, gap_bytes),
            (&mut self.skipped_bytes, skipped_bytes),
            (&mut self.tunnel_bytes, tunnel_bytes),
            (&mut self.bytes_after_end, bytes_after_end),
            (&mut self.lost_responses, lost_responses),
        ];
        for (mine, theirs) in pairs {
            *mine = mine.saturating_add(*theirs);
        }
    }
}
