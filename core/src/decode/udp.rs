//! The `udp` module deals with UDP datagram headers: ports, length,
//! checksum and the payload after the 8-byte header.

use super::field::{Field, Rest};
use super::{read_u16, DecodeError};

mod field {
    use super::{Field, Rest};

    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const LENGTH: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
    pub const PAYLOAD: Rest = 8..;
}

/// Length of the UDP header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A read-only view of a UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short
    /// buffer. Use [`Packet::new_checked`] for untrusted input.
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

    /// Checks that the 8-byte header is in the buffer, so no accessor
    /// panics; otherwise [`DecodeError::UdpTruncated`]. The length field is
    /// not checked against the buffer (the IP length is what bounds the
    /// payload).
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(DecodeError::UdpTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::SRC_PORT])
    }

    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::DST_PORT])
    }

    /// Length field (header plus data, as sent).
    #[inline]
    pub fn length(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// Checksum as sent (0 = none; not verified).
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// Everything in the buffer after the 8-byte header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UDP header 5353 -> 53, length 12, checksum 0x145a; then "ping".
    static PACKET_BYTES: [u8; 12] = [
        0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x14, 0x5a, 0x70, 0x69, 0x6e, 0x67,
    ];

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.src_port(), 5353);
        assert_eq!(packet.dst_port(), 53);
        assert_eq!(packet.length(), 12);
        assert_eq!(packet.checksum(), 0x145a);
        assert_eq!(packet.payload(), b"ping");
        assert_eq!(packet.into_inner().len(), 12);
    }

    #[test]
    fn test_truncated() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&PACKET_BYTES[..len]).err(),
                Some(DecodeError::UdpTruncated)
            );
        }
        assert!(Packet::new_checked(&PACKET_BYTES[..HEADER_LEN])
            .unwrap()
            .payload()
            .is_empty());
    }

    #[test]
    fn test_length_field_not_trusted() {
        let mut bytes = PACKET_BYTES;
        bytes[4] = 0xff;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.length(), 0xff0c);
        assert_eq!(packet.payload(), b"ping");
    }
}
