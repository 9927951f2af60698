//! The `conversation` module deals with scripting whole exchanges: a TCP
//! session with handshake, data and close, or a UDP request and response,
//! with sequence numbers, acknowledgments and timestamps that agree.

use std::net::SocketAddr;

use weir_core::source::Timestamp;

use super::frame::{FrameSpec, ACK, FIN, PSH, SYN};

/// Frames with their capture times, in capture order.
pub type Frames = Vec<(Timestamp, Vec<u8>)>;

/// Default time between two frames of a conversation: 1 ms.
const DEFAULT_GAP_US: u64 = 1_000;

/// `ts` moved `micros` microseconds later.
pub fn advance(ts: Timestamp, micros: u64) -> Timestamp {
    let total = u64::from(ts.usecs) + micros;
    Timestamp {
        secs: ts.secs.saturating_add(total / 1_000_000),
        usecs: (total % 1_000_000) as u32,
    }
}

/// A scripted TCP session between a client and a server.
///
/// Each call appends frames; each frame is stamped with the conversation's
/// clock, which then moves on by the gap (1 ms unless set with
/// [`Conversation::gap`]). Sequence and acknowledgment numbers follow the
/// data actually sent, so a reassembler sees a clean stream.
///
/// ```
/// use weir_capture::synth::Conversation;
/// use weir_capture::Timestamp;
///
/// let frames = Conversation::new(
///     "10.0.0.1:40000".parse().unwrap(),
///     "10.0.0.2:80".parse().unwrap(),
///     Timestamp { secs: 1_700_000_000, usecs: 0 },
/// )
/// .handshake()
/// .client_sends(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
/// .server_sends(b"HTTP/1.1 204 No Content\r\n\r\n")
/// .close()
/// .into_frames();
/// assert_eq!(frames.len(), 3 + 2 + 2 + 3);
/// ```
#[derive(Debug, Clone)]
pub struct Conversation {
    client: SocketAddr,
    server: SocketAddr,
    vlans: Vec<u16>,
    now: Timestamp,
    gap_us: u64,
    // Next sequence number each side will send.
    client_seq: u32,
    server_seq: u32,
    client_ip_id: u16,
    server_ip_id: u16,
    frames: Frames,
}

impl Conversation {
    /// A session from `client` to `server` whose first frame is at `start`.
    ///
    /// Initial sequence numbers are derived from the ports, so that distinct
    /// sessions differ but every run gives the same bytes.
    pub fn new(client: SocketAddr, server: SocketAddr, start: Timestamp) -> Conversation {
        let isn = |port: u16| u32::from(port).wrapping_mul(2_654_435_761);
        Conversation {
            client,
            server,
            vlans: Vec::new(),
            now: start,
            gap_us: DEFAULT_GAP_US,
            client_seq: isn(client.port()),
            server_seq: isn(server.port()) ^ 0x5555_5555,
            client_ip_id: client.port(),
            server_ip_id: server.port(),
            frames: Vec::new(),
        }
    }

    /// Tags every frame with these 802.1Q VLAN ids, outermost first.
    pub fn vlans(mut self, vlans: &[u16]) -> Conversation {
        self.vlans = vlans.to_vec();
        self
    }

    /// Sets the time between two frames.
    pub fn gap(mut self, micros: u64) -> Conversation {
        self.gap_us = micros;
        self
    }

    /// The time the next frame will carry.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Lets `micros` microseconds pass with no traffic.
    pub fn wait(&mut self, micros: u64) -> &mut Conversation {
        self.now = advance(self.now, micros);
        self
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake(&mut self) -> &mut Conversation {
        self.client_segment(SYN, b"");
        self.client_seq = self.client_seq.wrapping_add(1);
        self.server_segment(SYN | ACK, b"");
        self.server_seq = self.server_seq.wrapping_add(1);
        self.client_segment(ACK, b"");
        self
    }

    /// The client sends `data` (in segments of at most one MSS, PSH on the
    /// last), then the server acknowledges it all.
    pub fn client_sends(&mut self, data: &[u8]) -> &mut Conversation {
        self.send(true, data)
    }

    /// The server sends `data`, then the client acknowledges it all.
    pub fn server_sends(&mut self, data: &[u8]) -> &mut Conversation {
        self.send(false, data)
    }

    /// The client closes first: FIN-ACK, the server's FIN-ACK, final ACK.
    pub fn close(&mut self) -> &mut Conversation {
        self.client_segment(FIN | ACK, b"");
        self.client_seq = self.client_seq.wrapping_add(1);
        self.server_segment(FIN | ACK, b"");
        self.server_seq = self.server_seq.wrapping_add(1);
        self.client_segment(ACK, b"");
        self
    }

    /// The frames so far.
    pub fn frames(&self) -> &[(Timestamp, Vec<u8>)] {
        &self.frames
    }

    /// All frames, in order.
    pub fn into_frames(&mut self) -> Frames {
        std::mem::take(&mut self.frames)
    }

    fn send(&mut self, from_client: bool, data: &[u8]) -> &mut Conversation {
        if data.is_empty() {
            return self;
        }
        let mss = if self.client.is_ipv4() && self.server.is_ipv4() {
            1460
        } else {
            1440
        };
        let chunks = data.chunks(mss);
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.enumerate() {
            let flags = if i == last { ACK | PSH } else { ACK };
            if from_client {
                self.client_segment(flags, chunk);
                self.client_seq = self.client_seq.wrapping_add(chunk.len() as u32);
            } else {
                self.server_segment(flags, chunk);
                self.server_seq = self.server_seq.wrapping_add(chunk.len() as u32);
            }
        }
        if from_client {
            self.server_segment(ACK, b"");
        } else {
            self.client_segment(ACK, b"");
        }
        self
    }

    /// A client segment at the current sequence numbers. The
    /// acknowledgment number is left 0 without ACK, as on a real SYN.
    fn client_segment(&mut self, flags: u8, payload: &[u8]) {
        let ack = if flags & ACK != 0 { self.server_seq } else { 0 };
        let mut spec = FrameSpec::tcp(self.client, self.server, flags, self.client_seq, ack)
            .with_vlans(&self.vlans);
        spec.ip_id = self.client_ip_id;
        self.client_ip_id = self.client_ip_id.wrapping_add(1);
        self.push(spec.build(payload));
    }

    /// A server segment at the current sequence numbers.
    fn server_segment(&mut self, flags: u8, payload: &[u8]) {
        let mut spec = FrameSpec::tcp(
            self.server,
            self.client,
            flags,
            self.server_seq,
            self.client_seq,
        )
        .with_vlans(&self.vlans);
        spec.ip_id = self.server_ip_id;
        self.server_ip_id = self.server_ip_id.wrapping_add(1);
        self.push(spec.build(payload));
    }

    fn push(&mut self, frame: Vec<u8>) {
        self.frames.push((self.now, frame));
        self.now = advance(self.now, self.gap_us);
    }
}

/// A complete TCP session: handshake, `request` from the client, `response`
/// from the server, close; frames 1 ms apart from `start`.
pub fn tcp_session(
    client: SocketAddr,
    server: SocketAddr,
    start: Timestamp,
    request: &[u8],
    response: &[u8],
) -> Frames {
    Conversation::new(client, server, start)
        .handshake()
        .client_sends(request)
        .server_sends(response)
        .close()
        .into_frames()
}

/// A UDP request from `client` at `start` and the server's response 1 ms
/// later (a DNS lookup, say).
pub fn udp_exchange(
    client: SocketAddr,
    server: SocketAddr,
    start: Timestamp,
    request: &[u8],
    response: &[u8],
) -> Frames {
    vec![
        (start, FrameSpec::udp(client, server).build(request)),
        (
            advance(start, DEFAULT_GAP_US),
            FrameSpec::udp(server, client).build(response),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_fields(frame: &[u8]) -> (u8, u32, u32, usize) {
        // Ethernet + IPv4, no tags, no options in these tests.
        let tcp = &frame[34..];
        let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
        let ack = u32::from_be_bytes([tcp[8], tcp[9], tcp[10], tcp[11]]);
        (tcp[13], seq, ack, tcp.len() - 20)
    }

    #[test]
    fn session_numbers_agree() {
        let client: SocketAddr = "10.1.1.1:50000".parse().unwrap();
        let server: SocketAddr = "10.2.2.2:80".parse().unwrap();
        let start = Timestamp {
            secs: 10,
            usecs: 999_500,
        };
        let request = vec![b'q'; 3000];
        let frames = tcp_session(client, server, start, &request, b"ok");
        let f: Vec<_> = frames.iter().map(|(_, b)| tcp_fields(b)).collect();
        // SYN, SYN-ACK, ACK, 3 request segments, ACK, response, ACK, FIN x2, ACK
        assert_eq!(f.len(), 3 + 3 + 1 + 1 + 1 + 3);
        let (c0, s0) = (f[0].1, f[1].1);
        assert_eq!(f[0].0, SYN);
        assert_eq!((f[1].0, f[1].2), (SYN | ACK, c0.wrapping_add(1)));
        assert_eq!(
            (f[2].0, f[2].1, f[2].2),
            (ACK, c0.wrapping_add(1), s0.wrapping_add(1))
        );
        assert_eq!(
            f[3..6].iter().map(|x| x.3).collect::<Vec<_>>(),
            vec![1460, 1460, 80]
        );
        assert_eq!(f[4].1, c0.wrapping_add(1 + 1460));
        assert_eq!(f[5].0, ACK | PSH);
        assert_eq!(f[6].2, c0.wrapping_add(1 + 3000));
        assert_eq!((f[7].1, f[7].3), (s0.wrapping_add(1), 2));
        assert_eq!(f[8].2, s0.wrapping_add(3));
        assert_eq!(f[9].0, FIN | ACK);
        assert_eq!((f[10].0, f[10].2), (FIN | ACK, c0.wrapping_add(3002)));
        assert_eq!(
            (f[11].1, f[11].2),
            (c0.wrapping_add(3002), s0.wrapping_add(4))
        );
        assert_eq!(
            frames[1].0,
            Timestamp {
                secs: 11,
                usecs: 500
            }
        );
        assert!(frames.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn udp_exchange_swaps_ends() {
        let client: SocketAddr = "[2001:db8::1]:40000".parse().unwrap();
        let server: SocketAddr = "[2001:db8::53]:53".parse().unwrap();
        let frames = udp_exchange(client, server, Timestamp::default(), b"q", b"r");
        assert_eq!(frames.len(), 2);
        assert_eq!(
            frames[1].0,
            Timestamp {
                secs: 0,
                usecs: 1000
            }
        );
        // IPv6 UDP destination port of the response
        assert_eq!(&frames[1].1[54 + 2..54 + 4], &40000u16.to_be_bytes());
    }

    #[test]
    fn advance_carries() {
        let t = advance(
            Timestamp {
                secs: 1,
                usecs: 999_999,
            },
            2_000_001,
        );
        assert_eq!(t, Timestamp { secs: 4, usecs: 0 });
    }
}
