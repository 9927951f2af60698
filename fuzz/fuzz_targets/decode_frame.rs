//! Arbitrary bytes through the decoder, for every link type: it must never
//! panic, and a decoded summary must stay inside the frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::decode::decode;
use weir_core::source::LinkType;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, frame)) = data.split_first() else {
        return;
    };
    let link = match selector % 6 {
        0 => LinkType::Ethernet,
        1 => LinkType::LinuxSll,
        2 => LinkType::RawIp,
        3 => LinkType::RawIpv4,
        4 => LinkType::RawIpv6,
        _ => LinkType::Other(u32::from(selector)),
    };
    if let Ok(Some(d)) = decode(link, frame) {
        let end = d.payload_offset as usize + d.payload_len as usize;
        assert!(end <= frame.len(), "payload past the frame: {d:?}");
        assert!(d.vlan_count <= 2);
    }
});
