//! Tests of the `decode` module: literal frames (built with correct checksums
//! and cross-checked with tshark), malformed and truncated variants, mutation
//! sweeps that must never panic, and every frame of the real captures in
//! `shared/pcaps` against tshark's oracle tables.

/// `shared/pcaps` beside the checkout (or `$WEIR_SHARED/pcaps`); the tests
/// that read real captures fail when it is missing.
fn pcaps_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("WEIR_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
        .join("pcaps");
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "real captures not found at {} (set WEIR_SHARED)",
        dir.display()
    );
    dir
}
use super::*;

// Test frames: built with correct IP/TCP/UDP/ICMP checksums and checked
// with tshark 4.0.17 (same layers as it dissects). tshark only objects to
// application payloads that are not real DNS/SSH messages, the deprecated
// routing header type 0 and the jumbogram (a real one exceeds 65,535 bytes).

/// Ethernet / IPv4 / TCP 51000->80 PSH|ACK, timestamps option (32-byte header), payload "hello" (71 bytes).
static ETH_IPV4_TCP: [u8; 71] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x39, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x26, 0xec, 0xc0, 0xa8, 0x01, 0x0a, 0x5d, 0xb8,
    0xd8, 0x22, 0xc7, 0x38, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0x80, 0x18,
    0xfa, 0xf0, 0x4d, 0x64, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
    0x77, 0x88, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
];

/// Ethernet / IPv4 / UDP 5353->53 with 4 bytes of data, padded to 60 bytes (60 bytes).
static ETH_IPV4_UDP_PADDED: [u8; 60] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x20, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x26, 0xfa, 0xc0, 0xa8, 0x01, 0x0a, 0x5d, 0xb8,
    0xd8, 0x22, 0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x14, 0x5a, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Ethernet / 802.1Q (PCP 5, VLAN 42) / IPv4 / UDP 40000->53, 6 bytes of data (52 bytes).
static ETH_VLAN_IPV4_UDP: [u8; 52] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x81, 0x00, 0xa0, 0x2a,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x22, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x26, 0xf8, 0xc0, 0xa8,
    0x01, 0x0a, 0x5d, 0xb8, 0xd8, 0x22, 0x9c, 0x40, 0x00, 0x35, 0x00, 0x0e, 0x1b, 0xc6, 0x71, 0x75,
    0x65, 0x72, 0x79, 0x21,
];

/// Ethernet / 802.1ad (DEI, VLAN 10) / 802.1Q (VLAN 20) / IPv4 / TCP SYN 51000->80 (62 bytes).
static ETH_QINQ_IPV4_TCP: [u8; 62] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x88, 0xa8, 0x10, 0x0a,
    0x81, 0x00, 0x00, 0x14, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06,
    0x26, 0xfd, 0xc0, 0xa8, 0x01, 0x0a, 0x5d, 0xb8, 0xd8, 0x22, 0xc7, 0x38, 0x00, 0x50, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0, 0xf5, 0xda, 0x00, 0x00,
];

/// Ethernet / 0x9100 (VLAN 100) / 802.1ad (VLAN 200) / 802.1Q (VLAN 300) / IPv6 / UDP 546->547 (78 bytes).
static ETH_TRIPLE_TAG_IPV6_UDP: [u8; 78] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x91, 0x00, 0x00, 0x64,
    0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0xf1, 0x2c, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0c,
    0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x02, 0x02, 0x22, 0x02, 0x23, 0x00, 0x0c, 0xd8, 0x43, 0x64, 0x68, 0x63, 0x70,
];

/// Linux cooked v1 / IPv4 / UDP 33333->53, 4 bytes of data (48 bytes).
static SLL_IPV4_UDP: [u8; 48] = [
    0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x00, 0x00, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x20, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x26, 0xfa, 0xc0, 0xa8, 0x01, 0x0a,
    0x5d, 0xb8, 0xd8, 0x22, 0x82, 0x35, 0x00, 0x35, 0x00, 0x0c, 0x72, 0xaa, 0x12, 0x34, 0x01, 0x00,
];

/// Linux cooked v1 (outgoing) / IPv6 / TCP 443->50000 FIN|ACK (76 bytes).
static SLL_IPV6_TCP: [u8; 76] = [
    0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x00, 0x00, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0xbb, 0xc3, 0x50, 0x00, 0x00, 0x00, 0x07,
    0x00, 0x00, 0x00, 0x08, 0x50, 0x11, 0xfa, 0xf0, 0x94, 0x53, 0x00, 0x00,
];

/// Linux cooked v1 / ARP (zeroed body) (44 bytes).
static SLL_ARP: [u8; 44] = [
    0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x00, 0x00, 0x08, 0x06,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Raw IPv4 / ICMP echo request (id 0x1234, seq 1, 4 bytes of data) (32 bytes).
static RAW_IPV4_ICMP: [u8; 32] = [
    0x45, 0x00, 0x00, 0x20, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x01, 0x27, 0x0a, 0xc0, 0xa8, 0x01, 0x0a,
    0x5d, 0xb8, 0xd8, 0x22, 0x08, 0x00, 0x21, 0x04, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64,
];

/// Raw IPv6 / TCP SYN 50000->443 with MSS option (64 bytes).
static RAW_IPV6_TCP: [u8; 64] = [
    0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc3, 0x50, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x64,
    0x00, 0x00, 0x00, 0x00, 0x60, 0x02, 0xfa, 0xf0, 0x7c, 0x51, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
];

/// Ethernet / IPv6 / hop-by-hop (PadN) / fragment (offset 0, M) / UDP 7000->7001, 16 bytes of data (94 bytes).
static ETH_IPV6_HBH_FRAG_FIRST_UDP: [u8; 94] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x28, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x2c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00,
    0x00, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x1b, 0x58, 0x1b, 0x59, 0x0b, 0xc0, 0x00, 0x00, 0x30, 0x31,
    0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
];

/// Ethernet / IPv6 / fragment (offset 1448, last) of a UDP datagram, 24 bytes of fragment data (86 bytes).
static ETH_IPV6_FRAG_LATER: [u8; 86] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x20, 0x2c, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11, 0x00, 0x05, 0xa8, 0xde, 0xad, 0xbe, 0xef, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
];

/// Ethernet / IPv4 first fragment (MF, offset 0) / UDP 2049->800, 32 bytes of data in this fragment (74 bytes).
static ETH_IPV4_FRAG_FIRST_UDP: [u8; 74] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x3c, 0x55, 0x55, 0x20, 0x00, 0x40, 0x11, 0x0d, 0xcf, 0xc0, 0xa8, 0x01, 0x0a, 0x5d, 0xb8,
    0xd8, 0x22, 0x08, 0x01, 0x03, 0x20, 0x05, 0xf0, 0x00, 0x00, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52,
    0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52,
    0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52,
];

/// Ethernet / IPv4 last fragment (offset 1480) of a UDP datagram, 20 bytes of data, padded to 60 (60 bytes).
static ETH_IPV4_FRAG_LATER: [u8; 60] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x28, 0x55, 0x55, 0x00, 0xb9, 0x40, 0x11, 0x2d, 0x2a, 0xc0, 0xa8, 0x01, 0x0a, 0x5d, 0xb8,
    0xd8, 0x22, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53,
    0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Ethernet / ARP request, padded to 60 (60 bytes).
static ETH_ARP: [u8; 60] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x06, 0x00, 0x01,
    0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0xc0, 0xa8, 0x01, 0x0a,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5d, 0xb8, 0xd8, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// IEEE 802.3 (length 38) / LLC (STP) (52 bytes).
static ETH_LLC: [u8; 52] = [
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x00, 0x26, 0x42, 0x42,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
];

/// Ethernet / IPv6 / ICMPv6 echo request (id 0x777, seq 3, 4 bytes of data) (66 bytes).
static ETH_IPV6_ICMPV6: [u8; 66] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x0c, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0x3d, 0xf9, 0x07, 0x77, 0x00, 0x03, 0x70, 0x69,
    0x6e, 0x67,
];

/// Ethernet / IPv4 / GRE / IPv4 / ICMP echo reply (66 bytes).
static ETH_IPV4_GRE: [u8; 66] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x34, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x2f, 0x26, 0xc8, 0xc0, 0xa8, 0x01, 0x0a, 0x5d, 0xb8,
    0xd8, 0x22, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x01,
    0x0a, 0x99, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfd, 0x00, 0x01,
    0x00, 0x01,
];

/// Ethernet / IPv6 / routing (24) / destination options (8) / AH (24) / TCP 1234->22 ACK, "ssh" (133 bytes).
static ETH_IPV6_EXT_CHAIN_TCP: [u8; 133] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x4f, 0x2b, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3c, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33, 0x00,
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xd2,
    0x00, 0x16, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x50, 0x10, 0xfa, 0xf0, 0x79, 0x05,
    0x00, 0x00, 0x73, 0x73, 0x68,
];

/// Ethernet / IPv6 / destination options / ESP (32 bytes) (94 bytes).
static ETH_IPV6_ESP: [u8; 94] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x28, 0x3c, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x32, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Ethernet / IPv6 jumbogram (payload length 0) / hop-by-hop with Jumbo Payload / UDP 9000->9001, 8 bytes of data (78 bytes).
static ETH_IPV6_JUMBO_UDP: [u8; 78] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11, 0x00, 0xc2, 0x04, 0x00, 0x00, 0x00, 0x18, 0x23, 0x28,
    0x23, 0x29, 0x00, 0x00, 0x00, 0x00, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a,
];

/// Ethernet / IPv4 with Router Alert option (IHL 6) / TCP 179->40000, 4 bytes of data (62 bytes).
static ETH_IPV4_OPTIONS_TCP: [u8; 62] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x00, 0x46, 0x00,
    0x00, 0x30, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x91, 0xf0, 0xc0, 0xa8, 0x01, 0x0a, 0x5d, 0xb8,
    0xd8, 0x22, 0x94, 0x04, 0x00, 0x00, 0x00, 0xb3, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x02, 0x50, 0x18, 0xfa, 0xf0, 0x4d, 0xcb, 0x00, 0x00, 0x62, 0x67, 0x70, 0x21,
];

/// Ethernet / IPv6 / hop-by-hop / no next header (62 bytes).
static ETH_IPV6_NO_NEXT: [u8; 62] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
];

const A4: [u8; 16] = [192, 168, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const B4: [u8; 16] = [93, 184, 216, 34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const A6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const B6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// Every frame above with its link type.
const ALL_FRAMES: [(LinkType, &[u8]); 23] = [
    (LinkType::Ethernet, &ETH_IPV4_TCP),
    (LinkType::Ethernet, &ETH_IPV4_UDP_PADDED),
    (LinkType::Ethernet, &ETH_VLAN_IPV4_UDP),
    (LinkType::Ethernet, &ETH_QINQ_IPV4_TCP),
    (LinkType::Ethernet, &ETH_TRIPLE_TAG_IPV6_UDP),
    (LinkType::LinuxSll, &SLL_IPV4_UDP),
    (LinkType::LinuxSll, &SLL_IPV6_TCP),
    (LinkType::LinuxSll, &SLL_ARP),
    (LinkType::RawIp, &RAW_IPV4_ICMP),
    (LinkType::RawIp, &RAW_IPV6_TCP),
    (LinkType::Ethernet, &ETH_IPV6_HBH_FRAG_FIRST_UDP),
    (LinkType::Ethernet, &ETH_IPV6_FRAG_LATER),
    (LinkType::Ethernet, &ETH_IPV4_FRAG_FIRST_UDP),
    (LinkType::Ethernet, &ETH_IPV4_FRAG_LATER),
    (LinkType::Ethernet, &ETH_ARP),
    (LinkType::Ethernet, &ETH_LLC),
    (LinkType::Ethernet, &ETH_IPV6_ICMPV6),
    (LinkType::Ethernet, &ETH_IPV4_GRE),
    (LinkType::Ethernet, &ETH_IPV6_EXT_CHAIN_TCP),
    (LinkType::Ethernet, &ETH_IPV6_ESP),
    (LinkType::Ethernet, &ETH_IPV6_JUMBO_UDP),
    (LinkType::Ethernet, &ETH_IPV4_OPTIONS_TCP),
    (LinkType::Ethernet, &ETH_IPV6_NO_NEXT),
];

fn ok(link: LinkType, frame: &[u8]) -> Decoded {
    let d = decode(link, frame)
        .unwrap_or_else(|e| panic!("decode error {e}"))
        .expect("an IP frame");
    check_invariants(frame, &d);
    d
}

fn err(link: LinkType, frame: &[u8]) -> DecodeError {
    decode(link, frame).expect_err("a decode error")
}

/// What must hold for every successful decode, whatever the input.
fn check_invariants(frame: &[u8], d: &Decoded) {
    let start = d.payload_offset as usize;
    let end = start + d.payload_len as usize;
    assert!(
        end <= frame.len(),
        "payload {start}..{end} past {}",
        frame.len()
    );
    assert!(d.vlan_count <= 2);
    for unused in &d.vlan[usize::from(d.vlan_count)..] {
        assert_eq!(*unused, 0);
    }
    if d.ip_version == IpVersion::V4 {
        assert_eq!(d.src_ip[4..], [0u8; 12]);
        assert_eq!(d.dst_ip[4..], [0u8; 12]);
    }
    if d.fragment == Fragment::Later || !matches!(d.proto, 6 | 17) {
        assert_eq!((d.src_port, d.dst_port), (0, 0));
    }
    if d.proto != 6 || d.fragment == Fragment::Later {
        assert_eq!(d.tcp_flags, 0);
    }
    if !matches!(d.proto, 1 | 58) || d.fragment == Fragment::Later {
        assert_eq!((d.icmp_type, d.icmp_code), (0, 0));
    }
}

#[test]
fn test_reasons_are_distinct() {
    let all = [
        DecodeError::UnsupportedLinkType,
        DecodeError::EthernetTruncated,
        DecodeError::VlanTruncated,
        DecodeError::SllTruncated,
        DecodeError::BadIpVersion,
        DecodeError::Ipv4Truncated,
        DecodeError::Ipv4BadHeader,
        DecodeError::Ipv6Truncated,
        DecodeError::Ipv6ExtTruncated,
        DecodeError::TcpTruncated,
        DecodeError::TcpBadOffset,
        DecodeError::UdpTruncated,
        DecodeError::IcmpTruncated,
        DecodeError::Sll2Truncated,
        DecodeError::NullTruncated,
        DecodeError::PppTruncated,
        DecodeError::GreTruncated,
        DecodeError::VxlanTruncated,
        DecodeError::GeneveTruncated,
        DecodeError::MplsTruncated,
        DecodeError::PppoeTruncated,
        DecodeError::PppoeBadHeader,
    ];
    for (i, a) in all.iter().enumerate() {
        assert_eq!(a.to_string(), a.reason());
        for b in &all[i + 1..] {
            assert_ne!(a.reason(), b.reason());
        }
    }
}

#[test]
fn test_ethernet_ipv4_tcp() {
    let d = ok(LinkType::Ethernet, &ETH_IPV4_TCP);
    assert_eq!(
        d,
        Decoded {
            ip_version: IpVersion::V4,
            src_ip: A4,
            dst_ip: B4,
            proto: 6,
            src_port: 51000,
            dst_port: 80,
            vlan: [0, 0],
            vlan_count: 0,
            tcp_flags: tcp_flags::PSH | tcp_flags::ACK,
            tcp_seq: 0x0102_0304,
            tcp_ack: 0x0A0B_0C0D,
            payload_len: 5,
            payload_offset: 66,
            fragment: Fragment::None,
            frag: crate::decode::FragmentPart::default(),
            icmp_type: 0,
            icmp_code: 0,
            encap: crate::decode::Encap::NONE,
            outer: None,
        }
    );
    assert_eq!(&ETH_IPV4_TCP[66..], b"hello");
}

#[test]
fn test_ethernet_ipv4_tcp_truncated_at_each_layer() {
    let frame = &ETH_IPV4_TCP[..];
    for len in 0..frame.len() {
        let got = decode(LinkType::Ethernet, &frame[..len]);
        let want = match len {
            0..14 => Err(DecodeError::EthernetTruncated),
            14..34 => Err(DecodeError::Ipv4Truncated),
            // Fixed header cut (34..54), then options cut by a snap length.
            34..66 => Err(DecodeError::TcpTruncated),
            _ => {
                // Cut inside the payload: still decodes, with what was captured.
                let d = got.unwrap().unwrap();
                assert_eq!(d.payload_len as usize, len - 66, "len {len}");
                assert_eq!(d.src_port, 51000);
                continue;
            }
        };
        assert_eq!(got, want, "len {len}");
    }
}

#[test]
fn test_ipv4_padding_excluded() {
    let d = ok(LinkType::Ethernet, &ETH_IPV4_UDP_PADDED);
    assert_eq!(d.proto, 17);
    assert_eq!((d.src_port, d.dst_port), (5353, 53));
    assert_eq!(d.payload_len, 4);
    assert_eq!(d.payload_offset, 42);
    assert_eq!(&ETH_IPV4_UDP_PADDED[42..46], b"ping");
    assert_eq!(d.fragment, Fragment::None);
}

#[test]
fn test_udp_uses_ip_length_not_udp_length() {
    // UDP length field says 0xffff: ignored.
    let mut frame = ETH_IPV4_UDP_PADDED;
    frame[38] = 0xff;
    frame[39] = 0xff;
    assert_eq!(ok(LinkType::Ethernet, &frame).payload_len, 4);
    // UDP length field says 3 (below the header): still no underflow.
    frame[38] = 0;
    frame[39] = 3;
    assert_eq!(ok(LinkType::Ethernet, &frame).payload_len, 4);
}

#[test]
fn test_udp_truncated() {
    for len in 34..42 {
        assert_eq!(
            err(LinkType::Ethernet, &ETH_IPV4_UDP_PADDED[..len]),
            DecodeError::UdpTruncated
        );
    }
    // The datagram itself is too short (total length 26), although the
    // padding makes the frame long enough.
    let mut frame = ETH_IPV4_UDP_PADDED;
    frame[17] = 26;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::UdpTruncated);
    // UDP header only.
    frame[17] = 28;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!(d.payload_len, 0);
    assert_eq!(d.src_port, 5353);
}

#[test]
fn test_vlan() {
    let d = ok(LinkType::Ethernet, &ETH_VLAN_IPV4_UDP);
    assert_eq!(d.vlan_count, 1);
    assert_eq!(d.vlan, [42, 0]);
    assert_eq!((d.src_port, d.dst_port), (40000, 53));
    assert_eq!(d.payload_len, 6);
    assert_eq!(d.payload_offset, 46);
    assert_eq!(&ETH_VLAN_IPV4_UDP[46..], b"query!");
}

#[test]
fn test_qinq() {
    let d = ok(LinkType::Ethernet, &ETH_QINQ_IPV4_TCP);
    assert_eq!(d.vlan_count, 2);
    assert_eq!(d.vlan, [10, 20]);
    assert_eq!(d.proto, 6);
    assert_eq!(d.tcp_flags, tcp_flags::SYN);
    assert_eq!(d.payload_len, 0);
    assert_eq!(d.payload_offset, 62);
    let frame = &ETH_QINQ_IPV4_TCP[..];
    for len in 0..frame.len() {
        let want = match len {
            0..14 => DecodeError::EthernetTruncated,
            14..22 => DecodeError::VlanTruncated,
            22..42 => DecodeError::Ipv4Truncated,
            _ => DecodeError::TcpTruncated,
        };
        assert_eq!(err(LinkType::Ethernet, &frame[..len]), want, "len {len}");
    }
}

#[test]
fn test_three_tags_keep_two() {
    let d = ok(LinkType::Ethernet, &ETH_TRIPLE_TAG_IPV6_UDP);
    assert_eq!(d.vlan_count, 2);
    assert_eq!(d.vlan, [100, 200]);
    assert_eq!(d.ip_version, IpVersion::V6);
    assert_eq!((d.src_ip, d.dst_ip), (A6, B6));
    assert_eq!((d.src_port, d.dst_port), (546, 547));
    assert_eq!(d.payload_len, 4);
    assert_eq!(d.payload_offset, 74);
    // The innermost id uses only the low 12 bits of a TCI of 0xf12c.
    let mut frame = ETH_TRIPLE_TAG_IPV6_UDP;
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[14] = 0xf1;
    frame[15] = 0x2c;
    assert_eq!(ok(LinkType::Ethernet, &frame).vlan, [300, 200]);
}

#[test]
fn test_not_ip() {
    assert_eq!(decode(LinkType::Ethernet, &ETH_ARP), Ok(None));
    assert_eq!(decode(LinkType::Ethernet, &ETH_LLC), Ok(None));
    assert_eq!(decode(LinkType::LinuxSll, &SLL_ARP), Ok(None));
    // LLDP, and ARP behind a VLAN tag.
    let mut frame = ETH_ARP;
    frame[12] = 0x88;
    frame[13] = 0xcc;
    assert_eq!(decode(LinkType::Ethernet, &frame), Ok(None));
    let mut frame = ETH_VLAN_IPV4_UDP;
    frame[16] = 0x08;
    frame[17] = 0x06;
    assert_eq!(decode(LinkType::Ethernet, &frame), Ok(None));
    // Header only: nothing to look at.
    assert_eq!(decode(LinkType::Ethernet, &ETH_ARP[..14]), Ok(None));
}

#[test]
fn test_sll() {
    let d = ok(LinkType::LinuxSll, &SLL_IPV4_UDP);
    assert_eq!((d.ip_version, d.src_ip, d.dst_ip), (IpVersion::V4, A4, B4));
    assert_eq!((d.src_port, d.dst_port), (33333, 53));
    assert_eq!(d.payload_len, 4);
    assert_eq!(d.payload_offset, 44);
    assert_eq!(d.vlan_count, 0);

    let d = ok(LinkType::LinuxSll, &SLL_IPV6_TCP);
    assert_eq!((d.ip_version, d.src_ip, d.dst_ip), (IpVersion::V6, A6, B6));
    assert_eq!((d.src_port, d.dst_port), (443, 50000));
    assert_eq!(d.tcp_flags, tcp_flags::FIN | tcp_flags::ACK);
    assert_eq!(d.payload_offset, 76);
    assert_eq!(d.payload_len, 0);

    for len in 0..16 {
        assert_eq!(
            err(LinkType::LinuxSll, &SLL_IPV4_UDP[..len]),
            DecodeError::SllTruncated
        );
    }
    assert_eq!(
        err(LinkType::LinuxSll, &SLL_IPV4_UDP[..16]),
        DecodeError::Ipv4Truncated
    );
    assert_eq!(
        err(LinkType::LinuxSll, &SLL_IPV6_TCP[..50]),
        DecodeError::Ipv6Truncated
    );
}

#[test]
fn test_sll_vlan() {
    // SLL whose protocol announces an 802.1Q tag (VLAN 7) before IPv4.
    let mut frame = [0u8; 52];
    frame[..14].copy_from_slice(&SLL_IPV4_UDP[..14]);
    frame[14..16].copy_from_slice(&[0x81, 0x00]);
    frame[16..20].copy_from_slice(&[0x00, 0x07, 0x08, 0x00]);
    frame[20..].copy_from_slice(&SLL_IPV4_UDP[16..]);
    let d = ok(LinkType::LinuxSll, &frame);
    assert_eq!((d.vlan_count, d.vlan), (1, [7, 0]));
    assert_eq!(d.payload_offset, 48);
    assert_eq!(d.src_port, 33333);
}

#[test]
fn test_raw_ip() {
    for link in [LinkType::RawIp, LinkType::RawIpv4] {
        let d = ok(link, &RAW_IPV4_ICMP);
        assert_eq!((d.ip_version, d.src_ip, d.dst_ip), (IpVersion::V4, A4, B4));
        assert_eq!(d.proto, 1);
        assert_eq!((d.icmp_type, d.icmp_code), (8, 0));
        assert_eq!((d.src_port, d.dst_port), (0, 0));
        assert_eq!(d.payload_len, 12);
        assert_eq!(d.payload_offset, 20);
    }
    for link in [LinkType::RawIp, LinkType::RawIpv6] {
        let d = ok(link, &RAW_IPV6_TCP);
        assert_eq!((d.ip_version, d.src_ip, d.dst_ip), (IpVersion::V6, A6, B6));
        assert_eq!((d.src_port, d.dst_port), (50000, 443));
        assert_eq!(d.tcp_flags, tcp_flags::SYN);
        assert_eq!(d.payload_offset, 64);
        assert_eq!(d.payload_len, 0);
    }
    assert_eq!(
        err(LinkType::RawIpv6, &RAW_IPV4_ICMP),
        DecodeError::BadIpVersion
    );
    assert_eq!(
        err(LinkType::RawIpv6, &RAW_IPV4_ICMP[..1]),
        DecodeError::BadIpVersion
    );
    assert_eq!(
        err(LinkType::RawIpv4, &RAW_IPV6_TCP[..1]),
        DecodeError::BadIpVersion
    );
    assert_eq!(
        err(LinkType::RawIpv4, &RAW_IPV6_TCP),
        DecodeError::BadIpVersion
    );
    assert_eq!(err(LinkType::RawIp, &[]), DecodeError::BadIpVersion);
    let mut frame = RAW_IPV4_ICMP;
    for version in [0u8, 5, 7, 15] {
        frame[0] = (version << 4) | 5;
        assert_eq!(err(LinkType::RawIp, &frame), DecodeError::BadIpVersion);
    }
    assert_eq!(
        err(LinkType::RawIp, &RAW_IPV4_ICMP[..1]),
        DecodeError::Ipv4Truncated
    );
    assert_eq!(
        err(LinkType::RawIp, &RAW_IPV6_TCP[..39]),
        DecodeError::Ipv6Truncated
    );
    assert_eq!(err(LinkType::RawIpv4, &[]), DecodeError::Ipv4Truncated);
    assert_eq!(err(LinkType::RawIpv6, &[]), DecodeError::Ipv6Truncated);
}

#[test]
fn test_unsupported_link() {
    for value in [0, 105, 127, 228 + 100] {
        assert_eq!(
            err(LinkType::Other(value), &ETH_IPV4_TCP),
            DecodeError::UnsupportedLinkType
        );
    }
    assert_eq!(
        err(LinkType::Other(1), &[]),
        DecodeError::UnsupportedLinkType
    );
}

#[test]
fn test_ethertype_version_mismatch() {
    // An IPv6 packet behind ethertype 0x0800, and the other way round.
    let mut frame = ETH_IPV6_ICMPV6;
    frame[12] = 0x08;
    frame[13] = 0x00;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::BadIpVersion);
    let mut frame = ETH_IPV4_TCP;
    frame[12] = 0x86;
    frame[13] = 0xdd;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::BadIpVersion);
}

#[test]
fn test_ipv4_bad_header() {
    for ihl in 0..5u8 {
        let mut frame = ETH_IPV4_TCP;
        frame[14] = 0x40 | ihl;
        assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::Ipv4BadHeader);
    }
    // Total length 19 < 20.
    let mut frame = ETH_IPV4_TCP;
    frame[16] = 0;
    frame[17] = 19;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::Ipv4BadHeader);
    // IHL 15 with total length 57 (< 60).
    let mut frame = ETH_IPV4_TCP;
    frame[14] = 0x4f;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::Ipv4BadHeader);
    // IHL 15 with a big total length but only 57 bytes captured.
    frame[16] = 0x05;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::Ipv4Truncated);
}

#[test]
fn test_ipv4_options() {
    let d = ok(LinkType::Ethernet, &ETH_IPV4_OPTIONS_TCP);
    assert_eq!((d.src_port, d.dst_port), (179, 40000));
    assert_eq!(d.payload_len, 4);
    assert_eq!(d.payload_offset, 58);
    assert_eq!(&ETH_IPV4_OPTIONS_TCP[58..], b"bgp!");
    // Cut inside the options.
    for len in 34..38 {
        assert_eq!(
            err(LinkType::Ethernet, &ETH_IPV4_OPTIONS_TCP[..len]),
            DecodeError::Ipv4Truncated
        );
    }
}

#[test]
fn test_tcp_bad_offset() {
    for offset in 0..5u8 {
        let mut frame = ETH_IPV4_TCP;
        frame[46] = offset << 4;
        assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::TcpBadOffset);
    }
    // Data offset 15 (60 bytes) in a 37-byte segment.
    let mut frame = ETH_IPV4_TCP;
    frame[46] = 0xf0;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::TcpBadOffset);
    // Data offset 9 (36 bytes) in the 37-byte segment: 1 byte of payload.
    frame[46] = 0x90;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!(d.payload_len, 1);
    assert_eq!(d.payload_offset, 70);
    // The same 9 when the IP length cuts the segment to 30 bytes.
    frame[17] = 50;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::TcpBadOffset);
}

#[test]
fn test_tcp_datagram_too_short() {
    // Total length 20 + 19: the segment really is shorter than a TCP header,
    // although the frame holds more bytes.
    let mut frame = ETH_IPV4_TCP;
    frame[16] = 0;
    frame[17] = 39;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::TcpTruncated);
    // Total length 20 + 20 with data offset 8: bad offset.
    frame[17] = 40;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::TcpBadOffset);
    // Total length 20 + 20 with data offset 5: header only.
    frame[46] = 0x50;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!(d.payload_len, 0);
    assert_eq!(d.payload_offset, 54);
}

#[test]
fn test_icmp() {
    let d = ok(LinkType::Ethernet, &ETH_IPV6_ICMPV6);
    assert_eq!(d.ip_version, IpVersion::V6);
    assert_eq!(d.proto, 58);
    assert_eq!((d.icmp_type, d.icmp_code), (128, 0));
    assert_eq!((d.src_port, d.dst_port), (0, 0));
    assert_eq!(d.payload_len, 12);
    assert_eq!(d.payload_offset, 54);
    for len in 54..58 {
        assert_eq!(
            err(LinkType::Ethernet, &ETH_IPV6_ICMPV6[..len]),
            DecodeError::IcmpTruncated
        );
    }
    // Payload length 3: the datagram is too short for the ICMP header.
    let mut frame = ETH_IPV6_ICMPV6;
    frame[19] = 3;
    assert_eq!(err(LinkType::Ethernet, &frame), DecodeError::IcmpTruncated);
    frame[19] = 4;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!(d.payload_len, 4);
}

#[test]
fn test_other_protocols() {
    let d = ok(LinkType::Ethernet, &ETH_IPV4_GRE);
    assert_eq!(d.proto, 47);
    assert_eq!((d.src_port, d.dst_port), (0, 0));
    assert_eq!((d.icmp_type, d.icmp_code), (0, 0));
    assert_eq!(d.src_ip, A4);
    assert_eq!(d.payload_len, 32);
    assert_eq!(d.payload_offset, 34);

    let d = ok(LinkType::Ethernet, &ETH_IPV6_ESP);
    assert_eq!(d.proto, 50);
    assert_eq!((d.src_port, d.dst_port), (0, 0));
    assert_eq!(d.payload_len, 32);
    assert_eq!(d.payload_offset, 62);

    let d = ok(LinkType::Ethernet, &ETH_IPV6_NO_NEXT);
    assert_eq!(d.proto, 59);
    assert_eq!(d.payload_len, 0);
    assert_eq!(d.payload_offset, 62);

    // OSPF (89) with an empty payload.
    let mut frame = ETH_IPV4_UDP_PADDED;
    frame[23] = 89;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!((d.proto, d.src_port, d.payload_len), (89, 0, 12));
}

#[test]
fn test_ipv4_fragments() {
    let d = ok(LinkType::Ethernet, &ETH_IPV4_FRAG_FIRST_UDP);
    assert_eq!(d.fragment, Fragment::First);
    assert_eq!(d.proto, 17);
    assert_eq!((d.src_port, d.dst_port), (2049, 800));
    // The IP payload of this fragment, not the UDP length (1520).
    assert_eq!(d.payload_len, 32);
    assert_eq!(d.payload_offset, 42);

    let d = ok(LinkType::Ethernet, &ETH_IPV4_FRAG_LATER);
    assert_eq!(d.fragment, Fragment::Later);
    assert_eq!(d.proto, 17);
    assert_eq!((d.src_port, d.dst_port), (0, 0));
    assert_eq!(d.tcp_flags, 0);
    // Padding excluded.
    assert_eq!(d.payload_len, 20);
    assert_eq!(d.payload_offset, 34);

    // A later TCP fragment is not parsed as TCP, even if it holds garbage.
    let mut frame = ETH_IPV4_FRAG_LATER;
    frame[23] = 6;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!((d.proto, d.tcp_flags, d.src_port), (6, 0, 0));
    // Even if shorter than a TCP header.
    frame[17] = 24;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!((d.fragment, d.payload_len), (Fragment::Later, 4));

    // Last fragment (MF clear, offset > 0) and a middle one (MF set).
    let mut frame = ETH_IPV4_FRAG_LATER;
    frame[20] |= 0x20;
    assert_eq!(ok(LinkType::Ethernet, &frame).fragment, Fragment::Later);

    // DF set, MF clear, offset 0: a whole datagram.
    let mut frame = ETH_IPV4_FRAG_FIRST_UDP;
    frame[20] = 0x40;
    assert_eq!(ok(LinkType::Ethernet, &frame).fragment, Fragment::None);
}

#[test]
fn test_ipv6_hop_by_hop_and_fragment() {
    let d = ok(LinkType::Ethernet, &ETH_IPV6_HBH_FRAG_FIRST_UDP);
    assert_eq!(d.ip_version, IpVersion::V6);
    assert_eq!(d.fragment, Fragment::First);
    assert_eq!(d.proto, 17);
    assert_eq!((d.src_port, d.dst_port), (7000, 7001));
    assert_eq!(d.payload_len, 16);
    assert_eq!(d.payload_offset, 78);
    assert_eq!(&ETH_IPV6_HBH_FRAG_FIRST_UDP[78..], b"0123456789abcdef");
    let frame = &ETH_IPV6_HBH_FRAG_FIRST_UDP[..];
    for len in 0..78 {
        let want = match len {
            0..14 => DecodeError::EthernetTruncated,
            14..54 => DecodeError::Ipv6Truncated,
            54..70 => DecodeError::Ipv6ExtTruncated,
            _ => DecodeError::UdpTruncated,
        };
        assert_eq!(err(LinkType::Ethernet, &frame[..len]), want, "len {len}");
    }
    // Payload length 15: the fragment header does not fit in the datagram.
    let mut frame = ETH_IPV6_HBH_FRAG_FIRST_UDP;
    frame[18] = 0;
    frame[19] = 15;
    assert_eq!(
        err(LinkType::Ethernet, &frame),
        DecodeError::Ipv6ExtTruncated
    );
    // Fragment header with offset 0 and M clear: an atomic fragment,
    // a whole datagram (RFC 6946).
    let mut frame = ETH_IPV6_HBH_FRAG_FIRST_UDP;
    frame[65] = 0;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!(d.fragment, Fragment::None);
    assert_eq!(d.src_port, 7000);
}

#[test]
fn test_ipv6_later_fragment() {
    let d = ok(LinkType::Ethernet, &ETH_IPV6_FRAG_LATER);
    assert_eq!(d.fragment, Fragment::Later);
    assert_eq!(d.proto, 17);
    assert_eq!((d.src_port, d.dst_port), (0, 0));
    assert_eq!(d.payload_len, 24);
    assert_eq!(d.payload_offset, 62);
    // With M set too.
    let mut frame = ETH_IPV6_FRAG_LATER;
    frame[57] |= 1;
    assert_eq!(ok(LinkType::Ethernet, &frame).fragment, Fragment::Later);
}

#[test]
fn test_ipv6_extension_chain() {
    let d = ok(LinkType::Ethernet, &ETH_IPV6_EXT_CHAIN_TCP);
    assert_eq!(d.proto, 6);
    assert_eq!((d.src_port, d.dst_port), (1234, 22));
    assert_eq!(d.tcp_flags, tcp_flags::ACK);
    assert_eq!(d.payload_len, 3);
    assert_eq!(d.payload_offset, 130);
    assert_eq!(&ETH_IPV6_EXT_CHAIN_TCP[130..], b"ssh");
    // Each extension header cut short.
    for len in 54..110 {
        assert_eq!(
            err(LinkType::Ethernet, &ETH_IPV6_EXT_CHAIN_TCP[..len]),
            DecodeError::Ipv6ExtTruncated,
            "len {len}"
        );
    }
    // Routing header replaced by mobility (same length rules).
    let mut frame = ETH_IPV6_EXT_CHAIN_TCP;
    frame[20] = 135;
    assert_eq!(ok(LinkType::Ethernet, &frame).src_port, 1234);
    // An unknown next header ends the chain.
    frame[20] = 253;
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!((d.proto, d.src_port, d.payload_len), (253, 0, 79));
}

#[test]
fn test_ipv6_jumbogram() {
    let d = ok(LinkType::Ethernet, &ETH_IPV6_JUMBO_UDP);
    assert_eq!(d.proto, 17);
    assert_eq!((d.src_port, d.dst_port), (9000, 9001));
    assert_eq!(d.payload_len, 8);
    assert_eq!(d.payload_offset, 70);
    // Payload length 0 without the jumbo option: an empty payload.
    let mut frame = ETH_IPV6_JUMBO_UDP;
    frame[56] = 0x01;
    assert_eq!(
        err(LinkType::Ethernet, &frame),
        DecodeError::Ipv6ExtTruncated
    );
}

#[test]
fn test_ipv6_payload_bounded() {
    // 2 bytes of trailer after the datagram are not counted.
    let mut frame = [0u8; 68];
    frame[..66].copy_from_slice(&ETH_IPV6_ICMPV6);
    let d = ok(LinkType::Ethernet, &frame);
    assert_eq!(d.payload_len, 12);
    // Cut by a snap length inside the ICMP body.
    let d = ok(LinkType::Ethernet, &ETH_IPV6_ICMPV6[..60]);
    assert_eq!(d.payload_len, 6);
}

/// Mutations of every test frame: must never panic, and every success
/// must satisfy the summary invariants.
fn fuzz_frame(link: LinkType, frame: &[u8]) {
    let links = [
        link,
        LinkType::Ethernet,
        LinkType::LinuxSll,
        LinkType::RawIp,
        LinkType::RawIpv4,
        LinkType::RawIpv6,
    ];
    let mut buf = frame.to_vec();
    for len in 0..=frame.len() {
        for l in links {
            if let Ok(Some(d)) = decode(l, &frame[..len]) {
                check_invariants(&frame[..len], &d);
            }
        }
    }
    for i in 0..frame.len() {
        for value in 0..=255u8 {
            buf[i] = value;
            if let Ok(Some(d)) = decode(link, &buf) {
                check_invariants(&buf, &d);
            }
        }
        buf[i] = frame[i];
    }
    // Pairs of mutations in the header bytes that drive lengths.
    for i in 0..frame.len().min(80) {
        for j in i + 1..frame.len().min(80) {
            for (a, b) in [(0x00, 0xff), (0xff, 0x00), (0x05, 0x60), (0x2c, 0x00)] {
                buf[i] = a;
                buf[j] = b;
                if let Ok(Some(d)) = decode(link, &buf) {
                    check_invariants(&buf, &d);
                }
                buf[j] = frame[j];
            }
            buf[i] = frame[i];
        }
    }
}

#[test]
fn test_fuzz_never_panics() {
    for (link, frame) in ALL_FRAMES {
        fuzz_frame(link, frame);
    }
}

#[test]
fn test_all_frames_decode() {
    for (link, frame) in ALL_FRAMES {
        match decode(link, frame) {
            Ok(Some(d)) => check_invariants(frame, &d),
            Ok(None) => {}
            Err(e) => panic!("{e} for {frame:?}"),
        }
    }
}

/// Minimal capture file reader for the tests: classic pcap (either byte
/// order, micro- or nanosecond) and pcapng (SHB, IDB, EPB). Stops at the
/// first record cut short.
fn capture_frames(file: &[u8]) -> Vec<(LinkType, &[u8])> {
    fn u16_at(b: &[u8], at: usize, le: bool) -> Option<u16> {
        let bytes = [*b.get(at)?, *b.get(at + 1)?];
        Some(if le {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        })
    }
    fn u32_at(b: &[u8], at: usize, le: bool) -> Option<u32> {
        let bytes = [
            *b.get(at)?,
            *b.get(at + 1)?,
            *b.get(at + 2)?,
            *b.get(at + 3)?,
        ];
        Some(if le {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }
    let mut frames = Vec::new();
    let Some(magic) = u32_at(file, 0, true) else {
        return frames;
    };
    if magic == 0x0A0D_0D0A {
        // pcapng.
        let mut le = true;
        let mut links = Vec::new();
        let mut at = 0usize;
        while let Some(block_type) = u32_at(file, at, le) {
            if block_type == 0x0A0D_0D0A {
                le = u32_at(file, at + 8, true) == Some(0x1A2B_3C4D);
                links.clear();
            }
            let Some(block_len) = u32_at(file, at + 4, le) else {
                break;
            };
            let block_len = block_len as usize;
            if block_len < 12 || at + block_len > file.len() {
                break;
            }
            match block_type {
                1 => links.push(LinkType::from_linktype(u32::from(
                    u16_at(file, at + 8, le).unwrap(),
                ))),
                6 => {
                    let iface = u32_at(file, at + 8, le).unwrap() as usize;
                    let caplen = u32_at(file, at + 20, le).unwrap() as usize;
                    let data = &file[at + 28..at + 28 + caplen];
                    frames.push((links[iface], data));
                }
                _ => {}
            }
            at += block_len;
        }
        return frames;
    }
    let le = match magic {
        0xA1B2_C3D4 | 0xA1B2_3C4D => true,
        0xD4C3_B2A1 | 0x4D3C_B2A1 => false,
        _ => return frames,
    };
    let Some(linktype) = u32_at(file, 20, le) else {
        return frames;
    };
    let link = LinkType::from_linktype(linktype & 0x0FFF_FFFF);
    let mut at = 24usize;
    while let Some(caplen) = u32_at(file, at + 8, le) {
        let start = at + 16;
        let end = start + caplen as usize;
        let Some(data) = file.get(start..end) else {
            break;
        };
        frames.push((link, data));
        at = end;
    }
    frames
}

/// Per-capture totals of a decode run.
#[derive(Debug, Default, PartialEq, Eq)]
struct Totals {
    frames: usize,
    v4: usize,
    v6: usize,
    not_ip: usize,
    errors: usize,
    vlan_counts: [usize; 3],
    first_fragments: usize,
    later_fragments: usize,
}

fn decode_capture(name: &str) -> Option<(Vec<u8>, Totals)> {
    let path = pcaps_dir().join(name);
    let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut totals = Totals::default();
    for (link, frame) in capture_frames(&file) {
        totals.frames += 1;
        match decode(link, frame) {
            Ok(Some(d)) => {
                check_invariants(frame, &d);
                match d.ip_version {
                    IpVersion::V4 => totals.v4 += 1,
                    IpVersion::V6 => totals.v6 += 1,
                }
                totals.vlan_counts[usize::from(d.vlan_count)] += 1;
                match d.fragment {
                    Fragment::None => {}
                    Fragment::First => totals.first_fragments += 1,
                    Fragment::Later => totals.later_fragments += 1,
                }
            }
            Ok(None) => totals.not_ip += 1,
            Err(e) => {
                eprintln!("{name} frame {}: {e}", totals.frames);
                totals.errors += 1;
            }
        }
    }
    Some((file, totals))
}

/// Decodes every frame of every real capture: no panics, no errors, and IPv4/IPv6/non-IP frame
/// counts as in tshark's protocol hierarchy.
#[test]
fn test_real_captures() {
    let dir = std::fs::read_dir(pcaps_dir()).expect("read shared/pcaps");
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
        .collect();
    names.sort();
    for name in &names {
        let (_, totals) = decode_capture(name).unwrap();
        assert!(totals.frames > 0, "{name}");
        assert_eq!(totals.errors, 0, "{name}: {totals:?}");
    }
    let expect = |name: &str, v4: usize, v6: usize, not_ip: usize| {
        if let Some((_, t)) = decode_capture(name) {
            assert_eq!((t.v4, t.v6, t.not_ip), (v4, v6, not_ip), "{name}: {t:?}");
        }
    };
    expect("sll-cooked-mixed.pcap", 510, 1, 7);
    expect("alexa-app-mixed.pcapng", 3062, 12, 29);
    expect("icmp6-types.pcap", 0, 49, 0);
    expect("gre-tunnel.pcap", 40, 0, 0);
    expect("truncated-http-mime.pcap", 2696, 0, 0);
}

#[test]
fn test_real_vlan_qinq() {
    let Some((_, totals)) = decode_capture("vlan-qinq-http.pcap") else {
        return;
    };
    assert_eq!(totals.frames, 42);
    assert_eq!(totals.v4, 42);
    assert_eq!(totals.vlan_counts, [14, 14, 14]);
    let file = std::fs::read(pcaps_dir().join("vlan-qinq-http.pcap")).unwrap();
    for (link, frame) in capture_frames(&file) {
        let d = ok(link, frame);
        assert_eq!(d.proto, 6);
        match d.vlan_count {
            0 => {}
            1 => assert_eq!(d.vlan[0], 42),
            _ => assert_eq!(d.vlan, [10, 20]),
        }
    }
}

#[test]
fn test_real_ipv4_fragments() {
    let Some((file, totals)) = decode_capture("ipv4-fragments.pcap") else {
        return;
    };
    assert_eq!(totals.v4, 53);
    // Three whole UDP replies, nine first fragments (six NFS requests,
    // three of them sent twice: tshark reassembles six datagrams, so its
    // UDP conversation has 6 + 3 frames) and 41 later fragments.
    let mut whole = 0;
    for (link, frame) in capture_frames(&file) {
        let d = ok(link, frame);
        assert_eq!(d.proto, 17);
        match d.fragment {
            Fragment::None => {
                whole += 1;
                assert_eq!((d.src_port, d.dst_port), (2049, 789));
            }
            Fragment::First => {
                assert_eq!((d.src_port, d.dst_port), (789, 2049));
                // 1500 - 20 - 8.
                assert_eq!(d.payload_len, 1472);
            }
            Fragment::Later => assert_eq!((d.src_port, d.dst_port), (0, 0)),
        }
    }
    assert_eq!(whole, 3);
    assert_eq!(totals.first_fragments, 9);
    assert_eq!(totals.later_fragments, 41);
}

/// The ICMP type and code of every ICMP/ICMPv6 frame, as in tshark's
/// `icmp.tsv` (outer ICMP messages only).
#[test]
fn test_real_icmp_against_tshark() {
    for name in ["icmp-ping-ssh", "icmp6-types"] {
        let Some((file, _)) = decode_capture(&format!("{name}.pcap")) else {
            return;
        };
        let tsv = std::fs::read_to_string(pcaps_dir().join(format!("oracle/{name}/icmp.tsv")))
            .expect("oracle icmp.tsv");
        let frames = capture_frames(&file);
        let mut rows = 0;
        for line in tsv.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let number: usize = cols[0].parse().unwrap();
            let (link, frame) = frames[number - 1];
            let d = ok(link, frame);
            assert!(matches!(d.proto, 1 | 58), "{name} frame {number}");
            assert_eq!(d.icmp_type.to_string(), cols[5], "{name} frame {number}");
            assert_eq!(d.icmp_code.to_string(), cols[6], "{name} frame {number}");
            assert_eq!((d.src_port, d.dst_port), (0, 0));
            rows += 1;
        }
        assert!(rows > 0);
    }
}

/// Frames per TCP/UDP conversation (unordered address/port pairs) equal
/// tshark's `conv_tcp.tsv` / `conv_udp.tsv`, for every capture but
/// `gre-tunnel` (tshark keys tunnelled traffic by the inner IP header)
/// and `ipv4-fragments` (retransmitted first fragments, see
/// `test_real_ipv4_fragments`).
#[test]
fn test_real_conversations_against_tshark() {
    use std::collections::HashMap;
    use std::net::{Ipv4Addr, Ipv6Addr};

    type Key = (u8, (String, u16), (String, u16));
    fn key(proto: u8, a: (String, u16), b: (String, u16)) -> Key {
        if a <= b {
            (proto, a, b)
        } else {
            (proto, b, a)
        }
    }
    fn addr(version: IpVersion, ip: [u8; 16]) -> String {
        match version {
            IpVersion::V4 => Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
            IpVersion::V6 => Ipv6Addr::from(ip).to_string(),
        }
    }
    for name in [
        "web-browse-2013.pcap",
        "home-lan-mixed.pcap",
        "sll-cooked-mixed.pcap",
        "dns-mixed.pcap",
        "dns-edns-v4v6.pcap",
        "http-bro-org.pcap",
        "tls13-ipv6-sni.pcap",
        "snmp-v2c-walk.pcap",
        "ssh-guess.pcap",
        "vlan-qinq-http.pcap",
        "alexa-app-mixed.pcapng",
        "icmp-ping-ssh.pcap",
        "tls12-google-certs.pcap",
        "tls13-chrome-sni.pcap",
        "http-zip-download.pcap",
        "truncated-http-mime.pcap",
        "dns-ddns-query.pcap",
    ] {
        let file = std::fs::read(pcaps_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let stem = name.split('.').next().unwrap();
        let mut ours: HashMap<Key, usize> = HashMap::new();
        for (link, frame) in capture_frames(&file) {
            let Ok(Some(d)) = decode(link, frame) else {
                continue;
            };
            // A fragmented datagram counts once: here for its first
            // fragment, in tshark for the frame that completes it.
            if matches!(d.proto, 6 | 17) && d.fragment != Fragment::Later {
                let a = (addr(d.ip_version, d.src_ip), d.src_port);
                let b = (addr(d.ip_version, d.dst_ip), d.dst_port);
                *ours.entry(key(d.proto, a, b)).or_default() += 1;
            }
        }
        let mut theirs: HashMap<Key, usize> = HashMap::new();
        for (proto, table) in [(6u8, "conv_tcp.tsv"), (17, "conv_udp.tsv")] {
            let path = pcaps_dir().join(format!("oracle/{stem}/{table}"));
            let tsv = std::fs::read_to_string(path).unwrap();
            for line in tsv.lines().skip(1) {
                let c: Vec<&str> = line.split('\t').collect();
                let a = (c[1].to_string(), c[2].parse().unwrap());
                let b = (c[3].to_string(), c[4].parse().unwrap());
                *theirs.entry(key(proto, a, b)).or_default() += c[9].parse::<usize>().unwrap();
            }
        }
        assert!(!theirs.is_empty(), "{name}");
        assert_eq!(ours, theirs, "{name}");
        eprintln!("{name}: {} conversations as in tshark", theirs.len());
    }
}

/// Every prefix and single-byte mutation of the first frames of a few
/// real captures.
#[test]
fn test_fuzz_real_frames() {
    for name in [
        "vlan-qinq-http.pcap",
        "sll-cooked-mixed.pcap",
        "icmp6-types.pcap",
        "ipv4-fragments.pcap",
        "tls13-ipv6-sni.pcap",
        "gre-tunnel.pcap",
    ] {
        let file = std::fs::read(pcaps_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (link, frame) in capture_frames(&file).into_iter().step_by(7).take(4) {
            let frame = &frame[..frame.len().min(160)];
            fuzz_frame(link, frame);
        }
    }
}
