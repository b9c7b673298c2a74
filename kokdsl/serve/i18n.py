"""The register's words: every sentence of its pages is an entry of kokdsl's
gettext catalogues (ids `serve.…`, kokdsl/locale/), as every other sentence
kokdsl says; the templates and the code name the ids only."""

from __future__ import annotations

from kokdsl.messages import LANGUAGES, message

LANGS = tuple(LANGUAGES)


def text(key: str, lang: str, **params: object) -> str:
    """The sentence with id `key` in `lang`, its parameters filled in."""
    return message(key, lang, **params)
