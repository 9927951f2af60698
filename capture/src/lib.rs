//! weir-capture: packet sources for weir, reading pcap and pcapng files.
//!
//! The crate implements weir-core's [`PacketSource`] for capture files:
//!
//! * [`FileSource`] reads any number of files as one stream, in the order
//!   given, after checking every file's header up front;
//! * [`CaptureFile`] is one memory-mapped file, its format recognised by magic
//!   number ([`Format`]);
//! * [`pcap`] and [`pcapng`] read the two formats over plain byte slices, and
//!   [`Records`] iterates over a capture already in memory.
//!
//! Packets are zero-copy slices of the memory map; reading allocates nothing
//! per packet. No input can make the readers panic: damage is reported as a
//! [`SourceWarning`] (for instance a file cut short in the middle of a packet,
//! after which reading goes on with the next file) or, when a file is not a
//! capture at all, as a [`SourceError`] before any packet is read.
//!
//! [`filter`] applies tcpdump-syntax capture filters (libpcap's compiler)
//! to any source. On Linux, `live::LiveSource` captures from network
//! interfaces (`AF_PACKET` sockets).
//!
//! For tests and demos, [`PcapWriter`] writes classic pcap files and
//! [`synth`] builds the frames to put in them.

#![deny(missing_docs)]
// The exceptions, mapping a file and the live capture's socket calls
// (`live::socket`), are allowed where they happen.
#![deny(unsafe_code)]

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

pub use file::CaptureFile;
pub use format::{Format, Reader, Records};
#[cfg(target_os = "linux")]
pub use live::{LiveConfig, LiveSource};
pub use multi::FileSource;
pub use record::{FormatError, PacketRef, Record, Step, Warning};
pub use write::PcapWriter;

pub use weir_core::source::{
    LinkType, Packet, PacketSource, SourceError, SourceItem, SourceWarning, Timestamp,
};
