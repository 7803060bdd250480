"""The report's words come from its numbers (sim/experiments/explain.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.experiments.explain import explain_synergy


def _synergy(mean, low, high, significant, warning=""):
    return pd.DataFrame(
        [
            {"indicator": "taxes", "year": 2030, "mean": mean, "ci_low": low, "ci_high": high,
             "relative": mean / 1e6, "significant": significant, "warning": warning},
            {"indicator": "employment", "year": 2030, "mean": 10.0, "ci_low": -5.0,
             "ci_high": 25.0, "relative": 1e-4, "significant": False, "warning": warning},
        ]
    )  # fmt: skip


def test_the_text_follows_the_sign_and_the_interval():
    up = " ".join(explain_synergy(_synergy(2.5e6, 1e6, 4e6, True), "million KZT", 2021))
    assert "Merging starts in **2021**" in up
    assert "raises taxes by 2.50 trillion KZT (+250.00%)" in up
    assert "For employment the interval includes zero" in up
    down = " ".join(explain_synergy(_synergy(-3e4, -5e4, -1e4, True), "million KZT", 2021))
    assert "lowers taxes by 30.00 billion KZT" in down
    few = " ".join(
        explain_synergy(_synergy(1.0, -1, 3, False, "only 3 replications"), "million KZT", 2021)
    )
    assert "Read with care: only 3 replications" in few


def test_channels_fiscal_and_jobs_are_named_from_their_tables():
    channels = pd.DataFrame(
        [
            {"indicator": "taxes", "year": 2030, "channel": c, "contribution": v,
             "ci_low": v - 1, "ci_high": v + 1}
            for c, v in (("finance", -40.0), ("industry", 15.0), ("labour", 1.0),
                         ("innovation", 2.0), ("total", -22.0))
        ]
    )  # fmt: skip
    fiscal = pd.DataFrame(
        [
            {"measure": "taxes", "policy": "merge - no_merge", "mean": 5.0, "ci_low": 1.0,
             "ci_high": 9.0},
            {"measure": "privilege cost", "policy": "merge - no_merge", "mean": 8.0,
             "ci_low": 6.0, "ci_high": 10.0},
            {"measure": "fiscal balance", "policy": "merge - no_merge", "mean": -3.0,
             "ci_low": -6.0, "ci_high": -1.0},
        ]
    )  # fmt: skip
    jobs = pd.DataFrame(
        [
            {"year": 2030, "measure": m, "policy": "merge - no_merge", "mean": v}
            for m, v in (("zone jobs", 1000.0), ("national jobs (net)", 400.0),
                         ("displacement share", 0.6))
        ]
    )  # fmt: skip
    text = " ".join(
        explain_synergy(_synergy(1, 0.5, 2, True), "million KZT", 2021, channels, fiscal, jobs)
    )
    assert (
        "Taxes (2030): the synergy is negative; the **finance** channel moves it most (down" in text
    )
    assert "merging worsens the budget balance" in text
    assert "adds 1,000 jobs in the zones and 400 in the country" in text
    assert "displacement share of 0.60" in text


@pytest.mark.parametrize(
    ("zones", "country", "said", "unsaid"),
    [
        (1000.0, 400.0, "displacement share of 0.60", "outside them"),
        (1607.0, 95858.0, "adds jobs outside them too", "displacement share of"),
        (1000.0, -500.0, "more than offset by losses elsewhere", "displacement share of"),
        (-200.0, 300.0, "removes 200 jobs in the zones and adds 300", "displacement share"),
    ],
)
def test_the_displacement_share_is_said_only_where_it_means_something(zones, country, said, unsaid):
    from sim.experiments.explain import _jobs_sentence

    text = _jobs_sentence(2040, zones, country)
    assert said in text and unsaid not in text
