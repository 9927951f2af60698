//! Weir's demo capture: a few minutes of synthetic traffic made by weir's
//! own frame builder (no third-party capture is ever shipped). Shared by the
//! `demo_pcap` example, which writes it, and `tests/demo_capture.rs`, which
//! checks it with tshark and openssl.
//!
//! Contents (documentation address ranges only): HTTP sessions over IPv4 and
//! IPv6, one of them on VLAN 42; a file download (gzip content-coded,
//! chunked, with a `Content-Disposition` name: its MD5 and SHA-256 are of
//! the decoded file); DNS lookups over UDP; one TLS 1.2 session to
//! `shop.example.com` (192.0.2.40:50443 to 198.51.100.43:443, 45 s in):
//! ClientHello with SNI and ALPN, ServerHello (ECDHE-ECDSA-AES128-GCM-SHA256,
//! a suite that takes an EdDSA certificate; ALPN h2), a Certificate message with a leaf and its CA made and signed
//! (Ed25519, fixed seeds) by [`tls`], spanning several TCP segments, then
//! encrypted-looking records both ways; one short SSH session
//! that stops after the banners (a few hundred bytes: the `ssh_alerts` plugin
//! flags it) and one longer SSH session that moves data (not flagged). The
//! traffic spans three minutes, so a run shows several interval flushes.
//! Every run gives the same bytes.

mod tls;

use std::fs::File;
use std::io::{self, BufWriter};
use std::net::SocketAddr;
use std::path::Path;

use weir_capture::synth::{self, Conversation, Frames};
use weir_capture::write::PcapWriter;
use weir_core::source::Timestamp;

/// The TLS session's server name.
const TLS_HOST: &str = "shop.example.com";

fn at(secs: u64, usecs: u32) -> Timestamp {
    Timestamp {
        secs: 1_767_225_600 + secs,
        usecs,
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("valid socket address")
}

fn http_response(len: usize) -> Vec<u8> {
    let body: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    let mut r =
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len}\r\n\r\n")
            .into_bytes();
    r.extend_from_slice(&body);
    r
}

/// A download of `name`: the file gzip-compressed, sent in 1000-byte chunks.
fn http_download(name: &str, file: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(file).expect("in memory");
    let coded = gz.finish().expect("in memory");
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    for chunk in coded.chunks(1000) {
        r.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        r.extend_from_slice(chunk);
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"0\r\n\r\n");
    r
}

fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = vec![
        (id >> 8) as u8,
        id as u8,
        0x01,
        0x00,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

fn dns_answer(id: u16, name: &str, ip: [u8; 4]) -> Vec<u8> {
    let mut a = dns_query(id, name);
    a[2] = 0x81;
    a[3] = 0x80;
    a[7] = 1;
    a.extend_from_slice(&[0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4]);
    a.extend_from_slice(&ip);
    a
}

/// Writes the demo capture to `out`; returns the number of packets.
pub fn write(out: &Path) -> io::Result<usize> {
    let mut frames: Frames = Vec::new();

    // DNS lookups, then the HTTP sessions they lead to.
    let names = ["www.example.com", "cdn.example.net", "api.example.org"];
    for (i, name) in names.iter().enumerate() {
        let t = at(5 + 50 * i as u64, 0);
        let id = 0x1000 + i as u16;
        frames.extend(synth::udp_exchange(
            addr(&format!("192.0.2.10:{}", 53000 + i)),
            addr("198.51.100.53:53"),
            t,
            &dns_query(id, name),
            &dns_answer(id, name, [203, 0, 113, 10 + i as u8]),
        ));
        let request =
            format!("GET /index.html HTTP/1.1\r\nHost: {name}\r\nUser-Agent: weir-demo\r\n\r\n");
        frames.extend(synth::tcp_session(
            addr(&format!("192.0.2.10:{}", 40000 + i)),
            addr(&format!("203.0.113.{}:80", 10 + i)),
            at(6 + 50 * i as u64, 0),
            request.as_bytes(),
            &http_response(2_000 + 3_000 * i),
        ));
    }

    // The same kind of session on VLAN 42, and one over IPv6.
    frames.extend(
        Conversation::new(addr("192.0.2.20:41000"), addr("203.0.113.10:80"), at(70, 0))
            .vlans(&[42])
            .handshake()
            .client_sends(b"GET /vlan HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
            .server_sends(&http_response(1_200))
            .close()
            .into_frames(),
    );
    frames.extend(synth::tcp_session(
        addr("[2001:db8::10]:42000"),
        addr("[2001:db8:1::80]:80"),
        at(95, 0),
        b"GET /v6 HTTP/1.1\r\nHost: v6.example.com\r\n\r\n",
        &http_response(4_000),
    ));

    // A file download: 64 KiB of text, compressed and chunked on the wire.
    let file: Vec<u8> = (0..64 * 1024u32)
        .map(|i| b"weir demo file, line after line\n"[(i % 32) as usize])
        .collect();
    frames.extend(synth::tcp_session(
        addr("192.0.2.10:40100"),
        addr("203.0.113.10:80"),
        at(100, 0),
        b"GET /files/report.txt HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: weir-demo\r\n\r\n",
        &http_download("report.txt", &file),
    ));

    // A short SSH session: banners only, then the client gives up.
    frames.extend(
        Conversation::new(
            addr("192.0.2.66:50022"),
            addr("198.51.100.22:22"),
            at(120, 0),
        )
        .handshake()
        .server_sends(b"SSH-2.0-OpenSSH_9.6\r\n")
        .client_sends(b"SSH-2.0-libssh_0.10\r\n")
        .close()
        .into_frames(),
    );
    // A longer SSH session that moves data.
    let mut ssh = Conversation::new(
        addr("192.0.2.30:50030"),
        addr("198.51.100.22:22"),
        at(130, 0),
    );
    ssh.handshake()
        .server_sends(b"SSH-2.0-OpenSSH_9.6\r\n")
        .client_sends(b"SSH-2.0-OpenSSH_9.6\r\n");
    for _ in 0..20 {
        ssh.client_sends(&[0x5a; 200])
            .server_sends(&[0xa5; 600])
            .wait(2_000_000);
    }
    frames.extend(ssh.close().into_frames());

    // A TLS 1.2 session to a shop, after its DNS lookup: the server's
    // certificate chain (made and signed by `tls`) spans several segments.
    frames.extend(synth::udp_exchange(
        addr("192.0.2.40:53040"),
        addr("198.51.100.53:53"),
        at(44, 0),
        &dns_query(0x2000, TLS_HOST),
        &dns_answer(0x2000, TLS_HOST, [198, 51, 100, 43]),
    ));
    let mut tls = Conversation::new(
        addr("192.0.2.40:50443"),
        addr("198.51.100.43:443"),
        at(45, 0),
    );
    tls.handshake();
    for (from_client, data) in tls::session(TLS_HOST) {
        if from_client {
            tls.client_sends(&data);
        } else {
            tls.server_sends(&data);
        }
    }
    frames.extend(tls.wait(500_000).close().into_frames());

    frames.sort_by_key(|(ts, _)| *ts);
    let mut writer = PcapWriter::new(
        BufWriter::new(File::create(out)?),
        weir_capture::write::LINKTYPE_ETHERNET,
        false,
        false,
    )?;
    synth::write_frames(&mut writer, &frames)?;
    writer.flush()?;
    Ok(frames.len())
}
