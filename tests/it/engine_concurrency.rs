//! Concurrency: threads ingesting while others poll, advance the clock, swap configs and read
//! stats. Afterwards the conservation identity holds and every accepted point was delivered
//! exactly once or counted dropped.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::common::*;
use prost::Message;
use tailsampling::wire::proto::point::field::Val;
use tailsampling::{Delivery, Processor, Status};

const INGESTERS: usize = 4;
const PACKETS_PER_THREAD: usize = 1500;
const POINTS_PER_PACKET: u64 = 2;

fn config(version: i64) -> String {
    // Alternate between keeping everything and keeping errors only; 1 s TTL so polls decide.
    let pipelines = if version % 2 == 0 {
        r#"{"name": "all", "type": "probabilistic", "rate": 1}"#
    } else {
        r#"{"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}"#
    };
    format!(
        r#"{{"version": {version}, "trace": {{"data_ttl": "1s", "pipelines": [{pipelines}]}}}}"#
    )
}

fn seqs(deliveries: &[Delivery], out: &mut Vec<i64>) {
    for d in deliveries.iter().filter(|d| d.data_type == "tracing") {
        for p in points_of(&d.body) {
            let seq = p
                .fields
                .iter()
                .find(|f| f.key == "seq")
                .and_then(|f| match f.val {
                    Some(Val::I(v)) => Some(v),
                    _ => None,
                });
            out.push(seq.expect("every test point has a seq"));
        }
    }
}

#[test]
fn concurrent_ingest_poll_and_config_swaps_conserve_every_point() {
    race(r#"{"clock": "manual", "shards": 8}"#);
}

/// The same race with one shard, so that packets often arrive while their group is out of
/// the shard being decided: they wait on the decision and follow it.
#[test]
fn packets_racing_the_decision_of_their_group_follow_it_once() {
    race(r#"{"clock": "manual", "shards": 1}"#);
}

/// The same race where a late packet opens a new group (the reference's semantics), also
/// when its group is being decided.
#[test]
fn packets_racing_the_decision_of_their_group_open_new_groups_with_late_data_new_group() {
    race(r#"{"clock": "manual", "shards": 1, "late_data": "new_group"}"#);
}

/// Ingesters, a poller advancing the clock and a config swapper on a processor with
/// `options`; then the conservation identity and every kept point delivered once.
fn race(options: &str) {
    let p = Arc::new(Processor::from_options_json(options.as_bytes()).expect("options"));
    p.set_time(T0).expect("time");
    for t in ["tkn_0", "tkn_1"] {
        p.set_config(t, config(0).as_bytes()).expect("config");
    }
    let done = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(Mutex::new(Vec::new()));

    let ingesters: Vec<_> = (0..INGESTERS)
        .map(|w| {
            let p = p.clone();
            thread::spawn(move || {
                let mut accepted = 0u64;
                for i in 0..PACKETS_PER_THREAD {
                    let seq = (w * PACKETS_PER_THREAD + i) as i64 * 2;
                    let token = if i % 2 == 0 { "tkn_0" } else { "tkn_1" };
                    let id = format!("trace-{}", (w * 7 + i) % 300); // groups span threads
                    let status = if i % 5 == 0 { "error" } else { "ok" };
                    let pts = [
                        span(&id, status, vec![int("seq", seq)]),
                        span(&id, "ok", vec![int("seq", seq + 1)]),
                    ];
                    let mut pk = packet(token, "tracing", "", &id, &pts);
                    if i % 3 == 0 {
                        pk = zstd(pk);
                    }
                    match p.ingest(Some(token), &pk.encode_to_vec()) {
                        Ok(Status::Ok) => accepted += 1,
                        other => panic!("unexpected {other:?}"),
                    }
                }
                accepted
            })
        })
        .collect();

    let poller = {
        let (p, done, delivered) = (p.clone(), done.clone(), delivered.clone());
        thread::spawn(move || {
            let mut t = T0;
            while !done.load(Ordering::Acquire) {
                t += SEC / 2;
                p.set_time(t).expect("time");
                let d = p.poll_kept();
                seqs(&d, &mut delivered.lock().expect("lock"));
                p.poll_metrics();
            }
        })
    };
    let swapper = {
        let (p, done) = (p.clone(), done.clone());
        thread::spawn(move || {
            let mut v = 0;
            while !done.load(Ordering::Acquire) {
                v += 1;
                for t in ["tkn_0", "tkn_1"] {
                    assert_eq!(p.set_config(t, config(v).as_bytes()), Ok(true));
                    assert_eq!(p.set_config(t, config(v).as_bytes()), Ok(false));
                }
                let _ = p.stats();
                thread::yield_now();
            }
        })
    };

    let accepted: u64 = ingesters
        .into_iter()
        .map(|h| h.join().expect("ingester"))
        .sum();
    done.store(true, Ordering::Release);
    poller.join().expect("poller");
    swapper.join().expect("swapper");

    p.flush();
    let mut delivered = delivered.lock().expect("lock").clone();
    seqs(&p.poll_kept(), &mut delivered);

    let stats = p.stats();
    assert_conserved(&stats);
    let total = &stats.total;
    assert_eq!(total.accepted, accepted);
    assert_eq!(accepted, (INGESTERS * PACKETS_PER_THREAD) as u64);
    assert_eq!(total.buffered.packets, 0);
    assert_eq!(total.pending.packets, 0);
    let unique: HashSet<i64> = delivered.iter().copied().collect();
    assert_eq!(unique.len(), delivered.len(), "a point was delivered twice");
    let kept_packets = total.kept.packets;
    assert_eq!(
        delivered.len() as u64,
        kept_packets * POINTS_PER_PACKET,
        "every kept packet's points, once"
    );
    // A packet is delivered whole or not at all.
    for s in &unique {
        let pair = if s % 2 == 0 { s + 1 } else { s - 1 };
        assert!(
            unique.contains(&pair),
            "point {s} delivered without its packet sibling"
        );
    }
    assert!(kept_packets > 0 && total.dropped.packets > 0, "{total:#?}");
}
