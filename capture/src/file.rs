//! The `file` module deals with reading one capture: opening it (a file, a
//! FIFO, or standard input), recognising its compression and format,
//! reading its header, and then streaming its packets through one reusable
//! buffer.
//!
//! # Reading
//!
//! The capture is read front to back with `read(2)` into a buffer of
//! [`READ_BUF_LEN`] bytes; the format reader is given the bytes from its
//! position to the end of what was read, and asks for more
//! ([`Step::Need`]) when a record or block is not all there. Then the few
//! bytes of that partial record move to the front of the buffer and the rest
//! of it is refilled. A record larger than the buffer grows it (doubling, up
//! to the record's length, at most 256 MiB: the readers refuse larger
//! records). Packets are slices of that buffer, valid until the next call:
//! one copy from the kernel's page cache, no allocation per packet, and a
//! memory footprint that does not depend on the size of the file.
//!
//! The same path reads standard input (`-`), FIFOs, and gzip- or
//! zstd-compressed captures (decompressed on the fly, see
//! [`crate::compress`]). A read blocks until the writer of a pipe sends
//! something or closes it; the engine's stop flag is looked at between
//! packets, so a stop requested while a pipe is silent takes effect when
//! its next bytes (or its end) arrive. Standard input that is a terminal is
//! refused at open.
//!
//! # Files changing underneath
//!
//! Nothing another process does to the file can crash weir or corrupt what
//! it has read: bytes are copied out by `read(2)`, never mapped. A file that
//! grows is read to its new end. A file that shrinks (truncated, rotated in
//! place) simply ends early; when a regular file ends before the size it
//! had when it was opened, reading stops there with one warning, "file cut
//! short while being read", and every packet before that point has been
//! read. Packets rewritten in place while weir reads them may come out as a
//! mix of old and new bytes; like any damage, the readers bound-check them.
//! (The memory-mapped reader weir had before died of `SIGBUS` when a file
//! was truncated under it; `docs/ARCHITECTURE.md` has the measurements of
//! both.)

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use weir_core::source::{Packet, PacketSource, SourceError, SourceItem, SourceWarning};

use crate::compress::{self, Compression, ZstdFrames};
use crate::format::{Format, Reader};
use crate::record::{PacketRef, Step, Warning};

/// Size of the read buffer (256 KiB): large enough that a read costs one
/// system call per few hundred packets, small enough to stay in the CPU's
/// L2 cache while the packets are decoded.
pub const READ_BUF_LEN: usize = 256 * 1024;

/// The buffer used while reading the header, before any packet is wanted
/// (header checks of many files up front stay cheap).
const HEADER_BUF_LEN: usize = 4096;

/// How the path `-` is shown in messages.
const STDIN_LABEL: &str = "(standard input)";

/// A reader counting the bytes that came out of it (the file's bytes,
/// before any decompression).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The read buffer: `buf[..end]` holds the capture's bytes from offset
/// `base` on.
struct Buffer {
    input: Box<dyn Read + Send>,
    buf: Vec<u8>,
    end: usize,
    base: u64,
    eof: bool,
    /// The size the buffer takes at its next fill: [`HEADER_BUF_LEN`] while
    /// the header is read, [`READ_BUF_LEN`] after (so checking many headers
    /// up front allocates little).
    min_len: usize,
}

impl Buffer {
    /// Makes `buf[pos..end]` hold at least `need` bytes, unless the input
    /// ends first (then `eof` is set). The bytes before `pos` are dropped.
    fn fill(&mut self, pos: usize, need: usize) -> io::Result<()> {
        let pos = pos.min(self.end);
        if self.end - pos >= need {
            return Ok(());
        }
        if pos > 0 {
            self.buf.copy_within(pos..self.end, 0);
            self.end -= pos;
            self.base += pos as u64;
        }
        if self.buf.len() < self.min_len {
            self.grow(self.min_len);
        }
        while self.end < need && !self.eof {
            if self.end == self.buf.len() {
                // Grows only as far as the bytes actually come: a damaged
                // length in a short file costs no large allocation.
                let len = self.buf.len();
                self.grow(len.saturating_mul(2).min(need).max(len + 1));
            }
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Replaces the buffer by a larger one holding the same bytes (a fresh
    /// zeroed allocation is cheaper than zeroing the new part in place).
    fn grow(&mut self, len: usize) {
        let mut larger = vec![0; len];
        larger[..self.end].copy_from_slice(&self.buf[..self.end]);
        self.buf = larger;
    }
}

/// An open capture whose header has been read, and a position in it.
///
/// A `CaptureFile` is itself a [`PacketSource`] yielding the packets of this
/// one capture; [`crate::FileSource`] chains several.
pub struct CaptureFile {
    path: PathBuf,
    compression: Compression,
    /// Size of a regular file when it was opened, and the bytes read from
    /// it since (compressed bytes, for a compressed file).
    size_at_open: Option<u64>,
    file_bytes: Arc<AtomicU64>,
    buffer: Buffer,
    reader: Reader,
    packets: u64,
    warnings: u64,
    finished: bool,
}

impl std::fmt::Debug for CaptureFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureFile")
            .field("path", &self.path)
            .field("compression", &self.compression)
            .field("format", &self.reader.format())
            .field("offset", &self.reader.offset())
            .field("packets", &self.packets)
            .field("warnings", &self.warnings)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// Whether `path` names standard input.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How `path` is named in messages (`-` is standard input).
pub(crate) fn label(path: &Path) -> PathBuf {
    if is_stdin(path) {
        PathBuf::from(STDIN_LABEL)
    } else {
        path.to_path_buf()
    }
}

/// Standard input as a `File` sharing its file offset (so a regular file
/// redirected to stdin is read from where the shell left it).
#[cfg(unix)]
fn stdin_file() -> io::Result<File> {
    use std::os::fd::AsFd;
    Ok(File::from(io::stdin().as_fd().try_clone_to_owned()?))
}

#[cfg(not(unix))]
fn stdin_file() -> io::Result<File> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "reading standard input is only supported on Unix",
    ))
}

impl CaptureFile {
    /// Opens `path` (`-` for standard input), recognises its compression
    /// and format by magic number, and reads its file header.
    ///
    /// Fails with [`SourceError::Open`] if it cannot be opened or read, and
    /// with [`SourceError::Format`] if it is empty, is shorter than its
    /// header, or is not a pcap or pcapng capture (compressed or not).
    pub fn open(path: impl AsRef<Path>) -> Result<CaptureFile, SourceError> {
        let path = path.as_ref();
        let shown = label(path);
        let open_error = |source| SourceError::Open {
            path: shown.clone(),
            source,
        };
        let file = if is_stdin(path) {
            use std::io::IsTerminal;
            // Waiting for a capture typed on a keyboard helps nobody.
            if io::stdin().is_terminal() {
                return Err(open_error(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a terminal; pipe a capture in, e.g. `tcpdump -w - | weir run --pcap - ...`",
                )));
            }
            stdin_file()
        } else {
            File::open(path)
        }
        .map_err(open_error)?;
        let metadata = file.metadata().map_err(open_error)?;
        // Opening a directory succeeds on Unix; reading it would then fail
        // with a puzzling "is a directory" at the first packet.
        if metadata.is_dir() {
            return Err(open_error(io::Error::from(io::ErrorKind::IsADirectory)));
        }
        let size_at_open = metadata.is_file().then_some(metadata.len());
        CaptureFile::from_file(shown, file, size_at_open)
    }

    fn from_file(
        path: PathBuf,
        file: File,
        size_at_open: Option<u64>,
    ) -> Result<CaptureFile, SourceError> {
        let file_bytes = Arc::new(AtomicU64::new(0));
        let mut raw = Counting {
            inner: file,
            count: Arc::clone(&file_bytes),
        };
        let mut magic = [0u8; 4];
        let mut got = 0;
        while got < magic.len() {
            match raw.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(SourceError::Open {
                        path: path.clone(),
                        source,
                    })
                }
            }
        }
        let magic = &magic[..got];
        let compression = Compression::detect(magic);
        let prefixed = Cursor::new(magic.to_vec()).chain(raw);
        let input: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(prefixed),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(prefixed)),
            Compression::Zstd => Box::new(ZstdFrames::new(BufReader::with_capacity(
                64 * 1024,
                prefixed,
            ))),
        };
        let mut buffer = Buffer {
            input,
            buf: vec![0; HEADER_BUF_LEN],
            end: 0,
            base: 0,
            eof: false,
            min_len: HEADER_BUF_LEN,
        };
        let format_error = |reason: String| SourceError::Format {
            path: path.clone(),
            reason: match compression {
                Compression::None => reason,
                c => format!("{}-compressed: {reason}", c.name()),
            },
        };
        let read_error = |e: io::Error| match compression {
            Compression::None => SourceError::Open {
                path: path.clone(),
                source: e,
            },
            _ => format_error(format!("cannot decompress: {e}")),
        };
        // The header's length may depend on its first bytes (pcapng).
        let mut need = 12;
        loop {
            buffer.fill(0, need).map_err(read_error)?;
            let more = Reader::header_len(&buffer.buf[..buffer.end]);
            if more <= need || buffer.eof {
                break;
            }
            need = more;
        }
        let header = &buffer.buf[..buffer.end];
        let reader = Reader::new(header).map_err(|e| {
            let mut reason = e.reason;
            if compression == Compression::None {
                if let Some(other) = compress::unsupported(header) {
                    reason = format!("{other}-compressed, which weir does not read ({reason})");
                }
            }
            format_error(reason)
        })?;
        buffer.min_len = READ_BUF_LEN;
        Ok(CaptureFile {
            path,
            compression,
            size_at_open,
            file_bytes,
            buffer,
            reader,
            packets: 0,
            warnings: 0,
            finished: false,
        })
    }

    /// The path the capture was opened by (`(standard input)` for `-`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The capture's format.
    pub fn format(&self) -> Format {
        self.reader.format()
    }

    /// How the file is compressed.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The format reader (its position; for pcapng its section,
    /// interfaces and skipped blocks).
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Number of packets read from this capture so far.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    /// Number of warnings this capture has given so far.
    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    /// Whether every packet of the capture has been read.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Index in the buffer of the reader's position.
    #[inline]
    fn pos(&self) -> usize {
        let rel = self.reader.offset().saturating_sub(self.buffer.base);
        usize::try_from(rel).map_or(self.buffer.end, |p| p.min(self.buffer.end))
    }

    /// The warning for a regular file that ended before the size it had
    /// when opened, if it did.
    fn shrunk(&self) -> Option<Warning> {
        let size = self.size_at_open?;
        let read = self.file_bytes.load(Ordering::Relaxed);
        (read < size).then(|| {
            Warning::new(
                self.reader.offset(),
                format!(
                    "file cut short while being read: it had {size} bytes when opened, \
                     only {read} could be read"
                ),
            )
        })
    }

    /// Ends the capture with `w`.
    #[cold]
    fn end_with(&mut self, w: Warning) -> Step {
        self.finished = true;
        self.warnings += 1;
        Step::Warning(w)
    }

    /// The next packet (located, not borrowed), warning, or the end; never
    /// [`Step::Need`].
    ///
    /// Use [`CaptureFile::packet`] to get the packet's bytes. This split is
    /// what lets a caller loop over several captures and still return a
    /// packet borrowed from one of them. A read error ends the capture with
    /// a warning.
    #[inline]
    pub fn next_step(&mut self) -> Step {
        loop {
            if self.finished {
                return Step::End;
            }
            let pos = self.pos();
            let window = &self.buffer.buf[pos..self.buffer.end];
            match self.reader.step(window, self.buffer.eof) {
                Step::Packet(r) => {
                    self.packets += 1;
                    return Step::Packet(r);
                }
                Step::Warning(w) => {
                    self.warnings += 1;
                    return Step::Warning(w);
                }
                Step::Need(n) => {
                    if let Err(e) = self.buffer.fill(pos, n) {
                        let what = match self.compression {
                            Compression::None => "read error".to_string(),
                            c => format!("cannot decompress {} data", c.name()),
                        };
                        return self
                            .end_with(Warning::new(self.reader.offset(), format!("{what}: {e}")));
                    }
                    if self.buffer.eof && self.buffer.end - self.pos() < n {
                        if let Some(w) = self.shrunk() {
                            return self.end_with(w);
                        }
                    }
                }
                Step::End => {
                    if let Some(w) = self.shrunk() {
                        return self.end_with(w);
                    }
                    self.finished = true;
                    return Step::End;
                }
            }
        }
    }

    /// The packet `r` (returned by [`CaptureFile::next_step`]), borrowing
    /// its bytes from the read buffer until the next step.
    #[inline]
    pub fn packet(&self, r: &PacketRef) -> Packet<'_> {
        r.packet_at(&self.buffer.buf[..self.buffer.end], self.buffer.base)
    }

    /// Turns a warning about this capture into a [`SourceWarning`].
    pub(crate) fn source_warning(&self, w: Warning) -> SourceWarning {
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
            Step::Need(_) | Step::End => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Endian;
    use crate::pcapng::tests::Builder;
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

    /// (first byte, length, time) of every packet, and the warnings.
    fn drain(file: &mut CaptureFile) -> (Vec<(u8, usize, Timestamp)>, Vec<SourceWarning>) {
        let (mut packets, mut warnings) = (Vec::new(), Vec::new());
        while let Some(item) = file.next_item().unwrap() {
            match item {
                SourceItem::Packet(p) => {
                    packets.push((p.data.first().copied().unwrap_or(0), p.data.len(), p.ts))
                }
                SourceItem::Warning(w) => warnings.push(w),
            }
        }
        (packets, warnings)
    }

    /// A pcap file whose packets have the given lengths, packet i filled
    /// with byte i.
    fn pcap_of_lengths(lengths: &[usize]) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), 1, false, false).unwrap();
        for (i, &len) in lengths.iter().enumerate() {
            let ts = Timestamp {
                secs: i as u64,
                usecs: 0,
            };
            w.write_packet(ts, &vec![i as u8; len], len as u32).unwrap();
        }
        w.into_inner()
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
        assert_eq!(file.compression(), Compression::None);
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
        assert_eq!(w.message, "file cut short in the middle of a record header");
        assert!(file.next_item().unwrap().is_none());
        assert!(file.next_item().unwrap().is_none());
        assert_eq!((file.packets_read(), file.warnings()), (1, 1));
        assert!(file.is_finished());
    }

    #[test]
    fn records_across_buffer_refills_and_larger_than_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        // Odd sizes so that records straddle every refill; two records
        // bigger than the buffer, one of them 2.5 times as big.
        let mut lengths: Vec<usize> = (0..3000).map(|i| 60 + (i * 37) % 1500).collect();
        lengths.insert(1000, READ_BUF_LEN + 1);
        lengths.insert(2000, READ_BUF_LEN * 5 / 2);
        let bytes = pcap_of_lengths(&lengths);
        let path = write(dir.path(), "big.pcap", &bytes);
        let mut file = CaptureFile::open(&path).unwrap();
        let (packets, warnings) = drain(&mut file);
        assert!(warnings.is_empty(), "{warnings:?}");
        let got: Vec<usize> = packets.iter().map(|p| p.1).collect();
        assert_eq!(got, lengths);
        for (i, p) in packets.iter().enumerate() {
            assert_eq!(p.0, i as u8, "packet {i} holds its own bytes");
        }
    }

    #[test]
    fn pcapng_with_a_large_section_header_and_sections() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Builder::new(Endian::Little);
        // A custom block bigger than the header buffer, then packets.
        b.idb(1, 0, None)
            .block(0x0000_0BAD, &vec![7; HEADER_BUF_LEN * 3])
            .epb(0, 1, &[1, 1], 2);
        b.switch(Endian::Big)
            .shb()
            .idb(0, 0, Some(9))
            .epb(0, 2_000_000_000, &[2], 1);
        let path = write(dir.path(), "two.pcapng", &b.bytes());
        let mut file = CaptureFile::open(&path).unwrap();
        let (packets, warnings) = drain(&mut file);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            packets,
            vec![
                (1, 2, Timestamp { secs: 0, usecs: 1 }),
                (2, 1, Timestamp { secs: 2, usecs: 0 })
            ]
        );
    }

    #[test]
    fn gzip_and_zstd_read_like_the_plain_file() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let lengths: Vec<usize> = (0..2000).map(|i| 40 + (i * 53) % 1400).collect();
        let plain = pcap_of_lengths(&lengths);
        let plain_path = write(dir.path(), "plain.pcap", &plain);
        let want = drain(&mut CaptureFile::open(&plain_path).unwrap());
        // Two gzip members, as `cat a.gz b.gz` makes: one stream.
        let mut gz = Vec::new();
        for half in [&plain[..plain.len() / 2], &plain[plain.len() / 2..]] {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(half).unwrap();
            gz.extend_from_slice(&e.finish().unwrap());
        }
        let gz_path = write(dir.path(), "capture.pcap", &gz);
        let mut file = CaptureFile::open(&gz_path).unwrap();
        assert_eq!(file.compression(), Compression::Gzip);
        assert_eq!(drain(&mut file), want);

        // A cut gzip stream: a warning, what was read stays read.
        let cut_path = write(dir.path(), "cut.pcap.gz", &gz[..gz.len() / 4]);
        let (packets, warnings) = drain(&mut CaptureFile::open(&cut_path).unwrap());
        assert!(!packets.is_empty() && packets.len() < lengths.len());
        assert_eq!(packets[..], want.0[..packets.len()]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .message
                .starts_with("cannot decompress gzip data"),
            "{}",
            warnings[0].message
        );
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

        let xz = write(dir.path(), "c.pcap.xz", b"\xfd7zXZ\0\0\x04\xe6\xd6\xb4\x46");
        assert!(format_reason(CaptureFile::open(xz))
            .starts_with("xz-compressed, which weir does not read"));

        let gz_text = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(b"not a capture, only text").unwrap();
            e.finish().unwrap()
        };
        let gz = write(dir.path(), "text.gz", &gz_text);
        assert_eq!(
            format_reason(CaptureFile::open(gz)),
            "gzip-compressed: unknown magic number 0x6e6f7420 (neither pcap nor pcapng)"
        );
        let bad_gz = write(
            dir.path(),
            "bad.gz",
            &[0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        );
        assert!(format_reason(CaptureFile::open(bad_gz))
            .starts_with("gzip-compressed: cannot decompress"));

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

    #[test]
    fn a_file_truncated_while_read_ends_with_one_warning() {
        let dir = tempfile::tempdir().unwrap();
        let lengths = vec![1000; 2000];
        let bytes = pcap_of_lengths(&lengths);
        let path = write(dir.path(), "shrinking.pcap", &bytes);
        let mut file = CaptureFile::open(&path).unwrap();
        let mut packets = 0;
        // Read into the second buffer, then cut the file at a record
        // boundary well past what was read (no record is cut in half: only
        // the size at open tells that the file shrank) .
        while packets < 300 {
            if let Some(SourceItem::Packet(_)) = file.next_item().unwrap() {
                packets += 1;
            }
        }
        let keep = 24 + 1500 * 1016;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(keep as u64)
            .unwrap();
        let (rest, warnings) = drain(&mut file);
        assert_eq!(packets + rest.len(), 1500);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].offset, keep as u64);
        assert_eq!(
            warnings[0].message,
            format!(
                "file cut short while being read: it had {} bytes when opened, only {keep} could be read",
                bytes.len()
            )
        );
        // Cut in the middle of a record: still the one warning.
        let path = write(dir.path(), "shrinking2.pcap", &bytes);
        let mut file = CaptureFile::open(&path).unwrap();
        file.next_item().unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(READ_BUF_LEN as u64 * 2 + 77)
            .unwrap();
        let (_, warnings) = drain(&mut file);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0]
            .message
            .starts_with("file cut short while being read"));
    }
}
