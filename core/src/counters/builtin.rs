//! The `builtin` module deals with the counter groups weir fills itself from
//! the packets, with Trisul's GUIDs, names, key formats and meter lists
//! (`../shared/reference/trisul-backend-api.md` §4.1). Meters Trisul feeds
//! from parts weir does not have yet (alerts, interfaces) are kept at their
//! ids so that ids mean the same thing as in Trisul, and stay 0.

use weir_plugin_api::guid;
use weir_plugin_api::MeterType as T;

use super::group::{GroupDef, MeterDef, DEFAULT_MAX_KEYS, DEFAULT_TOPPER_BUCKET_SECS};
use super::keys::KeyFormat;

/// The built-in groups, in the order they are flushed and written; the
/// discriminant is the group's index in a run's registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Builtin {
    /// IPv4 hosts.
    Hosts,
    /// IPv6 hosts.
    HostsIpv6,
    /// Hosts inside the home networks (IPv4 and IPv6).
    InternalHosts,
    /// Hosts outside the home networks.
    ExternalHosts,
    /// Applications, by the flow's server (lower) port.
    Apps,
    /// Whole-link totals and directions relative to the home networks.
    Aggregates,
    /// IP protocols.
    NetworkLayer,
    /// EtherTypes.
    LinkLayer,
    /// MAC addresses.
    Mac,
    /// VLAN ids.
    Vlan,
}

impl Builtin {
    /// Every built-in group, in index order.
    pub const ALL: [Builtin; 10] = [
        Builtin::Hosts,
        Builtin::HostsIpv6,
        Builtin::InternalHosts,
        Builtin::ExternalHosts,
        Builtin::Apps,
        Builtin::Aggregates,
        Builtin::NetworkLayer,
        Builtin::LinkLayer,
        Builtin::Mac,
        Builtin::Vlan,
    ];

    /// Index in a run's registry.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Meter ids of the host groups (Hosts, HostsIPv6, Internal/External Hosts).
pub mod host {
    /// Bytes sent and received.
    pub const TOTAL: usize = 0;
    /// Bytes received (the host is the destination).
    pub const RECEIVED: usize = 1;
    /// Bytes sent (the host is the source).
    pub const TRANSMIT: usize = 2;
    /// Packets sent and received.
    pub const PACKETS: usize = 3;
    /// Connections open at the end of the interval.
    pub const ACTIVE_CONNS: usize = 4;
    /// Bytes exchanged with peers inside the home networks.
    pub const HOMENET: usize = 6;
    /// Bytes exchanged with peers outside the home networks.
    pub const EXTERNAL: usize = 7;
    /// TCP SYNs sent (SYN without ACK).
    pub const SYN_SENT: usize = 8;
    /// TCP SYNs received.
    pub const SYN_RECEIVED: usize = 9;
    /// TCP SYN+ACKs sent.
    pub const SYNACK_SENT: usize = 10;
    /// Connections (flows) that began.
    pub const NEW_CONNS: usize = 13;
}

/// Meter ids of Apps.
pub mod app {
    /// Bytes.
    pub const TOTAL: usize = 0;
    /// Bytes from outside into the home networks.
    pub const INTO_HOME: usize = 2;
    /// Bytes from the home networks out.
    pub const OUT_OF_HOME: usize = 3;
    /// Connections that began.
    pub const CONNECTIONS: usize = 4;
    /// Bytes between two home hosts.
    pub const INTERNAL: usize = 5;
    /// Bytes between two outside hosts.
    pub const TRANSIT: usize = 6;
    /// Connections open at the end of the interval.
    pub const ACTIVE_CONNS: usize = 7;
}

/// Meter ids and key ids of Aggregates.
pub mod aggregate {
    /// Bytes (every frame, IP or not).
    pub const BYTES: usize = 0;
    /// Packets.
    pub const PACKETS: usize = 1;
    /// Flows open at the end of the interval.
    pub const ACTIVE_SESSIONS: usize = 2;
    /// Bytes to the Ethernet broadcast address.
    pub const L2_BROADCAST: usize = 3;
    /// Bytes to Ethernet multicast addresses.
    pub const L2_MULTICAST: usize = 4;
    /// Bytes to Ethernet unicast addresses.
    pub const L2_UNICAST: usize = 5;
    /// Bytes to IPv4 broadcast addresses (255.255.255.255 or a subnet's, as
    /// far as weir can tell: the limited broadcast only).
    pub const L3_BROADCAST: usize = 6;
    /// Bytes to IP multicast addresses.
    pub const L3_MULTICAST: usize = 7;
    /// Bytes to IP unicast addresses.
    pub const L3_UNICAST: usize = 8;
    /// IP fragments (packets).
    pub const FRAGMENTS: usize = 9;

    /// Key `TOTALBW`.
    pub const KEY_TOTAL: u8 = 0;
    /// Key `DIR_INTOHOME`: outside to inside.
    pub const KEY_INTO_HOME: u8 = 1;
    /// Key `DIR_OUTOFHOME`: inside to outside.
    pub const KEY_OUT_OF_HOME: u8 = 2;
    /// Key `DIR_TRANSIT`: outside to outside.
    pub const KEY_TRANSIT: u8 = 3;
    /// Key `DIR_WITHINHOME`: inside to inside.
    pub const KEY_WITHIN_HOME: u8 = 4;

    /// Key names and labels, by key id.
    pub const NAMES: [(&str, &str); 5] = [
        ("TOTALBW", "Total bandwidth"),
        ("DIR_INTOHOME", "Into the home networks"),
        ("DIR_OUTOFHOME", "Out of the home networks"),
        ("DIR_TRANSIT", "Transit (neither end at home)"),
        ("DIR_WITHINHOME", "Within the home networks"),
    ];
}

/// Meter ids shared by NetworkLayerStats, LinkLayerStats, Mac and VLANStats.
pub mod layer {
    /// Bytes (NetworkLayer, LinkLayer, VLAN); bytes sent (Mac).
    pub const BYTES: usize = 0;
    /// Packets (NetworkLayer, LinkLayer); bytes received (Mac).
    pub const PACKETS: usize = 1;
    /// Mac meter 1: bytes received.
    pub const MAC_RECEIVED: usize = 1;
    /// NetworkLayer: flows open at the end of the interval.
    pub const ACTIVE_FLOWS: usize = 2;
    /// NetworkLayer: flows that began.
    pub const NEW_FLOWS: usize = 3;
}

fn host_meters() -> Vec<MeterDef> {
    vec![
        MeterDef::top(T::RateCounter, "Total", "bytes"),
        MeterDef::top(T::RateCounter, "Received", "bytes"),
        MeterDef::top(T::RateCounter, "Transmit", "bytes"),
        MeterDef::top(T::RateCounter, "Total Packets", "packets"),
        MeterDef::top(T::RunningCounter, "Active Connections", "connections"),
        MeterDef::plain(T::Counter, "Attacker Alerts", "alerts"),
        MeterDef::top(T::RateCounter, "Homenet", "bytes"),
        MeterDef::top(T::RateCounter, "External", "bytes"),
        MeterDef::top(T::Counter, "TCP SYN Sent", "packets"),
        MeterDef::top(T::Counter, "TCP SYN Received", "packets"),
        MeterDef::top(T::Counter, "TCP SYNACK Sent", "packets"),
        MeterDef::plain(T::Counter, "Blacklist Alerts", "alerts"),
        MeterDef::plain(T::Counter, "Victim Alerts", "alerts"),
        MeterDef::top(T::Counter, "New Connections", "connections"),
        MeterDef::plain(T::RateCounter, "Into Interface", "bytes"),
        MeterDef::plain(T::RateCounter, "Outof Interface", "bytes"),
        MeterDef::plain(T::Counter, "Flow Records", "records"),
    ]
}

fn def(
    guid: weir_plugin_api::Guid,
    name: &str,
    description: &str,
    key_format: KeyFormat,
    meters: Vec<MeterDef>,
) -> GroupDef {
    GroupDef {
        guid,
        name: name.into(),
        description: description.into(),
        key_format,
        meters,
        topper_bucket_secs: DEFAULT_TOPPER_BUCKET_SECS,
        max_keys: DEFAULT_MAX_KEYS,
    }
}

/// The definition of a built-in group (with the default buckets and cap).
pub fn definition(group: Builtin) -> GroupDef {
    use MeterDef as M;
    match group {
        Builtin::Hosts => def(
            guid::CG_HOSTS,
            "Hosts",
            "IPv4 hosts",
            KeyFormat::Ip,
            host_meters(),
        ),
        Builtin::HostsIpv6 => def(
            guid::CG_HOSTS_IPV6,
            "HostsIPv6",
            "IPv6 hosts",
            KeyFormat::Ip,
            host_meters(),
        ),
        Builtin::InternalHosts => def(
            guid::CG_INTERNAL_HOSTS,
            "Internal Hosts",
            "Hosts inside the home networks",
            KeyFormat::Ip,
            host_meters(),
        ),
        Builtin::ExternalHosts => def(
            guid::CG_EXTERNAL_HOSTS,
            "External Hosts",
            "Hosts outside the home networks",
            KeyFormat::Ip,
            host_meters(),
        ),
        Builtin::Apps => def(
            guid::CG_APPS,
            "Apps",
            "Applications by server port",
            KeyFormat::Port,
            vec![
                M::top(T::RateCounter, "Total", "bytes"),
                M::plain(T::Counter, "Security Alerts", "alerts"),
                M::top(T::RateCounter, "Into Homenet", "bytes"),
                M::top(T::RateCounter, "Outof Homenet", "bytes"),
                M::top(T::Counter, "Connections", "connections"),
                M::top(T::RateCounter, "Internal Homenet", "bytes"),
                M::top(T::RateCounter, "Transit Homenet", "bytes"),
                M::top(T::RunningCounter, "Active Conns", "connections"),
                M::plain(T::RateCounter, "Into Interface", "bytes"),
                M::plain(T::RateCounter, "Outof Interface", "bytes"),
            ],
        ),
        Builtin::Aggregates => def(
            guid::CG_AGGREGATES,
            "Aggregates",
            "Whole-link totals and traffic directions",
            KeyFormat::Named(&aggregate::NAMES),
            vec![
                M::top(T::RateCounter, "Total", "bytes"),
                M::top(T::RateCounter, "Packets", "packets"),
                M::plain(T::RunningCounter, "Active Sessions", "flows"),
                M::plain(T::RateCounter, "L2 Broadcast", "bytes"),
                M::plain(T::RateCounter, "L2 Multicast", "bytes"),
                M::plain(T::RateCounter, "L2 Unicast", "bytes"),
                M::plain(T::RateCounter, "L3 Broadcast", "bytes"),
                M::plain(T::RateCounter, "L3 Multicast", "bytes"),
                M::plain(T::RateCounter, "L3 Unicast", "bytes"),
                M::plain(T::RateCounter, "Fragments", "packets"),
                M::plain(T::Gauge, "Cardinality 1", "keys"),
                M::plain(T::Gauge, "Cardinality 2", "keys"),
            ],
        ),
        Builtin::NetworkLayer => def(
            guid::CG_NETWORK_LAYER,
            "NetworkLayerStats",
            "IP protocols",
            KeyFormat::IpProto,
            vec![
                M::top(T::RateCounter, "Total", "bytes"),
                M::top(T::RateCounter, "Packets", "packets"),
                M::top(T::RunningCounter, "Active Flows", "flows"),
                M::top(T::Counter, "Total Flows", "flows"),
                M::plain(T::RateCounter, "Into Interface", "bytes"),
                M::plain(T::RateCounter, "Outof Interface", "bytes"),
            ],
        ),
        Builtin::LinkLayer => def(
            guid::CG_LINK_LAYER,
            "LinkLayerStats",
            "Link-layer protocols by EtherType",
            KeyFormat::EtherType,
            vec![
                M::top(T::RateCounter, "Total", "bytes"),
                M::top(T::RateCounter, "Packets", "packets"),
            ],
        ),
        Builtin::Mac => def(
            guid::CG_MAC,
            "Mac",
            "Ethernet addresses",
            KeyFormat::Mac,
            vec![
                M::top(T::RateCounter, "Transmit", "bytes"),
                M::top(T::RateCounter, "Receive", "bytes"),
            ],
        ),
        Builtin::Vlan => def(
            guid::CG_VLAN,
            "VLANStats",
            "802.1Q VLAN ids (a QinQ frame counts in both)",
            KeyFormat::Vlan,
            vec![
                M::top(T::RateCounter, "Total", "bytes"),
                M::plain(T::RateCounter, "Recv-Into-VLAN", "bytes"),
                M::plain(T::RateCounter, "Xmit-To-VLAN", "bytes"),
            ],
        ),
    }
}

/// Every built-in definition, in index order.
pub fn definitions() -> Vec<GroupDef> {
    Builtin::ALL.iter().map(|g| definition(*g)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trisul_guids_and_meters() {
        let defs = definitions();
        for (i, g) in Builtin::ALL.iter().enumerate() {
            assert_eq!(g.index(), i);
        }
        let hosts6 = &defs[Builtin::HostsIpv6.index()];
        assert_eq!(
            hosts6.guid.to_string(),
            "{6CD742B1-C1CA-4708-BE78-0FCA2EB01A86}"
        );
        assert_eq!(hosts6.meters.len(), 17);
        assert_eq!(hosts6.meters[host::TOTAL].name, "Total");
        assert_eq!(hosts6.meters[host::PACKETS].name, "Total Packets");
        assert_eq!(
            defs[Builtin::Apps.index()].guid.to_string(),
            "{C51B48D4-7876-479E-B0D9-BD9EFF03CE2E}"
        );
        assert_eq!(defs[Builtin::Aggregates.index()].meters.len(), 12);
        // GUIDs are distinct within the counter-group namespace.
        let mut guids: Vec<_> = defs.iter().map(|d| d.guid).collect();
        guids.sort();
        guids.dedup();
        assert_eq!(guids.len(), defs.len());
    }
}
