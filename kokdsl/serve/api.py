"""The REST API at /api/v1: the stateless assessment an e-service calls, and
the register's cases, self-report versions, decisions, follow-up runs and
waivers as resources. Its OpenAPI document is /api/v1/openapi.json.

Refusals are JSON: 401 without a signed-in user or token, 403 for a role
that may not, 4xx with the loader's located messages for a self-report (or
waiver file) it cannot read. Bad input never gets a 500.

One module, over 400 lines: one short route per resource and action, with
the small functions that shape each resource's JSON; they read best together.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kokdsl.errors import KokError, RequestRefused
from kokdsl.serve import auth, jobs
from kokdsl.serve import register as reg
from kokdsl.serve.app import KINDS, _case, _run, _version, download, kok_messages, lang_of, record_decision
from kokdsl.serve.db import Case, Decision, FollowUpRun, Proposal, SupplementRequest, User, Version, Waiver
from kokdsl.serve.engine import assess_bytes, upload_name
from kokdsl.serve.security import Identity, forbidden, identify, require
from kokdsl.serve.state import DEFAULT_RULEBOOK, AppState

SELF_REPORT_BODY = {"required": True, "content": {
    "application/yaml": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object"}}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 403: {"description": "The role may not"},
          422: {"description": "The self-report cannot be read: the loader's located messages"}}


class CaseIn(BaseModel):
    reference: str = Field(description="Diarienummer", max_length=100)
    provider: str = Field(description="Vårdgivare", max_length=300)
    centre: str = Field(description="Vårdcentral", max_length=300)
    received: datetime.date
    officer: str | None = Field(default=None, description="The officer in charge (a user name); default: the caller")
    rulebook: str = DEFAULT_RULEBOOK


class SupplementIn(BaseModel):
    deadline: datetime.date
    note: str = Field(default="", max_length=5000)


class ProposalIn(BaseModel):
    version: int
    kind: str = Field(description="approved, rejection or supplement_request")
    note: str = Field(default="", max_length=5000)


class DecisionIn(BaseModel):
    proposal: int


class WaiverIn(BaseModel):
    centre: str
    requirement: str
    reason: str
    reference: str
    granted_by: str
    valid_from: datetime.date
    valid_to: datetime.date


class RunIn(BaseModel):
    label: str = ""
    rulebook: str = DEFAULT_RULEBOOK
    run_date: datetime.date | None = None
    folder: str = Field(description="One of the server folders the server was started with (--followup-root)")
    previous: int | None = Field(default=None, description="The run to compare with; default: the latest done")


_DISPOSITION_NAME = re.compile(r'filename="([^"]{1,200})"')


def _problem(status: int, messages: list[str], code: str) -> JSONResponse:
    return JSONResponse({"error": code, "messages": messages}, status_code=status)


def create_api(state: AppState, runner: jobs.Runner) -> FastAPI:
    api = FastAPI(title="kokdsl case register", version="1", openapi_url="/openapi.json", docs_url=None,
                  redoc_url=None, description="The officer's workplace: cases, self-report versions, decisions, "
                                              "follow-up runs and waivers; and the stateless assessment.")

    @api.exception_handler(RequestRefused)
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestRefused)
        headers = {"www-authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"error": exc.code, "messages": kok_messages(exc, lang_of(request))},
                            status_code=exc.status, headers=headers)

    @api.exception_handler(KokError)
    async def kok_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, KokError)
        return _problem(422, kok_messages(exc, lang_of(request)), "unreadable")

    def who(request: Request, permission: str = "read") -> Identity:
        identity = identify(request, state)
        if identity.csrf is not None and request.method not in ("GET", "HEAD"):
            if not auth.csrf_ok(identity.csrf or "", request.headers.get("x-csrf-token")):
                raise forbidden()
        require(identity, permission)
        return identity

    async def body_of(request: Request) -> tuple[bytes, str]:
        """The body and the name it is known by: Content-Disposition's file
        name when given (its base name only), else one for its media type."""
        data = await request.body()
        given = _DISPOSITION_NAME.search(request.headers.get("content-disposition", ""))
        return data, upload_name(given.group(1) if given else None, request.headers.get("content-type"))

    @api.get("/health", summary="Is the server up (no sign-in needed)")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.post("/assessments", summary="Assess a self-report (stateless): the JSON of kok run --format json",
              openapi_extra={"requestBody": SELF_REPORT_BODY}, responses=ERRORS)
    async def assessments(request: Request, rulebook: str = Query(DEFAULT_RULEBOOK, examples=["orebro/2025"]),
                          lang: str = Query("sv", pattern="^(sv|en)$")) -> Response:
        who(request)
        try:
            loaded = state.rulebook(rulebook)  # loaded once, then from memory
        except KeyError:
            raise RequestRefused("serve.error.unknown_rulebook", 404, name=rulebook) from None
        data, name = await body_of(request)
        rendered = await run_in_threadpool(_assess_json, loaded, data, name, lang)
        return Response(rendered, media_type="application/json")

    # -- cases

    @api.get("/cases", summary="Every case")
    def list_cases(request: Request) -> list[dict[str, Any]]:
        who(request)
        with state.sessions() as db:
            names = _names(db)
            return [_case_json(c, names) for c in db.scalars(sa.select(Case).order_by(Case.id))]

    @api.post("/cases", status_code=201, summary="Create a case", responses=ERRORS)
    def create_case(request: Request, body: CaseIn) -> dict[str, Any]:
        me = who(request, "casework")
        if body.rulebook not in state.rulebooks():
            raise RequestRefused("serve.error.unknown_rulebook", 400, name=body.rulebook)
        with state.sessions.begin() as db:
            officer = (db.scalar(sa.select(User).where(User.name == body.officer)) if body.officer else None) \
                or db.get(User, me.user.id)
            assert officer is not None
            case = reg.create_case(db, me.user, body.reference, body.provider, body.centre, body.received, officer,
                                   body.rulebook)
            return _case_json(case, _names(db))

    @api.get("/cases/{case_id}", summary="One case, with its versions, supplement requests and decisions")
    def get_case(request: Request, case_id: int) -> dict[str, Any]:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            names = _names(db)
            found = reg.versions(db, case)
            numbers = {v.id: v.number for v in found}
            return {**_case_json(case, names),
                    "versions": [_version_json(v, names) for v in found],
                    "supplement_requests": [_supplement_json(s, names) for s in db.scalars(
                        sa.select(SupplementRequest).where(SupplementRequest.case_id == case.id))],
                    "proposals": [_proposal_json(p, names, numbers) for p in db.scalars(
                        sa.select(Proposal).where(Proposal.case_id == case.id))],
                    "decisions": [_decision_json(d, names, numbers) for d in db.scalars(
                        sa.select(Decision).where(Decision.case_id == case.id))]}

    @api.post("/cases/{case_id}/versions", status_code=201, summary="Upload a new self-report version",
              openapi_extra={"requestBody": SELF_REPORT_BODY}, responses=ERRORS)
    async def add_version(request: Request, case_id: int) -> dict[str, Any]:
        me = who(request, "casework")
        data, name = await body_of(request)
        with state.sessions.begin() as db:
            case = _case(db, case_id)
            version = reg.add_version(db, me.user, case, state.rulebook(case.rulebook), data, name)
            return _version_json(version, _names(db))

    @api.get("/cases/{case_id}/versions/{number}", summary="A version's assessment (findings JSON)")
    def get_version(request: Request, case_id: int, number: int) -> dict[str, Any]:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            version = _version(db, case, number)
            done = reg.assess_version(db, state.engine, state.rulebook(case.rulebook), version)
            return {**_version_json(version, _names(db)), "findings": reg.findings_json(done, lang_of(request))}

    @api.get("/cases/{case_id}/versions/{number}/original", summary="The self-report as uploaded, byte for byte")
    def get_original(request: Request, case_id: int, number: int) -> Response:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            version = _version(db, case, number)
        return download(version.content, "application/octet-stream", f"{case.reference}-v{number}")

    @api.post("/cases/{case_id}/supplement-requests", status_code=201, summary="Ask for a supplement",
              responses=ERRORS)
    def add_supplement(request: Request, case_id: int, body: SupplementIn) -> dict[str, Any]:
        me = who(request, "casework")
        with state.sessions.begin() as db:
            found = reg.request_supplement(db, me.user, _case(db, case_id), body.deadline, body.note)
            return _supplement_json(found, _names(db))

    @api.post("/cases/{case_id}/proposals", status_code=201, summary="Propose a decision", responses=ERRORS)
    def add_proposal(request: Request, case_id: int, body: ProposalIn) -> dict[str, Any]:
        me = who(request, "casework")
        if body.kind not in KINDS:
            raise RequestRefused("serve.error.not_found", 400)
        with state.sessions.begin() as db:
            case = _case(db, case_id)
            version = _version(db, case, body.version)
            found = reg.propose(db, me.user, case, version, body.kind, body.note)
            return _proposal_json(found, _names(db), {version.id: version.number})

    @api.post("/cases/{case_id}/decisions", status_code=201, summary="Decide as proposed (beslutsfattare)",
              responses=ERRORS)
    def add_decision(request: Request, case_id: int, body: DecisionIn) -> dict[str, Any]:
        me = who(request, "decide")
        decision_id = record_decision(state, me.user, case_id, body.proposal, lang_of(request))
        with state.sessions() as db:
            found = db.get(Decision, decision_id)
            assert found is not None
            return _decision_json(found, _names(db), {})

    @api.get("/cases/{case_id}/decisions/{decision_id}/letter.pdf", summary="A decision's letter, as stored")
    def get_letter(request: Request, case_id: int, decision_id: int) -> Response:
        who(request)
        with state.sessions() as db:
            found = db.get(Decision, decision_id)
            if found is None or found.case_id != case_id:
                raise RequestRefused("serve.error.not_found", 404)
        return download(found.letter_pdf, "application/pdf", f"beslut-{decision_id}.pdf")

    @api.get("/cases/{case_id}/audit", summary="The case's audit log")
    def get_audit(request: Request, case_id: int) -> list[dict[str, Any]]:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            return [reg.audit_json(e) for e in reg.audit_entries(db, case.id)]

    # -- follow-up runs

    @api.get("/followup-runs", summary="Every follow-up run")
    def list_runs(request: Request) -> list[dict[str, Any]]:
        who(request)
        with state.sessions() as db:
            return [_run_json(r) for r in db.scalars(sa.select(FollowUpRun).order_by(FollowUpRun.id))]

    @api.post("/followup-runs", status_code=202, summary="Start a follow-up run over a server folder",
              responses=ERRORS)
    def start_run(request: Request, body: RunIn) -> dict[str, Any]:
        from kokdsl.serve.app import server_folders

        me = who(request, "casework")
        if body.folder not in server_folders(state):
            raise RequestRefused("serve.error.not_found", 404)
        if body.rulebook not in state.rulebooks():
            raise RequestRefused("serve.error.unknown_rulebook", 400, name=body.rulebook)
        from pathlib import Path

        sources = []
        for path in sorted(Path(body.folder).iterdir()):
            if path.is_file() and path.suffix.lower() in jobs.REPORT_SUFFIXES:
                with open(path, "rb") as f:
                    sources.append((upload_name(path.name), f.read(2 * 1024 * 1024 + 1)))
        if not sources:
            raise RequestRefused("serve.error.no_files")
        previous = body.previous if body.previous is not None else jobs.latest_done(state)
        run_id = jobs.create_run(state, me.user, body.label, body.rulebook, body.run_date or datetime.date.today(),
                                 previous, sources, lang_of(request))
        runner.submit(run_id)
        with state.sessions() as db:
            return _run_json(_run(db, run_id))

    @api.get("/followup-runs/{run_id}", summary="A run: status, progress and totals")
    def get_run(request: Request, run_id: int) -> dict[str, Any]:
        who(request)
        with state.sessions() as db:
            return _run_json(_run(db, run_id))

    @api.post("/followup-runs/{run_id}/restart", status_code=202, summary="Restart an interrupted run")
    def restart_run(request: Request, run_id: int) -> dict[str, Any]:
        me = who(request, "casework")
        if jobs.restart(state, me.user, run_id):
            runner.submit(run_id)
        with state.sessions() as db:
            return _run_json(_run(db, run_id))

    @api.get("/followup-runs/{run_id}/summary.json", summary="The run's summary.json")
    def run_summary(request: Request, run_id: int) -> Response:
        who(request)
        with state.sessions() as db:
            run = _run(db, run_id)
        if run.summary_json is None:
            raise RequestRefused("serve.error.not_found", 404)
        return Response(run.summary_json, media_type="application/json")

    @api.get("/followup-runs/{run_id}/centres.csv", summary="The run's table of centres")
    def run_csv(request: Request, run_id: int) -> Response:
        who(request)
        with state.sessions() as db:
            run = _run(db, run_id)
        if run.centres_csv is None:
            raise RequestRefused("serve.error.not_found", 404)
        return Response(run.centres_csv, media_type="text/csv; charset=utf-8")

    # -- waivers

    @api.get("/waivers", summary="The waivers register")
    def list_waivers(request: Request) -> list[dict[str, Any]]:
        who(request)
        with state.sessions() as db:
            return [_waiver_json(w) for w in reg.all_waivers(db)]

    @api.post("/waivers", status_code=201, summary="Register a waiver", responses=ERRORS)
    def add_waiver(request: Request, body: WaiverIn) -> dict[str, Any]:
        me = who(request, "casework")
        data = reg.waivers_yaml_entries([body.model_dump()]).encode("utf-8")
        entries = reg.read_waiver_entries(state.engine, state.rulebook(DEFAULT_RULEBOOK), data)
        with state.sessions.begin() as db:
            return _waiver_json(reg.add_waivers(db, me.user, entries, "api")[0])

    @api.delete("/waivers/{waiver_id}", status_code=204, summary="Remove a waiver")
    def delete_waiver(request: Request, waiver_id: int) -> Response:
        me = who(request, "casework")
        with state.sessions.begin() as db:
            found = db.get(Waiver, waiver_id)
            if found is None:
                raise RequestRefused("serve.error.not_found", 404)
            reg.remove_waiver(db, me.user, found)
        return Response(status_code=204)

    @api.get("/waivers/undantag.yaml", summary="Export the register as undantag.yaml")
    def export_waivers(request: Request) -> Response:
        who(request)
        with state.sessions() as db:
            return Response(reg.waivers_yaml(reg.all_waivers(db)), media_type="application/yaml")

    @api.post("/waivers/undantag.yaml", status_code=201, summary="Import undantag.yaml into the register",
              openapi_extra={"requestBody": {"required": True,
                                             "content": {"application/yaml": {"schema": {"type": "string"}}}}},
              responses=ERRORS)
    async def import_waivers(request: Request) -> list[dict[str, Any]]:
        me = who(request, "casework")
        data = await request.body()
        entries = reg.read_waiver_entries(state.engine, state.rulebook(DEFAULT_RULEBOOK), data)
        with state.sessions.begin() as db:
            return [_waiver_json(w) for w in reg.add_waivers(db, me.user, entries, "import")]

    return api


def _assess_json(loaded: Any, data: bytes, name: str, lang: str) -> str:
    from kokdsl.outputs.assessment import render_json

    return render_json(assess_bytes(loaded, data, name), lang, loaded.path)


def _names(db: sa.orm.Session) -> dict[int, str]:
    return {u.id: u.name for u in db.scalars(sa.select(User))}


def _case_json(case: Case, names: dict[int, str]) -> dict[str, Any]:
    return {"id": case.id, "reference": case.reference, "provider": case.provider, "centre": case.centre,
            "received": case.received.isoformat(), "officer": names.get(case.officer_id),
            "rulebook": case.rulebook}


def _version_json(version: Version, names: dict[int, str]) -> dict[str, Any]:
    return {"number": version.number, "file": version.filename, "sha256": version.sha256,
            "uploaded_by": names.get(version.uploaded_by), "uploaded_at": version.uploaded_at.isoformat() + "Z"}


def _supplement_json(found: SupplementRequest, names: dict[int, str]) -> dict[str, Any]:
    return {"id": found.id, "deadline": found.deadline.isoformat(), "note": found.note,
            "after_version": found.after_version, "requested_by": names.get(found.requested_by),
            "requested_at": found.requested_at.isoformat() + "Z"}


def _proposal_json(found: Proposal, names: dict[int, str], numbers: dict[int, int]) -> dict[str, Any]:
    return {"id": found.id, "version": numbers.get(found.version_id), "kind": found.kind, "note": found.note,
            "proposed_by": names.get(found.proposed_by), "proposed_at": found.proposed_at.isoformat() + "Z"}


def _decision_json(found: Decision, names: dict[int, str], numbers: dict[int, int]) -> dict[str, Any]:
    return {"id": found.id, "proposal": found.proposal_id, "kind": found.kind,
            "version": numbers.get(found.version_id), "proposed_by": names.get(found.proposed_by),
            "decided_by": names.get(found.decided_by), "decided_at": found.decided_at.isoformat() + "Z",
            "rulebook_sha256": found.rulebook_sha256, "self_report_sha256": found.self_report_sha256,
            "replaces": found.replaces_id, "letter_sha256": found.letter_sha256}


def _run_json(run: FollowUpRun) -> dict[str, Any]:
    return {"id": run.id, "label": run.label, "rulebook": run.rulebook, "run_date": run.run_date.isoformat(),
            "status": run.status, "done": run.done, "total": run.total, "previous": run.previous_id,
            "totals": json.loads(run.totals or "{}"), "error": run.error or None,
            "started_at": run.started_at.isoformat() + "Z",
            "finished_at": run.finished_at.isoformat() + "Z" if run.finished_at else None}


def _waiver_json(found: Waiver) -> dict[str, Any]:
    return {"id": found.id, "centre": found.centre, "requirement": found.requirement, "reason": found.reason,
            "reference": found.reference, "granted_by": found.granted_by,
            "valid_from": found.valid_from.isoformat(), "valid_to": found.valid_to.isoformat()}
