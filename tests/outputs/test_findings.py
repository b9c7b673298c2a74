"""Findings reports: golden files, schema, escaping and translation."""

from __future__ import annotations

import datetime
import html
import json
import re
from pathlib import Path

import jinja2
import jsonschema
import pytest
from golden_cases import EXAMPLES, FORMATS, LANGS, ROOT, STYLE_SHEET, golden_path, render_golden

from kokdsl.catalogue import texts
from kokdsl.outputs.environment import environment, markdown_escape
from kokdsl.outputs.findings import build_view, render_report, schema_text
from kokdsl.pipeline import assess, load_rulebook

RULEBOOK = ROOT / "rulebooks" / "orebro" / "2025.kok"
RUN_DATE = datetime.date(2025, 6, 2)
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(RULEBOOK).rulebook


def assessment_of(rulebook, example: str):
    return assess(rulebook, ROOT / "examples" / f"{example}.yaml")


def hostile_report(tmp_path: Path) -> Path:
    """The rejected example, with markup and Markdown in every data field."""
    text = (ROOT / "examples" / "avslag.yaml").read_text(encoding="utf-8")
    text = text.replace("namn: Vårdcentralen Påhittsta (fiktiv)", f'namn: "{XSS}"')
    text = text.replace("vårdgivare: Låtsasvården AB (fiktiv)",
                        'vårdgivare: "<script>alert(2)</script> [x](javascript:alert(3))"')
    text = text.replace("namn: Låtsasvik", "namn: '\"><svg onload=alert(4)>'")
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_report_matches_golden_file(example, lang, fmt):
    expected = golden_path(example, lang, fmt).read_bytes()
    assert render_golden(example, lang, fmt).encode("utf-8") == expected, (
        f"{golden_path(example, lang, fmt).name} differs; run tests/regen_golden.py and review the diff")


@pytest.mark.parametrize("lang", LANGS)
def test_html_reports_inline_the_style_sheet_whole(rulebook, lang):
    """The one check of the inlined style sheet: the HTML goldens hold a
    marker in its place (golden_cases.fold_style)."""
    html = render_report(assessment_of(rulebook, "avslag"), "html", lang, RUN_DATE)
    sheet = STYLE_SHEET.read_text(encoding="utf-8")
    assert html.count(sheet) == 1
    assert html.index("<style>") < html.index(sheet) < html.index("</style>")


def test_same_inputs_give_identical_reports(rulebook):
    a = assessment_of(rulebook, "avslag")
    b = assessment_of(rulebook, "avslag")
    for fmt in FORMATS:
        assert render_report(a, fmt, "sv", RUN_DATE) == render_report(b, fmt, "sv", RUN_DATE)


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("lang", LANGS)
def test_json_report_validates_against_published_schema(example, lang):
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(golden_path(example, lang, "json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["run_date"] == "2025-06-02"


def test_schema_is_versioned_and_rejects_unknown_versions():
    schema = json.loads(schema_text())
    document = json.loads(golden_path("avslag", "sv", "json").read_text(encoding="utf-8"))
    document["format_version"] = 2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_docs_schema_is_the_shipped_schema():
    assert (ROOT / "docs" / "findings.schema.json").read_text(encoding="utf-8") == schema_text()


def test_rejection_names_every_failed_skall_with_edition_and_deciding_facts(rulebook):
    page = render_report(assessment_of(rulebook, "avslag"), "html", "sv", RUN_DATE)
    grounds = page.split('id="grounds-heading"')[1].split('id="requirements-heading"')[0]
    reasons = re.findall(r"<li>\s*<p class=\"reason-title\">(.*?)</li>", grounds, re.S)
    assert [re.search(r"<strong>(.*?)</strong>", r).group(1) for r in reasons] == ["2.1.4", "6.4"]
    for reason in reasons:
        assert "Vårdcentralen uppfyller inte skall-kravet" in reason
        assert "i Krav- och kvalitetsbok för Hälsoval Region Örebro län 2025" in reason
        assert "$." not in reason  # paths stay in the evidence, not in the grounds
    assert "fredag och lördag, kl. 17.00–08.00" in reasons[0]
    assert "Filialen Låtsasvik" in reasons[1] and "Annanvården AB (fiktiv)" in reasons[1]


def test_supplement_request_lists_fact_path_and_expectation(rulebook):
    view = build_view(assessment_of(rulebook, "komplettering"), "sv", RUN_DATE)
    assert view["decision"]["kind"] == "supplement_request"
    assert view["supplements"] == [{"path": "$.jour", "fact": "jouren", "problem": "saknas", "blocking": True,
                                    "expected": 'ett veckoschema, till exempel måndag-fredag: "08:00-17:00"',
                                    "needed_for": "2.1.4"}]


def test_supplements_list_an_invalid_fact_even_where_kleene_decided_without_it(rulebook):
    """2.1 is met on both thresholds, so the invalid listed count decides
    nothing; it is the basis of payment all the same, so it is asked for."""
    view = build_view(assessment_of(rulebook, "komplettering"), "sv", RUN_DATE)
    assert view["supplements_not_blocking"] == [
        {"path": "$.listade", "fact": "antal listade", "problem": "ogiltigt värde", "blocking": False,
         "expected": "ett heltal, till exempel 6500", "needed_for": "2.1"}]
    page = render_report(assessment_of(rulebook, "komplettering"), "html", "sv", RUN_DATE)
    assert "ogiltigt värde (påverkar inte beslutet)" in page


def test_not_applicable_rows_say_why(rulebook):
    view = build_view(assessment_of(rulebook, "komplettering"), "en", RUN_DATE)
    rows = {r["id"]: r for r in view["requirements"]}
    assert rows["6.4"]["not_applicable_reason"] == (
        "The requirement applies only if the number of branches is more than 0, "
        "and here the number of branches is 0.")


def test_centre_name_with_markup_shows_literally_in_html(rulebook, tmp_path):
    page = render_report(assess(rulebook, hostile_report(tmp_path)), "html", "sv", RUN_DATE)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in page and "<svg" not in page
    assert "<script" not in page
    assert not re.search(r"<[^>]*\son\w+\s*=", page), "an event handler attribute reached the markup"


def test_markup_in_data_is_inert_in_markdown(rulebook, tmp_path):
    md = render_report(assess(rulebook, hostile_report(tmp_path)), "md", "sv", RUN_DATE)
    assert r"\<img src=x onerror=alert(1)\>" in md
    assert "<img" not in md.replace(r"\<img", "") and "<script" not in md.replace(r"\<script", "")
    assert "[x](" not in md.replace(r"\[x\](", "")


@pytest.mark.parametrize("text, escaped", [
    ("plain text 08:00-17:00", "plain text 08:00-17:00"),
    ("specialist_allmänmedicin", "specialist_allmänmedicin"),
    ("_emph_ *bold* `code`", r"\_emph\_ \*bold\* \`code\`"),
    ("a | b\n# c", r"a \| b \# c"),
])
def test_markdown_escape(text, escaped):
    assert markdown_escape(text) == escaped


def test_template_typo_fails_instead_of_printing_blanks():
    template = environment().from_string("{{ view.no_such_field }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(view={})


def _swedish_wording() -> set[str]:
    """Fragments of Swedish catalogue wording (the text between placeholders)
    that differ from the English, long enough to be unambiguous."""
    fragments = set()
    for entry in texts().values():
        if entry["sv"] == entry["en"]:
            continue
        for piece in re.split(r"\{[^}]*\}", entry["sv"]):
            piece = piece.strip(" :;,.()”“\"")
            if len(piece) >= 6 and piece not in entry["en"]:
                fragments.add(piece)
    return fragments


def _without_quoted_rulebook_text(text: str, view: dict) -> str:
    """Remove what may stay Swedish: requirement texts and titles, the rulebook
    name, fact names and paths, and the centre's own data."""
    keep_swedish = [view["rulebook"]["name"]]
    for r in view["requirements"]:
        keep_swedish += [r["title"], *r["paragraphs"], *(e["value"] for e in r["evidence"])]
    keep_swedish += [v for v in view["centre"].values() if isinstance(v, str)]
    keep_swedish += [view["self_report"]["file"], view["rulebook"]["file"]]
    # The rulebook's own names for its facts and fields, where it gives no English one.
    keep_swedish += [name for name in _rulebook_names(view["lang"]) for name in (name, name[:1].upper() + name[1:])]
    for s in sorted(keep_swedish, key=len, reverse=True):
        text = text.replace(s, "")
    return text


def _rulebook_names(lang: str) -> list[str]:
    from kokdsl.prose import Names

    rb = load_rulebook(RULEBOOK).rulebook
    names = Names(rb)
    out = [names.fact(f.name, lang) for f in rb.facts]
    out += [names.field(r.name, f.name, lang) for r in rb.records.values() for f in r.fields]
    return out


def _visible_text(document: str) -> str:
    """What a reader sees: the HTML without its style sheet and tags."""
    document = re.sub(r"<style>.*?</style>", "", document, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", document))


def _has_words(text: str, words: str) -> bool:
    """`words` as words of the text, not inside an identifier like godkänd_av_regionen."""
    return re.search(r"(?<![\w.])" + re.escape(words) + r"(?!\w)", text) is not None


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_english_report_has_no_swedish_wording(rulebook, example, fmt):
    assessment = assessment_of(rulebook, example)
    view = build_view(assessment, "en", RUN_DATE)
    text = _without_quoted_rulebook_text(_visible_text(render_report(assessment, fmt, "en", RUN_DATE)), view)
    leftovers = sorted(f for f in _swedish_wording() if _has_words(text, f))
    assert leftovers == []
    for word in ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag", "skall", "bör", "ja", "nej"):
        assert not _has_words(text, word), word


def test_swedish_wording_check_can_fail(rulebook):
    """The check above finds Swedish wording when it is there."""
    assessment = assessment_of(rulebook, "avslag")
    view = build_view(assessment, "sv", RUN_DATE)
    text = _without_quoted_rulebook_text(_visible_text(render_report(assessment, "html", "sv", RUN_DATE)), view)
    assert any(_has_words(text, f) for f in _swedish_wording())
