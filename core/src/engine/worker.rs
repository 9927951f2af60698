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
    Packets(Vec<PacketJob>),
    /// A marker.
    Marker(Marker),
}

/// Output of a worker.
pub enum WorkerOut {
    /// Flow events in order.
    Events(Vec<FlowEvent>),
    /// The worker has reached a marker; for boundaries and end of input it
    /// carries the flows to flush and the interval's counter shard.
    Reached(Marker, Vec<FlowSnapshot>, Option<Box<CounterShard>>),
    /// The worker has finished (after `Reached(Eof)`), with its table's counters.
    Done(TableStats),
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
) {
    let mut table = FlowTable::new(cfg);
    let mut events = Vec::with_capacity(1024);
    for msg in input.iter() {
        match msg {
            WorkerIn::Packets(jobs) => {
                for job in &jobs {
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
                        table.observe(&facts, job.now_sec, &mut events);
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
                let shard = match marker {
                    Marker::Tick { .. } if !shard_every_tick => None,
                    _ => Some(Box::new(meters.take())),
                };
                if !events.is_empty() {
                    let _ = output.send(WorkerOut::Events(std::mem::take(&mut events)));
                }
                let _ = output.send(WorkerOut::Reached(marker, flush, shard));
                if let Marker::Eof { .. } = marker {
                    let _ = output.send(WorkerOut::Done(table.stats()));
                    return;
                }
            }
        }
    }
}
