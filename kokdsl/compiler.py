"""Stage 2: AST -> CompiledRulebook, in two jobs, as Jinja separates its
identifier tracking from its code generator:

    checker.py   names, types and dependencies; every problem as a diagnostic
    closures.py  each checked expression as a closure (the reference semantics)
    codegen.py   the same semantics as generated Python, written when first needed

This module runs them in order and assembles the compiled rulebook.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from kokdsl import ast
from kokdsl.checker import CheckedPlausibility, CheckedRequirement, CheckedRulebook, check_rulebook
from kokdsl.closures import ClosureBuilder, unknown
from kokdsl.compiled import (
    Closure,
    CompiledPlausibility,
    CompiledRequirement,
    CompiledRulebook,
    LetterSettings,
    OutcomeFunction,
    signed_as_kind,
)
from kokdsl.diagnostics import Diagnostic, has_errors
from kokdsl.enums import Modality


class CompileResult:
    """The compiled rulebook and every diagnostic. The rulebook is there even
    when there are errors (for tooling), but must not be evaluated then."""

    def __init__(self, rulebook: CompiledRulebook, diagnostics: list[Diagnostic]):
        self.rulebook = rulebook
        self.diagnostics = diagnostics


def _review(tree: ast.Rulebook) -> str | None:
    texts = [item.text for item in tree.items if isinstance(item, ast.Review)]
    return "\n\n".join(texts) if texts else None


def _letters(tree: ast.Rulebook) -> LetterSettings:
    """The letter settings the rulebook gives (the checker has reported a duplicate or a bad value)."""
    given: dict[str, str | None] = {}
    for item in tree.items:
        if isinstance(item, ast.LetterSetting):
            match item.kind, item.values:
                case "sender", (region, unit, place):
                    given.update(region=region, unit=unit, place=place)
                case "sender_en", (region, unit):
                    given.update(region_en=region, unit_en=unit)
                case "signed_as", (word,):
                    given["signed_as"] = signed_as_kind(word) or "decision"
                case kind, (value,):
                    given[kind] = value
    return LetterSettings(**given)  # type: ignore[arg-type]


def compile_rulebook(tree: ast.Rulebook, source: str = "") -> CompileResult:
    """Check a parsed rulebook and build its checks; see CompileResult."""
    checked = check_rulebook(tree)
    # A rulebook with errors is never evaluated: its checks stay unbuilt.
    builder = None if has_errors(checked.diagnostics) else ClosureBuilder(checked.types, checked.resolved)
    requirements = tuple(_requirement(r, builder) for r in checked.requirements)
    header = checked.header
    compiled = CompiledRulebook(
        name=header.name, edition=header.edition, valid_from=header.valid_from, source=header.source,
        facts=tuple(checked.facts.values()), records=checked.records, requirements=requirements,
        chapters=tuple(checked.chapters), selection=header.selection, review=_review(tree),
        letters=_letters(tree), draft=header.draft, reconstruction=header.reconstruction,
        plausibilities=tuple(_plausibility(p, builder) for p in checked.plausibilities),
        sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(),
        file=tree.file, closures=builder.closures if builder else {}, types=checked.types,
        codegen=_codegen(requirements, checked),
    )
    return CompileResult(compiled, checked.diagnostics)


def _requirement(checked: CheckedRequirement, builder: ClosureBuilder | None) -> CompiledRequirement:
    req = checked.node
    condition_fn: Closure | None
    check_fn: Closure
    if builder is None:
        condition_fn, check_fn = (unknown if req.condition is not None else None), unknown
    else:
        condition_fn = builder.build(req.condition) if req.condition is not None else None
        check_fn = builder.build(req.check)
    return CompiledRequirement(
        id=req.id, title=req.title, modality=Modality(req.modality), text=req.text, chapter=checked.chapter,
        topic=req.topic, source=req.source, condition=req.condition, check=req.check,
        condition_fn=condition_fn, check_fn=check_fn, dependencies=checked.dependencies, span=req.span,
        status=req.status or ast.IN_FORCE, sources=req.sources, valid_from=req.valid_from, valid_to=req.valid_to,
        ground=req.ground, ground_en=req.ground_en, title_en=req.title_en, text_en=req.text_en,
    )


def _plausibility(checked: CheckedPlausibility, builder: ClosureBuilder | None) -> CompiledPlausibility:
    rule = checked.node
    if builder is None:
        return CompiledPlausibility(rule, unknown, checked.dependencies, checked.each, None)
    check_fn = builder.build(rule.check)
    body_fn = builder.closures[id(rule.check.body)] if isinstance(rule.check, ast.Quantifier) else None
    return CompiledPlausibility(rule, check_fn, checked.dependencies, checked.each, body_fn)


def _codegen(requirements: tuple[CompiledRequirement, ...], checked: CheckedRulebook) -> Callable[[], OutcomeFunction]:
    types, resolved = checked.types, checked.resolved

    def codegen() -> OutcomeFunction:
        from kokdsl.codegen import generate_outcomes

        return generate_outcomes(requirements, types, resolved)

    return codegen
