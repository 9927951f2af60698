//! The `capture_log` module deals with a live capture's statistics per
//! interval: `capture.ndjson`, one line per flush (every interval boundary
//! on the wall clock, and the final flush), written by the coordinator when
//! the flush starts.
//!
//! Each line holds what happened since the previous one: frames received per
//! interface, frames the kernel dropped (its socket buffer was full), and
//! plugin events weir's own queues dropped (a plugin was too slow). The run's
//! totals go to `summary.json` (`capture`).

use std::io::Write;

use serde::Serialize;

use crate::source::{CaptureStats, CaptureStatsReader};

/// One interface's part of a `capture.ndjson` line.
#[derive(Debug, Clone, Serialize)]
struct InterfaceLine<'a> {
    interface: &'a str,
    received: u64,
    kernel_dropped: u64,
}

/// One `capture.ndjson` line.
#[derive(Debug, Clone, Serialize)]
struct Line<'a> {
    start_ts: u64,
    interval: u64,
    received: u64,
    kernel_dropped: u64,
    queue_dropped: u64,
    interfaces: Vec<InterfaceLine<'a>>,
}

/// Writes `capture.ndjson` for a live source.
pub struct CaptureLog {
    read: CaptureStatsReader,
    out: Box<dyn Write + Send>,
    last: Vec<CaptureStats>,
    last_queue_dropped: u64,
    /// The first write error, if any.
    pub error: Option<String>,
}

impl CaptureLog {
    /// A log reading `read` and writing to `out`.
    pub fn new(read: CaptureStatsReader, out: Box<dyn Write + Send>) -> CaptureLog {
        CaptureLog {
            read,
            out,
            last: Vec::new(),
            last_queue_dropped: 0,
            error: None,
        }
    }

    /// Writes the line of the interval ending at `end_sec` (`interval`
    /// seconds long): the counters' growth since the last line.
    /// `queue_dropped` is the plugin events dropped so far, all instances.
    pub fn interval(&mut self, end_sec: u64, interval: u64, queue_dropped: u64) {
        let now = (self.read)();
        let mut line = Line {
            start_ts: end_sec.saturating_sub(interval),
            interval,
            received: 0,
            kernel_dropped: 0,
            queue_dropped: queue_dropped.saturating_sub(self.last_queue_dropped),
            interfaces: Vec::with_capacity(now.len()),
        };
        for (i, s) in now.iter().enumerate() {
            let before = self.last.get(i).cloned().unwrap_or_default();
            let part = InterfaceLine {
                interface: &s.interface,
                received: s.received.saturating_sub(before.received),
                kernel_dropped: s.kernel_dropped.saturating_sub(before.kernel_dropped),
            };
            line.received += part.received;
            line.kernel_dropped += part.kernel_dropped;
            line.interfaces.push(part);
        }
        let text = serde_json::to_string(&line).unwrap_or_default() + "\n";
        // Flushed at once: the file is read while the capture runs.
        if let Err(e) = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush())
        {
            self.error.get_or_insert(format!("capture.ndjson: {e}"));
        }
        self.last = now;
        self.last_queue_dropped = queue_dropped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A `Write` the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_hold_what_grew_since_the_last_one() {
        let counts = Arc::new(Mutex::new((10u64, 1u64)));
        let c = counts.clone();
        let read: CaptureStatsReader = Arc::new(move || {
            let (r, d) = *c.lock().unwrap();
            vec![CaptureStats {
                interface: "eth0".into(),
                received: r,
                kernel_dropped: d,
            }]
        });
        let out = Shared::default();
        let mut log = CaptureLog::new(read, Box::new(out.clone()));
        log.interval(60, 60, 2);
        *counts.lock().unwrap() = (25, 1);
        log.interval(120, 60, 5);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                r#"{"start_ts":0,"interval":60,"received":10,"kernel_dropped":1,"queue_dropped":2,"interfaces":[{"interface":"eth0","received":10,"kernel_dropped":1}]}"#,
                r#"{"start_ts":60,"interval":60,"received":15,"kernel_dropped":0,"queue_dropped":3,"interfaces":[{"interface":"eth0","received":15,"kernel_dropped":0}]}"#,
            ]
        );
    }
}
