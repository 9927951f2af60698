//! The `info` module deals with describing a plugin library without
//! processing any packet (`weir plugin info`).
//!
//! The library goes through every check of [`Loader::load`]; its header
//! gives name, version, description, API versions and monitor kinds without
//! running plugin code. Then the constructor runs once, with an empty
//! configuration and a scratch output directory (removed afterwards), so
//! that each monitor can say what it subscribes to; a constructor that
//! refuses an empty configuration is reported, not an error. A layout
//! report goes to the system's temporary directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};
use weir_plugin_api::host::OwnedHostRef;
use weir_plugin_api::{EngineSubscription, FlowEvents, FlowSubscription, MonitorKind};

use super::instance::session_group;
use super::{Feedback, InstanceHost, InstanceState, LoadError, Loader};

/// What `weir plugin info` reports.
#[derive(Debug, Clone, Serialize)]
pub struct PluginReport {
    /// The library.
    pub path: String,
    /// The plugin's name.
    pub name: String,
    /// The plugin's own version.
    pub version: String,
    /// One line saying what it does.
    pub description: String,
    /// The plugin API it was built against (`1.0`).
    pub api: String,
    /// The oldest plugin API it runs on.
    pub requires: String,
    /// Monitor kinds declared in its header (`engine`, `flow`; `kind N` for
    /// kinds this weir does not know).
    pub monitors: Vec<String>,
    /// What each monitor subscribes to, by kind, when the constructor
    /// accepted an empty configuration.
    pub subscriptions: Option<Value>,
    /// Why there are no subscriptions: the constructor's reason for
    /// refusing an empty configuration.
    pub constructor_refused: Option<String>,
}

/// Checks and describes the plugin at `path`.
pub fn inspect(path: &Path) -> Result<PluginReport, LoadError> {
    // A layout report outlives the run (the message points to it); the
    // constructor's scratch output directory does not.
    let mut loader = Loader::new(std::env::temp_dir());
    let scratch = std::env::temp_dir().join(format!("weir-plugin-info-{}", std::process::id()));
    let loaded = loader.load(path);
    let outcome = loaded.map(|plugin| {
        let mut report = PluginReport {
            path: path.display().to_string(),
            name: plugin.name().into(),
            version: plugin.version().into(),
            description: plugin.description().into(),
            api: plugin.built_against().to_string(),
            requires: plugin.requires().to_string(),
            monitors: plugin
                .monitor_kinds()
                .into_iter()
                .map(MonitorKind::name)
                .collect(),
            subscriptions: None,
            constructor_refused: None,
        };
        match subscriptions(plugin, &scratch) {
            Ok(subs) => report.subscriptions = Some(subs),
            Err(reason) => report.constructor_refused = Some(reason),
        }
        report
    });
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}

fn subscriptions(plugin: super::LoadedPlugin, scratch: &Path) -> Result<Value, String> {
    std::fs::create_dir_all(scratch)
        .map_err(|e| format!("cannot make {}: {e}", scratch.display()))?;
    // Alerts raised by the constructor go nowhere: the receiver is dropped.
    let (alerts, _) = crossbeam_channel::bounded(1);
    let (artifacts, _) = crossbeam_channel::bounded(1);
    let feedback = Feedback::new(PathBuf::from(scratch), alerts, artifacts);
    let host = OwnedHostRef::new(InstanceHost::new(
        Arc::clone(&feedback),
        InstanceState::new(plugin.name().into(), 0),
    ));
    let mut monitors = plugin.new_instance("{}", host)?;
    let mut subs = serde_json::Map::new();
    if let Some(m) = &mut monitors.engine {
        subs.insert("engine".into(), engine_json(&m.subscription()?));
    }
    if let Some(m) = &mut monitors.flow {
        subs.insert("flow".into(), flow_json(&m.subscription()?));
    }
    if let Some(m) = &mut monitors.counter_group {
        subs.insert("counter-group".into(), counter_json(&m.subscription()?));
    }
    if let Some(m) = &mut monitors.resource {
        subs.insert("resource".into(), artifact_json(&m.subscription()?));
    }
    if let Some(m) = &mut monitors.fts {
        subs.insert("fts".into(), artifact_json(&m.subscription()?));
    }
    if let Some(t) = &mut monitors.flow_tracker {
        let i = t.info()?;
        subs.insert(
            "flow-tracker".into(),
            json!({
                "name": i.name.as_str(),
                "description": i.description.as_str(),
                "bucket_secs": if i.bucket_secs == 0 { 300 } else { i.bucket_secs },
                "count": if i.count == 0 { 100 } else { i.count },
                "metronome": i.metronome,
            }),
        );
    }
    let groups: Vec<String> = feedback
        .counters
        .names()
        .iter()
        .skip(crate::counters::Builtin::ALL.len())
        .map(|(g, n)| format!("{n} {g}"))
        .collect();
    if !groups.is_empty() {
        subs.insert("registers".into(), json!(groups));
    }
    feedback.close();
    Ok(Value::Object(subs))
}

fn artifact_json(s: &weir_plugin_api::ArtifactSubscription) -> Value {
    use weir_plugin_api::ArtifactEvents as E;
    let names: Vec<&str> = [
        (E::NEW, "new"),
        (E::FLUSH, "flush"),
        (E::FLUSH_FILTER, "filter"),
        (E::METRONOME, "metronome"),
    ]
    .iter()
    .filter(|(e, _)| s.events.contains(*e))
    .map(|(_, n)| *n)
    .collect();
    json!({
        "groups": s.guids.iter().map(|g| g.to_string()).collect::<Vec<_>>(),
        "name_match": s.name_match.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        "callbacks": names,
    })
}

fn engine_json(s: &EngineSubscription) -> Value {
    json!({ "flush": s.flush, "metronome": s.metronome })
}

fn flow_json(s: &FlowSubscription) -> Value {
    let names = [
        (FlowEvents::NEW_FLOW, "new_flow"),
        (FlowEvents::UPDATE, "update"),
        (FlowEvents::TERMINATE, "terminate"),
        (FlowEvents::FLUSH, "flush"),
        (FlowEvents::METRONOME, "metronome"),
    ];
    let events: Vec<&str> = names
        .iter()
        .filter(|(e, _)| s.events.contains(*e))
        .map(|(_, n)| *n)
        .collect();
    let group = match session_group(s) {
        Ok(g) => {
            let groups = weir_plugin_api::guid::BUILTIN_SESSION_GROUPS;
            let name = groups
                .iter()
                .find(|(id, _)| *id == g)
                .map_or("", |(_, n)| n);
            format!("{name} {g}")
        }
        Err(e) => format!("none: {e}"),
    };
    json!({ "session_group": group, "events": events, "flush_filter": s.filter })
}

fn counter_json(s: &weir_plugin_api::CounterSubscription) -> Value {
    use weir_plugin_api::CounterEvents as C;
    let names = [
        (C::NEW_KEY, "new_key"),
        (C::UPDATE, "update"),
        (C::FLUSH, "flush"),
        (C::FLUSH_FILTER, "flush_filter"),
        (C::TOPPER_FLUSH, "topper_flush"),
        (C::TOPPER_FILTER, "topper_filter"),
        (C::METRONOME, "metronome"),
    ];
    let events: Vec<&str> = names
        .iter()
        .filter(|(e, _)| s.events.contains(*e))
        .map(|(_, n)| *n)
        .collect();
    let guids: Vec<String> = s.guids.iter().map(|g| g.to_string()).collect();
    let names_: Vec<&str> = s.name_match.iter().map(|n| n.as_str()).collect();
    json!({
        "guids": guids,
        "name_match": names_,
        "name_regex": s.name_regex.as_str(),
        "events": events,
    })
}

impl PluginReport {
    /// The report as text, one `key  value` line each.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<14} {v}\n"));
        line("plugin", &format!("{} {}", self.name, self.version));
        line("description", &self.description);
        line("file", &self.path);
        line("built against", &format!("plugin API {}", self.api));
        line(
            "runs on",
            &format!(
                "plugin API {} and later {}.x",
                self.requires,
                self.requires.split('.').next().unwrap_or("1")
            ),
        );
        line("monitors", &self.monitors.join(", "));
        match (&self.subscriptions, &self.constructor_refused) {
            (Some(Value::Object(subs)), _) => {
                for (kind, sub) in subs {
                    if kind == "registers" {
                        line("registers", &sub.to_string());
                    } else {
                        line(&format!("{kind} listens"), &sub.to_string());
                    }
                }
            }
            (_, Some(reason)) => line(
                "subscriptions",
                &format!("not shown: the constructor refused an empty configuration: {reason}"),
            ),
            _ => {}
        }
        out
    }
}
