"""The UI's Python side without a browser: session, territory frames, charts, compare, assets."""

import threading

import pytest

from sim.experiments.store import ResultStore
from sim.parameters import ModelParameters
from sim.scenario import ScenarioError, load_scenario
from sim.ui import assets
from sim.ui.charts import AREAS, area_chart, map_chart, synergy_chart, synergy_map
from sim.ui.compare import CompareCancelled, run_compare
from sim.ui.session import ExploreSession, parameter_controls, shipped_scenarios


def test_parameter_controls_follow_the_schema():
    controls = {c.name: c for c in parameter_controls()}
    assert 1.05 < controls["sigma"].low < 1.2 and controls["sigma"].high == 20.0
    assert controls["sigma"].unit == "1"
    assert controls["construction_years"].integer and controls["construction_years"].step == 1
    assert "trade_freeness" not in controls  # unset by default: left to the scenario
    for c in controls.values():
        assert c.low <= c.default <= c.high
        assert abs(c.default / c.step - round(c.default / c.step)) < 1e-6  # on the grid
        field = ModelParameters.model_fields[c.name]
        ModelParameters(**{c.name: c.low})  # both ends are valid values
        ModelParameters(**{c.name: c.high})
        assert field.description


def test_session_steps_and_reads_indicators(small_path):
    s = ExploreSession(small_path, policy="no_merge", seed=3, overrides={"sigma": 5.0})
    assert s.parameter("sigma") == 5.0
    assert s.simulated == 0 and s.national().empty
    s.step()
    s.step()
    assert s.simulated == 2 and s.year == s.spec.start_year + 1
    nat = s.national()
    assert list(nat["year"]) == [2010, 2011]
    t = s.territory()
    assert set(t.regions["id"]) == {"north", "south", "west"}
    assert {"lon", "lat", "firms", "employment"} <= set(t.regions.columns)
    # zone1 opens 2011: active in 2011; zone2 opens 2015: not yet
    status = dict(zip(t.sezs["id"], t.sezs["status"], strict=True))
    assert status == {"zone1": "active", "zone2": "not yet open"}
    assert (t.links["kind"] == "cluster-SEZ").sum() == 1
    assert t.regions["firms"].sum() == nat["firms"].iloc[-1]


def test_session_runs_to_the_end_and_closes_zones(small_path):
    s = ExploreSession(small_path)
    while s.running:
        s.step()
    assert s.year == s.spec.end_year
    status = dict(zip(s.territory().sezs["id"], s.territory().sezs["status"], strict=True))
    assert status["zone1"] == "closed"  # closes 2025


def test_session_is_safe_to_read_while_stepping(small_path):
    s = ExploreSession(small_path)
    errors = []

    def read():
        try:
            for _ in range(30):
                s.territory()
                s.national()
        except Exception as e:  # pragma: no cover - the failure we test against
            errors.append(e)

    reader = threading.Thread(target=read)
    reader.start()
    while s.running:
        s.step()
    reader.join()
    assert not errors


def test_invalid_scenario_raises_the_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((shipped_scenarios()[0]).read_text().replace("region: ", "region: nowhere_", 1))
    with pytest.raises(ScenarioError) as err:
        ExploreSession(bad)
    assert "unknown region" in str(err.value) and "Traceback" not in str(err.value)


def test_charts_build_for_every_area(small_path):
    s = ExploreSession(small_path)
    s.step()
    for area in AREAS:
        spec = area_chart(s.national(), area, s.spec.currency).to_dict()
        assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    finance = str(area_chart(s.national(), "Finance", "million KZT").to_dict())
    assert "KZT/yr" in finance and "million KZT" not in finance  # mn / bn / trn KZT
    assert "~s" not in finance  # SI prefixes gave "0M" and "200G million"
    spec = map_chart(s.territory(), s.spec, "turnover", s.scales, s.merged)
    assert spec["projection"]["type"] == "mercator"
    assert len(spec["layer"]) >= 4


def test_compare_runs_replications_and_tables(small_path, tmp_path):
    seen = []
    result = run_compare(
        small_path,
        2,
        ["merge", "no_merge"],
        until=2014,
        workers=1,
        out=tmp_path / "store",
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[-1] == (4, 4) and result.runs == 4
    bands = result.bands["taxes"]
    assert set(bands["policy"]) == {"merge", "no_merge"}
    assert (bands["low"] <= bands["mean"] + 1e-9).all() and (
        bands["mean"] <= bands["high"] + 1e-9
    ).all()
    assert set(result.synergy["year"]) <= set(range(2010, 2015)) and not result.synergy.empty


def test_compare_cancels_and_keeps_finished_runs(small_path, tmp_path):
    done = []

    def progress(d, t):
        done.append(d)

    with pytest.raises(CompareCancelled):
        run_compare(
            small_path,
            3,
            ["merge", "no_merge"],
            until=2012,
            workers=1,
            out=tmp_path / "store",
            progress=progress,
            cancelled=lambda: len(done) >= 3,
        )
    assert max(done) < 6
    stored = ResultStore(tmp_path / "store").runs()
    assert 0 < len(stored) < 6  # what finished before the cancel is kept


def test_assets_cover_what_the_page_loads(tmp_path):
    names = [a.url_spec for a in assets.required_assets()]
    assert any(n.startswith("@widgetti/solara-vuetify3-app@") for n in names)
    assert {"vega@5", "vega-lite@5", "vega-embed@6", "requirejs@2.3.6"} <= set(names)
    assert len(assets.missing_assets(tmp_path)) == len(names)  # an empty cache lacks all


def test_ui_compare_uses_the_given_parameters(small_path, tmp_path):
    plain = run_compare(small_path, 1, ["merge"], until=2011, workers=1, out=tmp_path / "a")
    tuned = run_compare(
        small_path,
        1,
        ["merge"],
        until=2011,
        workers=1,
        out=tmp_path / "b",
        parameters={"sigma": 6.0},
    )
    assert tuned.parameters == {"sigma": 6.0} and plain.parameters == {}
    a = ResultStore(plain.store).results()
    b = ResultStore(tuned.store).results()
    a, b = a[a["scope"] == "national"], b[b["scope"] == "national"]
    assert not (a["taxes"].to_numpy() == b["taxes"].to_numpy()).all()


def test_compare_tables_over_time_and_by_region(small_path, tmp_path):
    result = run_compare(
        small_path, 2, ["merge", "no_merge"], until=2013, workers=1, out=tmp_path / "s"
    )
    over_time = result.synergy_over_time
    assert set(over_time["year"]) == set(range(2010, 2014))
    assert (over_time["ci_low"] <= over_time["mean"] + 1e-9).all()
    by_region = result.synergy_by_region
    assert set(by_region["region"]) == {"north", "south", "west"}
    assert set(by_region["year"]) == {2013}
    for name in ("taxes", "employment"):
        assert synergy_chart(over_time, name, result.currency).to_dict()["layer"]
    rows = by_region[by_region["indicator"] == "taxes"].rename(columns={"region": "name"})
    spec = load_scenario(small_path)
    assert synergy_map(rows, spec, "taxes")["projection"]["type"] == "mercator"
