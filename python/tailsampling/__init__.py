"""tailsampling: a tail-sampling engine for traces, logs and RUM sessions, wire-compatible with
Guance Dataway's tail-sampling APIs.

The engine is the Rust crate ``tailsampling``, bound directly with PyO3 (module
``tailsampling._tailsampling``, typed by ``_tailsampling.pyi``); this package re-exports it
and adds the ``TypedDict`` s of ``Processor.stats`` (``_stats``). See
``python -m tailsampling help`` for the command line.

- ``Processor(**options)``: ingest ``DataPacket`` bodies, push configs, poll kept data and
  metrics (``Delivery``), ``stats()`` (a ``Stats``).
- ``validate_config(config)``: a ``Report`` of ``Finding`` s, as ``tailsampling check``.
- ``pack``, ``decode_points``, ``decode_packet``, ``peek_packet``: build and inspect wire
  data.
- ``Status`` and the exceptions, all subclasses of ``Error``.
"""

from tailsampling._stats import Stats, TokenStats
from tailsampling._tailsampling import (
    Busy,
    ConfigError,
    DecodeError,
    Delivery,
    Error,
    Finding,
    InvalidArgument,
    Panic,
    Poisoned,
    Processor,
    Report,
    Status,
    TokenMismatch,
    TooLarge,
    Unsupported,
    __version__,
    decode_packet,
    decode_points,
    pack,
    peek_packet,
    validate_config,
)

__all__ = [
    "Busy",
    "ConfigError",
    "DecodeError",
    "Delivery",
    "Error",
    "Finding",
    "InvalidArgument",
    "Panic",
    "Poisoned",
    "Processor",
    "Report",
    "Stats",
    "Status",
    "TokenMismatch",
    "TokenStats",
    "TooLarge",
    "Unsupported",
    "__version__",
    "decode_packet",
    "decode_points",
    "pack",
    "peek_packet",
    "validate_config",
]
