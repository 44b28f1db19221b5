//! The typed value of one point field, borrowed from the payload bytes: what the PBPoints
//! walker yields and what the condition language compares.

/// One field value of a point, borrowed from the encoded payload.
///
/// Strings are kept as bytes: protobuf does not guarantee valid UTF-8 on the wire, and the
/// condition language compares strings bytewise (as Go does), so no validation is needed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A tag: a `Field` with `is_tag = true` and its value in `s`. Compares as a string.
    Tag(&'a [u8]),
    /// A string field (`s`).
    Str(&'a [u8]),
    /// A signed integer field (`i`).
    Int(i64),
    /// An unsigned integer field (`u`); never equal to an int literal.
    Uint(u64),
    /// A float field (`f`).
    Float(f64),
    /// A bool field (`b`).
    Bool(bool),
    /// A bytes field (`d`).
    Bytes(&'a [u8]),
    /// A `google.protobuf.Any` field (`a`), surfaced as its encoded message, opaque: it
    /// compares unequal to every literal.
    Any(&'a [u8]),
}

impl<'a> Value<'a> {
    /// The string bytes of a tag or string field, `None` for every other type.
    pub fn as_str_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Tag(s) | Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The schema type name of this value: `tag`, `string`, `int`, `uint`, `float`, `bool`,
    /// `bytes` or `any`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Tag(_) => "tag",
            Value::Str(_) => "string",
            Value::Int(_) => "int",
            Value::Uint(_) => "uint",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::Bytes(_) => "bytes",
            Value::Any(_) => "any",
        }
    }
}
