"""Acceptance (issue 20): every requirement of every shipped rulebook agrees
with the row of the requirement catalogue it cites: its status, the
documents its sources cite, and "tolkning" where the row says the exact
condition is the project's reading.

The mapping below is kept by hand (a rulebook does not name its catalogue
row); the catalogue itself (../shared/domain/requirements.md) is read to
hold the mapping to what the rows say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kokdsl.pipeline import check_rulebook

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT.parent / "shared" / "domain" / "requirements.md"

# The source documents, and the words a source's text uses to cite each.
DOCUMENTS = {
    "000": "§ 250",
    "002": "Dnr 24RS2584",
    "003": "dialogmötena",
    "004": "omvärldsbevakning",
    "press-2025": "pressmeddelande",
}
STATUS = {"in_force": "gällande", "proposal": "förslag", "example": "exempel"}
# The word a row uses for each status; "annan region" is shown as an example.
ROW_WORDS = {"gällande": ("gällande",), "förslag": ("förslag",), "exempel": ("exempel", "annan region")}

# book -> requirement -> (catalogue row, status, documents cited, tolkning in the source)
# "unverified" is the catalogue's note on rows from outside the seeds.
MAPPING: dict[str, dict[str, tuple[str, str, tuple[str, ...], bool]]] = {
    "orebro/2025": {
        "1.1": ("Ö1", "förslag", ("002",), False),
        "2.1": ("Ö3", "gällande", ("press-2025",), True),
        "2.1.4": ("Ö2", "gällande", ("004", "002"), True),
        "3.1": ("Ö4", "gällande", ("003",), True),
        "3.1.1": ("Ö5", "förslag", ("003",), False),
        "3.2": ("Ö9", "gällande", ("003",), False),
        "3.2a": ("Ö9", "förslag", ("003",), False),
        "4.1": ("Ö11", "exempel", ("004",), False),
        "4.2": ("Ö10", "gällande", ("004",), False),
        "5.1": ("Ö12", "förslag", ("002",), False),
        "6.3": ("Ö8", "exempel", ("004",), False),
        "6.4": ("Ö6", "gällande", ("004",), True),
        "6.4a": ("Ö6", "exempel", ("004",), False),
        "6.4b": ("Ö6", "exempel", ("004",), False),
        "6.4.1": ("Ö7", "exempel", ("004",), False),
        "8.1": ("Ö15", "exempel", ("004", "003"), False),
        "8.2": ("Ö16", "exempel", ("004",), False),
    },
    # The draft adopts 002's proposed main conditions (the catalogue's note on a draft edition).
    "orebro/2026-utkast": {
        "1.1": ("Ö1", "gällande", ("002",), False),
        "2.1": ("Ö3", "gällande", ("press-2025",), True),
        "2.1.4": ("Ö2", "gällande", ("004", "002"), True),
        "3.1": ("Ö4", "gällande", ("003",), True),
        "3.1.1": ("Ö5", "förslag", ("003",), False),
        "3.2": ("Ö9", "gällande", ("003",), False),
        "3.2a": ("Ö9", "förslag", ("003",), False),
        "4.1": ("Ö11", "exempel", ("004",), False),
        "4.2": ("Ö10", "gällande", ("004",), False),
        "5.1": ("Ö12", "gällande", ("002",), False),
        "6.3": ("Ö8", "exempel", ("004",), False),
        "6.4": ("Ö6", "gällande", ("004",), True),
        "6.4a": ("Ö6", "exempel", ("004",), False),
        "6.4b": ("Ö6", "exempel", ("004",), False),
        "6.4.1": ("Ö7", "exempel", ("004",), False),
        "8.1": ("Ö15", "exempel", ("004", "003"), False),
        "8.2": ("Ö16", "exempel", ("004",), False),
    },
    "orebro/2024": {
        "2.1": ("Ö3", "gällande", ("press-2025",), False),
        "2.1.4": ("Ö2", "gällande", ("004",), True),
        "3.1": ("Ö4", "gällande", ("003",), True),
        "3.1.1": ("Ö5", "förslag", ("003",), False),
        "3.2": ("Ö9", "gällande", ("003",), False),
        "3.2a": ("Ö9", "förslag", ("003",), False),
        "4.1": ("Ö11", "exempel", ("004",), False),
        "4.2": ("Ö10", "gällande", ("004",), False),
        "6.3": ("Ö8", "exempel", ("004",), False),
        "6.4": ("Ö6", "gällande", ("004",), True),
        "6.4a": ("Ö6", "exempel", ("004",), False),
        "6.4b": ("Ö6", "exempel", ("004",), False),
        "6.4.1": ("Ö7", "exempel", ("004",), False),
        "8.1": ("Ö15", "exempel", ("004", "003"), False),
        "8.2": ("Ö16", "exempel", ("004",), False),
    },
    "dalarna/2021": {
        "11.2.2": ("R3", "gällande", ("004",), False),
        "11.3": ("R3", "gällande", ("004",), False),
    },
    "norrbotten/2021": {
        "1.1": ("R1", "gällande", ("004",), False),
        "2.1": ("unverified", "exempel", (), False),
        "2.2": ("unverified", "exempel", (), False),
    },
    "vastra_gotaland/2021": {
        "1.1": ("unverified", "exempel", (), False),
        "2.1": ("unverified", "exempel", (), False),
        "3.1": ("R5", "gällande", ("004",), True),
    },
}


def _rows() -> dict[str, str]:
    """Row id -> the row's line in the catalogue (status, requirement and ground)."""
    rows = {}
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*([ÖR]\d+)\s*\|", line)
        if match:
            rows[match[1]] = line
    return rows


def _adopted_by_a_draft() -> set[str]:
    """The rows the catalogue's note says a draft edition adopts from 002."""
    text = CATALOGUE.read_text(encoding="utf-8")
    note = re.search(r"A \*\*draft edition\*\* \(utkast\) that adopts 002's proposed main conditions \((.*?)\)\.?\n",
                     text, re.S)
    assert note is not None, "the catalogue's note on a draft edition"
    return set(re.findall(r"Ö\d+", note[1]))


def _ground(row: str) -> set[str]:
    """The documents a row's ground (its last column) names."""
    ground = [cell for cell in row.split("|") if cell.strip()][-1]
    return {doc for doc in DOCUMENTS if re.search(rf"(?<![\w-]){re.escape(doc)}(?![\w-])", ground)}


def test_every_shipped_rulebook_and_requirement_is_mapped():
    shipped = {f"{p.parent.name}/{p.stem}" for p in (ROOT / "rulebooks").glob("*/*.kok")}
    assert shipped == set(MAPPING)
    for book, rows in MAPPING.items():
        rulebook = check_rulebook(ROOT / "rulebooks" / f"{book}.kok").rulebook
        assert [r.id for r in rulebook.requirements] == list(rows), book


@pytest.mark.parametrize("book", sorted(MAPPING))
def test_status_and_sources_agree_with_the_catalogue_row(book):
    if not CATALOGUE.is_file():
        pytest.fail(f"the catalogue is not beside the worktree: {CATALOGUE}")
    rows = _rows()
    rulebook = check_rulebook(ROOT / "rulebooks" / f"{book}.kok").rulebook
    adopted = _adopted_by_a_draft() if rulebook.draft else set()
    for req in rulebook.requirements:
        row_id, status, documents, tolkning = MAPPING[book][req.id]
        where = f"{book} {req.id} ({row_id})"
        assert STATUS[req.status] == status, where
        text = " ".join(s.text for s in req.sources).casefold()
        if row_id == "unverified":
            assert "ej verifierad" in text, where
            assert status == "exempel", where
            continue
        row = rows[row_id]
        if row_id in adopted:  # adopted from 002 by a draft: in force, and the source says so
            assert req.status == "in_force" and "antaget i utkastet" in text, where
        else:
            assert any(word in row for word in ROW_WORDS[status]), where
        cited = {doc for doc, words in DOCUMENTS.items() if words.casefold() in text}
        assert set(documents) == cited, (where, cited)
        assert cited <= _ground(row), (where, cited, _ground(row))
        assert ("tolkning" in text) == tolkning, where
        if status != "gällande":
            assert not req.in_force and req.valid_from is None, where


def test_a_proposal_or_example_never_decides():
    from kokdsl.pipeline import assess

    rulebook = check_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook
    assessment = assess(rulebook, ROOT / "examples/avslag.yaml")
    grounds = [r.requirement for r in assessment.decision.reasons]
    assert grounds and all(r.in_force for r in grounds)
    assert [r.id for r in grounds] == ["2.1.4", "6.4"]
