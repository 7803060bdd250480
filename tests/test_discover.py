"""Scenario discovery (sim/experiments/discover.py, `sezsim discover`)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.experiments.discover import discover, synergy_by_point
from sim.experiments.outcome import Outcome, OutcomeError
from sim.scenario import load_scenario
from tests.conftest import ROOT

KAZAKHSTAN = ROOT / "scenarios" / "kazakhstan.yaml"


# ---------------------------------------------------------------------- outcomes
@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("taxes_2030_national", Outcome("taxes", 2030)),
        ("privilege_cost_2040_national", Outcome("privilege_cost", 2040)),
        (
            "employment_2030_region_north_kazakhstan",
            Outcome("employment", 2030, "region", "north_kazakhstan"),
        ),
        ("firms_2021_sez_aktau_sea_port", Outcome("firms", 2021, "sez", "aktau_sea_port")),
    ],
)
def test_outcome_labels_round_trip(label, expected):
    assert Outcome.parse(label) == expected
    assert expected.label == label


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("wealth_2030_national", "unknown indicator 'wealth'; allowed: firms"),
        ("taxes_national", "expected INDICATOR_YEAR_SCOPE"),
        ("taxes_2030_region", "needs the id of a region"),
    ],
)
def test_bad_outcome_labels_say_what_is_allowed(label, message):
    with pytest.raises(OutcomeError, match=message):
        Outcome.parse(label)


def test_outcome_is_checked_against_the_scenario():
    spec = load_scenario(KAZAKHSTAN)
    Outcome("taxes", 2030, "region", "karaganda").check(spec)
    with pytest.raises(OutcomeError, match=r"unknown region 'karagandy'.*allowed: karaganda"):
        Outcome("taxes", 2030, "region", "karagandy").check(spec)
    with pytest.raises(OutcomeError, match="outside the simulated years 2005-2030"):
        Outcome("taxes", 2040).check(spec, until=2030)


# ---------------------------------------------------------------------- analysis
def _synthetic_store(points=60, seed=3):
    """A store's rows where merging wins exactly when a > 0.6 (b is irrelevant).

    Synergy of point i: 10 (a_i - 0.6), the same in both replications; the control
    value differs between replications, so pairing is what removes it.
    """
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(size=points), rng.uniform(size=points)
    rows = []
    for i in range(points):
        for k in range(2):
            control = 100.0 + 7.0 * k + 3.0 * b[i]
            for policy, value in (("merge", control + 10 * (a[i] - 0.6)), ("no_merge", control)):
                for year in (2029, 2030):
                    rows.append(
                        {
                            "point": i,
                            "policy": policy,
                            "replication": k,
                            "year": year,
                            "scope": "national",
                            "name": "national",
                            "innovations": value + (year - 2030) * 1000,
                            "param_a": a[i],
                            "param_b": b[i],
                        }
                    )
    return pd.DataFrame(rows), a, b


def test_synergy_per_point_is_the_mean_paired_difference():
    results, a, b = _synthetic_store()
    table = synergy_by_point(results, Outcome("innovations", 2030), ["a", "b"])
    assert list(table["point"]) == list(range(60))
    assert np.allclose(table["synergy"], 10 * (a - 0.6))
    assert np.allclose(table["sd"], 0.0)
    assert (table["n"] == 2).all()
    assert np.allclose(table["a"], a) and np.allclose(table["b"], b)
    assert np.allclose(table["control_mean"], 103.5 + 3.0 * b)


def test_prim_finds_the_box_where_merging_wins_and_scores_rank_the_driver():
    results, a, _ = _synthetic_store()
    found = discover(results, Outcome("innovations", 2030), ["a", "b"], min_density=1.0)
    wins = found.boxes["wins"]
    assert wins.cases == int((a > 0.6).sum())
    assert wins.stats["density"] == 1.0
    assert wins.stats["coverage"] > 0.8
    assert "a" in wins.limits.index
    # The box's lower limit on a lies between the last loss and the first win.
    assert a[a <= 0.6].max() <= wins.limits.loc["a", "low"] <= a[a > 0.6].min() + 1e-12
    loses = found.boxes["loses"]
    assert loses.cases == int((a < 0.6).sum())
    assert loses.limits.loc["a", "high"] <= 0.6 + 0.1
    assert found.scores["parameter"].iloc[0] == "a"
    assert found.scores["score"].iloc[0] > 0.8
    # A pure CART leaf of wins is described by a rule on a.
    pure = found.cart[found.cart["density"] == 1.0]
    assert len(pure) >= 1 and pure["rule"].str.contains("a in").all()


def test_discovery_is_deterministic_and_writes_its_tables(tmp_path):
    results, _, _ = _synthetic_store()
    first = discover(results, Outcome("innovations", 2030), ["a", "b"], seed=5)
    second = discover(results, Outcome("innovations", 2030), ["a", "b"], seed=5)
    pd.testing.assert_frame_equal(first.scores, second.scores)
    pd.testing.assert_frame_equal(first.cart, second.cart)
    pd.testing.assert_frame_equal(first.boxes["wins"].limits, second.boxes["wins"].limits)
    paths = first.write(tmp_path)
    assert all(p.exists() for p in paths)
    summary = json.loads((tmp_path / "discovery.json").read_text())
    assert summary["outcome"] == "innovations_2030_national"
    assert summary["wins"] + summary["loses"] == 60
    assert summary["boxes"]["wins"]["limits"][0]["parameter"] == "a"


def test_no_wins_means_no_wins_box_and_too_few_points_is_an_error():
    results, _, _ = _synthetic_store(points=30)
    merge = results["policy"] == "merge"
    results.loc[merge, "innovations"] -= 100.0  # merging always loses
    found = discover(results, Outcome("innovations", 2030), ["a", "b"])
    assert set(found.boxes) == {"loses"}
    assert found.boxes["loses"].stats["density"] == 1.0
    few = results[results["point"] < 5]
    with pytest.raises(ValueError, match="at least 10 design points"):
        discover(few, Outcome("innovations", 2030), ["a", "b"])


# ---------------------------------------------------------------------- command line
def sezsim(*args):
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _experiment(tmp_path, **changes):
    text = f"""
name: tiny_discovery
scenario: {KAZAKHSTAN}
policies: [merge, no_merge]
replications: 1
seed: 4
until: 2008
design:
  type: latin_hypercube
  samples: 12
  seed: 2
  parameters:
    spillover_strength: {{low: 0.0, high: 1.5}}
    colocation_bonus: {{low: 0.0, high: 1.5}}
indicators: [firms, employment, innovations]
scopes: [national, region]
analysis: {{indicator: employment, year: 2008}}
"""
    path = tmp_path / "tiny.yaml"
    for old, new in changes.items():
        text = text.replace(old, new)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "wealth_2008_national"], "--outcome: unknown indicator 'wealth'"),
        (["--outcome", "taxes_2008_national"], "indicator 'taxes' is not kept"),
        (["--outcome", "firms_2030_national"], "year 2030 is outside the simulated years"),
        (["--outcome", "firms_2008_region_karagandy"], "unknown region 'karagandy'"),
        (["--outcome", "firms_2008_sez_saryarka"], "scope 'sez' is not kept"),
    ],
)
def test_bad_outcome_exits_2_with_one_line(tmp_path, args, message):
    r = sezsim("discover", _experiment(tmp_path), "--out", tmp_path / "out", *args)
    assert r.returncode == 2, r.stderr
    assert message in " ".join(r.stderr.split())  # (rich wraps long lines)
    assert "Traceback" not in r.stderr
    assert r.stderr.count("error:") == 1 and r.stderr.startswith("error:")
    assert not (tmp_path / "out").exists()  # nothing was run


def test_discover_needs_a_design_and_both_policies(tmp_path):
    path = _experiment(tmp_path, **{"policies: [merge, no_merge]": "policies: [merge]"})
    r = sezsim("discover", path)
    assert r.returncode == 2 and "'no_merge' is not among merge" in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr
    path = _experiment(tmp_path, **{"type: latin_hypercube": "type: none"})
    r = sezsim("discover", path)
    assert r.returncode == 2 and "design.type: scenario discovery needs a sampled design" in (
        " ".join(r.stderr.split())
    )
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_discover_runs_end_to_end_and_is_reproducible(tmp_path):
    path = _experiment(tmp_path)
    first = sezsim("discover", path, "--workers", "2", "--out", tmp_path / "one")
    assert first.returncode == 0, first.stderr
    assert "merging wins at" in first.stdout
    report = (tmp_path / "one" / "report.md").read_text()
    assert "feature scores" in report.lower() and "CART" in report
    synergy = pd.read_csv(tmp_path / "one" / "discovery" / "synergy.csv")
    assert len(synergy) == 12
    assert (tmp_path / "one" / "feature_scores.png").exists()
    # Same seeds, a different worker count: bit-identical synergy and feature scores.
    second = sezsim("discover", path, "--workers", "1", "--out", tmp_path / "two")
    assert second.returncode == 0, second.stderr
    for name in ("synergy.csv", "feature_scores.csv", "cart.csv"):
        assert (tmp_path / "one" / "discovery" / name).read_bytes() == (
            tmp_path / "two" / "discovery" / name
        ).read_bytes()
    # A finished store resumes without running anything again.
    again = sezsim("discover", path, "--resume", "--out", tmp_path / "one")
    assert again.returncode == 0 and "0 runs" in again.stdout


@pytest.mark.slow
def test_compare_report_has_the_synergy_map_and_the_prim_box(tmp_path):
    from sim.experiments.report import plot_prim_box

    results, _, _ = _synthetic_store()
    found = discover(results, Outcome("innovations", 2030), ["a", "b"], min_density=1.0)
    folder = tmp_path / "disc"
    found.write(folder / "discovery")
    assert plot_prim_box(found.boxes["wins"], folder / "prim_box_wins.png", "wins")
    out = tmp_path / "cmp"
    r = sezsim(
        "compare",
        KAZAKHSTAN,
        "--replications",
        "2",
        "--until",
        "2008",
        "--policies",
        "merge,no_merge",
        "--years",
        "2008",
        "--workers",
        "2",
        "--out",
        out,
        "--discovery",
        folder,
    )
    assert r.returncode == 0, r.stderr
    report = (out / "report.md").read_text()
    assert "## Synergy by region" in report and "![synergy map](synergy_map.png)" in report
    assert (out / "synergy_map.png").stat().st_size > 20_000
    assert (out / "firms_map.png").stat().st_size > 20_000
    assert "## Where merging wins: scenario discovery on innovations_2030_national" in report
    assert "density 1.00" in report and "| a |" in report
    assert (out / "discovery_prim_box_wins.png").exists()


@pytest.mark.parametrize("parameters", [["a", "b"], ["a"]])
def test_discovery_report_when_merging_always_loses(tmp_path, parameters):
    from sim.experiments.report import write_discovery_report

    results, _, _ = _synthetic_store(points=30)
    results.loc[results["policy"] == "merge", "innovations"] -= 100.0
    found = discover(results, Outcome("innovations", 2030), parameters)
    runs = pd.DataFrame({"status": ["ok"] * 120})
    path = write_discovery_report(
        tmp_path, found, "t", "d", {p: (0.0, 1.0) for p in parameters}, runs
    )
    text = path.read_text()
    assert "No design point where merging wins: no PRIM box for it." in text
    assert "## PRIM: where merging loses" in text
    for name in (
        "cart.png",
        "feature_scores.png",
        "synergy_scatter.png",
        "prim_tradeoff_loses.png",
    ):
        assert (tmp_path / name).stat().st_size > 5_000


def test_compare_refuses_a_discovery_folder_without_results(tmp_path):
    r = sezsim("compare", KAZAKHSTAN, "--discovery", tmp_path, "--out", tmp_path / "cmp")
    assert r.returncode == 2 and "holds no scenario discovery results" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "cmp").exists()
