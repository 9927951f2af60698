//! The `stream` module deals with the coordinator's side of the resource
//! and FTS streams.
//!
//! Items reach the coordinator from the workers (before each marker) and
//! from plugins (a channel, drained at each marker). At every marker the
//! new items are sorted (time, flow, content: the same order whatever the
//! sharding), delivered to `on_new_*` of the subscribed instances, and
//! held for the interval's flush, which sorts the interval's items again
//! (plugins' items come in at markers that depend on thread timing). The flush of each stream, after the flow
//! flush: filter votes of the instances that declared a filter (an item is
//! dropped when one votes `Drop` and none `Keep`), then each subscribed
//! instance's `on_begin_flush` / `on_flush` (kept items) / `on_end_flush`
//! per group, and the kept items' lines in `resources.ndjson` and
//! `fts.ndjson`. An item never goes back to the instance that added it.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver};
use weir_plugin_api::{ArtifactEvents, Timestamp, Vote};

use super::groups::{ArtifactGroups, GroupKind};
use super::item::{Artifact, FtsDoc, Resource};
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

/// The coordinator's state of both streams.
pub struct ArtifactStream {
    groups: Arc<ArtifactGroups>,
    out: ArtifactOutputs,
    feedback: Receiver<Artifact>,
    new_resources: Vec<Resource>,
    new_fts: Vec<FtsDoc>,
    held_resources: Vec<Resource>,
    held_fts: Vec<FtsDoc>,
    /// Counters.
    pub stats: ArtifactStats,
    /// The first write error, with the file's name.
    pub error: Option<String>,
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
            out,
            feedback,
            new_resources: Vec::new(),
            new_fts: Vec::new(),
            held_resources: Vec::new(),
            held_fts: Vec::new(),
            stats: ArtifactStats::default(),
            error: None,
        }
    }

    /// Items from a worker.
    pub fn push(&mut self, items: Vec<Artifact>) {
        for a in items {
            match a {
                Artifact::Resource(r) => self.new_resources.push(r),
                Artifact::Fts(d) => self.new_fts.push(d),
            }
        }
    }

    /// Takes what plugins added so far; returns how many.
    pub fn take_feedback(&mut self) -> usize {
        let items: Vec<Artifact> = self.feedback.try_iter().collect();
        let n = items.len();
        self.stats.added_by_plugins += n as u64;
        self.push(items);
        n
    }

    /// Delivers the items that came since the last marker to `on_new_*` and
    /// holds them for the flush.
    pub fn deliver_new(&mut self, instances: &[RunningInstance]) {
        self.take_feedback();
        if !self.new_resources.is_empty() {
            let mut batch = std::mem::take(&mut self.new_resources);
            batch.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let batch = Arc::new(batch);
            for inst in instances
                .iter()
                .filter(|i| i.wants_resources(ArtifactEvents::NEW))
            {
                inst.send(PluginEvent::Artifact(ArtifactEvent::NewResources(
                    batch.clone(),
                )));
            }
            self.held_resources
                .extend(Arc::try_unwrap(batch).unwrap_or_else(|b| (*b).clone()));
        }
        if !instances.iter().any(|i| i.wants_fts(ArtifactEvents::NEW)) {
            self.held_fts.append(&mut self.new_fts);
        }
        if !self.new_fts.is_empty() {
            let mut batch = std::mem::take(&mut self.new_fts);
            batch.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let batch = Arc::new(batch);
            for inst in instances
                .iter()
                .filter(|i| i.wants_fts(ArtifactEvents::NEW))
            {
                inst.send(PluginEvent::Artifact(ArtifactEvent::NewFts(batch.clone())));
            }
            self.held_fts
                .extend(Arc::try_unwrap(batch).unwrap_or_else(|b| (*b).clone()));
        }
    }

    /// Whether anything waits for a flush.
    pub fn has_items(&self) -> bool {
        !(self.held_resources.is_empty()
            && self.held_fts.is_empty()
            && self.new_resources.is_empty()
            && self.new_fts.is_empty())
    }

    /// Runs both streams' flush of the interval ending at `ts`.
    pub fn flush(&mut self, ts: Timestamp, instances: &[RunningInstance], live: bool) {
        self.deliver_new(instances);
        // The whole interval in one order: what plugins added reaches the
        // coordinator at a marker that depends on their threads' timing.
        self.held_resources
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.held_fts
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let resources = Arc::new(std::mem::take(&mut self.held_resources));
        let keep = Arc::new(votes(instances, live, resources.len(), |i| {
            i.votes_resources().then(|| {
                let (tx, rx) = bounded(1);
                let e = ArtifactEvent::ResourceFilter {
                    items: resources.clone(),
                    reply: tx,
                };
                (PluginEvent::Artifact(e), rx)
            })
        }));
        let groups = Arc::new(self.groups.all(GroupKind::Resource));
        for inst in instances
            .iter()
            .filter(|i| i.wants_resources(ArtifactEvents::FLUSH))
        {
            inst.send(PluginEvent::Artifact(ArtifactEvent::ResourceFlush {
                ts,
                groups: groups.clone(),
                items: resources.clone(),
                keep: keep.clone(),
            }));
        }
        let mut names = GroupNames::new(&self.groups, GroupKind::Resource);
        for (r, kept) in resources.iter().zip(keep.iter()) {
            if !kept {
                self.stats.resources_dropped += 1;
                continue;
            }
            let (guid, name) = names.of(&r.group);
            *self.stats.resources.entry(name.to_string()).or_default() += 1;
            if let Err(e) = write_line(&mut self.out.resources, &r.to_json(guid, name)) {
                self.error.get_or_insert(format!("resources.ndjson: {e}"));
            }
        }

        let docs = Arc::new(std::mem::take(&mut self.held_fts));
        let keep = Arc::new(votes(instances, live, docs.len(), |i| {
            i.votes_fts().then(|| {
                let (tx, rx) = bounded(1);
                let e = ArtifactEvent::FtsFilter {
                    items: docs.clone(),
                    reply: tx,
                };
                (PluginEvent::Artifact(e), rx)
            })
        }));
        let groups = Arc::new(self.groups.all(GroupKind::Fts));
        for inst in instances
            .iter()
            .filter(|i| i.wants_fts(ArtifactEvents::FLUSH))
        {
            inst.send(PluginEvent::Artifact(ArtifactEvent::FtsFlush {
                ts,
                groups: groups.clone(),
                items: docs.clone(),
                keep: keep.clone(),
            }));
        }
        let mut names = GroupNames::new(&self.groups, GroupKind::Fts);
        for (d, kept) in docs.iter().zip(keep.iter()) {
            if !kept {
                self.stats.fts_dropped += 1;
                continue;
            }
            let (guid, name) = names.of(&d.group);
            *self
                .stats
                .fts_documents
                .entry(name.to_string())
                .or_default() += 1;
            if let Err(e) = write_line(&mut self.out.fts, &d.to_json(guid, name)) {
                self.error.get_or_insert(format!("fts.ndjson: {e}"));
            }
        }
    }

    /// Flushes the files (end of the run).
    pub fn finish(&mut self) {
        for (name, w) in [
            ("resources.ndjson", &mut self.out.resources),
            ("fts.ndjson", &mut self.out.fts),
        ] {
            if let Err(e) = w.flush() {
                self.error.get_or_insert(format!("{name}: {e}"));
            }
        }
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
    seen: Vec<(weir_plugin_api::Guid, String, String)>,
}

impl<'a> GroupNames<'a> {
    fn new(groups: &'a ArtifactGroups, kind: GroupKind) -> GroupNames<'a> {
        GroupNames {
            groups,
            kind,
            seen: Vec::new(),
        }
    }

    fn of(&mut self, g: &weir_plugin_api::Guid) -> (&str, &str) {
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

/// The outcome of the flush-filter votes over `n` items: `keep[i]`.
/// `ask` makes an instance's request (or `None` when it does not vote).
fn votes(
    instances: &[RunningInstance],
    live: bool,
    n: usize,
    ask: impl Fn(&RunningInstance) -> Option<(PluginEvent, Receiver<Vec<Vote>>)>,
) -> Vec<bool> {
    let mut any_drop = vec![false; n];
    let mut any_keep = vec![false; n];
    if n == 0 {
        return Vec::new();
    }
    let mut replies = Vec::new();
    for inst in instances {
        if let Some((event, rx)) = ask(inst) {
            inst.send(event);
            replies.push((inst, rx));
        }
    }
    let deadline = std::time::Instant::now() + crate::engine::coordinator::LIVE_VOTE_WAIT;
    for (inst, rx) in replies {
        let answer = if live {
            inst.await_votes_until(&rx, deadline)
        } else {
            inst.await_votes(&rx)
        };
        for (i, v) in answer.unwrap_or_default().iter().enumerate().take(n) {
            match v.known() {
                Vote::Drop => any_drop[i] = true,
                Vote::Keep => any_keep[i] = true,
                _ => {}
            }
        }
    }
    any_drop
        .iter()
        .zip(&any_keep)
        .map(|(d, k)| !d || *k)
        .collect()
}
