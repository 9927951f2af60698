//! The `instance` module deals with running one plugin instance: its own
//! thread, its bounded queue of events, and what happens when it fails.
//!
//! The coordinator is the only producer. Events are delivered in the order
//! they were queued. When the queue is full the producer blocks (reading files
//! is lossless) and counts one unit of back-pressure; in live capture it drops
//! the event instead and counts it ([`RunningInstance::set_lossy`]). A callback that returns
//! an error (a caught panic) disables the instance: it keeps draining its queue
//! without calling the plugin and answers filter votes with `Abstain`, so the
//! rest of the run is unaffected. A callback that never returns is found by
//! the engine's watchdog through [`InstanceStats::stuck_in`]: the instance is
//! then abandoned (nothing more is queued or awaited, its thread is not
//! joined).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Receiver, SendTimeoutError, Sender, TrySendError};
use weir_plugin_api::objects::{
    CounterGroupMonitorObject, EngineMonitorObject, FlowMonitorObject, FlowTrackerObject,
    FtsMonitorObject, InstanceMonitors, ResourceMonitorObject,
};
use weir_plugin_api::{
    ArtifactEvents, ArtifactSubscription, CounterEvents, CounterSubscription, EngineSubscription,
    FlowEvents, FlowSubscription, FlowTrackerInfo, Guid, Timestamp, Vote,
};

use super::artifact_dispatch::{ArtifactEvent, ArtifactMonitors};

use super::counter_dispatch::{CounterEvent, TrackerEvent, TrackerOutput, TrackerState};
use super::host::InstanceState;
use crate::flow::{FlowEvent, FlowSnapshot};

/// Default queue depth of an instance, in events (an event may carry a batch of flows).
pub const DEFAULT_QUEUE_DEPTH: usize = 1024;

/// One unit of work for an instance.
pub enum PluginEvent {
    /// New-flow, update and terminate events, in order.
    Flows(Arc<Vec<FlowEvent>>),
    /// Metronome tick.
    Metronome {
        /// Stream time of the tick.
        ts: Timestamp,
        /// Tick number from 1.
        tick: u64,
    },
    /// Engine monitor: flush begins.
    EngineBeginFlush(Timestamp),
    /// Flow monitor: flush begins.
    FlowBeginFlush(Timestamp),
    /// Flow monitor: vote on these flows; answer with one vote per flow.
    Filter {
        /// The flows of this flush.
        flows: Arc<Vec<FlowSnapshot>>,
        /// Where to send the votes.
        reply: Sender<Vec<Vote>>,
    },
    /// Flow monitor: these flows are flushed; `keep[i]` says whether flow `i` survived the vote.
    Flush {
        /// The flows of this flush.
        flows: Arc<Vec<FlowSnapshot>>,
        /// Vote outcome per flow.
        keep: Arc<Vec<bool>>,
    },
    /// Flow monitor: flush ends.
    FlowEndFlush(Timestamp),
    /// Engine monitor: flush ends.
    EngineEndFlush(Timestamp),
    /// Counter-group monitor (API 1.1).
    Counter(CounterEvent),
    /// Flow tracker (API 1.1).
    Tracker(TrackerEvent),
    /// Resource and FTS monitors (API 1.3).
    Artifact(ArtifactEvent),
    /// Answer when everything queued before has been handled.
    Barrier(Sender<()>),
}

/// Counters of one instance, readable while it runs.
#[derive(Debug, Default)]
pub struct InstanceStats {
    /// Callbacks invoked.
    pub callbacks: AtomicU64,
    /// Times the producer found the queue full and had to wait.
    pub backpressure: AtomicU64,
    /// Events dropped because the queue was full (live capture only: there
    /// the producer never waits, see [`RunningInstance::set_lossy`]).
    pub dropped: AtomicU64,
    /// Set once the instance has been disabled.
    pub disabled: AtomicBool,
    /// Error reports (panics, hangs), in order.
    pub errors: Mutex<Vec<String>>,
    /// Set when the watchdog found a callback that did not return in time.
    pub hung: AtomicBool,
    /// While a callback runs: when it started (ms on the engine's monotonic
    /// clock, plus one), else 0.
    busy_since: AtomicU64,
    /// Name of the callback running (meaningful while `busy_since` is set).
    busy_in: Mutex<&'static str>,
}

/// Milliseconds since the first call, on a monotonic clock (never 0).
fn monotonic_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    EPOCH
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
        + 1
}

/// Marks a callback as running until dropped.
pub(crate) struct Busy<'a>(&'a InstanceStats);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy_since.store(0, Ordering::Release);
    }
}

impl InstanceStats {
    /// Disables the instance, recording and printing `report` (one line).
    fn disable(&self, report: String) {
        crate::diag::line(format_args!("weir: {report}"));
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(report);
        self.disabled.store(true, Ordering::Release);
    }

    pub(crate) fn busy(&self, callback: &'static str) -> Busy<'_> {
        *self.busy_in.lock().unwrap_or_else(|e| e.into_inner()) = callback;
        self.busy_since.store(monotonic_ms(), Ordering::Release);
        Busy(self)
    }

    /// The callback running for longer than `limit`, if any.
    pub fn stuck_in(&self, limit: std::time::Duration) -> Option<&'static str> {
        let since = self.busy_since.load(Ordering::Acquire);
        if since == 0 || monotonic_ms().saturating_sub(since) < limit.as_millis() as u64 {
            return None;
        }
        Some(*self.busy_in.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Disables the instance because `callback` did not return within `limit`.
    pub fn mark_hung(&self, label: &str, callback: &str, limit: std::time::Duration) {
        if self.hung.swap(true, Ordering::AcqRel) {
            return;
        }
        self.disable(format!(
            "plugin {label} did not return from {callback} within {} s: instance disabled, its thread abandoned",
            limit.as_secs()
        ));
    }
}

/// The engine's side of a running instance.
pub struct RunningInstance {
    /// Identity and clock.
    pub state: Arc<InstanceState>,
    /// Library path.
    pub path: String,
    /// Counters.
    pub stats: Arc<InstanceStats>,
    /// Engine-monitor subscription, when the instance has an engine monitor.
    pub engine_sub: Option<EngineSubscription>,
    /// Flow-monitor subscription, when the instance has a flow monitor.
    pub flow_sub: Option<FlowSubscription>,
    /// Counter-group monitor subscription, when the instance has one.
    pub counter_sub: Option<CounterSubscription>,
    /// The counter groups (store ids) the subscription matched, resolved
    /// when the run starts.
    pub counter_groups: Vec<usize>,
    /// Flow-tracker settings, when the instance has a flow tracker.
    pub tracker_info: Option<FlowTrackerInfo>,
    /// Resource-monitor subscription, when the instance has one (API 1.3).
    pub resource_sub: Option<ArtifactSubscription>,
    /// The resource groups it matched, resolved when the run starts.
    pub resource_groups: Vec<Guid>,
    /// FTS-monitor subscription, when the instance has one (API 1.3).
    pub fts_sub: Option<ArtifactSubscription>,
    /// The FTS groups it matched, resolved when the run starts.
    pub fts_groups: Vec<Guid>,
    /// Monitor kinds the plugin returned that this weir does not know (a
    /// newer plugin's); they were dropped unused.
    pub ignored_monitors: Vec<String>,
    tx: Option<Sender<PluginEvent>>,
    thread: Option<JoinHandle<()>>,
    lossy: bool,
}

impl RunningInstance {
    /// Reads the subscriptions and starts the instance's thread.
    ///
    /// Fails (before anything runs) when a subscription call itself fails.
    pub fn start(
        state: Arc<InstanceState>,
        path: String,
        monitors: InstanceMonitors,
        queue_depth: usize,
    ) -> Result<RunningInstance, String> {
        let InstanceMonitors {
            mut engine,
            mut flow,
            mut counter_group,
            mut flow_tracker,
            mut resource,
            mut fts,
            ignored,
        } = monitors;
        let ignored = ignored.into_iter().map(|k| k.name()).collect();
        let engine_sub = engine
            .as_mut()
            .map(EngineMonitorObject::subscription)
            .transpose()?;
        let flow_sub = flow
            .as_mut()
            .map(FlowMonitorObject::subscription)
            .transpose()?;
        if let Some(sub) = &flow_sub {
            session_group(sub)?;
        }
        let counter_sub = counter_group
            .as_mut()
            .map(CounterGroupMonitorObject::subscription)
            .transpose()?;
        let tracker_info = flow_tracker
            .as_mut()
            .map(FlowTrackerObject::info)
            .transpose()?
            .map(|i| TrackerState::new(i).info);
        let resource_sub = resource
            .as_mut()
            .map(ResourceMonitorObject::subscription)
            .transpose()?;
        let fts_sub = fts
            .as_mut()
            .map(FtsMonitorObject::subscription)
            .transpose()?;
        let events =
            |s: &Option<ArtifactSubscription>| s.as_ref().map_or(ArtifactEvents(0), |s| s.events);
        let artifacts =
            ArtifactMonitors::new(resource, events(&resource_sub), fts, events(&fts_sub));
        let (tx, rx) = bounded(queue_depth.max(1));
        let stats = Arc::new(InstanceStats::default());
        let runner = Runner {
            state: state.clone(),
            stats: stats.clone(),
            engine,
            flow,
            flow_events: flow_sub.map_or(FlowEvents(0), |s| s.events),
            engine_sub: engine_sub.unwrap_or_default(),
            counter: counter_group,
            counter_events: counter_sub.as_ref().map_or(CounterEvents(0), |s| s.events),
            tracker_state: tracker_info.clone().map(TrackerState::new),
            tracker: flow_tracker,
            tracker_out: None,
            artifacts,
        };
        let name = format!("plugin-{}", state.label());
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || runner.run(rx))
            .map_err(|e| format!("cannot start thread: {e}"))?;
        Ok(RunningInstance {
            state,
            path,
            stats,
            engine_sub,
            flow_sub,
            counter_sub,
            counter_groups: Vec::new(),
            tracker_info,
            resource_sub,
            resource_groups: Vec::new(),
            fts_sub,
            fts_groups: Vec::new(),
            ignored_monitors: ignored,
            tx: Some(tx),
            thread: Some(thread),
            lossy: false,
        })
    }

    /// Whether the flow monitor wants any of `events`.
    pub fn wants_flow(&self, events: FlowEvents) -> bool {
        self.flow_sub.is_some_and(|s| s.events.0 & events.0 != 0)
    }

    /// Whether the counter-group monitor wants any of `events` for group `g`
    /// (and the instance is still enabled).
    pub fn wants_counters(&self, g: usize, events: CounterEvents) -> bool {
        self.counter_sub
            .as_ref()
            .is_some_and(|s| s.events.0 & events.0 != 0)
            && self.counter_groups.contains(&g)
            && !self.stats.disabled.load(Ordering::Relaxed)
    }

    /// Whether the resource monitor wants any of `events` (and the
    /// instance is still enabled).
    pub fn wants_resources(&self, events: ArtifactEvents) -> bool {
        self.resource_sub
            .as_ref()
            .is_some_and(|s| s.events.0 & events.0 != 0)
            && !self.stats.disabled.load(Ordering::Relaxed)
    }

    /// Whether the FTS monitor wants any of `events` (and the instance is
    /// still enabled).
    pub fn wants_fts(&self, events: ArtifactEvents) -> bool {
        self.fts_sub
            .as_ref()
            .is_some_and(|s| s.events.0 & events.0 != 0)
            && !self.stats.disabled.load(Ordering::Relaxed)
    }

    /// Whether the resource monitor votes in its flush filter.
    pub fn votes_resources(&self) -> bool {
        self.wants_resources(ArtifactEvents::FLUSH_FILTER)
    }

    /// Whether the FTS monitor votes in its flush filter.
    pub fn votes_fts(&self) -> bool {
        self.wants_fts(ArtifactEvents::FLUSH_FILTER)
    }

    /// Whether the instance has a flow tracker.
    pub fn tracks(&self) -> bool {
        self.tracker_info.is_some()
    }

    /// Whether the flow monitor votes in the flush filter (and is still enabled).
    pub fn votes(&self) -> bool {
        self.flow_sub.is_some_and(|s| s.filter) && !self.stats.disabled.load(Ordering::Relaxed)
    }

    /// Live capture: [`RunningInstance::send`] never waits; an event that
    /// finds the queue full is dropped and counted
    /// ([`InstanceStats::dropped`]). A dropped request (a flush-filter vote,
    /// a barrier) counts as answered: the vote as abstaining.
    pub fn set_lossy(&mut self, lossy: bool) {
        self.lossy = lossy;
    }

    /// Queues `event`, waiting while the queue is full (counted as
    /// back-pressure), or, when lossy, dropping it (counted as dropped).
    pub fn send(&self, event: PluginEvent) {
        let Some(tx) = &self.tx else { return };
        if self.stats.hung.load(Ordering::Acquire) {
            return;
        }
        let mut event = match tx.try_send(event) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => return,
            Err(TrySendError::Full(_)) if self.lossy => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(TrySendError::Full(event)) => event,
        };
        self.stats.backpressure.fetch_add(1, Ordering::Relaxed);
        // Wait for room, but give up on an instance the watchdog abandoned.
        loop {
            match tx.send_timeout(event, std::time::Duration::from_millis(100)) {
                Ok(()) | Err(SendTimeoutError::Disconnected(_)) => return,
                Err(SendTimeoutError::Timeout(e)) => {
                    if self.stats.hung.load(Ordering::Acquire) {
                        return;
                    }
                    event = e;
                }
            }
        }
    }

    /// Waits for the answer to a `Filter` event; `None` when the instance's
    /// thread is gone without answering (counted as abstaining).
    pub fn await_votes(&self, reply: &Receiver<Vec<Vote>>) -> Option<Vec<Vote>> {
        self.await_reply(reply)
    }

    /// Live capture: waits for a `Filter` answer until `deadline` at most; a
    /// late answer counts as abstaining and as one dropped event.
    pub fn await_votes_until(
        &self,
        reply: &Receiver<Vec<Vote>>,
        deadline: std::time::Instant,
    ) -> Option<Vec<Vote>> {
        match reply.recv_deadline(deadline) {
            Ok(votes) => Some(votes),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Waits for the answer to any request event (votes); `None` when the
    /// instance's thread is gone without answering.
    pub fn await_reply<T>(&self, reply: &Receiver<T>) -> Option<T> {
        loop {
            match reply.recv_timeout(std::time::Duration::from_millis(200)) {
                Ok(answer) => return Some(answer),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return None,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    let gone = self.thread.as_ref().is_none_or(|t| t.is_finished());
                    if gone || self.stats.hung.load(Ordering::Acquire) {
                        return reply.try_recv().ok();
                    }
                }
            }
        }
    }

    /// Closes the queue and waits until the instance has handled everything
    /// queued and dropped its monitors.
    ///
    /// An instance the watchdog abandoned is not waited for: its thread is
    /// left to end with the process, and its monitors are never dropped.
    pub fn finish(&mut self) {
        self.tx.take();
        if self.stats.hung.load(Ordering::Acquire) {
            self.thread.take();
            return;
        }
        if let Some(t) = self.thread.take() {
            // Poll rather than block in `join`, so that a callback that hangs
            // while the queue drains can still be abandoned by the watchdog.
            while !t.is_finished() {
                if self.stats.hung.load(Ordering::Acquire) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            if t.join().is_err() {
                let label = self.state.label();
                self.stats.disable(format!(
                    "plugin {label} dispatcher thread failed: instance disabled"
                ));
            }
        }
    }
}

impl Drop for RunningInstance {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The session group a flow subscription names, by name (any case, a
/// substring of the group's name) or else by GUID.
pub fn session_group(sub: &FlowSubscription) -> Result<weir_plugin_api::Guid, String> {
    let groups = weir_plugin_api::guid::BUILTIN_SESSION_GROUPS;
    let name = sub.group_name.as_str();
    let found = if name.is_empty() {
        groups.iter().find(|(g, _)| *g == sub.group)
    } else {
        let wanted = name.to_lowercase();
        groups
            .iter()
            .find(|(_, n)| n.to_lowercase().contains(&wanted))
    };
    match (found, name.is_empty()) {
        (Some((g, _)), _) => Ok(*g),
        (None, true) => Err(format!(
            "flow monitor subscribes to unknown session group {}",
            sub.group
        )),
        (None, false) => Err(format!(
            "flow monitor subscribes to unknown session group name {name:?}"
        )),
    }
}

/// An instance's thread: its monitors and what they subscribed to.
pub(crate) struct Runner {
    pub(crate) state: Arc<InstanceState>,
    pub(crate) stats: Arc<InstanceStats>,
    engine: Option<EngineMonitorObject>,
    flow: Option<FlowMonitorObject>,
    flow_events: FlowEvents,
    engine_sub: EngineSubscription,
    pub(crate) counter: Option<CounterGroupMonitorObject>,
    pub(crate) counter_events: CounterEvents,
    pub(crate) tracker: Option<FlowTrackerObject>,
    pub(crate) tracker_state: Option<TrackerState>,
    pub(crate) tracker_out: Option<Arc<Mutex<TrackerOutput>>>,
    pub(crate) artifacts: ArtifactMonitors,
}

impl Runner {
    fn run(mut self, rx: Receiver<PluginEvent>) {
        for event in rx.iter() {
            // The plugin's own panics are caught on its side of the boundary;
            // this catches the engine's (so the thread always drains its queue).
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(event)));
            if let Err(payload) = outcome {
                let msg = weir_plugin_api::guard::panic_message(&*payload);
                self.stats.disable(format!(
                    "plugin {} dispatcher failed: {msg}: instance disabled",
                    self.state.label()
                ));
            }
        }
        // Dropping the monitors here, on the instance's own thread, lets a
        // plugin flush its files in `Drop` before the run reports completion.
        drop(self.flow.take());
        drop(self.counter.take());
        drop(self.tracker.take());
        drop(self.artifacts.resource.monitor.take());
        drop(self.artifacts.fts.monitor.take());
        drop(self.engine.take());
    }

    pub(crate) fn disabled(&self) -> bool {
        self.stats.disabled.load(Ordering::Relaxed)
    }

    /// Records the outcome of a callback; disables the instance on error.
    pub(crate) fn check<T>(&self, result: Result<T, String>) -> Option<T> {
        self.stats.callbacks.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(v) => Some(v),
            Err(msg) => {
                self.stats.disable(format!(
                    "plugin {} {}: instance disabled",
                    self.state.label(),
                    msg
                ));
                None
            }
        }
    }

    fn handle(&mut self, event: PluginEvent) {
        if self.disabled() {
            match event {
                PluginEvent::Filter { flows, reply } => {
                    let _ = reply.send(vec![Vote::Abstain; flows.len()]);
                }
                PluginEvent::Counter(CounterEvent::Filter {
                    rows, reply, group, ..
                }) => {
                    let m = group.kinds.len();
                    let _ = reply.send(
                        rows.iter()
                            .map(|_| (Vote::Abstain, vec![weir_plugin_api::KEEP_METER; m]))
                            .collect(),
                    );
                }
                PluginEvent::Counter(CounterEvent::TopperFilter { entries, reply, .. }) => {
                    let _ = reply.send(vec![Vote::Abstain; entries.len()]);
                }
                PluginEvent::Barrier(reply) => {
                    let _ = reply.send(());
                }
                PluginEvent::Artifact(e) => Runner::abstain_artifacts(e),
                _ => {}
            }
            return;
        }
        match event {
            PluginEvent::Flows(batch) => self.flows(&batch),
            PluginEvent::Metronome { ts, tick } => {
                self.state.set_now(ts);
                if self.engine_sub.metronome {
                    if let Some(m) = self.engine.as_mut() {
                        let r = {
                            let _busy = self.stats.busy("on_metronome");
                            m.on_metronome(ts, tick, 1)
                        };
                        if self.check(r).is_none() {
                            return;
                        }
                    }
                }
                if self.flow_events.contains(FlowEvents::METRONOME) {
                    if let Some(m) = self.flow.as_mut() {
                        let r = {
                            let _busy = self.stats.busy("on_metronome");
                            m.on_metronome(ts, tick, 1)
                        };
                        if self.check(r).is_none() {
                            return;
                        }
                    }
                }
                if self.counter_events.contains(CounterEvents::METRONOME) {
                    if let Some(m) = self.counter.as_mut() {
                        let r = {
                            let _busy = self.stats.busy("on_metronome");
                            m.on_metronome(ts, tick, 1)
                        };
                        if self.check(r).is_none() {
                            return;
                        }
                    }
                }
                self.artifact_metronome(ts, tick);
                if self.disabled() {
                    return;
                }
                if self
                    .tracker_state
                    .as_ref()
                    .is_some_and(|s| s.info.metronome)
                {
                    if let Some(t) = self.tracker.as_mut() {
                        let r = {
                            let _busy = self.stats.busy("on_metronome");
                            t.on_metronome(ts, tick, 1)
                        };
                        self.check(r);
                    }
                }
            }
            PluginEvent::Counter(e) => self.counter_event(e),
            PluginEvent::Barrier(reply) => {
                let _ = reply.send(());
            }
            PluginEvent::Tracker(e) => self.tracker_event(e),
            PluginEvent::Artifact(e) => self.artifact_event(e),
            PluginEvent::EngineBeginFlush(ts) => {
                self.state.set_now(ts);
                if let Some(m) = self.engine.as_mut() {
                    let r = {
                        let _busy = self.stats.busy("on_begin_flush");
                        m.on_begin_flush(ts)
                    };
                    self.check(r);
                }
            }
            PluginEvent::EngineEndFlush(ts) => {
                self.state.set_now(ts);
                if let Some(m) = self.engine.as_mut() {
                    let r = {
                        let _busy = self.stats.busy("on_end_flush");
                        m.on_end_flush(ts)
                    };
                    self.check(r);
                }
            }
            PluginEvent::FlowBeginFlush(ts) => {
                self.state.set_now(ts);
                if let Some(m) = self.flow.as_mut() {
                    let r = {
                        let _busy = self.stats.busy("on_begin_flush");
                        m.on_begin_flush(ts)
                    };
                    self.check(r);
                }
            }
            PluginEvent::FlowEndFlush(ts) => {
                self.state.set_now(ts);
                if let Some(m) = self.flow.as_mut() {
                    let r = {
                        let _busy = self.stats.busy("on_end_flush");
                        m.on_end_flush(ts)
                    };
                    self.check(r);
                }
            }
            PluginEvent::Filter { flows, reply } => {
                let mut votes = vec![Vote::Abstain; flows.len()];
                for (i, f) in flows.iter().enumerate() {
                    if self.disabled() {
                        break;
                    }
                    let Some(m) = self.flow.as_mut() else { break };
                    let r = {
                        let _busy = self.stats.busy("flush_filter");
                        m.flush_filter(&f.record())
                    };
                    if let Some(v) = self.check(r) {
                        votes[i] = v;
                    } else {
                        votes.iter_mut().for_each(|v| *v = Vote::Abstain);
                    }
                }
                let _ = reply.send(votes);
            }
            PluginEvent::Flush { flows, keep } => {
                for (f, kept) in flows.iter().zip(keep.iter()) {
                    if !kept {
                        continue;
                    }
                    if self.disabled() {
                        break;
                    }
                    let Some(m) = self.flow.as_mut() else { break };
                    let r = {
                        let _busy = self.stats.busy("on_flush");
                        m.on_flush(&f.record())
                    };
                    self.check(r);
                }
            }
        }
    }

    fn flows(&mut self, batch: &[FlowEvent]) {
        let want = self.flow_events;
        for event in batch {
            if self.disabled() {
                return;
            }
            let Some(m) = self.flow.as_mut() else { return };
            let r = match event {
                FlowEvent::New(s) if want.contains(FlowEvents::NEW_FLOW) => {
                    self.state.set_now(s.last_ts);
                    let _busy = self.stats.busy("on_new_flow");
                    m.on_new_flow(&s.record())
                }
                FlowEvent::Update(s) if want.contains(FlowEvents::UPDATE) => {
                    self.state.set_now(s.last_ts);
                    let _busy = self.stats.busy("on_update");
                    m.on_update(&s.record())
                }
                FlowEvent::Terminate(s) if want.contains(FlowEvents::TERMINATE) => {
                    self.state.set_now(s.last_ts);
                    let _busy = self.stats.busy("on_terminate");
                    m.on_terminate(&s.record())
                }
                _ => continue,
            };
            self.check(r);
        }
    }
}
