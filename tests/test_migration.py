"""Worker migration (L2, sim/economy/migration.py): direction, conservation, inaction band."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.economy.migration import migrate, migrate_workers, migration_flows, migration_shares

N_REGIONS = st.integers(2, 20)
RATES = st.floats(0.0, 5.0)
COSTS = st.floats(0.0, 0.5)


def wages_and_workers(n):
    wages = arrays(float, n, elements=st.floats(0.2, 5.0))
    workers = arrays(float, n, elements=st.floats(0.0, 1e4))
    return st.tuples(wages, workers)


@st.composite
def economies(draw):
    n = draw(N_REGIONS)
    wages, workers = draw(wages_and_workers(n))
    return wages, workers, draw(RATES), draw(COSTS)


@given(economies())
@settings(max_examples=200, deadline=None)
def test_labour_force_is_conserved_and_stays_non_negative(economy):
    wages, workers, rate, cost = economy
    after = migrate(workers, wages, rate, cost)
    assert after.sum() == pytest.approx(workers.sum(), rel=1e-12, abs=1e-9)
    assert np.all(after >= -1e-9 * max(1.0, workers.max()))


@given(economies())
@settings(max_examples=200, deadline=None)
def test_shares_are_probabilities_and_flow_only_uphill_beyond_the_cost(economy):
    wages, _, rate, cost = economy
    m = migration_shares(wages, rate, cost)
    assert np.all(m >= 0) and np.all(np.diag(m) == 0)
    assert np.all(m.sum(axis=1) <= 1 + 1e-12)
    gain = wages[None, :] / wages[:, None] - 1 - cost
    assert np.all(m[gain <= 0] == 0)  # nobody moves unless the gain exceeds the cost


@given(economies())
@settings(max_examples=200, deadline=None)
def test_highest_real_wage_attracts_and_lowest_loses(economy):
    wages, workers, rate, cost = economy
    flows = migration_flows(workers, wages, rate, cost)
    net = flows.sum(axis=0) - flows.sum(axis=1)
    assert net[np.argmax(wages)] >= 0
    assert net[np.argmin(wages)] <= 0


@pytest.mark.parametrize("cost", [0.0, 0.05])
def test_two_regions_move_toward_the_higher_real_wage(cost):
    workers = np.array([100.0, 100.0])
    after = migrate(workers, np.array([1.2, 1.0]), 0.5, cost)
    # Share moving from B to A: rate * (1.2 / 1 - 1 - cost), divided by R - 1 = 1.
    assert after[0] == pytest.approx(100 + 100 * 0.5 * (0.2 - cost))
    assert after.sum() == pytest.approx(200.0, rel=1e-15)


def test_no_migration_with_equal_wages_or_a_gap_within_the_cost():
    workers = np.array([10.0, 20.0, 30.0])
    assert np.array_equal(migrate(workers, np.ones(3), 1.0, 0.0), workers)
    wages = np.array([1.0, 1.04, 0.98])  # largest relative gain 1.04 / 0.98 - 1 = 6.1%
    assert np.array_equal(migrate(workers, wages, 1.0, 0.07), workers)
    assert not np.array_equal(migrate(workers, wages, 1.0, 0.05), workers)
    assert np.array_equal(migrate(workers, np.array([2.0, 1.0, 1.5]), 0.0, 0.0), workers)


def test_destinations_are_weighted_by_gain_over_r_minus_one():
    m = migration_shares(np.array([1.0, 1.1, 1.3]), 1.0, 0.05)
    assert m[0] == pytest.approx([0.0, 0.05 / 2, 0.25 / 2])
    assert m[1, 2] == pytest.approx((1.3 / 1.1 - 1.05) / 2)
    assert np.all(m[2] == 0)


def test_outflow_is_capped_at_everybody():
    m = migration_shares(np.array([1.0, 10.0, 10.0]), 5.0, 0.0)
    assert m[0].sum() == pytest.approx(1.0)
    after = migrate(np.array([50.0, 1.0, 1.0]), np.array([1.0, 10.0, 10.0]), 5.0)
    assert after[0] == pytest.approx(0.0, abs=1e-12) and after.sum() == pytest.approx(52.0)


@given(economies(), st.integers(0, 2**32 - 1))
@settings(max_examples=100, deadline=None)
def test_integer_migration_conserves_workers_exactly(economy, seed):
    wages, workers, rate, cost = economy
    counts = np.round(workers).astype(np.int64)
    after = migrate_workers(counts, wages, rate, cost, np.random.default_rng(seed))
    assert after.dtype.kind == "i" and np.all(after >= 0)
    assert after.sum() == counts.sum()


def test_integer_migration_averages_to_the_expected_flows():
    wages, workers = np.array([1.0, 1.2, 0.9, 1.1]), np.array([400_000, 300_000, 200_000, 100_000])
    rng = np.random.default_rng(7)
    draws = np.array([migrate_workers(workers, wages, 0.5, 0.02, rng) for _ in range(50)])
    expected = migrate(workers, wages, 0.5, 0.02)
    assert draws.mean(axis=0) == pytest.approx(expected, rel=2e-3)


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="positive"):
        migration_shares(np.array([1.0, 0.0]), 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        migration_shares(np.array([1.0, 2.0]), -0.1)
    with pytest.raises(ValueError, match="integers"):
        migrate_workers(np.array([1.5, 2.0]), np.ones(2), 0.1, 0.0, np.random.default_rng(1))
