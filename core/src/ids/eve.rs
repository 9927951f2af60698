//! The `eve` module deals with one line of a Suricata EVE JSON file: it
//! turns the bytes of the line into an [`EveEvent`] — an [`EveAlert`] for an
//! `alert` event, the event type for any other — or an [`EveError`] that
//! names what was wrong.
//!
//! **What is read.** A line is one JSON object (EVE writes one per line).
//! Only the members an alert needs are deserialised, borrowing from the
//! line where no JSON escape forces a copy; every other member (`flow`,
//! `tls`, `http`, `metadata`, the whole body of a `stats` event) is skipped
//! without being built. Members of the wrong JSON type are not a
//! deserialisation failure but a named error from the checks that follow
//! (`bad src_port "x"`), so each error has exactly one cause.
//!
//! **Required** in an alert: `timestamp`, `src_ip`, `dest_ip`, `proto`, and
//! in `alert`: `action`, `gid`, `signature_id`, `rev`, `signature`,
//! `severity` (Suricata 4 to 8 always write them). Optional: `flow_id`,
//! `src_port`/`dest_port` (absent for ICMP), `vlan`, `direction`,
//! `alert.category` (absent when the rule has no `classtype`), `app_proto`.
//!
//! ```
//! use weir_core::ids::eve::{parse_line, EveEvent};
//!
//! let line = br#"{"timestamp":"2017-03-31T17:20:29.453118+0100","event_type":"alert","src_ip":"10.0.0.1","src_port":1234,"dest_ip":"10.0.0.2","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2000001,"rev":3,"signature":"TEST","category":"Misc","severity":2}}"#;
//! let EveEvent::Alert(a) = parse_line(line).unwrap() else { panic!() };
//! assert_eq!(a.ts.secs, 1_490_977_229); // 16:20:29 UTC
//! assert_eq!(a.ts.usecs, 453_118);
//! assert_eq!(a.weir_fields().sigid, "1:2000001:3");
//! ```

use crate::source::Timestamp;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

/// What one EVE line holds.
// An alert is returned by value, one line at a time, and moved straight
// into the caller's Vec: boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EveEvent {
    /// An `alert` event.
    Alert(EveAlert),
    /// Any other event: its `event_type` (`flow`, `dns`, `stats`, ...), as
    /// written.
    Other(String),
}

/// Which way the packet that raised an alert travelled, as Suricata saw the
/// flow (EVE's `direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `to_server`: from the flow's initiator.
    ToServer,
    /// `to_client`: towards the flow's initiator.
    ToClient,
}

/// A Suricata alert, from one EVE `alert` event.
///
/// `src_*` and `dest_*` are the packet that matched the rule (not the flow's
/// initiator: see [`EveAlert::direction`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EveAlert {
    /// When the packet was seen, in UTC (EVE's `timestamp` with its offset
    /// applied; digits below the microsecond are dropped).
    pub ts: Timestamp,
    /// Suricata's flow id (EVE's `flow_id`), when written. It ties the
    /// alert to Suricata's own `flow` events, not to weir's flows.
    pub flow_id: Option<u64>,
    /// Source address of the packet.
    pub src_ip: IpAddr,
    /// Source port; `None` for port-less protocols (ICMP).
    pub src_port: Option<u16>,
    /// Destination address of the packet.
    pub dest_ip: IpAddr,
    /// Destination port; `None` for port-less protocols (ICMP).
    pub dest_port: Option<u16>,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...), from
    /// EVE's `proto` name or number.
    pub proto: u8,
    /// VLAN ids, outermost first (EVE's `vlan`); empty when absent. Each is
    /// `0..=4095`.
    pub vlan: Vec<u16>,
    /// EVE's `direction`, when written (Suricata 7 and later) and one of
    /// the two known values.
    pub direction: Option<Direction>,
    /// What Suricata did: `allowed`, `blocked` (`alert.action`).
    pub action: String,
    /// Generator id (`alert.gid`; 1 for rules from rule files).
    pub gid: u32,
    /// Signature id (`alert.signature_id`, the rule's `sid`).
    pub signature_id: u32,
    /// Revision of the rule (`alert.rev`).
    pub rev: u32,
    /// The rule's `msg` (`alert.signature`).
    pub signature: String,
    /// The classification text of the rule's `classtype`
    /// (`alert.category`); empty when the rule has none.
    pub category: String,
    /// Suricata's priority, `1..=255`: 1 is the most severe, 3 the default
    /// (`alert.severity`). See [`map_priority`].
    pub severity: u8,
    /// The application protocol Suricata detected on the flow
    /// (`app_proto`), when written.
    pub app_proto: Option<String>,
}

/// The fields of a weir alert (of the External IDS alert group) made from
/// an [`EveAlert`], by [`EveAlert::weir_fields`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeirAlertFields {
    /// `"<gid>:<signature_id>:<rev>"`, e.g. `1:2013028:7`.
    pub sigid: String,
    /// The alert's category.
    pub classification: String,
    /// weir priority `1..=3`, by [`map_priority`].
    pub priority: u8,
    /// The alert's signature text.
    pub message: String,
    /// `action=<action>`, then ` app_proto=<app_proto>` and
    /// ` flow_id=<Suricata flow id>` when known, e.g.
    /// `action=allowed app_proto=tls flow_id=1234`.
    pub extra_message: String,
}

impl EveAlert {
    /// The weir alert fields of this alert.
    pub fn weir_fields(&self) -> WeirAlertFields {
        let mut extra = format!("action={}", self.action);
        if let Some(p) = &self.app_proto {
            extra.push_str(" app_proto=");
            extra.push_str(p);
        }
        if let Some(id) = self.flow_id {
            extra.push_str(&format!(" flow_id={id}"));
        }
        WeirAlertFields {
            sigid: format!("{}:{}:{}", self.gid, self.signature_id, self.rev),
            classification: self.category.clone(),
            priority: map_priority(self.severity),
            message: self.signature.clone(),
            extra_message: extra,
        }
    }
}

/// weir's alert priority (`1..=3`, 1 the most severe) for a Suricata
/// severity: 1 → 1, 2 → 2, 3 and above (and the invalid 0) → 3.
pub fn map_priority(severity: u8) -> u8 {
    match severity {
        1 => 1,
        2 => 2,
        _ => 3,
    }
}

/// Why a line is not a usable EVE event. Each variant is one cause; the
/// text (`Display`) names it, with the offending value quoted and cut to
/// [`MAX_QUOTED`] characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EveError {
    /// The line is not valid UTF-8 (JSON must be); `at` is the byte offset
    /// of the first invalid byte.
    #[error("not UTF-8 at byte {at}")]
    NotUtf8 {
        /// Offset of the first invalid byte in the line.
        at: usize,
    },
    /// The line is not JSON, with serde_json's reason.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// The line is JSON but not an object.
    #[error("not a JSON object")]
    NotObject,
    /// The line is a JSON object that cannot be an EVE event: a member of
    /// those read is there twice (serde_json's reason).
    #[error("bad event: {0}")]
    Invalid(String),
    /// The object has no string `event_type`.
    #[error("event without event_type")]
    NoEventType,
    /// A required member of an alert is absent (or `null`); the text is its
    /// path, e.g. `src_ip`, `alert.signature_id`.
    #[error("alert without {0}")]
    Missing(&'static str),
    /// A member is present but its value is not usable (wrong JSON type or
    /// out of range); `field` is its path, `value` the value as written
    /// (strings quoted, containers as `an object`/`an array`).
    #[error("bad {field} {value}")]
    Bad {
        /// Path of the member, e.g. `timestamp`, `alert.severity`.
        field: &'static str,
        /// The value, rendered and cut to [`MAX_QUOTED`] characters.
        value: String,
    },
}

/// Longest rendering of an offending value in an [`EveError`], in
/// characters (the error texts end in stats and logs; lines can be 1 MiB).
pub const MAX_QUOTED: usize = 80;

/// Parses one EVE line (without or with its `\n`/`\r\n`; surrounding JSON
/// whitespace is allowed). Never panics; allocates only the strings of the
/// returned event (and the few members of `alert` while checking them).
pub fn parse_line(line: &[u8]) -> Result<EveEvent, EveError> {
    let text = std::str::from_utf8(line).map_err(|e| EveError::NotUtf8 {
        at: e.valid_up_to(),
    })?;
    if !text.trim_start().starts_with('{') {
        // serde would read a JSON array into the struct, position by position.
        return Err(match serde_json::from_str::<de::IgnoredAny>(text) {
            Ok(_) => EveError::NotObject,
            Err(e) => EveError::NotJson(e.to_string()),
        });
    }
    let raw: Raw<'_> = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) if e.is_data() => return Err(EveError::Invalid(e.to_string())),
        Err(e) => return Err(EveError::NotJson(e.to_string())),
    };
    let event_type = match &raw.event_type {
        Some(Val::Str(s)) => s,
        _ => return Err(EveError::NoEventType),
    };
    if event_type != "alert" {
        return Ok(EveEvent::Other(event_type.to_string()));
    }
    alert(raw).map(EveEvent::Alert)
}

/// The members of an EVE object that an alert uses; the rest are skipped.
#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(borrow)]
    timestamp: Option<Val<'a>>,
    #[serde(borrow)]
    event_type: Option<Val<'a>>,
    #[serde(borrow)]
    flow_id: Option<Val<'a>>,
    #[serde(borrow)]
    src_ip: Option<Val<'a>>,
    #[serde(borrow)]
    src_port: Option<Val<'a>>,
    #[serde(borrow)]
    dest_ip: Option<Val<'a>>,
    #[serde(borrow)]
    dest_port: Option<Val<'a>>,
    #[serde(borrow)]
    proto: Option<Val<'a>>,
    #[serde(borrow)]
    vlan: Option<Val<'a>>,
    #[serde(borrow)]
    direction: Option<Val<'a>>,
    #[serde(borrow)]
    alert: Option<Val<'a>>,
    #[serde(borrow)]
    app_proto: Option<Val<'a>>,
}

/// Any JSON value, strings borrowed when unescaped. Objects keep their
/// members in order (only `alert` is ever built as one).
#[derive(Debug)]
enum Val<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Val<'a>>),
    Obj(Vec<(Cow<'a, str>, Val<'a>)>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

/// A map key, borrowed when unescaped.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(ValVisitor).and_then(|v| match v {
            Val::Str(s) => Ok(Key(s)),
            _ => Err(de::Error::custom("object key is not a string")),
        })
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::U64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::I64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val<'de>, E> {
        Ok(Val::F64(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Val::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        let mut v = Vec::new();
        while let Some((Key(k), x)) = map.next_entry::<Key<'de>, Val<'de>>()? {
            v.push((k, x));
        }
        Ok(Val::Obj(v))
    }
}

impl fmt::Display for Val<'_> {
    /// The value as quoted in errors, cut to [`MAX_QUOTED`] characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Null => f.write_str("null"),
            Val::Bool(b) => write!(f, "{b}"),
            Val::U64(n) => write!(f, "{n}"),
            Val::I64(n) => write!(f, "{n}"),
            Val::F64(n) => write!(f, "{n}"),
            Val::Str(s) => {
                let cut: String = s.chars().take(MAX_QUOTED).collect();
                if cut.len() < s.len() {
                    write!(f, "{cut:?}...")
                } else {
                    write!(f, "{cut:?}")
                }
            }
            Val::Arr(_) => f.write_str("an array"),
            Val::Obj(_) => f.write_str("an object"),
        }
    }
}

fn bad(field: &'static str, v: &Val<'_>) -> EveError {
    EveError::Bad {
        field,
        value: v.to_string(),
    }
}

/// A present, non-null member.
fn present<'v, 'a>(v: &'v Option<Val<'a>>) -> Option<&'v Val<'a>> {
    match v {
        None | Some(Val::Null) => None,
        Some(v) => Some(v),
    }
}

fn required<'v, 'a>(v: &'v Option<Val<'a>>, field: &'static str) -> Result<&'v Val<'a>, EveError> {
    present(v).ok_or(EveError::Missing(field))
}

fn string(v: &Val<'_>, field: &'static str) -> Result<String, EveError> {
    match v {
        Val::Str(s) => Ok(s.to_string()),
        _ => Err(bad(field, v)),
    }
}

/// An unsigned integer no larger than `max`.
fn uint(v: &Val<'_>, field: &'static str, max: u64) -> Result<u64, EveError> {
    match v {
        Val::U64(n) if *n <= max => Ok(*n),
        _ => Err(bad(field, v)),
    }
}

fn ip(v: &Val<'_>, field: &'static str) -> Result<IpAddr, EveError> {
    match v {
        Val::Str(s) => s.parse().map_err(|_| bad(field, v)),
        _ => Err(bad(field, v)),
    }
}

fn port(v: &Option<Val<'_>>, field: &'static str) -> Result<Option<u16>, EveError> {
    present(v)
        .map(|p| uint(p, field, u64::from(u16::MAX)).map(|n| n as u16))
        .transpose()
}

/// IP protocol numbers of the names Suricata writes in `proto` (its table
/// comes from `/etc/protocols`; these are the ones an IDS sees in
/// practice). Compared without regard to case.
const PROTO_NAMES: &[(&str, u8)] = &[
    ("TCP", 6),
    ("UDP", 17),
    ("ICMP", 1),
    ("IPv6-ICMP", 58),
    ("ICMPv6", 58),
    ("SCTP", 132),
    ("IGMP", 2),
    ("GRE", 47),
    ("ESP", 50),
    ("AH", 51),
    ("IPIP", 4),
    ("IPv6", 41),
    ("UDPLite", 136),
    ("PIM", 103),
    ("VRRP", 112),
    ("OSPF", 89),
    ("OSPFIGP", 89),
];

/// EVE's `proto`: a name, a number written as text (`"047"`, Suricata's
/// form for protocols without a name), or a JSON number.
fn proto(v: &Val<'_>) -> Result<u8, EveError> {
    match v {
        Val::U64(n) => u8::try_from(*n).map_err(|_| bad("proto", v)),
        Val::Str(s) => {
            if let Some(&(_, n)) = PROTO_NAMES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(s))
            {
                return Ok(n);
            }
            if !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(n) = s.parse::<u8>() {
                    return Ok(n);
                }
            }
            Err(bad("proto", v))
        }
        _ => Err(bad("proto", v)),
    }
}

/// EVE's `vlan`: an array of ids (a bare number in old Suricata versions).
fn vlan(v: &Option<Val<'_>>) -> Result<Vec<u16>, EveError> {
    match present(v) {
        None => Ok(Vec::new()),
        Some(Val::Arr(ids)) => ids
            .iter()
            .map(|id| uint(id, "vlan", 4095).map(|n| n as u16))
            .collect(),
        Some(id) => Ok(vec![uint(id, "vlan", 4095)? as u16]),
    }
}

fn alert(raw: Raw<'_>) -> Result<EveAlert, EveError> {
    let ts_val = required(&raw.timestamp, "timestamp")?;
    let ts = match ts_val {
        Val::Str(s) => parse_timestamp(s).ok_or_else(|| bad("timestamp", ts_val))?,
        _ => return Err(bad("timestamp", ts_val)),
    };
    let flow_id = present(&raw.flow_id)
        .map(|v| uint(v, "flow_id", u64::MAX))
        .transpose()?;
    let src_ip = ip(required(&raw.src_ip, "src_ip")?, "src_ip")?;
    let src_port = port(&raw.src_port, "src_port")?;
    let dest_ip = ip(required(&raw.dest_ip, "dest_ip")?, "dest_ip")?;
    let dest_port = port(&raw.dest_port, "dest_port")?;
    let proto = proto(required(&raw.proto, "proto")?)?;
    let vlan = vlan(&raw.vlan)?;
    let direction = match present(&raw.direction) {
        Some(Val::Str(s)) if s == "to_server" => Some(Direction::ToServer),
        Some(Val::Str(s)) if s == "to_client" => Some(Direction::ToClient),
        _ => None,
    };
    let app_proto = present(&raw.app_proto)
        .map(|v| string(v, "app_proto"))
        .transpose()?;

    let body = required(&raw.alert, "alert")?;
    let Val::Obj(members) = body else {
        return Err(bad("alert", body));
    };
    let member = |name: &str| {
        members
            .iter()
            .find(|(k, v)| k == name && !matches!(v, Val::Null))
            .map(|(_, v)| v)
    };
    let need = |name: &str, path: &'static str| member(name).ok_or(EveError::Missing(path));
    let action = string(need("action", "alert.action")?, "alert.action")?;
    let u32max = u64::from(u32::MAX);
    let gid = uint(need("gid", "alert.gid")?, "alert.gid", u32max)? as u32;
    let signature_id = uint(
        need("signature_id", "alert.signature_id")?,
        "alert.signature_id",
        u32max,
    )? as u32;
    let rev = uint(need("rev", "alert.rev")?, "alert.rev", u32max)? as u32;
    let signature = string(need("signature", "alert.signature")?, "alert.signature")?;
    let category = member("category")
        .map(|v| string(v, "alert.category"))
        .transpose()?
        .unwrap_or_default();
    let sev = need("severity", "alert.severity")?;
    let severity = match sev {
        Val::U64(n @ 1..=255) => *n as u8,
        _ => return Err(bad("alert.severity", sev)),
    };
    Ok(EveAlert {
        ts,
        flow_id,
        src_ip,
        src_port,
        dest_ip,
        dest_port,
        proto,
        vlan,
        direction,
        action,
        gid,
        signature_id,
        rev,
        signature,
        category,
        severity,
        app_proto,
    })
}

/// Parses an EVE timestamp, `YYYY-MM-DDTHH:MM:SS[.fraction][offset]`, to
/// UTC. The fraction has 1 to 9 digits (digits past the sixth are dropped);
/// the offset is `+hhmm`, `+hh:mm`, `+hh`, `-…` likewise, or `Z`, and may be
/// absent (UTC). A space may stand for the `T`. `None` for anything else,
/// an impossible date or time (a leap second `:60` is accepted and lands on
/// the next second), or a time before 1970.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let d = b.get(from..from + len)?;
        d.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(sep(4, b'-')
        && sep(7, b'-')
        && (sep(10, b'T') || sep(10, b' '))
        && sep(13, b':')
        && sep(16, b':'))
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut at = 19;
    let mut usecs = 0u32;
    if sep(at, b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 6 {
                usecs = usecs * 10 + u32::from(b[at] - b'0');
            }
            at += 1;
        }
        let digits = at - start;
        if digits == 0 || digits > 9 {
            return None;
        }
        for _ in digits..6 {
            usecs *= 10;
        }
    }
    // Offset east of UTC, in seconds.
    let offset: i64 = match b.get(at) {
        None => 0,
        Some(b'Z') if at + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) => {
            let rest = &b[at + 1..];
            let hh = num(at + 1, 2)?;
            let mm = match rest.len() {
                2 => 0,
                4 => num(at + 3, 2)?,
                5 if rest[2] == b':' => num(at + 4, 2)?,
                _ => return None,
            };
            if hh > 23 || mm > 59 {
                return None;
            }
            let o = i64::from(hh * 3600 + mm * 60);
            if c == b'-' {
                -o
            } else {
                o
            }
        }
        Some(_) => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec);
    let utc = u64::try_from(local - offset).ok()?;
    Some(Timestamp { secs: utc, usecs })
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard
/// Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
