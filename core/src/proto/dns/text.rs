//! The `text` module deals with the two texts Trisul attaches to a DNS
//! message: the resource label ([`label`]) and the full-text document
//! ([`fts_dump`]).
//!
//! **Label** (DNS resource, `uri` = the question name): the answer records,
//! one per line, each line ending with `\n`, fields separated by one space,
//! in master-file (dig) order:
//!
//! ```text
//! NAME TTL CLASS TYPE DATA
//! www.google.com 112 IN A 173.194.112.19
//! www.google.com 300 IN AAAA 2a00:1450:4001:80b::1012
//! www.l.example 60 IN CNAME web.example
//! ```
//!
//! The type comes right before the data so that the samples' patterns find
//! the answers: `%sA%s+([%d%.]+)` (A), `%sAAAA%s+([%x:]+)` (AAAA),
//! `CNAME%s+(%S+)` (CNAME). Names are in presentation form without the
//! trailing dot (see [`Name::write_text`](super::wire::Name::write_text));
//! data as in [`RData`](super::message::RData). No authority or additional
//! record is listed: glue addresses are not answers.
//!
//! **Document** (DNS FTS): tab-separated and dig-like, lines ending `\n`
//! (`⇥` stands for a tab):
//!
//! ```text
//! RESPONSE⇥ID: 33157⇥Flags:0x8180⇥QDCount:1⇥ANCount:1⇥NSCount:0⇥ARCount:0⇥Opcode:0⇥Rcode:0
//! Questions
//! .www.google.com⇥⇥A⇥IN
//! Answers
//! .www.google.com⇥112⇥A⇥IN⇥173.194.112.19
//! ```
//!
//! The first token is `QUERY` or `RESPONSE`; `Flags` is the header flags
//! word, `Rcode` the extended response code. Then `Questions` and one line
//! per question (`.NAME`, empty field, `TYPE`, `CLASS`), and for each
//! non-empty record section a header line (`Answers`, `Authority`,
//! `Additional`) and one line per record: `.NAME`, `TTL`, `TYPE`, `CLASS`,
//! `DATA`. The root name is written `.`. An OPT record's CLASS field is
//! `-` (its class is the UDP size, shown in its data). A malformed message
//! ends with a line `Malformed⇥<where>: <what>`. This is the order of
//! Trisul's document (`.toolbar.google.com⇥⇥A⇥IN`, answers `A IN <ip>`):
//! the passive-DNS samples' patterns `Questions%s*%.([%.%w%-]*)%s*A%s*IN`
//! and `A%s*IN%s*([%d%.]+)` find the first A question and the A answers.
//! Two quirks of those patterns remain, as they do over Trisul's own text:
//! the second one also matches the tail of `AAAA⇥IN⇥2001:db8::1` and captures
//! `2001`, and after an A question followed by a second question it
//! captures the `.` that starts the next line. A port of the samples should
//! use the typed addresses of [`DnsMessage`] instead.

use std::fmt::Write as _;

use super::message::{class_name, type_name, DnsMessage, Record};
use super::wire::rtype;

/// The resource label of a message: its answers, one line each (see the
/// module documentation for the exact layout).
pub fn label(msg: &DnsMessage) -> String {
    let mut s = String::new();
    for r in &msg.answers {
        let _ = writeln!(
            s,
            "{} {} {} {} {}",
            r.name,
            r.ttl,
            class_name(r.class),
            type_name(r.rtype),
            r.data
        );
    }
    s
}

/// The full-text document of a message (see the module documentation for
/// the exact layout).
pub fn fts_dump(msg: &DnsMessage) -> String {
    let mut s = String::new();
    let [qd, an, ns, ar] = msg.counts;
    let _ = writeln!(
        s,
        "{}\tID: {}\tFlags:0x{:04x}\tQDCount:{qd}\tANCount:{an}\tNSCount:{ns}\tARCount:{ar}\tOpcode:{}\tRcode:{}",
        if msg.is_response { "RESPONSE" } else { "QUERY" },
        msg.id,
        msg.flags.0,
        msg.opcode,
        msg.rcode
    );
    s.push_str("Questions\n");
    for q in &msg.questions {
        push_name(&mut s, &q.name);
        let _ = writeln!(s, "\t\t{}\t{}", type_name(q.qtype), class_name(q.qclass));
    }
    for (title, records) in [
        ("Answers", &msg.answers),
        ("Authority", &msg.authority),
        ("Additional", &msg.additional),
    ] {
        if records.is_empty() {
            continue;
        }
        s.push_str(title);
        s.push('\n');
        for r in records {
            push_record(&mut s, r);
        }
    }
    if let Some(e) = &msg.malformed {
        let _ = writeln!(s, "Malformed\t{e}");
    }
    s
}

fn push_name(s: &mut String, name: &str) {
    if name != "." {
        s.push('.');
    }
    s.push_str(name);
}

fn push_record(s: &mut String, r: &Record) {
    push_name(s, &r.name);
    let class = if r.rtype == rtype::OPT {
        "-".into()
    } else {
        class_name(r.class)
    };
    let _ = writeln!(
        s,
        "\t{}\t{}\t{}\t{}",
        r.ttl,
        type_name(r.rtype),
        class,
        r.data
    );
}
