//! The `ethernet` module deals with Ethernet II frames and the 802.1Q /
//! 802.1ad VLAN tags that may sit between the source address and the
//! EtherType of the payload.
//!
//! [`Packet`] is the 14-byte Ethernet header; [`VlanTag`] is the 4 bytes that
//! follow a VLAN TPID (0x8100, 0x88A8 or 0x9100): the tag control information
//! and the EtherType of what comes next.

use super::field::{Field, Rest};
use super::{read_u16, DecodeError};

/// EtherType values weir recognises.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// Address Resolution Protocol.
    pub const ARP: u16 = 0x0806;
    /// IPv6.
    pub const IPV6: u16 = 0x86DD;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service VLAN tag (QinQ).
    pub const QINQ: u16 = 0x88A8;
    /// Pre-standard QinQ service tag.
    pub const QINQ_LEGACY: u16 = 0x9100;
    /// MPLS unicast label stack (RFC 3032).
    pub const MPLS_UNICAST: u16 = 0x8847;
    /// MPLS multicast label stack (RFC 5332).
    pub const MPLS_MULTICAST: u16 = 0x8848;
    /// PPPoE session stage (RFC 2516).
    pub const PPPOE_SESSION: u16 = 0x8864;
    /// Values below this are IEEE 802.3 length fields (an LLC header
    /// follows), not EtherTypes.
    pub const MIN_ETHERTYPE: u16 = 0x0600;

    /// Whether `value` announces a VLAN tag (802.1Q, 802.1ad or 0x9100).
    #[inline(always)]
    pub const fn is_vlan(value: u16) -> bool {
        matches!(value, VLAN | QINQ | QINQ_LEGACY)
    }
}

mod field {
    use super::{Field, Rest};

    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const ETHERTYPE: Field = 12..14;
    pub const PAYLOAD: Rest = 14..;

    // Relative to the end of the VLAN TPID.
    pub const VLAN_TCI: Field = 0..2;
    pub const VLAN_ETHERTYPE: Field = 2..4;
    pub const VLAN_PAYLOAD: Rest = 4..;
}

/// Length of the Ethernet header (destination, source, EtherType).
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// Length of one VLAN tag after the TPID (TCI + EtherType).
pub const VLAN_TAG_LEN: usize = field::VLAN_PAYLOAD.start;

/// A read-only view of an Ethernet II frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking its length; accessors may panic on a
    /// short buffer. Use [`Packet::new_checked`] for untrusted input.
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

    /// Checks that the buffer holds a whole Ethernet header, so no accessor
    /// panics; otherwise [`DecodeError::EthernetTruncated`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(DecodeError::EthernetTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Destination MAC address.
    #[inline]
    pub fn dst_addr(&self) -> [u8; 6] {
        let mut addr = [0u8; 6];
        addr.copy_from_slice(&self.buffer.as_ref()[field::DESTINATION]);
        addr
    }

    /// Source MAC address.
    #[inline]
    pub fn src_addr(&self) -> [u8; 6] {
        let mut addr = [0u8; 6];
        addr.copy_from_slice(&self.buffer.as_ref()[field::SOURCE]);
        addr
    }

    /// EtherType (or, below [`ethertype::MIN_ETHERTYPE`], 802.3 length) field.
    #[inline]
    pub fn ethertype(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::ETHERTYPE])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// Everything after the Ethernet header (VLAN tags included).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

/// A read-only view of one VLAN tag, starting right after its TPID: the tag
/// control information (priority, drop eligibility, VLAN id) and the
/// EtherType of what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanTag<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VlanTag<T> {
    /// Wraps a buffer without checking its length; accessors may panic on a
    /// short buffer. Use [`VlanTag::new_checked`] for untrusted input.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> VlanTag<T> {
        VlanTag { buffer }
    }

    /// Wraps a buffer after [`VlanTag::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<VlanTag<T>, DecodeError> {
        let tag = Self::new_unchecked(buffer);
        tag.check_len()?;
        Ok(tag)
    }

    /// Checks that the buffer holds a whole tag (4 bytes), so no accessor
    /// panics; otherwise [`DecodeError::VlanTruncated`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        if self.buffer.as_ref().len() < VLAN_TAG_LEN {
            Err(DecodeError::VlanTruncated)
        } else {
            Ok(())
        }
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole tag control information field.
    #[inline]
    pub fn tci(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::VLAN_TCI])
    }

    /// Priority code point (top 3 bits of the TCI).
    #[inline]
    pub fn priority(&self) -> u8 {
        (self.tci() >> 13) as u8
    }

    /// Drop eligible indicator (bit 12 of the TCI).
    #[inline]
    pub fn drop_eligible(&self) -> bool {
        self.tci() & 0x1000 != 0
    }

    /// VLAN identifier (low 12 bits of the TCI).
    #[inline]
    pub fn vlan_id(&self) -> u16 {
        self.tci() & 0x0FFF
    }

    /// EtherType of what follows the tag (possibly another VLAN TPID).
    #[inline]
    pub fn ethertype(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::VLAN_ETHERTYPE])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> VlanTag<&'a T> {
    /// Everything after the tag.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::VLAN_PAYLOAD]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet II header (IPv4) followed by 4 bytes of payload.
    static FRAME_BYTES: [u8; 18] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x08, 0x00, 0xaa,
        0xbb, 0xcc, 0xdd,
    ];

    /// Two stacked tags after an 802.1ad TPID: (PCP 5, DEI, VLAN 4095) then
    /// (VLAN 20), then IPv6 and 2 payload bytes.
    static QINQ_TAG_BYTES: [u8; 10] = [0xbf, 0xff, 0x81, 0x00, 0x00, 0x14, 0x86, 0xdd, 0x60, 0x00];

    #[test]
    fn test_deconstruct() {
        let frame = Packet::new_checked(&FRAME_BYTES[..]).unwrap();
        assert_eq!(frame.dst_addr(), [0x02, 0, 0, 0, 0, 0xaa]);
        assert_eq!(frame.src_addr(), [0x02, 0, 0, 0, 0, 0xbb]);
        assert_eq!(frame.ethertype(), ethertype::IPV4);
        assert_eq!(frame.payload(), &[0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(frame.into_inner().len(), 18);
    }

    #[test]
    fn test_header_only() {
        let frame = Packet::new_checked(&FRAME_BYTES[..HEADER_LEN]).unwrap();
        assert!(frame.payload().is_empty());
    }

    #[test]
    fn test_truncated() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&FRAME_BYTES[..len]).err(),
                Some(DecodeError::EthernetTruncated),
                "len {len}"
            );
        }
    }

    #[test]
    fn test_vlan_tags() {
        let outer = VlanTag::new_checked(&QINQ_TAG_BYTES[..]).unwrap();
        assert_eq!(outer.tci(), 0xbfff);
        assert_eq!(outer.priority(), 5);
        assert!(outer.drop_eligible());
        assert_eq!(outer.vlan_id(), 4095);
        assert_eq!(outer.ethertype(), ethertype::VLAN);
        let inner = VlanTag::new_checked(outer.payload()).unwrap();
        assert_eq!(inner.priority(), 0);
        assert!(!inner.drop_eligible());
        assert_eq!(inner.vlan_id(), 20);
        assert_eq!(inner.ethertype(), ethertype::IPV6);
        assert_eq!(inner.payload(), &[0x60, 0x00]);
    }

    #[test]
    fn test_vlan_truncated() {
        for len in 0..VLAN_TAG_LEN {
            assert_eq!(
                VlanTag::new_checked(&QINQ_TAG_BYTES[..len]).err(),
                Some(DecodeError::VlanTruncated)
            );
        }
        assert!(VlanTag::new_checked(&QINQ_TAG_BYTES[..VLAN_TAG_LEN])
            .unwrap()
            .payload()
            .is_empty());
    }

    #[test]
    fn test_is_vlan() {
        assert!(ethertype::is_vlan(0x8100));
        assert!(ethertype::is_vlan(0x88a8));
        assert!(ethertype::is_vlan(0x9100));
        assert!(!ethertype::is_vlan(ethertype::IPV4));
        assert!(!ethertype::is_vlan(ethertype::IPV6));
        assert!(!ethertype::is_vlan(ethertype::ARP));
    }
}
