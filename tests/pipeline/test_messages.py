"""The gettext catalogues: both languages complete, placeholders equal,
compiled files current, and every id the code names present."""

import pytest

from kokdsl import catalogue
from kokdsl.messages import LANGUAGES, has_message, message, template


def test_the_catalogues_are_complete_with_equal_placeholders_and_compiled():
    assert catalogue.problems() == []


def test_every_id_named_in_the_code_and_templates_is_in_the_catalogue():
    named = catalogue.extracted()
    assert len(named) > 400  # extraction found the code's ids (a broken mapping finds none)
    assert sorted(key for key in named if not has_message(key)) == []


def test_every_entry_has_a_translators_note_in_both_languages():
    for lang in LANGUAGES:
        unexplained = [e.id for e in catalogue.read(catalogue.po_path(lang), lang) if e.id and not e.auto_comments]
        assert unexplained == [], lang


def test_a_missing_placeholder_or_translation_is_reported(tmp_path, monkeypatch):
    for lang in LANGUAGES:
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / lang / "LC_MESSAGES" / "kokdsl.po").write_bytes(catalogue.po_path(lang).read_bytes())
        (tmp_path / lang / "LC_MESSAGES" / "kokdsl.mo").write_bytes(catalogue.compiled(lang))
    po = tmp_path / "en" / "LC_MESSAGES" / "kokdsl.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "expected {expected}, but found {found}"', 'msgstr "expected {expected}"')
    text = text.replace('msgstr "the character “{char}” does not belong here"', 'msgstr ""')
    po.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalogue, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(catalogue, "mo_path", lambda lang: tmp_path / lang / "LC_MESSAGES" / "kokdsl.mo")
    found = catalogue.problems()
    assert "en: 'syntax.stray_char' is not translated" in found
    assert "'syntax.unexpected_token': sv fills in ['expected', 'found'], en ['expected']" in found
    assert "en: kokdsl.mo is not compiled from the .po (run compile)" in found


def test_messages_come_from_the_catalogue_in_each_language():
    assert message("syntax.bad_date", "sv", text="2025-13-01") == "”2025-13-01” är inget giltigt datum (ÅÅÅÅ-MM-DD)"
    assert message("syntax.bad_date", "en", text="2025-13-01") == "“2025-13-01” is not a valid date (YYYY-MM-DD)"
    assert template("severity.error", "en") == "error"


def test_an_unknown_id_is_an_error_not_a_sentence():
    assert not has_message("no.such.message")
    with pytest.raises(KeyError):
        message("no.such.message", "sv")
    with pytest.raises(KeyError):
        message("syntax.bad_date", "de", text="x")
