"""Small builders shared by the unit tests."""

from __future__ import annotations

import textwrap

from kokdsl.pipeline import assess, check_rulebook_source
from kokdsl.prose import findings
from kokdsl.selfreport import validate

HEADER = 'regelbok "Test" utgåva 2025 giltig från 2025-01-01\n'


def rulebook(body: str):
    """Compile a rulebook from a body (header added); fails on diagnostics errors."""
    loaded = check_rulebook_source(HEADER + textwrap.dedent(body), "test.kok")
    errors = [d for d in loaded.diagnostics if d.is_error]
    assert not errors, [(str(d.span), d.text("en")) for d in errors]
    return loaded.rulebook


def run(rb, document: dict):
    """Assess a self-report given as a dict."""
    document = dict({"vårdcentral": {"namn": "Testcentralen (fiktiv)", "id": "T-1"}}, **document)
    return assess(rb, validate(document, rb, "test.yaml", "0" * 64))


def result(assessment, req_id: str):
    return next(r for r in assessment.evaluation.results if r.requirement.id == req_id)


def texts(res, lang: str = "sv") -> list[str]:
    from kokdsl.outputs.assessment import finding_lines

    # No-break spaces keep "61 %" together in print; compare them as spaces.
    return [line.strip().replace("\xa0", " ") for f in findings(res) for line in finding_lines(f, lang)]


def comparable(facts: dict) -> dict:
    """Loaded facts with list elements as plain field dicts, so two
    self-reports can be compared by what the loader made of them."""
    from kokdsl.values import RecordValue

    def plain(value):
        if isinstance(value, tuple) and value and isinstance(value[0], RecordValue):
            return [(v.label, {k: plain(f) for k, f in v.fields.items()}) for v in value]
        return value
    return {name: plain(value) for name, value in facts.items()}
