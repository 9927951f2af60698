//! The `sll2` module deals with Linux cooked capture v2 headers
//! (LINKTYPE_LINUX_SLL2 = 276): a 20-byte pseudo header whose protocol
//! field comes first and means what an Ethernet EtherType means.

use super::field::{Field, Rest};
use super::{read_u16, DecodeError};

mod field {
    use super::{Field, Rest};

    pub const PROTOCOL: Field = 0..2;
    pub const IF_INDEX: Field = 4..8;
    pub const PAYLOAD: Rest = 20..;
}

/// Length of the header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A read-only view of an SLL2 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A checked view: at least the 20-byte header.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(DecodeError::Sll2Truncated);
        }
        Ok(Packet { buffer })
    }

    /// The protocol (an EtherType).
    pub fn protocol(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::PROTOCOL])
    }

    /// The capturing interface's index.
    pub fn if_index(&self) -> u32 {
        super::read_u32(&self.buffer.as_ref()[field::IF_INDEX])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The bytes after the header.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_truncation() {
        let mut h = [0u8; 21];
        h[0] = 0x86;
        h[1] = 0xDD;
        h[7] = 3;
        let p = Packet::new_checked(&h[..]).unwrap();
        assert_eq!(
            (p.protocol(), p.if_index(), p.payload().len()),
            (0x86DD, 3, 1)
        );
        assert_eq!(
            Packet::new_checked(&h[..19]),
            Err(DecodeError::Sll2Truncated)
        );
    }
}
