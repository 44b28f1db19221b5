//! The parser: tokens → [`Program`]. A recursive-descent parser over the grammar below, with
//! bounded nesting and list sizes, and errors that say what was expected and how to fix it.
//!
//! ```text
//! program  = [ block ] { ";" [ block ] }
//! block    = "{" [ or ] { "," [ or ] } "}"
//! or       = and { ("OR" | "||") and }
//! and      = primary { ("AND" | "&&") primary }
//! primary  = "(" or ")" | operand cmp-op (value | name) | operand cmp-op re | name list-op list
//! operand  = name | value
//! name     = identifier | backquoted | dotted
//! value    = string | ["+" | "-"] number | true | false | nil
//! re       = "re" "(" string | backquoted ")"
//! list     = "[" [ (value | name) { "," (value | name) } ] "]"
//! cmp-op   = "=" | "!=" | "<" | "<=" | ">" | ">="
//! list-op  = "IN" | "NOTIN" | "MATCH" | "NOTMATCH"
//! ```
//!
//! The grammar accepts what the reference engine's grammar accepts there, including what the
//! reference then never evaluates to true: a dotted name, a name on the right of a comparison,
//! `re(...)` after an ordering ([`ExprKind::NeverTrue`]); a name inside an `IN` list is left
//! out of the list ([`Program::skipped`]); a leading empty statement is kept
//! ([`Program::leading_empty`]). The compiler turns each into a warning.

use super::ast::{
    Block, CmpOp, Compare, Expr, ExprKind, InList, Key, Literal, LiteralValue, MatchList,
    NeverTrue, NeverTrueWhy, Operand, Pattern, Program, RegexEq, Skipped, Span,
};
use super::error::FilterError;
use super::lexer::{Lexer, Number, Tok, Token};
use super::{MAX_DEPTH, MAX_LIST_LEN, MAX_SOURCE_LEN};

/// Parses a condition into its syntax tree, without compiling its regexes.
///
/// [`Condition::compile`](super::Condition::compile) parses and compiles; use this to inspect
/// a program's structure.
pub fn parse(src: &str) -> Result<Program, FilterError> {
    if src.len() > MAX_SOURCE_LEN {
        return Err(FilterError::at(
            src,
            0,
            format!(
                "the condition is {} bytes long; the limit is {MAX_SOURCE_LEN}",
                src.len()
            ),
        ));
    }
    let mut lexer = Lexer::new(src);
    let token = lexer.next_token()?;
    Parser {
        src,
        lexer,
        token,
        depth: 0,
        skipped: Vec::new(),
    }
    .program()
}

struct Parser<'s> {
    src: &'s str,
    lexer: Lexer<'s>,
    /// The current token (one token of lookahead).
    token: Token,
    /// Open parentheses around the current position.
    depth: usize,
    /// Names written inside `IN` lists, left out of them.
    skipped: Vec<Skipped>,
}

/// The left side of a comparison as written.
enum Lhs {
    Operand(Operand),
    /// A dotted name: the comparison never matches.
    Dotted(String),
}

/// The right side of a comparison as written, other than `re(...)`.
enum Rhs {
    Literal(Literal),
    /// A name (bare, backquoted or dotted): the comparison never matches.
    Name {
        text: String,
        dotted: bool,
    },
}

impl Parser<'_> {
    /// Moves to the next token, returning the current one.
    fn bump(&mut self) -> Result<Token, FilterError> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.token, next))
    }

    /// Consumes the current token if it is `tok`, else fails with "expected `what`".
    fn expect(&mut self, tok: &Tok, what: &str) -> Result<Token, FilterError> {
        if self.token.tok == *tok {
            self.bump()
        } else {
            Err(self.unexpected(what))
        }
    }

    /// "expected `what`, found <current token>", at the current token.
    fn unexpected(&self, what: &str) -> FilterError {
        self.error_at(
            self.token.span.start,
            format!("expected {what}, found {}", self.token.tok.describe()),
        )
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> FilterError {
        FilterError::at(self.src, offset, message)
    }

    fn program(mut self) -> Result<Program, FilterError> {
        let mut blocks = Vec::new();
        let mut leading_empty = None;
        let mut first = true;
        loop {
            match self.token.tok {
                Tok::Eof => {
                    return Ok(Program {
                        // Without blocks the program never matches anyway.
                        leading_empty: leading_empty.filter(|_| !blocks.is_empty()),
                        blocks,
                        skipped: self.skipped,
                    });
                }
                Tok::Semi => {
                    let semi = self.bump()?;
                    if first {
                        leading_empty = Some(semi.span);
                    }
                }
                Tok::LBrace => {
                    blocks.push(self.block()?);
                    if !matches!(self.token.tok, Tok::Semi | Tok::Eof) {
                        return Err(self
                            .unexpected("`;` after a block")
                            .hint("separate blocks with `;`, e.g. { a = 1 }; { b = 2 }"));
                    }
                }
                _ => {
                    return Err(self.unexpected("`{`").hint(
                        "a condition is one or more `{ ... }` blocks separated by `;`, \
                         e.g. { status = \"error\" }",
                    ));
                }
            }
            first = false;
        }
    }

    fn block(&mut self) -> Result<Block, FilterError> {
        let open = self.bump()?;
        let mut terms = Vec::new();
        loop {
            match self.token.tok {
                Tok::RBrace => {
                    let close = self.bump()?;
                    return Ok(Block {
                        terms,
                        span: open.span.to(close.span),
                    });
                }
                Tok::Comma => {
                    self.bump()?;
                }
                Tok::Eof => return Err(self.unexpected("`}` to close the block")),
                _ => {
                    terms.push(self.or()?);
                    if !matches!(self.token.tok, Tok::Comma | Tok::RBrace) {
                        return Err(self.unexpected("`,`, AND, OR or `}` after a comparison"));
                    }
                }
            }
        }
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        self.chain(&Tok::Or, Self::and, ExprKind::Or)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        self.chain(&Tok::And, Self::primary, ExprKind::And)
    }

    /// `item { sep item }`, as one `make` node if there are two items or more.
    fn chain(
        &mut self,
        sep: &Tok,
        item: fn(&mut Self) -> Result<Expr, FilterError>,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> Result<Expr, FilterError> {
        let first = item(self)?;
        if self.token.tok != *sep {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.token.tok == *sep {
            self.bump()?;
            items.push(item(self)?);
        }
        let span = items[0].span.to(items[items.len() - 1].span);
        Ok(Expr {
            kind: make(items),
            span,
        })
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        if self.token.tok != Tok::LParen {
            return self.comparison();
        }
        if self.depth == MAX_DEPTH {
            return Err(self
                .error_at(
                    self.token.span.start,
                    format!("parentheses are nested more than {MAX_DEPTH} levels deep"),
                )
                .hint("simplify the expression"));
        }
        self.depth += 1;
        let open = self.bump()?;
        let inner = self.or()?;
        let close = self.expect(&Tok::RParen, "`)`")?;
        self.depth -= 1;
        Ok(Expr {
            kind: ExprKind::Paren(Box::new(inner)),
            span: open.span.to(close.span),
        })
    }

    fn comparison(&mut self) -> Result<Expr, FilterError> {
        let start = self.token.span.start;
        let (lhs, lhs_span) = match &self.token.tok {
            Tok::Name(_) | Tok::Backquoted(_) => {
                let key = self.key()?;
                let span = key.span;
                (Lhs::Operand(Operand::Key(key)), span)
            }
            Tok::Dotted(_) => {
                let token = self.bump()?;
                let text = self.src[token.span.start..token.span.end].to_owned();
                (Lhs::Dotted(text), token.span)
            }
            Tok::Str(_)
            | Tok::Number(_)
            | Tok::Plus
            | Tok::Minus
            | Tok::True
            | Tok::False
            | Tok::Nil => {
                let literal = self.value()?;
                let span = literal.span;
                (Lhs::Operand(Operand::Literal(literal)), span)
            }
            _ => return Err(self.unexpected("a comparison such as `status = \"error\"`")),
        };
        let negated = matches!(self.token.tok, Tok::NotIn | Tok::NotMatch);
        match self.token.tok {
            Tok::Cmp(op) => {
                self.bump()?;
                if self.token.tok == Tok::Re {
                    return self.regex_eq(lhs, start, op);
                }
                let (rhs, rhs_span) = self.rhs()?;
                let span = lhs_span.to(rhs_span);
                let kind = match (lhs, rhs) {
                    (Lhs::Dotted(name), _) => self.never(span, NeverTrueWhy::DottedName(name)),
                    (_, Rhs::Name { text, dotted: true }) => {
                        self.never(span, NeverTrueWhy::DottedName(text))
                    }
                    (_, Rhs::Name { text, .. }) => self.never(span, NeverTrueWhy::KeyOnRight(text)),
                    (Lhs::Operand(lhs), Rhs::Literal(rhs)) => {
                        ExprKind::Compare(Compare { lhs, op, rhs })
                    }
                };
                Ok(Expr { kind, span })
            }
            Tok::In | Tok::NotIn | Tok::Match | Tok::NotMatch => {
                let op = self.bump()?;
                let key = match lhs {
                    Lhs::Operand(Operand::Key(key)) => Some(key),
                    Lhs::Dotted(_) => None,
                    Lhs::Operand(Operand::Literal(_)) => {
                        return Err(self
                            .error_at(
                                lhs_span.start,
                                format!("{} needs a key on its left", op.tok.describe()),
                            )
                            .hint("write the key first, e.g. `resource IN [\"/health\"]`"));
                    }
                };
                let is_match = matches!(op.tok, Tok::Match | Tok::NotMatch);
                let (values, close) = self.list(&op.tok, is_match)?;
                let span = lhs_span.to(close);
                let Some(key) = key else {
                    let name = self.src[lhs_span.start..lhs_span.end].to_owned();
                    let kind = self.never(span, NeverTrueWhy::DottedName(name));
                    return Ok(Expr { kind, span });
                };
                let kind = if is_match {
                    let patterns = values
                        .into_iter()
                        .map(|value| self.pattern_of(value))
                        .collect::<Result<_, _>>()?;
                    ExprKind::Match(MatchList {
                        key,
                        negated,
                        patterns,
                    })
                } else {
                    ExprKind::In(InList {
                        key,
                        negated,
                        values,
                    })
                };
                Ok(Expr { kind, span })
            }
            Tok::EqEq => Err(self
                .unexpected("a comparison operator")
                .hint("use `=` for equality")),
            _ => {
                Err(self
                    .unexpected("a comparison operator (= != < <= > >= IN NOTIN MATCH NOTMATCH)"))
            }
        }
    }

    /// The [`NeverTrue`] comparison written at `span`.
    fn never(&self, span: Span, why: NeverTrueWhy) -> ExprKind {
        ExprKind::NeverTrue(NeverTrue {
            text: self.src[span.start..span.end].to_owned(),
            why,
        })
    }

    /// `re("...")` after `lhs op` (the source of the comparison starts at `start`): `=` and
    /// `!=` make a [`RegexEq`]; an ordering, or a dotted name on the left, never matches.
    fn regex_eq(&mut self, lhs: Lhs, start: usize, op: CmpOp) -> Result<Expr, FilterError> {
        self.bump()?;
        self.expect(&Tok::LParen, "`(` after `re`")?;
        let string = self.bump()?;
        let pattern = match string.tok {
            Tok::Str(bytes) => self.pattern_of(Literal {
                value: LiteralValue::Str(bytes),
                span: string.span,
            })?,
            Tok::Backquoted(regex) => Pattern {
                regex,
                span: string.span,
            },
            tok => {
                return Err(self.error_at(
                    string.span.start,
                    format!("expected a string in `re(...)`, found {}", tok.describe()),
                ));
            }
        };
        let close = self.expect(&Tok::RParen, "`)` to close `re(`")?;
        let span = Span::new(start, close.span.end);
        let kind = match (lhs, op) {
            (Lhs::Dotted(name), _) => self.never(span, NeverTrueWhy::DottedName(name)),
            (Lhs::Operand(lhs), CmpOp::Eq | CmpOp::Ne) => ExprKind::RegexEq(RegexEq {
                lhs,
                negated: op == CmpOp::Ne,
                pattern,
            }),
            (Lhs::Operand(_), op) => self.never(span, NeverTrueWhy::RegexOrdering(op)),
        };
        Ok(Expr { kind, span })
    }

    /// The right side of a comparison: a literal, or a name (which never matches).
    fn rhs(&mut self) -> Result<(Rhs, Span), FilterError> {
        match &self.token.tok {
            Tok::Name(_) | Tok::Backquoted(_) | Tok::Dotted(_) => {
                let token = self.bump()?;
                let dotted = matches!(token.tok, Tok::Dotted(_));
                let text = self.src[token.span.start..token.span.end].to_owned();
                Ok((Rhs::Name { text, dotted }, token.span))
            }
            _ => {
                let literal = self.value()?;
                let span = literal.span;
                Ok((Rhs::Literal(literal), span))
            }
        }
    }

    fn key(&mut self) -> Result<Key, FilterError> {
        let token = self.bump()?;
        match token.tok {
            Tok::Name(name) | Tok::Backquoted(name) => Ok(Key {
                name,
                span: token.span,
            }),
            tok => Err(self.error_at(
                token.span.start,
                format!("expected a key, found {}", tok.describe()),
            )),
        }
    }

    /// A literal: string, signed number, bool or nil.
    fn value(&mut self) -> Result<Literal, FilterError> {
        let token = self.bump()?;
        let mut span = token.span;
        let value = match token.tok {
            Tok::Str(bytes) => LiteralValue::Str(bytes),
            Tok::Number(number) => number.into(),
            Tok::True => LiteralValue::Bool(true),
            Tok::False => LiteralValue::Bool(false),
            Tok::Nil => LiteralValue::Nil,
            Tok::Plus | Tok::Minus => {
                let negative = token.tok == Tok::Minus;
                let number = self.bump()?;
                let Tok::Number(n) = number.tok else {
                    return Err(self.error_at(
                        number.span.start,
                        format!(
                            "expected a number after the sign, found {}",
                            number.tok.describe()
                        ),
                    ));
                };
                span = span.to(number.span);
                match (negative, n) {
                    (false, n) => n.into(),
                    // The lexer yields non-negative ints only, so this cannot overflow.
                    (true, Number::Int(i)) => LiteralValue::Int(-i),
                    (true, Number::Float(f)) => LiteralValue::Float(-f),
                }
            }
            tok => {
                return Err(self.error_at(
                    token.span.start,
                    format!(
                        "expected a value (string, number, true, false or nil), found {}",
                        tok.describe()
                    ),
                ));
            }
        };
        Ok(Literal { value, span })
    }

    /// `[ value, ... ]` after the list operator `op`; returns the values and the span of `]`.
    /// In an `IN` list a name is left out (into `skipped`), as the reference does; a `MATCH`
    /// list takes strings only (the reference refuses anything else too).
    fn list(&mut self, op: &Tok, is_match: bool) -> Result<(Vec<Literal>, Span), FilterError> {
        self.expect(&Tok::LBracket, &format!("`[` after {}", op.describe()))?;
        let mut values = Vec::new();
        let mut len = 0;
        if self.token.tok != Tok::RBracket {
            loop {
                if len == MAX_LIST_LEN {
                    return Err(self.error_at(
                        self.token.span.start,
                        format!("the list has more than {MAX_LIST_LEN} elements"),
                    ));
                }
                len += 1;
                let name = matches!(
                    self.token.tok,
                    Tok::Name(_) | Tok::Backquoted(_) | Tok::Dotted(_)
                );
                if name && is_match {
                    return Err(self.unexpected("a regex, written as a string").hint(
                        "MATCH and NOTMATCH take regexes in quotes, e.g. `code MATCH [\"^5..$\"]`",
                    ));
                } else if name {
                    let token = self.bump()?;
                    self.skipped.push(Skipped {
                        text: self.src[token.span.start..token.span.end].to_owned(),
                        span: token.span,
                    });
                } else {
                    values.push(self.value()?);
                }
                if self.token.tok != Tok::Comma {
                    break;
                }
                self.bump()?;
            }
        }
        let close = self.expect(&Tok::RBracket, "`,` or `]`")?;
        Ok((values, close.span))
    }

    /// The regex a string literal holds.
    fn pattern_of(&self, literal: Literal) -> Result<Pattern, FilterError> {
        let LiteralValue::Str(bytes) = literal.value else {
            return Err(self
                .error_at(literal.span.start, "expected a regex, written as a string")
                .hint("MATCH and NOTMATCH take regexes, e.g. `code MATCH [\"^5..$\"]`"));
        };
        let regex = String::from_utf8(bytes)
            .map_err(|_| self.error_at(literal.span.start, "a regex must be valid UTF-8"))?;
        Ok(Pattern {
            regex,
            span: literal.span,
        })
    }
}

impl From<Number> for LiteralValue {
    fn from(number: Number) -> Self {
        match number {
            Number::Int(i) => LiteralValue::Int(i),
            Number::Float(f) => LiteralValue::Float(f),
        }
    }
}
