"""What a reader must not miss about the rulebook itself, for every output:
a draft edition is no ground for a decision, and a reconstruction is not the
region's own adopted book. A region's own adopted book gets no notice."""

from __future__ import annotations

import textwrap

from kokdsl.compiled import CompiledRulebook
from kokdsl.messages import message


def provenance_notices(rulebook: CompiledRulebook, lang: str) -> list[str]:
    """The notices, in `lang`: the draft's first, then the reconstruction's."""
    out = [message("text.draft", lang)] if rulebook.draft else []
    if rulebook.reconstruction is not None:
        out.append(message("text.reconstruction", lang, text=rulebook.reconstruction.text(lang)))
    return out


def provenance_lines(rulebook: CompiledRulebook, lang: str, width: int) -> list[str]:
    """The notices wrapped for a terminal `width` characters wide."""
    return [line for notice in provenance_notices(rulebook, lang)
            for line in textwrap.wrap(notice, width, subsequent_indent="  ")]


def draft_mark(rulebook: CompiledRulebook, lang: str) -> str | None:
    """"utkast – inte ett beslutsunderlag" for a draft's decisions; None otherwise."""
    return message("decision.draft_mark", lang) if rulebook.draft else None


def marked(label: str, rulebook: CompiledRulebook, lang: str) -> str:
    """A decision's label, with the draft mark after it when the rulebook is a draft."""
    mark = draft_mark(rulebook, lang)
    return f"{label} ({mark})" if mark else label
