"""``python -m tailsampling``: the CLI's commands, run by the extension on a generated
workload (``gen`` then ``replay``), the ``demo`` and ``check``; and the same capture replayed
through the Python API."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import tailsampling as ts
from conftest import EXAMPLE_CONFIG, assert_conserved


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tailsampling", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_gen_then_replay(tmp_path: Path) -> None:
    out = run("gen", "--tenants", "2", "--traces", "60", "--out", "traffic.tscap", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("wrote ")
    out = run("replay", "--config", str(EXAMPLE_CONFIG), "--input", "traffic.tscap", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("tailsampling replay of traffic.tscap")
    last = out.stdout.splitlines()[-1]
    assert last.startswith("conservation: accepted ") and last.endswith("✓"), last


def test_demo(tmp_path: Path) -> None:
    out = run("demo", "--tenants", "2", "--traces", "100", "--seed", "3", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "tenant tkn_tenant_01 (config v2)" in out.stdout
    assert out.stdout.splitlines()[-1].endswith("✓")


def test_check_and_usage(tmp_path: Path) -> None:
    out = run("check", str(EXAMPLE_CONFIG), cwd=tmp_path)
    assert out.returncode == 0
    assert out.stdout.splitlines()[-1] == f"{EXAMPLE_CONFIG}: 0 error(s), 0 warning(s)"
    (tmp_path / "bad.json").write_text('{"trace": {"pipelines": [{"type": "x"}]}}')
    out = run("check", "bad.json", "--format", "json", cwd=tmp_path)
    assert out.returncode == 1 and '"ok":false' in out.stdout
    out = run("frobnicate", cwd=tmp_path)
    assert out.returncode == 2 and "usage: tailsampling" in out.stderr
    out = run("version", cwd=tmp_path)
    assert out.stdout == f"tailsampling {ts.__version__}\n"


def read_capture(path: Path) -> list[tuple[str, bytes]]:
    """The records of a capture file: ``TSCAP1\\n``, then (u32 LE token length, token, u32 LE
    packet length, packet)."""
    data = path.read_bytes()
    assert data.startswith(b"TSCAP1\n")
    records, at = [], 7
    while at < len(data):
        (n,) = struct.unpack_from("<I", data, at)
        token = data[at + 4 : at + 4 + n].decode()
        at += 4 + n
        (n,) = struct.unpack_from("<I", data, at)
        records.append((token, data[at + 4 : at + 4 + n]))
        at += 4 + n
    return records


def test_replay_through_the_python_api(tmp_path: Path) -> None:
    """A generated multi-tenant workload (traces, logs, RUM, zstd, late packets) through
    ``Processor``, the way a Dataway would: the config pushed after each tenant's first 412,
    a poll every simulated second, a flush at the end."""
    out = run("gen", "--tenants", "3", "--traces", "80", "--out", "w.tscap", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    records = read_capture(tmp_path / "w.tscap")
    config = EXAMPLE_CONFIG.read_text()
    statuses: dict[ts.Status, int] = {}
    deliveries: list[ts.Delivery] = []
    with ts.Processor(clock="manual") as p:
        now = next_poll = 0
        for token, packet in records:
            header = ts.decode_packet(packet)
            at = max(header["max_point_time_unix_nano"], header["trace_end_time_unix_nano"], now)
            if not now:
                next_poll = at + 10**9
            while next_poll <= at:
                p.set_time(next_poll)
                deliveries += p.poll_kept() + p.poll_metrics()
                next_poll += 10**9
            p.set_time(now := at)
            status = p.ingest(packet, token=token)
            statuses[status] = statuses.get(status, 0) + 1
            if status == ts.Status.PENDING:
                p.set_config(token, config)
        p.flush()
        deliveries += p.poll_kept() + p.poll_metrics()
        stats = p.stats()
    assert set(statuses) == {ts.Status.OK, ts.Status.PENDING}
    assert stats["total"]["accepted"] == len(records)
    assert stats["total"]["pending"]["packets"] == stats["total"]["buffered"]["packets"] == 0
    assert_conserved(stats)
    assert {d.data_type for d in deliveries} == {"tracing", "logging", "rum", "metric"}
    for d in deliveries:
        assert len(ts.decode_points(d.body)) == d.points
