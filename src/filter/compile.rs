//! [`Condition`]: a program compiled once for evaluation on every point. Lowers the syntax
//! tree: keys become slots, literals typed scalars and sorted sets, regexes (Go syntax)
//! size-limited `regex::bytes::Regex`es, comparisons with a literal on the left constants.

use std::collections::HashMap;

use regex::bytes::{Regex, RegexBuilder};

use super::ast::{Block, CmpOp, Expr, ExprKind, Key, LiteralValue, Operand, Pattern, Program};
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
        let _ = compat;
        let program = parse(src)?;
        let mut lowering = Lowering {
            src,
            slots: HashMap::new(),
            keys: Vec::new(),
            regexes: 0,
        };
        let blocks = program
            .blocks
            .iter()
            .map(|block| lowering.block(block))
            .collect::<Result<_, _>>()?;
        let keys = lowering.keys.into();
        Ok(Condition {
            source: src.into(),
            program,
            keys,
            blocks,
            warnings: Box::default(),
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
    slots: HashMap<&'a str, usize>,
    keys: Vec<Box<[u8]>>,
    regexes: usize,
}

impl<'a> Lowering<'a> {
    fn block(&mut self, block: &'a Block) -> Result<Node, FilterError> {
        Ok(Node::All(self.exprs(&block.terms)?))
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
                let regex = self.regex(&regex_eq.pattern)?;
                self.test(&regex_eq.lhs, Some(Test::Regex(regex)))
            }
            ExprKind::In(list) => Node::Test {
                slot: self.slot(&list.key),
                test: Test::In {
                    set: ValueSet::new(&list.values),
                    negated: list.negated,
                },
            },
            ExprKind::Match(list) => Node::Test {
                slot: self.slot(&list.key),
                test: Test::Match {
                    regexes: list
                        .patterns
                        .iter()
                        .map(|pattern| self.regex(pattern))
                        .collect::<Result<_, _>>()?,
                    negated: list.negated,
                },
            },
        })
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

    fn regex(&mut self, pattern: &Pattern) -> Result<Regex, FilterError> {
        let error = |message: String| FilterError::at(self.src, pattern.span.start, message);
        if self.regexes == MAX_REGEXES {
            return Err(error(format!(
                "more than {MAX_REGEXES} regexes in one condition"
            )));
        }
        self.regexes += 1;
        RegexBuilder::new(&go_regex::to_rust(&pattern.regex))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                let shown = excerpt(&pattern.regex);
                match e {
                    regex::Error::CompiledTooBig(limit) => error(format!(
                        "regex `{shown}` is too big: it compiles to more than {limit} bytes"
                    ))
                    .hint("simplify it; large counted repetitions such as `\\w{500}` are costly"),
                    regex::Error::Syntax(detail) => {
                        // The last line of a syntax error is the reason ("error: ...").
                        let reason = detail.lines().last().unwrap_or_default();
                        let reason = reason.strip_prefix("error: ").unwrap_or(reason);
                        error(format!("invalid regex `{shown}`: {reason}"))
                    }
                    other => error(format!("invalid regex `{shown}`: {other}")),
                }
            })
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
