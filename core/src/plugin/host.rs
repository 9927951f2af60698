//! The `host` module deals with the engine side of the feedback calls
//! ([`weir_plugin_api::HostApi`]): alert groups, alerts, flow tags, logging.
//!
//! [`Feedback`] is shared by every instance; [`InstanceHost`] is one
//! instance's view of it (its name, id and current stream time). Calls may
//! come from any thread: alerts go through a channel to the alert writer, tags
//! through one channel per packet worker, which applies them at its next
//! marker (so a tag reaches the flow within a second of stream time, or never
//! if the flow is flushed for the last time first, as in Trisul).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crossbeam_channel::Sender;
use weir_plugin_api::{
    guid, ApiError, FlowHandle, Guid, HostApi, LogLevel, NewAlert, NewCounterGroup, NewFtsDocument,
    NewResource, Timestamp,
};

use super::counter_host::{CounterFeedback, CounterRegistry};

use crate::artifacts::{
    Artifact, ArtifactGroups, FlowRef, FtsDoc, GroupKind, Origin, Resource, ResourceFields,
};

use crate::output::alerts::AlertRow;

/// Alert groups known to the run: the built-in ones and those plugins registered.
#[derive(Debug, Default)]
pub struct AlertGroups {
    names: RwLock<HashMap<Guid, String>>,
}

impl AlertGroups {
    /// The built-in groups.
    pub fn with_builtins() -> AlertGroups {
        let names = guid::BUILTIN_ALERT_GROUPS
            .iter()
            .map(|(g, n)| (*g, n.to_string()))
            .collect();
        AlertGroups {
            names: RwLock::new(names),
        }
    }

    /// Registers `guid` as `name`; fine if already registered with the same name.
    pub fn register(&self, guid: Guid, name: &str) -> Result<(), ApiError> {
        let mut names = self.names.write().unwrap_or_else(|e| e.into_inner());
        match names.get(&guid) {
            Some(existing) if existing != name => Err(ApiError::GroupConflict),
            Some(_) => Ok(()),
            None => {
                names.insert(guid, name.to_string());
                Ok(())
            }
        }
    }

    /// The name of `guid`, if known.
    pub fn name(&self, guid: &Guid) -> Option<String> {
        self.names
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(guid)
            .cloned()
    }
}

/// What every instance's host handle shares.
pub struct Feedback {
    /// Alert groups.
    pub groups: AlertGroups,
    alerts: Mutex<Option<Sender<AlertRow>>>,
    tags: Mutex<Vec<Sender<(FlowHandle, String)>>>,
    out_dir: PathBuf,
    /// Feedback calls refused (API misuse), all instances.
    pub refused: AtomicU64,
    /// Counter groups plugins may feed, and the channel to the store.
    pub counters: CounterRegistry,
    /// Resource and FTS groups (API 1.3).
    pub artifact_groups: Arc<ArtifactGroups>,
    /// Where plugins' resources and documents go (the coordinator).
    artifacts: Mutex<Option<Sender<Artifact>>>,
    /// Keys made for plugins' documents without one.
    fts_keys: AtomicU64,
    /// Time of the latest packet read, µs (0: none yet), set by the
    /// reader: no alert is stamped later than this.
    pub latest_packet_micros: AtomicU64,
}

impl Feedback {
    /// Shared state writing alerts to `alerts` and naming `out_dir` as the output directory.
    pub fn new(
        out_dir: PathBuf,
        alerts: Sender<AlertRow>,
        artifacts: Sender<Artifact>,
    ) -> Arc<Feedback> {
        Arc::new(Feedback {
            artifact_groups: Arc::new(ArtifactGroups::with_builtins()),
            artifacts: Mutex::new(Some(artifacts)),
            fts_keys: AtomicU64::new(0),
            latest_packet_micros: AtomicU64::new(0),
            groups: AlertGroups::with_builtins(),
            alerts: Mutex::new(Some(alerts)),
            tags: Mutex::new(Vec::new()),
            out_dir,
            refused: AtomicU64::new(0),
            counters: CounterRegistry::new(&crate::counters::builtin::definitions()),
        })
    }

    /// Sets the per-worker tag channels (index = worker number in the flow handle).
    pub fn set_tag_routes(&self, routes: Vec<Sender<(FlowHandle, String)>>) {
        *self.tags.lock().unwrap_or_else(|e| e.into_inner()) = routes;
    }

    /// Stops accepting feedback: later calls get [`ApiError::EngineGone`] and
    /// the alert writer sees its channel close.
    pub fn close(&self) {
        self.alerts.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.artifacts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        self.tags.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// One instance's identity and clock, shared with its dispatcher thread.
pub struct InstanceState {
    /// Plugin name (from its root module).
    pub plugin: String,
    /// 0-based instance id among instances of the same plugin.
    pub instance: u32,
    now_micros: AtomicU64,
    /// Alerts raised by this instance.
    pub alerts: AtomicU64,
    /// Feedback calls of this instance that were refused.
    pub refused: AtomicU64,
}

impl InstanceState {
    /// A new state at time zero.
    pub fn new(plugin: String, instance: u32) -> Arc<InstanceState> {
        Arc::new(InstanceState {
            plugin,
            instance,
            now_micros: AtomicU64::new(0),
            alerts: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        })
    }

    /// Sets the stream time of the event being delivered.
    pub fn set_now(&self, ts: Timestamp) {
        self.now_micros.store(ts.as_micros(), Ordering::Relaxed);
    }

    /// `<plugin>#<instance>`.
    pub fn label(&self) -> String {
        format!("{}#{}", self.plugin, self.instance)
    }
}

/// The [`HostApi`] implementation handed to one instance.
#[derive(Clone)]
pub struct InstanceHost {
    shared: Arc<Feedback>,
    me: Arc<InstanceState>,
}

impl InstanceHost {
    /// The host of instance `me`.
    pub fn new(shared: Arc<Feedback>, me: Arc<InstanceState>) -> InstanceHost {
        InstanceHost { shared, me }
    }

    fn refuse(&self, e: ApiError) -> Result<(), ApiError> {
        self.me.refused.fetch_add(1, Ordering::Relaxed);
        self.shared.refused.fetch_add(1, Ordering::Relaxed);
        Err(e)
    }

    /// Registers a resource or FTS group; a refusal is counted.
    fn register_artifact_group(
        &self,
        kind: GroupKind,
        guid: Guid,
        name: &str,
    ) -> Result<(), ApiError> {
        let registered = self.shared.artifact_groups.register(kind, guid, name);
        registered.or_else(|e| self.refuse(e))
    }

    /// This instance, as the origin of the items it adds.
    fn origin(&self) -> Origin {
        Arc::as_ptr(&self.me) as usize
    }

    fn send_artifact(&self, item: Artifact) -> Result<(), ApiError> {
        let sent = match self
            .shared
            .artifacts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            Some(tx) => tx.send(item).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            self.refuse(ApiError::EngineGone)
        }
    }

    /// An alert's time: its flow's last packet when it names a flow, else
    /// the stream time of the event being handled; never after the latest
    /// packet read (an alert raised in the last flush, whose time is the
    /// end of the last interval, gets the last packet's time).
    fn alert_time(&self, flow_last: Option<Timestamp>) -> Timestamp {
        let latest = self.shared.latest_packet_micros.load(Ordering::Relaxed);
        let ts = flow_last.unwrap_or_else(|| self.timestamp());
        if latest > 0 && ts.as_micros() > latest {
            Timestamp::from_micros(latest)
        } else {
            ts
        }
    }
}

/// Longest `uri` of a plugin's resource, bytes.
pub const MAX_RESOURCE_URI: usize = 4 << 10;
/// Longest `label` of a plugin's resource, bytes (Trisul's limit).
pub const MAX_RESOURCE_LABEL: usize = 32 << 10;
/// Longest text of a plugin's FTS document, bytes.
pub const MAX_FTS_TEXT: usize = 1 << 20;

impl HostApi for InstanceHost {
    fn instance_id(&self) -> u32 {
        self.me.instance
    }

    fn timestamp(&self) -> Timestamp {
        Timestamp::from_micros(self.me.now_micros.load(Ordering::Relaxed))
    }

    fn output_dir(&self) -> String {
        self.shared.out_dir.to_string_lossy().into_owned()
    }

    fn log(&self, level: LogLevel, message: &str) {
        crate::diag::line(format_args!(
            "[{}] {}: {}",
            self.me.label(),
            level.as_str(),
            message
        ));
    }

    fn register_alert_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let _ = description;
        if name.trim().is_empty() {
            return self.refuse(ApiError::InvalidArgument);
        }
        match self.shared.groups.register(guid, name) {
            Ok(()) => Ok(()),
            Err(e) => self.refuse(e),
        }
    }

    fn add_alert(&self, alert: &NewAlert<'_>) -> Result<(), ApiError> {
        let Some(group) = self.shared.groups.name(&alert.group) else {
            return self.refuse(ApiError::UnknownAlertGroup);
        };
        if !(1..=3).contains(&alert.priority) {
            return self.refuse(ApiError::InvalidArgument);
        }
        let flow = alert.flow;
        let row = AlertRow {
            // A record a plugin built itself may have no time: then the event's.
            ts: self.alert_time(flow.map(|f| f.last_ts).filter(|t| t.as_micros() > 0)),
            group_guid: alert.group,
            group,
            flow_id: flow.map(|f| f.id().to_string()),
            source: flow.map(|f| (f.a_ip, f.a_port)),
            dest: flow.map(|f| (f.z_ip, f.z_port)),
            sigid: alert.sigid.as_str().to_string(),
            classification: alert.classification.as_str().to_string(),
            priority: alert.priority,
            message: alert.message.as_str().to_string(),
            extra_message: alert.extra_message.as_str().to_string(),
            status: alert.status.as_str().to_string(),
            raised_by: self.me.label(),
        };
        let sent = match self
            .shared
            .alerts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            Some(tx) => tx.send(row).is_ok(),
            None => false,
        };
        if !sent {
            return self.refuse(ApiError::EngineGone);
        }
        self.me.alerts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn update_counter(
        &self,
        group: Guid,
        key: &str,
        meter: u32,
        value: i64,
        _raw: bool,
    ) -> Result<(), ApiError> {
        let item = CounterFeedback::Update {
            group,
            key: key.to_string(),
            meter,
            value,
        };
        self.shared.counters.feed(item).or_else(|e| self.refuse(e))
    }

    fn update_key_info(
        &self,
        group: Guid,
        key: &str,
        label: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let item = CounterFeedback::KeyInfo {
            group,
            key: key.to_string(),
            label: label.to_string(),
            description: description.to_string(),
        };
        self.shared.counters.feed(item).or_else(|e| self.refuse(e))
    }

    fn set_key_attribute(
        &self,
        group: Guid,
        key: &str,
        name: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        if name.is_empty() {
            return self.refuse(ApiError::InvalidArgument);
        }
        let item = CounterFeedback::Attribute {
            group,
            key: key.to_string(),
            name: name.to_string(),
            value: value.to_string(),
        };
        self.shared.counters.feed(item).or_else(|e| self.refuse(e))
    }

    fn register_counter_group(&self, group: &NewCounterGroup<'_>) -> Result<(), ApiError> {
        self.shared
            .counters
            .register(group)
            .or_else(|e| self.refuse(e))
    }

    fn add_resource(&self, r: &NewResource<'_>) -> Result<(), ApiError> {
        let groups = &self.shared.artifact_groups;
        if groups.name(GroupKind::Resource, &r.group).is_none() {
            return self.refuse(ApiError::UnknownResourceGroup);
        }
        if r.uri.is_empty() || r.uri.len() > MAX_RESOURCE_URI || r.label.len() > MAX_RESOURCE_LABEL
        {
            return self.refuse(ApiError::InvalidArgument);
        }
        self.send_artifact(Artifact::Resource(Resource {
            group: r.group,
            ts: self.timestamp(),
            flow: FlowRef::from_abi(&r.flow),
            uri: r.uri.as_str().to_string(),
            label: r.label.as_str().to_string(),
            fields: ResourceFields::None,
            origin: self.origin(),
        }))
    }

    fn add_fts_document(&self, d: &NewFtsDocument<'_>) -> Result<(), ApiError> {
        let groups = &self.shared.artifact_groups;
        if groups.name(GroupKind::Fts, &d.group).is_none() {
            return self.refuse(ApiError::UnknownFtsGroup);
        }
        if d.text.len() > MAX_FTS_TEXT {
            return self.refuse(ApiError::InvalidArgument);
        }
        let key = if d.key.is_empty() {
            let n = self.shared.fts_keys.fetch_add(1, Ordering::Relaxed);
            format!("{}:{n}", self.me.label())
        } else {
            d.key.as_str().to_string()
        };
        self.send_artifact(Artifact::Fts(FtsDoc {
            group: d.group,
            ts: self.timestamp(),
            flow: FlowRef::from_abi(&d.flow),
            key,
            text: d.text.as_str().to_string(),
            attributes: d
                .attributes
                .iter()
                .map(|a| (a.name.as_str().to_string(), a.value.as_str().to_string()))
                .collect(),
            origin: self.origin(),
        }))
    }

    fn register_resource_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let _ = description;
        self.register_artifact_group(GroupKind::Resource, guid, name)
    }

    fn register_fts_group(
        &self,
        guid: Guid,
        name: &str,
        description: &str,
    ) -> Result<(), ApiError> {
        let _ = description;
        self.register_artifact_group(GroupKind::Fts, guid, name)
    }

    fn tag_flow(&self, flow: FlowHandle, tag: &str) -> Result<(), ApiError> {
        if tag.is_empty() || tag.contains('|') || tag.len() > 63 {
            return self.refuse(ApiError::InvalidArgument);
        }
        let worker = (flow.0 >> 56) as usize;
        let sent = match self
            .shared
            .tags
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(worker)
        {
            Some(tx) => tx.send((flow, tag.to_string())).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            self.refuse(ApiError::EngineGone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> (InstanceHost, crossbeam_channel::Receiver<AlertRow>) {
        let (alerts, rx) = crossbeam_channel::unbounded();
        let (artifacts, _) = crossbeam_channel::unbounded();
        let shared = Feedback::new(std::env::temp_dir(), alerts, artifacts);
        (
            InstanceHost::new(shared, InstanceState::new("t".into(), 0)),
            rx,
        )
    }

    fn raise(h: &InstanceHost, flow: Option<&weir_plugin_api::FlowRecord<'_>>) {
        let alert = NewAlert {
            group: weir_plugin_api::guid::ALERT_SYSTEM,
            flow,
            sigid: "S".into(),
            classification: "".into(),
            priority: 2,
            message: "m".into(),
            extra_message: "".into(),
            status: "".into(),
            ext: Default::default(),
        };
        h.add_alert(&alert).unwrap();
    }

    #[test]
    fn alert_times_follow_the_flow_and_never_pass_the_latest_packet() {
        let (h, rx) = host();
        h.shared
            .latest_packet_micros
            .store(100_000_000, Ordering::Relaxed);
        // The event being handled: a flush at 160 s, after the last packet.
        h.me.set_now(Timestamp::from_micros(160_000_000));
        let mut flow =
            weir_plugin_api::testing::flow_record("f", 6, ("10.0.0.1", 1), ("10.0.0.2", 2));
        flow.last_ts = Timestamp::from_micros(90_000_000);
        raise(&h, Some(&flow));
        // Without a flow: the event's time, cut to the latest packet.
        raise(&h, None);
        // A record the plugin built without a time: as without a flow.
        flow.last_ts = Timestamp::default();
        raise(&h, Some(&flow));
        // An event before the latest packet keeps its own time.
        h.me.set_now(Timestamp::from_micros(50_000_000));
        raise(&h, None);
        let got: Vec<u64> = rx.try_iter().map(|a| a.ts.as_micros()).collect();
        assert_eq!(got, [90_000_000, 100_000_000, 100_000_000, 50_000_000]);
    }
}
