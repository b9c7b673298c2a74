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
@click.argument("rulebook", type=click.Path())
@click.argument("self_report", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
@click.option("--fail-on", type=click.Choice(["skall", "bör"]), default="skall", show_default=True,
              help="bör: also exit 1 when a bör requirement is not met.")
@click.option("--edition-for", "edition_for", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Use the edition valid on this date (YYYY-MM-DD) when RULEBOOK is a folder of editions.")
def run(rulebook: str, self_report: str, fmt: str, lang: str, fail_on: str, edition_for) -> None:
    """Check one SELF_REPORT against RULEBOOK and propose a decision.

    RULEBOOK is a .kok file or a folder of editions (e.g. rulebooks/orebro);
    from a folder the latest edition is used, or the one valid on --edition-for."""
    from kokdsl.diagnostics import format_diagnostic
    from kokdsl.editions import EditionError, select_edition
    from kokdsl.pipeline import assess
    from kokdsl.selfreport import SelfReportError

    try:
        loaded = select_edition(rulebook, edition_for.date() if edition_for else None)
    except EditionError as exc:
        click.echo(format_diagnostic(exc.diagnostic, lang), err=True)
        sys.exit(EXIT_ERROR)
    rulebook = loaded.path
    if not loaded.ok:
        _print_diagnostics(loaded.diagnostics, loaded.source, lang)
        sys.exit(EXIT_ERROR)
    try:
        assessment = assess(loaded.rulebook, self_report)
    except SelfReportError as exc:
        click.echo(format_diagnostic(exc.diagnostic, lang), err=True)
        sys.exit(EXIT_ERROR)
    if fmt == "json":
        from kokdsl.render import render_json

        click.echo(render_json(assessment, lang, rulebook), nl=False)
    else:
        from kokdsl.render import render_text

        click.echo(render_text(assessment, lang), nl=False)
    decision = assessment.decision
    failed = not decision.approved or (fail_on == "bör" and decision.remarks)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


if __name__ == "__main__":
    main()
