//! JSON → [`Config`]: walks the document once, collecting every error and warning with its
//! JSON path, and compiles each condition. Accepts both Datakit's output (nulls, integer
//! nanosecond `data_ttl`, `hash_keys`) and Guance's documented form (`"data_ttl": "5m"`).
//! For the rule checker, the same walk can also record the document's [`Outline`].

use std::time::Duration;

use serde_json::{Map, Value};

use super::diag::{ConfigError, Diagnostic, Severity};
use super::duration::parse_go_duration;
use super::outline::{Kind, Outline, Site};
use super::types::{
    sample_threshold, Action, BuiltinMetric, BuiltinMetrics, Config, DataType, Dimension, Pipeline,
    Rule, Section, MAX_TTL,
};
use crate::compat::Compat;
use crate::filter::{Condition, FilterError};

/// A config accepted with its warnings.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The compiled config.
    pub config: Config,
    /// Warnings (problems that do not reject the config), in document order.
    pub warnings: Vec<Diagnostic>,
}

impl Config {
    /// Parses, validates and compiles a config document in the default compatibility mode.
    ///
    /// Every problem is reported with its JSON path; the config is rejected if any is an
    /// error. Unknown keys are warnings (ignored), so newer clients keep working.
    pub fn from_json(json: &[u8]) -> Result<Parsed, ConfigError> {
        Self::from_json_with(json, Compat::default())
    }

    /// [`Config::from_json`], with conditions and TTLs following `compat` (docs/protocol.md,
    /// "Deviations"). Both modes accept and refuse the same documents.
    pub fn from_json_with(json: &[u8], compat: Compat) -> Result<Parsed, ConfigError> {
        parse(json, compat, None)
    }

    /// [`Config::from_json`], with the document's [`Outline`] (what the rule checker needs),
    /// recorded as it parses: an invalid JSON document has an empty outline.
    pub(crate) fn parse_with_outline(json: &[u8]) -> (Result<Parsed, ConfigError>, Outline) {
        let mut outline = Outline::default();
        let parsed = parse(json, Compat::default(), Some(&mut outline));
        (parsed, outline)
    }
}

/// Parses `json` in the `compat` mode, recording its outline into `outline` if given.
fn parse(
    json: &[u8],
    compat: Compat,
    outline: Option<&mut Outline>,
) -> Result<Parsed, ConfigError> {
    let doc: Value = serde_json::from_slice(json).map_err(|e| ConfigError {
        diagnostics: vec![Diagnostic::error(
            "",
            format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )],
    })?;
    let mut p = Parser {
        diags: Vec::new(),
        compat,
        outline,
        compiled: None,
    };
    let config = p.document(&doc);
    if p.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(ConfigError {
            diagnostics: p.diags,
        });
    }
    Ok(Parsed {
        config,
        warnings: p.diags,
    })
}

struct Parser<'o> {
    diags: Vec<Diagnostic>,
    compat: Compat,
    /// The outline being recorded, if one was asked for.
    outline: Option<&'o mut Outline>,
    /// With an outline: the condition the parser compiled for the pipeline being read, for
    /// its site.
    compiled: Option<Result<Condition, FilterError>>,
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The path of `key` in the object at `path`.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Parser<'_> {
    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn warn(&mut self, path: String, message: impl Into<String>, hint: Option<&str>) {
        let mut d = Diagnostic::warning(path, message);
        d.hint = hint.map(str::to_string);
        self.diags.push(d);
    }

    fn expect_object<'v>(&mut self, path: &str, v: &'v Value) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => {
                if let Some(outline) = self.outline.as_deref_mut() {
                    outline.object(path, m);
                }
                Some(m)
            }
            other => {
                let msg = format!("expected an object, found {}", json_type(other));
                self.error(Diagnostic::error(path, msg));
                None
            }
        }
    }

    /// Warns about keys outside `known`.
    fn unknown_keys(&mut self, path: &str, obj: &Map<String, Value>, known: &[&str]) {
        for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
            let hint = format!("known keys here: {}", known.join(", "));
            self.warn(join(path, key), "unknown key, ignored", Some(&hint));
        }
    }

    /// A non-null field, or `None` when missing or null.
    fn field<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
        obj.get(key).filter(|v| !v.is_null())
    }

    fn string<'v>(&mut self, path: String, v: Option<&'v Value>) -> Option<&'v str> {
        match v? {
            Value::String(s) => Some(s),
            other => {
                let msg = format!("expected a string, found {}", json_type(other));
                self.error(Diagnostic::error(path, msg));
                None
            }
        }
    }

    fn array<'v>(&mut self, path: &str, v: Option<&'v Value>) -> &'v [Value] {
        match v {
            None => &[],
            Some(Value::Array(a)) => {
                if let Some(outline) = self.outline.as_deref_mut() {
                    outline.array(path, a);
                }
                a
            }
            Some(other) => {
                let msg = format!("expected an array, found {}", json_type(other));
                self.error(Diagnostic::error(path, msg));
                &[]
            }
        }
    }

    fn integer(&mut self, path: String, v: Option<&Value>) -> Option<i64> {
        match v? {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            other => {
                let msg = format!("expected an integer, found {}", json_type(other));
                self.error(Diagnostic::error(path, msg));
                None
            }
        }
    }

    fn document(&mut self, doc: &Value) -> Config {
        let mut config = Config {
            version: 0,
            sections: [None, None, None],
        };
        if let Some(outline) = self.outline.as_deref_mut() {
            outline.root();
        }
        let Some(obj) = self.expect_object("", doc) else {
            return config;
        };
        self.unknown_keys("", obj, &["version", "trace", "logging", "rum"]);
        config.version = self
            .integer("version".into(), Self::field(obj, "version"))
            .unwrap_or(0);
        for dt in DataType::ALL {
            let key = dt.section_key();
            if let Some(v) = Self::field(obj, key) {
                config.sections[dt.index()] = self.section(dt, key, v);
            }
        }
        config
    }

    fn section(&mut self, dt: DataType, path: &str, v: &Value) -> Option<Section> {
        let obj = self.expect_object(path, v)?;
        let known: &[&str] = match dt {
            DataType::Tracing => &[
                "version",
                "data_ttl",
                "group_key",
                "pipelines",
                "builtin_metrics",
                "derived_metrics",
            ],
            DataType::Logging | DataType::Rum => &[
                "version",
                "data_ttl",
                "group_dimensions",
                "builtin_metrics",
                "derived_metrics",
            ],
        };
        self.unknown_keys(path, obj, known);
        self.integer(join(path, "version"), Self::field(obj, "version"));
        let data_ttl = self.ttl(&join(path, "data_ttl"), Self::field(obj, "data_ttl"));
        let builtin_metrics = self.builtin_metrics(dt, path, Self::field(obj, "builtin_metrics"));
        self.derived_metrics(path, obj);
        let dimensions = match dt {
            DataType::Tracing => {
                let gk_path = join(path, "group_key");
                let gk = self.string(gk_path.clone(), Self::field(obj, "group_key"));
                if let Some(gk) = gk.filter(|gk| !gk.is_empty() && *gk != "trace_id") {
                    let d = Diagnostic::error(
                        gk_path,
                        format!("traces are grouped by trace_id, not {gk:?}"),
                    )
                    .with_hint("remove group_key or set it to \"trace_id\"");
                    self.error(d);
                }
                let pipelines =
                    self.pipelines(dt, &join(path, "pipelines"), Self::field(obj, "pipelines"));
                vec![Dimension::new(String::new(), pipelines)]
            }
            DataType::Logging | DataType::Rum => self.dimensions(dt, path, obj),
        };
        Some(Section {
            data_ttl,
            dimensions,
            builtin_metrics,
        })
    }

    /// A section's `data_ttl`. The reference keeps whole seconds (it truncates) and accepts a
    /// negative or sub-second TTL, after which it drops every packet of the section at ingest;
    /// under [`Compat::Reference`] so does this engine (`Some(ZERO)`, see [`Section::data_ttl`]).
    /// By default a fraction is rounded up by the engine and a negative TTL means the default
    /// (docs/protocol.md, "Deviations", D6 and D7). Either way with a warning.
    fn ttl(&mut self, path: &str, v: Option<&Value>) -> Option<Duration> {
        let reference = self.compat.is_reference();
        let ttl = match v? {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(ns), _) => Duration::from_nanos(ns),
                (None, Some(negative)) => {
                    let (ours, ttl) = if reference {
                        (
                            "every packet of this data type is dropped at ingest",
                            Some(Duration::ZERO),
                        )
                    } else {
                        ("the default TTL applies", None)
                    };
                    let d =
                        Diagnostic::warning(path, format!("data_ttl {negative} ns is negative"))
                            .with_behaviour(
                                "accepts it, then drops every packet of this data type at ingest",
                                ours,
                            )
                            .with_hint("write a positive duration, e.g. 300000000000 (5m)")
                            .into_defect();
                    self.diags.push(d);
                    return ttl;
                }
                (None, None) => {
                    let d = Diagnostic::error(
                        path,
                        format!("expected an integer of nanoseconds, found {n}"),
                    )
                    .with_hint("write a duration string such as \"5m\", or integer nanoseconds");
                    self.error(d);
                    return None;
                }
            },
            Value::String(s) if s.is_empty() => Duration::ZERO,
            Value::String(s) => match parse_go_duration(s) {
                Ok(d) => d,
                Err(msg) => {
                    self.error(
                        Diagnostic::error(path, msg)
                            .with_hint("use Go duration syntax, e.g. \"300ms\", \"1m30s\", \"2h\""),
                    );
                    return None;
                }
            },
            other => {
                let msg = format!(
                    "expected a duration string or integer nanoseconds, found {}",
                    json_type(other)
                );
                self.error(Diagnostic::error(path, msg));
                return None;
            }
        };
        if ttl.is_zero() {
            return None;
        }
        if ttl > MAX_TTL {
            self.warn(
                path.to_string(),
                format!(
                    "data_ttl {}s is over the 3599 s maximum; clamped to 3599 s",
                    ttl.as_secs()
                ),
                Some("use a TTL under 1h"),
            );
            return Some(MAX_TTL);
        }
        if ttl.subsec_nanos() > 0 {
            let whole = Duration::from_secs(ttl.as_secs());
            let (ours, kept) = match (reference, whole.is_zero()) {
                (true, true) => (
                    "every packet of this data type is dropped at ingest".to_string(),
                    Duration::ZERO,
                ),
                (true, false) => (format!("{} s", whole.as_secs()), whole),
                (false, _) => (format!("rounded up to {} s", ttl.as_secs() + 1), ttl),
            };
            let reference_does = if whole.is_zero() {
                "truncates it to 0 s, then drops every packet of this data type at ingest"
                    .to_string()
            } else {
                format!("truncates it to {} s", whole.as_secs())
            };
            let d = Diagnostic::warning(
                path,
                format!("data_ttl {ttl:?} is not a whole number of seconds"),
            )
            .with_behaviour(reference_does, ours)
            .with_hint("write a whole number of seconds, e.g. \"2s\"");
            // Under 1 s the reference refuses every packet: that never works.
            self.diags
                .push(if whole.is_zero() { d.into_defect() } else { d });
            return Some(kept);
        }
        Some(ttl)
    }

    fn builtin_metrics(&mut self, dt: DataType, path: &str, v: Option<&Value>) -> BuiltinMetrics {
        let path = join(path, "builtin_metrics");
        let mut set = BuiltinMetrics::all_of(dt);
        for (i, item) in self.array(&path, v).iter().enumerate() {
            let ipath = format!("{path}[{i}]");
            let Some(obj) = self.expect_object(&ipath, item) else {
                continue;
            };
            self.unknown_keys(&ipath, obj, &["name", "enabled"]);
            let Some(name) = self.string(join(&ipath, "name"), Self::field(obj, "name")) else {
                self.error(Diagnostic::error(
                    join(&ipath, "name"),
                    "missing metric name",
                ));
                continue;
            };
            let enabled = match Self::field(obj, "enabled") {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    let msg = format!("expected a bool, found {}", json_type(other));
                    self.error(Diagnostic::error(join(&ipath, "enabled"), msg));
                    continue;
                }
            };
            match BuiltinMetric::from_name(name).filter(|m| m.data_type() == dt) {
                Some(m) => set.set(m, enabled),
                None => {
                    let known: Vec<_> = BuiltinMetric::ALL
                        .into_iter()
                        .filter(|m| m.data_type() == dt)
                        .map(BuiltinMetric::name)
                        .collect();
                    let hint = format!("built-in metrics of {}: {}", dt.as_str(), known.join(", "));
                    self.warn(
                        join(&ipath, "name"),
                        format!("unknown built-in metric {name:?}, ignored"),
                        Some(&hint),
                    );
                }
            }
        }
        set
    }

    fn derived_metrics(&mut self, path: &str, obj: &Map<String, Value>) {
        let dpath = join(path, "derived_metrics");
        if !self
            .array(&dpath, Self::field(obj, "derived_metrics"))
            .is_empty()
        {
            let d = Diagnostic::error(dpath, "derived metrics are not supported yet")
                .with_hint("remove derived_metrics or leave it empty; the built-in metrics are always available");
            self.error(d);
        }
    }

    fn dimensions(&mut self, dt: DataType, path: &str, obj: &Map<String, Value>) -> Vec<Dimension> {
        let dpath = join(path, "group_dimensions");
        let mut dims: Vec<Dimension> = Vec::new();
        for (i, item) in self
            .array(&dpath, Self::field(obj, "group_dimensions"))
            .iter()
            .enumerate()
        {
            let ipath = format!("{dpath}[{i}]");
            let Some(obj) = self.expect_object(&ipath, item) else {
                continue;
            };
            self.unknown_keys(&ipath, obj, &["group_key", "pipelines", "derived_metrics"]);
            self.derived_metrics(&ipath, obj);
            let gk_path = join(&ipath, "group_key");
            let group_key = match self.string(gk_path.clone(), Self::field(obj, "group_key")) {
                Some(gk) if !gk.is_empty() => gk.to_string(),
                Some(_) | None => {
                    let d = Diagnostic::error(
                        gk_path.clone(),
                        "every group dimension needs a group_key",
                    )
                    .with_hint("set the tag the packets are grouped by, e.g. \"service\"");
                    self.error(d);
                    String::new()
                }
            };
            let pipelines = self.pipelines(
                dt,
                &join(&ipath, "pipelines"),
                Self::field(obj, "pipelines"),
            );
            if let Some(first) = dims
                .iter()
                .position(|d| !group_key.is_empty() && d.group_key == group_key)
            {
                self.warn(
                    gk_path,
                    format!("duplicate group_key {group_key:?}: packets use {dpath}[{first}], this dimension is never used"),
                    Some("merge the pipelines into one dimension"),
                );
            }
            dims.push(Dimension::new(group_key, pipelines));
        }
        dims
    }

    /// The pipelines of one dimension of `dt`.
    fn pipelines(&mut self, dt: DataType, path: &str, v: Option<&Value>) -> Vec<Pipeline> {
        if let Some(outline) = self.outline.as_deref_mut() {
            outline.dimension(dt);
        }
        let mut out = Vec::new();
        for (i, item) in self.array(path, v).iter().enumerate() {
            if let Some(p) = self.pipeline(&format!("{path}[{i}]"), item) {
                out.push(p);
            }
        }
        out
    }

    fn condition(&mut self, path: &str, src: Option<&str>) -> Option<Condition> {
        let compiled = Condition::compile_with(src.unwrap_or(""), self.compat);
        if self.outline.is_some() {
            self.compiled = Some(compiled.clone());
        }
        match compiled {
            Ok(c) => {
                for w in c.warnings() {
                    let mut d = Diagnostic::warning(path, w.message.clone())
                        .at(w.line, w.column)
                        .with_behaviour(w.reference.clone(), w.ours.clone());
                    d.hint.clone_from(&w.hint);
                    d.defect = w.defect;
                    self.diags.push(d);
                }
                Some(c)
            }
            Err(e) => {
                // The position goes into the diagnostic's location and the hint into its
                // hint, so neither is printed twice.
                let mut d = Diagnostic::error(path, e.message).at(e.line, e.column);
                d.hint = e.hint;
                self.error(d);
                None
            }
        }
    }

    fn pipeline(&mut self, path: &str, v: &Value) -> Option<Pipeline> {
        let obj = self.expect_object(path, v)?;
        self.unknown_keys(
            path,
            obj,
            &["name", "type", "condition", "action", "rate", "hash_keys"],
        );
        let name = self
            .string(join(path, "name"), Self::field(obj, "name"))
            .unwrap_or("")
            .to_string();
        let cond_path = join(path, "condition");
        let cond_src = self.string(cond_path.clone(), Self::field(obj, "condition"));
        for (i, key) in self
            .array(&join(path, "hash_keys"), Self::field(obj, "hash_keys"))
            .iter()
            .enumerate()
        {
            if !key.is_string() {
                let msg = format!("expected a string, found {}", json_type(key));
                self.error(Diagnostic::error(format!("{path}.hash_keys[{i}]"), msg));
            }
        }
        let type_path = join(path, "type");
        let (kind, rule) = match self.string(type_path.clone(), Self::field(obj, "type")) {
            Some("condition") => (
                Kind::Condition,
                self.condition_rule(path, obj, &cond_path, cond_src),
            ),
            Some("probabilistic") => {
                let (removed, rule) =
                    self.probabilistic_rule(path, obj, &name, &cond_path, cond_src);
                (Kind::Probabilistic { removed }, rule)
            }
            other => {
                let msg = match other {
                    Some(t) => format!("unknown pipeline type {t:?}"),
                    None => "a pipeline needs a type".to_string(),
                };
                self.error(
                    Diagnostic::error(type_path, msg)
                        .with_hint("use \"condition\" or \"probabilistic\""),
                );
                (Kind::Other, None)
            }
        };
        if let Some(outline) = self.outline.as_deref_mut() {
            // A condition the parser did not compile (under an unknown type or an invalid
            // rate) is compiled for the checker, without a diagnostic.
            let (condition, reported) = match self.compiled.take() {
                Some(compiled) => (compiled, true),
                None => (
                    Condition::compile_with(cond_src.unwrap_or(""), self.compat),
                    false,
                ),
            };
            outline.site(Site {
                path: path.to_string(),
                name: name.clone(),
                kind,
                condition,
                reported,
            });
        }
        Some(Pipeline {
            name,
            path: path.to_string(),
            rule: rule?,
        })
    }

    /// The rule of a condition pipeline (`None` if it has an error).
    fn condition_rule(
        &mut self,
        path: &str,
        obj: &Map<String, Value>,
        cond_path: &str,
        cond_src: Option<&str>,
    ) -> Option<Rule> {
        let action_path = join(path, "action");
        let action = match self.string(action_path.clone(), Self::field(obj, "action")) {
            Some("keep") => Some(Action::Keep),
            Some("drop") => Some(Action::Drop),
            other => {
                let msg = match other {
                    Some(a) => format!("unknown action {a:?}"),
                    None => "a condition pipeline needs an action".to_string(),
                };
                self.error(
                    Diagnostic::error(action_path, msg).with_hint("use \"keep\" or \"drop\""),
                );
                None
            }
        };
        if Self::field(obj, "rate").is_some() {
            self.warn(
                join(path, "rate"),
                "rate is ignored by condition pipelines",
                Some("remove it, or make this a probabilistic pipeline"),
            );
        }
        let condition = self.condition(cond_path, cond_src)?;
        if condition.is_empty() {
            self.warn(
                cond_path.to_string(),
                "a condition pipeline with an empty condition never matches",
                Some("write a condition such as { status = \"error\" }, or remove the pipeline"),
            );
        }
        Some(Rule::Condition {
            condition,
            action: action?,
        })
    }

    /// Whether a probabilistic pipeline is removed for its rate (<= 0; missing is 0), and its
    /// rule (`None` if removed or if it has an error).
    fn probabilistic_rule(
        &mut self,
        path: &str,
        obj: &Map<String, Value>,
        name: &str,
        cond_path: &str,
        cond_src: Option<&str>,
    ) -> (bool, Option<Rule>) {
        let rate_path = join(path, "rate");
        let rate = match Self::field(obj, "rate") {
            None => 0.0,
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::INFINITY),
            Some(other) => {
                let msg = format!("expected a number in [0, 1], found {}", json_type(other));
                self.error(Diagnostic::error(rate_path, msg));
                return (false, None);
            }
        };
        let removed = rate <= 0.0;
        if rate > 1.0 {
            self.error(
                Diagnostic::error(rate_path, format!("rate {rate} is over 1"))
                    .with_hint("a rate is a fraction in [0, 1], e.g. 0.1 keeps 10%"),
            );
            return (removed, None);
        }
        if Self::field(obj, "action").is_some() {
            self.warn(
                join(path, "action"),
                "action is ignored by probabilistic pipelines",
                Some("the sampled share is kept, the rest dropped"),
            );
        }
        let Some(condition) = self.condition(cond_path, cond_src) else {
            return (removed, None);
        };
        if removed {
            self.warn(
                rate_path,
                format!("probabilistic pipeline {name:?} has rate {rate} and is removed"),
                Some("a rate <= 0 keeps nothing; to drop, use a condition pipeline with action \"drop\""),
            );
            return (removed, None);
        }
        let condition = (!condition.is_empty()).then_some(condition);
        let rule = Rule::Probabilistic {
            condition,
            rate,
            threshold: sample_threshold(rate),
        };
        (removed, Some(rule))
    }
}
