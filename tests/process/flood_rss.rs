//! Resident memory (RELIABILITY.md, "Flood"), measured by tests that each run alone in the
//! `process` test executable ([`crate::alone`]), so that nothing else moves the process's figures.
//!
//! A malformed zstd frame declaring a 64 MiB window leaves nothing resident once refused.
//!
//! The flood: ten times a 64 MiB budget is offered by four threads
//! across 16 tenants while a poller polls; over a baseline taken just before the flood:
//!
//! - the process's live Rust heap (every thread, `tests/process/heap.rs`) grows by at most the
//!   budget plus 5%: the engine holds no more than its budget;
//! - the resident set (`VmRSS` from /proc/self/status, sampled while flooding, and `VmHWM`,
//!   reset before the flood where the kernel allows it) grows by at most the budget plus 10%.
//!
//! RSS also counts the allocator's own overhead. With glibc this test pins the mmap threshold at 32
//! KiB (`mallopt`), so that freed payload buffers go back to the kernel; with glibc's defaults,
//! per-thread arenas keep freed payload memory resident (RELIABILITY.md has the figures). Kept data
//! waiting for `poll_kept` is outside the budget (docs/architecture.md, "Engine semantics": the
//! budget covers what is buffered), so the flood keeps few groups (one packet in 256 is an error)
//! and polls continuously.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::common::flood::{processor, run, Spec};
use crate::common::*;
use crate::heap;

/// A field of /proc/self/status in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

#[test]
fn a_refused_zstd_frame_leaves_nothing_resident() {
    let _alone = crate::alone();
    // A 1.2 KB frame with a 64 MiB window and no content size: 300 RLE blocks of 128 KiB
    // (37.5 MiB) and no last block, so it is refused as truncated after decoding them all.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 16 << 3];
    for _ in 0..300 {
        let header: u32 = (1 << 1) | ((128 << 10) << 3);
        frame.extend(&header.to_le_bytes()[..3]);
        frame.push(7);
    }
    let before = status_bytes("VmRSS");
    let refused = tailsampling::wire::decompress_capped(&frame, 64 << 20);
    assert!(refused.is_err());
    let after = status_bytes("VmRSS");
    // Before the fix, the thread's cached decoder kept its window buffer: +38 MiB.
    assert!(
        after < before + (4 << 20),
        "RSS {before} -> {after} bytes after a refused frame"
    );
}

#[test]
fn rss_stays_within_the_budget_plus_ten_percent() {
    let _alone = crate::alone();
    // `TS_GLIBC_DEFAULTS=1` keeps glibc's defaults (for the figures; the RSS check fails).
    #[cfg(target_env = "gnu")]
    if std::env::var_os("TS_GLIBC_DEFAULTS").is_none() {
        // SAFETY: mallopt only sets a tunable of glibc's allocator, under its own locks.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 10);
        }
    }
    let spec = Spec {
        budget: 64 << 20,
        share: 0.25,
        offered: 640 << 20,
        threads: 4,
        tenants: 16,
        unconfigured: Some(8),
        packet: 60_000,
        per_group: 4,
        // A quarter second per poll: with the 2 s TTL, groups must not expire faster than four
        // threads fill the budget however cheap a poll is, or the flood never reaches Busy.
        tick_ns: SEC / 4,
        error_every: 256,
    };
    let p = processor(&spec);
    // A small flood first (thread stacks, the allocator's first arenas, every tenant), then
    // the baselines.
    run(
        &p,
        &Spec {
            offered: 4 << 20,
            ..Spec { ..spec }
        },
        || {},
    );
    p.flush();
    p.poll_kept();
    let accepted_before = p.stats().total.accepted;
    let baseline = status_bytes("VmRSS");
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    let hwm_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let heap_baseline = heap::process_live();
    heap::reset_process_peak();
    let peak = Arc::new(AtomicU64::new(baseline));
    let sample = {
        let peak = peak.clone();
        move || {
            peak.fetch_max(status_bytes("VmRSS"), Ordering::Relaxed);
        }
    };
    let out = run(&p, &spec, sample);
    let heap_grown = heap::reset_process_peak().saturating_sub(heap_baseline) as u64;
    let mut peak = peak.load(Ordering::Relaxed).max(status_bytes("VmRSS"));
    if hwm_reset {
        peak = peak.max(status_bytes("VmHWM"));
    }
    let grown = peak.saturating_sub(baseline);
    let budget = spec.budget as u64;
    eprintln!(
        "flood_rss: budget {budget} B; heap +{heap_grown} B; RSS baseline {baseline} B, \
         +{grown} B (VmHWM reset: {hwm_reset}); {} packets offered: {} ok, {} pending, {} busy; \
         {} early decisions",
        out.offered_packets, out.ok, out.pending, out.busy, out.after.total.early_decisions
    );
    assert!(
        heap_grown <= budget + budget / 20,
        "the heap grew by {heap_grown} bytes for a budget of {budget}"
    );
    assert!(
        grown <= budget + budget / 10,
        "RSS grew by {grown} bytes for a budget of {budget}"
    );
    assert!(out.busy > 0);
    assert!(out.after.total.early_decisions > 0);
    assert_eq!(
        out.after.total.accepted,
        accepted_before + out.ok + out.pending
    );
    assert_conserved(&out.after);
}
