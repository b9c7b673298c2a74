"""The KokError tree and the command line's one error handler: exit 2 for a
problem the user can fix, exit 3 (one line, traceback in a log) for a bug."""

import importlib
import inspect
import pickle
import pkgutil
import tempfile

import pytest
from click.testing import CliRunner

import kokdsl
from kokdsl import errors
from kokdsl.cli import EXIT_ERROR, EXIT_INTERNAL, main
from kokdsl.diagnostics import ERROR, Diagnostic

OREBRO = "rulebooks/orebro/2025.kok"
EXAMPLE = "examples/godkand.yaml"


def _kokdsl_modules():
    for info in pkgutil.walk_packages(kokdsl.__path__, "kokdsl."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


def test_every_exception_class_in_kokdsl_is_a_kok_error_and_every_public_one_lives_in_errors():
    found = []
    for module in _kokdsl_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                found.append(cls)
                assert issubclass(cls, errors.KokError), f"{cls.__module__}.{cls.__qualname__} is outside the tree"
                assert module is errors or cls.__name__.startswith("_"), (
                    f"{cls.__module__}.{cls.__qualname__}: a public error class belongs in kokdsl/errors.py")
    assert len(found) >= 12  # the public classes and the private control-flow ones


PUBLIC = ["KokError", "RulebookError", "KokSyntaxError", "DocumentError", "SelfReportError", "ScheduleFormatError",
          "RuleTestError", "OutputError", "InputRefused", "RequestRefused"]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_errors_are_defined_in_the_errors_module(name):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.KokError) and cls.__module__ == "kokdsl.errors"


def test_the_errors_module_holds_exactly_the_public_tree():
    defined = {name for name, cls in inspect.getmembers(errors, inspect.isclass) if cls.__module__ == "kokdsl.errors"}
    assert defined == set(PUBLIC)


def test_a_kok_error_is_built_from_a_code_a_diagnostic_or_a_list():
    by_code = errors.KokError("output.write_failed", path="a.html", reason="disk full")
    assert by_code.diagnostic == Diagnostic(ERROR, "output.write_failed", {"path": "a.html", "reason": "disk full"})
    assert by_code.code == "output.write_failed" and by_code.params["reason"] == "disk full"
    one = Diagnostic(ERROR, "data.not_utf8", {}, file="x.yaml")
    assert errors.KokError(one).diagnostics == [one]
    assert errors.KokError([one, one]).diagnostics == [one, one]
    assert str(errors.KokError(one)) == "x.yaml: data.not_utf8"


@pytest.mark.parametrize("error", [
    errors.OutputError("output.write_failed", path="a", reason="b"),
    errors.ScheduleFormatError("schedule.bad_day", {"value": "x"}, "['mån']"),
    errors.RulebookError([Diagnostic(ERROR, "compile.no_header", {})], "källa"),
])
def test_errors_survive_pickling_across_processes(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.diagnostics == error.diagnostics
    assert copy.source == error.source
    assert getattr(copy, "subpath", None) == getattr(error, "subpath", None)


def _invoke(*args, **env):
    return CliRunner().invoke(main, list(args), env=env or None)


def test_a_user_error_is_shown_once_and_exits_2():
    result = _invoke("run", OREBRO, EXAMPLE, "--output", "docx:x")
    assert result.exit_code == EXIT_ERROR
    assert result.output.count("\n") == 1
    assert result.output.startswith("--output ”docx:x” ska skrivas FORMAT:FIL")


def test_a_rulebook_error_shows_its_source_line(tmp_path):
    book = tmp_path / "bad.kok"
    book.write_text('regelbok "x" utgåva 2025\nkrav 1 skall:\n  "t"\n  när saknad = 3\n', encoding="utf-8")
    result = _invoke("template", str(book))
    assert result.exit_code == EXIT_ERROR
    assert f"{book}:" in result.output and "^" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def crash(monkeypatch, tmp_path):
    """Make evaluation fail the way a bug would, and keep logs in tmp_path."""
    import kokdsl.pipeline

    def broken(*_args, **_kwargs):
        raise ValueError("a bug\nwith a second line")

    monkeypatch.setattr(kokdsl.pipeline, "assess", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_an_internal_error_exits_3_with_one_line_and_a_log(crash):
    result = _invoke("run", OREBRO, EXAMPLE, "--lang", "en")
    assert result.exit_code == EXIT_INTERNAL
    assert result.output.count("\n") == 1
    assert result.output.startswith("internal error in kok (ValueError: a bug); this is a bug in kok")
    [log] = crash.glob("kok-internal-error-*.log")
    assert result.output.rstrip().endswith(str(log))
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "ValueError: a bug" in text
    assert "Traceback" not in result.output


def test_debug_prints_the_traceback_instead(crash):
    result = _invoke("--debug", "run", OREBRO, EXAMPLE)
    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in result.output
    assert "internt fel i kok (ValueError: a bug)" in result.output
    assert not list(crash.glob("kok-internal-error-*.log"))


def test_debug_can_be_switched_on_by_environment(crash):
    result = _invoke("run", OREBRO, EXAMPLE, KOK_DEBUG="1")
    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in result.output


def test_without_a_writable_log_folder_it_points_to_debug(crash, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(crash / "missing" / "folder"))
    result = _invoke("run", OREBRO, EXAMPLE, "--lang", "en")
    assert result.exit_code == EXIT_INTERNAL
    assert result.output.rstrip().endswith("Run again with --debug for details")


@pytest.mark.parametrize("command", ["run", "rerun"])
def test_shared_options_behave_the_same_in_every_command(command):
    result = _invoke(command, "rulebooks/orebro", EXAMPLE, "--edition-for", "2000-01-01", "--run-date", "2025-06-02")
    assert result.exit_code == EXIT_ERROR
    assert "rulebooks/orebro: fel: ingen av mappens" in result.output
    bad = _invoke(command, OREBRO, EXAMPLE, "--run-date", "2025-13-01")
    assert bad.exit_code == EXIT_ERROR and "'--run-date'" in bad.output
