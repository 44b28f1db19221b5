//! The checks of one dimension's pipelines.
//!
//! Each condition's syntax tree is walked against the data type's declared fields, when there
//! are some (unknown keys; comparisons that strict typing makes never true), and for what needs
//! no schema (unanchored regexes, orderings against nil or booleans, blocks that compare only
//! literals; what the reference engine evaluates differently is the condition's own warning,
//! `Condition::warnings`). Then the dimension as a whole: pipelines unreachable after one
//! that matches everything, and duplicate names.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::anchor;
use super::report::Report;
use super::suggest;
use super::types::FieldType;
use crate::config::outline::{Dimension, Kind, Site};
use crate::config::Diagnostic;
use crate::filter::{
    Block, CmpOp, Compare, Condition, Expr, ExprKind, FilterError, InList, Key, Literal,
    LiteralValue, MatchList, Operand, Pattern, RegexEq, Span,
};
use crate::wire::DataType;

/// The declared fields of one data type.
type Table = BTreeMap<String, FieldType>;

/// Checks the pipelines of `dim` (whose data type declares `table`, if a schema was given),
/// adding findings and lineage to `report`.
pub(super) fn dimension(dim: &Dimension, table: Option<&Table>, report: &mut Report) {
    // The first pipeline that matches every group, and why it does.
    let mut match_all: Option<(&Site, &str)> = None;
    let mut names: HashMap<&str, &str> = HashMap::new();
    for site in &dim.pipelines {
        if !site.name.is_empty() {
            if let Some(first) = names.get(site.name.as_str()) {
                report.findings.push(
                    Diagnostic::warning(
                        format!("{}.name", site.path),
                        format!(
                            "duplicate pipeline name {:?}: {first} has it too",
                            site.name
                        ),
                    )
                    .with_hint(
                        "give each pipeline its own name: decision metrics are tagged with it",
                    ),
                );
            } else {
                names.insert(&site.name, &site.path);
            }
        }

        let path = site.condition_path();
        let condition = match &site.condition {
            Ok(condition) => condition,
            Err(e) => {
                // The config parser reported it where it compiled the condition.
                if !site.reported {
                    let mut d = Diagnostic::error(path, e.message.clone()).at(e.line, e.column);
                    d.hint = e.hint.clone();
                    report.findings.push(d);
                }
                continue;
            }
        };
        if !site.live() {
            continue;
        }
        if let Some((first, why)) = match_all {
            report.findings.push(
                Diagnostic::warning(
                    &site.path,
                    format!(
                        "unreachable: pipeline {:?} ({}) matches every group first: {why}",
                        first.name, first.path
                    ),
                )
                .with_hint(format!("move it before {}, or remove it", first.path)),
            );
        }

        let fields = condition.referenced_fields();
        if let Some(table) = table {
            let types = fields
                .iter()
                .map(|f| (f.clone(), table.get(f).copied()))
                .collect();
            report.field_types.insert(site.path.clone(), types);
        }
        report.referenced_fields.insert(site.path.clone(), fields);

        let mut lint = Lint {
            src: condition.source(),
            path,
            data_type: dim.data_type,
            table,
            unknown: HashSet::new(),
            findings: Vec::new(),
        };
        let mut always_true = false;
        for block in &condition.program().blocks {
            lint.block(block);
            always_true |= lint.constant(block) == Some(true);
        }
        report.findings.append(&mut lint.findings);

        if match_all.is_none() {
            let why = match site.kind {
                Kind::Probabilistic { .. } if condition.is_empty() => {
                    Some("a probabilistic pipeline without a condition matches every point")
                }
                _ if always_true => Some("its condition has a block that is always true"),
                _ => None,
            };
            match_all = why.map(|why| (site, why));
        }
    }
}

/// The checks of one condition.
struct Lint<'a> {
    src: &'a str,
    /// The JSON path of the condition.
    path: String,
    data_type: DataType,
    table: Option<&'a Table>,
    /// Unknown keys already reported (once per condition).
    unknown: HashSet<&'a str>,
    findings: Vec<Diagnostic>,
}

/// Under strict typing, whether a field of type `ty` can equal `value`.
pub(super) fn compatible(ty: FieldType, value: &LiteralValue) -> bool {
    match value {
        LiteralValue::Nil => true,
        LiteralValue::Str(_) => ty.is_string(),
        LiteralValue::Int(_) => ty == FieldType::Int,
        LiteralValue::Float(_) => ty == FieldType::Float,
        LiteralValue::Bool(_) => ty == FieldType::Bool,
    }
}

fn literal_kind(value: &LiteralValue) -> &'static str {
    match value {
        LiteralValue::Str(_) => "a string",
        LiteralValue::Int(_) => "an int",
        LiteralValue::Float(_) => "a float",
        LiteralValue::Bool(_) => "a bool",
        LiteralValue::Nil => "nil",
    }
}

/// What a field of type `ty` compares with.
fn rule(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Tag => "under strict typing a tag compares only with a string literal",
        FieldType::String => {
            "under strict typing a string field compares only with a string literal"
        }
        FieldType::Int => "under strict typing an int field compares only with an int literal",
        FieldType::Float => {
            "under strict typing a float field compares only with a float literal (`1.0`, not `1`)"
        }
        FieldType::Bool => "under strict typing a bool field compares only with true or false",
        FieldType::Uint => "under strict typing a uint field compares with no literal",
        FieldType::Bytes => "under strict typing a bytes field compares with no literal",
    }
}

/// The literal `value` (written `text`) rewritten so that `field op literal` compares as
/// meant on a field of type `ty` (`op` is `=` for list elements).
fn fix_literal(ty: FieldType, op: CmpOp, value: &LiteralValue, text: &str) -> Option<String> {
    let as_str = |s: &[u8]| std::str::from_utf8(s).ok().map(str::to_owned);
    match (ty, value) {
        (
            FieldType::Tag | FieldType::String,
            LiteralValue::Int(_) | LiteralValue::Float(_) | LiteralValue::Bool(_),
        ) => Some(format!("\"{text}\"")),
        (FieldType::Int, LiteralValue::Str(s)) => {
            as_str(s)?.parse::<i64>().ok().map(|i| i.to_string())
        }
        (FieldType::Int, LiteralValue::Float(f)) => {
            // On ints, `> 1.5` is `> 1` and `>= 1.5` is `>= 2`; `= 1.5` has no equivalent.
            let whole = match op {
                _ if f.fract() == 0.0 => *f,
                CmpOp::Gt | CmpOp::Le => f.floor(),
                CmpOp::Ge | CmpOp::Lt => f.ceil(),
                CmpOp::Eq | CmpOp::Ne => return None,
            };
            (whole.abs() < 9.2e18).then(|| format!("{}", whole as i64))
        }
        (FieldType::Float, LiteralValue::Int(i)) => Some(format!("{i}.0")),
        (FieldType::Float, LiteralValue::Str(s)) => as_str(s)?
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| format!("{f:?}")),
        (FieldType::Bool, LiteralValue::Str(s)) => {
            as_str(s).filter(|s| s == "true" || s == "false")
        }
        (FieldType::Bool, LiteralValue::Int(0)) => Some("false".into()),
        (FieldType::Bool, LiteralValue::Int(1)) => Some("true".into()),
        _ => None,
    }
}

impl<'a> Lint<'a> {
    /// The source of `span` (empty if it is not a valid range, which the parser never makes).
    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.start..span.end).unwrap_or_default()
    }

    fn push(&mut self, d: Diagnostic, offset: usize, hint: Option<String>) {
        // The same line and column (in characters) as the condition's syntax errors.
        let at = FilterError::at(self.src, offset, String::new());
        let mut d = d.at(at.line, at.column);
        d.hint = hint;
        self.findings.push(d);
    }

    fn error(&mut self, offset: usize, message: String, hint: Option<String>) {
        self.push(Diagnostic::error(&self.path, message), offset, hint);
    }

    fn warning(&mut self, offset: usize, message: String, hint: Option<String>) {
        self.push(Diagnostic::warning(&self.path, message), offset, hint);
    }

    fn block(&mut self, block: &'a Block) {
        for term in &block.terms {
            self.expr(term);
        }
    }

    /// The value of a block that reads no key (`{}`, `{ 1 = 1 }`), computed by the engine's
    /// own evaluator; a constant-false block is reported.
    fn constant(&mut self, block: &Block) -> Option<bool> {
        if block.terms.iter().any(reads_key) {
            return None;
        }
        let value = Condition::compile(self.text(block.span))
            .ok()?
            .eval(|_| None);
        if !value {
            self.warning(
                block.span.start,
                "this block never matches: it compares only literals and is always false".into(),
                Some("remove it, or compare a key of the point".into()),
            );
        }
        Some(value)
    }

    fn expr(&mut self, expr: &'a Expr) {
        match &expr.kind {
            ExprKind::Or(items) | ExprKind::And(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Compare(compare) => self.compare(expr, compare),
            ExprKind::RegexEq(regex_eq) => self.regex_eq(regex_eq),
            ExprKind::In(list) => self.in_list(list),
            ExprKind::Match(list) => self.match_list(list),
            // The condition's own warning says why it never matches.
            ExprKind::NeverTrue(_) => {}
        }
    }

    /// The declared type of `key`; an unknown key is reported (once) and has no type.
    fn field_type(&mut self, key: &'a Key) -> Option<FieldType> {
        let table = self.table?;
        if let Some(&ty) = table.get(&key.name) {
            return Some(ty);
        }
        if self.unknown.insert(&key.name) {
            let hint = suggest::closest(&key.name, table.keys().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"));
            self.error(
                key.span.start,
                format!(
                    "the {} schema has no field `{}`",
                    self.data_type.as_str(),
                    key.name
                ),
                hint,
            );
        }
        None
    }

    fn compare(&mut self, expr: &Expr, compare: &'a Compare) {
        let Operand::Key(key) = &compare.lhs else {
            return;
        };
        let text = self.text(expr.span);
        let ordering = !matches!(compare.op, CmpOp::Eq | CmpOp::Ne);
        if ordering {
            let (reason, hint) = match compare.rhs.value {
                LiteralValue::Nil => (
                    "nothing is ordered against nil",
                    format!(
                        "test presence with `{0} != nil`, absence with `{0} = nil`",
                        self.text(key.span)
                    ),
                ),
                LiteralValue::Bool(_) => (
                    "booleans are not ordered",
                    "compare booleans with `=` or `!=`".to_string(),
                ),
                _ => ("", String::new()),
            };
            if !reason.is_empty() {
                let message = format!("`{text}` is always false: {reason}");
                self.error(expr.span.start, message, Some(hint));
                return;
            }
        }
        let Some(ty) = self.field_type(key) else {
            return;
        };
        if ordering && ty == FieldType::Bool {
            self.error(
                expr.span.start,
                format!(
                    "`{text}` is always false: `{}` is a bool field and booleans are not ordered",
                    key.name
                ),
                Some("compare booleans with `=` or `!=`".into()),
            );
            return;
        }
        let rhs = &compare.rhs;
        if compatible(ty, &rhs.value) {
            return;
        }
        let literal = self.text(rhs.span);
        let verdict = if compare.op == CmpOp::Ne {
            format!("is true only where `{}` is missing", key.name)
        } else {
            "is never true".to_string()
        };
        let message = format!(
            "`{text}` {verdict}: `{}` is {} field and `{literal}` is {} literal; {}",
            key.name,
            ty.a(),
            literal_kind(&rhs.value),
            rule(ty)
        );
        let hint = match fix_literal(ty, compare.op, &rhs.value, literal) {
            Some(fixed) => Some(format!(
                "write `{} {} {fixed}`",
                self.text(key.span),
                compare.op.as_str()
            )),
            None => self.presence_hint(key, ty),
        };
        self.error(rhs.span.start, message, hint);
    }

    /// For fields no literal equals: how to test them at all.
    fn presence_hint(&self, key: &Key, ty: FieldType) -> Option<String> {
        matches!(ty, FieldType::Uint | FieldType::Bytes).then(|| {
            format!(
                "{} field can only be tested for presence: `{} != nil`",
                ty.a(),
                self.text(key.span)
            )
        })
    }

    /// Regexes on a field that is not a string never match.
    fn regex_on(&mut self, key: &'a Key, what: &str) {
        let Some(ty) = self.field_type(key) else {
            return;
        };
        if ty.is_string() {
            return;
        }
        let hint = match ty {
            FieldType::Int | FieldType::Float => {
                Some("compare numbers with `=`, `<`, `>` or `IN [...]`".to_string())
            }
            FieldType::Bool => Some(format!("write `{} = true`", self.text(key.span))),
            _ => self.presence_hint(key, ty),
        };
        self.error(
            key.span.start,
            format!(
                "{what} `{}`, {} field: regexes match only tags and strings",
                key.name,
                ty.a()
            ),
            hint,
        );
    }

    fn unanchored(&mut self, pattern: &Pattern) {
        if anchor::looks_like_full_match(&pattern.regex) {
            self.warning(
                pattern.span.start,
                format!(
                    "regex `{}` is not anchored: it matches anywhere inside the value, not \
                     only the whole value",
                    pattern.regex
                ),
                Some(format!(
                    "to match the whole value, anchor it: `{}`",
                    anchor::anchored(&pattern.regex)
                )),
            );
        }
    }

    fn regex_eq(&mut self, regex_eq: &'a RegexEq) {
        if let Operand::Key(key) = &regex_eq.lhs {
            self.regex_on(key, "`re(...)` never matches");
        }
        self.unanchored(&regex_eq.pattern);
    }

    fn match_list(&mut self, list: &'a MatchList) {
        let what = if list.negated {
            "`NOTMATCH` is always false for"
        } else {
            "`MATCH` never matches"
        };
        self.regex_on(&list.key, what);
        for pattern in &list.patterns {
            self.unanchored(pattern);
        }
    }

    fn in_list(&mut self, list: &'a InList) {
        let Some(ty) = self.field_type(&list.key) else {
            return;
        };
        let values: Vec<&Literal> = list
            .values
            .iter()
            .filter(|l| l.value != LiteralValue::Nil)
            .collect();
        let bad: Vec<&Literal> = values
            .iter()
            .copied()
            .filter(|l| !compatible(ty, &l.value))
            .collect();
        let Some(first) = bad.first() else {
            return;
        };
        let op = if list.negated { "NOTIN" } else { "IN" };
        let name = &list.key.name;
        let fixed: Option<Vec<String>> = list
            .values
            .iter()
            .map(|l| {
                let text = self.text(l.span);
                if compatible(ty, &l.value) {
                    Some(text.to_string())
                } else {
                    fix_literal(ty, CmpOp::Eq, &l.value, text)
                }
            })
            .collect();
        let hint = match fixed {
            Some(fixed) => Some(format!(
                "write `{} {op} [{}]`",
                self.text(list.key.span),
                fixed.join(", ")
            )),
            None => self.presence_hint(&list.key, ty),
        };
        let offset = first.span.start;
        if bad.len() == values.len() {
            let verdict = if list.negated {
                "excludes nothing, so it is true for every present value"
            } else {
                "never matches a present value"
            };
            let message = format!(
                "`{op}` {verdict}: no element of the list can equal `{name}`, {} field; {}",
                ty.a(),
                rule(ty)
            );
            self.error(offset, message, hint);
        } else {
            let shown: Vec<&str> = bad.iter().map(|l| self.text(l.span)).collect();
            let message = format!(
                "{} of the {} elements of the `{op}` list can never equal `{name}`, {} field: {}; {}",
                bad.len(),
                values.len(),
                ty.a(),
                shown.join(", "),
                rule(ty)
            );
            self.warning(offset, message, hint);
        }
    }
}

/// Whether the expression depends on the point.
fn reads_key(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Or(items) | ExprKind::And(items) => items.iter().any(reads_key),
        ExprKind::Paren(inner) => reads_key(inner),
        ExprKind::Compare(Compare { lhs, .. }) | ExprKind::RegexEq(RegexEq { lhs, .. }) => {
            matches!(lhs, Operand::Key(_))
        }
        // Not constant in the sense of `constant`: its own warning reports it.
        ExprKind::In(_) | ExprKind::Match(_) | ExprKind::NeverTrue(_) => true,
    }
}
