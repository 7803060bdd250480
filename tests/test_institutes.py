"""Research institutes that grow and choose (docs/ODD.md 7.11, I1-I5)."""

import numpy as np
import pandas as pd
import pytest

from sim import SEZClusterModel
from sim.agents.firm import PRODUCING
from sim.economy import institutes as research
from sim.economy import productivity as prod
from sim.processes import institutes

#: Institutes that choose partners, give them a boost and respond to funding.
ON = {
    "institute_adjustment_rate": 0.3,
    "institute_partners_per_capacity": 5.0,
    "institute_partner_boost": 1.0,
}


def partner_innovations(path, grant, years=8, seed=4):
    """Innovations among the institute's partners, and partner-years, over the years."""
    m = SEZClusterModel(
        path, policy="no_merge", rng=seed, **ON, **{"government.research_grants.fixed": grant}
    )
    (inst,) = m.institutes
    hits = partner_years = 0
    for _ in range(years):
        m.step()
        hits += int(m.firms.view("innovated")[inst.partners].sum())
        partner_years += inst.partners.size
    return hits, partner_years, inst, m


def test_more_institute_funding_gives_more_innovations_among_its_partners(small_path):
    # I1-I4, D1: a grant of 4,000 million a year pays for capacity 10 (at 400 per unit);
    # with none the institute (capacity 2) shrinks. Same seed for both.
    rich, rich_years, rich_inst, rich_m = partner_innovations(small_path, 4000.0)
    poor, poor_years, poor_inst, _ = partner_innovations(small_path, 0.0)
    assert rich_inst.capacity > 2.0 > poor_inst.capacity
    assert rich_years > poor_years  # more capacity, more partners
    assert rich > poor
    assert rich / rich_years > poor / max(poor_years, 1)  # and each innovates more often
    # Institute access (P5) follows capacity: recomputed from the institutes' capacities.
    want = prod.institute_access(
        np.array([rich_inst.field]),
        np.array([rich_inst.region]),
        np.array([rich_inst.capacity]),
        rich_m.territory.road_km,
        rich_m.params.spillover_decay_km,
        rich_m.n_sectors,
    )
    np.testing.assert_array_equal(rich_m.institute_access, want)


def test_without_funding_capacity_shrinks(small_path):
    # I1 with F = 0: C_t = (1 - rho)^t C_0.
    m = SEZClusterModel(small_path, rng=1, institute_adjustment_rate=0.2)
    (inst,) = m.institutes
    m.run(until=2014)
    assert inst.capacity == pytest.approx(2.0 * 0.8**5, rel=1e-12)
    cap = m.indicators().query("scope == 'national'")["institute_capacity"].to_numpy()
    assert (np.diff(cap) < 0).all()


def test_contracts_with_partners_fund_the_institute(small_path):
    # I3: partners pay a share of their turnover; with it capacity shrinks less.
    kw = {"institute_adjustment_rate": 0.2, "institute_partners_per_capacity": 5.0}
    paid = SEZClusterModel(small_path, rng=1, institute_contract_share=0.01, **kw).run(2014)
    unpaid = SEZClusterModel(small_path, rng=1, **kw).run(2014)
    (a,), (b,) = paid.institutes, unpaid.institutes
    turnover = paid.firms.view("turnover")[a.partners].sum()
    assert a.contracts == pytest.approx(0.01 * turnover)
    assert a.capacity > b.capacity


def test_partners_are_the_best_candidates_up_to_capacity(small_path):
    # I2: floor(nu C) producers of the institute's field, highest exp(K) l exp(-d/delta).
    m = SEZClusterModel(small_path, rng=2, institute_partners_per_capacity=4.0).run(2012)
    (inst,) = m.institutes
    f = m.firms
    assert inst.partners.size == 8  # floor(4 x 2.0)
    cand = np.flatnonzero(
        f.view("alive") & (f.view("status") == PRODUCING) & (f.view("sector") == inst.field)
    )
    decay = np.exp(-m.territory.road_km[inst.region] / m.params.spillover_decay_km)
    score = np.exp(f.view("knowledge")[cand]) * f.view("employment")[cand]
    score = score * decay[f.view("region")[cand]]
    best = np.sort(cand[np.argsort(-score, kind="stable")[:8]])
    # Partners are chosen before innovation moves knowledge (stage 7b): rerun the stage
    # on the state as it is now to compare with the plain sort.
    institutes.collaborate_and_grow(m)
    np.testing.assert_array_equal(inst.partners, best)


def test_choose_partners_is_a_top_n_selection():
    rng = np.random.default_rng(3)
    rows = np.arange(100, 1100)
    score = rng.random(1000)
    score[:5] = 0.0  # never chosen
    got = research.choose_partners(rows, score, 50)
    want = np.sort(rows[np.argsort(-score)[:50]])
    np.testing.assert_array_equal(got, want)
    assert research.choose_partners(rows[:3], np.array([1.0, 0.0, 2.0]), 10).tolist() == [
        100,
        102,
    ]
    assert research.choose_partners(rows, score, 0).size == 0


def test_spinoffs_appear_in_the_institutes_region_and_field(small_path):
    m = SEZClusterModel(small_path, rng=6, spinoff_rate=1.5)
    (inst,) = m.institutes
    total = 0
    for _ in range(4):
        m.step()
        rows = m.spinoff_rows
        total += rows.size
        f = m.firms
        assert (f.view("region")[rows] == inst.region).all()
        assert (f.view("sector")[rows] == inst.field).all()
        assert (f.view("sez")[rows] == -1).all()
        assert (f.view("cluster")[rows] == inst.cluster).all()  # cluster channels on
        assert (f.view("entry_year")[rows] == m.last_year).all()
    assert total > 0 and inst.spinoffs == total
    df = m.indicators()
    nat = df.query("scope == 'national'")["spinoffs"].sum()
    north = df.query("name == 'north'")["spinoffs"].sum()
    cluster = df.query("scope == 'cluster'")["spinoffs"].sum()
    assert nat == north == cluster == total
    assert (df.query("scope == 'national'")["entrants"] >= df.query("scope == 'national'")[
        "spinoffs"]).all()  # fmt: skip


def test_with_every_switch_off_choosing_partners_changes_nothing(small_path):
    # Partners chosen without a boost, contracts or capacity response: the same run
    # (the stage draws nothing), only the partner count is recorded.
    base = SEZClusterModel(small_path, rng=8).run(2018).indicators()
    chosen = SEZClusterModel(small_path, rng=8, institute_partners_per_capacity=5.0)
    chosen = chosen.run(2018).indicators()
    assert (chosen.query("scope == 'national'")["institute_partners"] == 10).all()
    pd.testing.assert_frame_equal(
        base.drop(columns="institute_partners"), chosen.drop(columns="institute_partners")
    )


def test_capacity_update_moves_toward_what_funding_pays_for():
    c = research.capacity_update(np.array([2.0, 2.0, 1.0]), np.array([0.0, 800.0, 4000.0]),
                                 400.0, 0.5)  # fmt: skip
    np.testing.assert_allclose(c, [1.0, 2.0, 5.5])
    np.testing.assert_array_equal(
        research.capacity_update(np.array([2.0]), np.array([0.0]), 400.0, 0.0), [2.0]
    )
