//! weir plugin `long_ssh`: a flow tracker of the longest SSH sessions.
//!
//! The port of Trisul's `flows/longssh-whitelist.lua` flow tracker (without
//! its whitelist). Its metric of a flushed flow is, for TCP (protocol 6)
//! with port 22 at either end, the duration `last_ts - first_ts` in
//! milliseconds, at least 1 when the flow has any packet; any other flow
//! gets 0 (not tracked). weir keeps the `count` flows with the largest
//! metric per `bucket` and writes them to `flowtrackers.ndjson` as tracker
//! "Long SSH sessions". No `on_metronome`.
//!
//! Configuration: `bucket` (seconds, default [`DEFAULT_BUCKET`]) and `count`
//! (flows kept per bucket, default [`DEFAULT_COUNT`]), whole numbers of at
//! least 1; any other key is refused.

use weir_plugin_api::{
    export_plugin, Config, FlowRecord, FlowTracker, FlowTrackerInfo, HostHandle, Monitors,
};

/// The configuration keys long_ssh accepts.
pub const CONFIG_KEYS: &[&str] = &["bucket", "count"];
/// Default of `bucket`, seconds.
pub const DEFAULT_BUCKET: u32 = 300;
/// Default of `count`.
pub const DEFAULT_COUNT: u32 = 10;
/// The tracker's name.
pub const NAME: &str = "Long SSH sessions";
/// The tracker's description.
pub const DESCRIPTION: &str = "SSH sessions by duration (milliseconds)";

/// TCP's IP protocol number.
const TCP: u8 = 6;
/// The SSH port.
const SSH_PORT: u16 = 22;

/// `key` as a whole number of at least 1 (at most `u32::MAX`), or `default`.
pub fn whole_number(config: &Config, key: &str, default: u32) -> Result<u32, String> {
    let bad = || {
        let got = config.get(key).map(ToString::to_string).unwrap_or_default();
        format!(
            "{key}: expected a whole number from 1 to {}, got {got}",
            u32::MAX
        )
    };
    match config.u64(key) {
        Ok(None) => Ok(default),
        Ok(Some(n)) if n >= 1 => u32::try_from(n).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// Whether `flow` is TCP with port 22 at either end.
pub fn is_ssh(flow: &FlowRecord<'_>) -> bool {
    flow.proto == TCP && (flow.a_port == SSH_PORT || flow.z_port == SSH_PORT)
}

/// The metric of `flow`: for SSH with any packet its duration in
/// milliseconds, at least 1; else 0.
pub fn ssh_duration_ms(flow: &FlowRecord<'_>) -> i64 {
    if !is_ssh(flow) || flow.total_packets() == 0 {
        return 0;
    }
    let micros = flow
        .last_ts
        .as_micros()
        .saturating_sub(flow.first_ts.as_micros());
    i64::try_from(micros / 1000).unwrap_or(i64::MAX).max(1)
}

/// The flow tracker.
pub struct LongSsh {
    bucket: u32,
    count: u32,
}

impl LongSsh {
    /// Reads the configuration.
    pub fn new(config: &Config) -> Result<LongSsh, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        Ok(LongSsh {
            bucket: whole_number(config, "bucket", DEFAULT_BUCKET)?,
            count: whole_number(config, "count", DEFAULT_COUNT)?,
        })
    }
}

impl FlowTracker for LongSsh {
    fn info(&self) -> FlowTrackerInfo {
        FlowTrackerInfo {
            name: NAME.into(),
            description: DESCRIPTION.into(),
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
    use weir_plugin_api::testing::{self, flow_record, RecordingHost};
    use weir_plugin_api::{EndReason, MonitorKind, Timestamp};

    /// A flushed flow of `proto` between ports `a` and `z`, with one packet
    /// each way, from `first` to `last` (microseconds).
    fn flow(proto: u8, a: u16, z: u16, first: u64, last: u64) -> FlowRecord<'static> {
        FlowRecord {
            az_packets: 1,
            za_packets: 1,
            az_bytes: 74,
            za_bytes: 74,
            first_ts: Timestamp::from_micros(first),
            last_ts: Timestamp::from_micros(last),
            end_reason: EndReason::Fin,
            ..flow_record("F", proto, ("10.0.0.1", a), ("10.0.0.2", z))
        }
    }

    fn tracker(config: &str) -> Result<LongSsh, String> {
        LongSsh::new(&Config::parse(config).unwrap())
    }

    #[test]
    fn ssh_flows_rank_by_duration_in_milliseconds() {
        let mut t = tracker("").unwrap();
        assert_eq!(t.metric(&flow(6, 50000, 22, 1_000_000, 3_500_000)), 2500);
        assert_eq!(t.metric(&flow(6, 22, 50000, 1_000_000, 3_500_999)), 2500);
        assert_eq!(
            t.metric(&flow(6, 22, 22, 0, 7_200_000_000)),
            7_200_000,
            "two hours"
        );
    }

    #[test]
    fn a_short_ssh_flow_counts_as_1_an_empty_one_not_at_all() {
        let mut t = tracker("").unwrap();
        assert_eq!(t.metric(&flow(6, 50000, 22, 5, 5)), 1, "one instant");
        assert_eq!(t.metric(&flow(6, 50000, 22, 5, 900)), 1, "under 1 ms");
        assert_eq!(t.metric(&flow(6, 50000, 22, 9, 5)), 1, "clock went back");
        let empty = flow_record("E", 6, ("10.0.0.1", 50000), ("10.0.0.2", 22));
        assert_eq!(t.metric(&empty), 0);
    }

    #[test]
    fn other_flows_are_not_tracked() {
        let mut t = tracker("").unwrap();
        assert_eq!(t.metric(&flow(6, 50000, 80, 0, 60_000_000)), 0, "web");
        assert_eq!(t.metric(&flow(6, 2222, 50022, 0, 60_000_000)), 0);
        assert_eq!(t.metric(&flow(17, 22, 22, 0, 60_000_000)), 0, "UDP");
        assert_eq!(t.metric(&flow(132, 50000, 22, 0, 60_000_000)), 0, "SCTP");
    }

    #[test]
    fn info_defaults_and_configured() {
        let info = tracker("").unwrap().info();
        assert_eq!(
            info,
            FlowTrackerInfo {
                name: "Long SSH sessions".into(),
                description: "SSH sessions by duration (milliseconds)".into(),
                bucket_secs: 300,
                count: 10,
                metronome: false,
            }
        );
        let t = tracker(r#"{"bucket":"600","count":"3"}"#).unwrap();
        assert_eq!((t.info().bucket_secs, t.info().count), (600, 3));
        // A TOML file gives numbers rather than strings.
        let t = tracker(r#"{"bucket":60,"count":1}"#).unwrap();
        assert_eq!((t.info().bucket_secs, t.info().count), (60, 1));
    }

    #[test]
    fn configuration_errors_name_the_key_and_value() {
        let err = |config: &str| tracker(config).err().unwrap();
        assert_eq!(
            err(r#"{"count":"0"}"#),
            r#"count: expected a whole number from 1 to 4294967295, got "0""#
        );
        assert_eq!(
            err(r#"{"bucket":"five"}"#),
            r#"bucket: expected a whole number from 1 to 4294967295, got "five""#
        );
        assert_eq!(
            err(r#"{"bucket":-1}"#),
            "bucket: expected a whole number from 1 to 4294967295, got -1"
        );
        assert_eq!(
            err(r#"{"count":2.5}"#),
            "count: expected a whole number from 1 to 4294967295, got 2.5"
        );
        assert_eq!(
            err(r#"{"count":"4294967296"}"#),
            r#"count: expected a whole number from 1 to 4294967295, got "4294967296""#
        );
        assert_eq!(
            err(r#"{"buckets":"60"}"#),
            r#"unknown key "buckets" (known: bucket, count)"#
        );
    }

    #[test]
    fn through_the_export_path() {
        let host = RecordingHost::new();
        let mut m = testing::construct(
            r#"{"count":"20"}"#,
            &host,
            &[MonitorKind::FlowTracker],
            new_instance,
        )
        .unwrap();
        assert!(m.engine.is_none() && m.flow.is_none() && m.counter_group.is_none());
        let t = m.flow_tracker.as_mut().unwrap();
        let info = t.info().unwrap();
        assert_eq!((info.name.as_str(), info.count), (NAME, 20));
        assert_eq!(t.metric(&flow(6, 50000, 22, 0, 61_000)).unwrap(), 61);
        assert!(host.calls().is_empty());
        let err = testing::construct(
            r#"{"count":"none"}"#,
            &host,
            &[MonitorKind::FlowTracker],
            new_instance,
        )
        .err()
        .unwrap();
        assert!(err.starts_with("count: "), "{err}");
    }
}
