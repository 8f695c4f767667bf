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
