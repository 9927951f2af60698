//! The `pcap` module deals with classic libpcap capture files.
//!
//! A pcap file is a 24-byte header followed by packet records, each a 16-byte
//! record header and the captured bytes. The magic number at the start says
//! both the byte order of every later integer (it is written in the capturing
//! host's order, so it is read both ways) and whether the fractional part of
//! each timestamp counts microseconds or nanoseconds.
//!
//! ```text
//! file header:   magic u32 | version_major u16 | version_minor u16 |
//!                thiszone i32 | sigfigs u32 | snaplen u32 | network u32
//! record header: ts_sec u32 | ts_frac u32 | incl_len u32 | orig_len u32
//! ```

use weir_core::source::LinkType;

use crate::field::Endian;
use crate::record::{timestamp, FormatError, PacketRef, Step, Warning};

/// Magic number of a pcap file with microsecond timestamps.
pub const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
/// Magic number of a pcap file with nanosecond timestamps.
pub const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// Length of the file header.
pub const HEADER_LEN: usize = 24;
/// Length of each packet record's header.
pub const RECORD_HEADER_LEN: usize = 16;
/// Largest captured length a record may claim (256 MiB).
///
/// No link layer has frames anywhere near this big, so a larger value means
/// the file is corrupt; stopping there beats reading garbage as packets.
pub const MAX_RECORD_LEN: u32 = 256 * 1024 * 1024;

/// The upper 4 bits of the header's `network` field carry FCS information
/// (see the pcap specification), not the link type.
const LINKTYPE_MASK: u32 = 0x0FFF_FFFF;

/// The parsed file header of a pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcapHeader {
    /// Byte order of every integer in the file.
    pub endian: Endian,
    /// Whether the record timestamps count nanoseconds (else microseconds).
    pub nanosecond: bool,
    /// Major format version (2 for every file written since 1998).
    pub version_major: u16,
    /// Minor format version (normally 4).
    pub version_minor: u16,
    /// Largest number of bytes captured per packet.
    pub snaplen: u32,
    /// LINKTYPE number of every packet in the file, FCS bits removed.
    pub linktype: u32,
}

impl PcapHeader {
    /// Reads the file header at the start of `data`.
    ///
    /// Fails if the magic number is not a pcap one, if the file is shorter
    /// than its header, or if the version predates the current format.
    pub fn parse(data: &[u8]) -> Result<PcapHeader, FormatError> {
        let (endian, nanosecond) = match magic(data) {
            Some(found) => found,
            None => return Err(FormatError::new("not a pcap file (bad magic number)")),
        };
        if data.len() < HEADER_LEN {
            return Err(FormatError::new(format!(
                "file too short for a pcap header ({} of {HEADER_LEN} bytes)",
                data.len()
            )));
        }
        // The length check above makes every read below succeed; the `else`
        // arm is only there so that no input can make this function panic.
        let (Some(version_major), Some(version_minor), Some(snaplen), Some(network)) = (
            endian.u16(data, 4),
            endian.u16(data, 6),
            endian.u32(data, 16),
            endian.u32(data, 20),
        ) else {
            return Err(FormatError::new("file too short for a pcap header"));
        };
        // Version 1 files had a different record layout; libpcap refuses
        // them too.
        if version_major < 2 {
            return Err(FormatError::new(format!(
                "unsupported pcap version {version_major}.{version_minor}"
            )));
        }
        Ok(PcapHeader {
            endian,
            nanosecond,
            version_major,
            version_minor,
            snaplen,
            linktype: network & LINKTYPE_MASK,
        })
    }

    /// Link type of every packet in the file.
    pub fn link(&self) -> LinkType {
        LinkType::from_linktype(self.linktype)
    }
}

/// Recognises a pcap magic number at the start of `data`, read in both byte
/// orders: returns the file's byte order and whether it is a nanosecond file.
pub fn magic(data: &[u8]) -> Option<(Endian, bool)> {
    for endian in [Endian::Little, Endian::Big] {
        match endian.u32(data, 0)? {
            MAGIC_MICROS => return Some((endian, false)),
            MAGIC_NANOS => return Some((endian, true)),
            _ => {}
        }
    }
    None
}

/// Reads the packet records of a pcap file, one [`Step`] at a time.
///
/// The reader keeps only its position: every call to [`PcapReader::step`] is
/// given the bytes of the file from [`PcapReader::offset`] on, as many as the
/// caller has (a wrong slice gives wrong packets, never a panic).
#[derive(Debug, Clone)]
pub struct PcapReader {
    header: PcapHeader,
    // Converted once here rather than once per packet.
    link: LinkType,
    offset: u64,
    done: bool,
}

impl PcapReader {
    /// Reads the file header at the start of `data` and positions the reader
    /// at the first record.
    pub fn new(data: &[u8]) -> Result<PcapReader, FormatError> {
        let header = PcapHeader::parse(data)?;
        Ok(PcapReader {
            header,
            link: header.link(),
            offset: HEADER_LEN as u64,
            done: false,
        })
    }

    /// The file header.
    pub fn header(&self) -> &PcapHeader {
        &self.header
    }

    /// Byte offset of the next record.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next packet, a warning, a request for more bytes, or the end.
    ///
    /// `window` holds the file's bytes from [`PcapReader::offset`] on, and
    /// `eof` says whether the file ends where `window` does. A record that
    /// is not all in `window` gives [`Step::Need`] unless `eof` is set; then,
    /// or when a record claims more than [`MAX_RECORD_LEN`] bytes, the step is
    /// a warning carrying the record's offset, and every later step is
    /// [`Step::End`].
    #[inline]
    pub fn step(&mut self, window: &[u8], eof: bool) -> Step {
        if self.done {
            return Step::End;
        }
        let start = self.offset;
        if window.is_empty() && eof {
            self.done = true;
            return Step::End;
        }
        let e = self.header.endian;
        let (Some(secs), Some(frac), Some(incl_len), Some(orig_len)) = (
            e.u32(window, 0),
            e.u32(window, 4),
            e.u32(window, 8),
            e.u32(window, 12),
        ) else {
            if !eof {
                return Step::Need(RECORD_HEADER_LEN);
            }
            return self.stop(start, "file cut short in the middle of a record header");
        };
        if incl_len > MAX_RECORD_LEN {
            return self.stop(
                start,
                format!(
                    "packet record claims {incl_len} captured bytes, more than the {} MiB limit",
                    MAX_RECORD_LEN >> 20
                ),
            );
        }
        // MAX_RECORD_LEN fits in usize on every supported platform.
        let len = incl_len as usize;
        let total = RECORD_HEADER_LEN + len;
        if window.len() < total {
            if !eof {
                return Step::Need(total);
            }
            return self.stop(start, "file cut short in the middle of a packet record");
        }
        self.offset = start + total as u64;
        let usecs = if self.header.nanosecond {
            // Truncated, not rounded: rounding up could carry into the next
            // second and reorder packets captured a nanosecond apart.
            frac / 1000
        } else {
            frac
        };
        Step::Packet(PacketRef {
            ts: timestamp(u64::from(secs), usecs),
            link: self.link,
            start: start + RECORD_HEADER_LEN as u64,
            len,
            wire_len: orig_len,
        })
    }

    /// Ends the file with a warning about the record at `offset`.
    #[cold]
    fn stop(&mut self, offset: u64, message: impl Into<String>) -> Step {
        self.done = true;
        Step::Warning(Warning::new(offset, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::PcapWriter;
    use weir_core::source::Timestamp;

    /// Every step of `data` up to the end, given all at once.
    fn steps(data: &[u8]) -> Vec<Step> {
        let mut reader = PcapReader::new(data).expect("valid header");
        let mut out = Vec::new();
        loop {
            let at = usize::try_from(reader.offset()).unwrap().min(data.len());
            match reader.step(&data[at..], true) {
                Step::End => return out,
                step => out.push(step),
            }
        }
    }

    /// Every step of `data` up to the end, given in the smallest windows
    /// the reader accepts: must be the same steps as [`steps`].
    fn steps_byte_by_byte(data: &[u8]) -> Vec<Step> {
        let mut reader = PcapReader::new(data).expect("valid header");
        let mut out = Vec::new();
        let mut have = 0;
        loop {
            let at = usize::try_from(reader.offset()).unwrap().min(data.len());
            let end = (at + have).min(data.len());
            match reader.step(&data[at..end], end == data.len()) {
                Step::End => return out,
                Step::Need(n) => {
                    assert!(n > end - at, "asked for {n} bytes with {} given", end - at);
                    have = n;
                }
                step => {
                    out.push(step);
                    have = 0;
                }
            }
        }
    }

    fn two_packets(nanosecond: bool, big_endian: bool) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), 1, nanosecond, big_endian).unwrap();
        w.write_packet(
            Timestamp {
                secs: 1_000,
                usecs: 1,
            },
            &[1, 2, 3],
            60,
        )
        .unwrap();
        w.write_packet(
            Timestamp {
                secs: 1_001,
                usecs: 999_999,
            },
            &[4; 10],
            10,
        )
        .unwrap();
        w.into_inner()
    }

    fn check_two_packets(data: &[u8]) {
        let steps = steps(data);
        assert_eq!(steps.len(), 2);
        let Step::Packet(a) = &steps[0] else {
            panic!("{:?}", steps[0])
        };
        let Step::Packet(b) = &steps[1] else {
            panic!("{:?}", steps[1])
        };
        assert_eq!(
            a.ts,
            Timestamp {
                secs: 1_000,
                usecs: 1
            }
        );
        assert_eq!(a.data(data), &[1, 2, 3]);
        assert_eq!(a.wire_len, 60);
        assert_eq!(a.link, LinkType::Ethernet);
        assert_eq!(
            b.ts,
            Timestamp {
                secs: 1_001,
                usecs: 999_999
            }
        );
        assert_eq!(b.data(data), &[4; 10]);
        assert_eq!(b.start, 24 + 16 + 3 + 16);
        assert_eq!(steps_byte_by_byte(data), steps);
    }

    #[test]
    fn little_endian_micros() {
        let data = two_packets(false, false);
        assert_eq!(&data[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        let header = PcapHeader::parse(&data).unwrap();
        assert_eq!(header.endian, Endian::Little);
        assert!(!header.nanosecond);
        check_two_packets(&data);
    }

    #[test]
    fn big_endian_micros() {
        let data = two_packets(false, true);
        assert_eq!(&data[..4], &[0xa1, 0xb2, 0xc3, 0xd4]);
        assert_eq!(PcapHeader::parse(&data).unwrap().endian, Endian::Big);
        check_two_packets(&data);
    }

    #[test]
    fn nanosecond_both_orders() {
        for big in [false, true] {
            let data = two_packets(true, big);
            assert!(PcapHeader::parse(&data).unwrap().nanosecond);
            check_two_packets(&data);
        }
    }

    #[test]
    fn literal_nanosecond_file_truncates_to_micros() {
        #[rustfmt::skip]
        let data: &[u8] = &[
            // big-endian nanosecond magic, version 2.4
            0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4,
            0, 0, 0, 0, 0, 0, 0, 0,
            // snaplen 65535, network 0x1000_0001: Ethernet with FCS bits set
            0, 0, 0xff, 0xff, 0x10, 0, 0, 1,
            // ts 10 s + 123_456_789 ns, 2 bytes captured of 64
            0, 0, 0, 10, 0x07, 0x5b, 0xcd, 0x15, 0, 0, 0, 2, 0, 0, 0, 64,
            0xaa, 0xbb,
        ];
        let header = PcapHeader::parse(data).unwrap();
        assert_eq!(header.linktype, 1);
        assert_eq!(header.snaplen, 65535);
        let steps = steps(data);
        let [Step::Packet(p)] = steps.as_slice() else {
            panic!("{steps:?}")
        };
        assert_eq!(
            p.ts,
            Timestamp {
                secs: 10,
                usecs: 123_456
            }
        );
        assert_eq!(p.link, LinkType::Ethernet);
        assert_eq!(p.data(data), &[0xaa, 0xbb]);
        assert_eq!(p.wire_len, 64);
    }

    #[test]
    fn truncated_packet_data_gives_record_offset() {
        let full = two_packets(false, false);
        let second = 24 + 16 + 3;
        let cut = &full[..full.len() - 1];
        let steps = steps(cut);
        assert_eq!(steps_byte_by_byte(cut), steps);
        assert_eq!(steps.len(), 2);
        assert!(matches!(steps[0], Step::Packet(_)));
        assert_eq!(
            steps[1],
            Step::Warning(Warning::new(
                second as u64,
                "file cut short in the middle of a packet record"
            ))
        );
    }

    #[test]
    fn truncated_record_header_gives_record_offset() {
        let full = two_packets(false, false);
        let second = 24 + 16 + 3;
        let cut = &full[..second + 7];
        let steps = steps(cut);
        assert_eq!(
            steps[1],
            Step::Warning(Warning::new(
                second as u64,
                "file cut short in the middle of a record header"
            ))
        );
        assert_eq!(steps.len(), 2);
    }

    #[test]
    fn insane_record_length_stops() {
        let mut data = two_packets(false, false);
        // incl_len of the first record
        data[24 + 8..24 + 12].copy_from_slice(&(MAX_RECORD_LEN + 1).to_le_bytes());
        let steps = steps(&data);
        let [Step::Warning(w)] = steps.as_slice() else {
            panic!("{steps:?}")
        };
        assert_eq!(w.offset, 24);
        assert!(w.message.contains("256 MiB"), "{}", w.message);
    }

    #[test]
    fn header_only_file_is_empty_not_an_error() {
        let data = two_packets(false, false);
        assert!(steps(&data[..HEADER_LEN]).is_empty());
    }

    #[test]
    fn short_or_foreign_header_is_an_error() {
        let data = two_packets(false, false);
        assert!(PcapHeader::parse(&data[..23]).is_err());
        assert!(PcapHeader::parse(&data[..3]).is_err());
        assert!(PcapHeader::parse(b"\x0a\x0d\x0d\x0a and more bytes than a header").is_err());
        let mut old = data.clone();
        old[4] = 1;
        assert!(PcapHeader::parse(&old).is_err());
    }

    #[test]
    fn no_panic_on_any_prefix_or_garbage() {
        let data = two_packets(true, true);
        for cut in HEADER_LEN..data.len() {
            assert_eq!(steps(&data[..cut]), steps_byte_by_byte(&data[..cut]));
        }
        let mut state = 0x1234_5678u32;
        let mut garbage = data[..HEADER_LEN].to_vec();
        for _ in 0..4096 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            garbage.push((state >> 24) as u8);
        }
        assert_eq!(steps(&garbage), steps_byte_by_byte(&garbage));
    }
}
