//! The `compress` module deals with capture files compressed as a whole:
//! recognising gzip and zstd by their magic numbers and decompressing them
//! as a stream.
//!
//! Like the capture format, the compression is decided by the first bytes,
//! never by the file name. gzip is decompressed with flate2 (pure-Rust
//! miniz_oxide backend) and reads concatenated gzip members as one stream, as
//! `gzip -d` does; zstd with ruzstd (pure Rust), every frame in turn,
//! skippable frames skipped, as `zstd -d` does. ruzstd is built without its
//! `hash` feature, so zstd content checksums are not verified (a damaged
//! frame still fails to decode, or gives a damaged capture, which the
//! readers bound-check like any other).

use std::io::{self, BufRead, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// How a capture file is compressed as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`, magic 1f 8b).
    Gzip,
    /// Zstandard (`.zst`, magic 28 b5 2f fd).
    Zstd,
}

/// Magic number of a gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Magic number of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// Recognises a compressed file by its first bytes (four are enough).
    pub fn detect(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if prefix.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// Its name in messages: `gzip`, `zstd`, or `uncompressed`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A compression weir does not read, named by its magic number, for a
/// clearer error than "unknown magic number".
pub(crate) fn unsupported(prefix: &[u8]) -> Option<&'static str> {
    if prefix.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if prefix.starts_with(b"BZh") {
        Some("bzip2")
    } else if prefix.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        Some("lz4")
    } else {
        None
    }
}

/// Decompresses every zstd frame of `R` in turn, as one stream.
pub(crate) struct ZstdFrames<R: BufRead> {
    source: R,
    decoder: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdFrames<R> {
    /// Reads frames from `source` (nothing is read before the first
    /// [`Read::read`]).
    pub(crate) fn new(source: R) -> ZstdFrames<R> {
        ZstdFrames {
            source,
            decoder: FrameDecoder::new(),
            in_frame: false,
        }
    }

    /// Starts the next frame, skipping skippable ones; `false` at the end of
    /// the source.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.source.fill_buf()?.is_empty() {
                return Ok(false);
            }
            match self.decoder.reset(&mut self.source) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped = io::copy(
                        &mut (&mut self.source).take(u64::from(length)),
                        &mut io::sink(),
                    )?;
                    if skipped < u64::from(length) {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "zstd stream cut short in a skippable frame",
                        ));
                    }
                }
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, zstd_error(e))),
            }
        }
    }
}

fn zstd_error(e: FrameDecoderError) -> String {
    format!("zstd stream damaged or cut short: {e}")
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if !self.next_frame()? {
                    return Ok(0);
                }
                self.in_frame = true;
            }
            while self.decoder.can_collect() < buf.len() && !self.decoder.is_finished() {
                let wanted = buf.len() - self.decoder.can_collect();
                self.decoder
                    .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBytes(wanted))
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, zstd_error(e)))?;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.decoder.is_finished() {
                self.in_frame = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_magic() {
        assert_eq!(Compression::detect(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(
            Compression::detect(&[0xd4, 0xc3, 0xb2, 0xa1]),
            Compression::None
        );
        assert_eq!(Compression::detect(&[0x1f]), Compression::None);
        assert_eq!(unsupported(b"BZh91AY"), Some("bzip2"));
        assert_eq!(
            unsupported(&[0xfd, b'7', b'z', b'X', b'Z', 0, 0]),
            Some("xz")
        );
        assert_eq!(unsupported(&[0xd4, 0xc3, 0xb2, 0xa1]), None);
    }

    /// A zstd frame holding `data` in one raw (uncompressed) block, written
    /// by hand from RFC 8878 so that no zstd encoder is needed.
    fn raw_frame(data: &[u8]) -> Vec<u8> {
        assert!(data.len() < 1 << 16);
        let mut f = ZSTD_MAGIC.to_vec();
        // Frame header descriptor: single segment, 2-byte content size
        // (stored minus 256), no checksum, no dictionary.
        f.push(0b0110_0000);
        let size = data.len() as u16;
        assert!(size >= 256);
        f.extend_from_slice(&(size - 256).to_le_bytes());
        // Block header: last block, raw, size.
        let header = 1u32 | ((data.len() as u32) << 3);
        f.extend_from_slice(&header.to_le_bytes()[..3]);
        f.extend_from_slice(data);
        f
    }

    #[test]
    fn zstd_frames_in_turn_and_skippable_ones_skipped() {
        let a: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        let b: Vec<u8> = (0..700u32).map(|i| (i * 7) as u8).collect();
        let mut stream = raw_frame(&a);
        // A skippable frame (magic 0x184D2A5?) of 5 bytes.
        stream.extend_from_slice(&[0x53, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5]);
        stream.extend_from_slice(&raw_frame(&b));
        let mut out = Vec::new();
        // Tiny reads, to cross frame boundaries mid-read.
        let mut r = ZstdFrames::new(io::BufReader::with_capacity(7, &stream[..]));
        let mut chunk = [0u8; 13];
        loop {
            let n = r.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        let mut want = a.clone();
        want.extend_from_slice(&b);
        assert_eq!(out, want);

        let cut = &stream[..stream.len() - 10];
        let mut r = ZstdFrames::new(io::BufReader::new(cut));
        assert!(r.read_to_end(&mut Vec::new()).is_err());
    }
}
