//! The `x509` module deals with X.509 certificates as TLS sends them
//! (DER): it reads the facts an analyst indexes — names, serial, validity,
//! alternative names, OCSP responders, key, fingerprints — with the
//! maintained `x509-parser` crate, and renders them as OpenSSL does, so
//! that text produced here matches `openssl x509` output line for line.
//!
//! Brief overview:
//! - [`Certificate::parse`]: DER in, [`CertInfo`] out (or an [`X509Error`]).
//! - [`CertInfo::pem`], [`CertInfo::text_dump`]: the certificate as
//!   `openssl x509` prints it (PEM block; `-text -noout` dump, for the
//!   fields listed on [`CertInfo::text_dump`]).
//! - [`chain_resource_text`]: Trisul's SSL-certificate resource for a chain
//!   (uri and label); [`chain_document`]: Trisul's cert-chain FTS document.
//!
//! **Names.** [`CertInfo::subject`] and [`CertInfo::issuer`] are
//! `openssl x509 -nameopt RFC2253` output: most specific RDN first, `,`
//! between RDNs, `+` inside a multi-valued RDN, OpenSSL's short names
//! (`CN`, `O`, `OU`, `C`, `ST`, `L`, `emailAddress`…, else the dotted OID),
//! and RFC 2253 escapes (`\,` `\+` `\"` `\\` `\<` `\>` `\;`, a leading `#`
//! or space and a trailing space; control bytes and the UTF-8 bytes of
//! non-ASCII characters as `\XX`). The text dump uses OpenSSL's default
//! `-text` form instead (`C = US, O = "VeriSign, Inc.", CN = …`: encoding
//! order, `, ` between RDNs, values needing escapes quoted, UTF-8 kept).
//! An attribute whose value is not a string is written `#` + hex of its
//! DER, as OpenSSL does for RFC 2253.
//!
//! **Bounds.** Parsing borrows the input; [`CertInfo`] owns a copy of the
//! DER (for [`CertInfo::pem`]) and strings derived from it, so its size is
//! linear in the input. Nothing panics on any input.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::X509Name;

/// Why a certificate could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// The bytes are not a DER certificate; the text is x509-parser's
    /// reason.
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// A certificate was read but `n` bytes follow it.
    #[error("{0} bytes after the certificate")]
    TrailingData(usize),
}

/// Entry point: `Certificate::parse(der)`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Certificate;

impl Certificate {
    /// Reads one DER certificate (nothing may follow it).
    pub fn parse(der: &[u8]) -> Result<CertInfo, X509Error> {
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| X509Error::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(X509Error::TrailingData(rest.len()));
        }
        Ok(CertInfo::from_parsed(der, &cert))
    }
}

/// One entry of the Subject Alternative Name extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AltName {
    /// `dNSName`.
    Dns(String),
    /// `iPAddress` (4 or 16 bytes; other lengths are dropped).
    Ip(IpAddr),
    /// `rfc822Name`.
    Email(String),
    /// `uniformResourceIdentifier`.
    Uri(String),
}

/// The facts of one certificate. Strings are as OpenSSL prints them (see
/// the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertInfo {
    /// The DER bytes, as given.
    pub der: Vec<u8>,
    /// X.509 version as printed (`3` for v3).
    pub version: u32,
    /// Subject, RFC 2253 (`CN=GTS CA 1C3,O=Google Trust Services LLC,C=US`).
    pub subject: String,
    /// Issuer, RFC 2253.
    pub issuer: String,
    /// Serial number, lower-case hex without separators, as `openssl x509
    /// -serial` prints it, lower-cased (the sign-padding zero byte dropped).
    /// A negative serial (invalid under RFC 5280) is written as its
    /// two's-complement bytes, without OpenSSL's `-` sign.
    pub serial_hex: String,
    /// `notBefore` as OpenSSL prints it: `May 31 03:52:05 2021 GMT`.
    pub not_before: String,
    /// `notAfter`, same form.
    pub not_after: String,
    /// `notBefore` in Unix seconds.
    pub not_before_unix: i64,
    /// `notAfter` in Unix seconds.
    pub not_after_unix: i64,
    /// Signature algorithm, OpenSSL's name (`sha256WithRSAEncryption`) or
    /// the dotted OID.
    pub signature_algorithm: String,
    /// Public key algorithm, OpenSSL's name (`rsaEncryption`,
    /// `id-ecPublicKey`) or the dotted OID.
    pub key_algorithm: String,
    /// Key size in bits (RSA modulus; EC field size), when known.
    pub key_bits: Option<usize>,
    /// Subject Alternative Name entries of the kinds in [`AltName`].
    pub alt_names: Vec<AltName>,
    /// Authority Information Access: OCSP responder URIs.
    pub ocsp_urls: Vec<String>,
    /// Authority Information Access: CA Issuers URIs.
    pub ca_issuers_urls: Vec<String>,
    /// Basic Constraints: `Some(true)` for a CA, `None` when absent.
    pub is_ca: Option<bool>,
    /// SHA-1 of the DER.
    pub sha1: [u8; 20],
    /// SHA-256 of the DER.
    pub sha256: [u8; 32],
    /// SHA-1 of the subject public key (the BIT STRING's bytes, as RFC 5280
    /// §4.2.1.2 method 1 computes a key identifier): Trisul's `PUBKEYSHA1`.
    pub pubkey_sha1: [u8; 20],
    text: String,
}

impl CertInfo {
    fn from_parsed(der: &[u8], cert: &X509Certificate<'_>) -> CertInfo {
        let tbs = &cert.tbs_certificate;
        let nb = tbs.validity.not_before.timestamp();
        let na = tbs.validity.not_after.timestamp();
        let spki = &tbs.subject_pki;
        let key_bits = match spki.parsed() {
            Ok(k) if k.key_size() > 0 => Some(k.key_size()),
            _ => None,
        };
        let mut info = CertInfo {
            der: der.to_vec(),
            version: tbs.version.0.saturating_add(1),
            subject: name_rfc2253(&tbs.subject),
            issuer: name_rfc2253(&tbs.issuer),
            serial_hex: hex(serial_magnitude(tbs.raw_serial())),
            not_before: openssl_time(nb),
            not_after: openssl_time(na),
            not_before_unix: nb,
            not_after_unix: na,
            signature_algorithm: oid_name(&cert.signature_algorithm.algorithm.to_id_string()),
            key_algorithm: oid_name(&spki.algorithm.algorithm.to_id_string()),
            key_bits,
            alt_names: Vec::new(),
            ocsp_urls: Vec::new(),
            ca_issuers_urls: Vec::new(),
            is_ca: None,
            sha1: Sha1::digest(der).into(),
            sha256: Sha256::digest(der).into(),
            pubkey_sha1: Sha1::digest(&spki.subject_public_key.data).into(),
            text: String::new(),
        };
        let mut ext_text = String::new();
        for ext in tbs.extensions() {
            let crit = if ext.critical { "critical" } else { "" };
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    let mut parts = Vec::new();
                    for g in &san.general_names {
                        if let Some(s) = general_name_text(g) {
                            parts.push(s);
                        }
                        match g {
                            GeneralName::DNSName(s) => {
                                info.alt_names.push(AltName::Dns(s.to_string()))
                            }
                            GeneralName::RFC822Name(s) => {
                                info.alt_names.push(AltName::Email(s.to_string()))
                            }
                            GeneralName::URI(s) => info.alt_names.push(AltName::Uri(s.to_string())),
                            GeneralName::IPAddress(b) => {
                                if let Some(ip) = ip_from(b) {
                                    info.alt_names.push(AltName::Ip(ip));
                                }
                            }
                            _ => {}
                        }
                    }
                    let _ = writeln!(
                        ext_text,
                        "            X509v3 Subject Alternative Name: {crit}"
                    );
                    let _ = writeln!(ext_text, "                {}", parts.join(", "));
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    let _ = writeln!(ext_text, "            Authority Information Access: {crit}");
                    for ad in &aia.accessdescs {
                        let method = match ad.access_method.to_id_string().as_str() {
                            "1.3.6.1.5.5.7.48.1" => "OCSP".to_string(),
                            "1.3.6.1.5.5.7.48.2" => "CA Issuers".to_string(),
                            other => other.to_string(),
                        };
                        if let GeneralName::URI(u) = &ad.access_location {
                            match method.as_str() {
                                "OCSP" => info.ocsp_urls.push(u.to_string()),
                                "CA Issuers" => info.ca_issuers_urls.push(u.to_string()),
                                _ => {}
                            }
                        }
                        if let Some(loc) = general_name_text(&ad.access_location) {
                            let _ = writeln!(ext_text, "                {method} - {loc}");
                        }
                    }
                }
                ParsedExtension::BasicConstraints(bc) => {
                    info.is_ca = Some(bc.ca);
                    let _ = writeln!(ext_text, "            X509v3 Basic Constraints: {crit}");
                    let ca = if bc.ca { "TRUE" } else { "FALSE" };
                    match bc.path_len_constraint {
                        Some(n) => {
                            let _ = writeln!(ext_text, "                CA:{ca}, pathlen:{n}");
                        }
                        None => {
                            let _ = writeln!(ext_text, "                CA:{ca}");
                        }
                    }
                }
                ParsedExtension::KeyUsage(ku) => {
                    const NAMES: [&str; 9] = [
                        "Digital Signature",
                        "Non Repudiation",
                        "Key Encipherment",
                        "Data Encipherment",
                        "Key Agreement",
                        "Certificate Sign",
                        "CRL Sign",
                        "Encipher Only",
                        "Decipher Only",
                    ];
                    let set: Vec<&str> = NAMES
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| (ku.flags >> i) & 1 != 0)
                        .map(|(_, n)| *n)
                        .collect();
                    let _ = writeln!(ext_text, "            X509v3 Key Usage: {crit}");
                    let _ = writeln!(ext_text, "                {}", set.join(", "));
                }
                _ => {}
            }
        }
        info.text = text_dump(&info, cert, &ext_text);
        info
    }

    /// The DER as a PEM block, as `openssl x509 -inform der` writes it:
    /// `-----BEGIN CERTIFICATE-----`, base64 in lines of 64 characters,
    /// `-----END CERTIFICATE-----`, each line ended by LF.
    pub fn pem(&self) -> String {
        let b64 = base64(&self.der);
        let mut s = String::with_capacity(b64.len() + b64.len() / 64 + 60);
        s.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            s.push_str(std::str::from_utf8(line).unwrap_or_default());
            s.push('\n');
        }
        s.push_str("-----END CERTIFICATE-----\n");
        s
    }

    /// The certificate in the style of `openssl x509 -text -noout`, every
    /// line as OpenSSL 3.0 writes it (same indentation; an extension header
    /// ends in `critical` or a space), for: `Certificate:`, `Data:`,
    /// Version, Serial Number (decimal and hex when it fits in 64 bits, else
    /// colon-separated hex on the next line), Signature Algorithm, Issuer,
    /// Validity (`Not Before:` / `Not After :`), Subject, Subject Public Key
    /// Info (algorithm; `Public-Key: (N bit)` for RSA), and of the X509v3
    /// extensions Subject Alternative Name (`DNS:`, `IP Address:`,
    /// `email:`, `URI:`, `DirName:`), Authority Information Access
    /// (`OCSP - URI:…`, `CA Issuers - URI:…`), Basic Constraints and Key
    /// Usage. Differences: the key's modulus/exponent, the signature and
    /// other extensions are left out, so the dump is a subset of
    /// OpenSSL's lines, in OpenSSL's order.
    pub fn text_dump(&self) -> &str {
        &self.text
    }

    /// Lower-case hex SHA-1 of the DER.
    pub fn sha1_hex(&self) -> String {
        hex(&self.sha1)
    }

    /// Lower-case hex SHA-256 of the DER.
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }
}

fn text_dump(info: &CertInfo, cert: &X509Certificate<'_>, ext_text: &str) -> String {
    let tbs = &cert.tbs_certificate;
    let mut s = String::new();
    s.push_str("Certificate:\n    Data:\n");
    let v = tbs.version.0;
    let _ = writeln!(s, "        Version: {} (0x{:x})", u64::from(v) + 1, v);
    let raw = tbs.raw_serial();
    let mag = serial_magnitude(raw);
    let negative = raw.first().is_some_and(|b| b & 0x80 != 0);
    if mag.len() <= 8 && !negative {
        let n = mag.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
        let _ = writeln!(s, "        Serial Number: {n} (0x{n:x})");
    } else {
        let parts: Vec<String> = mag.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(
            s,
            "        Serial Number:{}\n            {}",
            if negative { " (Negative)" } else { "" },
            parts.join(":")
        );
    }
    let _ = writeln!(
        s,
        "        Signature Algorithm: {}",
        oid_name(&tbs.signature.algorithm.to_id_string())
    );
    let _ = writeln!(s, "        Issuer: {}", name_oneline(&tbs.issuer));
    let _ = writeln!(s, "        Validity");
    let _ = writeln!(s, "            Not Before: {}", info.not_before);
    let _ = writeln!(s, "            Not After : {}", info.not_after);
    let _ = writeln!(s, "        Subject: {}", name_oneline(&tbs.subject));
    let _ = writeln!(s, "        Subject Public Key Info:");
    let _ = writeln!(
        s,
        "            Public Key Algorithm: {}",
        info.key_algorithm
    );
    if info.key_algorithm == "rsaEncryption" {
        if let Some(bits) = info.key_bits {
            let _ = writeln!(s, "                Public-Key: ({bits} bit)");
        }
    }
    if !tbs.extensions().is_empty() {
        s.push_str("        X509v3 extensions:\n");
        s.push_str(ext_text);
    }
    s
}

/// Trisul's SSL-certificate resource for a chain (leaf first), as
/// `(uri, label)`. The uri has, per certificate in chain order, the lines
/// `SHA1:<hex>`, `SHA256:<hex>` (lower-case hex of the DER) and
/// `NAME:<subject>` ([`CertInfo::subject`], RFC 2253), then a line `---`;
/// every line ends in LF. A script's `SHA1:(%w+)` therefore finds the leaf.
/// The label is the PEM blocks ([`CertInfo::pem`]) one after the other,
/// leaf first, with their BEGIN/END lines.
pub fn chain_resource_text(chain: &[CertInfo]) -> (String, String) {
    let mut uri = String::new();
    let mut label = String::new();
    for c in chain {
        let _ = writeln!(uri, "SHA1:{}", c.sha1_hex());
        let _ = writeln!(uri, "SHA256:{}", c.sha256_hex());
        let _ = writeln!(uri, "NAME:{}", c.subject);
        uri.push_str("---\n");
        label.push_str(&c.pem());
    }
    (uri, label)
}

/// Trisul's cert-chain full-text document: per certificate, leaf first, its
/// [`CertInfo::text_dump`], then its `SHA1:` / `SHA256:` / `NAME:` / `---`
/// lines (as in [`chain_resource_text`]) and its PEM block.
pub fn chain_document(chain: &[CertInfo]) -> String {
    let mut doc = String::new();
    for c in chain {
        doc.push_str(c.text_dump());
        let (uri, pem) = chain_resource_text(std::slice::from_ref(c));
        doc.push_str(&uri);
        doc.push_str(&pem);
    }
    doc
}

/// The integer's bytes without the sign-padding zero byte(s), at least one.
fn serial_magnitude(raw: &[u8]) -> &[u8] {
    let mut m = raw;
    while m.len() > 1 && m[0] == 0 {
        m = &m[1..];
    }
    m
}

fn ip_from(b: &[u8]) -> Option<IpAddr> {
    if let Ok(a) = <[u8; 4]>::try_from(b) {
        Some(IpAddr::V4(Ipv4Addr::from(a)))
    } else if let Ok(a) = <[u8; 16]>::try_from(b) {
        Some(IpAddr::V6(Ipv6Addr::from(a)))
    } else {
        None
    }
}

/// A GeneralName as OpenSSL's `GENERAL_NAME_print` writes it.
fn general_name_text(g: &GeneralName<'_>) -> Option<String> {
    Some(match g {
        GeneralName::DNSName(s) => format!("DNS:{s}"),
        GeneralName::RFC822Name(s) => format!("email:{s}"),
        GeneralName::URI(s) => format!("URI:{s}"),
        GeneralName::IPAddress(b) => match ip_from(b) {
            Some(IpAddr::V4(a)) => format!("IP Address:{a}"),
            Some(IpAddr::V6(a)) => {
                let segs: Vec<String> = a.segments().iter().map(|s| format!("{s:X}")).collect();
                format!("IP Address:{}", segs.join(":"))
            }
            None => "IP Address:<invalid>".to_string(),
        },
        GeneralName::DirectoryName(n) => format!("DirName:{}", name_slashed(n)),
        GeneralName::RegisteredID(o) => format!("Registered ID:{}", oid_name(&o.to_id_string())),
        _ => return None,
    })
}

/// OpenSSL's short name of a DN attribute type, else the dotted OID.
fn attr_short_name(oid: &str) -> String {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.41" => "name",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        other => return other.to_string(),
    }
    .to_string()
}

/// OpenSSL's long name of a signature or key algorithm, else the dotted OID.
fn oid_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.1" => "rsaEncryption",
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.2.1" => "id-ecPublicKey",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.1" => "dsaEncryption",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        other => return other.to_string(),
    }
    .to_string()
}

/// The characters of an attribute value (OpenSSL's string-type decoding),
/// or `None` when the value is not a string type.
fn attr_chars(tag: u32, data: &[u8]) -> Option<Vec<char>> {
    Some(match tag {
        // UTF8String
        12 => String::from_utf8_lossy(data).chars().collect(),
        // BMPString
        30 => char::decode_utf16(
            data.chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])),
        )
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        // UniversalString
        28 => data
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        // Numeric, Printable, T61, Videotex, IA5, Graphic, Visible, General:
        // one byte per character.
        18 | 19 | 20 | 21 | 22 | 25 | 26 | 27 => data.iter().map(|&b| char::from(b)).collect(),
        _ => return None,
    })
}

/// `#` + hex of the DER of a non-string value (OpenSSL's DUMP_DER).
fn dump_der(class: u8, constructed: bool, tag: u32, data: &[u8]) -> String {
    let mut der = Vec::with_capacity(data.len() + 6);
    let first = (class << 6) | if constructed { 0x20 } else { 0 };
    if tag < 31 {
        der.push(first | tag as u8);
    } else {
        der.push(first | 0x1f);
        let mut t = Vec::new();
        let mut v = tag;
        t.push((v & 0x7f) as u8);
        v >>= 7;
        while v > 0 {
            t.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        der.extend(t.iter().rev());
    }
    let len = data.len();
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        der.push(0x80 | bytes.len() as u8);
        der.extend(bytes);
    }
    der.extend_from_slice(data);
    format!("#{}", hex(&der).to_uppercase())
}

/// One value, RFC 2253-escaped (`quote`: OpenSSL's oneline form instead,
/// which quotes values needing escapes and keeps UTF-8).
fn escape_value(chars: &[char], quote: bool) -> String {
    let mut out = String::new();
    let mut needs_quotes = false;
    let last = chars.len().saturating_sub(1);
    for (i, &c) in chars.iter().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            if quote && c != '"' && c != '\\' {
                needs_quotes = true;
                out.push(c);
            } else {
                out.push('\\');
                out.push(c);
            }
        } else if (c as u32) < 0x20 || c as u32 == 0x7f {
            let _ = write!(out, "\\{:02X}", c as u32);
        } else if (c as u32) > 0x7f && !quote {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
    if needs_quotes {
        format!("\"{out}\"")
    } else {
        out
    }
}

fn attr_text(a: &x509_parser::x509::AttributeTypeAndValue<'_>, quote: bool) -> (String, String) {
    let name = attr_short_name(&a.attr_type().to_id_string());
    let v = a.attr_value();
    let value = match attr_chars(v.tag().0, v.data) {
        Some(chars) => escape_value(&chars, quote),
        None => dump_der(
            v.class() as u8,
            v.header.is_constructed(),
            v.tag().0,
            v.data,
        ),
    };
    (name, value)
}

/// `-nameopt RFC2253`.
fn name_rfc2253(n: &X509Name<'_>) -> String {
    let rdns: Vec<String> = n
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let (k, v) = attr_text(a, false);
                    format!("{k}={v}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.iter().rev().cloned().collect::<Vec<_>>().join(",")
}

/// OpenSSL 3.0's default `-text` name form (`oneline`).
fn name_oneline(n: &X509Name<'_>) -> String {
    n.iter()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let (k, v) = attr_text(a, true);
                    format!("{k} = {v}")
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `X509_NAME_oneline` (`/C=US/O=…`), as OpenSSL prints a DirName.
fn name_slashed(n: &X509Name<'_>) -> String {
    let mut s = String::new();
    for a in n.iter_attributes() {
        let name = attr_short_name(&a.attr_type().to_id_string());
        let v = a.attr_value();
        let value: String = match attr_chars(v.tag().0, v.data) {
            Some(chars) => chars.into_iter().collect(),
            None => dump_der(
                v.class() as u8,
                v.header.is_constructed(),
                v.tag().0,
                v.data,
            ),
        };
        let _ = write!(s, "/{name}={value}");
    }
    s
}

/// `Mon DD HH:MM:SS YYYY GMT`, day padded with a space, as OpenSSL prints
/// times (`ASN1_TIME_print`).
fn openssl_time(unix: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{} {:2} {:02}:{:02}:{:02} {} GMT",
        MONTHS[(m - 1).clamp(0, 11) as usize],
        d,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        y
    )
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Standard base64 (RFC 4648 §4) with `=` padding, no line breaks.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests;
