//! The `write` module deals with writing classic pcap files.
//!
//! weir never commits capture files: tests and the demo generator build theirs
//! with this writer (and [`crate::synth`]). It writes either byte order and
//! either timestamp resolution, so the reader can be tested on all four
//! variants.

use std::io::{self, Write};

use weir_core::source::Timestamp;

use crate::field::Endian;
use crate::pcap::{MAGIC_MICROS, MAGIC_NANOS, MAX_RECORD_LEN};

/// LINKTYPE number of Ethernet, the link type of [`crate::synth`] frames.
pub const LINKTYPE_ETHERNET: u32 = 1;

/// Snap length written in the header: the value tcpdump uses by default.
const SNAPLEN: u32 = 262_144;

/// Writes a classic pcap file to `W`, one packet at a time.
///
/// Nothing is buffered here; wrap a file in a [`std::io::BufWriter`].
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    w: W,
    endian: Endian,
    nanosecond: bool,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the 24-byte file header to `w`: version 2.4, the given
    /// LINKTYPE number (1 for Ethernet), nanosecond or microsecond
    /// timestamps, big- or little-endian integers.
    pub fn new(mut w: W, linktype: u32, nanosecond: bool, big_endian: bool) -> io::Result<Self> {
        let endian = if big_endian {
            Endian::Big
        } else {
            Endian::Little
        };
        let magic = if nanosecond {
            MAGIC_NANOS
        } else {
            MAGIC_MICROS
        };
        let mut header = [0u8; 24];
        header[0..4].copy_from_slice(&endian.u32_bytes(magic));
        header[4..6].copy_from_slice(&endian.u16_bytes(2));
        header[6..8].copy_from_slice(&endian.u16_bytes(4));
        // thiszone and sigfigs stay 0, as every modern writer leaves them.
        header[16..20].copy_from_slice(&endian.u32_bytes(SNAPLEN));
        header[20..24].copy_from_slice(&endian.u32_bytes(linktype));
        w.write_all(&header)?;
        Ok(PcapWriter {
            w,
            endian,
            nanosecond,
        })
    }

    /// Writes one packet record: capture time `ts`, captured bytes `data`,
    /// and the frame's length on the wire `orig_len` (normally
    /// `data.len()`; larger when the frame was cut to a snap length).
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] if `data` is longer than a
    /// reader accepts (256 MiB).
    pub fn write_packet(&mut self, ts: Timestamp, data: &[u8], orig_len: u32) -> io::Result<()> {
        let incl_len = u32::try_from(data.len())
            .ok()
            .filter(|&len| len <= MAX_RECORD_LEN)
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "packet too long for pcap")
            })?;
        let frac = if self.nanosecond {
            ts.usecs.saturating_mul(1000)
        } else {
            ts.usecs
        };
        let e = self.endian;
        let mut record = [0u8; 16];
        // pcap seconds are 32 bits: times past 2106 wrap, as in libpcap.
        record[0..4].copy_from_slice(&e.u32_bytes(ts.secs as u32));
        record[4..8].copy_from_slice(&e.u32_bytes(frac));
        record[8..12].copy_from_slice(&e.u32_bytes(incl_len));
        record[12..16].copy_from_slice(&e.u32_bytes(orig_len));
        self.w.write_all(&record)?;
        self.w.write_all(data)
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// The underlying writer, e.g. the `Vec<u8>` written to.
    pub fn into_inner(self) -> W {
        self.w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes_little_endian() {
        let mut w = PcapWriter::new(Vec::new(), LINKTYPE_ETHERNET, false, false).unwrap();
        w.write_packet(
            Timestamp {
                secs: 0x0102_0304,
                usecs: 5,
            },
            &[0xee],
            60,
        )
        .unwrap();
        #[rustfmt::skip]
        let expected: &[u8] = &[
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 4, 0, 1, 0, 0, 0,
            4, 3, 2, 1, 5, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0, 0, 0xee,
        ];
        assert_eq!(w.into_inner(), expected);
    }

    #[test]
    fn nanosecond_big_endian_fraction() {
        let mut w = PcapWriter::new(Vec::new(), 101, true, true).unwrap();
        w.write_packet(
            Timestamp {
                secs: 1,
                usecs: 999_999,
            },
            &[],
            0,
        )
        .unwrap();
        let out = w.into_inner();
        assert_eq!(&out[..4], &[0xa1, 0xb2, 0x3c, 0x4d]);
        assert_eq!(&out[20..24], &[0, 0, 0, 101]);
        assert_eq!(&out[28..32], &999_999_000u32.to_be_bytes());
    }
}
