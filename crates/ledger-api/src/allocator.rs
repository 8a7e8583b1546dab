//! The one setting the binaries change in their allocator (mimalloc, declared in each binary's
//! `main.rs`). mimalloc v3 keeps the pages of freed memory resident for a second before it
//! gives them back (`purge_delay`, 1,000 ms), and only a thread that allocates again gives
//! back its own. A large answer rendered on one worker thread and freed on another stayed
//! resident beside the next one: the server's peak passed 300 MB while it sent the unpaged
//! sponsorship lists. With 10 ms (mimalloc v2's default) the same run peaked 30–50 MiB lower,
//! and a replay in a process of its own ran at the same speed; a replay right after a
//! 1M-event import in the same process ran about 8 % slower (medians), at a peak up to 80 MiB
//! lower. 0 ms doubled a replay's system time (BENCHMARKS.md, eleventh pass).

use std::ffi::{c_int, c_long};

/// `mi_option_purge_delay` in `mimalloc.h`: the sixteenth option, in v2 as in v3.
const PURGE_DELAY: c_int = 15;

/// Milliseconds a freed page stays resident before mimalloc gives it back to the system.
pub const PURGE_DELAY_MS: c_long = 10;

/// Sets mimalloc's purge delay to [`PURGE_DELAY_MS`], unless `MIMALLOC_PURGE_DELAY` in the
/// environment sets it. Call first thing in `main`, before other threads start.
pub fn return_freed_memory_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores one integer in mimalloc's option table; any value is
    // valid for this option.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one integer from mimalloc's option table.
        let before = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        // 1,000 ms is v3's default purge delay and no other option's default near it: a
        // mimalloc that numbered its options differently fails here instead of setting another.
        assert_eq!(before, 1_000);
        return_freed_memory_soon();
        let after = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(after, PURGE_DELAY_MS);
    }
}
