"""ABC posterior: the regression adjustment, the posterior file, the commands."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.experiments.runs import plan_runs
from sim.experiments.spec import Experiment
from sim.posterior import (
    Posterior,
    abc_regression,
    check_against_scenario,
    load_posterior,
    replication_draws,
    write_posterior,
)
from sim.scenario import ScenarioError
from tests.conftest import ROOT, SMALL


def test_regression_adjustment_recovers_a_linear_model():
    """s = 2 theta + noise, observed s = 1: the posterior of theta concentrates near 0.5."""
    rng = np.random.default_rng(3)
    theta = rng.uniform(0.0, 1.0, (4000, 2))  # the second parameter does not enter s
    stats = 2.0 * theta[:, :1] + rng.normal(0.0, 0.05, (4000, 1))
    plain = abc_regression(theta, stats, np.array([1.0]), accept=0.2, adjust=False)
    adjusted = abc_regression(theta, stats, np.array([1.0]), accept=0.2)
    for found in (plain, adjusted):
        mean = np.average(found["theta_unit"][:, 0], weights=found["kernel"])
        assert mean == pytest.approx(0.5, abs=0.02)
        assert found["kernel"].sum() == pytest.approx(1.0)
    spread = [np.std(f["theta_unit"][:, 0]) for f in (plain, adjusted)]
    assert spread[1] < spread[0]  # the adjustment removes the within-tolerance slope
    # The inert parameter keeps (nearly) its prior spread: sd of U(0, 1) is 0.289.
    assert np.std(adjusted["theta_unit"][:, 1]) > 0.25
    assert ((adjusted["theta_unit"] > 0) & (adjusted["theta_unit"] < 1)).all()


def test_regression_ignores_points_with_a_failed_statistic():
    theta = np.linspace(0, 1, 50)[:, None]
    stats = theta.copy()
    stats[::2] = np.nan
    found = abc_regression(theta, stats, np.array([0.5]), accept=0.2)
    assert (found["index"] % 2 == 1).all()


def _posterior(tmp_path, name="sectors.metal.labour_share"):
    post = Posterior(
        draws=pd.DataFrame({name: [0.1, 0.2, 0.3], "spillover_strength": [0.4, 0.5, 0.6]}),
        weights=np.array([0.2, 0.3, 0.5]),
        bounds={name: (0.02, 0.5), "spillover_strength": (0.0, 1.5)},
        meta={"accepted": 3},
    )
    return write_posterior(post, tmp_path / "posterior.yaml")


def test_posterior_file_round_trip_and_draws(tmp_path):
    path = _posterior(tmp_path)
    post = load_posterior(path)
    assert post.names == ["sectors.metal.labour_share", "spillover_strength"]
    assert post.estimate()["sectors.metal.labour_share"] == pytest.approx(0.23)
    check_against_scenario(post, path, SMALL)  # the small scenario has both
    a = replication_draws(post, 40, seed=7)
    assert a == replication_draws(post, 40, seed=7) != replication_draws(post, 40, seed=8)
    assert {d["sectors.metal.labour_share"] for d in a} == {0.1, 0.2, 0.3}


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda p: p.unlink(), "no such posterior file"),
        (lambda p: p.write_text("name: x\n"), "posterior"),
        (lambda p: p.with_suffix(".csv").unlink(), "posterior.draws"),
        (
            lambda p: p.with_suffix(".csv").write_text("spillover_strength,weight\n1,1\n"),
            "lacks columns: sectors.metal.labour_share",
        ),
        (
            lambda p: p.with_suffix(".csv").write_text(
                "sectors.metal.labour_share,spillover_strength,weight\nx,1,1\n"
            ),
            "finite values",
        ),
    ],
)
def test_bad_posterior_files_name_the_field(tmp_path, damage, field):
    path = _posterior(tmp_path)
    damage(path)
    with pytest.raises(ScenarioError) as err:
        load_posterior(path)
    assert field in str(err.value) and str(path) in str(err.value)


def test_a_posterior_parameter_the_scenario_lacks_is_refused(tmp_path):
    path = _posterior(tmp_path, name="sectors.steel.labour_share")
    with pytest.raises(ScenarioError) as err:
        check_against_scenario(load_posterior(path), path, SMALL)
    assert "posterior.parameters.sectors.steel.labour_share" in str(err.value)


def test_compare_plan_pairs_each_draw_across_policies(tmp_path):
    path = _posterior(tmp_path)
    exp = Experiment(
        name="p",
        scenario=str(SMALL),
        replications=5,
        posterior=str(path),
        posterior_seed=3,
    )
    tasks = plan_runs(exp, SMALL)
    assert {t.point for t in tasks} == {0, 1}
    estimate = load_posterior(path).estimate()
    assert all(t.overrides == estimate for t in tasks if t.point == 0)
    by = {(t.point, t.policy, t.replication): t for t in tasks}
    for k in range(5):
        merge, control = by[(1, "merge", k)], by[(1, "no_merge", k)]
        assert merge.overrides == control.overrides and merge.seed == control.seed
        assert by[(0, "merge", k)].seed == merge.seed  # common random numbers throughout
    assert len({tuple(by[(1, "merge", k)].overrides.values()) for k in range(5)}) > 1


def _calibration(tmp_path, samples=12):
    data = {
        "name": "small_abc",
        "scenario": str(SMALL),
        "replications": 1,
        "seed": 5,
        "check_replications": 2,
        "free": [{"name": "sectors.metal.labour_share", "low": 0.02, "high": 0.5}],
        "abc": {
            "samples": samples,
            "accept": 0.5,
            "seed": 2,
            "priors": [{"name": "spillover_strength", "low": 0.0, "high": 1.0}],
        },
        "targets": [
            {
                "label": "metal cluster jobs",
                "indicator": "employment",
                "scope": "cluster",
                "id": "metal_cluster",
                "year": 2013,
                "value": 4000,
                "kind": "observation",
            },
            {
                "label": "zone one participants",
                "indicator": "sez_registered",
                "scope": "sez",
                "id": "zone1",
                "year": 2013,
                "value": 10,
                "held_out": True,
                "kind": "observation",
            },
        ],
    }
    path = tmp_path / "abc.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _sezsim(*args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_posterior_command_is_deterministic_and_resumable(tmp_path):
    cal = _calibration(tmp_path)
    a = _sezsim("posterior", cal, "--out", tmp_path / "ref_a", "--posterior",
                tmp_path / "a" / "post.yaml", "--workers", "1")  # fmt: skip
    assert a.returncode == 0, a.stderr
    draws = pd.read_csv(tmp_path / "a" / "post.csv")
    assert len(draws) == 6 and {"sectors.metal.labour_share", "weight"} <= set(draws.columns)
    assert (tmp_path / "a" / "post_pairs.png").stat().st_size > 0
    # The store exists: without --resume it is refused; with it, nothing is rerun.
    again = _sezsim("posterior", cal, "--out", tmp_path / "ref_a", "--posterior",
                    tmp_path / "b" / "post.yaml")  # fmt: skip
    assert again.returncode == 2 and "--resume" in again.stderr and "Traceback" not in again.stderr
    resumed = _sezsim("posterior", cal, "--out", tmp_path / "ref_a", "--resume", "--posterior",
                      tmp_path / "b" / "post.yaml")  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert "0 runs" in resumed.stdout and "12 already stored" in resumed.stdout
    pd.testing.assert_frame_equal(draws, pd.read_csv(tmp_path / "b" / "post.csv"))
    fresh = _sezsim("posterior", cal, "--out", tmp_path / "ref_c", "--posterior",
                    tmp_path / "c" / "post.yaml", "--workers", "2")  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr
    pd.testing.assert_frame_equal(draws, pd.read_csv(tmp_path / "c" / "post.csv"))


@pytest.mark.slow
def test_compare_with_a_posterior_reports_both_intervals(tmp_path):
    path = _posterior(tmp_path)
    r = _sezsim("compare", SMALL, "--replications", 4, "--until", 2014, "--policies",
                "merge,no_merge", "--posterior", path, "--out", tmp_path / "c",
                "--workers", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "c" / "synergy_uncertainty.csv")
    assert {"seed_ci_low", "param_ci_low", "width_ratio"} <= set(table.columns)
    report = (tmp_path / "c" / "report.md").read_text()
    assert "The synergy with parameter uncertainty" in report
    # A rewritten posterior is another experiment: the store is not silently mixed.
    csv = path.with_suffix(".csv")
    csv.write_text(csv.read_text().replace("0.1,", "0.15,"))
    mixed = _sezsim("compare", SMALL, "--replications", 4, "--until", 2014, "--policies",
                    "merge,no_merge", "--posterior", path, "--out", tmp_path / "c")  # fmt: skip
    assert mixed.returncode == 2 and "different experiment" in mixed.stderr
    bad = _sezsim("compare", SMALL, "--replications", 2, "--posterior", tmp_path / "none.yaml",
                  "--out", tmp_path / "d")  # fmt: skip
    assert bad.returncode == 2 and "--posterior" in bad.stderr and "Traceback" not in bad.stderr
