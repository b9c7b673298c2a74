"""Keeping the gettext catalogues: extract, update, compile and check.

    python -m kokdsl.catalogue extract   # ids named in the code and templates -> kokdsl/locale/kokdsl.pot
    python -m kokdsl.catalogue update    # kokdsl.pot -> sv and en .po (new ids appear untranslated)
    python -m kokdsl.catalogue compile   # .po -> .mo, the files the tool reads
    python -m kokdsl.catalogue check     # both languages complete, placeholders equal, .mo current

Message ids are keys ("compile.duplicate_fact"), and code often builds them
(f"outcome.{outcome}"), so no scan of the code finds every id. The template,
kokdsl.pot, is therefore the register of ids and their translator notes:
extraction (Babel, with the mapping in babel.cfg) adds the ids the code and the
report templates name literally, with where they are used, and keeps the rest.
Run in a checkout; the wheel ships only the compiled catalogues.
"""

from __future__ import annotations

import ast
import io
import itertools
import string
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kokdsl.messages import DOMAIN, LANGUAGES, LOCALE_DIR, mo_path

ROOT = LOCALE_DIR.parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
MAPPING = ROOT / "babel.cfg"
# Where the code names a message id, in Babel's keyword form: the function and
# which of its arguments (from 1) is the id.
# A keyword argument of any call named hint_code, code or error_code is an id too.
KEYWORDS: dict[str, Any] = {
    "message": None, "template": None, "has_message": None, "N_": None, "t": None,
    "m": None, "error": None, "warn": None, "Diagnostic": (2,), "KokError": None, "DocumentError": None,
    "OutputError": None, "FolderError": None, "PreviousRunError": None, "ImpactError": None, "_fail": None,
    "_Bad": (2,), "error_row": (2,), "expect_bool": (3,), "Change": (3,), "RulebookCheck": (2,), "LintResult": (2,),
    "Mismatch": (4,), "hint_code": None, "code": None, "error_code": None,
}
TRANSLATOR_TAG = "TRANSLATORS:"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(path: Path, lang: str | None = None) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    # File names without line numbers: a line added above a call does not touch the catalogues.
    write_po(buffer, catalog, width=0, include_lineno=False, ignore_obsolete=True)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())


def texts() -> dict[str, dict[str, str]]:
    """Every id's sentence per language ({id: {"sv": …, "en": …}}), read
    from the .po files; plural entries by their first form."""
    out: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        for entry in read(po_path(lang), lang):
            if entry.id:
                key = entry.id if isinstance(entry.id, str) else entry.id[0]
                out.setdefault(key, {})[lang] = next(iter(_forms(entry)), "")
    return out


# -- extract -------------------------------------------------------------------


def extract_code(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
                 options: dict[str, Any]) -> Iterator[tuple[int, str, tuple[str | None, ...], list[str]]]:
    """Message ids in Python, for Babel: the literal arguments of calls to the
    keywords (KEYWORDS says which argument is the id), trying each literal of a
    choice ("a" if x else "b"); ids built at run time are not found. A keyword
    argument named like a keyword (hint_code="…") names an id too. A file whose own ids are short sets `prefix`
    and `prefixed` in babel.cfg: the prefix goes before the ids given to the
    functions in `prefixed` (prose.py's t("compare.met") is "prose.compare.met").
    Comments starting with a comment tag on the lines above a call are its note."""
    source = fileobj.read().decode("utf-8")
    prefix = options.get("prefix", "")
    prefixed = options.get("prefixed", "").split()
    comments = _comments(source)
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        notes = _notes_above(node.lineno, comments, comment_tags)
        if isinstance(name, str) and name in keywords and node.args:
            choices: list[list[str | None]] = [[*_literals(arg)] or [None] for arg in node.args]
            for args in itertools.product(*choices):
                first = args[0]
                if first is not None and name in prefixed and not first.startswith(prefix):
                    args = (prefix + first, *args[1:])
                yield node.lineno, name, args, notes
        for argument in node.keywords:
            if argument.arg is not None and argument.arg in keywords:
                for value in _literals(argument.value):
                    yield node.lineno, argument.arg, (value,), notes


def _literals(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value else []  # "" is no id (gettext keeps it for the header)
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _comments(source: str) -> dict[int, str]:
    """Line number -> the text of a comment that is the whole line."""
    return {n: line.strip()[1:].strip() for n, line in enumerate(source.splitlines(), 1)
            if line.strip().startswith("#")}


def _notes_above(lineno: int, comments: dict[int, str], tags: Collection[str]) -> list[str]:
    block: list[str] = []
    line = lineno - 1
    while line in comments:
        block.insert(0, comments[line])
        line -= 1
    for i, text in enumerate(block):
        for tag in tags:
            if text.startswith(tag):
                return [" ".join([text.removeprefix(tag).strip(), *block[i + 1:]]).strip()]
    return []


def extracted() -> dict[str, Message]:
    """Every id the code and templates name literally, with where and any
    `# TRANSLATORS:` note written above it."""
    with open(MAPPING, encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(MAPPING))  # type: ignore[no-untyped-call]
    found: dict[str, Message] = {}
    for filename, lineno, msg, comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=(TRANSLATOR_TAG,),
            strip_comment_tags=True):  # the tag stays off the note
        key = msg[0] if isinstance(msg, tuple) else msg
        entry = found.setdefault(key, Message(msg))
        entry.locations.append((filename, lineno))
        entry.auto_comments.extend(c for c in comments if c not in entry.auto_comments)
    return found


def extract() -> list[str]:
    """Merge the extracted ids into the template; returns the new ids."""
    old = read(TEMPLATE)
    found = extracted()
    template = Catalog(domain=DOMAIN, project="kokdsl", version=old.version,
                       copyright_holder="kokdsl contributors", creation_date=old.creation_date)
    new = []
    for entry in old:
        if not entry.id:
            continue
        here = found.pop(entry.id if isinstance(entry.id, str) else entry.id[0], None)
        locations = sorted({(f, n) for f, n in here.locations}) if here else []
        template.add(entry.id, "", locations=locations, auto_comments=entry.auto_comments)
    for key, entry in found.items():
        template.add(entry.id, "", locations=sorted(set(entry.locations)), auto_comments=entry.auto_comments)
        new.append(key)
    write(TEMPLATE, template)
    return new


# -- update and compile -----------------------------------------------------------


def update() -> None:
    """Bring each language's .po in line with the template: new ids appear
    untranslated, ids gone from the template are dropped, notes are refreshed."""
    template = read(TEMPLATE)
    for lang in LANGUAGES:
        catalog = read(po_path(lang), lang)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        write(po_path(lang), catalog)


def compiled(lang: str) -> bytes:
    """The .mo that the language's .po compiles to."""
    buffer = io.BytesIO()
    write_mo(buffer, read(po_path(lang), lang), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for lang in LANGUAGES:
        path = mo_path(lang)
        data = compiled(lang)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


# -- check ---------------------------------------------------------------------------


def placeholders(text: str) -> set[str]:
    """The {names} a sentence fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _forms(entry: Message) -> list[str]:
    """The translated forms of an entry (one, or one per plural form), blanks left out."""
    forms = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
    return [form for form in forms if form]


def _omitted(entry: Message) -> set[str]:
    """Placeholders a translation leaves out on purpose, named in a translator
    comment "# omits {record}: …" (English has no word for a Swedish record name)."""
    return {name for comment in entry.user_comments if comment.startswith("omits ")
            for name in placeholders(comment.split(":", 1)[0])}


def problems() -> list[str]:
    """Everything that keeps the catalogues from being complete and current,
    as sentences for a maintainer; empty when all is well."""
    out: list[str] = []
    template_ids = {e.id if isinstance(e.id, str) else e.id[0] for e in read(TEMPLATE) if e.id}
    catalogs = {lang: read(po_path(lang), lang) for lang in LANGUAGES}
    for lang, catalog in catalogs.items():
        ids = {e.id if isinstance(e.id, str) else e.id[0] for e in catalog if e.id}
        out += [f"{lang}: {key} is in kokdsl.pot but not in the .po (run update)" for key in sorted(template_ids - ids)]
        out += [f"{lang}: {key} is not in kokdsl.pot (run extract, then update)" for key in sorted(ids - template_ids)]
        for entry in catalog:
            if not entry.id:
                continue
            plural = isinstance(entry.id, tuple)
            forms = _forms(entry)
            if entry.fuzzy:
                out.append(f"{lang}: {entry.id!r} is marked fuzzy")
            if len(forms) < (catalog.num_plurals if plural else 1):
                out.append(f"{lang}: {entry.id!r} is not translated")
            # A plural form may leave out {count} ("the folder's only edition …").
            if len({frozenset(placeholders(f) - {"count"}) for f in forms}) > 1:
                out.append(f"{lang}: the plural forms of {entry.id!r} fill in different placeholders")
        if mo_path(lang).exists() and mo_path(lang).read_bytes() != compiled(lang):
            out.append(f"{lang}: {mo_path(lang).name} is not compiled from the .po (run compile)")
        elif not mo_path(lang).exists():
            out.append(f"{lang}: {mo_path(lang)} is missing (run compile)")
    first, *others = LANGUAGES
    for entry in catalogs[first]:
        if not entry.id:
            continue
        names = set().union(*map(placeholders, _forms(entry))) if _forms(entry) else set()
        for lang in others:
            other = catalogs[lang].get(entry.id)
            theirs = set().union(*map(placeholders, _forms(other))) if other and _forms(other) else set()
            omitted = _omitted(entry) | _omitted(other) if other else set()
            if other and _forms(other) and theirs ^ names - omitted:
                out.append(f"{entry.id!r}: {first} fills in {sorted(names)}, {lang} {sorted(theirs)}")
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        new = extract()
        print(f"{TEMPLATE.relative_to(ROOT)}: {len(new)} new id(s)" + "".join(f"\n  {key}" for key in new))
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = problems()
        print("\n".join(found) or "the catalogues are complete and compiled")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
