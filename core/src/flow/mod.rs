//! The `flow` module deals with flows: the canonical key ([`FlowKey`]), Trisul
//! flow ids ([`FlowId`]), per-worker tables ([`FlowTable`]) and the snapshots
//! in which flows leave the packet path ([`FlowSnapshot`]).

pub mod id;
pub mod key;
pub mod snapshot;
pub mod table;
pub mod usage;

pub use id::FlowId;
pub use key::{Direction, FlowKey};
pub use snapshot::{FlowCounters, FlowSnapshot, OuterEnds};
pub use table::{FlowEvent, FlowTable, FlowTableConfig, PacketFacts, TableStats};
pub use usage::FlowUse;
