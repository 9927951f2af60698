//! The `live` module deals with capturing from network interfaces
//! (`weir run --interface IF`), Linux only.
//!
//! [`LiveSource`] reads one `AF_PACKET` socket per interface
//! ([`socket::PacketSocket`]) and implements [`PacketSource`] for the
//! engine:
//!
//! * **time**: each frame carries the kernel's receive time (wall time), made
//!   monotonic across interfaces; when no frame comes for
//!   [`POLL_MS`] ms, `next_item` returns `Ok(None)` and
//!   [`PacketSource::idle`] gives the wall clock, so intervals end on time
//!   and the stop flag (SIGINT, SIGTERM) is seen within [`POLL_MS`] ms;
//! * **VLAN tags**: the kernel takes the outer 802.1Q/802.1ad tag off a frame
//!   and reports it in `PACKET_AUXDATA`; it is put back ([`restore_vlan`]), so
//!   frames are as on the wire and flows keep their VLANs;
//! * **filter**: the `--filter` program is attached in the kernel, behind a
//!   first test that lets every tagged frame through (the kernel runs the
//!   program on the frame without its tag, where libpcap's `vlan` tests
//!   would fail); tagged frames are filtered here, after their tag is back,
//!   so the expression means what it means on a file;
//! * **counters** ([`PacketSource::capture_stats`]): frames received per
//!   interface, and the kernel's drop count (`PACKET_STATISTICS`).
//!
//! Why not `pnet_datalink`: it reads with `recvfrom` and discards the
//! control messages, so it cannot give `PACKET_AUXDATA` (the removed VLAN
//! tags); everything else it would give here (interface lookup) is one libc
//! call. See `docs/ARCHITECTURE.md`.

pub mod socket;

use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use weir_core::source::{
    CaptureStats, CaptureStatsReader, LinkType, Packet, PacketSource, SourceError, SourceItem,
    Timestamp,
};

use crate::filter::PacketFilter;
use socket::{PacketSocket, ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE, ARPHRD_RAWIP};

/// How long one wait for frames lasts before the source reports itself
/// idle, milliseconds.
pub const POLL_MS: i32 = 100;

/// Largest frame kept (longer ones are cut, their wire length kept).
pub const SNAPLEN: usize = 262_144;

/// Socket receive buffer asked for, bytes.
pub const RCVBUF: usize = 64 << 20;

/// Room before the frame in the buffer for a restored VLAN tag.
const TAG: usize = 4;

/// Frames rejected in a row by the user-space filter after which
/// `next_item` reports idle anyway (so the stop flag is still seen).
const MAX_REJECTED_IN_A_ROW: u32 = 256;

/// What to capture.
#[derive(Debug, Default)]
pub struct LiveConfig {
    /// Interface names, in order.
    pub interfaces: Vec<String>,
    /// Put each interface in promiscuous mode while capturing.
    pub promiscuous: bool,
    /// The `--filter` expression, if any.
    pub filter: Option<PacketFilter>,
}

/// One interface being captured.
#[derive(Debug)]
struct Interface {
    name: String,
    socket: Arc<PacketSocket>,
    link: LinkType,
}

/// What the counters reader shares with the source.
#[derive(Debug)]
struct Shared {
    names: Vec<String>,
    sockets: Vec<Arc<PacketSocket>>,
    received: Vec<AtomicU64>,
    kernel_dropped: Mutex<Vec<u64>>,
}

impl Shared {
    fn read(&self) -> Vec<CaptureStats> {
        let mut dropped = self
            .kernel_dropped
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        self.sockets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                // The kernel resets its counters when read: add them up.
                if let Ok((_, drops)) = s.take_stats() {
                    dropped[i] += drops;
                }
                CaptureStats {
                    interface: self.names[i].clone(),
                    received: self.received[i].load(Ordering::Relaxed),
                    kernel_dropped: dropped[i],
                }
            })
            .collect()
    }
}

/// Frames from live interfaces.
#[derive(Debug)]
pub struct LiveSource {
    interfaces: Vec<Interface>,
    fds: Vec<RawFd>,
    shared: Arc<Shared>,
    filter: Option<PacketFilter>,
    buf: Vec<u8>,
    next: usize,
    last: usize,
    last_ts: Timestamp,
}

fn link_of(name: &str, hatype: u16) -> std::io::Result<LinkType> {
    match hatype {
        ARPHRD_ETHER | ARPHRD_LOOPBACK => Ok(LinkType::Ethernet),
        ARPHRD_NONE | ARPHRD_RAWIP => Ok(LinkType::RawIp),
        other => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!(
                "{name} has hardware type {other} (ARPHRD); weir captures Ethernet, loopback and raw-IP interfaces"
            ),
        )),
    }
}

/// The kernel filter for `link`: `program`, behind a test that accepts every
/// frame whose VLAN tag the kernel removed (those are filtered in user space,
/// tag restored), on Ethernet.
fn kernel_filter(program: Vec<[u32; 4]>, link: LinkType) -> Vec<[u32; 4]> {
    if link != LinkType::Ethernet {
        return program;
    }
    const LD_W_ABS: u32 = 0x20;
    const JEQ_K: u32 = 0x15;
    const RET_K: u32 = 0x06;
    let vlan_present = (libc::SKF_AD_OFF + libc::SKF_AD_VLAN_TAG_PRESENT) as u32;
    let mut out = vec![
        [LD_W_ABS, 0, 0, vlan_present],
        // Untagged: skip the accept, run the program.
        [JEQ_K, 1, 0, 0],
        [RET_K, 0, 0, SNAPLEN as u32],
    ];
    out.extend(program);
    out
}

impl LiveSource {
    /// Opens every interface (before any frame is read); the first that
    /// cannot be opened is an error naming it.
    pub fn open(cfg: LiveConfig) -> Result<LiveSource, SourceError> {
        let mut filter = cfg.filter;
        let mut interfaces = Vec::new();
        for name in &cfg.interfaces {
            let fail = |e: std::io::Error| SourceError::Other(format!("--interface {name}: {e}"));
            let ifindex = socket::interface_index(name).ok_or_else(|| {
                SourceError::Other(format!("--interface {name}: no such interface"))
            })?;
            let mut link = LinkType::Ethernet;
            let socket = PacketSocket::open(ifindex, |hatype| {
                link = link_of(name, hatype)?;
                let program = match filter.as_mut() {
                    Some(f) => Some(kernel_filter(
                        f.kernel_program(link).map_err(|e| {
                            std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
                        })?,
                        link,
                    )),
                    None => None,
                };
                Ok(socket::Options {
                    promiscuous: cfg.promiscuous,
                    rcvbuf: RCVBUF,
                    filter: program,
                })
            })
            .map_err(fail)?;
            interfaces.push(Interface {
                name: name.clone(),
                socket: Arc::new(socket),
                link,
            });
        }
        if interfaces.is_empty() {
            return Err(SourceError::Other("no interface to capture".into()));
        }
        let shared = Arc::new(Shared {
            names: interfaces.iter().map(|i| i.name.clone()).collect(),
            sockets: interfaces.iter().map(|i| i.socket.clone()).collect(),
            received: interfaces.iter().map(|_| AtomicU64::new(0)).collect(),
            kernel_dropped: Mutex::new(vec![0; interfaces.len()]),
        });
        // Counters from before the first read (none: the socket filtered
        // from the start) are dropped with this first read.
        let _ = shared.read();
        Ok(LiveSource {
            fds: interfaces.iter().map(|i| i.socket.as_raw_fd()).collect(),
            interfaces,
            shared,
            filter,
            buf: vec![0; TAG + SNAPLEN],
            next: 0,
            last: 0,
            last_ts: Timestamp::default(),
        })
    }

    /// The interfaces' names, in order.
    pub fn interfaces(&self) -> Vec<&str> {
        self.interfaces.iter().map(|i| i.name.as_str()).collect()
    }

    fn monotonic(&mut self, ts: Timestamp) -> Timestamp {
        if ts > self.last_ts {
            self.last_ts = ts;
        }
        self.last_ts
    }
}

/// Puts back the VLAN tag `(tpid, tci)` the kernel removed from the
/// Ethernet frame in `buf[4..4 + len]`: the two MAC addresses move
/// 4 bytes to the front and the tag goes after them. Returns where the
/// frame starts and its length.
pub fn restore_vlan(buf: &mut [u8], len: usize, tag: Option<(u16, u16)>) -> (usize, usize) {
    match tag {
        Some((tpid, tci)) if len >= 12 && buf.len() >= TAG + len => {
            buf.copy_within(TAG..TAG + 12, 0);
            buf[12..14].copy_from_slice(&tpid.to_be_bytes());
            buf[14..16].copy_from_slice(&tci.to_be_bytes());
            (0, len + TAG)
        }
        _ => (TAG, len),
    }
}

fn wall_clock() -> Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        secs: d.as_secs(),
        usecs: d.subsec_micros(),
    }
}

impl PacketSource for LiveSource {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, SourceError> {
        let n = self.interfaces.len();
        let mut rejected = 0u32;
        let (i, start, len, wire_len, ts) = 'found: loop {
            for k in 0..n {
                let i = (self.next + k) % n;
                let got = self.interfaces[i]
                    .socket
                    .recv(&mut self.buf[TAG..])
                    .map_err(|e| {
                        SourceError::Other(format!("--interface {}: {e}", self.interfaces[i].name))
                    })?;
                let Some(r) = got else { continue };
                // Take turns: the next call starts with the next interface.
                self.next = (i + 1) % n;
                let link = self.interfaces[i].link;
                let tag = r.vlan.filter(|_| link == LinkType::Ethernet);
                let (start, len) = restore_vlan(&mut self.buf, r.captured, tag);
                let wire_len = r.wire_len + if start == 0 { TAG as u32 } else { 0 };
                // The kernel let every tagged frame through: filter it here.
                if let (Some(f), true) = (self.filter.as_mut(), start == 0) {
                    let keep = f
                        .matches(link, &self.buf[start..start + len])
                        .map_err(|e| SourceError::Other(e.to_string()))?;
                    if !keep {
                        rejected += 1;
                        if rejected >= MAX_REJECTED_IN_A_ROW {
                            return Ok(None);
                        }
                        continue;
                    }
                }
                let ts =
                    r.ts.map(|(secs, usecs)| Timestamp { secs, usecs })
                        .unwrap_or_else(wall_clock);
                break 'found (i, start, len, wire_len, ts);
            }
            match socket::poll(&self.fds, POLL_MS) {
                Ok(true) => continue,
                Ok(false) => return Ok(None),
                Err(e) => return Err(SourceError::Other(format!("--interface: {e}"))),
            }
        };
        self.shared.received[i].fetch_add(1, Ordering::Relaxed);
        self.last = i;
        let ts = self.monotonic(ts);
        Ok(Some(SourceItem::Packet(Packet {
            ts,
            link: self.interfaces[i].link,
            data: &self.buf[start..start + len],
            wire_len,
        })))
    }

    fn origin(&self) -> Option<String> {
        (self.interfaces.len() > 1).then(|| self.interfaces[self.last].name.clone())
    }

    fn origin_id(&self) -> usize {
        self.last
    }

    fn is_live(&self) -> bool {
        true
    }

    fn idle(&mut self) -> Option<Timestamp> {
        let now = wall_clock();
        Some(self.monotonic(now))
    }

    fn capture_stats(&self) -> Option<CaptureStatsReader> {
        let shared = self.shared.clone();
        Some(Arc::new(move || shared.read()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_tag_goes_back_after_the_addresses() {
        let frame: Vec<u8> = (1..=20).collect();
        let mut buf = vec![0u8; TAG + 64];
        buf[TAG..TAG + frame.len()].copy_from_slice(&frame);
        let (start, len) = restore_vlan(&mut buf, frame.len(), Some((0x8100, 0x002A)));
        assert_eq!((start, len), (0, 24));
        assert_eq!(&buf[..12], &frame[..12]);
        assert_eq!(&buf[12..16], &[0x81, 0x00, 0x00, 0x2A]);
        assert_eq!(&buf[16..24], &frame[12..]);
    }

    #[test]
    fn untagged_frames_stay_where_they_are() {
        let mut buf = vec![7u8; TAG + 64];
        assert_eq!(restore_vlan(&mut buf, 60, None), (TAG, 60));
        // Too short to hold two addresses: left alone.
        assert_eq!(restore_vlan(&mut buf, 10, Some((0x8100, 1))), (TAG, 10));
    }

    #[test]
    fn the_kernel_filter_lets_tagged_frames_through_first() {
        let p = kernel_filter(vec![[0x06, 0, 0, 0]], LinkType::Ethernet);
        assert_eq!(p.len(), 4);
        assert_eq!(p[0][3], 0xFFFF_F000 + 48);
        assert_eq!(p[2], [0x06, 0, 0, SNAPLEN as u32]);
        assert_eq!(
            kernel_filter(vec![[0x06, 0, 0, 0]], LinkType::RawIp).len(),
            1
        );
    }

    #[test]
    fn a_missing_interface_is_named() {
        let err = LiveSource::open(LiveConfig {
            interfaces: vec!["weir-no-such0".into()],
            ..LiveConfig::default()
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--interface weir-no-such0: no such interface"
        );
    }
}
