"""`kok diff OLD NEW`: what changed between two editions of a rulebook.

Requirements are matched by number. For each one the diff names what changed
in words a policy writer uses: added or removed, level (bör → skall),
threshold (a comparison whose subject stayed and whose limit moved, shown with
both values), applicability, text (word by word), title, topic, status,
validity and source. A check that changed in any other way is shown whole,
before and after. `kok book --previous` prints the same diff as a chapter.

    edition_diff(old, new, lang) -> EditionDiff  (the view every format renders)
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
from typing import Literal, TypedDict

import attrs

from kokdsl import ast
from kokdsl.authoring.unparse import expr_text
from kokdsl.compiled import CompiledRequirement, CompiledRulebook
from kokdsl.messages import has_message, message

FORMATS = ("text", "md", "html", "json")
# Metadata compared as plain values, in this order. A field a rulebook version
# does not have reads as None on both sides and never shows as a change.
PlainAspect = Literal["title", "topic", "status", "valid_from", "valid_to", "source"]
_PLAIN_ASPECTS: tuple[PlainAspect, ...] = ("title", "topic", "status", "valid_from", "valid_to", "source")


class WordPart(TypedDict):
    op: str  # same | removed | added
    text: str


class TextChange(TypedDict):
    aspect: Literal["text"]
    words: list[WordPart]


class ThresholdChange(TypedDict):
    """A comparison whose subject stayed and whose limit moved."""

    aspect: Literal["threshold"]
    subject: str
    op: str | None
    unit: str | None
    old: str
    new: str


class LevelChange(TypedDict):
    aspect: Literal["level"]
    old: str  # bör, skall
    new: str


class ValueChange(TypedDict):
    """A whole check or condition, or a plain value; None where there was none."""

    aspect: Literal["check", "applicability"] | PlainAspect
    old: str | None
    new: str | None


# One aspect of a requirement that changed, told apart by its aspect.
Change = TextChange | ThresholdChange | LevelChange | ValueChange


class Entry(TypedDict):
    id: str
    title: str
    kind: str  # added | removed | changed
    modality: str
    modality_label: str
    changes: list[Change]


class Book(TypedDict):
    name: str
    edition: int
    file: str | None
    valid_from: str | None
    draft: bool
    label: str  # "Hälsoval Region Örebro län 2026 (utkast)"


class EditionDiff(TypedDict):
    """The view every format renders (and the JSON format prints)."""

    format_version: int
    old: Book
    new: Book
    requirements: list[Entry]
    facts: dict[str, list[str]]  # added, removed, retyped: fact names
    counts: dict[str, int]


def edition_diff(old: CompiledRulebook, new: CompiledRulebook, lang: str = "sv") -> EditionDiff:
    """What changed from `old` to `new`: requirement by requirement (matched by number), then the facts."""
    old_reqs = {r.id: r for r in old.requirements}
    new_reqs = {r.id: r for r in new.requirements}
    entries = []
    for req in new.requirements:
        before = old_reqs.get(req.id)
        if before is None:
            entries.append(_entry(req, "added", [], lang))
        else:
            changes = requirement_changes(before, req, new, lang)
            if changes:
                entries.append(_entry(req, "changed", changes, lang))
    entries += [_entry(req, "removed", [], lang) for req in old.requirements if req.id not in new_reqs]
    return {
        "format_version": 1,
        "old": _book(old, lang), "new": _book(new, lang),
        "requirements": entries,
        "facts": _fact_changes(old, new),
        "counts": {kind: sum(e["kind"] == kind for e in entries) for kind in ("added", "removed", "changed")},
    }


def _book(rb: CompiledRulebook, lang: str) -> Book:
    label = f"{rb.name} {rb.edition}" + (f" ({message('diff.draft', lang)})" if rb.draft else "")
    return {"name": rb.name, "edition": rb.edition, "file": rb.file,
            "valid_from": rb.valid_from.isoformat() if rb.valid_from else None, "draft": rb.draft, "label": label}


def _entry(req: CompiledRequirement, kind: str, changes: list[Change], lang: str) -> Entry:
    return {"id": req.id, "title": req.title, "kind": kind, "modality": req.modality,
            "modality_label": message(f"report.modality.{req.modality}", lang), "changes": changes}


def requirement_changes(old: CompiledRequirement, new: CompiledRequirement, new_book: CompiledRulebook,
                        lang: str) -> list[Change]:
    """What changed in one requirement kept under its number, aspect by aspect."""
    changes: list[Change] = []
    if old.modality != new.modality:
        changes.append({"aspect": "level", "old": old.modality, "new": new.modality})
    if old.condition != new.condition:
        changes.append({"aspect": "applicability", "old": _expr(old.condition, lang),
                        "new": _expr(new.condition, lang)})
    changes += _check_changes(old.check, new.check, new_book, lang)
    if (old.text or "").split() != (new.text or "").split():
        changes.append({"aspect": "text", "words": word_diff(old.text or "", new.text or "")})
    for aspect in _PLAIN_ASPECTS:
        before, after = _aspect_value(old, aspect), _aspect_value(new, aspect)
        if before != after:
            changes.append({"aspect": aspect, "old": before, "new": after})
    return changes


def _aspect_value(req: CompiledRequirement, aspect: str) -> str | None:
    if aspect == "source":  # every source, with its date
        return "; ".join(s.text + (f" ({s.date.isoformat()})" if s.date else "") for s in req.sources) or None
    return _plain(getattr(req, aspect, None))


def _plain(value: object) -> str | None:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return None if value is None else str(value)


def _expr(node: ast.Expr | None, lang: str) -> str | None:
    return expr_text(node, lang) if node is not None else None


# -- checks: thresholds or whole ---------------------------------------------------


@attrs.frozen
class _Moved:
    """A differing pair of sub-expressions; subject set when it is a threshold
    (the other side of a comparison, which stayed the same)."""

    old: ast.Expr
    new: ast.Expr
    subject: ast.Expr | None = None
    op: str | None = None


def _check_changes(old: ast.Expr, new: ast.Expr, new_book: CompiledRulebook, lang: str) -> list[Change]:
    if old == new:
        return []
    moved = _differences(old, new)
    subjects = [m.subject for m in moved if m.subject is not None]
    if len(subjects) == len(moved):
        out: list[Change] = []
        for m, subject in zip(moved, subjects, strict=True):
            unit = _unit(subject, new_book)
            out.append({"aspect": "threshold", "subject": expr_text(subject, lang), "op": m.op, "unit": unit,
                        "old": limit_text(m.old, unit, lang), "new": limit_text(m.new, unit, lang)})
        return out
    return [{"aspect": "check", "old": expr_text(old, lang), "new": expr_text(new, lang)}]


def _differences(old: ast.Expr, new: ast.Expr) -> list[_Moved]:
    """The smallest differing sub-expressions of two checks, walking both
    trees together while they have the same shape."""
    if old == new:
        return []
    if isinstance(old, ast.Compare) and isinstance(new, ast.Compare) and old.op == new.op:
        if old.left == new.left:
            return [_Moved(old.right, new.right, old.left, old.op)]
        if old.right == new.right:
            return [_Moved(old.left, new.left, old.right, _mirror(old.op))]
    if type(old) is type(new) and not isinstance(old, ast.Literal | ast.Name):
        fields = attrs.fields(type(old))
        children = [f.name for f in fields if f.name != "span" and _is_expr(getattr(old, f.name))]
        scalars = [f.name for f in fields if f.name != "span" and f.name not in children]
        if all(getattr(old, n) == getattr(new, n) for n in scalars):
            if all(_is_expr(getattr(new, n)) for n in children):
                return [m for n in children for m in _differences(getattr(old, n), getattr(new, n))]
    return [_Moved(old, new)]


def limit_text(node: ast.Expr, unit: str | None, lang: str) -> str:
    """A limit as written, with its unit on each number: "45 h", or
    "40 h om listade < 6500, annars 45 h" for a limit that depends on a condition."""
    from kokdsl.parser import canonical_keyword

    if isinstance(node, ast.IfElse):
        return (f"{limit_text(node.then, unit, lang)} {canonical_keyword('if', lang)} "
                f"{expr_text(node.condition, lang)}, {canonical_keyword('else', lang)} "
                f"{limit_text(node.otherwise, unit, lang)}")
    text = expr_text(node, lang)
    return f"{text} {unit}" if unit and isinstance(node, ast.Literal) else text


def _is_expr(value: object) -> bool:
    return attrs.has(type(value)) and not isinstance(value, ast.Span | ast.TypeExpr)


def _mirror(op: str) -> str:
    return {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)


def _unit(subject: ast.Expr, rb: CompiledRulebook) -> str | None:
    """'h' when the subject counts hours (timmar(öppettider)); else None."""
    found = rb.types.get(id(subject)) if rb.types else None
    if found is not None and found.unit:
        return found.unit
    return "h" if isinstance(subject, ast.Hours) else None


# -- text -------------------------------------------------------------------------------


def word_diff(old: str, new: str) -> list[WordPart]:
    """[{"op": "same"|"removed"|"added", "text": "..."}], word by word."""
    a, b = old.split(), new.split()
    out: list[WordPart] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append({"op": "same", "text": " ".join(a[i1:i2])})
            continue
        if i2 > i1:
            out.append({"op": "removed", "text": " ".join(a[i1:i2])})
        if j2 > j1:
            out.append({"op": "added", "text": " ".join(b[j1:j2])})
    return out


# -- facts ------------------------------------------------------------------------------


def _fact_changes(old: CompiledRulebook, new: CompiledRulebook) -> dict[str, list[str]]:
    before = {f.name: f for f in old.facts}
    after = {f.name: f for f in new.facts}
    return {"added": [n for n in after if n not in before],
            "removed": [n for n in before if n not in after],
            "retyped": [n for n in after if n in before and after[n].type != before[n].type]}


# -- rendering --------------------------------------------------------------------------


def render(view: EditionDiff, fmt: str, lang: str = "sv") -> str:
    """The diff in one of FORMATS: JSON, an HTML page, or lines of text or Markdown."""
    if fmt == "json":
        return json.dumps(view, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        from kokdsl.outputs.environment import environment

        template = environment().get_template("diff.html.j2")
        return template.render(view=view, lang=lang, t=functools.partial(message, lang=lang),
                               describe=lambda change: describe(change, "html", lang))
    lines = [message("diff.heading", lang, old=_esc(_label(view["old"]), fmt), new=_esc(_label(view["new"]), fmt))]
    if fmt == "md":
        lines[0] = "# " + lines[0]
    lines.append(counts_text(view["counts"], lang))
    for entry in view["requirements"]:
        lines.append("")
        head = message(f"diff.{entry['kind']}", lang, id=entry["id"], title=_esc(entry["title"], fmt),
                       modality=entry["modality_label"])
        lines.append(f"## {head}" if fmt == "md" else head)
        for change in entry["changes"]:
            lines.append(("- " if fmt == "md" else "  - ") + describe(change, fmt, lang))
    facts = view["facts"]
    for kind in ("added", "removed", "retyped"):
        if facts[kind]:
            lines += ["", message(f"diff.facts_{kind}", lang, names=", ".join(_code(n, fmt) for n in facts[kind]))]
    if not view["requirements"]:
        lines += ["", message("diff.none", lang)]
    return "\n".join(lines) + "\n"


def counts_text(counts: dict[str, int], lang: str) -> str:
    """"2 nya, 1 borttaget och 3 ändrade krav": each count in its own plural form."""
    return message("diff.counts", lang, **{kind: message(f"diff.count_{kind}", lang, count=counts[kind])
                                            for kind in ("added", "removed", "changed")})


def _label(book: Book) -> str:
    return book["label"]


def describe(change: Change, fmt: str, lang: str) -> str:
    """One change as one line (text, Markdown) or one HTML fragment (escaped)."""
    if change["aspect"] == "text":
        return message("diff.aspect.text", lang, words=_words(change["words"], fmt))
    if change["aspect"] == "threshold":
        return message("diff.aspect.threshold", lang, subject=_code(f"{change['subject']} {change['op']}", fmt),
                       old=_code(change["old"], fmt), new=_code(change["new"], fmt))
    if change["aspect"] == "level":
        return message("diff.aspect.level", lang, old=_esc(change["old"], fmt), new=_esc(change["new"], fmt))
    aspect = change["aspect"]
    if aspect == "status":
        return message("diff.aspect.status", lang, old=_esc(_status(change["old"], lang), fmt),
                       new=_esc(_status(change["new"], lang), fmt))
    code_like = aspect in ("check", "applicability")

    def show(value: str | None) -> str:
        if value is None:
            return _esc(message("diff.nothing", lang), fmt)
        return _code(value, fmt) if code_like else _esc(str(value), fmt)

    return message(f"diff.aspect.{aspect}", lang, old=show(change["old"]), new=show(change["new"]))


def _status(status: str | None, lang: str) -> str:
    code = f"status.{status}"
    return message(code, lang) if has_message(code) else str(status)


def _esc(text: str, fmt: str) -> str:
    """Data shown as data: escaped for HTML and Markdown, as is for the terminal."""
    if fmt == "md":
        from kokdsl.outputs.environment import markdown_escape

        return markdown_escape(text)
    if fmt != "html":
        return text
    from markupsafe import escape

    return str(escape(text))


def _code(text: str, fmt: str) -> str:
    if fmt == "md":
        from kokdsl.outputs.environment import markdown_code

        return markdown_code(text)
    if fmt == "html":
        return f"<code>{_esc(text, fmt)}</code>"
    return text


def _words(words: list[WordPart], fmt: str) -> str:
    marks = {"text": ("[-", "-]", "{+", "+}"), "md": ("~~", "~~", "**", "**"),
             "html": ("<del>", "</del>", "<ins>", "</ins>")}[fmt]
    out = []
    for part in words:
        text = _esc(part["text"], fmt)
        if part["op"] == "removed":
            out.append(f"{marks[0]}{text}{marks[1]}")
        elif part["op"] == "added":
            out.append(f"{marks[2]}{text}{marks[3]}")
        else:
            out.append(text)
    return " ".join(out)
