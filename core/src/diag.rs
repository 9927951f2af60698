//! The `diag` module deals with the engine's own messages on stderr.
//!
//! `eprintln!` panics when stderr is gone (a closed pipe: `weir run ... 2>&1 |
//! head`); a panic on a dispatcher thread would lose that plugin's events, so
//! every engine message goes through [`line()`], which ignores write errors.

use std::io::Write;

/// Writes one line to stderr, ignoring errors.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args);
    let _ = err.write_all(b"\n");
}
