//! weir plugin `cgmon`: traces the flush of the Apps counter group.
//!
//! The port of Trisul's `metricmonitors/cgmon.lua`: a counter-group monitor
//! on Apps (`{C51B48D4-7876-479E-B0D9-BD9EFF03CE2E}`) that prints, to stdout,
//! `onload :  from cgmon<instance>` when made, `onbeginflush [<instance>]`,
//! `onflush [<instance>]  <key>` for every key flushed (`SYS:GROUP_TOTALS`
//! first), `onendflush [<instance>]`, and `onunload:  bye   cgmon<instance>`
//! when dropped at the end of the run. No configuration keys.

use std::io::Write;

use weir_plugin_api::{
    export_plugin, guid, Config, CounterGroupMonitor, CounterGroupRef, CounterRecord,
    CounterSubscription, HostHandle, Monitors, Timestamp,
};

/// The monitor: its instance id, for the lines.
pub struct Cgmon {
    instance: u32,
}

/// `onload :  from cgmon<instance>`.
pub fn load_line(instance: u32) -> String {
    format!("onload :  from cgmon{instance}")
}

/// `onunload:  bye   cgmon<instance>`.
pub fn unload_line(instance: u32) -> String {
    format!("onunload:  bye   cgmon{instance}")
}

/// `onbeginflush [<instance>]`.
pub fn begin_line(instance: u32) -> String {
    format!("onbeginflush [{instance}]")
}

/// `onflush [<instance>]  <key>`.
pub fn flush_line(instance: u32, key: &str) -> String {
    format!("onflush [{instance}]  {key}")
}

/// `onendflush [<instance>]`.
pub fn end_line(instance: u32) -> String {
    format!("onendflush [{instance}]")
}

/// Writes one line to stdout (a closed pipe is ignored: the run goes on).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(format!("{line}\n").as_bytes());
    let _ = out.flush();
}

impl CounterGroupMonitor for Cgmon {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::guid(guid::CG_APPS).flush()
    }
    fn on_begin_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp) {
        say(&begin_line(self.instance));
    }
    fn on_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp, key: &CounterRecord<'_>) {
        say(&flush_line(self.instance, key.key()));
    }
    fn on_end_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp) {
        say(&end_line(self.instance));
    }
}

impl Drop for Cgmon {
    fn drop(&mut self) {
        say(&unload_line(self.instance));
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    config.deny_unknown(&[]).map_err(|e| e.to_string())?;
    let instance = host.instance_id();
    say(&load_line(instance));
    Ok(Monitors::new().counter_group(Cgmon { instance }))
}

export_plugin! {
    name: "cgmon",
    description: "prints the flush sequence of the Apps counter group",
    monitors: [CounterGroup],
    requires: "1.1",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_the_lua_sample() {
        assert_eq!(load_line(0), "onload :  from cgmon0");
        assert_eq!(unload_line(1), "onunload:  bye   cgmon1");
        assert_eq!(begin_line(0), "onbeginflush [0]");
        assert_eq!(flush_line(0, "p-0050"), "onflush [0]  p-0050");
        assert_eq!(end_line(2), "onendflush [2]");
        let sub = Cgmon { instance: 0 }.subscription();
        assert_eq!(sub.guids.as_slice(), &[guid::CG_APPS]);
        assert!(sub.events.contains(weir_plugin_api::CounterEvents::FLUSH));
    }
}
