"""Every case of the hostile-input corpus (tests/hostile/*/case.yaml) through
the `kok` command in a subprocess, under a memory and a CPU-time limit: the
expected exit code and the whole expected message, never a traceback, never
an internal error (exit 3), never a limit exceeded."""

from __future__ import annotations

import pytest
from hostile_corpus import CASE_KEYS, case_names, load_case, problems, run_case


@pytest.fixture(scope="module")
def parser_cache(tmp_path_factory):
    # One cache for every case: the parser tables are built once, not per case.
    return tmp_path_factory.mktemp("cache")


@pytest.mark.slow  # a subprocess per case: about a minute in all
@pytest.mark.parametrize("name", case_names())
def test_hostile_case(name, tmp_path, parser_cache):
    case = load_case(name)
    work = tmp_path / "work"
    work.mkdir()
    outcome = run_case(case, work, parser_cache)
    found = problems(case, outcome, work)
    assert not found, f"{name}: " + "\n".join(found)


def test_corpus_is_not_empty_and_every_case_is_well_formed():
    names = case_names()
    assert len(names) >= 10
    for name in names:
        case = load_case(name)
        assert case.exit in (0, 1, 2), name
        assert case.argv, name
    assert {"argv", "exit", "stderr"} <= CASE_KEYS
