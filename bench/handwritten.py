"""Örebro 2025 written directly in Python: the floor for an interpreter in Python.

The same checks as rulebooks/orebro/2025.kok, over the same inputs (the
`SelfReport.facts` kokdsl's loader produces: Schedule, Fraction, tuples of
RecordValue, UNKNOWN for a missing or invalid fact) and with the same outputs:
per-requirement outcomes with the same three-valued (Kleene) semantics, and the
same decision (kind, reasons, supplements, missing facts, remarks). There are
no explanations: the hand-written code only decides. The agreement tests hold
it equal to kokdsl on every synthetic centre.
"""

from __future__ import annotations

import attrs

from kokdsl.values import UNKNOWN

MET, NOT_MET, CANNOT_ASSESS, NOT_APPLICABLE = "met", "not_met", "cannot_assess", "not_applicable"

WEEK = 7 * 24 * 60
AROUND_THE_CLOCK = ((0, WEEK),)


@attrs.frozen
class HandDecision:
    kind: str
    outcomes: dict  # requirement id -> outcome, in book order
    reasons: tuple[str, ...]  # failed skall
    supplements: tuple[str, ...]  # skall that cannot be assessed
    missing: tuple[str, ...]  # JSON paths of the facts to supplement, each once
    remarks: tuple[str, ...]  # failed bör


# -- three-valued helpers -----------------------------------------------------------


def _and(a, b):
    if a is False or b is False:
        return False
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return True


def _outcome(value) -> str:
    if value is True:
        return MET
    if value is False:
        return NOT_MET
    return CANNOT_ASSESS


def _conditional(applies, check) -> str:
    """`gäller om`: not applicable when the condition is false; when it is
    unknown, a met check is met either way, anything else cannot be assessed."""
    if applies is False:
        return NOT_APPLICABLE
    value = check()
    if applies is UNKNOWN:
        return MET if value is True else CANNOT_ASSESS
    return _outcome(value)


def covers(outer: tuple, inner: tuple) -> bool:
    """Both are merged, sorted, non-adjacent week-minute intervals: each inner
    interval must lie inside one outer interval."""
    i, count = 0, len(outer)
    for start, end in inner:
        while i < count and outer[i][1] < end:
            i += 1
        if i == count or outer[i][0] > start:
            return False
    return True


def _all(values) -> object:
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is UNKNOWN:
            unknown = True
    return UNKNOWN if unknown else True


def _field_sum(items, name):
    total = 0
    for item in items:
        value = item.fields[name]
        if value is UNKNOWN:
            return UNKNOWN
        total += value
    return total


# -- the checks, one per requirement ----------------------------------------------------


def specialist_whole_opening(f):  # 1.1
    specialist, opening = f["specialist_allmänmedicin"], f["öppettider"]
    if specialist is UNKNOWN or opening is UNKNOWN:
        return UNKNOWN
    return covers(specialist.intervals, opening.intervals)


def opening_hours(f):  # 2.1: 40 h under 6,500 listed, else 45 h
    opening, listed = f["öppettider"], f["listade"]
    if opening is UNKNOWN:
        return UNKNOWN
    minutes = sum(end - start for start, end in opening.intervals)
    if listed is UNKNOWN:
        # Decided anyway when both thresholds agree.
        at_40, at_45 = minutes >= 40 * 60, minutes >= 45 * 60
        return at_40 if at_40 == at_45 else UNKNOWN
    return minutes >= (40 * 60 if listed < 6500 else 45 * 60)


def _union(a: tuple, b: tuple) -> tuple:
    """Merge two interval lists into sorted, non-adjacent intervals."""
    merged: list[list[int]] = []
    for start, end in sorted(a + b):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def on_call_around_the_clock(f):  # 2.1.4: opening hours and on-call together cover the week
    opening, on_call = f["öppettider"], f["jour"]
    if opening is UNKNOWN or on_call is UNKNOWN:
        return UNKNOWN
    return covers(_union(opening.intervals, on_call.intervals), AROUND_THE_CLOCK)


def has_coordinator(f):  # 3.1: at least one coordinator with a name
    coordinators = f["vårdsamordnare"]
    if coordinators is UNKNOWN:
        return UNKNOWN
    named = [UNKNOWN if (name := c.fields["namn"]) is UNKNOWN else name != "" for c in coordinators]
    if any(value is True for value in named):
        return True
    return UNKNOWN if any(value is UNKNOWN for value in named) else False


def coordinators_have_degree(f):  # 3.1.1
    coordinators = f["vårdsamordnare"]
    if coordinators is UNKNOWN:
        return UNKNOWN
    return _all(UNKNOWN if (level := c.fields["utbildning"]) is UNKNOWN else level == "högskola"
                for c in coordinators)


def _fact(name):
    def check(f):
        return f[name]

    return check


def declares_branch(f):  # condition of 6.3, 6.4 and 6.4.1: every centre that declares a branch
    branches = f["filialer"]
    return UNKNOWN if branches is UNKNOWN else len(branches) > 0


def has_branch_assignment(f):  # 6.3
    assignments = f["tilläggsuppdrag"]
    return UNKNOWN if assignments is UNKNOWN else "filial" in assignments


def _branches_share(field):
    """Every branch's `field` names the same as the centre's fact of that name (6.4, 6.4a)."""
    def check(f):
        branches, own = f["filialer"], f[field]
        if branches is UNKNOWN:
            return UNKNOWN
        values = []
        for branch in branches:
            theirs = branch.fields[field]
            if theirs is UNKNOWN or own is UNKNOWN:
                values.append(UNKNOWN)
            else:
                values.append(theirs.casefold() == own.casefold())  # names typed by people
        return _all(values)

    return check


def branches_approved(f):  # 6.4b
    branches = f["filialer"]
    if branches is UNKNOWN:
        return UNKNOWN
    return _all(b.fields["godkänd_av_regionen"] for b in branches)


def no_listing_at_branches(f):  # 6.4.1
    branches = f["filialer"]
    if branches is UNKNOWN:
        return UNKNOWN
    return _all(UNKNOWN if (listing := b.fields["listning"]) is UNKNOWN else not listing for b in branches)


def phone_accessibility(f):  # 8.1: at least 90 % answered the same day
    stats = f["telefonstatistik"]
    if stats is UNKNOWN:
        return UNKNOWN
    answered, calls = _field_sum(stats, "besvarade_samma_dag"), _field_sum(stats, "samtal")
    enough = UNKNOWN if answered is UNKNOWN or calls is UNKNOWN else 10 * answered >= 9 * calls
    return _and(len(stats) >= 1, enough)


def visit_accessibility(f):  # 8.2: at least 90 % within 3 days
    within, visits = f["läkarbesök_inom_3_dagar"], f["läkarbesök"]
    if within is UNKNOWN or visits is UNKNOWN:
        return UNKNOWN
    return 10 * within >= 9 * visits


# id -> (role, condition or None, check, facts read -> fields read (None: the whole fact)).
# Only an in-force skall decides; an in-force bör is a remark; proposals and
# illustrative requirements are evaluated but never decide.
SKALL, BOR, OTHER = "skall", "bör", "other"
REQUIREMENTS = (
    ("1.1", OTHER, None, specialist_whole_opening, {"specialist_allmänmedicin": (), "öppettider": ()}),
    ("2.1", SKALL, None, opening_hours, {"öppettider": (), "listade": ()}),
    ("2.1.4", SKALL, None, on_call_around_the_clock, {"öppettider": (), "jour": ()}),
    ("3.1", SKALL, None, has_coordinator, {"vårdsamordnare": ("namn",)}),
    ("3.1.1", OTHER, None, coordinators_have_degree, {"vårdsamordnare": ("utbildning",)}),
    ("3.2", BOR, None, _fact("fast_vårdkontakt"), {"fast_vårdkontakt": ()}),
    ("3.2a", OTHER, None, _fact("fast_vårdkontakt"), {"fast_vårdkontakt": ()}),
    ("4.1", OTHER, None, _fact("e_tjänster_1177"), {"e_tjänster_1177": ()}),
    ("4.2", SKALL, None, _fact("digital_utvecklingsplan"), {"digital_utvecklingsplan": ()}),
    ("5.1", OTHER, None, _fact("presentation_enligt_mall"), {"presentation_enligt_mall": ()}),
    ("6.3", OTHER, declares_branch, has_branch_assignment, {"filialer": (), "tilläggsuppdrag": ()}),
    ("6.4", SKALL, declares_branch, _branches_share("vårdgivare"), {"filialer": ("vårdgivare",), "vårdgivare": ()}),
    ("6.4a", OTHER, declares_branch, _branches_share("verksamhetschef"),
     {"filialer": ("verksamhetschef",), "verksamhetschef": ()}),
    ("6.4b", OTHER, declares_branch, branches_approved, {"filialer": ("godkänd_av_regionen",)}),
    ("6.4.1", OTHER, declares_branch, no_listing_at_branches, {"filialer": ("listning",)}),
    ("8.1", OTHER, None, phone_accessibility, {"telefonstatistik": ("samtal", "besvarade_samma_dag")}),
    ("8.2", OTHER, None, visit_accessibility, {"läkarbesök_inom_3_dagar": (), "läkarbesök": ()}),
)


def assess(facts: dict, problems=()) -> HandDecision:
    """Outcomes and decision for one centre. `problems` are the loader's
    DataProblems, from which a supplement request names the missing facts."""
    outcomes = {}
    reasons, supplements, remarks = [], [], []
    for rid, role, condition, check, _ in REQUIREMENTS:
        if condition is None:
            outcome = _outcome(check(facts))
        else:
            outcome = _conditional(condition(facts), lambda check=check: check(facts))
        outcomes[rid] = outcome
        if role == SKALL:
            if outcome == NOT_MET:
                reasons.append(rid)
            elif outcome == CANNOT_ASSESS:
                supplements.append(rid)
        elif role == BOR and outcome == NOT_MET:
            remarks.append(rid)
    missing = missing_paths(supplements, problems, _READS)
    kind = "rejection" if reasons else "supplement_request" if supplements else "approved"
    return HandDecision(kind, outcomes, tuple(reasons), tuple(supplements), missing, tuple(remarks))


_READS = {rid: reads for rid, _, _, _, reads in REQUIREMENTS}


def missing_paths(supplements, problems, reads_by_id: dict) -> tuple[str, ...]:
    """The JSON paths a supplement request names, each once: the problems in
    the facts (or record fields) the requirements that cannot be assessed read."""
    missing: dict[str, None] = {}
    for rid in supplements:
        reads = reads_by_id[rid]
        for p in problems:
            fields = reads.get(p.fact)
            if fields is not None and (p.field is None or p.field in fields):
                missing.setdefault(p.path)
    return tuple(missing)
