//! JSON schemas: `{"tracing": {"status": "tag", "duration": "int"}, "logging": {...}}`.
//!
//! Deserialized in one streaming pass so that every error, a semantic one (an unknown table or
//! type, a field declared twice) as much as a syntax error, carries serde_json's line and
//! column of the offending token.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::types::{Builder, FieldType, Schema, SchemaError};
use crate::wire::DataType;

/// Parses a JSON schema.
pub(super) fn parse(text: &str) -> Result<Schema, SchemaError> {
    let mut builder = Builder::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Tables(&mut builder)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    match parsed {
        Ok(()) => builder.finish(),
        Err(e) => Err(from_serde(&e)),
    }
}

/// serde_json's error without its ` at line L column C` suffix, positioned.
fn from_serde(e: &serde_json::Error) -> SchemaError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    SchemaError::new(e.line(), Some(e.column()), message)
}

/// The top-level object: table name → fields.
struct Tables<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for Tables<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Tables<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of tables such as {\"tracing\": {\"status\": \"tag\"}}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            let data_type = self.0.table(&name).map_err(de::Error::custom)?;
            map.next_value_seed(Fields {
                builder: self.0,
                data_type,
            })?;
        }
        Ok(())
    }
}

/// One table: field name → type name.
struct Fields<'b> {
    builder: &'b mut Builder,
    data_type: DataType,
}

impl<'de> DeserializeSeed<'de> for Fields<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of fields such as {\"status\": \"tag\", \"duration\": \"int\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            let TypeName(ty) = map.next_value()?;
            self.builder
                .field(self.data_type, &name, ty)
                .map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

/// A field type name (`"tag"`, `"int"` …).
struct TypeName(FieldType);

const TYPE_NAMES: &str = "tag, string, int, uint, float, bool or bytes";

impl<'de> de::Deserialize<'de> for TypeName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TypeNameVisitor)
    }
}

struct TypeNameVisitor;

impl Visitor<'_> for TypeNameVisitor {
    type Value = TypeName;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a field type: {TYPE_NAMES}")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<TypeName, E> {
        FieldType::from_name(name)
            .map(TypeName)
            .ok_or_else(|| E::custom(format!("unknown field type `{name}`: use {TYPE_NAMES}")))
    }
}
