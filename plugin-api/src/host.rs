//! The `host` module deals with the calls a plugin makes back into the engine:
//! raising alerts, tagging flows, logging, reading stream time.
//!
//! The engine implements [`HostApi`]; a plugin receives it wrapped in a
//! [`HostHandle`] at construction. The handle is owned, cheap to clone and
//! thread-safe: a plugin may keep it and call it from threads of its own.

use std::fmt;

use abi_stable::sabi_trait;
use abi_stable::std_types::{RArc, RResult, RStr, RString};
use abi_stable::StableAbi;

use crate::records::{FlowHandle, FlowRecord, Guid, Timestamp};

/// Severity of a log line sent through [`HostHandle::log`].
#[repr(u8)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum LogLevel {
    /// Something failed.
    Error = 0,
    /// Something looks wrong.
    Warn = 1,
    /// Normal operation.
    Info = 2,
    /// Detail for plugin authors.
    Debug = 3,
}

impl LogLevel {
    /// Lower-case name (`error`, `warn`, `info`, `debug`).
    pub fn as_str(&self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

/// A feedback call the engine refused. These are mistakes in the calling
/// plugin ("API misuse"), never caused by the traffic.
#[repr(u8)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// The alert names a group that is neither built in nor registered.
    UnknownAlertGroup = 0,
    /// The group GUID is already registered under another name.
    GroupConflict = 1,
    /// An argument is empty or out of range (e.g. priority outside 1..=3, empty tag).
    InvalidArgument = 2,
    /// The engine is shutting down and no longer accepts feedback.
    EngineGone = 3,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApiError::UnknownAlertGroup => "unknown alert group (register it first)",
            ApiError::GroupConflict => "group GUID already registered with another name",
            ApiError::InvalidArgument => "invalid argument",
            ApiError::EngineGone => "engine is shutting down",
        })
    }
}

impl std::error::Error for ApiError {}

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
}

/// The engine side of the feedback calls. Plugins use [`HostHandle`], which
/// wraps this trait object with friendlier signatures.
#[sabi_trait]
pub trait HostApi: Clone + Send + Sync + 'static {
    /// 0-based position of this instance among the instances of the same plugin.
    fn instance_id(&self) -> u32;

    /// Stream time of the event being delivered to this instance (the last
    /// one, when called from a plugin's own thread).
    fn timestamp(&self) -> Timestamp;

    /// The run's output directory.
    fn output_dir(&self) -> RString;

    /// Writes a line to the engine's log, tagged with plugin and instance.
    fn log(&self, level: LogLevel, message: RStr<'_>);

    /// Declares an alert group of this plugin, so that alerts can be raised in it.
    fn register_alert_group(
        &self,
        guid: Guid,
        name: RStr<'_>,
        description: RStr<'_>,
    ) -> RResult<(), ApiError>;

    /// Raises an alert.
    fn add_alert(&self, alert: &NewAlert<'_>) -> RResult<(), ApiError>;

    /// Adds a tag to a live flow; it appears in later records of that flow.
    /// A flow that has already been flushed for the last time is not tagged.
    #[sabi(last_prefix_field)]
    fn tag_flow(&self, flow: FlowHandle, tag: RStr<'_>) -> RResult<(), ApiError>;
}

/// The trait object type behind [`HostHandle`].
pub type HostApiBox = HostApi_TO<RArc<()>>;

/// The plugin's handle on the engine: owned, `Clone`, `Send + Sync`.
#[repr(transparent)]
#[derive(StableAbi, Clone)]
pub struct HostHandle {
    inner: HostApiBox,
}

impl HostHandle {
    /// Wraps an engine-side implementation (used by the engine and by tests).
    pub fn new<H: HostApi>(host: H) -> HostHandle {
        HostHandle {
            inner: HostApi_TO::from_ptr(RArc::new(host), abi_stable::sabi_trait::TD_Opaque),
        }
    }

    /// 0-based position of this instance among the instances of the same plugin.
    pub fn instance_id(&self) -> u32 {
        self.inner.instance_id()
    }

    /// Stream time of the event being delivered (see [`HostApi::timestamp`]).
    pub fn timestamp(&self) -> Timestamp {
        self.inner.timestamp()
    }

    /// The run's output directory.
    pub fn output_dir(&self) -> std::path::PathBuf {
        self.inner.output_dir().into_string().into()
    }

    /// Logs a line at `level`.
    pub fn log(&self, level: LogLevel, message: &str) {
        self.inner.log(level, message.into())
    }

    /// Registers an alert group owned by this plugin (idempotent for the same name).
    pub fn register_alert_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        self.inner
            .register_alert_group(guid, name.into(), description.into())
            .into_result()
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
        };
        self.inner.add_alert(&alert).into_result()
    }

    /// Raises a fully described alert.
    pub fn raise(&self, alert: &NewAlert<'_>) -> Result<(), ApiError> {
        self.inner.add_alert(alert).into_result()
    }

    /// Tags a live flow (Trisul's `tag_flow`).
    pub fn tag_flow(&self, flow: FlowHandle, tag: &str) -> Result<(), ApiError> {
        self.inner.tag_flow(flow, tag.into()).into_result()
    }
}
