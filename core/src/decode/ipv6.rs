//! The `ipv6` module deals with IPv6 fixed headers and the extension headers
//! weir walks through to reach the transport: hop-by-hop options (0),
//! routing (43), fragment (44), destination options (60), mobility (135)
//! and the authentication header (51).
//!
//! [`Packet`] is the 40-byte fixed header; its payload is bounded by the
//! payload length field (or, for a jumbogram, by the captured bytes).
//! [`ExtHeader`] covers the extension headers whose length is counted in
//! 8-octet units, [`AuthHeader`] the AH (4-octet units + 2) and
//! [`FragmentHeader`] the fixed 8-byte fragment header.

use super::field::{Field, Rest};
use super::{ip_proto, read_u16, read_u32, DecodeError};

mod field {
    use super::{Field, Rest};

    pub const VER_TC_FLOW: Field = 0..4;
    pub const LENGTH: Field = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
    pub const PAYLOAD: Rest = 40..;

    // Extension headers (relative to their own start).
    pub const EXT_NXT_HDR: usize = 0;
    pub const EXT_LENGTH: usize = 1;
    /// Options of hop-by-hop / destination options headers start here.
    pub const EXT_DATA: usize = 2;

    // Authentication header.
    pub const AH_SPI: Field = 4..8;
    pub const AH_SEQ: Field = 8..12;

    // Fragment header.
    pub const FRAG_OFF_M: Field = 2..4;
    pub const FRAG_IDENT: Field = 4..8;
}

/// Length of the IPv6 fixed header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// Length of the IPv6 fragment header.
pub const FRAGMENT_HEADER_LEN: usize = field::FRAG_IDENT.end;

/// Minimum length of an authentication header (fixed fields, no ICV).
pub const AUTH_HEADER_MIN_LEN: usize = field::AH_SEQ.end;

/// Hop-by-hop option type of the Jumbo Payload option (RFC 2675).
pub const OPTION_JUMBO_PAYLOAD: u8 = 0xC2;

/// Hop-by-hop / destination option type of the one-byte Pad1 option.
const OPTION_PAD1: u8 = 0;

/// A read-only view of an IPv6 packet (fixed header).
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

    /// Checks the fixed header once: a version nibble other than 6 gives
    /// [`DecodeError::BadIpVersion`], fewer than 40 bytes (or none)
    /// [`DecodeError::Ipv6Truncated`]. A buffer shorter than the payload
    /// length says is accepted (snap length). After a successful check no
    /// accessor panics.
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let data = self.buffer.as_ref();
        match data.first() {
            Some(&first) if first >> 4 != 6 => Err(DecodeError::BadIpVersion),
            _ if data.len() < HEADER_LEN => Err(DecodeError::Ipv6Truncated),
            _ => Ok(()),
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version nibble (6 for a valid packet).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TC_FLOW.start] >> 4
    }

    /// Traffic class.
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        ((read_u32(&self.buffer.as_ref()[field::VER_TC_FLOW]) >> 20) & 0xFF) as u8
    }

    /// Flow label (20 bits).
    #[inline]
    pub fn flow_label(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::VER_TC_FLOW]) & 0x000F_FFFF
    }

    /// Payload length field (0 for a jumbogram).
    #[inline]
    pub fn payload_len(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// Next header: the first extension header or the transport protocol.
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NXT_HDR]
    }

    /// Hop limit.
    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> [u8; 16] {
        let mut addr = [0u8; 16];
        addr.copy_from_slice(&self.buffer.as_ref()[field::SRC_ADDR]);
        addr
    }

    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> [u8; 16] {
        let mut addr = [0u8; 16];
        addr.copy_from_slice(&self.buffer.as_ref()[field::DST_ADDR]);
        addr
    }

    /// Whether this is a jumbogram: payload length 0 and a hop-by-hop header
    /// (captured in full) carrying a Jumbo Payload option.
    pub fn is_jumbogram(&self) -> bool {
        if self.payload_len() != 0 || self.next_header() != ip_proto::HOP_BY_HOP {
            return false;
        }
        match ExtHeader::new_checked(&self.buffer.as_ref()[field::PAYLOAD]) {
            Ok(hop_by_hop) => has_option(hop_by_hop.options(), OPTION_JUMBO_PAYLOAD),
            Err(_) => false,
        }
    }

    /// Length of the payload on the wire: the payload length field, or for a
    /// jumbogram the captured bytes after the fixed header.
    #[inline]
    pub fn payload_wire_len(&self) -> usize {
        let len = usize::from(self.payload_len());
        if len == 0 && self.is_jumbogram() {
            self.buffer.as_ref().len().saturating_sub(HEADER_LEN)
        } else {
            len
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The payload (extension headers included): [`Packet::payload_wire_len`]
    /// bytes after the fixed header, or what was captured if fewer.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let data = &self.buffer.as_ref()[field::PAYLOAD];
        let len = self.payload_wire_len().min(data.len());
        &data[..len]
    }
}

/// Whether a type-length-value option area holds an option of type `wanted`.
fn has_option(mut options: &[u8], wanted: u8) -> bool {
    while let Some((&kind, rest)) = options.split_first() {
        if kind == wanted {
            return true;
        }
        if kind == OPTION_PAD1 {
            options = rest;
            continue;
        }
        let Some((&len, rest)) = rest.split_first() else {
            return false;
        };
        options = rest.get(usize::from(len)..).unwrap_or(&[]);
    }
    false
}

/// A read-only view of an extension header whose length byte counts
/// 8-octet units beyond the first 8 octets: hop-by-hop options, routing,
/// destination options and mobility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ExtHeader<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short
    /// buffer. Use [`ExtHeader::new_checked`] for untrusted input.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> ExtHeader<T> {
        ExtHeader { buffer }
    }

    /// Wraps a buffer after [`ExtHeader::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<ExtHeader<T>, DecodeError> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Checks that the whole header (as long as its length byte says) is in
    /// the buffer; otherwise [`DecodeError::Ipv6ExtTruncated`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let len = self.buffer.as_ref().len();
        if len <= field::EXT_LENGTH || len < self.header_len() {
            Err(DecodeError::Ipv6ExtTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Type of the next header.
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::EXT_NXT_HDR]
    }

    /// Length of this header in bytes: (length byte + 1) × 8.
    #[inline]
    pub fn header_len(&self) -> usize {
        (usize::from(self.buffer.as_ref()[field::EXT_LENGTH]) + 1) * 8
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> ExtHeader<&'a T> {
    /// The header's body after the next-header and length bytes (the options
    /// of a hop-by-hop or destination options header).
    #[inline]
    pub fn options(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::EXT_DATA..self.header_len()]
    }

    /// Everything after this header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

/// A read-only view of an IPsec authentication header (RFC 4302), whose
/// length byte counts 4-octet units minus 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> AuthHeader<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short
    /// buffer. Use [`AuthHeader::new_checked`] for untrusted input.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> AuthHeader<T> {
        AuthHeader { buffer }
    }

    /// Wraps a buffer after [`AuthHeader::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<AuthHeader<T>, DecodeError> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Checks that the fixed fields (12 bytes) and the whole header as long
    /// as its length byte says are in the buffer, and that this length covers
    /// the fixed fields; otherwise [`DecodeError::Ipv6ExtTruncated`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let len = self.buffer.as_ref().len();
        if len < AUTH_HEADER_MIN_LEN
            || self.header_len() < AUTH_HEADER_MIN_LEN
            || len < self.header_len()
        {
            Err(DecodeError::Ipv6ExtTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Type of the next header.
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::EXT_NXT_HDR]
    }

    /// Length of this header in bytes: (length byte + 2) × 4.
    #[inline]
    pub fn header_len(&self) -> usize {
        (usize::from(self.buffer.as_ref()[field::EXT_LENGTH]) + 2) * 4
    }

    /// Security parameters index.
    #[inline]
    pub fn spi(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::AH_SPI])
    }

    /// Sequence number.
    #[inline]
    pub fn sequence_number(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::AH_SEQ])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> AuthHeader<&'a T> {
    /// Integrity check value.
    #[inline]
    pub fn icv(&self) -> &'a [u8] {
        &self.buffer.as_ref()[AUTH_HEADER_MIN_LEN..self.header_len()]
    }

    /// Everything after this header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

/// A read-only view of an IPv6 fragment header (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> FragmentHeader<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short
    /// buffer. Use [`FragmentHeader::new_checked`] for untrusted input.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> FragmentHeader<T> {
        FragmentHeader { buffer }
    }

    /// Wraps a buffer after [`FragmentHeader::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<FragmentHeader<T>, DecodeError> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Checks that the 8-byte header is in the buffer; otherwise
    /// [`DecodeError::Ipv6ExtTruncated`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        if self.buffer.as_ref().len() < FRAGMENT_HEADER_LEN {
            Err(DecodeError::Ipv6ExtTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Type of the next header (the protocol of the fragmented datagram's
    /// payload).
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::EXT_NXT_HDR]
    }

    /// Fragment offset in bytes.
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::FRAG_OFF_M]) & 0xFFF8
    }

    /// "More fragments" flag.
    #[inline]
    pub fn more_frags(&self) -> bool {
        read_u16(&self.buffer.as_ref()[field::FRAG_OFF_M]) & 0x0001 != 0
    }

    /// Identification of the fragmented datagram.
    #[inline]
    pub fn ident(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::FRAG_IDENT])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> FragmentHeader<&'a T> {
    /// Everything after this header (the fragment data).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[FRAGMENT_HEADER_LEN..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IPv6 header (traffic class 0xb8, flow label 0x12345, payload length
    /// 12, UDP, hop limit 64, 2001:db8::1 -> ff02::1), 12 bytes of payload
    /// and 2 bytes of trailer.
    static PACKET_BYTES: [u8; 54] = [
        0x6b, 0x81, 0x23, 0x45, 0x00, 0x0c, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00,
        0x0c, 0x00, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    ];

    /// Hop-by-hop options header, 16 bytes (length 1): PadN(12), then a
    /// Router Alert option; next header TCP.
    static HOP_BY_HOP_BYTES: [u8; 18] = [
        0x06, 0x01, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
        0x02, 0x00, 0x00,
    ];

    /// Authentication header, 24 bytes (length 4): SPI 0x100, sequence 7,
    /// 12-byte ICV; next header TCP; then 1 payload byte.
    static AUTH_HEADER_BYTES: [u8; 25] = [
        0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0x02, 0x03,
        0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x99,
    ];

    /// Fragment header: next header UDP, offset 1448, M set, id 0xdeadbeef;
    /// then 2 bytes of fragment data.
    static FRAGMENT_BYTES: [u8; 10] = [0x11, 0x00, 0x05, 0xa9, 0xde, 0xad, 0xbe, 0xef, 0x12, 0x34];

    /// Jumbogram: payload length 0, then a hop-by-hop header (next header
    /// UDP) holding a Jumbo Payload option of 12, then 4 payload bytes.
    static JUMBO_BYTES: [u8; 52] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11, 0x00, 0xc2, 0x04, 0x00,
        0x00, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04,
    ];

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 6);
        assert_eq!(packet.traffic_class(), 0xb8);
        assert_eq!(packet.flow_label(), 0x12345);
        assert_eq!(packet.payload_len(), 12);
        assert_eq!(packet.next_header(), 17);
        assert_eq!(packet.hop_limit(), 64);
        let mut src = [0u8; 16];
        src[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        src[15] = 1;
        assert_eq!(packet.src_addr(), src);
        let mut dst = [0u8; 16];
        dst[..2].copy_from_slice(&[0xff, 0x02]);
        dst[15] = 1;
        assert_eq!(packet.dst_addr(), dst);
        assert!(!packet.is_jumbogram());
        assert_eq!(packet.payload_wire_len(), 12);
        // Bounded by the payload length: the trailer is left out.
        assert_eq!(packet.payload(), &PACKET_BYTES[40..52]);
        assert_eq!(packet.into_inner().len(), 54);
    }

    #[test]
    fn test_payload_bounded_by_capture() {
        let packet = Packet::new_checked(&PACKET_BYTES[..45]).unwrap();
        assert_eq!(packet.payload_wire_len(), 12);
        assert_eq!(packet.payload(), &PACKET_BYTES[40..45]);
    }

    #[test]
    fn test_truncated() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&PACKET_BYTES[..len]).err(),
                Some(DecodeError::Ipv6Truncated)
            );
        }
        assert!(Packet::new_checked(&PACKET_BYTES[..HEADER_LEN])
            .unwrap()
            .payload()
            .is_empty());
    }

    #[test]
    fn test_bad_version() {
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x45;
        assert_eq!(
            Packet::new_checked(&bytes[..]).err(),
            Some(DecodeError::BadIpVersion)
        );
    }

    #[test]
    fn test_jumbogram() {
        let packet = Packet::new_checked(&JUMBO_BYTES[..]).unwrap();
        assert_eq!(packet.payload_len(), 0);
        assert!(packet.is_jumbogram());
        assert_eq!(packet.payload_wire_len(), 12);
        assert_eq!(packet.payload(), &JUMBO_BYTES[40..]);
        // The same without the option (PadN instead) is an empty packet.
        let mut bytes = JUMBO_BYTES;
        bytes[42] = 0x01;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(!packet.is_jumbogram());
        assert!(packet.payload().is_empty());
        // The hop-by-hop header not captured in full: not a jumbogram.
        let packet = Packet::new_checked(&JUMBO_BYTES[..47]).unwrap();
        assert!(!packet.is_jumbogram());
        assert!(packet.payload().is_empty());
    }

    #[test]
    fn test_has_option() {
        assert!(has_option(&[0xc2, 0x04, 0, 0, 0, 0], OPTION_JUMBO_PAYLOAD));
        assert!(has_option(&[0x00, 0x00, 0xc2, 0x04], OPTION_JUMBO_PAYLOAD));
        assert!(has_option(&[0x01, 0x02, 0, 0, 0xc2], OPTION_JUMBO_PAYLOAD));
        assert!(!has_option(&[0x01, 0x02, 0xc2, 0x00], OPTION_JUMBO_PAYLOAD));
        assert!(!has_option(&[0x01, 0xff, 0xc2], OPTION_JUMBO_PAYLOAD));
        assert!(!has_option(&[0x05], OPTION_JUMBO_PAYLOAD));
        assert!(!has_option(&[], OPTION_JUMBO_PAYLOAD));
    }

    #[test]
    fn test_hop_by_hop() {
        let header = ExtHeader::new_checked(&HOP_BY_HOP_BYTES[..]).unwrap();
        assert_eq!(header.next_header(), 6);
        assert_eq!(header.header_len(), 16);
        assert_eq!(header.options(), &HOP_BY_HOP_BYTES[2..16]);
        assert_eq!(header.payload(), &[0x00, 0x00]);
        assert!(!has_option(header.options(), OPTION_JUMBO_PAYLOAD));
        assert!(has_option(header.options(), 0x05));
        for len in 0..16 {
            assert_eq!(
                ExtHeader::new_checked(&HOP_BY_HOP_BYTES[..len]).err(),
                Some(DecodeError::Ipv6ExtTruncated)
            );
        }
        assert_eq!(header.into_inner().len(), 18);
    }

    #[test]
    fn test_auth_header() {
        let header = AuthHeader::new_checked(&AUTH_HEADER_BYTES[..]).unwrap();
        assert_eq!(header.next_header(), 6);
        assert_eq!(header.header_len(), 24);
        assert_eq!(header.spi(), 0x100);
        assert_eq!(header.sequence_number(), 7);
        assert_eq!(header.icv(), &AUTH_HEADER_BYTES[12..24]);
        assert_eq!(header.payload(), &[0x99]);
        for len in 0..24 {
            assert_eq!(
                AuthHeader::new_checked(&AUTH_HEADER_BYTES[..len]).err(),
                Some(DecodeError::Ipv6ExtTruncated)
            );
        }
        // A length byte of 0 (8 bytes) cannot even hold the fixed fields.
        let mut bytes = AUTH_HEADER_BYTES;
        bytes[1] = 0;
        assert_eq!(
            AuthHeader::new_checked(&bytes[..]).err(),
            Some(DecodeError::Ipv6ExtTruncated)
        );
        // Length byte 1: 12 bytes, no ICV.
        bytes[1] = 1;
        let header = AuthHeader::new_checked(&bytes[..]).unwrap();
        assert!(header.icv().is_empty());
        assert_eq!(header.payload().len(), 13);
    }

    #[test]
    fn test_fragment_header() {
        let header = FragmentHeader::new_checked(&FRAGMENT_BYTES[..]).unwrap();
        assert_eq!(header.next_header(), 17);
        assert_eq!(header.frag_offset(), 1448);
        assert!(header.more_frags());
        assert_eq!(header.ident(), 0xdead_beef);
        assert_eq!(header.payload(), &[0x12, 0x34]);
        for len in 0..FRAGMENT_HEADER_LEN {
            assert_eq!(
                FragmentHeader::new_checked(&FRAGMENT_BYTES[..len]).err(),
                Some(DecodeError::Ipv6ExtTruncated)
            );
        }
    }
}
