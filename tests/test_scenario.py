"""Scenario files: the shipped ones validate; every class of mistake gets a clear error."""

from pathlib import Path

import pytest
import yaml

from sim.scenario import ScenarioError, load_scenario
from tests.conftest import ROOT, SMALL

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_repository_ships_the_required_scenarios():
    names = {p.name for p in SHIPPED}
    assert {
        "kazakhstan.yaml",
        "pilot_clusters_2005.yaml",
        "russia.yaml",
        "neg_two_region.yaml",
    } <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path):
    s = load_scenario(path)
    assert s.regions and s.sectors


def test_kazakhstan_has_the_13_sezs_of_table_1_with_their_periods():
    s = load_scenario(ROOT / "scenarios" / "kazakhstan.yaml")
    assert len(s.sezs) == 13
    periods = {z.name.lower(): (z.opens, z.closes) for z in s.sezs}
    burabay = next(v for k, v in periods.items() if "burabay" in k)
    qyzyljar = next(v for k, v in periods.items() if "qyzyljar" in k)
    assert burabay == (2008, 2017)
    assert qyzyljar == (2019, 2044)
    metallurgical = next(c for c in s.clusters if c.sector == "metallurgy")
    assert metallurgical.employment == 32958


def _broken(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(SMALL.read_text())
    mutate(data)
    p = tmp_path / "broken.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


CASES = {
    "unknown field": (
        lambda d: d["sezs"][0].update(colour="red"),
        "sezs[0](zone1).colour",
        "unknown field; allowed fields here",
    ),
    "wrong type": (
        lambda d: d["sezs"][0].update(area_ha="large"),
        "sezs[0](zone1).area_ha",
        "valid number",
    ),
    "out of range": (
        lambda d: d["sectors"][0].update(expenditure_share=1.5),
        "sectors[0](metal).expenditure_share",
        "less than 1",
    ),
    "parameter out of range": (
        lambda d: d.update(parameters={"sigma": 0.5}),
        "parameters.sigma",
        "greater than 1.05",
    ),
    "unknown region": (
        lambda d: d["sezs"][0].update(region="atlantis"),
        "sezs[0](zone1).region",
        "unknown region 'atlantis'; allowed: north",
    ),
    "unknown sector": (
        lambda d: d["firms"][0].update(sector="cheese"),
        "firms[0].sector",
        "unknown sector 'cheese'; allowed: machines, metal",
    ),
    "period ends before it starts": (
        lambda d: d["sezs"][0].update(opens=2030, closes=2020),
        "sezs[0](zone1)",
        "cannot end before it starts",
    ),
    "cluster paired with missing SEZ": (
        lambda d: d["clusters"][0].update(sezs=["zone9"]),
        "clusters[0](metal_cluster).sezs[0]",
        "unknown SEZ 'zone9'; allowed: zone1, zone2",
    ),
    "missing field": (
        lambda d: d["regions"][0].pop("population"),
        "regions[0](north).population",
        "required field is missing",
    ),
    "duplicate id": (
        lambda d: d["regions"][1].update(id="north"),
        "regions[1].id",
        "duplicate id 'north'",
    ),
    "size shares not summing to 1": (
        lambda d: d.update(firm_sizes=[_sizes(["metal"], shares=(0.9, 0.05))]),
        "firm_sizes[0](sizes0)",
        "band shares sum to 0.95; they must sum to 1",
    ),
    "size bands overlapping": (
        lambda d: d.update(firm_sizes=[_sizes(["metal"], bounds=((1, 100), (50, 250)))]),
        "firm_sizes[0](sizes0)",
        "increasing order without overlap",
    ),
    "size band upside down": (
        lambda d: d.update(firm_sizes=[_sizes(["metal"], bounds=((1, 100), (300, 250)))]),
        "firm_sizes[0](sizes0).bands[1]",
        "max (250.0) must be at least min (300.0)",
    ),
    "size band below one employee": (
        lambda d: d.update(firm_sizes=[_sizes(["metal"], bounds=((0, 100), (101, 250)))]),
        "firm_sizes[0](sizes0).bands[0].min",
        "greater than or equal to 1",
    ),
    "sizes for an unknown sector": (
        lambda d: d.update(firm_sizes=[_sizes(["cheese"])]),
        "firm_sizes[0](sizes0).sectors[0]",
        "unknown sector 'cheese'; allowed: machines, metal",
    ),
    "two size distributions for a sector": (
        lambda d: d.update(firm_sizes=[_sizes(["metal"]), _sizes(["metal"], id="sizes1")]),
        "firm_sizes[1](sizes1).sectors[0]",
        "sector 'metal' already has the size distribution 'sizes0'",
    ),
}


def _sizes(sectors, shares=(0.9, 0.1), bounds=((1, 100), (101, 250)), id="sizes0"):
    """A firm_sizes entry for the broken-scenario cases."""
    bands = [{"min": lo, "max": hi, "share": x} for (lo, hi), x in zip(bounds, shares, strict=True)]
    return {"id": id, "sectors": sectors, "bands": bands}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_scenarios_name_file_field_and_allowed_values(tmp_path, case):
    mutate, field, message = CASES[case]
    path = _broken(tmp_path, mutate)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert str(path) in text
    assert field in text, text
    assert message in text, text


def test_malformed_yaml_names_line_and_column(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nsectors: [\n  - id: a\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert "malformed YAML" in str(info.value) and "line" in str(info.value)


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")


def test_overrides_by_parameter_name_and_dotted_path():
    s = load_scenario(SMALL, {"sigma": 5.0, "sectors.metal.world_demand": 10.0})
    assert s.parameters.sigma == 5.0
    assert s.sectors[0].world_demand == 10.0


@pytest.mark.parametrize(
    ("key", "message"),
    [("nonsense", "unknown parameter"), ("sectors.gold.world_demand", "no item 'gold'")],
)
def test_bad_overrides_are_scenario_errors(key, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(SMALL, {key: 1})


def test_pilot_clusters_are_the_seven_of_table_3_with_table_4_zones():
    s = load_scenario(ROOT / "scenarios" / "pilot_clusters_2005.yaml")
    assert len(s.clusters) == 7
    anchors = {c.sector: c.region for c in s.clusters}
    assert anchors["metallurgy"] == "karaganda"
    assert anchors["petrochemicals"] == "mangystau"
    zones = {z.id: (z.opens, z.closes) for z in s.sezs}
    assert len(zones) == 9 and zones["burabay"] == (2008, 2017)
    assert all(z in zones for c in s.clusters for z in c.sezs)


def test_russia_has_the_seven_pairs_of_table_2_in_roubles():
    s = load_scenario(ROOT / "scenarios" / "russia.yaml")
    assert s.currency == "million RUB"
    assert len(s.sezs) == 7 and len(s.clusters) == 7
    alabuga = next(z for z in s.sezs if z.id == "alabuga")
    assert alabuga.opens == 2005 and alabuga.area_ha == 3903.5
    assert all(c.sezs for c in s.clusters)
