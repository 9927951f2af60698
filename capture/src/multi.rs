//! The `multi` module deals with reading several captures as one stream of
//! packets.
//!
//! Every regular file is opened and its header checked before the first
//! packet is read, so that a mistyped third file name fails the run at once
//! instead of after the first two files have been analysed; the file is then
//! closed, and opened again when reading reaches it (so a thousand inputs do
//! not hold a thousand descriptors). Standard input (`-`) and other streams
//! (FIFOs, `<(...)` process substitutions) can be read only once and their
//! writer may be waiting for the earlier inputs to be consumed: the first
//! input is checked up front whatever it is, a later stream only when reading
//! reaches it (a bad header then ends the run with an error, after
//! everything before it was read).
//!
//! A capture that turns out to be damaged further in (cut short, say) gives a
//! warning and the stream goes on with the next one.

use std::path::{Path, PathBuf};

use weir_core::source::{PacketSource, SkippedBlocks, SourceError, SourceItem};

use crate::compress::Compression;
use crate::file::{self, CaptureFile};
use crate::format::Format;
use crate::record::Step;

/// One input of a [`FileSource`] and what has been read from it.
#[derive(Debug, Clone)]
pub struct Input {
    given: PathBuf,
    path: PathBuf,
    stream: bool,
    format: Option<Format>,
    compression: Option<Compression>,
    packets: u64,
    warnings: u64,
    skipped: SkippedBlocks,
}

impl Input {
    /// The path as given (`-` for standard input).
    pub fn given_path(&self) -> &Path {
        &self.given
    }

    /// The path as messages name it (`(standard input)` for `-`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the input is standard input or another stream (FIFO,
    /// character device, socket) rather than a regular file.
    pub fn is_stream(&self) -> bool {
        self.stream
    }

    /// The capture format, once its header has been read.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// The compression, once its header has been read.
    pub fn compression(&self) -> Option<Compression> {
        self.compression
    }

    /// Number of packets read from this input so far.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    /// Number of warnings this input has given so far.
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// pcapng blocks of this input skipped so far (counted once the input
    /// has been read to its end).
    pub fn skipped_blocks(&self) -> SkippedBlocks {
        self.skipped
    }
}

/// Whether `path` is standard input or a stream, not a regular file. A path
/// that cannot be looked at counts as a file: opening it gives the error.
fn is_stream(path: &Path) -> bool {
    file::is_stdin(path) || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Captures read one after the other as a single [`PacketSource`].
///
/// Packets borrow the read buffer of their capture; nothing is allocated per
/// packet.
#[derive(Debug)]
pub struct FileSource {
    inputs: Vec<Input>,
    current: usize,
    open: Option<CaptureFile>,
    packets: u64,
    warnings: u64,
}

impl FileSource {
    /// Checks the inputs in `paths` (`-` is standard input; see the module
    /// documentation for which are checked up front), then reads their
    /// packets in the order given.
    ///
    /// Fails on the first input that cannot be opened or is not a capture
    /// (see [`CaptureFile::open`]), before any packet is read, and if `-`
    /// is given more than once. An empty `paths` gives a source with no
    /// packets.
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<FileSource, SourceError> {
        let mut inputs = Vec::with_capacity(paths.len());
        let mut open = None;
        let mut stdin = false;
        for (i, given) in paths.iter().enumerate() {
            let given = given.as_ref();
            if file::is_stdin(given) {
                if stdin {
                    return Err(SourceError::Open {
                        path: file::label(given),
                        source: std::io::Error::new(
                            std::io::ErrorKind::InvalidInput,
                            "given more than once (it can be read only once)",
                        ),
                    });
                }
                stdin = true;
            }
            let stream = is_stream(given);
            let mut input = Input {
                given: given.to_path_buf(),
                path: file::label(given),
                stream,
                format: None,
                compression: None,
                packets: 0,
                warnings: 0,
                skipped: SkippedBlocks::default(),
            };
            if i == 0 || !stream {
                let f = CaptureFile::open(given)?;
                input.format = Some(f.format());
                input.compression = Some(f.compression());
                // The first stays open: it is read next anyway.
                if i == 0 {
                    open = Some(f);
                }
            }
            inputs.push(input);
        }
        Ok(FileSource {
            inputs,
            current: 0,
            open,
            packets: 0,
            warnings: 0,
        })
    }

    /// Number of packets yielded so far, all inputs together.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    /// Number of warnings yielded so far, all inputs together.
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// The inputs, in reading order, each with its own path and counters.
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The input being read, or `None` once all are done.
    pub fn current_input(&self) -> Option<&Input> {
        self.inputs.get(self.current)
    }

    /// Records what the open capture skipped, closes it and moves on.
    fn close_current(&mut self) {
        if let (Some(f), Some(input)) = (self.open.take(), self.inputs.get_mut(self.current)) {
            let (unknown, damaged) = f.reader().skipped_blocks();
            input.skipped = SkippedBlocks { unknown, damaged };
        }
        self.current += 1;
    }
}

impl PacketSource for FileSource {
    #[inline]
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, SourceError> {
        // Find the next step without borrowing any buffer: returning a borrow
        // from inside a loop that also opens and closes captures is
        // something the borrow checker cannot follow yet.
        let step = loop {
            let Some(input) = self.inputs.get_mut(self.current) else {
                return Ok(None);
            };
            let file = match self.open.as_mut() {
                Some(f) => f,
                None => match CaptureFile::open(&input.given) {
                    Ok(f) => {
                        input.format = Some(f.format());
                        input.compression = Some(f.compression());
                        self.open.insert(f)
                    }
                    Err(e) => {
                        // Nothing after a fatal error is read.
                        self.current = self.inputs.len();
                        return Err(e);
                    }
                },
            };
            match file.next_step() {
                Step::End | Step::Need(_) => self.close_current(),
                step => break step,
            }
        };
        let (Some(file), Some(input)) = (self.open.as_ref(), self.inputs.get_mut(self.current))
        else {
            return Ok(None);
        };
        Ok(Some(match step {
            Step::Packet(r) => {
                self.packets += 1;
                input.packets += 1;
                SourceItem::Packet(file.packet(&r))
            }
            Step::Warning(w) => {
                self.warnings += 1;
                input.warnings += 1;
                SourceItem::Warning(file.source_warning(w))
            }
            // Never reached: the loop above only breaks on the other two.
            Step::Need(_) | Step::End => return Ok(None),
        }))
    }

    fn origin(&self) -> Option<String> {
        self.current_input().map(|f| f.path().display().to_string())
    }

    fn origin_id(&self) -> usize {
        self.current
    }

    fn skipped_blocks(&self) -> SkippedBlocks {
        let mut total = SkippedBlocks::default();
        for input in &self.inputs {
            total.unknown += input.skipped.unknown;
            total.damaged += input.skipped.damaged;
        }
        if let Some(f) = &self.open {
            let (unknown, damaged) = f.reader().skipped_blocks();
            total.unknown += unknown;
            total.damaged += damaged;
        }
        total
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
            .inputs()
            .iter()
            .map(|f| (f.path().to_path_buf(), f.packets_read(), f.warnings()))
            .collect();
        assert_eq!(counts, vec![(a, 2, 0), (b, 2, 1), (c, 2, 0)]);
        assert!(source.current_input().is_none());
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

    #[test]
    fn standard_input_twice_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pcap");
        std::fs::write(&a, pcap(&[1])).unwrap();
        let (a, dash) = (a.as_path(), Path::new("-"));
        match FileSource::open(&[a, dash, a, dash]).unwrap_err() {
            SourceError::Open { path, source } => {
                assert_eq!(path, Path::new("(standard input)"));
                assert!(source.to_string().contains("more than once"), "{source}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn skipped_blocks_add_up_over_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let mut ng = Builder::new(Endian::Little);
        ng.idb(1, 0, None)
            .block(0x77, &[])
            .epb(0, 1, &[1], 1)
            .epb(9, 1, &[2], 1);
        let a = dir.path().join("a.pcapng");
        std::fs::write(&a, ng.bytes()).unwrap();
        let mut source = FileSource::open(&[&a, &a]).unwrap();
        let seen = drain(&mut source);
        assert_eq!(seen.len(), 4, "{seen:?}");
        let both = SkippedBlocks {
            unknown: 2,
            damaged: 2,
        };
        assert_eq!(source.skipped_blocks(), both);
        let one = SkippedBlocks {
            unknown: 1,
            damaged: 1,
        };
        let per_input: Vec<SkippedBlocks> =
            source.inputs().iter().map(|i| i.skipped_blocks()).collect();
        assert_eq!(per_input, vec![one, one]);
        assert!(source.inputs().iter().all(|i| !i.is_stream()
            && i.format() == Some(Format::Pcapng)
            && i.compression() == Some(Compression::None)));
    }
}
