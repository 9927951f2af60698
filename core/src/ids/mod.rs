//! The `ids` module deals with alerts from an external IDS: Suricata's EVE
//! JSON output, read line by line, whose `alert` events are to become weir
//! alerts of the External IDS alert group, linked to weir's flow with the
//! same 5-tuple and time. Parsed, counted and tested here; not yet wired
//! into the engine (`--ids-eve FILE` is a later step).
//!
//! Brief overview:
//! - [`eve`]: one line to an [`EveEvent`] ([`parse_line`]), the weir alert
//!   fields of an alert ([`EveAlert::weir_fields`], [`map_priority`]).
//! - [`reader`]: [`EveReader`], a file (or any reader) to alerts, following it as it
//!   grows, surviving truncation and rotation, counting in [`EveStats`].
//! - [`flow_match`]: [`FlowMatch`] and [`matches`], the key and the time test that tie an alert
//!   to a flow.
//!
//! Why a reader of Suricata's own output, rather than rules run in weir:
//! Suricata's detection is what its users trust; weir adds the flow and
//! counter context around it. Malformed input is never fatal: a line that
//! is not a usable event is counted ([`EveStats::malformed`], with the
//! first reason in [`EveStats::first_error`]) and skipped.
//!
//! Nothing here panics on any input, and nothing reads a clock: timestamps
//! come from the EVE lines.
//!
//! [`eve`]: crate::ids::eve
//! [`reader`]: crate::ids::reader
//! [`flow_match`]: crate::ids::flow_match
//! [`EveEvent`]: crate::ids::EveEvent
//! [`parse_line`]: crate::ids::parse_line
//! [`EveAlert::weir_fields`]: crate::ids::EveAlert::weir_fields
//! [`map_priority`]: crate::ids::map_priority
//! [`EveReader`]: crate::ids::EveReader
//! [`EveStats`]: crate::ids::EveStats
//! [`EveStats::malformed`]: crate::ids::EveStats::malformed
//! [`EveStats::first_error`]: crate::ids::EveStats::first_error
//! [`FlowMatch`]: crate::ids::FlowMatch
//! [`matches`]: fn@crate::ids::matches
//!
//! ```
//! use weir_core::ids::EveReader;
//!
//! let eve = concat!(
//!     r#"{"timestamp":"2024-01-02T03:04:05.123456+0000","event_type":"stats","stats":{}}"#, "\n",
//!     r#"{"timestamp":"2024-01-02T03:04:05.5+00:00","event_type":"alert","src_ip":"10.0.0.1","#,
//!     r#""dest_ip":"10.0.0.2","proto":"ICMP","alert":{"action":"allowed","gid":1,"#,
//!     r#""signature_id":1,"rev":1,"signature":"ping","severity":3}}"#, "\n",
//!     "not json\n",
//! );
//! let mut r = EveReader::new(std::io::Cursor::new(eve.as_bytes().to_vec()));
//! let mut alerts = Vec::new();
//! r.poll(&mut alerts).unwrap();
//! assert_eq!(alerts.len(), 1);
//! assert_eq!(alerts[0].src_port, None);
//! assert_eq!(r.stats().other_events["stats"], 1);
//! assert_eq!(r.stats().malformed, 1);
//! ```

pub mod eve;
pub mod flow_match;
pub mod reader;

#[cfg(test)]
mod tests;

pub use eve::{map_priority, parse_line, EveAlert, EveError, EveEvent};
pub use flow_match::{matches, FlowMatch};
pub use reader::{
    EveReader, EveStats, DEFAULT_MAX_LINE, MAX_EVENT_TYPES, MAX_EVENT_TYPE_LEN, OTHER_TYPES_KEY,
    READ_CHUNK,
};
