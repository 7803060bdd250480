"""Fiscal balance and jobs of a policy (sim/experiments/fiscal.py) and what feeds them."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from sim import SEZClusterModel
from sim.experiments.fiscal import fiscal_table, jobs_table


def _results(rows):
    return pd.DataFrame(
        rows, columns=["policy", "replication", "year", "scope", "name", "taxes",
                       "privilege_cost", "infrastructure_spending", "employment"],
    )  # fmt: skip


def _synthetic():
    rows = []
    for policy, k, year in itertools.product(("merge", "no_merge"), range(4), (2020, 2021, 2022)):
        extra = 10.0 if policy == "merge" else 0.0
        rows.append((policy, k, year, "national", "national", 100.0 + extra + k, 5.0 + extra / 2,
                     20.0 if year == 2021 else 0.0, 1000.0 + 3 * extra))  # fmt: skip
        rows.append((policy, k, year, "sez", "z1", 30.0 + extra, 0.0, 0.0, 200.0 + 10 * extra))
    return _results(rows)


def test_fiscal_balance_is_the_discounted_taxes_net_of_privileges_and_infrastructure():
    table = fiscal_table(_synthetic(), policy_year=2021, discount_rate=0.1, currency="million KZT")
    get = table.set_index(["measure", "policy"])["mean"]
    w = 1 + 1 / 1.1  # 2021 and 2022 discounted to 2021; 2020 is before the policy year
    mean_k = 1.5
    assert get["taxes", "no_merge"] == pytest.approx((100 + mean_k) * w)
    assert get["infrastructure spending", "merge"] == pytest.approx(20.0)
    assert get["fiscal balance", "merge"] == pytest.approx((110 + mean_k - 10) * w - 20)
    assert get["fiscal balance", "merge - no_merge"] == pytest.approx((10 - 5) * w)
    assert get["extra taxes per tenge of extra privileges", "merge - no_merge"] == pytest.approx(2)
    assert get["zone taxes per tenge of privileges", "no_merge"] == pytest.approx(30 / 5)
    rows = table.dropna(subset=["ci_low"])
    assert (rows.ci_low <= rows["mean"] + 1e-9).all() and (
        rows["mean"] <= rows.ci_high + 1e-9
    ).all()


def test_displacement_is_the_share_of_zone_jobs_not_new_to_the_country():
    table = jobs_table(_synthetic(), [2021])
    get = table.set_index(["measure", "policy"])["mean"]
    assert get["zone jobs", "merge - no_merge"] == pytest.approx(100.0)
    assert get["national jobs (net)", "merge - no_merge"] == pytest.approx(30.0)
    assert get["displacement share", "merge - no_merge"] == pytest.approx(0.7)


def test_zone_infrastructure_is_booked_in_its_opening_year(small_path):
    m = SEZClusterModel(small_path, rng=1, infrastructure_cost_per_ha=2.0).run(until=2016)
    national = m.indicators().query("scope == 'national'").set_index("year")
    spending = national["infrastructure_spending"]
    assert spending[2015] == pytest.approx(2.0 * 300)  # zone2 (300 ha) opens in 2015
    assert spending[2011] == pytest.approx(2.0 * 600)  # zone1 (600 ha) opens in 2011
    assert spending[2012] == 0.0
    assert m.government.ledger[2015]["infrastructure_spending"] == pytest.approx(600.0)


def test_customs_exemption_adds_duty_forgone_to_the_privilege_cost(small_path):
    def cost(duty):
        m = SEZClusterModel(small_path, rng=1, customs_duty_rate=duty).run(until=2013)
        return m.indicators().query("scope == 'national'").set_index("year")["privilege_cost"]

    without, with_duty = cost(0.0), cost(0.1)
    assert (with_duty.loc[2012:] > without.loc[2012:]).all()
    assert (with_duty.loc[:2011] == 0).all() and (without.loc[:2011] == 0).all()
