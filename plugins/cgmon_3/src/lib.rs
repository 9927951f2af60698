//! weir plugin `cgmon_3`: prints the topper flush of the Hosts counter group.
//!
//! The port of Trisul's `metricmonitors/cgmon_3.lua`: a counter-group monitor
//! on Hosts (`{4CD742B1-C1CA-4708-BE78-0FCA2EB01A86}`) subscribed to the
//! topper flush. For each meter's list it prints
//! `----------- Topper Flush [<instance>] Meter <meter> Time <ts secs> `
//! (trailing space, as the sample), then `ontopperflush  [<instance>]    <key>  <value>`
//! per entry, best first. (The Lua `onbegintopperflush` returns nothing,
//! which Trisul v8 treats as "yes"; this port returns true.) No
//! configuration keys.

use std::io::Write;

use weir_plugin_api::{
    export_plugin, guid, Config, CounterGroupMonitor, CounterGroupRef, CounterSubscription,
    HostHandle, Monitors, Timestamp, TopperRecord,
};

/// The monitor.
pub struct Cgmon3 {
    instance: u32,
}

/// The header line of one meter's toppers.
pub fn begin_line(instance: u32, meter: u32, ts: Timestamp) -> String {
    format!(
        "----------- Topper Flush [{instance}] Meter {meter} Time {} ",
        ts.secs
    )
}

/// The line of one topper entry.
pub fn topper_line(instance: u32, key: &str, value: i64) -> String {
    format!("ontopperflush  [{instance}]    {key}  {value}")
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(format!("{line}\n").as_bytes());
}

impl CounterGroupMonitor for Cgmon3 {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::guid(guid::CG_HOSTS).toppers()
    }
    fn on_begin_topper_flush(
        &mut self,
        _group: &CounterGroupRef<'_>,
        ts: Timestamp,
        meter: u32,
    ) -> bool {
        say(&begin_line(self.instance, meter, ts));
        true
    }
    fn on_topper_flush(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        e: &TopperRecord<'_>,
    ) {
        say(&topper_line(self.instance, e.key(), e.value));
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    config.deny_unknown(&[]).map_err(|e| e.to_string())?;
    Ok(Monitors::new().counter_group(Cgmon3 {
        instance: host.instance_id(),
    }))
}

export_plugin! {
    name: "cgmon_3",
    description: "prints the topper flush of the Hosts counter group",
    monitors: [CounterGroup],
    requires: "1.1",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_the_lua_sample() {
        assert_eq!(
            begin_line(0, 3, Timestamp::from_secs(1_367_526_300)),
            "----------- Topper Flush [0] Meter 3 Time 1367526300 "
        );
        assert_eq!(
            topper_line(1, "C0.A8.01.04", 12345),
            "ontopperflush  [1]    C0.A8.01.04  12345"
        );
    }
}
