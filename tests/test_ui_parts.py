"""The UI's building blocks without a browser: run loop, map geometry, labels, ranges."""

import math
import threading

import pandas as pd
import pytest

from sim.scenario import ScenarioError, apply_overrides, read_yaml, validate_scenario
from sim.ui.geo import (
    FixedScales,
    adm1_features,
    fit_projection,
    nice_ceiling,
    place_labels,
    region_units,
)
from sim.ui.labels import (
    PARAMETER_GROUPS,
    format_amount,
    glossary,
    indicator_label,
    money_scale,
    parameter_group,
)
from sim.ui.runloop import RunControl
from sim.ui.session import ROOT, accepted_ranges, parameter_controls

KAZAKHSTAN = ROOT / "scenarios" / "kazakhstan.yaml"


# ------------------------------------------------------------------ run loop
def _run(control: RunControl, years: list[int], last: int = 2045) -> None:
    """A loop as the page runs it: one year per call of next_year, in order."""
    year = years[-1] + 1 if years else 2005
    while control.next_year(year, year <= last):
        years.append(year)
        year += 1


def test_step_play_pause_and_run_to():
    control, years = RunControl(), []
    assert control.request("step") is True  # no loop runs: the caller starts one
    assert control.request("step") is False  # a loop runs: it serves this click too
    _run(control, years)
    assert years == [2005, 2006] and not control.looping

    assert control.request("run_to", 2010)
    _run(control, years)
    assert years[-1] == 2010 and control.target is None

    assert control.request("play")
    control.request("pause")  # before the loop ran a year: Play still gives one
    _run(control, years)
    assert years[-1] == 2011 and not control.looping


def test_the_loop_ends_at_the_last_year():
    control, years = RunControl(), []
    control.request("play")
    _run(control, years, last=2008)
    assert years == [2005, 2006, 2007, 2008]
    assert not control.playing and not control.looping


def test_clicks_from_many_threads_start_one_loop_and_years_stay_in_order():
    """Play / Pause / Step hammered from threads: one loop at a time, no year twice."""
    control = RunControl(delay=0.0)
    years: list[int] = []
    loops = []
    running = [0]
    most = [0]
    count = threading.Lock()

    def loop():
        with count:
            running[0] += 1
            most[0] = max(most[0], running[0])
        year = years[-1] + 1 if years else 2005
        while control.next_year(year, year <= 2045):
            years.append(year)
            year += 1
        with count:
            running[0] -= 1

    def clicker(actions):
        for action in actions:
            if control.request(action):
                t = threading.Thread(target=loop)
                loops.append(t)
                t.start()

    clickers = [
        threading.Thread(target=clicker, args=(["play", "pause"] * 50,)),
        threading.Thread(target=clicker, args=(["step"] * 100,)),
    ]
    for t in clickers:
        t.start()
    for t in clickers:
        t.join()
    for t in loops:
        t.join()
    assert years == list(range(2005, 2005 + len(years)))  # in order, each once
    assert len(years) > 1 and most[0] == 1  # never two loops at once
    assert not control.looping


# ------------------------------------------------------------------ map
def test_every_kazakhstan_region_has_its_first_level_unit():
    from sim.scenario import load_scenario

    spec = load_scenario(KAZAKHSTAN)
    units = region_units(spec)
    assert units["pcode"].notna().all()
    assert units["pcode"].is_unique
    assert dict(zip(units["id"], units["unit"], strict=True))["almaty"] == "Almaty"  # the city
    features = adm1_features(spec, {"karaganda": {"value": 1.5}})
    assert len(features) == 20
    modelled = [f for f in features if f["properties"]["modelled"]]
    assert len(modelled) == len(spec.regions)
    karaganda = next(f for f in features if f["properties"]["unit"] == "Karaganda Region")
    assert karaganda["properties"]["value"] == 1.5


def test_projection_round_trips_and_labels_do_not_overlap():
    from sim.scenario import load_scenario

    spec = load_scenario(KAZAKHSTAN)
    projection, has_units = fit_projection(spec, 640, 380)
    assert has_units
    lon, lat = projection.invert(*projection(71.4, 51.2))
    assert math.isclose(lon, 71.4) and math.isclose(lat, 51.2)
    for r in spec.regions:  # every region's centre is on the chart
        x, y = projection(r.lon, r.lat)
        assert 0 <= x <= 640 and 0 <= y <= 380
    points = pd.DataFrame([{"lon": r.lon, "lat": r.lat, "text": r.name} for r in spec.regions])
    labels = place_labels(points, projection, 640, 380)
    assert len(labels) >= len(spec.regions) - 2  # a crowded few may go to the tooltip
    boxes = labels[["x0", "y0", "x1", "y1"]].to_numpy()
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_fixed_scales_only_widen_to_round_numbers():
    scales = FixedScales()
    assert scales.top("firms", [0, 37]) == 50
    assert scales.top("firms", [12]) == 50  # a smaller year keeps the scale
    assert scales.top("firms", [49.9]) == 50
    assert scales.top("firms", [51]) == 100
    assert [nice_ceiling(v) for v in (0.3, 1, 1.2, 2.1, 7, 2400)] == [0.5, 1, 2, 2.5, 10, 2500]


# ------------------------------------------------------------------ labels and formats
@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("taxes", 1.23e6, "1.23 trn KZT/yr"),
        ("taxes", 5.79e5, "579 bn KZT/yr"),
        ("taxes", 12.3, "12.3 mn KZT/yr"),
        ("taxes", 0.0, "0 mn KZT/yr"),
        ("taxes", float("nan"), "—"),
        ("employment", 789574, "789,574 persons"),
        ("firms", 1234, "1,234"),
        ("innovations", 156, "156/yr"),
    ],
)
def test_numbers_read_as_people_write_them(name, value, shown):
    assert format_amount(name, value, "million KZT") == shown


def test_money_scales_and_glossary():
    assert money_scale("turnover", 3e6, "million KZT") == (1e6, "trn KZT/yr")
    assert money_scale("employment", 3e6, "million KZT") == (1.0, "persons")
    rows = glossary("million KZT")
    assert {r["column"] for r in rows} >= {"taxes", "employment", "privilege_cost"}
    taxes = next(r for r in rows if r["column"] == "taxes")
    assert taxes["indicator"] == indicator_label("taxes") == "Taxes paid"
    assert taxes["unit"] == "mn KZT/yr"


def test_every_slider_is_in_a_group():
    names = {c.name for c in parameter_controls()}
    grouped = {n for members in PARAMETER_GROUPS.values() for n in members}
    assert names <= grouped, names - grouped
    assert list(PARAMETER_GROUPS)[:6] == [
        "Trade",
        "Labour",
        "Innovation",
        "Fiscal",
        "Zones",
        "Entry",
    ]
    assert parameter_group("not_a_parameter") == "Other"


def test_slider_ranges_are_what_the_scenario_accepts():
    controls = parameter_controls()
    ranges = accepted_ranges(KAZAKHSTAN, {}, controls)
    data = read_yaml(KAZAKHSTAN)

    def accepted(name, value):
        try:
            validate_scenario(apply_overrides(data, {name: value}, "k"), "k")
        except ScenarioError:
            return False
        return True

    low = ranges["sigma"][0]
    sigma = next(c for c in controls if c.name == "sigma")
    assert low > sigma.low  # the schema allows 1.06; the sectors' labour shares do not
    assert accepted("sigma", low) and not accepted("sigma", round(low - sigma.step, 10))
    for c in controls:
        lo, hi = ranges[c.name]
        assert c.low <= lo <= c.default <= hi <= c.high
        assert accepted(c.name, lo) and accepted(c.name, hi)


def test_synergy_cells_never_show_nan():
    from sim.ui.app import _cell

    def cell(**row):
        base = {"indicator": "taxes", "n": 3, "ci_low": 0.0, "ci_high": 0.0}
        return _cell(pd.Series({**base, **row}), "million KZT")

    assert cell(mean=0.0, control_mean=0.0, relative=float("nan")) == "—"  # both at zero
    no_base = cell(mean=5.0, ci_low=1.0, ci_high=9.0, control_mean=0.0, relative=float("nan"))
    assert no_base == "5 [1, 9] mn KZT/yr" and "nan" not in no_base
    assert (
        cell(mean=-2.18e5, ci_low=-3.25e5, ci_high=-1.11e5, control_mean=8e5, relative=-0.265)
        == "-218 [-325, -111] bn KZT/yr (-26.5%)"
    )


def test_decomposition_is_found_and_drawn_as_a_waterfall(tmp_path):
    import pandas as pd

    from sim.ui.app import load_decomposition
    from sim.ui.charts import channel_waterfall

    assert load_decomposition("scenarios/kazakhstan.yaml", tmp_path) is None
    folder = tmp_path / "results" / "decompose-kazakhstan"
    folder.mkdir(parents=True)
    rows = [
        {"indicator": "taxes", "year": 2030, "channel": c, "contribution": v, "ci_low": v - 1e4,
         "ci_high": v + 1e4, "n": 40}
        for c, v in (("finance", -4e4), ("industry", 1e4), ("labour", 5e3), ("innovation", 2e4),
                     ("total", -5e3))
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "decomposition.csv", index=False)
    table, source = load_decomposition("scenarios/kazakhstan.yaml", tmp_path)
    assert source == folder / "decomposition.csv" and len(table) == 5
    spec = channel_waterfall(table, "taxes", 2030, "million KZT").to_dict()
    data = next(iter(spec["datasets"].values()))
    ends = {d["channel"]: (d["start"], d["end"]) for d in data}
    # Each channel starts where the previous ended; the total bar runs from 0 to the sum.
    assert ends["finance"][0] == 0 and ends["industry"][0] == ends["finance"][1]
    assert ends["innovation"][1] == ends["total"][1] and ends["total"][0] == 0
    assert {d["kind"] for d in data} == {"gain", "loss", "total"}
