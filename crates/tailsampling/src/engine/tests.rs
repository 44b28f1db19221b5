//! Unit tests of the processor's choreography that the public API cannot stage: a packet of a
//! group arriving while the group is out of its shard being decided (between
//! [`Shard::take_due`] and [`Processor::decide_taken`], as a poll on another thread would
//! leave it), on the manual clock.

use prost::Message;

use super::*;
use crate::wire::fnv1a64;
use crate::wire::proto::aggregate::DataPacket;
use crate::wire::proto::point::{field::Val, Field, PbPoint, PbPoints};

const SEC: i64 = 1_000_000_000;
const T0: i64 = 1_795_219_200 * SEC;
const CONFIG: &str = r#"{"version": 1, "trace": {"data_ttl": "10s", "pipelines": [
    {"name": "keep-errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}
]}}"#;

fn tag(key: &str, value: &str) -> Field {
    Field {
        key: key.into(),
        is_tag: true,
        val: Some(Val::S(value.into())),
        ..Default::default()
    }
}

/// An encoded one-span trace packet of token `tkn`.
fn trace(id: &str, status: &str) -> Vec<u8> {
    let span = PbPoint {
        name: "ddtrace".into(),
        time: T0,
        fields: vec![tag("trace_id", id), tag("status", status)],
        ..Default::default()
    };
    DataPacket {
        group_id_hash: fnv1a64(id.as_bytes()),
        raw_group_id: id.into(),
        token: "tkn".into(),
        source: "ddtrace".into(),
        data_type: "tracing".into(),
        point_count: 1,
        points_payload: PbPoints { arr: vec![span] }.encode_to_vec(),
        ..Default::default()
    }
    .encode_to_vec()
}

/// A processor with one shard, at `T0` on the manual clock, with [`CONFIG`] for `tkn`.
fn processor(extra: &str) -> Processor {
    let opts = format!(r#"{{"clock": "manual", "shards": 1{extra}}}"#);
    let p = Processor::from_options_json(opts.as_bytes()).expect("options");
    p.set_time(T0).expect("manual clock");
    assert_eq!(p.set_config("tkn", CONFIG.as_bytes()), Ok(true));
    p
}

fn ingest(p: &Processor, id: &str, status: &str) {
    assert_eq!(p.ingest(None, &trace(id, status)), Ok(Status::Ok));
}

/// Takes the groups due now out of the shard, as a poll does before deciding them.
fn take_due(p: &Processor) -> Vec<(u64, Group)> {
    let mut taken = Vec::new();
    p.shards[0].lock().take_due(secs(p.now()), &mut taken);
    taken
}

fn counters(p: &Processor) -> Counters {
    let c = p.stats().tokens["tkn"].counters.clone();
    assert!(c.conserved(), "{c:#?}");
    c
}

fn kept_points(p: &Processor) -> u64 {
    p.poll_kept().iter().map(|d| d.points).sum()
}

#[test]
fn a_packet_arriving_while_its_group_is_decided_follows_the_decision() {
    let p = processor("");
    ingest(&p, "kept", "error");
    ingest(&p, "gone", "ok");
    p.set_time(T0 + 10 * SEC).expect("time");
    let mut taken = take_due(&p);
    assert_eq!(taken.len(), 2);
    // A packet of each group arrives while both are out of the shard: it waits on its
    // group's decision rather than opening a new group.
    ingest(&p, "kept", "ok");
    ingest(&p, "gone", "error");
    let c = p.stats().tokens["tkn"].counters.clone();
    assert_eq!(c.accepted, 4);
    assert_eq!(
        (c.buffered.groups, c.buffered.packets),
        (2, 2),
        "no new group"
    );
    p.decide_taken(&p.shards[0], &mut taken, false);
    let c = counters(&p);
    assert_eq!((c.buffered.groups, c.buffered.packets), (0, 0));
    assert_eq!((c.kept.groups, c.kept.packets), (1, 2));
    assert_eq!((c.dropped.groups, c.dropped.packets), (1, 2));
    assert_eq!((c.late.kept, c.late.dropped), (1, 1));
    assert_eq!(c.dropped.by_reason["late"], 1);
    assert_eq!(c.dropped.by_reason["no_match"], 1);
    assert_eq!(
        kept_points(&p),
        2,
        "the kept group and the packet that waited on it"
    );
    // The decisions are remembered, and the markers gone: later packets follow the cache.
    ingest(&p, "kept", "ok");
    ingest(&p, "gone", "error");
    let c = counters(&p);
    assert_eq!((c.late.kept, c.late.dropped, c.buffered.groups), (2, 2, 0));
    assert_eq!(kept_points(&p), 1);
    assert_eq!(p.stats().memory.held_bytes, 0, "every reservation released");
}

#[test]
fn with_new_group_a_packet_arriving_while_its_group_is_decided_opens_a_new_group() {
    let p = processor(r#", "late_data": "new_group""#);
    ingest(&p, "t", "ok");
    p.set_time(T0 + 10 * SEC).expect("time");
    let mut taken = take_due(&p);
    assert_eq!(taken.len(), 1);
    ingest(&p, "t", "error");
    assert_eq!(
        counters(&p).buffered.groups,
        2,
        "the taken group and a new one"
    );
    p.decide_taken(&p.shards[0], &mut taken, false);
    assert_eq!(kept_points(&p), 0, "the first group matched nothing");
    let c = counters(&p);
    assert_eq!((c.buffered.groups, c.dropped.by_reason["no_match"]), (1, 1));
    p.set_time(T0 + 20 * SEC).expect("time");
    assert_eq!(kept_points(&p), 1, "decided again as a new group");
    let c = counters(&p);
    assert_eq!((c.late.kept, c.late.dropped, c.kept.packets), (0, 0, 1));
}

#[test]
fn without_a_decision_cache_a_packet_arriving_while_its_group_is_decided_opens_a_new_group() {
    let p = processor(r#", "decision_cache_size": 0"#);
    ingest(&p, "t", "error");
    p.set_time(T0 + 10 * SEC).expect("time");
    let mut taken = take_due(&p);
    ingest(&p, "t", "ok");
    p.decide_taken(&p.shards[0], &mut taken, false);
    assert_eq!(kept_points(&p), 1);
    let c = counters(&p);
    assert_eq!((c.buffered.groups, c.late.kept), (1, 0));
}
