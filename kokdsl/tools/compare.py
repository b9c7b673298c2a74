"""Rulebooks side by side, area by area.

Every requirement carries a topic from the shared vocabulary (`område jour`),
so the rulebooks of different regions (or editions) can be laid next to each
other: which requirements each one has in each area, and at which level.
"""

from __future__ import annotations

from kokdsl.compiled import CompiledRulebook
from kokdsl.messages import message
from kokdsl.topics import label as topic_label
from kokdsl.topics import vocabulary

NO_TOPIC = ""


def comparison(rulebooks: list[CompiledRulebook], lang: str = "sv") -> dict:
    """{"columns": [...], "rows": [{"topic": label, "topic_code": code, "cells": [[(id, title, modality)], ...]}]}"""
    topics = list(vocabulary())
    extra = sorted({r.topic or NO_TOPIC for rb in rulebooks for r in rb.requirements} - set(topics))
    rows = []
    for topic in topics + extra:
        cells = [[(r.id, r.title, r.modality) for r in rb.requirements if (r.topic or NO_TOPIC) == topic]
                 for rb in rulebooks]
        if any(cells):
            name = topic_label(topic, lang) if topic else message("compare.no_topic", lang)
            rows.append({"topic": name, "topic_code": topic, "cells": cells})
    columns = [f"{rb.name} {rb.edition}" for rb in rulebooks]
    return {"columns": columns, "rows": rows}


def render_markdown(data: dict, lang: str = "sv") -> str:
    """A Markdown table: one row per area, one column per rulebook."""
    def cell(entries) -> str:
        if not entries:
            return "–"
        return "<br>".join(f"{rid} {title} ({message('report.modality.' + modality, lang)})".replace("|", "\\|")
                           for rid, title, modality in entries)

    header = [message("compare.area", lang), *(c.replace("|", "\\|") for c in data["columns"])]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in data["rows"]:
        lines.append("| " + " | ".join([row["topic"], *(cell(c) for c in row["cells"])]) + " |")
    return "\n".join(lines) + "\n"
