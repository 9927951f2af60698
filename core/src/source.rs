//! The `source` module deals with where packets come from: the [`PacketSource`]
//! trait that capture back-ends implement, and the [`Packet`] they yield.
//!
//! A source hands out frames, their capture timestamps and link types, and
//! nothing more: all protocol knowledge lives in [`crate::decode`]. Keeping the
//! trait here lets the engine run without any capture library (the `weir-capture`
//! crate implements it for pcap/pcapng files).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub use weir_plugin_api::Timestamp;

/// Link-layer type of a frame, from the capture file's link type (DLT) field.
///
/// Unknown values are kept as data (`Other`): such frames are counted and
/// skipped by the decoder, never treated as a fatal error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Ethernet II / 802.3 (LINKTYPE_ETHERNET = 1).
    Ethernet,
    /// Linux cooked capture v1, 16-byte pseudo header (LINKTYPE_LINUX_SLL = 113).
    LinuxSll,
    /// Raw IP, version taken from the first nibble (LINKTYPE_RAW = 101; DLT_RAW 12/14).
    RawIp,
    /// Raw IPv4 only (LINKTYPE_IPV4 = 228).
    RawIpv4,
    /// Raw IPv6 only (LINKTYPE_IPV6 = 229).
    RawIpv6,
    /// BSD loopback, address family in host byte order (LINKTYPE_NULL = 0).
    Null,
    /// OpenBSD loopback, address family in network byte order (LINKTYPE_LOOP = 108).
    Loop,
    /// Linux cooked capture v2, 20-byte pseudo header (LINKTYPE_LINUX_SLL2 = 276).
    LinuxSll2,
    /// PPP, with or without HDLC-like framing (LINKTYPE_PPP = 9).
    Ppp,
    /// Any other link type, by its LINKTYPE number.
    Other(u32),
}

impl LinkType {
    /// Maps a pcap/pcapng LINKTYPE (or platform DLT) number to a [`LinkType`].
    pub fn from_linktype(value: u32) -> LinkType {
        match value {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            9 => LinkType::Ppp,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            101 | 12 | 14 => LinkType::RawIp,
            228 => LinkType::RawIpv4,
            229 => LinkType::RawIpv6,
            other => LinkType::Other(other),
        }
    }
}

/// One captured frame, borrowed from the source until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// Capture time (stream time for files), microsecond resolution.
    pub ts: Timestamp,
    /// How to read `data`.
    pub link: LinkType,
    /// The captured bytes (may be shorter than `wire_len` when a snap length applied).
    pub data: &'a [u8],
    /// Length of the frame on the wire in bytes (pcap `orig_len`, tshark's `frame.len`).
    pub wire_len: u32,
}

/// A problem with the input that did not stop the run (the rest of the input
/// is still read), e.g. a file cut short in the middle of a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceWarning {
    /// The file concerned.
    pub path: PathBuf,
    /// Byte offset in that file where reading stopped.
    pub offset: u64,
    /// What was wrong, e.g. "file cut short in the middle of a packet record".
    pub message: String,
}

impl fmt::Display for SourceWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at byte offset {}",
            self.path.display(),
            self.message,
            self.offset
        )
    }
}

/// Blocks of the input a source passed over without yielding anything from
/// them (pcapng blocks), counted for the run's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SkippedBlocks {
    /// Blocks of a type the format does not define (for pcapng, a block
    /// type the specification does not list); they give no warning.
    pub unknown: u64,
    /// Blocks that could not be read (a packet block too short, or on an
    /// interface never declared) and were skipped; each also gave a
    /// [`SourceWarning`].
    pub damaged: u64,
}

/// What a source yields next.
#[derive(Debug)]
pub enum SourceItem<'a> {
    /// A frame.
    Packet(Packet<'a>),
    /// A non-fatal problem; reading goes on with the next packet or file.
    Warning(SourceWarning),
}

/// A fatal problem with the input: nothing can be read from it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The file could not be opened or mapped.
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is not a capture format weir reads.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong, e.g. "unknown magic number 0x12345678".
        reason: String,
    },
    /// A live source failed.
    #[error("{0}")]
    Other(String),
}

/// Counters of one live input (an interface), cumulative since it opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CaptureStats {
    /// The interface.
    pub interface: String,
    /// Frames weir read from it (after the capture filter).
    pub received: u64,
    /// Frames the kernel dropped because weir did not read fast enough
    /// (its socket buffer was full).
    pub kernel_dropped: u64,
}

/// Reads a live source's [`CaptureStats`], one per input, from any thread
/// while the source itself is being read.
pub type CaptureStatsReader = Arc<dyn Fn() -> Vec<CaptureStats> + Send + Sync>;

/// A stream of frames: pcap/pcapng files read in order, or a live interface.
///
/// Implementations must yield packets in the order they were captured within
/// each input; the engine's stream clock never moves backwards, whatever the
/// timestamps say.
pub trait PacketSource {
    /// The next frame or warning; `Ok(None)` at the end of all input.
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, SourceError>;

    /// Which input the last frame came from (a file's path), for messages
    /// such as time going backwards; `None` when the source has one input.
    fn origin(&self) -> Option<String> {
        None
    }

    /// A number that changes when [`PacketSource::origin`] does (cheap to
    /// ask per packet).
    fn origin_id(&self) -> usize {
        0
    }

    /// Blocks skipped so far, all inputs together (asked once, at the end
    /// of the run). Sources without such blocks keep the default: none.
    fn skipped_blocks(&self) -> SkippedBlocks {
        SkippedBlocks::default()
    }

    /// Whether this is a live capture: stream time is wall time, intervals
    /// end on the wall clock, and the engine drops plugin events rather than
    /// wait for a full plugin queue (counting them). Default `false`.
    fn is_live(&self) -> bool {
        false
    }

    /// Asked when [`PacketSource::next_item`] returned `Ok(None)`: a live
    /// source that found no frame in its poll period returns the wall-clock
    /// time, the engine advances its clock to it (ending intervals on time)
    /// and asks for the next item again. `None` (the default) means the
    /// input is over.
    fn idle(&mut self) -> Option<Timestamp> {
        None
    }

    /// A live source's counters, readable while it is being read; `None`
    /// (the default) for files.
    fn capture_stats(&self) -> Option<CaptureStatsReader> {
        None
    }
}
