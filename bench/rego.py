"""The OPA Rego baseline: bench/orebro_2025.rego through regopy's fast path, a
bundle built once (`Interpreter.build`) and queried per centre (`query_bundle`).

regopy is a bench-only dependency (the `bench` and `test` extras); importing
this module without it raises ImportError.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import regopy

from kokdsl.schedule import Schedule
from kokdsl.values import UNKNOWN, RecordValue

POLICY = Path(__file__).with_name("orebro_2025.rego")
QUERY = "result = data.kok.orebro2025.result"


def to_json_value(value):
    """A parsed fact as a JSON value: UNKNOWN -> null, Schedule -> week-minute
    intervals, set -> sorted list, Fraction -> number, records -> objects."""
    if value is UNKNOWN:
        return None
    if isinstance(value, Schedule):
        return [[start, end] for start, end in value.intervals]
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, tuple):
        return [{name: to_json_value(v) for name, v in item.fields.items()} for item in value]
    if isinstance(value, RecordValue):  # pragma: no cover - records only occur in lists
        return {name: to_json_value(v) for name, v in value.fields.items()}
    return value


def rego_input(facts: dict) -> dict:
    """The Rego input document for one centre's parsed facts."""
    return {name: to_json_value(value) for name, value in facts.items()}


class RegoBaseline:
    def __init__(self, policy: Path = POLICY):
        builder = regopy.Interpreter()
        builder.add_module(policy.name, policy.read_text(encoding="utf-8"))
        self.bundle = builder.build(QUERY)
        if not self.bundle.ok():
            raise RuntimeError(f"regopy could not build a bundle from {policy}")
        self.interpreter = regopy.Interpreter()

    @staticmethod
    def prepare(facts: dict) -> regopy.Input:
        """The input converted to regopy's own representation (done while loading)."""
        return regopy.Input(rego_input(facts))

    def assess(self, prepared: regopy.Input) -> dict:
        """{"outcomes": {id: outcome}, "decision": kind} for one centre."""
        self.interpreter.set_input(prepared)
        output = self.interpreter.query_bundle(self.bundle)
        if not output.ok():
            raise RuntimeError(f"regopy query failed: {output}")
        return output.results[0].bindings["result"]
