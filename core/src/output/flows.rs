//! The `flows` module deals with `flows.ndjson`: one line per flushed flow.
//!
//! Fields: `flow_id`, `proto` (number), `a_ip`, `a_port`, `z_ip`, `z_port`,
//! `vlan` (array, outermost first), `az_bytes`, `za_bytes`, `az_packets`,
//! `za_packets`, `az_payload`, `za_payload` (totals since the flow began),
//! `first_ts`, `last_ts` (seconds with six decimals), `state` (Trisul bits),
//! `end_reason` (`fin`, `rst`, `timeout`, `eof`, `evicted`, or `active` for an
//! interim record of a live flow), `tags` (array), `tunnel` (`null`, or for
//! a flow whose packets came through a tunnel `{"kind", "id", "outer_a",
//! "outer_z"}`: `gre`, `vxlan`, `geneve`, `ipip`, `pptp`, `mpls`, `pppoe`;
//! the GRE key, VNI, PPTP call id, MPLS bottom label or PPPoE session id;
//! the outer addresses on the A and Z sides, `null` for MPLS and PPPoE,
//! which have no outer IP header).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{push_json_str, push_ts};
use weir_plugin_api::FlowRecord;

use crate::flow::FlowSnapshot;

/// Appends the NDJSON line of `flow` (with its newline) to `out`.
pub fn push_flow_line(out: &mut String, flow: &FlowSnapshot) {
    let r = flow.record();
    out.push_str("{\"flow_id\":");
    push_json_str(out, r.id());
    let _ = write!(
        out,
        ",\"proto\":{},\"a_ip\":\"{}\",\"a_port\":{},\"z_ip\":\"{}\",\"z_port\":{},\"vlan\":[",
        r.proto, r.a_ip, r.a_port, r.z_ip, r.z_port
    );
    for (i, v) in r.vlans().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{v}");
    }
    let _ = write!(
        out,
        "],\"az_bytes\":{},\"za_bytes\":{},\"az_packets\":{},\"za_packets\":{},\"az_frames\":{},\"za_frames\":{},\"az_payload\":{},\"za_payload\":{},\"first_ts\":",
        r.az_bytes, r.za_bytes, r.az_packets, r.za_packets, flow.counters.az_frames, flow.counters.za_frames, r.az_payload, r.za_payload
    );
    push_ts(out, r.first_ts);
    out.push_str(",\"last_ts\":");
    push_ts(out, r.last_ts);
    let _ = write!(
        out,
        ",\"state\":{},\"end_reason\":\"{}\",\"tags\":[",
        r.state,
        r.end_reason.as_str()
    );
    for (i, t) in r.tags().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(out, t);
    }
    out.push_str("],\"tunnel\":");
    push_tunnel(out, &r);
    out.push_str("}\n");
}

/// Appends the `tunnel` value of `r` (what plugins read through
/// `FlowRecord::tunnel`).
fn push_tunnel(out: &mut String, r: &FlowRecord<'_>) {
    let Some(t) = r.tunnel() else {
        out.push_str("null");
        return;
    };
    let _ = write!(out, "{{\"kind\":\"{}\",\"id\":{},", t.kind.as_str(), t.id);
    match t.outer() {
        Some((a, z)) => {
            let _ = write!(out, "\"outer_a\":\"{a}\",\"outer_z\":\"{z}\"}}");
        }
        None => out.push_str("\"outer_a\":null,\"outer_z\":null}"),
    }
}

/// Writes flow records to an NDJSON sink.
pub struct FlowWriter<W: Write> {
    sink: W,
    line: String,
    written: u64,
}

impl<W: Write> FlowWriter<W> {
    /// Wraps `sink` (give it a `BufWriter`).
    pub fn new(sink: W) -> FlowWriter<W> {
        FlowWriter {
            sink,
            line: String::with_capacity(512),
            written: 0,
        }
    }

    /// Writes one record.
    pub fn write(&mut self, flow: &FlowSnapshot) -> io::Result<()> {
        self.line.clear();
        push_flow_line(&mut self.line, flow);
        self.written += 1;
        self.sink.write_all(self.line.as_bytes())
    }

    /// Records written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes the sink.
    pub fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}
