//! Tenant isolation, as a property (RELIABILITY.md, "Isolation"): random sequences of packets
//! for three tokens that share trace ids and services, sent with every combination of
//! authenticated token and packet token, interleaved with config changes; then a flush.
//!
//! - A packet whose own token differs from the authenticated one is refused
//!   (`TokenMismatch`) and counted nowhere; one with neither token is `InvalidArgument`.
//! - A token's config decides only that token's groups: what is delivered for a token is
//!   exactly what its own final config keeps of its own packets (a token that keeps
//!   everything never keeps another token's group with the same trace id; a token keeping
//!   errors keeps a group only for its own error spans); a token without a config keeps its
//!   packets pending.
//! - Deliveries never mix tokens: every point of a delivery (data and metrics) belongs to the
//!   delivery's token.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::*;
use proptest::prelude::*;
use prost::Message;
use tailsampling::wire::proto::point::field::Val;
use tailsampling::{Processor, Status};

const TOKENS: [&str; 3] = ["tkn_a", "tkn_b", "tkn_c"];
const TRACE_IDS: [&str; 3] = ["t1", "t2", "t3"];
const SERVICES: [&str; 2] = ["web", "db"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    KeepAll,
    DropAll,
    KeepErrors,
}

impl Rule {
    fn pipeline(self) -> &'static str {
        match self {
            Rule::KeepAll => r#"{"name": "all", "type": "probabilistic", "rate": 1}"#,
            Rule::DropAll => {
                r#"{"name": "none", "type": "condition", "condition": "{ seq >= 0 }", "action": "drop"}"#
            }
            Rule::KeepErrors => {
                r#"{"name": "errors", "type": "condition", "condition": "{ status = \"error\" }", "action": "keep"}"#
            }
        }
    }

    fn config(self, version: i64) -> String {
        let p = self.pipeline();
        format!(
            r#"{{"version": {version}, "trace": {{"pipelines": [{p}]}},
                "logging": {{"group_dimensions": [{{"group_key": "service", "pipelines": [{p}]}}]}}}}"#
        )
    }

    fn keeps(self, group_has_error: bool) -> bool {
        match self {
            Rule::KeepAll => true,
            Rule::DropAll => false,
            Rule::KeepErrors => group_has_error,
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// A one-point packet: authenticated token and packet token (indexes into `TOKENS`, or
    /// none), logging (else tracing), trace id, service, error.
    Packet {
        host: Option<usize>,
        own: Option<usize>,
        logging: bool,
        trace: usize,
        service: usize,
        error: bool,
    },
    SetConfig(usize, Rule),
}

fn rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        Just(Rule::KeepAll),
        Just(Rule::DropAll),
        Just(Rule::KeepErrors)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let token = proptest::option::of(0..TOKENS.len());
    prop_oneof![
        8 => (token.clone(), token, any::<bool>(), 0..TRACE_IDS.len(), 0..SERVICES.len(), any::<bool>())
            .prop_map(|(host, own, logging, trace, service, error)| Op::Packet {
                host, own, logging, trace, service, error
            }),
        1 => (0..TOKENS.len(), rule()).prop_map(|(t, r)| Op::SetConfig(t, r)),
    ]
}

/// The model: per token, its config and its accepted packets by group.
#[derive(Default)]
struct Model {
    rules: [Option<Rule>; 3],
    /// (token, group) → (seq, error) of each accepted packet.
    groups: BTreeMap<(usize, String), Vec<(i64, bool)>>,
    accepted: [u64; 3],
    /// Tracing packets accepted per token.
    tracing: [usize; 3],
}

fn owner_and_seq(fields: &[tailsampling::wire::proto::point::Field]) -> (String, Option<i64>) {
    let mut owner = String::new();
    let mut seq = None;
    for f in fields {
        match (f.key.as_str(), &f.val) {
            ("owner", Some(Val::S(s))) => owner = s.clone(),
            ("seq", Some(Val::I(i))) => seq = Some(*i),
            _ => {}
        }
    }
    (owner, seq)
}

fn run(initial: [Option<Rule>; 3], ops: Vec<Op>) -> Result<(), TestCaseError> {
    let p = Processor::from_options_json(br#"{"clock": "manual"}"#).expect("options");
    p.set_time(T0).expect("time");
    let mut m = Model::default();
    let mut version = 0;
    let mut set = |p: &Processor, m: &mut Model, t: usize, r: Rule| {
        version += 1;
        prop_assert_eq!(
            p.set_config(TOKENS[t], r.config(version).as_bytes()),
            Ok(true)
        );
        m.rules[t] = Some(r);
        Ok(())
    };
    for (t, r) in initial.iter().enumerate() {
        if let Some(r) = r {
            set(&p, &mut m, t, *r)?;
        }
    }
    for (seq, op) in ops.into_iter().enumerate() {
        let seq = seq as i64;
        let (host, own, logging, trace, service, error) = match op {
            Op::SetConfig(t, r) => {
                set(&p, &mut m, t, r)?;
                continue;
            }
            Op::Packet {
                host,
                own,
                logging,
                trace,
                service,
                error,
            } => (host, own, logging, trace, service, error),
        };
        let effective = host.or(own);
        let owner = effective.map_or("", |t| TOKENS[t]);
        let fields = vec![
            tag("owner", owner),
            tag("trace_id", TRACE_IDS[trace]),
            tag("service", SERVICES[service]),
            tag("status", if error { "error" } else { "ok" }),
            int("seq", seq),
        ];
        let points = [point("iso", T0, fields)];
        let own_token = own.map_or("", |t| TOKENS[t]);
        let (dt, key, id) = if logging {
            ("logging", "service", SERVICES[service])
        } else {
            ("tracing", "", TRACE_IDS[trace])
        };
        let body = packet(own_token, dt, key, id, &points).encode_to_vec();
        let got = p.ingest(host.map(|t| TOKENS[t]), &body);
        match (host, own, effective) {
            (Some(h), Some(o), _) if h != o => {
                prop_assert_eq!(got.map_err(|e| e.status()), Err(Status::TokenMismatch));
                let accepted = p.stats().total.accepted;
                prop_assert_eq!(
                    accepted,
                    m.accepted.iter().sum::<u64>(),
                    "a refused packet counted"
                );
            }
            (_, _, None) => {
                prop_assert_eq!(got.map_err(|e| e.status()), Err(Status::InvalidArgument));
            }
            (_, _, Some(t)) => {
                let expected = if m.rules[t].is_some() {
                    Status::Ok
                } else {
                    Status::Pending
                };
                prop_assert_eq!(got, Ok(expected));
                m.accepted[t] += 1;
                m.groups
                    .entry((t, format!("{dt}/{id}")))
                    .or_default()
                    .push((seq, error));
                m.tracing[t] += usize::from(!logging);
            }
        }
    }

    p.flush();
    let mut delivered: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for d in p.poll_kept() {
        for pt in points_of(&d.body) {
            let (owner, seq) = owner_and_seq(&pt.fields);
            prop_assert_eq!(&owner, &d.token, "a delivery mixes tokens");
            delivered
                .entry(owner)
                .or_default()
                .insert(seq.expect("seq"));
        }
    }
    let s = p.stats();
    assert_conserved(&s);
    for (t, token) in TOKENS.iter().enumerate() {
        let expected: BTreeSet<i64> = m
            .groups
            .iter()
            .filter(|((owner, _), _)| *owner == t)
            .filter(|(_, packets)| {
                m.rules[t].is_some_and(|r| r.keeps(packets.iter().any(|(_, e)| *e)))
            })
            .flat_map(|(_, packets)| packets.iter().map(|(seq, _)| *seq))
            .collect();
        let got = delivered.remove(*token).unwrap_or_default();
        prop_assert_eq!(&got, &expected, "{}: rule {:?}", token, m.rules[t]);
        let counters = s.tokens.get(*token).map(|t| &t.counters);
        let accepted = counters.map_or(0, |c| c.accepted);
        prop_assert_eq!(accepted, m.accepted[t], "{}", token);
        let pending = counters.map_or(0, |c| c.pending.packets);
        prop_assert_eq!(
            pending,
            if m.rules[t].is_none() {
                m.accepted[t]
            } else {
                0
            }
        );
    }
    prop_assert!(
        delivered.is_empty(),
        "deliveries for unknown tokens: {:?}",
        delivered
    );

    // Metrics: one delivery per token, counting that token's tracing packets only.
    for d in p.poll_metrics() {
        let t = TOKENS.iter().position(|t| *t == d.token);
        prop_assert!(t.is_some(), "metrics for {}", d.token);
        let t = t.unwrap_or_default();
        let counted: f64 = points_of(&d.body)
            .iter()
            .flat_map(|pt| &pt.fields)
            .filter(|f| f.key == "trace_total_count")
            .filter_map(|f| match f.val {
                Some(Val::F(v)) => Some(v),
                _ => None,
            })
            .sum();
        // Pending packets are counted when they reach the engine.
        let admitted = if m.rules[t].is_some() {
            m.tracing[t]
        } else {
            0
        };
        prop_assert_eq!(counted as usize, admitted, "{}", d.token);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn tokens_never_see_each_others_data(
        initial in proptest::array::uniform3(proptest::option::of(rule())),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        run(initial, ops)?;
    }
}
