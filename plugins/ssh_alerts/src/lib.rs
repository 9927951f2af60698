//! weir plugin `ssh_alerts`: raises alerts on small SSH sessions.
//!
//! The port of Trisul's `flows/ssh_alerts.lua`. At construction the instance
//! registers the alert group "SSH Alerts" ([`SSH_ALERTS`]). It subscribes to
//! the flow flush only; for every flushed flow with port 22 on either end it
//! logs `On engine <instance id> found ssh session <flow.to_s()>` (info), and
//! when the flow's total bytes (both directions) are below `threshold` it
//! raises two alerts with the message
//! `ssh session transferring <n> bytes, check it out`:
//!
//! - in "SSH Alerts": sigid `SSHXFER`, priority 1;
//! - in "Blacklist" ([`weir_plugin_api::guid::ALERT_BLACKLIST`]): sigid
//!   `SSHXFER`, classification `attack`, priority 1, status `FIRE`.
//!
//! Like the sample, it runs again on every interim (`EndReason::Active`)
//! flush of a long-lived flow, so such a flow can raise the alerts once per
//! interim record. Alert errors are logged at error level, never panics.
//!
//! Configuration: `threshold` (bytes, default [`DEFAULT_THRESHOLD`]).

use weir_plugin_api::{
    export_plugin, guid, Config, FlowMonitor, FlowRecord, FlowSubscription, Guid, HostHandle,
    LogLevel, Monitors,
};

/// The alert group this plugin registers: `{0409EAC7-1E60-43D3-C0FA-A87429F99728}`.
pub const SSH_ALERTS: Guid = Guid::from_u128(0x0409EAC7_1E60_43D3_C0FA_A87429F99728);
/// Name of [`SSH_ALERTS`].
pub const SSH_ALERTS_NAME: &str = "SSH Alerts";
/// Description of [`SSH_ALERTS`].
pub const SSH_ALERTS_DESCRIPTION: &str = "Alerts on SSH login and transfer";
/// Signature id of both alerts.
pub const SIGID: &str = "SSHXFER";
/// Default of `threshold`: sessions with fewer total bytes raise the alerts.
pub const DEFAULT_THRESHOLD: u64 = 1000;
/// The configuration keys ssh_alerts accepts.
pub const CONFIG_KEYS: &[&str] = &["threshold"];

/// The SSH port.
const SSH_PORT: u16 = 22;

/// Whether `flow` has port 22 on either end.
pub fn is_ssh(flow: &FlowRecord<'_>) -> bool {
    flow.a_port == SSH_PORT || flow.z_port == SSH_PORT
}

/// The alert message for a session of `bytes` total bytes.
pub fn alert_message(bytes: u64) -> String {
    format!("ssh session transferring {bytes} bytes, check it out")
}

/// The flow monitor.
pub struct SshAlerts {
    host: HostHandle,
    threshold: u64,
}

impl SshAlerts {
    /// Reads the configuration and registers the "SSH Alerts" group.
    pub fn new(config: &Config, host: HostHandle) -> Result<SshAlerts, String> {
        config
            .deny_unknown(CONFIG_KEYS)
            .map_err(|e| e.to_string())?;
        let threshold = config
            .u64("threshold")
            .map_err(|e| e.to_string())?
            .unwrap_or(DEFAULT_THRESHOLD);
        host.register_alert_group(SSH_ALERTS, SSH_ALERTS_NAME, SSH_ALERTS_DESCRIPTION)
            .map_err(|e| {
                format!("cannot register alert group {SSH_ALERTS} {SSH_ALERTS_NAME:?}: {e}")
            })?;
        Ok(SshAlerts { host, threshold })
    }

    /// The configured threshold in bytes.
    pub fn threshold(&self) -> u64 {
        self.threshold
    }
}

impl FlowMonitor for SshAlerts {
    fn subscription(&self) -> FlowSubscription {
        FlowSubscription::ip_flows().flush()
    }

    fn on_flush(&mut self, flow: &FlowRecord<'_>) {
        if !is_ssh(flow) {
            return;
        }
        self.host.log(
            LogLevel::Info,
            &format!(
                "On engine {} found ssh session {}",
                self.host.instance_id(),
                flow.to_s()
            ),
        );
        let bytes = flow.total_bytes();
        if bytes >= self.threshold {
            return;
        }
        let message = alert_message(bytes);
        if let Err(e) = self
            .host
            .add_alert(SSH_ALERTS, Some(flow), SIGID, 1, &message)
        {
            self.host.log(
                LogLevel::Error,
                &format!("cannot raise alert in {SSH_ALERTS_NAME}: {e}"),
            );
        }
        if let Err(e) = self.host.add_alert_full(
            guid::ALERT_BLACKLIST,
            Some(flow),
            SIGID,
            "attack",
            1,
            &message,
            "FIRE",
        ) {
            self.host.log(
                LogLevel::Error,
                &format!("cannot raise alert in Blacklist: {e}"),
            );
        }
    }
}

fn new_instance(config: &Config, host: HostHandle) -> Result<Monitors, String> {
    Ok(Monitors::new().flow(SshAlerts::new(config, host)?))
}

export_plugin! {
    name: "ssh_alerts",
    description: "alerts on SSH sessions that transfer fewer bytes than a threshold",
    monitors: [Flow],
    constructor: new_instance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_plugin_api::testing::{flow_record, RecordingHost};
    use weir_plugin_api::{EndReason, FlowEvents, Timestamp};

    /// A TCP flow from 192.168.1.2 to 209.216.249.58 flushed after a FIN,
    /// with 1 packet and `az`/`za` bytes each way.
    fn flow(id: &'static str, a_port: u16, z_port: u16, az: u64, za: u64) -> FlowRecord<'static> {
        FlowRecord {
            az_bytes: az,
            za_bytes: za,
            az_packets: 1,
            za_packets: 1,
            first_ts: Timestamp::from_secs(100),
            last_ts: Timestamp::from_secs(101),
            end_reason: EndReason::Fin,
            ..flow_record(id, 6, ("192.168.1.2", a_port), ("209.216.249.58", z_port))
        }
    }

    fn monitor(config: &str, host: &RecordingHost) -> Result<SshAlerts, String> {
        SshAlerts::new(&Config::parse(config).unwrap(), host.handle())
    }

    #[test]
    fn registers_its_group_at_construction() {
        let host = RecordingHost::new();
        let m = monitor("", &host).unwrap();
        assert_eq!(m.threshold(), DEFAULT_THRESHOLD);
        assert_eq!(
            host.calls(),
            ["register {0409EAC7-1E60-43D3-C0FA-A87429F99728} SSH Alerts / Alerts on SSH login and transfer"]
        );
        assert_eq!(m.subscription().events, FlowEvents::FLUSH);
        assert!(!m.subscription().filter);
    }

    #[test]
    fn small_ssh_session_logs_and_raises_both_alerts() {
        let host = RecordingHost::new().with_instance_id(1);
        let mut m = monitor("", &host).unwrap();
        let f = flow(
            "06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016",
            2964,
            22,
            500,
            499,
        );
        m.on_flush(&f);
        let calls = host.calls();
        assert_eq!(calls.len(), 4, "{calls:#?}");
        assert_eq!(
            calls[1],
            format!("log info On engine 1 found ssh session {}", f.to_s())
        );
        assert_eq!(
            calls[2],
            "alert {0409EAC7-1E60-43D3-C0FA-A87429F99728} flow=06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016 \
             sigid=SSHXFER class= prio=1 status= msg=ssh session transferring 999 bytes, check it out"
        );
        assert_eq!(
            calls[3],
            "alert {5E97C3A3-41DB-4E34-92C3-87C904FAB83E} flow=06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0016 \
             sigid=SSHXFER class=attack prio=1 status=FIRE msg=ssh session transferring 999 bytes, check it out"
        );
    }

    #[test]
    fn threshold_is_strict_and_configurable() {
        let host = RecordingHost::new();
        let mut m = monitor(r#"{"threshold":"2000"}"#, &host).unwrap();
        m.on_flush(&flow("x", 22, 40000, 1000, 1000)); // 2000: not below.
        assert_eq!(host.calls().len(), 2); // group + log
        m.on_flush(&flow("y", 22, 40000, 1000, 999)); // 1999: below.
        assert_eq!(host.calls().len(), 5);
    }

    #[test]
    fn port_22_only_not_the_lua_substring_match() {
        let host = RecordingHost::new();
        let mut m = monitor("", &host).unwrap();
        // Lua's `match("p-0016")` would accept these keys: they contain "0016".
        // NetFlow ifindex 0x16 and an IPv6 address with a 0016 group.
        m.on_flush(&flow(
            "06C:0A.00.00.01:p-C350_0A.00.00.02:p-0050_C0.A8.00.01_00000016_00000008",
            50000,
            80,
            1,
            1,
        ));
        m.on_flush(&flow(
            "11B:FE800000000000000016000000000001:p-14E9_FF0200000000000000000000000000FB:p-14E9",
            5353,
            5353,
            1,
            1,
        ));
        assert_eq!(host.calls().len(), 1, "{:#?}", host.calls());
        // Port 22 on the A end counts too.
        m.on_flush(&flow("a-end", 22, 22, 1, 1));
        assert_eq!(host.calls().len(), 4);
    }

    #[test]
    fn fires_again_on_interim_flushes() {
        let host = RecordingHost::new();
        let mut m = monitor("", &host).unwrap();
        let mut f = flow("long", 50000, 22, 10, 10);
        f.end_reason = EndReason::Active;
        m.on_flush(&f);
        f.end_reason = EndReason::Timeout;
        m.on_flush(&f);
        let alerts = host
            .calls()
            .iter()
            .filter(|c| c.starts_with("alert "))
            .count();
        assert_eq!(alerts, 4);
    }

    #[test]
    fn alert_errors_are_logged() {
        let host = RecordingHost::new().refusing_alerts();
        let mut m = monitor("", &host).unwrap();
        m.on_flush(&flow("x", 22, 40000, 1, 1));
        let errors: Vec<_> = host
            .calls()
            .into_iter()
            .filter(|c| c.starts_with("log error"))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains("SSH Alerts"));
        assert!(errors[1].contains("Blacklist"));
    }

    #[test]
    fn constructor_errors() {
        let err = monitor(r#"{"treshold":5}"#, &RecordingHost::new())
            .err()
            .unwrap();
        assert!(err.contains("\"treshold\""), "{err}");
        let err = monitor(r#"{"threshold":"lots"}"#, &RecordingHost::new())
            .err()
            .unwrap();
        assert!(err.starts_with("threshold:"), "{err}");
        let err = monitor(r#"{"threshold":-1}"#, &RecordingHost::new())
            .err()
            .unwrap();
        assert!(err.starts_with("threshold:"), "{err}");
        let refusing = RecordingHost::new().refusing_groups();
        let err = monitor("", &refusing).err().unwrap();
        assert!(
            err.contains("cannot register alert group {0409EAC7-1E60-43D3-C0FA-A87429F99728}"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }
}
