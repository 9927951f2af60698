//! The plugin loader's ELF view (`weir_core::plugin::elf`) over arbitrary
//! bytes: it must never panic, and a symbol it returns lies inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_core::plugin::elf::ElfFile;

fuzz_target!(|data: &[u8]| {
    if let Ok(elf) = ElfFile::parse(data) {
        if let Ok(Some(bytes)) = elf.symbol_bytes("weir_plugin_header") {
            let start = bytes.as_ptr() as usize - data.as_ptr() as usize;
            assert!(start + bytes.len() <= data.len());
        }
    }
});
