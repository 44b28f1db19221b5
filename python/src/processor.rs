//! `tailsampling.Processor` and `tailsampling.Delivery`: the engine, called with the GIL
//! released, behind the core's panic boundary (`tailsampling::engine::guard`: a panic raises
//! `Panic` and poisons the processor, later calls raise `Poisoned`, as in the C ABI), in a
//! handle that `close()` empties.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use serde_json::{Map, Value};
use tailsampling::engine::guard::{Fault, Guarded};
use tailsampling::metrics::SendResult;
use tailsampling::Options;

use crate::convert::{bytes_of, from_json, repr, to_json, JsonDoc};
use crate::errors::{invalid, to_py_err, PyStatus};

/// A tail-sampling engine for one Dataway: it groups the packets you ``ingest`` by trace (or
/// log group, or RUM session), waits out each group's TTL, decides with the token's sampling
/// config, and hands back the kept data with ``poll_kept`` and the metrics with
/// ``poll_metrics``.
///
/// ``Processor(**options)`` takes the engine options as keyword arguments, e.g.
/// ``Processor(clock="manual", pending_max_age="5m", shards=4)``; every option is optional
/// and an unknown one raises ``InvalidArgument`` naming it. Durations are Go duration strings
/// (``"10m"``) or integer nanoseconds. The options: ``clock`` (``"system"`` or ``"manual"``),
/// ``shards``, ``pending_max_packets``, ``pending_max_bytes``, ``pending_max_age``,
/// ``memory_limit_bytes``, ``token_memory_share``, ``max_packet_bytes``, ``max_group_bytes``,
/// ``max_decompressed_bytes``, ``max_batch_bytes``, ``decision_cache_size``,
/// ``decision_cache_ttl``, ``late_data`` (``"remember"`` or ``"new_group"``), ``compat``
/// (``"default"``, or ``"reference"`` for the Guance reference engine's decisions, quirks
/// included), ``default_ttl``, ``metrics_window``, ``default_token``.
///
/// Every method may be called from many threads at once; the GIL is released while the
/// engine works. ``close()`` (or leaving a ``with`` block) releases the engine; later calls
/// raise ``InvalidArgument``.
#[pyclass(frozen, module = "tailsampling", name = "Processor")]
pub struct PyProcessor {
    /// The engine, `None` once closed. Calls hold their own reference, so `close()` does not
    /// wait for calls in flight.
    engine: Mutex<Option<Arc<Guarded>>>,
}

impl PyProcessor {
    /// Runs call `op` on the engine with the GIL released. A panic poisons the engine and
    /// raises `Panic`; later calls raise `Poisoned`.
    fn call<T: Send>(
        &self,
        py: Python<'_>,
        op: &'static str,
        f: impl FnOnce(&tailsampling::Processor) -> T + Send,
    ) -> PyResult<T> {
        let engine = self
            .engine()
            .ok_or_else(|| invalid("the processor is closed"))?;
        py.detach(|| engine.call(op, f)).map_err(|fault| {
            let message = match &fault {
                Fault::Panicked(what) => format!(
                    "panic in {op}: {}",
                    what.as_deref().unwrap_or("unknown panic")
                ),
                Fault::Poisoned(at) => format!("the processor was poisoned by a panic in {at}"),
            };
            to_py_err(tailsampling::Error::new(fault.status(), message))
        })
    }

    /// The engine, or `None` once closed.
    fn engine(&self) -> Option<Arc<Guarded>> {
        self.engine
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The keyword arguments as an options JSON object.
fn options_json(options: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<u8>> {
    let mut map = Map::new();
    for (name, value) in options.into_iter().flat_map(|d| d.iter()) {
        let name: String = name.extract()?;
        let value = to_json(&value, &format!("option {name}"))?;
        map.insert(name, value);
    }
    Ok(Value::Object(map).to_string().into_bytes())
}

#[pymethods]
impl PyProcessor {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let opts = Options::from_json(&options_json(options)?).map_err(|e| invalid(e.0))?;
        Ok(PyProcessor {
            engine: Mutex::new(Some(Arc::new(Guarded::new(tailsampling::Processor::new(
                opts,
            ))))),
        })
    }

    /// Installs ``config`` (the JSON posted to ``/v1/tail_sampling_config``: ``str``, bytes or
    /// ``dict``) for ``token``. Returns True when applied, False when ignored because its
    /// top-level ``version`` equals the installed one. Applying a config drains the token's
    /// pending packets into the engine. Raises ``ConfigError`` (the old config stays in
    /// force) or ``InvalidArgument`` (empty token).
    fn set_config(
        &self,
        py: Python<'_>,
        token: String,
        config: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let config = JsonDoc::of(config, "config")?;
        self.call(py, "set_config", |p| {
            p.set_config(&token, config.as_bytes())
        })?
        .map_err(to_py_err)
    }

    /// Ingests one encoded ``DataPacket`` (``bytes`` are read in place; other buffers are
    /// copied once). ``token`` is the token the host authenticated (``?token=``); when given,
    /// a packet carrying a different token raises ``TokenMismatch``; when None, the packet's
    /// own token is used. Returns ``Status.OK`` (buffered) or ``Status.PENDING`` (no config
    /// yet for this token and data type: answer 412 and expect a config). Raises ``TooLarge``,
    /// ``DecodeError``, ``Unsupported``, ``TokenMismatch``, ``InvalidArgument`` (no token at
    /// all) or ``Busy`` (a limit is reached; nothing was stored).
    #[pyo3(signature = (body, token = None))]
    fn ingest(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        token: Option<String>,
    ) -> PyResult<PyStatus> {
        let body = bytes_of(body, "body")?;
        self.call(py, "ingest", |p| p.ingest(token.as_deref(), &body))?
            .map(PyStatus)
            .map_err(to_py_err)
    }

    /// Advances to now, decides every group whose TTL elapsed, and returns the kept data as
    /// deliveries: per token and data type, bodies of at most ``max_batch_bytes``. Call it
    /// about once a second.
    fn poll_kept(&self, py: Python<'_>) -> PyResult<Vec<PyDelivery>> {
        let out = self.call(py, "poll_kept", |p| p.poll_kept())?;
        Ok(out.into_iter().map(|d| PyDelivery::new(py, d)).collect())
    }

    /// Advances to now and returns the built-in metrics of every window that has ended, one
    /// delivery per token to ``/v1/write/metric``, plus the ``dataway_aggregate`` runtime
    /// counters under ``default_token`` when that option is set.
    fn poll_metrics(&self, py: Python<'_>) -> PyResult<Vec<PyDelivery>> {
        let out = self.call(py, "poll_metrics", |p| p.poll_metrics())?;
        Ok(out.into_iter().map(|d| PyDelivery::new(py, d)).collect())
    }

    /// Moves the manual clock to ``unix_nanos`` (an earlier time is ignored). Raises
    /// ``InvalidArgument`` unless the processor was created with ``clock="manual"``.
    fn set_time(&self, py: Python<'_>, unix_nanos: i64) -> PyResult<()> {
        self.call(py, "set_time", |p| p.set_time(unix_nanos))?
            .map_err(to_py_err)
    }

    /// Decides every buffered group now, so that the next ``poll_kept`` returns their kept
    /// data and the next ``poll_metrics`` every open window (to drain before exit). Pending
    /// packets stay pending.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, "flush", |p| p.flush())
    }

    /// Engine statistics: ``{"memory": {...}, "total": {...}, "tokens": {token: {...}}}``.
    /// Per token and in total, ``accepted == pending["packets"] + buffered["packets"] +
    /// kept["packets"] + dropped["packets"]`` whenever no call is in flight.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stats = self.call(py, "stats", |p| p.stats().to_json())?;
        from_json(py, &stats)
    }

    /// Counts ``n`` delivery attempts of the host for the ``dataway_aggregate`` runtime
    /// counters: ``result`` is ``"success"``, ``"failure"`` or ``"drop"``.
    #[pyo3(signature = (token, data_type, result, n = 1))]
    fn record_send(
        &self,
        py: Python<'_>,
        token: String,
        data_type: String,
        result: &str,
        n: u64,
    ) -> PyResult<()> {
        let result = match result {
            "success" => SendResult::Success,
            "failure" => SendResult::Failure,
            "drop" => SendResult::Drop,
            other => {
                return Err(invalid(format!(
                    "result: expected \"success\", \"failure\" or \"drop\", found {other:?}"
                )))
            }
        };
        self.call(py, "record_send", |p| {
            p.record_send(&token, &data_type, result, n)
        })
    }

    /// Acknowledges deliveries (their ``id``) as written upstream. The engine is memory-only:
    /// a delivery handed out by a poll is already forgotten, so any ids are accepted and
    /// nothing changes. Hosts call it after each successful upstream write all the same, so
    /// that they keep working unchanged once the engine keeps state on disk and hands out
    /// again, after a restart, the deliveries never acknowledged.
    fn ack(&self, py: Python<'_>, ids: Vec<u64>) -> PyResult<()> {
        self.call(py, "ack", |p| p.ack(&ids))?.map_err(to_py_err)
    }

    /// Releases the engine; buffered and pending data are discarded (``flush`` and
    /// ``poll_kept`` first to deliver them). Calls in flight finish; later calls raise
    /// ``InvalidArgument``. Closing twice is allowed.
    fn close(&self) {
        let mut engine = self.engine.lock().unwrap_or_else(PoisonError::into_inner);
        // A poisoned processor stays poisoned: its calls raise `Poisoned`.
        if engine.as_ref().is_some_and(|e| e.poisoned_in().is_none()) {
            *engine = None;
        }
    }

    /// True after ``close()`` (a poisoned processor is not closed: its calls raise
    /// ``Poisoned``).
    #[getter]
    fn closed(&self) -> bool {
        self.engine().is_none()
    }

    /// Returns the processor itself.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the processor; exceptions propagate.
    #[pyo3(signature = (*_exc_info))]
    fn __exit__(&self, _exc_info: &Bound<'_, PyTuple>) {
        self.close();
    }

    fn __repr__(&self) -> String {
        match self.engine().map(|e| e.poisoned_in()) {
            None => "<tailsampling.Processor closed>".to_owned(),
            Some(None) => "<tailsampling.Processor open>".to_owned(),
            Some(Some(at)) => format!("<tailsampling.Processor poisoned in {at}>"),
        }
    }
}

/// Kept data or metrics to write upstream: ``POST`` ``body`` to
/// ``{upstream}{path}?token={token}`` with ``Content-Type: {content_type}``.
#[pyclass(frozen, module = "tailsampling", name = "Delivery")]
pub struct PyDelivery {
    /// The delivery's number, unique within its processor (1, 2, … in the order the polls
    /// hand deliveries out): pass it to ``Processor.ack`` once ``body`` is written upstream.
    #[pyo3(get)]
    id: u64,
    /// The token (tenant) to write with.
    #[pyo3(get)]
    token: String,
    /// ``"tracing"``, ``"logging"``, ``"rum"`` or ``"metric"``.
    #[pyo3(get)]
    data_type: &'static str,
    /// ``/v1/write/<data_type>``.
    #[pyo3(get)]
    path: &'static str,
    /// ``application/protobuf; proto=com.guance.Point``.
    #[pyo3(get)]
    content_type: &'static str,
    /// A serialized ``point.PBPoints`` (never compressed); ``decode_points`` reads it.
    #[pyo3(get)]
    body: Py<PyBytes>,
    /// The number of points in ``body``.
    #[pyo3(get)]
    points: u64,
}

impl PyDelivery {
    fn new(py: Python<'_>, d: tailsampling::Delivery) -> Self {
        PyDelivery {
            id: d.id,
            body: PyBytes::new(py, &d.body).unbind(),
            token: d.token,
            data_type: d.data_type,
            path: d.path,
            content_type: d.content_type,
            points: d.points,
        }
    }
}

#[pymethods]
impl PyDelivery {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Delivery(id={}, token={}, data_type={}, path={}, points={}, body=<{} bytes>)",
            self.id,
            repr(py, &self.token)?,
            repr(py, self.data_type)?,
            repr(py, self.path)?,
            self.points,
            self.body.bind(py).as_bytes().len()
        ))
    }
}
