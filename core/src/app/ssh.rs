//! The `ssh` module deals with turning one SSH connection's clear-text
//! start into an artifact: one resource in weir's **SSH** resource group
//! per connection, once both sides' key-exchange offers are seen (or when
//! the connection ends): `uri` = `CLIENT_VERSION -> SERVER_VERSION` (the
//! identification strings), `label` = `hassh=<md5> hasshserver=<md5>`
//! (`-` for a side whose KEXINIT was not seen).

use weir_plugin_api::{Guid, Timestamp};

use super::{side_of, AppParser, AppStats};
use crate::artifacts::{Artifact, FlowRef, Resource, ResourceFields};
use crate::proto::ssh::{Side, SshConfig, SshEvent, SshSession};

/// weir's SSH resource group (Trisul has none built in).
pub const RG_SSH: Guid = Guid::from_u128(0x2D3C5F1A_7E94_4B8A_9C61_53D0A7E2F410);
/// Its name.
pub const RG_SSH_NAME: &str = "SSH";

/// One SSH connection.
pub struct SshFlow {
    session: SshSession,
    /// Direction index of the client.
    client: usize,
    flow: FlowRef,
    versions: [Option<String>; 2],
    hassh: [Option<String>; 2],
    ts: Timestamp,
    reported: bool,
    events: Vec<SshEvent>,
}

impl SshFlow {
    /// A connection whose client sends in direction `client`.
    pub fn new(client: usize, flow: FlowRef) -> SshFlow {
        SshFlow {
            session: SshSession::new(SshConfig::default()),
            client,
            flow,
            versions: [None, None],
            hassh: [None, None],
            ts: Timestamp::default(),
            reported: false,
            events: Vec::new(),
        }
    }

    fn take_events(&mut self, out: &mut Vec<Artifact>) {
        for e in self.events.drain(..) {
            let (side, ts) = match &e {
                SshEvent::Version(v) => (v.side, v.ts),
                SshEvent::KexInit(k) => (k.side, k.ts),
            };
            let i = usize::from(side == Side::Server);
            self.ts = self.ts.max(ts);
            match e {
                SshEvent::Version(v) => self.versions[i] = Some(v.text),
                SshEvent::KexInit(k) => self.hassh[i] = Some(k.hassh),
            }
        }
        if self.hassh.iter().all(Option::is_some) {
            self.report(out);
        }
    }

    fn report(&mut self, out: &mut Vec<Artifact>) {
        if self.reported || self.versions.iter().all(Option::is_none) {
            return;
        }
        self.reported = true;
        let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        out.push(Artifact::Resource(Resource {
            group: RG_SSH,
            ts: self.ts,
            flow: self.flow.clone(),
            uri: format!("{} -> {}", show(&self.versions[0]), show(&self.versions[1])),
            label: format!(
                "hassh={} hasshserver={}",
                show(&self.hassh[0]),
                show(&self.hassh[1])
            ),
            fields: ResourceFields::None,
            origin: 0,
        }));
    }
}

impl AppParser for SshFlow {
    fn data(&mut self, d: usize, ts: Timestamp, bytes: &[u8], out: &mut Vec<Artifact>) {
        let side = side_of(d, self.client);
        self.session.data(side, ts, bytes, &mut self.events);
        self.take_events(out);
    }

    fn gap(&mut self, d: usize, len: u64, out: &mut Vec<Artifact>) {
        let side = side_of(d, self.client);
        self.session.gap(side, len, &mut self.events);
        self.take_events(out);
    }

    fn end(&mut self, d: usize, ts: Timestamp, out: &mut Vec<Artifact>) {
        let side = side_of(d, self.client);
        self.session.end(side, ts, &mut self.events);
        self.take_events(out);
    }

    fn close(&mut self, ts: Timestamp, out: &mut Vec<Artifact>, stats: &mut AppStats) {
        self.ts = self.ts.max(ts);
        self.report(out);
        stats.ssh.add(self.session.stats());
    }
}
