//! The `store` module deals with a run's counter groups after the packet
//! workers: it merges the workers' shards of each interval, applies the
//! meter types (running totals and SNMP-style deltas carry over intervals),
//! enforces the key cap, keeps the topper buckets, and writes
//! `counters.ndjson` and `toppers.ndjson` at each flush. It is owned by the
//! coordinator thread, so it is off the packet path and needs no lock.
//!
//! Keys stay binary ([`BinKey`]) from the workers to the output: a key is
//! formatted only when its line is written, and a group's rows live in one
//! flat vector reused every interval, so the store allocates per new key,
//! not per key and interval. (Measured: string keys made the coordinator
//! cost 0.3 s on the benchmark capture, more than the flow path.)

use std::sync::Arc;

use weir_plugin_api::{CounterGroupRef, Guid, MeterType, Timestamp};

use super::group::{GroupDef, GROUP_TOTALS_KEY};
use super::keys::BinKey;
use super::shard::CounterShard;
use super::topper::top_n;
use crate::output::counters::{CounterOutput, CounterRow, TopperRow};

/// The store's maps: hashbrown with foldhash.
type Map<K, V> = hashbrown::HashMap<K, V, foldhash::fast::RandomState>;

fn map<K, V>() -> Map<K, V> {
    Map::with_hasher(foldhash::fast::RandomState::default())
}

/// A key in the store: binary for the built-in groups, text for keys fed by
/// name (plugins' updates). Ordered binary first, then text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Bin(BinKey),
    Text(Box<str>),
}

/// One meter's accumulation within an interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cell {
    /// Sum (counters, averages), last value (gauges, deltas), extreme (max/min).
    v: i64,
    /// First value of the interval (deltas).
    first: i64,
    /// Values fed.
    n: u64,
}

impl Cell {
    fn feed(&mut self, kind: MeterType, x: i64) {
        self.v = match kind {
            MeterType::Gauge => x,
            MeterType::DeltaRateCounter => {
                if self.n == 0 {
                    self.first = x;
                }
                x
            }
            MeterType::Maximum if self.n > 0 => self.v.max(x),
            MeterType::Minimum if self.n > 0 => self.v.min(x),
            MeterType::Maximum | MeterType::Minimum => x,
            // Counter, RateCounter, RunningCounter (increments), Average (sum).
            _ => self.v.saturating_add(x),
        };
        self.n += 1;
    }
}

/// Rows of one group over a span (an interval, a topper bucket): an index
/// from key to row number and `meters` cells per row in one vector.
struct Rows {
    meters: usize,
    index: Map<Key, u32>,
    keys: Vec<Key>,
    cells: Vec<Cell>,
}

impl Rows {
    fn new(meters: usize) -> Rows {
        Rows {
            meters,
            index: map(),
            keys: Vec::new(),
            cells: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// The row of `key`, added (zeroed) if missing.
    fn add(&mut self, key: Key) -> &mut [Cell] {
        let next = self.keys.len() as u32;
        let i = *self.index.entry(key.clone()).or_insert_with(|| {
            self.keys.push(key);
            next
        }) as usize
            * self.meters;
        if i == self.cells.len() {
            self.cells.resize(i + self.meters, Cell::default());
        }
        &mut self.cells[i..i + self.meters]
    }

    /// Row numbers in key order.
    fn sorted(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.keys.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.keys[*a as usize].cmp(&self.keys[*b as usize]));
        order
    }

    fn row(&self, n: u32) -> &[Cell] {
        let i = n as usize * self.meters;
        &self.cells[i..i + self.meters]
    }

    /// Empties the rows, keeping their memory.
    fn clear(&mut self) {
        self.index.clear();
        self.keys.clear();
        self.cells.clear();
    }
}

/// A group as plugins see it in callbacks (shared by every event of a flush).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupView {
    /// GUID.
    pub guid: Guid,
    /// Name.
    pub name: String,
    /// Interval, seconds.
    pub interval_secs: u32,
    /// Topper bucket, seconds.
    pub topper_bucket_secs: u32,
    /// Meter types by id.
    pub kinds: Vec<MeterType>,
}

impl GroupView {
    /// The borrowed view a callback receives.
    pub fn as_group_ref(&self) -> CounterGroupRef<'_> {
        CounterGroupRef {
            guid: self.guid,
            name: self.name.as_str().into(),
            interval_secs: self.interval_secs,
            topper_bucket_secs: self.topper_bucket_secs,
            meter_kinds: self.kinds.as_slice().into(),
            ext: weir_plugin_api::abi::ext::Extensions::NONE,
        }
    }
}

/// One key's values as handed to plugins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowData {
    /// Trisul key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Values by meter id.
    pub values: Vec<i64>,
    /// Whether the row survives the flush filter.
    pub keep: bool,
}

/// One topper entry as handed to plugins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopperData {
    /// Meter id.
    pub meter: u32,
    /// Rank from 1 (before the topper filter).
    pub rank: u32,
    /// Trisul key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Value over the bucket.
    pub value: i64,
    /// Whether the entry survives the topper filter.
    pub keep: bool,
}

/// What plugins do during a group's flush; the coordinator implements it
/// (votes, overrides, callbacks). The store calls it only for groups it
/// says it wants, so a group nobody watches costs nothing more.
pub trait FlushHook {
    /// Whether plugins take part in group `g`'s row flush.
    fn wants_rows(&self, g: usize) -> bool;
    /// The rows of an interval (`SYS:GROUP_TOTALS` first): the filter may
    /// clear `keep` and replace values.
    fn filter_rows(&mut self, g: usize, view: &Arc<GroupView>, ts: Timestamp, rows: &mut [RowData]);
    /// The rows as written (kept, with their final values).
    fn flushed_rows(&mut self, g: usize, view: &Arc<GroupView>, ts: Timestamp, rows: Vec<RowData>);
    /// Whether plugins take part in group `g`'s topper flush.
    fn wants_toppers(&self, g: usize) -> bool;
    /// A bucket's topper entries, every meter: the filter may clear `keep`.
    fn filter_toppers(
        &mut self,
        g: usize,
        view: &Arc<GroupView>,
        ts: Timestamp,
        entries: &mut [TopperData],
    );
    /// The entries as written.
    fn flushed_toppers(
        &mut self,
        g: usize,
        view: &Arc<GroupView>,
        ts: Timestamp,
        entries: Vec<TopperData>,
    );
}

/// No plugin takes part.
pub struct NoHook;

impl FlushHook for NoHook {
    fn wants_rows(&self, _g: usize) -> bool {
        false
    }
    fn filter_rows(&mut self, _: usize, _: &Arc<GroupView>, _: Timestamp, _: &mut [RowData]) {}
    fn flushed_rows(&mut self, _: usize, _: &Arc<GroupView>, _: Timestamp, _: Vec<RowData>) {}
    fn wants_toppers(&self, _g: usize) -> bool {
        false
    }
    fn filter_toppers(&mut self, _: usize, _: &Arc<GroupView>, _: Timestamp, _: &mut [TopperData]) {
    }
    fn flushed_toppers(&mut self, _: usize, _: &Arc<GroupView>, _: Timestamp, _: Vec<TopperData>) {}
}

/// Real-time news of a group since the last call of
/// [`CounterStore::take_updates`].
#[derive(Debug, Default)]
pub struct Updates {
    /// Keys the group had not had before.
    pub new_keys: Vec<String>,
    /// Keys that changed, with their values so far in the interval.
    pub rows: Vec<RowData>,
}

/// A key's label and description set by a plugin, and its attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyInfo {
    /// Label (empty: the default).
    pub label: String,
    /// Description.
    pub description: String,
    /// Named attributes, in the order first set.
    pub attributes: Vec<(String, String)>,
}

/// What a group did over the run (for the summary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// Most keys in one interval (not counting `SYS:GROUP_TOTALS`).
    pub max_keys: usize,
    /// Lines written to `counters.ndjson` (with the totals lines).
    pub rows: u64,
    /// Updates of new keys that found a worker's table full.
    pub dropped_updates: u64,
    /// Keys refused when merging the workers' tables into a full group.
    pub dropped_keys: u64,
}

struct GroupState {
    def: GroupDef,
    view: Arc<GroupView>,
    /// Real-time tracking (a monitor wants `on_update` or `on_new_key`).
    track: bool,
    dirty: hashbrown::HashSet<u32, foldhash::fast::RandomState>,
    seen: hashbrown::HashSet<Key, foldhash::fast::RandomState>,
    new_keys: Vec<Key>,
    info: Map<Key, KeyInfo>,
    /// `def.guid` as written in every line.
    guid_text: String,
    kinds: Vec<MeterType>,
    topper_bucket: u64,
    rows: Rows,
    overflow: Vec<Cell>,
    /// Running totals (RUNNING_COUNTER) and previous absolute values
    /// (DELTA_RATE_COUNTER) per key, carried across intervals.
    carried: Map<Key, Vec<i64>>,
    overflow_carried: Vec<i64>,
    tops: Rows,
    tops_bucket: Option<u64>,
    run_totals: Option<Map<Key, i64>>,
    stats: GroupStats,
}

/// A key and its meter-0 total over the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTotal {
    /// Trisul key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Meter 0 summed over every interval.
    pub value: i64,
}

/// Every counter group of a run, after the workers.
pub struct CounterStore {
    interval_secs: u64,
    groups: Vec<GroupState>,
}

impl CounterStore {
    /// A store for `defs` (index = group id; the built-ins first, in
    /// [`super::Builtin::ALL`] order), flushed every `interval_secs`.
    /// `run_totals` lists the groups whose meter-0 totals over the run the
    /// summary shows (at most `max_keys` keys each).
    pub fn new(defs: Vec<GroupDef>, interval_secs: u64, run_totals: &[usize]) -> CounterStore {
        let interval = interval_secs.max(1);
        let mut store = CounterStore {
            interval_secs: interval,
            groups: Vec::new(),
        };
        for (i, def) in defs.into_iter().enumerate() {
            store.add_group(def, run_totals.contains(&i));
        }
        store
    }

    /// Adds a group (a plugin's); returns its id.
    pub fn add_group(&mut self, def: GroupDef, run_totals: bool) -> usize {
        let interval = self.interval_secs;
        let m = def.meters.len();
        let kinds: Vec<MeterType> = def.meters.iter().map(|m| m.kind).collect();
        let tb = topper_bucket(def.topper_bucket_secs, interval);
        let view = Arc::new(GroupView {
            guid: def.guid,
            name: def.name.clone(),
            interval_secs: u32::try_from(interval).unwrap_or(u32::MAX),
            topper_bucket_secs: u32::try_from(tb).unwrap_or(u32::MAX),
            kinds: kinds.clone(),
        });
        self.groups.push(GroupState {
            guid_text: def.guid.to_string(),
            view,
            track: false,
            dirty: hashbrown::HashSet::with_hasher(foldhash::fast::RandomState::default()),
            seen: hashbrown::HashSet::with_hasher(foldhash::fast::RandomState::default()),
            new_keys: Vec::new(),
            info: map(),
            topper_bucket: tb,
            rows: Rows::new(m),
            overflow: vec![Cell::default(); m],
            carried: map(),
            overflow_carried: initial_carried(&kinds),
            tops: Rows::new(m),
            tops_bucket: None,
            run_totals: run_totals.then(map),
            stats: GroupStats::default(),
            kinds,
            def,
        });
        self.groups.len() - 1
    }

    /// The id of the group `guid`.
    pub fn group_of(&self, guid: Guid) -> Option<usize> {
        self.groups.iter().position(|g| g.def.guid == guid)
    }

    /// The callbacks' view of group `g`.
    pub fn view(&self, g: usize) -> Option<Arc<GroupView>> {
        self.groups.get(g).map(|g| g.view.clone())
    }

    /// Turns on real-time tracking (`on_update`, `on_new_key`) of group `g`.
    pub fn track(&mut self, g: usize) {
        if let Some(g) = self.groups.get_mut(g) {
            g.track = true;
        }
    }

    /// Sets the label and description of `key` in group `g`.
    pub fn set_key_info(&mut self, g: usize, key: &str, label: &str, description: &str) -> bool {
        let Some(group) = self.groups.get_mut(g) else {
            return false;
        };
        let k = group.key_of(key);
        let info = group.info.entry(k).or_default();
        info.label = label.to_string();
        info.description = description.to_string();
        true
    }

    /// Sets attribute `name` of `key` in group `g` (replacing an earlier value).
    pub fn set_key_attribute(&mut self, g: usize, key: &str, name: &str, value: &str) -> bool {
        let Some(group) = self.groups.get_mut(g) else {
            return false;
        };
        let k = group.key_of(key);
        let info = group.info.entry(k).or_default();
        match info.attributes.iter_mut().find(|(n, _)| n == name) {
            Some(a) => a.1 = value.to_string(),
            None => info.attributes.push((name.to_string(), value.to_string())),
        }
        true
    }

    /// Every key's plugin-set info: (group GUID text, group name, key, label, info).
    pub fn key_infos(&self) -> Vec<(String, String, String, String, KeyInfo)> {
        let mut out = Vec::new();
        let mut text = Text::default();
        for g in &self.groups {
            let mut keys: Vec<&Key> = g.info.keys().collect();
            keys.sort();
            for k in keys {
                let (key, label) = text.of(&g.def, k, &g.info);
                out.push((
                    g.guid_text.clone(),
                    g.def.name.clone(),
                    key.to_string(),
                    label.to_string(),
                    g.info[k].clone(),
                ));
            }
        }
        out
    }

    /// Real-time news of group `g` since the last call.
    pub fn take_updates(&mut self, g: usize) -> Updates {
        let Some(group) = self.groups.get_mut(g) else {
            return Updates::default();
        };
        let mut text = Text::default();
        let new_keys = std::mem::take(&mut group.new_keys)
            .iter()
            .map(|k| text.of(&group.def, k, &group.info).0.to_string())
            .collect();
        let mut dirty: Vec<u32> = group.dirty.drain().collect();
        dirty.sort_unstable_by(|a, b| {
            group.rows.keys[*a as usize].cmp(&group.rows.keys[*b as usize])
        });
        let mut rows = Vec::with_capacity(dirty.len());
        for r in dirty {
            let key = &group.rows.keys[r as usize];
            let mut carried = group.carried.get(key).cloned();
            let mut values = Vec::with_capacity(group.kinds.len());
            finalize(
                &group.kinds,
                group.rows.row(r),
                carried.as_mut(),
                &mut values,
            );
            let (k, l) = text.of(&group.def, key, &group.info);
            rows.push(RowData {
                key: k.to_string(),
                label: l.to_string(),
                values,
                keep: true,
            });
        }
        Updates { new_keys, rows }
    }

    /// The group definitions, by id.
    pub fn defs(&self) -> impl Iterator<Item = &GroupDef> {
        self.groups.iter().map(|g| &g.def)
    }

    /// The effective topper bucket of group `g` (a multiple of the interval).
    pub fn topper_bucket(&self, g: usize) -> u64 {
        self.groups[g].topper_bucket
    }

    /// Adds one worker's shard of the current interval (tables indexed like
    /// the store's first groups).
    pub fn merge(&mut self, shard: &CounterShard) {
        for (gi, table) in shard.tables.iter().enumerate() {
            let Some(g) = self.groups.get_mut(gi) else {
                break;
            };
            g.stats.dropped_updates += table.dropped_updates();
            for (key, values) in table.rows() {
                if values.iter().all(|x| *x == 0) {
                    continue;
                }
                let cells = g.row_or_overflow(Key::Bin(*key));
                for (c, &x) in cells.iter_mut().zip(values) {
                    if x != 0 {
                        c.v = c.v.saturating_add(x);
                        c.n += 1;
                    }
                }
            }
            for (c, &x) in g.overflow.iter_mut().zip(table.overflow()) {
                if x != 0 {
                    c.v = c.v.saturating_add(x);
                    c.n += 1;
                }
            }
        }
    }

    /// Feeds `value` to `meter` of `key` in group `group` for the current
    /// interval, combined by the meter's type (the path plugins' updates
    /// take). A key of a built-in group's format (`C0.A8.01.04`) lands on
    /// the same row as the engine's own updates of that key. Returns false
    /// when the group or meter does not exist.
    pub fn feed(&mut self, group: usize, key: &str, meter: usize, value: i64) -> bool {
        let Some(g) = self.groups.get_mut(group) else {
            return false;
        };
        let Some(&kind) = g.kinds.get(meter) else {
            return false;
        };
        let k = g.key_of(key);
        let cells = g.row_or_overflow(k);
        cells[meter].feed(kind, value);
        true
    }

    /// Whether group `g` has a meter `meter`.
    pub fn has_meter(&self, g: usize, meter: usize) -> bool {
        self.groups.get(g).is_some_and(|g| meter < g.kinds.len())
    }

    /// Flushes the interval ending at `end_sec` (`eof`: the last one): writes
    /// each group's rows, and its toppers when the topper bucket is complete.
    pub fn flush(&mut self, end_sec: u64, eof: bool, out: &mut CounterOutput) {
        self.flush_with(end_sec, eof, out, &mut NoHook);
    }

    /// [`CounterStore::flush`], with plugins taking part through `hook`.
    pub fn flush_with(
        &mut self,
        end_sec: u64,
        eof: bool,
        out: &mut CounterOutput,
        hook: &mut dyn FlushHook,
    ) {
        let interval = self.interval_secs;
        let start = end_sec.saturating_sub(interval);
        let mut text = Text::default();
        let ts = Timestamp::from_secs(end_sec);
        for (gi, g) in self.groups.iter_mut().enumerate() {
            let bucket = start - start % g.topper_bucket;
            if g.tops_bucket.is_some_and(|b| b != bucket) {
                g.write_toppers(gi, ts, out, &mut text, hook);
            }
            g.flush_rows(gi, start, interval, bucket, out, &mut text, hook);
            if eof || end_sec.is_multiple_of(g.topper_bucket) {
                g.write_toppers(gi, ts, out, &mut text, hook);
            }
        }
    }

    /// Per-group statistics, by id.
    pub fn stats(&self) -> Vec<(&GroupDef, GroupStats)> {
        self.groups
            .iter()
            .map(|g| (&g.def, g.stats.clone()))
            .collect()
    }

    /// The `n` keys of group `g` with the largest meter-0 total over the run
    /// (empty unless `g` was listed in `run_totals`).
    pub fn run_top(&self, g: usize, n: usize) -> Vec<RunTotal> {
        let Some(group) = self.groups.get(g) else {
            return Vec::new();
        };
        let Some(totals) = group.run_totals.as_ref() else {
            return Vec::new();
        };
        let mut text = Text::default();
        top_n(totals.iter().map(|(k, v)| (k, *v)), n)
            .into_iter()
            .map(|t| {
                let (key, label) = text.of(&group.def, t.key, &group.info);
                RunTotal {
                    key: key.to_string(),
                    label: label.to_string(),
                    value: t.value,
                }
            })
            .collect()
    }
}

/// Reusable buffers for a key's text and label.
#[derive(Default)]
struct Text {
    key: String,
    label: String,
}

impl Text {
    /// The Trisul key and label of `key` in `def`'s format (a label a
    /// plugin set wins).
    fn of(&mut self, def: &GroupDef, key: &Key, info: &Map<Key, KeyInfo>) -> (&str, &str) {
        self.format(def, key);
        if let Some(i) = info.get(key).filter(|i| !i.label.is_empty()) {
            self.label.clear();
            self.label.push_str(&i.label);
        }
        (&self.key, &self.label)
    }

    fn format(&mut self, def: &GroupDef, key: &Key) {
        match key {
            Key::Bin(b) => {
                def.key_format.key(b, &mut self.key);
                def.key_format.label(b, &mut self.label);
            }
            Key::Text(t) => {
                self.key.clear();
                self.key.push_str(t);
                self.label.clear();
                self.label.push_str(t);
            }
        }
    }
}

/// The topper bucket for `secs`, rounded up to a multiple of the interval.
fn topper_bucket(secs: u64, interval: u64) -> u64 {
    secs.max(interval).div_ceil(interval) * interval
}

impl GroupState {
    /// The cells of `key` in the current interval, or the overflow row when
    /// the group is full (the key is then counted as dropped).
    fn row_or_overflow(&mut self, key: Key) -> &mut [Cell] {
        let present = self.rows.index.get(&key).copied();
        if present.is_none() && self.rows.len() >= self.def.max_keys {
            self.stats.dropped_keys += 1;
            return &mut self.overflow;
        }
        if self.track {
            let r = present.unwrap_or(self.rows.len() as u32);
            self.dirty.insert(r);
            if present.is_none() && !self.seen.contains(&key) {
                // A bounded memory of keys (Trisul's Bloom filter, exact).
                if self.seen.len() >= self.def.max_keys.saturating_mul(4) {
                    self.seen.clear();
                }
                self.seen.insert(key.clone());
                self.new_keys.push(key.clone());
            }
        }
        self.rows.add(key)
    }

    /// The store key of a key written as text: the binary key when the
    /// group's format reads it, the text otherwise.
    fn key_of(&self, text: &str) -> Key {
        self.def
            .key_format
            .parse(text)
            .map_or_else(|| Key::Text(text.into()), Key::Bin)
    }

    #[allow(clippy::too_many_arguments)]
    fn flush_rows(
        &mut self,
        gi: usize,
        start: u64,
        interval: u64,
        bucket: u64,
        out: &mut CounterOutput,
        text: &mut Text,
        hook: &mut dyn FlushHook,
    ) {
        let overflow_used = self.overflow.iter().any(|c| c.n > 0);
        if self.rows.len() == 0 && !overflow_used {
            return;
        }
        self.dirty.clear();
        self.stats.max_keys = self.stats.max_keys.max(self.rows.len());
        let kinds = &self.kinds;
        let m = kinds.len();
        let order = self.rows.sorted();
        // Every row's interval values, `m` per row, in key order.
        let mut values: Vec<i64> = Vec::with_capacity(order.len() * m);
        let carries = self.def.has_carried_state();
        for &r in &order {
            let key = &self.rows.keys[r as usize];
            let cells = self.rows.row(r);
            let carried = if !carries {
                None
            } else if let Some(c) = self.carried.get_mut(key) {
                Some(c)
            } else {
                Some(
                    self.carried
                        .entry(key.clone())
                        .or_insert_with(|| initial_carried(kinds)),
                )
            };
            finalize(kinds, cells, carried, &mut values);
        }
        // A row whose values all came to 0 (a connection that ended without
        // traffic in the interval) is not written.
        let (mut order, mut values) = {
            let mut kept_order = Vec::with_capacity(order.len());
            let mut kept = Vec::with_capacity(values.len());
            for (&r, v) in order.iter().zip(values.chunks_exact(m.max(1))) {
                if v.iter().any(|x| *x != 0) {
                    kept_order.push(r);
                    kept.extend_from_slice(v);
                }
            }
            (kept_order, kept)
        };
        let overflow = std::mem::replace(&mut self.overflow, vec![Cell::default(); m]);
        let mut overflow_values = Vec::with_capacity(m);
        finalize(
            kinds,
            &overflow,
            Some(&mut self.overflow_carried),
            &mut overflow_values,
        );
        // Running totals that went back to zero need not be carried.
        if carries && !kinds.contains(&MeterType::DeltaRateCounter) {
            self.carried.retain(|_, v| v.iter().any(|x| *x != 0));
        }

        let mut totals = if overflow_used {
            overflow_values
        } else {
            vec![0; m]
        };
        for row_values in values.chunks_exact(m.max(1)) {
            for ((t, &v), kind) in totals.iter_mut().zip(row_values).zip(kinds) {
                *t = match *kind {
                    MeterType::Maximum => (*t).max(v),
                    MeterType::Minimum if *t == 0 => v,
                    MeterType::Minimum => (*t).min(v),
                    _ => t.saturating_add(v),
                };
            }
        }

        // Plugins' flush filter: votes and meter overrides, totals first.
        let ts = Timestamp::from_secs(start + interval);
        let mut write_totals = true;
        let mut flushed: Option<Vec<RowData>> = None;
        if hook.wants_rows(gi) {
            let mut rows = Vec::with_capacity(order.len() + 1);
            rows.push(RowData {
                key: GROUP_TOTALS_KEY.into(),
                label: "Group totals".into(),
                values: totals.clone(),
                keep: true,
            });
            for (&r, v) in order.iter().zip(values.chunks_exact(m.max(1))) {
                let (key, label) = text.of(&self.def, &self.rows.keys[r as usize], &self.info);
                rows.push(RowData {
                    key: key.to_string(),
                    label: label.to_string(),
                    values: v.to_vec(),
                    keep: true,
                });
            }
            hook.filter_rows(gi, &self.view, ts, &mut rows);
            write_totals = rows[0].keep;
            totals.clone_from(&rows[0].values);
            let (mut o2, mut v2) = (
                Vec::with_capacity(order.len()),
                Vec::with_capacity(values.len()),
            );
            for (&r, row) in order.iter().zip(&rows[1..]) {
                if row.keep {
                    o2.push(r);
                    v2.extend_from_slice(&row.values);
                }
            }
            order = o2;
            values = v2;
            rows.retain(|r| r.keep);
            flushed = Some(rows);
        }

        let guid = &self.guid_text;
        let name = &self.def.name;
        let mut line = |key: &str, label: &str, values: &[i64]| {
            out.counter(&CounterRow {
                group_guid: guid,
                group: name,
                key,
                label,
                start_ts: start,
                interval,
                meters: values,
            })
        };
        if write_totals {
            line(GROUP_TOTALS_KEY, "Group totals", &totals);
            self.stats.rows += 1;
        }
        for (&r, v) in order.iter().zip(values.chunks_exact(m.max(1))) {
            let (key, label) = text.of(&self.def, &self.rows.keys[r as usize], &self.info);
            line(key, label, v);
        }
        self.stats.rows += order.len() as u64;

        if let Some(run) = self.run_totals.as_mut() {
            for (&r, v) in order.iter().zip(values.chunks_exact(m.max(1))) {
                let key = &self.rows.keys[r as usize];
                let v = v.first().copied().unwrap_or(0);
                if let Some(e) = run.get_mut(key) {
                    *e = e.saturating_add(v);
                } else if run.len() < self.def.max_keys {
                    run.insert(key.clone(), v);
                }
            }
        }

        if self.def.has_toppers() {
            self.tops_bucket = Some(bucket);
            for (&r, v) in order.iter().zip(values.chunks_exact(m.max(1))) {
                let key = self.rows.keys[r as usize].clone();
                let top = self.tops.add(key);
                for ((c, &v), kind) in top.iter_mut().zip(v).zip(kinds) {
                    let kind = match *kind {
                        // Over a bucket a level is its last interval's value.
                        MeterType::RunningCounter => MeterType::Gauge,
                        // Deltas are volumes by then.
                        MeterType::DeltaRateCounter => MeterType::Counter,
                        k => k,
                    };
                    c.feed(kind, v);
                }
            }
        }
        self.rows.clear();
        if let Some(rows) = flushed {
            hook.flushed_rows(gi, &self.view, ts, rows);
        }
    }

    fn write_toppers(
        &mut self,
        gi: usize,
        ts: Timestamp,
        out: &mut CounterOutput,
        text: &mut Text,
        hook: &mut dyn FlushHook,
    ) {
        let Some(bucket_start) = self.tops_bucket.take() else {
            return;
        };
        // Every meter's list, best first: (meter, row) pairs and values.
        let mut lists: Vec<(u32, u32, i64)> = Vec::new();
        for (m, meter) in self.def.meters.iter().enumerate() {
            if meter.top_n == 0 {
                continue;
            }
            let tops = &self.tops;
            let value = |r: u32| {
                let c = tops.row(r)[m];
                match meter.kind {
                    MeterType::Average if c.n > 0 => c.v / c.n as i64,
                    _ => c.v,
                }
            };
            // Ties in key order: numeric for addresses, ports and the other
            // binary keys (the same as their text's order within a format).
            let list = top_n(
                tops.keys
                    .iter()
                    .enumerate()
                    .map(|(r, k)| ((k, r as u32), value(r as u32))),
                meter.top_n as usize,
            );
            lists.extend(list.iter().map(|t| (m as u32, t.key.1, t.value)));
        }
        let mut keep = vec![true; lists.len()];
        let watched = hook.wants_toppers(gi);
        if watched {
            let mut entries = self.topper_entries(&lists, text);
            hook.filter_toppers(gi, &self.view, ts, &mut entries);
            for (k, e) in keep.iter_mut().zip(&entries) {
                *k = e.keep;
            }
        }
        let mut rank = 0;
        let mut meter = u32::MAX;
        let mut kept_entries = Vec::new();
        for ((m, r, value), kept) in lists.iter().zip(&keep) {
            if *m != meter {
                meter = *m;
                rank = 0;
            }
            if !kept {
                continue;
            }
            rank += 1;
            let (key, label) = text.of(&self.def, &self.tops.keys[*r as usize], &self.info);
            let meter_def = &self.def.meters[*m as usize];
            out.topper(&TopperRow {
                group_guid: &self.guid_text,
                group: &self.def.name,
                meter: *m as usize,
                meter_name: &meter_def.name,
                start_ts: bucket_start,
                bucket: self.topper_bucket,
                rank,
                key,
                label,
                value: *value,
            });
            if watched {
                kept_entries.push(TopperData {
                    meter: *m,
                    rank: rank as u32,
                    key: key.to_string(),
                    label: label.to_string(),
                    value: *value,
                    keep: true,
                });
            }
        }
        self.tops.clear();
        if watched {
            hook.flushed_toppers(gi, &self.view, ts, kept_entries);
        }
    }

    fn topper_entries(&self, lists: &[(u32, u32, i64)], text: &mut Text) -> Vec<TopperData> {
        let mut rank = 0;
        let mut meter = u32::MAX;
        lists
            .iter()
            .map(|&(m, r, value)| {
                if m != meter {
                    meter = m;
                    rank = 0;
                }
                rank += 1;
                let (key, label) = text.of(&self.def, &self.tops.keys[r as usize], &self.info);
                TopperData {
                    meter: m,
                    rank,
                    key: key.to_string(),
                    label: label.to_string(),
                    value,
                    keep: true,
                }
            })
            .collect()
    }
}

/// Carried value of a delta meter that has no previous interval yet.
const NO_PREVIOUS: i64 = i64::MIN;

/// The carried state of a key seen for the first time.
fn initial_carried(meters: &[MeterType]) -> Vec<i64> {
    meters
        .iter()
        .map(|k| match *k {
            MeterType::DeltaRateCounter => NO_PREVIOUS,
            _ => 0,
        })
        .collect()
}

/// Appends the interval values of a row from its cells to `out`, updating
/// the carried state of running and delta meters.
fn finalize(
    meters: &[MeterType],
    cells: &[Cell],
    mut carried: Option<&mut Vec<i64>>,
    out: &mut Vec<i64>,
) {
    let values = meters
        .iter()
        .zip(cells)
        .enumerate()
        .map(|(m, (kind, c))| match *kind {
            // A level never goes below 0: a key whose increments the key
            // cap dropped must not show minus its decrements.
            MeterType::RunningCounter => match carried.as_deref_mut() {
                Some(state) => {
                    state[m] = state[m].saturating_add(c.v).max(0);
                    state[m]
                }
                None => c.v.max(0),
            },
            MeterType::DeltaRateCounter => {
                if c.n == 0 {
                    return 0;
                }
                let Some(state) = carried.as_deref_mut() else {
                    return c.v - c.first;
                };
                // The first interval of a key counts from its first sample.
                let prev = if state[m] == NO_PREVIOUS {
                    c.first
                } else {
                    state[m]
                };
                state[m] = c.v;
                if c.v >= prev {
                    c.v - prev
                } else {
                    // The counter was reset or wrapped: count from 0.
                    c.v
                }
            }
            MeterType::Average if c.n > 0 => c.v / c.n as i64,
            _ => c.v,
        });
    out.extend(values);
}

#[cfg(test)]
mod tests;
