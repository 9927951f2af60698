//! The `guard` module deals with running plugin code so that a panic becomes
//! a one-line report instead of an abort or a page of backtrace.
//!
//! [`catch_quietly`] runs a closure under `catch_unwind`. While it runs, a
//! panic hook installed once per copy of std (every plugin library has its
//! own) records the panic's location instead of printing it; panics elsewhere
//! (a plugin's own threads, the engine) still go to the previous hook. The
//! report names the message and where it was raised, so the engine can print
//! one line that says which plugin, instance and callback failed.

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
    let was = GUARDED.with(|g| g.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    outcome.map_err(|payload| {
        let message = panic_message(&*payload);
        match LOCATION.with(|slot| slot.borrow_mut().take()) {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        }
    })
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
}
