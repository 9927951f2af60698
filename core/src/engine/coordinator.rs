//! The `coordinator` module deals with the thread between the packet workers
//! and the plugins: it merges the workers' event streams, lines them up at
//! every marker (a barrier), runs the flush sequence of each interval, writes
//! `flows.ndjson` and feeds every plugin instance's queue.
//!
//! **Flush order** at each interval boundary (and once more at end of input):
//! engine `on_begin_flush` → counter groups (the workers' shards merged in
//! worker order, `counters.ndjson`, and `toppers.ndjson` when a topper bucket
//! closes; counter-group monitors' filters and callbacks) → flow `on_begin_flush` → flush-filter votes from
//! the instances that declared a filter → `on_flush` for every kept flow, and
//! its `flows.ndjson` line → flow `on_end_flush` → flow trackers (the kept
//! flows, then their bucket's end) → resources, then FTS documents
//! (after a barrier, so that what plugins added while flows flushed is in;
//! see `crate::artifacts::stream`) → engine `on_end_flush`.
//! A flow is dropped when at least one instance votes `Drop` and none votes
//! `Keep`; a dropped flow is neither written nor seen by any `on_flush`.
//! The flows of one flush are sorted by first time, id, VLANs and last time,
//! so the output does not depend on how flows were sharded over workers.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crossbeam_channel::{bounded, Receiver, Select};
use weir_plugin_api::{ArtifactEvents, FlowEvents, Timestamp};

use super::counter_flush::{apply_feedback, send_updates, PluginHook};
use super::worker::{Marker, WorkerOut};
use crate::artifacts::ArtifactStream;
use crate::counters::shard::CounterShard;
use crate::counters::CounterStore;
use crate::flow::{FlowSnapshot, TableStats};
use crate::output::counters::CounterOutput;
use crate::output::flows::FlowWriter;
use crate::plugin::counter_dispatch::{TrackerEvent, TrackerOutput};
use crate::plugin::counter_host::CounterFeedback;
use crate::plugin::{PluginEvent, RunningInstance};

/// What the coordinator counted.
#[derive(Debug, Default, Clone)]
pub struct CoordinatorStats {
    /// Flow records written to `flows.ndjson`.
    pub flow_records: u64,
    /// Flow records dropped by the flush-filter vote.
    pub flow_records_dropped: u64,
    /// Flushes run (interval boundaries plus the final one).
    pub flushes: u64,
    /// Counters of every worker's table.
    pub tables: Vec<TableStats>,
    /// The application layers' counters, summed over workers.
    pub app: crate::app::AppStats,
    /// A write error on `flows.ndjson`, if any.
    pub io_error: Option<String>,
    /// A write error on `counters.ndjson` or `toppers.ndjson`, if any.
    pub counters_error: Option<String>,
}

/// The coordinator's inputs and outputs.
pub struct Coordinator<W: Write> {
    /// One output channel per worker.
    pub workers: Vec<Receiver<WorkerOut>>,
    /// Running plugin instances (returned by [`Coordinator::run`]).
    pub instances: Vec<RunningInstance>,
    /// Where flow records go.
    pub flows: FlowWriter<W>,
    /// The counter groups (returned by [`Coordinator::run`]).
    pub counters: CounterStore,
    /// Where counter rows and toppers go.
    pub counter_out: CounterOutput,
    /// What plugins feed back to the counter groups.
    pub counter_feedback: Receiver<CounterFeedback>,
    /// Groups with real-time subscribers (`on_update`, `on_new_key`).
    pub tracked: Vec<usize>,
    /// `flowtrackers.ndjson`, written by the tracker instances.
    pub trackers: Arc<Mutex<TrackerOutput>>,
    /// The resource and FTS streams (returned by [`Coordinator::run`]).
    pub artifacts: ArtifactStream,
    /// Interval length, seconds.
    pub interval_secs: u64,
    /// Live capture: the flush does not wait for plugins at its barriers
    /// (a slow plugin must not hold the packet path up; what it feeds back
    /// lands in the interval being flushed when the coordinator sees it),
    /// and waits [`LIVE_VOTE_WAIT`] at most for flush-filter votes.
    pub live: bool,
    /// Live capture: `capture.ndjson`, one line per flush.
    pub capture_log: Option<super::capture_log::CaptureLog>,
}

/// Live capture: how long a flush waits for the flush-filter votes of all
/// instances together; a vote not in by then counts as abstaining (and as a
/// dropped event of its instance).
pub const LIVE_VOTE_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// The last microsecond before `end` (an interval's end).
fn last_instant(end: Timestamp) -> Timestamp {
    Timestamp::from_micros(end.as_micros().saturating_sub(1))
}

/// What the coordinator hands back when the workers are done.
pub struct CoordinatorEnd {
    /// The instances (still running, their queues possibly not drained).
    pub instances: Vec<RunningInstance>,
    /// What it counted.
    pub stats: CoordinatorStats,
    /// The counter groups.
    pub counters: CounterStore,
    /// Their output.
    pub counter_out: CounterOutput,
    /// Feedback not yet applied (sent while the plugins drain).
    pub counter_feedback: Receiver<CounterFeedback>,
    /// The capture log, when live (for its write error).
    pub capture_log: Option<super::capture_log::CaptureLog>,
    /// The resource and FTS streams (items plugins add while draining
    /// still to be written).
    pub artifacts: ArtifactStream,
}

/// What one worker handed over at a marker.
type Arrival = (Marker, Vec<FlowSnapshot>, Option<Box<CounterShard>>);

impl<W: Write> Coordinator<W> {
    /// Runs until every worker is done; returns the instances (still running,
    /// their queues possibly not yet drained), the counters and the counter
    /// groups.
    pub fn run(mut self) -> CoordinatorEnd {
        let n = self.workers.len();
        let mut stats = CoordinatorStats::default();
        let mut reached: Vec<Option<Arrival>> = (0..n).map(|_| None).collect();
        let mut done = vec![false; n];
        let flow_event_kinds = FlowEvents::NEW_FLOW | FlowEvents::UPDATE | FlowEvents::TERMINATE;
        loop {
            if reached.iter().zip(&done).all(|(r, d)| r.is_some() || *d)
                && reached.iter().any(Option::is_some)
            {
                let mut marker = None;
                let mut flush = Vec::new();
                for r in reached.iter_mut() {
                    if let Some((m, mut f, shard)) = r.take() {
                        marker = Some(m);
                        flush.append(&mut f);
                        if let Some(shard) = shard {
                            self.counters.merge(&shard);
                        }
                    }
                }
                apply_feedback(&mut self.counters, &self.counter_feedback);
                if let Some(m) = marker {
                    self.at_marker(m, flush, &mut stats);
                }
                continue;
            }
            let waiting: Vec<usize> = (0..n)
                .filter(|&i| reached[i].is_none() && !done[i])
                .collect();
            if waiting.is_empty() {
                break;
            }
            let mut sel = Select::new();
            for &i in &waiting {
                sel.recv(&self.workers[i]);
            }
            let op = sel.select();
            let i = waiting[op.index()];
            match op.recv(&self.workers[i]) {
                Ok(WorkerOut::Events(batch)) => {
                    if batch.is_empty() {
                        continue;
                    }
                    let batch = Arc::new(batch);
                    for inst in self
                        .instances
                        .iter()
                        .filter(|i| i.wants_flow(flow_event_kinds))
                    {
                        inst.send(PluginEvent::Flows(batch.clone()));
                    }
                }
                Ok(WorkerOut::Artifacts(items)) => self.artifacts.push(items),
                Ok(WorkerOut::Reached(marker, flush, shard)) => {
                    reached[i] = Some((marker, flush, shard))
                }
                Ok(WorkerOut::Done(t, app)) => {
                    stats.tables.push(t);
                    stats.app.add(&app);
                    done[i] = true;
                }
                Err(_) => done[i] = true,
            }
        }
        if let Err(e) = self.flows.flush() {
            stats.io_error.get_or_insert(e.to_string());
        }
        CoordinatorEnd {
            instances: self.instances,
            stats,
            counters: self.counters,
            counter_out: self.counter_out,
            counter_feedback: self.counter_feedback,
            capture_log: self.capture_log,
            artifacts: self.artifacts,
        }
    }

    fn at_marker(
        &mut self,
        marker: Marker,
        flush: Vec<FlowSnapshot>,
        stats: &mut CoordinatorStats,
    ) {
        match marker {
            Marker::Tick { ts, tick } => {
                send_updates(&mut self.counters, &self.instances, &self.tracked, ts);
                self.artifacts.deliver_new(&self.instances);
                for inst in &self.instances {
                    let wants = inst.engine_sub.is_some_and(|s| s.metronome)
                        || inst.wants_flow(FlowEvents::METRONOME)
                        || inst.wants_resources(ArtifactEvents::METRONOME)
                        || inst.wants_fts(ArtifactEvents::METRONOME);
                    if wants {
                        inst.send(PluginEvent::Metronome { ts, tick });
                    }
                }
            }
            Marker::Boundary { end_sec } => {
                self.flush(Timestamp::from_secs(end_sec), false, flush, stats)
            }
            Marker::Eof { end_sec } => {
                if end_sec > 0 || !flush.is_empty() || self.artifacts.has_items() {
                    self.flush(Timestamp::from_secs(end_sec), true, flush, stats);
                }
            }
        }
    }

    fn flush(
        &mut self,
        ts: Timestamp,
        eof: bool,
        mut flows: Vec<FlowSnapshot>,
        stats: &mut CoordinatorStats,
    ) {
        stats.flushes += 1;
        if let Some(log) = &mut self.capture_log {
            let dropped = self
                .instances
                .iter()
                .map(|i| i.stats.dropped.load(std::sync::atomic::Ordering::Relaxed))
                .sum();
            log.interval(ts.secs, self.interval_secs, dropped);
        }
        // Handles name the worker, so they break ties only after everything
        // that does not depend on sharding.
        flows.sort_by(|a, b| {
            let key = |f: &FlowSnapshot| {
                (
                    f.first_ts,
                    f.key.vlan_count,
                    f.key.vlan,
                    f.last_ts,
                    f.handle.0,
                )
            };
            (a.first_ts, a.id.as_str())
                .cmp(&(b.first_ts, b.id.as_str()))
                .then_with(|| key(a).cmp(&key(b)))
        });
        let flows = Arc::new(flows);
        for inst in self
            .instances
            .iter()
            .filter(|i| i.engine_sub.is_some_and(|s| s.flush))
        {
            inst.send(PluginEvent::EngineBeginFlush(ts));
        }
        // Every instance has handled what came before the boundary, so its
        // counter feedback lands in this interval on every run.
        self.barrier();
        apply_feedback(&mut self.counters, &self.counter_feedback);
        // Real-time subscribers see every key's final values (and every new
        // key) before its flush, whatever the ticks saw, stamped with the
        // interval's last microsecond.
        send_updates(
            &mut self.counters,
            &self.instances,
            &self.tracked,
            last_instant(ts),
        );
        self.counters.flush_with(
            ts.secs,
            eof,
            &mut self.counter_out,
            &mut PluginHook {
                instances: &self.instances,
            },
        );
        let flushers: Vec<usize> = (0..self.instances.len())
            .filter(|&i| self.instances[i].wants_flow(FlowEvents::FLUSH))
            .collect();
        for &i in &flushers {
            self.instances[i].send(PluginEvent::FlowBeginFlush(ts));
        }
        let keep = Arc::new(self.votes(&flows));
        for &i in &flushers {
            self.instances[i].send(PluginEvent::Flush {
                flows: flows.clone(),
                keep: keep.clone(),
            });
        }
        for (flow, kept) in flows.iter().zip(keep.iter()) {
            if !kept {
                stats.flow_records_dropped += 1;
                continue;
            }
            if let Err(e) = self.flows.write(flow) {
                stats.io_error.get_or_insert(e.to_string());
            } else {
                stats.flow_records += 1;
            }
        }
        for &i in &flushers {
            self.instances[i].send(PluginEvent::FlowEndFlush(ts));
        }
        for inst in self.instances.iter().filter(|i| i.tracks()) {
            inst.send(PluginEvent::Tracker(TrackerEvent::Flows {
                ts,
                interval: self.interval_secs,
                flows: flows.clone(),
                keep: keep.clone(),
            }));
            inst.send(PluginEvent::Tracker(TrackerEvent::Flush {
                ts,
                eof,
                out: self.trackers.clone(),
            }));
        }
        // Resources and documents plugins added during the flows' flush
        // belong to this interval.
        if !self.instances.is_empty() {
            self.barrier();
        }
        self.artifacts.flush(ts, &self.instances, self.live);
        if eof {
            // Items added during this last flush (a resource raised in an
            // `on_flush`) get one more flush, an interval later, while the
            // plugins can still see them.
            self.barrier();
            self.artifacts.take_feedback();
            if self.artifacts.has_items() {
                let next = Timestamp::from_secs(ts.secs + self.interval_secs);
                self.artifacts.flush(next, &self.instances, self.live);
            }
            // Feedback raised during this last flush (a counter fed from a
            // flow's `on_flush`) gets one more counter flush, an interval
            // later, while the plugins can still see it.
            self.barrier();
            if apply_feedback(&mut self.counters, &self.counter_feedback) > 0 {
                let next = Timestamp::from_secs(ts.secs + self.interval_secs);
                send_updates(
                    &mut self.counters,
                    &self.instances,
                    &self.tracked,
                    last_instant(next),
                );
                self.counters.flush_with(
                    ts.secs + self.interval_secs,
                    true,
                    &mut self.counter_out,
                    &mut PluginHook {
                        instances: &self.instances,
                    },
                );
            }
        }
        for inst in self
            .instances
            .iter()
            .filter(|i| i.engine_sub.is_some_and(|s| s.flush))
        {
            inst.send(PluginEvent::EngineEndFlush(ts));
        }
    }

    /// Waits until every instance has handled everything queued so far
    /// (an instance that is gone or hung does not hold it up).
    fn barrier(&self) {
        if self.live {
            return;
        }
        let waits: Vec<_> = self
            .instances
            .iter()
            .map(|inst| {
                let (tx, rx) = bounded(1);
                inst.send(PluginEvent::Barrier(tx));
                (inst, rx)
            })
            .collect();
        for (inst, rx) in waits {
            let _ = inst.await_reply(&rx);
        }
    }

    /// Gathers the flush-filter votes; `keep[i]` is the outcome for flow `i`.
    fn votes(&self, flows: &Arc<Vec<FlowSnapshot>>) -> Vec<bool> {
        crate::plugin::votes::tally(&self.instances, self.live, flows.len(), |inst| {
            inst.votes().then(|| {
                let (tx, rx) = bounded(1);
                let e = PluginEvent::Filter {
                    flows: flows.clone(),
                    reply: tx,
                };
                (e, rx)
            })
        })
    }
}
