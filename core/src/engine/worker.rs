//! The `worker` module deals with a packet worker: the thread that owns one
//! shard of the flows, accounts packets into them and turns what happens into
//! events. A worker never calls a plugin; it only queues events for the
//! coordinator.
//!
//! Markers from the reader split a worker's input into the same segments on
//! every worker: a worker answers each marker after everything before it, so
//! the coordinator can line the workers up (a barrier) and keep stream order.

use crossbeam_channel::{Receiver, Sender};
use weir_plugin_api::{FlowHandle, Timestamp};

use crate::app::{AppLayer, AppStats};
use crate::counters::metering::Meters;
use crate::counters::shard::CounterShard;
use crate::decode::{Decoded, LinkFacts};
use crate::flow::{FlowEvent, FlowSnapshot, FlowTable, FlowTableConfig, PacketFacts, TableStats};

/// A decoded frame handed to a worker.
#[derive(Debug, Clone, Copy)]
pub struct PacketJob {
    /// Decoded IP summary; `None` for a frame without IP (ARP, LLDP, ...),
    /// which only counts in the link-layer counters.
    pub decoded: Option<Decoded>,
    /// What the link layer says.
    pub link: LinkFacts,
    /// Whether this job meters the link-layer counters: true for a frame's
    /// first layer, false for the packets inside its tunnels (the frame is
    /// counted once).
    pub meter_link: bool,
    /// Whether the frame is an IP fragment (the Aggregates fragment meter,
    /// metered with the link).
    pub fragment: bool,
    /// Frames that carried the packet: 1, or the fragments of a
    /// reassembled datagram (`wire_len` is then their bytes together).
    pub frames: u32,
    /// Capture time.
    pub ts: Timestamp,
    /// Frame length on the wire (all fragments' for a reassembled datagram).
    pub wire_len: u32,
    /// The stream clock's second when the packet was read.
    pub now_sec: u64,
    /// The payload, in its batch's [`Batch::payloads`] (when the
    /// application layer is on).
    pub payload: PayloadRef,
}

/// Where a packet's payload is in its batch; `len` 0: not carried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayloadRef {
    /// Offset in [`Batch::payloads`], bytes.
    pub start: u32,
    /// Length, bytes (at most the captured part of the payload).
    pub len: u32,
}

impl PayloadRef {
    /// No payload carried.
    pub const NONE: PayloadRef = PayloadRef { start: 0, len: 0 };
}

/// Packets for one worker, in stream order, and their payloads.
pub struct Batch {
    /// The packets.
    pub jobs: Vec<PacketJob>,
    /// Their payloads back to back (empty when the application layer is off).
    pub payloads: Vec<u8>,
}

impl Batch {
    /// The payload of `job` (empty when not carried).
    pub fn payload(&self, job: &PacketJob) -> &[u8] {
        let start = job.payload.start as usize;
        self.payloads
            .get(start..start + job.payload.len as usize)
            .unwrap_or(&[])
    }
}

/// A point in the stream that every worker passes in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A new second of stream time: expire idle flows, deliver the metronome.
    Tick {
        /// Stream time of the tick.
        ts: Timestamp,
        /// Tick number from 1.
        tick: u64,
    },
    /// The interval ending at `end_sec` is over: flush.
    Boundary {
        /// End of the interval (exclusive), seconds.
        end_sec: u64,
    },
    /// End of input: end every flow and flush.
    Eof {
        /// End of the last interval, seconds.
        end_sec: u64,
    },
}

/// Input of a worker.
pub enum WorkerIn {
    /// Packets in stream order.
    Packets(Batch),
    /// A marker.
    Marker(Marker),
}

/// Output of a worker.
pub enum WorkerOut {
    /// Flow events in order.
    Events(Vec<FlowEvent>),
    /// Resources and FTS documents the application parsers extracted
    /// (sent before the marker they precede).
    Artifacts(Vec<crate::artifacts::Artifact>),
    /// The worker has reached a marker; for boundaries and end of input it
    /// carries the flows to flush and the interval's counter shard.
    Reached(Marker, Vec<FlowSnapshot>, Option<Box<CounterShard>>),
    /// The worker has finished (after `Reached(Eof)`), with its table's
    /// counters and its application layer's.
    Done(TableStats, Box<AppStats>),
}

/// Runs a worker until its input closes or end of input is reached.
/// `shard_every_tick`: hand the counter shard over at every metronome tick
/// too (some plugin wants real-time counter updates), not only at boundaries.
pub fn run(
    cfg: FlowTableConfig,
    mut meters: Meters,
    shard_every_tick: bool,
    input: Receiver<WorkerIn>,
    output: Sender<WorkerOut>,
    tags: Receiver<(FlowHandle, String)>,
    mut app: Option<AppLayer>,
) {
    let mut table = FlowTable::new(cfg);
    let mut events = Vec::with_capacity(1024);
    for msg in input.iter() {
        match msg {
            WorkerIn::Packets(batch) => {
                for job in &batch.jobs {
                    if job.meter_link {
                        meters.packet(&job.link, job.wire_len, job.fragment);
                    }
                    if let Some(decoded) = &job.decoded {
                        let facts = PacketFacts {
                            decoded,
                            ts: job.ts,
                            wire_len: job.wire_len,
                            frames: job.frames,
                        };
                        let seen = table.observe(&facts, job.now_sec, &mut events);
                        if let (Some(app), Some(seen)) = (app.as_mut(), seen) {
                            if decoded.proto == crate::decode::ip_proto::TCP {
                                tcp_segment(
                                    app,
                                    &mut table,
                                    seen,
                                    job,
                                    decoded,
                                    batch.payload(job),
                                );
                            } else if job.payload.len > 0 {
                                datagram(app, &mut table, seen, job, decoded, batch.payload(job));
                            }
                        }
                    }
                }
                if let Some(app) = app.as_mut() {
                    finish_ended(app, &mut table);
                    if app.out.len() >= 256 {
                        let _ = output.send(WorkerOut::Artifacts(app.take()));
                    }
                }
                // Flows evicted or replaced by this batch.
                for (key, usage) in table.drain_folded() {
                    meters.flow(&key, &usage);
                }
                if events.len() >= 512 {
                    let _ = output.send(WorkerOut::Events(std::mem::take(&mut events)));
                }
            }
            WorkerIn::Marker(marker) => {
                for (handle, tag) in tags.try_iter() {
                    table.tag(handle, &tag);
                }
                let mut flush = Vec::new();
                match marker {
                    Marker::Tick { ts, .. } => {
                        table.expire_idle(ts.secs, &mut events);
                        if shard_every_tick {
                            table.fold_touched();
                        }
                    }
                    Marker::Boundary { end_sec } => {
                        table.expire_idle(end_sec.saturating_sub(1), &mut events);
                        table.collect_flush(end_sec, &mut flush);
                        table.fold_touched();
                    }
                    Marker::Eof { end_sec } => {
                        table.end_all(&mut events);
                        table.collect_flush(end_sec, &mut flush);
                        table.fold_touched();
                    }
                }
                for (key, usage) in table.drain_folded() {
                    meters.flow(&key, &usage);
                }
                if let Some(app) = app.as_mut() {
                    app.clock(match marker {
                        Marker::Tick { ts, .. } => Some(ts.secs),
                        Marker::Boundary { end_sec } => Some(end_sec),
                        Marker::Eof { .. } => None,
                    });
                    finish_ended(app, &mut table);
                    if !app.out.is_empty() {
                        let _ = output.send(WorkerOut::Artifacts(app.take()));
                    }
                }
                let shard = match marker {
                    Marker::Tick { .. } if !shard_every_tick => None,
                    _ => Some(Box::new(meters.take())),
                };
                if !events.is_empty() {
                    let _ = output.send(WorkerOut::Events(std::mem::take(&mut events)));
                }
                let _ = output.send(WorkerOut::Reached(marker, flush, shard));
                if let Marker::Eof { .. } = marker {
                    let stats = app.map(|a| a.stats).unwrap_or_default();
                    let _ = output.send(WorkerOut::Done(table.stats(), Box::new(stats)));
                    return;
                }
            }
        }
    }
}

/// Hands one TCP segment to its flow's application state.
fn tcp_segment(
    app: &mut AppLayer,
    table: &mut FlowTable,
    seen: crate::flow::table::Observed,
    job: &PacketJob,
    d: &Decoded,
    payload: &[u8],
) {
    let Some((state, flow)) = table.app_state(seen.slot) else {
        return;
    };
    if state.as_ref().is_some_and(|s| s.is_off()) {
        app.stats.stream.given_up_bytes += payload.len() as u64;
        return;
    }
    app.segment(
        state,
        &flow,
        seen.forward,
        job.ts,
        d.tcp_seq,
        d.tcp_ack,
        d.tcp_flags,
        payload,
    );
}

/// Hands a UDP payload, or an ICMP error, to the application layer.
fn datagram(
    app: &mut AppLayer,
    table: &mut FlowTable,
    seen: crate::flow::table::Observed,
    job: &PacketJob,
    d: &Decoded,
    payload: &[u8],
) {
    use crate::decode::ip_proto;
    let Some((_, flow)) = table.app_state(seen.slot) else {
        return;
    };
    match d.proto {
        ip_proto::UDP => app.datagram(&flow, seen.forward, job.ts, payload),
        p @ (ip_proto::ICMP | ip_proto::ICMPV6) => app.icmp_error(
            &flow,
            seen.forward,
            p,
            job.ts,
            p == ip_proto::ICMPV6,
            payload,
        ),
        _ => {}
    }
}

/// Ends the application state of every flow that left the table.
fn finish_ended(app: &mut AppLayer, table: &mut FlowTable) {
    for mut ended in table.take_ended_apps() {
        app.finish(&mut ended.app, ended.last_ts);
    }
}
