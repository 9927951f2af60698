//! weir-plugin-api: the stable plugin ABI of weir, and the SDK plugin authors use.
//!
//! A weir plugin is a `cdylib` that implements one or more monitor traits and
//! invokes [`export_plugin!`] once. weir loads it with `--plugin PATH[:CONFIG]`,
//! one instance per flag, and calls its monitors from a dispatcher thread of
//! its own: never from the packet path.
//!
//! ```no_run
//! use weir_plugin_api::{export_plugin, Config, FlowMonitor, FlowRecord, FlowSubscription, HostHandle, Monitors};
//!
//! struct PrintNewFlows;
//!
//! impl FlowMonitor for PrintNewFlows {
//!     fn subscription(&self) -> FlowSubscription {
//!         FlowSubscription::ip_flows().new_flow()
//!     }
//!     fn on_new_flow(&mut self, flow: &FlowRecord<'_>) {
//!         println!("{}", flow.id());
//!     }
//! }
//!
//! fn new_instance(_config: &Config, _host: HostHandle) -> Result<Monitors, String> {
//!     Ok(Monitors::new().flow(PrintNewFlows))
//! }
//!
//! export_plugin! {
//!     name: "print_new_flows",
//!     description: "prints new flow ids",
//!     monitors: [Flow],
//!     constructor: new_instance,
//! }
//! # fn main() {}
//! ```
//!
//! **Compatibility** (`docs/ABI.md`): a plugin built against API 1.x runs
//! unchanged in every weir whose plugin API is 1.y with y >= x, and in older
//! 1.x weirs too, where calls newer than the host return
//! `Err(ApiError::Unsupported)`, unless it declares `requires:`.
//!
//! Brief overview:
//! - [`EngineMonitor`], [`FlowMonitor`]: the callbacks, one trait per monitor type.
//! - [`FlowRecord`]: the borrowed flow view; [`Timestamp`], [`Guid`], [`Vote`];
//!   since 1.2 its tunnel ([`FlowRecord::tunnel`]) and frames.
//! - [`ResourceMonitor`], [`FtsMonitor`] (API 1.3): URLs, file hashes and
//!   HTTP headers; [`ResourceRecord`], [`FtsRecord`].
//! - [`HostHandle`]: feedback (alerts, flow tags, counters, resources, FTS
//!   documents, log, stream time, instance id).
//! - [`Config`]: the instance's configuration (a JSON object).
//! - [`Monitors`]: what a constructor returns.
//! - [`abi`]: what crosses the boundary, and how it grows ([`API_VERSION`]).
//! - [`objects`]: the host's side of a loaded instance (for the engine).
//! - [`testing`]: a recording host and record builders for plugin unit tests.
#![deny(missing_docs)]
// `#[derive(StableAbi)]` expands to impls that rustc 1.95 flags.
#![allow(non_local_definitions)]

pub mod abi;
pub mod artifacts;
pub mod config;
pub mod counters;
pub mod export;
pub mod flow_ext;
pub mod guard;
pub mod guid;
pub mod host;
pub mod lines;
pub mod meter;
pub mod monitor;
pub mod monitors;
pub mod objects;
pub mod records;
pub mod subscription;
pub mod testing;
pub mod time;

pub use abi::header::MonitorKind;
pub use abi::{ApiVersion, API_MAJOR, API_MINOR, API_VERSION};
pub use abi_stable;
pub use artifacts::{
    ArtifactEvents, ArtifactFlow, ArtifactGroupRef, ArtifactSubscription, FileHashFields,
    FtsAttribute, FtsRecord, NewFtsDocument, NewResource, ResourceRecord, UrlFields,
};
pub use config::{Config, ConfigError};
pub use counters::{
    CounterEvents, CounterGroupRef, CounterRecord, CounterSubscription, FlowTrackerInfo,
    NewCounterGroup, NewMeter, TopperRecord, KEEP_METER,
};
pub use flow_ext::{FlowExtV1_2, FlowTunnel, TunnelKind};
pub use host::{ApiError, HostApi, HostHandle, LogLevel, NewAlert};
pub use meter::MeterType;
pub use monitor::{
    CounterGroupMonitor, EngineMonitor, FlowMonitor, FlowTracker, FtsMonitor, ResourceMonitor,
};
pub use monitors::Monitors;
pub use records::{state, EndReason, FlowHandle, FlowRecord, Guid, IpBytes, Timestamp, Vote};
pub use subscription::{EngineSubscription, FlowEvents, FlowSubscription};
