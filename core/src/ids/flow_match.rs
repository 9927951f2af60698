//! The `flow_match` module deals with tying an EVE alert to a flow: a key
//! that both directions of a conversation share, and the time test.
//!
//! It knows nothing of weir's flow table. The engine (a later step) will
//! look flows up by [`FlowMatch`] among the flows it has seen (`proto` and
//! the two ends of the flow, ports 0 for port-less protocols as in weir's
//! own flow key) and then take the flow for which [`matches()`] holds;
//! Suricata's `flow_id` means nothing to weir and is not used.

use super::eve::EveAlert;
use crate::source::Timestamp;
use std::net::IpAddr;
use std::time::Duration;

/// A direction-independent 5-tuple: the protocol and the two ends ordered
/// so that `lo <= hi` (by address, IPv4 before IPv6, then port). Both
/// directions of a conversation give the same value.
///
/// Invariant: `lo <= hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowMatch {
    /// IP protocol number.
    pub proto: u8,
    /// The lower end, `(address, port)`; port 0 when there is none.
    pub lo: (IpAddr, u16),
    /// The higher end, `(address, port)`; port 0 when there is none.
    pub hi: (IpAddr, u16),
}

impl FlowMatch {
    /// The key of a conversation between ends `a` and `b` (in either
    /// order).
    pub fn new(proto: u8, a: (IpAddr, u16), b: (IpAddr, u16)) -> FlowMatch {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        FlowMatch { proto, lo, hi }
    }

    /// The key of the alert's packet; absent ports are 0.
    pub fn of_alert(alert: &EveAlert) -> FlowMatch {
        FlowMatch::new(
            alert.proto,
            (alert.src_ip, alert.src_port.unwrap_or(0)),
            (alert.dest_ip, alert.dest_port.unwrap_or(0)),
        )
    }
}

/// Whether the alert's time lies within the flow's life widened by `slack`
/// on each side: `first - slack <= alert.ts <= last + slack` (microsecond
/// resolution, saturating; `first > last` matches nothing but what the
/// slack allows around both). The slack absorbs the clock difference
/// between Suricata and weir reading the same traffic (none when both read
/// the same capture file) and flows that weir times out and restarts.
pub fn matches(alert: &EveAlert, first: Timestamp, last: Timestamp, slack: Duration) -> bool {
    let slack = u64::try_from(slack.as_micros()).unwrap_or(u64::MAX);
    let t = alert.ts.as_micros();
    first.as_micros().saturating_sub(slack) <= t && t <= last.as_micros().saturating_add(slack)
}
