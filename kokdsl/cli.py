"""The `kok` command line: wires the stages together, picks formats, sets
exit codes. Nothing else lives here.

Exit codes: 0 success (approved / clean), 1 findings (not approved),
2 input or syntax errors (any KokError), 3 an internal error (a bug in kok).
Errors are handled once, in KokGroup, for every command.
"""

from __future__ import annotations

import datetime
import errno
import sys
from typing import Any, NoReturn

import click

from kokdsl import __version__
from kokdsl.errors import KokError, RulebookError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERNAL = 3

_LANG_KEY = "kokdsl.lang"  # ctx.meta: the --lang of the running command, for the error handler
_DEBUG_KEY = "kokdsl.debug"


def _remember(key: str):
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        ctx.meta[key] = value
        return value
    return callback


def _to_date(_ctx: click.Context, _param: click.Parameter, value: datetime.datetime | None) -> datetime.date | None:
    return value.date() if value is not None else None


lang_option = click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
                           callback=_remember(_LANG_KEY), help="Language of messages and reports.")
edition_for_option = click.option(
    "--edition-for", "edition_for", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, callback=_to_date,
    metavar="YYYY-MM-DD", help="Use the edition valid on this date when RULEBOOK is a folder of editions.")
run_date_option = click.option(
    "--run-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, callback=_to_date, metavar="YYYY-MM-DD",
    help="The assessment date recorded in reports and summaries, the value of bedömningsdatum, and the "
         "day each requirement's own validity is judged on (default: today).")


def _print_diagnostics(diagnostics, source: str | None, lang: str, err: bool = True) -> None:
    from kokdsl.diagnostics import format_diagnostic

    for diag in diagnostics:
        # A problem with no place (an output that cannot be written) is one plain sentence.
        click.echo(format_diagnostic(diag, lang, source) if diag.location() else diag.text(lang), err=err)


def _show_error(error: KokError, lang: str) -> None:
    _print_diagnostics(error.diagnostics, error.source, lang)


class KokGroup(click.Group):
    """Handles errors once for every command, as sqlfluff's
    PathAndUserErrorHandler does: a KokError is shown as its diagnostics
    (exit 2); anything else is a bug in kok (exit 3), reported in one line
    that says where the traceback went."""

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
            _internal_error(ctx, error)


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


def _rulebook_for(rulebook: str, edition_for: datetime.date | None = None):
    """The rulebook to run (a file, or the edition of a folder valid on the
    date, else its latest); raises EditionError or RulebookError."""
    from kokdsl.tools.editions import select_edition

    loaded = select_edition(rulebook, edition_for)
    if not loaded.ok:
        raise RulebookError(loaded.diagnostics, loaded.source)
    return loaded


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
@click.option("--format", "fmt", type=click.Choice(["text", "sarif"]), default="text", show_default=True,
              help="sarif: SARIF 2.1.0 on standard output, for code scanning.")
@lang_option
def check(rulebooks: tuple[str, ...], fmt: str, lang: str) -> None:
    """Check RULEBOOK files (a folder: every edition in it) for syntax and
    type errors (exit 2 on errors)."""
    from kokdsl.messages import message
    from kokdsl.pipeline import load_rulebook

    errors = warnings = 0
    rulebooks = tuple(_rulebook_paths(rulebooks))
    if fmt == "sarif":
        from kokdsl.outputs.sarif import render_sarif

        loaded_books = [load_rulebook(path) for path in rulebooks]
        click.echo(render_sarif([(b.path, list(b.diagnostics), []) for b in loaded_books], lang), nl=False)
        sys.exit(EXIT_ERROR if any(not b.ok for b in loaded_books) else EXIT_OK)
    for path in rulebooks:
        loaded = load_rulebook(path)
        _print_diagnostics(loaded.diagnostics, loaded.source, lang, err=False)
        file_errors = sum(d.is_error for d in loaded.diagnostics)
        file_warnings = len(loaded.diagnostics) - file_errors
        errors, warnings = errors + file_errors, warnings + file_warnings
        if not file_errors:
            click.echo(message("check.clean", lang, file=path, warnings=file_warnings))
    if len(rulebooks) > 1 or errors:
        click.echo(message("check.summary", lang, errors=errors, warnings=warnings))
    sys.exit(EXIT_ERROR if errors else EXIT_OK)


@main.command()
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("--vague-words", "vague_words", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="A YAML list of more vague phrases to flag (repeatable); a vague_words.yaml beside "
                   "the rulebook is read too.")
@lang_option
def lint(rulebooks: tuple[str, ...], fmt: str, vague_words: tuple[str, ...], lang: str) -> None:
    """Check that each requirement's text and its check say the same thing
    (modality, numbers, facts), flag vague wording, and check sources, topics,
    rule tests and numbering. Codes KOK1xx; silence one in a requirement with
    `tyst KOK103 "reason"`. A folder is searched for .kok files at any depth.

    Exit 0 clean, 1 findings, 2 a rulebook with errors."""
    import json
    from pathlib import Path

    from kokdsl.messages import message
    from kokdsl.tools.lint import as_json, format_finding, lint_file, read_phrase_file, rule_names

    extra = tuple(p for file in vague_words for p in read_phrase_file(file))
    paths = [str(p) for arg in rulebooks for p in (sorted(Path(arg).rglob("*.kok")) if Path(arg).is_dir() else [arg])]
    results = [lint_file(path, extra) for path in paths]
    if fmt == "sarif":
        from kokdsl.outputs.sarif import render_sarif

        files = [(r.path, list(r.diagnostics), list(r.silenced)) for r in results]
        click.echo(render_sarif(files, lang, rule_names()), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(as_json(results, lang), ensure_ascii=False, indent=2))
    else:
        for result in results:
            for diag in result.diagnostics:
                click.echo(format_finding(diag, result.source, lang))
            if not result.diagnostics:
                click.echo(message("lint.clean", lang, file=result.path))
        click.echo(message("lint.summary", lang, files=len(results), findings=sum(len(r.findings) for r in results),
                           silenced=sum(len(r.silenced) for r in results)))
    if any(r.unusable for r in results):
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if any(r.diagnostics for r in results) else EXIT_OK)


@main.command()
@click.argument("rulebook", type=click.Path())
@click.argument("self_report", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
@click.option("--fail-on", type=click.Choice(["skall", "bör"]), default="skall", show_default=True,
              help="bör: also exit 1 when a bör requirement is not met.")
@edition_for_option
@click.option("--output", "-o", "outputs", multiple=True, metavar="FORMAT:FILE",
              help="Write a findings report (html, md, json or pdf) to FILE, or to stdout with '-'. "
                   "Repeatable; replaces --format output.")
@run_date_option
def run(rulebook: str, self_report: str, fmt: str, lang: str, fail_on: str, edition_for: datetime.date | None,
        outputs: tuple[str, ...], run_date: datetime.date | None) -> None:
    """Check one SELF_REPORT against RULEBOOK and propose a decision.

    RULEBOOK is a .kok file or a folder of editions (e.g. rulebooks/orebro);
    from a folder the latest edition is used, or the one valid on --edition-for."""
    from kokdsl.pipeline import assess

    specs = _parse_outputs(outputs)
    loaded = _rulebook_for(rulebook, edition_for)
    rulebook = loaded.path
    assessment = assess(loaded.rulebook_or_raise(), self_report, run_date)
    if specs:
        _write_outputs(assessment, specs, lang, run_date, rulebook)
    elif fmt == "json":
        from kokdsl.outputs.terminal import render_json

        click.echo(render_json(assessment, lang, rulebook), nl=False)
    else:
        from kokdsl.outputs.terminal import render_text

        click.echo(render_text(assessment, lang), nl=False)
    decision = assessment.decision
    failed = not decision.approved or (fail_on == "bör" and decision.remarks)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _self_report_files(paths: tuple[str, ...]) -> list[str]:
    """The self-report files named or found in the folders given; at least one."""
    from kokdsl.tools.rerun import self_report_files

    files = self_report_files(paths)
    if not files:
        raise KokError("rerun.no_reports")
    return files


def _rulebook_paths(paths: tuple[str, ...]) -> list[str]:
    """Files as given; a folder stands for every edition (*.kok) in it."""
    from pathlib import Path

    from kokdsl.tools.editions import edition_files

    out = []
    for path in paths:
        out += [str(p) for p in edition_files(Path(path))] if Path(path).is_dir() else [path]
    return out


@main.command("test")
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path())
@click.option("--cases", "case_files", multiple=True, type=click.Path(dir_okay=False),
              help="Test file(s) to run instead of the ones beside the rulebook.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None,
              help="Fail (exit 1) when fewer than this percentage of requirements have both a met and a not-met case.")
@lang_option
def test_command(rulebooks: tuple[str, ...], case_files: tuple[str, ...], min_coverage, lang: str) -> None:
    """Run the rule tests beside each RULEBOOK (2025.kok -> 2025.tests.yaml).

    Exit 0 when every case passes (and coverage is enough), 1 on a failing case
    or too little coverage, 2 when a rulebook or test file is unusable."""
    from kokdsl.messages import message
    from kokdsl.pipeline import load_rulebook
    from kokdsl.tools.ruletest import format_percent, format_run, require_test_files, run_tests

    status = EXIT_OK
    for path in _rulebook_paths(rulebooks):
        try:  # one unusable rulebook or test file does not stop the others
            rulebook = load_rulebook(path).rulebook_or_raise()
            run_result = run_tests(rulebook, list(case_files) or require_test_files(path), lang)
        except KokError as error:
            _show_error(error, lang)
            status = EXIT_ERROR
            continue
        click.echo(format_run(run_result, lang), nl=False)
        too_little = min_coverage is not None and run_result.coverage_percent < min_coverage
        if too_little:
            percent = format_percent(run_result.coverage_percent, lang)
            click.echo(message("ruletest.below_minimum", lang, percent=percent, minimum=f"{min_coverage:g}"))
        if (run_result.failures or too_little) and status == EXIT_OK:
            status = EXIT_FINDINGS
    sys.exit(status)


def _load_for_output(rulebook: str):
    """The compiled rulebook (a file, or the latest edition of a folder)."""
    return _rulebook_for(rulebook).rulebook_or_raise()


def _emit(text: str, out: str | None, lang: str) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    from kokdsl.messages import message
    from kokdsl.outputs.files import write_atomic

    write_atomic(out, text.encode("utf-8"))
    click.echo(message("output.written", lang, path=out), err=True)


out_option = click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
                          help="Write to this file (atomically) instead of standard output.")


@main.command()
@click.argument("rulebook", type=click.Path())
@lang_option
@out_option
def template(rulebook: str, lang: str, out: str | None) -> None:
    """Write a blank self-report (YAML) for RULEBOOK: every fact in book order,
    with its description and format as comments."""
    from kokdsl.tools.blank_report import render_template

    _emit(render_template(_load_for_output(rulebook), lang), out, lang)


@main.command()
@click.argument("rulebook", type=click.Path())
@lang_option
@out_option
def schema(rulebook: str, lang: str, out: str | None) -> None:
    """Write the JSON Schema (draft 2020-12) of RULEBOOK's self-report."""
    from kokdsl.tools.schema import render_schema

    _emit(render_schema(_load_for_output(rulebook)), out, lang)


@main.command()
@click.option("--count", type=click.IntRange(1, 1_000_000), required=True, help="How many centres.")
@click.option("--seed", type=int, required=True, help="Random seed: the same seed gives the same files.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Folder to write into.")
@click.option("--every-scenario", is_flag=True, help="Let the first centres take each scenario once.")
@lang_option
def generate(count: int, seed: int, out_dir: str, every_scenario: bool, lang: str) -> None:
    """Write COUNT synthetic, fictional centres (self-reports for the Örebro
    rulebook) into a folder, deterministically from SEED."""
    from kokdsl.messages import message
    from kokdsl.outputs.files import OutputError
    from kokdsl.tools.synthetic import write_centres

    try:
        paths = write_centres(out_dir, count, seed, every_scenario)
    except OutputError as exc:
        raise KokError("generate.cannot_write", path=out_dir, reason=exc.params["reason"]) from None
    click.echo(message("generate.done", lang, count=len(paths), path=out_dir))


def _parse_outputs(outputs: tuple[str, ...]) -> list:
    from kokdsl.outputs.files import parse_output_spec

    return [parse_output_spec(text) for text in outputs]


def _write_outputs(assessment, specs: list, lang: str, run_date, rulebook_path: str) -> None:
    """Render every requested findings report first, then write them."""
    from kokdsl.outputs.findings import render_report

    _write_rendered(specs, lambda fmt: render_report(assessment, fmt, lang, run_date, rulebook_path), lang)


def _write_rendered(specs: list, render, lang: str) -> None:
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
            write_pdf(spec.target, rendered["html"])
        else:
            write_atomic(spec.target, rendered[spec.fmt].encode("utf-8"))
        click.echo(message("output.written", lang, path=spec.target), err=True)


@main.command()
@click.argument("rulebook", type=click.Path())
@click.argument("self_reports", nargs=-1, required=True, type=click.Path())
@edition_for_option
@click.option("--previous", type=click.Path(dir_okay=False), default=None,
              help="summary.json of an earlier rerun: show what changed since then.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write summary.json and one HTML findings report per centre into this folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@run_date_option
@lang_option
def rerun(rulebook: str, self_reports: tuple[str, ...], edition_for: datetime.date | None, previous: str | None,
          out_dir: str | None, fmt: str, run_date: datetime.date | None, lang: str) -> None:
    """The yearly follow-up: check every SELF_REPORT (files or folders) against
    RULEBOOK. A self-report that cannot be read is listed and never stops the
    run. Exit 0 when every centre is approved, 1 when any is not, 2 when any
    self-report could not be read."""
    import json

    from kokdsl.messages import message
    from kokdsl.outputs.terminal import render_rerun_text, rerun_view
    from kokdsl.tools import rerun as reruns

    loaded = _rulebook_for(rulebook, edition_for)
    earlier = reruns.load_previous(previous) if previous is not None else None
    files = _self_report_files(self_reports)
    day = run_date or datetime.date.today()
    compiled = loaded.rulebook_or_raise()
    runs = reruns.rerun(compiled, files, day)
    data = reruns.summary(compiled, runs, day.isoformat())
    change_list = reruns.changes(earlier, data) if earlier is not None else []
    view = rerun_view(compiled, runs, change_list, earlier.get("run_date", previous) if earlier else None,
                      lang)
    if out_dir is not None:
        _write_rerun(out_dir, runs, data, view, lang, day, loaded.path)
    if fmt == "json":
        if earlier is not None:
            data["changes"] = [{"key": c.key, "name": c.name, "code": c.code, "params": c.params,
                                "message": message(c.code, lang, **c.params)} for c in change_list]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_rerun_text(view, lang), nl=False)
    if reruns.any_unreadable(runs):
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK if reruns.all_approved(runs) else EXIT_FINDINGS)


def _write_rerun(out_dir: str, runs, data: dict, view: dict, lang: str, day, rulebook_path: str) -> None:
    """One HTML findings report per readable centre, index.html linking them,
    and summary.json, each written atomically."""
    import json
    from pathlib import Path

    from kokdsl.messages import message
    from kokdsl.outputs.files import write_atomic
    from kokdsl.outputs.findings import render_report, render_rerun_html

    links, taken = {}, {"index", "summary"}
    for run in runs:
        if run.assessment is not None:
            stem, n = Path(run.file).stem, 2
            name = stem
            while name in taken:  # two self-reports of the same name in different folders
                name, n = f"{stem}-{n}", n + 1
            taken.add(name)
            links[run.file] = f"{name}.html"
    folder = Path(out_dir)
    for run in runs:
        if run.assessment is not None:
            html = render_report(run.assessment, "html", lang, day, rulebook_path)
            write_atomic(folder / links[run.file], html.encode("utf-8"))
    write_atomic(folder / "index.html", render_rerun_html(view, day, links).encode("utf-8"))
    write_atomic(folder / "summary.json", (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    click.echo(message("output.written", lang, path=out_dir), err=True)


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
@lang_option
def impact(rulebook: str, self_reports: tuple[str, ...], draft: str | None, as_skall: tuple[str, ...],
           as_bor: tuple[str, ...], adopt: tuple[str, ...], adopt_all: bool, lang: str) -> None:
    """What if? Run RULEBOOK and a variant of it (--draft, --as-skall, --as-bör,
    --adopt, --adopt-proposals) over the same SELF_REPORTS and list the centres
    whose decision changes."""
    from kokdsl.enums import Modality
    from kokdsl.messages import message
    from kokdsl.outputs.terminal import render_impact_text
    from kokdsl.tools import impact as impacts
    from kokdsl.tools import rerun as reruns

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
    files = _self_report_files(self_reports)
    before, after = reruns.rerun(base, files), reruns.rerun(variant, files)
    changes = impacts.verdict_changes(before, after)
    click.echo(render_impact_text(base, "; ".join(descriptions), before, after, changes, lang), nl=False)
    sys.exit(EXIT_OK)


@main.command()
@click.argument("rulebook", type=click.Path())
@click.option("--output", "-o", "outputs", multiple=True, metavar="FORMAT:FILE",
              help="Write the book as html or md to FILE, or to stdout with '-'. Repeatable. Default: md:-.")
@lang_option
def book(rulebook: str, outputs: tuple[str, ...], lang: str) -> None:
    """Publish RULEBOOK as a book: chapters, requirement texts with their
    checks, and the facts a self-report holds (HTML or Markdown)."""
    from kokdsl.outputs.book import FORMATS, render_book

    specs = _parse_outputs(outputs or ("md:-",))
    for spec in specs:
        if spec.fmt not in FORMATS and spec.fmt != "pdf":
            raise KokError("book.bad_format", format=spec.fmt)
    loaded = _load_for_output(rulebook)
    _write_rendered(specs, lambda fmt: render_book(loaded, fmt, lang), lang)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is not in canonical layout.")
@click.option("--keywords", type=click.Choice(["sv", "en"]), default=None,
              help="Keyword language to write (default: the one the file's header uses).")
@lang_option
def fmt(paths: tuple[str, ...], check: bool, keywords: str | None, lang: str) -> None:
    """Rewrite rulebooks in the canonical layout, comments kept. Folders stand
    for the .kok files in them. A file with syntax errors is left untouched."""
    from pathlib import Path

    from kokdsl.messages import message
    from kokdsl.outputs.files import write_atomic
    from kokdsl.parser import parse
    from kokdsl.pipeline import read_rulebook
    from kokdsl.tools.formatter import format_source, source_language

    files = []
    for path in map(Path, paths):
        files += sorted(path.rglob("*.kok")) if path.is_dir() else [path]
    status = EXIT_OK
    for file in map(str, files):
        source, problems = read_rulebook(file)
        parsed = parse(source, file) if source is not None else None
        if parsed is None or parsed.diagnostics:
            _print_diagnostics(problems or parsed.diagnostics, parsed.source if parsed else "", lang)
            status = EXIT_ERROR
            continue
        formatted = format_source(parsed.rulebook, parsed.source, keywords or source_language(parsed.rulebook,
                                                                                              parsed.source))
        if formatted == parsed.source:
            continue
        if check:
            click.echo(message("fmt.would_change", lang, file=file))
            status = max(status, EXIT_FINDINGS)
            continue
        try:
            write_atomic(file, formatted.encode("utf-8"))
        except KokError as error:  # the other files are still formatted
            _show_error(error, lang)
            status = EXIT_ERROR
            continue
        click.echo(message("fmt.changed", lang, file=file))
    sys.exit(status)


@main.command()
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path())
@lang_option
def compare(rulebooks: tuple[str, ...], lang: str) -> None:
    """Lay RULEBOOKS (files, or folders of editions) side by side, area by
    area: which requirements each has on each topic, and at which level.
    Prints a Markdown table."""
    from kokdsl.pipeline import load_rulebook
    from kokdsl.tools.compare import comparison, render_markdown

    compiled = [load_rulebook(path).rulebook_or_raise() for path in _rulebook_paths(rulebooks)]
    click.echo(render_markdown(comparison(compiled, lang), lang), nl=False)


@main.command("report-schema")
def report_schema() -> None:
    """Print the JSON Schema of the JSON findings report (kok run --output json:…)."""
    from kokdsl.outputs.findings import schema_text

    click.echo(schema_text(), nl=False)


if __name__ == "__main__":
    main()
