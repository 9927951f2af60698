//! The `tcp` module deals with DNS over TCP framing (RFC 1035 §4.2.2,
//! RFC 7766): each message is preceded by its length as two bytes, big
//! endian. [`TcpFramer`] is fed one direction's reassembled bytes in any
//! split and hands out whole messages.
//!
//! **Bounds.** A message is at most 65535 bytes by construction of the
//! prefix, so the framer holds at most 65535 + 2 bytes; a message that
//! arrives whole inside one call is handed out straight from the caller's
//! slice, without a copy. Zero-length frames are skipped (counted). After a
//! gap in the stream the framer cannot know where the next message starts:
//! [`TcpFramer::gap`] drops what it holds and stops until [`TcpFramer::reset`]
//! (DNS has no marker to resynchronise on).

/// Largest DNS message over TCP.
pub const MAX_MESSAGE: usize = 65535;

/// The decoder of one direction of a DNS-over-TCP connection.
#[derive(Debug, Clone, Default)]
pub struct TcpFramer {
    /// Bytes of a frame not yet complete, prefix included.
    buf: Vec<u8>,
    lost: bool,
    messages: u64,
    empty: u64,
    skipped: u64,
}

impl TcpFramer {
    /// A framer at the start of a stream.
    pub fn new() -> TcpFramer {
        TcpFramer::default()
    }

    /// Feeds the next bytes of the stream; `f` is called with each complete
    /// message (without its length prefix), in order.
    pub fn data(&mut self, mut data: &[u8], mut f: impl FnMut(&[u8])) {
        if self.lost {
            self.skipped += data.len() as u64;
            return;
        }
        // Complete the frame already begun.
        if !self.buf.is_empty() {
            let want = self.needed();
            let take = want.min(data.len());
            let (head, tail) = data.split_at(take);
            self.buf.extend_from_slice(head);
            data = tail;
            if self.buf.len() >= 2 {
                let need = self.needed();
                if need > 0 {
                    let take = need.min(data.len());
                    let (head, tail) = data.split_at(take);
                    self.buf.extend_from_slice(head);
                    data = tail;
                }
                if self.needed() == 0 {
                    let frame = std::mem::take(&mut self.buf);
                    self.emit(frame.get(2..).unwrap_or(&[]), &mut f);
                }
            }
            if !self.buf.is_empty() {
                return;
            }
        }
        // Whole frames straight from the caller's slice.
        while let Some(b) = data.get(..2) {
            let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
            let Some(msg) = data.get(2..2 + len) else {
                break;
            };
            self.emit(msg, &mut f);
            data = data.get(2 + len..).unwrap_or(&[]);
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes still missing from the frame being held: those of the prefix
    /// while it is incomplete, then those of the message.
    fn needed(&self) -> usize {
        match self.buf.get(..2) {
            Some(b) => {
                let total = 2 + usize::from(u16::from_be_bytes([b[0], b[1]]));
                total.saturating_sub(self.buf.len())
            }
            None => 2 - self.buf.len().min(2),
        }
    }

    fn emit(&mut self, msg: &[u8], f: &mut impl FnMut(&[u8])) {
        if msg.is_empty() {
            self.empty += 1;
        } else {
            self.messages += 1;
            f(msg);
        }
    }

    /// `n` bytes of the stream are missing: what is held is dropped and
    /// later data is skipped until [`TcpFramer::reset`].
    pub fn gap(&mut self, n: u64) {
        self.skipped += self.buf.len() as u64 + n;
        self.buf = Vec::new();
        self.lost = true;
    }

    /// Back to the state of a new stream (the caller knows a message starts
    /// at the next byte).
    pub fn reset(&mut self) {
        self.buf = Vec::new();
        self.lost = false;
    }

    /// Whether the framer lost its place after a gap.
    pub fn is_lost(&self) -> bool {
        self.lost
    }

    /// Bytes held of an incomplete frame (at the end of the stream: a
    /// message cut short).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Messages handed out so far.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Zero-length frames skipped so far.
    pub fn empty_frames(&self) -> u64 {
        self.empty
    }

    /// Bytes skipped after gaps (and dropped by them) so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}
