//! The `shard` module deals with one packet worker's counter tables for the
//! built-in groups, filled for one interval and handed to the coordinator at
//! the boundary (no locks: each worker owns its shard; the coordinator merges).
//!
//! A table is a `hashbrown` index from [`BinKey`] to a row number and one flat
//! `Vec<i64>` of rows (`meters` cells each). Once a key has its row, updating
//! it allocates nothing. The number of keys is capped: an update of a new key
//! beyond the cap lands in the table's overflow row instead (so the group's
//! totals stay whole) and is counted.

use hashbrown::HashMap;

use super::keys::BinKey;

/// One group's table in one worker for one interval.
#[derive(Debug, Clone)]
pub struct ShardTable {
    meters: usize,
    max_keys: usize,
    index: HashMap<BinKey, u32, foldhash::fast::RandomState>,
    keys: Vec<BinKey>,
    cells: Vec<i64>,
    overflow: Vec<i64>,
    dropped_updates: u64,
}

/// Row number of the overflow row in [`ShardTable::slot`]'s answers.
pub const OVERFLOW: u32 = u32::MAX;

impl ShardTable {
    /// An empty table of `meters` meters keeping at most `max_keys` keys.
    pub fn new(meters: usize, max_keys: usize) -> ShardTable {
        ShardTable {
            meters,
            max_keys,
            index: HashMap::with_hasher(foldhash::fast::RandomState::default()),
            keys: Vec::new(),
            cells: Vec::new(),
            overflow: vec![0; meters],
            dropped_updates: 0,
        }
    }

    /// The row number of `key`, adding the key if there is room, or
    /// [`OVERFLOW`] (counted as a dropped update) if the table is full.
    #[inline]
    pub fn slot(&mut self, key: BinKey) -> u32 {
        if let Some(&slot) = self.index.get(&key) {
            return slot;
        }
        if self.keys.len() >= self.max_keys {
            self.dropped_updates += 1;
            return OVERFLOW;
        }
        let slot = self.keys.len() as u32;
        self.keys.push(key);
        self.cells.resize(self.cells.len() + self.meters, 0);
        self.index.insert(key, slot);
        slot
    }

    /// The cells of row `slot` (the overflow row for [`OVERFLOW`]).
    #[inline]
    pub fn row_at(&mut self, slot: u32) -> &mut [i64] {
        if slot == OVERFLOW {
            return &mut self.overflow;
        }
        let start = slot as usize * self.meters;
        &mut self.cells[start..start + self.meters]
    }

    /// The cells of `key`'s row (see [`ShardTable::slot`]).
    #[inline]
    pub fn row(&mut self, key: BinKey) -> &mut [i64] {
        let slot = self.slot(key);
        self.row_at(slot)
    }

    /// Keys and their rows, in the order keys were added.
    pub fn rows(&self) -> impl Iterator<Item = (&BinKey, &[i64])> {
        self.keys
            .iter()
            .zip(self.cells.chunks_exact(self.meters.max(1)))
    }

    /// The overflow row: what updates of keys beyond the cap added.
    pub fn overflow(&self) -> &[i64] {
        &self.overflow
    }

    /// Updates that found the table full.
    pub fn dropped_updates(&self) -> u64 {
        self.dropped_updates
    }

    /// Keys held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of meters per row.
    pub fn meters(&self) -> usize {
        self.meters
    }

    /// An empty table with the same shape.
    pub fn fresh(&self) -> ShardTable {
        ShardTable::new(self.meters, self.max_keys)
    }
}

/// One worker's tables for every built-in group, indexed like
/// [`super::builtin::Builtin::ALL`].
#[derive(Debug, Clone)]
pub struct CounterShard {
    /// The tables.
    pub tables: Vec<ShardTable>,
}

impl CounterShard {
    /// Empty tables shaped like `defs`.
    pub fn new(defs: &[super::GroupDef]) -> CounterShard {
        CounterShard {
            tables: defs
                .iter()
                .map(|d| ShardTable::new(d.meters.len(), d.max_keys))
                .collect(),
        }
    }

    /// Takes the filled tables, leaving empty ones of the same shape.
    pub fn take(&mut self) -> CounterShard {
        let fresh = self.tables.iter().map(ShardTable::fresh).collect();
        CounterShard {
            tables: std::mem::replace(&mut self.tables, fresh),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_add_up_and_the_cap_overflows() {
        let mut t = ShardTable::new(2, 2);
        t.row(BinKey::byte(1))[0] += 5;
        t.row(BinKey::byte(2))[1] += 7;
        t.row(BinKey::byte(1))[0] += 1;
        // Third key: over the cap.
        t.row(BinKey::byte(3))[0] += 100;
        t.row(BinKey::byte(3))[1] += 1;
        let rows: Vec<_> = t
            .rows()
            .map(|(k, r)| (k.as_bytes()[0], r.to_vec()))
            .collect();
        assert_eq!(rows, vec![(1, vec![6, 0]), (2, vec![0, 7])]);
        assert_eq!(t.overflow(), &[100, 1]);
        assert_eq!(t.dropped_updates(), 2);
        assert_eq!(t.fresh().len(), 0);
    }
}
