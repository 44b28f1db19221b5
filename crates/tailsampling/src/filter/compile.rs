//! [`Condition`]: a program compiled once for evaluation on every point. Lowers the syntax
//! tree: keys become slots, literals typed scalars and sorted sets, regexes (Go syntax)
//! size-limited `regex::bytes::Regex`es, comparisons with a literal on the left constants.
//!
//! The compatibility mode is applied here, and only here: where the reference engine
//! evaluates a construct differently from this engine's default (docs/protocol.md,
//! "Deviations"), the lowering picks one of the two, and every such construct, and every
//! construct that can never match, leaves a [`FilterWarning`] saying what each engine does.

use std::collections::HashMap;

use regex::bytes::{Regex, RegexBuilder};

use super::ast::{
    Block, CmpOp, Expr, ExprKind, InList, Key, LiteralValue, NeverTrueWhy, Operand, Pattern,
    Program, Span,
};
use super::error::{FilterError, FilterWarning};
use super::eval::{Node, Scalar, Test, ValueSet};
use super::{go_regex, parse, MAX_REGEXES, REGEX_SIZE_LIMIT};
use crate::compat::Compat;
use crate::wire::Value;

/// A compiled condition: parse once, evaluate per point without allocating.
///
/// ```
/// use tailsampling::filter::Condition;
/// use tailsampling::wire::Value;
///
/// let cond = Condition::compile(r#"{ status = "error" }; { duration > 1000000 }"#).unwrap();
/// assert!(cond.eval_fields(&[(b"status".as_slice(), Value::Tag(b"error"))]));
/// assert!(!cond.eval_fields(&[(b"duration".as_slice(), Value::Int(5))]));
/// ```
#[derive(Clone, Debug)]
pub struct Condition {
    source: Box<str>,
    program: Program,
    keys: Box<[Box<[u8]>]>,
    blocks: Box<[Node]>,
    warnings: Box<[FilterWarning]>,
}

impl Condition {
    /// Parses and compiles `src` in the default compatibility mode: syntax errors, invalid or
    /// oversized regexes and exceeded limits are errors with a position.
    pub fn compile(src: &str) -> Result<Condition, FilterError> {
        Self::compile_with(src, Compat::default())
    }

    /// Parses and compiles `src` to evaluate as `compat` says (docs/protocol.md,
    /// "Deviations"). Both modes accept the same sources.
    pub fn compile_with(src: &str, compat: Compat) -> Result<Condition, FilterError> {
        let program = parse(src)?;
        let mut lowering = Lowering {
            src,
            compat,
            slots: HashMap::new(),
            keys: Vec::new(),
            regexes: 0,
            warnings: Vec::new(),
        };
        let mut blocks = program
            .blocks
            .iter()
            .map(|block| lowering.block(block))
            .collect::<Result<Vec<_>, _>>()?;
        for skipped in &program.skipped {
            let name = skipped.text.trim_matches('`');
            let w = lowering
                .warning(
                    skipped.span.start,
                    format!(
                        "`{}` in a list is a key name, not a value: it is left out of the list",
                        skipped.text
                    ),
                    "leaves it out",
                    "leaves it out",
                )
                .hint(format!("to compare with the string, quote it: \"{name}\""))
                .defect();
            lowering.warnings.push(w);
        }
        if let Some(semi) = program.leading_empty {
            let ours = if compat.is_reference() {
                // Nothing is evaluated, so no key is read.
                blocks.clear();
                lowering.keys.clear();
                "never matches (compat: reference)"
            } else {
                "skips the empty statement and evaluates the blocks"
            };
            let w = lowering
                .warning(
                    semi.start,
                    "the condition starts with an empty statement (`;` before the first block)",
                    "never matches the whole condition",
                    ours,
                )
                .hint("remove the leading `;`");
            lowering.warnings.push(w);
        }
        let Lowering {
            keys, mut warnings, ..
        } = lowering;
        warnings.sort_by_key(|w| w.offset);
        Ok(Condition {
            source: src.into(),
            program,
            keys: keys.into(),
            blocks: blocks.into(),
            warnings: warnings.into(),
        })
    }

    /// Whether the program has no blocks at all (empty, blank, only `;` or comments): such a
    /// condition never matches.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// What the condition accepts but probably does not mean, and where it evaluates
    /// differently from the reference, in source order.
    pub fn warnings(&self) -> &[FilterWarning] {
        &self.warnings
    }

    /// The source it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The distinct keys the condition reads, in order of first appearance; the index of a
    /// key is its slot in [`eval`](Self::eval).
    pub fn keys(&self) -> &[Box<[u8]>] {
        &self.keys
    }

    /// The keys as strings (lossy for non-UTF-8, which the parser never produces): the
    /// fields this condition depends on.
    pub fn referenced_fields(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|key| String::from_utf8_lossy(key).into_owned())
            .collect()
    }

    /// Evaluates against one point. `lookup(i)` returns the value of the first field of the
    /// point whose key is `keys()[i]`, or `None` if there is none; it may be called more than
    /// once per key. Blocks are ORed, terms ANDed, both short-circuit; an empty condition is
    /// false. Does not allocate.
    pub fn eval<'v>(&self, mut lookup: impl FnMut(usize) -> Option<Value<'v>>) -> bool {
        self.blocks.iter().any(|block| block.eval(&mut lookup))
    }

    /// Evaluates against a point given as `(key, value)` pairs; the first pair with a key
    /// wins. For tests and tools: each lookup is a linear scan.
    pub fn eval_fields(&self, fields: &[(&[u8], Value<'_>)]) -> bool {
        self.eval(|slot| {
            let key = self.keys.get(slot)?;
            fields
                .iter()
                .find(|(k, _)| *k == &**key)
                .map(|&(_, value)| value)
        })
    }
}

/// The state of lowering one program.
struct Lowering<'a> {
    src: &'a str,
    compat: Compat,
    slots: HashMap<&'a str, usize>,
    keys: Vec<Box<[u8]>>,
    regexes: usize,
    warnings: Vec<FilterWarning>,
}

impl<'a> Lowering<'a> {
    /// A warning at `offset` (push it to `warnings`).
    fn warning(
        &self,
        offset: usize,
        message: impl Into<String>,
        reference: impl Into<String>,
        ours: impl Into<String>,
    ) -> FilterWarning {
        FilterWarning::at(self.src, offset, message, reference, ours)
    }

    /// The source text at `span`.
    fn text(&self, span: Span) -> &'a str {
        &self.src[span.start..span.end]
    }

    /// A block; in the reference engine a block with a parenthesised term among its
    /// comma-separated terms (or as its only term) is false.
    fn block(&mut self, block: &'a Block) -> Result<Node, FilterError> {
        let terms = self.exprs(&block.terms)?;
        let Some((paren, inner)) = block.terms.iter().find_map(|term| match &term.kind {
            ExprKind::Paren(inner) => Some((term, inner)),
            _ => None,
        }) else {
            return Ok(Node::All(terms));
        };
        let (node, ours) = if self.compat.is_reference() {
            (Node::Const(false), "the block is false (compat: reference)")
        } else {
            (Node::All(terms), "evaluates the block normally")
        };
        let hint = if block.terms.len() == 1 {
            format!(
                "remove the outer parentheses: `{{ {} }}`",
                self.text(inner.span)
            )
        } else {
            format!(
                "join it to a neighbouring term with AND, e.g. `... AND {}`",
                self.text(paren.span)
            )
        };
        let w = self
            .warning(
                paren.span.start,
                "a parenthesised term directly in a block (a block's terms are comparisons \
                 joined by `,`)",
                "the whole block is false",
                ours,
            )
            .hint(hint);
        self.warnings.push(w);
        Ok(node)
    }

    fn exprs(&mut self, exprs: &'a [Expr]) -> Result<Box<[Node]>, FilterError> {
        exprs.iter().map(|expr| self.expr(expr)).collect()
    }

    fn expr(&mut self, expr: &'a Expr) -> Result<Node, FilterError> {
        Ok(match &expr.kind {
            ExprKind::Or(items) => Node::Any(self.exprs(items)?),
            ExprKind::And(items) => Node::All(self.exprs(items)?),
            ExprKind::Paren(inner) => self.expr(inner)?,
            ExprKind::Compare(compare) => {
                self.test(&compare.lhs, compare_test(compare.op, &compare.rhs.value))
            }
            ExprKind::RegexEq(regex_eq) => {
                let test = self.regex_eq(expr, regex_eq.negated, &regex_eq.pattern)?;
                self.test(&regex_eq.lhs, test)
            }
            ExprKind::In(list) => Node::Test {
                slot: self.slot(&list.key),
                test: self.in_list(expr, list),
            },
            ExprKind::Match(list) => {
                let mut regexes = Vec::with_capacity(list.patterns.len());
                for pattern in &list.patterns {
                    match self.regex(pattern)? {
                        Ok(regex) => regexes.push(regex),
                        Err(reason) => {
                            let w = self
                                .warning(
                                    pattern.span.start,
                                    format!("{reason}: the list holds no such regex"),
                                    "drops the regex (a parse warning) and applies the others",
                                    "drops the regex and applies the others",
                                )
                                .defect();
                            self.warnings.push(w);
                        }
                    }
                }
                Node::Test {
                    slot: self.slot(&list.key),
                    test: Test::Match {
                        regexes: regexes.into(),
                        negated: list.negated,
                    },
                }
            }
            ExprKind::NeverTrue(never) => {
                let (message, hint) = match &never.why {
                    NeverTrueWhy::DottedName(name) => (
                        format!(
                            "`{name}` is not a key name (bare names cannot contain dots): \
                             `{}` never matches",
                            never.text
                        ),
                        format!(
                            "if the key really contains a dot, write it in backquotes: `{name}`"
                        ),
                    ),
                    NeverTrueWhy::KeyOnRight(name) => (
                        format!(
                            "`{name}` on the right is a key name, not a value: `{}` never matches",
                            never.text
                        ),
                        format!(
                            "to compare with the string, quote it: \"{}\"",
                            name.trim_matches('`')
                        ),
                    ),
                    NeverTrueWhy::RegexOrdering(op) => (
                        format!("`re(...)` after `{}` never matches", op.as_str()),
                        "only `=` and `!=` take a regex".to_owned(),
                    ),
                    NeverTrueWhy::NotAValue(operand) => (
                        format!(
                            "`{operand}` is neither a key nor a value: `{}` never matches",
                            never.text
                        ),
                        "compare a key with a literal, e.g. `duration > 1000000`".to_owned(),
                    ),
                    NeverTrueWhy::Arithmetic => (
                        format!("arithmetic never matches: `{}`", never.text),
                        "compute the value and write it as a literal, e.g. `duration > 1000000`"
                            .to_owned(),
                    ),
                    NeverTrueWhy::NotACondition => (
                        format!(
                            "`{}` joins or encloses something that is not a comparison: it never \
                             matches",
                            never.text
                        ),
                        "write a comparison on each side of AND and OR, e.g. `a = 1 AND b = 2`"
                            .to_owned(),
                    ),
                };
                let w = self
                    .warning(expr.span.start, message, "never true", "never true")
                    .hint(hint)
                    .defect();
                self.warnings.push(w);
                Node::Const(false)
            }
        })
    }

    /// `= re(r)` or, negated, `!= re(r)`; `None` when always false (an invalid regex).
    fn regex_eq(
        &mut self,
        expr: &Expr,
        negated: bool,
        pattern: &Pattern,
    ) -> Result<Option<Test>, FilterError> {
        let regex = self.regex(pattern)?;
        let reference = self.compat.is_reference();
        if negated {
            let ours = if reference {
                "true for every string and for a missing key (compat: reference)"
            } else {
                "true for a string the regex does not match, and for a missing key"
            };
            let w = self
                .warning(
                    expr.span.start,
                    "`!= re(...)` does not test the regex in the reference engine",
                    "true for every string and for a missing key",
                    ours,
                )
                .hint("for a negated match write `key NOTMATCH [\"...\"]`");
            self.warnings.push(w);
            if reference {
                return Ok(Some(Test::AnyStringOrMissing));
            }
        }
        match regex {
            Ok(regex) => Ok(Some(Test::Regex { regex, negated })),
            Err(reason) => {
                let w = self
                    .warning(
                        pattern.span.start,
                        format!("{reason}: the comparison never matches"),
                        "accepts the config with a parse warning and never matches (a present \
                         string key makes it fail at evaluation)",
                        "never true",
                    )
                    .defect();
                self.warnings.push(w);
                Ok(None)
            }
        }
    }

    /// `IN`/`NOTIN`: what a missing key gives differs between the modes when a nil is in the
    /// list but not first (the reference compares only the first element with nil).
    fn in_list(&mut self, expr: &Expr, list: &InList) -> Test {
        let set = ValueSet::new(&list.values);
        let any_nil = list.values.iter().any(|v| v.value == LiteralValue::Nil);
        let first_nil = list
            .values
            .first()
            .is_some_and(|v| v.value == LiteralValue::Nil);
        let if_missing = if list.negated {
            !any_nil
        } else if any_nil && !first_nil {
            let ours = if self.compat.is_reference() {
                "false for a missing key (compat: reference)"
            } else {
                "true for a missing key"
            };
            let w = self
                .warning(
                    expr.span.start,
                    "`nil` is in this IN list but not first: the reference compares only the \
                     first element with a missing key",
                    "false for a missing key",
                    ours,
                )
                .hint("write nil first, e.g. `key IN [nil, ...]`");
            self.warnings.push(w);
            !self.compat.is_reference()
        } else {
            first_nil
        };
        Test::In {
            set,
            negated: list.negated,
            if_missing,
        }
    }

    /// `test` (`None`: always false) applied to the left side. A literal on the left is a
    /// constant: it compares like a field of its type, except that nil equals only nil.
    fn test(&mut self, lhs: &'a Operand, test: Option<Test>) -> Node {
        match lhs {
            Operand::Key(key) => {
                let slot = self.slot(key);
                test.map_or(Node::Const(false), |test| Node::Test { slot, test })
            }
            Operand::Literal(literal) => {
                Node::Const(test.is_some_and(|test| match literal.value.as_value() {
                    Some(value) => test.eval(Some(value)),
                    None => matches!(test, Test::IsNil { negated: false }),
                }))
            }
        }
    }

    fn slot(&mut self, key: &'a Key) -> usize {
        *self.slots.entry(&key.name).or_insert_with(|| {
            self.keys.push(key.name.as_bytes().into());
            self.keys.len() - 1
        })
    }

    /// Compiles a regex: `Err` for the limits this engine sets (how many, how big), `Ok(Err)`
    /// with the reason for a regex that is invalid, which the reference accepts with a
    /// warning.
    fn regex(&mut self, pattern: &Pattern) -> Result<Result<Regex, String>, FilterError> {
        let error = |message: String| FilterError::at(self.src, pattern.span.start, message);
        if self.regexes == MAX_REGEXES {
            return Err(error(format!(
                "more than {MAX_REGEXES} regexes in one condition"
            )));
        }
        self.regexes += 1;
        let shown = excerpt(&pattern.regex);
        match RegexBuilder::new(&go_regex::to_rust(&pattern.regex))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
        {
            Ok(regex) => Ok(Ok(regex)),
            Err(regex::Error::CompiledTooBig(limit)) => Err(error(format!(
                "regex `{shown}` is too big: it compiles to more than {limit} bytes"
            ))
            .hint("simplify it; large counted repetitions such as `\\w{500}` are costly")),
            Err(regex::Error::Syntax(detail)) => {
                // The last line of a syntax error is the reason ("error: ...").
                let reason = detail.lines().last().unwrap_or_default();
                let reason = reason.strip_prefix("error: ").unwrap_or(reason);
                Ok(Err(format!("invalid regex `{shown}`: {reason}")))
            }
            Err(other) => Ok(Err(format!("invalid regex `{shown}`: {other}"))),
        }
    }
}

/// The test for `key op rhs`; `None` when it is always false (an ordering against nil).
fn compare_test(op: CmpOp, rhs: &LiteralValue) -> Option<Test> {
    let rhs = match rhs {
        LiteralValue::Nil => {
            return match op {
                CmpOp::Eq => Some(Test::IsNil { negated: false }),
                CmpOp::Ne => Some(Test::IsNil { negated: true }),
                _ => None,
            };
        }
        LiteralValue::Str(s) => Scalar::Str(s.as_slice().into()),
        LiteralValue::Int(i) => Scalar::Int(*i),
        LiteralValue::Float(f) => Scalar::Float(*f),
        LiteralValue::Bool(b) => Scalar::Bool(*b),
    };
    Some(Test::Compare { op, rhs })
}

/// The start of a long regex, for messages.
fn excerpt(regex: &str) -> String {
    const MAX: usize = 80;
    match regex.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &regex[..end]),
        None => regex.to_owned(),
    }
}
