//! The `table` module deals with size-tagged call tables: `#[repr(C)]`
//! structs whose first field is their size in bytes ([`TableSize`]), followed
//! by one block of `Option<extern "C" fn>` entries per minor version.
//!
//! A table written by a peer built against another minor is read with
//! [`read_table`]: the reader copies the blocks that fit in the writer's size
//! into a table of its own type, whose other entries stay `None`. Entries of
//! an older writer are thus "not implemented"; the extra blocks of a newer
//! writer are never looked at. The copy is made once (at load, or when a
//! host handle is made), so calls pay nothing for it.

use std::fmt;

use abi_stable::StableAbi;

/// The first field of every call table: its size in bytes as the writer
/// built it.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Debug)]
pub struct TableSize {
    /// `size_of` the writer's table type.
    pub size: usize,
}

/// A size-tagged call table.
///
/// # Safety
///
/// The type must be `#[repr(C)]`, start with a [`TableSize`], and hold only
/// `Copy` fields for which every bit pattern a peer may write is valid
/// (`Option<extern "C" fn>`, integers); `BLOCK_ENDS` must list, in order, the
/// offset where each minor's block ends, the last being `size_of::<Self>()`.
pub unsafe trait SizedTable: Copy + 'static {
    /// The table with every entry `None` and size 0.
    const EMPTY: Self;
    /// End offset of the blocks of minor 0, 1, ... (the sizes a writer of
    /// that minor tags its table with).
    const BLOCK_ENDS: &'static [usize];
    /// Name, for error messages.
    const NAME: &'static str;

    /// The size tag of a table of this type as this crate builds it.
    fn size(&self) -> usize;
}

/// A table that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    /// The pointer is null.
    Null {
        /// The table's type name.
        table: &'static str,
    },
    /// The size tag is below the 1.0 block: not a table of this type.
    TooShort {
        /// The table's type name.
        table: &'static str,
        /// The size tag found.
        size: usize,
        /// The smallest valid size (the end of the 1.0 block).
        min: usize,
    },
    /// An entry the reader cannot do without is `None`.
    MissingEntry {
        /// The table's type name.
        table: &'static str,
        /// The entry.
        entry: &'static str,
    },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Null { table } => write!(f, "{table} is missing (null pointer)"),
            TableError::TooShort { table, size, min } => write!(
                f,
                "{table} is {size} bytes, shorter than its 1.0 block ({min} bytes)"
            ),
            TableError::MissingEntry { table, entry } => write!(f, "{table} lacks {entry}"),
        }
    }
}

impl std::error::Error for TableError {}

/// The number of bytes of a table tagged `size` that a reader of type `T`
/// takes: the end of the last whole block of `T` that fits.
pub fn known_prefix<T: SizedTable>(size: usize) -> Result<usize, TableError> {
    T::BLOCK_ENDS
        .iter()
        .copied()
        .filter(|&end| end <= size)
        .max()
        .ok_or(TableError::TooShort {
            table: T::NAME,
            size,
            min: T::BLOCK_ENDS[0],
        })
}

/// Reads the table at `ptr`, written by a peer of any minor: the blocks that
/// fit in its size tag are copied, the rest are `None`. The result's size
/// tag is the number of bytes taken.
///
/// # Safety
///
/// `ptr` must be null or point to a table of type `T` as built by a peer of
/// this major, valid for reading as many bytes as its size tag says.
pub unsafe fn read_table<T: SizedTable>(ptr: *const TableSize) -> Result<T, TableError> {
    if ptr.is_null() {
        return Err(TableError::Null { table: T::NAME });
    }
    // SAFETY: non-null, and a table starts with its size (the caller's contract).
    let size = unsafe { (*ptr).size };
    let take = known_prefix::<T>(size)?;
    let mut out = T::EMPTY;
    // SAFETY: the peer's table is valid for `size >= take` bytes; `take` ends
    // on a block boundary of `T`, so only whole entries are copied, and every
    // bit pattern a peer writes into an entry is valid (SizedTable's contract).
    unsafe {
        std::ptr::copy_nonoverlapping(
            ptr.cast::<u8>(),
            (&raw mut out).cast::<u8>(),
            take.min(std::mem::size_of::<T>()),
        );
        (&raw mut out)
            .cast::<TableSize>()
            .write(TableSize { size: take });
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A table as three successive minors define it: the reader in these
    /// tests is the two-block "host", an older peer writes one block, a newer
    /// one writes three.
    type Entry = Option<extern "C" fn() -> u32>;

    extern "C" fn one() -> u32 {
        1
    }
    extern "C" fn two() -> u32 {
        2
    }
    extern "C" fn three() -> u32 {
        3
    }
    extern "C" fn never() -> u32 {
        panic!("an entry beyond the reader's blocks was called")
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct V0 {
        pub a: Entry,
        pub b: Entry,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct V1 {
        pub c: Entry,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct V2 {
        pub d: Entry,
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Old {
        pub size: TableSize,
        pub v0: V0,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Host {
        pub size: TableSize,
        pub v0: V0,
        pub v1: V1,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct New {
        pub size: TableSize,
        pub v0: V0,
        pub v1: V1,
        pub v2: V2,
    }

    // SAFETY: repr(C), starts with TableSize, only Option<fn> entries.
    unsafe impl SizedTable for Host {
        const EMPTY: Host = Host {
            size: TableSize { size: 0 },
            v0: V0 { a: None, b: None },
            v1: V1 { c: None },
        };
        const BLOCK_ENDS: &'static [usize] =
            &[std::mem::offset_of!(Host, v1), std::mem::size_of::<Host>()];
        const NAME: &'static str = "Host";
        fn size(&self) -> usize {
            self.size.size
        }
    }

    fn read(ptr: *const TableSize) -> Result<Host, TableError> {
        // SAFETY: every caller passes a pointer to a live table of one of the
        // three layouts above, tagged with its own size.
        unsafe { read_table::<Host>(ptr) }
    }

    #[test]
    fn an_older_writer_s_missing_entries_are_none() {
        let old = Old {
            size: TableSize {
                size: std::mem::size_of::<Old>(),
            },
            v0: V0 {
                a: Some(one),
                b: None,
            },
        };
        let t = read(&old.size).unwrap();
        assert_eq!(t.size(), std::mem::size_of::<Old>());
        assert_eq!(t.v0.a.map(|f| f()), Some(1));
        assert!(t.v0.b.is_none(), "a null entry stays not implemented");
        assert!(
            t.v1.c.is_none(),
            "the block the writer lacks is not implemented"
        );
    }

    #[test]
    fn a_newer_writer_s_extra_entries_are_ignored() {
        let new = New {
            size: TableSize {
                size: std::mem::size_of::<New>(),
            },
            v0: V0 {
                a: Some(one),
                b: Some(two),
            },
            v1: V1 { c: Some(three) },
            v2: V2 { d: Some(never) },
        };
        let t = read(&new.size).unwrap();
        assert_eq!(t.size(), std::mem::size_of::<Host>());
        let got: Vec<u32> = [t.v0.a, t.v0.b, t.v1.c]
            .iter()
            .map(|f| f.unwrap()())
            .collect();
        assert_eq!(got, [1, 2, 3]);
    }

    #[test]
    fn sizes_between_block_ends_take_the_whole_blocks_below() {
        let new = New {
            size: TableSize {
                // A writer whose size is not a block end of the reader (a
                // newer minor appended a block smaller than ours): only
                // whole known blocks are taken.
                size: std::mem::offset_of!(Host, v1) + 4,
            },
            v0: V0 {
                a: Some(one),
                b: Some(two),
            },
            v1: V1 { c: Some(never) },
            v2: V2 { d: Some(never) },
        };
        let t = read(&new.size).unwrap();
        assert_eq!(t.size(), std::mem::offset_of!(Host, v1));
        assert!(t.v1.c.is_none());
    }

    #[test]
    fn a_table_below_the_first_block_or_null_is_refused() {
        let bogus = TableSize { size: 8 };
        assert!(matches!(
            read(&bogus),
            Err(TableError::TooShort { size: 8, .. })
        ));
        assert!(matches!(
            read(std::ptr::null()),
            Err(TableError::Null { .. })
        ));
        assert!(read(&bogus)
            .err()
            .unwrap()
            .to_string()
            .contains("shorter than its 1.0 block"));
    }
}
