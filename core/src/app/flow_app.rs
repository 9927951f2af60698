//! The `flow_app` module deals with one TCP flow's application state: the
//! reassembly of both directions, content detection, and the parser once
//! one is attached.
//!
//! **Detection.** The parser is chosen by what each direction's first
//! bytes look like, never by port: a direction starting with an HTTP
//! method and a space is an HTTP client, one starting with `HTTP/1.` an
//! HTTP server. Up to [`PREFIX`] bytes per direction are kept while
//! undecided. A direction that matches neither is "no"; when both are, or
//! a gap comes first, the flow is given up ([`AppStats::undetected_flows`])
//! and its held segments released. Bytes of a direction that said no
//! before the other matched reach the parser as a gap, so it
//! resynchronises at the next message.

use std::sync::Arc;

use weir_plugin_api::{FlowHandle, IpBytes, Timestamp};

use super::dns::DnsTcpFlow;
use super::http::HttpFlow;
use super::ssh::SshFlow;
use super::tls::TlsFlow;
use super::{AppLayer, AppParser, AppStats};
use crate::artifacts::{Artifact, FlowRef};
use crate::decode::tcp_flags;
use crate::proto::dns::{is_dns_port, looks_like_dns_tcp};
use crate::proto::http::{looks_like_request, looks_like_response, Detection, HttpSession};
use crate::proto::ssh::looks_like_ssh;
use crate::proto::tls::looks_like_tls;
use crate::stream::{Chunk, Direction};

/// Bytes kept per direction while detecting.
pub const PREFIX: usize = 32;

/// The flow a [`FlowApp`] belongs to, as its table entry knows it.
#[derive(Debug, Clone, Copy)]
pub struct FlowIdentity<'a> {
    /// Trisul flow id.
    pub id: &'a str,
    /// Handle.
    pub handle: FlowHandle,
    /// The A end.
    pub a: (IpBytes, u16),
    /// The Z end.
    pub z: (IpBytes, u16),
}

enum Proto {
    Detect {
        prefix: [Vec<u8>; 2],
        no: [bool; 2],
        /// Bytes of each direction not kept (after it said no).
        dropped: [u64; 2],
    },
    /// A parser found by content.
    Parser(Box<dyn AppParser>),
    Off,
}

/// One TCP flow's application state (boxed in its table entry).
pub struct FlowApp {
    /// Index 0: A to Z; 1: Z to A.
    dirs: [Direction; 2],
    ended: [bool; 2],
    id: Arc<str>,
    handle: FlowHandle,
    ends: [(IpBytes, u16); 2],
    proto: Proto,
    /// The direction of the first SYN without ACK: the client, when seen.
    syn_from: Option<usize>,
}

/// What a chunk handler needs from the worker's layer.
struct Ctx<'a> {
    out: &'a mut Vec<Artifact>,
    http: bool,
    tls: bool,
    dns: bool,
    http_cfg: &'a crate::proto::http::HttpConfig,
    stats: &'a mut AppStats,
}

impl FlowApp {
    /// A flow's state before its first byte.
    pub fn new(flow: &FlowIdentity<'_>) -> FlowApp {
        FlowApp {
            dirs: [Direction::new(), Direction::new()],
            ended: [false; 2],
            id: Arc::from(flow.id),
            handle: flow.handle,
            ends: [flow.a, flow.z],
            proto: Proto::Detect {
                prefix: [Vec::new(), Vec::new()],
                no: [false; 2],
                dropped: [0; 2],
            },
            syn_from: None,
        }
    }

    /// Whether the flow was given up (no parser): later segments cost
    /// nothing.
    pub fn is_off(&self) -> bool {
        matches!(self.proto, Proto::Off)
    }

    /// One segment; `forward` is A to Z.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn segment(
        &mut self,
        layer: &mut AppLayer,
        forward: bool,
        ts: Timestamp,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) {
        if self.is_off() {
            return;
        }
        let d = usize::from(!forward);
        let o = 1 - d;
        if flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN {
            self.syn_from.get_or_insert(d);
        }
        let syn_from = self.syn_from;
        let FlowApp {
            dirs,
            proto,
            id,
            handle,
            ends,
            ..
        } = self;
        let mut ctx = Ctx {
            out: &mut layer.out,
            http: layer.cfg.http,
            tls: layer.cfg.tls,
            dns: layer.cfg.dns,
            http_cfg: &layer.cfg.http_cfg,
            stats: &mut layer.stats,
        };
        let flow = (&*id, *handle, *ends);
        let (first, second) = dirs.split_at_mut(1);
        let (this, other) = if d == 0 {
            (&mut first[0], &mut second[0])
        } else {
            (&mut second[0], &mut first[0])
        };
        let mut stream_stats = std::mem::take(&mut ctx.stats.stream);
        this.segment(
            seq,
            flags,
            payload,
            &layer.cfg.stream,
            &layer.budget,
            &mut stream_stats,
            &mut |c| on_chunk(proto, &mut ctx, flow, syn_from, d, ts, c),
        );
        if flags & tcp_flags::ACK != 0 {
            other.acked(
                ack,
                &layer.cfg.stream,
                &layer.budget,
                &mut stream_stats,
                &mut |c| on_chunk(proto, &mut ctx, flow, syn_from, o, ts, c),
            );
        }
        ctx.stats.stream.add(&stream_stats);
        self.after(layer, ts);
    }

    /// Ends the parser's side of each direction that closed, closes a
    /// parser that is done, and releases the segments of a flow given up.
    fn after(&mut self, layer: &mut AppLayer, ts: Timestamp) {
        if let Proto::Parser(h) = &mut self.proto {
            let done = h.done();
            for x in 0..2 {
                if !self.ended[x] && (done || self.dirs[x].is_closed()) {
                    self.ended[x] = true;
                    h.end(x, ts, &mut layer.out);
                }
            }
            if done {
                h.close(ts, &mut layer.out, &mut layer.stats);
                self.proto = Proto::Off;
            }
        }
        if let Proto::Off = self.proto {
            // Released into the layer's counters, so every payload byte
            // stays accounted for once.
            for dir in &mut self.dirs {
                if dir.held_bytes() > 0 {
                    let stats = &mut layer.stats.stream;
                    dir.finish(&layer.cfg.stream, &layer.budget, stats, &mut |_| {});
                }
            }
        }
    }

    /// The flow ended at `ts`.
    pub(crate) fn finish(&mut self, layer: &mut AppLayer, ts: Timestamp) {
        let FlowApp {
            dirs,
            proto,
            id,
            handle,
            ends,
            ..
        } = self;
        let flow = (&*id, *handle, *ends);
        let syn_from = self.syn_from;
        let mut ctx = Ctx {
            out: &mut layer.out,
            http: layer.cfg.http,
            tls: layer.cfg.tls,
            dns: layer.cfg.dns,
            http_cfg: &layer.cfg.http_cfg,
            stats: &mut layer.stats,
        };
        let mut stream_stats = std::mem::take(&mut ctx.stats.stream);
        for (x, dir) in dirs.iter_mut().enumerate() {
            dir.finish(
                &layer.cfg.stream,
                &layer.budget,
                &mut stream_stats,
                &mut |c| on_chunk(proto, &mut ctx, flow, syn_from, x, ts, c),
            );
        }
        ctx.stats.stream.add(&stream_stats);
        if let Proto::Detect { prefix, .. } = proto {
            if prefix.iter().any(|p| !p.is_empty()) {
                layer.stats.undetected_flows += 1;
            }
        }
        if let Proto::Parser(h) = &mut self.proto {
            for x in 0..2 {
                if !self.ended[x] {
                    self.ended[x] = true;
                    h.end(x, ts, &mut layer.out);
                }
            }
            h.close(ts, &mut layer.out, &mut layer.stats);
        }
        self.proto = Proto::Off;
    }
}

/// The protocols content detection recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Http,
    Ssh,
    Tls,
    Dns,
}

/// What a direction's first bytes say.
enum Detected {
    /// This protocol, its client sending in the given direction.
    Found(Kind, usize),
    /// Not yet known.
    NeedMore,
    /// No protocol weir parses.
    No,
}

/// What the first bytes `head` of direction `d` say, trying each enabled
/// parser's detector in turn (HTTP request, HTTP response, SSH, TLS, DNS
/// over TCP); the first yes wins. `ports` are the flow's two ports (DNS
/// over TCP is only looked for on the DNS, mDNS and LLMNR ports).
fn detect(
    head: &[u8],
    d: usize,
    syn_from: Option<usize>,
    ctx: &Ctx<'_>,
    ports: [u16; 2],
) -> Detected {
    let mut more = false;
    let mut seen = |det: Detection, kind: Kind, client: usize| match det {
        Detection::Yes => Some(Detected::Found(kind, client)),
        Detection::NeedMore => {
            more = true;
            None
        }
        Detection::No => None,
    };
    if ctx.http {
        if let Some(f) = seen(looks_like_request(head), Kind::Http, d) {
            return f;
        }
        if let Some(f) = seen(looks_like_response(head), Kind::Http, 1 - d) {
            return f;
        }
    }
    // Both SSH sides send their version: the client is the one that sent
    // the SYN, else the one that did not speak first (servers announce
    // themselves first).
    if let Some(f) = seen(looks_like_ssh(head), Kind::Ssh, syn_from.unwrap_or(1 - d)) {
        return f;
    }
    if ctx.tls {
        // The sender of the ClientHello is the client.
        let client = if head.get(5) == Some(&1) { d } else { 1 - d };
        if let Some(f) = seen(looks_like_tls(head), Kind::Tls, client) {
            return f;
        }
    }
    if ctx.dns && ports.iter().any(|&p| is_dns_port(p)) {
        // A query's sender is the client.
        let client = if head.get(4).is_some_and(|f| f & 0x80 != 0) {
            1 - d
        } else {
            d
        };
        if let Some(f) = seen(looks_like_dns_tcp(head), Kind::Dns, client) {
            return f;
        }
    }
    if more {
        Detected::NeedMore
    } else {
        Detected::No
    }
}

type FlowParts<'a> = (&'a Arc<str>, FlowHandle, [(IpBytes, u16); 2]);

/// The flow as its artifacts name it, the client (direction `client`'s
/// sender) as source.
fn flow_ref(flow: FlowParts<'_>, client: usize) -> FlowRef {
    let (id, handle, ends) = flow;
    let (src, dst) = (ends[client], ends[1 - client]);
    FlowRef {
        id: id.clone(),
        handle,
        proto: 6,
        source_ip: src.0,
        source_port: src.1,
        dest_ip: dst.0,
        dest_port: dst.1,
    }
}

fn on_chunk(
    proto: &mut Proto,
    ctx: &mut Ctx<'_>,
    flow: FlowParts<'_>,
    syn_from: Option<usize>,
    d: usize,
    ts: Timestamp,
    chunk: Chunk<'_>,
) {
    match proto {
        Proto::Off => {}
        Proto::Parser(h) => match chunk {
            Chunk::Data(bytes) => h.data(d, ts, bytes, ctx.out),
            Chunk::Gap(len) => h.gap(d, len, ctx.out),
        },
        Proto::Detect {
            prefix,
            no,
            dropped,
        } => {
            let bytes = match chunk {
                Chunk::Data(b) if !no[d] => b,
                Chunk::Data(b) => {
                    dropped[d] += b.len() as u64;
                    return;
                }
                Chunk::Gap(len) => {
                    // The start of this direction is lost: it cannot be
                    // recognised.
                    no[d] = true;
                    dropped[d] += len + prefix[d].len() as u64;
                    prefix[d].clear();
                    if no[1 - d] {
                        ctx.stats.undetected_flows += 1;
                        *proto = Proto::Off;
                    }
                    return;
                }
            };
            let mut head = prefix[d].clone();
            head.extend_from_slice(&bytes[..bytes.len().min(PREFIX.saturating_sub(head.len()))]);
            let ports = [flow.2[0].1, flow.2[1].1];
            let found = match detect(&head, d, syn_from, ctx, ports) {
                Detected::Found(kind, client) => Some((kind, client)),
                Detected::NeedMore if head.len() < PREFIX => {
                    prefix[d].extend_from_slice(bytes);
                    return;
                }
                Detected::NeedMore | Detected::No => None,
            };
            let Some((kind, client)) = found else {
                no[d] = true;
                dropped[d] += (prefix[d].len() + bytes.len()) as u64;
                prefix[d].clear();
                if no[1 - d] {
                    ctx.stats.undetected_flows += 1;
                    *proto = Proto::Off;
                }
                return;
            };
            let mut h: Box<dyn AppParser> = match kind {
                Kind::Http => {
                    ctx.stats.http_sessions += 1;
                    let session = HttpSession::new(ctx.http_cfg.clone());
                    Box::new(HttpFlow::new(session, client, flow_ref(flow, client)))
                }
                Kind::Ssh => {
                    ctx.stats.ssh_sessions += 1;
                    Box::new(SshFlow::new(client, flow_ref(flow, client)))
                }
                Kind::Tls => {
                    ctx.stats.tls_sessions += 1;
                    Box::new(TlsFlow::new(client, flow_ref(flow, client)))
                }
                Kind::Dns => {
                    ctx.stats.dns.tcp_sessions += 1;
                    Box::new(DnsTcpFlow::new(flow_ref(flow, client)))
                }
            };
            // What each direction sent before: the other's kept bytes, or
            // a gap for what it sent while it looked like nothing known.
            let o = 1 - d;
            if dropped[o] > 0 {
                h.gap(o, dropped[o], ctx.out);
            } else if !prefix[o].is_empty() {
                h.data(o, ts, &prefix[o], ctx.out);
            }
            if !prefix[d].is_empty() {
                h.data(d, ts, &prefix[d], ctx.out);
            }
            h.data(d, ts, bytes, ctx.out);
            *proto = Proto::Parser(h);
        }
    }
}
