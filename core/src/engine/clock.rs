//! The `clock` module deals with stream time: the engine's clock is the
//! largest packet time seen so far, so it never moves backwards, and the
//! interval and metronome boundaries derived from it.
//!
//! Intervals are aligned to multiples of their length (a 60 s interval ends on
//! a whole minute). Intervals and metronome ticks in which no packet arrives
//! are skipped, not emitted one by one: captures that jump by years cost one
//! flush per interval that has packets.

use weir_plugin_api::Timestamp;

/// What a packet's arrival makes happen before the packet itself is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClockStep {
    /// The interval ending at this second (exclusive end) must be flushed first.
    pub boundary: Option<u64>,
    /// A metronome tick for this second, with its number (from 1).
    pub tick: Option<(u64, u64)>,
}

/// The stream clock.
#[derive(Debug, Clone)]
pub struct StreamClock {
    interval: u64,
    now: Option<Timestamp>,
    interval_end: u64,
    last_tick_sec: u64,
    ticks: u64,
    intervals: u64,
}

impl StreamClock {
    /// A clock with intervals of `interval_secs` seconds (at least 1).
    pub fn new(interval_secs: u64) -> StreamClock {
        StreamClock {
            interval: interval_secs.max(1),
            now: None,
            interval_end: 0,
            last_tick_sec: 0,
            ticks: 0,
            intervals: 0,
        }
    }

    /// Advances to a packet's time; returns the boundary and tick to run first.
    pub fn advance(&mut self, ts: Timestamp) -> ClockStep {
        let mut step = ClockStep::default();
        match self.now {
            None => {
                self.now = Some(ts);
                self.interval_end = self.end_of_interval(ts.secs);
                self.last_tick_sec = ts.secs;
                self.ticks = 1;
                step.tick = Some((ts.secs, 1));
            }
            Some(now) => {
                if ts <= now {
                    return step;
                }
                self.now = Some(ts);
                if ts.secs >= self.interval_end {
                    step.boundary = Some(self.interval_end);
                    self.intervals += 1;
                    self.interval_end = self.end_of_interval(ts.secs);
                }
                if ts.secs > self.last_tick_sec {
                    self.last_tick_sec = ts.secs;
                    self.ticks += 1;
                    step.tick = Some((ts.secs, self.ticks));
                }
            }
        }
        step
    }

    /// The clock's time (`None` before the first packet).
    pub fn now(&self) -> Option<Timestamp> {
        self.now
    }

    /// Whole seconds of the clock (0 before the first packet).
    pub fn now_secs(&self) -> u64 {
        self.now.map_or(0, |t| t.secs)
    }

    /// End of the current interval, flushed at end of input (`None` before the first packet).
    pub fn final_boundary(&self) -> Option<u64> {
        self.now.map(|_| self.interval_end)
    }

    /// Interval boundaries crossed so far (the final flush not included).
    pub fn intervals(&self) -> u64 {
        self.intervals
    }

    /// Metronome ticks so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    fn end_of_interval(&self, secs: u64) -> u64 {
        (secs / self.interval + 1) * self.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64, usecs: u32) -> Timestamp {
        Timestamp { secs, usecs }
    }

    #[test]
    fn aligned_intervals_and_skipped_gaps() {
        let mut c = StreamClock::new(60);
        assert_eq!(
            c.advance(t(125, 5)),
            ClockStep {
                boundary: None,
                tick: Some((125, 1))
            }
        );
        assert_eq!(c.advance(t(125, 9)), ClockStep::default());
        assert_eq!(
            c.advance(t(179, 0)),
            ClockStep {
                boundary: None,
                tick: Some((179, 2))
            }
        );
        // Crossing 180 flushes the interval [120, 180).
        assert_eq!(
            c.advance(t(180, 0)),
            ClockStep {
                boundary: Some(180),
                tick: Some((180, 3))
            }
        );
        // A jump of years: one boundary, one tick.
        let far = 180 + 3 * 365 * 86_400 + 7;
        assert_eq!(
            c.advance(t(far, 0)),
            ClockStep {
                boundary: Some(240),
                tick: Some((far, 4))
            }
        );
        assert_eq!(c.final_boundary(), Some((far / 60 + 1) * 60));
        assert_eq!(c.intervals(), 2);
    }

    #[test]
    fn clock_never_moves_back() {
        let mut c = StreamClock::new(60);
        c.advance(t(1000, 0));
        assert_eq!(c.advance(t(900, 0)), ClockStep::default());
        assert_eq!(c.now(), Some(t(1000, 0)));
    }
}
