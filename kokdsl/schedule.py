"""Weekly schedules: an algebra over minutes of a week, and the self-report parser.

A :class:`Schedule` is a set of minutes in a cyclic week, stored as a tuple of
normalised half-open intervals ``[start, end)`` of week-minutes, where minute 0
is Monday 00:00.  All set operations are linear merges over the two interval
tuples, because they run for every centre in a hot loop.

One module, over 400 lines: the value type, its text form and the parser of
self-reported schedules share the weekday words and must agree on them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction
from typing import Any

import attrs

from kokdsl.diagnostics import key_path
from kokdsl.errors import ScheduleFormatError
from kokdsl.text import join_and

__all__ = [
    "AROUND_THE_CLOCK",
    "EMPTY",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "WEEKDAYS",
    "Schedule",
    "parse_schedule",
]

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
WEEKDAYS = {
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

# The canonical words of a self-reported schedule in each key language: the
# parser below accepts them (among variants), and intake.schema, kok template
# and kok form write them. Day groups are every day, weekdays, weekend.
SCHEDULE_WORDS: dict[str, dict[str, Any]] = {
    "sv": {"weekdays": WEEKDAYS["sv"], "day_groups": ("alla dagar", "vardagar", "helger"),
           "closed": "stängt", "around_the_clock": "dygnet runt"},
    "en": {"weekdays": tuple(day.lower() for day in WEEKDAYS["en"]), "day_groups": ("every day", "weekdays", "weekend"),
           "closed": "closed", "around_the_clock": "around the clock"},
}
_GROUP_DAYS = (tuple(range(7)), tuple(range(5)), (5, 6))  # of the day_groups above, in order

Interval = tuple[int, int]


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------


def _is_week_minute(value: object) -> bool:
    # bool is an int subclass; True/False as minutes is always a bug.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_normalised(intervals: object) -> bool:
    """True if ``intervals`` is already a tuple in canonical form (cheap fast path)."""
    if not isinstance(intervals, tuple):
        return False
    previous_end = -1
    for pair in intervals:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            return False
        start, end = pair
        if not (_is_week_minute(start) and _is_week_minute(end)):
            return False
        # Strictly greater: adjacent intervals must have been merged.
        if not (previous_end < start < end <= MINUTES_PER_WEEK):
            return False
        previous_end = end
    return True


def _normalise(pairs: Iterable[Iterable[int]]) -> tuple[Interval, ...]:
    """Sort, unwrap past-the-week ends, and merge overlapping or adjacent pairs."""
    if _is_normalised(pairs):
        return pairs  # type: ignore[return-value]
    pieces: list[Interval] = []
    for pair in pairs:
        try:
            start, end = pair
        except (TypeError, ValueError):
            raise ValueError(f"not a (start, end) pair: {pair!r}") from None
        if not (_is_week_minute(start) and _is_week_minute(end)):
            raise ValueError(f"interval bounds must be ints: {pair!r}")
        if start == end:
            continue
        if not 0 <= start < MINUTES_PER_WEEK:
            raise ValueError(f"interval start outside the week: {pair!r}")
        if not start < end <= start + MINUTES_PER_WEEK:
            raise ValueError(f"interval end must be after start and at most a week later: {pair!r}")
        if end > MINUTES_PER_WEEK:
            # The week is cyclic: the overflow continues from Monday 00:00.
            pieces.append((start, MINUTES_PER_WEEK))
            pieces.append((0, end - MINUTES_PER_WEEK))
        else:
            pieces.append((start, end))
    pieces.sort()
    merged: list[list[int]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def _format_minute_of_day(minute: int, sep: str = ":") -> str:
    return f"{minute // 60:02d}{sep}{minute % 60:02d}"


def _recurring(day: str, lang: str) -> str:
    """A weekday as every such day: "torsdagar", "Thursdays"."""
    return day + ("ar" if lang == "sv" else "s")


# --------------------------------------------------------------------------
# Schedule
# --------------------------------------------------------------------------


@attrs.frozen
class Schedule:
    """Set of minutes in a week, [0, MINUTES_PER_WEEK). Week is cyclic (Sunday 24:00 == Monday 00:00).

    ``intervals`` is always normalised: sorted, disjoint and non-adjacent
    half-open ``(start, end)`` pairs with ``0 <= start < end <= MINUTES_PER_WEEK``.
    Passing non-normalised pairs to the constructor normalises them, so equality
    and hashing are by the set of minutes.
    """

    intervals: tuple[Interval, ...] = attrs.field(converter=_normalise)

    @classmethod
    def _trusted(cls, intervals: tuple[Interval, ...]) -> Schedule:
        # Results of the merges below are normalised by construction; skip the re-check.
        instance = object.__new__(cls)
        object.__setattr__(instance, "intervals", intervals)
        return instance

    @classmethod
    def from_intervals(cls, pairs: Iterable[Iterable[int]]) -> Schedule:
        """Build from ``(start, end)`` week-minute pairs.

        ``end`` may exceed MINUTES_PER_WEEK (the rest wraps to the week start),
        ``start == end`` is empty, and overlapping or adjacent pairs are merged.
        """
        return cls(tuple(tuple(pair) for pair in pairs))

    # -- predicates and measures -------------------------------------------

    def is_empty(self) -> bool:
        return not self.intervals

    def minutes(self) -> int:
        total = 0
        for start, end in self.intervals:  # a loop: cheaper than sum() over a generator for a few pairs
            total += end - start
        return total

    def hours(self) -> int | Fraction:
        """Total length in hours, exact: an int for whole hours (the common
        case, and much cheaper to compare than a Fraction)."""
        whole, rest = divmod(self.minutes(), 60)
        return whole if rest == 0 else Fraction(self.minutes(), 60)

    def covers(self, other: Schedule) -> bool:
        """True if every minute of ``other`` is in ``self``."""
        mine = self.intervals
        count = len(mine)
        i = 0
        for start, end in other.intervals:
            # Own intervals are non-adjacent, so a covered interval of `other`
            # lies inside the first own interval that reaches its end.
            while i < count and mine[i][1] < end:
                i += 1
            if i == count or mine[i][0] > start:
                return False
        return True

    # -- set operations ------------------------------------------------------

    def union(self, other: Schedule) -> Schedule:
        a, b = self.intervals, other.intervals
        if not b:
            return self
        if not a:
            return other
        # Sorting the few pairs in C and one pass to merge them beats merging the two lists by index.
        pieces = sorted(a + b)
        merged: list[Interval] = []
        start, end = pieces[0]
        for next_start, next_end in pieces:
            if next_start <= end:  # overlapping or adjacent: one interval
                if next_end > end:
                    end = next_end
            else:
                merged.append((start, end))
                start, end = next_start, next_end
        merged.append((start, end))
        return Schedule._trusted(tuple(merged))

    def intersection(self, other: Schedule) -> Schedule:
        a, b = self.intervals, other.intervals
        result: list[Interval] = []
        i = j = 0
        while i < len(a) and j < len(b):
            start = max(a[i][0], b[j][0])
            end = min(a[i][1], b[j][1])
            if start < end:
                result.append((start, end))
            # Drop whichever interval finishes first; it cannot meet anything later.
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        # Pieces of non-adjacent inputs are themselves non-adjacent.
        return Schedule._trusted(tuple(result))

    def minus(self, other: Schedule) -> Schedule:
        """Minutes in ``self`` that are not in ``other``."""
        b = other.intervals
        if not b or not self.intervals:
            return self
        result: list[Interval] = []
        j = 0
        for start, end in self.intervals:
            # Skip subtrahends that end before this interval begins.
            while j < len(b) and b[j][1] <= start:
                j += 1
            k = j
            while k < len(b) and b[k][0] < end:
                if b[k][0] > start:
                    result.append((start, b[k][0]))
                start = max(start, b[k][1])
                if start >= end:
                    break
                k += 1
            if start < end:
                result.append((start, end))
        return Schedule._trusted(tuple(result))

    # -- presentation --------------------------------------------------------

    def day_segments(self) -> tuple[tuple[int, int, int], ...]:
        """``(weekday 0..6, start_minute_of_day, end_minute_of_day)`` split at midnights.

        ``end_minute_of_day`` may be MINUTES_PER_DAY (24:00).
        """
        segments: list[tuple[int, int, int]] = []
        for start, end in self.intervals:
            day = start // MINUTES_PER_DAY
            while start < end:
                day_start = day * MINUTES_PER_DAY
                segment_end = min(end, day_start + MINUTES_PER_DAY)
                segments.append((day, start - day_start, segment_end - day_start))
                start = segment_end
                day += 1
        return tuple(segments)

    def describe(self, lang: str = "sv", *, prose: bool = False) -> str:
        """The schedule the way a self-report writes it, e.g.
        ``"måndag-fredag 08:00-17:00; lördag 10:00-14:00"``.

        Days with the same hours are grouped into ranges, and an interval that
        runs past midnight is written as it is said, ``"fredag 17:00-08:00"``,
        so the text can be pasted back into a self-report.

        With ``prose``, as an officer writes it in a sentence: Swedish clock
        times with a point, en dashes, a lone weekday as a recurring one and
        a day's last interval joined by "och"/"and" (``"måndag–fredag 08.00–12.00
        och 13.00–17.00; torsdagar 18.00–20.00"``; ``"Thursdays 15:30–17:00"``).
        """
        try:
            names = WEEKDAYS[lang]
        except KeyError:
            raise ValueError(f"unsupported language {lang!r}; expected one of {sorted(WEEKDAYS)}") from None
        if self == AROUND_THE_CLOCK:
            return str(_AROUND_THE_CLOCK_TEXT[lang])
        dash = "\u2013" if prose else "-"
        clock_sep = "." if prose and lang == "sv" else ":"
        by_day: list[list[tuple[int, str]]] = [[] for _ in range(7)]
        for start, end in self._pieces():
            clock = start % MINUTES_PER_DAY
            by_day[(start // MINUTES_PER_DAY) % 7].append(
                (clock, f"{_format_minute_of_day(clock, clock_sep)}{dash}"
                        f"{_format_minute_of_day(_end_clock(start, end), clock_sep)}"))
        groups: list[tuple[int, int, list[str]]] = []
        for day, pieces in enumerate(by_day):
            hours = [text for _, text in sorted(pieces)]
            if hours and groups and groups[-1][1] == day - 1 and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], day, hours)
            elif hours:
                groups.append((day, day, hours))
        if not prose:
            return "; ".join(
                f"{names[first]}{'' if first == last else '-' + names[last]} {', '.join(hours)}"
                for first, last, hours in groups
            )
        return "; ".join(
            f"{_recurring(names[first], lang) if first == last else names[first] + dash + names[last]} "
            f"{join_and(hours, lang)}"
            for first, last, hours in groups
        )

    def _pieces(self) -> list[Interval]:
        """Intervals cut into pieces shorter than a day (or whole days), a
        piece starting on one day and possibly ending on the next. The week is
        cyclic, so Sunday night to Monday morning is one piece."""
        intervals = list(self.intervals)
        if len(intervals) > 1 and intervals[0][0] == 0 and intervals[-1][1] == MINUTES_PER_WEEK:
            first, last = intervals.pop(0), intervals.pop()
            intervals.append((last[0], MINUTES_PER_WEEK + first[1]))
        pieces = []
        for start, end in intervals:
            while end - start >= MINUTES_PER_DAY:
                midnight = (start // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY
                pieces.append((start, midnight))
                start = midnight
            if start < end:
                pieces.append((start, end))
        return pieces


_AROUND_THE_CLOCK_TEXT = {lang: words["around_the_clock"] for lang, words in SCHEDULE_WORDS.items()}


def _end_clock(start: int, end: int) -> int:
    """The end of a piece as a time of day; 24:00 for a piece ending at midnight."""
    clock = end % MINUTES_PER_DAY
    return MINUTES_PER_DAY if clock == 0 else clock


EMPTY = Schedule(())
AROUND_THE_CLOCK = Schedule(((0, MINUTES_PER_WEEK),))


# --------------------------------------------------------------------------
# Parsing self-report values
# --------------------------------------------------------------------------


_DAY_NAMES: dict[str, int] = {}
for _index, (_sv, _en) in enumerate(zip(WEEKDAYS["sv"], WEEKDAYS["en"], strict=False)):
    _DAY_NAMES[_sv] = _index
    _DAY_NAMES[_en.lower()] = _index
    _DAY_NAMES[_en.lower()[:3]] = _index
for _index, _abbreviation in enumerate(("mån", "tis", "ons", "tor", "fre", "lör", "sön")):
    _DAY_NAMES[_abbreviation] = _index

_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    group: days for words in SCHEDULE_WORDS.values()
    for group, days in zip(words["day_groups"], _GROUP_DAYS, strict=True)
}

_WHOLE_WEEK = frozenset(_AROUND_THE_CLOCK_TEXT.values())
_WHOLE_DAY = _WHOLE_WEEK | {"24h"}
_CLOSED = frozenset({"", *(words["closed"] for words in SCHEDULE_WORDS.values())})

_DASH = r"[-\u2013\u2014]"
_RANGE_SEPARATOR = re.compile(rf"\s*{_DASH}\s*")
_TIME = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?")


def _canonical_text(text: str) -> str:
    # NFC so a decomposed "å" (a + combining ring) from some editors still matches.
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(text.split())


def _parse_day_spec(key: object, subpath: str) -> tuple[int, ...]:
    """Weekday indexes (Monday = 0) named by a day spec such as ``"mån-fre"``."""
    if not isinstance(key, str):
        raise ScheduleFormatError("schedule.bad_day", {"value": str(key)}, subpath)
    text = _canonical_text(key)
    if text in _DAY_NAMES:
        return (_DAY_NAMES[text],)
    if text in _DAY_GROUPS:
        return _DAY_GROUPS[text]
    parts = _RANGE_SEPARATOR.split(text)
    if len(parts) == 2 and parts[0] in _DAY_NAMES and parts[1] in _DAY_NAMES:
        first, last = _DAY_NAMES[parts[0]], _DAY_NAMES[parts[1]]
        # Ranges may wrap over the weekend, e.g. "fredag-måndag".
        length = (last - first) % 7 + 1
        return tuple((first + offset) % 7 for offset in range(length))
    raise ScheduleFormatError("schedule.bad_day", {"value": key}, subpath)


def _parse_time(text: str, *, is_end: bool, subpath: str) -> int:
    match = _TIME.fullmatch(text)
    if match is None:
        raise ScheduleFormatError("schedule.bad_time", {"value": text}, subpath)
    hour = int(match.group(1))
    minute = int(match.group(2) or 0)
    if minute > 59 or hour > 24 or (hour == 24 and (minute != 0 or not is_end)):
        raise ScheduleFormatError("schedule.bad_time", {"value": text}, subpath)
    return hour * 60 + minute


def _parse_interval(value: object, subpath: str) -> Interval:
    """Minutes-of-day ``(start, end)``; ``end`` may exceed a day for overnight intervals."""
    if not isinstance(value, str):
        raise ScheduleFormatError("schedule.bad_interval", {"value": str(value)}, subpath)
    text = _canonical_text(value)
    if text in _WHOLE_DAY:
        return (0, MINUTES_PER_DAY)
    parts = _RANGE_SEPARATOR.split(text)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise ScheduleFormatError("schedule.bad_interval", {"value": value}, subpath)
    start = _parse_time(parts[0], is_end=False, subpath=subpath)
    end = _parse_time(parts[1], is_end=True, subpath=subpath)
    if end <= start:
        # Runs past midnight; equal times mean a full 24 hours from the start.
        end += MINUTES_PER_DAY
    return (start, end)


def _parse_day_value(value: object, subpath: str) -> list[Interval]:
    if value is None:
        return []
    if isinstance(value, str):
        if _canonical_text(value) in _CLOSED:
            return []
        return [_parse_interval(value, subpath)]
    if isinstance(value, (list, tuple)):
        return [_parse_interval(item, f"{subpath}[{index}]") for index, item in enumerate(value)]
    raise ScheduleFormatError("schedule.bad_interval", {"value": str(value)}, subpath)


def parse_schedule(value: object) -> Schedule:
    """Parse a self-reported schedule, remembering the results: most centres
    write the same few opening hours, and a national rerun parses thousands."""
    key = _frozen(value)
    if key is None:
        return _parse_schedule(value)
    return _parse_frozen(key)


def _frozen(value: object) -> Hashable | None:
    """A hashable copy of a schedule value made of text, or None."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        items: list[tuple[str, str | tuple[str, ...] | None]] = []
        for k, v in value.items():
            if v is None or isinstance(v, str):
                items.append((k, v))
            elif isinstance(v, list) and all(isinstance(x, str) for x in v):
                items.append((k, tuple(v)))
            else:
                return None
        return tuple(items)
    return None


@functools.lru_cache(maxsize=4096)
def _parse_frozen(key: Hashable) -> Schedule:
    # Errors are not cached: lru_cache lets exceptions through.
    if isinstance(key, str):
        return _parse_schedule(key)
    assert isinstance(key, tuple)  # _frozen gives text or a tuple of (day, value) pairs
    return _parse_schedule({k: list(v) if isinstance(v, tuple) else v for k, v in key})


def _parse_schedule(value: object) -> Schedule:
    """Parse a self-reported schedule (a YAML/JSON value) into a :class:`Schedule`.

    Accepts a mapping from day spec to an interval string, a list of interval
    strings, or an empty value / "stängt" / "closed"; or the whole value
    "dygnet runt" / "around the clock".  Raises :class:`ScheduleFormatError`.
    """
    if isinstance(value, str):
        if _canonical_text(value) in _WHOLE_WEEK:
            return AROUND_THE_CLOCK
        raise ScheduleFormatError("schedule.not_mapping", {"value": value})
    if not isinstance(value, Mapping):
        raise ScheduleFormatError("schedule.not_mapping", {"value": str(value)})
    pairs: list[Interval] = []
    for key, day_value in value.items():
        subpath = key_path("", key)
        days = _parse_day_spec(key, subpath)
        for start, end in _parse_day_value(day_value, subpath):
            for day in days:
                offset = day * MINUTES_PER_DAY
                pairs.append((offset + start, offset + end))
    return Schedule.from_intervals(pairs)
