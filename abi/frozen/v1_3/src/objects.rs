//! The `objects` module deals with the host's side of a plugin instance's
//! monitors: [`InstanceMonitors::from_entries`] reads the entries a
//! constructor returned, once, into typed objects whose methods make the
//! calls.
//!
//! Each kind's call table is read with [`read_table`], so a plugin built
//! against an older minor has the callbacks it lacks "not implemented" (the
//! methods return `Ok` with a default, without calling it) and one built
//! against a newer minor has its extra callbacks ignored. A monitor of a kind
//! this crate does not know is dropped at once and reported in
//! [`InstanceMonitors::ignored`].

use std::ffi::c_void;

use abi_stable::std_types::{RString, RVec};

use crate::abi::calls::{
    CallOutcome, CounterGroupMonitorTable, EngineMonitorTable, FlowMonitorTable, FlowTrackerTable,
    FtsMonitorTable, MonitorEntry, ResourceMonitorTable,
};
use crate::abi::header::MonitorKind;
use crate::abi::table::{read_table, SizedTable, TableError};
use crate::artifacts::{ArtifactGroupRef, ArtifactSubscription, FtsRecord, ResourceRecord};
use crate::counters::{
    CounterGroupRef, CounterRecord, CounterSubscription, FlowTrackerInfo, TopperRecord, KEEP_METER,
};
use crate::records::{FlowRecord, Timestamp, Vote};
use crate::subscription::{EngineSubscription, FlowSubscription};

/// One monitor owned by the host: its object, how to free it, and how to
/// get the report of a failed call.
struct Owned {
    object: *mut c_void,
    drop: unsafe extern "C" fn(*mut c_void),
    take_report: unsafe extern "C" fn(*mut c_void) -> RString,
}

impl Owned {
    /// `Ok` for [`CallOutcome::OK`], else the plugin's report.
    #[inline]
    fn result(&self, outcome: CallOutcome) -> Result<(), String> {
        if outcome == CallOutcome::OK {
            Ok(())
        } else {
            Err(self.report())
        }
    }

    #[cold]
    #[inline(never)]
    fn report(&self) -> String {
        // SAFETY: the object is alive and owned by `self`.
        let text = unsafe { (self.take_report)(self.object) }.into_string();
        if text.is_empty() {
            "failed without a report".into()
        } else {
            text
        }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the host owns the object (MonitorEntry's contract) and drops it once, here.
        unsafe { (self.drop)(self.object) }
    }
}

/// Calls entry `$f` of `$self`'s table on its object; an entry the plugin
/// does not implement is `Ok(())` without a call.
macro_rules! call {
    ($self:ident, $f:ident $(, $arg:expr)*) => {
        match $self.calls.v1_0.$f {
            // SAFETY: the object is alive and owned by `self`; the plugin
            // guarantees the table's entries take it (MonitorEntry's contract).
            Some(f) => $self.owned.result(unsafe { f($self.owned.object $(, $arg)*) }),
            None => Ok(()),
        }
    };
}

/// `call!` for the API 1.1 block of the newer kinds' tables.
macro_rules! call_v1_1 {
    ($self:ident, $f:ident $(, $arg:expr)*) => {
        match $self.calls.v1_1.$f {
            // SAFETY: as in `call!`.
            Some(f) => $self.owned.result(unsafe { f($self.owned.object $(, $arg)*) }),
            None => Ok(()),
        }
    };
}

/// `call!` for the API 1.3 block of the artifact monitors' tables.
macro_rules! call_v1_3 {
    ($self:ident, $f:ident $(, $arg:expr)*) => {
        match $self.calls.v1_3.$f {
            // SAFETY: as in `call!`.
            Some(f) => $self.owned.result(unsafe { f($self.owned.object $(, $arg)*) }),
            None => Ok(()),
        }
    };
}

/// A resource monitor of a loaded instance (API 1.3).
pub struct ResourceMonitorObject {
    owned: Owned,
    calls: ResourceMonitorTable,
}

impl ResourceMonitorObject {
    /// Its subscription (empty if not implemented).
    pub fn subscription(&mut self) -> Result<ArtifactSubscription, String> {
        let mut out = ArtifactSubscription::default();
        call_v1_3!(self, subscription, &mut out).map(|()| out)
    }
    /// `on_new_resource`.
    pub fn on_new_resource(&mut self, item: &ResourceRecord<'_>) -> Result<(), String> {
        call_v1_3!(self, on_new_resource, item)
    }
    /// `on_begin_flush`.
    pub fn on_begin_flush(
        &mut self,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> Result<(), String> {
        call_v1_3!(self, on_begin_flush, group, ts)
    }
    /// The vote on `item` (not implemented: abstain).
    pub fn flush_filter(&mut self, item: &ResourceRecord<'_>) -> Result<Vote, String> {
        let mut vote = Vote::Abstain;
        call_v1_3!(self, flush_filter, item, &mut vote).map(|()| vote.known())
    }
    /// `on_flush`.
    pub fn on_flush(&mut self, item: &ResourceRecord<'_>) -> Result<(), String> {
        call_v1_3!(self, on_flush, item)
    }
    /// `on_end_flush`.
    pub fn on_end_flush(
        &mut self,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> Result<(), String> {
        call_v1_3!(self, on_end_flush, group, ts)
    }
    /// `on_metronome`.
    pub fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> Result<(), String> {
        call_v1_3!(self, on_metronome, ts, tick_count, tick_interval)
    }
}

/// A full-text document monitor of a loaded instance (API 1.3).
pub struct FtsMonitorObject {
    owned: Owned,
    calls: FtsMonitorTable,
}

impl FtsMonitorObject {
    /// Its subscription (empty if not implemented).
    pub fn subscription(&mut self) -> Result<ArtifactSubscription, String> {
        let mut out = ArtifactSubscription::default();
        call_v1_3!(self, subscription, &mut out).map(|()| out)
    }
    /// `on_new_document`.
    pub fn on_new_document(&mut self, item: &FtsRecord<'_>) -> Result<(), String> {
        call_v1_3!(self, on_new_document, item)
    }
    /// `on_begin_flush`.
    pub fn on_begin_flush(
        &mut self,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> Result<(), String> {
        call_v1_3!(self, on_begin_flush, group, ts)
    }
    /// The vote on `item` (not implemented: abstain).
    pub fn flush_filter(&mut self, item: &FtsRecord<'_>) -> Result<Vote, String> {
        let mut vote = Vote::Abstain;
        call_v1_3!(self, flush_filter, item, &mut vote).map(|()| vote.known())
    }
    /// `on_flush`.
    pub fn on_flush(&mut self, item: &FtsRecord<'_>) -> Result<(), String> {
        call_v1_3!(self, on_flush, item)
    }
    /// `on_end_flush`.
    pub fn on_end_flush(
        &mut self,
        group: &ArtifactGroupRef<'_>,
        ts: Timestamp,
    ) -> Result<(), String> {
        call_v1_3!(self, on_end_flush, group, ts)
    }
    /// `on_metronome`.
    pub fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> Result<(), String> {
        call_v1_3!(self, on_metronome, ts, tick_count, tick_interval)
    }
}

/// A counter-group monitor of a loaded instance (API 1.1).
pub struct CounterGroupMonitorObject {
    owned: Owned,
    calls: CounterGroupMonitorTable,
}

impl CounterGroupMonitorObject {
    /// Its subscription (empty if not implemented).
    pub fn subscription(&mut self) -> Result<CounterSubscription, String> {
        let mut out = CounterSubscription::default();
        call_v1_1!(self, subscription, &mut out).map(|()| out)
    }
    /// `on_new_key`.
    pub fn on_new_key(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &str,
    ) -> Result<(), String> {
        call_v1_1!(self, on_new_key, group, ts, key.into())
    }
    /// `on_update`.
    pub fn on_update(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &CounterRecord<'_>,
    ) -> Result<(), String> {
        call_v1_1!(self, on_update, group, ts, key)
    }
    /// `on_begin_flush`.
    pub fn on_begin_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
    ) -> Result<(), String> {
        call_v1_1!(self, on_begin_flush, group, ts)
    }
    /// The vote on `key` and the meter overrides (`overrides` is reset to
    /// [`KEEP_METER`] first; not implemented: abstain, no overrides).
    pub fn flush_filter(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &CounterRecord<'_>,
        overrides: &mut [i64],
    ) -> Result<Vote, String> {
        overrides.fill(KEEP_METER);
        let mut vote = Vote::Abstain;
        call_v1_1!(
            self,
            flush_filter,
            group,
            ts,
            key,
            overrides.into(),
            &mut vote
        )
        .map(|()| vote.known())
    }
    /// `on_flush`.
    pub fn on_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        key: &CounterRecord<'_>,
    ) -> Result<(), String> {
        call_v1_1!(self, on_flush, group, ts, key)
    }
    /// `on_end_flush`.
    pub fn on_end_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
    ) -> Result<(), String> {
        call_v1_1!(self, on_end_flush, group, ts)
    }
    /// Whether the monitor wants `on_topper_flush` for `meter` (not
    /// implemented: yes).
    pub fn on_begin_topper_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        meter: u32,
    ) -> Result<bool, String> {
        let mut want = true;
        call_v1_1!(self, on_begin_topper_flush, group, ts, meter, &mut want).map(|()| want)
    }
    /// The vote on a topper entry.
    pub fn topper_filter(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        entry: &TopperRecord<'_>,
    ) -> Result<Vote, String> {
        let mut vote = Vote::Abstain;
        call_v1_1!(self, topper_filter, group, ts, entry, &mut vote).map(|()| vote.known())
    }
    /// `on_topper_flush`.
    pub fn on_topper_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        entry: &TopperRecord<'_>,
    ) -> Result<(), String> {
        call_v1_1!(self, on_topper_flush, group, ts, entry)
    }
    /// `on_end_topper_flush`.
    pub fn on_end_topper_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        ts: Timestamp,
        meter: u32,
    ) -> Result<(), String> {
        call_v1_1!(self, on_end_topper_flush, group, ts, meter)
    }
    /// `on_metronome`.
    pub fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> Result<(), String> {
        call_v1_1!(self, on_metronome, ts, tick_count, tick_interval)
    }
}

/// A flow tracker of a loaded instance (API 1.1).
pub struct FlowTrackerObject {
    owned: Owned,
    calls: FlowTrackerTable,
}

impl FlowTrackerObject {
    /// Its settings (defaults if not implemented).
    pub fn info(&mut self) -> Result<FlowTrackerInfo, String> {
        let mut out = FlowTrackerInfo::default();
        call_v1_1!(self, info, &mut out).map(|()| out)
    }
    /// The metric of `flow` (not implemented: 0, not interested).
    #[inline]
    pub fn metric(&mut self, flow: &FlowRecord<'_>) -> Result<i64, String> {
        let mut out = 0;
        call_v1_1!(self, metric, flow, &mut out).map(|()| out)
    }
    /// `on_begin_flush`.
    pub fn on_begin_flush(&mut self, ts: Timestamp) -> Result<(), String> {
        call_v1_1!(self, on_begin_flush, ts)
    }
    /// `on_end_flush`.
    pub fn on_end_flush(&mut self, ts: Timestamp) -> Result<(), String> {
        call_v1_1!(self, on_end_flush, ts)
    }
    /// `on_metronome`.
    pub fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> Result<(), String> {
        call_v1_1!(self, on_metronome, ts, tick_count, tick_interval)
    }
}

/// The host's handle on an engine monitor.
pub struct EngineMonitorObject {
    owned: Owned,
    calls: EngineMonitorTable,
}

impl EngineMonitorObject {
    /// What it listens to (nothing, when not implemented).
    pub fn subscription(&mut self) -> Result<EngineSubscription, String> {
        let mut out = EngineSubscription::default();
        call!(self, subscription, &mut out).map(|()| out)
    }
    /// See [`crate::EngineMonitor::on_begin_flush`].
    #[inline]
    pub fn on_begin_flush(&mut self, ts: Timestamp) -> Result<(), String> {
        call!(self, on_begin_flush, ts)
    }
    /// See [`crate::EngineMonitor::on_end_flush`].
    #[inline]
    pub fn on_end_flush(&mut self, ts: Timestamp) -> Result<(), String> {
        call!(self, on_end_flush, ts)
    }
    /// See [`crate::EngineMonitor::on_metronome`].
    #[inline]
    pub fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> Result<(), String> {
        call!(self, on_metronome, ts, tick_count, tick_interval)
    }
}

/// The host's handle on a flow monitor.
pub struct FlowMonitorObject {
    owned: Owned,
    calls: FlowMonitorTable,
}

impl FlowMonitorObject {
    /// What it listens to (nothing, when not implemented).
    pub fn subscription(&mut self) -> Result<FlowSubscription, String> {
        let mut out = FlowSubscription::ip_flows();
        call!(self, subscription, &mut out).map(|()| out)
    }
    /// See [`crate::FlowMonitor::on_new_flow`].
    #[inline]
    pub fn on_new_flow(&mut self, flow: &FlowRecord<'_>) -> Result<(), String> {
        call!(self, on_new_flow, flow)
    }
    /// See [`crate::FlowMonitor::on_update`].
    #[inline]
    pub fn on_update(&mut self, flow: &FlowRecord<'_>) -> Result<(), String> {
        call!(self, on_update, flow)
    }
    /// See [`crate::FlowMonitor::on_terminate`].
    #[inline]
    pub fn on_terminate(&mut self, flow: &FlowRecord<'_>) -> Result<(), String> {
        call!(self, on_terminate, flow)
    }
    /// See [`crate::FlowMonitor::on_begin_flush`].
    #[inline]
    pub fn on_begin_flush(&mut self, ts: Timestamp) -> Result<(), String> {
        call!(self, on_begin_flush, ts)
    }
    /// See [`crate::FlowMonitor::flush_filter`]; a vote this crate does not
    /// know counts as `Abstain`.
    #[inline]
    pub fn flush_filter(&mut self, flow: &FlowRecord<'_>) -> Result<Vote, String> {
        let mut vote = Vote::Abstain;
        call!(self, flush_filter, flow, &mut vote).map(|()| vote.known())
    }
    /// See [`crate::FlowMonitor::on_flush`].
    #[inline]
    pub fn on_flush(&mut self, flow: &FlowRecord<'_>) -> Result<(), String> {
        call!(self, on_flush, flow)
    }
    /// See [`crate::FlowMonitor::on_end_flush`].
    #[inline]
    pub fn on_end_flush(&mut self, ts: Timestamp) -> Result<(), String> {
        call!(self, on_end_flush, ts)
    }
    /// See [`crate::FlowMonitor::on_metronome`].
    #[inline]
    pub fn on_metronome(
        &mut self,
        ts: Timestamp,
        tick_count: u64,
        tick_interval: u32,
    ) -> Result<(), String> {
        call!(self, on_metronome, ts, tick_count, tick_interval)
    }
}

// SAFETY: monitors are `Send` (the traits require it; MonitorEntry's
// contract for any plugin), and the host calls one from one thread at a time
// (every call takes `&mut self`).
unsafe impl Send for EngineMonitorObject {}
// SAFETY: as above.
unsafe impl Send for FlowMonitorObject {}
// SAFETY: as above.
unsafe impl Send for CounterGroupMonitorObject {}
// SAFETY: as above.
unsafe impl Send for FlowTrackerObject {}
// SAFETY: as above.
unsafe impl Send for ResourceMonitorObject {}
// SAFETY: as above.
unsafe impl Send for FtsMonitorObject {}

/// The monitors of one instance, as the host holds them.
#[derive(Default)]
pub struct InstanceMonitors {
    /// The engine monitor, if the plugin returned one.
    pub engine: Option<EngineMonitorObject>,
    /// The flow monitor, if the plugin returned one.
    pub flow: Option<FlowMonitorObject>,
    /// The counter-group monitor, if the plugin returned one (API 1.1).
    pub counter_group: Option<CounterGroupMonitorObject>,
    /// The flow tracker, if the plugin returned one (API 1.1).
    pub flow_tracker: Option<FlowTrackerObject>,
    /// The resource monitor, if the plugin returned one (API 1.3).
    pub resource: Option<ResourceMonitorObject>,
    /// The FTS monitor, if the plugin returned one (API 1.3).
    pub fts: Option<FtsMonitorObject>,
    /// Kinds this crate does not know (a newer plugin's): dropped unused.
    pub ignored: Vec<MonitorKind>,
}

/// Why a constructor's monitors cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorsError {
    /// Two monitors of the same kind.
    Duplicate(MonitorKind),
    /// A monitor's call table is unreadable.
    Table(MonitorKind, TableError),
}

impl std::fmt::Display for MonitorsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MonitorsError::Duplicate(k) => write!(f, "returned two {} monitors", k.name()),
            MonitorsError::Table(k, e) => write!(f, "{} monitor: {e}", k.name()),
        }
    }
}

impl std::error::Error for MonitorsError {}

impl InstanceMonitors {
    /// Takes ownership of the monitors a constructor returned. Every entry is
    /// dropped exactly once: now (unknown kind, or on error) or when its
    /// object is dropped.
    ///
    /// # Safety
    ///
    /// The entries must come from a plugin of this major (through its
    /// constructor, or [`crate::Monitors::into_entries`]) and not be owned
    /// by anyone else.
    pub unsafe fn from_entries(
        entries: RVec<MonitorEntry>,
    ) -> Result<InstanceMonitors, MonitorsError> {
        let mut out = InstanceMonitors::default();
        let mut failure = None;
        for e in entries {
            let owned = Owned {
                object: e.object,
                drop: e.drop,
                take_report: e.take_report,
            };
            if failure.is_some() {
                continue; // `owned` drops it
            }
            // SAFETY: a table of the entry's kind (the caller's contract).
            let outcome = unsafe { out.adopt(e, owned) };
            if let Err(err) = outcome {
                failure = Some(err);
            }
        }
        match failure {
            Some(err) => Err(err),
            None => Ok(out),
        }
    }

    /// # Safety
    ///
    /// `e.table` is a table of kind `e.kind`, valid for its size tag.
    unsafe fn adopt(&mut self, e: MonitorEntry, owned: Owned) -> Result<(), MonitorsError> {
        fn table<T: SizedTable>(e: &MonitorEntry) -> Result<T, MonitorsError> {
            // SAFETY: the caller of `adopt` guarantees the table's type.
            unsafe { read_table::<T>(e.table) }.map_err(|err| MonitorsError::Table(e.kind, err))
        }
        match e.kind {
            MonitorKind::Engine if self.engine.is_some() => Err(MonitorsError::Duplicate(e.kind)),
            MonitorKind::Flow if self.flow.is_some() => Err(MonitorsError::Duplicate(e.kind)),
            MonitorKind::CounterGroup if self.counter_group.is_some() => {
                Err(MonitorsError::Duplicate(e.kind))
            }
            MonitorKind::FlowTracker if self.flow_tracker.is_some() => {
                Err(MonitorsError::Duplicate(e.kind))
            }
            MonitorKind::Resource if self.resource.is_some() => {
                Err(MonitorsError::Duplicate(e.kind))
            }
            MonitorKind::Fts if self.fts.is_some() => Err(MonitorsError::Duplicate(e.kind)),
            MonitorKind::Resource => {
                let calls = table::<ResourceMonitorTable>(&e)?;
                self.resource = Some(ResourceMonitorObject { owned, calls });
                Ok(())
            }
            MonitorKind::Fts => {
                let calls = table::<FtsMonitorTable>(&e)?;
                self.fts = Some(FtsMonitorObject { owned, calls });
                Ok(())
            }
            MonitorKind::CounterGroup => {
                let calls = table::<CounterGroupMonitorTable>(&e)?;
                self.counter_group = Some(CounterGroupMonitorObject { owned, calls });
                Ok(())
            }
            MonitorKind::FlowTracker => {
                let calls = table::<FlowTrackerTable>(&e)?;
                self.flow_tracker = Some(FlowTrackerObject { owned, calls });
                Ok(())
            }
            MonitorKind::Engine => {
                let calls = table::<EngineMonitorTable>(&e)?;
                self.engine = Some(EngineMonitorObject { owned, calls });
                Ok(())
            }
            MonitorKind::Flow => {
                let calls = table::<FlowMonitorTable>(&e)?;
                self.flow = Some(FlowMonitorObject { owned, calls });
                Ok(())
            }
            other => {
                self.ignored.push(other);
                Ok(()) // `owned` drops it
            }
        }
    }

    /// Takes ownership of monitors made in this process (the in-process
    /// path: embedding, tests), through the same call tables as a dylib's.
    pub fn from_monitors(monitors: crate::Monitors) -> Result<InstanceMonitors, MonitorsError> {
        // SAFETY: entries made by this crate's `Monitors`, handed over once.
        unsafe { InstanceMonitors::from_entries(monitors.into_entries()) }
    }

    /// Whether the instance has no monitor at all.
    pub fn is_empty(&self) -> bool {
        self.engine.is_none()
            && self.flow.is_none()
            && self.counter_group.is_none()
            && self.flow_tracker.is_none()
            && self.resource.is_none()
            && self.fts.is_none()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::abi::calls::FlowMonitorCallsV1_0;
    use crate::abi::table::TableSize;
    use crate::testing::flow_record;
    use crate::{FlowMonitor, FlowSubscription, Monitors};

    struct Counting(Arc<AtomicUsize>);

    impl FlowMonitor for Counting {
        fn subscription(&self) -> FlowSubscription {
            FlowSubscription::everything()
        }
        fn on_flush(&mut self, _flow: &FlowRecord<'_>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        fn flush_filter(&mut self, _flow: &FlowRecord<'_>) -> Vote {
            Vote(9) // a vote this crate does not know
        }
    }

    impl Drop for Counting {
        fn drop(&mut self) {
            self.0.fetch_add(1000, Ordering::Relaxed);
        }
    }

    fn objects(m: Monitors) -> InstanceMonitors {
        InstanceMonitors::from_monitors(m).unwrap()
    }

    #[test]
    fn calls_reach_the_monitor_and_drop_frees_it_once() {
        let n = Arc::new(AtomicUsize::new(0));
        let mut got = objects(Monitors::new().flow(Counting(n.clone())));
        let flow = got.flow.as_mut().unwrap();
        let rec = flow_record("F", 6, ("10.0.0.1", 1), ("10.0.0.2", 2));
        flow.on_flush(&rec).unwrap();
        flow.on_new_flow(&rec).unwrap();
        assert_eq!(
            flow.flush_filter(&rec),
            Ok(Vote::Abstain),
            "unknown votes abstain"
        );
        assert_eq!(flow.subscription().unwrap(), FlowSubscription::everything());
        assert!(got.engine.is_none() && got.ignored.is_empty());
        drop(got);
        assert_eq!(n.load(Ordering::Relaxed), 1001);
    }

    #[test]
    fn an_older_plugin_s_missing_callbacks_are_not_implemented() {
        // A table shorter than the host's: only its 1.0 block, with two
        // entries left out (as a plugin built against 1.0 would send to a
        // host of a later minor, which has more blocks after it).
        let n = Arc::new(AtomicUsize::new(0));
        let mut m = Monitors::new().flow(Counting(n.clone())).into_entries();
        // SAFETY: the entry's table is this crate's FlowMonitorTable.
        let mut calls: FlowMonitorTable = unsafe { read_table(m[0].table) }.unwrap();
        calls.v1_0.on_flush = None;
        calls.v1_0.flush_filter = None;
        #[repr(C)]
        struct OneZero {
            size: TableSize,
            v1_0: FlowMonitorCallsV1_0,
        }
        let short = Box::leak(Box::new(OneZero {
            size: TableSize {
                size: std::mem::size_of::<OneZero>(),
            },
            v1_0: calls.v1_0,
        }));
        m[0].table = (&short.size as *const TableSize).cast();
        // SAFETY: the entry's table is a valid 1.0 flow table.
        let mut got = unsafe { InstanceMonitors::from_entries(m) }.unwrap();
        let flow = got.flow.as_mut().unwrap();
        let rec = flow_record("F", 6, ("10.0.0.1", 1), ("10.0.0.2", 2));
        assert_eq!(flow.on_flush(&rec), Ok(()));
        assert_eq!(flow.flush_filter(&rec), Ok(Vote::Abstain));
        assert_eq!(
            n.load(Ordering::Relaxed),
            0,
            "the missing entries were not called"
        );
    }

    #[test]
    fn a_newer_plugin_s_extra_callbacks_and_unknown_kinds_are_ignored() {
        // A table longer than the host's: the 1.0 block, then entries of a
        // minor this crate does not know, which must never be called.
        unsafe extern "C" fn never(_: *mut c_void) -> CallOutcome {
            panic!("a callback beyond the host's blocks was called")
        }
        #[repr(C)]
        struct Longer {
            size: TableSize,
            v1_0: FlowMonitorCallsV1_0,
            later: [Option<unsafe extern "C" fn(*mut c_void) -> CallOutcome>; 3],
        }
        let n = Arc::new(AtomicUsize::new(0));
        let mut m = Monitors::new().flow(Counting(n.clone())).into_entries();
        // SAFETY: the entry's table is this crate's FlowMonitorTable.
        let calls: FlowMonitorTable = unsafe { read_table(m[0].table) }.unwrap();
        let longer = Box::leak(Box::new(Longer {
            size: TableSize {
                size: std::mem::size_of::<Longer>(),
            },
            v1_0: calls.v1_0,
            later: [Some(never); 3],
        }));
        m[0].table = (&longer.size as *const TableSize).cast();
        // A monitor of a kind this host does not know, with its own drop.
        let unknown = Monitors::new().flow(Counting(n.clone())).into_entries();
        let mut stranger = unknown[0];
        stranger.kind = MonitorKind(40);
        m.push(stranger);
        drop(unknown); // only the vector: entries own nothing until adopted
                       // SAFETY: valid tables; `stranger`'s object is owned by nobody else.
        let mut got = unsafe { InstanceMonitors::from_entries(m) }.unwrap();
        assert_eq!(got.ignored, [MonitorKind(40)]);
        assert_eq!(
            n.load(Ordering::Relaxed),
            1000,
            "the unknown kind was dropped at once"
        );
        let rec = flow_record("F", 6, ("10.0.0.1", 1), ("10.0.0.2", 2));
        got.flow.as_mut().unwrap().on_flush(&rec).unwrap();
        assert_eq!(n.load(Ordering::Relaxed), 1001);
    }

    #[test]
    fn duplicates_are_refused_and_everything_is_dropped() {
        let n = Arc::new(AtomicUsize::new(0));
        let mut a = Monitors::new().flow(Counting(n.clone())).into_entries();
        let b = Monitors::new().flow(Counting(n.clone())).into_entries();
        a.push(b[0]);
        drop(b); // only the vector: entries own nothing until adopted
                 // SAFETY: entries made by this crate, each owned once.
        let err = unsafe { InstanceMonitors::from_entries(a) }.err().unwrap();
        assert_eq!(err, MonitorsError::Duplicate(MonitorKind::Flow));
        assert_eq!(err.to_string(), "returned two flow monitors");
        assert_eq!(n.load(Ordering::Relaxed), 2000);
    }

    #[test]
    fn a_bad_table_is_refused() {
        let n = Arc::new(AtomicUsize::new(0));
        let mut m = Monitors::new().flow(Counting(n.clone())).into_entries();
        let tiny = Box::leak(Box::new(TableSize { size: 8 }));
        m[0].table = tiny;
        // SAFETY: the entry's table is readable for its 8-byte tag.
        let err = unsafe { InstanceMonitors::from_entries(m) }.err().unwrap();
        assert!(
            err.to_string()
                .starts_with("flow monitor: flow monitor table is 8 bytes"),
            "{err}"
        );
        assert_eq!(n.load(Ordering::Relaxed), 1000);
    }
}
