"""CLI tests for kok test, template, schema, generate and run --edition-for."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from kokdsl.cli import main
from kokdsl.intake.schema import required_fields
from kokdsl.pipeline import assess, load_rulebook
from kokdsl.selfreport import validate

ROOT = Path(__file__).resolve().parents[2]
OREBRO = ROOT / "rulebooks/orebro"
OREBRO_2025 = OREBRO / "2025.kok"
FILLED_TEMPLATE = ROOT / "tests/fixtures/orebro_2025_template_filled.yaml"


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


# -- kok test --------------------------------------------------------------------

SMALL_BOOK = '''regelbok "Liten" utgåva 1 giltig från 2025-01-01
uppgift listade: heltal "Antal listade."
uppgift öppet: ja/nej "Öppet?"
krav 1 "Listade" skall område tillgänglighet listade >= 100
krav 2 "Öppet" bör område tillgänglighet öppet
'''


@pytest.fixture
def small_book(tmp_path):
    path = tmp_path / "liten.kok"
    path.write_text(SMALL_BOOK, encoding="utf-8")
    return path


def write_tests(book: Path, text: str) -> Path:
    path = book.with_name(book.stem + ".tests.yaml")
    path.write_text(text, encoding="utf-8")
    return path


def test_failing_case_shows_expected_against_actual(small_book):
    write_tests(small_book, """fall:
  - namn: för få listade
    egenrapport: {listade: 50, öppet: ja}
    väntat: {"1": uppfyllt}
    beslut: godkänd
""")
    result = invoke("test", small_book)
    assert result.exit_code == 1
    assert result.output == (
        f"MISSLYCKADES: för få listade ({small_book.with_name('liten.tests.yaml')}: $.fall[0])\n"
        "  krav 1:\n"
        "    - väntat:   uppfyllt\n"
        "    + faktiskt: ej uppfyllt\n"
        "        Listade: 50; kravet är minst 100.\n"
        "  beslut:\n"
        "    - väntat:   godkänd\n"
        "    + faktiskt: avslag\n"
        "\n"
        f"{small_book} (utgåva 1): 1 fall, 0 gick igenom, 1 misslyckades\n"
        "Täckning: 0 av 2 krav (0\u00a0%) har både ett uppfyllt och ett ej uppfyllt fall\n"
        "  krav 1 saknar fall som ger: uppfyllt\n"
        "  krav 2 saknar fall som ger: uppfyllt, ej uppfyllt\n")


def test_explanation_fragment_mismatch_is_a_failure(small_book):
    write_tests(small_book, """base: {listade: 50, öppet: ja}
cases:
  - name: wrong fragment
    report: {}
    explanation: "51; the requirement"
""")
    result = invoke("test", small_book, "--lang", "en")
    assert result.exit_code == 1
    assert "    - expected: the explanation contains “51; the requirement”\n" in result.output
    assert "        Listade: 50; the requirement is at least 100.\n" in result.output


def test_coverage_gaps_and_min_coverage(small_book):
    write_tests(small_book, """grund: {listade: 500, öppet: ja}
fall:
  - namn: allt uppfyllt
    egenrapport: {}
    väntat: {"1": uppfyllt, "2": uppfyllt}
  - namn: för få listade
    egenrapport: {listade: 10}
    väntat: {"1": ej uppfyllt}
""")
    result = invoke("test", small_book)
    assert result.exit_code == 0
    assert "Täckning: 1 av 2 krav (50\u00a0%)" in result.output
    assert "  krav 2 saknar fall som ger: ej uppfyllt\n" in result.output
    below = invoke("test", small_book, "--min-coverage", "100")
    assert below.exit_code == 1
    assert below.output.endswith("täckningen 50\u00a0% är under kravet 100\u00a0%\n")
    assert invoke("test", small_book, "--min-coverage", "50").exit_code == 0


def test_null_in_a_case_removes_the_base_fact(small_book):
    write_tests(small_book, """grund: {listade: 500, öppet: ja}
fall:
  - namn: listade saknas
    egenrapport: {listade: null}
    väntat: {"1": kan ej bedömas}
    beslut: komplettering
""")
    assert invoke("test", small_book).exit_code == 0


@pytest.mark.parametrize("text, message", [
    ("fall: []\n", "testfilen har inga fall"),
    ("fall:\n  - namn: x\n    väntat: {\"9\": uppfyllt}\n", "$.fall[0].väntat: fel: regelboken har inget krav ”9”"),
    ("fall:\n  - namn: x\n    väntat: {\"1\": bra}\n", "”bra” är inget utfall"),
    ("fall:\n  - namn: x\n    beslut: kanske\n", "”kanske” är inget beslut"),
    ("fall:\n  - namn: x\n", "fallet väntar sig ingenting"),
    ("fall:\n  - namn: x\n    väntad: {}\n", "”väntad” hör inte hemma här"),
    ("fall: [\n", "inte giltig YAML"),
])
def test_bad_test_files_exit_2_with_a_location(small_book, text, message):
    write_tests(small_book, text)
    result = invoke("test", small_book)
    assert result.exit_code == 2
    assert message in result.output


def test_rulebook_without_tests_exits_2(small_book):
    result = invoke("test", small_book)
    assert result.exit_code == 2
    assert "regelboken har inga regeltester (väntade" in result.output


def test_a_folder_runs_every_edition():
    result = invoke("test", OREBRO, "--min-coverage", "100")
    assert result.exit_code == 0
    assert "2024.kok (utgåva 2024)" in result.output and "2025.kok (utgåva 2025)" in result.output


# -- kok run --edition-for -----------------------------------------------------------

CENTRE_42H = ROOT / "examples/centres/centre-0004.yaml"


@pytest.mark.parametrize("date, edition, exit_code",
                         [("2024-06-01", "utgåva 2024", 1), ("2025-03-01", "utgåva 2025", 0)])
def test_edition_for_picks_the_edition_valid_on_the_date(date, edition, exit_code):
    result = invoke("run", OREBRO, CENTRE_42H, "--edition-for", date)
    assert result.exit_code == exit_code
    assert result.output.startswith(f"Hälsoval Region Örebro län, {edition} ")


def test_a_folder_without_date_uses_the_latest_edition():
    assert "utgåva 2025" in invoke("run", OREBRO, CENTRE_42H).output.splitlines()[0]


def test_edition_errors_exit_2():
    early = invoke("run", OREBRO, CENTRE_42H, "--edition-for", "2023-06-01")
    assert early.exit_code == 2
    assert "fel: ingen av mappens 2 utgåvor gällde 2023-06-01" in early.output
    file_too_new = invoke("run", OREBRO_2025, CENTRE_42H, "--edition-for", "2024-06-01")
    assert file_too_new.exit_code == 2
    assert "utgåva 2025 gäller först från 2025-01-01, inte 2024-06-01" in file_too_new.output
    bad_date = invoke("run", OREBRO, CENTRE_42H, "--edition-for", "1 juni")
    assert bad_date.exit_code == 2


def test_empty_folder_exits_2(tmp_path):
    result = invoke("run", tmp_path, CENTRE_42H)
    assert result.exit_code == 2
    assert "mappen innehåller ingen regelbok (*.kok)" in result.output


# -- kok template --------------------------------------------------------------------


def test_template_lists_every_fact_in_book_order_with_docs():
    result = invoke("template", OREBRO_2025)
    assert result.exit_code == 0
    rulebook = load_rulebook(OREBRO_2025).rulebook
    document = yaml.safe_load(result.output)
    required = required_fields(rulebook)
    assert list(document) == ["vårdcentral"] + [f.name for f in rulebook.facts if f.name in required]
    for fact in rulebook.facts:
        assert f"# {fact.doc}\n" in result.output
        # Facts no skall reads are there too, commented out: they may be left out, not left blank.
        assert (f"\n{fact.name}:\n" if fact.name in required else f"\n# {fact.name}:\n") in result.output
    assert '#   måndag-fredag: "08:00-17:00"' in result.output
    assert "# Format: ett av värdena gymnasial, yrkeshögskola, högskola." not in result.output  # record fields inline
    described = "utbildning:  # Högsta utbildningsnivå. Format: ett av värdena gymnasial, yrkeshögskola, högskola."
    assert described in result.output


def test_blank_template_means_every_fact_missing():
    rulebook = load_rulebook(OREBRO_2025).rulebook
    report = validate(yaml.safe_load(invoke("template", OREBRO_2025).output), rulebook)
    assert not [d for d in report.diagnostics if d.is_error]
    assert {p.fact for p in report.problems} == {f.name for f in rulebook.facts}


def test_filled_in_template_runs_clean():
    rulebook = load_rulebook(OREBRO_2025).rulebook
    template_keys = list(yaml.safe_load(invoke("template", OREBRO_2025).output))
    filled = FILLED_TEMPLATE.read_text(encoding="utf-8")
    filled_keys = list(yaml.safe_load(filled))
    # The fixture is the current template, filled in, the optional facts too.
    assert filled_keys == ["vårdcentral"] + [f.name for f in rulebook.facts]
    assert set(template_keys) <= set(filled_keys)
    assessment = assess(rulebook, FILLED_TEMPLATE)
    assert assessment.report.diagnostics == () and assessment.report.problems == ()
    assert assessment.decision.kind == "approved"
    result = invoke("run", OREBRO_2025, FILLED_TEMPLATE)
    assert result.exit_code == 0 and "Synpunkter på egenrapporten" not in result.output


def test_english_template_has_english_identity_and_hints():
    result = invoke("template", OREBRO_2025, "--lang", "en")
    assert result.exit_code == 0
    assert "centre:\n  name:" in result.output
    assert "# Format: a whole number, e.g. 6500." in result.output
    rulebook = load_rulebook(OREBRO_2025).rulebook
    assert validate(yaml.safe_load(result.output), rulebook).identity.fictional is False


@pytest.mark.parametrize("command", ["template", "schema"])
def test_template_and_schema_reject_bad_rulebooks(tmp_path, command):
    bad = tmp_path / "bad.kok"
    bad.write_text('regelbok "x" utgåva 1\nkrav 1 "t" skall saknas >= 1\n', encoding="utf-8")
    result = invoke(command, bad)
    assert result.exit_code == 2
    assert "bad.kok:2:" in result.output
    missing = invoke(command, tmp_path / "none.kok")
    assert missing.exit_code == 2 and "filen kan inte läsas" in missing.output


def test_template_out_writes_a_file(tmp_path):
    out = tmp_path / "sub" / "mall.yaml"
    result = invoke("template", OREBRO_2025, "--out", out)
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8") == invoke("template", OREBRO_2025).output


# -- kok schema --------------------------------------------------------------------------


def _as_json(value):
    """What an e-service would send: YAML dates become ISO strings."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _validator(rulebook_path):
    result = invoke("schema", rulebook_path)
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_accepts_every_example_centre_except_the_wrongly_typed_and_incomplete_ones():
    validator = _validator(OREBRO_2025)
    for path in sorted((ROOT / "examples/centres").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        errors = list(validator.iter_errors(_as_json(yaml.safe_load(text))))
        if "scenario: wrongly_typed" in text or "scenario: blank_provider" in text:
            assert errors, path.name  # a blank name is no answer
        elif "scenario: missing_data" in text:
            # Unanswered facts a skall reads must be written (as null), not left out.
            assert errors and all(e.validator == "required" for e in errors), path.name
        else:
            assert errors == [], (path.name, [e.message for e in errors])
    for name in ("godkand", "avslag", FILLED_TEMPLATE):
        path = ROOT / "examples" / f"{name}.yaml" if isinstance(name, str) else name
        assert list(validator.iter_errors(_as_json(yaml.safe_load(path.read_text(encoding="utf-8"))))) == []


@pytest.mark.parametrize("key, value", [("listade", "ungefär sjutusen"), ("fast_vårdkontakt", "kanske"),
                                        ("öppettider", {"måndag-fredag": "hela dagen"}),
                                        ("öppettider", {"blåndag": "08:00-17:00"}),
                                        ("tilläggsuppdrag", ["akut"]), ("kontinuitet_läkarbesök", 140),
                                        ("stavfel_uppgift", 1)])
def test_schema_rejects_a_wrongly_typed_field(key, value):
    validator = _validator(OREBRO_2025)
    document = _as_json(yaml.safe_load(FILLED_TEMPLATE.read_text(encoding="utf-8")))
    document[key] = value
    assert list(validator.iter_errors(document))


@pytest.mark.parametrize("path", sorted((ROOT / "rulebooks").glob("*/*.kok")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_accepts_the_rule_test_base_reports(path):
    validator = _validator(path)
    base = yaml.safe_load(path.with_name(path.stem + ".tests.yaml").read_text(encoding="utf-8"))["grund"]
    assert list(validator.iter_errors(_as_json(base))) == []


# -- kok generate ---------------------------------------------------------------------------


def test_generate_is_deterministic(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((first, 7), (second, 7), (other, 8)):
        assert invoke("generate", "--count", 40, "--seed", seed, "--out", out).exit_code == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and len(names) == 40
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    assert any((first / n).read_bytes() != (other / n).read_bytes() for n in names)


def test_generated_centres_are_valid_with_a_realistic_mix(tmp_path):
    invoke("generate", "--count", 200, "--seed", 1, "--out", tmp_path)
    rulebook = load_rulebook(OREBRO_2025).rulebook
    decisions = []
    for path in sorted(tmp_path.iterdir()):
        text = path.read_text(encoding="utf-8")
        assessment = assess(rulebook, path)
        errors = [d for d in assessment.report.diagnostics if d.is_error]
        # Wrong types, and figures or blank names the plausibility rules refuse.
        scenario = text.split("scenario: ")[1].split(")")[0]
        assert bool(errors) == (scenario in ("wrongly_typed", "implausible_visits", "blank_provider")), path.name
        assert not [d for d in assessment.report.diagnostics if d.code == "data.unknown_key"]
        decisions.append(assessment.decision.kind)
    share = {k: decisions.count(k) / len(decisions) for k in ("approved", "rejection", "supplement_request")}
    assert share["approved"] > 0.5 and share["rejection"] > 0.1 and 0 < share["supplement_request"] < 0.15


def test_generate_reports_bad_arguments_without_traceback(tmp_path):
    assert invoke("generate", "--count", 0, "--seed", 1, "--out", tmp_path).exit_code == 2
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("generate", "--count", 1, "--seed", 1, "--out", blocker)
    assert result.exit_code == 2


# -- topics ----------------------------------------------------------------------------------


def test_check_warns_about_a_topic_outside_the_vocabulary(tmp_path):
    book = tmp_path / "amne.kok"
    book.write_text(SMALL_BOOK.replace("skall område tillgänglighet", "skall område tillgänglighten"), encoding="utf-8")
    result = invoke("check", book)
    assert result.exit_code == 0
    assert f"{book}:4:31: varning: området ”tillgänglighten” finns inte i den gemensamma listan" in result.output
    assert "tips: menade du ”tillgänglighet”?" in result.output
