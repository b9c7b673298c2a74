"""The restricted YAML constructor and the JSON reader (kokdsl/documents.py):
the same YAML 1.1 meanings as PyYAML's safe loader for everything it
accepts, and a located refusal for what the safe loader gets wrong."""

from __future__ import annotations

import datetime
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kokdsl.documents import MAX_ALIAS_NODES, load_json, load_yaml
from kokdsl.errors import DocumentError
from kokdsl.values import MAX_NUMBER_CHARS


def safe_load(text: str):
    """The safe loader on the same parser load_yaml uses: libyaml where it is
    installed (its reading of a few odd texts, such as a bare "!", differs
    from the pure-Python parser's)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def same(a, b) -> bool:
    """Equal, with NaN equal to itself."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# Plain scalars people write, and the YAML 1.1 corners: each must mean what
# the safe loader makes of it.
SCALARS = [
    "6500", "6_500", "-12", "+3", "0", "0o17", "017", "0x1F", "0b101", "2.5", "-2.5e3", "1e3", "1.0e+3", ".5",
    ".inf", "-.inf", ".NaN", "1_000.5", "yes", "No", "ON", "off", "true", "False", "y", "n", "~", "null", "Null",
    "", "2025-03-01", "2025-3-1", "2025-03-01 08:30:00", "2025-03-01T08:30:00Z", "2025-03-01 08:30:00.25 +01:00",
    "2025-03-01t08:30:00-05", "08:00-17:00", "'08:00'", '"ja"', "måndag", "25 %", "6 500", "0.0", "-0", "=",
    "!!str 12", "!!int '12'", "!!float 3", "!!bool yes", "!!null ''", "[1, 2]", "{a: 1}",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_each_scalar_means_what_the_safe_loader_reads(scalar):
    text = f"k: {scalar}\n"
    try:
        expected = safe_load(text)
    except yaml.YAMLError:
        with pytest.raises((DocumentError, yaml.YAMLError)):
            load_yaml(text)
        return
    assert same(load_yaml(text), expected)


plain = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.dates() | st.datetimes(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(plain, st.sampled_from([False, True]))
def test_documents_dumped_by_pyyaml_load_the_same(document, flow):
    text = yaml.safe_dump(document, allow_unicode=True, default_flow_style=flow)
    assert same(load_yaml(text), safe_load(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-:._+eE xyabTZ\n[]{},&*!'\"#", max_size=30))
def test_arbitrary_text_loads_the_same_or_is_refused_with_a_place(text):
    try:
        expected = safe_load(text)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, AttributeError, KeyError):
        expected = DocumentError
    try:
        actual = load_yaml(text)
    except DocumentError as exc:
        assert exc.params["line"] >= 1 and exc.params["column"] >= 1
        return
    except yaml.YAMLError:
        assert expected is DocumentError
        return
    assert expected is not DocumentError, text
    assert same(actual, expected)


@pytest.mark.parametrize("text,code,line", [
    ("a: 1\nb: 2\na: 3\n", "data.duplicate_key", 3),
    ("listade: 190:20:30\n", "data.sexagesimal", 1),
    ("tid: 1:30.5\n", "data.sexagesimal", 1),
    ("d: 2025-02-30\n", "data.bad_date", 1),
    ("d: 2025-13-01\n", "data.bad_date", 1),
    ("x:\n  t: 2025-01-01 25:61:00\n", "data.bad_date", 2),
    ("n: " + "9" * (MAX_NUMBER_CHARS + 1) + "\n", "data.number_too_long", 1),
    ("x: !!python/object/apply:os.system ['true']\n", "data.yaml_tag", 1),
    ("x: !!binary aGVq\n", "data.yaml_tag", 1),
    ("x: !custom 1\n", "data.yaml_tag", 1),
    ("a: &a {b: 1}\n<<: *a\n", "data.yaml_merge", 2),
    ("? [a]\n: 1\n", "data.complex_key", 1),
    ("a: &a [*a]\n", "data.recursive_alias", 1),
    ("x: !!int abc\n", "data.bad_number", 1),
])
def test_what_the_safe_loader_gets_wrong_is_refused_with_its_line(text, code, line):
    with pytest.raises(DocumentError) as exc:
        load_yaml(text)
    assert exc.value.code == code
    assert exc.value.params["line"] == line


def test_duplicate_key_names_both_lines():
    with pytest.raises(DocumentError) as exc:
        load_yaml("vårdcentral:\n  namn: A\n  id: 1\n  namn: B\n")
    assert (exc.value.params["key"], exc.value.params["first_line"], exc.value.params["line"]) == ("namn", 2, 4)


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]")
    return "\n".join(lines) + f"\nverksamhetschef: *{names[levels - 1]}\n"


def test_alias_bomb_is_refused_quickly_and_small_sharing_is_fine():
    assert len(billion_laughs().encode()) < 400
    with pytest.raises(DocumentError) as exc:
        load_yaml(billion_laughs())
    assert exc.value.code == "data.too_many_aliases" and exc.value.params["limit"] == MAX_ALIAS_NODES
    shared = load_yaml("tider: &t {måndag: '8-17'}\nspecialist: *t\njour: *t\n")
    assert shared["specialist"] == shared["jour"] == {"måndag": "8-17"}


def test_dates_and_times_are_dates_and_datetimes():
    data = load_yaml("d: 2025-03-01\nt: 2025-03-01 08:30:00\nz: 2025-03-01T08:30:00+01:00\n")
    assert data["d"] == datetime.date(2025, 3, 1)
    assert data["t"] == datetime.datetime(2025, 3, 1, 8, 30)
    assert data["z"].utcoffset() == datetime.timedelta(hours=1)


def test_json_duplicate_keys_and_long_numbers_are_refused():
    with pytest.raises(DocumentError) as exc:
        load_json('{"a": 1, "a": 2}')
    assert exc.value.code == "data.duplicate_json_key"
    with pytest.raises(DocumentError) as exc:
        load_json('{\n  "a": ' + "9" * 5000 + "}")
    assert exc.value.code == "data.number_too_long" and exc.value.params["line"] == 2
    assert load_json('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}


@pytest.mark.parametrize("text, codepoint, column", [
    ('{"id": "FIKTIV-\\udfff"}', "\\udfff", 16),
    ('{"a": "\\ud83d\\ude00", "b": ["x\\ud800"]}', "\\ud800", 31),
    ('{"\\udc00": 1}', "\\udc00", 3),
])
def test_a_lone_surrogate_in_json_is_refused_with_its_place(text, codepoint, column):
    with pytest.raises(DocumentError) as caught:
        load_json(text)
    assert caught.value.code == "data.lone_surrogate"
    assert caught.value.params == {"line": 1, "column": column, "codepoint": codepoint}


def test_a_surrogate_pair_is_one_character_and_loads():
    assert load_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001F600"}


@given(st.text())
def test_every_string_json_loads_is_valid_unicode_or_refused(text):
    import json

    document = json.dumps({"value": text})
    try:
        loaded = load_json(document)
    except DocumentError as error:
        assert error.code == "data.lone_surrogate"
        return
    loaded["value"].encode("utf-8")  # never a UnicodeEncodeError later, in a report


def test_a_bool_tag_on_another_word_is_refused_with_its_place():
    with pytest.raises(DocumentError) as caught:
        load_yaml("a: 1\nlistade: !!bool maybe\n")
    assert caught.value.code == "data.bad_bool"
    assert caught.value.params == {"line": 2, "column": 10, "text": "maybe"}
    assert load_yaml("a: !!bool yes") == {"a": True}


@pytest.mark.parametrize("value", ["maybe", "12x", "2025-02-30"])
def test_a_null_tag_on_a_value_is_refused_with_its_place(value):
    with pytest.raises(DocumentError) as caught:
        load_yaml(f"listade: !!null {value}\n")
    assert caught.value.code == "data.bad_null" and caught.value.params["line"] == 1
    assert load_yaml("a: !!null\nb: !!null ~\nc: !!null null") == {"a": None, "b": None, "c": None}
