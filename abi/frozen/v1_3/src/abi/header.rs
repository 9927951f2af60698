//! The `header` module deals with the one symbol a plugin library exports:
//! [`PluginHeader`], found under the name [`HEADER_SYMBOL`].
//!
//! Its first [`HeaderPrefix::SIZE`] bytes ([`HeaderPrefix`]) are plain numbers
//! with no pointers, frozen for **every** major: the host reads them straight
//! from the file, before the dynamic loader maps the library, so a plugin of
//! another major, or one that requires a newer minor, is refused before any
//! of its code (even its static initialisers) runs. The rest of the header
//! holds pointers and is read once the library is loaded.

use abi_stable::std_types::{RResult, RSlice, RStr, RString, RVec};
use abi_stable::StableAbi;

use super::calls::{InstanceArgs, MonitorEntry};
use super::ext::Extensions;
use super::layout::{BlockLayout, BLOCK_LAYOUTS, LAYOUT_FORMAT};
use super::{API_MAJOR, API_MINOR};

/// The name of the exported header symbol (a `#[no_mangle]` static).
pub const HEADER_SYMBOL: &str = "weir_plugin_header";

/// The first 8 bytes of every header.
pub const MAGIC: [u8; 8] = *b"weirplug";

/// A kind of monitor, by number. Monitors are looked up by kind, so a new
/// monitor type is a new number, never a new field of something published.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct MonitorKind(pub u32);

#[allow(non_upper_case_globals)]
impl MonitorKind {
    /// [`crate::EngineMonitor`] (API 1.0).
    pub const Engine: MonitorKind = MonitorKind(0);
    /// [`crate::FlowMonitor`] (API 1.0).
    pub const Flow: MonitorKind = MonitorKind(1);
    /// [`crate::CounterGroupMonitor`] (API 1.1).
    pub const CounterGroup: MonitorKind = MonitorKind(2);
    /// [`crate::FlowTracker`] (API 1.1).
    pub const FlowTracker: MonitorKind = MonitorKind(3);
    /// [`crate::ResourceMonitor`] (API 1.3).
    pub const Resource: MonitorKind = MonitorKind(4);
    /// [`crate::FtsMonitor`] (API 1.3).
    pub const Fts: MonitorKind = MonitorKind(5);
    /// Test fixture only: a kind that no real weir knows.
    #[cfg(feature = "abi-future-minor-fixture")]
    pub const Future: MonitorKind = MonitorKind(63);

    /// The kinds this crate knows.
    pub const KNOWN: &'static [MonitorKind] = &[
        MonitorKind::Engine,
        MonitorKind::Flow,
        MonitorKind::CounterGroup,
        MonitorKind::FlowTracker,
        MonitorKind::Resource,
        MonitorKind::Fts,
    ];

    /// Its bit in [`HeaderPrefix::monitor_kinds`] (0 for kinds beyond 63).
    pub const fn bit(self) -> u64 {
        if self.0 < 64 {
            1 << self.0
        } else {
            0
        }
    }

    /// `engine`, `flow`, `counter-group`, `flow-tracker`, or `kind N` for a
    /// kind this crate does not know.
    pub fn name(self) -> String {
        match self {
            MonitorKind::Engine => "engine".into(),
            MonitorKind::Flow => "flow".into(),
            MonitorKind::CounterGroup => "counter-group".into(),
            MonitorKind::FlowTracker => "flow-tracker".into(),
            MonitorKind::Resource => "resource".into(),
            MonitorKind::Fts => "fts".into(),
            MonitorKind(n) => format!("kind {n}"),
        }
    }

    /// Every kind whose bit is set in `bits`, in order.
    pub fn from_bits(bits: u64) -> Vec<MonitorKind> {
        (0..64)
            .filter(|k| bits & (1 << k) != 0)
            .map(MonitorKind)
            .collect()
    }
}

/// The pointer-free start of the header, frozen for every major.
///
/// 24 bytes, no padding: `magic` at 0, `api_major` at 8, `api_minor` at 10,
/// `requires_minor` at 12, `reserved` at 14, `monitor_kinds` at 16; all
/// numbers in the target's byte order.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Debug)]
pub struct HeaderPrefix {
    /// [`MAGIC`].
    pub magic: [u8; 8],
    /// Major of the API the plugin was built against.
    pub api_major: u16,
    /// Minor of the API the plugin was built against.
    pub api_minor: u16,
    /// The oldest host minor the plugin runs on (`requires:` of
    /// [`crate::export_plugin!`]; 0 when it runs on every 1.x).
    pub requires_minor: u16,
    /// Zero.
    pub reserved: u16,
    /// Bit `k` set: the plugin's constructor may return a monitor of kind `k`
    /// ([`MonitorKind::bit`]). Declared statically, so it is known without
    /// running plugin code.
    pub monitor_kinds: u64,
}

impl HeaderPrefix {
    /// Size in bytes.
    pub const SIZE: usize = 24;

    /// The prefix of a plugin built against this crate.
    pub const fn new(requires_minor: u16, monitor_kinds: u64) -> HeaderPrefix {
        HeaderPrefix {
            magic: MAGIC,
            api_major: API_MAJOR,
            api_minor: API_MINOR,
            requires_minor,
            reserved: 0,
            monitor_kinds,
        }
    }

    /// Reads a prefix from `bytes` (at least [`HeaderPrefix::SIZE`] long), in
    /// this machine's byte order.
    pub fn from_bytes(bytes: &[u8]) -> Option<HeaderPrefix> {
        let b = bytes.get(..Self::SIZE)?;
        let u16_at = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
        let mut magic = [0u8; 8];
        magic.copy_from_slice(&b[..8]);
        let mut kinds = [0u8; 8];
        kinds.copy_from_slice(&b[16..24]);
        Some(HeaderPrefix {
            magic,
            api_major: u16_at(8),
            api_minor: u16_at(10),
            requires_minor: u16_at(12),
            reserved: u16_at(14),
            monitor_kinds: u64::from_ne_bytes(kinds),
        })
    }
}

const _: () = {
    assert!(std::mem::size_of::<HeaderPrefix>() == HeaderPrefix::SIZE);
    assert!(std::mem::offset_of!(HeaderPrefix, api_major) == 8);
    assert!(std::mem::offset_of!(HeaderPrefix, requires_minor) == 12);
    assert!(std::mem::offset_of!(HeaderPrefix, monitor_kinds) == 16);
    assert!(std::mem::offset_of!(PluginHeader, prefix) == 0);
};

/// The plugin's constructor: makes one instance from its arguments and
/// returns its monitors, or a one-line reason for refusing.
pub type NewInstanceFn =
    unsafe extern "C" fn(args: &InstanceArgs<'_>) -> RResult<RVec<MonitorEntry>, RString>;

/// What a plugin library exports under [`HEADER_SYMBOL`]. Frozen for API 1.x:
/// later plugin-level data goes into `ext`.
#[repr(C)]
#[derive(StableAbi)]
pub struct PluginHeader {
    /// Versions and monitor kinds, readable from the file.
    pub prefix: HeaderPrefix,
    /// Short name, e.g. `ssh_alerts`.
    pub name: RStr<'static>,
    /// The plugin's own version (its package version).
    pub version: RStr<'static>,
    /// One line saying what it does.
    pub description: RStr<'static>,
    /// How `layouts` are described: [`LAYOUT_FORMAT`] (abi_stable 0.11
    /// `TypeLayout`s). A host that reads another format skips the layout check.
    pub layout_format: u32,
    /// Zero.
    pub reserved: u32,
    /// The layout of every frozen block the plugin was built with.
    pub layouts: RSlice<'static, BlockLayout>,
    /// The constructor ([`NewInstanceFn`], written out for the layout derive).
    pub new_instance:
        unsafe extern "C" fn(args: &InstanceArgs<'_>) -> RResult<RVec<MonitorEntry>, RString>,
    /// Later plugin-level data (none in 1.0).
    pub ext: Extensions<'static>,
}

// SAFETY: the header is immutable data (numbers, strings and layouts with
// 'static lifetime, a function pointer); the raw pointers inside never point
// to anything mutable.
unsafe impl Sync for PluginHeader {}

impl PluginHeader {
    /// The header of a plugin built against this crate (used by
    /// [`crate::export_plugin!`]).
    pub const fn new(
        prefix: HeaderPrefix,
        name: &'static str,
        version: &'static str,
        description: &'static str,
        new_instance: NewInstanceFn,
    ) -> PluginHeader {
        PluginHeader {
            prefix,
            name: RStr::from_str(name),
            version: RStr::from_str(version),
            description: RStr::from_str(description),
            layout_format: LAYOUT_FORMAT,
            reserved: 0,
            layouts: RSlice::from_slice(BLOCK_LAYOUTS),
            new_instance,
            ext: Extensions::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_round_trips_through_bytes() {
        let p = HeaderPrefix::new(0, MonitorKind::Flow.bit() | MonitorKind::Engine.bit());
        // SAFETY: HeaderPrefix is repr(C), 24 bytes without padding (asserted above).
        let bytes: [u8; HeaderPrefix::SIZE] = unsafe { std::mem::transmute(p) };
        assert_eq!(HeaderPrefix::from_bytes(&bytes), Some(p));
        assert_eq!(HeaderPrefix::from_bytes(&bytes[..23]), None);
        assert_eq!(
            MonitorKind::from_bits(p.monitor_kinds),
            [MonitorKind::Engine, MonitorKind::Flow]
        );
        assert_eq!(MonitorKind(9).name(), "kind 9");
        assert_eq!(MonitorKind(64).bit(), 0);
    }
}
