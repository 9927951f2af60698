//! weir plugin `dyndns_alert`: alerts on names under dynamic-DNS zones.
//!
//! The port of Trisul's `dyndns-alert/dyndns-alert.lua`: a resource monitor
//! (plugin API 1.3) on DNS Resources ([`guid::RG_DNS`]), URL Resources
//! ([`guid::RG_URL`]) and weir's TLS group ([`TLS_GROUP`]), each switchable
//! (`dns`, `url`, `tls`, all on by default). For every new resource it takes
//! a name (DNS: the uri, the question name; URL: the typed `host`, else the
//! uri's second token, without a port; TLS: the uri, the SNI, unless `-`),
//! lower-cases it and strips a trailing dot, and looks it up in a list of
//! dynamic-DNS zones: a name matches zone `Z` when it equals `Z` or ends
//! with `.Z`. The longest matching zone wins.
//!
//! On a match, once per (name, flow) in the instance, it prints
//! `Dynamic DNS hit for <name>` (stdout or `file=PATH`) and raises an alert
//! in System Alerts ([`guid::ALERT_SYSTEM`]): sigid = the zone,
//! classification [`CLASSIFICATION`], priority [`PRIORITY`], message
//! `Request for dyndns resource <name>`, about the resource's flow.
//!
//! The list ships as `dynamic-dns.txt` (embedded); `list=PATH` replaces it.

use std::collections::{HashMap, HashSet};

use weir_plugin_api::abi::ext::Extensions;
use weir_plugin_api::lines::LineSink;
use weir_plugin_api::records::{state, EndReason};
use weir_plugin_api::{
    export_plugin, guid, ArtifactSubscription, Config, FlowRecord, Guid, HostHandle, LogLevel,
    Monitors, ResourceMonitor, ResourceRecord,
};

/// weir's TLS resource group (one resource per TLS connection, uri = the
/// SNI or `-`): `{8C4E2B71-5D3A-4F60-9E1B-7A2C6D94E053}`, named "TLS". It is
/// weir's own, not Trisul's, and `weir_plugin_api::guid` does not name it,
/// so it is defined here (docs/OUTPUTS.md).
pub const TLS_GROUP: Guid = Guid::from_u128(0x8C4E2B71_5D3A_4F60_9E1B_7A2C6D94E053);
/// The shipped list of dynamic-DNS zones.
pub const SHIPPED_LIST: &str = include_str!("../dynamic-dns.txt");
/// Classification of the alerts.
pub const CLASSIFICATION: &str = "dyndns";
/// Priority of the alerts (2: medium).
pub const PRIORITY: u8 = 2;
/// The configuration keys dyndns_alert accepts.
pub const CONFIG_KEYS: &[&str] = &["dns", "url", "tls", "list", "file"];

/// A set of dynamic-DNS zones, lower case, without trailing dots.
#[derive(Debug, Clone, Default)]
pub struct ZoneList {
    /// zone -> provider (the comment on its line; may be empty).
    zones: HashMap<String, String>,
}

impl ZoneList {
    /// Parses a list: one zone per line, optionally followed by `# provider`;
    /// lines starting with `#` and blank lines are skipped. A line with more
    /// than one word before the `#`, or a zone that is not a host name
    /// (letters, digits, `-`, `_`, dot-separated non-empty labels), is an
    /// error naming the line. An empty list is an error.
    pub fn parse(text: &str) -> Result<ZoneList, String> {
        let mut zones = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let (body, comment) = match line.find('#') {
                Some(i) => (&line[..i], line[i + 1..].trim()),
                None => (line, ""),
            };
            let mut words = body.split_whitespace();
            let Some(zone) = words.next() else {
                continue;
            };
            if words.next().is_some() {
                return Err(format!("line {}: more than one zone: {line:?}", n + 1));
            }
            let zone = normalise(zone);
            if !is_host_name(&zone) {
                return Err(format!("line {}: not a domain name: {line:?}", n + 1));
            }
            zones.entry(zone).or_insert_with(|| comment.to_string());
        }
        if zones.is_empty() {
            return Err("no zones in the list".to_string());
        }
        Ok(ZoneList { zones })
    }

    /// The shipped list.
    pub fn shipped() -> ZoneList {
        ZoneList::parse(SHIPPED_LIST).expect("the shipped dynamic-dns.txt parses")
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Whether the list is empty (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The provider noted for `zone`.
    pub fn provider(&self, zone: &str) -> Option<&str> {
        self.zones.get(zone).map(String::as_str)
    }

    /// The longest zone `name` (already normalised) is in or equals.
    pub fn lookup<'s>(&'s self, name: &str) -> Option<&'s str> {
        if name.is_empty() {
            return None;
        }
        // Candidates from the longest (the name itself) to the last label.
        let mut rest = name;
        loop {
            if let Some((zone, _)) = self.zones.get_key_value(rest) {
                return Some(zone.as_str());
            }
            match rest.find('.') {
                Some(i) => rest = &rest[i + 1..],
                None => return None,
            }
        }
    }
}

/// Lower case, without one trailing dot.
pub fn normalise(name: &str) -> String {
    let name = name.trim();
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

fn is_host_name(zone: &str) -> bool {
    !zone.is_empty()
        && zone.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// `host` without a port: `name:80` -> `name`, `[v6]:443` -> `v6`; a bare
/// IPv6 address (several colons) is left alone.
pub fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, _)) if !name.contains(':') => name,
        _ => host,
    }
}

/// The name a resource is about, normalised; `None` when it names none.
pub fn resource_name(resource: &ResourceRecord<'_>) -> Option<String> {
    let g = resource.group.guid;
    let raw: &str = if g == guid::RG_DNS {
        resource.uri()
    } else if g == guid::RG_URL {
        let typed = resource.url().map(|u| u.host.as_str()).unwrap_or("");
        if !typed.is_empty() && typed != "-" {
            strip_port(typed)
        } else {
            match resource.uri().split_whitespace().nth(1) {
                Some(h) if h != "-" => strip_port(h),
                _ => "",
            }
        }
    } else if g == TLS_GROUP {
        match resource.uri() {
            "-" => "",
            sni => sni,
        }
    } else {
        ""
    };
    let name = normalise(raw);
    (!name.is_empty()).then_some(name)
}

/// The alert message for `name` (the sample's).
pub fn alert_message(name: &str) -> String {
    format!("Request for dyndns resource {name}")
}

/// The resource monitor.
pub struct DyndnsAlert {
    host: HostHandle,
    sink: LineSink,
    zones: ZoneList,
    dns: bool,
    url: bool,
    tls: bool,
    /// (name, flow id) already alerted on.
    seen: HashSet<(String, String)>,
}

impl DyndnsAlert {
    /// Reads the configuration and the list; opens `file` when configured.
    pub fn new(config: &Config, host: HostHandle) -> Result<DyndnsAlert, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let flag = |key: &str| -> Result<bool, String> {
            Ok(config.bool(key).map_err(|e| e.to_string())?.unwrap_or(true))
        };
        let (dns, url, tls) = (flag("dns")?, flag("url")?, flag("tls")?);
        if !(dns || url || tls) {
            return Err("dns, url and tls are all false: nothing to check".to_string());
        }
        let zones = match config.path("list") {
            None => ZoneList::shipped(),
            Some(p) if p.as_os_str().is_empty() => return Err("list: must not be empty".into()),
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("list: cannot read {}: {e}", p.display()))?;
                ZoneList::parse(&text).map_err(|e| format!("list: {}: {e}", p.display()))?
            }
        };
        let sink = LineSink::from_config(config, "file", "hits")?;
        Ok(DyndnsAlert {
            host,
            sink,
            zones,
            dns,
            url,
            tls,
            seen: HashSet::new(),
        })
    }

    /// The zones in use.
    pub fn zones(&self) -> &ZoneList {
        &self.zones
    }
}

impl ResourceMonitor for DyndnsAlert {
    fn subscription(&self) -> ArtifactSubscription {
        let mut sub = ArtifactSubscription::default().new_items();
        if self.dns {
            sub = sub.or_guid(guid::RG_DNS);
        }
        if self.url {
            sub = sub.or_guid(guid::RG_URL);
        }
        if self.tls {
            sub = sub.or_guid(TLS_GROUP);
        }
        sub
    }

    fn on_new_resource(&mut self, resource: &ResourceRecord<'_>) {
        let g = resource.group.guid;
        let wanted = (g == guid::RG_DNS && self.dns)
            || (g == guid::RG_URL && self.url)
            || (g == TLS_GROUP && self.tls);
        if !wanted {
            return;
        }
        let Some(name) = resource_name(resource) else {
            return;
        };
        let Some(zone) = self.zones.lookup(&name) else {
            return;
        };
        let zone = zone.to_string();
        let key = (name, resource.flow.id().to_string());
        if self.seen.contains(&key) {
            return;
        }
        let name = &key.0;
        self.sink
            .write(&self.host, &format!("Dynamic DNS hit for {name}\n"));
        let f = resource.flow;
        // NewAlert.flow is a FlowRecord; the engine takes from it the id,
        // the two ends and last_ts (the alert's time). Built from the
        // resource's ArtifactFlow: source (client) = A, dest (server) = Z.
        let record = f.is_some().then(|| FlowRecord {
            handle: f.handle,
            id: f.id,
            proto: f.proto,
            a_ip: f.source_ip,
            a_port: f.source_port,
            z_ip: f.dest_ip,
            z_port: f.dest_port,
            vlan: [0; 2],
            vlan_count: 0,
            az_bytes: 0,
            za_bytes: 0,
            az_packets: 0,
            za_packets: 0,
            az_payload: 0,
            za_payload: 0,
            first_ts: resource.ts,
            last_ts: resource.ts,
            state: state::INIT,
            end_reason: EndReason::Open,
            tags: "".into(),
            ext: Extensions::NONE,
        });
        if let Err(e) = self.host.add_alert_full(
            guid::ALERT_SYSTEM,
            record.as_ref(),
            &zone,
            CLASSIFICATION,
            PRIORITY,
            &alert_message(name),
            "",
        ) {
            self.host.log(
                LogLevel::Error,
                &format!("cannot raise alert in System Alerts: {e}"),
            );
        }
        self.seen.insert(key);
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().resource(DyndnsAlert::new(config, host)?))
}

export_plugin! {
    name: "dyndns_alert",
    description: "alerts on DNS, HTTP and TLS names under dynamic-DNS zones (Trisul's dyndns-alert.lua)",
    monitors: [Resource],
    requires: "1.3",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::RecordingHost;
    use weir_plugin_api::{
        ArtifactEvents, ArtifactFlow, ArtifactGroupRef, FlowHandle, IpBytes, Timestamp, UrlFields,
    };

    fn list(text: &str) -> ZoneList {
        ZoneList::parse(text).unwrap()
    }

    #[test]
    fn suffix_match_is_label_aligned() {
        let z = list("ddns.net # No-IP\n3322.org # Pubyun\nno-ip.org\n");
        let hit = |n: &str| z.lookup(&normalise(n));
        assert_eq!(hit("donghakacademy.ddns.net"), Some("ddns.net"));
        assert_eq!(hit("ddns.net"), Some("ddns.net"));
        assert_eq!(hit("a.b.ddns.net"), Some("ddns.net"));
        assert_eq!(hit("evilddns.net"), None);
        assert_eq!(hit("ddns.net.evil.com"), None);
        assert_eq!(hit("net"), None);
        assert_eq!(hit(""), None);
        // Digits, in the name and in the zone (the sample's trie misses these).
        assert_eq!(hit("host42.3322.org"), Some("3322.org"));
        assert_eq!(hit("1.2.3.4.no-ip.org"), Some("no-ip.org"));
        assert_eq!(hit("x3322.org"), None);
        // Case and a trailing dot.
        assert_eq!(hit("WWW.DDNS.Net."), Some("ddns.net"));
        assert_eq!(hit("foo.ddns.net."), Some("ddns.net"));
        assert_eq!(list("DDNS.NET.\n").lookup("a.ddns.net"), Some("ddns.net"));
    }

    #[test]
    fn longest_zone_wins() {
        let z = list("example.com\nsub.example.com\n");
        assert_eq!(z.lookup("a.sub.example.com"), Some("sub.example.com"));
        assert_eq!(z.lookup("a.other.example.com"), Some("example.com"));
    }

    #[test]
    fn list_parsing() {
        let z = list("# header\n\n   \nduckdns.org   # DuckDNS\n  mooo.com#afraid.org\nus.to\n");
        assert_eq!(z.len(), 3);
        assert_eq!(z.provider("duckdns.org"), Some("DuckDNS"));
        assert_eq!(z.provider("mooo.com"), Some("afraid.org"));
        assert_eq!(z.provider("us.to"), Some(""));
        for (bad, needle) in [
            ("ok.com\ntwo words.com\n", "line 2"),
            ("a..b\n", "line 1"),
            ("*.ddns.net\n", "line 1"),
            ("http://x.com/\n", "line 1"),
            ("# only comments\n\n", "no zones"),
            ("", "no zones"),
        ] {
            let err = ZoneList::parse(bad).unwrap_err();
            assert!(err.contains(needle), "{bad:?}: {err}");
        }
    }

    #[test]
    fn shipped_list_parses_and_names_providers() {
        let z = ZoneList::shipped();
        assert!(z.len() >= 150, "{}", z.len());
        for line in SHIPPED_LIST.lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let (zone, provider) = t.split_once('#').expect("every entry names its provider");
            assert!(!provider.trim().is_empty(), "{line}");
            assert!(z.lookup(zone.trim()).is_some());
        }
        for zone in [
            "ddns.net",
            "duckdns.org",
            "dyndns.org",
            "afraid.org",
            "dtdns.net",
        ] {
            assert_eq!(z.lookup(zone), Some(zone));
        }
        assert_eq!(z.lookup("dyndns.com"), None, "Dyn's own site");
    }

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("a.ddns.net:8080"), "a.ddns.net");
        assert_eq!(strip_port("a.ddns.net"), "a.ddns.net");
        assert_eq!(strip_port("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(strip_port("2001:db8::1"), "2001:db8::1");
    }

    fn ip(text: &str) -> IpBytes {
        IpBytes::from_ip_addr(text.parse().unwrap())
    }

    fn flow(id: &'static str) -> ArtifactFlow<'static> {
        ArtifactFlow {
            id: id.into(),
            handle: FlowHandle(3),
            proto: 17,
            source_ip: ip("192.168.2.2"),
            source_port: 56842,
            dest_ip: ip("8.8.8.8"),
            dest_port: 53,
        }
    }

    fn resource<'a>(
        group: Guid,
        uri: &'a str,
        flow: ArtifactFlow<'a>,
        ext: Extensions<'a>,
    ) -> ResourceRecord<'a> {
        ResourceRecord {
            group: ArtifactGroupRef {
                guid: group,
                name: "g".into(),
                ext: Extensions::NONE,
            },
            ts: Timestamp::from_secs(1_542_271_234),
            flow,
            uri: uri.into(),
            label: "".into(),
            ext,
        }
    }

    fn monitor(config: &str, host: &RecordingHost) -> Result<DyndnsAlert, String> {
        DyndnsAlert::new(&Config::parse(config).unwrap(), host.handle())
    }

    fn alerts(host: &RecordingHost) -> Vec<String> {
        host.calls()
            .into_iter()
            .filter(|c| c.starts_with("alert "))
            .collect()
    }

    #[test]
    fn names_per_group() {
        let url = UrlFields {
            header: UrlFields::header(),
            method: "GET".into(),
            host: "Cam.DuckDNS.org:8080".into(),
            target: "/".into(),
            status: 200,
            latency_us: 1,
            request_ts: Timestamp::from_secs(1),
            user_agent: "".into(),
            content_type: "".into(),
        };
        let f = ArtifactFlow::NONE;
        let r = resource(guid::RG_URL, "GET x /", f, Extensions::single(&url));
        assert_eq!(resource_name(&r).as_deref(), Some("cam.duckdns.org"));
        let r = resource(guid::RG_URL, "GET a.ddns.net:81 /p", f, Extensions::NONE);
        assert_eq!(resource_name(&r).as_deref(), Some("a.ddns.net"));
        let r = resource(guid::RG_URL, "GET - /p", f, Extensions::NONE);
        assert_eq!(resource_name(&r), None);
        let r = resource(TLS_GROUP, "-", f, Extensions::NONE);
        assert_eq!(resource_name(&r), None);
        let r = resource(TLS_GROUP, "X.No-IP.org", f, Extensions::NONE);
        assert_eq!(resource_name(&r).as_deref(), Some("x.no-ip.org"));
        let r = resource(guid::RG_DNS, "a.ddns.net.", f, Extensions::NONE);
        assert_eq!(resource_name(&r).as_deref(), Some("a.ddns.net"));
    }

    #[test]
    fn one_alert_per_name_and_flow() {
        let host = RecordingHost::new();
        let mut m = monitor("", &host).unwrap();
        let f1 = flow("11A:C0.A8.02.02:p-DE0A_08.08.08.08:p-0035");
        let f2 = flow("11A:C0.A8.02.02:p-DE0B_08.08.08.08:p-0035");
        let n = Extensions::NONE;
        m.on_new_resource(&resource(guid::RG_DNS, "donghakacademy.ddns.net", f1, n));
        m.on_new_resource(&resource(guid::RG_DNS, "DonghakAcademy.ddns.net.", f1, n));
        m.on_new_resource(&resource(guid::RG_DNS, "www.example.com", f1, n));
        m.on_new_resource(&resource(guid::RG_DNS, "evilddns.net", f1, n));
        m.on_new_resource(&resource(guid::RG_DNS, "donghakacademy.ddns.net", f2, n));
        let a = alerts(&host);
        assert_eq!(a.len(), 2, "{a:#?}");
        assert_eq!(
            a[0],
            "alert {F69C2462-ECEA-45B8-B1CB-F90342D37A4F} flow=11A:C0.A8.02.02:p-DE0A_08.08.08.08:p-0035 \
             sigid=ddns.net class=dyndns prio=2 status= msg=Request for dyndns resource donghakacademy.ddns.net"
        );
        assert!(a[1].contains("p-DE0B"));
    }

    #[test]
    fn switches_and_subscription() {
        let host = RecordingHost::new();
        let m = monitor("", &host).unwrap();
        let sub = m.subscription();
        assert_eq!(sub.events, ArtifactEvents::NEW);
        assert_eq!(
            sub.guids.as_slice(),
            [guid::RG_DNS, guid::RG_URL, TLS_GROUP]
        );
        let mut m = monitor(r#"{"dns":"false","tls":false}"#, &host).unwrap();
        assert_eq!(m.subscription().guids.as_slice(), [guid::RG_URL]);
        m.on_new_resource(&resource(
            guid::RG_DNS,
            "a.ddns.net",
            ArtifactFlow::NONE,
            Extensions::NONE,
        ));
        assert!(alerts(&host).is_empty());
        let err = monitor(r#"{"dns":"false","tls":"0","url":"no"}"#, &host)
            .err()
            .unwrap();
        assert!(err.contains("nothing to check"), "{err}");
    }

    #[test]
    fn custom_list_and_errors() {
        let dir = std::env::temp_dir().join(format!("weir-dyndns-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("zones.txt");
        std::fs::write(&path, "example.com # test\n").unwrap();
        let host = RecordingHost::new();
        let cfg = format!(r#"{{"list":{:?}}}"#, path.to_str().unwrap());
        let mut m = monitor(&cfg, &host).unwrap();
        assert_eq!(m.zones().len(), 1);
        let n = Extensions::NONE;
        m.on_new_resource(&resource(guid::RG_DNS, "a.ddns.net", ArtifactFlow::NONE, n));
        m.on_new_resource(&resource(
            guid::RG_DNS,
            "www.example.com",
            ArtifactFlow::NONE,
            n,
        ));
        let a = alerts(&host);
        assert_eq!(a.len(), 1, "{a:#?}");
        assert!(a[0].contains("flow=- sigid=example.com "), "{}", a[0]);
        std::fs::write(&path, "# nothing\n").unwrap();
        let err = monitor(&cfg, &host).err().unwrap();
        assert!(
            err.starts_with("list:") && err.contains("no zones"),
            "{err}"
        );
        let err = monitor(r#"{"list":"/nonexistent/weir/zones"}"#, &host)
            .err()
            .unwrap();
        assert!(err.starts_with("list: cannot read"), "{err}");
        let err = monitor(r#"{"lists":"x"}"#, &host).err().unwrap();
        assert!(err.contains("\"lists\""), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn prints_the_hit_line_to_the_file() {
        let dir = std::env::temp_dir().join(format!("weir-dyndns-f-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hits.txt");
        let host = RecordingHost::new();
        let cfg = format!(r#"{{"file":{:?}}}"#, path.to_str().unwrap());
        let mut m = monitor(&cfg, &host).unwrap();
        let f = flow("x");
        m.on_new_resource(&resource(guid::RG_DNS, "A.ddns.net", f, Extensions::NONE));
        m.on_new_resource(&resource(guid::RG_DNS, "a.ddns.net", f, Extensions::NONE));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "Dynamic DNS hit for a.ddns.net\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
