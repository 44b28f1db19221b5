//! The parser: tokens → [`Program`]. A recursive-descent parser over the grammar below, with
//! bounded nesting and list sizes, and errors that say what was expected and how to fix it.
//!
//! ```text
//! program  = [ block ] { ";" [ block ] }
//! block    = "{" [ or ] { "," [ or ] } "}"
//! or       = and { ("OR" | "||") and }
//! and      = primary { ("AND" | "&&") primary }
//! primary  = "(" or ")" | operand cmp-op value | operand "=" re | key list-op list
//! operand  = key | value
//! key      = identifier | backquoted
//! value    = string | backquoted | ["+" | "-"] number | true | false | nil
//! re       = "re" "(" string | backquoted ")"
//! list     = "[" [ value { "," value } ] "]"
//! cmp-op   = "=" | "!=" | "<" | "<=" | ">" | ">="
//! list-op  = "IN" | "NOTIN" | "MATCH" | "NOTMATCH"
//! ```

use super::ast::{
    Block, CmpOp, Compare, Expr, ExprKind, InList, Key, Literal, LiteralValue, MatchList, Operand,
    Pattern, Program, RegexEq, Span,
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
        loop {
            match self.token.tok {
                Tok::Eof => return Ok(Program { blocks }),
                Tok::Semi => {
                    self.bump()?;
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
        let lhs = match &self.token.tok {
            Tok::Name(_) | Tok::Backquoted(_) => Operand::Key(self.key()?),
            Tok::Str(_)
            | Tok::Number(_)
            | Tok::Plus
            | Tok::Minus
            | Tok::True
            | Tok::False
            | Tok::Nil => Operand::Literal(self.value()?),
            _ => return Err(self.unexpected("a comparison such as `status = \"error\"`")),
        };
        let lhs_span = match &lhs {
            Operand::Key(key) => key.span,
            Operand::Literal(literal) => literal.span,
        };
        let negated = matches!(self.token.tok, Tok::NotIn | Tok::NotMatch);
        match self.token.tok {
            Tok::Cmp(op) => {
                let op_token = self.bump()?;
                if self.token.tok == Tok::Re {
                    return self.regex_eq(lhs, lhs_span, op, op_token.span);
                }
                let rhs = self.value()?;
                let span = lhs_span.to(rhs.span);
                Ok(Expr {
                    kind: ExprKind::Compare(Compare { lhs, op, rhs }),
                    span,
                })
            }
            Tok::In | Tok::NotIn | Tok::Match | Tok::NotMatch => {
                let op = self.bump()?;
                let Operand::Key(key) = lhs else {
                    return Err(self
                        .error_at(
                            lhs_span.start,
                            format!("{} needs a key on its left", op.tok.describe()),
                        )
                        .hint("write the key first, e.g. `resource IN [\"/health\"]`"));
                };
                let is_match = matches!(op.tok, Tok::Match | Tok::NotMatch);
                let (values, close) = self.list(&op.tok)?;
                let span = lhs_span.to(close);
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

    /// `re("...")` after `lhs op`; only `=` takes a regex.
    fn regex_eq(
        &mut self,
        lhs: Operand,
        lhs_span: Span,
        op: CmpOp,
        op_span: Span,
    ) -> Result<Expr, FilterError> {
        if op != CmpOp::Eq {
            let error = self.error_at(
                op_span.start,
                format!("`re(...)` cannot follow `{}`", op.as_str()),
            );
            return Err(if op == CmpOp::Ne {
                error.hint("`!= re(...)` is true for every string in the reference; for a negated match write `key NOTMATCH [\"...\"]`")
            } else {
                error.hint("only `= re(...)` is supported")
            });
        }
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
        let span = lhs_span.to(close.span);
        Ok(Expr {
            kind: ExprKind::RegexEq(RegexEq { lhs, pattern }),
            span,
        })
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

    /// A literal: string, backquoted raw string, signed number, bool or nil.
    fn value(&mut self) -> Result<Literal, FilterError> {
        let token = self.bump()?;
        let mut span = token.span;
        let value = match token.tok {
            Tok::Str(bytes) => LiteralValue::Str(bytes),
            Tok::Backquoted(text) => LiteralValue::Str(text.into_bytes()),
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
            Tok::Name(name) => {
                return Err(self
                    .error_at(
                        token.span.start,
                        format!("expected a value, found key name `{name}`"),
                    )
                    .hint(format!("to compare with the string, quote it: \"{name}\"")));
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
    fn list(&mut self, op: &Tok) -> Result<(Vec<Literal>, Span), FilterError> {
        self.expect(&Tok::LBracket, &format!("`[` after {}", op.describe()))?;
        let mut values = Vec::new();
        if self.token.tok != Tok::RBracket {
            loop {
                if values.len() == MAX_LIST_LEN {
                    return Err(self.error_at(
                        self.token.span.start,
                        format!("the list has more than {MAX_LIST_LEN} elements"),
                    ));
                }
                let value = self.value()?;
                if let LiteralValue::Bool(b) = value.value {
                    return Err(self
                        .error_at(value.span.start, "a list cannot hold booleans")
                        .hint(format!(
                            "compare with `=` instead, e.g. `key = {b}` (the reference ignores booleans in lists)"
                        )));
                }
                values.push(value);
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
