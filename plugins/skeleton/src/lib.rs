//! weir plugin `skeleton`: every monitor type that exists, subscribed to
//! everything, doing nothing. Copy this crate to start a plugin.

use weir_plugin_api::{
    export_plugin, Config, EngineMonitor, EngineSubscription, FlowMonitor, FlowRecord,
    FlowSubscription, HostHandle, Monitors, Timestamp, Vote,
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

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    config.deny_unknown(&[]).map_err(|e| e.to_string())?;
    Ok(Monitors::new()
        .engine(SkeletonEngine {
            _host: host.clone(),
        })
        .flow(SkeletonFlows { _host: host }))
}

export_plugin! {
    name: "skeleton",
    description: "every monitor type, subscribed to everything, doing nothing",
    monitors: [Engine, Flow],
    constructor: new_instance,
}
