"""The register's operations, one function each, on a database session: cases,
self-report versions, supplement requests, proposals and decisions, waivers,
the audit log. Every change writes its audit entry in the same transaction.

The assessment of a version is never stored as a verdict of its own: it is
computed again by the pipeline from the stored bytes (the same bytes, the
same rulebook, the same result), so the register cannot drift from kok run.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import attrs
import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from kokdsl.errors import KokError, RequestRefused
from kokdsl.outputs.assessment import render_json
from kokdsl.outputs.findings import CaseDetails, render_document, render_report
from kokdsl.outputs.letters import document_for
from kokdsl.pipeline import Assessment, LoadedRulebook
from kokdsl.serve.db import AuditEntry, Case, Decision, Proposal, SupplementRequest, User, Version, Waiver
from kokdsl.serve.engine import WAIVER_FIELDS, Engine, assess_bytes, sha256

MAX_VERSIONS = 200
WAIVERS_FILE = "undantag.yaml"


def audit(db: Session, user: User | str, action: str, case_id: int | None = None, **detail: object) -> None:
    name = user if isinstance(user, str) else user.name
    db.add(AuditEntry(user_name=name, action=action, case_id=case_id,
                      detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)))


# -- cases and versions -----------------------------------------------------------------------


def create_case(db: Session, user: User, reference: str, provider: str, centre: str, received: datetime.date,
                officer: User, rulebook: str) -> Case:
    reference = " ".join(reference.split())
    if not reference or not provider.strip() or not centre.strip():
        raise RequestRefused("serve.case.missing_field")
    if db.scalar(sa.select(Case).where(Case.reference == reference)) is not None:
        raise RequestRefused("serve.case.duplicate", 409, reference=reference)
    case = Case(reference=reference, provider=provider.strip(), centre=centre.strip(), received=received,
                officer_id=officer.id, rulebook=rulebook)
    db.add(case)
    db.flush()
    audit(db, user, "case.created", case.id, reference=reference, officer=officer.name, rulebook=rulebook)
    return case


def versions(db: Session, case: Case) -> list[Version]:
    return list(db.scalars(sa.select(Version).where(Version.case_id == case.id).order_by(Version.number)))


def add_version(db: Session, user: User, case: Case, loaded: LoadedRulebook, data: bytes, name: str) -> Version:
    """Store a new self-report version, after the CLI's loader has read it
    (a KokError, located, when it cannot be). Never replaces an older one."""
    assess_bytes(loaded, data, name)  # refuse what kok run would refuse, before storing it
    number = (db.scalar(sa.select(sa.func.max(Version.number)).where(Version.case_id == case.id)) or 0) + 1
    if number > MAX_VERSIONS:
        raise RequestRefused("serve.version.too_many", limit=MAX_VERSIONS)
    version = Version(case_id=case.id, number=number, filename=name, content=data, sha256=sha256(data),
                      uploaded_by=user.id)
    db.add(version)
    db.flush()
    audit(db, user, "version.uploaded", case.id, number=number, sha256=version.sha256, file=name)
    return version


def request_supplement(db: Session, user: User, case: Case, deadline: datetime.date, note: str) -> SupplementRequest:
    latest = db.scalar(sa.select(sa.func.max(Version.number)).where(Version.case_id == case.id))
    if latest is None:
        raise RequestRefused("serve.supplement.no_version")
    request = SupplementRequest(case_id=case.id, after_version=latest, deadline=deadline, note=note.strip(),
                                requested_by=user.id)
    db.add(request)
    db.flush()
    audit(db, user, "supplement.requested", case.id, deadline=deadline.isoformat(), note=note.strip())
    return request


@attrs.frozen
class Waiting:
    """A case waiting for a supplement."""

    case: Case
    request: SupplementRequest
    overdue: bool


def waiting_cases(db: Session, today: datetime.date) -> list[Waiting]:
    """Cases whose latest supplement request no version has answered yet, overdue first, then by deadline."""
    latest_version = (sa.select(Version.case_id, sa.func.max(Version.number).label("n"))
                      .group_by(Version.case_id).subquery())
    latest_request = (sa.select(SupplementRequest.case_id, sa.func.max(SupplementRequest.id).label("rid"))
                      .group_by(SupplementRequest.case_id).subquery())
    rows = db.execute(
        sa.select(Case, SupplementRequest)
        .join(latest_request, latest_request.c.case_id == Case.id)
        .join(SupplementRequest, SupplementRequest.id == latest_request.c.rid)
        .join(latest_version, latest_version.c.case_id == Case.id)
        .where(latest_version.c.n <= SupplementRequest.after_version)).all()
    found = [Waiting(case, request, request.deadline < today) for case, request in rows]
    return sorted(found, key=lambda w: (not w.overdue, w.request.deadline, w.case.reference))


# -- assessments ------------------------------------------------------------------------------


def waivers_yaml(waivers: list[Waiver]) -> str:
    """The register's waivers as undantag.yaml (docs/waivers.md), Swedish keys."""
    return waivers_yaml_entries([{f: getattr(w, f) for f in WAIVER_FIELDS} for w in waivers])


def waivers_yaml_entries(entries: list[dict[str, Any]]) -> str:
    """Waivers given field by field (English names) as undantag.yaml, for the waivers loader to read."""
    keys = {"centre": "vårdcentral", "requirement": "krav", "reason": "skäl", "reference": "diarienummer",
            "granted_by": "beviljat_av", "valid_from": "giltigt_från", "valid_to": "giltigt_till"}
    shaped = [{keys[f]: _plain(entry.get(f)) for f in WAIVER_FIELDS} for entry in entries]
    return yaml.safe_dump({"undantag": shaped}, allow_unicode=True, sort_keys=False)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime.date) else value


def all_waivers(db: Session) -> list[Waiver]:
    return list(db.scalars(sa.select(Waiver).order_by(Waiver.centre, Waiver.requirement, Waiver.id)))


@attrs.frozen
class VersionAssessment:
    version: Version
    assessment: Assessment
    loaded: LoadedRulebook


def assess_version(db: Session, engine: Engine, loaded: LoadedRulebook, version: Version,
                   day: datetime.date | None = None) -> VersionAssessment:
    """The version's assessment on `day`, with the register's waivers for its centre."""
    day = day or datetime.date.today()
    assessment = assess_bytes(loaded, version.content, version.filename, day)
    centre = assessment.report.identity.id
    ids = {r.id for r in loaded.rulebook.requirements}
    relevant = [w for w in all_waivers(db) if w.centre == centre and w.requirement in ids]
    if relevant:
        with _temporary_file(waivers_yaml(relevant)) as path:
            assessment = engine.apply_waivers(assessment, path, day)
    return VersionAssessment(version, assessment, loaded)


@contextlib.contextmanager
def _temporary_file(text: str, suffix: str = ".yaml") -> Iterator[str]:
    """A file holding `text`, for the loaders that read files; removed afterwards."""
    fd, path = tempfile.mkstemp(prefix="kok-serve-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        yield path
    finally:
        os.unlink(path)


def findings_json(done: VersionAssessment, lang: str) -> dict[str, Any]:
    """The findings JSON `kok run --format json` prints for this version."""
    data: dict[str, Any] = json.loads(render_json(done.assessment, lang, done.loaded.path))
    return data


def letter_html(done: VersionAssessment, case: Case, officer: str, lang: str,
                decision_date: datetime.date | None = None, kind: str | None = None,
                reply_by: datetime.date | None = None) -> str:
    """The letter, as `kok run --output html:…` writes it for this case: the
    one the outcome calls for, or the one for the decision `kind` proposed."""
    details = CaseDetails(reference=case.reference, officer=officer, decision_date=decision_date,
                          document=document_for(kind) if kind else None, reply_by=reply_by)
    return render_document(done.assessment, "html", lang, done.assessment.evaluation.day, done.loaded.path,
                           details)


def report_html(done: VersionAssessment, case: Case, officer: str, lang: str) -> str:
    """The officer's own assessment report (granskningsrapport), every requirement with its reasons."""
    details = CaseDetails(reference=case.reference, officer=officer)
    return render_report(done.assessment, "html", lang, done.assessment.evaluation.day, done.loaded.path, details)


def reply_by(db: Session, case: Case) -> datetime.date | None:
    """The deadline of the case's latest supplement request, printed on a supplement letter."""
    latest = db.scalar(sa.select(SupplementRequest).where(SupplementRequest.case_id == case.id)
                       .order_by(SupplementRequest.id.desc()).limit(1))
    return latest.deadline if latest is not None else None


def version_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two findings documents: the decision, each
    requirement's outcome, and the facts given."""
    old = {r["id"]: r for r in before.get("requirements", [])}
    changed = []
    for req in after.get("requirements", []):
        was = old.get(req["id"])
        if was is None or was.get("outcome") != req.get("outcome"):
            changed.append({"id": req["id"], "title": req.get("title", ""),
                            "before": was.get("outcome_label", was.get("outcome")) if was else None,
                            "after": req.get("outcome_label", req.get("outcome"))})
    old_decision, new_decision = before.get("decision", {}), after.get("decision", {})
    return {"decision_before": old_decision.get("label"), "decision_after": new_decision.get("label"),
            "decision_changed": old_decision.get("kind") != new_decision.get("kind"),
            "requirements": changed}


# -- proposals and decisions ------------------------------------------------------------------


def propose(db: Session, user: User, case: Case, version: Version, kind: str, note: str) -> Proposal:
    proposal = Proposal(case_id=case.id, version_id=version.id, kind=kind, note=note.strip(), proposed_by=user.id)
    db.add(proposal)
    db.flush()
    audit(db, user, "decision.proposed", case.id, proposal=proposal.id, kind=kind, version=version.number)
    return proposal


def current_decision(db: Session, case: Case) -> Decision | None:
    replaced = sa.select(Decision.replaces_id).where(Decision.replaces_id.is_not(None))
    return db.scalar(sa.select(Decision).where(Decision.case_id == case.id, Decision.id.not_in(replaced)))


def decide(db: Session, user: User, case: Case, proposal: Proposal, rulebook_sha256: str, pdf: bytes,
           draft: bool = False) -> Decision:
    """Record the decision whole (with its letter) in the caller's transaction.
    The decider may not be the proposer: two people, two roles. A draft
    rulebook (`status utkast`) is never the ground for a decision."""
    if proposal.case_id != case.id:
        raise RequestRefused("serve.decision.wrong_case", 404)
    if proposal.proposed_by == user.id:
        raise RequestRefused("serve.decision.same_person", 403)
    if draft:
        raise RequestRefused("serve.decision.draft_rulebook", 409)
    version = db.get(Version, proposal.version_id)
    if version is None:
        raise RequestRefused("serve.decision.no_version", 404)
    earlier = current_decision(db, case)
    decision = Decision(case_id=case.id, proposal_id=proposal.id, version_id=version.id, kind=proposal.kind,
                        proposed_by=proposal.proposed_by, decided_by=user.id, rulebook_sha256=rulebook_sha256,
                        self_report_sha256=version.sha256, replaces_id=earlier.id if earlier else None,
                        letter_pdf=pdf, letter_sha256=sha256(pdf))
    db.add(decision)
    db.flush()
    audit(db, user, "decision.recorded", case.id, decision=decision.id, kind=decision.kind,
          replaces=decision.replaces_id, self_report_sha256=version.sha256, rulebook_sha256=rulebook_sha256)
    return decision


# -- waivers ----------------------------------------------------------------------------------


def add_waivers(db: Session, user: User, entries: list[dict[str, Any]], source: str) -> list[Waiver]:
    """Register waivers already read by the waivers loader (so already checked)."""
    added = []
    for entry in entries:
        waiver = Waiver(**{f: entry[f] for f in WAIVER_FIELDS}, created_by=user.id)
        db.add(waiver)
        added.append(waiver)
    db.flush()
    for waiver in added:
        audit(db, user, "waiver.added", None, waiver=waiver.id, centre=waiver.centre,
              requirement=waiver.requirement, reference=waiver.reference, source=source)
    return added


def remove_waiver(db: Session, user: User, waiver: Waiver) -> None:
    audit(db, user, "waiver.removed", None, waiver=waiver.id, centre=waiver.centre, requirement=waiver.requirement,
          reference=waiver.reference)
    db.delete(waiver)


def expiring_waivers(db: Session, today: datetime.date, days: int = 90) -> list[Waiver]:
    until = today + datetime.timedelta(days=days)
    return list(db.scalars(sa.select(Waiver).where(Waiver.valid_from <= today, Waiver.valid_to >= today,
                                                   Waiver.valid_to <= until).order_by(Waiver.valid_to)))


def read_waiver_entries(engine: Engine, loaded: LoadedRulebook, data: bytes) -> list[dict[str, Any]]:
    """undantag.yaml's bytes through the waivers loader (KokError, located, when bad)."""
    with _temporary_file(data.decode("utf-8", errors="replace"), ".yaml") as path:
        try:
            return engine.read_waivers(path, loaded)
        except KokError as error:  # named as the officer knows the file, not by its temporary path
            error.diagnostics = [attrs.evolve(d, file=WAIVERS_FILE) for d in error.diagnostics]
            raise


# -- the audit log ----------------------------------------------------------------------------


def audit_entries(db: Session, case_id: int | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    return list(db.scalars(query))


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat() + "Z", "user": entry.user_name, "action": entry.action,
            "case": entry.case_id, "detail": json.loads(entry.detail or "{}")}


