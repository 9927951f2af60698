//! weir plugin `filehash`: prints every MD5 file-hash resource.
//!
//! The port of Trisul's `resources/filehash.lua`: a resource monitor on the
//! File Hashes group (`{9781db2c-f78a-4f7f-a7e8-2b1a9a7be71a}`,
//! [`guid::RG_FILE_HASHES`]) subscribed to `on_new_resource` only. For
//! every resource it prints four lines:
//!
//! ```text
//! timestamp Thu Apr 22 15:21:36 2021
//! hash = e97e67328c12b639ff9fa84bfa9aaf27
//! label  = SHA256:c477eae8... test.zip application/zip
//! flow  = TCP   192.168.7.120   54454  192.150.187.12  80
//! ```
//!
//! `timestamp` is the resource's stream time as C-locale `%c` in UTC (Lua's
//! `os.date('%c', ...)`), `hash` its uri (the MD5 in hex), `label` its
//! label, `flow` the flow as Trisul's `to_s()` prints it (protocol, client
//! address and port, server address and port, as [`ArtifactFlow::to_s`](weir_plugin_api::ArtifactFlow::to_s)); `-` for a
//! resource that belongs to no flow.
//!
//! Configuration: `file=PATH` writes the lines to `PATH` (created or
//! truncated at construction) instead of stdout. Each resource's lines are
//! written with one `write_all`, unbuffered, so the lines of several
//! instances never interleave and the file is complete at any moment. A
//! write error is logged once; later lines are dropped.

use weir_plugin_api::lines::LineSink;
use weir_plugin_api::time::ctime_utc;
use weir_plugin_api::{
    export_plugin, guid, ArtifactSubscription, Config, HostHandle, Monitors, ResourceMonitor,
    ResourceRecord,
};

/// The configuration keys filehash accepts.
pub const CONFIG_KEYS: &[&str] = &["file"];

/// The resource monitor: four lines per new File Hashes resource.
pub struct FileHash {
    host: HostHandle,
    sink: LineSink,
}

impl FileHash {
    /// Builds the monitor; creates (truncates) `file` when configured.
    pub fn new(config: &Config, host: HostHandle) -> Result<FileHash, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let sink = LineSink::from_config(config, "file", "hashes")?;
        Ok(FileHash { host, sink })
    }
}

/// The four lines printed for `resource`, each ending in a newline.
pub fn lines(resource: &ResourceRecord<'_>) -> String {
    format!(
        "timestamp {}\nhash = {}\nlabel  = {}\nflow  = {}\n",
        ctime_utc(resource.ts.secs),
        resource.uri(),
        resource.label(),
        resource.flow.to_s()
    )
}

impl ResourceMonitor for FileHash {
    fn subscription(&self) -> ArtifactSubscription {
        ArtifactSubscription::guid(guid::RG_FILE_HASHES).new_items()
    }

    fn on_new_resource(&mut self, resource: &ResourceRecord<'_>) {
        let text = lines(resource);
        self.sink.write(&self.host, &text);
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().resource(FileHash::new(config, host)?))
}

export_plugin! {
    name: "filehash",
    description: "prints every MD5 file-hash resource (Trisul's filehash.lua)",
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
        ArtifactEvents, ArtifactFlow, ArtifactGroupRef, FlowHandle, IpBytes, Timestamp,
    };

    fn ip(text: &str) -> IpBytes {
        IpBytes::from_ip_addr(text.parse().unwrap())
    }

    fn resource<'a>(flow: ArtifactFlow<'a>) -> ResourceRecord<'a> {
        ResourceRecord {
            group: ArtifactGroupRef {
                guid: guid::RG_FILE_HASHES,
                name: "File Hashes".into(),
                ext: Extensions::NONE,
            },
            ts: Timestamp {
                secs: 1_619_104_896,
                usecs: 294_432,
            },
            flow,
            uri: "e97e67328c12b639ff9fa84bfa9aaf27".into(),
            label: "SHA256:c4 test.zip application/zip".into(),
            ext: Extensions::NONE,
        }
    }

    fn tcp_flow() -> ArtifactFlow<'static> {
        ArtifactFlow {
            id: "06A:C0.A8.07.78:p-D4B6_C0.96.BB.0C:p-0050".into(),
            handle: FlowHandle(3),
            proto: 6,
            source_ip: ip("192.168.7.120"),
            source_port: 54454,
            dest_ip: ip("192.150.187.12"),
            dest_port: 80,
        }
    }

    #[test]
    fn prints_the_four_lines_of_the_lua_sample() {
        assert_eq!(
            lines(&resource(tcp_flow())),
            "timestamp Thu Apr 22 15:21:36 2021\n\
             hash = e97e67328c12b639ff9fa84bfa9aaf27\n\
             label  = SHA256:c4 test.zip application/zip\n\
             flow  = TCP   192.168.7.120   54454  192.150.187.12  80    \n"
        );
        assert!(lines(&resource(ArtifactFlow::NONE)).ends_with("flow  = -\n"));
    }

    #[test]
    fn subscribes_to_new_file_hashes_only() {
        let m = FileHash::new(&Config::default(), RecordingHost::new().handle()).unwrap();
        let sub = m.subscription();
        assert_eq!(sub.events, ArtifactEvents::NEW);
        assert_eq!(sub.guids.as_slice(), [guid::RG_FILE_HASHES]);
        assert!(sub.name_match.is_empty());
    }

    #[test]
    fn writes_to_the_configured_file() {
        let dir = std::env::temp_dir().join(format!("weir-filehash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hashes.txt");
        std::fs::write(&path, "old\n").unwrap();
        let config = Config::parse(&format!(r#"{{"file":{:?}}}"#, path.to_str().unwrap())).unwrap();
        let mut m = FileHash::new(&config, RecordingHost::new().handle()).unwrap();
        m.on_new_resource(&resource(tcp_flow()));
        m.on_new_resource(&resource(tcp_flow()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, lines(&resource(tcp_flow())).repeat(2));
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
            let err = FileHash::new(&Config::parse(json).unwrap(), host.handle())
                .err()
                .unwrap();
            assert!(err.contains(needle) && !err.contains('\n'), "{err}");
        }
    }
}
