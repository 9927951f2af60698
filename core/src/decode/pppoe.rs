//! The `pppoe` module deals with PPPoE session frames (RFC 2516, EtherType
//! 0x8864): a six-byte header, then a PPP frame whose length the header
//! gives.
//!
//! ```text
//! | VER=1 | TYPE=1|     CODE=0    |          SESSION_ID           |
//! |            LENGTH             |   PPP protocol, payload ...
//! ```
//!
//! Discovery frames (EtherType 0x8863) carry no IP and are not opened.

use super::{read_u16, DecodeError};

/// Length of the PPPoE header.
pub const HEADER_LEN: usize = 6;

/// A read-only view of a PPPoE session frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A checked view: the header is there and announces version 1, type 1
    /// ([`DecodeError::PppoeTruncated`], [`DecodeError::PppoeBadHeader`]).
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let b = buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(DecodeError::PppoeTruncated);
        }
        if b[0] != 0x11 {
            return Err(DecodeError::PppoeBadHeader);
        }
        Ok(Packet { buffer })
    }

    /// The session id.
    pub fn session_id(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[2..4])
    }

    /// The length of the PPP frame, according to the header.
    pub fn length(&self) -> usize {
        usize::from(read_u16(&self.buffer.as_ref()[4..6]))
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The PPP frame, bounded by the length field (so Ethernet padding is
    /// left out) and by what was captured.
    pub fn payload(&self) -> &'a [u8] {
        let rest = &self.buffer.as_ref()[HEADER_LEN..];
        &rest[..rest.len().min(self.length())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_length_and_padding() {
        let f = [0x11, 0x00, 0x12, 0x34, 0x00, 0x03, 0x00, 0x21, 0x45, 0, 0];
        let p = Packet::new_checked(&f[..]).unwrap();
        assert_eq!(p.session_id(), 0x1234);
        assert_eq!(p.payload(), &[0x00, 0x21, 0x45]);
        assert_eq!(
            Packet::new_checked(&f[..5]),
            Err(DecodeError::PppoeTruncated)
        );
        let mut bad = f;
        bad[0] = 0x21;
        assert_eq!(
            Packet::new_checked(&bad[..]),
            Err(DecodeError::PppoeBadHeader)
        );
    }
}
