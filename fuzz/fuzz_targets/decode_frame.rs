//! Arbitrary bytes through the decoder, for every link type: it must never
//! panic, a decoded summary must stay inside the frame, and the link facts
//! must agree with the summary. Then through every tunnel layer the frame
//! carries (`decode_carried`, up to `MAX_DEPTH`), each inside the frame too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::decode::{decode, decode_carried, decode_frame, tunnel::MAX_DEPTH};
use weir_core::source::LinkType;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, frame)) = data.split_first() else {
        return;
    };
    let link = match selector % 10 {
        0 => LinkType::Ethernet,
        1 => LinkType::LinuxSll,
        2 => LinkType::RawIp,
        3 => LinkType::RawIpv4,
        4 => LinkType::RawIpv6,
        5 => LinkType::Null,
        6 => LinkType::Loop,
        7 => LinkType::LinuxSll2,
        8 => LinkType::Ppp,
        _ => LinkType::Other(u32::from(selector)),
    };
    let (facts, framed) = decode_frame(link, frame);
    let plain = decode(link, frame);
    assert_eq!(framed, plain, "decode and decode_frame disagree");
    if facts.src_mac.is_some() {
        assert!(frame.len() >= 14 && link == LinkType::Ethernet);
    }
    let Ok(Some(mut d)) = plain else {
        return;
    };
    for _ in 0..=MAX_DEPTH {
        let end = d.payload_offset as usize + d.payload_len as usize;
        assert!(end <= frame.len(), "payload past the frame: {d:?}");
        assert!(d.vlan_count <= 2);
        match decode_carried(frame, &d) {
            Some(Ok(Some(inner))) => {
                assert!(inner.outer.is_some(), "an inner packet names its outer header");
                d = inner;
            }
            _ => break,
        }
    }
});
