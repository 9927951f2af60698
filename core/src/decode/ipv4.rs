//! The `ipv4` module deals with IPv4 headers: addresses, protocol, lengths
//! and fragmentation fields, and the payload bounded by the total length.
//!
//! The payload is bounded by the total length field (so Ethernet padding is
//! left out) and by the bytes actually captured (so a frame cut by a snap
//! length still gives what is there).

use super::field::Field;
use super::{read_u16, DecodeError};

mod field {
    use super::Field;

    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const IDENT: Field = 4..6;
    pub const FLG_OFF: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC_ADDR: Field = 12..16;
    pub const DST_ADDR: Field = 16..20;
}

/// Length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// A read-only view of an IPv4 packet.
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

    /// Checks the header once, in this order:
    ///
    /// * empty buffer: [`DecodeError::Ipv4Truncated`];
    /// * version nibble not 4: [`DecodeError::BadIpVersion`];
    /// * fewer than 20 bytes: [`DecodeError::Ipv4Truncated`];
    /// * header length below 5 words, or total length below the header
    ///   length: [`DecodeError::Ipv4BadHeader`];
    /// * fewer bytes than the header length (options cut): [`DecodeError::Ipv4Truncated`].
    ///
    /// A buffer shorter than the total length is accepted (snap length);
    /// [`Packet::payload`] then gives what was captured. After a successful
    /// check no accessor panics.
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let data = self.buffer.as_ref();
        let len = data.len();
        match data.first() {
            None => return Err(DecodeError::Ipv4Truncated),
            Some(&ver_ihl) if ver_ihl >> 4 != 4 => return Err(DecodeError::BadIpVersion),
            Some(_) => {}
        }
        if len < HEADER_LEN {
            return Err(DecodeError::Ipv4Truncated);
        }
        let header_len = self.header_len();
        if header_len < HEADER_LEN || usize::from(self.total_len()) < header_len {
            return Err(DecodeError::Ipv4BadHeader);
        }
        if len < header_len {
            return Err(DecodeError::Ipv4Truncated);
        }
        Ok(())
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version nibble (4 for a valid packet).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0F) * 4
    }

    /// Differentiated services code point.
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// Explicit congestion notification bits.
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// Total length field: header plus payload, in bytes, as sent.
    #[inline]
    pub fn total_len(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// Identification field.
    #[inline]
    pub fn ident(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::IDENT])
    }

    /// "Don't fragment" flag.
    #[inline]
    pub fn dont_frag(&self) -> bool {
        read_u16(&self.buffer.as_ref()[field::FLG_OFF]) & 0x4000 != 0
    }

    /// "More fragments" flag.
    #[inline]
    pub fn more_frags(&self) -> bool {
        read_u16(&self.buffer.as_ref()[field::FLG_OFF]) & 0x2000 != 0
    }

    /// Fragment offset in bytes (the field × 8).
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        (read_u16(&self.buffer.as_ref()[field::FLG_OFF]) & 0x1FFF) << 3
    }

    /// Time to live.
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol of the payload (see [`super::ip_proto`]).
    #[inline]
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// Header checksum as sent (not verified).
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> [u8; 4] {
        let mut addr = [0u8; 4];
        addr.copy_from_slice(&self.buffer.as_ref()[field::SRC_ADDR]);
        addr
    }

    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> [u8; 4] {
        let mut addr = [0u8; 4];
        addr.copy_from_slice(&self.buffer.as_ref()[field::DST_ADDR]);
        addr
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// Header options (empty when the header length is 20).
    #[inline]
    pub fn options(&self) -> &'a [u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// The payload: from the end of the header to the total length, or to
    /// the end of the captured bytes if that comes first.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let data = self.buffer.as_ref();
        let end = usize::from(self.total_len()).min(data.len());
        &data[self.header_len()..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IPv4 header with a Router Alert option (IHL 6), DSCP 46, MF set and a
    /// fragment offset of 1480, total length 28; then 4 bytes of payload and
    /// 2 bytes of link-layer padding.
    static PACKET_BYTES: [u8; 30] = [
        0x46, 0xb8, 0x00, 0x1c, 0x12, 0x34, 0x20, 0xb9, 0x40, 0x11, 0xab, 0xcd, 0x0a, 0x00, 0x00,
        0x01, 0x0a, 0x00, 0x00, 0x02, 0x94, 0x04, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00,
    ];

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.header_len(), 24);
        assert_eq!(packet.dscp(), 46);
        assert_eq!(packet.ecn(), 0);
        assert_eq!(packet.total_len(), 28);
        assert_eq!(packet.ident(), 0x1234);
        assert!(!packet.dont_frag());
        assert!(packet.more_frags());
        assert_eq!(packet.frag_offset(), 1480);
        assert_eq!(packet.ttl(), 64);
        assert_eq!(packet.protocol(), 17);
        assert_eq!(packet.checksum(), 0xabcd);
        assert_eq!(packet.src_addr(), [10, 0, 0, 1]);
        assert_eq!(packet.dst_addr(), [10, 0, 0, 2]);
        assert_eq!(packet.options(), &[0x94, 0x04, 0x00, 0x00]);
        // Bounded by the total length: the padding is left out.
        assert_eq!(packet.payload(), &[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(packet.into_inner().len(), 30);
    }

    #[test]
    fn test_dont_frag() {
        let mut bytes = PACKET_BYTES;
        bytes[6] = 0x40;
        bytes[7] = 0x00;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.dont_frag());
        assert!(!packet.more_frags());
        assert_eq!(packet.frag_offset(), 0);
    }

    #[test]
    fn test_payload_bounded_by_capture() {
        // Cut by a snap length two bytes into the payload.
        let packet = Packet::new_checked(&PACKET_BYTES[..26]).unwrap();
        assert_eq!(packet.payload(), &[0xde, 0xad]);
        // Cut right after the options.
        let packet = Packet::new_checked(&PACKET_BYTES[..24]).unwrap();
        assert!(packet.payload().is_empty());
    }

    #[test]
    fn test_truncated() {
        for len in 0..24 {
            assert_eq!(
                Packet::new_checked(&PACKET_BYTES[..len]).err(),
                Some(DecodeError::Ipv4Truncated),
                "len {len}"
            );
        }
    }

    #[test]
    fn test_bad_header_len() {
        for ihl in 0..5u8 {
            let mut bytes = PACKET_BYTES;
            bytes[0] = 0x40 | ihl;
            assert_eq!(
                Packet::new_checked(&bytes[..]).err(),
                Some(DecodeError::Ipv4BadHeader)
            );
        }
        // IHL 15 (60 bytes) is more than the total length of 28.
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x4f;
        assert_eq!(
            Packet::new_checked(&bytes[..]).err(),
            Some(DecodeError::Ipv4BadHeader)
        );
    }

    #[test]
    fn test_bad_total_len() {
        let mut bytes = PACKET_BYTES;
        bytes[2] = 0x00;
        bytes[3] = 0x17; // 23 < 24
        assert_eq!(
            Packet::new_checked(&bytes[..]).err(),
            Some(DecodeError::Ipv4BadHeader)
        );
        bytes[3] = 0x18; // header only
        assert!(Packet::new_checked(&bytes[..])
            .unwrap()
            .payload()
            .is_empty());
    }

    #[test]
    fn test_options_truncated_with_large_total_len() {
        // IHL 15 with a total length that allows it, but only 30 bytes captured.
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x4f;
        bytes[2] = 0x05;
        bytes[3] = 0xdc;
        assert_eq!(
            Packet::new_checked(&bytes[..]).err(),
            Some(DecodeError::Ipv4Truncated)
        );
    }

    #[test]
    fn test_bad_version() {
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x66;
        assert_eq!(
            Packet::new_checked(&bytes[..]).err(),
            Some(DecodeError::BadIpVersion)
        );
    }
}
