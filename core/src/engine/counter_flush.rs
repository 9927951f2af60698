//! The `counter_flush` module deals with the plugins' part in the counter
//! groups' flush, on the coordinator: the flush-filter votes and meter
//! overrides, the topper-filter votes, the flush callbacks, the real-time
//! updates and new keys, and the feedback plugins send to the store.
//!
//! Votes combine as for flows: a row (or topper entry) is dropped when a
//! monitor votes `Drop` and none votes `Keep`; a disabled instance, or one
//! whose thread is gone, abstains. Meter overrides apply in the order the
//! instances were loaded (a later one's wins).

use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver};
use weir_plugin_api::{CounterEvents, Timestamp, Vote, KEEP_METER};

use crate::counters::store::{FlushHook, GroupView, RowData, TopperData};
use crate::counters::CounterStore;
use crate::plugin::counter_dispatch::CounterEvent;
use crate::plugin::counter_host::CounterFeedback;
use crate::plugin::{PluginEvent, RunningInstance};

/// One instance's answer to a counter flush filter: a vote and the meter
/// overrides per row.
type FilterAnswer = Vec<(Vote, Vec<i64>)>;

/// The instances, as the store's [`FlushHook`].
pub struct PluginHook<'a> {
    /// Every running instance.
    pub instances: &'a [RunningInstance],
}

impl PluginHook<'_> {
    fn with(&self, g: usize, events: CounterEvents) -> impl Iterator<Item = &RunningInstance> {
        self.instances
            .iter()
            .filter(move |i| i.wants_counters(g, events))
    }
}

impl FlushHook for PluginHook<'_> {
    fn wants_rows(&self, g: usize) -> bool {
        self.with(g, CounterEvents::FLUSH | CounterEvents::FLUSH_FILTER)
            .next()
            .is_some()
    }

    fn filter_rows(
        &mut self,
        g: usize,
        view: &Arc<GroupView>,
        ts: Timestamp,
        rows: &mut [RowData],
    ) {
        let voters: Vec<&RunningInstance> = self.with(g, CounterEvents::FLUSH_FILTER).collect();
        if voters.is_empty() {
            return;
        }
        let shared = Arc::new(rows.to_vec());
        let mut replies: Vec<(&RunningInstance, Receiver<FilterAnswer>)> = Vec::new();
        for inst in voters {
            let (tx, rx) = bounded(1);
            inst.send(PluginEvent::Counter(CounterEvent::Filter {
                group: view.clone(),
                ts,
                rows: shared.clone(),
                reply: tx,
            }));
            replies.push((inst, rx));
        }
        let mut any_drop = vec![false; rows.len()];
        let mut any_keep = vec![false; rows.len()];
        for (inst, rx) in replies {
            let Some(answer) = inst.await_reply(&rx) else {
                continue;
            };
            for (i, (vote, overrides)) in answer.into_iter().enumerate().take(rows.len()) {
                match vote.known() {
                    Vote::Drop => any_drop[i] = true,
                    Vote::Keep => any_keep[i] = true,
                    _ => {}
                }
                for (v, o) in rows[i].values.iter_mut().zip(overrides) {
                    if o != KEEP_METER {
                        *v = o;
                    }
                }
            }
        }
        for (i, row) in rows.iter_mut().enumerate() {
            row.keep = !any_drop[i] || any_keep[i];
        }
    }

    fn flushed_rows(&mut self, g: usize, view: &Arc<GroupView>, ts: Timestamp, rows: Vec<RowData>) {
        let rows = Arc::new(rows);
        for inst in self.with(g, CounterEvents::FLUSH) {
            inst.send(PluginEvent::Counter(CounterEvent::Flush {
                group: view.clone(),
                ts,
                rows: rows.clone(),
            }));
        }
    }

    fn wants_toppers(&self, g: usize) -> bool {
        self.with(
            g,
            CounterEvents::TOPPER_FLUSH | CounterEvents::TOPPER_FILTER,
        )
        .next()
        .is_some()
    }

    fn filter_toppers(
        &mut self,
        g: usize,
        view: &Arc<GroupView>,
        ts: Timestamp,
        entries: &mut [TopperData],
    ) {
        let voters: Vec<&RunningInstance> = self.with(g, CounterEvents::TOPPER_FILTER).collect();
        if voters.is_empty() {
            return;
        }
        let shared = Arc::new(entries.to_vec());
        let mut replies = Vec::new();
        for inst in voters {
            let (tx, rx) = bounded(1);
            inst.send(PluginEvent::Counter(CounterEvent::TopperFilter {
                group: view.clone(),
                ts,
                entries: shared.clone(),
                reply: tx,
            }));
            replies.push((inst, rx));
        }
        let mut any_drop = vec![false; entries.len()];
        let mut any_keep = vec![false; entries.len()];
        for (inst, rx) in replies {
            let Some(votes) = inst.await_reply(&rx) else {
                continue;
            };
            for (i, v) in votes.iter().enumerate().take(entries.len()) {
                match v.known() {
                    Vote::Drop => any_drop[i] = true,
                    Vote::Keep => any_keep[i] = true,
                    _ => {}
                }
            }
        }
        for (i, e) in entries.iter_mut().enumerate() {
            e.keep = !any_drop[i] || any_keep[i];
        }
    }

    fn flushed_toppers(
        &mut self,
        g: usize,
        view: &Arc<GroupView>,
        ts: Timestamp,
        entries: Vec<TopperData>,
    ) {
        let entries = Arc::new(entries);
        for inst in self.with(g, CounterEvents::TOPPER_FLUSH) {
            inst.send(PluginEvent::Counter(CounterEvent::TopperFlush {
                group: view.clone(),
                ts,
                entries: entries.clone(),
            }));
        }
    }
}

/// Sends each tracked group's new keys and changed rows to the instances
/// that want them (at every metronome tick).
pub fn send_updates(
    store: &mut CounterStore,
    instances: &[RunningInstance],
    tracked: &[usize],
    ts: Timestamp,
) {
    for &g in tracked {
        let updates = store.take_updates(g);
        let Some(view) = store.view(g) else { continue };
        if !updates.new_keys.is_empty() {
            let keys = Arc::new(updates.new_keys);
            for inst in instances
                .iter()
                .filter(|i| i.wants_counters(g, CounterEvents::NEW_KEY))
            {
                inst.send(PluginEvent::Counter(CounterEvent::NewKeys {
                    group: view.clone(),
                    ts,
                    keys: keys.clone(),
                }));
            }
        }
        if !updates.rows.is_empty() {
            let rows = Arc::new(updates.rows);
            for inst in instances
                .iter()
                .filter(|i| i.wants_counters(g, CounterEvents::UPDATE))
            {
                inst.send(PluginEvent::Counter(CounterEvent::Updates {
                    group: view.clone(),
                    ts,
                    rows: rows.clone(),
                }));
            }
        }
    }
}

/// Merges what plugins fed back since the last call into the store.
/// Returns how many items were applied.
pub fn apply_feedback(store: &mut CounterStore, rx: &Receiver<CounterFeedback>) -> usize {
    let mut n = 0;
    for item in rx.try_iter() {
        n += 1;
        match item {
            CounterFeedback::Update {
                group,
                key,
                meter,
                value,
            } => {
                if let Some(g) = store.group_of(group) {
                    store.feed(g, &key, meter as usize, value);
                }
            }
            CounterFeedback::KeyInfo {
                group,
                key,
                label,
                description,
            } => {
                if let Some(g) = store.group_of(group) {
                    store.set_key_info(g, &key, &label, &description);
                }
            }
            CounterFeedback::Attribute {
                group,
                key,
                name,
                value,
            } => {
                if let Some(g) = store.group_of(group) {
                    store.set_key_attribute(g, &key, &name, &value);
                }
            }
            CounterFeedback::NewGroup(def) => {
                store.add_group(def, false);
            }
        }
    }
    n
}

/// Resolves every counter-group monitor's subscription against the run's
/// groups (`defs`, by store id): sets each instance's `counter_groups` and
/// returns the groups some monitor wants real-time news of. A subscription
/// that matches no group, or a bad regular expression, stops the run.
pub fn resolve_counter_subscriptions(
    instances: &mut [RunningInstance],
    defs: &[crate::counters::GroupDef],
) -> Result<Vec<usize>, super::EngineError> {
    let mut tracked = Vec::new();
    for inst in instances.iter_mut() {
        let Some(sub) = inst.counter_sub.clone() else {
            continue;
        };
        let refuse = |reason: String| super::EngineError::PluginRefused {
            path: inst.path.clone(),
            reason,
        };
        let regex = match sub.name_regex.as_str() {
            "" => None,
            r => Some(regex_lite::Regex::new(r).map_err(|e| {
                refuse(format!(
                    "counter-group monitor: bad counter_name_regex {r:?}: {e}"
                ))
            })?),
        };
        let names: Vec<String> = sub.name_match.iter().map(|n| n.to_lowercase()).collect();
        let groups: Vec<usize> = defs
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                sub.guids.contains(&d.guid)
                    || names
                        .iter()
                        .any(|n| d.name.to_lowercase().contains(n.as_str()))
                    || regex.as_ref().is_some_and(|r| r.is_match(&d.name))
            })
            .map(|(i, _)| i)
            .collect();
        if groups.is_empty() {
            let guids: Vec<String> = sub.guids.iter().map(|g| g.to_string()).collect();
            return Err(refuse(format!(
                "counter-group monitor subscribes to no counter group (GUIDs [{}], names [{}], regex {:?}); groups: {}",
                guids.join(", "),
                sub.name_match.iter().map(|n| format!("{:?}", n.as_str())).collect::<Vec<_>>().join(", "),
                sub.name_regex.as_str(),
                defs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        if sub.events.0 & (CounterEvents::UPDATE.0 | CounterEvents::NEW_KEY.0) != 0 {
            tracked.extend(groups.iter().copied());
        }
        inst.counter_groups = groups;
    }
    tracked.sort_unstable();
    tracked.dedup();
    Ok(tracked)
}

/// Writes `DIR/keyinfo.ndjson`: one line per key a plugin gave a label,
/// description or attributes (final values).
pub fn write_keyinfo(dir: &std::path::Path, store: &CounterStore) -> Result<(), String> {
    use crate::output::push_json_str;
    let mut text = String::new();
    for (guid, group, key, label, info) in store.key_infos() {
        text.push_str("{\"group_guid\":\"");
        text.push_str(&guid);
        text.push_str("\",\"group\":");
        push_json_str(&mut text, &group);
        text.push_str(",\"key\":");
        push_json_str(&mut text, &key);
        text.push_str(",\"label\":");
        push_json_str(&mut text, &label);
        text.push_str(",\"description\":");
        push_json_str(&mut text, &info.description);
        text.push_str(",\"attributes\":{");
        for (i, (n, v)) in info.attributes.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            push_json_str(&mut text, n);
            text.push(':');
            push_json_str(&mut text, v);
        }
        text.push_str("}}\n");
    }
    std::fs::write(dir.join("keyinfo.ndjson"), text).map_err(|e| format!("keyinfo.ndjson: {e}"))
}
