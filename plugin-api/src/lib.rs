//! weir-plugin-api: the stable plugin ABI of weir.
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
//! export_plugin! { name: "print_new_flows", description: "prints new flow ids", constructor: new_instance }
//! # fn main() {}
//! ```
//!
//! Brief overview:
//! - [`EngineMonitor`], [`FlowMonitor`]: the callbacks, one trait per monitor type.
//! - [`FlowRecord`]: the borrowed flow view; [`Timestamp`], [`Guid`], [`Vote`].
//! - [`HostHandle`]: feedback (alerts, flow tags, log, stream time, instance id).
//! - [`Config`]: the instance's configuration (a JSON object).
//! - [`PluginMod`]: the exported root module; its ABI version is [`API_VERSION`],
//!   and weir refuses plugins built against any other version.
#![deny(missing_docs)]
// `#[sabi_trait]` and `#[derive(StableAbi)]` expand to impls that rustc 1.95 flags.
#![allow(non_local_definitions)]

pub mod config;
pub mod export;
pub mod guard;
pub mod guid;
pub mod host;
pub mod module;
pub mod monitor;
pub mod records;
pub mod subscription;
pub mod testing;
pub mod time;

pub use abi_stable;
pub use config::{Config, ConfigError};
pub use host::{ApiError, HostApi, HostHandle, LogLevel, NewAlert};
pub use module::{Monitors, PluginInfo, PluginInstance, PluginMod, PluginModRef, API_VERSION};
pub use monitor::{EngineMonitor, FlowMonitor, Guarded};
pub use records::{state, EndReason, FlowHandle, FlowRecord, Guid, IpBytes, Timestamp, Vote};
pub use subscription::{EngineSubscription, FlowEvents, FlowSubscription};
