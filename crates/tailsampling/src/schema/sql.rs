//! SQL DDL schemas: `CREATE TABLE` statements parsed by `sqlparser` (generic dialect), each
//! column's SQL type mapped to the [`FieldType`] the condition language compares it as.
//!
//! | SQL | field type |
//! |---|---|
//! | `TAG` (a custom type name) | tag |
//! | `CHAR`, `VARCHAR`, `TEXT` (and `TINY/MEDIUM/LONGTEXT`), `STRING`, `UUID`, `CLOB` | string |
//! | `TINYINT`, `SMALLINT`, `MEDIUMINT`, `INT`, `INTEGER`, `BIGINT`, `INT2`…`INT256` | int |
//! | the same with `UNSIGNED`, `UINT8`…`UINT256`, `UBIGINT` … | uint |
//! | `REAL`, `FLOAT`, `DOUBLE [PRECISION]`, `NUMERIC`, `DECIMAL`, `FLOAT4/8/32/64` | float |
//! | `BOOL`, `BOOLEAN` | bool |
//! | `BYTEA`, `BLOB` (and `TINY/MEDIUM/LONGBLOB`), `BINARY`, `VARBINARY`, `BYTES` | bytes |
//! | `NULLABLE(T)`, `LOWCARDINALITY(T)` | as `T` |
//! | `DATE`, `TIME`, `DATETIME`, `TIMESTAMP` | not declared: the point time is not a key |
//!
//! Any other type is an error naming the column's line and column. Statements other than
//! `CREATE TABLE` are ignored; a table name other than those of [`TABLE_NAMES`] is an error.

use sqlparser::ast::{DataType as Sql, Ident, Statement};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Location;

use super::types::{Builder, FieldType, Schema, SchemaError, TABLE_NAMES};

/// Parses SQL DDL.
pub(super) fn parse(text: &str) -> Result<Schema, SchemaError> {
    let statements = Parser::parse_sql(&GenericDialect {}, text).map_err(parse_error)?;
    let mut builder = Builder::default();
    for statement in &statements {
        let Statement::CreateTable(table) = statement else {
            continue;
        };
        // `CREATE TABLE public.spans`: the last part names the table.
        let Some(name) = table.name.0.last().and_then(|part| part.as_ident()) else {
            continue;
        };
        let data_type = builder.table(&name.value).map_err(|message| {
            at(name, message).with_hint(format!(
                "name the table {TABLE_NAMES}, or remove the statement"
            ))
        })?;
        for column in &table.columns {
            let ty = match column_type(&column.data_type) {
                Column::Field(ty) => ty,
                Column::Time => continue,
                Column::Unsupported => return Err(at(
                    &column.name,
                    format!(
                        "column `{}` has SQL type `{}`, which maps to no field type",
                        column.name.value, column.data_type
                    ),
                )
                .with_hint(
                    "use VARCHAR or TAG (string), INT or BIGINT (int), BIGINT UNSIGNED (uint), \
                         DOUBLE (float), BOOLEAN (bool) or BYTEA (bytes); or remove the column",
                )),
            };
            builder
                .field(data_type, &column.name.value, ty)
                .map_err(|message| at(&column.name, message))?;
        }
    }
    builder.finish()
}

/// An error at the start of `ident`.
fn at(ident: &Ident, message: String) -> SchemaError {
    let Location { line, column } = ident.span.start;
    SchemaError::new(to_usize(line), Some(to_usize(column)), message)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// sqlparser's message, without its `sql parser error: ` prefix and ` at Line: L, Column: C`
/// suffix, positioned.
fn parse_error(e: ParserError) -> SchemaError {
    let message = e.to_string();
    let message = message
        .strip_prefix("sql parser error: ")
        .unwrap_or(&message);
    let (text, line, column) = match message.rsplit_once(" at Line: ") {
        Some((text, position)) => {
            let mut numbers = position
                .split(", Column: ")
                .map(|n| n.trim().parse::<usize>().ok());
            let line = numbers.next().flatten();
            let column = numbers.next().flatten();
            (text, line, column)
        }
        None => (message, None, None),
    };
    SchemaError::new(line.unwrap_or(1), column, format!("invalid SQL: {text}"))
}

/// What a column's SQL type declares.
enum Column {
    Field(FieldType),
    /// A date or time: not a key conditions can read.
    Time,
    Unsupported,
}

fn column_type(ty: &Sql) -> Column {
    use FieldType::*;
    Column::Field(match ty {
        Sql::Custom(name, _) if name.to_string().eq_ignore_ascii_case("tag") => Tag,
        Sql::Character(_)
        | Sql::Char(_)
        | Sql::CharacterVarying(_)
        | Sql::CharVarying(_)
        | Sql::Varchar(_)
        | Sql::Nvarchar(_)
        | Sql::Uuid
        | Sql::CharacterLargeObject(_)
        | Sql::CharLargeObject(_)
        | Sql::Clob(_)
        | Sql::Text
        | Sql::TinyText
        | Sql::MediumText
        | Sql::LongText
        | Sql::String(_)
        | Sql::FixedString(_) => String,
        Sql::TinyInt(_)
        | Sql::Int2(_)
        | Sql::SmallInt(_)
        | Sql::MediumInt(_)
        | Sql::Int(_)
        | Sql::Int4(_)
        | Sql::Int8(_)
        | Sql::Int16
        | Sql::Int32
        | Sql::Int64
        | Sql::Int128
        | Sql::Int256
        | Sql::Integer(_)
        | Sql::HugeInt
        | Sql::BigInt(_)
        | Sql::Signed
        | Sql::SignedInteger => Int,
        Sql::TinyIntUnsigned(_)
        | Sql::UTinyInt
        | Sql::Int2Unsigned(_)
        | Sql::SmallIntUnsigned(_)
        | Sql::USmallInt
        | Sql::MediumIntUnsigned(_)
        | Sql::IntUnsigned(_)
        | Sql::Int4Unsigned(_)
        | Sql::IntegerUnsigned(_)
        | Sql::UHugeInt
        | Sql::UInt8
        | Sql::UInt16
        | Sql::UInt32
        | Sql::UInt64
        | Sql::UInt128
        | Sql::UInt256
        | Sql::BigIntUnsigned(_)
        | Sql::UBigInt
        | Sql::Int8Unsigned(_)
        | Sql::Unsigned
        | Sql::UnsignedInteger => Uint,
        Sql::Numeric(_)
        | Sql::Decimal(_)
        | Sql::DecimalUnsigned(_)
        | Sql::BigNumeric(_)
        | Sql::BigDecimal(_)
        | Sql::Dec(_)
        | Sql::DecUnsigned(_)
        | Sql::Float(_)
        | Sql::FloatUnsigned(_)
        | Sql::Float4
        | Sql::Float32
        | Sql::Float64
        | Sql::Real
        | Sql::RealUnsigned
        | Sql::Float8
        | Sql::Double(_)
        | Sql::DoubleUnsigned(_)
        | Sql::DoublePrecision
        | Sql::DoublePrecisionUnsigned => Float,
        Sql::Bool | Sql::Boolean => Bool,
        Sql::Binary(_)
        | Sql::Varbinary(_)
        | Sql::Blob(_)
        | Sql::TinyBlob
        | Sql::MediumBlob
        | Sql::LongBlob
        | Sql::Bytes(_)
        | Sql::Bytea => Bytes,
        Sql::Nullable(inner) | Sql::LowCardinality(inner) => return column_type(inner),
        Sql::Date
        | Sql::Date32
        | Sql::Time(..)
        | Sql::Datetime(_)
        | Sql::Datetime64(..)
        | Sql::Timestamp(..)
        | Sql::TimestampNtz(_) => return Column::Time,
        _ => return Column::Unsupported,
    })
}
