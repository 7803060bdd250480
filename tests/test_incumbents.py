"""Incumbents that decide: exporting (X1, X2) and cluster membership (J1, J2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import SEZClusterModel
from sim.agents.firm import PRODUCING
from sim.economy import incumbents as inc

EXPORTS = {"export_decision": True, "export_sunk_annuity": 0.15}


def domestic_producers(m):
    f = m.firms
    return f.view("alive") & (f.view("status") == PRODUCING) & ~f.view("foreign")


def exporters(m):
    return int((domestic_producers(m) & m.firms.view("exporter")).sum())


# ---------------------------------------------------------------- the equations
def test_after_tax_margin_is_d3s():
    # X1: (1 - t_pi (1 - r_pi)) / sigma - t_y (1 - r_y); full relief leaves 1 / sigma.
    m = inc.after_tax_margin(4.0, 0.2, 0.08, np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    assert m == pytest.approx([0.8 / 4 - 0.08, 0.25])


def test_export_decisions_follow_x2():
    rng = np.random.default_rng(7)
    n = 5_000
    decides = rng.random(n) < 0.9
    export_profit = rng.gamma(1.0, 5.0, n)
    exporter = rng.random(n) < 0.4
    profit = rng.normal(10.0, 5.0, n)
    f, s, a = 2.0, 20.0, 0.15
    before_x, before_pi = exporter.copy(), profit.copy()
    started, stopped = inc.export_decisions(decides, export_profit, f, s, a, exporter, profit)
    start = decides & ~before_x & (export_profit > f + a * s)
    stop = decides & before_x & (export_profit < f)
    assert (started, stopped) == (start.sum(), stop.sum()) and started > 0 and stopped > 0
    assert np.array_equal(exporter, (before_x & ~stop) | start)
    # Exporters pay the fixed cost this year (those who stop too), starters the sunk cost.
    paid = np.where(decides & before_x, f, 0.0) + np.where(start, s, 0.0)
    assert np.array_equal(profit, before_pi - paid)
    # The band of hysteresis: between f and f + a S, nobody changes.
    band = decides & (export_profit >= f) & (export_profit <= f + a * s)
    assert np.array_equal(exporter[band], before_x[band])


def test_membership_benefit_closed_form():
    # J1: a non-member gains m Y (e^{(sigma-1) g} - 1); a member loses m Y (1 - e^{-(sigma-1) g}).
    y, m, g, sigma, fee = np.array([100.0, 100.0]), np.array([0.2, 0.2]), 0.1, 4.0, 0.01
    b = inc.membership_benefit(y, m, np.full(2, g), np.array([False, True]), sigma, fee)
    assert b[0] == pytest.approx(20 * (np.exp(0.3) - 1) - 1)
    assert b[1] == pytest.approx(20 * (1 - np.exp(-0.3)) - 1)
    joins, leaves = inc.membership_decisions(
        np.array([-1, -1, 0, 0]),
        np.ones(4, dtype=bool),
        np.array([0, 0, -1, -1]),
        np.array([6.0, 4.0, -np.inf, -np.inf]),
        np.array([0.0, 0.0, 6.0, 4.0]),
        5.0,
    )
    assert joins.tolist() == [True, False, False, False]
    assert leaves.tolist() == [False, False, False, True]


# ---------------------------------------------------------------- the model
def test_switched_off_the_costs_change_nothing(small_path):
    base = SEZClusterModel(small_path, rng=4).run(until=2013)
    off = SEZClusterModel(
        small_path, rng=4, export_fixed_cost=1.0, export_sunk_cost=3.0,
        cluster_membership_cost=50.0,
    ).run(until=2013)  # fmt: skip
    pd.testing.assert_frame_equal(base.indicators(), off.indicators())


def test_a_higher_fixed_export_cost_means_fewer_exporters(small_path):
    def count(fixed):
        m = SEZClusterModel(
            small_path, rng=3, export_fixed_cost=fixed, export_sunk_cost=10.0, **EXPORTS
        )
        return exporters(m.run(until=2014))

    cheap, dear = count(0.5), count(5.0)
    assert cheap > dear > 0


def test_foreign_affiliates_keep_exporting(small_path):
    m = SEZClusterModel(
        small_path, rng=3, export_fixed_cost=1e5, export_sunk_cost=0.0, **EXPORTS
    ).run(until=2012)
    f = m.firms
    decided = f.unique_id[: f.n][domestic_producers(m)]  # they decide in 2013
    m.run(until=2013)
    live = f.view("alive") & (f.view("status") == PRODUCING)
    # No domestic firm earns that much from exporting: all stopped. (This year's
    # entrants and the projects that start producing keep the status drawn at entry, D3,
    # until they decide next year.)
    incumbent = live & np.isin(f.unique_id[: f.n], decided)
    assert incumbent.any() and not f.view("exporter")[incumbent].any()
    # The indicators: the stops of the first year, and the exporters left.
    national = m.indicators().query("scope == 'national'").set_index("year")
    assert national.loc[2010, "export_stops"] > 0 and national["export_starts"].sum() == 0
    assert national.loc[2013, "exporters"] == (live & f.view("exporter")).sum()
    assert national["cluster_joins"].sum() == national["cluster_leaves"].sum() == 0
    assert f.view("exporter")[live & f.view("foreign")].all()


def test_export_relief_in_the_zone_makes_more_incumbents_start_exporting(small_path):
    # The customs relief raises a participant's world freeness (M6), hence its export
    # profit (X1): more of the zone's domestic participants start exporting. Same seed;
    # the relief is the only difference.
    def zone_exporters(relief, seed):
        m = SEZClusterModel(
            small_path, rng=seed, customs_relief=relief, export_fixed_cost=2.0,
            export_sunk_cost=20.0, **EXPORTS,
        ).run(until=2016)  # fmt: skip
        f = m.firms
        zone = domestic_producers(m) & (f.view("sez") >= 0)
        return int((zone & f.view("exporter")).sum()), int(zone.sum())

    more = less = 0
    for seed in (1, 2, 3):
        (with_relief, n1), (without, n0) = zone_exporters(0.8, seed), zone_exporters(0.0, seed)
        more += with_relief / max(n1, 1)
        less += without / max(n0, 1)
    assert more > less


def test_a_sunk_export_cost_makes_a_temporary_boom_leave_more_exporters(small_path):
    # Hysteresis (X2): world demand triples in 2012-2013, then returns. With a sunk
    # cost, the firms it drew into exporting stay (their export profit still covers the
    # fixed cost); without one, status follows this year's profit only.
    def after_boom(sunk, boom):
        m = SEZClusterModel(
            small_path, rng=5, export_fixed_cost=1.0, export_sunk_cost=sunk, **EXPORTS
        )
        m.run(until=2011)
        scale = m.world_scale.copy()
        if boom:
            m.world_scale = scale * 3.0
        m.run(until=2013)
        m.world_scale = scale
        m.run(until=2015)
        return exporters(m)

    kept_with_sunk = after_boom(30.0, True) - after_boom(30.0, False)
    kept_without = after_boom(0.0, True) - after_boom(0.0, False)
    assert kept_with_sunk > 0
    assert kept_with_sunk > kept_without


def test_a_bigger_cluster_benefit_draws_more_incumbents_in(small_path):
    # J1-J2: a stronger integrator (coordination, P4) is worth more to a producer of the
    # cluster's or a related sector in its region; more of the initial firms join.
    def joined(coordination):
        m = SEZClusterModel(
            small_path, policy="no_merge", rng=2, integrator_coordination=coordination,
            cluster_membership_decision=True, cluster_membership_cost=2.0,
        ).run(until=2013)  # fmt: skip
        f = m.firms
        initial = f.view("alive") & (f.view("status") == PRODUCING) & (f.view("entry_year") == 2010)
        # Machinery (related to metal) starts outside the cluster: its members joined.
        return int((initial & (f.view("cluster") >= 0)).sum()), int(
            (initial & (f.view("cluster") >= 0) & (f.view("sector") == 1)).sum()
        )

    (weak, weak_related), (strong, strong_related) = joined(0.0), joined(0.15)
    assert strong > weak
    assert strong_related > weak_related


def test_members_whose_gain_is_below_the_cost_leave(small_path):
    m = SEZClusterModel(
        small_path, policy="no_merge", rng=2, cluster_membership_decision=True,
        cluster_membership_cost=1e5,
    ).run(until=2011)  # fmt: skip
    f = m.firms
    live = f.view("alive") & (f.view("status") == PRODUCING)
    # Every member left in 2010; 2011's entrants joined on entry (D3) and decide next year.
    assert not (live & (f.view("cluster") >= 0) & (f.view("entry_year") < 2011)).any()


def test_without_cluster_channels_nobody_decides_membership(small_path):
    base = SEZClusterModel(small_path, policy="heterodox", rng=4).run(until=2013)
    on = SEZClusterModel(
        small_path, policy="heterodox", rng=4, cluster_membership_decision=True,
        cluster_membership_cost=0.0,
    ).run(until=2013)  # fmt: skip
    pd.testing.assert_frame_equal(base.indicators(), on.indicators())


def test_with_the_decisions_on_merging_through_no_channel_is_still_the_status_quo(small_path):
    # Neither decision is a channel of merging: the decomposition's empty coalition stays
    # the no_merge run, bit for bit, with both switched on.
    on = {**EXPORTS, "export_fixed_cost": 1.0, "export_sunk_cost": 10.0,
          "cluster_membership_decision": True, "cluster_membership_cost": 1.0}  # fmt: skip
    a = SEZClusterModel(small_path, policy="merge", rng=6, merge_channels=[], **on)
    b = SEZClusterModel(small_path, policy="no_merge", rng=6, **on)
    a, b = a.run(until=2016).indicators(), b.run(until=2016).indicators()
    numeric = a.columns[3:]
    assert np.array_equal(a[numeric].to_numpy(), b[numeric].to_numpy(), equal_nan=True)
    # ... and merging through every channel does act through them.
    full = SEZClusterModel(small_path, policy="merge", rng=6, **on).run(until=2016).indicators()
    assert not np.array_equal(full[numeric].to_numpy(), b[numeric].to_numpy(), equal_nan=True)
