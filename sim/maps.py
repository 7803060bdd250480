"""Choropleth maps of Kazakhstan's 20 first-level units (oblasts and the three cities).

The outlines come from ``data/kz_adm1.geojson`` (2022 boundaries, WGS84; see
``data/README.md``), read with the standard library and drawn with matplotlib, so a map
needs no network and no GIS package. A scenario's regions are matched to the units by
:data:`ADM1_BY_REGION` (scenario region id -> ``pcode``); units no region of the
scenario maps to are drawn grey and marked "not modelled" in the legend.

Two kinds of map:

* :func:`choropleth` with ``diverging=False``: any indicator by region (sequential
  colours, e.g. firms in 2040 under merge);
* :func:`choropleth` with ``diverging=True``: a difference by region, such as the
  synergy effect merge - no_merge, on a colour scale centred on zero (green: the region
  gains under merge, purple: it loses), so displacement between regions shows as both
  colours on one map.

Nothing here knows about experiments or the UI; both pass a ``{region id: value}``
mapping.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

__all__ = [
    "ADM1_BY_REGION",
    "ADM1_PATH",
    "NOT_MODELLED",
    "Adm1Unit",
    "adm1_units",
    "choropleth",
    "mappable_regions",
]

#: The outlines shipped with the repository.
ADM1_PATH = Path(__file__).resolve().parent.parent / "data" / "kz_adm1.geojson"

#: Legend label of units that no region of the scenario maps to.
NOT_MODELLED = "not modelled"

#: Scenario region id -> adm1 ``pcode`` of ``data/kz_adm1.geojson``. The ids are those of
#: ``scenarios/kazakhstan.yaml`` plus the other units under their usual transliterations,
#: so a scenario that adds a region with one of these ids is mapped without a code change.
ADM1_BY_REGION: dict[str, str] = {
    "abay": "KAZ001",
    "akmola": "KAZ002",
    "aktobe": "KAZ003",
    "almaty": "KAZ004",  # the city of Almaty
    "almaty_city": "KAZ004",
    "almaty_region": "KAZ005",
    "astana": "KAZ006",
    "atyrau": "KAZ007",
    "east_kazakhstan": "KAZ008",
    "zhambyl": "KAZ009",
    "jambyl": "KAZ009",
    "zhetysu": "KAZ010",
    "jetisu": "KAZ010",
    "karaganda": "KAZ011",
    "karagandy": "KAZ011",
    "kostanay": "KAZ012",
    "kyzylorda": "KAZ013",
    "mangystau": "KAZ014",
    "north_kazakhstan": "KAZ015",
    "pavlodar": "KAZ016",
    "shymkent": "KAZ017",
    "turkistan": "KAZ018",
    "ulytau": "KAZ019",
    "west_kazakhstan": "KAZ020",
}

# Mean latitude of Kazakhstan: one degree of longitude is cos(48 deg) of one of latitude.
_ASPECT = 1.0 / math.cos(math.radians(48.0))
_GREY = "#d9d9d9"


@dataclass(frozen=True)
class Adm1Unit:
    """One first-level unit: its name, code and outline (lon/lat rings)."""

    name: str
    pcode: str
    #: One entry per polygon; each is a list of rings (exterior first), arrays (n, 2).
    polygons: tuple[tuple[np.ndarray, ...], ...]

    @property
    def area(self) -> float:
        """Area of the exterior rings in square degrees (for drawing order and labels)."""
        return sum(_ring_area(rings[0]) for rings in self.polygons)

    def label_point(self) -> tuple[float, float]:
        """Centroid of the largest polygon's exterior ring (lon, lat)."""
        ring = max((rings[0] for rings in self.polygons), key=_ring_area)
        x, y = ring[:, 0], ring[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        a = cross.sum() / 2.0
        if abs(a) < 1e-12:
            return float(x.mean()), float(y.mean())
        cx = ((x[:-1] + x[1:]) * cross).sum() / (6.0 * a)
        cy = ((y[:-1] + y[1:]) * cross).sum() / (6.0 * a)
        return float(cx), float(cy)

    def path(self) -> MplPath:
        """A matplotlib path of all polygons and rings (holes follow ring orientation)."""
        return MplPath.make_compound_path(
            *(MplPath(ring, closed=True) for rings in self.polygons for ring in rings)
        )


def _ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(abs((x[:-1] * y[1:] - x[1:] * y[:-1]).sum()) / 2.0)


@functools.lru_cache(maxsize=4)
def adm1_units(path: str | Path = ADM1_PATH) -> tuple[Adm1Unit, ...]:
    """The 20 first-level units of ``data/kz_adm1.geojson``, in file order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    units = []
    for feature in data["features"]:
        geom = feature["geometry"]
        parts = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        polygons = tuple(
            tuple(np.asarray(ring, dtype=float)[:, :2] for ring in part) for part in parts
        )
        props = feature["properties"]
        units.append(Adm1Unit(props["name"], props["pcode"], polygons))
    return tuple(units)


def mappable_regions(region_ids: Iterable[str]) -> dict[str, str]:
    """``{pcode: region id}`` for the scenario regions that have a unit on the map."""
    out: dict[str, str] = {}
    for rid in region_ids:
        pcode = ADM1_BY_REGION.get(rid)
        if pcode is not None and pcode not in out:
            out[pcode] = rid
    return out


def _norm(
    values: list[float], diverging: bool, limits: tuple[float, float] | None = None
) -> colors.Normalize:
    if limits is not None:
        values = [*values, *limits]
    if not values:
        return colors.Normalize(0.0, 1.0)
    if diverging:
        half = max(abs(min(values)), abs(max(values))) or 1.0
        return colors.TwoSlopeNorm(vcenter=0.0, vmin=-half, vmax=half)
    low, high = min(values), max(values)
    return colors.Normalize(low, high if high > low else low + 1.0)


def _fmt(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.1f}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:,.0f}k"
    if magnitude >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def choropleth(
    values: Mapping[str, float],
    *,
    ax: plt.Axes | None = None,
    title: str = "",
    unit: str = "",
    diverging: bool = False,
    cmap: str | None = None,
    annotate: bool = True,
    limits: tuple[float, float] | None = None,
    gain_label: str = "gain under merge",
    loss_label: str = "loss under merge",
    geojson: str | Path = ADM1_PATH,
) -> plt.Axes:
    """Draw Kazakhstan's 20 units coloured by a value per scenario region.

    Args:
        values: ``{scenario region id: value}``; ids without a unit on the map
            (:data:`ADM1_BY_REGION`) are ignored, NaN values are drawn as not modelled.
        ax: axes to draw on (a new figure when ``None``).
        title: axes title.
        unit: colour bar label (the indicator's unit).
        diverging: a difference (e.g. merge - no_merge): colours centred on zero, green
            for gain and purple for loss, with the same extent on both sides.
        cmap: matplotlib colour map (default ``PRGn`` when diverging, else ``YlGnBu``).
        annotate: write each modelled region's value at its centre.
        limits: values the colour scale must span (e.g. the extremes of several panels,
            so that they share one scale).
        gain_label: legend label of positive differences (diverging maps).
        loss_label: legend label of negative differences (diverging maps).
        geojson: outlines file (default ``data/kz_adm1.geojson``).

    Returns:
        The axes, with a colour bar and a legend entry for units not modelled.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    units = adm1_units(str(geojson))
    by_pcode = {
        pcode: float(values[rid])
        for pcode, rid in mappable_regions(values).items()
        if values[rid] is not None and not np.isnan(values[rid])
    }
    norm = _norm(list(by_pcode.values()), diverging, limits)
    scale = plt.get_cmap(cmap or ("PRGn" if diverging else "YlGnBu"))
    # Large units first, so the three cities (inside their oblasts) are drawn on top.
    for unit_ in sorted(units, key=lambda u: -u.area):
        value = by_pcode.get(unit_.pcode)
        face = _GREY if value is None else scale(norm(value))
        patch = PathPatch(unit_.path(), facecolor=face, edgecolor="white", lw=0.6)
        patch.set_gid(unit_.pcode)  # find a unit's patch by its code (tests, SVG output)
        ax.add_patch(patch)
    if annotate:
        for unit_ in units:
            value = by_pcode.get(unit_.pcode)
            if value is None:
                continue
            x, y = unit_.label_point()
            small = unit_.area < 1.0  # the cities: label beside them, with a leader line
            ax.annotate(
                _fmt(value),
                (x, y),
                xytext=(14, -12) if small else (0, 0),
                textcoords="offset points",
                ha="left" if small else "center",
                va="center",
                fontsize=7,
                arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.3"} if small else None,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
            )
    bounds = np.vstack([r for u in units for rings in u.polygons for r in rings])
    pad = 0.5
    ax.set_xlim(bounds[:, 0].min() - pad, bounds[:, 0].max() + pad)
    ax.set_ylim(bounds[:, 1].min() - pad, bounds[:, 1].max() + pad)
    ax.set_aspect(_ASPECT)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=scale)
    bar = ax.figure.colorbar(mappable, ax=ax, shrink=0.7, pad=0.01)
    bar.set_label(unit, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    handles = [Patch(facecolor=_GREY, edgecolor="white", label=NOT_MODELLED)]
    if diverging:
        handles = [
            Patch(facecolor=scale(0.85), label=gain_label),
            Patch(facecolor=scale(0.15), label=loss_label),
            *handles,
        ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
