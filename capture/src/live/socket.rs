//! The `socket` module deals with one Linux `AF_PACKET` socket bound to one
//! interface, through libc: the only `unsafe` of the live source, each block
//! with its `SAFETY` line.
//!
//! Set up, in this order: a `SOCK_RAW` socket of protocol 0 (it receives
//! nothing yet), bound to the interface to learn its hardware type; then
//! `PACKET_AUXDATA` (the VLAN tag the kernel took off each frame, and the
//! frame's length on the wire), `SO_TIMESTAMP` (the kernel's receive time),
//! `SO_RCVBUFFORCE` (a large buffer, else `SO_RCVBUF`), `SO_ATTACH_FILTER`
//! (the `--filter` program), `PACKET_IGNORE_OUTGOING` on loopback only (there
//! every frame is seen leaving and arriving), `PACKET_ADD_MEMBERSHIP`
//! promiscuous (undone by the kernel when the socket closes); and only then
//! bound again with `ETH_P_ALL`, so that no frame arrives unfiltered. Frames
//! are read with `recvmsg` (the control messages carry the auxiliary data and
//! the time), never blocking: [`poll`] waits for any of several sockets.
#![allow(unsafe_code)]

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `ARPHRD_ETHER`.
pub const ARPHRD_ETHER: u16 = 1;
/// `ARPHRD_LOOPBACK`: frames look like Ethernet (zero addresses).
pub const ARPHRD_LOOPBACK: u16 = 772;
/// `ARPHRD_RAWIP`: frames are IP packets.
pub const ARPHRD_RAWIP: u16 = 519;
/// `ARPHRD_NONE` (tun devices): frames are IP packets.
pub const ARPHRD_NONE: u16 = 0xFFFE;

/// What the socket was asked to do besides capturing.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Put the interface in promiscuous mode while the socket is open.
    pub promiscuous: bool,
    /// Receive buffer size, bytes.
    pub rcvbuf: usize,
    /// Classic BPF program `(code, jt, jf, k)`, attached in the kernel.
    pub filter: Option<Vec<[u32; 4]>>,
}

/// One frame read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes of the frame in the buffer.
    pub captured: usize,
    /// Its length on the wire, as the kernel had it (without a removed tag).
    pub wire_len: u32,
    /// Kernel receive time: seconds, microseconds.
    pub ts: Option<(u64, u32)>,
    /// The VLAN tag the kernel removed: TPID, TCI.
    pub vlan: Option<(u16, u16)>,
}

/// An `AF_PACKET` socket bound to one interface.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
    ifindex: i32,
    hatype: u16,
}

fn last_error(what: &str) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

fn setsockopt<T>(fd: RawFd, level: i32, name: i32, value: &T, what: &str) -> io::Result<()> {
    // SAFETY: `value` is a live, initialised `T` and the length passed is its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(last_error(what))
    }
}

fn bind(fd: RawFd, ifindex: i32, protocol: u16) -> io::Result<()> {
    // SAFETY: sockaddr_ll is plain data; all-zero is a valid value.
    let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = protocol.to_be();
    addr.sll_ifindex = ifindex;
    // SAFETY: `addr` is a valid sockaddr_ll and the length is its size.
    let rc = unsafe {
        libc::bind(
            fd,
            (&addr as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(last_error("bind"))
    }
}

/// The interface index of `name`; `None` when there is no such interface.
pub fn interface_index(name: &str) -> Option<i32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: `c` is a NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (index != 0).then_some(index as i32)
}

impl PacketSocket {
    /// Opens a socket on interface `ifindex`. `program_for` gets the
    /// interface's hardware type (`ARPHRD_*`) and returns the options (the
    /// filter depends on the link type).
    pub fn open(
        ifindex: i32,
        program_for: impl FnOnce(u16) -> io::Result<Options>,
    ) -> io::Result<PacketSocket> {
        // SAFETY: plain system call; the result is checked.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            )
        };
        if raw < 0 {
            return Err(last_error(
                "cannot open a packet socket (needs root or CAP_NET_RAW)",
            ));
        }
        // SAFETY: `raw` is a socket just opened and owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        bind(fd.as_raw_fd(), ifindex, 0)?;
        let hatype = {
            // SAFETY: sockaddr_ll is plain data; all-zero is a valid value.
            let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
            let mut len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            // SAFETY: `addr` has room for `len` bytes; the kernel writes at most that.
            let rc = unsafe {
                libc::getsockname(
                    fd.as_raw_fd(),
                    (&mut addr as *mut libc::sockaddr_ll).cast(),
                    &mut len,
                )
            };
            if rc != 0 {
                return Err(last_error("getsockname"));
            }
            addr.sll_hatype
        };
        let opts = program_for(hatype)?;
        let s = PacketSocket {
            fd,
            ifindex,
            hatype,
        };
        let fd = s.fd.as_raw_fd();
        let one: libc::c_int = 1;
        setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_AUXDATA,
            &one,
            "PACKET_AUXDATA",
        )?;
        setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMP,
            &one,
            "SO_TIMESTAMP",
        )?;
        if opts.rcvbuf > 0 {
            let size = libc::c_int::try_from(opts.rcvbuf).unwrap_or(libc::c_int::MAX);
            // SO_RCVBUFFORCE passes the rmem_max cap (needs CAP_NET_ADMIN);
            // without it, ask for what the cap allows.
            setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                &size,
                "SO_RCVBUFFORCE",
            )
            .or_else(|_| setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &size, "SO_RCVBUF"))?;
        }
        if let Some(program) = &opts.filter {
            let mut insns: Vec<libc::sock_filter> = program
                .iter()
                .map(|&[code, jt, jf, k]| libc::sock_filter {
                    code: code as u16,
                    jt: jt as u8,
                    jf: jf as u8,
                    k,
                })
                .collect();
            let fprog = libc::sock_fprog {
                len: insns.len() as u16,
                filter: insns.as_mut_ptr(),
            };
            // The kernel copies the program during the call.
            setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                &fprog,
                "SO_ATTACH_FILTER",
            )?;
        }
        if hatype == ARPHRD_LOOPBACK {
            setsockopt(
                fd,
                libc::SOL_PACKET,
                libc::PACKET_IGNORE_OUTGOING,
                &one,
                "PACKET_IGNORE_OUTGOING",
            )?;
        }
        if opts.promiscuous {
            // SAFETY: packet_mreq is plain data; all-zero is a valid value.
            let mut mreq: libc::packet_mreq = unsafe { zeroed() };
            mreq.mr_ifindex = ifindex;
            mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
            setsockopt(
                fd,
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                &mreq,
                "PACKET_ADD_MEMBERSHIP (promiscuous)",
            )?;
        }
        bind(fd, ifindex, libc::ETH_P_ALL as u16)?;
        Ok(s)
    }

    /// The interface's hardware type (`ARPHRD_*`).
    pub fn hatype(&self) -> u16 {
        self.hatype
    }

    /// The interface index.
    pub fn ifindex(&self) -> i32 {
        self.ifindex
    }

    /// Reads one frame into `buf` without waiting; `Ok(None)` when none is
    /// queued.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<Received>> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // Room for the auxiliary data and the time, 8-byte aligned.
        let mut control = [0u64; 16];
        // SAFETY: msghdr is plain data; all-zero is a valid value.
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = size_of_val(&control);
        // SAFETY: `msg` points at `iov` (into `buf`) and `control`, both
        // live and of the lengths given, for the duration of the call.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(io::Error::new(e.kind(), format!("recvmsg: {e}"))),
            };
        }
        let mut got = Received {
            captured: (n as usize).min(buf.len()),
            wire_len: u32::try_from(n).unwrap_or(u32::MAX),
            ts: None,
            vlan: None,
        };
        // SAFETY: `msg` was filled by recvmsg; CMSG_FIRSTHDR/CMSG_NXTHDR
        // stay within `msg_controllen` bytes of `control`, and each
        // payload is read unaligned, by value, only when its level and
        // type say what it holds.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                let c = &*cmsg;
                let data = libc::CMSG_DATA(cmsg);
                if c.cmsg_level == libc::SOL_PACKET && c.cmsg_type == libc::PACKET_AUXDATA {
                    let aux: libc::tpacket_auxdata = std::ptr::read_unaligned(data.cast());
                    got.wire_len = aux.tp_len;
                    let valid =
                        aux.tp_vlan_tci != 0 || aux.tp_status & libc::TP_STATUS_VLAN_VALID != 0;
                    if valid {
                        let tpid = if aux.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                            aux.tp_vlan_tpid
                        } else {
                            0x8100
                        };
                        got.vlan = Some((tpid, aux.tp_vlan_tci));
                    }
                } else if c.cmsg_level == libc::SOL_SOCKET && c.cmsg_type == libc::SCM_TIMESTAMP {
                    let tv: libc::timeval = std::ptr::read_unaligned(data.cast());
                    got.ts = Some((tv.tv_sec.max(0) as u64, tv.tv_usec.clamp(0, 999_999) as u32));
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        Ok(Some(got))
    }

    /// The kernel's counters since the last call (reading resets them):
    /// frames that passed the filter, frames dropped for want of room.
    pub fn take_stats(&self) -> io::Result<(u64, u64)> {
        // SAFETY: tpacket_stats is plain data; all-zero is a valid value.
        let mut st: libc::tpacket_stats = unsafe { zeroed() };
        let mut len = size_of::<libc::tpacket_stats>() as libc::socklen_t;
        // SAFETY: `st` has room for `len` bytes; the kernel writes at most that.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut st as *mut libc::tpacket_stats).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(last_error("PACKET_STATISTICS"));
        }
        Ok((u64::from(st.tp_packets), u64::from(st.tp_drops)))
    }
}

impl AsRawFd for PacketSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Waits up to `timeout_ms` for any of `fds` to be readable (or in error);
/// returns whether one is. A signal ends the wait early (`false`).
pub fn poll(fds: &[RawFd], timeout_ms: i32) -> io::Result<bool> {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `p` holds `p.len()` initialised pollfd entries for the call.
    let rc = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, timeout_ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(io::Error::new(e.kind(), format!("poll: {e}")));
    }
    Ok(rc > 0)
}
