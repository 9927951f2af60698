//! The `usage` module deals with [`FlowUse`]: what a flow carried since it
//! was last folded into the counter groups (once per interval, and when it
//! leaves the table). See `counters::metering` for why flows, not packets,
//! feed most counters.

/// A flow's traffic since its last fold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowUse {
    /// Bytes A to Z (whole frames).
    pub az_bytes: u64,
    /// Bytes Z to A.
    pub za_bytes: u64,
    /// Packets A to Z.
    pub az_packets: u64,
    /// Packets Z to A.
    pub za_packets: u64,
    /// Frames A to Z (more than packets for reassembled datagrams).
    pub az_frames: u64,
    /// Frames Z to A.
    pub za_frames: u64,
    /// TCP SYNs (without ACK) sent by A.
    pub az_syn: u32,
    /// TCP SYNs sent by Z.
    pub za_syn: u32,
    /// TCP SYN+ACKs sent by A.
    pub az_synack: u32,
    /// TCP SYN+ACKs sent by Z.
    pub za_synack: u32,
    /// The flow began since the last fold.
    pub opened: bool,
    /// The flow ended since the last fold.
    pub closed: bool,
}

impl FlowUse {
    /// Whether there is nothing to fold.
    pub fn is_empty(&self) -> bool {
        *self == FlowUse::default()
    }
}
