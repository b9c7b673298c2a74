"""The message catalogue: every sentence the tool says, in Swedish and English.

Diagnostics and explanations carry a code and parameters; this module turns
them into words. A parameter that knows how to render itself in a language
(it has .render(lang)) is rendered here, so callers never pre-format text.
"""

from __future__ import annotations

SV = "sv"
EN = "en"
LANGUAGES = (SV, EN)

CATALOGUE: dict[str, dict[str, str]] = {
    # severities
    "severity.error": {SV: "fel", EN: "error"},
    "severity.warning": {SV: "varning", EN: "warning"},
    # syntax
    "syntax.unexpected_token": {SV: "här väntades {expected}, men det stod {found}",
                                EN: "expected {expected}, but found {found}"},
    "syntax.unexpected_char": {SV: "tecknet “{char}” hör inte hemma här; här väntades {expected}",
                               EN: "the character “{char}” does not belong here; expected {expected}"},
    "syntax.unexpected_end": {SV: "här väntades {expected}, men filen tog slut",
                              EN: "expected {expected}, but the file ended"},
    "syntax.bad_date": {SV: "“{text}” är inget giltigt datum (ÅÅÅÅ-MM-DD)",
                        EN: "“{text}” is not a valid date (YYYY-MM-DD)"},
    "syntax.too_large": {SV: "filen är för stor ({size} byte, högst {limit})",
                         EN: "the file is too large ({size} bytes, at most {limit})"},
    "hint.did_you_mean": {SV: "tips: menade du “{suggestion}”?", EN: "hint: did you mean “{suggestion}”?"},
    "found.keyword": {SV: "nyckelordet “{text}”", EN: "the keyword “{text}”"},
    "found.token": {SV: "“{text}”", EN: "“{text}”"},
    "term.name": {SV: "ett namn", EN: "a name"},
    "term.string": {SV: "en text inom citattecken", EN: "a text in double quotes"},
    "term.text_block": {SV: "en kravtext inom \"\"\"", EN: "a requirement text in \"\"\""},
    "term.int": {SV: "ett heltal", EN: "a whole number"},
    "term.decimal": {SV: "ett decimaltal", EN: "a decimal number"},
    "term.date": {SV: "ett datum (ÅÅÅÅ-MM-DD)", EN: "a date (YYYY-MM-DD)"},
    "term.req_id": {SV: "ett kravnummer, till exempel 2.1.4", EN: "a requirement number such as 2.1.4"},
    "term.comp_op": {SV: "en jämförelse (=, <, >=, …)", EN: "a comparison (=, <, >=, …)"},
    "term.end": {SV: "slutet av filen", EN: "the end of the file"},
    "term.expression": {SV: "ett värde eller uttryck", EN: "a value or an expression"},
    "term.declaration": {SV: "en ny deklaration (krav, uppgift, post, kapitel)",
                         EN: "a new declaration (requirement, fact, record, chapter)"},
    "or": {SV: "eller", EN: "or"},
}


def join_alternatives(words: list[str], lang: str) -> str:
    if not words:
        return "?"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {CATALOGUE['or'][lang]} " + words[-1]


def message(code: str, lang: str = SV, **params) -> str:
    template = CATALOGUE[code][lang]
    rendered = {k: (v.render(lang) if hasattr(v, "render") else v) for k, v in params.items()}
    return template.format(**rendered)
