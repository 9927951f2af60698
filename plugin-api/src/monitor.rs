//! The `monitor` module deals with the callbacks: one ordinary Rust trait per
//! monitor type for plugin authors ([`EngineMonitor`], [`FlowMonitor`]), and
//! their stable-ABI twins (`*Ffi`) that actually cross the boundary.
//!
//! Authors never see the `*Ffi` traits. [`crate::export_plugin!`] wraps each
//! monitor in a [`Guarded`] value whose every method runs the author's code
//! inside `catch_unwind`: a panic becomes an error result naming the callback,
//! the instance is disabled by the engine, and the process goes on. (A panic
//! that unwound into the engine would abort the process: the plugin has its
//! own copy of std, so the engine could not catch it.)
//!
//! **Threading.** Every callback of one instance runs on that instance's own
//! dispatcher thread, one at a time, in stream order. Packet workers never
//! call plugins. A slow callback slows the run when reading files (lossless
//! back-pressure); it never corrupts or reorders events.

use abi_stable::sabi_trait;
use abi_stable::std_types::{RBox, RResult, RString};

use crate::guard::catch_quietly;
use crate::records::{FlowRecord, Timestamp, Vote};
use crate::subscription::{EngineSubscription, FlowSubscription};

/// Result of a callback across the boundary: `Err` carries a panic report.
pub type CallResult<T> = RResult<T, RString>;

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
}

/// Stable-ABI twin of [`EngineMonitor`]; every method reports a panic as `Err`.
#[sabi_trait]
pub trait EngineMonitorFfi: Send {
    /// See [`EngineMonitor::subscription`].
    fn subscription(&self) -> CallResult<EngineSubscription>;
    /// See [`EngineMonitor::on_begin_flush`].
    fn on_begin_flush(&mut self, ts: Timestamp) -> CallResult<()>;
    /// See [`EngineMonitor::on_end_flush`].
    fn on_end_flush(&mut self, ts: Timestamp) -> CallResult<()>;
    /// See [`EngineMonitor::on_metronome`].
    #[sabi(last_prefix_field)]
    fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> CallResult<()>;
}

/// Stable-ABI twin of [`FlowMonitor`]; every method reports a panic as `Err`.
#[sabi_trait]
pub trait FlowMonitorFfi: Send {
    /// See [`FlowMonitor::subscription`].
    fn subscription(&self) -> CallResult<FlowSubscription>;
    /// See [`FlowMonitor::on_new_flow`].
    fn on_new_flow(&mut self, flow: &FlowRecord<'_>) -> CallResult<()>;
    /// See [`FlowMonitor::on_update`].
    fn on_update(&mut self, flow: &FlowRecord<'_>) -> CallResult<()>;
    /// See [`FlowMonitor::on_terminate`].
    fn on_terminate(&mut self, flow: &FlowRecord<'_>) -> CallResult<()>;
    /// See [`FlowMonitor::on_begin_flush`].
    fn on_begin_flush(&mut self, ts: Timestamp) -> CallResult<()>;
    /// See [`FlowMonitor::flush_filter`].
    fn flush_filter(&mut self, flow: &FlowRecord<'_>) -> CallResult<Vote>;
    /// See [`FlowMonitor::on_flush`].
    fn on_flush(&mut self, flow: &FlowRecord<'_>) -> CallResult<()>;
    /// See [`FlowMonitor::on_end_flush`].
    fn on_end_flush(&mut self, ts: Timestamp) -> CallResult<()>;
    /// See [`FlowMonitor::on_metronome`].
    #[sabi(last_prefix_field)]
    fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> CallResult<()>;
}

/// An engine monitor as the engine holds it.
pub type EngineMonitorBox = EngineMonitorFfi_TO<'static, RBox<()>>;
/// A flow monitor as the engine holds it.
pub type FlowMonitorBox = FlowMonitorFfi_TO<'static, RBox<()>>;

/// A monitor wrapped so that its panics become error results.
///
/// After a panic every further call returns an error without running the
/// monitor again (its state may be broken).
pub struct Guarded<M> {
    inner: M,
    poisoned: bool,
}

impl<M> Guarded<M> {
    /// Wraps `inner`.
    pub fn new(inner: M) -> Guarded<M> {
        Guarded {
            inner,
            poisoned: false,
        }
    }

    fn call<T>(&mut self, callback: &str, f: impl FnOnce(&mut M) -> T) -> CallResult<T> {
        if self.poisoned {
            return RResult::RErr(
                format!("{callback}: instance disabled by an earlier panic").into(),
            );
        }
        match catch_quietly(|| f(&mut self.inner)) {
            Ok(value) => RResult::ROk(value),
            Err(report) => {
                self.poisoned = true;
                RResult::RErr(format!("panicked in {callback}: {report}").into())
            }
        }
    }

    fn call_ref<T>(&self, callback: &str, f: impl FnOnce(&M) -> T) -> CallResult<T> {
        match catch_quietly(|| f(&self.inner)) {
            Ok(value) => RResult::ROk(value),
            Err(report) => RResult::RErr(format!("panicked in {callback}: {report}").into()),
        }
    }
}

pub use crate::guard::panic_message;

impl<M: EngineMonitor> EngineMonitorFfi for Guarded<M> {
    fn subscription(&self) -> CallResult<EngineSubscription> {
        self.call_ref("subscription", |m| m.subscription())
    }
    fn on_begin_flush(&mut self, ts: Timestamp) -> CallResult<()> {
        self.call("on_begin_flush", |m| m.on_begin_flush(ts))
    }
    fn on_end_flush(&mut self, ts: Timestamp) -> CallResult<()> {
        self.call("on_end_flush", |m| m.on_end_flush(ts))
    }
    fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> CallResult<()> {
        self.call("on_metronome", |m| {
            m.on_metronome(ts, tick_count, tick_interval)
        })
    }
}

impl<M: FlowMonitor> FlowMonitorFfi for Guarded<M> {
    fn subscription(&self) -> CallResult<FlowSubscription> {
        self.call_ref("subscription", |m| m.subscription())
    }
    fn on_new_flow(&mut self, flow: &FlowRecord<'_>) -> CallResult<()> {
        self.call("on_new_flow", |m| m.on_new_flow(flow))
    }
    fn on_update(&mut self, flow: &FlowRecord<'_>) -> CallResult<()> {
        self.call("on_update", |m| m.on_update(flow))
    }
    fn on_terminate(&mut self, flow: &FlowRecord<'_>) -> CallResult<()> {
        self.call("on_terminate", |m| m.on_terminate(flow))
    }
    fn on_begin_flush(&mut self, ts: Timestamp) -> CallResult<()> {
        self.call("on_begin_flush", |m| m.on_begin_flush(ts))
    }
    fn flush_filter(&mut self, flow: &FlowRecord<'_>) -> CallResult<Vote> {
        self.call("flush_filter", |m| m.flush_filter(flow))
    }
    fn on_flush(&mut self, flow: &FlowRecord<'_>) -> CallResult<()> {
        self.call("on_flush", |m| m.on_flush(flow))
    }
    fn on_end_flush(&mut self, ts: Timestamp) -> CallResult<()> {
        self.call("on_end_flush", |m| m.on_end_flush(ts))
    }
    fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> CallResult<()> {
        self.call("on_metronome", |m| {
            m.on_metronome(ts, tick_count, tick_interval)
        })
    }
}
