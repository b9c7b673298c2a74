"""The benchmark's baselines do the same work as kokdsl (issue 5).

On every synthetic centre (generated, plus deterministic mutations that make
facts missing, wrongly typed, boundary-valued or differently cased, plus the
shipped examples), the hand-written Python checks and the Rego policy give the
same outcome for every requirement and the same decision as kokdsl. Otherwise
the benchmark would compare unequal work. No timing is asserted here.
"""

from __future__ import annotations

import copy
import os
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from golden_cases import ROOT

from kokdsl.intake.synthetic import generate
from kokdsl.pipeline import assess, load_rulebook
from kokdsl.selfreport import load_self_report, validate

if str(ROOT) not in sys.path:  # `bench` lives beside the package, not in it
    sys.path.insert(0, str(ROOT))

from bench import handwritten, straight  # noqa: E402

GENERATED = 600
MUTATED = 300
SEED = 5


def _mutate(doc: dict, rng: random.Random) -> dict:
    """1-3 random changes of the kinds an officer meets: a fact left out or
    mistyped, a record field left out, a value exactly on a threshold, a name
    in other case."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(10)
        facts = [k for k in doc if k != "vårdcentral"]
        if kind == 0 and facts:
            del doc[rng.choice(facts)]
        elif kind == 1 and facts:
            doc[rng.choice(facts)] = rng.choice(("okänt", "", [], 12, "ja"))
        elif kind == 2:
            lists = [k for k in ("vårdsamordnare", "filialer", "telefonstatistik")
                     if isinstance(doc.get(k), list) and doc[k]]
            if lists:
                item = rng.choice(doc[rng.choice(lists)])
                if isinstance(item, dict) and item:
                    key = rng.choice(sorted(item))
                    if rng.random() < 0.5:
                        del item[key]
                    else:
                        item[key] = "fel"
        elif kind == 3:
            # 42 hours a week with the number listed unknown: 2.1 is decided only when both thresholds agree.
            doc["öppettider"] = rng.choice(({"måndag-torsdag": "08:00-17:00", "fredag": "08:00-14:00"},
                                            {"måndag-fredag": "07:00-17:00"}, {"måndag-fredag": "08:00-15:00"}))
            doc["specialist_allmänmedicin"] = doc["öppettider"]
            doc.pop("listade", None)
        elif kind == 4:
            doc.pop("tilläggsuppdrag", None)
        elif kind == 5:
            doc["läkarbesök"] = 1000
            doc["läkarbesök_inom_3_dagar"] = rng.choice((899, 900, 901))
            doc["telefonstatistik"] = [{"benämning": "2024-12", "samtal": 1000,
                                        "besvarade_samma_dag": rng.choice((899, 900))}]
            doc["kontinuitet_läkarbesök"] = rng.choice(("75 %", "74,9 %", "0.75"))
        elif kind == 6 and isinstance(doc.get("verksamhetschef"), str):
            doc["verksamhetschef"] = rng.choice((str.upper, str.lower, str.swapcase))(doc["verksamhetschef"])
            doc["tilläggsuppdrag"] = ["filial"]
            doc["filialer"] = doc.get("filialer") or [{"namn": "Filial", "verksamhetschef": "Åsa Öberg",
                                                       "godkänd_av_regionen": True, "listning": False}]
        elif kind == 7:
            doc[rng.choice(("vårdsamordnare", "filialer", "telefonstatistik"))] = []
        elif kind == 8:
            doc[rng.choice(("fast_vårdkontakt", "e_tjänster_1177", "digital_utvecklingsplan",
                            "presentation_enligt_mall", "uppföljningsdata_lämnad"))] = "nej"
        elif kind == 9:
            doc[rng.choice(("listade", "cni", "avstånd_till_sjukhus_km"))] = rng.choice((0, "0,0", -1))
    return doc


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook


@pytest.fixture(scope="module")
def reports(rulebook):
    """Every centre as kokdsl's loader parses it: the baselines' shared input."""
    docs = [yaml.safe_load(text) for _, text in generate(GENERATED, SEED)]
    rng = random.Random(SEED)
    mutated = [_mutate(rng.choice(docs), rng) for _ in range(MUTATED)]
    out = [load_self_report(path, rulebook)
           for path in sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "examples/centres").glob("*.yaml"))]
    out += [validate(doc, rulebook, f"generated-{i}") for i, doc in enumerate(docs)]
    out += [validate(doc, rulebook, f"mutated-{i}") for i, doc in enumerate(mutated)]
    return out


@pytest.fixture(scope="module")
def kokdsl_results(rulebook, reports):
    return [assess(rulebook, report) for report in reports]


def _outcomes(assessment) -> dict:
    return {r.requirement.id: r.outcome for r in assessment.evaluation.results}


def test_samples_reach_every_outcome_of_every_requirement(kokdsl_results):
    """Agreement means little unless each check is seen met, not met and unassessable."""
    seen = Counter((rid, outcome) for a in kokdsl_results for rid, outcome in _outcomes(a).items())
    for rid in _outcomes(kokdsl_results[0]):
        for outcome in ("met", "not_met", "cannot_assess"):
            assert seen[rid, outcome] > 0, (rid, outcome)
    assert seen["6.4", "not_applicable"] > 0
    assert {a.decision.kind for a in kokdsl_results} == {"approved", "rejection", "supplement_request"}


@pytest.mark.parametrize("baseline", [handwritten, straight], ids=["table", "straight-line"])
def test_handwritten_python_agrees_with_kokdsl(baseline, reports, kokdsl_results):
    for report, assessment in zip(reports, kokdsl_results, strict=True):
        hand = baseline.assess(report.facts, report.problems)
        decision = assessment.decision
        assert hand.outcomes == _outcomes(assessment), report.file
        assert hand.kind == decision.kind, report.file
        assert hand.reasons == tuple(r.requirement.id for r in decision.reasons), report.file
        assert hand.supplements == tuple(r.requirement.id for r in decision.supplements), report.file
        assert hand.missing == tuple(p.path for p in decision.missing), report.file
        assert hand.remarks == tuple(r.requirement.id for r in decision.remarks), report.file


def _rego_baseline():
    try:
        from bench.rego import RegoBaseline
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"regopy is needed for the Rego agreement test in CI (pip install -e '.[test]'): {exc}")
        pytest.skip(f"regopy is not installed: {exc}")
    return RegoBaseline()


def test_rego_policy_agrees_with_kokdsl(reports, kokdsl_results):
    rego = _rego_baseline()
    for report, assessment in zip(reports, kokdsl_results, strict=True):
        result = rego.assess(rego.prepare(report.facts))
        assert result["outcomes"] == _outcomes(assessment), report.file
        assert result["decision"] == assessment.decision.kind, report.file


def test_the_handwritten_script_does_the_same_job_as_kok_rerun(tmp_path, rulebook, capsys):
    """bench/script.py (the whole-process baseline: its own YAML loading and
    value conversion) decides every synthetic centre as kokdsl does."""
    import json

    from bench import script

    folder = tmp_path / "centres"
    folder.mkdir()
    count = GENERATED // 2
    for name, text in generate(count, SEED + 1, every_scenario=True):
        (folder / name).write_text(text, encoding="utf-8")
    assert script.main([str(folder)]) == 0
    printed = json.loads(capsys.readouterr().out)["centres"]
    assert len(printed) == count
    for centre in printed:
        assessment = assess(rulebook, centre["file"])
        assert centre["decision"] == assessment.decision.kind, centre["file"]
        assert centre["outcomes"] == _outcomes(assessment), centre["file"]
    out = tmp_path / "out"
    assert script.main([str(folder), "--out", str(out)]) == 0
    assert len(list(out.glob("centre-*.html"))) == count
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["centres"] == printed


# -- the --out baseline (issue 23): the same page elements as kok's findings reports ----------

_KOK_ROW = re.compile(r'<tr class="requirement outcome-row-(\w+)" id="req-([^"]+)">(.*?)</tr>', re.S)
_SCRIPT_ROW = re.compile(r'<tr class="(\w+)" id="req-([^"]+)">(.*?)</tr>', re.S)
_DECISION = re.compile(r'class="decision decision-(\w+)"')


def _kok_page(html: str) -> tuple[str, dict[str, tuple[str, bool, frozenset[str]]]]:
    """A kok findings report's decision, and per requirement: its outcome,
    whether it says why in sentences, and the facts its evidence shows."""
    rows = {}
    for outcome, rid, cell in _KOK_ROW.findall(html):
        sentences = re.findall(r"<li>(.+?)</li>", cell.split('<ul class="explanation">', 1)[1].split("</ul>")[0]) \
            if '<ul class="explanation">' in cell else []
        paths = [p.replace("<wbr>", "") for p in re.findall(r"<dt><code>(.*?)</code></dt>", cell)]
        rows[rid] = (outcome, bool(sentences), frozenset(re.match(r"\$\.(\w+)", p).group(1) for p in paths))
    return _DECISION.search(html).group(1), rows


def _script_page(html: str) -> tuple[str, dict[str, tuple[str, bool, frozenset[str]]]]:
    rows = {rid: (outcome, '<p class="why">' in cell, frozenset(re.findall(r'data-fact="([^"]+)"', cell)))
            for outcome, rid, cell in _SCRIPT_ROW.findall(html)}
    return _DECISION.search(html).group(1), rows


def test_the_lean_out_baseline_writes_what_kok_rerun_out_writes(tmp_path, rulebook):
    """bench/script.py --out (the --out row's baseline) and `kok rerun --out
    --dokument granskningsrapport` write, for every centre, the same decision, the same outcome for every
    requirement, a sentence for every requirement not met or not assessable,
    and evidence of the same facts, so that neither side of the ratio can
    drop work."""
    from bench import script
    from kokdsl.followup.rerun_job import Job, execute
    from kokdsl.outputs.letters import ASSESSMENT_REPORT

    folder = tmp_path / "centres"
    folder.mkdir()
    count = 120
    for name, text in generate(count, SEED + 2, every_scenario=True):
        (folder / name).write_text(text, encoding="utf-8")
    files = sorted(str(p) for p in folder.iterdir())
    # The assessment report (granskningsrapport): every requirement with its
    # outcome, explanation and evidence, the information the baseline writes.
    execute(Job(rulebook, files, out_dir=str(tmp_path / "kok"), jobs=1, document=ASSESSMENT_REPORT)).result.close()
    assert script.main([str(folder), "--out", str(tmp_path / "script")]) == 0
    kinds = Counter()
    for path in files:
        name = Path(path).stem + ".html"
        kok_decision, kok_rows = _kok_page((tmp_path / "kok" / name).read_text(encoding="utf-8"))
        script_decision, script_rows = _script_page((tmp_path / "script" / name).read_text(encoding="utf-8"))
        assert kok_decision == script_decision, name
        assert list(kok_rows) == list(script_rows) == [r.id for r in rulebook.requirements], name
        for rid, (outcome, says_why, facts) in kok_rows.items():
            script_outcome, script_says_why, script_facts = script_rows[rid]
            assert outcome == script_outcome, (name, rid)
            assert facts == script_facts, (name, rid)
            if outcome in ("not_met", "cannot_assess"):
                assert says_why and script_says_why, (name, rid)
                kinds[outcome] += 1
        kinds[kok_decision] += 1
    assert kinds["not_met"] and kinds["cannot_assess"] and kinds["rejection"] and kinds["approved"]
