//! The `output` module deals with the run's NDJSON files: `flows.ndjson`
//! (one record per flushed flow), `alerts.ndjson` (one per alert),
//! `counters.ndjson` and `toppers.ndjson` (counter groups).
//!
//! Lines are written by hand rather than through serde so that timestamps keep
//! exactly six decimals (`1427726689.213953`), which an `f64` would not
//! guarantee, and so that a record costs no allocation beyond the buffer.

pub mod alerts;
pub mod counters;
pub mod flows;

/// Appends `s` to `out` as a JSON string literal (quoted, escaped).
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    // Keys, labels and ids almost never need escaping: copy them whole.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `v` in decimal (without `fmt`'s machinery: counter rows are
/// mostly numbers).
pub fn push_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_u64(out, v.unsigned_abs());
}

/// Appends `n` in decimal.
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&d| char::from(d)));
}

/// Appends a timestamp as a JSON number with exactly six decimals.
pub fn push_ts(out: &mut String, ts: weir_plugin_api::Timestamp) {
    use std::fmt::Write;
    let _ = write!(out, "{}.{:06}", ts.secs, ts.usecs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape() {
        let mut s = String::new();
        push_json_str(&mut s, "a\"b\\c\n\u{1}é");
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a\"b\\c\n\u{1}é");
        for v in [0, 7, -7, 1234567890123, i64::MIN, i64::MAX] {
            let mut n = String::new();
            push_i64(&mut n, v);
            assert_eq!(n, v.to_string());
        }
        let mut t = String::new();
        push_ts(
            &mut t,
            weir_plugin_api::Timestamp {
                secs: 1427726689,
                usecs: 13953,
            },
        );
        assert_eq!(t, "1427726689.013953");
    }
}
