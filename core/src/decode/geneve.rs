//! The `geneve` module deals with Geneve headers (RFC 8926): after a UDP
//! header to port 6081, eight fixed bytes, then variable-length options,
//! then the payload, whose kind the protocol type names (an EtherType;
//! 0x6558 for Ethernet).
//!
//! ```text
//! |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//! |        Virtual Network Identifier (VNI)       |    Reserved   |
//! |                    Variable-Length Options                    |
//! ```

use super::{read_u16, read_u32, DecodeError};

/// The IANA UDP port of Geneve.
pub const UDP_PORT: u16 = 6081;
/// Length of the fixed part.
pub const BASE_LEN: usize = 8;

/// A read-only view of a Geneve header and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A checked view: the fixed part and the options its length announces
    /// are there ([`DecodeError::GeneveTruncated`]).
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let b = buffer.as_ref();
        if b.len() < BASE_LEN {
            return Err(DecodeError::GeneveTruncated);
        }
        let p = Packet { buffer };
        if p.buffer.as_ref().len() < p.header_len() {
            return Err(DecodeError::GeneveTruncated);
        }
        Ok(p)
    }

    /// The version; only 0 is defined.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 6
    }

    /// Fixed part plus options, in bytes.
    pub fn header_len(&self) -> usize {
        BASE_LEN + usize::from(self.buffer.as_ref()[0] & 0x3F) * 4
    }

    /// The O bit: a control packet, not data.
    pub fn is_control(&self) -> bool {
        self.buffer.as_ref()[1] & 0x80 != 0
    }

    /// The protocol type of the payload (an EtherType).
    pub fn protocol(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[2..4])
    }

    /// The 24-bit virtual network identifier.
    pub fn vni(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[4..8]) >> 8
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The bytes after the options.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_vni_and_truncation() {
        // One option word, Ethernet, VNI 0xABCDEF.
        let h = [
            0x01, 0x00, 0x65, 0x58, 0xAB, 0xCD, 0xEF, 0x00, 1, 2, 3, 4, 0xEE,
        ];
        let p = Packet::new_checked(&h[..]).unwrap();
        assert_eq!((p.version(), p.header_len()), (0, 12));
        assert_eq!((p.protocol(), p.vni()), (0x6558, 0xAB_CDEF));
        assert!(!p.is_control());
        assert_eq!(p.payload(), &[0xEE]);
        for cut in 0..12 {
            assert_eq!(
                Packet::new_checked(&h[..cut]),
                Err(DecodeError::GeneveTruncated)
            );
        }
    }
}
