"""The government's budget and rules (docs/ODD.md 7.10, G1-G4): review, grants, identity."""

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import SEZClusterModel
from sim.economy import budget
from sim.scenario import ScenarioError, load_scenario
from tests.conftest import ROOT, SMALL


def national(m):
    return m.indicators().query("scope == 'national'").set_index("year")


def two_institutes(tmp_path, rules=None):
    """The small scenario with a second institute (capacity 1) and optional rules."""
    data = yaml.safe_load(SMALL.read_text())
    data["clusters"][0]["institutes"].append(
        {"name": "Second Institute", "field": "metal", "capacity": 1.0}
    )
    if rules is not None:
        data["government"] = rules
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_zone_missing_its_targets_is_closed_at_its_review(small_path):
    # G3: zone1 opens in 2011; reviewed every 2 years, first in 2013. It cannot have 10^4
    # participants, so it closes in 2013 instead of 2025: its firms lose it.
    m = SEZClusterModel(
        small_path,
        policy="no_merge",
        rng=5,
        **{
            "government.zone_review.every_years": 2,
            "government.zone_review.zones": {"zone1": {"participants": 10_000}},
        },
    )
    m.run(until=2012)
    assert m.government.sez_open[0]
    m.step()  # 2013: the review
    assert m.government.closes[0] == 2013 and not m.government.sez_open[0]
    f = m.firms
    assert not (f.view("alive") & (f.view("sez") == 0)).any()
    df = m.indicators().query("year == 2013").set_index("name")
    assert df.loc["national", "zones_closed_by_review"] == 1
    assert df.loc["zone1", "zones_closed_by_review"] == 1
    assert df.loc["zone2", "zones_closed_by_review"] == 0
    assert df.loc["north", "zones_closed_by_review"] == 1
    # zone2 (default targets: none) meets them; it is not closed.
    m.run(until=2020)
    assert m.government.sez_open[1]
    assert national(m)["zones_closed_by_review"].sum() == 1


def test_a_zone_meeting_its_targets_is_extended_before_it_would_close(small_path):
    # zone1 closes in 2025 by law; reviewed every 4 years from its opening (2011): the
    # 2023 review finds it within 4 years of closing, and it meets its (zero) targets.
    m = SEZClusterModel(small_path, rng=5, **{"government.zone_review.every_years": 4})
    m.run(until=2023)
    assert m.government.closes[0] == 2025 + 5
    m.step()
    m.step()  # 2025: still open
    assert m.government.sez_open[0]
    off = SEZClusterModel(
        small_path, rng=5, **{"government.zone_review.every_years": 4,
                              "government.zone_review.on_meet": "keep"}
    ).run(until=2025)  # fmt: skip
    assert not off.government.sez_open[0]


def test_a_zone_missing_its_targets_can_be_shrunk_instead(small_path):
    m = SEZClusterModel(
        small_path,
        rng=5,
        **{
            "government.zone_review.every_years": 2,
            "government.zone_review.on_miss": "shrink",
            "government.zone_review.shrink_share": 0.25,
            "government.zone_review.targets.investment": 1e12,
        },
    )
    before = m.territory.sez_capacity.copy()
    m.run(until=2013)
    assert m.territory.sez_capacity[0] == np.floor(before[0] * 0.75)
    assert m.territory.sez_capacity[1] == before[1]  # zone2 opens in 2015: no review yet
    assert m.government.sez_open[0]
    assert national(m).loc[2013, "zones_shrunk_by_review"] == 1


def test_without_review_zones_keep_their_legal_periods(small_path):
    # every_years = 0 (the default) is no review whatever the targets: the same run.
    base = SEZClusterModel(small_path, rng=2).run(until=2020)
    off = SEZClusterModel(
        small_path, rng=2, **{"government.zone_review.targets.participants": 10_000}
    ).run(until=2020)
    pd.testing.assert_frame_equal(base.indicators(), off.indicators())
    assert national(off)["zones_closed_by_review"].sum() == 0


def test_budget_identity_holds_every_year(tmp_path):
    rules = {
        "research_grants": {"share_of_taxes": 0.02, "fixed": 50.0},
        "integrators": {"share_of_taxes": 0.01},
    }
    m = SEZClusterModel(two_institutes(tmp_path, rules), rng=3).run(until=2016)
    nat = national(m)
    for year, book in m.government.ledger.items():
        assert book["revenue"] == book["taxes"]
        assert book["spending"] == pytest.approx(
            book["privilege_cost"]
            + book["infrastructure_spending"]
            + book["research_grants"]
            + book["integrator_funding"],
            rel=1e-12,
        )
        assert book["revenue"] == pytest.approx(book["spending"] + book["balance"], rel=1e-12)
        # G1: grants are the rule's share of the year's taxes plus the fixed amount.
        assert book["research_grants"] == pytest.approx(0.02 * book["taxes"] + 50.0)
        assert book["integrator_funding"] == pytest.approx(0.01 * book["taxes"])
        assert nat.loc[year, "budget_balance"] == book["balance"]
        assert nat.loc[year, "research_grants"] == pytest.approx(book["research_grants"])
        assert nat.loc[year, "taxes"] == pytest.approx(book["taxes"], rel=1e-12)
    # Integrator funding reaches the cluster (the only one has the integrator).
    cl = m.indicators().query("scope == 'cluster' and year == 2016")
    assert cl["integrator_funding"].iloc[0] == pytest.approx(
        m.government.ledger[2016]["integrator_funding"]
    )


@pytest.mark.parametrize(("allocation", "ratio"), [("capacity", 2.0), ("equal", 1.0)])
def test_grants_follow_the_rules_file(tmp_path, allocation, ratio):
    # G2: the rules file says how much (a share of taxes) and to whom.
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        yaml.safe_dump(
            {
                "research_grants": {
                    "share_of_taxes": 0.01,
                    "allocation": allocation,
                    "from_year": 2012,
                }
            }
        )
    )
    m = SEZClusterModel(two_institutes(tmp_path, "rules.yaml"), rng=3)
    first, second = list(m.institutes)
    m.step()  # 2010: before from_year, nothing
    m.step()  # 2011
    assert first.grant == second.grant == 0.0
    m.step()  # 2012
    taxes = m.government.ledger[2012]["taxes"]
    assert first.grant + second.grant == pytest.approx(0.01 * taxes)
    assert first.grant / second.grant == pytest.approx(ratio)


def test_the_kazakhstan_rules_file_loads_and_its_values_reach_the_government():
    s = load_scenario(
        ROOT / "scenarios" / "kazakhstan.yaml",
        overrides={
            "government": "rules/kazakhstan_budget.yaml",
            "government.zone_review.every_years": 3,
        },
    )
    g = s.government
    assert g.research_grants.share_of_taxes > 0 and g.zone_review.every_years == 3


def test_rules_errors_name_the_file_the_field_and_what_is_allowed(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("zone_review:\n  on_miss: abolish\nresearch_grant: {}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(two_institutes(tmp_path, "rules.yaml"))
    text = str(err.value)
    assert str(rules) in text
    assert "zone_review.on_miss" in text and "'close' or 'shrink'" in text
    assert "research_grant: unknown field" in text and "research_grants" in text
    # A target for a zone the scenario does not have is an error of the scenario.
    with pytest.raises(ScenarioError) as err:
        load_scenario(two_institutes(tmp_path, {"zone_review": {"zones": {"zone9": {}}}}))
    assert "government.zone_review.zones.zone9" in str(err.value)
    assert "allowed: zone1, zone2" in str(err.value)


def test_allocation_splits_the_total_and_review_is_due_every_n_years():
    assert budget.allocate(10.0, np.array([1.0, 3.0])).tolist() == [2.5, 7.5]
    assert budget.allocate(10.0, np.zeros(4)).tolist() == [2.5] * 4
    assert budget.allocate(10.0, np.zeros(0)).size == 0
    opens = np.array([2010, 2011, 2020])
    open_now = np.array([True, True, False])
    assert budget.review_due(2013, opens, open_now, 3).tolist() == [True, False, False]
    assert budget.review_due(2010, opens, open_now, 0).tolist() == [False] * 3


def test_integrator_funding_reaches_the_integrators_budget(tmp_path):
    # G2 -> N1: what the ledger books as integrator funding is the integrator's budget
    # (no fee here), so it works harder (N2) than an unfunded one.
    rules = {"integrators": {"fixed": 300.0}}
    m = SEZClusterModel(two_institutes(tmp_path, rules), rng=3).run(until=2012)
    (integrator,) = list(m.integrators)
    assert m.government.ledger[2012]["integrator_funding"] == pytest.approx(300.0)
    assert integrator.budget == pytest.approx(300.0)
    assert integrator.effort > 1.0
