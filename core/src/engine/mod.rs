//! The `engine` module deals with running the whole pipeline over a packet
//! source. See `docs/ARCHITECTURE.md` for the picture; in short:
//!
//! ```text
//! caller's thread: source -> decode -> stream clock -> shard by flow hash
//!     -> worker threads (own a FlowTable each) -> coordinator thread
//!     (barrier at markers, flush sequence, flows.ndjson) -> one thread and
//!     bounded queue per plugin instance;  alert writer thread (alerts.ndjson)
//! ```
//!
//! Packet workers never call plugins. Reading files is lossless: every queue
//! is bounded and a full one blocks its producer, so a slow plugin slows the
//! run down to its pace and loses nothing. A live source
//! ([`PacketSource::is_live`]) turns that around: a full plugin queue drops
//! the event (counted per instance), the flush does not wait at its barriers
//! and waits [`coordinator::LIVE_VOTE_WAIT`] at most for votes, so capture
//! never waits for a plugin.

pub mod capture_log;
pub mod clock;
pub mod coordinator;
pub mod counter_flush;
pub mod reader;
pub mod reassembly;
pub mod summary;
pub mod worker;

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use weir_plugin_api::host::OwnedHostRef;
use weir_plugin_api::objects::InstanceMonitors;
use weir_plugin_api::{FlowEvents, HostHandle};

use crate::counters::builtin::{self, Builtin};
use crate::counters::metering::Meters;
use crate::counters::{CounterStore, GroupDef, GroupOptions, HomeNets};
use crate::flow::FlowTableConfig;
use crate::output::alerts::AlertRow;
use crate::output::counters::CounterOutput;
use crate::output::flows::FlowWriter;
use crate::plugin::{
    Feedback, InstanceHost, InstanceState, InstanceStats, Loader, PluginSpec, RunningInstance,
    DEFAULT_QUEUE_DEPTH,
};
use crate::source::PacketSource;
use coordinator::Coordinator;
pub use summary::{CaptureSummary, CounterGroupSummary, PluginSummary, RunSummary, TopKey};
use worker::WorkerIn;

/// Engine settings. Defaults: 60 s intervals, 120 s idle timeout, 300 s active
/// flush, 1,000,000 flows per worker, 1 worker, 1024-event plugin queues.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Interval length in seconds (flushes happen at multiples of it).
    pub interval_secs: u64,
    /// Idle timeout of a flow, seconds of stream time.
    pub idle_timeout_secs: u64,
    /// Interim record period of a live flow, seconds.
    pub active_timeout_secs: u64,
    /// Flow table capacity per worker (least recently active flows are evicted beyond it).
    pub max_flows_per_worker: usize,
    /// Packet worker threads (flows are sharded over them by a symmetric hash).
    pub workers: usize,
    /// Output directory (created if missing).
    pub out_dir: PathBuf,
    /// Default queue depth of a plugin instance, in events.
    pub queue_depth: usize,
    /// A plugin callback running longer than this is abandoned and its instance
    /// disabled (the watchdog); `None` waits forever. Default 60 s.
    pub callback_timeout: Option<std::time::Duration>,
    /// Home networks (Internal/External Hosts, directions). Default: the
    /// private and link-local ranges ([`HomeNets::DEFAULT`]).
    pub home_nets: HomeNets,
    /// Key cap of every counter group per interval, unless a group's own
    /// option says otherwise. Default 250,000.
    pub max_keys: usize,
    /// Per-group options (`--counter-group`), applied in order.
    pub counter_groups: Vec<GroupOptions>,
    /// Raised (by a signal handler, or any thread of an embedding program)
    /// to stop reading: everything read so far is flushed, plugins drain,
    /// and the run returns as at the end of its input. `None`: never.
    pub stop: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// IP reassembly bounds; `None` turns reassembly off (fragments then
    /// count as they come: the first in its 5-tuple flow, later ones in the
    /// port-less flow of the IP pair).
    pub reassembly: Option<reassembly::Limits>,
    /// The application layer (TCP reassembly, HTTP, resources, FTS
    /// documents); `None` turns it off (no TCP payload leaves the reader).
    pub app: Option<crate::app::AppConfig>,
}

impl EngineConfig {
    /// Defaults writing into `out_dir`.
    pub fn new(out_dir: impl Into<PathBuf>) -> EngineConfig {
        EngineConfig {
            interval_secs: 60,
            idle_timeout_secs: 120,
            active_timeout_secs: 300,
            max_flows_per_worker: 1_000_000,
            workers: 1,
            out_dir: out_dir.into(),
            queue_depth: DEFAULT_QUEUE_DEPTH,
            callback_timeout: Some(std::time::Duration::from_secs(60)),
            home_nets: HomeNets::default(),
            max_keys: crate::counters::group::DEFAULT_MAX_KEYS,
            counter_groups: Vec::new(),
            stop: None,
            reassembly: Some(reassembly::Limits::default()),
            app: Some(crate::app::AppConfig::default()),
        }
    }

    /// The built-in counter groups with this configuration's cap and options
    /// applied; an option naming no group is an error that names it.
    pub fn counter_group_defs(&self) -> Result<Vec<GroupDef>, EngineError> {
        self.counter_group_defs_with(Vec::new())
    }

    /// [`EngineConfig::counter_group_defs`] followed by `registered` (the
    /// plugins' groups), with the options applied to all.
    pub fn counter_group_defs_with(
        &self,
        registered: Vec<GroupDef>,
    ) -> Result<Vec<GroupDef>, EngineError> {
        let mut defs = builtin::definitions();
        defs.extend(registered);
        for d in &mut defs {
            d.max_keys = self.max_keys.max(1);
        }
        for opt in &self.counter_groups {
            let mut hit = false;
            for d in defs.iter_mut().filter(|d| opt.names(d)) {
                opt.apply(d);
                hit = true;
            }
            if !hit {
                let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
                return Err(EngineError::CounterGroup(format!(
                    "--counter-group {:?}: no counter group has that name or GUID (groups: {})",
                    opt.group,
                    names.join(", ")
                )));
            }
        }
        Ok(defs)
    }
}

/// Why the engine could not start or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The output directory or files could not be created.
    #[error("output {path}: {source}")]
    Output {
        /// The path.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// A plugin library was refused.
    #[error(transparent)]
    Load(#[from] crate::plugin::LoadError),
    /// A plugin refused its configuration or failed to start.
    #[error("{path}: plugin refused to start: {reason}")]
    PluginRefused {
        /// The library (or `<static>`).
        path: String,
        /// Its reason.
        reason: String,
    },
    /// A host option (`weir.*` key) in a plugin's config is invalid.
    #[error("{path}: {reason}")]
    HostOption {
        /// The library.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A thread could not be started.
    #[error("cannot start thread: {0}")]
    Thread(String),
    /// A counter-group option names no group.
    #[error("{0}")]
    CounterGroup(String),
}

/// The engine: configure, add plugins, run once over a source.
pub struct Engine {
    cfg: EngineConfig,
    feedback: Arc<Feedback>,
    alerts_rx: Receiver<AlertRow>,
    artifacts_rx: Receiver<crate::artifacts::Artifact>,
    instances: Vec<RunningInstance>,
    loader: Loader,
    per_plugin: HashMap<String, u32>,
}

impl Engine {
    /// Creates the output directory and an engine with no plugins.
    pub fn new(cfg: EngineConfig) -> Result<Engine, EngineError> {
        std::fs::create_dir_all(&cfg.out_dir).map_err(|source| EngineError::Output {
            path: cfg.out_dir.clone(),
            source,
        })?;
        let (alerts_tx, alerts_rx) = unbounded();
        let (artifacts_tx, artifacts_rx) = unbounded();
        let feedback = Feedback::new(cfg.out_dir.clone(), alerts_tx, artifacts_tx);
        let loader = Loader::new(cfg.out_dir.clone());
        Ok(Engine {
            cfg,
            feedback,
            alerts_rx,
            artifacts_rx,
            instances: Vec::new(),
            loader,
            per_plugin: HashMap::new(),
        })
    }

    /// Loads a plugin library and starts one instance with the spec's config.
    ///
    /// Config keys starting with `weir.` are options for the engine, removed
    /// before the plugin sees the config: `weir.queue` sets this instance's
    /// queue depth (events).
    pub fn load_plugin(&mut self, spec: &PluginSpec) -> Result<(), EngineError> {
        let path = spec.path.display().to_string();
        let plugin = self.loader.load(&spec.path)?;
        let mut config = spec.config.clone();
        let queue_depth = take_queue_option(&mut config, &path)?.unwrap_or(self.cfg.queue_depth);
        let state = self.next_state(plugin.name());
        let host = OwnedHostRef::new(InstanceHost::new(self.feedback.clone(), state.clone()));
        let json = serde_json::Value::Object(config).to_string();
        let monitors =
            plugin
                .new_instance(&json, host)
                .map_err(|reason| EngineError::PluginRefused {
                    path: path.clone(),
                    reason,
                })?;
        for kind in &monitors.ignored {
            crate::diag::line(format_args!(
                "weir: {path}: plugin {} (built against plugin API {}) returned a {} monitor, unknown to this weir's plugin API {}: it will not run",
                state.label(),
                plugin.built_against(),
                kind.name(),
                weir_plugin_api::API_VERSION,
            ));
        }
        self.start(state, path, monitors, queue_depth)
    }

    /// Adds an in-process plugin built from the same traits (for embedding).
    ///
    /// `make` receives the instance's host handle, as a dylib constructor
    /// would; its monitors go through the same call tables as a dylib's.
    pub fn add_static_plugin(
        &mut self,
        name: &str,
        make: impl FnOnce(HostHandle) -> weir_plugin_api::Monitors,
    ) -> Result<(), EngineError> {
        let state = self.next_state(name);
        let host = HostHandle::new(InstanceHost::new(self.feedback.clone(), state.clone()));
        let monitors = InstanceMonitors::from_monitors(make(host)).map_err(|e| {
            EngineError::PluginRefused {
                path: "<static>".into(),
                reason: e.to_string(),
            }
        })?;
        let depth = self.cfg.queue_depth;
        self.start(state, "<static>".to_string(), monitors, depth)
    }

    fn next_state(&mut self, name: &str) -> Arc<InstanceState> {
        let n = self.per_plugin.entry(name.to_string()).or_insert(0);
        let state = InstanceState::new(name.to_string(), *n);
        *n += 1;
        state
    }

    fn start(
        &mut self,
        state: Arc<InstanceState>,
        path: String,
        monitors: InstanceMonitors,
        depth: usize,
    ) -> Result<(), EngineError> {
        let inst = RunningInstance::start(state, path.clone(), monitors, depth)
            .map_err(|reason| EngineError::PluginRefused { path, reason })?;
        self.instances.push(inst);
        Ok(())
    }

    /// Reads `source` to its end, then flushes everything and waits until
    /// every plugin has handled every event.
    pub fn run(self, source: &mut dyn PacketSource) -> Result<RunSummary, EngineError> {
        let started = Instant::now();
        let Engine {
            cfg,
            feedback,
            alerts_rx,
            artifacts_rx,
            instances,
            ..
        } = self;
        let n = cfg.workers.max(1);
        let live = source.is_live();
        let capture_stats = source.capture_stats();
        let mut wanted = FlowEvents(0);
        for inst in &instances {
            if let Some(s) = inst.flow_sub {
                wanted = wanted | s.events;
            }
        }

        let out_file = |name: &str| {
            let path = cfg.out_dir.join(name);
            File::create(&path)
                .map(BufWriter::new)
                .map_err(|source| EngineError::Output { path, source })
        };
        let flows_file = out_file("flows.ndjson")?;
        let alerts_file = out_file("alerts.ndjson")?;
        let counter_out = CounterOutput::new(
            Box::new(out_file("counters.ndjson")?),
            Box::new(out_file("toppers.ndjson")?),
        );
        let (registered, counter_feedback) = feedback.counters.start();
        let all_defs = cfg.counter_group_defs_with(registered)?;
        let builtin_count = Builtin::ALL.len();
        let defs: Vec<GroupDef> = all_defs[..builtin_count].to_vec();
        let mut instances = instances;
        for inst in instances.iter_mut() {
            inst.set_lossy(live);
        }
        let tracked = counter_flush::resolve_counter_subscriptions(&mut instances, &all_defs)?;
        resolve_artifact_subscriptions(&mut instances, &feedback.artifact_groups)?;
        let artifacts = crate::artifacts::ArtifactStream::new(
            feedback.artifact_groups.clone(),
            crate::artifacts::ArtifactOutputs {
                resources: Box::new(out_file("resources.ndjson")?),
                fts: Box::new(out_file("fts.ndjson")?),
            },
            artifacts_rx,
        );
        let trackers_file = out_file("flowtrackers.ndjson")?;
        let trackers = Arc::new(std::sync::Mutex::new(
            crate::plugin::counter_dispatch::TrackerOutput::new(Box::new(trackers_file)),
        ));
        let home = Arc::new(cfg.home_nets.clone());
        let every_tick = !tracked.is_empty();

        let stream_budget =
            crate::stream::MemoryBudget::new(cfg.app.as_ref().map_or(0, |a| a.memory_cap));
        let mut worker_in: Vec<Sender<WorkerIn>> = Vec::new();
        let mut worker_out = Vec::new();
        let mut tag_routes = Vec::new();
        let mut worker_threads = Vec::new();
        for w in 0..n {
            let (in_tx, in_rx) = bounded(64);
            let (out_tx, out_rx) = bounded(64);
            let (tag_tx, tag_rx) = unbounded();
            let table_cfg = FlowTableConfig {
                idle_timeout_secs: cfg.idle_timeout_secs,
                active_timeout_secs: cfg.active_timeout_secs,
                max_flows: cfg.max_flows_per_worker,
                worker: w as u8,
                events: wanted,
            };
            let meters = Meters::new(&defs, home.clone());
            let app = cfg
                .app
                .clone()
                .map(|a| crate::app::AppLayer::new(a, stream_budget.clone()));
            let t = std::thread::Builder::new()
                .name(format!("worker-{w}"))
                .spawn(move || {
                    worker::run(table_cfg, meters, every_tick, in_rx, out_tx, tag_rx, app)
                })
                .map_err(|e| EngineError::Thread(e.to_string()))?;
            worker_in.push(in_tx);
            worker_out.push(out_rx);
            tag_routes.push(tag_tx);
            worker_threads.push(t);
        }
        feedback.set_tag_routes(tag_routes);

        let alert_writer = std::thread::Builder::new()
            .name("alerts".into())
            .spawn(move || crate::output::alerts::write_all(alerts_rx, alerts_file))
            .map_err(|e| EngineError::Thread(e.to_string()))?;

        let watched: Vec<(String, Arc<InstanceStats>)> = instances
            .iter()
            .map(|i| (i.state.label(), i.stats.clone()))
            .collect();
        let watchdog = cfg
            .callback_timeout
            .map(|limit| Watchdog::start(watched, limit));

        let coordinator = Coordinator {
            workers: worker_out,
            instances,
            flows: FlowWriter::new(flows_file),
            counters: {
                let mut store = CounterStore::new(
                    all_defs,
                    cfg.interval_secs,
                    &[
                        Builtin::Hosts.index(),
                        Builtin::HostsIpv6.index(),
                        Builtin::Apps.index(),
                    ],
                );
                for &g in &tracked {
                    store.track(g);
                }
                store
            },
            counter_out,
            counter_feedback,
            tracked,
            trackers: trackers.clone(),
            artifacts,
            interval_secs: cfg.interval_secs,
            live,
            capture_log: match &capture_stats {
                Some(read) => Some(capture_log::CaptureLog::new(
                    read.clone(),
                    Box::new(out_file("capture.ndjson")?),
                )),
                None => None,
            },
        };
        let coord = std::thread::Builder::new()
            .name("coordinator".into())
            .spawn(move || coordinator.run())
            .map_err(|e| EngineError::Thread(e.to_string()))?;

        let read = reader::read_all(
            source,
            cfg.interval_secs,
            worker_in,
            cfg.stop.as_deref(),
            cfg.reassembly,
            cfg.app.is_some(),
            &feedback.latest_packet_micros,
        );
        let mut summary = RunSummary {
            workers: n,
            packets: read.packets,
            bytes: read.bytes,
            non_ip: read.non_ip,
            warnings: read.warnings,
            error: read.error,
            stopped_early: read.stopped,
            packets_behind_clock: read.backwards.packets,
            clock_warnings: read.clock_warnings,
            max_behind_clock_secs: read.backwards.max_behind_us as f64 / 1e6,
            skipped_blocks: read.skipped_blocks,
            ..RunSummary::default()
        };

        let end = coord
            .join()
            .map_err(|_| EngineError::Thread("coordinator failed".into()))?;
        let coordinator::CoordinatorEnd {
            mut instances,
            stats: cstats,
            mut counters,
            mut counter_out,
            counter_feedback,
            capture_log,
            mut artifacts,
        } = end;
        for (w, t) in worker_threads.into_iter().enumerate() {
            if let Err(payload) = t.join() {
                let msg = weir_plugin_api::guard::panic_message(&*payload);
                summary
                    .error
                    .get_or_insert(format!("packet worker {w} failed: {msg}"));
            }
        }
        for inst in instances.iter_mut() {
            inst.finish();
        }
        // What plugins fed back while draining lands in one more interval
        // (no plugin sees it: they are done).
        if counter_flush::apply_feedback(&mut counters, &counter_feedback) > 0 {
            let last = read.clock.final_boundary().unwrap_or(0);
            counters.flush(last + cfg.interval_secs, true, &mut counter_out);
        }
        counter_out.flush();
        // Resources and documents added while the plugins drained are
        // written in one more interval (no plugin sees them).
        artifacts.take_feedback();
        if artifacts.has_items() {
            let last = read.clock.final_boundary().unwrap_or(0);
            artifacts.flush(
                weir_plugin_api::Timestamp::from_secs(last + 2 * cfg.interval_secs),
                &[],
                false,
            );
        }
        artifacts.finish();
        let keyinfo_error = counter_flush::write_keyinfo(&cfg.out_dir, &counters).err();
        let (tracker_lines, tracker_error) = {
            let mut t = trackers.lock().unwrap_or_else(|e| e.into_inner());
            t.flush();
            (t.lines, t.error.take())
        };
        let _ = tracker_lines;
        drop(watchdog);
        feedback.close();
        let (alerts, alert_error) = alert_writer
            .join()
            .unwrap_or((0, Some("alert writer failed".into())));

        summary.decode_errors = read
            .decode_errors
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        summary.tunnelled_packets = read.tunnelled;
        summary.artifacts = artifacts.stats();
        summary.extract = cfg
            .app
            .as_ref()
            .and_then(|a| a.http_cfg.extract.as_ref())
            .map(|x| x.stats());
        if cfg.app.is_some() {
            summary.tcp_reassembly = Some(cstats.app.stream);
            summary.http = Some(summary::HttpSummary {
                sessions: cstats.app.http_sessions,
                undetected_flows: cstats.app.undetected_flows,
                stats: cstats.app.http.clone(),
            });
            summary.ssh = Some(summary::SshSummary {
                sessions: cstats.app.ssh_sessions,
                stats: cstats.app.ssh.clone(),
            });
            summary.tls = Some(summary::TlsSummary {
                sessions: cstats.app.tls_sessions,
                x509_errors: cstats.app.x509_errors,
                stats: cstats.app.tls.clone(),
            });
            summary.dns = Some(cstats.app.dns.clone());
        }
        summary.reassembly = summary::ReassemblySummary::of(&read.reassembly);
        summary.tunnel_errors = read
            .tunnel_errors
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        summary.flows = cstats.tables.iter().map(|t| t.flows_created).sum();
        summary.flows_timed_out = cstats.tables.iter().map(|t| t.timed_out).sum();
        summary.flows_evicted = cstats.tables.iter().map(|t| t.evicted).sum();
        summary.flow_records = cstats.flow_records;
        summary.flow_records_dropped = cstats.flow_records_dropped;
        summary.flushes = cstats.flushes;
        summary.metronome_ticks = read.clock.ticks();
        summary.alerts = alerts;
        summary.first_ts = read.first_ts.map(|t| t.to_string());
        summary.last_ts = read.clock.now().map(|t| t.to_string());
        summary.counter_groups = counters
            .stats()
            .into_iter()
            .map(|(def, st)| CounterGroupSummary {
                guid: def.guid.to_string(),
                name: def.name.clone(),
                keys: st.max_keys,
                rows: st.rows,
                dropped_updates: st.dropped_updates,
                dropped_keys: st.dropped_keys,
            })
            .collect();
        let top = |groups: &[Builtin]| {
            let mut all: Vec<TopKey> = groups
                .iter()
                .flat_map(|g| counters.run_top(g.index(), 10))
                .map(|t| TopKey {
                    key: t.key,
                    label: t.label,
                    bytes: t.value,
                })
                .collect();
            all.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.key.cmp(&b.key)));
            all.truncate(10);
            all
        };
        summary.top_hosts = top(&[Builtin::Hosts, Builtin::HostsIpv6]);
        summary.top_apps = top(&[Builtin::Apps]);
        if let Some(read) = &capture_stats {
            let interfaces = read();
            summary.capture = Some(CaptureSummary {
                received: interfaces.iter().map(|s| s.received).sum(),
                kernel_dropped: interfaces.iter().map(|s| s.kernel_dropped).sum(),
                queue_dropped: instances
                    .iter()
                    .map(|i| i.stats.dropped.load(Ordering::Relaxed))
                    .sum(),
                interfaces,
            });
        }
        for io in [
            capture_log.and_then(|l| l.error),
            counter_out.error.take(),
            artifacts.error(),
            keyinfo_error,
            tracker_error,
            cstats.io_error.map(|e| format!("flows.ndjson: {e}")),
            alert_error.map(|e| format!("alerts.ndjson: {e}")),
        ]
        .into_iter()
        .flatten()
        {
            summary.error.get_or_insert(io);
        }
        summary.plugins = instances
            .iter()
            .map(|i| PluginSummary {
                name: i.state.plugin.clone(),
                instance: i.state.instance,
                path: i.path.clone(),
                events: i.stats.callbacks.load(Ordering::Relaxed),
                backpressure: i.stats.backpressure.load(Ordering::Relaxed),
                dropped_events: i.stats.dropped.load(Ordering::Relaxed),
                alerts: i.state.alerts.load(Ordering::Relaxed),
                refused_calls: i.state.refused.load(Ordering::Relaxed),
                disabled: i.stats.disabled.load(Ordering::Relaxed),
                errors: i.stats.errors.lock().map(|e| e.clone()).unwrap_or_default(),
                ignored_monitors: i.ignored_monitors.clone(),
            })
            .collect();
        drop(instances);
        summary.elapsed_secs = started.elapsed().as_secs_f64();
        Ok(summary)
    }
}

/// Resolves each resource and FTS monitor's subscription against the
/// groups known when the run starts and tells its instance the result; a
/// subscription that matches nothing stops the run, naming the plugin.
fn resolve_artifact_subscriptions(
    instances: &mut [RunningInstance],
    groups: &crate::artifacts::ArtifactGroups,
) -> Result<(), EngineError> {
    use crate::artifacts::GroupKind;
    for inst in instances.iter_mut() {
        let refuse = |monitor: &str, reason: String| EngineError::PluginRefused {
            path: inst.path.clone(),
            reason: format!("{monitor} monitor {reason}"),
        };
        let named =
            |kind, guids: &[weir_plugin_api::Guid]| -> Vec<(weir_plugin_api::Guid, String)> {
                guids
                    .iter()
                    .map(|g| (*g, groups.name(kind, g).unwrap_or_default()))
                    .collect()
            };
        if let Some(sub) = &inst.resource_sub {
            inst.resource_groups = groups
                .resolve(GroupKind::Resource, sub)
                .map_err(|e| refuse("resource", e))?;
        }
        if let Some(sub) = &inst.fts_sub {
            inst.fts_groups = groups
                .resolve(GroupKind::Fts, sub)
                .map_err(|e| refuse("FTS", e))?;
        }
        if inst.resource_sub.is_some() || inst.fts_sub.is_some() {
            inst.send(crate::plugin::PluginEvent::Artifact(
                crate::plugin::artifact_dispatch::ArtifactEvent::Subscribed {
                    resource: named(GroupKind::Resource, &inst.resource_groups),
                    fts: named(GroupKind::Fts, &inst.fts_groups),
                },
            ));
        }
    }
    Ok(())
}

fn take_queue_option(
    config: &mut serde_json::Map<String, serde_json::Value>,
    path: &str,
) -> Result<Option<usize>, EngineError> {
    let unknown: Vec<String> = config
        .keys()
        .filter(|k| k.starts_with("weir.") && *k != "weir.queue")
        .cloned()
        .collect();
    if let Some(k) = unknown.first() {
        return Err(EngineError::HostOption {
            path: path.into(),
            reason: format!("unknown engine option {k:?} (known: weir.queue)"),
        });
    }
    let Some(v) = config.remove("weir.queue") else {
        return Ok(None);
    };
    let n = match &v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    match n {
        Some(n) if n >= 1 => Ok(Some(n as usize)),
        _ => Err(EngineError::HostOption {
            path: path.into(),
            reason: format!("weir.queue must be a whole number >= 1, got {v}"),
        }),
    }
}

/// Disables instances whose callback does not return within the limit, so
/// that one broken plugin cannot stall the run. Stops when dropped.
struct Watchdog {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(watched: Vec<(String, Arc<InstanceStats>)>, limit: std::time::Duration) -> Watchdog {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let period = (limit / 10).clamp(
            std::time::Duration::from_millis(10),
            std::time::Duration::from_millis(500),
        );
        let thread = std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || {
                while !flag.load(Ordering::Acquire) {
                    for (label, stats) in &watched {
                        if let Some(callback) = stats.stuck_in(limit) {
                            stats.mark_hung(label, callback, limit);
                        }
                    }
                    std::thread::park_timeout(period);
                }
            })
            .ok();
        Watchdog { stop, thread }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
