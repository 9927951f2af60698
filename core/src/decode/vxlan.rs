//! The `vxlan` module deals with VXLAN headers (RFC 7348): eight bytes after
//! a UDP header to port 4789, then an Ethernet frame.
//!
//! ```text
//! |R|R|R|R|I|R|R|R|            Reserved                           |
//! |                VXLAN Network Identifier (VNI) |   Reserved    |
//! ```

use super::{read_u32, DecodeError};

/// The IANA UDP port of VXLAN.
pub const UDP_PORT: u16 = 4789;
/// Length of the header.
pub const HEADER_LEN: usize = 8;
/// The "VNI is valid" flag.
const FLAG_I: u8 = 0x08;

/// A read-only view of a VXLAN header and the frame it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A checked view: the 8 bytes are there ([`DecodeError::VxlanTruncated`]).
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(DecodeError::VxlanTruncated);
        }
        Ok(Packet { buffer })
    }

    /// Whether the I flag is set; RFC 7348 requires it, so a header without
    /// it is not VXLAN (some other protocol on port 4789).
    pub fn vni_valid(&self) -> bool {
        self.buffer.as_ref()[0] & FLAG_I != 0
    }

    /// The 24-bit VXLAN network identifier.
    pub fn vni(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[4..8]) >> 8
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The Ethernet frame after the header.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vni_flag_and_truncation() {
        let h = [0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0x00, 0xAA];
        let p = Packet::new_checked(&h[..]).unwrap();
        assert!(p.vni_valid());
        assert_eq!(p.vni(), 0x12_3456);
        assert_eq!(p.payload(), &[0xAA]);
        let mut bad = h;
        bad[0] = 0;
        assert!(!Packet::new_checked(&bad[..]).unwrap().vni_valid());
        assert_eq!(
            Packet::new_checked(&h[..7]),
            Err(DecodeError::VxlanTruncated)
        );
    }
}
