//! weir plugin `sg1`: prints the Trisul flow id of every new flow to stdout.
//!
//! The port of Trisul's `flows/sg1.lua`, the smallest possible flow monitor:
//! subscribed to `new_flow` only, one line per flow (`<flow id>\n`), nothing
//! else on stdout. It takes no configuration keys.
//!
//! Each line is written with a single `write_all` on a locked stdout, so lines
//! of several instances never interleave. A write error (for example a closed
//! pipe) is logged once through the host and further lines are dropped
//! silently: a plugin must not panic because its reader went away.

use std::io::Write;

use weir_plugin_api::{
    export_plugin, Config, FlowMonitor, FlowRecord, FlowSubscription, HostHandle, LogLevel,
    Monitors,
};

/// The configuration keys sg1 accepts: none.
pub const CONFIG_KEYS: &[&str] = &[];

/// The flow monitor: prints `<flow id>\n` for every new flow.
pub struct Sg1 {
    host: HostHandle,
    write_failed: bool,
}

impl Sg1 {
    /// Builds the monitor; fails on any configuration key.
    pub fn new(config: &Config, host: HostHandle) -> Result<Sg1, String> {
        if let Some(key) = config.keys().find(|k| !CONFIG_KEYS.contains(k)) {
            return Err(format!("unknown key {key:?} (sg1 takes no configuration)"));
        }
        Ok(Sg1 {
            host,
            write_failed: false,
        })
    }
}

/// The line printed for `flow`: its id and a newline.
pub fn line(flow: &FlowRecord<'_>) -> String {
    let mut line = String::with_capacity(flow.id().len() + 1);
    line.push_str(flow.id());
    line.push('\n');
    line
}

impl FlowMonitor for Sg1 {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::ip_flows().new_flow()
    }

    fn on_new_flow(&mut self, flow: &FlowRecord<'_>) {
        if self.write_failed {
            return;
        }
        let result = std::io::stdout().lock().write_all(line(flow).as_bytes());
        if let Err(e) = result {
            self.write_failed = true;
            self.host.log(
                LogLevel::Error,
                &format!("cannot write to stdout ({e}); no further flow ids are printed"),
            );
        }
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().flow(Sg1::new(config, host)?))
}

export_plugin! {
    name: "sg1",
    description: "prints the id of every new flow to stdout",
    monitors: [Flow],
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::{flow_record, RecordingHost};

    #[test]
    fn line_is_the_flow_id_and_a_newline() {
        let f = flow_record(
            "06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016",
            6,
            ("192.168.1.2", 2964),
            ("209.216.249.58", 22),
        );
        assert_eq!(line(&f), "06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016\n");
    }

    #[test]
    fn subscribes_to_new_flow_only() {
        let m = Sg1::new(&Config::default(), RecordingHost::new().handle()).unwrap();
        let sub = m.subscription();
        assert_eq!(sub.events, weir_plugin_api::FlowEvents::NEW_FLOW);
        assert!(!sub.filter);
        assert_eq!(sub.group, weir_plugin_api::guid::IP_FLOWS);
    }

    #[test]
    fn any_config_key_is_refused() {
        let config = Config::parse(r#"{"dir":"/tmp"}"#).unwrap();
        let err = Sg1::new(&config, RecordingHost::new().handle())
            .err()
            .unwrap();
        assert!(err.contains("\"dir\""), "{err}");
        assert!(!err.contains('\n'));
    }
}
