//! The `pcapng` module deals with pcapng capture files.
//!
//! A pcapng file is a sequence of blocks, each framed the same way:
//!
//! ```text
//! block type u32 | total length u32 | body ... | total length u32
//! ```
//!
//! A file holds one or more *sections*, each opened by a Section Header Block
//! whose byte-order magic (0x1A2B3C4D) sets the byte order of the section's
//! blocks; a new section also restarts interface numbering. Interface
//! Description Blocks declare, in order, each interface's link type,
//! timestamp resolution (`if_tsresol`) and offset (`if_tsoffset`), and packet
//! blocks refer to an interface of their section by index. Packets come in
//! Enhanced Packet Blocks, Simple Packet Blocks and (obsolete) Packet Blocks.
//!
//! Other block types the specification defines (name resolution, interface
//! statistics, decryption secrets, custom blocks, ...) are skipped by their
//! length, since the framing makes that always possible. Blocks of a type
//! the specification does not define are skipped too, and counted
//! ([`PcapngReader::unknown_blocks`]); so are packet blocks that cannot be
//! read (too short, data overflowing the block, an undeclared interface),
//! which also give a warning ([`PcapngReader::damaged_blocks`]).
//!
//! An `if_tsresol` finer than a nanosecond (10^-9 s, or 2^-30 s in the binary
//! form) is refused with a warning and the interface's times are read as
//! microseconds: with 64-bit timestamps such resolutions cannot express
//! today's dates (at 10^-10 s they overflow in 2028), so a file claiming one
//! is more likely damaged than precise.

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
/// Largest block weir reads (256 MiB, the limit of a pcap record).
///
/// A larger length means a damaged file: reading stops there, with a
/// warning, instead of buffering up to 4 GiB of garbage.
pub const MAX_BLOCK_LEN: usize = 256 * 1024 * 1024;

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

/// Finest base-10 `if_tsresol` weir accepts: nanoseconds.
const MAX_TSRESOL_DECIMAL: u8 = 9;
/// Finest base-2 `if_tsresol` weir accepts: 2^-30 s (about a nanosecond).
const MAX_TSRESOL_BINARY: u8 = 30;

/// Whether `block_type` is one the pcapng specification defines for
/// something weir does not need (skipped without being counted).
fn is_known_ignored(block_type: u32) -> bool {
    matches!(
        block_type,
        // Name Resolution, Interface Statistics, IRIG timestamp, ARINC 429,
        // systemd Journal Export, Decryption Secrets.
        4 | 5 | 7 | 8 | 9 | 10
        // Hone Project and Sysdig blocks.
        | 0x101..=0x108 | 0x201..=0x20F
        // Custom blocks (copyable or not).
        | 0x0000_0BAD | 0x4000_0BAD
    )
}

/// One capture interface, from an Interface Description Block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interface {
    /// Link type of the interface's packets.
    pub link: LinkType,
    /// LINKTYPE number as written in the block.
    pub linktype: u16,
    /// Largest number of bytes captured per packet (0: no limit).
    pub snaplen: u32,
    /// Timestamp units per second (`if_tsresol`; 1,000,000 when absent or
    /// refused), between 1 and 2^30.
    pub ticks_per_sec: u64,
    /// Seconds to add to every timestamp (`if_tsoffset`; 0 when absent).
    pub ts_offset: i64,
}

impl Interface {
    /// Converts a 64-bit timestamp in this interface's units to seconds and
    /// microseconds, truncating below the microsecond, then adds the
    /// interface's offset (saturating at 0 and `u64::MAX` seconds).
    ///
    /// The arithmetic is exact: the remainder is below 2^30, so multiplying
    /// it by 10^6 cannot overflow a `u64`.
    #[inline]
    pub fn timestamp(&self, ticks: u64) -> Timestamp {
        // `ticks_per_sec` is never 0 (see `ticks_per_sec`), but a zero must
        // not be able to panic here either.
        let per_sec = self.ticks_per_sec.max(1);
        let secs = ticks / per_sec;
        // Below 10^6 since the remainder is below `per_sec`.
        let usecs = ((ticks % per_sec).saturating_mul(1_000_000) / per_sec) as u32;
        Timestamp {
            secs: secs.saturating_add_signed(self.ts_offset),
            usecs: usecs.min(999_999),
        }
    }
}

/// Timestamp units per second for an `if_tsresol` value: 10^-v seconds when
/// the top bit is clear, 2^-(v & 0x7f) when set; `None` for a resolution
/// finer than a nanosecond (10^-9 s or 2^-30 s), which weir refuses.
pub fn ticks_per_sec(tsresol: u8) -> Option<u64> {
    if tsresol & 0x80 == 0 {
        (tsresol <= MAX_TSRESOL_DECIMAL).then(|| 10u64.pow(u32::from(tsresol)))
    } else {
        let exp = tsresol & 0x7f;
        (exp <= MAX_TSRESOL_BINARY).then(|| 1u64 << exp)
    }
}

/// `if_tsresol` as a person reads it: `10^-12 s`, `2^-40 s`.
fn tsresol_text(tsresol: u8) -> String {
    if tsresol & 0x80 == 0 {
        format!("10^-{tsresol} s")
    } else {
        format!("2^-{} s", tsresol & 0x7f)
    }
}

/// Byte order and version of the Section Header Block at the start of
/// `block`, which holds the whole block (more bytes after it are ignored);
/// also returns the block's length.
fn parse_shb(block: &[u8]) -> Result<(Endian, (u16, u16), usize), String> {
    if Endian::Little.u32(block, 0) != Some(BLOCK_SHB) {
        return Err("not a pcapng file (no section header block)".into());
    }
    let endian = match Endian::Little.u32(block, 8) {
        Some(BYTE_ORDER_MAGIC) => Endian::Little,
        Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => Endian::Big,
        Some(m) => {
            return Err(format!(
                "pcapng byte-order magic 0x{:08x} is neither 0x1a2b3c4d nor 0x4d3c2b1a",
                m.swap_bytes()
            ))
        }
        None => {
            return Err(format!(
                "file too short for a pcapng section header ({} bytes)",
                block.len()
            ))
        }
    };
    let (Some(total), Some(major), Some(minor)) = (
        endian.u32(block, 4),
        endian.u16(block, 12),
        endian.u16(block, 14),
    ) else {
        return Err(format!(
            "file too short for a pcapng section header ({} bytes)",
            block.len()
        ));
    };
    let total = total as usize;
    if total < SHB_MIN_LEN || !total.is_multiple_of(4) || total > MAX_BLOCK_LEN {
        return Err(format!(
            "invalid pcapng section header block length {total}"
        ));
    }
    if total > block.len() {
        return Err(format!(
            "file too short for its pcapng section header ({} of {total} bytes)",
            block.len()
        ));
    }
    if endian.u32(block, total - 4) != Some(total as u32) {
        return Err("pcapng section header block's trailing length does not match".into());
    }
    // Major version 1 is the only one ever released; a different one
    // would mean a block layout weir cannot know.
    if major != 1 {
        return Err(format!("unsupported pcapng version {major}.{minor}"));
    }
    Ok((endian, (major, minor), total))
}

/// How many bytes from the start of a pcapng file [`PcapngReader::new`]
/// needs, judging by its first bytes `prefix`: the length of the Section
/// Header Block once `prefix` holds its first 12 bytes, else 12 (bounded
/// by [`MAX_BLOCK_LEN`]; a bad header is for `new` to report).
pub fn header_len(prefix: &[u8]) -> usize {
    let endian = match Endian::Little.u32(prefix, 8) {
        Some(BYTE_ORDER_MAGIC) => Endian::Little,
        Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => Endian::Big,
        _ => return BLOCK_OVERHEAD,
    };
    endian
        .u32(prefix, 4)
        .map_or(BLOCK_OVERHEAD, |t| t as usize)
        .clamp(SHB_MIN_LEN, MAX_BLOCK_LEN)
}

/// Reads the blocks of a pcapng file, one [`Step`] at a time.
///
/// The reader keeps its position, the current section's byte order and
/// interfaces, and its counts of skipped blocks. Every call to
/// [`PcapngReader::step`] is given the bytes of the file from
/// [`PcapngReader::offset`] on, as many as the caller has (a wrong slice
/// gives wrong packets, never a panic).
#[derive(Debug, Clone)]
pub struct PcapngReader {
    endian: Endian,
    version: (u16, u16),
    // Number of the current section, from 0.
    section: u32,
    interfaces: Vec<Interface>,
    // Simple Packet Blocks carry no timestamp; they get the previous one.
    last_ts: Timestamp,
    offset: u64,
    done: bool,
    unknown_blocks: u64,
    damaged_blocks: u64,
}

impl PcapngReader {
    /// Reads the Section Header Block at the start of `data` and positions the
    /// reader at the next block.
    ///
    /// `data` must hold the whole block ([`header_len`] says how much that
    /// is); a block that does not parse is an error.
    pub fn new(data: &[u8]) -> Result<PcapngReader, FormatError> {
        let (endian, version, total) = parse_shb(data).map_err(FormatError::new)?;
        Ok(PcapngReader {
            endian,
            version,
            section: 0,
            interfaces: Vec::new(),
            last_ts: Timestamp::default(),
            offset: total as u64,
            done: false,
            unknown_blocks: 0,
            damaged_blocks: 0,
        })
    }

    /// Byte order of the current section.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// Format version of the current section (major, minor).
    pub fn version(&self) -> (u16, u16) {
        self.version
    }

    /// Number of the current section, from 0.
    pub fn section(&self) -> u32 {
        self.section
    }

    /// The interfaces the current section has declared so far, by index.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// Byte offset of the next block.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Blocks skipped because the specification defines no such block type.
    pub fn unknown_blocks(&self) -> u64 {
        self.unknown_blocks
    }

    /// Packet blocks skipped, each with a warning, because they could not be
    /// read (too short, data overflowing the block, undeclared interface).
    pub fn damaged_blocks(&self) -> u64 {
        self.damaged_blocks
    }

    /// The next packet, a warning, a request for more bytes, or the end.
    ///
    /// `window` holds the file's bytes from [`PcapngReader::offset`] on, and
    /// `eof` says whether the file ends where `window` does. A block that is
    /// not all in `window` gives [`Step::Need`] unless `eof` is set.
    ///
    /// A block cut short by the end of the file, a block with an invalid
    /// length, or a section header that does not parse gives a warning
    /// carrying the block's offset and ends the file. A damaged packet block
    /// (see [`PcapngReader::damaged_blocks`]) or a refused `if_tsresol` gives
    /// a warning and reading goes on.
    pub fn step(&mut self, window: &[u8], eof: bool) -> Step {
        let mut w = window;
        loop {
            if self.done {
                return Step::End;
            }
            let start = self.offset;
            if w.is_empty() && eof {
                self.done = true;
                return Step::End;
            }
            let (Some(block_type), Some(total)) = (self.endian.u32(w, 0), self.endian.u32(w, 4))
            else {
                return self.short(
                    eof,
                    8,
                    start,
                    "file cut short in the middle of a block header",
                );
            };
            // A new section's length is in the new section's byte order.
            let (e, total) = if block_type == BLOCK_SHB {
                match Endian::Little.u32(w, 8) {
                    Some(BYTE_ORDER_MAGIC) => (Endian::Little, Endian::Little.u32(w, 4)),
                    Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => {
                        (Endian::Big, Endian::Big.u32(w, 4))
                    }
                    Some(m) => {
                        return self.stop(
                            start,
                            format!(
                                "section header block with byte-order magic 0x{:08x}, neither \
                                 0x1a2b3c4d nor 0x4d3c2b1a: the rest of the file cannot be read",
                                m.swap_bytes()
                            ),
                        )
                    }
                    None => {
                        return self.short(
                            eof,
                            BLOCK_OVERHEAD,
                            start,
                            "file cut short in the middle of a block header",
                        )
                    }
                }
            } else {
                (self.endian, Some(total))
            };
            let total = total.unwrap_or(0) as usize;
            if total < BLOCK_OVERHEAD || !total.is_multiple_of(4) {
                return self.stop(start, format!("invalid block length {total}"));
            }
            if total > MAX_BLOCK_LEN {
                return self.stop(
                    start,
                    format!(
                        "block claims {total} bytes, more than the {} MiB limit",
                        MAX_BLOCK_LEN >> 20
                    ),
                );
            }
            let Some(block) = w.get(..total) else {
                return self.short(eof, total, start, "file cut short in the middle of a block");
            };
            if e.u32(block, total - 4) != Some(total as u32) {
                return self.stop(
                    start,
                    format!("block's trailing length does not match its length {total}"),
                );
            }
            w = &w[total..];
            self.offset = start + total as u64;
            // The body, without the framing.
            let body = &block[8..total - 4];
            let body_at = start + 8;
            match block_type {
                BLOCK_EPB => return self.timestamped_packet(body, body_at, start, true),
                BLOCK_PB => return self.timestamped_packet(body, body_at, start, false),
                BLOCK_SPB => return self.simple_packet(body, body_at, start),
                BLOCK_IDB => {
                    if let Some(step) = self.interface(body, start) {
                        return step;
                    }
                }
                BLOCK_SHB => match parse_shb(block) {
                    Ok((endian, version, _)) => {
                        self.endian = endian;
                        self.version = version;
                        self.section += 1;
                        self.interfaces.clear();
                    }
                    Err(reason) => {
                        return self.stop(start, format!("section {}: {reason}", self.section + 1))
                    }
                },
                // Statistics, name resolution, custom blocks and the like:
                // the framing has been checked, nothing else matters to weir.
                t if is_known_ignored(t) => {}
                _ => self.unknown_blocks += 1,
            }
        }
    }

    /// Records an Interface Description Block; returns a step only if the
    /// block is malformed or its `if_tsresol` is refused.
    fn interface(&mut self, body: &[u8], start: u64) -> Option<Step> {
        let e = self.endian;
        // Later packets number interfaces by position, so skipping a broken
        // one would misattribute them all: stop instead.
        let (Some(linktype), Some(snaplen)) = (e.u16(body, 0), e.u32(body, 4)) else {
            return Some(self.stop(start, "interface description block too short"));
        };
        let mut iface = Interface {
            link: LinkType::from_linktype(u32::from(linktype)),
            linktype,
            snaplen,
            ticks_per_sec: 1_000_000,
            ts_offset: 0,
        };
        let mut refused = None;
        // Options are read leniently: an option list that runs past the block
        // only loses the options after it, the interface itself is sound.
        let mut at = 8usize;
        while let (Some(code), Some(len)) = (e.u16(body, at), e.u16(body, at + 2)) {
            let value = at + 4;
            let len = usize::from(len);
            let Some(bytes) = body.get(value..value + len) else {
                break;
            };
            if code == OPT_END {
                break;
            }
            match code {
                OPT_IF_TSRESOL => {
                    if let Some(&v) = bytes.first() {
                        match ticks_per_sec(v) {
                            Some(t) => iface.ticks_per_sec = t,
                            None => refused = Some(v),
                        }
                    }
                }
                OPT_IF_TSOFFSET => {
                    if let Some(v) = e.u64(bytes, 0) {
                        iface.ts_offset = v as i64;
                    }
                }
                _ => {}
            }
            at = value + len.next_multiple_of(4);
        }
        self.interfaces.push(iface);
        let v = refused?;
        Some(Step::Warning(Warning::new(
            start,
            format!(
                "interface {} of section {}: if_tsresol 0x{v:02x} ({}) is finer than the \
                 nanosecond weir accepts; its times are read as microseconds",
                self.interfaces.len() - 1,
                self.section,
                tsresol_text(v)
            ),
        )))
    }

    /// An Enhanced Packet Block (`wide_iface`: 32-bit interface id) or an
    /// obsolete Packet Block (16-bit interface id, then a 16-bit drop count).
    /// Both continue with the timestamp's high and low words, the captured
    /// and original lengths and the data, at the same offsets.
    #[inline]
    fn timestamped_packet(&mut self, body: &[u8], body_at: u64, start: u64, wide: bool) -> Step {
        let e = self.endian;
        let iface = if wide {
            e.u32(body, 0).map(|i| i as usize)
        } else {
            e.u16(body, 0).map(usize::from)
        };
        let (Some(iface), Some(hi), Some(lo), Some(cap_len), Some(orig_len)) = (
            iface,
            e.u32(body, 4),
            e.u32(body, 8),
            e.u32(body, 12),
            e.u32(body, 16),
        ) else {
            return self.skip(start, "packet block too short");
        };
        let len = cap_len as usize;
        if len > body.len() - 20 {
            return self.skip(start, "packet data runs past the end of its block");
        }
        let Some(interface) = self.interfaces.get(iface) else {
            let declared = self.interfaces.len();
            let section = self.section;
            return self.skip(
                start,
                format!(
                    "packet on unknown interface {iface} (section {section} declares {declared})"
                ),
            );
        };
        let ts = interface.timestamp((u64::from(hi) << 32) | u64::from(lo));
        self.last_ts = ts;
        Step::Packet(PacketRef {
            ts,
            link: interface.link,
            start: body_at + 20,
            len,
            wire_len: orig_len,
        })
    }

    /// A Simple Packet Block: original length then data, on interface 0,
    /// captured length implied by the block length and the snap length.
    fn simple_packet(&mut self, body: &[u8], body_at: u64, start: u64) -> Step {
        let Some(orig_len) = self.endian.u32(body, 0) else {
            return self.skip(start, "simple packet block too short");
        };
        let Some(interface) = self.interfaces.first() else {
            return self.skip(start, "simple packet block before any interface");
        };
        // The block holds the data padded to 4 bytes; the original length
        // (bounded by the snap length) says how much of it is the frame.
        let mut len = (body.len() - 4).min(orig_len as usize);
        if interface.snaplen != 0 {
            len = len.min(interface.snaplen as usize);
        }
        Step::Packet(PacketRef {
            ts: self.last_ts,
            link: interface.link,
            start: body_at + 4,
            len,
            wire_len: orig_len,
        })
    }

    /// Asks for `need` bytes, or, at the end of the file, ends it with a
    /// warning about the block at `offset`.
    #[cold]
    fn short(&mut self, eof: bool, need: usize, offset: u64, message: &str) -> Step {
        if eof {
            self.stop(offset, message)
        } else {
            Step::Need(need)
        }
    }

    /// Ends the file with a warning about the block at `offset`.
    #[cold]
    fn stop(&mut self, offset: u64, message: impl Into<String>) -> Step {
        self.done = true;
        Step::Warning(Warning::new(offset, message))
    }

    /// Counts the block at `offset` as damaged, warns about it and carries
    /// on after it (the caller has already moved past the block).
    #[cold]
    fn skip(&mut self, offset: u64, message: impl Into<String>) -> Step {
        self.damaged_blocks += 1;
        Step::Warning(Warning::new(offset, message))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds pcapng files block by block, in either byte order.
    #[derive(Clone)]
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

        /// Writes the blocks that follow in byte order `e` (for a new
        /// section: call [`Builder::shb`] next).
        pub(crate) fn switch(&mut self, e: Endian) -> &mut Builder {
            self.e = e;
            self
        }

        /// An IDB with the given options (code, value), in this order.
        pub(crate) fn idb_with(
            &mut self,
            linktype: u16,
            options: &[(u16, Vec<u8>)],
        ) -> &mut Builder {
            let e = self.e;
            let mut body = Vec::new();
            body.extend_from_slice(&e.u16_bytes(linktype));
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(&e.u32_bytes(0));
            for (code, value) in options {
                body.extend_from_slice(&e.u16_bytes(*code));
                body.extend_from_slice(&e.u16_bytes(value.len() as u16));
                body.extend_from_slice(value);
                body.resize(body.len().next_multiple_of(4), 0);
            }
            body.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
            self.block(BLOCK_IDB, &body)
        }

        pub(crate) fn bytes(&self) -> Vec<u8> {
            self.out.clone()
        }
    }

    /// Every step of `data`, given all at once, and the reader at the end.
    fn read(data: &[u8]) -> (Vec<Step>, PcapngReader) {
        let mut reader = PcapngReader::new(data).expect("valid section header");
        let mut out = Vec::new();
        loop {
            let at = usize::try_from(reader.offset()).unwrap().min(data.len());
            match reader.step(&data[at..], true) {
                Step::End => return (out, reader),
                step => out.push(step),
            }
        }
    }

    /// Every step of `data`, given in the smallest windows the reader
    /// accepts (as a stream reader with a tiny buffer would).
    fn steps_byte_by_byte(data: &[u8]) -> Vec<Step> {
        let mut reader = PcapngReader::new(data).expect("valid section header");
        let mut out = Vec::new();
        let mut have = 0;
        loop {
            let at = usize::try_from(reader.offset()).unwrap().min(data.len());
            let end = (at + have).min(data.len());
            match reader.step(&data[at..end], end == data.len()) {
                Step::End => return out,
                Step::Need(n) => {
                    // Relative to the offset the reader has reached.
                    let now = usize::try_from(reader.offset()).unwrap();
                    assert!(
                        n > end - now,
                        "asked for {n} bytes with {} given",
                        end - now
                    );
                    have = n;
                }
                step => {
                    out.push(step);
                    have = 0;
                }
            }
        }
    }

    /// Every step of `data`; checks that windows of any size give the same.
    fn steps(data: &[u8]) -> Vec<Step> {
        let all = read(data).0;
        assert_eq!(steps_byte_by_byte(data), all, "same steps in small windows");
        all
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
            ticks_per_sec: ticks_per_sec(v).unwrap(),
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
            iface(0x80 | 30).timestamp(u64::MAX),
            Timestamp {
                secs: u64::MAX >> 30,
                usecs: 999_999
            }
        );
        for absurd in [10, 19, 20, 127, 0x80 | 31, 0xff] {
            assert_eq!(ticks_per_sec(absurd), None, "{absurd:#x}");
        }
        assert_eq!(iface(0).timestamp(7), Timestamp { secs: 7, usecs: 0 });
        assert_eq!(
            iface(1).timestamp(15),
            Timestamp {
                secs: 1,
                usecs: 500_000
            }
        );
        assert_eq!(ticks_per_sec(0x80), Some(1));
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
        assert_eq!(
            w.message,
            "packet on unknown interface 3 (section 0 declares 1)"
        );
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
    fn sections_restart_byte_order_and_interfaces() {
        // Section 0, little-endian: Ethernet in microseconds, raw IP in
        // nanoseconds with a 100 s offset.
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None)
            .idb_with(
                101,
                &[
                    (OPT_IF_TSRESOL, vec![9]),
                    (14, 100u64.to_le_bytes().to_vec()),
                ],
            )
            .epb(0, 1_000_001, &[1], 1)
            .epb(1, 2_000_000_002, &[2], 1);
        // Section 1, big-endian: interface 0 is now NULL at 1/1024 s, and
        // interface 1 is undeclared again until its IDB.
        b.switch(Endian::Big);
        b.shb()
            .idb(0, 0, Some(0x80 | 10))
            .epb(0, 1024 * 3 + 256, &[3], 1)
            .epb(1, 5, &[4], 1);
        let unknown_at = b.bytes().len() as u64 - 36;
        b.idb_with(113, &[(14, (-5i64).to_be_bytes().to_vec())])
            .epb(1, 7_000_000, &[5], 1);
        let data = b.bytes();
        let (steps, reader) = read(&data);
        assert_eq!(steps, steps_byte_by_byte(&data));
        assert_eq!(steps.len(), 5, "{steps:?}");
        let p: Vec<(Timestamp, LinkType, u8)> = [0, 1, 2, 4]
            .iter()
            .map(|&i| {
                let p = packet(&steps[i]);
                (p.ts, p.link, p.data(&data)[0])
            })
            .collect();
        let ts = |secs, usecs| Timestamp { secs, usecs };
        assert_eq!(
            p,
            vec![
                (ts(1, 1), LinkType::Ethernet, 1),
                (ts(102, 0), LinkType::RawIp, 2),
                (ts(3, 250_000), LinkType::Null, 3),
                (ts(2, 0), LinkType::LinuxSll, 5),
            ]
        );
        assert_eq!(
            warning(&steps[3]),
            Warning::new(
                unknown_at,
                "packet on unknown interface 1 (section 1 declares 1)"
            )
        );
        assert_eq!(reader.section(), 1);
        assert_eq!(reader.endian(), Endian::Big);
        assert_eq!(reader.interfaces().len(), 2);
        assert_eq!((reader.unknown_blocks(), reader.damaged_blocks()), (0, 1));
    }

    #[test]
    fn bad_later_section_header_stops() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None).epb(0, 1, &[1], 1);
        let at = b.bytes().len();
        b.shb().idb(1, 0, None).epb(0, 1, &[1], 1);
        let good = b.bytes();
        let mut version = good.clone();
        version[at + 12] = 2; // major version 2
        let got = steps(&version);
        assert_eq!(got.len(), 2);
        assert_eq!(
            warning(&got[1]),
            Warning::new(at as u64, "section 1: unsupported pcapng version 2.0")
        );
        let mut bom = good.clone();
        bom[at + 8] = 0;
        let got = steps(&bom);
        assert_eq!(got.len(), 2);
        let w = warning(&got[1]);
        assert_eq!(w.offset, at as u64);
        assert!(w.message.contains("byte-order magic"), "{}", w.message);
    }

    #[test]
    fn absurd_tsresol_is_refused_with_one_warning() {
        for (v, text) in [(12u8, "10^-12 s"), (0x80 | 40, "2^-40 s")] {
            let mut b = Builder::new(Endian::Little);
            b.idb(1, 0, Some(v));
            b.epb(0, 5_000_001, &[1], 1).epb(0, 6_000_000, &[2], 1);
            let data = b.bytes();
            let steps = steps(&data);
            assert_eq!(steps.len(), 3, "{steps:?}");
            let w = warning(&steps[0]);
            assert_eq!(w.offset, 28);
            assert_eq!(
                w.message,
                format!(
                    "interface 0 of section 0: if_tsresol 0x{v:02x} ({text}) is finer than \
                     the nanosecond weir accepts; its times are read as microseconds"
                )
            );
            assert_eq!(packet(&steps[1]).ts, Timestamp { secs: 5, usecs: 1 });
            assert_eq!(packet(&steps[2]).ts, Timestamp { secs: 6, usecs: 0 });
        }
    }

    #[test]
    fn unknown_blocks_are_counted_known_ones_not() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None)
            .block(4, &[0, 0, 0, 0]) // name resolution
            .block(5, &[0; 12]) // interface statistics
            .block(10, &[0; 8]) // decryption secrets
            .block(0x0000_0BAD, &[1, 2, 3, 4])
            .block(0x4000_0BAD, &[1, 2, 3, 4])
            .block(0x0000_0042, &[9; 5])
            .epb(0, 1, &[1], 1)
            .block(0x8000_0001, &[]);
        let data = b.bytes();
        let (steps, reader) = read(&data);
        assert_eq!(steps.len(), 1);
        assert_eq!(reader.unknown_blocks(), 2);
        assert_eq!(reader.damaged_blocks(), 0);
    }

    #[test]
    fn huge_block_length_stops_without_asking_for_it() {
        let mut b = Builder::new(Endian::Little);
        b.idb(1, 0, None);
        let at = b.bytes().len();
        b.epb(0, 1, &[1, 2, 3], 3);
        let mut data = b.bytes();
        let huge = (MAX_BLOCK_LEN + 4) as u32;
        data[at + 4..at + 8].copy_from_slice(&huge.to_le_bytes());
        let mut reader = PcapngReader::new(&data).unwrap();
        let step = reader.step(&data[28..at + 8], false);
        assert_eq!(
            step,
            Step::Warning(Warning::new(
                at as u64,
                "block claims 268435460 bytes, more than the 256 MiB limit"
            ))
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
        let mut two = b.clone();
        two.switch(Endian::Big)
            .shb()
            .idb(0, 0, Some(6))
            .epb(0, 9, &[4, 4], 2);
        let data = two.bytes();
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
