"""Altair charts of the UI: the territory, the indicator areas, policy bands.

Charts are built from tables the model, its territory and the experiment analysis
produce; units come from the indicator registry. Vega draws them in the browser (as SVG),
so hovering shows a tooltip and clicking reports the clicked item to the page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.indicators import INDICATORS
from sim.ui.session import TerritoryFrames

__all__ = ["AREAS", "STATUS_COLOURS", "area_chart", "band_chart", "territory_chart"]

#: The four areas of the papers, plus FDI and exports: the indicators each panel shows.
AREAS: dict[str, list[str]] = {
    "Finance": ["taxes", "privilege_cost"],
    "Industry": ["turnover", "investment"],
    "Labour": ["employment", "avg_wage"],
    "Innovation": ["innovations", "productivity"],
    "FDI": ["fdi_inflow", "fdi_stock"],
    "Exports": ["exports", "sez_active"],
}

#: Colour of an SEZ by its status in the last simulated year.
STATUS_COLOURS = {"active": "#2e7d32", "closed": "#c62828", "not yet open": "#9e9e9e"}

_POLICY_COLOURS = {"merge": "#1565c0", "no_merge": "#ef6c00", "heterodox": "#6a1b9a"}


#: Vega-embed options carried in the spec: SVG (items are DOM nodes: hover, tests,
#: crisp screenshots) and no export menu.
_EMBED = {"embedOptions": {"renderer": "svg", "actions": False}}


def _top(values: pd.Series) -> float:
    """Upper end of a size scale whose lower end is zero (an empty zone is small)."""
    return max(float(values.max()) if len(values) else 0.0, 1.0)


def _unit(name: str, currency: str) -> str:
    return INDICATORS[name].unit.replace("million currency units", currency)


def area_chart(national: pd.DataFrame, area: str, currency: str, width: int = 250) -> alt.Chart:
    """One panel: each indicator of ``area`` by year, stacked small multiples with units."""
    charts = []
    for name in AREAS[area]:
        data = (
            national[["year", name]].rename(columns={name: "value"})
            if not national.empty
            else pd.DataFrame({"year": [], "value": []})
        )
        charts.append(
            alt.Chart(data, title=alt.Title(f"{name} ({_unit(name, currency)})", fontSize=11))
            .mark_line(point=alt.OverlayMarkDef(size=12))
            .encode(
                x=alt.X("year:Q", axis=alt.Axis(format="d", title=None, tickCount=5)),
                y=alt.Y("value:Q", title=None, axis=alt.Axis(format="~s")),
                tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("value:Q", format=",.4~f")],
            )
            .properties(width=width, height=70)
        )
    return alt.vconcat(*charts, spacing=6).properties(title=area, usermeta=_EMBED)


def territory_chart(t: TerritoryFrames, width: int = 560, height: int = 330) -> alt.Chart:
    """Regions at their longitude/latitude, SEZs and clusters around them, and their links.

    Regions are circles sized by live firms; SEZs squares sized by participants and
    coloured by status; clusters triangles sized by producing members. Grey lines are
    value-chain links between firms of two regions (width: count); dashed lines join
    each cluster to the SEZs the scenario pairs it with.
    """
    proj = {"type": "mercator"}
    lon, lat = alt.Longitude("lon:Q"), alt.Latitude("lat:Q")
    layers = []
    links = t.links
    for kind, colour, dash in (("value chain", "#90a4ae", []), ("cluster-SEZ", "#ff9800", [4, 3])):
        part = links[links["kind"] == kind] if not links.empty else links
        if part.empty:
            continue
        layers.append(
            alt.Chart(part)
            .mark_rule(color=colour, strokeDash=dash, opacity=0.8)
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                longitude2="lon2:Q",
                latitude2="lat2:Q",
                strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[1, 5]), legend=None),
                tooltip=["kind:N", "source:N", "target:N", alt.Tooltip("weight:Q", title="links")],
            )
        )
    regions = t.regions.assign(kind="region")
    layers.append(
        alt.Chart(regions)
        .mark_circle(color="#1e88e5", opacity=0.35, stroke="#0d47a1", strokeWidth=1)
        .encode(
            longitude=lon,
            latitude=lat,
            size=alt.Size("firms:Q", scale=alt.Scale(range=[60, 1600]), title="firms (region)"),
            tooltip=[
                alt.Tooltip("name:N", title="region"),
                alt.Tooltip("firms:Q", format=",.0f"),
                alt.Tooltip("employment:Q", format=",.0f", title="employment (persons)"),
                alt.Tooltip("turnover:Q", format=",.0f"),
                alt.Tooltip("taxes:Q", format=",.0f"),
            ],
        )
    )
    layers.append(
        alt.Chart(regions)
        .mark_text(dy=-12, fontSize=9, color="#37474f")
        .encode(longitude=lon, latitude=lat, text="name:N")
    )
    if not t.clusters.empty:
        clusters = t.clusters.assign(kind="cluster")
        layers.append(
            alt.Chart(clusters)
            .mark_point(shape="triangle-up", filled=True, color="#8e24aa", opacity=0.85)
            .encode(
                longitude=lon,
                latitude=lat,
                size=alt.Size(
                    "firms:Q",
                    scale=alt.Scale(domain=[0, _top(clusters["firms"])], range=[20, 500]),
                    legend=None,
                ),
                tooltip=[
                    alt.Tooltip("name:N", title="cluster"),
                    "sector:N",
                    alt.Tooltip("firms:Q", format=",.0f", title="members"),
                    alt.Tooltip("employment:Q", format=",.0f"),
                ],
            )
        )
    if not t.sezs.empty:
        sezs = t.sezs.assign(kind="sez", size=t.sezs["participants"] + 0.5)
        layers.append(
            alt.Chart(sezs)
            .mark_square(opacity=0.9, stroke="black", strokeWidth=0.5)
            .encode(
                longitude=lon,
                latitude=lat,
                size=alt.Size(
                    "size:Q",
                    scale=alt.Scale(domain=[0, _top(sezs["size"])], range=[0, 700]),
                    legend=None,
                ),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(
                        domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())
                    ),
                    title="SEZ",
                ),
                tooltip=[
                    alt.Tooltip("name:N", title="SEZ"),
                    "status:N",
                    "period:N",
                    alt.Tooltip("participants:Q", format=",.0f"),
                    alt.Tooltip("turnover:Q", format=",.0f"),
                    alt.Tooltip("privilege_cost:Q", format=",.0f"),
                ],
            )
        )
    return (
        alt.layer(*layers)
        .project(**proj)
        .properties(width=width, height=height, usermeta=_EMBED)
        .configure_legend(orient="bottom", direction="horizontal", labelFontSize=10)
        .configure_view(stroke=None)
    )


def band_chart(bands: pd.DataFrame, indicator: str, currency: str, width: int = 260) -> alt.Chart:
    """Mean trajectory and 95% band across replications, one colour per policy."""
    policies = sorted(bands["policy"].unique()) if not bands.empty else []
    colour = alt.Color(
        "policy:N",
        scale=alt.Scale(domain=policies, range=[_POLICY_COLOURS.get(p, "#555") for p in policies]),
    )
    base = alt.Chart(bands).encode(
        x=alt.X("year:Q", axis=alt.Axis(format="d", title=None, tickCount=5)), color=colour
    )
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title=None, axis=alt.Axis(format="~s")), y2="high:Q"
    )
    line = base.mark_line().encode(
        y="mean:Q",
        tooltip=[
            "policy:N",
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("mean:Q", format=",.4~f"),
            alt.Tooltip("low:Q", format=",.4~f"),
            alt.Tooltip("high:Q", format=",.4~f"),
        ],
    )
    return (band + line).properties(
        width=width,
        height=110,
        title=f"{indicator} ({_unit(indicator, currency)})",
        usermeta=_EMBED,
    )
