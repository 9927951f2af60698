//! The `subscription` module deals with what each monitor asks to receive.
//!
//! The engine reads every subscription once, at load time, and only produces
//! the events somebody asked for: a callback nobody subscribed to costs
//! nothing on the packet path (Retina's idea).

use abi_stable::std_types::RStr;
use abi_stable::StableAbi;

use crate::records::Guid;

/// Bit set of flow-monitor callbacks.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct FlowEvents(pub u32);

impl FlowEvents {
    /// `on_new_flow`.
    pub const NEW_FLOW: FlowEvents = FlowEvents(1 << 0);
    /// `on_update` (at most once per second of stream time per flow).
    pub const UPDATE: FlowEvents = FlowEvents(1 << 1);
    /// `on_terminate`.
    pub const TERMINATE: FlowEvents = FlowEvents(1 << 2);
    /// `on_begin_flush`, `on_flush` and `on_end_flush`.
    pub const FLUSH: FlowEvents = FlowEvents(1 << 3);
    /// `on_metronome` (about once per second of stream time).
    pub const METRONOME: FlowEvents = FlowEvents(1 << 4);
    /// Everything.
    pub const ALL: FlowEvents = FlowEvents(0x1F);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: FlowEvents) -> bool {
        self.0 & other.0 == other.0
    }

    /// Union.
    pub const fn union(self, other: FlowEvents) -> FlowEvents {
        FlowEvents(self.0 | other.0)
    }
}

impl std::ops::BitOr for FlowEvents {
    type Output = FlowEvents;
    fn bitor(self, rhs: FlowEvents) -> FlowEvents {
        self.union(rhs)
    }
}

/// What a flow monitor listens to.
///
/// Built with a chain: `FlowSubscription::ip_flows().new_flow().flush()`.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Debug)]
pub struct FlowSubscription {
    /// Session group by GUID (only [`crate::guid::IP_FLOWS`] exists so far);
    /// ignored when `group_name` is not empty.
    pub group: Guid,
    /// Session group by name: matched without regard to case as a substring of
    /// the group names (Trisul's `*_name_match`); empty to attach by GUID.
    pub group_name: RStr<'static>,
    /// Callbacks wanted.
    pub events: FlowEvents,
    /// Whether the monitor votes in the flush filter (`flush_filter` is called).
    pub filter: bool,
}

impl FlowSubscription {
    /// Subscribes to the IP flows session group, with no callbacks yet.
    pub const fn ip_flows() -> FlowSubscription {
        FlowSubscription {
            group: crate::guid::IP_FLOWS,
            group_name: RStr::from_str(""),
            events: FlowEvents(0),
            filter: false,
        }
    }

    /// Every callback, including the flush filter.
    pub const fn everything() -> FlowSubscription {
        FlowSubscription::ip_flows().with(FlowEvents::ALL).filter()
    }

    /// Subscribes to the session group whose name contains `name` (any case),
    /// e.g. `"ip flows"`; the engine refuses the plugin if none matches.
    pub const fn group_named(name: &'static str) -> FlowSubscription {
        FlowSubscription {
            group: Guid([0; 16]),
            group_name: RStr::from_str(name),
            events: FlowEvents(0),
            filter: false,
        }
    }

    /// Adds `on_new_flow`.
    pub const fn new_flow(self) -> Self {
        self.with(FlowEvents::NEW_FLOW)
    }

    /// Adds `on_update`.
    pub const fn update(self) -> Self {
        self.with(FlowEvents::UPDATE)
    }

    /// Adds `on_terminate`.
    pub const fn terminate(self) -> Self {
        self.with(FlowEvents::TERMINATE)
    }

    /// Adds `on_begin_flush`, `on_flush`, `on_end_flush`.
    pub const fn flush(self) -> Self {
        self.with(FlowEvents::FLUSH)
    }

    /// Adds `on_metronome`.
    pub const fn metronome(self) -> Self {
        self.with(FlowEvents::METRONOME)
    }

    /// Adds the flush-filter vote.
    pub const fn filter(mut self) -> Self {
        self.filter = true;
        self
    }

    const fn with(mut self, events: FlowEvents) -> Self {
        self.events = self.events.union(events);
        self
    }
}

/// What an engine monitor listens to.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct EngineSubscription {
    /// `on_begin_flush` and `on_end_flush`, around every interval's flush.
    pub flush: bool,
    /// `on_metronome`.
    pub metronome: bool,
}

impl EngineSubscription {
    /// Both flush brackets and the metronome.
    pub const fn everything() -> EngineSubscription {
        EngineSubscription {
            flush: true,
            metronome: true,
        }
    }
}
