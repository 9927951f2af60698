//! The `id` module deals with Trisul's flow id text,
//! e.g. `06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016`.
//!
//! Format: two upper-case hex digits of the IP protocol, the type letter (`A`
//! IPv4, `B` IPv6), then `:<A address>:p-<A port>_<Z address>:p-<Z port>`;
//! IPv4 addresses are four dot-separated hex octets, IPv6 addresses 32 hex
//! digits, ports four hex digits. The id carries no VLAN: weir exposes the VLAN
//! beside it and a [`weir_plugin_api::FlowHandle`] for unambiguous feedback.

use super::key::FlowKey;
use crate::decode::IpVersion;

/// Longest id: IPv6, `PPB:` + 32 + `:p-XXXX_` + 32 + `:p-XXXX` = 83 bytes.
pub const MAX_ID_LEN: usize = 83;

/// A flow id held inline (no allocation).
#[derive(Clone, Copy)]
pub struct FlowId {
    buf: [u8; MAX_ID_LEN],
    len: u8,
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

impl FlowId {
    /// The id of `key`.
    pub fn of(key: &FlowKey) -> FlowId {
        let mut id = FlowId {
            buf: [0; MAX_ID_LEN],
            len: 0,
        };
        id.hex_byte(key.proto);
        id.push(match key.ip_version {
            IpVersion::V4 => b'A',
            IpVersion::V6 => b'B',
        });
        id.push(b':');
        id.addr(key, &key.a_ip);
        id.port(key.a_port);
        id.push(b'_');
        id.addr(key, &key.z_ip);
        id.port(key.z_port);
        id
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits and punctuation are ever pushed.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }

    fn push(&mut self, b: u8) {
        self.buf[usize::from(self.len)] = b;
        self.len += 1;
    }

    fn hex_byte(&mut self, b: u8) {
        self.push(HEX[usize::from(b >> 4)]);
        self.push(HEX[usize::from(b & 0xF)]);
    }

    fn addr(&mut self, key: &FlowKey, ip: &[u8; 16]) {
        match key.ip_version {
            IpVersion::V4 => {
                for (i, b) in ip[..4].iter().enumerate() {
                    if i > 0 {
                        self.push(b'.');
                    }
                    self.hex_byte(*b);
                }
            }
            IpVersion::V6 => ip.iter().for_each(|b| self.hex_byte(*b)),
        }
    }

    fn port(&mut self, port: u16) {
        for b in b":p-" {
            self.push(*b);
        }
        self.hex_byte((port >> 8) as u8);
        self.hex_byte(port as u8);
    }
}

impl std::fmt::Debug for FlowId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trisul_examples() {
        let mut a = [0u8; 16];
        let mut z = [0u8; 16];
        a[..4].copy_from_slice(&[192, 168, 1, 2]);
        z[..4].copy_from_slice(&[209, 216, 249, 58]);
        let key = FlowKey {
            a_ip: a,
            z_ip: z,
            a_port: 2964,
            z_port: 22,
            vlan: [0; 2],
            proto: 6,
            ip_version: IpVersion::V4,
            vlan_count: 0,
            encap: crate::decode::Encap::NONE,
        };
        assert_eq!(
            FlowId::of(&key).as_str(),
            "06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016"
        );

        let a6: std::net::Ipv6Addr = "fe80::ba2a:72ff:fecc:5e33".parse().unwrap();
        let z6: std::net::Ipv6Addr = "ff02::fb".parse().unwrap();
        let key6 = FlowKey {
            a_ip: a6.octets(),
            z_ip: z6.octets(),
            a_port: 5353,
            z_port: 5353,
            vlan: [0; 2],
            proto: 17,
            ip_version: IpVersion::V6,
            vlan_count: 0,
            encap: crate::decode::Encap::NONE,
        };
        let id = FlowId::of(&key6);
        assert_eq!(
            id.as_str(),
            "11B:FE80000000000000BA2A72FFFECC5E33:p-14E9_FF0200000000000000000000000000FB:p-14E9"
        );
        assert_eq!(id.as_str().len(), MAX_ID_LEN);
    }
}
