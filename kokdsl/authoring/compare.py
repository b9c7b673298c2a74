"""Rulebooks side by side, area by area.

Every requirement carries a topic from the shared vocabulary (`område jour`),
so the rulebooks of different regions (or editions) can be laid next to each
other: which requirements each one has in each area, and at which level.
"""

from __future__ import annotations

from typing import TypedDict

from kokdsl import ast
from kokdsl.compiled import CompiledRequirement, CompiledRulebook
from kokdsl.messages import message
from kokdsl.topics import label as topic_label
from kokdsl.topics import vocabulary

NO_TOPIC = ""
# One requirement in a cell: (id, title, modality, thresholds, status).
Entry = tuple[str, str, str, list[str], str]


class Row(TypedDict):
    topic: str  # the area's label
    topic_code: str
    cells: list[list[Entry]]  # one cell per rulebook


class Comparison(TypedDict):
    columns: list[str]  # "name edition" per rulebook
    rows: list[Row]


def comparison(rulebooks: list[CompiledRulebook], lang: str = "sv") -> Comparison:
    """{"columns": [...], "rows": [{"topic": label, "topic_code": code,
    "cells": [[(id, title, modality, thresholds, status)], ...]}]}

    The status travels with every entry: a proposal or another region's rule
    shown for illustration must never read as a region's rule in force."""
    topics = list(vocabulary())
    extra = sorted({r.topic or NO_TOPIC for rb in rulebooks for r in rb.requirements} - set(topics))
    rows: list[Row] = []
    for topic in topics + extra:
        cells: list[list[Entry]] = [[(r.id, r.title, r.modality, thresholds(r, rb, lang), r.status)
                                     for r in rb.requirements if (r.topic or NO_TOPIC) == topic]
                                    for rb in rulebooks]
        if any(cells):
            name = topic_label(topic, lang) if topic else message("compare.no_topic", lang)
            rows.append({"topic": name, "topic_code": topic, "cells": cells})
    columns = [f"{rb.name} {rb.edition}" for rb in rulebooks]
    return {"columns": columns, "rows": rows}


def thresholds(req: CompiledRequirement, rb: CompiledRulebook, lang: str) -> list[str]:
    """The limits a check sets, as written ("≥ 45 h", "≥ 90 %"), so editions
    that differ only in a number no longer look the same side by side."""
    from kokdsl.authoring.diff import limit_text
    from kokdsl.authoring.lint import any_or_none_literals

    out: list[str] = []
    inside_a_limit: set[int] = set()  # "listade < 6500" within "40 om listade < 6500 annars 45"
    for node in ast.walk(req.check):
        if id(node) in inside_a_limit or not isinstance(node, ast.Compare) or any_or_none_literals(node):
            continue
        for subject, limit, op in ((node.left, node.right, node.op), (node.right, node.left, _MIRROR[node.op])):
            value = _limit_value(limit)
            if value is not None and _limit_value(subject) is None:
                subject_type = rb.types.get(id(subject))
                unit = subject_type.unit if subject_type else None
                out.append(f"{_SYMBOLS.get(op, op)} {limit_text(value, unit, lang)}")
                inside_a_limit |= {id(n) for n in ast.walk(limit)}
                break
    return out


# `45 <= x` reads as `x >= 45`: every comparison operator of the grammar, mirrored.
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}
_SYMBOLS = {">=": "≥", "<=": "≤", "!=": "≠"}


def _limit_value(node: ast.Expr | None) -> ast.Literal | ast.IfElse | None:
    """The number a comparison is held to: a literal, a literal chosen by a
    condition, or the literal share of `90 % * x`."""
    from kokdsl import ast

    if isinstance(node, ast.Literal) and node.kind in ("integer", "decimal", "percent"):
        return node
    if isinstance(node, ast.IfElse) and _limit_value(node.then) and _limit_value(node.otherwise):
        return node
    if isinstance(node, ast.Arith) and node.op == "*":
        return _limit_value(node.left) or _limit_value(node.right)
    return None


def render_markdown(data: Comparison, lang: str = "sv") -> str:
    """A Markdown table: one row per area, one column per rulebook."""
    def cell(entries: list[Entry]) -> str:
        if not entries:
            return "–"
        return "<br>".join(
            f"{rid} {title} ({'; '.join([*_level(modality, status), *limits])})".replace("|", "\\|")
            for rid, title, modality, limits, status in entries)

    def _level(modality: str, status: str) -> list[str]:
        words = [message("report.modality." + modality, lang)]
        if status != ast.IN_FORCE:
            words.append(message("status." + status, lang))
        return words

    header = [message("compare.area", lang), *(c.replace("|", "\\|") for c in data["columns"])]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in data["rows"]:
        lines.append("| " + " | ".join([row["topic"], *(cell(c) for c in row["cells"])]) + " |")
    return "\n".join(lines) + "\n"
