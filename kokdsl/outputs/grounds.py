"""The grounds of a letter, in klarspråk: why a requirement is not met (or
cannot be assessed), in full sentences that start from the applicant.

One sentence pattern per kind of check (messages `ground.*`), filled from
the evaluator's trace, the same trace that decided the outcome:

- a schedule that must cover another (`covers`), and the week around the clock;
- a number against a threshold, a threshold chosen by a condition, and a
  share of a total ("Av 2 781 samtal var 2 382 …");
- a record against the centre (`f.verksamhetschef = verksamhetschef`);
- a yes/no flag, quoted with the question the applicant answered;
- `alla`, `någon` (none meets, none given) and `ingen … får`;
- `minst N av`, membership, a text to fill in, a value in a closed set;
- a fact that is missing or cannot be read.

Where a pattern cannot say it well, the rulebook writes the ground itself
(`grund` and a text block, placeholders checked by `kok check`). A construct with no
pattern falls back on the explanation of the internal report, marked so.

(Over 400 lines on purpose: the sentence patterns and the one method per
construct that fills them belong together, as in prose.py, so that a
pattern's words and the way its trace is read are reviewed side by side.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

import attrs

from kokdsl import ast
from kokdsl.compiled import CompiledRequirement, CompiledRulebook, FactSpec, FieldSpec
from kokdsl.enums import Outcome
from kokdsl.evaluator import Element, RequirementResult, Trace
from kokdsl.formatting import format_percent
from kokdsl.messages import message
from kokdsl.prose import Names, _chosen_by, _Context, _op_words, _phrase, value_text
from kokdsl.schedule import AROUND_THE_CLOCK, MINUTES_PER_DAY, WEEKDAYS, Schedule
from kokdsl.text import count_words, join_and, ordinal_words
from kokdsl.values import UNKNOWN, RecordValue


@attrs.frozen
class Ground:
    """One ground of a letter: sentences, and the kinds of pattern that wrote them."""

    sentences: tuple[str, ...]
    patterns: tuple[str, ...]


def ground(result: RequirementResult, lang: str, facts: Mapping[str, object]) -> Ground:
    """The sentences that say why `result` is not met or cannot be assessed
    (`facts`: the self-report's, for the placeholders of a `grund`)."""
    req = result.requirement
    rulebook = result.trace.rulebook
    writer = _Writer(rulebook, lang, facts)
    own = req.ground_en if lang == "en" and req.ground_en else req.ground
    if own is not None and result.outcome is not Outcome.CANNOT_ASSESS and result.trace.check is not None:
        sentences = writer.own_ground(own, req, result.trace.check)
        if lang == "en" and not req.ground_en:
            sentences = [swedish(x, lang) for x in sentences]
        return Ground(tuple(sentences), ("grund",))
    if result.outcome is Outcome.CANNOT_ASSESS:
        return Ground(tuple(writer.missing(result)), ("cannot_assess",))
    check = result.trace.check
    if check is None:
        return Ground((), ())
    writer.sentences(check)
    return Ground(tuple(writer.out), tuple(dict.fromkeys(writer.patterns)))


# Swedish originals quoted in an English letter are marked, so the HTML can say
# lang="sv" around them (letters.py turns the marks into spans, or drops them).
SV_OPEN, SV_CLOSE = "\ue000", "\ue001"


def swedish(text: str, lang: str, english: str | None = None) -> str:
    """`english` in an English letter where the rulebook gives it; else the
    Swedish original, marked as such in an English letter."""
    if lang != "en":
        return text
    if english:
        return english
    return f"{SV_OPEN}{text}{SV_CLOSE}" if text else text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def percent_text(value: Fraction, lang: str) -> str:
    """A share with one decimal: '85,7 %' in Swedish, '85.7%' in English (CLDR)."""
    return format_percent(value, lang, places=1)


# -- schedules in words ------------------------------------------------------------

def gaps_text(gaps: Schedule, lang: str) -> str:
    """The hours a schedule lacks, as an officer says them: a span over
    midnight as "natten mellan fredag och lördag, kl. 17.00–08.00", the rest
    as the week's recurring times ("torsdagar 15.30–17.00")."""
    nights, days = [], Schedule.from_intervals([])
    for start, end in gaps.intervals:
        if _is_night(start, end):
            nights.append((start, end))
        else:
            days = days.union(Schedule.from_intervals([(start, end)]))
    pieces = [days.describe(lang, prose=True)] if not days.is_empty() else []
    names = WEEKDAYS[lang]
    for start, end in nights:
        # The night is named by the evening it starts on, also when the gap starts at midnight.
        day = ((start - 1) // MINUTES_PER_DAY) % 7 if start % MINUTES_PER_DAY == 0 else (start // MINUTES_PER_DAY) % 7
        pieces.append(message("ground.night", lang, day=names[day], next=names[(day + 1) % 7],
                              start=_clock(start, lang), end=_clock(end, lang)))
    return join_and(pieces, lang)


def _ends_with_night(gaps: Schedule) -> bool:
    """Whether gaps_text names a night last (nights follow the day-time gaps)."""
    return any(_is_night(start, end) for start, end in gaps.intervals)


def _is_night(start: int, end: int) -> bool:
    first_day = start // MINUTES_PER_DAY
    crosses = end > (first_day + 1) * MINUTES_PER_DAY and end - start < MINUTES_PER_DAY
    after_midnight = start % MINUTES_PER_DAY == 0 and end - start <= MINUTES_PER_DAY // 2
    return crosses or after_midnight


def _clock(minute: int, lang: str) -> str:
    minute %= MINUTES_PER_DAY
    return f"{minute // 60:02d}{'.' if lang == 'sv' else ':'}{minute % 60:02d}"




# -- the writer ---------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Writer:
    """Writes the sentences of one ground, in one language."""

    def __init__(self, rulebook: CompiledRulebook, lang: str, facts: Mapping[str, object]) -> None:
        self.rulebook = rulebook
        self.facts = facts
        self.lang = lang
        self.ctx = _Context(rulebook, lang)
        self.names = Names(rulebook)
        self.out: list[str] = []
        self.patterns: list[str] = []

    def say(self, pattern: str, **params: object) -> None:
        self.out.append(_cap(" ".join(message(f"ground.{pattern}", self.lang, **params).split(" ")).replace(
            "  ", " ")))
        self.patterns.append(pattern)

    def value(self, tr: Trace, node: object, unit: str | None = None) -> str:
        return value_text(tr.value, self.ctx.type(node), self.lang, unit)

    # ---- the rulebook's own wording
    def own_ground(self, text: str, req: CompiledRequirement, check: Trace) -> list[str]:
        """`grund`: once, or once per failing element of the check's quantifier."""
        node = check.node
        if isinstance(node, ast.Quantifier):
            elements = [e for e in check.elements if isinstance(e.item, RecordValue)]
            if elements:
                return [self.fill(text, {node.var: e.item}) for e in elements
                        if isinstance(e.item, RecordValue)]
        return [self.fill(text, {})]

    def fill(self, text: str, bound: dict[str, RecordValue]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            var, _, field = name.partition(".")
            if var in bound:
                item = bound[var]
                if not field:
                    return item.label
                spec = self.rulebook.records.get(_record_of(self.rulebook, item) or "")
                field_spec = spec.field(field) if spec is not None else None
                ftype = field_spec.type if field_spec is not None else None
                value = item.fields.get(field, UNKNOWN)
                return value if isinstance(value, str) and value else value_text(value, ftype, self.lang)
            spec_fact = self.rulebook.fact(name)
            value = self.facts.get(name, UNKNOWN)
            if isinstance(value, str) and value:
                return value  # a name or a text, as written
            return value_text(value, spec_fact.type if spec_fact else None, self.lang)
        return " ".join(_PLACEHOLDER.sub(one, text).split())

    # ---- cannot be assessed
    def missing(self, result: RequirementResult) -> list[str]:
        out = []
        for p in result.problems:
            kind = "missing" if p.kind == "missing" else "invalid"
            name = self.names.fact(p.fact, self.lang)
            if p.field is not None:
                spec = self.rulebook.fact(p.fact)
                field = self.names.field(spec.type.record if spec else None, p.field, self.lang)
                out.append(_cap(message(f"ground.{kind}_field", self.lang, name=name, field=field)))
            else:
                out.append(_cap(message(f"ground.{kind}", self.lang, name=name)))
        return list(dict.fromkeys(out))

    # ---- not met
    def sentences(self, tr: Trace, element: Element | None = None) -> None:
        node = tr.node
        handled = self.dispatch(node, tr, element)
        if not handled:
            from kokdsl.prose import _Explainer, _flattened_text

            texts = [_flattened_text(f, self.lang) for f in _Explainer(self.rulebook).explain(tr)]
            subject = self.subject(element)
            self.say("fallback", subject=subject, text="; ".join(texts)) if subject else self.say(
                "fallback_plain", text="; ".join(texts))

    def subject(self, element: Element | None) -> str:
        if element is None or not isinstance(element.item, RecordValue):
            return ""
        # The list's own word for one element ("vårdsamordnaren", `ental`), else the record's ("personen").
        list_fact = _list_of(self.rulebook, element.item)
        display = ((list_fact.singular(self.lang) if list_fact is not None else None)
                   or self.names.element(_record_of(self.rulebook, element.item), self.lang))
        label = element.label
        if label.startswith("#") and label[1:].isdigit():
            # A record without a name, by its place: "den andra personen i egenrapporten"
            return message("ground.unnamed", self.lang, ordinal=ordinal_words(int(label[1:]), self.lang),
                           record=_without_article(display, self.lang))
        return f"{display} {label}"

    def dispatch(self, node: object, tr: Trace, element: Element | None) -> bool:
        if tr.value is UNKNOWN:
            return False
        match node:
            case ast.Logic(op="and") if tr.value is False:
                if element is not None and self.joined(tr, element):
                    return True
                for part in tr.parts:
                    self.sentences(part, element)
                return True
            case ast.Covers():
                return self.covers(node, tr)
            case ast.Compare():
                return self.compare(node, tr, element)
            case ast.Quantifier():
                return self.quantifier(node, tr)
            case ast.AtLeast():
                return self.at_least(node, tr)
            case ast.Member():
                return self.member(node, tr, element)
            case ast.Name() | ast.Field():
                return self.flag(node, tr, element, expected=True)
            case ast.Not(operand=ast.Name() | ast.Field() as flag) if tr.parts:
                return self.flag(flag, tr.parts[0], element, expected=False)
        return False

    def joined(self, tr: Trace, element: Element) -> bool:
        """Several failures of one record, said in one sentence: "Filialen
        Låtsasvik har en annan verksamhetschef (Erik Ek) än vårdcentralen
        (Cecilia Carlsson) och är inte godkänd av regionen." False (nothing
        said) when a failing part has no predicate form."""
        subject = self.subject(element)
        predicates: list[str] = []
        for part in tr.parts:
            if part.value is True:
                continue
            predicate = self.predicate(part)
            if predicate is None or not subject:
                return False
            predicates.append(predicate)
        if len(predicates) < 2:
            return False
        self.say("joined", subject=subject, predicates=join_and(predicates, self.lang))
        return True

    def predicate(self, tr: Trace) -> str | None:
        """What one failing part says about a record, as a predicate, or None."""
        node = tr.node
        if (isinstance(node, ast.Compare) and node.op == "=" and isinstance(node.left, ast.Field)
                and isinstance(node.right, ast.Name) and self.rulebook.fact(node.right.name) is not None
                and len(tr.parts) == 2 and tr.parts[1].value not in ("", UNKNOWN) and tr.parts[0].value
                is not UNKNOWN):
            left, right = tr.parts
            self.patterns.append("differs_from_centre")
            return message("ground.predicate_differs_from_centre", self.lang, field=_phrase(node.left, self.ctx),
                           lv=_plain(left, self.value(left, node.left)),
                           rv=_plain(right, self.value(right, node.right)))
        if isinstance(node, ast.Field) and tr.value is False and _is_participle(node, self.ctx):
            self.patterns.append("flag_not")
            return message("ground.predicate_flag_not", self.lang, name=_phrase(node, self.ctx))
        return None

    def covers(self, node: ast.Covers, tr: Trace) -> bool:
        left, right = tr.parts
        if not isinstance(left.value, Schedule) or not isinstance(right.value, Schedule):
            return False
        gaps = gaps_text(right.value.minus(left.value), self.lang)
        if right.value == AROUND_THE_CLOCK:
            # Swedish "…, kl. 17.00–08.00, saknas": a comma closes a night's time, and
            # nothing else ("måndag–fredag 08.00–17.00 saknas"); English ends on the gaps.
            if self.lang == "sv" and _ends_with_night(right.value.minus(left.value)):
                gaps += ","
            if isinstance(node.left, ast.Arith) and node.left.op == "+":
                joint = join_and([_phrase(n, self.ctx) for n in _union_parts(node.left)], self.lang)
                self.say("covers_week_joint", left=joint, gaps=gaps)
            else:
                self.say("covers_week", left=_phrase(node.left, self.ctx), gaps=gaps)
            return True
        self.say("covers", left=_without_article(_phrase(node.left, self.ctx), self.lang),
                 right=_phrase(node.right, self.ctx), gaps=gaps)
        return True

    def compare(self, node: ast.Compare, tr: Trace, element: Element | None) -> bool:
        if len(tr.parts) != 2:
            return False
        left, right = tr.parts
        subject = self.subject(element)
        # A record against the centre: f.verksamhetschef = verksamhetschef
        if (node.op in ("=", "!=") and isinstance(node.left, ast.Field) and isinstance(node.right, ast.Name)
                and self.rulebook.fact(node.right.name) is not None and subject):
            field = _phrase(node.left, self.ctx)
            if node.op == "=" and right.value == "":
                self.say("differs_from_centre_empty", subject=subject, field=field,
                         lv=_plain(left, self.value(left, node.left)))
                return True
            self.say("differs_from_centre" if node.op == "=" else "same_as_centre", subject=subject, field=field,
                     lv=_plain(left, self.value(left, node.left)), rv=_plain(right, self.value(right, node.right)))
            return True
        if node.op == "!=" and isinstance(node.right, ast.Literal) and node.right.value == "":
            name = _phrase(node.left, self.ctx)
            self.say("empty_of" if subject else "empty", subject=subject, name=name)
            return True
        unit = _unit(node, self.ctx)
        share = _share(node.right, right)
        if share is not None and isinstance(left.value, (int, Fraction)):
            total_tr, pct = share
            total = total_tr.value
            if isinstance(total, (int, Fraction)) and total > 0:
                total_name = _noun(total_tr.node, self.ctx)
                part_name = _noun(node.left, self.ctx)
                if part_name.startswith(total_name + " "):  # "samtal besvarade samma dag" of "samtal"
                    part_name = part_name[len(total_name) + 1:]
                self.say("share", part=value_text(left.value, None, self.lang),
                         total=value_text(total, None, self.lang), part_name=part_name, total_name=total_name,
                         share=percent_text(Fraction(left.value) / Fraction(total), self.lang),
                         op=_op_words(node.op, node.right, self.ctx), target=percent_text(pct, self.lang))
                return True
        op = _op_words(node.op, node.right, self.ctx)
        lv = self.value(left, node.left, unit)
        rv = self.value(right, node.right, unit)
        if isinstance(node.left, ast.Hours):
            self.say("hours", schedule=_phrase(node.left.operand, self.ctx), lv=lv)
        elif subject and node.op == "=" and _is_closed_value(node.right, self.ctx):
            # A value of a closed set: "Personen nr 1 har yrkeshögskoleutbildning. Kravet är högskoleutbildning."
            self.say("has_value_of", subject=subject, lv=lv)
        elif subject:
            self.say("value_of", subject=subject, name=_phrase(node.left, self.ctx), lv=lv)
        else:
            self.say("value", name=_definite(_phrase(node.left, self.ctx), self.lang), lv=lv)
        reasons = _chosen_by(right)
        if reasons and reasons[0].value is not UNKNOWN:
            self.say("threshold_because", reason=self.reason(reasons[0]), op=op, rv=rv)
        else:
            self.say("threshold", op=op, rv=rv)
        return True

    def _count_words(self, node: ast.Compare, left: Trace) -> str:
        """'färre än' / 'fewer than' where a count is compared, else the operator in words."""
        if isinstance(left.value, int) and not isinstance(left.value, bool) and node.op in ("<", ">"):
            t = self.ctx.type(node.left)
            if t is not None and t.kind == "integer":
                return message(f"ground.count_{'fewer' if node.op == '<' else 'more'}", self.lang)
        return _op_words(node.op, node.right, self.ctx)

    def reason(self, tr: Trace) -> str:
        """'antal listade är 6 200, mindre än 6 500'."""
        node = tr.node
        if isinstance(node, ast.Compare) and len(tr.parts) == 2:
            left, right = tr.parts
            code = "ground.reason_true" if tr.value is True else "ground.reason_false"
            return message(code, self.lang, name=_definite(_phrase(node.left, self.ctx), self.lang),
                           lv=self.value(left, node.left), op=self._count_words(node, left),
                           rv=self.value(right, node.right))
        from kokdsl.prose import check_clause

        return check_clause(node, self.rulebook, self.lang)

    def quantifier(self, node: ast.Quantifier, tr: Trace) -> bool:
        collection = _phrase(node.collection, self.ctx)
        if tr.total == 0:
            self.say("none_given", collection=collection)
            return True
        record_type = _record_name(self.ctx, node.collection)
        record = (self.names.record(record_type, self.lang) if self.lang == "sv"
                  else _without_article(self.names.element(record_type, self.lang), self.lang))
        if node.kind == "some" and tr.total and tr.total > 1:
            self.say("none_meets", count=count_words(tr.total, self.lang), collection=collection)
        for e in tr.elements:
            self.sentences(e.trace, e) if node.kind != "none" else self.forbidden(e, record)
        return True

    def forbidden(self, e: Element, record: str) -> None:
        body = e.trace
        if isinstance(body.node, (ast.Name, ast.Field)):
            self.flag(body.node, body, e, expected=False)
        else:
            self.sentences(body, e)
        self.say("none_allowed", record=record)

    def flag(self, node: ast.Name | ast.Field, tr: Trace, element: Element | None, expected: bool) -> bool:
        """A yes/no fact or field answered the wrong way, with the question it answers."""
        if not isinstance(tr.value, bool):
            return False
        doc, english = _doc_of(self.rulebook, node, self.ctx)
        answer = message("ground.yes" if tr.value else "ground.no", self.lang)
        subject = self.subject(element)
        if doc and doc.endswith("?"):
            self.say("flag_question_of" if subject else "flag_question", subject=subject, answer=answer,
                     question=swedish(doc, self.lang, english))
        else:
            self.say("flag_of" if subject else "flag", subject=subject, answer=answer,
                     name=_phrase(node, self.ctx))
        return True

    def at_least(self, node: ast.AtLeast, tr: Trace) -> bool:
        if len(tr.parts) != 3:
            return False
        n, candidates, collection = (p.value for p in tr.parts)
        if not isinstance(candidates, frozenset) or not isinstance(collection, frozenset):
            return False
        found = sorted(candidates & collection)
        t = self.ctx.type(node.collection)

        def named(values: list[str]) -> str:
            return join_and([t.value_name(v, self.lang) if t is not None else v for v in values], self.lang)
        found_text = named(found)
        self.say("at_least" if found else "at_least_none", candidates=named(sorted(candidates)),
                 count=len(found), found=found_text, collection=_phrase(node.collection, self.ctx),
                 n=count_words(n, self.lang) if isinstance(n, int) else value_text(n, None, self.lang))
        return True

    def member(self, node: ast.Member, tr: Trace, element: Element | None) -> bool:
        element_tr, collection = tr.parts
        inside = (tr.value is True) != node.negated
        params = {"element": _cap(_phrase(node.element, self.ctx)), "collection": _phrase(node.collection, self.ctx),
                  "cv": value_text(collection.value, self.ctx.type(node.collection), self.lang)}
        self.say("member_forbidden" if inside else "not_member", **params)
        return True


def _is_participle(node: ast.Field, ctx: _Context) -> bool:
    """A yes/no field named by a participle ("godkänd av regionen", "approved
    by the region"), which reads as a predicate: "är inte godkänd av regionen".
    Told by the English name, whose participles end in -ed; a noun such as
    "listning" / "listing" does not."""
    english = _phrase(node, _Context(ctx.rulebook, "en")).split(" ")[0]
    return english.endswith("ed")


def _is_closed_value(node: object, ctx: _Context) -> bool:
    """A value of a closed set (`högskola`), not a fact or a number."""
    t = ctx.type(node)
    return isinstance(node, ast.Name) and t is not None and t.kind == "enum"


def _definite(name: str, lang: str) -> str:
    """A count in the definite form Swedish takes before a value: 'antalet listade'."""
    return "antalet " + name[len("antal "):] if lang == "sv" and name.startswith("antal ") else name


def _plain(tr: Trace, shown: str) -> str:
    """A text value without its quotation marks, where brackets set it off already."""
    return tr.value if isinstance(tr.value, str) and tr.value else shown


def _union_parts(node: ast.Expr) -> list[ast.Expr]:
    if isinstance(node, ast.Arith) and node.op == "+":
        return _union_parts(node.left) + _union_parts(node.right)
    return [node]


def _without_article(text: str, lang: str) -> str:
    """English "a specialist …" -> "specialist …", for "No specialist … is available"."""
    if lang == "en":
        for article in ("a ", "an ", "the "):
            if text.startswith(article):
                return text[len(article):]
    return text


def _unit(node: ast.Compare, ctx: _Context) -> str | None:
    lt, rt = ctx.type(node.left), ctx.type(node.right)
    return (lt.unit if lt else None) or (rt.unit if rt else None)


def _share(node: ast.Expr, tr: Trace) -> tuple[Trace, Fraction] | None:
    """`90 % * total`: the total's trace and the share, or None."""
    if isinstance(node, ast.Arith) and node.op == "*" and len(tr.parts) == 2:
        for share, other in ((tr.parts[0], tr.parts[1]), (tr.parts[1], tr.parts[0])):
            if isinstance(share.node, ast.Literal) and share.node.kind == "percent":
                return other, Fraction(share.node.value)
    return None


def _noun(node: object, ctx: _Context) -> str:
    """What a count or sum counts, as a plain noun: 'samtal', 'läkarbesök'."""
    if isinstance(node, ast.Sum):
        return _phrase(node.body, ctx)
    text = _phrase(node, ctx)
    for prefix in ("antal ", "the number of "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _record_name(ctx: _Context, collection: object) -> str | None:
    t = ctx.type(collection)
    return t.record if t is not None else None


def _record_of(rulebook: CompiledRulebook, item: RecordValue) -> str | None:
    """The record type of a list element, from the fact its path starts with."""
    spec = _list_of(rulebook, item)
    return spec.type.record if spec is not None else None


def _list_of(rulebook: CompiledRulebook, item: RecordValue) -> FactSpec | None:
    """The list fact an element belongs to, from its path ("$.vårdsamordnare[1]")."""
    match = re.match(r"\$\.([^.\[]+)", item.path)
    return rulebook.fact(match.group(1)) if match else None


def _doc_of(rulebook: CompiledRulebook, node: ast.Name | ast.Field,
            ctx: _Context) -> tuple[str | None, str | None]:
    """A yes/no fact's or field's description, in Swedish and in English (None
    where the rulebook gives none): usually the question the applicant answered."""
    spec: FactSpec | FieldSpec | None
    if isinstance(node, ast.Name):
        spec = rulebook.fact(node.name)
    else:
        st = ctx.type(node.subject)
        record = rulebook.records.get(st.record or "") if st is not None else None
        spec = record.field(node.name) if record is not None else None
    return (spec.doc, spec.doc_en) if spec is not None else (None, None)
