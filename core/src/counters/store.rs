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

use weir_plugin_api::MeterType;

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

    /// The row of `key`, if present.
    fn get(&mut self, key: &Key) -> Option<&mut [Cell]> {
        let i = *self.index.get(key)? as usize * self.meters;
        Some(&mut self.cells[i..i + self.meters])
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
        let groups = defs
            .into_iter()
            .enumerate()
            .map(|(i, def)| {
                let m = def.meters.len();
                let kinds: Vec<MeterType> = def.meters.iter().map(|m| m.kind).collect();
                GroupState {
                    guid_text: def.guid.to_string(),
                    topper_bucket: topper_bucket(def.topper_bucket_secs, interval),
                    rows: Rows::new(m),
                    overflow: vec![Cell::default(); m],
                    carried: map(),
                    overflow_carried: initial_carried(&kinds),
                    tops: Rows::new(m),
                    tops_bucket: None,
                    run_totals: run_totals.contains(&i).then(map),
                    stats: GroupStats::default(),
                    kinds,
                    def,
                }
            })
            .collect();
        CounterStore {
            interval_secs: interval,
            groups,
        }
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
    /// interval, combined by the meter's type (the path plugins' updates take).
    /// Returns false when the group or meter does not exist.
    pub fn feed(&mut self, group: usize, key: &str, meter: usize, value: i64) -> bool {
        let Some(g) = self.groups.get_mut(group) else {
            return false;
        };
        let Some(&kind) = g.kinds.get(meter) else {
            return false;
        };
        let cells = g.row_or_overflow(Key::Text(key.into()));
        cells[meter].feed(kind, value);
        true
    }

    /// Flushes the interval ending at `end_sec` (`eof`: the last one): writes
    /// each group's rows, and its toppers when the topper bucket is complete.
    pub fn flush(&mut self, end_sec: u64, eof: bool, out: &mut CounterOutput) {
        let interval = self.interval_secs;
        let start = end_sec.saturating_sub(interval);
        let mut text = Text::default();
        for g in &mut self.groups {
            let bucket = start - start % g.topper_bucket;
            if g.tops_bucket.is_some_and(|b| b != bucket) {
                g.write_toppers(out, &mut text);
            }
            g.flush_rows(start, interval, bucket, out, &mut text);
            if eof || end_sec.is_multiple_of(g.topper_bucket) {
                g.write_toppers(out, &mut text);
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
                let (key, label) = text.of(&group.def, t.key);
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
    /// The Trisul key and label of `key` in `def`'s format.
    fn of(&mut self, def: &GroupDef, key: &Key) -> (&str, &str) {
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
        (&self.key, &self.label)
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
        if self.rows.get(&key).is_none() && self.rows.len() >= self.def.max_keys {
            self.stats.dropped_keys += 1;
            return &mut self.overflow;
        }
        self.rows.add(key)
    }

    fn flush_rows(
        &mut self,
        start: u64,
        interval: u64,
        bucket: u64,
        out: &mut CounterOutput,
        text: &mut Text,
    ) {
        let overflow_used = self.overflow.iter().any(|c| c.n > 0);
        if self.rows.len() == 0 && !overflow_used {
            return;
        }
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
        let (order, values) = {
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
        line(GROUP_TOTALS_KEY, "Group totals", &totals);
        for (&r, v) in order.iter().zip(values.chunks_exact(m.max(1))) {
            let (key, label) = text.of(&self.def, &self.rows.keys[r as usize]);
            line(key, label, v);
        }
        self.stats.rows += order.len() as u64 + 1;

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
    }

    fn write_toppers(&mut self, out: &mut CounterOutput, text: &mut Text) {
        let Some(bucket_start) = self.tops_bucket.take() else {
            return;
        };
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
            for (rank, t) in list.iter().enumerate() {
                let (key, label) = text.of(&self.def, t.key.0);
                out.topper(&TopperRow {
                    group_guid: &self.guid_text,
                    group: &self.def.name,
                    meter: m,
                    meter_name: &meter.name,
                    start_ts: bucket_start,
                    bucket: self.topper_bucket,
                    rank: rank + 1,
                    key,
                    label,
                    value: t.value,
                });
            }
        }
        self.tops.clear();
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
