//! [`FilterError`]: why a condition was rejected, where (line, column, byte offset) and,
//! when there is an obvious fix, a hint.

use std::fmt;

/// A condition that does not parse or compile.
///
/// Displays as `line:column: message`, followed by ` (hint: ...)` when there is a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// 1-based line of the offending input.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Byte offset of the offending input in the source.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub hint: Option<String>,
}

impl FilterError {
    /// An error at byte `offset` of `src` (clamped to the source and to a character boundary).
    pub(crate) fn at(src: &str, offset: usize, message: impl Into<String>) -> Self {
        let mut offset = offset.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &src[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        FilterError {
            line: 1 + before.matches('\n').count(),
            column: 1 + before[line_start..].chars().count(),
            offset,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}

/// A construct the condition language accepts (because the reference engine accepts it) that
/// probably does not do what its author meant, or that evaluates differently in this engine's
/// default mode than in the reference (a deviation, docs/protocol.md). The rule checker and
/// the config report show it; it never rejects a config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterWarning {
    /// 1-based line of the construct.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Byte offset of the construct in the source.
    pub offset: usize,
    /// What the construct is and why it is suspect.
    pub message: String,
    /// What the reference engine does with it.
    pub reference: String,
    /// What this engine does with it, in the compatibility mode it was compiled for.
    pub ours: String,
    /// How to fix it, where a fix is known.
    pub hint: Option<String>,
    /// Whether the construct cannot do what it says in either engine (it never matches, or a
    /// part of it is ignored), rather than only evaluating differently in the two: the rule
    /// checker reports such a warning as an error.
    pub defect: bool,
}

impl FilterWarning {
    /// A warning at byte `offset` of `src` (positioned as [`FilterError::at`]).
    pub(crate) fn at(
        src: &str,
        offset: usize,
        message: impl Into<String>,
        reference: impl Into<String>,
        ours: impl Into<String>,
    ) -> Self {
        let e = FilterError::at(src, offset, message);
        FilterWarning {
            line: e.line,
            column: e.column,
            offset: e.offset,
            message: e.message,
            reference: reference.into(),
            ours: ours.into(),
            hint: None,
            defect: false,
        }
    }

    /// The same warning with a hint.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same warning, marked as a [`defect`](Self::defect).
    pub(crate) fn defect(mut self) -> Self {
        self.defect = true;
        self
    }
}

impl fmt::Display for FilterWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} (the reference: {}; here: {})",
            self.line, self.column, self.message, self.reference, self.ours
        )?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let src = "{ a = 1,\n  é = 2 }";
        let e = FilterError::at(src, src.find('=').unwrap(), "x");
        assert_eq!((e.line, e.column), (1, 5));
        let e = FilterError::at(src, src.rfind('=').unwrap(), "x");
        assert_eq!((e.line, e.column), (2, 5));
        // Inside a multi-byte character: moved back to its start.
        let e = FilterError::at(src, src.find('é').unwrap() + 1, "x");
        assert_eq!((e.line, e.column, e.offset), (2, 3, src.find('é').unwrap()));
        let e = FilterError::at(src, 1000, "x");
        assert_eq!(e.offset, src.len());
    }

    #[test]
    fn display_with_and_without_hint() {
        let e = FilterError::at("{ a == 1 }", 4, "unexpected `==`");
        assert_eq!(e.to_string(), "1:5: unexpected `==`");
        assert_eq!(
            e.hint("use `=`").to_string(),
            "1:5: unexpected `==` (hint: use `=`)"
        );
    }
}
