"""The REST API against a real server, on SQLite and (slow) PostgreSQL: the
stateless assessment is `kok run --format json`, the register's resources,
roles refused what they may not do, and the OpenAPI document valid."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES, example
from openapi_spec_validator import validate

from kokdsl.cli import main
from kokdsl.outputs.files import find_chromium

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="decision letters are printed by chromium")


def kok_run_json(path) -> dict:
    result = CliRunner().invoke(main, ["run", "orebro/2025", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def without_file(document: dict) -> dict:
    document = json.loads(json.dumps(document))
    document["self_report"]["file"] = None
    return document


def test_health_needs_no_sign_in(server):
    import httpx

    assert httpx.get(server.base + "/api/v1/health").json() == {"status": "ok"}


@pytest.mark.parametrize("name", ["godkand.yaml", "komplettering.yaml", "avslag.yaml"])
def test_the_assessment_endpoint_returns_what_kok_run_prints(server, name):
    with server.api() as api:
        response = api.post("/api/v1/assessments", params={"rulebook": "orebro/2025"}, content=example(name),
                            headers={"content-type": "application/yaml"})
    assert response.status_code == 200, response.text
    assert without_file(response.json()) == without_file(kok_run_json(EXAMPLES / name))


def test_the_assessment_endpoint_takes_json_too(server, tmp_path):
    document = yaml.safe_load(example("komplettering.yaml"))
    path = tmp_path / "komplettering.json"
    path.write_text(json.dumps(document, default=str), encoding="utf-8")
    with server.api() as api:
        response = api.post("/api/v1/assessments?rulebook=orebro/2025", content=path.read_bytes(),
                            headers={"content-type": "application/json",
                                     "content-disposition": 'attachment; filename="komplettering.json"'})
    assert response.status_code == 200, response.text
    expected = kok_run_json(path)
    assert response.json()["self_report"]["file"] == "komplettering.json"
    assert without_file(response.json()) == without_file(expected)


def test_no_token_no_answer(server):
    import httpx

    for method, path in [("GET", "/api/v1/cases"), ("POST", "/api/v1/assessments"), ("GET", "/api/v1/waivers"),
                         ("GET", "/api/v1/followup-runs")]:
        response = httpx.request(method, server.base + path, headers={"authorization": "Bearer not-a-token"})
        assert response.status_code == 401, path
    page = httpx.get(server.base + "/cases", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")


def test_the_openapi_document_validates(server):
    with server.api() as api:
        document = api.get("/api/v1/openapi.json").json()
    validate(document)
    paths = document["paths"]
    assert {"/assessments", "/cases", "/cases/{case_id}/versions", "/cases/{case_id}/decisions", "/followup-runs",
            "/waivers", "/health"} <= set(paths)
    assert set(paths["/assessments"]["post"]["requestBody"]["content"]) == {"application/yaml", "application/json"}


def new_case(server, reference="RS 2026/0001") -> int:
    with server.api("anna") as api:
        response = api.post("/api/v1/cases", json={"reference": reference, "provider": "Låtsasvården AB (fiktiv)",
                                                   "centre": "Vårdcentralen Påhittsta (fiktiv)",
                                                   "received": "2026-11-02"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def upload(server, case_id, name, who="anna"):
    with server.api(who) as api:
        return api.post(f"/api/v1/cases/{case_id}/versions", content=example(name),
                        headers={"content-type": "application/yaml",
                                 "content-disposition": f'attachment; filename="{name}"'})


def test_versions_are_kept_unchanged_and_never_overwritten(server):
    case_id = new_case(server)
    first = upload(server, case_id, "komplettering.yaml")
    second = upload(server, case_id, "godkand.yaml")
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["number"], second.json()["number"]) == (1, 2)
    with server.api("lisa") as api:
        for number, name in ((1, "komplettering.yaml"), (2, "godkand.yaml")):
            original = api.get(f"/api/v1/cases/{case_id}/versions/{number}/original")
            assert original.content == example(name)
        case = api.get(f"/api/v1/cases/{case_id}").json()
        assessed = api.get(f"/api/v1/cases/{case_id}/versions/2").json()
    import hashlib

    assert [v["sha256"] for v in case["versions"]] == [hashlib.sha256(example(n)).hexdigest()
                                                       for n in ("komplettering.yaml", "godkand.yaml")]
    assert without_file(assessed["findings"])["decision"] == kok_run_json(EXAMPLES / "godkand.yaml")["decision"]


def test_an_unreadable_self_report_is_refused_with_the_loaders_message(server):
    case_id = new_case(server)
    with server.api("anna") as api:
        response = api.post(f"/api/v1/cases/{case_id}/versions", content=b"vardcentral: [\n",
                            headers={"content-type": "application/yaml"})
        case = api.get(f"/api/v1/cases/{case_id}").json()
    assert response.status_code == 422
    assert "rad" in response.json()["messages"][0] and "fel" in response.json()["messages"][0]
    assert case["versions"] == []


def test_each_role_is_refused_what_it_may_not_do(server):
    case_id = new_case(server)
    upload(server, case_id, "komplettering.yaml")
    case_body = {"reference": "RS 2026/0099", "provider": "P", "centre": "C", "received": "2026-11-02"}
    with server.api("lisa") as reader, server.api("bo") as decider, server.api("anna") as officer:
        # läsare: reads only
        assert reader.get(f"/api/v1/cases/{case_id}").status_code == 200
        assert reader.post("/api/v1/cases", json=case_body).status_code == 403
        assert reader.post(f"/api/v1/cases/{case_id}/supplement-requests",
                           json={"deadline": "2026-12-01"}).status_code == 403
        assert reader.post("/api/v1/waivers", json={}).status_code in (403, 422)
        # beslutsfattare: decides, but does no casework
        assert decider.post("/api/v1/cases", json=case_body).status_code == 403
        assert decider.post(f"/api/v1/cases/{case_id}/proposals",
                            json={"version": 1, "kind": "approved"}).status_code == 403
        assert decider.post(f"/api/v1/cases/{case_id}/versions", content=example("godkand.yaml"),
                            headers={"content-type": "application/yaml"}).status_code == 403
        # handläggare: casework, but never decides
        proposal = officer.post(f"/api/v1/cases/{case_id}/proposals", json={"version": 1, "kind": "approved"})
        assert proposal.status_code == 201
        assert officer.post(f"/api/v1/cases/{case_id}/decisions",
                            json={"proposal": proposal.json()["id"]}).status_code == 403
        assert reader.post(f"/api/v1/cases/{case_id}/decisions",
                           json={"proposal": proposal.json()["id"]}).status_code == 403
        assert officer.get(f"/api/v1/cases/{case_id}").json()["decisions"] == []


@needs_chromium
def test_a_decision_is_recorded_with_its_letter_and_a_new_one_replaces_it(server):
    case_id = new_case(server)
    upload(server, case_id, "komplettering.yaml")
    with server.api("anna") as officer, server.api("bo") as decider:
        first = officer.post(f"/api/v1/cases/{case_id}/proposals",
                             json={"version": 1, "kind": "supplement_request"}).json()
        decided = decider.post(f"/api/v1/cases/{case_id}/decisions", json={"proposal": first["id"]})
        assert decided.status_code == 201, decided.text
        upload(server, case_id, "godkand.yaml")
        second = officer.post(f"/api/v1/cases/{case_id}/proposals", json={"version": 2, "kind": "approved"}).json()
        replacing = decider.post(f"/api/v1/cases/{case_id}/decisions", json={"proposal": second["id"]}).json()
        case = officer.get(f"/api/v1/cases/{case_id}").json()
        letter = officer.get(f"/api/v1/cases/{case_id}/decisions/{replacing['id']}/letter.pdf")
    one, two = case["decisions"]
    assert (one["kind"], two["kind"]) == ("supplement_request", "approved")
    assert two["replaces"] == one["id"] and one["replaces"] is None
    assert (two["proposed_by"], two["decided_by"]) == ("anna", "bo")
    assert two["self_report_sha256"] == case["versions"][1]["sha256"]
    assert two["rulebook_sha256"] == kok_run_json(EXAMPLES / "godkand.yaml")["rulebook"]["sha256"]
    assert letter.content.startswith(b"%PDF-")
    import hashlib

    assert hashlib.sha256(letter.content).hexdigest() == two["letter_sha256"]


def test_the_proposer_cannot_decide(server):
    case_id = new_case(server)
    upload(server, case_id, "komplettering.yaml")
    # bo has no casework, so no API call makes a proposal of his: the rule is shown in the register itself.
    from kokdsl.errors import RequestRefused
    from kokdsl.serve import register as reg
    from kokdsl.serve.db import Case, Proposal, User

    with server.state.sessions() as db:
        bo = db.query(User).filter_by(name="bo").one()
        case = db.get(Case, case_id)
        version = reg.versions(db, case)[0]
        proposal = reg.propose(db, bo, case, version, "approved", "")
        with pytest.raises(RequestRefused) as refused:
            reg.decide(db, bo, case, db.get(Proposal, proposal.id), "x" * 64, b"%PDF-")
        db.rollback()
    assert refused.value.code == "serve.decision.same_person"


def test_supplement_requests_and_the_waiting_list_overdue_first(server):
    early, late = new_case(server, "RS 2026/0010"), new_case(server, "RS 2026/0011")
    answered = new_case(server, "RS 2026/0012")
    for case_id in (early, late, answered):
        upload(server, case_id, "komplettering.yaml")
    with server.api("anna") as api:
        api.post(f"/api/v1/cases/{late}/supplement-requests", json={"deadline": "2099-01-01", "note": "later"})
        api.post(f"/api/v1/cases/{early}/supplement-requests", json={"deadline": "2001-01-01", "note": "overdue"})
        api.post(f"/api/v1/cases/{answered}/supplement-requests", json={"deadline": "2001-01-01"})
    upload(server, answered, "godkand.yaml")
    web = server.browser_session("lisa")
    start = web.get("/").text
    assert start.index("RS 2026/0010") < start.index("RS 2026/0011")
    assert "RS 2026/0012" not in start
    assert "Försenad" in start.split("RS 2026/0011")[0]


WAIVER_YAML = (
    "undantag:\n"
    "  - vårdcentral: FIKTIV-002\n"
    "    krav: \"2.1.4\"\n"
    "    skäl: Påhittat skäl för testet.\n"
    "    diarienummer: RS 2026/0500\n"
    "    beviljat_av: Hälsovalsenheten\n"
    "    giltigt_från: '2020-01-01'\n"
    "    giltigt_till: '2099-12-31'\n")


def test_waivers_import_export_and_the_assessment_reads_them(server):
    case_id = new_case(server)
    upload(server, case_id, "avslag.yaml")
    with server.api("anna") as api:
        bad = api.post("/api/v1/waivers/undantag.yaml", content=b"undantag:\n  - krav: '9.9.9'\n",
                       headers={"content-type": "application/yaml"})
        assert bad.status_code == 422
        assert bad.json()["messages"][0].startswith("undantag.yaml: $.undantag[0]")
        imported = api.post("/api/v1/waivers/undantag.yaml", content=WAIVER_YAML.encode(),
                            headers={"content-type": "application/yaml"})
        assert imported.status_code == 201, imported.text
        exported = api.get("/api/v1/waivers/undantag.yaml").text
        findings = api.get(f"/api/v1/cases/{case_id}/versions/1").json()["findings"]
    assert yaml.safe_load(exported) == yaml.safe_load(WAIVER_YAML)
    outcomes = {r["id"]: r["outcome"] for r in findings["requirements"]}
    assert outcomes["2.1.4"] == "waived"
    assert outcomes["1.1"] == "not_met"


def test_the_audit_log_records_who_did_what(server):
    case_id = new_case(server)
    upload(server, case_id, "komplettering.yaml")
    with server.api("lisa") as api:
        entries = api.get(f"/api/v1/cases/{case_id}/audit").json()
    assert [(e["user"], e["action"]) for e in entries] == [("anna", "case.created"), ("anna", "version.uploaded")]
    web = server.browser_session("lisa")
    exported = web.get(f"/cases/{case_id}/audit.csv")
    assert exported.status_code == 200 and "version.uploaded" in exported.text
    assert exported.headers["content-disposition"].startswith("attachment;")
