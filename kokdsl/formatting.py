"""Numbers, percentages, lists and dates in words in the reader's language,
from CLDR (Babel).

Swedish (sv_SE): "6 500" grouped with a no-break space, "85,7" with a decimal
comma, "90 %" with a no-break space before the sign, "a, b och c". English
(en_GB, the spelling kokdsl writes): "6,500", "85.7", "90%", "a, b and c".
Every number the tool writes for a reader goes through here, so one page never
shows "6200" beside "6 200". Plural forms of sentences come from the gettext
catalogues (message() with a `count`), not from here.

Babel is imported when the first number is written, not when kokdsl starts.

Numbers are exact: a Fraction is rounded to hundredths in integers (no float,
which a Fraction of huge numerator and denominator would overflow) before
Babel writes it.
"""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

import attrs

if TYPE_CHECKING:
    import babel

# The CLDR locale behind each output language.
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
# Beyond this many digits a number is shown by its order of magnitude (Python
# will not print an int of more than 4,300 digits, and no reader wants one).
MAX_SHOWN_DIGITS = 30
_PRECISION = MAX_SHOWN_DIGITS + 10  # decimal digits, enough for every number shown exactly


@functools.cache
def locale(lang: str) -> babel.Locale:
    """The CLDR locale of an output language ("sv" or "en")."""
    import babel

    return babel.Locale.parse(LOCALES[lang])


def format_date(day: datetime.date, lang: str) -> str:
    """A date in words, for a letter's running text: "1 april 2025" / "1 April 2025".
    Tables, evidence and the JSON keep ISO 8601 ("2025-04-01"), which reads the
    same in both languages."""
    import babel.dates

    return babel.dates.format_date(day, format="long", locale=locale(lang))


def _decimal(value: int | Fraction, places: int) -> Decimal:
    """`value` rounded to `places` decimals, exactly, without trailing zeros."""
    scaled = round(Fraction(value) * 10**places)
    if scaled == 0:
        return Decimal(0)  # never "-0"
    exact = Decimal(scaled).scaleb(-places).normalize()
    exponent = exact.as_tuple().exponent
    return exact.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else exact


# Languages whose CLDR format writes a whole number below 1,000 as its plain
# ASCII digits (tests/pipeline/test_formatting.py holds this against Babel).
PLAIN_SMALL_INTEGERS = frozenset({"sv", "en"})


@functools.lru_cache(maxsize=8192)
def format_number(value: int | Fraction, lang: str, places: int = 2) -> str:
    """A number with at most `places` decimals: "6 500", "38,5" / "6,500", "38.5".
    Kept per value: a national rerun writes the same counts and thresholds on
    every page."""
    if type(value) is int and 0 <= value < 1000 and lang in PLAIN_SMALL_INTEGERS:
        return str(value)  # what CLDR writes, without loading its locale data (a third of `kok check`)
    if abs(value) >= 10**MAX_SHOWN_DIGITS:
        return magnitude(int(value))
    with decimal.localcontext(prec=_PRECISION):
        number = _decimal(value, places)
        pattern = _pattern(lang)
        if pattern is None:
            return _babel_decimal(number, lang)
        return _written(number, pattern)


@functools.lru_cache(maxsize=8192)
def format_percent(ratio: int | Fraction | float, lang: str, places: int = 2) -> str:
    """A share as a percentage with at most `places` decimals: 0.857 is
    "85,7 %" in Swedish and "85.7%" in English (kept per value, as format_number)."""
    share = Fraction(ratio)
    if abs(share * 100) >= 10**MAX_SHOWN_DIGITS:
        return magnitude(int(share * 100)) + ("\u00a0%" if lang == "sv" else "%")
    with decimal.localcontext(prec=_PRECISION):
        percent = _decimal(share * 100, places)
        pattern = _pattern(lang)
        if pattern is None:
            return _babel_percent(percent.scaleb(-2), lang)
        return pattern.percent_prefix + _written(percent, pattern) + pattern.percent_suffix


# -- CLDR's number pattern, read once ---------------------------------------------
#
# Babel parses and applies the locale's pattern for every number it writes,
# a fraction of a millisecond each: most of a findings page's numbers when
# each centre's values differ. The locales kokdsl writes (sv_SE, en_GB) group
# digits in threes; their symbols are read from Babel once, by writing probe
# numbers, and the result is checked against Babel on more probes. A locale
# that does not agree is written by Babel, number by number.


@attrs.frozen
class _Pattern:
    group: str  # "\u00a0" / ","
    point: str  # "," / "."
    minus: str
    percent_prefix: str
    percent_suffix: str  # "\u00a0%" / "%"


_PROBES = ("0", "7", "999", "1000", "-1", "12345.6", "-1234567.89", "0.05", "100000", "-0.5", "98765432109876.54")


@functools.cache
def _pattern(lang: str) -> _Pattern | None:
    """The locale's symbols, if writing numbers with them gives what Babel gives."""
    thousand, half, minus_one = (_babel_decimal(Decimal(v), lang) for v in ("1000", "1.5", "-1"))
    one_percent = _babel_percent(Decimal("0.01"), lang)
    if not (thousand.startswith("1") and thousand.endswith("000") and half.startswith("1") and half.endswith("5")
            and minus_one.endswith("1") and one_percent.count("1") == 1):
        return None
    prefix, suffix = one_percent.split("1")
    pattern = _Pattern(thousand[1:-3], half[1:-1], minus_one[:-1], prefix, suffix)
    for probe in map(Decimal, _PROBES):
        if _written(probe, pattern) != _babel_decimal(probe, lang):
            return None
        percent = prefix + _written(probe, pattern) + suffix
        if percent != _babel_percent(probe.scaleb(-2), lang):
            return None
    return pattern


def _written(number: Decimal, pattern: _Pattern) -> str:
    """A decimal with the locale's symbols, its digits grouped in threes."""
    text = f"{number:f}"
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    head = len(whole) % 3 or 3
    written = pattern.group.join([whole[:head], *(whole[i:i + 3] for i in range(head, len(whole), 3))])
    if fraction:
        written += pattern.point + fraction
    return pattern.minus + written if negative else written


def _babel_decimal(number: Decimal, lang: str) -> str:
    import babel.numbers

    return babel.numbers.format_decimal(number, locale=locale(lang), decimal_quantization=False)


def _babel_percent(share: Decimal, lang: str) -> str:
    import babel.numbers

    return babel.numbers.format_percent(share, locale=locale(lang), decimal_quantization=False)


def format_list(items: Sequence[str], lang: str, style: Literal["and", "or"] = "and") -> str:
    """"a, b och c" / "a, b and c"; style "or" gives "a, b eller c" / "a, b or c"."""
    import babel.lists

    if not items:
        return ""
    return babel.lists.format_list(list(items), style="standard" if style == "and" else "or", locale=locale(lang))


def magnitude(n: int) -> str:
    """A huge number as its power of ten ("~10^400"), from its bit length,
    without printing it."""
    magnitude = abs(n)
    exponent = int((magnitude.bit_length() - 1) * 0.30102999566398120)
    if magnitude >= 10 ** (exponent + 1):
        exponent += 1
    return f"{'-' if n < 0 else ''}~10^{exponent}"

