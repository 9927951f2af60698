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

use crate::decode::Decoded;
use crate::flow::{FlowEvent, FlowSnapshot, FlowTable, FlowTableConfig, PacketFacts, TableStats};

/// A decoded packet handed to a worker.
#[derive(Debug, Clone, Copy)]
pub struct PacketJob {
    /// Decoded summary.
    pub decoded: Decoded,
    /// Capture time.
    pub ts: Timestamp,
    /// Frame length on the wire.
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
    /// carries the flows to flush.
    Reached(Marker, Vec<FlowSnapshot>),
    /// The worker has finished (after `Reached(Eof)`), with its table's counters.
    Done(TableStats),
}

/// Runs a worker until its input closes or end of input is reached.
pub fn run(
    cfg: FlowTableConfig,
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
                    let facts = PacketFacts {
                        decoded: &job.decoded,
                        ts: job.ts,
                        wire_len: job.wire_len,
                    };
                    table.observe(&facts, job.now_sec, &mut events);
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
                    Marker::Tick { ts, .. } => table.expire_idle(ts.secs, &mut events),
                    Marker::Boundary { end_sec } => {
                        table.expire_idle(end_sec.saturating_sub(1), &mut events);
                        table.collect_flush(end_sec, &mut flush);
                    }
                    Marker::Eof { end_sec } => {
                        table.end_all(&mut events);
                        table.collect_flush(end_sec, &mut flush);
                    }
                }
                if !events.is_empty() {
                    let _ = output.send(WorkerOut::Events(std::mem::take(&mut events)));
                }
                let _ = output.send(WorkerOut::Reached(marker, flush));
                if let Marker::Eof { .. } = marker {
                    let _ = output.send(WorkerOut::Done(table.stats()));
                    return;
                }
            }
        }
    }
}
