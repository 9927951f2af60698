//! The `counter_dispatch` module deals with delivering the counter-group
//! and flow-tracker streams (API 1.1) on an instance's thread: the events
//! the coordinator queues ([`CounterEvent`], [`TrackerEvent`]), the filter
//! votes it waits for, and each flow tracker's top K per bucket, which the
//! instance keeps and writes to `flowtrackers.ndjson` itself (off the
//! coordinator).

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crossbeam_channel::Sender;
use weir_plugin_api::abi::ext::Extensions;
use weir_plugin_api::{
    CounterEvents, CounterRecord, FlowTrackerInfo, Timestamp, TopperRecord, Vote, KEEP_METER,
};

use super::instance::Runner;
use crate::counters::store::{GroupView, RowData, TopperData};
use crate::flow::FlowSnapshot;
use crate::output::{push_json_str, push_ts, push_u64};

/// One counter-group event for an instance's counter-group monitor.
pub enum CounterEvent {
    /// Keys new to the group.
    NewKeys {
        /// The group.
        group: Arc<GroupView>,
        /// Stream time.
        ts: Timestamp,
        /// The keys.
        keys: Arc<Vec<String>>,
    },
    /// Keys that changed this second, with their values so far.
    Updates {
        /// The group.
        group: Arc<GroupView>,
        /// Stream time.
        ts: Timestamp,
        /// The rows.
        rows: Arc<Vec<RowData>>,
    },
    /// Vote on these rows; answer with one (vote, overrides) per row.
    Filter {
        /// The group.
        group: Arc<GroupView>,
        /// End of the interval.
        ts: Timestamp,
        /// The rows, totals first.
        rows: Arc<Vec<RowData>>,
        /// Where the answer goes.
        reply: Sender<Vec<(Vote, Vec<i64>)>>,
    },
    /// The group's flush: `on_begin_flush`, `on_flush` per row, `on_end_flush`.
    Flush {
        /// The group.
        group: Arc<GroupView>,
        /// End of the interval.
        ts: Timestamp,
        /// The rows as written.
        rows: Arc<Vec<RowData>>,
    },
    /// Vote on these topper entries; answer with one vote per entry.
    TopperFilter {
        /// The group.
        group: Arc<GroupView>,
        /// End of the bucket's last interval.
        ts: Timestamp,
        /// The entries, meter by meter.
        entries: Arc<Vec<TopperData>>,
        /// Where the answer goes.
        reply: Sender<Vec<Vote>>,
    },
    /// The group's topper flush, meter by meter.
    TopperFlush {
        /// The group.
        group: Arc<GroupView>,
        /// End of the bucket's last interval.
        ts: Timestamp,
        /// The entries as written.
        entries: Arc<Vec<TopperData>>,
    },
}

/// One event for an instance's flow tracker.
pub enum TrackerEvent {
    /// The flows flushed in the interval ending at `ts` (`keep[i]`: written).
    Flows {
        /// End of the interval.
        ts: Timestamp,
        /// Interval length, seconds.
        interval: u64,
        /// The flows.
        flows: Arc<Vec<FlowSnapshot>>,
        /// Which were kept by the flush filter.
        keep: Arc<Vec<bool>>,
    },
    /// The interval ending at `ts` is flushed: write the bucket if it ends here.
    Flush {
        /// End of the interval.
        ts: Timestamp,
        /// The last flush of the run.
        eof: bool,
        /// Where tracker lines go.
        out: Arc<Mutex<TrackerOutput>>,
    },
}

/// `flowtrackers.ndjson`, shared by the instances' threads.
pub struct TrackerOutput {
    sink: Box<dyn Write + Send>,
    /// Lines written.
    pub lines: u64,
    /// The first write error.
    pub error: Option<String>,
}

impl TrackerOutput {
    /// Lines go to `sink`.
    pub fn new(sink: Box<dyn Write + Send>) -> TrackerOutput {
        TrackerOutput {
            sink,
            lines: 0,
            error: None,
        }
    }

    fn write(&mut self, text: &str, lines: u64) {
        if self.error.is_some() {
            return;
        }
        match self.sink.write_all(text.as_bytes()) {
            Ok(()) => self.lines += lines,
            Err(e) => self.error = Some(format!("flowtrackers.ndjson: {e}")),
        }
    }

    /// Flushes the file.
    pub fn flush(&mut self) {
        if let Err(e) = self.sink.flush() {
            self.error
                .get_or_insert(format!("flowtrackers.ndjson: {e}"));
        }
    }
}

/// A flow tracker's bucket in progress.
pub struct TrackerState {
    /// The tracker's settings (defaults applied).
    pub info: FlowTrackerInfo,
    bucket_secs: u64,
    bucket_start: Option<u64>,
    /// Best metric per flow (by handle) in the bucket.
    best: HashMap<u64, (i64, FlowSnapshot)>,
}

impl TrackerState {
    /// A tracker with `info` (0 bucket: 300 s; 0 count: 100).
    pub fn new(mut info: FlowTrackerInfo) -> TrackerState {
        if info.bucket_secs == 0 {
            info.bucket_secs = 300;
        }
        if info.count == 0 {
            info.count = 100;
        }
        TrackerState {
            bucket_secs: u64::from(info.bucket_secs),
            info,
            bucket_start: None,
            best: HashMap::new(),
        }
    }
}

fn record<'a>(key: &'a str, label: &'a str, values: &'a [i64]) -> CounterRecord<'a> {
    CounterRecord {
        key: key.into(),
        label: label.into(),
        values: values.into(),
        ext: Extensions::NONE,
    }
}

fn topper(e: &TopperData) -> TopperRecord<'_> {
    TopperRecord {
        meter: e.meter,
        rank: e.rank,
        key: e.key.as_str().into(),
        label: e.label.as_str().into(),
        value: e.value,
        ext: Extensions::NONE,
    }
}

impl Runner {
    /// Delivers one counter-group event.
    pub(crate) fn counter_event(&mut self, event: CounterEvent) {
        let want = self.counter_events;
        match event {
            CounterEvent::NewKeys { group, ts, keys } => {
                self.state.set_now(ts);
                let g = group.as_group_ref();
                for key in keys.iter() {
                    let Some(m) = self.counter.as_mut() else {
                        return;
                    };
                    let r = {
                        let _busy = self.stats.busy("on_new_key");
                        m.on_new_key(&g, ts, key)
                    };
                    if self.check(r).is_none() {
                        return;
                    }
                }
            }
            CounterEvent::Updates { group, ts, rows } => {
                self.state.set_now(ts);
                let g = group.as_group_ref();
                for row in rows.iter() {
                    let Some(m) = self.counter.as_mut() else {
                        return;
                    };
                    let r = {
                        let _busy = self.stats.busy("on_update");
                        m.on_update(&g, ts, &record(&row.key, &row.label, &row.values))
                    };
                    if self.check(r).is_none() {
                        return;
                    }
                }
            }
            CounterEvent::Filter {
                group,
                ts,
                rows,
                reply,
            } => {
                let m = group.kinds.len();
                let mut answer: Vec<(Vote, Vec<i64>)> = rows
                    .iter()
                    .map(|_| (Vote::Abstain, vec![KEEP_METER; m]))
                    .collect();
                let g = group.as_group_ref();
                for (row, slot) in rows.iter().zip(answer.iter_mut()) {
                    if self.disabled() {
                        break;
                    }
                    let Some(mon) = self.counter.as_mut() else {
                        break;
                    };
                    let mut overrides = vec![KEEP_METER; m];
                    let r = {
                        let _busy = self.stats.busy("flush_filter");
                        mon.flush_filter(
                            &g,
                            ts,
                            &record(&row.key, &row.label, &row.values),
                            &mut overrides,
                        )
                    };
                    match self.check(r) {
                        Some(v) => *slot = (v, overrides),
                        None => {
                            for a in answer.iter_mut() {
                                *a = (Vote::Abstain, vec![KEEP_METER; m]);
                            }
                            break;
                        }
                    }
                }
                let _ = reply.send(answer);
            }
            CounterEvent::Flush { group, ts, rows } => {
                self.state.set_now(ts);
                if !want.contains(CounterEvents::FLUSH) {
                    return;
                }
                let g = group.as_group_ref();
                let Some(m) = self.counter.as_mut() else {
                    return;
                };
                let r = {
                    let _busy = self.stats.busy("on_begin_flush");
                    m.on_begin_flush(&g, ts)
                };
                if self.check(r).is_none() {
                    return;
                }
                for row in rows.iter() {
                    let Some(m) = self.counter.as_mut() else {
                        return;
                    };
                    let r = {
                        let _busy = self.stats.busy("on_flush");
                        m.on_flush(&g, ts, &record(&row.key, &row.label, &row.values))
                    };
                    if self.check(r).is_none() {
                        return;
                    }
                }
                let Some(m) = self.counter.as_mut() else {
                    return;
                };
                let r = {
                    let _busy = self.stats.busy("on_end_flush");
                    m.on_end_flush(&g, ts)
                };
                self.check(r);
            }
            CounterEvent::TopperFilter {
                group,
                ts,
                entries,
                reply,
            } => {
                let mut votes = vec![Vote::Abstain; entries.len()];
                let g = group.as_group_ref();
                for (e, slot) in entries.iter().zip(votes.iter_mut()) {
                    if self.disabled() {
                        break;
                    }
                    let Some(m) = self.counter.as_mut() else {
                        break;
                    };
                    let r = {
                        let _busy = self.stats.busy("topper_filter");
                        m.topper_filter(&g, ts, &topper(e))
                    };
                    match self.check(r) {
                        Some(v) => *slot = v,
                        None => {
                            votes.iter_mut().for_each(|v| *v = Vote::Abstain);
                            break;
                        }
                    }
                }
                let _ = reply.send(votes);
            }
            CounterEvent::TopperFlush { group, ts, entries } => {
                self.state.set_now(ts);
                if !want.contains(CounterEvents::TOPPER_FLUSH) {
                    return;
                }
                let g = group.as_group_ref();
                let mut start = 0;
                while start < entries.len() {
                    let meter = entries[start].meter;
                    let end = entries[start..]
                        .iter()
                        .position(|e| e.meter != meter)
                        .map_or(entries.len(), |n| start + n);
                    let Some(m) = self.counter.as_mut() else {
                        return;
                    };
                    let r = {
                        let _busy = self.stats.busy("on_begin_topper_flush");
                        m.on_begin_topper_flush(&g, ts, meter)
                    };
                    let Some(wanted) = self.check(r) else { return };
                    if wanted {
                        for e in &entries[start..end] {
                            let Some(m) = self.counter.as_mut() else {
                                return;
                            };
                            let r = {
                                let _busy = self.stats.busy("on_topper_flush");
                                m.on_topper_flush(&g, ts, &topper(e))
                            };
                            if self.check(r).is_none() {
                                return;
                            }
                        }
                    }
                    let Some(m) = self.counter.as_mut() else {
                        return;
                    };
                    let r = {
                        let _busy = self.stats.busy("on_end_topper_flush");
                        m.on_end_topper_flush(&g, ts, meter)
                    };
                    if self.check(r).is_none() {
                        return;
                    }
                    start = end;
                }
            }
        }
    }

    /// Delivers one flow-tracker event.
    pub(crate) fn tracker_event(&mut self, event: TrackerEvent) {
        match event {
            TrackerEvent::Flows {
                ts,
                interval,
                flows,
                keep,
            } => {
                let Some(state) = self.tracker_state.as_mut() else {
                    return;
                };
                let start = ts.secs.saturating_sub(interval);
                let bucket =
                    state.bucket_secs.max(interval).div_ceil(interval.max(1)) * interval.max(1);
                let bucket_start = start - start % bucket;
                if state.bucket_start.is_some_and(|b| b != bucket_start) {
                    self.write_tracker(ts, None);
                }
                for (f, kept) in flows.iter().zip(keep.iter()) {
                    if !kept || self.disabled() {
                        continue;
                    }
                    let Some(t) = self.tracker.as_mut() else {
                        return;
                    };
                    let r = {
                        let _busy = self.stats.busy("metric");
                        t.metric(&f.record())
                    };
                    let Some(metric) = self.check(r) else { return };
                    if metric <= 0 {
                        continue;
                    }
                    let Some(state) = self.tracker_state.as_mut() else {
                        return;
                    };
                    state.bucket_start = Some(bucket_start);
                    let best = state.best.entry(f.handle.0).or_insert((metric, f.clone()));
                    if metric >= best.0 {
                        *best = (metric, f.clone());
                    }
                }
                if let Some(state) = self.tracker_state.as_mut() {
                    state.bucket_secs = bucket;
                }
            }
            TrackerEvent::Flush { ts, eof, out } => {
                let due = self.tracker_state.as_ref().is_some_and(|s| {
                    s.bucket_start.is_some() && (eof || ts.secs.is_multiple_of(s.bucket_secs))
                });
                if due {
                    self.write_tracker(ts, Some(&out));
                } else {
                    self.tracker_out = Some(out);
                }
            }
        }
    }

    fn write_tracker(&mut self, ts: Timestamp, out: Option<&Arc<Mutex<TrackerOutput>>>) {
        let out = match out.cloned().or_else(|| self.tracker_out.clone()) {
            Some(o) => o,
            None => return,
        };
        let Some(state) = self.tracker_state.as_mut() else {
            return;
        };
        let Some(start) = state.bucket_start.take() else {
            return;
        };
        let mut ranked: Vec<(i64, FlowSnapshot)> =
            std::mem::take(&mut state.best).into_values().collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.first_ts.cmp(&b.1.first_ts))
                .then_with(|| a.1.id.as_str().cmp(b.1.id.as_str()))
        });
        ranked.truncate(state.info.count as usize);
        let (name, bucket) = (state.info.name.to_string(), state.bucket_secs);
        if let Some(t) = self.tracker.as_mut() {
            let r = {
                let _busy = self.stats.busy("on_begin_flush");
                t.on_begin_flush(ts)
            };
            if self.check(r).is_none() {
                return;
            }
        }
        let mut text = String::new();
        let label = self.state.label();
        for (rank, (metric, f)) in ranked.iter().enumerate() {
            let r = f.record();
            text.push_str("{\"tracker\":");
            push_json_str(&mut text, &name);
            text.push_str(",\"plugin\":");
            push_json_str(&mut text, &label);
            text.push_str(",\"start_ts\":");
            push_u64(&mut text, start);
            text.push_str(",\"bucket\":");
            push_u64(&mut text, bucket);
            text.push_str(",\"rank\":");
            push_u64(&mut text, rank as u64 + 1);
            text.push_str(",\"metric\":");
            crate::output::push_i64(&mut text, *metric);
            text.push_str(",\"flow_id\":");
            push_json_str(&mut text, r.id());
            text.push_str(&format!(
                ",\"proto\":{},\"a_ip\":\"{}\",\"a_port\":{},\"z_ip\":\"{}\",\"z_port\":{},\"az_bytes\":{},\"za_bytes\":{},\"az_packets\":{},\"za_packets\":{},\"first_ts\":",
                r.proto, r.a_ip, r.a_port, r.z_ip, r.z_port, r.az_bytes, r.za_bytes, r.az_packets, r.za_packets
            ));
            push_ts(&mut text, r.first_ts);
            text.push_str(",\"last_ts\":");
            push_ts(&mut text, r.last_ts);
            text.push_str("}\n");
        }
        out.lock()
            .unwrap_or_else(|e| e.into_inner())
            .write(&text, ranked.len() as u64);
        if let Some(t) = self.tracker.as_mut() {
            let r = {
                let _busy = self.stats.busy("on_end_flush");
                t.on_end_flush(ts)
            };
            self.check(r);
        }
    }
}
