//! The `field` module deals with reading fixed-size integers out of capture
//! file bytes.
//!
//! Capture files come in both byte orders, and every length in them is
//! untrusted: each accessor here returns `None` instead of panicking when the
//! field does not lie entirely inside the slice, so the format readers can turn
//! a short read into a warning.

/// Byte order of the integers in a capture file (chosen by its magic number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Least significant byte first (what x86 and most ARM hosts write).
    Little,
    /// Most significant byte first (what big-endian hosts such as SPARC write).
    Big,
}

impl Endian {
    /// Reads the `N` bytes at `at`, or `None` if they are not all in `data`.
    #[inline]
    fn bytes<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
        let end = at.checked_add(N)?;
        data.get(at..end)?.try_into().ok()
    }

    /// The 16-bit integer at byte offset `at`, if `data` holds all of it.
    #[inline]
    pub fn u16(self, data: &[u8], at: usize) -> Option<u16> {
        let b = Self::bytes::<2>(data, at)?;
        Some(match self {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        })
    }

    /// The 32-bit integer at byte offset `at`, if `data` holds all of it.
    #[inline]
    pub fn u32(self, data: &[u8], at: usize) -> Option<u32> {
        let b = Self::bytes::<4>(data, at)?;
        Some(match self {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        })
    }

    /// The 64-bit integer at byte offset `at`, if `data` holds all of it.
    #[inline]
    pub fn u64(self, data: &[u8], at: usize) -> Option<u64> {
        let b = Self::bytes::<8>(data, at)?;
        Some(match self {
            Endian::Little => u64::from_le_bytes(b),
            Endian::Big => u64::from_be_bytes(b),
        })
    }

    /// Writes `value` in this byte order.
    pub fn u16_bytes(self, value: u16) -> [u8; 2] {
        match self {
            Endian::Little => value.to_le_bytes(),
            Endian::Big => value.to_be_bytes(),
        }
    }

    /// Writes `value` in this byte order.
    pub fn u32_bytes(self, value: u32) -> [u8; 4] {
        match self {
            Endian::Little => value.to_le_bytes(),
            Endian::Big => value.to_be_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_orders() {
        let data = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
        assert_eq!(Endian::Little.u16(&data, 0), Some(0x0201));
        assert_eq!(Endian::Big.u16(&data, 0), Some(0x0102));
        assert_eq!(Endian::Little.u32(&data, 4), Some(0x0807_0605));
        assert_eq!(Endian::Big.u32(&data, 4), Some(0x0506_0708));
        assert_eq!(Endian::Big.u64(&data, 0), Some(0x0102_0304_0506_0708));
        assert_eq!(Endian::Big.u32_bytes(0x0102_0304), [1, 2, 3, 4]);
        assert_eq!(Endian::Little.u16_bytes(0x0102), [2, 1]);
    }

    #[test]
    fn out_of_bounds_is_none() {
        let data = [0u8; 4];
        assert_eq!(Endian::Little.u32(&data, 1), None);
        assert_eq!(Endian::Little.u64(&data, 0), None);
        assert_eq!(Endian::Big.u16(&data, usize::MAX), None);
        assert_eq!(Endian::Big.u16(&data, 3), None);
    }
}
