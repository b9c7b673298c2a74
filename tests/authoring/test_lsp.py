"""kok lsp, tested as an editor uses it: the server runs as a subprocess and
the test speaks LSP to it over stdio."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the lsp extra is part of the test extra")

from lsp_client import LspClient  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OREBRO = ROOT / "rulebooks" / "orebro" / "2025.kok"

BROKEN = '''regelbok "Prov (påhittad)" utgåva 2025

uppgift listade: heltal
  "Antal listade invånare."
uppgift vårdsamordnare: lista av person
  "Vårdcentralens vårdsamordnare."

post person:
  namn: text "Namn."
  utbildning: en av {gymnasial, högskola} "Högsta utbildningsnivå."

kapitel "Basuppdrag"

krav 1.1 "Listning" skall
  område tillgänglighet
  källa "Påhittad"
  """Minst 1000 listade."""
  listad >= 1000
'''
FIXED = BROKEN.replace("  listad >= 1000", "  listade >= 1000")


@pytest.fixture(scope="module")
def client():
    c = LspClient("--lang", "en")
    c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    c.notify("initialized", {})
    yield c
    c.close()


def open_document(client, uri: str, text: str, version: int = 1) -> list[dict]:
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "kok", "version": version,
                                                             "text": text}})
    return client.wait_for_diagnostics(uri, version)


def change_document(client, uri: str, text: str, version: int) -> list[dict]:
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                             "contentChanges": [{"text": text}]})
    return client.wait_for_diagnostics(uri, version)


def test_error_is_reported_at_its_range_then_cleared(client):
    uri = "file:///tmp/kok-lsp-test/broken.kok"
    diagnostics = open_document(client, uri, BROKEN)
    errors = [d for d in diagnostics if d["severity"] == 1]
    assert len(errors) == 1
    error = errors[0]
    assert error["range"] == {"start": {"line": 17, "character": 2}, "end": {"line": 17, "character": 8}}
    assert error["code"] == "compile.undefined_name" and "listade" in error["message"]

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": error["range"], "context": {"diagnostics": [error]}})
    assert actions[0]["title"] == "Change to “listade”"
    assert actions[0]["edit"]["changes"][uri] == [{"range": error["range"], "newText": "listade"}]

    diagnostics = change_document(client, uri, FIXED, 2)
    assert [d for d in diagnostics if d["severity"] == 1] == []


def test_lint_findings_come_with_their_codes(client):
    uri = "file:///tmp/kok-lsp-test/lint.kok"
    text = FIXED.replace('"""Minst 1000 listade."""', '"""Minst 2000 listade."""')
    codes = {d["code"] for d in open_document(client, uri, text)}
    assert {"KOK103", "KOK104"} <= codes


def test_hover_on_fact_requirement_keyword_and_field(client):
    uri = "file:///tmp/kok-lsp-test/hover.kok"
    open_document(client, uri, FIXED)

    def hover(line: int, character: int) -> str:
        result = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                       "position": {"line": line, "character": character}})
        return result["contents"]["value"] if result else ""

    assert hover(17, 4) == "**listade**: heltal (fact)\n\nAntal listade invånare."
    assert hover(13, 6).startswith("**1.1 Listning** (skall)\n\nMinst 1000 listade.")
    assert hover(13, 1) == "**krav** (keyword): a requirement: number, title, level, text and check"
    assert "field of the record person" in hover(9, 4)


def test_definition_of_a_fact_and_a_record(client):
    uri = "file:///tmp/kok-lsp-test/definition.kok"
    open_document(client, uri, FIXED)
    location = client.request("textDocument/definition", {"textDocument": {"uri": uri},
                                                          "position": {"line": 17, "character": 3}})
    assert location["uri"] == uri and location["range"]["start"]["line"] == 2
    location = client.request("textDocument/definition", {"textDocument": {"uri": uri},
                                                          "position": {"line": 4, "character": 35}})
    assert location["range"]["start"]["line"] == 7


def test_completion_offers_facts_fields_and_swedish_keywords_first(client):
    uri = "file:///tmp/kok-lsp-test/complete.kok"
    text = FIXED.replace("  listade >= 1000", "  alla v i vårdsamordnare: v.")
    open_document(client, uri, text)
    fields = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": 17, "character": 31}})
    assert sorted(i["label"] for i in fields["items"]) == ["namn", "utbildning"]
    everything = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                            "position": {"line": 17, "character": 2}})
    items = sorted(everything["items"], key=lambda i: i.get("sortText", i["label"]))
    labels = [i["label"] for i in items]
    assert labels[:2] == ["listade", "vårdsamordnare"]
    assert labels.index("alla") < labels.index("all") and labels.index("och") < labels.index("and")


def test_document_symbols_are_chapters_with_their_requirements(client):
    uri = OREBRO.as_uri()
    open_document(client, uri, OREBRO.read_text(encoding="utf-8"))
    symbols = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    from kokdsl.pipeline import load_rulebook

    rulebook = load_rulebook(OREBRO).rulebook
    assert [s["name"] for s in symbols] == [c.title for c in rulebook.chapters]
    first = rulebook.requirements[0]
    assert symbols[0]["children"][0]["name"] == f"{first.id} {first.title}"


def test_formatting_gives_the_kok_fmt_layout(client):
    from kokdsl.authoring.formatter import format_source
    from kokdsl.parser import parse

    uri = "file:///tmp/kok-lsp-test/format.kok"
    messy = FIXED.replace("uppgift listade: heltal", "uppgift   listade :   heltal").replace("  listade >= 1000",
                                                                                              "      listade>=1000")
    open_document(client, uri, messy)
    edits = client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                       "options": {"tabSize": 2, "insertSpaces": True}})
    assert len(edits) == 1
    assert edits[0]["newText"] == format_source(parse(FIXED).rulebook, FIXED)
    open_document(client, "file:///tmp/kok-lsp-test/formatted.kok", edits[0]["newText"])
    assert client.request("textDocument/formatting", {"textDocument": {"uri": "file:///tmp/kok-lsp-test/formatted.kok"},
                                                      "options": {"tabSize": 2, "insertSpaces": True}}) == []


def test_a_request_is_answered_while_a_large_book_is_being_linted(client):
    """Analysis runs off the request path: a hover on one document is answered
    before the diagnostics of a 3,000-requirement book opened just before it."""
    from bench.rulebook_gen import synthetic_rulebook

    small = "file:///tmp/kok-lsp-test/small.kok"
    open_document(client, small, FIXED)
    large = "file:///tmp/kok-lsp-test/large.kok"
    client.notify("textDocument/didOpen", {"textDocument": {"uri": large, "languageId": "kok", "version": 1,
                                                             "text": synthetic_rulebook(3000)}})
    hover = client.request("textDocument/hover", {"textDocument": {"uri": small},
                                                  "position": {"line": 2, "character": 10}})
    assert "listade" in hover["contents"]["value"]
    assert not [n for n in client.notifications if n["method"] == "textDocument/publishDiagnostics"
                and n["params"]["uri"] == large]
    assert any(d["code"] == "KOK104" for d in client.wait_for_diagnostics(large, 1))


def test_edits_made_during_an_analysis_are_analysed_once_more_at_the_end(client):
    uri = "file:///tmp/kok-lsp-test/edits.kok"
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "kok", "version": 1,
                                                             "text": BROKEN}})
    for version in range(2, 6):
        text = FIXED if version == 5 else BROKEN
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": text}]})
    assert [d for d in client.wait_for_diagnostics(uri, 5) if d["severity"] == 1] == []
