"""Numbers, percentages, lists and plurals in each language, from CLDR (Babel)
and the catalogues' plural forms."""

import datetime
from fractions import Fraction

import pytest

from kokdsl.formatting import PLAIN_SMALL_INTEGERS, format_date, format_list, format_number, format_percent
from kokdsl.messages import message
from kokdsl.values import Duration, duration_text

NBSP = "\u00a0"


@pytest.mark.parametrize("value, sv, en", [
    (6500, f"6{NBSP}500", "6,500"), (999, "999", "999"), (1234567, f"1{NBSP}234{NBSP}567", "1,234,567"),
    (Fraction(857, 10), "85,7", "85.7"), (Fraction(25029, 10), f"2{NBSP}502,9", "2,502.9"),
    (Fraction(-5, 2), "-2,5", "-2.5"), (0, "0", "0"),
])
def test_numbers_are_grouped_and_use_the_languages_decimal_sign(value, sv, en):
    assert (format_number(value, "sv"), format_number(value, "en")) == (sv, en)


@pytest.mark.parametrize("ratio, places, sv, en", [
    (Fraction(9, 10), 2, f"90{NBSP}%", "90%"), (Fraction(2382, 2781), 1, f"85,7{NBSP}%", "85.7%"),
    (1, 1, f"100{NBSP}%", "100%"), (Fraction(1, 3), 2, f"33,33{NBSP}%", "33.33%"),
])
def test_percentages_follow_each_language(ratio, places, sv, en):
    assert (format_percent(ratio, "sv", places), format_percent(ratio, "en", places)) == (sv, en)


def test_lists_join_with_the_languages_words():
    assert format_list(["a", "b", "c"], "sv") == "a, b och c"
    assert format_list(["a", "b", "c"], "en") == "a, b and c"
    assert format_list(["a", "b", "c"], "sv", style="or") == "a, b eller c"
    assert format_list(["a"], "en") == "a" and format_list([], "sv") == ""


@pytest.mark.parametrize("code, params, one_sv, two_sv, one_en, two_en", [
    ("generate.done", {"path": "ut"}, "skrev 1 fiktiv vårdcentral i ut", "skrev 2 fiktiva vårdcentraler i ut",
     "wrote 1 fictional centre to ut", "wrote 2 fictional centres to ut"),
    ("rerun.heading", {"name": "B", "edition": 2025}, "B, utgåva 2025: 1 egenrapport",
     "B, utgåva 2025: 2 egenrapporter", "B, edition 2025: 1 self-report", "B, edition 2025: 2 self-reports"),
    ("lint.files", {}, "1 regelbok", "2 regelböcker", "1 rulebook", "2 rulebooks"),
    ("value.weeks", {}, "1 vecka", "2 veckor", "1 week", "2 weeks"),
])
def test_a_count_picks_the_plural_form(code, params, one_sv, two_sv, one_en, two_en):
    assert [message(code, lang, count=n, **params) for lang in ("sv", "en") for n in (1, 2)] == [
        one_sv, two_sv, one_en, two_en]


def test_a_count_is_written_as_a_number_of_the_language():
    assert message("generate.done", "sv", count=6500, path="ut") == f"skrev 6{NBSP}500 fiktiva vårdcentraler i ut"
    assert message("generate.done", "en", count=6500, path="ut") == "wrote 6,500 fictional centres to ut"


def test_a_count_with_decimals_is_plural():
    assert message("prose.hours", "sv", count=Fraction(3, 2)) == f"1,5{NBSP}timmar"
    assert message("prose.hours", "en", count=1) == f"1{NBSP}hour"


def test_a_duration_is_counted_in_its_unit():
    assert duration_text(Duration.of(1, "weeks"), "sv") == "1 vecka"
    assert duration_text(Duration.of(12, "months"), "en") == "12 months"


def test_amounts_in_messages_are_numbers_of_the_language():
    assert message("data.too_large", "sv", limit=5_000_000).endswith(f"(mer än 5{NBSP}000{NBSP}000 byte)")
    assert message("data.too_large", "en", limit=5_000_000).endswith("(more than 5,000,000 bytes)")
    # identifiers are not amounts: a line number stays as written
    assert message("compile.duplicate_fact", "sv", name="x", line=1234).endswith("(rad 1234)")


def test_dates_in_words():
    day = datetime.date(2025, 4, 1)
    assert (format_date(day, "sv"), format_date(day, "en")) == ("1 april 2025", "1 April 2025")


def test_numbers_are_written_as_babel_writes_them():
    """format_number and format_percent write with the locale's symbols read
    from Babel once (formatting._pattern): the same text as Babel's own
    formatting, number by number, over integers, fractions and signs."""
    import random
    from decimal import localcontext

    from kokdsl.formatting import _PRECISION, _babel_decimal, _babel_percent, _decimal, _pattern

    rng = random.Random(23)
    values: list[int | Fraction] = [0, 1, -1, 999, 1000, Fraction(1, 3), Fraction(-2, 3), Fraction(5, 1000),
                                    10**29 - 1, -(10**29 - 1)]
    values += [rng.randint(-10**rng.randint(1, 28), 10**rng.randint(1, 28)) for _ in range(300)]
    values += [Fraction(rng.randint(-10**12, 10**12), rng.choice([2, 3, 7, 8, 100, 1000, 9999])) for _ in range(300)]
    for lang in ("sv", "en"):
        assert _pattern(lang) is not None, lang  # the fast path is taken
        for value in values:
            with localcontext(prec=_PRECISION):
                for places in (0, 2):
                    assert format_number(value, lang, places) == _babel_decimal(_decimal(value, places), lang)
                share = Fraction(value) / 1000
                assert format_percent(share, lang) == _babel_percent(_decimal(share * 100, 2).scaleb(-2), lang)


@pytest.mark.parametrize("lang", sorted(PLAIN_SMALL_INTEGERS))
def test_small_whole_numbers_are_written_as_babel_writes_them(lang):
    """format_number writes 0–999 without Babel's locale data; Babel agrees."""
    import babel.numbers

    for value in range(1000):
        assert format_number(value, lang) == babel.numbers.format_decimal(value, locale=lang)
