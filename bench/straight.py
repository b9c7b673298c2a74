"""Örebro 2025 as one straight-line Python function: the fastest honest floor.

bench/handwritten.py is readable: a table of requirements dispatched in a loop,
a lambda per conditional requirement per centre. This file is what someone
optimising by hand would write instead: every requirement inline, in book
order, no table, no closures made per centre. Same inputs (kokdsl's validated
facts and data problems) and the same outputs as handwritten.HandDecision;
tests/test_bench_agreement.py holds it equal to kokdsl on every sample.
"""

from __future__ import annotations

from bench.handwritten import HandDecision, covers, missing_paths
from kokdsl.values import UNKNOWN

MET, NOT_MET, CANNOT_ASSESS, NOT_APPLICABLE = "met", "not_met", "cannot_assess", "not_applicable"
WEEK = 7 * 24 * 60
# The facts (and record fields) each skall requirement reads: a supplement request names the missing ones.
# () : the fact as a whole (a problem in one of its records' fields does not count).
_READS = {
    "2.1": {"öppettider": (), "listade": ()},
    "2.1.4": {"öppettider": (), "jour": ()},
    "3.1": {"vårdsamordnare": ("namn",)},
    "4.2": {"digital_utvecklingsplan": ()},
    "6.4": {"filialer": ("vårdgivare",), "vårdgivare": ()},
}


def _and_same(so_far, theirs, own_folded):
    """Kleene's and of `so_far` with "the branch's name is the centre's" (case-insensitive)."""
    if so_far is False:
        return False
    if theirs is UNKNOWN or own_folded is UNKNOWN:
        return UNKNOWN
    return so_far if theirs.casefold() == own_folded else False


def assess(f: dict, problems=()) -> HandDecision:
    out: dict[str, str] = {}

    # 1.1 skall: a specialist in general medicine during all opening hours
    specialist, opening = f["specialist_allmänmedicin"], f["öppettider"]
    if specialist is UNKNOWN or opening is UNKNOWN:
        out["1.1"] = CANNOT_ASSESS
    else:
        out["1.1"] = MET if covers(specialist.intervals, opening.intervals) else NOT_MET

    # 2.1 skall: open 40 h a week under 6,500 listed, else 45 h
    listed = f["listade"]
    if opening is UNKNOWN:
        out["2.1"] = CANNOT_ASSESS
    else:
        minutes = 0
        for start, end in opening.intervals:
            minutes += end - start
        if listed is UNKNOWN:
            if minutes >= 45 * 60:
                out["2.1"] = MET
            elif minutes < 40 * 60:
                out["2.1"] = NOT_MET
            else:
                out["2.1"] = CANNOT_ASSESS
        else:
            out["2.1"] = MET if minutes >= (2400 if listed < 6500 else 2700) else NOT_MET

    # 2.1.4 skall: opening hours and on-call together cover the whole week
    on_call = f["jour"]
    if on_call is UNKNOWN or opening is UNKNOWN:
        out["2.1.4"] = CANNOT_ASSESS
    else:
        covered = 0  # minutes covered from the start of the week, walking both sorted lists
        for start, end in sorted(opening.intervals + on_call.intervals):
            if start > covered:
                break
            covered = max(covered, end)
        out["2.1.4"] = MET if covered >= WEEK else NOT_MET

    # 3.1 skall: some coordinator with a name / 3.1.1 proposal: all with a degree
    coordinators = f["vårdsamordnare"]
    if coordinators is UNKNOWN:
        out["3.1"] = out["3.1.1"] = CANNOT_ASSESS
    else:
        named = NOT_MET
        for coordinator in coordinators:
            name = coordinator.fields["namn"]
            if name is UNKNOWN:
                named = CANNOT_ASSESS
            elif name != "":
                named = MET
                break
        out["3.1"] = named
        degree = MET
        for coordinator in coordinators:
            level = coordinator.fields["utbildning"]
            if level is UNKNOWN:
                degree = CANNOT_ASSESS
            elif level != "högskola":
                degree = NOT_MET
                break
        out["3.1.1"] = degree

    # 3.2 bör (3.2a its proposed skall), 4.1 example, 4.2 and 5.1 skall: yes/no facts
    value = f["fast_vårdkontakt"]
    out["3.2"] = out["3.2a"] = CANNOT_ASSESS if value is UNKNOWN else MET if value else NOT_MET
    value = f["e_tjänster_1177"]
    out["4.1"] = CANNOT_ASSESS if value is UNKNOWN else MET if value else NOT_MET
    value = f["digital_utvecklingsplan"]
    out["4.2"] = CANNOT_ASSESS if value is UNKNOWN else MET if value else NOT_MET
    value = f["presentation_enligt_mall"]
    out["5.1"] = CANNOT_ASSESS if value is UNKNOWN else MET if value else NOT_MET

    # 6.3 example, 6.4 skall, 6.4a, 6.4b and 6.4.1 examples: for every centre
    # that declares a branch. 6.3: it has the branch assignment; 6.4: branches
    # have the centre's provider; 6.4a: its head; 6.4b: approved; 6.4.1: no listing
    assignments, branches = f["tilläggsuppdrag"], f["filialer"]
    branch_rules = ("6.4", "6.4a", "6.4b", "6.4.1")
    if branches is UNKNOWN:
        # Whether the rules apply is unknown: a check that holds anyway is met.
        has_assignment = assignments is not UNKNOWN and "filial" in assignments
        out["6.3"] = MET if has_assignment else CANNOT_ASSESS
        for rid in branch_rules:
            out[rid] = CANNOT_ASSESS
    elif not branches:
        for rid in ("6.3", *branch_rules):
            out[rid] = NOT_APPLICABLE
    else:
        out["6.3"] = CANNOT_ASSESS if assignments is UNKNOWN else MET if "filial" in assignments else NOT_MET
        provider, head = f["vårdgivare"], f["verksamhetschef"]
        provider = provider.casefold() if provider is not UNKNOWN else UNKNOWN
        head = head.casefold() if head is not UNKNOWN else UNKNOWN
        same_provider = same_head = approved = no_listing = True
        for branch in branches:
            fields = branch.fields
            same_provider = _and_same(same_provider, fields["vårdgivare"], provider)
            same_head = _and_same(same_head, fields["verksamhetschef"], head)
            value = fields["godkänd_av_regionen"]
            if approved is not False and value is not True:
                approved = value
            listing = fields["listning"]
            if no_listing is not False and listing is not False:
                no_listing = UNKNOWN if listing is UNKNOWN else False
        for rid, value in zip(branch_rules, (same_provider, same_head, approved, no_listing), strict=True):
            out[rid] = MET if value is True else NOT_MET if value is False else CANNOT_ASSESS

    # 8.1 bör: at least 90 % of calls answered the same day
    stats = f["telefonstatistik"]
    if stats is UNKNOWN:
        out["8.1"] = CANNOT_ASSESS
    elif not stats:
        out["8.1"] = NOT_MET
    else:
        answered = calls = 0
        for month in stats:
            a, c = month.fields["besvarade_samma_dag"], month.fields["samtal"]
            if a is UNKNOWN or answered is UNKNOWN:
                answered = UNKNOWN
            else:
                answered += a
            if c is UNKNOWN or calls is UNKNOWN:
                calls = UNKNOWN
            else:
                calls += c
        if answered is UNKNOWN or calls is UNKNOWN:
            out["8.1"] = CANNOT_ASSESS
        else:
            out["8.1"] = MET if 10 * answered >= 9 * calls else NOT_MET

    # 8.2 bör: at least 90 % of doctor's visits within 3 days
    within, visits = f["läkarbesök_inom_3_dagar"], f["läkarbesök"]
    if within is UNKNOWN or visits is UNKNOWN:
        out["8.2"] = CANNOT_ASSESS
    else:
        out["8.2"] = MET if 10 * within >= 9 * visits else NOT_MET

    reasons, supplements, remarks = [], [], []
    # Only in-force skall decide; proposals (1.1, 3.1.1, 3.2a, 5.1) and examples
    # (4.1, 6.3, 6.4a, 6.4b, 6.4.1, 8.1, 8.2) never do.
    for rid in ("2.1", "2.1.4", "3.1", "4.2", "6.4"):
        outcome = out[rid]
        if outcome == NOT_MET:
            reasons.append(rid)
        elif outcome == CANNOT_ASSESS:
            supplements.append(rid)
    for rid in ("3.2",):
        if out[rid] == NOT_MET:
            remarks.append(rid)
    missing = missing_paths(supplements, problems, _READS)
    kind = "rejection" if reasons else "supplement_request" if supplements else "approved"
    return HandDecision(kind, out, tuple(reasons), tuple(supplements), missing, tuple(remarks))
