//! weir-capture: packet sources for weir, reading pcap and pcapng captures
//! from files, FIFOs and standard input, plain or gzip/zstd-compressed.
//!
//! The crate implements weir-core's [`PacketSource`] for captures:
//!
//! * [`FileSource`] reads any number of inputs as one stream, in the order
//!   given, after checking every regular file's header up front;
//! * [`CaptureFile`] is one capture streamed through one reusable buffer, its
//!   compression ([`Compression`]) and format ([`Format`]) recognised by
//!   magic number;
//! * [`pcap`] and [`pcapng`] (several sections, per-interface link type,
//!   `if_tsresol` and `if_tsoffset`) read the two formats over byte slices
//!   that need not hold the whole file, and [`Records`] iterates over a
//!   capture already in memory.
//!
//! Packets are slices of the read buffer, valid until the next call; reading
//! allocates nothing per packet, and memory use does not grow with the
//! file. No input, and no change of a file while it is read, can make the
//! readers panic or crash: damage is reported as a [`SourceWarning`] (for
//! instance a file cut short in the middle of a packet, after which reading
//! goes on with the next file), skipped pcapng blocks are counted
//! ([`SkippedBlocks`]), and a file that is not a capture at all is a
//! [`SourceError`] before any packet is read.
//!
//! [`filter`] applies tcpdump-syntax capture filters (libpcap's compiler)
//! to any source. On Linux, `live::LiveSource` captures from network
//! interfaces (`AF_PACKET` sockets).
//!
//! For tests and demos, [`PcapWriter`] writes classic pcap files and
//! [`synth`] builds the frames to put in them.

#![deny(missing_docs)]
// The one exception, the live capture's socket calls (`live::socket`),
// is allowed where it happens.
#![deny(unsafe_code)]

pub mod compress;
pub mod field;
pub mod file;
pub mod filter;
pub mod format;
#[cfg(target_os = "linux")]
pub mod live;
pub mod multi;
pub mod pcap;
pub mod pcapng;
pub mod record;
pub mod synth;
pub mod write;

pub use compress::Compression;
pub use file::CaptureFile;
pub use format::{Format, Reader, Records};
#[cfg(target_os = "linux")]
pub use live::{LiveConfig, LiveSource};
pub use multi::{FileSource, Input};
pub use record::{FormatError, PacketRef, Record, Step, Warning};
pub use write::PcapWriter;

pub use weir_core::source::{
    LinkType, Packet, PacketSource, SkippedBlocks, SourceError, SourceItem, SourceWarning,
    Timestamp,
};
