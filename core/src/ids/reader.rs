//! The `reader` module deals with an EVE file as a stream of lines: it
//! reads whatever bytes are available, cuts them at `\n`, parses each
//! complete line with [`parse_line`] and keeps the count of what it saw in
//! [`EveStats`].
//!
//! **Follow mode.** [`EveReader::poll`] reads until the source reports end
//! of file (or `WouldBlock`) and returns: it never waits. A partial last
//! line is kept until a later poll brings its `\n`, so a caller following a
//! file Suricata is writing calls `poll` again after a pause;
//! [`EveReader::finish`] takes the partial line as the last one when the
//! file is known to be complete.
//!
//! **Rotation.** For a file opened by path ([`EveReader::open`]), each poll
//! checks, before reading, whether the file is now shorter than what was
//! read (truncated in place, as `copytruncate` does): then reading starts
//! again at byte 0 ([`EveStats::truncations`]). After reading to the end,
//! on Unix, it checks whether the path now names another file (the old one
//! was renamed away and Suricata reopened the path, e.g. after `SIGHUP`):
//! then the new file is opened and read from byte 0
//! ([`EveStats::reopens`]). In both cases a partial line left over from the
//! old contents is taken as a last line (so it is counted, normally as
//! malformed). A file truncated and grown again past the old size between
//! two polls cannot be told from a file that only grew.
//!
//! **Bounds.** At most [`EveReader::max_line`] bytes of one line are held
//! (plus one read of [`READ_CHUNK`] bytes); a longer line is counted once as
//! malformed and skipped to its `\n`. Distinct event types counted in
//! [`EveStats::other_events`] are capped at [`MAX_EVENT_TYPES`]. No input
//! makes the reader panic, and for any input the alerts and the counters at
//! the end do not depend on how the bytes were split into reads.

use super::eve::{parse_line, EveAlert, EveEvent};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Default cap on the length of one line, `\n` excluded: 1 MiB (Suricata's
/// lines are a few KiB; a `stats` event on a large machine some tens).
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// Bytes asked for by each read.
pub const READ_CHUNK: usize = 64 * 1024;

/// Most distinct event types counted by name in
/// [`EveStats::other_events`]; events of further types are counted under
/// [`OTHER_TYPES_KEY`].
pub const MAX_EVENT_TYPES: usize = 64;

/// The [`EveStats::other_events`] key of events whose type came after
/// [`MAX_EVENT_TYPES`] others, or whose type is longer than
/// [`MAX_EVENT_TYPE_LEN`] bytes.
pub const OTHER_TYPES_KEY: &str = "(other)";

/// Longest event type counted by name, in bytes.
pub const MAX_EVENT_TYPE_LEN: usize = 64;

/// What an [`EveReader`] has seen since it was made. Every line is in
/// exactly one of `blank`, `alerts`, `other_events` and `malformed`, so
/// `lines == blank + alerts + sum(other_events) + malformed` once the last
/// line is complete (after [`EveReader::finish`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EveStats {
    /// Lines read: complete lines (ended by `\n`), and the last partial
    /// line taken by [`EveReader::finish`] or a rotation.
    pub lines: u64,
    /// Bytes read, over every file (contents read again after a truncation
    /// count again).
    pub bytes: u64,
    /// Lines that were `alert` events, all returned.
    pub alerts: u64,
    /// Lines that were events of other types, by `event_type` (see
    /// [`MAX_EVENT_TYPES`]).
    pub other_events: BTreeMap<String, u64>,
    /// Lines holding only whitespace (an empty line, a lone `\r`).
    pub blank: u64,
    /// Lines that were not usable events: not UTF-8, not JSON, missing or
    /// bad members, longer than the cap. Skipped.
    pub malformed: u64,
    /// Of `malformed`, the lines longer than the cap.
    pub too_long: u64,
    /// The first malformed line's reason, as `line <n>: <reason>` (`n`
    /// counts from 1 over everything read).
    pub first_error: Option<String>,
    /// Times the file was found shorter than the offset read and was read
    /// again from byte 0.
    pub truncations: u64,
    /// Times the path was found to name a new file, which was opened.
    pub reopens: u64,
}

impl EveStats {
    fn bad_line(&mut self, line: u64, reason: impl FnOnce() -> String) {
        self.malformed += 1;
        if self.first_error.is_none() {
            self.first_error = Some(format!("line {line}: {}", reason()));
        }
    }

    fn other(&mut self, event_type: String) {
        let known = self.other_events.contains_key(&event_type);
        let key = if event_type.len() > MAX_EVENT_TYPE_LEN
            || (!known && self.other_events.len() >= MAX_EVENT_TYPES)
        {
            OTHER_TYPES_KEY.to_string()
        } else {
            event_type
        };
        *self.other_events.entry(key).or_insert(0) += 1;
    }
}

enum Source {
    Reader(Box<dyn Read + Send>),
    File { file: File, path: Option<PathBuf> },
}

/// Reads EVE lines from a file or any [`Read`], and returns their alerts.
/// See the [module docs](self) for follow mode, rotation and bounds.
pub struct EveReader {
    src: Source,
    /// Bytes read and not yet consumed: the start of an incomplete line.
    buf: Vec<u8>,
    /// The read buffer, [`READ_CHUNK`] bytes once the first read is made.
    chunk: Vec<u8>,
    /// Of `buf`, the first bytes already searched for `\n` (none there).
    scanned: usize,
    /// Skipping the rest of a line longer than the cap (already counted).
    skipping: bool,
    /// Bytes read from the current file.
    offset: u64,
    max_line: usize,
    stats: EveStats,
}

impl std::fmt::Debug for EveReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EveReader")
            .field("offset", &self.offset)
            .field("pending", &self.buf.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl EveReader {
    fn with_source(src: Source) -> EveReader {
        EveReader {
            src,
            buf: Vec::new(),
            chunk: Vec::new(),
            scanned: 0,
            skipping: false,
            offset: 0,
            max_line: DEFAULT_MAX_LINE,
            stats: EveStats::default(),
        }
    }

    /// A reader of the file at `path`, from its start, with truncation and
    /// rotation handling.
    pub fn open(path: impl AsRef<Path>) -> io::Result<EveReader> {
        let path = path.as_ref();
        let file = File::open(path)?;
        Ok(EveReader::with_source(Source::File {
            file,
            path: Some(path.to_path_buf()),
        }))
    }

    /// A reader of an open file, from its current position; truncation is
    /// handled (the file is read again from byte 0), rotation is not (there
    /// is no path to reopen).
    pub fn from_file(mut file: File) -> EveReader {
        let offset = file.stream_position().unwrap_or(0);
        let mut r = EveReader::with_source(Source::File { file, path: None });
        r.offset = offset;
        r
    }

    /// A reader of any byte source (a pipe, a socket, a test buffer). A
    /// read returning 0 bytes or `WouldBlock` ends a poll; the next poll
    /// reads again. Neither truncation nor rotation can be seen.
    pub fn new(src: impl Read + Send + 'static) -> EveReader {
        EveReader::with_source(Source::Reader(Box::new(src)))
    }

    /// Sets the cap on the length of one line, in bytes, `\n` excluded (at
    /// least 1; default [`DEFAULT_MAX_LINE`]).
    pub fn with_max_line(mut self, max_line: usize) -> EveReader {
        self.max_line = max_line.max(1);
        self
    }

    /// The cap on the length of one line, in bytes, `\n` excluded.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// What was seen so far.
    pub fn stats(&self) -> &EveStats {
        &self.stats
    }

    /// Bytes of an incomplete last line held, waiting for its `\n`.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Reads what is available now, appends the alerts of the complete
    /// lines to `out` in file order, and returns how many were appended.
    /// Returns at end of file without waiting. Malformed lines are counted
    /// and skipped; only I/O errors are errors (then the bytes read before
    /// the error have been processed, and a later poll may continue).
    pub fn poll(&mut self, out: &mut Vec<EveAlert>) -> io::Result<usize> {
        let before = out.len();
        loop {
            self.check_truncated(out)?;
            loop {
                let n = match self.read_some() {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                };
                self.offset += n as u64;
                self.stats.bytes += n as u64;
                self.process(out);
            }
            if !self.check_rotated(out)? {
                break;
            }
        }
        Ok(out.len() - before)
    }

    /// Takes the incomplete last line, if any, as a complete one (a file
    /// that does not end in `\n`), appends its alert to `out` if it is one,
    /// and returns how many alerts were appended (0 or 1). Call it when the
    /// file is known to be complete; a later `poll` starts a new line.
    pub fn finish(&mut self, out: &mut Vec<EveAlert>) -> usize {
        let before = out.len();
        if self.skipping {
            self.stats.lines += 1;
            self.skipping = false;
        } else if !self.buf.is_empty() {
            let buf = std::mem::take(&mut self.buf);
            self.line(&buf, out);
            self.buf = buf;
        }
        self.buf.clear();
        self.scanned = 0;
        out.len() - before
    }

    fn read_some(&mut self) -> io::Result<usize> {
        if self.chunk.len() != READ_CHUNK {
            self.chunk = vec![0; READ_CHUNK];
        }
        let n = match &mut self.src {
            Source::Reader(r) => r.read(&mut self.chunk)?,
            Source::File { file, .. } => file.read(&mut self.chunk)?,
        }
        .min(READ_CHUNK);
        self.buf.extend_from_slice(&self.chunk[..n]);
        Ok(n)
    }

    /// Handles the complete lines in `buf`, keeps the incomplete rest.
    fn process(&mut self, out: &mut Vec<EveAlert>) {
        let buf = std::mem::take(&mut self.buf);
        let mut start = 0;
        // The first `scanned` bytes are known to hold no `\n`.
        let mut from = self.scanned.min(buf.len());
        while let Some(i) = buf[from..].iter().position(|&b| b == b'\n') {
            let end = from + i;
            let line = &buf[start..end];
            if self.skipping {
                self.skipping = false;
                self.stats.lines += 1;
            } else {
                self.line(line, out);
            }
            start = end + 1;
            from = start;
        }
        self.buf = buf;
        self.buf.drain(..start);
        if self.skipping {
            self.buf.clear();
        } else if self.buf.len() > self.max_line {
            self.buf.clear();
            self.skipping = true;
            // Counted in `lines` when its end comes.
            self.too_long(self.stats.lines + 1);
        }
        self.scanned = self.buf.len();
    }

    fn too_long(&mut self, line: u64) {
        self.stats.too_long += 1;
        let max = self.max_line;
        self.stats
            .bad_line(line, || format!("line longer than {max} bytes"));
    }

    /// One complete line, `\n` excluded.
    fn line(&mut self, line: &[u8], out: &mut Vec<EveAlert>) {
        self.stats.lines += 1;
        if line.len() > self.max_line {
            self.too_long(self.stats.lines);
            return;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            self.stats.blank += 1;
            return;
        }
        match parse_line(line) {
            Ok(EveEvent::Alert(a)) => {
                self.stats.alerts += 1;
                out.push(a);
            }
            Ok(EveEvent::Other(t)) => self.stats.other(t),
            Err(e) => self.stats.bad_line(self.stats.lines, || e.to_string()),
        }
    }

    /// A file shorter than the offset read: start again from byte 0.
    fn check_truncated(&mut self, out: &mut Vec<EveAlert>) -> io::Result<()> {
        let Source::File { file, .. } = &mut self.src else {
            return Ok(());
        };
        if file.metadata()?.len() >= self.offset {
            return Ok(());
        }
        file.seek(SeekFrom::Start(0))?;
        self.offset = 0;
        self.stats.truncations += 1;
        self.finish(out);
        Ok(())
    }

    /// At the end of the file: whether the path now names another file, in
    /// which case it has been opened, to be read from byte 0.
    fn check_rotated(&mut self, out: &mut Vec<EveAlert>) -> io::Result<bool> {
        let Source::File {
            file,
            path: Some(path),
        } = &mut self.src
        else {
            return Ok(false);
        };
        let Ok(now) = std::fs::metadata(&*path) else {
            // Renamed away and not yet created again: keep the old file.
            return Ok(false);
        };
        if same_file(&now, &file.metadata()?) {
            return Ok(false);
        }
        let Ok(new) = File::open(&*path) else {
            return Ok(false);
        };
        *file = new;
        self.offset = 0;
        self.stats.reopens += 1;
        self.finish(out);
        Ok(true)
    }
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}
