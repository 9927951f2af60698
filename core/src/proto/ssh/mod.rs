//! The `ssh` module deals with the clear-text start of an SSH connection
//! (RFC 4253): it turns the two reassembled byte streams of one TCP
//! connection into [`SshEvent`]s — each side's identification string and
//! each side's `SSH_MSG_KEXINIT`, with its HASSH fingerprint.
//!
//! Brief overview:
//! - [`SshSession`]: one per TCP connection, fed with [`SshSession::data`],
//!   [`SshSession::gap`] and [`SshSession::end`] per [`Side`].
//! - [`looks_like_ssh`]: content detection (`SSH-` at the start of a stream).
//! - [`parse_version`], [`parse_kexinit`]: the two parsers, usable alone.
//!
//! **What is read.** Per side: lines before the identification string (RFC
//! 4253 §4.2 allows them from the server; they are accepted from both sides
//! and counted), the identification line `SSH-protoversion-softwareversion
//! SP comments` ended by CR LF or a bare LF, then binary packets
//! (`packet_length`, `padding_length`, payload, padding) while they are
//! still unencrypted. Every packet up to and including `SSH_MSG_NEWKEYS` is
//! framed; a `SSH_MSG_KEXINIT` among them is decoded and reported. After
//! `NEWKEYS` the side is encrypted and the rest is only counted
//! ([`SshStats::encrypted_bytes`]). A side that announces protocol 1.x (not
//! 1.99) uses another packet format and is counted the same way.
//!
//! **HASSH.** As Salesforce defines it (and tshark computes it): HASSH is
//! the MD5 of `kex;ciphers_c2s;macs_c2s;compression_c2s` taken from the
//! client's KEXINIT, HASSHServer the MD5 of
//! `kex;ciphers_s2c;macs_s2c;compression_s2c` from the server's. Both are in
//! [`SshKexInit::hassh`], with the hashed string in
//! [`SshKexInit::hassh_algorithms`].
//!
//! **Bounds.** Per side one buffer, at most [`SshConfig::max_packet`] bytes
//! (a line is at most [`SshConfig::max_line`]). Lines before the
//! identification are capped by [`SshConfig::max_preamble`]. After an error
//! or a gap the side is *lost*: its bytes are counted and skipped to the end
//! (nothing in an SSH stream marks a resynchronisation point). Nothing
//! panics on any input, and for any input the events do not depend on how
//! the bytes were split into data calls.
//!
//! ```
//! use weir_core::proto::ssh::{Side, SshConfig, SshEvent, SshSession};
//! use weir_core::source::Timestamp;
//!
//! let mut s = SshSession::new(SshConfig::default());
//! let mut ev = Vec::new();
//! s.data(Side::Server, Timestamp::from_secs(1), b"SSH-2.0-OpenSSH_9.6 Debian\r\n", &mut ev);
//! assert!(matches!(&ev[0], SshEvent::Version(v) if v.software == "OpenSSH_9.6"
//!     && v.comments.as_deref() == Some("Debian")));
//! ```

mod session;

#[cfg(test)]
mod tests;

pub use super::http::{Detection, Side};
pub use session::SshSession;

use crate::source::Timestamp;
use md5::{Digest, Md5};

/// Limits of a session. Every limit bounds what one peer can make the
/// engine hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshConfig {
    /// Longest line (identification or earlier line), CR LF included. RFC
    /// 4253 §4.2 says 255. A longer identification line is an error
    /// ([`SshStats::bad_version`]); a longer earlier line is skipped to its
    /// LF. Default 255.
    pub max_line: usize,
    /// The identification line must end within the first `max_preamble`
    /// bytes of the side (earlier lines included); otherwise the side is
    /// lost at that byte ([`SshStats::bad_version`]). Default 8 KiB.
    pub max_preamble: usize,
    /// Largest binary packet buffered, `packet_length` field included (RFC
    /// 4253 §6.1 requires 35000 to be accepted). A larger one is counted in
    /// [`SshStats::packet_too_large`] and the side is lost. Default 64 KiB.
    pub max_packet: usize,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            max_line: 255,
            max_preamble: 8 * 1024,
            max_packet: 64 * 1024,
        }
    }
}

/// What [`SshSession`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshEvent {
    /// A side's identification string was read.
    Version(SshVersion),
    /// A side's `SSH_MSG_KEXINIT` was read (boxed: it is the large variant).
    KexInit(Box<SshKexInit>),
}

/// An identification string (RFC 4253 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshVersion {
    /// Who sent it.
    pub side: Side,
    /// Timestamp of the data call that completed the line.
    pub ts: Timestamp,
    /// The whole line without CR LF, e.g. `SSH-2.0-OpenSSH_6.7p1 Debian-3`
    /// (bytes that are not UTF-8 are replaced by U+FFFD).
    pub text: String,
    /// `2.0`, `1.99`, `1.5`…
    pub proto_version: String,
    /// Up to the first space after the protocol version, e.g. `OpenSSH_6.7p1`.
    pub software: String,
    /// After that space, if there is one, e.g. `Debian-3`.
    pub comments: Option<String>,
}

/// An `SSH_MSG_KEXINIT` (RFC 4253 §7.1). Name-lists are kept as sent
/// (comma-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKexInit {
    /// Who sent it.
    pub side: Side,
    /// Timestamp of the data call that completed the packet.
    pub ts: Timestamp,
    /// The 16 random bytes.
    pub cookie: [u8; 16],
    /// `kex_algorithms`.
    pub kex: String,
    /// `server_host_key_algorithms`.
    pub host_key: String,
    /// `encryption_algorithms_client_to_server`.
    pub ciphers_c2s: String,
    /// `encryption_algorithms_server_to_client`.
    pub ciphers_s2c: String,
    /// `mac_algorithms_client_to_server`.
    pub macs_c2s: String,
    /// `mac_algorithms_server_to_client`.
    pub macs_s2c: String,
    /// `compression_algorithms_client_to_server`.
    pub compression_c2s: String,
    /// `compression_algorithms_server_to_client`.
    pub compression_s2c: String,
    /// `languages_client_to_server`.
    pub languages_c2s: String,
    /// `languages_server_to_client`.
    pub languages_s2c: String,
    /// `first_kex_packet_follows`.
    pub first_kex_packet_follows: bool,
    /// The string HASSH (client) or HASSHServer (server) hashes:
    /// `kex;ciphers;macs;compression` in the sender's direction.
    pub hassh_algorithms: String,
    /// Lower-case hex MD5 of [`SshKexInit::hassh_algorithms`].
    pub hassh: String,
}

/// Whether a stream starting with `first` is SSH: `SSH-` at its start.
/// Servers may send other lines first (RFC 4253 §4.2); such streams are
/// not detected here, but the client side of the same connection is.
pub fn looks_like_ssh(first: &[u8]) -> Detection {
    const START: &[u8] = b"SSH-";
    if first.starts_with(START) {
        Detection::Yes
    } else if START.starts_with(first) {
        Detection::NeedMore
    } else {
        Detection::No
    }
}

/// What is wrong with an identification line or a KEXINIT payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SshError {
    /// The line does not start `SSH-<version>-`.
    #[error("identification line is not SSH-<version>-<software>")]
    BadVersion,
    /// The payload ends inside the named field.
    #[error("KEXINIT truncated in {0}")]
    MissingData(&'static str),
    /// The payload is not a KEXINIT (message number 20).
    #[error("not a KEXINIT message")]
    NotKexInit,
}

/// Parses an identification line given without its CR LF / LF.
pub fn parse_version(side: Side, ts: Timestamp, line: &[u8]) -> Result<SshVersion, SshError> {
    let rest = line.strip_prefix(b"SSH-").ok_or(SshError::BadVersion)?;
    let dash = rest
        .iter()
        .position(|&b| b == b'-')
        .ok_or(SshError::BadVersion)?;
    let (proto, soft) = (&rest[..dash], &rest[dash + 1..]);
    if proto.is_empty() || proto.contains(&b' ') {
        return Err(SshError::BadVersion);
    }
    let (software, comments) = match soft.iter().position(|&b| b == b' ') {
        Some(i) => (&soft[..i], Some(lossy(&soft[i + 1..]))),
        None => (soft, None),
    };
    Ok(SshVersion {
        side,
        ts,
        text: lossy(line),
        proto_version: lossy(proto),
        software: lossy(software),
        comments,
    })
}

/// Parses a KEXINIT payload (message number byte first, padding excluded).
pub fn parse_kexinit(side: Side, ts: Timestamp, payload: &[u8]) -> Result<SshKexInit, SshError> {
    let mut r = payload;
    let (&msg, rest) = r
        .split_first()
        .ok_or(SshError::MissingData("message number"))?;
    if msg != MSG_KEXINIT {
        return Err(SshError::NotKexInit);
    }
    r = rest;
    let (cookie, rest) = r
        .split_first_chunk::<16>()
        .ok_or(SshError::MissingData("cookie"))?;
    r = rest;
    let mut next = |what: &'static str| -> Result<String, SshError> {
        let (len, rest) = r
            .split_first_chunk::<4>()
            .ok_or(SshError::MissingData(what))?;
        let len = u32::from_be_bytes(*len) as usize;
        if rest.len() < len {
            return Err(SshError::MissingData(what));
        }
        let (s, rest) = rest.split_at(len);
        r = rest;
        Ok(lossy(s))
    };
    let kex = next("kex_algorithms")?;
    let host_key = next("server_host_key_algorithms")?;
    let ciphers_c2s = next("encryption_algorithms_client_to_server")?;
    let ciphers_s2c = next("encryption_algorithms_server_to_client")?;
    let macs_c2s = next("mac_algorithms_client_to_server")?;
    let macs_s2c = next("mac_algorithms_server_to_client")?;
    let compression_c2s = next("compression_algorithms_client_to_server")?;
    let compression_s2c = next("compression_algorithms_server_to_client")?;
    let languages_c2s = next("languages_client_to_server")?;
    let languages_s2c = next("languages_server_to_client")?;
    let first_kex_packet_follows = match r.first() {
        Some(&b) => b != 0,
        None => return Err(SshError::MissingData("first_kex_packet_follows")),
    };
    let hassh_algorithms = match side {
        Side::Client => format!("{kex};{ciphers_c2s};{macs_c2s};{compression_c2s}"),
        Side::Server => format!("{kex};{ciphers_s2c};{macs_s2c};{compression_s2c}"),
    };
    let hassh = hex(&Md5::digest(hassh_algorithms.as_bytes()));
    Ok(SshKexInit {
        side,
        ts,
        cookie: *cookie,
        kex,
        host_key,
        ciphers_c2s,
        ciphers_s2c,
        macs_c2s,
        macs_s2c,
        compression_c2s,
        compression_s2c,
        languages_c2s,
        languages_s2c,
        first_kex_packet_follows,
        hassh_algorithms,
        hassh,
    })
}

/// `SSH_MSG_KEXINIT`.
pub const MSG_KEXINIT: u8 = 20;
/// `SSH_MSG_NEWKEYS`.
pub const MSG_NEWKEYS: u8 = 21;

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Counters of one session (or, summed with [`SshStats::add`], of many).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SshStats {
    /// Identification strings read.
    pub versions: u64,
    /// KEXINIT messages read.
    pub kexinits: u64,
    /// Binary packets framed (KEXINIT and NEWKEYS included).
    pub packets: u64,
    /// Lines before an identification string.
    pub preamble_lines: u64,
    /// Identification lines that are not `SSH-x-y`, too long, or a preamble
    /// over [`SshConfig::max_preamble`].
    pub bad_version: u64,
    /// Packets with an impossible `packet_length` / `padding_length`, or a
    /// KEXINIT that does not parse.
    pub bad_packet: u64,
    /// Packets longer than [`SshConfig::max_packet`].
    pub packet_too_large: u64,
    /// Bytes after NEWKEYS (or after a 1.x banner), not parsed.
    pub encrypted_bytes: u64,
    /// Bytes skipped on a lost side (after an error or a gap), gap lengths
    /// included, and partial lines or packets left at the end.
    pub skipped_bytes: u64,
    /// Gaps reported.
    pub gaps: u64,
}

impl SshStats {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &SshStats) {
        let SshStats {
            versions,
            kexinits,
            packets,
            preamble_lines,
            bad_version,
            bad_packet,
            packet_too_large,
            encrypted_bytes,
            skipped_bytes,
            gaps,
        } = other;
        self.versions += versions;
        self.kexinits += kexinits;
        self.packets += packets;
        self.preamble_lines += preamble_lines;
        self.bad_version += bad_version;
        self.bad_packet += bad_packet;
        self.packet_too_large += packet_too_large;
        self.encrypted_bytes += encrypted_bytes;
        self.skipped_bytes += skipped_bytes;
        self.gaps += gaps;
    }
}
