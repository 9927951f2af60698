//! weir plugin `sha256_x509`: the SHA-256 fingerprint of every certificate,
//! fed back as a File Hashes resource.
//!
//! The port of Trisul's `resources/sha256_x509.lua`: a resource monitor on
//! the SSL Certificates group (`{5AEE3F0B-9304-44BE-BBD0-0467052CF468}`,
//! [`guid::RG_SSL_CERTIFICATES`]), `on_new_resource` only. The label of such
//! a resource is the chain's PEM blocks, leaf first; its uri has, per
//! certificate, `SHA1:<hex>`, `SHA256:<hex>`, `NAME:<subject>` and `---`
//! lines. For each resource the plugin
//!
//! 1. finds the PEM blocks of the label ([`pem_blocks`], as
//!    `printcertchain` does) and decodes their base64 natively
//!    ([`decode_block`]): no `openssl`, `sha256sum` or temporary files;
//! 2. hashes the DER of the leaf (the first block), or of every block with
//!    `all=true`, with SHA-256;
//! 3. prints `Cert sha256 fingerprint <hex>` per certificate hashed;
//! 4. adds with the host's `add_resource` one resource per certificate
//!    hashed to File Hashes (`{9781db2c-f78a-4f7f-a7e8-2b1a9a7be71a}`,
//!    [`guid::RG_FILE_HASHES`]): uri `CERTSHA256:<hex>`, the certificate
//!    resource's flow, label the certificate's subject, the `NAME:` line of
//!    the uri entry whose `SHA256:` is the hash (else the entry at the same
//!    position, else empty; see [`uri_certs`]);
//! 5. with `save_dir=DIR`, writes each certificate hashed to
//!    `DIR/<sha256 hex>.pem` (PEM re-encoded from the DER that was hashed).
//!
//! A label with no block, or a block that does not decode ([`PemError`]), is
//! counted; the first is logged (warning), the total at the end when there
//! was more than one; the plugin never panics on any label.
//!
//! Configuration: `file=PATH` (the lines go to `PATH`, created or
//! truncated at construction, instead of stdout), `all=true|false` (default
//! false: the leaf only, as the sample), `save_dir=DIR` (created at
//! construction if needed).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use weir_plugin_api::artifacts::hex;
use weir_plugin_api::lines::LineSink;
use weir_plugin_api::{
    export_plugin, guid, ArtifactSubscription, Config, HostHandle, LogLevel, Monitors,
    ResourceMonitor, ResourceRecord,
};

/// The configuration keys sha256_x509 accepts.
pub const CONFIG_KEYS: &[&str] = &["file", "all", "save_dir"];

/// The prefix of the uri of each resource added to File Hashes.
pub const URI_PREFIX: &str = "CERTSHA256:";

/// The longest label the host accepts (32 KiB, Trisul's limit).
pub const MAX_LABEL: usize = 32 * 1024;

const BEGIN: &str = "BEGIN CERTIFICATE";
const END: &str = "END CERTIFICATE";

/// The PEM certificate blocks of `text`, in order, as Lua's
/// `text:gmatch("%-*BEGIN CERTIFICATE.-END CERTIFICATE%-*")` yields them:
/// each starts at the dashes right before a `BEGIN CERTIFICATE` (none
/// needed) and ends after the dashes right after the first
/// `END CERTIFICATE` that follows it.
pub fn pem_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(BEGIN).map(|i| from + i) {
        let start = at - (text[from..at].len() - text[from..at].trim_end_matches('-').len());
        let body = at + BEGIN.len();
        let Some(end_at) = text[body..].find(END).map(|i| body + i) else {
            break;
        };
        let mut end = end_at + END.len();
        end += text[end..].len() - text[end..].trim_start_matches('-').len();
        blocks.push(&text[start..end]);
        from = end;
    }
    blocks
}

/// Why a certificate could not be read from a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemError {
    /// The label has no `BEGIN CERTIFICATE … END CERTIFICATE` block.
    NoBlock,
    /// The block's body is empty (or only white space).
    Empty,
    /// A byte that is neither base64 nor white space, or a base64 character
    /// after the padding; `offset` is its position in the body (the text
    /// between the BEGIN and END lines).
    BadByte {
        /// The byte.
        byte: u8,
        /// Its offset in the body.
        offset: usize,
    },
    /// The body's base64 characters (padding included) are not a multiple
    /// of four, or the padding is longer than two.
    BadLength(usize),
}

impl std::fmt::Display for PemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PemError::NoBlock => write!(f, "no BEGIN CERTIFICATE ... END CERTIFICATE block"),
            PemError::Empty => write!(f, "an empty PEM block"),
            PemError::BadByte { byte, offset } => write!(
                f,
                "bad base64: byte 0x{byte:02x} at offset {offset} of the PEM body"
            ),
            PemError::BadLength(n) => write!(
                f,
                "bad base64: {n} characters with padding, not a multiple of 4"
            ),
        }
    }
}

impl std::error::Error for PemError {}

/// The body of a block found by [`pem_blocks`]: the text between the dashes
/// after `BEGIN CERTIFICATE` and those before `END CERTIFICATE`.
fn block_body(block: &str) -> &str {
    let start = block.find(BEGIN).map_or(0, |i| i + BEGIN.len());
    let end = block.rfind(END).unwrap_or(block.len()).max(start);
    block[start..end]
        .trim_start_matches('-')
        .trim_end_matches('-')
}

/// The value of a base64 character (standard alphabet).
fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes standard base64 with padding, skipping ASCII white space
/// (line ends, CRLF included). Strict otherwise: any other byte, a
/// character after `=`, a length (padding included) not a multiple of
/// four, or more than two `=` is an error.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, PemError> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut n: usize = 0; // base64 characters, padding included
    let mut pad: usize = 0;
    for (offset, &byte) in text.as_bytes().iter().enumerate() {
        if byte.is_ascii_whitespace() {
            continue;
        }
        if byte == b'=' {
            pad += 1;
            n += 1;
            if pad > 2 {
                return Err(PemError::BadLength(n));
            }
            continue;
        }
        let v = match sextet(byte) {
            Some(v) if pad == 0 => v,
            _ => return Err(PemError::BadByte { byte, offset }),
        };
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n.is_multiple_of(4) {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
        }
    }
    if n == 0 {
        return Err(PemError::Empty);
    }
    if !n.is_multiple_of(4) {
        return Err(PemError::BadLength(n));
    }
    // The last quantum had `pad` `=`: 4 - pad characters, 3 - pad bytes.
    match pad {
        0 => {}
        1 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => out.push((acc >> 4) as u8),
    }
    Ok(out)
}

/// Standard base64 with padding, in lines of 64 characters, each ending in
/// a newline.
pub fn base64_lines(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut flat = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                flat.push(ALPHABET[((v >> (18 - 6 * i)) & 63) as usize]);
            } else {
                flat.push(b'=');
            }
        }
    }
    let mut text = String::with_capacity(flat.len() + flat.len() / 64 + 1);
    for line in flat.chunks(64) {
        // ALPHABET and '=' are ASCII.
        text.extend(line.iter().map(|&b| b as char));
        text.push('\n');
    }
    text
}

/// The certificate (DER) of a PEM block found by [`pem_blocks`].
pub fn decode_block(block: &str) -> Result<Vec<u8>, PemError> {
    base64_decode(block_body(block))
}

/// `der` as a PEM certificate block, as the engine writes one.
pub fn pem(der: &[u8]) -> String {
    format!(
        "-----BEGIN CERTIFICATE-----\n{}-----END CERTIFICATE-----\n",
        base64_lines(der)
    )
}

/// One certificate's entry in an SSL Certificates resource's uri.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UriCert<'a> {
    /// The `SHA1:` value.
    pub sha1: Option<&'a str>,
    /// The `SHA256:` value.
    pub sha256: Option<&'a str>,
    /// The `NAME:` value: the subject.
    pub name: Option<&'a str>,
}

/// The entries of an SSL Certificates resource's uri, in order: the
/// `SHA1:`, `SHA256:` and `NAME:` lines up to each `---` line. Lines may end
/// in LF or CRLF; other lines are ignored; a last entry without its `---`
/// counts when it has any of the three.
pub fn uri_certs(uri: &str) -> Vec<UriCert<'_>> {
    let mut certs = Vec::new();
    let mut cur = UriCert::default();
    for line in uri.lines() {
        if line == "---" {
            certs.push(cur);
            cur = UriCert::default();
        } else if let Some(v) = line.strip_prefix("SHA1:") {
            cur.sha1 = Some(v);
        } else if let Some(v) = line.strip_prefix("SHA256:") {
            cur.sha256 = Some(v);
        } else if let Some(v) = line.strip_prefix("NAME:") {
            cur.name = Some(v);
        }
    }
    if cur != UriCert::default() {
        certs.push(cur);
    }
    certs
}

/// The subject of the certificate of SHA-256 `sha256_hex` at position
/// `index` of the chain, from the uri's entries: the `NAME:` of the entry
/// with that `SHA256:` (any case), else of the entry at `index`, else empty.
pub fn subject_of<'a>(certs: &[UriCert<'a>], sha256_hex: &str, index: usize) -> &'a str {
    certs
        .iter()
        .find(|c| c.sha256.is_some_and(|h| h.eq_ignore_ascii_case(sha256_hex)))
        .or_else(|| certs.get(index))
        .and_then(|c| c.name)
        .unwrap_or("")
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// One certificate hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed {
    /// Its position in the chain (0: the leaf).
    pub index: usize,
    /// Its DER.
    pub der: Vec<u8>,
    /// SHA-256 of the DER, lower-case hex.
    pub sha256: String,
}

/// The certificates of `label` to hash (the first block, or every block
/// with `all`), with the errors of those that do not decode (`NoBlock`
/// alone when there is no block).
pub fn hash_chain(label: &str, all: bool) -> (Vec<Hashed>, Vec<PemError>) {
    let blocks = pem_blocks(label);
    if blocks.is_empty() {
        return (Vec::new(), vec![PemError::NoBlock]);
    }
    let take = if all { blocks.len() } else { 1 };
    let mut hashed = Vec::new();
    let mut errors = Vec::new();
    for (index, block) in blocks.iter().take(take).enumerate() {
        match decode_block(block) {
            Ok(der) => {
                let sha256 = hex(&Sha256::digest(&der));
                hashed.push(Hashed { index, der, sha256 });
            }
            Err(e) => errors.push(e),
        }
    }
    (hashed, errors)
}

/// The resource monitor.
pub struct Sha256X509 {
    host: HostHandle,
    sink: LineSink,
    all: bool,
    save_dir: Option<PathBuf>,
    add_failed: bool,
    save_failed: bool,
    bad_pem: u64,
}

impl Sha256X509 {
    /// Builds the monitor; creates (truncates) `file` and creates
    /// `save_dir` when configured.
    pub fn new(config: &Config, host: HostHandle) -> Result<Sha256X509, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let all = config
            .bool("all")
            .map_err(|e| e.to_string())?
            .unwrap_or(false);
        let save_dir = match config.path("save_dir") {
            None => None,
            Some(d) if d.as_os_str().is_empty() => {
                return Err("save_dir: must not be empty".to_string())
            }
            Some(d) => {
                std::fs::create_dir_all(&d)
                    .map_err(|e| format!("save_dir: cannot create {}: {e}", d.display()))?;
                Some(d)
            }
        };
        let sink = LineSink::from_config(config, "file", "fingerprints")?;
        Ok(Sha256X509 {
            host,
            sink,
            all,
            save_dir,
            add_failed: false,
            save_failed: false,
            bad_pem: 0,
        })
    }

    /// How many labels had no block plus how many blocks did not decode.
    pub fn bad_pem(&self) -> u64 {
        self.bad_pem
    }

    fn bad(&mut self, error: &PemError, resource: &ResourceRecord<'_>) {
        self.bad_pem += 1;
        if self.bad_pem == 1 {
            let flow = if resource.flow.is_some() {
                resource.flow.id()
            } else {
                "-"
            };
            self.host.log(
                LogLevel::Warn,
                &format!(
                    "certificate of flow {flow} not hashed: {error} (further ones are counted, not logged)"
                ),
            );
        }
    }

    fn print(&mut self, text: &str) {
        self.sink.write(&self.host, text);
    }

    fn save(&mut self, dir: &Path, cert: &Hashed) {
        if self.save_failed {
            return;
        }
        // The name is the hex digest only: no path component of the input.
        let path = dir.join(format!("{}.pem", cert.sha256));
        if path.is_file() {
            return;
        }
        let tmp = dir.join(format!(
            ".{}.{}.{}.tmp",
            cert.sha256,
            std::process::id(),
            self.host.instance_id()
        ));
        let result =
            std::fs::write(&tmp, pem(&cert.der)).and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            self.save_failed = true;
            self.host.log(
                LogLevel::Error,
                &format!(
                    "cannot write {} ({e}); no further certificates are saved",
                    path.display()
                ),
            );
        }
    }
}

impl ResourceMonitor for Sha256X509 {
    fn subscription(&self) -> ArtifactSubscription {
        ArtifactSubscription::guid(guid::RG_SSL_CERTIFICATES).new_items()
    }

    fn on_new_resource(&mut self, resource: &ResourceRecord<'_>) {
        let (hashed, errors) = hash_chain(resource.label(), self.all);
        for e in &errors {
            self.bad(e, resource);
        }
        let text: String = hashed
            .iter()
            .map(|c| format!("Cert sha256 fingerprint {}\n", c.sha256))
            .collect();
        self.print(&text);
        let certs = uri_certs(resource.uri());
        for cert in &hashed {
            let uri = format!("{URI_PREFIX}{}", cert.sha256);
            let label = truncate(subject_of(&certs, &cert.sha256, cert.index), MAX_LABEL);
            let added = self
                .host
                .add_resource_to(guid::RG_FILE_HASHES, resource.flow, &uri, label);
            if let Err(e) = added {
                if !self.add_failed {
                    self.add_failed = true;
                    self.host.log(
                        LogLevel::Error,
                        &format!("add_resource {uri}: {e} (further failures are not logged)"),
                    );
                }
            }
            if let Some(dir) = self.save_dir.clone() {
                self.save(&dir, cert);
            }
        }
    }
}

impl Drop for Sha256X509 {
    fn drop(&mut self) {
        if self.bad_pem > 1 {
            self.host.log(
                LogLevel::Warn,
                &format!("{} certificates not hashed in all (bad PEM)", self.bad_pem),
            );
        }
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().resource(Sha256X509::new(config, host)?))
}

export_plugin! {
    name: "sha256_x509",
    description: "SHA-256 of every leaf certificate, fed back as a File Hashes resource (Trisul's sha256_x509.lua)",
    monitors: [Resource],
    requires: "1.3",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::abi::ext::Extensions;
    use weir_plugin_api::testing::RecordingHost;
    use weir_plugin_api::{
        ArtifactEvents, ArtifactFlow, ArtifactGroupRef, FlowHandle, IpBytes, Timestamp,
    };

    /// Two fake "certificates" (any bytes: the plugin hashes DER, it does
    /// not parse it), as the engine would write their chain.
    const DER_A: &[u8] = b"\x30\x82\x01\x00leaf certificate bytes, any length: 37";
    const DER_B: &[u8] = b"\x30\x03\x02\x01\x05";

    fn sha(der: &[u8]) -> String {
        hex(&Sha256::digest(der))
    }

    fn chain_uri(certs: &[(&[u8], &str)]) -> String {
        certs
            .iter()
            .map(|(der, name)| format!("SHA1:00\nSHA256:{}\nNAME:{name}\n---\n", sha(der)))
            .collect()
    }

    fn chain_label(ders: &[&[u8]]) -> String {
        ders.iter().map(|d| pem(d)).collect()
    }

    fn resource<'a>(uri: &'a str, label: &'a str) -> ResourceRecord<'a> {
        ResourceRecord {
            group: ArtifactGroupRef {
                guid: guid::RG_SSL_CERTIFICATES,
                name: "SSL Certificates".into(),
                ext: Extensions::NONE,
            },
            ts: Timestamp::from_secs(1_622_455_451),
            flow: ArtifactFlow {
                id: "06A:A7.47.37.F9:p-9330_8E.FA.B3.C4:p-01BB".into(),
                handle: FlowHandle(7),
                proto: 6,
                source_ip: IpBytes::from_ip_addr("167.71.55.249".parse().unwrap()),
                source_port: 37680,
                dest_ip: IpBytes::from_ip_addr("142.250.179.196".parse().unwrap()),
                dest_port: 443,
            },
            uri: uri.into(),
            label: label.into(),
            ext: Extensions::NONE,
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("weir-sha256x509-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A configuration of string values (as `--plugin PATH:k=v,...` gives).
    fn config(pairs: &[(&str, &str)]) -> Config {
        let items: Vec<String> = pairs.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
        Config::parse(&format!("{{{}}}", items.join(","))).unwrap()
    }

    #[test]
    fn base64_round_trips_every_length() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        for n in 0..bytes.len() {
            let text = base64_lines(&bytes[..n]);
            assert!(text.lines().all(|l| l.len() <= 64));
            if n == 0 {
                assert_eq!(base64_decode(&text), Err(PemError::Empty));
            } else {
                assert_eq!(base64_decode(&text).unwrap(), &bytes[..n], "{n}");
            }
        }
        assert_eq!(base64_lines(b"f"), "Zg==\n");
        assert_eq!(base64_lines(b"fo"), "Zm8=\n");
        assert_eq!(base64_lines(b"foo"), "Zm9v\n");
        assert_eq!(base64_decode("Zm9v\r\nYmFy").unwrap(), b"foobar");
        assert_eq!(base64_decode(" Zm 9v\tYg== \r\n").unwrap(), b"foob");
    }

    #[test]
    fn base64_errors_are_reported_not_panicked() {
        assert_eq!(
            base64_decode("Zm9v!mFy"),
            Err(PemError::BadByte {
                byte: b'!',
                offset: 4
            })
        );
        assert_eq!(base64_decode("Zm9vY"), Err(PemError::BadLength(5)));
        assert_eq!(
            base64_decode("Zm9=v"),
            Err(PemError::BadByte {
                byte: b'v',
                offset: 4
            })
        );
        assert_eq!(base64_decode("Zm==="), Err(PemError::BadLength(5)));
        assert_eq!(base64_decode("Z==="), Err(PemError::BadLength(4)));
        assert_eq!(base64_decode("Zg=="), Ok(b"f".to_vec()));
        assert_eq!(base64_decode("\r\n \t"), Err(PemError::Empty));
        assert!(matches!(
            base64_decode("Zm9vé"),
            Err(PemError::BadByte { byte: 0xc3, .. })
        ));
        assert!(base64_decode("Zm9v-YmFy").is_err());
    }

    #[test]
    fn blocks_are_found_across_crlf_and_garbage() {
        let a = pem(DER_A);
        let b = pem(DER_B).replace('\n', "\r\n");
        let label =
            format!("garbage\r\n{a}\r\n\r\n junk \t{b}trailer -----BEGIN CERTIFICATE-----\nAAAA");
        let blocks = pem_blocks(&label);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0], a.trim_end());
        assert_eq!(decode_block(blocks[0]).unwrap(), DER_A);
        assert_eq!(decode_block(blocks[1]).unwrap(), DER_B);
        let (hashed, errors) = hash_chain(&label, true);
        assert!(errors.is_empty());
        assert_eq!(
            hashed.iter().map(|h| h.sha256.as_str()).collect::<Vec<_>>(),
            [sha(DER_A), sha(DER_B)]
        );
        assert_eq!(hashed[1].index, 1);
    }

    #[test]
    fn bad_blocks_and_no_block_are_errors() {
        assert_eq!(hash_chain("", false), (vec![], vec![PemError::NoBlock]));
        assert_eq!(hash_chain("MIIB...", true).1, [PemError::NoBlock]);
        let empty = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assert_eq!(hash_chain(empty, false).1, [PemError::Empty]);
        let bad = "-----BEGIN CERTIFICATE-----\nMII*AAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            hash_chain(bad, false).1.as_slice(),
            [PemError::BadByte { byte: b'*', .. }]
        ));
        // With all=true the good blocks are still hashed.
        let label = format!("{bad}{}", pem(DER_B));
        let (hashed, errors) = hash_chain(&label, true);
        assert_eq!(errors.len(), 1);
        assert_eq!((hashed.len(), hashed[0].index), (1, 1));
        // The leaf only by default: a bad second block does not matter.
        let label = format!("{}{bad}", pem(DER_A));
        assert_eq!(hash_chain(&label, false).0.len(), 1);
        assert!(hash_chain(&label, false).1.is_empty());
    }

    #[test]
    fn names_come_from_the_uri_entry_of_the_same_hash() {
        let uri = chain_uri(&[
            (DER_A, "CN=www.example.com,O=Example\\, Inc."),
            (DER_B, "CN=CA"),
        ]);
        let certs = uri_certs(&uri);
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0].sha1, Some("00"));
        assert_eq!(
            subject_of(&certs, &sha(DER_A), 0),
            "CN=www.example.com,O=Example\\, Inc."
        );
        assert_eq!(subject_of(&certs, &sha(DER_B), 0), "CN=CA", "by hash first");
        assert_eq!(subject_of(&certs, &sha(DER_B).to_uppercase(), 9), "CN=CA");
        assert_eq!(subject_of(&certs, "ffff", 1), "CN=CA", "else by position");
        assert_eq!(subject_of(&certs, "ffff", 2), "");
        // CRLF, no final `---`, an entry without NAME, unknown lines.
        let certs =
            uri_certs("SHA256:ab\r\nNAME:CN=a\r\n---\r\nX:1\r\nSHA256:cd\r\n---\r\nNAME:CN=c");
        assert_eq!(
            certs,
            [
                UriCert {
                    sha1: None,
                    sha256: Some("ab"),
                    name: Some("CN=a")
                },
                UriCert {
                    sha1: None,
                    sha256: Some("cd"),
                    name: None
                },
                UriCert {
                    sha1: None,
                    sha256: None,
                    name: Some("CN=c")
                },
            ]
        );
        assert_eq!(subject_of(&certs, "cd", 1), "");
        assert!(uri_certs("").is_empty());
        assert_eq!(truncate("aé", 2), "a");
    }

    #[test]
    fn prints_adds_and_saves_the_leaf() {
        let dir = tempdir("leaf");
        let out = dir.join("out.txt");
        let saved = dir.join("certs/nested");
        let host = RecordingHost::new();
        let mut m = Sha256X509::new(
            &config(&[
                ("file", out.to_str().unwrap()),
                ("save_dir", saved.to_str().unwrap()),
            ]),
            host.handle(),
        )
        .unwrap();
        let uri = chain_uri(&[(DER_A, "CN=leaf"), (DER_B, "CN=CA")]);
        let label = chain_label(&[DER_A, DER_B]);
        m.on_new_resource(&resource(&uri, &label));
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            format!("Cert sha256 fingerprint {}\n", sha(DER_A))
        );
        assert_eq!(
            host.calls(),
            [format!(
                "resource {{9781DB2C-F78A-4F7F-A7E8-2B1A9A7BE71A}} flow=06A:A7.47.37.F9:p-9330_8E.FA.B3.C4:p-01BB uri=CERTSHA256:{} label=CN=leaf",
                sha(DER_A)
            )]
        );
        let files: Vec<String> = std::fs::read_dir(&saved)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(files, [format!("{}.pem", sha(DER_A))]);
        let text = std::fs::read_to_string(saved.join(&files[0])).unwrap();
        assert_eq!(text, pem(DER_A));
        assert_eq!(m.bad_pem(), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn all_hashes_the_whole_chain() {
        let host = RecordingHost::new();
        let dir = tempdir("all");
        let out = dir.join("out.txt");
        let mut m = Sha256X509::new(
            &config(&[("file", out.to_str().unwrap()), ("all", "true")]),
            host.handle(),
        )
        .unwrap();
        let uri = chain_uri(&[(DER_A, "CN=leaf"), (DER_B, "CN=CA")]);
        let label = chain_label(&[DER_A, DER_B]);
        m.on_new_resource(&resource(&uri, &label));
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            format!(
                "Cert sha256 fingerprint {}\nCert sha256 fingerprint {}\n",
                sha(DER_A),
                sha(DER_B)
            )
        );
        let calls = host.calls();
        assert_eq!(calls.len(), 2);
        assert!(calls[1].ends_with(&format!("uri=CERTSHA256:{} label=CN=CA", sha(DER_B))));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_pem_is_counted_and_logged_once() {
        let host = RecordingHost::new();
        let dir = tempdir("bad");
        let out = dir.join("out.txt");
        let mut m =
            Sha256X509::new(&config(&[("file", out.to_str().unwrap())]), host.handle()).unwrap();
        let uri = chain_uri(&[(DER_A, "CN=leaf")]);
        m.on_new_resource(&resource(&uri, "not pem"));
        m.on_new_resource(&resource(
            &uri,
            "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----",
        ));
        let good = chain_label(&[DER_A]);
        m.on_new_resource(&resource(&uri, &good));
        assert_eq!(m.bad_pem(), 2);
        let calls = host.calls();
        assert_eq!(calls.len(), 2, "{calls:?}");
        assert!(
            calls[0].starts_with("log warn certificate of flow 06A:")
                && calls[0].contains("no BEGIN CERTIFICATE"),
            "{}",
            calls[0]
        );
        assert!(calls[1].starts_with("resource "));
        drop(m);
        assert_eq!(
            host.calls()[2],
            "log warn 2 certificates not hashed in all (bad PEM)"
        );
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            format!("Cert sha256 fingerprint {}\n", sha(DER_A))
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn subscribes_to_new_ssl_certificates_only() {
        let m = Sha256X509::new(&Config::default(), RecordingHost::new().handle()).unwrap();
        let sub = m.subscription();
        assert_eq!(sub.events, ArtifactEvents::NEW);
        assert_eq!(sub.guids.as_slice(), [guid::RG_SSL_CERTIFICATES]);
        assert!(sub.name_match.is_empty());
    }

    #[test]
    fn config_errors_name_the_key() {
        let dir = tempdir("config");
        let file = dir.join("a-file");
        std::fs::write(&file, "").unwrap();
        let under_file = file.join("sub");
        let host = RecordingHost::new();
        for (pairs, needle) in [
            (vec![("dir", "/tmp")], "\"dir\""),
            (vec![("file", "")], "file:"),
            (vec![("file", "/nonexistent/weir/x")], "file:"),
            (vec![("all", "maybe")], "all:"),
            (vec![("save_dir", "")], "save_dir:"),
            (
                vec![("save_dir", under_file.to_str().unwrap())],
                "save_dir: cannot create",
            ),
        ] {
            let err = Sha256X509::new(&config(&pairs), host.handle())
                .err()
                .unwrap();
            assert!(err.contains(needle) && !err.contains('\n'), "{err}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
