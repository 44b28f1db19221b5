//! The condition language (docs/protocol.md, "Conditions"): the filters of condition pipelines.
//!
//! `source → lexer → parser →` [`Program`] (the syntax tree, with spans, printable in
//! canonical form) `→` [`Condition`] (keys as slots, typed literals, compiled regexes) `→`
//! [`Condition::eval`] per point.
//!
//! ```text
//! { status = "error" }; { http_status_code MATCH ["^[45][0-9][0-9]$"] }
//! { parent_id = "0" AND duration > 1000000, resource NOTIN ["/health", nil] }
//! ```
//!
//! Blocks `{...}` separated by `;` are ORed; `,` inside a block ANDs; `AND`/`&&` binds tighter
//! than `OR`/`||`; parentheses group. Comparisons `= != < <= > >=` take a literal (string,
//! number, `true`/`false`, `nil`/`null`) or, for `=`, `re("...")`; lists `IN`, `NOTIN`
//! (`not_in`), `MATCH`, `NOTMATCH`. Keywords are case-insensitive; `#` starts a comment.
//!
//! Typing is strict: a tag or string field equals only a string, an int field only an int
//! literal, a float only a float (`=` within 1e-9), a bool only a bool; uint, bytes and any
//! fields equal no literal. A mismatch is false, `!=` included. A missing key is nil.
//! Regexes are Go `regexp` syntax, unanchored, compiled once.
//!
//! Everything the reference engine's grammar accepts here is accepted (a config is never
//! refused for a condition the reference takes), including what the reference then never
//! evaluates to true, or evaluates differently from this engine's default: booleans in lists
//! compare as booleans; a key name inside an `IN` list is left out; an invalid regex is dropped
//! from its `MATCH` list; a dotted bare name (`a.b`), a key name on the right
//! (`status = error`) and `re(...)` after an ordering never match; `!= re(...)`, a
//! parenthesised term directly in a block, `nil` after the first element of an `IN` list and a
//! leading empty statement evaluate as [`Compat`](crate::Compat) says (docs/protocol.md,
//! "Deviations"). Each of these leaves a [`FilterWarning`] on the compiled [`Condition`].

mod ast;
mod compile;
mod error;
mod eval;
mod go_regex;
mod lexer;
mod parser;
mod print;

pub use ast::{
    Block, CmpOp, Compare, Expr, ExprKind, InList, Key, Literal, LiteralValue, MatchList,
    NeverTrue, NeverTrueWhy, Operand, Pattern, Program, RegexEq, Skipped, Span,
};
pub use compile::Condition;
pub use error::{FilterError, FilterWarning};
pub use parser::parse;

/// The longest condition source accepted, in bytes.
pub const MAX_SOURCE_LEN: usize = 1 << 20;
/// The deepest nesting of parentheses accepted.
pub const MAX_DEPTH: usize = 256;
/// The most elements an `IN`/`NOTIN`/`MATCH`/`NOTMATCH` list may have.
pub const MAX_LIST_LEN: usize = 10_000;
/// The most regexes one condition may hold.
pub const MAX_REGEXES: usize = 256;
/// The compiled size limit of one regex, in bytes (`regex::RegexBuilder::size_limit`): enough
/// for `.{1000}`, the largest repetition Go accepts.
pub const REGEX_SIZE_LIMIT: usize = 2 << 20;
