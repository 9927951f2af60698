//! The `abi` module deals with what crosses the boundary between weir and a
//! plugin library, and with how that grows without breaking plugins already
//! built. `docs/ABI.md` is the contract; this is its code.
//!
//! Three kinds of thing cross, and each grows in its own way:
//!
//! - **Frozen blocks** (`#[repr(C)]`, `StableAbi`): the [`header`], records
//!   such as [`crate::FlowRecord`], subscriptions, and one block of calls per
//!   minor version. A published block never changes. Data that the host hands
//!   to a plugin carries an [`ext::Extensions`] chain, through which later
//!   minors add fields as new blocks (Vulkan's `pNext`).
//! - **Size-tagged tables** ([`table`]): the monitors' call tables and the
//!   host's call table. Each starts with its size in bytes and grows by
//!   appending one block per minor (COM's `cbSize`); the reader copies only
//!   the blocks that fit in the writer's size, and treats what is missing as
//!   "not implemented" (a callback) or "unsupported" (a host call).
//! - **Numbers** that never change meaning: monitor kinds
//!   ([`header::MonitorKind`]), status codes ([`calls::Status`]), event bits,
//!   record enums (newtypes over integers, so that an unknown value from a
//!   newer peer is data, not undefined behaviour).
//!
//! The loader checks abi_stable's layout of every frozen block both sides
//! know ([`layout`]); [`published`] lists everything the API publishes, which
//! the frozen-ABI check compares with each frozen copy in `abi/frozen/`.

pub mod calls;
pub mod ext;
pub mod header;
pub mod layout;
pub mod published;
pub mod table;

use std::fmt;

/// Major version of the plugin API this crate defines. Plugins and hosts
/// of different majors refuse each other.
#[cfg(not(feature = "abi-other-major-fixture"))]
pub const API_MAJOR: u16 = 1;
/// Major version (another major, for the test fixture).
#[cfg(feature = "abi-other-major-fixture")]
pub const API_MAJOR: u16 = 2;

/// The minor of the latest release: bumped once by every release that
/// appends to the API (see `docs/ABI.md`).
const RELEASED_MINOR: u16 = 3;

/// Minor version of the plugin API this crate defines.
#[cfg(not(feature = "abi-future-minor-fixture"))]
pub const API_MINOR: u16 = RELEASED_MINOR;
/// Minor version (one beyond the released one, for the test fixture that
/// stands for a plugin built against a newer weir).
#[cfg(feature = "abi-future-minor-fixture")]
pub const API_MINOR: u16 = RELEASED_MINOR + 1;

/// The API version this crate defines: [`API_MAJOR`].[`API_MINOR`].
pub const API_VERSION: ApiVersion = ApiVersion::new(API_MAJOR, API_MINOR);

/// A plugin API version, written `major.minor` (`1.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// Major: plugins and hosts of different majors never load each other.
    pub major: u16,
    /// Minor: grows by appending; a host serves every plugin of its major
    /// whose requirement is at most its own minor.
    pub minor: u16,
}

impl ApiVersion {
    /// `major.minor`.
    pub const fn new(major: u16, minor: u16) -> ApiVersion {
        ApiVersion { major, minor }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Parses a requirement written `"MAJOR.MINOR"` at compile time and returns
/// its minor. Used by [`crate::export_plugin!`]'s `requires:`; a requirement
/// of another major, or of a minor newer than this crate, fails the build.
pub const fn parse_requirement(text: &str) -> u16 {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut major: u32 = 0;
    let mut minor: u32 = 0;
    let mut seen_dot = false;
    let mut digits = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'.' && !seen_dot && digits > 0 {
            seen_dot = true;
            digits = 0;
        } else if b.is_ascii_digit() && digits < 5 {
            let d = (b - b'0') as u32;
            if seen_dot {
                minor = minor * 10 + d;
            } else {
                major = major * 10 + d;
            }
            digits += 1;
        } else {
            panic!("export_plugin!: `requires` must be \"MAJOR.MINOR\", e.g. \"1.0\"");
        }
        i += 1;
    }
    if !seen_dot || digits == 0 {
        panic!("export_plugin!: `requires` must be \"MAJOR.MINOR\", e.g. \"1.0\"");
    }
    if major != API_MAJOR as u32 {
        panic!("export_plugin!: `requires` names another major than this weir-plugin-api's");
    }
    if minor > API_MINOR as u32 {
        panic!(
            "export_plugin!: `requires` names a minor newer than this weir-plugin-api: upgrade it"
        );
    }
    minor as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_parse_at_compile_time() {
        const R: u16 = parse_requirement("1.0");
        assert_eq!(R, 0);
        assert_eq!(API_VERSION.to_string(), format!("{API_MAJOR}.{API_MINOR}"));
    }

    #[test]
    fn bad_requirements_are_refused() {
        for bad in ["", "1", "1.", ".0", "1.0.0", "x.0", "2.0", "1.999"] {
            let r = std::panic::catch_unwind(|| parse_requirement(bad));
            assert!(r.is_err(), "{bad:?} was accepted");
        }
    }
}
