"""EMA Workbench interop (sim/ema.py): the scenario as an EMA `Model`, no other glue."""

import warnings

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    from ema_workbench import SequentialEvaluator
    from ema_workbench.analysis import prim

from sim.ema import POLICY_LEVER, indicator_at, parameter_range, workbench_model
from sim.experiments.outcome import OutcomeError
from sim.model import SEZClusterModel
from tests.conftest import ROOT

KAZAKHSTAN = str(ROOT / "scenarios" / "kazakhstan.yaml")
SAMPLING = {"uncertainty_sampling_kwargs": {"rng": 11}, "lever_sampling_kwargs": {"rng": 12}}


def test_perform_experiments_and_prim_work_with_no_other_glue():
    # 2023: past the reform year of the scenario (policy_start_year, once set), so the
    # two policies differ.
    model = workbench_model(KAZAKHSTAN, until=2023, years=[2023], seed=5)
    experiments, outcomes = SequentialEvaluator(model).perform_experiments(scenarios=6, policies=2)
    assert len(experiments) == 12
    # The policy is the lever sez_policy; EMA's own `policy` column is left to EMA.
    assert set(experiments[POLICY_LEVER]) == {"merge", "no_merge"}
    assert "policy" in experiments
    assert "taxes_2023_national" in outcomes and "employment_2023_national" in outcomes
    taxes = outcomes["taxes_2023_national"]
    assert taxes.shape == (12,) and np.isfinite(taxes).all() and (taxes > 0).all()
    # PRIM on an outcome, straight from EMA's own tables.
    x = experiments[[u.name for u in model.uncertainties] + [POLICY_LEVER]]
    y = taxes > np.median(taxes)
    box = prim.Prim(x, y.astype(int))
    found = box.find_box()
    assert 0 < found.coverage <= 1 and 0 < found.density <= 1
    # Common random numbers: merge and no_merge of one EMA scenario differ by policy only.
    by = experiments.assign(taxes=taxes).pivot_table(
        index="scenario", columns=POLICY_LEVER, values="taxes"
    )
    assert (by["merge"] != by["no_merge"]).any()


def test_a_fixed_seed_gives_identical_outcomes():
    runs = []
    for _ in range(2):
        model = workbench_model(KAZAKHSTAN, until=2010, seed=9, indicators=["taxes", "firms"])
        _, outcomes = SequentialEvaluator(model).perform_experiments(
            scenarios=3, policies=2, **SAMPLING
        )
        runs.append(outcomes)
    for name in runs[0]:
        assert np.array_equal(runs[0][name], runs[1][name])


def test_the_function_is_one_run_of_the_model():
    model = workbench_model(
        KAZAKHSTAN,
        until=2010,
        seed=3,
        uncertainties={"spillover_strength": (0.2, 0.9)},
        outcomes=["firms_2010_region_karaganda"],
    )
    got = model.function(sez_policy="no_merge", seed=3, spillover_strength=0.4)
    table = (
        SEZClusterModel(KAZAKHSTAN, policy="no_merge", rng=3, spillover_strength=0.4)
        .run(until=2010)
        .indicators()
    )
    assert got["taxes_2010_national"] == indicator_at(table, "taxes", 2010)
    assert got["firms_2010_region_karaganda"] == indicator_at(
        table, "firms", 2010, "region", "karaganda"
    )
    [unc] = model.uncertainties
    assert (unc.name, unc.lower_bound, unc.upper_bound) == ("spillover_strength", 0.2, 0.9)


def test_default_uncertainties_span_their_schema_ranges():
    model = workbench_model(KAZAKHSTAN, until=2010)
    for unc in model.uncertainties:
        assert (unc.lower_bound, unc.upper_bound) == parameter_range(unc.name)
    assert [o.name for o in model.outcomes][:1] == ["taxes_2010_national"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"uncertainties": ["sigmaa"]}, ValueError, "unknown model parameter 'sigmaa'"),
        ({"uncertainties": {"sigma": (0.5, 3.0)}}, ValueError, "not inside its schema"),
        ({"policies": ["merge", "annex"]}, ValueError, "unknown policy 'annex'"),
        ({"outcomes": ["taxes_2010_region_mars"]}, OutcomeError, "unknown region 'mars'"),
        ({"years": [2031]}, OutcomeError, "outside the simulated years"),
    ],
)
def test_bad_arguments_say_what_is_allowed(kwargs, error, message):
    with pytest.raises(error, match=message):
        workbench_model(KAZAKHSTAN, until=2010, **kwargs)
