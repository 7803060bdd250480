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


def test_grants_and_integrator_funding_lower_the_fiscal_balance_by_their_present_value():
    # G4 in the fiscal table: 3 a year of grants and 2 of integrator funding (merge only).
    results = _synthetic()
    merge = results["policy"] == "merge"
    national = results["scope"] == "national"
    results["research_grants"] = (merge & national) * 3.0
    results["integrator_funding"] = (merge & national) * 2.0
    before = fiscal_table(_synthetic(), 2021, 0.1, "million KZT").set_index(["measure", "policy"])
    after = fiscal_table(results, 2021, 0.1, "million KZT").set_index(["measure", "policy"])
    w = 1 + 1 / 1.1
    assert after.loc[("research grants", "merge"), "mean"] == pytest.approx(3 * w)
    assert after.loc[("integrator funding", "merge"), "mean"] == pytest.approx(2 * w)
    assert after.loc[("research grants", "no_merge"), "mean"] == 0.0
    # Results without the columns (older stores) count both lines as 0.
    assert before.loc[("research grants", "merge"), "mean"] == 0.0
    for policy, spent in (("merge", 5 * w), ("no_merge", 0.0), ("merge - no_merge", 5 * w)):
        assert after.loc[("fiscal balance", policy), "mean"] == pytest.approx(
            before.loc[("fiscal balance", policy), "mean"] - spent
        )


def test_turning_grants_on_lowers_the_fiscal_balance_by_exactly_the_grants_booked(tmp_path):
    # The model's own ledger: grants of 2% of taxes plus 50 a year from 2012, integrator
    # funding 1% of taxes. The fiscal balance undiscounted is the sum of the government's
    # yearly balance (G4), and without the two lines it is higher by exactly what the
    # ledger booked for them.
    from tests.test_government import two_institutes

    rules = {
        "research_grants": {"share_of_taxes": 0.02, "fixed": 50.0, "from_year": 2012},
        "integrators": {"share_of_taxes": 0.01},
    }
    m = SEZClusterModel(two_institutes(tmp_path, rules), rng=3).run(until=2015)
    results = m.indicators().assign(policy="merge", replication=0)
    book = m.government.ledger
    table = fiscal_table(results, 2011, 0.0, "million KZT").set_index(["measure", "policy"])
    grants = sum(book[y]["research_grants"] for y in range(2011, 2016))
    funding = sum(book[y]["integrator_funding"] for y in range(2011, 2016))
    assert grants > 0 and funding > 0
    assert table.loc[("research grants", "merge"), "mean"] == pytest.approx(grants, rel=1e-12)
    assert table.loc[("fiscal balance", "merge"), "mean"] == pytest.approx(
        sum(book[y]["balance"] for y in range(2011, 2016)), rel=1e-12
    )
    without = fiscal_table(
        results.drop(columns=["research_grants", "integrator_funding"]), 2011, 0.0, "million KZT"
    ).set_index(["measure", "policy"])
    assert without.loc[("fiscal balance", "merge"), "mean"] - table.loc[
        ("fiscal balance", "merge"), "mean"
    ] == pytest.approx(grants + funding, rel=1e-9)


def test_grants_switched_on_in_the_last_year_lower_the_balance_by_the_grants_booked(tmp_path):
    # Grants paid from 2015, the last year simulated, cannot change any tax (a year's
    # taxes are booked before its budget is spent): with and without them, the fiscal
    # balance differs by exactly the grants the ledger booked.
    from tests.test_government import two_institutes

    def run(rules):
        m = SEZClusterModel(two_institutes(tmp_path, rules), rng=3).run(until=2015)
        results = m.indicators().assign(policy="merge", replication=0)
        table = fiscal_table(results, 2011, 0.08, "million KZT").set_index(["measure", "policy"])
        return table["mean"], m.government.ledger

    off, _ = run(None)
    on, book = run({"research_grants": {"share_of_taxes": 0.02, "fixed": 50.0, "from_year": 2015}})
    grants = book[2015]["research_grants"] / 1.08**4
    assert grants > 0
    assert on["taxes", "merge"] == off["taxes", "merge"]
    assert on["research grants", "merge"] == pytest.approx(grants, rel=1e-12)
    assert off["fiscal balance", "merge"] - on["fiscal balance", "merge"] == pytest.approx(
        grants, rel=1e-9
    )
