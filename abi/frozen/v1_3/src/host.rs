//! The `host` module deals with the calls a plugin makes back into the engine:
//! raising alerts, tagging flows, logging, reading stream time, and (API 1.1)
//! feeding counter groups and declaring its own.
//!
//! A plugin receives a [`HostHandle`] at construction: owned, cheap to clone
//! and thread-safe, so a plugin may keep it and call it from threads of its
//! own. The engine implements [`HostApi`]; [`HostHandle::new`] turns any
//! implementation into the host's call table ([`crate::abi::calls::HostTable`])
//! that crosses the boundary, so the in-process path, the engine and
//! [`crate::testing::RecordingHost`] all go through the same table.
//!
//! Calls added by later minors return `Err(ApiError::Unsupported)` when the
//! host is older than the plugin, unless the plugin declared that minor as a
//! requirement (then an older host never loads it).

use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use abi_stable::std_types::{RStr, RString};
use abi_stable::StableAbi;

use crate::abi::calls::{HostCallsV1_0, HostCallsV1_1, HostCallsV1_3, HostRef, HostTable, Status};
use crate::abi::ext::Extensions;
use crate::abi::table::{read_table, SizedTable, TableError, TableSize};
use crate::abi::{ApiVersion, API_MAJOR};
use crate::artifacts::{ArtifactFlow, NewFtsDocument, NewResource};
use crate::counters::NewCounterGroup;
use crate::records::{FlowHandle, FlowRecord, Guid, Timestamp};

/// Severity of a log line sent through [`HostHandle::log`].
///
/// A number, like [`crate::EndReason`]; a host logs a level it does not know
/// as `Info`.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LogLevel(pub u8);

#[allow(non_upper_case_globals)]
impl LogLevel {
    /// Something failed.
    pub const Error: LogLevel = LogLevel(0);
    /// Something looks wrong.
    pub const Warn: LogLevel = LogLevel(1);
    /// Normal operation.
    pub const Info: LogLevel = LogLevel(2);
    /// Detail for plugin authors.
    pub const Debug: LogLevel = LogLevel(3);

    /// Lower-case name (`error`, `warn`, `info`, `debug`; `info` for a level
    /// this crate does not know).
    pub fn as_str(&self) -> &'static str {
        match *self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Debug => "debug",
            _ => "info",
        }
    }
}

/// A feedback call the engine refused. Apart from `Unsupported`, these are
/// mistakes in the calling plugin ("API misuse"), never caused by the traffic.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// The alert names a group that is neither built in nor registered.
    UnknownAlertGroup,
    /// The group GUID is already registered under another name.
    GroupConflict,
    /// An argument is empty or out of range (e.g. priority outside 1..=3, empty tag).
    InvalidArgument,
    /// The engine is shutting down and no longer accepts feedback.
    EngineGone,
    /// This weir is older than the call: it came in a later API minor.
    Unsupported,
    /// The counter group is neither built in nor registered (API 1.1).
    UnknownCounterGroup,
    /// The counter group has no meter of that id (API 1.1).
    UnknownMeter,
    /// The resource group is neither built in nor registered (API 1.3).
    UnknownResourceGroup,
    /// The FTS group is neither built in nor registered (API 1.3).
    UnknownFtsGroup,
    /// A refusal this crate does not know (a newer host's status code).
    Other(u32),
}

impl ApiError {
    /// The error a host status stands for (`None` for [`Status::OK`]).
    pub fn from_status(status: Status) -> Option<ApiError> {
        Some(match status {
            Status::OK => return None,
            Status::UNKNOWN_ALERT_GROUP => ApiError::UnknownAlertGroup,
            Status::GROUP_CONFLICT => ApiError::GroupConflict,
            Status::INVALID_ARGUMENT => ApiError::InvalidArgument,
            Status::ENGINE_GONE => ApiError::EngineGone,
            Status::UNSUPPORTED => ApiError::Unsupported,
            Status::UNKNOWN_COUNTER_GROUP => ApiError::UnknownCounterGroup,
            Status::UNKNOWN_METER => ApiError::UnknownMeter,
            Status::UNKNOWN_RESOURCE_GROUP => ApiError::UnknownResourceGroup,
            Status::UNKNOWN_FTS_GROUP => ApiError::UnknownFtsGroup,
            Status(other) => ApiError::Other(other),
        })
    }

    /// The status code of this error.
    pub fn status(self) -> Status {
        match self {
            ApiError::UnknownAlertGroup => Status::UNKNOWN_ALERT_GROUP,
            ApiError::GroupConflict => Status::GROUP_CONFLICT,
            ApiError::InvalidArgument => Status::INVALID_ARGUMENT,
            ApiError::EngineGone => Status::ENGINE_GONE,
            ApiError::Unsupported => Status::UNSUPPORTED,
            ApiError::UnknownCounterGroup => Status::UNKNOWN_COUNTER_GROUP,
            ApiError::UnknownMeter => Status::UNKNOWN_METER,
            ApiError::UnknownResourceGroup => Status::UNKNOWN_RESOURCE_GROUP,
            ApiError::UnknownFtsGroup => Status::UNKNOWN_FTS_GROUP,
            ApiError::Other(n) => Status(n),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::UnknownAlertGroup => f.write_str("unknown alert group (register it first)"),
            ApiError::GroupConflict => {
                f.write_str("group GUID already registered with another name")
            }
            ApiError::InvalidArgument => f.write_str("invalid argument"),
            ApiError::EngineGone => f.write_str("engine is shutting down"),
            ApiError::Unsupported => {
                f.write_str("not supported by this weir (a newer plugin API call)")
            }
            ApiError::UnknownCounterGroup => {
                f.write_str("unknown counter group (built in, or register it first)")
            }
            ApiError::UnknownMeter => f.write_str("the counter group has no such meter"),
            ApiError::UnknownResourceGroup => {
                f.write_str("unknown resource group (built in, or register it first)")
            }
            ApiError::UnknownFtsGroup => {
                f.write_str("unknown FTS group (built in, or register it first)")
            }
            ApiError::Other(n) => write!(f, "refused by the host (status {n})"),
        }
    }
}

impl std::error::Error for ApiError {}

fn status_result(status: Status) -> Result<(), ApiError> {
    ApiError::from_status(status).map_or(Ok(()), Err)
}

fn result_status(result: Result<(), ApiError>) -> Status {
    result.err().map_or(Status::OK, ApiError::status)
}

/// An alert as raised by a plugin (Trisul's `add_alert_full` fields).
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct NewAlert<'a> {
    /// Alert group (built in, or registered with `register_alert_group`).
    pub group: Guid,
    /// The flow the alert is about, if any; gives the alert's addresses and ports.
    pub flow: Option<&'a FlowRecord<'a>>,
    /// Signature id (Trisul's "alert key"), free text.
    pub sigid: RStr<'a>,
    /// Classification, e.g. `attack` (may be empty).
    pub classification: RStr<'a>,
    /// 1 high, 2 medium, 3 low.
    pub priority: u8,
    /// Message.
    pub message: RStr<'a>,
    /// Extra detail (may be empty).
    pub extra_message: RStr<'a>,
    /// Status, e.g. `ALARM`, `CLEAR`, `FIRE` (may be empty).
    pub status: RStr<'a>,
    /// Fields added after API 1.0 (none in 1.0; a host ignores blocks it does not know).
    pub ext: Extensions<'a>,
}

/// The engine side of the feedback calls, as ordinary Rust. Plugins use
/// [`HostHandle`], which reaches an implementation through the host table.
///
/// Calls of later minors are appended with a default body that returns
/// `Err(ApiError::Unsupported)`.
pub trait HostApi: Send + Sync + 'static {
    /// 0-based position of this instance among the instances of the same plugin.
    fn instance_id(&self) -> u32;

    /// Stream time of the event being delivered to this instance (the last
    /// one, when called from a plugin's own thread).
    fn timestamp(&self) -> Timestamp;

    /// The run's output directory.
    fn output_dir(&self) -> String;

    /// Writes a line to the engine's log, tagged with plugin and instance.
    fn log(&self, level: LogLevel, message: &str);

    /// Declares an alert group of this plugin, so that alerts can be raised in it.
    fn register_alert_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError>;

    /// Raises an alert.
    fn add_alert(&self, alert: &NewAlert<'_>) -> Result<(), ApiError>;

    /// Adds a tag to a live flow; it appears in later records of that flow.
    /// A flow that has already been flushed for the last time is not tagged.
    fn tag_flow(&self, flow: FlowHandle, tag: &str) -> Result<(), ApiError>;

    /// Feeds `value` to meter `meter` of `key` in counter group `group`
    /// (API 1.1). `raw`: the plugin used `update_counter_raw`.
    fn update_counter(
        &self,
        group: Guid,
        key: &str,
        meter: u32,
        value: i64,
        raw: bool,
    ) -> Result<(), ApiError> {
        let _ = (group, key, meter, value, raw);
        Err(ApiError::Unsupported)
    }

    /// Sets a key's label and description (API 1.1).
    fn update_key_info(
        &self,
        group: Guid,
        key: &str,
        label: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let _ = (group, key, label, description);
        Err(ApiError::Unsupported)
    }

    /// Sets a named attribute of a key (API 1.1).
    fn set_key_attribute(
        &self,
        group: Guid,
        key: &str,
        name: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let _ = (group, key, name, value);
        Err(ApiError::Unsupported)
    }

    /// Declares a counter group of this plugin (API 1.1).
    fn register_counter_group(&self, group: &NewCounterGroup<'_>) -> Result<(), ApiError> {
        let _ = group;
        Err(ApiError::Unsupported)
    }

    /// `add_resource` (API 1.3).
    fn add_resource(&self, resource: &NewResource<'_>) -> Result<(), ApiError> {
        let _ = resource;
        Err(ApiError::Unsupported)
    }

    /// `add_fts_document` (API 1.3).
    fn add_fts_document(&self, doc: &NewFtsDocument<'_>) -> Result<(), ApiError> {
        let _ = doc;
        Err(ApiError::Unsupported)
    }

    /// `register_resource_group` (API 1.3).
    fn register_resource_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let _ = (guid, name, description);
        Err(ApiError::Unsupported)
    }

    /// `register_fts_group` (API 1.3).
    fn register_fts_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let _ = (guid, name, description);
        Err(ApiError::Unsupported)
    }

    /// Test fixture only: a call of a minor no real weir has.
    #[cfg(feature = "abi-future-minor-fixture")]
    fn future_echo(&self, text: &str) -> Result<(), ApiError> {
        let _ = text;
        Err(ApiError::Unsupported)
    }
}

/// Runs a host implementation's code so that an engine bug cannot unwind
/// into the plugin (which would abort the process): a panic gives `or`.
fn guard<R>(or: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(or)
}

/// The host table of implementation `H`: `extern "C"` trampolines that call
/// `H`'s methods on the `Arc<H>` behind the context pointer.
struct TableOf<H>(PhantomData<H>);

impl<H: HostApi> TableOf<H> {
    const TABLE: HostTable = HostTable {
        size: TableSize {
            size: std::mem::size_of::<HostTable>(),
        },
        v1_0: HostCallsV1_0 {
            retain: Some(retain::<H>),
            release: Some(release::<H>),
            instance_id: Some(instance_id::<H>),
            timestamp: Some(timestamp::<H>),
            output_dir: Some(output_dir::<H>),
            log: Some(log::<H>),
            register_alert_group: Some(register_alert_group::<H>),
            add_alert: Some(add_alert::<H>),
            tag_flow: Some(tag_flow::<H>),
        },
        v1_1: HostCallsV1_1 {
            update_counter: Some(update_counter::<H>),
            update_counter_raw: Some(update_counter_raw::<H>),
            update_key_info: Some(update_key_info::<H>),
            set_key_attribute: Some(set_key_attribute::<H>),
            register_counter_group: Some(register_counter_group::<H>),
        },
        v1_3: HostCallsV1_3 {
            add_resource: Some(add_resource::<H>),
            add_fts_document: Some(add_fts_document::<H>),
            register_resource_group: Some(register_resource_group::<H>),
            register_fts_group: Some(register_fts_group::<H>),
        },
        #[cfg(feature = "abi-future-minor-fixture")]
        future: crate::abi::calls::HostCallsFuture {
            future_echo: Some(future_echo::<H>),
        },
    };
}

/// # Safety (for every trampoline)
///
/// `ctx` is `Arc::into_raw` of an `Arc<H>` on which the caller holds a reference.
unsafe fn host<'a, H>(ctx: *const c_void) -> &'a H {
    // SAFETY: the trampolines' contract above.
    unsafe { &*ctx.cast::<H>() }
}

unsafe extern "C" fn retain<H: HostApi>(ctx: *const c_void) {
    // SAFETY: the caller holds a reference on the Arc (trampoline contract).
    unsafe { Arc::increment_strong_count(ctx.cast::<H>()) }
}

unsafe extern "C" fn release<H: HostApi>(ctx: *const c_void) {
    // SAFETY: the caller gives up the reference it holds (trampoline contract).
    guard((), || unsafe {
        Arc::decrement_strong_count(ctx.cast::<H>())
    });
}

unsafe extern "C" fn instance_id<H: HostApi>(ctx: *const c_void) -> u32 {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(0, || h.instance_id())
}

unsafe extern "C" fn timestamp<H: HostApi>(ctx: *const c_void) -> Timestamp {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Timestamp::default(), || h.timestamp())
}

unsafe extern "C" fn output_dir<H: HostApi>(ctx: *const c_void) -> RString {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(RString::new(), || h.output_dir().into())
}

unsafe extern "C" fn log<H: HostApi>(ctx: *const c_void, level: LogLevel, message: RStr<'_>) {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard((), || h.log(level, message.as_str()))
}

unsafe extern "C" fn register_alert_group<H: HostApi>(
    ctx: *const c_void,
    guid: Guid,
    name: RStr<'_>,
    description: RStr<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.register_alert_group(guid, name.as_str(), description.as_str()))
    })
}

unsafe extern "C" fn add_alert<H: HostApi>(ctx: *const c_void, alert: &NewAlert<'_>) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || result_status(h.add_alert(alert)))
}

unsafe extern "C" fn tag_flow<H: HostApi>(
    ctx: *const c_void,
    flow: FlowHandle,
    tag: RStr<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.tag_flow(flow, tag.as_str()))
    })
}

unsafe extern "C" fn update_counter<H: HostApi>(
    ctx: *const c_void,
    group: Guid,
    key: RStr<'_>,
    meter: u32,
    value: i64,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.update_counter(group, key.as_str(), meter, value, false))
    })
}

unsafe extern "C" fn update_counter_raw<H: HostApi>(
    ctx: *const c_void,
    group: Guid,
    key: RStr<'_>,
    meter: u32,
    value: i64,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.update_counter(group, key.as_str(), meter, value, true))
    })
}

unsafe extern "C" fn update_key_info<H: HostApi>(
    ctx: *const c_void,
    group: Guid,
    key: RStr<'_>,
    label: RStr<'_>,
    description: RStr<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.update_key_info(group, key.as_str(), label.as_str(), description.as_str()))
    })
}

unsafe extern "C" fn set_key_attribute<H: HostApi>(
    ctx: *const c_void,
    group: Guid,
    key: RStr<'_>,
    name: RStr<'_>,
    value: RStr<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.set_key_attribute(group, key.as_str(), name.as_str(), value.as_str()))
    })
}

unsafe extern "C" fn register_counter_group<H: HostApi>(
    ctx: *const c_void,
    group: &NewCounterGroup<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.register_counter_group(group))
    })
}

unsafe extern "C" fn add_resource<H: HostApi>(
    ctx: *const c_void,
    resource: &NewResource<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.add_resource(resource))
    })
}

unsafe extern "C" fn add_fts_document<H: HostApi>(
    ctx: *const c_void,
    doc: &NewFtsDocument<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.add_fts_document(doc))
    })
}

unsafe extern "C" fn register_resource_group<H: HostApi>(
    ctx: *const c_void,
    guid: Guid,
    name: RStr<'_>,
    description: RStr<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.register_resource_group(guid, name.as_str(), description.as_str()))
    })
}

unsafe extern "C" fn register_fts_group<H: HostApi>(
    ctx: *const c_void,
    guid: Guid,
    name: RStr<'_>,
    description: RStr<'_>,
) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.register_fts_group(guid, name.as_str(), description.as_str()))
    })
}

#[cfg(feature = "abi-future-minor-fixture")]
unsafe extern "C" fn future_echo<H: HostApi>(ctx: *const c_void, text: RStr<'_>) -> Status {
    // SAFETY: trampoline contract.
    let h = unsafe { host::<H>(ctx) };
    guard(Status::ENGINE_GONE, || {
        result_status(h.future_echo(text.as_str()))
    })
}

/// A host reference owned by the engine: what it passes to a plugin's
/// constructor ([`OwnedHostRef::raw`]). Dropping it gives up the engine's
/// reference; the plugin's handles keep the host alive as long as they live.
pub struct OwnedHostRef {
    raw: HostRef,
    release: unsafe extern "C" fn(*const c_void),
}

// SAFETY: the context is an `Arc<H>` with `H: Send + Sync`.
unsafe impl Send for OwnedHostRef {}

impl OwnedHostRef {
    /// The host table of `host`, with one reference held by the result.
    pub fn new<H: HostApi>(host: H) -> OwnedHostRef {
        OwnedHostRef {
            raw: HostRef {
                ctx: Arc::into_raw(Arc::new(host)).cast(),
                table: (&TableOf::<H>::TABLE as *const HostTable).cast(),
            },
            release: release::<H>,
        }
    }

    /// The reference as it crosses the boundary (valid while `self` lives).
    pub fn raw(&self) -> HostRef {
        self.raw
    }
}

impl Drop for OwnedHostRef {
    fn drop(&mut self) {
        // SAFETY: `self` holds one reference on the context.
        unsafe { (self.release)(self.raw.ctx) }
    }
}

/// The plugin's handle on the engine: owned, `Clone`, `Send + Sync`.
///
/// The host's table is read once, when the handle is made: a call the host
/// does not offer (it is older than the plugin) returns
/// `Err(ApiError::Unsupported)`.
pub struct HostHandle {
    ctx: *const c_void,
    calls: Arc<HostTable>,
    host_version: ApiVersion,
}

// SAFETY: the host guarantees its context may be used from any thread (the
// engine's is an `Arc` of a `Send + Sync` type; see docs/ABI.md).
unsafe impl Send for HostHandle {}
// SAFETY: as above.
unsafe impl Sync for HostHandle {}

impl HostHandle {
    /// Wraps an engine-side implementation (used by the engine's in-process
    /// path and by tests). The handle reports this crate's API version.
    pub fn new<H: HostApi>(host: H) -> HostHandle {
        let owned = OwnedHostRef::new(host);
        // SAFETY: a table made by this crate, with its reference held by `owned`.
        unsafe { HostHandle::from_raw(owned.raw(), crate::abi::API_VERSION) }
            .unwrap_or_else(|e| unreachable!("this crate's own host table: {e}"))
    }

    /// A handle on the host behind `raw`, taking a reference of its own.
    ///
    /// # Safety
    ///
    /// `raw` must come from a host of this major (its table valid for its
    /// size tag, its context alive while the caller holds a reference).
    pub unsafe fn from_raw(
        raw: HostRef,
        host_version: ApiVersion,
    ) -> Result<HostHandle, TableError> {
        // SAFETY: the caller's contract.
        let calls: HostTable = unsafe { read_table(raw.table)? };
        let (Some(retain), Some(_)) = (calls.v1_0.retain, calls.v1_0.release) else {
            return Err(TableError::MissingEntry {
                table: HostTable::NAME,
                entry: "retain/release",
            });
        };
        // SAFETY: the caller holds a reference, so the context is alive.
        unsafe { retain(raw.ctx) };
        Ok(HostHandle {
            ctx: raw.ctx,
            calls: Arc::new(calls),
            host_version,
        })
    }

    /// A handle that offers only the calls of host minor `minor`, as a
    /// host of that minor would (for tests of how a plugin copes with an
    /// older host).
    pub fn limited_to_minor(&self, minor: u16) -> HostHandle {
        // The minor each block of the host table came with, in table order.
        const BLOCK_MINORS: [u16; 3] = [0, 1, 3];
        let ends = HostTable::BLOCK_ENDS;
        let blocks = BLOCK_MINORS.iter().filter(|&&m| m <= minor).count().max(1);
        let mut tagged = *self.calls;
        tagged.size.size = ends[blocks.min(ends.len()) - 1];
        // SAFETY: `tagged` is a whole HostTable, valid for any size up to its own.
        let calls = unsafe { read_table::<HostTable>((&raw const tagged).cast()) }
            .unwrap_or_else(|e| unreachable!("a block end of this crate's own table: {e}"));
        let mut handle = self.clone();
        handle.calls = Arc::new(calls);
        handle.host_version = ApiVersion::new(API_MAJOR, minor.min(self.host_version.minor));
        handle
    }

    /// The plugin API version of the host this plugin runs in.
    pub fn host_api_version(&self) -> ApiVersion {
        self.host_version
    }

    /// Whether the host's version is at least `1.minor` (and so offers the
    /// calls of that minor).
    pub fn host_has_minor(&self, minor: u16) -> bool {
        self.host_version.major == API_MAJOR && self.host_version.minor >= minor
    }

    fn v1_0(&self) -> &HostCallsV1_0 {
        &self.calls.v1_0
    }

    /// 0-based position of this instance among the instances of the same plugin.
    pub fn instance_id(&self) -> u32 {
        // SAFETY: a call of the host this handle holds a reference on.
        self.v1_0()
            .instance_id
            .map_or(0, |f| unsafe { f(self.ctx) })
    }

    /// Stream time of the event being delivered (see [`HostApi::timestamp`]).
    pub fn timestamp(&self) -> Timestamp {
        // SAFETY: as above.
        self.v1_0()
            .timestamp
            .map_or(Timestamp::default(), |f| unsafe { f(self.ctx) })
    }

    /// The run's output directory.
    pub fn output_dir(&self) -> std::path::PathBuf {
        // SAFETY: as above.
        let dir = self.v1_0().output_dir.map(|f| unsafe { f(self.ctx) });
        dir.map(RString::into_string).unwrap_or_default().into()
    }

    /// Logs a line at `level`.
    pub fn log(&self, level: LogLevel, message: &str) {
        if let Some(f) = self.v1_0().log {
            // SAFETY: as above.
            unsafe { f(self.ctx, level, message.into()) }
        }
    }

    /// Registers an alert group owned by this plugin (idempotent for the same name).
    pub fn register_alert_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let f = self
            .v1_0()
            .register_alert_group
            .ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, guid, name.into(), description.into()) })
    }

    /// Trisul's `add_alert`: group, optional flow, signature id, priority (1..=3), message.
    pub fn add_alert(
        &self,
        group: Guid,
        flow: Option<&FlowRecord<'_>>,
        sigid: &str,
        priority: u8,
        message: &str,
    ) -> Result<(), ApiError> {
        self.add_alert_full(group, flow, sigid, "", priority, message, "")
    }

    /// Trisul's `add_alert_full`: as [`HostHandle::add_alert`] plus classification and status.
    #[allow(clippy::too_many_arguments)]
    pub fn add_alert_full(
        &self,
        group: Guid,
        flow: Option<&FlowRecord<'_>>,
        sigid: &str,
        classification: &str,
        priority: u8,
        message: &str,
        status: &str,
    ) -> Result<(), ApiError> {
        let alert = NewAlert {
            group,
            flow,
            sigid: sigid.into(),
            classification: classification.into(),
            priority,
            message: message.into(),
            extra_message: "".into(),
            status: status.into(),
            ext: Extensions::NONE,
        };
        self.raise(&alert)
    }

    /// Raises a fully described alert.
    pub fn raise(&self, alert: &NewAlert<'_>) -> Result<(), ApiError> {
        let f = self.v1_0().add_alert.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, alert) })
    }

    /// Tags a live flow (Trisul's `tag_flow`).
    pub fn tag_flow(&self, flow: FlowHandle, tag: &str) -> Result<(), ApiError> {
        let f = self.v1_0().tag_flow.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, flow, tag.into()) })
    }

    fn v1_1(&self) -> &HostCallsV1_1 {
        &self.calls.v1_1
    }

    /// Trisul's `update_counter` (API 1.1): feeds `value` to meter `meter`
    /// of `key` in counter group `group` (built in, or registered), in the
    /// current interval, combined by the meter's type. `key` is in the
    /// group's key format (`C0.A8.01.04` for Hosts).
    pub fn update_counter(
        &self,
        group: Guid,
        key: &str,
        meter: u32,
        value: i64,
    ) -> Result<(), ApiError> {
        let f = self.v1_1().update_counter.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, group, key.into(), meter, value) })
    }

    /// Trisul's `update_counter_raw` (API 1.1): one sample, never combined
    /// with others before it reaches the group (use it for gauges and
    /// averages). In weir every update reaches the group as it is, so the
    /// two calls count the same.
    pub fn update_counter_raw(
        &self,
        group: Guid,
        key: &str,
        meter: u32,
        value: i64,
    ) -> Result<(), ApiError> {
        let f = self
            .v1_1()
            .update_counter_raw
            .ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, group, key.into(), meter, value) })
    }

    /// Trisul's `update_key_info` (API 1.1): the label (and description)
    /// written for `key` from now on.
    pub fn update_key_info(
        &self,
        group: Guid,
        key: &str,
        label: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let f = self.v1_1().update_key_info.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe {
            f(
                self.ctx,
                group,
                key.into(),
                label.into(),
                description.into(),
            )
        })
    }

    /// Trisul's `set_key_attribute` (API 1.1): a named value on `key`
    /// (replacing an earlier one), written to `keyinfo.ndjson`.
    pub fn set_key_attribute(
        &self,
        group: Guid,
        key: &str,
        name: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let f = self.v1_1().set_key_attribute.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, group, key.into(), name.into(), value.into()) })
    }

    /// Declares a counter group of this plugin (API 1.1); it is then a
    /// stream like any built-in group. Call it from the constructor so that
    /// counter-group monitors can subscribe to it. Registering the same GUID
    /// with the same name again is a no-op; another name is
    /// `Err(GroupConflict)`.
    pub fn register_counter_group(&self, group: &NewCounterGroup<'_>) -> Result<(), ApiError> {
        let f = self
            .v1_1()
            .register_counter_group
            .ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, group) })
    }

    fn v1_3(&self) -> &HostCallsV1_3 {
        &self.calls.v1_3
    }

    /// Trisul's `add_resource` (API 1.3): adds a resource to group
    /// `resource.group` (built in, or registered) at the current stream
    /// time. It reaches `resources.ndjson` and every resource monitor
    /// subscribed to the group, except this instance's own.
    pub fn add_resource(&self, resource: &NewResource<'_>) -> Result<(), ApiError> {
        let f = self.v1_3().add_resource.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, resource) })
    }

    /// The same, from its parts: `add_resource(guid, flow, uri, label)`.
    pub fn add_resource_to(
        &self,
        group: Guid,
        flow: ArtifactFlow<'_>,
        uri: &str,
        label: &str,
    ) -> Result<(), ApiError> {
        self.add_resource(&NewResource {
            group,
            flow,
            uri: uri.into(),
            label: label.into(),
            ext: Extensions::NONE,
        })
    }

    /// Adds a full-text document to group `doc.group` (API 1.3; weir's
    /// addition: Trisul has no such call). It reaches `fts.ndjson` and
    /// every FTS monitor subscribed to the group, except this instance's.
    pub fn add_fts_document(&self, doc: &NewFtsDocument<'_>) -> Result<(), ApiError> {
        let f = self.v1_3().add_fts_document.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, doc) })
    }

    /// Declares a resource group of this plugin (API 1.3); registering the
    /// same GUID and name again is fine.
    pub fn register_resource_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let f = self
            .v1_3()
            .register_resource_group
            .ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, guid, name.into(), description.into()) })
    }

    /// Declares an FTS group of this plugin (API 1.3).
    pub fn register_fts_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let f = self
            .v1_3()
            .register_fts_group
            .ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, guid, name.into(), description.into()) })
    }

    /// Test fixture only: a call of a minor no real weir has.
    #[cfg(feature = "abi-future-minor-fixture")]
    pub fn future_echo(&self, text: &str) -> Result<(), ApiError> {
        let f = self.calls.future.future_echo.ok_or(ApiError::Unsupported)?;
        // SAFETY: as above.
        status_result(unsafe { f(self.ctx, text.into()) })
    }
}

impl Clone for HostHandle {
    fn clone(&self) -> HostHandle {
        if let Some(retain) = self.v1_0().retain {
            // SAFETY: `self` holds a reference, so the context is alive.
            unsafe { retain(self.ctx) };
        }
        HostHandle {
            ctx: self.ctx,
            calls: Arc::clone(&self.calls),
            host_version: self.host_version,
        }
    }
}

impl Drop for HostHandle {
    fn drop(&mut self) {
        if let Some(release) = self.v1_0().release {
            // SAFETY: `self` holds one reference, given up here.
            unsafe { release(self.ctx) };
        }
    }
}

impl fmt::Debug for HostHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostHandle")
            .field("host_api_version", &self.host_version)
            .field("table_size", &self.calls.size())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::RecordingHost;

    #[test]
    fn handles_count_references_and_every_call_reaches_the_host() {
        let host = RecordingHost::new().with_instance_id(4);
        let handle = host.handle();
        let clone = handle.clone();
        drop(handle);
        assert_eq!(clone.instance_id(), 4, "a clone keeps the host alive");
        clone.log(LogLevel(77), "unknown level");
        assert_eq!(host.calls(), ["log info unknown level"]);
        assert_eq!(clone.host_api_version(), crate::API_VERSION);
        assert!(clone.host_has_minor(0));
        let older = clone.limited_to_minor(0);
        assert_eq!(older.instance_id(), 4);
        assert_eq!(older.host_api_version(), ApiVersion::new(API_MAJOR, 0));
    }

    #[test]
    fn a_host_table_below_its_1_0_block_is_refused() {
        let bogus = TableSize { size: 16 };
        let raw = HostRef {
            ctx: std::ptr::null(),
            table: &bogus,
        };
        // SAFETY: the table is readable for its 16-byte tag; the context is
        // never used because the table is refused first.
        let err = unsafe { HostHandle::from_raw(raw, crate::API_VERSION) }.unwrap_err();
        assert!(
            matches!(err, TableError::TooShort { size: 16, .. }),
            "{err}"
        );
    }

    #[test]
    fn statuses_map_to_errors_and_back() {
        for code in 0..10 {
            let status = Status(code);
            match ApiError::from_status(status) {
                None => assert_eq!(status, Status::OK),
                Some(e) => assert_eq!(e.status(), status),
            }
        }
        assert_eq!(ApiError::from_status(Status(99)), Some(ApiError::Other(99)));
    }
}
