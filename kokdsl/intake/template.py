"""A blank self-report derived from a rulebook: what an applicant fills in.

Every declared fact appears in book order, with its doc text and the expected
format as comments, after the identity block. A fact some skall requirement
reads is written blank (not answered: a supplement request until filled in).
Any other fact is written commented out, since the schema lets it be left out
but not written blank. The blank and the filled template both validate against
`kok schema` in the same language.
"""

from __future__ import annotations

from kokdsl.compiled import CompiledRulebook, RecordSpec
from kokdsl.intake.schema import VOCABULARY, required_fields
from kokdsl.messages import message
from kokdsl.selfreport import ExpectedValue

# A real applicant's report is not fictional; synthetic examples say ja.
_FICTIONAL_DEFAULT = {"sv": "nej", "en": "no"}


def render_template(rulebook: CompiledRulebook, lang: str = "sv") -> str:
    valid_from = rulebook.valid_from.isoformat() if rulebook.valid_from else "?"
    lines = [_comment(message("template.header", lang, name=rulebook.name, edition=rulebook.edition,
                              valid_from=valid_from)),
             _comment(message("template.instructions", lang)), ""]
    lines += _identity_lines(lang)
    required = required_fields(rulebook)
    schedule_explained = False
    for fact in rulebook.facts:
        lines.append("")
        if fact.doc:
            lines.append(_comment(fact.doc))
        if fact.input_only:
            lines.append(_comment(message("template.input_only", lang)))
        lines.append(_comment(message("template.format", lang, format=ExpectedValue(fact.type))))
        if fact.type.kind == "schedule":
            # The long how-to once; later schedules refer back to it.
            hint = "template.schedule_see_above" if schedule_explained else "template.schedule_hint"
            lines.append(_comment(message(hint, lang)))
            schedule_explained = True
        answered_here = fact.name in required
        if not answered_here:
            lines.append(_comment(message("template.optional", lang)))
        if fact.type.kind == "list":
            lines.append(_comment(message("template.list_hint", lang)))
            lines += _list_lines(fact.name, rulebook.record_type(fact.type), required.get(fact.name),
                                 lang, answered_here)
        else:
            lines.append(_commented(f"{fact.name}:", not answered_here))
    return "\n".join(lines) + "\n"


def _identity_lines(lang: str) -> list[str]:
    words = VOCABULARY[lang]
    lines = [f"{words['identity']}:"]
    for key in words["identity_fields"]:
        value = _FICTIONAL_DEFAULT[lang] if key == words["identity_fields"][-1] else ""
        lines.append(f"  {key}:{' ' + value if value else ''}  # {message(f'template.identity.{key}', lang)}")
    return lines


def _list_lines(name: str, record: RecordSpec, needed: frozenset[str] | None, lang: str,
                answered_here: bool) -> list[str]:
    """A list fact with one blank example entry. The entry's fields a skall
    reads are blank; the others are commented out. With no such field, the
    list itself is left blank and the example entry is all comments."""
    needed = needed or frozenset()
    entry_open = answered_here and bool(needed)
    lines = [_commented(f"{name}:", not answered_here)]
    if entry_open and len(needed) < len(record.fields):
        lines.append(_comment(message("template.optional_field", lang)))
    lead_written = False
    for field in record.fields:
        notes = [field.doc] if field.doc else []
        notes.append(message("template.format", lang, format=ExpectedValue(field.type)))
        open_field = entry_open and field.name in needed
        lead = "  - " if open_field and not lead_written else "    "
        if not entry_open and not lead_written:
            lead = "  - "
        lead_written = lead_written or lead == "  - "
        text = f"{lead}{field.name}:  # {' '.join(notes)}"
        lines.append(_commented(text, not open_field))
    return lines


def _commented(line: str, commented: bool) -> str:
    return "# " + line if commented else line


def _comment(text: str) -> str:
    return "\n".join("# " + line if line else "#" for line in text.splitlines())
