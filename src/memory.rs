//! Handing memory back to the system between phases.

/// Returns the heap's free pages to the system. Normalization frees a great deal (the
/// documents' text, the parsed export, its per-thread parts) that the allocator would otherwise
/// keep resident while the checks and the report allocate elsewhere; on glibc, `malloc_trim`
/// releases it, which lowers the run's peak. Elsewhere it does nothing.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused pages of the allocator's own heaps; it takes no
    // pointers and is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
