//! The `elf` module deals with checking a plugin file before the dynamic
//! loader sees it, and with reading the pointer-free prefix of its header
//! straight from the file.
//!
//! `dlopen` maps a library's loadable segments from the file; a file cut
//! short makes the process die of SIGBUS inside `dlopen` when a page past the
//! end is touched. [`ElfFile::parse`] refuses such a file first: it checks
//! the ELF header, that every program header and every loadable segment lies
//! inside the file, and that the file is a shared object for this machine.
//! [`ElfFile::symbol_bytes`] then finds an exported symbol in the dynamic
//! symbol table and returns the bytes its definition holds in the file, so
//! the plugin header's versions are known before any code of the library
//! (even its static initialisers) runs.
//!
//! A zero-copy view: every offset is checked before it is used, and no input
//! makes it panic (`fuzz/fuzz_targets/plugin_elf.rs`).

use std::fmt;

/// ELF64, little-endian, for the machine weir was built for.
#[cfg(target_arch = "x86_64")]
const MACHINE: (u16, &str) = (62, "x86_64");
#[cfg(target_arch = "aarch64")]
const MACHINE: (u16, &str) = (183, "aarch64");
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const MACHINE: (u16, &str) = (0, std::env::consts::ARCH);

const EHDR_LEN: usize = 64;
const PHDR_LEN: usize = 56;
const SHDR_LEN: usize = 64;
const SYM_LEN: usize = 24;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const ET_DYN: u16 = 3;
const SHT_DYNSYM: u32 = 11;
const SHN_UNDEF: u16 = 0;

/// Why a file is not a loadable shared library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfError {
    /// Zero bytes.
    Empty,
    /// No ELF magic.
    NotElf,
    /// Not a 64-bit little-endian ELF file.
    WrongClass,
    /// An ELF file, but not a shared object (`ET_DYN`).
    NotShared(u16),
    /// Built for another machine.
    WrongMachine(u16),
    /// A part the loader needs lies past the end of the file.
    Truncated {
        /// What lies outside.
        what: String,
        /// The byte it would need to reach.
        needs: u64,
        /// The file's length.
        len: u64,
    },
    /// A structure is malformed (bad entry size, overflowing offsets).
    Malformed(String),
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::Empty => f.write_str("empty file, not a shared library"),
            ElfError::NotElf => f.write_str("not a shared library (no ELF header)"),
            ElfError::WrongClass => f.write_str("not a 64-bit little-endian ELF library"),
            ElfError::NotShared(t) => {
                write!(f, "an ELF file but not a shared library (ELF type {t})")
            }
            ElfError::WrongMachine(m) => {
                write!(
                    f,
                    "built for another machine (ELF machine {m}); this weir runs on {}",
                    MACHINE.1
                )
            }
            ElfError::Truncated { what, needs, len } => write!(
                f,
                "truncated file: {what} ends at byte {needs}, the file has {len} bytes"
            ),
            ElfError::Malformed(what) => write!(f, "malformed ELF file: {what}"),
        }
    }
}

impl std::error::Error for ElfError {}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// A loadable segment: file range and where it is mapped.
#[derive(Debug, Clone, Copy)]
struct Segment {
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

/// The dynamic symbol table: (symbols, their string table).
type DynSym<'a> = (&'a [u8], &'a [u8]);

/// A checked view of a shared library's bytes.
pub struct ElfFile<'a> {
    bytes: &'a [u8],
    loads: Vec<Segment>,
    /// `.dynsym`, when there are section headers.
    dynsym: Option<DynSym<'a>>,
}

impl<'a> ElfFile<'a> {
    /// Checks that `bytes` is a whole ELF64 shared library for this machine.
    pub fn parse(bytes: &'a [u8]) -> Result<ElfFile<'a>, ElfError> {
        if bytes.is_empty() {
            return Err(ElfError::Empty);
        }
        if bytes.len() < 4 || bytes[..4] != *b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        let len = bytes.len() as u64;
        if bytes.len() < EHDR_LEN {
            return Err(ElfError::Truncated {
                what: "the ELF header".into(),
                needs: EHDR_LEN as u64,
                len,
            });
        }
        if bytes[4] != 2 || bytes[5] != 1 {
            return Err(ElfError::WrongClass);
        }
        let field = |at| u16_at(bytes, at).unwrap_or(0);
        let e_type = field(16);
        if e_type != ET_DYN {
            return Err(ElfError::NotShared(e_type));
        }
        let machine = field(18);
        if machine != MACHINE.0 {
            return Err(ElfError::WrongMachine(machine));
        }
        let phoff = u64_at(bytes, 32).unwrap_or(0);
        let shoff = u64_at(bytes, 40).unwrap_or(0);
        let (phentsize, phnum) = (field(54), field(56));
        let (shentsize, shnum) = (field(58), field(60));
        if phnum == 0 {
            return Err(ElfError::Malformed("no program headers".into()));
        }
        if usize::from(phentsize) != PHDR_LEN {
            return Err(ElfError::Malformed(format!(
                "program header size {phentsize}"
            )));
        }
        let ph_end = table_end(phoff, phnum, PHDR_LEN)?;
        if ph_end > len {
            return Err(ElfError::Truncated {
                what: "the program header table".into(),
                needs: ph_end,
                len,
            });
        }
        let mut loads = Vec::new();
        for i in 0..usize::from(phnum) {
            let at = phoff as usize + i * PHDR_LEN;
            let p_type = u32_at(bytes, at).unwrap_or(0);
            let offset = u64_at(bytes, at + 8).unwrap_or(0);
            let vaddr = u64_at(bytes, at + 16).unwrap_or(0);
            let filesz = u64_at(bytes, at + 32).unwrap_or(0);
            let memsz = u64_at(bytes, at + 40).unwrap_or(0);
            if p_type != PT_LOAD && p_type != PT_DYNAMIC {
                continue;
            }
            let end = offset
                .checked_add(filesz)
                .ok_or_else(|| ElfError::Malformed(format!("segment {i} overflows")))?;
            if end > len {
                let what = if p_type == PT_LOAD {
                    format!("loadable segment {i}")
                } else {
                    "the dynamic section".into()
                };
                return Err(ElfError::Truncated {
                    what,
                    needs: end,
                    len,
                });
            }
            if p_type == PT_LOAD {
                if filesz > memsz {
                    return Err(ElfError::Malformed(format!(
                        "segment {i} is larger in the file than in memory"
                    )));
                }
                loads.push(Segment {
                    offset,
                    vaddr,
                    filesz,
                });
            }
        }
        if loads.is_empty() {
            return Err(ElfError::Malformed("no loadable segment".into()));
        }
        let dynsym = if shoff == 0 || shnum == 0 {
            None
        } else {
            if usize::from(shentsize) != SHDR_LEN {
                return Err(ElfError::Malformed(format!(
                    "section header size {shentsize}"
                )));
            }
            let sh_end = table_end(shoff, shnum, SHDR_LEN)?;
            if sh_end > len {
                return Err(ElfError::Truncated {
                    what: "the section header table".into(),
                    needs: sh_end,
                    len,
                });
            }
            find_dynsym(bytes, shoff as usize, usize::from(shnum))?
        };
        Ok(ElfFile {
            bytes,
            loads,
            dynsym,
        })
    }

    /// The bytes that the definition of the exported symbol `name` holds in
    /// the file: `Ok(None)` when no such symbol is exported.
    pub fn symbol_bytes(&self, name: &str) -> Result<Option<&'a [u8]>, ElfError> {
        let Some((syms, strings)) = self.dynsym else {
            return Err(ElfError::Malformed(
                "no section headers (cannot find the dynamic symbol table)".into(),
            ));
        };
        for sym in syms.chunks_exact(SYM_LEN) {
            let name_at = u32_at(sym, 0).unwrap_or(0) as usize;
            let shndx = u16_at(sym, 6).unwrap_or(SHN_UNDEF);
            if shndx == SHN_UNDEF || c_str(strings, name_at) != Some(name.as_bytes()) {
                continue;
            }
            let value = u64_at(sym, 8).unwrap_or(0);
            let size = u64_at(sym, 16).unwrap_or(0);
            let seg = self
                .loads
                .iter()
                .find(|s| value >= s.vaddr && value - s.vaddr < s.filesz)
                .ok_or_else(|| {
                    ElfError::Malformed(format!("symbol {name} is not in the file's loadable data"))
                })?;
            let start = seg.offset + (value - seg.vaddr);
            let avail = seg.filesz - (value - seg.vaddr);
            let take = size.min(avail);
            // In range: the segment lies inside the file (checked in parse).
            return Ok(self.bytes.get(start as usize..(start + take) as usize));
        }
        Ok(None)
    }
}

fn table_end(offset: u64, count: u16, entry: usize) -> Result<u64, ElfError> {
    (u64::from(count) * entry as u64)
        .checked_add(offset)
        .ok_or_else(|| ElfError::Malformed("a header table overflows".into()))
}

/// The `.dynsym` section and its string table, if present.
fn find_dynsym(bytes: &[u8], shoff: usize, shnum: usize) -> Result<Option<DynSym<'_>>, ElfError> {
    let section = |i: usize| -> Option<(u32, u64, u64, u32, u64)> {
        let at = shoff + i * SHDR_LEN;
        Some((
            u32_at(bytes, at + 4)?,  // sh_type
            u64_at(bytes, at + 24)?, // sh_offset
            u64_at(bytes, at + 32)?, // sh_size
            u32_at(bytes, at + 40)?, // sh_link
            u64_at(bytes, at + 56)?, // sh_entsize
        ))
    };
    let slice = |what: &str, offset: u64, size: u64| -> Result<&[u8], ElfError> {
        let end = offset
            .checked_add(size)
            .ok_or_else(|| ElfError::Malformed(format!("{what} overflows")))?;
        bytes
            .get(offset as usize..end as usize)
            .ok_or(ElfError::Truncated {
                what: what.into(),
                needs: end,
                len: bytes.len() as u64,
            })
    };
    for i in 0..shnum {
        let Some((kind, offset, size, link, entsize)) = section(i) else {
            continue;
        };
        if kind != SHT_DYNSYM {
            continue;
        }
        if entsize as usize != SYM_LEN {
            return Err(ElfError::Malformed(format!(
                "dynamic symbol size {entsize}"
            )));
        }
        let syms = slice("the dynamic symbol table", offset, size)?;
        let (_, str_off, str_size, _, _) = (link as usize)
            .lt(&shnum)
            .then(|| section(link as usize))
            .flatten()
            .ok_or_else(|| {
                ElfError::Malformed("the dynamic symbol table has no string table".into())
            })?;
        let strings = slice("the dynamic string table", str_off, str_size)?;
        return Ok(Some((syms, strings)));
    }
    Ok(None)
}

/// The NUL-terminated string at `at` in `table`.
fn c_str(table: &[u8], at: usize) -> Option<&[u8]> {
    let rest = table.get(at..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weir binary's own test executable is an ELF file too, but not a
    /// shared library: a real ELF header to cut up.
    fn own_executable() -> Vec<u8> {
        std::fs::read(std::env::current_exe().unwrap()).unwrap()
    }

    #[test]
    fn rejects_what_is_not_a_whole_shared_library() {
        assert_eq!(ElfFile::parse(b"").err(), Some(ElfError::Empty));
        assert_eq!(
            ElfFile::parse(b"not an ELF file").err(),
            Some(ElfError::NotElf)
        );
        let exe = own_executable();
        // Test executables are position-independent (ET_DYN) on Debian, so
        // they pass the type check; cutting one must still be refused.
        for cut in [
            10usize,
            63,
            64,
            120,
            1000,
            3000,
            exe.len() / 2,
            exe.len() - 1,
        ] {
            let err = ElfFile::parse(&exe[..cut]).err();
            assert!(
                matches!(err, Some(ElfError::Truncated { .. })),
                "cut at {cut}: {err:?}"
            );
        }
        let mut other = exe.clone();
        other[18] ^= 0x40;
        assert!(matches!(
            ElfFile::parse(&other).err(),
            Some(ElfError::WrongMachine(_)) | Some(ElfError::NotShared(_))
        ));
        let mut class32 = exe.clone();
        class32[4] = 1;
        assert_eq!(ElfFile::parse(&class32).err(), Some(ElfError::WrongClass));
    }

    #[test]
    fn garbage_never_panics() {
        let exe = own_executable();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..2000 {
            let mut bytes = exe[..exe.len().min(8192)].to_vec();
            for _ in 0..(round % 32 + 1) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = (x as usize) % bytes.len();
                bytes[at] = (x >> 32) as u8;
            }
            if let Ok(f) = ElfFile::parse(&bytes) {
                let _ = f.symbol_bytes("weir_plugin_header");
            }
        }
    }
}
