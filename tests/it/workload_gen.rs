//! `workload::generate`: deterministic from the seed, every packet decodes and walks, the
//! requested shares hold, traces/logs/sessions have the promised shape.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use tailsampling::config::DataType;
use tailsampling::wire::{
    count_points, fnv1a64, PacketRef, Points, Value, COMPRESSION_ZSTD, DEFAULT_MAX_DECOMPRESSED,
};
use tailsampling_cli::workload::{generate, Event, WorkloadSpec};

/// A workload large enough for the shares to be meaningful.
fn big_spec() -> WorkloadSpec {
    WorkloadSpec {
        seed: 42,
        traces: 2000,
        log_groups: 30,
        rum_sessions: 200,
        error_rate: 0.1,
        slow_rate: 0.08,
        keep_rate: 0.02,
        zstd_share: 0.3,
        late_share: 0.05,
        ..WorkloadSpec::default()
    }
}

fn big() -> &'static [Event] {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    EVENTS.get_or_init(|| generate(&big_spec()))
}

/// One group's packets, by (token, data_type, group_key, raw_group_id).
#[derive(Default)]
struct Group {
    packets: Vec<(i64, bool)>, // (at_ns, late)
    points: i64,
    has_error: bool,
    root_duration_us: i64,
    trace_keep: bool,
    roots: usize,
}

type Key = (String, String, String, String);

fn groups(events: &[Event]) -> BTreeMap<Key, Group> {
    let mut groups: BTreeMap<Key, Group> = BTreeMap::new();
    for e in events {
        let p = PacketRef::decode(&e.packet).expect("decodes");
        let payload = p.payload(DEFAULT_MAX_DECOMPRESSED).expect("payload");
        let key = (
            p.token.to_owned(),
            p.data_type.to_owned(),
            p.group_key.to_owned(),
            p.raw_group_id.to_owned(),
        );
        let g = groups.entry(key).or_default();
        g.packets.push((e.at_ns, e.late));
        g.points += i64::from(p.point_count);
        g.has_error |= p.has_error;
        g.trace_keep |= p.pred_trace_keep;
        g.root_duration_us = g.root_duration_us.max(p.root_duration_us);
        for point in Points::new(&payload) {
            let point = point.expect("point");
            for f in point.fields() {
                let f = f.expect("field");
                if f.key == b"parent_id" && f.value == Some(Value::Str(b"0")) {
                    g.roots += 1;
                }
            }
        }
    }
    groups
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64
}

#[test]
fn deterministic_for_a_seed() {
    let spec = WorkloadSpec {
        traces: 60,
        log_groups: 5,
        rum_sessions: 5,
        ..WorkloadSpec::default()
    };
    let a = generate(&spec);
    assert!(!a.is_empty());
    assert_eq!(a, generate(&spec));
    let b = generate(&WorkloadSpec {
        seed: spec.seed + 1,
        ..spec.clone()
    });
    assert_ne!(a, b);
}

#[test]
fn every_packet_decodes_and_walks() {
    let spec = big_spec();
    let events = big();
    assert!(
        events.windows(2).all(|w| w[0].at_ns <= w[1].at_ns),
        "sorted"
    );
    let tokens: BTreeSet<String> = (1..=spec.tenants)
        .map(|k| format!("tkn_tenant_{k:02}"))
        .collect();
    for e in events {
        let p = PacketRef::decode(&e.packet).expect("decodes");
        assert_eq!(p.token, e.token);
        assert!(tokens.contains(&e.token), "{}", e.token);
        assert_eq!(DataType::from_wire(p.data_type), Some(e.data_type));
        assert_eq!(p.group_id_hash, fnv1a64(p.raw_group_id.as_bytes()));
        assert_eq!(p.config_version, spec.config_version);
        let payload = p.payload(DEFAULT_MAX_DECOMPRESSED).expect("payload");
        assert_eq!(count_points(&payload), Ok(p.point_count as usize));
        assert!(p.point_count > 0);
        match e.data_type {
            DataType::Tracing => {
                assert_eq!((p.group_key, p.source), ("", "ddtrace"));
                assert!(p.trace_start_time_unix_nano >= spec.start_ns);
                assert!(p.trace_end_time_unix_nano > p.trace_start_time_unix_nano);
            }
            DataType::Logging => assert_eq!(p.group_key, "service"),
            DataType::Rum => assert_eq!(p.group_key, "session_id"),
        }
        // Every point carries its group's value under the group key (trace_id for traces).
        let key = if p.group_key.is_empty() {
            "trace_id"
        } else {
            p.group_key
        };
        for point in Points::new(&payload) {
            let point = point.expect("point");
            let value = point
                .fields()
                .map(|f| f.expect("field"))
                .find(|f| f.key == key.as_bytes())
                .and_then(|f| f.value)
                .and_then(|v| v.as_str_bytes());
            assert_eq!(value, Some(p.raw_group_id.as_bytes()));
        }
    }
    // Every tenant has traffic of every type.
    for t in DataType::ALL {
        let seen: BTreeSet<&str> = events
            .iter()
            .filter(|e| e.data_type == t)
            .map(|e| e.token.as_str())
            .collect();
        assert_eq!(seen.len(), spec.tenants, "{t:?}");
    }
}

#[test]
fn trace_shape_and_shares() {
    let spec = big_spec();
    let groups = groups(big());
    let traces: Vec<&Group> = groups
        .iter()
        .filter(|(k, _)| k.1 == "tracing")
        .map(|(_, g)| g)
        .collect();
    assert_eq!(traces.len(), spec.traces);

    let mut spans: Vec<i64> = traces.iter().map(|g| g.points).collect();
    spans.sort_unstable();
    assert!(spans[0] >= 1 && spans[spans.len() - 1] <= 200, "{spans:?}");
    let median = spans[spans.len() / 2];
    assert!((8..=12).contains(&median), "median {median}");
    assert!(spans[spans.len() * 9 / 10] >= 25, "a long tail");

    for g in &traces {
        assert_eq!(g.roots, 1, "one root per trace");
        assert!((1..=3).contains(&g.packets.len()));
    }
    let errors = traces.iter().filter(|g| g.has_error).count();
    let slow = traces
        .iter()
        .filter(|g| g.root_duration_us > 1_000_000)
        .count();
    let keep = traces.iter().filter(|g| g.trace_keep).count();
    let err_share = share(errors, traces.len());
    let slow_share = share(slow, traces.len());
    let keep_share = share(keep, traces.len());
    assert!((err_share - spec.error_rate).abs() < 0.025, "{err_share}");
    assert!((slow_share - spec.slow_rate).abs() < 0.025, "{slow_share}");
    assert!((keep_share - spec.keep_rate).abs() < 0.015, "{keep_share}");
    let split = traces.iter().filter(|g| g.packets.len() > 1).count();
    assert!((0.25..0.55).contains(&share(split, traces.len())));
}

#[test]
fn packet_shares() {
    let spec = big_spec();
    let events = big();
    let zstd = events
        .iter()
        .filter(|e| {
            PacketRef::decode(&e.packet)
                .expect("decodes")
                .payload_compression
                == COMPRESSION_ZSTD
        })
        .count();
    let late = events.iter().filter(|e| e.late).count();
    let zstd_share = share(zstd, events.len());
    let late_share = share(late, events.len());
    assert!((zstd_share - spec.zstd_share).abs() < 0.05, "{zstd_share}");
    assert!((late_share - spec.late_share).abs() < 0.015, "{late_share}");

    // A late packet is never the first of its group, and arrives about late_delay_s after it.
    let delay = spec.late_delay_s as i64 * 1_000_000_000;
    for g in groups(events).values() {
        let first = g.packets.iter().map(|p| p.0).min().expect("a packet");
        let first_on_time = g
            .packets
            .iter()
            .filter(|p| !p.1)
            .map(|p| p.0)
            .min()
            .expect("the first packet is never late");
        assert_eq!(first, first_on_time);
        for &(at, late) in &g.packets {
            if late {
                assert!(at - first >= delay, "late by {} ns", at - first);
            } else {
                assert!(at - first < delay / 2, "on time");
            }
        }
    }
}

#[test]
fn logs_and_sessions() {
    let spec = big_spec();
    let events = big();
    let mut error_lines = 0usize;
    let mut lines = 0usize;
    let mut error_sessions = BTreeSet::new();
    let mut sessions = BTreeSet::new();
    let mut log_groups = BTreeSet::new();
    for e in events {
        let p = PacketRef::decode(&e.packet).expect("decodes");
        let payload = p.payload(DEFAULT_MAX_DECOMPRESSED).expect("payload");
        for point in Points::new(&payload) {
            let point = point.expect("point");
            let error = point
                .fields()
                .map(|f| f.expect("field"))
                .any(|f| f.key == b"status" && f.value == Some(Value::Tag(b"error")));
            match e.data_type {
                DataType::Logging => {
                    lines += 1;
                    error_lines += usize::from(error);
                    log_groups.insert((p.token.to_owned(), p.raw_group_id.to_owned()));
                }
                DataType::Rum => {
                    sessions.insert(p.raw_group_id.to_owned());
                    if error {
                        error_sessions.insert(p.raw_group_id.to_owned());
                    }
                }
                DataType::Tracing => {}
            }
        }
    }
    assert_eq!(log_groups.len(), spec.log_groups);
    assert_eq!(sessions.len(), spec.rum_sessions);
    let line_errors = share(error_lines, lines);
    assert!(
        (line_errors - spec.error_rate).abs() < 0.03,
        "{line_errors}"
    );
    let session_errors = share(error_sessions.len(), sessions.len());
    assert!(
        (session_errors - spec.error_rate).abs() < 0.06,
        "{session_errors}"
    );
}

#[test]
fn extreme_rates() {
    let spec = WorkloadSpec {
        traces: 80,
        log_groups: 4,
        rum_sessions: 4,
        error_rate: 0.0,
        slow_rate: 0.0,
        keep_rate: 0.0,
        zstd_share: 0.0,
        late_share: 0.0,
        ..WorkloadSpec::default()
    };
    let events = generate(&spec);
    for e in &events {
        let p = PacketRef::decode(&e.packet).expect("decodes");
        assert!(!e.late);
        assert_ne!(p.payload_compression, COMPRESSION_ZSTD);
        assert!(!p.has_error && !p.pred_error && !p.pred_http_error && !p.pred_trace_keep);
        assert!(p.root_duration_us < 1_000_000);
    }

    let spec = WorkloadSpec {
        error_rate: 1.0,
        slow_rate: 1.0,
        zstd_share: 1.0,
        late_share: 1.0,
        ..spec
    };
    let events = generate(&spec);
    let traces = groups(&events);
    for (key, g) in &traces {
        if key.1 == "tracing" {
            assert!(g.has_error && g.root_duration_us > 1_000_000);
        }
    }
    // Every packet that is not the first of its group is late; the first ones are not.
    let late = events.iter().filter(|e| e.late).count();
    let firsts = traces.len();
    assert_eq!(late, events.len() - firsts);
    let zstd = events
        .iter()
        .filter(|e| {
            PacketRef::decode(&e.packet)
                .expect("decodes")
                .payload_compression
                == COMPRESSION_ZSTD
        })
        .count();
    assert!(share(zstd, events.len()) > 0.9);
}

#[test]
fn tenants() {
    assert!(generate(&WorkloadSpec {
        tenants: 0,
        ..WorkloadSpec::default()
    })
    .is_empty());
    let one = generate(&WorkloadSpec {
        tenants: 1,
        traces: 20,
        log_groups: 2,
        rum_sessions: 2,
        ..WorkloadSpec::default()
    });
    assert!(one.iter().all(|e| e.token == "tkn_tenant_01"));
    let nothing = generate(&WorkloadSpec {
        traces: 0,
        log_groups: 0,
        rum_sessions: 0,
        ..WorkloadSpec::default()
    });
    assert!(nothing.is_empty());
}

#[test]
fn hostile_specs_do_not_panic() {
    for spec in [
        WorkloadSpec {
            start_ns: i64::MAX - 5,
            duration_s: u64::MAX,
            late_delay_s: u64::MAX,
            traces: 5,
            log_groups: 2,
            rum_sessions: 2,
            late_share: 1.0,
            ..WorkloadSpec::default()
        },
        WorkloadSpec {
            start_ns: i64::MIN,
            duration_s: 0,
            services_per_tenant: 0,
            error_rate: f64::NAN,
            slow_rate: -3.0,
            zstd_share: 7.0,
            late_share: f64::NAN,
            traces: 5,
            log_groups: 30,
            rum_sessions: 2,
            ..WorkloadSpec::default()
        },
    ] {
        let events = generate(&spec);
        assert!(!events.is_empty());
        for e in &events {
            PacketRef::decode(&e.packet).expect("decodes");
        }
    }
}
