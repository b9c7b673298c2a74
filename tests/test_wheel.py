"""The built wheel carries the grammar and templates and works from any directory."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from golden_cases import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: build with the hatchling already installed (no network needed).
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    [whl] = out.glob("kokdsl-*.whl")
    return whl


def test_wheel_contains_grammar_and_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "kokdsl/_data/grammar/kok.lark" in names
    assert "kokdsl/_data/grammar/keywords.yaml" in names
    assert any(n.startswith("kokdsl/_data/reports/") for n in names)


def test_installed_wheel_checks_a_rulebook_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    # Install only the wheel itself; its dependencies are those of this interpreter.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    rulebook = tmp_path / "2025.kok"
    shutil.copy(ROOT / "rulebooks/orebro/2025.kok", rulebook)
    env = dict(os.environ, PYTHONPATH=str(target))
    where = subprocess.run([sys.executable, "-c", "import kokdsl; print(kokdsl.__file__)"], cwd="/tmp",
                           capture_output=True, text=True, env=env)
    assert where.stdout.startswith(str(target)), "the test must exercise the installed wheel, not the checkout"
    check = subprocess.run([str(target / "bin" / "kok"), "check", str(rulebook)], cwd="/tmp",
                           capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "inga fel" in check.stdout
