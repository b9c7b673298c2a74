"""What the server asks of kokdsl: the ports it is given, and the stateless
assessment of one uploaded self-report.

The ports are plain callables in one attrs class, wired by kokdsl/cli.py
(`_serve_engine`), because the implementations live in other wings (the
follow-up, the authoring tools) that a wing never imports. Tests build the
same Engine through the same function.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import attrs

from kokdsl.pipeline import Assessment, LoadedRulebook, assess
from kokdsl.selfreport import parse_document, validate


class FollowUp(Protocol):
    """Run the yearly follow-up as `kok rerun --out` does, on its process pool."""

    def __call__(self, loaded: LoadedRulebook, files: list[str], *, lang: str, run_date: datetime.date,
                 previous_summary: str | None, out_dir: str, waivers_file: str | None,
                 progress: Callable[[int, int], None]) -> dict[str, Any]: ...


class ApplyWaivers(Protocol):
    """The assessment with the register's waivers (an undantag.yaml file) applied on `day`."""

    def __call__(self, assessment: Assessment, path: str, day: datetime.date, /) -> Assessment: ...


@attrs.frozen
class Engine:
    """The other wings' work, as the server may call it."""

    # A RULEBOOK argument (file, folder of editions, shipped name) -> the rulebook, as `kok run` chooses it.
    select_rulebook: Callable[[str], LoadedRulebook]
    # The book of a rulebook as one HTML page (kok book -o html:…).
    render_book: Callable[[LoadedRulebook, str], str]
    # undantag.yaml -> its waivers as dicts with the keys of WAIVER_FIELDS; the loader's KokError when bad.
    read_waivers: Callable[[str, LoadedRulebook], list[dict[str, Any]]]
    apply_waivers: ApplyWaivers
    follow_up: FollowUp


WAIVER_FIELDS = ("centre", "requirement", "reason", "reference", "granted_by", "valid_from", "valid_to")
MEDIA_SUFFIX = {"application/json": ".json", "application/yaml": ".yaml", "application/x-yaml": ".yaml",
                "text/yaml": ".yaml", "text/x-yaml": ".yaml"}


def upload_name(name: str | None, media_type: str | None = None) -> str:
    """The name a self-report is known by: its file name without any folder
    (never a path from the request), or one made from its media type. The
    suffix tells the loader JSON from YAML, as for `kok run`."""
    base = Path((name or "").replace("\\", "/")).name.strip()
    if base and base.lower().endswith((".json", ".yaml", ".yml")):
        return base[:200]
    suffix = MEDIA_SUFFIX.get((media_type or "").split(";")[0].strip().lower(), ".yaml")
    return f"självdeklaration{suffix}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assess_bytes(loaded: LoadedRulebook, data: bytes, name: str, day: datetime.date | None = None) -> Assessment:
    """A self-report's bytes assessed by the CLI's own loader and pipeline:
    SelfReportError (a KokError, located) when it cannot be read."""
    document = parse_document(data, name)
    report = validate(document, loaded.rulebook, name, sha256(data))
    return assess(loaded.rulebook, report, day)
