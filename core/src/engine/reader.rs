//! The `reader` module deals with the engine's first stage, on the caller's
//! thread: pull frames from the source, decode them, advance the stream clock,
//! and hand each packet to the worker that owns its flow.
//!
//! Packets travel in batches (up to [`BATCH`] per worker) to keep channel
//! traffic low. Before a packet that crosses an interval boundary or starts a
//! new second, every worker's pending batch is sent and then the marker, so
//! every worker sees the same markers at the same points of the stream.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_channel::Sender;
use weir_plugin_api::Timestamp;

use super::clock::StreamClock;
use super::reassembly::{HeldFragment, Limits, Reassembler, ReassemblyStats, Verdict};
use super::worker::{Batch, Marker, PacketJob, PayloadRef, WorkerIn};
use crate::decode;
use crate::flow::FlowKey;
use crate::source::{PacketSource, SkippedBlocks, SourceItem};

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
    /// Packets decoded out of IP tunnels (each layer inside a frame once).
    pub tunnelled: u64,
    /// Damaged tunnel payloads by reason: the outer packet still counted,
    /// the layers inside could not be read.
    pub tunnel_errors: BTreeMap<&'static str, u64>,
    /// What IP reassembly did.
    pub reassembly: ReassemblyStats,
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
    /// Input blocks the source skipped ([`PacketSource::skipped_blocks`]).
    pub skipped_blocks: SkippedBlocks,
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
    /// The payloads of each batch's packets that the application layer
    /// reads ([`wants_payload`]), when it is on (one copy per packet: the
    /// frame's buffer is reused by the source as soon as the next frame is
    /// read).
    payloads: Option<Vec<Vec<u8>>>,
}

/// Whether the application layer reads this packet's payload: TCP
/// segments with data, UDP datagrams long enough for a DNS header, and
/// ICMP errors (they may quote a DNS datagram).
fn wants_payload(d: &decode::Decoded) -> bool {
    use decode::ip_proto;
    match d.proto {
        ip_proto::TCP => d.payload_len > 0,
        ip_proto::UDP => d.payload_len >= 12,
        ip_proto::ICMP => decode::icmp::is_error(d.icmp_type, false),
        ip_proto::ICMPV6 => decode::icmp::is_error(d.icmp_type, true),
        _ => false,
    }
}

impl Shards {
    fn push(&mut self, worker: usize, job: PacketJob) {
        self.batches[worker].push(job);
        if self.batches[worker].len() >= BATCH {
            self.send(worker);
        }
    }

    /// `push`, carrying the payload of `job` (a packet of `frame`) when
    /// payloads are wanted.
    fn push_from(&mut self, worker: usize, mut job: PacketJob, frame: &[u8]) {
        if let (Some(payloads), Some(d)) = (self.payloads.as_mut(), job.decoded.as_ref()) {
            if wants_payload(d) {
                let start = d.payload_offset as usize;
                let end = start
                    .saturating_add(d.payload_len as usize)
                    .min(frame.len());
                if let Some(bytes) = frame.get(start..end) {
                    let buf = &mut payloads[worker];
                    job.payload = PayloadRef {
                        start: buf.len() as u32,
                        len: bytes.len() as u32,
                    };
                    buf.extend_from_slice(bytes);
                }
            }
        }
        self.push(worker, job);
    }

    fn send(&mut self, worker: usize) {
        let jobs = std::mem::replace(&mut self.batches[worker], Vec::with_capacity(BATCH));
        let payloads = match self.payloads.as_mut() {
            // The next batch likely needs as much: one allocation, no
            // doubling and copying as it fills.
            Some(p) => {
                let cap = p[worker].len().max(16 << 10);
                std::mem::replace(&mut p[worker], Vec::with_capacity(cap))
            }
            None => Vec::new(),
        };
        // A worker that died has dropped its receiver; the engine reports it at the end.
        let _ = self.senders[worker].send(WorkerIn::Packets(Batch { jobs, payloads }));
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

/// Sends `job` (a packet of `frame`) to its worker, then each tunnel layer
/// inside it: each layer is a packet of its own flow (the outer GRE or UDP
/// flow, the inner flows), as in tshark's conversation tables; only the
/// first layer meters the link.
fn push_layers(shards: &mut Shards, out: &mut ReadOutcome, frame: &[u8], job: PacketJob, n: usize) {
    shards.push_from(shard_of(&job, n), job, frame);
    let mut layer = job.decoded;
    for _ in 0..decode::tunnel::MAX_DEPTH {
        let Some(outer) = layer else { break };
        layer = match decode::decode_carried(frame, &outer) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(inner))) => Some(inner),
            Some(Err(e)) => {
                *out.tunnel_errors.entry(e.reason()).or_insert(0) += 1;
                None
            }
        };
        if let Some(inner) = layer {
            out.tunnelled += 1;
            let job = PacketJob {
                decoded: layer,
                meter_link: false,
                fragment: inner.fragment != decode::Fragment::None,
                ..job
            };
            shards.push_from(shard_of(&job, n), job, frame);
        }
    }
}

/// Sends the fragments of datagrams that waited too long, as they came
/// (called at each new second of the stream clock).
fn expire_fragments(
    r: Option<&mut Reassembler>,
    shards: &mut Shards,
    out: &mut ReadOutcome,
    n: usize,
) {
    if let Some(r) = r {
        let expired = r.expire(out.clock.now_secs());
        replay(shards, out, expired, n);
    }
}

/// Sends fragments that were not reassembled as they came (their link was
/// metered when they arrived).
fn replay(shards: &mut Shards, out: &mut ReadOutcome, fragments: Vec<HeldFragment>, n: usize) {
    let now_sec = out.clock.now_secs();
    for h in fragments {
        let job = PacketJob {
            decoded: Some(h.decoded),
            link: decode::LinkFacts::default(),
            meter_link: false,
            fragment: true,
            frames: 1,
            payload: PayloadRef::NONE,
            ts: h.ts,
            wire_len: h.wire_len,
            now_sec,
        };
        shards.push(shard_of(&job, n), job);
    }
}

/// The worker that owns `job`'s flow (frames without IP go to worker 0).
#[inline]
fn shard_of(job: &PacketJob, workers: usize) -> usize {
    match &job.decoded {
        Some(d) if workers > 1 => {
            (FlowKey::from_decoded(d).0.shard_hash() % workers as u64) as usize
        }
        _ => 0,
    }
}

/// Moves the stream clock to `ts`, sending the interval boundary and the
/// metronome tick that this crosses; returns whether a new second began
/// (a metronome tick).
fn advance_clock(clock: &mut StreamClock, ts: Timestamp, shards: &mut Shards) -> bool {
    let step = clock.advance(ts);
    if let Some(end_sec) = step.boundary {
        shards.marker(Marker::Boundary { end_sec });
    }
    if let Some((_, tick)) = step.tick {
        let ts = clock.now().unwrap_or(ts);
        shards.marker(Marker::Tick { ts, tick });
    }
    step.tick.is_some()
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
    reassembly: Option<Limits>,
    tcp_payloads: bool,
    latest: &AtomicU64,
) -> ReadOutcome {
    let mut latest_us = 0u64;
    let mut reassembler = reassembly.map(Reassembler::new);
    let n = senders.len().max(1);
    let mut shards = Shards {
        batches: (0..senders.len())
            .map(|_| Vec::with_capacity(BATCH))
            .collect(),
        payloads: tcp_payloads.then(|| (0..senders.len()).map(|_| Vec::new()).collect()),
        senders,
    };
    let mut out = ReadOutcome {
        packets: 0,
        bytes: 0,
        non_ip: 0,
        decode_errors: BTreeMap::new(),
        tunnelled: 0,
        tunnel_errors: BTreeMap::new(),
        reassembly: ReassemblyStats::default(),
        warnings: Vec::new(),
        clock_warnings: Vec::new(),
        error: None,
        first_ts: None,
        clock: StreamClock::new(interval_secs),
        stopped: false,
        backwards: Backwards::default(),
        skipped_blocks: SkippedBlocks::default(),
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
                    if advance_clock(&mut out.clock, now, &mut shards) {
                        expire_fragments(reassembler.as_mut(), &mut shards, &mut out, n);
                    }
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
        if pkt.ts.as_micros() > latest_us {
            latest_us = pkt.ts.as_micros();
            latest.store(latest_us, Ordering::Relaxed);
        }
        let behind = out
            .clock
            .now()
            .filter(|now| pkt.ts < *now)
            .map(|now| now.as_micros() - pkt.ts.as_micros());
        if out.first_ts.is_none_or(|t| pkt.ts < t) {
            out.first_ts = Some(pkt.ts);
        }
        if advance_clock(&mut out.clock, pkt.ts, &mut shards) {
            expire_fragments(reassembler.as_mut(), &mut shards, &mut out, n);
        }
        let (link, decoded) = decode::decode_frame(pkt.link, pkt.data);
        let decoded = match decoded {
            Ok(Some(decoded)) => Some(decoded),
            // Frames without IP only feed the link-layer counters.
            Ok(None) => {
                out.non_ip += 1;
                None
            }
            Err(e) => {
                *out.decode_errors.entry(e.reason()).or_insert(0) += 1;
                continue;
            }
        };
        let now_sec = out.clock.now_secs();
        let fragment = decoded.filter(|d| d.fragment != decode::Fragment::None);
        if let (Some(r), Some(d)) = (reassembler.as_mut(), fragment) {
            // The frame meters the link now; its IP layer waits for the
            // rest of its datagram.
            shards.push(
                0,
                PacketJob {
                    decoded: None,
                    link,
                    meter_link: true,
                    fragment: true,
                    frames: 1,
                    payload: PayloadRef::NONE,
                    ts: pkt.ts,
                    wire_len: pkt.wire_len,
                    now_sec,
                },
            );
            match r.push(pkt.data, &d, pkt.wire_len, pkt.ts, now_sec) {
                Verdict::Held => {}
                Verdict::Complete(c) => {
                    let job = PacketJob {
                        decoded: Some(c.decoded),
                        link,
                        meter_link: false,
                        fragment: false,
                        frames: c.frames,
                        payload: PayloadRef::NONE,
                        ts: c.ts,
                        wire_len: u32::try_from(c.bytes).unwrap_or(u32::MAX),
                        now_sec,
                    };
                    push_layers(&mut shards, &mut out, r.datagram(), job, n);
                }
                Verdict::Replay(fragments) => replay(&mut shards, &mut out, fragments, n),
            }
        } else {
            let job = PacketJob {
                decoded,
                link,
                meter_link: true,
                fragment: fragment.is_some(),
                frames: 1,
                payload: PayloadRef::NONE,
                ts: pkt.ts,
                wire_len: pkt.wire_len,
                now_sec,
            };
            push_layers(&mut shards, &mut out, pkt.data, job, n);
        }
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
    if let Some(mut r) = reassembler {
        let left = r.drain();
        replay(&mut shards, &mut out, left, n);
        out.reassembly = r.stats().clone();
    }
    out.skipped_blocks = source.skipped_blocks();
    shards.marker(Marker::Eof {
        end_sec: out.clock.final_boundary().unwrap_or(0),
    });
    out
}
