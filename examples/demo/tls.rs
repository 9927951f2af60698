//! The demo's TLS 1.2 session: a two-certificate chain (a self-signed CA
//! and a leaf for `shop.example.com`) encoded in DER here and signed with
//! Ed25519 from fixed seeds, and the handshake and application records that
//! carry it. Every byte is fixed: no clock, no system randomness.

use ed25519_dalek::{Signer, SigningKey};

/// DER: a tag, its definite length, the content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(arcs: &[u32]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        body.extend(groups.iter().rev());
    }
    tlv(0x06, &body)
}

/// A positive INTEGER from big-endian bytes.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    if bytes[0] & 0x80 != 0 {
        body.push(0);
    }
    body.extend_from_slice(bytes);
    tlv(0x02, &body)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], bytes].concat())
}

/// AlgorithmIdentifier of Ed25519 (RFC 8410: no parameters).
fn ed25519_alg() -> Vec<u8> {
    seq(&[oid(&[1, 3, 101, 112])])
}

/// Name: C, O, CN.
fn name(org: &str, cn: &str) -> Vec<u8> {
    let rdn = |arcs: &[u32], tag: u8, value: &str| {
        tlv(0x31, &seq(&[oid(arcs), tlv(tag, value.as_bytes())]))
    };
    seq(&[
        rdn(&[2, 5, 4, 6], 0x13, "US"),
        rdn(&[2, 5, 4, 10], 0x0c, org),
        rdn(&[2, 5, 4, 3], 0x0c, cn),
    ])
}

fn extension(arcs: &[u32], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(arcs)];
    if critical {
        parts.push(tlv(0x01, &[0xff]));
    }
    parts.push(tlv(0x04, &value));
    seq(&parts)
}

/// A key identifier: the first 20 bytes of the public key.
fn key_id(key: &SigningKey) -> Vec<u8> {
    key.verifying_key().as_bytes()[..20].to_vec()
}

struct CertSpec<'a> {
    serial: &'a [u8],
    subject: Vec<u8>,
    key: &'a SigningKey,
    issuer: Vec<u8>,
    issuer_key: &'a SigningKey,
    extensions: Vec<Vec<u8>>,
}

fn certificate(spec: CertSpec) -> Vec<u8> {
    let spki = seq(&[
        ed25519_alg(),
        bit_string(spec.key.verifying_key().as_bytes()),
    ]);
    let validity = seq(&[tlv(0x17, b"260101000000Z"), tlv(0x17, b"270101000000Z")]);
    let tbs = seq(&[
        tlv(0xa0, &integer(&[2])),
        integer(spec.serial),
        ed25519_alg(),
        spec.issuer,
        validity,
        spec.subject,
        spki,
        tlv(0xa3, &seq(&spec.extensions)),
    ]);
    let signature = spec.issuer_key.sign(&tbs).to_bytes();
    seq(&[tbs, ed25519_alg(), bit_string(&signature)])
}

/// The demo's chain, leaf first: `shop.example.com` signed by the CA.
pub fn chain() -> (Vec<u8>, Vec<u8>, SigningKey) {
    let ca_key = SigningKey::from_bytes(&[0xca; 32]);
    let leaf_key = SigningKey::from_bytes(&[0x5e; 32]);
    let ca_name = name("Weir Demo", "Weir Demo Root CA");
    let ski = |key: &SigningKey| extension(&[2, 5, 29, 14], false, tlv(0x04, &key_id(key)));
    let aki = extension(&[2, 5, 29, 35], false, seq(&[tlv(0x80, &key_id(&ca_key))]));
    let ca = certificate(CertSpec {
        serial: &[0x10, 0x01],
        subject: ca_name.clone(),
        key: &ca_key,
        issuer: ca_name.clone(),
        issuer_key: &ca_key,
        extensions: vec![
            // basicConstraints CA:TRUE; keyUsage keyCertSign, cRLSign.
            extension(&[2, 5, 29, 19], true, seq(&[tlv(0x01, &[0xff])])),
            extension(&[2, 5, 29, 15], true, tlv(0x03, &[0x01, 0x06])),
            ski(&ca_key),
        ],
    });
    let uri = |method: u32, uri: &str| {
        seq(&[
            oid(&[1, 3, 6, 1, 5, 5, 7, 48, method]),
            tlv(0x86, uri.as_bytes()),
        ])
    };
    let leaf = certificate(CertSpec {
        serial: &[0x20, 0x26, 0x00, 0x42],
        subject: name("Weir Demo Shop", "shop.example.com"),
        key: &leaf_key,
        issuer: ca_name,
        issuer_key: &ca_key,
        extensions: vec![
            // basicConstraints CA:FALSE; keyUsage digitalSignature; serverAuth.
            extension(&[2, 5, 29, 19], true, seq(&[])),
            extension(&[2, 5, 29, 15], true, tlv(0x03, &[0x07, 0x80])),
            extension(
                &[2, 5, 29, 37],
                false,
                seq(&[oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1])]),
            ),
            extension(
                &[2, 5, 29, 17],
                false,
                seq(&[
                    tlv(0x82, b"shop.example.com"),
                    tlv(0x82, b"www.shop.example.com"),
                ]),
            ),
            extension(
                &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                false,
                seq(&[
                    uri(1, "http://ocsp.example.com/"),
                    uri(2, "http://ca.example.com/weir-demo-ca.der"),
                ]),
            ),
            ski(&leaf_key),
            aki,
        ],
    });
    (leaf, ca, leaf_key)
}

/// Deterministic filler (SplitMix64): the random fields and the
/// encrypted-looking records.
struct Filler(u64);

impl Filler {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = self.0;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                (z ^ (z >> 31)) as u8
            })
            .collect()
    }
}

fn u16be(n: usize) -> [u8; 2] {
    [(n >> 8) as u8, n as u8]
}

fn u24be(n: usize) -> [u8; 3] {
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

/// A TLS 1.2 record.
fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
    [&[content_type, 3, 3][..], &u16be(body.len()), body].concat()
}

/// A handshake message.
fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    [&[msg_type][..], &u24be(body.len()), body].concat()
}

fn ext(ext_type: u16, body: &[u8]) -> Vec<u8> {
    [
        &(ext_type as usize).to_be_bytes()[6..],
        &u16be(body.len()),
        body,
    ]
    .concat()
}

fn vec16(body: &[u8]) -> Vec<u8> {
    [&u16be(body.len())[..], body].concat()
}

/// The bytes each side sends, in order: `(from_client, data)`. The
/// server's first flight comes as three pieces cut inside the Certificate
/// message, so that it spans several TCP segments.
pub fn session(host: &str) -> Vec<(bool, Vec<u8>)> {
    let (leaf, ca, leaf_key) = chain();
    let mut fill = Filler(0x7715_2026);
    let client_random = fill.bytes(32);
    let server_random = fill.bytes(32);

    let alpn = |names: &[&str]| {
        let list: Vec<u8> = names
            .iter()
            .flat_map(|n| [&[n.len() as u8][..], n.as_bytes()].concat())
            .collect();
        ext(16, &vec16(&list))
    };
    let sni = vec16(&[&[0u8][..], &vec16(host.as_bytes())].concat());
    let extensions = [
        ext(0, &sni),
        ext(23, &[]),
        ext(0xff01, &[0]),
        ext(10, &vec16(&[0x00, 0x1d, 0x00, 0x17, 0x00, 0x18])),
        ext(11, &[1, 0]),
        ext(
            13,
            &vec16(&[0x08, 0x07, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01]),
        ),
        alpn(&["h2", "http/1.1"]),
    ]
    .concat();
    let client_hello = [
        &[3u8, 3][..],
        &client_random,
        &[0],
        &vec16(&[0xc0, 0x2b, 0xc0, 0x2c, 0xcc, 0xa9]),
        &[1, 0],
        &vec16(&extensions),
    ]
    .concat();

    let session_id = fill.bytes(32);
    let server_ext = [
        ext(0xff01, &[0]),
        ext(23, &[]),
        ext(11, &[1, 0]),
        alpn(&["h2"]),
    ]
    .concat();
    let server_hello = [
        &[3u8, 3][..],
        &server_random,
        &[32],
        &session_id,
        &[0xc0, 0x2b, 0],
        &vec16(&server_ext),
    ]
    .concat();
    let certs: Vec<u8> = [&leaf, &ca]
        .iter()
        .flat_map(|c| [&u24be(c.len())[..], c].concat())
        .collect();
    let certificate = [&u24be(certs.len())[..], &certs].concat();
    // ECDHE over x25519, the parameters signed with the leaf's key.
    let params = [&[3u8, 0x00, 0x1d, 32][..], &fill.bytes(32)].concat();
    let signed = leaf_key
        .sign(&[&client_random[..], &server_random, &params].concat())
        .to_bytes();
    let key_exchange = [&params[..], &[0x08, 0x07], &vec16(&signed)].concat();
    let server_flight = [
        record(22, &handshake(2, &server_hello)),
        record(
            22,
            &[
                handshake(11, &certificate),
                handshake(12, &key_exchange),
                handshake(14, &[]),
            ]
            .concat(),
        ),
    ]
    .concat();
    // Cut inside each certificate: 5-byte record header, 4-byte handshake
    // header and 3+3-byte lengths into the second record.
    let cert_start = 5 + 4 + server_hello.len() + 5 + 4 + 3;
    let cut1 = cert_start + 3 + leaf.len() / 2;
    let cut2 = cert_start + 3 + leaf.len() + 3 + ca.len() / 2;

    let client_finish = [
        record(22, &handshake(16, &[&[32u8][..], &fill.bytes(32)].concat())),
        record(20, &[1]),
        record(22, &fill.bytes(40)),
    ]
    .concat();
    let server_finish = [record(20, &[1]), record(22, &fill.bytes(40))].concat();
    let request = record(23, &fill.bytes(180));
    let response = [
        record(23, &fill.bytes(1_400)),
        record(23, &fill.bytes(2_600)),
    ]
    .concat();
    let alert = record(21, &fill.bytes(26));

    vec![
        (true, record(22, &handshake(1, &client_hello))),
        (false, server_flight[..cut1].to_vec()),
        (false, server_flight[cut1..cut2].to_vec()),
        (false, server_flight[cut2..].to_vec()),
        (true, client_finish),
        (false, server_finish),
        (true, request),
        (false, response),
        (true, alert),
    ]
}
