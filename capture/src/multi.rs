//! The `multi` module deals with reading several capture files as one stream
//! of packets.
//!
//! Every file is opened and its header checked before the first packet is
//! read, so that a mistyped third file name fails the run at once instead of
//! after the first two files have been analysed. A file that turns out to be
//! damaged further in (cut short, say) gives a warning and the stream goes on
//! with the next file.

use std::path::Path;

use weir_core::source::{PacketSource, SourceError, SourceItem};

use crate::file::CaptureFile;
use crate::record::Step;

/// Capture files read one after the other as a single [`PacketSource`].
///
/// Packets borrow the memory map of their file; nothing is copied or
/// allocated per packet.
#[derive(Debug)]
pub struct FileSource {
    files: Vec<CaptureFile>,
    current: usize,
    packets: u64,
    warnings: u64,
}

impl FileSource {
    /// Opens every file in `paths` and reads its header, then reads their
    /// packets in the order given.
    ///
    /// Fails on the first file that cannot be opened or is not a capture (see
    /// [`CaptureFile::open`]), before any packet is read. An empty `paths`
    /// gives a source with no packets.
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<FileSource, SourceError> {
        let files = paths
            .iter()
            .map(CaptureFile::open)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FileSource::from_files(files))
    }

    /// Reads already opened files, in order.
    pub fn from_files(files: Vec<CaptureFile>) -> FileSource {
        FileSource {
            files,
            current: 0,
            packets: 0,
            warnings: 0,
        }
    }

    /// Number of packets yielded so far, all files together.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    /// Number of warnings yielded so far, all files together.
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// The files, in reading order, each with its own path and counters
    /// ([`CaptureFile::path`], [`CaptureFile::packets_read`],
    /// [`CaptureFile::warnings`]).
    pub fn files(&self) -> &[CaptureFile] {
        &self.files
    }

    /// The file being read, or `None` once all are done.
    pub fn current_file(&self) -> Option<&CaptureFile> {
        self.files.get(self.current)
    }
}

impl PacketSource for FileSource {
    #[inline]
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, SourceError> {
        // Find the next step without borrowing any file's bytes: returning a
        // borrow from inside a loop that also advances `current` is something
        // the borrow checker cannot follow yet.
        let step = loop {
            let Some(file) = self.files.get_mut(self.current) else {
                return Ok(None);
            };
            match file.next_step() {
                Step::End => self.current += 1,
                step => break step,
            }
        };
        let Some(file) = self.files.get(self.current) else {
            return Ok(None);
        };
        Ok(Some(match step {
            Step::Packet(r) => {
                self.packets += 1;
                SourceItem::Packet(file.packet(&r))
            }
            Step::Warning(w) => {
                self.warnings += 1;
                SourceItem::Warning(file.source_warning(w))
            }
            // Never reached: the loop above only breaks on the other two.
            Step::End => return Ok(None),
        }))
    }

    fn origin(&self) -> Option<String> {
        self.current_file().map(|f| f.path().display().to_string())
    }

    fn origin_id(&self) -> usize {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    use crate::field::Endian;
    use crate::pcapng::tests::Builder;
    use crate::write::PcapWriter;
    use weir_core::source::{SourceWarning, Timestamp};

    /// A pcap file with one packet per entry of `firsts`, frame = `[first]`.
    fn pcap(firsts: &[u8]) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), 1, false, false).unwrap();
        for (i, &b) in firsts.iter().enumerate() {
            let ts = Timestamp {
                secs: 100 + i as u64,
                usecs: 0,
            };
            w.write_packet(ts, &[b, 0, 0], 3).unwrap();
        }
        w.into_inner()
    }

    #[derive(Debug, PartialEq)]
    enum Seen {
        Packet(u8),
        Warning(SourceWarning),
    }

    fn drain(source: &mut FileSource) -> Vec<Seen> {
        let mut out = Vec::new();
        while let Some(item) = source.next_item().unwrap() {
            out.push(match item {
                SourceItem::Packet(p) => Seen::Packet(p.data[0]),
                SourceItem::Warning(w) => Seen::Warning(w),
            });
        }
        out
    }

    #[test]
    fn files_in_order_and_on_after_a_truncated_one() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pcap");
        let b = dir.path().join("b.pcap");
        let c = dir.path().join("c.anything");
        std::fs::write(&a, pcap(&[1, 2])).unwrap();
        let cut = pcap(&[3, 4, 5]);
        std::fs::write(&b, &cut[..cut.len() - 2]).unwrap();
        let mut ng = Builder::new(Endian::Little);
        ng.idb(1, 0, None).epb(0, 1, &[6], 1).spb(&[7]);
        std::fs::write(&c, ng.bytes()).unwrap();

        let paths = [a.clone(), b.clone(), c.clone()];
        let mut source = FileSource::open(&paths).unwrap();
        let seen = drain(&mut source);
        let fifth_record = (24 + 2 * (16 + 3)) as u64;
        assert_eq!(
            seen,
            vec![
                Seen::Packet(1),
                Seen::Packet(2),
                Seen::Packet(3),
                Seen::Packet(4),
                Seen::Warning(SourceWarning {
                    path: b.clone(),
                    offset: fifth_record,
                    message: "file cut short in the middle of a packet record".into(),
                }),
                Seen::Packet(6),
                Seen::Packet(7),
            ]
        );
        assert_eq!(source.packets_read(), 6);
        assert_eq!(source.warnings(), 1);
        let counts: Vec<(PathBuf, u64, u64)> = source
            .files()
            .iter()
            .map(|f| (f.path().to_path_buf(), f.packets_read(), f.warnings()))
            .collect();
        assert_eq!(counts, vec![(a, 2, 0), (b, 2, 1), (c, 2, 0)]);
        assert!(source.current_file().is_none());
        assert!(source.next_item().unwrap().is_none());
    }

    #[test]
    fn a_bad_later_file_fails_before_any_packet() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.pcap");
        let bad = dir.path().join("bad.pcap");
        std::fs::write(&good, pcap(&[1])).unwrap();
        std::fs::write(&bad, b"not a capture at all").unwrap();
        let err = FileSource::open(&[&good, &good, &bad]).unwrap_err();
        match err {
            SourceError::Format { path, reason } => {
                assert_eq!(path, bad);
                assert!(reason.contains("0x6e6f7420"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_files_no_packets() {
        let mut source = FileSource::open::<PathBuf>(&[]).unwrap();
        assert!(source.next_item().unwrap().is_none());
    }

    #[test]
    fn empty_capture_between_others() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pcap");
        let empty = dir.path().join("header-only.pcap");
        std::fs::write(&a, pcap(&[1])).unwrap();
        std::fs::write(&empty, pcap(&[])).unwrap();
        let mut source = FileSource::open(&[&a, &empty, &empty, &a]).unwrap();
        assert_eq!(drain(&mut source), vec![Seen::Packet(1), Seen::Packet(1)]);
    }
}
