//! The `module` module deals with what a plugin library exports: its root
//! module ([`PluginMod`]) and, per instance, the monitors it implements
//! ([`PluginInstance`]).

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{ROption, RResult, RStr, RString};
use abi_stable::StableAbi;

use crate::host::HostHandle;
use crate::monitor::{EngineMonitor, EngineMonitorBox, FlowMonitor, FlowMonitorBox, Guarded};

/// Name, version and description of a plugin.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct PluginInfo {
    /// Short name, e.g. `ssh_alerts`.
    pub name: RStr<'static>,
    /// The plugin's own version.
    pub version: RStr<'static>,
    /// One line saying what it does.
    pub description: RStr<'static>,
}

/// The monitors of one plugin instance, as the engine holds them.
#[repr(C)]
#[derive(StableAbi)]
pub struct PluginInstance {
    /// The engine monitor, if the plugin has one.
    pub engine: ROption<EngineMonitorBox>,
    /// The flow monitor, if the plugin has one.
    pub flow: ROption<FlowMonitorBox>,
}

/// The root module every plugin library exports (through [`crate::export_plugin!`]).
///
/// The ABI version is the `weir-plugin-api` package version (see
/// [`API_VERSION`]); weir refuses a library built against any other.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
#[sabi(missing_field(panic))]
pub struct PluginMod {
    /// Name, version and description.
    pub info: PluginInfo,
    /// Makes one instance from its configuration (a JSON object, as text) and
    /// the host handle; `Err` carries a one-line reason (e.g. a bad config value).
    #[sabi(last_prefix_field)]
    pub new_instance:
        extern "C" fn(config: RStr<'_>, host: HostHandle) -> RResult<PluginInstance, RString>,
}

/// The weir-plugin-api version this crate was built as: the plugin ABI version.
#[cfg(not(feature = "abi-skew-fixture"))]
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The weir-plugin-api version this crate was built as (skewed for the test fixture).
#[cfg(feature = "abi-skew-fixture")]
pub const API_VERSION: &str = "0.99.0";

impl RootModule for PluginModRef {
    abi_stable::declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "weir_plugin";
    const NAME: &'static str = "weir_plugin";
    const VERSION_STRINGS: VersionStrings = VersionStrings {
        version: RStr::from_str(API_VERSION),
    };
}

/// What a plugin constructor returns: the monitors it implements.
///
/// `Monitors::new().flow(MyFlows::default()).engine(MyTicker)`.
#[derive(Default)]
pub struct Monitors {
    engine: Option<EngineMonitorBox>,
    flow: Option<FlowMonitorBox>,
}

impl Monitors {
    /// No monitors yet.
    pub fn new() -> Monitors {
        Monitors::default()
    }

    /// Adds the engine monitor.
    pub fn engine<M: EngineMonitor>(mut self, monitor: M) -> Monitors {
        self.engine = Some(crate::monitor::EngineMonitorFfi_TO::from_value(
            Guarded::new(monitor),
            abi_stable::sabi_trait::TD_Opaque,
        ));
        self
    }

    /// Adds the flow monitor.
    pub fn flow<M: FlowMonitor>(mut self, monitor: M) -> Monitors {
        self.flow = Some(crate::monitor::FlowMonitorFfi_TO::from_value(
            Guarded::new(monitor),
            abi_stable::sabi_trait::TD_Opaque,
        ));
        self
    }

    /// The stable-ABI form handed to the engine.
    pub fn into_instance(self) -> PluginInstance {
        PluginInstance {
            engine: self.engine.into(),
            flow: self.flow.into(),
        }
    }
}
