"""Every sentence the tool says, looked up in its gettext catalogues.

The texts live in kokdsl/locale/<lang>/LC_MESSAGES/kokdsl.po, one file per
language, with a translator's note on each entry; the compiled .mo files beside
them ship in the wheel. Message ids are keys ("compile.duplicate_fact"), so code
names a sentence without quoting either language. `python -m kokdsl.catalogue`
extracts, updates and compiles the catalogues (CONTRIBUTING, "Sentences and
translations").

Diagnostics and explanations carry a code and parameters; message() turns them
into words. A parameter that knows how to render itself in a language (it has
.render(lang)) is rendered here, so callers never pre-format text.
"""

from __future__ import annotations

import functools
import gettext
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
    """Whether the catalogues hold a sentence with this id."""
    try:
        translations(SV).gettext(code)
    except KeyError:
        return False
    return True


def template(code: str, lang: str = SV) -> str:
    """The sentence for `code` in `lang` with its {placeholders} unfilled;
    KeyError for an id the catalogue lacks."""
    return translations(lang).gettext(code)


def message(code: str, lang: str = SV, **params: Any) -> str:
    """The sentence for a message code in `lang` ("sv" or "en"), with its
    parameters filled in; a parameter with .render(lang) renders itself."""
    rendered = {k: (v.render(lang) if hasattr(v, "render") else v) for k, v in params.items()}
    return template(code, lang).format(**rendered)


def join_alternatives(words: list[str], lang: str) -> str:
    """"a, b or c" in `lang`; "?" for none."""
    if not words:
        return "?"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {template('or', lang)} " + words[-1]
