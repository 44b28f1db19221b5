"""The extension module (PyO3), and the only stub of the package: ``tailsampling``
(``__init__.py``) re-exports its public names, and the pure-Python modules (``_stats``) are
typed by their own source. Checked against the extension by mypy.stubtest, and its docstrings
against the runtime ones by the test suite. ``Status``'s members and the exception classes are
made at import time from the engine's status table; a test checks that this stub lists the
same ones."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypedDict, final

from tailsampling._stats import Stats

# What PyO3 lists as the module adds each name.
__all__ = [
    "__version__",
    "Status",
    "Error",
    "Busy",
    "InvalidArgument",
    "DecodeError",
    "ConfigError",
    "TooLarge",
    "Unsupported",
    "TokenMismatch",
    "Panic",
    "Poisoned",
    "Processor",
    "Delivery",
    "Report",
    "Finding",
    "validate_config",
    "pack",
    "decode_points",
    "decode_packet",
    "peek_packet",
    "_run_cli",
]

__version__: str

# A packet body or payload: bytes are read in place, other buffers copied once.
_Bytes = bytes | bytearray | memoryview
# A JSON document: text, bytes, or a dict of JSON values.
_Json = str | bytes | bytearray | memoryview | dict[str, Any]
# An option value: durations are Go duration strings ("10m") or integer nanoseconds.
_OptionValue = str | int | float | bool | None

class _PacketInfo(TypedDict):
    """What ``peek_packet`` reads of a packet."""

    pick_key: int
    payload_compression: int

class _Point(TypedDict):
    """A decoded point."""

    measurement: str
    tags: dict[str, str]
    fields: dict[str, Any]
    time: int

@final
class Status:
    """The outcome of an operation. ``ingest`` returns ``OK`` (HTTP 200) or ``PENDING`` (HTTP 412:
    no config yet for this token and data type; push one with ``set_config``). The other
    members are the ``status`` of the exceptions. The values are the C ABI's ``ts_status``.
    """

    OK: ClassVar[Status]
    PENDING: ClassVar[Status]
    BUSY: ClassVar[Status]
    INVALID_ARGUMENT: ClassVar[Status]
    DECODE_ERROR: ClassVar[Status]
    CONFIG_ERROR: ClassVar[Status]
    TOO_LARGE: ClassVar[Status]
    UNSUPPORTED: ClassVar[Status]
    TOKEN_MISMATCH: ClassVar[Status]
    PANIC: ClassVar[Status]
    POISONED: ClassVar[Status]
    @property
    def name(self) -> str:
        """The member name, e.g. ``"PENDING"``."""
    @property
    def value(self) -> int:
        """The numeric value (the C ABI's ``ts_status``)."""
    @property
    def http_status(self) -> int:
        """The HTTP status a Dataway answers with: 200, 412, 503, 400, 413, 415, 403 or 500."""
    def __int__(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

class Error(Exception):
    """Base class of every error raised by tailsampling. Each subclass has the class
    attributes ``status`` (a ``Status``) and ``http_status`` (the HTTP status a Dataway
    answers with); ``str(error)`` names the field, option or byte offset at fault.
    """

    status: ClassVar[Status]
    http_status: ClassVar[int]

class Busy(Error):
    """Not accepted: a memory or pending limit is reached and nothing was stored; the client writes directly (HTTP 503)."""

class InvalidArgument(Error):
    """A bad argument: an unknown or invalid option, a value out of range, a missing, empty, oversized or malformed input, or no token at all (HTTP 400)."""

class DecodeError(Error):
    """The bytes are not a valid DataPacket, PBPoints payload or zstd frame; the message names the field and byte offset (HTTP 400)."""

class ConfigError(Error):
    """The sampling config is invalid and the one in force stays; the message names the JSON path of the first error (HTTP 400)."""

class TooLarge(Error):
    """The packet is over the max_packet_bytes option, or a payload decompresses to more than allowed (HTTP 413)."""

class Unsupported(Error):
    """The data type is not tracing, logging or rum, or the payload compression is unknown (HTTP 415)."""

class TokenMismatch(Error):
    """The packet's own token differs from the authenticated one (HTTP 403)."""

class Panic(Error):
    """The engine panicked during the call (a bug); the processor is poisoned (HTTP 500)."""

class Poisoned(Error):
    """The processor was poisoned by an earlier panic; make a new one (HTTP 500)."""

@final
class Delivery:
    """Kept data or metrics to write upstream: ``POST`` ``body`` to
    ``{upstream}{path}?token={token}`` with ``Content-Type: {content_type}``.
    """

    @property
    def id(self) -> int:
        """The delivery's number, unique within its processor (1, 2, … in the order the polls
        hand deliveries out): pass it to ``Processor.ack`` once ``body`` is written upstream.
        """
    @property
    def token(self) -> str:
        """The token (tenant) to write with."""
    @property
    def data_type(self) -> Literal["tracing", "logging", "rum", "metric"]:
        """``"tracing"``, ``"logging"``, ``"rum"`` or ``"metric"``."""
    @property
    def path(self) -> str:
        """``/v1/write/<data_type>``."""
    @property
    def content_type(self) -> str:
        """``application/protobuf; proto=com.guance.Point``."""
    @property
    def body(self) -> bytes:
        """A serialized ``point.PBPoints`` (never compressed); ``decode_points`` reads it."""
    @property
    def points(self) -> int:
        """The number of points in ``body``."""

@final
class Processor:
    """A tail-sampling engine for one Dataway: it groups the packets you ``ingest`` by trace (or
    log group, or RUM session), waits out each group's TTL, decides with the token's sampling
    config, and hands back the kept data with ``poll_kept`` and the metrics with
    ``poll_metrics``.

    ``Processor(**options)`` takes the engine options as keyword arguments, e.g.
    ``Processor(clock="manual", pending_max_age="5m", shards=4)``; every option is optional
    and an unknown one raises ``InvalidArgument`` naming it. Durations are Go duration strings
    (``"10m"``) or integer nanoseconds. The options: ``clock`` (``"system"`` or ``"manual"``),
    ``shards``, ``pending_max_packets``, ``pending_max_bytes``, ``pending_max_age``,
    ``memory_limit_bytes``, ``token_memory_share``, ``max_packet_bytes``, ``max_group_bytes``,
    ``max_decompressed_bytes``, ``max_batch_bytes``, ``decision_cache_size``,
    ``decision_cache_ttl``, ``late_data`` (``"remember"`` or ``"new_group"``), ``compat``
    (``"default"``, or ``"reference"`` for the Guance reference engine's decisions, quirks
    included), ``default_ttl``, ``metrics_window``, ``default_token``.

    Every method may be called from many threads at once; the GIL is released while the
    engine works. ``close()`` (or leaving a ``with`` block) releases the engine; later calls
    raise ``InvalidArgument``.
    """

    def __new__(cls, **options: _OptionValue) -> Processor: ...
    def set_config(self, token: str, config: _Json) -> bool:
        """Installs ``config`` (the JSON posted to ``/v1/tail_sampling_config``: ``str``, bytes or
        ``dict``) for ``token``. Returns True when applied, False when ignored because its
        top-level ``version`` equals the installed one. Applying a config drains the token's
        pending packets into the engine. Raises ``ConfigError`` (the old config stays in
        force) or ``InvalidArgument`` (empty token).
        """
    def ingest(self, body: _Bytes, token: str | None = None) -> Status:
        """Ingests one encoded ``DataPacket`` (``bytes`` are read in place; other buffers are
        copied once). ``token`` is the token the host authenticated (``?token=``); when given,
        a packet carrying a different token raises ``TokenMismatch``; when None, the packet's
        own token is used. Returns ``Status.OK`` (buffered) or ``Status.PENDING`` (no config
        yet for this token and data type: answer 412 and expect a config). Raises ``TooLarge``,
        ``DecodeError``, ``Unsupported``, ``TokenMismatch``, ``InvalidArgument`` (no token at
        all) or ``Busy`` (a limit is reached; nothing was stored).
        """
    def poll_kept(self) -> list[Delivery]:
        """Advances to now, decides every group whose TTL elapsed, and returns the kept data as
        deliveries: per token and data type, bodies of at most ``max_batch_bytes``. Call it
        about once a second.
        """
    def poll_metrics(self) -> list[Delivery]:
        """Advances to now and returns the built-in metrics of every window that has ended, one
        delivery per token to ``/v1/write/metric``, plus the ``dataway_aggregate`` runtime
        counters under ``default_token`` when that option is set.
        """
    def set_time(self, unix_nanos: int) -> None:
        """Moves the manual clock to ``unix_nanos`` (an earlier time is ignored). Raises
        ``InvalidArgument`` unless the processor was created with ``clock="manual"``.
        """
    def flush(self) -> None:
        """Decides every buffered group now, so that the next ``poll_kept`` returns their kept
        data and the next ``poll_metrics`` every open window (to drain before exit). Pending
        packets stay pending.
        """
    def stats(self) -> Stats:
        """Engine statistics: ``{"memory": {...}, "total": {...}, "tokens": {token: {...}}}``.
        Per token and in total, ``accepted == pending["packets"] + buffered["packets"] +
        kept["packets"] + dropped["packets"]`` whenever no call is in flight.
        """
    def record_send(
        self,
        token: str,
        data_type: str,
        result: Literal["success", "failure", "drop"],
        n: int = 1,
    ) -> None:
        """Counts ``n`` delivery attempts of the host for the ``dataway_aggregate`` runtime
        counters: ``result`` is ``"success"``, ``"failure"`` or ``"drop"``.
        """
    def ack(self, ids: Sequence[int]) -> None:
        """Acknowledges deliveries (their ``id``) as written upstream. The engine is memory-only:
        a delivery handed out by a poll is already forgotten, so any ids are accepted and
        nothing changes. Hosts call it after each successful upstream write all the same, so
        that they keep working unchanged once the engine keeps state on disk and hands out
        again, after a restart, the deliveries never acknowledged.
        """
    def close(self) -> None:
        """Releases the engine; buffered and pending data are discarded (``flush`` and
        ``poll_kept`` first to deliver them). Calls in flight finish; later calls raise
        ``InvalidArgument``. Closing twice is allowed.
        """
    @property
    def closed(self) -> bool:
        """True after ``close()`` (a poisoned processor is not closed: its calls raise
        ``Poisoned``).
        """
    def __enter__(self) -> Processor:
        """Returns the processor itself."""
    def __exit__(self, *_exc_info: object) -> None:
        """Closes the processor; exceptions propagate."""

@final
class Finding:
    """One problem found in a config."""

    @property
    def severity(self) -> Literal["error", "warning"]:
        """``"error"`` (the config is rejected) or ``"warning"`` (accepted, but probably not
        what the author meant).
        """
    @property
    def path(self) -> str:
        """The JSON path of the offending value, e.g. ``trace.pipelines[2].condition`` (empty
        for the whole document).
        """
    @property
    def message(self) -> str:
        """What is wrong."""
    @property
    def hint(self) -> str | None:
        """How to fix it, or None when no fix is known."""
    @property
    def pipeline(self) -> str | None:
        """The name of the pipeline the finding is in, or None."""
    @property
    def line(self) -> int | None:
        """The 1-based line of the finding inside the pipeline's condition, or None."""
    @property
    def column(self) -> int | None:
        """The 1-based column of the finding inside the pipeline's condition, or None."""

@final
class Report:
    """The outcome of ``validate_config``: whether the config would be accepted, every finding,
    and the fields each pipeline's condition references.
    """

    @property
    def ok(self) -> bool:
        """True when the config would be accepted (no error findings; warnings allowed)."""
    @property
    def findings(self) -> list[Finding]:
        """Errors and warnings, in document order."""
    @property
    def referenced_fields(self) -> dict[str, list[str]]:
        """The JSON path of each pipeline (``trace.pipelines[0]``) → the fields its condition
        references, in order of first reference.
        """
    @property
    def field_types(self) -> dict[str, dict[str, str | None]]:
        """With a schema: the JSON path of each pipeline → each referenced field's declared type
        (``"tag"``, ``"string"``, ``"int"``, …), or None for a field the schema lacks. Empty
        without a schema.
        """
    def to_json(self) -> str:
        """The report as the JSON text ``tailsampling check --format json`` prints:
        ``{"ok", "errors", "warnings", "findings": [{"severity", "path", "pipeline", "line",
        "column", "message", "hint"}], "referenced_fields", "field_types"}``.
        """

def validate_config(config: _Json, schema: _Json | None = None) -> Report:
    """Validates a sampling config without installing it (the same code as ``tailsampling
    check``): ``config`` is the JSON as ``str``, bytes or ``dict``. Never raises for a bad
    config: the findings say what is wrong, each with its JSON path, pipeline, position in the
    condition and a hint.

    ``schema`` declares the fields of the data, so that conditions referencing unknown fields
    or comparing values that can never match under strict typing are found: JSON (``str``,
    bytes or ``dict``: ``{"tracing": {"status": "tag", "duration": "int"}, "logging": {...},
    "rum": {...}}``) or SQL ``CREATE TABLE`` statements (``str``). A schema that does not
    parse raises ``InvalidArgument`` naming its line.
    """

def pack(
    points: Iterable[Mapping[str, Any]],
    token: str,
    data_type: Literal["tracing", "logging", "rum"],
    *,
    group_keys: Sequence[str] | None = None,
    source: str = "",
    compress: bool = False,
    config_version: int = 0,
) -> list[bytes]:
    """Groups ``points`` into encoded ``DataPacket`` messages exactly as Datakit does, one per
    group in first-appearance order, with every header field filled (hashes, counts, times,
    ``has_error``, the predicate hints). A point is a dict ``{"measurement": str, "tags":
    {str: str}, "fields": {str: int | float | str | bool | bytes}, "time": int}`` (unix ns;
    ``tags`` and ``fields`` may be omitted).

    ``data_type`` ``"tracing"`` groups by the ``trace_id`` tag (or string field);
    ``"logging"`` and ``"rum"`` by the first of ``group_keys`` that a point carries (at least
    one key is required). Points that belong to no group are not packed: Datakit writes them
    directly. With ``compress=True`` a payload is one zstd frame when that is smaller.
    Integers above the int64 range are packed as unsigned fields.
    """

def decode_points(body: _Bytes) -> list[_Point]:
    """Decodes a serialized ``point.PBPoints`` (a ``Delivery.body``, or a decompressed packet
    payload) into point dicts ``{"measurement", "tags", "fields", "time"}``, in wire order.
    Fields with ``is_tag`` go to ``tags``; unsigned integers decode as ``int``; invalid UTF-8
    in strings is replaced; when a key repeats, the first value wins. Raises ``DecodeError``
    naming the message, field and byte offset.
    """

def decode_packet(body: _Bytes) -> dict[str, Any]:
    """Decodes an encoded ``DataPacket``: a dict of its header fields (``group_id_hash``,
    ``raw_group_id``, ``token``, ``source``, ``data_type``, ``config_version``, ``has_error``,
    ``group_key``, ``point_count``, ``trace_start_time_unix_nano``,
    ``trace_end_time_unix_nano``, ``points_payload`` (as sent, possibly compressed),
    ``max_point_time_unix_nano``, ``payload_compression``, ``pred_error``,
    ``pred_http_error``, ``pred_biz_error``, ``pred_trace_keep``, ``max_span_duration_us``,
    ``root_duration_us``, ``max_nonroot_duration_us``) plus ``points``, the decoded points of
    the (decompressed) payload. Raises ``DecodeError``, ``Unsupported`` (payload
    compression) or ``TooLarge`` (the payload decompresses to more than 64 MiB).
    """

def peek_packet(body: _Bytes, token: str = "") -> _PacketInfo:
    """Reads the routing facts of an encoded ``DataPacket`` as the engine does, without a
    processor: ``pick_key``, the ``Guance-Pick-Key`` Datakit sends (``group_id_hash`` for
    traces, the group's key for logging and RUM; a proxy routes to
    ``backends[pick_key % n]``), and ``payload_compression`` (0 raw, 1 zstd). ``token`` is the
    request's token, as for ``Processor.ingest`` (empty: the packet's own). Makes ``ingest``'s
    header checks: raises ``DecodeError``, ``Unsupported``, ``TokenMismatch`` or
    ``InvalidArgument``.
    """

def _run_cli(args: list[str]) -> int:
    """Runs the ``tailsampling`` command line with ``args`` (without the program name) on the
    process's standard streams, with the GIL released; returns the exit code. Used by
    ``python -m tailsampling``.
    """
