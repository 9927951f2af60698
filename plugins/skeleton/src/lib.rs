//! weir plugin `skeleton`: every monitor type that exists, subscribed to
//! everything, doing nothing. Copy this crate to start a plugin.
//!
//! It returns an engine monitor and a flow monitor (API 1.0), and a
//! counter-group monitor on every group (`CounterSubscription::everything()`)
//! and a flow tracker named "skeleton" whose metric is always 0 (API 1.1),
//! and a resource monitor and a full-text (FTS) monitor on every group of
//! their kind (`ArtifactSubscription::everything()`, API 1.3).
//! Every callback is a no-op; the flush filters abstain and
//! `on_begin_topper_flush` returns true. It takes no configuration keys.

use weir_plugin_api::{
    export_plugin, ArtifactGroupRef, ArtifactSubscription, Config, CounterGroupMonitor,
    CounterGroupRef, CounterRecord, CounterSubscription, EngineMonitor, EngineSubscription,
    FlowMonitor, FlowRecord, FlowSubscription, FlowTracker, FlowTrackerInfo, FtsMonitor, FtsRecord,
    HostHandle, Monitors, ResourceMonitor, ResourceRecord, Timestamp, TopperRecord, Vote,
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

/// Resource monitor (API 1.3): every resource group (URLs, file hashes,
/// and those plugins register), every callback; the flush filter abstains.
pub struct SkeletonResources {
    _host: HostHandle,
}

impl ResourceMonitor for SkeletonResources {
    fn subscription(&self) -> ArtifactSubscription {
        ArtifactSubscription::everything()
    }
    fn on_new_resource(&mut self, _resource: &ResourceRecord<'_>) {}
    fn on_begin_flush(&mut self, _group: &ArtifactGroupRef<'_>, _ts: Timestamp) {}
    fn flush_filter(&mut self, _resource: &ResourceRecord<'_>) -> Vote {
        Vote::Abstain
    }
    fn on_flush(&mut self, _resource: &ResourceRecord<'_>) {}
    fn on_end_flush(&mut self, _group: &ArtifactGroupRef<'_>, _ts: Timestamp) {}
    fn on_metronome(&mut self, _ts: Timestamp, _tick_count: u64, _tick_interval: u32) {}
}

/// Full-text document monitor (API 1.3): every FTS group (HTTP headers,
/// and those plugins register), every callback; the flush filter abstains.
pub struct SkeletonFts {
    _host: HostHandle,
}

impl FtsMonitor for SkeletonFts {
    fn subscription(&self) -> ArtifactSubscription {
        ArtifactSubscription::everything()
    }
    fn on_new_document(&mut self, _doc: &FtsRecord<'_>) {}
    fn on_begin_flush(&mut self, _group: &ArtifactGroupRef<'_>, _ts: Timestamp) {}
    fn flush_filter(&mut self, _doc: &FtsRecord<'_>) -> Vote {
        Vote::Abstain
    }
    fn on_flush(&mut self, _doc: &FtsRecord<'_>) {}
    fn on_end_flush(&mut self, _group: &ArtifactGroupRef<'_>, _ts: Timestamp) {}
    fn on_metronome(&mut self, _ts: Timestamp, _tick_count: u64, _tick_interval: u32) {}
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
        .resource(SkeletonResources {
            _host: host.clone(),
        })
        .fts(SkeletonFts {
            _host: host.clone(),
        })
        .flow(SkeletonFlows { _host: host }))
}

export_plugin! {
    name: "skeleton",
    description: "every monitor type, subscribed to everything, doing nothing",
    monitors: [Engine, Flow, CounterGroup, FlowTracker, Resource, Fts],
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::abi::ext::Extensions;
    use weir_plugin_api::testing::{self, flow_record, RecordingHost};
    use weir_plugin_api::{guid, ArtifactFlow, FtsAttribute, MeterType, MonitorKind, KEEP_METER};

    const ALL_KINDS: [MonitorKind; 6] = [
        MonitorKind::Engine,
        MonitorKind::Flow,
        MonitorKind::CounterGroup,
        MonitorKind::FlowTracker,
        MonitorKind::Resource,
        MonitorKind::Fts,
    ];

    #[test]
    fn returns_every_monitor_kind_subscribed_to_everything() {
        let host = RecordingHost::new();
        let mut m = testing::construct("", &host, &ALL_KINDS, new_instance).unwrap();
        let engine = m.engine.as_mut().unwrap().subscription().unwrap();
        assert_eq!(engine, EngineSubscription::everything());
        let flows = m.flow.as_mut().unwrap().subscription().unwrap();
        assert_eq!(flows, FlowSubscription::everything());
        let counters = m.counter_group.as_mut().unwrap().subscription().unwrap();
        assert_eq!(counters, CounterSubscription::everything());
        let tracker = m.flow_tracker.as_mut().unwrap();
        assert_eq!(tracker.info().unwrap().name.as_str(), "skeleton");
        let f = flow_record("F", 6, ("10.0.0.1", 40000), ("10.0.0.2", 80));
        assert_eq!(tracker.metric(&f).unwrap(), 0);
        let resources = m.resource.as_mut().unwrap().subscription().unwrap();
        assert_eq!(resources, ArtifactSubscription::everything());
        let fts = m.fts.as_mut().unwrap().subscription().unwrap();
        assert_eq!(fts, ArtifactSubscription::everything());
        assert!(host.calls().is_empty());
    }

    #[test]
    fn counter_callbacks_do_nothing_and_vote_nothing() {
        let kinds = [MeterType::Counter, MeterType::RateCounter];
        let group = CounterGroupRef {
            guid: guid::CG_HOSTS,
            name: "Hosts".into(),
            interval_secs: 60,
            topper_bucket_secs: 300,
            meter_kinds: kinds.as_slice().into(),
            ext: Extensions::NONE,
        };
        let values = [10, 20];
        let key = CounterRecord {
            key: "C0.A8.01.04".into(),
            label: "192.168.1.4".into(),
            values: values.as_slice().into(),
            ext: Extensions::NONE,
        };
        let entry = TopperRecord {
            meter: 1,
            rank: 1,
            key: "C0.A8.01.04".into(),
            label: "192.168.1.4".into(),
            value: 20,
            ext: Extensions::NONE,
        };
        let host = RecordingHost::new();
        let mut m = SkeletonCounters {
            _host: host.handle(),
        };
        let ts = Timestamp::from_secs(1_427_726_700);
        let mut overrides = [KEEP_METER; 2];
        assert_eq!(
            m.flush_filter(&group, ts, &key, &mut overrides),
            Vote::Abstain
        );
        assert_eq!(overrides, [KEEP_METER; 2], "no meter replaced");
        assert!(m.on_begin_topper_flush(&group, ts, 1));
        assert_eq!(m.topper_filter(&group, ts, &entry), Vote::Abstain);
        m.on_new_key(&group, ts, key.key());
        m.on_update(&group, ts, &key);
        m.on_begin_flush(&group, ts);
        m.on_flush(&group, ts, &key);
        m.on_end_flush(&group, ts);
        m.on_topper_flush(&group, ts, &entry);
        m.on_end_topper_flush(&group, ts, 1);
        m.on_metronome(ts, 1, 1);
        assert!(host.calls().is_empty());
    }

    #[test]
    fn artifact_callbacks_do_nothing_and_vote_nothing() {
        let group = ArtifactGroupRef {
            guid: guid::RG_URL,
            name: "URL Resources (HTTP)".into(),
            ext: Extensions::NONE,
        };
        let ts = Timestamp::from_secs(1_427_726_700);
        let resource = ResourceRecord {
            group,
            ts,
            flow: ArtifactFlow::NONE,
            uri: "GET example.com /".into(),
            label: "200 usec:1500".into(),
            ext: Extensions::NONE,
        };
        let attributes = [FtsAttribute {
            name: "CODE".into(),
            value: "200".into(),
        }];
        let doc = FtsRecord {
            group: ArtifactGroupRef {
                guid: guid::FTS_HTTP_HEADERS,
                name: "HTTP Header FTS".into(),
                ext: Extensions::NONE,
            },
            ts,
            flow: ArtifactFlow::NONE,
            key: "F/0/response".into(),
            text: "HTTP/1.1 200 OK\r\n\r\n".into(),
            attributes: attributes.as_slice().into(),
            ext: Extensions::NONE,
        };
        let host = RecordingHost::new();
        let mut r = SkeletonResources {
            _host: host.handle(),
        };
        assert_eq!(r.flush_filter(&resource), Vote::Abstain);
        r.on_new_resource(&resource);
        r.on_begin_flush(&group, ts);
        r.on_flush(&resource);
        r.on_end_flush(&group, ts);
        r.on_metronome(ts, 1, 1);
        let mut f = SkeletonFts {
            _host: host.handle(),
        };
        assert_eq!(f.flush_filter(&doc), Vote::Abstain);
        f.on_new_document(&doc);
        f.on_begin_flush(&doc.group, ts);
        f.on_flush(&doc);
        f.on_end_flush(&doc.group, ts);
        f.on_metronome(ts, 1, 1);
        assert!(host.calls().is_empty());
    }

    #[test]
    fn any_config_key_is_refused() {
        let err = testing::construct(
            r#"{"x":"1"}"#,
            &RecordingHost::new(),
            &ALL_KINDS,
            new_instance,
        )
        .err()
        .unwrap();
        assert!(err.starts_with(r#"unknown key "x""#), "{err}");
    }
}
