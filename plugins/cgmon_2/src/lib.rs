//! weir plugin `cgmon_2`: prints the real-time updates of the Apps counter
//! group.
//!
//! The port of Trisul's `metricmonitors/cgmon_2.lua`: a counter-group monitor
//! on Apps (`{C51B48D4-7876-479E-B0D9-BD9EFF03CE2E}`) subscribed to
//! `on_update`, which the engine calls at most once per second of stream time
//! for each key that changed. For each update it prints one line to stdout:
//!
//! `onupdate  [<instance>]   <ts secs>  <key right-aligned in 10> <values>`
//!
//! the values being the key's raw volumes of the interval so far, by meter
//! id, joined by single spaces. The Lua sample names its arguments
//! `(engine, key, tvsec, metrics)` against the documented order; this port
//! follows the documentation. High volume: meant for debugging. It takes no
//! configuration keys.
//!
//! Each line is written with a single `write_all` on stdout and flushed; a
//! write error is logged once through the host and further lines are dropped.

use std::io::{Stdout, Write};

use weir_plugin_api::{
    export_plugin, guid, Config, CounterGroupMonitor, CounterGroupRef, CounterRecord,
    CounterSubscription, HostHandle, LogLevel, Monitors, Timestamp,
};

/// The configuration keys cgmon_2 accepts: none.
pub const CONFIG_KEYS: &[&str] = &[];

/// The line of one update: `onupdate  [<instance>]   <secs>  <key:>10> <values>`.
pub fn update_line(instance: u32, ts: Timestamp, key: &str, values: &[i64]) -> String {
    let values: Vec<String> = values.iter().map(i64::to_string).collect();
    format!(
        "onupdate  [{}]   {}  {:>10} {}",
        instance,
        ts.secs,
        key,
        values.join(" ")
    )
}

/// The counter-group monitor; it prints to `out` (stdout when loaded).
pub struct Cgmon2<W: Write = Stdout> {
    host: HostHandle,
    instance: u32,
    out: W,
    write_failed: bool,
}

impl<W: Write> Cgmon2<W> {
    /// Builds the monitor; fails on any configuration key.
    pub fn new(config: &Config, host: HostHandle, out: W) -> Result<Cgmon2<W>, String> {
        if let Some(key) = config.keys().find(|k| !CONFIG_KEYS.contains(k)) {
            return Err(format!(
                "unknown key {key:?} (cgmon_2 takes no configuration)"
            ));
        }
        Ok(Cgmon2 {
            instance: host.instance_id(),
            host,
            out,
            write_failed: false,
        })
    }

    /// Writes `line` and a newline, and flushes; logs the first error.
    fn say(&mut self, line: &str) {
        if self.write_failed {
            return;
        }
        let result = self
            .out
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.out.flush());
        if let Err(e) = result {
            self.write_failed = true;
            self.host.log(
                LogLevel::Error,
                &format!("cannot write to stdout ({e}); no further lines are printed"),
            );
        }
    }
}

impl<W: Write + Send + 'static> CounterGroupMonitor for Cgmon2<W> {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::guid(guid::CG_APPS).update()
    }

    fn on_update(&mut self, _group: &CounterGroupRef<'_>, ts: Timestamp, key: &CounterRecord<'_>) {
        self.say(&update_line(self.instance, ts, key.key(), key.values()));
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().counter_group(Cgmon2::new(config, host, std::io::stdout())?))
}

export_plugin! {
    name: "cgmon_2",
    description: "prints the real-time updates of the Apps counter group",
    monitors: [CounterGroup],
    requires: "1.1",
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use weir_plugin_api::abi::ext::Extensions;
    use weir_plugin_api::testing::{self, RecordingHost};
    use weir_plugin_api::{CounterEvents, MeterType, MonitorKind};

    /// A `Write` whose bytes the test reads back (clones share them).
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A `Write` that always fails, as stdout does once its reader is gone.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _buf: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    const APPS_METERS: [MeterType; 3] = [
        MeterType::RateCounter,
        MeterType::Counter,
        MeterType::Counter,
    ];

    fn apps() -> CounterGroupRef<'static> {
        CounterGroupRef {
            guid: guid::CG_APPS,
            name: "Apps".into(),
            interval_secs: 60,
            topper_bucket_secs: 300,
            meter_kinds: APPS_METERS.as_slice().into(),
            ext: Extensions::NONE,
        }
    }

    fn record<'a>(key: &'a str, values: &'a [i64]) -> CounterRecord<'a> {
        CounterRecord {
            key: key.into(),
            label: "label, not printed".into(),
            values: values.into(),
            ext: Extensions::NONE,
        }
    }

    fn monitor(host: &RecordingHost, out: Captured) -> Cgmon2<Captured> {
        Cgmon2::new(&Config::default(), host.handle(), out).unwrap()
    }

    #[test]
    fn the_update_line() {
        let ts = Timestamp::from_secs(1_367_526_040);
        assert_eq!(
            update_line(0, ts, "p-0050", &[1500, 0, 3]),
            "onupdate  [0]   1367526040      p-0050 1500 0 3"
        );
        // Keys longer than 10 are not cut; no values leave the separator.
        assert_eq!(
            update_line(1, ts, "SYS:GROUP_TOTALS", &[]),
            "onupdate  [1]   1367526040  SYS:GROUP_TOTALS "
        );
        assert_eq!(
            update_line(0, ts, "p-0016", &[-1, i64::MAX]),
            "onupdate  [0]   1367526040      p-0016 -1 9223372036854775807"
        );
    }

    #[test]
    fn prints_one_line_per_update_and_nothing_else() {
        let out = Captured::default();
        let host = RecordingHost::new().with_instance_id(1);
        let mut m = monitor(&host, out.clone());
        assert_eq!(out.text(), "", "nothing at load");
        m.on_update(
            &apps(),
            Timestamp::from_secs(1_427_726_690),
            &record("p-0016", &[6709, 0, 1]),
        );
        m.on_update(
            &apps(),
            Timestamp {
                secs: 1_427_726_691,
                usecs: 999_999,
            },
            &record("p-0016", &[7000, 0, 1]),
        );
        drop(m);
        assert_eq!(
            out.text(),
            "onupdate  [1]   1427726690      p-0016 6709 0 1\n\
             onupdate  [1]   1427726691      p-0016 7000 0 1\n"
        );
        assert!(host.calls().is_empty(), "{:#?}", host.calls());
    }

    #[test]
    fn subscribes_to_the_apps_updates_only() {
        let m = monitor(&RecordingHost::new(), Captured::default());
        let sub = m.subscription();
        assert_eq!(sub.guids.as_slice(), &[guid::CG_APPS]);
        assert_eq!(sub.events, CounterEvents::UPDATE);
        assert!(sub.name_match.is_empty() && sub.name_regex.is_empty());
    }

    #[test]
    fn any_config_key_is_refused() {
        let err = testing::construct(
            r#"{"verbose":"1"}"#,
            &RecordingHost::new(),
            &[MonitorKind::CounterGroup],
            new_instance,
        )
        .err()
        .unwrap();
        assert_eq!(
            err,
            r#"unknown key "verbose" (cgmon_2 takes no configuration)"#
        );
    }

    #[test]
    fn a_write_error_is_logged_once_then_lines_are_dropped() {
        let host = RecordingHost::new();
        let mut m = Cgmon2::new(&Config::default(), host.handle(), ClosedPipe).unwrap();
        for secs in 0..3 {
            m.on_update(&apps(), Timestamp::from_secs(secs), &record("p-0050", &[1]));
        }
        let calls = host.calls();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert!(calls[0].starts_with("log error cannot write to stdout ("));
    }
}
