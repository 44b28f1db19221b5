//! The syntax tree of a condition program, exactly as written: blocks, boolean structure
//! (including parentheses), comparisons and lists, every node with its source span.
//!
//! The tree is plain data, public so that tools (the rule checker, lineage) can walk it.
//! [`parse`](super::parse) builds it; its [`Display`](std::fmt::Display) prints it back in
//! canonical form (see `print.rs`); [`Condition`](super::Condition) compiles it.

use crate::wire::Value;

/// A half-open byte range `start..end` of the source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A whole condition: `{ ... }` blocks separated by `;`, ORed. Empty statements (`;;`) leave
/// no trace, except a leading one; a program without blocks never matches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// The blocks, in source order.
    pub blocks: Vec<Block>,
    /// The `;` of a leading empty statement (`; { ... }`), if the program starts with one. The
    /// reference engine never matches such a program; this engine skips the empty statement
    /// unless it runs under `compat: "reference"` (docs/protocol.md, "Deviations").
    pub leading_empty: Option<Span>,
    /// What the parser accepted and left out of the tree, as the reference does: list
    /// elements that are key names, in source order.
    pub skipped: Vec<Skipped>,
}

/// A list element the parser accepted and left out of its list, as the reference engine does:
/// a key name (bare, backquoted or dotted) inside `[...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The element as written.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// One `{ ... }` block: its terms are separated by `,` and ANDed. An empty block `{}` has no
/// terms and matches every point (as in the reference).
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The comma-separated terms (empty terms such as `{ a = 1,, }` leave no trace).
    pub terms: Vec<Expr>,
    /// From `{` to `}` inclusive.
    pub span: Span,
}

/// A boolean expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// The source it was parsed from.
    pub span: Span,
}

/// The kinds of boolean expression.
///
/// Precedence is OR < AND < comparison, and the parser keeps the user's parentheses as
/// [`ExprKind::Paren`]. So in a tree built by the parser an `Or` has at least two children,
/// none of them an `Or`; an `And` has at least two children, none of them an `Or` or `And`.
/// [`Display`](std::fmt::Display) relies on that shape and adds no parentheses of its own.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `a OR b OR ...` (also `or`, `||`).
    Or(Vec<Expr>),
    /// `a AND b AND ...` (also `and`, `&&`).
    And(Vec<Expr>),
    /// `( ... )`.
    Paren(Box<Expr>),
    /// `lhs op literal`.
    Compare(Compare),
    /// `lhs = re("...")` or `lhs != re("...")`.
    RegexEq(RegexEq),
    /// `key IN [...]` or `key NOTIN [...]`.
    In(InList),
    /// `key MATCH [...]` or `key NOTMATCH [...]`.
    Match(MatchList),
    /// An expression the reference engine accepts but can never evaluate to true (a dotted
    /// name, a key name on the right, `re(...)` after an ordering, arithmetic, a call, ...):
    /// false here too.
    NeverTrue(NeverTrue),
}

/// An expression that parses (because the reference engine parses it) and is never true.
#[derive(Clone, Debug, PartialEq)]
pub struct NeverTrue {
    /// The expression as written.
    pub text: String,
    /// Why it never matches, for the warning.
    pub why: NeverTrueWhy,
}

/// Why a [`NeverTrue`] comparison never matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NeverTrueWhy {
    /// A dotted name such as `a.b` (the reference reads an attribute access, which it cannot
    /// evaluate), on either side.
    DottedName(String),
    /// A key name (bare or backquoted) on the right, e.g. `status = error`: the reference
    /// reads a key there and cannot evaluate it.
    KeyOnRight(String),
    /// `re(...)` after `<`, `<=`, `>` or `>=`.
    RegexOrdering(CmpOp),
    /// An operand that is neither a key nor a value (a function call, `*`, parentheses, a
    /// nested comparison), as written.
    NotAValue(String),
    /// Arithmetic (`+ - * / % ^`) where a condition belongs.
    Arithmetic,
    /// `AND`/`OR` with an operand that is not a condition (`a AND b`), or parentheses around
    /// a bare operand (`(a)`).
    NotACondition,
}

/// A comparison with a literal: `status = "error"`, `duration > 1000`, `1 = 1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Compare {
    /// The left side: normally a key; a literal makes the comparison constant.
    pub lhs: Operand,
    /// The operator.
    pub op: CmpOp,
    /// The right side.
    pub rhs: Literal,
}

/// A regex equality `lhs = re("...")`: true if the string value matches (unanchored); or its
/// negation `lhs != re("...")` (docs/protocol.md, "Deviations": the reference answers true for
/// every string there). The orderings make a [`NeverTrue`].
#[derive(Clone, Debug, PartialEq)]
pub struct RegexEq {
    /// The left side: normally a key.
    pub lhs: Operand,
    /// `!=` rather than `=`.
    pub negated: bool,
    /// The regex.
    pub pattern: Pattern,
}

/// A list membership test: `key IN [v1, v2]`, `key NOTIN [v1, v2]`.
#[derive(Clone, Debug, PartialEq)]
pub struct InList {
    /// The key tested.
    pub key: Key,
    /// `NOTIN` (alias `not_in`) rather than `IN`.
    pub negated: bool,
    /// The list: strings, numbers, booleans and nil, in source order (key names written in
    /// the list are in [`Program::skipped`]).
    pub values: Vec<Literal>,
}

/// A regex list test: `key MATCH ["r1", "r2"]`, `key NOTMATCH ["r1", "r2"]`.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchList {
    /// The key tested.
    pub key: Key,
    /// `NOTMATCH` rather than `MATCH`.
    pub negated: bool,
    /// The regexes.
    pub patterns: Vec<Pattern>,
}

/// The left side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A key of the point.
    Key(Key),
    /// A literal: the comparison does not depend on the point.
    Literal(Literal),
}

/// A key name: a bare identifier `[A-Za-z_][A-Za-z0-9_]*` or any backquoted text.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The name, without backquotes.
    pub name: String,
    /// The source of the name, backquotes included.
    pub span: Span,
}

/// A literal value with its span (a sign belongs to the literal).
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// The value.
    pub value: LiteralValue,
    /// The source of the literal.
    pub span: Span,
}

/// The value of a literal.
#[derive(Clone, Debug, PartialEq)]
pub enum LiteralValue {
    /// `'..'`, `".."` (Go escapes) or, in value position, a raw `` `..` ``. Bytes, because
    /// `\xff` escapes may make it invalid UTF-8.
    Str(Vec<u8>),
    /// A number that Go's `strconv.ParseInt(s, 0, 64)` accepts: decimal, `0x` hex, or octal
    /// with a leading `0` (`010` is 8). The parser never produces `i64::MIN`.
    Int(i64),
    /// Any other number (`1.5`, `1e3`, `08`, `inf`, `nan`, decimal integers beyond `i64`).
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `nil` or `null`.
    Nil,
}

impl LiteralValue {
    /// The value this literal compares as, or `None` for nil.
    pub fn as_value(&self) -> Option<Value<'_>> {
        match self {
            LiteralValue::Str(s) => Some(Value::Str(s)),
            LiteralValue::Int(i) => Some(Value::Int(*i)),
            LiteralValue::Float(f) => Some(Value::Float(*f)),
            LiteralValue::Bool(b) => Some(Value::Bool(*b)),
            LiteralValue::Nil => None,
        }
    }
}

/// A regex, as written in `re(...)` or a `MATCH` list. It is compiled by
/// [`Condition::compile`](super::Condition::compile), not by the parser.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    /// The regex source, after string unescaping.
    pub regex: String,
    /// The source of the string literal holding it.
    pub span: Span,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}
