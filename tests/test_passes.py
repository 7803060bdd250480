"""The per-firm passes compiled with Numba compute the equations they cite.

Each pass is checked against the same equation written as plain numpy expressions in
the test (the oracle), on random firms with edge values, and for the properties the
model relies on (grouping in row order, outputs written in place).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economy import firm_dynamics as dyn
from sim.economy import fiscal, market
from sim.economy import productivity as prod
from sim.economy.privileges import firm_privileges
from sim.indicators import SCOPE_COUNTS, SCOPE_SUMS, scope_totals


def _firms(seed, n=4_000, n_k=5, n_r=7):
    rng = np.random.default_rng(seed)
    sector, region = rng.integers(0, n_k, n), rng.integers(0, n_r, n)
    return rng, sector, region, sector * n_r + region, n_k, n_r


def test_taxes_follow_f1_f2_and_return_their_totals():
    rng = np.random.default_rng(11)
    n = 5_000
    profit = rng.normal(0, 50, n)
    turnover, wages = rng.lognormal(3, 2, n), rng.lognormal(2, 1, n)
    r_pi, r_y = rng.choice([0.0, 0.5, 1.0], n), rng.choice([0.0, 0.25, 1.0], n)
    customs = rng.choice([0.0, 0.5, 1.0], n)
    paid, cost = np.empty(n), np.empty(n)
    total = fiscal.taxes_and_privilege_cost(
        profit, turnover, wages, r_pi, r_y, 0.2, 0.013, 0.095, customs, 0.012, paid, cost
    )
    base_pi, base_y = 0.2 * np.maximum(profit, 0), 0.013 * turnover
    want_paid = base_pi * (1 - r_pi) + base_y * (1 - r_y) + 0.095 * wages
    want_cost = base_pi * r_pi + base_y * r_y + 0.012 * turnover * customs
    assert np.allclose(paid, want_paid, rtol=1e-14) and np.allclose(cost, want_cost, rtol=1e-14)
    assert total == pytest.approx((want_paid.sum(), want_cost.sum()), rel=1e-12)
    assert (cost[(r_pi == 0) & (r_y == 0) & (customs == 0)] == 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_market_outcomes_and_firm_accounts_follow_m6_and_profit(seed):
    rng, sector, region, cell, n_k, n_r = _firms(seed)
    n = sector.size
    producing = rng.random(n) < 0.8
    p1s = np.where(producing, rng.lognormal(0, 2, n), 0.0)
    access = rng.lognormal(3, 1, n_k * n_r)
    exports = p1s * rng.random(n) * (rng.random(n) < 0.5)
    share, w = rng.random(n_k), rng.lognormal(1, 0.3, n_r)[region]
    turnover, employment = np.empty(n), np.empty(n)
    demand = market.market_outcomes(
        p1s, access, cell, exports, share, sector, w, producing, 0.7, region, n_r,
        turnover, employment,
    )  # fmt: skip
    assert np.array_equal(turnover, p1s * access[cell] + exports)
    want_emp = np.where(producing, share[sector] * turnover / w + 0.7, 0.0)
    assert np.array_equal(employment, want_emp)
    assert np.allclose(demand, np.bincount(region, weights=want_emp, minlength=n_r))

    z, capital = rng.lognormal(0, 1, n), rng.lognormal(2, 1, n)
    out = [np.empty(n), np.empty(n), np.empty(n)]
    emp = market.firm_accounts(
        producing, z, employment, w, turnover, capital, 3.8, 0.7, 0.06, cell, n_k * n_r, *out
    )
    productivity, wage_bill, profit = out
    assert np.array_equal(productivity, np.where(producing, z, 0.0))
    assert np.array_equal(wage_bill, employment * w)
    want = np.where(producing, turnover / 3.8 - w * 0.7 - 0.06 * capital, 0.0)
    assert np.array_equal(profit, want)
    assert np.allclose(emp, np.bincount(cell, weights=employment, minlength=n_k * n_r))


def test_trade_flows_follow_m2_m5_m6():
    rng, sector, region, cell, n_k, n_r = _firms(5)
    n = sector.size
    p1s = np.where(rng.random(n) < 0.8, rng.lognormal(0, 2, n), 0.0)
    foreign, exporter = rng.random(n) < 0.2, rng.random(n) < 0.4
    phi_w, scale = rng.random(n), rng.lognormal(0, 1, n_k)
    exports = np.full(n, np.nan)
    supply, dom, income = market.trade_flows(
        p1s, foreign, exporter, phi_w, cell, sector, region, scale, 3.8, n_k * n_r, n_r, exports
    )
    want_x = np.where(exporter, p1s * phi_w * scale[sector], 0.0)
    assert np.array_equal(exports, want_x)
    assert np.allclose(supply, np.bincount(cell, weights=p1s, minlength=n_k * n_r))
    assert np.allclose(dom, np.bincount(cell, weights=p1s * ~foreign, minlength=n_k * n_r))
    want_income = np.bincount(region, weights=want_x / 3.8 * ~foreign, minlength=n_r)
    assert np.allclose(income, want_income)


def test_invest_follows_d2_and_builds_projects():
    rng = np.random.default_rng(8)
    n = 6_000
    status = rng.integers(0, 3, n)
    producing, project = status == 1, status == 2
    turnover, planned = rng.lognormal(2, 2, n), rng.lognormal(3, 1, n)
    capital = rng.lognormal(3, 1, n)
    years = rng.integers(-1, 4, n)
    k, out = capital.copy(), np.empty(n)
    dyn.invest(producing, project, k, turnover, planned, years, 2.5, 0.06, 0.3, out)
    inv = np.maximum(0.0, 0.06 * capital + 0.3 * (2.5 * turnover - capital))
    build = np.maximum(planned - capital, 0.0) / np.maximum(years, 1)
    want = np.where(producing, inv, np.where(project, build, 0.0))
    assert np.allclose(out, want, rtol=1e-14)
    want_k = np.where(producing, 0.94 * capital, capital) + want
    assert np.allclose(k, want_k, rtol=1e-14)
    assert (out >= 0).all()


def test_log_productivity_sums_p1_to_p4():
    rng, _, _, cell, n_k, n_r = _firms(9)
    n = cell.size
    agglo = rng.normal(0, 0.3, n_k * n_r)
    infra = np.where(rng.random(n) < 0.2, rng.random(n), 0.0)
    coord = np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
    log_q, know = rng.normal(0, 1, n), rng.normal(0, 0.2, n)
    got = prod.log_productivity(log_q, know, agglo, cell, np.log1p(infra), np.log1p(coord))
    assert np.array_equal(got, log_q + know + agglo[cell] + np.log1p(infra) + np.log1p(coord))


@pytest.mark.parametrize("channels, colocate", [(True, True), (True, False), (False, True)])
def test_privileges_read_the_zone_then_the_cluster_table(channels, colocate):
    rng = np.random.default_rng(4)
    n, n_z, n_c, n_k, n_r = 6_000, 5, 4, 6, 7
    sez = np.where(rng.random(n) < 0.3, rng.integers(0, n_z, n), -1)
    sector = rng.integers(0, n_k, n)
    cluster = np.where(rng.random(n) < 0.4, rng.integers(0, n_c, n), -1)
    region = rng.integers(0, n_r, n)
    sez_open = np.array([True, False, True, True, False])
    priority = rng.random((n_z, n_k)) < 0.4
    z_level, z_phi, z_infra = (rng.normal(0, 1, (n_z, 2)) for _ in range(3))
    c_level, c_phi, c_infra = (rng.normal(0, 1, n_c) for _ in range(3))
    c_level[1] = np.nan  # a cluster without an open zone: no privileges
    c_region = rng.integers(0, n_r, n_c)
    c_coord, c_links = rng.normal(0, 1, (n_c, 2)), rng.normal(1, 1, (n_c, 2))
    via_merge = rng.random(n) < 0.2
    cluster_zone = rng.random((n_c, n_z)) < 0.5
    finance, industry, pooling = colocate, channels, 0.03
    level, r_pi, r_y, phi, infra, links, coord = firm_privileges(
        sez, sector, cluster, region, via_merge, sez_open, priority, z_level, z_phi, z_infra,
        c_level, c_phi, c_infra, c_region, c_coord, c_links, cluster_zone, finance, industry,
        pooling, 0.7, 0.5, 0.25, channels, colocate,
    )  # fmt: skip
    in_zone = (sez >= 0) & sez_open[np.maximum(sez, 0)]
    q = priority[np.maximum(sez, 0), sector].astype(int)
    # Firms in via merging get reliefs through finance, infrastructure through industry.
    relieved = in_zone & (finance | ~via_merge)
    assert np.array_equal(level[relieved], z_level[sez, q][relieved])
    assert np.array_equal(phi[relieved], z_phi[sez, q][relieved])
    assert (level[in_zone & ~relieved] == 0).all() and (phi[in_zone & ~relieved] == 0.7).all()
    built = in_zone & (industry | ~via_merge)
    pooled = (cluster >= 0) & cluster_zone[np.maximum(cluster, 0), np.maximum(sez, 0)]
    want = np.where(built, z_infra[sez, q], 0.0) + np.where(pooled, pooling, 0.0)
    assert np.array_equal(infra[in_zone], want[in_zone])
    member = ~in_zone & (cluster >= 0) & ~np.isnan(c_level[np.maximum(cluster, 0)])
    assert np.array_equal(level[member], c_level[cluster[member]])
    assert np.array_equal(infra[member], c_infra[cluster[member]])
    outside = ~in_zone & ~member
    assert (level[outside] == 0).all() and (phi[outside] == 0.7).all()
    assert (infra[outside] == 0).all()
    assert np.array_equal(r_pi, level * 0.5) and np.array_equal(r_y, level * 0.25)
    assert (links[cluster < 0] == 1).all() and (coord[cluster < 0] == 0).all()
    m = cluster >= 0
    j = (colocate & (region[m] == c_region[cluster[m]])).astype(int)
    if channels:
        assert np.array_equal(links[m], c_links[cluster[m], j])
        assert np.array_equal(coord[m], c_coord[cluster[m], j])
    else:
        assert (links == 1).all() and (coord == 0).all()


def test_group_rows_equals_a_stable_sort_and_rejects_bad_keys():
    rng = np.random.default_rng(2)
    keys = rng.integers(0, 7, 10_000)
    mask = rng.random(10_000) < 0.6
    rows, bounds = dyn.group_rows(keys, mask, 7)
    masked = np.flatnonzero(mask)
    want = masked[np.argsort(keys[masked], kind="stable")]
    assert np.array_equal(rows, want)
    assert np.array_equal(np.diff(bounds), np.bincount(keys[mask], minlength=7))
    with pytest.raises(IndexError):
        dyn.group_rows(keys, mask, 5)


def test_entry_census_answers_the_plain_questions():
    rng, sector, _, _, n_k, _ = _firms(6)
    n = sector.size
    alive, status = rng.random(n) < 0.8, rng.integers(0, 2, n).astype(np.int8)
    sez = np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), -1)
    exports = rng.random(n)
    rows, bounds, exports_k, registered = dyn.entry_census(
        sector, alive, status, sez, exports, 1, n_k, 3
    )
    for k in range(n_k):
        want = np.flatnonzero(alive & (status == 1) & (sector == k))
        assert np.array_equal(rows[bounds[k] : bounds[k + 1]], want)
    assert np.allclose(exports_k, np.bincount(sector, weights=exports, minlength=n_k))
    assert np.array_equal(registered, np.bincount(sez[alive & (sez >= 0)], minlength=3))


def test_innovation_passes_follow_d1_and_p5():
    rng, _, _, cell, n_k, n_r = _firms(12)
    n = cell.size
    access, links = rng.random(n_k * n_r), rng.choice([1.0, 1.5], n)
    hazard = dyn.innovation_hazard(access, cell, links, 0.03, 0.7)
    assert np.allclose(hazard, 0.03 * (1 + 0.7 * access[cell] * links), rtol=1e-15)
    drawn, producing, gap = rng.random(n) < 0.3, rng.random(n) < 0.8, rng.random(n)
    knowledge, innovated = rng.random(n), np.zeros(n, bool)
    start = knowledge.copy()
    dyn.absorb_knowledge(drawn, producing, gap, 0.05, 0.2, knowledge, innovated)
    assert np.array_equal(innovated, drawn & producing)
    assert np.allclose(knowledge, start + 0.05 * innovated + 0.2 * gap, rtol=1e-15)


def test_exits_follow_d5():
    rng = np.random.default_rng(13)
    n = 20_000
    alive, status = rng.random(n) < 0.9, rng.integers(0, 2, n).astype(np.int8)
    profit, u_exit, u_abandon = rng.normal(0, 1, n), rng.random(n), rng.random(n)
    rows = dyn.exits(alive, status, profit, u_exit, u_abandon, 0.05, 0.3, 0.1, 1, 0)
    p = 0.05 + 0.95 * 0.3 * (profit < 0)
    gone = alive & (((status == 1) & (u_exit < p)) | ((status == 0) & (u_abandon < 0.1)))
    assert np.array_equal(rows, np.flatnonzero(gone))


def test_scope_totals_equal_bincounts_per_scope():
    rng, sector, region, _, n_k, n_r = _firms(14, n=3_000)
    n = sector.size
    cols = {
        "alive": rng.random(n) < 0.9,
        "status": rng.integers(0, 2, n).astype(np.int8),
        "foreign": rng.random(n) < 0.2,
        "sez": np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), -1),
        "cluster": np.where(rng.random(n) < 0.3, rng.integers(0, 2, n), -1),
        "region": region,
        "sector": sector,
        "entry_year": rng.integers(2000, 2003, n),
        "innovated": rng.random(n) < 0.1,
    }
    values = {
        name: rng.lognormal(0, 1, n)
        for name in ("turnover", "investment", "exports", "employment", "wage_bill", "taxes",
                     "privilege_cost", "capital", "productivity")
    }  # fmt: skip
    left = rng.random(n) < 0.05
    sez_open = np.array([True, False, True])
    va = rng.random(n_k)
    out = scope_totals(*cols.values(), left, sez_open, va, *values.values(), 2002, 1, n_r, 2)
    assert out.shape == (1 + n_r + 3 + 2, len(SCOPE_SUMS) + len(SCOPE_COUNTS))
    col = {name: j for j, name in enumerate((*SCOPE_SUMS, *SCOPE_COUNTS))}
    a, sez = cols["alive"], cols["sez"]
    producing = a & (cols["status"] == 1)
    in_open = (sez >= 0) & sez_open[np.maximum(sez, 0)]
    assert np.allclose(out[1 : 1 + n_r, col["turnover"]],
                       np.bincount(region, weights=values["turnover"], minlength=n_r))  # fmt: skip
    assert np.allclose(out[0, col["value_added"]], (values["turnover"] * va[sector]).sum())
    assert out[0, col["firms"]] == a.sum() and out[0, col["exits"]] == left.sum()
    assert out[0, col["sez_active"]] == (producing & in_open).sum()
    zones = out[1 + n_r : 4 + n_r, col["sez_registered"]]
    assert np.array_equal(zones, np.bincount(sez[a & in_open], minlength=3))
    clusters = out[4 + n_r :, col["cluster_members"]]
    assert np.array_equal(
        clusters, np.bincount(cols["cluster"][producing & (cols["cluster"] >= 0)], minlength=2)
    )
    assert out[0, col["entrants"]] == (a & (cols["entry_year"] == 2002)).sum()
