"""Experiments: designs, common random numbers, backends, the store, resume, statistics."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.experiments.analysis import paired_differences, synergy_table
from sim.experiments.design import sample, sample_matrix
from sim.experiments.runner import run_experiment
from sim.experiments.runs import plan_runs
from sim.experiments.spec import Design, Experiment, load_experiment
from sim.experiments.store import ResultStore, StoreError
from sim.scenario import ScenarioError
from tests.conftest import ROOT, SMALL


def _exp(tmp_path: Path, **fields) -> tuple[Experiment, Path]:
    data = {
        "name": "t",
        "scenario": str(SMALL),
        "policies": ["merge", "no_merge"],
        "replications": 2,
        "until": 2016,
        **fields,
    }
    p = tmp_path / "exp.yaml"
    p.write_text(yaml.safe_dump(data))
    return load_experiment(p)


# ------------------------------------------------------------------ designs
def test_grid_is_the_full_product():
    d = Design(
        type="grid",
        parameters={"sigma": {"values": [3, 4, 5]}, "entry_rate": {"values": [0.01, 0.02]}},
    )
    points = sample(d)
    assert len(points) == 6
    assert {(p["sigma"], p["entry_rate"]) for p in points} == {
        (s, e) for s in (3, 4, 5) for e in (0.01, 0.02)
    }


def test_latin_hypercube_is_stratified_within_bounds():
    d = Design(
        type="latin_hypercube",
        samples=20,
        seed=3,
        parameters={"sigma": {"low": 2, "high": 6}, "entry_rate": {"low": 0, "high": 1}},
    )
    m = sample_matrix(d)
    assert m.shape == (20, 2)
    for j, (lo, hi) in enumerate([(2, 6), (0, 1)]):
        bins = np.floor((m[:, j] - lo) / (hi - lo) * 20).astype(int)
        assert sorted(bins) == list(range(20))  # one sample per stratum


def test_sobol_design_size_and_bounds():
    d = Design(
        type="sobol",
        samples=16,
        seed=1,
        parameters={
            "sigma": {"low": 2, "high": 6},
            "entry_rate": {"low": 0, "high": 1},
            "exit_rate": {"low": 0, "high": 0.1},
        },
    )
    m = sample_matrix(d)
    assert m.shape == (16 * (3 + 2), 3)
    assert (m[:, 0] >= 2).all() and (m[:, 0] <= 6).all()


def test_morris_design_is_trajectories():
    d = Design(
        type="morris",
        samples=5,
        levels=4,
        seed=1,
        parameters={"sigma": {"low": 2, "high": 6}, "entry_rate": {"low": 0, "high": 1}},
    )
    m = sample_matrix(d)
    assert m.shape == (5 * 3, 2)
    # Each step of a trajectory changes exactly one parameter.
    for t in range(5):
        steps = np.diff(m[3 * t : 3 * t + 3], axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()


def test_designs_are_reproducible():
    d = Design(
        type="latin_hypercube", samples=8, seed=5, parameters={"sigma": {"low": 2, "high": 6}}
    )
    assert sample(d) == sample(d)


# ------------------------------------------------------------------ runs and CRN
def test_common_random_numbers_across_policies_and_points(tmp_path):
    exp, sc = _exp(
        tmp_path,
        replications=3,
        seed=10,
        design={"type": "grid", "parameters": {"sigma": {"values": [3.0, 4.0]}}},
    )
    tasks = plan_runs(exp, sc)
    assert len(tasks) == 2 * 2 * 3
    for t in tasks:
        assert t.seed == 10 + t.replication
    ids = [t.run_id for t in tasks]
    assert len(set(ids)) == len(ids)


def test_same_seed_same_policy_gives_identical_rows(tmp_path):
    exp, sc = _exp(
        tmp_path,
        replications=1,
        policies=["merge"],
        design={"type": "grid", "parameters": {"entry_rate": {"values": [0.05, 0.05]}}},
    )
    res = run_experiment(exp, sc, tmp_path / "out", workers=1).store.results()
    a = res[res.point == 0].drop(columns=["run_id", "point"]).reset_index(drop=True)
    b = res[res.point == 1].drop(columns=["run_id", "point"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_one_and_two_workers_give_identical_results(tmp_path):
    exp, sc = _exp(tmp_path, replications=3)
    one = run_experiment(exp, sc, tmp_path / "w1", workers=1).store.results()
    two = run_experiment(exp, sc, tmp_path / "w2", workers=2).store.results()
    assert len(one) > 0
    pd.testing.assert_frame_equal(one, two, check_exact=True)


@pytest.mark.slow
def test_local_and_dask_backends_give_identical_results(tmp_path):
    exp, sc = _exp(tmp_path, replications=2)
    local = run_experiment(exp, sc, tmp_path / "local", workers=1).store.results()
    dask = run_experiment(exp, sc, tmp_path / "dask", workers=2, backend="dask").store.results()
    pd.testing.assert_frame_equal(local, dask, check_exact=True)


def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    # load_experiment refuses sigma = 0.5 up front; built directly (as a program might),
    # the experiment reaches the runner, where a failing run must not stop the sweep.
    exp = Experiment(
        name="t",
        scenario=str(SMALL),
        policies=["merge"],
        replications=2,
        until=2016,
        design={"type": "grid", "parameters": {"sigma": {"values": [4.0, 0.5]}}},
    )
    sc = SMALL
    outcome = run_experiment(exp, sc, tmp_path / "out", workers=2)
    runs = outcome.store.runs()
    assert outcome.completed == 4 and outcome.failed == 2
    bad = runs[runs.status == "failed"]
    assert (bad.point == 1).all()
    assert bad.error.str.contains("parameters.sigma").all()
    assert set(outcome.store.results().point) == {0}


# ------------------------------------------------------------------ store and resume
def test_store_is_readable_with_pandas_and_duckdb(tmp_path):
    import duckdb

    exp, sc = _exp(tmp_path)
    out = tmp_path / "out"
    run_experiment(exp, sc, out, workers=1)
    frame = pd.read_parquet(out / "results")
    assert {"run_id", "policy", "seed", "year", "scope", "name", "taxes"} <= set(frame.columns)
    con = duckdb.connect()
    n, policies = con.execute(
        f"SELECT count(*), count(DISTINCT policy) FROM read_parquet('{out}/results/*.parquet')"
    ).fetchone()
    assert n == len(frame) and policies == 2
    runs = con.execute(f"SELECT status FROM read_parquet('{out}/runs/*.parquet')").fetchall()
    assert {r[0] for r in runs} == {"ok"}
    man = json.loads((out / "manifest.json").read_text())
    assert man["runs"] == 4 and len(man["code_version"]) == 16
    # Every row carries the scenario's and the code's version hash.
    versions = con.execute(
        "SELECT DISTINCT scenario_version, code_version "
        f"FROM read_parquet('{out}/results/*.parquet')"
    ).fetchall()
    assert versions == [(man["scenario_version"], man["code_version"])]


def test_existing_store_needs_resume(tmp_path):
    exp, sc = _exp(tmp_path)
    run_experiment(exp, sc, tmp_path / "out", workers=1)
    with pytest.raises(StoreError, match="--resume"):
        run_experiment(exp, sc, tmp_path / "out", workers=1)
    again = run_experiment(exp, sc, tmp_path / "out", workers=1, resume=True)
    assert again.completed == 0 and again.skipped == 4


def test_resume_with_a_different_experiment_is_refused(tmp_path):
    exp, sc = _exp(tmp_path)
    run_experiment(exp, sc, tmp_path / "out", workers=1)
    other, _ = _exp(tmp_path, replications=5)
    with pytest.raises(StoreError, match="different experiment"):
        run_experiment(other, sc, tmp_path / "out", workers=1, resume=True)


def test_orphan_batches_are_removed_on_resume(tmp_path):
    exp, sc = _exp(tmp_path)
    out = tmp_path / "out"
    run_experiment(exp, sc, out, workers=1, batch_size=1)
    reference = ResultStore(out).results()
    # Simulate a crash between the two renames of a batch: results without runs.
    runs_files = sorted((out / "runs").glob("batch-*.parquet"))
    runs_files[-1].unlink()
    (out / "results" / ".batch-999999.parquet.tmp").write_bytes(b"partial")
    resumed = run_experiment(exp, sc, out, workers=1, resume=True)
    assert resumed.completed == 1
    pd.testing.assert_frame_equal(ResultStore(out).results(), reference, check_exact=True)


def _write_experiment(tmp_path: Path, reps: int) -> Path:
    p = tmp_path / "sweep.yaml"
    p.write_text(
        yaml.safe_dump(
            {
                "name": "sweep",
                "scenario": str(SMALL),
                "policies": ["merge", "no_merge"],
                "replications": reps,
                "until": 2030,
                "design": {"type": "grid", "parameters": {"entry_rate": {"values": [0.03, 0.06]}}},
            }
        )
    )
    return p


def _wait_for_batches(out: Path, timeout: float = 120) -> None:
    """Wait until a batch is committed: named in the manifest, not only renamed into place."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        manifest = out / "manifest.json"
        if manifest.exists() and json.loads(manifest.read_text()).get("batches"):
            return
        time.sleep(0.05)
    raise AssertionError("no batch committed in time")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["worker", "whole_sweep"])
def test_kill_9_mid_sweep_then_resume_gives_the_uninterrupted_results(tmp_path, victim):
    exp_file = _write_experiment(tmp_path, reps=12)
    reference = tmp_path / "reference"
    exp, sc = load_experiment(exp_file)
    run_experiment(exp, sc, reference, workers=1)
    expected = ResultStore(reference).results()

    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "experiment",
        str(exp_file),
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    _wait_for_batches(out)
    if victim == "worker":
        workers = [
            c for c in _children(proc.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()
        ]
        assert workers, "no worker process found"
        os.kill(workers[0], signal.SIGKILL)
        proc.wait(timeout=120)
        assert proc.returncode == 3, proc.stderr.read().decode()
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    partial = ResultStore(out).runs()
    assert 0 < len(partial) < 48
    done = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    final = ResultStore(out)
    assert len(final.runs()) == 48 and final.runs()["run_id"].is_unique
    pd.testing.assert_frame_equal(final.results(), expected, check_exact=True)


# ------------------------------------------------------------------ statistics
def _synthetic(repeat=1):
    rows = []
    pairs = [(10.0, 7.0), (12.0, 8.0), (11.0, 9.0), (15.0, 10.0)] * repeat
    for k, (m, n) in enumerate(pairs):
        for policy, v in (("merge", m), ("no_merge", n)):
            rows.append(
                {
                    "point": 0,
                    "policy": policy,
                    "replication": k,
                    "year": 2030,
                    "scope": "national",
                    "name": "national",
                    "taxes": v,
                }
            )
    return pd.DataFrame(rows)


def test_paired_differences_and_bootstrap_interval():
    frame = _synthetic(repeat=3)
    d = paired_differences(frame, "taxes")["difference"].to_numpy()
    assert list(d[:4]) == [3.0, 4.0, 2.0, 5.0]
    t = synergy_table(frame, ["taxes"]).iloc[0]
    assert t["mean"] == pytest.approx(3.5) and t["n"] == 12
    # The bootstrap interval of a mean of 12 values in [2, 5] lies inside [2, 5] and
    # around the mean; the exact bounds come from the fixed bootstrap seed.
    assert 2.0 < t["ci_low"] < 3.5 < t["ci_high"] < 5.0
    assert t["significant"] and t["relative"] == pytest.approx(3.5 / 8.5)
    assert t["warning"] == "" and not t["heavy_tailed"]


def test_interval_that_covers_zero_is_not_significant():
    frame = _synthetic(repeat=3)
    frame.loc[(frame.policy == "merge") & (frame.replication < 2), "taxes"] = -20.0
    assert not synergy_table(frame, ["taxes"]).iloc[0]["significant"]


def test_too_few_replications_or_heavy_tails_are_flagged():
    few = synergy_table(_synthetic(), ["taxes"]).iloc[0]
    assert not few["significant"] and "too few" in few["warning"]
    frame = _synthetic(repeat=5)
    frame.loc[(frame.policy == "merge") & (frame.replication == 0), "taxes"] = 500.0
    heavy = synergy_table(frame, ["taxes"]).iloc[0]
    assert heavy["heavy_tailed"] and "heavy-tailed" in heavy["warning"]


# ------------------------------------------------------------------ bad files
BAD = {
    "unknown policy": ({"policies": ["merge", "laissez_faire"]}, "unknown policy"),
    "unknown parameter": (
        {"design": {"type": "grid", "parameters": {"warp": {"values": [1]}}}},
        "unknown parameter",
    ),
    "grid without values": (
        {"design": {"type": "grid", "parameters": {"sigma": {"low": 1, "high": 2}}}},
        "grid needs `values`",
    ),
    "inverted range": (
        {"design": {"type": "latin_hypercube", "parameters": {"sigma": {"low": 5, "high": 2}}}},
        "must be below high",
    ),
    "unknown design": ({"design": {"type": "random_walk"}}, "design.type"),
    "unknown indicator": ({"indicators": ["happiness"]}, "unknown indicator"),
    "missing scenario": ({"scenario": "nowhere.yaml"}, "no such scenario file"),
    "unknown field": ({"replicatons": 3}, "unknown field"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_experiment_files_are_clear_errors(tmp_path, case):
    change, message = BAD[case]
    data = {"name": "t", "scenario": str(SMALL), **change}
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as info:
        load_experiment(p)
    assert message in str(info.value) and str(p) in str(info.value)
    r = subprocess.run(
        [sys.executable, "-m", "sim", "experiment", str(p), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and message in r.stderr


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (ROOT / "experiments").glob("*.yaml") if not p.name.startswith("calibrate")),
    ids=lambda p: p.name,
)
def test_shipped_experiment_files_validate(path):
    exp, scenario = load_experiment(path)
    assert scenario.is_file() and plan_runs(exp, scenario)


def test_a_calibration_file_given_to_experiment_points_to_calibrate():
    with pytest.raises(ScenarioError, match="sezsim calibrate"):
        load_experiment(ROOT / "experiments" / "calibrate_kazakhstan.yaml")


def test_shipped_experiments_include_the_required_ones():
    names = {p.name for p in (ROOT / "experiments").glob("*.yaml")}
    assert {
        "merge_vs_no_merge.yaml",
        "sweep_privileges.yaml",
        "sensitivity_sobol.yaml",
        "neg_bifurcation.yaml",
    } <= names


# ------------------------------------------------------------------ commands
def test_compare_command_prints_synergy_and_writes_report(tmp_path):
    out = tmp_path / "cmp"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "compare",
            str(SMALL),
            "--replications",
            "3",
            "--workers",
            "2",
            "--until",
            "2022",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "Synergy effect" in r.stdout and "2021" in r.stdout
    report = (out / "report.md").read_text()
    assert "Synergy effect" in report
    for png in ("synergy.png", "trajectories.png", "map.png"):
        assert (out / png).stat().st_size > 10_000
    shown = subprocess.run(
        [sys.executable, "-m", "sim", "results", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0 and "9 ok, 0 failed, 0 missing of 9" in shown.stdout


def test_compare_set_overrides_a_parameter_in_every_run(tmp_path):
    # --set applies to every run of the comparison (the experiment's `fixed`), is kept in
    # the store's manifest, and a bad value is refused in one line, as for `sezsim run`.
    from typer.testing import CliRunner

    from sim.cli import app

    def compare(out, *extra):
        args = ["compare", str(SMALL), "--replications", "2", "--workers", "1", "--until",
                "2016", "--policies", "merge,no_merge", "--out", str(out), *extra]  # fmt: skip
        return CliRunner().invoke(app, args)

    assert compare(tmp_path / "plain").exit_code == 0
    r = compare(tmp_path / "loop", "--set", "agglomeration_elasticity=0.08")
    assert r.exit_code == 0, r.output
    assert ResultStore(tmp_path / "loop").manifest()["experiment"]["fixed"] == {
        "agglomeration_elasticity": 0.08
    }
    plain, loop = (ResultStore(tmp_path / x).results() for x in ("plain", "loop"))
    pick = ["scope", "name", "policy", "replication", "year"]
    a = plain.sort_values(pick)["turnover"].to_numpy()
    b = loop.sort_values(pick)["turnover"].to_numpy()
    assert a.shape == b.shape and not np.allclose(a, b)
    bad = compare(tmp_path / "bad", "--set", "agglomeration_elasticity=2")
    assert bad.exit_code == 2 and "agglomeration_elasticity" in bad.output
    assert "Traceback" not in bad.output


def test_sensitivity_experiment_reports_indices(tmp_path):
    p = tmp_path / "sobol.yaml"
    p.write_text(
        yaml.safe_dump(
            {
                "name": "sobol",
                "scenario": str(SMALL),
                "policies": ["merge", "no_merge"],
                "replications": 1,
                "until": 2013,
                "design": {
                    "type": "morris",
                    "samples": 3,
                    "seed": 1,
                    "parameters": {
                        "profit_tax_relief": {"low": 0.0, "high": 1.0},
                        "integrator_coordination": {"low": 0.0, "high": 0.1},
                    },
                },
                "analysis": {"indicator": "taxes", "year": 2013},
            }
        )
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "experiment",
            str(p),
            "--workers",
            "2",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "mu_star" in r.stdout and "profit_tax_relief" in r.stdout
    assert "Global sensitivity" in (tmp_path / "o" / "report.md").read_text()
