"""``validate_config``: the report of the same validation ``tailsampling check`` runs."""

from __future__ import annotations

import json

import pytest

import tailsampling as ts
from conftest import EXAMPLE_CONFIG


def test_example_config_is_clean_with_lineage() -> None:
    report = ts.validate_config(EXAMPLE_CONFIG.read_text())
    assert report.ok and report.findings == []
    assert report.referenced_fields["trace.pipelines[1]"] == ["status"]
    assert report.referenced_fields["trace.pipelines[2]"] == ["parent_id", "duration"]
    assert ts.validate_config(EXAMPLE_CONFIG.read_bytes()).ok


def test_errors_name_the_path_and_hint() -> None:
    report = ts.validate_config({"trace": {"pipelines": [{"name": "x", "type": "sample"}]}})
    assert not report.ok
    (finding,) = report.findings
    assert (finding.severity, finding.path) == ("error", "trace.pipelines[0].type")
    assert finding.message == 'unknown pipeline type "sample"'
    assert finding.hint == 'use "condition" or "probabilistic"'
    assert str(finding).startswith("error: trace.pipelines[0].type: unknown pipeline type")
    assert repr(report).startswith("Report(ok=False, findings=[Finding(severity='error'")
    assert (finding.pipeline, finding.line, finding.column) == ("x", None, None)
    assert json.loads(report.to_json()) == {
        "ok": False,
        "errors": 1,
        "warnings": 0,
        "findings": [
            {
                "severity": "error",
                "path": "trace.pipelines[0].type",
                "pipeline": "x",
                "line": None,
                "column": None,
                "message": finding.message,
                "hint": finding.hint,
                "reference": None,
                "ours": None,
            }
        ],
        "referenced_fields": {},
        "field_types": {},
    }


def test_warnings_keep_the_config_ok() -> None:
    report = ts.validate_config(
        b'{"trace": {"pipelines": [{"name": "z", "type": "probabilistic", "rate": 0}]}}'
    )
    assert report.ok
    assert [f.severity for f in report.findings] == ["warning"]


def test_invalid_json_is_a_finding_not_an_exception() -> None:
    report = ts.validate_config("{")
    assert not report.ok and report.findings[0].path == ""
    assert report.findings[0].hint is None


def test_a_schema_finds_comparisons_that_never_match() -> None:
    config = {
        "trace": {
            "pipelines": [
                {
                    "name": "5xx",
                    "type": "condition",
                    "condition": '{ http_status_code = 500 }',
                    "action": "keep",
                },
                {
                    "name": "region",
                    "type": "condition",
                    "condition": '{ tenant_region = "eu" }',
                    "action": "keep",
                },
            ]
        }
    }
    for schema in (
        {"tracing": {"http_status_code": "tag", "region_tag": "tag"}},
        "CREATE TABLE spans (http_status_code TAG, region_tag TAG);",
    ):
        report = ts.validate_config(config, schema=schema)
        assert not report.ok
        first, second = report.findings
        assert (first.pipeline, first.line, first.column) == ("5xx", 1, 22)  # at the literal
        assert first.hint == 'write `http_status_code = "500"`'
        assert second.pipeline == "region" and "region_tag" in (second.hint or "")
        assert report.field_types["trace.pipelines[0]"] == {"http_status_code": "tag"}
        assert report.field_types["trace.pipelines[1]"] == {"tenant_region": None}


def test_a_broken_schema_raises_naming_its_line() -> None:
    with pytest.raises(ts.InvalidArgument, match="schema: line 2"):
        ts.validate_config("{}", schema='{\n  "tracing": {"status": "text"}\n}')


def test_bad_argument_types() -> None:
    with pytest.raises(TypeError):
        ts.validate_config(42)  # type: ignore[arg-type]
