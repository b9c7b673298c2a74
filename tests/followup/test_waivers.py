"""Waivers (undantag): granted by the region in their own file, shown with
their reference and end date, never counted against the decision."""

import json

from golden_cases import ROOT, run_cli

from kokdsl.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

OREBRO = "rulebooks/orebro/2025.kok"
AVSLAG = "examples/avslag.yaml"  # FIKTIV-002 fails the skall in force 2.1.4 and 6.4 (and proposals and examples)


def waiver(centre="FIKTIV-002", req="2.1.4", start="2025-01-01", end="2025-12-31", ref="RS 2025/0101"):
    return (f"  - vårdcentral: {centre}\n    krav: \"{req}\"\n    skäl: Rekrytering pågår (fiktivt)\n"
            f"    diarienummer: {ref}\n    beviljat_av: Hälsovalsenheten (fiktiv)\n"
            f"    giltigt_från: {start}\n    giltigt_till: {end}\n")


def waiver_file(tmp_path, *entries) -> str:
    path = tmp_path / "undantag.yaml"
    path.write_text("undantag:\n" + "".join(entries), encoding="utf-8")
    return str(path)


ALL_FOUR = ("1.1", "2.1.4", "6.4", "6.4.1")  # in force, proposal and example alike


def test_a_waived_requirement_does_not_count_against_the_decision(tmp_path):
    path = waiver_file(tmp_path, *(waiver(req=r, ref=f"RS 2025/{n}") for n, r in enumerate(ALL_FOUR)))
    code, output = run_cli("run", OREBRO, AVSLAG, "--undantag", path, "--run-date", "2025-06-01")
    assert code == EXIT_OK
    assert "GODKÄND" in output
    line = next(x for x in output.splitlines() if x.startswith("2.1.4 "))
    assert line.rstrip().endswith("undantag")
    assert ("undantag RS 2025/0 gäller till och med 2025-12-31 (beviljat av Hälsovalsenheten (fiktiv)): "
            "Rekrytering pågår (fiktivt)") in " ".join(output.split())


def test_waivers_in_json_html_and_markdown(tmp_path):
    path = waiver_file(tmp_path, waiver(req="2.1.4"))
    code, output = run_cli("run", OREBRO, AVSLAG, "--undantag", path, "--run-date", "2025-06-01", "--format",
                           "json", "--lang", "en")
    assert code == EXIT_FINDINGS  # 6.4 still fails
    data = json.loads(output)
    req = next(r for r in data["requirements"] if r["id"] == "2.1.4")
    assert (req["outcome"], req["outcome_label"]) == ("waived", "waived")
    assert req["explanation"][0]["message"].startswith("waiver RS 2025/0101 in force until 2025-12-31")
    assert "2.1.4" not in data["decision"]["reasons"]
    assert data["counts"]["skall"]["waived"] == 1
    for fmt in ("html", "md"):
        target = tmp_path / f"r.{fmt}"
        run_cli("run", OREBRO, AVSLAG, "--undantag", path, "--run-date", "2025-06-01", "-o", f"{fmt}:{target}")
        text = target.read_text(encoding="utf-8")
        assert "RS 2025/0101" in text and "2025-12-31" in text and "undantag" in text


def test_an_expired_waiver_is_ignored_with_a_note(tmp_path):
    path = waiver_file(tmp_path, waiver(req="2.1.4", end="2025-03-31"))
    code, output = run_cli("run", OREBRO, AVSLAG, "--undantag", path, "--run-date", "2025-06-01")
    assert code == EXIT_FINDINGS
    line = next(x for x in output.splitlines() if x.startswith("2.1.4 "))
    assert line.rstrip().endswith("ej uppfyllt")
    assert ("undantaget RS 2025/0101 för krav 2.1.4 gäller 2025-01-01–2025-03-31, inte på granskningsdagen, "
            "och har inte tillämpats") in output


def test_a_waiver_for_an_unknown_requirement_is_an_error(tmp_path):
    path = waiver_file(tmp_path, waiver(req="2.1.4"), waiver(req="9.9.9"))
    code, output = run_cli("run", OREBRO, AVSLAG, "--undantag", path)
    assert code == EXIT_ERROR
    assert "$.undantag[1].krav" in output and "regelboken har inget krav 9.9.9" in output
    assert "Traceback" not in output


def test_a_malformed_waiver_file_says_where(tmp_path):
    path = waiver_file(tmp_path, waiver(req="2.1.4", end="31/12/2025"),
                       waiver(req="2.1.4").replace("    skäl:", "    x:"))
    code, output = run_cli("run", OREBRO, AVSLAG, "--undantag", path, "--lang", "en")
    assert code == EXIT_ERROR
    assert "$.undantag[0].giltigt_till" in output and "“31/12/2025” is not a date (YYYY-MM-DD)" in output
    assert "$.undantag[1]" in output and "the field “skäl” is missing or empty" in output


def test_rerun_lists_expiring_waivers_and_refuses_unknown_centres(tmp_path):
    path = waiver_file(tmp_path, waiver(req="2.1.4", end="2025-08-01", ref="RS 1"),
                       waiver(req="6.4", end="2026-12-31", ref="RS 2"),
                       waiver(centre="FIKTIV-999", req="6.4", ref="RS 3"))
    code, output = run_cli("rerun", OREBRO, AVSLAG, "examples/godkand.yaml", "--undantag", path,
                           "--run-date", "2025-06-01")
    assert code == EXIT_ERROR  # the waiver for a centre that is not there
    assert "Undantag som upphör inom 90 dagar:\n  FIKTIV-002: krav 2.1.4, undantag RS 1 upphör 2025-08-01" in output
    assert "RS 2 upphör" not in output
    assert ("Undantag för okända vårdcentraler:\n  $.undantag[2]: undantaget RS 3 gäller vårdcentralen FIKTIV-999, "
            "som inte finns bland egenrapporterna") in output


def test_rerun_summary_and_overview_show_waivers(tmp_path):
    path = waiver_file(tmp_path, *(waiver(req=r, end="2025-07-01", ref=f"RS {r}") for r in ALL_FOUR))
    out = tmp_path / "out"
    code, _ = run_cli("rerun", OREBRO, AVSLAG, "--undantag", path, "--run-date", "2025-06-01", "--out", str(out))
    assert code == EXIT_OK
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["centres"][0]["outcomes"]["2.1.4"] == "waived"
    assert [w["reference"] for w in summary["expiring_waivers"]] == ["RS 1.1", "RS 2.1.4", "RS 6.4", "RS 6.4.1"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index("Undantag som upphör inom 90 dagar") < index.index("Vårdcentraler</h2>")
    assert "undantag" in (out / "centres.csv").read_text(encoding="utf-8-sig")


def test_a_self_report_cannot_waive_itself(tmp_path):
    report = tmp_path / "sr.yaml"
    report.write_text((ROOT / AVSLAG).read_text(encoding="utf-8") + "undantag:\n" + waiver(req="2.1.4"),
                      encoding="utf-8")
    code, output = run_cli("run", OREBRO, str(report))
    assert code == EXIT_FINDINGS
    assert "$.undantag" in output  # an unknown key to the self-report: a warning, nothing more
    line = next(x for x in output.splitlines() if x.startswith("2.1.4 "))
    assert line.rstrip().endswith("ej uppfyllt")


def test_a_newly_waived_deviation_is_not_called_fixed(tmp_path):
    out = tmp_path / "last"
    run_cli("rerun", OREBRO, AVSLAG, "--out", str(out), "--run-date", "2025-02-01")
    path = waiver_file(tmp_path, waiver(req="2.1.4"))
    code, output = run_cli("rerun", OREBRO, AVSLAG, "--undantag", path, "--run-date", "2025-06-01",
                           "--previous", str(out / "summary.json"))
    assert code == EXIT_FINDINGS
    assert "FIKTIV-002 Vårdcentralen Påhittsta (fiktiv): krav 2.1.4 är inte uppfyllt men har nu undantag" in output
    assert "åtgärdad" not in output
