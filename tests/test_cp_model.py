"""Workers who migrate (L2) in the agent model, and the nested core-periphery case.

The core-periphery (CP) case is ``scenarios/cp_two_region.yaml``: the simulated long-run
share of manufacturing in A against the equilibria, break and sustain points of
:mod:`sim.economy.core_periphery` (Krugman 1991; Baldwin et al. 2003, ch. 2).
"""

import numpy as np
import pandas as pd
import pytest

from sim import SEZClusterModel
from sim.economy import core_periphery as cp
from sim.processes import labour
from tests.conftest import ROOT

CP = ROOT / "scenarios" / "cp_two_region.yaml"
SMALL = ROOT / "tests" / "data" / "small.yaml"
#: (sigma, mu): the first set runs by default, the others with ``-m slow``.
FAST_SET = (5.0, 0.4)
SLOW_SETS = [(4.0, 0.6), (3.0, 0.5), (5.0, 0.3)]


def cp_model(phi, sigma, mu, share0, **changes):
    return SEZClusterModel(
        CP,
        rng=1,
        trade_freeness=phi,
        sigma=sigma,
        initial_share_a=share0,
        **{"sectors.manufacturing.expenditure_share": mu},
        **changes,
    )


def long_run_share(phi, sigma, mu, share0, years=300):
    m = cp_model(phi, sigma, mu, share0)
    m.run(until=m.spec.start_year + years - 1)
    return m.recorder.last_national("industry_share_a")


# ---------------------------------------------------------------- migration (L2)
def test_workers_move_toward_the_higher_real_wage():
    m = SEZClusterModel(SMALL, rng=3, migration_rate=0.5, migration_cost=0.0)
    real_wages = m.wages / m.price_level
    before = m.labour_force * (1.0 + m.params.population_growth)
    labour.update_labour_markets(m)
    change = m.labour_force - before
    assert change.sum() == pytest.approx(0.0, abs=1e-6 * before.sum())  # conserved
    assert change[np.argmax(real_wages)] > 0 > change[np.argmin(real_wages)]


def test_a_migration_cost_above_every_gap_stops_migration():
    m = SEZClusterModel(SMALL, rng=3, migration_rate=0.5, migration_cost=2.0)
    before = m.labour_force * (1.0 + m.params.population_growth)
    labour.update_labour_markets(m)
    np.testing.assert_array_equal(m.labour_force, before)


def test_migration_rate_zero_is_the_model_without_migration():
    # Rate 0 skips L2; a cost no gap exceeds runs it with zero flows: the same bits.
    off = SEZClusterModel(SMALL, rng=7, migration_rate=0.0).run(until=2012)
    idle = SEZClusterModel(SMALL, rng=7, migration_rate=0.5, migration_cost=2.0).run(until=2012)
    pd.testing.assert_frame_equal(off.indicators(), idle.indicators(), check_exact=True)
    grown = off.territory.labour_force * (1.0 + off.params.population_growth) ** (
        2012 - off.spec.start_year + 1
    )
    np.testing.assert_allclose(off.labour_force, grown, rtol=1e-12)


# ---------------------------------------------------------------- the CP short run
@pytest.mark.parametrize("share", [0.6, 1.0])
def test_model_real_wages_solve_the_cp_short_run(share):
    # Without migration, the wages (L3) solve the CP wage equation at the share.
    sigma, mu, phi = 5.0, 0.4, 0.12
    m = cp_model(phi, sigma, mu, share, migration_rate=0.0)
    m.step()
    omega = m.wages / m.price_level
    sr = cp.short_run_equilibrium(share, phi, sigma, mu)
    assert omega[1] / omega[0] == pytest.approx(sr.real_wage_b / sr.real_wage_a, rel=1e-9)


# ---------------------------------------------------------------- the CP long run
def _check_tomahawk(sigma, mu):
    phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    # Below the sustain point dispersion is global: even the core dissolves.
    assert long_run_share(0.7 * phi_s, sigma, mu, 1.0) == pytest.approx(0.5, abs=0.01)
    # Above the break point the region that starts larger takes all manufacturing.
    assert long_run_share(min(1.3 * phi_b, 0.95), sigma, mu, 0.52) == pytest.approx(1.0, abs=0.01)
    # Between the two: hysteresis. Dispersed stays dispersed, the core stays the core.
    phi = 0.5 * (phi_s + phi_b)
    assert long_run_share(phi, sigma, mu, 0.52) == pytest.approx(0.5, abs=0.01)
    assert long_run_share(phi, sigma, mu, 1.0) == pytest.approx(1.0, abs=1e-9)


def test_cp_tomahawk_with_hysteresis():
    _check_tomahawk(*FAST_SET)


@pytest.mark.slow
@pytest.mark.parametrize(("sigma", "mu"), SLOW_SETS)
def test_cp_tomahawk_with_hysteresis_other_parameters(sigma, mu):
    _check_tomahawk(sigma, mu)
