//! The `sll` module deals with Linux cooked capture v1 headers
//! (LINKTYPE_LINUX_SLL): the 16-byte pseudo header libpcap writes when
//! capturing on the "any" device, whose protocol field has the same meaning
//! as an Ethernet EtherType.

use super::field::{Field, Rest};
use super::{read_u16, DecodeError};

mod field {
    use super::{Field, Rest};

    pub const PACKET_TYPE: Field = 0..2;
    pub const HARDWARE_TYPE: Field = 2..4;
    pub const ADDR_LEN: Field = 4..6;
    pub const ADDR: Field = 6..14;
    pub const PROTOCOL: Field = 14..16;
    pub const PAYLOAD: Rest = 16..;
}

/// Length of the Linux cooked v1 header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A read-only view of a Linux cooked capture v1 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking its length; accessors may panic on a
    /// short buffer. Use [`Packet::new_checked`] for untrusted input.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer after [`Packet::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the whole 16-byte header, so no accessor
    /// panics; otherwise [`DecodeError::SllTruncated`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(DecodeError::SllTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Packet type: 0 to us, 1 broadcast, 2 multicast, 3 to someone else,
    /// 4 sent by us.
    #[inline]
    pub fn packet_type(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::PACKET_TYPE])
    }

    /// Linux ARPHRD_ hardware type of the interface (1 = Ethernet).
    #[inline]
    pub fn hardware_type(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::HARDWARE_TYPE])
    }

    /// Length of the link-layer source address as sent (may exceed 8).
    #[inline]
    pub fn addr_len(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::ADDR_LEN])
    }

    /// The link-layer source address: the first `addr_len` bytes (at most 8)
    /// of the address field.
    #[inline]
    pub fn addr(&self) -> &[u8] {
        let addr = &self.buffer.as_ref()[field::ADDR];
        let len = usize::from(self.addr_len()).min(addr.len());
        &addr[..len]
    }

    /// Protocol of the payload, an EtherType (values below 0x0600 are Linux
    /// pseudo protocols such as 802.2 LLC).
    #[inline]
    pub fn protocol(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::PROTOCOL])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// Everything after the 16-byte header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linux cooked v1 header of an outgoing IPv4 packet on an Ethernet
    /// interface (6-byte address), then 4 payload bytes.
    static PACKET_BYTES: [u8; 20] = [
        0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x00, 0x00, 0x08,
        0x00, 0x45, 0x00, 0x00, 0x14,
    ];

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.packet_type(), 4);
        assert_eq!(packet.hardware_type(), 1);
        assert_eq!(packet.addr_len(), 6);
        assert_eq!(packet.addr(), &[0x02, 0, 0, 0, 0, 0xbb]);
        assert_eq!(packet.protocol(), 0x0800);
        assert_eq!(packet.payload(), &[0x45, 0x00, 0x00, 0x14]);
        assert_eq!(packet.into_inner().len(), 20);
    }

    #[test]
    fn test_long_addr_len_is_bounded() {
        let mut bytes = PACKET_BYTES;
        bytes[5] = 0xff;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.addr().len(), 8);
    }

    #[test]
    fn test_truncated() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&PACKET_BYTES[..len]).err(),
                Some(DecodeError::SllTruncated)
            );
        }
        assert!(Packet::new_checked(&PACKET_BYTES[..HEADER_LEN])
            .unwrap()
            .payload()
            .is_empty());
    }
}
