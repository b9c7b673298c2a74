"""The built wheel carries the grammar and templates and works from any directory."""

import json
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
    assert {"kokdsl/locale/sv/LC_MESSAGES/kokdsl.mo", "kokdsl/locale/en/LC_MESSAGES/kokdsl.mo"} <= set(names)
    shipped = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "rulebooks").rglob("*") if p.is_file())
    assert sorted(n.removeprefix("kokdsl/_data/") for n in names if n.startswith("kokdsl/_data/rulebooks/")) == shipped


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """The wheel installed alone into a folder, run from a directory outside the checkout."""
    target = tmp_path_factory.mktemp("site")
    # Install only the wheel itself; its dependencies are those of this interpreter.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    outside = tmp_path_factory.mktemp("elsewhere")
    env = dict(os.environ, PYTHONPATH=str(target), KOK_LANG="sv")
    where = subprocess.run([sys.executable, "-c", "import kokdsl; print(kokdsl.__file__)"], cwd=outside,
                           capture_output=True, text=True, env=env)
    assert where.stdout.startswith(str(target)), "the test must exercise the installed wheel, not the checkout"

    def kok(*args):
        return subprocess.run([str(target / "bin" / "kok"), *map(str, args)], cwd=outside, capture_output=True,
                              text=True, env=env)

    kok.target, kok.cwd = target, outside
    return kok


def test_installed_wheel_checks_a_rulebook_from_another_directory(installed, tmp_path):
    rulebook = tmp_path / "2025.kok"
    shutil.copy(ROOT / "rulebooks/orebro/2025.kok", rulebook)
    check = installed("check", rulebook)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "inga fel" in check.stdout
    english = installed("check", rulebook, "--lang", "en")  # the compiled catalogues ship in the wheel
    assert english.returncode == 0 and "no errors" in english.stdout, english.stdout + english.stderr


def test_installed_wheel_lists_and_runs_the_shipped_rulebooks_by_name(installed):
    assert not (installed.cwd / "rulebooks").exists()
    listed = installed("rulebooks", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    entries = {e["name"]: e for e in json.loads(listed.stdout)["rulebooks"]}
    assert {"orebro/2024", "orebro/2025", "dalarna/2021"} <= set(entries)
    assert all(Path(e["file"]).is_relative_to(installed.target) for e in entries.values())
    check = installed("check", "orebro/2025")
    assert check.returncode == 0 and "inga fel" in check.stdout, check.stdout + check.stderr
    tests = installed("test", "orebro/2025", "--min-coverage", "100")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    run = installed("run", "orebro", ROOT / "examples/godkand.yaml", "--edition-for", "2025-03-01")
    assert run.returncode == 0, run.stdout + run.stderr


def test_installed_wheel_writes_the_self_report_form(installed, tmp_path):
    """The form's template, script, style and vendored YAML reader ship in the wheel."""
    out = tmp_path / "form.html"
    result = installed("form", ROOT / "rulebooks/orebro/2025.kok", "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    page = out.read_text(encoding="utf-8")
    assert "Spara egenrapport" in page and "window.kokForm" in page and "jsyaml" in page
