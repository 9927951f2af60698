//! The `null` module deals with BSD loopback headers: LINKTYPE_NULL (0),
//! a 4-byte address family in the capturing machine's byte order, and
//! LINKTYPE_LOOP (108), the same in network byte order (OpenBSD).
//!
//! The family says what follows: `AF_INET` is 2 everywhere; `AF_INET6` is
//! 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS, iOS). For
//! LINKTYPE_NULL the byte order is guessed as libpcap does: a value that
//! does not fit in 16 bits was written by a machine of the other order.

use super::DecodeError;

/// Length of the header.
pub const HEADER_LEN: usize = 4;

/// What a loopback header says follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// IPv4.
    Ipv4,
    /// IPv6.
    Ipv6,
    /// Anything else (the raw value, in the order it was read).
    Other(u32),
}

/// A read-only view of a loopback frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    network_order: bool,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A LINKTYPE_NULL view (host byte order, guessed), checked.
    pub fn new_null(buffer: T) -> Result<Packet<T>, DecodeError> {
        Packet::checked(buffer, false)
    }

    /// A LINKTYPE_LOOP view (network byte order), checked.
    pub fn new_loop(buffer: T) -> Result<Packet<T>, DecodeError> {
        Packet::checked(buffer, true)
    }

    fn checked(buffer: T, network_order: bool) -> Result<Packet<T>, DecodeError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(DecodeError::NullTruncated);
        }
        Ok(Packet {
            buffer,
            network_order,
        })
    }

    /// The address family as stored.
    pub fn raw_family(&self) -> u32 {
        let b = self.buffer.as_ref();
        let bytes = [b[0], b[1], b[2], b[3]];
        if self.network_order {
            return u32::from_be_bytes(bytes);
        }
        let le = u32::from_le_bytes(bytes);
        if le > 0xFFFF {
            u32::from_be_bytes(bytes)
        } else {
            le
        }
    }

    /// What follows the header.
    pub fn family(&self) -> Family {
        match self.raw_family() {
            2 => Family::Ipv4,
            10 | 24 | 28 | 30 => Family::Ipv6,
            other => Family::Other(other),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The bytes after the header.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_in_both_orders() {
        assert_eq!(
            Packet::new_null(&[2u8, 0, 0, 0][..]).unwrap().family(),
            Family::Ipv4
        );
        assert_eq!(
            Packet::new_null(&[0u8, 0, 0, 2][..]).unwrap().family(),
            Family::Ipv4
        );
        assert_eq!(
            Packet::new_null(&[30u8, 0, 0, 0][..]).unwrap().family(),
            Family::Ipv6
        );
        assert_eq!(
            Packet::new_loop(&[0u8, 0, 0, 24][..]).unwrap().family(),
            Family::Ipv6
        );
        assert_eq!(
            Packet::new_loop(&[0u8, 0, 0, 7][..]).unwrap().family(),
            Family::Other(7)
        );
        assert_eq!(
            Packet::new_null(&[2u8, 0, 0][..]),
            Err(DecodeError::NullTruncated)
        );
    }
}
