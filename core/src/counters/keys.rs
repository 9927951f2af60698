//! The `keys` module deals with counter keys: the compact binary form the
//! packet workers hash ([`BinKey`]) and the Trisul text form written at the
//! flush (`C0.A8.01.04`, `p-0050`, `06`, `0800`, `00:1C:C0:B9:B9:10`), with
//! each key's human label (the address, the port's service name).

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use super::ports;

/// A built-in group's key as the packet workers keep it: up to 16 bytes and
/// their length (so an IPv4 address and an IPv6 address never collide).
/// Hashing 17 bytes costs less than formatting a string per packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BinKey {
    len: u8,
    bytes: [u8; 16],
}

impl std::hash::Hash for BinKey {
    /// Two words and the length: cheaper than hashing 17 bytes one by one.
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let v = u128::from_ne_bytes(self.bytes);
        state.write_u64(v as u64);
        state.write_u64((v >> 64) as u64 ^ u64::from(self.len));
    }
}

impl BinKey {
    /// A fixed-size key (no variable-length copy on the packet path).
    #[inline]
    pub fn fixed<const N: usize>(bytes: [u8; N]) -> BinKey {
        let mut k = BinKey {
            len: N.min(16) as u8,
            bytes: [0; 16],
        };
        let n = N.min(16);
        k.bytes[..n].copy_from_slice(&bytes[..n]);
        k
    }

    /// The key made of `bytes` (at most 16; longer input is cut).
    pub fn new(bytes: &[u8]) -> BinKey {
        let mut k = BinKey {
            len: bytes.len().min(16) as u8,
            bytes: [0; 16],
        };
        k.bytes[..k.len as usize].copy_from_slice(&bytes[..k.len as usize]);
        k
    }

    /// A one-byte key (protocol numbers, aggregate ids).
    pub const fn byte(b: u8) -> BinKey {
        let mut bytes = [0; 16];
        bytes[0] = b;
        BinKey { len: 1, bytes }
    }

    /// A two-byte big-endian key (ports, EtherTypes, VLAN ids).
    #[inline]
    pub fn u16(v: u16) -> BinKey {
        BinKey::fixed(v.to_be_bytes())
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// How a group writes its keys and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// IPv4 (`C0.A8.01.04`, label `192.168.1.4`) or IPv6 (32 uppercase hex
    /// digits, label in compressed form), by key length.
    Ip,
    /// TCP/UDP port: `p-0050`, label the service name (`http`) or the number.
    Port,
    /// IP protocol: `06`, label `TCP`.
    IpProto,
    /// EtherType: `0800`, label `IPv4`.
    EtherType,
    /// MAC address: `00:1C:C0:B9:B9:10`, label the same in lower case.
    Mac,
    /// VLAN id: `002A`, label `VLAN 42`.
    Vlan,
    /// Keys are indices into a fixed list of names (Aggregates' `TOTALBW`,
    /// `DIR_INTOHOME`, ...); label from the same list.
    Named(&'static [(&'static str, &'static str)]),
    /// Keys are text already (plugin-defined groups).
    Text,
}

impl KeyFormat {
    /// Writes the Trisul key of `key` into `out` (cleared first).
    pub fn key(&self, key: &BinKey, out: &mut String) {
        out.clear();
        let b = key.as_bytes();
        match self {
            KeyFormat::Ip if b.len() == 4 => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    push_hex(out, *x);
                }
            }
            KeyFormat::Ip | KeyFormat::Text => hex(b, out),
            KeyFormat::Port => {
                let _ = write!(out, "p-{:04X}", be16(b));
            }
            KeyFormat::IpProto => {
                let _ = write!(out, "{:02X}", b.first().copied().unwrap_or(0));
            }
            KeyFormat::EtherType | KeyFormat::Vlan => {
                let _ = write!(out, "{:04X}", be16(b));
            }
            KeyFormat::Mac => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        out.push(':');
                    }
                    push_hex(out, *x);
                }
            }
            KeyFormat::Named(names) => {
                let i = usize::from(b.first().copied().unwrap_or(0));
                out.push_str(names.get(i).map_or("?", |n| n.0));
            }
        }
    }

    /// Writes the label of `key` into `out` (cleared first).
    pub fn label(&self, key: &BinKey, out: &mut String) {
        out.clear();
        let b = key.as_bytes();
        match self {
            KeyFormat::Ip if b.len() == 4 => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    crate::output::push_u64(out, u64::from(*x));
                }
            }
            KeyFormat::Ip if b.len() == 16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                let _ = write!(out, "{}", Ipv6Addr::from(a));
            }
            KeyFormat::Ip | KeyFormat::Text => hex(b, out),
            KeyFormat::Port => {
                let port = be16(b);
                match ports::service_name(port) {
                    Some(name) => out.push_str(name),
                    None => {
                        let _ = write!(out, "{port}");
                    }
                }
            }
            KeyFormat::IpProto => {
                let p = b.first().copied().unwrap_or(0);
                match ports::ip_proto_name(p) {
                    Some(name) => out.push_str(name),
                    None => {
                        let _ = write!(out, "{p}");
                    }
                }
            }
            KeyFormat::EtherType => {
                let t = be16(b);
                match ports::ethertype_name(t) {
                    Some(name) => out.push_str(name),
                    None => {
                        let _ = write!(out, "0x{t:04x}");
                    }
                }
            }
            KeyFormat::Mac => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        out.push(':');
                    }
                    let _ = write!(out, "{x:02x}");
                }
            }
            KeyFormat::Vlan => {
                let _ = write!(out, "VLAN {}", be16(b));
            }
            KeyFormat::Named(names) => {
                let i = usize::from(b.first().copied().unwrap_or(0));
                out.push_str(names.get(i).map_or("?", |n| n.1));
            }
        }
    }
}

impl KeyFormat {
    /// The binary key written as `text` in this format (what plugins pass to
    /// `update_counter`), or `None` when the text is not of this format
    /// (then the key is kept as text).
    pub fn parse(&self, text: &str) -> Option<BinKey> {
        match self {
            KeyFormat::Ip => {
                if text.len() == 11 {
                    let mut b = [0u8; 4];
                    for (i, part) in text.split('.').enumerate() {
                        *b.get_mut(i)? = hex_byte(part)?;
                    }
                    Some(BinKey::fixed(b))
                } else if text.len() == 32 {
                    let mut b = [0u8; 16];
                    for (i, x) in b.iter_mut().enumerate() {
                        *x = hex_byte(text.get(2 * i..2 * i + 2)?)?;
                    }
                    Some(BinKey::fixed(b))
                } else {
                    None
                }
            }
            KeyFormat::Port => {
                let hex = text.strip_prefix("p-")?;
                (hex.len() == 4).then_some(())?;
                u16::from_str_radix(hex, 16).ok().map(BinKey::u16)
            }
            KeyFormat::IpProto => (text.len() == 2).then(|| hex_byte(text).map(BinKey::byte))?,
            KeyFormat::EtherType | KeyFormat::Vlan => {
                (text.len() == 4).then_some(())?;
                u16::from_str_radix(text, 16).ok().map(BinKey::u16)
            }
            KeyFormat::Mac => {
                let mut b = [0u8; 6];
                let mut n = 0;
                for part in text.split(':') {
                    *b.get_mut(n)? = hex_byte(part)?;
                    n += 1;
                }
                (n == 6).then(|| BinKey::fixed(b))
            }
            KeyFormat::Named(names) => names
                .iter()
                .position(|(k, _)| *k == text)
                .map(|i| BinKey::byte(i as u8)),
            KeyFormat::Text => None,
        }
    }
}

/// Two hex digits.
fn hex_byte(s: &str) -> Option<u8> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u8::from_str_radix(s, 16).ok())?
}

fn be16(b: &[u8]) -> u16 {
    match b {
        [hi, lo, ..] => u16::from_be_bytes([*hi, *lo]),
        [lo] => u16::from(*lo),
        [] => 0,
    }
}

/// Two upper-case hex digits (keys are formatted once per key and
/// interval: `fmt`'s machinery would dominate).
fn push_hex(out: &mut String, x: u8) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.push(char::from(DIGITS[usize::from(x >> 4)]));
    out.push(char::from(DIGITS[usize::from(x & 15)]));
}

fn hex(b: &[u8], out: &mut String) {
    for x in b {
        push_hex(out, *x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(f: KeyFormat, k: BinKey) -> (String, String) {
        let (mut key, mut label) = (String::new(), String::new());
        f.key(&k, &mut key);
        f.label(&k, &mut label);
        (key, label)
    }

    #[test]
    fn keys_parse_back() {
        for (f, k) in [
            (KeyFormat::Ip, BinKey::new(&[192, 168, 1, 4])),
            (KeyFormat::Ip, BinKey::new(&[0xFE; 16])),
            (KeyFormat::Port, BinKey::u16(80)),
            (KeyFormat::IpProto, BinKey::byte(17)),
            (KeyFormat::EtherType, BinKey::u16(0x86DD)),
            (
                KeyFormat::Mac,
                BinKey::new(&[0, 0x1c, 0xc0, 0xb9, 0xb9, 0x10]),
            ),
            (KeyFormat::Vlan, BinKey::u16(42)),
        ] {
            let mut text = String::new();
            f.key(&k, &mut text);
            assert_eq!(f.parse(&text), Some(k), "{text}");
        }
        assert_eq!(KeyFormat::Ip.parse("C0.A8.01"), None);
        assert_eq!(KeyFormat::Ip.parse("C0.A8.01.GG"), None);
        assert_eq!(KeyFormat::Port.parse("p-50"), None);
        assert_eq!(KeyFormat::Text.parse("if-1"), None);
        let agg = KeyFormat::Named(&super::super::builtin::aggregate::NAMES);
        assert_eq!(agg.parse("DIR_TRANSIT"), Some(BinKey::byte(3)));
    }

    #[test]
    fn trisul_key_formats() {
        assert_eq!(
            both(KeyFormat::Ip, BinKey::new(&[192, 168, 1, 4])),
            ("C0.A8.01.04".into(), "192.168.1.4".into())
        );
        let v6: Ipv6Addr = "ff02::fb".parse().unwrap();
        assert_eq!(
            both(KeyFormat::Ip, BinKey::new(&v6.octets())),
            ("FF0200000000000000000000000000FB".into(), "ff02::fb".into())
        );
        assert_eq!(
            both(KeyFormat::Port, BinKey::u16(80)),
            ("p-0050".into(), "http".into())
        );
        assert_eq!(
            both(KeyFormat::Port, BinKey::u16(50123)),
            ("p-C3CB".into(), "50123".into())
        );
        assert_eq!(
            both(KeyFormat::IpProto, BinKey::byte(6)),
            ("06".into(), "TCP".into())
        );
        assert_eq!(
            both(KeyFormat::EtherType, BinKey::u16(0x0806)),
            ("0806".into(), "ARP".into())
        );
        assert_eq!(
            both(
                KeyFormat::Mac,
                BinKey::new(&[0, 0x1c, 0xc0, 0xb9, 0xb9, 0x10])
            ),
            ("00:1C:C0:B9:B9:10".into(), "00:1c:c0:b9:b9:10".into())
        );
        assert_eq!(
            both(KeyFormat::Vlan, BinKey::u16(42)),
            ("002A".into(), "VLAN 42".into())
        );
    }
}
