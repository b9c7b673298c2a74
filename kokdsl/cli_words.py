"""Click's own messages (usage errors, help headings) in Swedish.

The help pages (`-h`) are written in English, docstrings and all, so only
what Click says about a mistake is translated, not its help headings.

Click marks every sentence it says for gettext, each module calling its own
`_` and `ngettext`. Reading a system message catalogue would tie kok's
language to the machine's locale instead of to --lang and KOK_LANG, so
`use_language` points those names at the table below while kok runs in
Swedish. A sentence the table lacks stays as Click wrote it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence

SWEDISH = {
    "Usage:": "Användning:",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' för hjälp.",
    "Error: {message}": "Fel: {message}",
    "Missing argument": "Argument saknas:",
    "Missing option": "Flagga saknas:",
    "Missing parameter": "Parameter saknas:",
    "Missing command.": "Inget kommando angivet.",
    "No such command {name!r}.": "Kommandot {name!r} finns inte.",
    "No such option {name!r}.": "Flaggan {name!r} finns inte.",
    "Option {name!r} does not take a value.": "Flaggan {name!r} tar inget värde.",
    "Option {name!r} requires an argument.": "Flaggan {name!r} behöver ett värde.",
    "Option {name!r} requires {nargs} arguments.": "Flaggan {name!r} behöver {nargs} värden.",
    "Invalid value for {param_hint}: {message}": "Ogiltigt värde för {param_hint}: {message}",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "Got unexpected extra argument ({args})": "Ett argument för mycket ({args})",
    "Got unexpected extra arguments ({args})": "Argument för mycket ({args})",
    "Did you mean {possibility}?": "Menade du {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Menade du någon av: {possibilities}?)",
    "{value!r} is not {choice}.": "{value!r} är inte {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} är inte ett av {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} följer inte formatet {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} följer inte formaten {formats}.",
    "{value!r} is not a valid {number_type}.": "{value!r} är inget giltigt {number_type}.",
    "integer": "heltal",
    "float": "decimaltal",
    "{value} is not in the range {range}.": "{value} ligger inte inom {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} finns inte.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} är en mapp.",
    "{name} {filename!r} is a file.": "{name} {filename!r} är en fil.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} kan inte läsas.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} kan inte skrivas.",
    "file": "Filen",
    "directory": "Mappen",
    "path": "Sökvägen",
    "Aborted!": "Avbrutet!",
    "Could not open file {filename!r}: {message}": "Filen {filename!r} kunde inte öppnas: {message}",
    "Takes {nargs} values but 1 was given.": "Tar {nargs} värden men fick 1.",
    "Takes {nargs} values but {len} were given.": "Tar {nargs} värden men fick {len}.",
}

_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting",
            "click.decorators", "click.termui", "click.utils")


def _gettext(text: str) -> str:
    return SWEDISH.get(text, text)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def language_of(argv: Sequence[str], environ: dict[str, str] | None = None) -> str:
    """The language a command line asks for (--lang, else KOK_LANG, else
    Swedish), read before Click parses it: its errors need it first."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return "en" if argv[index + 1] == "en" else "sv"
        if arg.startswith("--lang="):
            return "en" if arg.partition("=")[2] == "en" else "sv"
    return "en" if (os.environ if environ is None else environ).get("KOK_LANG") == "en" else "sv"


def use_language(lang: str) -> None:
    """Click's sentences in Swedish for "sv", as Click wrote them otherwise."""
    import gettext

    swedish = lang == "sv"
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = _gettext if swedish else gettext.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext if swedish else gettext.ngettext  # type: ignore[attr-defined]
