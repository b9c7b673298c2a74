"""`kok lint`: the requirement text and its check stay one.

A rulebook can be free of errors and still say one thing in its text and
check another. Lint compares the two (modality, numbers, the facts the check
reads, the base of a percentage), flags wording no check can decide, and
checks provenance and completeness (source, topic, rule tests, descriptions,
chapters, numbering).

Every finding has a stable code (KOK1xx, listed in RULES) and is a Diagnostic
whose message code is "lint.KOK1xx", so terminal, JSON, SARIF and the
language server show the same thing. A requirement silences a finding it has
judged with `tyst KOK103 "reason"`; a silence that no longer matches anything
is itself a finding, so silences cannot go stale unnoticed.

(Longer than our usual 400 lines on purpose: each rule is a small function
beside its code in RULES, and splitting them over modules would separate a
rule from the table that documents it.)

    lint_source(source, path) -> LintResult
"""

from __future__ import annotations

import bisect
import datetime
import functools
import re
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import yaml

from kokdsl import ast
from kokdsl.authoring.unparse import expr_text
from kokdsl.collector import collector_paused
from kokdsl.compiled import CompiledRulebook
from kokdsl.compiler import compile_rulebook
from kokdsl.diagnostics import ERROR, WARNING, Diagnostic, has_errors, sort_key
from kokdsl.parser import parse
from kokdsl.resources import data_dir

# code -> (rule name, severity). Codes are stable: never reuse or renumber.
RULES: dict[str, tuple[str, str]] = {
    "KOK101": ("bor-text-says-shall", ERROR),
    "KOK102": ("skall-text-says-only-should", ERROR),
    "KOK103": ("text-number-not-in-check", ERROR),
    "KOK104": ("check-number-not-in-text", ERROR),
    "KOK105": ("fact-not-in-text", WARNING),
    "KOK106": ("percentage-base-differs", WARNING),
    "KOK107": ("vague-wording", WARNING),
    "KOK108": ("no-source", WARNING),
    "KOK109": ("no-status", WARNING),
    "KOK110": ("source-after-validity", WARNING),
    "KOK111": ("no-rule-test", WARNING),
    "KOK112": ("missing-met-or-not-met-case", WARNING),
    "KOK113": ("fact-without-description", WARNING),
    "KOK114": ("requirement-without-topic", WARNING),
    "KOK115": ("empty-chapter", WARNING),
    "KOK116": ("requirement-out-of-order", WARNING),
    "KOK117": ("requirement-without-text", WARNING),
    "KOK118": ("rulebook-without-rule-tests", WARNING),
    "KOK119": ("rule-tests-unusable", ERROR),
    "KOK120": ("part-whole-without-plausibility", WARNING),
    "KOK190": ("unused-silence", WARNING),
    "KOK191": ("unknown-code-silenced", ERROR),
}

SHALL_WORDS = {"ska", "skall", "shall", "must"}
SHOULD_WORDS = {"bör", "should"}

# Spelled-out numbers, for a check literal the text writes in words ("minst en").
NUMBER_WORDS = {
    "noll": 0, "en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8,
    "nio": 9, "tio": 10, "elva": 11, "tolv": 12, "hälften": Fraction(1, 2),
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "half": Fraction(1, 2),
}
# Numbers that are names in Swedish health care, not quantities: 1177 Vårdguiden, 112.
NUMBERS_THAT_ARE_NAMES = {"1177", "112"}

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_SECTION_NUMBER = re.compile(r"\b\d+(?:\.\d+){2,}\b")  # 2.1.4: a requirement number, not a quantity
# 45, 6 500 (Swedish thousands), 2,5 or 2.5; then maybe a percent sign or word.
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.](\d+))?(?![\w])(\s*(?:%|procent\b|percent\b))?"
)
_WORD = re.compile(r"\w+")


@attrs.frozen
class LintResult:
    path: str
    source: str
    diagnostics: tuple[Diagnostic, ...]  # compile errors, or lint findings
    silenced: tuple[tuple[Diagnostic, str], ...] = ()  # (finding, the reason given)

    @property
    def findings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.code.startswith("lint."))

    @property
    def unusable(self) -> bool:
        return has_errors(d for d in self.diagnostics if not d.code.startswith("lint."))


def rule_code(diag: Diagnostic) -> str:
    """KOK103 for a lint finding, the message code for any other diagnostic."""
    return diag.code.removeprefix("lint.")


def lint_file(path: str | Path, extra_vague: tuple[str, ...] = ()) -> LintResult:
    from kokdsl.pipeline import read_rulebook

    source, problems = read_rulebook(path)
    if source is None:
        return LintResult(str(path), "", problems)
    return lint_source(source, str(path), extra_vague, test_files_for=path)


def lint_source(source: str, path: str = "<string>", extra_vague: tuple[str, ...] = (),
                test_files_for: str | Path | None = None) -> LintResult:
    """Lint one rulebook. A rulebook with errors gets its errors instead: the
    text-check comparisons need a tree that compiles."""
    with collector_paused():
        return _lint_source(source, path, extra_vague, test_files_for)


def _lint_source(source: str, path: str, extra_vague: tuple[str, ...],
                 test_files_for: str | Path | None) -> LintResult:
    parsed = parse(source, path)
    compiled = compile_rulebook(parsed.rulebook, parsed.source)
    problems = [*parsed.diagnostics, *compiled.diagnostics]
    if has_errors(problems) or compiled.rulebook is None:
        return LintResult(path, parsed.source, tuple(sorted((d for d in problems if d.is_error), key=sort_key)))
    return lint_tree(parsed.rulebook, parsed.source, path, compiled.rulebook, extra_vague, test_files_for)


def lint_tree(tree: ast.Rulebook, source: str, path: str, rulebook: CompiledRulebook,
              extra_vague: tuple[str, ...] = (), test_files_for: str | Path | None = None) -> LintResult:
    """Lint a rulebook already parsed and compiled without errors (its
    normalised source, its tree and what compiling it gave)."""
    with collector_paused():
        linter = _Linter(tree, source, path, rulebook,
                         vague_phrases(Path(path).parent if test_files_for else None) + tuple(extra_vague))
        findings = linter.run(test_files_for)
    silenced = tuple(sorted(linter.silenced, key=lambda pair: sort_key(pair[0])))
    return LintResult(path, source, tuple(sorted(findings, key=sort_key)), silenced)


def vague_phrases(region_folder: Path | None = None) -> tuple[str, ...]:
    """The shipped vague-word list, plus a region's own vague_words.yaml."""
    phrases = list(_read_phrases(data_dir("grammar") / "vague_words.yaml"))
    if region_folder is not None and (region_folder / "vague_words.yaml").is_file():
        phrases += _read_phrases(region_folder / "vague_words.yaml")
    return tuple(dict.fromkeys(phrases))


def read_phrase_file(path: str | Path) -> tuple[str, ...]:
    """A user's --vague-words file; KokError when it cannot be read as one."""
    from kokdsl.errors import KokError
    from kokdsl.reading import os_reason, read_bounded

    try:
        data = read_bounded(path, MAX_PHRASE_FILE_BYTES)
        if len(data) > MAX_PHRASE_FILE_BYTES:
            raise KokError("lint.bad_phrase_file", file=str(path), reason=f"> {MAX_PHRASE_FILE_BYTES} bytes")
        return tuple(_phrases(yaml.safe_load(data.decode("utf-8"))))
    except OSError as exc:
        raise KokError("lint.bad_phrase_file", file=str(path), reason=os_reason(exc)) from None
    except (UnicodeDecodeError, yaml.YAMLError, TypeError) as exc:
        raise KokError("lint.bad_phrase_file", file=str(path), reason=str(exc).splitlines()[0]) from None


MAX_PHRASE_FILE_BYTES = 1_000_000


def _read_phrases(path: Path) -> list[str]:
    return _phrases(yaml.safe_load(path.read_text(encoding="utf-8")))


def _phrases(data: Any) -> list[str]:
    """A list of phrases, or a mapping of language -> list, as in the shipped file."""
    data = data or []
    groups = data.values() if isinstance(data, dict) else [data]
    return [str(p).strip().casefold() for group in groups for p in (group or []) if str(p).strip()]


# -- the text of a requirement, with positions ---------------------------------


@attrs.frozen
class _Text:
    """A requirement's text block as written, and where it starts in the file."""

    raw: str
    offset: int


class _Positions:
    def __init__(self, source: str, file: str):
        self.file = file
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def span(self, start: int, end: int) -> ast.Span:
        return ast.Span(self.file, *self._line_col(start), *self._line_col(end))

    def _line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1  # the last line start at or before offset
        return line + 1, offset - self.line_starts[line] + 1


def _offset(positions: _Positions, span: ast.Span) -> int:
    return positions.line_starts[span.line - 1] + span.column - 1


def _text_of(req: ast.Requirement, source: str, positions: _Positions) -> _Text | None:
    """The raw text block of a requirement: of the \"\"\" blocks after its
    title (its English text and its `grund` are blocks too), the one that
    holds the requirement's text."""
    if req.text is None:
        return None
    wanted = req.text.split()
    start = source.find('"""', _offset(positions, req.span))
    while start >= 0:
        end = source.find('"""', start + 3)
        if end < 0:
            return None
        if source[start + 3:end].split() == wanted:
            return _Text(source[start + 3:end], start + 3)
        start = source.find('"""', end + 3)
    return None


# -- numbers --------------------------------------------------------------------


@attrs.frozen
class _Number:
    value: Fraction
    written: str
    start: int
    end: int


@functools.lru_cache(maxsize=1024)
def text_numbers(text: str) -> tuple[_Number, ...]:
    """Quantities written in a text: "45 timmar", "6 500", "90 %", "2,5".
    Dates and requirement numbers (2.1.4) are not quantities. Kept per text:
    several checks read a requirement's numbers, and many requirements read
    the same facts' descriptions."""
    masked = _SECTION_NUMBER.sub(lambda m: " " * len(m.group()), _DATE.sub(lambda m: " " * len(m.group()), text))
    out = []
    for match in _NUMBER.finditer(masked):
        whole, fraction, _percent = match.groups()
        digits = re.sub(r"\D", "", whole)
        value = Fraction(digits + ("." + fraction if fraction else ""))
        out.append(_Number(value, text[match.start():match.end()].strip(), match.start(), match.end()))
    return tuple(out)


def _literal_value(lit: ast.Literal) -> Fraction | None:
    """The number as the text would write it: 90 % is written 90."""
    if not isinstance(lit.value, int | Fraction) or isinstance(lit.value, bool):
        return None
    if lit.kind == "percent":
        return Fraction(lit.value) * 100
    if lit.kind in ("integer", "decimal"):
        return Fraction(lit.value)
    return None


def _bound_names(nodes: Iterable[object]) -> set[str]:
    return {n.var for n in nodes if isinstance(n, ast.Quantifier | ast.Sum | ast.Count) and n.var}


def _date(written: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(written)
    except ValueError:
        return None


def any_or_none_literals(node: object) -> list[ast.Literal]:
    """The 0 of `antal(x) > 0` and the 1 of `antal(x) >= 1`: "there is some",
    which a text says in words, not with a number."""
    if not isinstance(node, ast.Compare):
        return []
    out = []
    for count, lit, op in ((node.left, node.right, node.op), (node.right, node.left, _flip(node.op))):
        if isinstance(count, ast.Count) and isinstance(lit, ast.Literal) and lit.kind == "integer":
            if lit.value == 0 or (lit.value == 1 and op in (">=", "<")):
                out.append(lit)
    return out


def _flip(op: str) -> str:
    return {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)


def _display_number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return format(float(value), "g")


# -- words ------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _mentions(text_words: list[str], name: str) -> bool:
    """Does the text speak of the fact `name`? Each part of the name
    (öppettider, läkarbesök) is looked for as a word or a word's start, so
    inflections and compounds count: "öppet", "läkarbesöken", "jouråtagande"."""
    parts = [p.casefold() for p in name.split("_") if len(p) >= 3 and not p.isdigit()]
    return any(_word_match(word, part) for part in parts for word in text_words)


def _word_match(word: str, part: str) -> bool:
    common = 0
    for a, b in zip(word, part, strict=False):
        if a != b:
            break
        common += 1
    return common >= min(len(part), 5) and common >= min(len(word), 3)


def _share_of(expr: ast.Expr) -> ast.Expr | None:
    """The whole in `P % * whole` (or `whole * P %`), else None."""
    if isinstance(expr, ast.Arith) and expr.op == "*":
        for share, whole in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(share, ast.Literal) and share.kind == "percent":
                return whole
    return None


# -- the linter -------------------------------------------------------------------


class _Linter:
    def __init__(self, tree: ast.Rulebook, source: str, path: str, compiled: CompiledRulebook,
                 vague: tuple[str, ...]) -> None:
        self.tree = tree
        self.source = source
        self.path = path
        self.compiled = compiled
        self.positions = _Positions(source, path)
        self.vague = [re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, p.split())) + r"(?!\w)", re.IGNORECASE)
                      for p in vague]
        self.vague_words = vague
        self.facts = {f.name for f in compiled.facts}
        self.docs = {f.name: f.doc for f in compiled.facts}
        for record in compiled.records.values():
            self.docs.update({f.name: f.doc for f in record.fields if f.name not in self.docs})
        self.header = next((i for i in tree.items if isinstance(i, ast.Header)), None)
        self.silenced: list[tuple[Diagnostic, str]] = []
        self.walked: dict[int, list[Any]] = {}  # _nodes: the current requirement's expressions, walked
        # what each plausibility rule reads, found once for the whole book (KOK120)
        self.plausibility_reads = [self._references(i.check) for i in tree.items if isinstance(i, ast.Plausibility)]

    def run(self, test_files_for: str | Path | None) -> list[Diagnostic]:
        per_requirement: dict[str, list[Diagnostic]] = {}
        findings: list[Diagnostic] = []
        requirements = [i for i in self.tree.items if isinstance(i, ast.Requirement)]
        for req in requirements:
            per_requirement[req.id] = self._requirement(req)
        for req_id, problems in self._tests(requirements, test_files_for).items():
            per_requirement.setdefault(req_id, []).extend(problems)
        for req in requirements:
            findings += self._apply_silences(req, per_requirement.get(req.id, []))
        findings += per_requirement.get("", [])
        findings += self._facts() + self._chapters() + self._order(requirements)
        return findings

    def finding(self, rule: str, span: ast.Span, **params: object) -> Diagnostic:
        """A lint finding of `rule` at span, with the rule's own severity."""
        return Diagnostic(RULES[rule][1], f"lint.{rule}", params, span=span)

    # -- one requirement ------------------------------------------------------------

    def _nodes(self, expr: ast.Expr | None) -> list[Any]:
        """The nodes of one of the requirement's expressions, walked once for all its checks."""
        nodes = self.walked.get(id(expr))
        if nodes is None:
            nodes = self.walked[id(expr)] = list(ast.walk(expr))
        return nodes

    def _requirement(self, req: ast.Requirement) -> list[Diagnostic]:
        self.walked = {}  # by the expression's id: the requirement keeps each one alive while it is linted
        out: list[Diagnostic] = []
        text = _text_of(req, self.source, self.positions)
        if text is None:
            out.append(self.finding("KOK117", req.id_span, id=req.id))
        else:
            out += self._modality(req, text) + self._numbers(req, text) + self._facts_named(req, text)
            out += self._percentage_base(req, text) + self._vague(req, text)
        out += self._part_and_whole(req)
        if not req.sources:
            out.append(self.finding("KOK108", req.id_span, id=req.id))
        else:
            out += self._source_dates(req)
        if req.status is None:
            out.append(self.finding("KOK109", req.id_span, id=req.id))
        if req.topic is None:
            out.append(self.finding("KOK114", req.id_span, id=req.id))
        return out

    def _modality(self, req: ast.Requirement, text: _Text) -> list[Diagnostic]:
        words = set(_words(text.raw))
        says_shall, says_should = words & SHALL_WORDS, words & SHOULD_WORDS
        if req.modality == "bör" and says_shall:
            return [self.finding("KOK101", req.id_span, id=req.id, word=sorted(says_shall)[0])]
        if req.modality == "skall" and says_should and not says_shall:
            return [self.finding("KOK102", req.id_span, id=req.id, word=sorted(says_should)[0])]
        return []

    def _numbers(self, req: ast.Requirement, text: _Text) -> list[Diagnostic]:
        out = []
        nodes = [*self._nodes(req.condition), *self._nodes(req.check)]
        idioms = {id(lit) for n in nodes for lit in any_or_none_literals(n)}
        # Each number literal with its value, computed once: the value is never None here.
        literals = [(n, value) for n in nodes if isinstance(n, ast.Literal)
                    if (value := _literal_value(n)) is not None]
        check_values = {value for _, value in literals}
        # A number in the name or the description of what the check reads counts:
        # läkarbesök_inom_3_dagar speaks of 3 days, "de senaste 12 månaderna" of 12 months.
        names = {n.name for n in nodes if isinstance(n, ast.Name | ast.Field)}
        check_values |= {Fraction(d) for name in names for d in re.findall(r"\d+", name)}
        check_values |= {n.value for name in names for n in text_numbers(self.docs.get(name) or "")}
        literals = [(lit, value) for lit, value in literals if id(lit) not in idioms]
        written = text_numbers(text.raw)
        for number in written:
            if number.written in NUMBERS_THAT_ARE_NAMES:
                continue
            if number.value not in check_values:
                span = self.positions.span(text.offset + number.start, text.offset + number.end)
                out.append(self.finding("KOK103", span, id=req.id, number=number.written))
        text_values = {n.value for n in written} | {NUMBER_WORDS[w] for w in _words(text.raw) if w in NUMBER_WORDS}
        for lit, value in literals:
            if value not in text_values:
                shown = _display_number(value) + (" %" if lit.kind == "percent" else "")
                out.append(self.finding("KOK104", lit.span, id=req.id, number=shown))
        return out

    def _facts_named(self, req: ast.Requirement, text: _Text) -> list[Diagnostic]:
        """Facts the check reads that the text never speaks of (the applicability
        condition may read facts the text leaves to the chapter)."""
        words = _words(text.raw)
        bound = _bound_names(self._nodes(req.check))
        seen: set[str] = set()
        out = []
        for node in self._nodes(req.check):
            if isinstance(node, ast.Name) and node.name in self.facts and node.name not in bound:
                if node.name not in seen and not _mentions(words, node.name):
                    out.append(self.finding("KOK105", node.span, id=req.id, fact=node.name))
                seen.add(node.name)
        return out

    def _percentage_base(self, req: ast.Requirement, text: _Text) -> list[Diagnostic]:
        """ "90 % av patienterna" against `90 % * läkarbesök`: the text takes the
        share of one thing, the check of another."""
        out = []
        for node in self._nodes(req.check):
            if not (isinstance(node, ast.Arith) and node.op == "*"):
                continue
            for share, base in ((node.left, node.right), (node.right, node.left)):
                if not (isinstance(share, ast.Literal) and share.kind == "percent"):
                    continue
                value = _literal_value(share)
                base_names = [n.name for n in ast.walk(base) if isinstance(n, ast.Name | ast.Field)]
                for number in text_numbers(text.raw):
                    if number.value != value:
                        continue
                    after = re.match(r"\s*(?:av|of)\s+(?:the\s+)?(\w+)", text.raw[number.end:])
                    if after and base_names and not any(_mentions([after.group(1).casefold()], n)
                                                        for n in base_names):
                        span = self.positions.span(text.offset + number.end + after.start(1),
                                                   text.offset + number.end + after.end(1))
                        out.append(self.finding("KOK106", span, id=req.id, share=number.written,
                                                text_base=after.group(1), check_base=" + ".join(base_names)))
        return out

    def _part_and_whole(self, req: ast.Requirement) -> list[Diagnostic]:
        """`läkarbesök_inom_3_dagar >= 90 % * läkarbesök` takes a share of a
        whole: a self-report whose part exceeds its whole is a typing error,
        and only a plausibility rule (`rimlighet`) reading both keeps it from
        counting as met."""
        out = []
        rules = self.plausibility_reads
        for node in self._nodes(req.check):
            if not (isinstance(node, ast.Compare) and node.op in (">=", ">", "<=", "<")):
                continue
            for part, share in ((node.left, node.right), (node.right, node.left)):
                whole = _share_of(share)
                if whole is None:
                    continue
                part_refs, whole_refs = self._references(part), self._references(whole)
                if not part_refs or not whole_refs or part_refs == whole_refs:
                    continue
                if not any(part_refs | whole_refs <= refs for refs in rules):
                    out.append(self.finding("KOK120", node.span, id=req.id, part=expr_text(part),
                                            whole=expr_text(whole)))
        return out

    def _references(self, expr: ast.Expr) -> frozenset[str]:
        """The facts and record fields an expression reads, by name (loop variables left out)."""
        return frozenset(n.name for n in ast.walk(expr)
                         if isinstance(n, ast.Field) or (isinstance(n, ast.Name) and n.name in self.facts))

    def _vague(self, req: ast.Requirement, text: _Text) -> list[Diagnostic]:
        out = []
        taken: list[tuple[int, int]] = []
        for pattern in sorted(self.vague, key=lambda p: -len(p.pattern)):  # "i rimlig omfattning" before "rimlig"
            for match in pattern.finditer(text.raw):
                if any(s <= match.start() < e for s, e in taken):
                    continue
                taken.append((match.start(), match.end()))
                span = self.positions.span(text.offset + match.start(), text.offset + match.end())
                out.append(self.finding("KOK107", span, id=req.id, phrase=" ".join(match.group().split())))
        return out

    def _source_dates(self, req: ast.Requirement) -> list[Diagnostic]:
        """A source dated (`daterad`, or a date in its text) after the day the
        requirement takes effect cannot be what it was written from. A
        proposal never takes effect, so its sources may be of any date."""
        valid_from = req.valid_from or (self.header.valid_from if self.header else None)
        if valid_from is None or req.status == ast.PROPOSAL:
            return []
        out = []
        for source in req.sources:
            days = [source.date] if source.date else [_date(d) for d in _DATE.findall(source.text)]
            for day in days:
                if day is not None and day > valid_from:
                    span = source.span if source.span.line > 0 else req.id_span
                    out.append(self.finding("KOK110", span, id=req.id, date=day.isoformat(),
                                            valid_from=valid_from.isoformat()))
        return out

    # -- rule tests -----------------------------------------------------------------

    def _tests(self, requirements: list[ast.Requirement],
               test_files_for: str | Path | None) -> dict[str, list[Diagnostic]]:
        if test_files_for is None or not requirements:
            return {}
        from kokdsl.authoring.ruletest import find_test_files, run_tests
        from kokdsl.errors import RuleTestError

        files = find_test_files(test_files_for)
        header_span = self.header.span if self.header else requirements[0].span
        if not files:
            return {"": [self.finding("KOK118", header_span, expected=Path(test_files_for).stem + ".tests.yaml")]}
        try:
            run = run_tests(self.compiled, files)
        except RuleTestError as exc:
            problem = exc.diagnostic
            return {"": [self.finding("KOK119", header_span, file=problem.location(),
                                             problem=_Words(problem.code, problem.params))]}
        out: dict[str, list[Diagnostic]] = {}
        spans = {r.id: r.id_span for r in requirements}
        for req_id, missing in run.gaps():
            code = "KOK111" if len(missing) == 2 else "KOK112"
            out.setdefault(req_id, []).append(self.finding(
                code, spans[req_id], id=req_id, missing=_Words(f"outcome.{missing[0]}"), expected=files[0].name))
        return out

    # -- silences -------------------------------------------------------------------

    def _apply_silences(self, req: ast.Requirement, findings: list[Diagnostic]) -> list[Diagnostic]:
        silenced = {s.code.upper(): s for s in req.silenced}
        kept = [f for f in findings if rule_code(f) not in silenced]
        self.silenced += [(f, silenced[rule_code(f)].reason) for f in findings if rule_code(f) in silenced]
        found = {rule_code(f) for f in findings}
        for code, silence in silenced.items():
            if code not in RULES:
                kept.append(self.finding("KOK191", silence.span, id=req.id, silenced=silence.code))
            elif code not in found:
                kept.append(self.finding("KOK190", silence.span, id=req.id, silenced=code))
        return kept

    # -- the rulebook as a whole ---------------------------------------------------

    def _facts(self) -> list[Diagnostic]:
        out = []
        for item in self.tree.items:
            if isinstance(item, ast.FactDecl) and not (item.doc or "").strip():
                out.append(self.finding("KOK113", item.span, fact=item.name))
            elif isinstance(item, ast.RecordDecl):
                out += [self.finding("KOK113", f.span, fact=f"{item.name}.{f.name}")
                        for f in item.fields if not (f.doc or "").strip()]
        return out

    def _chapters(self) -> list[Diagnostic]:
        out = []
        items = [i for i in self.tree.items if isinstance(i, ast.Chapter | ast.Requirement)]
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            if isinstance(item, ast.Chapter) and not isinstance(following, ast.Requirement):
                out.append(self.finding("KOK115", item.span, title=item.title))
        return out

    def _order(self, requirements: list[ast.Requirement]) -> list[Diagnostic]:
        out = []
        for before, after in zip(requirements, requirements[1:], strict=False):
            if requirement_number_key(after.id) <= requirement_number_key(before.id):
                out.append(self.finding("KOK116", after.id_span, id=after.id, previous=before.id))
        return out


@attrs.frozen
class _Words:
    """A message inside a message (an outcome, a test file's problem), rendered
    in the outer message's language."""

    code: str
    params: dict[str, object] = attrs.field(factory=dict, hash=False)

    def render(self, lang: str) -> str:
        from kokdsl.messages import message

        return message(self.code, lang, **self.params)


def requirement_number_key(req_id: str) -> tuple[tuple[int, ...], str]:
    """2.1.4 < 2.1.10 < 2.2; a letter suffix (6.4a) after the bare number."""
    match = re.fullmatch(r"([\d.]+?)([a-z]?)", req_id)
    if match is None:
        return ((), req_id)
    return (tuple(int(p) for p in match.group(1).split(".") if p), match.group(2))


# -- output -------------------------------------------------------------------------


def rule_names() -> dict[str, str]:
    """Each lint code's short rule name (for SARIF's rule list)."""
    return {code: name for code, (name, _) in RULES.items()}


def format_finding(diag: Diagnostic, source: str, lang: str) -> str:
    """Like a compiler message, with the lint code after the severity."""
    from kokdsl.diagnostics import format_diagnostic

    return format_diagnostic(diag, lang, source, rule_code(diag) if diag.code.startswith("lint.") else None)


def as_json(results: list[LintResult], lang: str) -> dict[str, object]:
    """`kok lint --format json`: every finding of every rulebook, silenced ones with their reasons."""
    def entry(diag: Diagnostic, reason: str | None = None) -> dict[str, object]:
        span = diag.span
        out = {"code": rule_code(diag), "rule": RULES.get(rule_code(diag), (None,))[0], "severity": diag.severity,
               "message": diag.text(lang), "requirement": diag.params.get("id"),
               "line": span.line if span else None, "column": span.column if span else None,
               "end_line": span.end_line if span else None, "end_column": span.end_column if span else None}
        if reason is not None:
            out["reason"] = reason
        return out

    files = [{"path": r.path, "usable": not r.unusable,
              "findings": [entry(d) for d in r.diagnostics],
              "silenced": [entry(d, reason) for d, reason in r.silenced]} for r in results]
    return {"format_version": 1, "files": files,
            "totals": {"files": len(results), "findings": sum(len(r.findings) for r in results),
                       "silenced": sum(len(r.silenced) for r in results),
                       "unusable": sum(r.unusable for r in results)}}
