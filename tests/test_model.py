"""SEZClusterModel: determinism, policies, invariants, schedule, Mesa integration."""

import mesa
import numpy as np
import pandas as pd
import pytest

from sim import SEZClusterModel, load_scenario
from sim.agents import Firm, Government, Integrator, ResearchInstitute
from sim.agents.firm import PRODUCING
from sim.indicators import INDICATORS


def run(path, policy="merge", seed=1, **kw):
    return SEZClusterModel(path, policy=policy, rng=seed, **kw).run()


def test_same_seed_gives_bit_identical_tables(small_path):
    a = run(small_path, seed=7).indicators()
    b = run(small_path, seed=7).indicators()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_different_seeds_differ(small_path):
    a = run(small_path, seed=1).indicators()
    b = run(small_path, seed=2).indicators()
    assert not a["turnover"].equals(b["turnover"])


def test_scenario_object_and_path_give_the_same_run(small_path):
    a = run(small_path, seed=3).indicators()
    b = run(load_scenario(small_path), seed=3).indicators()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_indicator_table_is_tidy_with_calendar_years(small_path):
    m = run(small_path)
    df = m.indicators()
    assert list(df.columns[:3]) == ["year", "scope", "name"]
    assert set(INDICATORS.names) <= set(df.columns)
    assert df["year"].min() == 2010 and df["year"].max() == 2030
    per_year = 1 + len(m.spec.regions) + len(m.spec.sezs) + len(m.spec.clusters)
    assert (df.groupby("year").size() == per_year).all()
    assert set(df["scope"]) == {"national", "region", "sez", "cluster"}


def test_run_until_stops_at_that_year(small_path):
    m = SEZClusterModel(small_path, rng=1).run(until=2014)
    assert m.indicators()["year"].max() == 2014 and m.year == 2015 and m.running


def _member_productivity(path, policy):
    m = SEZClusterModel(path, policy=policy, rng=5)
    m.step()  # 2010: zone1 not open yet
    m.step()  # 2011: zone1 opens; merged members get privileges
    f = m.firms
    initial = f.view("alive") & (f.view("entry_year") == 2010) & (f.view("cluster") == 0)
    return f.view("productivity")[initial], m


def test_merge_raises_cluster_members_productivity_over_no_merge(small_path):
    # Same seed, same initial firms: merge adds SEZ infrastructure to members outside
    # the zone and co-located integrator coordination (P3, P4).
    merged, _ = _member_productivity(small_path, "merge")
    separate, _ = _member_productivity(small_path, "no_merge")
    assert merged.size == separate.size > 0
    assert merged.mean() > separate.mean()


def test_heterodox_switches_cluster_channels_off(small_path):
    m = run(small_path, policy="heterodox")
    assert all(i.links_brokered == 0 for i in m.integrators)
    assert m.firms.link_src.size == 0
    # Heterodox SEZs admit foreign investors only.
    f = m.firms
    in_zone = f.view("sez") >= 0
    entered_later = f.view("entry_year") > 2010
    assert not (in_zone & entered_later & ~f.view("foreign")).any()


def test_territory_variant_gives_members_outside_the_zone_privileges(small_path):
    # The older reading of merging, kept as a switch: privileges for the whole cluster
    # territory. Registration is priced out so that members stay outside the zone.
    m = SEZClusterModel(
        small_path, policy="merge", rng=2, cluster_territory_privileges=True, registration_cost=1e4
    )
    m.run(until=2012)
    f = m.firms
    # Privileges are granted at the start of the year, to the firms present then.
    granted = m.privilege_level.size
    members_outside = (f.view("alive") & (f.view("cluster") == 0) & (f.view("sez") < 0))[:granted]
    assert members_outside.any()
    assert (m.privilege_level[members_outside] > 0).all()
    n = SEZClusterModel(small_path, policy="no_merge", rng=2).run(until=2012)
    g = n.firms
    outside = (g.view("alive") & (g.view("sez") < 0))[: n.privilege_level.size]
    assert (n.privilege_level[outside] == 0).all()


@pytest.mark.parametrize("policy", ["merge", "no_merge", "heterodox"])
def test_invariants_hold_every_year(small_path, policy):
    m = SEZClusterModel(small_path, policy=policy, rng=11)
    while m.running:
        m.step()
        f = m.firms
        alive = f.view("alive")
        for col in (
            "capital",
            "turnover",
            "exports",
            "employment",
            "investment",
            "taxes",
            "privilege_cost",
            "wage_bill",
        ):
            assert (f.view(col) >= 0).all(), col
        assert (f.view("exports") <= f.view("turnover") + 1e-9).all()
        emp_r = np.bincount(f.view("region"), f.view("employment"), minlength=m.n_regions)
        assert (emp_r <= m.labour_force * (1 + 1e-12)).all()
        year = m.last_year
        booked = m.government.ledger[year]["taxes"]
        nat = m.recorder.last_national("taxes")
        assert nat == pytest.approx(booked, rel=1e-12)
        assert m.recorder.last_national("privilege_cost") == pytest.approx(
            m.government.ledger[year]["privilege_cost"], rel=1e-12
        )
        # Every live firm is a registered Mesa agent and vice versa.
        assert len(m.agents_by_type[Firm]) == int(alive.sum())
        zones = m.government.sez_open
        registered = np.bincount(
            np.maximum(f.view("sez"), 0), weights=(f.view("sez") >= 0) & alive, minlength=m.n_sezs
        )
        assert (registered <= m.territory.sez_capacity + 1e-9).all()
        assert (registered[~zones] == 0).all() or year < 2011


def test_zones_open_and_close_on_their_periods(small_path):
    m = run(small_path, policy="no_merge", seed=4)
    df = m.indicators()
    z1 = df[(df.scope == "sez") & (df.name == "zone1")].set_index("year")
    z2 = df[(df.scope == "sez") & (df.name == "zone2")].set_index("year")
    assert z1.loc[2010, "sez_registered"] == 0  # opens 2011
    assert z1.loc[2025:, "sez_registered"].eq(0).all()  # closes 2025
    assert z1.loc[2012:2024, "sez_registered"].gt(0).any()
    assert z2.loc[:2014, "sez_registered"].eq(0).all()


def test_registered_exceed_active_while_projects_are_built(small_path):
    m = run(small_path, policy="merge", seed=4)
    nat = m.indicators().query("scope == 'national'").set_index("year")
    assert (nat["sez_registered"] >= nat["sez_active"]).all()
    assert (nat["sez_registered"] > nat["sez_active"]).any()


def test_agents_know_their_region_cell_and_state(small_path):
    m = SEZClusterModel(small_path, rng=1)
    firm = next(iter(m.agents_by_type[Firm]))
    assert firm.region in {"north", "south", "west"}
    assert firm.cell is m.space[firm.region]
    assert firm.producing and firm.employment > 0 and firm.output > 0
    assert len(m.agents_by_type[Government]) == 1
    assert len(m.agents_by_type[Integrator]) == 1
    assert len(m.agents_by_type[ResearchInstitute]) == 1


def test_merge_colocates_integrator_and_institutes_in_the_sez_region(tmp_path):
    import yaml

    from tests.conftest import SMALL

    data = yaml.safe_load(SMALL.read_text())
    data["clusters"][0]["region"] = "west"  # anchor away from the paired zone (north)
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(data))
    merged = SEZClusterModel(p, policy="merge", rng=1)
    apart = SEZClusterModel(p, policy="no_merge", rng=1)
    # Before the policy year (the first step here) both sit at the anchor.
    assert next(iter(merged.integrators)).region == 2
    merged.step()
    apart.step()
    assert next(iter(merged.integrators)).region == 0  # north hosts zone1
    assert next(iter(apart.integrators)).region == 2  # west, the anchor
    assert {i.region for i in merged.institutes} == {0}
    # Through the innovation channel only: without it the actors stay at the anchor.
    other = SEZClusterModel(p, policy="merge", rng=1, merge_channels=["finance"])
    other.step()
    assert next(iter(other.integrators)).region == 2


def test_parameter_overrides_reach_the_model(small_path):
    m = SEZClusterModel(small_path, rng=1, sigma=6.0, parameters={"entry_rate": 0.0})
    assert m.params.sigma == 6.0 and m.params.entry_rate == 0.0


def test_compaction_keeps_agents_aligned_with_rows(small_path):
    m = SEZClusterModel(small_path, rng=1, exit_rate=0.3, entry_rate=0.3)
    for _ in range(10):
        m.step()
        f = m.firms
        for row, agent in enumerate(f.agents):
            if agent is not None:
                assert agent.row == row and f.alive[row]


def test_batch_run_works_with_the_model(small_path):
    results = mesa.batch_run(
        SEZClusterModel,
        parameters={"scenario": str(small_path), "policy": ["merge", "no_merge"]},
        rng=[1, 2],
        max_steps=5,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 4
    assert set(df["policy"]) == {"merge", "no_merge"}
    assert (df["year"] == 2014).all()
    assert (df["turnover"] > 0).all()


def test_producing_status_constant():
    assert PRODUCING == 1


def test_finished_model_is_freed(small_path):
    # Agents point to their model; whatever holds the agents must be visible to the cycle
    # collector (a numpy object column is not), or every model of a sweep stays in memory.
    import gc
    import weakref

    model = SEZClusterModel(small_path, rng=3)
    model.run(model.year + 3)
    assert model.firms.agents.size > 0
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_agent_signal_observers_see_every_firm(small_path):
    # With an observer on the model's agent signals the batch path steps aside: every
    # firm is created by Firm(model) and removed by agent.remove(), one signal each.
    from mesa.experimental.mesa_signals.signal_types import ModelSignals

    plain = SEZClusterModel(small_path, rng=5).run(2012)
    model = SEZClusterModel(small_path, rng=5)

    class Log:  # handlers are held by weak reference: bound methods of a live object
        def __init__(self):
            self.seen = []

        def note(self, signal):
            self.seen.append(signal)

    added, removed = Log(), Log()
    initial, first_new_id = len(model.agents_by_type[Firm]), model.agent_id_counter
    model.observe("agents", ModelSignals.AGENT_ADDED, added.note)
    model.observe("agents", ModelSignals.AGENT_REMOVED, removed.note)
    model.run(2012)
    pd.testing.assert_frame_equal(plain.indicators(), model.indicators())
    assert len(added.seen) == model.agent_id_counter - first_new_id > 0
    live_now = len(model.agents_by_type[Firm])
    assert len(removed.seen) == initial + len(added.seen) - live_now > 0
    f = model.firms
    rows = np.flatnonzero(f.view("alive"))
    live = f.agents[rows]
    assert all(a is not None and a.row == r for a, r in zip(live, rows, strict=True))
    assert {a.unique_id for a in model.agents_by_type[Firm]} == {a.unique_id for a in live}
    # The batch path leaves Mesa's registries as one-at-a-time registration does: the
    # same agents, in the same order, with the same attributes.
    for got, want in ((plain.agents, model.agents), (plain.agents_by_type[Firm], live)):
        assert [(a.unique_id, type(a)) for a in got] == [(a.unique_id, type(a)) for a in want]
    assert all(a.model is plain for a in plain.agents)


def test_rows_dead_before_a_year_have_zero_flows_after_it(small_path):
    # Compaction does not zero dead rows: the year's stages rewrite every flow, and a
    # dead row gets exactly zero. Checked here for every flow, every year.
    flows = ("turnover", "exports", "employment", "wage_bill", "profit", "taxes",
             "privilege_cost", "investment", "innovated", "productivity")  # fmt: skip

    m = SEZClusterModel(small_path, rng=2, exit_rate=0.2, entry_rate=0.2)
    checked = 0
    for _ in range(12):
        f = m.firms
        dead_ids = f.unique_id[: f.n][~f.view("alive")]
        m.step()
        f = m.firms
        ids = f.unique_id[: f.n]
        rows = np.searchsorted(ids, dead_ids)
        rows = rows[(rows < f.n) & (ids[np.minimum(rows, f.n - 1)] == dead_ids)]
        for name in flows:
            assert not f.view(name)[rows].any(), name
        checked += rows.size
    assert checked > 0


def test_entry_book_groups_the_producers_of_each_sector(small_path):
    # The census (firm_dynamics.entry_census) against the plain numpy questions it answers.
    from sim.agents.firm import PRODUCING
    from sim.processes.entry import EntryBook

    m = SEZClusterModel(small_path, rng=4).run(2013)
    f = m.firms
    book = EntryBook(m)
    producing = f.view("alive") & (f.view("status") == PRODUCING)
    for k in range(m.n_sectors):
        want = np.flatnonzero(producing & (f.view("sector") == k))
        assert np.array_equal(book.producers(k), want)
    assert np.array_equal(
        book.exports_k,
        np.bincount(f.view("sector"), weights=f.view("exports"), minlength=m.n_sectors),
    )
    sez = f.view("sez")
    in_zone = f.view("alive") & (sez >= 0)
    assert np.array_equal(book.registered, np.bincount(sez[in_zone], minlength=m.n_sezs))
    assert book.bounds[-1] == producing.sum() > 0


def test_members_of_every_cluster_in_one_pass_match_the_query(small_path):
    m = SEZClusterModel(small_path, rng=4).run(2014)
    from sim.processes.clusters import members_by_cluster

    by_cluster = members_by_cluster(m)
    assert sum(rows.size for rows in by_cluster) > 0
    for c, rows in enumerate(by_cluster):
        assert np.array_equal(rows, m.cluster_members(c))


@pytest.mark.parametrize("policy", ["merge", "no_merge"])
def test_entrants_cluster_table_matches_the_territory_rule(policy):
    # The first of a sector's clusters whose territory holds the region or the zone.
    from sim.processes.entry import EntryBook, cluster_territory

    m = SEZClusterModel("scenarios/kazakhstan.yaml", policy=policy, rng=1)
    rng = np.random.default_rng(0)
    region = rng.integers(0, m.n_regions, 500)
    zone = rng.integers(-1, m.n_sezs, 500)
    # The tables are kept on the model across years; a new cluster-zone assignment
    # (here: every cluster merged with zone 0 as well) must give new ones.
    for change in (False, True):
        if change:
            m.government.cluster_sezs = [sorted({0, *z}) for z in m.government.cluster_sezs]
        book = EntryBook(m)
        checked = 0
        for k in range(m.n_sectors):
            want = np.full(500, -1)
            for c in np.flatnonzero(m.territory.cluster_sector == k):
                regions, zones = cluster_territory(m, int(c))
                inside = np.isin(region, list(regions)) | np.isin(zone, zones)
                want[(want < 0) & inside] = c
            assert np.array_equal(book.cluster_table(k)[region, zone], want)
            assert book.merged_zones(k) == {
                z
                for c, zones in enumerate(m.government.cluster_sezs)
                if m.territory.cluster_sector[c] == k
                for z in zones
            }
            checked += int((want >= 0).sum())
        assert checked > 0


def test_firm_agents_are_made_when_someone_looks(small_path):
    # FirmAgents: a plain run makes no Firm object; the first look at the registries
    # makes the agents of the live firms, which an agent set taken earlier sees too.
    import gc

    from sim.agents.firm import Firm

    def firm_objects():
        return sum(type(o) is Firm for o in gc.get_objects())

    model = SEZClusterModel(small_path, rng=5)
    held = model.agents_by_type[Firm]  # taken at the start, read after the run
    model.run(2014)
    assert model.firm_agents.pending and firm_objects() == 0
    alive = model.firms.view("alive")
    assert len(held) == int(alive.sum()) == firm_objects()
    assert not model.firm_agents.pending
    ids = [a.unique_id for a in held]
    assert ids == sorted(ids) == model.firms.view("unique_id")[alive].tolist()


def test_an_agent_registered_mid_run_keeps_mesa_order(small_path):
    # Another agent registering makes the waiting firm agents first, so model.agents stays
    # in order of unique_id, as with one-at-a-time registration.
    model = SEZClusterModel(small_path, rng=5)
    model.run(2011)
    visitor = mesa.Agent(model)
    model.run(2013)
    ids = [a.unique_id for a in model.agents]
    assert ids == sorted(ids) and visitor.unique_id in ids
    assert visitor.unique_id > model.firms.view("unique_id")[0]
    assert type(model.agents_by_type[mesa.Agent]) is not type(model.agents_by_type[Firm])


def test_a_pickled_model_carries_on_as_the_original(small_path):
    import pickle

    model = SEZClusterModel(small_path, rng=8)
    model.run(2012)
    copy = pickle.loads(pickle.dumps(model))
    model.run(2015)
    copy.run(2015)
    pd.testing.assert_frame_equal(model.indicators(), copy.indicators(), check_exact=True)
    assert [a.unique_id for a in model.agents] == [a.unique_id for a in copy.agents]
    assert all(a.model is copy for a in copy.agents)


def test_malloc_tuning_is_on_for_glibc_and_can_be_switched_off():
    # keep_freed_memory raises glibc's mmap and trim thresholds once per process; results
    # never depend on it (the golden tests run with it), and SEZSIM_DEFAULT_MALLOC=1 keeps
    # glibc's defaults.
    import os
    import platform
    import subprocess
    import sys

    code = "from sim.model import keep_freed_memory; print(keep_freed_memory())"
    on = platform.libc_ver()[0] == "glibc"
    for env, want in (({}, on), ({"SEZSIM_DEFAULT_MALLOC": "1"}, False)):
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == str(want)


# ---------------------------------------------------------------- policy year and merge
def _national(model, name):
    table = model.indicators().query("scope == 'national'").set_index("year")
    return table[name]


@pytest.mark.parametrize("policy", ["merge", "no_merge", "heterodox"])
@pytest.mark.parametrize("start", [None, 2012])
def test_baseline_is_the_same_for_every_policy(small_path, policy, start):
    # The start-up solve does not depend on the policy: the world-demand scale is
    # computed under the status quo at the economy's own initial agglomeration, and the
    # start-up exports equal the scenario's world demand.
    m = SEZClusterModel(small_path, policy=policy, rng=4, policy_start_year=start)
    ref = SEZClusterModel(small_path, policy="no_merge", rng=4)
    assert np.array_equal(m.world_scale, ref.world_scale)
    world_demand = sum(s.world_demand for s in m.spec.sectors)
    assert m.firms.view("exports").sum() == pytest.approx(world_demand, rel=1e-12)
    assert np.array_equal(m.firms.view("turnover"), ref.firms.view("turnover"))


def test_all_policies_are_bit_identical_before_the_policy_year(small_path):
    tables = {
        pol: SEZClusterModel(small_path, policy=pol, rng=9, policy_start_year=2016)
        .run(until=2020)
        .indicators()
        for pol in ("merge", "no_merge", "heterodox")
    }
    numeric = tables["merge"].columns[3:]
    before = {pol: t[t.year < 2016][numeric].to_numpy() for pol, t in tables.items()}
    after = {pol: t[t.year >= 2016][numeric].to_numpy() for pol, t in tables.items()}
    assert np.array_equal(before["merge"], before["no_merge"], equal_nan=True)
    assert np.array_equal(before["heterodox"], before["no_merge"], equal_nan=True)
    assert not np.array_equal(after["merge"], after["no_merge"], equal_nan=True)
    # The status quo's first year under the study policy is the policy year.
    exports = _national(
        SEZClusterModel(small_path, rng=9, policy_start_year=2016).run(2016), "exports"
    )
    assert exports.index.min() == 2010


def test_policy_start_year_outside_the_scenario_is_a_scenario_error(small_path):
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="policy_start_year"):
        SEZClusterModel(small_path, policy_start_year=2031)


def test_merged_members_register_when_it_pays_and_the_land_allows(small_path):
    # Members in the cluster zone's region register under merge (their gain is the
    # relief, the infrastructure and the labour pool); none under no_merge.
    def registered(policy, **kw):
        m = SEZClusterModel(small_path, policy=policy, rng=3, **kw).run(until=2012)
        f = m.firms
        member = f.view("alive") & (f.view("cluster") == 0)
        return int((member & f.view("via_merge")).sum()), m

    base, _ = registered("merge")
    assert base > 0
    assert registered("no_merge")[0] == 0
    # Through the finance channel alone the gain is the relief: none without it, and
    # more members come in as the relief grows.
    counts = [
        registered(
            "merge", merge_channels=["finance"], registration_cost=2.0,
            profit_tax_relief=r, other_tax_relief=r, customs_relief=r,
        )[0]
        for r in (0.0, 0.05, 1.0)
    ]  # fmt: skip
    assert counts[0] == 0 and counts[0] <= counts[1] < counts[2]
    # Priced out entirely: nobody registers.
    assert registered("merge", registration_cost=1e4)[0] == 0
    # Land binds: a zone that holds a few participants takes no more than that.
    _, model = registered("merge", **{"sezs.zone1.area_ha": 40.0})
    capacity = int(model.territory.sez_capacity[0])
    in_zone = model.firms.view("alive") & (model.firms.view("sez") == 0)
    assert in_zone.sum() <= capacity < base


def test_without_merge_channels_merge_is_the_status_quo(small_path):
    # Merging through no channel at all changes nothing: the decomposition's empty
    # coalition is the no_merge run, bit for bit.
    a = SEZClusterModel(small_path, policy="merge", rng=6, merge_channels=[]).run().indicators()
    b = SEZClusterModel(small_path, policy="no_merge", rng=6).run().indicators()
    numeric = a.columns[3:]
    assert np.array_equal(a[numeric].to_numpy(), b[numeric].to_numpy(), equal_nan=True)


def test_differentiated_benefits_matter_on_kazakhstan_through_the_value_chain():
    # Every Kazakh cluster's sector is a priority of its paired zones, so differentiated
    # benefits change nothing unless the cluster zone also hosts the cluster's value
    # chain (related sectors, outside the zone's priorities): then they do.
    import dataclasses

    from sim.policy import POLICIES

    flat = dataclasses.replace(POLICIES["merge"], name="merge_flat", differentiated_benefits=False)

    def table(policy, **kw):
        m = SEZClusterModel("scenarios/kazakhstan.yaml", policy=policy, rng=5, **kw)
        frame = m.run(until=2026).indicators()
        return frame[frame.columns[3:]].to_numpy()

    assert not np.array_equal(table("merge"), table(flat), equal_nan=True)
    off = {"cluster_zone_value_chain": False}
    assert np.array_equal(table("merge", **off), table(flat, **off), equal_nan=True)


# ------------------------------------------------- exports and the Armington nest (M6a)
def _incumbents_exports(small_path, eta, count):
    """Exports of the start-up exporters of metal (sector 0) after one market stage,
    with ``count`` more metal exporters in the south (region 1)."""
    from sim.processes import markets, privileges

    m = SEZClusterModel(small_path, policy="no_merge", rng=3, export_armington_elasticity=eta)
    f = m.firms
    n0 = f.n
    incumbents = f.view("exporter")[:n0] & (f.view("sector")[:n0] == 0)
    if count:
        m.add_firms(
            count, status=PRODUCING, sector=0, region=1, sez=-1, cluster=-1, exporter=True,
            log_q=np.zeros(count), entry_year=m.year,
        )  # fmt: skip
    privileges.grant_privileges(m)
    markets.produce_and_trade(m, m.year)
    return f.view("exports")[:n0][incumbents], m


@pytest.mark.parametrize("eta", [1.0, 2.5])
def test_more_kazakh_exporters_lower_each_exporters_sales_with_the_nest(small_path, eta):
    # M6a: 40 more metal exporters share the world's demand for Kazakh metal, so each
    # start-up exporter sells less abroad, and an entrant expects less (D3a reads the
    # same export demand); without the nest (M6) their exports do not change.
    base, m0 = _incumbents_exports(small_path, eta, 0)
    more, m1 = _incumbents_exports(small_path, eta, 40)
    assert base.size and (more < base).all()
    assert m1.export_demand[0] < m0.export_demand[0]
    assert m1.export_demand[1] == pytest.approx(m0.export_demand[1], rel=1e-12)
    off_base, _ = _incumbents_exports(small_path, None, 0)
    off_more, _ = _incumbents_exports(small_path, None, 40)
    assert np.array_equal(off_more, off_base)
    # The start-up economy sells the scenario's world demand, nest or not.
    start = SEZClusterModel(small_path, rng=4, export_armington_elasticity=eta)
    world_demand = sum(s.world_demand for s in start.spec.sectors)
    assert start.firms.view("exports").sum() == pytest.approx(world_demand, rel=1e-9)


def test_outer_elasticity_above_sigma_is_refused(small_path):
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="must not exceed sigma"):
        SEZClusterModel(small_path, export_armington_elasticity=5.0)


# ------------------------------------------------- input-output linkages (M8, M9)
def _with_extra_firms(small_path, share, sector, region, count=40):
    """The start-up economy of the small scenario, with ``count`` more producers of
    ``sector`` in ``region`` (none if count is 0), after two rounds of production (the
    linkages act with a one-year lag). Sectors: metal (0) buys from and sells to
    machines (1); regions: north (0), south (1), west (2)."""
    from sim.processes import markets, privileges

    m = SEZClusterModel(small_path, policy="no_merge", rng=3, intermediate_share=share)
    if count:
        m.add_firms(
            count, status=PRODUCING, sector=sector, region=region, sez=-1, cluster=-1,
            log_q=np.zeros(count), entry_year=m.year,
        )  # fmt: skip
    privileges.grant_privileges(m)
    for _ in range(2):
        markets.produce_and_trade(m, m.year)
    return m


def test_suppliers_gain_market_access_where_buyers_settle(small_path):
    # Backward (demand) linkage, M9: 40 more metal firms in the south raise the access
    # of machinery makers there to buyers' demand, more than in the north (where metal
    # firms lose sales to the newcomers), and their sales to buyers; without linkages
    # there is no such demand.
    base = _with_extra_firms(small_path, 0.3, 0, 1, count=0)
    more = _with_extra_firms(small_path, 0.3, 0, 1)
    rise = more.input_access[1] / base.input_access[1]
    assert rise[1] > 1.0 and rise[1] > rise[0]  # (north's metal firms lose sales)

    def sales_to_buyers(m):
        f = m.firms
        here = f.view("alive") & (f.view("sector") == 1) & (f.view("region") == 1)
        z, w = f.view("productivity")[here], m.wages[1]
        p1s = (w * m.input_cost[1, 1] / z) ** (1.0 - m.params.sigma)
        return (p1s * m.input_access[1, 1]).sum()

    assert sales_to_buyers(more) > sales_to_buyers(base) > 0
    assert _with_extra_firms(small_path, 0.0, 0, 1).input_access is None


def test_buyers_get_cheaper_inputs_where_suppliers_settle(small_path):
    # Forward (cost) linkage, M8: 40 more machinery firms in the west lower the unit
    # cost of the metal firms there (their input price index falls), more than in the
    # north; without linkages unit costs are the wage over productivity.
    base = _with_extra_firms(small_path, 0.3, 1, 2, count=0).input_cost
    more = _with_extra_firms(small_path, 0.3, 1, 2).input_cost
    assert more[0, 2] < base[0, 2]
    assert more[0, 2] / base[0, 2] < more[0, 0] / base[0, 0]
    off = _with_extra_firms(small_path, 0.0, 1, 2)
    assert off.input_cost is None and not off.input_linkages


def test_linkages_raise_turnover_by_intermediate_sales(small_path):
    # M9: suppliers sell to buyers as well as to consumers; the start-up exports still
    # equal world demand (the start-up solve includes the linkages).
    on = SEZClusterModel(small_path, rng=4, intermediate_share=0.3)
    off = SEZClusterModel(small_path, rng=4, intermediate_share=0.0)
    assert on.firms.view("turnover").sum() > off.firms.view("turnover").sum()
    world_demand = sum(s.world_demand for s in on.spec.sectors)
    assert on.firms.view("exports").sum() == pytest.approx(world_demand, rel=1e-9)
    # The reference makes the output-weighted mean of H / H_ref one at the start.
    y, h = on.turnover_kr, on.input_term
    assert (y * h).sum(axis=1) / y.sum(axis=1) == pytest.approx(on.input_reference)


def _sized_small(tmp_path, **group):
    """The small scenario with a size distribution for metal and one big metal group."""
    import yaml

    from tests.conftest import SMALL

    data = yaml.safe_load(SMALL.read_text())
    data["firm_sizes"] = [
        {
            "id": "metal_sizes",
            "sectors": ["metal"],
            "bands": [
                {"min": 1, "max": 100, "share": 0.9},
                {"min": 101, "max": 1000, "share": 0.1},
            ],
        }
    ]
    data["firms"].append({"region": "south", "sector": "metal", "count": 4000, **group})
    path = tmp_path / "sized.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_initial_firms_draw_their_sizes_from_the_sector_distribution(tmp_path):
    path = _sized_small(tmp_path)
    m = SEZClusterModel(path, policy="no_merge", rng=5)
    f, p = m.firms, m.params
    start = f.view("entry_year") == 2010
    own = f.view("log_q") - p.foreign_productivity_premium * f.view("foreign")
    size = m.mean_size * np.exp((p.sigma - 1.0) * own)  # log q = log(s / mean) / (sigma - 1)
    metal, south = f.view("sector") == 0, f.view("region") == 1
    drawn = size[start & metal & south & (f.view("cluster") < 0)]
    assert drawn.size == 4000
    assert drawn.min() >= 1.0 - 1e-9 and drawn.max() <= 1000.0 + 1e-9
    assert 0.87 < np.mean(drawn <= 100.0) < 0.93  # 0.9 +- 6 standard errors
    # The cluster keeps its employment: its drawn sizes are scaled to add up to it.
    members = size[start & (f.view("cluster") == 0)]
    assert members.size == 30
    assert members.sum() == pytest.approx(12000.0, rel=1e-9)
    assert members.std() > 0  # drawn, not one size for all
    # Machines have no size distribution: one size per group, plus the N(0, s.d.) draw.
    machines = own[start & (f.view("sector") == 1) & (f.view("region") == 1)]
    assert 0.3 < machines.std() < 0.9  # productivity_dispersion 0.6, 60 firms


def test_sized_scenarios_are_reproducible_and_entrants_draw_sizes_too(tmp_path):
    path = _sized_small(tmp_path)
    a = SEZClusterModel(path, policy="merge", rng=8).run(until=2016)
    b = SEZClusterModel(path, policy="merge", rng=8).run(until=2016)
    pd.testing.assert_frame_equal(a.indicators(), b.indicators())
    f, p = a.firms, a.params
    new = f.view("alive") & (f.view("entry_year") > 2010) & (f.view("sector") == 0)
    own = f.view("log_q")[new] - p.foreign_productivity_premium * f.view("foreign")[new]
    size = a.mean_size * np.exp((p.sigma - 1.0) * own)
    assert new.sum() > 20
    assert size.min() >= 1.0 - 1e-9 and size.max() <= 1000.0 + 1e-9


def test_a_group_with_employment_scales_its_drawn_sizes_to_it(tmp_path):
    path = _sized_small(tmp_path, employment=100000.0)
    m = SEZClusterModel(path, policy="no_merge", rng=2)
    f, p = m.firms, m.params
    group = (f.view("entry_year") == 2010) & (f.view("sector") == 0) & (f.view("region") == 1)
    own = f.view("log_q")[group] - p.foreign_productivity_premium * f.view("foreign")[group]
    size = m.mean_size * np.exp((p.sigma - 1.0) * own)
    assert size.sum() == pytest.approx(100000.0, rel=1e-9)
