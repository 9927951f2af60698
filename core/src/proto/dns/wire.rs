//! The `wire` module deals with zero-copy views over one DNS message
//! (RFC 1035 §4): the header, the questions, the resource records of the
//! three record sections, domain names with compression pointers, and typed
//! views of the record data.
//!
//! **Contract.** Every function here accepts any byte slice and never panics
//! or allocates, except [`Name::to_text`] and [`Name::write_text`], which
//! render a name when asked. A name is walked with three bounds: at most
//! [`MAX_NAME_LEN`] bytes of uncompressed wire form, at most
//! [`MAX_POINTERS`] compression pointers, and no pointer target visited twice
//! (a loop). Pointers may point forward or backward (RFC 1035 says "prior
//! occurrence", but nothing in the format needs it and the bounds make both
//! safe). Iterators stop after the first error, so what was parsed before it
//! stays available.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Length of the fixed header.
pub const HEADER_LEN: usize = 12;
/// Largest uncompressed wire length of a name, length bytes and the final
/// zero byte included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;
/// Most compression pointers followed while reading one name. A legitimate
/// name needs one; a chain of pointers to pointers costs no name bytes, so
/// this is what bounds it.
pub const MAX_POINTERS: usize = 32;

/// Well-known record types (IANA "Resource Record (RR) TYPEs").
pub mod rtype {
    /// IPv4 address.
    pub const A: u16 = 1;
    /// Authoritative name server.
    pub const NS: u16 = 2;
    /// Canonical name (alias).
    pub const CNAME: u16 = 5;
    /// Start of authority.
    pub const SOA: u16 = 6;
    /// Domain name pointer (reverse lookups).
    pub const PTR: u16 = 12;
    /// Host information.
    pub const HINFO: u16 = 13;
    /// Mail exchange.
    pub const MX: u16 = 15;
    /// Text strings.
    pub const TXT: u16 = 16;
    /// IPv6 address.
    pub const AAAA: u16 = 28;
    /// Service location.
    pub const SRV: u16 = 33;
    /// Naming authority pointer.
    pub const NAPTR: u16 = 35;
    /// Delegation name.
    pub const DNAME: u16 = 39;
    /// EDNS(0) pseudo-record.
    pub const OPT: u16 = 41;
    /// Delegation signer.
    pub const DS: u16 = 43;
    /// DNSSEC signature.
    pub const RRSIG: u16 = 46;
    /// Next secure record.
    pub const NSEC: u16 = 47;
    /// DNSSEC public key.
    pub const DNSKEY: u16 = 48;
    /// Hashed next secure record.
    pub const NSEC3: u16 = 50;
    /// Service binding.
    pub const SVCB: u16 = 64;
    /// Service binding for HTTPS.
    pub const HTTPS: u16 = 65;
    /// Transaction signature.
    pub const TSIG: u16 = 250;
    /// Zone transfer (question only).
    pub const AXFR: u16 = 252;
    /// Any type (question only).
    pub const ANY: u16 = 255;
    /// Certification authority authorization.
    pub const CAA: u16 = 257;
}

/// Which section of a message a record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Answer section (ANCOUNT records).
    Answer,
    /// Authority section (NSCOUNT records).
    Authority,
    /// Additional section (ARCOUNT records).
    Additional,
}

impl Section {
    /// Lower-case name, as in "answer record 2".
    pub fn name(self) -> &'static str {
        match self {
            Section::Answer => "answer",
            Section::Authority => "authority",
            Section::Additional => "additional",
        }
    }
}

/// Which part of a message was malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The 12-byte header.
    Header,
    /// The question with this 0-based index.
    Question(u16),
    /// The record with this 0-based index within its section.
    Record(Section, u16),
}

/// What was wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The message (or the record data) ends before the part does.
    Truncated,
    /// A compression pointer leads back to a pointer already followed.
    NameLoop,
    /// The name is longer than [`MAX_NAME_LEN`] bytes uncompressed.
    NameTooLong,
    /// More than [`MAX_POINTERS`] compression pointers in one name.
    TooManyPointers,
    /// A label length byte with the reserved top bits `01` or `10`.
    BadLabelType,
    /// The record data does not fit its type (wrong length, trailing bytes).
    BadRdata,
}

impl ErrorKind {
    /// Short stable name, for counters.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Truncated => "truncated",
            ErrorKind::NameLoop => "name loop",
            ErrorKind::NameTooLong => "name too long",
            ErrorKind::TooManyPointers => "too many pointers",
            ErrorKind::BadLabelType => "bad label type",
            ErrorKind::BadRdata => "bad rdata",
        }
    }
}

/// A malformed message: the part and the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DnsError {
    /// Where.
    pub part: Part,
    /// What.
    pub kind: ErrorKind,
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.part {
            Part::Header => write!(f, "header: {}", self.kind.name()),
            Part::Question(i) => write!(f, "question {i}: {}", self.kind.name()),
            Part::Record(s, i) => write!(f, "{} record {i}: {}", s.name(), self.kind.name()),
        }
    }
}

impl std::error::Error for DnsError {}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// The 16-bit flags word of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u16);

impl Flags {
    /// QR: the message is a response.
    pub fn qr(self) -> bool {
        self.0 & 0x8000 != 0
    }
    /// OPCODE (0 query, 1 inverse query, 2 status, 4 notify, 5 update).
    pub fn opcode(self) -> u8 {
        ((self.0 >> 11) & 0xF) as u8
    }
    /// AA: authoritative answer.
    pub fn aa(self) -> bool {
        self.0 & 0x0400 != 0
    }
    /// TC: truncated (the answer did not fit in the UDP datagram).
    pub fn tc(self) -> bool {
        self.0 & 0x0200 != 0
    }
    /// RD: recursion desired.
    pub fn rd(self) -> bool {
        self.0 & 0x0100 != 0
    }
    /// RA: recursion available.
    pub fn ra(self) -> bool {
        self.0 & 0x0080 != 0
    }
    /// Z: the reserved bit.
    pub fn z(self) -> bool {
        self.0 & 0x0040 != 0
    }
    /// AD: authentic data (RFC 4035).
    pub fn ad(self) -> bool {
        self.0 & 0x0020 != 0
    }
    /// CD: checking disabled (RFC 4035).
    pub fn cd(self) -> bool {
        self.0 & 0x0010 != 0
    }
    /// RCODE: the low four bits of the response code (see
    /// [`Opt::ext_rcode`] for the high bits).
    pub fn rcode(self) -> u8 {
        (self.0 & 0xF) as u8
    }
}

/// A view of one DNS message, checked to hold a whole header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    buf: &'a [u8],
}

impl<'a> Message<'a> {
    /// Wraps `buf` if it holds at least the 12-byte header.
    pub fn new_checked(buf: &'a [u8]) -> Result<Message<'a>, DnsError> {
        if buf.len() < HEADER_LEN {
            return Err(DnsError {
                part: Part::Header,
                kind: ErrorKind::Truncated,
            });
        }
        Ok(Message { buf })
    }

    /// The whole message.
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    fn hu16(&self, at: usize) -> u16 {
        u16_at(self.buf, at).unwrap_or(0)
    }

    /// Transaction ID.
    pub fn id(&self) -> u16 {
        self.hu16(0)
    }
    /// The flags word.
    pub fn flags(&self) -> Flags {
        Flags(self.hu16(2))
    }
    /// QDCOUNT as sent.
    pub fn qdcount(&self) -> u16 {
        self.hu16(4)
    }
    /// ANCOUNT as sent.
    pub fn ancount(&self) -> u16 {
        self.hu16(6)
    }
    /// NSCOUNT as sent.
    pub fn nscount(&self) -> u16 {
        self.hu16(8)
    }
    /// ARCOUNT as sent.
    pub fn arcount(&self) -> u16 {
        self.hu16(10)
    }

    /// The questions, in order; stops after the first error.
    pub fn questions(&self) -> Questions<'a> {
        Questions {
            msg: self.buf,
            pos: HEADER_LEN,
            index: 0,
            count: self.qdcount(),
            failed: false,
        }
    }

    /// The records of the answer, authority and additional sections, in
    /// order; stops after the first error (a malformed question is reported
    /// here too, since the records start after the questions).
    pub fn records(&self) -> Records<'a> {
        let mut q = self.questions();
        let mut start = Ok(HEADER_LEN);
        for item in q.by_ref() {
            if let Err(e) = item {
                start = Err(e);
                break;
            }
        }
        Records {
            msg: self.buf,
            pos: start.map(|_| q.pos),
            section: 0,
            index: 0,
            counts: [self.ancount(), self.nscount(), self.arcount()],
            failed: false,
        }
    }
}

/// A domain name inside a message, validated when the view was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name<'a> {
    msg: &'a [u8],
    start: usize,
}

/// Reads the name at `msg[pos..]`: the name and the position just after its
/// in-place bytes (after the first pointer, or after the zero byte).
pub fn parse_name(msg: &[u8], pos: usize) -> Result<(Name<'_>, usize), ErrorKind> {
    let mut walk = Walk::new(msg, pos);
    while walk.step()?.is_some() {}
    Ok((Name { msg, start: pos }, walk.end.unwrap_or(pos)))
}

/// The walk over the labels of a name, with the bounds of the contract.
#[derive(Debug, Clone)]
struct Walk<'a> {
    msg: &'a [u8],
    pos: usize,
    hops: usize,
    seen: [u16; MAX_POINTERS],
    len: usize,
    end: Option<usize>,
    done: bool,
}

impl<'a> Walk<'a> {
    fn new(msg: &'a [u8], pos: usize) -> Walk<'a> {
        Walk {
            msg,
            pos,
            hops: 0,
            seen: [0; MAX_POINTERS],
            len: 0,
            end: None,
            done: false,
        }
    }

    /// The next label, `None` at the end of the name.
    fn step(&mut self) -> Result<Option<&'a [u8]>, ErrorKind> {
        if self.done {
            return Ok(None);
        }
        loop {
            let b = *self.msg.get(self.pos).ok_or(ErrorKind::Truncated)?;
            match b & 0xC0 {
                0x00 => {
                    let n = usize::from(b);
                    if n == 0 {
                        self.len += 1;
                        if self.len > MAX_NAME_LEN {
                            return Err(ErrorKind::NameTooLong);
                        }
                        self.end.get_or_insert(self.pos + 1);
                        self.done = true;
                        return Ok(None);
                    }
                    let label = self
                        .msg
                        .get(self.pos + 1..self.pos + 1 + n)
                        .ok_or(ErrorKind::Truncated)?;
                    self.len += 1 + n;
                    // The zero byte still has to come.
                    if self.len >= MAX_NAME_LEN {
                        return Err(ErrorKind::NameTooLong);
                    }
                    self.pos += 1 + n;
                    return Ok(Some(label));
                }
                0xC0 => {
                    let lo = *self.msg.get(self.pos + 1).ok_or(ErrorKind::Truncated)?;
                    let target = (u16::from(b & 0x3F) << 8) | u16::from(lo);
                    self.end.get_or_insert(self.pos + 2);
                    let seen = self.seen.get(..self.hops).unwrap_or(&[]);
                    if seen.contains(&target) {
                        return Err(ErrorKind::NameLoop);
                    }
                    let slot = self
                        .seen
                        .get_mut(self.hops)
                        .ok_or(ErrorKind::TooManyPointers)?;
                    *slot = target;
                    self.hops += 1;
                    self.pos = usize::from(target);
                }
                _ => return Err(ErrorKind::BadLabelType),
            }
        }
    }
}

/// The labels of a [`Name`], first (leftmost) label first, without length
/// bytes; the root name has none.
#[derive(Debug, Clone)]
pub struct Labels<'a>(Walk<'a>);

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        self.0.step().ok().flatten()
    }
}

impl<'a> Name<'a> {
    /// The labels.
    pub fn labels(&self) -> Labels<'a> {
        Labels(Walk::new(self.msg, self.start))
    }

    /// Whether this is the root name (no label).
    pub fn is_root(&self) -> bool {
        self.labels().next().is_none()
    }

    /// Where the name starts in the message.
    pub fn offset(&self) -> usize {
        self.start
    }

    /// Appends the name in presentation form, without the trailing dot
    /// (`www.example.com`); the root is `.`. Inside labels, `.` and `\` are
    /// escaped with a backslash and other ASCII bytes outside `!`..=`~` as
    /// `\DDD` (decimal), as in RFC 1035 master files. A label that is valid
    /// UTF-8 keeps its non-ASCII characters as they are (what tshark shows,
    /// `小佛專機`), except control and white-space characters (as bytes);
    /// in a label that is not UTF-8
    /// every byte above `~` is escaped.
    pub fn write_text(&self, out: &mut String) {
        let mut first = true;
        for label in self.labels() {
            if !first {
                out.push('.');
            }
            first = false;
            match std::str::from_utf8(label) {
                Ok(text) => {
                    for c in text.chars() {
                        match u8::try_from(c) {
                            Ok(b) if b.is_ascii() => push_byte(out, b),
                            _ if !c.is_control() && !c.is_whitespace() => out.push(c),
                            _ => {
                                let mut buf = [0u8; 4];
                                for &b in c.encode_utf8(&mut buf).as_bytes() {
                                    push_byte(out, b);
                                }
                            }
                        }
                    }
                }
                Err(_) => {
                    for &b in label {
                        push_byte(out, b);
                    }
                }
            }
        }
        if first {
            out.push('.');
        }
    }

    /// The name in presentation form (see [`Name::write_text`]).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        self.write_text(&mut s);
        s
    }
}

/// One byte of a label in presentation form.
fn push_byte(out: &mut String, b: u8) {
    match b {
        b'.' | b'\\' => {
            out.push('\\');
            out.push(char::from(b));
        }
        b'!'..=b'~' => out.push(char::from(b)),
        _ => {
            out.push('\\');
            out.push(char::from(b'0' + b / 100));
            out.push(char::from(b'0' + b / 10 % 10));
            out.push(char::from(b'0' + b % 10));
        }
    }
}

/// One question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question<'a> {
    /// QNAME.
    pub name: Name<'a>,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS (in mDNS the top bit asks for a unicast response).
    pub qclass: u16,
}

/// Iterator over the questions of a message.
#[derive(Debug, Clone)]
pub struct Questions<'a> {
    msg: &'a [u8],
    pos: usize,
    index: u16,
    count: u16,
    failed: bool,
}

impl<'a> Iterator for Questions<'a> {
    type Item = Result<Question<'a>, DnsError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.index >= self.count {
            return None;
        }
        let part = Part::Question(self.index);
        let r = (|| {
            let (name, end) = parse_name(self.msg, self.pos)?;
            let qtype = u16_at(self.msg, end).ok_or(ErrorKind::Truncated)?;
            let qclass = u16_at(self.msg, end + 2).ok_or(ErrorKind::Truncated)?;
            self.pos = end + 4;
            Ok(Question {
                name,
                qtype,
                qclass,
            })
        })();
        self.index += 1;
        Some(r.map_err(|kind| {
            self.failed = true;
            DnsError { part, kind }
        }))
    }
}

/// One resource record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Section it is in.
    pub section: Section,
    /// 0-based index within the section.
    pub index: u16,
    /// Owner name.
    pub name: Name<'a>,
    /// TYPE.
    pub rtype: u16,
    /// CLASS as sent (OPT: the UDP payload size; mDNS: top bit = cache flush).
    pub class: u16,
    /// TTL as sent (OPT: extended rcode, version and flags).
    pub ttl: u32,
    /// RDATA bytes.
    pub rdata: &'a [u8],
    msg: &'a [u8],
    rdata_pos: usize,
}

impl<'a> Record<'a> {
    /// The typed view of the record data.
    pub fn data(&self) -> Result<RData<'a>, ErrorKind> {
        parse_rdata(
            self.msg,
            self.rtype,
            self.class,
            self.ttl,
            self.rdata_pos,
            self.rdata.len(),
        )
    }
}

/// Iterator over the records of the three sections.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    msg: &'a [u8],
    pos: Result<usize, DnsError>,
    section: usize,
    index: u16,
    counts: [u16; 3],
    failed: bool,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, DnsError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let pos = match self.pos {
            Ok(p) => p,
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        };
        while self.index >= *self.counts.get(self.section)? {
            self.section += 1;
            self.index = 0;
        }
        let section = match self.section {
            0 => Section::Answer,
            1 => Section::Authority,
            _ => Section::Additional,
        };
        let index = self.index;
        self.index += 1;
        let r = (|| {
            let (name, end) = parse_name(self.msg, pos)?;
            let rtype = u16_at(self.msg, end).ok_or(ErrorKind::Truncated)?;
            let class = u16_at(self.msg, end + 2).ok_or(ErrorKind::Truncated)?;
            let ttl = u32_at(self.msg, end + 4).ok_or(ErrorKind::Truncated)?;
            let len = usize::from(u16_at(self.msg, end + 8).ok_or(ErrorKind::Truncated)?);
            let rdata_pos = end + 10;
            let rdata = self
                .msg
                .get(rdata_pos..rdata_pos + len)
                .ok_or(ErrorKind::Truncated)?;
            self.pos = Ok(rdata_pos + len);
            Ok(Record {
                section,
                index,
                name,
                rtype,
                class,
                ttl,
                rdata,
                msg: self.msg,
                rdata_pos,
            })
        })();
        Some(r.map_err(|kind| {
            self.failed = true;
            DnsError {
                part: Part::Record(section, index),
                kind,
            }
        }))
    }
}

/// A cursor over record data: reads stay inside `pos..end`.
struct Cursor<'a> {
    msg: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], ErrorKind> {
        let stop = self.pos.checked_add(n).ok_or(ErrorKind::BadRdata)?;
        if stop > self.end {
            return Err(ErrorKind::BadRdata);
        }
        let b = self.msg.get(self.pos..stop).ok_or(ErrorKind::BadRdata)?;
        self.pos = stop;
        Ok(b)
    }
    fn u8(&mut self) -> Result<u8, ErrorKind> {
        Ok(self.bytes(1)?.first().copied().unwrap_or(0))
    }
    fn u16(&mut self) -> Result<u16, ErrorKind> {
        let b = self.bytes(2)?;
        Ok(u16_at(b, 0).unwrap_or(0))
    }
    fn u32(&mut self) -> Result<u32, ErrorKind> {
        let b = self.bytes(4)?;
        Ok(u32_at(b, 0).unwrap_or(0))
    }
    /// A `<character-string>`: a length byte and that many bytes.
    fn string(&mut self) -> Result<&'a [u8], ErrorKind> {
        let n = self.u8()?;
        self.bytes(usize::from(n))
    }
    fn name(&mut self) -> Result<Name<'a>, ErrorKind> {
        let (name, end) = parse_name(self.msg, self.pos)?;
        if end > self.end {
            return Err(ErrorKind::BadRdata);
        }
        self.pos = end;
        Ok(name)
    }
    fn rest(&mut self) -> &'a [u8] {
        let b = self.msg.get(self.pos..self.end).unwrap_or(&[]);
        self.pos = self.end;
        b
    }
    fn finish<T>(&self, v: T) -> Result<T, ErrorKind> {
        if self.pos == self.end {
            Ok(v)
        } else {
            Err(ErrorKind::BadRdata)
        }
    }
}

/// Typed views of record data. Names inside may use compression pointers
/// into the whole message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RData<'a> {
    /// A.
    A(Ipv4Addr),
    /// AAAA.
    Aaaa(Ipv6Addr),
    /// CNAME, NS, PTR or DNAME: one target name (see the record's type).
    Name(Name<'a>),
    /// MX.
    Mx {
        /// Preference (lower first).
        preference: u16,
        /// Mail exchanger.
        exchange: Name<'a>,
    },
    /// TXT (also SPF-style types are not decoded: they are [`RData::Unknown`]).
    Txt(Txt<'a>),
    /// SOA.
    Soa(Soa<'a>),
    /// SRV.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host.
        target: Name<'a>,
    },
    /// CAA (RFC 8659).
    Caa {
        /// Flags (bit 7 = issuer critical).
        flags: u8,
        /// Property tag (`issue`, `issuewild`, `iodef`...).
        tag: &'a [u8],
        /// Property value.
        value: &'a [u8],
    },
    /// OPT (EDNS(0), RFC 6891).
    Opt(Opt<'a>),
    /// SVCB or HTTPS (RFC 9460).
    Svcb {
        /// SvcPriority (0 = alias mode).
        priority: u16,
        /// TargetName.
        target: Name<'a>,
        /// SvcParams, undecoded: iterate with [`SvcParams`].
        params: SvcParams<'a>,
    },
    /// NAPTR (RFC 3403).
    Naptr {
        /// Order.
        order: u16,
        /// Preference.
        preference: u16,
        /// Flags string.
        flags: &'a [u8],
        /// Services string.
        services: &'a [u8],
        /// Regular expression.
        regexp: &'a [u8],
        /// Replacement name.
        replacement: Name<'a>,
    },
    /// Any other type: the raw bytes.
    Unknown(&'a [u8]),
}

/// The seven fields of an SOA record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Soa<'a> {
    /// Primary name server.
    pub mname: Name<'a>,
    /// Responsible mailbox.
    pub rname: Name<'a>,
    /// Serial.
    pub serial: u32,
    /// Refresh interval, seconds.
    pub refresh: u32,
    /// Retry interval, seconds.
    pub retry: u32,
    /// Expire limit, seconds.
    pub expire: u32,
    /// Minimum / negative-caching TTL, seconds.
    pub minimum: u32,
}

/// The character strings of a TXT record, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Txt<'a>(&'a [u8]);

impl<'a> Txt<'a> {
    /// The strings, without their length bytes.
    pub fn strings(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let (&n, tail) = rest.split_first()?;
            let s = tail.get(..usize::from(n))?;
            rest = tail.get(usize::from(n)..).unwrap_or(&[]);
            Some(s)
        })
    }
}

/// The SvcParams of an SVCB/HTTPS record: iterates `(key, value)`, stopping
/// at a parameter that does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvcParams<'a>(pub &'a [u8]);

impl<'a> Iterator for SvcParams<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let key = u16_at(self.0, 0)?;
        let len = usize::from(u16_at(self.0, 2)?);
        let value = self.0.get(4..4 + len)?;
        self.0 = self.0.get(4 + len..).unwrap_or(&[]);
        Some((key, value))
    }
}

/// The EDNS(0) OPT pseudo-record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt<'a> {
    /// Requestor's UDP payload size (the record's CLASS).
    pub udp_size: u16,
    /// High eight bits of the 12-bit response code.
    pub ext_rcode: u8,
    /// EDNS version.
    pub version: u8,
    /// DO: DNSSEC answer OK.
    pub dnssec_ok: bool,
    /// The options, undecoded: iterate with [`Opt::options`].
    pub options: &'a [u8],
}

impl<'a> Opt<'a> {
    /// The options (code, data), stopping at one that does not fit.
    pub fn options(&self) -> impl Iterator<Item = EdnsOption<'a>> + 'a {
        SvcParams(self.options).map(|(code, data)| EdnsOption { code, data })
    }
}

/// One EDNS option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdnsOption<'a> {
    /// OPTION-CODE (8 = client subnet, 10 = cookie, 12 = padding...).
    pub code: u16,
    /// OPTION-DATA.
    pub data: &'a [u8],
}

/// EDNS Client Subnet (RFC 7871), option code 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSubnet<'a> {
    /// Address family (1 IPv4, 2 IPv6).
    pub family: u16,
    /// Source prefix length.
    pub source_prefix: u8,
    /// Scope prefix length.
    pub scope_prefix: u8,
    /// The address bytes sent (only the prefix's bytes).
    pub address: &'a [u8],
}

impl<'a> ClientSubnet<'a> {
    /// The address padded with zeros, when the family is IPv4 or IPv6 and
    /// the bytes fit.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        match self.family {
            1 if self.address.len() <= 4 => {
                let mut b = [0u8; 4];
                b.get_mut(..self.address.len())?
                    .copy_from_slice(self.address);
                Some(Ipv4Addr::from(b).into())
            }
            2 if self.address.len() <= 16 => {
                let mut b = [0u8; 16];
                b.get_mut(..self.address.len())?
                    .copy_from_slice(self.address);
                Some(Ipv6Addr::from(b).into())
            }
            _ => None,
        }
    }
}

impl<'a> EdnsOption<'a> {
    /// EDNS option code of Client Subnet.
    pub const CLIENT_SUBNET: u16 = 8;

    /// The option as Client Subnet, if it is one and is well formed.
    pub fn client_subnet(&self) -> Option<ClientSubnet<'a>> {
        if self.code != Self::CLIENT_SUBNET {
            return None;
        }
        Some(ClientSubnet {
            family: u16_at(self.data, 0)?,
            source_prefix: *self.data.get(2)?,
            scope_prefix: *self.data.get(3)?,
            address: self.data.get(4..)?,
        })
    }
}

/// Parses the record data of type `rtype` at `msg[pos..pos + len]`. `class`
/// and `ttl` are needed for OPT, whose header fields carry EDNS values.
pub fn parse_rdata(
    msg: &[u8],
    rtype: u16,
    class: u16,
    ttl: u32,
    pos: usize,
    len: usize,
) -> Result<RData<'_>, ErrorKind> {
    let end = pos.checked_add(len).ok_or(ErrorKind::BadRdata)?;
    if end > msg.len() {
        return Err(ErrorKind::Truncated);
    }
    let mut c = Cursor { msg, pos, end };
    let v = match rtype {
        rtype::A => {
            let b = c.bytes(4)?;
            let mut a = [0u8; 4];
            a.copy_from_slice(b);
            RData::A(Ipv4Addr::from(a))
        }
        rtype::AAAA => {
            let b = c.bytes(16)?;
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            RData::Aaaa(Ipv6Addr::from(a))
        }
        rtype::CNAME | rtype::NS | rtype::PTR | rtype::DNAME => RData::Name(c.name()?),
        rtype::MX => RData::Mx {
            preference: c.u16()?,
            exchange: c.name()?,
        },
        rtype::TXT => {
            let all = c.rest();
            let mut r = Cursor {
                msg: all,
                pos: 0,
                end: all.len(),
            };
            while r.pos < r.end {
                r.string()?;
            }
            RData::Txt(Txt(all))
        }
        rtype::SOA => RData::Soa(Soa {
            mname: c.name()?,
            rname: c.name()?,
            serial: c.u32()?,
            refresh: c.u32()?,
            retry: c.u32()?,
            expire: c.u32()?,
            minimum: c.u32()?,
        }),
        rtype::SRV => RData::Srv {
            priority: c.u16()?,
            weight: c.u16()?,
            port: c.u16()?,
            target: c.name()?,
        },
        rtype::CAA => {
            let flags = c.u8()?;
            let tag = c.string()?;
            RData::Caa {
                flags,
                tag,
                value: c.rest(),
            }
        }
        rtype::OPT => RData::Opt(Opt {
            udp_size: class,
            ext_rcode: (ttl >> 24) as u8,
            version: (ttl >> 16) as u8,
            dnssec_ok: ttl & 0x8000 != 0,
            options: c.rest(),
        }),
        rtype::SVCB | rtype::HTTPS => RData::Svcb {
            priority: c.u16()?,
            target: c.name()?,
            params: SvcParams(c.rest()),
        },
        rtype::NAPTR => RData::Naptr {
            order: c.u16()?,
            preference: c.u16()?,
            flags: c.string()?,
            services: c.string()?,
            regexp: c.string()?,
            replacement: c.name()?,
        },
        _ => RData::Unknown(c.rest()),
    };
    c.finish(v)
}
