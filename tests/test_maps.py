"""Choropleth maps of Kazakhstan's 20 first-level units (sim/maps.py)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from sim.maps import ADM1_BY_REGION, NOT_MODELLED, adm1_units, choropleth, mappable_regions
from sim.scenario import load_scenario
from tests.conftest import ROOT


def _faces(ax):
    return {p.get_gid(): np.asarray(p.get_facecolor()) for p in ax.patches if p.get_gid()}


def test_the_outlines_are_the_twenty_units_with_closed_rings():
    units = adm1_units()
    assert len(units) == 20
    assert len({u.pcode for u in units}) == 20
    for unit in units:
        for rings in unit.polygons:
            exterior = rings[0]
            assert exterior.shape[1] == 2 and len(exterior) >= 4
            assert np.allclose(exterior[0], exterior[-1])
        lon, lat = unit.label_point()
        assert 46 < lon < 88 and 40 < lat < 56  # inside Kazakhstan's bounding box


def test_every_kazakhstan_region_has_its_own_unit_and_russia_has_none():
    ids = [r.id for r in load_scenario(ROOT / "scenarios" / "kazakhstan.yaml").regions]
    mapped = mappable_regions(ids)
    assert sorted(mapped.values()) == sorted(ids)  # one unit each, none shared
    assert set(ADM1_BY_REGION.values()) == {u.pcode for u in adm1_units()}
    russia = [r.id for r in load_scenario(ROOT / "scenarios" / "russia.yaml").regions]
    assert mappable_regions(russia) == {}


def test_diverging_map_colours_gain_green_loss_purple_and_unmodelled_grey():
    fig, ax = plt.subplots()
    choropleth({"karaganda": 50.0, "mangystau": -20.0, "astana": 0.0}, ax=ax, diverging=True)
    faces = _faces(ax)
    assert len(faces) == 20
    gain, loss, zero = faces["KAZ011"], faces["KAZ014"], faces["KAZ006"]
    assert gain[1] > gain[0] and gain[1] > gain[2]  # green dominates
    assert loss[0] > loss[1] and loss[2] > loss[1]  # purple: red and blue over green
    assert np.allclose(zero[:3], zero[0], atol=0.03)  # the centre of PRGn is near white
    grey = faces["KAZ003"]  # Aktobe: not in the scenario
    assert np.allclose(grey[:3], grey[0]) and grey[0] < 0.9
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert NOT_MODELLED in labels
    # The scale is symmetric: +50 and -50 are equally far from the centre.
    bar = fig.axes[-1]
    low, high = bar.get_ylim()
    assert low == pytest.approx(-50.0) and high == pytest.approx(50.0)
    plt.close(fig)


def test_sequential_map_orders_colours_by_value_and_ignores_unknown_ids():
    fig, ax = plt.subplots()
    choropleth({"karaganda": 10.0, "pavlodar": 100.0, "atlantis": 5.0}, ax=ax)
    faces = _faces(ax)
    # YlGnBu darkens with the value: the larger value has the smaller brightness.
    assert faces["KAZ016"][:3].sum() < faces["KAZ011"][:3].sum()
    assert np.allclose(faces["KAZ002"][:3], faces["KAZ002"][0])  # Akmola: grey
    plt.close(fig)


def test_limits_give_several_panels_one_colour_scale():
    fig, (left, right) = plt.subplots(1, 2)
    choropleth({"karaganda": 10.0}, ax=left, limits=(0.0, 100.0))
    choropleth({"karaganda": 10.0, "pavlodar": 100.0}, ax=right, limits=(0.0, 100.0))
    assert np.allclose(_faces(left)["KAZ011"], _faces(right)["KAZ011"])
    plt.close(fig)
