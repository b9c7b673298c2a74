"""Finding the files that ship with the package: the grammar, the keyword
table and the report templates.

In a checkout they live in the top-level grammar/ and reports/ folders; in an
installed wheel they are package data under kokdsl/_data/. One function finds
them in both places, so the tool works from any directory.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder `name` ('grammar' or 'reports'), installed or in a checkout."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kokdsl is installed without its {name}/ folder")


def caching_enabled() -> bool:
    """Parse tables and compiled templates are cached in the temp folder
    unless KOKDSL_NO_CACHE is set (for measuring cold starts)."""
    return os.environ.get("KOKDSL_NO_CACHE", "") == ""
