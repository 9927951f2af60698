//! The `layout` module deals with checking, at load time, that the frozen
//! blocks a plugin was built with have the layout the host expects.
//!
//! Every plugin header lists the abi_stable `TypeLayout` of each frozen block
//! it knows ([`BLOCK_LAYOUTS`]), by name. The host runs abi_stable's own
//! check on each block both sides know: blocks never change, so a difference
//! means the plugin was built against a modified API (the check cannot work
//! on growable tables, which is why tables are not listed). [`first_difference`]
//! finds the field to name in a one-line message; abi_stable's full report
//! is for a log file.

use std::ffi::c_void;

use abi_stable::std_types::RStr;
use abi_stable::type_layout::{TLData, TypeLayout};
use abi_stable::StableAbi;

use super::calls::{
    EngineMonitorCallsV1_0, FlowMonitorCallsV1_0, HostCallsV1_0, HostRef, InstanceArgs,
    MonitorEntry, Status,
};
use super::ext::{ExtHeader, Extensions};
use super::header::{HeaderPrefix, MonitorKind, PluginHeader};
use super::table::TableSize;
use crate::host::{LogLevel, NewAlert};
use crate::records::{EndReason, FlowHandle, FlowRecord, Guid, IpBytes, Timestamp, Vote};
use crate::subscription::{EngineSubscription, FlowEvents, FlowSubscription};

/// [`crate::abi::header::PluginHeader::layout_format`] of layouts made by abi_stable 0.11.
pub const LAYOUT_FORMAT: u32 = 1;

/// One frozen block's name and layout, as listed in a plugin's header.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct BlockLayout {
    /// The block's type name (never reused for another block).
    pub name: RStr<'static>,
    /// Its `&'static abi_stable::type_layout::TypeLayout`, valid when the
    /// header's `layout_format` is [`LAYOUT_FORMAT`].
    pub layout: *const c_void,
}

// SAFETY: the layouts are immutable statics.
unsafe impl Sync for BlockLayout {}
// SAFETY: as above.
unsafe impl Send for BlockLayout {}

impl BlockLayout {
    /// The block's layout.
    ///
    /// # Safety
    ///
    /// The header this entry comes from must have `layout_format ==
    /// LAYOUT_FORMAT`, and the library must stay loaded.
    pub unsafe fn type_layout(&self) -> &'static TypeLayout {
        // SAFETY: the caller's contract; plugins are never unloaded.
        unsafe { &*self.layout.cast::<TypeLayout>() }
    }
}

const fn block<T: StableAbi>(name: &'static str) -> BlockLayout {
    BlockLayout {
        name: RStr::from_str(name),
        layout: (T::LAYOUT as *const TypeLayout).cast(),
    }
}

/// Every frozen block of this crate, by the name its header lists it under,
/// leaves first: blocks made of other blocks come after them, so the first
/// block the loader finds different is the one that changed. Appending is the
/// only change allowed (see `docs/ABI.md`).
pub const BLOCK_LAYOUTS: &[BlockLayout] = &[
    block::<Timestamp>("Timestamp"),
    block::<Guid>("Guid"),
    block::<IpBytes>("IpBytes"),
    block::<FlowHandle>("FlowHandle"),
    block::<EndReason>("EndReason"),
    block::<Vote>("Vote"),
    block::<LogLevel>("LogLevel"),
    block::<Status>("Status"),
    block::<MonitorKind>("MonitorKind"),
    block::<FlowEvents>("FlowEvents"),
    block::<TableSize>("TableSize"),
    block::<ExtHeader>("ExtHeader"),
    block::<Extensions<'static>>("Extensions"),
    block::<FlowRecord<'static>>("FlowRecord"),
    block::<NewAlert<'static>>("NewAlert"),
    block::<FlowSubscription>("FlowSubscription"),
    block::<EngineSubscription>("EngineSubscription"),
    block::<HostRef>("HostRef"),
    block::<InstanceArgs<'static>>("InstanceArgs"),
    block::<MonitorEntry>("MonitorEntry"),
    block::<HostCallsV1_0>("HostCallsV1_0"),
    block::<EngineMonitorCallsV1_0>("EngineMonitorCallsV1_0"),
    block::<FlowMonitorCallsV1_0>("FlowMonitorCallsV1_0"),
    block::<BlockLayout>("BlockLayout"),
    block::<HeaderPrefix>("HeaderPrefix"),
    block::<PluginHeader>("PluginHeader"),
    // API 1.1.
    block::<crate::meter::MeterType>("MeterType"),
    block::<crate::counters::CounterEvents>("CounterEvents"),
    block::<crate::counters::CounterGroupRef<'static>>("CounterGroupRef"),
    block::<crate::counters::CounterRecord<'static>>("CounterRecord"),
    block::<crate::counters::TopperRecord<'static>>("TopperRecord"),
    block::<crate::counters::CounterSubscription>("CounterSubscription"),
    block::<crate::counters::NewMeter<'static>>("NewMeter"),
    block::<crate::counters::NewCounterGroup<'static>>("NewCounterGroup"),
    block::<crate::counters::FlowTrackerInfo>("FlowTrackerInfo"),
    block::<super::calls::HostCallsV1_1>("HostCallsV1_1"),
    block::<super::calls::CounterGroupMonitorCallsV1_1>("CounterGroupMonitorCallsV1_1"),
    block::<super::calls::FlowTrackerCallsV1_1>("FlowTrackerCallsV1_1"),
    // API 1.2.
    block::<crate::flow_ext::TunnelKind>("TunnelKind"),
    block::<crate::flow_ext::FlowTunnel>("FlowTunnel"),
    block::<crate::flow_ext::FlowExtV1_2>("FlowExtV1_2"),
    // API 1.3.
    block::<crate::artifacts::ArtifactGroupRef<'static>>("ArtifactGroupRef"),
    block::<crate::artifacts::ArtifactFlow<'static>>("ArtifactFlow"),
    block::<crate::artifacts::ResourceRecord<'static>>("ResourceRecord"),
    block::<crate::artifacts::UrlFields<'static>>("UrlFields"),
    block::<crate::artifacts::FileHashFields<'static>>("FileHashFields"),
    block::<crate::artifacts::FtsAttribute<'static>>("FtsAttribute"),
    block::<crate::artifacts::FtsRecord<'static>>("FtsRecord"),
    block::<crate::artifacts::NewResource<'static>>("NewResource"),
    block::<crate::artifacts::NewFtsDocument<'static>>("NewFtsDocument"),
    block::<crate::artifacts::ArtifactEvents>("ArtifactEvents"),
    block::<crate::artifacts::ArtifactSubscription>("ArtifactSubscription"),
    block::<super::calls::HostCallsV1_3>("HostCallsV1_3"),
    block::<super::calls::ResourceMonitorCallsV1_3>("ResourceMonitorCallsV1_3"),
    block::<super::calls::FtsMonitorCallsV1_3>("FtsMonitorCallsV1_3"),
];

/// The first difference between two layouts of the same block, as one
/// phrase naming the field: `FlowRecord.az_payload: u32 (4 bytes) in the
/// plugin, u64 (8 bytes) in this weir`. `None` when no field-level
/// difference is found (abi_stable's report then has the detail).
pub fn first_difference(
    name: &str,
    host: &'static TypeLayout,
    plugin: &'static TypeLayout,
) -> Option<String> {
    diff(name, host, plugin, 0)
}

fn describe(t: &'static TypeLayout) -> String {
    format!("{} ({} bytes)", t.full_type(), t.size())
}

fn diff(
    path: &str,
    host: &'static TypeLayout,
    plugin: &'static TypeLayout,
    depth: usize,
) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let same_shape = host.name() == plugin.name()
        && host.size() == plugin.size()
        && host.alignment() == plugin.alignment();
    match (host.data(), plugin.data()) {
        (TLData::Struct { fields: h }, TLData::Struct { fields: p })
            if host.name() == plugin.name() =>
        {
            let (hv, pv) = (h.to_vec(), p.to_vec());
            for (i, hf) in hv.iter().enumerate() {
                let at = format!("{path}.{}", hf.name());
                match pv.get(i) {
                    None => return Some(format!("{at} is missing in the plugin")),
                    Some(pf) if pf.name() != hf.name() => {
                        return Some(format!(
                            "{path}: field {} is {} in the plugin, {} in this weir",
                            i + 1,
                            pf.name(),
                            hf.name()
                        ))
                    }
                    Some(pf) => {
                        if let Some(d) = diff(&at, hf.layout(), pf.layout(), depth + 1) {
                            return Some(d);
                        }
                    }
                }
            }
            if let Some(extra) = pv.get(hv.len()) {
                return Some(format!(
                    "{path}.{} is in the plugin, not in this weir",
                    extra.name()
                ));
            }
            (!same_shape).then(|| {
                format!(
                    "{path}: {} in the plugin, {} in this weir",
                    describe(plugin),
                    describe(host)
                )
            })
        }
        _ if same_shape => None,
        _ => Some(format!(
            "{path}: {} in the plugin, {} in this weir",
            describe(plugin),
            describe(host)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    #[derive(StableAbi)]
    struct A {
        x: u64,
        y: u64,
    }

    #[allow(dead_code)]
    mod skewed {
        use abi_stable::StableAbi;
        #[repr(C)]
        #[derive(StableAbi)]
        pub struct A {
            pub x: u64,
            pub y: u32,
        }
    }

    #[test]
    fn the_differing_field_is_named() {
        let d = first_difference("A", A::LAYOUT, skewed::A::LAYOUT).unwrap();
        assert_eq!(
            d,
            "A.y: u32 (4 bytes) in the plugin, u64 (8 bytes) in this weir"
        );
        assert_eq!(first_difference("A", A::LAYOUT, A::LAYOUT), None);
    }

    #[test]
    fn every_block_name_is_unique_and_every_block_checks_against_itself() {
        let mut names: Vec<&str> = BLOCK_LAYOUTS.iter().map(|b| b.name.as_str()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate block names");
        for b in BLOCK_LAYOUTS {
            // SAFETY: our own layouts.
            let l = unsafe { b.type_layout() };
            assert!(
                abi_stable::abi_stability::abi_checking::check_layout_compatibility(l, l).is_ok(),
                "{}",
                b.name
            );
        }
    }
}
