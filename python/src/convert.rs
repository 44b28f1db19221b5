//! Conversions at the boundary: byte inputs borrowed from Python objects, Python values to
//! JSON (options and config dicts) and JSON back to Python (`stats`).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{
    PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple,
};
use pyo3::BoundObject;
use serde_json::{Map, Number, Value};

/// Python's `repr(value)`, for `__repr__` methods.
pub fn repr<'py>(py: Python<'py>, value: impl IntoPyObject<'py>) -> PyResult<String> {
    let obj = value.into_pyobject(py).map_err(Into::into)?;
    Ok(obj.into_any().into_bound().repr()?.to_string())
}

/// The type name of `obj`, for error messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .getattr("__name__")
        .and_then(|n| n.extract())
        .unwrap_or_else(|_| "object".to_owned())
}

/// The bytes of `obj`: a `bytes` object is borrowed (no copy); any other object exporting the
/// buffer protocol (`bytearray`, `memoryview`, `array`, ...) is copied once into an immutable
/// snapshot, so that no other thread can change it while the engine reads it without the GIL.
/// (The buffer protocol itself is not in the stable ABI before Python 3.11.)
pub fn bytes_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<PyBackedBytes> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.clone().into());
    }
    let view = PyMemoryView::from(obj).map_err(|_| {
        PyTypeError::new_err(format!(
            "{what}: expected bytes, bytearray or memoryview, found {}",
            type_name(obj)
        ))
    })?;
    Ok(view.call_method0("tobytes")?.cast_into::<PyBytes>()?.into())
}

/// A JSON document given as `str`, bytes-like or `dict`.
pub enum JsonDoc {
    /// A `str`, as UTF-8.
    Text(PyBackedStr),
    /// A bytes-like object.
    Bytes(PyBackedBytes),
    /// A `dict`, serialized.
    Built(Vec<u8>),
}

impl JsonDoc {
    /// `obj` as a JSON document: `str`, bytes-like, or a `dict` of JSON values.
    pub fn of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(JsonDoc::Text(s.clone().try_into()?));
        }
        if obj.is_instance_of::<PyDict>() {
            let value = to_json(obj, what)?;
            return Ok(JsonDoc::Built(value.to_string().into_bytes()));
        }
        bytes_of(obj, what)
            .map_err(|_| {
                PyTypeError::new_err(format!(
                    "{what}: expected str, bytes or dict, found {}",
                    type_name(obj)
                ))
            })
            .map(JsonDoc::Bytes)
    }

    /// The document's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            JsonDoc::Text(s) => s.as_bytes(),
            JsonDoc::Bytes(b) => b,
            JsonDoc::Built(v) => v,
        }
    }
}

/// A Python value as JSON: `None`, `bool`, `int` (64-bit), finite `float`, `str`, `list` or
/// `tuple`, and `dict` with `str` keys. Anything else is a `TypeError` naming `path`.
pub fn to_json(v: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    let bad = |what: &str| PyTypeError::new_err(format!("{path}: {what}"));
    if v.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = v.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if v.is_instance_of::<PyInt>() {
        if let Ok(i) = v.extract::<i64>() {
            Ok(i.into())
        } else {
            v.extract::<u64>()
                .map(Value::from)
                .map_err(|_| bad("integer out of the 64-bit range"))
        }
    } else if v.is_instance_of::<PyFloat>() {
        Number::from_f64(v.extract()?)
            .map(Value::Number)
            .ok_or_else(|| bad("float is not finite"))
    } else if v.is_instance_of::<PyString>() {
        Ok(Value::String(v.extract()?))
    } else if let Ok(d) = v.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, item) in d.iter() {
            let key: String = k.extract().map_err(|_| {
                bad(&format!(
                    "dict key {} is not a str",
                    k.repr().map_or_else(|_| "?".into(), |r| r.to_string())
                ))
            })?;
            let value = to_json(&item, &format!("{path}.{key}"))?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in v.try_iter()?.enumerate() {
            out.push(to_json(&item?, &format!("{path}[{i}]"))?);
        }
        Ok(Value::Array(out))
    } else {
        Err(bad(&format!(
            "expected None, bool, int, float, str, list or dict, found {}",
            type_name(v)
        )))
    }
}

/// A JSON value as Python objects (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`).
pub fn from_json<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_json(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, from_json(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
