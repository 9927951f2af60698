//! The `icmp` module deals with the common header of ICMP (IPv4) and
//! ICMPv6 messages: type, code and checksum.
//!
//! Only the outer message is read: the IP packet quoted inside an error
//! message is never looked at.

use super::field::{Field, Rest};
use super::{read_u16, DecodeError};

mod field {
    use super::{Field, Rest};

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;
    pub const BODY: Rest = 4..;
}

/// Length of the common ICMP / ICMPv6 header (type, code, checksum).
pub const HEADER_LEN: usize = field::BODY.start;

/// A read-only view of an ICMP or ICMPv6 message.
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

    /// Checks that the 4-byte common header is in the buffer, so no accessor
    /// panics; otherwise [`DecodeError::IcmpTruncated`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(DecodeError::IcmpTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Message type (e.g. 8 echo request for ICMP, 128 for ICMPv6).
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Message code.
    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// Checksum as sent (not verified).
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The message body after the common header (for echo: identifier,
    /// sequence number and data; for errors: unused word and quoted packet).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::BODY]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ICMP echo request: type 8, code 0, checksum 0x1a2b, id 0x1234, seq 1.
    static PACKET_BYTES: [u8; 8] = [0x08, 0x00, 0x1a, 0x2b, 0x12, 0x34, 0x00, 0x01];

    /// ICMPv6 destination unreachable (type 1), port unreachable (code 4),
    /// unused word, then the start of the quoted packet.
    static ICMPV6_BYTES: [u8; 10] = [0x01, 0x04, 0xab, 0xcd, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00];

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.msg_type(), 8);
        assert_eq!(packet.msg_code(), 0);
        assert_eq!(packet.checksum(), 0x1a2b);
        assert_eq!(packet.payload(), &[0x12, 0x34, 0x00, 0x01]);
        assert_eq!(packet.into_inner().len(), 8);
    }

    #[test]
    fn test_icmpv6_error() {
        let packet = Packet::new_checked(&ICMPV6_BYTES[..]).unwrap();
        assert_eq!(packet.msg_type(), 1);
        assert_eq!(packet.msg_code(), 4);
        assert_eq!(packet.payload().len(), 6);
    }

    #[test]
    fn test_truncated() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&PACKET_BYTES[..len]).err(),
                Some(DecodeError::IcmpTruncated)
            );
        }
        assert!(Packet::new_checked(&PACKET_BYTES[..HEADER_LEN])
            .unwrap()
            .payload()
            .is_empty());
    }
}

/// Whether ICMP (`v6` false) or ICMPv6 type `t` is an error message, which
/// quotes the packet that caused it (RFC 792: 3, 4, 5, 11, 12; RFC 4443:
/// 1 to 4).
pub fn is_error(t: u8, v6: bool) -> bool {
    if v6 {
        matches!(t, 1..=4)
    } else {
        matches!(t, 3 | 4 | 5 | 11 | 12)
    }
}

/// The UDP datagram quoted in an ICMP error: its ports and as much of its
/// payload as the error carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedUdp<'a> {
    /// Source port of the quoted datagram.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Its payload, cut where the quote ends or at the UDP length.
    pub payload: &'a [u8],
}

/// The UDP datagram quoted in the ICMP (`v6` false) or ICMPv6 error `msg`
/// (the whole message: the 4-byte common header, 4 more bytes, then the
/// quoted IP packet), if it is one: an IPv4 packet that is a first
/// fragment (or whole) or an IPv6 packet without extension headers,
/// carrying UDP with its 8-byte header quoted. Quotes are usually cut
/// short, so the IP length fields are not trusted, only bounds.
pub fn quoted_udp(msg: &[u8], v6: bool) -> Option<QuotedUdp<'_>> {
    let inner = msg.get(8..)?;
    let first = *inner.first()?;
    let udp = if v6 {
        if first >> 4 != 6 || *inner.get(6)? != 17 {
            return None;
        }
        inner.get(40..)?
    } else {
        let ihl = usize::from(first & 0x0F) * 4;
        let frag = read_u16(inner.get(6..8)?) & 0x1FFF;
        if first >> 4 != 4 || ihl < 20 || *inner.get(9)? != 17 || frag != 0 {
            return None;
        }
        inner.get(ihl..)?
    };
    let header = udp.get(..8)?;
    let len = usize::from(read_u16(&header[4..6]));
    let payload = &udp[8..];
    let payload = &payload[..payload.len().min(len.saturating_sub(8))];
    Some(QuotedUdp {
        src_port: read_u16(&header[0..2]),
        dst_port: read_u16(&header[2..4]),
        payload,
    })
}

#[cfg(test)]
mod quoted_tests {
    use super::*;

    /// An ICMP error header, then `packet`.
    fn error(packet: &[u8]) -> Vec<u8> {
        let mut m = vec![3, 3, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(packet);
        m
    }

    fn v4_udp(frag: u16, payload: &[u8], udp_len: u16) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 0, 0, 0];
        p.extend_from_slice(&frag.to_be_bytes());
        p.extend_from_slice(&[64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        p.extend_from_slice(&5353u16.to_be_bytes());
        p.extend_from_slice(&53u16.to_be_bytes());
        p.extend_from_slice(&udp_len.to_be_bytes());
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn quoted_ipv4_udp_is_found_and_bounded() {
        let m = error(&v4_udp(0, b"abcdef", 14));
        let q = quoted_udp(&m, false).unwrap();
        assert_eq!((q.src_port, q.dst_port, q.payload), (5353, 53, &b"abcdef"[..]));
        // The UDP length cuts the payload; a quote cut short is kept short.
        let m = error(&v4_udp(0, b"abcdef", 11));
        assert_eq!(quoted_udp(&m, false).unwrap().payload, b"abc");
        let m = error(&v4_udp(0, b"abcdef", 4000));
        assert_eq!(quoted_udp(&m, false).unwrap().payload, b"abcdef");
        // A later fragment has no UDP header; TCP is not UDP; cut headers.
        assert!(quoted_udp(&error(&v4_udp(0x0010, b"x", 9)), false).is_none());
        let mut tcp = v4_udp(0, b"x", 9);
        tcp[9] = 6;
        assert!(quoted_udp(&error(&tcp), false).is_none());
        let whole = error(&v4_udp(0, b"", 8));
        for cut in 0..whole.len() {
            assert!(quoted_udp(&whole[..cut], false).is_none(), "{cut}");
        }
        assert!(quoted_udp(&whole, false).is_some());
    }

    #[test]
    fn quoted_ipv6_udp_is_found() {
        let mut p = vec![0x60, 0, 0, 0, 0, 16, 17, 64];
        p.extend_from_slice(&[0; 32]);
        p.extend_from_slice(&[0x14, 0xE9, 0, 53, 0, 10, 0, 0, b'h', b'i']);
        let m = error(&p);
        let q = quoted_udp(&m, true).unwrap();
        assert_eq!((q.src_port, q.dst_port, q.payload), (5353, 53, &b"hi"[..]));
        assert!(quoted_udp(&m, false).is_none());
        assert!(is_error(1, true) && !is_error(128, true));
        assert!(is_error(11, false) && !is_error(8, false));
    }
}
