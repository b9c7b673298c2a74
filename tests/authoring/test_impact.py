"""`kok impact`: which centres change decision if the rulebook changes."""

from golden_cases import run_cli

from kokdsl.cli import EXIT_ERROR, EXIT_OK

OREBRO = "rulebooks/orebro/2025.kok"


def test_bör_as_skall_lists_the_centres_that_would_be_rejected():
    code, output = run_cli("impact", OREBRO, "examples/centres", "--as-skall", "3.2", "--as-skall", "6.3")
    assert code == EXIT_OK
    assert output.splitlines() == [
        "Konsekvensanalys: Hälsoval Region Örebro län, utgåva 2025 → 3.2, 6.3 som skall",
        "30 egenrapporter; 1 byter beslut.",
        "  Före:  godkänd 23, avslag 4, komplettering 3",
        "  Efter: godkänd 22, avslag 5, komplettering 3",
        "",
        "Vårdcentraler som byter beslut:",
        # 6.3 is an example (Sörmland's arrangement): as skall it still never decides.
        "  SYNT-00001 Vårdcentralen Fabelvik (fiktiv): godkänd → avslag (nya skäl: krav 3.2)",
        "",
        "Hoppades över (inga egenrapporter):",
        "  examples/centres/README.md: namnet slutar inte på .yaml, .yml eller .json",
    ]


def test_a_draft_with_another_threshold():
    # The 2024 edition had no 40 h tier: the 42 h centre under 6,500 listed is rejected by it.
    code, output = run_cli("impact", OREBRO, "examples/centres", "--draft", "rulebooks/orebro/2024.kok", "--lang", "en")
    assert code == EXIT_OK
    assert "SYNT-00004 Vårdcentralen Påhittdal (fiktiv): approved → rejection (new grounds: requirements 2.1)" in output


def test_skall_as_bör_can_approve():
    code, output = run_cli("impact", OREBRO, "examples/avslag.yaml", "--as-bör", "2.1.4",
                           "--as-bör", "6.4", "--lang", "en")
    assert code == EXIT_OK
    assert ("FIKTIV-002 Vårdcentralen Påhittsta (fiktiv): rejection → approved "
            "(grounds no longer there: requirements 2.1.4, 6.4)") in output


def test_unknown_requirement_and_nothing_to_compare():
    code, output = run_cli("impact", OREBRO, "examples/centres", "--as-skall", "3.1.9")
    assert code == EXIT_ERROR and output.strip() == "regelboken har inget krav 3.1.9 (menade du 3.1.1?)"
    code, output = run_cli("impact", OREBRO, "examples/centres")
    assert code == EXIT_ERROR and "ange ett utkast" in output


def test_the_original_rulebook_is_untouched():
    from kokdsl.authoring.impact import with_modalities
    from kokdsl.pipeline import assess, load_rulebook

    rulebook = load_rulebook(OREBRO).rulebook
    before = assess(rulebook, "examples/avslag.yaml").decision.kind
    variant = with_modalities(rulebook, {"1.1": "bör", "2.1.4": "bör", "6.4": "bör", "6.4.1": "bör"})
    assert assess(variant, "examples/avslag.yaml").decision.kind == "approved"
    assert assess(rulebook, "examples/avslag.yaml").decision.kind == before == "rejection"


def test_a_self_report_that_cannot_be_read_is_named_and_exits_2_as_in_rerun():
    code, output = run_cli("impact", OREBRO, "/nonexistent.yaml", "examples/godkand.yaml", "--as-bör", "1.1",
                           "--lang", "en")
    assert code == EXIT_ERROR
    assert "Self-reports that could not be read (the others are compared):\n" \
           "  /nonexistent.yaml: the self-report cannot be read: No such file or directory" in output


def test_an_unknown_requirement_with_nothing_close_has_no_empty_suggestion():
    code, output = run_cli("impact", OREBRO, "examples/godkand.yaml", "--as-bör", "99.99")
    assert code == EXIT_ERROR
    assert output == "regelboken har inget krav 99.99\n"
    code, output = run_cli("impact", OREBRO, "examples/godkand.yaml", "--adopt", "99.99")
    assert output == "regelboken har inget förslag 99.99\n"
