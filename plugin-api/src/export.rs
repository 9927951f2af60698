//! The `export` module deals with the plugin side of loading: the
//! [`crate::export_plugin!`] macro and the helpers it expands to.

use std::fmt::Display;

use abi_stable::std_types::{RResult, RStr, RString};

use crate::config::Config;
use crate::guard::catch_quietly;
use crate::host::HostHandle;
use crate::module::{Monitors, PluginInstance};

/// Runs a plugin constructor on the plugin's side of the boundary: parses the
/// configuration, calls `ctor` inside `catch_unwind`, and turns any error or
/// panic into a one-line reason.
#[doc(hidden)]
pub fn construct<E: Display>(
    config: RStr<'_>,
    host: HostHandle,
    ctor: fn(&Config, HostHandle) -> Result<Monitors, E>,
) -> RResult<PluginInstance, RString> {
    let outcome = catch_quietly(|| {
        let config = Config::parse(config.as_str()).map_err(|e| e.to_string())?;
        ctor(&config, host).map_err(|e| e.to_string())
    });
    match outcome {
        Ok(Ok(monitors)) => RResult::ROk(monitors.into_instance()),
        Ok(Err(reason)) => RResult::RErr(reason.into()),
        Err(report) => RResult::RErr(format!("constructor panicked: {report}").into()),
    }
}

/// Items the macro needs, re-exported so plugins depend on this crate only.
#[doc(hidden)]
pub mod __private {
    pub use abi_stable::library::{
        __call_root_module_loader, CheckTypeLayout, LibHeader, RootModuleResult,
    };
    pub use abi_stable::prefix_type::PrefixTypeTrait;
    pub use abi_stable::std_types::{RResult, RStr, RString};
}

/// Exports a plugin from a `cdylib` crate.
///
/// ```ignore
/// weir_plugin_api::export_plugin! {
///     name: "sg1",
///     description: "prints the id of every new flow",
///     constructor: new_instance,   // fn(&Config, HostHandle) -> Result<Monitors, E: Display>
/// }
/// ```
///
/// The constructor runs once per `--plugin` flag. Every callback of the
/// monitors it returns is wrapped so that a panic disables only this instance.
/// The crate must not `forbid(unsafe_code)`: the exported header is a
/// `#[no_mangle]` static built by an `unsafe` constructor of abi_stable.
#[macro_export]
macro_rules! export_plugin {
    (name: $name:expr, description: $description:expr, constructor: $ctor:expr $(,)?) => {
        /// The header weir looks up in the library (abi_stable's root-module loader symbol).
        #[doc(hidden)]
        #[no_mangle]
        pub static _1as_0lib_1header_0root_bmodule_bloader: $crate::export::__private::LibHeader = {
            extern "C" fn __weir_erased_module() -> $crate::export::__private::RootModuleResult {
                $crate::export::__private::__call_root_module_loader(__weir_root_module)
            }
            // SAFETY: the constructor returns a `PluginModRef`, the module type named here.
            unsafe {
                $crate::export::__private::LibHeader::from_constructor::<$crate::PluginModRef>(
                    __weir_erased_module,
                    $crate::export::__private::CheckTypeLayout::Yes,
                )
            }
        };

        fn __weir_root_module() -> $crate::PluginModRef {
            use $crate::export::__private::PrefixTypeTrait;
            $crate::PluginMod {
                info: $crate::PluginInfo {
                    name: $crate::export::__private::RStr::from_str($name),
                    version: $crate::export::__private::RStr::from_str(env!("CARGO_PKG_VERSION")),
                    description: $crate::export::__private::RStr::from_str($description),
                },
                new_instance: __weir_new_instance,
            }
            .leak_into_prefix()
        }

        extern "C" fn __weir_new_instance(
            config: $crate::export::__private::RStr<'_>,
            host: $crate::HostHandle,
        ) -> $crate::export::__private::RResult<
            $crate::PluginInstance,
            $crate::export::__private::RString,
        > {
            $crate::export::construct(config, host, $ctor)
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn loader_symbol_name_matches_abi_stable() {
        assert_eq!(
            abi_stable::library::ROOT_MODULE_LOADER_NAME,
            "_1as_0lib_1header_0root_bmodule_bloader"
        );
    }
}
