//! The `guid` module deals with the well-known group GUIDs of Trisul that weir
//! keeps, so that knowledge of Trisul carries over.

use crate::records::Guid;

/// Session group: IP flows (the only built-in session group).
pub const IP_FLOWS: Guid = Guid::from_u128(0x99A78737_4B41_4387_8F31_8077DB917336);

/// The built-in session groups: (GUID, name).
pub const BUILTIN_SESSION_GROUPS: [(Guid, &str); 1] = [(IP_FLOWS, "IP Flows")];

/// Alert group: external IDS alerts (Snort/Suricata), "External IDS".
pub const ALERT_EXTERNAL_IDS: Guid = Guid::from_u128(0x9AFD8C08_07EB_47E0_BF05_28B4A7AE8DC9);
/// Alert group: blacklist alerts ("Blacklist", Trisul's Badfellas).
pub const ALERT_BLACKLIST: Guid = Guid::from_u128(0x5E97C3A3_41DB_4E34_92C3_87C904FAB83E);
/// Alert group: threshold crossing alerts.
pub const ALERT_TCA: Guid = Guid::from_u128(0x03AC6B72_FDB7_44C0_9B8C_7A1975C1C5BA);
/// Alert group: flow tracker alerts.
pub const ALERT_FLOW_TRACKER: Guid = Guid::from_u128(0x18CE5961_38FF_4AEA_BAF8_2019F3A09063);
/// Alert group: system alerts (the engine's own state).
pub const ALERT_SYSTEM: Guid = Guid::from_u128(0xF69C2462_ECEA_45B8_B1CB_F90342D37A4F);
/// Alert group: user alerts (general purpose; recommended for plugins).
pub const ALERT_USER: Guid = Guid::from_u128(0xB5F1DECB_51D5_4395_B71B_6FA730B772D9);

/// The built-in alert groups: (GUID, name).
pub const BUILTIN_ALERT_GROUPS: [(Guid, &str); 6] = [
    (ALERT_EXTERNAL_IDS, "External IDS"),
    (ALERT_BLACKLIST, "Blacklist"),
    (ALERT_TCA, "Threshold Crossing"),
    (ALERT_FLOW_TRACKER, "Flow Tracker"),
    (ALERT_SYSTEM, "System Alerts"),
    (ALERT_USER, "User Alerts"),
];

/// Counter group: IPv4 hosts, key `C0.A8.01.04`.
pub const CG_HOSTS: Guid = Guid::from_u128(0x4CD742B1_C1CA_4708_BE78_0FCA2EB01A86);
/// Counter group: IPv6 hosts, key 32 hex digits.
pub const CG_HOSTS_IPV6: Guid = Guid::from_u128(0x6CD742B1_C1CA_4708_BE78_0FCA2EB01A86);
/// Counter group: hosts inside the home networks (`--home-net`).
pub const CG_INTERNAL_HOSTS: Guid = Guid::from_u128(0x889900CC_0063_11A5_8380_FEBDBABBDBEA);
/// Counter group: hosts outside the home networks.
pub const CG_EXTERNAL_HOSTS: Guid = Guid::from_u128(0x00AA77BB_0063_11A5_8380_FEBDBABBDBEA);
/// Counter group: applications by server port, key `p-0050`.
pub const CG_APPS: Guid = Guid::from_u128(0xC51B48D4_7876_479E_B0D9_BD9EFF03CE2E);
/// Counter group: whole-link aggregates, keys `TOTALBW` and `DIR_*`.
pub const CG_AGGREGATES: Guid = Guid::from_u128(0x393B5EBC_AB41_4387_8F31_8077DB917336);
/// Counter group: MAC addresses, key `00:1C:C0:B9:B9:10`.
pub const CG_MAC: Guid = Guid::from_u128(0x4B09BD22_3B99_40FC_8215_94A430EA0A35);
/// Counter group: link-layer protocols, key = EtherType in hex (`0800`).
pub const CG_LINK_LAYER: Guid = Guid::from_u128(0x9F5AD3A9_C74D_46D8_A8A8_DCDD773730BA);
/// Counter group: network-layer protocols, key = IP protocol in hex (`06`).
pub const CG_NETWORK_LAYER: Guid = Guid::from_u128(0xE89BCD56_30AD_40F5_B1C8_8B7683F440BD);
/// Counter group: VLANs, key = VLAN id in hex (`002A`).
pub const CG_VLAN: Guid = Guid::from_u128(0x0EC72E9E_3AD2_43FD_8173_74693EEA08D0);
/// Counter group: SNMP interfaces (Trisul reuses this GUID for the File
/// Hashes resource group: registries are keyed by stream kind and GUID).
pub const CG_SNMP_INTERFACE: Guid = Guid::from_u128(0x9781DB2C_F78A_4F7F_A7E8_2B1A9A7BE71A);

/// Trisul's counter groups weir uses: the ten it fills and SNMP-Interface
/// (registered by the `snmp_cg` plugin): (GUID, name).
/// Registries are keyed by stream kind and GUID, so these may equal GUIDs of
/// other kinds of group.
pub const WELL_KNOWN_COUNTER_GROUPS: [(Guid, &str); 11] = [
    (CG_HOSTS, "Hosts"),
    (CG_HOSTS_IPV6, "HostsIPv6"),
    (CG_INTERNAL_HOSTS, "Internal Hosts"),
    (CG_EXTERNAL_HOSTS, "External Hosts"),
    (CG_APPS, "Apps"),
    (CG_AGGREGATES, "Aggregates"),
    (CG_NETWORK_LAYER, "NetworkLayerStats"),
    (CG_LINK_LAYER, "LinkLayerStats"),
    (CG_MAC, "Mac"),
    (CG_VLAN, "VLANStats"),
    (CG_SNMP_INTERFACE, "SNMP-Interface"),
];

/// Resource group: DNS answers, uri = the question name (API 1.3).
pub const RG_DNS: Guid = Guid::from_u128(0xD1E27FF0_6D66_4E57_BB91_99F76BB2143E);
/// Resource group: HTTP URLs, uri = `METHOD HOST TARGET` (API 1.3).
pub const RG_URL: Guid = Guid::from_u128(0x4EF9DEB9_4332_4867_A667_6A30C5900E9E);
/// Resource group: TLS certificates (API 1.3).
pub const RG_SSL_CERTIFICATES: Guid = Guid::from_u128(0x5AEE3F0B_9304_44BE_BBD0_0467052CF468);
/// Resource group: file hashes, uri = the MD5 of an HTTP body (API 1.3;
/// the same GUID as the SNMP-Interface counter group, in another registry).
pub const RG_FILE_HASHES: Guid = Guid::from_u128(0x9781DB2C_F78A_4F7F_A7E8_2B1A9A7BE71A);

/// The built-in resource groups: (GUID, name), Trisul's names.
pub const BUILTIN_RESOURCE_GROUPS: [(Guid, &str); 4] = [
    (RG_DNS, "DNS Resources"),
    (RG_URL, "URL Resources (HTTP)"),
    (RG_SSL_CERTIFICATES, "SSL Certificates"),
    (RG_FILE_HASHES, "File Hashes"),
];

/// FTS group: TLS certificate chains (API 1.3).
pub const FTS_SSL_CERTS: Guid = Guid::from_u128(0x9FEB8ADE_ADBB_49AD_BC68_C6A02F389C71);
/// FTS group: HTTP request and response header blocks (API 1.3).
pub const FTS_HTTP_HEADERS: Guid = Guid::from_u128(0x28217924_E7A5_4523_993C_44B52758D5A8);
/// FTS group: DNS records as text (API 1.3).
pub const FTS_DNS: Guid = Guid::from_u128(0x09B305DF_078C_4B9E_8E2F_EA64B7326880);

/// The built-in FTS groups: (GUID, name), Trisul's names.
pub const BUILTIN_FTS_GROUPS: [(Guid, &str); 3] = [
    (FTS_SSL_CERTS, "SSL Certificate (chain) FTS"),
    (FTS_HTTP_HEADERS, "HTTP Header FTS"),
    (FTS_DNS, "DNS records full-text dump"),
];
