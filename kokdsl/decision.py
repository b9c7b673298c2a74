"""Stage 5: requirement results -> the proposed decision.

- any skall not met: rejection, one reason per failed skall;
- otherwise any skall that cannot be assessed: supplement request, listing the
  missing or invalid facts;
- otherwise approved, with every bör not met as a remark.

Only requirements in force decide. Proposals (`status förslag`) are decided
separately, "if the proposal is adopted", so an officer sees what would
change; illustrative requirements (`status exempel`) never decide anything.
"""

from __future__ import annotations

import attrs

from kokdsl.ast import EXAMPLE, PROPOSAL
from kokdsl.enums import DecisionKind, Modality, Outcome
from kokdsl.evaluator import CANNOT_ASSESS, NOT_MET, OUTCOMES, Evaluation, RequirementResult
from kokdsl.selfreport import DataProblem

# Short names for the decision kinds, as other modules import them.
APPROVED = DecisionKind.APPROVED
REJECTION = DecisionKind.REJECTION
SUPPLEMENT_REQUEST = DecisionKind.SUPPLEMENT_REQUEST


@attrs.frozen
class Decision:
    """What the authority decides for one centre (approval, rejection or a
    request to supplement), with the requirement results that ground it."""

    kind: DecisionKind
    reasons: tuple[RequirementResult, ...] = ()  # failed skall (rejection)
    supplements: tuple[RequirementResult, ...] = ()  # skall that cannot be assessed
    missing: tuple[DataProblem, ...] = ()  # the facts to supplement, each once
    remarks: tuple[RequirementResult, ...] = ()  # failed bör
    unassessed_remarks: tuple[RequirementResult, ...] = ()  # bör that cannot be assessed
    # Proposals that are not met or cannot be assessed, and the decision the
    # centre would get were every proposal adopted (None: no proposals).
    proposals: tuple[RequirementResult, ...] = ()
    if_adopted: Decision | None = None

    @property
    def approved(self) -> bool:
        return self.kind == APPROVED


def decide(evaluation: Evaluation) -> Decision:
    """The proposed decision on the requirements in force, and beside it what
    it would be if the rulebook's proposals were adopted."""
    decision = _decide([r for r in evaluation.results if r.requirement.in_force])
    proposals = [r for r in evaluation.results if r.requirement.status == PROPOSAL]
    if not proposals:
        return decision
    adopted = _decide([r for r in evaluation.results if r.requirement.status != EXAMPLE])
    undecided = tuple(r for r in proposals if r.outcome is NOT_MET or r.outcome is CANNOT_ASSESS)
    return attrs.evolve(decision, proposals=undecided, if_adopted=adopted)


def _decide(results: list[RequirementResult]) -> Decision:
    """The proposed decision for one set of results, by the rules in the
    module docstring: rejection, supplement request or approval."""
    # One pass, in book order: (modality, outcome) -> results.
    buckets: dict[tuple[str, str], list[RequirementResult]] = {}
    for r in results:
        if r.outcome is NOT_MET or r.outcome is CANNOT_ASSESS:
            buckets.setdefault((r.requirement.modality, r.outcome), []).append(r)
    failed = tuple(buckets.get((Modality.SHALL, NOT_MET), ()))
    unknown = tuple(buckets.get((Modality.SHALL, CANNOT_ASSESS), ()))
    remarks = tuple(buckets.get((Modality.SHOULD, NOT_MET), ()))
    unassessed = tuple(buckets.get((Modality.SHOULD, CANNOT_ASSESS), ()))
    missing: dict[str, DataProblem] = {}
    for r in unknown:
        for p in r.problems:
            missing.setdefault(p.path, p)
    if failed:
        kind = REJECTION
    elif unknown:
        kind = SUPPLEMENT_REQUEST
    else:
        kind = APPROVED
    return Decision(kind, failed, unknown, tuple(missing.values()), remarks, unassessed)


def counts(evaluation: Evaluation) -> dict[Modality, dict[Outcome, int]]:
    """Outcome counts by modality of the requirements in force:
    {"skall": {"met": 3, ...}, "bör": {...}}."""
    table = {m: {o: 0 for o in OUTCOMES} for m in Modality}
    for r in evaluation.results:
        if not r.requirement.in_force:
            continue
        row = table[r.requirement.modality]
        row[r.outcome] = row.get(r.outcome, 0) + 1  # "waived" appears only when a waiver applied
    return table
