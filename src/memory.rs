//! Process-wide memory settings, applied once at startup before any other work.
//!
//! pushguard reads blobs of up to a few MiB one after another. glibc serves an allocation
//! of 128 KiB or more with its own `mmap`, returned to the system on free, but it raises
//! that threshold to the size of each such block freed (up to 32 MiB), after which large
//! blobs come from the heap and their pages stay resident once freed: a long push's
//! resident memory then grows by the largest blobs it has read, not by what it holds.
//! A fixed threshold keeps large buffers mapped and returned as soon as they are freed.

/// Large allocations are mapped from this size on (glibc's own default starting point).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Applies the settings above; a no-op where the C library is not glibc.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only stores an allocator parameter; it runs at startup, before
    // any other thread exists, and a refusal (return value 0) leaves the default.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// The process's allocator: the C library's `malloc`, also for over-aligned requests.
///
/// Rust's default (`std::alloc::System`) serves an alignment above 16 bytes with
/// `posix_memalign`. zlib-rs, which inflates every object libgit2 reads, asks for one
/// 64-byte aligned block of about 40 KiB per object (its state and window together), and
/// glibc's `memalign` splits a chunk around each one: on linux_version's whole history
/// (60,000 objects) the heap grew to 195 MB for 47 MB of live data. Over-allocating by the
/// alignment and keeping the pointer `malloc` returned just before the aligned block gives
/// ordinary chunks, which free and coalesce like any other.
///
/// Invariant: a block that is not plain (alignment above `MIN_ALIGN`, or above its size)
/// starts aligned inside a `malloc`ed region of `size + align + 8` bytes, and the word
/// before it holds that region's start.
pub struct Malloc;

/// What `malloc` guarantees on the 64-bit platforms pushguard builds for.
const MIN_ALIGN: usize = 16;

impl Malloc {
    fn plain(layout: std::alloc::Layout) -> bool {
        layout.align() <= MIN_ALIGN && layout.align() <= layout.size()
    }
}

// SAFETY: every block comes from `malloc`/`calloc`/`realloc` and goes back to `free`
// exactly once: plain blocks directly, over-aligned ones through the start recorded before
// them (see the invariant). An over-aligned block starts between one word and one word
// plus `align - 1` bytes into a region of `size + align + word` bytes, so it and the word
// before it lie inside the region. `realloc` passes only plain blocks to `libc::realloc`.
unsafe impl std::alloc::GlobalAlloc for Malloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if Malloc::plain(layout) {
            return libc::malloc(layout.size()).cast();
        }
        aligned(layout, |n| libc::malloc(n))
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if Malloc::plain(layout) {
            return libc::calloc(layout.size(), 1).cast();
        }
        aligned(layout, |n| libc::calloc(n, 1))
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if Malloc::plain(layout) {
            libc::free(ptr.cast());
        } else {
            libc::free(ptr.cast::<*mut libc::c_void>().sub(1).read());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if Malloc::plain(layout) && layout.align() <= new_size {
            return libc::realloc(ptr.cast(), new_size).cast();
        }
        let Ok(new_layout) = std::alloc::Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        let new = self.alloc(new_layout);
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

/// A block of `layout` inside a region from `get`, with the region's start in the word
/// before it.
unsafe fn aligned(
    layout: std::alloc::Layout,
    get: impl FnOnce(usize) -> *mut libc::c_void,
) -> *mut u8 {
    const WORD: usize = std::mem::size_of::<usize>();
    let align = layout.align();
    // One word for the region's start, then up to `align - 1` bytes to the boundary.
    let Some(total) = layout.size().checked_add(align + WORD) else {
        return std::ptr::null_mut();
    };
    let region: *mut u8 = get(total).cast();
    if region.is_null() {
        return region;
    }
    let first = region as usize + WORD;
    let offset = WORD + (align - first % align) % align;
    let block = region.add(offset);
    block
        .cast::<*mut libc::c_void>()
        .sub(1)
        .write_unaligned(region.cast());
    block
}

#[cfg(test)]
mod tests {
    use std::alloc::{GlobalAlloc, Layout};

    use super::Malloc;

    /// A block of `layout` from `Malloc`, checked for alignment and filled with a pattern.
    unsafe fn filled(layout: Layout, zeroed: bool) -> *mut u8 {
        let p = if zeroed {
            Malloc.alloc_zeroed(layout)
        } else {
            Malloc.alloc(layout)
        };
        assert!(!p.is_null());
        assert_eq!(p as usize % layout.align(), 0, "{layout:?}");
        if zeroed {
            assert!(std::slice::from_raw_parts(p, layout.size())
                .iter()
                .all(|&b| b == 0));
        }
        for i in 0..layout.size() {
            p.add(i).write((i % 251) as u8);
        }
        p
    }

    unsafe fn holds_pattern(p: *const u8, len: usize) -> bool {
        std::slice::from_raw_parts(p, len)
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i % 251) as u8)
    }

    /// Every block is aligned, fully writable, keeps its bytes through `realloc` (growing
    /// and shrinking, across the plain/over-aligned boundary) and is freed without fault.
    #[test]
    fn blocks_are_aligned_writable_and_survive_realloc() {
        for align in [1usize, 2, 8, 16, 32, 64, 128, 4096] {
            for size in [1usize, 3, 8, 15, 16, 17, 63, 64, 65, 1000, 40_000, 200_000] {
                let layout = Layout::from_size_align(size, align).expect("layout");
                for zeroed in [false, true] {
                    for new_size in [size / 2 + 1, size * 3] {
                        let grown = Layout::from_size_align(new_size, align).expect("layout");
                        let kept = size.min(new_size);
                        // SAFETY: non-zero sizes; each block is used within its size and
                        // freed once, with the layout it has at that moment.
                        unsafe {
                            let p = filled(layout, zeroed);
                            let q = Malloc.realloc(p, layout, new_size);
                            assert!(!q.is_null());
                            assert_eq!(q as usize % align, 0);
                            assert!(holds_pattern(q, kept));
                            let back = Malloc.realloc(q, grown, size);
                            assert!(!back.is_null());
                            assert_eq!(back as usize % align, 0);
                            assert!(holds_pattern(back, kept));
                            Malloc.dealloc(back, layout);
                        }
                    }
                }
            }
        }
    }
}
