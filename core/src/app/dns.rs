//! The `dns` module deals with turning DNS messages into artifacts: over
//! UDP (every datagram whose payload looks like DNS, whatever its port),
//! over TCP (a flow on the DNS, mDNS or LLMNR port whose first bytes are a
//! length-prefixed header), and quoted inside ICMP errors.
//!
//! - **DNS records full-text dump** (Trisul's FTS group): every message,
//!   query or response, as [`text::fts_dump`]; key
//!   `FLOW_ID/MICROS/ID/query|response` (the message's stream time in
//!   microseconds and its transaction id).
//! - **DNS Resources** (Trisul's group): one per transaction: `uri` = the
//!   first question's name (a response without a question: its first
//!   answer's owner name), `label` = the answers, [`text::label`]. A
//!   response makes it at once, pairing with its query (same flow,
//!   transaction id and name); a query nobody answers within
//!   [`UNANSWERED_AFTER_SECS`] of stream time (or by the end of its TCP
//!   connection, or of the input) makes one with an empty label at the
//!   query's time (so a lookup of a dynamic-DNS name is seen even when the
//!   capture has no answer). Messages inside ICMP errors only make
//!   documents: they were never delivered.
//!
//! The flow of a DNS artifact has the client (the query's sender) as its
//! source; for a message in an ICMP error it is the ICMP packet's sender.

use std::collections::HashMap;
use std::sync::Arc;

use weir_plugin_api::{guid, FlowHandle, IpBytes, Timestamp};

use super::{AppParser, AppStats};
use crate::artifacts::{Artifact, FlowRef, FtsDoc, Resource, ResourceFields};
use crate::proto::dns::tcp::TcpFramer;
use crate::proto::dns::{text, DnsMessage};

/// Stream seconds after which a query without a response is reported
/// unanswered.
pub const UNANSWERED_AFTER_SECS: u64 = 5;
/// Queries waiting for a response, at most, per worker (UDP) or per TCP
/// connection; a query beyond it is reported unanswered at once.
pub const MAX_PENDING: usize = 65_536;

/// DNS counters (summed over workers for `summary.json` `dns`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DnsStats {
    /// Messages read from UDP datagrams.
    pub udp_messages: u64,
    /// Messages read from TCP connections.
    pub tcp_messages: u64,
    /// Messages read from the datagrams quoted in ICMP errors.
    pub icmp_messages: u64,
    /// TCP connections recognised as DNS.
    pub tcp_sessions: u64,
    /// Messages with a problem past the header (documented where, in
    /// their document's `Malformed` line; what came before it is kept).
    pub malformed: u64,
    /// Queries.
    pub queries: u64,
    /// Responses.
    pub responses: u64,
    /// Queries reported without a response.
    pub unanswered: u64,
    /// Queries reported unanswered at once because [`MAX_PENDING`] were
    /// waiting.
    pub pending_full: u64,
    /// TCP bytes skipped after a gap (DNS over TCP cannot resynchronise).
    pub tcp_skipped_bytes: u64,
}

impl DnsStats {
    /// Adds `other`.
    pub fn add(&mut self, o: &DnsStats) {
        self.udp_messages += o.udp_messages;
        self.tcp_messages += o.tcp_messages;
        self.icmp_messages += o.icmp_messages;
        self.tcp_sessions += o.tcp_sessions;
        self.malformed += o.malformed;
        self.queries += o.queries;
        self.responses += o.responses;
        self.unanswered += o.unanswered;
        self.pending_full += o.pending_full;
        self.tcp_skipped_bytes += o.tcp_skipped_bytes;
    }
}

/// How a message arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    Udp,
    Tcp,
    /// Quoted in an ICMP error.
    Icmp,
}

struct Pending {
    ts: Timestamp,
    flow: FlowRef,
    qname: String,
}

/// Queries waiting for their response, by flow handle and transaction id.
#[derive(Default)]
pub struct DnsTransactions {
    pending: HashMap<(u64, u16), Pending>,
}

impl DnsTransactions {
    /// The artifacts of one message `bytes` seen at `ts` on `flow` (client
    /// as source).
    pub(crate) fn message(
        &mut self,
        bytes: &[u8],
        ts: Timestamp,
        flow: &FlowRef,
        carrier: Carrier,
        out: &mut Vec<Artifact>,
        stats: &mut DnsStats,
    ) {
        let Ok(msg) = DnsMessage::parse(bytes) else {
            // Callers pass only what looked like a whole header.
            stats.malformed += 1;
            return;
        };
        match carrier {
            Carrier::Udp => stats.udp_messages += 1,
            Carrier::Tcp => stats.tcp_messages += 1,
            Carrier::Icmp => stats.icmp_messages += 1,
        }
        if msg.malformed.is_some() {
            stats.malformed += 1;
        }
        let kind = if msg.is_response { "response" } else { "query" };
        out.push(Artifact::Fts(FtsDoc {
            group: guid::FTS_DNS,
            ts,
            flow: flow.clone(),
            key: format!("{}/{}/{}/{kind}", flow.id, ts.as_micros(), msg.id),
            text: text::fts_dump(&msg),
            attributes: Vec::new(),
            origin: 0,
        }));
        if carrier == Carrier::Icmp {
            return;
        }
        let key = (flow.handle.0, msg.id);
        if msg.is_response {
            stats.responses += 1;
            let name = msg
                .questions
                .first()
                .map(|q| q.name.clone())
                .or_else(|| msg.answers.first().map(|a| a.name.clone()));
            // The query it answers: same id and name (mDNS sends id 0 for
            // everything, and announcements nobody asked for).
            if let Some(n) = &name {
                if self
                    .pending
                    .get(&key)
                    .is_some_and(|p| p.qname.eq_ignore_ascii_case(n))
                {
                    self.pending.remove(&key);
                }
            }
            if let Some(uri) = name {
                out.push(resource(ts, flow, uri, text::label(&msg)));
            }
            return;
        }
        stats.queries += 1;
        let Some(q) = msg.questions.first() else {
            return;
        };
        let query = Pending {
            ts,
            flow: flow.clone(),
            qname: q.name.clone(),
        };
        if self.pending.len() >= MAX_PENDING && !self.pending.contains_key(&key) {
            stats.pending_full += 1;
            unanswered(query, out, stats);
            return;
        }
        // A second query with the same id: the first one got no answer.
        if let Some(old) = self.pending.insert(key, query) {
            unanswered(old, out, stats);
        }
    }

    /// Reports the queries waiting since [`UNANSWERED_AFTER_SECS`] before
    /// stream second `now` (`None`: all of them), oldest first.
    pub(crate) fn sweep(&mut self, now: Option<u64>, out: &mut Vec<Artifact>, st: &mut DnsStats) {
        if self.pending.is_empty() {
            return;
        }
        let due = |p: &Pending| now.is_none_or(|n| p.ts.secs + UNANSWERED_AFTER_SECS <= n);
        let mut gone: Vec<Pending> = Vec::new();
        self.pending.retain(|_, p| {
            if due(p) {
                gone.push(Pending {
                    ts: p.ts,
                    flow: p.flow.clone(),
                    qname: std::mem::take(&mut p.qname),
                });
                false
            } else {
                true
            }
        });
        gone.sort_by(|a, b| (a.ts, &a.flow.id, &a.qname).cmp(&(b.ts, &b.flow.id, &b.qname)));
        for p in gone {
            unanswered(p, out, st);
        }
    }
}

fn resource(ts: Timestamp, flow: &FlowRef, uri: String, label: String) -> Artifact {
    Artifact::Resource(Resource {
        group: guid::RG_DNS,
        ts,
        flow: flow.clone(),
        uri,
        label,
        fields: ResourceFields::None,
        origin: 0,
    })
}

fn unanswered(p: Pending, out: &mut Vec<Artifact>, stats: &mut DnsStats) {
    stats.unanswered += 1;
    out.push(resource(p.ts, &p.flow, p.qname, String::new()));
}

/// A flow as a DNS artifact names it: `source` sends first.
pub(crate) fn flow_ref_of(
    id: &str,
    handle: FlowHandle,
    proto: u8,
    source: (IpBytes, u16),
    dest: (IpBytes, u16),
) -> FlowRef {
    FlowRef {
        id: Arc::from(id),
        handle,
        proto,
        source_ip: source.0,
        source_port: source.1,
        dest_ip: dest.0,
        dest_port: dest.1,
    }
}

/// One DNS-over-TCP connection.
pub struct DnsTcpFlow {
    framers: [TcpFramer; 2],
    flow: FlowRef,
    pending: DnsTransactions,
    stats: DnsStats,
}

impl DnsTcpFlow {
    /// A connection whose flow names the client as source.
    pub fn new(flow: FlowRef) -> DnsTcpFlow {
        DnsTcpFlow {
            framers: [TcpFramer::new(), TcpFramer::new()],
            flow,
            pending: DnsTransactions::default(),
            stats: DnsStats::default(),
        }
    }
}

impl AppParser for DnsTcpFlow {
    fn data(&mut self, d: usize, ts: Timestamp, bytes: &[u8], out: &mut Vec<Artifact>) {
        let DnsTcpFlow {
            framers,
            flow,
            pending,
            stats,
        } = self;
        framers[d].data(bytes, |m| {
            pending.message(m, ts, flow, Carrier::Tcp, out, stats);
        });
    }

    fn gap(&mut self, d: usize, len: u64, _out: &mut Vec<Artifact>) {
        self.framers[d].gap(len);
    }

    fn end(&mut self, _d: usize, _ts: Timestamp, _out: &mut Vec<Artifact>) {}

    fn close(&mut self, _ts: Timestamp, out: &mut Vec<Artifact>, stats: &mut AppStats) {
        self.pending.sweep(None, out, &mut self.stats);
        self.stats.tcp_skipped_bytes = self.framers.iter().map(TcpFramer::skipped).sum();
        stats.dns.add(&self.stats);
    }
}
