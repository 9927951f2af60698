//! Cost of the counter groups on the packet path, per packet, on real
//! traffic: every frame of three shared captures (web browsing, a home LAN,
//! an app's traffic: 9,457 frames, 404 flows), decoded once up front.
//!
//! - `flows_only`: the packet worker's flow table alone (what the packet
//!   path did before counter groups);
//! - `flows_and_counters`: the same plus the built-in counter groups:
//!   per-frame link-layer meters, per-flow folds, and the hand-over of the
//!   interval's shard at the boundary;
//! - `merge_and_flush`: the coordinator's side of one interval (merge the
//!   shard, write `counters.ndjson` rows and toppers into a sink): off the
//!   packet path, per packet of the interval.
//!
//! Each iteration is one whole interval from empty tables, so first-packet
//! costs (new flows, new keys) are included at their real rate.
//!
//! ```text
//! cargo bench -p weir-benches --bench counters
//! ```
//! (`WEIR_SHARED` overrides `../shared`.) Results are in `docs/ARCHITECTURE.md`.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use weir_capture::FileSource;
use weir_core::counters::metering::Meters;
use weir_core::counters::{builtin, CounterStore, HomeNets};
use weir_core::decode::{self, Decoded, Fragment, LinkFacts};
use weir_core::flow::{FlowTable, FlowTableConfig, PacketFacts};
use weir_core::output::counters::CounterOutput;
use weir_core::source::{PacketSource, SourceItem};
use weir_plugin_api::{FlowEvents, Timestamp};

struct Frame {
    link: LinkFacts,
    decoded: Option<Decoded>,
    ts: Timestamp,
    wire_len: u32,
}

fn frames() -> Vec<Frame> {
    let shared = std::env::var_os("WEIR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    let files: Vec<PathBuf> = [
        "web-browse-2013.pcap",
        "home-lan-mixed.pcap",
        "alexa-app-mixed.pcapng",
    ]
    .iter()
    .map(|f| shared.join("pcaps").join(f))
    .collect();
    let mut out = Vec::new();
    for f in &files {
        let mut src = FileSource::open(std::slice::from_ref(f))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        while let Ok(Some(item)) = src.next_item() {
            let SourceItem::Packet(p) = item else {
                continue;
            };
            let (link, decoded) = decode::decode_frame(p.link, p.data);
            let Ok(decoded) = decoded else { continue };
            out.push(Frame {
                link,
                decoded,
                ts: p.ts,
                wire_len: p.wire_len,
            });
        }
    }
    assert!(out.len() > 9000, "expected the three captures' frames");
    out
}

fn table() -> FlowTable {
    FlowTable::new(FlowTableConfig {
        events: FlowEvents(0),
        ..FlowTableConfig::default()
    })
}

fn run_flows(frames: &[Frame], table: &mut FlowTable) {
    let mut events = Vec::new();
    for f in frames {
        if let Some(d) = &f.decoded {
            let facts = PacketFacts {
                decoded: d,
                ts: f.ts,
                wire_len: f.wire_len,
                frames: 1,
            };
            table.observe(&facts, f.ts.secs, &mut events);
        }
    }
    black_box(&events);
}

fn run_counters(frames: &[Frame], table: &mut FlowTable, meters: &mut Meters) {
    let mut events = Vec::new();
    for f in frames {
        let fragment = f.decoded.is_some_and(|d| d.fragment != Fragment::None);
        meters.packet(&f.link, f.wire_len, fragment);
        if let Some(d) = &f.decoded {
            let facts = PacketFacts {
                decoded: d,
                ts: f.ts,
                wire_len: f.wire_len,
                frames: 1,
            };
            table.observe(&facts, f.ts.secs, &mut events);
        }
    }
    table.fold_touched();
    for (key, usage) in table.drain_folded() {
        meters.flow(&key, &usage);
    }
    black_box(meters.take());
}

fn bench(c: &mut Criterion) {
    let frames = frames();
    let defs = builtin::definitions();
    let home = Arc::new(HomeNets::default());
    let mut g = c.benchmark_group("counters");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("flows_only", |b| {
        b.iter_batched_ref(table, |t| run_flows(&frames, t), BatchSize::LargeInput)
    });
    g.bench_function("flows_and_counters", |b| {
        b.iter_batched_ref(
            || (table(), Meters::new(&defs, home.clone())),
            |(t, m)| run_counters(&frames, t, m),
            BatchSize::LargeInput,
        )
    });
    // One interval's shard, as the coordinator receives it.
    let shard = {
        let (mut t, mut m) = (table(), Meters::new(&defs, home.clone()));
        let mut events = Vec::new();
        for f in &frames {
            let fragment = f.decoded.is_some_and(|d| d.fragment != Fragment::None);
            m.packet(&f.link, f.wire_len, fragment);
            if let Some(d) = &f.decoded {
                let facts = PacketFacts {
                    decoded: d,
                    ts: f.ts,
                    wire_len: f.wire_len,
                    frames: 1,
                };
                t.observe(&facts, f.ts.secs, &mut events);
            }
        }
        t.fold_touched();
        for (key, usage) in t.drain_folded() {
            m.flow(&key, &usage);
        }
        m.take()
    };
    g.bench_function("merge_and_flush", |b| {
        b.iter_batched_ref(
            || CounterStore::new(defs.clone(), 60, &[0, 1, 4]),
            |store| {
                store.merge(&shard);
                let mut out = CounterOutput::discard();
                store.flush(60, true, &mut out);
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
