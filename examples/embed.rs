//! Embedding weir's engine as a library, with an in-process plugin built from
//! the same traits a dylib plugin implements.
//!
//! ```text
//! cargo run --example embed -- capture.pcap [more.pcap ...]
//! ```
//!
//! Prints the ten flows with the most bytes, found by an in-process flow
//! monitor, and the engine's summary. Outputs go to a temporary directory.

use std::sync::{Arc, Mutex};

use weir_capture::FileSource;
use weir_core::engine::{Engine, EngineConfig};
use weir_plugin_api::{FlowMonitor, FlowRecord, FlowSubscription, Monitors};

/// Keeps (bytes, id) of every flushed final record.
struct TopTalkers {
    seen: Arc<Mutex<Vec<(u64, String)>>>,
}

impl FlowMonitor for TopTalkers {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::ip_flows().flush()
    }

    fn on_flush(&mut self, flow: &FlowRecord<'_>) {
        if flow.has_ended() {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.push((flow.total_bytes(), format!("{} {}", flow.id(), flow.to_s())));
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: embed CAPTURE [CAPTURE...]".into());
    }
    let out = std::env::temp_dir().join(format!("weir-embed-{}", std::process::id()));
    let mut source = FileSource::open(&paths)?;
    let mut engine = Engine::new(EngineConfig::new(&out))?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    engine.add_static_plugin("top_talkers", move |_host| {
        Monitors::new().flow(TopTalkers { seen: sink })
    })?;
    let summary = engine.run(&mut source)?;

    let mut flows = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
    flows.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (bytes, line) in flows.iter().take(10) {
        println!("{bytes:>12}  {line}");
    }
    eprint!("{}", summary.render());
    let _ = std::fs::remove_dir_all(&out);
    Ok(())
}
