"""Altair charts of the UI: the map, the indicator areas, policy bands, the synergy.

Charts are built from tables the model, its territory and the experiment analysis
produce; units come from the indicator registry (:mod:`sim.indicators`), human names and
money units (mn / bn / trn) from :mod:`sim.ui.labels`. Vega draws them in the browser
as SVG, so hovering shows a tooltip and clicking reports the clicked item to the page.
Years are whole numbers on every axis.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from sim.scenario import Scenario
from sim.ui.geo import FixedScales, adm1_features, fit_projection, place_labels
from sim.ui.labels import format_amount, indicator_label, money_scale
from sim.ui.session import TerritoryFrames

__all__ = [
    "AREAS",
    "MAP_INDICATORS",
    "STATUS_COLOURS",
    "area_chart",
    "band_chart",
    "channel_waterfall",
    "map_chart",
    "synergy_chart",
    "synergy_map",
]

#: The four areas of the papers, plus FDI and exports: the indicators each panel shows.
AREAS: dict[str, list[str]] = {
    "Finance": ["taxes", "privilege_cost"],
    "Industry": ["turnover", "investment"],
    "Labour": ["employment", "avg_wage"],
    "Innovation": ["innovations", "productivity"],
    "FDI": ["fdi_inflow", "fdi_stock"],
    "Exports": ["exports", "sez_active"],
}

#: Region indicators the map can colour by, in the order offered.
MAP_INDICATORS = [
    "firms",
    "employment",
    "turnover",
    "value_added",
    "exports",
    "taxes",
    "investment",
    "fdi_inflow",
    "sez_registered",
    "innovations",
]

#: Colour of an SEZ by its status in the last simulated year.
STATUS_COLOURS = {"active": "#2e7d32", "closed": "#c62828", "not yet open": "#9e9e9e"}

_POLICY_COLOURS = {"merge": "#1565c0", "no_merge": "#ef6c00", "heterodox": "#6a1b9a"}
_LINE_KINDS = {"value chain": ("#78909c", [1, 0]), "cluster ↔ paired SEZ": ("#ff6f00", [5, 3])}
_MARKERS = {"SEZ": "square", "cluster": "triangle-up"}

#: Vega-embed options carried in the spec: SVG (items are DOM nodes: hover, tests,
#: crisp screenshots) and no export menu.
_EMBED = {"embedOptions": {"renderer": "svg", "actions": False}}
#: The same with vega-embed's menu offering only "Save as PNG" / "Save as SVG".
_EMBED_EXPORT = {
    "embedOptions": {
        "renderer": "svg",
        "actions": {"export": True, "source": False, "compiled": False, "editor": False},
        "downloadFileName": "sezsim-compare",
    }
}


#: Name of the dataset of first-level units in a map's specification.
_UNITS = "adm1"


def _flat_units(spec: Scenario, values: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The units as features whose properties sit at the top (Vega reads ``datum.x``)."""
    return [
        {"type": "Feature", "geometry": f["geometry"], **f["properties"]}
        for f in adm1_features(spec, values)
    ]


def _with_units(chart: alt.TopLevelMixin, units: list[dict[str, Any]]) -> dict[str, Any]:
    """The chart's Vega-Lite specification with the units' shapes as a named dataset.

    The shapes are added to the finished specification rather than given to Altair,
    which deep-copies inline data several times while building a layered chart (about
    1 s for the 20 units, every year); the browser receives the same specification.
    """
    spec = chart.to_dict()
    if units:
        spec.setdefault("datasets", {})[_UNITS] = units
    return spec


def _year_axis(years: tuple[int, int] | None = None) -> alt.X:
    scale = alt.Scale(domain=list(years)) if years else alt.Undefined
    return alt.X(
        "year:Q",
        scale=scale,
        axis=alt.Axis(format="d", title=None, tickMinStep=1, tickCount=5),
    )


def _scaled(frame: pd.DataFrame, name: str, columns: list[str], currency: str):
    """Divide money columns so they read in mn / bn / trn; return (frame, unit)."""
    values = frame[columns].abs().to_numpy() if not frame.empty else []
    largest = float(values.max()) if len(values) else 0.0
    divisor, unit = money_scale(name, largest, currency)
    return frame.assign(**{c: frame[c] / divisor for c in columns}), unit


def _title(name: str, unit: str) -> str:
    return f"{indicator_label(name)} ({unit})" if unit not in ("", "1") else indicator_label(name)


def area_chart(
    national: pd.DataFrame,
    area: str,
    currency: str,
    years: tuple[int, int] | None = None,
    width: int = 250,
) -> alt.VConcatChart:
    """One panel: each indicator of ``area`` by year, stacked small multiples with units.

    Args:
        national: national indicators, one row per simulated year.
        area: a key of :data:`AREAS`.
        currency: the scenario's currency.
        years: first and last year of the scenario: the x axis spans them from the start.
        width: pixels.
    """
    charts = []
    for name in AREAS[area]:
        data = (
            national[["year", name]].rename(columns={name: "value"})
            if not national.empty and name in national
            else pd.DataFrame({"year": [], "value": []})
        )
        data, unit = _scaled(data, name, ["value"], currency)
        charts.append(
            alt.Chart(data, title=alt.Title(_title(name, unit), fontSize=11))
            .mark_line(point=alt.OverlayMarkDef(size=12))
            .encode(
                x=_year_axis(years),
                y=alt.Y(
                    "value:Q",
                    title=None,
                    axis=alt.Axis(format=",.3~r"),
                    scale=alt.Scale(domain=[0, 1]) if data.empty else alt.Undefined,
                ),
                tooltip=[
                    alt.Tooltip("year:Q", format="d"),
                    alt.Tooltip("value:Q", format=",.4~g", title=unit),
                ],
            )
            .properties(width=width, height=70)
        )
    return alt.vconcat(*charts, spacing=6).properties(title=area, usermeta=_EMBED)


def _region_values(t: TerritoryFrames, indicator: str, divisor: float, currency: str):
    values: dict[str, dict[str, Any]] = {}
    for row in t.regions.to_dict("records"):
        value = float(row.get(indicator, 0.0) or 0.0)
        values[row["id"]] = {
            "id": row["id"],
            "kind": "region",
            "value": value / divisor,
            "shown": format_amount(indicator, value, currency),
            "firms": format_amount("firms", float(row.get("firms", 0.0)), currency),
            "employment": format_amount("employment", float(row.get("employment", 0.0)), currency),
            "turnover": format_amount("turnover", float(row.get("turnover", 0.0)), currency),
            "taxes": format_amount("taxes", float(row.get("taxes", 0.0)), currency),
        }
    return values


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """JSON-ready rows (no NaN: Vega receives JSON)."""
    if frame.empty:
        return []
    part = frame[[c for c in columns if c in frame.columns]]
    return part.astype(object).where(part.notna(), None).to_dict("records")


_SEZ_COLUMNS = ["id", "kind", "marker", "name", "lon", "lat", "size", "status", "period"]
_SEZ_COLUMNS += ["participants", "turnover_shown"]
_CLUSTER_COLUMNS = ["id", "kind", "marker", "name", "sector", "lon", "lat", "size", "firms"]
_CLUSTER_COLUMNS += ["employment"]
_LINK_COLUMNS = ["kind", "source", "target", "lon", "lat", "lon2", "lat2", "weight", "width"]

#: Map specifications without their yearly data, by everything that shapes them.
_MAP_TEMPLATES: dict[tuple, dict[str, Any]] = {}


def map_chart(
    t: TerritoryFrames,
    spec: Scenario,
    indicator: str,
    scales: FixedScales,
    merged: bool,
    width: int = 640,
    height: int = 380,
) -> dict[str, Any]:
    """The territory as a map: regions coloured by an indicator, SEZs, clusters and links.

    Args:
        t: the territory of the last simulated year.
        spec: the scenario (regions are matched to Kazakhstan's units by name).
        indicator: region indicator that colours the map.
        scales: scale tops kept over the years (colour, marker size, link width).
        merged: the policy merges clusters into SEZs: only then are the pairing lines
            (cluster ↔ paired SEZ) drawn.
        width: pixels.
        height: pixels.

    Returns:
        The Vega-Lite specification. Every mark has a legend: the colour scale
        (indicator, fixed over years), SEZ status, the marker shapes and their size
        (firms), and the line kinds. The layout (scales, legends, labels) is built once
        per combination of scale tops and reused; each year only fills in the data.
    """
    currency = spec.currency
    top = scales.top(f"region:{indicator}", t.regions.get(indicator, []))
    divisor, unit = money_scale(indicator, top, currency)
    values = _region_values(t, indicator, divisor, currency)

    links = t.links.copy()
    if not links.empty:
        links["kind"] = links["kind"].replace({"cluster-SEZ": "cluster ↔ paired SEZ"})
        if not merged:
            links = links[links["kind"] != "cluster ↔ paired SEZ"]
    kinds = tuple(k for k in _LINE_KINDS if not links.empty and k in set(links["kind"]))
    link_top = scales.top("links", links.loc[links["kind"] == "value chain", "weight"])
    if not links.empty:
        links["width"] = links["weight"].where(links["kind"] == "value chain", link_top / 3)
    marker_values = list(t.sezs.get("participants", [])) + list(t.clusters.get("firms", []))
    size_top = scales.top("markers", [*marker_values, 10.0])
    clusters = t.clusters.assign(kind="cluster", marker="cluster")
    if not clusters.empty:
        clusters["size"] = clusters["firms"]
    sezs = t.sezs.assign(kind="sez", marker="SEZ")
    if not sezs.empty:
        sezs["size"] = sezs["participants"]
        sezs["turnover_shown"] = [format_amount("turnover", v, currency) for v in sezs["turnover"]]

    key = (
        spec.name,
        tuple((r.id, r.name, r.lon, r.lat) for r in spec.regions),
        indicator,
        top / divisor,
        unit,
        kinds,
        link_top,
        size_top,
        not clusters.empty,
        not sezs.empty,
        width,
        height,
    )
    if key not in _MAP_TEMPLATES:
        _MAP_TEMPLATES[key] = _map_template(spec, key, width, height)
    template = _MAP_TEMPLATES[key]
    has_units = _UNITS in template["datasets"]
    data = {
        "links": _records(links, _LINK_COLUMNS),
        "clusters": _records(clusters, _CLUSTER_COLUMNS),
        "sezs": _records(sezs, _SEZ_COLUMNS),
    }
    if has_units:
        data[_UNITS] = _flat_units(spec, values)
    else:
        data["regions"] = [
            {"lon": r.lon, "lat": r.lat, "region": r.name, **values[r.id]} for r in spec.regions
        ]
    return {**template, "datasets": {**template["datasets"], **data}}


def _map_template(spec: Scenario, key: tuple, width: int, height: int) -> dict[str, Any]:
    """The map's specification with named, empty yearly datasets (see :func:`map_chart`)."""
    (_, _, indicator, fill_top, unit, kinds, link_top, size_top, clusters, sezs, _, _) = key
    projection, has_units = fit_projection(spec, width, height)
    region_tooltip = [
        alt.Tooltip("region:N", title="region"),
        alt.Tooltip("shown:N", title=indicator_label(indicator)),
        alt.Tooltip("firms:N", title="firms"),
        alt.Tooltip("employment:N", title="employment"),
        alt.Tooltip("turnover:N", title="turnover"),
        alt.Tooltip("taxes:N", title="taxes"),
    ]
    fill = alt.Fill(
        "value:Q",
        scale=alt.Scale(domain=[0, fill_top], scheme="blues", clamp=True),
        legend=alt.Legend(title=_title(indicator, unit), format=",.3~r", gradientLength=140),
    )
    layers = []
    if has_units:
        layers.append(
            alt.Chart(alt.Data(name=_UNITS))
            .mark_geoshape(fill="#eceff1", stroke="#90a4ae", strokeWidth=0.6)
            .encode(tooltip=[alt.Tooltip("unit:N", title="unit"), alt.Tooltip("region:N")])
            .transform_filter("!datum.modelled")
        )
        layers.append(
            alt.Chart(alt.Data(name=_UNITS))
            .mark_geoshape(stroke="#546e7a", strokeWidth=0.8)
            .encode(fill=fill, tooltip=region_tooltip)
            .transform_filter("datum.modelled")
        )
    else:  # no boundaries for this country: regions as coloured circles
        layers.append(
            alt.Chart(alt.Data(name="regions"))
            .mark_circle(size=900, stroke="#546e7a", opacity=0.9)
            .encode(longitude="lon:Q", latitude="lat:Q", fill=fill, tooltip=region_tooltip)
        )
    if kinds:
        layers.append(
            alt.Chart(alt.Data(name="links"))
            .mark_rule(opacity=0.8)
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                longitude2="lon2:Q",
                latitude2="lat2:Q",
                color=alt.Color(
                    "kind:N",
                    scale=alt.Scale(domain=list(kinds), range=[_LINE_KINDS[k][0] for k in kinds]),
                    legend=alt.Legend(title="lines", symbolType="stroke"),
                ),
                strokeDash=alt.StrokeDash(
                    "kind:N",
                    scale=alt.Scale(domain=list(kinds), range=[_LINE_KINDS[k][1] for k in kinds]),
                    legend=None,
                ),
                strokeWidth=alt.StrokeWidth(
                    "width:Q", scale=alt.Scale(domain=[0, link_top], range=[0.5, 5]), legend=None
                ),
                tooltip=[
                    alt.Tooltip("kind:N", title="line"),
                    alt.Tooltip("source:N"),
                    alt.Tooltip("target:N"),
                    alt.Tooltip("weight:Q", title="links", format=",.0f"),
                ],
            )
        )
    size = alt.Size(
        "size:Q",
        scale=alt.Scale(domain=[0, size_top], range=[12, 520]),
        legend=alt.Legend(title="firms in SEZ / cluster", format=",.0f"),
    )
    shape = alt.Shape(
        "marker:N",
        scale=alt.Scale(domain=list(_MARKERS), range=list(_MARKERS.values())),
        legend=alt.Legend(title="marker"),
    )
    if clusters:
        layers.append(
            alt.Chart(alt.Data(name="clusters"))
            .mark_point(filled=True, color="#8e24aa", opacity=0.85)
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                shape=shape,
                size=size,
                tooltip=[
                    alt.Tooltip("name:N", title="cluster"),
                    alt.Tooltip("sector:N"),
                    alt.Tooltip("firms:Q", format=",.0f", title="members"),
                    alt.Tooltip("employment:Q", format=",.0f", title="employment (persons)"),
                ],
            )
        )
    if sezs:
        layers.append(
            alt.Chart(alt.Data(name="sezs"))
            .mark_point(filled=True, opacity=0.95, stroke="black", strokeWidth=0.5)
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                shape=shape,
                size=size,
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(
                        domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())
                    ),
                    legend=alt.Legend(title="SEZ status"),
                ),
                tooltip=[
                    alt.Tooltip("name:N", title="SEZ"),
                    alt.Tooltip("status:N"),
                    alt.Tooltip("period:N"),
                    alt.Tooltip("participants:Q", format=",.0f"),
                    alt.Tooltip("turnover_shown:N", title="turnover"),
                ],
            )
        )
    order = sorted(spec.regions, key=lambda r: -r.population)
    anchors = pd.DataFrame(
        [{"lon": r.lon, "lat": r.lat, "text": r.name.replace(" region", "")} for r in order]
    )
    labels = place_labels(anchors, projection, width, height)
    layers.append(
        alt.Chart(labels[["text", "lon", "lat"]])
        .mark_text(fontSize=10, color="#263238", fontWeight=500)
        .encode(longitude="lon:Q", latitude="lat:Q", text="text:N")
    )
    chart = (
        alt.layer(*layers)
        .project(**projection.vega())
        .resolve_scale(color="independent")
        .properties(width=width, height=height, usermeta=_EMBED)
        .configure_legend(orient="right", labelFontSize=10, titleFontSize=10, symbolSize=60)
        .configure_view(stroke=None)
    )
    template = chart.to_dict()
    template.setdefault("datasets", {})
    if has_units:
        template["datasets"][_UNITS] = []
    return template


def band_chart(bands: pd.DataFrame, indicator: str, currency: str, width: int = 260) -> alt.Chart:
    """Mean trajectory and 95% band across replications, one colour per policy."""
    policies = sorted(bands["policy"].unique()) if not bands.empty else []
    bands, unit = _scaled(bands, indicator, ["mean", "low", "high"], currency)
    colour = alt.Color(
        "policy:N",
        scale=alt.Scale(domain=policies, range=[_POLICY_COLOURS.get(p, "#555") for p in policies]),
    )
    base = alt.Chart(bands).encode(x=_year_axis(), color=colour)
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title=None, axis=alt.Axis(format=",.3~r")), y2="high:Q"
    )
    line = base.mark_line().encode(
        y="mean:Q",
        tooltip=[
            "policy:N",
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("mean:Q", format=",.4~g", title=f"mean ({unit})"),
            alt.Tooltip("low:Q", format=",.4~g"),
            alt.Tooltip("high:Q", format=",.4~g"),
        ],
    )
    return (band + line).properties(
        width=width, height=110, title=_title(indicator, unit), usermeta=_EMBED_EXPORT
    )


def synergy_chart(synergy: pd.DataFrame, indicator: str, currency: str, width: int = 260):
    """Merge − no_merge over time: the mean difference, its 95% band, and zero."""
    data = synergy[synergy["indicator"] == indicator][["year", "mean", "ci_low", "ci_high", "n"]]
    data, unit = _scaled(data, indicator, ["mean", "ci_low", "ci_high"], currency)
    base = alt.Chart(data).encode(x=_year_axis())
    band = base.mark_area(opacity=0.25, color="#1565c0").encode(
        y=alt.Y("ci_low:Q", title=None, axis=alt.Axis(format=",.3~r")), y2="ci_high:Q"
    )
    line = base.mark_line(color="#0d47a1", point=alt.OverlayMarkDef(size=10)).encode(
        y="mean:Q",
        tooltip=[
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("mean:Q", format=",.4~g", title=f"merge − no_merge ({unit})"),
            alt.Tooltip("ci_low:Q", format=",.4~g", title="95% CI low"),
            alt.Tooltip("ci_high:Q", format=",.4~g", title="95% CI high"),
            alt.Tooltip("n:Q", title="pairs of runs"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#555", strokeDash=[3, 3])
    return (band + line + zero.encode(y="zero:Q")).properties(
        width=width, height=120, title=_title(indicator, unit), usermeta=_EMBED_EXPORT
    )


def synergy_map(
    by_region: pd.DataFrame, spec: Scenario, indicator: str, width: int = 520, height: int = 300
) -> dict[str, Any]:
    """Synergy by region (merge − no_merge) on the map: gains blue, losses red.

    Args:
        by_region: one row per region id (``name``) with ``mean``, ``ci_low``,
            ``ci_high``, ``n`` for one indicator and year.
        spec: the scenario.
        indicator: the indicator (for the legend and units).
        width: pixels.
        height: pixels.
    """
    currency = spec.currency
    largest = float(by_region["mean"].abs().max()) if not by_region.empty else 0.0
    divisor, unit = money_scale(indicator, largest, currency)
    span = max(largest / divisor, 1e-9)
    values = {
        row["name"]: {
            "value": row["mean"] / divisor,
            "shown": format_amount(indicator, row["mean"], currency),
            "ci": f"{format_amount(indicator, row['ci_low'], currency)} to "
            f"{format_amount(indicator, row['ci_high'], currency)}",
        }
        for row in by_region.to_dict("records")
    }
    projection, has_units = fit_projection(spec, width, height)
    fill = alt.Fill(
        "value:Q",
        scale=alt.Scale(domain=[-span, span], scheme="redblue", domainMid=0),
        legend=alt.Legend(title=f"merge − no_merge ({unit})", format=",.3~r"),
    )
    tooltip = [
        alt.Tooltip("region:N"),
        alt.Tooltip("shown:N", title="merge − no_merge"),
        alt.Tooltip("ci:N", title="95% CI"),
    ]
    units: list[dict[str, Any]] = []
    if has_units:
        units = _flat_units(spec, values)
        base = alt.Chart(alt.Data(name=_UNITS))
        layers = [
            base.mark_geoshape(fill="#eceff1", stroke="#90a4ae", strokeWidth=0.6)
            .encode(tooltip=[alt.Tooltip("unit:N"), alt.Tooltip("region:N")])
            .transform_filter("!datum.modelled"),
            base.mark_geoshape(stroke="#546e7a", strokeWidth=0.8)
            .encode(fill=fill, tooltip=tooltip)
            .transform_filter("datum.modelled"),
        ]
    else:
        points = pd.DataFrame(
            [
                {"lon": r.lon, "lat": r.lat, "region": r.name, **values.get(r.id, {})}
                for r in spec.regions
            ]
        )
        layers = [
            alt.Chart(points)
            .mark_circle(size=900, stroke="#546e7a")
            .encode(longitude="lon:Q", latitude="lat:Q", fill=fill, tooltip=tooltip)
        ]
    chart = (
        alt.layer(*layers)
        .project(**projection.vega())
        .properties(width=width, height=height, usermeta=_EMBED_EXPORT)
        .configure_view(stroke=None)
    )
    return _with_units(chart, units)


def channel_waterfall(
    table: pd.DataFrame, indicator: str, year: int, currency: str, width: int = 420
) -> alt.LayerChart:
    """The synergy by channel as a waterfall: each channel's Shapley value stacked to the total.

    Args:
        table: a ``sezsim decompose`` table (indicator, year, channel, contribution,
            ci_low, ci_high, n), channels then a ``total`` row per indicator and year.
        indicator: the indicator shown.
        year: the year shown.
        currency: the scenario's currency, for money units.
        width: pixels.
    """
    part = table[(table["indicator"] == indicator) & (table["year"] == year)]
    steps = part[part["channel"] != "total"].copy()
    total = part[part["channel"] == "total"].copy()
    steps["end"] = steps["contribution"].cumsum()
    steps["start"] = steps["end"] - steps["contribution"]
    total["start"], total["end"] = 0.0, total["contribution"]
    data = pd.concat([steps, total], ignore_index=True)
    data["kind"] = [
        "total" if c == "total" else "gain" if v >= 0 else "loss"
        for c, v in zip(data["channel"], data["contribution"], strict=True)
    ]
    data, unit = _scaled(
        data, indicator, ["contribution", "ci_low", "ci_high", "start", "end"], currency
    )
    order = list(data["channel"])
    base = alt.Chart(data).encode(x=alt.X("channel:N", sort=order, title=None))
    bars = base.mark_bar().encode(
        y=alt.Y("start:Q", title=None, axis=alt.Axis(format=",.3~r")),
        y2="end:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(
                domain=["gain", "loss", "total"], range=["#2a9d8f", "#e76f51", "#264653"]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("channel:N"),
            alt.Tooltip("contribution:Q", format=",.4~g", title=f"Shapley value ({unit})"),
            alt.Tooltip("ci_low:Q", format=",.4~g", title="95% CI low"),
            alt.Tooltip("ci_high:Q", format=",.4~g", title="95% CI high"),
            alt.Tooltip("n:Q", title="replications"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#555", strokeDash=[3, 3])
    return (bars + zero.encode(y="zero:Q")).properties(
        width=width, height=180, title=f"{_title(indicator, unit)}, {year}", usermeta=_EMBED_EXPORT
    )
