//! weir-core: the weir engine as a library.
//!
//! Brief overview:
//! - [`source`]: the [`source::PacketSource`] trait capture back-ends implement.
//! - [`counters`]: counter groups (Hosts, Apps, ...), meters, key caps and toppers.
//! - [`decode`]: zero-copy protocol views and the per-frame [`decode::Decoded`] summary.
//! - [`flow`]: flow keys, Trisul flow ids, per-worker flow tables.
//! - [`engine`]: [`engine::Engine`], which runs source → workers → coordinator → plugins.
//! - [`plugin`]: `--plugin` specs, the dylib loader, host calls, dispatcher threads.
//! - [`output`]: `flows.ndjson` and `alerts.ndjson`.
//! - [`stream`]: TCP reassembly per flow direction, bounded, for application parsers.
//! - [`proto`]: application-protocol parsers (HTTP/1.x, TLS, X.509, DNS, SSH).
//! - [`app`]: the application layer on the workers (reassembly, detection, parsers).
//! - [`artifacts`]: the resource and FTS streams (URLs, file hashes, DNS, TLS,
//!   certificates, SSH; HTTP headers, DNS messages, certificate chains).
//! - [`ids`]: Suricata EVE JSON alerts (reader, parser, flow matching; not
//!   wired into the engine yet).
//!
//! ```no_run
//! # fn demo(source: &mut dyn weir_core::source::PacketSource) -> Result<(), Box<dyn std::error::Error>> {
//! use weir_core::engine::{Engine, EngineConfig};
//! use weir_core::plugin::PluginSpec;
//!
//! let mut engine = Engine::new(EngineConfig::new("out"))?;
//! engine.load_plugin(&PluginSpec::parse("target/debug/libweir_plugin_sg1.so")?)?;
//! let summary = engine.run(source)?;
//! eprint!("{}", summary.render());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod app;
pub mod artifacts;
pub mod counters;
pub mod decode;
pub mod diag;
pub mod engine;
pub mod flow;
pub mod ids;
pub mod output;
pub mod plugin;
pub mod proto;
pub mod source;
pub mod stream;

pub use weir_plugin_api as api;
