//! The `monitors` module deals with the plugin's side of its monitors: the
//! [`Monitors`] a constructor returns, and the call tables through which the
//! host reaches each monitor.
//!
//! Each monitor is boxed inside a [`Guarded`] wrapper and paired with the
//! call table of its kind: `extern "C"` trampolines, monomorphised for the
//! monitor's type, that run the author's method under the panic guard. The
//! same tables serve dylib plugins and in-process ones
//! ([`crate::Monitors::into_entries`] is what both hand to the engine).

use std::ffi::c_void;
use std::marker::PhantomData;

use abi_stable::std_types::{RSliceMut, RStr, RString, RVec};

use crate::abi::calls::{
    CallOutcome, CounterGroupMonitorCallsV1_1, CounterGroupMonitorTable, EngineMonitorCallsV1_0,
    EngineMonitorTable, FlowMonitorCallsV1_0, FlowMonitorTable, FlowTrackerCallsV1_1,
    FlowTrackerTable, FtsMonitorCallsV1_3, FtsMonitorTable, MonitorEntry, ResourceMonitorCallsV1_3,
    ResourceMonitorTable,
};
use crate::abi::header::MonitorKind;
use crate::abi::table::TableSize;
use crate::artifacts::{ArtifactGroupRef, ArtifactSubscription, FtsRecord, ResourceRecord};
use crate::counters::{
    CounterGroupRef, CounterRecord, CounterSubscription, FlowTrackerInfo, TopperRecord,
};
use crate::guard::Guarded;
use crate::monitor::{
    CounterGroupMonitor, EngineMonitor, FlowMonitor, FlowTracker, FtsMonitor, ResourceMonitor,
};
use crate::records::{FlowRecord, Timestamp, Vote};
use crate::subscription::{EngineSubscription, FlowSubscription};

/// # Safety (for every trampoline)
///
/// `obj` is the `object` of a [`MonitorEntry`] made by [`Monitors`] for a
/// monitor of type `M`, not yet dropped, and not used by another thread at
/// the same time (the host calls one monitor from one thread at a time).
unsafe fn guarded<'a, M>(obj: *mut c_void) -> &'a mut Guarded<M> {
    // SAFETY: the trampolines' contract above.
    unsafe { &mut *obj.cast::<Guarded<M>>() }
}

/// Runs `f` on the monitor behind `obj` under the guard.
///
/// # Safety
///
/// The trampolines' contract.
#[inline(always)]
unsafe fn run<M, T>(obj: *mut c_void, callback: &str, f: impl FnOnce(&mut M) -> T) -> Option<T> {
    // SAFETY: the caller's contract.
    unsafe { guarded::<M>(obj) }.call(callback, f)
}

fn outcome(done: Option<()>) -> CallOutcome {
    if done.is_some() {
        CallOutcome::OK
    } else {
        CallOutcome::FAILED
    }
}

/// Runs `f` and writes its value to `out`.
///
/// # Safety
///
/// The trampolines' contract.
#[inline(always)]
unsafe fn run_into<M, T>(
    obj: *mut c_void,
    callback: &str,
    out: &mut T,
    f: impl FnOnce(&mut M) -> T,
) -> CallOutcome {
    // SAFETY: the caller's contract.
    outcome(unsafe { run::<M, T>(obj, callback, f) }.map(|v| *out = v))
}

unsafe extern "C" fn drop_guarded<M>(obj: *mut c_void) {
    // SAFETY: `obj` came from `Box::into_raw` of a `Box<Guarded<M>>` and the
    // host drops each monitor once (MonitorEntry's contract). A panic in the
    // monitor's `Drop` must not unwind into the host.
    let _ =
        crate::guard::catch_quietly(|| unsafe { drop(Box::from_raw(obj.cast::<Guarded<M>>())) });
}

unsafe extern "C" fn take_report<M>(obj: *mut c_void) -> RString {
    // SAFETY: the trampolines' contract.
    unsafe { guarded::<M>(obj) }
        .take_report()
        .unwrap_or_default()
        .into()
}

struct EngineCalls<M>(PhantomData<M>);

impl<M: EngineMonitor> EngineCalls<M> {
    const TABLE: EngineMonitorTable = EngineMonitorTable {
        size: TableSize {
            size: std::mem::size_of::<EngineMonitorTable>(),
        },
        v1_0: EngineMonitorCallsV1_0 {
            subscription: Some(Self::subscription),
            on_begin_flush: Some(Self::on_begin_flush),
            on_end_flush: Some(Self::on_end_flush),
            on_metronome: Some(Self::on_metronome),
        },
    };

    unsafe extern "C" fn subscription(
        obj: *mut c_void,
        out: &mut EngineSubscription,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "subscription", out, |m| m.subscription()) }
    }
    unsafe extern "C" fn on_begin_flush(obj: *mut c_void, ts: Timestamp) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_begin_flush", |m| m.on_begin_flush(ts)) })
    }
    unsafe extern "C" fn on_end_flush(obj: *mut c_void, ts: Timestamp) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_end_flush", |m| m.on_end_flush(ts)) })
    }
    unsafe extern "C" fn on_metronome(
        obj: *mut c_void,
        ts: Timestamp,
        tick: u64,
        interval: u32,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_metronome", |m| m.on_metronome(ts, tick, interval)) })
    }
}

struct FlowCalls<M>(PhantomData<M>);

impl<M: FlowMonitor> FlowCalls<M> {
    const TABLE: FlowMonitorTable = FlowMonitorTable {
        size: TableSize {
            size: std::mem::size_of::<FlowMonitorTable>(),
        },
        v1_0: FlowMonitorCallsV1_0 {
            subscription: Some(Self::subscription),
            on_new_flow: Some(Self::on_new_flow),
            on_update: Some(Self::on_update),
            on_terminate: Some(Self::on_terminate),
            on_begin_flush: Some(Self::on_begin_flush),
            flush_filter: Some(Self::flush_filter),
            on_flush: Some(Self::on_flush),
            on_end_flush: Some(Self::on_end_flush),
            on_metronome: Some(Self::on_metronome),
        },
        #[cfg(feature = "abi-future-minor-fixture")]
        future: crate::abi::calls::FlowMonitorCallsFuture {
            on_future_event: Some(Self::on_future_event),
        },
    };

    unsafe extern "C" fn subscription(obj: *mut c_void, out: &mut FlowSubscription) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "subscription", out, |m| m.subscription()) }
    }
    unsafe extern "C" fn on_new_flow(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_new_flow", |m| m.on_new_flow(flow)) })
    }
    unsafe extern "C" fn on_update(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_update", |m| m.on_update(flow)) })
    }
    unsafe extern "C" fn on_terminate(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_terminate", |m| m.on_terminate(flow)) })
    }
    unsafe extern "C" fn on_begin_flush(obj: *mut c_void, ts: Timestamp) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_begin_flush", |m| m.on_begin_flush(ts)) })
    }
    unsafe extern "C" fn flush_filter(
        obj: *mut c_void,
        flow: &FlowRecord<'_>,
        vote: &mut Vote,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "flush_filter", vote, |m| m.flush_filter(flow)) }
    }
    unsafe extern "C" fn on_flush(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_flush", |m| m.on_flush(flow)) })
    }
    unsafe extern "C" fn on_end_flush(obj: *mut c_void, ts: Timestamp) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_end_flush", |m| m.on_end_flush(ts)) })
    }
    unsafe extern "C" fn on_metronome(
        obj: *mut c_void,
        ts: Timestamp,
        tick: u64,
        interval: u32,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_metronome", |m| m.on_metronome(ts, tick, interval)) })
    }
    #[cfg(feature = "abi-future-minor-fixture")]
    unsafe extern "C" fn on_future_event(obj: *mut c_void) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_future_event", |m| m.on_future_event()) })
    }
}

struct CounterGroupCalls<M>(PhantomData<M>);

impl<M: CounterGroupMonitor> CounterGroupCalls<M> {
    const TABLE: CounterGroupMonitorTable = CounterGroupMonitorTable {
        size: TableSize {
            size: std::mem::size_of::<CounterGroupMonitorTable>(),
        },
        v1_1: CounterGroupMonitorCallsV1_1 {
            subscription: Some(Self::subscription),
            on_new_key: Some(Self::on_new_key),
            on_update: Some(Self::on_update),
            on_begin_flush: Some(Self::on_begin_flush),
            flush_filter: Some(Self::flush_filter),
            on_flush: Some(Self::on_flush),
            on_end_flush: Some(Self::on_end_flush),
            on_begin_topper_flush: Some(Self::on_begin_topper_flush),
            topper_filter: Some(Self::topper_filter),
            on_topper_flush: Some(Self::on_topper_flush),
            on_end_topper_flush: Some(Self::on_end_topper_flush),
            on_metronome: Some(Self::on_metronome),
        },
    };

    unsafe extern "C" fn subscription(
        obj: *mut c_void,
        out: &mut CounterSubscription,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "subscription", out, |m| m.subscription()) }
    }
    unsafe extern "C" fn on_new_key(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: RStr<'_>,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe {
            run::<M, _>(obj, "on_new_key", |m| m.on_new_key(group, ts, key.as_str()))
        })
    }
    unsafe extern "C" fn on_update(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &CounterRecord<'_>,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_update", |m| m.on_update(group, ts, key)) })
    }
    unsafe extern "C" fn on_begin_flush(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_begin_flush", |m| m.on_begin_flush(group, ts)) })
    }
    unsafe extern "C" fn flush_filter(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &CounterRecord<'_>,
        mut overrides: RSliceMut<'_, i64>,
        vote: &mut Vote,
    ) -> CallOutcome {
        let overrides = overrides.as_mut_slice();
        // SAFETY: trampoline contract.
        unsafe {
            run_into::<M, _>(obj, "flush_filter", vote, |m| {
                m.flush_filter(group, ts, key, overrides)
            })
        }
    }
    unsafe extern "C" fn on_flush(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &CounterRecord<'_>,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_flush", |m| m.on_flush(group, ts, key)) })
    }
    unsafe extern "C" fn on_end_flush(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_end_flush", |m| m.on_end_flush(group, ts)) })
    }
    unsafe extern "C" fn on_begin_topper_flush(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        meter: u32,
        want: &mut bool,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe {
            run_into::<M, _>(obj, "on_begin_topper_flush", want, |m| {
                m.on_begin_topper_flush(group, ts, meter)
            })
        }
    }
    unsafe extern "C" fn topper_filter(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        entry: &TopperRecord<'_>,
        vote: &mut Vote,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe {
            run_into::<M, _>(obj, "topper_filter", vote, |m| {
                m.topper_filter(group, ts, entry)
            })
        }
    }
    unsafe extern "C" fn on_topper_flush(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        entry: &TopperRecord<'_>,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe {
            run::<M, _>(obj, "on_topper_flush", |m| {
                m.on_topper_flush(group, ts, entry)
            })
        })
    }
    unsafe extern "C" fn on_end_topper_flush(
        obj: *mut c_void,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        meter: u32,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe {
            run::<M, _>(obj, "on_end_topper_flush", |m| {
                m.on_end_topper_flush(group, ts, meter)
            })
        })
    }
    unsafe extern "C" fn on_metronome(
        obj: *mut c_void,
        ts: Timestamp,
        tick: u64,
        interval: u32,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_metronome", |m| m.on_metronome(ts, tick, interval)) })
    }
}

struct TrackerCalls<M>(PhantomData<M>);

impl<M: FlowTracker> TrackerCalls<M> {
    const TABLE: FlowTrackerTable = FlowTrackerTable {
        size: TableSize {
            size: std::mem::size_of::<FlowTrackerTable>(),
        },
        v1_1: FlowTrackerCallsV1_1 {
            info: Some(Self::info),
            metric: Some(Self::metric),
            on_begin_flush: Some(Self::on_begin_flush),
            on_end_flush: Some(Self::on_end_flush),
            on_metronome: Some(Self::on_metronome),
        },
    };

    unsafe extern "C" fn info(obj: *mut c_void, out: &mut FlowTrackerInfo) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "info", out, |m| m.info()) }
    }
    unsafe extern "C" fn metric(
        obj: *mut c_void,
        flow: &FlowRecord<'_>,
        out: &mut i64,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "metric", out, |m| m.metric(flow)) }
    }
    unsafe extern "C" fn on_begin_flush(obj: *mut c_void, ts: Timestamp) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_begin_flush", |m| m.on_begin_flush(ts)) })
    }
    unsafe extern "C" fn on_end_flush(obj: *mut c_void, ts: Timestamp) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_end_flush", |m| m.on_end_flush(ts)) })
    }
    unsafe extern "C" fn on_metronome(
        obj: *mut c_void,
        ts: Timestamp,
        tick: u64,
        interval: u32,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_metronome", |m| m.on_metronome(ts, tick, interval)) })
    }
}

struct ResourceCalls<M>(PhantomData<M>);

impl<M: ResourceMonitor> ResourceCalls<M> {
    const TABLE: ResourceMonitorTable = ResourceMonitorTable {
        size: TableSize {
            size: std::mem::size_of::<ResourceMonitorTable>(),
        },
        v1_3: ResourceMonitorCallsV1_3 {
            subscription: Some(Self::subscription),
            on_new_resource: Some(Self::on_new_resource),
            on_begin_flush: Some(Self::on_begin_flush),
            flush_filter: Some(Self::flush_filter),
            on_flush: Some(Self::on_flush),
            on_end_flush: Some(Self::on_end_flush),
            on_metronome: Some(Self::on_metronome),
        },
    };

    unsafe extern "C" fn subscription(
        obj: *mut c_void,
        out: &mut ArtifactSubscription,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "subscription", out, |m| m.subscription()) }
    }
    unsafe extern "C" fn on_new_resource(
        obj: *mut c_void,
        item: &ResourceRecord<'_>,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_new_resource", |m| m.on_new_resource(item)) })
    }
    unsafe extern "C" fn on_begin_flush(
        obj: *mut c_void,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_begin_flush", |m| m.on_begin_flush(group, ts)) })
    }
    unsafe extern "C" fn flush_filter(
        obj: *mut c_void,
        item: &ResourceRecord<'_>,
        vote: &mut Vote,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "flush_filter", vote, |m| m.flush_filter(item)) }
    }
    unsafe extern "C" fn on_flush(obj: *mut c_void, item: &ResourceRecord<'_>) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_flush", |m| m.on_flush(item)) })
    }
    unsafe extern "C" fn on_end_flush(
        obj: *mut c_void,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_end_flush", |m| m.on_end_flush(group, ts)) })
    }
    unsafe extern "C" fn on_metronome(
        obj: *mut c_void,
        ts: Timestamp,
        tick: u64,
        interval: u32,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_metronome", |m| m.on_metronome(ts, tick, interval)) })
    }
}

struct FtsCalls<M>(PhantomData<M>);

impl<M: FtsMonitor> FtsCalls<M> {
    const TABLE: FtsMonitorTable = FtsMonitorTable {
        size: TableSize {
            size: std::mem::size_of::<FtsMonitorTable>(),
        },
        v1_3: FtsMonitorCallsV1_3 {
            subscription: Some(Self::subscription),
            on_new_document: Some(Self::on_new_document),
            on_begin_flush: Some(Self::on_begin_flush),
            flush_filter: Some(Self::flush_filter),
            on_flush: Some(Self::on_flush),
            on_end_flush: Some(Self::on_end_flush),
            on_metronome: Some(Self::on_metronome),
        },
    };

    unsafe extern "C" fn subscription(
        obj: *mut c_void,
        out: &mut ArtifactSubscription,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "subscription", out, |m| m.subscription()) }
    }
    unsafe extern "C" fn on_new_document(obj: *mut c_void, item: &FtsRecord<'_>) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_new_document", |m| m.on_new_document(item)) })
    }
    unsafe extern "C" fn on_begin_flush(
        obj: *mut c_void,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_begin_flush", |m| m.on_begin_flush(group, ts)) })
    }
    unsafe extern "C" fn flush_filter(
        obj: *mut c_void,
        item: &FtsRecord<'_>,
        vote: &mut Vote,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        unsafe { run_into::<M, _>(obj, "flush_filter", vote, |m| m.flush_filter(item)) }
    }
    unsafe extern "C" fn on_flush(obj: *mut c_void, item: &FtsRecord<'_>) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_flush", |m| m.on_flush(item)) })
    }
    unsafe extern "C" fn on_end_flush(
        obj: *mut c_void,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_end_flush", |m| m.on_end_flush(group, ts)) })
    }
    unsafe extern "C" fn on_metronome(
        obj: *mut c_void,
        ts: Timestamp,
        tick: u64,
        interval: u32,
    ) -> CallOutcome {
        // SAFETY: trampoline contract.
        outcome(unsafe { run::<M, _>(obj, "on_metronome", |m| m.on_metronome(ts, tick, interval)) })
    }
}

fn entry<M: Send + 'static>(
    kind: MonitorKind,
    monitor: M,
    table: *const TableSize,
) -> MonitorEntry {
    MonitorEntry {
        kind,
        reserved: 0,
        object: Box::into_raw(Box::new(Guarded::new(monitor))).cast(),
        table,
        drop: drop_guarded::<M>,
        take_report: take_report::<M>,
    }
}

/// What a plugin constructor returns: the monitors it implements, at most
/// one of each kind.
///
/// `Monitors::new().flow(MyFlows::default()).engine(MyTicker)`.
#[derive(Default)]
pub struct Monitors {
    entries: Vec<MonitorEntry>,
}

// SAFETY: every object in `entries` is a boxed monitor, and monitor traits
// require `Send`.
unsafe impl Send for Monitors {}

impl Monitors {
    /// No monitors yet.
    pub fn new() -> Monitors {
        Monitors::default()
    }

    /// Adds the engine monitor (replacing an earlier one).
    pub fn engine<M: EngineMonitor>(self, monitor: M) -> Monitors {
        let table = (&EngineCalls::<M>::TABLE as *const EngineMonitorTable).cast();
        self.with(entry(MonitorKind::Engine, monitor, table))
    }

    /// Adds the flow monitor (replacing an earlier one).
    pub fn flow<M: FlowMonitor>(self, monitor: M) -> Monitors {
        let table = (&FlowCalls::<M>::TABLE as *const FlowMonitorTable).cast();
        self.with(entry(MonitorKind::Flow, monitor, table))
    }

    /// Adds the counter-group monitor (replacing an earlier one; API 1.1).
    pub fn counter_group<M: CounterGroupMonitor>(self, monitor: M) -> Monitors {
        let table = (&CounterGroupCalls::<M>::TABLE as *const CounterGroupMonitorTable).cast();
        self.with(entry(MonitorKind::CounterGroup, monitor, table))
    }

    /// Adds the flow tracker (replacing an earlier one; API 1.1).
    pub fn flow_tracker<M: FlowTracker>(self, monitor: M) -> Monitors {
        let table = (&TrackerCalls::<M>::TABLE as *const FlowTrackerTable).cast();
        self.with(entry(MonitorKind::FlowTracker, monitor, table))
    }

    /// Adds the resource monitor (replacing an earlier one; API 1.3).
    pub fn resource<M: ResourceMonitor>(self, monitor: M) -> Monitors {
        let table = (&ResourceCalls::<M>::TABLE as *const ResourceMonitorTable).cast();
        self.with(entry(MonitorKind::Resource, monitor, table))
    }

    /// Adds the full-text document monitor (replacing an earlier one; API 1.3).
    pub fn fts<M: FtsMonitor>(self, monitor: M) -> Monitors {
        let table = (&FtsCalls::<M>::TABLE as *const FtsMonitorTable).cast();
        self.with(entry(MonitorKind::Fts, monitor, table))
    }

    /// Test fixture only: a monitor of a kind no real weir knows (it uses the
    /// engine monitor's table).
    #[cfg(feature = "abi-future-minor-fixture")]
    pub fn future<M: EngineMonitor>(self, monitor: M) -> Monitors {
        let table = (&EngineCalls::<M>::TABLE as *const EngineMonitorTable).cast();
        self.with(entry(MonitorKind::Future, monitor, table))
    }

    fn with(mut self, new: MonitorEntry) -> Monitors {
        if let Some(old) = self.entries.iter_mut().find(|e| e.kind == new.kind) {
            let old = std::mem::replace(old, new);
            // SAFETY: `old` was made by `entry` and is dropped once, here.
            unsafe { (old.drop)(old.object) };
        } else {
            self.entries.push(new);
        }
        self
    }

    /// The kinds present, as [`crate::abi::header::HeaderPrefix::monitor_kinds`] bits.
    pub fn kind_bits(&self) -> u64 {
        self.entries.iter().fold(0, |bits, e| bits | e.kind.bit())
    }

    /// Hands the monitors over, as they cross the boundary; the receiver
    /// owns them (and must call each entry's `drop` once).
    pub fn into_entries(mut self) -> RVec<MonitorEntry> {
        std::mem::take(&mut self.entries).into_iter().collect()
    }
}

impl Drop for Monitors {
    fn drop(&mut self) {
        for e in self.entries.drain(..) {
            // SAFETY: entries still here were never handed over.
            unsafe { (e.drop)(e.object) };
        }
    }
}
