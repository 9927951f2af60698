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
