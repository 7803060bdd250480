"""The map of the UI: Kazakhstan's first-level units, a fixed projection, placed labels.

``data/kz_adm1.geojson`` (20 units, 2022 boundaries; see ``data/README.md``) gives the
outline and the choropleth's shapes; each scenario region is matched to its unit by
name. The projection is computed here (Mercator, fitted to the map's extent) and handed
to Vega as is, so label boxes placed here in pixels are where the browser draws them:
a label that would overlap an earlier one moves around its point or is left to the
tooltip. Scales that must not change from year to year keep their top in a
:class:`FixedScales`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario import Scenario

__all__ = [
    "ADM1",
    "FixedScales",
    "Projection",
    "adm1_features",
    "fit_projection",
    "nice_ceiling",
    "place_labels",
    "region_units",
]

#: First-level administrative units of Kazakhstan (properties ``name``, ``pcode``).
ADM1 = Path(__file__).resolve().parent.parent.parent / "data" / "kz_adm1.geojson"

# Transliterations the scenario and the boundary file spell differently.
_ALIASES = {"zhambyl": "jambyl", "zhetysu": "jetisu", "abai": "abay", "akmolinsk": "akmola"}


@cache
def _adm1() -> tuple[dict[str, Any], ...]:
    if not ADM1.is_file():
        return ()
    return tuple(json.loads(ADM1.read_text(encoding="utf-8"))["features"])


def _key(name: str) -> str:
    # "Almaty" (the city) and "Almaty Region" are different units: keep the word region.
    word = re.sub(r"\b(oblast|province)\b", "region", name.lower())
    word = re.sub(r"[^a-z]+", " ", word).strip()
    return " ".join(_ALIASES.get(w, w) for w in word.split())


def region_units(spec: Scenario) -> pd.DataFrame:
    """Each scenario region with its first-level unit: id, name, unit, pcode (None if none).

    Only a scenario of Kazakhstan matches; other countries get ``None`` everywhere.
    """
    units = {_key(f["properties"]["name"]): f["properties"] for f in _adm1()}
    rows = []
    for r in spec.regions:
        unit = units.get(_key(r.name)) or units.get(_key(r.id.replace("_", " ")))
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "unit": unit["name"] if unit else None,
                "pcode": unit["pcode"] if unit else None,
            }
        )
    return pd.DataFrame(rows, columns=["id", "name", "unit", "pcode"])


def adm1_features(spec: Scenario, values: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The 20 units as GeoJSON features, each unit's properties joined with ``values``.

    Args:
        spec: the scenario (its regions are matched to units by name).
        values: ``{region id: {property: value}}`` to attach (e.g. an indicator).

    Returns:
        Features with properties ``unit``, ``pcode``, ``region`` (the scenario's name,
        or "not in the scenario"), ``modelled`` and the attached values; empty when the
        scenario's regions match no unit (another country).
    """
    units = region_units(spec).dropna(subset=["pcode"])
    if units.empty:
        return []
    by_pcode = {row.pcode: row for row in units.itertuples()}
    out = []
    for f in _adm1():
        pcode = f["properties"]["pcode"]
        row = by_pcode.get(pcode)
        props = {
            "unit": f["properties"]["name"],
            "pcode": pcode,
            "region": row.name if row is not None else "not in the scenario",
            "modelled": row is not None,
        }
        if row is not None:
            props.update(values.get(row.id, {}))
        out.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    return out


def _coords(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    polys = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polys = [polys]
    return [(pt[0], pt[1]) for poly in polys for ring in poly for pt in ring]


@dataclass(frozen=True)
class Projection:
    """Vega's Mercator with an explicit scale and translate (pixels), and its inverse."""

    scale: float
    translate: tuple[float, float]

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        """Pixel position of a point (as Vega's ``mercator`` with ``center`` [0, 0])."""
        x = self.scale * math.radians(lon) + self.translate[0]
        y = -self.scale * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        return x, y + self.translate[1]

    def invert(self, x: float, y: float) -> tuple[float, float]:
        """Longitude and latitude of a pixel position."""
        lon = math.degrees((x - self.translate[0]) / self.scale)
        lat = math.degrees(2 * math.atan(math.exp(-(y - self.translate[1]) / self.scale)))
        return lon, lat - 90.0

    def vega(self) -> dict[str, Any]:
        """The projection as Altair's ``project()`` keywords."""
        return {"type": "mercator", "scale": self.scale, "translate": list(self.translate)}


def fit_projection(
    spec: Scenario, width: int, height: int, margin: float = 12.0
) -> tuple[Projection, bool]:
    """Mercator fitted to the country's units (or the regions' points); and whether units exist.

    Returns:
        The projection and True when the map has first-level units to draw.
    """
    features = adm1_features(spec, {})
    points = [pt for f in features for pt in _coords(f["geometry"])]
    if not points:
        points = [(r.lon, r.lat) for r in spec.regions]
        pad = 1.5  # degrees around the outermost regions
        points += [(min(p[0] for p in points) - pad, min(p[1] for p in points) - pad)]
        points += [(max(p[0] for p in points) + pad, max(p[1] for p in points) + pad)]
    unit = Projection(1.0, (0.0, 0.0))
    xy = [unit(lon, lat) for lon, lat in points]
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    k = min((width - 2 * margin) / (max(xs) - min(xs)), (height - 2 * margin) / (max(ys) - min(ys)))
    tx = width / 2 - k * (max(xs) + min(xs)) / 2
    ty = height / 2 - k * (max(ys) + min(ys)) / 2
    return Projection(k, (tx, ty)), bool(features)


#: Offsets (pixels) tried around a point, in order, for its label's centre.
_CANDIDATES = [(0, -13), (0, 13), (1, 0), (-1, 0), (1, -11), (-1, -11), (1, 11), (-1, 11)]


def place_labels(
    points: pd.DataFrame,
    projection: Projection,
    width: int,
    height: int,
    char_width: float = 5.6,
    line_height: float = 11.0,
) -> pd.DataFrame:
    """Put each label where it overlaps no label placed before it (earlier rows first).

    Args:
        points: columns ``lon``, ``lat``, ``text`` (most important first).
        projection: the map's projection.
        width: chart width, pixels (a label stays inside).
        height: chart height, pixels.
        char_width: average width of a character at the label font size, pixels.
        line_height: label box height, pixels.

    Returns:
        The placed labels: ``text``, ``lon``, ``lat`` (of the label's centre) and the box
        ``x0, y0, x1, y1`` in pixels. A label with no free place is left out.
    """
    placed: list[tuple[float, float, float, float]] = []
    rows = []
    for p in points.itertuples():
        x, y = projection(p.lon, p.lat)
        w = char_width * len(p.text) + 4
        for sx, dy in _CANDIDATES:
            cx = x + sx * (w / 2 + 7)
            cy = y + dy
            box = (cx - w / 2, cy - line_height / 2, cx + w / 2, cy + line_height / 2)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(_overlap(box, other) for other in placed):
                placed.append(box)
                lon, lat = projection.invert(cx, cy)
                rows.append({"text": p.text, "lon": lon, "lat": lat, **_box(box)})
                break
    return pd.DataFrame(rows, columns=["text", "lon", "lat", "x0", "y0", "x1", "y1"])


def _box(box: tuple[float, float, float, float]) -> dict[str, float]:
    return dict(zip(("x0", "y0", "x1", "y1"), box, strict=True))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value`` (> 0)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= value * (1 - 1e-12):
            return m * power
    return 10 * power  # pragma: no cover


@dataclass
class FixedScales:
    """Tops of scales that stay fixed from year to year and only ever widen.

    A scale's top is a round number (:func:`nice_ceiling`) at least the largest value
    seen; it widens to the next round number only when a value exceeds it, and never
    shrinks while the run goes on, so colours and sizes mean the same every year.
    """

    tops: dict[str, float] = field(default_factory=dict)

    def top(self, key: str, values: Any) -> float:
        """The scale's top for ``key`` after seeing ``values`` (an iterable of numbers)."""
        finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
        largest = max(finite, default=0.0)
        old = self.tops.get(key, 0.0)
        if largest > old or key not in self.tops:
            self.tops[key] = max(old, nice_ceiling(largest))
        return self.tops[key]
