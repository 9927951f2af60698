//! [`TlsSession`]: one TCP connection's two record streams turned into
//! [`TlsEvent`]s.

use super::fingerprint::{ja3_md5, ja3_string, ja3s_string, ja4, HelloValues};
use super::handshake::{certificate_list, msg_type, ClientHello, ServerHello};
use super::record::{content_type, Counts, Item, Next, Reassembler};
use super::{
    CertificatesEvent, ClientHelloEvent, ServerHelloEvent, Side, TlsConfig, TlsEvent, TlsStats,
};
use crate::source::Timestamp;

/// TLS 1.3's version number.
const TLS13: u16 = 0x0304;

/// The TLS parser of one connection. See the [module doc](super).
#[derive(Debug, Clone)]
pub struct TlsSession {
    cfg: TlsConfig,
    sides: [Reassembler; 2],
    /// The version the last (non-HRR) ServerHello selected; HRR's too, as
    /// it already says TLS 1.3.
    version: Option<u16>,
    stats: TlsStats,
    /// Reassembler counters already added to `stats`, per side.
    counted: [Counts; 2],
}

fn idx(side: Side) -> usize {
    match side {
        Side::Client => 0,
        Side::Server => 1,
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What the record callback needs of the session while a reassembler is
/// borrowed.
struct Ctx<'c> {
    cfg: &'c TlsConfig,
    version: &'c mut Option<u16>,
    stats: &'c mut TlsStats,
    side: Side,
    ts: Timestamp,
    out: &'c mut Vec<TlsEvent>,
}

impl Ctx<'_> {
    fn item(&mut self, item: Item<'_>) -> Next {
        match item {
            Item::Record {
                content_type: t,
                encrypted: false,
                ..
            } => {
                if t == content_type::APPLICATION_DATA
                    || (t == content_type::CHANGE_CIPHER_SPEC && *self.version != Some(TLS13))
                {
                    return Next::Encrypt;
                }
                Next::Continue
            }
            Item::Record { .. } => Next::Continue,
            Item::Lost(m) => {
                match m.0 {
                    "record header" => self.stats.bad_record_header += 1,
                    "gap" => self.stats.gap_lost += 1,
                    _ => self.stats.handshake_too_large += 1,
                }
                Next::Continue
            }
            Item::Handshake { msg_type, body } => {
                self.stats.handshake_messages += 1;
                self.handshake(msg_type, body)
            }
        }
    }

    fn handshake(&mut self, t: u8, body: &[u8]) -> Next {
        match t {
            msg_type::CLIENT_HELLO => match ClientHello::parse(body) {
                Ok(ch) => {
                    let ev = self.client_hello(&ch);
                    self.out.push(TlsEvent::ClientHello(Box::new(ev)));
                }
                Err(_) => self.stats.bad_client_hello += 1,
            },
            msg_type::SERVER_HELLO => match ServerHello::parse(body) {
                Ok(sh) => {
                    let version = sh.selected_version().unwrap_or_else(|_| {
                        self.stats.bad_extension += 1;
                        sh.legacy_version
                    });
                    let alpn = sh.alpn().unwrap_or_else(|_| {
                        self.stats.bad_extension += 1;
                        None
                    });
                    let hello_retry = sh.is_hello_retry_request();
                    *self.version = Some(version);
                    let extensions = sh.extensions.types();
                    let ja3s = ja3s_string(sh.legacy_version, sh.cipher_suite, &extensions);
                    self.out.push(TlsEvent::ServerHello(ServerHelloEvent {
                        ts: self.ts,
                        side: self.side,
                        legacy_version: sh.legacy_version,
                        version,
                        cipher: sh.cipher_suite,
                        alpn: alpn.map(lossy),
                        extensions,
                        hello_retry,
                        ja3s_md5: ja3_md5(&ja3s),
                        ja3s,
                    }));
                    if version == TLS13 && !hello_retry {
                        // EncryptedExtensions onwards are encrypted.
                        return Next::Encrypt;
                    }
                }
                Err(_) => self.stats.bad_server_hello += 1,
            },
            // A TLS 1.3 Certificate is never in clear (the side has stopped);
            // the check guards against a peer lying about the version.
            msg_type::CERTIFICATE if *self.version != Some(TLS13) => match certificate_list(body) {
                Ok(list) => self.out.push(TlsEvent::Certificates(CertificatesEvent {
                    ts: self.ts,
                    side: self.side,
                    count: list.len(),
                    certs: if self.cfg.certificates {
                        list.iter().map(|c| c.to_vec()).collect()
                    } else {
                        Vec::new()
                    },
                })),
                Err(_) => self.stats.bad_certificate += 1,
            },
            _ => {}
        }
        Next::Continue
    }

    fn client_hello(&mut self, ch: &ClientHello<'_>) -> ClientHelloEvent {
        let mut bad = 0;
        let sni = ch.server_name().unwrap_or_else(|_| {
            bad += 1;
            None
        });
        let alpn = ch.alpn().unwrap_or_else(|_| {
            bad += 1;
            Vec::new()
        });
        bad += [
            ch.supported_versions().is_err(),
            ch.supported_groups().is_err(),
            ch.ec_point_formats().is_err(),
            ch.signature_algorithms().is_err(),
        ]
        .iter()
        .filter(|&&e| e)
        .count() as u64;
        self.stats.bad_extension += bad;
        let v = HelloValues::of(ch);
        let ja3 = ja3_string(&v);
        ClientHelloEvent {
            ts: self.ts,
            side: self.side,
            legacy_version: ch.legacy_version,
            sni: sni.map(lossy),
            alpn: alpn.into_iter().map(lossy).collect(),
            ja3_md5: ja3_md5(&ja3),
            ja4: ja4(&v),
            ja3,
            versions: v.supported_versions,
            ciphers: v.ciphers,
            extensions: v.extensions,
            groups: v.groups,
            point_formats: v.point_formats,
            signature_algorithms: v.signature_algorithms,
        }
    }
}

impl TlsSession {
    /// A session with the limits of `cfg`.
    pub fn new(cfg: TlsConfig) -> TlsSession {
        let r = Reassembler::new(cfg.max_handshake_bytes);
        TlsSession {
            cfg,
            sides: [r.clone(), r],
            version: None,
            stats: TlsStats::default(),
            counted: [Counts::default(); 2],
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> &TlsStats {
        &self.stats
    }

    /// Bytes held for `side` (a partial record header and handshake message).
    pub fn buffered_bytes(&self, side: Side) -> usize {
        self.sides[idx(side)].buffered_bytes()
    }

    /// Whether `side` stopped parsing (the rest of it is encrypted).
    pub fn is_encrypted(&self, side: Side) -> bool {
        self.sides[idx(side)].is_encrypted()
    }

    /// Whether both sides have nothing more to parse in clear, so a caller
    /// may stop feeding the session (only counters would change).
    pub fn is_done(&self) -> bool {
        self.sides.iter().all(|s| s.is_encrypted() || s.is_lost())
    }

    /// The version the ServerHello selected, once seen.
    pub fn version(&self) -> Option<u16> {
        self.version
    }

    /// Feeds the next in-order bytes of `side`, received at `ts`; events go
    /// to `out`.
    pub fn data(&mut self, side: Side, ts: Timestamp, bytes: &[u8], out: &mut Vec<TlsEvent>) {
        let k = idx(side);
        let mut ctx = Ctx {
            cfg: &self.cfg,
            version: &mut self.version,
            stats: &mut self.stats,
            side,
            ts,
            out,
        };
        self.sides[k].push(bytes, &mut |i| ctx.item(i));
        self.sync(k);
    }

    /// `len` bytes of `side` are missing from the capture.
    pub fn gap(&mut self, side: Side, len: u64, out: &mut Vec<TlsEvent>) {
        let k = idx(side);
        let mut ctx = Ctx {
            cfg: &self.cfg,
            version: &mut self.version,
            stats: &mut self.stats,
            side,
            ts: Timestamp::default(),
            out,
        };
        self.sides[k].gap(len, &mut |i| ctx.item(i));
        self.sync(k);
    }

    /// `side` ended (FIN, RST or end of capture). A partial record or
    /// message is dropped; there is nothing to flush.
    pub fn end(&mut self, side: Side, _ts: Timestamp, _out: &mut Vec<TlsEvent>) {
        let k = idx(side);
        // Whatever was held can never complete.
        let lost = self.sides[k].buffered_bytes() as u64;
        self.sides[k] = Reassembler::new(self.cfg.max_handshake_bytes);
        self.stats.lost_bytes = self.stats.lost_bytes.saturating_add(lost);
        // Keep the counters monotonic: the fresh reassembler starts at zero.
        self.counted[k] = Counts::default();
        self.sides[k].encrypt();
    }

    /// Moves the reassembler's byte counters into the stats.
    fn sync(&mut self, k: usize) {
        let now = self.sides[k].counts();
        let was = self.counted[k];
        self.stats.records += now.records - was.records;
        self.stats.encrypted_bytes += now.encrypted_bytes - was.encrypted_bytes;
        self.stats.lost_bytes += now.lost_bytes - was.lost_bytes;
        self.counted[k] = now;
    }
}
