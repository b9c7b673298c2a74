"""The documents an officer sends, one per purpose (glossary.md):

    approval            Beslut om godkännande, remarks on bör requirements
    rejection           Beslut om avslag: decision, grounds, review information
    supplement_request  Begäran om komplettering: not a decision, no grounds
    follow_up           Uppföljning: avvikelser och begäran om åtgärdsplan
    assessment_report   Granskningsrapport: the internal working paper (findings.py)

`kok run` and `kok rerun --out` pick the document from the outcome
(document_for); `--dokument` chooses another. A decision is signed either as
the decision itself or as a proposal to the decision-maker (a
tjänsteskrivelse): a setting of the rulebook (`undertecknas som`) or the run.

A letter to the applicant holds no JSON path, hash, file name or code
identifier, and no requirement that is a proposal or an example: those stay
in the internal report and the JSON.

(Just over 400 lines: one view per document, and the parts the documents
share (grounds, evidence, supplements, the appendix), kept together so that
what a letter says and where it comes from are read in one place.)
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from kokdsl.compiled import CompiledRequirement, CompiledRulebook
from kokdsl.enums import DecisionKind, Outcome
from kokdsl.evaluator import RequirementResult
from kokdsl.formatting import format_list
from kokdsl.messages import has_message, message
from kokdsl.outputs.environment import environment
from kokdsl.outputs.grounds import SV_CLOSE, SV_OPEN, ground, swedish
from kokdsl.outputs.provenance import marked, provenance_notices
from kokdsl.pipeline import Assessment
from kokdsl.selfreport import DataProblem
from kokdsl.text import count_words, join_and, paragraphs

APPROVAL = "approval"
REJECTION = "rejection"
SUPPLEMENT_REQUEST = "supplement_request"
FOLLOW_UP = "follow_up"
ASSESSMENT_REPORT = "assessment_report"
DOCUMENTS = (APPROVAL, REJECTION, SUPPLEMENT_REQUEST, FOLLOW_UP, ASSESSMENT_REPORT)
LETTERS = DOCUMENTS[:-1]
# `--dokument`: the Swedish names first, the English ones as aliases.
DOCUMENT_NAMES = {
    "godkännande": APPROVAL, "avslag": REJECTION, "komplettering": SUPPLEMENT_REQUEST,
    "uppföljning": FOLLOW_UP, "granskningsrapport": ASSESSMENT_REPORT,
    "approval": APPROVAL, "rejection": REJECTION, "supplements": SUPPLEMENT_REQUEST,
    "follow-up": FOLLOW_UP, "report": ASSESSMENT_REPORT,
}
# `--som`: the signed paper is the decision, or a proposal to the decision-maker.
SIGNED_AS_NAMES = {"beslut": "decision", "tjänsteskrivelse": "memo", "decision": "decision", "memo": "memo"}
TEMPLATES = {"html": "letter.html.j2", "md": "letter.md.j2"}


def document_for(kind: DecisionKind | str, follow_up: bool = False) -> str:
    """The document an outcome calls for: in the yearly follow-up a
    follow-up notice (or a supplement request), else the decision."""
    if kind == DecisionKind.SUPPLEMENT_REQUEST:
        return SUPPLEMENT_REQUEST
    if follow_up:
        return FOLLOW_UP
    return APPROVAL if kind == DecisionKind.APPROVED else REJECTION


def document_title(document: str, signed_as: str, lang: str) -> str:
    """The document's title: a memo names itself and says what it proposes."""
    if signed_as == "memo" and document in (APPROVAL, REJECTION):
        return f"{message('letter.memo_title', lang)}: {message(f'letter.memo_subject.{document}', lang)}"
    return message(f"letter.title.{document}", lang)


def date_words(day: datetime.date, lang: str) -> str:
    """'1 april 2025', '1 April 2025'."""
    months = message("letter.months", lang).split(",")
    return message("letter.date_words", lang, day=day.day, month=months[day.month - 1], year=day.year)


def book_name(rulebook: CompiledRulebook, lang: str) -> str:
    """The rulebook as the region names it (`dokumenttitel`), else its name and edition."""
    letters = rulebook.letters
    title = letters.doc_title_en if lang == "en" and letters.doc_title_en else letters.doc_title
    return title or message("letter.book_fallback", lang, name=rulebook.name, edition=rulebook.edition)


def render_letter(assessment: Assessment, fmt: str, lang: str, document: str, run_date: datetime.date,
                  case: Any) -> str:
    """One letter (not the internal report) as html or md."""
    view = letter_view(assessment, lang, document, run_date, case)
    template = environment().get_template(TEMPLATES[fmt])
    text = template.render(view=view, t=functools.partial(message, lang=lang))
    return _swedish_spans(text, fmt)


def _swedish_spans(text: str, fmt: str) -> str:
    """The marks around Swedish originals as lang="sv" spans in HTML; gone in Markdown
    (and gone altogether if a self-report brought marks of its own and they do not pair)."""
    if fmt != "html" or text.count(SV_OPEN) != text.count(SV_CLOSE):
        return text.replace(SV_OPEN, "").replace(SV_CLOSE, "")
    return text.replace(SV_OPEN, '<span lang="sv">').replace(SV_CLOSE, "</span>")


def letter_view(assessment: Assessment, lang: str, document: str, run_date: datetime.date,
                case: Any) -> dict[str, Any]:
    """Plain data for the letter templates."""
    rb, report, decision = assessment.rulebook, assessment.report, assessment.decision
    letters = rb.letters
    signed_as = case.signed_as or letters.signed_as
    english = lang == "en"
    region = (letters.region_en if english and letters.region_en else letters.region) or message(
        "letter.sender_missing", lang)
    unit = (letters.unit_en if english and letters.unit_en else letters.unit) or region
    centre = report.identity.name or message("report.not_given", lang)
    provider = report.identity.provider or message("letter.provider_missing", lang)
    book = book_name(rb, lang)
    day = case.decision_date or run_date
    reply_by = date_words(case.reply_by, lang) if case.reply_by else message("letter.date_missing", lang)
    names = {"region": region, "unit": unit, "centre": centre, "provider": provider, "book": book}
    memo = signed_as == "memo" and document in (APPROVAL, REJECTION)
    in_force = [r for r in assessment.evaluation.results if r.requirement.in_force]
    failed_skall = list(decision.reasons)
    remarks = [*decision.remarks, *decision.unassessed_remarks]
    view: dict[str, Any] = {
        "remarks_intro": message("letter.remarks_intro_one" if len(remarks) == 1 else "letter.remarks_intro", lang),
        "lang": lang,
        "document": document,
        "title": _draft_marked(document_title(document, signed_as, lang), document, rb, lang),
        # A reconstruction, or a draft edition: said at the top, where nobody can miss it.
        "provenance": provenance_notices(rb, lang),
        "memo": memo,
        "fictional": bool(report.identity.fictional),
        "sender": {"region": region, "unit": _cap(unit) if (letters.unit_en if english else letters.unit) else "",
                   "place": letters.place or ""},
        "to": message("letter.to_decision_maker", lang) if memo else provider,
        "to_centre": None if memo else centre,
        "reference": case.reference or message("letter.reference_missing", lang),
        "date": date_words(day, lang),
        "place_date": message("letter.place_date", lang, place=letters.place, date=date_words(day, lang))
        if letters.place else date_words(day, lang),
        "subject": message("letter.subject.follow_up" if document == FOLLOW_UP else "letter.subject.application",
                           lang, centre=centre),
        "officer": case.officer or message("letter.officer_missing", lang),
        "officer_title": message("letter.officer_title", lang, unit=unit),
        # The applicant's own words and the sources are always in Swedish: an English letter says so once.
        "swedish_original": message("letter.swedish_original", lang) if english else "",
        "paragraphs": [],
        "grounds": [],
        "grounds_heading": "",
        "remarks": [],
        "supplements": [],
        "review": None,
        "review_missing": "",
        "contact": [],
        "sections": {},
        "appendix": _appendix(in_force, rb, lang),
        "appendix_intro": message("letter.appendix_intro", lang, book=book, date=date_words(run_date, lang),
                                  centre=centre),
    }
    if document in (APPROVAL, REJECTION):
        verb = "proposed" if memo else "decided"
        outcome = APPROVAL if document == APPROVAL else REJECTION
        view["decision_heading"] = message("letter.proposal_heading" if memo else "letter.decision_heading", lang)
        view["paragraphs"] = [_cap(message(f"letter.{verb}.{outcome}", lang, **names))]
        if document == APPROVAL:
            view["paragraphs"].append(message("letter.all_met", lang, book=book))
        else:
            view["grounds_heading"] = message("letter.grounds_heading_memo" if memo else "letter.grounds_heading",
                                              lang)
            view["grounds_intro"] = (message("letter.grounds_intro_one", lang, book=book) if len(failed_skall) == 1
                                     else message("letter.grounds_intro", lang,
                                                  count=count_words(len(failed_skall), lang), book=book))
            view["grounds"] = [_ground_view(r, assessment, lang, book) for r in failed_skall]
            if not memo:
                review = rb.review if not english or not letters.review_en else letters.review_en
                marked = english and not letters.review_en
                view["review"] = [swedish(p, lang) if marked else p for p in _paragraphs(review)] if review else None
                view["review_missing"] = "" if review else message("letter.review_missing", lang)
        view["remarks"] = [_ground_view(r, assessment, lang, book) for r in remarks]
    elif document == SUPPLEMENT_REQUEST:
        follow_up = case.follow_up
        intro = "letter.supplement_intro_follow_up" if follow_up else "letter.supplement_intro"
        view["paragraphs"] = [_cap(message(intro, lang, **names))]
        if not follow_up:
            view["paragraphs"].append(message("letter.not_a_decision", lang))
        view["supplements"] = _supplements(assessment, lang)
        view["reply_by"] = message("letter.reply_by", lang, date=reply_by)
        contact = letters.supplement_contact_en if english and letters.supplement_contact_en else \
            letters.supplement_contact
        view["contact"] = _paragraphs(contact) if contact else [message("letter.contact_missing", lang)]
        view["if_nothing"] = message("letter.if_nothing_follow_up" if follow_up else "letter.if_nothing", lang,
                                     date=reply_by)
    elif document == FOLLOW_UP:
        view["paragraphs"] = [_cap(message("letter.follow_up_intro", lang, **names)),
                              message("letter.follow_up_deviations" if failed_skall else "letter.follow_up_none",
                                      lang),
                              message("letter.follow_up_not_a_decision", lang)]
        view["grounds"] = [_ground_view(r, assessment, lang, book) for r in failed_skall]
        view["plan"] = message("letter.plan_request", lang, date=reply_by) if failed_skall else ""
        view["remarks"] = [_ground_view(r, assessment, lang, book) for r in remarks]
        view["supplements"] = _supplements(assessment, lang)
        if view["supplements"]:
            view["reply_by"] = message("letter.reply_by", lang, date=reply_by)
    return view


def _draft_marked(title: str, document: str, rulebook: CompiledRulebook, lang: str) -> str:
    """A decision (or proposal) made from a draft edition says so in its title."""
    return marked(title, rulebook, lang) if document in (APPROVAL, REJECTION) else title


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _paragraphs(text: str) -> list[str]:
    return paragraphs(text)


def _ground_view(result: RequirementResult, assessment: Assessment, lang: str, book: str) -> dict[str, Any]:
    """One requirement's ground: the lead, the requirement quoted once, the
    facts in sentences, the applicant's words with their lines, the source."""
    req = result.requirement
    level = message(f"ground.level.{req.modality}", lang)
    lead = "ground.lead.not_met" if result.outcome is Outcome.NOT_MET else "ground.lead.cannot_assess"
    text = req.text_in(lang)
    written = ground(result, lang, assessment.report.facts)
    return {
        "id": req.id,
        "title": swedish(req.title, lang, req.title_en),
        "title_lang": lang,
        "lead": message(lead, lang, level=level, id=req.id, title=swedish(req.title, lang, req.title_en), book=book),
        "quote": message("ground.quote", lang, text=swedish(" ".join(_paragraphs(req.text or "")), lang,
                                                             " ".join(_paragraphs(req.text_en or "")))) if text else "",
        "text_lang": _lang_of(req.text_en, lang),
        "sentences": list(written.sentences),
        "patterns": list(written.patterns),
        "evidence": _evidence(result, assessment, lang),
        "source": _source_sentences(req, lang),
    }


def _lang_of(english: str | None, lang: str) -> str:
    """The language a quoted text is in: Swedish when English is asked for but not given."""
    return "sv" if lang == "en" and not english else lang


def _source_sentences(req: CompiledRequirement, lang: str) -> list[str]:
    """The requirement's source documents, with their dates, and whether the test is a reading of them."""
    if not req.sources:
        return []
    texts = [message("ground.source_dated", lang, text=swedish(s.text.rstrip("."), lang), date=s.date.isoformat())
             if s.date else swedish(s.text.rstrip("."), lang) for s in req.sources]
    out = [message("ground.source", lang, source="; ".join(texts))]
    if any("tolkning" in s.text.lower() for s in req.sources):
        out.append(message("ground.interpretation", lang))
    return out


def _quoted(assessment: Assessment, path: str, lang: str) -> list[dict[str, Any]]:
    """The lines at `path` as the applicant wrote them, with where."""
    report = assessment.report
    span = report.lines_of().get(path)
    if span is None:
        return []
    first, last = span
    place = (message("ground.line", lang, line=first) if first == last
             else message("ground.lines", lang, first=first, last=last))
    lines = report.source.split("\n")[first - 1:last]
    return [{"intro": message("ground.evidence", lang, place=place), "lines": _dedent([x.rstrip() for x in lines])}]


def _evidence(result: RequirementResult, assessment: Assessment, lang: str) -> list[dict[str, Any]]:
    """What the applicant wrote, verbatim, with where: the lines of each fact
    the requirement read (of a list, only the elements that failed)."""
    report = assessment.report
    lines = report.lines_of()
    source = report.source.split("\n")
    if not lines:
        return []
    paths = _evidence_paths(result, assessment)
    out = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        span = lines.get(path)
        if span is None or span in seen:
            continue
        seen.add(span)
        first, last = span
        place = (message("ground.line", lang, line=first) if first == last
                 else message("ground.lines", lang, first=first, last=last))
        quoted = [line.rstrip() for line in source[first - 1:last]]
        out.append({"intro": message("ground.evidence", lang, place=place), "lines": _dedent(quoted)})
    return out


def _evidence_paths(result: RequirementResult, assessment: Assessment) -> list[str]:
    from kokdsl.evaluator import Element, Trace
    from kokdsl.values import RecordValue

    req = result.requirement
    failing: list[str] = []

    def walk(tr: Trace) -> None:
        for e in tr.elements:
            if isinstance(e, Element) and isinstance(e.item, RecordValue):
                failing.append(e.item.path)
        for p in tr.parts:
            walk(p)

    check = result.trace.check
    if check is not None:
        walk(check)
    paths = []
    for fact in sorted(req.dependencies):
        spec = assessment.rulebook.fact(fact)
        fields = req.dependencies[fact]
        elements = [p for p in failing if p.startswith(f"$.{fact}[")]
        if fields and elements and spec is not None and spec.type.record is not None:
            paths += elements
        else:
            paths.append(f"$.{fact}")
    for p in result.problems:
        paths.append(p.path)
    return paths


def _dedent(lines: list[str]) -> list[str]:
    """The lines without the indentation they share."""
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
    return [line[indent:] for line in lines]


def _supplements(assessment: Assessment, lang: str) -> list[dict[str, Any]]:
    """What to send, in words with an example in words, and what each is needed for."""
    from kokdsl.prose import Names

    decision = assessment.decision
    rb = assessment.rulebook
    names = Names(rb)
    out = []
    for problem in decision.missing:
        needed = [r.requirement.id for r in decision.supplements
                  if problem.fact in r.requirement.dependencies]
        fact = rb.fact(problem.fact)
        name = names.fact(problem.fact, lang)
        if problem.field is not None:
            name = f"{name}: {names.field(fact.type.record if fact else None, problem.field, lang)}"
        out.append({
            "name": name[:1].upper() + name[1:],
            "status": message("letter.supplement_missing" if problem.kind == "missing" else "letter.supplement_invalid",
                              lang),  # an implausible value cannot be read as given either
            # The fact's description in the letter's language; an English letter whose rulebook gives
            # no English description names the fact and asks in English, without it.
            "doc": (fact.description(lang) or "") if fact is not None and problem.field is None else "",
            "doc_lang": lang,
            "evidence": _quoted(assessment, problem.path, lang) if problem.kind == "invalid" else [],
            "ask": _ask(problem, rb, lang),
            "needed_for": message("letter.needed_for_many" if len(needed) > 1 else "letter.needed_for", lang,
                                  ids=join_and(needed, lang)) if needed else "",
        })
    return out


def _ask(problem: DataProblem, rulebook: CompiledRulebook, lang: str) -> str:
    """How to give a fact, with an example in words."""
    t = problem.expected
    kind = t.kind
    if kind in ("enum", "set"):
        names = [t.value_name(v, lang) for v in t.values]
        values = format_list(names, lang, "or") if kind == "enum" else join_and(names, lang)
        return message(f"letter.ask.{kind}", lang, values=values)
    if kind == "list" and t.record is not None:
        from kokdsl.prose import Names

        record = rulebook.records.get(t.record)
        fields = [Names(rulebook).field(t.record, f.name, lang) for f in record.fields] if record else []
        return message("letter.ask.list", lang, fields=join_and(fields, lang))
    key = f"letter.ask.{kind}"
    return message(key, lang) if has_message(key) else ""




def _appendix(results: list[RequirementResult], rulebook: CompiledRulebook, lang: str) -> list[dict[str, str]]:
    """Traceability for the applicant: every requirement in force, its outcome and source."""
    out = []
    for r in results:
        req = r.requirement
        out.append({
            "id": req.id,
            "title": swedish(req.title, lang, req.title_en),
            "level": message(f"ground.level.{req.modality}", lang),
            "outcome": _outcome_text(r, lang),
            "source": "; ".join(swedish(s.text, lang) + (f" ({s.date.isoformat()})" if s.date else "")
                                for s in req.sources),
        })
    return out


def _outcome_text(result: RequirementResult, lang: str) -> str:
    """The outcome in words; a waiver with its decision, reference and end date."""
    label = message(f"outcome.{result.outcome}", lang)
    if result.outcome is not Outcome.WAIVED:
        return label
    from kokdsl.prose import finding_text, findings

    return f"{label}: " + " ".join(finding_text(f, lang) for f in findings(result))


def is_letter(document: str) -> bool:
    """Whether the document goes to the applicant (everything but the internal report)."""
    return document in LETTERS

