"""The shape of ``Processor.stats()``: ``TypedDict`` s mirroring the engine's ``Stats`` (the
dict is its JSON serialization; ``tests/test_stats.py`` checks the two have the same keys).

Per token and in total, ``accepted == pending["packets"] + buffered["packets"] +
kept["packets"] + dropped["packets"]`` whenever no call is in flight.
"""

from __future__ import annotations

from typing import Optional, TypedDict


class Memory(TypedDict):
    """The global memory budget."""

    held_bytes: int
    limit_bytes: int


class PacketsBytes(TypedDict):
    """Packets and their payload bytes."""

    packets: int
    bytes: int


class Buffered(TypedDict):
    """Groups waiting for a decision, their packets and payload bytes."""

    groups: int
    packets: int
    bytes: int


class Groups(TypedDict):
    """Groups and their packets."""

    groups: int
    packets: int


class Dropped(TypedDict):
    """Dropped groups and packets, and the packets by reason (``pipeline``, ``no_match``, ...)."""

    groups: int
    packets: int
    by_reason: dict[str, int]


class KeptDropped(TypedDict):
    """A count of kept and of dropped."""

    kept: int
    dropped: int


class Configs(TypedDict):
    """``set_config`` outcomes."""

    applied: int
    ignored: int
    rejected: int


class Counters(TypedDict):
    """Packets and groups through the engine, for one token or in total."""

    accepted: int
    refused_busy: int
    pending: PacketsBytes
    buffered: Buffered
    kept: Groups
    dropped: Dropped
    early_decisions: int
    late: KeptDropped
    configs: Configs


class Diagnostic(TypedDict):
    """A warning of the config in force, as ``validate_config`` reports it."""

    severity: str
    path: str
    pipeline: Optional[str]
    line: Optional[int]
    column: Optional[int]
    message: str
    hint: Optional[str]
    reference: Optional[str]
    ours: Optional[str]


class ConfigInForce(TypedDict):
    """The config in force for a token."""

    version: int
    changed_at_unix_nano: int
    warnings: list[Diagnostic]


class TypeMismatch(TypedDict):
    """A key observed only with types the condition's comparisons never match."""

    key: str
    observed: list[str]
    compared_with: list[str]


class PipelineDrift(TypedDict):
    """The drift of one pipeline."""

    name: str
    never_observed: list[str]
    type_mismatch: list[TypeMismatch]


class Drift(TypedDict):
    """The drift of one data type's config against the keys observed in decided groups."""

    observed_groups: int
    observed_keys: int
    keys_over_limit: int
    pipelines: dict[str, PipelineDrift]


class TokenStats(Counters):
    """The statistics of one token: its counters and more."""

    decisions: dict[str, dict[str, KeptDropped]]
    config: Optional[ConfigInForce]
    drift: dict[str, Drift]
    held_bytes: int


class Stats(TypedDict):
    """What ``Processor.stats()`` returns."""

    memory: Memory
    total: Counters
    tokens: dict[str, TokenStats]
