//! Giving freed memory back to the system.
//!
//! glibc's allocator keeps the pages a large piece of work freed (the
//! statistics model's load from the database, the search index's first
//! build, the night's hot-spot scan) for the process to reuse: at a
//! million letters a node that loaded its model and built its index held
//! 360 MiB, 217 MiB once the free pages went back. A serving node asks for
//! that after its model is loaded and then once a minute.

use std::time::Duration;

/// Returns the heap's free pages to the system, where the allocator keeps
/// them (glibc); elsewhere does nothing.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer; it walks the allocator's own
    // free lists under the allocator's locks, and is safe to call from any
    // thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Gives free pages back now and then every `every`, off the runtime's
/// workers (a trim holds the allocator's locks for a few milliseconds).
pub fn spawn_give_back(every: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let _ = tokio::task::spawn_blocking(give_back).await;
        }
    });
}
