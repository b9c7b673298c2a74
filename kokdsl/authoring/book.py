"""The rulebook published as a book: the requirement text people read and the
check that runs, from the same source.

Policy writers publish the KoK-bok from the .kok file itself, so the book on
the region's website and the checks that decide applications cannot drift
apart. Rendered through the same Jinja environment as the findings reports.

    render_book(rulebook, "html" | "md", lang)
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from kokdsl import ast
from kokdsl.authoring.unparse import expr_text
from kokdsl.compiled import CompiledRequirement, CompiledRulebook, FactSpec
from kokdsl.enums import Modality
from kokdsl.messages import message
from kokdsl.outputs.environment import environment
from kokdsl.outputs.findings import RULEBOOK_LANG
from kokdsl.pipeline import TOOL_VERSION
from kokdsl.prose import Names, check_clause, check_sentence
from kokdsl.selfreport import ExpectedValue
from kokdsl.text import paragraphs
from kokdsl.topics import label as topic_label

if TYPE_CHECKING:
    from kokdsl.authoring.diff import EditionDiff

FORMATS = ("html", "md")
TEMPLATES = {"html": "book.html.j2", "md": "book.md.j2"}


def render_book(rulebook: CompiledRulebook, fmt: str, lang: str = "sv",
                previous: CompiledRulebook | None = None) -> str:
    """previous: the edition before, for the chapter "Ändringar sedan
    föregående utgåva" (the same diff `kok diff` prints)."""
    from kokdsl.authoring.diff import describe

    template = environment().get_template(TEMPLATES[fmt])
    view = book_view(rulebook, lang, previous)
    return template.render(view=view, t=functools.partial(message, lang=lang),
                           describe=lambda change: describe(change, fmt, lang), ident=identifier_html)


def identifier_html(name: str) -> Markup:
    """An identifier that may break after its underscores and nowhere else,
    so a narrow A4 column never splits a word of it."""
    return Markup("_<wbr>").join(escape(part) for part in str(name).split("_"))


def book_view(rulebook: CompiledRulebook, lang: str, previous: CompiledRulebook | None = None) -> dict[str, object]:
    """Plain data for the book's templates: the rulebook's chapters with their
    requirements in words and in code, the glossary of facts, and the changes
    since `previous`."""
    runs: list[tuple[str | None, list[CompiledRequirement]]] = []  # chapters in book order, with their requirements
    for req in rulebook.requirements:
        if not runs or runs[-1][0] != req.chapter:
            runs.append((req.chapter, []))
        runs[-1][1].append(req)
    intro = {chapter.title: chapter.text for chapter in rulebook.chapters}
    chapters = [{"number": number, "title": title,
                 "paragraphs": paragraphs(intro.get(title) if title is not None else None),
                 **_grouped(members, rulebook, lang)}
                for number, (title, members) in enumerate(runs, 1)]
    return {
        "lang": lang,
        "rulebook_lang": RULEBOOK_LANG,
        "tool": {"name": "kokdsl", "version": TOOL_VERSION},
        "rulebook": {"name": rulebook.name, "edition": rulebook.edition,
                     "valid_from": rulebook.valid_from.isoformat() if rulebook.valid_from else None,
                     "source": rulebook.source, "sha256": rulebook.sha256,
                     "selection": _selection_note(rulebook, lang),
                     "draft": message("book.draft", lang) if rulebook.draft else None,
                     "reconstruction": (message("book.reconstruction", lang, text=rulebook.reconstruction.text(lang))
                                        if rulebook.reconstruction else None)},
        "counts": {m: sum(r.modality == m for r in rulebook.requirements) for m in Modality},
        "counts_text": counts_text(rulebook.requirements, lang),
        "chapters": chapters,
        "facts": [_fact(spec, rulebook, lang) for spec in rulebook.facts],
        "plausibility": [{"otherwise": message("book.plausibility_otherwise", lang, sentence=rule.text(lang)),
                          "prose": check_sentence(rule.rule.check, rulebook, lang),
                          "check": expr_text(rule.rule.check, lang)} for rule in rulebook.plausibilities],
        "changes": _changes(previous, rulebook, lang),
    }


def _grouped(members: list[CompiledRequirement], rulebook: CompiledRulebook, lang: str) -> dict[str, object]:
    """A chapter's requirements in force, then its proposals and examples, each
    group headed and labelled: a chapter never mixes statuses."""
    groups = []
    for status in (ast.PROPOSAL, ast.EXAMPLE):
        chosen = [_requirement(r, rulebook, lang) for r in members if r.status == status]
        if chosen:
            groups.append({"status": status, "heading": message(f"book.group.{status}", lang),
                           "note": message(f"book.group.{status}_note", lang), "requirements": chosen})
    return {"requirements": [_requirement(r, rulebook, lang) for r in members if r.in_force], "groups": groups}


def counts_text(requirements: tuple[CompiledRequirement, ...], lang: str) -> str:
    """The cover's count by status: "5 skall-krav och 1 bör-krav gäller, 4 förslag, 7 exempel"."""
    def counted(key: str, n: int) -> str:
        return message(key, lang, count=n)

    shall = sum(r.in_force and r.modality is Modality.SHALL for r in requirements)
    should = sum(r.in_force and r.modality is Modality.SHOULD for r in requirements)
    in_force = [counted(key, n) for key, n in (("book.n_shall", shall), ("book.n_should", should)) if n]
    parts = [message("book.n_in_force", lang, what=message("book.and", lang, a=in_force[0], b=in_force[1])
                     if len(in_force) == 2 else in_force[0]) if in_force else message("book.none_in_force", lang)]
    proposals = sum(r.status == ast.PROPOSAL for r in requirements)
    examples = sum(r.status == ast.EXAMPLE for r in requirements)
    parts += [counted(key, n) for key, n in (("book.n_proposals", proposals), ("book.n_examples", examples)) if n]
    return ", ".join(parts)


def _changes(previous: CompiledRulebook | None, rulebook: CompiledRulebook, lang: str) -> EditionDiff | None:
    if previous is None:
        return None
    from kokdsl.authoring.diff import edition_diff

    return edition_diff(previous, rulebook, lang)


def _requirement(req: CompiledRequirement, rulebook: CompiledRulebook, lang: str) -> dict[str, object]:
    """A requirement as the book shows it: its check in words (the same
    sentence templates as the findings' explanations), the code kept beside."""
    return {
        "prose": check_sentence(req.check, rulebook, lang),
        "condition_prose": (_capitalise(check_clause(req.condition, rulebook, lang))
                            if req.condition is not None else None),
        "id": req.id,
        # English titles and texts where the rulebook gives them (`på engelska`), else the Swedish.
        "title": req.title_in(lang),
        "title_lang": _lang_of(req.title_en, lang),
        "modality": req.modality,
        "modality_label": message(f"report.modality.{req.modality}", lang),
        "topic": topic_label(req.topic, lang) if req.topic else None,
        "source": req.source,
        "status": req.status,
        "status_label": message(f"status.{req.status}", lang),
        "status_note": message(f"report.status_note.{req.status}", lang) if not req.in_force else None,
        "sources": [_source_text(src, lang) for src in req.sources],
        "validity": _validity_text(req, lang),
        "paragraphs": paragraphs(req.text_in(lang)),
        "text_lang": _lang_of(req.text_en, lang),
        "condition": expr_text(req.condition, lang) if req.condition is not None else None,
        "check": expr_text(req.check, lang),
        "facts": sorted(req.dependencies),
    }


def _selection_note(rulebook: CompiledRulebook, lang: str) -> str | None:
    """The title page's word that the rulebook is an urval, not the whole KoK-bok."""
    if rulebook.selection is None:
        return None
    if rulebook.selection:
        return message("book.selection_of", lang, what=rulebook.selection)
    return message("book.selection", lang)


def _source_text(src: ast.Source, lang: str) -> str:
    return message("book.source_dated", lang, text=src.text, date=src.date.isoformat()) if src.date else src.text


def _validity_text(req: CompiledRequirement, lang: str) -> str | None:
    start = req.valid_from.isoformat() if req.valid_from else None
    end = req.valid_to.isoformat() if req.valid_to else None
    if start and end:
        return message("book.valid_between", lang, start=start, end=end)
    if start:
        return message("book.valid_from_date", lang, date=start)
    if end:
        return message("book.valid_to_date", lang, date=end)
    return None


def _lang_of(english: str | None, lang: str) -> str:
    """The language a text is shown in: English where the rulebook gives it, else the rulebook's."""
    return "en" if lang == "en" and english else RULEBOOK_LANG


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fact(spec: FactSpec, rulebook: CompiledRulebook, lang: str) -> dict[str, object]:
    """A glossary entry: the fact's name in words (its display name), the
    identifier the self-report uses, the format and the description."""
    names = Names(rulebook)
    fields: list[dict[str, object]] = []
    if spec.type.kind == "list":
        record = rulebook.record_type(spec.type)
        fields = [{"name": f.name, "display": _capitalise(names.field(record.name, f.name, lang)),
                   "expected": ExpectedValue(f.type).render(lang), "doc": f.description(lang) or f.doc,
                   "doc_lang": _lang_of(f.doc_en, lang)}
                  for f in record.fields]
    return {"name": spec.name, "display": _capitalise(names.fact(spec.name, lang)),
            "expected": ExpectedValue(spec.type).render(lang), "doc": spec.description(lang) or spec.doc,
            "doc_lang": _lang_of(spec.doc_en, lang),
            "input_only": spec.input_only, "fields": fields}
