"""The submodels in sim/economy: closed forms and invariants of the equations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.economy import firm_dynamics as dyn
from sim.economy import market, neg, productivity
from sim.economy.fiscal import taxes_and_privilege_cost

PARAMETER_SETS = [(5.0, 0.4), (4.0, 0.6), (3.0, 0.5), (6.0, 0.3)]


@pytest.mark.parametrize(("sigma", "mu"), PARAMETER_SETS)
def test_break_point_is_where_symmetric_equilibrium_loses_stability(sigma, mu):
    phi_b = neg.break_point(sigma, mu)
    h = 1e-6

    def slope(phi):
        return (
            neg.real_profit_gap(0.5 + h, phi, sigma, mu)
            - neg.real_profit_gap(0.5 - h, phi, sigma, mu)
        ) / (2 * h)

    assert slope(phi_b * 0.98) < 0 < slope(min(phi_b * 1.02, 0.999))
    assert abs(slope(phi_b)) < 1e-5


@pytest.mark.parametrize(("sigma", "mu"), PARAMETER_SETS)
def test_sustain_point_makes_a_deviant_firm_indifferent(sigma, mu):
    phi_s = neg.sustain_point(sigma, mu)
    core, periphery = neg.real_profits(1.0, phi_s, sigma, mu)
    assert periphery / core == pytest.approx(1.0, abs=1e-9)
    # Just above the sustain point the core is stable: the periphery pays less.
    core, periphery = neg.real_profits(1.0, phi_s + 0.01, sigma, mu)
    assert periphery < core


def test_footloose_entrepreneur_has_sustain_below_break():
    # FE model: subcritical pitchfork, phi_S < phi_B (Baldwin et al. 2003, ch. 4).
    for sigma, mu in PARAMETER_SETS:
        assert neg.sustain_point(sigma, mu) < neg.break_point(sigma, mu)


def test_black_hole_condition_is_enforced():
    with pytest.raises(ValueError, match="no-black-hole"):
        neg.break_point(2.0, 1.5)


@settings(max_examples=40, deadline=None)
@given(
    km=st.lists(st.floats(0, 3000), min_size=3, max_size=3),
    cost=st.floats(0, 3),
    sigma=st.floats(1.5, 10),
)
def test_freeness_lies_in_unit_interval_and_falls_with_distance(km, cost, sigma):
    d = np.array([[0, km[0], km[1]], [km[0], 0, km[2]], [km[1], km[2], 0]])
    phi = market.freeness_matrix(d, cost, sigma)
    assert np.all(phi > 0) and np.all(phi <= 1)
    assert np.allclose(np.diag(phi), 1)
    assert np.allclose(phi, phi.T)


def _random_economy(seed, n_k=3, n_r=4):
    rng = np.random.default_rng(seed)
    km = rng.uniform(100, 2000, (n_r, n_r))
    km = (km + km.T) / 2
    np.fill_diagonal(km, 0)
    phi = market.freeness_matrix(km, 0.4, 4.0)
    supply = rng.uniform(0.5, 2, (n_k, n_r))
    supply_dom = supply * rng.uniform(0.3, 1, (n_k, n_r))
    mu = rng.uniform(0.05, 0.2, n_k)
    income = rng.uniform(100, 1000, n_r)
    return phi, supply, supply_dom, mu, income


@pytest.mark.parametrize("seed", range(5))
def test_equilibrium_expenditure_is_income_plus_local_profits(seed):
    phi, supply, supply_dom, mu, income = _random_economy(seed)
    sigma = 4.0
    g = market.price_index_term(supply, phi)
    e = market.equilibrium_expenditure(income, supply_dom, mu, g, phi, sigma)
    access = market.market_access(mu, e, g, phi)
    local_profits = (supply_dom * access).sum(axis=0) / sigma
    assert np.allclose(e, income + local_profits)


@pytest.mark.parametrize("seed", range(5))
def test_sales_exhaust_expenditure_on_each_sector(seed):
    # Sum over firms of revenue equals mu_k * total expenditure (no leakage).
    phi, supply, _, mu, income = _random_economy(seed)
    g = market.price_index_term(supply, phi)
    access = market.market_access(mu, income, g, phi)
    assert np.allclose((supply * access).sum(axis=1), mu * income.sum())


def test_agglomeration_gain_rises_with_local_employment():
    emp = np.array([[0.0, 1000.0, 5000.0], [0.0, 0.0, 0.0]])
    rel = np.array([[0.0, 1.0], [1.0, 0.0]])
    gain = productivity.agglomeration_log_gain(emp, rel, 0.05, 0.02)
    assert gain[0, 0] == 0 and gain[0, 1] < gain[0, 2]
    assert gain[1, 2] > 0  # related-sector externality
    assert gain[0, 1] == pytest.approx(0.05 * np.log(2))


def test_institute_spillover_decays_with_distance():
    km = np.array([[0.0, 200.0, 1000.0], [200.0, 0, 800.0], [1000.0, 800.0, 0]])
    acc = productivity.institute_access(np.array([0]), np.array([0]), np.array([2.0]), km, 250.0, 1)
    assert acc[0, 0] == pytest.approx(2.0)
    assert acc[0, 0] > acc[0, 1] > acc[0, 2] > 0
    assert acc[0, 1] == pytest.approx(2.0 * np.exp(-200 / 250))


def test_partner_gap_only_counts_better_partners():
    k = np.array([0.0, 0.3, 0.1, 0.0])
    gap = productivity.partner_knowledge_gap(
        k, np.array([0, 0, 2]), np.array([1, 2, 3]), np.array([True, True, True, False])
    )
    assert gap == pytest.approx([0.2, 0.0, 0.0, 0.0])


def test_taxes_and_privilege_cost_add_up_to_statutory_taxes():
    profit = np.array([100.0, -50.0, 10.0])
    turnover = np.array([1000.0, 300.0, 50.0])
    wages = np.array([80.0, 40.0, 5.0])
    relief = np.array([1.0, 0.5, 0.0])
    paid, cost = np.empty(3), np.empty(3)
    taxes_and_privilege_cost(
        profit, turnover, wages, relief, relief * 0.5, 0.2, 0.08, 0.095, relief, 0.0, paid, cost
    )
    statutory = 0.2 * np.maximum(profit, 0) + 0.08 * turnover + 0.095 * wages
    assert np.allclose(paid + cost, statutory)
    assert cost[2] == 0 and paid[0] < statutory[0]


def test_location_choice_follows_logit_and_skips_closed():
    rng = np.random.default_rng(0)
    logv = np.array([0.0, np.log(2.0), -np.inf])
    picks = dyn.choose_locations(rng, logv, 1.0, 20000)
    assert not (picks == 2).any()
    assert (picks == 1).mean() == pytest.approx(2 / 3, abs=0.02)


def test_relocation_moves_only_toward_better_locations():
    rng = np.random.default_rng(1)
    n = 2000
    group = np.zeros(n, dtype=np.int64)
    loc = np.r_[np.zeros(1000, dtype=np.int64), np.ones(1000, dtype=np.int64)]
    value = np.array([[1.0, 1.5]])
    new = dyn.relocation_moves(rng, group, loc, value, np.ones(n, bool), 0.5, 0.0)
    assert (new[loc == 1] == 1).all()  # nobody leaves the better region
    assert (new[loc == 0] == 1).sum() > 100


def test_investment_closes_part_of_the_capital_gap():
    assert dyn.investment(100.0, 100.0, 2.0, 0.1, 0.5) == pytest.approx(0.1 * 100 + 0.5 * 100)
    assert dyn.investment(300.0, 100.0, 2.0, 0.1, 0.5) == 0.0  # above desired: none


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=30).filter(lambda w: sum(w) > 0),
    n=st.integers(0, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_categorical_draws_are_exactly_generator_choice(weights, n, seed):
    # Same draws and same stream afterwards: the model's results depend on it.
    p = np.asarray(weights) / np.sum(weights)
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    got = dyn.categorical_draws(ours, p, n)
    assert np.array_equal(got, numpys.choice(p.size, size=n, p=p))
    assert ours.random() == numpys.random()


def test_registration_gain_rises_with_relief_and_zone_productivity():
    from sim.economy.privileges import registration_gain

    turnover, exports = np.array([100.0, 400.0]), np.array([20.0, 300.0])
    profit, phi = np.array([10.0, -5.0]), np.array([0.25, 0.25])
    args = (3.8, 0.2, 0.013, 0.095, 0.15)

    def gain(phi_zone, log_gain, r_pi, r_y):
        return registration_gain(
            turnover, exports, profit, phi, phi_zone, log_gain, r_pi, r_y, *args
        )

    assert np.allclose(gain(0.25, 0.0, 0.0, 0.0), 0.0)  # the same conditions: no gain
    assert (gain(0.25, 0.0, 1.0, 0.5) > gain(0.25, 0.0, 0.5, 0.25)).all()
    assert (gain(0.3, 0.0, 0.0, 0.0) > 0).all()  # customs relief: more exports
    assert gain(0.3, 0.0, 0.0, 0.0)[1] > gain(0.3, 0.0, 0.0, 0.0)[0]  # the exporter gains more
    assert (gain(0.25, 0.05, 0.0, 0.0) > 0).all()  # infrastructure and labour pooling


# ------------------------------------------------- exports and the Armington nest (M6, M6a)
def test_export_demand_without_a_nest_is_the_fixed_scale_grown():
    # M6: with no nest (eta unset) every variety faces a fixed world price index.
    scale, supply = np.array([2.0, 0.5]), np.array([10.0, 40.0])
    plain = market.export_demand(scale, 1.03**5, 4.0)
    assert np.array_equal(plain, scale * 1.03**5)
    assert np.array_equal(plain, market.export_demand(scale, 1.03**5, 4.0, None, supply, supply))
    # eta = sigma is the same model, bit for bit.
    assert np.array_equal(plain, market.export_demand(scale, 1.03**5, 4.0, 4.0, 3 * supply, supply))


@settings(max_examples=60, deadline=None)
@given(
    st.floats(1.5, 8.0),
    st.floats(0.05, 0.99),
    st.floats(0.2, 5.0),
    st.floats(1.01, 4.0),
)
def test_more_kazakh_exporters_lower_each_ones_export_demand(sigma, eta_share, base, more):
    # M6a: below sigma, a sector's exporters share the world's demand for its Kazakh
    # varieties: each sells less as the sector's export supply index grows; the world
    # spends D g (B / B0)^((eta - 1)/(sigma - 1)) on the composite (closed form). (eta =
    # sigma is no nest at all: the test above; just below it the fall is smaller than
    # one rounding step, so the strict fall is asked of eta up to 0.99 sigma.)
    eta = eta_share * sigma
    scale, growth = np.array([3.0]), 1.2
    b0 = np.array([base])
    before = market.export_demand(scale, growth, sigma, eta, b0, b0)
    after = market.export_demand(scale, growth, sigma, eta, b0 * more, b0)
    assert before[0] == pytest.approx(3.0 * 1.2)  # at the start-up supply: the scale
    assert after[0] < before[0]
    spent = after[0] * b0[0] * more  # the world's spending on Kazakh sector k
    world = scale[0] * b0[0] * growth  # D_k (1 + g)^t
    assert spent == pytest.approx(world * more ** ((eta - 1) / (sigma - 1)), rel=1e-12)


def test_unit_outer_elasticity_fixes_what_the_world_spends_on_kazakh_varieties():
    # eta = 1 (Cobb-Douglas outer nest): the world spends D_k (1 + g)^t on Kazakhstan's
    # sector k whatever its supply, so twice the exporters sell half as much each.
    scale, b0 = np.array([2.0, 1.0]), np.array([5.0, 5.0])
    supply = np.array([10.0, 5.0])
    d = market.export_demand(scale, 1.0, 4.0, 1.0, supply, b0)
    assert d * supply == pytest.approx(scale * b0)
    # A sector without exporters now (or at the start) keeps its scale: no division by 0.
    none = market.export_demand(scale, 1.0, 4.0, 1.0, np.array([0.0, 5.0]), b0)
    assert none[0] == scale[0] and np.isfinite(none).all()


def test_export_supply_sums_exporters_by_sector():
    p1s = np.array([1.0, 2.0, 4.0, 8.0])
    phi_w = np.array([0.5, 0.5, 0.25, 1.0])
    exporter = np.array([True, False, True, True])
    sector = np.array([0, 0, 1, 1])
    b = market.export_supply(p1s, phi_w, exporter, sector, 3)
    assert b.tolist() == [0.5, 1.0 + 8.0, 0.0]


# ------------------------------------------------- input-output linkages (M8, M9)
def _two_sector_pair():
    """Sector 0 buys from sector 1 and vice versa (one related pair), two regions."""
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    phi = np.array([[1.0, 0.3], [0.3, 1.0]])
    return w, phi


def test_input_cost_shares_follow_m8():
    labour = np.array([0.15, 0.3, 0.5, 0.75])
    related = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
    beta = market.input_cost_shares(labour, 0.4, related, 4.0)
    assert beta[0] == pytest.approx(0.4 * (1 - 0.15 * 4 / 3))
    assert beta[1] == pytest.approx(0.4 * (1 - 0.3 * 4 / 3))
    assert beta[2] == beta[3] == 0.0  # no related sector: nothing to buy
    # Core-periphery mode: labour is the whole variable cost, so no inputs are bought.
    assert not market.input_cost_shares(np.full(2, 0.75), 0.4, related[:2, :2], 4.0).any()
    assert not market.input_cost_shares(labour, 0.0, related, 4.0).any()


def test_buyers_near_more_suppliers_have_lower_input_costs():
    # Forward (cost) linkage, M8: sector 1's varieties are made mostly in region 0, so
    # sector 0's input price index is lower there, and so is its unit cost.
    w, phi = _two_sector_pair()
    supply = np.array([[1.0, 1.0], [3.0, 1.0]])
    h = market.input_price_term(w, market.price_index_term(supply, phi))
    assert h[0, 0] > h[0, 1]
    turnover = np.array([[2.0, 1.0], [1.0, 1.0]])
    ref = market.input_reference(h, turnover)
    beta = np.array([0.4, 0.0])
    cost = market.input_cost_factor(h, ref, beta, 4.0)
    assert cost[0, 0] < 1.0 < cost[0, 1]
    assert np.all(cost[1] == 1.0)  # beta = 0: no input cost
    # Closed form, and the reference: the turnover-weighted mean of H / H_ref is 1.
    assert cost[0, 0] == pytest.approx((h[0, 0] / ref[0]) ** (0.4 / (1 - 4.0)))
    assert (turnover[0] * h[0] / ref[0]).sum() / turnover[0].sum() == pytest.approx(1.0)
    # More suppliers near region 0 lower its costs further.
    more = market.input_price_term(w, market.price_index_term(supply * [[1], [2]], phi))
    assert market.input_cost_factor(more, ref, beta, 4.0)[0, 0] < cost[0, 0]


def test_suppliers_near_more_buyers_have_more_market_access():
    # Backward (demand) linkage, M9: sector 0's buyers spend mostly in region 0, so a
    # supplier of sector 1 there earns more per unit of p**(1-sigma).
    w, phi = _two_sector_pair()
    supply = np.array([[1.0, 1.0], [1.0, 1.0]])
    h = market.input_price_term(w, market.price_index_term(supply, phi))
    spending = market.intermediate_spending(
        np.array([[4.0, 1.0], [0.0, 0.0]]), np.array([0.4, 0.4]), 4.0
    )
    assert spending[0] == pytest.approx(0.4 * 0.75 * np.array([4.0, 1.0]))
    access = market.intermediate_access(spending, h, w, phi)
    assert access[1, 0] > access[1, 1] > 0
    assert np.all(access[0] == 0.0)  # nobody buys sector 0's varieties as inputs here


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_suppliers_revenue_from_inputs_adds_up_to_buyers_spending(seed):
    # M9 is a CES demand system: summed over suppliers it returns the spending.
    rng = np.random.default_rng(seed)
    n_k, n_r = 4, 5
    w = (rng.random((n_k, n_k)) < 0.5).astype(float)
    w = np.triu(w, 1) + np.triu(w, 1).T
    w[0, 1] = w[1, 0] = 1.0  # at least one pair
    phi = rng.uniform(0.1, 1.0, (n_r, n_r))
    phi = (phi + phi.T) / 2
    np.fill_diagonal(phi, 1.0)
    supply = rng.uniform(0.5, 2.0, (n_k, n_r))
    h = market.input_price_term(w, market.price_index_term(supply, phi))
    spending = rng.uniform(0.0, 10.0, (n_k, n_r)) * (w.sum(axis=1) > 0)[:, None]
    access = market.intermediate_access(spending, h, w, phi)
    assert (supply * access).sum() == pytest.approx(spending.sum(), rel=1e-12)


def test_firm_sizes_follow_the_class_shares_and_stay_in_their_bounds():
    # Classes drawn by share (as categorical_draws), sizes log-uniform inside a class:
    # the mean of log size in [lo, hi] is (log lo + log hi) / 2.
    low, high = np.array([1.0, 101.0, 251.0]), np.array([100.0, 250.0, 2500.0])
    share = np.array([0.965, 0.025, 0.01])
    n = 200_000
    s = dyn.firm_sizes(np.random.default_rng(4), low, high, share, n)
    assert s.shape == (n,) and s.min() >= 1.0 and s.max() <= 2500.0
    cls = np.searchsorted(high, s)  # class of each size (the classes do not overlap)
    frac = np.bincount(cls, minlength=3) / n
    assert np.all(np.abs(frac - share) < 4 * np.sqrt(share * (1 - share) / n)), frac
    small = np.log(s[cls == 0])
    assert abs(small.mean() - np.log(100.0) / 2) < 4 * small.std() / np.sqrt(small.size)
    # The same generator state gives the same sizes.
    again = dyn.firm_sizes(np.random.default_rng(4), low, high, share, n)
    assert np.array_equal(s, again)


def test_firm_sizes_of_a_single_point_class_are_that_size():
    s = dyn.firm_sizes(np.random.default_rng(0), np.array([7.0]), np.array([7.0]), np.ones(1), 5)
    np.testing.assert_array_equal(s, np.full(5, 7.0))
