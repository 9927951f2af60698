//! The `synth` module deals with making synthetic traffic, so that weir can
//! build its own captures: no capture file is ever committed to the
//! repository, tests and demos generate theirs.
//!
//! [`FrameSpec`] and the shorthands [`tcp_v4`], [`udp_v4`], [`tcp_v6`] and
//! [`udp_v6`] build single Ethernet frames with correct IPv4 header and
//! TCP/UDP checksums; [`with_vlans`] adds 802.1Q tags; [`Conversation`],
//! [`tcp_session`] and [`udp_exchange`] script whole exchanges; [`tunnel`]
//! wraps frames in VXLAN, Geneve, GRE, IP in IP, MPLS or PPPoE; [`segments`]
//! cuts, reorders, repeats and overlaps TCP segments or moves a port; and
//! [`write_frames`] stores the result with a [`PcapWriter`].

pub mod checksum;
mod conversation;
pub mod fragment;
mod frame;
pub mod segments;
pub mod tunnel;

use std::io::{self, Write};

use weir_core::source::Timestamp;

use crate::write::PcapWriter;

pub use conversation::{advance, tcp_session, udp_exchange, Conversation, Frames};
pub use frame::{
    mac_for, tcp_v4, tcp_v6, udp_v4, udp_v6, with_vlans, FrameSpec, Transport, ACK, ETHERTYPE_IPV4,
    ETHERTYPE_IPV6, ETHERTYPE_VLAN, FIN, PROTO_TCP, PROTO_UDP, PSH, RST, SYN, URG,
};

/// Writes `frames` (whole frames, nothing cut to a snap length) to `w`.
pub fn write_frames<W: Write>(
    w: &mut PcapWriter<W>,
    frames: &[(Timestamp, Vec<u8>)],
) -> io::Result<()> {
    for (ts, frame) in frames {
        // Frames built here are at most 64 KiB plus headers.
        w.write_packet(*ts, frame, frame.len() as u32)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileSource, PacketSource, SourceItem};
    use std::net::SocketAddr;

    /// Writes a capture mixing every builder to a file and reads it back:
    /// the frames come back byte for byte, in order, with their times.
    #[test]
    fn written_capture_reads_back() {
        let start = Timestamp {
            secs: 1_700_000_000,
            usecs: 0,
        };
        let c4: SocketAddr = "192.168.1.10:51000".parse().unwrap();
        let s4: SocketAddr = "93.184.216.34:80".parse().unwrap();
        let c6: SocketAddr = "[2001:db8::10]:51001".parse().unwrap();
        let s6: SocketAddr = "[2001:db8::53]:53".parse().unwrap();
        let mut frames = tcp_session(c4, s4, start, b"GET / HTTP/1.1\r\n\r\n", &[b'x'; 2000]);
        frames.extend(
            Conversation::new(
                c6,
                "[2001:db8::80]:443".parse().unwrap(),
                advance(start, 100_000),
            )
            .vlans(&[10, 20])
            .handshake()
            .client_sends(b"hello")
            .close()
            .into_frames(),
        );
        frames.extend(udp_exchange(
            c6,
            s6,
            advance(start, 200_000),
            b"query",
            b"answer",
        ));
        frames.push((
            advance(start, 300_000),
            with_vlans(
                &udp_v4(
                    "10.0.0.1:68".parse().unwrap(),
                    "10.0.0.2:67".parse().unwrap(),
                    b"d",
                ),
                &[42],
            ),
        ));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synth.pcap");
        let mut w = PcapWriter::new(
            io::BufWriter::new(std::fs::File::create(&path).unwrap()),
            crate::write::LINKTYPE_ETHERNET,
            false,
            false,
        )
        .unwrap();
        write_frames(&mut w, &frames).unwrap();
        w.flush().unwrap();
        drop(w);

        let mut source = FileSource::open(&[&path]).unwrap();
        let mut i = 0;
        while let Some(item) = source.next_item().unwrap() {
            let SourceItem::Packet(p) = item else {
                panic!("{item:?}")
            };
            assert_eq!(p.ts, frames[i].0);
            assert_eq!(p.data, frames[i].1.as_slice());
            i += 1;
        }
        assert_eq!(i, frames.len());
    }
}
