//! The `stream` module deals with the coordinator's side of the resource
//! and FTS streams.
//!
//! Items reach the coordinator from the workers (before each marker) and
//! from plugins (a channel, drained at each marker). At every marker the
//! new items are sorted (time, flow, content: the same order whatever the
//! sharding), delivered to `on_new_*` of the subscribed instances, and held
//! for the interval's flush, which sorts the interval's items again
//! (plugins' items come in at markers that depend on thread timing). The
//! flush of each stream, after the flow flush: filter votes of the
//! instances that declared a filter (`crate::plugin::votes`), then each
//! subscribed instance's `on_begin_flush` / `on_flush` (kept items) /
//! `on_end_flush` per group, and the kept items' lines in
//! `resources.ndjson` and `fts.ndjson`. An item never goes back to the
//! instance that added it.
//!
//! Both streams run the same code ([`Half`]); what differs between them is
//! [`StreamItem`].

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver, Sender};
use weir_plugin_api::{ArtifactEvents, Guid, Timestamp, Vote};

use super::groups::{ArtifactGroups, GroupKind};
use super::item::{Artifact, FtsDoc, FtsLine, Origin, Resource, ResourceLine};
use crate::plugin::artifact_dispatch::ArtifactEvent;
use crate::plugin::{PluginEvent, RunningInstance};

/// What the streams counted (for `summary.json`).
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ArtifactStats {
    /// Resources written, by group name.
    pub resources: BTreeMap<String, u64>,
    /// Resources dropped by a flush-filter vote.
    pub resources_dropped: u64,
    /// FTS documents written, by group name.
    pub fts_documents: BTreeMap<String, u64>,
    /// FTS documents dropped by a flush-filter vote.
    pub fts_dropped: u64,
    /// Items plugins added.
    pub added_by_plugins: u64,
}

/// Where the kept items go.
pub struct ArtifactOutputs {
    /// `resources.ndjson`.
    pub resources: Box<dyn Write + Send>,
    /// `fts.ndjson`.
    pub fts: Box<dyn Write + Send>,
}

/// An item of one of the two streams: what the stream code needs to know
/// about it and about the instances that watch its kind.
pub trait StreamItem: Clone + Send + Sync + Sized + 'static {
    /// Its groups' registry.
    const KIND: GroupKind;
    /// Its output file.
    const FILE: &'static str;
    /// Its monitors' `on_new_*` callback.
    const NEW_CALLBACK: &'static str;
    /// Its output line.
    type Line<'a>: serde::Serialize
    where
        Self: 'a;
    /// Its group.
    fn group(&self) -> &Guid;
    /// Who added it.
    fn origin(&self) -> Origin;
    /// Its stream time.
    fn ts(&self) -> Timestamp;
    /// Its place in a batch.
    fn sort_key(&self) -> (Timestamp, &str, &str, &str);
    /// Its output line, its group named `name` (GUID as text `guid`).
    fn line<'a>(&'a self, guid: &'a str, name: &'a str) -> Self::Line<'a>;
    /// Whether `inst`'s monitor of this kind wants any of `events`.
    fn wants(inst: &RunningInstance, events: ArtifactEvents) -> bool;
    /// The `on_new_*` event.
    fn new_event(items: Arc<Vec<Self>>) -> ArtifactEvent;
    /// The filter request.
    fn filter_event(items: Arc<Vec<Self>>, reply: Sender<Vec<Vote>>) -> ArtifactEvent;
    /// The flush event.
    fn flush_event(ts: Timestamp, items: Arc<Vec<Self>>, keep: Arc<Vec<bool>>) -> ArtifactEvent;
}

impl StreamItem for Resource {
    const KIND: GroupKind = GroupKind::Resource;
    const FILE: &'static str = "resources.ndjson";
    const NEW_CALLBACK: &'static str = "on_new_resource";
    type Line<'a> = ResourceLine<'a>;
    fn group(&self) -> &Guid {
        &self.group
    }
    fn origin(&self) -> Origin {
        self.origin
    }
    fn ts(&self) -> Timestamp {
        self.ts
    }
    fn sort_key(&self) -> (Timestamp, &str, &str, &str) {
        Resource::sort_key(self)
    }
    fn line<'a>(&'a self, guid: &'a str, name: &'a str) -> ResourceLine<'a> {
        self.to_json(guid, name)
    }
    fn wants(inst: &RunningInstance, events: ArtifactEvents) -> bool {
        inst.wants_resources(events)
    }
    fn new_event(items: Arc<Vec<Self>>) -> ArtifactEvent {
        ArtifactEvent::NewResources(items)
    }
    fn filter_event(items: Arc<Vec<Self>>, reply: Sender<Vec<Vote>>) -> ArtifactEvent {
        ArtifactEvent::ResourceFilter { items, reply }
    }
    fn flush_event(ts: Timestamp, items: Arc<Vec<Self>>, keep: Arc<Vec<bool>>) -> ArtifactEvent {
        ArtifactEvent::ResourceFlush { ts, items, keep }
    }
}

impl StreamItem for FtsDoc {
    const KIND: GroupKind = GroupKind::Fts;
    const FILE: &'static str = "fts.ndjson";
    const NEW_CALLBACK: &'static str = "on_new_document";
    type Line<'a> = FtsLine<'a>;
    fn group(&self) -> &Guid {
        &self.group
    }
    fn origin(&self) -> Origin {
        self.origin
    }
    fn ts(&self) -> Timestamp {
        self.ts
    }
    fn sort_key(&self) -> (Timestamp, &str, &str, &str) {
        FtsDoc::sort_key(self)
    }
    fn line<'a>(&'a self, guid: &'a str, name: &'a str) -> FtsLine<'a> {
        self.to_json(guid, name)
    }
    fn wants(inst: &RunningInstance, events: ArtifactEvents) -> bool {
        inst.wants_fts(events)
    }
    fn new_event(items: Arc<Vec<Self>>) -> ArtifactEvent {
        ArtifactEvent::NewFts(items)
    }
    fn filter_event(items: Arc<Vec<Self>>, reply: Sender<Vec<Vote>>) -> ArtifactEvent {
        ArtifactEvent::FtsFilter { items, reply }
    }
    fn flush_event(ts: Timestamp, items: Arc<Vec<Self>>, keep: Arc<Vec<bool>>) -> ArtifactEvent {
        ArtifactEvent::FtsFlush { ts, items, keep }
    }
}

/// One stream at the coordinator.
pub struct Half<T: StreamItem> {
    out: Box<dyn Write + Send>,
    /// Since the last marker.
    new: Vec<T>,
    /// Delivered to `on_new_*`, waiting for the flush: the batches as they
    /// were shared with the instances (after the flush's barrier nobody
    /// holds them any more, so they are taken back without a copy).
    held: Vec<Arc<Vec<T>>>,
    written: BTreeMap<String, u64>,
    dropped: u64,
    error: Option<String>,
}

impl<T: StreamItem> Half<T> {
    fn new(out: Box<dyn Write + Send>) -> Half<T> {
        Half {
            out,
            new: Vec::new(),
            held: Vec::new(),
            written: BTreeMap::new(),
            dropped: 0,
            error: None,
        }
    }

    fn has_items(&self) -> bool {
        !self.new.is_empty() || self.held.iter().any(|b| !b.is_empty())
    }

    fn deliver_new(&mut self, instances: &[RunningInstance]) {
        if self.new.is_empty() {
            return;
        }
        let mut batch = std::mem::take(&mut self.new);
        let listeners: Vec<&RunningInstance> = instances
            .iter()
            .filter(|i| T::wants(i, ArtifactEvents::NEW))
            .collect();
        if !listeners.is_empty() {
            batch.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        }
        let batch = Arc::new(batch);
        for inst in listeners {
            inst.send(PluginEvent::Artifact(T::new_event(batch.clone())));
        }
        self.held.push(batch);
    }

    fn flush(
        &mut self,
        ts: Timestamp,
        instances: &[RunningInstance],
        live: bool,
        groups: &ArtifactGroups,
    ) {
        self.deliver_new(instances);
        let mut items: Vec<T> = Vec::new();
        for batch in self.held.drain(..) {
            match Arc::try_unwrap(batch) {
                Ok(mut b) => items.append(&mut b),
                Err(shared) => items.extend(shared.iter().cloned()),
            }
        }
        // The whole interval in one order: what plugins added reaches the
        // coordinator at a marker that depends on their threads' timing.
        items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let items = Arc::new(items);
        let keep = Arc::new(crate::plugin::votes::tally(
            instances,
            live,
            items.len(),
            |i| {
                T::wants(i, ArtifactEvents::FLUSH_FILTER).then(|| {
                    let (tx, rx) = bounded(1);
                    (
                        PluginEvent::Artifact(T::filter_event(items.clone(), tx)),
                        rx,
                    )
                })
            },
        ));
        for inst in instances
            .iter()
            .filter(|i| T::wants(i, ArtifactEvents::FLUSH))
        {
            inst.send(PluginEvent::Artifact(T::flush_event(
                ts,
                items.clone(),
                keep.clone(),
            )));
        }
        let mut names = GroupNames::new(groups, T::KIND);
        for (item, kept) in items.iter().zip(keep.iter()) {
            if !kept {
                self.dropped += 1;
                continue;
            }
            let (guid, name) = names.of(item.group());
            *self.written.entry(name.to_string()).or_default() += 1;
            if let Err(e) = write_line(&mut self.out, &item.line(guid, name)) {
                self.error.get_or_insert(format!("{}: {e}", T::FILE));
            }
        }
    }

    fn finish(&mut self) {
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(format!("{}: {e}", T::FILE));
        }
    }
}

/// The coordinator's state of both streams.
pub struct ArtifactStream {
    groups: Arc<ArtifactGroups>,
    feedback: Receiver<Artifact>,
    resources: Half<Resource>,
    fts: Half<FtsDoc>,
    added_by_plugins: u64,
}

impl ArtifactStream {
    /// Streams writing to `out`, taking plugins' items from `feedback`.
    pub fn new(
        groups: Arc<ArtifactGroups>,
        out: ArtifactOutputs,
        feedback: Receiver<Artifact>,
    ) -> ArtifactStream {
        ArtifactStream {
            groups,
            feedback,
            resources: Half::new(out.resources),
            fts: Half::new(out.fts),
            added_by_plugins: 0,
        }
    }

    /// Items from a worker.
    pub fn push(&mut self, items: Vec<Artifact>) {
        for a in items {
            match a {
                Artifact::Resource(r) => self.resources.new.push(r),
                Artifact::Fts(d) => self.fts.new.push(d),
            }
        }
    }

    /// Takes what plugins added so far; returns how many.
    pub fn take_feedback(&mut self) -> usize {
        let items: Vec<Artifact> = self.feedback.try_iter().collect();
        let n = items.len();
        self.added_by_plugins += n as u64;
        self.push(items);
        n
    }

    /// Delivers the items that came since the last marker to `on_new_*` and
    /// holds them for the flush.
    pub fn deliver_new(&mut self, instances: &[RunningInstance]) {
        self.take_feedback();
        self.resources.deliver_new(instances);
        self.fts.deliver_new(instances);
    }

    /// Whether anything waits for a flush.
    pub fn has_items(&self) -> bool {
        self.resources.has_items() || self.fts.has_items()
    }

    /// Runs both streams' flush of the interval ending at `ts`, resources
    /// first.
    pub fn flush(&mut self, ts: Timestamp, instances: &[RunningInstance], live: bool) {
        self.take_feedback();
        self.resources.flush(ts, instances, live, &self.groups);
        self.fts.flush(ts, instances, live, &self.groups);
    }

    /// Flushes the files (end of the run).
    pub fn finish(&mut self) {
        self.resources.finish();
        self.fts.finish();
    }

    /// What the streams counted.
    pub fn stats(&self) -> ArtifactStats {
        ArtifactStats {
            resources: self.resources.written.clone(),
            resources_dropped: self.resources.dropped,
            fts_documents: self.fts.written.clone(),
            fts_dropped: self.fts.dropped,
            added_by_plugins: self.added_by_plugins,
        }
    }

    /// The first write error, naming the file.
    pub fn error(&mut self) -> Option<String> {
        self.resources
            .error
            .take()
            .or_else(|| self.fts.error.take())
    }
}

fn write_line(w: &mut dyn Write, v: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, v)?;
    w.write_all(b"\n")
}

/// Group GUIDs as text and names, looked up once per group per flush.
struct GroupNames<'a> {
    groups: &'a ArtifactGroups,
    kind: GroupKind,
    seen: Vec<(Guid, String, String)>,
}

impl<'a> GroupNames<'a> {
    fn new(groups: &'a ArtifactGroups, kind: GroupKind) -> GroupNames<'a> {
        GroupNames {
            groups,
            kind,
            seen: Vec::new(),
        }
    }

    fn of(&mut self, g: &Guid) -> (&str, &str) {
        let i = match self.seen.iter().position(|(x, _, _)| x == g) {
            Some(i) => i,
            None => {
                let name = self.groups.name(self.kind, g).unwrap_or_default();
                self.seen.push((*g, g.to_string(), name));
                self.seen.len() - 1
            }
        };
        let (_, guid, name) = &self.seen[i];
        (guid, name)
    }
}
