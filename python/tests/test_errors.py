"""``Status`` and the exception hierarchy: values, HTTP codes, and what is raised."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tailsampling as ts
import tailsampling._tailsampling as ext

# exception class → (status, numeric value = C ts_status, HTTP status)
ERRORS = {
    ts.Busy: (ts.Status.BUSY, 2, 503),
    ts.InvalidArgument: (ts.Status.INVALID_ARGUMENT, 3, 400),
    ts.DecodeError: (ts.Status.DECODE_ERROR, 4, 400),
    ts.ConfigError: (ts.Status.CONFIG_ERROR, 5, 400),
    ts.TooLarge: (ts.Status.TOO_LARGE, 6, 413),
    ts.Unsupported: (ts.Status.UNSUPPORTED, 7, 415),
    ts.TokenMismatch: (ts.Status.TOKEN_MISMATCH, 8, 403),
    ts.Panic: (ts.Status.PANIC, 98, 500),
    ts.Poisoned: (ts.Status.POISONED, 99, 500),
}


@pytest.mark.parametrize("cls", list(ERRORS), ids=lambda c: c.__name__)
def test_each_error_has_its_status_and_http_status(cls: type[ts.Error]) -> None:
    status, value, http = ERRORS[cls]
    assert issubclass(cls, ts.Error) and issubclass(ts.Error, Exception)
    assert cls.status == status and cls.http_status == http
    assert int(cls.status) == value == cls.status.value
    assert status.http_status == http
    assert cls.__module__ == "tailsampling"


def test_status_members() -> None:
    assert (int(ts.Status.OK), ts.Status.OK.http_status) == (0, 200)
    assert (int(ts.Status.PENDING), ts.Status.PENDING.http_status) == (1, 412)
    assert ts.Status.PENDING.name == "PENDING"
    assert ts.Status.PENDING == 1 and ts.Status.PENDING != ts.Status.OK
    assert repr(ts.Status.TOKEN_MISMATCH) == "Status.TOKEN_MISMATCH"
    assert len({ts.Status.OK, ts.Status.OK, ts.Status.BUSY}) == 2


def test_the_stub_lists_the_extensions_statuses_and_errors() -> None:
    """The extension makes ``Status``'s members and the exception classes from the engine's
    status table when it is imported; the stub writes them out (type checkers need literal
    names): the same ones, in the same order, all re-exported by the package."""
    stub = ast.parse((Path(ext.__file__).parent / "_tailsampling.pyi").read_text())
    classes = {node.name: node for node in stub.body if isinstance(node, ast.ClassDef)}
    stub_members = [
        node.target.id
        for node in classes["Status"].body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    ]
    members = {name: v for name, v in vars(ts.Status).items() if isinstance(v, ts.Status)}
    assert stub_members == list(members)
    for name, member in members.items():
        assert member.name == name and repr(member) == f"Status.{name}"
    assert [int(m) for m in members.values()] == sorted({int(m) for m in members.values()})

    stub_errors = [
        name
        for name, node in classes.items()
        if any(isinstance(base, ast.Name) and base.id == "Error" for base in node.bases)
    ]
    errors = [
        name
        for name, v in vars(ext).items()
        if isinstance(v, type) and issubclass(v, ts.Error) and v is not ts.Error
    ]
    assert stub_errors == errors
    for name in errors:
        cls = getattr(ext, name)
        assert getattr(ts, name) is cls and name in ts.__all__
        # Named after its status, whose description is its docstring.
        assert cls.status.name.replace("_", "") == name.upper()
        assert cls.__doc__ and cls.__doc__.endswith(f"(HTTP {cls.http_status}).")
    # Every status but OK and PENDING (successes) has its exception.
    assert [getattr(ext, n).status for n in errors] == [
        m for m in members.values() if m not in (ts.Status.OK, ts.Status.PENDING)
    ]


def test_raised_errors_carry_status_and_message(processor: ts.Processor) -> None:
    with pytest.raises(ts.Error) as info:
        processor.ingest(b"\x0a\x05ab", token="tkn_a")
    err = info.value
    assert type(err) is ts.DecodeError
    assert (err.status, err.http_status) == (ts.Status.DECODE_ERROR, 400)
    assert "DataPacket" in str(err) and "byte" in str(err)


def test_type_errors_are_python_type_errors(processor: ts.Processor) -> None:
    with pytest.raises(TypeError, match="body: expected bytes, bytearray or memoryview"):
        processor.ingest("not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config: expected str, bytes or dict"):
        processor.set_config("tkn_a", 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"option shards: expected None, bool, int"):
        ts.Processor(shards=object())  # type: ignore[arg-type]
