"""Finding the files that ship with the package: the grammar, the keyword
table, the report templates and the shipped rulebooks.

In a checkout they live in the top-level grammar/ and reports/ folders; in an
installed wheel they are package data under kokdsl/_data/. One function finds
them in both places, so the tool works from any directory.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder `name` ('grammar', 'reports' or 'rulebooks'), installed or in a checkout."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kokdsl is installed without its {name}/ folder")


def caching_enabled() -> bool:
    """Parse tables and compiled templates are cached in the temp folder
    unless KOKDSL_NO_CACHE is set (for measuring cold starts)."""
    return os.environ.get("KOKDSL_NO_CACHE", "") == ""


def packaged_rulebooks() -> dict[str, Path]:
    """The shipped rulebooks by name ('orebro/2025' -> its .kok file), sorted."""
    try:
        root = data_dir("rulebooks")
    except FileNotFoundError:
        return {}
    return {path.relative_to(root).with_suffix("").as_posix(): path for path in sorted(root.rglob("*.kok"))}


def resolve_rulebook(argument: str | Path) -> str:
    """A RULEBOOK argument as a path: a file or folder that exists is itself;
    otherwise a name like 'orebro/2025' (or 'orebro', the region's folder of
    editions) is the shipped rulebook of that name. Anything else is returned
    unchanged, so the caller reports it as not found."""
    text = str(argument)
    if Path(text).exists():
        return text
    try:
        root = data_dir("rulebooks").resolve()
    except FileNotFoundError:
        return text
    name = text.strip("/").removesuffix(".kok")
    for candidate in (root / f"{name}.kok", root / name):
        # Only names inside the shipped folder: '../x' must not reach elsewhere.
        if name and candidate.exists() and candidate.resolve().is_relative_to(root):
            return str(candidate)
    return text
