//! weir plugin `snmp_cg`: declares the SNMP-Interface counter group.
//!
//! The port of Trisul's `enginemonitor/snmp_cg.lua` (a `countergroup`
//! block): its constructor registers `{9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A}`
//! "SNMP-Interface" ("Traffic using SNMP input") with meters 0 "Total BW",
//! 1 "In Octets" and 2 "Out Octets", all `DELTA_RATE_COUNTER` (fed with the
//! interfaces' absolute octet counters; the interval's value is their
//! growth), top 20, units `Bps`. The SNMP poller (a later issue) feeds it
//! with `update_counter` on keys `if-<ifIndex>`; so can any plugin.
//!
//! A plugin must return a monitor: this one returns an engine monitor that
//! subscribes to nothing, so it is never called. No configuration keys.

use weir_plugin_api::{
    export_plugin, guid, Config, EngineMonitor, EngineSubscription, HostHandle, MeterType,
    Monitors, NewCounterGroup, NewMeter,
};

/// The group's meters: (name, units).
pub const METERS: [(&str, &str); 3] = [
    ("Total BW", "Bps"),
    ("In Octets", "Bps"),
    ("Out Octets", "Bps"),
];

/// Registers the group with `host`.
pub fn register(host: &HostHandle) -> Result<(), String> {
    let meters: Vec<NewMeter<'_>> = METERS
        .iter()
        .map(|(name, units)| NewMeter::new(MeterType::DeltaRateCounter, 20, name, units))
        .collect();
    host.register_counter_group(&NewCounterGroup {
        guid: guid::CG_SNMP_INTERFACE,
        name: "SNMP-Interface".into(),
        description: "Traffic using SNMP input".into(),
        topper_bucket_secs: 0,
        meters: meters.as_slice().into(),
        ext: weir_plugin_api::abi::ext::Extensions::NONE,
    })
    .map_err(|e| format!("cannot register the SNMP-Interface counter group: {e}"))
}

/// An engine monitor that asks for nothing.
pub struct Idle;

impl EngineMonitor for Idle {
    fn subscription(&self) -> EngineSubscription {
        EngineSubscription::default()
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    config.deny_unknown(&[]).map_err(|e| e.to_string())?;
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
    use weir_plugin_api::testing::RecordingHost;

    #[test]
    fn registers_the_group_as_the_lua_block_declares_it() {
        let host = RecordingHost::new();
        register(&host.handle()).unwrap();
        assert_eq!(
            host.calls(),
            ["countergroup {9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A} SNMP-Interface / Traffic using SNMP input bucket=0 meters=DELTA_RATE_COUNTER:20:Total BW:Bps,DELTA_RATE_COUNTER:20:In Octets:Bps,DELTA_RATE_COUNTER:20:Out Octets:Bps"]
        );
        let refusing = RecordingHost::new().refusing_groups();
        let err = register(&refusing.handle()).unwrap_err();
        assert!(
            err.contains("SNMP-Interface") && err.contains("another name"),
            "{err}"
        );
    }
}
