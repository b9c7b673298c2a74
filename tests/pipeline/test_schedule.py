"""Tests for kokdsl.schedule: the weekly-schedule algebra and the self-report parser."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kokdsl.errors import ScheduleFormatError
from kokdsl.schedule import (
    AROUND_THE_CLOCK,
    EMPTY,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WEEKDAYS,
    Schedule,
    parse_schedule,
)

DAY = MINUTES_PER_DAY
MON, TUE, WED, THU, FRI, SAT, SUN = (d * DAY for d in range(7))


def at(day_start: int, hhmm: str) -> int:
    """Week-minute for a day offset and "HH:MM"."""
    hours, minutes = hhmm.split(":")
    return day_start + int(hours) * 60 + int(minutes)


def sched(*pairs) -> Schedule:
    return Schedule.from_intervals(pairs)


# --------------------------------------------------------------------------
# Construction and normalisation
# --------------------------------------------------------------------------


class TestNormalisation:
    def test_constants(self):
        assert MINUTES_PER_WEEK == 10080
        assert EMPTY.intervals == ()
        assert AROUND_THE_CLOCK.intervals == ((0, MINUTES_PER_WEEK),)
        assert EMPTY.is_empty() and not AROUND_THE_CLOCK.is_empty()

    def test_sorts_and_merges_overlapping_and_adjacent(self):
        s = sched((200, 300), (0, 100), (100, 150), (250, 400))
        assert s.intervals == ((0, 150), (200, 400))

    def test_empty_pairs_vanish(self):
        assert sched((5, 5), (10, 10)) == EMPTY

    def test_end_past_week_wraps(self):
        s = sched((MINUTES_PER_WEEK - 60, MINUTES_PER_WEEK + 30))
        assert s.intervals == ((0, 30), (MINUTES_PER_WEEK - 60, MINUTES_PER_WEEK))

    def test_constructor_normalises_too(self):
        assert Schedule(((60, 120), (0, 60))) == sched((0, 120))

    def test_equal_schedules_hash_equal(self):
        a = sched((0, 60), (60, 120))
        b = sched((0, 120))
        assert a == b and hash(a) == hash(b)
        assert len({a, b}) == 1

    @pytest.mark.parametrize(
        "pair",
        [(-1, 10), (10, 5), (MINUTES_PER_WEEK, MINUTES_PER_WEEK + 1), (0, 2 * MINUTES_PER_WEEK), (0.5, 10), (True, 10)],
    )
    def test_rejects_bad_pairs(self, pair):
        with pytest.raises(ValueError):
            sched(pair)

    def test_frozen(self):
        with pytest.raises(AttributeError):
            EMPTY.intervals = ((0, 1),)  # type: ignore[misc]


# --------------------------------------------------------------------------
# Algebra examples
# --------------------------------------------------------------------------


class TestAlgebra:
    def test_covers(self):
        opening = sched((at(THU, "08:00"), at(THU, "17:00")))
        assert opening.covers(sched((at(THU, "09:00"), at(THU, "10:00"))))
        assert not opening.covers(sched((at(THU, "07:59"), at(THU, "10:00"))))
        # Two intervals separated by a gap do not cover something spanning the gap.
        split = sched((0, 100), (101, 200))
        assert not split.covers(sched((50, 150)))
        assert split.covers(sched((0, 100), (150, 200)))

    def test_minus_union_intersection(self):
        a = sched((0, 100), (200, 300))
        b = sched((50, 250))
        assert a.minus(b) == sched((0, 50), (250, 300))
        assert a.union(b) == sched((0, 300))
        assert a.intersection(b) == sched((50, 100), (200, 250))
        assert b.minus(a) == sched((100, 200))

    def test_minus_with_many_subtrahends(self):
        a = sched((0, 1000))
        b = sched((10, 20), (30, 40), (990, 2000))
        assert a.minus(b) == sched((0, 10), (20, 30), (40, 990))

    def test_minutes_and_hours(self):
        s = sched((0, 90), (100, 130))
        assert s.minutes() == 120
        assert s.hours() == Fraction(2)
        assert sched((0, 20)).hours() == Fraction(1, 3)
        assert AROUND_THE_CLOCK.hours() == 168

    def test_specialist_leave_gap(self):
        # Opening until 17:00 on Thursday but the specialist leaves at 15:30.
        opening = parse_schedule({"måndag-fredag": "08:00-17:00"})
        specialist = parse_schedule({"måndag-onsdag": "08:00-17:00", "torsdag": "08:00-15:30", "fredag": "8-17"})
        gap = opening.minus(specialist)
        assert gap.describe() == "torsdag 15:30-17:00"
        assert not specialist.covers(opening)
        assert specialist.covers(opening.minus(gap))


# --------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------


class TestDescribe:
    def test_examples(self):
        s = sched((at(WED, "16:00"), at(WED, "17:00")), (at(THU, "15:30"), at(THU, "17:00")))
        assert s.describe() == "onsdag 16:00-17:00; torsdag 15:30-17:00"
        assert s.describe("en") == "Wednesday 16:00-17:00; Thursday 15:30-17:00"

    def test_overnight_is_written_as_said(self):
        s = sched((at(FRI, "17:00"), at(SAT, "08:00")))
        assert s.describe() == "fredag 17:00-08:00"

    def test_whole_day_and_empty(self):
        assert sched((SAT, SUN)).describe() == "lördag 00:00-24:00"
        assert EMPTY.describe() == ""
        assert EMPTY.describe("en") == ""

    def test_several_intervals_one_day(self):
        s = sched((at(MON, "08:00"), at(MON, "12:00")), (at(MON, "13:00"), at(MON, "17:00")))
        assert s.describe() == "måndag 08:00-12:00, 13:00-17:00"

    def test_week_wrap_is_one_night(self):
        s = parse_schedule({"söndag": "22:00-06:00"})
        assert s.describe() == "söndag 22:00-06:00"

    def test_days_with_equal_hours_are_grouped(self):
        s = parse_schedule({"måndag-fredag": "08:00-17:00", "lördag": "10:00-14:00", "söndag": "10:00-14:00"})
        assert s.describe() == "måndag-fredag 08:00-17:00; lördag-söndag 10:00-14:00"
        assert s.describe("en") == "Monday-Friday 08:00-17:00; Saturday-Sunday 10:00-14:00"
        assert AROUND_THE_CLOCK.describe() == "dygnet runt"

    def test_long_intervals_are_cut_into_days(self):
        s = sched((at(FRI, "17:00"), at(SUN, "08:00")))
        assert s.describe() == "fredag 17:00-24:00; lördag 00:00-24:00; söndag 00:00-08:00"

    def test_day_segments(self):
        s = sched((at(FRI, "17:00"), at(SUN, "08:00")))
        assert s.day_segments() == ((4, 1020, 1440), (5, 0, 1440), (6, 0, 480))
        assert AROUND_THE_CLOCK.day_segments() == tuple((d, 0, 1440) for d in range(7))

    def test_unknown_language(self):
        with pytest.raises(ValueError):
            EMPTY.describe("de")


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


class TestParse:
    def test_simple_day(self):
        assert parse_schedule({"måndag": "08:00-17:00"}) == sched((at(MON, "08:00"), at(MON, "17:00")))

    @pytest.mark.parametrize(
        "text",
        ["08:00-17:00", "08.00-17.00", "8-17", "8:00 - 17:00", "08:00–17:00", "08:00—17:00", " 8.00 – 17 "],
    )
    def test_interval_spellings(self, text):
        assert parse_schedule({"tisdag": text}) == sched((at(TUE, "08:00"), at(TUE, "17:00")))

    @pytest.mark.parametrize(
        "day, index",
        [
            ("måndag", 0), ("Tisdag", 1), ("ONSDAG", 2), ("torsdag", 3), ("fredag", 4), ("lördag", 5), ("söndag", 6),
            ("monday", 0), ("Tuesday", 1), ("wednesday", 2), ("thursday", 3), ("friday", 4), ("saturday", 5),
            ("Sunday", 6),
            ("mån", 0), ("tis", 1), ("ons", 2), ("tor", 3), ("fre", 4), ("lör", 5), ("Sön", 6),
            ("mon", 0), ("tue", 1), ("wed", 2), ("thu", 3), ("fri", 4), ("sat", 5), ("SUN", 6),
            ("ma\u030andag", 0),  # decomposed "å"
        ],
    )
    def test_day_names(self, day, index):
        assert parse_schedule({day: "10-11"}) == sched((index * DAY + 600, index * DAY + 660))

    @pytest.mark.parametrize(
        "spec, days",
        [
            ("måndag-fredag", range(5)),
            ("mon-fri", range(5)),
            ("Mån – Ons", range(3)),
            ("fredag-måndag", (4, 5, 6, 0)),
            ("sat-sun", (5, 6)),
            ("tor-tor", (3,)),
            ("alla dagar", range(7)),
            ("Alla  dagar", range(7)),
            ("every day", range(7)),
            ("vardagar", range(5)),
            ("weekdays", range(5)),
            ("helger", (5, 6)),
            ("weekend", (5, 6)),
        ],
    )
    def test_day_ranges_and_groups(self, spec, days):
        expected = sched(*((d * DAY + 600, d * DAY + 660) for d in days))
        assert parse_schedule({spec: "10:00-11:00"}) == expected

    def test_list_of_intervals(self):
        s = parse_schedule({"mån": ["08:00-12:00", "13:00-17:00"]})
        assert s.describe() == "måndag 08:00-12:00, 13:00-17:00"

    @pytest.mark.parametrize("closed", [None, "", "stängt", "Stängt", "closed", "CLOSED", []])
    def test_closed_days(self, closed):
        assert parse_schedule({"lördag": closed, "mån": "8-9"}) == sched((480, 540))

    @pytest.mark.parametrize("whole", ["00:00-24:00", "dygnet runt", "Dygnet runt", "around the clock", "24h", "0-24"])
    def test_whole_day(self, whole):
        assert parse_schedule({"onsdag": whole}) == sched((WED, THU))

    def test_overnight_runs_into_next_day(self):
        s = parse_schedule({"fredag": "17:00-08:00"})
        assert s == sched((at(FRI, "17:00"), at(SAT, "08:00")))
        assert s.describe() == "fredag 17:00-08:00"

    def test_sunday_overnight_wraps_to_monday(self):
        s = parse_schedule({"söndag": "22:00-06:00"})
        assert s == sched((0, 360), (at(SUN, "22:00"), MINUTES_PER_WEEK))

    def test_equal_start_and_end_is_24_hours(self):
        s = parse_schedule({"tisdag": "22:00-22:00"})
        assert s == sched((at(TUE, "22:00"), at(WED, "22:00")))
        assert s.hours() == 24

    def test_repeated_days_are_unioned(self):
        s = parse_schedule({"måndag-fredag": "08:00-17:00", "måndag": "17:00-20:00", "Mon": "07-08"})
        assert s.intersection(sched((MON, TUE))) == sched((at(MON, "07:00"), at(MON, "20:00")))
        assert s.hours() == 4 * 9 + 13

    def test_whole_value_strings_and_empty_mapping(self):
        assert parse_schedule("dygnet runt") == AROUND_THE_CLOCK
        assert parse_schedule("Around the clock") == AROUND_THE_CLOCK
        assert parse_schedule({}) == EMPTY

    def test_all_week_overnight_is_around_the_clock(self):
        assert parse_schedule({"alla dagar": "00:00-00:00"}) == AROUND_THE_CLOCK
        assert parse_schedule({"alla dagar": "18-18"}) == AROUND_THE_CLOCK


class TestParseErrors:
    @pytest.mark.parametrize(
        "value, code, subpath, offending",
        [
            ("öppet", "schedule.not_mapping", "", "öppet"),
            (["08-17"], "schedule.not_mapping", "", "['08-17']"),
            (None, "schedule.not_mapping", "", "None"),
            ({"måndagar": "8-17"}, "schedule.bad_day", ".måndagar", "måndagar"),
            ({"mån-fre-lör": "8-17"}, "schedule.bad_day", '["mån-fre-lör"]', "mån-fre-lör"),
            ({"alla dagar utom söndag": "8-17"}, "schedule.bad_day", '["alla dagar utom söndag"]',
             "alla dagar utom söndag"),
            ({1: "8-17"}, "schedule.bad_day", '["1"]', "1"),
            ({"måndag": "8"}, "schedule.bad_interval", ".måndag", "8"),
            ({"måndag": "8-12-17"}, "schedule.bad_interval", ".måndag", "8-12-17"),
            ({"måndag": "-17"}, "schedule.bad_interval", ".måndag", "-17"),
            ({"måndag": 8}, "schedule.bad_interval", ".måndag", "8"),
            ({"måndag": {"från": "8"}}, "schedule.bad_interval", ".måndag", "{'från': '8'}"),
            ({"måndag-fredag": ["08-12", "13:00-25:00"]}, "schedule.bad_time", '["måndag-fredag"][1]', "25:00"),
            ({"måndag-fredag": ["08-12", 13]}, "schedule.bad_interval", '["måndag-fredag"][1]', "13"),
            ({"tis": "8:60-17"}, "schedule.bad_time", ".tis", "8:60"),
            ({"tis": "24:00-06:00"}, "schedule.bad_time", ".tis", "24:00"),
            ({"tis": "08:00-24:30"}, "schedule.bad_time", ".tis", "24:30"),
            ({"tis": "8:5-17"}, "schedule.bad_time", ".tis", "8:5"),
            ({"tis": "kl 8-17"}, "schedule.bad_time", ".tis", "kl 8"),
            ({"tis": "٨-17"}, "schedule.bad_time", ".tis", "٨"),  # non-ASCII digits
            ({"vardagar": "stängt", "lördag": "10-14", "söndag": "x"}, "schedule.bad_interval", ".söndag", "x"),
        ],
    )
    def test_errors(self, value, code, subpath, offending):
        with pytest.raises(ScheduleFormatError) as info:
            parse_schedule(value)
        assert info.value.code == code
        assert info.value.subpath == subpath
        assert info.value.params == {"value": offending}

    def test_error_str_mentions_code_and_path(self):
        with pytest.raises(ScheduleFormatError) as info:
            parse_schedule({"mån": ["8-9", "9-"]})
        assert "schedule.bad_interval" in str(info.value)
        assert ".mån[1]" in str(info.value)


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

# Coarse (half-hour) points make overlaps and adjacency likely; fine ones catch off-by-ones.
week_minute = st.one_of(
    st.integers(0, MINUTES_PER_WEEK - 1),
    st.integers(0, 7 * 48 - 1).map(lambda half_hours: half_hours * 30),
)
raw_pair = st.tuples(week_minute, st.integers(0, 3 * DAY)).map(lambda p: (p[0], p[0] + p[1]))
schedules = st.one_of(
    st.just(EMPTY),
    st.just(AROUND_THE_CLOCK),
    st.lists(raw_pair, max_size=8).map(Schedule.from_intervals),
)

modest = settings(max_examples=150, deadline=None)


def minute_set(s: Schedule) -> set[int]:
    """Reference model: the literal set of minutes (tests only)."""
    return {m for start, end in s.intervals for m in range(start, end)}


def is_normalised(s: Schedule) -> bool:
    previous_end = -1
    for start, end in s.intervals:
        if not previous_end < start < end <= MINUTES_PER_WEEK:
            return False
        previous_end = end
    return True


@settings(max_examples=60, deadline=None)
@given(schedules, schedules)
def test_operations_match_minute_set_model(a, b):
    ma, mb = minute_set(a), minute_set(b)
    for result, expected in [
        (a.union(b), ma | mb),
        (a.intersection(b), ma & mb),
        (a.minus(b), ma - mb),
    ]:
        assert is_normalised(result)
        assert minute_set(result) == expected
    assert a.covers(b) == (mb <= ma)
    assert a.minutes() == len(ma)


@modest
@given(st.lists(raw_pair, max_size=8))
def test_from_intervals_matches_model(pairs):
    expected = set()
    for start, end in pairs:
        expected |= {m % MINUTES_PER_WEEK for m in range(start, end)}
    s = Schedule.from_intervals(pairs)
    assert is_normalised(s)
    assert minute_set(s) == expected


@modest
@given(schedules)
def test_covers_is_reflexive(a):
    assert a.covers(a)


@modest
@given(schedules, schedules, schedules)
def test_covers_is_transitive(a, x, y):
    # Random triples rarely nest, so build a chain a ⊇ b ⊇ c.
    b = a.intersection(x)
    c = b.minus(y)
    assert a.covers(b) and b.covers(c)
    assert a.covers(c)


@modest
@given(schedules, schedules, schedules)
def test_covers_transitive_on_random_triples(a, b, c):
    if a.covers(b) and b.covers(c):
        assert a.covers(c)


@modest
@given(schedules, st.data())
def test_splitting_and_merging_adjacent_intervals_changes_nothing(a, data):
    if a.is_empty():
        return
    index = data.draw(st.integers(0, len(a.intervals) - 1))
    start, end = a.intervals[index]
    if end - start < 2:
        return
    cut = data.draw(st.integers(start + 1, end - 1))
    pieces = list(a.intervals[:index]) + [(start, cut), (cut, end)] + list(a.intervals[index + 1:])
    shuffled = data.draw(st.permutations(pieces))
    split = Schedule.from_intervals(shuffled)
    assert split == a
    assert hash(split) == hash(a)
    # Splitting at midnights (as day_segments does) is also invisible.
    rebuilt = Schedule.from_intervals((d * DAY + s, d * DAY + e) for d, s, e in a.day_segments())
    assert rebuilt == a


@modest
@given(schedules)
def test_around_the_clock_covers_everything_and_everything_covers_empty(a):
    assert AROUND_THE_CLOCK.covers(a)
    assert a.covers(EMPTY)
    assert a.union(AROUND_THE_CLOCK) == AROUND_THE_CLOCK
    assert a.intersection(EMPTY) == EMPTY
    assert a.minus(EMPTY) == a
    assert a.minus(AROUND_THE_CLOCK) == EMPTY


@modest
@given(st.lists(st.integers(0, MINUTES_PER_WEEK), min_size=2, max_size=12, unique=True))
def test_hours_add_up_over_disjoint_intervals(points):
    points.sort()
    pieces = [Schedule.from_intervals([(s, e)]) for s, e in zip(points[::2], points[1::2], strict=False)]
    total = EMPTY
    for piece in pieces:
        total = total.union(piece)
    assert total.hours() == sum((piece.hours() for piece in pieces), Fraction(0))


@modest
@given(schedules, schedules)
def test_inclusion_exclusion(a, b):
    assert a.union(b).hours() + a.intersection(b).hours() == a.hours() + b.hours()


@modest
@given(schedules, schedules)
def test_union_then_minus(a, b):
    assert a.union(b).minus(b) == a.minus(b)


@modest
@given(schedules, schedules)
def test_covers_iff_difference_empty(a, b):
    assert a.covers(b) == b.minus(a).is_empty()


@modest
@given(schedules, schedules)
def test_union_and_intersection_commute(a, b):
    assert a.union(b) == b.union(a)
    assert a.intersection(b) == b.intersection(a)
    assert a.minus(b).intersection(b) == EMPTY
    assert a.minus(b).union(a.intersection(b)) == a


def described_mapping(s: Schedule, lang: str):
    """A self-report value built from describe(): one entry per day group."""
    text = s.describe(lang)
    if text in ("dygnet runt", "around the clock"):
        return text
    mapping: dict[str, list[str]] = {}
    for entry in filter(None, text.split("; ")):
        days, intervals = entry.split(" ", 1)
        mapping.setdefault(days, []).extend(intervals.split(", "))
    return mapping


@modest
@given(schedules, st.sampled_from(sorted(WEEKDAYS)))
def test_parse_round_trips_describe(a, lang):
    assert parse_schedule(described_mapping(a, lang)) == a


@modest
@given(
    st.integers(0, 6),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
    st.sampled_from(["sv", "en"]),
)
def test_parse_single_interval_matches_arithmetic(day, h1, m1, h2, m2, lang):
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        end += DAY  # overnight: continues into the next day (and wraps after Sunday)
    text = f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"
    parsed = parse_schedule({WEEKDAYS[lang][day]: text})
    assert parsed == Schedule.from_intervals([(day * DAY + start, day * DAY + end)])
    assert parsed.minutes() == end - start
