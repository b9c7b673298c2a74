"""Every sentence the tool says, looked up in its gettext catalogues.

The texts live in kokdsl/locale/<lang>/LC_MESSAGES/kokdsl.po, one file per
language, with a translator's note on each entry; the compiled .mo files beside
them ship in the wheel. Message ids are keys ("compile.duplicate_fact"), so code
names a sentence without quoting either language. `python -m kokdsl.catalogue`
extracts, updates and compiles the catalogues (CONTRIBUTING, "Sentences and
translations").

Diagnostics and explanations carry a code and parameters; message() turns them
into words, in the plural form a `count` parameter needs. A parameter that
knows how to render itself in a language (it has .render(lang)) is rendered
here, so callers never pre-format text.
"""

from __future__ import annotations

import functools
import gettext
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeGuard

SV = "sv"
EN = "en"
LANGUAGES = (SV, EN)

DOMAIN = "kokdsl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def mo_path(lang: str) -> Path:
    """The compiled catalogue of one language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


class _Missing(gettext.NullTranslations):
    """The last fallback: an id the catalogue lacks is a bug, not a sentence."""

    def gettext(self, message: str) -> str:
        raise KeyError(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        raise KeyError(msgid1)


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `lang`, read once."""
    if lang not in LANGUAGES:
        raise KeyError(f"no catalogue for the language {lang!r}")
    with open(mo_path(lang), "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    catalogue.add_fallback(_Missing())
    return catalogue


def has_message(code: str) -> bool:
    """Whether the catalogues hold a sentence (or a plural entry) with this id."""
    catalogue = translations(SV)
    try:
        catalogue.gettext(code)
    except KeyError:
        try:
            catalogue.ngettext(code, code, 1)
        except KeyError:
            return False
    return True


def template(code: str, lang: str = SV) -> str:
    """The sentence for `code` in `lang` with its {placeholders} unfilled;
    KeyError for an id the catalogue lacks."""
    return translations(lang).gettext(code)


def message(code: str, lang: str = SV, **params: Any) -> str:
    """The sentence for a message code in `lang` ("sv" or "en"), with its
    parameters filled in; a parameter with .render(lang) renders itself. A
    `count` that is a number (int or Fraction) picks the plural form of an
    entry that has them ("1 vårdcentral", "2 vårdcentraler", "38,5 timmar");
    it and the other AMOUNTS are written as numbers of that language ("6 500")."""
    rendered = params
    for name, value in params.items():
        if name in AMOUNTS or hasattr(value, "render"):  # else every parameter is used as it is
            rendered = {k: _rendered(k, v, lang) for k, v in params.items()}
            break
    count = params.get("count")
    if count is not None and _is_number(count):
        return _plural(code, count, lang).format(**rendered)
    texts = _TEMPLATES.get(lang)
    text = texts.get(code) if texts is not None else None
    if text is None:
        text = _TEMPLATES.setdefault(lang, {})[code] = template(code, lang)
    return text.format(**rendered)


# lang -> message id -> its sentence, as template() gives it: a national rerun
# writes some hundred thousand sentences, and gettext's lookup with its
# fallbacks was a third of each.
_TEMPLATES: dict[str, dict[str, str]] = {}


# Parameters that are amounts, written as numbers of the reader's language
# ("mer än 5 000 000 byte"); identifiers such as line numbers, requirement
# numbers and editions are written as they are.
AMOUNTS = frozenset({"count", "limit", "minimum", "total", "covered", "passed", "failed", "errors", "warnings",
                     "skall", "bor"})


def _is_number(value: object) -> TypeGuard[int | Fraction]:
    return isinstance(value, (int, Fraction)) and not isinstance(value, bool)


def _rendered(name: str, value: Any, lang: str) -> Any:
    if hasattr(value, "render"):
        return value.render(lang)
    if name in AMOUNTS and _is_number(value):
        from kokdsl.formatting import format_number  # Babel's number data is read only when an amount is shown

        return format_number(value, lang)
    return value


def _plural(code: str, count: int | Fraction, lang: str) -> str:
    """The form of `code` that `count` takes; a sentence without plural forms as it is.
    A count with decimals ("1,5 timmar") takes the form of 2: in Swedish and
    English every such number is plural."""
    try:
        return translations(lang).ngettext(code, code, int(count) if count.denominator == 1 else 2)
    except KeyError:
        return template(code, lang)


def join_alternatives(words: list[str], lang: str) -> str:
    """"a, b or c" in `lang`; "?" for none."""
    from kokdsl.formatting import format_list

    return format_list(words, lang, style="or") if words else "?"


# A YAML or JSON parser's own words (libyaml, Python's json) -> the id of the same reason in
# the catalogues: kok's messages quote these reasons, and a Swedish message must not end in
# English. The English text is the parser's; a reason this table lacks is "parser.other".
PARSER_PROBLEMS = {
    "mapping values are not allowed in this context": "parser.mapping_values_are_not_allowed_in_this_c",
    "did not find expected node content": "parser.did_not_find_expected_node_content",
    "found unexpected end of stream": "parser.found_unexpected_end_of_stream",
    "did not find expected '-' indicator": "parser.did_not_find_expected_indicator",
    "found character that cannot start any token": "parser.found_character_that_cannot_start_any_to",
    "found unknown escape character": "parser.found_unknown_escape_character",
    "did not find expected ',' or '}'": "parser.expected_comma_or_brace",
    "did not find expected ',' or ']'": "parser.expected_comma_or_bracket",
    "but found another document": "parser.but_found_another_document",
    "did not find expected tag URI": "parser.did_not_find_expected_tag_uri",
    "found unknown directive name": "parser.found_unknown_directive_name",
    "did not find expected key": "parser.did_not_find_expected_key",
    "did not find expected alphabetic or numeric character": "parser.did_not_find_expected_alphabetic_or_nume",
    "could not find expected ':'": "parser.could_not_find_expected",
    "found undefined alias": "parser.found_undefined_alias",
    "found invalid Unicode character escape code": "parser.found_invalid_unicode_character_escape_c",
    "found a tab character that violates indentation": "parser.found_a_tab_character_that_violates_inde",
    "block sequence entries are not allowed in this context": "parser.block_sequence_entries_are_not_allowed_i",
    "found duplicate anchor": "parser.found_duplicate_anchor",
    "found unexpected ':'": "parser.found_unexpected",
    "Expecting value": "parser.expecting_value",
    "Expecting property name enclosed in double quotes": "parser.expecting_property_name_enclosed_in_doub",
    "Expecting ',' delimiter": "parser.expecting_delimiter",
    "Expecting ':' delimiter": "parser.expecting_delimiter",
    "Unterminated string starting at": "parser.unterminated_string_starting_at",
    "Invalid control character at": "parser.invalid_control_character_at",
    "Invalid \\escape": "parser.invalid_escape",
    "Invalid \\uXXXX escape": "parser.invalid_uxxxx_escape",
    "Extra data": "parser.extra_data",
}


class ParserProblem:
    """A parser's reason for refusing a document: in English as the parser
    wrote it; in another language from the catalogue (a general phrase for
    one the table lacks, never the English)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, lang: str) -> str:
        if lang == EN:
            return self.text
        code = next((c for english, c in PARSER_PROBLEMS.items() if self.text.startswith(english)), "parser.other")
        return message(code, lang)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParserProblem) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"ParserProblem({self.text!r})"

    def __str__(self) -> str:
        return self.text
