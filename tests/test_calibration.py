"""Calibration: file validation, a fit that improves on a small budget, the CLI."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibration import calibrate, identify, load_calibration, write_calibrated_scenario
from sim.scenario import ScenarioError, load_scenario
from tests.conftest import ROOT, SMALL

SHIPPED = ROOT / "experiments" / "calibrate_kazakhstan.yaml"


def _file(tmp_path, **changes):
    data = {
        "name": "small_fit",
        "scenario": str(SMALL),
        "policy": "no_merge",
        "replications": 2,
        "seed": 5,
        "budget": 12,
        "check_replications": 3,
        "output": str(tmp_path / "small_calibrated.yaml"),
        # Start 0.3: from 0.35 up, Nelder-Mead's expansion step reaches the lower bound,
        # where scipy's bounded simplex collapses (seen once input-output linkages, M8-M9,
        # moved the objective).
        "free": [{"name": "sectors.metal.labour_share", "low": 0.02, "high": 0.5, "start": 0.3}],
        "targets": [
            {
                "label": "metal cluster jobs",
                "indicator": "employment",
                "scope": "cluster",
                "id": "metal_cluster",
                "year": 2016,
                "value": 5000,
                "kind": "observation",
            },
            {
                "label": "metal cluster turnover",
                "indicator": "turnover",
                "scope": "cluster",
                "id": "metal_cluster",
                "year": 2016,
                "value": 1.0,
                "held_out": True,
                "kind": "forecast",
            },
        ],
    }
    data.update(changes)
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_calibration_file_validates_with_the_papers_figures():
    spec, scenario, _ = load_calibration(SHIPPED)
    assert scenario.name == "kazakhstan.yaml"
    values = {t.label: t.value for t in spec.targets}
    assert values["metallurgical cluster employees 2019"] == 32958
    assert values["metallurgical cluster taxes 2021"] == 334057
    assert values["metallurgical cluster turnover 2021"] == 1671860
    assert all(t.kind in ("observation", "forecast") and t.source for t in spec.targets)


def test_calibration_improves_the_fit_and_writes_a_valid_scenario(tmp_path):
    spec, scenario, raw = load_calibration(_file(tmp_path))
    result = calibrate(spec, scenario, workers=1)
    assert result.evaluations <= spec.budget
    assert result.best_objective < 0.5 * result.start_objective
    # The fitted target is closer than at the start; the held-out one is reported, not fitted.
    fitted = result.table[~result.table["held_out"]].iloc[0]
    assert abs(fitted["relative_error"]) < 0.5
    assert result.held_out()["target"].tolist() == ["metal cluster turnover"]
    out = tmp_path / "small_calibrated.yaml"
    write_calibrated_scenario(result, raw, out, "cal.yaml")
    s = load_scenario(out)
    metal = next(k for k in s.sectors if k.id == "metal")
    assert metal.labour_share == pytest.approx(result.best["sectors.metal.labour_share"])
    assert s.calibration["targets"][0]["target"] == "metal cluster jobs"


def test_calibration_is_reproducible(tmp_path):
    spec, scenario, _ = load_calibration(_file(tmp_path, budget=4))
    a = calibrate(spec, scenario, workers=1)
    b = calibrate(spec, scenario, workers=2)
    assert a.best == b.best
    assert a.table["simulated"].tolist() == b.table["simulated"].tolist()


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"free": [{"name": "no_such_parameter", "low": 0, "high": 1}]}, "free[0].name", "unknown"),
        ({"free": [{"name": "sigma", "low": 5, "high": 2}]}, "free", "must be below"),
        (
            {
                "targets": [
                    {
                        "label": "x",
                        "indicator": "happiness",
                        "scope": "national",
                        "year": 2015,
                        "value": 1,
                        "kind": "observation",
                    }
                ]
            },
            "targets",
            "unknown indicator",
        ),
        (
            {
                "targets": [
                    {
                        "label": "x",
                        "indicator": "taxes",
                        "scope": "cluster",
                        "id": "nope",
                        "year": 2015,
                        "value": 1,
                        "kind": "observation",
                    }
                ]
            },
            "targets[0].id",
            "unknown cluster 'nope'",
        ),
        ({"policy": "merge_all"}, "policy", "allowed"),
    ],
)
def test_bad_calibration_files_name_the_field(tmp_path, changes, field, text):
    with pytest.raises(ScenarioError) as err:
        load_calibration(_file(tmp_path, **changes))
    message = str(err.value)
    assert field in message and text in message


def test_calibrate_command_prints_the_fit_table(tmp_path):
    path = _file(tmp_path, budget=3)
    r = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(path), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "metal cluster jobs" in r.stdout and "held out" in r.stdout
    assert (tmp_path / "o" / "fit.png").stat().st_size > 0
    assert (tmp_path / "small_calibrated.yaml").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(tmp_path / "missing.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_killed_calibration_resumes_from_its_journal_to_the_same_result(tmp_path, monkeypatch):
    import sim.calibration as cal

    spec, scenario, _ = load_calibration(_file(tmp_path, budget=6))
    journal = tmp_path / "evaluations.jsonl"
    whole = calibrate(spec, scenario, workers=1, journal=journal)
    lines = journal.read_text().splitlines()
    # a header, one line per evaluation, and the fresh seeds' runs at the estimate
    assert len(lines) == 1 + whole.evaluations + 1
    # A kill after three evaluations, in the middle of writing the fourth line.
    journal.write_text("\n".join(lines[:4]) + "\n" + lines[4][: len(lines[4]) // 2])
    calls = []
    simulate = cal._Evaluator.simulate

    def counted(self, params, seeds):
        calls.append(params)
        return simulate(self, params, seeds)

    monkeypatch.setattr(cal._Evaluator, "simulate", counted)
    resumed = calibrate(spec, scenario, workers=1, journal=journal, resume=True)
    # Three evaluations were read back, not run again (the rest, and the fresh seeds, were).
    assert len(calls) == whole.evaluations - 3 + 1
    assert resumed.best == whole.best
    pd.testing.assert_frame_equal(resumed.history, whole.history)
    pd.testing.assert_frame_equal(resumed.table, whole.table)
    # A journal of another calibration (here: another budget) is refused, not mixed in.
    other, scenario, _ = load_calibration(_file(tmp_path, budget=5))
    with pytest.raises(cal.CalibrationResumeError, match="another calibration"):
        calibrate(other, scenario, workers=1, journal=journal, resume=True)


def test_calibrate_command_resumes_and_refuses_a_foreign_journal(tmp_path):
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "sim", "calibrate", "--out", str(out), "--no-write-scenario"]
    first = subprocess.run(
        [*cmd, str(_file(tmp_path, budget=3))], cwd=ROOT, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    assert (out / "evaluations.jsonl").exists()
    fit = pd.read_csv(out / "fit.csv")
    again = subprocess.run(
        [*cmd, "--resume", str(_file(tmp_path, budget=3))],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "fit.csv"), fit)
    foreign = subprocess.run(
        [*cmd, "--resume", str(_file(tmp_path, budget=3, seed=6))],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert foreign.returncode == 2
    assert "another calibration" in foreign.stderr and "Traceback" not in foreign.stderr


# ---------------------------------------------------------------------- targets and honesty


def test_a_target_must_say_whether_it_is_an_observation_or_a_forecast(tmp_path):
    data = yaml.safe_load(_file(tmp_path).read_text())
    del data["targets"][0]["kind"]
    data["targets"][1]["kind"] = "guess"
    path = tmp_path / "nokind.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        load_calibration(path)
    message = str(err.value)
    assert "targets[0]" in message and ".kind: required field is missing" in message
    assert (
        "targets[1]" in message and ".kind: Input should be 'observation' or 'forecast'" in message
    )


def test_shipped_kazakhstan_file_holds_out_whole_zones_and_the_latest_dates():
    spec, scenario, _ = load_calibration(SHIPPED)
    assert scenario.name == "kazakhstan.yaml"
    fitted_zones = {t.id for t in spec.targets if t.fitted and t.scope == "sez"}
    held = [t for t in spec.targets if t.held_out]
    held_zones = {t.id for t in held if t.scope == "sez"} - fitted_zones
    # Whole zones never seen by the fit, and dates later than any fitted one of their scope.
    assert {"innovation_technology_park", "qyzyljar", "saryarka"} <= held_zones
    latest = max(t.year for t in spec.targets if t.fitted and t.scope == "national")
    assert any(t.scope == "national" and t.year > latest for t in held)
    # Per-zone targets from the data set, each naming its source row.
    per_zone = [t for t in spec.targets if t.scope == "sez" and t.id]
    assert len(per_zone) >= 10
    assert all("sez_indicators.csv KZ" in t.source for t in per_zone)
    # The 2021 turnover fed assumption S2: it may be fitted, never held out.
    turnover = next(t for t in spec.targets if t.label == "metallurgical cluster turnover 2021")
    assert turnover.kind == "forecast" and not turnover.held_out
    assert spec.abc.priors and spec.prior_ranges().keys() >= {"spillover_strength"}


def test_fit_table_reports_the_fitting_seeds_and_fresh_seeds(tmp_path):
    spec, scenario, _ = load_calibration(_file(tmp_path, budget=3))
    result = calibrate(spec, scenario, workers=1)
    t = result.table
    assert {"fit_simulated", "fit_error", "simulated", "relative_error", "kind", "role"} <= set(
        t.columns
    )
    # In sample: the best evaluation's own objective; fresh: the same estimate, other seeds.
    assert result.best_objective == pytest.approx(
        float(np.log(t["fit_simulated"].iloc[0] / t["observed"].iloc[0]) ** 2)
    )
    assert result.fresh_objective == pytest.approx(
        float(np.log(t["simulated"].iloc[0] / t["observed"].iloc[0]) ** 2)
    )
    assert t["fit_simulated"].iloc[0] != t["simulated"].iloc[0]  # other seeds, other mean
    assert t["role"].tolist() == ["fitted", "held out"]


def test_identification_recovers_a_known_parameter_and_flags_an_inert_one(tmp_path):
    """Pseudo-data from known parameters, fitted on a small budget (the CI check)."""
    free = [
        {"name": "sectors.metal.labour_share", "low": 0.02, "high": 0.5, "start": 0.45},
        # The discount rate only enters the fiscal report: no target can move with it.
        {"name": "discount_rate", "low": 0.0, "high": 0.2, "start": 0.1},
    ]
    targets = [
        {
            "label": "metal cluster jobs",
            "indicator": "employment",
            "scope": "cluster",
            "id": "metal_cluster",
            "year": 2014,
            "value": 1.0,
            "kind": "observation",
        }
    ]
    path = _file(tmp_path, free=free, targets=targets, budget=16, check_replications=2)
    spec, scenario, _ = load_calibration(path)
    spec = spec.model_copy(update={"replications": 2})
    found = identify(spec, scenario, workers=1)
    rows = found.table.set_index("parameter")
    labour = rows.loc["sectors.metal.labour_share"]
    assert labour["identified"] and labour["recovered"], rows
    assert labour["error_unit"] <= 0.1
    assert found.unidentified() == ["discount_rate"]
    assert rows.loc["discount_rate", "curvature"] == 0.0


@pytest.mark.slow
def test_calibrate_identify_command_writes_the_identification_table(tmp_path):
    path = _file(tmp_path, budget=3, check_replications=2)
    r = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(path), "--identify", "--out",
         str(tmp_path / "o"), "--workers", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "not identified by these targets" in r.stdout
    table = pd.read_csv(tmp_path / "o" / "identification.csv")
    assert table["parameter"].tolist() == ["sectors.metal.labour_share"]
    assert not (tmp_path / "small_calibrated.yaml").exists()  # a check writes no scenario
