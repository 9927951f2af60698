//! Tests of the EVE parser, reader and flow matching: lines in Suricata 7's
//! exact format, malformed lines, timestamps, properties, and real files
//! that grow, get truncated and get rotated.

use super::eve::parse_timestamp;
use super::*;
use crate::source::Timestamp;
use proptest::prelude::*;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::time::Duration;

const TLS_ALERT: &str = r#"{"timestamp":"2017-03-31T17:20:29.453118+0000","flow_id":1234,"in_iface":"eth0","event_type":"alert","src_ip":"172.16.42.216","src_port":55242,"dest_ip":"52.85.209.197","dest_port":443,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2013028,"rev":7,"signature":"ET POLICY curl User-Agent Outbound","category":"Potential Corporate Privacy Violation","severity":2},"app_proto":"tls"}"#;

const V6_ALERT: &str = r#"{"timestamp":"2023-11-20T10:15:01.000042+0100","flow_id":1799024542290104,"in_iface":"enp0s3","event_type":"alert","vlan":[10,20],"src_ip":"2001:db8::1","src_port":53,"dest_ip":"2001:0db8:0000:0000:0000:0000:0000:0002","dest_port":40000,"proto":"UDP","pkt_src":"wire/pcap","direction":"to_client","alert":{"action":"blocked","gid":1,"signature_id":2027863,"rev":3,"signature":"ET INFO Observed DNS Query to .cloud TLD","category":"Potentially Bad Traffic","severity":2,"metadata":{"created_at":["2019_08_13"],"updated_at":["2020_09_17"]}},"dns":{"query":[{"type":"query","id":1,"rrname":"x.cloud","rrtype":"A","tx_id":0,"opcode":0}]},"app_proto":"dns","flow":{"pkts_toserver":1,"pkts_toclient":1,"bytes_toserver":80,"bytes_toclient":96,"start":"2023-11-20T10:15:00.999000+0100"}}"#;

const ICMP_ALERT: &str = r#"{"timestamp":"2024-01-02T03:04:05.5+00:00","flow_id":9,"event_type":"alert","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"ICMP","icmp_type":8,"icmp_code":0,"pkt_src":"wire/pcap","alert":{"action":"allowed","gid":1,"signature_id":1000002,"rev":1,"signature":"weir test ping","severity":3}}"#;

const FLOW_EVENT: &str = r#"{"timestamp":"2017-03-31T17:21:29.453118+0000","flow_id":1234,"event_type":"flow","src_ip":"172.16.42.216","src_port":55242,"dest_ip":"52.85.209.197","dest_port":443,"proto":"TCP","app_proto":"tls","flow":{"pkts_toserver":10,"pkts_toclient":9,"bytes_toserver":1200,"bytes_toclient":5000,"start":"2017-03-31T17:20:29.400000+0000","end":"2017-03-31T17:20:31.000000+0000","age":2,"state":"closed","reason":"timeout","alerted":true},"tcp":{"tcp_flags":"1b","syn":true,"fin":true,"psh":true,"ack":true,"state":"closed"}}"#;

const DNS_EVENT: &str = r#"{"timestamp":"2017-03-31T17:20:30.000001+0000","flow_id":77,"event_type":"dns","src_ip":"172.16.42.216","src_port":5353,"dest_ip":"172.16.42.1","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"query","id":4242,"rrname":"example.com","rrtype":"A","tx_id":0,"opcode":0}}"#;

const STATS_EVENT: &str = r#"{"timestamp":"2017-03-31T17:21:00.000000+0000","event_type":"stats","stats":{"uptime":30,"capture":{"kernel_packets":100,"kernel_drops":0},"decoder":{"pkts":100,"bytes":12000,"ipv4":100,"vlan":[1,2]},"flow":{"memuse":7000}}}"#;

fn alert_of(line: &str) -> EveAlert {
    match parse_line(line.as_bytes()) {
        Ok(EveEvent::Alert(a)) => a,
        other => panic!("not an alert: {other:?}"),
    }
}

fn err_of(line: &[u8]) -> String {
    match parse_line(line) {
        Err(e) => e.to_string(),
        ok => panic!("parsed: {ok:?}"),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn suricata_tls_alert() {
    let a = alert_of(TLS_ALERT);
    assert_eq!(a.ts.secs, 1_490_980_829);
    assert_eq!(a.ts.usecs, 453_118);
    assert_eq!(a.flow_id, Some(1234));
    assert_eq!((a.src_ip, a.src_port), (ip("172.16.42.216"), Some(55242)));
    assert_eq!((a.dest_ip, a.dest_port), (ip("52.85.209.197"), Some(443)));
    assert_eq!(a.proto, 6);
    assert!(a.vlan.is_empty());
    assert_eq!(a.direction, None);
    assert_eq!(a.action, "allowed");
    assert_eq!((a.gid, a.signature_id, a.rev), (1, 2013028, 7));
    assert_eq!(a.signature, "ET POLICY curl User-Agent Outbound");
    assert_eq!(a.category, "Potential Corporate Privacy Violation");
    assert_eq!(a.severity, 2);
    assert_eq!(a.app_proto.as_deref(), Some("tls"));
    let w = a.weir_fields();
    assert_eq!(w.sigid, "1:2013028:7");
    assert_eq!(w.classification, "Potential Corporate Privacy Violation");
    assert_eq!(w.priority, 2);
    assert_eq!(w.message, "ET POLICY curl User-Agent Outbound");
    assert_eq!(w.extra_message, "action=allowed app_proto=tls flow_id=1234");
}

#[test]
fn ipv6_vlan_direction_and_offset() {
    let a = alert_of(V6_ALERT);
    // 10:15:01 at +01:00 is 09:15:01 UTC.
    assert_eq!(
        a.ts,
        parse_timestamp("2023-11-20T09:15:01.000042Z").unwrap()
    );
    assert_eq!(a.ts.usecs, 42);
    assert_eq!(a.src_ip, ip("2001:db8::1"));
    assert_eq!(a.dest_ip, ip("2001:db8::2"));
    assert_eq!(a.proto, 17);
    assert_eq!(a.vlan, vec![10, 20]);
    assert_eq!(a.direction, Some(eve::Direction::ToClient));
    assert_eq!(a.action, "blocked");
    assert_eq!(a.app_proto.as_deref(), Some("dns"));
}

#[test]
fn icmp_without_ports_or_category() {
    let a = alert_of(ICMP_ALERT);
    assert_eq!((a.src_port, a.dest_port), (None, None));
    assert_eq!(a.proto, 1);
    assert_eq!(a.category, "");
    assert_eq!(a.ts.usecs, 500_000);
    let w = a.weir_fields();
    assert_eq!(w.priority, 3);
    assert_eq!(w.extra_message, "action=allowed flow_id=9");
    assert_eq!(FlowMatch::of_alert(&a).lo, (ip("10.0.0.1"), 0));
}

#[test]
fn other_event_types() {
    for (line, t) in [
        (FLOW_EVENT, "flow"),
        (DNS_EVENT, "dns"),
        (STATS_EVENT, "stats"),
    ] {
        assert_eq!(
            parse_line(line.as_bytes()),
            Ok(EveEvent::Other(t.to_string()))
        );
    }
    // Other events need none of the alert members.
    assert_eq!(
        parse_line(br#"{"event_type":"anomaly"}"#),
        Ok(EveEvent::Other("anomaly".into()))
    );
}

#[test]
fn proto_forms() {
    for (p, n) in [
        (r#""TCP""#, 6),
        (r#""udp""#, 17),
        (r#""IPv6-ICMP""#, 58),
        (r#""SCTP""#, 132),
        (r#""047""#, 47),
        (r#""255""#, 255),
        ("50", 50),
    ] {
        let line = ICMP_ALERT.replace(r#""ICMP""#, p);
        assert_eq!(alert_of(&line).proto, n, "{p}");
    }
    for p in [r#""IPX""#, r#""256""#, r#""""#, "256", "-1", "6.0", "true"] {
        let line = ICMP_ALERT.replace(r#""ICMP""#, p);
        assert!(err_of(line.as_bytes()).starts_with("bad proto "), "{p}");
    }
}

#[test]
fn malformed_lines_name_their_cause() {
    let cut = &TLS_ALERT[..TLS_ALERT.len() - 10];
    assert!(err_of(cut.as_bytes()).starts_with("not JSON: EOF while parsing"));
    assert!(err_of(b"hello").starts_with("not JSON: "));
    assert_eq!(err_of(b"[1,2]"), "not a JSON object");
    assert_eq!(err_of(b"42"), "not a JSON object");
    assert_eq!(err_of(br#"{"timestamp":"x"}"#), "event without event_type");
    assert_eq!(err_of(br#"{"event_type":5}"#), "event without event_type");
    assert!(
        err_of(br#"{"event_type":"a","event_type":"b"}"#).starts_with("bad event: duplicate field")
    );
    let mut bytes = TLS_ALERT.as_bytes().to_vec();
    bytes[60] = 0xff;
    assert_eq!(err_of(&bytes), "not UTF-8 at byte 60");
    let cases = [
        (r#""src_ip":"172.16.42.216","#, "", "alert without src_ip"),
        (
            r#""src_ip":"172.16.42.216""#,
            r#""src_ip":null"#,
            "alert without src_ip",
        ),
        (r#""dest_ip":"52.85.209.197","#, "", "alert without dest_ip"),
        (r#""proto":"TCP","#, "", "alert without proto"),
        (
            r#""signature_id":2013028,"#,
            "",
            "alert without alert.signature_id",
        ),
        (
            r#""severity":2"#,
            r#""severity":"2""#,
            r#"bad alert.severity "2""#,
        ),
        (r#""severity":2"#, r#""severity":0"#, "bad alert.severity 0"),
        (
            r#""severity":2"#,
            r#""severity":256"#,
            "bad alert.severity 256",
        ),
        (
            r#""src_port":55242"#,
            r#""src_port":65536"#,
            "bad src_port 65536",
        ),
        (
            r#""src_port":55242"#,
            r#""src_port":"80""#,
            r#"bad src_port "80""#,
        ),
        (
            r#""src_ip":"172.16.42.216""#,
            r#""src_ip":"172.16.42.300""#,
            r#"bad src_ip "172.16.42.300""#,
        ),
        (
            r#""src_ip":"172.16.42.216""#,
            r#""src_ip":[1]"#,
            "bad src_ip an array",
        ),
        (r#""flow_id":1234"#, r#""flow_id":-1"#, "bad flow_id -1"),
        (
            r#""gid":1"#,
            r#""gid":4294967296"#,
            "bad alert.gid 4294967296",
        ),
        (r#""rev":7"#, r#""rev":7.5"#, "bad alert.rev 7.5"),
        (
            r#""app_proto":"tls""#,
            r#""app_proto":{}"#,
            "bad app_proto an object",
        ),
        (
            r#""timestamp":"2017-03-31T17:20:29.453118+0000""#,
            r#""timestamp":"2017-02-30T17:20:29.453118+0000""#,
            r#"bad timestamp "2017-02-30T17:20:29.453118+0000""#,
        ),
        (
            r#""timestamp":"2017-03-31T17:20:29.453118+0000""#,
            r#""timestamp":1490980829"#,
            "bad timestamp 1490980829",
        ),
    ];
    for (from, to, want) in cases {
        assert!(TLS_ALERT.contains(from), "{from}");
        let line = TLS_ALERT.replace(from, to);
        assert_eq!(err_of(line.as_bytes()), want, "{from} -> {to}");
    }
    let no_body = TLS_ALERT.split(r#","alert":"#).next().unwrap().to_string() + "}";
    assert_eq!(err_of(no_body.as_bytes()), "alert without alert");
    let long = format!(
        r#"{{"event_type":"alert","timestamp":"{}"}}"#,
        "9".repeat(500)
    );
    let e = err_of(long.as_bytes());
    assert!(
        e.len() < 120 && e.ends_with("...") && e.starts_with("bad timestamp \"999"),
        "{e}"
    );
}

#[test]
fn timestamps() {
    let base = Timestamp {
        secs: 1_704_164_645,
        usecs: 123_456,
    }; // 2024-01-02T03:04:05.123456Z
    for s in [
        "2024-01-02T03:04:05.123456+0000",
        "2024-01-02T03:04:05.123456Z",
        "2024-01-02T03:04:05.123456",
        "2024-01-02T04:04:05.123456+0100",
        "2024-01-02T04:04:05.123456+01:00",
        "2024-01-02T04:04:05.123456+01",
        "2024-01-01T21:34:05.123456-0530",
        "2024-01-01T21:34:05.123456-05:30",
        "2024-01-02 03:04:05.123456789+0000",
    ] {
        assert_eq!(parse_timestamp(s), Some(base), "{s}");
    }
    assert_eq!(
        parse_timestamp("1970-01-01T00:00:00+0000"),
        Some(Timestamp::from_secs(0))
    );
    assert_eq!(
        parse_timestamp("2024-02-29T00:00:00.1Z").map(|t| t.usecs),
        Some(100_000)
    );
    assert_eq!(
        parse_timestamp("2016-12-31T23:59:60Z"),
        parse_timestamp("2017-01-01T00:00:00Z")
    );
    for s in [
        "",
        "2024-01-02",
        "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-02T24:00:00Z",
        "2024-01-02T03:04:05.Z",
        "2024-01-02T03:04:05.1234567890Z",
        "2024-01-02T03:04:05+2400",
        "2024-01-02T03:04:05+01:0",
        "2024-01-02T03:04:05+01:000",
        "2024-01-02T03:04:05ZZ",
        "1970-01-01T00:00:00+0100",
        "1969-12-31T23:59:59Z",
        "2024-01-02T03:04:05 +0000",
        "２024-01-02T03:04:05Z",
    ] {
        assert_eq!(parse_timestamp(s), None, "{s}");
    }
}

#[test]
fn priorities() {
    assert_eq!(map_priority(1), 1);
    assert_eq!(map_priority(2), 2);
    assert_eq!(map_priority(3), 3);
    assert_eq!(map_priority(255), 3);
    assert_eq!(map_priority(0), 3);
}

#[test]
fn flow_match_key_and_time() {
    let a = alert_of(TLS_ALERT);
    let k = FlowMatch::of_alert(&a);
    let rev = FlowMatch::new(6, (a.dest_ip, 443), (a.src_ip, 55242));
    assert_eq!(k, rev);
    assert!(k.lo <= k.hi);
    assert_eq!(k.lo, (ip("52.85.209.197"), 443));
    let t = a.ts;
    let s = Duration::from_secs(1);
    let at = |us: i64| Timestamp::from_micros((t.as_micros() as i64 + us) as u64);
    assert!(matches(&a, at(-10), at(10), Duration::ZERO));
    assert!(matches(&a, t, t, Duration::ZERO));
    assert!(matches(&a, at(1_000_000), at(2_000_000), s));
    assert!(!matches(&a, at(1_000_001), at(2_000_000), s));
    assert!(matches(&a, at(-3_000_000), at(-1_000_000), s));
    assert!(!matches(&a, at(-3_000_000), at(-1_000_001), s));
    assert!(matches(
        &a,
        Timestamp::from_secs(0),
        Timestamp::from_secs(0),
        Duration::MAX
    ));
    // Same 5-tuple on IPv6 and with equal ports.
    let v6 = alert_of(V6_ALERT);
    let k6 = FlowMatch::of_alert(&v6);
    assert_eq!(k6.lo, (ip("2001:db8::1"), 53));
    let same = FlowMatch::new(1, (ip("10.0.0.2"), 0), (ip("10.0.0.1"), 0));
    assert_eq!(same.lo.0, ip("10.0.0.1"));
}

/// A reader over `data`, in pieces cut at `cuts`, that reports end of file
/// (a 0-byte read) after each piece, as a growing file does.
struct Pieces {
    data: Vec<u8>,
    cuts: Vec<usize>,
    at: usize,
    eof_next: bool,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.eof_next {
            self.eof_next = false;
            return Ok(0);
        }
        let cut = if self.cuts.is_empty() {
            self.data.len() - self.at
        } else {
            self.cuts.remove(0)
        };
        let n = cut.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        self.eof_next = true;
        Ok(n)
    }
}

/// Reads `data` in pieces (one poll per piece until nothing is left), then
/// finishes.
fn read_split(data: &[u8], cuts: &[usize], max_line: usize) -> (Vec<EveAlert>, EveStats) {
    let mut r = EveReader::new(Pieces {
        data: data.to_vec(),
        cuts: cuts.to_vec(),
        at: 0,
        eof_next: false,
    })
    .with_max_line(max_line);
    let mut out = Vec::new();
    let mut polls = 0;
    while r.stats().bytes < data.len() as u64 || polls == 0 {
        let n = r.poll(&mut out).unwrap();
        assert!(n <= out.len());
        assert!(r.pending() <= max_line);
        polls += 1;
        assert!(polls <= data.len() + cuts.len() + 2);
    }
    r.poll(&mut out).unwrap();
    r.finish(&mut out);
    let st = r.stats().clone();
    let sum: u64 = st.other_events.values().sum();
    assert_eq!(st.lines, st.blank + st.alerts + sum + st.malformed);
    assert_eq!(st.alerts, out.len() as u64);
    (out, st)
}

fn sample_file() -> String {
    let mut s = String::new();
    for l in [
        TLS_ALERT,
        FLOW_EVENT,
        "",
        DNS_EVENT,
        V6_ALERT,
        "\r",
        STATS_EVENT,
        "{\"broken",
        ICMP_ALERT,
    ] {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s
}

#[test]
fn reader_counts_everything() {
    let data = sample_file();
    let (alerts, st) = read_split(data.as_bytes(), &[], DEFAULT_MAX_LINE);
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts[1].signature_id, 2027863);
    assert_eq!(st.lines, 9);
    assert_eq!(st.blank, 2);
    assert_eq!(st.malformed, 1);
    assert_eq!(st.too_long, 0);
    assert_eq!(st.bytes, data.len() as u64);
    assert_eq!(st.other_events.len(), 3);
    assert_eq!(st.other_events["flow"], 1);
    assert!(st
        .first_error
        .as_deref()
        .unwrap()
        .starts_with("line 8: not JSON: "));
}

#[test]
fn reader_partial_last_line_and_long_lines() {
    let data = format!("{TLS_ALERT}\n{ICMP_ALERT}");
    let mut r = EveReader::new(std::io::Cursor::new(data.into_bytes()));
    let mut out = Vec::new();
    assert_eq!(r.poll(&mut out).unwrap(), 1);
    assert_eq!(r.pending(), ICMP_ALERT.len());
    assert_eq!(r.finish(&mut out), 1);
    assert_eq!(r.stats().lines, 2);

    // A line over the cap is one malformed line, skipped to its newline,
    // whether it comes in one read or many.
    let long = format!("{{\"event_type\":\"x\",\"pad\":\"{}\"}}", "a".repeat(3000));
    let data = format!("{TLS_ALERT}\n{long}\n{ICMP_ALERT}\n{long}");
    let max = TLS_ALERT.len() + 10;
    for cuts in [vec![], vec![7; 2000], vec![1000; 20]] {
        let (alerts, st) = read_split(data.as_bytes(), &cuts, max);
        assert_eq!(alerts.len(), 2);
        assert_eq!((st.lines, st.malformed, st.too_long), (4, 2, 2));
        assert_eq!(
            st.first_error.as_deref(),
            Some(format!("line 2: line longer than {max} bytes").as_str())
        );
    }
    // Exactly at the cap is fine.
    let (alerts, st) = read_split(format!("{TLS_ALERT}\n").as_bytes(), &[], TLS_ALERT.len());
    assert_eq!((alerts.len(), st.malformed), (1, 0));
}

#[test]
fn reader_caps_event_types() {
    let mut data = String::new();
    for i in 0..(MAX_EVENT_TYPES + 10) {
        data.push_str(&format!("{{\"event_type\":\"t{i}\"}}\n"));
    }
    data.push_str(&format!(
        "{{\"event_type\":\"{}\"}}\n",
        "y".repeat(MAX_EVENT_TYPE_LEN + 1)
    ));
    data.push_str("{\"event_type\":\"t0\"}\n");
    let (_, st) = read_split(data.as_bytes(), &[], DEFAULT_MAX_LINE);
    assert_eq!(st.other_events.len(), MAX_EVENT_TYPES + 1);
    assert_eq!(st.other_events[OTHER_TYPES_KEY], 11);
    assert_eq!(st.other_events["t0"], 2);
}

fn append(path: &std::path::Path, s: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(s.as_bytes()).unwrap();
}

#[test]
fn growing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    append(&path, "");
    let mut r = EveReader::open(&path).unwrap();
    let mut out = Vec::new();
    assert_eq!(r.poll(&mut out).unwrap(), 0);
    append(&path, &format!("{TLS_ALERT}\n{}", &ICMP_ALERT[..50]));
    assert_eq!(r.poll(&mut out).unwrap(), 1);
    assert_eq!(r.pending(), 50);
    assert_eq!(r.poll(&mut out).unwrap(), 0);
    append(&path, &format!("{}\n{FLOW_EVENT}\n", &ICMP_ALERT[50..]));
    assert_eq!(r.poll(&mut out).unwrap(), 1);
    assert_eq!(out[1].signature, "weir test ping");
    let st = r.stats();
    assert_eq!(
        (st.lines, st.alerts, st.malformed, st.truncations),
        (3, 2, 0, 0)
    );
}

#[test]
fn truncated_and_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    append(
        &path,
        &format!("{TLS_ALERT}\n{FLOW_EVENT}\n{}", &V6_ALERT[..40]),
    );
    let mut r = EveReader::open(&path).unwrap();
    let mut out = Vec::new();
    assert_eq!(r.poll(&mut out).unwrap(), 1);
    // copytruncate: the file starts again, shorter than what was read.
    std::fs::File::create(&path).unwrap();
    append(&path, &format!("{ICMP_ALERT}\n"));
    assert_eq!(r.poll(&mut out).unwrap(), 1);
    assert_eq!(out[1].proto, 1);
    let st = r.stats().clone();
    assert_eq!(st.truncations, 1);
    // The 40 bytes left of the old file count as one malformed line.
    assert_eq!((st.lines, st.malformed), (4, 1));

    // Rename rotation: the old file gets a last line, then the path is a new file.
    let old = dir.path().join("eve.json.1");
    std::fs::rename(&path, &old).unwrap();
    append(&old, &format!("{V6_ALERT}\n"));
    assert_eq!(
        r.poll(&mut out).unwrap(),
        1,
        "still reading the renamed file"
    );
    append(&path, &format!("{TLS_ALERT}\n"));
    let n = r.poll(&mut out).unwrap();
    if cfg!(unix) {
        assert_eq!(n, 1);
        assert_eq!(r.stats().reopens, 1);
        assert_eq!(out.len(), 4);
        assert_eq!(out[3].signature_id, 2013028);
    }
}

/// Bytes that look like EVE lines: pieces of real lines, newlines, junk.
fn eveish() -> impl Strategy<Value = Vec<u8>> {
    let lines = [
        TLS_ALERT,
        V6_ALERT,
        ICMP_ALERT,
        FLOW_EVENT,
        DNS_EVENT,
        STATS_EVENT,
    ];
    let part = prop_oneof![
        proptest::sample::select(lines.to_vec()).prop_map(|l| format!("{l}\n").into_bytes()),
        (
            proptest::sample::select(lines.to_vec()),
            any::<proptest::sample::Index>()
        )
            .prop_map(|(l, i)| l.as_bytes()[..i.index(l.len())].to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    proptest::collection::vec(part, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_line(&bytes);
    }

    #[test]
    fn parse_cuts_and_edits_never_panic(
        line in proptest::sample::select(vec![TLS_ALERT, V6_ALERT, ICMP_ALERT, STATS_EVENT]),
        cut in any::<proptest::sample::Index>(),
        at in any::<proptest::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut b = line.as_bytes()[..cut.index(line.len() + 1)].to_vec();
        let _ = parse_line(&b);
        if !b.is_empty() {
            let i = at.index(b.len());
            b[i] = byte;
            let _ = parse_line(&b);
        }
    }

    #[test]
    fn reader_split_invariant(
        data in eveish(),
        cuts in proptest::collection::vec(1usize..300, 0..30),
        small in any::<bool>(),
    ) {
        let max = if small { 200 } else { DEFAULT_MAX_LINE };
        let whole = read_split(&data, &[], max);
        let split = read_split(&data, &cuts, max);
        prop_assert_eq!(&whole, &split);
        let bytewise = read_split(&data, &vec![1; data.len()], max);
        prop_assert_eq!(&whole, &bytewise);
    }
}
