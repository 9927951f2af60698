//! The `message` module deals with the owned summary of one DNS message,
//! [`DnsMessage`], built from the [`wire`] views: names and
//! record data rendered as text (what resources and full-text documents
//! carry), addresses of A/AAAA records kept typed.
//!
//! Building never panics. A malformed part stops the parse there: what was
//! parsed before it is kept and [`DnsMessage::malformed`] says where and
//! why. A record whose data does not fit its type is the one exception: the
//! framing is intact, so it is kept with its data shown raw
//! ([RFC 3597](https://www.rfc-editor.org/rfc/rfc3597) `\# len hex`), the
//! error is recorded and parsing goes on.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::wire::{self, rtype, DnsError, Flags, Message, Part, RData as View, Section};

/// The summary of one DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsMessage {
    /// Transaction ID.
    pub id: u16,
    /// QR bit.
    pub is_response: bool,
    /// OPCODE.
    pub opcode: u8,
    /// Response code, extended with the OPT record's high bits when there
    /// is one (RFC 6891 §6.1.3): 0..=4095.
    pub rcode: u16,
    /// The header flags word as sent.
    pub flags: Flags,
    /// QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT as sent (the vectors hold fewer
    /// when the message is malformed or cut short).
    pub counts: [u16; 4],
    /// The questions.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authority: Vec<Record>,
    /// The additional section (OPT pseudo-record included).
    pub additional: Vec<Record>,
    /// The EDNS values of the OPT record, if any.
    pub edns: Option<Edns>,
    /// The first problem met, if the message is malformed.
    pub malformed: Option<DnsError>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// QNAME in presentation form (see [`wire::Name::write_text`]).
    pub name: String,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS as sent.
    pub qclass: u16,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Owner name in presentation form.
    pub name: String,
    /// TYPE.
    pub rtype: u16,
    /// CLASS as sent (OPT: UDP payload size; mDNS: top bit = cache flush).
    pub class: u16,
    /// TTL as sent.
    pub ttl: u32,
    /// The data.
    pub data: RData,
}

/// Record data: typed for addresses, rendered text for everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    /// A.
    A(Ipv4Addr),
    /// AAAA.
    Aaaa(Ipv6Addr),
    /// Any other type, in presentation form: a name for CNAME/NS/PTR/DNAME,
    /// `pref exchange` (MX), `mname rname serial refresh retry expire
    /// minimum` (SOA), `prio weight port target` (SRV), quoted strings
    /// (TXT), `flags tag "value"` (CAA), `priority target key=value...`
    /// (SVCB/HTTPS), `order pref "flags" "services" "regexp" replacement`
    /// (NAPTR), `udp=N ver=N do=0|1 ...options` (OPT), `\# len hex` (other
    /// types and data that does not fit its type).
    Text(String),
}

impl RData {
    /// The data in presentation form.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            RData::A(a) => Cow::Owned(a.to_string()),
            RData::Aaaa(a) => Cow::Owned(a.to_string()),
            RData::Text(s) => Cow::Borrowed(s),
        }
    }

    /// The address of an A or AAAA record.
    pub fn ip(&self) -> Option<IpAddr> {
        match *self {
            RData::A(a) => Some(a.into()),
            RData::Aaaa(a) => Some(a.into()),
            RData::Text(_) => None,
        }
    }
}

impl std::fmt::Display for RData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// EDNS(0) values of the OPT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edns {
    /// Requestor's UDP payload size.
    pub udp_size: u16,
    /// EDNS version.
    pub version: u8,
    /// DO bit.
    pub dnssec_ok: bool,
    /// Client Subnet option: address, source prefix, scope prefix.
    pub client_subnet: Option<(IpAddr, u8, u8)>,
}

impl DnsMessage {
    /// Parses one message (a UDP payload, or one TCP-framed message without
    /// its length prefix). Fails only when there is no whole header.
    pub fn parse(buf: &[u8]) -> Result<DnsMessage, DnsError> {
        let m = Message::new_checked(buf)?;
        let flags = m.flags();
        let mut out = DnsMessage {
            id: m.id(),
            is_response: flags.qr(),
            opcode: flags.opcode(),
            rcode: u16::from(flags.rcode()),
            flags,
            counts: [m.qdcount(), m.ancount(), m.nscount(), m.arcount()],
            questions: Vec::new(),
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            edns: None,
            malformed: None,
        };
        for q in m.questions() {
            match q {
                Ok(q) => out.questions.push(Question {
                    name: q.name.to_text(),
                    qtype: q.qtype,
                    qclass: q.qclass,
                }),
                Err(e) => {
                    out.malformed = Some(e);
                    return Ok(out);
                }
            }
        }
        for r in m.records() {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    out.malformed.get_or_insert(e);
                    break;
                }
            };
            let data = match r.data() {
                Ok(v) => {
                    if let View::Opt(o) = v {
                        if out.edns.is_none() {
                            out.rcode |= u16::from(o.ext_rcode) << 4;
                            out.edns = Some(edns(&o));
                        }
                    }
                    render(r.rtype, &v)
                }
                Err(kind) => {
                    out.malformed.get_or_insert(DnsError {
                        part: Part::Record(r.section, r.index),
                        kind,
                    });
                    RData::Text(unknown(r.rdata))
                }
            };
            let rec = Record {
                name: r.name.to_text(),
                rtype: r.rtype,
                class: r.class,
                ttl: r.ttl,
                data,
            };
            match r.section {
                Section::Answer => out.answers.push(rec),
                Section::Authority => out.authority.push(rec),
                Section::Additional => out.additional.push(rec),
            }
        }
        Ok(out)
    }

    /// The TC bit: the answer did not fit (UDP), the client should retry
    /// over TCP. Not a parse problem: see [`DnsMessage::malformed`].
    pub fn truncated(&self) -> bool {
        self.flags.tc()
    }

    /// All records, answer section first, with their section.
    pub fn records(&self) -> impl Iterator<Item = (Section, &Record)> {
        let a = self.answers.iter().map(|r| (Section::Answer, r));
        let n = self.authority.iter().map(|r| (Section::Authority, r));
        let d = self.additional.iter().map(|r| (Section::Additional, r));
        a.chain(n).chain(d)
    }
}

fn edns(o: &wire::Opt<'_>) -> Edns {
    let client_subnet = o.options().find_map(|opt| {
        let cs = opt.client_subnet()?;
        Some((cs.ip()?, cs.source_prefix, cs.scope_prefix))
    });
    Edns {
        udp_size: o.udp_size,
        version: o.version,
        dnssec_ok: o.dnssec_ok,
        client_subnet,
    }
}

/// RFC 3597 generic form: `\# len hex`.
fn unknown(b: &[u8]) -> String {
    let mut s = format!("\\# {}", b.len());
    if !b.is_empty() {
        s.push(' ');
        push_hex(&mut s, b);
    }
    s
}

fn push_hex(s: &mut String, b: &[u8]) {
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
}

/// A `<character-string>` quoted, `"` and `\` escaped, bytes outside
/// printable ASCII as `\DDD`.
fn push_quoted(s: &mut String, b: &[u8]) {
    s.push('"');
    push_escaped(s, b);
    s.push('"');
}

/// Bytes as text: `"` and `\` escaped, bytes outside printable ASCII (tab
/// and newline included) as `\DDD`.
fn push_escaped(s: &mut String, b: &[u8]) {
    for &c in b {
        match c {
            b'"' | b'\\' => {
                s.push('\\');
                s.push(char::from(c));
            }
            b' '..=b'~' => s.push(char::from(c)),
            _ => {
                let _ = write!(s, "\\{c:03}");
            }
        }
    }
}

fn render(rt: u16, v: &View<'_>) -> RData {
    let mut s = String::new();
    match v {
        View::A(a) => return RData::A(*a),
        View::Aaaa(a) => return RData::Aaaa(*a),
        View::Name(n) => n.write_text(&mut s),
        View::Mx {
            preference,
            exchange,
        } => {
            let _ = write!(s, "{preference} ");
            exchange.write_text(&mut s);
        }
        View::Txt(t) => {
            for (i, part) in t.strings().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                push_quoted(&mut s, part);
            }
        }
        View::Soa(o) => {
            o.mname.write_text(&mut s);
            s.push(' ');
            o.rname.write_text(&mut s);
            let _ = write!(
                s,
                " {} {} {} {} {}",
                o.serial, o.refresh, o.retry, o.expire, o.minimum
            );
        }
        View::Srv {
            priority,
            weight,
            port,
            target,
        } => {
            let _ = write!(s, "{priority} {weight} {port} ");
            target.write_text(&mut s);
        }
        View::Caa { flags, tag, value } => {
            let _ = write!(s, "{flags} ");
            push_escaped(&mut s, tag);
            s.push(' ');
            push_quoted(&mut s, value);
        }
        View::Opt(o) => {
            let _ = write!(
                s,
                "udp={} ver={} do={}",
                o.udp_size,
                o.version,
                u8::from(o.dnssec_ok)
            );
            for opt in o.options() {
                match opt.client_subnet().and_then(|c| Some((c.ip()?, c))) {
                    Some((ip, c)) => {
                        let _ = write!(s, " ecs={ip}/{}/{}", c.source_prefix, c.scope_prefix);
                    }
                    None => {
                        let _ = write!(s, " opt{}=", opt.code);
                        push_hex(&mut s, opt.data);
                    }
                }
            }
        }
        View::Svcb {
            priority,
            target,
            params,
        } => {
            let _ = write!(s, "{priority} ");
            target.write_text(&mut s);
            for (key, value) in *params {
                svc_param(&mut s, key, value);
            }
        }
        View::Naptr {
            order,
            preference,
            flags,
            services,
            regexp,
            replacement,
        } => {
            let _ = write!(s, "{order} {preference} ");
            for part in [flags, services, regexp] {
                push_quoted(&mut s, part);
                s.push(' ');
            }
            replacement.write_text(&mut s);
        }
        View::Unknown(b) => {
            let _ = rt;
            s = unknown(b);
        }
    }
    RData::Text(s)
}

/// ` key=value` of one SvcParam (RFC 9460 §7): alpn as a comma list, port
/// as a number, address hints as addresses, others `keyN=hex`.
fn svc_param(s: &mut String, key: u16, value: &[u8]) {
    match key {
        1 => {
            s.push_str(" alpn=");
            let mut rest = value;
            let mut first = true;
            while let Some((&n, tail)) = rest.split_first() {
                let Some(id) = tail.get(..usize::from(n)) else {
                    break;
                };
                if !first {
                    s.push(',');
                }
                first = false;
                push_escaped(s, id);
                rest = tail.get(usize::from(n)..).unwrap_or(&[]);
            }
        }
        3 if value.len() == 2 => {
            let _ = write!(s, " port={}", u16::from_be_bytes([value[0], value[1]]));
        }
        4 if value.len().is_multiple_of(4) && !value.is_empty() => {
            s.push_str(" ipv4hint=");
            for (i, c) in value.chunks_exact(4).enumerate() {
                let a = Ipv4Addr::new(c[0], c[1], c[2], c[3]);
                let _ = write!(s, "{}{a}", if i > 0 { "," } else { "" });
            }
        }
        6 if value.len().is_multiple_of(16) && !value.is_empty() => {
            s.push_str(" ipv6hint=");
            for (i, c) in value.chunks_exact(16).enumerate() {
                let mut b = [0u8; 16];
                b.copy_from_slice(c);
                let _ = write!(s, "{}{}", if i > 0 { "," } else { "" }, Ipv6Addr::from(b));
            }
        }
        _ => {
            let _ = write!(s, " key{key}=");
            push_hex(s, value);
        }
    }
}

/// The mnemonic of a record type, `TYPEn` for unlisted ones (RFC 3597).
pub fn type_name(t: u16) -> Cow<'static, str> {
    Cow::Borrowed(match t {
        rtype::A => "A",
        rtype::NS => "NS",
        rtype::CNAME => "CNAME",
        rtype::SOA => "SOA",
        rtype::PTR => "PTR",
        rtype::HINFO => "HINFO",
        rtype::MX => "MX",
        rtype::TXT => "TXT",
        rtype::AAAA => "AAAA",
        rtype::SRV => "SRV",
        rtype::NAPTR => "NAPTR",
        rtype::DNAME => "DNAME",
        rtype::OPT => "OPT",
        rtype::DS => "DS",
        rtype::RRSIG => "RRSIG",
        rtype::NSEC => "NSEC",
        rtype::DNSKEY => "DNSKEY",
        rtype::NSEC3 => "NSEC3",
        rtype::SVCB => "SVCB",
        rtype::HTTPS => "HTTPS",
        rtype::TSIG => "TSIG",
        rtype::AXFR => "AXFR",
        rtype::ANY => "ANY",
        rtype::CAA => "CAA",
        _ => return Cow::Owned(format!("TYPE{t}")),
    })
}

/// The mnemonic of a class, `CLASSn` for unlisted ones. The top bit (mDNS
/// cache-flush / unicast-response) is ignored.
pub fn class_name(c: u16) -> Cow<'static, str> {
    let c = c & 0x7FFF;
    Cow::Borrowed(match c {
        1 => "IN",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => return Cow::Owned(format!("CLASS{c}")),
    })
}
