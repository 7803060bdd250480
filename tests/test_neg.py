"""The nested footloose-entrepreneur case: simulated long run against the closed form."""

import pytest

from sim import SEZClusterModel
from sim.economy import neg
from tests.conftest import ROOT

NEG = ROOT / "scenarios" / "neg_two_region.yaml"
PARAMETER_SETS = [(5.0, 0.4), (4.0, 0.6), (3.0, 0.5)]


def long_run_share(phi, sigma, mu, share0, seed=1, years=120):
    m = SEZClusterModel(
        NEG,
        rng=seed,
        trade_freeness=phi,
        sigma=sigma,
        initial_share_a=share0,
        **{"sectors.manufacturing.expenditure_share": mu},
    )
    m.run(until=m.spec.start_year + years - 1)
    return m.recorder.last_national("industry_share_a")


@pytest.mark.parametrize(("sigma", "mu"), PARAMETER_SETS)
@pytest.mark.parametrize("share0", [0.55, 0.8])
def test_dispersion_below_the_break_point(sigma, mu, share0):
    phi = 0.8 * neg.sustain_point(sigma, mu)  # below both points: dispersion is global
    assert long_run_share(phi, sigma, mu, share0) == pytest.approx(0.5, abs=0.04)


@pytest.mark.parametrize(("sigma", "mu"), PARAMETER_SETS)
@pytest.mark.parametrize("share0", [0.55, 0.45])
def test_full_agglomeration_above_the_break_point(sigma, mu, share0):
    phi = min(1.15 * neg.break_point(sigma, mu), 0.95)  # above both points
    share = long_run_share(phi, sigma, mu, share0)
    expected = 1.0 if share0 > 0.5 else 0.0  # the initially larger region wins
    assert share == pytest.approx(expected, abs=0.01)


def test_model_expenditure_matches_closed_form_profits():
    # At a fixed allocation the model's real profits equal the closed form exactly.
    sigma, mu, phi, s = 5.0, 0.4, 0.5, 0.6
    m = SEZClusterModel(
        NEG,
        rng=1,
        trade_freeness=phi,
        sigma=sigma,
        initial_share_a=s,
        **{"sectors.manufacturing.expenditure_share": mu},
    )
    va, vb = m.location_value[0]
    wa, wb = neg.real_profits(s, phi, sigma, mu)
    assert va / vb == pytest.approx(wa / wb, rel=1e-10)
