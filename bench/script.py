"""The national follow-up written by hand: what `kok rerun` is measured against.

    python -m bench.script CENTRES_DIR [--out DIR]

The same job as `kok rerun rulebooks/orebro/2025.kok CENTRES_DIR --format json`
(and, with --out, as `kok rerun ... --out DIR`), done the way a competent
developer would script it for this one rulebook: PyYAML's C loader, the facts
converted by small hand-written functions (the same YAML meanings), the
straight-line checks of bench/straight.py, and with --out a Jinja page per
centre (one precompiled template: its decision, grounds, facts to supplement,
every requirement with its outcome and the values it read, and a sentence for
each requirement not met or not assessable that names the values), an index
page and summary.json, each written atomically. This is the lean job `kok
rerun --out` is measured against (issue 23); tests/test_bench_agreement.py
checks that its pages carry the same decisions, outcomes, sentences and
evidence as kok's. Without --out it prints the summary as JSON.

It knows only the forms of values the synthetic centres use (and a few more);
the benchmark checks that it agrees with kokdsl on every centre it times.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import jinja2
import yaml

from bench.straight import assess
from kokdsl.values import UNKNOWN  # the sentinel the straight-line checks compare with

DAY = 24 * 60
WEEK = 7 * DAY
DAYS = {"måndag": 0, "tisdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lördag": 5, "söndag": 6}
WHOLE = {"dygnet runt", "around the clock"}
CLOSED = {"", "stängt", "closed"}
YES, NO = {"ja", "yes", "true", "sant", "j", "y"}, {"nej", "no", "false", "falskt", "n"}
SERVICES = ("filial", "barnhälsovård", "mödrahälsovård")
EDUCATION = ("gymnasial", "yrkeshögskola", "högskola")
REQUIREMENTS = (  # id, title, modality, facts read
    ("1.1", "Specialist i allmänmedicin under hela öppettiden", "skall (förslag)",
     ("specialist_allmänmedicin", "öppettider")),
    ("2.1", "Öppettider", "skall", ("öppettider", "listade")),
    ("2.1.4", "Jouråtagande", "skall", ("öppettider", "jour")),
    ("3.1", "Vårdsamordnare", "skall", ("vårdsamordnare",)),
    ("3.1.1", "Vårdsamordnarens utbildning", "skall (förslag)", ("vårdsamordnare",)),
    ("3.2", "Fast vårdkontakt", "bör", ("fast_vårdkontakt",)),
    ("3.2a", "Fast vårdkontakt som skall-krav", "skall (förslag)", ("fast_vårdkontakt",)),
    ("4.1", "1177:s e-tjänster", "skall (exempel)", ("e_tjänster_1177",)),
    ("4.2", "Digital utvecklingsplan", "skall", ("digital_utvecklingsplan",)),
    ("5.1", "Enhetlig presentation för invånarna", "skall (förslag)", ("presentation_enligt_mall",)),
    ("6.3", "Filial utan tilläggsuppdraget filial", "bör (exempel)", ("filialer", "tilläggsuppdrag")),
    ("6.4", "Filial till vårdcentral med huvuduppdrag", "skall", ("filialer", "vårdgivare")),
    ("6.4a", "Samma verksamhetschef på filial och huvudmottagning", "skall (exempel)",
     ("filialer", "verksamhetschef")),
    ("6.4b", "Filialen godkänd innan den öppnar", "skall (exempel)", ("filialer",)),
    ("6.4.1", "Ingen listning på filial", "skall (exempel)", ("filialer",)),
    ("8.1", "Telefontillgänglighet", "bör (exempel)", ("telefonstatistik",)),
    ("8.2", "Besökstillgänglighet läkare", "bör (exempel)", ("läkarbesök", "läkarbesök_inom_3_dagar")),
)
OUTCOME_WORDS = {"met": "uppfyllt", "not_met": "ej uppfyllt", "cannot_assess": "kan ej bedömas",
                 "not_applicable": "ej tillämpligt"}
DECISION_WORDS = {"approved": "godkänd", "rejection": "avslag", "supplement_request": "komplettering"}


class Invalid(Exception):
    pass


class Schedule:
    __slots__ = ("intervals",)

    def __init__(self, intervals):
        self.intervals = intervals


class Record:
    __slots__ = ("fields",)

    def __init__(self, fields):
        self.fields = fields


class Problem:
    __slots__ = ("path", "fact", "field")

    def __init__(self, path, fact, field=None):
        self.path, self.fact, self.field = path, fact, field


# -- values --------------------------------------------------------------------------------


def to_bool(raw):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.strip().casefold()
        if word in YES:
            return True
        if word in NO:
            return False
    raise Invalid


def to_int(raw):
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d+", raw.replace(" ", "")):
        return int(raw.replace(" ", ""))
    raise Invalid


def to_percent(raw):
    if isinstance(raw, str):
        text = raw.strip().removesuffix("%").strip().replace(",", ".")
        if not re.fullmatch(r"\d+(\.\d+)?", text):
            raise Invalid
        value = Fraction(text)
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = Fraction(repr(raw)) if isinstance(raw, float) else Fraction(raw)
    else:
        raise Invalid
    if not 0 <= value <= 100:
        raise Invalid
    return value / 100


def to_text(raw):
    if isinstance(raw, str) and raw.strip():
        return " ".join(raw.split())
    raise Invalid


def to_choice(raw, choices):
    if isinstance(raw, str):
        word = raw.strip().casefold()
        for choice in choices:
            if choice == word:
                return choice
    raise Invalid


def minutes(text: str, end: bool) -> int:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", text)
    if not match:
        raise Invalid
    hours, mins = int(match[1]), int(match[2] or 0)
    if mins > 59 or hours > 24 or (hours == 24 and (mins or not end)):
        raise Invalid
    return hours * 60 + mins


def day_interval(text) -> tuple[int, int]:
    if not isinstance(text, str):
        raise Invalid
    text = " ".join(text.split()).casefold()
    if text in WHOLE:
        return 0, DAY
    parts = re.split(r"\s*[-–]\s*", text)
    if len(parts) != 2:
        raise Invalid
    start, end = minutes(parts[0], False), minutes(parts[1], True)
    return start, end if end > start else end + DAY  # past midnight; equal: a whole day


def days(key) -> list[int]:
    text = " ".join(str(key).split()).casefold()
    if text == "alla dagar":
        return list(range(7))
    parts = re.split(r"\s*[-–]\s*", text)
    if len(parts) == 1 and parts[0] in DAYS:
        return [DAYS[parts[0]]]
    if len(parts) == 2 and parts[0] in DAYS and parts[1] in DAYS:
        first, last = DAYS[parts[0]], DAYS[parts[1]]
        return [(first + i) % 7 for i in range((last - first) % 7 + 1)]
    raise Invalid


def to_schedule(raw) -> Schedule:
    if isinstance(raw, str):
        if " ".join(raw.split()).casefold() in WHOLE:
            return Schedule(((0, WEEK),))
        raise Invalid
    if not isinstance(raw, dict):
        raise Invalid
    pieces = []
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and value.strip().casefold() in CLOSED):
            continue
        spans = [day_interval(v) for v in value] if isinstance(value, list) else [day_interval(value)]
        for day in days(key):
            for start, end in spans:
                start, end = start + day * DAY, end + day * DAY
                if end > WEEK:  # Sunday night runs into Monday morning
                    pieces += [(start, WEEK), (0, end - WEEK)]
                else:
                    pieces.append((start, end))
    pieces.sort()
    merged: list[list[int]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return Schedule(tuple((s, e) for s, e in merged))


RECORDS = {
    "vårdsamordnare": (("namn", to_text), ("utbildning", lambda v: to_choice(v, EDUCATION)),
                       ("tjänstgöringsgrad", to_percent)),
    "filialer": (("namn", to_text), ("verksamhetschef", to_text), ("vårdgivare", to_text),
                 ("godkänd_av_regionen", to_bool), ("listning", to_bool)),
    "telefonstatistik": (("benämning", to_text), ("samtal", to_int), ("besvarade_samma_dag", to_int)),
}
SIMPLE = {
    "öppettider": to_schedule, "specialist_allmänmedicin": to_schedule, "jour": to_schedule,
    "listade": to_int, "verksamhetschef": to_text, "vårdgivare": to_text,
    "tilläggsuppdrag": lambda v: frozenset(to_choice(x, SERVICES) for x in v) if isinstance(v, list) else to_invalid(),
    "fast_vårdkontakt": to_bool, "e_tjänster_1177": to_bool, "digital_utvecklingsplan": to_bool,
    "presentation_enligt_mall": to_bool,
    "läkarbesök": to_int, "läkarbesök_inom_3_dagar": to_int, "kontinuitet_läkarbesök": to_percent,
    "cni": lambda v: v, "avstånd_till_sjukhus_km": lambda v: v,
}


def to_invalid():
    raise Invalid


def facts_of(doc: dict):
    facts, problems = {}, []
    for name, convert in SIMPLE.items():
        raw = doc.get(name)
        if raw is None:
            facts[name] = UNKNOWN
            problems.append(Problem(f"$.{name}", name))
            continue
        try:
            facts[name] = convert(raw)
        except Invalid:
            facts[name] = UNKNOWN
            problems.append(Problem(f"$.{name}", name))
    for name, fields in RECORDS.items():
        raw = doc.get(name)
        if not isinstance(raw, list):
            facts[name] = UNKNOWN
            problems.append(Problem(f"$.{name}", name))
            continue
        items = []
        for index, element in enumerate(raw):
            element = element if isinstance(element, dict) else {}
            values = {}
            for field, convert in fields:
                value = element.get(field)
                try:
                    values[field] = UNKNOWN if value is None else convert(value)
                except Invalid:
                    values[field] = UNKNOWN
                if values[field] is UNKNOWN:
                    problems.append(Problem(f"$.{name}[{index}].{field}", name, field))
            items.append(Record(values))
        facts[name] = tuple(items)
    _implausible(facts, problems)
    return facts, problems


def _implausible(facts: dict, problems: list) -> None:
    """The book's plausibility rules: figures that contradict each other are
    unknown, with a problem each (an empty name is already invalid here)."""
    within, visits = facts["läkarbesök_inom_3_dagar"], facts["läkarbesök"]
    if within is not UNKNOWN and visits is not UNKNOWN and within > visits:
        for name in ("läkarbesök", "läkarbesök_inom_3_dagar"):
            facts[name] = UNKNOWN
            problems.append(Problem(f"$.{name}", name))
    months = facts["telefonstatistik"]
    if months is UNKNOWN:
        return
    for index, month in enumerate(months):
        answered, calls = month.fields["besvarade_samma_dag"], month.fields["samtal"]
        if answered is not UNKNOWN and calls is not UNKNOWN and answered > calls:
            for field in ("besvarade_samma_dag", "samtal"):
                month.fields[field] = UNKNOWN
                problems.append(Problem(f"$.telefonstatistik[{index}].{field}", "telefonstatistik", field))


# -- the job -------------------------------------------------------------------------------------


def shown(value) -> str:
    if value is UNKNOWN:
        return "saknas"
    if isinstance(value, Schedule):
        return ", ".join(f"{s // DAY}:{s % DAY // 60:02d}:{s % 60:02d}-{e // DAY}:{e % DAY // 60:02d}:{e % 60:02d}"
                         for s, e in value.intervals)
    if isinstance(value, tuple):  # a list of records: each one's fields
        return "; ".join(", ".join(f"{name} {shown(v)}" for name, v in r.fields.items()) for r in value) or "inga"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value)) or "inga"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Fraction):
        return f"{float(value * 100):g} %"
    return str(value)


PAGE = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>{{ name }}: {{ decision_word }}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:auto}td,th{border-bottom:1px solid #ccc;padding:.2rem}
.not_met{color:#a00}.cannot_assess{color:#a60}</style></head><body>
<h1>{{ name }}</h1><p>Id {{ id }} · Hälsoval Region Örebro län, utgåva 2025 · sha256 {{ sha256 }}</p>
<h2 class="decision decision-{{ decision_kind }}">Förslag till beslut: {{ decision_word }}</h2>
{% if reasons %}<h3>Skäl</h3><ol>{% for r in reasons %}
<li>Krav {{ r.id }} {{ r.title }} är inte uppfyllt.</li>{% endfor %}</ol>{% endif %}
{% if supplements %}<h3>Komplettering</h3><ul>{% for r in supplements %}
<li>Krav {{ r.id }} {{ r.title }}</li>{% endfor %}</ul>
<p>Uppgifter att komplettera:</p><ul>{% for p in missing %}<li><code>{{ p }}</code></li>{% endfor %}</ul>{% endif %}
{% if remarks %}<h3>Anmärkningar</h3><ul>{% for r in remarks %}
<li>Krav {{ r.id }} {{ r.title }}</li>{% endfor %}</ul>{% endif %}
<h2>Alla krav</h2><table><tr><th>Krav</th><th>Nivå</th><th>Utfall</th><th>Uppgifter</th></tr>
{% for r in rows %}<tr class="{{ r.outcome }}" id="req-{{ r.id }}"><td>{{ r.id }} {{ r.title }}</td>
<td>{{ r.modality }}</td><td>{{ r.word }}{% if r.why %}<p class="why">{{ r.why }}</p>{% endif %}</td>
<td>{% for name, value in r.evidence %}<span class="evidence" data-fact="{{ name }}">{{ name }}: {{ value }}</span><br>
{% endfor %}</td></tr>
{% endfor %}</table></body></html>
""")
INDEX = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Uppföljning</title></head><body><h1>Uppföljning: {{ count }}
vårdcentraler</h1><table>{% for c in centres %}<tr><td><a href="{{ c.href }}">{{ c.name }}</a></td><td>{{ c.id }}</td>
<td>{{ c.word }}</td></tr>{% endfor %}</table></body></html>
""")


def write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.replace(tmp, path)


def page(centre: dict, facts: dict, decision) -> str:
    by_id = {rid: (rid, title, modality, reads) for rid, title, modality, reads in REQUIREMENTS}

    def named(ids):
        return [{"id": rid, "title": by_id[rid][1]} for rid in ids]

    rows = []
    for rid, title, modality, reads in REQUIREMENTS:
        outcome = decision.outcomes[rid]
        evidence = [(f, shown(facts[f])) for f in reads]
        rows.append({"id": rid, "title": title, "modality": modality, "outcome": outcome,
                     "word": OUTCOME_WORDS[outcome], "evidence": evidence, "why": why(rid, title, outcome, evidence)})
    return PAGE.render(name=centre["name"], id=centre["id"], sha256=centre["sha256"], decision_kind=decision.kind,
                       decision_word=DECISION_WORDS[decision.kind], reasons=named(decision.reasons),
                       supplements=named(decision.supplements), missing=decision.missing,
                       remarks=named(decision.remarks), rows=rows)


def why(rid: str, title: str, outcome: str, evidence: list[tuple[str, str]]) -> str | None:
    """The sentence for a requirement not met or not assessable, naming the values it read."""
    values = ", ".join(f"{name} {value}" for name, value in evidence)
    if outcome == "not_met":
        return f"Krav {rid} {title} är inte uppfyllt med de uppgifter som lämnats: {values}."
    if outcome == "cannot_assess":
        missing = ", ".join(name for name, value in evidence if value == "saknas") or "en uppgift"
        return f"Krav {rid} {title} kan inte bedömas: {missing} saknas eller är ogiltig ({values})."
    return None


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    centres, index = [], []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")):
        data = path.read_bytes()
        try:
            doc = yaml.load(data, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            centres.append({"key": path.stem, "file": str(path), "decision": "unreadable", "error": str(exc)})
            continue
        if not isinstance(doc, dict):
            centres.append({"key": path.stem, "file": str(path), "decision": "unreadable", "error": "not a mapping"})
            continue
        identity = doc.get("vårdcentral") if isinstance(doc.get("vårdcentral"), dict) else {}
        facts, problems = facts_of(doc)
        decision = assess(facts, problems)
        centre = {"key": str(identity.get("id") or path.stem), "file": str(path), "decision": decision.kind,
                  "name": identity.get("namn"), "id": identity.get("id"),
                  "sha256": hashlib.sha256(data).hexdigest(), "outcomes": decision.outcomes}
        centres.append(centre)
        if out is not None:
            write(out / f"{path.stem}.html", page(centre, facts, decision))
            index.append({"href": f"{path.stem}.html", "name": centre["name"], "id": centre["id"],
                          "word": DECISION_WORDS[decision.kind]})
    summary = json.dumps({"rulebook": {"name": "Hälsoval Region Örebro län", "edition": 2025}, "centres": centres},
                         ensure_ascii=False, indent=2)
    if out is None:
        print(summary)
    else:
        write(out / "index.html", INDEX.render(count=len(index), centres=index))
        write(out / "summary.json", summary + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
