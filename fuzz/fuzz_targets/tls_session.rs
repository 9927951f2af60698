//! Arbitrary bytes through a TLS session. The first input byte seeds the
//! choice of split points, sides, gaps and ends for the rest of the input;
//! with its top bit set the rest is first wrapped in handshake records (cut
//! at seeded sizes) so that the handshake parsers see most inputs. The
//! session must never panic and its buffers must stay within the cap. Then,
//! as a differential check, each side's bytes are fed once whole and once
//! in seeded pieces (client side first, no gaps): when neither run lost a
//! side (resynchronisation legitimately depends on where data calls start),
//! both must give the same events.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::proto::tls::{Side, TlsConfig, TlsEvent, TlsSession, TlsStats};
use weir_core::source::Timestamp;

const CAP: usize = 4096;

fn config() -> TlsConfig {
    TlsConfig {
        max_handshake_bytes: CAP,
        ..TlsConfig::default()
    }
}

#[path = "shared/rng.rs"]
mod rng;
use rng::Rng;

fn clean(s: &TlsStats) -> bool {
    s.bad_record_header == 0 && s.gap_lost == 0 && s.handshake_too_large == 0
}

/// Wraps `bytes` in handshake records of seeded sizes.
fn records(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8 + 5);
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (rng.next() as usize % 300 + 1).min(rest.len());
        out.extend_from_slice(&[22, 3, 3]);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        out.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

/// Feeds `client` then `server`, cut into pieces by `cuts`.
fn feed(client: &[u8], server: &[u8], cuts: &mut Option<Rng>) -> (Vec<TlsEvent>, TlsStats) {
    let mut s = TlsSession::new(config());
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
    (ev, s.stats().clone())
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let mut rng = Rng(u32::from(seed) | 0x100);
    let wrapped;
    let mut input = if seed & 0x80 != 0 {
        wrapped = records(rest, &mut rng);
        &wrapped[..]
    } else {
        rest
    };
    let mut s = TlsSession::new(config());
    let mut ev = Vec::new();
    let (mut client, mut server) = (Vec::new(), Vec::new());
    let mut sec = 0u64;
    while !input.is_empty() {
        let r = rng.next();
        let side = if r & 1 == 0 {
            Side::Client
        } else {
            Side::Server
        };
        let n = ((r >> 1) as usize % 400 + 1).min(input.len());
        let (piece, tail) = input.split_at(n);
        input = tail;
        sec += u64::from((r >> 12) & 1);
        let ts = Timestamp::from_secs(sec);
        match (r >> 13) % 64 {
            0 => {
                s.gap(side, u64::from(r >> 20), &mut ev);
            }
            1 => s.end(side, ts, &mut ev),
            _ => {}
        }
        s.data(side, ts, piece, &mut ev);
        match side {
            Side::Client => client.extend_from_slice(piece),
            Side::Server => server.extend_from_slice(piece),
        }
        for side in [Side::Client, Side::Server] {
            assert!(s.buffered_bytes(side) <= CAP + 9, "buffer over the cap");
        }
    }
    s.end(Side::Client, Timestamp::from_secs(u64::MAX), &mut ev);
    s.end(Side::Server, Timestamp::from_secs(u64::MAX), &mut ev);

    let (whole, whole_stats) = feed(&client, &server, &mut None);
    let (split, split_stats) = feed(&client, &server, &mut Some(Rng(u32::from(seed) | 0x200)));
    if clean(&whole_stats) && clean(&split_stats) {
        assert_eq!(whole, split, "events depend on the split");
    }
});
