//! The `lines` module deals with where a plugin's printed lines go: the
//! engine's standard output, or a file named by the plugin's configuration
//! (the samples' `file=PATH`). A Rust-side helper compiled into the plugin:
//! nothing of it crosses the ABI.
//!
//! Each [`LineSink::write`] is one `write_all`, unbuffered, so the lines of
//! several instances never interleave and a file is complete at any moment.
//! The first write error is logged once through the host; later lines are
//! dropped.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use crate::{Config, HostHandle, LogLevel};

enum Target {
    Stdout,
    File(PathBuf, File),
}

/// Standard output or a file, written a block of lines at a time.
pub struct LineSink {
    target: Target,
    failed: bool,
    what: &'static str,
}

impl LineSink {
    /// The sink configured by `key` in `config`: absent, standard output;
    /// else the file it names, created (or truncated) now. `what` names
    /// what is printed, for the message when writing fails ("hashes").
    /// The error names the key and the file.
    pub fn from_config(config: &Config, key: &str, what: &'static str) -> Result<LineSink, String> {
        let target = match config.path(key) {
            None => Target::Stdout,
            Some(p) if p.as_os_str().is_empty() => return Err(format!("{key}: must not be empty")),
            Some(p) => {
                let f = File::create(&p)
                    .map_err(|e| format!("{key}: cannot create {}: {e}", p.display()))?;
                Target::File(p, f)
            }
        };
        Ok(LineSink {
            target,
            failed: false,
            what,
        })
    }

    /// Writes `text` (whole lines, each ending in a newline) in one call.
    /// After a failure, logged once through `host`, nothing more is written.
    pub fn write(&mut self, host: &HostHandle, text: &str) {
        if self.failed || text.is_empty() {
            return;
        }
        let (result, name) = match &mut self.target {
            Target::Stdout => (
                std::io::stdout().lock().write_all(text.as_bytes()),
                "stdout".to_string(),
            ),
            Target::File(path, f) => (f.write_all(text.as_bytes()), path.display().to_string()),
        };
        if let Err(e) = result {
            self.failed = true;
            host.log(
                LogLevel::Error,
                &format!(
                    "cannot write to {name} ({e}); no further {} are printed",
                    self.what
                ),
            );
        }
    }

    /// Whether a write failed (nothing more is written).
    pub fn failed(&self) -> bool {
        self.failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::RecordingHost;

    #[test]
    fn writes_to_the_configured_file_and_names_bad_ones() {
        let dir = std::env::temp_dir().join(format!("weir-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        let host = RecordingHost::new();
        let config =
            Config::parse(&format!(r#"{{"file":{:?}}}"#, path.display().to_string())).unwrap();
        let mut sink = LineSink::from_config(&config, "file", "lines").unwrap();
        sink.write(&host.handle(), "a\n");
        sink.write(&host.handle(), "");
        sink.write(&host.handle(), "b\nc\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\nb\nc\n");
        assert!(!sink.failed());
        let missing = Config::parse(&format!(
            r#"{{"file":{:?}}}"#,
            dir.join("no/such/x").display().to_string()
        ))
        .unwrap();
        let e = LineSink::from_config(&missing, "file", "lines")
            .err()
            .unwrap();
        assert!(
            e.starts_with("file: cannot create ") && e.contains("no/such/x"),
            "{e}"
        );
        let empty = Config::parse(r#"{"out":""}"#).unwrap();
        let e = LineSink::from_config(&empty, "out", "lines").err().unwrap();
        assert_eq!(e, "out: must not be empty");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_full_disk_is_logged_once_and_later_lines_dropped() {
        let host = RecordingHost::new();
        let config = Config::parse(r#"{"file":"/dev/full"}"#).unwrap();
        let mut sink = LineSink::from_config(&config, "file", "hashes").unwrap();
        sink.write(&host.handle(), "a\n");
        sink.write(&host.handle(), "b\n");
        assert!(sink.failed());
        let logs: Vec<String> = host
            .calls()
            .into_iter()
            .filter(|c| c.contains("cannot write to /dev/full"))
            .collect();
        assert_eq!(logs.len(), 1, "{:?}", host.calls());
        assert!(
            logs[0].contains("no further hashes are printed"),
            "{logs:?}"
        );
    }
}
