//! The `ppp` module deals with PPP frames (LINKTYPE_PPP = 9, RFC 1661 with
//! the RFC 1662 HDLC-like framing): an optional address/control pair
//! `0xFF 0x03`, then the protocol field, two bytes, or one when compressed
//! (RFC 1661 §6.5: an odd first byte).

use super::DecodeError;

/// PPP protocol numbers weir decodes.
pub mod protocol {
    /// Internet Protocol version 4.
    pub const IPV4: u16 = 0x0021;
    /// Internet Protocol version 6.
    pub const IPV6: u16 = 0x0057;
}

/// A read-only view of a PPP frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    protocol: u16,
    header_len: usize,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A checked view: the framing and the protocol field are there.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let b = buffer.as_ref();
        let at = if b.starts_with(&[0xFF, 0x03]) { 2 } else { 0 };
        let first = *b.get(at).ok_or(DecodeError::PppTruncated)?;
        let (protocol, header_len) = if first & 1 == 1 {
            (u16::from(first), at + 1)
        } else {
            let second = *b.get(at + 1).ok_or(DecodeError::PppTruncated)?;
            (u16::from_be_bytes([first, second]), at + 2)
        };
        Ok(Packet {
            buffer,
            protocol,
            header_len,
        })
    }

    /// The protocol field.
    pub fn protocol(&self) -> u16 {
        self.protocol
    }

    /// Bytes before the payload.
    pub fn header_len(&self) -> usize {
        self.header_len
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The bytes after the protocol field.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[self.header_len..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framings() {
        let full = Packet::new_checked(&[0xFFu8, 0x03, 0x00, 0x21, 0x45][..]).unwrap();
        assert_eq!((full.protocol(), full.header_len()), (protocol::IPV4, 4));
        let bare = Packet::new_checked(&[0x00u8, 0x57, 0x60][..]).unwrap();
        assert_eq!(
            (bare.protocol(), bare.payload()),
            (protocol::IPV6, &[0x60u8][..])
        );
        let compressed = Packet::new_checked(&[0x21u8, 0x45][..]).unwrap();
        assert_eq!((compressed.protocol(), compressed.header_len()), (0x21, 1));
        assert_eq!(
            Packet::new_checked(&[0xFFu8, 0x03][..]),
            Err(DecodeError::PppTruncated)
        );
        assert_eq!(
            Packet::new_checked(&[0x00u8][..]),
            Err(DecodeError::PppTruncated)
        );
    }
}
