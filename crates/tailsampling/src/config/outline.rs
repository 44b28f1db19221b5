//! The [`Outline`] of a config document: what the rule checker needs beyond the diagnostics,
//! recorded by the config parser as it parses ([`Config::parse_with_outline`]), so the checker
//! neither parses the JSON again nor restates the parser's rules. It holds every pipeline
//! object (a [`Site`]: its JSON path, name, [`Kind`] and compiled condition), grouped by
//! dimension in the order the parser reads them, and the document order of every JSON path
//! the parser visited, so findings of different passes merge in the order of the file.
//!
//! [`Config::parse_with_outline`]: super::Config::parse_with_outline

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::parse::join;
use crate::filter::{Condition, FilterError};
use crate::wire::DataType;

/// What kind of pipeline a site is, as the config parser read its `type` (and `rate`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    /// `"type": "condition"`.
    Condition,
    /// `"type": "probabilistic"`; `removed` when its rate is <= 0 (missing counts as 0): the
    /// config drops it. A rate that is not a number (an error) counts as not removed.
    Probabilistic {
        /// Whether the parser removes the pipeline for its rate.
        removed: bool,
    },
    /// A missing or unknown type (an error of the config parser).
    Other,
}

/// One pipeline object of the document, whether the parser accepted it or not.
#[derive(Debug)]
pub(crate) struct Site {
    /// Its JSON path, e.g. `trace.pipelines[2]`.
    pub(crate) path: String,
    /// Its `name` (empty when missing or not a string).
    pub(crate) name: String,
    /// Its type.
    pub(crate) kind: Kind,
    /// Its `condition` compiled in the parser's compatibility mode (a missing, null or
    /// non-string condition is the empty condition, as the parser reads it).
    pub(crate) condition: Result<Condition, FilterError>,
    /// Whether the parser compiled the condition itself, and so reported its syntax error or
    /// warnings; it does not under an unknown type or an invalid rate.
    pub(crate) reported: bool,
}

impl Site {
    /// Whether the engine would run this pipeline (given a valid config).
    pub(crate) fn live(&self) -> bool {
        matches!(
            self.kind,
            Kind::Condition | Kind::Probabilistic { removed: false }
        )
    }

    /// The JSON path of its condition.
    pub(crate) fn condition_path(&self) -> String {
        format!("{}.condition", self.path)
    }
}

/// The pipelines of one dimension (the trace pipelines, or one logging/rum group dimension),
/// in config order: the first matched decides.
#[derive(Debug)]
pub(crate) struct Dimension {
    /// The data type whose section holds the dimension.
    pub(crate) data_type: DataType,
    /// Its pipeline objects, in document order.
    pub(crate) pipelines: Vec<Site>,
}

/// Every dimension of a document, and the document position of every JSON path the parser
/// visited.
///
/// A position is the index of each step from the root (key of an object in document order,
/// element of an array): ordered lexicographically, positions are the document's pre-order (a
/// parent before its children, siblings in document order).
#[derive(Debug, Default)]
pub(crate) struct Outline {
    /// Every dimension, in the order the parser reads the sections (trace, logging, rum).
    pub(crate) dimensions: Vec<Dimension>,
    /// The position of each key and element of the objects and arrays the parser visited,
    /// except keys with a `.` or `[`.
    order: HashMap<String, Box<[u32]>>,
    /// The position of each key with a `.` or `[` (never one the parser reads): such a key
    /// can spell the path of another value, and the parser never descends into it.
    spelled: HashMap<String, Box<[u32]>>,
}

impl Outline {
    /// Records the root of a document.
    pub(super) fn root(&mut self) {
        self.order.insert(String::new(), Box::new([]));
    }

    /// Records the position of each key of `obj`, the object at `path`.
    pub(super) fn object(&mut self, path: &str, obj: &Map<String, Value>) {
        let base = self.order.get(path).cloned().unwrap_or_default();
        for (i, key) in obj.keys().enumerate() {
            let at = child(&base, i);
            let key_path = join(path, key);
            if key.contains(['.', '[']) {
                // The later of two keys spelling one path holds it.
                let slot = self.spelled.entry(key_path).or_default();
                if *slot < at {
                    *slot = at;
                }
            } else {
                self.order.insert(key_path, at);
            }
        }
    }

    /// Records the position of each element of `items`, the array at `path`.
    pub(super) fn array(&mut self, path: &str, items: &[Value]) {
        let base = self.order.get(path).cloned().unwrap_or_default();
        for i in 0..items.len() {
            self.order.insert(format!("{path}[{i}]"), child(&base, i));
        }
    }

    /// Starts a dimension of `data_type`: the sites recorded next are its pipelines.
    pub(super) fn dimension(&mut self, data_type: DataType) {
        self.dimensions.push(Dimension {
            data_type,
            pipelines: Vec::new(),
        });
    }

    /// Adds a pipeline object to the current dimension.
    pub(super) fn site(&mut self, site: Site) {
        if let Some(dim) = self.dimensions.last_mut() {
            dim.pipelines.push(site);
        }
    }

    /// The document position of `path`, or of its nearest ancestor the parser visited (a
    /// missing key ranks with the object that lacks it). Sorting by it is document order.
    pub(crate) fn rank(&self, path: &str) -> &[u32] {
        let mut path = path;
        loop {
            // A path that a key also spells sorts with the later of the two.
            let rank = match (self.order.get(path), self.spelled.get(path)) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if let Some(rank) = rank {
                return rank;
            }
            let cut = if path.ends_with(']') {
                path.rfind('[')
            } else {
                path.rfind('.')
            };
            match cut {
                Some(cut) => path = &path[..cut],
                None => return &[],
            }
        }
    }

    /// The pipeline whose path is `path` or contains it.
    pub(crate) fn site_of(&self, path: &str) -> Option<&Site> {
        self.dimensions
            .iter()
            .flat_map(|d| &d.pipelines)
            .find(|site| {
                path.strip_prefix(site.path.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
    }
}

/// The position of the `i`th child of the value at `base`.
fn child(base: &[u32], i: usize) -> Box<[u32]> {
    let mut at = Vec::with_capacity(base.len() + 1);
    at.extend_from_slice(base);
    at.push(u32::try_from(i).unwrap_or(u32::MAX));
    at.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::Kind;
    use crate::config::Config;
    use crate::wire::DataType;

    #[test]
    fn sites_are_the_pipeline_objects_as_the_parser_read_them() {
        let (parsed, outline) = Config::parse_with_outline(
            br#"{"trace": {"pipelines": [
                {"name": "c", "type": "condition", "condition": "{ a = 1 }", "action": "keep"},
                {"name": "r", "type": "probabilistic", "rate": 0},
                {"name": "x", "type": "sample", "condition": "{ a = }"},
                {"name": "h", "type": "probabilistic", "rate": 2, "condition": "{ b = 1 }"},
                1]}}"#,
        );
        assert!(parsed.is_err());
        assert_eq!(outline.dimensions.len(), 1);
        assert_eq!(outline.dimensions[0].data_type, DataType::Tracing);
        let sites = &outline.dimensions[0].pipelines;
        let kinds: Vec<Kind> = sites.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Condition,
                Kind::Probabilistic { removed: true },
                Kind::Other,
                Kind::Probabilistic { removed: false },
            ]
        );
        let live: Vec<bool> = sites.iter().map(|s| s.live()).collect();
        assert_eq!(live, [true, false, false, true]);
        // The parser compiled (and reported) the first two conditions; the checker reports
        // the others' problems.
        let reported: Vec<bool> = sites.iter().map(|s| s.reported).collect();
        assert_eq!(reported, [true, true, false, false]);
        assert!(sites[2].condition.is_err());
        let source = sites[3].condition.as_ref().map(|c| c.source());
        assert_eq!(source, Ok("{ b = 1 }"));
        assert_eq!(sites[1].condition_path(), "trace.pipelines[1].condition");
    }

    #[test]
    fn ranks_follow_the_document_whatever_order_the_parser_reads_it_in() {
        let (_, outline) = Config::parse_with_outline(
            br#"{"trace": {"x": {"pipelines": [1]}, "pipelines": [{"type": "t", "name": "a"}],
                 "data_ttl": "1s"}, "version": 1}"#,
        );
        let rank = |path| outline.rank(path).to_vec();
        assert!(rank("") < rank("trace"));
        assert!(rank("trace.x") < rank("trace.pipelines[0].type"));
        assert!(rank("trace.pipelines[0].type") < rank("trace.pipelines[0].name"));
        assert!(rank("trace.pipelines[0].name") < rank("trace.data_ttl"));
        assert!(rank("trace.data_ttl") < rank("version"));
        // A missing key ranks with the object that lacks it.
        assert_eq!(
            rank("trace.pipelines[0].action"),
            rank("trace.pipelines[0]")
        );
        assert_eq!(
            outline
                .site_of("trace.pipelines[0].type")
                .map(|s| s.name.as_str()),
            Some("a")
        );
        assert!(outline.site_of("trace.x").is_none());
    }

    #[test]
    fn a_key_spelling_another_path_ranks_it_with_the_later_of_the_two() {
        let (_, outline) = Config::parse_with_outline(
            br#"{"trace": {"pipelines": [{"name": "a"}]}, "trace.pipelines": 1, "version": 1}"#,
        );
        let rank = |path| outline.rank(path).to_vec();
        assert!(rank("trace.pipelines") > rank("trace"));
        assert!(rank("trace.pipelines") < rank("version"));
        // The pipelines keep their place in the trace section.
        assert!(rank("trace.pipelines[0].name") < rank("trace.pipelines"));
    }

    #[test]
    fn invalid_json_has_an_empty_outline() {
        let (parsed, outline) = Config::parse_with_outline(b"{");
        assert!(parsed.is_err());
        assert!(outline.dimensions.is_empty());
        assert!(outline.rank("trace.pipelines[0]").is_empty());
    }
}
