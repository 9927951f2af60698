//! The `filter` module deals with `--filter EXPR`: capture filters in
//! tcpdump's syntax, compiled by libpcap (the `pcap` crate) and applied to
//! frames before the engine sees them.
//!
//! An expression is compiled once per link type it meets, exactly as
//! `tcpdump -r FILE EXPR` compiles it for that file: with a "dead" libpcap
//! handle of that link type, snap length 65535, optimised. So libpcap's
//! semantics hold as they are: `tcp port 80` does not match a frame with a
//! VLAN tag (say `vlan and tcp port 80`; each `vlan` keyword moves the
//! offsets past one more tag, as for QinQ), and `ip6` is IPv6 only.
//!
//! [`FilteredSource`] wraps any [`PacketSource`]: frames the program rejects
//! are counted ([`FilteredSource::filtered_out`]) and never reach the engine,
//! so the engine and the file readers know nothing of filters. A live
//! source attaches the same program in the kernel instead
//! ([`PacketFilter::kernel_program`]).

use pcap::{BpfProgram, Capture, Linktype};
use weir_core::source::{
    CaptureStatsReader, LinkType, Packet, PacketSource, SourceError, SourceItem, Timestamp,
};

/// A filter expression that libpcap refused, with libpcap's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--filter {expr:?}: {reason}")]
pub struct FilterError {
    /// The expression as given.
    pub expr: String,
    /// libpcap's message (with the link type when the expression is valid
    /// but not for that link type).
    pub reason: String,
}

/// The DLT number libpcap compiles for, by weir's link type.
///
/// DLT numbers are what `pcap_open_dead` takes; they differ from LINKTYPE
/// numbers for raw IP (DLT_RAW is 12 on Linux, LINKTYPE_RAW 101).
pub fn dlt_of(link: LinkType) -> i32 {
    match link {
        LinkType::Null => 0,
        LinkType::Ethernet => 1,
        LinkType::Ppp => 9,
        LinkType::RawIp => 12,
        LinkType::Loop => 108,
        LinkType::LinuxSll => 113,
        LinkType::RawIpv4 => 228,
        LinkType::RawIpv6 => 229,
        LinkType::LinuxSll2 => 276,
        LinkType::Other(n) => i32::try_from(n).unwrap_or(i32::MAX),
    }
}

/// A compiled filter expression: one BPF program per link type, compiled
/// the first time a frame of that link type is tested.
pub struct PacketFilter {
    expr: String,
    programs: Vec<(LinkType, BpfProgram)>,
}

impl std::fmt::Debug for PacketFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketFilter")
            .field("expr", &self.expr)
            .field(
                "compiled_for",
                &self.programs.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn compile(expr: &str, link: LinkType) -> Result<BpfProgram, FilterError> {
    let error = |reason: String| FilterError {
        expr: expr.to_string(),
        reason,
    };
    let dead = Capture::dead(Linktype(dlt_of(link)))
        .map_err(|e| error(format!("libpcap cannot make a handle for {link:?}: {e}")))?;
    // `Capture::dead` opens the handle with snap length 65535.
    dead.compile(expr, true).map_err(|e| {
        let text = e.to_string();
        let text = text.strip_prefix("libpcap error: ").unwrap_or(&text);
        if link == LinkType::Ethernet {
            error(text.to_string())
        } else {
            error(format!("{text} (link type {link:?})"))
        }
    })
}

impl PacketFilter {
    /// Checks `expr` by compiling it for Ethernet: a syntax error (or
    /// anything else libpcap refuses there) is an error naming it.
    pub fn new(expr: &str) -> Result<PacketFilter, FilterError> {
        let program = compile(expr, LinkType::Ethernet)?;
        Ok(PacketFilter {
            expr: expr.to_string(),
            programs: vec![(LinkType::Ethernet, program)],
        })
    }

    /// The expression as given.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    fn program(&mut self, link: LinkType) -> Result<&BpfProgram, FilterError> {
        let at = match self.programs.iter().position(|(l, _)| *l == link) {
            Some(at) => at,
            None => {
                let program = compile(&self.expr, link)?;
                self.programs.push((link, program));
                self.programs.len() - 1
            }
        };
        Ok(&self.programs[at].1)
    }

    /// Whether a frame of `link` passes the filter (libpcap's
    /// `pcap_offline_filter`; `len` and `greater`/`less` see the captured
    /// length). Fails when the expression cannot be compiled for `link`.
    pub fn matches(&mut self, link: LinkType, frame: &[u8]) -> Result<bool, FilterError> {
        Ok(self.program(link)?.filter(frame))
    }

    /// The program for `link` as classic BPF instructions `(code, jt, jf,
    /// k)`, for a socket filter (`SO_ATTACH_FILTER`).
    pub fn kernel_program(&mut self, link: LinkType) -> Result<Vec<[u32; 4]>, FilterError> {
        let program = self.program(link)?;
        // `BpfInstruction` keeps its fields private but prints them as
        // "code jt jf k" (decimal).
        let mut out = Vec::new();
        for insn in program.get_instructions() {
            let text = insn.to_string();
            let nums: Vec<u32> = text
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            let [code, jt, jf, k] = nums[..] else {
                return Err(FilterError {
                    expr: self.expr.clone(),
                    reason: format!("unexpected BPF instruction text {text:?}"),
                });
            };
            out.push([code, jt, jf, k]);
        }
        Ok(out)
    }
}

/// A [`PacketSource`] that passes on only the frames a [`PacketFilter`]
/// matches; warnings and the end of input pass through unchanged.
pub struct FilteredSource<S> {
    inner: S,
    filter: PacketFilter,
    filtered_out: u64,
    frame: Vec<u8>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for FilteredSource<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilteredSource")
            .field("inner", &self.inner)
            .field("filter", &self.filter)
            .field("filtered_out", &self.filtered_out)
            .finish_non_exhaustive()
    }
}

impl<S: PacketSource> FilteredSource<S> {
    /// Filters `inner` with `filter`.
    pub fn new(inner: S, filter: PacketFilter) -> FilteredSource<S> {
        FilteredSource {
            inner,
            filter,
            filtered_out: 0,
            frame: Vec::with_capacity(65536),
        }
    }

    /// Frames the filter rejected so far.
    pub fn filtered_out(&self) -> u64 {
        self.filtered_out
    }

    /// The filter.
    pub fn filter(&self) -> &PacketFilter {
        &self.filter
    }

    /// The source inside.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: PacketSource> PacketSource for FilteredSource<S> {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, SourceError> {
        // A rejected frame is skipped by asking `inner` again. The borrow
        // checker cannot see that an item returned from one turn of the loop
        // is not the one borrowed in the next, so a kept frame is copied
        // into `frame` (one copy per kept frame; rejected frames cost none).
        let (ts, link, wire_len) = loop {
            match self.inner.next_item()? {
                Some(SourceItem::Packet(p)) => {
                    let keep = self
                        .filter
                        .matches(p.link, p.data)
                        .map_err(|e| SourceError::Other(e.to_string()))?;
                    if keep {
                        self.frame.clear();
                        self.frame.extend_from_slice(p.data);
                        break (p.ts, p.link, p.wire_len);
                    }
                    self.filtered_out += 1;
                }
                Some(SourceItem::Warning(w)) => return Ok(Some(SourceItem::Warning(w))),
                None => return Ok(None),
            }
        };
        Ok(Some(SourceItem::Packet(Packet {
            ts,
            link,
            data: &self.frame,
            wire_len,
        })))
    }

    fn origin(&self) -> Option<String> {
        self.inner.origin()
    }

    fn origin_id(&self) -> usize {
        self.inner.origin_id()
    }

    fn is_live(&self) -> bool {
        self.inner.is_live()
    }

    fn idle(&mut self) -> Option<Timestamp> {
        self.inner.idle()
    }

    fn capture_stats(&self) -> Option<CaptureStatsReader> {
        self.inner.capture_stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet, IPv4, TCP from port 40000 to `port`, no payload.
    fn tcp_frame(port: u16) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&[0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&40000u16.to_be_bytes());
        f.extend_from_slice(&port.to_be_bytes());
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&[0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
        f
    }

    #[test]
    fn matches_by_link_type() {
        let mut f = PacketFilter::new("tcp port 80").unwrap();
        assert!(f.matches(LinkType::Ethernet, &tcp_frame(80)).unwrap());
        assert!(!f.matches(LinkType::Ethernet, &tcp_frame(81)).unwrap());
        // The same IP packet without its Ethernet header, as raw IP.
        assert!(f.matches(LinkType::RawIp, &tcp_frame(80)[14..]).unwrap());
        assert!(!f.matches(LinkType::RawIpv4, &tcp_frame(81)[14..]).unwrap());
    }

    #[test]
    fn a_bad_expression_names_itself() {
        let e = PacketFilter::new("tcp prot 80").unwrap_err();
        assert_eq!(e.expr, "tcp prot 80");
        assert!(
            e.to_string().starts_with("--filter \"tcp prot 80\": "),
            "{e}"
        );
    }

    #[test]
    fn kernel_program_ends_in_a_return() {
        let mut f = PacketFilter::new("udp").unwrap();
        let p = f.kernel_program(LinkType::Ethernet).unwrap();
        assert!(p.len() > 2);
        // BPF_RET | BPF_K
        assert_eq!(p.last().unwrap()[0], 0x06);
    }
}
