//! The `counters` module deals with what counter-group monitors and flow
//! trackers see and declare (API 1.1): the group a callback is about
//! ([`CounterGroupRef`]), one key's values ([`CounterRecord`]), one topper
//! entry ([`TopperRecord`]), what a monitor subscribes to
//! ([`CounterSubscription`]), a plugin's own counter group
//! ([`NewCounterGroup`]) and a flow tracker's settings ([`FlowTrackerInfo`]).
//!
//! Values are the interval's **raw volumes** (bytes, packets, ...) with the
//! meter type and the interval length beside them, not per-second rates:
//! divide a rate meter's value by `interval_secs` for a rate.

use abi_stable::std_types::{RSlice, RStr, RString, RVec};
use abi_stable::StableAbi;

use crate::abi::ext::Extensions;
use crate::meter::MeterType;
use crate::records::Guid;

/// The counter group a callback is about. One monitor may receive several
/// groups (its subscription matched them): compare `guid`.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct CounterGroupRef<'a> {
    /// The group's GUID.
    pub guid: Guid,
    /// The group's name (`"Hosts"`).
    pub name: RStr<'a>,
    /// Length of the interval the values cover, seconds.
    pub interval_secs: u32,
    /// Length of the group's topper bucket, seconds.
    pub topper_bucket_secs: u32,
    /// The type of each meter, by meter id.
    pub meter_kinds: RSlice<'a, MeterType>,
    /// Later fields (none in 1.1).
    pub ext: Extensions<'a>,
}

impl<'a> CounterGroupRef<'a> {
    /// The group's name.
    pub fn name(&self) -> &'a str {
        self.name.as_str()
    }
}

/// One key of a counter group and its values.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct CounterRecord<'a> {
    /// The key in Trisul's format (`C0.A8.01.04`, `p-0050`,
    /// `SYS:GROUP_TOTALS` for the group's totals).
    pub key: RStr<'a>,
    /// A human label (the address, the service name), or the key.
    pub label: RStr<'a>,
    /// Raw volumes by meter id: the interval's values (in `on_update`: the
    /// interval so far).
    pub values: RSlice<'a, i64>,
    /// Later fields (none in 1.1).
    pub ext: Extensions<'a>,
}

impl<'a> CounterRecord<'a> {
    /// The key.
    pub fn key(&self) -> &'a str {
        self.key.as_str()
    }
    /// The label.
    pub fn label(&self) -> &'a str {
        self.label.as_str()
    }
    /// The values, by meter id.
    pub fn values(&self) -> &'a [i64] {
        self.values.as_slice()
    }
    /// Whether this is the group's `SYS:GROUP_TOTALS` row.
    pub fn is_group_totals(&self) -> bool {
        self.key.as_str() == "SYS:GROUP_TOTALS"
    }
}

/// One entry of a meter's topper list.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct TopperRecord<'a> {
    /// The meter ranked.
    pub meter: u32,
    /// Rank, from 1.
    pub rank: u32,
    /// The key.
    pub key: RStr<'a>,
    /// Its label.
    pub label: RStr<'a>,
    /// The meter's value over the topper bucket.
    pub value: i64,
    /// Later fields (none in 1.1).
    pub ext: Extensions<'a>,
}

impl<'a> TopperRecord<'a> {
    /// The key.
    pub fn key(&self) -> &'a str {
        self.key.as_str()
    }
    /// The label.
    pub fn label(&self) -> &'a str {
        self.label.as_str()
    }
}

/// The value of an entry of the flush filter's meter overrides that leaves
/// the meter as it is (Trisul uses -1; weir keeps -1 usable as a value).
pub const KEEP_METER: i64 = i64::MIN;

/// Bit set of counter-group monitor callbacks.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct CounterEvents(pub u32);

impl CounterEvents {
    /// `on_new_key`.
    pub const NEW_KEY: CounterEvents = CounterEvents(1 << 0);
    /// `on_update` (at most once per second of stream time per key).
    pub const UPDATE: CounterEvents = CounterEvents(1 << 1);
    /// `on_begin_flush`, `on_flush`, `on_end_flush`.
    pub const FLUSH: CounterEvents = CounterEvents(1 << 2);
    /// `flush_filter` (a vote and meter overrides per key).
    pub const FLUSH_FILTER: CounterEvents = CounterEvents(1 << 3);
    /// `on_begin_topper_flush`, `on_topper_flush`, `on_end_topper_flush`.
    pub const TOPPER_FLUSH: CounterEvents = CounterEvents(1 << 4);
    /// `topper_filter` (a vote per topper entry).
    pub const TOPPER_FILTER: CounterEvents = CounterEvents(1 << 5);
    /// `on_metronome`.
    pub const METRONOME: CounterEvents = CounterEvents(1 << 6);
    /// Everything.
    pub const ALL: CounterEvents = CounterEvents(0x7F);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: CounterEvents) -> bool {
        self.0 & other.0 == other.0
    }

    /// Union.
    pub const fn union(self, other: CounterEvents) -> CounterEvents {
        CounterEvents(self.0 | other.0)
    }
}

impl std::ops::BitOr for CounterEvents {
    type Output = CounterEvents;
    fn bitor(self, rhs: CounterEvents) -> CounterEvents {
        self.union(rhs)
    }
}

/// What a counter-group monitor listens to: the union of the groups named
/// by GUID, by name substring (any case) and by a regular expression over
/// group names. The engine resolves it once, when the run starts, against
/// the built-in groups and those plugins registered; a subscription that
/// matches no group stops the run before any packet is read.
///
/// `CounterSubscription::guid(guid::CG_APPS).flush()`.
#[repr(C)]
#[derive(StableAbi, Clone, PartialEq, Eq, Debug, Default)]
pub struct CounterSubscription {
    /// Callbacks wanted.
    pub events: CounterEvents,
    /// Groups by GUID.
    pub guids: RVec<Guid>,
    /// Groups whose name contains one of these, without regard to case
    /// (Trisul's `counter_name_match`).
    pub name_match: RVec<RString>,
    /// Groups whose name matches this regular expression (Trisul's
    /// `counter_name_regex`; Rust `regex` syntax, unanchored); empty: none.
    pub name_regex: RString,
}

impl CounterSubscription {
    /// The group `guid`, no callbacks yet.
    pub fn guid(guid: Guid) -> CounterSubscription {
        CounterSubscription::default().or_guid(guid)
    }

    /// Every group (an empty name match), with every callback.
    pub fn everything() -> CounterSubscription {
        CounterSubscription::name_match("").with(CounterEvents::ALL)
    }

    /// Groups whose name contains `name` (any case; `""`: every group).
    pub fn name_match(name: &str) -> CounterSubscription {
        CounterSubscription::default().or_name_match(name)
    }

    /// Groups whose name matches `regex`.
    pub fn name_regex(regex: &str) -> CounterSubscription {
        CounterSubscription {
            name_regex: regex.into(),
            ..CounterSubscription::default()
        }
    }

    /// Also the group `guid`.
    pub fn or_guid(mut self, guid: Guid) -> Self {
        self.guids.push(guid);
        self
    }

    /// Also groups whose name contains `name`.
    pub fn or_name_match(mut self, name: &str) -> Self {
        self.name_match.push(name.into());
        self
    }

    /// Adds `events`.
    pub fn with(mut self, events: CounterEvents) -> Self {
        self.events = self.events.union(events);
        self
    }

    /// Adds `on_new_key`.
    pub fn new_key(self) -> Self {
        self.with(CounterEvents::NEW_KEY)
    }
    /// Adds `on_update`.
    pub fn update(self) -> Self {
        self.with(CounterEvents::UPDATE)
    }
    /// Adds the flush callbacks.
    pub fn flush(self) -> Self {
        self.with(CounterEvents::FLUSH)
    }
    /// Adds the flush filter.
    pub fn filter(self) -> Self {
        self.with(CounterEvents::FLUSH_FILTER)
    }
    /// Adds the topper flush callbacks.
    pub fn toppers(self) -> Self {
        self.with(CounterEvents::TOPPER_FLUSH)
    }
    /// Adds the topper filter.
    pub fn topper_filter(self) -> Self {
        self.with(CounterEvents::TOPPER_FILTER)
    }
    /// Adds `on_metronome`.
    pub fn metronome(self) -> Self {
        self.with(CounterEvents::METRONOME)
    }
}

/// One meter of a plugin's own counter group.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct NewMeter<'a> {
    /// How the interval's values combine.
    pub kind: MeterType,
    /// How many keys its topper list keeps; 0: no toppers.
    pub top_n: u32,
    /// Short name (`"In Octets"`).
    pub name: RStr<'a>,
    /// Units of the raw volume (`"bytes"`).
    pub units: RStr<'a>,
    /// One line of description.
    pub description: RStr<'a>,
}

impl<'a> NewMeter<'a> {
    /// A meter with `top_n` toppers and no description.
    pub fn new(kind: MeterType, top_n: u32, name: &'a str, units: &'a str) -> NewMeter<'a> {
        NewMeter {
            kind,
            top_n,
            name: name.into(),
            units: units.into(),
            description: "".into(),
        }
    }
}

/// A plugin's own counter group (Trisul's `countergroup` block), registered
/// with [`crate::HostHandle::register_counter_group`]; it is then a stream
/// like any built-in group. Meter ids are indices into `meters`.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct NewCounterGroup<'a> {
    /// GUID (counter-group namespace: it may equal a resource group's).
    pub guid: Guid,
    /// Name (Trisul asks for fewer than 15 characters).
    pub name: RStr<'a>,
    /// One line of description.
    pub description: RStr<'a>,
    /// Topper bucket, seconds (0: 300, Trisul's default).
    pub topper_bucket_secs: u32,
    /// The meters, by id (at most 32).
    pub meters: RSlice<'a, NewMeter<'a>>,
    /// Later fields (none in 1.1).
    pub ext: Extensions<'a>,
}

/// A flow tracker's settings (Trisul's `control` block), read once at load.
#[repr(C)]
#[derive(StableAbi, Clone, PartialEq, Eq, Debug, Default)]
pub struct FlowTrackerInfo {
    /// Name, e.g. `"Long SSH sessions"`.
    pub name: RString,
    /// One line of description.
    pub description: RString,
    /// Tracker bucket, seconds (0: 300).
    pub bucket_secs: u32,
    /// How many flows are kept per bucket (0: 100).
    pub count: u32,
    /// Whether `on_metronome` is wanted.
    pub metronome: bool,
}
