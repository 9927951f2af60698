//! Counter groups against tshark.
//!
//! `weir run` writes `counters.ndjson` (one line per group, key and interval:
//! the raw meter volumes of that interval, plus a `SYS:GROUP_TOTALS` line per
//! group and interval) and `toppers.ndjson` (the top keys of a group's meter
//! per topper bucket). Every expected number here comes from tshark, never
//! from earlier weir output:
//!
//! * Hosts and HostsIPv6, summed over the intervals, are tshark's endpoint
//!   tables (`endpoints_ipv4.tsv`, `endpoints_ipv6.tsv`): bytes are
//!   `frame.len` (whole frames), a host counts what it sends and what it
//!   receives, so a loopback packet counts twice, as in tshark. Internal and
//!   External Hosts split the same hosts by home network, computed here with
//!   `std::net`.
//! * NetworkLayerStats is the TCP and UDP conversation tables per transport,
//!   `icmp.tsv` for ICMP and ICMPv6, and the IP conversation tables in total.
//!   Apps is the TCP+UDP conversation bytes keyed by the lower port.
//! * Per-interval values and toppers are checked against a model computed
//!   from tshark's per-packet fields with weir's stream clock: a packet
//!   belongs to the interval (bucket) holding the largest packet time seen so
//!   far, never an earlier one.
//! * `SYS:GROUP_TOTALS` is the sum over the keys of its interval, and keeps
//!   counting what `--max-keys` drops.
//!
//! Every shared capture is in. `gre-tunnel`: its inner flows are tracked,
//! and every frame counts for its outer and its inner hosts. The captures
//! with IPv4 fragments (`dns-edns-v4v6`, `ipv4-fragments`) are reassembled
//! by both, but counted differently on purpose in UDP and Apps;
//! [`FragmentAdjustment`] derives the difference from tshark's own fields.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::*;

// ---------------------------------------------------------------------------
// Groups, meters, home networks.
// ---------------------------------------------------------------------------

/// A built-in counter group, as named in the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Group {
    guid: &'static str,
    name: &'static str,
}

const HOSTS: Group = Group {
    guid: "{4CD742B1-C1CA-4708-BE78-0FCA2EB01A86}",
    name: "Hosts",
};
const HOSTS_V6: Group = Group {
    guid: "{6CD742B1-C1CA-4708-BE78-0FCA2EB01A86}",
    name: "HostsIPv6",
};
const INTERNAL_HOSTS: Group = Group {
    guid: "{889900CC-0063-11A5-8380-FEBDBABBDBEA}",
    name: "Internal Hosts",
};
const EXTERNAL_HOSTS: Group = Group {
    guid: "{00AA77BB-0063-11A5-8380-FEBDBABBDBEA}",
    name: "External Hosts",
};
const APPS: Group = Group {
    guid: "{C51B48D4-7876-479E-B0D9-BD9EFF03CE2E}",
    name: "Apps",
};
const NETWORK_LAYER: Group = Group {
    guid: "{E89BCD56-30AD-40F5-B1C8-8B7683F440BD}",
    name: "NetworkLayerStats",
};

/// The groups this file checks.
const GROUPS: [Group; 6] = [
    HOSTS,
    HOSTS_V6,
    INTERNAL_HOSTS,
    EXTERNAL_HOSTS,
    APPS,
    NETWORK_LAYER,
];

/// The key of a group's per-interval totals line.
const TOTALS_KEY: &str = "SYS:GROUP_TOTALS";

/// Host group meters (Hosts, HostsIPv6, Internal and External Hosts).
const HOST_BYTES: usize = 0;
const HOST_RX_BYTES: usize = 1;
const HOST_TX_BYTES: usize = 2;
const HOST_PACKETS: usize = 3;
/// Apps meter.
const APP_BYTES: usize = 0;
/// NetworkLayerStats meters.
const NL_BYTES: usize = 0;
const NL_PACKETS: usize = 1;

/// Home networks weir uses when no `--home-net` is given.
const DEFAULT_HOME_NETS: [&str; 6] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
];

/// Defaults of a group's toppers.
const DEFAULT_TOP: usize = 100;
const DEFAULT_TOPPER_BUCKET: u64 = 300;
/// Default counter interval.
const DEFAULT_INTERVAL: u64 = 60;

/// Captures left out (none: kept so that a capture can be left out with
/// its reason, and the list checked against MANIFEST.tsv).
const SKIPPED: [&str; 0] = [];

/// An address block `ADDR/LEN`.
#[derive(Debug, Clone, Copy)]
struct Cidr {
    net: IpAddr,
    len: u32,
}

impl Cidr {
    fn parse(text: &str) -> Cidr {
        let (addr, len) = text.split_once('/').expect("ADDR/LEN");
        Cidr {
            net: addr
                .parse()
                .unwrap_or_else(|_| panic!("bad address in {text}")),
            len: len
                .parse()
                .unwrap_or_else(|_| panic!("bad length in {text}")),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let shift = 32 - self.len;
                u32::from(net).checked_shr(shift) == u32::from(ip).checked_shr(shift)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let shift = 128 - self.len;
                u128::from(net).checked_shr(shift) == u128::from(ip).checked_shr(shift)
            }
            _ => false,
        }
    }
}

fn cidrs(texts: &[&str]) -> Vec<Cidr> {
    texts.iter().map(|t| Cidr::parse(t)).collect()
}

fn in_home_nets(ip: IpAddr, nets: &[Cidr]) -> bool {
    nets.iter().any(|n| n.contains(ip))
}

/// A host's key: IPv4 as 4 hex octets joined by `.`, IPv6 as 32 hex digits.
fn host_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4
            .octets()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join("."),
        IpAddr::V6(v6) => v6.octets().iter().map(|b| format!("{b:02X}")).collect(),
    }
}

/// An Apps key: `p-` and the port as 4 hex digits.
fn port_key(port: u16) -> String {
    format!("p-{port:04X}")
}

/// A NetworkLayerStats key: the IP protocol number as 2 hex digits.
fn proto_key(proto: u8) -> String {
    format!("{proto:02X}")
}

// ---------------------------------------------------------------------------
// Running weir, reading counters.ndjson and toppers.ndjson.
// ---------------------------------------------------------------------------

/// Captures of MANIFEST.tsv this file compares with tshark.
fn checked_captures() -> Vec<String> {
    let all = manifest_captures();
    for s in SKIPPED {
        assert!(
            all.iter().any(|n| n == s),
            "{s} is no longer in MANIFEST.tsv"
        );
    }
    all.into_iter()
        .filter(|n| !SKIPPED.contains(&n.as_str()))
        .collect()
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Runs weir on `pcaps` (in this order) plus `extra` into a fresh directory.
fn run(pcaps: &[&str], extra: &[&str]) -> tempfile::TempDir {
    let dir = tempdir();
    let paths: Vec<PathBuf> = pcaps.iter().map(|p| pcap(p)).collect();
    let extra: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
    let out = run_on(&paths, dir.path(), &extra);
    // truncated-http-mime ends inside a packet: weir says so with exit code 3.
    let want = if pcaps.contains(&"truncated-http-mime.pcap") {
        3
    } else {
        0
    };
    expect_code(&out, want);
    dir
}

/// One line of `counters.ndjson`.
#[derive(Debug, Clone)]
struct CounterLine {
    guid: String,
    key: String,
    label: Option<String>,
    start_ts: u64,
    interval: u64,
    meters: Vec<u64>,
}

fn str_field(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` missing or not a string in {v}"))
        .to_string()
}

fn u64_field(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` missing or not a non-negative integer in {v}"))
}

/// Checks the name a line gives to one of the known GUIDs.
fn check_group_name(v: &Value) {
    let guid = str_field(v, "group_guid");
    if let Some(g) = GROUPS.iter().find(|g| g.guid == guid) {
        assert_eq!(str_field(v, "group"), g.name, "group name of {guid}: {v}");
    }
}

fn parse_counter_line(v: &Value) -> CounterLine {
    check_group_name(v);
    let meters = v["meters"]
        .as_array()
        .unwrap_or_else(|| panic!("`meters` missing or not an array in {v}"))
        .iter()
        .map(|m| {
            m.as_u64()
                .unwrap_or_else(|| panic!("meter {m} is not a non-negative integer in {v}"))
        })
        .collect();
    CounterLine {
        guid: str_field(v, "group_guid"),
        key: str_field(v, "key"),
        label: v["label"].as_str().map(str::to_string),
        start_ts: u64_field(v, "start_ts"),
        interval: u64_field(v, "interval"),
        meters,
    }
}

/// Meter `id` of a meter array (a missing id reads as 0).
fn meter(meters: &[u64], id: usize) -> u64 {
    meters.get(id).copied().unwrap_or(0)
}

/// Adds `m` to `sum` element-wise.
fn add_meters(sum: &mut Vec<u64>, m: &[u64]) {
    if sum.len() < m.len() {
        sum.resize(m.len(), 0);
    }
    for (s, v) in sum.iter_mut().zip(m) {
        *s += v;
    }
}

/// A key's meters summed over all intervals, with the labels it was given.
#[derive(Debug, Default)]
struct KeySum {
    labels: BTreeSet<String>,
    meters: Vec<u64>,
}

/// The `counters.ndjson` of one run.
struct Counters(Vec<CounterLine>);

impl Counters {
    /// Reads `DIR/counters.ndjson`; fails on a repeated (group, key, interval).
    fn read(out: &Path) -> Counters {
        let lines: Vec<CounterLine> = ndjson(&out.join("counters.ndjson"))
            .iter()
            .map(parse_counter_line)
            .collect();
        let mut seen = BTreeSet::new();
        for l in &lines {
            assert!(
                seen.insert((&l.guid, &l.key, l.start_ts)),
                "two lines for group {} key {} interval {}",
                l.guid,
                l.key,
                l.start_ts
            );
        }
        Counters(lines)
    }

    fn lines(&self, g: Group) -> impl Iterator<Item = &CounterLine> {
        self.0.iter().filter(move |l| l.guid == g.guid)
    }

    /// Key -> meters summed over all intervals (`SYS:GROUP_TOTALS` left out).
    fn per_key(&self, g: Group) -> BTreeMap<String, KeySum> {
        let mut map: BTreeMap<String, KeySum> = BTreeMap::new();
        for l in self.lines(g).filter(|l| l.key != TOTALS_KEY) {
            let e = map.entry(l.key.clone()).or_default();
            e.labels.extend(l.label.clone());
            add_meters(&mut e.meters, &l.meters);
        }
        map
    }

    /// Interval start -> key -> meters (`SYS:GROUP_TOTALS` included).
    fn per_interval(&self, g: Group) -> BTreeMap<u64, BTreeMap<String, Vec<u64>>> {
        let mut map: BTreeMap<u64, BTreeMap<String, Vec<u64>>> = BTreeMap::new();
        for l in self.lines(g) {
            map.entry(l.start_ts)
                .or_default()
                .insert(l.key.clone(), l.meters.clone());
        }
        map
    }

    /// Meter `id` of the group's totals line, summed over all intervals.
    fn totals(&self, g: Group, id: usize) -> u64 {
        self.lines(g)
            .filter(|l| l.key == TOTALS_KEY)
            .map(|l| meter(&l.meters, id))
            .sum()
    }
}

/// One line of `toppers.ndjson`, as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Topper {
    start_ts: u64,
    rank: u64,
    key: String,
    value: u64,
}

/// The toppers of group `g`, meter `meter_id`, sorted by bucket and rank.
/// Checks that every such line has the topper bucket length `bucket`, and
/// (Hosts) a label that is the host's dotted address.
fn weir_toppers(out: &Path, g: Group, meter_id: u64, bucket: u64) -> Vec<Topper> {
    let mut rows = Vec::new();
    for v in ndjson(&out.join("toppers.ndjson")) {
        check_group_name(&v);
        assert_ne!(
            str_field(&v, "key"),
            TOTALS_KEY,
            "SYS:GROUP_TOTALS is never a topper: {v}"
        );
        if str_field(&v, "group_guid") != g.guid || u64_field(&v, "meter") != meter_id {
            continue;
        }
        assert_eq!(u64_field(&v, "bucket"), bucket, "topper bucket: {v}");
        let key = str_field(&v, "key");
        if g == HOSTS {
            let label = str_field(&v, "label");
            let ip: IpAddr = label
                .parse()
                .unwrap_or_else(|_| panic!("label is no address: {v}"));
            assert_eq!(host_key(ip), key, "key and label differ: {v}");
        }
        rows.push(Topper {
            start_ts: u64_field(&v, "start_ts"),
            rank: u64_field(&v, "rank"),
            key,
            value: u64_field(&v, "value"),
        });
    }
    rows.sort_by_key(|t| (t.start_ts, t.rank));
    rows
}

// ---------------------------------------------------------------------------
// Comparing.
// ---------------------------------------------------------------------------

/// Records every difference between two keyed tables.
fn compare<V: PartialEq + Debug>(
    what: &str,
    ours: &BTreeMap<String, V>,
    theirs: &BTreeMap<String, V>,
    failures: &mut Vec<String>,
) {
    for (key, want) in theirs {
        match ours.get(key) {
            Some(got) if got == want => {}
            Some(got) => failures.push(format!("{what}: {key}: tshark {want:?}, weir {got:?}")),
            None => failures.push(format!("{what}: {key}: tshark {want:?}, missing in weir")),
        }
    }
    for (key, got) in ours.iter().filter(|(k, _)| !theirs.contains_key(*k)) {
        failures.push(format!(
            "{what}: {key}: weir {got:?}, tshark has no such key"
        ));
    }
}

fn assert_no_failures(failures: &[String]) {
    const SHOWN: usize = 80;
    assert!(
        failures.is_empty(),
        "{} mismatches (first {SHOWN}):\n{}",
        failures.len(),
        failures
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// `SYS:GROUP_TOTALS` of every interval of every group is the sum of the
/// meters of that interval's keys (all zero where the group has no key).
fn check_group_totals(what: &str, c: &Counters, failures: &mut Vec<String>) {
    for g in GROUPS {
        for (start, keys) in c.per_interval(g) {
            let mut sum = Vec::new();
            for (_, m) in keys.iter().filter(|(k, _)| *k != TOTALS_KEY) {
                add_meters(&mut sum, m);
            }
            let totals = keys.get(TOTALS_KEY);
            let same = match totals {
                Some(t) => (0..t.len().max(sum.len())).all(|i| meter(t, i) == meter(&sum, i)),
                None => sum.iter().all(|&v| v == 0),
            };
            if !same {
                failures.push(format!(
                    "{what} {} interval {start}: {TOTALS_KEY} {totals:?}, sum of {} keys {sum:?}",
                    g.name,
                    keys.len() - usize::from(totals.is_some())
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Hosts.
// ---------------------------------------------------------------------------

/// A host's totals: label (address as tshark prints it) and the four meters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostTotals {
    label: String,
    bytes: u64,
    rx_bytes: u64,
    tx_bytes: u64,
    packets: u64,
}

/// `endpoints_ipv4.tsv` or `endpoints_ipv6.tsv`: host key -> totals.
fn oracle_hosts(stem: &str, file: &str) -> BTreeMap<String, HostTotals> {
    tsv(&oracle(stem).join(file))
        .into_iter()
        .map(|row| {
            let n = |k: &str| row[k].parse::<u64>().unwrap();
            let ip: IpAddr = row["addr"].parse().unwrap();
            let totals = HostTotals {
                label: row["addr"].clone(),
                bytes: n("bytes"),
                rx_bytes: n("rx_bytes"),
                tx_bytes: n("tx_bytes"),
                packets: n("packets"),
            };
            (host_key(ip), totals)
        })
        .collect()
}

/// A host group of weir, summed over intervals, in the same form. A key given
/// several labels shows them all, joined by `|` (and so differs from tshark).
fn weir_hosts(c: &Counters, g: Group) -> BTreeMap<String, HostTotals> {
    c.per_key(g)
        .into_iter()
        .map(|(key, sum)| {
            let m = |id| meter(&sum.meters, id);
            let totals = HostTotals {
                label: sum.labels.into_iter().collect::<Vec<_>>().join("|"),
                bytes: m(HOST_BYTES),
                rx_bytes: m(HOST_RX_BYTES),
                tx_bytes: m(HOST_TX_BYTES),
                packets: m(HOST_PACKETS),
            };
            (key, totals)
        })
        .collect()
}

/// Host key -> totals.
type HostTable = BTreeMap<String, HostTotals>;

/// Hosts split into (inside `nets`, outside).
fn split_by_home_nets(hosts: &HostTable, nets: &[Cidr]) -> (HostTable, HostTable) {
    hosts
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(_, v)| in_home_nets(v.label.parse().unwrap(), nets))
}

/// Compares Hosts, HostsIPv6 and Internal/External Hosts of one run with the
/// endpoint tables of `stem`; returns the number of hosts compared.
fn check_hosts(
    what: &str,
    stem: &str,
    c: &Counters,
    nets: &[Cidr],
    failures: &mut Vec<String>,
) -> usize {
    let v4 = oracle_hosts(stem, "endpoints_ipv4.tsv");
    let v6 = oracle_hosts(stem, "endpoints_ipv6.tsv");
    compare(
        &format!("{what} Hosts"),
        &weir_hosts(c, HOSTS),
        &v4,
        failures,
    );
    compare(
        &format!("{what} HostsIPv6"),
        &weir_hosts(c, HOSTS_V6),
        &v6,
        failures,
    );
    let all: HostTable = v4.into_iter().chain(v6).collect();
    let (inside, outside) = split_by_home_nets(&all, nets);
    compare(
        &format!("{what} Internal Hosts"),
        &weir_hosts(c, INTERNAL_HOSTS),
        &inside,
        failures,
    );
    compare(
        &format!("{what} External Hosts"),
        &weir_hosts(c, EXTERNAL_HOSTS),
        &outside,
        failures,
    );
    all.len()
}

#[test]
fn hosts_match_tshark_endpoints_on_every_capture() {
    let nets = cidrs(&DEFAULT_HOME_NETS);
    let mut failures = Vec::new();
    let mut hosts = 0;
    for name in checked_captures() {
        let dir = run(&[&name], &[]);
        let c = Counters::read(dir.path());
        check_group_totals(&name, &c, &mut failures);
        hosts += check_hosts(&name, stem(&name), &c, &nets, &mut failures);
    }
    assert_no_failures(&failures);
    assert!(hosts > 200, "only {hosts} hosts compared");
}

/// `--home-net` replaces the default home networks (here by a private /24
/// and a public /16), so the Internal/External split moves.
#[test]
fn home_net_option_replaces_the_default_home_networks() {
    let name = "home-lan-mixed.pcap";
    let given = ["192.168.115.0/24", "172.105.0.0/16"];
    let nets = cidrs(&given);
    let defaults = cidrs(&DEFAULT_HOME_NETS);
    let all: HostTable = oracle_hosts(stem(name), "endpoints_ipv4.tsv")
        .into_iter()
        .chain(oracle_hosts(stem(name), "endpoints_ipv6.tsv"))
        .collect();
    let addrs: Vec<IpAddr> = all.values().map(|h| h.label.parse().unwrap()).collect();
    let moved_in = addrs
        .iter()
        .filter(|ip| in_home_nets(**ip, &nets) && !in_home_nets(**ip, &defaults))
        .count();
    let moved_out = addrs
        .iter()
        .filter(|ip| !in_home_nets(**ip, &nets) && in_home_nets(**ip, &defaults))
        .count();
    assert!(
        moved_in > 0 && moved_out > 0,
        "{name}: the chosen --home-net values move {moved_in} hosts in and {moved_out} out"
    );

    let mut args = Vec::new();
    for n in given {
        args.extend(["--home-net", n]);
    }
    let dir = run(&[name], &args);
    let c = Counters::read(dir.path());
    let mut failures = Vec::new();
    check_hosts(
        &format!("{name} --home-net {}", given.join(" --home-net ")),
        stem(name),
        &c,
        &nets,
        &mut failures,
    );
    assert_no_failures(&failures);
}

// ---------------------------------------------------------------------------
// NetworkLayerStats and Apps.
// ---------------------------------------------------------------------------

/// Bytes and packets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Volume {
    bytes: u64,
    packets: u64,
}

impl Volume {
    fn add(&mut self, bytes: u64, packets: u64) {
        self.bytes += bytes;
        self.packets += packets;
    }
}

/// Sum of the `frames` and `bytes` columns of an oracle conversation table.
fn oracle_conv_volume(stem: &str, file: &str) -> Volume {
    let mut v = Volume::default();
    for row in tsv(&oracle(stem).join(file)) {
        v.add(
            row["bytes"].parse().unwrap(),
            row["frames"].parse().unwrap(),
        );
    }
    v
}

/// What NetworkLayerStats must hold, from tshark's tables: TCP, UDP, ICMP and
/// ICMPv6 per key, and all IP frames in total.
struct NetworkLayerWant {
    per_key: BTreeMap<String, Volume>,
    total: Volume,
}

fn oracle_network_layer(stem: &str) -> NetworkLayerWant {
    let mut per_key = BTreeMap::new();
    per_key.insert(proto_key(6), oracle_conv_volume(stem, "conv_tcp.tsv"));
    per_key.insert(proto_key(17), oracle_conv_volume(stem, "conv_udp.tsv"));
    let mut icmp = Volume::default();
    let mut icmp6 = Volume::default();
    for row in tsv(&oracle(stem).join("icmp.tsv")) {
        let v = if row["family"] == "icmp" {
            &mut icmp
        } else {
            &mut icmp6
        };
        v.add(row["frame_len"].parse().unwrap(), 1);
    }
    per_key.insert(proto_key(1), icmp);
    per_key.insert(proto_key(58), icmp6);
    let v4 = oracle_conv_volume(stem, "conv_ipv4.tsv");
    let v6 = oracle_conv_volume(stem, "conv_ipv6.tsv");
    let total = Volume {
        bytes: v4.bytes + v6.bytes,
        packets: v4.packets + v6.packets,
    };
    NetworkLayerWant { per_key, total }
}

/// Apps from tshark's TCP and UDP conversations: bytes by the lower port.
fn oracle_apps(stem: &str) -> BTreeMap<String, u64> {
    let mut apps = BTreeMap::new();
    for file in ["conv_tcp.tsv", "conv_udp.tsv"] {
        for row in tsv(&oracle(stem).join(file)) {
            let port = |k: &str| row[k].parse::<u16>().unwrap();
            let key = port_key(port("a_port").min(port("b_port")));
            *apps.entry(key).or_insert(0) += row["bytes"].parse::<u64>().unwrap();
        }
    }
    apps
}

/// How weir's counters differ from tshark's conversation tables on a
/// capture with IPv4 fragments (`dns-edns-v4v6`: four DNS answers of two
/// fragments each; `ipv4-fragments`: six NFS writes of six fragments, some
/// repeated).
///
/// Both reassemble. tshark counts a datagram once in UDP, in the frame that
/// completed it (`udp.*` fields are shown there only). weir counts every
/// fragment frame under IP protocol 17, and in the datagram's flow (its Apps
/// key) every frame that went into it; a repeated fragment that arrives
/// after its datagram was complete starts a datagram that never completes:
/// it counts in the port-less flow of the IP pair (no Apps key).
#[derive(Debug, Default)]
struct FragmentAdjustment {
    /// To add to NetworkLayerStats `11`: the fragment frames tshark leaves out of UDP.
    udp: Volume,
    /// To add to an Apps key: the datagram's fragment frames minus tshark's
    /// reassembling frame.
    apps: BTreeMap<String, i64>,
}

/// One IPv4 fragment frame, from tshark.
struct Fragment {
    number: u64,
    len: u64,
    ports: Option<(u16, u16)>,
}

fn fragment_adjustment(src: &Path) -> Option<FragmentAdjustment> {
    let text = tshark_fields(
        src,
        Some("ip.flags.mf == 1 || ip.frag_offset > 0"),
        &[
            "frame.number",
            "frame.len",
            "ip.src",
            "ip.dst",
            "ip.id",
            "ip.proto",
            "udp.srcport",
            "udp.dstport",
        ],
    );
    let mut datagrams: BTreeMap<(String, String, String), Vec<Fragment>> = BTreeMap::new();
    for line in text.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        assert_eq!(c.len(), 8, "tshark line {line:?}");
        assert_eq!(
            c[5], "17",
            "a fragment of something else than UDP: {line:?}"
        );
        let ports = (!c[6].is_empty()).then(|| (c[6].parse().unwrap(), c[7].parse().unwrap()));
        let key = (c[2].to_string(), c[3].to_string(), c[4].to_string());
        datagrams.entry(key).or_default().push(Fragment {
            number: c[0].parse().unwrap(),
            len: c[1].parse().unwrap(),
            ports,
        });
    }
    if datagrams.is_empty() {
        return None;
    }
    let mut adj = FragmentAdjustment::default();
    for (id, frags) in &datagrams {
        let done: Vec<&Fragment> = frags.iter().filter(|f| f.ports.is_some()).collect();
        assert!(
            done.len() == 1 && frags.len() >= 2,
            "datagram {id:?}: {} fragments, {} reassembled by tshark",
            frags.len(),
            done.len()
        );
        let done = done[0];
        let (sport, dport) = done.ports.unwrap();
        let all_bytes: u64 = frags.iter().map(|f| f.len).sum();
        let in_datagram: u64 = frags
            .iter()
            .filter(|f| f.number <= done.number)
            .map(|f| f.len)
            .sum();
        adj.udp.add(all_bytes - done.len, frags.len() as u64 - 1);
        *adj.apps.entry(port_key(sport.min(dport))).or_insert(0) +=
            in_datagram as i64 - done.len as i64;
    }
    Some(adj)
}

impl FragmentAdjustment {
    fn apply(&self, nl: &mut NetworkLayerWant, apps: &mut BTreeMap<String, u64>) {
        let udp = nl.per_key.get_mut(&proto_key(17)).unwrap();
        udp.add(self.udp.bytes, self.udp.packets);
        for (key, delta) in &self.apps {
            let v = apps
                .get_mut(key)
                .expect("adjusted Apps key in tshark's table");
            *v = v.checked_add_signed(*delta).expect("adjustment below zero");
        }
    }
}

/// weir's NetworkLayerStats summed over intervals: key -> volume.
fn weir_network_layer(c: &Counters) -> BTreeMap<String, Volume> {
    c.per_key(NETWORK_LAYER)
        .into_iter()
        .map(|(key, sum)| {
            let v = Volume {
                bytes: meter(&sum.meters, NL_BYTES),
                packets: meter(&sum.meters, NL_PACKETS),
            };
            (key, v)
        })
        .collect()
}

fn check_network_layer(
    what: &str,
    c: &Counters,
    want: &NetworkLayerWant,
    failures: &mut Vec<String>,
) {
    let ours = weir_network_layer(c);
    for key in ours.keys() {
        let ok = key.len() == 2 && key.chars().all(|ch| matches!(ch, '0'..='9' | 'A'..='F'));
        if !ok {
            failures.push(format!(
                "{what}: NetworkLayerStats key {key:?} is not 2 hex digits"
            ));
        }
    }
    for (key, theirs) in &want.per_key {
        let got = ours.get(key).copied().unwrap_or_default();
        if got != *theirs {
            failures.push(format!(
                "{what}: NetworkLayerStats {key}: tshark {theirs:?}, weir {got:?}"
            ));
        }
    }
    let mut total = Volume::default();
    for v in ours.values() {
        total.add(v.bytes, v.packets);
    }
    if total != want.total {
        failures.push(format!(
            "{what}: NetworkLayerStats over all keys: tshark's IP tables {:?}, weir {total:?}",
            want.total
        ));
    }
}

#[test]
fn network_layer_and_apps_match_tshark_conversations() {
    let mut failures = Vec::new();
    let mut apps_checked = 0;
    for name in checked_captures() {
        let stem = stem(&name);
        let dir = run(&[&name], &[]);
        let c = Counters::read(dir.path());
        let mut nl = oracle_network_layer(stem);
        let mut apps = oracle_apps(stem);
        // The shared captures with IPv4 fragments (by their protocol
        // hierarchies); tshark cannot read truncated-http-mime to its end.
        if ["dns-edns-v4v6", "ipv4-fragments"].contains(&stem) {
            fragment_adjustment(&pcap(&name))
                .expect("fragments")
                .apply(&mut nl, &mut apps);
        }
        check_network_layer(&name, &c, &nl, &mut failures);
        let ours: BTreeMap<String, u64> = c
            .per_key(APPS)
            .into_iter()
            .map(|(k, s)| (k, meter(&s.meters, APP_BYTES)))
            .collect();
        compare(&format!("{name} Apps bytes"), &ours, &apps, &mut failures);
        apps_checked += apps.len();
    }
    assert_no_failures(&failures);
    // The 18 captures hold 50 server ports between them.
    assert!(apps_checked >= 50, "only {apps_checked} Apps keys compared");
}

// ---------------------------------------------------------------------------
// A model from tshark's packets: intervals and toppers on the stream clock.
// ---------------------------------------------------------------------------

/// One packet, as the model needs it.
struct Packet {
    ts: (u64, u32),
    len: u64,
    /// Source and destination of an outer IPv4 header.
    v4: Option<(IpAddr, IpAddr)>,
    /// Lower port of a TCP or UDP packet (not of headers inside an ICMP error).
    app_port: Option<u16>,
}

/// The transport protocol token of `frame.protocols` (after the first IP
/// header and its IPv6 extension headers), with the IP token.
fn layers(protocols: &str) -> Option<(&str, Option<&str>)> {
    let toks: Vec<&str> = protocols.split(':').collect();
    let ip = toks.iter().position(|t| *t == "ip" || *t == "ipv6")?;
    let transport = toks[ip + 1..]
        .iter()
        .find(|t| !t.starts_with("ipv6."))
        .copied();
    Some((toks[ip], transport))
}

fn parse_packet(line: &str) -> Packet {
    let c: Vec<&str> = line.split('\t').collect();
    assert_eq!(c.len(), 11, "tshark line {line:?}");
    assert!(
        c[5] != "1" && (c[6].is_empty() || c[6] == "0"),
        "an IPv4 fragment: the model does not do weir's fragment rule: {line:?}"
    );
    let (ip, transport) = layers(c[2]).unwrap_or(("", None));
    let v4 = (ip == "ip").then(|| (c[3].parse().unwrap(), c[4].parse().unwrap()));
    let ports = |a: &str, b: &str| -> u16 { a.parse::<u16>().unwrap().min(b.parse().unwrap()) };
    let app_port = match transport {
        Some("tcp") => Some(ports(c[7], c[8])),
        Some("udp") => Some(ports(c[9], c[10])),
        _ => None,
    };
    Packet {
        ts: epoch_nanos(c[0]),
        len: c[1].parse().unwrap(),
        v4,
        app_port,
    }
}

/// Every packet of `pcaps`, read in this order, from tshark.
fn packets_of(pcaps: &[&str]) -> Vec<Packet> {
    let fields = [
        "frame.time_epoch",
        "frame.len",
        "frame.protocols",
        "ip.src",
        "ip.dst",
        "ip.flags.mf",
        "ip.frag_offset",
        "tcp.srcport",
        "tcp.dstport",
        "udp.srcport",
        "udp.dstport",
    ];
    let mut packets = Vec::new();
    for p in pcaps {
        let text = tshark_fields(&pcap(p), None, &fields);
        packets.extend(text.lines().map(parse_packet));
    }
    assert!(!packets.is_empty(), "{pcaps:?}: no packets");
    packets
}

/// A meter of the model: the (key, value) pairs one packet adds.
type MeterOf = fn(&Packet) -> Vec<(String, u64)>;

/// Hosts meter 0: the packet's bytes for its IPv4 source and destination.
fn host_bytes(p: &Packet) -> Vec<(String, u64)> {
    p.v4.map(|(s, d)| vec![(host_key(s), p.len), (host_key(d), p.len)])
        .unwrap_or_default()
}

/// Apps meter 0: the packet's bytes for its lower port.
fn app_bytes(p: &Packet) -> Vec<(String, u64)> {
    p.app_port
        .map(|port| vec![(port_key(port), p.len)])
        .unwrap_or_default()
}

/// Start of the `secs`-long slot of each packet: of the stream clock (the
/// largest packet time so far) or, with `stream_clock` false, of its own time.
fn slots(packets: &[Packet], secs: u64, stream_clock: bool) -> Vec<u64> {
    let mut clock = (0, 0);
    packets
        .iter()
        .map(|p| {
            clock = if stream_clock { clock.max(p.ts) } else { p.ts };
            clock.0 / secs * secs
        })
        .collect()
}

/// Slot start -> key -> summed value.
type Slotted = BTreeMap<u64, BTreeMap<String, u64>>;

fn slotted(packets: &[Packet], slot_starts: &[u64], meter_of: MeterOf) -> Slotted {
    let mut map = Slotted::new();
    for (p, start) in packets.iter().zip(slot_starts) {
        for (key, v) in meter_of(p) {
            *map.entry(*start).or_default().entry(key).or_insert(0) += v;
        }
    }
    map
}

/// Top `n` of every bucket: value descending, then key ascending, no zeros.
fn expected_toppers(buckets: &Slotted, n: usize) -> Vec<Topper> {
    let mut out = Vec::new();
    for (start, keys) in buckets {
        let mut ranked: Vec<(&String, u64)> = keys
            .iter()
            .filter(|(_, v)| **v > 0)
            .map(|(k, v)| (k, *v))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out.extend(
            ranked
                .into_iter()
                .take(n)
                .enumerate()
                .map(|(i, (k, v))| Topper {
                    start_ts: *start,
                    rank: i as u64 + 1,
                    key: k.clone(),
                    value: v,
                }),
        );
    }
    out
}

/// Records the first difference between weir's toppers and the model's.
fn compare_toppers(what: &str, ours: &[Topper], theirs: &[Topper], failures: &mut Vec<String>) {
    if ours == theirs {
        return;
    }
    let at = ours
        .iter()
        .zip(theirs)
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    failures.push(format!(
        "{what}: {} toppers, model {}; first difference at line {at}: weir {:?}, model {:?}",
        ours.len(),
        theirs.len(),
        ours.get(at),
        theirs.get(at)
    ));
}

/// Topper settings of one group in one run.
struct TopperSpec {
    group: Group,
    meter_of: MeterOf,
    top: usize,
    bucket: u64,
}

/// Compares one group's meter-0 toppers with the model; returns the model's.
fn check_toppers(
    what: &str,
    out: &Path,
    packets: &[Packet],
    spec: &TopperSpec,
    failures: &mut Vec<String>,
) -> Vec<Topper> {
    let buckets = slotted(packets, &slots(packets, spec.bucket, true), spec.meter_of);
    let want = expected_toppers(&buckets, spec.top);
    let ours = weir_toppers(out, spec.group, 0, spec.bucket);
    let what = format!(
        "{what} {} top {} per {} s",
        spec.group.name, spec.top, spec.bucket
    );
    compare_toppers(&what, &ours, &want, failures);
    want
}

/// Lines per bucket of a topper list.
fn per_bucket(toppers: &[Topper]) -> BTreeMap<u64, usize> {
    let mut m = BTreeMap::new();
    for t in toppers {
        *m.entry(t.start_ts).or_insert(0) += 1;
    }
    m
}

/// Captures (read in this order) for the model-based checks: many hosts, and
/// one run whose second file is years older than the first, so that every
/// packet of it falls in the first file's last bucket on the stream clock.
const MODEL_RUNS: [&[&str]; 4] = [
    &["web-browse-2013.pcap"],
    &["home-lan-mixed.pcap"],
    &["alexa-app-mixed.pcapng"],
    &["alexa-app-mixed.pcapng", "web-browse-2013.pcap"],
];

/// The out-of-order run must put packets elsewhere than their own times
/// would, or it would not test the stream clock.
fn assert_clock_matters(pcaps: &[&str], packets: &[Packet], secs: u64) {
    if pcaps.len() > 1 {
        assert_ne!(
            slots(packets, secs, true),
            slots(packets, secs, false),
            "{pcaps:?}: packets in time order, the stream clock is not tested"
        );
    }
}

/// The model, summed over the whole run, must give tshark's own tables:
/// endpoint bytes per IPv4 host, conversation bytes per lower port.
fn assert_model_matches_oracle(pcaps: &[&str], packets: &[Packet]) {
    let totals = |meter_of: MeterOf| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for (k, v) in packets.iter().flat_map(meter_of) {
            *m.entry(k).or_insert(0) += v;
        }
        m
    };
    let mut hosts: BTreeMap<String, u64> = BTreeMap::new();
    let mut apps: BTreeMap<String, u64> = BTreeMap::new();
    for p in pcaps {
        for (k, h) in oracle_hosts(stem(p), "endpoints_ipv4.tsv") {
            *hosts.entry(k).or_insert(0) += h.bytes;
        }
        for (k, v) in oracle_apps(stem(p)) {
            *apps.entry(k).or_insert(0) += v;
        }
    }
    assert_eq!(
        totals(host_bytes),
        hosts,
        "{pcaps:?}: model vs endpoints_ipv4.tsv"
    );
    assert_eq!(
        totals(app_bytes),
        apps,
        "{pcaps:?}: model vs conv_tcp/conv_udp.tsv"
    );
}

#[test]
fn toppers_match_a_model_of_tshark_packets() {
    let mut failures = Vec::new();
    for pcaps in MODEL_RUNS {
        let what = pcaps.join("+");
        let packets = packets_of(pcaps);
        assert_model_matches_oracle(pcaps, &packets);
        assert_clock_matters(pcaps, &packets, DEFAULT_TOPPER_BUCKET);
        let hosts = |top, bucket| TopperSpec {
            group: HOSTS,
            meter_of: host_bytes,
            top,
            bucket,
        };
        let apps = TopperSpec {
            group: APPS,
            meter_of: app_bytes,
            top: DEFAULT_TOP,
            bucket: DEFAULT_TOPPER_BUCKET,
        };

        let dir = run(pcaps, &[]);
        let default_hosts = check_toppers(
            &what,
            dir.path(),
            &packets,
            &hosts(DEFAULT_TOP, DEFAULT_TOPPER_BUCKET),
            &mut failures,
        );
        check_toppers(&what, dir.path(), &packets, &apps, &mut failures);

        let option = "Hosts:top=5,topper-bucket=600";
        let dir = run(pcaps, &["--counter-group", option]);
        let what = format!("{what} --counter-group {option}");
        let top5 = check_toppers(&what, dir.path(), &packets, &hosts(5, 600), &mut failures);
        // Apps keeps its defaults.
        check_toppers(&what, dir.path(), &packets, &apps, &mut failures);

        // The option must change the result: some bucket has more than 5
        // hosts by default, and no 600 s bucket holds more than 5 toppers.
        assert!(
            per_bucket(&default_hosts).values().any(|&n| n > 5),
            "{what}: no bucket with more than 5 hosts, the option changes nothing"
        );
        let ours = weir_toppers(dir.path(), HOSTS, 0, 600);
        for (start, n) in per_bucket(&ours) {
            assert!(
                start % 600 == 0 && n <= 5,
                "{what}: bucket {start} has {n} Hosts toppers"
            );
        }
        assert_ne!(
            default_hosts, top5,
            "{what}: same toppers with and without the option"
        );
    }
    assert_no_failures(&failures);
}

/// weir's meter `id` of group `g` per interval and key (totals left out).
fn weir_slotted(c: &Counters, g: Group, id: usize) -> Slotted {
    let mut map = Slotted::new();
    for l in c.lines(g).filter(|l| l.key != TOTALS_KEY) {
        map.entry(l.start_ts)
            .or_default()
            .insert(l.key.clone(), meter(&l.meters, id));
    }
    map
}

/// `"START KEY"` -> value, to compare and report slotted values per line.
fn flatten(s: &Slotted) -> BTreeMap<String, u64> {
    s.iter()
        .flat_map(|(start, keys)| keys.iter().map(move |(k, v)| (format!("{start} {k}"), *v)))
        .collect()
}

#[test]
fn intervals_follow_the_stream_clock() {
    let mut failures = Vec::new();
    for pcaps in MODEL_RUNS {
        let packets = packets_of(pcaps);
        for interval in [DEFAULT_INTERVAL, 120] {
            assert_clock_matters(pcaps, &packets, interval);
            let extra: Vec<String> = if interval == DEFAULT_INTERVAL {
                vec![]
            } else {
                vec!["--interval".into(), interval.to_string()]
            };
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            let what = format!("{} {}", pcaps.join("+"), extra.join(" "));
            let dir = run(pcaps, &extra);
            let c = Counters::read(dir.path());
            for l in &c.0 {
                if l.interval != interval || l.start_ts % interval != 0 {
                    failures.push(format!(
                        "{what}: line with interval {} start {} ({} {})",
                        l.interval, l.start_ts, l.guid, l.key
                    ));
                }
            }
            let starts = slots(&packets, interval, true);
            for (g, meter_of) in [(HOSTS, host_bytes as MeterOf), (APPS, app_bytes)] {
                compare(
                    &format!("{what} {} meter 0 per interval", g.name),
                    &flatten(&weir_slotted(&c, g, 0)),
                    &flatten(&slotted(&packets, &starts, meter_of)),
                    &mut failures,
                );
            }
        }
    }
    assert_no_failures(&failures);
}

// ---------------------------------------------------------------------------
// Key cap.
// ---------------------------------------------------------------------------

#[test]
fn max_keys_caps_keys_per_interval_and_totals_keep_everything() {
    let cap = 3;
    for name in ["web-browse-2013.pcap", "home-lan-mixed.pcap"] {
        let endpoints = oracle_hosts(stem(name), "endpoints_ipv4.tsv");
        assert!(
            endpoints.len() > 2 * cap,
            "{name}: {} IPv4 hosts, too few to test a cap of {cap}",
            endpoints.len()
        );
        let dir = run(&[name], &["--max-keys", &cap.to_string()]);
        let c = Counters::read(dir.path());
        for g in GROUPS {
            for (start, keys) in c.per_interval(g) {
                let n = keys.keys().filter(|k| *k != TOTALS_KEY).count();
                assert!(
                    n <= cap,
                    "{name} --max-keys {cap}: {} interval {start} has {n} keys",
                    g.name
                );
            }
        }

        let s = summary(dir.path());
        let groups = s["counter_groups"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: summary.json has no counter_groups array: {s}"));
        let hosts = groups
            .iter()
            .find(|g| g["guid"] == HOSTS.guid)
            .unwrap_or_else(|| panic!("{name}: no Hosts in counter_groups: {s}"));
        assert_eq!(hosts["name"], HOSTS.name, "{hosts}");
        let dropped = u64_field(hosts, "dropped_updates") + u64_field(hosts, "dropped_keys");
        assert!(
            dropped > 0,
            "{name} --max-keys {cap}: nothing dropped: {hosts}"
        );

        let bytes: u64 = endpoints.values().map(|h| h.bytes).sum();
        let packets: u64 = endpoints.values().map(|h| h.packets).sum();
        assert_eq!(
            c.totals(HOSTS, HOST_BYTES),
            bytes,
            "{name} --max-keys {cap}: Hosts {TOTALS_KEY} bytes vs the sum of tshark's endpoint bytes"
        );
        assert_eq!(
            c.totals(HOSTS, HOST_PACKETS),
            packets,
            "{name} --max-keys {cap}: Hosts {TOTALS_KEY} packets vs the sum of tshark's endpoint packets"
        );
    }
}

// ---------------------------------------------------------------------------
// The key cap on a generated capture with more hosts than the cap.
// ---------------------------------------------------------------------------

/// 300 clients (10.9.x.y) each send one UDP datagram to its own server
/// (198.51.x.y) within one interval: 600 Hosts keys. With `--max-keys 100`
/// every interval holds at most 100 Hosts keys, the summary reports the
/// drops, and `SYS:GROUP_TOTALS` still holds every byte, which the test
/// counts from the frames it wrote.
#[test]
fn key_cap_on_a_generated_capture_with_more_hosts_than_the_cap() {
    use weir_capture::synth::{udp_exchange, write_frames};
    use weir_capture::write::{PcapWriter, LINKTYPE_ETHERNET};
    use weir_plugin_api::Timestamp;

    let dir = tempdir();
    let path = dir.path().join("many-hosts.pcap");
    let start = Timestamp {
        secs: 1_700_000_040,
        usecs: 0,
    };
    let mut frames = Vec::new();
    for i in 0..300u32 {
        let client = format!("10.9.{}.{}:40000", i / 200, i % 200 + 1);
        let server = format!("198.51.{}.{}:53", i / 200, i % 200 + 1);
        let at = weir_capture::synth::advance(start, u64::from(i) * 1000);
        frames.extend(udp_exchange(
            client.parse().unwrap(),
            server.parse().unwrap(),
            at,
            b"query",
            b"answer",
        ));
    }
    let wire_bytes: u64 = frames.iter().map(|(_, f)| f.len() as u64).sum();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = PcapWriter::new(file, LINKTYPE_ETHERNET, false, false).unwrap();
    write_frames(&mut w, &frames).unwrap();
    w.flush().unwrap();

    let out = dir.path().join("out");
    let run = run_on(&[path], &out, &["--max-keys".into(), "100".into()]);
    expect_code(&run, 0);
    let lines = ndjson(&out.join("counters.ndjson"));
    let hosts: Vec<&Value> = lines
        .iter()
        .filter(|l| l["group"] == "Hosts" && l["key"] != "SYS:GROUP_TOTALS")
        .collect();
    assert_eq!(hosts.len(), 100, "one interval, capped at 100 keys");
    let totals: u64 = lines
        .iter()
        .filter(|l| l["group"] == "Hosts" && l["key"] == "SYS:GROUP_TOTALS")
        .map(|l| l["meters"][0].as_u64().unwrap())
        .sum();
    // Every frame counts for its source and its destination host.
    assert_eq!(totals, 2 * wire_bytes);
    let summary = summary(&out);
    let g = summary["counter_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Hosts")
        .unwrap();
    assert_eq!(g["keys"], 100);
    // 500 keys found the table full; a flow's traffic is folded into its
    // hosts once per interval, so each refused key is one refused update.
    assert_eq!(
        g["dropped_updates"].as_u64().unwrap() + g["dropped_keys"].as_u64().unwrap(),
        500
    );
}
