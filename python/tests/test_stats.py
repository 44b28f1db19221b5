"""``Processor.stats()`` against its declared shape (``tailsampling.Stats``): the dict the
engine returns has exactly the keys of the ``TypedDict`` s, at every level."""

from __future__ import annotations

import typing
from typing import Any

import tailsampling as ts
from conftest import T0, trace_packet


def check(value: Any, hint: Any, path: str, problems: list[str]) -> None:
    """Adds to ``problems`` where ``value`` does not have the shape ``hint`` declares."""
    origin = typing.get_origin(hint)
    if typing.is_typeddict(hint):
        fields = typing.get_type_hints(hint)
        if not isinstance(value, dict) or set(value) != set(fields):
            got = sorted(value) if isinstance(value, dict) else type(value).__name__
            problems.append(f"{path}: keys {got}, declared {sorted(fields)}")
            return
        for key, field in fields.items():
            check(value[key], field, f"{path}.{key}", problems)
    elif origin is dict:
        _, item = typing.get_args(hint)
        for key, v in value.items():
            check(v, item, f"{path}[{key!r}]", problems)
    elif origin is list:
        (item,) = typing.get_args(hint)
        for i, v in enumerate(value):
            check(v, item, f"{path}[{i}]", problems)
    elif origin is typing.Union:
        if value is not None:
            (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
            check(value, inner, path, problems)
    elif not isinstance(value, hint):
        problems.append(f"{path}: {type(value).__name__}, declared {hint.__name__}")


def test_stats_have_the_declared_shape() -> None:
    config = {
        "version": 1,
        "trace": {
            "data_ttl": "1s",
            "pipelines": [
                # `!= re()` leaves a warning; `sttaus` is never observed: drift.
                {"name": "k", "type": "condition", "condition": '{ sttaus != re("^e") }', "action": "keep"}
            ],
        },
    }
    with ts.Processor(clock="manual") as p:
        p.set_time(T0)
        assert p.ingest(trace_packet("pending", token="other"), token="other") == ts.Status.PENDING
        assert p.set_config("tkn_a", config)
        p.ingest(trace_packet("a"), token="tkn_a")
        p.set_time(T0 + 2 * 10**9)
        p.poll_kept()
        stats = p.stats()
    token = stats["tokens"]["tkn_a"]
    config_in_force = token["config"]
    assert config_in_force is not None and config_in_force["warnings"], token
    assert token["drift"]["tracing"]["pipelines"]["trace.pipelines[0]"]["never_observed"] == ["sttaus"]
    problems: list[str] = []
    check(stats, ts.Stats, "stats", problems)
    assert problems == []
