"""A blank self-report derived from a rulebook: what an applicant fills in.

Every declared fact appears in book order, with its doc text and the expected
format as comments, after the identity block. Left blank, a value counts as
missing; filled in, the report runs with no data diagnostics.
"""

from __future__ import annotations

from kokdsl.compiled import CompiledRulebook, Type
from kokdsl.messages import message

# The identity block's keys, by language of the template.
_IDENTITY = {
    "sv": ("vårdcentral", ("namn", "id", "vårdgivare", "fiktiv")),
    "en": ("centre", ("name", "id", "provider", "fictional")),
}

# A real applicant's report is not fictional; synthetic examples say ja.
_IDENTITY_DEFAULTS = {"fiktiv": "nej", "fictional": "no"}


def expected_format(t: Type, lang: str) -> str:
    if t.kind in ("enum", "set"):
        return message(f"expect.{t.kind}", lang, values=", ".join(t.values))
    return message(f"expect.{t.kind}", lang, record=t.record or "")


def render_template(rulebook: CompiledRulebook, lang: str = "sv") -> str:
    valid_from = rulebook.valid_from.isoformat() if rulebook.valid_from else "?"
    lines = [_comment(message("template.header", lang, name=rulebook.name, edition=rulebook.edition,
                              valid_from=valid_from)),
             _comment(message("template.instructions", lang)), ""]
    block, keys = _IDENTITY[lang]
    lines.append(f"{block}:")
    for key in keys:
        value = _IDENTITY_DEFAULTS.get(key, "")
        lines.append(f"  {key}:{' ' + value if value else ''}  # {message(f'template.identity.{key}', lang)}")
    schedule_explained = False
    for fact in rulebook.facts:
        lines.append("")
        if fact.doc:
            lines.append(_comment(fact.doc))
        if fact.input_only:
            lines.append(_comment(message("template.input_only", lang)))
        lines.append(_comment(message("template.format", lang, format=expected_format(fact.type, lang))))
        if fact.type.kind == "schedule":
            # The long how-to once; later schedules refer back to it.
            hint = "template.schedule_see_above" if schedule_explained else "template.schedule_hint"
            lines.append(_comment(message(hint, lang)))
            schedule_explained = True
        if fact.type.kind == "list":
            record = rulebook.records[fact.type.record]
            lines.append(_comment(message("template.list_hint", lang)))
            lines.append(f"{fact.name}:")
            for index, field in enumerate(record.fields):
                lead = "  - " if index == 0 else "    "
                notes = [field.doc] if field.doc else []
                notes.append(message("template.format", lang, format=expected_format(field.type, lang)))
                lines.append(f"{lead}{field.name}:  # {' '.join(notes)}")
        else:
            lines.append(f"{fact.name}:")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return "\n".join("# " + line if line else "#" for line in text.splitlines())
