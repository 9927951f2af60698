//! weir plugin `cgmon_3`: prints the topper flush of the Hosts counter group.
//!
//! The port of Trisul's `metricmonitors/cgmon_3.lua`: a counter-group monitor
//! on Hosts (`{4CD742B1-C1CA-4708-BE78-0FCA2EB01A86}`) subscribed to the
//! topper flush. For each meter's topper list it prints, to stdout,
//!
//! - `----------- Topper Flush [<instance>] Meter <meter> Time <ts secs> `
//!   (with the sample's trailing space) from `on_begin_topper_flush`, which
//!   returns true (the Lua function returns nothing, which Trisul v8 treats
//!   as true);
//! - `ontopperflush  [<instance>]    <key>  <value>` per entry, best first;
//! - nothing from `on_end_topper_flush`.
//!
//! It takes no configuration keys. Each line is written with a single
//! `write_all` on stdout and flushed; a write error is logged once through
//! the host and further lines are dropped.

use std::io::{Stdout, Write};

use weir_plugin_api::{
    export_plugin, guid, Config, CounterGroupMonitor, CounterGroupRef, CounterSubscription,
    HostHandle, LogLevel, Monitors, Timestamp, TopperRecord,
};

/// The configuration keys cgmon_3 accepts: none.
pub const CONFIG_KEYS: &[&str] = &[];

/// The header line of one meter's toppers (trailing space included).
pub fn begin_line(instance: u32, meter: u32, ts: Timestamp) -> String {
    format!(
        "----------- Topper Flush [{instance}] Meter {meter} Time {} ",
        ts.secs
    )
}

/// The line of one topper entry.
pub fn topper_line(instance: u32, key: &str, value: i64) -> String {
    format!("ontopperflush  [{instance}]    {key}  {value}")
}

/// The counter-group monitor; it prints to `out` (stdout when loaded).
pub struct Cgmon3<W: Write = Stdout> {
    host: HostHandle,
    instance: u32,
    out: W,
    write_failed: bool,
}

impl<W: Write> Cgmon3<W> {
    /// Builds the monitor; fails on any configuration key.
    pub fn new(config: &Config, host: HostHandle, out: W) -> Result<Cgmon3<W>, String> {
        if let Some(key) = config.keys().find(|k| !CONFIG_KEYS.contains(k)) {
            return Err(format!(
                "unknown key {key:?} (cgmon_3 takes no configuration)"
            ));
        }
        Ok(Cgmon3 {
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

impl<W: Write + Send + 'static> CounterGroupMonitor for Cgmon3<W> {
    fn subscription(&self) -> CounterSubscription {
        CounterSubscription::guid(guid::CG_HOSTS).toppers()
    }

    fn on_begin_topper_flush(
        &mut self,
        _group: &CounterGroupRef<'_>,
        ts: Timestamp,
        meter: u32,
    ) -> bool {
        self.say(&begin_line(self.instance, meter, ts));
        true
    }

    fn on_topper_flush(
        &mut self,
        _group: &CounterGroupRef<'_>,
        _ts: Timestamp,
        entry: &TopperRecord<'_>,
    ) {
        self.say(&topper_line(self.instance, entry.key(), entry.value));
    }

    fn on_end_topper_flush(&mut self, _group: &CounterGroupRef<'_>, _ts: Timestamp, _meter: u32) {}
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().counter_group(Cgmon3::new(config, host, std::io::stdout())?))
}

export_plugin! {
    name: "cgmon_3",
    description: "prints the topper flush of the Hosts counter group",
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

    const HOSTS_METERS: [MeterType; 2] = [MeterType::RateCounter, MeterType::RateCounter];

    fn hosts() -> CounterGroupRef<'static> {
        CounterGroupRef {
            guid: guid::CG_HOSTS,
            name: "Hosts".into(),
            interval_secs: 60,
            topper_bucket_secs: 300,
            meter_kinds: HOSTS_METERS.as_slice().into(),
            ext: Extensions::NONE,
        }
    }

    fn entry(meter: u32, rank: u32, key: &str, value: i64) -> TopperRecord<'_> {
        TopperRecord {
            meter,
            rank,
            key: key.into(),
            label: "label, not printed".into(),
            value,
            ext: Extensions::NONE,
        }
    }

    fn monitor(host: &RecordingHost, out: Captured) -> Cgmon3<Captured> {
        Cgmon3::new(&Config::default(), host.handle(), out).unwrap()
    }

    #[test]
    fn lines_match_the_lua_sample() {
        assert_eq!(
            begin_line(0, 3, Timestamp::from_secs(1_367_526_300)),
            "----------- Topper Flush [0] Meter 3 Time 1367526300 "
        );
        assert_eq!(
            topper_line(1, "C0.A8.01.04", 12345),
            "ontopperflush  [1]    C0.A8.01.04  12345"
        );
    }

    #[test]
    fn prints_each_meters_header_and_entries() {
        let out = Captured::default();
        let host = RecordingHost::new().with_instance_id(1);
        let mut m = monitor(&host, out.clone());
        let ts = Timestamp {
            secs: 1_427_726_700,
            usecs: 0,
        };
        for meter in [0, 1] {
            assert!(m.on_begin_topper_flush(&hosts(), ts, meter));
            m.on_topper_flush(&hosts(), ts, &entry(meter, 1, "C0.A8.38.01", 15316));
            m.on_topper_flush(&hosts(), ts, &entry(meter, 2, "C0.A8.38.67", 200));
            m.on_end_topper_flush(&hosts(), ts, meter);
        }
        drop(m);
        assert_eq!(
            out.text(),
            "----------- Topper Flush [1] Meter 0 Time 1427726700 \n\
             ontopperflush  [1]    C0.A8.38.01  15316\n\
             ontopperflush  [1]    C0.A8.38.67  200\n\
             ----------- Topper Flush [1] Meter 1 Time 1427726700 \n\
             ontopperflush  [1]    C0.A8.38.01  15316\n\
             ontopperflush  [1]    C0.A8.38.67  200\n"
        );
        assert!(host.calls().is_empty(), "{:#?}", host.calls());
    }

    #[test]
    fn subscribes_to_the_hosts_topper_flush_only() {
        let m = monitor(&RecordingHost::new(), Captured::default());
        let sub = m.subscription();
        assert_eq!(sub.guids.as_slice(), &[guid::CG_HOSTS]);
        assert_eq!(sub.events, CounterEvents::TOPPER_FLUSH);
        assert!(sub.name_match.is_empty() && sub.name_regex.is_empty());
    }

    #[test]
    fn any_config_key_is_refused() {
        let err = testing::construct(
            r#"{"meter":"0"}"#,
            &RecordingHost::new(),
            &[MonitorKind::CounterGroup],
            new_instance,
        )
        .err()
        .unwrap();
        assert_eq!(
            err,
            r#"unknown key "meter" (cgmon_3 takes no configuration)"#
        );
    }

    #[test]
    fn a_write_error_is_logged_once_and_toppers_are_still_wanted() {
        let host = RecordingHost::new();
        let mut m = Cgmon3::new(&Config::default(), host.handle(), ClosedPipe).unwrap();
        let ts = Timestamp::from_secs(300);
        assert!(m.on_begin_topper_flush(&hosts(), ts, 0));
        m.on_topper_flush(&hosts(), ts, &entry(0, 1, "C0.A8.01.04", 1));
        assert!(m.on_begin_topper_flush(&hosts(), ts, 1));
        let calls = host.calls();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert!(calls[0].starts_with("log error cannot write to stdout ("));
    }
}
