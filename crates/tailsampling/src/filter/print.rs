//! Canonical printing of the syntax tree: `Display` for [`Program`] and its nodes.
//!
//! The output parses back to the same tree (spans aside): keywords upper-case, strings in
//! double quotes with Go escapes, names bare when they can be and backquoted otherwise,
//! floats in Rust's shortest round-trip form (always with a `.` or an exponent).

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    Block, Compare, Expr, ExprKind, InList, Key, Literal, LiteralValue, MatchList, Operand,
    Pattern, Program, RegexEq,
};
use super::lexer::is_bare_name;

/// A leading empty statement is kept (`; { ... }`); names left out of lists are not.
impl Display for Program {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.leading_empty.is_some() {
            f.write_str("; ")?;
        }
        join(f, &self.blocks, "; ")
    }
}

impl Display for Block {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.terms.is_empty() {
            return f.write_str("{}");
        }
        f.write_str("{ ")?;
        join(f, &self.terms, ", ")?;
        f.write_str(" }")
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Or(items) => join(f, items, " OR "),
            ExprKind::And(items) => join(f, items, " AND "),
            ExprKind::Paren(inner) => write!(f, "({inner})"),
            ExprKind::Compare(compare) => compare.fmt(f),
            ExprKind::RegexEq(regex_eq) => regex_eq.fmt(f),
            ExprKind::In(list) => list.fmt(f),
            ExprKind::Match(list) => list.fmt(f),
            ExprKind::NeverTrue(never) => f.write_str(&never.text),
        }
    }
}

impl Display for Compare {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.lhs, self.op.as_str(), self.rhs)
    }
}

impl Display for RegexEq {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let op = if self.negated { "!=" } else { "=" };
        write!(f, "{} {op} re({})", self.lhs, self.pattern)
    }
}

impl Display for InList {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let op = if self.negated { "NOTIN" } else { "IN" };
        write!(f, "{} {op} [", self.key)?;
        join(f, &self.values, ", ")?;
        f.write_char(']')
    }
}

impl Display for MatchList {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let op = if self.negated { "NOTMATCH" } else { "MATCH" };
        write!(f, "{} {op} [", self.key)?;
        join(f, &self.patterns, ", ")?;
        f.write_char(']')
    }
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Key(key) => key.fmt(f),
            Operand::Literal(literal) => literal.fmt(f),
        }
    }
}

/// Bare if it can be, else in backquotes (a name containing a backquote cannot be written,
/// and the parser never produces one).
impl Display for Key {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if is_bare_name(&self.name) {
            f.write_str(&self.name)
        } else {
            write!(f, "`{}`", self.name)
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl Display for LiteralValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LiteralValue::Str(bytes) => write_quoted(f, bytes),
            LiteralValue::Int(i) => write!(f, "{i}"),
            // `{:?}` is the shortest form that parses back to the same value, and always has
            // a `.` or an exponent (`1.0`, `1e20`), so it lexes as a float; `inf`, `NaN`.
            LiteralValue::Float(x) => write!(f, "{x:?}"),
            LiteralValue::Bool(b) => write!(f, "{b}"),
            LiteralValue::Nil => f.write_str("nil"),
        }
    }
}

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_quoted(f, self.regex.as_bytes())
    }
}

fn join<T: Display>(f: &mut Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        item.fmt(f)?;
    }
    Ok(())
}

/// `bytes` as a double-quoted string with Go escapes: printable text as is, control
/// characters and invalid UTF-8 escaped.
fn write_quoted(f: &mut Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        for byte in chunk.invalid() {
            write!(f, "\\x{byte:02x}")?;
        }
    }
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use crate::filter::parse;

    fn canonical(src: &str) -> String {
        parse(src).unwrap().to_string()
    }

    #[test]
    fn prints_canonically() {
        for (src, printed) in [
            ("", ""),
            (";; # nothing\n", ""),
            ("{}", "{}"),
            ("{,}", "{}"),
            ("{a=1}", "{ a = 1 }"),
            (
                "{ a = 1,, b != 'x' };{c>=-2.5}",
                "{ a = 1, b != \"x\" }; { c >= -2.5 }",
            ),
            (
                "{a=1 and b=2 || c<3 && (d<=4 or e>5)}",
                "{ a = 1 AND b = 2 OR c < 3 AND (d <= 4 OR e > 5) }",
            ),
            (
                "{ x in [1, 'a', nil, 2.0] , y not_in [] }",
                "{ x IN [1, \"a\", nil, 2.0], y NOTIN [] }",
            ),
            (
                "{ x match ['^a', \"\\\\d+\"], y NotMatch [\"b\"] }",
                "{ x MATCH [\"^a\", \"\\\\d+\"], y NOTMATCH [\"b\"] }",
            ),
            ("{ x = RE(`^GET .+$`) }", "{ x = re(\"^GET .+$\") }"),
            (
                "{ `a.b` = true, `and` = FALSE, `my key` = NULL }",
                "{ `a.b` = true, `and` = false, `my key` = nil }",
            ),
            ("{ 1 = 1 }", "{ 1 = 1 }"),
            (
                "{ x = 0x10, y = 010, z = 1e20, w = -inf, v = nan }",
                "{ x = 16, y = 8, z = 1e20, w = -inf, v = NaN }",
            ),
            (
                "{ s = '\\x00\\xff\\u00e9\"\\n' }",
                "{ s = \"\\u0000\\xffé\\\"\\n\" }",
            ),
            // What never matches is printed as written; names in lists are left out.
            (
                "{ s = `raw`, a.b   IN [1],x>re('y') , k IN [1, n, `m`, 2] }",
                "{ s = `raw`, a.b   IN [1], x>re('y'), k IN [1, 2] }",
            ),
            (
                "; {x != RE('^a')};{y=1}",
                "; { x != re(\"^a\") }; { y = 1 }",
            ),
        ] {
            assert_eq!(canonical(src), printed, "{src}");
            assert_eq!(canonical(printed), printed, "{printed}");
        }
    }
}
