"""Runtime values: what a checked fact holds, and how a value reads to people.

Values are plain Python where possible, so checks run fast: bool, int,
Fraction (decimals and percents; 25 % is Fraction(1, 4)), str (text and closed
set values), frozenset (sets of values), datetime.date, Schedule, and tuples of
RecordValue for lists of records. UNKNOWN marks a fact that is missing or
invalid; it flows through the three-valued logic instead of raising.
"""

from __future__ import annotations

import calendar
import datetime
from fractions import Fraction
from typing import Any

import attrs

from kokdsl.formatting import MAX_SHOWN_DIGITS, format_number, format_percent, magnitude
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


def assessment_date(env: dict[str, Any]) -> datetime.date:
    """The date a centre is assessed on; today when the caller gave none."""
    return env.get(ASSESSMENT_DATE) or datetime.date.today()


class RecordValue:
    """One element of a list of records, with where it came from."""

    __slots__ = ("fields", "path", "label")

    def __init__(self, fields: dict[str, Any], path: str, label: str):
        self.fields = fields
        self.path = path  # $.filialer[1]
        self.label = label  # "Påhittsby", or "#2" when the record has no name

    def __repr__(self) -> str:
        return f"RecordValue({self.label!r})"


# The documented bound on magnitudes (docs/limits.md): a number in a
# self-report or a rulebook is at most a million billion, written in at most
# MAX_NUMBER_CHARS characters. Counts and amounts in primary care are far
# below it; bounding them keeps every value printable and every sum exact and fast.
MAX_MAGNITUDE = 10**15
MAX_NUMBER_CHARS = 40
# Results of arithmetic can outgrow the bound; beyond MAX_SHOWN_DIGITS digits
# a number is shown by its order of magnitude (formatting.magnitude).


def within_bounds(value: int | Fraction) -> bool:
    return -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE


# The units a duration is written in: days and weeks count days, months and
# years count calendar months (a month is not a number of days).
DURATION_UNITS = {"days": ("days", 1), "weeks": ("days", 7), "months": ("months", 1), "years": ("months", 12)}


@attrs.frozen(order=True)
class Duration:
    """`28 dagar`, `12 månader`: a number of days or of calendar months.
    Equal and ordered by length; `unit` keeps how it was written."""

    months: int
    days: int
    unit: str = attrs.field(default="days", eq=False, order=False)

    @classmethod
    def of(cls, amount: int, unit: str) -> Duration:
        measure, factor = DURATION_UNITS[unit]
        return cls(amount * factor, 0, unit) if measure == "months" else cls(0, amount * factor, unit)

    @property
    def calendar(self) -> str:
        """"months" for calendar months and years, "days" for days and weeks."""
        return DURATION_UNITS[self.unit][0]

    @property
    def amount(self) -> int:
        """The number as written, in `unit`."""
        return (self.months if self.calendar == "months" else self.days) // DURATION_UNITS[self.unit][1]


def duration_text(value: Duration, lang: str) -> str:
    """'1 vecka', '12 månader', '2 månader och 3 dagar': in the unit it was
    written in when the length is a whole number of it, else in days or months."""
    from kokdsl.messages import message

    def counted(count: int, unit: str) -> str:
        return message(f"value.{unit}", lang, count=count)

    def in_unit(count: int, units: tuple[str, str]) -> str:
        written, base = units
        factor = DURATION_UNITS[written][1]
        return counted(count // factor, written) if count % factor == 0 and count else counted(count, base)

    months = in_unit(value.months, (value.unit, "months") if value.calendar == "months" else ("months", "months"))
    days = in_unit(value.days, (value.unit, "days") if value.calendar == "days" else ("days", "days"))
    if value.months and value.days:
        return message("value.months_and_days", lang, months=months, days=days)
    return months if value.months else days


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), the month's last day when the
    month is shorter: 2025-01-31 + 1 månad = 2025-02-28."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def date_arith(op: str, a: Any, b: Any) -> Any:
    """+ and - on dates and durations (the checker allows only these pairs):
    date ± duration, duration + date, date - date (days), duration ± duration."""
    if isinstance(a, datetime.date) and isinstance(b, datetime.date):
        return Duration(0, (a - b).days)
    if isinstance(b, datetime.date):
        a, b = b, a
    if isinstance(a, datetime.date):
        sign = -1 if op == "-" else 1
        try:
            return add_months(a, sign * b.months) + datetime.timedelta(days=sign * b.days)
        except (OverflowError, ValueError):  # beyond year 1 or 9999: no such date
            return UNKNOWN
    sign = -1 if op == "-" else 1
    return Duration(a.months + sign * b.months, a.days + sign * b.days, a.unit)


def between(value: Any, low: Any, high: Any) -> Any:
    """`x mellan låg och hög` (both ends included) in three-valued logic: a
    bound that decides alone decides even when the other is unknown."""
    if value is UNKNOWN:
        return UNKNOWN
    above = UNKNOWN if low is UNKNOWN else low <= value
    below = UNKNOWN if high is UNKNOWN else value <= high
    if above is False or below is False:
        return False
    return UNKNOWN if (above is UNKNOWN or below is UNKNOWN) else True


def format_value(value: object, kind: str | None, lang: str, unit: str | None = None) -> str:
    """A value as a person writes it: 'ja', '25 %', '38,5 h', 'måndag 08:00-17:00'."""
    from kokdsl.messages import message

    if value is UNKNOWN:
        return message("value.unknown", lang)
    if isinstance(value, Duration):
        return duration_text(value, lang)
    if isinstance(value, bool):
        return message("value.yes" if value else "value.no", lang)
    if kind == "percent" and isinstance(value, (int, Fraction)):
        return format_percent(value, lang)
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
        return quoted(str(value), lang)
    return str(value)


def quoted(text: str, lang: str) -> str:
    """A text in quotation marks: ”…” in Swedish, “…” in English."""
    return f"\u201d{text}\u201d" if lang == "sv" else f"\u201c{text}\u201d"


def shorten(value: object, limit: int = 60) -> str:
    """A self-report value as JSON-like text of at most `limit` characters,
    built piece by piece and stopped at the limit, so a huge or deeply shared
    value (a list repeated through YAML aliases) is never written out whole."""
    pieces: list[str] = []
    size = 0
    stack = [value]
    while stack and size <= limit:
        item = stack.pop()
        piece = _piece(item, stack)
        pieces.append(piece)
        size += len(piece)
    text = "".join(pieces)
    if len(text) <= limit and not stack:
        return text
    return text[:limit - 1] + "…"


class _Literal(str):
    """Punctuation pushed on the stack between the parts of a list or mapping."""


def _piece(item: object, stack: list[object]) -> str:
    if isinstance(item, _Literal):
        return item
    if isinstance(item, (list, tuple)):
        parts: list[object] = [_Literal("[")]
        for index, element in enumerate(item):
            parts += [_Literal(", ")] if index else []
            parts.append(element)
            if len(parts) > 64:  # enough to fill any limit; the rest is never shown
                parts.append(_Literal(", …"))
                break
        parts.append(_Literal("]"))
        stack.extend(reversed(parts[1:]))
        return "["
    if isinstance(item, dict):
        parts = [_Literal("{")]
        for index, (key, element) in enumerate(item.items()):
            parts += [_Literal(", ")] if index else []
            parts += [_Literal(_scalar_text(key) + ": "), element]
            if len(parts) > 64:
                parts.append(_Literal(", …"))
                break
        parts.append(_Literal("}"))
        stack.extend(reversed(parts[1:]))
        return "{"
    return _scalar_text(item)


def _scalar_text(item: object) -> str:
    import json

    if isinstance(item, bool) or item is None:
        return json.dumps(item)
    if isinstance(item, int):
        return str(item) if abs(item) < 10**MAX_SHOWN_DIGITS else magnitude(item)
    if isinstance(item, float):
        return repr(item)
    if isinstance(item, str):
        # A long text is cut before it is escaped: only its start can be shown.
        return json.dumps(item[:200], ensure_ascii=False)
    return json.dumps(str(item)[:200], ensure_ascii=False)
