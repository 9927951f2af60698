//! The `file` module deals with opening a capture file: mapping it into
//! memory, recognising its format and reading its header.
//!
//! Files are memory-mapped rather than read: packets are then handed out as
//! slices of the mapping, with no copy and no allocation per packet, and the
//! kernel's read-ahead does the buffering.
//!
//! # Files changing underneath
//!
//! The mapping is shared with the file on disk. weir only reads it, but if
//! another process writes to the file while weir runs, the packets read may
//! change under weir's feet (they are still bounds-checked, so this gives
//! wrong packets, not memory errors); if another process *truncates* the file,
//! touching the pages past the new end raises `SIGBUS` and kills the process.
//! Do not point weir at a capture that is still being written or rotated.

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use weir_core::source::{Packet, PacketSource, SourceError, SourceItem, SourceWarning};

use crate::format::{Format, Reader};
use crate::record::{PacketRef, Step};

/// An open, memory-mapped capture file whose header has been read, and a
/// position in it.
///
/// A `CaptureFile` is itself a [`PacketSource`] yielding the packets of this
/// one file; [`crate::FileSource`] chains several.
#[derive(Debug)]
pub struct CaptureFile {
    path: PathBuf,
    map: Mmap,
    reader: Reader,
    packets: u64,
    warnings: u64,
    finished: bool,
}

impl CaptureFile {
    /// Opens and maps `path`, detects its format by magic number, and reads
    /// its file header.
    ///
    /// Fails with [`SourceError::Open`] if the file cannot be opened or
    /// mapped, and with [`SourceError::Format`] if it is empty, is shorter
    /// than its header, or is not a pcap or pcapng file.
    pub fn open(path: impl AsRef<Path>) -> Result<CaptureFile, SourceError> {
        let path = path.as_ref().to_path_buf();
        let open_error = |source| SourceError::Open {
            path: path.clone(),
            source,
        };
        let file = File::open(&path).map_err(open_error)?;
        let metadata = file.metadata().map_err(open_error)?;
        // Opening a directory succeeds on Unix; mapping it would then fail
        // with a puzzling "no such device".
        if metadata.is_dir() {
            return Err(open_error(std::io::Error::from(
                std::io::ErrorKind::IsADirectory,
            )));
        }
        let len = metadata.len();
        // Checked before mapping: mapping zero bytes fails on some systems
        // with an unhelpful "invalid argument".
        if len == 0 {
            return Err(SourceError::Format {
                path,
                reason: "empty file, no capture header".to_string(),
            });
        }
        // SAFETY: `Mmap::map` is unsafe because the mapped bytes are shared
        // with the file: if another process modifies the file while it is
        // mapped, the `&[u8]` weir holds changes underneath it, and if another
        // process truncates it, reading past the new end raises SIGBUS. weir
        // maps read-only and never writes, every read of the mapping is
        // bounds-checked against the length it had when mapped, and the
        // module documentation tells users not to read captures that are
        // still being written. That is the same contract every mmap-based
        // capture reader works under.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file) }.map_err(open_error)?;
        // Packets are read front to back exactly once: ask for aggressive
        // read-ahead. Only a hint, so a refusal is not an error.
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        let reader = Reader::new(&map).map_err(|e| SourceError::Format {
            path: path.clone(),
            reason: e.reason,
        })?;
        Ok(CaptureFile {
            path,
            map,
            reader,
            packets: 0,
            warnings: 0,
            finished: false,
        })
    }

    /// The path the file was opened by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.reader.format()
    }

    /// The whole file, as mapped.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Number of packets read from this file so far.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    /// Number of warnings this file has given so far.
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// Whether every packet of the file has been read.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The next packet (located, not borrowed), warning, or the end.
    ///
    /// Use [`CaptureFile::packet`] to get the packet's bytes. This split is
    /// what lets a caller loop over several files and still return a packet
    /// borrowed from one of them.
    #[inline]
    pub fn next_step(&mut self) -> Step {
        let step = self.reader.step(&self.map);
        match step {
            Step::Packet(_) => self.packets += 1,
            Step::Warning(_) => self.warnings += 1,
            Step::End => self.finished = true,
        }
        step
    }

    /// The packet `r` (returned by [`CaptureFile::next_step`]), borrowing
    /// its bytes from the mapping.
    #[inline]
    pub fn packet(&self, r: &PacketRef) -> Packet<'_> {
        r.packet(&self.map)
    }

    /// Turns a warning about this file into a [`SourceWarning`].
    pub(crate) fn source_warning(&self, w: crate::record::Warning) -> SourceWarning {
        SourceWarning {
            path: self.path.clone(),
            offset: w.offset,
            message: w.message,
        }
    }
}

impl PacketSource for CaptureFile {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, SourceError> {
        Ok(match self.next_step() {
            Step::Packet(r) => Some(SourceItem::Packet(self.packet(&r))),
            Step::Warning(w) => Some(SourceItem::Warning(self.source_warning(w))),
            Step::End => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::PcapWriter;
    use weir_core::source::Timestamp;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn format_reason(r: Result<CaptureFile, SourceError>) -> String {
        match r {
            Err(SourceError::Format { reason, .. }) => reason,
            other => panic!("expected a format error, got {other:?}"),
        }
    }

    #[test]
    fn reads_packets_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = PcapWriter::new(Vec::new(), 1, false, false).unwrap();
        w.write_packet(Timestamp { secs: 7, usecs: 8 }, &[1, 2, 3], 3)
            .unwrap();
        let mut bytes = w.into_inner();
        bytes.extend_from_slice(&[0; 5]); // a record header cut short
                                          // The name says pcapng; the magic says pcap, and wins.
        let path = write(dir.path(), "mislabelled.pcapng", &bytes);
        let mut file = CaptureFile::open(&path).unwrap();
        assert_eq!(file.format(), Format::Pcap);
        let Some(SourceItem::Packet(p)) = file.next_item().unwrap() else {
            panic!()
        };
        assert_eq!(
            (p.ts, p.data),
            (Timestamp { secs: 7, usecs: 8 }, &[1u8, 2, 3][..])
        );
        let Some(SourceItem::Warning(w)) = file.next_item().unwrap() else {
            panic!()
        };
        assert_eq!(w.path, path);
        assert_eq!(w.offset, 24 + 16 + 3);
        assert!(file.next_item().unwrap().is_none());
        assert!(file.next_item().unwrap().is_none());
        assert_eq!((file.packets_read(), file.warnings()), (1, 1));
        assert!(file.is_finished());
    }

    #[test]
    fn open_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = write(dir.path(), "empty.pcap", b"");
        assert_eq!(
            format_reason(CaptureFile::open(empty)),
            "empty file, no capture header"
        );

        let unknown = write(dir.path(), "notes.pcap", b"GET / HTTP/1.1\r\n");
        let err = CaptureFile::open(&unknown).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("notes.pcap"), "{text}");
        assert!(text.contains("0x47455420"), "{text}");

        let short = write(
            dir.path(),
            "short.pcap",
            &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0],
        );
        assert!(format_reason(CaptureFile::open(short)).contains("too short"));

        match CaptureFile::open(dir.path()) {
            Err(SourceError::Open { source, .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::IsADirectory)
            }
            other => panic!("{other:?}"),
        }
        match CaptureFile::open(dir.path().join("missing.pcap")) {
            Err(SourceError::Open { path, .. }) => assert!(path.ends_with("missing.pcap")),
            other => panic!("{other:?}"),
        }
    }
}
