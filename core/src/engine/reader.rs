//! The `reader` module deals with the engine's first stage, on the caller's
//! thread: pull frames from the source, decode them, advance the stream clock,
//! and hand each packet to the worker that owns its flow.
//!
//! Packets travel in batches (up to [`BATCH`] per worker) to keep channel
//! traffic low. Before a packet that crosses an interval boundary or starts a
//! new second, every worker's pending batch is sent and then the marker, so
//! every worker sees the same markers at the same points of the stream.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::Sender;
use weir_plugin_api::Timestamp;

use super::clock::StreamClock;
use super::worker::{Marker, PacketJob, WorkerIn};
use crate::decode;
use crate::flow::FlowKey;
use crate::source::{PacketSource, SourceItem};

/// Packets per batch sent to a worker.
pub const BATCH: usize = 256;

/// What reading the source produced, besides the packets themselves.
#[derive(Debug)]
pub struct ReadOutcome {
    /// Frames read.
    pub packets: u64,
    /// Sum of wire lengths.
    pub bytes: u64,
    /// Frames without IP.
    pub non_ip: u64,
    /// Malformed frames by reason.
    pub decode_errors: BTreeMap<&'static str, u64>,
    /// Non-fatal input problems, in order.
    pub warnings: Vec<String>,
    /// Time going backwards, one line per input (nothing is lost: these do
    /// not make the run end "with warnings").
    pub clock_warnings: Vec<String>,
    /// The fatal input error that stopped reading, if any.
    pub error: Option<String>,
    /// Earliest packet time (capinfos' "first packet time").
    pub first_ts: Option<Timestamp>,
    /// The stream clock at the end.
    pub clock: StreamClock,
    /// Reading stopped early because the stop flag was raised (a signal).
    pub stopped: bool,
    /// Packets older than the stream clock when read, and how far behind
    /// the worst was (µs). They count where the clock is.
    pub backwards: Backwards,
}

/// Time going backwards: packets older than the stream clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backwards {
    /// Packets.
    pub packets: u64,
    /// The largest lag, microseconds.
    pub max_behind_us: u64,
}

impl Backwards {
    fn add(&mut self, behind_us: u64) {
        self.packets += 1;
        self.max_behind_us = self.max_behind_us.max(behind_us);
    }
}

/// Ends a file's count of backward packets with its one warning.
fn backwards_warning(origin: Option<String>, b: Backwards, out: &mut ReadOutcome) {
    if b.packets == 0 {
        return;
    }
    let w = format!(
        "{}: {} packets older than the stream clock (up to {:.6} s behind); they count in the interval the clock is in",
        origin.unwrap_or_else(|| "input".into()),
        b.packets,
        b.max_behind_us as f64 / 1e6
    );
    crate::diag::line(format_args!("weir: warning: {w}"));
    out.clock_warnings.push(w);
}

/// Per-worker batches and the channels they go to.
struct Shards {
    senders: Vec<Sender<WorkerIn>>,
    batches: Vec<Vec<PacketJob>>,
}

impl Shards {
    fn push(&mut self, worker: usize, job: PacketJob) {
        self.batches[worker].push(job);
        if self.batches[worker].len() >= BATCH {
            self.send(worker);
        }
    }

    fn send(&mut self, worker: usize) {
        let batch = std::mem::replace(&mut self.batches[worker], Vec::with_capacity(BATCH));
        // A worker that died has dropped its receiver; the engine reports it at the end.
        let _ = self.senders[worker].send(WorkerIn::Packets(batch));
    }

    fn marker(&mut self, marker: Marker) {
        for w in 0..self.senders.len() {
            if !self.batches[w].is_empty() {
                self.send(w);
            }
            let _ = self.senders[w].send(WorkerIn::Marker(marker));
        }
    }
}

/// Moves the stream clock to `ts`, sending the interval boundary and the
/// metronome tick that this crosses.
fn advance_clock(clock: &mut StreamClock, ts: Timestamp, shards: &mut Shards) {
    let step = clock.advance(ts);
    if let Some(end_sec) = step.boundary {
        shards.marker(Marker::Boundary { end_sec });
    }
    if let Some((_, tick)) = step.tick {
        let ts = clock.now().unwrap_or(ts);
        shards.marker(Marker::Tick { ts, tick });
    }
}

/// Reads `source` to its end (or its first fatal error), feeding the workers
/// behind `senders`, and ends with the `Eof` marker. Dropping the senders on
/// return closes the workers' input.
///
/// When `stop` is raised (a signal), reading stops before the next packet:
/// the end-of-input marker follows as usual, so everything read so far is
/// flushed, exactly as at the end of a file.
pub fn read_all(
    source: &mut dyn PacketSource,
    interval_secs: u64,
    senders: Vec<Sender<WorkerIn>>,
    stop: Option<&AtomicBool>,
) -> ReadOutcome {
    let n = senders.len().max(1);
    let mut shards = Shards {
        batches: (0..senders.len())
            .map(|_| Vec::with_capacity(BATCH))
            .collect(),
        senders,
    };
    let mut out = ReadOutcome {
        packets: 0,
        bytes: 0,
        non_ip: 0,
        decode_errors: BTreeMap::new(),
        warnings: Vec::new(),
        clock_warnings: Vec::new(),
        error: None,
        first_ts: None,
        clock: StreamClock::new(interval_secs),
        stopped: false,
        backwards: Backwards::default(),
    };
    // Backward packets of the current input, and its id.
    let mut file_backwards = Backwards::default();
    let mut file_id = source.origin_id();
    let mut file_name = source.origin();
    loop {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            out.stopped = true;
            break;
        }
        let pkt = match source.next_item() {
            Ok(Some(SourceItem::Packet(p))) => p,
            Ok(Some(SourceItem::Warning(w))) => {
                crate::diag::line(format_args!("weir: warning: {w}"));
                out.warnings.push(w.to_string());
                continue;
            }
            // A live source with nothing to read: its wall-clock time
            // moves the clock on (intervals end on time), then ask again.
            Ok(None) => match source.idle() {
                Some(now) => {
                    advance_clock(&mut out.clock, now, &mut shards);
                    continue;
                }
                None => break,
            },
            Err(e) => {
                out.error = Some(e.to_string());
                break;
            }
        };
        out.packets += 1;
        out.bytes += u64::from(pkt.wire_len);
        let behind = out
            .clock
            .now()
            .filter(|now| pkt.ts < *now)
            .map(|now| now.as_micros() - pkt.ts.as_micros());
        if out.first_ts.is_none_or(|t| pkt.ts < t) {
            out.first_ts = Some(pkt.ts);
        }
        advance_clock(&mut out.clock, pkt.ts, &mut shards);
        let (link, decoded) = decode::decode_frame(pkt.link, pkt.data);
        let (worker, decoded) = match decoded {
            Ok(Some(decoded)) if n > 1 => {
                let hash = FlowKey::from_decoded(&decoded).0.shard_hash();
                ((hash % n as u64) as usize, Some(decoded))
            }
            Ok(Some(decoded)) => (0, Some(decoded)),
            // Frames without IP only feed the link-layer counters.
            Ok(None) => {
                out.non_ip += 1;
                (0, None)
            }
            Err(e) => {
                *out.decode_errors.entry(e.reason()).or_insert(0) += 1;
                continue;
            }
        };
        let job = PacketJob {
            decoded,
            link,
            ts: pkt.ts,
            wire_len: pkt.wire_len,
            now_sec: out.clock.now_secs(),
        };
        shards.push(worker, job);
        if let Some(us) = behind {
            let id = source.origin_id();
            if id != file_id {
                backwards_warning(file_name.take(), file_backwards, &mut out);
                file_backwards = Backwards::default();
                file_id = id;
                file_name = source.origin();
            }
            file_backwards.add(us);
            out.backwards.add(us);
        }
    }
    backwards_warning(file_name, file_backwards, &mut out);
    shards.marker(Marker::Eof {
        end_sec: out.clock.final_boundary().unwrap_or(0),
    });
    out
}
