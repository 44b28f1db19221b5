//! Go `regexp` syntax → Rust `regex` syntax, so a pattern matches here what it matches in the
//! reference.
//!
//! Both are RE2 dialects and agree on almost everything. Where they differ in meaning:
//! - `\d \s \w` (and `\D \S \W`) are ASCII in Go, Unicode in Rust: spelled out as ASCII
//!   classes (which also keeps `\w{100}` small once compiled);
//! - `\b \B` are ASCII in Go: rewritten to `(?-u:\b)`, `(?-u:\B)`;
//! - inside a bracket class, `[` (other than a POSIX class such as `[:alpha:]`), `&` and `~`
//!   are literal in Go but start nested classes and set operations in Rust: escaped.
//!
//! What Go accepts and Rust does not (`\C`, `\Q...\E`) stays as is, and Rust rejects it: an
//! error at compile time, never a silent change of meaning.

/// The Rust spelling of the Go pattern `pattern`.
pub(crate) fn to_rust(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    let mut in_class = false;
    // At the first position of a class, where `]` is a literal.
    let mut class_start = false;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                let Some(escaped) = rest.chars().next() else {
                    out.push('\\');
                    break;
                };
                rest = &rest[escaped.len_utf8()..];
                match (escaped, ascii_class(escaped)) {
                    (_, Some(class)) => out.push_str(class),
                    ('b' | 'B', None) if !in_class => {
                        out.push_str("(?-u:\\");
                        out.push(escaped);
                        out.push(')');
                    }
                    _ => {
                        out.push('\\');
                        out.push(escaped);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if let Some(negated) = rest.strip_prefix('^') {
                    rest = negated;
                    out.push('^');
                }
            }
            ']' if in_class && !at_class_start => {
                in_class = false;
                out.push(']');
            }
            '[' => match posix_class_len(rest) {
                Some(len) => {
                    out.push('[');
                    out.push_str(&rest[..len]);
                    rest = &rest[len..];
                }
                None => out.push_str("\\["),
            },
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The ASCII class Go means by the Perl class `\c`, if `c` names one. Bracketed, so that it
/// also works inside a class (Rust nests classes).
fn ascii_class(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => "[\\t\\n\\f\\r ]",
        'S' => "[^\\t\\n\\f\\r ]",
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        _ => return None,
    })
}

/// If `rest` (just after a `[` inside a class) continues a POSIX class `[:name:]` or
/// `[:^name:]`, the length of `:name:]`.
fn posix_class_len(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix(':')?;
    let body = body.strip_prefix('^').unwrap_or(body);
    let name_len = body.bytes().take_while(u8::is_ascii_lowercase).count();
    (name_len > 0 && body[name_len..].starts_with(":]"))
        .then(|| rest.len() - body.len() + name_len + 2)
}

#[cfg(test)]
mod tests {
    use super::to_rust;

    #[test]
    fn rewrites_what_differs() {
        for (go, rust) in [
            (r"^[45][0-9][0-9]$", r"^[45][0-9][0-9]$"),
            (r"^\d+$", r"^[0-9]+$"),
            (
                r"\D\s\S\w\W",
                r"[^0-9][\t\n\f\r ][^\t\n\f\r ][0-9A-Za-z_][^0-9A-Za-z_]",
            ),
            (r"[\d.]", r"[[0-9].]"),
            (r"[^\w-]", r"[^[0-9A-Za-z_]-]"),
            (r"\bword\B", r"(?-u:\b)word(?-u:\B)"),
            (r"\\d", r"\\d"),
            (r"\.\pL\p{Greek}", r"\.\pL\p{Greek}"),
            (r"[[:alpha:]_]", r"[[:alpha:]_]"),
            (r"[[:^digit:]]", r"[[:^digit:]]"),
            (r"[[a]", r"[\[a]"),
            (r"[]a]", r"[]a]"),
            (r"[^]a]b]", r"[^]a]b]"),
            (r"[a&&b~~c]", r"[a\&\&b\~\~c]"),
            ("a&&b", "a&&b"),
            ("é[é]", "é[é]"),
            ("trailing\\", "trailing\\"),
        ] {
            assert_eq!(to_rust(go), rust, "{go}");
        }
    }

    #[test]
    fn matches_like_go() {
        let re = |go: &str| regex::bytes::Regex::new(&to_rust(go)).unwrap();
        assert!(!re(r"^\d$").is_match("٣".as_bytes())); // Arabic-Indic three: not a Go digit
        assert!(!re(r"^\w+$").is_match("é".as_bytes()));
        assert!(re(r"^\w+$").is_match(b"a_1"));
        assert!(re(r"^[[a]+$").is_match(b"[a["));
        assert!(re(r"[a&]").is_match(b"&"));
        assert!(re(r"\bé").is_match("xé".as_bytes())); // ASCII boundary between x and é
        assert!(re(r"^.$").is_match("é".as_bytes())); // `.` is one character, as in Go
    }
}
