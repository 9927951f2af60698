//! The `budget` module deals with the engine-wide cap on memory held by TCP
//! reassembly: every worker holds out-of-order segments for its own flows,
//! but the cap is one number for the whole engine, so the workers share a
//! counter.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A memory cap shared by every clone (one per worker thread).
///
/// Invariant: the bytes reserved, all clones together, never exceed
/// [`MemoryBudget::limit`]. A reservation that would pass it fails, and the
/// caller drops what it wanted to hold (and counts it). Releasing more than
/// was reserved is a bug in the caller; it saturates at zero rather than
/// wrapping, so one bug cannot turn the cap off.
///
/// The counter is a single atomic: a reservation is one compare-and-swap,
/// paid only for segments that arrive out of order (in-order data is never
/// copied, so it costs nothing here).
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    used: Arc<AtomicUsize>,
    limit: usize,
}

impl MemoryBudget {
    /// A budget of `limit` bytes, none used. 256 MiB is a reasonable engine
    /// default: with the default 1 MiB per direction it lets 256 directions
    /// hold their worst case at once, and far more hold the usual few
    /// segments.
    pub fn new(limit: usize) -> MemoryBudget {
        MemoryBudget {
            used: Arc::new(AtomicUsize::new(0)),
            limit,
        }
    }

    /// Reserves `n` bytes; `false` (and nothing reserved) when that would
    /// pass the limit.
    pub fn try_reserve(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= self.limit)
            })
            .is_ok()
    }

    /// Gives back `n` bytes reserved earlier.
    pub fn release(&self, n: usize) {
        // The closure never returns None, so the update cannot fail.
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                Some(used.saturating_sub(n))
            });
    }

    /// Bytes reserved now, all clones together.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// The cap, bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_up_to_the_limit_and_release() {
        let b = MemoryBudget::new(100);
        let c = b.clone();
        assert!(b.try_reserve(60));
        assert!(!c.try_reserve(41), "clones share the cap");
        assert!(c.try_reserve(40));
        assert_eq!(b.used(), 100);
        assert!(!b.try_reserve(1));
        b.release(30);
        assert_eq!(c.used(), 70);
        assert!(!b.try_reserve(usize::MAX), "no overflow");
        c.release(1000);
        assert_eq!(b.used(), 0, "saturates at zero");
        assert_eq!(b.limit(), 100);
    }

    #[test]
    fn threads_never_pass_the_limit() {
        let b = MemoryBudget::new(1000);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || {
                    let mut got = 0;
                    for _ in 0..1000 {
                        if b.try_reserve(7) {
                            got += 7;
                        }
                        assert!(b.used() <= 1000);
                    }
                    got
                })
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, b.used());
        assert!(total <= 1000 && total > 1000 - 7);
    }
}
