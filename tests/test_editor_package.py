"""The VS Code package builds: `vsce package` (npm's @vscode/vsce, which .ci/run
installs from the npm registry) turns editors/vscode into a .vsix without a
single warning: license, repository, publisher and .vscodeignore are there,
and the client ships bundled (esbuild, run by vsce as vscode:prepublish), not
as hundreds of node_modules files. Slow; skipped locally without vsce or the
package's node_modules, required under CI=true."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "editors" / "vscode"
UNDER_CI = bool(os.environ.get("CI"))


def _vsce() -> str | None:
    return shutil.which("vsce") or shutil.which("vsce", path=str(PACKAGE / "node_modules" / ".bin"))


def test_the_manifest_names_license_repository_publisher_and_what_ships():
    manifest = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    assert manifest["license"] == "MIT" and (PACKAGE / "LICENSE").is_file()
    assert manifest["publisher"] and manifest["repository"]["type"] == "git"
    assert manifest["main"] == "./dist/extension.js" and "vscode:prepublish" in manifest["scripts"]
    ignored = (PACKAGE / ".vscodeignore").read_text(encoding="utf-8").split()
    assert {"node_modules/**", "generate_grammar.py", "extension.js"} <= set(ignored)
    assert (PACKAGE / "package-lock.json").is_file()  # npm ci in CI installs exactly these


@pytest.mark.slow
def test_vsce_builds_the_vsix_without_warnings(tmp_path):
    vsce = _vsce()
    if vsce is None or not (PACKAGE / "node_modules").is_dir():
        if UNDER_CI:
            pytest.fail("vsce or editors/vscode/node_modules is missing (.ci/run installs both)")
        pytest.skip("vsce is not installed (npm install -g @vscode/vsce; npm ci --prefix editors/vscode)")
    target = tmp_path / "kok.vsix"
    done = subprocess.run([vsce, "package", "--out", str(target)], cwd=PACKAGE, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
    with zipfile.ZipFile(target) as vsix:
        names = set(vsix.namelist())
    assert {"extension/dist/extension.js", "extension/package.json", "extension/LICENSE.txt",
            "extension/syntaxes/kok.tmLanguage.json", "extension/language-configuration.json"} <= names
    assert not [n for n in names if "node_modules" in n or n.endswith(".py")]
