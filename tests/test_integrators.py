"""Integrators as matchmakers: budget and effort (N1, N2), link gains and matching (N3, N4)."""

import numpy as np
import pytest

from sim import SEZClusterModel
from sim.economy import integrators as integ


# ------------------------------------------------------------------ the equations
def test_budget_and_effort_scale_with_fees_and_funding():
    fees, budget = integ.integrator_budget(10_000.0, 0.002, 30.0)
    assert fees == pytest.approx(20.0) and budget == pytest.approx(50.0)
    assert integ.effort(0.0, 100.0) == 1.0  # unfunded: the base effort
    assert integ.effort(50.0, 100.0) == pytest.approx(1.5)
    assert integ.effort(200.0, 100.0) > integ.effort(50.0, 100.0)


def test_link_gain_rises_with_sizes_and_knowledge_gap_and_falls_with_distance():
    base = integ.link_gain(100.0, 400.0, 0.0, 0.0, 1.0)
    assert base == pytest.approx(200.0)
    assert integ.link_gain(100.0, 900.0, 0.0, 0.0, 1.0) > base
    assert integ.link_gain(100.0, 400.0, 0.0, 0.2, 1.0) == pytest.approx(200.0 * np.exp(0.2))
    assert integ.link_gain(100.0, 400.0, 0.0, 0.0, 0.3) < base


def test_shortlist_keeps_the_largest_in_each_group():
    rows = np.arange(10)
    score = np.array([5, 1, 9, 3, 7, 2, 8, 8, 0, 4], dtype=float)
    group = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    got = integ.shortlist(rows, score, group, 2)
    assert got.tolist() == [0, 2, 3, 4, 6, 7]


def _brute_force(members, partners, turnover, knowledge, region, phi, linked, n_links):
    def gain(i, j):
        phi_ij = phi[region[i], region[j]]
        return integ.link_gain(turnover[i], turnover[j], knowledge[i], knowledge[j], phi_ij)

    pairs = sorted((-gain(i, j), i, j) for i in members for j in partners)
    used, out = set(), []
    for _, i, j in pairs:
        if len(out) == n_links:
            break
        if i == j or i in used or j in used or frozenset((i, j)) in linked:
            continue
        used |= {i, j}
        out.append((i, j))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_proposed_links_are_the_best_pairs_when_the_shortlist_holds_everyone(seed):
    # With as many links as firms per region, the shortlist holds every candidate, so
    # the matching must equal greedy matching over all pairs.
    rng = np.random.default_rng(seed)
    n, r = 40, 3
    turnover = rng.lognormal(3.0, 1.0, n)
    knowledge = rng.normal(0.0, 0.2, n)
    region = rng.integers(0, r, n)
    phi = np.full((r, r), 0.3)
    np.fill_diagonal(phi, 1.0)
    members, partners = np.arange(0, 15), np.arange(15, n)
    src0, dst0 = np.array([0, 1]), np.array([15, 16])
    links = 30
    src, dst, gain = integ.propose_links(
        members, partners, turnover, knowledge, region, phi, src0, dst0, links
    )
    linked = {frozenset((0, 15)), frozenset((1, 16))}
    want = _brute_force(members, partners, turnover, knowledge, region, phi, linked, links)
    assert list(zip(src.tolist(), dst.tolist(), strict=True)) == want
    assert np.all(np.diff(gain) <= 0)
    # Fewer links: the best pairs among the shortlist (the 6 largest members, the 3
    # largest partners of each region), no firm twice.
    s3, d3, _ = integ.propose_links(
        members, partners, turnover, knowledge, region, phi, src0, dst0, 3
    )
    top_m = members[np.argsort(-turnover[members], kind="stable")[:6]]
    top_p = [
        j
        for g in range(r)
        for j in sorted(partners[region[partners] == g], key=lambda j: -turnover[j])[:3]
    ]
    want3 = _brute_force(top_m, top_p, turnover, knowledge, region, phi, linked, 3)
    assert list(zip(s3.tolist(), d3.tolist(), strict=True)) == want3


def test_horizontal_links_never_pair_a_firm_with_itself():
    turnover = np.array([5.0, 4.0, 3.0, 2.0])
    members = np.arange(4)
    src, dst, _ = integ.propose_links(
        members, members, turnover, np.zeros(4), np.zeros(4, dtype=np.int64), np.ones((1, 1)),
        np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), 5,
    )  # fmt: skip
    assert src.size == 2 and not np.any(src == dst)
    assert len(set(src.tolist()) | set(dst.tolist())) == 4


# ------------------------------------------------------------------ the model
def _links(path, until=2016, **kw):
    m = SEZClusterModel(path, policy="no_merge", rng=2, **kw).run(until=until)
    return m, next(iter(m.integrators))


def test_integrator_links_its_members_to_related_sectors(small_path):
    m, integrator = _links(small_path)
    f = m.firms
    src, dst = f.link_src, f.link_dst
    assert integrator.links_brokered == src.size > 0
    # metal (the cluster's sector) is related to machines: every link joins a member of
    # the cluster to a machinery producer, not random pairs of members.
    sector = f.view("sector")
    assert set(sector[src].tolist()) == {0} and set(sector[dst].tolist()) == {1}
    keys = set(zip(np.minimum(src, dst).tolist(), np.maximum(src, dst).tolist(), strict=True))
    assert len(keys) == src.size  # never the same link twice
    # The old rule, as a switch: random pairs of members, all in the cluster's sector.
    old, _ = _links(small_path, integrator_matchmaking=False)
    assert set(old.firms.view("sector")[old.firms.link_dst].tolist()) == {0}


def test_fees_fund_effort_and_effort_brings_links_and_investors(small_path):
    _, unfunded = _links(small_path)
    assert unfunded.fees == 0.0 and unfunded.effort == 1.0  # fee 0: minimal effort
    _, funded = _links(small_path, integrator_fee_rate=0.005, integrator_effort_cost=20.0)
    assert funded.fees > 0 and funded.effort > 1.5
    assert funded.links_brokered > unfunded.links_brokered
    # Government funding (another actor's decision, G1-G2) reaches the integrator's budget.
    m = SEZClusterModel(
        small_path, policy="no_merge", rng=2, **{"government.integrators.fixed": 60.0}
    )
    m.step()
    a = next(iter(m.integrators))
    assert a.budget == pytest.approx(60.0) and a.effort == pytest.approx(1.6)


def test_fees_are_paid_out_of_members_profit(small_path):
    def profit(fee):
        m = SEZClusterModel(small_path, policy="no_merge", rng=2, integrator_fee_rate=fee)
        m.step()
        f = m.firms
        members = f.view("alive") & (f.view("cluster") == 0) & (f.view("entry_year") < 2010)
        return f.view("profit")[members], f.view("turnover")[members]

    with_fee, turnover = profit(0.01)
    without, _ = profit(0.0)
    assert np.allclose(without - with_fee, 0.01 * turnover)


def _scouted(path, **kw):
    # Only scouted investors enter, so every foreign entrant of metal is one of them.
    m = SEZClusterModel(
        path, policy="merge", rng=3, entry_rate=0.0, fdi_entry_rate=0.0,
        integrator_fdi_scouting=4.0, location_choice_beta=0.5, **kw,
    ).run(until=2016)  # fmt: skip
    f = m.firms
    n = f.n
    scouted = (f.entry_year[:n] >= 2011) & f.foreign[:n] & (f.sector[:n] == 0)
    return m, scouted, f.sez[:n]


def test_anchoring_sends_scouted_investors_to_the_zone_while_it_has_land(small_path):
    m, scouted, sez = _scouted(small_path)
    assert scouted.sum() > 5
    assert np.all(sez[scouted] == 0)  # all in zone1 (opens 2011, land for 60)
    # Without anchoring they choose by the logit (here a weak one): some stay outside.
    _, scouted_off, sez_off = _scouted(small_path, integrator_anchoring=False)
    assert (sez_off[scouted_off] == -1).any()
    # A full zone: no anchoring; the investors stay outside it.
    full, scouted_full, sez_full = _scouted(small_path, **{"sezs.zone1.area_ha": 10.0})
    assert full.territory.sez_capacity[0] == 1
    assert (sez_full[scouted_full] == 0).sum() <= 1
    assert (full.anchor_zone == -1).all()
    # Not under no_merge (no industry channel): nothing is anchored.
    m = SEZClusterModel(small_path, policy="no_merge", rng=3, integrator_fdi_scouting=4.0)
    m.run(until=2012)
    assert (m.anchor_zone == -1).all()


def test_top_per_group_equals_a_stable_sort_then_first_per_group():
    from sim.economy.integrators import first_per_group, top_per_group

    rng = np.random.default_rng(0)
    for trial in range(200):
        n, k = int(rng.integers(1, 300)), int(rng.integers(1, 8))
        score = rng.integers(0, 20, n).astype(float)  # many ties
        if trial % 3 == 0:
            score[rng.random(n) < 0.1] = np.nan
        group = rng.integers(0, 5, n)
        order = np.argsort(-np.where(np.isnan(score), -np.inf, score), kind="stable")
        want = np.sort(order[first_per_group(group[order], k)])
        assert np.array_equal(top_per_group(score, group, k), want), trial
