//! The `tls` module deals with turning one TLS connection's clear-text
//! handshake into artifacts:
//!
//! - **TLS** (weir's resource group; Trisul has none): one per connection,
//!   once both sides have nothing more in clear (or when the connection
//!   ends), `uri` = the ClientHello's SNI (`-` without one), `label` =
//!   space-separated `key=value` pairs in this order: `version` (the
//!   ServerHello's negotiated version, `TLS1.0` … `TLS1.3`, `-` when no
//!   ServerHello was seen), `cipher` (`0x` and 4 hex digits), `alpn` (the
//!   server's choice), `client_alpn` (the client's offers, comma-joined),
//!   `ja3`, `ja3s`, `ja4`, `certs` (certificates the server sent in clear).
//!   A missing value is `-`.
//! - **SSL Certificates** (Trisul's group): one per Certificate message
//!   (TLS ≤ 1.2), in [`chain_resource_text`]'s layout: `uri` the `SHA1:` /
//!   `SHA256:` / `NAME:` / `---` lines, `label` the PEM blocks, leaf first.
//! - **SSL Certificate (chain) FTS**: the same chain as one document
//!   ([`chain_document`]), key `FLOW_ID/certs/N` (`N` counts the
//!   connection's Certificate messages from 0), attributes `chain_depth`
//!   (number of certificates), `DERSHA1` and `PUBKEYSHA1` (of the leaf).
//!
//! A certificate x509-parser cannot read is left out of both (counted in
//! [`AppStats::x509_errors`]); the rest of its chain is kept.
//!
//! Once the TLS resource is out the parser is done (`AppParser::done`): the
//! flow's reassembly stops, so encrypted bulk data costs nothing more.

use std::fmt::Write as _;

use weir_plugin_api::{guid, Guid, Timestamp};

use super::{side_of, AppParser, AppStats};
use crate::artifacts::{Artifact, FlowRef, FtsDoc, Resource, ResourceFields};
use crate::proto::tls::{
    CertificatesEvent, ClientHelloEvent, ServerHelloEvent, TlsConfig, TlsEvent, TlsSession,
};
use crate::proto::x509::{chain_document, chain_resource_text, CertInfo, Certificate};

/// weir's TLS resource group (Trisul has none built in). Its name does not
/// contain "SSL", so a monitor finding "SSL" by name (the `ssl` sample)
/// gets the certificates only.
pub const RG_TLS: Guid = Guid::from_u128(0x8C4E2B71_5D3A_4F60_9E1B_7A2C6D94E053);
/// Its name.
pub const RG_TLS_NAME: &str = "TLS";

/// The name of a negotiated version (`TLS1.2`), as tshark's
/// `sh_version_name` column writes it.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL3.0".into(),
        0x0301 => "TLS1.0".into(),
        0x0302 => "TLS1.1".into(),
        0x0303 => "TLS1.2".into(),
        0x0304 => "TLS1.3".into(),
        v => format!("0x{v:04x}"),
    }
}

/// One TLS connection.
pub struct TlsFlow {
    session: TlsSession,
    /// Direction index of the client.
    client: usize,
    flow: FlowRef,
    hello: Option<Box<ClientHelloEvent>>,
    server: Option<ServerHelloEvent>,
    /// Certificates the server sent in clear.
    server_certs: usize,
    /// Certificate messages turned into artifacts.
    chains: u64,
    reported: bool,
    events: Vec<TlsEvent>,
    /// Certificates that did not parse.
    bad_certs: u64,
}

impl TlsFlow {
    /// A connection whose client sends in direction `client`.
    pub fn new(client: usize, flow: FlowRef) -> TlsFlow {
        TlsFlow {
            session: TlsSession::new(TlsConfig::default()),
            client,
            flow,
            hello: None,
            server: None,
            server_certs: 0,
            chains: 0,
            reported: false,
            events: Vec::new(),
            bad_certs: 0,
        }
    }

    fn take_events(&mut self, out: &mut Vec<Artifact>) {
        let mut events = std::mem::take(&mut self.events);
        for e in events.drain(..) {
            match e {
                TlsEvent::ClientHello(c) => {
                    self.hello.get_or_insert(c);
                }
                TlsEvent::ServerHello(s) => {
                    // A HelloRetryRequest is followed by the real one.
                    if self.server.as_ref().is_none_or(|old| old.hello_retry) {
                        self.server = Some(s);
                    }
                }
                TlsEvent::Certificates(c) => self.chain(c, out),
            }
        }
        self.events = events;
        if self.session.is_done() {
            self.report(out);
        }
    }

    /// One Certificate message.
    fn chain(&mut self, c: CertificatesEvent, out: &mut Vec<Artifact>) {
        if c.side == crate::proto::http::Side::Server {
            self.server_certs += c.count;
        }
        let mut chain: Vec<CertInfo> = Vec::with_capacity(c.certs.len());
        for der in &c.certs {
            match Certificate::parse(der) {
                Ok(info) => chain.push(info),
                Err(_) => self.bad_certs += 1,
            }
        }
        let Some(leaf) = chain.first() else {
            return;
        };
        let n = self.chains;
        self.chains += 1;
        let (uri, label) = chain_resource_text(&chain);
        let attributes = vec![
            ("chain_depth".to_string(), chain.len().to_string()),
            ("DERSHA1".to_string(), leaf.sha1_hex()),
            (
                "PUBKEYSHA1".to_string(),
                weir_plugin_api::artifacts::hex(&leaf.pubkey_sha1),
            ),
        ];
        out.push(Artifact::Resource(Resource {
            group: guid::RG_SSL_CERTIFICATES,
            ts: c.ts,
            flow: self.flow.clone(),
            uri,
            label,
            fields: ResourceFields::None,
            origin: 0,
        }));
        out.push(Artifact::Fts(FtsDoc {
            group: guid::FTS_SSL_CERTS,
            ts: c.ts,
            flow: self.flow.clone(),
            key: format!("{}/certs/{n}", self.flow.id),
            text: chain_document(&chain),
            attributes,
            origin: 0,
        }));
    }

    /// The connection's TLS resource, once.
    fn report(&mut self, out: &mut Vec<Artifact>) {
        if self.reported || (self.hello.is_none() && self.server.is_none()) {
            return;
        }
        self.reported = true;
        let dash = |s: Option<String>| s.filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into());
        let ch = self.hello.as_deref();
        let sh = self.server.as_ref();
        let mut label = String::new();
        let _ = write!(
            label,
            "version={} cipher={} alpn={} client_alpn={} ja3={} ja3s={} ja4={} certs={}",
            dash(sh.map(|s| version_name(s.version))),
            dash(sh.map(|s| format!("0x{:04x}", s.cipher))),
            dash(sh.and_then(|s| s.alpn.clone())),
            dash(ch.map(|c| c.alpn.join(","))),
            dash(ch.map(|c| c.ja3_md5.clone())),
            dash(sh.map(|s| s.ja3s_md5.clone())),
            dash(ch.map(|c| c.ja4.clone())),
            self.server_certs,
        );
        let ts = sh.map(|s| s.ts).or(ch.map(|c| c.ts)).unwrap_or_default();
        out.push(Artifact::Resource(Resource {
            group: RG_TLS,
            ts,
            flow: self.flow.clone(),
            uri: dash(ch.and_then(|c| c.sni.clone())),
            label,
            fields: ResourceFields::None,
            origin: 0,
        }));
    }
}

impl AppParser for TlsFlow {
    fn data(&mut self, d: usize, ts: Timestamp, bytes: &[u8], out: &mut Vec<Artifact>) {
        if self.reported {
            return;
        }
        let side = side_of(d, self.client);
        self.session.data(side, ts, bytes, &mut self.events);
        self.take_events(out);
    }

    fn gap(&mut self, d: usize, len: u64, out: &mut Vec<Artifact>) {
        if self.reported {
            return;
        }
        let side = side_of(d, self.client);
        self.session.gap(side, len, &mut self.events);
        self.take_events(out);
    }

    fn end(&mut self, d: usize, ts: Timestamp, out: &mut Vec<Artifact>) {
        let side = side_of(d, self.client);
        self.session.end(side, ts, &mut self.events);
        self.take_events(out);
    }

    fn close(&mut self, _ts: Timestamp, out: &mut Vec<Artifact>, stats: &mut AppStats) {
        self.report(out);
        stats.tls.add(self.session.stats());
        stats.x509_errors += self.bad_certs;
    }

    fn done(&self) -> bool {
        self.reported
    }
}
