//! weir plugin `snmp_cg`: declares the SNMP-Interface counter group.
//!
//! The port of Trisul's `enginemonitor/snmp_cg.lua` (a `countergroup`
//! block). Its constructor registers [`guid::CG_SNMP_INTERFACE`]
//! (`{9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A}`) "SNMP-Interface" ("Traffic
//! using SNMP input") with [`HostHandle::register_counter_group`]: meters
//! 0 "Total BW", 1 "In Octets" and 2 "Out Octets", all
//! `DELTA_RATE_COUNTER` (fed with the interfaces' absolute octet counters;
//! the interval's value is their growth), top 20, units `Bps`, and the
//! default topper bucket (300 s). If the host refuses the group (its GUID
//! taken under another name) the constructor fails and the plugin does not
//! load.
//!
//! The SNMP poller (a later issue) feeds the group with `update_counter` on
//! keys `if-<ifIndex>`; so can any plugin meanwhile.
//!
//! A constructor must return at least one monitor, and snmp_cg has nothing
//! to watch: it returns an engine monitor ([`Idle`]) with an empty
//! subscription, so it is never called and costs nothing. It takes no
//! configuration keys.

use weir_plugin_api::abi::ext::Extensions;
use weir_plugin_api::{
    export_plugin, guid, Config, EngineMonitor, EngineSubscription, HostHandle, MeterType,
    Monitors, NewCounterGroup, NewMeter,
};

/// The configuration keys snmp_cg accepts: none.
pub const CONFIG_KEYS: &[&str] = &[];

/// Name of the group.
pub const GROUP_NAME: &str = "SNMP-Interface";
/// Description of the group.
pub const GROUP_DESCRIPTION: &str = "Traffic using SNMP input";
/// How many keys each meter's topper list keeps.
pub const TOP_N: u32 = 20;
/// The meters' units (bytes per second once divided by the interval).
pub const UNITS: &str = "Bps";
/// The meters' names, by meter id.
pub const METER_NAMES: [&str; 3] = ["Total BW", "In Octets", "Out Octets"];

/// Registers the SNMP-Interface group with `host`.
pub fn register(host: &HostHandle) -> Result<(), String> {
    let meters =
        METER_NAMES.map(|name| NewMeter::new(MeterType::DeltaRateCounter, TOP_N, name, UNITS));
    host.register_counter_group(&NewCounterGroup {
        guid: guid::CG_SNMP_INTERFACE,
        name: GROUP_NAME.into(),
        description: GROUP_DESCRIPTION.into(),
        topper_bucket_secs: 0,
        meters: meters.as_slice().into(),
        ext: Extensions::NONE,
    })
    .map_err(|e| {
        format!(
            "cannot register counter group {} {GROUP_NAME:?}: {e}",
            guid::CG_SNMP_INTERFACE
        )
    })
}

/// An engine monitor that asks for nothing: a constructor must return some
/// monitor, and this one is never called.
pub struct Idle;

impl EngineMonitor for Idle {
    fn subscription(&self) -> EngineSubscription {
        EngineSubscription::default()
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    if let Some(key) = config.keys().find(|k| !CONFIG_KEYS.contains(k)) {
        return Err(format!(
            "unknown key {key:?} (snmp_cg takes no configuration)"
        ));
    }
    register(&host)?;
    Ok(Monitors::new().engine(Idle))
}

export_plugin! {
    name: "snmp_cg",
    description: "declares the SNMP-Interface counter group (three DELTA_RATE_COUNTER meters)",
    monitors: [Engine],
    requires: "1.1",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::{self, RecordingHost};
    use weir_plugin_api::MonitorKind;

    const LINE: &str = "countergroup {9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A} SNMP-Interface / \
        Traffic using SNMP input bucket=0 meters=DELTA_RATE_COUNTER:20:Total BW:Bps,\
        DELTA_RATE_COUNTER:20:In Octets:Bps,DELTA_RATE_COUNTER:20:Out Octets:Bps";

    fn construct(config: &str, host: &RecordingHost) -> Result<(), String> {
        testing::construct(config, host, &[MonitorKind::Engine], new_instance).map(|mut m| {
            let engine = m.engine.as_mut().expect("an engine monitor");
            assert_eq!(
                engine.subscription().unwrap(),
                EngineSubscription::default()
            );
            assert!(m.flow.is_none() && m.counter_group.is_none() && m.flow_tracker.is_none());
        })
    }

    #[test]
    fn registers_the_group_as_the_lua_block_declares_it() {
        let host = RecordingHost::new();
        construct("", &host).unwrap();
        assert_eq!(host.calls(), [LINE]);
    }

    #[test]
    fn a_refused_registration_fails_the_constructor() {
        let host = RecordingHost::new().refusing_groups();
        let err = construct("", &host).unwrap_err();
        assert_eq!(
            err,
            "cannot register counter group {9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A} \
             \"SNMP-Interface\": group GUID already registered with another name"
        );
        assert_eq!(host.calls(), [LINE], "the attempt is recorded");
    }

    #[test]
    fn any_config_key_is_refused_before_registering() {
        let host = RecordingHost::new();
        let err = construct(r#"{"community":"public"}"#, &host).unwrap_err();
        assert_eq!(
            err,
            r#"unknown key "community" (snmp_cg takes no configuration)"#
        );
        assert!(host.calls().is_empty());
    }
}
