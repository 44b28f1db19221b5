//! What a declared schema is: per data type, field name → [`FieldType`]; the [`SchemaError`]
//! of a schema that does not parse; and the builder both schema syntaxes fill.

use std::collections::BTreeMap;
use std::fmt;

use crate::wire::DataType;

/// The type of a field as the condition language sees it (docs/protocol.md, "Conditions", strict
/// typing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldType {
    /// A tag (`is_tag`, value in `s`): compares as a string.
    Tag,
    /// A string field (`s`).
    String,
    /// A signed integer field (`i`).
    Int,
    /// An unsigned integer field (`u`): equal to no literal.
    Uint,
    /// A float field (`f`).
    Float,
    /// A bool field (`b`).
    Bool,
    /// A bytes field (`d`): equal to no literal.
    Bytes,
}

impl FieldType {
    /// Every type, in the order the docs list them.
    pub const ALL: [FieldType; 7] = [
        FieldType::Tag,
        FieldType::String,
        FieldType::Int,
        FieldType::Uint,
        FieldType::Float,
        FieldType::Bool,
        FieldType::Bytes,
    ];

    /// The schema name: `tag`, `string`, `int`, `uint`, `float`, `bool` or `bytes`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Tag => "tag",
            FieldType::String => "string",
            FieldType::Int => "int",
            FieldType::Uint => "uint",
            FieldType::Float => "float",
            FieldType::Bool => "bool",
            FieldType::Bytes => "bytes",
        }
    }

    /// Parses a schema name (exact, lower case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether values of this type compare with string literals and regexes (tag, string).
    pub fn is_string(self) -> bool {
        matches!(self, FieldType::Tag | FieldType::String)
    }

    /// The type with its article, for messages: `a tag`, `an int` …
    pub(crate) fn a(self) -> &'static str {
        match self {
            FieldType::Tag => "a tag",
            FieldType::String => "a string",
            FieldType::Int => "an int",
            FieldType::Uint => "a uint",
            FieldType::Float => "a float",
            FieldType::Bool => "a bool",
            FieldType::Bytes => "a bytes",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The declared fields of each data type. Built by [`Schema::parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    tables: [Option<BTreeMap<String, FieldType>>; 3],
}

impl Schema {
    /// Parses a schema: JSON when the first non-blank character is `{`, SQL `CREATE TABLE`
    /// DDL otherwise. Errors name the line (and the column where known).
    pub fn parse(schema: &[u8]) -> Result<Schema, SchemaError> {
        let text = match std::str::from_utf8(schema) {
            Ok(text) => text,
            Err(e) => {
                let valid = schema.get(..e.valid_up_to()).unwrap_or_default();
                let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
                return Err(SchemaError::new(
                    line,
                    None,
                    "the schema is not valid UTF-8",
                ));
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        match text.trim_start().chars().next() {
            None => Err(SchemaError::new(1, None, "the schema is empty")
                .with_hint("give a JSON object such as {\"tracing\": {\"status\": \"tag\"}} or CREATE TABLE statements")),
            Some('{') => super::json::parse(text),
            Some(_) => super::sql::parse(text),
        }
    }

    /// The fields declared for `data_type`, or `None` when the schema has no table for it.
    pub fn fields(&self, data_type: DataType) -> Option<&BTreeMap<String, FieldType>> {
        self.tables[data_type.index()].as_ref()
    }

    /// The declared type of `name` in `data_type`'s table.
    pub fn field(&self, data_type: DataType, name: &str) -> Option<FieldType> {
        self.fields(data_type)?.get(name).copied()
    }
}

/// A schema that does not parse: where (1-based line and, where known, column) and why.
///
/// Displays as `line L, column C: message (hint: ...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters, where known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, where a fix is known.
    pub hint: Option<String>,
}

impl SchemaError {
    pub(crate) fn new(line: usize, column: Option<usize>, message: impl Into<String>) -> Self {
        SchemaError {
            line: line.max(1),
            column: column.filter(|&c| c > 0),
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaError {}

/// The table names accepted for each data type, for messages.
pub(crate) const TABLE_NAMES: &str = "tracing (or traces, trace, spans), logging (or logs), rum";

/// The data type a table name declares (case-insensitive), `None` for any other name.
fn table_data_type(name: &str) -> Option<DataType> {
    match name.to_ascii_lowercase().as_str() {
        "tracing" | "traces" | "trace" | "spans" => Some(DataType::Tracing),
        "logging" | "logs" => Some(DataType::Logging),
        "rum" => Some(DataType::Rum),
        _ => None,
    }
}

/// Collects tables and fields, rejecting unknown table names, a data type declared twice and a
/// field declared twice. Errors are messages; the caller knows the position.
#[derive(Default)]
pub(crate) struct Builder {
    /// Per data type: the table name as written, and its fields.
    tables: [Option<(String, BTreeMap<String, FieldType>)>; 3],
}

impl Builder {
    /// Starts the table `name`; returns its data type.
    pub(crate) fn table(&mut self, name: &str) -> Result<DataType, String> {
        let Some(data_type) = table_data_type(name) else {
            return Err(format!(
                "unknown table `{name}`: the tables are {TABLE_NAMES}"
            ));
        };
        let slot = &mut self.tables[data_type.index()];
        if let Some((first, _)) = slot {
            return Err(format!(
                "table `{name}` declares {} a second time (first as `{first}`)",
                data_type.as_str()
            ));
        }
        *slot = Some((name.to_string(), BTreeMap::new()));
        Ok(data_type)
    }

    /// Declares field `name` of `data_type`'s table (started with [`table`](Self::table)).
    pub(crate) fn field(
        &mut self,
        data_type: DataType,
        name: &str,
        ty: FieldType,
    ) -> Result<(), String> {
        let (table, fields) = self.tables[data_type.index()]
            .get_or_insert_with(|| (data_type.as_str().to_string(), BTreeMap::new()));
        if fields.insert(name.to_string(), ty).is_some() {
            return Err(format!("field `{name}` is declared twice in `{table}`"));
        }
        Ok(())
    }

    /// The schema; an error if it declares no table.
    pub(crate) fn finish(self) -> Result<Schema, SchemaError> {
        if self.tables.iter().all(Option::is_none) {
            return Err(SchemaError::new(
                1,
                None,
                "the schema declares no table for tracing, logging or rum",
            )
            .with_hint(format!("name the tables {TABLE_NAMES}")));
        }
        Ok(Schema {
            tables: self.tables.map(|t| t.map(|(_, fields)| fields)),
        })
    }
}
