//! The `testing` module deals with unit tests of plugins: a host that records
//! what a plugin asks of the engine, and a helper that builds flow records.
//!
//! A plugin crate that is also an `rlib` can call its monitors directly from
//! `#[cfg(test)]` code, without loading it into weir:
//!
//! ```
//! use weir_plugin_api::testing::{flow_record, RecordingHost};
//! use weir_plugin_api::{EndReason, FlowRecord, LogLevel};
//!
//! let host = RecordingHost::new().with_instance_id(1);
//! let handle = host.handle(); // give this to the monitor's constructor
//! let flow = FlowRecord {
//!     az_bytes: 500,
//!     za_bytes: 499,
//!     end_reason: EndReason::Fin,
//!     ..flow_record("F1", 6, ("192.168.1.2", 2964), ("209.216.249.58", 22))
//! };
//! // A test calls the monitor with `&flow`; this one uses the handle itself.
//! handle.log(LogLevel::Info, &format!("{} bytes", flow.total_bytes()));
//! let blacklist = weir_plugin_api::guid::ALERT_BLACKLIST;
//! handle.add_alert(blacklist, Some(&flow), "SIG", 1, "hi").unwrap();
//! assert_eq!(
//!     host.calls(),
//!     [
//!         "log info 999 bytes",
//!         "alert {5E97C3A3-41DB-4E34-92C3-87C904FAB83E} flow=F1 sigid=SIG class= prio=1 status= msg=hi",
//!     ]
//! );
//! ```
//!
//! [`construct`] runs a constructor through the same export path weir uses.
//! The engine itself never uses this module.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use abi_stable::std_types::RStr;

use crate::abi::calls::InstanceArgs;
use crate::abi::ext::Extensions;
use crate::abi::header::MonitorKind;
use crate::config::Config;
use crate::host::{ApiError, HostApi, HostHandle, LogLevel, NewAlert, OwnedHostRef};
use crate::monitors::Monitors;
use crate::objects::InstanceMonitors;
use crate::records::{state, EndReason, FlowHandle, FlowRecord, Guid, IpBytes, Timestamp};

/// A [`HostApi`] for unit tests: it accepts every feedback call (unless told
/// to refuse some) and records each one as a line of text.
///
/// Clones share the recorded lines, so a test keeps one clone and gives the
/// plugin [`RecordingHost::handle`] (or `HostHandle::new(host.clone())`).
///
/// The lines, one per call, in call order:
///
/// | call | line |
/// |---|---|
/// | `log` | `log <level> <message>` (level as [`LogLevel::as_str`]) |
/// | `register_alert_group` | `register <guid> <name> / <description>` |
/// | `add_alert` | `alert <group guid> flow=<flow id, or -> sigid=<sigid> class=<classification> prio=<priority> status=<status> msg=<message>`, then ` extra=<extra message>` when that is not empty |
/// | `tag_flow` | `tag <flow handle number> <tag>` |
/// | `update_counter` | `counter <group guid> <key> <meter> <value>` |
/// | `update_counter_raw` | `counter_raw <group guid> <key> <meter> <value>` |
/// | `update_key_info` | `keyinfo <group guid> <key> <label> / <description>` |
/// | `set_key_attribute` | `attribute <group guid> <key> <name>=<value>` |
/// | `register_counter_group` | `countergroup <guid> <name> / <description> bucket=<topper bucket> meters=<type>:<top_n>:<name>:<units>,...` |
///
/// GUIDs are written as by `Guid`'s `Display` (`{XXXXXXXX-...}`, upper
/// case); empty fields stay empty (`class= prio=1`). A refused call is
/// recorded too. The queries (`instance_id`, `timestamp`, `output_dir`) are
/// not recorded: they answer the configured values (by default instance 0,
/// an empty output directory and timestamp 0).
///
/// Unlike the engine it does not check arguments: any group, priority or tag
/// is accepted unless refused with the `refusing_*` settings.
#[derive(Clone, Debug, Default)]
pub struct RecordingHost {
    calls: Arc<Mutex<Vec<String>>>,
    instance_id: u32,
    output_dir: String,
    timestamp: Timestamp,
    refuse_alerts: bool,
    refuse_groups: bool,
    refuse_tags: bool,
}

impl RecordingHost {
    /// A host for instance 0, with an empty output directory and timestamp 0,
    /// that accepts every call.
    pub fn new() -> RecordingHost {
        RecordingHost::default()
    }

    /// Answers `instance_id` with `id`.
    pub fn with_instance_id(mut self, id: u32) -> RecordingHost {
        self.instance_id = id;
        self
    }

    /// Answers `output_dir` with `dir` (converted lossily to UTF-8, as the engine does).
    pub fn with_output_dir(mut self, dir: impl AsRef<Path>) -> RecordingHost {
        self.output_dir = dir.as_ref().to_string_lossy().into_owned();
        self
    }

    /// Answers `timestamp` with `ts`.
    pub fn with_timestamp(mut self, ts: Timestamp) -> RecordingHost {
        self.timestamp = ts;
        self
    }

    /// Refuses every `add_alert` with [`ApiError::UnknownAlertGroup`] (the call is still recorded).
    pub fn refusing_alerts(mut self) -> RecordingHost {
        self.refuse_alerts = true;
        self
    }

    /// Refuses every `register_alert_group` with [`ApiError::GroupConflict`]
    /// (the call is still recorded).
    pub fn refusing_groups(mut self) -> RecordingHost {
        self.refuse_groups = true;
        self
    }

    /// Refuses every `tag_flow` with [`ApiError::InvalidArgument`] (the call is still recorded).
    pub fn refusing_tags(mut self) -> RecordingHost {
        self.refuse_tags = true;
        self
    }

    /// A handle on this host (sharing its recorded lines), for a plugin's constructor.
    pub fn handle(&self) -> HostHandle {
        HostHandle::new(self.clone())
    }

    /// The lines recorded so far by this host and its clones (see [`RecordingHost`]).
    pub fn calls(&self) -> Vec<String> {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<String>> {
        // A test that caught a plugin's panic may still read the lines.
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, line: String, refuse: bool, error: ApiError) -> Result<(), ApiError> {
        self.lock().push(line);
        if refuse {
            Err(error)
        } else {
            Ok(())
        }
    }
}

impl HostApi for RecordingHost {
    fn instance_id(&self) -> u32 {
        self.instance_id
    }

    fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    fn output_dir(&self) -> String {
        self.output_dir.clone()
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.lock()
            .push(format!("log {} {message}", level.as_str()));
    }

    fn register_alert_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        self.record(
            format!("register {guid} {name} / {description}"),
            self.refuse_groups,
            ApiError::GroupConflict,
        )
    }

    fn add_alert(&self, alert: &NewAlert<'_>) -> Result<(), ApiError> {
        let mut line = format!(
            "alert {} flow={} sigid={} class={} prio={} status={} msg={}",
            alert.group,
            alert.flow.map_or("-", |f| f.id()),
            alert.sigid,
            alert.classification,
            alert.priority,
            alert.status,
            alert.message,
        );
        if !alert.extra_message.is_empty() {
            line.push_str(" extra=");
            line.push_str(alert.extra_message.as_str());
        }
        self.record(line, self.refuse_alerts, ApiError::UnknownAlertGroup)
    }

    fn tag_flow(&self, flow: FlowHandle, tag: &str) -> Result<(), ApiError> {
        self.record(
            format!("tag {} {tag}", flow.0),
            self.refuse_tags,
            ApiError::InvalidArgument,
        )
    }

    fn update_counter(
        &self,
        group: Guid,
        key: &str,
        meter: u32,
        value: i64,
        raw: bool,
    ) -> Result<(), ApiError> {
        let call = if raw { "counter_raw" } else { "counter" };
        self.lock()
            .push(format!("{call} {group} {key} {meter} {value}"));
        Ok(())
    }

    fn update_key_info(
        &self,
        group: Guid,
        key: &str,
        label: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        self.lock()
            .push(format!("keyinfo {group} {key} {label} / {description}"));
        Ok(())
    }

    fn set_key_attribute(
        &self,
        group: Guid,
        key: &str,
        name: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        self.lock()
            .push(format!("attribute {group} {key} {name}={value}"));
        Ok(())
    }

    fn register_counter_group(
        &self,
        group: &crate::counters::NewCounterGroup<'_>,
    ) -> Result<(), ApiError> {
        let meters: Vec<String> = group
            .meters
            .iter()
            .map(|m| format!("{}:{}:{}:{}", m.kind.as_str(), m.top_n, m.name, m.units))
            .collect();
        self.record(
            format!(
                "countergroup {} {} / {} bucket={} meters={}",
                group.guid,
                group.name,
                group.description,
                group.topper_bucket_secs,
                meters.join(",")
            ),
            self.refuse_groups,
            ApiError::GroupConflict,
        )
    }

    fn add_resource(&self, r: &crate::artifacts::NewResource<'_>) -> Result<(), ApiError> {
        let flow = if r.flow.is_some() { r.flow.id() } else { "-" };
        self.lock().push(format!(
            "resource {} flow={flow} uri={} label={}",
            r.group, r.uri, r.label
        ));
        Ok(())
    }

    fn add_fts_document(&self, d: &crate::artifacts::NewFtsDocument<'_>) -> Result<(), ApiError> {
        let flow = if d.flow.is_some() { d.flow.id() } else { "-" };
        let attrs: Vec<String> = d
            .attributes
            .iter()
            .map(|a| format!("{}={}", a.name, a.value))
            .collect();
        self.lock().push(format!(
            "fts {} flow={flow} key={} attrs={} text={}",
            d.group,
            d.key,
            attrs.join(","),
            d.text
        ));
        Ok(())
    }

    fn register_resource_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        self.record(
            format!("resourcegroup {guid} {name} / {description}"),
            self.refuse_groups,
            ApiError::GroupConflict,
        )
    }

    fn register_fts_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        self.record(
            format!("ftsgroup {guid} {name} / {description}"),
            self.refuse_groups,
            ApiError::GroupConflict,
        )
    }
}

/// Runs `ctor` the way weir runs a loaded plugin's constructor: the
/// configuration as JSON text, a handle on `host`, the panic guard, the
/// check against the monitor kinds the plugin declares (`declared`, as in
/// `export_plugin!`'s `monitors`), and the host's reading of the returned
/// monitors. `Err` is the one-line reason weir would print.
///
/// ```
/// # use weir_plugin_api::{testing, Config, HostHandle, Monitors, MonitorKind};
/// fn refuse(_: &Config, _: HostHandle) -> Result<Monitors, String> { Err("no".into()) }
/// let host = testing::RecordingHost::new();
/// assert_eq!(testing::construct("{}", &host, &[MonitorKind::Flow], refuse).err().as_deref(), Some("no"));
/// ```
pub fn construct<E: std::fmt::Display>(
    config: &str,
    host: &RecordingHost,
    declared: &[MonitorKind],
    ctor: fn(&Config, HostHandle) -> Result<Monitors, E>,
) -> Result<InstanceMonitors, String> {
    let owned = OwnedHostRef::new(host.clone());
    let args = InstanceArgs::new(config, owned.raw());
    let bits = declared.iter().fold(0, |b, k| b | k.bit());
    let entries = crate::export::construct(&args, bits, ctor)
        .into_result()
        .map_err(|e| e.into_string())?;
    // SAFETY: entries from this crate's export path, owned by nobody else.
    unsafe { InstanceMonitors::from_entries(entries) }.map_err(|e| e.to_string())
}

/// A live flow record for tests: protocol `proto` between `a` and `z`
/// (address, port), with handle `FlowHandle(1)`, no VLAN, zero counters and
/// timestamps, state [`state::INIT`], [`EndReason::Open`] and no tags.
///
/// Adjust it with struct-update syntax:
/// `FlowRecord { az_bytes: 500, end_reason: EndReason::Fin, ..flow_record(...) }`.
///
/// # Panics
///
/// If an address is not an IPv4 or IPv6 address.
pub fn flow_record<'a>(id: &'a str, proto: u8, a: (&str, u16), z: (&str, u16)) -> FlowRecord<'a> {
    FlowRecord {
        handle: FlowHandle(1),
        id: RStr::from_str(id),
        proto,
        a_ip: ip(a.0),
        a_port: a.1,
        z_ip: ip(z.0),
        z_port: z.1,
        vlan: [0; 2],
        vlan_count: 0,
        az_bytes: 0,
        za_bytes: 0,
        az_packets: 0,
        za_packets: 0,
        az_payload: 0,
        za_payload: 0,
        first_ts: Timestamp::default(),
        last_ts: Timestamp::default(),
        state: state::INIT,
        end_reason: EndReason::Open,
        tags: RStr::from_str(""),
        ext: Extensions::NONE,
    }
}

fn ip(text: &str) -> IpBytes {
    match text.parse() {
        Ok(addr) => IpBytes::from_ip_addr(addr),
        Err(_) => panic!("flow_record: {text:?} is not an IP address"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: Guid = Guid::from_u128(0x0409EAC7_1E60_43D3_C0FA_A87429F99728);

    #[test]
    fn answers_the_configured_values() {
        let plain = RecordingHost::new().handle();
        assert_eq!(plain.instance_id(), 0);
        assert_eq!(plain.timestamp(), Timestamp::default());
        assert_eq!(plain.output_dir(), Path::new(""));
        let host = RecordingHost::new()
            .with_instance_id(3)
            .with_output_dir("/tmp/weir out")
            .with_timestamp(Timestamp::from_secs(1_427_726_689))
            .handle();
        assert_eq!(host.instance_id(), 3);
        assert_eq!(host.timestamp(), Timestamp::from_secs(1_427_726_689));
        assert_eq!(host.output_dir(), Path::new("/tmp/weir out"));
    }

    #[test]
    fn records_every_feedback_call_in_order_and_shares_them_with_clones() {
        let host = RecordingHost::new();
        let handle = host.handle();
        let flow = flow_record("F1", 6, ("10.0.0.1", 40000), ("10.0.0.2", 80));
        handle.log(LogLevel::Warn, "a b");
        assert_eq!(
            handle.register_alert_group(GROUP, "My Group", "desc"),
            Ok(())
        );
        assert_eq!(
            handle.add_alert(GROUP, Some(&flow), "SIG", 2, "hello"),
            Ok(())
        );
        let full = handle.add_alert_full(GROUP, None, "S", "attack", 1, "m", "FIRE");
        assert_eq!(full, Ok(()));
        let alert = NewAlert {
            group: GROUP,
            flow: None,
            sigid: "".into(),
            classification: "".into(),
            priority: 7,
            message: "".into(),
            extra_message: "more".into(),
            status: "".into(),
            ext: Extensions::NONE,
        };
        assert_eq!(handle.raise(&alert), Ok(()));
        assert_eq!(handle.tag_flow(FlowHandle(42), "seen"), Ok(()));
        assert_eq!(
            host.calls(),
            [
                "log warn a b",
                "register {0409EAC7-1E60-43D3-C0FA-A87429F99728} My Group / desc",
                "alert {0409EAC7-1E60-43D3-C0FA-A87429F99728} flow=F1 sigid=SIG class= prio=2 status= msg=hello",
                "alert {0409EAC7-1E60-43D3-C0FA-A87429F99728} flow=- sigid=S class=attack prio=1 status=FIRE msg=m",
                "alert {0409EAC7-1E60-43D3-C0FA-A87429F99728} flow=- sigid= class= prio=7 status= msg= extra=more",
                "tag 42 seen",
            ]
        );
        // The queries are not recorded.
        handle.instance_id();
        handle.timestamp();
        handle.output_dir();
        assert_eq!(host.calls().len(), 6);
        assert_eq!(host.clone().calls(), host.calls());
    }

    #[test]
    fn refusals_return_the_matching_error_and_are_recorded() {
        let host = RecordingHost::new()
            .refusing_alerts()
            .refusing_groups()
            .refusing_tags();
        let handle = host.handle();
        assert_eq!(
            handle.register_alert_group(GROUP, "G", ""),
            Err(ApiError::GroupConflict)
        );
        assert_eq!(
            handle.add_alert(GROUP, None, "S", 1, "m"),
            Err(ApiError::UnknownAlertGroup)
        );
        assert_eq!(
            handle.tag_flow(FlowHandle(1), "t"),
            Err(ApiError::InvalidArgument)
        );
        assert_eq!(host.calls().len(), 3);
        // Each setting refuses its own call only.
        let alerts_only = RecordingHost::new().refusing_alerts().handle();
        assert_eq!(alerts_only.register_alert_group(GROUP, "G", ""), Ok(()));
        assert_eq!(alerts_only.tag_flow(FlowHandle(1), "t"), Ok(()));
        assert_eq!(
            alerts_only.add_alert(GROUP, None, "S", 1, "m"),
            Err(ApiError::UnknownAlertGroup)
        );
    }

    #[test]
    fn flow_record_is_a_fresh_live_flow() {
        let f = flow_record("11A:x", 17, ("10.0.0.1", 5353), ("2001:db8::1", 53));
        assert_eq!(f.id(), "11A:x");
        assert_eq!(f.handle, FlowHandle(1));
        assert_eq!(f.proto, 17);
        assert_eq!(f.a_ip.to_string(), "10.0.0.1");
        assert_eq!(f.a_port, 5353);
        assert_eq!(f.z_ip.to_string(), "2001:db8::1");
        assert_eq!(f.z_ip.version, 6);
        assert_eq!(f.z_port, 53);
        assert!(f.vlans().is_empty());
        assert_eq!((f.total_bytes(), f.total_packets()), (0, 0));
        assert_eq!((f.az_payload, f.za_payload), (0, 0));
        assert_eq!(
            (f.first_ts, f.last_ts),
            (Timestamp::default(), Timestamp::default())
        );
        assert_eq!(f.state, state::INIT);
        assert!(!f.has_ended());
        assert_eq!(f.end_reason, EndReason::Open);
        assert_eq!(f.tags().count(), 0);
        let ended = FlowRecord {
            az_bytes: 10,
            end_reason: EndReason::Fin,
            ..f
        };
        assert_eq!(
            (ended.total_bytes(), ended.end_reason),
            (10, EndReason::Fin)
        );
    }

    #[test]
    #[should_panic(expected = "\"10.0.0\" is not an IP address")]
    fn flow_record_refuses_a_bad_address() {
        flow_record("x", 6, ("10.0.0", 1), ("10.0.0.2", 2));
    }
}
