"""AST -> canonical .kok source, and `kok fmt`.

The printed source parses back to an equal AST (a property test holds it to
that). Comments are not part of the AST, so format_source() takes them from
the source text and puts each one back where it was written: before the
declaration it stood before, and inside a declaration at the line it stood on
(an end-of-line comment stays at the end of that line).
"""

from __future__ import annotations

import functools
import re

from kokdsl import ast
from kokdsl.authoring.unparse import expr_text, logic_chain
from kokdsl.parser import canonical_keyword

INDENT = "  "


def quote(text: str) -> str:
    """A one-line text literal, backslashes and quotes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_block(text: str, indent: str = INDENT) -> str:
    """A triple-quoted text block with its continuation lines indented, written
    as it is: trailing spaces and carriage returns inside a text are part of it."""
    lines = text.split("\n")
    body = lines[0] + "".join("\n" + (indent + line if line else "") for line in lines[1:])
    return f'{indent}"""{body}"""'


def format_type(t: ast.TypeExpr, lang: str, indent: str = "") -> str:
    """A type as written. A value list whose values carry display names is
    written one value a line, `indent` being the declaration's own indent."""
    kw = functools.partial(canonical_keyword, lang=lang)
    simple = {"bool": "yes_no", "integer": "integer", "decimal": "decimal", "percent": "percent",
              "text": "text", "date": "date", "schedule": "schedule"}
    if t.kind in simple:
        return kw(simple[t.kind])
    if t.kind in ("enum", "set"):
        names = t.value_names or (None,) * len(t.values)
        members = [value + _display_name(name, lang) for value, name in zip(t.values, names, strict=True)]
        keyword = kw('one_of' if t.kind == 'enum' else 'set_of')
        if t.value_names:
            inner = indent + INDENT * 2
            return f"{keyword} {{\n" + ",\n".join(inner + m for m in members) + f"\n{indent}}}"
        return f"{keyword} {{{', '.join(members)}}}"
    return f"{kw('list_of')} {t.record}"


MAX_LINE = 100


def _provenance_lines(item: ast.Requirement, lang: str) -> list[str]:
    """A requirement's status, sources and validity, one clause a line."""
    def kw(concept: str) -> str:
        return canonical_keyword(concept, lang)

    lines = []
    if item.status is not None:
        lines.append(f"{INDENT}{kw('status')} {kw(item.status)}")
    for source in item.sources:
        dated = f" {kw('dated')} {source.date.isoformat()}" if source.date else ""
        lines.append(f"{INDENT}{kw('source')} {quote(source.text)}{dated}")
    if item.valid_from is not None:
        lines.append(f"{INDENT}{kw('valid_from')} {item.valid_from.isoformat()}")
    if item.valid_to is not None:
        lines.append(f"{INDENT}{kw('valid_to')} {item.valid_to.isoformat()}")
    return lines


def _display_name(display: ast.DisplayName | None, lang: str) -> str:
    if display is None:
        return ""
    english = (f" {canonical_keyword('in_english', lang)} {quote(display.en)}{_singular(display.singular_en, lang)}"
               if display.en is not None else "")
    return f" {canonical_keyword('shown_as', lang)} {quote(display.sv)}{_singular(display.singular, lang)}{english}"


def _singular(word: str | None, lang: str) -> str:
    return f" {canonical_keyword('singular', lang)} {quote(word)}" if word is not None else ""


def _english(text: str | None, lang: str, before: str) -> str:
    """` på engelska "…"` after a description that has one."""
    return f"{before}{canonical_keyword('in_english', lang)} {quote(text)}" if text is not None else ""


def _check_lines(check: ast.Expr, lang: str) -> str:
    """The check on one line, or a long `a och b och c` one operand a line."""
    text = INDENT + expr_text(check, lang)
    chain = logic_chain(check, lang)
    if len(text) <= MAX_LINE or chain is None:
        return text
    keyword, operands = chain
    return "\n".join([INDENT + operands[0]] + [f"{INDENT * 2}{keyword} {o}" for o in operands[1:]])


def format_item(item: ast.Item, lang: str = "sv") -> str:
    """One declaration in the canonical layout, keywords in `lang`, without comments."""
    kw = functools.partial(canonical_keyword, lang=lang)
    match item:
        case ast.Header():
            lines = [f"{kw('rulebook')} {quote(item.name)} {kw('edition')} {item.edition}"]
            if item.valid_from:
                lines.append(f"{INDENT}{kw('valid_from')} {item.valid_from.isoformat()}")
            if item.source is not None:
                lines.append(f"{INDENT}{kw('source')} {quote(item.source)}")
            if item.selection is not None:
                selection = canonical_keyword("selection", lang)
                lines.append(f"{INDENT}{selection}" + (f" {quote(item.selection)}" if item.selection else ""))
            if item.draft:
                lines.append(f"{INDENT}{kw('status')} {kw('draft')}")
            if item.reconstruction is not None:
                # The English statement on a line of its own: both are sentences.
                english = (f"\n{INDENT * 2}{kw('in_english')} {quote(item.reconstruction.en)}"
                           if item.reconstruction.en is not None else "")
                lines.append(f"{INDENT}{kw('reconstruction')} {quote(item.reconstruction.sv)}{english}")
            return "\n".join(lines)
        case ast.FactDecl():
            line = f"{kw('fact')} {item.name}: {format_type(item.type, lang)}"
            line += f" {kw('input_only')}" if item.input_only else ""
            line += _display_name(item.display, lang)
            # The English description on a line of its own, as a book's reconstruction statement.
            english = _english(item.doc_en, lang, f"\n{INDENT * 2}")
            return line + (f"\n{INDENT}{quote(item.doc)}{english}" if item.doc is not None else "")
        case ast.RecordDecl():
            lines = [f"{kw('record')} {item.name}{_display_name(item.display, lang)}:"]
            for f in item.fields:
                doc = f" {quote(f.doc)}{_english(f.doc_en, lang, ' ')}" if f.doc is not None else ""
                lines.append(f"{INDENT}{f.name}: {format_type(f.type, lang, INDENT)}"
                             f"{_display_name(f.display, lang)}{doc}")
            return "\n".join(lines)
        case ast.Chapter():
            line = f"{kw('chapter')} {quote(item.title)}"
            return line + (f"\n{text_block(item.text)}" if item.text is not None else "")
        case ast.Review():
            return f"{canonical_keyword('review', lang)}\n{text_block(item.text)}"
        case ast.LetterSetting():
            return _letter_setting(item, lang)
        case ast.Requirement():
            modality = kw("shall" if item.modality == "skall" else "should")
            lines = [f"{kw('requirement')} {item.id} {quote(item.title)} {modality}"]
            if item.topic:
                lines.append(f"{INDENT}{kw('topic')} {item.topic}")
            lines += _provenance_lines(item, lang)
            for silence in item.silenced:
                lines.append(f"{INDENT}{kw('silence')} {silence.code} {quote(silence.reason)}")
            if item.title_en is not None:
                lines.append(f"{INDENT}{kw('title_en')} {quote(item.title_en)}")
            for concept, text in (("text_en", item.text_en), ("ground", item.ground), ("ground_en", item.ground_en)):
                if text is not None:
                    lines.append(f"{INDENT}{kw(concept)}\n{text_block(text)}")
            if item.text is not None:
                lines.append(text_block(item.text))
            if item.condition is not None:
                lines.append(f"{INDENT}{kw('applies_if')} {expr_text(item.condition, lang)}")
            lines.append(_check_lines(item.check, lang))
            return "\n".join(lines)
        case ast.Plausibility():
            lines = [f"{kw('plausibility')} {quote(item.sentence)}"]
            if item.sentence_en is not None:
                lines.append(f"{INDENT * 2}{kw('in_english')} {quote(item.sentence_en)}")
            lines.append(_check_lines(item.check, lang))
            return "\n".join(lines)
    raise TypeError(f"not a declaration: {item!r}")


def _letter_setting(item: ast.LetterSetting, lang: str) -> str:
    """A letter setting: strings on the keyword's line, a text block beneath it."""
    keyword = canonical_keyword(item.kind, lang)
    if item.kind in ("supplement_contact", "supplement_contact_en", "review_en"):
        return f"{keyword}\n{text_block(item.values[0])}"
    if item.kind == "signed_as":
        from kokdsl.compiled import SIGNED_AS_WORDS, signed_as_kind

        kind = signed_as_kind(item.values[0])
        word = SIGNED_AS_WORDS[kind][0 if lang == "sv" else 1] if kind else item.values[0]
        return f"{keyword} {word}"
    return f"{keyword} " + " ".join(quote(v) for v in item.values)


def format_rulebook(rulebook: ast.Rulebook, lang: str = "sv") -> str:
    """A parsed rulebook in the canonical layout, with no source to take comments from."""
    return format_source(rulebook, "", lang)


def format_source(rulebook: ast.Rulebook, source: str, lang: str = "sv") -> str:
    """The canonical layout of a parsed rulebook, keeping the comments of its
    source: one blank line between declarations, none between facts."""
    comments = comment_lines(source)
    source_lines = source.split("\n")
    out: list[str] = []
    previous = None
    for item in rulebook.items:
        # Comments before this declaration go in front of it; those on its own
        # lines stay inside it, at the line they were written on.
        leading = [c for c in comments if c[0] < item.span.line]
        inside = [c for c in comments[len(leading):] if c[0] <= item.span.end_line]
        comments = comments[len(leading) + len(inside):]
        tight = isinstance(item, ast.FactDecl) and isinstance(previous, ast.FactDecl) and not leading
        if out:
            out.append("" if tight else "\n")
        if leading:
            out.append("\n".join(text for _, text in leading) + "\n")
            last_line = leading[-1][0]
            # Keep a blank line between a comment block and what follows, as written.
            if last_line < len(source_lines) and not source_lines[last_line].strip() and last_line < item.span.line:
                out.append("\n")
        out.append(_with_comments(format_item(item, lang), inside, source_lines, item.span) + "\n")
        previous = item
    if comments:
        out.append(("\n" if out else "") + "\n".join(text for _, text in comments) + "\n")
    return "".join(out)


def _with_comments(formatted: str, comments: list[tuple[int, str]], source_lines: list[str], span: ast.Span) -> str:
    """A formatted declaration with the comments written inside it put back:
    an end-of-line comment at the end of the line that came from its source
    line, a comment on a line of its own before the first line that came
    from a later source line."""
    if not comments:
        return formatted
    lines = formatted.split("\n")
    origins = _origins(lines, source_lines, span.line, span.end_line)
    in_text = _inside_text_block(lines)
    trailing: dict[int, list[str]] = {}
    before: dict[int, list[str]] = {}
    for line_no, text in comments:
        written = source_lines[line_no - 1].rstrip()
        if written[: len(written) - len(text)].strip():  # code before the #: an end-of-line comment
            target = max((i for i, o in enumerate(origins) if o <= line_no), default=0)
            while in_text[target] and target + 1 < len(lines):  # never inside a text block
                target += 1
            trailing.setdefault(target, []).append(text)
        else:
            target = next((i for i, o in enumerate(origins) if o > line_no), len(lines))
            while target > 0 and in_text[target - 1]:  # never inside a text block
                target -= 1
            before.setdefault(target, []).append(INDENT + text)
    out: list[str] = []
    for i, line in enumerate(lines):
        out += before.get(i, [])
        out.append(line + "".join("  " + text for text in trailing.get(i, [])))
    out += before.get(len(lines), [])
    return "\n".join(out)


def _first_word(line: str) -> str:
    match = re.match(r'\s*("""|")?\s*(\w+|\S)', line)
    return "".join(match.groups("")) if match else ""


def _origins(lines: list[str], source_lines: list[str], first: int, last: int) -> list[int]:
    """For each formatted line, the source line (1-based) it came from: the
    next source line of the declaration that starts with the same word. A line
    the formatter made (a long check broken up) takes the one before's."""
    origins: list[int] = []
    pointer = first
    for line in lines:
        word = _first_word(line)
        found = next((n for n in range(pointer, last + 1) if _first_word(source_lines[n - 1]) == word), None)
        if found is not None:
            pointer = found + 1
        origins.append(found if found is not None else (origins[-1] if origins else first))
    return origins


def _inside_text_block(lines: list[str]) -> list[bool]:
    """For each line: does it end inside an open \"\"\"text block\"\"\"?"""
    out: list[bool] = []
    open_block = False
    for line in lines:
        if line.count('"""') % 2:
            open_block = not open_block
        out.append(open_block)
    return out


def comment_lines(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment, found the way the lexer finds them:
    a # outside a "text" or a \"\"\"text block\"\"\" runs to the end of the line."""
    out: list[tuple[int, str]] = []
    i, line, n = 0, 1, len(source)
    while i < n:
        char = source[i]
        if char == "\n":
            line += 1
        elif source.startswith('"""', i):
            end = source.find('"""', i + 3)
            end = n if end < 0 else end + 3
            line += source.count("\n", i, end)
            i = end
            continue
        elif char == '"':
            i += 1
            while i < n and source[i] not in '"\n':
                i += 2 if source[i] == "\\" else 1
        elif char == "#":
            end = source.find("\n", i)
            end = n if end < 0 else end
            out.append((line, source[i:end].rstrip()))
            i = end
            continue
        i += 1
    return out


def source_language(rulebook: ast.Rulebook, source: str) -> str:
    """The keyword language a file is written in, read off its header keyword."""
    header = next((i for i in rulebook.items if isinstance(i, ast.Header)), None)
    if header is None:
        return "sv"
    line = source.split("\n")[header.span.line - 1]
    word = line[header.span.column - 1:].split(maxsplit=1)[0].casefold() if line.strip() else ""
    return "en" if word in {w.casefold() for w in _keyword_spellings("rulebook", "en")} else "sv"


def _keyword_spellings(concept: str, lang: str) -> list[str]:
    from kokdsl.parser import keywords

    return keywords()[concept][lang]
