//! The `tcp` module deals with TCP segment headers: ports, sequence numbers,
//! the data offset, flags and the payload after the options.
//!
//! A segment may be captured only in part (snap length): [`Packet::new_checked_captured`]
//! takes the segment's length on the wire so that a header cut by the snap
//! length is reported as truncated and a data offset pointing past the end of
//! the real segment as a bad offset.

use super::field::{Field, Rest};
use super::{read_u16, read_u32, DecodeError};

mod field {
    use super::{Field, Rest};

    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const SEQ_NUM: Field = 4..8;
    pub const ACK_NUM: Field = 8..12;
    pub const DATA_OFF: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WIN_SIZE: Field = 14..16;
    pub const CHECKSUM: Field = 16..18;
    pub const URGENT: Field = 18..20;
    pub const OPTIONS: Rest = 20..;
}

/// Length of a TCP header without options.
pub const HEADER_LEN: usize = field::OPTIONS.start;

/// A read-only view of a TCP segment.
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

    /// Wraps a buffer holding a whole segment after [`Packet::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Wraps a buffer holding the first bytes of a segment that is
    /// `segment_len` bytes long on the wire, after
    /// [`Packet::check_len_captured`].
    #[inline]
    pub fn new_checked_captured(buffer: T, segment_len: usize) -> Result<Packet<T>, DecodeError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len_captured(segment_len)?;
        Ok(packet)
    }

    /// Checks a buffer that holds the whole segment; see
    /// [`Packet::check_len_captured`].
    #[inline]
    pub fn check_len(&self) -> Result<(), DecodeError> {
        self.check_len_captured(self.buffer.as_ref().len())
    }

    /// Checks the header once, the buffer being the captured part of a
    /// segment of `segment_len` bytes (a smaller `segment_len` than the
    /// buffer counts as the buffer length):
    ///
    /// * fewer than 20 bytes captured: [`DecodeError::TcpTruncated`];
    /// * data offset below 5 words or past the end of the segment:
    ///   [`DecodeError::TcpBadOffset`];
    /// * options not all captured: [`DecodeError::TcpTruncated`].
    ///
    /// After a successful check no accessor panics.
    #[inline]
    pub fn check_len_captured(&self, segment_len: usize) -> Result<(), DecodeError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DecodeError::TcpTruncated);
        }
        let header_len = self.header_len();
        if header_len < HEADER_LEN || header_len > segment_len.max(len) {
            return Err(DecodeError::TcpBadOffset);
        }
        if header_len > len {
            return Err(DecodeError::TcpTruncated);
        }
        Ok(())
    }

    /// Gives back the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::SRC_PORT])
    }

    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::DST_PORT])
    }

    /// Sequence number.
    #[inline]
    pub fn seq_number(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::SEQ_NUM])
    }

    /// Acknowledgment number.
    #[inline]
    pub fn ack_number(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::ACK_NUM])
    }

    /// Header length in bytes (data offset × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::DATA_OFF] >> 4) * 4
    }

    /// The flags byte as on the wire (see [`super::tcp_flags`]; 0x20 is URG,
    /// 0x40 ECE, 0x80 CWR).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// FIN flag.
    #[inline]
    pub fn fin(&self) -> bool {
        self.flags() & super::tcp_flags::FIN != 0
    }

    /// SYN flag.
    #[inline]
    pub fn syn(&self) -> bool {
        self.flags() & super::tcp_flags::SYN != 0
    }

    /// RST flag.
    #[inline]
    pub fn rst(&self) -> bool {
        self.flags() & super::tcp_flags::RST != 0
    }

    /// PSH flag.
    #[inline]
    pub fn psh(&self) -> bool {
        self.flags() & super::tcp_flags::PSH != 0
    }

    /// ACK flag.
    #[inline]
    pub fn ack(&self) -> bool {
        self.flags() & super::tcp_flags::ACK != 0
    }

    /// Receive window.
    #[inline]
    pub fn window_len(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::WIN_SIZE])
    }

    /// Checksum as sent (not verified).
    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// Urgent pointer.
    #[inline]
    pub fn urgent_at(&self) -> u16 {
        read_u16(&self.buffer.as_ref()[field::URGENT])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The options (between the fixed header and the data offset).
    #[inline]
    pub fn options(&self) -> &'a [u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// The segment data after the header (what of it is in the buffer).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TCP header 51000 -> 80, seq 0x01020304, ack 0x0a0b0c0d, data offset 8
    /// (NOP, NOP, timestamps), PSH|ACK, window 64240, checksum 0x8014,
    /// urgent 0; then "hello".
    static PACKET_BYTES: [u8; 37] = [
        0xc7, 0x38, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0x80, 0x18, 0xfa,
        0xf0, 0x80, 0x14, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
        0x77, 0x88, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
    ];

    #[test]
    fn test_deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.src_port(), 51000);
        assert_eq!(packet.dst_port(), 80);
        assert_eq!(packet.seq_number(), 0x0102_0304);
        assert_eq!(packet.ack_number(), 0x0a0b_0c0d);
        assert_eq!(packet.header_len(), 32);
        assert_eq!(packet.flags(), 0x18);
        assert!(!packet.fin());
        assert!(!packet.syn());
        assert!(!packet.rst());
        assert!(packet.psh());
        assert!(packet.ack());
        assert_eq!(packet.window_len(), 64240);
        assert_eq!(packet.checksum(), 0x8014);
        assert_eq!(packet.urgent_at(), 0);
        assert_eq!(packet.options(), &PACKET_BYTES[20..32]);
        assert_eq!(packet.payload(), b"hello");
        assert_eq!(packet.into_inner().len(), 37);
    }

    #[test]
    fn test_flags() {
        let mut bytes = PACKET_BYTES;
        bytes[13] = 0x07;
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.fin() && packet.syn() && packet.rst());
        assert!(!packet.psh() && !packet.ack());
    }

    #[test]
    fn test_truncated() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&PACKET_BYTES[..len]).err(),
                Some(DecodeError::TcpTruncated)
            );
        }
        // Header without payload.
        let packet = Packet::new_checked(&PACKET_BYTES[..32]).unwrap();
        assert!(packet.payload().is_empty());
    }

    #[test]
    fn test_bad_offset() {
        for offset in 0..5u8 {
            let mut bytes = PACKET_BYTES;
            bytes[12] = offset << 4;
            assert_eq!(
                Packet::new_checked(&bytes[..]).err(),
                Some(DecodeError::TcpBadOffset)
            );
        }
        // Data offset 15 (60 bytes) in a 37-byte segment.
        let mut bytes = PACKET_BYTES;
        bytes[12] = 0xf0;
        assert_eq!(
            Packet::new_checked(&bytes[..]).err(),
            Some(DecodeError::TcpBadOffset)
        );
        // A whole segment that ends inside its own options.
        for len in 20..32 {
            assert_eq!(
                Packet::new_checked(&PACKET_BYTES[..len]).err(),
                Some(DecodeError::TcpBadOffset)
            );
        }
    }

    #[test]
    fn test_captured() {
        // Snap length cut inside the options of a 37-byte segment.
        for len in 20..32 {
            assert_eq!(
                Packet::new_checked_captured(&PACKET_BYTES[..len], 37).err(),
                Some(DecodeError::TcpTruncated)
            );
        }
        for len in 0..20 {
            assert_eq!(
                Packet::new_checked_captured(&PACKET_BYTES[..len], 37).err(),
                Some(DecodeError::TcpTruncated)
            );
        }
        // Cut inside the payload: fine.
        let packet = Packet::new_checked_captured(&PACKET_BYTES[..34], 37).unwrap();
        assert_eq!(packet.payload(), b"he");
        // A data offset past the segment on the wire is still a bad offset.
        let mut bytes = PACKET_BYTES;
        bytes[12] = 0xf0;
        assert_eq!(
            Packet::new_checked_captured(&bytes[..], 40).err(),
            Some(DecodeError::TcpBadOffset)
        );
        assert_eq!(
            Packet::new_checked_captured(&bytes[..], 60).err(),
            Some(DecodeError::TcpTruncated)
        );
        // A segment length below the buffer length counts as the buffer length.
        assert!(Packet::new_checked_captured(&PACKET_BYTES[..], 0).is_ok());
    }
}
