"""AST -> canonical .kok source.

The printed source parses back to an equal AST (a property test holds it to
that). Comments are not part of the AST, so this is not yet a `kok fmt` that
may rewrite people's files; it is the canonical printer that one will build on.
"""

from __future__ import annotations

from kokdsl import ast
from kokdsl.parser import canonical_keyword
from kokdsl.unparse import expr_text

INDENT = "  "


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_block(text: str, indent: str = INDENT) -> str:
    lines = text.split("\n")
    body = ("\n" + indent).join(line.rstrip() if line.strip() else "" for line in lines)
    return f'{indent}"""{body}"""'


def format_type(t: ast.TypeExpr, lang: str) -> str:
    kw = lambda c: canonical_keyword(c, lang)  # noqa: E731
    simple = {"bool": "yes_no", "integer": "integer", "decimal": "decimal", "percent": "percent",
              "text": "text", "date": "date", "schedule": "schedule"}
    if t.kind in simple:
        return kw(simple[t.kind])
    if t.kind in ("enum", "set"):
        return f"{kw('one_of' if t.kind == 'enum' else 'set_of')} {{{', '.join(t.values)}}}"
    return f"{kw('list_of')} {t.record}"


def format_item(item, lang: str = "sv") -> str:
    kw = lambda c: canonical_keyword(c, lang)  # noqa: E731
    match item:
        case ast.Header():
            lines = [f"{kw('rulebook')} {quote(item.name)} {kw('edition')} {item.edition}"]
            if item.valid_from:
                lines.append(f"{INDENT}{kw('valid_from')} {item.valid_from.isoformat()}")
            if item.source is not None:
                lines.append(f"{INDENT}{kw('source')} {quote(item.source)}")
            return "\n".join(lines)
        case ast.FactDecl():
            line = f"{kw('fact')} {item.name}: {format_type(item.type, lang)}"
            return line + (f"\n{INDENT}{quote(item.doc)}" if item.doc is not None else "")
        case ast.RecordDecl():
            lines = [f"{kw('record')} {item.name}:"]
            for f in item.fields:
                doc = f" {quote(f.doc)}" if f.doc is not None else ""
                lines.append(f"{INDENT}{f.name}: {format_type(f.type, lang)}{doc}")
            return "\n".join(lines)
        case ast.Chapter():
            line = f"{kw('chapter')} {quote(item.title)}"
            return line + (f"\n{text_block(item.text)}" if item.text is not None else "")
        case ast.Requirement():
            modality = kw("shall" if item.modality == "skall" else "should")
            lines = [f"{kw('requirement')} {item.id} {quote(item.title)} {modality}"]
            if item.topic:
                lines.append(f"{INDENT}{kw('topic')} {item.topic}")
            if item.source is not None:
                lines.append(f"{INDENT}{kw('source')} {quote(item.source)}")
            if item.text is not None:
                lines.append(text_block(item.text))
            if item.condition is not None:
                lines.append(f"{INDENT}{kw('applies_if')} {expr_text(item.condition, lang)}")
            lines.append(INDENT + expr_text(item.check, lang))
            return "\n".join(lines)
    raise TypeError(f"not a declaration: {item!r}")


def format_rulebook(rulebook: ast.Rulebook, lang: str = "sv") -> str:
    return "\n\n".join(format_item(item, lang) for item in rulebook.items) + "\n"
