"""Synthetic, plainly fictional centres for the Örebro rulebook (2024/2025 facts).

Deterministic: the same count and seed give byte-identical files, so the
national-scale benchmark (about 1,200 centres) and the shipped examples can be
rebuilt exactly. Each centre is drawn from one scenario, the situations officers
meet, with a realistic mix (most centres are compliant). Every centre says in
its identity block and in a header comment that it is fictional.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import yaml

from kokdsl.outputs.files import write_atomic

# scenario -> weight in the mix (per mille). The first group is approved.
SCENARIOS: dict[str, int] = {
    "compliant": 540,
    "coordinator_without_degree": 80,  # approved: the degree rule is only a proposal
    "low_indicators": 80,  # approved with remarks (indicators)
    "small_42h": 20,  # under 6,500 listed and open 42 h: approved from 2025, rejected in 2024
    "specialist_gap": 70,  # approved: a specialist all opening hours is only a proposal (1.1)
    "on_call_gap": 60,
    "no_coordinator": 30,
    "branch_other_provider": 30,  # a branch run by another provider (6.4)
    "branch_other_head": 10,  # approved: the same head of operations is Dalarna's rule (illustrative)
    "branch_listing": 20,  # approved: no listing at a branch is another region's rule (illustrative)
    "branch_without_assignment": 20,  # approved: a branch as an additional assignment is Sörmland's (illustrative)
    "implausible_visits": 10,  # more visits within 3 days than visits: the figures are no evidence (Ö20)
    "blank_provider": 10,  # the branch's provider left blank: a fact to supplement, never a match
    "missing_data": 30,
    "wrongly_typed": 10,
}
_BRANCH_SCENARIOS = ("branch_other_provider", "branch_other_head", "branch_listing", "branch_without_assignment",
                     "blank_provider")

_PLACE_START = ("Påhitt", "Låtsas", "Exempel", "Dröm", "Saga", "Fantasi", "Inbillnings", "Sken", "Fabel", "Myt")
_PLACE_END = ("by", "vik", "torp", "dal", "holm", "sta", "åsen", "berga", "näs", "fors")
_FIRST = ("Anna", "Berit", "Cecilia", "David", "Erik", "Fia", "Gustav", "Hanna", "Ivar", "Johanna", "Karl", "Lena",
          "Magnus", "Nora", "Olof", "Petra")
_LAST = ("Andersson", "Berg", "Carlsson", "Dahl", "Ek", "Fors", "Gren", "Holm", "Ivarsson", "Jansson", "Kvist",
         "Lund", "Mark", "Nyström")
_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _place(rng: random.Random) -> str:
    return rng.choice(_PLACE_START) + rng.choice(_PLACE_END)


def pick_scenario(rng: random.Random) -> str:
    names = list(SCENARIOS)
    return rng.choices(names, weights=[SCENARIOS[n] for n in names])[0]


# A self-report document as it will be written out: YAML's nesting of
# mappings and lists, which the scenarios reach into by key and index (the
# shape is the shipped rulebook's; validate() is what checks it).
Document = dict[str, Any]


def centre(rng: random.Random, number: int, scenario: str, id_prefix: str = "SYNT") -> Document:
    """One self-report document (a dict in the rulebook's key order)."""
    place = _place(rng)
    small = scenario == "small_42h"
    listed = rng.randint(2500, 6499) if small else rng.randint(2500, 22800)
    opening_hours = rng.choice(("08:00-17:00", "07:30-17:00", "08:00-18:00"))
    if small:
        opening = {"måndag-torsdag": "08:00-17:00", "fredag": "08:00-14:00"}
    else:
        opening = {"måndag-fredag": opening_hours}
    specialist = dict(opening)
    head = _person(rng)
    provider = f"{rng.choice(_PLACE_START)}vården AB (fiktiv)"
    doc: Document = {
        "vårdcentral": {"namn": f"Vårdcentralen {place} (fiktiv)", "id": f"{id_prefix}-{number:05d}",
                        "vårdgivare": provider, "fiktiv": True},
        "öppettider": opening,
        "specialist_allmänmedicin": specialist,
        "jour": rng.choice(("dygnet runt", {"alla dagar": "00:00-24:00"}, _on_call_from_closing(opening))),
        "listade": listed,
        "verksamhetschef": head,
        "vårdgivare": provider,
        "vårdsamordnare": [{"namn": _person(rng), "utbildning": "högskola",
                            "tjänstgöringsgrad": f"{rng.choice((50, 75, 100))} %"}
                           for _ in range(1 + listed // 9000)],
        "tilläggsuppdrag": [],
        "filialer": [],
        "fast_vårdkontakt": rng.random() < 0.9,
        "e_tjänster_1177": True,
        "digital_utvecklingsplan": True,
        "presentation_enligt_mall": True,
        "telefonstatistik": [],
        "läkarbesök": 0,
        "läkarbesök_inom_3_dagar": 0,
        "kontinuitet_läkarbesök": f"{rng.randint(75, 92)} %",
        "cni": round(rng.uniform(0.6, 2.2), 2),
        "avstånd_till_sjukhus_km": round(rng.uniform(1.5, 120.0), 1),
    }
    if rng.random() < 0.3 or scenario in _BRANCH_SCENARIOS:
        doc["tilläggsuppdrag"] = ["filial"]
        doc["filialer"] = [{"namn": f"{place} {rng.choice(('norra', 'södra', 'östra', 'västra'))}",
                            "verksamhetschef": head, "vårdgivare": provider, "godkänd_av_regionen": True,
                            "listning": False}]
    if rng.random() < 0.4:
        doc["tilläggsuppdrag"].append(rng.choice(("barnhälsovård", "mödrahälsovård")))
    low = scenario == "low_indicators"
    answered = (0.78, 0.89) if low else (0.91, 0.99)
    for month in ("2024-10", "2024-11", "2024-12"):
        calls = rng.randint(listed // 25, listed // 12)
        doc["telefonstatistik"].append({"benämning": month, "samtal": calls,
                                        "besvarade_samma_dag": math.ceil(calls * rng.uniform(*answered))})
    visits = rng.randint(listed // 8, listed // 4)
    doc["läkarbesök"] = visits
    doc["läkarbesök_inom_3_dagar"] = math.ceil(visits * (rng.uniform(0.80, 0.89) if low else rng.uniform(0.90, 0.98)))
    if low:
        doc["kontinuitet_läkarbesök"] = f"{rng.randint(55, 70)} %"
    _apply(scenario, doc, rng, opening_hours)
    return doc


def _apply(scenario: str, doc: Document, rng: random.Random, opening_hours: str) -> None:
    """Turn a compliant centre into the scenario's situation."""
    if scenario == "coordinator_without_degree":
        doc["vårdsamordnare"][0]["utbildning"] = rng.choice(("gymnasial", "yrkeshögskola"))
    elif scenario == "specialist_gap":
        day = rng.choice(_WEEKDAYS)
        start = opening_hours.split("-")[0]
        doc["specialist_allmänmedicin"] = {d: (f"{start}-15:30" if d == day else opening_hours) for d in _WEEKDAYS}
    elif scenario == "on_call_gap":
        doc["jour"] = rng.choice((
            {"måndag-torsdag": "17:00-08:00", "fredag": "08:00-17:00", "lördag": "08:00-08:00",
             "söndag": "08:00-08:00"},
            {"måndag-fredag": "00:00-24:00", "lördag": "08:00-20:00", "söndag": "08:00-20:00"},
        ))
    elif scenario == "no_coordinator":
        doc["vårdsamordnare"] = []
    elif scenario == "branch_other_provider":
        doc["filialer"][0]["vårdgivare"] = f"{rng.choice(_PLACE_START)}hälsan AB (fiktiv)"
    elif scenario == "branch_other_head":
        doc["filialer"][0]["verksamhetschef"] = _person(rng) + " (annan)"
    elif scenario == "implausible_visits":
        doc["läkarbesök_inom_3_dagar"] = doc["läkarbesök"] * 9 + rng.randint(1, 999)  # a digit too many
    elif scenario == "blank_provider":
        doc["filialer"][0]["vårdgivare"] = ""
    elif scenario == "branch_listing":
        doc["filialer"][0]["listning"] = True
    elif scenario == "branch_without_assignment":
        doc["tilläggsuppdrag"].remove("filial")
    elif scenario == "missing_data":
        facts = ("jour", "specialist_allmänmedicin", "digital_utvecklingsplan", "presentation_enligt_mall")
        for key in rng.sample(facts, 2):
            del doc[key]
    elif scenario == "wrongly_typed":
        key, value = rng.choice((("digital_utvecklingsplan", "pågår"), ("presentation_enligt_mall", "delvis"),
                                 ("jour", "vardagar och helger")))
        doc[key] = value


def _on_call_from_closing(opening: dict[str, str]) -> dict[str, str]:
    """On-call from each weekday's closing time to the next opening, and all
    weekend: with the opening hours it covers the week (2.1.4), as most centres
    arrange it."""
    on_call = {}
    for days, hours in opening.items():
        start, end = hours.split("-")
        on_call[days] = f"{end}-{start}"
    morning = next(iter(opening.values())).split("-")[0]
    on_call["lördag"] = on_call["söndag"] = f"{morning}-{morning}"
    return on_call


def render_centre(doc: Document, scenario: str) -> str:
    header = (f"# FIKTIV vårdcentral, skapad av kokdsl:s generator (scenario: {scenario}).\n"
              "# Inga uppgifter gäller någon verklig vårdcentral.\n")
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def generate(count: int, seed: int, every_scenario: bool = False) -> list[tuple[str, str]]:
    """(file name, YAML text) for `count` centres. With every_scenario, the
    first centres take each scenario once, so a small set shows every case."""
    rng = random.Random(seed)
    width = max(4, len(str(count)))
    out = []
    fixed = list(SCENARIOS) if every_scenario else []
    for number in range(1, count + 1):
        scenario = fixed[number - 1] if number <= len(fixed) else pick_scenario(rng)
        doc = centre(rng, number, scenario)
        out.append((f"centre-{number:0{width}d}.yaml", render_centre(doc, scenario)))
    return out


def write_centres(out_dir: str | Path, count: int, seed: int, every_scenario: bool = False) -> list[Path]:
    paths = []
    for name, text in generate(count, seed, every_scenario):
        path = Path(out_dir) / name
        write_atomic(path, text.encode("utf-8"))
        paths.append(path)
    return paths


def clear_self_reports(out_dir: str | Path) -> None:
    """Remove the self-reports in a folder (not in its subfolders), so a new
    set written there is the only one a rerun of the folder finds."""
    from kokdsl.batch import is_report_name

    for path in Path(out_dir).iterdir():
        if is_report_name(path) and path.is_file():
            path.unlink()
