//! The `artifact_dispatch` module deals with resource and FTS events on an
//! instance's own thread (API 1.3): `on_new_*`, filter votes and the flush
//! sequence of each subscribed group, and the metronome.
//!
//! Each event carries the whole batch (shared by every instance); the
//! instance takes the items of the groups it subscribed to and skips those
//! it added itself, so that an item never loops back to its author.

use std::sync::Arc;

use crossbeam_channel::Sender;
use weir_plugin_api::objects::{FtsMonitorObject, ResourceMonitorObject};
use weir_plugin_api::{ArtifactEvents, ArtifactGroupRef, Guid, Timestamp, Vote};

use super::instance::Runner;
use crate::artifacts::{FtsDoc, Origin, Resource};

/// One resource or FTS event for an instance.
pub enum ArtifactEvent {
    /// The groups the instance's monitors subscribed to, resolved when the
    /// run starts (sent before any other artifact event).
    Subscribed {
        /// Resource groups (GUID, name).
        resource: Vec<(Guid, String)>,
        /// FTS groups (GUID, name).
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
        /// Every resource group, in order.
        groups: Arc<Vec<(Guid, String)>>,
        /// The interval's resources.
        items: Arc<Vec<Resource>>,
        /// Vote outcome per item.
        keep: Arc<Vec<bool>>,
    },
    /// The FTS flush of the interval ending at `ts`.
    FtsFlush {
        /// End of the interval.
        ts: Timestamp,
        /// Every FTS group, in order.
        groups: Arc<Vec<(Guid, String)>>,
        /// The interval's documents.
        items: Arc<Vec<FtsDoc>>,
        /// Vote outcome per item.
        keep: Arc<Vec<bool>>,
    },
}

/// An instance's resource and FTS monitors and what they listen to.
#[derive(Default)]
pub(crate) struct ArtifactMonitors {
    pub(crate) resource: Option<ResourceMonitorObject>,
    pub(crate) resource_events: ArtifactEvents,
    resource_groups: Vec<(Guid, String)>,
    pub(crate) fts: Option<FtsMonitorObject>,
    pub(crate) fts_events: ArtifactEvents,
    fts_groups: Vec<(Guid, String)>,
}

fn name_of<'a>(groups: &'a [(Guid, String)], g: &Guid) -> Option<&'a str> {
    groups.iter().find(|(x, _)| x == g).map(|(_, n)| n.as_str())
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
            resource,
            resource_events,
            fts,
            fts_events,
            ..ArtifactMonitors::default()
        }
    }
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
        if self
            .artifacts
            .resource_events
            .contains(ArtifactEvents::METRONOME)
        {
            if let Some(m) = self.artifacts.resource.as_mut() {
                let r = {
                    let _busy = self.stats.busy("on_metronome");
                    m.on_metronome(ts, tick, 1)
                };
                if self.check(r).is_none() {
                    return;
                }
            }
        }
        if self
            .artifacts
            .fts_events
            .contains(ArtifactEvents::METRONOME)
        {
            if let Some(m) = self.artifacts.fts.as_mut() {
                let r = {
                    let _busy = self.stats.busy("on_metronome");
                    m.on_metronome(ts, tick, 1)
                };
                self.check(r);
            }
        }
    }

    pub(crate) fn artifact_event(&mut self, event: ArtifactEvent) {
        let me = self.origin();
        match event {
            ArtifactEvent::Subscribed { resource, fts } => {
                self.artifacts.resource_groups = resource;
                self.artifacts.fts_groups = fts;
            }
            ArtifactEvent::NewResources(items) => {
                for r in items.iter().filter(|r| r.origin != me) {
                    let Some(name) = name_of(&self.artifacts.resource_groups, &r.group) else {
                        continue;
                    };
                    if self.disabled() {
                        return;
                    }
                    let Some(m) = self.artifacts.resource.as_mut() else {
                        return;
                    };
                    self.state.set_now(r.ts);
                    let res = {
                        let _busy = self.stats.busy("on_new_resource");
                        r.with_record(name, |rec| m.on_new_resource(rec))
                    };
                    self.check(res);
                }
            }
            ArtifactEvent::NewFts(items) => {
                for d in items.iter().filter(|d| d.origin != me) {
                    let Some(name) = name_of(&self.artifacts.fts_groups, &d.group) else {
                        continue;
                    };
                    if self.disabled() {
                        return;
                    }
                    let Some(m) = self.artifacts.fts.as_mut() else {
                        return;
                    };
                    self.state.set_now(d.ts);
                    let res = {
                        let _busy = self.stats.busy("on_new_document");
                        d.with_record(name, |rec| m.on_new_document(rec))
                    };
                    self.check(res);
                }
            }
            ArtifactEvent::ResourceFilter { items, reply } => {
                let mut votes = vec![Vote::Abstain; items.len()];
                for (i, r) in items.iter().enumerate() {
                    let Some(name) = name_of(&self.artifacts.resource_groups, &r.group) else {
                        continue;
                    };
                    if r.origin == me || self.disabled() {
                        continue;
                    }
                    let Some(m) = self.artifacts.resource.as_mut() else {
                        break;
                    };
                    let res = {
                        let _busy = self.stats.busy("flush_filter");
                        r.with_record(name, |rec| m.flush_filter(rec))
                    };
                    match self.check(res) {
                        Some(v) => votes[i] = v,
                        None => votes.iter_mut().for_each(|v| *v = Vote::Abstain),
                    }
                }
                let _ = reply.send(votes);
            }
            ArtifactEvent::FtsFilter { items, reply } => {
                let mut votes = vec![Vote::Abstain; items.len()];
                for (i, d) in items.iter().enumerate() {
                    let Some(name) = name_of(&self.artifacts.fts_groups, &d.group) else {
                        continue;
                    };
                    if d.origin == me || self.disabled() {
                        continue;
                    }
                    let Some(m) = self.artifacts.fts.as_mut() else {
                        break;
                    };
                    let res = {
                        let _busy = self.stats.busy("flush_filter");
                        d.with_record(name, |rec| m.flush_filter(rec))
                    };
                    match self.check(res) {
                        Some(v) => votes[i] = v,
                        None => votes.iter_mut().for_each(|v| *v = Vote::Abstain),
                    }
                }
                let _ = reply.send(votes);
            }
            ArtifactEvent::ResourceFlush {
                ts,
                items,
                keep,
                groups: _,
            } => {
                self.state.set_now(ts);
                let groups = self.artifacts.resource_groups.clone();
                for (guid, name) in &groups {
                    let group = ArtifactGroupRef {
                        guid: *guid,
                        name: name.as_str().into(),
                        ext: weir_plugin_api::abi::ext::Extensions::NONE,
                    };
                    macro_rules! call {
                        ($label:literal, $m:ident => $e:expr) => {{
                            if self.disabled() {
                                return;
                            }
                            let Some($m) = self.artifacts.resource.as_mut() else {
                                return;
                            };
                            let r = {
                                let _busy = self.stats.busy($label);
                                $e
                            };
                            if self.check(r).is_none() {
                                return;
                            }
                        }};
                    }
                    call!("on_begin_flush", m => m.on_begin_flush(&group, ts));
                    for (r, kept) in items.iter().zip(keep.iter()) {
                        if !kept || r.group != *guid || r.origin == me {
                            continue;
                        }
                        call!("on_flush", m => r.with_record(name, |rec| m.on_flush(rec)));
                    }
                    call!("on_end_flush", m => m.on_end_flush(&group, ts));
                }
            }
            ArtifactEvent::FtsFlush {
                ts,
                items,
                keep,
                groups: _,
            } => {
                self.state.set_now(ts);
                let groups = self.artifacts.fts_groups.clone();
                for (guid, name) in &groups {
                    let group = ArtifactGroupRef {
                        guid: *guid,
                        name: name.as_str().into(),
                        ext: weir_plugin_api::abi::ext::Extensions::NONE,
                    };
                    macro_rules! call {
                        ($label:literal, $m:ident => $e:expr) => {{
                            if self.disabled() {
                                return;
                            }
                            let Some($m) = self.artifacts.fts.as_mut() else {
                                return;
                            };
                            let r = {
                                let _busy = self.stats.busy($label);
                                $e
                            };
                            if self.check(r).is_none() {
                                return;
                            }
                        }};
                    }
                    call!("on_begin_flush", m => m.on_begin_flush(&group, ts));
                    for (d, kept) in items.iter().zip(keep.iter()) {
                        if !kept || d.group != *guid || d.origin == me {
                            continue;
                        }
                        call!("on_flush", m => d.with_record(name, |rec| m.on_flush(rec)));
                    }
                    call!("on_end_flush", m => m.on_end_flush(&group, ts));
                }
            }
        }
    }
}
