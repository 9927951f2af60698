//! The `artifact_dispatch` module deals with resource and FTS events on an
//! instance's own thread (API 1.3): `on_new_*`, filter votes and the flush
//! sequence of each subscribed group, and the metronome.
//!
//! Each event carries the whole batch (shared by every instance); the
//! instance takes the items of the groups it subscribed to and skips those
//! it added itself, so that an item never loops back to its author. Both
//! monitor kinds run the same code through `Watcher`.

use std::sync::Arc;

use crossbeam_channel::Sender;
use weir_plugin_api::abi::ext::Extensions;
use weir_plugin_api::objects::{FtsMonitorObject, ResourceMonitorObject};
use weir_plugin_api::{ArtifactEvents, ArtifactGroupRef, Guid, Timestamp, Vote};

use super::instance::Runner;
use crate::artifacts::stream::StreamItem;
use crate::artifacts::{FtsDoc, Origin, Resource};

/// One resource or FTS event for an instance.
pub enum ArtifactEvent {
    /// The groups the instance's monitors subscribed to, resolved when the
    /// run starts (sent before any other artifact event).
    Subscribed {
        /// Resource groups (GUID, name), in group order.
        resource: Vec<(Guid, String)>,
        /// FTS groups (GUID, name), in group order.
        fts: Vec<(Guid, String)>,
    },
    /// New resources (`on_new_resource`).
    NewResources(Arc<Vec<Resource>>),
    /// New documents (`on_new_document`).
    NewFts(Arc<Vec<FtsDoc>>),
    /// Vote on these resources, one vote per item.
    ResourceFilter {
        /// The interval's resources.
        items: Arc<Vec<Resource>>,
        /// Where the votes go.
        reply: Sender<Vec<Vote>>,
    },
    /// Vote on these documents, one vote per item.
    FtsFilter {
        /// The interval's documents.
        items: Arc<Vec<FtsDoc>>,
        /// Where the votes go.
        reply: Sender<Vec<Vote>>,
    },
    /// The resource flush of the interval ending at `ts`.
    ResourceFlush {
        /// End of the interval.
        ts: Timestamp,
        /// The interval's resources.
        items: Arc<Vec<Resource>>,
        /// Vote outcome per item.
        keep: Arc<Vec<bool>>,
    },
    /// The FTS flush of the interval ending at `ts`.
    FtsFlush {
        /// End of the interval.
        ts: Timestamp,
        /// The interval's documents.
        items: Arc<Vec<FtsDoc>>,
        /// Vote outcome per item.
        keep: Arc<Vec<bool>>,
    },
}

/// A host-side monitor object of one artifact kind, as the dispatcher
/// calls it (the items are built into their ABI records for each call).
pub(crate) trait Watcher<T> {
    fn on_new(&mut self, item: &T, group: &str) -> Result<(), String>;
    fn filter(&mut self, item: &T, group: &str) -> Result<Vote, String>;
    fn on_flush(&mut self, item: &T, group: &str) -> Result<(), String>;
    fn begin(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) -> Result<(), String>;
    fn end(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) -> Result<(), String>;
    fn metronome(&mut self, ts: Timestamp, tick: u64) -> Result<(), String>;
}

impl Watcher<Resource> for ResourceMonitorObject {
    fn on_new(&mut self, r: &Resource, group: &str) -> Result<(), String> {
        r.with_record(group, |rec| self.on_new_resource(rec))
    }
    fn filter(&mut self, r: &Resource, group: &str) -> Result<Vote, String> {
        r.with_record(group, |rec| self.flush_filter(rec))
    }
    fn on_flush(&mut self, r: &Resource, group: &str) -> Result<(), String> {
        r.with_record(group, |rec| ResourceMonitorObject::on_flush(self, rec))
    }
    fn begin(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) -> Result<(), String> {
        self.on_begin_flush(group, ts)
    }
    fn end(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) -> Result<(), String> {
        self.on_end_flush(group, ts)
    }
    fn metronome(&mut self, ts: Timestamp, tick: u64) -> Result<(), String> {
        self.on_metronome(ts, tick, 1)
    }
}

impl Watcher<FtsDoc> for FtsMonitorObject {
    fn on_new(&mut self, d: &FtsDoc, group: &str) -> Result<(), String> {
        d.with_record(group, |rec| self.on_new_document(rec))
    }
    fn filter(&mut self, d: &FtsDoc, group: &str) -> Result<Vote, String> {
        d.with_record(group, |rec| self.flush_filter(rec))
    }
    fn on_flush(&mut self, d: &FtsDoc, group: &str) -> Result<(), String> {
        d.with_record(group, |rec| FtsMonitorObject::on_flush(self, rec))
    }
    fn begin(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) -> Result<(), String> {
        self.on_begin_flush(group, ts)
    }
    fn end(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) -> Result<(), String> {
        self.on_end_flush(group, ts)
    }
    fn metronome(&mut self, ts: Timestamp, tick: u64) -> Result<(), String> {
        self.on_metronome(ts, tick, 1)
    }
}

/// One monitor kind of an instance: the monitor, its events, its groups.
pub(crate) struct Watch<M> {
    pub(crate) monitor: Option<M>,
    pub(crate) events: ArtifactEvents,
    groups: Vec<(Guid, String)>,
}

impl<M> Watch<M> {
    fn name_of(&self, g: &Guid) -> Option<&str> {
        self.groups
            .iter()
            .find(|(x, _)| x == g)
            .map(|(_, n)| n.as_str())
    }
}

/// An instance's resource and FTS monitors.
pub(crate) struct ArtifactMonitors {
    pub(crate) resource: Watch<ResourceMonitorObject>,
    pub(crate) fts: Watch<FtsMonitorObject>,
}

impl ArtifactMonitors {
    /// Monitors with their subscribed events.
    pub(crate) fn new(
        resource: Option<ResourceMonitorObject>,
        resource_events: ArtifactEvents,
        fts: Option<FtsMonitorObject>,
        fts_events: ArtifactEvents,
    ) -> ArtifactMonitors {
        ArtifactMonitors {
            resource: Watch {
                monitor: resource,
                events: resource_events,
                groups: Vec::new(),
            },
            fts: Watch {
                monitor: fts,
                events: fts_events,
                groups: Vec::new(),
            },
        }
    }
}

/// Picks one kind's [`Watch`] out of an instance's monitors.
type Pick<M> = fn(&mut ArtifactMonitors) -> &mut Watch<M>;

fn resources(a: &mut ArtifactMonitors) -> &mut Watch<ResourceMonitorObject> {
    &mut a.resource
}

fn documents(a: &mut ArtifactMonitors) -> &mut Watch<FtsMonitorObject> {
    &mut a.fts
}

impl Runner {
    fn origin(&self) -> Origin {
        Arc::as_ptr(&self.state) as usize
    }

    /// Answers a filter request of a disabled instance: abstain on everything.
    pub(crate) fn abstain_artifacts(event: ArtifactEvent) {
        match event {
            ArtifactEvent::ResourceFilter { items, reply } => {
                let _ = reply.send(vec![Vote::Abstain; items.len()]);
            }
            ArtifactEvent::FtsFilter { items, reply } => {
                let _ = reply.send(vec![Vote::Abstain; items.len()]);
            }
            _ => {}
        }
    }

    /// Calls the resource and FTS monitors' `on_metronome`, if subscribed.
    pub(crate) fn artifact_metronome(&mut self, ts: Timestamp, tick: u64) {
        self.watch_metronome::<Resource, _>(resources, ts, tick);
        self.watch_metronome::<FtsDoc, _>(documents, ts, tick);
    }

    pub(crate) fn artifact_event(&mut self, event: ArtifactEvent) {
        match event {
            ArtifactEvent::Subscribed { resource, fts } => {
                self.artifacts.resource.groups = resource;
                self.artifacts.fts.groups = fts;
            }
            ArtifactEvent::NewResources(items) => self.watch_new(resources, &items),
            ArtifactEvent::NewFts(items) => self.watch_new(documents, &items),
            ArtifactEvent::ResourceFilter { items, reply } => {
                let _ = reply.send(self.watch_filter(resources, &items));
            }
            ArtifactEvent::FtsFilter { items, reply } => {
                let _ = reply.send(self.watch_filter(documents, &items));
            }
            ArtifactEvent::ResourceFlush { ts, items, keep } => {
                self.watch_flush(resources, ts, &items, &keep)
            }
            ArtifactEvent::FtsFlush { ts, items, keep } => {
                self.watch_flush(documents, ts, &items, &keep)
            }
        }
    }

    /// Runs `call` on the monitor `pick` chooses, as the callback `label`,
    /// with the name of `group` (`None` when the monitor is gone, disabled,
    /// or not subscribed to `group`); a failure disables the instance.
    fn call_watch<M, R>(
        &mut self,
        pick: Pick<M>,
        label: &'static str,
        group: Option<&Guid>,
        call: impl FnOnce(&mut M, &str) -> Result<R, String>,
    ) -> Option<R> {
        if self.disabled() {
            return None;
        }
        let w = pick(&mut self.artifacts);
        let name = match group {
            Some(g) => w.name_of(g)?.to_string(),
            None => String::new(),
        };
        let m = w.monitor.as_mut()?;
        let r = {
            let _busy = self.stats.busy(label);
            call(m, &name)
        };
        self.check(r)
    }

    fn watch_metronome<T, M: Watcher<T>>(&mut self, pick: Pick<M>, ts: Timestamp, tick: u64) {
        if pick(&mut self.artifacts)
            .events
            .contains(ArtifactEvents::METRONOME)
        {
            self.call_watch(pick, "on_metronome", None, |m, _| m.metronome(ts, tick));
        }
    }

    fn watch_new<T: StreamItem, M: Watcher<T>>(&mut self, pick: Pick<M>, items: &[T]) {
        let me = self.origin();
        for item in items.iter().filter(|i| i.origin() != me) {
            self.state.set_now(item.ts());
            self.call_watch(pick, T::NEW_CALLBACK, Some(item.group()), |m, g| {
                m.on_new(item, g)
            });
        }
    }

    fn watch_filter<T: StreamItem, M: Watcher<T>>(
        &mut self,
        pick: Pick<M>,
        items: &[T],
    ) -> Vec<Vote> {
        let me = self.origin();
        let mut votes = vec![Vote::Abstain; items.len()];
        for (i, item) in items.iter().enumerate() {
            if item.origin() == me {
                continue;
            }
            let was_disabled = self.disabled();
            match self.call_watch(pick, "flush_filter", Some(item.group()), |m, g| {
                m.filter(item, g)
            }) {
                Some(v) => votes[i] = v,
                // A failure now: the instance abstains on every item.
                None if !was_disabled && self.disabled() => {
                    votes.iter_mut().for_each(|v| *v = Vote::Abstain);
                    break;
                }
                None => {}
            }
        }
        votes
    }

    fn watch_flush<T: StreamItem, M: Watcher<T>>(
        &mut self,
        pick: Pick<M>,
        ts: Timestamp,
        items: &[T],
        keep: &[bool],
    ) {
        self.state.set_now(ts);
        let me = self.origin();
        let groups = pick(&mut self.artifacts).groups.clone();
        for (guid, name) in &groups {
            let group = ArtifactGroupRef {
                guid: *guid,
                name: name.as_str().into(),
                ext: Extensions::NONE,
            };
            self.call_watch(pick, "on_begin_flush", None, |m, _| m.begin(&group, ts));
            for (item, kept) in items.iter().zip(keep) {
                if *kept && item.group() == guid && item.origin() != me {
                    self.call_watch(pick, "on_flush", Some(guid), |m, g| m.on_flush(item, g));
                }
            }
            self.call_watch(pick, "on_end_flush", None, |m, _| m.end(&group, ts));
            if self.disabled() {
                return;
            }
        }
    }
}
