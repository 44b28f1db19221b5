//! Resource limits (RELIABILITY.md, "Limits proven"): decompression bombs, packets at and over
//! `max_packet_bytes`, giant tokens, keys and values, deeply nested and huge conditions and
//! regexes, very many tiny groups and one enormous group. Every call answers with a status
//! (never a panic), and after every call the memory the engine holds stays within its budget:
//! `memory.held_bytes` in the stats, and the Rust heap the engine keeps allocated, counted on
//! the test's thread by `common/heap.rs` (the engine starts no threads). Work is bounded by the
//! input sizes; nothing sleeps and nothing asserts on time.

use crate::common::*;
use crate::heap;
use prost::Message;
use tailsampling::wire::proto::aggregate::DataPacket;
use tailsampling::{validate_config, Processor, Stats, Status};

/// What the engine may keep allocated beyond its budget, whatever the traffic: structures of
/// bounded size that fill with use. Per shard (16), up to about 2000 timing-wheel entries of
/// groups decided before their deadline (32 KiB with spare capacity); the decision cache
/// (`DECISIONS` entries); the token's metric windows and observed keys; kept data between
/// two polls.
const SLACK: usize = 1 << 20;
const DECISIONS: usize = 1000;

/// Keeps everything (`rate: 1`): kept data goes through the outbox and is polled.
const KEEP_ALL: &str = r#"{"version": 1, "trace": {"data_ttl": "2s", "pipelines": [
    {"name": "all", "type": "probabilistic", "rate": 1}]}}"#;

/// A manual-clock processor with `memory_limit_bytes = limit`, the token `tkn` configured with
/// `config`, and the heap it allocated so far as the baseline.
struct Bounded {
    p: Processor,
    limit: usize,
    base: usize,
}

impl Bounded {
    fn new(limit: usize, extra: &str, config: &str) -> Self {
        let opts = format!(
            r#"{{"clock": "manual", "memory_limit_bytes": {limit}, "decision_cache_size": {DECISIONS}{extra}}}"#
        );
        let p = Processor::from_options_json(opts.as_bytes()).expect("options");
        p.set_time(T0).expect("manual clock");
        p.set_config("tkn", config.as_bytes()).expect("config");
        let base = heap::live();
        Bounded { p, limit, base }
    }

    /// The stats, after checking the budget: held bytes (in the stats) within the limit, and
    /// the heap the engine keeps within the limit plus `SLACK`. The caller must hold no big
    /// buffers of its own at this point.
    fn check(&self) -> Stats {
        let s = self.p.stats();
        let held = s.memory.held_bytes as usize;
        assert!(held <= self.limit, "held {held} > limit {}", self.limit);
        drop(s);
        let retained = heap::live().saturating_sub(self.base);
        if std::env::var_os("TS_SHOW_HEAP").is_some() {
            eprintln!("retained {retained} held {held}");
        }
        assert!(
            retained <= self.limit + SLACK,
            "the engine keeps {retained} bytes of heap for a budget of {}",
            self.limit
        );
        let s = self.p.stats();
        assert_conserved(&s);
        s
    }

    /// Advances the clock by `secs` and polls; returns (deliveries, points delivered).
    fn poll_after(&self, secs: i64) -> (usize, u64) {
        self.p.set_time(self.p.now() + secs * SEC).expect("time");
        let d = self.p.poll_kept();
        for d in &d {
            assert_eq!(d.token, "tkn");
            assert_eq!(count_points(&d.body), Ok(d.points as usize));
        }
        (d.len(), d.iter().map(|d| d.points).sum())
    }
}

fn count_points(body: &[u8]) -> Result<usize, tailsampling::wire::WireError> {
    tailsampling::wire::count_points(body)
}

/// A one-point trace packet of `tkn` for group `id` whose payload is `payload` (zstd if
/// `compression` is 1).
fn raw_packet(id: &str, payload: Vec<u8>, compression: i32) -> Vec<u8> {
    DataPacket {
        payload_compression: compression,
        points_payload: payload,
        ..packet("tkn", "tracing", "", id, &[span(id, "ok", vec![])])
    }
    .encode_to_vec()
}

/// A PBPoints of one point with a string field of `len` zeros, and its zstd frame (with its
/// content size): about 1000 times smaller.
fn compressible(len: usize) -> (Vec<u8>, Vec<u8>) {
    let points = payload(&[span("g", "ok", vec![string("msg", &"\0".repeat(len))])]);
    let frame = tailsampling::wire::compress(&points, 19);
    (points, frame)
}

#[test]
fn decompression_bombs_cost_their_compressed_size_and_are_dropped_at_decision() {
    let _shared = crate::shared();
    let cap = 1 << 20;
    let b = Bounded::new(
        4 << 20,
        &format!(r#", "max_decompressed_bytes": {cap}"#),
        KEEP_ALL,
    );
    // 1 GiB of zeros each, in 32 KiB: a frame declaring its size and one that does not.
    let declared = rle_frame(0, 128 << 10, 8192, Some(1 << 30));
    let streamed = rle_frame(0, 128 << 10, 8192, None);
    for (id, frame) in [("declared", &declared), ("streamed", &streamed)] {
        assert_eq!(
            b.p.ingest(None, &raw_packet(id, frame.clone(), 1)),
            Ok(Status::Ok)
        );
    }
    let s = b.check();
    assert!(s.memory.held_bytes < 80 << 10, "{s:#?}");
    // Deciding them decompresses at most `cap` (+1) bytes at a time, and drops them.
    let ((delivered, _), _, peak) = heap::measure(|| b.poll_after(3));
    assert_eq!(delivered, 0);
    assert!(
        peak <= 2 * cap,
        "deciding the bombs took {peak} bytes of heap"
    );
    let s = b.check();
    assert_eq!(
        s.tokens["tkn"].counters.dropped.by_reason["decode_error"],
        2
    );

    // A late packet of a kept group, as a bomb: validated, dropped, never delivered.
    let ok = packet("tkn", "tracing", "", "kept", &[span("kept", "ok", vec![])]);
    assert_eq!(b.p.ingest(None, &ok.encode_to_vec()), Ok(Status::Ok));
    assert_eq!(b.poll_after(3), (1, 1));
    assert_eq!(
        b.p.ingest(None, &raw_packet("kept", streamed, 1)),
        Ok(Status::Ok)
    );
    let ((delivered, _), _, peak) = heap::measure(|| b.poll_after(0));
    assert_eq!(delivered, 0);
    assert!(
        peak <= 2 * cap,
        "validating the late bomb took {peak} bytes of heap"
    );
    let s = b.check();
    assert_eq!(
        s.tokens["tkn"].counters.dropped.by_reason["decode_error"],
        3
    );
}

#[test]
fn a_group_of_small_zstd_packets_never_inflates_past_its_limits() {
    let _shared = crate::shared();
    // Each packet: 1 MiB of PBPoints (one point, one string field of zeros) in ~100 bytes of
    // zstd. 300 of them in one group are 30 KB to buffer and 300 MiB once decompressed.
    let (inflated, frame) = compressible(1 << 20);
    assert!(frame.len() < 1000);
    let limits = r#", "max_group_bytes": 4194304, "max_decompressed_bytes": 2097152"#;
    let b = Bounded::new(8 << 20, limits, KEEP_ALL);
    let mut delivered = 0;
    for i in 0..300 {
        let (status, _, peak) =
            heap::measure(|| b.p.ingest(None, &raw_packet("g", frame.clone(), 1)));
        assert_eq!(status, Ok(Status::Ok), "packet {i}");
        // Deciding a group (at once, at its size limit) inflates it: at most max_group_bytes
        // plus one payload; late packets of the kept group inflate one at a time.
        assert!(peak <= 7 << 20, "an ingest took {peak} bytes of heap");
        let ((_, points), _, peak) = heap::measure(|| b.poll_after(0));
        assert!(peak <= 7 << 20, "a poll took {peak} bytes of heap");
        delivered += points;
        b.check();
    }
    b.p.flush();
    delivered += b.poll_after(0).1;
    let s = b.check();
    assert_eq!(delivered, 300, "every point once");
    assert_eq!(s.tokens["tkn"].counters.kept.packets, 300);
    assert!(s.tokens["tkn"].counters.late.kept > 0);

    // Frames that do not declare their size cannot be decided at their size limit; their
    // group's decision stops inflating at max_group_bytes + max_decompressed_bytes and drops
    // it as a decode error.
    let undeclared = zstd::stream::encode_all(inflated.as_slice(), 19).expect("zstd");
    assert!(matches!(
        zstd::zstd_safe::get_frame_content_size(&undeclared),
        Ok(None)
    ));
    for _ in 0..300 {
        let body = raw_packet("u", undeclared.clone(), 1);
        assert_eq!(b.p.ingest(None, &body), Ok(Status::Ok));
    }
    assert_eq!(b.check().tokens["tkn"].counters.buffered.packets, 300);
    let ((delivered, _), _, peak) = heap::measure(|| b.poll_after(3));
    assert_eq!(delivered, 0);
    assert!(peak <= 9 << 20, "deciding took {peak} bytes of heap");
    let s = b.check();
    assert_eq!(
        s.tokens["tkn"].counters.dropped.by_reason["decode_error"],
        300
    );
}

#[test]
fn kept_zstd_payloads_waiting_for_a_poll_count_against_the_budget() {
    let _shared = crate::shared();
    // Each packet: a 2 KB zstd frame of 2 MiB of points, its own group, decided at once
    // (declared size over max_group_bytes) and kept. Between two polls, 100 of them would
    // be 200 MiB of kept data from 200 KB of traffic; counted against the budget until the
    // host polls, they meet early decisions and `Busy` instead.
    let (_, frame) = compressible(2 << 20);
    let limits = r#", "token_memory_share": 1, "max_group_bytes": 1048576, "max_decompressed_bytes": 4194304"#;
    let b = Bounded::new(8 << 20, limits, KEEP_ALL);
    let mut busy = 0;
    for i in 0..100 {
        match b
            .p
            .ingest(None, &raw_packet(&format!("g{i}"), frame.clone(), 1))
        {
            Ok(Status::Ok) => {}
            Err(e) if e.status() == Status::Busy => busy += 1,
            other => panic!("{other:?}"),
        }
        b.check();
    }
    assert!(busy > 0);
    let (_, points) = b.poll_after(0);
    let s = b.check();
    assert_eq!(points, 100 - busy);
    assert_eq!(s.memory.held_bytes, 0, "released by the poll");
    assert_eq!(
        b.p.ingest(None, &raw_packet("after", frame, 1)),
        Ok(Status::Ok)
    );
}

#[test]
fn packets_at_max_packet_bytes_are_taken_and_one_byte_over_is_too_large() {
    let _shared = crate::shared();
    // With the default options (64 MiB), through both paths: buffered and pending.
    let p = Processor::from_options_json(br#"{"clock": "manual"}"#).expect("options");
    p.set_config("tkn", KEEP_ALL.as_bytes()).expect("config");
    let max = p.options().max_packet_bytes;
    // A packet of exactly `len` bytes: its payload (garbage, never decided here) pads it.
    let sized = |token: &str, id: &str, len: usize| {
        let mut pk = packet(token, "tracing", "", id, &[]);
        let fixed = pk.encoded_len() + 1; // + the payload's key
        let mut n = len - fixed;
        while n + prost::length_delimiter_len(n) > len - fixed {
            n -= 1;
        }
        pk.points_payload = vec![0; n];
        let body = pk.encode_to_vec();
        assert_eq!(body.len(), len);
        body
    };
    for token in ["tkn", "no_config_yet"] {
        let expected = if token == "tkn" {
            Status::Ok
        } else {
            Status::Pending
        };
        assert_eq!(p.ingest(None, &sized(token, "at", max)), Ok(expected));
        let e = p
            .ingest(None, &sized(token, "over", max + 1))
            .expect_err("over max_packet_bytes");
        assert_eq!(e.status(), Status::TooLarge);
        assert!(e.message().contains("max_packet_bytes"), "{e}");
    }
    let s = p.stats();
    assert_eq!(s.total.accepted, 2);
    assert!(s.memory.held_bytes >= 2 * max as u64);
    assert_conserved(&s);

    // A packet within max_packet_bytes but over the token's memory share: Busy, not stored.
    let small = Processor::from_options_json(
        br#"{"clock": "manual", "memory_limit_bytes": 40000, "max_packet_bytes": 20000}"#,
    )
    .expect("options");
    small
        .set_config("tkn", KEEP_ALL.as_bytes())
        .expect("config");
    let e = small
        .ingest(None, &sized("tkn", "share", 20_000))
        .expect_err("over the share");
    assert_eq!(e.status(), Status::Busy);
    assert_eq!(small.stats().memory.held_bytes, 0);
}

#[test]
fn giant_tokens_are_refused_with_a_status() {
    let _shared = crate::shared();
    let b = Bounded::new(4 << 20, "", KEEP_ALL);
    let giant = "t".repeat(1 << 20);
    let body = trace(&giant, "a", &[span("a", "ok", vec![])]);
    for token in [None, Some(giant.as_str())] {
        let e = b.p.ingest(token, &body).expect_err("giant token");
        assert_eq!(e.status(), Status::InvalidArgument, "{e}");
        assert!(e.message().contains("token"), "{e}");
    }
    let e =
        b.p.set_config(&giant, KEEP_ALL.as_bytes())
            .expect_err("giant token");
    assert_eq!(e.status(), Status::InvalidArgument);
    // A giant packet token under a normal host token is still a mismatch.
    let e = b.p.ingest(Some("tkn"), &body).expect_err("mismatch");
    assert_eq!(e.status(), Status::TokenMismatch);
    drop(body);
    let s = b.check();
    assert_eq!(s.tokens.len(), 1, "no tenant made");
    assert_eq!(s.total.accepted, 0);
}

#[test]
fn giant_header_strings_are_refused_with_a_status() {
    let _shared = crate::shared();
    let b = Bounded::new(4 << 20, "", KEEP_ALL);
    let giant = "s".repeat(1 << 20);
    let mut pk = packet("tkn", "tracing", "", "a", &[span("a", "ok", vec![])]);
    pk.source = giant.clone();
    let e =
        b.p.ingest(None, &pk.encode_to_vec())
            .expect_err("giant source");
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("source"), "{e}");
    let mut pk = packet("tkn", "logging", &giant, "a", &[span("a", "ok", vec![])]);
    pk.source = "dk".into();
    let e =
        b.p.ingest(None, &pk.encode_to_vec())
            .expect_err("giant group_key");
    assert!(e.message().contains("group_key"), "{e}");
    drop((pk, giant));
    assert_eq!(b.check().total.accepted, 0);
}

#[test]
fn giant_keys_and_values_are_decided_and_not_kept_after() {
    let _shared = crate::shared();
    // 200 groups whose point has a 64 KiB key (a different one per group) and a 128 KiB value:
    // 40 MB offered to a 2 MiB budget.
    let key = |i: usize| format!("{i:0>65535}");
    let config = format!(
        r#"{{"version": 1, "trace": {{"data_ttl": "1s", "pipelines": [
            {{"name": "key", "type": "condition", "condition": "{{ `{}` = \"v\" }}", "action": "keep"}},
            {{"name": "value", "type": "condition", "condition": "{{ msg MATCH [\"y$\"] }}", "action": "keep"}}]}}}}"#,
        key(0)
    );
    let b = Bounded::new(2 << 20, r#", "token_memory_share": 1"#, &config);
    let value = "x".repeat(128 << 10);
    for i in 0..200 {
        let id = format!("g{i}");
        let msg = if i == 1 {
            format!("{value}y")
        } else {
            value.clone()
        };
        let body = trace(
            "tkn",
            &id,
            &[span(
                &id,
                "ok",
                vec![string(&key(i), "v"), string("msg", &msg)],
            )],
        );
        assert_eq!(b.p.ingest(None, &body), Ok(Status::Ok));
        drop((body, msg));
        b.check();
        b.poll_after(0);
    }
    b.p.flush();
    b.poll_after(0);
    let s = b.check();
    assert_eq!(
        s.tokens["tkn"].counters.kept.groups, 2,
        "g0 (the key) and g1 (the value)"
    );
    assert_eq!(s.tokens["tkn"].counters.dropped.groups, 198);
    assert!(s.tokens["tkn"].counters.early_decisions > 0);
}

#[test]
fn deeply_nested_and_huge_conditions_are_config_errors() {
    let _shared = crate::shared();
    let p = Processor::from_options_json(br#"{"clock": "manual"}"#).expect("options");
    let config = |condition: &str| {
        serde_json::json!({"version": 1, "trace": {"pipelines": [
            {"name": "c", "type": "condition", "condition": condition, "action": "keep"}]}})
        .to_string()
    };
    let nested = format!("{{ {}a = 1{} }}", "(".repeat(100_000), ")".repeat(100_000));
    let long = format!("{{ a IN [{}] }}", vec!["1"; 600_000].join(", "));
    let many_regexes = format!(
        "{{ a MATCH [{}] }}",
        (0..300)
            .map(|i| format!("\"^{i}$\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let cases = [
        (nested.as_str(), "nested"),
        (long.as_str(), "limit"),
        ("{ a MATCH [\"(x{1000}){1000}\"] }", "regex"),
        (many_regexes.as_str(), "regexes"),
    ];
    for (condition, what) in cases {
        let json = config(condition);
        let e = p.set_config("tkn", json.as_bytes()).expect_err(what);
        assert_eq!(e.status(), Status::ConfigError, "{what}");
        assert!(e.message().contains(what), "{what}: {e}");
        let report = validate_config(json.as_bytes(), None).expect("a report");
        assert!(!report.ok, "{what}");
    }
    // JSON nested past serde_json's recursion limit, as a config and as options.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = p.set_config("tkn", deep.as_bytes()).expect_err("deep JSON");
    assert_eq!(e.status(), Status::ConfigError);
    let e = Processor::from_options_json(deep.as_bytes()).expect_err("deep options");
    assert_eq!(e.status(), Status::InvalidArgument);
    assert_eq!(p.stats().tokens["tkn"].counters.configs.rejected, 5);
}

#[test]
fn huge_valid_conditions_and_pathological_regexes_evaluate_in_bounded_work() {
    let _shared = crate::shared();
    // 10,000 ORed blocks (the list limit is 10,000 per list) and a regex that backtracking
    // engines take exponential time on, against a 256 KiB value.
    let blocks: Vec<String> = (0..10_000).map(|i| format!("{{ k{i} = {i} }}")).collect();
    let condition = format!("{}; {{ msg MATCH [\"^(a+)+$\"] }}", blocks.join("; "));
    let config = serde_json::json!({"version": 1, "trace": {"data_ttl": "1s", "pipelines": [
        {"name": "c", "type": "condition", "condition": condition, "action": "keep"}]}})
    .to_string();
    let b = Bounded::new(4 << 20, "", &config);
    let hit = "a".repeat(256 << 10);
    let miss = format!("{}b", "a".repeat(256 << 10));
    for (id, msg) in [("hit", &hit), ("miss", &miss)] {
        let body = trace("tkn", id, &[span(id, "ok", vec![string("msg", msg)])]);
        assert_eq!(b.p.ingest(None, &body), Ok(Status::Ok));
    }
    let last = format!("k{}", 9_999);
    let body = trace(
        "tkn",
        "last",
        &[span("last", "ok", vec![int(&last, 9_999)])],
    );
    assert_eq!(b.p.ingest(None, &body), Ok(Status::Ok));
    drop(body);
    assert_eq!(b.poll_after(2).1, 2, "hit and last kept, miss dropped");
    b.check();
}

/// Ingests `groups` one-point groups of `tkn` (`id` gives each its trace id), checking the
/// budget every 1000 packets; returns how many were accepted.
fn tiny_groups(b: &Bounded, groups: usize, id: impl Fn(usize) -> String) -> u64 {
    let mut accepted = 0;
    for i in 0..groups {
        let id = id(i);
        match b
            .p
            .ingest(None, &trace("tkn", &id, &[span(&id, "ok", vec![])]))
        {
            Ok(Status::Ok) => accepted += 1,
            other => panic!("{other:?}"),
        }
        if i % 1000 == 999 {
            b.check();
            b.poll_after(0);
        }
    }
    accepted
}

/// How many tiny groups `many_tiny_groups_stay_within_the_budget` makes (`TS_TINY_GROUPS`
/// overrides it: RELIABILITY.md records a run with millions, in release mode).
fn tiny_group_count() -> usize {
    std::env::var("TS_TINY_GROUPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

#[test]
fn many_tiny_groups_stay_within_the_budget() {
    let _shared = crate::shared();
    let groups = tiny_group_count();
    let b = Bounded::new(4 << 20, r#", "token_memory_share": 1"#, KEEP_ALL);
    let accepted = tiny_groups(&b, groups, |i| format!("t{i}"));
    assert_eq!(accepted, groups as u64);
    let s = b.check();
    let early = s.tokens["tkn"].counters.early_decisions;
    assert!(early > groups as u64 / 2, "{s:#?}");
    // Each group is accounted at least 480 bytes: at most 8738 fit in 4 MiB.
    assert!(s.tokens["tkn"].counters.buffered.groups <= 8738);
    b.p.flush();
    let (_, points) = b.poll_after(0);
    let s = b.check();
    assert_eq!(s.total.buffered.groups, 0);
    assert_eq!(s.tokens["tkn"].counters.kept.packets, groups as u64);
    assert!(points > 0);
}

#[test]
fn one_enormous_group_is_decided_at_its_size_limit_and_delivered_whole() {
    let _shared = crate::shared();
    // 20,000 packets of one trace, about 1 KB each: 20 MB into a 4 MiB max_group_bytes.
    let b = Bounded::new(
        16 << 20,
        r#", "token_memory_share": 1, "max_group_bytes": 4194304, "max_batch_bytes": 1048576"#,
        KEEP_ALL,
    );
    let filler = "f".repeat(1000);
    let mut delivered = 0;
    let mut biggest = 0;
    for i in 0..20_000i64 {
        let body = trace(
            "tkn",
            "huge",
            &[span(
                "huge",
                "ok",
                vec![int("seq", i), string("f", &filler)],
            )],
        );
        assert_eq!(b.p.ingest(None, &body), Ok(Status::Ok), "packet {i}");
        drop(body);
        if i % 500 == 499 {
            b.check();
            let d = b.p.poll_kept();
            biggest = biggest.max(d.iter().map(|d| d.body.len()).max().unwrap_or(0));
            delivered += d.iter().map(|d| d.points).sum::<u64>();
        }
    }
    b.p.flush();
    delivered += b.poll_after(0).1;
    let s = b.check();
    assert_eq!(delivered, 20_000, "every point once");
    assert!(s.tokens["tkn"].counters.late.kept > 0 || s.tokens["tkn"].counters.kept.groups > 1);
    // The group went alone when larger than max_batch_bytes, and never larger than the cap.
    assert!(
        biggest > 1 << 20 && biggest <= (4 << 20) + 2000,
        "{biggest}"
    );
}
