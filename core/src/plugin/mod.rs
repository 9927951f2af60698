//! The `plugin` module deals with plugins on the engine side: parsing
//! `--plugin` arguments ([`spec`]), loading and checking libraries
//! ([`loader`]), the feedback calls ([`host`]) and the per-instance dispatcher
//! threads ([`instance`]).

pub mod host;
pub mod instance;
pub mod loader;
pub mod spec;

pub use host::{AlertGroups, Feedback, InstanceHost, InstanceState};
pub use instance::{InstanceStats, PluginEvent, RunningInstance, DEFAULT_QUEUE_DEPTH};
pub use loader::{LoadError, Loader};
pub use spec::{PluginSpec, SpecError};
