"""The VS Code package: its TextMate grammar knows every keyword the parser
knows, and its client starts `kok lsp`."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VSCODE = ROOT / "editors" / "vscode"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_grammar", VSCODE / "generate_grammar.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_grammar_is_generated_from_the_keyword_table():
    shipped = (VSCODE / "syntaxes" / "kok.tmLanguage.json").read_text(encoding="utf-8")
    assert shipped == _generator().render(), "run: python editors/vscode/generate_grammar.py"


def test_every_keyword_spelling_is_highlighted():
    import yaml

    grammar = json.loads((VSCODE / "syntaxes" / "kok.tmLanguage.json").read_text(encoding="utf-8"))
    patterns = [p["match"] for p in grammar["patterns"] if p.get("name", "").endswith(".kok") and "match" in p]
    table = yaml.safe_load((ROOT / "grammar" / "keywords.yaml").read_text(encoding="utf-8"))
    for spellings in table.values():
        for word in (w for lang in ("sv", "en") for w in spellings[lang]):
            alternative = r"\s+".join(re.escape(part) for part in word.split())
            assert any(f"|{alternative}|" in p.replace("(?:", "|").replace(")(?!", "|") for p in patterns), word


def test_the_client_starts_kok_lsp_for_kok_files():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    assert package["contributes"]["languages"][0]["extensions"] == [".kok"]
    assert package["contributes"]["configuration"]["properties"]["kok.command"]["default"] == ["kok", "lsp"]
    assert "vscode-languageclient" in package["dependencies"]
    assert 'require("vscode-languageclient/node")' in (VSCODE / "extension.js").read_text(encoding="utf-8")
