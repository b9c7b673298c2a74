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
    rendered = {k: _rendered(k, v, lang) for k, v in params.items()}
    count = params.get("count")
    if _is_number(count):
        return _plural(code, count, lang).format(**rendered)
    return template(code, lang).format(**rendered)


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
