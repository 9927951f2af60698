//! weir plugin `skeleton`: every monitor type that exists, subscribed to
//! everything, doing nothing. Copy this crate to start a plugin.

use weir_plugin_api::{
    export_plugin, Config, CounterGroupMonitor, CounterGroupRef, CounterRecord,
    CounterSubscription, EngineMonitor, EngineSubscription, FlowMonitor, FlowRecord,
    FlowSubscription, FlowTracker, FlowTrackerInfo, HostHandle, Monitors, Timestamp, TopperRecord,
    Vote,
};

/// Engine monitor: called around every interval flush and on the metronome.
pub struct SkeletonEngine {
    _host: HostHandle,
}

impl EngineMonitor for SkeletonEngine {
    fn subscription(&self) -> EngineSubscription {
        EngineSubscription::everything()
    }
    fn on_begin_flush(&mut self, _ts: Timestamp) {}
    fn on_end_flush(&mut self, _ts: Timestamp) {}
    fn on_metronome(&mut self, _ts: Timestamp, _tick_count: u64, _tick_interval: u32) {}
}

/// Flow monitor: every flow callback, and an abstaining flush-filter vote.
pub struct SkeletonFlows {
    _host: HostHandle,
}

impl FlowMonitor for SkeletonFlows {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::everything()
    }
    fn on_new_flow(&mut self, _flow: &FlowRecord<'_>) {}
    fn on_update(&mut self, _flow: &FlowRecord<'_>) {}
    fn on_terminate(&mut self, _flow: &FlowRecord<'_>) {}
    fn on_begin_flush(&mut self, _ts: Timestamp) {}
    fn flush_filter(&mut self, _flow: &FlowRecord<'_>) -> Vote {
        Vote::Abstain
    }
    fn on_flush(&mut self, _flow: &FlowRecord<'_>) {}
    fn on_end_flush(&mut self, _ts: Timestamp) {}
    fn on_metronome(&mut self, _ts: Timestamp, _tick_count: u64, _tick_interval: u32) {}
}

/// Counter-group monitor (API 1.1): every group, every callback; the flush
/// filter abstains and every meter's topper callbacks are wanted.
pub struct SkeletonCounters {
    _host: HostHandle,
}

impl CounterGroupMonitor for SkeletonCounters {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::everything()
    }
    fn on_new_key(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp, _key: &str) {}
    fn on_update(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        _key: &CounterRecord<'_>,
    ) {
    }
    fn on_begin_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp) {}
    fn flush_filter(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        _key: &CounterRecord<'_>,
        _overrides: &mut [i64],
    ) -> Vote {
        Vote::Abstain
    }
    fn on_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp, _key: &CounterRecord<'_>) {
    }
    fn on_end_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp) {}
    fn on_begin_topper_flush(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        _meter: u32,
    ) -> bool {
        true
    }
    fn topper_filter(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        _entry: &TopperRecord<'_>,
    ) -> Vote {
        Vote::Abstain
    }
    fn on_topper_flush(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        _entry: &TopperRecord<'_>,
    ) {
    }
    fn on_end_topper_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp, _meter: u32) {}
    fn on_metronome(&mut self, _ts: Timestamp, _tick_count: u64, _tick_interval: u32) {}
}

/// Flow tracker (API 1.1): interested in no flow (metric 0), so it writes
/// nothing; Trisul's skeleton uses a 300 s bucket and 200 flows.
pub struct SkeletonTracker;

impl FlowTracker for SkeletonTracker {
    fn info(&self) -> FlowTrackerInfo {
        FlowTrackerInfo {
            name: "skeleton".into(),
            description: "tracks nothing".into(),
            bucket_secs: 300,
            count: 200,
            metronome: false,
        }
    }
    fn metric(&mut self, _flow: &FlowRecord<'_>) -> i64 {
        0
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    config.deny_unknown(&[]).map_err(|e| e.to_string())?;
    Ok(Monitors::new()
        .engine(SkeletonEngine {
            _host: host.clone(),
        })
        .counter_group(SkeletonCounters {
            _host: host.clone(),
        })
        .flow_tracker(SkeletonTracker)
        .flow(SkeletonFlows { _host: host }))
}

export_plugin! {
    name: "skeleton",
    description: "every monitor type, subscribed to everything, doing nothing",
    monitors: [Engine, Flow, CounterGroup, FlowTracker],
    constructor: new_instance,
}
