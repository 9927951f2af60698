//! The `summary` module deals with what a run reports at the end: volumes,
//! flows, alerts, decode errors by reason, per-plugin activity, warnings.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::source::SkippedBlocks;

/// Activity of one plugin instance.
#[derive(Debug, Clone, Serialize)]
pub struct PluginSummary {
    /// Plugin name.
    pub name: String,
    /// Instance id.
    pub instance: u32,
    /// Library path (`<static>` for in-process plugins).
    pub path: String,
    /// Events delivered: callbacks invoked on the plugin (one per flow for
    /// per-flow callbacks).
    pub events: u64,
    /// Times the engine waited on a full queue.
    pub backpressure: u64,
    /// Events dropped on a full queue (live capture, where the engine never
    /// waits for a plugin).
    pub dropped_events: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// Feedback calls refused (API misuse).
    pub refused_calls: u64,
    /// Whether the instance was disabled.
    pub disabled: bool,
    /// Error reports.
    pub errors: Vec<String>,
    /// Monitor kinds the plugin returned that this weir does not know (a
    /// plugin built against a newer API minor): they did not run.
    pub ignored_monitors: Vec<String>,
}

/// What one counter group did over the run.
#[derive(Debug, Clone, Serialize)]
pub struct CounterGroupSummary {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// Most keys in one interval (without `SYS:GROUP_TOTALS`).
    pub keys: usize,
    /// Lines written to `counters.ndjson`.
    pub rows: u64,
    /// Updates of new keys refused by a full worker table (`--max-keys`);
    /// their volumes still count in `SYS:GROUP_TOTALS`.
    pub dropped_updates: u64,
    /// Keys refused when the workers' tables were merged into a full group
    /// (their volumes count in `SYS:GROUP_TOTALS` too).
    pub dropped_keys: u64,
}

/// A key and its meter-0 total over the run (top hosts, top apps).
#[derive(Debug, Clone, Serialize)]
pub struct TopKey {
    /// Trisul key.
    pub key: String,
    /// Label (the address, the service name).
    pub label: String,
    /// Bytes over the run.
    pub bytes: i64,
}

/// What IP reassembly did over the run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ReassemblySummary {
    /// Datagrams reassembled.
    pub datagrams: u64,
    /// Fragment frames that went into them (duplicates included).
    pub fragments: u64,
    /// Datagrams not reassembled, by reason (`timeout`, `memory`,
    /// `overlap`, `too_many_fragments`, `too_big`, `truncated`,
    /// `inconsistent`, `incomplete` at end of input).
    pub dropped: BTreeMap<String, u64>,
    /// Fragment frames of those, counted unreassembled.
    pub fragments_unreassembled: u64,
}

impl ReassemblySummary {
    /// From the reader's statistics.
    pub fn of(s: &super::reassembly::ReassemblyStats) -> ReassemblySummary {
        ReassemblySummary {
            datagrams: s.datagrams,
            fragments: s.fragments,
            dropped: s.dropped.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            fragments_unreassembled: s.fragments_unreassembled,
        }
    }
}

/// A live capture's totals over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaptureSummary {
    /// Per interface: frames received, frames the kernel dropped.
    pub interfaces: Vec<crate::source::CaptureStats>,
    /// Frames received, all interfaces.
    pub received: u64,
    /// Frames the kernel dropped, all interfaces (weir read too slowly).
    pub kernel_dropped: u64,
    /// Plugin events dropped on full plugin queues, all instances.
    pub queue_dropped: u64,
}

/// What HTTP parsing found and refused over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HttpSummary {
    /// TCP flows recognised as HTTP by their first bytes.
    pub sessions: u64,
    /// TCP flows with payload that no parser recognised.
    pub undetected_flows: u64,
    /// The parsers' counters, summed.
    #[serde(flatten)]
    pub stats: crate::proto::http::HttpStats,
}

/// What SSH parsing found over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SshSummary {
    /// TCP flows recognised as SSH by their first bytes.
    pub sessions: u64,
    /// The parser's counters, summed.
    #[serde(flatten)]
    pub stats: crate::proto::ssh::SshStats,
}

/// What TLS parsing found over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsSummary {
    /// TCP flows recognised as TLS by their first bytes.
    pub sessions: u64,
    /// Certificates sent in clear that could not be parsed.
    pub x509_errors: u64,
    /// The parsers' counters, summed.
    #[serde(flatten)]
    pub stats: crate::proto::tls::TlsStats,
}

/// The outcome of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// Frames read.
    pub packets: u64,
    /// Sum of frame lengths on the wire.
    pub bytes: u64,
    /// Frames without IP (ARP, LLDP, ...), counted and skipped.
    pub non_ip: u64,
    /// Malformed frames by reason, counted and skipped.
    pub decode_errors: BTreeMap<String, u64>,
    /// Packets decoded out of IP tunnels (GRE, VXLAN, Geneve, IP in IP,
    /// PPTP): each layer inside a frame counts once, in its own flow.
    pub tunnelled_packets: u64,
    /// Damaged tunnel payloads by reason (`gre.truncated`, or the inner
    /// packet's reason): the outer packet was counted, what it carried
    /// could not be read.
    pub tunnel_errors: BTreeMap<String, u64>,
    /// IP reassembly: datagrams rebuilt, their fragments, datagrams not
    /// rebuilt by reason (their fragments counted as they came).
    pub reassembly: ReassemblySummary,
    /// The resource and FTS streams: items written by group, items the
    /// flush filters dropped, items plugins added.
    pub artifacts: crate::artifacts::ArtifactStats,
    /// TCP reassembly (`null` when the application layer is off): bytes
    /// delivered, gaps, and every byte not delivered by reason.
    pub tcp_reassembly: Option<crate::stream::StreamStats>,
    /// HTTP parsing: sessions found by content, and the parsers' counters.
    pub http: Option<HttpSummary>,
    /// SSH: sessions found by content, and the parser's counters.
    pub ssh: Option<SshSummary>,
    /// TLS: sessions found by content, and the parsers' counters.
    pub tls: Option<TlsSummary>,
    /// DNS: messages by carrier, queries, responses, unanswered queries.
    pub dns: Option<crate::app::DnsStats>,
    /// `--extract-files`: files written, bodies skipped by reason, errors
    /// (`null` when off).
    pub extract: Option<crate::proto::http::extract::ExtractStats>,
    /// Flows created.
    pub flows: u64,
    /// Flow records written to `flows.ndjson`.
    pub flow_records: u64,
    /// Flow records dropped by the flush-filter vote.
    pub flow_records_dropped: u64,
    /// Flows ended by the idle timeout.
    pub flows_timed_out: u64,
    /// Flows evicted from a full table.
    pub flows_evicted: u64,
    /// Alerts written to `alerts.ndjson`.
    pub alerts: u64,
    /// Flushes run (interval boundaries with packets, plus the final flush).
    pub flushes: u64,
    /// Metronome ticks delivered.
    pub metronome_ticks: u64,
    /// Earliest packet time, seconds.
    pub first_ts: Option<String>,
    /// Stream clock at the end (largest packet time).
    pub last_ts: Option<String>,
    /// Packet workers used.
    pub workers: usize,
    /// Per-instance activity.
    pub plugins: Vec<PluginSummary>,
    /// Per counter group: keys, rows written, what the key cap dropped.
    pub counter_groups: Vec<CounterGroupSummary>,
    /// The hosts (IPv4 and IPv6) with the most bytes over the run, at most 10.
    pub top_hosts: Vec<TopKey>,
    /// The apps (server ports) with the most bytes over the run, at most 10.
    pub top_apps: Vec<TopKey>,
    /// Non-fatal problems (truncated inputs).
    pub warnings: Vec<String>,
    /// pcapng blocks skipped: of a type the specification does not define
    /// (`unknown`, no warning each), or damaged packet blocks (`damaged`,
    /// each also in `warnings`).
    pub skipped_blocks: SkippedBlocks,
    /// A fatal problem that stopped reading early (everything read was still flushed).
    pub error: Option<String>,
    /// Packets older than the stream clock when read (time going backwards:
    /// a later file older than an earlier one, reordered packets).
    pub packets_behind_clock: u64,
    /// How far behind the clock the worst of them was, seconds.
    pub max_behind_clock_secs: f64,
    /// One line per input that had such packets (they lose nothing, so they
    /// do not make the run end "with warnings").
    pub clock_warnings: Vec<String>,
    /// Reading was stopped early (SIGINT, SIGTERM, or an embedder's stop
    /// flag); everything read until then was flushed.
    pub stopped_early: bool,
    /// Live capture (`--interface`): what was received and dropped; `None`
    /// for files.
    pub capture: Option<CaptureSummary>,
    /// The `--filter` expression, if any.
    pub filter: Option<String>,
    /// Frames the `--filter` expression rejected before the engine saw them
    /// (not in `packets`); `None` without a filter.
    pub filtered_out: Option<u64>,
    /// Wall-clock duration of the run, seconds.
    pub elapsed_secs: f64,
}

impl RunSummary {
    /// Whether the run completed with warnings (a truncated input, a disabled plugin).
    pub fn has_warnings(&self) -> bool {
        !self.warnings.is_empty() || self.plugins.iter().any(|p| p.disabled)
    }

    /// The summary as text for a terminal.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let errors: u64 = self.decode_errors.values().sum();
        let _ = writeln!(
            s,
            "packets        {} ({} bytes), non-IP {}, malformed {}",
            self.packets, self.bytes, self.non_ip, errors
        );
        for (reason, n) in &self.decode_errors {
            let _ = writeln!(s, "  malformed    {reason}: {n}");
        }
        let r = &self.reassembly;
        if r.datagrams > 0 || r.fragments_unreassembled > 0 {
            let dropped: u64 = r.dropped.values().sum();
            let _ = writeln!(
                s,
                "reassembly     {} datagrams from {} fragments, {} not reassembled ({} fragments counted as they came)",
                r.datagrams, r.fragments, dropped, r.fragments_unreassembled
            );
            for (reason, n) in &r.dropped {
                let _ = writeln!(s, "  dropped      {reason}: {n}");
            }
        }
        if self.tunnelled_packets > 0 || !self.tunnel_errors.is_empty() {
            let errors: u64 = self.tunnel_errors.values().sum();
            let _ = writeln!(
                s,
                "tunnels        {} packets decapsulated, {} damaged payloads",
                self.tunnelled_packets, errors
            );
            for (reason, n) in &self.tunnel_errors {
                let _ = writeln!(s, "  damaged      {reason}: {n}");
            }
        }
        if let Some(t) = &self.tcp_reassembly {
            if t.segments > 0 {
                let _ = writeln!(
                    s,
                    "tcp streams    {} bytes delivered, {} gaps ({} bytes), {} bytes retransmitted, {} overlapping ({} conflicting), {} refused at caps",
                    t.delivered_bytes,
                    t.gaps,
                    t.gap_bytes,
                    t.retransmitted_bytes,
                    t.overlap_bytes,
                    t.overlap_conflict_bytes,
                    t.held_limit_bytes + t.memory_bytes
                );
            }
        }
        if let Some(h) = &self.http {
            if h.sessions > 0 {
                let _ = writeln!(
                    s,
                    "http           {} sessions, {} requests, {} responses, {} bodies ({} incomplete)",
                    h.sessions, h.stats.requests, h.stats.responses, h.stats.bodies, h.stats.bodies_incomplete
                );
            }
        }
        if let Some(t) = self.tls.as_ref().filter(|t| t.sessions > 0) {
            let _ = writeln!(
                s,
                "tls            {} sessions, {} certificates unreadable",
                t.sessions, t.x509_errors
            );
        }
        if let Some(d) = &self.dns {
            let messages = d.udp_messages + d.tcp_messages + d.icmp_messages;
            if messages > 0 {
                let _ = writeln!(
                    s,
                    "dns            {messages} messages ({} UDP, {} TCP, {} in ICMP errors), {} queries, {} responses, {} unanswered, {} malformed",
                    d.udp_messages, d.tcp_messages, d.icmp_messages, d.queries, d.responses, d.unanswered, d.malformed
                );
            }
        }
        if let Some(x) = &self.extract {
            let _ = writeln!(
                s,
                "extracted      {} files ({} bytes), {} duplicates, skipped {} too large and {} incomplete, {} errors{}",
                x.files,
                x.bytes,
                x.duplicates,
                x.skipped_too_large,
                x.skipped_incomplete,
                x.errors,
                x.first_error.as_deref().map(|e| format!(" (first: {e})")).unwrap_or_default()
            );
        }
        let a = &self.artifacts;
        let resources: u64 = a.resources.values().sum();
        let docs: u64 = a.fts_documents.values().sum();
        if resources + docs + a.resources_dropped + a.fts_dropped > 0 {
            let by: Vec<String> = a
                .resources
                .iter()
                .map(|(g, n)| format!("{g} {n}"))
                .collect();
            let _ = writeln!(
                s,
                "artifacts      {resources} resources ({}), {docs} FTS documents, {} dropped by filters",
                by.join(", "),
                a.resources_dropped + a.fts_dropped
            );
        }
        if let (Some(expr), Some(out)) = (&self.filter, self.filtered_out) {
            let _ = writeln!(s, "filter         {expr:?}: {out} frames filtered out");
        }
        let _ = writeln!(
            s,
            "flows          {} created, {} records written, {} dropped by filters, {} timed out, {} evicted",
            self.flows, self.flow_records, self.flow_records_dropped, self.flows_timed_out, self.flows_evicted
        );
        let _ = writeln!(s, "alerts         {}", self.alerts);
        let _ = writeln!(
            s,
            "stream         {} flushes, {} metronome ticks, {} .. {}",
            self.flushes,
            self.metronome_ticks,
            self.first_ts.as_deref().unwrap_or("-"),
            self.last_ts.as_deref().unwrap_or("-")
        );
        let dropped: Vec<String> = self
            .counter_groups
            .iter()
            .filter(|g| g.dropped_updates + g.dropped_keys > 0)
            .map(|g| {
                format!(
                    "{} ({} updates, {} keys)",
                    g.name, g.dropped_updates, g.dropped_keys
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "counters       {} groups, {} rows{}",
            self.counter_groups.iter().filter(|g| g.rows > 0).count(),
            self.counter_groups.iter().map(|g| g.rows).sum::<u64>(),
            if dropped.is_empty() {
                String::new()
            } else {
                format!(", key cap dropped: {}", dropped.join(", "))
            }
        );
        if let Some(c) = &self.capture {
            for i in &c.interfaces {
                let _ = writeln!(
                    s,
                    "capture        {}: {} received, {} dropped by the kernel",
                    i.interface, i.received, i.kernel_dropped
                );
            }
            let _ = writeln!(
                s,
                "capture        {} plugin events dropped on full queues",
                c.queue_dropped
            );
        }
        for (title, rows) in [("top hosts", &self.top_hosts), ("top apps", &self.top_apps)] {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(s, "{title:<26} {:>12}  key", "bytes");
            for r in rows.iter() {
                let _ = writeln!(s, "  {:<24} {:>12}  {}", r.label, r.bytes, r.key);
            }
        }
        for p in &self.plugins {
            let _ = writeln!(
                s,
                "plugin         {}#{}: {} events, back-pressure {}{}, {} alerts, {} refused calls{}",
                p.name,
                p.instance,
                p.events,
                p.backpressure,
                if p.dropped_events > 0 {
                    format!(", {} dropped on a full queue", p.dropped_events)
                } else {
                    String::new()
                },
                p.alerts,
                p.refused_calls,
                if p.disabled { ", DISABLED" } else { "" }
            );
            for e in &p.errors {
                let _ = writeln!(s, "  error        {e}");
            }
        }
        let skipped = self.skipped_blocks;
        if skipped.unknown + skipped.damaged > 0 {
            let _ = writeln!(
                s,
                "skipped        {} pcapng blocks: {} of unknown type, {} damaged",
                skipped.unknown + skipped.damaged,
                skipped.unknown,
                skipped.damaged
            );
        }
        for w in self.warnings.iter().chain(&self.clock_warnings) {
            let _ = writeln!(s, "warning        {w}");
        }
        if let Some(e) = &self.error {
            let _ = writeln!(s, "error          {e}");
        }
        if self.stopped_early {
            let _ = writeln!(
                s,
                "stopped        early, by a signal, after {} packets: everything read was flushed",
                self.packets
            );
        }
        let _ = writeln!(
            s,
            "time           {:.3} s, {} worker(s)",
            self.elapsed_secs, self.workers
        );
        s
    }
}
