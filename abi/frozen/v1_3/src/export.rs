//! The `export` module deals with the plugin side of loading: the
//! [`crate::export_plugin!`] macro and the constructor wrapper it expands to.

use std::fmt::Display;

use abi_stable::std_types::{RResult, RString, RVec};

use crate::abi::calls::{InstanceArgs, MonitorEntry};
use crate::abi::header::MonitorKind;
use crate::abi::ApiVersion;
use crate::config::Config;
use crate::guard::catch_quietly;
use crate::host::HostHandle;
use crate::monitors::Monitors;

/// Runs a plugin constructor on the plugin's side of the boundary: parses the
/// configuration, makes the host handle, calls `ctor` inside `catch_unwind`,
/// checks that it returned only the monitor kinds the header declares
/// (`declared`), and turns any error or panic into a one-line reason.
#[doc(hidden)]
pub fn construct<E: Display>(
    args: &InstanceArgs<'_>,
    declared: u64,
    ctor: fn(&Config, HostHandle) -> Result<Monitors, E>,
) -> RResult<RVec<MonitorEntry>, RString> {
    let outcome = catch_quietly(|| {
        let config = Config::parse(args.config.as_str()).map_err(|e| e.to_string())?;
        let version = ApiVersion::new(args.host_major, args.host_minor);
        // SAFETY: the host hands a HostRef of its own major, alive for the call.
        let host = unsafe { HostHandle::from_raw(args.host, version) }
            .map_err(|e| format!("bad host: {e}"))?;
        let monitors = ctor(&config, host).map_err(|e| e.to_string())?;
        let undeclared = monitors.kind_bits() & !declared;
        if undeclared != 0 {
            let names: Vec<String> = MonitorKind::from_bits(undeclared)
                .into_iter()
                .map(MonitorKind::name)
                .collect();
            return Err(format!(
                "the constructor returned {} monitor(s) that export_plugin!'s `monitors` does not declare: add them there",
                names.join(", ")
            ));
        }
        Ok(monitors)
    });
    match outcome {
        Ok(Ok(monitors)) => RResult::ROk(monitors.into_entries()),
        Ok(Err(reason)) => RResult::RErr(reason.into()),
        Err(report) => RResult::RErr(format!("constructor panicked: {report}").into()),
    }
}

/// Exports a plugin from a `cdylib` crate: its header, under the one symbol
/// weir looks for.
///
/// ```ignore
/// weir_plugin_api::export_plugin! {
///     name: "sg1",
///     description: "prints the id of every new flow",
///     monitors: [Flow],            // the kinds the constructor may return: Engine, Flow, CounterGroup, FlowTracker, Resource, Fts
///     requires: "1.0",             // optional: the oldest weir plugin API it runs on
///     constructor: new_instance,   // fn(&Config, HostHandle) -> Result<Monitors, E: Display>
/// }
/// ```
///
/// `monitors` is written into the header, so weir knows a plugin's monitor
/// kinds without running its code (`weir plugin info`). `requires` is the
/// oldest host API the plugin needs; without it, the plugin loads in every
/// weir of its major and sees calls newer than the host as
/// `Err(ApiError::Unsupported)`. A requirement above this crate's own
/// version, or of another major, fails the build.
///
/// The constructor runs once per `--plugin` flag. Every callback of the
/// monitors it returns is wrapped so that a panic disables only this instance.
/// The crate must not `forbid(unsafe_code)`: the exported header is a
/// `#[no_mangle]` static.
#[macro_export]
macro_rules! export_plugin {
    (
        name: $name:expr,
        description: $description:expr,
        monitors: [$($kind:ident),* $(,)?],
        $(requires: $requires:expr,)?
        constructor: $ctor:expr $(,)?
    ) => {
        const _: () = {
            const KINDS: u64 = 0 $(| $crate::abi::header::MonitorKind::$kind.bit())*;
            const REQUIRES: u16 = $crate::export_plugin!(@requires $($requires)?);

            /// The header weir reads from the library.
            #[no_mangle]
            #[used]
            #[allow(non_upper_case_globals)]
            static weir_plugin_header: $crate::abi::header::PluginHeader = $crate::abi::header::PluginHeader::new(
                $crate::abi::header::HeaderPrefix::new(REQUIRES, KINDS),
                $name,
                env!("CARGO_PKG_VERSION"),
                $description,
                __weir_new_instance,
            );

            unsafe extern "C" fn __weir_new_instance(
                args: &$crate::abi::calls::InstanceArgs<'_>,
            ) -> $crate::export::__private::RResult<
                $crate::export::__private::RVec<$crate::abi::calls::MonitorEntry>,
                $crate::export::__private::RString,
            > {
                $crate::export::construct(args, KINDS, $ctor)
            }
        };
    };
    (@requires) => { 0 };
    (@requires $requires:expr) => { $crate::abi::parse_requirement($requires) };
}

/// Items the macro needs, re-exported so plugins depend on this crate only.
#[doc(hidden)]
pub mod __private {
    pub use abi_stable::std_types::{RResult, RString, RVec};
}
