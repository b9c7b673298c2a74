"""The web pages an officer uses (the REST API is api.py; server.py puts
them together), and the handlers that turn refusals into answers: the
sign-in page for a stranger, 403 for a role that may not, the loader's
located message for a self-report it cannot read, never a 500 for bad input.

One module, over 400 lines: every page handler is a few lines over the
register (register.py) and the templates, and they read best side by side.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import json
import tempfile
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import attrs
import jinja2
import sqlalchemy as sa
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kokdsl.errors import KokError, OutputError, RequestRefused
from kokdsl.outputs.files import write_pdf
from kokdsl.serve import auth, jobs
from kokdsl.serve import register as reg
from kokdsl.serve.db import Case, Decision, FollowUpRun, Proposal, SupplementRequest, User, Version, Waiver
from kokdsl.serve.engine import upload_name
from kokdsl.serve.i18n import LANGS, text
from kokdsl.serve.security import LANG_COOKIE, SESSION_COOKIE, Identity, document_csp, identify, require
from kokdsl.serve.state import DEFAULT_RULEBOOK, AppState

HERE = Path(__file__).resolve().parent
ZIP_MEMBER_LIMIT = 2 * 1024 * 1024


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def lang_of(request: Request) -> str:
    given = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "sv"
    return given if given in LANGS else "sv"


# -- rendering and refusals -------------------------------------------------------------------


def page(request: Request, template: str, identity: Identity | None, status: int = 200, **values: Any) -> Response:
    lang = lang_of(request)
    t = functools.partial(_t, lang)
    html = _templates().get_template(template).render(
        t=t, lang=lang, me=identity.user if identity else None, csrf=identity.csrf if identity else "",
        may=(lambda p: auth.may(identity.user, p)) if identity else (lambda p: False),
        path=request.url.path, other_lang="en" if lang == "sv" else "sv", **values)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", secure=True, httponly=True)
    return response


def _t(lang: str, key: str, **params: object) -> str:
    return text(key, lang, **params)


def document(html: str, media: str = "text/html; charset=utf-8") -> Response:
    """One of kokdsl's own documents (letter, book, overview), with a policy of its own."""
    return Response(html, media_type=media, headers={"content-security-policy": document_csp(html)})


def download(data: bytes | str, media: str, filename: str) -> Response:
    """A file to save; its name is made here, never taken from the request."""
    quoted = urllib.parse.quote(filename)
    return Response(data, media_type=media,
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quoted}"})


def add_handlers(app: FastAPI, state: AppState) -> None:
    @app.exception_handler(RequestRefused)
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestRefused)
        if exc.status == 401:  # a stranger gets the sign-in page, never the page
            return RedirectResponse(f"/signin?next={urllib.parse.quote(request.url.path)}", status_code=303)
        return page(request, "error.html.j2", _maybe(request, state), exc.status,
                    messages=kok_messages(exc, lang_of(request)))

    @app.exception_handler(KokError)
    async def kok_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, KokError)
        return page(request, "error.html.j2", _maybe(request, state), 422,
                    messages=kok_messages(exc, lang_of(request)))


def kok_messages(error: KokError, lang: str) -> list[str]:
    """The loader's located messages, as kok prints them."""
    from kokdsl.diagnostics import format_diagnostic

    return [format_diagnostic(d, lang, error.source) if d.location() else d.text(lang) for d in error.diagnostics]


def _maybe(request: Request, state: AppState) -> Identity | None:
    try:
        return identify(request, state)
    except RequestRefused:
        return None


@attrs.frozen
class Upload:
    filename: str
    content_type: str
    data: bytes


@attrs.frozen
class Posted:
    """A posted form read whole (files bounded by the request's limit), its temporary files closed."""

    fields: dict[str, str]
    uploads: dict[str, list[Upload]]

    def get(self, key: str) -> str:
        return self.fields.get(key, "")

    def files(self, key: str) -> list[Upload]:
        return self.uploads.get(key, [])


async def read_form(request: Request, max_files: int) -> Posted:
    fields: dict[str, str] = {}
    uploads: dict[str, list[Upload]] = {}
    async with request.form(max_files=max_files, max_fields=100) as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if value.filename:
                    uploads.setdefault(key, []).append(
                        Upload(value.filename, value.content_type or "", await value.read()))
            else:
                fields.setdefault(key, value)
    return Posted(fields, uploads)


async def form_of(request: Request, identity: Identity, state: AppState) -> Posted:
    """The posted form, after its CSRF token is checked against the session's."""
    form = await read_form(request, state.settings.max_upload_files)
    if identity.csrf is not None and not auth.csrf_ok(identity.csrf, form.get("csrf")):
        raise RequestRefused("serve.error.csrf", 403)
    return form


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _date(value: object, default: datetime.date | None = None) -> datetime.date:
    raw = _str(value).strip()
    if not raw and default is not None:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise RequestRefused("serve.error.bad_date") from None


def _rulebook_name(state: AppState, name: str) -> str:
    if name not in state.rulebooks():
        raise RequestRefused("serve.error.unknown_rulebook", 400, name=name)
    return name


# -- the pages --------------------------------------------------------------------------------


def add_pages(app: FastAPI, state: AppState, runner: jobs.Runner) -> None:
    def who(request: Request) -> Identity:
        return identify(request, state)

    def redirect(url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    @app.get("/signin", include_in_schema=False)
    async def signin_page(request: Request) -> Response:
        return page(request, "signin.html.j2", None, next=_safe_next(request.query_params.get("next")), failed=False)

    @app.post("/signin", include_in_schema=False)
    async def signin(request: Request) -> Response:
        form = await read_form(request, 0)
        name, password = form.get("name"), form.get("password")
        with state.sessions.begin() as db:
            user = auth.check_password(db, name, password)
            if user is None:
                reg.audit(db, name[:200] or "?", "signin.failed")
                token = None
            else:
                token, _ = auth.start_session(db, user)
                reg.audit(db, user, "signin")
        if token is None:
            return page(request, "signin.html.j2", None, 401, next=_safe_next(form.get("next")), failed=True)
        response = redirect(_safe_next(form.get("next")))
        response.set_cookie(SESSION_COOKIE, token, httponly=True, secure=state.settings.secure_cookies,
                            samesite="strict", max_age=auth.SESSION_HOURS * 3600, path="/")
        return response

    @app.post("/signout", include_in_schema=False)
    async def signout(request: Request) -> Response:
        me = who(request)
        await form_of(request, me, state)
        with state.sessions.begin() as db:
            auth.end_session(db, request.cookies.get(SESSION_COOKIE, ""))
            reg.audit(db, me.user, "signout")
        response = redirect("/signin")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/", include_in_schema=False)
    async def start(request: Request) -> Response:
        me = who(request)
        today = datetime.date.today()
        with state.sessions() as db:
            waiting = reg.waiting_cases(db, today)
            expiring = reg.expiring_waivers(db, today)
            runs = list(db.scalars(sa.select(FollowUpRun).order_by(FollowUpRun.id.desc()).limit(5)))
        return page(request, "start.html.j2", me, waiting=waiting, expiring=expiring, runs=runs)

    # -- cases

    @app.get("/cases", include_in_schema=False)
    async def cases_page(request: Request) -> Response:
        me = who(request)
        with state.sessions() as db:
            cases = list(db.scalars(sa.select(Case).order_by(Case.received.desc(), Case.id.desc())))
            officers = list(db.scalars(sa.select(User).where(User.role == auth.OFFICER).order_by(User.name)))
            names = {u.id: u.name for u in db.scalars(sa.select(User))}
        return page(request, "cases.html.j2", me, cases=cases, officers=officers, names=names,
                    rulebooks=sorted(state.rulebooks()), default_rulebook=DEFAULT_RULEBOOK,
                    today=datetime.date.today().isoformat())

    @app.post("/cases", include_in_schema=False)
    async def create_case(request: Request) -> Response:
        me = who(request)
        require(me, "casework")
        form = await form_of(request, me, state)
        rulebook = _rulebook_name(state, form.get("rulebook") or DEFAULT_RULEBOOK)
        with state.sessions.begin() as db:
            officer = db.get(User, int(form.get("officer") or me.user.id)) or me.user
            case = reg.create_case(db, me.user, form.get("reference"), form.get("provider"),
                                   form.get("centre"), _date(form.get("received"), datetime.date.today()),
                                   officer, rulebook)
        return redirect(f"/cases/{case.id}")

    @app.get("/cases/{case_id}", include_in_schema=False)
    async def case_page(request: Request, case_id: int) -> Response:
        me = who(request)
        lang = lang_of(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            view = case_view(state, db, case, lang)
        return page(request, "case.html.j2", me, **view)

    @app.post("/cases/{case_id}/versions", include_in_schema=False)
    async def upload_version(request: Request, case_id: int) -> Response:
        me = who(request)
        require(me, "casework")
        form = await form_of(request, me, state)
        uploads = form.files("file")
        if not uploads:
            raise RequestRefused("serve.error.no_files")
        with state.sessions.begin() as db:
            case = _case(db, case_id)
            reg.add_version(db, me.user, case, state.rulebook(case.rulebook), uploads[0].data,
                            upload_name(uploads[0].filename, uploads[0].content_type))
        return redirect(f"/cases/{case_id}")

    @app.get("/cases/{case_id}/versions/{number}/letter", include_in_schema=False)
    async def version_letter(request: Request, case_id: int, number: int) -> Response:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            version = _version(db, case, number)
            done = reg.assess_version(db, state.engine, state.rulebook(case.rulebook), version)
            officer = _name(db, case.officer_id)
            deadline = reg.reply_by(db, case)
        return document(reg.letter_html(done, case, officer, lang_of(request), reply_by=deadline))

    @app.get("/cases/{case_id}/versions/{number}/report", include_in_schema=False)
    async def version_report(request: Request, case_id: int, number: int) -> Response:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            version = _version(db, case, number)
            done = reg.assess_version(db, state.engine, state.rulebook(case.rulebook), version)
            officer = _name(db, case.officer_id)
        return document(reg.report_html(done, case, officer, lang_of(request)))

    @app.get("/cases/{case_id}/versions/{number}/original", include_in_schema=False)
    async def version_original(request: Request, case_id: int, number: int) -> Response:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            version = _version(db, case, number)
        suffix = Path(version.filename).suffix or ".yaml"
        return download(version.content, "application/octet-stream", f"{case.reference}-v{number}{suffix}")

    @app.post("/cases/{case_id}/supplements", include_in_schema=False)
    async def supplement(request: Request, case_id: int) -> Response:
        me = who(request)
        require(me, "casework")
        form = await form_of(request, me, state)
        with state.sessions.begin() as db:
            reg.request_supplement(db, me.user, _case(db, case_id), _date(form.get("deadline")),
                                   form.get("note"))
        return redirect(f"/cases/{case_id}")

    @app.post("/cases/{case_id}/proposals", include_in_schema=False)
    async def proposal(request: Request, case_id: int) -> Response:
        me = who(request)
        require(me, "casework")
        form = await form_of(request, me, state)
        with state.sessions.begin() as db:
            case = _case(db, case_id)
            version = _version(db, case, int(form.get("version") or 0))
            kind = form.get("kind")
            if kind not in KINDS:
                raise RequestRefused("serve.error.not_found", 400)
            reg.propose(db, me.user, case, version, kind, form.get("note"))
        return redirect(f"/cases/{case_id}")

    @app.post("/cases/{case_id}/decisions", include_in_schema=False)
    async def decision(request: Request, case_id: int) -> Response:
        me = who(request)
        require(me, "decide")
        form = await form_of(request, me, state)
        await run_in_threadpool(record_decision, state, me.user, case_id, int(form.get("proposal") or 0),
                                lang_of(request))
        return redirect(f"/cases/{case_id}")

    @app.get("/cases/{case_id}/decisions/{decision_id}/letter.pdf", include_in_schema=False)
    async def decision_pdf(request: Request, case_id: int, decision_id: int) -> Response:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            found = db.get(Decision, decision_id)
            if found is None or found.case_id != case.id:
                raise RequestRefused("serve.error.not_found", 404)
        return download(found.letter_pdf, "application/pdf", f"beslut-{case.reference}-{found.id}.pdf")

    @app.get("/cases/{case_id}/audit.csv", include_in_schema=False)
    async def audit_csv(request: Request, case_id: int) -> Response:
        who(request)
        with state.sessions() as db:
            case = _case(db, case_id)
            entries = reg.audit_entries(db, case.id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "at", "user", "action", "case", "detail"])
        for e in entries:
            writer.writerow([e.id, e.at.isoformat() + "Z", e.user_name, e.action, case.reference, e.detail])
        return download(out.getvalue(), "text/csv; charset=utf-8", f"logg-{case.reference}.csv")

    # -- follow-up

    @app.get("/followup", include_in_schema=False)
    async def followup_page(request: Request) -> Response:
        me = who(request)
        with state.sessions() as db:
            runs = list(db.scalars(sa.select(FollowUpRun).order_by(FollowUpRun.id.desc())))
        return page(request, "followup.html.j2", me, runs=runs, folders=server_folders(state),
                    rulebooks=sorted(state.rulebooks()), default_rulebook=DEFAULT_RULEBOOK,
                    today=datetime.date.today().isoformat())

    @app.post("/followup", include_in_schema=False)
    async def start_followup(request: Request) -> Response:
        me = who(request)
        require(me, "casework")
        form = await form_of(request, me, state)
        sources = followup_sources(state, form)
        rulebook = _rulebook_name(state, form.get("rulebook") or DEFAULT_RULEBOOK)
        previous_choice = form.get("previous") or "latest"
        previous = (jobs.latest_done(state) if previous_choice == "latest"
                    else int(previous_choice) if previous_choice.isdigit() else None)
        run_id = jobs.create_run(state, me.user, form.get("label"), rulebook,
                                 _date(form.get("run_date"), datetime.date.today()), previous, sources,
                                 lang_of(request))
        runner.submit(run_id)
        return redirect(f"/followup/{run_id}")

    @app.get("/followup/{run_id}", include_in_schema=False)
    async def followup_run(request: Request, run_id: int) -> Response:
        me = who(request)
        with state.sessions() as db:
            run = _run(db, run_id)
        return page(request, "run.html.j2", me, run=run, totals=json.loads(run.totals or "{}"))

    @app.post("/followup/{run_id}/restart", include_in_schema=False)
    async def followup_restart(request: Request, run_id: int) -> Response:
        me = who(request)
        require(me, "casework")
        await form_of(request, me, state)
        if jobs.restart(state, me.user, run_id):
            runner.submit(run_id)
        return redirect(f"/followup/{run_id}")

    def stored_output(request: Request, run_id: int, output: str) -> Any:
        """One output a follow-up run stored (404 while it has none)."""
        who(request)
        with state.sessions() as db:
            run = _run(db, run_id)
        content = getattr(run, output)
        if content is None:
            raise RequestRefused("serve.error.not_found", 404)
        return content

    @app.get("/followup/{run_id}/overview", include_in_schema=False)
    async def followup_overview(request: Request, run_id: int) -> Response:
        return document(stored_output(request, run_id, "overview_html"))

    @app.get("/followup/{run_id}/centres.csv", include_in_schema=False)
    async def followup_csv(request: Request, run_id: int) -> Response:
        content = stored_output(request, run_id, "centres_csv")
        return download(content, "text/csv; charset=utf-8", f"uppfoljning-{run_id}.csv")

    @app.get("/followup/{run_id}/summary.json", include_in_schema=False)
    async def followup_summary(request: Request, run_id: int) -> Response:
        content = stored_output(request, run_id, "summary_json")
        return download(content, "application/json", f"summary-{run_id}.json")

    # -- waivers

    @app.get("/waivers", include_in_schema=False)
    async def waivers_page(request: Request) -> Response:
        me = who(request)
        with state.sessions() as db:
            waivers = reg.all_waivers(db)
        return page(request, "waivers.html.j2", me, waivers=waivers, today=datetime.date.today().isoformat())

    @app.post("/waivers", include_in_schema=False)
    async def add_waiver(request: Request) -> Response:
        me = who(request)
        require(me, "casework")
        form = await form_of(request, me, state)
        entry = {key: _str(form.get(key)) for key in ("centre", "requirement", "reason", "reference", "granted_by",
                                                     "valid_from", "valid_to")}
        data = reg.waivers_yaml_entries([entry]).encode("utf-8")
        entries = reg.read_waiver_entries(state.engine, state.rulebook(DEFAULT_RULEBOOK), data)
        with state.sessions.begin() as db:
            reg.add_waivers(db, me.user, entries, "form")
        return redirect("/waivers")

    @app.post("/waivers/import", include_in_schema=False)
    async def import_waivers(request: Request) -> Response:
        me = who(request)
        require(me, "casework")
        form = await form_of(request, me, state)
        uploads = form.files("file")
        if not uploads:
            raise RequestRefused("serve.error.no_files")
        entries = reg.read_waiver_entries(state.engine, state.rulebook(DEFAULT_RULEBOOK), uploads[0].data)
        with state.sessions.begin() as db:
            reg.add_waivers(db, me.user, entries, "import")
        return redirect("/waivers")

    @app.get("/waivers/undantag.yaml", include_in_schema=False)
    async def export_waivers(request: Request) -> Response:
        who(request)
        with state.sessions() as db:
            text_ = reg.waivers_yaml(reg.all_waivers(db))
        return download(text_, "application/yaml; charset=utf-8", "undantag.yaml")

    @app.post("/waivers/{waiver_id}/remove", include_in_schema=False)
    async def remove_waiver(request: Request, waiver_id: int) -> Response:
        me = who(request)
        require(me, "casework")
        await form_of(request, me, state)
        with state.sessions.begin() as db:
            waiver = db.get(Waiver, waiver_id)
            if waiver is None:
                raise RequestRefused("serve.error.not_found", 404)
            reg.remove_waiver(db, me.user, waiver)
        return redirect("/waivers")

    # -- rulebooks

    @app.get("/rulebooks", include_in_schema=False)
    async def rulebooks_page(request: Request) -> Response:
        me = who(request)
        return page(request, "rulebooks.html.j2", me, rulebooks=list(state.rulebooks().values()))

    @app.get("/rulebooks/{name:path}/book", include_in_schema=False)
    async def book(request: Request, name: str) -> Response:
        who(request)
        if name not in state.rulebooks():
            raise RequestRefused("serve.error.not_found", 404)
        loaded = state.rulebook(name)
        return document(state.engine.render_book(loaded, lang_of(request)))


KINDS = ("approved", "rejection", "supplement_request")


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this server only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _case(db: sa.orm.Session, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise RequestRefused("serve.error.not_found", 404)
    return case


def _version(db: sa.orm.Session, case: Case, number: int) -> Version:
    version = db.scalar(sa.select(Version).where(Version.case_id == case.id, Version.number == number))
    if version is None:
        raise RequestRefused("serve.error.not_found", 404)
    return version


def _run(db: sa.orm.Session, run_id: int) -> FollowUpRun:
    run = db.get(FollowUpRun, run_id)
    if run is None:
        raise RequestRefused("serve.error.not_found", 404)
    return run


def _name(db: sa.orm.Session, user_id: int) -> str:
    user = db.get(User, user_id)
    return user.name if user else "?"


def case_view(state: AppState, db: sa.orm.Session, case: Case, lang: str) -> dict[str, Any]:
    """Everything the case page shows."""
    names = {u.id: u.name for u in db.scalars(sa.select(User))}
    found = reg.versions(db, case)
    latest = found[-1] if found else None
    assessment = changes = None
    loaded = state.rulebook(case.rulebook)
    if latest is not None:
        done = reg.assess_version(db, state.engine, loaded, latest)
        assessment = reg.findings_json(done, lang)
        if len(found) > 1:
            before = reg.findings_json(reg.assess_version(db, state.engine, loaded, found[-2]), lang)
            changes = reg.version_changes(before, assessment)
    supplements = list(db.scalars(sa.select(SupplementRequest).where(SupplementRequest.case_id == case.id)
                                  .order_by(SupplementRequest.id)))
    proposals = list(db.scalars(sa.select(Proposal).where(Proposal.case_id == case.id).order_by(Proposal.id)))
    decisions = list(db.scalars(sa.select(Decision).where(Decision.case_id == case.id).order_by(Decision.id)))
    replaced = {d.replaces_id for d in decisions if d.replaces_id}
    decided = {d.proposal_id for d in decisions}
    numbers = {v.id: v.number for v in found}
    today = datetime.date.today()
    return {"case": case, "names": names, "versions": found, "latest": latest, "assessment": assessment,
            "changes": changes, "supplements": supplements, "proposals": proposals, "decisions": decisions,
            "replaced": replaced, "decided": decided, "numbers": numbers, "kinds": KINDS,
            "audit": reg.audit_entries(db, case.id), "today": today,
            "default_deadline": (today + datetime.timedelta(days=30)).isoformat(),
            "latest_number": latest.number if latest else 0}


def record_decision(state: AppState, user: User, case_id: int, proposal_id: int, lang: str) -> int:
    """Print the letter, then record the decision with it in one transaction:
    a crash leaves it whole or absent."""
    with state.sessions() as db:
        case = _case(db, case_id)
        found = db.get(Proposal, proposal_id)
        if found is None or found.case_id != case.id:
            raise RequestRefused("serve.error.not_found", 404)
        version = db.get(Version, found.version_id)
        assert version is not None
        loaded = state.rulebook(case.rulebook)
        done = reg.assess_version(db, state.engine, loaded, version)
        html = reg.letter_html(done, case, _name(db, case.officer_id), lang, datetime.date.today(), found.kind,
                               reg.reply_by(db, case))
    pdf = letter_pdf(html)
    with state.sessions.begin() as db:
        case = _case(db, case_id)
        proposal_row = db.get(Proposal, proposal_id)
        assert proposal_row is not None
        decision = reg.decide(db, user, case, proposal_row, loaded.rulebook.sha256, pdf, loaded.rulebook.draft)
        return decision.id


def letter_pdf(html: str) -> bytes:
    """The letter printed as kok run --output pdf:… prints it."""
    with tempfile.TemporaryDirectory(prefix="kok-letter-") as work:
        target = Path(work) / "beslut.pdf"
        try:
            write_pdf(target, html, datetime.date.today())
        except OutputError as exc:
            raise RequestRefused("serve.decision.no_pdf", 503, reason=exc.diagnostics[0].text("en")) from None
        return target.read_bytes()


def server_folders(state: AppState) -> list[str]:
    """The folders a follow-up may read on the server: each configured root and its subfolders, by name."""
    found = []
    for root in state.settings.followup_roots:
        if root.is_dir():
            found.append(str(root))
            found += sorted(str(p) for p in root.iterdir() if p.is_dir())
    return found


def followup_sources(state: AppState, form: Posted) -> list[tuple[str, bytes]]:
    """The self-reports of a follow-up: uploaded files, zip files unpacked, or a server folder chosen from the list."""
    limit = state.settings.max_upload_files
    sources: list[tuple[str, bytes]] = []
    for upload in form.files("files"):
        if upload.filename.lower().endswith(".zip"):
            sources += unzip(upload.data, limit)
        elif upload.filename.lower().endswith(jobs.REPORT_SUFFIXES):
            sources.append((upload_name(upload.filename), upload.data))
    chosen = form.get("folder")
    if chosen:
        if chosen not in server_folders(state):  # only a folder from the list, never any path
            raise RequestRefused("serve.error.not_found", 404)
        for path in sorted(Path(chosen).iterdir()):
            if path.is_file() and path.suffix.lower() in jobs.REPORT_SUFFIXES:
                with open(path, "rb") as f:
                    sources.append((upload_name(path.name), f.read(ZIP_MEMBER_LIMIT + 1)))
    if len(sources) > limit:
        raise RequestRefused("serve.error.too_many", 413)
    if not sources:
        raise RequestRefused("serve.error.no_files")
    return sources


def unzip(data: bytes, limit: int) -> list[tuple[str, bytes]]:
    """The self-reports in a zip file, each bounded (a zip bomb stops at the limit), names without folders."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RequestRefused("serve.error.bad_zip") from None
    found = []
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()
                   and m.filename.lower().endswith(jobs.REPORT_SUFFIXES) and "__MACOSX" not in m.filename]
        if len(members) > limit:
            raise RequestRefused("serve.error.too_many", 413)
        for member in members:
            try:
                with archive.open(member) as f:
                    found.append((upload_name(member.filename), f.read(ZIP_MEMBER_LIMIT + 1)))
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
                raise RequestRefused("serve.error.bad_zip") from None
    return found


