"""Choosing the rulebook edition valid at a date.

A region's folder holds one .kok file per edition (rulebooks/orebro/2024.kok,
2025.kok); each declares `giltig från`. The edition valid at a date is the one
with the latest `giltig från` on or before that date. A draft (`status utkast`)
is never chosen from a folder: it decides no application. Given a file, the
file is used, after checking that it was already valid at the date.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from kokdsl.diagnostics import ERROR, Diagnostic
from kokdsl.errors import KokError
from kokdsl.pipeline import LoadedRulebook, load_rulebook
from kokdsl.resources import resolve_rulebook


def edition_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.kok") if p.is_file())


def select_edition(path: str | Path, date: datetime.date | None = None) -> LoadedRulebook:
    """The rulebook to run: `path` itself when it is a file, else the edition in
    the folder valid at `date` (the latest edition when no date is given).
    A rulebook with errors raises RulebookError with its diagnostics.
    A name like 'orebro/2025' that is no path is the shipped rulebook of that name."""
    path = Path(resolve_rulebook(path))
    if not path.is_dir():
        loaded = load_rulebook(path)
        if date is not None and loaded.rulebook.valid_from and loaded.rulebook.valid_from > date:
            raise KokError(Diagnostic(ERROR, "edition.not_yet_valid", {
                "edition": loaded.rulebook.edition, "valid_from": loaded.rulebook.valid_from.isoformat(),
                "date": date.isoformat()}, file=str(path)))
        return loaded
    files = edition_files(path)
    if not files:
        raise KokError(Diagnostic(ERROR, "edition.empty_folder", {}, file=str(path)))
    candidates = []
    editions = 0
    for file in files:
        loaded = load_rulebook(file)
        if loaded.rulebook.draft:
            continue
        editions += 1
        valid_from = loaded.rulebook.valid_from or datetime.date.min
        if date is None or valid_from <= date:
            candidates.append(((valid_from, loaded.rulebook.edition), loaded))
    if not candidates:
        params = {"date": date.isoformat() if date else "", "count": editions}
        raise KokError(Diagnostic(ERROR, "edition.none_valid", params, file=str(path)))
    return max(candidates, key=lambda pair: pair[0])[1]
