"""``Processor`` at the Python level: the behaviour matrix, deliveries, stats conservation,
the context manager and ``close()``, and concurrent ``ingest`` while another thread polls."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import tailsampling as ts
from conftest import KEEP_ALL, KEEP_ERRORS, T0, assert_conserved, spans, trace_packet


def test_ok(processor: ts.Processor) -> None:
    assert processor.set_config("tkn_a", KEEP_ALL) is True
    assert processor.ingest(trace_packet("t1"), token="tkn_a") == ts.Status.OK
    stats = processor.stats()
    assert stats["tokens"]["tkn_a"]["buffered"]["packets"] == 1
    assert_conserved(stats)


def test_pending_then_config_drains(processor: ts.Processor) -> None:
    # Without a token argument the packet's own token is used.
    assert processor.ingest(trace_packet("t1")) == ts.Status.PENDING
    assert processor.ingest(trace_packet("t2"), token="tkn_a") == ts.Status.PENDING
    tkn = processor.stats()["tokens"]["tkn_a"]
    assert (tkn["pending"]["packets"], tkn["buffered"]["packets"]) == (2, 0)
    assert processor.set_config("tkn_a", KEEP_ALL)
    tkn = processor.stats()["tokens"]["tkn_a"]
    assert (tkn["pending"]["packets"], tkn["buffered"]["packets"]) == (0, 2)
    assert_conserved(processor.stats())


def test_busy_when_the_pending_cache_is_full() -> None:
    with ts.Processor(clock="manual", pending_max_packets=1) as p:
        assert p.ingest(trace_packet("t1"), token="tkn_a") == ts.Status.PENDING
        with pytest.raises(ts.Busy, match="pending cache"):
            p.ingest(trace_packet("t2"), token="tkn_a")
        stats = p.stats()
        assert stats["tokens"]["tkn_a"]["refused_busy"] == 1
        assert_conserved(stats)


def test_token_mismatch(processor: ts.Processor) -> None:
    with pytest.raises(ts.TokenMismatch):
        processor.ingest(trace_packet("t1", token="tkn_a"), token="tkn_b")


def test_missing_token(processor: ts.Processor) -> None:
    with pytest.raises(ts.InvalidArgument, match="no token"):
        processor.ingest(trace_packet("t1", token=""))


def test_decode_error(processor: ts.Processor) -> None:
    with pytest.raises(ts.DecodeError, match=r"at byte \d+"):
        processor.ingest(b"\xff\xff\xff", token="tkn_a")


def test_too_large() -> None:
    with ts.Processor(max_packet_bytes=64) as p:
        with pytest.raises(ts.TooLarge, match="max_packet_bytes"):
            p.ingest(trace_packet("t1", n=10), token="tkn_a")


def test_unsupported_data_type_and_compression(processor: ts.Processor) -> None:
    packet = trace_packet("t1")
    # A field appended to an encoded message replaces the earlier value (protobuf: last wins).
    with pytest.raises(ts.Unsupported, match="data_type"):
        processor.ingest(packet + b"\x2a\x06metric", token="tkn_a")  # 5: data_type
    with pytest.raises(ts.Unsupported, match="payload_compression"):
        processor.ingest(packet + b"\x70\x07", token="tkn_a")  # 14: payload_compression


def test_config_error_keeps_the_old_config(processor: ts.Processor) -> None:
    assert processor.set_config("tkn_a", KEEP_ALL)
    bad = {"trace": {"pipelines": [{"name": "x", "type": "sample"}]}}
    with pytest.raises(ts.ConfigError, match=r"trace\.pipelines\[0\]\.type"):
        processor.set_config("tkn_a", bad)
    with pytest.raises(ts.ConfigError, match="invalid JSON"):
        processor.set_config("tkn_a", "{")
    assert processor.ingest(trace_packet("t1"), token="tkn_a") == ts.Status.OK
    tkn = processor.stats()["tokens"]["tkn_a"]
    config = tkn["config"]
    assert config is not None
    assert (tkn["configs"]["rejected"], config["version"]) == (2, 1)


def test_same_version_is_ignored(processor: ts.Processor) -> None:
    import json

    text = json.dumps(KEEP_ALL)
    assert processor.set_config("tkn_a", KEEP_ALL) is True
    assert processor.set_config("tkn_a", text) is False
    assert processor.set_config("tkn_a", text.encode()) is False
    assert processor.set_config("tkn_a", KEEP_ERRORS) is True
    with pytest.raises(ts.InvalidArgument, match="token"):
        processor.set_config("", KEEP_ALL)


def test_set_time_needs_the_manual_clock() -> None:
    with ts.Processor() as p:
        with pytest.raises(ts.InvalidArgument, match="manual"):
            p.set_time(T0)


def test_options() -> None:
    ts.Processor(clock="manual", pending_max_age="5m", decision_cache_ttl=60_000_000_000).close()
    with pytest.raises(ts.InvalidArgument, match='unknown option "shardz"'):
        ts.Processor(shardz=4)
    with pytest.raises(ts.InvalidArgument, match="option clock"):
        ts.Processor(clock="sundial")
    with pytest.raises(ts.InvalidArgument, match="option pending_max_age"):
        ts.Processor(pending_max_age="soon")


@pytest.mark.parametrize(("compat", "kept"), [("default", ["ok"]), ("reference", ["ok", "error"])])
def test_compat_mode(compat: str, kept: list[str]) -> None:
    """`!= re(...)`: a deviation (docs/protocol.md, D5), undone by ``compat="reference"``."""
    config = {
        "version": 1,
        "trace": {
            "data_ttl": "1s",
            "pipelines": [
                {
                    "name": "not-error",
                    "type": "condition",
                    "condition": '{ parent_id = "0", status != re("^err") }',
                    "action": "keep",
                }
            ],
        },
    }
    with ts.Processor(clock="manual", compat=compat) as p:
        p.set_time(T0)
        assert p.set_config("tkn_a", config)
        p.ingest(trace_packet("ok"), token="tkn_a")
        p.ingest(trace_packet("error", error=True), token="tkn_a")
        p.set_time(T0 + 2 * 10**9)
        points = [pt for d in p.poll_kept() for pt in ts.decode_points(d.body)]
        assert sorted({pt["tags"]["trace_id"] for pt in points}) == sorted(kept)
    with pytest.raises(ts.InvalidArgument, match="option compat"):
        ts.Processor(compat="Reference")


def test_buffers_of_every_kind_are_accepted(processor: ts.Processor) -> None:
    processor.set_config("tkn_a", KEEP_ALL)
    packets = [trace_packet(f"t{i}") for i in range(3)]
    assert processor.ingest(packets[0], token="tkn_a") == ts.Status.OK
    assert processor.ingest(bytearray(packets[1]), token="tkn_a") == ts.Status.OK
    assert processor.ingest(memoryview(b"xx" + packets[2])[2:], token="tkn_a") == ts.Status.OK
    assert processor.stats()["total"]["buffered"]["packets"] == 3


def test_deliveries(processor: ts.Processor) -> None:
    processor.set_config("tkn_a", KEEP_ERRORS)
    processor.ingest(trace_packet("kept", n=3, error=True, compress=True), token="tkn_a")
    processor.ingest(trace_packet("dropped", n=2), token="tkn_a")
    assert processor.poll_kept() == []  # the trace TTL (5 min) has not elapsed
    processor.set_time(T0 + 301 * 10**9)
    (d,) = processor.poll_kept()
    assert (d.token, d.data_type, d.path, d.points) == ("tkn_a", "tracing", "/v1/write/tracing", 3)
    assert d.content_type == "application/protobuf; proto=com.guance.Point"
    assert isinstance(d.body, bytes)
    decoded = ts.decode_points(d.body)
    assert [p["tags"]["trace_id"] for p in decoded] == ["kept"] * 3
    assert decoded == spans("kept", 3, error=True)
    assert d.id == 1 and "Delivery(id=1, token='tkn_a'" in repr(d)

    stats = processor.stats()
    tkn = stats["tokens"]["tkn_a"]
    assert (tkn["kept"]["groups"], tkn["dropped"]["groups"]) == (1, 1)
    assert tkn["decisions"]["tracing"]["keep-errors"] == {"kept": 1, "dropped": 0}
    assert_conserved(stats)

    processor.flush()
    metrics = processor.poll_metrics()
    assert metrics and all(m.data_type == "metric" for m in metrics)
    assert all(m.path == "/v1/write/metric" and m.token == "tkn_a" for m in metrics)
    assert sum(len(ts.decode_points(m.body)) for m in metrics) == sum(m.points for m in metrics)
    # One numbering across both polls; acknowledging is accepted (the engine is memory-only).
    assert [m.id for m in metrics] == list(range(2, 2 + len(metrics)))
    processor.ack([d.id] + [m.id for m in metrics])
    processor.ack([])


def test_flush_decides_now_and_pending_stays(processor: ts.Processor) -> None:
    processor.set_config("tkn_a", KEEP_ALL)
    processor.ingest(trace_packet("t1"), token="tkn_a")
    processor.ingest(trace_packet("t2", token="tkn_b"))
    processor.flush()
    assert [d.token for d in processor.poll_kept()] == ["tkn_a"]
    stats = processor.stats()
    assert stats["tokens"]["tkn_b"]["pending"]["packets"] == 1
    assert_conserved(stats)


def test_record_send_feeds_runtime_counters() -> None:
    with ts.Processor(clock="manual", default_token="tkn_dw") as p:
        p.set_time(T0)
        p.record_send("tkn_a", "tracing", "success", 3)
        p.record_send("tkn_a", "tracing", "failure")
        with pytest.raises(ts.InvalidArgument, match="result"):
            p.record_send("tkn_a", "tracing", "maybe")  # type: ignore[arg-type]
        runtime = [d for d in p.poll_metrics() if d.token == "tkn_dw"]
        assert runtime
        names = {f for d in runtime for pt in ts.decode_points(d.body) for f in pt["fields"]}
        assert any("send" in n for n in names), names


def test_context_manager_and_close() -> None:
    with ts.Processor(clock="manual") as p:
        assert isinstance(p, ts.Processor) and not p.closed
    assert p.closed
    calls: list[Any] = [
        lambda: p.ingest(trace_packet("t1")),
        lambda: p.set_config("tkn_a", KEEP_ALL),
        p.poll_kept,
        p.poll_metrics,
        p.flush,
        p.stats,
        lambda: p.set_time(T0),
    ]
    for call in calls:
        with pytest.raises(ts.InvalidArgument, match="closed"):
            call()
    p.close()  # closing twice is allowed
    assert repr(p) == "<tailsampling.Processor closed>"

    with pytest.raises(RuntimeError), ts.Processor() as q:
        raise RuntimeError("exceptions propagate out of the with block")
    assert q.closed


def test_threads_ingest_while_another_polls() -> None:
    """Ingest from several threads (some tokens get their config late) while one thread
    moves the clock and polls; afterwards every packet is accounted for and every kept
    span was delivered exactly once."""
    threads, per_thread, spans_per_trace = 4, 500, 3
    delivered: list[ts.Delivery] = []
    errors: list[BaseException] = []
    done = threading.Event()
    # Pending packets must not expire however fast the poller moves the clock.
    with ts.Processor(clock="manual", shards=4, pending_max_age="100h") as p:
        p.set_time(T0)
        p.set_config("tkn_0", KEEP_ALL)

        def ingest(k: int) -> None:
            try:
                token = f"tkn_{k % 2}"
                for i in range(per_thread):
                    packet = trace_packet(f"{k}-{i}", token, spans_per_trace, compress=i % 3 == 0)
                    p.ingest(packet, token=token)
                    if k == 1 and i == per_thread // 2:
                        p.set_config("tkn_1", KEEP_ALL)  # drains tkn_1's pending packets
            except BaseException as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)

        def poll() -> None:
            try:
                t = T0
                while not done.is_set():
                    t += 10**9
                    p.set_time(t)
                    delivered.extend(p.poll_kept())
                    p.poll_metrics()
                    p.stats()  # conservation holds only once no call is in flight
            except BaseException as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)

        poller = threading.Thread(target=poll)
        workers = [threading.Thread(target=ingest, args=(k,)) for k in range(threads)]
        poller.start()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        done.set()
        poller.join()
        assert not errors, errors
        p.flush()
        delivered.extend(p.poll_kept())
        stats = p.stats()

    total = threads * per_thread
    assert stats["total"]["accepted"] == total
    assert stats["total"]["kept"]["packets"] == total
    assert_conserved(stats)
    assert sum(d.points for d in delivered) == total * spans_per_trace
    trace_ids = [pt["tags"]["trace_id"] for d in delivered for pt in ts.decode_points(d.body)]
    assert len(trace_ids) == total * spans_per_trace
    assert len(set(trace_ids)) == total
