//! The `record` module deals with what the format readers find in a capture
//! file: packets, warnings, and the end of the file.
//!
//! The readers in [`crate::pcap`] and [`crate::pcapng`] do not borrow the file
//! they read, nor need all of it: each step is given the bytes available from
//! the reader's position on (a window) and returns a [`Step`] that *locates*
//! a packet by file offset ([`PacketRef`]), asks for more bytes
//! ([`Step::Need`]), or warns. The caller turns a located packet into a
//! borrowed [`Packet`] with [`PacketRef::packet_at`]. Keeping the readers
//! free of lifetimes is what lets [`crate::CaptureFile`] own both its read
//! buffer and its reader, and lets [`crate::FileSource`] hand out packets
//! that borrow that buffer without copying them again.

use std::fmt;

use weir_core::source::{LinkType, Packet, Timestamp};

/// A packet located in a capture file's bytes, not yet borrowed from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketRef {
    /// Capture time, microsecond resolution.
    pub ts: Timestamp,
    /// How to read the frame.
    pub link: LinkType,
    /// Byte offset of the captured frame in the file (in the decompressed
    /// stream, for a compressed file).
    pub start: u64,
    /// Number of captured bytes.
    pub len: usize,
    /// Length of the frame on the wire.
    pub wire_len: u32,
}

impl PacketRef {
    /// The captured bytes, out of `file` (the slice the reader was stepping over).
    ///
    /// Returns an empty slice, rather than panicking, if `file` is not the
    /// slice this packet was found in and is too short.
    #[inline]
    pub fn data<'d>(&self, file: &'d [u8]) -> &'d [u8] {
        self.data_at(file, 0)
    }

    /// The captured bytes, out of `window`, a slice whose first byte is at
    /// offset `base` of the file (a reader's buffer).
    ///
    /// Returns an empty slice, rather than panicking, if the packet does not
    /// lie entirely inside `window`.
    #[inline]
    pub fn data_at<'d>(&self, window: &'d [u8], base: u64) -> &'d [u8] {
        let Some(start) = self
            .start
            .checked_sub(base)
            .and_then(|s| usize::try_from(s).ok())
        else {
            return &[];
        };
        let end = start.saturating_add(self.len);
        window.get(start..end).unwrap_or(&[])
    }

    /// The packet itself, borrowing its bytes from `file`.
    #[inline]
    pub fn packet<'d>(&self, file: &'d [u8]) -> Packet<'d> {
        self.packet_at(file, 0)
    }

    /// The packet itself, borrowing its bytes from `window`, whose first
    /// byte is at offset `base` of the file (see [`PacketRef::data_at`]).
    #[inline]
    pub fn packet_at<'d>(&self, window: &'d [u8], base: u64) -> Packet<'d> {
        Packet {
            ts: self.ts,
            link: self.link,
            data: self.data_at(window, base),
            wire_len: self.wire_len,
        }
    }
}

/// A problem inside one capture file that did not stop the whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Byte offset in the file of the record or block concerned.
    pub offset: u64,
    /// What was wrong, e.g. "file cut short in the middle of a packet record".
    pub message: String,
}

impl Warning {
    /// A warning about the record or block starting at byte `offset`.
    pub fn new(offset: u64, message: impl Into<String>) -> Warning {
        Warning {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.message, self.offset)
    }
}

/// What a format reader found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A packet.
    Packet(PacketRef),
    /// A problem; whether reading goes on afterwards depends on the problem
    /// (a file cut short ends, a packet on an unknown interface does not).
    Warning(Warning),
    /// The next record or block is not all in the bytes the reader was
    /// given: call again with at least this many bytes from the reader's
    /// offset on, or with `eof` set when the file has no more. Never
    /// returned when `eof` is set.
    Need(usize),
    /// No more packets in this file; every later step is `End` too.
    End,
}

/// A packet or warning borrowed from a byte slice, as yielded by
/// [`crate::Records`].
#[derive(Debug, Clone)]
pub enum Record<'d> {
    /// A packet.
    Packet(Packet<'d>),
    /// A problem found while reading.
    Warning(Warning),
}

/// Why bytes could not be read as a capture file at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct FormatError {
    /// What was wrong, e.g. "unknown magic number 0x12345678".
    pub reason: String,
}

impl FormatError {
    /// An error with the given reason.
    pub fn new(reason: impl Into<String>) -> FormatError {
        FormatError {
            reason: reason.into(),
        }
    }
}

/// Builds a timestamp from seconds and microseconds, carrying whole seconds
/// out of `usecs`: a malformed record may claim a million microseconds or
/// more, and [`Timestamp`] promises `usecs < 1_000_000`.
#[inline]
pub(crate) fn timestamp(secs: u64, usecs: u32) -> Timestamp {
    if usecs < 1_000_000 {
        Timestamp { secs, usecs }
    } else {
        Timestamp {
            secs: secs.saturating_add(u64::from(usecs / 1_000_000)),
            usecs: usecs % 1_000_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_carries_seconds() {
        assert_eq!(
            timestamp(5, 999_999),
            Timestamp {
                secs: 5,
                usecs: 999_999
            }
        );
        assert_eq!(
            timestamp(5, 2_500_000),
            Timestamp {
                secs: 7,
                usecs: 500_000
            }
        );
        assert_eq!(timestamp(u64::MAX, 1_000_000).secs, u64::MAX);
    }

    #[test]
    fn packet_ref_out_of_range_is_empty() {
        let r = PacketRef {
            ts: Timestamp::default(),
            link: LinkType::Ethernet,
            start: 2,
            len: 10,
            wire_len: 10,
        };
        assert!(r.data(&[0u8; 4]).is_empty());
        assert_eq!(r.data(&[7u8; 12]).len(), 10);
    }
}
