//! The `session` module deals with one HTTP/1.x connection: a state machine
//! per side (between messages, in a header block, in a body, lost, tunnel,
//! ended), the queue of requests awaiting a response (pipelining), and the
//! events.
//!
//! The two sides are parsed independently; they meet only in the pending
//! queue: a response answers the oldest request without a final response,
//! and needs its method (a HEAD response has no body, a 2xx answer to CONNECT
//! starts a tunnel). Requests must therefore be fed before the responses
//! that answer them, as capture order gives.

use std::collections::VecDeque;

use super::decode::{Coding, ContentDecoder, DecodeFailure};
use super::digest::BodyDigest;
use super::extract::{BodyFile, Extractor};
use super::framing::{self, ChunkError, Dechunker, Framing, FramingError};
use super::wire::{self, RequestLine, StatusLine};
use super::{
    looks_like_request, looks_like_response, Detection, HttpBody, HttpConfig, HttpEvent,
    HttpRequest, HttpResponse, HttpStats, Side,
};
use crate::source::Timestamp;
use std::sync::Arc;

/// A request waiting for its final response.
#[derive(Debug, Clone)]
struct Pending {
    transaction: u64,
    ts: Timestamp,
    method: String,
    /// Last segment of the request path, for response body file names.
    file_name: Option<String>,
}

/// How the body in progress ends.
#[derive(Debug)]
enum BodyEnd {
    /// This many bytes are left (never 0).
    Length(u64),
    /// Chunked: the decoder finds the end.
    Chunked(Dechunker),
    /// At the close of the side.
    Close,
}

/// Where hashed body bytes go.
#[derive(Debug)]
struct Sink {
    /// The content decoder (`None` when hashing is off).
    decoder: Option<ContentDecoder>,
    digest: Option<BodyDigest>,
    /// Bytes as sent, de-chunked.
    wire_len: u64,
    /// Set after a gap: the bytes no longer follow each other, so hashing
    /// stops (the hashes cover the bytes before the gap).
    broken: Option<&'static str>,
    /// The body's file, with `--extract-files`.
    file: Option<BodyFile>,
    extractor: Option<Arc<Extractor>>,
}

impl Sink {
    /// Takes de-chunked body bytes.
    fn absorb(&mut self, bytes: &[u8]) {
        self.wire_len = self.wire_len.saturating_add(bytes.len() as u64);
        if self.broken.is_some() {
            return;
        }
        let file = self.file.as_mut().zip(self.extractor.as_deref());
        match (&mut self.decoder, &mut self.digest) {
            (Some(decoder), Some(digest)) => match file {
                Some((f, x)) => decoder.feed(bytes, &mut |s| {
                    digest.update(s);
                    f.write(x, s);
                }),
                None => decoder.feed(bytes, &mut |s| digest.update(s)),
            },
            // Hashing off: the body is stored as sent.
            _ => {
                if let Some((f, x)) = file {
                    f.write(x, bytes);
                }
            }
        }
    }
}

/// A body in progress.
#[derive(Debug)]
struct Body {
    end: BodyEnd,
    sink: Sink,
    transaction: Option<u64>,
    content_type: Option<String>,
    content_encoding: Option<String>,
    file_name: Option<String>,
}

/// What one side is doing.
#[derive(Debug)]
enum State {
    /// Between messages: CR/LF are skipped, anything else starts a header block.
    Start,
    /// Inside a header block (its bytes so far are in `Half::hdr`).
    Header,
    /// Inside a body.
    Body(Box<Body>),
    /// After an error or a gap: bytes are skipped until a data call starts
    /// with a message start.
    Lost,
    /// The client sent CONNECT: its bytes are ignored until the response
    /// says whether a tunnel follows.
    AwaitConnect,
    /// Not HTTP any more (CONNECT tunnel, protocol upgrade).
    Tunnel,
    /// The side ended; later bytes are ignored.
    Ended,
}

/// One side of the connection.
#[derive(Debug)]
struct Half {
    state: State,
    /// The header block being read; never longer than `max_header_bytes`.
    hdr: Vec<u8>,
}

/// The HTTP/1.x parser of one TCP connection. See the [module
/// documentation](super) for what is copied and what is bounded.
#[derive(Debug)]
pub struct HttpSession {
    cfg: HttpConfig,
    client: Half,
    server: Half,
    pending: VecDeque<Pending>,
    next_transaction: u64,
    stats: HttpStats,
    /// Time of the latest data or end call: a gap has no time of its own,
    /// so a body ended by a gap is stamped with it.
    last_ts: Timestamp,
}

/// Microseconds since the epoch, saturating (timestamps are caller data).
fn micros(ts: Timestamp) -> u64 {
    ts.secs
        .saturating_mul(1_000_000)
        .saturating_add(u64::from(ts.usecs))
}

/// Lossy UTF-8 of a wire slice.
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The last segment of `path`, `None` if empty.
fn last_segment(path: &str) -> Option<String> {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Splits a request-target into (authority of an absolute form, path without
/// query).
fn split_target(target: &[u8]) -> (Option<&[u8]>, &[u8]) {
    let cut_query = |p: &'_ [u8]| -> usize {
        p.iter()
            .position(|&b| b == b'?' || b == b'#')
            .unwrap_or(p.len())
    };
    if target.first() != Some(&b'/') {
        if let Some(pos) = target.windows(3).position(|w| w == b"://") {
            let rest = target.get(pos + 3..).unwrap_or_default();
            let auth_end = rest
                .iter()
                .position(|&b| b == b'/' || b == b'?' || b == b'#')
                .unwrap_or(rest.len());
            let authority = rest.get(..auth_end).unwrap_or_default();
            let after = rest.get(auth_end..).unwrap_or_default();
            let path = after.get(..cut_query(after)).unwrap_or_default();
            let path: &[u8] = if path.is_empty() { b"/" } else { path };
            return (Some(authority).filter(|a| !a.is_empty()), path);
        }
        // Authority form (CONNECT) or asterisk form: the target itself.
        return (None, target);
    }
    (None, target.get(..cut_query(target)).unwrap_or_default())
}

impl HttpSession {
    /// A session at the start of a connection.
    pub fn new(cfg: HttpConfig) -> HttpSession {
        HttpSession {
            cfg,
            client: Half {
                state: State::Start,
                hdr: Vec::new(),
            },
            server: Half {
                state: State::Start,
                hdr: Vec::new(),
            },
            pending: VecDeque::new(),
            next_transaction: 0,
            stats: HttpStats::default(),
            last_ts: Timestamp::default(),
        }
    }

    /// Counters of what the session saw and refused.
    pub fn stats(&self) -> &HttpStats {
        &self.stats
    }

    /// Memory held by the header buffer of `side`, in bytes (its capacity,
    /// never more than `max_header_bytes`).
    pub fn buffered_bytes(&self, side: Side) -> usize {
        match side {
            Side::Client => self.client.hdr.capacity(),
            Side::Server => self.server.hdr.capacity(),
        }
    }

    /// Requests awaiting a response (at most `max_pending`).
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    fn half(&mut self, side: Side) -> &mut Half {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    /// In-order bytes of `side`, as TCP reassembly delivers them. The split
    /// does not matter: a header line or chunk-size line may be cut anywhere,
    /// even between CR and LF, and the same events come out. `bytes` is
    /// borrowed for the call only; only header blocks are copied (bounded).
    /// Events completed by these bytes are pushed to `out`, stamped `ts`.
    ///
    /// After an error or a gap the side is lost: it resumes only at a call
    /// whose bytes start with a request line (client) or `HTTP/1.` (server).
    pub fn data(&mut self, side: Side, ts: Timestamp, bytes: &[u8], out: &mut Vec<HttpEvent>) {
        if bytes.is_empty() {
            return;
        }
        self.last_ts = self.last_ts.max(ts);
        if matches!(self.half(side).state, State::Lost) {
            let start = match side {
                Side::Client => looks_like_request(bytes),
                Side::Server => looks_like_response(bytes),
            };
            if start == Detection::Yes {
                self.half(side).state = State::Start;
            }
        }
        let mut input = bytes;
        while !input.is_empty() {
            let state = std::mem::replace(&mut self.half(side).state, State::Start);
            match state {
                State::Ended => {
                    self.half(side).state = State::Ended;
                    self.stats.bytes_after_end = self
                        .stats
                        .bytes_after_end
                        .saturating_add(input.len() as u64);
                    return;
                }
                State::Tunnel | State::AwaitConnect => {
                    self.half(side).state = state;
                    self.stats.tunnel_bytes =
                        self.stats.tunnel_bytes.saturating_add(input.len() as u64);
                    return;
                }
                State::Lost => {
                    self.lose(side, input.len());
                    return;
                }
                State::Start => {
                    let skip = input
                        .iter()
                        .position(|&b| b != b'\r' && b != b'\n')
                        .unwrap_or(input.len());
                    input = input.get(skip..).unwrap_or_default();
                    if !input.is_empty() {
                        let half = self.half(side);
                        half.hdr.clear();
                        half.state = State::Header;
                    }
                }
                State::Header => {
                    let cap = self.cfg.max_header_bytes;
                    let half = self.half(side);
                    let old = half.hdr.len();
                    let take = cap.saturating_sub(old).min(input.len());
                    grow_within(&mut half.hdr, take, cap);
                    half.hdr
                        .extend_from_slice(input.get(..take).unwrap_or_default());
                    if !plausible_start(side, &half.hdr) {
                        // Refuse at once rather than buffer up to the cap:
                        // a capture that starts mid-body sends no header.
                        half.hdr.clear();
                        match side {
                            Side::Client => self.stats.bad_request_line += 1,
                            Side::Server => {
                                self.stats.bad_status_line += 1;
                                self.response_lost(out);
                            }
                        }
                        self.lose(side, input.len());
                        return;
                    }
                    if let Some(end) = wire::header_end(&half.hdr, old) {
                        half.hdr.truncate(end);
                        input = input.get(end.saturating_sub(old)..).unwrap_or_default();
                        let block = std::mem::take(&mut half.hdr);
                        match side {
                            Side::Client => self.on_request(ts, &block, out),
                            Side::Server => self.on_response(ts, &block, out),
                        }
                        // Keep the allocation for the next block.
                        let half = self.half(side);
                        if half.hdr.is_empty() {
                            half.hdr = block;
                            half.hdr.clear();
                        }
                    } else if half.hdr.len() >= cap {
                        half.hdr.clear();
                        self.stats.header_too_large += 1;
                        self.lose(side, input.len().saturating_sub(take));
                        return;
                    } else {
                        half.state = State::Header;
                        input = &[];
                    }
                }
                State::Body(mut body) => {
                    let (used, outcome) = feed_body(&mut body, input);
                    input = input.get(used..).unwrap_or_default();
                    match outcome {
                        None => self.half(side).state = State::Body(body),
                        Some(Ok(())) => self.finish_body(side, ts, *body, None, out),
                        Some(Err(_)) => {
                            self.stats.bad_chunk += 1;
                            self.finish_body(side, ts, *body, Some("bad chunk framing"), out);
                            self.lose(side, input.len());
                            return;
                        }
                    }
                }
            }
        }
    }

    /// The server side lost its place between responses (a gap, or bytes
    /// that start no status line): the response in what was lost answered
    /// the oldest waiting request, which is reported unanswered. Without
    /// this every later response would be paired one request early. Called
    /// once per loss: a side already lost does not lose another response.
    fn response_lost(&mut self, out: &mut Vec<HttpEvent>) {
        if let Some(p) = self.pending.pop_front() {
            self.stats.lost_responses += 1;
            self.stats.unanswered_requests += 1;
            out.push(HttpEvent::Unanswered {
                transaction: p.transaction,
            });
        }
    }

    /// Marks `side` lost and counts `skipped` bytes as skipped.
    fn lose(&mut self, side: Side, skipped: usize) {
        self.half(side).state = State::Lost;
        self.stats.skipped_bytes = self.stats.skipped_bytes.saturating_add(skipped as u64);
    }

    /// `len` bytes of `side` were lost (capture gap). A body in progress
    /// becomes incomplete: a body of known length keeps its place (the bytes
    /// after the gap that belong to it are skipped, the next message is
    /// parsed where it starts), a close-delimited body runs on to the close,
    /// a chunked body ends at once. The hashes then cover only the bytes
    /// before the gap. Otherwise the side is lost and resynchronises as
    /// described at [`HttpSession::data`].
    pub fn gap(&mut self, side: Side, len: u64, out: &mut Vec<HttpEvent>) {
        if len == 0 {
            return;
        }
        self.stats.gaps += 1;
        self.stats.gap_bytes = self.stats.gap_bytes.saturating_add(len);
        let state = std::mem::replace(&mut self.half(side).state, State::Lost);
        match state {
            State::Lost => {}
            State::Start => {
                if side == Side::Server {
                    self.response_lost(out);
                }
            }
            State::Header => {
                self.half(side).hdr.clear();
                self.stats.header_truncated += 1;
                if side == Side::Server {
                    self.response_lost(out);
                }
            }
            State::Tunnel | State::AwaitConnect | State::Ended => self.half(side).state = state,
            State::Body(mut body) => {
                body.sink.broken.get_or_insert("gap");
                match body.end {
                    BodyEnd::Length(left) if len < left => {
                        body.end = BodyEnd::Length(left - len);
                        self.half(side).state = State::Body(body);
                    }
                    BodyEnd::Length(left) => {
                        self.finish_body(side, self.last_ts, *body, None, out);
                        // The gap ended exactly with the body: the next
                        // message starts at the next byte.
                        self.half(side).state = if len == left {
                            State::Start
                        } else {
                            State::Lost
                        };
                    }
                    BodyEnd::Close => self.half(side).state = State::Body(body),
                    BodyEnd::Chunked(_) => self.finish_body(side, self.last_ts, *body, None, out),
                }
            }
        }
    }

    /// `side` closed (FIN/RST) or the flow ended. A close-delimited body ends
    /// here (complete unless a gap hit it); any other body in progress ends
    /// incomplete ("cut by close"); a partial header block is dropped and
    /// counted. Once the server side has ended, requests still awaiting a
    /// response are reported as [`HttpEvent::Unanswered`]. Later data of
    /// `side` is ignored.
    pub fn end(&mut self, side: Side, ts: Timestamp, out: &mut Vec<HttpEvent>) {
        self.last_ts = self.last_ts.max(ts);
        let state = std::mem::replace(&mut self.half(side).state, State::Ended);
        match state {
            State::Header => {
                self.half(side).hdr.clear();
                self.stats.header_truncated += 1;
            }
            State::Body(body) => {
                let reason = match body.end {
                    BodyEnd::Close => None,
                    _ => Some("cut by close"),
                };
                self.finish_body(side, ts, *body, reason, out);
                self.half(side).state = State::Ended;
            }
            _ => {}
        }
        if matches!(self.server.state, State::Ended) {
            while let Some(p) = self.pending.pop_front() {
                self.stats.unanswered_requests += 1;
                out.push(HttpEvent::Unanswered {
                    transaction: p.transaction,
                });
            }
        }
    }

    /// A complete request header block.
    fn on_request(&mut self, ts: Timestamp, block: &[u8], out: &mut Vec<HttpEvent>) {
        let Some(line) = RequestLine::parse(block) else {
            self.stats.bad_request_line += 1;
            self.lose(Side::Client, 0);
            return;
        };
        let framing = match framing::request_framing(block) {
            Ok(f) => f,
            Err(e) => {
                self.count_framing_error(e);
                self.lose(Side::Client, 0);
                return;
            }
        };
        let transaction = self.next_transaction;
        self.next_transaction = self.next_transaction.saturating_add(1);
        self.stats.requests += 1;
        let (authority, path) = split_target(line.target);
        let path = text(path);
        let method = text(line.method);
        let file_name = last_segment(&path);
        let content_type = wire::find_string(block, "content-type");
        let content_encoding = wire::find_string(block, "content-encoding");
        if self.pending.len() >= self.cfg.max_pending {
            if let Some(old) = self.pending.pop_front() {
                self.stats.pending_overflow += 1;
                self.stats.unanswered_requests += 1;
                out.push(HttpEvent::Unanswered {
                    transaction: old.transaction,
                });
            }
        }
        if self.cfg.max_pending > 0 {
            self.pending.push_back(Pending {
                transaction,
                ts,
                method: method.clone(),
                file_name: file_name.clone(),
            });
        }
        let is_connect = method.eq_ignore_ascii_case("CONNECT");
        out.push(HttpEvent::Request(HttpRequest {
            ts,
            transaction,
            method,
            target: text(line.target),
            version: text(line.version),
            host: wire::find_string(block, "host").or_else(|| authority.map(text)),
            path,
            user_agent: wire::find_string(block, "user-agent"),
            content_type: content_type.clone(),
            content_length: framing::content_length(block).ok().flatten(),
            header_block: text(block),
        }));
        let body_file = wire::find(block, "content-disposition")
            .and_then(|h| wire::disposition_filename(h.value))
            .or(file_name);
        self.start_body(
            Side::Client,
            framing,
            Some(transaction),
            content_type,
            content_encoding,
            body_file,
        );
        if is_connect && matches!(self.client.state, State::Start) {
            self.client.state = State::AwaitConnect;
        }
    }

    /// A complete response header block.
    fn on_response(&mut self, ts: Timestamp, block: &[u8], out: &mut Vec<HttpEvent>) {
        let Some(line) = StatusLine::parse(block) else {
            self.stats.bad_status_line += 1;
            self.lose(Side::Server, 0);
            return;
        };
        let interim = (100..200).contains(&line.status) && line.status != 101;
        let front = self.pending.front().cloned();
        let framing = match framing::response_framing(
            block,
            line.status,
            front.as_ref().map(|p| p.method.as_str()),
        ) {
            Ok(f) => f,
            Err(e) => {
                self.count_framing_error(e);
                if !interim {
                    self.pending.pop_front();
                }
                self.lose(Side::Server, 0);
                return;
            }
        };
        let answered = if interim {
            self.stats.interim_responses += 1;
            front
        } else {
            self.stats.responses += 1;
            self.pending.pop_front()
        };
        if answered.is_none() {
            self.stats.unmatched_responses += 1;
        }
        let content_type = wire::find_string(block, "content-type");
        let content_encoding = wire::find_string(block, "content-encoding");
        out.push(HttpEvent::Response(HttpResponse {
            ts,
            transaction: answered.as_ref().map(|p| p.transaction),
            interim,
            status: line.status,
            reason: text(line.reason),
            version: text(line.version),
            content_type: content_type.clone(),
            content_length: framing::content_length(block).ok().flatten(),
            content_encoding: content_encoding.clone(),
            transfer_encoding: wire::find_string(block, "transfer-encoding"),
            server: wire::find_string(block, "server"),
            header_block: text(block),
            latency_us: answered
                .as_ref()
                .map(|p| micros(ts).saturating_sub(micros(p.ts))),
        }));
        let was_connect = answered
            .as_ref()
            .is_some_and(|p| p.method.eq_ignore_ascii_case("CONNECT"));
        if framing == Framing::Tunnel {
            self.server.state = State::Tunnel;
            self.client.hdr.clear();
            if !matches!(self.client.state, State::Ended) {
                self.client.state = State::Tunnel;
            }
            return;
        }
        if was_connect && !interim && matches!(self.client.state, State::AwaitConnect) {
            // CONNECT refused: the client may go on, but its bytes sent
            // meanwhile were dropped, so resynchronise.
            self.client.state = State::Lost;
        }
        let transaction = answered.as_ref().map(|p| p.transaction);
        let body_file = wire::find(block, "content-disposition")
            .and_then(|h| wire::disposition_filename(h.value))
            .or_else(|| answered.and_then(|p| p.file_name));
        self.start_body(
            Side::Server,
            framing,
            transaction,
            content_type,
            content_encoding,
            body_file,
        );
    }

    fn count_framing_error(&mut self, e: FramingError) {
        match e {
            FramingError::BadContentLength => self.stats.bad_content_length += 1,
            FramingError::BadTransferEncoding => self.stats.bad_transfer_encoding += 1,
        }
    }

    /// Puts `side` into the body state `framing` asks for (or back to Start).
    fn start_body(
        &mut self,
        side: Side,
        framing: Framing,
        transaction: Option<u64>,
        content_type: Option<String>,
        content_encoding: Option<String>,
        file_name: Option<String>,
    ) {
        let end = match framing {
            Framing::None | Framing::Tunnel => {
                self.half(side).state = State::Start;
                return;
            }
            Framing::Length(n) => BodyEnd::Length(n),
            Framing::Chunked => BodyEnd::Chunked(Dechunker::new()),
            Framing::UntilClose => BodyEnd::Close,
        };
        let (decoder, digest) = if self.cfg.hash_bodies {
            let coding = Coding::from_header(content_encoding.as_deref().map(str::as_bytes));
            (
                Some(ContentDecoder::new(coding, self.cfg.max_decoded)),
                Some(BodyDigest::new()),
            )
        } else {
            (None, None)
        };
        self.half(side).state = State::Body(Box::new(Body {
            end,
            sink: Sink {
                decoder,
                digest,
                wire_len: 0,
                broken: None,
                file: self.cfg.extract.as_ref().map(|x| x.body()),
                extractor: self.cfg.extract.clone(),
            },
            transaction,
            content_type,
            content_encoding,
            file_name,
        }));
    }

    /// Ends a body: flushes the decoder, emits the event (non-empty or
    /// incomplete bodies only), counts. `reason` is why the body was cut, if
    /// it was; the side's state is left to the caller.
    fn finish_body(
        &mut self,
        side: Side,
        ts: Timestamp,
        body: Body,
        reason: Option<&'static str>,
        out: &mut Vec<HttpEvent>,
    ) {
        let Body {
            sink,
            transaction,
            content_type,
            content_encoding,
            file_name,
            ..
        } = body;
        let Sink {
            decoder,
            digest,
            wire_len,
            broken,
            mut file,
            extractor,
        } = sink;
        let mut reason = broken.or(reason);
        let mut len = wire_len;
        let mut hashes = None;
        if let (Some(mut decoder), Some(mut digest)) = (decoder, digest) {
            let failure = if broken.is_none() {
                let file = file.as_mut().zip(extractor.as_deref());
                match file {
                    Some((f, x)) => decoder.finish(&mut |s| {
                        digest.update(s);
                        f.write(x, s);
                    }),
                    None => decoder.finish(&mut |s| digest.update(s)),
                }
            } else {
                decoder.failure()
            };
            match failure {
                Some(DecodeFailure::Corrupt | DecodeFailure::Truncated) => {
                    self.stats.decode_errors += 1
                }
                Some(DecodeFailure::UnknownEncoding) => self.stats.unknown_encodings += 1,
                Some(DecodeFailure::SizeCap) => self.stats.decoded_cap_hits += 1,
                None => {}
            }
            self.stats.gzip_trailing_bytes = self
                .stats
                .gzip_trailing_bytes
                .saturating_add(decoder.trailing_garbage());
            reason = reason.or(failure.map(DecodeFailure::as_str));
            len = decoder.decoded();
            hashes = Some(digest.finish());
        }
        self.stats.body_wire_bytes = self.stats.body_wire_bytes.saturating_add(wire_len);
        self.stats.body_decoded_bytes = self.stats.body_decoded_bytes.saturating_add(len);
        let complete = reason.is_none();
        let extracted = match (file, extractor.as_deref()) {
            (Some(f), Some(x)) => f.finish(x, complete, hashes.map(|h| h.1)),
            _ => None,
        };
        if len == 0 && complete {
            return;
        }
        self.stats.bodies += 1;
        if !complete {
            self.stats.bodies_incomplete += 1;
        }
        out.push(HttpEvent::Body(HttpBody {
            side,
            transaction,
            ts_end: ts,
            len,
            wire_len,
            md5: hashes.map(|h| h.0),
            sha256: hashes.map(|h| h.1),
            content_type,
            content_encoding,
            file_name,
            complete,
            incomplete_reason: reason,
            extracted,
        }));
    }
}

/// Makes room for `more` bytes in `buf` without its capacity passing `cap`
/// (when `len + more <= cap`): doubling, as `Vec` does, but clamped, so the
/// header buffer's memory is bounded by the configured cap, not twice it.
fn grow_within(buf: &mut Vec<u8>, more: usize, cap: usize) {
    let need = buf.len().saturating_add(more);
    if need <= buf.capacity() {
        return;
    }
    let target = need.max(buf.capacity().saturating_mul(2).max(256).min(cap));
    buf.reserve_exact(target - buf.len());
}

/// Longest method token accepted before its space, in bytes.
const MAX_METHOD: usize = 32;

/// Whether the first bytes of a header block can still start a request line
/// (a method token, then a space) or a status line (`HTTP/1.`).
fn plausible_start(side: Side, hdr: &[u8]) -> bool {
    match side {
        Side::Server => looks_like_response(hdr.get(..7).unwrap_or(hdr)) != Detection::No,
        Side::Client => {
            let head = hdr.get(..=MAX_METHOD).unwrap_or(hdr);
            match head.iter().position(|&b| b == b' ') {
                Some(sp) => {
                    sp > 0
                        && head
                            .get(..sp)
                            .is_some_and(|m| m.iter().all(|&b| wire::is_tchar(b)))
                }
                None => head.len() <= MAX_METHOD && head.iter().all(|&b| wire::is_tchar(b)),
            }
        }
    }
}

/// Feeds body bytes; returns how many belong to the body and, once it
/// ended, whether its framing was sound.
fn feed_body(body: &mut Body, input: &[u8]) -> (usize, Option<Result<(), ChunkError>>) {
    let Body { end, sink, .. } = body;
    match end {
        BodyEnd::Length(left) => {
            let take = usize::try_from(*left).map_or(input.len(), |l| l.min(input.len()));
            sink.absorb(input.get(..take).unwrap_or_default());
            *left -= take as u64;
            (take, (*left == 0).then_some(Ok(())))
        }
        BodyEnd::Chunked(d) => match d.feed(input, &mut |s| sink.absorb(s)) {
            Ok(used) => (used, d.is_done().then_some(Ok(()))),
            Err(e) => (input.len(), Some(Err(e))),
        },
        BodyEnd::Close => {
            sink.absorb(input);
            (input.len(), None)
        }
    }
}
