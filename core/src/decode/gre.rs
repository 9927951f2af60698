//! The `gre` module deals with GRE headers: RFC 2784 with the key and
//! sequence-number extensions of RFC 2890 (version 0), and the enhanced GRE
//! of PPTP (RFC 2637, version 1), which carries PPP.
//!
//! ```text
//! |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
//! |      Checksum (optional)      |       Reserved1 (optional)    |   C or R
//! |                         Key (optional)                        |   K
//! |                 Sequence Number (optional)                    |   S
//! |               Acknowledgment Number (optional)                |   A, version 1
//! ```
//!
//! A header with the (long deprecated) routing bit set, or of a version
//! other than 0 and 1, is recognised but not opened: weir cannot know where
//! its payload starts.

use super::{read_u16, read_u32, DecodeError};

/// Length of the fixed part: flags, version, protocol type.
pub const BASE_LEN: usize = 4;

const FLAG_CHECKSUM: u16 = 0x8000;
const FLAG_ROUTING: u16 = 0x4000;
const FLAG_KEY: u16 = 0x2000;
const FLAG_SEQUENCE: u16 = 0x1000;
/// Version 1 only: an acknowledgment number follows.
const FLAG_ACK: u16 = 0x0080;

/// GRE protocol types weir opens (EtherType values).
pub mod protocol {
    /// Transparent Ethernet bridging: an Ethernet frame follows.
    pub const ETHERNET: u16 = 0x6558;
    /// PPP (PPTP's enhanced GRE).
    pub const PPP: u16 = 0x880B;
}

/// A read-only view of a GRE header and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    header_len: usize,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A checked view: the fixed part and every optional field its flags
    /// announce are there ([`DecodeError::GreTruncated`] otherwise). For a
    /// header weir cannot open (see the module docs) only the fixed part is
    /// checked, and [`Packet::is_open`] says no.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let b = buffer.as_ref();
        if b.len() < BASE_LEN {
            return Err(DecodeError::GreTruncated);
        }
        let flags = read_u16(&b[0..2]);
        let words = |bit: u16| usize::from(flags & bit != 0) * 4;
        let header_len = match flags & 0x7 {
            0 if flags & FLAG_ROUTING == 0 => {
                BASE_LEN + words(FLAG_CHECKSUM) + words(FLAG_KEY) + words(FLAG_SEQUENCE)
            }
            1 => BASE_LEN + words(FLAG_KEY) + words(FLAG_SEQUENCE) + words(FLAG_ACK),
            _ => 0,
        };
        if b.len() < header_len {
            return Err(DecodeError::GreTruncated);
        }
        Ok(Packet { buffer, header_len })
    }

    fn flags(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[0..2])
    }

    /// The version (0: RFC 2784; 1: PPTP).
    pub fn version(&self) -> u8 {
        (self.flags() & 0x7) as u8
    }

    /// The protocol type of the payload (an EtherType).
    pub fn protocol(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[2..4])
    }

    /// Whether weir knows where the payload starts (version 0 without
    /// routing, or version 1).
    pub fn is_open(&self) -> bool {
        self.header_len != 0
    }

    /// Bytes of header before the payload (0 when not [`Packet::is_open`]).
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The offset of the optional field announced by `bit`, if present:
    /// the fields come in flag order, each four bytes (version 0 has the
    /// checksum word first; version 1 has none).
    fn field(&self, bit: u16) -> Option<usize> {
        let flags = self.flags();
        if !self.is_open() || flags & bit == 0 {
            return None;
        }
        let order: &[u16] = if self.version() == 0 {
            &[FLAG_CHECKSUM, FLAG_KEY, FLAG_SEQUENCE]
        } else {
            &[FLAG_KEY, FLAG_SEQUENCE, FLAG_ACK]
        };
        let before = order.iter().take_while(|&&b| b != bit).copied();
        Some(BASE_LEN + before.filter(|&b| flags & b != 0).count() * 4)
    }

    /// The key (RFC 2890), when present. For PPTP (version 1) this word is
    /// the payload length (high half) and the call id (low half).
    pub fn key(&self) -> Option<u32> {
        self.field(FLAG_KEY)
            .map(|at| read_u32(&self.buffer.as_ref()[at..at + 4]))
    }

    /// The sequence number, when present.
    pub fn sequence(&self) -> Option<u32> {
        self.field(FLAG_SEQUENCE)
            .map(|at| read_u32(&self.buffer.as_ref()[at..at + 4]))
    }

    /// PPTP only: the call id (the low half of the key word).
    pub fn call_id(&self) -> Option<u16> {
        (self.version() == 1)
            .then(|| self.key())
            .flatten()
            .map(|k| k as u16)
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The bytes after the header (empty when not [`Packet::is_open`]).
    pub fn payload(&self) -> &'a [u8] {
        if !self.is_open() {
            return &[];
        }
        &self.buffer.as_ref()[self.header_len..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keyed_and_sequenced() {
        let plain = [0x00, 0x00, 0x08, 0x00, 0x45];
        let p = Packet::new_checked(&plain[..]).unwrap();
        assert_eq!((p.protocol(), p.header_len(), p.key()), (0x0800, 4, None));
        assert_eq!(p.payload(), &[0x45]);

        // C, K and S: checksum word, key 0x01020304, sequence 9.
        let full = [
            0xB0, 0x00, 0x86, 0xDD, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 9, 0x60,
        ];
        let p = Packet::new_checked(&full[..]).unwrap();
        assert_eq!(p.header_len(), 16);
        assert_eq!(p.key(), Some(0x0102_0304));
        assert_eq!(p.sequence(), Some(9));
        assert_eq!(p.payload(), &[0x60]);
        for cut in 4..16 {
            assert_eq!(
                Packet::new_checked(&full[..cut]),
                Err(DecodeError::GreTruncated),
                "{cut}"
            );
        }
        assert_eq!(
            Packet::new_checked(&full[..3]),
            Err(DecodeError::GreTruncated)
        );
    }

    #[test]
    fn sequence_without_key_and_pptp() {
        let seq_only = [0x10, 0x00, 0x08, 0x00, 0, 0, 0, 5];
        let p = Packet::new_checked(&seq_only[..]).unwrap();
        assert_eq!((p.key(), p.sequence()), (None, Some(5)));

        // PPTP: K, S, A; payload length 0x0010, call id 0x1234; seq 7; ack 6.
        let pptp = [
            0x30, 0x81, 0x88, 0x0B, 0x00, 0x10, 0x12, 0x34, 0, 0, 0, 7, 0, 0, 0, 6, 0xFF,
        ];
        let p = Packet::new_checked(&pptp[..]).unwrap();
        assert_eq!(p.version(), 1);
        assert_eq!(p.header_len(), 16);
        assert_eq!(p.call_id(), Some(0x1234));
        assert_eq!(p.sequence(), Some(7));
        assert_eq!(p.payload(), &[0xFF]);
    }

    #[test]
    fn routing_and_unknown_versions_are_not_opened() {
        for hdr in [[0x40, 0x00, 0x08, 0x00], [0x00, 0x02, 0x08, 0x00]] {
            let p = Packet::new_checked(&hdr[..]).unwrap();
            assert!(!p.is_open());
            assert!(p.payload().is_empty());
            assert_eq!(p.key(), None);
        }
    }
}
