//! The `artifacts` module deals with the resource and full-text (FTS)
//! streams: what the application parsers (and plugins) extract from the
//! traffic, how it reaches resource and FTS monitors, and how it is stored.
//!
//! - [`item`]: the engine's owned [`Resource`] and [`FtsDoc`], and the
//!   borrowed ABI records made from them for a callback.
//! - [`groups`]: the resource and FTS groups of a run (Trisul's built-in
//!   ones and those plugins register), and subscription matching.
//! - [`stream`]: the coordinator's side: new items delivered to
//!   `on_new_*` within a second of stream time, the interval's items held
//!   until its flush, the flush sequence with filter votes, and
//!   `resources.ndjson` / `fts.ndjson`.
//!
//! Items are produced on the packet workers (`crate::app`) and by plugins
//! (`add_resource`, `add_fts_document`). Between two markers the
//! coordinator sorts each batch by time, flow id and content, so outputs
//! do not depend on how flows were sharded over workers.

pub mod groups;
pub mod item;
pub mod stream;

pub use groups::{ArtifactGroups, GroupKind};
pub use item::{
    Artifact, FileHashInfo, FlowRef, FtsDoc, Origin, Resource, ResourceFields, UrlInfo,
};
pub use stream::{ArtifactOutputs, ArtifactStats, ArtifactStream};
