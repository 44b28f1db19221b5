"""``pack``, ``decode_points``, ``decode_packet`` and ``peek_packet``: round trips, header fields, grouping,
zstd, and errors."""

from __future__ import annotations

from typing import Any

import pytest

import tailsampling as ts
from conftest import T0, spans


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def test_tracing_groups_by_trace_id_with_every_header_field() -> None:
    a, b = spans("trace-a", 3, error=True), spans("trace-b", 2)
    points = [a[0], b[0], a[1], b[1], a[2]]
    packets = ts.pack(points, "tkn_a", "tracing", source="ddtrace", config_version=7)
    assert len(packets) == 2
    pa, pb = (ts.decode_packet(p) for p in packets)
    assert pa["points"] == a and pb["points"] == b
    assert pa["raw_group_id"] == "trace-a" and pa["group_id_hash"] == fnv1a64(b"trace-a")
    assert (pa["token"], pa["source"], pa["data_type"]) == ("tkn_a", "ddtrace", "tracing")
    assert (pa["config_version"], pa["group_key"], pa["point_count"]) == (7, "", 3)
    assert pa["has_error"] and pa["pred_error"] and not pb["has_error"]
    assert pa["max_point_time_unix_nano"] == T0 + 2
    # start (µs) and duration (µs) give the trace's time range in ns.
    starts = [s["fields"]["start"] * 1000 for s in a]
    ends = [s["fields"]["start"] * 1000 + s["fields"]["duration"] * 1000 for s in a]
    assert pa["trace_start_time_unix_nano"] == min(starts)
    assert pa["trace_end_time_unix_nano"] == max(ends)
    assert pa["root_duration_us"] == 3000 and pa["max_nonroot_duration_us"] == 2000
    assert pa["max_span_duration_us"] == 3000
    assert pa["payload_compression"] == 0
    assert ts.decode_points(pa["points_payload"]) == a
    expected_keys = {
        "group_id_hash", "raw_group_id", "token", "source", "data_type", "config_version",
        "has_error", "group_key", "point_count", "trace_start_time_unix_nano",
        "trace_end_time_unix_nano", "points_payload", "max_point_time_unix_nano",
        "payload_compression", "pred_error", "pred_http_error", "pred_biz_error",
        "pred_trace_keep", "max_span_duration_us", "root_duration_us",
        "max_nonroot_duration_us", "points",
    }  # fmt: skip
    assert set(pa) == expected_keys


def test_zstd_round_trip() -> None:
    points = spans("trace-z", 50)
    (raw,) = ts.pack(points, "tkn_a", "tracing")
    (packed,) = ts.pack(points, "tkn_a", "tracing", compress=True)
    assert len(packed) < len(raw)
    header = ts.decode_packet(packed)
    assert header["payload_compression"] == 1
    assert header["points"] == points


def test_logging_groups_by_the_first_group_key_a_point_carries() -> None:
    def log(service: str | None, host: str, msg: str) -> dict[str, Any]:
        tags = {"host": host} if service is None else {"service": service, "host": host}
        return {"measurement": "nginx", "tags": tags, "fields": {"message": msg}, "time": T0}

    points = [log("api", "h1", "a"), log(None, "h2", "b"), log("web", "h1", "c")]
    points.append(log("api", "h3", "d"))
    packed = ts.pack(points, "tkn_a", "logging", group_keys=["service", "host"])
    groups = [
        (p["group_key"], p["raw_group_id"], [pt["fields"]["message"] for pt in p["points"]])
        for p in map(ts.decode_packet, packed)
    ]
    assert groups == [
        ("service", "api", ["a", "d"]),
        ("host", "h2", ["b"]),
        ("service", "web", ["c"]),
    ]
    # A point with none of the keys is not packed (Datakit writes it directly).
    assert ts.pack([log(None, "h1", "x")], "tkn_a", "logging", group_keys=["service"]) == []
    with pytest.raises(ts.InvalidArgument, match="group_keys"):
        ts.pack(points, "tkn_a", "rum")


def test_field_types_round_trip() -> None:
    fields = {
        "i": -5,
        "big": 2**63,  # above int64: packed as an unsigned field
        "f": 1.5,
        "s": "text",
        "yes": True,
        "raw": b"\x00\xff",
        "trace_id": "t",
    }
    point = {"measurement": "m", "tags": {"k": "v"}, "fields": fields, "time": 42}
    (packet,) = ts.pack([point], "tkn_a", "tracing")
    (decoded,) = ts.decode_packet(packet)["points"]
    assert decoded == point
    assert type(decoded["fields"]["yes"]) is bool
    # tags and fields may be omitted; a trace_id tag is enough to group.
    minimal = {"measurement": "m", "tags": {"trace_id": "t"}, "time": 1}
    (packet,) = ts.pack([minimal], "tkn_a", "tracing")
    assert ts.decode_packet(packet)["points"] == [
        {"measurement": "m", "tags": {"trace_id": "t"}, "fields": {}, "time": 1}
    ]


@pytest.mark.parametrize(
    ("point", "error", "match"),
    [
        ({"time": 1}, ts.InvalidArgument, r'points\[0\]: missing "measurement"'),
        ({"measurement": "m", "time": 1, "tag": {}}, ts.InvalidArgument, 'unknown key "tag"'),
        ({"measurement": "m", "time": "now"}, TypeError, r"points\[0\]\.time: expected an int"),
        ({"measurement": "m", "time": 1, "tags": {"k": 1}}, TypeError, r"tags\.k: expected a str"),
        ({"measurement": "m", "time": 1, "fields": {"x": [1]}}, TypeError, r"fields\.x: expected int"),
        ({"measurement": "m", "time": 1, "fields": {"x": 2**64}}, TypeError, "64-bit"),
        ("not a dict", TypeError, r"points\[0\]: expected a dict"),
    ],
)
def test_pack_names_the_bad_point(point: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        ts.pack([point], "tkn_a", "tracing")


def test_pack_rejects_an_unknown_data_type() -> None:
    with pytest.raises(ts.InvalidArgument, match="data_type"):
        ts.pack([], "tkn_a", "metric")  # type: ignore[arg-type]


def test_decode_errors() -> None:
    with pytest.raises(ts.DecodeError, match=r"PBPoints\.arr \(field 1\) at byte 2"):
        ts.decode_points(b"\x0a\x10")
    (packet,) = ts.pack(spans("t", 1), "tkn_a", "tracing")
    with pytest.raises(ts.Unsupported, match="payload_compression"):
        ts.decode_packet(packet + b"\x70\x07")
    with pytest.raises(ts.DecodeError, match="zstd"):
        ts.decode_packet(packet + b"\x70\x01")  # claims zstd; the payload is raw
    assert ts.decode_points(b"") == []


def test_peek_packet_reads_pick_keys_and_compression_with_ingest_checks() -> None:
    token = "tkn_0123456789abcdef"
    (trace,) = ts.pack(spans("4bf92f3577b34da6a3ce929d0e0e4736", 2), token, "tracing")
    assert ts.peek_packet(trace) == {"pick_key": 0xB878F5FD59BC5892, "payload_compression": 0}
    assert ts.peek_packet(trace, token)["pick_key"] == fnv1a64(b"4bf92f3577b34da6a3ce929d0e0e4736")
    with pytest.raises(ts.TokenMismatch):
        ts.peek_packet(trace, "another")
    with pytest.raises(ts.DecodeError):
        ts.peek_packet(b"\x0a\xff\xff", token)
