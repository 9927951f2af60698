//! Test plugin `cgkit`: exercises the counter-group API end to end.
//!
//! - Registers the counter group "Test Ports" (GUID [`GROUP`]) with meters
//!   0 `new flows` (COUNTER, top 5) and 1 `bytes seen` (COUNTER).
//! - Its flow monitor feeds it from `on_new_flow`: key `port-<z port>`,
//!   meter 0 += 1, meter 1 += the flow's bytes so far.
//! - Its counter-group monitor subscribes by name (`name` config key,
//!   default "test ports"), votes `Drop` on the key of config `drop_key`,
//!   overrides meter 1 of the key of config `override_key` with 7, votes
//!   `Drop` on topper entries of the key of config `drop_topper`, and
//!   writes every `on_flush` as `<group> <ts> <key> <values...>` and every
//!   `on_topper_flush` as `topper <group> <meter> <rank> <key> <value>`,
//!   every `on_update` as `update <group> <ts> <key> <values...>` and every
//!   `on_new_key` as `newkey <group> <ts> <key>` to `DIR/cgkit.<instance>.log`.
//! - Its flow tracker "Big UDP flows" ranks UDP flows by bytes (config
//!   `tracker_bucket`, seconds, default 300; `tracker_count`, default 3).

use std::fs::File;
use std::io::{BufWriter, Write};

use weir_plugin_api::{
    export_plugin, Config, CounterGroupMonitor, CounterGroupRef, CounterRecord,
    CounterSubscription, FlowMonitor, FlowRecord, FlowSubscription, FlowTracker, FlowTrackerInfo,
    Guid, HostHandle, MeterType, Monitors, NewCounterGroup, NewMeter, Timestamp, TopperRecord,
    Vote,
};

struct BigUdp {
    bucket: u32,
    count: u32,
}

impl FlowTracker for BigUdp {
    fn info(&self) -> FlowTrackerInfo {
        FlowTrackerInfo {
            name: "Big UDP flows".into(),
            description: "UDP flows by bytes".into(),
            bucket_secs: self.bucket,
            count: self.count,
            metronome: false,
        }
    }
    fn metric(&mut self, flow: &FlowRecord<'_>) -> i64 {
        if flow.proto == 17 {
            (flow.az_bytes + flow.za_bytes) as i64
        } else {
            0
        }
    }
}

/// The test group's GUID.
pub const GROUP: Guid = Guid::from_u128(0x7E57C0DE_0000_4000_8000_000000000001);

struct Feeder {
    host: HostHandle,
}

impl FlowMonitor for Feeder {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::ip_flows().new_flow()
    }
    fn on_new_flow(&mut self, flow: &FlowRecord<'_>) {
        let key = format!("port-{}", flow.z_port);
        let bytes = (flow.az_bytes + flow.za_bytes) as i64;
        self.host
            .update_counter(GROUP, &key, 0, 1)
            .expect("update_counter");
        self.host
            .update_counter(GROUP, &key, 1, bytes)
            .expect("update_counter");
    }
}

struct Watcher {
    name: String,
    drop_key: Option<String>,
    drop_topper: Option<String>,
    override_key: Option<String>,
    log: BufWriter<File>,
}

impl CounterGroupMonitor for Watcher {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::name_match(&self.name)
            .flush()
            .filter()
            .toppers()
            .update()
            .new_key()
            .topper_filter()
    }
    fn flush_filter(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        key: &CounterRecord<'_>,
        overrides: &mut [i64],
    ) -> Vote {
        if self.override_key.as_deref() == Some(key.key()) {
            overrides[1] = 7;
        }
        if self.drop_key.as_deref() == Some(key.key()) {
            Vote::Drop
        } else {
            Vote::Abstain
        }
    }
    fn on_flush(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp, key: &CounterRecord<'_>) {
        let values: Vec<String> = key.values().iter().map(i64::to_string).collect();
        let _ = writeln!(
            self.log,
            "{} {} {} {}",
            group.name(),
            ts.secs,
            key.key(),
            values.join(" ")
        );
    }
    fn topper_filter(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        entry: &TopperRecord<'_>,
    ) -> Vote {
        if self.drop_topper.as_deref() == Some(entry.key()) {
            Vote::Drop
        } else {
            Vote::Abstain
        }
    }
    fn on_update(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp, key: &CounterRecord<'_>) {
        let values: Vec<String> = key.values().iter().map(i64::to_string).collect();
        let _ = writeln!(
            self.log,
            "update {} {} {} {}",
            group.name(),
            ts.secs,
            key.key(),
            values.join(" ")
        );
    }
    fn on_new_key(&mut self, group: &CounterGroupRef<'_>, ts: Timestamp, key: &str) {
        let _ = writeln!(self.log, "newkey {} {} {key}", group.name(), ts.secs);
    }
    fn on_topper_flush(
        &mut self,
        group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        e: &TopperRecord<'_>,
    ) {
        let _ = writeln!(
            self.log,
            "topper {} {} {} {} {}",
            group.name(),
            e.meter,
            e.rank,
            e.key(),
            e.value
        );
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    config
        .deny_unknown(&[
            "name",
            "drop_key",
            "override_key",
            "tracker_bucket",
            "tracker_count",
            "drop_topper",
        ])
        .map_err(|e| e.to_string())?;
    let meters = [
        NewMeter::new(MeterType::Counter, 5, "new flows", "flows"),
        NewMeter::new(MeterType::Counter, 0, "bytes seen", "bytes"),
    ];
    host.register_counter_group(&NewCounterGroup {
        guid: GROUP,
        name: "Test Ports".into(),
        description: "flows by server port, fed by cgkit".into(),
        topper_bucket_secs: 0,
        meters: meters.as_slice().into(),
        ext: weir_plugin_api::abi::ext::Extensions::NONE,
    })
    .map_err(|e| format!("register_counter_group: {e}"))?;
    let path = host
        .output_dir()
        .join(format!("cgkit.{}.log", host.instance_id()));
    let log = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let number = |key: &str, default: u64| -> Result<u32, String> {
        let n = config
            .u64(key)
            .map_err(|e| e.to_string())?
            .unwrap_or(default);
        u32::try_from(n).map_err(|_| format!("{key}: too large"))
    };
    let tracker = BigUdp {
        bucket: number("tracker_bucket", 300)?,
        count: number("tracker_count", 3)?,
    };
    Ok(Monitors::new()
        .flow_tracker(tracker)
        .flow(Feeder { host: host.clone() })
        .counter_group(Watcher {
            name: config.str("name").unwrap_or_else(|| "test ports".into()),
            drop_key: config.str("drop_key"),
            drop_topper: config.str("drop_topper"),
            override_key: config.str("override_key"),
            log: BufWriter::new(log),
        }))
}

export_plugin! {
    name: "cgkit",
    description: "test plugin: a counter group of its own, fed and watched",
    monitors: [Flow, CounterGroup, FlowTracker],
    requires: "1.1",
    constructor: new_instance,
}
