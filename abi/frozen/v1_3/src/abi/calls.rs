//! The `calls` module deals with the functions that cross the boundary: the
//! arguments of the plugin's constructor ([`InstanceArgs`]), the monitors it
//! returns ([`MonitorEntry`]), each monitor kind's call table, and the host's
//! call table ([`HostTable`]).
//!
//! Every table is size-tagged ([`super::table`]) and made of one frozen block
//! per minor (`...V1_0`). To add a callback or a host call in minor N, append
//! a block `...V1_N` to the table, add its end to `BLOCK_ENDS`, and never
//! touch the blocks before it (`docs/ABI.md`).
//!
//! Callbacks return a [`CallOutcome`]: a number, so that a call that does
//! not panic costs one register. After [`CallOutcome::FAILED`] (a panic the
//! plugin caught on its side) the host fetches the one-line report with the
//! entry's `take_report`. Values come back through `out` pointers. Host
//! calls that can be refused return a [`Status`].

use std::ffi::c_void;
use std::mem::{offset_of, size_of};

use abi_stable::std_types::{RSliceMut, RStr, RString};
use abi_stable::StableAbi;

use super::ext::Extensions;
use super::header::MonitorKind;
use super::table::{SizedTable, TableSize};
use crate::artifacts::{
    ArtifactGroupRef, ArtifactSubscription, FtsRecord, NewFtsDocument, NewResource, ResourceRecord,
};
use crate::counters::{
    CounterGroupRef, CounterRecord, CounterSubscription, FlowTrackerInfo, NewCounterGroup,
    TopperRecord,
};
use crate::host::{LogLevel, NewAlert};
use crate::records::{FlowHandle, FlowRecord, Guid, Timestamp, Vote};
use crate::subscription::{EngineSubscription, FlowSubscription};

/// Outcome of a callback, by number.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CallOutcome(pub u32);

impl CallOutcome {
    /// The callback returned.
    pub const OK: CallOutcome = CallOutcome(0);
    /// The callback panicked (caught by the plugin): the monitor is poisoned
    /// and `take_report` gives the report.
    pub const FAILED: CallOutcome = CallOutcome(1);
}

/// Outcome of a host call, by number. Codes are never reused; a code a
/// reader does not know means "refused, for a reason added later".
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Status(pub u32);

impl Status {
    /// Done.
    pub const OK: Status = Status(0);
    /// The alert names a group that is neither built in nor registered.
    pub const UNKNOWN_ALERT_GROUP: Status = Status(1);
    /// The group GUID is already registered under another name.
    pub const GROUP_CONFLICT: Status = Status(2);
    /// An argument is empty or out of range.
    pub const INVALID_ARGUMENT: Status = Status(3);
    /// The engine is shutting down and no longer accepts feedback.
    pub const ENGINE_GONE: Status = Status(4);
    /// The host does not offer this call (it is older than the caller).
    pub const UNSUPPORTED: Status = Status(5);
    /// The counter group is neither built in nor registered (API 1.1).
    pub const UNKNOWN_COUNTER_GROUP: Status = Status(6);
    /// The counter group has no meter of that id (API 1.1).
    pub const UNKNOWN_METER: Status = Status(7);
    /// The resource group is neither built in nor registered (API 1.3).
    pub const UNKNOWN_RESOURCE_GROUP: Status = Status(8);
    /// The FTS group is neither built in nor registered (API 1.3).
    pub const UNKNOWN_FTS_GROUP: Status = Status(9);
}

/// The host's side of a plugin instance: an opaque context and the host's
/// call table. Reference-counted through the table's `retain` / `release`.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct HostRef {
    /// The host's context, passed back as the first argument of every call.
    pub ctx: *const c_void,
    /// The host's [`HostTable`], size-tagged.
    pub table: *const TableSize,
}

/// What the host hands to the plugin's constructor.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct InstanceArgs<'a> {
    /// The host's API major.
    pub host_major: u16,
    /// The host's API minor: calls of later minors are unsupported.
    pub host_minor: u16,
    /// Zero.
    pub reserved: u32,
    /// The instance's configuration: a JSON object, as text.
    pub config: RStr<'a>,
    /// The host, for the instance's [`crate::HostHandle`]. The constructor
    /// takes its own reference (`retain`) if it keeps it.
    pub host: HostRef,
    /// Later arguments (none in 1.0).
    pub ext: Extensions<'a>,
}

impl<'a> InstanceArgs<'a> {
    /// The arguments a host built with this crate passes: its own API
    /// version, `config` and `host`, no extensions.
    pub fn new(config: &'a str, host: HostRef) -> InstanceArgs<'a> {
        InstanceArgs {
            host_major: super::API_MAJOR,
            host_minor: super::API_MINOR,
            reserved: 0,
            config: config.into(),
            host,
            ext: Extensions::NONE,
        }
    }
}

/// One monitor returned by the constructor. The host owns it from then on
/// and calls `drop` exactly once, on the thread that last called it.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct MonitorEntry {
    /// Which monitor type (selects the table type `table` points to).
    pub kind: MonitorKind,
    /// Zero.
    pub reserved: u32,
    /// The monitor's state, passed as the first argument of its calls. The
    /// plugin guarantees it may be used from another thread (`Send`).
    pub object: *mut c_void,
    /// The kind's call table, size-tagged.
    pub table: *const TableSize,
    /// Frees `object`. Works for every kind, known to the host or not.
    pub drop: unsafe extern "C" fn(object: *mut c_void),
    /// The report of the last failed call (a panic, with its location), and
    /// forgets it; empty when there is none.
    pub take_report: unsafe extern "C" fn(object: *mut c_void) -> RString,
}

/// Calls of an engine monitor, API 1.0. `None`: not implemented.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct EngineMonitorCallsV1_0 {
    /// What it listens to; called once, at load.
    pub subscription:
        Option<unsafe extern "C" fn(obj: *mut c_void, out: &mut EngineSubscription) -> CallOutcome>,
    /// An interval's flush begins.
    pub on_begin_flush:
        Option<unsafe extern "C" fn(obj: *mut c_void, ts: Timestamp) -> CallOutcome>,
    /// An interval's flush ends.
    pub on_end_flush: Option<unsafe extern "C" fn(obj: *mut c_void, ts: Timestamp) -> CallOutcome>,
    /// A metronome tick.
    pub on_metronome: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            ts: Timestamp,
            tick_count: u64,
            tick_interval: u32,
        ) -> CallOutcome,
    >,
}

/// Call table of [`MonitorKind::Engine`].
#[repr(C)]
#[derive(Clone, Copy)]
pub struct EngineMonitorTable {
    /// Size tag.
    pub size: TableSize,
    /// API 1.0.
    pub v1_0: EngineMonitorCallsV1_0,
}

/// Calls of a flow monitor, API 1.0. `None`: not implemented.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct FlowMonitorCallsV1_0 {
    /// What it listens to; called once, at load.
    pub subscription:
        Option<unsafe extern "C" fn(obj: *mut c_void, out: &mut FlowSubscription) -> CallOutcome>,
    /// A flow is seen for the first time.
    pub on_new_flow:
        Option<unsafe extern "C" fn(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome>,
    /// A flow has new packets.
    pub on_update:
        Option<unsafe extern "C" fn(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome>,
    /// A flow has ended.
    pub on_terminate:
        Option<unsafe extern "C" fn(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome>,
    /// The flow flush of an interval begins.
    pub on_begin_flush:
        Option<unsafe extern "C" fn(obj: *mut c_void, ts: Timestamp) -> CallOutcome>,
    /// A vote on one flow of the flush, written to `vote` (left as it is:
    /// abstain).
    pub flush_filter: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            flow: &FlowRecord<'_>,
            vote: &mut Vote,
        ) -> CallOutcome,
    >,
    /// A flow is flushed.
    pub on_flush:
        Option<unsafe extern "C" fn(obj: *mut c_void, flow: &FlowRecord<'_>) -> CallOutcome>,
    /// The flow flush of an interval ends.
    pub on_end_flush: Option<unsafe extern "C" fn(obj: *mut c_void, ts: Timestamp) -> CallOutcome>,
    /// A metronome tick.
    pub on_metronome: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            ts: Timestamp,
            tick_count: u64,
            tick_interval: u32,
        ) -> CallOutcome,
    >,
}

/// Test fixture only: a flow-monitor block of a minor no real weir has.
#[cfg(feature = "abi-future-minor-fixture")]
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct FlowMonitorCallsFuture {
    /// A callback no real host calls.
    pub on_future_event: Option<unsafe extern "C" fn(obj: *mut c_void) -> CallOutcome>,
}

/// Call table of [`MonitorKind::Flow`].
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FlowMonitorTable {
    /// Size tag.
    pub size: TableSize,
    /// API 1.0.
    pub v1_0: FlowMonitorCallsV1_0,
    /// Test fixture only.
    #[cfg(feature = "abi-future-minor-fixture")]
    pub future: FlowMonitorCallsFuture,
}

/// Calls of a counter-group monitor, API 1.1. `None`: not implemented.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct CounterGroupMonitorCallsV1_1 {
    /// What it listens to; called once, when the run starts.
    pub subscription: Option<
        unsafe extern "C" fn(obj: *mut c_void, out: &mut CounterSubscription) -> CallOutcome,
    >,
    /// A key new to the group.
    pub on_new_key: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            key: RStr<'_>,
        ) -> CallOutcome,
    >,
    /// A key's values so far in the interval.
    pub on_update: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            key: &CounterRecord<'_>,
        ) -> CallOutcome,
    >,
    /// The group's flush begins.
    pub on_begin_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
        ) -> CallOutcome,
    >,
    /// A vote on one key, written to `vote` (left as it is: abstain), and
    /// meter overrides written to `overrides` (left as `KEEP_METER`: none).
    pub flush_filter: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            key: &CounterRecord<'_>,
            overrides: RSliceMut<'_, i64>,
            vote: &mut Vote,
        ) -> CallOutcome,
    >,
    /// A key is flushed.
    pub on_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            key: &CounterRecord<'_>,
        ) -> CallOutcome,
    >,
    /// The group's flush ends.
    pub on_end_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
        ) -> CallOutcome,
    >,
    /// A meter's toppers are next; `want` (true on entry) false declines
    /// their `on_topper_flush`.
    pub on_begin_topper_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            meter: u32,
            want: &mut bool,
        ) -> CallOutcome,
    >,
    /// A vote on one topper entry.
    pub topper_filter: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            entry: &TopperRecord<'_>,
            vote: &mut Vote,
        ) -> CallOutcome,
    >,
    /// One stored topper entry.
    pub on_topper_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            entry: &TopperRecord<'_>,
        ) -> CallOutcome,
    >,
    /// A meter's toppers are done.
    pub on_end_topper_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &CounterGroupRef<'_>,
            ts: Timestamp,
            meter: u32,
        ) -> CallOutcome,
    >,
    /// A metronome tick.
    pub on_metronome: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            ts: Timestamp,
            tick_count: u64,
            tick_interval: u32,
        ) -> CallOutcome,
    >,
}

/// Call table of [`MonitorKind::CounterGroup`] (API 1.1).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CounterGroupMonitorTable {
    /// Size tag.
    pub size: TableSize,
    /// API 1.1.
    pub v1_1: CounterGroupMonitorCallsV1_1,
}

/// Calls of a flow tracker, API 1.1. `None`: not implemented.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct FlowTrackerCallsV1_1 {
    /// Name, bucket, count; called once, at load.
    pub info:
        Option<unsafe extern "C" fn(obj: *mut c_void, out: &mut FlowTrackerInfo) -> CallOutcome>,
    /// The metric of one flushed flow, written to `out` (left 0: not interested).
    pub metric: Option<
        unsafe extern "C" fn(obj: *mut c_void, flow: &FlowRecord<'_>, out: &mut i64) -> CallOutcome,
    >,
    /// A bucket is about to be written.
    pub on_begin_flush:
        Option<unsafe extern "C" fn(obj: *mut c_void, ts: Timestamp) -> CallOutcome>,
    /// A bucket has been written.
    pub on_end_flush: Option<unsafe extern "C" fn(obj: *mut c_void, ts: Timestamp) -> CallOutcome>,
    /// A metronome tick.
    pub on_metronome: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            ts: Timestamp,
            tick_count: u64,
            tick_interval: u32,
        ) -> CallOutcome,
    >,
}

/// Call table of [`MonitorKind::FlowTracker`] (API 1.1).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FlowTrackerTable {
    /// Size tag.
    pub size: TableSize,
    /// API 1.1.
    pub v1_1: FlowTrackerCallsV1_1,
}

/// Calls of a resource monitor, API 1.3. `None`: not implemented.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct ResourceMonitorCallsV1_3 {
    /// What it listens to; called once, when the run starts.
    pub subscription: Option<
        unsafe extern "C" fn(obj: *mut c_void, out: &mut ArtifactSubscription) -> CallOutcome,
    >,
    /// A new resource.
    pub on_new_resource:
        Option<unsafe extern "C" fn(obj: *mut c_void, item: &ResourceRecord<'_>) -> CallOutcome>,
    /// A group's flush begins.
    pub on_begin_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &ArtifactGroupRef<'_>,
            ts: Timestamp,
        ) -> CallOutcome,
    >,
    /// A vote on one resource, written to `vote` (left as it is: abstain).
    pub flush_filter: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            item: &ResourceRecord<'_>,
            vote: &mut Vote,
        ) -> CallOutcome,
    >,
    /// A stored resource.
    pub on_flush:
        Option<unsafe extern "C" fn(obj: *mut c_void, item: &ResourceRecord<'_>) -> CallOutcome>,
    /// A group's flush ends.
    pub on_end_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &ArtifactGroupRef<'_>,
            ts: Timestamp,
        ) -> CallOutcome,
    >,
    /// A metronome tick.
    pub on_metronome: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            ts: Timestamp,
            tick_count: u64,
            tick_interval: u32,
        ) -> CallOutcome,
    >,
}

/// Call table of [`MonitorKind::Resource`] (API 1.3).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ResourceMonitorTable {
    /// Size tag.
    pub size: TableSize,
    /// API 1.3.
    pub v1_3: ResourceMonitorCallsV1_3,
}

/// Calls of a full-text document monitor, API 1.3. `None`: not implemented.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct FtsMonitorCallsV1_3 {
    /// What it listens to; called once, when the run starts.
    pub subscription: Option<
        unsafe extern "C" fn(obj: *mut c_void, out: &mut ArtifactSubscription) -> CallOutcome,
    >,
    /// A new document.
    pub on_new_document:
        Option<unsafe extern "C" fn(obj: *mut c_void, item: &FtsRecord<'_>) -> CallOutcome>,
    /// A group's flush begins.
    pub on_begin_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &ArtifactGroupRef<'_>,
            ts: Timestamp,
        ) -> CallOutcome,
    >,
    /// A vote on one document, written to `vote` (left as it is: abstain).
    pub flush_filter: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            item: &FtsRecord<'_>,
            vote: &mut Vote,
        ) -> CallOutcome,
    >,
    /// A stored document.
    pub on_flush:
        Option<unsafe extern "C" fn(obj: *mut c_void, item: &FtsRecord<'_>) -> CallOutcome>,
    /// A group's flush ends.
    pub on_end_flush: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            group: &ArtifactGroupRef<'_>,
            ts: Timestamp,
        ) -> CallOutcome,
    >,
    /// A metronome tick.
    pub on_metronome: Option<
        unsafe extern "C" fn(
            obj: *mut c_void,
            ts: Timestamp,
            tick_count: u64,
            tick_interval: u32,
        ) -> CallOutcome,
    >,
}

/// Call table of [`MonitorKind::Fts`] (API 1.3).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FtsMonitorTable {
    /// Size tag.
    pub size: TableSize,
    /// API 1.3.
    pub v1_3: FtsMonitorCallsV1_3,
}

/// Host calls, API 1.0. `None`: unsupported. `ctx` is [`HostRef::ctx`].
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct HostCallsV1_0 {
    /// Takes a reference on `ctx` (a clone of the handle).
    pub retain: Option<unsafe extern "C" fn(ctx: *const c_void)>,
    /// Drops a reference on `ctx`.
    pub release: Option<unsafe extern "C" fn(ctx: *const c_void)>,
    /// 0-based position among the instances of the same plugin.
    pub instance_id: Option<unsafe extern "C" fn(ctx: *const c_void) -> u32>,
    /// Stream time of the event being delivered.
    pub timestamp: Option<unsafe extern "C" fn(ctx: *const c_void) -> Timestamp>,
    /// The run's output directory (UTF-8, lossily converted).
    pub output_dir: Option<unsafe extern "C" fn(ctx: *const c_void) -> RString>,
    /// A line in the engine's log.
    pub log: Option<unsafe extern "C" fn(ctx: *const c_void, level: LogLevel, message: RStr<'_>)>,
    /// Declares an alert group of this plugin.
    pub register_alert_group: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            guid: Guid,
            name: RStr<'_>,
            description: RStr<'_>,
        ) -> Status,
    >,
    /// Raises an alert.
    pub add_alert: Option<unsafe extern "C" fn(ctx: *const c_void, alert: &NewAlert<'_>) -> Status>,
    /// Tags a live flow.
    pub tag_flow:
        Option<unsafe extern "C" fn(ctx: *const c_void, flow: FlowHandle, tag: RStr<'_>) -> Status>,
}

/// Host calls, API 1.1: counter groups. `None`: unsupported.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct HostCallsV1_1 {
    /// Adds `value` to meter `meter` of `key` in counter group `group`
    /// (combined by the meter's type).
    pub update_counter: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            group: Guid,
            key: RStr<'_>,
            meter: u32,
            value: i64,
        ) -> Status,
    >,
    /// The same, for one sample that is never combined with others before
    /// it reaches the group (gauges, averages: Trisul's raw form).
    pub update_counter_raw: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            group: Guid,
            key: RStr<'_>,
            meter: u32,
            value: i64,
        ) -> Status,
    >,
    /// Sets a key's label and description.
    pub update_key_info: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            group: Guid,
            key: RStr<'_>,
            label: RStr<'_>,
            description: RStr<'_>,
        ) -> Status,
    >,
    /// Sets a named attribute of a key (replacing an earlier value).
    pub set_key_attribute: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            group: Guid,
            key: RStr<'_>,
            name: RStr<'_>,
            value: RStr<'_>,
        ) -> Status,
    >,
    /// Declares a counter group of this plugin.
    pub register_counter_group:
        Option<unsafe extern "C" fn(ctx: *const c_void, group: &NewCounterGroup<'_>) -> Status>,
}

/// Host calls, API 1.3: resources and full-text documents. `None`:
/// unsupported.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct HostCallsV1_3 {
    /// Adds a resource to its group's stream.
    pub add_resource:
        Option<unsafe extern "C" fn(ctx: *const c_void, resource: &NewResource<'_>) -> Status>,
    /// Adds a full-text document to its group's stream.
    pub add_fts_document:
        Option<unsafe extern "C" fn(ctx: *const c_void, doc: &NewFtsDocument<'_>) -> Status>,
    /// Declares a resource group of this plugin.
    pub register_resource_group: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            guid: Guid,
            name: RStr<'_>,
            description: RStr<'_>,
        ) -> Status,
    >,
    /// Declares an FTS group of this plugin.
    pub register_fts_group: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            guid: Guid,
            name: RStr<'_>,
            description: RStr<'_>,
        ) -> Status,
    >,
}

/// Test fixture only: a host-call block of a minor no real weir has.
#[cfg(feature = "abi-future-minor-fixture")]
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct HostCallsFuture {
    /// A host call no real host offers.
    pub future_echo: Option<unsafe extern "C" fn(ctx: *const c_void, text: RStr<'_>) -> Status>,
}

/// The host's call table.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct HostTable {
    /// Size tag.
    pub size: TableSize,
    /// API 1.0.
    pub v1_0: HostCallsV1_0,
    /// API 1.1.
    pub v1_1: HostCallsV1_1,
    /// API 1.3 (1.2 added no host call).
    pub v1_3: HostCallsV1_3,
    /// Test fixture only.
    #[cfg(feature = "abi-future-minor-fixture")]
    pub future: HostCallsFuture,
}

/// `offset_of!(T, block) + size_of::<Block>()`: where a block ends.
macro_rules! block_end {
    ($table:ty, $block:ident : $ty:ty) => {
        offset_of!($table, $block) + size_of::<$ty>()
    };
}

// SAFETY: repr(C), starts with TableSize, only Option<extern fn> entries.
unsafe impl SizedTable for EngineMonitorTable {
    const EMPTY: Self = EngineMonitorTable {
        size: TableSize { size: 0 },
        v1_0: EngineMonitorCallsV1_0 {
            subscription: None,
            on_begin_flush: None,
            on_end_flush: None,
            on_metronome: None,
        },
    };
    const BLOCK_ENDS: &'static [usize] =
        &[block_end!(EngineMonitorTable, v1_0: EngineMonitorCallsV1_0)];
    const NAME: &'static str = "engine monitor table";
    fn size(&self) -> usize {
        self.size.size
    }
}

// SAFETY: repr(C), starts with TableSize, only Option<extern fn> entries.
unsafe impl SizedTable for FlowMonitorTable {
    const EMPTY: Self = FlowMonitorTable {
        size: TableSize { size: 0 },
        v1_0: FlowMonitorCallsV1_0 {
            subscription: None,
            on_new_flow: None,
            on_update: None,
            on_terminate: None,
            on_begin_flush: None,
            flush_filter: None,
            on_flush: None,
            on_end_flush: None,
            on_metronome: None,
        },
        #[cfg(feature = "abi-future-minor-fixture")]
        future: FlowMonitorCallsFuture {
            on_future_event: None,
        },
    };
    const BLOCK_ENDS: &'static [usize] = &[
        block_end!(FlowMonitorTable, v1_0: FlowMonitorCallsV1_0),
        #[cfg(feature = "abi-future-minor-fixture")]
        block_end!(FlowMonitorTable, future: FlowMonitorCallsFuture),
    ];
    const NAME: &'static str = "flow monitor table";
    fn size(&self) -> usize {
        self.size.size
    }
}

// SAFETY: repr(C), starts with TableSize, only Option<extern fn> entries.
unsafe impl SizedTable for CounterGroupMonitorTable {
    const EMPTY: Self = CounterGroupMonitorTable {
        size: TableSize { size: 0 },
        v1_1: CounterGroupMonitorCallsV1_1 {
            subscription: None,
            on_new_key: None,
            on_update: None,
            on_begin_flush: None,
            flush_filter: None,
            on_flush: None,
            on_end_flush: None,
            on_begin_topper_flush: None,
            topper_filter: None,
            on_topper_flush: None,
            on_end_topper_flush: None,
            on_metronome: None,
        },
    };
    const BLOCK_ENDS: &'static [usize] = &[block_end!(
        CounterGroupMonitorTable,
        v1_1: CounterGroupMonitorCallsV1_1
    )];
    const NAME: &'static str = "counter-group monitor table";
    fn size(&self) -> usize {
        self.size.size
    }
}

// SAFETY: repr(C), starts with TableSize, only Option<extern fn> entries.
unsafe impl SizedTable for FlowTrackerTable {
    const EMPTY: Self = FlowTrackerTable {
        size: TableSize { size: 0 },
        v1_1: FlowTrackerCallsV1_1 {
            info: None,
            metric: None,
            on_begin_flush: None,
            on_end_flush: None,
            on_metronome: None,
        },
    };
    const BLOCK_ENDS: &'static [usize] =
        &[block_end!(FlowTrackerTable, v1_1: FlowTrackerCallsV1_1)];
    const NAME: &'static str = "flow tracker table";
    fn size(&self) -> usize {
        self.size.size
    }
}

// SAFETY: repr(C), starts with TableSize, only Option<extern fn> entries.
unsafe impl SizedTable for ResourceMonitorTable {
    const EMPTY: Self = ResourceMonitorTable {
        size: TableSize { size: 0 },
        v1_3: ResourceMonitorCallsV1_3 {
            subscription: None,
            on_new_resource: None,
            on_begin_flush: None,
            flush_filter: None,
            on_flush: None,
            on_end_flush: None,
            on_metronome: None,
        },
    };
    const BLOCK_ENDS: &'static [usize] =
        &[block_end!(ResourceMonitorTable, v1_3: ResourceMonitorCallsV1_3)];
    const NAME: &'static str = "resource monitor table";
    fn size(&self) -> usize {
        self.size.size
    }
}

// SAFETY: repr(C), starts with TableSize, only Option<extern fn> entries.
unsafe impl SizedTable for FtsMonitorTable {
    const EMPTY: Self = FtsMonitorTable {
        size: TableSize { size: 0 },
        v1_3: FtsMonitorCallsV1_3 {
            subscription: None,
            on_new_document: None,
            on_begin_flush: None,
            flush_filter: None,
            on_flush: None,
            on_end_flush: None,
            on_metronome: None,
        },
    };
    const BLOCK_ENDS: &'static [usize] = &[block_end!(FtsMonitorTable, v1_3: FtsMonitorCallsV1_3)];
    const NAME: &'static str = "FTS monitor table";
    fn size(&self) -> usize {
        self.size.size
    }
}

// SAFETY: repr(C), starts with TableSize, only Option<extern fn> entries.
unsafe impl SizedTable for HostTable {
    const EMPTY: Self = HostTable {
        size: TableSize { size: 0 },
        v1_0: HostCallsV1_0 {
            retain: None,
            release: None,
            instance_id: None,
            timestamp: None,
            output_dir: None,
            log: None,
            register_alert_group: None,
            add_alert: None,
            tag_flow: None,
        },
        v1_1: HostCallsV1_1 {
            update_counter: None,
            update_counter_raw: None,
            update_key_info: None,
            set_key_attribute: None,
            register_counter_group: None,
        },
        v1_3: HostCallsV1_3 {
            add_resource: None,
            add_fts_document: None,
            register_resource_group: None,
            register_fts_group: None,
        },
        #[cfg(feature = "abi-future-minor-fixture")]
        future: HostCallsFuture { future_echo: None },
    };
    const BLOCK_ENDS: &'static [usize] = &[
        block_end!(HostTable, v1_0: HostCallsV1_0),
        block_end!(HostTable, v1_1: HostCallsV1_1),
        block_end!(HostTable, v1_3: HostCallsV1_3),
        #[cfg(feature = "abi-future-minor-fixture")]
        block_end!(HostTable, future: HostCallsFuture),
    ];
    const NAME: &'static str = "host table";
    fn size(&self) -> usize {
        self.size.size
    }
}

/// Each table's last block ends at its size (no tail padding the size tag
/// could not describe), and its blocks are in order.
const _: () = {
    const fn check(ends: &[usize], size: usize) {
        let mut i = 1;
        while i < ends.len() {
            assert!(ends[i - 1] < ends[i]);
            i += 1;
        }
        assert!(ends[ends.len() - 1] == size);
    }
    check(
        EngineMonitorTable::BLOCK_ENDS,
        size_of::<EngineMonitorTable>(),
    );
    check(FlowMonitorTable::BLOCK_ENDS, size_of::<FlowMonitorTable>());
    check(
        CounterGroupMonitorTable::BLOCK_ENDS,
        size_of::<CounterGroupMonitorTable>(),
    );
    check(FlowTrackerTable::BLOCK_ENDS, size_of::<FlowTrackerTable>());
    check(
        ResourceMonitorTable::BLOCK_ENDS,
        size_of::<ResourceMonitorTable>(),
    );
    check(FtsMonitorTable::BLOCK_ENDS, size_of::<FtsMonitorTable>());
    check(HostTable::BLOCK_ENDS, size_of::<HostTable>());
};
