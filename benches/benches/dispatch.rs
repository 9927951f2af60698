//! Cost of one flow-monitor callback (`on_flush`) through each dispatch path:
//!
//! - `static_dyn`: a plain Rust `Box<dyn FlowMonitor>`, no guard (the floor);
//! - `in_process_abi`: the same no-op monitor behind its ABI call table
//!   (`Monitors::flow` then the host's `FlowMonitorObject`), in process, as
//!   `Engine::add_static_plugin` runs it;
//! - `dylib_abi`: the skeleton plugin's no-op flow monitor, loaded from its
//!   release `.so` through weir's loader, as `weir run --plugin` runs it.
//!
//! ```text
//! cargo build --release -p weir-plugin-skeleton
//! cargo bench -p weir-benches --bench dispatch
//! ```
//! (`WEIR_SKELETON_SO` overrides the plugin's path.) Results are in
//! `docs/ARCHITECTURE.md`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use weir_core::plugin::{Feedback, InstanceHost, InstanceState, Loader};
use weir_plugin_api::host::OwnedHostRef;
use weir_plugin_api::objects::InstanceMonitors;
use weir_plugin_api::testing::flow_record;
use weir_plugin_api::{FlowMonitor, FlowRecord, FlowSubscription, Monitors};

struct NoOp;

impl FlowMonitor for NoOp {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::everything()
    }
    fn on_flush(&mut self, _flow: &FlowRecord<'_>) {}
}

fn skeleton() -> PathBuf {
    std::env::var_os("WEIR_SKELETON_SO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/release/libweir_plugin_skeleton.so"
            ))
        })
}

fn flow_on_flush(c: &mut Criterion) {
    let rec = flow_record(
        "06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016",
        6,
        ("192.168.1.2", 2964),
        ("209.216.249.58", 22),
    );
    let mut group = c.benchmark_group("flow_on_flush");

    let mut plain: Box<dyn FlowMonitor> = black_box(Box::new(NoOp));
    group.bench_function("static_dyn", |b| b.iter(|| plain.on_flush(black_box(&rec))));

    let mut in_process = InstanceMonitors::from_monitors(Monitors::new().flow(NoOp))
        .unwrap()
        .flow
        .unwrap();
    group.bench_function("in_process_abi", |b| {
        b.iter(|| {
            let _ = in_process.on_flush(black_box(&rec));
        })
    });

    let reports = tempfile::tempdir().unwrap();
    let path = skeleton();
    let plugin = Loader::new(reports.path()).load(&path).unwrap_or_else(|e| {
        panic!("{e} (build it: cargo build --release -p weir-plugin-skeleton)")
    });
    let (alerts, _rx) = crossbeam_channel::unbounded();
    let (artifacts, _artifacts_rx) = crossbeam_channel::unbounded();
    let feedback = Feedback::new(reports.path().to_path_buf(), alerts, artifacts);
    let host = OwnedHostRef::new(InstanceHost::new(
        feedback,
        InstanceState::new("skeleton".into(), 0),
    ));
    let mut monitors = plugin.new_instance("{}", host).unwrap();
    let mut dylib = monitors.flow.take().unwrap();
    group.bench_function("dylib_abi", |b| {
        b.iter(|| {
            let _ = dylib.on_flush(black_box(&rec));
        })
    });
    group.finish();
}

criterion_group!(benches, flow_on_flush);
criterion_main!(benches);
