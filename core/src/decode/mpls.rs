//! The `mpls` module deals with MPLS label stacks (RFC 3032), EtherType
//! 0x8847 (unicast) or 0x8848 (multicast): four-byte entries up to the one
//! with the bottom-of-stack bit.
//!
//! ```text
//! |                Label                  | TC  |S|      TTL      |
//! ```
//!
//! MPLS does not say what follows the stack. weir reads the first nibble
//! after it, as tshark and most decoders do: 4 is IPv4, 6 is IPv6, and 0 is
//! the pseudowire control word of RFC 4385, after which an Ethernet frame
//! follows (Ethernet over MPLS). Anything else is not opened.

use super::{read_u32, DecodeError};

/// Most labels read; a deeper stack is damaged or hostile.
pub const MAX_LABELS: usize = 16;
/// Length of one stack entry, and of the pseudowire control word.
pub const ENTRY_LEN: usize = 4;

/// What follows a label stack, by its first nibble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// An IPv4 packet.
    Ipv4,
    /// An IPv6 packet.
    Ipv6,
    /// A pseudowire control word, then an Ethernet frame.
    EthernetPw,
    /// Something weir does not open.
    Other,
}

/// A read-only view of a label stack and what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    labels: usize,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A checked view: entries up to bottom of stack, at most
    /// [`MAX_LABELS`] ([`DecodeError::MplsTruncated`] if the stack is cut
    /// short or has no bottom within that depth).
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let b = buffer.as_ref();
        for labels in 1..=MAX_LABELS {
            let Some(entry) = b.get((labels - 1) * ENTRY_LEN..labels * ENTRY_LEN) else {
                break;
            };
            if entry[2] & 1 != 0 {
                return Ok(Packet { buffer, labels });
            }
        }
        Err(DecodeError::MplsTruncated)
    }

    /// Number of label stack entries.
    pub fn labels(&self) -> usize {
        self.labels
    }

    /// The label of entry `i` (0 is the top, next to the link header).
    fn label(&self, i: usize) -> u32 {
        read_u32(&self.buffer.as_ref()[i * ENTRY_LEN..(i + 1) * ENTRY_LEN]) >> 12
    }

    /// The top label (the one next to the link header).
    pub fn top_label(&self) -> u32 {
        self.label(0)
    }

    /// The bottom-of-stack label: in an MPLS VPN, the one that names the
    /// VPN (the top label only names the path to the next router).
    pub fn bottom_label(&self) -> u32 {
        self.label(self.labels - 1)
    }

    /// Bytes of the stack.
    pub fn stack_len(&self) -> usize {
        self.labels * ENTRY_LEN
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// What follows the stack, and where it starts relative to the stack
    /// (after the control word for [`Payload::EthernetPw`]).
    pub fn payload(&self) -> (Payload, &'a [u8]) {
        let rest = &self.buffer.as_ref()[self.stack_len()..];
        match rest.first().map(|b| b >> 4) {
            Some(4) => (Payload::Ipv4, rest),
            Some(6) => (Payload::Ipv6, rest),
            Some(0) if rest.len() >= ENTRY_LEN => (Payload::EthernetPw, &rest[ENTRY_LEN..]),
            _ => (Payload::Other, rest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: u32, bottom: bool) -> [u8; 4] {
        ((label << 12) | (u32::from(bottom) << 8) | 64).to_be_bytes()
    }

    #[test]
    fn two_labels_then_ipv4() {
        let mut b = Vec::new();
        b.extend_from_slice(&entry(16, false));
        b.extend_from_slice(&entry(1000, true));
        b.push(0x45);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!((p.labels(), p.top_label(), p.bottom_label()), (2, 16, 1000));
        assert_eq!(p.payload(), (Payload::Ipv4, &[0x45][..]));
    }

    #[test]
    fn control_word_then_ethernet_and_others() {
        let mut b = entry(77, true).to_vec();
        b.extend_from_slice(&[0, 0, 0, 1, 0xAA]);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.payload(), (Payload::EthernetPw, &[0xAA][..]));
        let mut other = entry(77, true).to_vec();
        other.push(0x12);
        assert_eq!(
            Packet::new_checked(&other[..]).unwrap().payload().0,
            Payload::Other
        );
    }

    #[test]
    fn no_bottom_is_truncated() {
        let mut b = Vec::new();
        for _ in 0..MAX_LABELS + 1 {
            b.extend_from_slice(&entry(5, false));
        }
        assert_eq!(Packet::new_checked(&b[..]), Err(DecodeError::MplsTruncated));
        assert_eq!(
            Packet::new_checked(&b[..3]),
            Err(DecodeError::MplsTruncated)
        );
        b[(MAX_LABELS - 1) * 4 + 2] |= 1;
        assert_eq!(Packet::new_checked(&b[..]).unwrap().labels(), MAX_LABELS);
    }
}
