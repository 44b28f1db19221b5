//! The lexer: source text → tokens with spans. Owns the spelling of the language: keywords
//! (case-insensitive), operators, identifiers, backquoted names, strings with Go escapes,
//! and Go's number syntax (as the reference lexer scans it and `strconv` parses it).

use super::ast::{CmpOp, Span};
use super::error::FilterError;

/// A token kind, with its value for names, strings and numbers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Semi,
    /// `.` before a name: only the reference's cascaded calls (`f(x).g(y)`) use it.
    Dot,
    Cmp(CmpOp),
    /// `==`, lexed only to be rejected with a hint.
    EqEq,
    And,
    Or,
    In,
    NotIn,
    Match,
    NotMatch,
    True,
    False,
    Nil,
    Re,
    Plus,
    Minus,
    /// `*`, `/`, `%` or `^`: arithmetic, which the reference's grammar parses and never
    /// evaluates to true (`+` and `-` are [`Tok::Plus`] and [`Tok::Minus`]).
    Arith(u8),
    /// `identifier`: the reference's `identifier("name")` writes a key name.
    IdentifierKw,
    /// A bare identifier that is not a keyword.
    Name(String),
    /// `` `...` ``: a key name (the string of `` re(`...`) ``).
    Backquoted(String),
    /// `a.b` (two or more bare names joined by dots): the reference reads an attribute access,
    /// which never matches.
    Dotted(String),
    /// `'...'` or `"..."`, unescaped.
    Str(Vec<u8>),
    /// An unsigned number (a sign is a separate token).
    Number(Number),
    Eof,
}

impl Tok {
    /// How the token is named in error messages.
    pub(crate) fn describe(&self) -> String {
        let fixed = match self {
            Tok::LBrace => "`{`",
            Tok::RBrace => "`}`",
            Tok::LParen => "`(`",
            Tok::RParen => "`)`",
            Tok::LBracket => "`[`",
            Tok::RBracket => "`]`",
            Tok::Comma => "`,`",
            Tok::Semi => "`;`",
            Tok::Dot => "`.`",
            Tok::Cmp(op) => return format!("`{}`", op.as_str()),
            Tok::EqEq => "`==`",
            Tok::And => "`AND`",
            Tok::Or => "`OR`",
            Tok::In => "`IN`",
            Tok::NotIn => "`NOTIN`",
            Tok::Match => "`MATCH`",
            Tok::NotMatch => "`NOTMATCH`",
            Tok::True => "`true`",
            Tok::False => "`false`",
            Tok::Nil => "`nil`",
            Tok::Re => "`re`",
            Tok::Plus => "`+`",
            Tok::Minus => "`-`",
            Tok::Arith(op) => return format!("`{}`", *op as char),
            Tok::IdentifierKw => "`identifier`",
            Tok::Name(name) => return format!("key name `{name}`"),
            Tok::Backquoted(name) => return format!("backquoted `{name}`"),
            Tok::Dotted(name) => return format!("dotted name `{name}`"),
            Tok::Str(_) => "a string",
            Tok::Number(_) => "a number",
            Tok::Eof => "end of input",
        };
        fixed.to_owned()
    }
}

/// A number as Go parses it: an integer if `strconv.ParseInt(s, 0, 64)` accepts it, else a
/// float if `strconv.ParseFloat` does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) span: Span,
}

/// What a word (`[A-Za-z_][A-Za-z0-9_]*`) is.
pub(crate) enum Word {
    Keyword(Tok),
    /// A keyword of the reference's query language that the condition language does not
    /// use; the reference rejects it as a name, so do we.
    Reserved,
    Name,
}

/// Words the reference lexer treats as keywords but the condition grammar never uses.
const RESERVED: [&str; 16] = [
    "as", "asc", "auto", "by", "desc", "filter", "float", "int", "limit", "link", "offset",
    "order", "slimit", "soffset", "tz", "with",
];

/// Classifies a word, case-insensitively.
pub(crate) fn classify_word(word: &str) -> Word {
    let lower = word.to_ascii_lowercase();
    let tok = match lower.as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "in" => Tok::In,
        "notin" | "not_in" => Tok::NotIn,
        "match" => Tok::Match,
        "notmatch" => Tok::NotMatch,
        "true" => Tok::True,
        "false" => Tok::False,
        "nil" | "null" => Tok::Nil,
        "re" => Tok::Re,
        "identifier" => Tok::IdentifierKw,
        "inf" => Tok::Number(Number::Float(f64::INFINITY)),
        "nan" => Tok::Number(Number::Float(f64::NAN)),
        other if RESERVED.contains(&other) => return Word::Reserved,
        _ => return Word::Name,
    };
    Word::Keyword(tok)
}

/// Whether `name` can be written bare: an identifier that is not a keyword or reserved word.
pub(crate) fn is_bare_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(is_word_start)
        && bytes.all(is_word_byte)
        && matches!(classify_word(name), Word::Name)
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

const ESCAPES_HINT: &str = "valid escapes are \\a \\b \\f \\n \\r \\t \\v \\\\, the quote itself, \
    \\x41, \\101, \\u00e9 and \\U0001F600; for a regex, double the backslash (\"\\\\d\") or, in \
    `re(...)`, use a backquoted string (re(`\\d`))";

/// Turns a source into tokens, one at a time.
pub(crate) struct Lexer<'s> {
    src: &'s str,
    pos: usize,
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + ahead).copied()
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> FilterError {
        FilterError::at(self.src, offset, message)
    }

    /// Skips whitespace (space, tab, CR, LF) and `#` comments.
    fn skip_trivia(&mut self) {
        while let Some(b) = self.peek(0) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'#' => {
                    let rest = &self.src[self.pos..];
                    self.pos += rest.find(['\n', '\r']).unwrap_or(rest.len());
                }
                _ => break,
            }
        }
    }

    /// The next token; [`Tok::Eof`] at the end, forever.
    pub(crate) fn next_token(&mut self) -> Result<Token, FilterError> {
        self.skip_trivia();
        let start = self.pos;
        let Some(b) = self.peek(0) else {
            return Ok(Token {
                tok: Tok::Eof,
                span: Span::new(start, start),
            });
        };
        let next = self.peek(1);
        let (tok, len) = match b {
            b'{' => (Tok::LBrace, 1),
            b'}' => (Tok::RBrace, 1),
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'[' => (Tok::LBracket, 1),
            b']' => (Tok::RBracket, 1),
            b',' => (Tok::Comma, 1),
            b'.' if next.is_some_and(is_word_start) => (Tok::Dot, 1),
            b';' => (Tok::Semi, 1),
            b'+' => (Tok::Plus, 1),
            b'-' => (Tok::Minus, 1),
            b'*' | b'/' | b'%' | b'^' => (Tok::Arith(b), 1),
            b'=' if next == Some(b'=') => (Tok::EqEq, 2),
            b'=' => (Tok::Cmp(CmpOp::Eq), 1),
            b'!' if next == Some(b'=') => (Tok::Cmp(CmpOp::Ne), 2),
            b'<' if next == Some(b'=') => (Tok::Cmp(CmpOp::Le), 2),
            b'<' if next == Some(b'>') => {
                return Err(self.error(start, "unexpected `<>`").hint("use `!=`"));
            }
            b'<' => (Tok::Cmp(CmpOp::Lt), 1),
            b'>' if next == Some(b'=') => (Tok::Cmp(CmpOp::Ge), 2),
            b'>' => (Tok::Cmp(CmpOp::Gt), 1),
            b'&' if next == Some(b'&') => (Tok::And, 2),
            b'|' if next == Some(b'|') => (Tok::Or, 2),
            b'"' | b'\'' => return self.string(b),
            b'`' => return self.backquoted(),
            b'0'..=b'9' => return self.number(),
            b if is_word_start(b) => return self.word(),
            _ => return Err(self.unexpected_char(start)),
        };
        self.pos += len;
        Ok(Token {
            tok,
            span: Span::new(start, self.pos),
        })
    }

    fn unexpected_char(&self, start: usize) -> FilterError {
        let c = self.src[start..].chars().next().unwrap_or_default();
        let error = self.error(start, format!("unexpected character `{c}`"));
        match c {
            '!' => error.hint("use `!=` for inequality, NOTIN or NOTMATCH for negated lists"),
            '&' => error.hint("use `&&` or AND"),
            // The reference lexes `.` before numbers: `.5` is a syntax error there too.
            '.' if self.peek(1).is_some_and(|b| b.is_ascii_digit()) => {
                error.hint("write a leading zero, e.g. 0.5")
            }
            '|' => error.hint("use `||` or OR"),
            c if !c.is_ascii() || c.is_alphanumeric() => error.hint(
                "write a key with other characters in backquotes, e.g. `my-key`, and quote strings",
            ),
            _ => error,
        }
    }

    /// A keyword, reserved word, name, or dotted name.
    fn word(&mut self) -> Result<Token, FilterError> {
        let start = self.pos;
        self.eat_while(is_word_byte);
        let word = &self.src[start..self.pos];

        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(is_word_start) {
            while self.peek(0) == Some(b'.') && self.peek(1).is_some_and(is_word_start) {
                self.pos += 1;
                self.eat_while(is_word_byte);
            }
            return Ok(Token {
                tok: Tok::Dotted(self.src[start..self.pos].to_owned()),
                span: Span::new(start, self.pos),
            });
        }

        let tok = match classify_word(word) {
            Word::Keyword(tok) => tok,
            Word::Name => Tok::Name(word.to_owned()),
            Word::Reserved => {
                return Err(self
                    .error(start, format!("`{word}` is a reserved word"))
                    .hint(format!("if it is a key, write it in backquotes: `{word}`")));
            }
        };
        Ok(Token {
            tok,
            span: Span::new(start, self.pos),
        })
    }

    /// `` `...` ``: raw text up to the next backquote, no escapes.
    fn backquoted(&mut self) -> Result<Token, FilterError> {
        let start = self.pos;
        let rest = &self.src[start + 1..];
        let Some(len) = rest.find('`') else {
            return Err(self
                .error(start, "unterminated backquoted name or string")
                .hint("close it with a backquote (`)"));
        };
        self.pos = start + 1 + len + 1;
        let text = rest[..len].to_owned();
        Ok(Token {
            tok: Tok::Backquoted(text),
            span: Span::new(start, self.pos),
        })
    }

    /// `'...'` or `"..."` with Go escapes; cannot span lines.
    fn string(&mut self, quote: u8) -> Result<Token, FilterError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.src[self.pos..].chars().next() else {
                return Err(self
                    .error(start, "unterminated string")
                    .hint(format!("close it with {}", quote as char)));
            };
            match c {
                '\n' => {
                    return Err(self
                        .error(start, "unterminated string: strings cannot span lines")
                        .hint("write a newline as \\n, or use a backquoted string"));
                }
                '\\' => self.escape(quote, &mut out)?,
                c => {
                    self.pos += c.len_utf8();
                    if c as u32 == u32::from(quote) {
                        break;
                    }
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        Ok(Token {
            tok: Tok::Str(out),
            span: Span::new(start, self.pos),
        })
    }

    /// One escape sequence, `self.pos` at the backslash.
    fn escape(&mut self, quote: u8, out: &mut Vec<u8>) -> Result<(), FilterError> {
        let start = self.pos;
        let Some(c) = self.src[start + 1..].chars().next() else {
            return Err(self.error(start, "unterminated escape sequence"));
        };
        self.pos = start + 1 + c.len_utf8();
        let byte = match c {
            'a' => 0x07,
            'b' => 0x08,
            'f' => 0x0c,
            'n' => b'\n',
            'r' => b'\r',
            't' => b'\t',
            'v' => 0x0b,
            '\\' => b'\\',
            c if c as u32 == u32::from(quote) => quote,
            '0'..='7' => {
                self.pos = start + 1;
                let value = self.escape_digits(start, 3, 8)?;
                u8::try_from(value).map_err(|_| {
                    self.error(start, format!("octal escape `\\{value:o}` is above \\377"))
                })?
            }
            'x' => self.escape_digits(start, 2, 16)? as u8,
            'u' | 'U' => {
                let value = self.escape_digits(start, if c == 'u' { 4 } else { 8 }, 16)?;
                let c = char::from_u32(value).ok_or_else(|| {
                    self.error(
                        start,
                        format!("escape `\\{c}{value:x}` is not a valid Unicode code point"),
                    )
                })?;
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                return Ok(());
            }
            c => {
                return Err(self
                    .error(start, format!("unknown escape sequence `\\{c}`"))
                    .hint(ESCAPES_HINT));
            }
        };
        out.push(byte);
        Ok(())
    }

    /// Exactly `n` digits of `radix` at `self.pos`, for the escape starting at `start`.
    fn escape_digits(&mut self, start: usize, n: usize, radix: u32) -> Result<u32, FilterError> {
        let digits = self
            .src
            .get(self.pos..self.pos + n)
            .filter(|digits| digits.chars().all(|c| c.is_digit(radix)));
        match digits.and_then(|digits| u32::from_str_radix(digits, radix).ok()) {
            Some(value) => {
                self.pos += n;
                Ok(value)
            }
            None => Err(self
                .error(
                    start,
                    format!("escape sequence needs {n} base-{radix} digits"),
                )
                .hint(ESCAPES_HINT)),
        }
    }

    /// A number, scanned as the reference does: `0x` + hex digits, or digits, an optional
    /// `.` + digits and an optional exponent; it must not run into a letter or digit.
    fn number(&mut self) -> Result<Token, FilterError> {
        let start = self.pos;
        let hex = self.peek(0) == Some(b'0') && matches!(self.peek(1), Some(b'x' | b'X'));
        let digit = if hex {
            self.pos += 2;
            |b: u8| b.is_ascii_hexdigit()
        } else {
            |b: u8| b.is_ascii_digit()
        };
        self.eat_while(digit);
        if self.peek(0) == Some(b'.') {
            self.pos += 1;
            self.eat_while(digit);
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.eat_while(|b| b.is_ascii_digit());
        }
        let run_on = self.peek(0).is_some_and(is_word_byte);
        self.eat_while(is_word_byte);
        let text = &self.src[start..self.pos];
        match parse_number(text).filter(|_| !run_on) {
            Some(number) => Ok(Token {
                tok: Tok::Number(number),
                span: Span::new(start, self.pos),
            }),
            None => Err(self.error(start, format!("invalid number `{text}`")).hint(
                "numbers are decimal (12, 1.5, 1e-3) or 0x hex; durations are not supported",
            )),
        }
    }

    fn eat_while(&mut self, pred: impl Fn(u8) -> bool) {
        while self.peek(0).is_some_and(&pred) {
            self.pos += 1;
        }
    }
}

/// Go's `strconv.ParseInt(text, 0, 64)`, falling back to `strconv.ParseFloat(text, 64)`, on
/// the characters the number scanner accepts. So `010` is the int 8 (octal), `08` and
/// `99999999999999999999` are floats, `0x1F` is 31 and an out-of-range hex or float is an
/// error.
fn parse_number(text: &str) -> Option<Number> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
            .then(|| i64::from_str_radix(hex, 16).ok())
            .flatten()
            .map(Number::Int);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let int = match text.strip_prefix('0') {
            Some(octal) if !octal.is_empty() => i64::from_str_radix(octal, 8),
            _ => text.parse(),
        };
        if let Ok(int) = int {
            return Some(Number::Int(int));
        }
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Number::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token().unwrap();
            if token.tok == Tok::Eof {
                return out;
            }
            out.push(token.tok);
        }
    }

    fn one(src: &str) -> Tok {
        let mut t = toks(src);
        assert_eq!(t.len(), 1, "{src}: {t:?}");
        t.remove(0)
    }

    fn err(src: &str) -> FilterError {
        let mut lexer = Lexer::new(src);
        loop {
            match lexer.next_token() {
                Err(e) => return e,
                Ok(t) if t.tok == Tok::Eof => panic!("{src}: no error"),
                Ok(_) => {}
            }
        }
    }

    #[test]
    fn numbers_follow_go() {
        for (s, i) in [
            ("0", 0),
            ("00", 0),
            ("42", 42),
            ("010", 8),
            ("0x1F", 31),
            ("0X1f", 31),
            ("9223372036854775807", i64::MAX),
        ] {
            assert_eq!(one(s), Tok::Number(Number::Int(i)), "{s}");
        }
        for (s, f) in [
            ("1.5", 1.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("1E+3", 1000.0),
            ("2.5e-1", 0.25),
            ("08", 8.0),
            ("9223372036854775808", 9223372036854775808.0),
            ("INF", f64::INFINITY),
        ] {
            assert_eq!(one(s), Tok::Number(Number::Float(f)), "{s}");
        }
        assert!(matches!(one("NaN"), Tok::Number(Number::Float(f)) if f.is_nan()));
        for bad in [
            "0x",
            "0x1.5",
            "1e",
            "1e400",
            "5m",
            "12abc",
            "0xFFFFFFFFFFFFFFFF",
            "1_000",
        ] {
            let e = err(bad);
            assert!(e.message.starts_with("invalid number"), "{bad}: {e}");
            assert_eq!(e.offset, 0);
        }
    }

    #[test]
    fn strings_unescape_like_go() {
        assert_eq!(one(r#""a\tb\n""#), Tok::Str(b"a\tb\n".to_vec()));
        assert_eq!(one(r#"'it\'s'"#), Tok::Str(b"it's".to_vec()));
        assert_eq!(one(r#"'say "hi"'"#), Tok::Str(b"say \"hi\"".to_vec()));
        assert_eq!(
            one(r#""\x41\101\u00e9\U0001F600""#),
            Tok::Str("AAé😀".into())
        );
        assert_eq!(one(r#""\xff\\""#), Tok::Str(vec![0xff, b'\\']));
        assert_eq!(one(r#""\a\b\f\v\r""#), Tok::Str(vec![7, 8, 12, 11, 13]));
        assert_eq!(one("\"日本\""), Tok::Str("日本".into()));
        assert_eq!(one("`a\\d\n`"), Tok::Backquoted("a\\d\n".into()));

        for (bad, offset) in [
            (r#""\d""#, 1),
            (r#""\'""#, 1),
            (r#"'\"'"#, 1),
            (r#""\400""#, 1),
            (r#""\x4""#, 1),
            (r#""\ud800""#, 1),
            (r#""\U00110000""#, 1),
            ("\"abc", 0),
            ("'a\nb'", 0),
            ("`abc", 0),
            ("\"\\", 1),
        ] {
            assert_eq!(err(bad).offset, offset, "{bad}");
        }
        assert!(err(r#""\d""#).hint.unwrap().contains("backquoted"));
    }

    #[test]
    fn keywords_are_case_insensitive() {
        assert_eq!(
            toks(
                "and AND && or Or || in NOTIN not_in Not_In match NotMatch TRUE false NIL null Re"
            ),
            vec![
                Tok::And,
                Tok::And,
                Tok::And,
                Tok::Or,
                Tok::Or,
                Tok::Or,
                Tok::In,
                Tok::NotIn,
                Tok::NotIn,
                Tok::NotIn,
                Tok::Match,
                Tok::NotMatch,
                Tok::True,
                Tok::False,
                Tok::Nil,
                Tok::Nil,
                Tok::Re,
            ]
        );
        assert_eq!(
            toks("_a1 status"),
            vec![Tok::Name("_a1".into()), Tok::Name("status".into())]
        );
        let e = err("limit");
        assert_eq!(e.message, "`limit` is a reserved word");
        assert!(is_bare_name("status") && is_bare_name("_x9"));
        for quoted in ["", "1a", "a-b", "and", "NULL", "limit", "é", "inf"] {
            assert!(!is_bare_name(quoted), "{quoted}");
        }
    }

    #[test]
    fn operators_and_trivia() {
        assert_eq!(
            toks("= != < <= > >= == , ; ( ) [ ] { } + - * / % ^ # comment\n=#x"),
            vec![
                Tok::Cmp(CmpOp::Eq),
                Tok::Cmp(CmpOp::Ne),
                Tok::Cmp(CmpOp::Lt),
                Tok::Cmp(CmpOp::Le),
                Tok::Cmp(CmpOp::Gt),
                Tok::Cmp(CmpOp::Ge),
                Tok::EqEq,
                Tok::Comma,
                Tok::Semi,
                Tok::LParen,
                Tok::RParen,
                Tok::LBracket,
                Tok::RBracket,
                Tok::LBrace,
                Tok::RBrace,
                Tok::Plus,
                Tok::Minus,
                Tok::Arith(b'*'),
                Tok::Arith(b'/'),
                Tok::Arith(b'%'),
                Tok::Arith(b'^'),
                Tok::Cmp(CmpOp::Eq),
            ]
        );
        for (bad, hint) in [
            ("<>", "!="),
            ("!", "!="),
            ("&", "&&"),
            (".5", "0.5"),
            ("|", "||"),
            ("é", "backquotes"),
        ] {
            assert!(err(bad).hint.unwrap().contains(hint), "{bad}");
        }
        assert_eq!(one("a.b.c"), Tok::Dotted("a.b.c".into()));
    }
}
