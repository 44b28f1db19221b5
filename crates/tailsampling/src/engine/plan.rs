//! The decision plan of an installed config: what the engine derives from a parsed [`Config`]
//! once, when `set_config` installs it, to admit and decide with. Per data type section: the
//! group TTL in wheel seconds and the enabled built-in metrics ([`Admission`]); per dimension
//! ([`Rules`]): the distinct keys its pipelines' conditions read ([`MergedKeys`], matched once per
//! field as a decision walks a point), the first pipeline that can match at all, and each
//! pipeline's provenance name (the `pipeline` metric tag and the stats' decisions).
//!
//! `config` stays the parsed config and knows nothing of this plan; the engine owns it.

use crate::config::{BuiltinMetrics, Config, Pipeline, Section};
use crate::wire::DataType;

use super::options::Options;
use super::wheel;

/// A config in force and what is derived from it for admitting and deciding.
#[derive(Debug)]
pub(crate) struct Plan {
    config: Config,
    sections: [Option<SectionPlan>; 3],
}

/// What the plan holds for one data type section.
#[derive(Debug)]
struct SectionPlan {
    admission: Admission,
    /// Per dimension of the section, in the section's order.
    dimensions: Vec<DimensionPlan>,
}

/// How packets of one data type are admitted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Admission {
    /// The group TTL in whole seconds, in [1, 3599]; `None` for a TTL the reference truncates
    /// to 0 s or below (only under `compat: "reference"`): its packets are dropped.
    pub(crate) ttl_secs: Option<u64>,
    /// The built-in metrics enabled.
    pub(crate) metrics: BuiltinMetrics,
}

impl Admission {
    /// The admission of a data type the config in force (if any) has no section for: its
    /// default TTL and every metric (the config may have changed since ingest checked it;
    /// such groups are decided `no_config`).
    pub(crate) fn unconfigured(dt: DataType) -> Self {
        Admission {
            ttl_secs: Some(dt.default_ttl().as_secs().max(1)),
            metrics: BuiltinMetrics::all_of(dt),
        }
    }
}

/// What the plan holds for one dimension.
#[derive(Debug)]
struct DimensionPlan {
    keys: MergedKeys,
    first_possible: usize,
    names: Vec<Box<str>>,
}

impl DimensionPlan {
    fn new(pipelines: &[Pipeline]) -> Self {
        DimensionPlan {
            keys: MergedKeys::new(pipelines),
            first_possible: pipelines
                .iter()
                .position(|p| !p.never_matches())
                .unwrap_or(pipelines.len()),
            names: pipelines
                .iter()
                .enumerate()
                .map(|(i, p)| match p.name.as_str() {
                    "" => format!("pipeline[{i}]").into(),
                    name => name.into(),
                })
                .collect(),
        }
    }
}

/// The plan of a group key no dimension names: no pipelines, so nothing matches
/// (docs/protocol.md, "Decision").
static NO_DIMENSION: DimensionPlan = DimensionPlan {
    keys: MergedKeys {
        keys: Vec::new(),
        slots: Vec::new(),
        lens: 0,
    },
    first_possible: 0,
    names: Vec::new(),
};

/// The pipelines that decide a group, with their plan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules<'a> {
    /// Pipelines in config order; the first matched decides.
    pub(crate) pipelines: &'a [Pipeline],
    plan: &'a DimensionPlan,
}

impl<'a> Rules<'a> {
    /// The keys the pipelines' conditions read.
    pub(crate) fn keys(&self) -> &'a MergedKeys {
        &self.plan.keys
    }

    /// The index of the first pipeline that can match (`pipelines.len()` if none can).
    pub(crate) fn first_possible(&self) -> usize {
        self.plan.first_possible
    }

    /// The provenance name of pipeline `i`: its name, else `pipeline[i]`.
    pub(crate) fn name(&self, i: usize) -> &'a str {
        &self.plan.names[i]
    }
}

impl Plan {
    /// The plan of `config` under `opts`.
    pub(crate) fn new(config: Config, opts: &Options) -> Self {
        let sections = DataType::ALL.map(|dt| {
            let section = config.section(dt)?;
            Some(SectionPlan {
                admission: Admission {
                    ttl_secs: ttl_secs(section, dt, opts),
                    metrics: section.builtin_metrics,
                },
                dimensions: section
                    .dimensions
                    .iter()
                    .map(|d| DimensionPlan::new(&d.pipelines))
                    .collect(),
            })
        });
        Plan { config, sections }
    }

    /// The config the plan was built from.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// Whether the config has a section for `dt` (else its packets wait in the pending cache).
    pub(crate) fn covers(&self, dt: DataType) -> bool {
        self.sections[dt.index()].is_some()
    }

    /// How packets of `dt` are admitted, if the config has a section for it.
    pub(crate) fn admission(&self, dt: DataType) -> Option<Admission> {
        self.sections[dt.index()].as_ref().map(|s| s.admission)
    }

    /// The rules deciding groups of `dt` carrying `group_key`: for traces the trace pipelines
    /// whatever the key; otherwise those of the first dimension with that key, or none (a key
    /// without a dimension matches nothing). `None` if the config has no section for `dt`.
    pub(crate) fn rules(&self, dt: DataType, group_key: &str) -> Option<Rules<'_>> {
        let section = self.config.section(dt)?;
        let plan = self.sections[dt.index()].as_ref()?;
        Some(match section.dimension_index(dt, group_key) {
            Some(i) => Rules {
                pipelines: &section.dimensions[i].pipelines,
                plan: &plan.dimensions[i],
            },
            None => Rules {
                pipelines: &[],
                plan: &NO_DIMENSION,
            },
        })
    }
}

/// The TTL of a group in whole seconds, in [1, 3599] (a fraction rounds up; the config
/// truncated it already under `compat: "reference"`), or `None` for a TTL the reference
/// truncates to 0 s or below (only under `compat: "reference"`): its packets are dropped.
fn ttl_secs(section: &Section, dt: DataType, opts: &Options) -> Option<u64> {
    if section.data_ttl.is_some_and(|ttl| ttl.is_zero()) {
        return None;
    }
    let ttl = section.ttl_or(opts.default_ttl.unwrap_or(dt.default_ttl()));
    let s = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    Some(s.clamp(1, wheel::SLOTS - 1))
}

/// The distinct keys the conditions of a dimension's pipelines read, in order of first
/// appearance: a decision matches each field of a point against them once, as it walks it,
/// and every condition reads its values from there.
#[derive(Clone, Debug)]
pub(crate) struct MergedKeys {
    pub(crate) keys: Vec<Box<[u8]>>,
    /// Per pipeline, the index in `keys` of each key of its condition, in the condition's
    /// slot order.
    pub(crate) slots: Vec<Vec<usize>>,
    /// Bit `len % 64` is set for the length of each key: most fields are passed over on it.
    pub(crate) lens: u64,
}

impl MergedKeys {
    fn new(pipelines: &[Pipeline]) -> Self {
        let mut keys: Vec<Box<[u8]>> = Vec::new();
        let slots = pipelines
            .iter()
            .map(|p| {
                let condition_keys = p.condition().map_or(&[][..], |c| c.keys());
                condition_keys
                    .iter()
                    .map(|key| {
                        keys.iter().position(|k| k == key).unwrap_or_else(|| {
                            keys.push(key.clone());
                            keys.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let lens = keys.iter().fold(0, |lens, k| lens | 1 << (k.len() % 64));
        MergedKeys { keys, slots, lens }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Compat;

    fn plan(json: &str) -> Plan {
        let parsed = Config::from_json_with(json.as_bytes(), Compat::Default).expect("config");
        Plan::new(parsed.config, &Options::default())
    }

    #[test]
    fn merges_the_keys_of_a_dimension_once_in_order_of_first_appearance() {
        let p = plan(
            r#"{"trace": {"data_ttl": "2.5s", "pipelines": [
                {"type": "condition", "condition": "{ status = \"error\" AND service = \"a\" }", "action": "keep"},
                {"name": "b", "type": "condition", "condition": "{ service = \"b\" OR duration > 5 }", "action": "drop"}
            ]}}"#,
        );
        assert!(p.covers(DataType::Tracing) && !p.covers(DataType::Logging));
        assert_eq!(
            p.admission(DataType::Tracing).map(|a| a.ttl_secs),
            Some(Some(3))
        );
        let rules = p.rules(DataType::Tracing, "any key").expect("trace rules");
        let keys: Vec<&[u8]> = rules.keys().keys.iter().map(|k| &k[..]).collect();
        assert_eq!(keys, [&b"status"[..], b"service", b"duration"]);
        assert_eq!(rules.keys().slots, [vec![0, 1], vec![1, 2]]);
        assert_eq!((rules.name(0), rules.name(1)), ("pipeline[0]", "b"));
        assert_eq!(rules.first_possible(), 0);
    }

    #[test]
    fn a_group_key_without_a_dimension_has_no_pipelines() {
        let p = plan(
            r#"{"logging": {"group_dimensions": [{"group_key": "service", "pipelines": [
                {"type": "condition", "condition": "", "action": "keep"},
                {"type": "probabilistic", "rate": 0.5}
            ]}]}}"#,
        );
        let rules = p
            .rules(DataType::Logging, "service")
            .expect("logging rules");
        assert_eq!(
            rules.first_possible(),
            1,
            "an empty condition never matches"
        );
        let none = p.rules(DataType::Logging, "host").expect("a section");
        assert!(none.pipelines.is_empty() && none.keys().keys.is_empty());
        assert!(p.rules(DataType::Rum, "session_id").is_none());
    }
}
