//! weir plugin `sg2`: one file per instance listing every new flow.
//!
//! The port of Trisul's `flows/sg2.lua`. Subscribed to `new_flow` only; each
//! instance writes `<count>  <flow id>\n` (two spaces, count from 1) to
//! `<dir>/flog.<instance id>`, truncating the file when the instance is built.
//!
//! Configuration: `dir` (default: the run's output directory).
//!
//! Writes go through a `BufWriter`. The monitor sees no end-of-run event (it
//! subscribes to nothing else), so the buffer is flushed in `Drop`: the engine
//! drops every monitor before the process exits, which makes the file complete
//! at the end of a normal run. A write error is logged once and later lines
//! are dropped.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use weir_plugin_api::{
    export_plugin, Config, FlowMonitor, FlowRecord, FlowSubscription, HostHandle, LogLevel,
    Monitors,
};

/// The configuration keys sg2 accepts.
pub const CONFIG_KEYS: &[&str] = &["dir"];

/// The output directory named by `dir`, or the run's output directory.
///
/// An empty `dir` is refused rather than silently meaning "the current
/// directory of the engine".
pub fn output_dir(config: &Config, host: &HostHandle) -> Result<PathBuf, String> {
    match config.path("dir") {
        Some(dir) if dir.as_os_str().is_empty() => Err("dir: must not be empty".to_string()),
        Some(dir) => Ok(dir),
        None => Ok(host.output_dir()),
    }
}

/// The flow monitor: one numbered line per new flow, in `flog.<instance id>`.
pub struct Sg2 {
    host: HostHandle,
    path: PathBuf,
    out: BufWriter<File>,
    count: u64,
    write_failed: bool,
}

impl Sg2 {
    /// Builds the monitor and creates (truncates) its file.
    pub fn new(config: &Config, host: HostHandle) -> Result<Sg2, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let dir = output_dir(config, &host)?;
        let path = dir.join(format!("flog.{}", host.instance_id()));
        let file = File::create(&path)
            .map_err(|e| format!("dir: cannot create {}: {e}", path.display()))?;
        Ok(Sg2 {
            host,
            path,
            out: BufWriter::new(file),
            count: 0,
            write_failed: false,
        })
    }

    /// The file this instance writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn report(&mut self, what: &str, e: std::io::Error) {
        if !self.write_failed {
            self.write_failed = true;
            self.host.log(
                LogLevel::Error,
                &format!(
                    "cannot {what} {}: {e}; further lines are dropped",
                    self.path.display()
                ),
            );
        }
    }
}

impl FlowMonitor for Sg2 {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::ip_flows().new_flow()
    }

    fn on_new_flow(&mut self, flow: &FlowRecord<'_>) {
        self.count += 1;
        if self.write_failed {
            return;
        }
        if let Err(e) = writeln!(self.out, "{}  {}", self.count, flow.id()) {
            self.report("write", e);
        }
    }
}

impl Drop for Sg2 {
    fn drop(&mut self) {
        if self.write_failed {
            return;
        }
        if let Err(e) = self.out.flush() {
            self.report("flush", e);
        }
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().flow(Sg2::new(config, host)?))
}

export_plugin! {
    name: "sg2",
    description: "writes every new flow id to <dir>/flog.<instance id>",
    monitors: [Flow],
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::{flow_record, RecordingHost};

    /// A fresh, empty directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("weir-sg2-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn host(id: u32, dir: &Path) -> HostHandle {
        RecordingHost::new()
            .with_instance_id(id)
            .with_output_dir(dir)
            .handle()
    }

    fn flow(id: &str) -> FlowRecord<'_> {
        flow_record(id, 17, ("10.0.0.1", 5353), ("10.0.0.2", 53))
    }

    #[test]
    fn numbered_lines_in_output_dir_complete_after_drop() {
        let dir = temp_dir("default");
        std::fs::write(dir.join("flog.1"), "stale content\n").unwrap();
        let mut m = Sg2::new(&Config::default(), host(1, &dir)).unwrap();
        assert_eq!(m.path(), dir.join("flog.1"));
        // Truncated at construction.
        assert_eq!(std::fs::read_to_string(dir.join("flog.1")).unwrap(), "");
        m.on_new_flow(&flow("11A:0A.00.00.01:p-14E9_0A.00.00.02:p-0035"));
        m.on_new_flow(&flow("06A:0A.00.00.01:p-C000_0A.00.00.02:p-0050"));
        drop(m);
        assert_eq!(
            std::fs::read_to_string(dir.join("flog.1")).unwrap(),
            "1  11A:0A.00.00.01:p-14E9_0A.00.00.02:p-0035\n\
             2  06A:0A.00.00.01:p-C000_0A.00.00.02:p-0050\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn dir_key_overrides_output_dir() {
        let out = temp_dir("out");
        let other = temp_dir("other");
        let config = Config::parse(&format!(r#"{{"dir":{:?}}}"#, other.to_str().unwrap())).unwrap();
        let m = Sg2::new(&config, host(0, &out)).unwrap();
        assert_eq!(m.path(), other.join("flog.0"));
        drop(m);
        assert!(other.join("flog.0").exists());
        assert!(!out.join("flog.0").exists());
        std::fs::remove_dir_all(out).unwrap();
        std::fs::remove_dir_all(other).unwrap();
    }

    #[test]
    fn config_errors_name_the_key() {
        let dir = temp_dir("errors");
        let unknown = Config::parse(r#"{"dri":"/tmp"}"#).unwrap();
        let err = Sg2::new(&unknown, host(0, &dir)).err().unwrap();
        assert!(err.contains("\"dri\""), "{err}");
        let empty = Config::parse(r#"{"dir":""}"#).unwrap();
        assert!(Sg2::new(&empty, host(0, &dir))
            .err()
            .unwrap()
            .starts_with("dir:"));
        let missing = Config::parse(r#"{"dir":"/nonexistent/weir/sg2"}"#).unwrap();
        let err = Sg2::new(&missing, host(0, &dir)).err().unwrap();
        assert!(
            err.starts_with("dir: cannot create /nonexistent/weir/sg2/flog.0"),
            "{err}"
        );
        assert!(!err.contains('\n'));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn subscribes_to_new_flow_only() {
        let dir = temp_dir("sub");
        let m = Sg2::new(&Config::default(), host(0, &dir)).unwrap();
        assert_eq!(
            m.subscription().events,
            weir_plugin_api::FlowEvents::NEW_FLOW
        );
        assert!(!m.subscription().filter);
        drop(m);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
