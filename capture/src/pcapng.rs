//! The `pcapng` module deals with pcapng capture files (one section).
//!
//! A pcapng file is a sequence of blocks, each framed the same way:
//!
//! ```text
//! block type u32 | total length u32 | body ... | total length u32
//! ```
//!
//! The first block is the Section Header Block, whose byte-order magic
//! (0x1A2B3C4D) sets the byte order of the whole section. Interface
//! Description Blocks declare the link type and timestamp resolution of each
//! interface, in order, and packet blocks refer to an interface by index.
//! Packets come in Enhanced Packet Blocks, Simple Packet Blocks and (obsolete)
//! Packet Blocks; every other block type is skipped by its length, since the
//! framing makes that always possible.
//!
//! Only the first section is read: a second Section Header Block may switch
//! byte order and restart interface numbering, which weir has not needed.

use std::ops::Range;

use weir_core::source::{LinkType, Timestamp};

use crate::field::Endian;
use crate::record::{FormatError, PacketRef, Step, Warning};

/// Block type of a Section Header Block (the same in both byte orders).
pub const BLOCK_SHB: u32 = 0x0A0D_0D0A;
/// Block type of an Interface Description Block.
pub const BLOCK_IDB: u32 = 1;
/// Block type of the obsolete Packet Block.
pub const BLOCK_PB: u32 = 2;
/// Block type of a Simple Packet Block.
pub const BLOCK_SPB: u32 = 3;
/// Block type of an Enhanced Packet Block.
pub const BLOCK_EPB: u32 = 6;
/// Byte-order magic in the Section Header Block, as written by the capturer.
pub const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Option code of `if_tsresol` in an Interface Description Block.
const OPT_IF_TSRESOL: u16 = 9;
/// Option code of `if_tsoffset` in an Interface Description Block.
const OPT_IF_TSOFFSET: u16 = 14;
/// Option code ending an option list.
const OPT_END: u16 = 0;

/// Block type, total length, and trailing total length.
const BLOCK_OVERHEAD: usize = 12;
/// Smallest possible Section Header Block: framing, byte-order magic,
/// version, section length.
const SHB_MIN_LEN: usize = 28;

/// One capture interface, from an Interface Description Block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interface {
    /// Link type of the interface's packets.
    pub link: LinkType,
    /// LINKTYPE number as written in the block.
    pub linktype: u16,
    /// Largest number of bytes captured per packet (0: no limit).
    pub snaplen: u32,
    /// Timestamp units per second (`if_tsresol`; 1,000,000 when absent).
    ///
    /// Saturates at `u128::MAX` for resolutions finer than that, which still
    /// gives exact (zero) seconds for any 64-bit timestamp.
    pub ticks_per_sec: u128,
    /// Seconds to add to every timestamp (`if_tsoffset`; 0 when absent).
    pub ts_offset: i64,
}

impl Interface {
    /// Converts a 64-bit timestamp in this interface's units to seconds and
    /// microseconds, truncating below the microsecond.
    ///
    /// The arithmetic is exact: the remainder is below 2^64, so multiplying
    /// it by 10^6 cannot overflow a `u128`.
    #[inline]
    pub fn timestamp(&self, ticks: u64) -> Timestamp {
        let ticks = u128::from(ticks);
        // `ticks_per_sec` is never 0 (see `ticks_per_sec`), but a zero must
        // not be able to panic here either.
        let per_sec = self.ticks_per_sec.max(1);
        // Both quotients are at most `ticks`, hence fit in u64 / below 10^6.
        let secs = (ticks / per_sec) as u64;
        let usecs = ((ticks % per_sec) * 1_000_000 / per_sec) as u32;
        Timestamp {
            secs: secs.saturating_add_signed(self.ts_offset),
            usecs,
        }
    }
}

/// Timestamp units per second for an `if_tsresol` value: 10^-v seconds when
/// the top bit is clear, 2^-(v & 0x7f) when set.
pub fn ticks_per_sec(tsresol: u8) -> u128 {
    if tsresol & 0x80 == 0 {
        10u128.checked_pow(u32::from(tsresol)).unwrap_or(u128::MAX)
    } else {
        // At most 2^127, which fits.
        1u128 << (tsresol & 0x7f)
    }
}

/// Reads the blocks of a pcapng file, one [`Step`] at a time.
///
/// The reader keeps its position and the interfaces seen so far; every call to
/// [`PcapngReader::step`] must be given the same bytes as
/// [`PcapngReader::new`] (a different slice gives wrong packets, never a
/// panic).
#[derive(Debug, Clone)]
pub struct PcapngReader {
    endian: Endian,
    version: (u16, u16),
    interfaces: Vec<Interface>,
    // Simple Packet Blocks carry no timestamp; they get the previous one.
    last_ts: Timestamp,
    offset: usize,
    done: bool,
}

impl PcapngReader {
    /// Reads the Section Header Block at the start of `data` and positions the
    /// reader at the next block.
    pub fn new(data: &[u8]) -> Result<PcapngReader, FormatError> {
        if Endian::Little.u32(data, 0) != Some(BLOCK_SHB) {
            return Err(FormatError::new(
                "not a pcapng file (no section header block)",
            ));
        }
        let endian = match Endian::Little.u32(data, 8) {
            Some(BYTE_ORDER_MAGIC) => Endian::Little,
            Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => Endian::Big,
            Some(m) => {
                return Err(FormatError::new(format!(
                    "pcapng byte-order magic 0x{:08x} is neither 0x1a2b3c4d nor 0x4d3c2b1a",
                    m.swap_bytes()
                )))
            }
            None => {
                return Err(FormatError::new(format!(
                    "file too short for a pcapng section header ({} bytes)",
                    data.len()
                )))
            }
        };
        let (Some(total), Some(major), Some(minor)) = (
            endian.u32(data, 4),
            endian.u16(data, 12),
            endian.u16(data, 14),
        ) else {
            return Err(FormatError::new(format!(
                "file too short for a pcapng section header ({} bytes)",
                data.len()
            )));
        };
        let total = total as usize;
        if total < SHB_MIN_LEN || !total.is_multiple_of(4) {
            return Err(FormatError::new(format!(
                "invalid pcapng section header block length {total}"
            )));
        }
        if total > data.len() {
            return Err(FormatError::new(format!(
                "file too short for its pcapng section header ({} of {total} bytes)",
                data.len()
            )));
        }
        if endian.u32(data, total - 4) != Some(total as u32) {
            return Err(FormatError::new(
                "pcapng section header block's trailing length does not match",
            ));
        }
        // Major version 1 is the only one ever released; a different one
        // would mean a block layout weir cannot know.
        if major != 1 {
            return Err(FormatError::new(format!(
                "unsupported pcapng version {major}.{minor}"
            )));
        }
        Ok(PcapngReader {
            endian,
            version: (major, minor),
            interfaces: Vec::new(),
            last_ts: Timestamp::default(),
            offset: total,
            done: false,
        })
    }

    /// Byte order of the section.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// Format version of the section (major, minor).
    pub fn version(&self) -> (u16, u16) {
        self.version
    }

    /// The interfaces declared so far, by index.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// Byte offset of the next block.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The next packet of `data`, a warning, or the end.
    ///
    /// A block cut short by the end of the file, a block with an invalid
    /// length, or a second section gives a warning carrying the block's offset
    /// and ends the file. A packet on an undeclared interface, or whose data
    /// overflows its block, gives a warning and reading goes on.
    pub fn step(&mut self, data: &[u8]) -> Step {
        loop {
            if self.done {
                return Step::End;
            }
            let start = self.offset;
            let rest = data.len().saturating_sub(start);
            if rest == 0 {
                self.done = true;
                return Step::End;
            }
            let e = self.endian;
            let (Some(block_type), Some(total)) = (e.u32(data, start), e.u32(data, start + 4))
            else {
                return self.stop(start, "file cut short in the middle of a block header");
            };
            if block_type == BLOCK_SHB {
                return self.stop(start, "multiple sections not supported");
            }
            let total = total as usize;
            if total < BLOCK_OVERHEAD || !total.is_multiple_of(4) {
                return self.stop(start, format!("invalid block length {total}"));
            }
            if total > rest {
                return self.stop(start, "file cut short in the middle of a block");
            }
            let trailer = e.u32(data, start + total - 4);
            if trailer != Some(total as u32) {
                return self.stop(
                    start,
                    format!("block's trailing length does not match its length {total}"),
                );
            }
            self.offset = start + total;
            // The body, without the framing; in bounds by the checks above.
            let body = start + 8..start + total - 4;
            match block_type {
                BLOCK_EPB => return self.timestamped_packet(data, start, body, true),
                BLOCK_PB => return self.timestamped_packet(data, start, body, false),
                BLOCK_SPB => return self.simple_packet(data, start, body),
                BLOCK_IDB => {
                    if let Some(warning) = self.interface(data, start, body) {
                        return warning;
                    }
                }
                // Statistics, name resolution, custom and unknown blocks: the
                // framing has been checked, nothing else matters to weir.
                _ => {}
            }
        }
    }

    /// Records an Interface Description Block; returns a step only if the
    /// block is malformed.
    fn interface(&mut self, data: &[u8], start: usize, body: Range<usize>) -> Option<Step> {
        let e = self.endian;
        // Later packets number interfaces by position, so skipping a broken
        // one would misattribute them all: stop instead.
        if body.len() < 8 {
            return Some(self.stop(start, "interface description block too short"));
        }
        let (Some(linktype), Some(snaplen)) =
            (e.u16(data, body.start), e.u32(data, body.start + 4))
        else {
            return Some(self.stop(start, "interface description block too short"));
        };
        let mut iface = Interface {
            link: LinkType::from_linktype(u32::from(linktype)),
            linktype,
            snaplen,
            ticks_per_sec: 1_000_000,
            ts_offset: 0,
        };
        // Options are read leniently: an option list that runs past the block
        // only loses the options after it, the interface itself is sound.
        let mut at = body.start + 8;
        while at + 4 <= body.end {
            let (Some(code), Some(len)) = (e.u16(data, at), e.u16(data, at + 2)) else {
                break;
            };
            let value = at + 4;
            let len = usize::from(len);
            if code == OPT_END || value + len > body.end {
                break;
            }
            match code {
                OPT_IF_TSRESOL if len >= 1 => {
                    if let Some(&v) = data.get(value) {
                        iface.ticks_per_sec = ticks_per_sec(v);
                    }
                }
                OPT_IF_TSOFFSET if len >= 8 => {
                    if let Some(v) = e.u64(data, value) {
                        iface.ts_offset = v as i64;
                    }
                }
                _ => {}
            }
            at = value + len.next_multiple_of(4);
        }
        self.interfaces.push(iface);
        None
    }

    /// An Enhanced Packet Block (`wide_iface`: 32-bit interface id) or an
    /// obsolete Packet Block (16-bit interface id, then a 16-bit drop count).
    /// Both continue with the timestamp's high and low words, the captured
    /// and original lengths and the data, at the same offsets.
    #[inline]
    fn timestamped_packet(
        &mut self,
        data: &[u8],
        start: usize,
        body: Range<usize>,
        wide_iface: bool,
    ) -> Step {
        // Checked first so that no field below is read from the framing.
        if body.len() < 20 {
            return self.skip(start, "packet block too short");
        }
        let e = self.endian;
        let b = body.start;
        let iface = if wide_iface {
            e.u32(data, b).map(|i| i as usize)
        } else {
            e.u16(data, b).map(usize::from)
        };
        let (Some(iface), Some(hi), Some(lo), Some(cap_len), Some(orig_len)) = (
            iface,
            e.u32(data, b + 4),
            e.u32(data, b + 8),
            e.u32(data, b + 12),
            e.u32(data, b + 16),
        ) else {
            return self.skip(start, "packet block too short");
        };
        let data_start = b + 20;
        let len = cap_len as usize;
        if len > body.end - data_start {
            return self.skip(start, "packet data runs past the end of its block");
        }
        let Some(interface) = self.interfaces.get(iface) else {
            return self.skip(start, format!("packet on unknown interface {iface}"));
        };
        let ts = interface.timestamp((u64::from(hi) << 32) | u64::from(lo));
        self.last_ts = ts;
        Step::Packet(PacketRef {
            ts,
            link: interface.link,
            start: data_start,
            len,
            wire_len: orig_len,
        })
    }

    /// A Simple Packet Block: original length then data, on interface 0,
    /// captured length implied by the block length and the snap length.
    fn simple_packet(&mut self, data: &[u8], start: usize, body: Range<usize>) -> Step {
        if body.len() < 4 {
            return self.skip(start, "simple packet block too short");
        }
        let Some(orig_len) = self.endian.u32(data, body.start) else {
            return self.skip(start, "simple packet block too short");
        };
        let Some(interface) = self.interfaces.first() else {
            return self.skip(start, "simple packet block before any interface");
        };
        let data_start = body.start + 4;
        // The block holds the data padded to 4 bytes; the original length
        // (bounded by the snap length) says how much of it is the frame.
        let mut len = (body.end - data_start).min(orig_len as usize);
        if interface.snaplen != 0 {
            len = len.min(interface.snaplen as usize);
        }
        Step::Packet(PacketRef {
            ts: self.last_ts,
            link: interface.link,
            start: data_start,
            len,
            wire_len: orig_len,
        })
    }

    /// Ends the file with a warning about the block at `offset`.
    #[cold]
    fn stop(&mut self, offset: usize, message: impl Into<String>) -> Step {
        self.done = true;
        Step::Warning(Warning::new(offset, message))
    }

    /// Warns about the block at `offset` and carries on after it (the caller
    /// has already moved past the block).
    #[cold]
    fn skip(&mut self, offset: usize, message: impl Into<String>) -> Step {
        Step::Warning(Warning::new(offset, message))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds pcapng files block by block, in either byte order.
    pub(crate) struct Builder {
        e: Endian,
        out: Vec<u8>,
    }

    impl Builder {
        pub(crate) fn new(e: Endian) -> Builder {
            let mut b = Builder { e, out: Vec::new() };
            b.shb();
            b
        }

        pub(crate) fn block(&mut self, block_type: u32, body: &[u8]) -> &mut Builder {
            let total = (BLOCK_OVERHEAD + body.len().next_multiple_of(4)) as u32;
            let e = self.e;
            self.out.extend_from_slice(&e.u32_bytes(block_type));
            self.out.extend_from_slice(&e.u32_bytes(total));
            self.out.extend_from_slice(body);
            self.out.resize(self.out.len().next_multiple_of(4), 0);
            self.out.extend_from_slice(&e.u32_bytes(total));
            self
        }

        pub(crate) fn shb(&mut self) -> &mut Builder {
            let e = self.e;
            let mut body = Vec::new();
            body.extend_from_slice(&e.u32_bytes(BYTE_ORDER_MAGIC));
            body.extend_from_slice(&e.u16_bytes(1));
            body.extend_from_slice(&e.u16_bytes(0));
            body.extend_from_slice(&[0xff; 8]); // section length unknown
            self.block(BLOCK_SHB, &body)
        }

        pub(crate) fn idb(
            &mut self,
            linktype: u16,
            snaplen: u32,
            tsresol: Option<u8>,
        ) -> &mut Builder {
            let e = self.e;
            let mut body = Vec::new();
            body.extend_from_slice(&e.u16_bytes(linktype));
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(&e.u32_bytes(snaplen));
            // An unrelated option first (if_name), to exercise the option walk.
            body.extend_from_slice(&e.u16_bytes(2));
            body.extend_from_slice(&e.u16_bytes(3));
            body.extend_from_slice(b"et0\0");
            if let Some(v) = tsresol {
                body.extend_from_slice(&e.u16_bytes(OPT_IF_TSRESOL));
                body.extend_from_slice(&e.u16_bytes(1));
                body.extend_from_slice(&[v, 0, 0, 0]);
            }
            body.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
            self.block(BLOCK_IDB, &body)
        }

        pub(crate) fn epb(
            &mut self,
            iface: u32,
            ticks: u64,
            frame: &[u8],
            orig_len: u32,
        ) -> &mut Builder {
            let e = self.e;
            let mut body = Vec::new();
            body.extend_from_slice(&e.u32_bytes(iface));
            body.extend_from_slice(&e.u32_bytes((ticks >> 32) as u32));
            body.extend_from_slice(&e.u32_bytes(ticks as u32));
            body.extend_from_slice(&e.u32_bytes(frame.len() as u32));
            body.extend_from_slice(&e.u32_bytes(orig_len));
            body.extend_from_slice(frame);
            self.block(BLOCK_EPB, &body)
        }

        pub(crate) fn spb(&mut self, frame: &[u8]) -> &mut Builder {
            let mut body = self.e.u32_bytes(frame.len() as u32).to_vec();
            body.extend_from_slice(frame);
            self.block(BLOCK_SPB, &body)
        }

        pub(crate) fn bytes(&self) -> Vec<u8> {
            self.out.clone()
        }
    }

    fn steps(data: &[u8]) -> Vec<Step> {
        let mut reader = PcapngReader::new(data).expect("valid section header");
        let mut out = Vec::new();
        loop {
            match reader.step(data) {
                Step::End => return out,
                step => out.push(step),
            }
        }
    }

    fn packet(step: &Step) -> PacketRef {
        match step {
            Step::Packet(p) => *p,
            other => panic!("expected a packet, got {other:?}"),
        }
    }

    fn warning(step: &Step) -> Warning {
        match step {
            Step::Warning(w) => w.clone(),
            other => panic!("expected a warning, got {other:?}"),
        }
    }

    #[test]
    fn epb_spb_and_nanosecond_resolution() {
        for e in [Endian::Little, Endian::Big] {
            let mut b = Builder::new(e);
            b.idb(1, 0, Some(9))
                .block(0x0000_0005, &[1, 2, 3, 4, 5, 6, 7, 8]) // interface statistics: skipped
                .epb(0, 1_490_976_022_526_783_123, &[1, 2, 3, 4, 5], 60)
                .spb(&[9, 8, 7])
                .block(0x0000_0BAD, &[]) // custom block: skipped
                .epb(0, 2_000_000_000, &[], 0);
            let data = b.bytes();
            let steps = steps(&data);
            assert_eq!(steps.len(), 3, "{e:?}: {steps:?}");
            let a = packet(&steps[0]);
            assert_eq!(
                a.ts,
                Timestamp {
                    secs: 1_490_976_022,
                    usecs: 526_783
                }
            );
            assert_eq!(a.data(&data), &[1, 2, 3, 4, 5]);
            assert_eq!(a.wire_len, 60);
            assert_eq!(a.link, LinkType::Ethernet);
            let s = packet(&steps[1]);
            assert_eq!(s.ts, a.ts, "SPB takes the previous timestamp");
            assert_eq!(s.data(&data), &[9, 8, 7]);
            assert_eq!(s.wire_len, 3);
            let c = packet(&steps[2]);
            assert_eq!(c.ts, Timestamp { secs: 2, usecs: 0 });
            assert!(c.data(&data).is_empty());
        }
    }

    #[test]
    fn default_and_binary_resolutions() {
        let mut b = Builder::new(Endian::Little);
        b.idb(101, 0, None)
            .idb(1, 0, Some(0x80 | 10)) // 1/1024 s
            .epb(0, 5_000_001, &[0x45], 1)
            .epb(1, 3 * 1024 + 512, &[0x45], 1);
        let data = b.bytes();
        let steps = steps(&data);
        let a = packet(&steps[0]);
        assert_eq!(a.ts, Timestamp { secs: 5, usecs: 1 });
        assert_eq!(a.link, LinkType::RawIp);
        assert_eq!(
            packet(&steps[1]).ts,
            Timestamp {
                secs: 3,
                usecs: 500_000
            }
        );
    }

    #[test]
    fn resolution_conversion_is_exact() {
        let iface = |v| Interface {
            link: LinkType::Ethernet,
            linktype: 1,
            snaplen: 0,
            ticks_per_sec: ticks_per_sec(v),
            ts_offset: 0,
        };
        assert_eq!(iface(6).timestamp(u64::MAX).secs, u64::MAX / 1_000_000);
        assert_eq!(
            iface(9).timestamp(u64::MAX),
            Timestamp {
                secs: 18_446_744_073,
                usecs: 709_551
            }
        );
        assert_eq!(
            iface(127).timestamp(u64::MAX),
            Timestamp { secs: 0, usecs: 0 }
        );
        assert_eq!(
            iface(0xff).timestamp(u64::MAX),
            Timestamp { secs: 0, usecs: 0 }
        );
        assert_eq!(iface(0).timestamp(7), Timestamp { secs: 7, usecs: 0 });
        assert_eq!(
            iface(1).timestamp(15),
            Timestamp {
                secs: 1,
                usecs: 500_000
            }
        );
        assert_eq!(ticks_per_sec(0x80), 1);
        let mut offset = iface(6);
        offset.ts_offset = -10;
        assert_eq!(offset.timestamp(12_000_000).secs, 2);
    }

    #[test]
    fn unknown_interface_skips_the_packet_only() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None).epb(3, 1, &[1], 1);
        let bad_at = b.bytes().len() - 36;
        b.epb(0, 2, &[2], 1);
        let data = b.bytes();
        let steps = steps(&data);
        assert_eq!(steps.len(), 2);
        let w = warning(&steps[0]);
        assert_eq!(w.offset, bad_at as u64);
        assert!(w.message.contains("unknown interface 3"), "{}", w.message);
        assert_eq!(packet(&steps[1]).data(&data), &[2]);
    }

    #[test]
    fn spb_before_any_interface_is_skipped() {
        let mut b = Builder::new(Endian::Big);
        b.spb(&[1, 2]).idb(1, 2, None).spb(&[1, 2, 3, 4, 5]);
        let data = b.bytes();
        let steps = steps(&data);
        assert_eq!(steps.len(), 2);
        warning(&steps[0]);
        // snaplen 2 bounds the captured length
        assert_eq!(packet(&steps[1]).data(&data), &[1, 2]);
        assert_eq!(packet(&steps[1]).wire_len, 5);
    }

    #[test]
    fn block_cut_short_stops_with_its_offset() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None).epb(0, 1, &[1, 2, 3], 3);
        let last_at = b.bytes().len();
        b.epb(0, 2, &[4, 5, 6], 3);
        let full = b.bytes();
        for cut in [last_at + 3, last_at + 8, full.len() - 1] {
            let steps = steps(&full[..cut]);
            assert_eq!(steps.len(), 2, "cut at {cut}");
            packet(&steps[0]);
            let w = warning(&steps[1]);
            assert_eq!(w.offset, last_at as u64);
            assert!(w.message.starts_with("file cut short"), "{}", w.message);
        }
    }

    #[test]
    fn bad_block_lengths_stop() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None);
        let at = b.bytes().len();
        b.epb(0, 1, &[1, 2, 3], 3);
        let good = b.bytes();
        for (patch_at, value) in [(at + 4, 8u32), (at + 4, 42), (good.len() - 4, 12)] {
            let mut data = good.clone();
            data[patch_at..patch_at + 4].copy_from_slice(&value.to_le_bytes());
            let steps = steps(&data);
            assert_eq!(steps.len(), 1, "{steps:?}");
            assert_eq!(warning(&steps[0]).offset, at as u64);
        }
    }

    #[test]
    fn second_section_stops() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None).epb(0, 1, &[1], 1);
        let at = b.bytes().len();
        b.shb().idb(1, 0, None).epb(0, 1, &[1], 1);
        let data = b.bytes();
        let steps = steps(&data);
        assert_eq!(steps.len(), 2);
        assert_eq!(
            warning(&steps[1]),
            Warning::new(at, "multiple sections not supported")
        );
    }

    #[test]
    fn packet_longer_than_its_block_is_skipped() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None);
        let at = b.bytes().len();
        b.epb(0, 1, &[1, 2, 3, 4], 4).epb(0, 2, &[5], 1);
        let mut data = b.bytes();
        // captured length 4 -> 9
        data[at + 20..at + 24].copy_from_slice(&9u32.to_le_bytes());
        let steps = steps(&data);
        assert_eq!(steps.len(), 2);
        assert_eq!(warning(&steps[0]).offset, at as u64);
        assert_eq!(packet(&steps[1]).data(&data), &[5]);
    }

    #[test]
    fn bad_section_headers_are_errors() {
        let good = Builder::new(Endian::Big).bytes();
        assert!(PcapngReader::new(&good).is_ok());
        assert!(PcapngReader::new(&good[..27]).is_err());
        assert!(PcapngReader::new(&good[..10]).is_err());
        let mut bom = good.clone();
        bom[8] = 0;
        assert!(PcapngReader::new(&bom).is_err());
        let mut version = good.clone();
        version[13] = 2;
        assert!(PcapngReader::new(&version)
            .unwrap_err()
            .reason
            .contains("version 2.0"));
    }

    #[test]
    fn no_panic_on_any_prefix_or_garbage() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, Some(9))
            .epb(0, 1, &[1, 2, 3], 3)
            .spb(&[1])
            .epb(0, 3, &[], 0);
        let data = b.bytes();
        for cut in SHB_MIN_LEN..data.len() {
            steps(&data[..cut]);
        }
        let mut state = 0x0bad_5eedu32;
        for round in 0..64 {
            let mut fuzzed = data.clone();
            for _ in 0..=round % 5 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let at = SHB_MIN_LEN + (state as usize >> 8) % (data.len() - SHB_MIN_LEN);
                fuzzed[at] = (state >> 3) as u8;
            }
            steps(&fuzzed);
        }
    }
}
