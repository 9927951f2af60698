//! The `fragment` module deals with cutting IP packets into fragments, so
//! that tests can turn any capture into a fragmented one: IPv4 (RFC 791)
//! and IPv6 (RFC 8200, a fragment header right after the fixed header).
//!
//! Frames are untagged Ethernet. A frame that is not IP, whose IP packet
//! fits in `max_data` bytes of data per fragment, or (IPv6) whose first
//! extension header must stay unfragmentable (hop-by-hop, routing) comes
//! back whole, as the only element. IPv4 options are copied into the first
//! fragment only; the IPv4 header checksum is recomputed per fragment.

use super::checksum::internet_checksum;
use super::frame::{ETHERTYPE_IPV4, ETHERTYPE_IPV6};

/// `frame` cut into fragments of at most `max_data` bytes of data each
/// (rounded down to a multiple of 8, at least 8), identification `id`
/// (IPv4 uses its low 16 bits). The fragments come in order; reverse or
/// shuffle them for other orders.
pub fn fragment(frame: &[u8], max_data: usize, id: u32) -> Vec<Vec<u8>> {
    let size = (max_data / 8 * 8).max(8);
    let ethertype = frame.get(12..14).map(|b| u16::from_be_bytes([b[0], b[1]]));
    match ethertype {
        Some(ETHERTYPE_IPV4) => fragment_v4(frame, size, id as u16),
        Some(ETHERTYPE_IPV6) => fragment_v6(frame, size, id),
        _ => vec![frame.to_vec()],
    }
}

fn fragment_v4(frame: &[u8], size: usize, id: u16) -> Vec<Vec<u8>> {
    let Some(ip) = frame.get(14..) else {
        return vec![frame.to_vec()];
    };
    let header_len = usize::from(ip.first().map_or(0, |b| b & 0x0F)) * 4;
    let total = ip
        .get(2..4)
        .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
    if header_len < 20 || total > ip.len() || total <= header_len + size {
        return vec![frame.to_vec()];
    }
    let data = &ip[header_len..total];
    data.chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = i * size;
            let more = offset + chunk.len() < data.len();
            // Options go with the first fragment only.
            let h = if i == 0 { header_len } else { 20 };
            let mut header = ip[..h].to_vec();
            header[0] = 0x40 | (h / 4) as u8;
            header[2..4].copy_from_slice(&((h + chunk.len()) as u16).to_be_bytes());
            header[4..6].copy_from_slice(&id.to_be_bytes());
            let flags = (u16::from(more) << 13) | (offset / 8) as u16;
            header[6..8].copy_from_slice(&flags.to_be_bytes());
            header[10..12].copy_from_slice(&[0, 0]);
            let sum = internet_checksum(&header);
            header[10..12].copy_from_slice(&sum.to_be_bytes());
            let mut f = frame[..14].to_vec();
            f.extend_from_slice(&header);
            f.extend_from_slice(chunk);
            f
        })
        .collect()
}

fn fragment_v6(frame: &[u8], size: usize, id: u32) -> Vec<Vec<u8>> {
    let Some(ip) = frame.get(14..) else {
        return vec![frame.to_vec()];
    };
    let (Some(len), Some(&next)) = (ip.get(4..6), ip.get(6)) else {
        return vec![frame.to_vec()];
    };
    let payload_len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if ip.len() < 40 + payload_len || payload_len <= size || matches!(next, 0 | 43 | 44) {
        return vec![frame.to_vec()];
    }
    let data = &ip[40..40 + payload_len];
    data.chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = i * size;
            let more = offset + chunk.len() < data.len();
            let mut f = frame[..14].to_vec();
            let mut header = ip[..40].to_vec();
            header[4..6].copy_from_slice(&((8 + chunk.len()) as u16).to_be_bytes());
            header[6] = 44;
            f.extend_from_slice(&header);
            f.extend_from_slice(&[next, 0]);
            f.extend_from_slice(&((offset as u16 & 0xFFF8) | u16::from(more)).to_be_bytes());
            f.extend_from_slice(&id.to_be_bytes());
            f.extend_from_slice(chunk);
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{tcp_v4, tcp_v6, ACK};

    #[test]
    fn fragments_carry_the_packet_and_small_ones_pass() {
        let payload = vec![7u8; 3000];
        let v4 = tcp_v4(
            "10.0.0.1:1".parse().unwrap(),
            "10.0.0.2:2".parse().unwrap(),
            ACK,
            1,
            1,
            &payload,
        );
        let parts = fragment(&v4, 1480, 5);
        assert_eq!(parts.len(), 3);
        let data: usize = parts.iter().map(|p| p.len() - 34).sum();
        assert_eq!(data, v4.len() - 34);
        for p in &parts {
            assert_eq!(internet_checksum(&p[14..34]), 0);
        }
        let v6 = tcp_v6(
            "[2001:db8::1]:1".parse().unwrap(),
            "[2001:db8::2]:2".parse().unwrap(),
            ACK,
            1,
            1,
            &payload,
        );
        let parts = fragment(&v6, 1000, 9);
        assert_eq!(parts.len(), 4);
        assert_eq!(
            parts.iter().map(|p| p.len() - 62).sum::<usize>(),
            v6.len() - 54
        );
        assert_eq!(fragment(&v6, 4000, 9), vec![v6.clone()]);
    }
}
