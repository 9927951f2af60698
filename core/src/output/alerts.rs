//! The `alerts` module deals with `alerts.ndjson`: one line per alert.
//!
//! Fields: `ts`, `group_guid`, `group`, `flow_id` (or null), `source_ip`,
//! `source_port`, `dest_ip`, `dest_port` (the flow's A and Z ends; null without
//! a flow), `sigid`, `classification`, `priority`, `message`, `extra_message`,
//! `status`, `raised_by` (`<plugin>#<instance>`). The time is chosen by
//! the host (`plugin::host`): the flow's last packet, else the event's
//! time, never after the latest packet read.

use std::fmt::Write as _;
use std::io::Write;

use crossbeam_channel::Receiver;

use weir_plugin_api::{Guid, IpBytes, Timestamp};

use super::{push_json_str, push_ts};

/// An alert as written.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    /// Stream time the alert was raised at.
    pub ts: Timestamp,
    /// Group GUID.
    pub group_guid: Guid,
    /// Group name.
    pub group: String,
    /// The flow's id, when the alert names a flow.
    pub flow_id: Option<String>,
    /// Source (A end) address and port.
    pub source: Option<(IpBytes, u16)>,
    /// Destination (Z end) address and port.
    pub dest: Option<(IpBytes, u16)>,
    /// Signature id.
    pub sigid: String,
    /// Classification.
    pub classification: String,
    /// Priority 1..=3.
    pub priority: u8,
    /// Message.
    pub message: String,
    /// Extra message.
    pub extra_message: String,
    /// Status.
    pub status: String,
    /// `<plugin>#<instance>`.
    pub raised_by: String,
}

/// Writes every alert received until the channel closes; returns how many
/// were written and the first write error.
pub fn write_all<W: Write>(rx: Receiver<AlertRow>, mut out: W) -> (u64, Option<String>) {
    let mut n = 0;
    let mut error = None;
    let mut line = String::new();
    for row in rx.iter() {
        line.clear();
        row.push_line(&mut line);
        match out.write_all(line.as_bytes()) {
            Ok(()) => n += 1,
            Err(e) => {
                error.get_or_insert(e.to_string());
            }
        }
    }
    if let Err(e) = out.flush() {
        error.get_or_insert(e.to_string());
    }
    (n, error)
}

impl AlertRow {
    /// Appends the NDJSON line (with newline) to `out`.
    pub fn push_line(&self, out: &mut String) {
        out.push_str("{\"ts\":");
        push_ts(out, self.ts);
        let _ = write!(out, ",\"group_guid\":\"{}\",\"group\":", self.group_guid);
        push_json_str(out, &self.group);
        out.push_str(",\"flow_id\":");
        match &self.flow_id {
            Some(id) => push_json_str(out, id),
            None => out.push_str("null"),
        }
        for (name, end) in [("source", &self.source), ("dest", &self.dest)] {
            match end {
                Some((ip, port)) => {
                    let _ = write!(out, ",\"{name}_ip\":\"{ip}\",\"{name}_port\":{port}");
                }
                None => {
                    let _ = write!(out, ",\"{name}_ip\":null,\"{name}_port\":null");
                }
            }
        }
        out.push_str(",\"sigid\":");
        push_json_str(out, &self.sigid);
        out.push_str(",\"classification\":");
        push_json_str(out, &self.classification);
        let _ = write!(out, ",\"priority\":{},\"message\":", self.priority);
        push_json_str(out, &self.message);
        out.push_str(",\"extra_message\":");
        push_json_str(out, &self.extra_message);
        out.push_str(",\"status\":");
        push_json_str(out, &self.status);
        out.push_str(",\"raised_by\":");
        push_json_str(out, &self.raised_by);
        out.push_str("}\n");
    }
}
