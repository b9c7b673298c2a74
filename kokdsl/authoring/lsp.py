"""`kok lsp`: a language server for rulebooks, over stdio (pygls, lsprotocol).

What an editor gets as the policy writer types: the diagnostics of `kok check`
and `kok lint` with the same codes; hover (a fact's type and description, a
requirement's title and text, a keyword's meaning); go to definition of facts,
records and fields; completion of facts, record fields and keywords (Swedish
first); document symbols (chapters and their requirements); formatting as
`kok fmt` does it; and a quick fix for a misspelt name ("menade du …").

Needs the optional extra: pip install 'kokdsl[lsp]'. Columns are counted in
code points, which equals the UTF-16 count LSP asks for in every rulebook
written in Swedish or English (no characters outside the BMP).

Analyses run in a worker thread, off the request path (KokLanguageServer), so
a long lint never holds up a hover. (Over 400 lines: every feature reads the
same Analysis, and the server that keeps it current is its other half.)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import attrs
from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from kokdsl import __version__, ast
from kokdsl.compiled import CompiledRulebook
from kokdsl.diagnostics import Diagnostic, source_lines_of
from kokdsl.messages import has_message, message
from kokdsl.values import quoted

_WORD = re.compile(r"[\w.]+")


@attrs.frozen
class Analysis:
    """What the server knows about one open document."""

    text: str  # the document's text as the editor sent it
    source: str  # as the parser read it (normalised)
    tree: ast.Rulebook
    compiled: CompiledRulebook | None
    diagnostics: tuple[Diagnostic, ...]
    lang: str  # the keyword language the file is written in


def analyse(source: str, path: str, lint: bool = True,
            kept: dict[tuple[int, str], ast.Item] | None = None) -> Analysis:
    """Parse and compile once, then lint what compiled (lint=False: the
    diagnostics of `kok check` only). kept: the document's declarations parsed
    before (parser.parse), so that an edit reparses only what it changed."""
    from kokdsl.authoring.formatter import source_language
    from kokdsl.authoring.lint import lint_tree
    from kokdsl.pipeline import check_rulebook_tree

    loaded, tree = check_rulebook_tree(source, path, kept)
    diagnostics = list(loaded.diagnostics)
    if lint and loaded.rulebook is not None:
        tests_beside = path if Path(path).is_file() else None
        diagnostics += lint_tree(tree, loaded.source, path, loaded.rulebook, test_files_for=tests_beside).diagnostics
    return Analysis(source, loaded.source, tree, loaded.rulebook, tuple(diagnostics),
                    source_language(tree, loaded.source))


def path_of(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


# -- conversions --------------------------------------------------------------------------


def to_range(span: ast.Span | None, source: str) -> lsp.Range:
    if span is None or span.line <= 0:
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    start = lsp.Position(span.line - 1, span.column - 1)
    if (span.end_line, span.end_column) > (span.line, span.column):
        return lsp.Range(start, lsp.Position(span.end_line - 1, span.end_column - 1))
    # A point: widen it to the word there, so the editor has something to underline.
    lines = source_lines_of(source)
    text = lines[span.line - 1] if span.line <= len(lines) else ""
    match = re.compile(r"\w+").match(text, span.column - 1)
    end = match.end() if match else min(len(text), span.column)
    return lsp.Range(start, lsp.Position(span.line - 1, max(end, span.column - 1)))


def to_lsp_diagnostic(diag: Diagnostic, source: str, lang: str) -> lsp.Diagnostic:
    from kokdsl.authoring.lint import rule_code

    text = diag.text(lang)
    if diag.params.get("hint_code"):
        text += "\n" + message(diag.params["hint_code"], lang, **diag.params)
    severity = lsp.DiagnosticSeverity.Error if diag.is_error else lsp.DiagnosticSeverity.Warning
    return lsp.Diagnostic(range=to_range(diag.span, source), message=text, severity=severity,
                          code=rule_code(diag), source="kok", data=_suggestion(diag))


def _suggestion(diag: Diagnostic) -> dict[str, str] | None:
    """A replacement for a misspelt name, kept on the diagnostic for the quick fix."""
    if "suggestion" not in diag.params or diag.params.get("hint_code") != "hint.did_you_mean":
        return None
    written = diag.params.get("name") or diag.params.get("value")
    return {"written": written, "suggestion": diag.params["suggestion"]} if written else None


def word_at(source: str, position: lsp.Position) -> tuple[str, int] | None:
    """The identifier or requirement number under the cursor, and its start column."""
    lines = source_lines_of(source)
    if position.line >= len(lines):
        return None
    text = lines[position.line]
    for match in _WORD.finditer(text):
        if match.start() <= position.character <= match.end():
            word = match.group()
            # x.field: the part under the cursor
            offset = match.start()
            for part in word.split("."):
                if offset <= position.character <= offset + len(part) and not re.fullmatch(r"[\d.]+[a-z]?", word):
                    return part, offset
                offset += len(part) + 1
            return word, match.start()
    return None


# -- what a name is ----------------------------------------------------------------------


def _facts(analysis: Analysis) -> dict[str, ast.FactDecl]:
    return {i.name: i for i in analysis.tree.items if isinstance(i, ast.FactDecl)}


def _records(analysis: Analysis) -> dict[str, ast.RecordDecl]:
    return {i.name: i for i in analysis.tree.items if isinstance(i, ast.RecordDecl)}


def _requirements(analysis: Analysis) -> dict[str, ast.Requirement]:
    return {i.id: i for i in analysis.tree.items if isinstance(i, ast.Requirement)}


def _keyword_concept(word: str) -> str | None:
    from kokdsl.parser import keywords

    folded = word.casefold()
    for concept, spellings in keywords().items():
        if any(folded == s.casefold() for lang in spellings for s in spellings[lang]):
            return concept
    return None


def _type_text(t: ast.TypeExpr, lang: str) -> str:
    """A declared type on one line: values without their display names."""
    from kokdsl.authoring.formatter import format_type

    return format_type(attrs.evolve(t, value_names=()), lang)


def _shown(display: ast.DisplayName, lang: str) -> str:
    return display.en if lang == "en" and display.en else display.sv


def hover_text(analysis: Analysis, position: lsp.Position, lang: str) -> str | None:
    found = word_at(analysis.source, position)
    if found is None:
        return None
    word, _ = found
    facts, records, requirements = _facts(analysis), _records(analysis), _requirements(analysis)
    if word in facts:
        fact = facts[word]
        head = f"**{fact.name}**: {_type_text(fact.type, analysis.lang)} ({message('lsp.fact', lang)})"
        return head + (f"\n\n{fact.doc}" if fact.doc else "")
    if word in records:
        record = records[word]
        fields = "\n".join(f"- `{f.name}`: {_type_text(f.type, analysis.lang)}" + (f" – {f.doc}" if f.doc else "")
                           for f in record.fields)
        shown = f" {quoted(_shown(record.display, lang), lang)}" if record.display else ""
        return f"**{record.name}**{shown} ({message('lsp.record', lang)})\n\n{fields}"
    if word in requirements:
        req = requirements[word]
        return f"**{req.id} {req.title}** ({req.modality})" + (f"\n\n{_reflow(req.text)}" if req.text else "")
    for record in records.values():
        for f in record.fields:
            if f.name == word:
                return (f"**{f.name}**: {_type_text(f.type, analysis.lang)} "
                        f"({message('lsp.field', lang, record=record.name)})" + (f"\n\n{f.doc}" if f.doc else ""))
    concept = _keyword_concept(word)
    if concept is not None and has_message(f"keyword.{concept}"):
        return f"**{word}** ({message('lsp.keyword', lang)}): {message(f'keyword.{concept}', lang)}"
    return None


def _reflow(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())


def definition(analysis: Analysis, position: lsp.Position, uri: str) -> lsp.Location | None:
    found = word_at(analysis.source, position)
    if found is None:
        return None
    word, _ = found
    target: ast.FactDecl | ast.RecordDecl | ast.FieldDecl | None = _facts(analysis).get(word) or \
        _records(analysis).get(word)
    if target is None:
        target = next((f for r in _records(analysis).values() for f in r.fields if f.name == word), None)
    if target is None:
        return None
    return lsp.Location(uri, to_range(target.span, analysis.source))


# -- completion ----------------------------------------------------------------------------


def completions(analysis: Analysis, position: lsp.Position) -> list[lsp.CompletionItem]:
    from kokdsl.parser import keywords

    lines = source_lines_of(analysis.source)
    line = lines[position.line] if position.line < len(lines) else ""
    before = line[:position.character]
    records = _records(analysis)
    dotted = re.search(r"(\w+)\.(\w*)$", before)
    if dotted:
        fields = _fields_for(analysis, dotted.group(1), position) or [f for r in records.values() for f in r.fields]
        return [lsp.CompletionItem(f.name, kind=lsp.CompletionItemKind.Field, detail=_type_text(f.type, analysis.lang),
                                   documentation=f.doc) for f in dict((f.name, f) for f in fields).values()]
    items = [lsp.CompletionItem(f.name, kind=lsp.CompletionItemKind.Variable,
                                detail=_type_text(f.type, analysis.lang), documentation=f.doc, sort_text=f"0{f.name}")
             for f in _facts(analysis).values()]
    items += [lsp.CompletionItem(r.name, kind=lsp.CompletionItemKind.Struct, sort_text=f"1{r.name}")
              for r in records.values()]
    for concept, spellings in keywords().items():
        meaning = message(f"keyword.{concept}", "sv") if has_message(f"keyword.{concept}") else None
        # Swedish spellings first, then English: the sort text ranks them.
        for rank, lang in enumerate(("sv", "en")):
            for word in spellings.get(lang, []):
                items.append(lsp.CompletionItem(word, kind=lsp.CompletionItemKind.Keyword, detail=meaning,
                                                sort_text=f"{2 + rank}{word}"))
    return items


def _fields_for(analysis: Analysis, variable: str, position: lsp.Position) -> list[ast.FieldDecl]:
    """The fields of `v` in `alla v i vårdsamordnare: v.…`: the record of the
    list the variable runs over, found in the text before the cursor."""
    text = "\n".join(source_lines_of(analysis.source)[:position.line + 1])
    bindings = re.findall(rf"\b{re.escape(variable)}\s+(?:i|in)\s+(\w+)", text)
    facts, records = _facts(analysis), _records(analysis)
    for name in (variable, bindings[-1] if bindings else None):
        record = facts[name].type.record if name in facts else None
        if record is not None and record in records:
            return list(records[record].fields)
    return []


# -- symbols, formatting, quick fix --------------------------------------------------------


def symbols(analysis: Analysis) -> list[lsp.DocumentSymbol]:
    out: list[lsp.DocumentSymbol] = []
    chapter: lsp.DocumentSymbol | None = None
    children: list[lsp.DocumentSymbol] = []
    for item in analysis.tree.items:
        if isinstance(item, ast.Chapter):
            rng = to_range(item.span, analysis.source)
            children = []
            chapter = lsp.DocumentSymbol(name=item.title, kind=lsp.SymbolKind.Namespace, range=rng,
                                         selection_range=rng, children=children)
            out.append(chapter)
        elif isinstance(item, ast.Requirement):
            symbol = lsp.DocumentSymbol(name=f"{item.id} {item.title}", kind=lsp.SymbolKind.Class,
                                        detail=item.modality, range=to_range(item.span, analysis.source),
                                        selection_range=to_range(item.id_span, analysis.source))
            if chapter is not None:
                children.append(symbol)
                chapter.range = lsp.Range(chapter.range.start, symbol.range.end)
            else:
                out.append(symbol)
    return out


def formatting(analysis: Analysis) -> list[lsp.TextEdit]:
    from kokdsl.authoring.formatter import format_source
    from kokdsl.diagnostics import has_errors

    if has_errors(analysis.diagnostics):
        return []  # never rewrite a file we could not read whole
    formatted = format_source(analysis.tree, analysis.source, analysis.lang)
    if formatted == analysis.source:
        return []
    lines = source_lines_of(analysis.source)
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines) - 1, len(lines[-1])))
    return [lsp.TextEdit(whole, formatted)]


def quick_fixes(uri: str, diagnostics: list[lsp.Diagnostic], lang: str) -> list[lsp.CodeAction]:
    out = []
    for diag in diagnostics:
        data = diag.data if isinstance(diag.data, dict) else None
        if not data or "suggestion" not in data:
            continue
        edit = lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(diag.range, data["suggestion"])]})
        out.append(lsp.CodeAction(title=message("lsp.did_you_mean", lang, suggestion=data["suggestion"]),
                                  kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag], edit=edit,
                                  is_preferred=True))
    return out


# -- the server ------------------------------------------------------------------------------


class KokLanguageServer(LanguageServer):
    """Analyses run off the request path: an edit schedules one in a worker
    thread, and every request answers at once from the latest analysis. Edits
    that arrive while a document is being analysed are folded into one more
    run, on the text as it is then, so a long lint never queues up behind
    itself and never holds up a hover or a completion."""

    def __init__(self, lang: str = "sv"):
        super().__init__("kok", __version__)
        self.lang = lang
        self.analyses: dict[str, Analysis] = {}
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kok-analysis")
        self.running: dict[str, asyncio.Task[None]] = {}  # uri -> its analysis loop
        self.stale: set[str] = set()  # edited since its running analysis started
        self.parsed: dict[str, dict[tuple[int, str], ast.Item]] = {}  # uri -> its declarations (worker only)

    def schedule(self, uri: str) -> None:
        """Analyse uri again soon (off the request path) and publish its diagnostics."""
        self.stale.add(uri)
        if uri not in self.running:
            self.running[uri] = asyncio.get_running_loop().create_task(self._analyse_until_current(uri))

    async def _analyse_until_current(self, uri: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while uri in self.stale:
                self.stale.discard(uri)
                source, version = self.text_of(uri)
                kept = self.parsed.setdefault(uri, {})
                analysis = await loop.run_in_executor(self.executor, analyse, source, path_of(uri), True, kept)
                if unquote(uri) not in self.workspace.text_documents:
                    return  # closed meanwhile
                if uri in self.stale:
                    continue  # edited meanwhile: the next run publishes
                self.analyses[uri] = analysis
                self.publish(uri, analysis, version)
        finally:
            del self.running[uri]

    def publish(self, uri: str, analysis: Analysis, version: int | None) -> None:
        diagnostics = [to_lsp_diagnostic(d, analysis.source, self.lang) for d in analysis.diagnostics
                       if d.span is None or d.span.file == path_of(uri)]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def analysis(self, uri: str) -> Analysis:
        """The latest analysis of uri, which may lag an edit the worker is still
        analysing. Before the first one is done, the document is parsed here
        (no lint), so that a request never waits for a lint run."""
        found = self.analyses.get(uri)
        if found is None:
            found = analyse(self.text_of(uri)[0], path_of(uri), lint=False)
        return found

    def current(self, uri: str) -> Analysis:
        """An analysis of the text as it is now (for formatting, which edits it): the
        latest, if the worker has caught up, else a parse here (no lint)."""
        text = self.text_of(uri)[0]
        found = self.analyses.get(uri)
        if found is not None and found.text == text:
            return found
        return analyse(text, path_of(uri), lint=False)

    def text_of(self, uri: str) -> tuple[str, int | None]:
        """The text and version of a document the editor opened; an empty text
        for any other. pygls would read an unopened one from disk, and the name
        may be a FIFO or /dev/zero (issue 22)."""
        if unquote(uri) not in self.workspace.text_documents:
            return "", None
        document = self.workspace.get_text_document(uri)
        return document.source, document.version

    def forget(self, uri: str) -> None:
        self.analyses.pop(uri, None)
        self.stale.discard(uri)
        if uri not in self.running:  # else the worker still uses it; it is dropped at the next open
            self.parsed.pop(uri, None)


def build_server(lang: str = "sv") -> KokLanguageServer:
    server = KokLanguageServer(lang)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: KokLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: KokLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: KokLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KokLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: KokLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        text = hover_text(ls.analysis(params.text_document.uri), params.position, ls.lang)
        if text is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def goto_definition(ls: KokLanguageServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        return definition(ls.analysis(params.text_document.uri), params.position, params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
    def complete(ls: KokLanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        items = completions(ls.analysis(params.text_document.uri), params.position)
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(ls: KokLanguageServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        return symbols(ls.analysis(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def format_document(ls: KokLanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
        return formatting(ls.current(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def code_action(ls: KokLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return quick_fixes(params.text_document.uri, list(params.context.diagnostics), ls.lang)

    return server


def serve(lang: str = "sv") -> None:
    from kokdsl.authoring.lsp_stream import run_stdio

    run_stdio(build_server(lang), lang)  # pygls's own stdio loop trusts every header (see lsp_stream)
