//! Arbitrary bytes through the decoder, for every link type: it must never
//! panic, a decoded summary must stay inside the frame, and the link facts
//! must agree with the summary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::decode::{decode, decode_frame};
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
    if let Ok(Some(d)) = plain {
        let end = d.payload_offset as usize + d.payload_len as usize;
        assert!(end <= frame.len(), "payload past the frame: {d:?}");
        assert!(d.vlan_count <= 2);
    }
});
