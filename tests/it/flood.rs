//! The flood (RELIABILITY.md, "Flood"): ten times the memory budget offered by four threads
//! across many tenants. The engine answers `Busy` when it cannot make room, decides groups
//! early to stay within each token's share, never holds more than the budget, and loses
//! nothing it accepted: the conservation identity holds exactly, and every kept packet is
//! delivered once. A noisy tenant cannot push out another tenant's groups. (RSS is measured
//! by `tests/process/flood_rss.rs`, alone in its executable.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::common::flood::{processor, run, token, Spec, FLOOD_CONFIG};
use crate::common::*;
use tailsampling::Status;

/// What one packet of the flood costs against the budget, at most (payload and overheads):
/// concurrent ingests may each have reserved it before finding it does not fit.
const PACKET_COST: u64 = (32 << 10) + 1024;

#[test]
fn ten_times_the_budget_across_four_threads_and_many_tenants() {
    let spec = Spec {
        budget: 32 << 20,
        share: 0.25,
        offered: 320 << 20,
        threads: 4,
        tenants: 16,
        unconfigured: Some(8),
        packet: 32 << 10,
        per_group: 4,
        tick_ns: SEC / 4,
        error_every: 16,
    };
    let p = processor(&spec);
    let out = run(&p, &spec, || {});
    let s = &out.after;
    let total = &s.total;
    eprintln!(
        "flood: {} packets offered: {} ok, {} pending, {} busy; {} early decisions; \
         held at most {} B (budget {} B), one token at most {} B",
        out.offered_packets,
        out.ok,
        out.pending,
        out.busy,
        total.early_decisions,
        out.max_held,
        spec.budget,
        out.max_token_held
    );

    // Busy answered, early decisions made, the pending cache used.
    assert!(out.busy > 0, "{out:#?}");
    assert!(total.early_decisions > 0, "{s:#?}");
    assert!(out.pending > 0);
    // Held memory within the budget (while flooding, up to one packet per thread reserved
    // before it is found not to fit); each token within its share.
    let (budget, share) = (spec.budget as u64, (spec.budget as f64 * spec.share) as u64);
    let in_flight = spec.threads as u64 * PACKET_COST;
    assert!(out.max_held <= budget + in_flight, "{out:#?}");
    assert!(out.max_token_held <= share + in_flight, "{out:#?}");
    assert!(s.memory.held_bytes <= budget);
    for t in s.tokens.values() {
        assert!(t.held_bytes <= share, "{t:#?}");
    }

    // Exact accounting: what the clients were told is what the stats say.
    assert_eq!(out.offered_packets, out.ok + out.pending + out.busy);
    assert_eq!(total.accepted, out.ok + out.pending);
    assert_eq!(total.refused_busy, out.busy);
    assert_conserved(s);

    // Nothing accepted is lost: configs for the pending tokens drain them, a flush decides
    // everything, and every kept packet (one point each) is delivered exactly once.
    for t in (0..spec.tenants).filter(|t| t % 8 == 7) {
        assert_eq!(p.set_config(&token(t), FLOOD_CONFIG.as_bytes()), Ok(true));
    }
    p.flush();
    let delivered = out.delivered_points + p.poll_kept().iter().map(|d| d.points).sum::<u64>();
    let s = p.stats();
    assert_conserved(&s);
    let total = &s.total;
    assert_eq!(total.buffered.packets + total.pending.packets, 0);
    assert_eq!(delivered, total.kept.packets);
    assert!(delivered > 0);
    assert_eq!(
        total.kept.packets + total.dropped.packets,
        out.ok + out.pending
    );
    assert_eq!(s.memory.held_bytes, 0);
}

#[test]
fn a_noisy_tenant_cannot_push_out_another_tenants_groups() {
    // One noisy token (`t00`) floods ten times the budget from four threads; the clock does
    // not move, so only early decisions make room. A quiet token holds 20 groups well within
    // its share and keeps adding to them (after each poll) while the flood goes on.
    let spec = Spec {
        budget: 32 << 20,
        share: 0.25,
        offered: 320 << 20,
        threads: 4,
        tenants: 1,
        unconfigured: None,
        packet: 32 << 10,
        per_group: 4,
        tick_ns: 0,
        error_every: 16,
    };
    let p = processor(&spec);
    p.set_config("quiet", FLOOD_CONFIG.as_bytes())
        .expect("config");
    let quiet = |p: &tailsampling::Processor, i: u64| {
        let id = format!("q{}", i % 20);
        let body = trace(
            "quiet",
            &id,
            &[span(&id, "ok", vec![string("pad", &"q".repeat(32 << 10))])],
        );
        p.ingest(None, &body)
    };
    for i in 0..20 {
        assert_eq!(quiet(&p, i), Ok(Status::Ok));
    }
    let added = Arc::new(AtomicU64::new(20));
    let during = {
        let (p, added) = (p.clone(), added.clone());
        move || {
            // Up to 120 packets (3.75 MiB), well within the quiet token's 8 MiB share.
            if added.load(Ordering::Relaxed) < 120 {
                let i = added.fetch_add(1, Ordering::Relaxed);
                assert_eq!(quiet(&p, i), Ok(Status::Ok), "the quiet token is refused");
            }
        }
    };
    let out = run(&p, &spec, during);
    let s = &out.after;
    let q = &s.tokens["quiet"];
    assert_eq!(q.counters.buffered.groups, 20, "{q:#?}");
    assert_eq!(q.counters.buffered.packets, added.load(Ordering::Relaxed));
    assert_eq!(q.counters.early_decisions, 0);
    assert_eq!(q.counters.dropped.packets + q.counters.kept.packets, 0);
    let noisy = &s.tokens["t00"];
    let share = (spec.budget as f64 * spec.share) as u64;
    assert!(noisy.counters.early_decisions > 0, "{noisy:#?}");
    assert!(noisy.held_bytes <= share);
    assert!(out.max_token_held <= share + spec.threads as u64 * PACKET_COST + q.held_bytes);
    assert_conserved(s);
}
