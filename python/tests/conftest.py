"""Shared helpers for the tests of the installed ``tailsampling`` wheel: packets built with
``tailsampling.pack``, the configs they are decided with, and the conservation check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tailsampling as ts

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = REPO / "examples" / "config.json"

T0 = 1_700_000_000_000_000_000
"""A unix time in nanoseconds that the tests start their manual clocks at."""

KEEP_ALL = {
    "version": 1,
    "trace": {"pipelines": [{"name": "keep-all", "type": "probabilistic", "rate": 1}]},
}
KEEP_ERRORS = {
    "version": 2,
    "trace": {
        "pipelines": [
            {
                "name": "keep-errors",
                "type": "condition",
                "condition": '{ status = "error" }',
                "action": "keep",
            }
        ]
    },
}


def spans(trace_id: str, n: int = 2, *, error: bool = False, t: int = T0) -> list[dict[str, Any]]:
    """``n`` spans of one trace; the root has ``status = "error"`` when ``error``."""
    out = []
    for i in range(n):
        out.append(
            {
                "measurement": "ddtrace",
                "tags": {
                    "trace_id": trace_id,
                    "service": "api",
                    "status": "error" if error and i == 0 else "ok",
                },
                "fields": {
                    "span_id": str(i + 1),
                    "parent_id": "0" if i == 0 else "1",
                    "duration": 1000 * (n - i),
                    "start": t // 1000 + i,
                },
                "time": t + i,
            }
        )
    return out


def trace_packet(
    trace_id: str, token: str = "tkn_a", n: int = 2, *, error: bool = False, compress: bool = False
) -> bytes:
    """One encoded DataPacket holding a trace of ``n`` spans."""
    (packet,) = ts.pack(spans(trace_id, n, error=error), token, "tracing", compress=compress)
    return packet


def assert_conserved(stats: ts.Stats) -> None:
    """Every accepted packet is pending, buffered, kept or dropped: in total and per token."""
    for scope in [stats["total"], *stats["tokens"].values()]:
        parts = (scope["pending"], scope["buffered"], scope["kept"], scope["dropped"])
        assert scope["accepted"] == sum(part["packets"] for part in parts), scope


@pytest.fixture
def processor() -> Iterator[ts.Processor]:
    """A processor on a manual clock at ``T0``."""
    with ts.Processor(clock="manual") as p:
        p.set_time(T0)
        yield p
