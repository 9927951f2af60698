//! weir plugin `printcertchain`: prints the PEM blocks of every certificate
//! chain.
//!
//! The port of Trisul's `resources/printcertchain.lua`: a resource monitor
//! on the SSL Certificates group (`{5AEE3F0B-9304-44BE-BBD0-0467052CF468}`,
//! [`guid::RG_SSL_CERTIFICATES`]) subscribed to `on_new_resource` only. The
//! label of such a resource is the chain's PEM blocks, leaf first; for every
//! new resource the plugin prints each
//! `-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----` block found in
//! the label, exactly as found, each followed by a newline (Lua's `print`).
//!
//! A block is found as the Lua pattern `%-*BEGIN CERTIFICATE.-END
//! CERTIFICATE%-*` finds it ([`pem_blocks`]): the run of dashes before
//! `BEGIN CERTIFICATE`, through the first `END CERTIFICATE` after it and the
//! dashes that follow. Text between blocks (line ends, CRLF, garbage) is not
//! printed; a `BEGIN` with no `END` after it is not a block.
//!
//! Configuration: `file=PATH` writes to `PATH` (created or truncated at
//! construction) instead of stdout. The blocks of one resource are written
//! with one `write_all`, unbuffered, so the output of several instances
//! never interleaves and the file is complete at any moment. A write error
//! is logged once; later output is dropped.

use weir_plugin_api::lines::LineSink;
use weir_plugin_api::{
    export_plugin, guid, ArtifactSubscription, Config, HostHandle, Monitors, ResourceMonitor,
    ResourceRecord,
};

/// The configuration keys printcertchain accepts.
pub const CONFIG_KEYS: &[&str] = &["file"];

const BEGIN: &str = "BEGIN CERTIFICATE";
const END: &str = "END CERTIFICATE";

/// The PEM certificate blocks of `text`, in order, as Lua's
/// `text:gmatch("%-*BEGIN CERTIFICATE.-END CERTIFICATE%-*")` yields them:
/// each starts at the dashes right before a `BEGIN CERTIFICATE` (none
/// needed) and ends after the dashes right after the first
/// `END CERTIFICATE` that follows it. The search goes on after the block.
pub fn pem_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(BEGIN).map(|i| from + i) {
        let start = at - trailing_dashes(&text[from..at]);
        let body = at + BEGIN.len();
        let Some(end_at) = text[body..].find(END).map(|i| body + i) else {
            break;
        };
        let mut end = end_at + END.len();
        end += text[end..].len() - text[end..].trim_start_matches('-').len();
        blocks.push(&text[start..end]);
        from = end;
    }
    blocks
}

/// How many dashes end `text`.
fn trailing_dashes(text: &str) -> usize {
    text.len() - text.trim_end_matches('-').len()
}

/// What printcertchain prints for a label: each block and a newline.
pub fn output(label: &str) -> String {
    let mut out = String::with_capacity(label.len() + 8);
    for block in pem_blocks(label) {
        out.push_str(block);
        out.push('\n');
    }
    out
}

/// The resource monitor: the PEM blocks of each new SSL Certificates
/// resource.
pub struct PrintCertChain {
    host: HostHandle,
    sink: LineSink,
}

impl PrintCertChain {
    /// Builds the monitor; creates (truncates) `file` when configured.
    pub fn new(config: &Config, host: HostHandle) -> Result<PrintCertChain, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let sink = LineSink::from_config(config, "file", "chains")?;
        Ok(PrintCertChain { host, sink })
    }
}

impl ResourceMonitor for PrintCertChain {
    fn subscription(&self) -> ArtifactSubscription {
        ArtifactSubscription::guid(guid::RG_SSL_CERTIFICATES).new_items()
    }

    fn on_new_resource(&mut self, resource: &ResourceRecord<'_>) {
        let text = output(resource.label());
        if text.is_empty() {
            return;
        }
        self.sink.write(&self.host, &text);
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().resource(PrintCertChain::new(config, host)?))
}

export_plugin! {
    name: "printcertchain",
    description: "prints the PEM blocks of every certificate chain (Trisul's printcertchain.lua)",
    monitors: [Resource],
    requires: "1.3",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::abi::ext::Extensions;
    use weir_plugin_api::testing::RecordingHost;
    use weir_plugin_api::{ArtifactEvents, ArtifactFlow, ArtifactGroupRef, Timestamp};

    const A: &str = "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----";
    const B: &str = "-----BEGIN CERTIFICATE-----\r\nMIIC\r\nAAAA\r\n-----END CERTIFICATE-----";

    fn resource(label: &str) -> ResourceRecord<'_> {
        ResourceRecord {
            group: ArtifactGroupRef {
                guid: guid::RG_SSL_CERTIFICATES,
                name: "SSL Certificates".into(),
                ext: Extensions::NONE,
            },
            ts: Timestamp::from_secs(1_622_530_000),
            flow: ArtifactFlow::NONE,
            uri: "SHA1:00\nSHA256:00\nNAME:CN=x\n---\n".into(),
            label: label.into(),
            ext: Extensions::NONE,
        }
    }

    #[test]
    fn finds_the_blocks_of_a_chain_as_the_engine_writes_it() {
        let label = format!("{A}\n{A}\n");
        assert_eq!(pem_blocks(&label), [A, A]);
        assert_eq!(output(&label), label, "the label is printed unchanged");
    }

    #[test]
    fn skips_crlf_and_garbage_between_blocks() {
        let label = format!("junk {A}\r\n\r\nmore junk\t{B}\r\ntrailer");
        assert_eq!(pem_blocks(&label), [A, B]);
        assert_eq!(output(&label), format!("{A}\n{B}\n"));
    }

    #[test]
    fn matches_as_the_lua_pattern_does() {
        // Any run of dashes, or none, on either side.
        assert_eq!(
            pem_blocks("x--BEGIN CERTIFICATE\nQQ==\nEND CERTIFICATE-y"),
            ["--BEGIN CERTIFICATE\nQQ==\nEND CERTIFICATE-"]
        );
        // The first END after a BEGIN closes it (lazy `.-`).
        assert_eq!(
            pem_blocks("BEGIN CERTIFICATE a BEGIN CERTIFICATE b END CERTIFICATE c END CERTIFICATE"),
            ["BEGIN CERTIFICATE a BEGIN CERTIFICATE b END CERTIFICATE"]
        );
        // A BEGIN without an END is no block; nothing at all is none.
        assert_eq!(
            pem_blocks(&format!("{A}\n-----BEGIN CERTIFICATE-----\nMII")),
            [A]
        );
        assert!(pem_blocks("").is_empty());
        assert!(pem_blocks("-----END CERTIFICATE-----").is_empty());
        assert!(pem_blocks("no certificate here").is_empty());
        // Non-ASCII text around the blocks is fine.
        assert_eq!(pem_blocks(&format!("é{A}ü")), [A]);
    }

    #[test]
    fn subscribes_to_new_ssl_certificates_only() {
        let m = PrintCertChain::new(&Config::default(), RecordingHost::new().handle()).unwrap();
        let sub = m.subscription();
        assert_eq!(sub.events, ArtifactEvents::NEW);
        assert_eq!(sub.guids.as_slice(), [guid::RG_SSL_CERTIFICATES]);
        assert!(sub.name_match.is_empty());
    }

    #[test]
    fn writes_to_the_configured_file() {
        let dir = std::env::temp_dir().join(format!("weir-printcertchain-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chains.txt");
        std::fs::write(&path, "old\n").unwrap();
        let config = Config::parse(&format!(r#"{{"file":{:?}}}"#, path.to_str().unwrap())).unwrap();
        let mut m = PrintCertChain::new(&config, RecordingHost::new().handle()).unwrap();
        let label = format!("{A}\n{B}\n");
        m.on_new_resource(&resource(&label));
        m.on_new_resource(&resource("no blocks"));
        m.on_new_resource(&resource(A));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{A}\n{B}\n{A}\n"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn config_errors_name_the_key() {
        let host = RecordingHost::new();
        for (json, needle) in [
            (r#"{"dir":"/tmp"}"#, "\"dir\""),
            (r#"{"file":""}"#, "file:"),
            (r#"{"file":"/nonexistent/weir/x"}"#, "file:"),
        ] {
            let err = PrintCertChain::new(&Config::parse(json).unwrap(), host.handle())
                .err()
                .unwrap();
            assert!(err.contains(needle) && !err.contains('\n'), "{err}");
        }
    }
}
