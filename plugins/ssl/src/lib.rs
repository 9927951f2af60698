//! weir plugin `ssl`: prints every resource of the groups named like `SSL`.
//!
//! The port of Trisul's `resources/ssl.lua`: a resource monitor subscribed
//! by name to the resource groups whose name contains `SSL` (any case,
//! [`ArtifactSubscription::name_match`]; among weir's built-in groups only
//! SSL Certificates), `on_new_resource` only. For every resource it prints:
//!
//! ```text
//! ---------------------------------------------------------------------------------------------
//! timestamp Tue Jun 29 09:44:14 2021
//! certsubject = SHA1:ebc250ba6debefeca596cb4a8b610b7f3a608bab
//! SHA256:7c4cb8ef8d84a20171b3ee521b2be4d973b5fcf9cfbd1786e5581c7fed14da47
//! NAME:CN=www.google.com
//! ---
//! (the CA certificates' lines)
//! flow  = TCP   167.71.55.249   37680  142.250.179.196 443
//! ```
//!
//! a line of 93 dashes; `timestamp`, the resource's stream time as C-locale
//! `%c` in UTC (Lua's `os.date('%c', ...)`); `certsubject`, the resource's
//! uri (for SSL Certificates, the `SHA1:` / `SHA256:` / `NAME:` / `---`
//! lines of each certificate of the chain, leaf first); `flow`, the flow as
//! Trisul's `to_s()` prints it ([`ArtifactFlow::to_s`](weir_plugin_api::ArtifactFlow::to_s); `-` for no flow). A uri that
//! ends in a line end gets no second one (Lua's `print` would add an empty
//! line).
//!
//! Configuration: `file=PATH` writes to `PATH` (created or truncated at
//! construction) instead of stdout. Each resource's lines are written with
//! one `write_all`, unbuffered. A write error is logged once; later lines
//! are dropped.

use weir_plugin_api::lines::LineSink;
use weir_plugin_api::time::ctime_utc;
use weir_plugin_api::{
    export_plugin, ArtifactSubscription, Config, HostHandle, Monitors, ResourceMonitor,
    ResourceRecord,
};

/// The configuration keys ssl accepts.
pub const CONFIG_KEYS: &[&str] = &["file"];

/// What the groups' names must contain (any case), as the Lua sample's
/// pattern `SSL`.
pub const GROUP_NAME: &str = "SSL";

/// The separator line the sample prints before each resource.
pub const SEPARATOR: &str =
    "---------------------------------------------------------------------------------------------";

/// The resource monitor: one entry per new resource of an `SSL` group.
pub struct Ssl {
    host: HostHandle,
    sink: LineSink,
}

impl Ssl {
    /// Builds the monitor; creates (truncates) `file` when configured.
    pub fn new(config: &Config, host: HostHandle) -> Result<Ssl, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let sink = LineSink::from_config(config, "file", "resources")?;
        Ok(Ssl { host, sink })
    }
}

/// The entry printed for `resource`: the separator, `timestamp`,
/// `certsubject` and `flow` lines, each ending in a newline.
pub fn entry(resource: &ResourceRecord<'_>) -> String {
    let uri = resource.uri();
    let uri_end = if uri.ends_with('\n') { "" } else { "\n" };
    format!(
        "{SEPARATOR}\ntimestamp {}\ncertsubject = {uri}{uri_end}flow  = {}\n",
        ctime_utc(resource.ts.secs),
        resource.flow.to_s()
    )
}

impl ResourceMonitor for Ssl {
    fn subscription(&self) -> ArtifactSubscription {
        ArtifactSubscription::name_match(GROUP_NAME).new_items()
    }

    fn on_new_resource(&mut self, resource: &ResourceRecord<'_>) {
        let text = entry(resource);
        self.sink.write(&self.host, &text);
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().resource(Ssl::new(config, host)?))
}

export_plugin! {
    name: "ssl",
    description: "prints every resource of the groups named like SSL (Trisul's ssl.lua)",
    monitors: [Resource],
    requires: "1.3",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::abi::ext::Extensions;
    use weir_plugin_api::testing::RecordingHost;
    use weir_plugin_api::{
        guid, ArtifactEvents, ArtifactFlow, ArtifactGroupRef, FlowHandle, IpBytes, Timestamp,
    };

    const URI: &str = "SHA1:ebc250ba6debefeca596cb4a8b610b7f3a608bab\n\
                       SHA256:7c4cb8ef8d84a20171b3ee521b2be4d973b5fcf9cfbd1786e5581c7fed14da47\n\
                       NAME:CN=www.google.com\n\
                       ---\n";

    fn ip(text: &str) -> IpBytes {
        IpBytes::from_ip_addr(text.parse().unwrap())
    }

    fn resource<'a>(uri: &'a str, flow: ArtifactFlow<'a>) -> ResourceRecord<'a> {
        ResourceRecord {
            group: ArtifactGroupRef {
                guid: guid::RG_SSL_CERTIFICATES,
                name: "SSL Certificates".into(),
                ext: Extensions::NONE,
            },
            ts: Timestamp {
                secs: 1_622_455_451,
                usecs: 12,
            },
            flow,
            uri: uri.into(),
            label: "-----BEGIN CERTIFICATE-----\n...".into(),
            ext: Extensions::NONE,
        }
    }

    fn tls_flow() -> ArtifactFlow<'static> {
        ArtifactFlow {
            id: "06A:A7.47.37.F9:p-9330_8E.FA.B3.C4:p-01BB".into(),
            handle: FlowHandle(7),
            proto: 6,
            source_ip: ip("167.71.55.249"),
            source_port: 37680,
            dest_ip: ip("142.250.179.196"),
            dest_port: 443,
        }
    }

    #[test]
    fn prints_the_lines_of_the_lua_sample() {
        assert_eq!(SEPARATOR.len(), 93);
        assert!(SEPARATOR.bytes().all(|b| b == b'-'));
        assert_eq!(
            entry(&resource(URI, tls_flow())),
            format!(
                "{SEPARATOR}\n\
                 timestamp Mon May 31 10:04:11 2021\n\
                 certsubject = {URI}\
                 flow  = TCP   167.71.55.249   37680  142.250.179.196 443   \n"
            )
        );
    }

    #[test]
    fn a_uri_without_a_line_end_gets_one_and_no_flow_is_a_dash() {
        let text = entry(&resource("NAME:CN=x", ArtifactFlow::NONE));
        assert!(
            text.ends_with("\ncertsubject = NAME:CN=x\nflow  = -\n"),
            "{text}"
        );
    }

    #[test]
    fn subscribes_by_name_to_new_items() {
        let m = Ssl::new(&Config::default(), RecordingHost::new().handle()).unwrap();
        let sub = m.subscription();
        assert_eq!(sub.events, ArtifactEvents::NEW);
        assert!(sub.guids.is_empty());
        let names: Vec<&str> = sub.name_match.iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["SSL"]);
        let builtin: Vec<&str> = guid::BUILTIN_RESOURCE_GROUPS
            .iter()
            .map(|(_, name)| *name)
            .filter(|name| name.to_lowercase().contains("ssl"))
            .collect();
        assert_eq!(builtin, ["SSL Certificates"], "the built-in groups it gets");
    }

    #[test]
    fn writes_to_the_configured_file() {
        let dir = std::env::temp_dir().join(format!("weir-ssl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ssl.txt");
        std::fs::write(&path, "old\n").unwrap();
        let config = Config::parse(&format!(r#"{{"file":{:?}}}"#, path.to_str().unwrap())).unwrap();
        let mut m = Ssl::new(&config, RecordingHost::new().handle()).unwrap();
        m.on_new_resource(&resource(URI, tls_flow()));
        m.on_new_resource(&resource(URI, ArtifactFlow::NONE));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            entry(&resource(URI, tls_flow())) + &entry(&resource(URI, ArtifactFlow::NONE))
        );
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
            let err = Ssl::new(&Config::parse(json).unwrap(), host.handle())
                .err()
                .unwrap();
            assert!(err.contains(needle) && !err.contains('\n'), "{err}");
        }
    }
}
