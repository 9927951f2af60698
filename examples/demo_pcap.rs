//! Writes weir's demo capture (see `demo/mod.rs` for its contents):
//! synthetic traffic made by weir's own frame builder.
//!
//! ```text
//! cargo run --example demo_pcap -- target/demo/demo.pcap
//! ```

#[path = "demo/mod.rs"]
mod demo;

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "demo.pcap".into()),
    );
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let packets = demo::write(&out)?;
    eprintln!("wrote {packets} packets to {}", out.display());
    Ok(())
}
