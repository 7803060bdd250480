"""The compiled kernels equal their numpy twins, bit for bit."""

from itertools import pairwise

import numpy as np
import pytest

from sim import kernels
from sim.kernels import group_sums


def test_extension_is_built():
    # `pip install -e .` compiles sim/_kernels.c; without it the model falls back to numpy
    # (same results, slower), which CI must not hide.
    assert kernels.COMPILED, "sim._kernels is not built: reinstall with a C compiler"
    # The extension is optional, so a failed rebuild keeps the old one: catch it here.
    from pathlib import Path

    from sim import _kernels

    source = Path(__file__).parents[1] / "sim" / "_kernels.c"
    if source.exists():
        built = Path(_kernels.__file__).stat().st_mtime
        assert built >= source.stat().st_mtime, "sim._kernels is older than its source: rebuild"


def test_group_sums_add_each_bin_in_row_order():
    # The twin's engine: one bin per key value, rows in order (a bincount), so the sum is
    # order-sensitive: it differs from numpy's pairwise sum of the same values.
    rng = np.random.default_rng(3)
    w = rng.lognormal(0, 4, 20_000) * rng.choice([-1.0, 1.0], 20_000)
    region = rng.integers(0, 5, 20_000)
    sez = np.where(rng.random(20_000) < 0.3, rng.integers(0, 3, 20_000), -1)
    got = group_sums(9, (0, (region, 1), (sez, 6)), [w, w > 0])
    assert got[0, 0] == np.bincount(np.zeros(20_000, np.int64), weights=w)[0] != w.sum()
    assert np.array_equal(got[1:6, 0], np.bincount(region, weights=w))
    assert np.array_equal(got[6:, 0], np.bincount(sez[sez >= 0], weights=w[sez >= 0]))
    assert got[0, 1] == (w > 0).sum()


def test_compiled_taxes_equal_the_numpy_formula_bitwise():
    from sim.economy import fiscal
    from sim.kernels import taxes_and_privilege_cost

    rng = np.random.default_rng(11)
    n = 5_000
    profit = rng.normal(0, 50, n)
    profit[:6] = [-0.0, 0.0, np.nan, -np.inf, np.inf, -1e-300]
    args = (
        profit,
        rng.lognormal(3, 2, n),
        rng.lognormal(2, 1, n),
        rng.choice([0.0, 0.5, 1.0], n),
        rng.choice([0.0, 0.25, 1.0], n),
    )
    rates = (0.2, 0.013, 0.095)
    got = taxes_and_privilege_cost(*args, *rates)
    with np.errstate(invalid="ignore"):  # inf * 0 in the edge cases
        want = fiscal.taxes_and_privilege_cost(*args, *rates)
    for g, w in zip(got, want, strict=True):
        # Same bits, NaN where NaN (array_equal would call NaN unequal to itself).
        assert np.array_equal(g.view(np.int64), w.view(np.int64))


def _firms(seed, n=4_000, n_k=5, n_r=7):
    rng = np.random.default_rng(seed)
    sector, region = rng.integers(0, n_k, n), rng.integers(0, n_r, n)
    return rng, sector, region, sector * n_r + region, n_k, n_r


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_market_outcomes_and_firm_accounts_equal_numpy_bitwise(seed):
    from sim.kernels import (
        firm_accounts,
        firm_accounts_numpy,
        market_outcomes,
        market_outcomes_numpy,
    )

    rng, sector, region, cell, n_k, n_r = _firms(seed)
    n = sector.size
    producing = rng.random(n) < 0.8
    p1s = np.where(producing, rng.lognormal(0, 2, n), 0.0)
    access = rng.lognormal(3, 1, n_k * n_r)
    exports = p1s * rng.random(n) * (rng.random(n) < 0.5)
    share, w = rng.random(n_k), rng.lognormal(1, 0.3, n_r)[region]
    outs = [[np.empty(n), np.empty(n)] for _ in range(2)]
    demands = [
        f(p1s, access, cell, exports, share, sector, w, producing, 0.7, region, n_r, *o)
        for f, o in zip((market_outcomes, market_outcomes_numpy), outs, strict=True)
    ]
    assert np.array_equal(demands[0], demands[1])
    assert all(np.array_equal(a, b) for a, b in zip(*outs, strict=True))

    turnover, employment = outs[0]
    z, capital = rng.lognormal(0, 1, n), rng.lognormal(2, 1, n)
    outs = [[np.empty(n), np.empty(n), np.empty(n)] for _ in range(2)]
    emp = [
        f(producing, z, employment, w, turnover, capital, 3.8, 0.7, 0.06, cell, n_k * n_r, *o)
        for f, o in zip((firm_accounts, firm_accounts_numpy), outs, strict=True)
    ]
    assert np.array_equal(emp[0], emp[1])
    assert all(np.array_equal(a, b) for a, b in zip(*outs, strict=True))
    assert (outs[0][2][~producing] == 0).all() and (outs[0][2][producing] != 0).all()


def test_market_outcomes_rejects_an_index_out_of_range():
    from sim.kernels import market_outcomes

    if not kernels.COMPILED:
        pytest.skip("numpy twin raises numpy's own IndexError")
    _, sector, region, cell, n_k, n_r = _firms(3, n=10)
    cell[4] = n_k * n_r  # one past the table
    ones = np.ones(10)
    with pytest.raises(IndexError, match="row 4"):
        market_outcomes(
            ones, np.ones(n_k * n_r), cell, ones, np.ones(n_k), sector, ones,
            np.ones(10, bool), 0.5, region, n_r, np.empty(10), np.empty(10),
        )  # fmt: skip


def test_invest_equals_numpy_bitwise_with_edge_values():
    from sim.kernels import invest, invest_numpy

    rng = np.random.default_rng(8)
    n = 6_000
    status = rng.integers(0, 3, n)
    producing, project = status == 1, status == 2
    turnover = rng.lognormal(2, 2, n) * (rng.random(n) < 0.9)
    planned = rng.lognormal(3, 1, n)
    capital = rng.lognormal(3, 1, n)
    capital[:8] = [0.0, -0.0, np.nan, np.inf, 1e-300, 0.0, planned[6], 5.0]
    turnover[:8] = [0.0, 0.0, 1.0, 1.0, 0.0, np.nan, 1.0, -0.0]
    years = rng.integers(-1, 4, n)
    results = []
    for f in (invest, invest_numpy):
        k, out = capital.copy(), np.empty(n)
        with np.errstate(all="ignore"):
            f(producing, project, k, turnover, planned, years, 2.5, 0.06, 0.3, out)
        results.append((k, out))
    for a, b in zip(*results, strict=True):
        assert np.array_equal(a.view(np.int64), b.view(np.int64))


def test_log_productivity_equals_the_numpy_sum_bitwise():
    from sim.economy import productivity as prod

    rng, _, _, cell, n_k, n_r = _firms(9)
    n = cell.size
    agglo = rng.normal(0, 0.3, n_k * n_r)
    infra = np.where(rng.random(n) < 0.2, rng.random(n), 0.0)
    coord = np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
    args = (rng.normal(0, 1, n), rng.normal(0, 0.2, n))
    got = kernels.log_productivity(*args, agglo, cell, np.log1p(infra), np.log1p(coord))
    want = prod.log_productivity(*args, agglo[cell], infra, coord)
    assert np.array_equal(got, want)
    assert np.array_equal(want, args[0] + args[1] + agglo[cell] + np.log1p(infra) + np.log1p(coord))


@pytest.mark.parametrize("channels, colocate", [(True, True), (True, False), (False, True)])
def test_privileges_equal_the_numpy_twin_bitwise(channels, colocate):
    rng = np.random.default_rng(4)
    n, n_z, n_c, n_k, n_r = 6_000, 5, 4, 6, 7
    firm = {
        "sez": np.where(rng.random(n) < 0.3, rng.integers(0, n_z, n), -1),
        "sector": rng.integers(0, n_k, n),
        "cluster": np.where(rng.random(n) < 0.4, rng.integers(0, n_c, n), -1),
        "region": rng.integers(0, n_r, n),
    }
    sez_open = np.array([True, False, True, True, False])
    priority = rng.random((n_z, n_k)) < 0.4
    zone = {name: rng.normal(0, 1, (n_z, 2)) for name in ("level", "phi", "log1p_infrastructure")}
    cluster = {name: rng.normal(0, 1, n_c) for name in ("level", "phi", "log1p_infrastructure")}
    cluster["level"][1] = np.nan  # a cluster without an open zone: no privileges
    cluster |= {
        "region": rng.integers(0, n_r, n_c),
        "log1p_coordination": rng.normal(0, 1, (n_c, 2)),
        "links": rng.normal(1, 1, (n_c, 2)),
    }
    args = (firm, sez_open, priority, zone, cluster, 0.7, 0.5, -0.0, channels, colocate)
    got, want = kernels.privileges(*args), kernels.privileges_numpy(*args)
    assert list(got) == list(want) == list(kernels.PRIVILEGE_OUTPUTS)
    for name in got:
        assert np.array_equal(got[name].view(np.int64), want[name].view(np.int64)), name
    outside = (firm["sez"] < 0) & (firm["cluster"] < 0)
    assert (got["level"][outside] == 0).all() and (got["phi_w"][outside] == 0.7).all()
    assert (got["links"][firm["cluster"] < 0] == 1).all()


def test_numpy_twins_give_the_same_run_as_the_kernels(tmp_path, small_path):
    # The whole model on the twins (SEZSIM_NO_KERNELS=1, as without a C compiler) gives
    # the same indicator table, bit for bit, as on the compiled kernels.
    import os
    import subprocess
    import sys

    import pandas as pd

    from sim import SEZClusterModel

    out = tmp_path / "twins.pkl"
    code = (
        "import sys, sim.kernels as k; from sim import SEZClusterModel;"
        "assert not k.COMPILED;"
        f"m = SEZClusterModel({str(small_path)!r}, policy='merge', rng=11).run();"
        f"m.indicators().to_pickle({str(out)!r})"
    )
    env = {**os.environ, "SEZSIM_NO_KERNELS": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    compiled = SEZClusterModel(small_path, policy="merge", rng=11).run().indicators()
    pd.testing.assert_frame_equal(pd.read_pickle(out), compiled, check_exact=True)


def test_scope_totals_equal_the_numpy_twin_bitwise(small_path):
    from sim import SEZClusterModel
    from sim.agents.firm import PRODUCING
    from sim.kernels import SCOPE_INPUTS, scope_totals, scope_totals_numpy

    m = SEZClusterModel(small_path, rng=6, exit_rate=0.2).run(2016)
    f = m.firms
    left = np.random.default_rng(0).random(f.n) < 0.05
    args = (
        {name: f.view(name) for name in SCOPE_INPUTS},
        left,
        m.government.sez_open,
        1.0 / m.params.sigma + m.territory.labour_share,
        2012,
        PRODUCING,
        m.n_regions,
        m.n_clusters,
    )
    got, want = scope_totals(*args), scope_totals_numpy(*args)
    assert got.shape == (1 + m.n_regions + m.n_sezs + m.n_clusters, 21)
    assert np.array_equal(got, want)
    assert got[0, -2] == left.sum() > 0  # exits, national


def test_kernels_reject_arrays_of_the_wrong_type_or_length():
    if not kernels.COMPILED:
        pytest.skip("the numpy twins raise numpy's own errors")
    from sim import _kernels

    ones, out = np.ones(5), [np.empty(5), np.empty(5)]
    with pytest.raises(ValueError, match="has 4 rows, expected 5"):
        _kernels.taxes(ones, ones, np.ones(4), ones, ones, 0.2, 0.01, 0.1, *out)
    with pytest.raises(TypeError, match="format"):
        _kernels.taxes(ones, ones, ones.astype(np.float32), ones, ones, 0.2, 0.01, 0.1, *out)
    readonly = np.empty(5)
    readonly.flags.writeable = False
    with pytest.raises((ValueError, BufferError), match="writable"):
        _kernels.taxes(ones, ones, ones, ones, ones, 0.2, 0.01, 0.1, readonly, out[1])


class _Agent:
    pos = None


@pytest.mark.parametrize("path", ["compiled", "python"])
def test_new_and_drop_agents_keep_registries_as_the_python_loop_does(path):
    # new_agents/drop_agents (C) and their Python twins: the same agents, attributes and
    # registry order; dropping skips None slots and agents already gone from a dict.
    if path == "compiled" and not kernels.COMPILED:
        pytest.skip("extension not built")
    new = kernels.new_agents if path == "compiled" else kernels.new_agents_python
    drop = kernels.drop_agents if path == "compiled" else kernels.drop_agents_python
    model, registry, own = object(), {"other": None}, {}
    lst = new(_Agent, model, np.array([7, 8, 10, 11, 15]), registry, own)
    assert [type(a) for a in lst] == [_Agent] * 5
    assert [a.unique_id for a in lst] == [7, 8, 10, 11, 15]
    assert all(type(a.unique_id) is int for a in lst)
    assert all(a.model is model and a.pos is None for a in lst)
    assert list(registry) == ["other", *lst] and list(own) == lst
    assert new(_Agent, model, np.empty(0, np.int64), registry, own) == []
    del own[lst[3]]  # already gone from one registry: skipped there, removed elsewhere
    keep = list(lst)
    drop(lst, np.array([1, 3, 4, 1]), own, registry)
    assert lst == [keep[0], None, keep[2], None, None]
    assert list(registry) == ["other", keep[0], keep[2]] and list(own) == [keep[0], keep[2]]
    with pytest.raises(IndexError, match="slot 5 out of range"):
        drop(lst, np.array([0, 5]), own, registry)
    assert list(own) == [keep[0], keep[2]]  # nothing changed before the error


def test_trade_flows_equal_numpy_bitwise():
    rng, sector, region, cell, n_k, n_r = _firms(5)
    n = sector.size
    p1s = rng.lognormal(0, 3, n) * (rng.random(n) < 0.9)
    p1s[:5] = [np.inf, np.nan, -0.0, 1e-300, 0.0]
    phi_w = rng.choice([0.0, 0.3, 0.75], n)
    foreign, exporter = rng.random(n) < 0.2, rng.random(n) < 0.6
    scale = rng.lognormal(0, 1, n_k)
    args = (p1s, foreign, exporter, phi_w, cell, sector, region, scale, 4.0, n_k * n_r, n_r)
    got_x, want_x = np.empty(n), np.empty(n)
    with np.errstate(invalid="ignore"):  # inf * 0 in the edge rows
        want = kernels.trade_flows_numpy(*args, want_x)
    got = kernels.trade_flows(*args, got_x)
    for g, w in zip((*got, got_x), (*want, want_x), strict=True):
        # Same bits wherever the result is a number, NaN where NaN. Which of two NaNs an
        # addition keeps (sign, payload) is the compiler's choice and carries no meaning.
        nan = np.isnan(w)
        assert np.array_equal(np.isnan(g), nan)
        assert np.array_equal(g[~nan].view(np.int64), w[~nan].view(np.int64))
    assert np.isnan(got[0][cell[1]]) and got_x[4] == 0.0


def test_entry_census_equals_the_numpy_twin():
    rng = np.random.default_rng(8)
    n, n_k, n_z = 7_000, 9, 4
    args = (
        rng.integers(0, n_k - 1, n),  # the last sector has no firm: an empty group
        rng.random(n) < 0.85,
        rng.integers(0, 2, n).astype(np.int8),
        np.where(rng.random(n) < 0.3, rng.integers(0, n_z, n), -1),
        rng.lognormal(0, 2, n) * (rng.random(n) < 0.5),
        1,
        n_k,
        n_z,
    )
    got, want = kernels.entry_census(*args), kernels.entry_census_numpy(*args)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and np.array_equal(g, w)
    rows, bounds = got[0], got[1]
    assert bounds[-1] == rows.size == (args[1] & (args[2] == 1)).sum()
    assert bounds[-1] == bounds[-2]  # empty last group


def test_group_rows_equals_a_stable_sort():
    rng = np.random.default_rng(2)
    keys = rng.integers(0, 6, 5_000)
    mask = rng.random(5_000) < 0.7
    keys[~mask] = -9  # rows outside the mask may hold any key
    got, want = kernels.group_rows(keys, mask, 7), kernels.group_rows_numpy(keys, mask, 7)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype == np.int64 and np.array_equal(g, w)
    rows, bounds = got
    assert bounds[-1] == bounds[-2] == mask.sum()  # group 6 is empty
    assert all((keys[rows[a:b]] == k).all() for k, (a, b) in enumerate(pairwise(bounds)))
    if kernels.COMPILED:
        with pytest.raises(IndexError, match="key 5 out of range"):
            kernels.group_rows(keys, mask, 5)


def test_innovation_kernels_equal_numpy_bitwise():
    rng, _, _, cell, n_k, n_r = _firms(12)
    n = cell.size
    access = rng.lognormal(0, 1, n_k * n_r)
    links = rng.choice([1.0, 2.0, 2.5], n)
    got = kernels.innovation_hazard(access, cell, links, 0.03, 0.7)
    want = 0.03 * (1.0 + 0.7 * (access[cell] * links))
    assert np.array_equal(got.view(np.int64), want.view(np.int64))
    drawn, producing = rng.random(n) < 0.3, rng.random(n) < 0.8
    gap = np.where(rng.random(n) < 0.5, rng.random(n), 0.0)
    knowledge = rng.normal(0, 1, n)
    got_k, got_i = knowledge.copy(), np.zeros(n, bool)
    kernels.absorb_knowledge(drawn, producing, gap, 0.05, 0.2, got_k, got_i)
    want_i = drawn & producing
    want_k = knowledge + (0.05 * want_i + 0.2 * gap)
    assert np.array_equal(got_i, want_i)
    assert np.array_equal(got_k.view(np.int64), want_k.view(np.int64))


def test_taxes_write_into_given_arrays():
    from sim.kernels import taxes_and_privilege_cost

    rng = np.random.default_rng(1)
    args = (rng.normal(0, 9, 50), rng.lognormal(2, 1, 50), rng.lognormal(1, 1, 50))
    relief = (np.full(50, 0.5), np.zeros(50))
    out = (np.empty(50), np.empty(50))
    got = taxes_and_privilege_cost(*args, *relief, 0.2, 0.01, 0.1, out=out)
    assert got[0] is out[0] and got[1] is out[1]
    for g, w in zip(got, taxes_and_privilege_cost(*args, *relief, 0.2, 0.01, 0.1), strict=True):
        assert np.array_equal(g, w)


def test_exits_equal_the_numpy_twin():
    rng = np.random.default_rng(21)
    n = 8_000
    profit = rng.normal(0, 5, n)
    profit[:3] = [np.nan, -0.0, 0.0]
    args = (
        rng.random(n) < 0.9,
        rng.integers(0, 2, n).astype(np.int8),
        profit,
        rng.random(n),
        rng.random(n),
    )
    got = kernels.exits(*args, 0.05, 0.3, 0.1, 1, 0)
    want = kernels.exits_numpy(*args, 0.05, (1.0 - 0.05) * 0.3, 0.1, 1, 0)
    assert got.dtype == np.int64 and np.array_equal(got, want) and 0 < got.size < n
