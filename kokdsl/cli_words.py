"""Click's own messages about a mistake (usage errors) in Swedish.

The help pages (`-h`) are written in English, docstrings and all, so only
what Click says about a mistake is translated, not its help headings.

Click marks every sentence it says for gettext, each module calling its own
`_` and `ngettext`. Reading a system message catalogue would tie kok's
language to the machine's locale instead of to --lang and KOK_LANG, so
`use_language` points those names at kok's own catalogues (the ids
below, `click.*`) while kok runs in Swedish. A sentence the table lacks
stays as Click wrote it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence

# Click's sentence (its gettext msgid) -> the id of its translation in kok's catalogues.
CLICK_IDS = {
    "Usage:": "click.usage",
    "Try '{command} {option}' for help.": "click.try_command_option_for_help",
    "Error: {message}": "click.error_message",
    "Missing argument": "click.missing_argument",
    "Missing option": "click.missing_option",
    "Missing parameter": "click.missing_parameter",
    "Missing command.": "click.missing_command",
    "No such command {name!r}.": "click.no_such_command_name_r",
    "No such option {name!r}.": "click.no_such_option_name_r",
    "Option {name!r} does not take a value.": "click.option_name_r_does_not_take_a_value",
    "Option {name!r} requires an argument.": "click.option_name_r_requires_an_argument",
    "Option {name!r} requires {nargs} arguments.": "click.option_name_r_requires_nargs_arguments",
    "Invalid value for {param_hint}: {message}": "click.invalid_value_for_param_hint_message",
    "Invalid value: {message}": "click.invalid_value_message",
    "Got unexpected extra argument ({args})": "click.got_unexpected_extra_argument_args",
    "Got unexpected extra arguments ({args})": "click.got_unexpected_extra_arguments_args",
    "Did you mean {possibility}?": "click.did_you_mean_possibility",
    "(Did you mean one of: {possibilities}?)": "click.did_you_mean_one_of_possibilities",
    "{value!r} is not {choice}.": "click.value_r_is_not_choice",
    "{value!r} is not one of {choices}.": "click.value_r_is_not_one_of_choices",
    "{value!r} does not match the format {format}.": "click.value_r_does_not_match_the_format_format",
    "{value!r} does not match the formats {formats}.": "click.value_r_does_not_match_the_formats_forma",
    "{value!r} is not a valid {number_type}.": "click.value_r_is_not_a_valid_number_type",
    "integer": "click.integer",
    "float": "click.float",
    "{value} is not in the range {range}.": "click.value_is_not_in_the_range_range",
    "{name} {filename!r} does not exist.": "click.name_filename_r_does_not_exist",
    "{name} {filename!r} is a directory.": "click.name_filename_r_is_a_directory",
    "{name} {filename!r} is a file.": "click.name_filename_r_is_a_file",
    "{name} {filename!r} is not readable.": "click.name_filename_r_is_not_readable",
    "{name} {filename!r} is not writable.": "click.name_filename_r_is_not_writable",
    "file": "click.file",
    "directory": "click.directory",
    "path": "click.path",
    "Aborted!": "click.aborted",
    "Could not open file {filename!r}: {message}": "click.could_not_open_file_filename_r_message",
    "Takes {nargs} values but 1 was given.": "click.takes_nargs_values_but_1_was_given",
    "Takes {nargs} values but {len} were given.": "click.takes_nargs_values_but_len_were_given",
}

_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting",
            "click.decorators", "click.termui", "click.utils")


def _gettext(text: str) -> str:
    from kokdsl.messages import template

    code = CLICK_IDS.get(text)
    return template(code, "sv") if code else text


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
