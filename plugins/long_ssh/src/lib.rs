//! weir plugin `long_ssh`: a flow tracker of the longest SSH sessions.
//!
//! The port of Trisul's `flows/longssh-whitelist.lua` flow tracker (without
//! its whitelist): the metric of a TCP flow with port 22 at either end is
//! its duration, `last_ts - first_ts`, in milliseconds (at least 1); other
//! flows are not tracked. weir keeps the `count` longest per `bucket` and
//! writes them to `flowtrackers.ndjson` as "Long SSH sessions".
//!
//! Configuration: `bucket` (seconds, default 300) and `count` (default 10),
//! whole numbers of at least 1.

use weir_plugin_api::{
    export_plugin, Config, FlowRecord, FlowTracker, FlowTrackerInfo, HostHandle, Monitors,
};

/// The configuration keys.
pub const CONFIG_KEYS: &[&str] = &["bucket", "count"];

/// The tracker.
pub struct LongSsh {
    bucket: u32,
    count: u32,
}

impl LongSsh {
    /// From the configuration.
    pub fn new(config: &Config) -> Result<LongSsh, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let number = |key: &str, default: u32| -> Result<u32, String> {
            match config.u64(key).map_err(|e| e.to_string())? {
                None => Ok(default),
                Some(n) if n >= 1 && n <= u64::from(u32::MAX) => Ok(n as u32),
                Some(n) => Err(format!("{key}: must be a whole number from 1, got {n}")),
            }
        };
        Ok(LongSsh {
            bucket: number("bucket", 300)?,
            count: number("count", 10)?,
        })
    }
}

/// The metric of `flow`: its duration in milliseconds for SSH, else 0.
pub fn ssh_duration_ms(flow: &FlowRecord<'_>) -> i64 {
    if flow.proto != 6 || (flow.a_port != 22 && flow.z_port != 22) {
        return 0;
    }
    let micros = flow
        .last_ts
        .as_micros()
        .saturating_sub(flow.first_ts.as_micros());
    (micros / 1000).max(1) as i64
}

impl FlowTracker for LongSsh {
    fn info(&self) -> FlowTrackerInfo {
        FlowTrackerInfo {
            name: "Long SSH sessions".into(),
            description: "SSH flows by duration (milliseconds)".into(),
            bucket_secs: self.bucket,
            count: self.count,
            metronome: false,
        }
    }
    fn metric(&mut self, flow: &FlowRecord<'_>) -> i64 {
        ssh_duration_ms(flow)
    }
}

fn new_instance(config: &Config, _host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().flow_tracker(LongSsh::new(config)?))
}

export_plugin! {
    name: "long_ssh",
    description: "flow tracker: the longest SSH sessions",
    monitors: [FlowTracker],
    requires: "1.1",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::flow_record;
    use weir_plugin_api::Timestamp;

    #[test]
    fn ssh_flows_rank_by_duration_others_not_at_all() {
        let mut f = flow_record("F", 6, ("10.0.0.1", 50000), ("10.0.0.2", 22));
        f.first_ts = Timestamp::from_micros(1_000_000);
        f.last_ts = Timestamp::from_micros(3_500_000);
        assert_eq!(ssh_duration_ms(&f), 2500);
        f.last_ts = f.first_ts;
        assert_eq!(ssh_duration_ms(&f), 1, "a one-packet session still counts");
        let web = flow_record("W", 6, ("10.0.0.1", 50000), ("10.0.0.2", 80));
        assert_eq!(ssh_duration_ms(&web), 0);
        let udp = flow_record("U", 17, ("10.0.0.1", 22), ("10.0.0.2", 22));
        assert_eq!(ssh_duration_ms(&udp), 0);
    }

    #[test]
    fn configuration_is_checked() {
        let cfg = |text: &str| Config::parse(text).unwrap();
        let t = LongSsh::new(&cfg(r#"{"bucket":"600","count":"3"}"#)).unwrap();
        assert_eq!((t.info().bucket_secs, t.info().count), (600, 3));
        assert!(LongSsh::new(&cfg(r#"{"count":"0"}"#))
            .err()
            .unwrap()
            .contains("count"));
        assert!(LongSsh::new(&cfg(r#"{"colour":"red"}"#)).is_err());
    }
}
