//! A counting global allocator for tests that measure memory: live and peak Rust heap bytes,
//! and allocations, per thread (tests running in parallel do not disturb each other), and
//! live and peak bytes of the whole process. It is installed for the whole `process` test
//! executable (and the `zstd_payload` fuzz target, which includes this file with `#[path]`).
//! The engine starts no threads, so everything a call on the test's thread allocates is counted
//! there; memory allocated by C code (zstd's state) is not.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// Live bytes of the whole process, and their peak since the last [`reset_process_peak`].
static PROCESS_LIVE: AtomicUsize = AtomicUsize::new(0);
static PROCESS_PEAK: AtomicUsize = AtomicUsize::new(0);

fn on_alloc(size: usize) {
    let live = PROCESS_LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PROCESS_PEAK.fetch_max(live, Ordering::Relaxed);
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + size);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn on_dealloc(size: usize) {
    PROCESS_LIVE.fetch_sub(size, Ordering::Relaxed);
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping touches
// only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_dealloc(layout.size());
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`/`realloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a free then an allocation: peaks measure the largest buffers held, not
        // the transient copy of a moving realloc.
        on_dealloc(layout.size());
        on_alloc(new_size);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which `System` shares.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated and not yet freed by this thread (frees of other threads' blocks count
/// where they happen).
pub fn live() -> usize {
    LIVE.with(Cell::get)
}

/// Bytes allocated and not yet freed by the whole process.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // for `flood_rss`
pub fn process_live() -> usize {
    PROCESS_LIVE.load(Ordering::Relaxed)
}

/// The peak of [`process_live`] since the last reset; resets it to the current level.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // for `flood_rss`
pub fn reset_process_peak() -> usize {
    PROCESS_PEAK.swap(process_live(), Ordering::Relaxed)
}

/// Runs `f` and returns its result with the number of allocations and the peak of live bytes
/// (above the level at the start) on this thread.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let allocations = ALLOCATIONS.with(Cell::get);
    let live = live();
    PEAK.with(|peak| peak.set(live));
    let result = f();
    let count = ALLOCATIONS.with(Cell::get) - allocations;
    let peak = PEAK.with(Cell::get) - live;
    (result, count, peak)
}
