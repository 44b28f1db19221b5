//! The unanchored-regex heuristic: does a `MATCH`/`NOTMATCH`/`re()` pattern (Go syntax,
//! matched anywhere in the value) look like it was meant to match the whole value?
//!
//! A pattern is flagged when all three hold:
//! 1. it has no anchor: no `^`, `$`, `\A`, `\z`, `\b` or `\B` outside a character class;
//! 2. it has no unbounded repetition (`*`, `+`, `{n,}`): "any length" parts mean the author
//!    is thinking of a substring (`error.*timeout`, `\d+`);
//! 3. it describes characters rather than spelling a word: it has a character class `[...]`,
//!    a `.`, or a class escape (`\d \D \w \W \s \S \pX`).
//!
//! So `5..`, `[45][0-9][0-9]`, `\d{3}` and `v[12]` are flagged; `timeout`, `GET|POST`,
//! `^5..$`, `.*5..` and `[0-9]+` are not.

/// Whether `regex` is flagged (see the module doc).
pub(super) fn looks_like_full_match(regex: &str) -> bool {
    let chars: Vec<char> = regex.chars().collect();
    let mut describes_characters = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '^' | '$' | '*' | '+' => return false,
            '\\' => match chars.get(i + 1) {
                Some('A' | 'z' | 'b' | 'B') => return false,
                Some('d' | 'D' | 'w' | 'W' | 's' | 'S' | 'p' | 'P') => {
                    describes_characters = true;
                }
                Some('Q') => {
                    // `\Q...\E` is literal text.
                    i = find(&chars, i + 2, &['\\', 'E']).map_or(chars.len(), |end| end + 2);
                    continue;
                }
                _ => {}
            },
            '[' => {
                describes_characters = true;
                i = class_end(&chars, i);
                continue;
            }
            '.' => describes_characters = true,
            '{' => {
                // `{n,}` is unbounded; `{n}` and `{n,m}` are not.
                if let Some(end) = find(&chars, i + 1, &['}']) {
                    let inner: String = chars[i + 1..end].iter().collect();
                    if inner.ends_with(',') && inner.len() > 1 {
                        return false;
                    }
                }
            }
            _ => {}
        }
        i += if c == '\\' { 2 } else { 1 };
    }
    describes_characters
}

/// `^regex$`, grouping a top-level alternation so that the anchors bind to all of it.
pub(super) fn anchored(regex: &str) -> String {
    if has_top_level_alternation(regex) {
        format!("^(?:{regex})$")
    } else {
        format!("^{regex}$")
    }
}

fn has_top_level_alternation(regex: &str) -> bool {
    let chars: Vec<char> = regex.chars().collect();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                i += 2;
                continue;
            }
            '[' => {
                i = class_end(&chars, i);
                continue;
            }
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// The index just past the character class opening at `start` (`[`), or the end of input.
fn class_end(chars: &[char], start: usize) -> usize {
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    // A `]` first in the class is literal.
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while let Some(&c) = chars.get(i) {
        match c {
            ']' => return i + 1,
            '\\' => i += 2,
            // `[:alpha:]` inside a class.
            '[' if chars.get(i + 1) == Some(&':') => {
                i = find(chars, i + 2, &[':', ']']).map_or(chars.len(), |end| end + 2);
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// The index of the first occurrence of `needle` at or after `from`.
fn find(chars: &[char], from: usize, needle: &[char]) -> Option<usize> {
    chars
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flagged() {
        for regex in [
            "5..",
            "[45][0-9][0-9]",
            "\\d{3}",
            "[45]\\d\\d",
            "v[12]",
            "\\d{2,3}",
            "a?[0-9]",
            "(GET|POST) /api/v.",
            "\\pL{3}",
            "[[:digit:]]{3}",
            "[]x]",
        ] {
            assert!(looks_like_full_match(regex), "{regex}");
        }
    }

    #[test]
    fn not_flagged() {
        for regex in [
            "timeout",
            "GET|POST",
            "^5..$",
            "^[45]",
            "[45]..$",
            ".*5..",
            "[0-9]+",
            "error.*timeout",
            "\\d{3,}",
            "\\b\\d{3}\\b",
            "\\A\\d\\z",
            "\\Q5..\\E",
            "a\\.b",
            "",
        ] {
            assert!(!looks_like_full_match(regex), "{regex}");
        }
        // `$` inside a class is not an anchor: the class makes it a shape.
        assert!(looks_like_full_match("[^$]x"));
    }

    #[test]
    fn anchoring() {
        assert_eq!(anchored("5.."), "^5..$");
        assert_eq!(anchored("a|b."), "^(?:a|b.)$");
        assert_eq!(anchored("(a|b)."), "^(a|b).$");
        assert_eq!(anchored("[|]."), "^[|].$");
        assert_eq!(anchored("\\|."), "^\\|.$");
    }
}
