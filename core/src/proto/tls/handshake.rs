//! The `handshake` module deals with the bodies of the clear-text handshake
//! messages a passive observer needs: ClientHello and ServerHello (RFC 8446
//! §4.1.2–4.1.3, RFC 5246 §7.4.1) and the TLS ≤ 1.2 Certificate message
//! (RFC 5246 §7.4.2), plus decoders for the extensions that fingerprints and
//! events use.
//!
//! Everything borrows the message body: [`ClientHello::parse`] and
//! [`ServerHello::parse`] check the whole structure (every length prefix,
//! no trailing bytes) and keep slices; list accessors decode on demand.
//! Errors are [`Malformed`] naming the field that did not fit. GREASE values
//! (RFC 8701: `0x?A?A` with both bytes equal) are kept by the views and
//! recognised by [`is_grease`], so each consumer decides.

use super::{Malformed, Result};

/// Handshake message types used here.
pub mod msg_type {
    /// client_hello.
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello (and HelloRetryRequest, RFC 8446 §4.1.4).
    pub const SERVER_HELLO: u8 = 2;
    /// certificate.
    pub const CERTIFICATE: u8 = 11;
}

/// Extension types used here (IANA "TLS ExtensionType Values").
pub mod ext {
    /// server_name (RFC 6066).
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups, formerly elliptic_curves (RFC 8422, RFC 7919).
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// ec_point_formats (RFC 8422).
    pub const EC_POINT_FORMATS: u16 = 11;
    /// signature_algorithms (RFC 8446).
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// application_layer_protocol_negotiation (RFC 7301).
    pub const ALPN: u16 = 16;
    /// supported_versions (RFC 8446).
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// The ServerHello random of a HelloRetryRequest: SHA-256 of
/// "HelloRetryRequest" (RFC 8446 §4.1.3).
pub const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Whether `v` is a GREASE value (RFC 8701 §2): 0x0A0A, 0x1A1A ... 0xFAFA,
/// for cipher suites, extensions, groups, versions and signature algorithms.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

/// A cursor over a byte slice (the codec of rustls `Reader`): reads fail
/// with [`Malformed`] naming the field instead of panicking.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(Malformed(what));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }

    /// One byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    /// A big-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A big-endian u24.
    pub fn u24(&mut self, what: &'static str) -> Result<usize> {
        let b = self.take(3, what)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    /// A vector with a 1-byte length prefix.
    pub fn vec8(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let n = self.u8(what)?;
        self.take(usize::from(n), what)
    }

    /// A vector with a 2-byte length prefix.
    pub fn vec16(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let n = self.u16(what)?;
        self.take(usize::from(n), what)
    }

    /// A vector with a 3-byte length prefix.
    pub fn vec24(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let n = self.u24(what)?;
        self.take(n, what)
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Fails unless every byte was read (no trailing bytes in `what`).
    pub fn end(&self, what: &'static str) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Malformed(what))
        }
    }
}

/// One extension: its type and its (undecoded) data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Extension type.
    pub typ: u16,
    /// Extension data.
    pub data: &'a [u8],
}

/// The extensions of a hello, in wire order (checked at parse time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extensions<'a>(&'a [u8]);

impl<'a> Extensions<'a> {
    /// Checks an extensions block (without its 2-byte length prefix).
    fn parse(block: &'a [u8]) -> Result<Extensions<'a>> {
        let mut r = Reader::new(block);
        while !r.is_empty() {
            r.u16("extension type")?;
            r.vec16("extension data")?;
        }
        Ok(Extensions(block))
    }

    /// Every extension in wire order (GREASE included).
    pub fn iter(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        let mut r = Reader::new(self.0);
        std::iter::from_fn(move || {
            let typ = r.u16("").ok()?;
            let data = r.vec16("").ok()?;
            Some(Extension { typ, data })
        })
    }

    /// The data of the first extension of type `typ`.
    pub fn find(&self, typ: u16) -> Option<&'a [u8]> {
        self.iter().find(|e| e.typ == typ).map(|e| e.data)
    }

    /// The types in wire order (GREASE included).
    pub fn types(&self) -> Vec<u16> {
        self.iter().map(|e| e.typ).collect()
    }
}

/// A parsed ClientHello body, borrowing the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// legacy_version (0x0303 for TLS 1.2 and 1.3 clients).
    pub legacy_version: u16,
    /// The 32-byte random.
    pub random: &'a [u8],
    /// legacy_session_id (0 to 32 bytes).
    pub session_id: &'a [u8],
    cipher_suites: &'a [u8],
    /// legacy_compression_methods.
    pub compression: &'a [u8],
    /// The extensions (empty when the hello has none, as SSL 3.0 allows).
    pub extensions: Extensions<'a>,
}

impl<'a> ClientHello<'a> {
    /// Parses a ClientHello body (after the 4-byte handshake header).
    pub fn parse(body: &'a [u8]) -> Result<ClientHello<'a>> {
        let mut r = Reader::new(body);
        let legacy_version = r.u16("client_version")?;
        let random = r.take(32, "random")?;
        let session_id = r.vec8("session_id")?;
        let cipher_suites = r.vec16("cipher_suites")?;
        if !cipher_suites.len().is_multiple_of(2) {
            return Err(Malformed("cipher_suites"));
        }
        let compression = r.vec8("compression_methods")?;
        let extensions = if r.is_empty() {
            Extensions::default()
        } else {
            Extensions::parse(r.vec16("extensions")?)?
        };
        r.end("client_hello trailing bytes")?;
        Ok(ClientHello {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression,
            extensions,
        })
    }

    /// The cipher suites in wire order (GREASE included).
    pub fn cipher_suites(&self) -> Vec<u16> {
        u16s(self.cipher_suites)
    }

    /// The server_name (host_name) value, if the extension is present;
    /// `Ok(None)` without it.
    pub fn server_name(&self) -> Result<Option<&'a [u8]>> {
        self.extensions
            .find(ext::SERVER_NAME)
            .map(decode_server_name)
            .transpose()
            .map(Option::flatten)
    }

    /// The ALPN protocol names, in order (empty without the extension).
    pub fn alpn(&self) -> Result<Vec<&'a [u8]>> {
        self.extensions
            .find(ext::ALPN)
            .map_or(Ok(Vec::new()), decode_alpn)
    }

    /// supported_versions (empty without the extension).
    pub fn supported_versions(&self) -> Result<Vec<u16>> {
        self.extensions
            .find(ext::SUPPORTED_VERSIONS)
            .map_or(Ok(Vec::new()), |d| {
                decode_u16_list8(d, "supported_versions")
            })
    }

    /// supported_groups (empty without the extension).
    pub fn supported_groups(&self) -> Result<Vec<u16>> {
        self.extensions
            .find(ext::SUPPORTED_GROUPS)
            .map_or(Ok(Vec::new()), |d| decode_u16_list16(d, "supported_groups"))
    }

    /// ec_point_formats (empty without the extension).
    pub fn ec_point_formats(&self) -> Result<&'a [u8]> {
        self.extensions
            .find(ext::EC_POINT_FORMATS)
            .map_or(Ok(&[][..]), decode_ec_point_formats)
    }

    /// signature_algorithms in wire order (empty without the extension).
    pub fn signature_algorithms(&self) -> Result<Vec<u16>> {
        self.extensions
            .find(ext::SIGNATURE_ALGORITHMS)
            .map_or(Ok(Vec::new()), |d| {
                decode_u16_list16(d, "signature_algorithms")
            })
    }
}

/// A parsed ServerHello body (or HelloRetryRequest), borrowing the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// legacy_version (0x0303 for TLS 1.3).
    pub legacy_version: u16,
    /// The 32-byte random.
    pub random: &'a [u8],
    /// legacy_session_id_echo.
    pub session_id: &'a [u8],
    /// The selected cipher suite.
    pub cipher_suite: u16,
    /// The selected compression method.
    pub compression: u8,
    /// The extensions (possibly none).
    pub extensions: Extensions<'a>,
}

impl<'a> ServerHello<'a> {
    /// Parses a ServerHello body (after the 4-byte handshake header).
    pub fn parse(body: &'a [u8]) -> Result<ServerHello<'a>> {
        let mut r = Reader::new(body);
        let legacy_version = r.u16("server_version")?;
        let random = r.take(32, "random")?;
        let session_id = r.vec8("session_id")?;
        let cipher_suite = r.u16("cipher_suite")?;
        let compression = r.u8("compression_method")?;
        let extensions = if r.is_empty() {
            Extensions::default()
        } else {
            Extensions::parse(r.vec16("extensions")?)?
        };
        r.end("server_hello trailing bytes")?;
        Ok(ServerHello {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression,
            extensions,
        })
    }

    /// The negotiated version: the supported_versions extension when present
    /// (TLS 1.3, RFC 8446 §4.2.1), else legacy_version.
    pub fn selected_version(&self) -> Result<u16> {
        match self.extensions.find(ext::SUPPORTED_VERSIONS) {
            None => Ok(self.legacy_version),
            Some(d) => {
                let mut r = Reader::new(d);
                let v = r.u16("selected_version")?;
                r.end("selected_version")?;
                Ok(v)
            }
        }
    }

    /// Whether this is a HelloRetryRequest (its random is
    /// [`HELLO_RETRY_RANDOM`]).
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_RANDOM
    }

    /// The selected ALPN protocol, if any.
    pub fn alpn(&self) -> Result<Option<&'a [u8]>> {
        match self.extensions.find(ext::ALPN) {
            None => Ok(None),
            Some(d) => Ok(decode_alpn(d)?.first().copied()),
        }
    }
}

/// The DER certificates of a TLS ≤ 1.2 Certificate message body, leaf first.
pub fn certificate_list(body: &[u8]) -> Result<Vec<&[u8]>> {
    let mut r = Reader::new(body);
    let list = r.vec24("certificate_list")?;
    r.end("certificate trailing bytes")?;
    let mut r = Reader::new(list);
    let mut certs = Vec::new();
    while !r.is_empty() {
        certs.push(r.vec24("certificate")?);
    }
    Ok(certs)
}

/// server_name extension data → the first host_name (RFC 6066 §3); `None`
/// when the list holds no host_name (an empty extension, as servers echo).
pub fn decode_server_name(data: &[u8]) -> Result<Option<&[u8]>> {
    if data.is_empty() {
        return Ok(None);
    }
    let mut r = Reader::new(data);
    let list = r.vec16("server_name_list")?;
    r.end("server_name")?;
    let mut r = Reader::new(list);
    let mut host = None;
    while !r.is_empty() {
        let typ = r.u8("name_type")?;
        let name = r.vec16("host_name")?;
        if typ == 0 && host.is_none() {
            host = Some(name);
        }
    }
    Ok(host)
}

/// ALPN extension data → protocol names in order (RFC 7301 §3.1).
pub fn decode_alpn(data: &[u8]) -> Result<Vec<&[u8]>> {
    let mut r = Reader::new(data);
    let list = r.vec16("protocol_name_list")?;
    r.end("alpn")?;
    let mut r = Reader::new(list);
    let mut names = Vec::new();
    while !r.is_empty() {
        names.push(r.vec8("protocol_name")?);
    }
    Ok(names)
}

/// ec_point_formats extension data → the format bytes.
pub fn decode_ec_point_formats(data: &[u8]) -> Result<&[u8]> {
    let mut r = Reader::new(data);
    let f = r.vec8("ec_point_formats")?;
    r.end("ec_point_formats")?;
    Ok(f)
}

/// A u16 list with a 1-byte length prefix (ClientHello supported_versions).
pub fn decode_u16_list8(data: &[u8], what: &'static str) -> Result<Vec<u16>> {
    let mut r = Reader::new(data);
    let l = r.vec8(what)?;
    r.end(what)?;
    even(l, what)
}

/// A u16 list with a 2-byte length prefix (supported_groups,
/// signature_algorithms).
pub fn decode_u16_list16(data: &[u8], what: &'static str) -> Result<Vec<u16>> {
    let mut r = Reader::new(data);
    let l = r.vec16(what)?;
    r.end(what)?;
    even(l, what)
}

fn even(l: &[u8], what: &'static str) -> Result<Vec<u16>> {
    if !l.len().is_multiple_of(2) {
        return Err(Malformed(what));
    }
    Ok(u16s(l))
}

fn u16s(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

#[cfg(test)]
pub(crate) mod test {
    use super::*;

    /// Builds extension bytes: type, 2-byte length, data.
    pub(crate) fn ext_bytes(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut e = typ.to_be_bytes().to_vec();
        e.extend_from_slice(&(data.len() as u16).to_be_bytes());
        e.extend_from_slice(data);
        e
    }

    pub(crate) fn vec16(b: &[u8]) -> Vec<u8> {
        let mut v = (b.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(b);
        v
    }

    pub(crate) fn list16(vals: &[u16]) -> Vec<u8> {
        vec16(
            &vals
                .iter()
                .flat_map(|v| v.to_be_bytes())
                .collect::<Vec<_>>(),
        )
    }

    /// A ClientHello body with the given fields.
    pub(crate) fn client_hello(version: u16, ciphers: &[u16], exts: &[Vec<u8>]) -> Vec<u8> {
        let mut b = version.to_be_bytes().to_vec();
        b.extend_from_slice(&[0x11; 32]);
        b.push(0);
        b.extend(list16(ciphers));
        b.extend_from_slice(&[1, 0]);
        if !exts.is_empty() {
            b.extend(vec16(&exts.concat()));
        }
        b
    }

    pub(crate) fn sni(host: &str) -> Vec<u8> {
        let mut entry = vec![0];
        entry.extend(vec16(host.as_bytes()));
        ext_bytes(ext::SERVER_NAME, &vec16(&entry))
    }

    pub(crate) fn alpn(names: &[&str]) -> Vec<u8> {
        let mut l = Vec::new();
        for n in names {
            l.push(n.len() as u8);
            l.extend_from_slice(n.as_bytes());
        }
        ext_bytes(ext::ALPN, &vec16(&l))
    }

    pub(crate) fn versions(v: &[u16]) -> Vec<u8> {
        let l: Vec<u8> = v.iter().flat_map(|v| v.to_be_bytes()).collect();
        let mut d = vec![l.len() as u8];
        d.extend(l);
        ext_bytes(ext::SUPPORTED_VERSIONS, &d)
    }

    #[test]
    fn grease_values() {
        let all: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease(v)).collect();
        assert_eq!(all.len(), 16);
        assert_eq!(all[0], 0x0a0a);
        assert_eq!(all[15], 0xfafa);
        assert!(!is_grease(0x0a1a));
    }

    #[test]
    fn client_hello_fields_and_decoders() {
        let body = client_hello(
            0x0303,
            &[0x2a2a, 0x1301, 0xc02b],
            &[
                ext_bytes(0x3a3a, &[]),
                sni("example.com"),
                alpn(&["h2", "http/1.1"]),
                versions(&[0x7a7a, 0x0304, 0x0303]),
                ext_bytes(ext::SUPPORTED_GROUPS, &list16(&[0x4a4a, 29, 23])),
                ext_bytes(ext::EC_POINT_FORMATS, &[1, 0]),
                ext_bytes(ext::SIGNATURE_ALGORITHMS, &list16(&[0x0403, 0x0804])),
            ],
        );
        let ch = ClientHello::parse(&body).unwrap();
        assert_eq!(ch.legacy_version, 0x0303);
        assert_eq!(ch.cipher_suites(), [0x2a2a, 0x1301, 0xc02b]);
        assert_eq!(ch.compression, [0]);
        assert_eq!(ch.extensions.types(), [0x3a3a, 0, 16, 43, 10, 11, 13]);
        assert_eq!(ch.server_name().unwrap(), Some(&b"example.com"[..]));
        assert_eq!(ch.alpn().unwrap(), [&b"h2"[..], b"http/1.1"]);
        assert_eq!(ch.supported_versions().unwrap(), [0x7a7a, 0x0304, 0x0303]);
        assert_eq!(ch.supported_groups().unwrap(), [0x4a4a, 29, 23]);
        assert_eq!(ch.ec_point_formats().unwrap(), [0]);
        assert_eq!(ch.signature_algorithms().unwrap(), [0x0403, 0x0804]);
        // Every truncation fails cleanly; no extensions at all is fine.
        for n in 0..body.len() {
            let _ = ClientHello::parse(&body[..n]);
        }
        let bare = client_hello(0x0300, &[4], &[]);
        assert!(ClientHello::parse(&bare)
            .unwrap()
            .extensions
            .types()
            .is_empty());
        let mut trailing = body.clone();
        trailing.push(0);
        assert!(ClientHello::parse(&trailing).is_err());
    }

    #[test]
    fn server_hello_versions_hrr_and_certificates() {
        let mut b = 0x0303u16.to_be_bytes().to_vec();
        b.extend_from_slice(&HELLO_RETRY_RANDOM);
        b.push(0);
        b.extend_from_slice(&0x1301u16.to_be_bytes());
        b.push(0);
        b.extend(vec16(&[ext_bytes(43, &[3, 4]), alpn(&["h2"])].concat()));
        let sh = ServerHello::parse(&b).unwrap();
        assert_eq!(sh.selected_version().unwrap(), 0x0304);
        assert_eq!(sh.cipher_suite, 0x1301);
        assert!(sh.is_hello_retry_request());
        assert_eq!(sh.alpn().unwrap(), Some(&b"h2"[..]));

        let certs = [&[0x30u8, 1, 2][..], &[0x30, 9]];
        let mut l = Vec::new();
        for c in certs {
            l.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            l.extend_from_slice(c);
        }
        let mut m = (l.len() as u32).to_be_bytes()[1..].to_vec();
        m.extend(l);
        assert_eq!(certificate_list(&m).unwrap(), certs);
        assert!(certificate_list(&m[..m.len() - 1]).is_err());
    }
}
