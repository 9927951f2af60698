//! The `published` module deals with listing everything the API publishes,
//! so that a test can compare the current API with each frozen copy of an
//! older one (`abi/frozen/`): everything a frozen copy lists must be listed
//! here, unchanged. Additions pass.
//!
//! [`Published`] itself is read from old copies by that test: its shape is
//! frozen like the ABI.

use std::mem::offset_of;

use abi_stable::type_layout::TypeLayout;

use super::calls::{
    CounterGroupMonitorTable, EngineMonitorTable, FlowMonitorTable, FlowTrackerTable,
    FtsMonitorTable, HostTable, ResourceMonitorTable, Status,
};
use super::header::{HeaderPrefix, MonitorKind, HEADER_SYMBOL, MAGIC};
use super::layout::{BLOCK_LAYOUTS, LAYOUT_FORMAT};
use super::API_MAJOR;
use crate::host::LogLevel;
use crate::records::{state, EndReason, Vote};
use crate::subscription::FlowEvents;

/// One published item.
#[derive(Debug, Clone)]
pub enum Published {
    /// A frozen block: its layout never changes.
    Block {
        /// Block name, as listed in plugin headers.
        name: &'static str,
        /// Its layout.
        layout: &'static TypeLayout,
    },
    /// A size-tagged table: its blocks, in order.
    Table {
        /// Table type name.
        name: &'static str,
        /// `(field, block type name, offset)` of each block.
        blocks: Vec<(&'static str, &'static str, usize)>,
    },
    /// A number whose meaning never changes.
    Number {
        /// `Type::NAME` or `module::NAME`.
        name: &'static str,
        /// Its value.
        value: u64,
    },
    /// A text that never changes.
    Text {
        /// Its name.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

impl Published {
    /// The item's name.
    pub fn name(&self) -> &'static str {
        match self {
            Published::Block { name, .. }
            | Published::Table { name, .. }
            | Published::Number { name, .. }
            | Published::Text { name, .. } => name,
        }
    }
}

fn number(name: &'static str, value: impl Into<u64>) -> Published {
    Published::Number {
        name,
        value: value.into(),
    }
}

/// Everything this crate publishes.
pub fn published() -> Vec<Published> {
    let mut items: Vec<Published> = BLOCK_LAYOUTS
        .iter()
        .map(|b| Published::Block {
            name: b.name.as_str(),
            // SAFETY: this crate's own layouts, in LAYOUT_FORMAT.
            layout: unsafe { b.type_layout() },
        })
        .collect();
    items.push(Published::Table {
        name: "EngineMonitorTable",
        blocks: vec![(
            "v1_0",
            "EngineMonitorCallsV1_0",
            offset_of!(EngineMonitorTable, v1_0),
        )],
    });
    items.push(Published::Table {
        name: "FlowMonitorTable",
        blocks: vec![(
            "v1_0",
            "FlowMonitorCallsV1_0",
            offset_of!(FlowMonitorTable, v1_0),
        )],
    });
    items.push(Published::Table {
        name: "HostTable",
        blocks: vec![
            ("v1_0", "HostCallsV1_0", offset_of!(HostTable, v1_0)),
            ("v1_1", "HostCallsV1_1", offset_of!(HostTable, v1_1)),
            ("v1_3", "HostCallsV1_3", offset_of!(HostTable, v1_3)),
        ],
    });
    items.push(Published::Table {
        name: "CounterGroupMonitorTable",
        blocks: vec![(
            "v1_1",
            "CounterGroupMonitorCallsV1_1",
            offset_of!(CounterGroupMonitorTable, v1_1),
        )],
    });
    items.push(Published::Table {
        name: "FlowTrackerTable",
        blocks: vec![(
            "v1_1",
            "FlowTrackerCallsV1_1",
            offset_of!(FlowTrackerTable, v1_1),
        )],
    });
    items.push(Published::Table {
        name: "ResourceMonitorTable",
        blocks: vec![(
            "v1_3",
            "ResourceMonitorCallsV1_3",
            offset_of!(ResourceMonitorTable, v1_3),
        )],
    });
    items.push(Published::Table {
        name: "FtsMonitorTable",
        blocks: vec![(
            "v1_3",
            "FtsMonitorCallsV1_3",
            offset_of!(FtsMonitorTable, v1_3),
        )],
    });
    items.push(Published::Text {
        name: "HEADER_SYMBOL",
        value: HEADER_SYMBOL.into(),
    });
    items.push(Published::Text {
        name: "MAGIC",
        value: String::from_utf8_lossy(&MAGIC).into_owned(),
    });
    items.push(number("API_MAJOR", API_MAJOR));
    items.push(number("HeaderPrefix::SIZE", HeaderPrefix::SIZE as u64));
    items.push(number("LAYOUT_FORMAT", LAYOUT_FORMAT));
    for (name, k) in [
        ("MonitorKind::Engine", MonitorKind::Engine),
        ("MonitorKind::Flow", MonitorKind::Flow),
        ("MonitorKind::CounterGroup", MonitorKind::CounterGroup),
        ("MonitorKind::FlowTracker", MonitorKind::FlowTracker),
        ("MonitorKind::Resource", MonitorKind::Resource),
        ("MonitorKind::Fts", MonitorKind::Fts),
    ] {
        items.push(number(name, k.0));
    }
    for (name, s) in [
        ("Status::OK", Status::OK),
        ("Status::UNKNOWN_ALERT_GROUP", Status::UNKNOWN_ALERT_GROUP),
        ("Status::GROUP_CONFLICT", Status::GROUP_CONFLICT),
        ("Status::INVALID_ARGUMENT", Status::INVALID_ARGUMENT),
        ("Status::ENGINE_GONE", Status::ENGINE_GONE),
        ("Status::UNSUPPORTED", Status::UNSUPPORTED),
        (
            "Status::UNKNOWN_COUNTER_GROUP",
            Status::UNKNOWN_COUNTER_GROUP,
        ),
        ("Status::UNKNOWN_METER", Status::UNKNOWN_METER),
        (
            "Status::UNKNOWN_RESOURCE_GROUP",
            Status::UNKNOWN_RESOURCE_GROUP,
        ),
        ("Status::UNKNOWN_FTS_GROUP", Status::UNKNOWN_FTS_GROUP),
    ] {
        items.push(number(name, s.0));
    }
    for (name, e) in [
        ("FlowEvents::NEW_FLOW", FlowEvents::NEW_FLOW),
        ("FlowEvents::UPDATE", FlowEvents::UPDATE),
        ("FlowEvents::TERMINATE", FlowEvents::TERMINATE),
        ("FlowEvents::FLUSH", FlowEvents::FLUSH),
        ("FlowEvents::METRONOME", FlowEvents::METRONOME),
    ] {
        items.push(number(name, e.0));
    }
    {
        use crate::counters::CounterEvents as C;
        for (name, e) in [
            ("CounterEvents::NEW_KEY", C::NEW_KEY),
            ("CounterEvents::UPDATE", C::UPDATE),
            ("CounterEvents::FLUSH", C::FLUSH),
            ("CounterEvents::FLUSH_FILTER", C::FLUSH_FILTER),
            ("CounterEvents::TOPPER_FLUSH", C::TOPPER_FLUSH),
            ("CounterEvents::TOPPER_FILTER", C::TOPPER_FILTER),
            ("CounterEvents::METRONOME", C::METRONOME),
        ] {
            items.push(number(name, e.0));
        }
        for n in 0..=7u8 {
            let t = crate::meter::MeterType(n);
            items.push(Published::Number {
                name: t.as_str(),
                value: u64::from(t.0),
            });
        }
        items.push(Published::Text {
            name: "KEEP_METER",
            value: crate::counters::KEEP_METER.to_string(),
        });
    }
    items.push(number(
        "FLOW_EXT_V1_2_KIND",
        crate::flow_ext::FLOW_EXT_V1_2_KIND,
    ));
    {
        use crate::flow_ext::TunnelKind as T;
        for (name, k) in [
            ("TunnelKind::None", T::None),
            ("TunnelKind::Gre", T::Gre),
            ("TunnelKind::Vxlan", T::Vxlan),
            ("TunnelKind::Geneve", T::Geneve),
            ("TunnelKind::Mpls", T::Mpls),
            ("TunnelKind::Pppoe", T::Pppoe),
            ("TunnelKind::IpInIp", T::IpInIp),
            ("TunnelKind::Pptp", T::Pptp),
        ] {
            items.push(number(name, k.0));
        }
    }
    {
        use crate::artifacts::{ArtifactEvents as A, FILE_HASH_FIELDS_KIND, URL_FIELDS_KIND};
        for (name, e) in [
            ("ArtifactEvents::NEW", A::NEW),
            ("ArtifactEvents::FLUSH", A::FLUSH),
            ("ArtifactEvents::FLUSH_FILTER", A::FLUSH_FILTER),
            ("ArtifactEvents::METRONOME", A::METRONOME),
        ] {
            items.push(number(name, e.0));
        }
        items.push(number("URL_FIELDS_KIND", URL_FIELDS_KIND));
        items.push(number("FILE_HASH_FIELDS_KIND", FILE_HASH_FIELDS_KIND));
    }
    for (name, v) in [
        ("Vote::Abstain", Vote::Abstain),
        ("Vote::Keep", Vote::Keep),
        ("Vote::Drop", Vote::Drop),
    ] {
        items.push(number(name, v.0));
    }
    for (name, r) in [
        ("EndReason::Open", EndReason::Open),
        ("EndReason::Active", EndReason::Active),
        ("EndReason::Fin", EndReason::Fin),
        ("EndReason::Rst", EndReason::Rst),
        ("EndReason::Timeout", EndReason::Timeout),
        ("EndReason::Eof", EndReason::Eof),
        ("EndReason::Evicted", EndReason::Evicted),
    ] {
        items.push(number(name, r.0));
    }
    for (name, l) in [
        ("LogLevel::Error", LogLevel::Error),
        ("LogLevel::Warn", LogLevel::Warn),
        ("LogLevel::Info", LogLevel::Info),
        ("LogLevel::Debug", LogLevel::Debug),
    ] {
        items.push(number(name, l.0));
    }
    for (name, bit) in [
        ("state::INIT", state::INIT),
        ("state::SEEN_SYN", state::SEEN_SYN),
        ("state::SEEN_SYN_ACK", state::SEEN_SYN_ACK),
        ("state::SEEN_SYN_ACK_ACK", state::SEEN_SYN_ACK_ACK),
        ("state::A_END_SERVER", state::A_END_SERVER),
        ("state::Z_END_SERVER", state::Z_END_SERVER),
        ("state::SEEN_FIN", state::SEEN_FIN),
        ("state::SEEN_RST", state::SEEN_RST),
        ("state::TIMEDOUT", state::TIMEDOUT),
        ("state::ERROR", state::ERROR),
        ("state::INCOMPLETE", state::INCOMPLETE),
        ("state::TERMINATED", state::TERMINATED),
        ("state::FLOWEND", state::FLOWEND),
    ] {
        items.push(number(name, bit));
    }
    for (guid, name) in crate::guid::BUILTIN_SESSION_GROUPS
        .iter()
        .chain(crate::guid::BUILTIN_ALERT_GROUPS.iter())
        .chain(crate::guid::WELL_KNOWN_COUNTER_GROUPS.iter())
        .chain(crate::guid::BUILTIN_RESOURCE_GROUPS.iter())
        .chain(crate::guid::BUILTIN_FTS_GROUPS.iter())
    {
        items.push(Published::Text {
            name,
            value: guid.to_string(),
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = published().iter().map(Published::name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
