//! The `counters` module deals with counter groups: Trisul's metric streams.
//! A group (Hosts, Apps, ...) has keys (`C0.A8.01.04`, `p-0050`), each key a
//! row of meters per interval, plus per-meter topper lists.
//!
//! Where things happen (see `docs/ARCHITECTURE.md`):
//! - [`builtin`]: the groups weir fills, with Trisul's GUIDs and meter lists;
//!   [`group`]: what a group is; [`keys`]: key and label formats;
//!   [`ports`]: names of ports, protocols, EtherTypes; [`homenet`]: `--home-net`.
//! - On the packet path, in each worker: [`metering::Meters`] turns packets
//!   and flow folds into updates of that worker's [`shard::CounterShard`]
//!   (no locks, no allocation once a key has its row, a key cap per table).
//! - At each boundary, on the coordinator: [`store::CounterStore`] merges the
//!   shards, applies meter types, writes `counters.ndjson`, keeps topper
//!   buckets ([`topper`]) and writes `toppers.ndjson`.

pub mod builtin;
pub mod group;
pub mod homenet;
pub mod keys;
pub mod metering;
pub mod ports;
pub mod shard;
pub mod store;
pub mod topper;

pub use builtin::Builtin;
pub use group::{GroupDef, GroupOptions, MeterDef};
pub use homenet::{Cidr, HomeNets};
pub use store::CounterStore;
