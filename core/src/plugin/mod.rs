//! The `plugin` module deals with plugins on the engine side: parsing
//! `--plugin` arguments ([`spec`]), checking and loading libraries
//! ([`elf`], [`loader`]), describing them ([`info`]), the feedback calls ([`host`]) and the per-instance
//! dispatcher threads ([`instance`]; counter events in [`counter_dispatch`],
//! resource and FTS events in [`artifact_dispatch`]).

pub mod artifact_dispatch;
pub mod counter_dispatch;
pub mod counter_host;
pub mod elf;
pub mod host;
pub mod info;
pub mod instance;
pub mod loader;
pub mod spec;
pub mod votes;

pub use host::{AlertGroups, Feedback, InstanceHost, InstanceState};
pub use instance::{InstanceStats, PluginEvent, RunningInstance, DEFAULT_QUEUE_DEPTH};
pub use loader::{LoadError, LoadedPlugin, Loader};
pub use spec::{PluginSpec, SpecError};
