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

import operator
from collections.abc import Callable, Sequence

import attrs

from kokdsl.ast import EXAMPLE, PROPOSAL
from kokdsl.compiled import CompiledRequirement
from kokdsl.enums import DecisionKind, Modality, Outcome
from kokdsl.evaluator import OUTCOMES, Evaluation, RequirementResult
from kokdsl.selfreport import DataProblem


@attrs.define(unsafe_hash=True)
class Decision:
    """What the authority decides for one centre (approval, rejection or a
    request to supplement), with the requirement results that ground it.
    Slotted and not frozen (one per centre of a rerun, and a frozen class's
    __init__ costs more); immutable by use: never changed once decide()
    returns it."""

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
        """True when the proposed decision is approval (godkänd)."""
        return self.kind == DecisionKind.APPROVED


class _Plan:
    """Which requirements decide, by book index, worked out once per rulebook:
    the skall and bör in force, the same once proposals are adopted, and the
    proposals. itemgetters pick a centre's outcomes for each in one C call."""

    def __init__(self, requirements: Sequence[CompiledRequirement]):
        def chosen(keep: Callable[[CompiledRequirement], bool], modality: Modality) -> tuple[int, ...]:
            return tuple(i for i, r in enumerate(requirements) if keep(r) and r.modality is modality)

        def in_force(r: CompiledRequirement) -> bool:
            return r.in_force

        def adopted(r: CompiledRequirement) -> bool:
            return r.status != EXAMPLE

        self.requirements = tuple(requirements)
        self.in_force = (chosen(in_force, Modality.SHALL), chosen(in_force, Modality.SHOULD))
        self.adopted = (chosen(adopted, Modality.SHALL), chosen(adopted, Modality.SHOULD))
        self.proposals = tuple(i for i, r in enumerate(requirements) if r.status == PROPOSAL)
        self.pick = {indexes: _picker(indexes) for indexes in (*self.in_force, *self.adopted, self.proposals)}
        # Every requirement that can ground a decision: most centres have none of them undecided.
        self.pick_any = _picker(tuple(sorted({*self.in_force[0], *self.in_force[1], *self.proposals})))


def _picker(indexes: tuple[int, ...]) -> Callable[[Sequence[Outcome]], tuple[Outcome, ...]]:
    if not indexes:
        return lambda outcomes: ()
    get = operator.itemgetter(*indexes)
    if len(indexes) == 1:
        return lambda outcomes: (get(outcomes),)
    return get  # a tuple for two or more indexes


def _plan(evaluation: Evaluation) -> _Plan:
    rulebook = evaluation.rulebook
    plan: _Plan | None = rulebook.runtime.get("decision_plan")
    if plan is None or plan.requirements is not rulebook.requirements:
        plan = rulebook.runtime["decision_plan"] = _Plan(rulebook.requirements)
    return plan


def decide(evaluation: Evaluation) -> Decision:
    """The proposed decision on the requirements in force, and beside it what
    it would be if the rulebook's proposals were adopted."""
    plan = _plan(evaluation)
    deciding = plan.pick_any(evaluation.outcomes)
    # Approved without remarks, adopted or not.
    if Outcome.NOT_MET not in deciding and Outcome.CANNOT_ASSESS not in deciding:
        return _APPROVED_IF_ADOPTED if plan.proposals else _APPROVED
    decision = _decide(evaluation, plan, *plan.in_force)
    if not plan.proposals:
        return decision
    outcomes = plan.pick[plan.proposals](evaluation.outcomes)
    undecided: tuple[RequirementResult, ...] = ()
    if Outcome.NOT_MET not in outcomes and Outcome.CANNOT_ASSESS not in outcomes:
        adopted = decision  # no proposal is in any of the lists: adopted, they would decide the same
    else:
        adopted = _decide(evaluation, plan, *plan.adopted)
        undecided = tuple(evaluation.result(i) for i, o in zip(plan.proposals, outcomes, strict=True)
                          if o is Outcome.NOT_MET or o is Outcome.CANNOT_ASSESS)
    return Decision(decision.kind, decision.reasons, decision.supplements, decision.missing, decision.remarks,
                    decision.unassessed_remarks, undecided, adopted)


# Decisions are never changed once decide() returns them, so the commonest
# two, approved without remarks (with the same if the proposals are adopted),
# are shared. (`in` on a tuple of outcomes, not a set: Enum's __hash__ is Python.)
_APPROVED = Decision(DecisionKind.APPROVED)
_APPROVED_IF_ADOPTED = Decision(DecisionKind.APPROVED, if_adopted=_APPROVED)


def _decide(evaluation: Evaluation, plan: _Plan, shall: tuple[int, ...], should: tuple[int, ...]) -> Decision:
    """The proposed decision for one set of requirements, by the rules in the
    module docstring: rejection, supplement request or approval. A centre
    that meets them all costs a few C calls; results are made only for the
    requirements that ground the decision."""
    shall_outcomes = plan.pick[shall](evaluation.outcomes)
    should_outcomes = plan.pick[should](evaluation.outcomes)
    failed = _with(evaluation, shall, shall_outcomes, Outcome.NOT_MET)
    unknown = _with(evaluation, shall, shall_outcomes, Outcome.CANNOT_ASSESS)
    remarks = _with(evaluation, should, should_outcomes, Outcome.NOT_MET)
    unassessed = _with(evaluation, should, should_outcomes, Outcome.CANNOT_ASSESS)
    if failed:
        kind = DecisionKind.REJECTION
    elif unknown:
        kind = DecisionKind.SUPPLEMENT_REQUEST
    elif not (remarks or unassessed):
        return _APPROVED
    else:
        kind = DecisionKind.APPROVED
    missing: dict[str, DataProblem] = {}
    for r in unknown:
        for p in r.problems:
            missing.setdefault(p.path, p)
    return Decision(kind, failed, unknown, tuple(missing.values()), remarks, unassessed)


def _with(evaluation: Evaluation, indexes: tuple[int, ...], outcomes: tuple[Outcome, ...],
          outcome: Outcome) -> tuple[RequirementResult, ...]:
    """The results, in book order, of the requirements at `indexes` that have `outcome`."""
    if outcome not in outcomes:  # the common case, without a pass over the requirements
        return ()
    return tuple(evaluation.result(i) for i, o in zip(indexes, outcomes, strict=True) if o is outcome)


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
