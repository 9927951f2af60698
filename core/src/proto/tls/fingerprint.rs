//! The `fingerprint` module deals with ClientHello fingerprints: JA3
//! (Salesforce, 2017) and JA4 (FoxIO, 2023), computed from the values of a
//! [`ClientHello`] so that they match the published definitions (and, for
//! JA3, tshark's `tls.handshake.ja3`).
//!
//! **JA3** is the MD5 of
//! `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`:
//! - `SSLVersion`: the ClientHello legacy_version, in decimal (769 for TLS
//!   1.0, 771 for 1.2 and 1.3);
//! - each list in wire order, values in decimal joined by `-`, an absent or
//!   empty list giving an empty field;
//! - GREASE values (RFC 8701) removed from ciphers, extensions and curves
//!   (supported_groups); point formats are single bytes, never GREASE.
//!
//! **JA3S** ([`ja3s_string`]) is the server's counterpart, over the
//! ServerHello.
//!
//! **JA4** is `a_b_c` (the JA4 "TLS client" fingerprint, FoxIO spec
//! `technical_details/JA4.md`):
//! - `a` (10 characters): protocol `t` (TLS over TCP; `q` QUIC and `d`
//!   DTLS are not produced here); the version, from the highest non-GREASE
//!   supported_versions value if the extension is present, else from
//!   legacy_version: `13` 0x0304, `12` 0x0303, `11` 0x0302, `10` 0x0301,
//!   `s3` 0x0300, `s2` 0x0002, `d1`/`d2`/`d3` for 0xfeff/0xfefd/0xfefc, `00`
//!   otherwise; `d` when the server_name extension is present, `i` when
//!   not; the number of non-GREASE cipher suites and of non-GREASE
//!   extensions (SNI and ALPN included), two decimal digits each, capped at
//!   99; the first and last characters of the first ALPN value — `00`
//!   without ALPN or with an empty first value, and when either character
//!   is not ASCII alphanumeric, the first and last characters of the hex of
//!   the whole value instead (0xAB 0xCD → `ad`); a one-byte value gives the
//!   character twice;
//! - `b`: the first 12 hex digits of the SHA-256 of the non-GREASE cipher
//!   suites, as 4-digit lower-case hex, sorted, joined by `,`;
//!   `000000000000` when there are none;
//! - `c`: the first 12 hex digits of the SHA-256 of the non-GREASE extension
//!   types except server_name (0x0000) and ALPN (0x0010), 4-digit hex,
//!   sorted, joined by `,`, then — only if the signature_algorithms
//!   extension lists any — `_` and the non-GREASE signature algorithms in
//!   wire order (not sorted), 4-digit hex joined by `,`; `000000000000`
//!   when the hashed string would be empty.
//!
//! The spec's own examples (Chrome, `t13d1516h2_8daaf6152771_e5627efa2ab1`,
//! and the same without signature algorithms, `..._6d807ffa2a79`) are unit
//! tests below. tshark 4.0 has no JA4 field, so the real-capture test
//! recomputes JA4 from tshark's dissection of every ClientHello; JA3 and
//! JA3S are compared with tshark's own fields.

use super::handshake::{ext, is_grease, ClientHello};
use md5::{Digest as _, Md5};
use sha2::Sha256;
use std::fmt::Write as _;

/// The values a fingerprint reads, decoded once from a ClientHello (GREASE
/// still included). Malformed extensions count as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelloValues {
    /// legacy_version.
    pub legacy_version: u16,
    /// Cipher suites in wire order.
    pub ciphers: Vec<u16>,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// supported_groups in wire order.
    pub groups: Vec<u16>,
    /// ec_point_formats in wire order.
    pub point_formats: Vec<u8>,
    /// signature_algorithms in wire order.
    pub signature_algorithms: Vec<u16>,
    /// supported_versions in wire order.
    pub supported_versions: Vec<u16>,
    /// The first ALPN protocol name, if any.
    pub first_alpn: Option<Vec<u8>>,
}

impl HelloValues {
    /// Decodes the values of `ch`.
    pub fn of(ch: &ClientHello<'_>) -> HelloValues {
        HelloValues {
            legacy_version: ch.legacy_version,
            ciphers: ch.cipher_suites(),
            extensions: ch.extensions.types(),
            groups: ch.supported_groups().unwrap_or_default(),
            point_formats: ch.ec_point_formats().unwrap_or_default().to_vec(),
            signature_algorithms: ch.signature_algorithms().unwrap_or_default(),
            supported_versions: ch.supported_versions().unwrap_or_default(),
            first_alpn: ch.alpn().ok().and_then(|a| a.first().map(|n| n.to_vec())),
        }
    }
}

fn join<T: std::fmt::Display>(vals: impl Iterator<Item = T>, sep: &str) -> String {
    let mut s = String::new();
    for (i, v) in vals.enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        let _ = write!(s, "{v}");
    }
    s
}

fn no_grease(v: &[u16]) -> impl Iterator<Item = u16> + '_ {
    v.iter().copied().filter(|&x| !is_grease(x))
}

/// The JA3 string (before hashing).
pub fn ja3_string(v: &HelloValues) -> String {
    format!(
        "{},{},{},{},{}",
        v.legacy_version,
        join(no_grease(&v.ciphers), "-"),
        join(no_grease(&v.extensions), "-"),
        join(no_grease(&v.groups), "-"),
        join(v.point_formats.iter(), "-"),
    )
}

/// The JA3 fingerprint: MD5 of [`ja3_string`], 32 lower-case hex digits.
pub fn ja3_md5(ja3_string: &str) -> String {
    hex(&Md5::digest(ja3_string.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 * b.len());
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// The JA3S string of a ServerHello (Salesforce): `SSLVersion,Cipher,
/// Extensions` — legacy_version and the selected cipher in decimal, the
/// extension types in wire order, decimal, joined by `-` (servers send no
/// GREASE; none is removed, as tshark does). JA3S is the MD5 of it
/// ([`ja3_md5`]).
pub fn ja3s_string(legacy_version: u16, cipher: u16, extensions: &[u16]) -> String {
    format!("{legacy_version},{cipher},{}", join(extensions.iter(), "-"))
}

/// The two-character JA4 version code of a TLS version number.
pub fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// The ALPN part of JA4_a (see the module doc).
fn ja4_alpn(first: Option<&[u8]>) -> String {
    let Some(a) = first.filter(|a| !a.is_empty()) else {
        return "00".into();
    };
    let (f, l) = (a[0], a[a.len() - 1]);
    if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() {
        format!("{}{}", f as char, l as char)
    } else {
        let h = hex(a);
        let h = h.as_bytes();
        format!("{}{}", h[0] as char, h[h.len() - 1] as char)
    }
}

/// The three JA4 parts before hashing: `a`, the `b` string and the `c`
/// string (JA4_r, the "raw" form, is `a_b_c` of these).
pub fn ja4_parts(v: &HelloValues) -> (String, String, String) {
    let version = no_grease(&v.supported_versions)
        .max()
        .unwrap_or(v.legacy_version);
    let sni = if v.extensions.contains(&ext::SERVER_NAME) {
        'd'
    } else {
        'i'
    };
    let mut ciphers: Vec<u16> = no_grease(&v.ciphers).collect();
    let exts: Vec<u16> = no_grease(&v.extensions).collect();
    let a = format!(
        "t{}{sni}{:02}{:02}{}",
        ja4_version(version),
        ciphers.len().min(99),
        exts.len().min(99),
        ja4_alpn(v.first_alpn.as_deref()),
    );
    ciphers.sort_unstable();
    let b = join(ciphers.iter().map(|c| format!("{c:04x}")), ",");
    let mut hashed: Vec<u16> = exts
        .into_iter()
        .filter(|&e| e != ext::SERVER_NAME && e != ext::ALPN)
        .collect();
    hashed.sort_unstable();
    let mut c = join(hashed.iter().map(|e| format!("{e:04x}")), ",");
    let sigs: Vec<u16> = no_grease(&v.signature_algorithms).collect();
    if !sigs.is_empty() {
        c.push('_');
        c.push_str(&join(sigs.iter().map(|s| format!("{s:04x}")), ","));
    }
    (a, b, c)
}

/// The first 12 hex digits of the SHA-256 of `s`, or 12 zeros for "".
fn hash12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".into();
    }
    let mut h = hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

/// The JA4 fingerprint `a_b_c`.
pub fn ja4(v: &HelloValues) -> String {
    let (a, b, c) = ja4_parts(v);
    format!("{a}_{}_{}", hash12(&b), hash12(&c))
}

#[cfg(test)]
mod test {
    use super::*;

    /// The example of the JA4 spec (Chrome): its ciphers and extensions in
    /// some wire order, with GREASE, SNI and ALPN h2.
    fn chrome() -> HelloValues {
        HelloValues {
            legacy_version: 0x0303,
            ciphers: vec![
                0x8a8a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0x1a1a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d,
                0x0012, 0x0033, 0x002d, 0x002b, 0x001b, 0x0015, 0x4469, 0x2a2a,
            ],
            groups: vec![0x3a3a, 29, 23, 24],
            point_formats: vec![0],
            signature_algorithms: vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ],
            supported_versions: vec![0x5a5a, 0x0304, 0x0303],
            first_alpn: Some(b"h2".to_vec()),
        }
    }

    #[test]
    fn ja4_spec_example() {
        let v = chrome();
        let (a, b, c) = ja4_parts(&v);
        assert_eq!(a, "t13d1516h2");
        assert_eq!(
            b,
            "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"
        );
        assert_eq!(
            c,
            "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"
        );
        assert_eq!(ja4(&v), "t13d1516h2_8daaf6152771_e5627efa2ab1");
        // The spec: without signature algorithms, no `_` and 6d807ffa2a79.
        let no_sigs = HelloValues {
            signature_algorithms: Vec::new(),
            ..v
        };
        assert_eq!(ja4(&no_sigs), "t13d1516h2_8daaf6152771_6d807ffa2a79");
    }

    #[test]
    fn ja4_edge_rules() {
        let mut v = HelloValues {
            legacy_version: 0x0301,
            ..HelloValues::default()
        };
        assert_eq!(ja4(&v), "t10i000000_000000000000_000000000000");
        v.first_alpn = Some(vec![0xab, 0xcd]);
        assert!(ja4(&v).starts_with("t10i0000ad_"));
        v.first_alpn = Some(b"h".to_vec());
        assert!(ja4(&v).starts_with("t10i0000hh_"));
        v.first_alpn = Some(Vec::new());
        assert!(ja4(&v).starts_with("t10i000000_"));
        v.ciphers = (1..=120).collect();
        v.supported_versions = vec![0x0a0a];
        assert!(ja4(&v).starts_with("t10i9900"));
        assert_eq!(ja4_version(0x7f1c), "00");
    }

    #[test]
    fn ja3_removes_grease() {
        let v = chrome();
        let s = ja3_string(&v);
        assert_eq!(
            s,
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,\
             0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21-17513,29-23-24,0"
        );
        assert_eq!(ja3_md5("769,4-5,,,"), hex(&Md5::digest(b"769,4-5,,,")));
        assert_eq!(ja3_string(&HelloValues::default()), "0,,,,");
    }
}
