//! The `ext` module deals with how a frozen record gains fields in a later
//! minor: each record the host hands to plugins ends with an
//! [`Extensions`] chain, and a later minor adds its fields as a new block
//! ([`Extension`]) on that chain, the way Vulkan chains structures through
//! `pNext`.
//!
//! A reader walks the chain and takes the blocks whose kind it knows and
//! whose size covers its type; it skips the others. So an older plugin never
//! sees a newer host's blocks, and a newer plugin asking an older host for a
//! block gets `None`: the SDK turns that into an `Option` field.
//!
//! Each block is reached through a raw pointer made from a pointer to the
//! whole block, never from a reference to its header alone, so reading the
//! block's fields stays within what the pointer may access.

use std::fmt;
use std::marker::PhantomData;

use abi_stable::StableAbi;

/// The start of every extension block.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct ExtHeader {
    /// Which block this is ([`Extension::KIND`]); kinds are never reused.
    pub kind: u32,
    /// Size in bytes of the whole block, this header included.
    pub size: u32,
    /// The next block, or null.
    pub next: *const ExtHeader,
}

/// An extension block: a `#[repr(C)]` struct whose first field is an
/// [`ExtHeader`] with `kind == KIND`.
///
/// # Safety
///
/// The implementing type must be `#[repr(C)]`, start with an `ExtHeader`, and
/// be frozen once published (later fields go into a new block).
pub unsafe trait Extension: Sized {
    /// The block's kind number.
    const KIND: u32;
}

/// Limit on chain length: a longer chain (a loop, or garbage) is cut there.
const MAX_CHAIN: usize = 64;

/// The extension chain of a record: empty, or the first block.
///
/// Borrowed for `'a`, like the record that holds it.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy)]
pub struct Extensions<'a> {
    head: *const ExtHeader,
    _life: PhantomData<&'a ExtHeader>,
}

// SAFETY: an `Extensions` only gives shared access to immutable blocks that
// outlive `'a`, like a `&'a ExtHeader` would.
unsafe impl Send for Extensions<'_> {}
// SAFETY: as above.
unsafe impl Sync for Extensions<'_> {}

impl Extensions<'static> {
    /// No extensions.
    pub const NONE: Extensions<'static> = Extensions {
        head: std::ptr::null(),
        _life: PhantomData,
    };
}

impl<'a> Extensions<'a> {
    /// A chain starting at `first`, whose `next` links must be valid for `'a`.
    ///
    /// # Safety
    ///
    /// `first` and every block reachable through `next` must be valid,
    /// immutable for `'a`, and each must have been made from a pointer to the
    /// whole block (so its `size` bytes may be read through it).
    pub const unsafe fn from_raw(first: *const ExtHeader) -> Extensions<'a> {
        Extensions {
            head: first,
            _life: PhantomData,
        }
    }

    /// The chain of the one block `block`, borrowed for `'a`: how a host
    /// hands a record its block without `unsafe`. A block whose `next` is
    /// not null gives an empty chain (the successor's lifetime is unknown
    /// here; build such chains with [`Extensions::from_raw`]).
    pub fn single<E: Extension>(block: &'a E) -> Extensions<'a> {
        let p = (block as *const E).cast::<ExtHeader>();
        // SAFETY: `E` starts with an `ExtHeader` (Extension's contract) and
        // `p` was made from a pointer to the whole, live block.
        if !unsafe { (*p).next }.is_null() {
            return Extensions::NONE;
        }
        // SAFETY: the block is borrowed (valid and immutable) for `'a`, `p`
        // was made from a pointer to the whole block, and it has no successor.
        unsafe { Extensions::from_raw(p) }
    }

    /// The first block of type `E` on the chain, if a block of its kind and
    /// size is there.
    pub fn get<E: Extension>(&self) -> Option<&'a E> {
        self.blocks()
            .find(|&(kind, size, _)| kind == E::KIND && size >= std::mem::size_of::<E>())
            // SAFETY: the block has `E`'s kind and at least its size, and the
            // pointer was made from a pointer to the whole block (from_raw's
            // contract); `E` starts with the header (Extension's contract).
            .map(|(_, _, p)| unsafe { &*p.cast::<E>() })
    }

    /// `(kind, size)` of every block, in chain order (at most 64).
    pub fn kinds(&self) -> Vec<(u32, usize)> {
        self.blocks().map(|(k, s, _)| (k, s)).collect()
    }

    fn blocks(&self) -> impl Iterator<Item = (u32, usize, *const ExtHeader)> + 'a {
        let mut at = self.head;
        std::iter::from_fn(move || {
            if at.is_null() {
                return None;
            }
            // SAFETY: non-null pointers on the chain are valid for `'a`
            // (from_raw's contract).
            let h = unsafe { *at };
            let here = at;
            at = h.next;
            Some((h.kind, h.size as usize, here))
        })
        .take(MAX_CHAIN)
    }
}

impl Default for Extensions<'static> {
    fn default() -> Self {
        Extensions::NONE
    }
}

impl fmt::Debug for Extensions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.kinds().iter().map(|(k, _)| k))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    struct Small {
        header: ExtHeader,
        a: u64,
    }
    // SAFETY: repr(C), starts with ExtHeader.
    unsafe impl Extension for Small {
        const KIND: u32 = 0x7e57_0001;
    }

    #[repr(C)]
    struct Big {
        header: ExtHeader,
        a: u64,
        b: u64,
    }
    // SAFETY: repr(C), starts with ExtHeader.
    unsafe impl Extension for Big {
        const KIND: u32 = 0x7e57_0002;
    }

    #[test]
    fn readers_take_what_they_know_and_skip_the_rest() {
        let unknown = Small {
            header: ExtHeader {
                kind: 0x7e57_00ff,
                size: std::mem::size_of::<Small>() as u32,
                next: std::ptr::null(),
            },
            a: 1,
        };
        let small = Small {
            header: ExtHeader {
                kind: Small::KIND,
                size: std::mem::size_of::<Small>() as u32,
                next: (&unknown as *const Small).cast(),
            },
            a: 7,
        };
        // SAFETY: both blocks live for the whole test and were made from
        // pointers to the whole block.
        let chain: Extensions<'_> =
            unsafe { Extensions::from_raw((&small as *const Small).cast()) };
        assert_eq!(chain.get::<Small>().map(|s| s.a), Some(7));
        assert!(chain.get::<Big>().is_none(), "a kind that is absent");
        assert_eq!(chain.kinds().len(), 2);
        assert!(Extensions::NONE.get::<Small>().is_none());
    }

    #[test]
    fn a_single_block_chain() {
        let small = Small {
            header: ExtHeader {
                kind: Small::KIND,
                size: std::mem::size_of::<Small>() as u32,
                next: std::ptr::null(),
            },
            a: 9,
        };
        assert_eq!(
            Extensions::single(&small).get::<Small>().map(|s| s.a),
            Some(9)
        );
        let linked = Small {
            header: ExtHeader {
                next: (&small as *const Small).cast(),
                ..small.header
            },
            a: 1,
        };
        assert!(Extensions::single(&linked).kinds().is_empty());
    }

    #[test]
    fn a_block_shorter_than_the_reader_type_is_not_taken() {
        // An older writer's block of the same kind cannot happen (blocks are
        // frozen), but a corrupt size must not let the reader overrun.
        let short = Small {
            header: ExtHeader {
                kind: Big::KIND,
                size: std::mem::size_of::<Small>() as u32,
                next: std::ptr::null(),
            },
            a: 1,
        };
        // SAFETY: as above.
        let chain: Extensions<'_> =
            unsafe { Extensions::from_raw((&short as *const Small).cast()) };
        assert!(chain.get::<Big>().is_none());
    }

    #[test]
    fn a_looping_chain_ends() {
        let mut looped = Small {
            header: ExtHeader {
                kind: 1,
                size: std::mem::size_of::<Small>() as u32,
                next: std::ptr::null(),
            },
            a: 0,
        };
        let p = &raw mut looped;
        // SAFETY: `p` points to `looped`, which lives for the whole test and
        // is only reached through `p` from here on.
        let chain: Extensions<'_> = unsafe {
            (*p).header.next = p.cast_const().cast();
            Extensions::from_raw(p.cast_const().cast())
        };
        assert_eq!(chain.kinds().len(), MAX_CHAIN);
        assert!(chain.get::<Big>().is_none());
    }
}
