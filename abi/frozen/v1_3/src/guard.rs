//! The `guard` module deals with running plugin code so that a panic becomes
//! a one-line report instead of an abort or a page of backtrace.
//!
//! [`catch_quietly`] runs a closure under `catch_unwind`. While it runs, a
//! panic hook installed once per copy of std (every plugin library has its
//! own) records the panic's location instead of printing it; panics elsewhere
//! (a plugin's own threads, the engine) still go to the previous hook. The
//! report names the message and where it was raised, so the engine can print
//! one line that says which plugin, instance and callback failed.
//!
//! [`Guarded`] applies this to every call of a monitor.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LOCATION.with(|slot| *slot.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic becomes `Err("<message> (at <file>:<line>)")`.
pub fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    guarded_call(f)
}

/// [`catch_quietly`] once the hook is installed: the per-call part.
#[inline(always)]
fn guarded_call<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let was = GUARDED.with(|g| g.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    outcome.map_err(report)
}

/// The one-line report of a caught panic. Out of line and cold, so that the
/// guard costs nothing on calls that do not panic.
#[cold]
#[inline(never)]
fn report(payload: Box<dyn std::any::Any + Send>) -> String {
    let message = panic_message(&*payload);
    match LOCATION.with(|slot| slot.borrow_mut().take()) {
        Some(at) => format!("{message} (at {at})"),
        None => message,
    }
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// A monitor wrapped so that its panics become error reports.
///
/// After a panic every further call fails without running the monitor again
/// (its state may be broken). The report of the last failure is kept until
/// [`Guarded::take_report`] takes it.
pub struct Guarded<M> {
    inner: M,
    poisoned: bool,
    report: Option<String>,
}

impl<M> Guarded<M> {
    /// Wraps `inner` (and installs the quiet panic hook of this copy of std,
    /// once, so that calls need not).
    pub fn new(inner: M) -> Guarded<M> {
        install_hook();
        Guarded {
            inner,
            poisoned: false,
            report: None,
        }
    }

    /// Runs `f` on the monitor; `None` when it panicked (now or earlier):
    /// the report, `panicked in <callback>: <message> (at <file>:<line>)`,
    /// is kept for [`Guarded::take_report`].
    #[inline]
    pub fn call<T>(&mut self, callback: &str, f: impl FnOnce(&mut M) -> T) -> Option<T> {
        if self.poisoned {
            return self.refuse(callback);
        }
        match guarded_call(|| f(&mut self.inner)) {
            Ok(v) => Some(v),
            Err(report) => {
                self.fail(callback, &report);
                None
            }
        }
    }

    /// Poisons the monitor and keeps the report of its panic. Out of line:
    /// failures are rare, calls are not.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, callback: &str, report: &str) {
        self.poisoned = true;
        self.report = Some(format!("panicked in {callback}: {report}"));
    }

    /// The call on a poisoned monitor: out of line, so that the common path
    /// needs no stack frame.
    #[cold]
    #[inline(never)]
    fn refuse<T>(&mut self, callback: &str) -> Option<T> {
        self.report = Some(format!("{callback}: instance disabled by an earlier panic"));
        None
    }

    /// The report of the last failed call, if any (and forgets it).
    pub fn take_report(&mut self) -> Option<String> {
        self.report.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_reports_with_location() {
        let r: Result<(), String> = catch_quietly(|| panic!("boom {}", 7));
        let e = r.unwrap_err();
        assert!(e.starts_with("boom 7 (at "), "{e}");
        assert!(e.contains("guard.rs:"), "{e}");
        assert_eq!(catch_quietly(|| 5), Ok(5));
    }

    #[test]
    fn a_guarded_monitor_is_poisoned_by_its_first_panic() {
        let mut g = Guarded::new(0u32);
        assert_eq!(
            g.call("tick", |n| {
                *n += 1;
                *n
            }),
            Some(1)
        );
        assert_eq!(g.take_report(), None);
        assert_eq!(g.call("boom", |_| -> u32 { panic!("bad") }), None);
        let e = g.take_report().unwrap();
        assert!(e.starts_with("panicked in boom: bad (at "), "{e}");
        assert_eq!(g.take_report(), None, "taken once");
        assert_eq!(g.call("tick", |n| *n), None);
        assert_eq!(
            g.take_report().unwrap(),
            "tick: instance disabled by an earlier panic"
        );
    }
}
