//! The pipelines of a config document, read from its JSON tree tolerantly (whatever the config
//! parser rejects is skipped here: it already reported it), and the document order of every
//! JSON path, so findings from different passes can be merged in the order of the file.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::wire::DataType;

/// What kind of pipeline a site is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    /// `"type": "condition"`.
    Condition,
    /// `"type": "probabilistic"`; `removed` when its rate is <= 0 (the config drops it).
    Probabilistic { removed: bool },
    /// A missing or unknown type (an error of the config parser).
    Other,
}

/// One pipeline object of the document.
#[derive(Debug)]
pub(super) struct Site {
    /// Its JSON path, e.g. `trace.pipelines[2]`.
    pub(super) path: String,
    /// Its `name` (empty when missing or not a string).
    pub(super) name: String,
    pub(super) kind: Kind,
    /// Its `condition` (empty when missing, null or not a string, as the config parser treats it).
    pub(super) condition: String,
}

impl Site {
    /// Whether the engine would run this pipeline (given a valid config).
    pub(super) fn live(&self) -> bool {
        matches!(
            self.kind,
            Kind::Condition | Kind::Probabilistic { removed: false }
        )
    }

    /// The JSON path of its condition.
    pub(super) fn condition_path(&self) -> String {
        format!("{}.condition", self.path)
    }
}

/// The pipelines of one dimension (the trace pipelines, or one logging/rum group dimension),
/// in config order: the first matched decides.
#[derive(Debug)]
pub(super) struct Dimension {
    pub(super) data_type: DataType,
    pub(super) pipelines: Vec<Site>,
}

/// Every dimension of a document, in document order, and the rank of every JSON path.
#[derive(Debug, Default)]
pub(super) struct Outline {
    pub(super) dimensions: Vec<Dimension>,
    order: HashMap<String, usize>,
}

fn field<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn array<'v>(obj: &'v Map<String, Value>, key: &str) -> &'v [Value] {
    match field(obj, key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

fn string<'v>(obj: &'v Map<String, Value>, key: &str) -> &'v str {
    match field(obj, key) {
        Some(Value::String(s)) => s,
        _ => "",
    }
}

impl Outline {
    /// The outline of a parsed document.
    pub(super) fn of(doc: &Value) -> Outline {
        let mut outline = Outline::default();
        outline.rank_paths(String::new(), doc);
        let Value::Object(root) = doc else {
            return outline;
        };
        for (key, section) in root {
            let Some(data_type) = DataType::ALL.into_iter().find(|dt| dt.section_key() == key)
            else {
                continue;
            };
            let Value::Object(section) = section else {
                continue;
            };
            match data_type {
                DataType::Tracing => {
                    outline.dimension(data_type, &format!("{key}.pipelines"), section);
                }
                DataType::Logging | DataType::Rum => {
                    for (i, dim) in array(section, "group_dimensions").iter().enumerate() {
                        if let Value::Object(dim) = dim {
                            let path = format!("{key}.group_dimensions[{i}].pipelines");
                            outline.dimension(data_type, &path, dim);
                        }
                    }
                }
            }
        }
        outline
    }

    fn dimension(&mut self, data_type: DataType, path: &str, obj: &Map<String, Value>) {
        let pipelines = array(obj, "pipelines")
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Value::Object(p) => Some(Site {
                    path: format!("{path}[{i}]"),
                    name: string(p, "name").to_string(),
                    kind: match string(p, "type") {
                        "condition" => Kind::Condition,
                        "probabilistic" => Kind::Probabilistic {
                            // As the config parser: missing → 0 (removed); not a number is an
                            // error there, linted here as if live.
                            removed: match field(p, "rate") {
                                None => true,
                                Some(Value::Number(n)) => n.as_f64().is_some_and(|r| r <= 0.0),
                                Some(_) => false,
                            },
                        },
                        _ => Kind::Other,
                    },
                    condition: string(p, "condition").to_string(),
                }),
                _ => None,
            })
            .collect();
        self.dimensions.push(Dimension {
            data_type,
            pipelines,
        });
    }

    /// Numbers every path of the document in pre-order (a parent before its children).
    fn rank_paths(&mut self, path: String, v: &Value) {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            }
        };
        match v {
            Value::Object(obj) => {
                let children: Vec<_> = obj.iter().map(|(k, v)| (join(k), v)).collect();
                self.order.insert(path, self.order.len());
                for (child, v) in children {
                    self.rank_paths(child, v);
                }
            }
            Value::Array(items) => {
                let children: Vec<_> = (0..items.len()).map(|i| format!("{path}[{i}]")).collect();
                self.order.insert(path, self.order.len());
                for (child, v) in children.into_iter().zip(items) {
                    self.rank_paths(child, v);
                }
            }
            _ => {
                self.order.insert(path, self.order.len());
            }
        }
    }

    /// The document rank of `path`, or of its nearest ancestor in the document (a missing
    /// key ranks with the object that lacks it).
    pub(super) fn rank(&self, path: &str) -> usize {
        let mut path = path;
        loop {
            if let Some(&rank) = self.order.get(path) {
                return rank;
            }
            let cut = if path.ends_with(']') {
                path.rfind('[')
            } else {
                path.rfind('.')
            };
            match cut {
                Some(cut) => path = &path[..cut],
                None => return 0,
            }
        }
    }

    /// The pipeline whose path is `path` or contains it.
    pub(super) fn site_of(&self, path: &str) -> Option<&Site> {
        self.dimensions
            .iter()
            .flat_map(|d| &d.pipelines)
            .find(|site| {
                path.strip_prefix(site.path.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
    }
}
