"""`kok schema` as a contract: the blank and the filled `kok template` validate
against it for every shipped rulebook, one key language per document, canonical
enums, required facts and null only where "not answered" means something."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from helpers import comparable

from kokdsl.cli import main
from kokdsl.intake.schema import VOCABULARY, required_fields, self_report_schema, title_of
from kokdsl.intake.template import render_template
from kokdsl.pipeline import load_rulebook
from kokdsl.selfreport import validate

ROOT = Path(__file__).resolve().parents[2]
OREBRO_2025 = ROOT / "rulebooks" / "orebro" / "2025.kok"
FILLED_TEMPLATE = ROOT / "tests" / "fixtures" / "orebro_2025_template_filled.yaml"
RULEBOOKS = sorted((ROOT / "rulebooks").glob("*/*.kok"))
LANGS = ("sv", "en")


def rulebook_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def schema_for(path: Path, lang: str) -> dict:
    result = CliRunner().invoke(main, ["schema", str(path), "--lang", lang])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def errors(schema: dict, document) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def template_for(path: Path, lang: str) -> str:
    result = CliRunner().invoke(main, ["template", str(path), "--lang", lang])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", RULEBOOKS, ids=rulebook_id)
def test_blank_template_validates_against_the_schema_in_its_language(path, lang):
    document = yaml.safe_load(template_for(path, lang))
    assert errors(schema_for(path, lang), document) == []
    other = "en" if lang == "sv" else "sv"
    assert errors(schema_for(path, other), document), "a template must not pass the other key language"


@pytest.mark.parametrize("path", RULEBOOKS, ids=rulebook_id)
def test_blank_template_leaves_exactly_the_required_facts_unanswered(path):
    rulebook = load_rulebook(path).rulebook
    report = validate(yaml.safe_load(template_for(path, "sv")), rulebook)
    assert not [d for d in report.diagnostics if d.is_error]
    assert {p.fact for p in report.problems} == {f.name for f in rulebook.facts}
    assert set(self_report_schema(rulebook)["required"]) == {"vårdcentral", *required_fields(rulebook)}


DAYS_TO_EN = dict(zip(VOCABULARY["sv"]["weekdays"] + VOCABULARY["sv"]["day_groups"],
                      VOCABULARY["en"]["weekdays"] + VOCABULARY["en"]["day_groups"], strict=True))
WORDS_TO_EN = {"ja": "yes", "nej": "no", "stängt": "closed", "dygnet runt": "around the clock"}
IDENTITY_TO_EN = {"namn": "name", "vårdgivare": "provider", "fiktiv": "fictional", "id": "id"}


def in_english(value):
    """A Swedish-keyed self-report rewritten with the English vocabulary:
    weekday keys, yes/no and schedule words (facts keep the rulebook's names)."""
    if isinstance(value, dict):
        def key(k):
            parts = k.split("-")
            return "-".join(DAYS_TO_EN[p] for p in parts) if all(p in DAYS_TO_EN for p in parts) else k
        return {key(k): in_english(v) for k, v in value.items()}
    if isinstance(value, list):
        return [in_english(v) for v in value]
    return WORDS_TO_EN.get(value, value) if isinstance(value, str) else value


def english_report(document: dict) -> dict:
    document = dict(document)
    identity = document.pop("vårdcentral")
    return {"centre": {IDENTITY_TO_EN[k]: in_english(v) for k, v in identity.items()}, **in_english(document)}


@pytest.mark.parametrize("path", RULEBOOKS, ids=rulebook_id)
def test_filled_rule_test_base_validates_in_its_key_language_only(path):
    """The rule tests' base report is a filled self-report in Swedish; with the
    English vocabulary it is a valid English one, and neither passes the
    other language's schema."""
    base = yaml.safe_load(path.with_name(path.stem + ".tests.yaml").read_text(encoding="utf-8"))["grund"]
    base = json.loads(json.dumps(base, default=str))
    english = english_report(base)
    assert errors(schema_for(path, "sv"), base) == []
    assert errors(schema_for(path, "en"), english) == []
    assert errors(schema_for(path, "en"), base) and errors(schema_for(path, "sv"), english)
    rulebook = load_rulebook(path).rulebook
    assert comparable(validate(english, rulebook).facts) == comparable(validate(base, rulebook).facts)


def test_filled_template_validates():
    document = json.loads(json.dumps(yaml.safe_load(FILLED_TEMPLATE.read_text(encoding="utf-8")), default=str))
    assert errors(schema_for(OREBRO_2025, "sv"), document) == []


def filled() -> dict:
    return json.loads(json.dumps(yaml.safe_load(FILLED_TEMPLATE.read_text(encoding="utf-8")), default=str))


@pytest.mark.parametrize("key, value", [
    ("fast_vårdkontakt", "JA"),  # the loader accepts it; the schema documents ja/nej
    ("fast_vårdkontakt", "yes"),  # English word in a Swedish document
    ("öppettider", {"monday-friday": "08:00-17:00"}),
    ("öppettider", {"mån-fre": "08:00-17:00"}),
    ("öppettider", {"måndag-fredag": "8-17"}),
    ("öppettider", {"måndag-fredag": "08:00-25:00"}),
    ("jour", "around the clock"),
    ("tilläggsuppdrag", ["filial", "filial"]),
    ("tilläggsuppdrag", "filial"),
    ("kontinuitet_läkarbesök", "140 %"),
    ("listade", "7,300"),
])
def test_schema_documents_the_canonical_spellings(key, value):
    document = filled()
    document[key] = value
    assert errors(schema_for(OREBRO_2025, "sv"), document)


def test_one_key_language_per_document():
    document = filled()
    document["centre"] = {"name": "Vårdcentralen Blandad (fiktiv)", "id": "FIKTIV-X"}
    assert errors(schema_for(OREBRO_2025, "sv"), document)
    del document["vårdcentral"]
    assert errors(schema_for(OREBRO_2025, "sv"), document)  # centre is not a Swedish key


def test_null_only_where_it_makes_a_supplement_request():
    rulebook = load_rulebook(OREBRO_2025).rulebook
    schema = schema_for(OREBRO_2025, "sv")
    required = required_fields(rulebook)
    assert "jour" in required and "läkarbesök" not in required
    assert "specialist_allmänmedicin" not in required  # 1.1 is a proposal
    for fact in rulebook.facts:
        document = filled()
        document[fact.name] = None
        if fact.name in required:
            assert errors(schema, document) == [], fact.name
        else:
            assert errors(schema, document), fact.name
            del document[fact.name]
            assert errors(schema, document) == [], fact.name
    document = filled()
    del document["jour"]
    assert errors(schema, document) == [": 'jour' is a required property"]
    # Inside a record: a field a skall reads may be null, one only a bör reads may not.
    document = filled()
    document["filialer"] = [{"namn": "Norra", "verksamhetschef": "Maja Mall", "vårdgivare": None,
                             "godkänd_av_regionen": "ja", "listning": "nej"}]
    assert errors(schema, document) == []
    document["vårdsamordnare"][0]["utbildning"] = None
    assert errors(schema, document)


def test_titles_and_descriptions_follow_the_rulebook_and_the_language():
    rulebook = load_rulebook(OREBRO_2025).rulebook
    for lang in LANGS:
        schema = schema_for(OREBRO_2025, lang)
        for fact in rulebook.facts:
            prop = schema["properties"][fact.name]
            assert prop["title"] and prop["description"] == fact.doc
        assert schema["properties"]["filialer"]["title"] == title_of(rulebook.fact("filialer"), lang)
    assert schema_for(OREBRO_2025, "en")["title"].startswith("Self-report:")
    assert "vårdcentral" in schema_for(OREBRO_2025, "sv")["required"]
    assert "centre" in schema_for(OREBRO_2025, "en")["required"]


def test_schema_and_template_in_english_agree():
    rulebook = load_rulebook(OREBRO_2025).rulebook
    document = yaml.safe_load(render_template(rulebook, "en"))
    assert list(document)[0] == "centre"
    assert errors(self_report_schema(rulebook, "en"), document) == []


def test_titles_are_the_rulebooks_display_names_in_the_chosen_language():
    from helpers import rulebook

    from kokdsl.intake.form import form_view

    book = rulebook("""
uppgift listade: heltal visas som "Listade invånare" på engelska "Listed residents" "Antal listade."
uppgift chef: text visas som "Verksamhetschef" "Namnet."
uppgift filialer: lista av filial
post filial:
  namn: text visas som "Filialens namn" på engelska "Name of the branch"
krav 1 "Krav" skall
  listade > 0 och chef = "x" och antal(filialer) >= 0
""")
    sv, en = self_report_schema(book, "sv"), self_report_schema(book, "en")
    assert sv["properties"]["listade"]["title"] == "Listade invånare"
    assert en["properties"]["listade"]["title"] == "Listed residents"
    assert en["properties"]["chef"]["title"] == "Verksamhetschef"  # no English name: the Swedish one
    assert sv["properties"]["filialer"]["title"] == "Filialer"  # no display name: the name made readable
    assert en["$defs"]["filial"]["properties"]["namn"]["title"] == "Name of the branch"
    facts = {f["name"]: f for s in form_view(book, "en")["sections"] for f in s["facts"]}
    assert facts["listade"]["title"] == "Listed residents"
    assert facts["filialer"]["fields"][0]["title"] == "Name of the branch"
