"""Whole outputs against reviewed golden files (regenerate: python tests/regen_golden.py)."""

import pytest
from golden_cases import all_cases, render_case

CASES = list(all_cases())


@pytest.mark.parametrize("golden,args", CASES, ids=[g.name for g, _ in CASES])
def test_output_matches_golden(golden, args):
    assert golden.exists(), f"missing golden file {golden}; run python tests/regen_golden.py"
    assert render_case(args) == golden.read_text(encoding="utf-8")
