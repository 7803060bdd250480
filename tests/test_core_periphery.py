"""Krugman's core-periphery model (sim/economy/core_periphery.py): solver and closed forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from sim.economy import core_periphery as cp

#: (sigma, mu) sets, all with sigma (1 - mu) > 1 (no black hole).
SETS = [(5.0, 0.4), (4.0, 0.6), (3.0, 0.5), (5.0, 0.3)]
#: Migration rate of the simulations (1/year per unit relative real-wage gap): 1 keeps the
#: yearly step from overshooting (cp.simulate) and converges within 1% of phi_B in a few
#: thousand years.
RATE, TOL = 1.0, 1e-9


@st.composite
def parameters(draw):
    sigma = draw(st.floats(1.5, 12.0))
    # mu strictly inside (0, 1 - 1/sigma): the no-black-hole condition with a margin.
    mu = draw(st.floats(0.02, 0.95)) * (1 - 1 / sigma)
    return sigma, mu


# ------------------------------------------------------------------ short run (C1-C4)
@given(parameters(), st.floats(0.0, 1.0), st.floats(0.01, 1.0))
@settings(max_examples=100, deadline=None)
def test_short_run_wages_solve_the_wage_equations(params, share, phi):
    sigma, mu = params
    sr = cp.short_run_equilibrium(share, phi, sigma, mu)
    lam = np.array([share, 1 - share])
    w, g = np.array([sr.wage_a, sr.wage_b]), np.array([sr.price_a, sr.price_b])
    trade = np.array([[1.0, phi], [phi, 1.0]])
    income = mu * lam * w + (1 - mu) / 2  # (C1)
    assert g ** (1 - sigma) == pytest.approx(trade @ (lam * w ** (1 - sigma)), rel=1e-10)
    assert w**sigma == pytest.approx(trade @ (income * g ** (sigma - 1)), rel=1e-10)
    assert sr.real_wage_a == pytest.approx(sr.wage_a * sr.price_a**-mu, rel=1e-12)
    # Walras: the manufacturing wage bill equals manufacturing spending, so mean wage is 1.
    assert share * sr.wage_a + (1 - share) * sr.wage_b == pytest.approx(1.0, abs=1e-10)


@given(parameters(), st.floats(0.0, 1.0), st.floats(0.01, 0.99))
@settings(max_examples=50, deadline=None)
def test_real_wage_gap_is_antisymmetric(params, share, phi):
    sigma, mu = params
    gaps = cp.real_wage_gap(np.array([share, 1 - share]), phi, sigma, mu)
    assert gaps[0] == pytest.approx(-gaps[1], abs=1e-11)


def test_closed_form_cases():
    sigma, mu, phi = 5.0, 0.4, 0.3
    sym = cp.short_run_equilibrium(0.5, phi, sigma, mu)
    assert (sym.wage_a, sym.wage_b, sym.gap) == pytest.approx((1.0, 1.0, 0.0), abs=1e-14)
    assert sym.price_a == pytest.approx(((1 + phi) / 2) ** (1 / (1 - sigma)), rel=1e-14)
    core = cp.short_run_equilibrium(1.0, phi, sigma, mu)
    assert core.wage_a == pytest.approx(1.0, rel=1e-14)
    assert core.wage_b**sigma == pytest.approx((1 + mu) / 2 * phi + (1 - mu) / (2 * phi))
    # Free trade: location does not matter, every gap is zero.
    assert np.abs(cp.real_wage_gap(np.linspace(0, 1, 11), 1.0, sigma, mu)).max() < 1e-14


# ------------------------------------------------------------------ break point (C5)
@pytest.mark.parametrize(("sigma", "mu"), [*SETS, (6.0, 0.5), (3.0, 0.2), (10.0, 0.85)])
def test_break_point_is_where_the_symmetric_equilibrium_loses_stability(sigma, mu):
    phi_b = cp.break_point(sigma, mu)
    assert (
        cp.gap_slope_at_symmetry(0.99 * phi_b, sigma, mu)
        < 0
        < cp.gap_slope_at_symmetry(1.01 * phi_b, sigma, mu)
    )
    numeric = brentq(
        lambda p: cp.gap_slope_at_symmetry(p, sigma, mu, step=1e-5), 1e-4, 0.999, xtol=1e-14
    )
    assert numeric == pytest.approx(phi_b, rel=1e-7)


def test_break_point_values():
    # sigma = 5, mu = 0.4, FKV's (1999, ch. 5) example: phi_B = 1/7, T_B = 7**(1/4) = 1.63.
    assert cp.break_point(5.0, 0.4) == pytest.approx(1 / 7, rel=1e-14)
    assert cp.break_point(4.0, 0.6) == pytest.approx(1 / 36, rel=1e-14)
    assert cp.break_point(3.0, 0.5) == pytest.approx(1 / 21, rel=1e-14)


@pytest.mark.parametrize(("sigma", "mu"), [(3.0, 0.8), (2.0, 0.5), (1.5, 0.4), (1.0, 0.1), (5, 0)])
def test_black_hole_and_invalid_parameters_raise(sigma, mu):
    with pytest.raises(ValueError):
        cp.break_point(sigma, mu)
    with pytest.raises(ValueError):
        cp.sustain_point(sigma, mu)


# ------------------------------------------------------------------ sustain point (C6)
@given(parameters())
@settings(max_examples=100, deadline=None)
def test_sustain_point_solves_its_condition_and_lies_below_the_break_point(params):
    sigma, mu = params
    phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    assert 0 < phi_s < phi_b < 1
    assert cp.sustain_condition(phi_s, sigma, mu) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("sigma", "mu"), SETS)
def test_sustain_point_is_where_the_core_real_wage_gap_vanishes(sigma, mu):
    phi_s = cp.sustain_point(sigma, mu)
    # At the core (lambda = 1) the gap omega_A - omega_B is the core's advantage.
    assert cp.real_wage_gap(1.0, phi_s, sigma, mu) == pytest.approx(0.0, abs=1e-12)
    assert cp.real_wage_gap(1.0, 0.99 * phi_s, sigma, mu) < 0
    assert cp.real_wage_gap(1.0, 1.01 * phi_s, sigma, mu) > 0


def test_sustain_point_value():
    # sigma = 5, mu = 0.4: phi_S = 0.0937 (T_S = phi_S**(-1/4) = 1.81 > T_B = 1.63).
    assert cp.sustain_point(5.0, 0.4) == pytest.approx(0.09372745, rel=1e-7)
    assert cp.sustain_point(5.0, 0.4) ** -0.25 == pytest.approx(1.807, abs=1e-3)


# ------------------------------------------------------------------ long run
@pytest.mark.parametrize(("sigma", "mu"), SETS)
def test_equilibria_in_the_three_regimes(sigma, mu):
    phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    assert cp.equilibria(0.9 * phi_s, sigma, mu) == [(0.0, False), (0.5, True), (1.0, False)]
    band = cp.equilibria(0.5 * (phi_s + phi_b), sigma, mu)
    assert [ok for _, ok in band] == [True, False, True, False, True]
    assert band[1][0] + band[3][0] == pytest.approx(1.0, abs=1e-12)
    assert cp.real_wage_gap(band[3][0], 0.5 * (phi_s + phi_b), sigma, mu) == pytest.approx(
        0.0, abs=1e-12
    )
    above = cp.equilibria(1.1 * phi_b, sigma, mu)
    assert above == [(0.0, True), (0.5, False), (1.0, True)]


def test_tomahawk_rows():
    sigma, mu = 5.0, 0.4
    rows = cp.tomahawk(np.array([0.05, 0.12, 0.3]), sigma, mu)
    assert [len([r for r in rows if r["phi"] == p]) for p in (0.05, 0.12, 0.3)] == [3, 5, 3]
    assert {(r["share"], r["stable"]) for r in rows if r["phi"] == 0.3} == {
        (0.0, True),
        (0.5, False),
        (1.0, True),
    }


# ------------------------------------------------------------------ simulation vs points
def long_run(share0, phi, sigma, mu):
    return cp.simulate(share0, phi, sigma, mu, migration_rate=RATE, tol=TOL, years=20_000)[-1]


@pytest.mark.parametrize(("sigma", "mu"), SETS)
def test_simulation_breaks_symmetry_just_above_the_break_point_only(sigma, mu):
    phi_b = cp.break_point(sigma, mu)
    assert long_run(0.501, 0.99 * phi_b, sigma, mu) == pytest.approx(0.5, abs=1e-6)
    assert long_run(0.501, 1.01 * phi_b, sigma, mu) == pytest.approx(1.0, abs=1e-6)
    assert long_run(0.499, 1.01 * phi_b, sigma, mu) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("sigma", "mu"), SETS)
def test_simulation_sustains_the_core_just_above_the_sustain_point_only(sigma, mu):
    phi_s = cp.sustain_point(sigma, mu)
    assert long_run(1.0, 1.001 * phi_s, sigma, mu) == 1.0
    assert long_run(1.0, 0.999 * phi_s, sigma, mu) == pytest.approx(0.5, abs=1e-6)
    assert long_run(0.0, 1.001 * phi_s, sigma, mu) == 0.0


@pytest.mark.parametrize(("sigma", "mu"), SETS)
def test_simulated_sustain_point_by_bisection_matches_the_closed_form(sigma, mu):
    lo, hi = 0.5 * cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    while hi - lo > 1e-12 * hi:  # lowest phi at which a core stays a core for 5 years
        mid = 0.5 * (lo + hi)
        stays = cp.simulate(1.0, mid, sigma, mu, migration_rate=RATE, years=5)[-1] == 1.0
        lo, hi = (lo, mid) if stays else (mid, hi)
    assert hi == pytest.approx(cp.sustain_point(sigma, mu), rel=1e-9)


@pytest.mark.parametrize(("sigma", "mu"), SETS)
def test_hysteresis_between_the_sustain_and_break_points(sigma, mu):
    phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    for phi in phi_s + (phi_b - phi_s) * np.array([0.1, 0.5, 0.9]):
        assert long_run(0.501, phi, sigma, mu) == pytest.approx(0.5, abs=1e-6)
        assert long_run(1.0, phi, sigma, mu) == 1.0  # history decides: same phi, two outcomes
        assert long_run(0.0, phi, sigma, mu) == 0.0


def test_simulation_reaches_the_predicted_equilibrium_on_a_tomahawk_grid():
    sigma, mu = 5.0, 0.4
    phi_s, phi_b = cp.sustain_point(sigma, mu), cp.break_point(sigma, mu)
    for phi in [0.03, 0.8 * phi_s, 0.5 * (phi_s + phi_b), 1.2 * phi_b, 0.5]:
        for share0 in (0.3, 0.55, 0.9, 1.0):
            expected = cp.adjustment_limit(share0, phi, sigma, mu)
            assert long_run(share0, phi, sigma, mu) == pytest.approx(expected, abs=1e-6)


def test_migration_cost_freezes_a_small_tilt():
    # Above phi_B a tilt grows without a cost but stays put when the gap is within it.
    sigma, mu = 5.0, 0.4
    phi = 1.05 * cp.break_point(sigma, mu)
    path = cp.simulate(0.51, phi, sigma, mu, migration_rate=RATE, migration_cost=0.05)
    assert path[-1] == 0.51 and len(path) == 2


@pytest.mark.parametrize(("sigma", "mu"), SETS)
def test_relative_gap_slope_near_autarky_bounds_the_stable_migration_rate(sigma, mu):
    # The simulate docstring's bound: slope of omega_A / omega_B - 1 at 1/2 as phi -> 0.
    sym = cp.short_run_equilibrium(0.5, 1e-9, sigma, mu)
    slope = cp.gap_slope_at_symmetry(1e-9, sigma, mu) / sym.real_wage_a
    assert slope == pytest.approx(-4 * (1 - mu) + 4 * mu / (sigma - 1), rel=1e-6)
    assert -4 < slope < 0


def test_validation_table_and_simulated_points():
    from sim import validation_cp as v

    table = v.bifurcation_table([(5.0, 0.4)])
    assert table.phi_break[0] == pytest.approx(1 / 7)
    assert table.tau_break[0] == pytest.approx(7**0.25)
    assert table.phi_sustain[0] == pytest.approx(cp.sustain_point(5.0, 0.4))
    sims = v.simulated_tomahawk(3.0, 0.5, [0.02, 0.06])
    assert np.allclose(sims.simulated, sims.predicted, atol=1e-6)
