//! Test plugin `artkit`: exercises the resource and FTS monitor API (plugin
//! API 1.3) end to end, for `tests/artifact_plugins.rs`. Not a sample.
//!
//! Every instance has a resource monitor and an FTS monitor. The keys, all
//! optional:
//!
//! | key | effect |
//! |---|---|
//! | `log=<path>` | appends one tab-separated line per callback to `path` (see below) |
//! | `sub_guid=<guid>` | the resource monitor subscribes to this group GUID (instead of every group) |
//! | `sub_name=<text>` | the resource monitor subscribes to groups named like `text` (with `sub_guid`: both) |
//! | `vote=<keep\|drop>` | the resource `flush_filter` votes this on resources of the groups named like `vote_group` (every group without it); abstains on the others |
//! | `vote_group=<text>` | see `vote` (needs `vote`) |
//! | `add_sha256=true` | on each new File Hashes resource with typed fields, `add_resource` to File Hashes: uri `SHA256:<hex>`, label `added by artkit`, the same flow |
//! | `register=<name>` | registers the resource group [`MY_GROUP`] as `name` and, on each new URL resource, adds `<its uri>` (label `artkit copy`) to it |
//! | `add_doc=<name>` | registers the FTS group [`MY_FTS_GROUP`] as `name` and, on each new URL resource, `add_fts_document` to it: no key (the host makes one), text `<its uri>`, attribute `TARGET` = the URL's target |
//! | `panic_in=<callback>` | panics with `artkit panic in <callback>` the first time that resource callback runs (`on_new_resource`, `flush_filter`, `on_flush`, `on_begin_flush`, `on_end_flush`) |
//!
//! Log lines (`\t` between fields; `-` for an empty field):
//!
//! - resources: `new <group> <uri> <label> <flow id> <status>` (status:
//!   the URL fields' status, the File Hashes fields' md5, else `-`),
//!   `filter <group> <uri>`, `begin <group> <secs>`, `flush <group> <uri>`,
//!   `end <group> <secs>`;
//! - documents: `doc_new <group> <key> <attribute("CODE")> <first line of
//!   the text>`, `doc_filter <group> <key>`, `doc_begin <group> <secs>`,
//!   `doc_flush <group> <key>`, `doc_end <group> <secs>`.
//!
//! Feedback errors are logged through the host at error level.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Arc, Mutex};

use weir_plugin_api::abi::ext::Extensions;
use weir_plugin_api::{
    export_plugin, guid, ArtifactEvents, ArtifactGroupRef, ArtifactSubscription, Config,
    FtsAttribute, FtsMonitor, FtsRecord, Guid, HostHandle, LogLevel, Monitors, NewFtsDocument,
    ResourceMonitor, ResourceRecord, Timestamp, Vote,
};

/// The GUID of the resource group `register` declares.
pub const MY_GROUP: Guid = Guid::from_u128(0x7E57A27F_0000_4000_8000_000000000013);

/// The GUID of the FTS group `add_doc` declares.
pub const MY_FTS_GROUP: Guid = Guid::from_u128(0x7E57A27F_0000_4000_8000_0000000F7513);

/// The configuration keys artkit accepts.
pub const CONFIG_KEYS: &[&str] = &[
    "log",
    "sub_guid",
    "sub_name",
    "vote",
    "vote_group",
    "add_sha256",
    "register",
    "add_doc",
    "panic_in",
];

const PANIC_POINTS: &[&str] = &[
    "on_new_resource",
    "flush_filter",
    "on_flush",
    "on_begin_flush",
    "on_end_flush",
];

/// The parsed configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    sub_guid: Option<Guid>,
    sub_name: Option<String>,
    vote: Option<Vote>,
    vote_group: Option<String>,
    add_sha256: bool,
    register: Option<String>,
    add_doc: Option<String>,
    panic_in: Option<String>,
}

impl Settings {
    /// Reads every key; the error is one line naming the key.
    pub fn parse(config: &Config) -> Result<Settings, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let sub_guid = match config.str("sub_guid") {
            None => None,
            Some(t) => Some(Guid::parse(&t).ok_or(format!("sub_guid: not a GUID: {t:?}"))?),
        };
        let vote = match config.str("vote").as_deref() {
            None => None,
            Some("keep") => Some(Vote::Keep),
            Some("drop") => Some(Vote::Drop),
            Some(o) => return Err(format!("vote: expected keep or drop, got {o:?}")),
        };
        let vote_group = config.str("vote_group").map(|s| s.to_lowercase());
        if vote_group.is_some() && vote.is_none() {
            return Err("vote_group: needs vote".into());
        }
        let panic_in = config.str("panic_in");
        if let Some(p) = &panic_in {
            if !PANIC_POINTS.contains(&p.as_str()) {
                return Err(format!(
                    "panic_in: unknown callback {p:?} (known: {})",
                    PANIC_POINTS.join(", ")
                ));
            }
        }
        Ok(Settings {
            sub_guid,
            sub_name: config.str("sub_name"),
            vote,
            vote_group,
            add_sha256: config
                .bool("add_sha256")
                .map_err(|e| e.to_string())?
                .unwrap_or(false),
            register: config.str("register"),
            add_doc: config.str("add_doc"),
            panic_in,
        })
    }
}

struct Log(Option<Mutex<File>>);

impl Log {
    fn line(&self, fields: &[&str]) {
        let Some(f) = &self.0 else { return };
        let fields: Vec<&str> = fields
            .iter()
            .map(|s| if s.is_empty() { "-" } else { *s })
            .collect();
        let mut text = fields.join("\t");
        text.push('\n');
        let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
        let _ = f.write_all(text.as_bytes());
    }
}

/// The resource monitor.
pub struct Resources {
    settings: Settings,
    host: HostHandle,
    log: Arc<Log>,
    fired: bool,
}

impl Resources {
    fn enter(&mut self, callback: &str) {
        if self.settings.panic_in.as_deref() == Some(callback) && !self.fired {
            self.fired = true;
            panic!("artkit panic in {callback}");
        }
    }

    fn feedback(&self, what: &str, r: Result<(), weir_plugin_api::ApiError>) {
        if let Err(e) = r {
            self.host.log(LogLevel::Error, &format!("{what}: {e}"));
        }
    }
}

impl ResourceMonitor for Resources {
    fn subscription(&self) -> ArtifactSubscription {
        let s = &self.settings;
        let sub = match (&s.sub_guid, &s.sub_name) {
            (None, None) => ArtifactSubscription::name_match(""),
            (Some(g), None) => ArtifactSubscription::guid(*g),
            (None, Some(n)) => ArtifactSubscription::name_match(n),
            (Some(g), Some(n)) => ArtifactSubscription::guid(*g).or_name_match(n),
        };
        sub.with(ArtifactEvents::ALL)
    }

    fn on_new_resource(&mut self, r: &ResourceRecord<'_>) {
        self.enter("on_new_resource");
        let detail = match (r.url(), r.file_hash()) {
            (Some(u), _) => u.status.to_string(),
            (_, Some(h)) => h.md5_hex(),
            _ => String::new(),
        };
        self.log.line(&[
            "new",
            r.group.name(),
            r.uri(),
            r.label(),
            r.flow.id(),
            &detail,
        ]);
        if self.settings.add_sha256 && r.group.guid == guid::RG_FILE_HASHES {
            if let Some(h) = r.file_hash() {
                let uri = format!("SHA256:{}", h.sha256_hex());
                let res = self.host.add_resource_to(
                    guid::RG_FILE_HASHES,
                    r.flow,
                    &uri,
                    "added by artkit",
                );
                self.feedback("add_resource", res);
            }
        }
        if self.settings.register.is_some() && r.url().is_some() {
            let res = self
                .host
                .add_resource_to(MY_GROUP, r.flow, r.uri(), "artkit copy");
            self.feedback("add_resource to my group", res);
        }
        if let (Some(_), Some(u)) = (&self.settings.add_doc, r.url()) {
            let attributes = [FtsAttribute {
                name: "TARGET".into(),
                value: u.target,
            }];
            let doc = NewFtsDocument {
                group: MY_FTS_GROUP,
                flow: r.flow,
                key: "".into(),
                text: r.uri,
                attributes: attributes.as_slice().into(),
                ext: Extensions::NONE,
            };
            let res = self.host.add_fts_document(&doc);
            self.feedback("add_fts_document", res);
        }
    }

    fn on_begin_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        self.enter("on_begin_flush");
        self.log
            .line(&["begin", group.name(), &ts.secs.to_string()]);
    }

    fn flush_filter(&mut self, r: &ResourceRecord<'_>) -> Vote {
        self.enter("flush_filter");
        self.log.line(&["filter", r.group.name(), r.uri()]);
        match (&self.settings.vote, &self.settings.vote_group) {
            (None, _) => Vote::Abstain,
            (Some(v), None) => *v,
            (Some(v), Some(g)) if r.group.name().to_lowercase().contains(g.as_str()) => *v,
            _ => Vote::Abstain,
        }
    }

    fn on_flush(&mut self, r: &ResourceRecord<'_>) {
        self.enter("on_flush");
        self.log.line(&["flush", r.group.name(), r.uri()]);
    }

    fn on_end_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        self.enter("on_end_flush");
        self.log.line(&["end", group.name(), &ts.secs.to_string()]);
    }
}

/// The FTS monitor: every FTS group, every callback but the metronome.
pub struct Documents {
    log: Arc<Log>,
}

impl FtsMonitor for Documents {
    fn subscription(&self) -> ArtifactSubscription {
        ArtifactSubscription::name_match("")
            .new_items()
            .flush()
            .filter()
    }

    fn on_new_document(&mut self, d: &FtsRecord<'_>) {
        let first = d.text().lines().next().unwrap_or("");
        self.log.line(&[
            "doc_new",
            d.group.name(),
            d.key(),
            d.attribute("CODE").unwrap_or(""),
            first,
        ]);
    }

    fn on_begin_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        self.log
            .line(&["doc_begin", group.name(), &ts.secs.to_string()]);
    }

    fn flush_filter(&mut self, d: &FtsRecord<'_>) -> Vote {
        self.log.line(&["doc_filter", d.group.name(), d.key()]);
        Vote::Abstain
    }

    fn on_flush(&mut self, d: &FtsRecord<'_>) {
        self.log.line(&["doc_flush", d.group.name(), d.key()]);
    }

    fn on_end_flush(&mut self, group: &ArtifactGroupRef<'_>, ts: Timestamp) {
        self.log
            .line(&["doc_end", group.name(), &ts.secs.to_string()]);
    }
}

/// Builds both monitors of one instance.
pub fn build(config: &Config, host: HostHandle) -> Result<(Resources, Documents), String> {
    let settings = Settings::parse(config)?;
    let log = match config.path("log") {
        None => None,
        Some(p) => Some(Mutex::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&p)
                .map_err(|e| format!("log: cannot open {}: {e}", p.display()))?,
        )),
    };
    if let Some(name) = &settings.add_doc {
        host.register_fts_group(MY_FTS_GROUP, name, "artkit's own documents")
            .map_err(|e| format!("add_doc: {e}"))?;
    }
    if let Some(name) = &settings.register {
        host.register_resource_group(MY_GROUP, name, "artkit's own group")
            .map_err(|e| format!("register: {e}"))?;
    }
    let log = Arc::new(Log(log));
    Ok((
        Resources {
            settings,
            host,
            log: Arc::clone(&log),
            fired: false,
        },
        Documents { log },
    ))
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    let (r, d) = build(config, host)?;
    Ok(Monitors::new().resource(r).fts(d))
}

export_plugin! {
    name: "artkit",
    description: "test-only plugin: resource and FTS monitors driven by config",
    monitors: [Resource, Fts],
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::RecordingHost;

    #[test]
    fn config_errors_name_the_key() {
        for (json, needle) in [
            (r#"{"vote":"maybe"}"#, "vote:"),
            (r#"{"vote_group":"url"}"#, "vote_group:"),
            (r#"{"sub_guid":"nope"}"#, "sub_guid:"),
            (r#"{"panic_in":"on_new_flow"}"#, "panic_in:"),
            (r#"{"bogus":"1"}"#, "\"bogus\""),
        ] {
            let err = build(&Config::parse(json).unwrap(), RecordingHost::new().handle())
                .err()
                .unwrap();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }

    #[test]
    fn subscriptions_follow_the_config() {
        let host = RecordingHost::new();
        let (r, d) = build(
            &Config::parse(r#"{"sub_name":"url"}"#).unwrap(),
            host.handle(),
        )
        .unwrap();
        assert_eq!(
            r.subscription(),
            ArtifactSubscription::name_match("url").with(ArtifactEvents::ALL)
        );
        assert!(d.subscription().events.contains(ArtifactEvents::NEW));
        let (r, _) = build(
            &Config::parse(r#"{"register":"Mine"}"#).unwrap(),
            host.handle(),
        )
        .unwrap();
        assert_eq!(r.subscription(), ArtifactSubscription::everything());
        assert_eq!(
            host.calls(),
            [format!(
                "resourcegroup {MY_GROUP} Mine / artkit's own group"
            )]
        );
    }
}
