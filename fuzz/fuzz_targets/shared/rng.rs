//! The cut generator the session fuzz targets share.

/// A small xorshift generator seeded by the first byte.
pub struct Rng(pub u32);

impl Rng {
    /// The next value (never 0 for a non-zero seed).
    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}
