//! The `meter` module deals with what a counter-group meter measures: its
//! [`MeterType`], which says how the values fed to it during an interval
//! combine into the interval's one value.
//!
//! weir hands every consumer (outputs and callbacks) the interval's **raw
//! volume** together with the meter type and the interval length; rates are
//! derived by the reader (`value / interval` for the rate types). Trisul
//! hands `RATE_COUNTER` meters to scripts as per-second rates: weir does not.

use abi_stable::StableAbi;

/// How a meter combines the values fed to it in one interval (Trisul's
/// `T.K.vartype`). A number, not a Rust enum, so that a later minor may add
/// types: match on the constants with a `_` arm.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct MeterType(pub u8);

#[allow(non_upper_case_globals)]
impl MeterType {
    /// The sum of the interval's values; starts from 0 each interval.
    pub const Counter: MeterType = MeterType(0);
    /// The sum of the interval's values, read as a rate (value / interval
    /// seconds, e.g. bytes per second). Stored and handed out as the volume.
    pub const RateCounter: MeterType = MeterType(1);
    /// An instantaneous level: the last value fed in the interval.
    pub const Gauge: MeterType = MeterType(2);
    /// A level moved by increments and decrements (`+1` when a connection
    /// opens, `-1` when it closes) that never resets: the interval's value is
    /// the running total at its end.
    pub const RunningCounter: MeterType = MeterType(3);
    /// The mean of the values fed in the interval (integer division).
    pub const Average: MeterType = MeterType(4);
    /// Fed with an absolute, ever-growing counter (SNMP `ifHCInOctets`):
    /// the interval's value is the growth since the previous interval's last
    /// value (read as a rate: growth / interval seconds). The first interval
    /// of a key counts from its first value; a counter that went backwards
    /// (reset, wrap) counts from 0.
    pub const DeltaRateCounter: MeterType = MeterType(5);
    /// The largest value fed in the interval.
    pub const Maximum: MeterType = MeterType(6);
    /// The smallest value fed in the interval.
    pub const Minimum: MeterType = MeterType(7);

    /// Trisul's name (`"COUNTER"`, `"RATE_COUNTER"`, ...), or `"UNKNOWN"`.
    pub fn as_str(&self) -> &'static str {
        match *self {
            MeterType::Counter => "COUNTER",
            MeterType::RateCounter => "RATE_COUNTER",
            MeterType::Gauge => "GAUGE",
            MeterType::RunningCounter => "RUNNING_COUNTER",
            MeterType::Average => "AVERAGE",
            MeterType::DeltaRateCounter => "DELTA_RATE_COUNTER",
            MeterType::Maximum => "MAXIMUM",
            MeterType::Minimum => "MINIMUM",
            _ => "UNKNOWN",
        }
    }

    /// The type named `name` (Trisul's spelling, any case).
    pub fn parse(name: &str) -> Option<MeterType> {
        (0..=7)
            .map(MeterType)
            .find(|t| t.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this crate knows the type.
    pub fn is_known(&self) -> bool {
        self.0 <= 7
    }

    /// Whether the value reads as a rate (divide by the interval length).
    pub fn is_rate(&self) -> bool {
        matches!(*self, MeterType::RateCounter | MeterType::DeltaRateCounter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for n in 0..=7 {
            let t = MeterType(n);
            assert!(t.is_known());
            assert_eq!(MeterType::parse(&t.as_str().to_lowercase()), Some(t));
        }
        assert_eq!(MeterType(8).as_str(), "UNKNOWN");
        assert_eq!(MeterType::parse("RATE"), None);
    }
}
