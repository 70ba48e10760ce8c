//! Keeping the allocator's memory near what the process uses.
//!
//! glibc's allocator gives each thread that contends for it an arena of
//! its own, up to eight per core, and keeps the pages a large piece of work
//! freed (the statistics model's load from the database, the search
//! index's first build, the night's hot-spot scan) for the process to
//! reuse. At a million letters on SQLite a node held 351 MiB after its
//! first start with the free pages given back, 145 MiB with two arenas.
//! So the process asks for one arena per core before any thread starts,
//! and a serving node gives free pages back after its model is loaded and
//! then once a minute.

use std::time::Duration;

/// Limits the allocator to one arena per core (at least two), where the
/// allocator is glibc's; elsewhere does nothing. Called first in `main`,
/// before any thread exists.
pub fn few_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        let cores = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt takes two integers and changes a setting of the
        // allocator; no thread other than this one exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, cores);
        }
    }
}

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
