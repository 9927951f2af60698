//! The `wire` module deals with zero-copy views over HTTP/1.x header blocks:
//! finding where a header block ends, the request line, the status line, and
//! iterating and looking up header fields.
//!
//! Every function here accepts any byte slice and never panics: lines are
//! split on LF with an optional CR before it (bare LF tolerated, RFC 9112
//! §2.2), obsolete line folding (a line starting with SP or HTAB continues the
//! previous field, §5.2) is tolerated, and lines without a colon are skipped.
//! Views borrow the header block; nothing is copied until the caller asks for
//! an owned `String`.

/// Where the header block that starts at `buf[0]` ends: the index just past
/// the blank line (`\r\n\r\n`, `\n\n`, `\n\r\n`), or `None` if `buf` does not
/// hold the whole block yet.
///
/// `from` is where to resume searching (bytes before it were already searched
/// by an earlier call on a prefix of `buf`); it is clamped to `buf.len()`.
pub fn header_end(buf: &[u8], from: usize) -> Option<usize> {
    // A '\n' seen up to two bytes before the old end may be completed by the
    // new bytes, so step back before searching again.
    let start = from.min(buf.len()).saturating_sub(2);
    let mut i = start;
    while let Some(off) = buf
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
    {
        let lf = i + off;
        match (buf.get(lf + 1), buf.get(lf + 2)) {
            (Some(b'\n'), _) => return Some(lf + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(lf + 3),
            _ => {}
        }
        i = lf + 1;
    }
    None
}

/// Splits `buf` into lines: each item is a line without its LF and without a
/// CR just before the LF. A last line without LF is yielded too.
fn lines(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = buf.strip_suffix(b"\n").unwrap_or(buf);
    body.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Trims optional whitespace (SP, HTAB) and stray CR/LF at both ends.
pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if matches!(first, b' ' | b'\t' | b'\r' | b'\n') {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if matches!(last, b' ' | b'\t' | b'\r' | b'\n') {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Whether `b` is a token character (RFC 9110 §5.6.2 `tchar`).
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A view of the first line of a request: `method SP request-target SP
/// HTTP-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The method token as sent (case-sensitive, e.g. `GET`).
    pub method: &'a [u8],
    /// The request-target as sent (origin, absolute, authority or asterisk form).
    pub target: &'a [u8],
    /// The version as sent, starting with `HTTP/`.
    pub version: &'a [u8],
}

impl<'a> RequestLine<'a> {
    /// Parses the first line of `block`. `None` unless the method is a
    /// non-empty token, the target is non-empty and the version starts with
    /// `HTTP/` (HTTP/0.9 simple requests are not supported).
    pub fn parse(block: &'a [u8]) -> Option<RequestLine<'a>> {
        let line = lines(block).next()?;
        let sp = line.iter().position(|&b| b == b' ')?;
        let (method, rest) = (line.get(..sp)?, line.get(sp + 1..)?);
        if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
            return None;
        }
        let rest = trim(rest);
        let last_sp = rest.iter().rposition(|&b| b == b' ')?;
        let target = trim(rest.get(..last_sp)?);
        let version = rest.get(last_sp + 1..)?;
        if target.is_empty() || !version.starts_with(b"HTTP/") {
            return None;
        }
        Some(RequestLine {
            method,
            target,
            version,
        })
    }
}

/// A view of the first line of a response: `HTTP-version SP status-code [SP
/// reason-phrase]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusLine<'a> {
    /// The version as sent, starting with `HTTP/1.`.
    pub version: &'a [u8],
    /// The three-digit status code (100..=999).
    pub status: u16,
    /// The reason phrase as sent (may be empty).
    pub reason: &'a [u8],
}

impl<'a> StatusLine<'a> {
    /// Parses the first line of `block`. `None` unless it starts with
    /// `HTTP/1.` and the status code is exactly three digits.
    pub fn parse(block: &'a [u8]) -> Option<StatusLine<'a>> {
        let line = lines(block).next()?;
        if !line.starts_with(b"HTTP/1.") {
            return None;
        }
        let sp = line.iter().position(|&b| b == b' ')?;
        let version = line.get(..sp)?;
        let rest = line.get(sp + 1..)?;
        let rest = rest
            .get(rest.iter().position(|&b| b != b' ').unwrap_or(rest.len())..)
            .unwrap_or_default();
        let code = rest.get(..3)?;
        if !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if let Some(&next) = rest.get(3) {
            if next != b' ' && next != b'\t' {
                return None;
            }
        }
        let status = code
            .iter()
            .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
        if status < 100 {
            return None;
        }
        Some(StatusLine {
            version,
            status,
            reason: trim(rest.get(3..).unwrap_or_default()),
        })
    }
}

/// One header field: the name as sent and the value with surrounding
/// whitespace trimmed. A folded value (obs-fold) spans several lines and still
/// holds the CR LF and leading whitespace of its continuation lines; use
/// [`Header::value_string`] to unfold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The field name as sent (compare with `eq_ignore_ascii_case`).
    pub name: &'a [u8],
    /// The field value, trimmed, possibly spanning folded lines.
    pub value: &'a [u8],
}

impl Header<'_> {
    /// The value as an owned string: folded lines joined with a single space,
    /// invalid UTF-8 replaced (lossy).
    pub fn value_string(&self) -> String {
        unfold(self.value)
    }
}

/// Replaces every line break with the whitespace around it by one space.
fn unfold(value: &[u8]) -> String {
    if !value.contains(&b'\n') {
        return String::from_utf8_lossy(value).into_owned();
    }
    let mut out = Vec::with_capacity(value.len());
    for (i, line) in value.split(|&b| b == b'\n').enumerate() {
        let line = trim(line);
        if i > 0 && !line.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(line);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Iterator over the header fields of a header block (the first line, the
/// request or status line, is skipped). Built by [`headers`].
#[derive(Debug, Clone)]
pub struct Headers<'a> {
    /// The bytes after the first line not yet iterated.
    rest: &'a [u8],
}

/// The header fields of `block` (a whole header block, first line included).
pub fn headers(block: &[u8]) -> Headers<'_> {
    let rest = match block.iter().position(|&b| b == b'\n') {
        Some(lf) => block.get(lf + 1..).unwrap_or_default(),
        None => &[],
    };
    Headers { rest }
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            // The field runs to the first LF not followed by SP/HTAB (a fold).
            let mut end = self.rest.len();
            let mut search = 0;
            while let Some(off) = self
                .rest
                .get(search..)
                .and_then(|r| r.iter().position(|&b| b == b'\n'))
            {
                let lf = search + off;
                match self.rest.get(lf + 1) {
                    Some(b' ' | b'\t') => search = lf + 1,
                    _ => {
                        end = lf + 1;
                        break;
                    }
                }
            }
            let field = self.rest.get(..end).unwrap_or_default();
            self.rest = self.rest.get(end..).unwrap_or_default();
            let Some(colon) = field.iter().position(|&b| b == b':') else {
                // A blank line (end of block) or a line that is not a field.
                continue;
            };
            let name = trim(field.get(..colon).unwrap_or_default());
            if name.is_empty() {
                continue;
            }
            return Some(Header {
                name,
                value: trim(field.get(colon + 1..).unwrap_or_default()),
            });
        }
    }
}

/// The first field named `name` (ASCII case-insensitive) in `block`.
pub fn find<'a>(block: &'a [u8], name: &str) -> Option<Header<'a>> {
    headers(block).find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
}

/// Every field named `name` (ASCII case-insensitive) in `block`.
pub fn find_all<'a, 'n>(block: &'a [u8], name: &'n str) -> impl Iterator<Item = Header<'a>> + 'n
where
    'a: 'n,
{
    headers(block).filter(move |h| h.name.eq_ignore_ascii_case(name.as_bytes()))
}

/// The value of the first field named `name`, unfolded and lossily decoded.
pub fn find_string(block: &[u8], name: &str) -> Option<String> {
    find(block, name).map(|h| h.value_string())
}

/// Splits a comma-separated list value into its trimmed, non-empty elements.
pub fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim)
        .filter(|e| !e.is_empty())
}

/// The file name of a `Content-Disposition` value: `filename*=` (its
/// `charset'lang'` prefix removed, percent-escapes kept) if present, else
/// `filename=` (quotes removed). `None` if neither is present or the name is
/// empty.
pub fn disposition_filename(value: &[u8]) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in value.split(|&b| b == b';').map(trim) {
        let Some(eq) = param.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = trim(param.get(..eq).unwrap_or_default());
        let val = trim(param.get(eq + 1..).unwrap_or_default());
        let val = val
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(val);
        if key.eq_ignore_ascii_case(b"filename*") {
            // RFC 8187: charset'language'value-chars.
            let v = match val.iter().rposition(|&b| b == b'\'') {
                Some(q) => val.get(q + 1..).unwrap_or_default(),
                None => val,
            };
            extended = Some(v);
        } else if key.eq_ignore_ascii_case(b"filename") {
            plain = Some(val);
        }
    }
    extended
        .or(plain)
        .filter(|v| !v.is_empty())
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Parses a decimal `Content-Length` element. `None` for anything but 1..=19
/// ASCII digits that fit a `u64`.
pub fn parse_decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_end_variants() {
        assert_eq!(header_end(b"GET / HTTP/1.1\r\n\r\n", 0), Some(18));
        assert_eq!(header_end(b"GET / HTTP/1.1\n\nX", 0), Some(16));
        assert_eq!(header_end(b"GET / HTTP/1.1\n\r\nX", 0), Some(17));
        assert_eq!(header_end(b"GET / HTTP/1.1\r\nA: b\r\n\r", 0), None);
        // Resuming after a cut between \r and \n.
        let full = b"GET / HTTP/1.1\r\nA: b\r\n\r\n";
        assert_eq!(header_end(full, 23), Some(24));
        assert_eq!(header_end(b"", 5), None);
    }

    #[test]
    fn request_line() {
        let r = RequestLine::parse(b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(r.method, b"GET");
        assert_eq!(r.target, b"/a?b");
        assert_eq!(r.version, b"HTTP/1.1");
        assert!(RequestLine::parse(b"GET /a\r\n").is_none());
        assert!(RequestLine::parse(b"G(T /a HTTP/1.1\r\n").is_none());
        assert!(RequestLine::parse(b"").is_none());
        assert!(RequestLine::parse(b" / HTTP/1.1").is_none());
    }

    #[test]
    fn status_line() {
        let s = StatusLine::parse(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap();
        assert_eq!(
            (s.version, s.status, s.reason),
            (&b"HTTP/1.1"[..], 404, &b"Not Found"[..])
        );
        let s = StatusLine::parse(b"HTTP/1.0 200\n\n").unwrap();
        assert_eq!((s.status, s.reason), (200, &b""[..]));
        assert!(StatusLine::parse(b"HTTP/1.1 20 OK\r\n").is_none());
        assert!(StatusLine::parse(b"HTTP/1.1 2000 OK\r\n").is_none());
        assert!(StatusLine::parse(b"HTTP/2 200 OK\r\n").is_none());
        assert!(StatusLine::parse(b"HTTP/1.1 099 x\r\n").is_none());
    }

    #[test]
    fn header_iteration_folding_and_lookup() {
        let block = b"GET / HTTP/1.1\r\nHost: example.org \r\nX-Long: a\r\n  b\r\n\tc\r\nnot a field\r\nUSER-agent:curl\n\r\n";
        let all: Vec<_> = headers(block).collect();
        assert_eq!(all.len(), 3);
        assert_eq!(find_string(block, "host").as_deref(), Some("example.org"));
        assert_eq!(find_string(block, "x-long").as_deref(), Some("a b c"));
        assert_eq!(find_string(block, "User-Agent").as_deref(), Some("curl"));
        assert_eq!(find(block, "absent"), None);
    }

    #[test]
    fn disposition() {
        assert_eq!(
            disposition_filename(b"attachment; filename=\"a b.zip\"").as_deref(),
            Some("a b.zip")
        );
        assert_eq!(
            disposition_filename(b"attachment; filename=x.txt; filename*=UTF-8''%e2%82%ac.txt")
                .as_deref(),
            Some("%e2%82%ac.txt")
        );
        assert_eq!(disposition_filename(b"inline"), None);
        assert_eq!(disposition_filename(b"attachment; filename=\"\""), None);
    }

    #[test]
    fn decimal() {
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b"18446744073709551615"), None); // 20 digits
        assert_eq!(
            parse_decimal(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_decimal(b"+5"), None);
        assert_eq!(parse_decimal(b""), None);
    }
}
