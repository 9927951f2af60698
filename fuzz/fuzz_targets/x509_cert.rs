//! Arbitrary bytes as a DER certificate. Parsing must never panic; when it
//! succeeds, every rendering (PEM, text dump, Trisul's chain resource and
//! document) must not panic either, and the PEM must hold the input's
//! bytes (a round trip through the base64 encoder, checked by length).
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::proto::x509::{chain_document, chain_resource_text, Certificate};

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Certificate::parse(data) {
        let pem = c.pem();
        let b64: usize = pem.lines().filter(|l| !l.starts_with("-----")).map(str::len).sum();
        assert_eq!(b64, data.len().div_ceil(3) * 4, "PEM length");
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        let _ = c.text_dump().len();
        let chain = [c.clone(), c];
        let (uri, label) = chain_resource_text(&chain);
        assert_eq!(uri.matches("---\n").count(), 2);
        assert_eq!(label.len(), 2 * pem.len());
        let _ = chain_document(&chain);
    }
});
