"""A short fuzzing campaign on every test run (python -m tests.support.fuzz runs
long ones): mutated rulebooks and self-reports never crash kokdsl, never give
a diagnostic without a location and never take more than a few seconds."""

from fuzz import run_campaign


def test_a_short_fuzzing_campaign_finds_no_crash():
    campaign = run_campaign(rulebooks=150, self_reports=100, seed=2026, timeout=20)
    assert (campaign.rulebooks, campaign.self_reports) == (150, 100)
    assert not campaign.crashes, [(c.name, c.reason) for c in campaign.crashes[:3]]


def test_the_fuzzer_catches_a_crash(monkeypatch):
    # A fuzzer that cannot fail proves nothing: make the evaluator raise and see it reported.
    import fuzz

    def broken(*args):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(fuzz, "check_rulebook", broken)
    campaign = run_campaign(rulebooks=3, self_reports=0, seed=1)
    assert len(campaign.crashes) == 3 and "ZeroDivisionError: planted" in campaign.crashes[0].reason
