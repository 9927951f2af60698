//! The `monitor` module deals with the callbacks: one ordinary Rust trait per
//! monitor type for plugin authors ([`EngineMonitor`], [`FlowMonitor`],
//! since API 1.1 [`CounterGroupMonitor`] and [`FlowTracker`], since API 1.3
//! [`ResourceMonitor`] and [`FtsMonitor`]).
//!
//! Authors never see what crosses the boundary. [`crate::Monitors`] wraps
//! each monitor in a [`crate::guard::Guarded`] value behind its kind's call
//! table ([`crate::abi::calls`]); every call runs the author's code inside
//! `catch_unwind`: a panic becomes an error result naming the callback, the
//! instance is disabled by the engine, and the process goes on. (A panic
//! that unwound into the engine would abort the process: the plugin has its
//! own copy of std, so the engine could not catch it.)
//!
//! Callbacks added by later minors are appended with no-op defaults, so a
//! plugin's source keeps compiling, and a plugin built before them keeps
//! loading (the host sees its shorter table and never calls them).
//!
//! **Threading.** Every callback of one instance runs on that instance's own
//! dispatcher thread, one at a time, in stream order. Packet workers never
//! call plugins. A slow callback slows the run when reading files (lossless
//! back-pressure); it never corrupts or reorders events.

use crate::artifacts::{ArtifactGroupRef, ArtifactSubscription, FtsRecord, ResourceRecord};
use crate::counters::{
    CounterGroupRef, CounterRecord, CounterSubscription, FlowTrackerInfo, TopperRecord,
};
use crate::records::{FlowRecord, Timestamp, Vote};
use crate::subscription::{EngineSubscription, FlowSubscription};

/// Engine monitor: called around every interval's flush and on the metronome.
///
/// Trisul's `engine_monitor`. All methods but `subscription` default to no-ops.
pub trait EngineMonitor: Send + 'static {
    /// Which callbacks to receive (read once, at load).
    fn subscription(&self) -> EngineSubscription;

    /// An interval ends: first call of its flush sequence. `ts` is the end of
    /// the interval being flushed (a multiple of the interval length), or the
    /// end of the last, partial interval at end of input.
    fn on_begin_flush(&mut self, ts: Timestamp) {
        let _ = ts;
    }

    /// Last call of the flush sequence of the interval ending at `ts`.
    fn on_end_flush(&mut self, ts: Timestamp) {
        let _ = ts;
    }

    /// Metronome: once per second of stream time that has packets (seconds
    /// without packets are skipped). `tick_count` counts delivered ticks from
    /// 1; `tick_interval` is the tick length in seconds (1).
    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, tick_interval: u32) {
        let _ = (ts, tick_count, tick_interval);
    }
}

/// Flow monitor: the flow stream (Trisul's `sg_monitor`).
///
/// All methods but `subscription` default to no-ops; only the subscribed
/// callbacks are ever called.
pub trait FlowMonitor: Send + 'static {
    /// Which callbacks to receive (read once, at load).
    fn subscription(&self) -> FlowSubscription;

    /// A flow has been seen for the first time.
    fn on_new_flow(&mut self, flow: &FlowRecord<'_>) {
        let _ = flow;
    }

    /// A flow has new packets; at most once per second of stream time per flow.
    fn on_update(&mut self, flow: &FlowRecord<'_>) {
        let _ = flow;
    }

    /// A flow has ended (FIN both ways, RST, idle timeout, eviction or end of input).
    fn on_terminate(&mut self, flow: &FlowRecord<'_>) {
        let _ = flow;
    }

    /// The flow flush of the interval ending at `ts` begins.
    fn on_begin_flush(&mut self, ts: Timestamp) {
        let _ = ts;
    }

    /// Votes on whether `flow` is written and passed to `on_flush`
    /// (called only when the subscription has `filter`).
    fn flush_filter(&mut self, flow: &FlowRecord<'_>) -> Vote {
        let _ = flow;
        Vote::Abstain
    }

    /// A flow is flushed: it ended in this interval (`end_reason` says how) or
    /// it is a long-lived flow due for an interim record (`EndReason::Active`).
    fn on_flush(&mut self, flow: &FlowRecord<'_>) {
        let _ = flow;
    }

    /// The flow flush of the interval ending at `ts` is over.
    fn on_end_flush(&mut self, ts: Timestamp) {
        let _ = ts;
    }

    /// Metronome, as [`EngineMonitor::on_metronome`].
    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, tick_interval: u32) {
        let _ = (ts, tick_count, tick_interval);
    }

    /// Test fixture only: a callback of a minor no real weir has.
    #[cfg(feature = "abi-future-minor-fixture")]
    fn on_future_event(&mut self) {}
}

/// Counter-group monitor: the metric streams (Trisul's `cg_monitor`),
/// API 1.1. One monitor receives every group its subscription matches; each
/// callback names the group. `ts` is the end of the interval being flushed
/// (in `on_new_key` and `on_update`: the stream time).
///
/// All methods but `subscription` default to no-ops; only subscribed
/// callbacks are called.
pub trait CounterGroupMonitor: Send + 'static {
    /// Which groups and callbacks (read once, when the run starts).
    fn subscription(&self) -> CounterSubscription;

    /// A key appears that the group has not had since the run began (or
    /// since its memory of keys, bounded by four times the key cap, was last
    /// cleared).
    fn on_new_key(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp, key: &str) {
        let _ = (group, ts, key);
    }

    /// A key's values so far in the interval; at most once per second of
    /// stream time per key, for keys that changed. High volume: no I/O here.
    fn on_update(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp, key: &CounterRecord<'_>) {
        let _ = (group, ts, key);
    }

    /// The group's flush of the interval ending at `ts` begins.
    fn on_begin_flush(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp) {
        let _ = (group, ts);
    }

    /// Votes on whether `key` is written and passed to `on_flush`, and may
    /// replace meters (Trisul v8's overrides): `overrides[m]` starts as
    /// [`crate::KEEP_METER`]; any other value replaces meter `m` in what is
    /// written, seen by `on_flush` and ranked in the toppers. A key is
    /// dropped when a monitor votes `Drop` and none votes `Keep`.
    fn flush_filter(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &CounterRecord<'_>,
        overrides: &mut [i64],
    ) -> Vote {
        let _ = (group, ts, key, overrides);
        Vote::Abstain
    }

    /// A key is flushed (the group's `SYS:GROUP_TOTALS` row first).
    fn on_flush(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp, key: &CounterRecord<'_>) {
        let _ = (group, ts, key);
    }

    /// The group's flush of the interval ending at `ts` is over.
    fn on_end_flush(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp) {
        let _ = (group, ts);
    }

    /// The toppers of `meter` for the bucket ending at `ts` are next; return
    /// false not to receive `on_topper_flush` for them (this monitor only).
    fn on_begin_topper_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        meter: u32,
    ) -> bool {
        let _ = (group, ts, meter);
        true
    }

    /// Votes on whether a topper entry is stored (`Drop` from one monitor and
    /// `Keep` from none drops it).
    fn topper_filter(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        entry: &TopperRecord<'_>,
    ) -> Vote {
        let _ = (group, ts, entry);
        Vote::Abstain
    }

    /// One stored topper entry, best first.
    fn on_topper_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        entry: &TopperRecord<'_>,
    ) {
        let _ = (group, ts, entry);
    }

    /// The toppers of `meter` are done.
    fn on_end_topper_flush(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp, meter: u32) {
        let _ = (group, ts, meter);
    }

    /// Metronome, as [`EngineMonitor::on_metronome`].
    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, tick_interval: u32) {
        let _ = (ts, tick_count, tick_interval);
    }
}

/// Flow tracker: a custom top-K of flows (Trisul's `flowtracker`), API 1.1.
/// The engine asks the tracker for a metric of every flushed flow and keeps
/// the `count` flows with the largest metric per bucket (a flow flushed
/// several times in one bucket counts once, with its largest metric), then
/// writes them to `flowtrackers.ndjson`.
pub trait FlowTracker: Send + 'static {
    /// Name, bucket and count (read once, at load).
    fn info(&self) -> FlowTrackerInfo;

    /// The metric to rank `flow` by (bytes, seconds, ...); 0 or less: not
    /// interested.
    fn metric(&mut self, flow: &FlowRecord<'_>) -> i64;

    /// The tracker's bucket ending at `ts` is about to be written.
    fn on_begin_flush(&mut self, ts: Timestamp) {
        let _ = ts;
    }

    /// The tracker's bucket ending at `ts` has been written.
    fn on_end_flush(&mut self, ts: Timestamp) {
        let _ = ts;
    }

    /// Metronome, as [`EngineMonitor::on_metronome`] (when `info` sets
    /// `metronome`).
    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, tick_interval: u32) {
        let _ = (ts, tick_count, tick_interval);
    }
}

/// Resource monitor: the resource streams (Trisul's `resource_monitor`),
/// API 1.3: URLs, file hashes (and, later, DNS answers, certificates, ...).
/// One monitor receives every group its subscription matches; each record
/// names its group. Resources a monitor's own instance added with
/// [`crate::HostHandle::add_resource`] never come back to it.
///
/// All methods but `subscription` default to no-ops; only subscribed
/// callbacks are called.
pub trait ResourceMonitor: Send + 'static {
    /// Which groups and callbacks (read once, when the run starts).
    fn subscription(&self) -> ArtifactSubscription;

    /// A new resource, within a second of stream time of its extraction.
    fn on_new_resource(&mut self, resource: &ResourceRecord<'_>) {
        let _ = resource;
    }

    /// The group's flush of the interval ending at `ts` begins (called for
    /// every subscribed group, with or without resources).
    fn on_begin_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        let _ = (group, ts);
    }

    /// Votes on whether `resource` is stored (written to `resources.ndjson`
    /// and passed to every monitor's `on_flush`): dropped when a monitor
    /// votes `Drop` and none votes `Keep`.
    fn flush_filter(&mut self, resource: &ResourceRecord<'_>) -> Vote {
        let _ = resource;
        Vote::Abstain
    }

    /// A resource is stored.
    fn on_flush(&mut self, resource: &ResourceRecord<'_>) {
        let _ = resource;
    }

    /// The group's flush of the interval ending at `ts` is over.
    fn on_end_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        let _ = (group, ts);
    }

    /// Metronome, as [`EngineMonitor::on_metronome`].
    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, tick_interval: u32) {
        let _ = (ts, tick_count, tick_interval);
    }
}

/// Full-text document monitor (Trisul's `fts_monitor`), API 1.3: HTTP
/// header blocks (and, later, certificate chains, DNS dumps). As
/// [`ResourceMonitor`], for documents.
pub trait FtsMonitor: Send + 'static {
    /// Which groups and callbacks (read once, when the run starts).
    fn subscription(&self) -> ArtifactSubscription;

    /// A new document, within a second of stream time of its extraction.
    fn on_new_document(&mut self, doc: &FtsRecord<'_>) {
        let _ = doc;
    }

    /// The group's flush of the interval ending at `ts` begins.
    fn on_begin_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        let _ = (group, ts);
    }

    /// Votes on whether `doc` is stored (`fts.ndjson`, every `on_flush`).
    fn flush_filter(&mut self, doc: &FtsRecord<'_>) -> Vote {
        let _ = doc;
        Vote::Abstain
    }

    /// A document is stored.
    fn on_flush(&mut self, doc: &FtsRecord<'_>) {
        let _ = doc;
    }

    /// The group's flush of the interval ending at `ts` is over.
    fn on_end_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        let _ = (group, ts);
    }

    /// Metronome, as [`EngineMonitor::on_metronome`].
    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, tick_interval: u32) {
        let _ = (ts, tick_count, tick_interval);
    }
}
