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
from typing import Any

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
    whole-number `count` picks the plural form of an entry that has them
    ("1 vårdcentral", "2 vårdcentraler") and is written as a number of that
    language ("6 500"); so does a Fraction ("38,5 timmar")."""
    rendered = {k: (v.render(lang) if hasattr(v, "render") else v) for k, v in params.items()}
    count = params.get("count")
    if isinstance(count, (int, Fraction)) and not isinstance(count, bool):
        from kokdsl.formatting import format_number  # Babel's number data is read only when a count is shown

        rendered["count"] = format_number(count, lang)
        return _plural(code, count, lang).format(**rendered)
    return template(code, lang).format(**rendered)


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
