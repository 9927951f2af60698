//! weir plugin `testkit`: a test-only plugin whose behaviour is set by its
//! configuration, for the engine's end-to-end tests. Not a sample.
//!
//! Every instance has an engine monitor (subscribed to the flush brackets and
//! the metronome) and a flow monitor (subscribed to every callback and the
//! flush filter). The keys, all optional:
//!
//! | key | effect |
//! |---|---|
//! | `panic_in=<callback>` | panics with `testkit panic in <callback>` the first time that callback runs (see [`Callback`]; `constructor` panics inside the constructor) |
//! | `hang_in=<callback>` | never returns from that callback (the first time it runs): for the engine's watchdog |
//! | `sleep_ms=<n>` | sleeps `n` ms in every `on_flush` and `on_new_flow` |
//! | `record=<path>` | appends one line per callback received to `path` (see [`Recorder`]) |
//! | `vote=<keep\|drop\|abstain>` | `flush_filter` returns this vote (for flows matching `vote_port`, if given; `Abstain` for the others) |
//! | `vote_port=<n>` | restricts `vote` to flows with `a_port == n` or `z_port == n` (needs `vote`) |
//! | `echo_config=<path>` | writes the configuration object it received, as JSON, to `path` at construction |
//! | `refuse=<reason>` | the constructor returns `Err(reason)` |
//! | `tag=<text>` | `on_new_flow` tags the flow with `text` through the host |
//! | `group=<name>` | the flow monitor attaches to the session group by name instead of GUID |
//! | `end_alert=<sigid>` | the engine monitor's `on_end_flush` raises an alert without a flow in the System group, signature `sigid` |
//!
//! Any other key makes the constructor fail with a reason naming it.
//!
//! Order inside the constructor: the keys are checked, then `echo_config` is
//! written, then `refuse`, then `panic_in=constructor` apply, then the record
//! file is opened. Order inside a callback: the record line is written first,
//! then the configured panic fires, then the sleep, then the callback's own
//! work (tag, vote).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weir_plugin_api::{
    export_plugin, Config, EngineMonitor, EngineSubscription, FlowEvents, FlowMonitor, FlowRecord,
    FlowSubscription, HostHandle, LogLevel, Monitors, Timestamp, Vote,
};

/// The configuration keys testkit accepts.
pub const CONFIG_KEYS: &[&str] = &[
    "panic_in",
    "hang_in",
    "sleep_ms",
    "record",
    "vote",
    "vote_port",
    "echo_config",
    "refuse",
    "tag",
    "group",
    "end_alert",
];

/// A place where `panic_in` can make the plugin panic.
///
/// The flow monitor's callbacks go by their method names. The engine
/// monitor's three callbacks are named `engine_on_begin_flush`,
/// `engine_on_end_flush` and `engine_on_metronome`, so that `on_begin_flush`,
/// `on_end_flush` and `on_metronome` always mean the flow monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// Inside the constructor.
    Constructor,
    /// `FlowMonitor::on_new_flow`.
    NewFlow,
    /// `FlowMonitor::on_update`.
    Update,
    /// `FlowMonitor::on_terminate`.
    Terminate,
    /// `FlowMonitor::on_begin_flush`.
    BeginFlush,
    /// `FlowMonitor::flush_filter`.
    FlushFilter,
    /// `FlowMonitor::on_flush`.
    Flush,
    /// `FlowMonitor::on_end_flush`.
    EndFlush,
    /// `FlowMonitor::on_metronome`.
    Metronome,
    /// `EngineMonitor::on_begin_flush`.
    EngineBeginFlush,
    /// `EngineMonitor::on_end_flush`.
    EngineEndFlush,
    /// `EngineMonitor::on_metronome`.
    EngineMetronome,
}

impl Callback {
    /// Every callback, in declaration order.
    pub const ALL: [Callback; 12] = [
        Callback::Constructor,
        Callback::NewFlow,
        Callback::Update,
        Callback::Terminate,
        Callback::BeginFlush,
        Callback::FlushFilter,
        Callback::Flush,
        Callback::EndFlush,
        Callback::Metronome,
        Callback::EngineBeginFlush,
        Callback::EngineEndFlush,
        Callback::EngineMetronome,
    ];

    /// The name used by `panic_in` and in the panic message.
    pub fn name(self) -> &'static str {
        match self {
            Callback::Constructor => "constructor",
            Callback::NewFlow => "on_new_flow",
            Callback::Update => "on_update",
            Callback::Terminate => "on_terminate",
            Callback::BeginFlush => "on_begin_flush",
            Callback::FlushFilter => "flush_filter",
            Callback::Flush => "on_flush",
            Callback::EndFlush => "on_end_flush",
            Callback::Metronome => "on_metronome",
            Callback::EngineBeginFlush => "engine_on_begin_flush",
            Callback::EngineEndFlush => "engine_on_end_flush",
            Callback::EngineMetronome => "engine_on_metronome",
        }
    }

    /// The callback called `name`.
    pub fn from_name(name: &str) -> Option<Callback> {
        Callback::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// The parsed configuration of one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `panic_in`.
    pub panic_in: Option<Callback>,
    /// `hang_in`.
    pub hang_in: Option<Callback>,
    /// `sleep_ms`.
    pub sleep: Option<Duration>,
    /// `record`.
    pub record: Option<PathBuf>,
    /// `vote`.
    pub vote: Option<Vote>,
    /// `vote_port`.
    pub vote_port: Option<u16>,
    /// `echo_config`.
    pub echo_config: Option<PathBuf>,
    /// `refuse`.
    pub refuse: Option<String>,
    /// `tag`.
    pub tag: Option<String>,
    /// `group`: attach the flow monitor to the session group of that name.
    pub group: Option<String>,
    /// `end_alert`: the signature of a flow-less alert raised at each
    /// engine end of flush.
    pub end_alert: Option<String>,
}

impl Settings {
    /// Checks and reads every key; the error is one line naming the key.
    pub fn parse(config: &Config) -> Result<Settings, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let callback = |key: &str| -> Result<Option<Callback>, String> {
            match config.str(key) {
                None => Ok(None),
                Some(name) => Callback::from_name(&name).map(Some).ok_or_else(|| {
                    let names: Vec<&str> = Callback::ALL.iter().map(|c| c.name()).collect();
                    format!(
                        "{key}: unknown callback {name:?} (known: {})",
                        names.join(", ")
                    )
                }),
            }
        };
        let panic_in = callback("panic_in")?;
        let hang_in = callback("hang_in")?;
        let sleep = config
            .u64("sleep_ms")
            .map_err(|e| e.to_string())?
            .map(Duration::from_millis);
        let vote = match config.str("vote").as_deref() {
            None => None,
            Some("keep") => Some(Vote::Keep),
            Some("drop") => Some(Vote::Drop),
            Some("abstain") => Some(Vote::Abstain),
            Some(other) => {
                return Err(format!(
                    "vote: expected keep, drop or abstain, got {other:?}"
                ))
            }
        };
        let vote_port = match config.u64("vote_port").map_err(|e| e.to_string())? {
            None => None,
            Some(_) if vote.is_none() => return Err("vote_port: needs vote".to_string()),
            Some(n) => Some(
                u16::try_from(n)
                    .map_err(|_| format!("vote_port: expected a port 0..=65535, got {n}"))?,
            ),
        };
        Ok(Settings {
            panic_in,
            hang_in,
            sleep,
            record: non_empty_path(config, "record")?,
            vote,
            vote_port,
            echo_config: non_empty_path(config, "echo_config")?,
            refuse: config.str("refuse"),
            tag: config.str("tag"),
            group: config.str("group"),
            end_alert: config.str("end_alert"),
        })
    }

    /// The flush-filter vote on `flow`.
    pub fn vote_on(&self, flow: &FlowRecord<'_>) -> Vote {
        match (self.vote, self.vote_port) {
            (None, _) => Vote::Abstain,
            (Some(vote), None) => vote,
            (Some(vote), Some(port)) if flow.a_port == port || flow.z_port == port => vote,
            (Some(_), Some(_)) => Vote::Abstain,
        }
    }
}

fn non_empty_path(config: &Config, key: &str) -> Result<Option<PathBuf>, String> {
    match config.path(key) {
        Some(p) if p.as_os_str().is_empty() => Err(format!("{key}: must not be empty")),
        other => Ok(other),
    }
}

/// Appends one line per callback to the `record` file.
///
/// The lines: `new <flowid>`, `update <flowid>`, `terminate <flowid>
/// <end_reason>`, `begin_flush <secs>`, `filter <flowid>`, `flush <flowid>
/// <end_reason>`, `end_flush <secs>`, `metronome <tick_count> <secs>` from the
/// flow monitor; `engine_begin <secs>`, `engine_end <secs>`,
/// `engine_metronome <tick_count> <secs>` from the engine monitor. End
/// reasons are `EndReason::as_str` names; seconds are stream-time seconds.
///
/// The file is opened for appending (never truncated) and written unbuffered,
/// one `write_all` per line, so it is complete at any moment and several
/// instances may share it.
pub struct Recorder {
    path: PathBuf,
    file: Mutex<File>,
    failed: AtomicBool,
    host: HostHandle,
}

impl Recorder {
    /// Opens (creates) `path` for appending.
    pub fn open(path: &Path, host: HostHandle) -> Result<Recorder, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("record: cannot open {}: {e}", path.display()))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            failed: AtomicBool::new(false),
            host,
        })
    }

    /// Appends `line` and a newline; an error is logged once.
    pub fn line(&self, line: &str) {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        // A poisoned lock only means another monitor panicked mid-call: the file is still fine.
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(text.as_bytes()) {
            if !self.failed.swap(true, Ordering::Relaxed) {
                self.host.log(
                    LogLevel::Error,
                    &format!("record: cannot write {}: {e}", self.path.display()),
                );
            }
        }
    }
}

/// State shared by the two monitors of one instance.
struct Shared {
    settings: Settings,
    recorder: Option<Recorder>,
    host: HostHandle,
}

impl Shared {
    /// Records `line` (built lazily) and panics if `callback` is `panic_in`
    /// and `fired` is still false.
    fn enter(&self, callback: Callback, fired: &mut bool, line: impl FnOnce() -> String) {
        if let Some(recorder) = &self.recorder {
            recorder.line(&line());
        }
        if self.settings.panic_in == Some(callback) && !*fired {
            *fired = true;
            panic!("testkit panic in {}", callback.name());
        }
        if self.settings.hang_in == Some(callback) {
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
    }

    fn sleep(&self) {
        if let Some(d) = self.settings.sleep {
            std::thread::sleep(d);
        }
    }
}

/// The flow monitor: every callback and the flush filter.
pub struct TestkitFlows {
    shared: Arc<Shared>,
    fired: bool,
}

impl FlowMonitor for TestkitFlows {
    fn subscription(&self) -> FlowSubscription {
        match &self.shared.settings.group {
            // A test plugin: leaking the name once per instance is fine.
            Some(name) => FlowSubscription {
                events: FlowEvents::ALL,
                filter: true,
                ..FlowSubscription::group_named(Box::leak(name.clone().into_boxed_str()))
            },
            None => FlowSubscription::everything(),
        }
    }

    fn on_new_flow(&mut self, flow: &FlowRecord<'_>) {
        self.shared.enter(Callback::NewFlow, &mut self.fired, || {
            format!("new {}", flow.id())
        });
        self.shared.sleep();
        if let Some(tag) = &self.shared.settings.tag {
            if let Err(e) = self.shared.host.tag_flow(flow.handle, tag) {
                self.shared.host.log(
                    LogLevel::Error,
                    &format!("tag_flow {tag:?} on {}: {e}", flow.id()),
                );
            }
        }
    }

    fn on_update(&mut self, flow: &FlowRecord<'_>) {
        self.shared.enter(Callback::Update, &mut self.fired, || {
            format!("update {}", flow.id())
        });
    }

    fn on_terminate(&mut self, flow: &FlowRecord<'_>) {
        self.shared.enter(Callback::Terminate, &mut self.fired, || {
            format!("terminate {} {}", flow.id(), flow.end_reason.as_str())
        });
    }

    fn on_begin_flush(&mut self, ts: Timestamp) {
        self.shared
            .enter(Callback::BeginFlush, &mut self.fired, || {
                format!("begin_flush {}", ts.secs)
            });
    }

    fn flush_filter(&mut self, flow: &FlowRecord<'_>) -> Vote {
        self.shared
            .enter(Callback::FlushFilter, &mut self.fired, || {
                format!("filter {}", flow.id())
            });
        self.shared.settings.vote_on(flow)
    }

    fn on_flush(&mut self, flow: &FlowRecord<'_>) {
        self.shared.enter(Callback::Flush, &mut self.fired, || {
            format!("flush {} {}", flow.id(), flow.end_reason.as_str())
        });
        self.shared.sleep();
    }

    fn on_end_flush(&mut self, ts: Timestamp) {
        self.shared.enter(Callback::EndFlush, &mut self.fired, || {
            format!("end_flush {}", ts.secs)
        });
    }

    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, _tick_interval: u32) {
        self.shared.enter(Callback::Metronome, &mut self.fired, || {
            format!("metronome {tick_count} {}", ts.secs)
        });
    }
}

/// The engine monitor: the flush brackets and the metronome.
pub struct TestkitEngine {
    shared: Arc<Shared>,
    fired: bool,
}

impl EngineMonitor for TestkitEngine {
    fn subscription(&self) -> EngineSubscription {
        EngineSubscription {
            flush: true,
            metronome: true,
        }
    }

    fn on_begin_flush(&mut self, ts: Timestamp) {
        self.shared
            .enter(Callback::EngineBeginFlush, &mut self.fired, || {
                format!("engine_begin {}", ts.secs)
            });
    }

    fn on_end_flush(&mut self, ts: Timestamp) {
        self.shared
            .enter(Callback::EngineEndFlush, &mut self.fired, || {
                format!("engine_end {}", ts.secs)
            });
        if let Some(sigid) = &self.shared.settings.end_alert {
            let message = format!("end of flush {}", ts.secs);
            let _ = self.shared.host.add_alert(
                weir_plugin_api::guid::ALERT_SYSTEM,
                None,
                sigid,
                3,
                &message,
            );
        }
    }

    fn on_metronome(&mut self, ts: Timestamp, tick_count: u64, _tick_interval: u32) {
        self.shared
            .enter(Callback::EngineMetronome, &mut self.fired, || {
                format!("engine_metronome {tick_count} {}", ts.secs)
            });
    }
}

/// Builds both monitors of one instance (the plugin constructor).
pub fn build(config: &Config, host: HostHandle) -> Result<(TestkitEngine, TestkitFlows), String> {
    let settings = Settings::parse(config)?;
    if let Some(path) = &settings.echo_config {
        let json = serde_json::to_string(config.as_map())
            .map_err(|e| format!("echo_config: cannot encode the configuration: {e}"))?;
        std::fs::write(path, json)
            .map_err(|e| format!("echo_config: cannot write {}: {e}", path.display()))?;
    }
    if let Some(reason) = &settings.refuse {
        return Err(reason.clone());
    }
    if settings.panic_in == Some(Callback::Constructor) {
        panic!("testkit panic in {}", Callback::Constructor.name());
    }
    let recorder = match &settings.record {
        Some(path) => Some(Recorder::open(path, host.clone())?),
        None => None,
    };
    let shared = Arc::new(Shared {
        settings,
        recorder,
        host,
    });
    Ok((
        TestkitEngine {
            shared: Arc::clone(&shared),
            fired: false,
        },
        TestkitFlows {
            shared,
            fired: false,
        },
    ))
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    let (engine, flows) = build(config, host)?;
    Ok(Monitors::new().engine(engine).flow(flows))
}

export_plugin! {
    name: "testkit",
    description: "test-only plugin: config-driven panics, sleeps, recording, votes, tags",
    monitors: [Engine, Flow],
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use weir_plugin_api::testing::{flow_record, RecordingHost};
    use weir_plugin_api::{EndReason, FlowHandle};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("weir-testkit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn config(pairs: &[(&str, &str)]) -> Config {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        Config::parse(&serde_json::Value::Object(map).to_string()).unwrap()
    }

    /// A TCP flow from 10.0.0.1 to 10.0.0.2 with handle 42.
    fn flow(
        id: &'static str,
        a_port: u16,
        z_port: u16,
        end_reason: EndReason,
    ) -> FlowRecord<'static> {
        FlowRecord {
            handle: FlowHandle(42),
            end_reason,
            ..flow_record(id, 6, ("10.0.0.1", a_port), ("10.0.0.2", z_port))
        }
    }

    fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
        weir_plugin_api::guard::panic_message(&*payload)
    }

    #[test]
    fn records_every_callback() {
        let dir = temp_dir("record");
        let path = dir.join("rec.txt");
        std::fs::write(&path, "earlier\n").unwrap();
        let (mut engine, mut flows) = build(
            &config(&[("record", path.to_str().unwrap())]),
            RecordingHost::new().handle(),
        )
        .unwrap();
        let f = flow("F1", 40000, 80, EndReason::Open);
        let ended = flow("F1", 40000, 80, EndReason::Fin);
        flows.on_new_flow(&f);
        flows.on_update(&f);
        flows.on_metronome(Timestamp::from_secs(61), 1, 1);
        engine.on_metronome(Timestamp::from_secs(61), 1, 1);
        flows.on_terminate(&ended);
        engine.on_begin_flush(Timestamp::from_secs(120));
        flows.on_begin_flush(Timestamp::from_secs(120));
        assert_eq!(flows.flush_filter(&ended), Vote::Abstain);
        flows.on_flush(&ended);
        flows.on_end_flush(Timestamp {
            secs: 120,
            usecs: 9,
        });
        engine.on_end_flush(Timestamp::from_secs(120));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "earlier\nnew F1\nupdate F1\nmetronome 1 61\nengine_metronome 1 61\nterminate F1 fin\n\
             engine_begin 120\nbegin_flush 120\nfilter F1\nflush F1 fin\nend_flush 120\nengine_end 120\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn subscriptions() {
        let (engine, flows) = build(&Config::default(), RecordingHost::new().handle()).unwrap();
        assert_eq!(
            engine.subscription(),
            EngineSubscription {
                flush: true,
                metronome: true
            }
        );
        assert_eq!(flows.subscription().events, FlowEvents::ALL);
        assert!(flows.subscription().filter);
    }

    #[test]
    fn panics_once_in_the_named_callback_after_recording() {
        let dir = temp_dir("panic");
        let path = dir.join("rec.txt");
        let c = config(&[("panic_in", "on_flush"), ("record", path.to_str().unwrap())]);
        let (_engine, mut flows) = build(&c, RecordingHost::new().handle()).unwrap();
        let f = flow("F2", 1, 2, EndReason::Eof);
        flows.on_new_flow(&f); // not the named callback
        let err = catch_unwind(AssertUnwindSafe(|| flows.on_flush(&f))).unwrap_err();
        assert_eq!(panic_text(err), "testkit panic in on_flush");
        flows.on_flush(&f); // only the first time
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "new F2\nflush F2 eof\nflush F2 eof\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_callback_name_can_panic() {
        let f = flow("F", 1, 2, EndReason::Open);
        let ts = Timestamp::from_secs(1);
        for cb in Callback::ALL {
            assert_eq!(Callback::from_name(cb.name()), Some(cb));
            let c = config(&[("panic_in", cb.name())]);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let (mut e, mut m) = build(&c, RecordingHost::new().handle()).unwrap();
                m.on_new_flow(&f);
                m.on_update(&f);
                m.on_terminate(&f);
                m.on_begin_flush(ts);
                m.flush_filter(&f);
                m.on_flush(&f);
                m.on_end_flush(ts);
                m.on_metronome(ts, 1, 1);
                e.on_begin_flush(ts);
                e.on_end_flush(ts);
                e.on_metronome(ts, 1, 1);
            }));
            let text = panic_text(outcome.expect_err(cb.name()));
            assert_eq!(text, format!("testkit panic in {}", cb.name()));
        }
    }

    #[test]
    fn constructor_panic_and_refusal_through_the_export_path() {
        use weir_plugin_api::testing::construct;
        use weir_plugin_api::MonitorKind;
        let host = RecordingHost::new();
        let kinds = [MonitorKind::Engine, MonitorKind::Flow];
        let report = construct(r#"{"panic_in":"constructor"}"#, &host, &kinds, new_instance)
            .err()
            .unwrap_or_default();
        // The guard adds where the panic was raised.
        assert!(
            report.starts_with("constructor panicked: testkit panic in constructor (at ")
                && report.contains("testkit/src/lib.rs:"),
            "{report}"
        );
        let refused = construct(r#"{"refuse":"not today"}"#, &host, &kinds, new_instance);
        assert_eq!(refused.err().as_deref(), Some("not today"));
        let instance = construct("", &host, &kinds, new_instance).unwrap();
        assert!(instance.engine.is_some() && instance.flow.is_some());
        // Monitors the plugin does not declare are refused, by kind.
        let undeclared = construct("", &host, &[MonitorKind::Flow], new_instance)
            .err()
            .unwrap();
        assert!(
            undeclared.contains(
                "returned engine monitor(s) that export_plugin!'s `monitors` does not declare"
            ),
            "{undeclared}"
        );
    }

    #[test]
    fn votes() {
        let host = || RecordingHost::new().handle();
        let (_, mut all) = build(&config(&[("vote", "drop")]), host()).unwrap();
        assert_eq!(
            all.flush_filter(&flow("a", 1, 2, EndReason::Fin)),
            Vote::Drop
        );
        let (_, mut port) =
            build(&config(&[("vote", "keep"), ("vote_port", "53")]), host()).unwrap();
        assert_eq!(
            port.flush_filter(&flow("a", 5353, 53, EndReason::Fin)),
            Vote::Keep
        );
        assert_eq!(
            port.flush_filter(&flow("b", 53, 1, EndReason::Fin)),
            Vote::Keep
        );
        assert_eq!(
            port.flush_filter(&flow("c", 80, 1, EndReason::Fin)),
            Vote::Abstain
        );
        let (_, mut abstain) = build(&config(&[("vote", "abstain")]), host()).unwrap();
        assert_eq!(
            abstain.flush_filter(&flow("a", 1, 2, EndReason::Fin)),
            Vote::Abstain
        );
        let (_, mut none) = build(&Config::default(), host()).unwrap();
        assert_eq!(
            none.flush_filter(&flow("a", 1, 2, EndReason::Fin)),
            Vote::Abstain
        );
    }

    #[test]
    fn tags_new_flows_and_logs_refusals() {
        let host = RecordingHost::new();
        let (_, mut flows) = build(&config(&[("tag", "seen")]), host.handle()).unwrap();
        flows.on_new_flow(&flow("F3", 1, 2, EndReason::Open));
        assert_eq!(host.calls(), ["tag 42 seen"]);
        let refusing = RecordingHost::new().refusing_tags();
        let (_, mut flows) = build(&config(&[("tag", "x")]), refusing.handle()).unwrap();
        flows.on_new_flow(&flow("F4", 1, 2, EndReason::Open));
        let calls = refusing.calls();
        assert_eq!(calls.len(), 2);
        assert!(
            calls[1].starts_with("log error tag_flow \"x\" on F4: "),
            "{calls:?}"
        );
    }

    #[test]
    fn sleeps_in_new_flow_and_flush() {
        let (_, mut flows) = build(
            &config(&[("sleep_ms", "30")]),
            RecordingHost::new().handle(),
        )
        .unwrap();
        let f = flow("F", 1, 2, EndReason::Fin);
        let start = std::time::Instant::now();
        flows.on_new_flow(&f);
        flows.on_flush(&f);
        assert!(start.elapsed() >= Duration::from_millis(60));
    }

    #[test]
    fn echoes_the_config_as_json() {
        let dir = temp_dir("echo");
        let path = dir.join("echo.json");
        let text = format!(
            r#"{{"echo_config":{:?},"sleep_ms":0,"tag":"a:b=c","vote":"keep"}}"#,
            path.to_str().unwrap()
        );
        build(
            &Config::parse(&text).unwrap(),
            RecordingHost::new().handle(),
        )
        .unwrap();
        let echoed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let sent: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(echoed, sent);
        // Written before `refuse` applies.
        std::fs::remove_file(&path).unwrap();
        let c = config(&[("echo_config", path.to_str().unwrap()), ("refuse", "no")]);
        assert_eq!(
            build(&c, RecordingHost::new().handle()).err().as_deref(),
            Some("no")
        );
        assert!(path.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn config_errors_name_the_key() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("panik_in", "on_flush")], "\"panik_in\""),
            (&[("panic_in", "on_fluhs")], "panic_in:"),
            (&[("sleep_ms", "soon")], "sleep_ms:"),
            (&[("vote", "maybe")], "vote:"),
            (&[("vote", "keep"), ("vote_port", "70000")], "vote_port:"),
            (&[("vote_port", "53")], "vote_port:"),
            (&[("record", "")], "record:"),
            (&[("record", "/nonexistent/weir/rec")], "record:"),
            (&[("echo_config", "/nonexistent/weir/echo")], "echo_config:"),
        ];
        for (pairs, expected) in cases {
            let err = build(&config(pairs), RecordingHost::new().handle())
                .err()
                .unwrap();
            assert!(err.contains(expected), "{pairs:?}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
