//! The `app` module deals with the application layer on the packet
//! workers: TCP reassembly per direction (`crate::stream`) feeding the
//! application parsers (`crate::proto`), UDP datagrams and ICMP errors
//! (DNS), and the artifacts they produce (`crate::artifacts`).
//!
//! - [`flow_app`]: one TCP flow's state: its two directions, content
//!   detection (the parser is attached by what the first bytes look like,
//!   whatever the port), and the parser once detected.
//! - [`http`]: HTTP events turned into URL and file-hash resources and
//!   header documents.
//! - [`tls`]: the handshake turned into a TLS resource, certificate chains
//!   into SSL Certificates resources and chain documents.
//! - [`dns`]: DNS messages (UDP, TCP, quoted in ICMP errors) turned into
//!   documents, transactions into DNS resources.
//! - [`ssh`]: SSH versions and HASSH turned into a resource.
//!
//! The state lives in the flow's table entry (`crate::flow::FlowTable`),
//! so it costs no lookup of its own and leaves with the flow; the worker's
//! [`AppLayer`] holds what its flows share (limits, counters, the memory
//! budget of out-of-order segments shared by every worker).

pub mod dns;
pub mod flow_app;
pub mod http;
pub mod ssh;
pub mod tls;

use weir_plugin_api::Timestamp;

use crate::artifacts::Artifact;
use crate::proto::http::{HttpConfig, HttpStats};
use crate::proto::ssh::SshStats;
use crate::proto::tls::TlsStats;

use crate::stream::{MemoryBudget, StreamConfig, StreamStats};
pub use dns::DnsStats;

pub use flow_app::{FlowApp, FlowIdentity};

/// What the application layer does, for every worker.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// HTTP parsing (URL resources, header documents).
    pub http: bool,
    /// TLS parsing (TLS and certificate resources, chain documents).
    pub tls: bool,
    /// DNS parsing (DNS resources and documents), over UDP and TCP.
    pub dns: bool,
    /// Parser limits and whether bodies are hashed.
    pub http_cfg: HttpConfig,
    /// Reassembly bounds per direction.
    pub stream: StreamConfig,
    /// Out-of-order bytes held by all workers together, at most.
    pub memory_cap: usize,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            http: true,
            tls: true,
            dns: true,
            http_cfg: HttpConfig::default(),
            stream: StreamConfig {
                depth: 0,
                ..StreamConfig::default()
            },
            memory_cap: 256 << 20,
        }
    }
}

/// Counters of the application layer (summed over workers for
/// `summary.json`).
#[derive(Debug, Clone, Default)]
pub struct AppStats {
    /// TCP reassembly, by reason.
    pub stream: StreamStats,
    /// HTTP parsing.
    pub http: HttpStats,
    /// TCP flows whose parser was found by content.
    pub http_sessions: u64,
    /// TCP flows with payload where no parser matched.
    pub undetected_flows: u64,
    /// TCP flows recognised as SSH by their first bytes.
    pub ssh_sessions: u64,
    /// SSH parsing.
    pub ssh: SshStats,
    /// TCP flows recognised as TLS by their first bytes.
    pub tls_sessions: u64,
    /// TLS parsing.
    pub tls: TlsStats,
    /// Certificates sent in clear that x509-parser could not read.
    pub x509_errors: u64,
    /// DNS over UDP, over TCP, and in ICMP errors.
    pub dns: DnsStats,
}

/// The side of direction `d` (0 A to Z, 1 Z to A) of a connection whose
/// client sends in direction `client`.
pub(crate) fn side_of(d: usize, client: usize) -> crate::proto::http::Side {
    if d == client {
        crate::proto::http::Side::Client
    } else {
        crate::proto::http::Side::Server
    }
}

/// A protocol parser attached to one TCP flow, fed the flow's two
/// reassembled directions (`d`: 0 A to Z, 1 Z to A) and turning what it
/// parses into artifacts.
pub(crate) trait AppParser: Send {
    /// In-order bytes of direction `d`.
    fn data(&mut self, d: usize, ts: Timestamp, bytes: &[u8], out: &mut Vec<Artifact>);
    /// `len` bytes of direction `d` were lost.
    fn gap(&mut self, d: usize, len: u64, out: &mut Vec<Artifact>);
    /// Direction `d` closed (FIN, RST, or the flow's end).
    fn end(&mut self, d: usize, ts: Timestamp, out: &mut Vec<Artifact>);
    /// The flow is over: last artifacts, and the parser's counters.
    fn close(&mut self, ts: Timestamp, out: &mut Vec<Artifact>, stats: &mut AppStats);
    /// Whether nothing the flow sends later can produce an artifact (a TLS
    /// handshake gone encrypted): the flow then closes the parser and
    /// stops reassembling.
    fn done(&self) -> bool {
        false
    }
}

impl AppStats {
    /// Adds `other` (another worker's).
    pub fn add(&mut self, other: &AppStats) {
        self.stream.add(&other.stream);
        self.http.add(&other.http);
        self.http_sessions += other.http_sessions;
        self.undetected_flows += other.undetected_flows;
        self.ssh_sessions += other.ssh_sessions;
        self.ssh.add(&other.ssh);
        self.tls_sessions += other.tls_sessions;
        self.tls.add(&other.tls);
        self.x509_errors += other.x509_errors;
        self.dns.add(&other.dns);
    }
}

/// One worker's application layer.
pub struct AppLayer {
    /// Settings.
    pub cfg: AppConfig,
    /// The engine-wide budget of held segments.
    pub budget: MemoryBudget,
    /// Counters.
    pub stats: AppStats,
    /// Artifacts produced since the coordinator last took them.
    pub out: Vec<Artifact>,
    /// DNS queries over UDP waiting for their response.
    dns: dns::DnsTransactions,
}

impl AppLayer {
    /// A worker's layer sharing `budget`.
    pub fn new(cfg: AppConfig, budget: MemoryBudget) -> AppLayer {
        AppLayer {
            cfg,
            budget,
            stats: AppStats::default(),
            out: Vec::new(),
            dns: dns::DnsTransactions::default(),
        }
    }

    /// One TCP segment of the flow whose state is `app` (created on the
    /// flow's first segment): `forward` is A to Z.
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        app: &mut Option<Box<FlowApp>>,
        flow: &FlowIdentity<'_>,
        forward: bool,
        ts: Timestamp,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) {
        let state = app.get_or_insert_with(|| Box::new(FlowApp::new(flow)));
        state.segment(self, forward, ts, seq, ack, flags, payload);
    }

    /// The flow of `app` has ended at `ts`: everything held is delivered
    /// and every open message ends.
    pub fn finish(&mut self, app: &mut FlowApp, ts: Timestamp) {
        app.finish(self, ts);
    }

    /// One UDP datagram's payload on `flow` (`forward`: sent A to Z): a
    /// DNS message when it looks like one ([`looks_like_dns`]), whatever
    /// the ports.
    ///
    /// [`looks_like_dns`]: crate::proto::dns::looks_like_dns
    pub fn datagram(
        &mut self,
        flow: &FlowIdentity<'_>,
        forward: bool,
        ts: Timestamp,
        payload: &[u8],
    ) {
        use crate::proto::dns as p;
        if !self.cfg.dns {
            return;
        }
        let port = if p::is_dns_port(flow.a.1) {
            flow.a.1
        } else {
            flow.z.1
        };
        if !p::looks_like_dns(payload, port) {
            return;
        }
        // The query's sender is the client.
        let response = payload.get(2).is_some_and(|f| f & 0x80 != 0);
        let (client, server) = if forward != response {
            (flow.a, flow.z)
        } else {
            (flow.z, flow.a)
        };
        let fr = dns::flow_ref_of(flow.id, flow.handle, 17, client, server);
        self.dns.message(
            payload,
            ts,
            &fr,
            dns::Carrier::Udp,
            &mut self.out,
            &mut self.stats.dns,
        );
    }

    /// One ICMP or ICMPv6 (`v6`) error message `msg` on `flow` (`forward`:
    /// sent A to Z): the DNS message of the UDP datagram it quotes, if any.
    pub fn icmp_error(
        &mut self,
        flow: &FlowIdentity<'_>,
        forward: bool,
        proto: u8,
        ts: Timestamp,
        v6: bool,
        msg: &[u8],
    ) {
        use crate::proto::dns as p;
        if !self.cfg.dns {
            return;
        }
        let Some(q) = crate::decode::icmp::quoted_udp(msg, v6) else {
            return;
        };
        let port = if p::is_dns_port(q.src_port) {
            q.src_port
        } else {
            q.dst_port
        };
        if !p::looks_like_dns(q.payload, port) {
            return;
        }
        let (from, to) = if forward {
            (flow.a, flow.z)
        } else {
            (flow.z, flow.a)
        };
        let fr = dns::flow_ref_of(flow.id, flow.handle, proto, from, to);
        self.dns.message(
            q.payload,
            ts,
            &fr,
            dns::Carrier::Icmp,
            &mut self.out,
            &mut self.stats.dns,
        );
    }

    /// Stream time reached second `now` (`None`: the end of input): DNS
    /// queries over UDP waiting too long are reported unanswered.
    pub fn clock(&mut self, now: Option<u64>) {
        self.dns.sweep(now, &mut self.out, &mut self.stats.dns);
    }

    /// Takes the artifacts produced so far.
    pub fn take(&mut self) -> Vec<Artifact> {
        std::mem::take(&mut self.out)
    }
}
