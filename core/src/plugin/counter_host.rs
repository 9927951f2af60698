//! The `counter_host` module deals with the engine side of the counter-group
//! host calls (API 1.1): the registry of counter groups plugins may feed
//! (built in and registered), the checks of each call, and the channel that
//! carries accepted updates to the coordinator's counter store.
//!
//! Calls come from any plugin thread and never block: an accepted update is
//! queued (unbounded) and merged into the store at the coordinator's next
//! marker (within a second of stream time), so it lands in the interval
//! being filled then, or, raised during a flush, in the next one.

use std::sync::{Mutex, RwLock};

use crossbeam_channel::{unbounded, Receiver, Sender};
use weir_plugin_api::{ApiError, Guid, NewCounterGroup};

use crate::counters::group::{DEFAULT_MAX_KEYS, DEFAULT_TOPPER_BUCKET_SECS, MAX_METERS};
use crate::counters::keys::KeyFormat;
use crate::counters::{GroupDef, MeterDef};

/// What a plugin fed back, on its way to the counter store.
#[derive(Debug, Clone, PartialEq)]
pub enum CounterFeedback {
    /// `update_counter` / `update_counter_raw`.
    Update {
        /// Group.
        group: Guid,
        /// Key, as the plugin wrote it.
        key: String,
        /// Meter id.
        meter: u32,
        /// Value.
        value: i64,
    },
    /// `update_key_info`.
    KeyInfo {
        /// Group.
        group: Guid,
        /// Key.
        key: String,
        /// Label.
        label: String,
        /// Description.
        description: String,
    },
    /// `set_key_attribute`.
    Attribute {
        /// Group.
        group: Guid,
        /// Key.
        key: String,
        /// Name.
        name: String,
        /// Value.
        value: String,
    },
    /// A group registered after the run started.
    NewGroup(GroupDef),
}

/// The counter groups of a run: built in, and registered by plugins.
pub struct CounterRegistry {
    /// (GUID, name, meter count) of every group.
    known: RwLock<Vec<(Guid, String, usize)>>,
    /// The groups plugins registered, in order.
    registered: Mutex<Vec<GroupDef>>,
    started: Mutex<bool>,
    tx: Sender<CounterFeedback>,
    rx: Mutex<Option<Receiver<CounterFeedback>>>,
}

impl CounterRegistry {
    /// A registry of the built-in groups `builtins`.
    pub fn new(builtins: &[GroupDef]) -> CounterRegistry {
        let (tx, rx) = unbounded();
        CounterRegistry {
            known: RwLock::new(
                builtins
                    .iter()
                    .map(|d| (d.guid, d.name.clone(), d.meters.len()))
                    .collect(),
            ),
            registered: Mutex::new(Vec::new()),
            started: Mutex::new(false),
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }

    /// Every group's (GUID, name), built in first.
    pub fn names(&self) -> Vec<(Guid, String)> {
        self.known
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(g, n, _)| (*g, n.clone()))
            .collect()
    }

    /// The groups registered before the run started; from now on a new
    /// registration reaches the store through the feedback channel.
    pub fn start(&self) -> (Vec<GroupDef>, Receiver<CounterFeedback>) {
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = true;
        let defs = self
            .registered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let rx = self
            .rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| unbounded().1);
        (defs, rx)
    }

    /// Checks and records a plugin's group.
    pub fn register(&self, group: &NewCounterGroup<'_>) -> Result<(), ApiError> {
        let name = group.name.as_str().trim();
        let meters = group.meters.as_slice();
        if name.is_empty() || meters.is_empty() || meters.len() > MAX_METERS {
            return Err(ApiError::InvalidArgument);
        }
        if meters
            .iter()
            .any(|m| !m.kind.is_known() || m.name.is_empty())
        {
            return Err(ApiError::InvalidArgument);
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        if let Some((_, existing, _)) = known.iter().find(|(g, _, _)| *g == group.guid) {
            return if existing == name {
                Ok(())
            } else {
                Err(ApiError::GroupConflict)
            };
        }
        let def = GroupDef {
            guid: group.guid,
            name: name.to_string(),
            description: group.description.as_str().to_string(),
            key_format: KeyFormat::Text,
            meters: meters
                .iter()
                .map(|m| MeterDef {
                    kind: m.kind,
                    name: m.name.as_str().to_string(),
                    units: m.units.as_str().to_string(),
                    top_n: m.top_n,
                })
                .collect(),
            topper_bucket_secs: match group.topper_bucket_secs {
                0 => DEFAULT_TOPPER_BUCKET_SECS,
                s => u64::from(s),
            },
            max_keys: DEFAULT_MAX_KEYS,
        };
        known.push((def.guid, def.name.clone(), def.meters.len()));
        drop(known);
        if *self.started.lock().unwrap_or_else(|e| e.into_inner()) {
            let _ = self.tx.send(CounterFeedback::NewGroup(def));
        } else {
            self.registered
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(def);
        }
        Ok(())
    }

    /// Checks that `group` exists (and has meter `meter`, when given).
    fn check(&self, group: Guid, meter: Option<u32>) -> Result<(), ApiError> {
        let known = self.known.read().unwrap_or_else(|e| e.into_inner());
        let Some((_, _, meters)) = known.iter().find(|(g, _, _)| *g == group) else {
            return Err(ApiError::UnknownCounterGroup);
        };
        match meter {
            Some(m) if m as usize >= *meters => Err(ApiError::UnknownMeter),
            _ => Ok(()),
        }
    }

    /// Checks a call and queues what it carries.
    pub fn feed(&self, item: CounterFeedback) -> Result<(), ApiError> {
        let (group, meter, key) = match &item {
            CounterFeedback::Update {
                group, meter, key, ..
            } => (*group, Some(*meter), key),
            CounterFeedback::KeyInfo { group, key, .. }
            | CounterFeedback::Attribute { group, key, .. } => (*group, None, key),
            CounterFeedback::NewGroup(_) => return Err(ApiError::InvalidArgument),
        };
        if key.is_empty() {
            return Err(ApiError::InvalidArgument);
        }
        self.check(group, meter)?;
        self.tx.send(item).map_err(|_| ApiError::EngineGone)
    }
}
