"""The installed package: where it comes from, its version, abi3 tag, typing files, symbols,
and that every public object is documented with the same docstring as in the stub (the
extension's ``_tailsampling.pyi``, the package's only stub)."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import tailsampling as ts
import tailsampling._tailsampling as ext
from conftest import REPO

PACKAGE = Path(ts.__file__).resolve().parent
STUB = PACKAGE / "_tailsampling.pyi"


def test_runs_against_the_installed_wheel() -> None:
    assert "site-packages" in PACKAGE.parts, PACKAGE
    assert PACKAGE != REPO / "python" / "tailsampling"


def test_version_comes_from_cargo() -> None:
    # The workspace's version (python/Cargo.toml inherits it).
    cargo = (REPO / "Cargo.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', cargo, re.M)
    assert match
    assert ts.__version__ == match.group(1) == importlib.metadata.version("tailsampling")


def test_abi3_wheel_with_typing_files() -> None:
    dist = importlib.metadata.distribution("tailsampling")
    assert "Tag: cp39-abi3-" in (dist.read_text("WHEEL") or "")
    assert (PACKAGE / "py.typed").is_file()
    assert STUB.is_file() and (PACKAGE / "_tailsampling.pyi").is_file()
    # One stub: ``__init__.py`` re-exports the extension's names and types itself.
    assert not (PACKAGE / "__init__.pyi").exists()
    assert ".abi3." in Path(ext.__file__).name


@pytest.mark.skipif(shutil.which("nm") is None, reason="needs nm")
def test_extension_exports_only_its_init_function() -> None:
    """Built on the core, not on the C ABI's crate: none of the `ts_*` symbols."""
    out = subprocess.run(
        ["nm", "-D", "--defined-only", ext.__file__],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    exported = {line.split()[-1] for line in out.splitlines() if line.strip()}
    assert exported == {"PyInit__tailsampling"}, exported


def test_all_lists_the_api() -> None:
    public = {n for n in dir(ts) if not n.startswith("_")}
    assert set(ts.__all__) - {"__version__"} == public - {"tailsampling"}


def _stub_docs() -> dict[str, str | None]:
    """Docstring of every definition in the stub, by dotted name."""
    docs: dict[str, str | None] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                docs[prefix + node.name] = ast.get_docstring(node)
                if isinstance(node, ast.ClassDef):
                    walk(node.body, f"{prefix}{node.name}.")

    walk(ast.parse(STUB.read_text()).body, "")
    return docs


def test_every_public_object_has_the_stubs_docstring() -> None:
    docs = _stub_docs()
    checked = 0
    for name, stub_doc in docs.items():
        if name.startswith("_"):
            continue
        owner, _, attr = name.rpartition(".")
        if attr in ("__new__", "__int__", "__eq__", "__hash__"):
            continue
        obj = vars(getattr(ts, owner))[attr] if owner else getattr(ts, name)
        runtime_doc = inspect.getdoc(obj)
        assert runtime_doc, f"{name} has no docstring"
        assert stub_doc == runtime_doc, f"{name}: the stub's docstring differs from the runtime's"
        checked += 1
    assert checked > 40
    # The pure-Python modules the package re-exports are typed by their own source.
    python_defined = {
        alias.asname or alias.name
        for node in ast.parse((PACKAGE / "__init__.py").read_text()).body
        if isinstance(node, ast.ImportFrom) and node.module == "tailsampling._stats"
        for alias in node.names
    }
    for name in ts.__all__:
        if name != "__version__" and name not in python_defined:
            assert name in docs, f"{name} is not in the stub"
