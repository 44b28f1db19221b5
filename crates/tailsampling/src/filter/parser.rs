//! The parser: tokens → [`Program`]. A recursive-descent parser over the grammar below, with
//! bounded nesting and list sizes, and errors that say what was expected and how to fix it.
//!
//! ```text
//! program  = [ block ] { ";" [ block ] }
//! block    = "{" [ term ] { "," [ term ] } "}"
//! term     = expr, not a bare operand
//! expr     = expr binop expr | "(" expr ")" | name list-op list | operand
//! binop    = "OR" | "||" | "AND" | "&&" | cmp-op | "+" | "-" | "*" | "/" | "%" | "^"
//! operand  = name | value | re | call | "*"
//! name     = identifier | backquoted | dotted | "identifier" "(" string ")"
//! value    = string | ["+" | "-"] number | true | false | nil
//! re       = "re" "(" string | backquoted ")"
//! call     = name "(" [ arg ] { "," [ arg ] } ")" { "." name "(" ... ")" }   arg = expr | list
//! list     = "[" [ (value | name) { "," (value | name) } ] "]"
//! cmp-op   = "=" | "!=" | "<" | "<=" | ">" | ">="
//! list-op  = "IN" | "NOTIN" | "MATCH" | "NOTMATCH"
//! ```
//!
//! `binop` binds, loosest first: OR, AND, the comparisons, `+ -`, `* / %`, `^`; each is
//! left-associative. This is the reference engine's expression grammar, so every condition it
//! accepts is accepted here. What it accepts but never evaluates to true becomes an
//! [`ExprKind::NeverTrue`]: a dotted name, a name or another non-value on the right of a
//! comparison, `re(...)` after an ordering, arithmetic, function calls, `*`, a parenthesised
//! operand, and `AND`/`OR` with an operand that is not a condition. A name inside an `IN` list
//! is left out of the list ([`Program::skipped`]); a leading empty statement is kept
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

/// An expression of the reference's grammar as parsed, before it becomes part of the tree.
/// Chains are flat (`a OR b OR c` is one node), so that no walk recurses along a chain.
enum Raw {
    /// A bare or backquoted name.
    Name(Key),
    /// A dotted name.
    Dotted(Span),
    Literal(Literal),
    /// `re(...)`, with the span of the whole call.
    Regex(Pattern, Span),
    /// A function call or `*`: an operand that is neither a key nor a value.
    Other(Span),
    /// `key IN [...]` and the like, already in tree form.
    List(Expr),
    /// `( ... )`, with the span of the parentheses.
    Paren(Box<Raw>, Span),
    /// `lhs op rhs` between two operands.
    Compare(CmpOp, Box<Raw>, Box<Raw>),
    /// `a OR b OR ...` (`true`) or `a AND b AND ...` (`false`), left-associative.
    Chain(bool, Vec<Raw>),
    /// A binary expression the reference never evaluates to true: arithmetic, or a comparison
    /// with an expression as an operand.
    Never(Span, NeverTrueWhy),
}

#[derive(Clone, Copy, PartialEq)]
enum BinOp {
    Or,
    And,
    Cmp(CmpOp),
    Arith,
}

impl BinOp {
    /// Its precedence: the higher, the tighter it binds.
    fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Cmp(_) => 3,
            BinOp::Arith => 4,
        }
    }
}

impl Raw {
    fn span(&self) -> Span {
        match self {
            Raw::Name(key) => key.span,
            Raw::Literal(literal) => literal.span,
            Raw::Dotted(span)
            | Raw::Regex(_, span)
            | Raw::Other(span)
            | Raw::Paren(_, span)
            | Raw::Never(span, _) => *span,
            Raw::List(expr) => expr.span,
            Raw::Compare(_, lhs, rhs) => lhs.span().to(rhs.span()),
            Raw::Chain(_, items) => items[0].span().to(items[items.len() - 1].span()),
        }
    }

    /// Whether the reference can evaluate it as a condition (its `Evaluable`: a binary
    /// expression or parentheses).
    fn is_condition(&self) -> bool {
        !self.is_operand() || matches!(self, Raw::Paren(..))
    }

    /// Whether it is an operand rather than a binary expression.
    fn is_operand(&self) -> bool {
        matches!(
            self,
            Raw::Name(_)
                | Raw::Dotted(_)
                | Raw::Literal(_)
                | Raw::Regex(..)
                | Raw::Other(_)
                | Raw::Paren(..)
        )
    }
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

    /// "expected `what`, found `the current token`", at the current token.
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
                    terms.push(self.term()?);
                    if !matches!(self.token.tok, Tok::Comma | Tok::RBrace) {
                        return Err(self.unexpected("`,`, AND, OR or `}` after a comparison"));
                    }
                }
            }
        }
    }

    /// One comma-separated term of a block: an expression that is not a bare operand (the
    /// reference's grammar refuses those).
    fn term(&mut self) -> Result<Expr, FilterError> {
        let raw = self.expr(0)?;
        if !raw.is_condition() {
            return Err(
                self.unexpected("a comparison operator (= != < <= > >= IN NOTIN MATCH NOTMATCH)")
            );
        }
        Ok(self.condition(raw))
    }

    /// An expression whose operators bind tighter than `min` (precedence climbing). Only
    /// parentheses and calls recurse (bounded by [`MAX_DEPTH`]); the frames on that path are
    /// kept small.
    fn expr(&mut self, min: u8) -> Result<Raw, FilterError> {
        let mut lhs = self.operand()?;
        loop {
            let op = match self.token.tok {
                Tok::Or => BinOp::Or,
                Tok::And => BinOp::And,
                Tok::Cmp(op) => BinOp::Cmp(op),
                Tok::Plus | Tok::Minus | Tok::Arith(_) => BinOp::Arith,
                Tok::EqEq => {
                    return Err(self
                        .unexpected("a comparison operator")
                        .hint("use `=` for equality"));
                }
                _ => return Ok(lhs),
            };
            if op.precedence() <= min {
                return Ok(lhs);
            }
            let op_token = self.bump()?;
            if !matches!(op, BinOp::Or | BinOp::And) && !self.starts_operand() {
                return Err(self.unexpected("a value (string, number, true, false or nil)"));
            }
            let rhs = self.expr(op.precedence())?;
            lhs = self.combine(op, &op_token, lhs, rhs)?;
        }
    }

    /// `lhs op rhs`, `op` written as `op_token`.
    fn combine(&self, op: BinOp, op_token: &Token, lhs: Raw, rhs: Raw) -> Result<Raw, FilterError> {
        if let (Tok::Arith(b'/' | b'%'), Raw::Literal(literal)) = (&op_token.tok, &rhs) {
            let zero = match literal.value {
                LiteralValue::Int(i) => i == 0,
                LiteralValue::Float(f) => f == 0.0,
                _ => false,
            };
            if zero {
                return Err(self.error_at(op_token.span.start, "division or modulo by zero"));
            }
        }
        let span = lhs.span().to(rhs.span());
        Ok(match (op, lhs) {
            (BinOp::Or, Raw::Chain(true, mut items))
            | (BinOp::And, Raw::Chain(false, mut items)) => {
                items.push(rhs);
                Raw::Chain(op == BinOp::Or, items)
            }
            (BinOp::Or | BinOp::And, lhs) => Raw::Chain(op == BinOp::Or, vec![lhs, rhs]),
            (BinOp::Arith, _) => Raw::Never(span, NeverTrueWhy::Arithmetic),
            (BinOp::Cmp(op), lhs) if lhs.is_operand() && rhs.is_operand() => {
                Raw::Compare(op, Box::new(lhs), Box::new(rhs))
            }
            (BinOp::Cmp(_), lhs) => {
                let bad = if lhs.is_operand() { &rhs } else { &lhs };
                let text = self.text(bad.span()).to_owned();
                Raw::Never(span, NeverTrueWhy::NotAValue(text))
            }
        })
    }

    /// Enters one more level of nesting (parentheses, a call's arguments).
    fn nest(&mut self, at: usize) -> Result<(), FilterError> {
        if self.depth == MAX_DEPTH {
            return Err(self
                .error_at(
                    at,
                    format!("parentheses are nested more than {MAX_DEPTH} levels deep"),
                )
                .hint("simplify the expression"));
        }
        self.depth += 1;
        Ok(())
    }

    /// An operand: parentheses, a list test, a name, a call, a literal, `re(...)` or `*`.
    fn operand(&mut self) -> Result<Raw, FilterError> {
        if self.token.tok == Tok::LParen {
            self.paren()
        } else {
            self.leaf()
        }
    }

    /// Whether the current token can start an operand.
    fn starts_operand(&self) -> bool {
        matches!(
            self.token.tok,
            Tok::LParen
                | Tok::Re
                | Tok::Arith(b'*')
                | Tok::Name(_)
                | Tok::Backquoted(_)
                | Tok::Dotted(_)
                | Tok::IdentifierKw
                | Tok::Str(_)
                | Tok::Number(_)
                | Tok::Plus
                | Tok::Minus
                | Tok::True
                | Tok::False
                | Tok::Nil
        )
    }

    /// `( expr )`.
    fn paren(&mut self) -> Result<Raw, FilterError> {
        let start = self.token.span.start;
        self.nest(start)?;
        self.bump()?;
        let inner = Box::new(self.expr(0)?);
        let end = self.expect(&Tok::RParen, "`)`")?.span.end;
        self.depth -= 1;
        Ok(Raw::Paren(inner, Span::new(start, end)))
    }

    /// An operand other than parentheses.
    fn leaf(&mut self) -> Result<Raw, FilterError> {
        let start = self.token.span.start;
        match &self.token.tok {
            Tok::Re => self.regex(),
            Tok::Arith(b'*') => Ok(Raw::Other(self.bump()?.span)),
            Tok::Name(_) | Tok::Backquoted(_) | Tok::Dotted(_) | Tok::IdentifierKw => {
                let token = self.name()?;
                if matches!(
                    self.token.tok,
                    Tok::In | Tok::NotIn | Tok::Match | Tok::NotMatch
                ) {
                    return self.list_test(token);
                }
                match token.tok {
                    // The reference's function names include dotted ones (`a.b(x)`).
                    _ if self.token.tok == Tok::LParen => self.call(start),
                    Tok::Name(name) | Tok::Backquoted(name) => Ok(Raw::Name(Key {
                        name,
                        span: token.span,
                    })),
                    _ => Ok(Raw::Dotted(token.span)),
                }
            }
            Tok::Str(_)
            | Tok::Number(_)
            | Tok::Plus
            | Tok::Minus
            | Tok::True
            | Tok::False
            | Tok::Nil => {
                let literal = self.value()?;
                if let Tok::In | Tok::NotIn | Tok::Match | Tok::NotMatch = &self.token.tok {
                    return Err(self
                        .error_at(
                            literal.span.start,
                            format!("{} needs a key on its left", self.token.tok.describe()),
                        )
                        .hint("write the key first, e.g. `resource IN [\"/health\"]`"));
                }
                Ok(Raw::Literal(literal))
            }
            _ => Err(self.unexpected("a comparison such as `status = \"error\"`")),
        }
    }

    /// A name token: bare, backquoted or dotted, or `identifier("...")` (as a backquoted
    /// name spanning the whole call).
    fn name(&mut self) -> Result<Token, FilterError> {
        let token = self.bump()?;
        if token.tok != Tok::IdentifierKw {
            return Ok(token);
        }
        self.expect(&Tok::LParen, "`(` after `identifier`")?;
        let string = self.bump()?;
        let Tok::Str(bytes) = string.tok else {
            return Err(self.error_at(
                string.span.start,
                format!(
                    "expected a string in `identifier(...)`, found {}",
                    string.tok.describe()
                ),
            ));
        };
        let name = String::from_utf8(bytes)
            .map_err(|_| self.error_at(string.span.start, "a key name must be valid UTF-8"))?;
        let close = self.expect(&Tok::RParen, "`)` to close `identifier(`")?;
        Ok(Token {
            tok: Tok::Backquoted(name),
            span: token.span.to(close.span),
        })
    }

    /// `name(arg, ...)` from the `(` on, and the cascade after it (`f(x).g(y)`, as the
    /// reference's grammar has it); `start` is where the first name starts.
    fn call(&mut self, start: usize) -> Result<Raw, FilterError> {
        loop {
            self.nest(start)?;
            self.bump()?;
            // Arguments may be empty: `f(a, , b)` and `f(,)` parse in the reference.
            while self.token.tok != Tok::RParen {
                if self.token.tok == Tok::Comma {
                    self.bump()?;
                    continue;
                }
                if self.token.tok == Tok::LBracket {
                    self.bump()?;
                    self.list_items(false)?;
                } else {
                    self.expr(0)?;
                }
                if self.token.tok != Tok::Comma {
                    break;
                }
            }
            let close = self.expect(&Tok::RParen, "`,` or `)` in the call's arguments")?;
            self.depth -= 1;
            if self.token.tok != Tok::Dot {
                return Ok(Raw::Other(Span::new(start, close.span.end)));
            }
            self.bump()?;
            let name = self.bump()?;
            if !matches!(name.tok, Tok::Name(_) | Tok::Backquoted(_) | Tok::Dotted(_))
                || self.token.tok != Tok::LParen
            {
                return Err(self.error_at(
                    name.span.start,
                    "expected a function call after `.`, e.g. `f(x).g(y)`",
                ));
            }
        }
    }

    /// `key IN [...]` (and NOTIN, MATCH, NOTMATCH) after `key`.
    fn list_test(&mut self, key: Token) -> Result<Raw, FilterError> {
        let negated = matches!(self.token.tok, Tok::NotIn | Tok::NotMatch);
        let op = self.bump()?;
        let is_match = matches!(op.tok, Tok::Match | Tok::NotMatch);
        let (values, close) = self.list(&op.tok, is_match)?;
        let span = key.span.to(close);
        // A MATCH list takes strings whatever its key (the reference checks the list first).
        let patterns = if is_match {
            values
                .iter()
                .map(|value| self.pattern_of(value.clone()))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        let key = match key.tok {
            Tok::Name(name) | Tok::Backquoted(name) => Key {
                name,
                span: key.span,
            },
            _ => {
                let why = NeverTrueWhy::DottedName(self.text(key.span).to_owned());
                return Ok(Raw::List(self.never(span, why)));
            }
        };
        let kind = if is_match {
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
        Ok(Raw::List(Expr { kind, span }))
    }

    /// `re("...")` or `` re(`...`) ``.
    fn regex(&mut self) -> Result<Raw, FilterError> {
        let re = self.bump()?;
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
        Ok(Raw::Regex(pattern, re.span.to(close.span)))
    }

    fn text(&self, span: Span) -> &str {
        &self.src[span.start..span.end]
    }

    /// The [`NeverTrue`] expression written at `span`.
    fn never(&self, span: Span, why: NeverTrueWhy) -> Expr {
        Expr {
            kind: ExprKind::NeverTrue(NeverTrue {
                text: self.text(span).to_owned(),
                why,
            }),
            span,
        }
    }

    /// `raw` in a place where the reference evaluates a condition.
    fn condition(&self, raw: Raw) -> Expr {
        let span = raw.span();
        match raw {
            Raw::List(expr) => expr,
            Raw::Paren(inner, span) => Expr {
                kind: ExprKind::Paren(Box::new(self.condition(*inner))),
                span,
            },
            Raw::Chain(is_or, items) => self.chain(is_or, items, span),
            Raw::Compare(op, lhs, rhs) => self.comparison(op, *lhs, *rhs, span),
            Raw::Never(span, why) => self.never(span, why),
            // A bare operand inside parentheses.
            _ => self.never(span, NeverTrueWhy::NotACondition),
        }
    }

    /// `items[0] OP items[1] OP ...`, left-associative. In the reference an `AND` or `OR` with
    /// an operand that is not a condition is false: so is an `AND` chain holding one, and an
    /// `OR` chain up to its last such operand.
    fn chain(&self, is_or: bool, items: Vec<Raw>, span: Span) -> Expr {
        // The last operand (counted from the second) whose `AND`/`OR` node is false.
        let last_bad = items
            .iter()
            .enumerate()
            .filter(|(i, item)| !item.is_condition() || (*i == 1 && !items[0].is_condition()))
            .map(|(i, _)| i)
            .next_back();
        let Some(bad) = last_bad else {
            let items = items.into_iter().map(|item| self.condition(item)).collect();
            let kind = if is_or {
                ExprKind::Or(items)
            } else {
                ExprKind::And(items)
            };
            return Expr { kind, span };
        };
        if !is_or || bad == items.len() - 1 {
            return self.never(span, NeverTrueWhy::NotACondition);
        }
        let false_span = items[0].span().to(items[bad].span());
        let mut rest = vec![self.never(false_span, NeverTrueWhy::NotACondition)];
        rest.extend(
            items
                .into_iter()
                .skip(bad + 1)
                .map(|item| self.condition(item)),
        );
        Expr {
            kind: ExprKind::Or(rest),
            span,
        }
    }

    /// `lhs op rhs` at `span`.
    fn comparison(&self, op: CmpOp, lhs: Raw, rhs: Raw, span: Span) -> Expr {
        for side in [&lhs, &rhs] {
            if let Raw::Dotted(at) = side {
                return self.never(span, NeverTrueWhy::DottedName(self.text(*at).to_owned()));
            }
        }
        let lhs = match lhs {
            Raw::Name(key) => Operand::Key(key),
            Raw::Literal(literal) => Operand::Literal(literal),
            other => {
                let text = self.text(other.span()).to_owned();
                return self.never(span, NeverTrueWhy::NotAValue(text));
            }
        };
        let kind = match rhs {
            Raw::Literal(rhs) => ExprKind::Compare(Compare { lhs, op, rhs }),
            Raw::Regex(pattern, _) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                ExprKind::RegexEq(RegexEq {
                    lhs,
                    negated: op == CmpOp::Ne,
                    pattern,
                })
            }
            Raw::Regex(..) => return self.never(span, NeverTrueWhy::RegexOrdering(op)),
            Raw::Name(key) => {
                let text = self.text(key.span).to_owned();
                return self.never(span, NeverTrueWhy::KeyOnRight(text));
            }
            other => {
                let text = self.text(other.span()).to_owned();
                return self.never(span, NeverTrueWhy::NotAValue(text));
            }
        };
        Expr { kind, span }
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
    fn list(&mut self, op: &Tok, is_match: bool) -> Result<(Vec<Literal>, Span), FilterError> {
        self.expect(&Tok::LBracket, &format!("`[` after {}", op.describe()))?;
        self.list_items(is_match)
    }

    /// The elements of a list after its `[`, and the span of `]`. In an `IN` list (or a call's
    /// argument) a name is left out (into `skipped`), as the reference does; a `MATCH` list
    /// takes strings only (the reference refuses anything else too).
    fn list_items(&mut self, is_match: bool) -> Result<(Vec<Literal>, Span), FilterError> {
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
                    Tok::Name(_) | Tok::Backquoted(_) | Tok::Dotted(_) | Tok::IdentifierKw
                );
                if name && is_match {
                    return Err(self.unexpected("a regex, written as a string").hint(
                        "MATCH and NOTMATCH take regexes in quotes, e.g. `code MATCH [\"^5..$\"]`",
                    ));
                } else if name {
                    let token = self.name()?;
                    self.skipped.push(Skipped {
                        text: self.text(token.span).to_owned(),
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
