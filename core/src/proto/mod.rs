//! The `proto` module deals with application-protocol parsers: code that turns
//! the in-order byte streams of a connection, as TCP reassembly delivers them
//! (or a UDP datagram, for DNS), into protocol events: HTTP requests,
//! responses and bodies (`http`, wired into the workers), and, parsed and
//! tested but not yet wired in, DNS messages (`dns`), SSH versions and key
//! exchange with HASSH (`ssh`), TLS handshakes with JA3/JA4 (`tls`), X.509
//! certificate facts (`x509`).
//!
//! Parsers here do no I/O and read no clock: bytes and timestamps are passed in
//! by the caller, events are pushed into a caller-owned `Vec`, and every limit
//! is a config field.

pub mod dns;
pub mod http;
pub mod ssh;
pub mod tls;
pub mod x509;

#[cfg(test)]
mod oracle_support;
