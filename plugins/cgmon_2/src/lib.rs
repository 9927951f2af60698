//! weir plugin `cgmon_2`: prints the real-time updates of the Apps counter
//! group.
//!
//! The port of Trisul's `metricmonitors/cgmon_2.lua`: a counter-group monitor
//! on Apps subscribed to `on_update` (at most once per second of stream time
//! per key that changed), printing for each
//! `onupdate  [<instance>]   <ts secs>  <key right-aligned in 10> <values>`,
//! the values of the interval so far joined by spaces (raw volumes by meter
//! id). The Lua sample names its arguments `(engine, key, tvsec, metrics)`
//! against the documented order; this port follows the documentation. High
//! volume. No configuration keys.

use std::io::Write;

use weir_plugin_api::{
    export_plugin, guid, Config, CounterGroupMonitor, CounterGroupRef, CounterRecord,
    CounterSubscription, HostHandle, Monitors, Timestamp,
};

/// The monitor.
pub struct Cgmon2 {
    instance: u32,
}

/// The line of one update.
pub fn update_line(instance: u32, ts: Timestamp, key: &str, values: &[i64]) -> String {
    let values: Vec<String> = values.iter().map(i64::to_string).collect();
    format!(
        "onupdate  [{instance}]   {}  {key:>10} {}",
        ts.secs,
        values.join(" ")
    )
}

impl CounterGroupMonitor for Cgmon2 {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::guid(guid::CG_APPS).update()
    }
    fn on_update(&mut self, _group: &CounterGroupRef<'_>, ts: Timestamp, key: &CounterRecord<'_>) {
        let line = update_line(self.instance, ts, key.key(), key.values());
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(format!("{line}\n").as_bytes());
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    config.deny_unknown(&[]).map_err(|e| e.to_string())?;
    Ok(Monitors::new().counter_group(Cgmon2 {
        instance: host.instance_id(),
    }))
}

export_plugin! {
    name: "cgmon_2",
    description: "prints the real-time updates of the Apps counter group",
    monitors: [CounterGroup],
    requires: "1.1",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_line() {
        let line = update_line(
            0,
            Timestamp::from_secs(1_367_526_040),
            "p-0050",
            &[1500, 0, 3],
        );
        assert_eq!(line, "onupdate  [0]   1367526040      p-0050 1500 0 3");
    }
}
