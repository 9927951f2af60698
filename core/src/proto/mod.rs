//! The `proto` module deals with application-protocol parsers: code that turns
//! the in-order byte streams of a connection, as TCP reassembly delivers them,
//! into protocol events (HTTP requests, responses and bodies for now).
//!
//! Parsers here do no I/O and read no clock: bytes and timestamps are passed in
//! by the caller, events are pushed into a caller-owned `Vec`, and every limit
//! is a config field.

pub mod http;
pub mod tls;
