//! The per-connection state machine behind [`SshSession`].

use super::{
    parse_kexinit, parse_version, Side, SshConfig, SshEvent, SshStats, MSG_KEXINIT, MSG_NEWKEYS,
};
use crate::source::Timestamp;

/// Where one side of the connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading lines until the identification string. `consumed`: bytes
    /// of the side so far; `line_len`: bytes of the current line so far
    /// (its first ones are in the buffer); `skipping`: inside a line longer
    /// than `max_line`, dropped up to its LF.
    Lines {
        consumed: usize,
        line_len: usize,
        skipping: bool,
    },
    /// Framing unencrypted binary packets.
    Packets,
    /// After NEWKEYS (or a 1.x banner): counted, not parsed.
    Encrypted,
    /// After an error or a gap: counted, not parsed.
    Lost,
    /// After [`SshSession::end`].
    Ended,
}

#[derive(Debug, Clone)]
struct Half {
    phase: Phase,
    /// The line or packet being read; at most `max_line` or `max_packet`
    /// bytes.
    buf: Vec<u8>,
}

impl Half {
    fn new() -> Half {
        Half {
            phase: Phase::Lines {
                consumed: 0,
                line_len: 0,
                skipping: false,
            },
            buf: Vec::new(),
        }
    }
}

/// The clear-text start of one SSH connection, both directions. See the
/// [module docs](super) for what is parsed and the bounds.
#[derive(Debug, Clone)]
pub struct SshSession {
    cfg: SshConfig,
    client: Half,
    server: Half,
    stats: SshStats,
}

impl SshSession {
    /// A session before any byte.
    pub fn new(cfg: SshConfig) -> SshSession {
        SshSession {
            cfg,
            client: Half::new(),
            server: Half::new(),
            stats: SshStats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> &SshStats {
        &self.stats
    }

    /// Bytes held for `side` (a partial line or packet).
    pub fn buffered_bytes(&self, side: Side) -> usize {
        self.half(side).buf.len()
    }

    /// Whether `side` can still produce events: false once it is
    /// encrypted, lost or ended. When both are false the caller may drop
    /// the session.
    pub fn parsing(&self, side: Side) -> bool {
        matches!(self.half(side).phase, Phase::Lines { .. } | Phase::Packets)
    }

    fn half(&self, side: Side) -> &Half {
        match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }

    /// The next in-order bytes of `side`, read at `ts`; events go to `out`.
    pub fn data(&mut self, side: Side, ts: Timestamp, bytes: &[u8], out: &mut Vec<SshEvent>) {
        let cfg = &self.cfg;
        let stats = &mut self.stats;
        let h = match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        };
        let mut rest = bytes;
        while !rest.is_empty() {
            match h.phase {
                Phase::Encrypted => {
                    stats.encrypted_bytes += rest.len() as u64;
                    return;
                }
                Phase::Lost | Phase::Ended => {
                    stats.skipped_bytes += rest.len() as u64;
                    return;
                }
                Phase::Lines {
                    consumed,
                    line_len,
                    skipping,
                } => {
                    // Every decision is taken at an exact byte offset of the
                    // side's stream, so the outcome does not depend on how
                    // the bytes were split into calls.
                    let budget = cfg.max_preamble.saturating_sub(consumed);
                    if budget == 0 {
                        stats.bad_version += 1;
                        h.buf.clear();
                        h.phase = Phase::Lost;
                        continue;
                    }
                    let window = &rest[..rest.len().min(budget)];
                    let (chunk, eol) = match window.iter().position(|&b| b == b'\n') {
                        Some(i) => (&window[..=i], true),
                        None => (window, false),
                    };
                    if skipping {
                        rest = &rest[chunk.len()..];
                        h.phase = Phase::Lines {
                            consumed: consumed + chunk.len(),
                            line_len: 0,
                            skipping: !eol,
                        };
                        continue;
                    }
                    let room = cfg.max_line.saturating_sub(line_len);
                    if chunk.len() > room {
                        // The line is longer than max_line: an error for an
                        // identification line, a skipped line otherwise.
                        h.buf.extend_from_slice(&chunk[..room]);
                        rest = &rest[room..];
                        let ssh = h.buf.starts_with(b"SSH-");
                        h.buf.clear();
                        if ssh {
                            stats.bad_version += 1;
                            h.phase = Phase::Lost;
                        } else {
                            stats.preamble_lines += 1;
                            h.phase = Phase::Lines {
                                consumed: consumed + room,
                                line_len: 0,
                                skipping: true,
                            };
                        }
                        continue;
                    }
                    h.buf.extend_from_slice(chunk);
                    rest = &rest[chunk.len()..];
                    let consumed = consumed + chunk.len();
                    if !eol {
                        h.phase = Phase::Lines {
                            consumed,
                            line_len: line_len + chunk.len(),
                            skipping: false,
                        };
                        continue;
                    }
                    let mut line = &h.buf[..h.buf.len() - 1];
                    if let Some(l) = line.strip_suffix(b"\r") {
                        line = l;
                    }
                    h.phase = Phase::Lines {
                        consumed,
                        line_len: 0,
                        skipping: false,
                    };
                    if line.starts_with(b"SSH-") {
                        match parse_version(side, ts, line) {
                            Ok(v) => {
                                stats.versions += 1;
                                let v1 =
                                    v.proto_version.starts_with("1.") && v.proto_version != "1.99";
                                h.phase = if v1 { Phase::Encrypted } else { Phase::Packets };
                                out.push(SshEvent::Version(v));
                            }
                            Err(_) => {
                                stats.bad_version += 1;
                                h.phase = Phase::Lost;
                            }
                        }
                    } else {
                        stats.preamble_lines += 1;
                    }
                    h.buf.clear();
                }
                Phase::Packets => {
                    if h.buf.len() < 4 {
                        let n = (4 - h.buf.len()).min(rest.len());
                        h.buf.extend_from_slice(&rest[..n]);
                        rest = &rest[n..];
                        if h.buf.len() < 4 {
                            continue;
                        }
                    }
                    let len = u32::from_be_bytes([h.buf[0], h.buf[1], h.buf[2], h.buf[3]]);
                    let total = 4 + len as usize;
                    if len < 2 || total > cfg.max_packet {
                        if len < 2 {
                            stats.bad_packet += 1;
                        } else {
                            stats.packet_too_large += 1;
                        }
                        stats.skipped_bytes += (h.buf.len() + rest.len()) as u64;
                        h.buf.clear();
                        h.phase = Phase::Lost;
                        return;
                    }
                    let n = (total - h.buf.len()).min(rest.len());
                    h.buf.extend_from_slice(&rest[..n]);
                    rest = &rest[n..];
                    if h.buf.len() < total {
                        continue;
                    }
                    let padding = usize::from(h.buf[4]);
                    let Some(payload_len) = (len as usize).checked_sub(padding + 1) else {
                        stats.bad_packet += 1;
                        stats.skipped_bytes += (h.buf.len() + rest.len()) as u64;
                        h.buf.clear();
                        h.phase = Phase::Lost;
                        return;
                    };
                    stats.packets += 1;
                    let payload = &h.buf[5..5 + payload_len];
                    match payload.first() {
                        Some(&MSG_KEXINIT) => match parse_kexinit(side, ts, payload) {
                            Ok(k) => {
                                stats.kexinits += 1;
                                out.push(SshEvent::KexInit(Box::new(k)));
                            }
                            Err(_) => stats.bad_packet += 1,
                        },
                        Some(&MSG_NEWKEYS) => h.phase = Phase::Encrypted,
                        _ => {}
                    }
                    h.buf.clear();
                }
            }
        }
    }

    /// `len` bytes of `side` are missing from the capture: the side is lost
    /// (unless already encrypted, where the gap is counted as encrypted).
    pub fn gap(&mut self, side: Side, len: u64, _out: &mut Vec<SshEvent>) {
        let stats = &mut self.stats;
        let h = match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        };
        stats.gaps += 1;
        match h.phase {
            Phase::Encrypted => stats.encrypted_bytes += len,
            Phase::Ended | Phase::Lost => stats.skipped_bytes += len,
            Phase::Lines { .. } | Phase::Packets => {
                stats.skipped_bytes += len + h.buf.len() as u64;
                h.buf.clear();
                h.phase = Phase::Lost;
            }
        }
    }

    /// `side` has ended (FIN, RST or end of capture); a partial line or
    /// packet is counted as skipped. Later data on that side is skipped.
    pub fn end(&mut self, side: Side, _ts: Timestamp, _out: &mut Vec<SshEvent>) {
        let stats = &mut self.stats;
        let h = match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        };
        stats.skipped_bytes += h.buf.len() as u64;
        h.buf = Vec::new();
        h.phase = Phase::Ended;
    }
}
