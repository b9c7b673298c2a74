"""SARIF 2.1.0: findings in the format code-scanning services and editors read.

One writer for `kok lint --format sarif` and `kok check --format sarif`: each
diagnostic becomes a result with its rule id (KOK103 for lint, the message
code such as compile.unknown_name for check), level, message and region. A
finding silenced in the rulebook (`tyst KOK103 "…"`) is kept, marked as
suppressed in source with its reason, so a code-scanning service shows it as
judged rather than forgetting it.

Paths are written relative to the repository root (the nearest folder above
the working folder holding .git, else the working folder), against the base
id SRCROOT that `originalUriBaseIds` names, so a code-scanning service finds
the file whichever folder kok ran in. A file outside that root keeps its
absolute file: URI.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path, PurePath

from kokdsl.diagnostics import Diagnostic
from kokdsl.messages import has_message, message
from kokdsl.pipeline import TOOL_VERSION

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_ID = "SRCROOT"
LEVELS = {"error": "error", "warning": "warning"}
# One rulebook's findings: its path, the diagnostics, and the silenced ones with their reasons.
SarifFile = tuple[str, list[Diagnostic], list[tuple[Diagnostic, str]]]


def sarif_log(files: list[SarifFile], lang: str = "sv", rule_names: dict[str, str] | None = None,
              root: Path | None = None) -> dict[str, object]:
    """files: (path, diagnostics, silenced (diagnostic, reason) pairs) per
    rulebook; root: the folder paths resolve from (default: repository_root())."""
    rule_names = rule_names or {}
    root = (root or repository_root()).absolute()
    everything = [d for _, found, silenced in files for d in [*found, *(s for s, _ in silenced)]]
    rule_ids = sorted({rule_id(d) for d in everything} | set(rule_names))
    index = {rid: i for i, rid in enumerate(rule_ids)}
    results = []
    for path, found, silenced in files:
        results += [_result(d, path, index, lang, root) for d in found]
        for diag, reason in silenced:
            result = _result(diag, path, index, lang, root)
            result["suppressions"] = [{"kind": "inSource", "justification": reason}]
            results.append(result)
    run = {
        "tool": {"driver": {"name": "kokdsl", "version": TOOL_VERSION, "semanticVersion": TOOL_VERSION,
                            "rules": [_rule(rid, rule_names.get(rid), lang) for rid in rule_ids]}},
        "originalUriBaseIds": {ROOT_ID: {"uri": root.as_uri().rstrip("/") + "/",
                                         "description": {"text": "The repository root the paths are relative to."}}},
        "language": lang,
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(files: list[SarifFile], lang: str = "sv", rule_names: dict[str, str] | None = None) -> str:
    """The SARIF log as the JSON text a code-scanning service uploads."""
    return json.dumps(sarif_log(files, lang, rule_names), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def rule_id(diag: Diagnostic) -> str:
    """The SARIF rule id: a lint code without its catalogue prefix (KOK103), else the message code."""
    return diag.code.removeprefix("lint.")


def _rule(rid: str, name: str | None, lang: str) -> dict[str, object]:
    rule: dict[str, object] = {"id": rid}
    if name:
        rule["name"] = name
    summary_key = f"lint.rule.{rid}"
    if has_message(summary_key):
        rule["shortDescription"] = {"text": message(summary_key, lang)}
    return rule


def _result(diag: Diagnostic, path: str, index: dict[str, int], lang: str, root: Path) -> dict[str, object]:
    rid = rule_id(diag)
    location: dict[str, object] = {"artifactLocation": _artifact(diag.span.file if diag.span else (diag.file or path),
                                                                 root)}
    span = diag.span
    if span is not None and span.line > 0:
        region = {"startLine": span.line, "startColumn": span.column}
        if span.end_line > span.line or (span.end_line == span.line and span.end_column > span.column):
            region["endLine"], region["endColumn"] = span.end_line, span.end_column
        location["region"] = region
    return {"ruleId": rid, "ruleIndex": index[rid], "level": LEVELS.get(diag.severity, "note"),
            "message": {"text": diag.text(lang)}, "locations": [{"physicalLocation": location}]}


def repository_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (the working folder) holding
    .git; the working folder itself outside a repository."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _artifact(path: str, root: Path) -> dict[str, str]:
    """The file relative to the root (against SRCROOT), or its file: URI when outside it."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": _uri(str(relative)), "uriBaseId": ROOT_ID}


def _uri(path: str) -> str:
    """A relative URI reference, as SARIF wants: forward slashes, percent-encoded."""
    return urllib.parse.quote(PurePath(path).as_posix())
