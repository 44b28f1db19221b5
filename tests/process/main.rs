//! The tests that measure the whole process, in a crate (an executable) of their own so that
//! the integration tests (`tests/it`) cannot move their figures:
//!
//! - [`heap`] installs a counting `#[global_allocator]` for this executable: allocations and
//!   live and peak Rust heap bytes per thread, and live and peak bytes of the whole process.
//!   [`filter_alloc`], [`wire_alloc`] and [`limits`] measure on the test's thread only (the
//!   engine starts no threads), so they may run in parallel with each other;
//! - [`flood_rss`] measures the resident set (`/proc/self/status`) and the process-wide heap
//!   while it floods the engine from several threads: nothing else may allocate meanwhile.
//!
//! The harness runs tests on several threads, so every test takes [`LOCK`] first: the
//! per-thread measurements [`shared`], the process-wide ones [`alone`], which waits for every
//! other test of this crate to finish and keeps the next ones waiting.
//!
//! Shared helpers come from the integration tests' `common` module (`tests/it/common/`),
//! compiled here too; this crate uses a few of them.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

#[allow(dead_code)] // the helpers of `tests/it`: this crate uses a few
#[path = "../it/common/mod.rs"]
mod common;
mod heap;

mod filter_alloc;
#[cfg(target_os = "linux")]
mod flood_rss;
mod limits;
mod wire_alloc;

/// Taken by every test of this crate, shared or alone (see the crate's documentation).
static LOCK: RwLock<()> = RwLock::new(());

/// For a test that measures its own thread: runs alongside the others of its kind.
fn shared() -> RwLockReadGuard<'static, ()> {
    LOCK.read().unwrap_or_else(|e| e.into_inner())
}

/// For a test that measures the whole process: runs with no other test of this crate.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn alone() -> RwLockWriteGuard<'static, ()> {
    LOCK.write().unwrap_or_else(|e| e.into_inner())
}
