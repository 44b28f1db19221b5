//! Structured diagnostics for configs: severity, the JSON path of the offending value (and,
//! in a condition, the line and column), the pipeline it belongs to, a message, and a hint
//! saying how to fix it.

use std::fmt;

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The config is accepted; something in it is probably not what the author meant.
    Warning,
    /// The config is rejected.
    Error,
}

impl Severity {
    /// `"warning"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found in a config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// JSON path of the value, e.g. `trace.pipelines[2].condition` (empty for the document).
    pub path: String,
    /// The name of the pipeline the path is in, when it is in a named pipeline (set by the
    /// validation report).
    pub pipeline: Option<String>,
    /// 1-based line in the condition, for problems inside one.
    pub line: Option<usize>,
    /// 1-based column (in characters) in the condition, for problems inside one.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, where a fix is known.
    pub hint: Option<String>,
    /// For a construct the reference engine accepts but evaluates surprisingly, or that this
    /// engine evaluates differently (docs/protocol.md, "Deviations"): what the reference does.
    pub reference: Option<String>,
    /// With `reference`: what this engine does, in the compatibility mode in force.
    pub ours: Option<String>,
    /// A warning about a construct that cannot do what it says (it never matches, a part of it
    /// is ignored, or every packet is refused): the engine accepts the config, as the
    /// reference does, and the rule checker reports it as an error.
    pub defect: bool,
}

impl Diagnostic {
    /// An error at `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: path.into(),
            pipeline: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
            reference: None,
            ours: None,
            defect: false,
        }
    }

    /// A warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            path: path.into(),
            pipeline: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
            reference: None,
            ours: None,
            defect: false,
        }
    }

    /// The same warning, marked as a [`defect`](Self::defect).
    pub fn into_defect(mut self) -> Self {
        self.defect = true;
        self
    }

    /// The same diagnostic as a warning (an error of a config that was ignored, not applied).
    pub fn into_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The same diagnostic with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic with what the reference engine does and what this engine does.
    pub fn with_behaviour(mut self, reference: impl Into<String>, ours: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self.ours = Some(ours.into());
        self
    }

    /// The same diagnostic at `line`:`column` of the condition at its path.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// The diagnostic as a JSON object: `{"severity", "path", "pipeline", "line", "column",
    /// "message", "hint", "reference", "ours"}` (absent parts are null).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "severity": self.severity.as_str(),
            "path": self.path,
            "pipeline": self.pipeline,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
            "reference": self.reference,
            "ours": self.ours,
        })
    }

    /// Where it is: the path (`<config>` for the document) and, inside a condition,
    /// `:line:column`, e.g. `trace.pipelines[1].condition:1:12`.
    pub fn location(&self) -> String {
        let path = if self.path.is_empty() {
            "<config>"
        } else {
            &self.path
        };
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{path}:{line}:{column}"),
            _ => path.to_string(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.severity.as_str(),
            self.location(),
            self.message
        )?;
        if let (Some(reference), Some(ours)) = (&self.reference, &self.ours) {
            write!(f, " (the reference: {reference}; here: {ours})")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// A rejected config: every diagnostic found (at least one error), in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// All diagnostics, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut errors = self.errors();
        if let Some(first) = errors.next() {
            write!(f, "{first}")?;
        }
        let more = errors.count();
        if more > 0 {
            write!(
                f,
                " (and {more} more error{})",
                if more == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
