"""Runtime values: what a checked fact holds, and how a value reads to people.

Values are plain Python where possible, so checks run fast: bool, int,
Fraction (decimals and percents; 25 % is Fraction(1, 4)), str (text and closed
set values), frozenset (sets of values), datetime.date, Schedule, and tuples of
RecordValue for lists of records. UNKNOWN marks a fact that is missing or
invalid; it flows through the three-valued logic instead of raising.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

from kokdsl.schedule import Schedule


class _Unknown:
    """The third truth value: 'cannot be assessed'. A singleton."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; compare with `is UNKNOWN`")


UNKNOWN = _Unknown()

# The environment key of the assessment date (`bedömningsdatum`, the run
# date). "$" keeps it apart from every fact name.
ASSESSMENT_DATE = "$assessment_date"


def assessment_date(env: dict) -> datetime.date:
    """The date a centre is assessed on; today when the caller gave none."""
    return env.get(ASSESSMENT_DATE) or datetime.date.today()


class RecordValue:
    """One element of a list of records, with where it came from."""

    __slots__ = ("fields", "path", "label")

    def __init__(self, fields: dict, path: str, label: str):
        self.fields = fields
        self.path = path  # $.filialer[1]
        self.label = label  # "Påhittsby", or "#2" when the record has no name

    def __repr__(self) -> str:
        return f"RecordValue({self.label!r})"


def format_number(value: int | Fraction, lang: str) -> str:
    if isinstance(value, int):
        return str(value)
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "sv" else text


def format_value(value, kind: str | None, lang: str, unit: str | None = None) -> str:
    """A value as a person writes it: 'ja', '25 %', '38,5 h', 'måndag 08:00-17:00'."""
    from kokdsl.messages import message

    if value is UNKNOWN:
        return message("value.unknown", lang)
    if isinstance(value, bool):
        return message("value.yes" if value else "value.no", lang)
    if kind == "percent" and isinstance(value, (int, Fraction)):
        return f"{format_number(value * 100, lang)} %"
    if isinstance(value, (int, Fraction)):
        text = format_number(value, lang)
        return f"{text} {unit}" if unit else text
    if isinstance(value, Schedule):
        return value.describe(lang) or message("value.empty_schedule", lang)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(value)) + "}" if value else message("value.empty_set", lang)
    if isinstance(value, tuple):
        return message("value.list_of", lang, count=len(value))
    if isinstance(value, RecordValue):
        return value.label
    if kind == "text":
        return f"\u201c{value}\u201d"
    return str(value)
