//! The `format` module deals with telling capture formats apart and reading
//! any of them through one interface.
//!
//! The format is decided by the magic number in the first four bytes, never by
//! the file name: captures are routinely saved as `.pcap` whatever they hold,
//! and the magic number is what every reader, libpcap included, goes by.

use crate::field::Endian;
use crate::pcap::{self, PcapReader};
use crate::pcapng::{self, PcapngReader};
use crate::record::{FormatError, Record, Step};

/// A capture file format weir reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Classic libpcap, microsecond or nanosecond timestamps.
    Pcap,
    /// pcapng.
    Pcapng,
}

impl Format {
    /// Recognises the format of `data` by its magic number.
    ///
    /// Fails on an empty slice, a slice too short to hold a magic number, and
    /// a magic number of no known format (named in hex, bytes in file order).
    pub fn detect(data: &[u8]) -> Result<Format, FormatError> {
        if data.is_empty() {
            return Err(FormatError::new("empty file, no capture header"));
        }
        let Some(magic) = Endian::Big.u32(data, 0) else {
            return Err(FormatError::new(format!(
                "file too short for a capture header ({} bytes)",
                data.len()
            )));
        };
        if pcap::magic(data).is_some() {
            Ok(Format::Pcap)
        } else if magic == pcapng::BLOCK_SHB {
            Ok(Format::Pcapng)
        } else {
            Err(FormatError::new(format!(
                "unknown magic number 0x{magic:08x} (neither pcap nor pcapng)"
            )))
        }
    }
}

/// A reader for whichever format a file turned out to be.
///
/// Like the readers it wraps, it keeps only its position (and, for pcapng,
/// the current section's interfaces): each [`Reader::step`] is given the
/// file's bytes from [`Reader::offset`] on.
#[derive(Debug, Clone)]
pub enum Reader {
    /// Reading a classic pcap file.
    Pcap(PcapReader),
    /// Reading a pcapng file.
    Pcapng(PcapngReader),
}

impl Reader {
    /// Detects the format of `data` and reads its file header.
    ///
    /// `data` must hold the whole header: [`Reader::header_len`] says how
    /// many bytes that takes.
    pub fn new(data: &[u8]) -> Result<Reader, FormatError> {
        Ok(match Format::detect(data)? {
            Format::Pcap => Reader::Pcap(PcapReader::new(data)?),
            Format::Pcapng => Reader::Pcapng(PcapngReader::new(data)?),
        })
    }

    /// How many bytes from the start of a file [`Reader::new`] needs,
    /// judging by its first bytes `prefix` (call again with more until the
    /// answer stops growing; at most [`pcapng::MAX_BLOCK_LEN`]).
    pub fn header_len(prefix: &[u8]) -> usize {
        if prefix.len() >= 4 && Endian::Little.u32(prefix, 0) == Some(pcapng::BLOCK_SHB) {
            pcapng::header_len(prefix)
        } else {
            pcap::HEADER_LEN
        }
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        match self {
            Reader::Pcap(_) => Format::Pcap,
            Reader::Pcapng(_) => Format::Pcapng,
        }
    }

    /// Byte offset of the next record or block.
    #[inline]
    pub fn offset(&self) -> u64 {
        match self {
            Reader::Pcap(r) => r.offset(),
            Reader::Pcapng(r) => r.offset(),
        }
    }

    /// The next packet, a warning, a request for more bytes, or the end:
    /// `window` holds the file's bytes from [`Reader::offset`] on, `eof` says
    /// whether the file ends there (see [`PcapReader::step`] and
    /// [`PcapngReader::step`]).
    #[inline]
    pub fn step(&mut self, window: &[u8], eof: bool) -> Step {
        match self {
            Reader::Pcap(r) => r.step(window, eof),
            Reader::Pcapng(r) => r.step(window, eof),
        }
    }

    /// Blocks skipped so far: (of unknown type, damaged). Always zero for
    /// pcap, whose records have no type.
    pub fn skipped_blocks(&self) -> (u64, u64) {
        match self {
            Reader::Pcap(_) => (0, 0),
            Reader::Pcapng(r) => (r.unknown_blocks(), r.damaged_blocks()),
        }
    }
}

/// The packets and warnings of a capture held in a byte slice, as an iterator.
///
/// Handy when the bytes are already in memory (tests, embedded captures,
/// fuzzing); for files on disk and streams use [`crate::CaptureFile`].
#[derive(Debug, Clone)]
pub struct Records<'d> {
    data: &'d [u8],
    reader: Reader,
}

impl<'d> Records<'d> {
    /// Detects the format of `data` and reads its file header.
    pub fn new(data: &'d [u8]) -> Result<Records<'d>, FormatError> {
        Ok(Records {
            data,
            reader: Reader::new(data)?,
        })
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        self.reader.format()
    }

    /// The reader (its position, and for pcapng its section, interfaces and
    /// skipped blocks).
    pub fn reader(&self) -> &Reader {
        &self.reader
    }
}

impl<'d> Iterator for Records<'d> {
    type Item = Record<'d>;

    fn next(&mut self) -> Option<Record<'d>> {
        let at = usize::try_from(self.reader.offset()).unwrap_or(usize::MAX);
        let window = self.data.get(at..).unwrap_or(&[]);
        match self.reader.step(window, true) {
            Step::Packet(p) => Some(Record::Packet(p.packet(self.data))),
            Step::Warning(w) => Some(Record::Warning(w)),
            // Not returned at the end of the data; `End` all the same.
            Step::Need(_) | Step::End => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcapng::tests::Builder;
    use crate::write::PcapWriter;
    use weir_core::source::Timestamp;

    #[test]
    fn detects_by_magic() {
        let mut w = PcapWriter::new(Vec::new(), 1, false, true).unwrap();
        w.write_packet(Timestamp { secs: 1, usecs: 2 }, &[1, 2], 2)
            .unwrap();
        let pcap = w.into_inner();
        assert_eq!(Format::detect(&pcap), Ok(Format::Pcap));
        let mut records = Records::new(&pcap).unwrap();
        assert_eq!(records.format(), Format::Pcap);
        let Some(Record::Packet(p)) = records.next() else {
            panic!()
        };
        assert_eq!(p.data, &[1, 2]);
        assert!(records.next().is_none());

        let pcapng = Builder::new(Endian::Big).bytes();
        assert_eq!(Format::detect(&pcapng), Ok(Format::Pcapng));
        assert_eq!(Records::new(&pcapng).unwrap().count(), 0);
    }

    #[test]
    fn unknown_magic_is_named_in_hex() {
        let err = Format::detect(b"\x12\x34\x56\x78rest of the file").unwrap_err();
        assert_eq!(
            err.reason,
            "unknown magic number 0x12345678 (neither pcap nor pcapng)"
        );
        assert!(Format::detect(b"")
            .unwrap_err()
            .reason
            .contains("empty file"));
        assert!(Format::detect(b"\xd4\xc3")
            .unwrap_err()
            .reason
            .contains("2 bytes"));
    }
}
