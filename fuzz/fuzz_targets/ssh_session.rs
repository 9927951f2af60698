//! Arbitrary bytes through an SSH session. The first input byte seeds the
//! choice of split points, sides, gaps and ends for the rest of the input.
//! The session must never panic and its buffers must stay within the caps.
//! Then, as a differential check, each side's bytes are fed once whole and
//! once in seeded pieces (no gaps): both must give the same events and
//! counters, since every decision is taken at a byte offset of the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::proto::ssh::{Side, SshConfig, SshEvent, SshSession, SshStats};
use weir_core::source::Timestamp;

fn config() -> SshConfig {
    SshConfig {
        max_line: 64,
        max_preamble: 512,
        max_packet: 1024,
    }
}

#[path = "shared/rng.rs"]
mod rng;
use rng::Rng;

/// Feeds `client` then `server`, cut into pieces by `cuts` (piece lengths).
fn feed(client: &[u8], server: &[u8], cuts: &mut Option<Rng>) -> (Vec<SshEvent>, SshStats) {
    let mut s = SshSession::new(config());
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
    let mut s = SshSession::new(config());
    let mut ev = Vec::new();
    let (mut client, mut server) = (Vec::new(), Vec::new());
    let mut input = rest;
    while !input.is_empty() {
        let r = rng.next();
        let side = if r & 1 == 0 { Side::Client } else { Side::Server };
        let n = ((r >> 1) as usize % 96 + 1).min(input.len());
        let (piece, tail) = input.split_at(n);
        input = tail;
        let ts = Timestamp::from_secs(1);
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
        assert!(s.buffered_bytes(Side::Client) <= 1024, "client buffer over the cap");
        assert!(s.buffered_bytes(Side::Server) <= 1024, "server buffer over the cap");
    }
    s.end(Side::Client, Timestamp::from_secs(2), &mut ev);
    s.end(Side::Server, Timestamp::from_secs(2), &mut ev);

    let whole = feed(&client, &server, &mut None);
    let split = feed(&client, &server, &mut Some(Rng(u32::from(seed) | 0x200)));
    assert_eq!(whole, split, "events depend on the split");
});
