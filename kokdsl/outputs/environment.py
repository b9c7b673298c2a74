"""The Jinja environment every report is rendered in, and the filters its
templates use to show data safely: HTML with numbers kept to their units and
paths that wrap between their parts, CSS strings, and Markdown that shows a
self-report's text literally.

The findings report, the book, the blank form, the edition diff and the rerun
overview all render through environment(), so an escaping rule is written once.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2
import markupsafe

from kokdsl.resources import caching_enabled, data_dir


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja environment, made once: reports/ as its loader, HTML
    autoescaped, undefined names an error, and the filters below."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
        # Escape everything in HTML templates: a self-report is data, never markup.
        autoescape=lambda name: name is not None and ".html" in name,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Compiling the templates costs more than rendering one report; keep the
        # compiled code in the user's temp folder (Jinja checks its ownership).
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["md"] = markdown_escape
    env.filters["md_code"] = markdown_code
    env.filters["css_string"] = css_string
    env.filters["nobreak"] = nobreak
    env.filters["path_breaks"] = path_breaks
    return env


class _Environment(jinja2.Environment):
    """Jinja's environment, with `x.name` on a plain dict holding that key
    read as the item straight away. Jinja looks for an attribute first, and a
    dict has none of the names the views use: each lookup raised and caught
    an AttributeError, a few hundred a findings page. (A dict method, such as
    `x.items()`, is still found where the dict has no such key.)"""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    if not caching_enabled():
        return None
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no usable temp folder: compile each time
        return None


# -- HTML and CSS text ------------------------------------------------------------


def css_string(value: object) -> markupsafe.Markup:
    """A quoted CSS string for the page footer: every character but ASCII
    letters and digits as a hex escape, so no data can end the string or the
    style sheet. Spaces too: CSS swallows a space after an escape."""
    text = " ".join(str(value).split())
    escaped = "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in text)
    return markupsafe.Markup(f'"{escaped}"')


_NUMBER_UNIT = re.compile(r"(\d) (%|timmar|hours|h\b)")


def nobreak(value: object) -> markupsafe.Markup:
    """Escaped text where a number never parts from its unit ("61 %")."""
    if type(value) is str:  # most values: kept by the text itself, escaped once
        return _nobreak_text(value)
    return _nobreak(str(markupsafe.escape(value)))


@functools.lru_cache(maxsize=4096)
def _nobreak_text(text: str) -> markupsafe.Markup:
    return _nobreak(str(markupsafe.escape(text)))


@functools.lru_cache(maxsize=4096)  # the same sentences and values recur from centre to centre
def _nobreak(escaped: str) -> markupsafe.Markup:
    return markupsafe.Markup(_NUMBER_UNIT.sub("\\1\u00a0\\2", escaped))


_PATH_PART = re.compile(r"(?<=.)(\.|\[)")


def path_breaks(value: object) -> markupsafe.Markup:
    """An escaped JSON path that may wrap only between its parts."""
    if type(value) is str:  # most paths: kept by the path itself, escaped once
        return _path_breaks_text(value)
    return _path_breaks(str(markupsafe.escape(value)))


@functools.lru_cache(maxsize=4096)
def _path_breaks_text(path: str) -> markupsafe.Markup:
    return _path_breaks(str(markupsafe.escape(path)))


@functools.lru_cache(maxsize=4096)  # a rulebook's paths recur in every report
def _path_breaks(escaped: str) -> markupsafe.Markup:
    return markupsafe.Markup(_PATH_PART.sub("<wbr>\\1", escaped))


# -- Markdown escaping -----------------------------------------------------------

# Markup characters, plus what GitHub-flavoured Markdown turns into links and
# strike-through: the colon of a URL scheme (https://), the dot after www and
# ~~. A backslash before ASCII punctuation shows the character itself and
# keeps it from starting anything. (An e-mail address still becomes a mailto:
# link in GFM whatever is escaped; such a link runs nothing.)
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#~])|(?<![^\W_])_|_(?![^\W_])|(?<=\b[wW]{3})\.|(?<=[a-zA-Z])(?=://)")


def markdown_escape(value: object) -> str:
    """Data shown literally in Markdown: no markup, links, autolinks,
    strike-through or raw HTML from a self-report."""
    text = _one_line(value)
    return _MD_SPECIAL.sub(_escaped, text)


# Whitespace that may be folded: every kind but the no-break spaces that keep
# "6 500" and "90 %" together.
_FOLDED_SPACE = re.compile(r"[^\S\u00a0\u202f]+")


def _one_line(value: object) -> str:
    """The text on one line, runs of breaking whitespace as one space."""
    return _FOLDED_SPACE.sub(" ", str(value)).strip(" ")


def _escaped(match: re.Match[str]) -> str:
    # The empty match before "://" escapes the colon that follows it.
    return "\\" + match.group(0) if match.group(0) else "\\"


def markdown_code(value: object) -> str:
    """A path or value as inline code, with a fence longer than any backtick run inside."""
    text = _one_line(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
