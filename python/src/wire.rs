//! Tooling over the wire format: `pack` (point dicts → `DataPacket`s, grouped as Datakit
//! does, by [`tailsampling_cli::pack::pack`]), `decode_points` (a `PBPoints` payload, walked by
//! [`Points`]), `decode_packet` (a `DataPacket`, by [`PacketRef`]) and `peek_packet` (its
//! routing facts, by [`tailsampling::peek_packet`]).

use prost::Message;
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString};
use tailsampling::config::DataType;
use tailsampling::wire::{
    PacketRef, PacketValue, PointRef, Points, Value, DEFAULT_MAX_DECOMPRESSED,
};
use tailsampling_cli::pack::{pack as pack_points, FieldValue, PackOptions, Point};

use crate::convert::bytes_of;
use crate::errors::{invalid, to_py_err, wire_err};

/// The keys of a point dict.
const POINT_KEYS: [&str; 4] = ["measurement", "tags", "fields", "time"];

/// `obj` as `T`, or a `TypeError` saying `path` expected `what`.
fn typed<'py, T: FromPyObjectOwned<'py>>(
    obj: &Bound<'py, PyAny>,
    path: &str,
    what: &str,
) -> PyResult<T> {
    obj.extract()
        .map_err(|_| PyTypeError::new_err(format!("{path}: expected {what}")))
}

/// A field value dict entry as a [`FieldValue`].
fn field_value(v: &Bound<'_, PyAny>, path: &str) -> PyResult<FieldValue> {
    if let Ok(b) = v.cast::<PyBool>() {
        Ok(FieldValue::Bool(b.is_true()))
    } else if v.is_instance_of::<PyInt>() {
        if let Ok(i) = v.extract::<i64>() {
            Ok(FieldValue::Int(i))
        } else {
            v.extract::<u64>().map(FieldValue::Uint).map_err(|_| {
                PyTypeError::new_err(format!("{path}: integer out of the 64-bit range"))
            })
        }
    } else if v.is_instance_of::<PyFloat>() {
        Ok(FieldValue::Float(v.extract()?))
    } else if v.is_instance_of::<PyString>() {
        Ok(FieldValue::Str(v.extract()?))
    } else if v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>() {
        Ok(FieldValue::Bytes(v.extract()?))
    } else {
        Err(PyTypeError::new_err(format!(
            "{path}: expected int, float, str, bool or bytes"
        )))
    }
}

/// A point dict `{"measurement", "tags", "fields", "time"}` as a [`Point`].
fn point_of(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Point> {
    let d = obj
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("{path}: expected a dict")))?;
    for key in d.keys() {
        let key: String = typed(&key, path, "str keys")?;
        if !POINT_KEYS.contains(&key.as_str()) {
            return Err(invalid(format!(
                "{path}: unknown key {key:?} (a point has {})",
                POINT_KEYS.join(", ")
            )));
        }
    }
    let required = |key: &str| {
        d.get_item(key)?
            .ok_or_else(|| invalid(format!("{path}: missing {key:?}")))
    };
    let mut point = Point::new(
        typed::<String>(
            &required("measurement")?,
            &format!("{path}.measurement"),
            "a str",
        )?,
        typed::<i64>(
            &required("time")?,
            &format!("{path}.time"),
            "an int (unix ns)",
        )?,
    );
    if let Some(tags) = d.get_item("tags")? {
        let tags = tags
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err(format!("{path}.tags: expected a dict")))?;
        for (k, v) in tags.iter() {
            let k: String = typed(&k, &format!("{path}.tags"), "str keys")?;
            let v: String = typed(&v, &format!("{path}.tags.{k}"), "a str")?;
            point.tags.push((k, v));
        }
    }
    if let Some(fields) = d.get_item("fields")? {
        let fields = fields
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err(format!("{path}.fields: expected a dict")))?;
        for (k, v) in fields.iter() {
            let k: String = typed(&k, &format!("{path}.fields"), "str keys")?;
            let v = field_value(&v, &format!("{path}.fields.{k}"))?;
            point.fields.push((k, v));
        }
    }
    Ok(point)
}

/// Groups ``points`` into encoded ``DataPacket`` messages exactly as Datakit does, one per
/// group in first-appearance order, with every header field filled (hashes, counts, times,
/// ``has_error``, the predicate hints). A point is a dict ``{"measurement": str, "tags":
/// {str: str}, "fields": {str: int | float | str | bool | bytes}, "time": int}`` (unix ns;
/// ``tags`` and ``fields`` may be omitted).
///
/// ``data_type`` ``"tracing"`` groups by the ``trace_id`` tag (or string field);
/// ``"logging"`` and ``"rum"`` by the first of ``group_keys`` that a point carries (at least
/// one key is required). Points that belong to no group are not packed: Datakit writes them
/// directly. With ``compress=True`` a payload is one zstd frame when that is smaller.
/// Integers above the int64 range are packed as unsigned fields.
#[pyfunction]
#[pyo3(signature = (points, token, data_type, *, group_keys = None, source = "", compress = false, config_version = 0))]
#[allow(clippy::too_many_arguments)]
pub fn pack<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    token: &str,
    data_type: &str,
    group_keys: Option<Vec<String>>,
    source: &str,
    compress: bool,
    config_version: i64,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let dt = DataType::from_wire(data_type).ok_or_else(|| {
        invalid(format!(
            "data_type: expected \"tracing\", \"logging\" or \"rum\", found {data_type:?}"
        ))
    })?;
    let group_keys = group_keys.unwrap_or_default();
    if dt != DataType::Tracing && group_keys.is_empty() {
        return Err(invalid(format!(
            "group_keys: {data_type} points are grouped by the first of group_keys they carry; pass at least one"
        )));
    }
    let points = points
        .try_iter()?
        .enumerate()
        .map(|(i, p)| point_of(&p?, &format!("points[{i}]")))
        .collect::<PyResult<Vec<Point>>>()?;
    let keys: Vec<&str> = group_keys.iter().map(String::as_str).collect();
    let opts = PackOptions {
        token,
        data_type: dt,
        group_keys: &keys,
        source,
        compress,
        config_version,
    };
    let packets: Vec<Vec<u8>> = py.detach(|| {
        pack_points(&points, &opts)
            .packets
            .iter()
            .map(Message::encode_to_vec)
            .collect()
    });
    Ok(packets.iter().map(|p| PyBytes::new(py, p)).collect())
}

/// A field value as a Python object.
fn py_value<'py>(py: Python<'py>, v: Option<Value<'_>>) -> PyResult<Bound<'py, PyAny>> {
    let text = |b: &[u8]| PyString::new(py, &String::from_utf8_lossy(b)).into_any();
    Ok(match v {
        None => py.None().into_bound(py),
        Some(Value::Tag(s) | Value::Str(s)) => text(s),
        Some(Value::Int(i)) => i.into_pyobject(py)?.into_any(),
        Some(Value::Uint(u)) => u.into_pyobject(py)?.into_any(),
        Some(Value::Float(f)) => f.into_pyobject(py)?.into_any(),
        Some(Value::Bool(b)) => PyBool::new(py, b).to_owned().into_any(),
        Some(Value::Bytes(b) | Value::Any(b)) => PyBytes::new(py, b).into_any(),
    })
}

/// One decoded point as a dict.
fn point_dict<'py>(py: Python<'py>, point: &PointRef<'_>) -> PyResult<Bound<'py, PyDict>> {
    let (tags, fields) = (PyDict::new(py), PyDict::new(py));
    for f in point.fields() {
        let f = f.map_err(wire_err)?;
        let key = String::from_utf8_lossy(f.key);
        let into = if f.is_tag { &tags } else { &fields };
        // The first occurrence of a key wins, as Datakit's `pt.Get`.
        if !into.contains(key.as_ref())? {
            into.set_item(key.as_ref(), py_value(py, f.value)?)?;
        }
    }
    let d = PyDict::new(py);
    d.set_item("measurement", String::from_utf8_lossy(point.name()))?;
    d.set_item("tags", tags)?;
    d.set_item("fields", fields)?;
    d.set_item("time", point.time())?;
    Ok(d)
}

/// The points of a raw (uncompressed) payload as a list of dicts.
fn points_list<'py>(py: Python<'py>, payload: &[u8]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for point in Points::new(payload) {
        out.append(point_dict(py, &point.map_err(wire_err)?)?)?;
    }
    Ok(out)
}

/// Decodes a serialized ``point.PBPoints`` (a ``Delivery.body``, or a decompressed packet
/// payload) into point dicts ``{"measurement", "tags", "fields", "time"}``, in wire order.
/// Fields with ``is_tag`` go to ``tags``; unsigned integers decode as ``int``; invalid UTF-8
/// in strings is replaced; when a key repeats, the first value wins. Raises ``DecodeError``
/// naming the message, field and byte offset.
#[pyfunction]
pub fn decode_points<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let body = bytes_of(body, "body")?;
    points_list(py, &body)
}

/// Decodes an encoded ``DataPacket``: a dict of its header fields (``group_id_hash``,
/// ``raw_group_id``, ``token``, ``source``, ``data_type``, ``config_version``, ``has_error``,
/// ``group_key``, ``point_count``, ``trace_start_time_unix_nano``,
/// ``trace_end_time_unix_nano``, ``points_payload`` (as sent, possibly compressed),
/// ``max_point_time_unix_nano``, ``payload_compression``, ``pred_error``,
/// ``pred_http_error``, ``pred_biz_error``, ``pred_trace_keep``, ``max_span_duration_us``,
/// ``root_duration_us``, ``max_nonroot_duration_us``) plus ``points``, the decoded points of
/// the (decompressed) payload. Raises ``DecodeError``, ``Unsupported`` (payload
/// compression) or ``TooLarge`` (the payload decompresses to more than 64 MiB).
#[pyfunction]
pub fn decode_packet<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let body = bytes_of(body, "body")?;
    let p = PacketRef::decode(&body).map_err(wire_err)?;
    let d = PyDict::new(py);
    for (name, value) in p.fields() {
        match value {
            PacketValue::U64(v) => d.set_item(name, v)?,
            PacketValue::I64(v) => d.set_item(name, v)?,
            PacketValue::I32(v) => d.set_item(name, v)?,
            PacketValue::Bool(v) => d.set_item(name, v)?,
            PacketValue::Str(v) => d.set_item(name, v)?,
            PacketValue::Bytes(v) => d.set_item(name, PyBytes::new(py, v))?,
        }
    }
    let payload = py
        .detach(|| p.payload(DEFAULT_MAX_DECOMPRESSED))
        .map_err(wire_err)?;
    d.set_item("points", points_list(py, &payload)?)?;
    Ok(d)
}

/// Reads the routing facts of an encoded ``DataPacket`` as the engine does, without a
/// processor: ``pick_key``, the ``Guance-Pick-Key`` Datakit sends (``group_id_hash`` for
/// traces, the group's key for logging and RUM; a proxy routes to
/// ``backends[pick_key % n]``), and ``payload_compression`` (0 raw, 1 zstd). ``token`` is the
/// request's token, as for ``Processor.ingest`` (empty: the packet's own). Makes ``ingest``'s
/// header checks: raises ``DecodeError``, ``Unsupported``, ``TokenMismatch`` or
/// ``InvalidArgument``.
#[pyfunction]
#[pyo3(signature = (body, token = ""))]
pub fn peek_packet<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    token: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let body = bytes_of(body, "body")?;
    let info = tailsampling::peek_packet(Some(token), &body).map_err(to_py_err)?;
    let d = PyDict::new(py);
    d.set_item("pick_key", info.pick_key)?;
    d.set_item("payload_compression", info.payload_compression)?;
    Ok(d)
}
