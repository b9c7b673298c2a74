"""The web protections: sign-in, CSRF on every form, the cookie's flags, the
Content-Security-Policy, bounded uploads, downloads that take no path, and the
hostile-input corpus replayed through the API (4xx with the loader's located
message, never a 500, and the server keeps serving)."""

from __future__ import annotations

import io
import re
import zipfile

import httpx
import pytest
from conftest import PASSWORDS, example
from hostile_corpus import case_names, load_case, prepare

FORMS = ["/cases", "/cases/1/versions", "/cases/1/supplements", "/cases/1/proposals", "/cases/1/decisions",
         "/followup", "/waivers", "/waivers/import", "/signout"]


def test_every_page_needs_a_signed_in_user(sqlite_server):
    for path in ["/", "/cases", "/cases/1", "/followup", "/waivers", "/rulebooks", "/rulebooks/orebro/2025/book",
                 "/waivers/undantag.yaml", "/cases/1/audit.csv"]:
        response = httpx.get(sqlite_server.base + path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin"), path
    assert httpx.get(sqlite_server.base + "/signin").status_code == 200


def test_a_wrong_password_signs_nobody_in(sqlite_server):
    response = httpx.post(sqlite_server.base + "/signin", data={"name": "anna", "password": "fel"})
    assert response.status_code == 401 and "kok_session" not in response.headers.get("set-cookie", "")


def test_the_session_cookie_is_secure_httponly_and_samesite(sqlite_server):
    response = httpx.post(sqlite_server.base + "/signin", data={"name": "anna", "password": PASSWORDS["anna"]})
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_every_form_needs_its_csrf_token(sqlite_server):
    web = sqlite_server.browser_session("anna")
    web.post("/cases", {"reference": "RS 1", "provider": "P", "centre": "C", "received": "2026-11-01"})
    for path in FORMS:
        refused = web.post(path, {"reference": "RS 2", "provider": "P", "centre": "C"}, csrf=False)
        assert refused.status_code == 403, path
        forged = web.post(path, {"csrf": "forged", "reference": "RS 3", "provider": "P", "centre": "C"}, csrf=False)
        assert forged.status_code == 403, path
    cases = web.get("/cases").text
    assert "RS 1" in cases and "RS 2" not in cases and "RS 3" not in cases


def test_pages_carry_a_policy_without_unsafe_inline(sqlite_server):
    web = sqlite_server.browser_session("anna")
    web.post("/cases", {"reference": "RS 1", "provider": "P", "centre": "C", "received": "2026-11-01"})
    web.post("/cases/1/versions", files={"file": ("k.yaml", example("komplettering.yaml"), "application/yaml")})
    for path in ["/", "/cases", "/cases/1", "/cases/1/versions/1/letter", "/cases/1/versions/1/report",
                 "/rulebooks/orebro/2025/book", "/signin"]:
        response = web.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", response.text) \
            or "sha256-" in policy, path
        assert " style=" not in response.text, path


def test_an_upload_over_the_limit_is_refused(tmp_path):
    from conftest import Server

    small = Server(tmp_path / "data", None, max_upload_bytes=100_000, max_upload_files=3)
    try:
        with small.api("anna") as api:
            too_large = api.post("/api/v1/assessments?rulebook=orebro/2025", content=b"a" * 200_000,
                                 headers={"content-type": "application/yaml"})
            assert too_large.status_code == 413
        web = small.browser_session("anna")
        files = [("files", (f"c{i}.yaml", example("godkand.yaml"), "application/yaml")) for i in range(4)]
        assert web.post("/followup", {"label": "x"}, files=files).status_code in (400, 413)  # starlette: too many files
        bundle = io.BytesIO()
        with zipfile.ZipFile(bundle, "w") as archive:
            for i in range(4):
                archive.writestr(f"../../evil/c{i}.yaml", example("godkand.yaml"))
        assert web.post("/followup", {"label": "x"},
                        files=[("files", ("all.zip", bundle.getvalue(), "application/zip"))]).status_code == 413
        assert not (tmp_path / "evil").exists()
        assert httpx.get(small.base + "/api/v1/health").status_code == 200
    finally:
        small.stop()


def test_a_zip_member_never_writes_outside_the_run(sqlite_server, tmp_path):
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("../../../outside.yaml", example("godkand.yaml"))
    web = sqlite_server.browser_session("anna")
    response = web.post("/followup", {"label": "zip", "previous": "none"},
                        files=[("files", ("a.zip", bundle.getvalue(), "application/zip"))])
    assert response.status_code == 303
    stored = list((sqlite_server.state.data_dir / "runs").rglob("*.yaml"))
    assert [p.name for p in stored] == ["outside.yaml"]
    assert all(sqlite_server.state.data_dir in p.parents for p in stored)


def test_a_server_folder_must_be_one_offered(sqlite_server, tmp_path):
    web = sqlite_server.browser_session("anna")
    response = web.post("/followup", {"label": "x", "folder": "/etc"})
    assert response.status_code == 404
    with sqlite_server.api("anna") as api:
        assert api.post("/api/v1/followup-runs", json={"folder": str(tmp_path)}).status_code == 404


def test_downloads_take_no_path_from_the_request(sqlite_server):
    web = sqlite_server.browser_session("anna")
    for path in ["/cases/1/versions/..%2F..%2Fetc%2Fpasswd/original", "/followup/..%2Fkok.sqlite3/centres.csv",
                 "/rulebooks/..%2F..%2Fetc%2Fpasswd/book", "/static/..%2Fdb.py"]:
        response = web.get(path)
        assert response.status_code in (404, 422), path
        assert b"root:" not in response.content and b"import" not in response.content


def _corpus_cases() -> list[str]:
    """The corpus's `kok run` cases over a self-report: replayable through the API."""
    found = []
    for name in case_names():
        case = load_case(name)
        if case.argv[:1] != ["run"] or len(case.argv) != 3 or case.argv[1] != "rulebook.kok":
            continue
        # A file name or a special file is the file system's hostility; an upload has only bytes.
        if case.argv[2] == "-" or case.argv[2].startswith(("bytes:", "/")) \
                or any("symlink_to" in r or r.get("fifo") for r in case.generate):
            continue
        found.append(name)
    return found


@pytest.fixture(scope="module")
def corpus_server(tmp_path_factory):
    """One server whose drafts are the corpus cases' rulebooks."""
    from conftest import Server

    drafts = tmp_path_factory.mktemp("drafts")
    for name in _corpus_cases():
        (drafts / name).mkdir()
        (drafts / name / "rulebook.kok").write_bytes(load_case(name).folder.joinpath("rulebook.kok").read_bytes())
    running = Server(tmp_path_factory.mktemp("data"), None, drafts_dir=drafts)
    yield running
    running.stop()


@pytest.mark.slow
@pytest.mark.parametrize("name", _corpus_cases())
def test_the_hostile_corpus_through_the_api(corpus_server, name, tmp_path):
    case = load_case(name)
    prepare(case, tmp_path)
    report = case.argv[2]
    data = (tmp_path / report).read_bytes()
    entry = corpus_server.state.rulebooks().get(f"utkast/{name}/rulebook")
    if entry is None or entry.loaded is None:
        pytest.skip("the case's rulebook itself is the hostile input")
    with corpus_server.api() as api:
        response = api.post(f"/api/v1/assessments?rulebook=utkast/{name}/rulebook", content=data,
                            headers={"content-type": "application/octet-stream",
                                     "content-disposition": f'attachment; filename="{report}"'})
        assert api.get("/api/v1/health").status_code == 200
    assert response.status_code < 500, response.text
    if case.exit == 2:
        assert 400 <= response.status_code < 500
        assert "\n".join(response.json()["messages"]).strip() == case.stderr.strip()
    else:
        assert response.status_code == 200


def test_each_role_is_refused_on_the_pages_too(sqlite_server):
    reader, decider = sqlite_server.browser_session("lisa"), sqlite_server.browser_session("bo")
    officer = sqlite_server.browser_session("anna")
    case = {"reference": "RS 7", "provider": "P", "centre": "C", "received": "2026-11-01"}
    assert reader.post("/cases", case).status_code == 403
    assert decider.post("/cases", case).status_code == 403
    assert officer.post("/cases", case).status_code == 303
    upload = {"file": ("k.yaml", example("komplettering.yaml"), "application/yaml")}
    assert reader.post("/cases/1/versions", files=upload).status_code == 403
    assert officer.post("/cases/1/versions", files=upload).status_code == 303
    assert officer.post("/cases/1/proposals", {"version": "1", "kind": "approved"}).status_code == 303
    assert officer.post("/cases/1/decisions", {"proposal": "1"}).status_code == 403
    assert reader.post("/cases/1/decisions", {"proposal": "1"}).status_code == 403
    assert reader.post("/waivers/import", files={"file": ("u.yaml", b"undantag: []", "application/yaml")}
                       ).status_code == 403
    assert decider.post("/followup", {"label": "x"}).status_code == 403
    # and the pages offer no form a role may not use
    assert 'action="/cases/1/versions"' not in reader.get("/cases/1").text
    assert 'action="/cases/1/decisions"' not in officer.get("/cases/1").text
    assert 'action="/cases/1/decisions"' in decider.get("/cases/1").text


def test_single_sign_on_through_the_proxys_header_only_when_configured(tmp_path, sqlite_server):
    from conftest import Server

    header = {"x-remote-user": "anna"}
    assert httpx.get(sqlite_server.base + "/cases", headers=header, follow_redirects=False).status_code == 303
    proxied = Server(tmp_path / "sso", None, sso_header="X-Remote-User")
    try:
        assert httpx.get(proxied.base + "/cases", headers=header).status_code == 200
        assert "anna" in httpx.get(proxied.base + "/", headers=header).text
        stranger = httpx.get(proxied.base + "/cases", headers={"x-remote-user": "mallory"})
        assert stranger.status_code == 403
        case = {"reference": "RS 9", "provider": "P", "centre": "C", "received": "2026-11-01"}
        # the proxy's header rides on a forged request too: without the page's token, refused
        assert httpx.post(proxied.base + "/cases", headers=header, data=case).status_code == 403
        assert httpx.post(proxied.base + "/api/v1/cases", headers=header, json=case).status_code == 403
        token = re.search(r'name="csrf" value="([^"]+)"', httpx.get(proxied.base + "/cases", headers=header).text)
        created = httpx.post(proxied.base + "/cases", headers=header, data={**case, "csrf": token.group(1)})
        assert created.status_code == 303
    finally:
        proxied.stop()
