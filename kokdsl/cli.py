"""The `kok` command line: wires the stages together, picks formats, sets
exit codes. Nothing else lives here.

Exit codes: 0 success (approved / clean), 1 findings (not approved),
2 input or syntax errors.
"""

from __future__ import annotations

import sys

import click

from kokdsl import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

lang_option = click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
                           help="Language of messages and reports.")


def _print_diagnostics(diagnostics, source: str, lang: str, err: bool = True) -> None:
    from kokdsl.diagnostics import format_diagnostic

    for diag in diagnostics:
        click.echo(format_diagnostic(diag, lang, source), err=err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kok")
def main() -> None:
    """kokdsl: check vårdcentraler against a KoK-bok written as rules."""


@main.command()
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@lang_option
def check(rulebooks: tuple[str, ...], lang: str) -> None:
    """Check RULEBOOK files for syntax and type errors (exit 2 on errors)."""
    from kokdsl.messages import message
    from kokdsl.pipeline import load_rulebook

    errors = warnings = 0
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
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("self_report", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
@click.option("--fail-on", type=click.Choice(["skall", "bör"]), default="skall", show_default=True,
              help="bör: also exit 1 when a bör requirement is not met.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FORMAT:FILE",
              help="Write a findings report (html, md, json or pdf) to FILE, or to stdout with '-'. "
                   "Repeatable; replaces --format output.")
@click.option("--run-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="The assessment date printed in reports (default: today).")
def run(rulebook: str, self_report: str, fmt: str, lang: str, fail_on: str, outputs: tuple[str, ...],
        run_date) -> None:
    """Check one SELF_REPORT against RULEBOOK and propose a decision."""
    from kokdsl.diagnostics import format_diagnostic
    from kokdsl.pipeline import assess, load_rulebook
    from kokdsl.selfreport import SelfReportError

    specs = _parse_outputs(outputs, lang)
    loaded = load_rulebook(rulebook)
    if not loaded.ok:
        _print_diagnostics(loaded.diagnostics, loaded.source, lang)
        sys.exit(EXIT_ERROR)
    try:
        assessment = assess(loaded.rulebook, self_report)
    except SelfReportError as exc:
        click.echo(format_diagnostic(exc.diagnostic, lang), err=True)
        sys.exit(EXIT_ERROR)
    if specs:
        _write_outputs(assessment, specs, lang, run_date.date() if run_date else None, rulebook)
    elif fmt == "json":
        from kokdsl.render import render_json

        click.echo(render_json(assessment, lang, rulebook), nl=False)
    else:
        from kokdsl.render import render_text

        click.echo(render_text(assessment, lang), nl=False)
    decision = assessment.decision
    failed = not decision.approved or (fail_on == "bör" and decision.remarks)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _parse_outputs(outputs: tuple[str, ...], lang: str) -> list:
    from kokdsl.messages import message
    from kokdsl.output import OutputError, parse_output_spec

    try:
        return [parse_output_spec(text) for text in outputs]
    except OutputError as exc:
        click.echo(message(exc.code, lang, **exc.params), err=True)
        sys.exit(EXIT_ERROR)


def _write_outputs(assessment, specs: list, lang: str, run_date, rulebook_path: str) -> None:
    """Render every requested report first, then write them: files atomically, '-' to stdout."""
    from kokdsl.messages import message
    from kokdsl.output import OutputError, write_atomic, write_pdf
    from kokdsl.report import render_report

    rendered: dict[str, str] = {}
    for fmt in {"html" if spec.fmt == "pdf" else spec.fmt for spec in specs}:
        rendered[fmt] = render_report(assessment, fmt, lang, run_date, rulebook_path)
    try:
        for spec in specs:
            if spec.to_stdout:
                click.echo(rendered[spec.fmt], nl=False)
                continue
            if spec.fmt == "pdf":
                write_pdf(spec.target, rendered["html"])
            else:
                write_atomic(spec.target, rendered[spec.fmt].encode("utf-8"))
            click.echo(message("output.written", lang, path=spec.target), err=True)
    except OutputError as exc:
        click.echo(message(exc.code, lang, **exc.params), err=True)
        sys.exit(EXIT_ERROR)


@main.command("report-schema")
def report_schema() -> None:
    """Print the JSON Schema of the JSON findings report (kok run --output json:…)."""
    from kokdsl.report import schema_text

    click.echo(schema_text(), nl=False)


if __name__ == "__main__":
    main()
