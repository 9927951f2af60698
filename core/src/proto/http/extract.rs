//! The `extract` module deals with writing HTTP bodies to files
//! (`--extract-files DIR`, off by default).
//!
//! A body is written as it is decoded (the same bytes that are hashed: de-
//! chunked and content-decoded; as sent when hashing is off), to a hidden
//! temporary file in the directory, and renamed when it ends:
//!
//! - **Names that packet content cannot steer.** A complete hashed body is
//!   named by its SHA-256 in hex (so a file seen twice is stored once); with
//!   hashing off, `body-N`. Nothing from the traffic (URL, `Content-
//!   Disposition`) reaches a path: the file name a body claims is only in
//!   the resource's `file_name` field.
//! - **Bounded.** A body past `max_bytes` is abandoned (its file removed)
//!   and counted, as is a body that ends incomplete (gap, cut, decode
//!   error): a part is not the file.
//! - **Errors** (a full disk) remove the part, are counted, and the first
//!   is kept for the summary; the run goes on.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Where bodies go, shared by every session of every worker.
#[derive(Debug)]
pub struct Extractor {
    dir: PathBuf,
    max_bytes: u64,
    next: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
    duplicates: AtomicU64,
    too_large: AtomicU64,
    incomplete: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

/// What extraction did over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExtractStats {
    /// Files written.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Complete bodies already stored under the same SHA-256.
    pub duplicates: u64,
    /// Bodies skipped for passing the size cap.
    pub skipped_too_large: u64,
    /// Bodies skipped for ending incomplete.
    pub skipped_incomplete: u64,
    /// Bodies lost to file-system errors.
    pub errors: u64,
    /// The first such error, naming the file.
    pub first_error: Option<String>,
}

impl PartialEq for Extractor {
    /// The same extractor (configurations compare by identity).
    fn eq(&self, other: &Extractor) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Extractor {}

impl Extractor {
    /// Bodies of at most `max_bytes` into `dir` (which must exist).
    pub fn new(dir: PathBuf, max_bytes: u64) -> Extractor {
        Extractor {
            dir,
            max_bytes,
            next: AtomicU64::new(0),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            too_large: AtomicU64::new(0),
            incomplete: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> ExtractStats {
        ExtractStats {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            skipped_too_large: self.too_large.load(Ordering::Relaxed),
            skipped_incomplete: self.incomplete.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            first_error: self
                .first_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }

    fn failed(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(what);
    }

    /// A new body's file (opened at its first byte).
    pub(crate) fn body(&self) -> BodyFile {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        BodyFile {
            id,
            path: self
                .dir
                .join(format!(".weir-{}-{id}.part", std::process::id())),
            file: None,
            written: 0,
            dead: false,
        }
    }
}

/// One body being written.
#[derive(Debug)]
pub(crate) struct BodyFile {
    id: u64,
    /// The temporary file.
    path: PathBuf,
    file: Option<BufWriter<File>>,
    written: u64,
    /// Abandoned (too large, or an error): later bytes are dropped.
    dead: bool,
}

impl BodyFile {
    /// Appends decoded body bytes.
    pub(crate) fn write(&mut self, x: &Extractor, bytes: &[u8]) {
        if self.dead || bytes.is_empty() {
            return;
        }
        if self.written.saturating_add(bytes.len() as u64) > x.max_bytes {
            x.too_large.fetch_add(1, Ordering::Relaxed);
            self.abandon(x);
            return;
        }
        if self.file.is_none() {
            match File::create(&self.path) {
                Ok(f) => self.file = Some(BufWriter::with_capacity(64 << 10, f)),
                Err(e) => {
                    x.failed(format!("{}: {e}", self.path.display()));
                    self.dead = true;
                    return;
                }
            }
        }
        if let Some(f) = &mut self.file {
            if let Err(e) = f.write_all(bytes) {
                x.failed(format!("{}: {e}", self.path.display()));
                self.abandon(x);
                return;
            }
        }
        self.written += bytes.len() as u64;
    }

    fn abandon(&mut self, x: &Extractor) {
        self.dead = true;
        let _ = x;
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// The body ended: keeps the file under its final name when the body is
    /// `complete`, and returns that name (relative to the directory).
    pub(crate) fn finish(
        mut self,
        x: &Extractor,
        complete: bool,
        sha256: Option<[u8; 32]>,
    ) -> Option<String> {
        let file = self.file.take()?;
        let part = self.path.clone();
        if self.dead {
            return None;
        }
        if !complete {
            x.incomplete.fetch_add(1, Ordering::Relaxed);
            drop(file);
            let _ = std::fs::remove_file(&part);
            return None;
        }
        let flushed = file.into_inner().map_err(|e| e.into_error());
        if let Err(e) = flushed {
            x.failed(format!("{}: {e}", part.display()));
            let _ = std::fs::remove_file(&part);
            return None;
        }
        let name = match sha256 {
            Some(h) => super::digest::hex(&h),
            None => format!("body-{}", self.id),
        };
        let dest = x.dir.join(&name);
        if sha256.is_some() && dest.exists() {
            x.duplicates.fetch_add(1, Ordering::Relaxed);
            let _ = std::fs::remove_file(&part);
            return Some(name);
        }
        if let Err(e) = std::fs::rename(&part, &dest) {
            x.failed(format!("{}: {e}", dest.display()));
            let _ = std::fs::remove_file(&part);
            return None;
        }
        x.files.fetch_add(1, Ordering::Relaxed);
        x.bytes.fetch_add(self.written, Ordering::Relaxed);
        Some(name)
    }
}

impl Drop for BodyFile {
    fn drop(&mut self) {
        // A body never finished (its session dropped): leave no part behind.
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
