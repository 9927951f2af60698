//! Arbitrary bytes through an HTTP session. The first input byte seeds the
//! choice of split points, sides, gaps and ends for the rest of the input.
//! The session must never panic and its header buffers must stay within the
//! cap. Then, as a differential check, each side's bytes are fed once whole
//! and once in the seeded pieces (client side first, no gaps): when neither
//! run met a framing error (resynchronisation legitimately depends on where
//! data calls start), both must give the same events.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::proto::http::{HttpConfig, HttpEvent, HttpSession, HttpStats, Side};
use weir_core::source::Timestamp;

const CAP: usize = 512;

fn config() -> HttpConfig {
    HttpConfig {
        max_header_bytes: CAP,
        max_decoded: 1 << 20,
        max_pending: 16,
        ..HttpConfig::default()
    }
}

#[path = "shared/rng.rs"]
mod rng;
use rng::Rng;

fn clean(s: &HttpStats) -> bool {
    s.bad_request_line == 0
        && s.bad_status_line == 0
        && s.header_too_large == 0
        && s.bad_chunk == 0
        && s.bad_content_length == 0
        && s.bad_transfer_encoding == 0
}

/// Feeds `client` then `server`, cut into pieces by `cuts` (piece lengths).
fn feed(client: &[u8], server: &[u8], cuts: &mut Option<Rng>) -> (Vec<HttpEvent>, HttpStats) {
    let mut s = HttpSession::new(config());
    let mut ev = Vec::new();
    let t = Timestamp::from_secs(7);
    for (side, mut bytes) in [(Side::Client, client), (Side::Server, server)] {
        while !bytes.is_empty() {
            let n = match cuts {
                Some(r) => (r.next() as usize % 64 + 1).min(bytes.len()),
                None => bytes.len(),
            };
            s.data(side, t, &bytes[..n], &mut ev);
            bytes = &bytes[n..];
        }
    }
    s.end(Side::Client, t, &mut ev);
    s.end(Side::Server, t, &mut ev);
    (ev, s.stats().clone())
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let mut rng = Rng(u32::from(seed) | 0x100);
    let mut s = HttpSession::new(config());
    let mut ev = Vec::new();
    let (mut client, mut server) = (Vec::new(), Vec::new());
    let mut input = rest;
    let mut sec = 0u64;
    while !input.is_empty() {
        let r = rng.next();
        let side = if r & 1 == 0 { Side::Client } else { Side::Server };
        let n = ((r >> 1) as usize % 96 + 1).min(input.len());
        let (piece, tail) = input.split_at(n);
        input = tail;
        sec += u64::from((r >> 8) & 1);
        let ts = Timestamp::from_secs(sec);
        match (r >> 9) % 64 {
            0 => s.gap(side, u64::from(r >> 16), &mut ev),
            1 => s.end(side, ts, &mut ev),
            _ => {}
        }
        s.data(side, ts, piece, &mut ev);
        match side {
            Side::Client => client.extend_from_slice(piece),
            Side::Server => server.extend_from_slice(piece),
        }
        assert!(s.buffered_bytes(Side::Client) <= CAP, "client header buffer over the cap");
        assert!(s.buffered_bytes(Side::Server) <= CAP, "server header buffer over the cap");
        assert!(s.pending_requests() <= 16, "pending queue over the cap");
    }
    s.end(Side::Client, Timestamp::from_secs(u64::MAX), &mut ev);
    s.end(Side::Server, Timestamp::from_secs(u64::MAX), &mut ev);

    let (whole, whole_stats) = feed(&client, &server, &mut None);
    let (split, split_stats) = feed(&client, &server, &mut Some(Rng(u32::from(seed) | 0x200)));
    if clean(&whole_stats) && clean(&split_stats) {
        assert_eq!(whole, split, "events depend on the split");
    }
});
