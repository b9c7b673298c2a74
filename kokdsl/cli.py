"""The `kok` command line: wires the stages together, picks formats, sets
exit codes. Nothing else lives here.

Exit codes: 0 success (approved / clean), 1 findings (not approved),
2 input or syntax errors (any KokError), 3 an internal error (a bug in kok).
Errors are handled once, in KokGroup, for every command.

One module, over 400 lines: one short function per command and its options,
which read best side by side; each command's work lives in its own module.
"""

from __future__ import annotations

import datetime
import errno
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from kokdsl import __version__
from kokdsl.errors import KokError

if TYPE_CHECKING:  # each command imports the stages it needs when it runs
    from pathlib import Path

    from kokdsl.authoring.machine import FmtFile
    from kokdsl.batch import Skipped
    from kokdsl.compiled import CompiledRulebook
    from kokdsl.diagnostics import Diagnostic
    from kokdsl.followup.waivers import WaiverFile
    from kokdsl.outputs.files import OutputSpec
    from kokdsl.outputs.findings import CaseDetails
    from kokdsl.pipeline import Assessment, LoadedRulebook

_Command = TypeVar("_Command", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERNAL = 3

_LANG_KEY = "kokdsl.lang"  # ctx.meta: the --lang of the running command, for the error handler
_DEBUG_KEY = "kokdsl.debug"


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        ctx.meta[key] = value
        return value
    return callback


def _to_date(_ctx: click.Context, _param: click.Parameter, value: datetime.datetime | None) -> datetime.date | None:
    return value.date() if value is not None else None


lang_option = click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
                           envvar="KOK_LANG", show_envvar=True, callback=_remember(_LANG_KEY),
                           help="Language of messages and reports; the environment variable KOK_LANG sets the "
                                "default.")
edition_for_option = click.option(
    "--edition-for", "edition_for", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, callback=_to_date,
    metavar="YYYY-MM-DD", help="Use the edition valid on this date when RULEBOOK is a folder of editions.")
undantag_option = click.option(
    "--undantag", "--waivers", "undantag", type=click.Path(dir_okay=False), default=None, metavar="FILE",
    help="Waivers granted by the region (undantag.yaml, see docs/waivers.md): a waived requirement that is not "
         "met counts as 'undantag', not against the decision.")
run_date_option = click.option(
    "--run-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, callback=_to_date, metavar="YYYY-MM-DD",
    help="The assessment date recorded in reports and summaries, the value of bedömningsdatum, and the "
         "day each requirement's own validity is judged on (default: today).")


def format_option(choices: Sequence[str] = ("text", "json"),
                  help_text: str = "text for people, json for scripts (see docs/json-output.md).",
                  ) -> Callable[[_Command], _Command]:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True,
                        help=help_text)


def _print_diagnostics(diagnostics: Iterable[Diagnostic], source: str | None, lang: str, err: bool = True) -> None:
    from kokdsl.diagnostics import format_diagnostic

    for diag in diagnostics:
        # A problem with no place (an output that cannot be written) is one plain sentence.
        click.echo(format_diagnostic(diag, lang, source) if diag.location() else diag.text(lang), err=err)


# A file that could not be read at all: said on standard error, as the README promises;
# the findings about a file that was read go to standard output.
_UNREADABLE_CODES = frozenset({"file.unreadable", "file.not_utf8", "syntax.too_large"})


def _unreadable(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.code in _UNREADABLE_CODES for d in diagnostics)


def _show_error(error: KokError, lang: str) -> None:
    _print_diagnostics(error.diagnostics, error.source, lang)


class KokGroup(click.Group):
    """Handles errors once for every command, as sqlfluff's
    PathAndUserErrorHandler does: a KokError is shown as its diagnostics
    (exit 2); anything else is a bug in kok (exit 3), reported in one line
    that says where the traceback went."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        from kokdsl.cli_words import language_of, use_language

        # Click's own words (usage errors, help) in the language asked for, before Click parses anything.
        use_language(language_of(sys.argv[1:] if args is None else list(args)))
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KokError as error:
            _show_error(error, ctx.meta.get(_LANG_KEY, "sv"))
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            if isinstance(error, OSError) and error.errno == errno.EPIPE:
                raise  # a closed pipe (kok run … | head): click ends quietly
            if isinstance(error, OSError) and error.errno in _WRITE_ERRNOS:
                _write_error(ctx, error)
            _internal_error(ctx, error)


# Every file kok reads is read through kokdsl.reading, which reports its own failures, so
# one of these escaping a command is a write that failed: the user's to fix, not a bug.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES,
                           errno.EPERM})


def _write_error(ctx: click.Context, error: OSError) -> NoReturn:
    """A full disk, a quota or permissions while writing (most often standard
    output redirected to a file): exit 2, saying what was not written."""
    import os

    from kokdsl.messages import message

    lang = ctx.meta.get(_LANG_KEY, "sv")
    reason = error.strerror or str(error)
    if error.filename is not None:
        click.echo(message("output.write_failed", lang, path=_shown(error.filename), reason=reason), err=True)
    else:
        click.echo(message("output.stdout_failed", lang, reason=reason), err=True)
    # What is still buffered for standard output cannot be written either: drop it, so the
    # interpreter's final flush does not fail a second time.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    ctx.exit(EXIT_ERROR)


def _internal_error(ctx: click.Context, error: Exception) -> NoReturn:
    """One line on standard error; the traceback goes to a log file (or,
    with --debug, to standard error)."""
    import traceback

    from kokdsl.messages import message

    lang = ctx.meta.get(_LANG_KEY, "sv")
    summary = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    details = "".join(traceback.format_exception(error))
    if ctx.meta.get(_DEBUG_KEY):
        click.echo(details, err=True, nl=False)
        click.echo(message("internal.no_log", lang, error=summary), err=True)
    else:
        log = _write_crash_log(details)
        code = "internal.error" if log else "internal.no_log"
        click.echo(message(code, lang, error=summary, log=log), err=True)
    ctx.exit(EXIT_INTERNAL)


def _write_crash_log(details: str) -> str | None:
    """The traceback in a new file in the temporary folder; None if it cannot be written."""
    import os
    import platform
    import tempfile

    header = f"kok {__version__}, Python {platform.python_version()}\ncommand: {' '.join(sys.argv)}\n\n"
    try:
        fd, path = tempfile.mkstemp(prefix="kok-internal-error-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as log:
            log.write(header + details)
    except OSError:
        return None
    return path


def _rulebook_for(rulebook: str, edition_for: datetime.date | None = None) -> LoadedRulebook:
    """The rulebook to run (a file, or the edition of a folder valid on the
    date, else its latest); raises a KokError (edition.*) or a RulebookError."""
    from kokdsl.authoring.editions import select_edition

    return select_edition(rulebook, edition_for)


def _shown(path: object) -> str:
    """A file name as printed on the terminal: control characters visible, never obeyed."""
    from kokdsl.text import printable

    return printable(str(path))


@click.group(cls=KokGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kok")
@click.option("--debug", is_flag=True, envvar="KOK_DEBUG", callback=_remember(_DEBUG_KEY), expose_value=False,
              help="On an internal error, print the traceback instead of writing it to a log file.")
def main() -> None:
    """kokdsl: check vårdcentraler against a KoK-bok written as rules.

    Exit codes: 0 approved or clean, 1 findings (not approved), 2 input or
    syntax errors, 3 an internal error in kok."""


@main.command()
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path())
@format_option(("text", "json", "sarif", "github"),
               help_text="text for people; json for scripts (docs/json-output.md); sarif: SARIF 2.1.0, for code "
                         "scanning; github: GitHub Actions annotations.")
@lang_option
def check(rulebooks: tuple[str, ...], fmt: str, lang: str) -> None:
    """Check RULEBOOKS for syntax and type errors (exit 2 on errors).

    Each is a .kok file, a folder (every .kok file under it, as kok fmt does;
    a folder with none exits 2), or the name of a shipped rulebook such as
    orebro/2025."""
    from kokdsl.messages import message
    from kokdsl.pipeline import check_rulebook

    errors = warnings = 0
    rulebooks = tuple(_rulebook_paths(rulebooks))
    if fmt == "json":
        from kokdsl.outputs.machine import check_json, dumps

        document = check_json([check_rulebook(path) for path in rulebooks], lang)
        click.echo(dumps(document), nl=False)
        sys.exit(EXIT_OK if document["ok"] else EXIT_ERROR)
    if fmt in ("sarif", "github"):
        from kokdsl.outputs.github import render_github
        from kokdsl.outputs.sarif import render_sarif

        loaded_books = [check_rulebook(path) for path in rulebooks]
        if fmt == "sarif":
            click.echo(render_sarif([(b.path, list(b.diagnostics), []) for b in loaded_books], lang), nl=False)
        else:
            click.echo(render_github([(b.path, list(b.diagnostics)) for b in loaded_books], lang), nl=False)
        sys.exit(EXIT_ERROR if any(not b.ok for b in loaded_books) else EXIT_OK)
    for path in rulebooks:
        loaded = check_rulebook(path)
        _print_diagnostics(loaded.diagnostics, loaded.source, lang, err=_unreadable(loaded.diagnostics))
        file_errors = sum(d.is_error for d in loaded.diagnostics)
        file_warnings = len(loaded.diagnostics) - file_errors
        if not file_errors and loaded.rulebook is not None and loaded.rulebook.review is None:
            # A rejection is printed without review instructions: the tool never writes legal text itself.
            click.echo(message("check.no_review", lang, file=_shown(path)))
            file_warnings += 1
        errors, warnings = errors + file_errors, warnings + file_warnings
        if not file_errors:
            click.echo(message("check.clean", lang, file=_shown(path), warnings=file_warnings))
    if len(rulebooks) > 1 or errors:
        click.echo(message("check.summary", lang, errors=errors, warnings=warnings))
    sys.exit(EXIT_ERROR if errors else EXIT_OK)


@main.command()
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True, help="text for people; json for scripts; sarif: SARIF 2.1.0, for code scanning; "
                                      "github: GitHub Actions annotations.")
@click.option("--fail-level", "fail_level", type=click.Choice(["error", "warning", "info"]), default="info",
              show_default=True, help="Exit 1 only for a finding at this level or above (info: any finding).")
@click.option("--vague-words", "vague_words", multiple=True, type=click.Path(dir_okay=False),
              help="A YAML list of more vague phrases to flag (repeatable); a vague_words.yaml beside "
                   "the rulebook is read too.")
@lang_option
def lint(rulebooks: tuple[str, ...], fmt: str, fail_level: str, vague_words: tuple[str, ...], lang: str) -> None:
    """Check that each requirement's text and its check say the same thing
    (modality, numbers, facts), flag vague wording, and check sources, topics,
    rule tests and numbering. Codes KOK1xx; silence one in a requirement with
    `tyst KOK103 "reason"`. A folder is searched for .kok files at any depth.

    Exit 0 clean, 1 findings, 2 a rulebook with errors."""
    import json

    from kokdsl.authoring.lint import as_json, format_finding, lint_file, read_phrase_file, rule_names
    from kokdsl.messages import message

    extra = tuple(p for file in vague_words for p in read_phrase_file(file))
    results = [lint_file(path, extra) for path in _rulebook_paths(rulebooks)]
    if fmt == "sarif":
        from kokdsl.outputs.sarif import render_sarif

        files = [(r.path, list(r.diagnostics), list(r.silenced)) for r in results]
        click.echo(render_sarif(files, lang, rule_names()), nl=False)
    elif fmt == "github":
        from kokdsl.outputs.github import render_github

        click.echo(render_github([(r.path, list(r.diagnostics)) for r in results], lang), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(as_json(results, lang), ensure_ascii=False, indent=2))
    else:
        for result in results:
            for diag in result.diagnostics:
                click.echo(format_finding(diag, result.source, lang), err=_unreadable([diag]))
            if not result.diagnostics:
                click.echo(message("lint.clean", lang, file=_shown(result.path)))
        click.echo(message("lint.summary", lang, files=message("lint.files", lang, count=len(results)),
                           findings=message("lint.findings", lang, count=sum(len(r.findings) for r in results)),
                           silenced=message("lint.silenced", lang, count=sum(len(r.silenced) for r in results))))
    if any(r.unusable for r in results):
        sys.exit(EXIT_ERROR)
    failing = _FAIL_LEVELS[fail_level]
    sys.exit(EXIT_FINDINGS if any(d.severity in failing for r in results for d in r.diagnostics) else EXIT_OK)


# --fail-level: the severities that make `kok lint` exit 1 (lint has no info level of its own: info is any finding).
_FAIL_LEVELS = {"error": frozenset({"error"}), "warning": frozenset({"error", "warning"}),
                "info": frozenset({"error", "warning", "info"})}


# `--dokument`: the document to write, instead of the one the outcome calls for.
DOCUMENT_CHOICES = ("godkännande", "avslag", "komplettering", "uppföljning", "granskningsrapport",
                    "approval", "rejection", "supplements", "follow-up", "report")
SIGNED_AS_CHOICES = ("beslut", "tjänsteskrivelse", "decision", "memo")
document_option = click.option(
    "--dokument", "document", type=click.Choice(DOCUMENT_CHOICES), default=None,
    help="The document to write: godkännande, avslag, komplettering, uppföljning (letters to the applicant) or "
         "granskningsrapport (the internal report with everything). Default: the one the outcome calls for.")


@main.command()
@click.argument("rulebook", type=click.Path())
@click.argument("self_report", type=click.Path(dir_okay=False))
@format_option(help_text="text for people, json for scripts (docs/json-output.md).")
@lang_option
@click.option("--fail-on", type=click.Choice(["skall", "bör"]), default="skall", show_default=True,
              help="bör: also exit 1 when a bör requirement is not met.")
@edition_for_option
@click.option("--output", "-o", "outputs", multiple=True, metavar="FORMAT:FILE",
              help="Write a findings report (html, md, json or pdf) to FILE, or to stdout with '-'. "
                   "Repeatable; replaces --format output.")
@run_date_option
@undantag_option
@click.option("--diarienummer", "reference", default=None, metavar="TEXT",
              help="The case number printed on the findings report (and in its JSON).")
@click.option("--handläggare", "officer", default=None, metavar="NAME",
              help="The case officer named on the report and in its signature block.")
@click.option("--beslutsdatum", "decision_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              callback=_to_date, metavar="YYYY-MM-DD", help="The date of the decision printed on the report.")
@document_option
@click.option("--svar-senast", "reply_by", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              callback=_to_date, metavar="YYYY-MM-DD",
              help="The date by which supplements (or a follow-up's action plan) must arrive.")
@click.option("--som", "signed_as", type=click.Choice(sorted(SIGNED_AS_CHOICES)), default=None,
              help="Sign a decision as the decision itself (beslut) or as a proposal to the decision-maker "
                   "(tjänsteskrivelse). Default: the rulebook's `undertecknas som`, else beslut.")
def run(rulebook: str, self_report: str, fmt: str, lang: str, fail_on: str, edition_for: datetime.date | None,
        outputs: tuple[str, ...], run_date: datetime.date | None, undantag: str | None, reference: str | None,
        officer: str | None, decision_date: datetime.date | None, document: str | None,
        reply_by: datetime.date | None, signed_as: str | None) -> None:
    """Check one SELF_REPORT against RULEBOOK and propose a decision.

    RULEBOOK is a .kok file, a folder of editions (e.g. rulebooks/orebro) or
    the name of a shipped rulebook (orebro/2025, or orebro for its editions;
    see kok rulebooks). From a folder the latest edition is used, or the one
    valid on --edition-for."""
    from kokdsl.pipeline import assess

    specs = _parse_outputs(outputs)
    loaded = _rulebook_for(rulebook, edition_for)
    rulebook = loaded.path
    compiled = loaded.rulebook
    waivers = _waivers(undantag, compiled)
    assessment = assess(compiled, self_report, run_date)
    if waivers is not None:
        from kokdsl.followup.waivers import apply_waivers

        assessment = apply_waivers(assessment, waivers.for_centre(assessment.report.identity.id),
                                   run_date or datetime.date.today())
    if specs:
        from kokdsl.outputs.findings import CaseDetails
        from kokdsl.outputs.letters import DOCUMENT_NAMES, SIGNED_AS_NAMES

        case = CaseDetails(reference=reference, officer=officer, decision_date=decision_date,
                           document=DOCUMENT_NAMES[document] if document else None, reply_by=reply_by,
                           signed_as=SIGNED_AS_NAMES[signed_as] if signed_as else None)
        _write_outputs(assessment, specs, lang, run_date, rulebook, case)
    elif fmt == "json":
        from kokdsl.outputs.assessment import render_json

        click.echo(render_json(assessment, lang, rulebook), nl=False)
    else:
        from kokdsl.outputs.assessment import render_text

        click.echo(render_text(assessment, lang), nl=False)
    decision = assessment.decision
    failed = not decision.approved or (fail_on == "bör" and decision.remarks)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _document(name: str | None) -> str | None:
    """`--dokument NAME` as a document kind (letters.DOCUMENTS), or None: by outcome."""
    if not name:
        return None  # without it a JSON rerun never loads the letters, Jinja and the prose
    from kokdsl.outputs.letters import DOCUMENT_NAMES

    return DOCUMENT_NAMES[name]


def _self_report_files(paths: tuple[str, ...]) -> tuple[list[str], list[Skipped]]:
    """The self-report files named or found in the folders given (at least
    one), and the entries of those folders skipped, with their reasons."""
    from kokdsl.batch import self_report_files

    files, skipped = self_report_files(paths)
    if not files:
        raise KokError("rerun.no_reports")
    return files, skipped


def _skipped_text(skipped: list[Skipped], lang: str) -> str:
    """The entries skipped in the folders given, one a line with the reason."""
    from kokdsl.messages import message

    if not skipped:
        return ""
    lines = [message("rerun.skipped_heading", lang)]
    lines += [f"  {_shown(s.path)}: {message(s.reason, lang)}" for s in skipped]
    return "\n" + "\n".join(lines) + "\n"


def _rulebook_paths(paths: tuple[str, ...]) -> list[str]:
    """Files as given; a folder stands for every .kok file under it, sorted
    (the way kok fmt goes through folders); a shipped rulebook's name for its
    file. A folder with no rulebook is an error: checking nothing must not pass."""
    from pathlib import Path

    from kokdsl.resources import resolve_rulebook

    out = []
    for given in paths:
        path = Path(resolve_rulebook(given))
        if not path.is_dir():
            out.append(str(path))
            continue
        found = sorted(p for p in path.rglob("*.kok") if p.is_file())
        if not found:
            raise KokError("cli.nothing_found", path=given)
        out += map(str, found)
    return out


@main.command("test")
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path())
@click.option("--cases", "case_files", multiple=True, type=click.Path(dir_okay=False),
              help="Test file(s) to run instead of the ones beside the rulebook.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None,
              help="Fail (exit 1) when fewer than this percentage of requirements have both a met and a not-met case.")
@format_option()
@click.option("--junit-xml", "junit_xml", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Also write the results as JUnit XML to FILE (atomically), for CI test reports.")
@lang_option
def test_command(rulebooks: tuple[str, ...], case_files: tuple[str, ...], min_coverage: float | None, fmt: str,
                 junit_xml: str | None, lang: str) -> None:
    """Run the rule tests beside each RULEBOOK (2025.kok -> 2025.tests.yaml).

    A folder stands for every .kok file under it (one with none exits 2); a
    name like orebro/2025 for the shipped rulebook and its tests.
    Exit 0 when every case passes (and coverage is enough), 1 on a failing case
    or too little coverage, 2 when a rulebook or test file is unusable."""
    from kokdsl.authoring import machine
    from kokdsl.authoring.ruletest import format_percent, format_run, require_test_files, run_tests
    from kokdsl.messages import message
    from kokdsl.outputs.machine import dumps
    from kokdsl.pipeline import load_rulebook

    status, entries = EXIT_OK, []
    for path in _rulebook_paths(rulebooks):
        try:  # one unusable rulebook or test file does not stop the others
            rulebook = load_rulebook(path).rulebook
            run_result = run_tests(rulebook, list(case_files) or require_test_files(path), lang)
        except KokError as error:
            _show_error(error, lang)
            entries.append(machine.test_entry(path, diagnostics=error.diagnostics, lang=lang))
            status = EXIT_ERROR
            continue
        entries.append(machine.test_entry(path, run_result, min_coverage=min_coverage, lang=lang))
        too_little = min_coverage is not None and run_result.coverage_percent < min_coverage
        if fmt == "text":
            click.echo(format_run(run_result, lang), nl=False)
            if min_coverage is not None and too_little:
                percent = format_percent(run_result.coverage_percent, lang)
                click.echo(message("ruletest.below_minimum", lang, percent=percent,
                                   minimum=format_percent(min_coverage, lang)))
        if (run_result.failures or too_little) and status == EXIT_OK:
            status = EXIT_FINDINGS
    if fmt == "json":
        click.echo(dumps(machine.test_json(entries, lang)), nl=False)
    if junit_xml is not None:
        _emit(machine.test_junit(entries, lang), junit_xml, lang)
    sys.exit(status)


def _load_for_output(rulebook: str) -> CompiledRulebook:
    """The compiled rulebook (a file, or the latest edition of a folder)."""
    return _rulebook_for(rulebook).rulebook


def _emit(text: str, out: str | None, lang: str) -> None:
    if out is None or out == "-":
        click.echo(text, nl=False)
        return
    from kokdsl.messages import message
    from kokdsl.outputs.files import write_atomic

    write_atomic(out, text.encode("utf-8"))
    click.echo(message("output.written", lang, path=_shown(out)), err=True)


# -o is --output in every verb: the file to write ('-' for standard output). Verbs that write
# several formats (run, book) take FORMAT:FILE and repeat it; the others take FILE (diff also
# FORMAT:FILE). --out, the older spelling of the one-file verbs, still works.
out_option = click.option("-o", "--output", "--out", "out", type=click.Path(dir_okay=False), default=None,
                          metavar="FILE", help="Write to this file (atomically) instead of standard output "
                                               "(--out is the older spelling).")


@main.command()
@click.argument("rulebook", type=click.Path())
@lang_option
@out_option
def template(rulebook: str, lang: str, out: str | None) -> None:
    """Write a blank self-report (YAML) for RULEBOOK: every fact in book order,
    with its description and format as comments.

    RULEBOOK is a .kok file, a folder of editions (the latest is used) or a
    shipped rulebook's name such as orebro/2025."""
    from kokdsl.intake.template import render_template

    _emit(render_template(_load_for_output(rulebook), lang), out, lang)


@main.command()
@click.argument("rulebook", type=click.Path())
@lang_option
@out_option
def schema(rulebook: str, lang: str, out: str | None) -> None:
    """Write the JSON Schema (draft 2020-12) of RULEBOOK's self-report. --lang
    chooses the key language the schema allows (vårdcentral, ja/nej, måndag or
    centre, yes/no, monday) and the language of its titles."""
    from kokdsl.intake.schema import render_schema

    _emit(render_schema(_load_for_output(rulebook), lang), out, lang)


@main.command()
@click.argument("rulebook", type=click.Path())
@lang_option
@out_option
def form(rulebook: str, lang: str, out: str | None) -> None:
    """Write the self-report form for RULEBOOK: one self-contained HTML page
    (no server, works offline) where an applicant fills in the facts, checked
    as they type, and saves a self-report that kok run accepts."""
    from kokdsl.intake.form import render_form

    _emit(render_form(_load_for_output(rulebook), lang), out, lang)


@main.command()
@click.option("--count", type=click.IntRange(1, 1_000_000), required=True, help="How many centres.")
@click.option("--seed", type=int, required=True, help="Random seed: the same seed gives the same files.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Folder to write into.")
@click.option("--every-scenario", is_flag=True, help="Let the first centres take each scenario once.")
@click.option("--force", is_flag=True,
              help="Write into a folder that is not empty: its self-reports (.yaml, .yml, .json) are removed "
                   "first, so the folder holds exactly this set.")
@lang_option
def generate(count: int, seed: int, out_dir: str, every_scenario: bool, force: bool, lang: str) -> None:
    """Write COUNT synthetic, fictional centres (self-reports for the Örebro
    rulebook) into a new or empty folder, deterministically from SEED."""
    from kokdsl.errors import OutputError
    from kokdsl.intake.synthetic import clear_self_reports, write_centres
    from kokdsl.messages import message

    folder_items = _folder_items(out_dir)
    if folder_items and not force:
        raise KokError("generate.not_empty", path=out_dir)
    try:
        if folder_items:
            clear_self_reports(out_dir)
        paths = write_centres(out_dir, count, seed, every_scenario)
    except (OutputError, OSError) as exc:
        reason = exc.params["reason"] if isinstance(exc, OutputError) else exc.strerror or str(exc)
        raise KokError("generate.cannot_write", path=out_dir, reason=reason) from None
    click.echo(message("generate.done", lang, count=len(paths), path=_shown(out_dir)))


def _folder_items(path: str) -> list[Path]:
    from pathlib import Path

    folder = Path(path)
    return list(folder.iterdir()) if folder.is_dir() else []


def _parse_outputs(outputs: tuple[str, ...]) -> list[OutputSpec]:
    from kokdsl.outputs.files import parse_output_spec

    return [parse_output_spec(text) for text in outputs]


def _write_outputs(assessment: Assessment, specs: list[OutputSpec], lang: str, run_date: datetime.date | None,
                   rulebook_path: str, case: CaseDetails | None = None) -> None:
    """Render every requested findings report first, then write them."""
    from kokdsl.outputs.findings import render_document

    _write_rendered(specs, lambda fmt: render_document(assessment, fmt, lang, run_date, rulebook_path, case), lang,
                    run_date or datetime.date.today())


def _write_rendered(specs: list[OutputSpec], render: Callable[[str], str], lang: str,
                    day: datetime.date | None = None) -> None:
    """Render each format once (a PDF is printed from the HTML), then write
    every output: files atomically, '-' to stdout. Raises OutputError if one cannot be."""
    from kokdsl.messages import message
    from kokdsl.outputs.files import write_atomic, write_pdf

    rendered = {fmt: render(fmt) for fmt in sorted({"html" if spec.fmt == "pdf" else spec.fmt for spec in specs})}
    for spec in specs:
        if spec.to_stdout:
            click.echo(rendered[spec.fmt], nl=False)
            continue
        if spec.fmt == "pdf":
            write_pdf(spec.target, rendered["html"], day)
        else:
            write_atomic(spec.target, rendered[spec.fmt].encode("utf-8"))
        click.echo(message("output.written", lang, path=_shown(spec.target)), err=True)


@main.command()
@click.argument("rulebook", type=click.Path())
@click.argument("self_reports", nargs=-1, required=True, type=click.Path())
@edition_for_option
@click.option("--previous", type=click.Path(dir_okay=False), default=None,
              help="summary.json of an earlier rerun: show what changed since then, and why.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write one HTML findings report per centre, index.html, centres.csv and summary.json into "
                   "this folder. It is replaced as a whole: it must be empty or hold an earlier rerun.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a table (with --out: only totals, changes and problems); json: the summary.")
@run_date_option
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Worker processes over the centres (default: every core for an --out run large enough "
                   "to pay for them, else one process). The output is the same for any number.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors; the exit code tells the outcome.")
@undantag_option
@lang_option
@document_option
def rerun(rulebook: str, self_reports: tuple[str, ...], edition_for: datetime.date | None, previous: str | None,
          out_dir: str | None, fmt: str, run_date: datetime.date | None, jobs: int | None, quiet: bool,
          undantag: str | None, lang: str, document: str | None) -> None:
    """The yearly follow-up: check every SELF_REPORT (files or folders) against
    RULEBOOK. A self-report that cannot be read is listed and never stops the
    run. Exit 0 when every centre is approved, 1 when any is not, 2 when any
    self-report could not be read.

    RULEBOOK is a .kok file, a folder of editions or a shipped rulebook's
    name such as orebro/2025."""
    from kokdsl.batch import all_approved
    from kokdsl.followup import changes as changes_
    from kokdsl.followup import rerun as reruns
    from kokdsl.followup.rerun_job import Job, execute
    from kokdsl.messages import message

    loaded = _rulebook_for(rulebook, edition_for)
    earlier = changes_.load_previous(previous, lang) if previous is not None else None
    files, skipped = _self_report_files(self_reports)
    compiled = loaded.rulebook
    job = Job(compiled, files, lang, run_date or datetime.date.today(), loaded.path, earlier,
              out_dir, jobs or reruns.default_jobs(), _progress_bar(len(files), quiet, lang),
              _waivers(undantag, compiled), _document(document), skipped)
    done = execute(job)
    try:
        if quiet:
            pass
        elif fmt == "json":
            reruns.write_summary(done.result, sys.stdout, done.summary_extra(lang))
        else:
            from kokdsl.followup.views import render_rerun_text

            click.echo(render_rerun_text(done.view, lang, brief=out_dir is not None) + _skipped_text(skipped, lang),
                       nl=False)
    finally:
        done.result.close()
    if out_dir is not None and not quiet:
        click.echo(message("output.written", lang, path=_shown(out_dir)), err=True)
    if done.has_problems:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK if all_approved(done.rows) else EXIT_FINDINGS)


def _waivers(path: str | None, rulebook: CompiledRulebook) -> WaiverFile | None:
    """The waiver file checked against the rulebook, or None."""
    if path is None:
        return None
    from kokdsl.followup.waivers import load_waivers

    return load_waivers(path, rulebook)


def _progress_bar(total: int, quiet: bool, lang: str = "sv") -> Callable[[int, int], None] | None:
    """Click's progress bar on standard error for long runs at a terminal;
    none when quiet, when output goes to a file or pipe, or for a few centres."""
    from kokdsl.messages import message

    stream = sys.stderr
    if quiet or total < 50 or not stream.isatty():
        return None
    bar = click.progressbar(length=total, label=message("rerun.progress", lang), file=stream, show_pos=True,
                            show_percent=False, width=30)
    bar.render_progress()
    step = max(1, total // 100)  # click redraws on every update: about once a percent, not once a centre

    def show(done: int, total: int) -> None:
        if done % step and done != total:
            return
        bar.update(done - bar.pos)
        if done == total:
            bar.render_finish()

    return show


@main.command()
@click.argument("rulebook", type=click.Path())
@click.argument("self_reports", nargs=-1, required=True, type=click.Path())
@click.option("--draft", type=click.Path(dir_okay=False), default=None,
              help="A changed rulebook (e.g. next year's draft) to compare with RULEBOOK.")
@click.option("--as-skall", "as_skall", multiple=True, metavar="ID", help="Treat requirement ID as skall. Repeatable.")
@click.option("--as-bör", "as_bor", multiple=True, metavar="ID", help="Treat requirement ID as bör. Repeatable.")
@click.option("--adopt", "adopt", multiple=True, metavar="ID",
              help="Adopt the proposal (status förslag) ID: it decides as if in force. Repeatable.")
@click.option("--adopt-proposals", "adopt_all", is_flag=True, help="Adopt every proposal in the rulebook.")
@format_option()
@lang_option
def impact(rulebook: str, self_reports: tuple[str, ...], draft: str | None, as_skall: tuple[str, ...],
           as_bor: tuple[str, ...], adopt: tuple[str, ...], adopt_all: bool, fmt: str, lang: str) -> None:
    """What if? Run RULEBOOK and a variant of it (--draft, --as-skall, --as-bör,
    --adopt, --adopt-proposals) over the same SELF_REPORTS and list the centres
    whose decision changes.

    Each self-report is read and validated once for both rulebooks."""
    from kokdsl.authoring import impact as impacts
    from kokdsl.authoring.impact import render_impact_text
    from kokdsl.enums import Modality
    from kokdsl.messages import message

    if draft is None and not as_skall and not as_bor and not adopt and not adopt_all:
        raise KokError("impact.nothing_to_compare")
    base = _load_for_output(rulebook)
    variant = _load_for_output(draft) if draft else base
    descriptions = [message("impact.variant_draft", lang, file=draft)] if draft else []
    moves = {**{i: Modality.SHALL for i in as_skall}, **{i: Modality.SHOULD for i in as_bor}}
    variant = impacts.with_modalities(variant, moves)
    if adopt or adopt_all:
        variant = impacts.with_proposals_adopted(variant, None if adopt_all else adopt)
        descriptions.append(message("impact.variant_adopted", lang,
                                    ids=message("impact.all_proposals", lang) if adopt_all else ", ".join(adopt)))
    for modality, ids in ((Modality.SHALL, as_skall), (Modality.SHOULD, as_bor)):
        if ids:
            descriptions.append(message("impact.variant_modality", lang, ids=", ".join(ids), modality=modality))
    files, skipped = _self_report_files(self_reports)
    before, after = impacts.run_both(base, variant, files)
    changes = impacts.verdict_changes(before, after)
    if fmt == "json":
        from kokdsl.authoring.machine import impact_json
        from kokdsl.outputs.machine import dumps

        document = impact_json(base, "; ".join(descriptions), before, after, changes, lang)
        if skipped:
            document["skipped"] = [s.to_json(lang) for s in skipped]
        click.echo(dumps(document), nl=False)
    else:
        click.echo(render_impact_text(base, "; ".join(descriptions), before, after, changes, lang)
                   + _skipped_text(skipped, lang), nl=False)
    unreadable = [run for run in before if run.error is not None]
    if unreadable:  # as rerun: compared without them, but said, and exit 2
        click.echo(message("impact.unreadable_heading", lang), err=True)
        for run in unreadable:
            click.echo(f"  {_shown(run.file)}: {run.error.text(lang) if run.error else ''}", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK)


@main.command()
@click.argument("rulebook", type=click.Path())
@click.option("--output", "-o", "outputs", multiple=True, metavar="FORMAT:FILE",
              help="Write the book as html, md or pdf to FILE (html and md also to stdout with '-'). "
                   "Repeatable. Default: md:-.")
@click.option("--previous", type=click.Path(), default=None, metavar="OLD",
              help="The previous edition: adds a chapter of the changes since it (as kok diff OLD RULEBOOK).")
@lang_option
def book(rulebook: str, outputs: tuple[str, ...], previous: str | None, lang: str) -> None:
    """Publish RULEBOOK as a book: chapters, requirement texts with their
    checks, and the facts a self-report holds (HTML, Markdown or PDF; the PDF
    is printed by a headless Chromium)."""
    from kokdsl.authoring.book import FORMATS, render_book

    specs = _parse_outputs(outputs or ("md:-",))
    for spec in specs:
        if spec.fmt not in FORMATS and spec.fmt != "pdf":
            raise KokError("book.bad_format", format=spec.fmt)
    loaded = _load_for_output(rulebook)
    before = _load_for_output(previous) if previous else None
    _write_rendered(specs, lambda fmt: render_book(loaded, fmt, lang, before), lang)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is not in canonical layout.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Change nothing; print what would change as a unified diff (exit 1 if anything would).")
@click.option("--keywords", type=click.Choice(["sv", "en"]), default=None,
              help="Keyword language to write (default: the one the file's header uses).")
@format_option(help_text="text for people, json: every file with its status (docs/json-output.md).")
@lang_option
def fmt(paths: tuple[str, ...], check: bool, show_diff: bool, keywords: str | None, fmt: str, lang: str) -> None:
    """Rewrite rulebooks in the canonical layout, comments kept. Folders stand
    for the .kok files in them (a folder with none exits 2). A file with
    syntax errors is left untouched."""
    from pathlib import Path

    from kokdsl.authoring.formatter import format_source, source_language
    from kokdsl.messages import message
    from kokdsl.outputs.files import write_atomic
    from kokdsl.parser import parse
    from kokdsl.pipeline import read_rulebook

    files = []
    for path in map(Path, paths):
        found = sorted(path.rglob("*.kok")) if path.is_dir() else [path]
        if not found:
            raise KokError("cli.nothing_found", path=str(path))
        files += found
    text = fmt == "text"
    status = EXIT_OK
    results: list[FmtFile] = []
    for file in map(str, files):
        source, problems = read_rulebook(file)
        parsed = parse(source, file) if source is not None else None
        if parsed is None or parsed.diagnostics:
            diagnostics = problems if parsed is None else parsed.diagnostics
            if text:
                _print_diagnostics(diagnostics, parsed.source if parsed else "", lang)
            results.append({"file": file, "status": "error", "diagnostics": diagnostics})
            status = EXIT_ERROR
            continue
        formatted = format_source(parsed.rulebook, parsed.source, keywords or source_language(parsed.rulebook,
                                                                                              parsed.source))
        if formatted == parsed.source:
            results.append({"file": file, "status": "unchanged"})
            continue
        if check or show_diff:
            if text and show_diff:
                import difflib

                click.echo("".join(difflib.unified_diff(parsed.source.splitlines(keepends=True),
                                                        formatted.splitlines(keepends=True),
                                                        fromfile=_shown(file), tofile=_shown(file))), nl=False)
            elif text:
                click.echo(message("fmt.would_change", lang, file=_shown(file)))
            results.append({"file": file, "status": "would_change"})
            status = max(status, EXIT_FINDINGS)
            continue
        try:
            write_atomic(file, formatted.encode("utf-8"))
        except KokError as error:  # the other files are still formatted
            _show_error(error, lang)
            results.append({"file": file, "status": "error", "diagnostics": error.diagnostics})
            status = EXIT_ERROR
            continue
        results.append({"file": file, "status": "changed"})
        if text:
            click.echo(message("fmt.changed", lang, file=_shown(file)))
    if not text:
        from kokdsl.authoring.machine import fmt_json
        from kokdsl.outputs.machine import dumps

        click.echo(dumps(fmt_json(results, check, lang)), nl=False)
    sys.exit(status)


@main.command()
@lang_option
def lsp(lang: str) -> None:
    """Run the language server for rulebooks on standard input and output
    (for an editor: diagnostics from check and lint, hover, go to definition,
    completion, symbols, formatting, quick fixes). Needs kokdsl[lsp]."""
    try:
        from kokdsl.authoring.lsp import serve
    except ImportError:
        raise KokError("lsp.not_installed") from None
    serve(lang)


@main.command()
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@format_option(("text", "md", "html", "json"),
               help_text="text for the terminal, md (Markdown), html (one self-contained page), json for scripts.")
@lang_option
@out_option
def diff(old: str, new: str, fmt: str, lang: str, out: str | None) -> None:
    """What changed from edition OLD to edition NEW, requirement by
    requirement: added or removed, level, threshold (both values),
    applicability, text word by word, status, validity and source.

    Exit 0 whether or not anything changed, 2 when a rulebook has errors."""
    from kokdsl.authoring.diff import edition_diff, render

    if out is not None and out.partition(":")[0] in _DIFF_FORMATS and out.partition(":")[2]:
        fmt, out = out.partition(":")[0], out.partition(":")[2]  # -o html:diff.html, as in run and book
    view = edition_diff(_load_for_output(old), _load_for_output(new), lang)
    _emit(render(view, fmt, lang), out, lang)


_DIFF_FORMATS = ("text", "md", "html", "json")


@main.command()
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path())
@format_option(help_text="text: a Markdown table; json: the same as data (docs/json-output.md).")
@lang_option
def compare(rulebooks: tuple[str, ...], fmt: str, lang: str) -> None:
    """Lay RULEBOOKS side by side, area by area: which requirements each has
    on each topic, and at which level. Prints a Markdown table.

    Each is a .kok file, a folder (every .kok file under it; one with none
    exits 2) or a shipped rulebook's name such as orebro/2025."""
    from kokdsl.authoring.compare import comparison, render_markdown
    from kokdsl.pipeline import load_rulebook

    compiled = [load_rulebook(path).rulebook for path in _rulebook_paths(rulebooks)]
    data = comparison(compiled, lang)
    if fmt == "json":
        from kokdsl.authoring.machine import compare_json
        from kokdsl.outputs.machine import dumps

        click.echo(dumps(compare_json(compiled, data, lang)), nl=False)
    else:
        click.echo(render_markdown(data, lang), nl=False)


@main.command("rulebooks")
@format_option(help_text="text for people, json: name, file, edition and validity of each.")
@lang_option
def rulebooks_command(fmt: str, lang: str) -> None:
    """List the rulebooks shipped with kokdsl. Give a name (orebro/2025, or
    orebro for the folder of its editions) wherever a RULEBOOK is asked for,
    even from a wheel-only install with no checkout."""
    from kokdsl.messages import message
    from kokdsl.pipeline import check_rulebook
    from kokdsl.resources import packaged_rulebooks

    entries = []
    for name, path in packaged_rulebooks().items():
        rb = check_rulebook(path).rulebook
        entries.append({"name": name, "file": str(path), "title": rb.name if rb else None,
                        "edition": rb.edition if rb else None,
                        "valid_from": rb.valid_from.isoformat() if rb and rb.valid_from else None,
                        "requirements": len(rb.requirements) if rb else None, "draft": bool(rb and rb.draft)})
    if fmt == "json":
        from kokdsl.outputs.machine import dumps, rulebooks_json

        click.echo(dumps(rulebooks_json(entries, lang)), nl=False)
    elif not entries:
        click.echo(message("rulebooks.none", lang))
    else:
        click.echo(message("rulebooks.heading", lang))
        for e in entries:
            valid = message("rulebooks.valid_from", lang, date=e["valid_from"]) if e["valid_from"] else ""
            if e["draft"]:
                valid += f" ({message('diff.draft', lang)})"
            click.echo(message("rulebooks.entry", lang, name=e["name"], title=e["title"] or "?",
                               edition=e["edition"] if e["edition"] is not None else "?", valid=valid))
    sys.exit(EXIT_OK if entries else EXIT_ERROR)


@main.group(invoke_without_command=True)
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="The register's folder: its SQLite database and follow-up runs (created when missing).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to bind; the default is reachable from this machine only.")
@click.option("--database-url", envvar="KOK_DATABASE_URL", default=None, metavar="URL",
              help="A PostgreSQL database instead of the SQLite file (postgresql+psycopg://…).")
@click.option("--sso-header", default=None, metavar="HEADER",
              help="Trust this header from a reverse proxy as the signed-in user's name (single sign-on). "
                   "Only behind a proxy that sets it on every request.")
@click.option("--followup-root", "followup_roots", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="A server folder whose subfolders a follow-up may read. Repeatable.")
@click.option("--drafts", type=click.Path(file_okay=False, exists=True), default=None,
              help="A folder of rulebook drafts shown beside the installed editions.")
@lang_option
@click.pass_context
def serve(ctx: click.Context, data_dir: str | None, port: int, host: str, database_url: str | None,
          sso_header: str | None, followup_roots: tuple[str, ...], drafts: str | None, lang: str) -> None:
    """The officer's workplace: a case register with a web interface and a
    REST API (needs kokdsl[serve]). `kok serve --data DIR` starts it;
    `kok serve user add` and `kok serve token create` manage its accounts."""
    if ctx.invoked_subcommand is not None:
        return
    from pathlib import Path

    from kokdsl.messages import message
    from kokdsl.serve.server import run

    state = _serve_state(data_dir, database_url, sso_header=sso_header,
                         followup_roots=tuple(Path(p).resolve() for p in followup_roots),
                         drafts_dir=Path(drafts).resolve() if drafts else None)
    click.echo(message("serve.listening", lang, host=host, port=port, data=_shown(state.data_dir)), err=True)
    run(state, host, port)


def _serve_state(data_dir: str | None, database_url: str | None, **options: object) -> Any:
    """The register opened (needs the serve extra), with the engine wired in."""
    if data_dir is None and database_url is None:
        raise KokError("serve.no_data")
    try:
        from kokdsl.serve.server import open_state
    except ImportError as exc:
        raise KokError("serve.not_installed", missing=exc.name or "?") from None
    import tempfile

    folder = data_dir if data_dir is not None else tempfile.mkdtemp(prefix="kok-serve-")
    return open_state(_serve_engine(), folder, database_url, **options)


def _serve_engine() -> Any:
    """The server's Engine: the other wings' work, wired here because the
    command line is the one module that may import every wing (see
    kokdsl/serve/engine.py and CONTRIBUTING.md, Layout)."""
    from kokdsl.authoring.book import render_book
    from kokdsl.authoring.editions import select_edition
    from kokdsl.batch import decision_totals
    from kokdsl.followup import changes as changes_
    from kokdsl.followup import rerun as reruns
    from kokdsl.followup import waivers as waivers_
    from kokdsl.followup.rerun_job import Job, execute
    from kokdsl.serve.engine import Engine

    def follow_up(loaded: LoadedRulebook, files: list[str], *, lang: str, run_date: datetime.date,
                  previous_summary: str | None, out_dir: str, waivers_file: str | None,
                  progress: Callable[[int, int], None]) -> dict[str, Any]:
        earlier = changes_.load_previous(previous_summary, lang) if previous_summary else None
        waivers = waivers_.load_waivers(waivers_file, loaded.rulebook) if waivers_file else None
        job = Job(loaded.rulebook, files, lang, run_date, loaded.path, earlier, out_dir, reruns.default_jobs(),
                  progress, waivers)
        done = execute(job)
        try:
            return {"totals": decision_totals(done.rows)}
        finally:
            done.result.close()

    def read_waivers(path: str, loaded: LoadedRulebook) -> list[dict[str, Any]]:
        fields = ("centre", "requirement", "reason", "reference", "granted_by", "valid_from", "valid_to")
        return [{f: getattr(w, f) for f in fields} for w in waivers_.load_waivers(path, loaded.rulebook).waivers]

    def apply_waivers(assessment: Assessment, path: str, day: datetime.date) -> Assessment:
        found = waivers_.load_waivers(path, assessment.rulebook)
        return waivers_.apply_waivers(assessment, found.for_centre(assessment.report.identity.id), day)

    return Engine(select_rulebook=select_edition,
                  render_book=lambda loaded, lang: render_book(loaded.rulebook, "html", lang),
                  read_waivers=read_waivers, apply_waivers=apply_waivers, follow_up=follow_up)


@serve.group("user")
def serve_user() -> None:
    """The register's local accounts."""


@serve_user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["läsare", "handläggare", "beslutsfattare"]), required=True,
              help="läsare reads; handläggare creates cases and proposes; beslutsfattare decides.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None, metavar="DIR")
@click.option("--database-url", envvar="KOK_DATABASE_URL", default=None, metavar="URL")
@click.option("--no-password", is_flag=True, help="An account for single sign-on only: no password.")
@lang_option
def serve_user_add(name: str, role: str, data_dir: str | None, database_url: str | None, no_password: bool,
                   lang: str) -> None:
    """Add the user NAME. The password is asked for (or read as one line from standard input)."""
    from kokdsl.messages import message
    from kokdsl.serve.server import add_user

    state = _serve_state(data_dir, database_url)
    password = None
    if not no_password:
        if sys.stdin.isatty():
            password = click.prompt("Lösenord" if lang == "sv" else "Password", hide_input=True,
                                    confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise KokError("serve.empty_password")
    add_user(state, name, role, password)
    click.echo(message("serve.user_added", lang, name=name, role=role))


@serve.group("token")
def serve_token() -> None:
    """API tokens for an e-service (Authorization: Bearer TOKEN)."""


@serve_token.command("create")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None, metavar="DIR")
@click.option("--database-url", envvar="KOK_DATABASE_URL", default=None, metavar="URL")
@click.option("--user", "user_name", default=None, metavar="NAME",
              help="The user the token acts as (default: the e-service's own reader account).")
@lang_option
def serve_token_create(data_dir: str | None, database_url: str | None, user_name: str | None, lang: str) -> None:
    """Create an API token and print it on the last line (shown only once)."""
    from kokdsl.messages import message
    from kokdsl.serve.server import create_token

    state = _serve_state(data_dir, database_url)
    user, token = create_token(state, user_name)
    click.echo(message("serve.token_created", lang, name=user.name, role=user.role))
    click.echo(token)


@main.command("report-schema")
def report_schema() -> None:
    """Print the JSON Schema of the JSON findings report (kok run --output json:…)."""
    from kokdsl.outputs.findings import schema_text

    click.echo(schema_text(), nl=False)


if __name__ == "__main__":
    main()
