"""summary.json's shapes (followup/summary.py) against the published schema
(docs/summary.schema.json), and a real run's summary: valid, and read back
by `--previous` as it was written."""

from __future__ import annotations

import ast
import datetime
import io
import json
from pathlib import Path

import jsonschema
import pytest

from kokdsl.followup import summary
from kokdsl.followup.changes import load_previous
from kokdsl.followup.rerun import SUMMARY_FORMAT, RunSettings, run, write_summary
from kokdsl.pipeline import load_rulebook

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "summary.schema.json").read_text(encoding="utf-8"))


def _fields(cls: str) -> dict[str, bool]:
    """A TypedDict's keys in followup/summary.py, each with whether it is required
    (read from the source: NotRequired[...] marks an optional key)."""
    tree = ast.parse(Path(summary.__file__).read_text(encoding="utf-8"))
    [node] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    out: dict[str, bool] = {}
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id != "TypedDict":
            out.update(_fields(base.id))
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            annotation = item.annotation
            optional = isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) == "NotRequired"
            out[item.target.id] = not optional
    return out


def _schema_fields(schema: dict) -> dict[str, bool]:
    return {key: key in schema.get("required", ()) for key in schema["properties"]}


@pytest.mark.parametrize("cls, schema", [
    ("PreviousRun", SCHEMA),
    ("SummaryEntry", SCHEMA["$defs"]["centre"]),
    ("SummaryRulebook", SCHEMA["properties"]["rulebook"]),
])
def test_the_typed_shapes_are_the_schemas(cls, schema):
    assert _fields(cls) == _schema_fields(schema)


def test_the_header_is_the_summary_without_its_centres_and_what_follows_them():
    header, whole = _fields("SummaryHeader"), _fields("PreviousRun")
    assert set(whole) - set(header) == {"centres", "changes", "waivers", "skipped"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("summary")
    unreadable = folder / "trasig.yaml"
    unreadable.write_bytes(b"\xff\xfe not utf-8")
    rulebook = load_rulebook(ROOT / "rulebooks" / "orebro" / "2025.kok").rulebook
    files = [str(ROOT / "examples" / name) for name in ("godkand.yaml", "avslag.yaml", "komplettering.yaml")]
    result = run(RunSettings(rulebook, "en", datetime.date(2025, 6, 2)), [*files, str(unreadable)])
    out = io.StringIO()
    try:
        write_summary(result, out, {"changes": []})
    finally:
        result.close()
    path = folder / "summary.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, result.rows


def test_a_real_summary_is_valid_against_the_schema(written):
    path, rows = written
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["format"] == SUMMARY_FORMAT == "kokdsl.tools.rerun"  # a file format's name: never renamed
    assert [c["decision"] for c in data["centres"]] == [row.decision for row in rows]
    assert data["centres"][-1]["decision"] == "unreadable" and "error" in data["centres"][-1]
    assert data["changes"] == []


def test_previous_reads_the_summary_back_as_written(written):
    path, rows = written
    previous = load_previous(str(path), "en")
    assert previous["run_date"] == "2025-06-02"
    assert [c["key"] for c in previous["centres"]] == [row.key for row in rows]
    readable = previous["centres"][0]
    assert isinstance(readable["facts"], str)  # kept as compact JSON text until a change needs it
    assert json.loads(readable["facts"])["vårdcentral"]["id"] == rows[0].id
    assert readable["outcomes"]["2.1"] in ("met", "not_met", "cannot_assess", "not_applicable", "waived")
